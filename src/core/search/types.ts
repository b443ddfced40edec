/**
 * Search over the decrypted record: the shapes the plugin, the CLI and the pre-session brief use,
 * and `SearchIndex`, the one small interface they call (implemented by SearchService).
 */
import type { LlmClient } from "../llm/LlmClient";

/** What a passage comes from. Client profiles, audio, attachments and proposals are never indexed. */
export type PassageKind = "note" | "transcript" | "summary" | "parts-map" | "plan";
export const PASSAGE_KINDS: readonly PassageKind[] = ["note", "transcript", "summary", "parts-map", "plan"];

/** One searchable piece of a record file: a note section/paragraph group, or a window of transcript lines. */
export interface Passage {
	/** Numeric id, unique within the index (never reused while the index lives). */
	id: number;
	recordPath: string;
	/** The nearest heading above the passage ("" when none; a transcript window has none). */
	heading: string;
	/** Transcript windows: the first line's time in seconds. Null for notes and pages. */
	timestamp: number | null;
	/** 1-based line in the file (frontmatter included) where the passage starts. */
	line: number;
	text: string;
}

/** What the index knows about one record file. */
export interface IndexedFile {
	recordPath: string;
	client: string;
	kind: PassageKind;
	/** The session date (frontmatter session_date, else a date in the file name), or null. */
	date: string | null;
	/** Frontmatter session_number, or null. */
	sessionNumber: number | null;
	/** Psychotherapy notes (note_type: psychotherapy) are left out of results unless asked for. */
	psychotherapy: boolean;
	/** Size and the key block's IV of the encrypted file: changes on every write (see SearchService). */
	fingerprint: string;
	passageIds: number[];
}

export interface SearchOptions {
	/** Only this client (a client code). Unknown codes are a not-found error. */
	client?: string;
	/** Inclusive date range, YYYY-MM-DD. Passages without a date are left out when either is set. */
	from?: string;
	to?: string;
	kinds?: readonly PassageKind[];
	/** Default 20, at most 200. */
	limit?: number;
	/** Include psychotherapy notes (left out by default). */
	includePsychotherapy?: boolean;
	/** For hybrid search: the engine that embeds the query. Without it the search is keyword only. */
	llm?: LlmClient;
	/** Embedding model (the one the index was embedded with; default the index's). */
	model?: string;
	/** The query's embedding, already computed (the bench; a caller that embeds itself). Used instead of `llm`. */
	queryVector?: readonly number[];
	signal?: AbortSignal;
}

export interface SearchHit {
	recordPath: string;
	client: string;
	kind: PassageKind;
	date: string | null;
	/** The session number: the note's own, or the one of the same client's note of that date. */
	sessionNumber: number | null;
	heading: string;
	/** Seconds into the recording (transcripts): where opening the hit should jump. */
	timestamp: number | null;
	/** 1-based line in the file where the passage starts. */
	line: number;
	snippet: string;
	/** [start, end) ranges inside `snippet` to highlight. */
	highlights: [number, number][];
	/** Ranking score: BM25 in keyword mode, reciprocal-rank fusion in hybrid mode (higher is better). */
	score: number;
	passageId: number;
}

export interface SearchResponse {
	mode: "hybrid" | "keyword";
	/** Why the search was keyword only (shown to the clinician), when it was. */
	reason?: string;
	hits: SearchHit[];
	tookMs: number;
}

export interface OpenReport {
	/** The saved index was loaded (false: built from the record). */
	loaded: boolean;
	/** Set when a saved index existed but could not be used, with the reason (it was rebuilt from the record). */
	rebuilt?: { reason: string };
	added: number;
	changed: number;
	removed: number;
	/** Files that could not be read (damaged); left out of the index, named here. */
	unreadable: string[];
	/** Files indexed by this open that gave no passage (no text in them). */
	empty: string[];
	files: number;
	passages: number;
	tookMs: number;
}

export interface EmbedProgress {
	done: number;
	total: number;
}

export interface EmbedOptions {
	llm: LlmClient;
	/** e.g. "nomic-embed-text". Changing the model drops the vectors of the previous one. */
	model: string;
	/** Passages per request (default 16): small, so a request is short and cancelling is quick. */
	batchSize?: number;
	signal?: AbortSignal;
	onProgress?: (progress: EmbedProgress) => void;
	/** Save progress after this many batches (default 8) and at the end, on cancel and on error. */
	saveEvery?: number;
}

export interface EmbedResult {
	embedded: number;
	/** Passages still without a vector. */
	pending: number;
}

export interface SearchStatus {
	open: boolean;
	files: number;
	passages: number;
	embedded: number;
	model: string | null;
	/** Changes not saved yet. */
	dirty: boolean;
}

/**
 * What the plugin, the CLI and the brief call. Open at unlock, update/remove on every save, close
 * on lock; every call while locked or closed throws LockedError.
 */
export interface SearchIndex {
	open(): Promise<OpenReport>;
	search(query: string, options?: SearchOptions): Promise<SearchResponse>;
	/** Re-indexes one record file (or drops it when it no longer exists). True when it is indexable. */
	update(recordPath: string): Promise<boolean>;
	remove(recordPath: string): Promise<void>;
	embedPending(options: EmbedOptions): Promise<EmbedResult>;
	save(): Promise<void>;
	status(): SearchStatus;
	close(): void;
}
