/**
 * The one HTTP client for engines (whisper-server, OpenAI-compatible servers, later Ollama), on
 * Node's http/https: no browser CORS, streaming bodies, cancellation with AbortSignal, and the
 * endpoint policy checked before every request. Never logs.
 */
import * as http from "node:http";
import * as https from "node:https";
import { clearTimeout, setTimeout } from "node:timers";
import { Cancelled, ClinicalVaultError } from "../core/errors";
import { checkEndpoint, type EndpointPolicy } from "../core/net/endpoint";

export interface HttpRequest {
	method?: "GET" | "POST" | "DELETE";
	url: string;
	headers?: Record<string, string>;
	body?: Uint8Array | string;
	signal?: AbortSignal;
	/** No response headers within this time: the engine is treated as down. */
	timeoutMs?: number;
	what?: string;
}

export interface HttpResponse {
	status: number;
	headers: http.IncomingHttpHeaders;
	body: Uint8Array;
}

export function engineDown(what: string, url: string, cause: unknown): ClinicalVaultError {
	const code = (cause as { code?: string } | null)?.code ?? "";
	const why = code === "ECONNREFUSED" ? "nothing is listening there" : code === "ETIMEDOUT" ? "it did not answer in time" : "the connection failed";
	return new ClinicalVaultError("engine", `Could not reach the ${what} at ${url}: ${why}. Is it running?`, { detail: String(cause), cause });
}

/** Sends a request and resolves with the whole response. Non-2xx statuses are returned, not thrown. */
export function request(policy: EndpointPolicy, req: HttpRequest): Promise<HttpResponse> {
	const what = req.what ?? "engine";
	const url = checkEndpoint(req.url, policy, what);
	return new Promise<HttpResponse>((resolve, reject) => {
		if (req.signal?.aborted) {
			reject(new Cancelled());
			return;
		}
		const body = typeof req.body === "string" ? Buffer.from(req.body, "utf8") : req.body ? Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength) : undefined;
		const lib = url.protocol === "https:" ? https : http;
		const r = lib.request(
			url,
			{
				method: req.method ?? (body ? "POST" : "GET"),
				headers: { ...(body ? { "content-length": String(body.length) } : {}), ...req.headers },
			},
			(res) => {
				clearTimeout(timer);
				const chunks: Buffer[] = [];
				res.on("data", (c: Buffer) => chunks.push(c));
				res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: new Uint8Array(Buffer.concat(chunks)) }));
				res.on("error", (e) => reject(engineDown(what, url.origin, e)));
			},
		);
		const timer = setTimeout(() => {
			r.destroy(Object.assign(new Error("timeout"), { code: "ETIMEDOUT" }));
		}, req.timeoutMs ?? 30_000);
		const onAbort = () => {
			clearTimeout(timer);
			r.destroy();
			reject(new Cancelled());
		};
		req.signal?.addEventListener("abort", onAbort, { once: true });
		r.on("error", (e) => {
			clearTimeout(timer);
			req.signal?.removeEventListener("abort", onAbort);
			if (req.signal?.aborted) reject(new Cancelled());
			else reject(engineDown(what, url.origin, e));
		});
		r.on("close", () => req.signal?.removeEventListener("abort", onAbort));
		r.end(body);
	});
}

/** multipart/form-data body for file uploads (whisper-server /inference, /v1/audio/transcriptions). */
export function multipart(fields: Record<string, string>, file: { field: string; name: string; type: string; data: Uint8Array }): { body: Uint8Array; contentType: string } {
	const boundary = `----clinicalvault${Math.random().toString(16).slice(2)}${Date.now().toString(16)}`;
	const parts: Buffer[] = [];
	for (const [k, v] of Object.entries(fields)) {
		parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
	}
	parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`));
	parts.push(Buffer.from(file.data.buffer, file.data.byteOffset, file.data.byteLength));
	parts.push(Buffer.from(`\r\n--${boundary}--\r\n`));
	return { body: new Uint8Array(Buffer.concat(parts)), contentType: `multipart/form-data; boundary=${boundary}` };
}

/**
 * Why a streaming request failed, so an engine can word the message for its own case (Ollama says
 * "start it with ollama serve" where a whisper server would say something else).
 */
export type TransportFailure = "unreachable" | "first-byte-timeout" | "idle-timeout" | "cut-off";

export class TransportError extends ClinicalVaultError {
	/** For the timeouts: the limit that was exceeded. */
	readonly timeoutMs: number | undefined;

	constructor(
		readonly failure: TransportFailure,
		/** The origin it talked to, e.g. http://127.0.0.1:11434. */
		readonly origin: string,
		message: string,
		options: { detail?: string; cause?: unknown; timeoutMs?: number } = {},
	) {
		super("engine", message, options);
		this.name = "TransportError";
		this.timeoutMs = options.timeoutMs;
	}
}

export interface StreamRequest extends Omit<HttpRequest, "timeoutMs"> {
	/**
	 * Nothing of the body (nor its end) within this time after sending: "first-byte-timeout". This
	 * covers a server that accepts and then hangs, and must allow for slow starts (a model loading).
	 * Default 120 s.
	 */
	firstByteTimeoutMs?: number;
	/** After the first byte, no further chunk within this time (not counting while paused for a slow reader): "idle-timeout". Default 60 s. */
	idleTimeoutMs?: number;
	/** A custom agent: a practice server with its own certificate authority, or a test that watches connections. */
	agent?: http.Agent;
}

export interface StreamResponse {
	status: number;
	statusText: string;
	headers: http.IncomingHttpHeaders;
	/**
	 * The body as it arrives. It errors with a TransportError (timeouts, connection cut) or Cancelled
	 * (the signal); cancelling it closes the connection.
	 */
	body: ReadableStream<Uint8Array>;
}

function seconds(ms: number): string {
	return ms >= 10_000 ? `${Math.round(ms / 1000)} s` : `${Number((ms / 1000).toFixed(1))} s`;
}

/** Chunks held for a reader that is not reading before the socket is paused. */
const STREAM_BUFFER_CHUNKS = 64;

/**
 * Sends a request and resolves when the response headers arrive, with the body as a stream fed from
 * the socket as data comes in (NDJSON, server-sent events). The endpoint policy is checked before
 * connecting; the signal closes the connection at any point (the stream then errors with Cancelled at
 * once); non-2xx statuses are returned, not thrown. When the connection breaks or stalls, the reader
 * first gets everything that did arrive, then the TransportError. Backpressure: the socket is paused
 * while too much is waiting for the reader, and the idle timer does not run meanwhile, so a slow
 * consumer is never mistaken for a stalled server.
 */
export async function requestStream(policy: EndpointPolicy, req: StreamRequest): Promise<StreamResponse> {
	const what = req.what ?? "engine";
	const url = checkEndpoint(req.url, policy, what);
	const origin = url.origin;
	if (req.signal?.aborted) throw new Cancelled();
	const body = typeof req.body === "string" ? Buffer.from(req.body, "utf8") : req.body ? Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength) : undefined;
	const firstByteMs = req.firstByteTimeoutMs ?? 120_000;
	const idleMs = req.idleTimeoutMs ?? 60_000;
	const lib = url.protocol === "https:" ? https : http;

	return new Promise<StreamResponse>((resolve, reject) => {
		let response: http.IncomingMessage | undefined;
		const queue: Uint8Array[] = [];
		let ended = false;
		let failure: Error | null = null;
		let paused = false;
		let wake: (() => void) | null = null;
		let timer: ReturnType<typeof setTimeout> | undefined;

		const notify = () => {
			const w = wake;
			wake = null;
			w?.();
		};
		const stopTimer = () => {
			if (timer !== undefined) clearTimeout(timer);
			timer = undefined;
		};
		const settled = () => ended || failure !== null;
		const cleanup = () => {
			stopTimer();
			req.signal?.removeEventListener("abort", onAbort);
		};
		const fail = (error: Error) => {
			if (settled()) return;
			failure = error;
			cleanup();
			r.destroy();
			if (error instanceof Cancelled) queue.length = 0;
			if (response) notify();
			else reject(error);
		};
		const arm = (ms: number, kind: "first-byte-timeout" | "idle-timeout") => {
			stopTimer();
			timer = setTimeout(() => {
				const message =
					kind === "first-byte-timeout"
						? `The ${what} at ${origin} accepted the request but sent nothing for ${seconds(ms)}.`
						: `The ${what} at ${origin} stopped sending for ${seconds(ms)} in the middle of its answer.`;
				fail(new TransportError(kind, origin, message, { timeoutMs: ms }));
			}, ms);
		};
		const cutOff = (cause: unknown) =>
			new TransportError("cut-off", origin, `The connection to the ${what} at ${origin} broke before the answer was complete.`, { detail: String(cause), cause });
		const onAbort = () => fail(new Cancelled());

		const r = lib.request(
			url,
			{
				method: req.method ?? (body ? "POST" : "GET"),
				headers: { ...(body ? { "content-length": String(body.length) } : {}), ...req.headers },
				...(req.agent ? { agent: req.agent } : {}),
			},
			(res) => {
				response = res;
				if (settled()) {
					res.destroy();
					return;
				}
				const stream = new ReadableStream<Uint8Array>(
					{
						async pull(controller) {
							for (;;) {
								const chunk = queue.shift();
								if (chunk) {
									controller.enqueue(chunk);
									if (paused && queue.length < STREAM_BUFFER_CHUNKS / 2 && !settled()) {
										paused = false;
										arm(idleMs, "idle-timeout");
										res.resume();
									}
									return;
								}
								if (failure) throw failure;
								if (ended) {
									controller.close();
									return;
								}
								await new Promise<void>((resolve) => (wake = resolve));
							}
						},
						cancel() {
							if (settled()) return;
							failure = new Cancelled();
							cleanup();
							r.destroy();
						},
					},
					{ highWaterMark: 0 },
				);
				res.on("data", (chunk: Buffer) => {
					if (settled()) return;
					queue.push(new Uint8Array(chunk));
					if (queue.length >= STREAM_BUFFER_CHUNKS) {
						paused = true;
						stopTimer();
						res.pause();
					} else {
						arm(idleMs, "idle-timeout");
					}
					notify();
				});
				res.on("end", () => {
					if (settled()) return;
					ended = true;
					cleanup();
					notify();
				});
				res.on("error", (e) => fail(cutOff(e)));
				res.on("close", () => fail(cutOff(new Error("the connection closed before the end of the response"))));
				resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? "", headers: res.headers, body: stream });
			},
		);
		arm(firstByteMs, "first-byte-timeout");
		req.signal?.addEventListener("abort", onAbort, { once: true });
		r.on("error", (e) => {
			if (response) {
				fail(cutOff(e));
				return;
			}
			const down = engineDown(what, origin, e);
			fail(new TransportError("unreachable", origin, down.message, { detail: down.detail, cause: e }));
		});
		r.end(body);
	});
}
