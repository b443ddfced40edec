/**
 * The one boundary every request to a model passes. Notes, documents, the parts map, the treatment
 * plan, the brief's summary and the search embeddings all reach the model only through here:
 *
 * 1. identifiers out: the client's name, aliases and profile details are removed from every
 *    message (safety/identity.ts), whatever the transcript, summary or note says;
 * 2. the model's real context: asked once per model (`/api/show`), cached; when the engine does
 *    not report one, FALLBACK_CONTEXT is assumed (and the cut check below still applies);
 * 3. a conservative token count per script (llm/tokens.ts) of the prompt as the chat template
 *    renders it, plus the output the answer may need and a margin, must fit that context, or the
 *    request is refused before it is sent (`PromptTooLong`, which callers turn into condensing
 *    passes or a clear message); num_ctx is set to what the request needs, never more than the
 *    context;
 * 4. after the answer, the engine's own count (`prompt_eval_count`) is checked: a prompt that
 *    filled the whole window was cut by the engine, and that is an error, never a silent draft.
 */
import { ClinicalVaultError } from "../errors";
import type { ClientProfile } from "../record/profile";
import { NO_IDENTITY, identityOf, redactor, type ClientIdentity } from "../safety/identity";
import type { ChatMessage, ChatRequest, ChatResult, LlmClient } from "./LlmClient";
import { estimateChatTokens } from "./tokens";

/** Context assumed when the engine does not report one (Ollama's smallest common context for current models). */
export const FALLBACK_CONTEXT = 8192;
/** Room kept free beyond the prompt and the answer (template differences, stop tokens). */
export const CONTEXT_MARGIN = 256;
/** The smallest num_ctx asked for (Ollama's own default is 4096 on current versions). */
const MIN_NUM_CTX = 4096;

/** The prompt does not fit the model's context: nothing was sent. */
export class PromptTooLong extends ClinicalVaultError {
	constructor(
		readonly what: string,
		readonly promptTokens: number,
		readonly outputTokens: number,
		readonly context: number,
	) {
		super(
			"invalid-input",
			`The input for ${what} is too long for the model's context: about ${promptTokens + outputTokens + CONTEXT_MARGIN} tokens are needed and the model has ${context}. Choose a model with a larger context (or set a larger one for it), or a shorter input. Nothing was sent to the model; your input is kept.`,
			{ detail: `prompt ≈${promptTokens} tokens, output ${outputTokens}, margin ${CONTEXT_MARGIN}, context ${context}` },
		);
		this.name = "PromptTooLong";
	}
}

export interface BoundedRequest extends Omit<ChatRequest, "numCtx"> {
	/** Tokens the answer may need (a section's word limits, a schema's size). */
	outputTokens: number;
	/** What the answer is, for messages: "the note", "the parts-map update". */
	what: string;
}

export interface BoundedResult extends ChatResult {
	/** num_ctx sent. */
	numCtx: number;
	/** The conservative estimate of the prompt's tokens. */
	estimatedPromptTokens: number;
	/** The model's context as reported (or FALLBACK_CONTEXT). */
	context: number;
}

export interface PromptFit {
	fits: boolean;
	promptTokens: number;
	context: number;
	numCtx: number;
	/** Tokens left for more input beside the prompt and the answer. */
	room: number;
}

function roundUp(n: number, to: number): number {
	return Math.ceil(n / to) * to;
}

export class ModelBoundary {
	private readonly redact: (text: string) => string;
	private readonly contexts = new Map<string, number>();

	constructor(
		readonly llm: LlmClient,
		readonly identity: ClientIdentity = NO_IDENTITY,
	) {
		this.redact = redactor(identity);
	}

	/** The messages as the model will get them: identifiers removed. */
	prepare(messages: readonly ChatMessage[]): ChatMessage[] {
		return messages.map((m) => ({ role: m.role, content: this.redact(m.content) }));
	}

	/** Any text as the model will get it. */
	redactText(text: string): string {
		return this.redact(text);
	}

	/** The model's context in tokens (asked once per model). */
	async context(model: string, signal?: AbortSignal): Promise<number> {
		const known = this.contexts.get(model);
		if (known !== undefined) return known;
		const context = (await this.llm.contextLength(model, signal)) ?? FALLBACK_CONTEXT;
		this.contexts.set(model, context);
		return context;
	}

	/** Whether `messages` and an answer of `outputTokens` fit the model's context, and the num_ctx they need. */
	async fit(model: string, messages: readonly ChatMessage[], outputTokens: number, signal?: AbortSignal, format?: ChatRequest["format"]): Promise<PromptFit> {
		const context = await this.context(model, signal);
		const promptTokens = estimateChatTokens(this.prepare(messages)) + (this.llm.promptOverhead?.({ ...(format !== undefined ? { format } : {}) }) ?? 0);
		const need = promptTokens + outputTokens + CONTEXT_MARGIN;
		return { fits: need <= context, promptTokens, context, numCtx: Math.min(context, Math.max(MIN_NUM_CTX, roundUp(need, 1024))), room: context - need };
	}

	/** Sends one chat through the boundary; throws PromptTooLong before sending, and an engine error when the engine cut the prompt. */
	async chat(request: BoundedRequest): Promise<BoundedResult> {
		const messages = this.prepare(request.messages);
		const fit = await this.fit(request.model, messages, request.outputTokens, request.signal, request.format);
		if (!fit.fits) throw new PromptTooLong(request.what, fit.promptTokens, request.outputTokens, fit.context);
		const { outputTokens: _output, what: _what, ...rest } = request;
		const result = await this.llm.chat({ ...rest, messages, numCtx: fit.numCtx });
		checkNotCut(result, fit.numCtx, fit.promptTokens, request.what);
		return { ...result, numCtx: fit.numCtx, estimatedPromptTokens: fit.promptTokens, context: fit.context };
	}

	/** Embeddings through the boundary: identifiers removed from every input. */
	embed(model: string, inputs: string[], signal?: AbortSignal): Promise<number[][]> {
		return this.llm.embed(model, inputs.map(this.redact), signal);
	}
}

/**
 * The engine's count of the prompt it read, checked against the window it was given. An engine
 * that cuts a prompt keeps it at the window's size (Ollama drops tokens after the first few and
 * reads a full window), so a prompt that filled the window was cut. A prompt whose conservative
 * estimate fits never should be: this is the backstop for an estimate that was wrong.
 */
export function checkNotCut(result: ChatResult, numCtx: number, estimated: number, what: string): void {
	if (result.promptTokens === undefined) return;
	if (result.promptTokens >= numCtx - 1) {
		throw new ClinicalVaultError(
			"engine",
			`The model cut the input for ${what}: it read ${result.promptTokens} tokens, the whole of its ${numCtx}-token window, so part of the input was never seen. Nothing was saved as a checked draft; choose a model with a larger context or a shorter input, then try again.`,
			{ detail: `prompt_eval_count ${result.promptTokens}, num_ctx ${numCtx}, estimate ${estimated}` },
		);
	}
}

/** The boundary for one client's requests: their profile's identifiers are taken out. */
export async function boundaryFor(
	record: { readProfile(code: string, purpose: "internal"): Promise<ClientProfile> },
	client: string,
	llm: LlmClient,
): Promise<ModelBoundary> {
	return new ModelBoundary(llm, identityOf(await record.readProfile(client, "internal")));
}
