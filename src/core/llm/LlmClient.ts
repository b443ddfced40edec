/**
 * The local language model behind one small interface. Two real ones: Ollama (src/engines/ollama.ts)
 * and any OpenAI-compatible server (src/engines/openaiCompatible.ts: LM Studio, llama-server, Jan,
 * vLLM, KoboldCpp); the test ones are loopback servers speaking those APIs
 * (test/support/fake-ollama.ts, test/support/fake-openai.ts) and a scripted client. Every
 * implementation reports failures as ClinicalVaultError (code "engine") with a message that says what
 * to do, and cancellation as Cancelled.
 */
export interface ChatMessage {
	role: "system" | "user" | "assistant";
	content: string;
}

export interface ChatRequest {
	model: string;
	messages: ChatMessage[];
	/** A JSON schema (Ollama structured outputs) or "json"; absent for free text. */
	format?: Record<string, unknown> | "json";
	/** Context window to request (Ollama's options.num_ctx). */
	numCtx?: number;
	/** Default 0.2: drafting wants faithful, not creative, text. */
	temperature?: number;
	signal?: AbortSignal;
	/** Called with each streamed piece and the text so far (for progress and the live view). */
	onToken?: (piece: string, soFar: string) => void;
}

export interface ChatResult {
	text: string;
	/** Tokens the model read (Ollama's prompt_eval_count), when reported. */
	promptTokens?: number;
	/** Tokens the model wrote (eval_count), when reported. */
	outputTokens?: number;
	/** "stop", or "length" when the output hit its limit. */
	doneReason?: string;
}

export interface ModelInfo {
	name: string;
	sizeBytes?: number;
	parameterSize?: string;
}

export interface LlmClient {
	/** Where it talks to (for messages), e.g. http://127.0.0.1:11434. */
	readonly host: string;
	chat(request: ChatRequest): Promise<ChatResult>;
	/** Installed models (GET /api/tags). */
	listModels(signal?: AbortSignal): Promise<ModelInfo[]>;
	/** The model's context length in tokens (POST /api/show, model_info "*.context_length"), or null when not reported. */
	contextLength(model: string, signal?: AbortSignal): Promise<number | null>;
	/** Embeddings (POST /api/embed), one vector per input. */
	embed(model: string, inputs: string[], signal?: AbortSignal): Promise<number[][]>;
	/**
	 * Tokens the engine may add to the prompt for this request beyond its messages (an OpenAI-compatible
	 * server in JSON mode gets the schema written into the system message), counted by the model
	 * boundary. Absent: none.
	 */
	promptOverhead?(request: Pick<ChatRequest, "format">): number;
}

/** A conservative (never lower than real) token count, per script (src/core/llm/tokens.ts). */
export { estimateTokens } from "./tokens";
