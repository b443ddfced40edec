/**
 * The one drafting pipeline, for every page the model drafts section by section: session notes
 * (DraftingService) and clinical documents (DocumentService). Each service gathers its input and
 * says what differs; this runs the steps, in this order, the same way for both:
 *
 *     fit       the prompt against the model's real context (through the model boundary, which
 *               removes identifiers); when it does not fit, `shorten` may give a shorter prompt
 *               (a note condenses its transcript), else `tooLong` says why, and nothing is written;
 *     draft     the structured answer, streamed and validated by the sections' schema
 *               (draftSections); a cut, cancelled or broken answer is kept as an incomplete draft;
 *     check     the answer under the safeguards (`check`: a note's risk mentions, a document's
 *               placeholders and cited dates);
 *     render    the page, by code, from the checked sentences (`render`: the template filled);
 *     write     the page, encrypted, with the frontmatter the service gave (`meta`), the review
 *               flags, and what the service adds after them (`finalMeta`), under the first free
 *               name in the client's folder ("C-0417/notes/2026-07-06.md", then -2, …), found
 *               now and written create-only, so nothing written meanwhile is replaced.
 *
 * Model text never chooses a path, a frontmatter key or a line of markup: the service's `render`
 * gets sentences already made inert by the safeguards.
 */
import type { ChatMessage } from "../llm/LlmClient";
import type { BoundedResult, ModelBoundary, PromptFit } from "../llm/boundary";
import { joinFrontmatter } from "../markdown/frontmatter";
import type { ClinicalRecord } from "../record/ClinicalRecord";
import { namedPath, writeNewText } from "../record/freePath";
import { noteAnswerSchema } from "./prompts";
import type { ReviewFlag } from "./safeguards";
import { draftSections } from "./stream";
import type { SectionSpec } from "./templates";

/** The model's answer: a sentence list (or text) per section key. */
export type SectionsAnswer = Record<string, string | string[]>;

export interface PageProgress {
	stage: "drafting" | "checking" | "saving";
	/** Characters the model has written so far (drafting, checking) or of the page (saving). */
	characters: number;
	/** The text streamed so far (for a live view); not persisted until saved. */
	text?: string;
}

export interface PageDraft<Checked extends { flags: readonly ReviewFlag[] }> {
	record: ClinicalRecord;
	boundary: ModelBoundary;
	model: string;
	/** What is drafted, for messages: "the note", "the document". */
	what: string;
	/** The sections the model writes (the risk section is never one of them). */
	sections: readonly SectionSpec[];
	messages: readonly ChatMessage[];
	outputTokens: number;
	temperature?: number;
	signal?: AbortSignal;
	/** When the prompt does not fit: a shorter one (a condensed transcript). Without it, `tooLong` at once. */
	shorten?: (fit: PromptFit) => Promise<readonly ChatMessage[]>;
	/** The error for a prompt that does not fit (`shortened`: even after `shorten`). */
	tooLong: (fit: PromptFit, shortened: boolean) => Error;
	/** Where the page goes: the first free name like `<stem>.md` in the client's folder, when it is written. */
	place: { client: string; folder: string; stem: string };
	/** The frontmatter the page starts from; an incomplete draft is kept with it too. */
	meta: (fit: PromptFit) => Record<string, unknown>;
	/** The answer under the safeguards. */
	check: (answer: SectionsAnswer) => Checked;
	/** The page's body, by code, from the checked answer. */
	render: (checked: Checked) => string | Promise<string>;
	/** Frontmatter after the review entries (risk mentions, the engine's prompt count). */
	finalMeta?: (checked: Checked, result: BoundedResult) => Record<string, unknown>;
	onProgress?: (p: PageProgress) => void;
}

export interface DraftedPage<Checked> {
	/** Record path of the saved draft. */
	path: string;
	checked: Checked;
	result: BoundedResult;
}

/** The frontmatter for review flags: their number, and each flag's kind, reason, excerpt, section and moments in the input. */
export function reviewMeta(flags: readonly ReviewFlag[]): Record<string, unknown> {
	return {
		review_flags: flags.length,
		...(flags.length > 0
			? {
					review: flags.map((f) => ({
						kind: f.kind,
						reason: f.reason,
						excerpt: f.excerpt.slice(0, 160),
						...(f.section ? { section: f.section } : {}),
						...(f.timestamps && f.timestamps.length > 0 ? { at: f.timestamps } : {}),
					})),
				}
			: {}),
	};
}

export async function draftPage<Checked extends { flags: readonly ReviewFlag[] }>(page: PageDraft<Checked>): Promise<DraftedPage<Checked>> {
	const { record, boundary, model, signal } = page;
	const progress = (p: PageProgress) => page.onProgress?.(p);
	const schema = noteAnswerSchema(page.sections);

	let messages = page.messages;
	let fit = await boundary.fit(model, messages, page.outputTokens, signal, schema.format);
	if (!fit.fits) {
		if (!page.shorten) throw page.tooLong(fit, false);
		messages = await page.shorten(fit);
		fit = await boundary.fit(model, messages, page.outputTokens, signal, schema.format);
		if (!fit.fits) throw page.tooLong(fit, true);
	}

	// The name is found when the page is written, create-only: a note of that name written while the
	// model was working (by the CLI, another window, a sync tool) is never replaced.
	const base = namedPath(page.place.client, page.place.folder, page.place.stem, "md");
	const meta = page.meta(fit);
	const { value: answer, result } = await draftSections(boundary, {
		request: {
			model,
			messages: [...messages],
			outputTokens: page.outputTokens,
			what: page.what,
			...(page.temperature !== undefined ? { temperature: page.temperature } : {}),
			...(signal ? { signal } : {}),
		},
		schema,
		onText: (soFar) => progress({ stage: "drafting", characters: soFar.length, text: soFar }),
		onComplete: (raw) => progress({ stage: "checking", characters: raw.length }),
		keepAt: { record, base, meta },
	});
	const checked = page.check(answer);
	const body = await page.render(checked);

	progress({ stage: "saving", characters: body.length });
	const path = await writeNewText(record, base, joinFrontmatter({ ...meta, ...reviewMeta(checked.flags), ...page.finalMeta?.(checked, result) }, body));
	return { path, checked, result };
}
