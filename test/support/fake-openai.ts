/**
 * A real HTTP server on 127.0.0.1 (random port) that speaks the OpenAI-compatible API the way the
 * local model servers do (llama.cpp's llama-server by default; LM Studio, vLLM or a plain server
 * with `flavor`), with the same scripted replies and faults as test/support/fake-ollama.ts, so a
 * feature test can run one script against either fake.
 *
 *     const fake = await startFakeOpenAi();           // llama-server: llama-3.1-8b-instruct, nCtx 8192
 *     fake.url;                                        // http://127.0.0.1:PORT (no /v1)
 *     fake.reply("Client named a worried part.");     // the next chat streams this, word by word
 *     fake.reply({ json: { subjective: "…" } });      // content is the JSON text (for response_format requests)
 *     fake.reply((chat) => chat.format ? { json: {…} } : "text");
 *     fake.reply({ text: "…", fault: { kind: "cut", after: 3 } });
 *     fake.chats[0].format; fake.chats[0].options.temperature; fake.responseFormats[0]
 *     await fake.close();
 *
 * Sources: llama.cpp tools/server/README.md (ggml-org/llama.cpp, current master) and the server's own code
 * (tools/server/server-common.cpp format_error_response, server-task.cpp
 * server_task_result_cmpl_final::to_json_oaicompat_chat_stream and params_from_json_cmpl,
 * server-context.cpp, server.cpp's API-key middleware and 404 handler); LM Studio's docs
 * (lmstudio-ai/docs 1_developer/2_rest/endpoints.mdx, "REST API v0") and what clients observe of it;
 * vLLM's vllm/entrypoints/openai/protocol.py (ModelCard, ErrorResponse) and serving_engine.py.
 *
 * Endpoints, llama-server (flavor "llama-server", the default):
 *   GET  /health         {"status": "ok"} (README "GET /health"); public even with an API key.
 *   GET  /v1/models      {"object": "list", "data": [{id, object: "model", created, owned_by: "llamacpp",
 *                        meta: {vocab_type, n_vocab, n_ctx_train, n_embd, n_params, size}}]}. The README:
 *                        "The returned list always has one single element", so only models[0] is listed;
 *                        public even with an API key (the middleware's public_endpoints).
 *   GET  /props          {default_generation_settings: {id, id_task, n_ctx, …, params: {…}}, total_slots: 1,
 *                        model_path, chat_template, chat_template_caps, modalities, build_info, is_sleeping}
 *                        (README "GET /props"); n_ctx is the slot's context, `nCtx`.
 *   POST /v1/chat/completions
 *                        The model field is ignored (one model is served). Streaming (`"stream": true`):
 *                        Content-Type text/event-stream, one `data: {json}\n\n` event per chunk, each
 *                        {choices: [{finish_reason: null, index: 0, delta}], created, id: "chatcmpl-…",
 *                        model, system_fingerprint, object: "chat.completion.chunk"}: first the delta
 *                        {role: "assistant", content: null}, then {content: piece} per piece, then
 *                        {finish_reason: "stop"|"length", delta: {}}; with stream_options.include_usage
 *                        one more chunk with `choices: []` and usage {completion_tokens, prompt_tokens,
 *                        total_tokens} (the usage is sent only when asked, as to_json_oaicompat_chat_stream
 *                        does); `timings` {cache_n, prompt_n, prompt_ms, …, predicted_n, …} on the last
 *                        chunk; then `data: [DONE]`. Not streaming: one chat.completion {choices: [{index,
 *                        message: {role, content}, finish_reason}], usage, timings, …}.
 *                        A prompt that does not fit (tokens ≥ n_ctx, server-context.cpp) is refused before
 *                        anything streams: 400 {"error": {"code": 400, "message": "request (N tokens) exceeds
 *                        the available context size (M tokens), try increasing it", "type":
 *                        "exceed_context_size_error", "n_prompt_tokens": N, "n_ctx": M}}.
 *                        An error after streaming began is llama-server's in-stream event
 *                        `data: {"error": {code, message, type}}` and the stream ends without [DONE].
 *   POST /v1/embeddings  {model, object: "list", usage: {prompt_tokens, total_tokens}, data: [{embedding, index,
 *                        object: "embedding"}]}; `input` a string or an array; encoding_format "base64" gives
 *                        little-endian float32 in base64. Without `embeddings`: 501 {"error": {"code": 501,
 *                        "message": "This server does not support embeddings. Start it with `--embeddings`",
 *                        "type": "not_supported_error"}}. The model field is ignored; `dimensions` too.
 *   anything else        404 {"error": {"code": 404, "message": "File Not Found", "type": "not_found_error"}}.
 *   Errors are format_error_response's {"error": {code, message, type}}, types by status: 400
 *   invalid_request_error, 401 authentication_error, 403 permission_error, 404 not_found_error, 500
 *   server_error, 501 not_supported_error, 503 unavailable_error (a scripted `status` uses the same).
 *   `apiKey`: like `--api-key`, a request without `Authorization: Bearer <key>` gets 401 {"error": {"code":
 *   401, "message": "Invalid API Key", "type": "authentication_error"}}, except /health, /models, /v1/models.
 *
 * flavor "lmstudio" (LM Studio's docs, "REST API v0", and what clients observe of it):
 *   GET  /v1/models                {"data": [{id, object: "model", owned_by: "organization_owner"}], "object": "list"}.
 *   GET  /api/v0/models            {"object": "list", "data": [{id, object: "model", type: "llm"|"embeddings",
 *                                  publisher, arch, compatibility_type, quantization, state: "loaded"|"not-loaded",
 *                                  max_context_length (nCtxTrain), loaded_context_length (nCtx, loaded models only)}]}.
 *   GET  /api/v0/models/{id}       that one item; an unknown id gets the model-not-found 404 below.
 *                                  loaded_context_length is not in the docs' examples; clients read it from
 *                                  LM Studio's answers for a loaded model (it is the context it was loaded with).
 *   Chat and embeddings need a known model id: else 404 {"error": {"message": "Model \"x\" not found. Please
 *   specify a valid model.", "type": "invalid_request_error", "param": "model", "code": "model_not_found"}} (the
 *   body LM Studio answers, quoted in lmstudio-bug-tracker and client issues). A known model that is not loaded
 *   is loaded on demand (just-in-time loading) and then listed as loaded.
 *   A prompt longer than the context is not refused: the fake keeps its last nCtx tokens and reports
 *   usage.prompt_tokens = nCtx (the chat records truncated: true). This is the fake's model of LM Studio's
 *   context overflow handling (lmstudio-js LLMPredictionConfigInput.contextOverflowPolicy: "stopAtLimit" |
 *   "truncateMiddle" | "rollingWindow", the app's default "truncateMiddle"): the prompt is cut silently and the
 *   answer is 200.
 *   Every other path (GET /props, /health, …) is answered 200 {"error": "Unexpected endpoint or method. (GET
 *   /props)"}: LM Studio answers an endpoint it does not have with status 200 ("Returning 200 anyway", its log
 *   says), so a client must read a field, never the status. No timings, no system_fingerprint. `apiKey` covers
 *   every path, answered with llama-server's 401 body (LM Studio's own wording was not found in its docs).
 *
 * flavor "vllm" (vllm/entrypoints/openai/protocol.py):
 *   GET  /health                   200, empty body.
 *   GET  /v1/models                {"object": "list", "data": [{id, object: "model", created, owned_by: "vllm",
 *                                  root, parent: null, max_model_len (nCtx), permission: [{…}]}]}.
 *   Chat and embeddings need a known model id (absent: the first): else 404 {"error": {"message": "The model `x`
 *   does not exist.", "type": "NotFoundError", "param": null, "code": 404}}. A prompt that does not fit (tokens
 *   ≥ max_model_len, or tokens + max_tokens > max_model_len when max_tokens is sent) gets 400 {"error":
 *   {"message": "This model's maximum context length is M tokens. However, …", "type": "BadRequestError",
 *   "param": null, "code": 400}} (the wording changes between vLLM versions). `apiKey` covers only paths
 *   under /v1, and the 401 body is {"error": "Unauthorized"}. Other paths: 404 {"detail": "Not Found"} (FastAPI).
 *
 * flavor "plain": a server that says nothing about its context: /v1/models items are {id, object, created,
 * owned_by} only, no /props, no /api/v0; /health {"status": "ok"}; the model field is ignored; context
 * overflow and errors as llama-server; `apiKey` covers every path.
 *
 * Every flavor: `stream: false` makes a server that does not stream (it ignores "stream": true and answers one
 * application/json chat.completion); `jsonSchema: "reject"` makes a server without JSON-schema support: a
 * response_format of type "json_schema" gets 400 {"error": {"code": 400, "message": "response_format type must be
 * one of \"text\" or \"json_object\", but got: json_schema", "type": "invalid_request_error"}} (llama-server's
 * words before it read json_schema), while {"type": "json_object"} is accepted; "enforce" (default) and "ignore"
 * accept both (the fake sends the scripted reply either way).
 *
 * The prompt (all flavors): the messages rendered with Llama 3.1's template (`renderLlama31Chat`) and counted
 * with the real Llama 3.1 tokenizer, as in fake-ollama; usage.prompt_tokens is that count (what the model read),
 * unless the reply sets promptEvalCount. Each chat records promptTokens, numCtx (= nCtx), truncated and
 * effectivePrompt (0 / "" when refused).
 *
 * The recorded chat (RecordedChat, fake-ollama's type) maps the request: `format` is the JSON schema of
 * response_format ({"type": "json_schema", "json_schema": {"schema": …}}, or llama-server's {"type":
 * "json_object", "schema": …}, or a top-level "schema"), or "json" for JSON mode without a schema; `options` has
 * temperature and max_tokens when sent; `stream` is the request's "stream". `responseFormats` has each chat's raw
 * response_format (undefined when absent), in the same order as `chats`.
 *
 * Replies and faults are fake-ollama's (ChatReply, StreamFault, PathFault): doneReason → finish_reason,
 * promptEvalCount → usage.prompt_tokens, evalCount → usage.completion_tokens, status + error → {"error": {"code":
 * status, "message": error, "type": …}}. Faults (streaming only): "cut" drops the connection after `after`
 * pieces; "malformed-line" sends a `data: {…` event that is not JSON there, then the rest; "error" sends
 * llama-server's in-stream `data: {"error": {…}}` there and ends without [DONE]; "no-done" ends after the pieces
 * without the finish_reason chunk and without [DONE]; "headers-then-hang" sends status and headers, then
 * nothing. A chat with no reply queued and no defaultReply gets 500 {"error": {"code": 500, "message":
 * "fake-openai: no reply queued for this chat request", "type": "server_error"}}. Requests refused before the
 * reply (unknown model, context, response_format, bad body) do not use a queued reply.
 *
 * Embeddings are fake-ollama's `fakeEmbedding` (hashed bag of words, `concepts` honoured), of
 * `embeddingDimensions` (a public field: change it between runs to model a different embedding model).
 */
import { randomBytes } from "node:crypto";
import * as http from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import {
	fakeEmbedding,
	llama31Tokenizer,
	llama31Tokens,
	renderLlama31Chat,
	ScriptedModelServer,
	split,
	type ChatReply,
	type FakeReply,
	type RecordedChat,
	type RecordedRequest,
} from "./fake-ollama";

export type { ChatReply, ConnectionEnd, FakeReply, PathFault, RecordedChat, RecordedRequest, StreamFault } from "./fake-ollama";

export type OpenAiFlavor = "llama-server" | "lmstudio" | "vllm" | "plain";

export interface FakeOpenAiModel {
	id: string;
	/** The model's training context: llama-server's meta.n_ctx_train, LM Studio's max_context_length. Default 131072 (2048 for ids containing "embed"). */
	nCtxTrain?: number;
}

export interface FakeOpenAiOptions {
	/** Default: DEFAULT_FAKE_OPENAI_MODELS (a chat model and an embedding model). */
	models?: FakeOpenAiModel[];
	/** Which server this is, so which context-reporting endpoint exists (see the header). Default "llama-server". */
	flavor?: OpenAiFlavor;
	/** The server's context (per slot) in tokens. Default 8192. */
	nCtx?: number;
	/** lmstudio: the ids of the loaded models (state "loaded", loaded_context_length). Default: every model. */
	loaded?: string[];
	/** Like llama-server's --api-key: requests without `Authorization: Bearer <apiKey>` get 401. */
	apiKey?: string;
	/** How response_format {"type": "json_schema"} is taken: "reject" answers 400. Default "enforce". */
	jsonSchema?: "enforce" | "reject" | "ignore";
	/** false: a server that does not stream (answers one JSON object even to "stream": true). Default true. */
	stream?: boolean;
	/** false: POST /v1/embeddings answers 501 as llama-server without --embeddings. Default true. */
	embeddings?: boolean;
	/** Default 256. */
	embeddingDimensions?: number;
	/** Word → concept for embeddings, as in fake-ollama. */
	concepts?: Readonly<Record<string, string>>;
}

export const DEFAULT_FAKE_OPENAI_MODELS: FakeOpenAiModel[] = [
	{ id: "llama-3.1-8b-instruct", nCtxTrain: 131072 },
	{ id: "nomic-embed-text-v1.5", nCtxTrain: 2048 },
];

/** The body llama-server sends for a prompt that does not fit its context (server-context.cpp, server-task.cpp). */
export function exceedContextBody(nPromptTokens: number, nCtx: number) {
	return {
		error: {
			code: 400,
			message: `request (${nPromptTokens} tokens) exceeds the available context size (${nCtx} tokens), try increasing it`,
			type: "exceed_context_size_error",
			n_prompt_tokens: nPromptTokens,
			n_ctx: nCtx,
		},
	};
}

/** llama-server's error body (format_error_response): the type follows the status. */
export function llamaServerError(status: number, message: string) {
	return { error: { code: status, message, type: errorType(status) } };
}

function errorType(status: number): string {
	switch (status) {
		case 400:
			return "invalid_request_error";
		case 401:
			return "authentication_error";
		case 403:
			return "permission_error";
		case 404:
			return "not_found_error";
		case 501:
			return "not_supported_error";
		case 503:
			return "unavailable_error";
		default:
			return "server_error";
	}
}

const NO_EMBEDDINGS = "This server does not support embeddings. Start it with `--embeddings`";
const JSON_SCHEMA_REFUSED = 'response_format type must be one of "text" or "json_object", but got: json_schema';
const BUILD_INFO = "b6500-fakeopenai";

/** The Llama 3.1 chat template's start, as /props reports a model's template (the fake renders with renderLlama31Chat). */
const LLAMA31_TEMPLATE =
	"{{- bos_token }}\n{%- for message in messages %}\n    {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}\n{%- endfor %}\n{%- if add_generation_prompt %}\n    {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}\n{%- endif %}\n";

interface Evaluation {
	promptTokens: number;
	numCtx: number;
	truncated: boolean;
	effectivePrompt: string;
	/** Set when the server refuses the prompt: the status and body to answer. */
	refusal?: { status: number; body: unknown };
}

const NOT_EVALUATED: Evaluation = { promptTokens: 0, numCtx: 0, truncated: false, effectivePrompt: "" };

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

function positiveInt(value: unknown): number | undefined {
	return typeof value === "number" && Number.isFinite(value) && value > 0 ? Math.floor(value) : undefined;
}

/** Message content as text: a string, or the text parts of an array of content parts. */
function contentText(content: unknown): string {
	if (typeof content === "string") return content;
	if (!Array.isArray(content)) return "";
	return content.map((part) => (isRecord(part) && typeof part.text === "string" ? part.text : "")).join("");
}

/** The JSON schema a response_format asks for, "json" for JSON mode without one, undefined for text. */
function formatOf(responseFormat: unknown): unknown {
	if (!isRecord(responseFormat)) return undefined;
	const type = responseFormat.type;
	if (type === "json_schema") {
		const wrapper = responseFormat.json_schema;
		if (isRecord(wrapper) && wrapper.schema !== undefined) return wrapper.schema;
		if (responseFormat.schema !== undefined) return responseFormat.schema;
		return "json";
	}
	if (type === "json_object") return responseFormat.schema !== undefined ? responseFormat.schema : "json";
	return undefined;
}

function toChat(r: RecordedRequest, evaluation: Evaluation = NOT_EVALUATED): RecordedChat {
	const b = isRecord(r.body) ? r.body : {};
	const messages = Array.isArray(b.messages)
		? (b.messages as unknown[]).map((m) => {
				const o = isRecord(m) ? m : {};
				return { role: typeof o.role === "string" ? o.role : "", content: contentText(o.content) };
			})
		: [];
	const options: Record<string, unknown> = {};
	if (b.temperature !== undefined) options.temperature = b.temperature;
	if (b.max_tokens !== undefined) options.max_tokens = b.max_tokens;
	const format = formatOf(b.response_format);
	return {
		model: typeof b.model === "string" ? b.model : "",
		messages,
		...(format !== undefined ? { format } : {}),
		options,
		stream: b.stream === true,
		promptTokens: evaluation.promptTokens,
		numCtx: evaluation.numCtx,
		truncated: evaluation.truncated,
		effectivePrompt: evaluation.effectivePrompt,
		request: r,
	};
}

function json(res: http.ServerResponse, status: number, value: unknown): void {
	res.writeHead(status, { "Content-Type": "application/json; charset=utf-8" }).end(JSON.stringify(value));
}

function randomId(): string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	return [...randomBytes(32)].map((b) => alphabet[b % alphabet.length]).join("");
}

function base64Floats(values: number[]): string {
	const buf = Buffer.alloc(values.length * 4);
	values.forEach((v, i) => buf.writeFloatLE(v, i * 4));
	return buf.toString("base64");
}

export class FakeOpenAi extends ScriptedModelServer {
	readonly flavor: OpenAiFlavor;
	readonly nCtx: number;
	/** Dimensions of /v1/embeddings vectors; change it between runs to model another embedding model. */
	embeddingDimensions: number;
	/** lmstudio: ids of the loaded models (a chat or embedding request loads its model, as LM Studio's just-in-time loading does). */
	readonly loaded: Set<string>;
	private readonly models: FakeOpenAiModel[];
	private readonly evaluations = new WeakMap<RecordedRequest, Evaluation>();
	private readonly created = Math.floor(Date.now() / 1000);

	constructor(
		server: http.Server,
		private readonly options: FakeOpenAiOptions,
	) {
		super(server);
		this.flavor = options.flavor ?? "llama-server";
		this.nCtx = options.nCtx ?? 8192;
		this.models = options.models ?? DEFAULT_FAKE_OPENAI_MODELS;
		this.embeddingDimensions = options.embeddingDimensions ?? 256;
		this.loaded = new Set(options.loaded ?? this.models.map((m) => m.id));
		server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
			void this.handle(req, res).catch(() => res.destroy());
		});
	}

	/** /v1/chat/completions bodies, in order. */
	get chats(): RecordedChat[] {
		return this.chatRequests().map((r) => toChat(r, this.evaluations.get(r)));
	}

	/** Each chat's raw response_format (undefined when it sent none), in the order of `chats`. */
	get responseFormats(): unknown[] {
		return this.chatRequests().map((r) => (r.body as Record<string, unknown>).response_format);
	}

	private chatRequests(): RecordedRequest[] {
		return this.requests.filter((r) => r.path === "/v1/chat/completions" && isRecord(r.body));
	}

	private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
		const { record, path, badJson, cut } = await this.record(req, res);
		const { method, body } = record;

		if (this.options.apiKey !== undefined && this.needsKey(path) && req.headers.authorization !== `Bearer ${this.options.apiKey}`) {
			if (this.flavor === "vllm") json(res, 401, { error: "Unauthorized" });
			else json(res, 401, llamaServerError(401, "Invalid API Key"));
			return;
		}
		const fault = this.pathFaults.get(path)?.shift();
		if (fault) {
			if (fault.delayMs) await sleep(fault.delayMs);
			if (fault.hang) return;
			if (fault.rawBody !== undefined) {
				res.writeHead(fault.status ?? 200, { "Content-Type": "text/plain; charset=utf-8" }).end(fault.rawBody);
				return;
			}
			const status = fault.status ?? 500;
			json(res, status, llamaServerError(status, fault.error ?? "fake-openai: scripted failure"));
			return;
		}
		const key = `${method} ${path}`;
		if (badJson && (key === "POST /v1/chat/completions" || key === "POST /v1/embeddings")) {
			json(res, 400, llamaServerError(400, "Failed to parse the request body as JSON"));
			return;
		}
		const request = isRecord(body) ? body : {};
		if (key === "POST /v1/chat/completions") return this.chat(res, record, request, cut);
		if (key === "POST /v1/embeddings") return this.embed(res, request);
		if (key === "GET /v1/models") return json(res, 200, this.modelList());
		if (key === "GET /health" && this.flavor !== "lmstudio") {
			if (this.flavor === "vllm") res.writeHead(200).end();
			else json(res, 200, { status: "ok" });
			return;
		}
		if (key === "GET /props" && this.flavor === "llama-server") return json(res, 200, this.props());
		if (method === "GET" && this.flavor === "lmstudio" && (path === "/api/v0/models" || path.startsWith("/api/v0/models/"))) {
			if (path === "/api/v0/models") return json(res, 200, { object: "list", data: this.models.map((m) => this.lmStudioModel(m)) });
			const id = decodeURIComponent(path.slice("/api/v0/models/".length));
			const model = this.models.find((m) => m.id === id);
			if (model) json(res, 200, this.lmStudioModel(model));
			else json(res, 404, this.lmStudioNotFound(id));
			return;
		}
		this.notFound(res, method, path);
	}

	/** Which paths the API key guards, per server (see the header). */
	private needsKey(path: string): boolean {
		switch (this.flavor) {
			case "llama-server":
				return !["/", "/health", "/models", "/v1/models"].includes(path);
			case "vllm":
				return path === "/v1" || path.startsWith("/v1/");
			default:
				return true;
		}
	}

	private notFound(res: http.ServerResponse, method: string, path: string): void {
		switch (this.flavor) {
			case "lmstudio":
				json(res, 200, { error: `Unexpected endpoint or method. (${method} ${path})` });
				return;
			case "vllm":
				json(res, 404, { detail: "Not Found" });
				return;
			default:
				json(res, 404, llamaServerError(404, "File Not Found"));
		}
	}

	private trainContext(m: FakeOpenAiModel): number {
		return m.nCtxTrain ?? (m.id.includes("embed") ? 2048 : 131072);
	}

	private modelList() {
		switch (this.flavor) {
			case "llama-server": {
				const m = this.models[0]!;
				const embed = m.id.includes("embed");
				const meta = {
					vocab_type: embed ? 3 : 2,
					n_vocab: embed ? 30522 : 128256,
					n_ctx_train: this.trainContext(m),
					n_embd: embed ? 768 : 4096,
					n_params: embed ? 136_731_648 : 8_030_261_312,
					size: embed ? 274_290_560 : 4_912_898_304,
				};
				return { object: "list", data: [{ id: m.id, object: "model", created: this.created, owned_by: "llamacpp", meta }] };
			}
			case "lmstudio":
				return { data: this.models.map((m) => ({ id: m.id, object: "model", owned_by: "organization_owner" })), object: "list" };
			case "vllm":
				return {
					object: "list",
					data: this.models.map((m) => ({
						id: m.id,
						object: "model",
						created: this.created,
						owned_by: "vllm",
						root: m.id,
						parent: null,
						max_model_len: this.nCtx,
						permission: [
							{
								id: `modelperm-${randomId()}`,
								object: "model_permission",
								created: this.created,
								allow_create_engine: false,
								allow_sampling: true,
								allow_logprobs: true,
								allow_search_indices: false,
								allow_view: true,
								allow_fine_tuning: false,
								organization: "*",
								group: null,
								is_blocking: false,
							},
						],
					})),
				};
			default:
				return { object: "list", data: this.models.map((m) => ({ id: m.id, object: "model", created: this.created, owned_by: "fake" })) };
		}
	}

	private props() {
		return {
			default_generation_settings: {
				id: 0,
				id_task: -1,
				n_ctx: this.nCtx,
				speculative: false,
				is_processing: false,
				params: {
					n_predict: -1,
					seed: 4294967295,
					temperature: 0.8,
					top_k: 40,
					top_p: 0.95,
					min_p: 0.05,
					repeat_last_n: 64,
					repeat_penalty: 1,
					max_tokens: -1,
					n_keep: 0,
					n_discard: 0,
					ignore_eos: false,
					stream: true,
					n_probs: 0,
					min_keep: 0,
					grammar: "",
					samplers: ["dry", "top_k", "typ_p", "top_p", "min_p", "xtc", "temperature"],
					timings_per_token: false,
				},
				prompt: "",
				next_token: { has_next_token: true, has_new_line: false, n_remain: -1, n_decoded: 0, stopping_word: "" },
			},
			total_slots: 1,
			model_path: `/models/${this.models[0]?.id ?? "model"}.gguf`,
			chat_template: LLAMA31_TEMPLATE,
			chat_template_caps: {},
			modalities: { vision: false, audio: false },
			build_info: BUILD_INFO,
			is_sleeping: false,
		};
	}

	private lmStudioModel(m: FakeOpenAiModel) {
		const embed = m.id.includes("embed");
		const loaded = this.loaded.has(m.id);
		return {
			id: m.id,
			object: "model",
			type: embed ? "embeddings" : "llm",
			publisher: embed ? "nomic-ai" : "lmstudio-community",
			arch: embed ? "nomic-bert" : "llama",
			compatibility_type: "gguf",
			quantization: embed ? "Q4_0" : "Q4_K_M",
			state: loaded ? "loaded" : "not-loaded",
			max_context_length: this.trainContext(m),
			...(loaded ? { loaded_context_length: this.nCtx } : {}),
		};
	}

	private lmStudioNotFound(id: string) {
		const list = this.models.map((m) => m.id).join("\n");
		return {
			error: {
				message: `Model "${id}" not found. Please specify a valid model.\n\nYour models:\n\n${list}`,
				type: "invalid_request_error",
				param: "model",
				code: "model_not_found",
			},
		};
	}

	/** The model a request is served by, or the 404 to answer (per flavor; see the header). */
	private resolveModel(requested: unknown): { id: string } | { status: number; body: unknown } {
		const name = typeof requested === "string" ? requested : "";
		switch (this.flavor) {
			case "lmstudio": {
				const id = name !== "" ? name : ([...this.loaded][0] ?? "");
				if (!this.models.some((m) => m.id === id)) return { status: 404, body: this.lmStudioNotFound(name) };
				this.loaded.add(id);
				return { id };
			}
			case "vllm": {
				const id = name !== "" ? name : (this.models[0]?.id ?? "");
				if (!this.models.some((m) => m.id === id))
					return {
						status: 404,
						body: { error: { message: `The model \`${name}\` does not exist.`, type: "NotFoundError", param: null, code: 404 } },
					};
				return { id };
			}
			default:
				return { id: name !== "" ? name : (this.models[0]?.id ?? "model") };
		}
	}

	/** What the server does with the prompt before generating: fits it, cuts it (LM Studio) or refuses it. */
	private evaluate(chat: RecordedChat): Evaluation {
		const rendered = renderLlama31Chat(chat.messages);
		const tokens = llama31Tokens(rendered);
		const n = tokens.length;
		const nCtx = this.nCtx;
		const fits = { promptTokens: n, numCtx: nCtx, truncated: false, effectivePrompt: rendered };
		switch (this.flavor) {
			case "lmstudio": {
				if (n <= nCtx) return fits;
				const kept = tokens.slice(n - nCtx);
				return { promptTokens: nCtx, numCtx: nCtx, truncated: true, effectivePrompt: llama31Tokenizer().decode(kept, { skip_special_tokens: false }) };
			}
			case "vllm": {
				const maxTokens = positiveInt(chat.options.max_tokens);
				if (n < nCtx && (maxTokens === undefined || n + maxTokens <= nCtx)) return fits;
				const message =
					maxTokens === undefined
						? `This model's maximum context length is ${nCtx} tokens. However, your request has ${n} input tokens. Please reduce the length of the input messages.`
						: `This model's maximum context length is ${nCtx} tokens. However, you requested ${n + maxTokens} tokens (${n} in the messages, ${maxTokens} in the completion). Please reduce the length of the messages or completion.`;
				return {
					...NOT_EVALUATED,
					numCtx: nCtx,
					refusal: { status: 400, body: { error: { message, type: "BadRequestError", param: null, code: 400 } } },
				};
			}
			default:
				// server-context.cpp: `if (slot.task->n_tokens() >= slot.n_ctx)` → ERROR_TYPE_EXCEED_CONTEXT_SIZE.
				if (n < nCtx) return fits;
				return { ...NOT_EVALUATED, numCtx: nCtx, refusal: { status: 400, body: exceedContextBody(n, nCtx) } };
		}
	}

	private async chat(res: http.ServerResponse, record: RecordedRequest, request: Record<string, unknown>, cut: () => void): Promise<void> {
		/** Resolves when the event has been handed to the socket, so a scripted cut comes after it. */
		const send = (text: string) => new Promise<void>((resolve) => res.write(text, () => resolve()));
		const event = (value: unknown) => send(`data: ${JSON.stringify(value)}\n\n`);
		const served = this.resolveModel(request.model);
		if ("status" in served) {
			json(res, served.status, served.body);
			return;
		}
		const responseFormat = request.response_format;
		if (this.options.jsonSchema === "reject" && isRecord(responseFormat) && responseFormat.type === "json_schema") {
			json(res, 400, llamaServerError(400, JSON_SCHEMA_REFUSED));
			return;
		}
		if (!Array.isArray(request.messages) || request.messages.length === 0) {
			json(res, 400, llamaServerError(400, "'messages' is required and must be a non-empty array"));
			return;
		}
		const evaluation = this.evaluate(toChat(record));
		this.evaluations.set(record, evaluation);
		if (evaluation.refusal) {
			json(res, evaluation.refusal.status, evaluation.refusal.body);
			return;
		}
		const chat = toChat(record, evaluation);
		let next: FakeReply | null | undefined = this.queue.shift() ?? this.defaultReply;
		while (typeof next === "function") next = await next(chat);
		if (next === null || next === undefined) {
			json(res, 500, llamaServerError(500, "fake-openai: no reply queued for this chat request"));
			return;
		}
		const reply: ChatReply = typeof next === "string" ? { text: next } : next;
		if (reply.firstByteDelayMs) await sleep(reply.firstByteDelayMs);
		if (reply.hang || res.destroyed) return;
		if (reply.status !== undefined) {
			json(res, reply.status, llamaServerError(reply.status, reply.error ?? "fake-openai: scripted failure"));
			return;
		}

		const pieces = split(reply);
		const promptTokens = reply.promptEvalCount ?? chat.promptTokens;
		const completionTokens = reply.evalCount ?? pieces.length;
		const usage = { completion_tokens: completionTokens, prompt_tokens: promptTokens, total_tokens: promptTokens + completionTokens };
		const finishReason = reply.doneReason ?? "stop";
		const llamaServer = this.flavor === "llama-server";
		const timings = {
			cache_n: 0,
			prompt_n: promptTokens,
			prompt_ms: 200,
			prompt_per_token_ms: promptTokens > 0 ? 200 / promptTokens : 0,
			prompt_per_second: promptTokens / 0.2,
			predicted_n: completionTokens,
			predicted_ms: 600,
			predicted_per_token_ms: completionTokens > 0 ? 600 / completionTokens : 0,
			predicted_per_second: completionTokens / 0.6,
		};
		const id = `chatcmpl-${randomId()}`;
		const created = Math.floor(Date.now() / 1000);
		const model = served.id;
		const extra = llamaServer ? { system_fingerprint: BUILD_INFO } : {};

		if (!chat.stream || this.options.stream === false) {
			json(res, 200, {
				choices: [{ finish_reason: finishReason, index: 0, message: { role: "assistant", content: pieces.join("") } }],
				created,
				model,
				...extra,
				object: "chat.completion",
				usage,
				id,
				...(llamaServer ? { timings } : {}),
			});
			return;
		}

		const chunk = (choices: unknown[], more: Record<string, unknown> = {}) => ({
			choices,
			created,
			id,
			model,
			...extra,
			object: "chat.completion.chunk",
			...more,
		});
		const delta = (d: Record<string, unknown>, finish: string | null = null) => chunk([{ finish_reason: finish, index: 0, delta: d }]);
		const streamOptions = request.stream_options;
		const includeUsage = isRecord(streamOptions) && streamOptions.include_usage === true;
		res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
		const fault = reply.fault;
		if (fault?.kind === "headers-then-hang") {
			res.flushHeaders();
			return;
		}
		let roleSent = false;
		const sendRole = async () => {
			if (roleSent) return;
			roleSent = true;
			await event(delta({ role: "assistant", content: llamaServer ? null : "" }));
		};
		/** Runs the fault scheduled at this point; true when the response is over. */
		const faultAt = async (i: number): Promise<boolean> => {
			if (!fault || !("after" in fault) || fault.after !== i) return false;
			if (fault.kind === "cut") {
				cut();
				return true;
			}
			if (fault.kind === "error") {
				res.end(`data: ${JSON.stringify({ error: { code: 500, message: fault.message, type: "server_error" } })}\n\n`);
				return true;
			}
			if (fault.kind === "endless-line") {
				const piece = `data: {"choices":[{"finish_reason":null,"index":0,"delta":{"content":"${"x".repeat(64 * 1024)}`;
				for (let sent = 0; sent < fault.megabytes * 1024 * 1024 && !res.destroyed; sent += piece.length) await send(piece);
				return true;
			}
			await send(`data: {"choices":[{"finish_reason":null,"index":0,"delta":{"content":"\n\n`);
			return false;
		};
		for (let i = 0; i < pieces.length; i++) {
			if (res.destroyed) return;
			if (await faultAt(i)) return;
			if (i > 0 && reply.chunkDelayMs) await sleep(reply.chunkDelayMs);
			if (res.destroyed) return;
			await sendRole();
			await event(delta({ content: pieces[i] }));
		}
		if (fault && "after" in fault && fault.after >= pieces.length) {
			if (fault.kind === "cut") return cut();
			if (fault.kind === "error") {
				res.end(`data: ${JSON.stringify({ error: { code: 500, message: fault.message, type: "server_error" } })}\n\n`);
				return;
			}
			await send(`data: {"choices":[{"finish_reason":null,"index":0,"delta":{"content":"\n\n`);
		}
		if (reply.chunkDelayMs) await sleep(reply.chunkDelayMs);
		if (res.destroyed) return;
		if (fault?.kind === "no-done") {
			res.end();
			return;
		}
		await sendRole();
		const timingsField = llamaServer ? { timings } : {};
		await event(includeUsage ? delta({}, finishReason) : { ...delta({}, finishReason), ...timingsField });
		if (includeUsage) await event(chunk([], { usage, ...timingsField }));
		res.end("data: [DONE]\n\n");
	}

	private embed(res: http.ServerResponse, request: Record<string, unknown>): void {
		if (this.options.embeddings === false) {
			json(res, 501, llamaServerError(501, NO_EMBEDDINGS));
			return;
		}
		const served = this.resolveModel(request.model);
		if ("status" in served) {
			json(res, served.status, served.body);
			return;
		}
		const input = request.input;
		const texts = typeof input === "string" ? [input] : Array.isArray(input) ? input.map((t) => (typeof t === "string" ? t : JSON.stringify(t))) : [];
		if (texts.length === 0 || texts.every((t) => t === "")) {
			json(res, 400, llamaServerError(400, "Input content cannot be empty"));
			return;
		}
		const base64 = request.encoding_format === "base64";
		const tokens = texts.reduce((n, t) => n + Math.ceil(t.length / 4), 0);
		json(res, 200, {
			model: served.id,
			object: "list",
			usage: { prompt_tokens: tokens, total_tokens: tokens },
			data: texts.map((t, index) => {
				const v = fakeEmbedding(t, this.embeddingDimensions, this.options.concepts);
				return { embedding: base64 ? base64Floats(v) : v, index, object: "embedding" };
			}),
		});
	}
}

/** Starts a fake OpenAI-compatible server on 127.0.0.1 at a random port. */
export async function startFakeOpenAi(options: FakeOpenAiOptions = {}): Promise<FakeOpenAi> {
	const server = http.createServer();
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	return new FakeOpenAi(server, options);
}
