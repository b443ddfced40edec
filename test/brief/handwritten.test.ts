/**
 * The pre-session brief over notes written by hand (issue 18), on a real encrypted record in a
 * temporary folder: the four-session course in two styles (test/brief/handwrittenNotes.ts), each
 * brief section compared with what the notes hold, with dates; risk lines shown exactly as written;
 * themes with dates from the whole record, transcripts included; nothing the notes do not hold.
 * Then transcripts in every form (WebVTT, SRT, "CLIENT:" labels, a Zoom export with the client's
 * name, plain text) as the client's words, and markup in a hand-written note kept inert.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { ManualClock } from "../../src/core/clock";
import { buildBrief, renderBrief, type Brief } from "../../src/core/brief/brief";
import { RISK_PLACEHOLDER } from "../../src/core/drafting/safeguards";
import { stem, tokenise } from "../../src/core/text/words";
import { inert, plainFromInert } from "../../src/core/safety/inert";
import { bodyWithoutRisk, homeworkIn, partsInNote, quotesInNote, readNoteLines, riskIn } from "../../src/core/brief/freeText";
import { liveMarkup } from "../support/hostileCatalogue";
import { HW_CLIENT, HW_NAME, STYLES, type Style } from "./handwrittenNotes";

const TODAY = "2026-07-07";
let dir: string;
let record: ClinicalRecord;

/** A real encrypted record in a temporary folder for each test of the calling describe block. */
function useRecord(): void {
	beforeEach(async () => {
		dir = await mkdtemp(join(tmpdir(), "cv-brief-hand-"));
		record = new ClinicalRecord({ store: new NodeFsStore(dir), clock: new ManualClock("2026-07-06T09:00:00Z") });
		await record.init("correct horse battery", { kdf: floorKdfParams() });
		await record.addClient({ code: HW_CLIENT, name: HW_NAME, modality: "ifs" });
	});
	afterEach(async () => {
		await rm(dir, { recursive: true, force: true });
	});
}

const notePath = (client: string, date: string) => `${client}/notes/${date}.md`;
const storePath = (p: string) => record.layout.storePath(p);

async function write(style: Style): Promise<Map<string, string>> {
	const byDate = new Map<string, string>();
	for (const n of style.notes) {
		await record.writeText(notePath(HW_CLIENT, n.date), n.text);
		byDate.set(n.date, n.text);
	}
	return byDate;
}

/** Each theme stands in the text of every date it names (by stem, as the brief counts words). */
function themeStands(term: string, text: string): boolean {
	const wanted = stem(stem(term));
	return tokenise(text).some((t) => stem(t.stem) === wanted);
}

/** The brief's markdown with the lines code writes (headings, its own links and list markers) taken out: what is left came from the record. */
function recordText(md: string, client: string): string[] {
	const link = new RegExp(String.raw`\[\[Clinical/${client}/[^\]|]+\.cvault\|\d{4}-\d{2}-\d{2}\]\]`, "g");
	return md
		.split("\n")
		.filter(
			(l) =>
				l.trim() !== "" &&
				!/^#{1,2} (?:Pre-session brief|Last sessions|Homework|Parts|Treatment plan|Measures|Risk notes|Recurring themes|Client's words)/.test(l),
		)
		.map((l) => l.replace(link, "LINK").replace(/^\s*- /, ""));
}

describe.each(STYLES)("a brief over notes written by hand: $id", (style) => {
	useRecord();
	it("finds the homework, its follow-up, the risk lines as written, the parts, themes and the client's words, with dates", async () => {
		const notes = await write(style);
		const brief = await buildBrief(record, { client: HW_CLIENT, today: TODAY });
		const e = style.expected;
		expect(brief.sessionsRead).toBe(5);

		// Last sessions: the three newest, each with the note's own first sentences.
		expect(brief.lastSessions.map((s) => s.date)).toEqual(["2026-06-30", "2026-06-23", "2026-06-16"]);
		for (const s of brief.lastSessions) {
			expect(s.lines.length).toBeGreaterThan(0);
			const first = s.lines[0]!.split(/(?<=\.) /)[0]!;
			expect(notes.get(s.date)).toContain(first);
		}

		// Homework: newest first, each assignment as written on its date; a note that sets none yields none.
		expect(brief.homework.map((h) => [h.date, h.followUp.status, h.followUp.date])).toEqual(e.followUps);
		for (const h of brief.homework) {
			expect(h.text).toBe(e.homework[h.date]);
			if (h.followUp.evidence) expect(notes.get(h.followUp.date!)).toContain(h.followUp.evidence);
		}
		expect(brief.homework.some((h) => h.date === "2026-06-02")).toBe(false);
		if (!("2026-06-30" in e.homework)) expect(brief.homework.some((h) => h.date === "2026-06-30")).toBe(false);

		// Risk: every risk line and sentence, newest first, exactly as written.
		expect(brief.risk.map((r) => [r.date, r.text])).toEqual(e.risk);
		for (const r of brief.risk) expect(notes.get(r.date)!.replace(/\*\*Risk:\*\*/g, "Risk:")).toContain(r.text);

		// Parts named in the notes, with the dates of the notes naming them (the Critic: every session).
		const parts = Object.fromEntries(brief.namedParts.map((p) => [p.name.replace(/^the /, ""), p.dates]));
		expect(parts).toEqual(e.parts);

		// The client's words: newest first, once each, as written in the note of that date.
		expect(brief.quotes.map((q) => [q.date, q.text])).toEqual(e.quotes);

		// Recurring themes from every note, with their dates; each stands in the note of each date.
		expect(brief.themes.find((t) => t.term === "father")?.dates).toEqual(["2026-06-02", "2026-06-16", "2026-06-30"]);
		expect(brief.themes.find((t) => t.term === "panic")?.dates).toEqual(["2026-06-02", "2026-06-09", "2026-06-23", "2026-06-30"]);
		for (const t of brief.themes) {
			expect(t.dates.length).toBeGreaterThanOrEqual(2);
			for (const d of t.dates) expect(themeStands(t.term, notes.get(d)!), `${t.term} on ${d}`).toBe(true);
		}
		// Part names have their own section, and risk words are not themes.
		expect(brief.themes.some((t) => /critic|binger|planner|disappear|harm/i.test(t.term))).toBe(false);

		const md = renderBrief(brief, storePath);
		for (const empty of ["No homework recorded.", "No risk notes written.", "Nothing recurs yet.", "No quotes recorded."]) expect(md).not.toContain(empty);
		for (const r of brief.risk) expect(md).toContain(`${r.date}]]: ${inert(r.text)}`);
		expect(plainFromInert(md)).toContain(e.risk[0]![1]);
		expect(md).toContain(
			`- the Critic (manager): 2026-06-09, 2026-06-16, 2026-06-23, 2026-06-30 (latest [[Clinical/${HW_CLIENT}/notes/2026-06-30.md.cvault|2026-06-30]])`,
		);
		expect(md).not.toContain(HW_NAME);
	});
});

describe("a brief over notes written by hand: nothing is invented", () => {
	useRecord();
	it("a note without homework, risk, parts or quotes yields none of them", async () => {
		await record.writeText(
			notePath(HW_CLIENT, "2026-06-09"),
			"Talked about the move to a new flat and the boxes still in the hall.\n\nSlept better this week.\n",
		);
		await record.writeText(notePath(HW_CLIENT, "2026-06-16"), "### Check-in\nThe move went well; the boxes are unpacked.\n\n**Next session:** continue.\n");
		const brief = await buildBrief(record, { client: HW_CLIENT, today: TODAY });
		expect(brief.homework).toEqual([]);
		expect(brief.risk).toEqual([]);
		expect(brief.quotes).toEqual([]);
		expect(brief.namedParts).toEqual([]);
		// Only what both notes hold recurs.
		expect(brief.themes.map((t) => t.term).sort()).toEqual(["boxes", "move"]);
		const md = renderBrief(brief, storePath);
		for (const empty of ["No homework recorded.", "No risk notes written.", "No quotes recorded."]) expect(md).toContain(empty);
		expect(brief.lastSessions[0]!.lines[0]).toBe("The move went well; the boxes are unpacked.");
	});

	it("a risk line as a note's first line is a risk note, never a title, and never goes to the model", async () => {
		await record.writeText(notePath(HW_CLIENT, "2026-06-30"), "Passive SI this week, no plan\n\nShe talked about work stress and sleep.\n");
		const brief = await buildBrief(record, { client: HW_CLIENT, today: TODAY });
		expect(brief.risk.map((r) => r.text)).toEqual(["Passive SI this week, no plan"]);
		expect(bodyWithoutRisk("Passive SI this week, no plan\n\nShe talked about work stress and sleep.")).not.toMatch(/SI/);
	});

	it("a risk line is rendered as written: abbreviations, answers and quotes untouched, markup inert", async () => {
		await record.writeText(notePath(HW_CLIENT, "2026-06-30"), "Risk: S.I./H.I. denied; C-SSRS Q1-Q6 Y/N/N/N/N/N; she said “not today” <b>x</b>\n");
		const md = renderBrief(await buildBrief(record, { client: HW_CLIENT, today: TODAY }), storePath);
		const line = md.split("\n").find((l) => l.includes("S.I."))!;
		expect(line).toMatch(/: Risk: S\.I\.\/H\.I\. denied; C-SSRS Q1-Q6 Y\/N\/N\/N\/N\/N; she said “not today” \\<b\\>x\\<\/b\\>$/);
	});

	it("a note dated only by its date: field, or by a Date: line, is read", async () => {
		await record.writeText(`${HW_CLIENT}/notes/second-session.md`, "---\ndate: 2026-06-16\n---\nShe talked about the move.\n");
		await record.writeText(`${HW_CLIENT}/notes/third-session.md`, "Date: 23 June 2026\n\nShe talked about the boxes.\n");
		const brief = await buildBrief(record, { client: HW_CLIENT, today: TODAY });
		expect(brief.lastSessions.map((s) => s.date)).toEqual(["2026-06-23", "2026-06-16"]);
	});

	it("every risk note is shown, an older one never pushed out by newer lines", async () => {
		await record.writeText(notePath(HW_CLIENT, "2026-06-23"), "Risk: Active SI with a plan to overdose; pills at home. Safety plan made.\n");
		await record.writeText(
			notePath(HW_CLIENT, "2026-06-30"),
			"SI: denied today.\nHI: denied.\nSelf-harm: none since May.\nSafety plan: reviewed.\nC-SSRS: screen negative.\nNSSI: none.\n",
		);
		const brief = await buildBrief(record, { client: HW_CLIENT, today: TODAY });
		expect(brief.risk.length).toBeGreaterThanOrEqual(7);
		expect(brief.risk.map((r) => r.text)).toContainEqual(expect.stringContaining("Active SI with a plan to overdose"));
	});

	it("a note's status from its frontmatter stays inert in the brief", async () => {
		await record.writeText(notePath(HW_CLIENT, "2026-06-30"), '---\nstatus: "[[other]] ![[profile]] <img src=x>"\n---\nShe talked about work.\n');
		const md = renderBrief(await buildBrief(record, { client: HW_CLIENT, today: TODAY }), storePath);
		const line = md.split("\n").find((l) => l.includes("other"))!;
		expect(line).toContain(" · \\[\\[other\\]\\] \\!\\[\\[profile\\]\\] \\<img src\\=x\\>");
		expect(line.replace(/\[\[Clinical\/[^\]]+\]\]/, "")).not.toMatch(/(?<!\\)\[\[|(?<!\\)<img/);
	});

	it("the drafting's risk placeholder and flags in a note are code's, not risk notes", async () => {
		await record.writeText(
			notePath(HW_CLIENT, "2026-06-09"),
			`Worked on the morning routine.\n\n${RISK_PLACEHOLDER}\n\n> [!danger] Risk content mentioned at [12:04]; clinician to assess.\n`,
		);
		const brief = await buildBrief(record, { client: HW_CLIENT, today: TODAY });
		expect(brief.risk).toEqual([]);
		expect(renderBrief(brief, storePath)).toContain("No risk notes written.");
	});
});

describe("transcripts in any form give the client's words and theme dates", () => {
	useRecord();
	const CLIENT = "C-0419";
	const TRANSCRIPTS: Record<string, string> = {
		// WebVTT with voice tags.
		"2026-06-16":
			"WEBVTT\n\n1\n00:00:05.000 --> 00:00:09.000\n<v Therapist>How did the week go with the Critic?\n\n2\n00:01:02.500 --> 00:01:09.000\n<v Client>I feel like the Critic finally stepped back when I talked about my father.\n",
		// SubRip with labels inside the cues; the therapist speaks in the first person too.
		"2026-06-23":
			"1\n00:00:04,000 --> 00:00:08,000\nTHERAPIST: I feel like we could slow down and check in with the Binger first.\n\n2\n00:02:10,000 --> 00:02:16,000\nCLIENT: I just sat with the Binger for a minute and the urge passed on its own.\n",
		// Labelled lines without times.
		"2026-06-30":
			"THERAPIST: What did you notice when the Planner and the Critic argued?\nCLIENT: I keep hearing my father's voice when the Planner gets loud about the schedule.\n",
		// A Zoom export: speakers by name, the client's as in the profile.
		"2026-06-09": `WEBVTT\n\n1\n00:00:03.000 --> 00:00:07.000\nDr Rivera: I'm glad you came in today.\n\n2\n00:03:21.000 --> 00:03:30.000\nSam Placeholder: I don't want the Critic to run the meeting again next week, it wears me out.\n`,
		// Plain text: no speakers, first-person lines count.
		"2026-06-02":
			"I can't stop thinking about the presentation and my chest gets tight every morning.\nLet us notice that together and see what the part needs from you today.\n",
		// No note on this date: its words give theme dates, not quotes.
		"2026-07-03": "CLIENT: I keep thinking about my father and the panic on the train this morning.\n",
		// After the visit: not read.
		"2026-07-09": "CLIENT: I feel like my father would never understand the panic I get every morning.\n",
	};

	it("quotes the client's lines with their times, never another speaker's", async () => {
		await record.addClient({ code: CLIENT, name: "Sam Placeholder" });
		// The notes hold no quotes: the client's words come from the transcripts.
		const dates = ["2026-06-02", "2026-06-09", "2026-06-16", "2026-06-23", "2026-06-30"];
		for (const d of dates) await record.writeText(notePath(CLIENT, d), `Session held.\n\nMorning panic and the father theme came up again.\n`);
		for (const [date, text] of Object.entries(TRANSCRIPTS)) await record.writeText(`${CLIENT}/transcripts/${date}.md`, text);

		const brief = await buildBrief(record, { client: CLIENT, today: TODAY });
		expect(brief.quotes.map((q) => [q.date, q.timestamp ?? null, q.text])).toEqual([
			["2026-06-30", null, "I keep hearing my father's voice when the Planner gets loud about the schedule."],
			["2026-06-23", "02:10", "I just sat with the Binger for a minute and the urge passed on its own."],
			["2026-06-16", "01:02", "I feel like the Critic finally stepped back when I talked about my father."],
			["2026-06-09", "03:21", "I don't want the Critic to run the meeting again next week, it wears me out."],
			["2026-06-02", null, "I can't stop thinking about the presentation and my chest gets tight every morning."],
		]);
		expect(brief.quotes.every((q) => q.recordPath === `${CLIENT}/transcripts/${q.date}.md`)).toBe(true);
		expect(JSON.stringify(brief.quotes)).not.toMatch(/slow down|glad you came|notice that together/);

		// Themes from the whole record: the transcript of 2026-07-03 (no note that day) adds its date; the one after the visit does not.
		expect(brief.themes.find((t) => t.term === "father")?.dates).toEqual([...dates, "2026-07-03"]);
		expect(brief.themes.flatMap((t) => t.dates)).not.toContain("2026-07-09");
		// The brief's audit entry names the transcripts it read (and not the one after the visit).
		const audit = await record.audit.verify();
		const entry = JSON.stringify(audit.entryList.filter((x) => x.action === "open" && x.note === "read for the pre-session brief").at(-1));
		expect(entry).toContain(`${CLIENT}/transcripts/2026-07-03.md`);
		expect(entry).not.toContain(`${CLIENT}/transcripts/2026-07-09.md`);
	});

	it("a transcript whose speakers are unknown (Speaker 1 and 2) gives no quotes", async () => {
		await record.writeText(notePath(HW_CLIENT, "2026-06-09"), "Session held.\n");
		await record.writeText(
			`${HW_CLIENT}/transcripts/2026-06-09.md`,
			"[00:10] **Speaker 1:** I feel like nobody at work listens to me when the deadline moves.\n[00:20] **Speaker 2:** I feel like that is worth slowing down for today, right here.\n",
		);
		const brief = await buildBrief(record, { client: HW_CLIENT, today: TODAY });
		expect(brief.quotes).toEqual([]);
	});
});

describe("markup in a hand-written note stays inert in the brief", () => {
	useRecord();
	const HOSTILE = [
		"# Session 2 – 16 June 2026",
		"",
		"### Session content",
		'She said: "I feel like nobody reads [[C-0418/profile.md]] or `code` in my notes at all." Mood:: low',
		"```dataview",
		'TABLE file.name FROM "Clinical"',
		"```",
		"We met the Critic (manager) [x](javascript:alert(1)) and <img src=x onerror=alert(1)>.",
		"",
		"### Homework",
		"- Practise the breathing ![[Clinical/C-0418/notes/2026-06-02.md.cvault]] <% tp.file.title %> each evening, see [guide](https://example.invalid/x) {{date}} ==now== $x$",
		"",
		"**Risk:** denies SI/HI ==[[secret]]== %%hidden%% <span>ok</span> [^1] #tag &amp; www.example.invalid",
		"",
		"> [!warning] Risk: a callout of the clinician's own, ![img](https://example.invalid/p.png)",
	].join("\n");

	it("shows every text as written and opens nothing: no link, embed, HTML, code, template or Dataview field", async () => {
		await record.writeText(
			notePath(HW_CLIENT, "2026-06-09"),
			"Session held; the Critic (manager) was loud. Breathing practice agreed.\n\nHW: practise the breathing each evening.\n",
		);
		await record.writeText(notePath(HW_CLIENT, "2026-06-16"), `${HOSTILE}\n`);
		const brief = await buildBrief(record, { client: HW_CLIENT, today: TODAY });
		const md = renderBrief(brief, storePath);

		// Found, and kept as data exactly as written.
		expect(brief.homework[0]!.text).toContain("![[Clinical/C-0418/notes/2026-06-02.md.cvault]] <% tp.file.title %>");
		expect(brief.risk.map((r) => r.text)).toEqual([
			"Risk: denies SI/HI ==[[secret]]== %%hidden%% <span>ok</span> [^1] #tag &amp; www.example.invalid",
			"Risk: a callout of the clinician's own, ![img](https://example.invalid/p.png)",
		]);
		expect(brief.quotes[0]!.text).toBe("I feel like nobody reads [[C-0418/profile.md]] or `code` in my notes at all.");

		// Rendered inert: nothing in the record's text is live markup (which the check does see in the note's own text), and it reads as written.
		expect(liveMarkup(brief.homework[0]!.text).length).toBeGreaterThan(0);
		const live = recordText(md, HW_CLIENT).flatMap((l) => liveMarkup(l));
		expect(live).toEqual([]);
		const plain = plainFromInert(md);
		for (const r of brief.risk) expect(plain).toContain(r.text);
		// (inert shows a backtick as an apostrophe: its one change to the characters of this quote)
		expect(plain).toContain(brief.quotes[0]!.text.replace("`code`", "'code'"));
		// The only links are the brief's own, to the encrypted notes.
		const links = [...md.matchAll(/(?<!\\)\[\[([^\]]+)\]\]/g)].map((m) => m[1]!);
		expect(links.every((l) => /^Clinical\/C-0418\/notes\/2026-06-(09|16)\.md\.cvault\|2026-06-(09|16)$/.test(l))).toBe(true);
		// The brief's headings are code's, each once.
		const headings = md.split("\n").filter((l) => /^#/.test(l));
		expect(new Set(headings).size).toBe(headings.length);
		expect(headings).toHaveLength(9);
	});

	it("a part's name, a theme and a plan objective from a source are inert too", async () => {
		await record.writeText(notePath(HW_CLIENT, "2026-06-09"), "Worked with the Critic.\n");
		const brief: Brief = await buildBrief(record, {
			client: HW_CLIENT,
			today: TODAY,
			sources: {
				parts: async () => [{ name: "The [[Critic]]", kind: "manager", status: "active <b>", detail: "![[x.png]]" }],
				plan: async () => ({
					objectives: [
						{
							id: "O1",
							text: "Sleep `rm -rf` {{x}}",
							state: "due-soon",
							targetDate: TODAY,
							lastProgress: { date: "2026-06-09", note: "%%c%% [y](https://example.invalid)" },
						},
					],
				}),
			},
		});
		const live = recordText(renderBrief(brief, storePath), HW_CLIENT).flatMap((l) => liveMarkup(l));
		expect(live).toEqual([]);
	});
});

describe("the rules, one line at a time", () => {
	const homework = (text: string) => homeworkIn(readNoteLines(text))?.text ?? null;
	it.each([
		["### Homework\n- Box breathing before work.", "Box breathing before work."],
		["**Homework:** keep a panic diary.", "keep a panic diary."],
		["HW: 10 minutes of journaling daily", "10 minutes of journaling daily"],
		["Between sessions\n- Notice the Critic at work.", "Notice the Critic at work."],
		["**Between sessions**\nA walk after dinner.\n\nShe laughed about the dog.", "A walk after dinner."],
		["Plan: continue weekly; she will practise the 5-4-3-2-1 grounding each morning.", "she will practise the 5-4-3-2-1 grounding each morning."],
		["Plan: continue weekly. HW: pause before replying to emails.", "pause before replying to emails."],
		["Talked about work. For homework she will track sleep and mood.", "For homework she will track sleep and mood."],
		["She agreed to try the breathing exercise each evening.", "She agreed to try the breathing exercise each evening."],
		["Plan: next session continue with the Critic.", null],
		["She completed the homework on four days.", null],
		["Plan: try a slower pace in session.", null],
		["### Homework review\nShe did the log on three days.", null],
	])("homework in %j", (text, expected) => {
		expect(homework(text)).toBe(expected);
	});

	it.each([
		["Risk: no SI/HI reported", ["Risk: no SI/HI reported"]],
		["- **Safety:** safety plan updated; crisis line numbers given.", ["Safety: safety plan updated; crisis line numbers given."]],
		["Mood low. SI/HI denied. Slept poorly.", ["SI/HI denied."]],
		["### Risk\n- Denies SI.\n- Protective factors: her dog.", ["Denies SI.\nProtective factors: her dog."]],
		["SI: none\nSelf-harm: none since March", ["SI: none", "Self-harm: none since March"]],
		["The Critic keeps her safe at work.", []],
	])("risk in %j", (text, expected) => {
		expect(riskIn(readNoteLines(text))).toEqual(expected);
	});

	it.each([
		["Met a Manager part that keeps lists.", [{ name: "Manager part", kind: "manager" }]],
		["A young exile showed up when we talked about school.", [{ name: "young exile", kind: "exile" }]],
		["We spoke with the part that hides in the closet.", [{ name: "the part that hides in the closet" }]],
		["The Worrier (manager) was loud; the Worrier wants lists.", [{ name: "Worrier", kind: "manager" }]],
		["She calls it the Pusher, a manager.", [{ name: "Pusher", kind: "manager" }]],
		["She talked to the Manager at her job.", []],
		["For the most part she was calm.", []],
		["We returned to the **Critic**, the part that comments on every email Sam sends.", [{ name: "Critic" }]],
	])("parts in %j", (text, expected) => {
		expect(partsInNote(readNoteLines(text)).map((p) => ({ name: p.name, ...(p.kind ? { kind: p.kind } : {}) }))).toEqual(expected);
	});

	it.each([
		['She said, "I kept going even when it was hard."', ["I kept going even when it was hard."]],
		['I told her, "I think you handled the meeting really well."', []],
		['Her mother used to say "I never wanted a second child at all."', []],
		['"I am always the one who gives in," her sister said.', []],
	])("the client's words in %j", (text, expected) => {
		expect(quotesInNote(readNoteLines(text))).toEqual(expected);
	});

	it.each([
		["In her words, “nothing I do is ever enough.”", ["nothing I do is ever enough."]],
		['Client said "everything is too loud" at home.', ["everything is too loud"]],
		['She called it "the Critic".', []],
		['The group was "fine" and "calm enough for now".', []],
		['Risk: she said "I want to disappear for good" last night.', []],
	])("the client's words in %j", (text, expected) => {
		expect(quotesInNote(readNoteLines(text))).toEqual(expected);
	});
});
