/**
 * Finding a client's name in a vault path ("Notes/Maria Gonzalez intake.md").
 *
 * Matching is on words, not substrings: a path and a name are both cut into runs of letters and
 * digits after lower-casing and removing accents (so "José" matches "jose", "O'Brien" is "o brien",
 * and "Ann" does not match "Annual"). Then:
 *  - the whole name, its words in order ("maria_gonzalez", "Maria-Gonzalez"), in reverse for two
 *    words ("Gonzalez, Maria"), or run together ("MariaGonzalez") is a "full" match;
 *  - a single word of the name that is at least 3 letters long and not an everyday word or a very
 *    common name-word (Will, Rose, May, Brown, …) is a "part" match: it may be the client, and it
 *    may be a coincidence, so it is reported with less weight.
 * Initials and one- or two-letter words are never matched alone: they would flag half the vault.
 */
import { wordSpans } from "../text/words";

export type NameMatch = "full" | "part";

/** Words that are names too often to mean anything on their own in a path. Lower case, no accents. */
const COMMON_WORDS = new Set([
	"will",
	"may",
	"rose",
	"mark",
	"grace",
	"hope",
	"joy",
	"june",
	"april",
	"august",
	"dawn",
	"bill",
	"frank",
	"art",
	"jack",
	"young",
	"long",
	"brown",
	"white",
	"green",
	"black",
	"gray",
	"grey",
	"king",
	"hill",
	"wood",
	"stone",
	"day",
	"rich",
	"ray",
	"guy",
	"sky",
	"summer",
	"autumn",
	"faith",
	"amber",
	"ruby",
	"olive",
	"ivy",
	"lily",
	"iris",
	"pearl",
	"major",
	"bishop",
	"page",
	"cook",
	"baker",
	"rice",
	"hunter",
	"lane",
	"miles",
	"chase",
	"price",
	"sage",
	"storm",
	"hall",
	"bell",
	"park",
	"moss",
	"fox",
	"wolf",
	"lake",
	"field",
	"new",
	"note",
	"notes",
	"the",
	"and",
	"for",
	"mrs",
	"miss",
	"mr",
	"dr",
	"prof",
	"jr",
	"sr",
	"von",
	"van",
	"der",
	"den",
	"del",
	"della",
	"les",
	"session",
	"client",
]);

export function normalizeText(text: string): string {
	return text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}

export function words(text: string): string[] {
	return wordSpans(normalizeText(text)).map((t) => t.word);
}

export interface NameMatcher {
	/** Which client (by code), for the finding. */
	code: string;
	match(path: string): NameMatch | null;
}

function containsRun(haystack: readonly string[], needle: readonly string[]): boolean {
	if (needle.length === 0 || needle.length > haystack.length) return false;
	for (let i = 0; i + needle.length <= haystack.length; i++) {
		if (needle.every((w, j) => haystack[i + j] === w)) return true;
	}
	return false;
}

/** A matcher for one client's name; null when the name has nothing that can be matched safely. */
export function nameMatcher(code: string, name: string): NameMatcher | null {
	const all = words(name);
	const significant = all.filter((w) => w.length >= 2);
	if (significant.length === 0) return null;
	const parts = significant.filter((w) => w.length >= 3 && /^\p{L}+$/u.test(w) && !COMMON_WORDS.has(w));
	const joined = significant.join("");
	const fullUsable = significant.length >= 2 || (significant[0]!.length >= 3 && !COMMON_WORDS.has(significant[0]!));
	return {
		code,
		match(path: string): NameMatch | null {
			const found = words(path);
			if (fullUsable) {
				if (containsRun(found, significant)) return "full";
				if (significant.length === 2 && containsRun(found, [significant[1]!, significant[0]!])) return "full";
				if (significant.length >= 2 && found.includes(joined)) return "full";
			}
			return parts.some((p) => found.includes(p)) ? "part" : null;
		},
	};
}
