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
 *     and the plan's review date (from the treatment plan), through `BriefSources`; and the parts
 *     the notes name, with the dates of the notes that name them;
 *   - risk notes the clinician wrote (the notes' risk sections, risk lines and sentences, as
 *     written; the drafting placeholder is not a note, and the model never writes there);
 *   - themes that recur across the whole record (content words of at least two sessions' notes
 *     and transcripts, at least one of them a note, with the dates);
 *   - the client's exact words (quotes in the notes, and first-person lines of the transcripts).
 *
 * Notes written from our templates are read by their sections, as always; notes written any other
 * way (headings in other words and levels, "HW:" and "Risk:" lines, prose) are read by
 * `freeText.ts`, and transcripts in any form by `transcripts.ts`.
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
import { splitSentences, stem, STOP_WORDS, tokenise } from "../text/words";
import { inert, inertAsWritten } from "../safety/inert";
import { readSessionNotes, section, type SessionNote } from "./sessionNotes";
import {
	bodyWithoutRisk,
	homeworkIn,
	partKey,
	partsInNote,
	quotesInNote,
	readNoteLines,
	riskIn,
	sentencesIn,
	toldIn,
	withoutRisk,
	type NamedPart,
	type NoteLine,
} from "./freeText";
import { clientTranscripts, type ClientTranscript } from "./transcripts";

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
	homework: (BriefItemRef & {
		text: string;
		followUp: { status: "completed" | "partly" | "not done" | "mentioned" | "open"; date?: string; evidence?: string };
	})[];
	parts: BriefPart[] | null;
	/** Parts the notes name (the parts map aside), with the dates of the notes that name them; most often named first. */
	namedParts: (BriefItemRef & { name: string; kind?: string; dates: string[] })[];
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

/** The first sentences of the lines with a role, risk left out (for notes not written from a template). */
function firstSentences(lines: readonly NoteLine[], roles: readonly NoteLine["role"][], count: number, leaveOut: ReadonlySet<number> = new Set()): string[] {
	return withoutRisk(lines.filter((l) => roles.includes(l.role) && !leaveOut.has(l.index)))
		.split("\n")
		.flatMap((l) => sentencesIn(l))
		.slice(0, count);
}

function sessionLines(read: ReadNote): string[] {
	const { note, lines: noteLines } = read;
	const lines: string[] = [];
	const opening = section(note, OPENING) ?? note.sections.find((s) => s.heading !== "" && !RISK.test(s.heading))?.body ?? "";
	// A note not written from a template: its opening section in other words, else its first prose.
	const first =
		sentencesOf(opening).slice(0, 2).join(" ") ||
		(firstSentences(noteLines, ["opening"], 2).length > 0
			? firstSentences(noteLines, ["opening"], 2)
			: firstSentences(noteLines, ["text"], 2, read.homework?.lines)
		).join(" ");
	if (first) lines.push(clip(first, 300));
	const assessment = sentencesOf(section(note, ASSESSMENT) ?? "")[0] ?? firstSentences(noteLines, ["assessment"], 1)[0];
	if (assessment) lines.push(`Assessment: ${clip(assessment)}`);
	const plan = sentencesOf(section(note, PLAN) ?? "")[0] ?? firstSentences(noteLines, ["plan"], 1)[0];
	if (plan) lines.push(`Plan: ${clip(plan)}`);
	return lines;
}

/** A note read once for every section of the brief: its lines (freeText.ts) and its homework. */
interface ReadNote {
	note: SessionNote;
	lines: NoteLine[];
	homework: { text: string; lines: Set<number> } | null;
}

function readNote(note: SessionNote): ReadNote {
	const lines = readNoteLines(note.body);
	// A template's plan section first, as always; then homework written any other way.
	const template = homeworkOf(note);
	const free = homeworkIn(lines);
	return { note, lines, homework: template ? { text: template, lines: free?.lines ?? new Set() } : free };
}

const HOMEWORK = /\b(homework|assignment|practi[cs]e between sessions)\b/i;

function homeworkOf(note: SessionNote): string | null {
	const plan = section(note, PLAN) ?? "";
	const s = sentencesOf(plan).find((x) => HOMEWORK.test(x));
	return s ? s.replace(/^homework\s*:\s*/i, "").trim() : null;
}

function contentStems(text: string, stop: ReadonlySet<string> = THEME_STOP): Set<string> {
	return new Set(
		tokenise(text)
			.filter((t) => t.number === null && t.lower.length > 2 && !STOP_WORDS.has(t.lower) && !stop.has(t.stem))
			.map((t) => t.stem),
	);
}

/** Note vocabulary that says nothing about an assignment (a looser set than THEME_STOP: "noticed" and "wrote" do follow "notice … and write down" up). */
const FOLLOW_UP_STOP = new Set(
	"client clients session sessions therapist clinician note notes week weeks today next time times day days report reported homework"
		.split(" ")
		.map((w) => stem(w)),
);

/** What the note after an assignment says about it: the sentence, and how it went. */
function followUpIn(homework: string, next: ReadNote): { status: "completed" | "partly" | "not done" | "mentioned"; evidence: string } | null {
	// Not the next note's plan, homework or risk: its own new homework is there.
	const told = toldIn(next.lines, next.homework?.lines ?? new Set());
	const bestIn = (stop: ReadonlySet<string>): { sentence: string; score: number } | null => {
		const wanted = contentStems(homework, stop);
		let best: { sentence: string; score: number } | null = null;
		for (const sentence of told) {
			const mentionsHomework = /\b(?:homework|hw|h\/w|as agreed|between[- ]sessions?)\b/i.test(sentence);
			const shared = [...contentStems(sentence, stop)].filter((s) => wanted.has(s)).length;
			const score = (mentionsHomework ? 3 : 0) + shared;
			if ((mentionsHomework || shared >= 2) && (!best || score > best.score)) best = { sentence, score };
		}
		return best;
	};
	// The words the task is about first; then its verbs too ("noticed it and wrote it down").
	const best = bestIn(THEME_STOP) ?? bestIn(FOLLOW_UP_STOP);
	if (!best) return null;
	return { status: followUpStatus(best.sentence), evidence: clip(best.sentence, 300) };
}

/** How an assignment went, from the sentence that follows it up. */
function followUpStatus(sentence: string): "completed" | "partly" | "not done" | "mentioned" {
	const s = sentence.toLowerCase().replace(/[’]/g, "'");
	const fraction = /\b(\d+)\s*\/\s*(\d+)\b/.exec(s);
	if (
		/\b(not (done|completed|do|practi[cs]ed|yet)|did ?n[o']t|forgot|skipped|was unable|were unable|has ?n[o']t|have ?n[o']t|no practice|none of|avoided it)\b/.test(
			s,
		)
	)
		return "not done";
	if (fraction && Number(fraction[1]) < Number(fraction[2])) return "partly";
	if (
		/\b(partly|partially|some days|\d+ of \d+|(one|two|three|four|five|six) of (seven|the)|on (two|three|four|five|six|\d+) (days|evenings|mornings|nights|occasions)|most days|a few (times|days|evenings|mornings)|once or twice)\b/.test(
			s,
		)
	)
		return "partly";
	if (
		fraction ||
		/\b(completed|did it|done|followed|every day|daily|each day|all week|every (evening|morning|night)|each (evening|morning|night)|as agreed|kept up)\b/.test(
			s,
		)
	)
		return "completed";
	return "mentioned";
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

/** Where a theme's words come from: a note's prose (risk left out), or a transcript's client lines. */
interface ThemeSource {
	date: string;
	note: boolean;
	text: string;
}

/**
 * Content words that recur: in the notes or transcripts of at least two session dates, at least one
 * of them a note (a transcript's small talk alone is no theme), with the dates. Part names, names
 * (capitalised mid-sentence), numbers, stop words and note vocabulary are left out.
 */
function themesOf(sources: readonly ThemeSource[], partStems: ReadonlySet<string>): { term: string; dates: string[] }[] {
	const byStem = new Map<string, { dates: Set<string>; inNote: boolean; forms: Map<string, number> }>();
	for (const source of sources) {
		const seen = new Set<string>();
		// Line by line: a line's first word starts a sentence even when the line above ends without a full stop ("Mood: tired").
		for (const t of source.text.split("\n").flatMap((line) => tokenise(line))) {
			if (t.number !== null || t.lower.length < 4 || STOP_WORDS.has(t.lower) || THEME_STOP.has(t.stem) || t.capitalisedMidSentence) continue;
			if (partStems.has(t.stem)) continue;
			// "evening" and "evenings" are one theme (the light stemmer leaves them apart: "even", "evening").
			const key = stem(t.stem);
			const entry = byStem.get(key) ?? { dates: new Set<string>(), inNote: false, forms: new Map<string, number>() };
			entry.forms.set(t.lower, (entry.forms.get(t.lower) ?? 0) + 1);
			if (source.note) entry.inNote = true;
			if (!seen.has(key)) {
				entry.dates.add(source.date);
				seen.add(key);
			}
			byStem.set(key, entry);
		}
	}
	return [...byStem.entries()]
		.filter(([, e]) => e.dates.size >= 2 && e.inNote)
		.map(([, e]) => ({
			term: [...e.forms.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0],
			dates: [...e.dates].sort(),
		}))
		.sort(
			(a, b) =>
				b.dates.length - a.dates.length || b.dates[b.dates.length - 1]!.localeCompare(a.dates[a.dates.length - 1]!) || a.term.localeCompare(b.term),
		)
		.slice(0, 8);
}

/** A note's theme text: its lines without headings, risk, or the names of fields ("Mood:"). */
function themeText(read: ReadNote): string {
	return withoutRisk(read.lines, (l) => (l.fieldLabel ? l.text : l.written));
}

const FIRST_PERSON_FEELING = /^(I feel|I felt|I'm|I’m|I am|I keep|I can't|I can’t|I don't|I don’t|I just|I always|I never|It feels)\b/i;

/**
 * A transcript line as the client's words: a line of the client's, whole when it opens with a
 * first-person statement and has 8 to 45 words, else such sentences of it; a line of a transcript
 * without speakers (where another speaker's words may follow in the same paragraph), such sentences only.
 */
function clientWordsIn(text: string, labelled: boolean): string[] {
	const fits = (t: string) => {
		const words = t.split(/\s+/).length;
		return words >= 8 && words <= 45 && FIRST_PERSON_FEELING.test(t);
	};
	if (labelled && fits(text)) return [text];
	return sentencesIn(text).filter(fits);
}

function clock(seconds: number): string {
	const m = Math.floor(seconds / 60);
	return `${String(m).padStart(2, "0")}:${String(Math.floor(seconds % 60)).padStart(2, "0")}`;
}

function transcriptQuotes(transcripts: readonly ClientTranscript[], dates: ReadonlySet<string>): (BriefItemRef & { text: string; timestamp?: string })[] {
	const out: (BriefItemRef & { text: string; timestamp?: string })[] = [];
	for (const t of transcripts) {
		if (!dates.has(t.date)) continue;
		for (const line of t.lines) {
			for (const words of clientWordsIn(line.text, t.labelled))
				out.push({ date: t.date, recordPath: t.recordPath, text: words, ...(line.start !== null ? { timestamp: clock(line.start) } : {}) });
		}
	}
	return out;
}

/** Text compared without list markers, emphasis, case or spacing (a risk line found twice is shown once). */
function comparable(text: string): string {
	return text
		.replace(/^\s*(?:[-*+]|\d{1,3}[.)])\s+/gm, "")
		.replace(/[*_]/g, "")
		.replace(/\s+/g, " ")
		.trim()
		.toLowerCase();
}

function normalisedQuote(text: string): string {
	return text
		.toLowerCase()
		.replace(/[’]/g, "'")
		.replace(/[^a-z0-9]+/g, " ")
		.trim();
}

/** Parts the notes name, merged across notes (a name found once is counted wherever it recurs), most often named first. */
function namedPartsOf(reads: readonly ReadNote[], mapParts: readonly BriefPart[] | null): Brief["namedParts"] {
	const byKey = new Map<string, { part: NamedPart; dates: Set<string>; recordPath: string; last: string }>();
	const fromMap: NamedPart[] = (mapParts ?? []).map((p) => ({
		name: p.name.replace(/^the\s+/i, ""),
		...(p.kind ? { kind: p.kind } : {}),
		article: /^the\s/i.test(p.name),
	}));
	for (const read of reads) {
		const known = [...fromMap, ...[...byKey.values()].map((e) => e.part)];
		for (const part of partsInNote(read.lines, known)) {
			const key = partKey(part.name);
			const entry = byKey.get(key) ?? { part, dates: new Set<string>(), recordPath: read.note.recordPath, last: read.note.date };
			if (!entry.part.kind && part.kind) entry.part = { ...entry.part, kind: part.kind };
			entry.dates.add(read.note.date);
			if (read.note.date >= entry.last) {
				entry.last = read.note.date;
				entry.recordPath = read.note.recordPath;
			}
			byKey.set(key, entry);
		}
	}
	return [...byKey.values()]
		.map((e) => ({
			name: e.part.article && /^\p{Lu}/u.test(e.part.name) ? `the ${e.part.name}` : e.part.name,
			...(e.part.kind ? { kind: e.part.kind } : {}),
			dates: [...e.dates].sort(),
			date: e.last,
			recordPath: e.recordPath,
		}))
		.sort((a, b) => b.dates.length - a.dates.length || b.date.localeCompare(a.date) || a.name.localeCompare(b.name))
		.slice(0, 12);
}

export async function buildBrief(record: ClinicalRecord, options: BriefOptions): Promise<Brief> {
	const { client, today } = options;
	if (!(await record.exists(record.layout.profilePath(client)))) {
		throw new ClinicalVaultError("not-found", `There is no client ${client} in this record.`);
	}
	const { notes, skipped } = await readSessionNotes(record, client, { includePsychotherapy: options.includePsychotherapy ?? false, to: today });
	const recentCount = options.recent ?? 3;
	const newestFirst = [...notes].reverse();

	const reads = notes.map(readNote);
	const newestReads = [...reads].reverse();

	const lastSessions = newestReads
		.slice(0, recentCount)
		.map((r) => ({ date: r.note.date, recordPath: r.note.recordPath, sessionNumber: r.note.sessionNumber, status: r.note.status, lines: sessionLines(r) }));

	const homework: Brief["homework"] = [];
	for (let i = 0; i < notes.length; i++) {
		const text = reads[i]!.homework?.text;
		if (!text) continue;
		const next = reads[i + 1];
		const found = next ? followUpIn(text, next) : null;
		homework.push({
			date: notes[i]!.date,
			recordPath: notes[i]!.recordPath,
			text: clip(text, 300),
			followUp: found ? { ...found, date: next!.note.date } : next ? { status: "mentioned", date: next.note.date, evidence: "" } : { status: "open" },
		});
	}
	// Not followed up at all in the next note: say so plainly rather than "mentioned".
	for (const h of homework)
		if (h.followUp.status === "mentioned" && h.followUp.evidence === "")
			h.followUp = { status: "not done", ...(h.followUp.date ? { date: h.followUp.date } : {}), evidence: "(not mentioned in the next note)" };
	const recentHomework = homework.slice(-Math.max(recentCount, 3)).reverse();

	const risk: Brief["risk"] = [];
	for (const r of newestReads) {
		const n = r.note;
		const written: string[] = [];
		for (const s of n.sections) {
			if (!RISK.test(s.heading)) continue;
			const text = s.body.replace(RISK_PLACEHOLDER, "").trim();
			if (text === "" || text.startsWith("> [!danger]")) continue;
			written.push(text);
			// Shown whole, as the clinician wrote it: a cut could hide the line that matters.
			risk.push({ date: n.date, recordPath: n.recordPath, text });
		}
		// Risk written any other way: lines under a risk heading or with a risk label, then risk sentences in the prose, as written.
		const inSections = written.map(comparable);
		for (const text of riskIn(r.lines)) {
			if (inSections.some((t) => t.includes(comparable(text)))) continue;
			risk.push({ date: n.date, recordPath: n.recordPath, text });
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

	// Transcripts in any form: the client's lines give quotes (sessions with a note) and theme dates (every session up to today).
	const names = async () => {
		const profile = await record.readProfile(client, "internal");
		return identityOf(profile).names;
	};
	const { transcripts, skipped: unreadTranscripts } = await clientTranscripts(record, client, today, names);
	skipped.push(...unreadTranscripts);

	const quotes: Brief["quotes"] = [];
	const seenQuotes = new Set<string>();
	for (const r of newestReads) {
		for (const q of quotesInNote(r.lines)) {
			const key = normalisedQuote(q);
			if (seenQuotes.has(key)) continue;
			seenQuotes.add(key);
			quotes.push({ date: r.note.date, recordPath: r.note.recordPath, text: q });
		}
	}
	for (const q of transcriptQuotes(transcripts, new Set(notes.map((n) => n.date)))) {
		const key = normalisedQuote(q.text);
		if ([...seenQuotes].some((k) => k.includes(key) || key.includes(k))) continue;
		seenQuotes.add(key);
		quotes.push(q);
	}

	const namedParts = namedPartsOf(reads, parts);
	const partStems = new Set<string>(
		[
			...(parts ?? []).map((p) => p.name),
			...namedParts.filter((p) => /^(?:the\s+)?\p{Lu}/u.test(p.name)).map((p) => p.name.replace(/^the\s+/, "")),
		].flatMap((name) => tokenise(name).map((t) => t.stem)),
	);
	const themeSources: ThemeSource[] = [
		...reads.map((r) => ({ date: r.note.date, note: true, text: themeText(r) })),
		...transcripts.map((t) => ({ date: t.date, note: false, text: t.lines.map((l) => l.text).join("\n") })),
	];

	// The brief shows what it read: one audit entry naming the notes and transcripts it drew on.
	const read = new Set<string>([
		...notes.map((n) => n.recordPath),
		...transcripts.map((t) => t.recordPath),
		...quotes.map((q) => q.recordPath),
		...(measures ? [`${client}/measures/scores.json`] : []),
	]);
	await record.audit.readMany(
		[...read].map((path) => ({ path })),
		"read for the pre-session brief",
	);

	const brief: Brief = {
		client,
		today,
		sessionsRead: notes.length,
		lastSessions,
		homework: recentHomework,
		parts,
		namedParts,
		plan,
		measures,
		// Every risk note the clinician wrote, none cut: an older one must never fall off behind newer lines.
		risk,
		themes: themesOf(themeSources, partStems),
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
async function summarize(
	notes: SessionNote[],
	client: string,
	boundary: ModelBoundary,
	options: NonNullable<BriefOptions["summarize"]>,
): Promise<NonNullable<Brief["summary"]>> {
	const source = notes
		.map(
			(n) =>
				`=== Session of ${n.date}${n.sessionNumber !== null ? ` (session ${n.sessionNumber})` : ""} ===\n${n.sections
					.filter((s) => !RISK.test(s.heading))
					.map((s) => (s.heading ? `${s.heading}: ${bodyWithoutRisk(s.body)}` : bodyWithoutRisk(s.body)))
					.join("\n")}`,
		)
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
		if (!known)
			flags.push({
				kind: "unsupported",
				excerpt: item.text.slice(0, 160),
				reason: `The summary cites a session that is not among those summarised (${[...dates].join(", ")}): check it.`,
			});
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

/**
 * The brief as markdown (Obsidian links to the encrypted notes). Code writes the headings, links,
 * dates and labels; every text taken from the record (a note's lines, the client's words, a part's
 * name, a plan objective) goes in through `inert`, so markup a note holds shows as the text it is
 * and opens nothing (no link, embed, image, HTML, callout, Dataview or Templater code).
 */
export function renderBrief(brief: Brief, storePath: (recordPath: string) => string): string {
	const out: string[] = [`# Pre-session brief: ${brief.client}, ${brief.today}`, ""];
	out.push(
		`Prepared from ${brief.sessionsRead} note${brief.sessionsRead === 1 ? "" : "s"} in the record. Everything below comes from the notes${brief.summary ? " except the model's summary, which is marked as such" : ""}.`,
		"",
	);
	out.push("## Last sessions");
	if (brief.lastSessions.length === 0) out.push("No session notes yet.");
	for (const s of brief.lastSessions) {
		out.push(
			`- ${link(s, storePath)}${s.sessionNumber !== null ? ` (session ${s.sessionNumber})` : ""}${s.status && s.status !== "signed" ? ` · ${inert(s.status)}` : ""}`,
		);
		for (const l of s.lines) out.push(`    - ${inert(l)}`);
	}
	out.push("", "## Homework");
	if (brief.homework.length === 0) out.push("No homework recorded.");
	for (const h of brief.homework) {
		const follow =
			h.followUp.status === "open"
				? "open: not yet followed up"
				: `${h.followUp.status} (${h.followUp.date ?? ""})${h.followUp.evidence ? `: ${inert(h.followUp.evidence)}` : ""}`;
		out.push(`- ${link(h, storePath)}: ${inert(h.text)}`, `    - ${follow}`);
	}
	out.push("", "## Parts");
	const problem = (what: string) => brief.problems.find((p) => p.startsWith(`${what}:`));
	if (!brief.parts) out.push(problem("Parts map") ?? "No parts map yet.");
	else if (brief.parts.length === 0) out.push("The parts map has no parts yet.");
	else
		for (const p of brief.parts)
			out.push(
				`- ${inert(p.name)} (${inert(p.kind)}): ${inert(p.status)}${p.lastSeen ? `, last seen ${p.lastSeen}` : ""}${p.detail ? `. ${inert(p.detail)}` : ""}`,
			);
	if (brief.namedParts.length > 0) {
		out.push(brief.parts && brief.parts.length > 0 ? "Named in the notes:" : "Named in the notes (no parts map yet):");
		for (const p of brief.namedParts)
			out.push(`- ${inert(p.name)}${p.kind ? ` (${inert(p.kind)})` : ""}: ${p.dates.join(", ")} (latest ${link(p, storePath)})`);
	}
	out.push("", "## Treatment plan");
	if (!brief.plan) out.push(problem("Treatment plan") ?? "No treatment plan yet.");
	else {
		if (brief.plan.nextReview)
			out.push(
				`- Plan review ${brief.plan.reviewState === "overdue" ? "OVERDUE since" : brief.plan.reviewState === "due-soon" ? "due" : "next"} ${brief.plan.nextReview}`,
			);
		if (brief.plan.objectives.length === 0) out.push("- No objectives due in the next weeks.");
		for (const o of brief.plan.objectives) {
			out.push(
				`- ${inert(o.id)} ${inert(o.text)}: ${o.state === "overdue" ? "overdue" : "due"} ${o.targetDate ?? ""}${o.lastProgress ? `; last progress ${o.lastProgress.date}: ${inert(o.lastProgress.note)}` : ""}`,
			);
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
	for (const r of brief.risk) out.push(`- ${link(r, storePath)}: ${inertAsWritten(r.text)}`);
	for (const a of brief.measures?.alerts ?? []) out.push(`- ${link(a, storePath)}: ${a.text}`);
	out.push("", "## Recurring themes");
	if (brief.themes.length === 0) out.push("Nothing recurs yet.");
	for (const t of brief.themes) out.push(`- ${inert(t.term)}: ${t.dates.join(", ")}`);
	out.push("", "## Client's words");
	if (brief.quotes.length === 0) out.push("No quotes recorded.");
	for (const q of brief.quotes) out.push(`- "${inert(q.text)}" (${link(q, storePath)}${q.timestamp ? ` at ${q.timestamp}` : ""})`);
	if (brief.summary) {
		out.push("", `## Summary (drafted by the local model ${brief.summary.model}; check it)`, brief.summary.text);
	}
	if (brief.skipped.length > 0) out.push("", `Could not read: ${brief.skipped.join(", ")}.`);
	return `${out.join("\n")}\n`;
}
