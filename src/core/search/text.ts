/**
 * Words for search: tokenising (the floor's wordSpans, src/core/text/words.ts), the term normaliser
 * shared by indexing and querying (lower case, English stop words dropped, Porter stem), query
 * parsing (quoted phrases), phrase adjacency and highlighted snippets. Pure; used by the keyword
 * index and the service.
 *
 * Stemming is English (Porter, through the `stemmer` package): clinical notes here are written in
 * English. A word in another language is lower-cased and mostly passes through unchanged, which
 * still matches itself exactly.
 */
import { stemmer } from "stemmer";
import { wordSpans } from "../text/words";

/**
 * Common English words that carry no meaning for search. Dropped from the keyword index and from
 * keyword queries (so "relationship with dad" does not match every passage with "with"); they are
 * kept for phrase adjacency and for the semantic query, which reads the whole sentence.
 */
const STOP_WORDS: ReadonlySet<string> = new Set(
	(
		"a about above after again against all am an and any are as at be because been before being below between both but by can could did do does doing down during each few " +
		"for from further had has have having he her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only " +
		"or other our ours ourselves out over own same she should so some such than that the their theirs them themselves then there these they this those through to too under until " +
		"up very was we were what when where which while who whom why will with would you your yours yourself yourselves m s t d ll re ve"
	).split(" "),
);

/** The words of a text, as written (for MiniSearch's tokenize option). */
export function words(text: string): string[] {
	return wordSpans(text).map((t) => t.word);
}

/** Lower case and stem, stop words included (for phrase adjacency). */
export function stemOf(word: string): string {
	return stemmer(word.toLowerCase());
}

/** The index term for a word, or null for a stop word (MiniSearch's processTerm, indexing and queries alike). */
export function indexTerm(word: string): string | null {
	const lower = word.toLowerCase();
	if (STOP_WORDS.has(lower)) return null;
	return stemmer(lower);
}

export interface ParsedQuery {
	/** The query as typed, trimmed. */
	text: string;
	/** Every word outside and inside quotes (what the keyword index is asked for). */
	words: string[];
	/** Quoted phrases as stem sequences (stop words kept): each must appear, adjacent, in a hit. */
	phrases: string[][];
}

/**
 * Splits a query into words and "quoted phrases". An unbalanced quote is read as if it were
 * closed at the end. Returns the words in order (phrase words included).
 */
export function parseQuery(query: string): ParsedQuery {
	const text = query.trim();
	const phrases: string[][] = [];
	const all: string[] = [];
	const parts = text.split('"');
	parts.forEach((part, i) => {
		const w = words(part);
		all.push(...w);
		if (i % 2 === 1 && w.length > 1) phrases.push(w.map(stemOf));
	});
	return { text, words: all, phrases };
}

/** True when every phrase appears in `text` as adjacent words (compared by stem). */
export function hasPhrases(text: string, phrases: readonly string[][]): boolean {
	if (phrases.length === 0) return true;
	const stems = wordSpans(text).map((t) => stemOf(t.word));
	return phrases.every((phrase) => findSequence(stems, phrase) !== -1);
}

function findSequence(stems: readonly string[], phrase: readonly string[]): number {
	outer: for (let i = 0; i + phrase.length <= stems.length; i++) {
		for (let j = 0; j < phrase.length; j++) if (stems[i + j] !== phrase[j]) continue outer;
		return i;
	}
	return -1;
}

export interface Snippet {
	/** A piece of the passage, on one line, with "…" where it was cut. */
	text: string;
	/** [start, end) character ranges of the matched words inside `text`. */
	highlights: [number, number][];
}

const SNIPPET_LENGTH = 220;

/**
 * A one-line excerpt of `text` around its first matched word, with the matched words' ranges.
 * A word matches when its index term is in `terms` (what the keyword index matched) or it is part
 * of one of the phrases. Without a match the excerpt is the passage's beginning.
 */
export function makeSnippet(text: string, terms: ReadonlySet<string>, phrases: readonly string[][] = []): Snippet {
	const toks = wordSpans(text);
	const hit = new Array<boolean>(toks.length).fill(false);
	toks.forEach((t, i) => {
		const term = indexTerm(t.word);
		if (term !== null && terms.has(term)) hit[i] = true;
	});
	if (phrases.length > 0) {
		const stems = toks.map((t) => stemOf(t.word));
		for (const phrase of phrases) {
			for (let i = 0; i + phrase.length <= stems.length; i++) {
				if (phrase.every((p, j) => stems[i + j] === p)) for (let j = 0; j < phrase.length; j++) hit[i + j] = true;
			}
		}
	}
	const first = hit.indexOf(true);
	let start = 0;
	if (first !== -1 && toks[first]!.start > 60) {
		// Start at a word a little before the first match.
		const target = toks[first]!.start - 60;
		start = toks.find((t) => t.start >= target)?.start ?? toks[first]!.start;
	}
	let end = Math.min(text.length, start + SNIPPET_LENGTH);
	if (end < text.length) {
		const lastWord = toks.filter((t) => t.end <= end).pop();
		if (lastWord && lastWord.end > start) end = lastWord.end;
	}
	const prefix = start > 0 ? "…" : "";
	const suffix = end < text.length ? "…" : "";
	const body = text.slice(start, end).replace(/\s/g, " ");
	const highlights: [number, number][] = [];
	toks.forEach((t, i) => {
		if (hit[i] && t.start >= start && t.end <= end) highlights.push([t.start - start + prefix.length, t.end - start + prefix.length]);
	});
	return { text: `${prefix}${body}${suffix}`, highlights };
}

export { markSnippet } from "./snippet";
