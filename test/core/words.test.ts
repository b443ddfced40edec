/**
 * The floor's one definition of a word (src/core/text/words.ts wordSpans), and the three readers on
 * it: search's index (tokens, words), the privacy check's name matching (words on folded text) and
 * the drafting safeguards (tokenise). They differ only where they say they do: the safeguards keep
 * contractions whole, the privacy check folds accents and case first. What search sees is pinned
 * to literal words: it is what every stored index holds.
 */
import { describe, expect, it } from "vitest";
import { words as nameWords } from "../../src/core/privacy/names";
import { words as searchWords } from "../../src/core/search/text";
import { tokenise, wordSpans } from "../../src/core/text/words";

const WORDS = ["Client", "s", "GAD", "7", "was", "14", "down", "from", "18", "she", "didn", "t", "sleep", "José", "said", "東京で会った", "Ünïcödé"];
const TEXT = "Client's GAD-7 was 14 (down from 18); she didn't sleep — “José” said. 東京で会った。 Ünïcödé!";

describe("words", () => {
	it("are runs of letters and digits in any script, with offsets into the text as written", () => {
		const spans = wordSpans(TEXT);
		expect(spans.map((s) => s.word)).toEqual(WORDS);
		for (const s of spans) expect(TEXT.slice(s.start, s.end)).toBe(s.word);
	});

	it("keep contractions and possessives whole when asked (the safeguards' reading)", () => {
		expect(wordSpans("Client's mother didn’t call; they'd planned it.", { contractions: true }).map((s) => s.word)).toEqual([
			"Client's",
			"mother",
			"didn’t",
			"call",
			"they'd",
			"planned",
			"it",
		]);
		// A quote mark is not a contraction: 'hello' is one word either way.
		expect(wordSpans("she said 'hello'", { contractions: true }).map((s) => s.word)).toEqual(["she", "said", "hello"]);
	});

	it("are the same words for search, the privacy check and the safeguards, apart from what each says it does", () => {
		// Pinned, not derived: these are the words search's stored index holds.
		expect(searchWords(TEXT)).toEqual(WORDS);
		expect(wordSpans("GAD-7, didn't")).toEqual([
			{ word: "GAD", start: 0, end: 3 },
			{ word: "7", start: 4, end: 5 },
			{ word: "didn", start: 7, end: 11 },
			{ word: "t", start: 12, end: 13 },
		]);
		// Combining marks separate words, as they always have: a decomposed é, and Devanagari's vowel signs.
		expect(searchWords("Jose\u0301 नमस्ते")).toEqual(["Jose", "नमस", "त"]);
		// The privacy check folds accents and case first, then reads the same words.
		expect(nameWords("José DE LA Cruz-Ünïcödé, didn't")).toEqual(["jose", "de", "la", "cruz", "unicode", "didn", "t"]);
		// The safeguards join contractions, then drop possessive and negative endings ("Client's" is "Client", "didn't" is "did").
		expect(tokenise(TEXT).map((t) => t.raw)).toEqual([
			"Client",
			"GAD",
			"7",
			"was",
			"14",
			"down",
			"from",
			"18",
			"she",
			"did",
			"sleep",
			"José",
			"said",
			"東京で会った",
			"Ünïcödé",
		]);
	});
});
