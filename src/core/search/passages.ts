/**
 * Which record files are searched and how they are cut into passages.
 *
 *   CODE/notes/*.md         kind "note"        sections by heading, paragraphs grouped to ~700 characters
 *   CODE/transcripts/*.md   kind "transcript"  windows of WINDOW_LINES lines in any transcript form (ours, WebVTT,
 *                                              SRT, other stamps, "Name: text", plain: transcribe/forms.ts);
 *                                              the first line's time kept when the form gives one
 *   CODE/summaries/*.md     kind "summary"     as notes (the clinician's own session summaries)
 *   CODE/parts-map.md       kind "parts-map"   as notes
 *   CODE/treatment-plan.md  kind "plan"        as notes
 *
 * Everything else is never indexed: the client profile (name and identifying details), audio and
 * other binary attachments, proposals (model output not yet approved by the clinician).
 *
 * Passages are small on purpose: a hit should point at the place to open, and an embedding of a
 * short passage is sharper than one of a whole note.
 */
import { splitFrontmatter } from "../markdown/frontmatter";
import { isPsychotherapyNote } from "../notes/kinds";
import { sessionDateOf } from "../notes/sessionDate";
import { parseAnyTranscript } from "../transcribe/forms";
import type { PassageKind } from "./types";

export const WINDOW_LINES = 4;
const TARGET_CHARS = 700;
const MAX_CHARS = 1000;

export interface ExtractedPassage {
	heading: string;
	timestamp: number | null;
	line: number;
	text: string;
}

export interface Extracted {
	client: string;
	kind: PassageKind;
	date: string | null;
	sessionNumber: number | null;
	psychotherapy: boolean;
	passages: ExtractedPassage[];
}

/** The kind of a record path, or null when the file is never indexed. */
export function kindOf(recordPath: string): PassageKind | null {
	const parts = recordPath.split("/");
	if (parts.length === 2) {
		if (parts[1] === "parts-map.md") return "parts-map";
		if (parts[1] === "treatment-plan.md") return "plan";
		return null;
	}
	if (parts.length !== 3 || !parts[2]!.endsWith(".md")) return null;
	switch (parts[1]) {
		case "notes":
			return "note";
		case "transcripts":
			return "transcript";
		case "summaries":
			return "summary";
		default:
			return null;
	}
}

/** Cuts one decrypted record file into passages. `kind` from kindOf. Malformed frontmatter is read as body text. */
export function extractPassages(recordPath: string, kind: PassageKind, text: string): Extracted {
	let data: Record<string, unknown> = {};
	let body = text;
	try {
		({ data, body } = splitFrontmatter(text, recordPath));
	} catch {
		// A note whose frontmatter does not parse is still searchable as text.
	}
	const firstLine = countLines(text.slice(0, text.length - body.length)) + 1;
	const session = typeof data.session_number === "number" && Number.isInteger(data.session_number) ? data.session_number : null;
	const passages = kind === "transcript" ? transcriptPassages(body, firstLine) : markdownPassages(body, firstLine);
	return {
		client: recordPath.split("/")[0]!,
		kind,
		date: sessionDateOf(data, recordPath)?.date ?? null,
		sessionNumber: session,
		psychotherapy: isPsychotherapyNote(recordPath, data),
		passages,
	};
}

function countLines(text: string): number {
	let n = 0;
	for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) n++;
	return n;
}

/** Sections by heading; paragraphs (blank-line separated) grouped up to TARGET_CHARS, long ones split at sentences. */
function markdownPassages(body: string, firstLine: number): ExtractedPassage[] {
	const out: ExtractedPassage[] = [];
	let heading = "";
	let para: string[] = [];
	let paraLine = firstLine;
	let group: { text: string; line: number } | null = null;
	const flushGroup = () => {
		if (group && group.text.trim() !== "") out.push({ heading, timestamp: null, line: group.line, text: group.text });
		group = null;
	};
	const flushPara = () => {
		const text = para.join("\n").trim();
		para = [];
		if (text === "") return;
		for (const piece of splitLong(text)) {
			if (group && group.text.length + piece.length + 1 > TARGET_CHARS) flushGroup();
			group = group ? { text: `${group.text}\n${piece}`, line: group.line } : { text: piece, line: paraLine };
		}
	};
	body.split("\n").forEach((raw, i) => {
		const line = raw.replace(/\r$/, "");
		const h = /^#{1,6}\s+(.*)$/.exec(line);
		if (h) {
			flushPara();
			flushGroup();
			heading = h[1]!.replace(/#+\s*$/, "").trim();
			return;
		}
		if (line.trim() === "") {
			flushPara();
			return;
		}
		if (para.length === 0) paraLine = firstLine + i;
		para.push(line);
	});
	flushPara();
	flushGroup();
	return out;
}

function splitLong(text: string): string[] {
	if (text.length <= MAX_CHARS) return [text];
	const sentences = text.match(/[^.!?\n]+(?:[.!?]+|\n|$)\s*/g) ?? [text];
	const out: string[] = [];
	let current = "";
	for (const s of sentences) {
		if (current !== "" && current.length + s.length > TARGET_CHARS) {
			out.push(current.trim());
			current = "";
		}
		current += s;
		while (current.length > MAX_CHARS) {
			out.push(current.slice(0, MAX_CHARS).trim());
			current = current.slice(MAX_CHARS);
		}
	}
	if (current.trim() !== "") out.push(current.trim());
	return out;
}

/** Windows of WINDOW_LINES transcript lines ("Speaker: text"), keyed by the first line's time (null when untimed). */
function transcriptPassages(body: string, firstLine: number): ExtractedPassage[] {
	const out: ExtractedPassage[] = [];
	let window: { lines: string[]; timestamp: number | null; line: number } | null = null;
	for (const segment of parseAnyTranscript(body).lines) {
		const text = segment.speaker ? `${segment.speaker}: ${segment.text}` : segment.text;
		window ??= { lines: [], timestamp: segment.start === null ? null : Math.floor(segment.start), line: firstLine + segment.line };
		window.lines.push(text);
		if (window.lines.length >= WINDOW_LINES) {
			out.push({ heading: "", timestamp: window.timestamp, line: window.line, text: window.lines.join("\n") });
			window = null;
		}
	}
	if (window !== null) {
		const last: { lines: string[]; timestamp: number | null; line: number } = window;
		out.push({ heading: "", timestamp: last.timestamp, line: last.line, text: last.lines.join("\n") });
	}
	return out;
}
