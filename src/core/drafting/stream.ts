/**
 * The one drafting pipeline's model step, for session notes (DraftingService) and documents
 * (DocumentService): a structured answer, a list of sentences per section, streamed through the
 * model boundary and validated by the sections' schema. When it goes wrong (a cut or cancelled
 * stream, an answer that hit the output limit, a prompt the engine cut, an answer that does not
 * parse) what the model wrote so far is kept, encrypted, as an incomplete draft that cannot be
 * signed as it is, and the error names where (`keptAt`) before it goes on.
 */
import { ClinicalVaultError, isCancelled } from "../errors";
import type { BoundedRequest, BoundedResult, ModelBoundary } from "../llm/boundary";
import { parseStructured } from "../llm/structured";
import { joinFrontmatter } from "../markdown/frontmatter";
import type { RecordFiles } from "../record/files";
import { writeNewText } from "../record/freePath";
import { reviewMarker } from "./markers";
import type { noteAnswerSchema } from "./prompts";

export interface SectionsDraft {
	/** The request, without onToken (progress comes through `onText`) and format (from `schema`). */
	request: Omit<BoundedRequest, "onToken" | "format">;
	/** The sections' answer schema (prompts.ts noteAnswerSchema), also used to fit the prompt. */
	schema: ReturnType<typeof noteAnswerSchema>;
	onText: (soFar: string) => void;
	/** Called once the answer is complete, before it is parsed. */
	onComplete?: (text: string) => void;
	/** Where an incomplete draft is kept (the first free name like `base`, never over a file), with the frontmatter the finished page would start from. */
	keepAt: { record: Pick<RecordFiles, "exists" | "createText">; base: string; meta: Record<string, unknown> };
}

export async function draftSections(
	boundary: ModelBoundary,
	draft: SectionsDraft,
): Promise<{ value: Record<string, string | string[]>; result: BoundedResult }> {
	const { request, schema } = draft;
	let streamed = "";
	let result: BoundedResult;
	try {
		result = await boundary.chat({
			...request,
			format: schema.format,
			onToken: (_, soFar) => {
				streamed = soFar;
				draft.onText(soFar);
			},
		});
		if (result.doneReason === "length") {
			streamed = result.text;
			throw new ClinicalVaultError(
				"engine",
				`The model stopped at its output limit before finishing ${request.what}. What it wrote was kept as an incomplete draft.`,
			);
		}
	} catch (error) {
		await keepIncomplete(draft.keepAt, streamed, error);
		throw error;
	}
	draft.onComplete?.(result.text);
	try {
		return { value: parseStructured(result.text, schema.schema, request.what, "kept as incomplete draft"), result };
	} catch (error) {
		await keepIncomplete(draft.keepAt, result.text, error);
		throw error;
	}
}

/** Saves what the model wrote before a cancel or failure as an incomplete draft; the error names it (`keptAt`). */
async function keepIncomplete(at: SectionsDraft["keepAt"], text: string, error: unknown): Promise<void> {
	if (text.trim() === "") return;
	const why = isCancelled(error) ? "generation was cancelled" : "generation failed";
	const path = await writeNewText(at.record, at.base, joinFrontmatter({ ...at.meta, incomplete: true }, incompleteDraftBody(why, text, reviewMarker(why))));
	if (typeof error === "object" && error !== null) (error as { keptAt?: string }).keptAt = path;
}

/**
 * An incomplete draft's body: what the model wrote, shown as code (never rendered), in a fence
 * longer than any run of backticks in it, under a warning with a review marker so it cannot be
 * signed as it is.
 */
export function incompleteDraftBody(why: string, text: string, marker: string): string {
	const longest = Math.max(0, ...[...text.matchAll(/`+|~+/g)].map((m) => m[0].length));
	const fence = "`".repeat(Math.max(3, longest + 1));
	return `# Incomplete draft\n\n> [!warning] The ${why}; this is what the model wrote before it stopped. ${marker}\n\n${fence}text\n${text.replace(/\r\n?/g, "\n")}\n${fence}\n`;
}
