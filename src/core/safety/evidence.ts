/**
 * Evidence for a model sentence: the moments of the input its words come from. A transcript's
 * moments are its timestamped lines ("12:04"); a summary's or a set of notes' are their lines
 * ("line 7"). The grounding check says whether a sentence's words are in the input at all; the
 * evidence says where, so the clinician checks a sentence against the session in one look, and it
 * catches a sentence built from words of unrelated moments ("her sister hit her" from "my sister"
 * at 02:10 and "it hit me" at 41:30): a sentence naming a person, a number or a name whose
 * critical word never stands near its other words is marked.
 */
import { buildSupportIndex, contentKeys, keySupported, type SupportIndex } from "../drafting/grounding";
import { transcriptLinesOf } from "../transcribe/forms";
import { timestamp } from "../transcribe/segments";

export interface InputMoment {
	/** "12:04" (a transcript line) or "line 7". */
	label: string;
	/** 1-based line of the input text it comes from. */
	line: number;
	index: SupportIndex;
}

export interface Evidence {
	/** The supporting moments, best first (at most three). */
	at: string[];
	/** Share of the sentence's content words found in those moments (0 to 1). */
	coverage: number;
	/** A critical word (person, number, name) that never stands near the sentence's other words. */
	stitched: string | null;
}

/** The input's moments: transcript lines with their timestamps, or non-empty lines. */
export function inputMoments(source: string, kind: "transcript" | "summary"): InputMoment[] {
	if (kind === "transcript") {
		const out: InputMoment[] = transcriptLinesOf(source).map((segment) => ({
			label: segment.start === null ? `line ${segment.line + 1}` : timestamp(Math.floor(segment.start)),
			line: segment.line + 1,
			index: buildSupportIndex(segment.text),
		}));
		if (out.length > 0) return out;
	}
	const out: InputMoment[] = [];
	source.split("\n").forEach((line, i) => {
		if (line.trim() !== "") out.push({ label: `line ${i + 1}`, line: i + 1, index: buildSupportIndex(line) });
	});
	return out;
}

/**
 * How many neighbouring moments count as "near" for the stitching rule: wide enough for a person
 * named once and spoken of as "her" for a few lines ("my mom" at 00:20, "her recipe box" at 02:13).
 */
const WINDOW = 10;

export function evidenceFor(sentence: string, moments: readonly InputMoment[]): Evidence {
	const keys = contentKeys(sentence);
	if (keys.length === 0 || moments.length === 0) return { at: [], coverage: 0, stitched: null };
	const supportedBy = keys.map((k) => moments.map((m, i) => (keySupported(k.key, m.index) ? i : -1)).filter((i) => i >= 0));
	// Greedy cover: the moment holding most of the words still uncovered, up to three.
	const uncovered = new Set(keys.map((_, i) => i).filter((i) => supportedBy[i]!.length > 0));
	const chosen: number[] = [];
	while (uncovered.size > 0 && chosen.length < 3) {
		const counts = new Map<number, number>();
		for (const k of uncovered) for (const m of supportedBy[k]!) counts.set(m, (counts.get(m) ?? 0) + 1);
		let best = -1;
		let bestCount = 0;
		for (const [m, c] of counts) if (c > bestCount || (c === bestCount && m < best)) [best, bestCount] = [m, c];
		if (best < 0) break;
		chosen.push(best);
		for (const k of [...uncovered]) if (supportedBy[k]!.includes(best)) uncovered.delete(k);
	}
	const covered = keys.filter((_, i) => supportedBy[i]!.some((m) => chosen.includes(m))).length;
	let stitched: string | null = null;
	const others = keys.map((_, i) => i).filter((i) => supportedBy[i]!.length > 0);
	for (const [i, k] of keys.entries()) {
		// Numbers are grounded strictly already; names and people are what an invented event turns on.
		if (!k.critical || k.key.startsWith("#") || supportedBy[i]!.length === 0 || others.length < 3) continue;
		const near = supportedBy[i]!.some((m) => others.some((j) => j !== i && supportedBy[j]!.some((n) => Math.abs(n - m) < WINDOW)));
		if (!near) {
			stitched = k.key.startsWith("#") ? k.key.slice(1) : k.key;
			break;
		}
	}
	return { at: chosen.map((m) => moments[m]!.label), coverage: covered / keys.length, stitched };
}
