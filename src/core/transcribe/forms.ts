/**
 * Transcripts in every form a clinician brings (issue 18): ours ("[mm:ss] **Speaker:** text"),
 * WebVTT (Zoom, Teams, MacWhisper), SubRip (.srt), lines stamped another way ("[00:01:02] Name:
 * text", "00:01:02 Name: text", "(1:02) Name: text", Otter's "Name  0:03" above its text), lines
 * labelled without times ("THERAPIST: …", "Client: …", "Dr Rivera: …"), and plain text.
 *
 * Deterministic and forgiving: what cannot be read as a cue or a stamp is kept as text, with a
 * problem saying where (a broken VTT cue loses no words). Times are seconds from the start.
 */

import { frontmatterBlock } from "../markdown/frontmatter";

export type TranscriptForm = "clinical-vault" | "webvtt" | "srt" | "timestamped" | "labelled" | "plain";

export interface TranscriptLine {
	/** Seconds from the start, or null when the form gives none. */
	start: number | null;
	end: number | null;
	speaker?: string;
	text: string;
	/** The 0-based line of the input where this line's text begins. */
	line: number;
}

export interface ParsedTranscript {
	form: TranscriptForm;
	lines: TranscriptLine[];
	/** What could not be read as the form says (kept as text): "line 12: a cue without a valid time". */
	problems: string[];
}

const CUE_TIME = /^\s*((?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?)\s*-->\s*((?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?)(?:\s.*)?$/;
const OURS = /^\[(?:(\d+):)?(\d{2}):(\d{2})\]\s+(?:\*\*([^*]+):\*\*\s+)?(.*)$/;
/** "[00:01:02] rest", "(1:02) rest", "00:01:02 rest", "00:01:02 - rest". */
const STAMP_FIRST = /^[[(]?((?:\d{1,2}:)?\d{1,2}:\d{2})(?:[.,]\d{1,3})?[\])]?\s*[-–—|]?\s+(.+)$/;
/** "Name (00:01:02): text", "Name [1:02]: text", "Name 00:01:02: text". */
const NAME_STAMP = /^([^\s:[(][^:[(]{0,40}?)\s+[[(]?((?:\d{1,2}:)?\d{1,2}:\d{2})[\])]?\s*:\s*(.+)$/;
/** Otter and some phone apps: "Speaker 1  0:03" or "Dana Reyes 1:02:03" alone on a line, the words below. */
const NAME_STAMP_ALONE = /^([^\s:[(\d][^:[(]{0,40}?)\s+((?:\d{1,2}:)?\d{1,2}:\d{2})\s*$/;
/** Zoom's text export: "[Name] 10:02:33" alone on a line. */
const BRACKET_NAME_STAMP = /^\[([^\]]{1,40})\]\s+((?:\d{1,2}:)?\d{1,2}:\d{2})\s*$/;
/** "NAME: text" with a short label: letters, digits, spaces, dots, apostrophes, hyphens, and bold marks. */
const LABELLED = /^\s*(?:\*\*)?([\p{L}][\p{L}\p{N} .'’-]{0,38}?)(?:\*\*)?\s*:(?:\*\*)?\s+(.+)$/u;
/** Words before a colon that are not speakers (a labelled line must not be a note's field). */
const NOT_SPEAKERS = new Set([
	"note",
	"notes",
	"date",
	"time",
	"session",
	"client code",
	"duration",
	"title",
	"subject",
	"re",
	"to",
	"from",
	"cc",
	"location",
	"source",
	"recording",
	"language",
	"created",
	"warning",
	"nb",
	"ps",
	"http",
	"https",
]);

/** Seconds from "h:mm:ss", "mm:ss", with an optional fraction (",000" or ".000"). */
export function secondsOf(stamp: string): number {
	const [clock, fraction] = stamp.replace(",", ".").split(".");
	const parts = clock!.split(":").map(Number);
	let seconds = 0;
	for (const p of parts) seconds = seconds * 60 + p;
	return seconds + (fraction ? Number(`0.${fraction}`) : 0);
}

function decodeEntities(text: string): string {
	// &amp; last, so "&amp;lt;" stays the text "&lt;" (decoded once, as a browser does).
	return text
		.replace(/&lt;/g, "<")
		.replace(/&gt;/g, ">")
		.replace(/&nbsp;/g, " ")
		.replace(/&amp;/g, "&");
}

/** A VTT cue's text by voice: each <v Name> starts a turn of its own (two speakers in one cue stay two). */
function vttTurns(raw: string): { speaker?: string; text: string }[] {
	const voices = [...raw.matchAll(/<v(?:\.[^\s>]+)*\s+([^>]+)>/g)];
	const strip = (t: string) => decodeEntities(t.replace(/<[^>]*>/g, "")).trim();
	if (voices.length === 0) return [{ text: strip(raw) }];
	const turns: { speaker?: string; text: string }[] = [];
	const before = strip(raw.slice(0, voices[0]!.index));
	if (before !== "") turns.push({ text: before });
	voices.forEach((v, i) => {
		const end = i + 1 < voices.length ? voices[i + 1]!.index : raw.length;
		const text = strip(raw.slice(v.index + v[0].length, end));
		if (text !== "") turns.push({ speaker: v[1]!.trim(), text });
	});
	return turns;
}

/** A "Name: text" line's label and text, when the label is short and not a note's field. */
function labelOf(text: string): { speaker: string; text: string } | null {
	const m = LABELLED.exec(text);
	if (!m) return null;
	const speaker = m[1]!.trim();
	if (NOT_SPEAKERS.has(speaker.toLowerCase()) || speaker.split(/\s+/).length > 4) return null;
	return { speaker, text: m[2]!.trim() };
}

/** Labels that name the clinician's side of a session: the quote checks never take their words for the client's. */
const THERAPIST_ROLE =
	/^(?:therapist|clinician|counsell?or|psychologist|psychotherapist|psychiatrist|social worker|interviewer|dr\b|doctor|th|t|therapist \d+|clinician \d+)\.?$|^dr\.?\s/i;

/** Whether a speaker label is the clinician's ("Therapist", "T", "Th", "Dr Rivera", "Psychologist", …). */
export function isTherapistLabel(label: string | undefined): boolean {
	return label !== undefined && THERAPIST_ROLE.test(label.trim());
}

const ROLE =
	/^(therapist|client|patient|counsel+or|clinician|interviewer|interviewee|participant|psychologist|social worker|parent|mother|father|partner|speaker \d+|person \d+|t|c|p|th|cl|pt|q|a)$/i;
/** Each word capitalised (a name: "Dr Rivera", "Dana R."). */
const NAME_LIKE = /^(?:[\p{Lu}][\p{L}.'’-]*)(?:\s+[\p{Lu}][\p{L}.'’-]*){0,2}$/u;

/**
 * Which "Label: text" labels are speakers in this text: a label used on two lines or more, a role
 * word ("Therapist", "Client", "Speaker 2"), or a name-like label beside recurring or role labels. A lone
 * "Next time: the budget." in a plain note is not a speaker.
 */
function speakerLabels(lines: string[]): Set<string> {
	const counts = new Map<string, number>();
	for (const raw of lines) {
		const label = labelOf(raw.trim().replace(/^[[(]?(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?[\])]?\s*[-–—|]?\s+/, ""));
		if (label) counts.set(label.speaker, (counts.get(label.speaker) ?? 0) + 1);
	}
	const recurring = [...counts].some(([label, n]) => n >= 2 || ROLE.test(label));
	return new Set([...counts].filter(([label, n]) => n >= 2 || ROLE.test(label) || (recurring && NAME_LIKE.test(label))).map(([label]) => label));
}

/** WebVTT or SRT: cues of a time line and text lines, blank-line separated. */
function parseCues(lines: string[], form: "webvtt" | "srt"): ParsedTranscript {
	const out: TranscriptLine[] = [];
	const problems: string[] = [];
	let i = form === "webvtt" ? 1 : 0;
	// The WebVTT header may run on until the first blank line.
	if (form === "webvtt") while (i < lines.length && lines[i]!.trim() !== "") i++;
	while (i < lines.length) {
		while (i < lines.length && lines[i]!.trim() === "") i++;
		if (i >= lines.length) break;
		const blockStart = i;
		const block: string[] = [];
		while (i < lines.length && lines[i]!.trim() !== "") block.push(lines[i++]!);
		const first = block[0]!.trim();
		if (form === "webvtt" && /^(NOTE|STYLE|REGION)(\s|$)/.test(first)) continue;
		let t = block.findIndex((l) => l.includes("-->"));
		if (t > 1) t = -1; // a time line is the first or second line of a cue (after an id)
		const time = t >= 0 ? CUE_TIME.exec(block[t]!) : null;
		const textLines = t >= 0 ? block.slice(t + 1) : form === "srt" && /^\d+$/.test(first) ? block.slice(1) : block;
		if (!time) problems.push(`line ${blockStart + 1}: a cue without a valid time; its text is kept without one`);
		// A cue's lines, joined into one turn; but lines that each name a speaker ("Client: …" then
		// "Therapist: …" in one cue) stay separate turns, so no one's words pass as another's.
		const trimmed = textLines.map((l) => l.trim()).filter((l) => l !== "");
		const clean = (t: string) => (form === "webvtt" ? t : t.replace(/<\/?[ibu]>/g, "").replace(/\{\\[^}]*\}/g, ""));
		const labelled = trimmed.map((l) => labelOf(clean(l).replace(/<[^>]*>/g, "")) !== null);
		const turnPerLabel = labelled.filter(Boolean).length >= 2;
		const groups: string[] = [];
		for (const [k, l] of trimmed.entries()) {
			// A new turn at each labelled line when two or more lines are labelled; otherwise one turn.
			if (groups.length === 0 || (turnPerLabel && labelled[k])) groups.push(l);
			else groups[groups.length - 1] += ` ${l}`;
		}
		for (const group of groups) {
			const turns = form === "webvtt" ? vttTurns(group) : [{ text: clean(group) }];
			for (const turn of turns) {
				if (turn.text === "") continue;
				const labelled = turn.speaker ? null : labelOf(turn.text);
				const speaker = turn.speaker ?? labelled?.speaker;
				out.push({
					start: time ? secondsOf(time[1]!) : null,
					end: time ? secondsOf(time[2]!) : null,
					...(speaker ? { speaker } : {}),
					text: labelled ? labelled.text : turn.text,
					line: blockStart + Math.max(t, 0) + (t >= 0 ? 1 : 0),
				});
			}
		}
	}
	// Each cue stays a line of its own (a sentence cut across cues too): search windows and quotes work per cue.
	return { form, lines: out, problems };
}

/** Reads any transcript form. `text` is the body (frontmatter removed). */
export function parseAnyTranscript(text: string): ParsedTranscript {
	const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/);
	const firstIndex = lines.findIndex((l) => l.trim() !== "");
	if (firstIndex === -1) return { form: "plain", lines: [], problems: [] };
	const first = lines[firstIndex]!.trim();
	if (/^WEBVTT(\s|$)/.test(first)) return shift(parseCues(lines.slice(firstIndex), "webvtt"), firstIndex);
	if (/^\d+$/.test(first) && CUE_TIME.test(lines[firstIndex + 1] ?? "") && (lines[firstIndex + 1] ?? "").includes(",")) {
		return shift(parseCues(lines.slice(firstIndex), "srt"), firstIndex);
	}
	return parseLines(lines);
}

function shift(parsed: ParsedTranscript, by: number): ParsedTranscript {
	if (by === 0) return parsed;
	return {
		...parsed,
		lines: parsed.lines.map((l) => ({ ...l, line: l.line + by })),
		problems: parsed.problems.map((p) => p.replace(/^line (\d+)/, (_, n: string) => `line ${Number(n) + by}`)),
	};
}

/** Line-based forms: ours, stamped, labelled, plain. A line that matches none continues the line before it. */
function parseLines(lines: string[]): ParsedTranscript {
	const out: TranscriptLine[] = [];
	const speakers = speakerLabels(lines);
	const labelOfSpeaker = (text: string) => {
		const label = labelOf(text);
		return label && speakers.has(label.speaker) ? label : null;
	};
	let ours = 0;
	let stamped = 0;
	let labelled = 0;
	/** A speaker and time given alone on a line (Otter, Zoom text), for the words below it. */
	let pending: { speaker: string; start: number } | null = null;
	let previousBlank = true;
	lines.forEach((raw, i) => {
		const line = raw.trim();
		if (line === "") {
			previousBlank = true;
			return;
		}
		const blank = previousBlank;
		previousBlank = false;
		if (/^#{1,6}\s/.test(line) || /^>/.test(line) || /^---+$/.test(line)) return; // headings, our notices, rules
		let m = OURS.exec(line);
		if (m) {
			ours++;
			const start = Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]);
			// "[00:00:03] Name: text" (another tool's stamp in our brackets) names its speaker without bold.
			const label = m[4] ? null : labelOfSpeaker(m[5] ?? "");
			out.push({
				start,
				end: null,
				text: label ? label.text : (m[5] ?? ""),
				...(m[4] ? { speaker: m[4] } : label ? { speaker: label.speaker } : {}),
				line: i,
			});
			return;
		}
		m = BRACKET_NAME_STAMP.exec(line) ?? NAME_STAMP_ALONE.exec(line);
		if (m && !NOT_SPEAKERS.has(m[1]!.trim().toLowerCase())) {
			stamped++;
			pending = { speaker: m[1]!.trim(), start: secondsOf(m[2]!) };
			return;
		}
		m = NAME_STAMP.exec(line);
		if (m && !NOT_SPEAKERS.has(m[1]!.trim().toLowerCase())) {
			stamped++;
			out.push({ start: secondsOf(m[2]!), end: null, speaker: m[1]!.trim(), text: m[3]!.trim(), line: i });
			pending = null;
			return;
		}
		m = STAMP_FIRST.exec(line);
		if (m) {
			stamped++;
			const rest = labelOfSpeaker(m[2]!);
			out.push({ start: secondsOf(m[1]!), end: null, ...(rest ? { speaker: rest.speaker, text: rest.text } : { text: m[2]!.trim() }), line: i });
			pending = null;
			return;
		}
		if (pending) {
			const p: { speaker: string; start: number } = pending;
			out.push({ start: p.start, end: null, speaker: p.speaker, text: line, line: i });
			pending = null;
			return;
		}
		const label = labelOfSpeaker(line);
		if (label) {
			labelled++;
			out.push({ start: null, end: null, speaker: label.speaker, text: label.text, line: i });
			return;
		}
		// Text that continues the line above (a wrapped turn), or a paragraph of its own.
		const last = out.at(-1);
		if (last && !blank) last.text = `${last.text} ${line}`;
		else out.push({ start: null, end: null, text: line, line: i });
	});
	const form: TranscriptForm = ours > 0 && ours >= stamped ? "clinical-vault" : stamped > 0 ? "timestamped" : labelled > 0 ? "labelled" : "plain";
	return { form, lines: out.filter((l) => l.text.trim() !== ""), problems: [] };
}

/**
 * The lines of a whole transcript file (frontmatter included in `source`, skipped here), in any
 * form, with `line` counted in `source`. What drafting reads as a transcript's moments: every form's
 * speakers count (an imported "CLIENT: …" transcript keeps who said what for the quote checks).
 */
export function transcriptLinesOf(source: string): TranscriptLine[] {
	const front = frontmatterBlock(source);
	const offset = front === "" ? 0 : front.split(/\r\n|\r|\n/).length - 1;
	return parseAnyTranscript(source.slice(front.length)).lines.map((l) => ({ ...l, line: l.line + offset }));
}
