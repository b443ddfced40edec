/**
 * The local language model on a server that speaks the OpenAI-compatible API: LM Studio,
 * llama.cpp's llama-server, Jan, vLLM, KoboldCpp, LocalAI, the MLX servers (and Ollama's own /v1).
 * The second real LlmClient beside Ollama's (./ollama.ts), with the same guarantees: every request
 * on the one HTTP path (requestStream in ./http, so the endpoint policy, the egress log, the timeouts
 * and cancellation are the same), the practice server's token as the API key (`Authorization:
 * Bearer`, sent and never shown), every failure a ClinicalVaultError that says what to do, and the
 * model's text never in a message (it is clinical).
 *
 * - Chat: POST /v1/chat/completions with `"stream": true`; the answer arrives as server-sent events
 *   (`data: {chunk}` … `data: [DONE]`), parsed with eventsource-parser. A server that does not
 *   stream and answers one JSON object is understood too. `stream_options.include_usage` asks for
 *   the prompt's token count, which the model boundary checks for a cut prompt.
 * - Structured answers: `response_format` {type: "json_schema"} with the schema. A server that
 *   refuses it gets JSON mode instead ({type: "json_object"}, with the schema as llama-server
 *   reads it, and the schema written into the system message for servers that do not); the
 *   answer is validated against the same zod schema either way (src/core/llm/structured.ts).
 *   `promptOverhead` tells the boundary the room that schema text may take, so it is counted.
 * - Context: these servers load a model with a fixed context and a request cannot change it. It is
 *   read where the server tells it (llama-server GET /props, LM Studio GET /api/v0/models/{id} for a
 *   loaded model, vLLM's max_model_len in /v1/models, KoboldCpp GET
 *   /api/extra/true_max_context_length); else the clinician's setting; with neither, the request is
 *   refused with what to set. Never a guess: a server that cuts a prompt longer than its context
 *   (LM Studio does) would draft from part of the session.
 */
import type * as http from "node:http";
import { clearTimeout, setTimeout } from "node:timers";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { Cancelled, ClinicalVaultError, isCancelled } from "../core/errors";
import { ENGINE_PRESETS, presetFor, type EnginePreset } from "../core/llm/engines";
import { estimateTokens, type ChatMessage, type ChatRequest, type ChatResult, type LlmClient, type ModelInfo } from "../core/llm/LlmClient";
import type { EndpointPolicy } from "../core/net/endpoint";
import { requestStream, TransportError, type StreamResponse } from "./http";
import { CallerError, isRecord, MAX_ANSWER_CHARS, oneLine, timeoutWords } from "./modelAnswers";
import { DEFAULT_OLLAMA_TIMEOUTS, type OllamaTimeouts } from "./ollama";

export type ModelServerTimeouts = OllamaTimeouts;

export interface OpenAiCompatibleOptions {
	/** The server's address, e.g. http://127.0.0.1:1234 (a trailing /v1 is accepted). */
	url: string;
	policy: EndpointPolicy;
	/** API key (a practice server's token, Jan's key); sent as a bearer token, never logged. */
	token?: string;
	/** The preset the server was chosen by (lmstudio, jan, …), for its name and hints in messages; else found by the address. */
	preset?: string;
	/** The model's context in tokens when the server does not say (the clinician's setting); 0 or absent: none. A smaller value than the server's caps it. */
	contextTokens?: number;
	timeouts?: Partial<ModelServerTimeouts>;
	agent?: http.Agent;
}

/** How structured answers are asked for: a JSON schema, else JSON mode with the schema in the prompt. */
type StructuredMode = "json_schema" | "json_object";

const SCHEMA_INSTRUCTION = "Answer with one JSON object, and nothing else, that follows this JSON schema:";

/** "127.0.0.1:1234", "http://127.0.0.1:1234/v1/" → "http://127.0.0.1:1234". */
export function normalizeServerUrl(raw: string): string {
	let text = raw.trim();
	if (text === "") throw new ClinicalVaultError("invalid-input", "The model server's address is empty (expected something like http://127.0.0.1:1234).");
	if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) text = `http://${text}`;
	let url: URL;
	try {
		url = new URL(text);
	} catch {
		throw new ClinicalVaultError("invalid-input", `The model server's address "${raw}" is not a URL (expected something like http://127.0.0.1:1234).`);
	}
	return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "").replace(/\/v1$/, "")}`;
}

function positiveInt(value: unknown): number | null {
	return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : null;
}

/** The message of an error body as the servers word it: OpenAI {"error": {"message"}}, LM Studio {"error": "…"}, vLLM {"message"}. */
function serverMessage(text: string): { message: string; type: string } {
	try {
		const parsed: unknown = JSON.parse(text);
		if (isRecord(parsed)) {
			const error = parsed.error;
			if (typeof error === "string") return { message: error, type: "" };
			if (isRecord(error))
				return {
					message: typeof error.message === "string" ? error.message : JSON.stringify(error),
					type: typeof error.type === "string" ? error.type : "",
				};
			if (typeof parsed.message === "string") return { message: parsed.message, type: typeof parsed.type === "string" ? parsed.type : "" };
			if (typeof parsed.detail === "string") return { message: parsed.detail, type: "" };
		}
	} catch {
		// Not JSON: a proxy's page, another server's 404.
	}
	return { message: text, type: "" };
}

async function readAll(body: ReadableStream<Uint8Array>, limit = MAX_ANSWER_CHARS): Promise<string> {
	const reader = body.getReader();
	const decoder = new TextDecoder();
	let text = "";
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		text += decoder.decode(value, { stream: true });
		if (text.length > limit) {
			await reader.cancel();
			throw new ClinicalVaultError("engine", "The model server sent an answer far larger than expected.", { detail: `over ${limit} characters` });
		}
	}
	return text + decoder.decode();
}

/** The server does not have the model asked for (said by the server, or by its model list). */
class ModelMissing extends ClinicalVaultError {}

/** A request the server refused because of `response_format`: the next, plainer mode is tried. */
class FormatRefused extends Error {
	constructor(readonly refusal: ClinicalVaultError) {
		super("response_format refused");
	}
}

interface Call {
	method: "GET" | "POST";
	path: string;
	body?: unknown;
	signal?: AbortSignal;
	firstByteMs: number;
	model?: string;
}

export class OpenAiCompatibleClient implements LlmClient {
	readonly host: string;
	/** For messages: "LM Studio", "llama.cpp (llama-server)", or "The model server". */
	readonly label: string;
	private readonly preset: EnginePreset | undefined;
	private readonly timeouts: ModelServerTimeouts;
	private readonly hostError: ClinicalVaultError | null = null;
	private structured: StructuredMode = "json_schema";

	constructor(private readonly options: OpenAiCompatibleOptions) {
		let host: string;
		try {
			host = normalizeServerUrl(options.url);
		} catch (error) {
			host = options.url.trim();
			this.hostError = error instanceof ClinicalVaultError ? error : null;
		}
		this.host = host;
		this.preset = ENGINE_PRESETS.find((p) => p.id === options.preset && p.kind === "openai") ?? presetFor({ kind: "openai", url: host });
		this.label = this.preset?.label ?? "The model server";
		this.timeouts = { ...DEFAULT_OLLAMA_TIMEOUTS, ...options.timeouts };
	}

	/** Tokens the schema may take when it has to be written into the prompt (JSON mode), so the boundary counts them. */
	promptOverhead(request: Pick<ChatRequest, "format">): number {
		return typeof request.format === "object" ? estimateTokens(`${SCHEMA_INSTRUCTION}\n${JSON.stringify(request.format)}`) + 8 : 0;
	}

	async chat(request: ChatRequest): Promise<ChatResult> {
		for (;;) {
			const mode = this.structured;
			try {
				return await this.chatOnce(request, mode);
			} catch (error) {
				if (!(error instanceof FormatRefused)) throw error;
				// Only a refused JSON schema has a plainer mode to try; JSON mode itself refused ("json", or the fallback) has none.
				if (mode === "json_schema" && typeof request.format === "object") {
					this.structured = "json_object";
					continue;
				}
				throw new ClinicalVaultError(
					"engine",
					`${this.label} at ${this.host} accepts neither a JSON schema nor JSON mode for answers, which notes, documents and proposals need. Update it, or use Ollama, llama-server or LM Studio. Nothing was changed.`,
					{ detail: error.refusal.detail, cause: error.refusal },
				);
			}
		}
	}

	private async chatOnce(request: ChatRequest, mode: StructuredMode): Promise<ChatResult> {
		let messages: ChatMessage[] = request.messages;
		let responseFormat: Record<string, unknown> | undefined;
		if (request.format === "json") responseFormat = { type: "json_object" };
		else if (request.format !== undefined && mode === "json_schema")
			responseFormat = { type: "json_schema", json_schema: { name: "answer", strict: true, schema: request.format } };
		else if (request.format !== undefined) {
			responseFormat = { type: "json_object", schema: request.format };
			messages = withSchema(messages, request.format);
		}
		const inputTokens = estimateTokens(messages.map((m) => m.content).join("\n"));
		const body = {
			model: request.model,
			messages: messages.map((m) => ({ role: m.role, content: m.content })),
			stream: true,
			stream_options: { include_usage: true },
			temperature: request.temperature ?? 0.2,
			...(responseFormat ? { response_format: responseFormat } : {}),
		};
		let text = "";
		let promptTokens: number | undefined;
		let outputTokens: number | undefined;
		let doneReason: string | undefined;
		// Set from the parser's callbacks, so in an object (flow analysis does not follow callbacks).
		const stream = { done: false, failure: null as ClinicalVaultError | null, events: 0 };
		const take = (piece: string) => {
			if (piece === "") return;
			text += piece;
			try {
				request.onToken?.(piece, text);
			} catch (error) {
				throw new CallerError(error);
			}
		};
		const takeChunk = (chunk: Record<string, unknown>) => {
			const choice = Array.isArray(chunk.choices) && isRecord(chunk.choices[0]) ? chunk.choices[0] : null;
			if (choice) {
				const delta = isRecord(choice.delta) ? choice.delta : isRecord(choice.message) ? choice.message : null;
				if (delta && typeof delta.content === "string") take(delta.content);
				if (typeof choice.finish_reason === "string" && choice.finish_reason !== "") doneReason = choice.finish_reason;
			}
			if (isRecord(chunk.usage)) {
				const p = positiveInt(chunk.usage.prompt_tokens);
				const c = positiveInt(chunk.usage.completion_tokens);
				if (p !== null) promptTokens = p;
				if (c !== null) outputTokens = c;
			}
		};

		await this.call(
			{
				method: "POST",
				path: "/v1/chat/completions",
				body,
				signal: request.signal,
				model: request.model,
				firstByteMs: this.timeouts.firstByteMs + inputTokens * this.timeouts.perInputTokenMs,
			},
			async (res) => {
				const type = String(res.headers["content-type"] ?? "");
				if (!type.includes("text/event-stream")) {
					// A server that does not stream: one chat.completion object.
					const whole = await readAll(res.body);
					const parsed = parseJson(whole);
					if (!isRecord(parsed) || !Array.isArray(parsed.choices))
						throw this.notOpenAi("/v1/chat/completions", "the answer is neither a stream nor a chat completion");
					takeChunk(parsed);
					stream.done = true;
					return;
				}
				// Characters read since the last whole event: a server that never ends one would otherwise fill memory until the idle timeout.
				let sinceEvent = 0;
				const parser = createParser({
					onEvent: (event: EventSourceMessage) => {
						sinceEvent = 0;
						if (stream.failure || stream.done) return;
						stream.events++;
						if (event.data.trim() === "[DONE]") {
							stream.done = true;
							return;
						}
						const chunk = parseJson(event.data);
						if (!isRecord(chunk)) {
							// The line's text may be model output (clinical): its position only.
							stream.failure = new ClinicalVaultError(
								"engine",
								`${this.label} at ${this.host} sent a malformed answer (an event that is not JSON). Try again; if it keeps happening, update or restart the server.`,
								{
									detail: `event ${stream.events} (${event.data.length} characters) is not a JSON object`,
								},
							);
							return;
						}
						if ("error" in chunk && chunk.error !== undefined && chunk.error !== null) {
							const why = serverMessage(JSON.stringify(chunk)).message;
							stream.failure = new ClinicalVaultError("engine", `${this.label} stopped with an error while writing the answer: ${oneLine(why)}`, {
								detail: why,
							});
							return;
						}
						takeChunk(chunk);
					},
				});
				const reader = res.body.getReader();
				const decoder = new TextDecoder();
				for (;;) {
					const { done, value } = await reader.read();
					if (done) break;
					const piece = decoder.decode(value, { stream: true });
					sinceEvent += piece.length;
					parser.feed(piece);
					if (!stream.failure && sinceEvent > MAX_ANSWER_CHARS) {
						stream.failure = new ClinicalVaultError(
							"engine",
							`${this.label} at ${this.host} sent a malformed answer (an event far longer than any answer). Try again, or restart it.`,
							{ detail: `event ${stream.events + 1} is over ${MAX_ANSWER_CHARS} characters` },
						);
					}
					if (stream.failure) {
						await reader.cancel().catch(() => undefined);
						throw stream.failure;
					}
					if (stream.done) {
						// The answer is complete; let the server end the response (so the connection ends as
						// "ok", not "cancelled"), but never wait long for it.
						await drain(reader, 2000);
						break;
					}
				}
				parser.feed(`${decoder.decode()}\n\n`);
				if (stream.failure) throw stream.failure;
			},
		);
		if (!stream.done && doneReason === undefined) {
			throw new ClinicalVaultError(
				"engine",
				`${this.label} at ${this.host} ended its answer early, without the final message. Try again; if it keeps happening, restart it.`,
				{
					detail: "the event stream ended without a finish_reason or [DONE]",
				},
			);
		}
		if (text.trim() === "") {
			throw new ClinicalVaultError("engine", `The model ${request.model} at ${this.host} returned nothing. Try again, or choose another model.`, {
				detail: `finish_reason ${doneReason ?? "(none)"}, completion_tokens ${outputTokens ?? "(none)"}`,
			});
		}
		return {
			text,
			...(promptTokens !== undefined ? { promptTokens } : {}),
			...(outputTokens !== undefined ? { outputTokens } : {}),
			...(doneReason !== undefined ? { doneReason } : {}),
		};
	}

	async listModels(signal?: AbortSignal): Promise<ModelInfo[]> {
		const list = await this.getJson("/v1/models", signal);
		const data = isRecord(list) ? (Array.isArray(list.data) ? list.data : Array.isArray(list.models) ? list.models : null) : null;
		if (!data) throw this.notOpenAi("/v1/models", "no data array");
		return data.filter(isRecord).flatMap((m): ModelInfo[] => {
			const name = typeof m.id === "string" ? m.id : typeof m.name === "string" ? m.name : typeof m.model === "string" ? m.model : null;
			if (!name) return [];
			const meta = isRecord(m.meta) ? m.meta : {};
			const size = positiveInt(meta.size);
			return [{ name, ...(size !== null ? { sizeBytes: size } : {}) }];
		});
	}

	async contextLength(model: string, signal?: AbortSignal): Promise<number | null> {
		const reported = await this.reportedContext(model, signal);
		const set = this.options.contextTokens !== undefined && this.options.contextTokens > 0 ? Math.floor(this.options.contextTokens) : null;
		if (reported !== null && set !== null) return Math.min(reported, set);
		const context = reported ?? set;
		if (context !== null) return context;
		throw new ClinicalVaultError(
			"engine",
			`${this.label} at ${this.host} does not say how much context the model "${model}" has, and no context is set. Set "Model context (tokens)" in the settings (or --context N on the command line) to the context the server loads the model with. Nothing was sent.`,
			{ detail: "no /props, /api/v0/models, max_model_len or true_max_context_length answer" },
		);
	}

	/** Where the server tells the context it loaded the model with; null when it does not. */
	private async reportedContext(model: string, signal?: AbortSignal): Promise<number | null> {
		/**
		 * A path this server may not have: its refusal (an error status, an answer that is not JSON)
		 * means "not here", anything else (the policy, a bad address, nothing listening, a timeout, the
		 * API key) is the answer to give. `required`: /v1/models, which every OpenAI-compatible server
		 * has, so a server without it is the wrong server (an Ollama or a web server's port).
		 */
		const optional = async (path: string, required = false, model?: string): Promise<unknown> => {
			try {
				return await this.getJson(path, signal, model);
			} catch (error) {
				if (isCancelled(error) || signal?.aborted) throw error instanceof Cancelled ? error : new Cancelled();
				if (error instanceof ModelMissing) throw error;
				if (!(error instanceof ClinicalVaultError) || error.code !== "engine" || error.cause instanceof TransportError) throw error;
				if (required || /HTTP (401|403)\b/.test(error.detail)) throw error;
				return null;
			}
		};
		// llama-server: the context per slot.
		const props = await optional("/props");
		if (isRecord(props) && isRecord(props.default_generation_settings)) {
			const n = positiveInt(props.default_generation_settings.n_ctx);
			if (n !== null) return n;
		}
		// LM Studio: only a loaded model's context is known. A model it loads on demand gets LM Studio's
		// default context, whatever the setting says, and LM Studio cuts a longer prompt silently: so a
		// model that is not loaded is refused, with what to do.
		const lm = await optional(`/api/v0/models/${encodeURIComponent(model)}`, false, model);
		if (isRecord(lm)) {
			const loaded = positiveInt(lm.loaded_context_length);
			if (loaded !== null && lm.state !== "not-loaded") return loaded;
			if (lm.state === "not-loaded") {
				throw new ClinicalVaultError(
					"engine",
					`LM Studio at ${this.host} has the model "${model}" but has not loaded it. Load it in LM Studio (Developer → Load model, or: lms load ${model} --context-length 16384) with the context you want, then try again: a model loaded on demand gets LM Studio's default context, which would cut a long session. Nothing was sent.`,
					{ detail: "/api/v0/models state not-loaded" },
				);
			}
		}
		// vLLM: each served model's max_model_len in the model list; a name it does not serve is refused at once.
		const models = await optional("/v1/models", true);
		const data = isRecord(models) && Array.isArray(models.data) ? models.data.filter(isRecord) : [];
		const served = data.filter((m) => positiveInt(m.max_model_len) !== null);
		if (served.length > 0) {
			const entry = served.find((m) => m.id === model);
			if (!entry)
				throw this.modelMissing(
					model,
					`not in /v1/models (${served.map((m) => String(m.id)).join(", ")})`,
					served.map((m) => String(m.id)),
				);
			return positiveInt(entry.max_model_len);
		}
		// KoboldCpp.
		const kobold = await optional("/api/extra/true_max_context_length");
		if (isRecord(kobold)) {
			const n = positiveInt(kobold.value);
			if (n !== null) return n;
		}
		// Nothing said the context. Ollama's own OpenAI-compatible API can neither report nor set the context per request, and
		// cuts a longer prompt to its default silently: refuse, and name the kind that works.
		const ollama = await optional("/api/version");
		if (isRecord(ollama) && typeof ollama.version === "string" && !("error" in ollama)) {
			throw new ClinicalVaultError(
				"engine",
				`${this.host} is Ollama. Through its OpenAI-compatible API it cannot be told how much context to give the model, and it cuts longer prompts silently: choose the server kind "Ollama" in the settings (or --llm ollama=${this.host}). Nothing was sent.`,
				{ detail: `GET /api/version answered version ${ollama.version}` },
			);
		}
		return null;
	}

	async embed(model: string, inputs: string[], signal?: AbortSignal): Promise<number[][]> {
		if (inputs.length === 0) return [];
		const inputTokens = estimateTokens(inputs.join("\n"));
		const result = await this.call(
			{
				method: "POST",
				path: "/v1/embeddings",
				body: { model, input: inputs },
				signal,
				model,
				firstByteMs: this.timeouts.firstByteMs + inputTokens * this.timeouts.perInputTokenMs,
			},
			async (res) => parseJson(await readAll(res.body)),
		);
		const data = isRecord(result) && Array.isArray(result.data) ? result.data.filter(isRecord) : null;
		if (!data || data.length !== inputs.length) throw this.notOpenAi("/v1/embeddings", `expected ${inputs.length} embeddings`);
		const ordered = [...data].sort((a, b) => (typeof a.index === "number" ? a.index : 0) - (typeof b.index === "number" ? b.index : 0));
		const vectors = ordered.map((d) => d.embedding);
		if (!vectors.every((v): v is number[] => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "number" && Number.isFinite(x)))) {
			throw this.notOpenAi("/v1/embeddings", "an embedding is not a list of numbers (base64 or empty)");
		}
		return vectors;
	}

	private async getJson(path: string, signal?: AbortSignal, model?: string): Promise<unknown> {
		return this.call({ method: "GET", path, signal, firstByteMs: this.timeouts.metadataMs, ...(model !== undefined ? { model } : {}) }, async (res) => {
			const text = await readAll(res.body);
			const value = parseJson(text);
			if (value === undefined) throw this.notOpenAi(path, "the answer is not JSON");
			return value;
		});
	}

	/**
	 * One request on the HTTP path: the policy is checked and the egress logged there; a non-2xx
	 * answer becomes the error that says what to do; every failure leaves as Cancelled or a
	 * ClinicalVaultError; the connection is closed when `read` returns.
	 */
	private async call<T>(call: Call, read: (res: StreamResponse) => Promise<T>): Promise<T> {
		if (this.hostError) throw this.hostError;
		if (call.signal?.aborted) throw new Cancelled();
		const local = new AbortController();
		const onAbort = () => local.abort();
		call.signal?.addEventListener("abort", onAbort, { once: true });
		try {
			const body = call.body === undefined ? undefined : JSON.stringify(call.body);
			const res = await requestStream(this.options.policy, {
				url: `${this.host}${call.path}`,
				method: call.method,
				headers: {
					accept: call.path === "/v1/chat/completions" ? "text/event-stream, application/json" : "application/json",
					...(body !== undefined ? { "content-type": "application/json" } : {}),
					...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}),
				},
				...(body !== undefined ? { body } : {}),
				signal: local.signal,
				firstByteTimeoutMs: call.firstByteMs,
				idleTimeoutMs: this.timeouts.betweenChunksMs,
				what: "model server",
				purpose: "openai-compatible",
				...(this.options.agent ? { agent: this.options.agent } : {}),
			});
			if (res.status < 200 || res.status >= 300) {
				const text = await readAll(res.body, 64 * 1024).catch(() => "");
				const error = this.httpError(res.status, text, call);
				if (call.body !== undefined && isRecord(call.body) && call.body.response_format !== undefined && isFormatRefusal(res.status, text))
					throw new FormatRefused(error);
				throw error;
			}
			return await read(res);
		} catch (error) {
			if (error instanceof CallerError) throw error.error;
			if (error instanceof FormatRefused) throw error;
			if (call.signal?.aborted) throw new Cancelled();
			throw this.translate(error);
		} finally {
			call.signal?.removeEventListener("abort", onAbort);
			local.abort();
		}
	}

	private httpError(status: number, text: string, call: Call): ClinicalVaultError {
		const { message: said, type } = serverMessage(text.slice(0, 4000));
		const detail = `HTTP ${status} from ${call.method} ${call.path}: ${oneLine(said, 500)}`;
		const preset = this.preset;
		if (status === 401 || status === 403) {
			return new ClinicalVaultError(
				"engine",
				`${this.label} at ${this.host} refused the request (HTTP ${status}): it needs an API key${preset?.keyRequired ? " (Jan: Settings → Local API Server)" : ""}, or the key is wrong. Put the key in the keychain entry named in the settings (the CLI reads $CLINICAL_VAULT_ENGINE_TOKEN).`,
				{ detail },
			);
		}
		if (call.path === "/v1/embeddings" && (status === 501 || /not support embeddings|--embeddings/i.test(said))) {
			return new ClinicalVaultError(
				"engine",
				`${this.label} at ${this.host} does not serve embeddings (llama-server needs --embeddings and an embedding model). Choose a separate embedding engine in the settings, or turn semantic search off; keyword search still works.`,
				{ detail },
			);
		}
		if (
			call.model !== undefined &&
			(status === 404 || status === 400) &&
			/model/i.test(`${type} ${said}`) &&
			/not.?(found|loaded|exist|available)|does not exist|no model|unknown model/i.test(`${type} ${said}`)
		) {
			return this.modelMissing(call.model, detail);
		}
		if (/exceed_context_size|exceeds the available context|context length|maximum context|too many tokens|context size/i.test(`${type} ${said}`)) {
			return new ClinicalVaultError(
				"engine",
				`The input was longer than the context the server loaded the model with, and it refused it. Nothing was saved as a checked draft; load the model with a larger context (and set it in the settings), or use a shorter input.`,
				{ detail },
			);
		}
		if (status === 404) {
			return new ClinicalVaultError(
				"engine",
				`${this.host} has no ${call.path}: is this an OpenAI-compatible model server, and is the address right? (whisper-server also listens on port 8080 by default; an Ollama address needs the engine kind "Ollama".)`,
				{ detail },
			);
		}
		const why = said.trim() === "" ? "" : `: ${oneLine(said)}`;
		if (status >= 500) return new ClinicalVaultError("engine", `${this.label} at ${this.host} failed to answer (HTTP ${status})${why}`, { detail });
		return new ClinicalVaultError("engine", `${this.label} at ${this.host} refused the request (HTTP ${status})${why}`, { detail });
	}

	private modelMissing(model: string, detail: string, names: string[] = []): ModelMissing {
		const has = names.length > 0 ? ` It has: ${names.slice(0, 6).join(", ")}${names.length > 6 ? ", …" : ""}.` : "";
		return new ModelMissing(
			"engine",
			`The model "${model}" is not available at ${this.host}${this.label === "LM Studio" ? " (download it, or load it, in LM Studio)" : ""}.${has} Choose one of its models in the settings ("Test connection" lists them; clinical-vault models on the command line). Nothing was changed.`,
			{ detail },
		);
	}

	private notOpenAi(path: string, why: string): ClinicalVaultError {
		return new ClinicalVaultError(
			"engine",
			`The answer from ${this.host}${path} is not what an OpenAI-compatible server sends: is this the right address, and the right engine kind?`,
			{ detail: why },
		);
	}

	private translate(error: unknown): ClinicalVaultError | Cancelled {
		if (error instanceof Cancelled || isCancelled(error)) return error instanceof Cancelled ? error : new Cancelled();
		if (error instanceof TransportError) return this.transport(error);
		if (error instanceof ClinicalVaultError) return error;
		const message = error instanceof Error ? error.message : String(error);
		return new ClinicalVaultError("engine", `${this.label} at ${this.host} failed: ${oneLine(message)}`, { detail: message, cause: error });
	}

	private transport(error: TransportError): ClinicalVaultError {
		const options = { detail: error.detail, cause: error };
		const ms = error.timeoutMs;
		const secs = timeoutWords(ms);
		const preset = this.preset;
		switch (error.failure) {
			case "first-byte-timeout":
				return new ClinicalVaultError(
					"engine",
					`${this.label} at ${this.host} accepted the request but sent nothing for${secs}. The model may still be loading or the computer is overloaded: try again.`,
					options,
				);
			case "idle-timeout":
				return new ClinicalVaultError(
					"engine",
					`${this.label} at ${this.host} stopped writing in the middle of the answer (nothing for${secs}). Try again, or restart it.`,
					options,
				);
			case "cut-off":
				return new ClinicalVaultError(
					"engine",
					`The connection to ${this.label === "The model server" ? "the model server" : this.label} at ${this.host} broke before the answer was complete (it may have stopped or crashed). Try again.`,
					options,
				);
			case "unreachable": {
				const code = (error.cause as { code?: unknown } | null)?.code;
				if (code === "ECONNREFUSED") {
					return new ClinicalVaultError(
						"engine",
						`Nothing is listening at ${this.host}: start ${preset ? `${preset.label} (${preset.hint})` : "the model server"}, then try again.`,
						options,
					);
				}
				if (code === "ENOTFOUND" || code === "EAI_AGAIN")
					return new ClinicalVaultError("engine", `Could not find the model server ${this.host}: check its address in the settings.`, options);
				return new ClinicalVaultError("engine", `Could not reach the model server at ${this.host}: the connection failed. Is it running?`, options);
			}
		}
	}
}

/** Reads what is left of a finished answer until it ends or `ms` pass, then lets it go. */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array>, ms: number): Promise<void> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), ms)));
	try {
		for (;;) {
			const next = await Promise.race([reader.read().catch(() => ({ done: true as const, value: undefined })), timeout]);
			if (next === "timeout" || next.done) break;
		}
	} finally {
		clearTimeout(timer);
		await reader.cancel().catch(() => undefined);
	}
}

function parseJson(text: string): unknown {
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return undefined;
	}
}

/** A 400/422 (or a server's 500) whose message names the response format: the request may go again in a plainer mode. */
function isFormatRefusal(status: number, text: string): boolean {
	if (status !== 400 && status !== 422 && status !== 500 && status !== 501) return false;
	return /response_format|json_schema|json_object|response format|schema/i.test(serverMessage(text).message);
}

/** The schema in the system message, for servers in JSON mode that do not read it from response_format. */
function withSchema(messages: readonly ChatMessage[], schema: Record<string, unknown>): ChatMessage[] {
	const text = `${SCHEMA_INSTRUCTION}\n${JSON.stringify(schema)}`;
	const first = messages.findIndex((m) => m.role === "system");
	if (first === -1) return [{ role: "system", content: text }, ...messages];
	return messages.map((m, i) => (i === first ? { role: m.role, content: `${m.content}\n\n${text}` } : m));
}
