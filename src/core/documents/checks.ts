/**
 * Checks run in code on what the model wrote for a document, whatever the prompt said:
 *
 * - cited dates: a date in the model's text ("[2026-06-23]" or bare) must be a session the model
 *   was given, i.e. a note inside the document's range; any other date gets a review marker (the
 *   same idea as the brief's summary, which only accepts dates of the sessions it summarised);
 * (The client's name is taken out of everything sent to the model by the model boundary,
 * src/core/llm/boundary.ts.)
 */

const DATE = /\b(\d{4}-\d{2}-\d{2})\b/g;

/**
 * The dates in a sentence that are not one of `sessions`. `alsoAllowed` are dates the model was
 * given otherwise (a plan's target dates, dates in the clinician's own text): accepted bare, but a
 * bracketed citation must be a session.
 */
export function uncitedDates(text: string, sessions: ReadonlySet<string>, alsoAllowed: ReadonlySet<string>): string[] {
	const bad: string[] = [];
	for (const m of text.matchAll(/\[(\d{4}-\d{2}-\d{2})\]|\b(\d{4}-\d{2}-\d{2})\b/g)) {
		const date = (m[1] ?? m[2])!;
		if (sessions.has(date) || (m[2] !== undefined && alsoAllowed.has(date))) continue;
		if (!bad.includes(date)) bad.push(date);
	}
	return bad;
}

/** Every YYYY-MM-DD in a text. */
export function datesIn(text: string): Set<string> {
	return new Set([...text.matchAll(DATE)].map((m) => m[1]!));
}
