/**
 * The review marker: `==[review: <short reason>]==`, placed right after the sentence it concerns
 * (Obsidian renders ==…== highlighted). "Sign note" refuses while any remain; "Copy for EHR" strips
 * them. Kept apart from the safeguards so the signer and the copier need nothing else.
 */

/** Matches one marker; group 1 is the reason. Global: use with matchAll or reset lastIndex. Tolerant of case and spacing, so hand-edited markers still count. */
export const REVIEW_MARKER = /==\[review:\s*([^\]\n]*?)\s*\]==/gi;

/** Builds a marker; the reason is cleaned so it cannot break the marker (no brackets, "==", newlines). */
export function reviewMarker(reason: string): string {
	const clean = reason
		.replace(/[[\]\n\r]+/g, " ")
		.replace(/=+/g, "-")
		.replace(/\s+/g, " ")
		.trim();
	return `==[review: ${clean === "" ? "check" : clean}]==`;
}

export interface FoundMarker {
	/** The marker as written. */
	marker: string;
	reason: string;
	/** Offset in the text. */
	index: number;
	/** 1-based line number. */
	line: number;
}

export function findReviewMarkers(text: string): FoundMarker[] {
	const out: FoundMarker[] = [];
	for (const m of text.matchAll(new RegExp(REVIEW_MARKER.source, "gi"))) {
		out.push({ marker: m[0], reason: m[1] ?? "", index: m.index, line: text.slice(0, m.index).split("\n").length });
	}
	return out;
}

/**
 * The text without markers (for "Copy for EHR"): each marker and the space before it go; a list
 * item or quote line left with nothing but its bullet (a removed sentence) goes too.
 */
export function stripReviewMarkers(text: string): string {
	const re = new RegExp(REVIEW_MARKER.source, "gi");
	const out: string[] = [];
	for (const line of text.split("\n")) {
		let stripped = "";
		let last = 0;
		for (const m of line.matchAll(re)) {
			const before = line.slice(last, m.index);
			const atStart = /^\s*(?:>\s*)*(?:[-*+]\s+|\d+[.)]\s+)?$/.test(stripped + before);
			stripped += atStart ? before : before.replace(/[ \t]+$/, "");
			last = m.index + m[0].length;
			if (atStart) while (last < line.length && (line[last] === " " || line[last] === "\t")) last++;
		}
		if (last === 0) {
			out.push(line);
			continue;
		}
		stripped += line.slice(last);
		if (/^\s*(?:>\s*)*(?:[-*+]|\d+[.)])?\s*$/.test(stripped)) continue;
		out.push(stripped);
	}
	return out.join("\n");
}
