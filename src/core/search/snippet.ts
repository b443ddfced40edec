/** Marking the highlighted ranges of a snippet (no dependencies: the CLI loads it at start-up). */
/** A snippet with its highlights wrapped in `open`/`close` (for plain-text output). */
export function markSnippet(text: string, highlights: readonly (readonly [number, number])[], open: string, close: string): string {
	let out = "";
	let at = 0;
	for (const [s, e] of highlights) {
		out += text.slice(at, s) + open + text.slice(s, e) + close;
		at = e;
	}
	return out + text.slice(at);
}
