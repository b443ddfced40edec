/**
 * One drafted answer from the model, streamed, with what happens when it goes wrong: a cut or
 * cancelled stream, an answer that hit the output limit, or one that does not parse keeps what
 * the model wrote so far as an incomplete draft (through `keep`) before the error goes on. Shared by
 * session notes (DraftingService) and documents (DocumentService).
 */
import { ClinicalVaultError } from "../errors";
import type { ChatRequest, LlmClient } from "../llm/LlmClient";

export interface StreamedDraft<T> {
	/** The request, without onToken (progress comes through `onText`). */
	request: Omit<ChatRequest, "onToken">;
	/** "the note", "the document": for the output-limit message. */
	what: string;
	onText: (soFar: string) => void;
	/** Parses the complete answer; throws a ClinicalVaultError when it cannot. */
	parse: (text: string) => T;
	/** Saves what was written so far as an incomplete draft (called once, before the error is rethrown). */
	keep: (partial: string, error: unknown) => Promise<void>;
	/** Called once the answer is complete, before it is parsed. */
	onComplete?: (text: string) => void;
}

export async function streamDraft<T>(llm: LlmClient, draft: StreamedDraft<T>): Promise<T> {
	let streamed = "";
	let raw: string;
	try {
		const result = await llm.chat({
			...draft.request,
			onToken: (_, soFar) => {
				streamed = soFar;
				draft.onText(soFar);
			},
		});
		raw = result.text;
		if (result.doneReason === "length") {
			throw new ClinicalVaultError("engine", `The model stopped at its output limit before finishing ${draft.what}. What it wrote was kept as an incomplete draft.`);
		}
	} catch (error) {
		await draft.keep(streamed, error);
		throw error;
	}
	draft.onComplete?.(raw);
	try {
		return draft.parse(raw);
	} catch (error) {
		await draft.keep(raw, error);
		throw error;
	}
}
