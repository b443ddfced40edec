/**
 * The pre-session brief: what the clinician wants to know in the two minutes before a visit.
 *
 * Every section that can come from the record deterministically does, with the date and a link
 * for each item:
 *   - the last sessions in a few lines each (the opening of the data/subjective section, the
 *     assessment and the plan, as the clinician signed them);
 *   - homework: what was assigned at each session and what the next note says about it (the
 *     sentence, and completed / partly / not done / mentioned); the last assignment is open;
 *   - active parts and where the work stands (from the parts map), plan objectives due or overdue
 *     and the plan's review date (from the treatment plan), through `BriefSources`;
 *   - risk notes the clinician wrote (the notes' risk sections; the drafting placeholder is not a
 *     note, and the model never writes there);
 *   - themes that recur across sessions (content words in at least two notes, with the dates);
 *   - the client's exact words (quotes in the notes, and first-person lines of the transcripts).
 * Only the optional "summary" comes from the model: it summarises the last notes, must cite
 * session dates that exist, and goes through the drafting safeguards (grounding, risk judgements,
 * diagnoses), so anything it adds that the record does not hold is marked for review.
 *
 * Psychotherapy notes are left out unless the clinician includes them for this brief.
 */
import { ClinicalVaultError } from "../errors";
import type { ClinicalRecord } from "../record/ClinicalRecord";
import type { LlmClient } from "../llm/LlmClient";
import { z } from "zod";
import { checkModelAnswer, renderSentences, reviewMarker, RISK_PLACEHOLDER, type SafeguardFlag } from "../drafting/safeguards";
import { ModelBoundary } from "../llm/boundary";
import { formatFor, parseStructured } from "../llm/structured";
import { identityOf } from "../safety/identity";
import { splitSentences, stem, STOP_WORDS, tokenise } from "../drafting/words";
import { parseTranscriptLines } from "../transcribe/transcript";
import { readSessionNotes, section, TRANSCRIPT_PATH, type SessionNote } from "./sessionNotes";

export interface BriefPart {
	name: string;
	kind: string;
	status: string;
	lastSeen?: string;
	/** Role or burden in a few words. */
	detail?: string;
}

export interface BriefObjective {
	id: string;
	text: string;
	targetDate?: string;
	state: "due-soon" | "overdue";
	lastProgress?: { date: string; note: string };
}

export interface BriefPlan {
	nextReview?: string;
	reviewState?: "ok" | "due-soon" | "overdue";
	objectives: BriefObjective[];
}

/** The measures section: the latest score of each measure with its change, what is due, plan objectives measured by scores, item alerts. All computed by code. */
export interface BriefMeasures {
	latest: { name: string; date: string; total: number; band: string; change: string | null }[];
	due: string[];
	objectives: string[];
	/** Item alerts (PHQ-9 item 9 above 0), newest first: shown as entered, never interpreted. */
	alerts: { date: string; recordPath: string; text: string }[];
}

/** Where the parts map, the treatment plan and the measures come from (their services), kept out of this module. */
export interface BriefSources {
	parts?: (client: string) => Promise<BriefPart[] | null>;
	plan?: (client: string, today: string) => Promise<BriefPlan | null>;
	measures?: (client: string, today: string, plan: BriefPlan | null) => Promise<BriefMeasures | null>;
}

export interface BriefItemRef {
	date: string;
	recordPath: string;
}

export interface Brief {
	client: string;
	today: string;
	sessionsRead: number;
	lastSessions: (BriefItemRef & { sessionNumber: number | null; status: string; lines: string[] })[];
	homework: (BriefItemRef & { text: string; followUp: { status: "completed" | "partly" | "not done" | "mentioned" | "open"; date?: string; evidence?: string } })[];
	parts: BriefPart[] | null;
	plan: BriefPlan | null;
	measures: BriefMeasures | null;
	risk: (BriefItemRef & { text: string })[];
	themes: { term: string; dates: string[] }[];
	quotes: (BriefItemRef & { text: string; timestamp?: string })[];
	summary?: { text: string; flags: SafeguardFlag[]; model: string };
	/** Files that could not be read (paths only). */
	skipped: string[];
	/** Sections that could not be made, with the reason (e.g. a parts map with invalid yaml). */
	problems: string[];
}

export interface BriefOptions {
	client: string;
	today: string;
	/** How many recent sessions get lines of their own (default 3). */
	recent?: number;
	includePsychotherapy?: boolean;
	sources?: BriefSources;
	/** Ask the model for a short summary of the recent sessions. */
	summarize?: { llm: LlmClient; model: string; signal?: AbortSignal; sessions?: number };
}

const OPENING = /^(data|subjective|behaviou?r|session narrative|presentation)$/i;
const ASSESSMENT = /^(assessment|response)$/i;
const PLAN = /^plan$/i;
const RISK = /risk|safety/i;

function clip(text: string, max = 220): string {
	const flat = text.replace(/\s+/g, " ").trim();
	return flat.length <= max ? flat : `${flat.slice(0, max - 1).trimEnd()}…`;
}

function sentencesOf(text: string): string[] {
	return text
		.split("\n")
		.map((l) => l.replace(/^\s*[-*+]\s+/, "").trim())
		.filter((l) => l !== "" && !l.startsWith(">"))
		.flatMap((l) => splitSentences(l).map((p) => p.text.trim()))
		.filter((s) => s !== "");
}

function sessionLines(note: SessionNote): string[] {
	const lines: string[] = [];
	const opening = section(note, OPENING) ?? note.sections.find((s) => s.heading !== "" && !RISK.test(s.heading))?.body ?? "";
	const first = sentencesOf(opening).slice(0, 2).join(" ");
	if (first) lines.push(clip(first, 300));
	const assessment = sentencesOf(section(note, ASSESSMENT) ?? "")[0];
	if (assessment) lines.push(`Assessment: ${clip(assessment)}`);
	const plan = sentencesOf(section(note, PLAN) ?? "")[0];
	if (plan) lines.push(`Plan: ${clip(plan)}`);
	return lines;
}

const HOMEWORK = /\b(homework|assignment|practi[cs]e between sessions)\b/i;

function homeworkOf(note: SessionNote): string | null {
	const plan = section(note, PLAN) ?? "";
	const s = sentencesOf(plan).find((x) => HOMEWORK.test(x));
	return s ? s.replace(/^homework\s*:\s*/i, "").trim() : null;
}

function contentStems(text: string): Set<string> {
	return new Set(
		tokenise(text)
			.filter((t) => t.number === null && t.lower.length > 2 && !STOP_WORDS.has(t.lower) && !THEME_STOP.has(t.stem))
			.map((t) => t.stem),
	);
}

/** What the note after an assignment says about it: the sentence, and how it went. */
function followUpIn(homework: string, next: SessionNote): { status: "completed" | "partly" | "not done" | "mentioned"; evidence: string } | null {
	const wanted = contentStems(homework);
	let best: { sentence: string; score: number } | null = null;
	// Not the next note's plan: that is where its own new homework is.
	const told = next.sections.filter((x) => !PLAN.test(x.heading) && !RISK.test(x.heading)).map((x) => x.body).join("\n");
	for (const sentence of sentencesOf(told)) {
		const mentionsHomework = /\bhomework\b/i.test(sentence);
		const shared = [...contentStems(sentence)].filter((s) => wanted.has(s)).length;
		const score = (mentionsHomework ? 3 : 0) + shared;
		if ((mentionsHomework || shared >= 2) && (!best || score > best.score)) best = { sentence, score };
	}
	if (!best) return null;
	const s = best.sentence.toLowerCase();
	const status = /\b(not (done|completed|do)|did ?n[o']t|forgot|skipped|was unable|were unable)\b/.test(s)
		? "not done"
		: /\b(partly|partially|some days|\d+ of \d+|(one|two|three|four|five|six) of (seven|the)|on (two|three|four|five|six|\d+) (days|evenings|mornings|occasions))\b/.test(s)
			? "partly"
			: /\b(completed|did it|done|followed|every day|daily|each day|all week)\b/.test(s)
				? "completed"
				: "mentioned";
	return { status, evidence: clip(best.sentence, 300) };
}

/** Words that are in nearly every note and say nothing about the client (note vocabulary, IFS terms, the 8 C's). */
const THEME_STOP = new Set(
	(
		"client clients session sessions therapist clinician note notes week weeks today next report reported describe described discuss discussed " +
		"plan assessment assess data part parts homework continue continued time times day days work worked process present presented indicator " +
		"indicators raise raised risk first ask asked agree agreed show showed name named come came want wants feel felt talk talked notice " +
		"noticed write wrote written check checked ifs self energy information dap new quiet quieter start started short still end use used help " +
		"need needs seem seemed complete completed completion follow followed episode episodes occur occurred able began brief briefly step " +
		"manager managers firefighter firefighters exile exiles protector protectors protect protects unblend unblended witness witnessing " +
		"witnessed retrieve retrieved retrieval unburden unburdened unburdening polarized polarization permission integration calm curiosity " +
		"compassion confidence courage clarity creativity connectedness early stage toward towards enough"
	)
		.split(/\s+/)
		.map((w) => stem(w)),
);

function themesOf(notes: SessionNote[], parts: BriefPart[] | null): { term: string; dates: string[] }[] {
	const partWords = new Set((parts ?? []).flatMap((p) => tokenise(p.name).map((t) => t.stem)));
	const byStem = new Map<string, { dates: Set<string>; forms: Map<string, number> }>();
	for (const note of notes) {
		const body = note.sections.filter((s) => !RISK.test(s.heading) && s.heading !== "").map((s) => s.body).join("\n");
		const seen = new Set<string>();
		for (const t of tokenise(body)) {
			if (t.number !== null || t.lower.length < 4 || STOP_WORDS.has(t.lower) || THEME_STOP.has(t.stem) || t.capitalisedMidSentence) continue;
			if (partWords.has(t.stem)) continue;
			const entry = byStem.get(t.stem) ?? { dates: new Set<string>(), forms: new Map<string, number>() };
			entry.forms.set(t.lower, (entry.forms.get(t.lower) ?? 0) + 1);
			if (!seen.has(t.stem)) {
				entry.dates.add(note.date);
				seen.add(t.stem);
			}
			byStem.set(t.stem, entry);
		}
	}
	return [...byStem.entries()]
		.filter(([, e]) => e.dates.size >= 2)
		.map(([, e]) => ({
			term: [...e.forms.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0],
			dates: [...e.dates].sort(),
		}))
		.sort((a, b) => b.dates.length - a.dates.length || b.dates[b.dates.length - 1]!.localeCompare(a.dates[a.dates.length - 1]!) || a.term.localeCompare(b.term))
		.slice(0, 8);
}

const QUOTE = /["“]([^"”\n]{12,400})["”]/g;

function quotesIn(note: SessionNote): string[] {
	const out: string[] = [];
	for (const s of note.sections) {
		if (RISK.test(s.heading)) continue;
		for (const m of s.body.matchAll(QUOTE)) {
			const inner = m[1]!.trim();
			// The client's words: a first-person sentence, not a part's name or a label.
			if (inner.split(/\s+/).length >= 4 && /\b(I|I'm|I've|me|my)\b/.test(inner)) out.push(inner);
		}
	}
	return out;
}

const FIRST_PERSON_FEELING = /^(I feel|I felt|I'm|I am|I keep|I can't|I don't|I just|I always|I never|It feels)\b/i;

async function transcriptQuotes(record: ClinicalRecord, client: string, dates: ReadonlySet<string>): Promise<(BriefItemRef & { text: string; timestamp: string })[]> {
	const out: (BriefItemRef & { text: string; timestamp: string })[] = [];
	const paths = (await record.list({ client })).map((e) => e.recordPath).filter((p) => TRANSCRIPT_PATH.test(p));
	for (const path of paths.sort().reverse()) {
		const date = /(\d{4}-\d{2}-\d{2})/.exec(path)?.[1];
		if (!date || !dates.has(date)) continue;
		let text: string;
		try {
			text = await record.readText(path, "internal");
		} catch {
			continue;
		}
		for (const seg of parseTranscriptLines(text)) {
			const words = seg.text.split(/\s+/).length;
			if (seg.speaker !== "Client" || words < 8 || words > 45 || !FIRST_PERSON_FEELING.test(seg.text.trim())) continue;
			const m = Math.floor(seg.start / 60);
			out.push({ date, recordPath: path, text: seg.text.trim(), timestamp: `${String(m).padStart(2, "0")}:${String(Math.floor(seg.start % 60)).padStart(2, "0")}` });
		}
	}
	return out;
}

function normalisedQuote(text: string): string {
	return text.toLowerCase().replace(/[^a-z0-9]+/g, " ").trim();
}

export async function buildBrief(record: ClinicalRecord, options: BriefOptions): Promise<Brief> {
	const { client, today } = options;
	if (!(await record.exists(record.layout.profilePath(client)))) {
		throw new ClinicalVaultError("not-found", `There is no client ${client} in this record.`);
	}
	const { notes, skipped } = await readSessionNotes(record, client, { includePsychotherapy: options.includePsychotherapy ?? false, to: today });
	const recentCount = options.recent ?? 3;
	const newestFirst = [...notes].reverse();

	const lastSessions = newestFirst.slice(0, recentCount).map((n) => ({ date: n.date, recordPath: n.recordPath, sessionNumber: n.sessionNumber, status: n.status, lines: sessionLines(n) }));

	const homework: Brief["homework"] = [];
	for (let i = 0; i < notes.length; i++) {
		const text = homeworkOf(notes[i]!);
		if (!text) continue;
		const next = notes[i + 1];
		const found = next ? followUpIn(text, next) : null;
		homework.push({
			date: notes[i]!.date,
			recordPath: notes[i]!.recordPath,
			text: clip(text, 300),
			followUp: found ? { ...found, date: next!.date } : next ? { status: "mentioned", date: next.date, evidence: "" } : { status: "open" },
		});
	}
	// Not followed up at all in the next note: say so plainly rather than "mentioned".
	for (const h of homework) if (h.followUp.status === "mentioned" && h.followUp.evidence === "") h.followUp = { status: "not done", ...(h.followUp.date ? { date: h.followUp.date } : {}), evidence: "(not mentioned in the next note)" };
	const recentHomework = homework.slice(-Math.max(recentCount, 3)).reverse();

	const risk: Brief["risk"] = [];
	for (const n of newestFirst) {
		for (const s of n.sections) {
			if (!RISK.test(s.heading)) continue;
			const text = s.body.replace(RISK_PLACEHOLDER, "").trim();
			if (text === "" || text.startsWith("> [!danger]")) continue;
			risk.push({ date: n.date, recordPath: n.recordPath, text: clip(text, 400) });
		}
	}

	const problems: string[] = [];
	const fromSource = async <T>(what: string, read: (() => Promise<T | null>) | undefined): Promise<T | null> => {
		if (!read) return null;
		try {
			return await read();
		} catch (error) {
			problems.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
			return null;
		}
	};
	const parts = await fromSource("Parts map", options.sources?.parts && (() => options.sources!.parts!(client)));
	const plan = await fromSource("Treatment plan", options.sources?.plan && (() => options.sources!.plan!(client, today)));
	const measures = await fromSource("Measures", options.sources?.measures && (() => options.sources!.measures!(client, today, plan)));

	const quotes: Brief["quotes"] = [];
	const seenQuotes = new Set<string>();
	for (const n of newestFirst) {
		for (const q of quotesIn(n)) {
			const key = normalisedQuote(q);
			if (seenQuotes.has(key)) continue;
			seenQuotes.add(key);
			quotes.push({ date: n.date, recordPath: n.recordPath, text: q });
		}
	}
	for (const q of await transcriptQuotes(record, client, new Set(notes.map((n) => n.date)))) {
		const key = normalisedQuote(q.text);
		if ([...seenQuotes].some((k) => k.includes(key) || key.includes(k))) continue;
		seenQuotes.add(key);
		quotes.push(q);
	}

	// The brief shows what it read: one audit entry naming the notes and transcripts it drew on.
	const read = new Set<string>([...notes.map((n) => n.recordPath), ...quotes.map((q) => q.recordPath), ...(measures ? [`${client}/measures/scores.json`] : [])]);
	await record.audit.readMany([...read].map((path) => ({ path })), "read for the pre-session brief");

	const brief: Brief = {
		client,
		today,
		sessionsRead: notes.length,
		lastSessions,
		homework: recentHomework,
		parts,
		plan,
		measures,
		risk: risk.slice(0, 6),
		themes: themesOf(newestFirst.slice(0, 12), parts),
		quotes: quotes.slice(0, 6),
		skipped,
		problems,
	};
	if (options.summarize && notes.length > 0) {
		const boundary = new ModelBoundary(options.summarize.llm, identityOf(await record.readProfile(client, "internal")));
		brief.summary = await summarize(newestFirst.slice(0, options.summarize.sessions ?? 4).reverse(), client, boundary, options.summarize);
	}
	return brief;
}

/** The summary's answer: sentences, each with the date of the session it comes from. */
const SummaryAnswer = z
	.object({
		sentences: z.array(z.object({ text: z.string().max(1000), session: z.string().max(20) }).strict()).max(8),
	})
	.strict();

/**
 * The model's short summary of the recent notes, as data: each sentence with the session it comes
 * from. Code checks it (the session must be one of those summarised; the drafting safeguards on
 * every sentence: risk taken out, diagnoses, quotes, grounding, identifiers) and writes it, each
 * sentence inert with its date.
 */
async function summarize(notes: SessionNote[], client: string, boundary: ModelBoundary, options: NonNullable<BriefOptions["summarize"]>): Promise<NonNullable<Brief["summary"]>> {
	const source = notes
		.map((n) => `=== Session of ${n.date}${n.sessionNumber !== null ? ` (session ${n.sessionNumber})` : ""} ===\n${n.sections.filter((s) => !RISK.test(s.heading)).map((s) => (s.heading ? `${s.heading}: ${s.body}` : s.body)).join("\n")}`)
		.join("\n\n");
	const result = await boundary.chat({
		model: options.model,
		temperature: 0.1,
		format: formatFor(SummaryAnswer),
		outputTokens: 1024,
		what: "the brief's summary",
		messages: [
			{
				role: "system",
				content:
					"You prepare a psychotherapist's pre-session brief from their own signed notes. Summarise what the notes say in at most six plain sentences (no markdown), " +
					"each with the date (YYYY-MM-DD) of the session it comes from. Use only what the notes state. " +
					"Do not add interpretations, diagnoses, risk judgements or advice, and do not write about risk or safety. Refer to the client as 'the client'. Answer with JSON matching the schema.",
			},
			{ role: "user", content: `Client ${client}. Notes, oldest first:\n\n${source}` },
		],
		...(options.signal ? { signal: options.signal } : {}),
	});
	const answer = parseStructured(result.text, SummaryAnswer, "the brief's summary");
	const dates = new Set(notes.map((n) => n.date));
	// One section per answer item, so each item's checked sentences stay with its session.
	const checked = checkModelAnswer(
		answer.sentences.map((x, i) => ({ key: `s${i}`, heading: "Summary", text: x.text })),
		{ source, kind: "summary", clinicianText: source, clientCode: client, identity: boundary.identity },
	);
	const flags = [...checked.flags];
	const lines: string[] = [];
	answer.sentences.forEach((item, i) => {
		const own = checked.sections[i]!.sentences;
		const session = item.session.trim();
		const known = dates.has(session);
		if (!known) flags.push({ kind: "unsupported", excerpt: item.text.slice(0, 160), reason: `The summary cites a session that is not among those summarised (${[...dates].join(", ")}): check it.` });
		const text = renderSentences(own, "");
		if (text === "") return;
		const kept = own.some((x) => x.text !== "");
		lines.push(`- ${text}${!kept ? "" : known ? ` [${session}]` : ` ${reviewMarker("no session on that date in the notes summarised")}`}`);
	});
	return { text: lines.join("\n"), flags, model: options.model };
}

function link(ref: BriefItemRef, storePath: (recordPath: string) => string, label = ref.date): string {
	return `[[${storePath(ref.recordPath)}|${label}]]`;
}

/** The brief as markdown (Obsidian links to the encrypted notes). */
export function renderBrief(brief: Brief, storePath: (recordPath: string) => string): string {
	const out: string[] = [`# Pre-session brief: ${brief.client}, ${brief.today}`, ""];
	out.push(`Prepared from ${brief.sessionsRead} note${brief.sessionsRead === 1 ? "" : "s"} in the record. Everything below comes from the notes${brief.summary ? " except the model's summary, which is marked as such" : ""}.`, "");
	out.push("## Last sessions");
	if (brief.lastSessions.length === 0) out.push("No session notes yet.");
	for (const s of brief.lastSessions) {
		out.push(`- ${link(s, storePath)}${s.sessionNumber !== null ? ` (session ${s.sessionNumber})` : ""}${s.status && s.status !== "signed" ? ` · ${s.status}` : ""}`);
		for (const l of s.lines) out.push(`    - ${l}`);
	}
	out.push("", "## Homework");
	if (brief.homework.length === 0) out.push("No homework recorded.");
	for (const h of brief.homework) {
		const follow = h.followUp.status === "open" ? "open: not yet followed up" : `${h.followUp.status} (${h.followUp.date ?? ""})${h.followUp.evidence ? `: ${h.followUp.evidence}` : ""}`;
		out.push(`- ${link(h, storePath)}: ${h.text}`, `    - ${follow}`);
	}
	out.push("", "## Parts");
	const problem = (what: string) => brief.problems.find((p) => p.startsWith(`${what}:`));
	if (!brief.parts) out.push(problem("Parts map") ?? "No parts map yet.");
	else if (brief.parts.length === 0) out.push("The parts map has no parts yet.");
	else for (const p of brief.parts) out.push(`- ${p.name} (${p.kind}): ${p.status}${p.lastSeen ? `, last seen ${p.lastSeen}` : ""}${p.detail ? `. ${p.detail}` : ""}`);
	out.push("", "## Treatment plan");
	if (!brief.plan) out.push(problem("Treatment plan") ?? "No treatment plan yet.");
	else {
		if (brief.plan.nextReview) out.push(`- Plan review ${brief.plan.reviewState === "overdue" ? "OVERDUE since" : brief.plan.reviewState === "due-soon" ? "due" : "next"} ${brief.plan.nextReview}`);
		if (brief.plan.objectives.length === 0) out.push("- No objectives due in the next weeks.");
		for (const o of brief.plan.objectives) {
			out.push(`- ${o.id} ${o.text}: ${o.state === "overdue" ? "overdue" : "due"} ${o.targetDate ?? ""}${o.lastProgress ? `; last progress ${o.lastProgress.date}: ${o.lastProgress.note}` : ""}`);
		}
	}
	out.push("", "## Measures");
	const m = brief.measures;
	if (!m) out.push(problem("Measures") ?? "No measures entered yet.");
	else {
		if (m.latest.length === 0) out.push("- No scores yet.");
		for (const l of m.latest) out.push(`- ${l.name} ${l.total} (${l.band}) on ${l.date}${l.change ? `; ${l.change}` : ""}`);
		for (const d of m.due) out.push(`- Due: ${d}`);
		for (const o of m.objectives) out.push(`- Plan objective ${o}`);
	}
	out.push("", "## Risk notes (as written by the clinician)");
	const measuresFailed = problem("Measures") !== undefined;
	if (measuresFailed) out.push("The measures could not be read, so item alerts (PHQ-9 item 9) are not listed here: check the measures page.");
	if (brief.risk.length === 0 && (brief.measures?.alerts.length ?? 0) === 0 && !measuresFailed) out.push("No risk notes written.");
	for (const r of brief.risk) out.push(`- ${link(r, storePath)}: ${r.text.replace(/\n+/g, " ")}`);
	for (const a of brief.measures?.alerts ?? []) out.push(`- ${link(a, storePath)}: ${a.text}`);
	out.push("", "## Recurring themes");
	if (brief.themes.length === 0) out.push("Nothing recurs yet.");
	for (const t of brief.themes) out.push(`- ${t.term}: ${t.dates.join(", ")}`);
	out.push("", "## Client's words");
	if (brief.quotes.length === 0) out.push("No quotes recorded.");
	for (const q of brief.quotes) out.push(`- "${q.text}" (${link(q, storePath)}${q.timestamp ? ` at ${q.timestamp}` : ""})`);
	if (brief.summary) {
		out.push("", `## Summary (drafted by the local model ${brief.summary.model}; check it)`, brief.summary.text);
	}
	if (brief.skipped.length > 0) out.push("", `Could not read: ${brief.skipped.join(", ")}.`);
	return `${out.join("\n")}\n`;
}
