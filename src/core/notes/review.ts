/**
 * The review of a drafted note or document, sentence by sentence: each sentence of its current
 * text with the input moments that support it (timestamps of its transcript, lines of the summary
 * it was drafted from) and the review markers that follow it. Computed from the note as it is now,
 * so a clinician's edits are reviewed as they stand; used by the plugin's review list and the CLI's
 * `review` command.
 */
import type { ClinicalRecord } from "../record/ClinicalRecord";
import { splitFrontmatter } from "../markdown/frontmatter";
import { findReviewMarkers } from "../drafting/markers";
import { splitSentences } from "../text/words";
import { evidenceFor, inputMoments } from "../safety/evidence";
import { plainFromInert } from "../safety/inert";

export interface ReviewedSentence {
	section: string;
	/** 1-based line of the note body. */
	line: number;
	sentence: string;
	/** Input moments that support it ("12:04", "line 7"); empty: none found. */
	evidence: string[];
	/** Reasons of the review markers that follow it. */
	markers: string[];
}

export interface NoteReview {
	path: string;
	/** The input it was drafted from, when the note names one. */
	source: string | null;
	sentences: ReviewedSentence[];
	/** Sentences with no supporting moment (the clinician checks these first). */
	unsupported: number;
}

const SKIP_LINE = /^\s*(?:>|```|~~~|\||<!--|%%|---\s*$)/;

/** The review of one note's text against its input (plain text of a transcript or summary). */
export function reviewText(path: string, noteText: string, source: { text: string; kind: "transcript" | "summary"; path: string } | null): NoteReview {
	const { body } = splitFrontmatter(noteText, path);
	const moments = source ? inputMoments(source.text, source.kind) : [];
	const sentences: ReviewedSentence[] = [];
	let section = "";
	let fence = false;
	body.split("\n").forEach((raw, i) => {
		if (/^\s*(```|~~~)/.test(raw)) fence = !fence;
		if (fence) return;
		const heading = /^#{1,6}\s+(.*)$/.exec(raw);
		if (heading) {
			section = heading[1]!.trim();
			return;
		}
		if (raw.trim() === "" || SKIP_LINE.test(raw) || /risk|safety/i.test(section)) return;
		const line = raw.replace(/^\s*(?:[-*+]\s+|\d+[.)]\s+)/, "");
		// A marker follows the sentence it concerns: attach each to the sentence before it.
		const pieces = splitSentences(line);
		for (const p of pieces) {
			const markers = findReviewMarkers(p.text).map((m) => m.reason);
			const text = plainFromInert(p.text.replace(/==\[review:[^\]\n]*\]==/gi, "")).trim();
			if (text === "" || /^\[[^\]]*\]$/.test(text)) {
				if (markers.length > 0 && sentences.length > 0 && sentences.at(-1)!.line === i + 1) sentences.at(-1)!.markers.push(...markers);
				else if (markers.length > 0) sentences.push({ section, line: i + 1, sentence: "", evidence: [], markers });
				continue;
			}
			sentences.push({ section, line: i + 1, sentence: text, evidence: moments.length > 0 ? evidenceFor(text, moments).at : [], markers });
		}
	});
	return { path, source: source?.path ?? null, sentences, unsupported: sentences.filter((s) => s.sentence !== "" && s.evidence.length === 0).length };
}

/** The review of a note in the record: its input is the transcript or summary its frontmatter names. */
export async function reviewNote(record: ClinicalRecord, path: string, purpose: "open" | "internal" = "open"): Promise<NoteReview> {
	const text = await record.readText(path, purpose);
	const { data } = splitFrontmatter(text, path);
	const sourcePath =
		typeof data.source_transcript === "string" ? data.source_transcript : typeof data.source_summary === "string" ? data.source_summary : null;
	let source: { text: string; kind: "transcript" | "summary"; path: string } | null = null;
	if (sourcePath !== null && (await record.exists(sourcePath))) {
		source = {
			text: splitFrontmatter(await record.readText(sourcePath, "internal"), sourcePath).body,
			kind: typeof data.source_transcript === "string" ? "transcript" : "summary",
			path: sourcePath,
		};
	}
	return reviewText(path, text, source);
}

/** The review as text for a terminal: one line per sentence, its moments and its markers. */
export function renderReview(review: NoteReview): string {
	const out: string[] = [`${review.path}${review.source ? ` (drafted from ${review.source})` : " (no source input recorded: no evidence)"}`];
	let section: string | null = null;
	for (const s of review.sentences) {
		if (s.section !== section) {
			section = s.section;
			out.push("", `## ${section}`);
		}
		const at = s.evidence.length > 0 ? `[${s.evidence.join(", ")}]` : "[no support found]";
		out.push(`- ${s.sentence === "" ? "(taken out)" : s.sentence} ${review.source ? at : ""}`.trimEnd());
		for (const m of s.markers) out.push(`    review: ${m}`);
	}
	out.push(
		"",
		`${review.sentences.length} sentence(s); ${review.unsupported} without a supporting moment; ${review.sentences.reduce((n, s) => n + s.markers.length, 0)} review marker(s).`,
	);
	return `${out.join("\n")}\n`;
}
