/**
 * "Search clinical record": a pane with the query, a client filter, a date range and a kind
 * filter, and the ranked passages with their highlighted snippet, date and session number.
 * Opening a result opens the encrypted file at the passage (a transcript at its timestamp's line).
 * Results live in memory only and the pane is closed on lock. With the embedding model away it
 * searches by keyword and says so.
 */
import { ItemView, type WorkspaceLeaf } from "obsidian";
import { toClinicalError } from "../../core/errors";
import type { SearchHit, SearchResponse } from "../../core/search/types";
import { PASSAGE_KINDS, type PassageKind } from "../../core/search/types";
import { SEARCH_VIEW_TYPE } from "../common/viewTypes";

export interface SearchViewDeps {
	search: (
		query: string,
		options: { client?: string; from?: string; to?: string; kinds?: PassageKind[]; includePsychotherapy?: boolean },
	) => Promise<SearchResponse>;
	clients: () => Promise<string[]>;
	open: (hit: SearchHit) => void;
	/** A line about the index (passages, embedding progress, why meaning is missing). */
	describeIndex: () => string;
	onIndexChange: (listener: () => void) => () => void;
}

const KIND_NAMES: Record<PassageKind, string> = {
	note: "Notes",
	transcript: "Transcripts",
	summary: "Summaries",
	"parts-map": "Parts maps",
	plan: "Treatment plans",
};

function timestamp(seconds: number): string {
	const m = Math.floor(seconds / 60);
	const h = Math.floor(m / 60);
	const mm = String(m % 60).padStart(2, "0");
	const ss = String(Math.floor(seconds % 60)).padStart(2, "0");
	return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export class SearchView extends ItemView {
	private queryEl: HTMLInputElement | null = null;
	private clientEl: HTMLSelectElement | null = null;
	private fromEl: HTMLInputElement | null = null;
	private toEl: HTMLInputElement | null = null;
	private kindEl: HTMLSelectElement | null = null;
	private psychotherapyEl: HTMLInputElement | null = null;
	private indexEl: HTMLElement | null = null;
	private modeEl: HTMLElement | null = null;
	private resultsEl: HTMLElement | null = null;
	private stopListening: (() => void) | null = null;
	private generation = 0;

	constructor(
		leaf: WorkspaceLeaf,
		private readonly deps: SearchViewDeps,
	) {
		super(leaf);
		this.icon = "search";
	}

	getViewType(): string {
		return SEARCH_VIEW_TYPE;
	}

	override getDisplayText(): string {
		return "Search clinical record";
	}

	override async onOpen(): Promise<void> {
		const root = this.contentEl;
		root.empty();
		root.addClass("clinical-vault-search");
		const form = root.createEl("form", { cls: "clinical-vault-search-form" });
		this.queryEl = form.createEl("input", {
			type: "search",
			attr: { name: "query", placeholder: 'Words, a "phrase", or what you mean', "aria-label": "Search" },
		});
		this.clientEl = form.createEl("select", { attr: { name: "client", "aria-label": "Client" } });
		this.clientEl.createEl("option", { text: "All clients", value: "" });
		this.kindEl = form.createEl("select", { attr: { name: "kind", "aria-label": "Kind" } });
		this.kindEl.createEl("option", { text: "Everything", value: "" });
		for (const k of PASSAGE_KINDS) this.kindEl.createEl("option", { text: KIND_NAMES[k], value: k });
		this.fromEl = form.createEl("input", { type: "date", attr: { name: "from", "aria-label": "From" } });
		this.toEl = form.createEl("input", { type: "date", attr: { name: "to", "aria-label": "To" } });
		const label = form.createEl("label", { cls: "clinical-vault-search-psychotherapy" });
		this.psychotherapyEl = label.createEl("input", { type: "checkbox", attr: { name: "psychotherapy" } });
		label.appendText(" Include psychotherapy notes (this search only)");
		form.createEl("button", { text: "Search", type: "submit", cls: "mod-cta" });
		form.addEventListener("submit", (event) => {
			event.preventDefault();
			void this.run();
		});
		this.indexEl = root.createDiv({ cls: "clinical-vault-search-mode" });
		this.modeEl = root.createDiv({ cls: "clinical-vault-search-mode" });
		this.resultsEl = root.createDiv({ cls: "clinical-vault-search-results" });
		this.stopListening = this.deps.onIndexChange(() => this.indexEl?.setText(this.deps.describeIndex()));
		this.indexEl.setText(this.deps.describeIndex());
		try {
			for (const code of await this.deps.clients()) this.clientEl.createEl("option", { text: code, value: code });
		} catch {
			// Locked meanwhile: the pane closes.
		}
		this.queryEl.focus();
	}

	/** Fills the form (tests and other commands) and runs the search. */
	async searchFor(query: string, filters: { client?: string; kind?: PassageKind; from?: string; to?: string } = {}): Promise<void> {
		if (!this.queryEl) return;
		this.queryEl.value = query;
		if (this.clientEl) this.clientEl.value = filters.client ?? "";
		if (this.kindEl) this.kindEl.value = filters.kind ?? "";
		if (this.fromEl) this.fromEl.value = filters.from ?? "";
		if (this.toEl) this.toEl.value = filters.to ?? "";
		await this.run();
	}

	private async run(): Promise<void> {
		const results = this.resultsEl;
		if (!results || !this.queryEl) return;
		const generation = ++this.generation;
		const kind = (this.kindEl?.value ?? "") as PassageKind | "";
		const includePsychotherapy = this.psychotherapyEl?.checked === true;
		let response: SearchResponse;
		try {
			response = await this.deps.search(this.queryEl.value, {
				...(this.clientEl?.value ? { client: this.clientEl.value } : {}),
				...(this.fromEl?.value ? { from: this.fromEl.value } : {}),
				...(this.toEl?.value ? { to: this.toEl.value } : {}),
				...(kind ? { kinds: [kind] } : {}),
				includePsychotherapy,
			});
		} catch (error) {
			if (generation !== this.generation) return;
			results.empty();
			this.modeEl?.setText("");
			results.createEl("p", { cls: "clinical-vault-problem", text: toClinicalError(error).message });
			return;
		} finally {
			// One search only: the box unticks itself.
			if (this.psychotherapyEl) this.psychotherapyEl.checked = false;
		}
		if (generation !== this.generation) return;
		results.empty();
		this.modeEl?.setText(
			response.mode === "hybrid"
				? `${response.hits.length} results by words and meaning.`
				: `${response.hits.length} results by words only. ${response.reason ?? ""}`.trim(),
		);
		if (response.hits.length === 0) results.createEl("p", { text: "Nothing found." });
		for (const hit of response.hits) this.renderHit(results, hit);
	}

	private renderHit(parent: HTMLElement, hit: SearchHit): void {
		const item = parent.createDiv({ cls: "clinical-vault-search-hit" });
		const meta = [
			hit.client,
			hit.date ?? "undated",
			hit.sessionNumber !== null ? `session ${hit.sessionNumber}` : "",
			KIND_NAMES[hit.kind],
			hit.heading,
			hit.timestamp !== null ? `at ${timestamp(hit.timestamp)}` : "",
		].filter((x) => x !== "");
		item.createDiv({ cls: "clinical-vault-search-meta", text: meta.join(" · ") });
		const snippet = item.createDiv({ cls: "clinical-vault-search-snippet" });
		let at = 0;
		for (const [start, end] of hit.highlights) {
			if (start > at) snippet.appendText(hit.snippet.slice(at, start));
			snippet.createEl("mark", { text: hit.snippet.slice(start, end) });
			at = end;
		}
		snippet.appendText(hit.snippet.slice(at));
		item.addEventListener("click", () => this.deps.open(hit));
	}

	override async onClose(): Promise<void> {
		this.stopListening?.();
		this.stopListening = null;
		this.generation++;
		this.contentEl.empty();
	}
}
