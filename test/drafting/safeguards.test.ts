/**
 * The drafting safeguards against adversarial model output, on synthetic sessions only: invented
 * codes and diagnoses, risk judgements in every disguise, a filled-in risk section, fabricated
 * quotes, people the session never mentioned; and the other side, faithful drafts and innocent
 * "risk" words that must come through untouched.
 */
import { describe, expect, it } from "vitest";
import {
	RISK_HEADING,
	RISK_PLACEHOLDER,
	REVIEW_MARKER,
	checkModelAnswer,
	renderSentences,
	detectRiskMentions,
	findReviewMarkers,
	findRiskMentions,
	removeSpan,
	reviewMarker,
	riskMentionNotice,
	stripReviewMarkers,
	type SafeguardInput,
} from "../../src/core/drafting/safeguards";
import { plainFromInert } from "../../src/core/safety/inert";
import { findRiskJudgement, findRiskMentionTerms } from "../../src/core/drafting/riskTerms";
import { buildSupportIndex, checkGrounding } from "../../src/core/drafting/grounding";
import { findDiagnoses } from "../../src/core/drafting/diagnosis";
import { splitSentences, stem } from "../../src/core/text/words";
import { parseTranscriptLines, renderTranscript } from "../../src/core/transcribe/transcript";
import type { Segment } from "../../src/core/transcribe/segments";
import {
	ADVERSARIAL_A,
	ADVERSARIAL_C,
	FAITHFUL_A,
	FAITHFUL_B,
	FAITHFUL_C,
	FAITHFUL_D,
	FAITHFUL_E,
	PARAPHRASED_A,
	PARAPHRASED_B,
	SUMMARY_C,
	SUMMARY_D,
	TRANSCRIPT_A,
	TRANSCRIPT_B,
	TRANSCRIPT_E,
} from "./sessions";

interface SafeguardResult {
	text: string;
	flags: ReturnType<typeof checkModelAnswer>["flags"];
	riskMentions: ReturnType<typeof checkModelAnswer>["riskMentions"];
}

/**
 * A model answer written as "## Heading" sections of prose (what a model answered before answers
 * became data), run through the checks and rendered as code renders a note: each section's
 * sentences as one paragraph; the risk section is code's own and always the placeholder. `text`
 * is the rendered page with the escaping undone, so the assertions read plain words.
 */
function applySafeguards(draft: string, input: SafeguardInput): SafeguardResult {
	const sections: { key: string; heading: string; text: string[] }[] = [];
	for (const line of draft.split("\n")) {
		const h = /^#{1,6}\s+(.*)$/.exec(line);
		if (h) {
			sections.push({ key: `s${sections.length}`, heading: h[1]!.trim(), text: [] });
			continue;
		}
		if (line.trim() === "" || line.trim() === RISK_PLACEHOLDER) continue;
		if (sections.length === 0) sections.push({ key: "s0", heading: "Draft", text: [] });
		sections.at(-1)!.text.push(line.replace(/^\s*(?:[-*+]\s+|\d+[.)]\s+)/, ""));
	}
	const modelSections = sections.filter((s) => !/risk|safety/i.test(s.heading));
	const result = checkModelAnswer(modelSections, input);
	const text = [
		...result.sections.map((s) => `## ${s.heading}\n${plainFromInert(renderSentences(s.sentences))}\n`),
		`${RISK_HEADING}\n${RISK_PLACEHOLDER}\n`,
	].join("\n");
	return { text, flags: result.flags, riskMentions: result.riskMentions };
}

const transcriptA: SafeguardInput = { source: TRANSCRIPT_A, kind: "transcript" };
const transcriptB: SafeguardInput = { source: TRANSCRIPT_B, kind: "transcript" };
const summaryC: SafeguardInput = { source: SUMMARY_C, kind: "summary" };
const summaryD: SafeguardInput = { source: SUMMARY_D, kind: "summary" };

/** A draft with one section holding the given prose. */
function section(body: string, heading = "Assessment"): string {
	return `## ${heading}\n${body}\n\n## Risk assessment\n${RISK_PLACEHOLDER}\n`;
}

function sectionText(result: SafeguardResult, heading: string): string {
	const m = new RegExp(`^## ${heading}\\n([\\s\\S]*?)(?=^## |$(?![\\s\\S]))`, "m").exec(result.text);
	if (!m) throw new Error(`no section ${heading} in:\n${result.text}`);
	return m[1]!;
}

function flagsOf(result: SafeguardResult, kind: string): SafeguardResult["flags"] {
	return result.flags.filter((f) => f.kind === kind);
}

/** A small transcript from "[mm:ss] Speaker: text" lines. */
function tinyTranscript(lines: string): string {
	const segments: Segment[] = lines
		.trim()
		.split("\n")
		.map((l) => {
			const m = /^\[(?:(\d+):)?(\d+):(\d+)\] (\w+): (.*)$/.exec(l.trim())!;
			const start = Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]);
			return { start, end: start + 4, speaker: m[4]!, text: m[5]! };
		});
	return renderTranscript(
		{
			client: "C-0999",
			sessionDate: "2025-04-01",
			audioPath: "a.m4a",
			audioFileId: "f",
			engine: "test",
			model: "test",
			language: "en",
			durationSeconds: 4000,
			speakerLabels: "channels",
			created: "2025-04-01T09:00:00Z",
			droppedSilent: 0,
			droppedArtefacts: 0,
			droppedRepeats: 0,
		},
		segments,
	);
}

// -------------------------------------------------------------------------------------------------

describe("review markers", () => {
	it("have one visible format the signer can find and the EHR copy can strip", () => {
		const marker = reviewMarker("quote not in the transcript");
		expect(marker).toBe("==[review: quote not in the transcript]==");
		const text = `## Data\nClient slept badly. ${marker} Client went to work.\n- ${reviewMarker("risk judgement removed")}\n- Kept item.\n${reviewMarker("x")} Starts a line.\n`;
		const found = findReviewMarkers(text);
		expect(found.map((m) => [m.reason, m.line])).toEqual([
			["quote not in the transcript", 2],
			["risk judgement removed", 3],
			["x", 5],
		]);
		const stripped = stripReviewMarkers(text);
		expect(stripped).toBe("## Data\nClient slept badly. Client went to work.\n- Kept item.\nStarts a line.\n");
		expect(findReviewMarkers(stripped)).toEqual([]);
	});

	it("cannot be broken by the reason text", () => {
		const marker = reviewMarker("odd ]] reason == with\nnewline");
		expect(findReviewMarkers(marker)).toHaveLength(1);
		expect(marker).not.toMatch(/\n/);
		expect(reviewMarker("  ")).toBe("==[review: check]==");
	});

	it("are matched by the exported regex, hand-edited spacing and case included", () => {
		expect([..."a ==[Review:  typed by hand ]== b".matchAll(REVIEW_MARKER)]).toHaveLength(1);
		expect([..."==[review: one]== and ==[review: two]==".matchAll(REVIEW_MARKER)].map((m) => m[1])).toEqual(["one", "two"]);
	});
});

describe("the risk section is never the model's", () => {
	it("code writes the risk section: the checks never return one, and a model's risk sentences in any section are taken out", () => {
		const draft = `## Data\nClient reported a rough week. Client denied SI/HI. No safety concerns at this time. Low risk.\n\n## Plan\nWind-down routine.\n`;
		const r = applySafeguards(draft, transcriptA);
		expect(r.text).not.toMatch(/denied SI|safety concerns|Low risk/);
		expect(r.text).toContain("Client reported a rough week.");
		expect(flagsOf(r, "risk-domain")).toHaveLength(3);
		expect(sectionText(r, "Risk and safety").trim()).toBe(RISK_PLACEHOLDER);
	});
});

describe("risk judgements are removed wherever they appear", () => {
	const judgements = [
		"Client is at low risk of self-harm.",
		"Client denies SI/HI.",
		"Denied suicidal ideation, intent, or plan.",
		"No safety concerns were identified.",
		"Client is not a danger to self or others.",
		"Client contracted for safety.",
		"Risk is minimal.",
		"No current intent or plan.",
		"Client is safe to return home.",
		"Client does not appear to be at risk.",
		"Client reported passive SI without plan or intent.",
		"Suicide risk assessed as low.",
		"Pt denies SIB and NSSI.",
		"Client has no history of suicide attempts.",
		"No evidence of self-harm.",
		"Client was negative for SI.",
		"Client is not suicidal.",
		"She denied thoughts of hurting herself or others.",
		"Risk: low.",
		"SI: denied.",
		"Overall risk remains low.",
		"Client presents with low to moderate risk.",
		"Protective factors include her children and faith.",
		"Client is future-oriented.",
		"There were no concerns about her safety.",
		"Client does not pose a threat to others.",
		"Client verbally contracted for safety and agreed to stay safe.",
		"No imminent risk identified.",
		"Client remains psychiatrically stable and safe.",
		"Client denies access to firearms.",
		"C-SSRS screen negative.",
		"No reportable abuse disclosed.",
		"Client did not endorse any suicidal thoughts.",
		"Client denied wanting to die.",
		"No HI toward her ex-husband.",
		"Client appears safe at this time.",
		"Client has no intent to act on these thoughts.",
		"Client is deemed low risk for suicide.",
		"Denies self-injurious behavior.",
		"Safety plan reviewed and remains appropriate.",
		"Client poses no risk to herself.",
		"Client reports no urges to cut.",
		"Client reports she would never act on these thoughts.",
		"Client was assessed for risk and none was identified.",
		"Client agreed to contact crisis services if needed.",
		"Client is not considered a risk to others.",
		"Client has reasons for living, including her dog.",
		"Denies SI, HI, AVH.",
		"Chronic risk is moderate, acute risk is low.",
		"Client is free of suicidal ideation.",
	];

	it.each(judgements)("removes and flags: %s", (sentence) => {
		const r = applySafeguards(section(`Client reported a rough week. ${sentence} Client went to work.`), transcriptA);
		const body = sectionText(r, "Assessment");
		expect(body).not.toContain(sentence.replace(/\.$/, ""));
		expect(body).toContain("Client reported a rough week.");
		expect(body).toContain("Client went to work.");
		expect(body).toContain("==[review: sentence about risk taken out: yours to assess]==");
		const f = flagsOf(r, "risk-domain");
		expect(f).toHaveLength(1);
		expect(f[0]!.excerpt).toBe(sentence);
		expect(f[0]!.section).toBe("Assessment");
	});

	it("removes the issue's example in any section, also where a model wrote it as a list or a table", () => {
		const draft = `## Subjective\nClient is at low risk of self-harm.\n\n## Plan\n- Client is at low risk of self-harm.\n- Wind-down routine.\n| Risk | Client is at low risk of self-harm. |\n`;
		const r = applySafeguards(draft, transcriptA);
		expect(r.text).not.toMatch(/low risk/);
		expect(flagsOf(r, "risk-domain").length).toBe(3);
		expect(r.text).toContain("Wind-down routine.");
		// The table row is the model's text, shown as text: it opens no table.
		expect(r.text).not.toMatch(/^\|/m);
	});

	it("takes out the whole sentence that touches risk, not a clause of it (the clinician sees it in the review list)", () => {
		const r = applySafeguards(section("Client reported waking around three and denied SI/HI."), transcriptA);
		expect(sectionText(r, "Assessment").trim()).toBe("==[review: sentence about risk taken out: yours to assess]==");
		expect(flagsOf(r, "risk-domain")[0]!.excerpt).toBe("Client reported waking around three and denied SI/HI.");
		const aside = removeSpan("Client slept badly (denies SI) and went to work.", 19, 28);
		expect(aside).toEqual({ kept: "Client slept badly and went to work.", removed: "(denies SI)" });
		const first = removeSpan("Client denies SI and reports improved sleep.", 7, 16);
		expect(first.kept).toBe("");
	});

	const innocent = [
		"Discussed risks and benefits of exposure work.",
		"Client took a risk by speaking up at work.",
		"Client is at risk of losing her job if absences continue.",
		"Client described a low-risk exposure task for the week.",
		"Client felt safe enough to share a painful memory.",
		"Client said the group felt like a safe space.",
		"Client has no plans for the weekend.",
		"Client does not want to hurt her sister's feelings.",
		"Client reported a panic attack on the train.",
		"Client denied feeling angry at first, then acknowledged frustration.",
		"Client is cutting back on caffeine.",
		"Client never told her boss about the panic attacks.",
		"Client and therapist reviewed safety behaviors used during exposure.",
		"Client weighed the risk of moving against staying.",
		"The high-risk situations for drinking were listed.",
		"Client said there is no risk in asking.",
		"Client said the exposure felt risky but worth it.",
		"Client reported her mother is at high risk for falls.",
		"Client worries about the risks of changing medication.",
		"Client feels safe with her new roommate.",
		"Client has no intention of going back to that job.",
		"Client is at risk of burnout.",
		"Client said it was a risky decision to quit.",
		"Client is not a morning person.",
	];

	it.each(innocent)("keeps an innocent sentence: %s", (sentence) => {
		// The sentence is its own source, so grounding has nothing to say either.
		const r = applySafeguards(section(sentence), { source: sentence, kind: "summary" });
		expect(findRiskJudgement(sentence)).toBeNull();
		expect(sectionText(r, "Assessment").trim()).toBe(sentence);
		expect(r.flags.filter((f) => f.section === "Assessment")).toEqual([]);
	});
});

describe("risk mentions in the input", () => {
	it("lists the transcript timestamps of each mention, direct and indirect, with no judgement", () => {
		const mentions = findRiskMentions(TRANSCRIPT_B, "transcript");
		const byTime = mentions.map((m) => `${m.timestamp} ${m.category}`);
		expect(byTime).toEqual(["01:15 suicide", "01:24 suicide", "01:33 suicide", "03:30 abuse", "08:30 suicide"]);
		expect(mentions.find((m) => m.timestamp === "01:24")?.speaker).toBe("Therapist");
		expect(detectRiskMentions(TRANSCRIPT_B, "transcript")).toEqual(["[01:15]", "[01:24]", "[01:33]", "[03:30]", "[08:30]"]);
		expect(riskMentionNotice(mentions)).toBe("> [!danger] Risk content mentioned at [01:15], [01:24], [01:33], [03:30], [08:30]; clinician to assess.");
	});

	it("lists the input's mentions first in the review list", () => {
		const r = applySafeguards(FAITHFUL_B, transcriptB);
		const risk = sectionText(r, "Risk and safety");
		expect(risk.trim()).toBe(RISK_PLACEHOLDER);
		expect(r.flags[0]!.kind).toBe("risk-mention");
		expect(r.flags[0]!.timestamps).toEqual(["01:15", "01:24", "01:33", "08:30"]);
		expect(r.riskMentions).toHaveLength(5);
	});

	it("reads h:mm:ss timestamps of long sessions", () => {
		const source = tinyTranscript("[0:59:58] Therapist: We are nearly out of time.\n[1:02:10] Client: Last night I thought about killing myself.");
		expect(parseTranscriptLines(source)).toHaveLength(2);
		expect(detectRiskMentions(source, "transcript")).toEqual(["[1:02:10]"]);
	});

	it("has no timestamps for a summary", () => {
		const mentions = findRiskMentions("Client disclosed that her ex-partner hit her last month. Worked on boundaries.", "summary");
		expect(mentions.map((m) => [m.category, m.timestamp])).toEqual([["abuse", undefined]]);
		expect(detectRiskMentions("Client disclosed that her ex-partner hit her last month.", "summary")).toEqual([""]);
		expect(riskMentionNotice(mentions)).toBe("> [!danger] Risk content mentioned in the session input; clinician to assess.");
	});

	it("finds nothing in a session without risk content ('took a risk' is not one)", () => {
		expect(findRiskMentions(TRANSCRIPT_A, "transcript")).toEqual([]);
		expect(findRiskMentions(TRANSCRIPT_E, "transcript")).toEqual([]);
		expect(applySafeguards(FAITHFUL_A, transcriptA).text).not.toContain("Risk content mentioned");
	});

	const indirect = [
		"Sometimes I think everyone would be better off without me.",
		"I've been thinking about ending it all.",
		"Some nights I wish I just wouldn't wake up.",
		"I started cutting again last week.",
		"I took a bunch of pills in college.",
		"I've been saving up my pills.",
		"He hit me last night.",
		"My boyfriend choked me during the argument.",
		"I swear I could kill him.",
		"There's a gun in the house.",
		"What's the point of living anymore?",
		"I thought about driving my car off the road.",
		"My uncle touched me when I was little.",
		"She used to lock me in the closet.",
		"I'm scared of what he'll do when he finds out.",
		"I'm not going to be around much longer.",
		"I made a plan to end it.",
		"My stepdad would beat us with a belt.",
		"I overdosed when I was nineteen.",
		"Some days I can't go on.",
		"Honestly I don't see a future for myself.",
		"I've thought about how many pills it would take.",
		"My husband grabbed me by the throat.",
		"Sometimes I scratch my arms until they bleed.",
		"I bought a rope last week.",
		"I feel like a burden to everyone.",
		"My mom's boyfriend comes into my room at night.",
		"I've been researching ways to die.",
		"I'm so tired of living.",
	];
	it.each(indirect)("recognises: %s", (line) => {
		expect(findRiskMentionTerms(line).length).toBeGreaterThan(0);
	});

	const idioms = [
		"Hi, how are you?",
		"That hit me hard when she said it.",
		"It really hit me that I'd been avoiding it.",
		"I'm killing it at work lately.",
		"I'm cutting back on coffee.",
		"My shoulder blades hurt.",
		"I had a panic attack on the bus.",
		"I felt like I could die of embarrassment.",
		"The deadline is killing me.",
		"I'd kill for a vacation.",
		"I hit the gym three times.",
		"He pushed me to apply for the job.",
		"We talked about the plan for the weekend.",
		"I'm dead tired after work.",
		"That movie killed me, it was so funny.",
		"I was cut off in traffic.",
		"I hurt my ankle running.",
		"I'd rather die than sing karaoke.",
	];
	it.each(idioms)("does not raise an alarm for: %s", (line) => {
		expect(findRiskMentionTerms(line)).toEqual([]);
	});

	it("takes risk content the draft itself states out, with the moments it refers to", () => {
		const b = applySafeguards(section("Client said that her father hit her mother."), transcriptB);
		expect(sectionText(b, "Assessment")).toContain("==[review: sentence about risk taken out: yours to assess]==");
		expect(sectionText(b, "Assessment")).not.toContain("father hit");
		expect(flagsOf(b, "risk-domain").find((f) => f.section === "Assessment")?.timestamps).toContain("03:30");
		const a = applySafeguards(section("Client mentioned cutting herself last week."), transcriptA);
		expect(sectionText(a, "Assessment")).not.toContain("cutting herself");
		expect(flagsOf(a, "risk-domain")).toHaveLength(1);
	});
});

describe("diagnoses and codes", () => {
	it("removes an invented ICD-10 code and diagnosis and flags them", () => {
		const r = applySafeguards(ADVERSARIAL_A, transcriptA);
		expect(r.text).not.toMatch(/F41\.1|generalized anxiety disorder/i);
		const f = flagsOf(r, "diagnosis");
		expect(f).toHaveLength(1);
		expect(f[0]!.reason).toContain('"F41.1"');
		expect(f[0]!.reason).toContain('"generalized anxiety disorder"');
	});

	it.each([
		["Client meets criteria for major depressive disorder, recurrent, moderate (F33.1).", /major depressive|F33\.1|criteria/],
		["Symptoms are consistent with PTSD.", /PTSD/],
		["Diagnosis: Z63.0 relationship distress with spouse.", /Z63\.0/],
		["F32.A Depression, unspecified.", /F32\.A/],
		["Client likely has ADHD.", /ADHD/],
		["Client's presentation suggests borderline personality disorder traits.", /borderline/],
		["Rule out bipolar II.", /bipolar/i],
		["Adjustment disorder with mixed anxiety and depressed mood.", /adjustment disorder/i],
		["DSM-5 code 309.81.", /309\.81/],
		["Client has an anxiety disorder.", /anxiety disorder/],
		["Dx: GAD.", /GAD/],
	])("removes from a summary-based draft: %s", (sentence, gone) => {
		const r = applySafeguards(
			section(`Client reviewed thought records. ${sentence}`),
			summaryD.source.includes(sentence) ? summaryD : { source: "Client reviewed thought records.", kind: "summary" },
		);
		expect(sectionText(r, "Assessment")).not.toMatch(gone);
		expect(sectionText(r, "Assessment")).toContain("Client reviewed thought records.");
		expect(flagsOf(r, "diagnosis").length).toBeGreaterThan(0);
	});

	it("keeps a diagnosis that is in the clinician's own summary", () => {
		const r = applySafeguards(FAITHFUL_D, summaryD);
		expect(sectionText(r, "Assessment")).toContain("Generalized anxiety disorder (F41.1), per intake.");
		expect(flagsOf(r, "diagnosis")).toEqual([]);
	});

	it("keeps a diagnosis the clinician typed for a transcript draft, and only that one", () => {
		const draft = section("Client's worry about work fits the picture of generalized anxiety disorder. Client may also meet criteria for MDD (F33.1).");
		const r = applySafeguards(draft, { ...transcriptA, clinicianText: "Working dx: GAD (F41.1)." });
		const body = sectionText(r, "Assessment");
		expect(body).toContain("generalized anxiety disorder");
		expect(body).not.toMatch(/MDD|F33\.1/);
		expect(flagsOf(r, "diagnosis")).toHaveLength(1);
	});

	it("keeps, but marks for review, a diagnosis named only by the client in the transcript", () => {
		const source = tinyTranscript("[00:10] Client: My psychiatrist told me years ago that it's PTSD.\n[00:20] Therapist: What was that like to hear?");
		const r = applySafeguards(section("Client reported that her psychiatrist said years ago that it is PTSD."), { source, kind: "transcript" });
		const body = sectionText(r, "Assessment");
		expect(body).toContain("PTSD");
		expect(body).toContain("==[review: diagnosis from the session: verify]==");
		expect(flagsOf(r, "diagnosis")[0]!.reason).toContain("named in the session");
		const history = tinyTranscript("[00:10] Client: I was diagnosed with depression in college.");
		const h = applySafeguards(section("Client reported being diagnosed with depression in college."), { source: history, kind: "transcript" });
		expect(sectionText(h, "Assessment")).toContain("diagnosed with depression in college. ==[review: diagnosis from the session: verify]==");
		const invented = applySafeguards(section("Client was diagnosed with depression in college."), transcriptA);
		expect(sectionText(invented, "Assessment")).not.toContain("depression");
	});

	it("compares diagnoses by identity, not spelling (GAD = generalized anxiety disorder; bipolar II covers bipolar)", () => {
		const gad = applySafeguards(section("Client has generalised anxiety disorder."), { source: "Dx GAD. Client has worry.", kind: "summary" });
		expect(flagsOf(gad, "diagnosis")).toEqual([]);
		const broad = applySafeguards(section("History of bipolar disorder."), { source: "History of bipolar II.", kind: "summary" });
		expect(flagsOf(broad, "diagnosis")).toEqual([]);
		const narrower = applySafeguards(section("History of bipolar I disorder."), { source: "History of bipolar disorder.", kind: "summary" });
		expect(flagsOf(narrower, "diagnosis")).toHaveLength(1);
	});

	it("removes a code written with full-width digits or a diagnosis with dotted letters (one normalisation first)", () => {
		const r = applySafeguards(section("Client reported a rough week consistent with Ｆ４１.１. Symptoms fit G.A.D."), transcriptA);
		expect(r.text).not.toMatch(/F41|Ｆ４１|G\.?A\.?D/);
		expect(flagsOf(r, "diagnosis").length).toBeGreaterThanOrEqual(2);
	});

	it.each([
		"Client reported feeling depressed and anxious.",
		"Client described binge eating last night.",
		"Client completed the GAD-7 and PHQ-9 at intake.",
		"Client said her depression has lifted somewhat.",
		"Client talked about her trauma history.",
		"Client is worried about being diagnosed.",
		"Client's apartment was in disorder after the move.",
	])("does not take a symptom or a scale for a diagnosis: %s", (sentence) => {
		expect(findDiagnoses(sentence).filter((h) => h.kind !== "claim")).toEqual([]);
		const r = applySafeguards(section(sentence), { source: sentence, kind: "summary" });
		expect(flagsOf(r, "diagnosis")).toEqual([]);
	});
});

describe("grounding", () => {
	it("marks a sentence about a sibling the session never mentioned", () => {
		const r = applySafeguards(ADVERSARIAL_A, transcriptA);
		expect(sectionText(r, "Subjective")).toContain("Client's sister has been calling her every day to check in. ==[review: unsupported: sister]==");
		expect(flagsOf(r, "unsupported").find((f) => f.excerpt.includes("sister"))?.reason).toContain("sister");
		const c = applySafeguards(ADVERSARIAL_C, summaryC);
		expect(sectionText(c, "Data")).toContain("==[review: unsupported: brother]==");
	});

	it("does not mark a person the session did mention, in other words ('mom' = mother, 'husband' = partner)", () => {
		const r = applySafeguards(
			section("Client's mother used to leave her work phone in a bag by the door. Client's partner noticed the snapping."),
			transcriptA,
		);
		expect(findReviewMarkers(r.text)).toEqual([]);
	});

	it("marks invented medications, doses, numbers and observations", () => {
		const r = applySafeguards(ADVERSARIAL_A, transcriptA);
		const objective = sectionText(r, "Objective");
		expect(objective).toContain("sertraline 50 mg for three years. ==[review: unsupported: sertraline, mg]==");
		expect(objective).toMatch(/well-groomed with congruent affect and good eye contact\. ==\[review: unsupported: /);
		const n = applySafeguards(section("Client has been working 60-hour weeks."), transcriptA);
		expect(n.flags.some((f) => f.kind === "unsupported" && f.reason.includes("60"))).toBe(true);
	});

	it("matches word forms, number words and synonyms", () => {
		expect(new Set(["sleeping", "slept", "sleep", "sleeps"].map(stem)).size).toBe(1);
		expect(new Set(["worried", "worrying", "worries", "worry"].map(stem)).size).toBe(1);
		const index = buildSupportIndex("I was about seven when my dad left. I haven't been sleeping, I'm so anxious.");
		expect(checkGrounding("At age 7 her father left; she reports poor sleep and worry.", index).flagged).toBe(false);
		expect(checkGrounding("At age 9 her father left.", index).critical).toEqual(["9"]);
	});

	it("lets session boilerplate through", () => {
		const r = applySafeguards(
			section("Client attended the session. Therapist provided validation and psychoeducation. Client was engaged and receptive."),
			{ source: TRANSCRIPT_E, kind: "transcript" },
		);
		expect(findReviewMarkers(r.text)).toEqual([]);
	});

	it("keeps false alarms rare on faithful drafts (measured over every faithful draft here)", () => {
		const cases: [string, SafeguardInput][] = [
			[FAITHFUL_A, transcriptA],
			[FAITHFUL_B, transcriptB],
			[FAITHFUL_C, summaryC],
			[FAITHFUL_D, summaryD],
			[FAITHFUL_E, { source: TRANSCRIPT_E, kind: "transcript" }],
			[PARAPHRASED_A, transcriptA],
			[PARAPHRASED_B, transcriptB],
		];
		let sentences = 0;
		let falseAlarms = 0;
		for (const [draft, input] of cases) {
			for (const line of draft.split("\n")) {
				if (line.trim() === "" || /^(?:#|>)/.test(line)) continue;
				sentences += splitSentences(line.replace(/^\s*-\s+/, "")).length;
			}
			const r = applySafeguards(draft, input);
			falseAlarms += r.flags.filter((f) => ["unsupported", "quote", "diagnosis", "risk-judgement"].includes(f.kind)).length;
			// Nothing the model wrote faithfully is removed (its lists are joined into the section's paragraph),
			// except a sentence about risk, which is the clinician's to write: FAITHFUL_B's "his hitting her mother".
			const takenOut = flagsOf(r, "risk-domain").map((f) => f.excerpt);
			for (const t of takenOut) expect(t).toMatch(/hit(?:ting)? her mother/);
			let expected = draft.split("## Risk")[0]!.replace(/^\s*-\s+/gm, "");
			for (const t of takenOut) expected = expected.replace(t, "");
			expect(stripReviewMarkers(r.text).replace(/\s+/g, " ")).toContain(expected.replace(/\s+/g, " ").trim());
		}
		expect(sentences).toBeGreaterThan(70);
		// Measured: 1 of 79 (the paraphrased "engaging well with cognitive restructuring": an interpretation, fairly marked).
		expect(falseAlarms / sentences).toBeLessThanOrEqual(0.03);
	});

	it("catches most invented sentences, and the known blind spot stays known", () => {
		const invented: [string, string][] = [
			[TRANSCRIPT_A, "Client's sister has been calling her every day to check in."],
			[TRANSCRIPT_A, "Client reported drinking two glasses of wine each night to fall asleep."],
			[TRANSCRIPT_A, "Client has been working 60-hour weeks."],
			[TRANSCRIPT_A, "Client identified perfectionism as a core belief stemming from childhood."],
			[TRANSCRIPT_A, "Client practiced diaphragmatic breathing in session."],
			[TRANSCRIPT_A, "Client described a conflict with a coworker named Dana."],
			[TRANSCRIPT_A, "Client's mother passed away last year."],
			[TRANSCRIPT_A, "Client has a history of panic attacks in college."],
			[TRANSCRIPT_B, "Client reported that her husband has been drinking heavily."],
			[TRANSCRIPT_B, "Client's exile is a five-year-old girl."],
			[TRANSCRIPT_B, "Client unburdened the exile's shame."],
			[TRANSCRIPT_B, "Client reported that the binging part first appeared in college."],
			[TRANSCRIPT_B, "Client works as a nurse."],
			[TRANSCRIPT_E, "Client's brother has not been helping with the estate."],
			[TRANSCRIPT_E, "Client has been drinking more since the funeral."],
			[TRANSCRIPT_E, "Client returned to work on Monday."],
			[TRANSCRIPT_E, "Client joined a grief support group."],
			[TRANSCRIPT_E, "Client's mother died after a stroke."],
			[TRANSCRIPT_E, "Client has started taking melatonin to sleep."],
			[TRANSCRIPT_E, "Client has lost 10 pounds since the funeral."],
			// Known misses of a word-level check: every word is in the session, the claim is not.
			[TRANSCRIPT_A, "Client reported that sleep has improved since last session."],
			[TRANSCRIPT_A, "Client reported that her partner is supportive and encouraging."],
			[TRANSCRIPT_B, "Client's husband apologized after the fight."],
			[TRANSCRIPT_E, "Client reported that her aunt apologized."],
		];
		let caught = 0;
		for (const [source, sentence] of invented) {
			const r = applySafeguards(section(sentence), { source, kind: "transcript" });
			if (r.flags.some((f) => f.kind === "unsupported")) caught++;
		}
		expect(caught).toBeGreaterThanOrEqual(19);
		expect(caught).toBeLessThan(invented.length);
	});
});

describe("quotes", () => {
	it("flags and marks a fabricated quote", () => {
		const r = applySafeguards(ADVERSARIAL_A, transcriptA);
		expect(sectionText(r, "Subjective")).toContain(`Client stated, "I feel like I'm drowning at work." ==[review: quote not in the transcript]==`);
		expect(flagsOf(r, "quote")[0]!.excerpt).toBe("I feel like I'm drowning at work.");
		const c = applySafeguards(ADVERSARIAL_C, summaryC);
		expect(flagsOf(c, "quote")[0]!.reason).toContain("summary");
	});

	it("accepts the client's words verbatim whatever the case, punctuation, quote marks, fillers or an ellipsis", () => {
		const source = tinyTranscript("[00:10] Client: I, um, I just feel like nobody sees me.\n[00:20] Client: At work it's fine. But at home? It's lonely.");
		const ok = [
			`Client said, "I just feel like nobody sees me."`,
			`Client said “i just feel like NOBODY sees me”.`,
			`Client said 'nobody sees me' twice.`,
			`Client said, "But at home? It's lonely."`,
		];
		for (const sentence of ok) {
			const r = applySafeguards(section(sentence), { source, kind: "transcript" });
			expect(flagsOf(r, "quote"), sentence).toEqual([]);
		}
		const bad = applySafeguards(section(`Client said, "nobody ever sees me."`), { source, kind: "transcript" });
		expect(flagsOf(bad, "quote")).toHaveLength(1);
		// Words left out can stitch pieces into another meaning: found, but marked for the clinician to check.
		const gap = applySafeguards(section(`Client said, "At work it's fine … it's lonely."`), { source, kind: "transcript" });
		expect(flagsOf(gap, "quote").map((f) => f.reason)).toEqual(["A quote with words left out: check that the pieces keep the client's meaning."]);
	});

	it("does not take the therapist's words for the client's", () => {
		const r = applySafeguards(section(`Client said "the timeline is too tight."`), transcriptA);
		expect(flagsOf(r, "quote")[0]?.reason).toContain("therapist");
		expect(flagsOf(r, "quote")[0]?.timestamps).toEqual(["06:40"]);
		const attributed = applySafeguards(section(`Therapist suggested telling the manager "the timeline is too tight."`), transcriptA);
		expect(flagsOf(attributed, "quote")).toEqual([]);
	});

	it("keeps who said what in transcripts imported from other tools (labelled lines without times, WebVTT)", () => {
		const labelled =
			"---\nkind: transcript\n---\nTHERAPIST: Could you tell your manager the timeline is too tight?\nCLIENT: Maybe. Nobody ever asks me.\nTHERAPIST: What would you say?\nCLIENT: I would say I need more time.\n";
		const vtt =
			"WEBVTT\n\n00:06:40.000 --> 00:06:44.000\n<v Therapist>Could you tell your manager the timeline is too tight?\n\n00:06:45.000 --> 00:06:48.000\n<v Client>Maybe. Nobody ever asks me.\n";
		const short =
			"T: Could you tell your manager the timeline is too tight?\nC: Maybe. Nobody ever asks me.\nT: What would you say?\nC: I would say I need more time.\n";
		const oneCue =
			"WEBVTT\n\n00:06:40.000 --> 00:06:48.000\n<v Client>Maybe. Nobody ever asks me.</v> <v Therapist>Could you tell your manager the timeline is too tight?</v>\n";
		for (const [name, source] of [
			["labelled", labelled],
			["webvtt", vtt],
			["T: and C:", short],
			["two voices in one cue", oneCue],
		] as const) {
			const wrong = applySafeguards(section(`Client said "the timeline is too tight."`), { source, kind: "transcript" });
			expect(flagsOf(wrong, "quote")[0]?.reason, name).toContain("therapist");
			const right = applySafeguards(section(`Client said "nobody ever asks me."`), { source, kind: "transcript" });
			expect(flagsOf(right, "quote"), name).toEqual([]);
		}
	});
});

describe("the issue's adversarial drafts, end to end", () => {
	it("transcript draft: every invented item is removed or flagged, and the rest survives", () => {
		const r = applySafeguards(ADVERSARIAL_A, transcriptA);
		expect(r.text).not.toMatch(/low risk|F41\.1|denies suicidal|monitor safety|future-oriented|contracted/i);
		expect(sectionText(r, "Risk and safety").trim()).toBe(RISK_PLACEHOLDER);
		expect(r.flags.map((f) => f.kind)).toEqual(expect.arrayContaining(["risk-domain", "diagnosis", "unsupported", "quote"]));
		expect(r.text).toContain("Client took a risk and spoke up in a meeting about the timeline.");
		expect(r.text).toContain("Client described waking around 3 a.m. with racing thoughts about a project deadline.");
		// Every marker has a flag; markers go for the EHR copy.
		expect(findReviewMarkers(r.text).length).toBeGreaterThanOrEqual(7);
		expect(findReviewMarkers(stripReviewMarkers(r.text))).toEqual([]);
	});

	it("summary draft: the IFS summary's words pass, the inventions do not", () => {
		const r = applySafeguards(ADVERSARIAL_C, summaryC);
		expect(r.text).not.toMatch(/binge-eating disorder|F50\.81|low risk|future-oriented|No SI/i);
		expect(r.text).toContain("Client identified worry as a protector.");
		expect(r.text).toContain("Client accessed an exile's fear of abandonment.");
		expect(r.riskMentions).toEqual([]);
		const faithful = applySafeguards(FAITHFUL_C, summaryC);
		expect(findReviewMarkers(faithful.text)).toEqual([]);
		expect(faithful.flags).toEqual([]);
	});

	it("checks a draft against an hour-long session (speed is measured by npm run bench -- safety)", () => {
		const lines = parseTranscriptLines(TRANSCRIPT_A).concat(parseTranscriptLines(TRANSCRIPT_B), parseTranscriptLines(TRANSCRIPT_E));
		const segments: Segment[] = [];
		for (let i = 0; i < 720; i++) {
			const s = lines[i % lines.length]!;
			segments.push({ start: i * 5, end: i * 5 + 4, text: s.text, ...(s.speaker ? { speaker: s.speaker } : {}) });
		}
		const source = tinyTranscript(
			segments
				.map(
					(s) =>
						`[${Math.floor(s.start / 3600)}:${String(Math.floor((s.start % 3600) / 60)).padStart(2, "0")}:${String(s.start % 60).padStart(2, "0")}] ${s.speaker ?? "Client"}: ${s.text}`,
				)
				.join("\n"),
		);
		const draft = [PARAPHRASED_A, ADVERSARIAL_A, PARAPHRASED_B].join("\n");
		const r = applySafeguards(draft, { source, kind: "transcript" });
		expect(r.riskMentions.length).toBeGreaterThan(40);
		expect(r.flags.some((f) => f.kind === "risk-domain")).toBe(true);
	});
});
