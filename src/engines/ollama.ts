/**
 * The local language model: Ollama, with every request on our Node HTTP
 * path (createNodeFetch → requestStream in ./http). So in Obsidian there is no browser CORS, the
 * NDJSON answer streams in as the model writes it, the endpoint policy (loopback, or an allowlisted
 * practice server over https) is checked before any connection, cancelling closes the connection, and
 * every failure is a ClinicalVaultError that tells the clinician what to do. Never logs; the bearer
 * token goes in a header and into no message.
 *
 * Entry point: "ollama/browser". The package's main entry ("ollama") is the same client plus Node
 * conveniences we do not want: it requires node:fs and node:path so it can read images from file
 * paths (a string that happens to name a file is read from disk and uploaded) and guard create().
 * The browser entry needs only fetch, Response, ReadableStream and TextDecoder, which exist in Node
 * 20 and in Electron's renderer, and we supply fetch; it bundles into the CJS plugin and CLI with no
 * Node built-in of its own.
 *
 * The streamed chat is ours: POST /api/chat on the same fetch, its NDJSON read and parsed once, line
 * by line (ndjsonMessages), so each line is checked as it is parsed and no text of the answer ever
 * reaches the library (which writes a line that is not JSON, here clinical, to the console). The
 * library serves the calls that answer in one JSON body: /api/tags, /api/show and /api/embed; the
 * fetch below answers HTTP errors itself, so it never sees a non-JSON error body either.
 */
import type * as http from "node:http";
import { Ollama, type Options } from "ollama/browser";
import { Cancelled, ClinicalVaultError, isCancelled } from "../core/errors";
import { estimateTokens, type ChatRequest, type ChatResult, type LlmClient, type ModelInfo } from "../core/llm/LlmClient";
import type { EndpointPolicy } from "../core/net/endpoint";
import { checkEgress, TransportError } from "./http";
import { CallerError, isRecord, MAX_ANSWER_CHARS, oneLine, timeoutWords } from "./modelAnswers";
import { createNodeFetch, type FetchFunction } from "./nodeFetch";

export const DEFAULT_OLLAMA_HOST = "http://127.0.0.1:11434";
const WHAT = "Ollama server";

export interface OllamaTimeouts {
	/**
	 * Chat and embed: how long Ollama may take before the first byte of its answer, for loading the
	 * model into memory. Default 120 s. `perInputTokenMs` is added for each token of input, because
	 * Ollama reads the whole prompt before it writes anything.
	 */
	firstByteMs: number;
	/** Added to firstByteMs per estimated input token (prompt evaluation). Default 20 ms (50 tokens/s, a slow CPU). */
	perInputTokenMs: number;
	/** Once the answer flows, the longest silence between two pieces. Default 60 s. */
	betweenChunksMs: number;
	/** /api/tags and /api/show, which load nothing. Default 30 s. */
	metadataMs: number;
}

export const DEFAULT_OLLAMA_TIMEOUTS: OllamaTimeouts = { firstByteMs: 120_000, perInputTokenMs: 20, betweenChunksMs: 60_000, metadataMs: 30_000 };

export interface OllamaOptions {
	/** Default http://127.0.0.1:11434. Without a scheme, http:// and (without a port) :11434 are assumed, as Ollama does. */
	host?: string;
	policy: EndpointPolicy;
	/** Bearer token for a practice server behind an authenticating proxy; sent, never logged. */
	token?: string;
	timeouts?: Partial<OllamaTimeouts>;
	/** A custom http(s) agent: a practice server's own certificate authority; tests that watch connections. */
	agent?: http.Agent;
}

/** Ollama's convention for OLLAMA_HOST: "127.0.0.1", "127.0.0.1:11434" or a full URL. */
export function normalizeOllamaHost(raw: string | undefined): string {
	let text = (raw ?? "").trim() || DEFAULT_OLLAMA_HOST;
	const explicit = /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
	if (!explicit) text = `http://${text}`;
	let url: URL;
	try {
		url = new URL(text);
	} catch {
		throw new ClinicalVaultError("invalid-input", `The Ollama address "${raw ?? ""}" is not a URL (expected something like ${DEFAULT_OLLAMA_HOST}).`);
	}
	if (!explicit && !url.port) url.port = "11434";
	return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`;
}

/**
 * Ollama's streamed answer, NDJSON: each line parsed once, here, and checked before the caller
 * reads it. A line that is not a JSON object, an `{"error": …}` line, or an end without a
 * `done: true` message is a ClinicalVaultError whose detail gives the line's position only (its text
 * may be clinical). Lines before a bad one are yielded first (the caller keeps the partial text).
 * Reading stops at the `done: true` message; the caller's call closes the connection.
 */
async function* ndjsonMessages(body: ReadableStream<Uint8Array>, host: string): AsyncGenerator<Record<string, unknown>> {
	const reader = body.getReader();
	const decoder = new TextDecoder();
	let buffer = "";
	let lineNo = 0;
	const parse = (line: string): Record<string, unknown> => {
		lineNo++;
		let value: unknown;
		try {
			value = JSON.parse(line);
		} catch {
			throw new ClinicalVaultError(
				"engine",
				`Ollama at ${host} sent a malformed answer (a line that is not JSON). Try again; if it keeps happening, update or restart Ollama.`,
				{ detail: `NDJSON line ${lineNo} (${line.length} characters) is not JSON` },
			);
		}
		if (!isRecord(value)) {
			throw new ClinicalVaultError(
				"engine",
				`Ollama at ${host} sent a malformed answer (a line that is not a JSON object). Try again, or update Ollama.`,
				{
					detail: `NDJSON line ${lineNo} is a JSON ${Array.isArray(value) ? "array" : typeof value}`,
				},
			);
		}
		if ("error" in value) {
			const text = typeof value.error === "string" ? value.error : JSON.stringify(value.error);
			throw new ClinicalVaultError("engine", `Ollama stopped with an error while writing the answer: ${oneLine(text)}`, { detail: text });
		}
		return value;
	};
	try {
		for (;;) {
			const { done, value } = await reader.read();
			// Only the new text is searched for line ends, so a long line costs its length once.
			const text = done ? decoder.decode() : decoder.decode(value, { stream: true });
			const lines: string[] = [];
			let from = 0;
			for (let end = text.indexOf("\n"); end !== -1; end = text.indexOf("\n", from)) {
				lines.push(buffer + text.slice(from, end));
				buffer = "";
				from = end + 1;
			}
			buffer += text.slice(from);
			if (done && buffer !== "") {
				lines.push(buffer);
				buffer = "";
			}
			for (const line of lines) {
				if (line.trim() === "") continue;
				const message = parse(line);
				yield message;
				if (message.done === true) return;
			}
			// A server that never ends a line would otherwise fill memory until the idle timeout.
			if (buffer.length > MAX_ANSWER_CHARS) {
				throw new ClinicalVaultError(
					"engine",
					`Ollama at ${host} sent a malformed answer (a line far longer than any answer). Try again, or restart Ollama.`,
					{
						detail: `NDJSON line ${lineNo + 1} is over ${MAX_ANSWER_CHARS} characters`,
					},
				);
			}
			if (done) {
				throw new ClinicalVaultError(
					"engine",
					`Ollama at ${host} ended its answer early, without the final message. Try again; if it keeps happening, restart Ollama.`,
					{ detail: "the NDJSON stream ended without done: true" },
				);
			}
		}
	} finally {
		reader.releaseLock();
	}
}

interface CallOptions {
	signal: AbortSignal;
	firstByteMs: number;
	model?: string;
}

/** POST /api/chat as Ollama documents it, with its "truncate" field (0.12.6+). */
interface ChatBody {
	model: string;
	messages: { role: string; content: string }[];
	stream: true;
	format?: unknown;
	options: Partial<Options>;
	truncate: boolean;
}

export class OllamaClient implements LlmClient {
	readonly host: string;
	private readonly timeouts: OllamaTimeouts;
	/** A host setting that is not a URL fails each call (with the reason), not the constructor. */
	private readonly hostError: ClinicalVaultError | null = null;

	constructor(private readonly options: OllamaOptions) {
		let host: string;
		try {
			host = normalizeOllamaHost(options.host);
		} catch (error) {
			host = (options.host ?? "").trim();
			this.hostError = error instanceof ClinicalVaultError ? error : null;
		}
		this.host = host;
		this.timeouts = { ...DEFAULT_OLLAMA_TIMEOUTS, ...options.timeouts };
	}

	async chat(request: ChatRequest): Promise<ChatResult> {
		const options: Partial<Options> = { temperature: request.temperature ?? 0.2 };
		if (request.numCtx !== undefined && request.numCtx > 0) options.num_ctx = Math.ceil(request.numCtx);
		const inputTokens = estimateTokens(request.messages.map((m) => m.content).join("\n"));
		let text = "";
		// Set by the done message, which ndjsonMessages requires before the stream may end.
		let final: Omit<ChatResult, "text"> = {};
		await this.call(
			request.signal,
			{ model: request.model, firstByteMs: this.timeouts.firstByteMs + inputTokens * this.timeouts.perInputTokenMs },
			async (_, fetch) => {
				// "truncate": false (Ollama 0.12.6 and later) makes a prompt longer than num_ctx an error
				// instead of a silent cut; older versions ignore the field and the model boundary checks
				// prompt_eval_count instead.
				const body: ChatBody = {
					model: request.model,
					messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
					stream: true,
					...(request.format !== undefined ? { format: request.format } : {}),
					options,
					truncate: false,
				};
				const res = await fetch(`${this.host}/api/chat`, {
					method: "POST",
					headers: { "content-type": "application/json", accept: "application/json", ...this.authorization() },
					body: JSON.stringify(body),
				});
				if (!res.body) throw this.notOllama("/api/chat", "no body");
				for await (const part of ndjsonMessages(res.body, this.host)) {
					const message = isRecord(part.message) ? part.message : {};
					const piece = typeof message.content === "string" ? message.content : "";
					if (piece !== "") {
						text += piece;
						try {
							request.onToken?.(piece, text);
						} catch (error) {
							throw new CallerError(error);
						}
					}
					if (part.done === true) {
						final = {
							...(typeof part.prompt_eval_count === "number" ? { promptTokens: part.prompt_eval_count } : {}),
							...(typeof part.eval_count === "number" ? { outputTokens: part.eval_count } : {}),
							...(typeof part.done_reason === "string" && part.done_reason !== "" ? { doneReason: part.done_reason } : {}),
						};
					}
				}
			},
		);
		if (text.trim() === "") {
			throw new ClinicalVaultError("engine", `Ollama's model ${request.model} returned nothing. Try again, or choose another model.`, {
				detail: `done_reason ${final.doneReason ?? "(none)"}, eval_count ${final.outputTokens ?? "(none)"}`,
			});
		}
		return { text, ...final };
	}

	async listModels(signal?: AbortSignal): Promise<ModelInfo[]> {
		const list = await this.call(signal, { firstByteMs: this.timeouts.metadataMs }, (client) => client.list());
		const models: unknown = (list as unknown as { models?: unknown }).models;
		if (!Array.isArray(models)) throw this.notOllama("/api/tags", "no models array");
		return models.filter(isRecord).flatMap((m): ModelInfo[] => {
			const name = typeof m.name === "string" ? m.name : typeof m.model === "string" ? m.model : null;
			if (!name) return [];
			const details = isRecord(m.details) ? m.details : {};
			return [
				{
					name,
					...(typeof m.size === "number" ? { sizeBytes: m.size } : {}),
					...(typeof details.parameter_size === "string" && details.parameter_size !== "" ? { parameterSize: details.parameter_size } : {}),
				},
			];
		});
	}

	async contextLength(model: string, signal?: AbortSignal): Promise<number | null> {
		const show = (await this.call(signal, { model, firstByteMs: this.timeouts.metadataMs }, (client) => client.show({ model }))) as unknown;
		if (!isRecord(show)) throw this.notOllama("/api/show", "not a JSON object");
		const info = show.model_info;
		if (isRecord(info)) {
			const arch = typeof info["general.architecture"] === "string" ? `${info["general.architecture"]}.context_length` : null;
			const keys = Object.keys(info).filter((k) => k.endsWith(".context_length"));
			keys.sort((a, b) => Number(b === arch) - Number(a === arch));
			for (const key of keys) {
				const value = info[key];
				if (typeof value === "number" && Number.isInteger(value) && value > 0) return value;
			}
		}
		if (typeof show.parameters === "string") {
			const match = /^\s*num_ctx\s+(\d+)\s*$/m.exec(show.parameters);
			if (match && Number(match[1]) > 0) return Number(match[1]);
		}
		return null;
	}

	async embed(model: string, inputs: string[], signal?: AbortSignal): Promise<number[][]> {
		if (inputs.length === 0) return [];
		const inputTokens = estimateTokens(inputs.join("\n"));
		const result = (await this.call(signal, { model, firstByteMs: this.timeouts.firstByteMs + inputTokens * this.timeouts.perInputTokenMs }, (client) =>
			client.embed({ model, input: inputs }),
		)) as unknown;
		const embeddings = isRecord(result) ? result.embeddings : undefined;
		if (
			!Array.isArray(embeddings) ||
			embeddings.length !== inputs.length ||
			!embeddings.every((v): v is number[] => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "number"))
		) {
			throw this.notOllama("/api/embed", `expected ${inputs.length} embeddings`);
		}
		return embeddings;
	}

	/**
	 * Runs one library call on a fresh client whose fetch carries this call's signal and timeouts
	 * (the library forwards no signal for list/show/embed). Whatever happens, the connection is
	 * closed when the call returns, and every failure leaves as Cancelled or a ClinicalVaultError.
	 */
	private async call<T>(
		signal: AbortSignal | undefined,
		call: Omit<CallOptions, "signal">,
		run: (client: Ollama, fetch: FetchFunction) => Promise<T>,
	): Promise<T> {
		if (this.hostError) throw this.hostError;
		checkEgress(this.host, this.options.policy, { what: WHAT, purpose: "ollama" });
		if (signal?.aborted) throw new Cancelled();
		const local = new AbortController();
		const onAbort = () => local.abort();
		signal?.addEventListener("abort", onAbort, { once: true });
		try {
			const fetch = this.fetchFor({ ...call, signal: local.signal });
			const client = new Ollama({ host: this.host, fetch, headers: this.authorization() });
			return await run(client, fetch);
		} catch (error) {
			if (error instanceof CallerError) throw error.error;
			if (signal?.aborted) throw new Cancelled();
			throw this.translate(error);
		} finally {
			signal?.removeEventListener("abort", onAbort);
			local.abort();
		}
	}

	private fetchFor(call: CallOptions): FetchFunction {
		const nodeFetch = createNodeFetch({
			policy: this.options.policy,
			what: WHAT,
			purpose: "ollama",
			signal: call.signal,
			firstByteTimeoutMs: call.firstByteMs,
			idleTimeoutMs: this.timeouts.betweenChunksMs,
			...(this.options.agent ? { agent: this.options.agent } : {}),
		});
		return async (input, init) => {
			const res = await nodeFetch(input, init);
			const path = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url).pathname;
			if (!res.ok) throw await this.httpError(res, path, call.model);
			return res;
		};
	}

	/** The bearer token for a practice server behind an authenticating proxy: a header, never in a message. */
	private authorization(): Record<string, string> {
		return this.options.token ? { authorization: `Bearer ${this.options.token}` } : {};
	}

	private async httpError(res: Response, path: string, model: string | undefined): Promise<ClinicalVaultError> {
		let text = "";
		try {
			text = (await res.text()).slice(0, 4000);
		} catch {
			// The body broke off; the status alone is enough.
		}
		let serverError = text;
		try {
			const parsed: unknown = JSON.parse(text);
			if (isRecord(parsed) && typeof parsed.error === "string") serverError = parsed.error;
		} catch {
			// Not JSON (a proxy's page, gin's "404 page not found"): keep the text.
		}
		const detail = `HTTP ${res.status} from ${path}: ${oneLine(serverError, 500)}`;
		if (res.status === 404 && model !== undefined && /model\b.*\bnot found/i.test(serverError)) {
			return new ClinicalVaultError("engine", `The model "${model}" is not installed in Ollama at ${this.host}. Install it with: ollama pull ${model}`, {
				detail,
			});
		}
		if (res.status === 401 || res.status === 403) {
			return new ClinicalVaultError(
				"engine",
				`The Ollama server at ${this.host} refused access (HTTP ${res.status}): the access token is missing or wrong. Check it in the settings.`,
				{ detail },
			);
		}
		if (res.status === 404) {
			return new ClinicalVaultError("engine", `${this.host} has no ${path}: is this an Ollama server, and is it up to date?`, { detail });
		}
		if (/input length exceeds the context length|prompt is longer than the context/i.test(serverError)) {
			return new ClinicalVaultError(
				"engine",
				`The input was longer than the model's context, and Ollama refused it rather than cut it. Nothing was saved as a checked draft; choose a model with a larger context or a shorter input.`,
				{ detail },
			);
		}
		const why = serverError.trim() === "" ? "" : `: ${oneLine(serverError)}`;
		if (res.status >= 500) return new ClinicalVaultError("engine", `Ollama failed to answer (HTTP ${res.status})${why}`, { detail });
		return new ClinicalVaultError("engine", `Ollama refused the request (HTTP ${res.status})${why}`, { detail });
	}

	private notOllama(path: string, why: string): ClinicalVaultError {
		return new ClinicalVaultError(
			"engine",
			`The answer from ${this.host}${path} is not what Ollama sends: is this an Ollama server, and is it up to date?`,
			{ detail: why },
		);
	}

	private translate(error: unknown): ClinicalVaultError | Cancelled {
		if (error instanceof Cancelled || isCancelled(error)) return error instanceof Cancelled ? error : new Cancelled();
		if (error instanceof TransportError) return this.transport(error);
		if (error instanceof ClinicalVaultError) return error;
		if (error instanceof SyntaxError) {
			return new ClinicalVaultError("engine", `Ollama at ${this.host} answered with something that is not JSON. Is this an Ollama server?`, {
				detail: error.message,
				cause: error,
			});
		}
		const message = error instanceof Error ? error.message : String(error);
		return new ClinicalVaultError("engine", `Ollama at ${this.host} failed: ${oneLine(message)}`, { detail: message, cause: error });
	}

	private transport(error: TransportError): ClinicalVaultError {
		const host = this.host;
		const options = { detail: error.detail, cause: error };
		const ms = error.timeoutMs;
		const secs = timeoutWords(ms);
		switch (error.failure) {
			case "first-byte-timeout":
				return new ClinicalVaultError(
					"engine",
					`Ollama at ${host} accepted the request but sent nothing for${secs}. The model may still be loading or the computer is overloaded: try again, or restart Ollama.`,
					options,
				);
			case "idle-timeout":
				return new ClinicalVaultError(
					"engine",
					`Ollama at ${host} stopped writing in the middle of the answer (nothing for${secs}). Try again, or restart Ollama.`,
					options,
				);
			case "cut-off":
				return new ClinicalVaultError(
					"engine",
					`The connection to Ollama at ${host} broke before the answer was complete (Ollama may have stopped or crashed). Try again.`,
					options,
				);
			case "unreachable": {
				const code = (error.cause as { code?: unknown } | null)?.code;
				if (code === "ECONNREFUSED") {
					return new ClinicalVaultError(
						"engine",
						`Ollama is not running at ${host}: start it (ollama serve, or open the Ollama app), then try again.`,
						options,
					);
				}
				if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
					return new ClinicalVaultError(
						"engine",
						`Could not find the Ollama server ${new URL(host).hostname}: check the Ollama address in the settings.`,
						options,
					);
				}
				if (typeof code === "string" && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) {
					return new ClinicalVaultError("engine", `The Ollama server at ${host} presented a certificate this computer does not trust.`, options);
				}
				return new ClinicalVaultError("engine", `Could not reach Ollama at ${host}: the connection failed. Is it running?`, options);
			}
		}
	}
}
