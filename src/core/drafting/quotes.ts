/**
 * Quoted words in a draft must be in the input, verbatim: case, whitespace and punctuation do not
 * matter, nor do filler sounds ("um", "uh") or stutters the transcript kept; an ellipsis or a
 * [bracketed insertion] inside the quote may stand for omitted words (the pieces must then appear in
 * order, close together). Words found only in the therapist's lines are not the client's words.
 */
import { isTherapistLabel, transcriptLinesOf } from "../transcribe/forms";
import { timestamp } from "../transcribe/segments";
import { normaliseForMatch } from "../text/words";

export interface QuoteSpan {
	/** Offsets of the whole quote, marks included. */
	start: number;
	end: number;
	/** The words inside the marks. */
	inner: string;
}

/**
 * “…”, "…", ‘…’ and '…' (single quotes only when they open after a space and close before one, so
 * apostrophes are not quotes), and direct speech without marks after a speech verb and a colon or
 * dash ("Client said: I am fine now").
 */
export function findQuotes(text: string): QuoteSpan[] {
	const out: QuoteSpan[] = [];
	const push = (start: number, end: number, inner: string): void => {
		if (/\p{L}/u.test(inner) && !out.some((q) => start < q.end && end > q.start)) out.push({ start, end, inner });
	};
	for (const m of text.matchAll(/“([^”\n]*)”|"([^"\n]*)"/g)) push(m.index, m.index + m[0].length, m[1] ?? m[2] ?? "");
	for (const m of text.matchAll(/(^|[\s([:—–-])(['‘])(\p{L}[^\n]*?)['’](?=$|[\s.,;:!?)\]—–-])/gu)) {
		const start = m.index + m[1]!.length;
		push(start, m.index + m[0].length, m[3]!);
	}
	// Direct speech without quotation marks: "Client said: I am fine now." counts as a quote.
	for (const m of text.matchAll(SPEECH_WITHOUT_MARKS)) {
		const inner = m[1]!.replace(/[.!?…]+$/, "");
		const start = m.index + m[0].length - m[1]!.length;
		push(start, start + inner.length, inner);
	}
	return out.sort((a, b) => a.start - b.start);
}

/** A speech verb, a colon or dash, then words in the first person up to the end of the sentence. */
const SPEECH_WITHOUT_MARKS =
	/\b(?:said|says|stated|states|reported|reports|told\s+(?:me|us|the\s+\w+)|explained|added|shared|wrote|described|put\s+it|in\s+(?:her|his|their|the\s+client's)\s+(?:own\s+)?words)\s*(?:[:—–]|\s-)\s*((?:I|I'm|I've|I'd|I'll|My|Me|We|We're|Our)\b[^"]*)$/gu;

/**
 * Quotes that stand side by side with nothing but spaces or punctuation between them read as one
 * remark: '"I slept better" "most nights"'. Each such run, as one quote's words.
 */
export function joinedQuotes(text: string, quotes: readonly QuoteSpan[]): string[] {
	const out: string[] = [];
	let run: QuoteSpan[] = [];
	const flush = (): void => {
		if (run.length > 1) out.push(run.map((q) => q.inner).join(" "));
		run = [];
	};
	for (const q of quotes) {
		const prev = run.at(-1);
		if (prev && /^[\s,;:.—–-]*$/.test(text.slice(prev.end, q.start))) run.push(q);
		else {
			flush();
			run = [q];
		}
	}
	flush();
	return out;
}

const FILLERS = /\b(?:um+|uh+|uhm+|erm+|er|ah+|hmm+|mm+|mhm|uh-huh)\b/g;

function normaliseQuoteText(text: string): string {
	return normaliseForMatch(text).replace(FILLERS, " ").replace(/\s+/g, " ").trim();
}

interface IndexedSegment {
	from: number;
	to: number;
	speaker?: string;
	time?: string;
}

export interface QuoteIndex {
	/** " " + normalised words + " ", segments joined with a space (a quote may run across two). */
	text: string;
	segments: IndexedSegment[];
}

export function buildQuoteIndex(source: string, kind: "transcript" | "summary", extra = ""): QuoteIndex {
	const parts: { text: string; speaker?: string; time?: string }[] = [];
	const lines = kind === "transcript" ? transcriptLinesOf(source) : [];
	if (lines.length > 0)
		for (const s of lines)
			parts.push({ text: s.text, ...(s.start === null ? {} : { time: timestamp(Math.floor(s.start)) }), ...(s.speaker ? { speaker: s.speaker } : {}) });
	else parts.push({ text: source });
	if (extra.trim() !== "") parts.push({ text: extra });
	let text = " ";
	const segments: IndexedSegment[] = [];
	for (const p of parts) {
		const norm = normaliseQuoteText(p.text);
		if (norm === "") continue;
		const from = text.length;
		text += `${norm} `;
		segments.push({ from, to: text.length, ...(p.speaker ? { speaker: p.speaker } : {}), ...(p.time ? { time: p.time } : {}) });
	}
	return { text, segments };
}

export interface QuoteCheck {
	found: boolean;
	/** Found, but only in lines labelled as the therapist's. */
	therapistOnly: boolean;
	/** Timestamps of the lines where it was found. */
	timestamps: string[];
}

const MAX_GAP = 300;

function segmentAt(index: QuoteIndex, offset: number): IndexedSegment | undefined {
	return index.segments.find((s) => offset >= s.from && offset < s.to);
}

function isTherapist(speaker: string | undefined): boolean {
	return isTherapistLabel(speaker);
}

export function checkQuote(inner: string, index: QuoteIndex): QuoteCheck {
	const pieces = inner
		.split(/\.\.\.|…|\[[^\]]*\]/)
		.map(normaliseQuoteText)
		.filter((p) => p !== "");
	if (pieces.length === 0) return { found: true, therapistOnly: false, timestamps: [] };
	const matches: number[] = [];
	const first = ` ${pieces[0]!} `;
	let from = 0;
	while (matches.length < 20) {
		const at = index.text.indexOf(first, from);
		if (at < 0) break;
		from = at + 1;
		let pos = at + first.length - 1;
		let ok = true;
		for (const piece of pieces.slice(1)) {
			const next = index.text.indexOf(` ${piece} `, pos);
			if (next < 0 || next - pos > MAX_GAP) {
				ok = false;
				break;
			}
			pos = next + piece.length + 1;
		}
		if (ok) matches.push(at + 1);
	}
	if (matches.length === 0) return { found: false, therapistOnly: false, timestamps: [] };
	const segs = matches.map((m) => segmentAt(index, m));
	const labelled = segs.some((s) => s?.speaker !== undefined);
	const therapistOnly = labelled && segs.every((s) => isTherapist(s?.speaker));
	const timestamps = [...new Set(segs.map((s) => s?.time).filter((t): t is string => t !== undefined))];
	return { found: true, therapistOnly, timestamps };
}
