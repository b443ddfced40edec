/**
 * The keyword index, on MiniSearch: BM25+ ranking, prefix matching for the word being typed,
 * fuzzy matching for long words, field boosts, and serialisation. Words go through the same
 * normaliser for indexing and querying (text.ts: lower case, stop words out, Porter stem).
 *
 * Documents are passages; only ids and the indexed fields live in MiniSearch (no stored fields):
 * the service keeps the passages and applies filters through a callback.
 */
import MiniSearch, { type Options, type SearchResult } from "minisearch";
import { indexTerm, words, type ParsedQuery } from "./text";
import type { Passage } from "./types";

const OPTIONS: Options<Passage> = {
	idField: "id",
	fields: ["text", "heading"],
	storeFields: [],
	tokenize: words,
	processTerm: (term) => indexTerm(term) ?? null,
	searchOptions: {
		boost: { heading: 0.6 },
		combineWith: "OR",
	},
};

export interface KeywordHit {
	id: number;
	score: number;
	/** The index terms that matched (stems), for highlighting. */
	terms: string[];
}

export class KeywordIndex {
	private mini: MiniSearch<Passage>;

	private constructor(mini: MiniSearch<Passage>) {
		this.mini = mini;
	}

	static empty(): KeywordIndex {
		return new KeywordIndex(new MiniSearch<Passage>(OPTIONS));
	}

	static fromJSON(json: string): KeywordIndex {
		return new KeywordIndex(MiniSearch.loadJSON<Passage>(json, OPTIONS));
	}

	toJSON(): string {
		return JSON.stringify(this.mini);
	}

	get size(): number {
		return this.mini.documentCount;
	}

	add(passage: Passage): void {
		this.mini.add(passage);
	}

	/** Drops a passage (MiniSearch marks it discarded; its terms stay until compact()). */
	remove(id: number): void {
		if (this.mini.has(id)) this.mini.discard(id);
	}

	/**
	 * Removes the terms and postings of discarded passages (MiniSearch's vacuum). Run before the
	 * index is saved: the words of an erased or deleted file must not survive in the saved index.
	 */
	async compact(): Promise<void> {
		if (this.mini.dirtCount > 0) await this.mini.vacuum({ batchSize: 10_000, batchWait: 0 });
	}

	/**
	 * BM25 ranking of the query's words. Passages with every word come first (AND); when they are
	 * fewer than `wanted` (and the query has no phrase, which needs all its words anyway), passages
	 * with only some of the words follow, by BM25 (OR). AND first is both what a clinician expects
	 * from several words and much cheaper to rank on a large record than OR over common words.
	 * The last word also matches as a prefix (3+ letters: search as you type). Typos are tried only
	 * when the exact words find nothing: fuzzy matching walks the whole term tree for every word,
	 * which on a 5,000-session record costs more than the search itself. `accept` filters by id
	 * (client, dates, kinds).
	 */
	search(query: ParsedQuery, accept: (id: number) => boolean, wanted: number): KeywordHit[] {
		if (query.words.length === 0) return [];
		const text = query.words.join(" ");
		const base = {
			prefix: (term: string, i: number, terms: string[]) => i === terms.length - 1 && term.length >= 3,
			weights: { prefix: 0.5, fuzzy: 0.3 },
			filter: (r: SearchResult) => accept(r.id as number),
		};
		const run = (fuzzy: boolean): SearchResult[] => {
			const options = fuzzy ? { ...base, fuzzy: (term: string) => (term.length >= 6 ? 0.2 : false), maxFuzzy: 2 } : base;
			const all: SearchResult[] = this.mini.search(text, { ...options, combineWith: "AND" });
			if (all.length < wanted && query.phrases.length === 0 && query.words.length > 1) {
				const seen = new Set(all.map((r) => r.id as number));
				for (const r of this.mini.search(text, { ...options, combineWith: "OR" })) if (!seen.has(r.id as number)) all.push(r);
			}
			return all;
		};
		let all = run(false);
		if (all.length === 0) all = run(true);
		return all.map((r) => ({ id: r.id as number, score: r.score, terms: r.terms }));
	}

	clear(): void {
		this.mini.removeAll();
	}
}
