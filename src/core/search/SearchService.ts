/**
 * Search over the clinical record: a keyword index (MiniSearch, BM25) and passage embeddings
 * (from the local embedding model), fused by reciprocal rank. The plugin and the CLI use it
 * through the SearchIndex interface.
 *
 * Lifecycle. `open()` at unlock loads the encrypted index (`<root>/_vault/search-index.cvault`)
 * and brings it in line with the record: files added, changed or removed since it was saved are
 * re-indexed, the rest is kept. An index that cannot be decrypted or parsed is rebuilt from the
 * record and the report says why (`rebuilt.reason`). `update(path)`/`remove(path)` keep it current
 * after each save; `save()` writes it (encrypted); `close()` drops it from memory and runs on lock
 * by itself. Nothing of the index ever reaches the disk in plaintext.
 *
 * Change detection without decrypting: a file's fingerprint is its size and the IV of its key
 * block. Every write of a record file draws a fresh random IV, so a rewrite always changes the
 * fingerprint, even when the size stays the same; reading it needs the file's bytes but no key
 * and no decryption. The fingerprint is taken before the content is read, so a write racing
 * with indexing leaves an older fingerprint behind and the file is simply re-indexed next time.
 * A saved index that lags behind the record (the app closed before save) is therefore never
 * wrong for long: the next open re-indexes what changed.
 *
 * Not freezing the interface: building and embedding yield to the event loop (every ~12 ms of
 * work while indexing, between every batch while embedding). Embedding runs in small batches and
 * saves its progress every few batches and when it stops for any reason, so a job that was
 * cancelled, interrupted by lock or quit, or cut off by the engine going away resumes with the
 * passages still missing a vector. Keyword search never depends on the embedding engine.
 */
import { Cancelled, ClinicalVaultError, LockedError, isCancelled, toClinicalError } from "../errors";
import { toHex } from "../bytes";
import { readHeader } from "../crypto/fileformat";
import type { ClinicalRecord } from "../record/ClinicalRecord";
import { checkClientCode, checkRecordPath } from "../record/layout";
import { KeywordIndex, type KeywordHit } from "./keyword";
import { extractPassages, kindOf } from "./passages";
import { deserializeIndex, INDEX_FILE_NAME, serializeIndex } from "./persist";
import { hasPhrases, indexTerm, makeSnippet, parseQuery, type ParsedQuery } from "./text";
import {
	PASSAGE_KINDS,
	type EmbedOptions,
	type EmbedResult,
	type IndexedFile,
	type OpenReport,
	type Passage,
	type PassageKind,
	type SearchHit,
	type SearchIndex,
	type SearchOptions,
	type SearchResponse,
	type SearchStatus,
} from "./types";
import { VectorStore } from "./vectors";
import { identityOf, redactor } from "../safety/identity";

/** Reciprocal-rank fusion constant (the usual 60: ranks deep in one list still count a little). */
const RRF_K = 60;
/** How deep each ranking goes before fusion. */
const FUSION_DEPTH = 100;
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 200;
/** Characters of a passage sent to the embedding model (nomic-embed-text reads 2,048 tokens). */
const EMBED_CHARS = 2000;
const KEY_IV = 12;

interface State {
	files: Map<string, IndexedFile>;
	passages: Map<number, Passage>;
	keyword: KeywordIndex;
	vectors: VectorStore | null;
	model: string | null;
	nextId: number;
	/** Bumped by every change; `saved` is the version last written. */
	version: number;
	saved: number;
	/** client|date → session number of that day's note (rebuilt lazily after changes). */
	sessions: Map<string, number> | null;
}

export interface SearchServiceOptions {
	record: ClinicalRecord;
	/** Yields to the event loop (default: a MessageChannel round trip). Tests and the bench may pass their own. */
	yieldNow?: () => Promise<void>;
	/** Milliseconds of indexing work between yields (default 12). */
	sliceMs?: number;
}

/**
 * nomic-embed-text is trained with task prefixes ("search_document: " for what is searched,
 * "search_query: " for queries); without them its retrieval is markedly worse. Other models get
 * the text as it is.
 */
export function embeddingPrefixes(model: string): { document: string; query: string } {
	return model.startsWith("nomic-embed") ? { document: "search_document: ", query: "search_query: " } : { document: "", query: "" };
}

/**
 * Lets pending events run (input, painting, I/O callbacks) before more work: a message through a
 * MessageChannel is a macrotask in browsers (Obsidian) and in Node (the CLI) alike, without timer
 * clamping and without importing either environment's timers into the core.
 */
function defaultYield(): Promise<void> {
	return new Promise((resolve) => {
		const channel = new MessageChannel();
		channel.port1.onmessage = () => {
			channel.port1.close();
			resolve();
		};
		channel.port2.postMessage(null);
	});
}

function checkDate(value: string | undefined, flag: string): string | undefined {
	if (value === undefined) return undefined;
	if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
		throw new ClinicalVaultError("invalid-input", `"${value}" is not a date for ${flag}: use YYYY-MM-DD.`);
	}
	return value;
}

/** Clears an index's vectors (they came from another model); the passages stay and are embedded again. */
function wipeState(state: { vectors: VectorStore | null; version: number }): void {
	state.vectors?.wipe();
	state.vectors = null;
	state.version++;
}

export class SearchService implements SearchIndex {
	/** Files whose passages this index has shown (logged once as read). */
	private readonly logged = new Set<string>();
	private state: State | null = null;
	private queue: Promise<unknown> = Promise.resolve();
	private readonly record: ClinicalRecord;
	private readonly yieldNow: () => Promise<void>;
	private readonly sliceMs: number;
	private readonly unsubscribe: () => void;

	/** Each client's redaction (profile identifiers), read once while the record is open; cleared on close and when a profile changes. */
	private readonly redactors = new Map<string, (text: string) => string>();

	constructor(options: SearchServiceOptions) {
		this.record = options.record;
		this.yieldNow = options.yieldNow ?? defaultYield;
		this.sliceMs = options.sliceMs ?? 12;
		this.unsubscribe = this.record.onLockChange((unlocked) => {
			if (!unlocked) this.close();
		});
	}

	/** Stops following the record's lock changes and closes (when the service is thrown away). */
	dispose(): void {
		this.unsubscribe();
		this.close();
	}

	private exclusive<T>(task: () => Promise<T>): Promise<T> {
		const run = this.queue.then(task, task);
		this.queue = run.then(
			() => undefined,
			() => undefined,
		);
		return run;
	}

	private requireOpen(): State {
		if (!this.record.isUnlocked) throw new LockedError();
		if (!this.state) throw new ClinicalVaultError("refused", "The search index is not open yet. It opens when the record is unlocked.");
		return this.state;
	}

	/** Still the same open index (not closed or reopened since `state` was taken)? */
	private current(state: State): void {
		if (this.state !== state || !this.record.isUnlocked) throw new LockedError();
	}

	status(): SearchStatus {
		const s = this.state;
		if (!s) return { open: false, files: 0, passages: 0, embedded: 0, model: null, dirty: false };
		return { open: true, files: s.files.size, passages: s.passages.size, embedded: s.vectors?.size ?? 0, model: s.model, dirty: s.version !== s.saved };
	}

	open(): Promise<OpenReport> {
		if (!this.record.isUnlocked) return Promise.reject(new LockedError());
		return this.exclusive(async () => {
			const started = performance.now();
			let rebuilt: { reason: string } | undefined;
			let state: State | null = null;
			let bytes: Uint8Array | null = null;
			try {
				bytes = await this.record.readSystemFile(INDEX_FILE_NAME);
			} catch (error) {
				if (error instanceof LockedError) throw error;
				rebuilt = { reason: `the saved index could not be decrypted (${toClinicalError(error).detail || toClinicalError(error).message})` };
			}
			if (bytes) {
				try {
					const snap = deserializeIndex(bytes);
					const passages = new Map(snap.passages.map((p) => [p.id, p]));
					state = {
						files: new Map(snap.files.map((f) => [f.recordPath, f])),
						passages,
						keyword: KeywordIndex.fromJSON(snap.keywordJson),
						vectors: snap.vectors,
						model: snap.model,
						nextId: snap.nextId,
						version: 0,
						saved: 0,
						sessions: null,
					};
					if (state.keyword.size !== passages.size || [...state.files.values()].some((f) => f.passageIds.some((id) => !passages.has(id)))) {
						throw new Error("the keyword index and the passages disagree");
					}
				} catch (error) {
					state = null;
					rebuilt = { reason: `the saved index is damaged (${error instanceof Error ? error.message : String(error)})` };
				} finally {
					bytes.fill(0);
				}
			}
			const loaded = state !== null;
			state ??= {
				files: new Map(),
				passages: new Map(),
				keyword: KeywordIndex.empty(),
				vectors: null,
				model: null,
				nextId: 1,
				version: 0,
				saved: 0,
				sessions: null,
			};
			if (rebuilt) state.version++;

			const report = await this.sync(state);
			this.state = state;
			if (state.version !== state.saved) await this.saveState(state);
			return {
				loaded,
				...(rebuilt ? { rebuilt } : {}),
				...report,
				files: state.files.size,
				passages: state.passages.size,
				tookMs: performance.now() - started,
			};
		});
	}

	/** Brings `state` in line with the record listing (see the header on fingerprints). */
	private async sync(state: State): Promise<{ added: number; changed: number; removed: number; unreadable: string[]; empty: string[] }> {
		let added = 0;
		let changed = 0;
		let removed = 0;
		const unreadable: string[] = [];
		/** Files (re)indexed now that gave no passage: nothing searchable in them. */
		const empty: string[] = [];
		const listing = (await this.record.list()).filter((e) => kindOf(e.recordPath) !== null);
		const present = new Set(listing.map((e) => e.recordPath));
		for (const path of [...state.files.keys()]) {
			if (!present.has(path)) {
				this.drop(state, path);
				removed++;
			}
		}
		let slice = performance.now();
		for (const entry of listing) {
			if (!this.record.isUnlocked) throw new LockedError();
			const known = state.files.get(entry.recordPath);
			try {
				const fingerprint = await this.fingerprint(entry.recordPath);
				if (known?.fingerprint === fingerprint) continue;
				await this.indexFile(state, entry.recordPath, fingerprint);
				if (state.files.get(entry.recordPath)?.passageIds.length === 0) empty.push(entry.recordPath);
				if (known) changed++;
				else added++;
			} catch (error) {
				if (error instanceof LockedError) throw error;
				if (known) this.drop(state, entry.recordPath);
				unreadable.push(entry.recordPath);
			}
			if (performance.now() - slice > this.sliceMs) {
				await this.yieldNow();
				slice = performance.now();
			}
		}
		return { added, changed, removed, unreadable, empty };
	}

	/** Indexed files that gave no passage (no text in them): search finds nothing there, and says so. */
	filesWithoutPassages(): string[] {
		return [...(this.state?.files.values() ?? [])].filter((f) => f.passageIds.length === 0).map((f) => f.recordPath);
	}

	private async fingerprint(recordPath: string): Promise<string> {
		const bytes = await this.record.store.read(this.record.layout.storePath(recordPath));
		const { headerEnd } = readHeader(bytes, recordPath);
		return `${bytes.length}:${toHex(bytes.subarray(headerEnd, headerEnd + KEY_IV))}`;
	}

	private async indexFile(state: State, recordPath: string, fingerprint: string): Promise<void> {
		const kind = kindOf(recordPath)!;
		const text = await this.record.readText(recordPath, "internal");
		const extracted = extractPassages(recordPath, kind, text);
		this.drop(state, recordPath);
		const ids: number[] = [];
		for (const p of extracted.passages) {
			const passage: Passage = { id: state.nextId++, recordPath, ...p };
			state.passages.set(passage.id, passage);
			state.keyword.add(passage);
			ids.push(passage.id);
		}
		state.files.set(recordPath, {
			recordPath,
			client: extracted.client,
			kind,
			date: extracted.date,
			sessionNumber: extracted.sessionNumber,
			psychotherapy: extracted.psychotherapy,
			fingerprint,
			passageIds: ids,
		});
		state.version++;
		state.sessions = null;
	}

	private drop(state: State, recordPath: string): void {
		const file = state.files.get(recordPath);
		if (!file) return;
		for (const id of file.passageIds) {
			state.passages.delete(id);
			state.keyword.remove(id);
			state.vectors?.delete(id);
		}
		state.files.delete(recordPath);
		state.version++;
		state.sessions = null;
	}

	/** Re-indexes one record file after it was saved; drops it when it no longer exists. Not indexable paths return false. */
	async update(recordPath: string): Promise<boolean> {
		const path = checkRecordPath(recordPath);
		const state = this.requireOpen();
		// A profile changed (a new alias, a corrected name): its redaction is read again.
		if (path.endsWith("/profile.md")) this.redactors.delete(path.split("/")[0]!);
		if (kindOf(path) === null) return false;
		return this.exclusive(async () => {
			this.current(state);
			if (!(await this.record.exists(path))) {
				this.drop(state, path);
				return true;
			}
			await this.indexFile(state, path, await this.fingerprint(path));
			return true;
		});
	}

	/** Drops one record file from the index (after it was deleted). */
	async remove(recordPath: string): Promise<void> {
		const path = checkRecordPath(recordPath);
		const state = this.requireOpen();
		await this.exclusive(() => {
			this.current(state);
			this.drop(state, path);
			return Promise.resolve();
		});
	}

	/** Writes the index (encrypted) when it changed since the last save. */
	async save(): Promise<void> {
		const state = this.requireOpen();
		await this.exclusive(() => this.saveState(state));
	}

	private async saveState(state: State): Promise<void> {
		this.current(state);
		if (state.version === state.saved) return;
		const version = state.version;
		// Erased means erased: the words of removed passages leave the index before it is written.
		await state.keyword.compact();
		const bytes = serializeIndex({
			model: state.model,
			nextId: state.nextId,
			files: [...state.files.values()],
			passages: [...state.passages.values()],
			keywordJson: state.keyword.toJSON(),
			vectors: state.vectors,
		});
		try {
			await this.record.writeSystemFile(INDEX_FILE_NAME, bytes);
		} finally {
			bytes.fill(0);
		}
		state.saved = version;
	}

	/** Drops the index from memory (lock). Vectors are zeroed; strings are released to the collector. */
	close(): void {
		// The clients' identifiers go with the index (a profile read again at the next unlock).
		this.redactors.clear();
		const state = this.state;
		this.state = null;
		if (!state) return;
		state.vectors?.wipe();
		state.keyword.clear();
		state.passages.clear();
		state.files.clear();
	}

	/** Passages still without a vector for `model`. */
	private pendingIds(state: State): number[] {
		const out: number[] = [];
		for (const id of state.passages.keys()) if (!state.vectors?.has(id)) out.push(id);
		return out;
	}

	/**
	 * Embeds the passages that have no vector yet, in small batches, yielding between batches and
	 * saving progress (see the header). Throws Cancelled when `signal` fires, the engine's error
	 * when it fails, LockedError when the record locks; progress is kept in every case.
	 */
	/** The redaction of one client's identifiers (their profile), read once per embedding run. */
	private async redactorFor(client: string, cache: Map<string, (text: string) => string>): Promise<(text: string) => string> {
		let redact = cache.get(client);
		if (!redact) {
			try {
				redact = redactor(identityOf(await this.record.readProfile(client, "internal")));
			} catch (error) {
				// A folder without a readable profile has no name to take out (system files).
				if (!(error instanceof ClinicalVaultError) || error.code === "locked") throw error;
				redact = (text: string) => text;
			}
			cache.set(client, redact);
		}
		return redact;
	}

	async embedPending(options: EmbedOptions): Promise<EmbedResult> {
		const state = this.requireOpen();
		const model = options.model.trim();
		if (model === "") throw new ClinicalVaultError("invalid-input", "No embedding model is set.");
		const batchSize = Math.max(1, Math.min(256, options.batchSize ?? 16));
		const saveEvery = Math.max(1, options.saveEvery ?? 8);
		if (state.model !== model) {
			// Vectors from different models are not comparable: start over for the new one.
			state.vectors?.wipe();
			state.vectors = null;
			state.model = model;
			state.version++;
		}
		const prefix = embeddingPrefixes(model).document;
		const redactors = this.redactors;
		let pending = this.pendingIds(state);
		state.vectors?.reserve(state.vectors.size + pending.length);
		let total = pending.length;
		let done = 0;
		let batches = 0;
		/** Vectors this run has stored: a change of size before any is a new model (start over), after some a change in the middle of the run. */
		let stored = 0;
		let restarted = false;
		const keep = async () => {
			if (this.state === state && this.record.isUnlocked) await this.exclusive(() => this.saveState(state));
		};
		const wipeVectors = () => wipeState(state);
		try {
			for (let i = 0; i < pending.length; i += batchSize) {
				if (options.signal?.aborted) throw new Cancelled();
				this.current(state);
				const ids = pending.slice(i, i + batchSize).filter((id) => state.passages.has(id) && !state.vectors?.has(id));
				if (ids.length > 0) {
					// Through the model boundary: each passage without its client's name, aliases and details.
					const texts: string[] = [];
					for (const id of ids) {
						const p = state.passages.get(id)!;
						const redact = await this.redactorFor(p.recordPath.split("/")[0]!, redactors);
						texts.push(redact(`${prefix}${p.heading ? `${p.heading}\n` : ""}${p.text}`.slice(0, EMBED_CHARS)));
					}
					const vectors = await options.llm.embed(model, texts, options.signal);
					this.current(state);
					if (vectors.length !== ids.length)
						throw new ClinicalVaultError("engine", `The embedding model answered ${vectors.length} vectors for ${ids.length} passages.`);
					const sizes = new Set(vectors.map((v) => v.length));
					const size = vectors[0]?.length ?? 0;
					if (sizes.size > 1)
						throw new ClinicalVaultError(
							"engine",
							`The embedding model answered vectors of different sizes (${[...sizes].join(", ")}) in one batch. Nothing of that batch was kept.`,
						);
					if (state.vectors !== null && size !== state.vectors.dims) {
						// Vectors of two sizes never share the index: they come from different models
						// (another engine serving the same name, a model replaced on the server).
						const indexDims = state.vectors.dims;
						wipeVectors();
						if (stored > 0 || restarted) {
							await keep().catch(() => undefined);
							throw new ClinicalVaultError(
								"engine",
								`The embedding model's vectors changed size during embedding (${size}, before ${indexDims}): the server's model changed. The embeddings were cleared and are made again next time; keyword search still works.`,
							);
						}
						// Before this run stored anything: the model answering under this name is not the one
						// that embedded the index. Embed everything again with it.
						restarted = true;
						pending = this.pendingIds(state);
						total = pending.length;
						i = -batchSize;
						options.onProgress?.({ done: 0, total });
						continue;
					}
					ids.forEach((id, j) => {
						const v = vectors[j]!;
						if (!state.passages.has(id)) return;
						if (state.vectors === null) state.vectors = new VectorStore(v.length, pending.length);
						state.vectors.set(id, v);
						stored++;
					});
					state.version++;
				}
				done = Math.min(total, i + batchSize);
				options.onProgress?.({ done, total });
				batches++;
				if (batches % saveEvery === 0) await keep();
				await this.yieldNow();
			}
		} catch (error) {
			await keep().catch(() => undefined);
			if (isCancelled(error)) throw error instanceof Cancelled ? error : new Cancelled();
			throw error;
		}
		await keep();
		return { embedded: total, pending: this.pendingIds(state).length };
	}

	async search(query: string, options: SearchOptions = {}): Promise<SearchResponse> {
		const started = performance.now();
		const state = this.requireOpen();
		if (query.trim() === "") throw new ClinicalVaultError("invalid-input", "The search is empty: type a word or a phrase to look for.");
		const client = options.client === undefined ? undefined : checkClientCode(options.client.trim());
		if (
			client !== undefined &&
			!(await this.record.exists(this.record.layout.profilePath(client))) &&
			![...state.files.values()].some((f) => f.client === client)
		) {
			throw new ClinicalVaultError("not-found", `There is no client ${client} in this record.`);
		}
		const from = checkDate(options.from, "from");
		const to = checkDate(options.to, "to");
		if (from && to && from > to) throw new ClinicalVaultError("invalid-input", `The date range is empty: ${from} is after ${to}.`);
		for (const k of options.kinds ?? []) {
			if (!PASSAGE_KINDS.includes(k))
				throw new ClinicalVaultError("invalid-input", `"${k}" is not a kind of record text: use ${PASSAGE_KINDS.join(", ")}.`);
		}
		const kinds = options.kinds && options.kinds.length > 0 ? new Set<PassageKind>(options.kinds) : null;
		const limit = Math.max(1, Math.min(MAX_LIMIT, options.limit ?? DEFAULT_LIMIT));
		const parsed = parseQuery(query);

		// Filters are decided per file, once per search, then looked up per passage id: the vector scan
		// and the keyword filter call `accept` tens of thousands of times on a large record.
		const fileOk = (f: IndexedFile): boolean => {
			if (client !== undefined && f.client !== client) return false;
			if (kinds && !kinds.has(f.kind)) return false;
			if (f.psychotherapy && !options.includePsychotherapy) return false;
			if ((from || to) && (f.date === null || (from !== undefined && f.date < from) || (to !== undefined && f.date > to))) return false;
			return true;
		};
		let accept: (id: number) => boolean;
		if (client !== undefined) {
			const allowed = new Set<number>();
			for (const f of state.files.values()) if (f.client === client && fileOk(f)) for (const id of f.passageIds) allowed.add(id);
			accept = (id) => allowed.has(id);
		} else {
			const excluded = new Set<number>();
			for (const f of state.files.values()) if (!fileOk(f)) for (const id of f.passageIds) excluded.add(id);
			accept = excluded.size === 0 ? (id) => state.passages.has(id) : (id) => !excluded.has(id) && state.passages.has(id);
		}
		const phraseOk = (id: number) => parsed.phrases.length === 0 || hasPhrases(state.passages.get(id)!.text, parsed.phrases);

		const keywordHits: KeywordHit[] = [];
		for (const hit of state.keyword.search(parsed, accept, limit)) {
			if (!phraseOk(hit.id)) continue;
			keywordHits.push(hit);
			if (keywordHits.length >= Math.max(FUSION_DEPTH, limit)) break;
		}

		let reason: string | undefined;
		let queryVector: readonly number[] | null = null;
		const model = options.model ?? state.model;
		if (options.queryVector && state.vectors && state.vectors.size > 0 && options.queryVector.length === state.vectors.dims)
			queryVector = options.queryVector;
		else if (!options.llm) reason = "Semantic search is off (no embedding engine): keyword matches only.";
		else if (!state.vectors || state.vectors.size === 0 || model === null) reason = "No passages are embedded yet: keyword matches only.";
		else if (model !== state.model)
			reason = `The index was embedded with ${state.model ?? "another model"}, not ${model}: keyword matches only until it is embedded again.`;
		else {
			try {
				// The query goes through the model boundary too: no client's identifiers in it.
				const clients = options.client ? [options.client] : [...new Set([...state.files.values()].map((f) => f.client))];
				let query = parsed.text;
				const redactors = this.redactors;
				for (const c of clients) query = (await this.redactorFor(c, redactors))(query);
				const [v] = await options.llm.embed(model, [`${embeddingPrefixes(model).query}${query}`], options.signal);
				if (!v || v.length === 0) throw new ClinicalVaultError("engine", "The embedding model answered no vector.");
				if (v.length !== state.vectors.dims) {
					// Another model answers under this name now: the index's vectors cannot be compared
					// with it. They are cleared, so the next embedding run embeds everything again.
					const indexDims = state.vectors.dims;
					wipeState(state);
					throw new ClinicalVaultError(
						"engine",
						`the embedding model now answers vectors of ${v.length} dimensions, the index has ${indexDims}; the index is embedded again`,
					);
				}
				queryVector = v;
			} catch (error) {
				if (isCancelled(error)) throw error;
				reason = `Semantic search is unavailable (${toClinicalError(error).message}): keyword matches only.`;
			}
		}
		this.current(state);
		const hits = queryVector
			? this.fuse(state, parsed, keywordHits, queryVector, accept, phraseOk, limit)
			: keywordHits.slice(0, limit).map((h) => this.hit(state, parsed, h.id, h.score, h.terms));
		// Passages shown are reads of the record: each file once per open index, in one entry per search.
		const shown = [...new Set(hits.map((h) => h.recordPath))].filter((path) => !this.logged.has(path));
		for (const path of shown) this.logged.add(path);
		await this.record.audit.readMany(
			shown.map((path) => ({ path })),
			"search results shown",
		);
		return { mode: queryVector ? "hybrid" : "keyword", ...(reason ? { reason } : {}), hits, tookMs: performance.now() - started };
	}

	private fuse(
		state: State,
		parsed: ParsedQuery,
		keywordHits: KeywordHit[],
		vector: readonly number[],
		accept: (id: number) => boolean,
		phraseOk: (id: number) => boolean,
		limit: number,
	): SearchHit[] {
		const depth = Math.max(FUSION_DEPTH, limit);
		// Phrases are checked on the best vector hits only (checking every passage would tokenise the whole record).
		const vectorHits = state.vectors!.search(vector, depth, accept).filter((h) => phraseOk(h.id));
		const fused = new Map<number, { score: number; terms: string[] }>();
		keywordHits.slice(0, depth).forEach((h, rank) => fused.set(h.id, { score: 1 / (RRF_K + rank + 1), terms: h.terms }));
		vectorHits.forEach((h, rank) => {
			const entry = fused.get(h.id) ?? { score: 0, terms: [] };
			entry.score += 1 / (RRF_K + rank + 1);
			fused.set(h.id, entry);
		});
		return [...fused.entries()]
			.sort((a, b) => b[1].score - a[1].score)
			.slice(0, limit)
			.map(([id, e]) => this.hit(state, parsed, id, e.score, e.terms));
	}

	private sessionNumber(state: State, file: IndexedFile): number | null {
		if (file.sessionNumber !== null) return file.sessionNumber;
		if (file.date === null) return null;
		if (!state.sessions) {
			state.sessions = new Map();
			for (const f of state.files.values())
				if (f.kind === "note" && f.date !== null && f.sessionNumber !== null) state.sessions.set(`${f.client}|${f.date}`, f.sessionNumber);
		}
		return state.sessions.get(`${file.client}|${file.date}`) ?? null;
	}

	private hit(state: State, parsed: ParsedQuery, id: number, score: number, terms: string[]): SearchHit {
		const p = state.passages.get(id)!;
		const f = state.files.get(p.recordPath)!;
		const highlightTerms = new Set(terms);
		if (terms.length === 0)
			for (const w of parsed.words) {
				const t = indexTerm(w);
				if (t !== null) highlightTerms.add(t);
			}
		const snippet = makeSnippet(p.text, highlightTerms, parsed.phrases);
		return {
			recordPath: p.recordPath,
			client: f.client,
			kind: f.kind,
			date: f.date,
			sessionNumber: this.sessionNumber(state, f),
			heading: p.heading,
			timestamp: p.timestamp,
			line: p.line,
			snippet: snippet.text,
			highlights: snippet.highlights,
			score,
			passageId: id,
		};
	}
}
