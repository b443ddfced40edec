/** Small pieces both model clients (ollama.ts, openaiCompatible.ts) use to read answers and word failures. */

/** Text on one line, cut to `max` characters (a server's error in a message). */
export function oneLine(text: string, max = 200): string {
	const flat = text.replace(/\s+/g, " ").trim();
	return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** The most characters read of one answer, one streamed line or one event: a few KB is usual; more is a broken server. */
export const MAX_ANSWER_CHARS = 8 * 1024 * 1024;

export function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Carries an exception from the caller's own onToken past the translation into engine errors, unchanged. */
export class CallerError extends Error {
	constructor(readonly error: unknown) {
		super("onToken failed");
	}
}

/** " 30 s" or " 1.5 s" for a timeout in a message; "" when unknown. */
export function timeoutWords(ms: number | undefined): string {
	return ms === undefined ? "" : ` ${ms >= 10_000 ? Math.round(ms / 1000) : Math.round(ms / 100) / 10} s`;
}
