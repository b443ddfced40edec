/**
 * One drafted answer from the model, streamed through the model boundary, with what happens when
 * it goes wrong: a cut or cancelled stream, an answer that hit the output limit, a prompt the
 * engine cut, or one that does not parse keeps what the model wrote so far as an incomplete draft
 * (through `keep`) before the error goes on. Shared by session notes (DraftingService) and
 * documents (DocumentService).
 */
import { ClinicalVaultError } from "../errors";
import type { BoundedRequest, BoundedResult, ModelBoundary } from "../llm/boundary";

export interface StreamedDraft<T> {
	/** The request, without onToken (progress comes through `onText`). */
	request: Omit<BoundedRequest, "onToken">;
	onText: (soFar: string) => void;
	/** Parses the complete answer; throws a ClinicalVaultError when it cannot. */
	parse: (text: string) => T;
	/** Saves what was written so far as an incomplete draft (called once, before the error is rethrown). */
	keep: (partial: string, error: unknown) => Promise<void>;
	/** Called once the answer is complete, before it is parsed. */
	onComplete?: (text: string) => void;
}

export async function streamDraft<T>(boundary: ModelBoundary, draft: StreamedDraft<T>): Promise<{ value: T; result: BoundedResult }> {
	let streamed = "";
	let result: BoundedResult;
	try {
		result = await boundary.chat({
			...draft.request,
			onToken: (_, soFar) => {
				streamed = soFar;
				draft.onText(soFar);
			},
		});
		if (result.doneReason === "length") {
			streamed = result.text;
			throw new ClinicalVaultError("engine", `The model stopped at its output limit before finishing ${draft.request.what}. What it wrote was kept as an incomplete draft.`);
		}
	} catch (error) {
		await draft.keep(streamed, error);
		throw error;
	}
	draft.onComplete?.(result.text);
	try {
		return { value: draft.parse(result.text), result };
	} catch (error) {
		await draft.keep(result.text, error);
		throw error;
	}
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
