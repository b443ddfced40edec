/**
 * Checks run in code on what the model wrote for a document, whatever the prompt said:
 *
 * - cited dates: a date in the model's text ("[2026-06-23]" or bare) must be a session the model
 *   was given, i.e. a note inside the document's range; any other date gets a review marker (the
 *   same idea as the brief's summary, which only accepts dates of the sessions it summarised);
 * - the name: the client's name (from the profile) is taken out of everything sent to the model,
 *   so a name typed into a note or into the clinician's text never reaches it.
 */
import { reviewMarker, type SafeguardFlag } from "../drafting/safeguards";

const DATE = /\b(\d{4}-\d{2}-\d{2})\b/g;

/**
 * Marks every date that is not one of `sessions`. `alsoAllowed` are dates the model was given
 * otherwise (a plan's target dates, dates in the clinician's own text): accepted bare, but a
 * bracketed citation must be a session. Returns the text and a flag per marked date.
 */
export function checkCitedDates(text: string, sessions: ReadonlySet<string>, alsoAllowed: ReadonlySet<string>, range: string): { text: string; flags: SafeguardFlag[] } {
	const flags: SafeguardFlag[] = [];
	const out = text.replace(/\[(\d{4}-\d{2}-\d{2})\]|\b(\d{4}-\d{2}-\d{2})\b/g, (whole, cited: string | undefined, bare: string | undefined) => {
		const date = (cited ?? bare)!;
		if (sessions.has(date) || (bare !== undefined && alsoAllowed.has(date))) return whole;
		const reason = `no session on ${date} in the notes for ${range}`;
		flags.push({ kind: "unsupported", excerpt: whole, reason: `Date ${date} is not a session in this document's range (${range}): check it.` });
		return `${whole} ${reviewMarker(reason)}`;
	});
	return { text: out, flags };
}

/** Every YYYY-MM-DD in a text. */
export function datesIn(text: string): Set<string> {
	return new Set([...text.matchAll(DATE)].map((m) => m[1]!));
}

function escapeRegExp(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * A function that replaces the client's name in a text by "the client": the whole name (any case),
 * then each of its words of three or more letters as written with a capital (so "Robin" goes, the
 * word "robin" in a sentence about birds stays).
 */
export function nameRedactor(name: string): (text: string) => string {
	const full = name.trim();
	const words = full.split(/\s+/).filter((w) => /^\p{L}{3,}$/u.test(w));
	// No lookbehind (older Safari/Electron builds): the character before the name is captured and put back.
	const patterns: RegExp[] = [];
	if (full !== "") patterns.push(new RegExp(`(^|[^\\p{L}\\p{N}])${escapeRegExp(full).replace(/\s+/g, "\\s+")}(?![\\p{L}\\p{N}])`, "giu"));
	for (const w of words) {
		const capital = w[0]!.toUpperCase() + w.slice(1);
		patterns.push(new RegExp(`(^|[^\\p{L}\\p{N}])(?:${escapeRegExp(capital)}|${escapeRegExp(capital.toUpperCase())})(?:'s)?(?![\\p{L}\\p{N}])`, "gu"));
	}
	return (text) => patterns.reduce((t, p) => t.replace(p, "$1the client"), text);
}
