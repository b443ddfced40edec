/**
 * The search index inside the plugin: opened in the background at unlock (a damaged index is
 * rebuilt, and the clinician is told), kept current on every save through the record's change
 * events, saved (encrypted) a few seconds after changes and before every lock, and embedded in the
 * background in small batches when the local embedding model answers. Embedding failures never
 * interrupt: keyword search works and the search view says why meaning is missing.
 */
import { isCancelled, toClinicalError } from "../../core/errors";
import type { ClinicalRecord } from "../../core/record/ClinicalRecord";
import type { ClinicalVaultSettings } from "../../core/settings";
import { SearchService } from "../../core/search/SearchService";
import type { SearchOptions, SearchResponse } from "../../core/search/types";
import type { LlmClient } from "../../core/llm/LlmClient";
import { clearTimeout, setTimeout } from "node:timers";

export interface SearchControllerDeps {
	settings: () => ClinicalVaultSettings;
	/** The Ollama client for the current settings (with the practice server's token). */
	/** The embedding engine's client for the current settings. */
	embedder: () => LlmClient;
	/** Reports a failure (the error funnel). */
	onError: (error: unknown) => void;
	/** A short message to the clinician. */
	inform: (message: string) => void;
	/** Milliseconds after the last change before the index is saved (default 5000). */
	saveDelayMs?: number;
}

export class SearchController {
	private service: SearchService | null = null;
	private record: ClinicalRecord | null = null;
	private opening: Promise<void> | null = null;
	private embedding: { controller: AbortController; done: Promise<void> } | null = null;
	private saveTimer: ReturnType<typeof setTimeout> | null = null;
	private unsubscribe: (() => void) | null = null;
	private readonly listeners = new Set<() => void>();
	/** Why semantic search is unavailable (for the view), or null. */
	semanticProblem: string | null = null;
	embedProgress: { done: number; total: number } | null = null;

	constructor(private readonly deps: SearchControllerDeps) {}

	/** Called on every change of state the view shows. */
	onUpdate(listener: () => void): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	private changed(): void {
		for (const l of this.listeners) l();
	}

	private llm(): LlmClient {
		return this.deps.embedder();
	}

	/** At unlock: opens (or rebuilds) the index, then embeds what is missing in the background. */
	start(record: ClinicalRecord): Promise<void> {
		this.stopListening();
		this.record = record;
		this.service = new SearchService({ record });
		const service = this.service;
		this.unsubscribe = record.onChange((change) => {
			if (this.service !== service || !this.opening) return;
			void this.opening
				.then(async () => {
					if (change.kind === "write") await service.update(change.recordPath);
					else await service.remove(change.recordPath);
				})
				.then(() => {
					// A removal (an erasure, a deletion) is saved at once, so its words leave the saved index now.
					if (change.kind === "remove") void this.service?.save().catch((error: unknown) => this.quiet(error));
					else this.scheduleSave();
					this.scheduleEmbedding();
					this.changed();
				})
				.catch((error: unknown) => this.quiet(error));
		});
		this.opening = service.open().then((report) => {
			if (report.rebuilt) this.deps.inform(`The search index could not be used (${report.rebuilt.reason}) and was rebuilt from the record.`);
			if (report.unreadable.length > 0)
				this.deps.inform(
					`${report.unreadable.length} file(s) could not be read and are left out of search: ${report.unreadable.join(", ")}. Run "Verify record".`,
				);
			if (report.empty.length > 0) this.deps.inform(`No searchable text in ${report.empty.length} file(s) (empty): ${report.empty.join(", ")}.`);
			this.changed();
			this.scheduleEmbedding(0);
		});
		return this.opening;
	}

	status() {
		return this.service?.status() ?? null;
	}

	/** Searches once the index is open; the query is embedded when vectors exist and the model answers. */
	async search(query: string, options: Omit<SearchOptions, "llm" | "model"> = {}): Promise<SearchResponse> {
		if (this.opening) await this.opening;
		const service = this.service;
		if (!service) throw toClinicalError(new Error("The search index is not open. Unlock the record."));
		const settings = this.deps.settings();
		return service.search(query, { ...options, llm: this.llm(), model: settings.embeddingModel });
	}

	private scheduleSave(): void {
		if (this.saveTimer) clearTimeout(this.saveTimer);
		this.saveTimer = setTimeout(() => {
			this.saveTimer = null;
			void this.service?.save().catch((error: unknown) => this.quiet(error));
		}, this.deps.saveDelayMs ?? 5000);
	}

	private embedTimer: ReturnType<typeof setTimeout> | null = null;

	/** Embeds what is missing, a little later (changes come in bursts while typing). */
	private scheduleEmbedding(delayMs = 3000): void {
		if (this.embedTimer) clearTimeout(this.embedTimer);
		this.embedTimer = setTimeout(() => {
			this.embedTimer = null;
			void this.embedNow();
		}, delayMs);
	}

	/** Runs one embedding job (one at a time); resolves when it stops, whatever the reason. */
	async embedNow(): Promise<void> {
		const service = this.service;
		if (!service || !service.status().open || this.embedding) return;
		const status = service.status();
		if (status.passages === status.embedded && status.model === this.deps.settings().embeddingModel) return;
		const controller = new AbortController();
		const done = service
			.embedPending({
				llm: this.llm(),
				model: this.deps.settings().embeddingModel,
				batchSize: 16,
				signal: controller.signal,
				onProgress: (p) => {
					this.embedProgress = p;
					this.changed();
				},
			})
			.then(() => {
				this.semanticProblem = null;
			})
			.catch((error: unknown) => {
				if (isCancelled(error)) return;
				const failure = toClinicalError(error);
				if (failure.code === "locked") return;
				this.semanticProblem = `${failure.message} Keyword search works; meaning will be added when the embedding model answers.`;
			})
			.finally(() => {
				this.embedding = null;
				this.embedProgress = null;
				this.changed();
			});
		this.embedding = { controller, done };
		await done;
	}

	/** Before lock: stops embedding and saves the index while the keys are still there. */
	async beforeLock(): Promise<void> {
		const embedding = this.embedding;
		if (embedding) {
			embedding.controller.abort();
			await embedding.done;
		}
		if (this.saveTimer) {
			clearTimeout(this.saveTimer);
			this.saveTimer = null;
		}
		if (this.embedTimer) {
			clearTimeout(this.embedTimer);
			this.embedTimer = null;
		}
		try {
			if (this.opening) await this.opening;
			if (this.service?.status().dirty) await this.service.save();
		} catch (error) {
			this.quiet(error);
		}
	}

	/** After lock: the index is gone from memory (the service closed itself on lock). */
	stop(): void {
		this.stopListening();
		this.service?.dispose();
		this.service = null;
		this.opening = null;
		this.semanticProblem = null;
		this.changed();
	}

	private stopListening(): void {
		this.unsubscribe?.();
		this.unsubscribe = null;
	}

	private quiet(error: unknown): void {
		const failure = toClinicalError(error);
		if (isCancelled(error) || failure.code === "locked") return;
		this.deps.onError(error);
	}
}
