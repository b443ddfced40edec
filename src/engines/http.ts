/**
 * The one HTTP client, and so the one outbound gate, for everything the plugin and the CLI send
 * (Ollama, whisper-server, OpenAI-compatible servers, engine probes), on Node's http/https: no
 * browser CORS, streaming bodies, cancellation with AbortSignal. Never logs to the console.
 *
 * The gate (`openGate`), before any connection:
 *  1. the endpoint policy on the URL (src/core/net/endpoint.ts): loopback, or an allowlisted
 *     practice server over https (plain http only with an explicit exception);
 *  2. a name that passed as local ("localhost") is resolved (all addresses) and every address must
 *     be loopback: the address is checked, not the name;
 *  3. the connection goes to the addresses that were checked: they are handed to the socket through
 *     the `lookup` option, so there is no second resolution a DNS rebinding could answer
 *     differently. (Allowlisted hosts are trusted by name, and https authenticates that name, so
 *     Node resolves them once at connect time as usual.)
 * Every attempt, allowed or refused, goes into the in-memory egress log (src/core/net/egress.ts)
 * with host, port, address, purpose and byte counts, never paths, headers or bodies.
 */
import { promises as dns } from "node:dns";
import * as http from "node:http";
import * as https from "node:https";
import type * as net from "node:net";
import { clearTimeout, setTimeout } from "node:timers";
import { Cancelled, ClinicalVaultError } from "../core/errors";
import { egressLog, type EgressHandle, type EgressLog, type EgressPurpose } from "../core/net/egress";
import { checkResolved, decideEndpoint, endpointParts, isIpLiteral, type EndpointDecision, type EndpointPolicy } from "../core/net/endpoint";

/** Resolves a host name to every address it has (the gate checks them all). */
export type HostResolver = (host: string) => Promise<{ address: string; family: number }[]>;

export const systemResolver: HostResolver = async (host) =>
	(await dns.lookup(host, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family }));

export interface GateOptions {
	what?: string;
	purpose?: EgressPurpose;
	/** Name resolution for names that pass as local (tests inject one); default: the system's (dns.lookup). */
	resolver?: HostResolver;
	/** Default: the process-wide egress log. */
	log?: EgressLog;
}

/**
 * Checks a URL against the policy and records a refusal in the egress log; returns the decision.
 * Synchronous, for callers that check before building a client (the Ollama client); `openGate`
 * does this and the address check.
 */
export function checkEgress(raw: string, policy: EndpointPolicy, options: GateOptions = {}): EndpointDecision {
	try {
		return decideEndpoint(raw, policy, options.what ?? "engine");
	} catch (error) {
		const parts = endpointParts(raw);
		if (error instanceof ClinicalVaultError && error.code === "refused" && parts) {
			(options.log ?? egressLog).refused({ ...parts, purpose: options.purpose ?? "engine", reason: error.detail || "refused" });
		}
		throw error;
	}
}

export interface Gate {
	decision: EndpointDecision;
	/** For the request options: connects to the checked addresses only (absent: an IP literal or an allowlisted name). */
	lookup?: net.LookupFunction;
	/** Marks the attempt in the egress log as started; the returned handle finishes it. */
	begin(): EgressHandle;
}

/** The whole gate: policy, then (for a name that passes as local) resolution and the address check. */
export async function openGate(raw: string, policy: EndpointPolicy, options: GateOptions = {}): Promise<Gate> {
	const log = options.log ?? egressLog;
	const what = options.what ?? "engine";
	const purpose = options.purpose ?? "engine";
	const decision = checkEgress(raw, policy, options);
	const where = { host: decision.host, port: decision.port, scheme: decision.scheme, purpose };
	const begin = (address?: string): EgressHandle => log.start({ ...where, ...(address ? { address } : {}) });
	if (decision.via !== "loopback" || isIpLiteral(decision.host)) {
		return { decision, begin: () => begin(isIpLiteral(decision.host) ? decision.host : undefined) };
	}
	let resolved: { address: string; family: number }[];
	try {
		resolved = await (options.resolver ?? systemResolver)(decision.host);
	} catch (error) {
		begin()({ outcome: "failed", bytesSent: 0, bytesReceived: 0, reason: "the name did not resolve" });
		throw engineDown(what, decision.url.origin, error);
	}
	try {
		checkResolved(
			decision,
			resolved.map((a) => a.address),
			what,
		);
	} catch (error) {
		if (error instanceof ClinicalVaultError) log.refused({ ...where, reason: error.detail || "refused" });
		throw error;
	}
	const lookup = ((_hostname: string, opts: { family?: number | string; all?: boolean }, callback: (...args: unknown[]) => void) => {
		const family = opts.family === 4 || opts.family === "IPv4" ? 4 : opts.family === 6 || opts.family === "IPv6" ? 6 : 0;
		const usable = resolved.filter((a) => family === 0 || a.family === family);
		if (usable.length === 0) {
			callback(Object.assign(new Error(`no IPv${family} loopback address for ${decision.host}`), { code: "ENOTFOUND" }));
			return;
		}
		if (opts.all) callback(null, usable);
		else callback(null, usable[0]!.address, usable[0]!.family);
	}) as unknown as net.LookupFunction;
	return { decision, lookup, begin: () => begin(resolved[0]!.address) };
}

/** Byte counts of one request on its socket (a kept-alive socket carries earlier requests too, hence the deltas). */
class SocketMeter {
	private socket: net.Socket | null = null;
	private written0 = 0;
	private read0 = 0;

	constructor(r: http.ClientRequest) {
		r.once("socket", (socket: net.Socket) => {
			this.socket = socket;
			this.written0 = socket.bytesWritten;
			this.read0 = socket.bytesRead;
		});
	}

	counts(): { bytesSent: number; bytesReceived: number; address?: string } {
		const s = this.socket;
		if (!s) return { bytesSent: 0, bytesReceived: 0 };
		return {
			bytesSent: Math.max(0, (s.bytesWritten ?? 0) - this.written0),
			bytesReceived: Math.max(0, (s.bytesRead ?? 0) - this.read0),
			...(s.remoteAddress ? { address: s.remoteAddress } : {}),
		};
	}
}

function failureReason(error: unknown): string {
	if (error instanceof TransportError) {
		// A connection that could not be made says why (ECONNREFUSED, ENOTFOUND); the others their kind.
		const code = (error.cause as { code?: unknown } | null | undefined)?.code;
		return error.failure === "unreachable" && typeof code === "string" ? code : error.failure;
	}
	const code = (error as { code?: unknown } | null)?.code;
	return typeof code === "string" ? code : "connection failed";
}

export interface HttpRequest {
	method?: "GET" | "POST" | "DELETE";
	url: string;
	headers?: Record<string, string>;
	body?: Uint8Array | string;
	signal?: AbortSignal;
	/** No response headers within this time: the engine is treated as down. */
	timeoutMs?: number;
	what?: string;
	/** For the egress log: what the request is for. Default "engine". */
	purpose?: EgressPurpose;
	/** Name resolution for names that pass as local; default the system's. */
	resolver?: HostResolver;
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

/**
 * Sends a request and resolves with the whole response. Non-2xx statuses are returned, not thrown.
 * The same path as every streamed request (requestStream: the gate, the egress log, cancellation),
 * read to the end; `timeoutMs` bounds the wait for the answer and each pause in it. Failures are
 * worded for a request that either answers or does not ("nothing is listening there", "it did not
 * answer in time").
 */
export async function request(policy: EndpointPolicy, req: HttpRequest): Promise<HttpResponse> {
	const what = req.what ?? "engine";
	const timeoutMs = req.timeoutMs ?? 30_000;
	const { timeoutMs: _timeout, ...rest } = req;
	try {
		const res = await requestStream(policy, { ...rest, firstByteTimeoutMs: timeoutMs, idleTimeoutMs: timeoutMs });
		const reader = res.body.getReader();
		const chunks: Uint8Array[] = [];
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			chunks.push(value);
		}
		return { status: res.status, headers: res.headers, body: new Uint8Array(Buffer.concat(chunks)) };
	} catch (error) {
		if (!(error instanceof TransportError)) throw error;
		const timedOut = error.failure === "first-byte-timeout" || error.failure === "idle-timeout";
		const cause = timedOut ? Object.assign(new Error("timeout"), { code: "ETIMEDOUT" }) : (error.cause ?? error);
		throw engineDown(what, error.origin, cause);
	}
}

/** multipart/form-data body for file uploads (whisper-server /inference, /v1/audio/transcriptions). */
export function multipart(
	fields: Record<string, string>,
	file: { field: string; name: string; type: string; data: Uint8Array },
): { body: Uint8Array; contentType: string } {
	const boundary = `----clinicalvault${Math.random().toString(16).slice(2)}${Date.now().toString(16)}`;
	const parts: Buffer[] = [];
	for (const [k, v] of Object.entries(fields)) {
		parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
	}
	parts.push(
		Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`),
	);
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
	let gate: Gate;
	try {
		gate = await openGate(req.url, policy, { what, purpose: req.purpose, resolver: req.resolver });
	} catch (error) {
		// A name that does not resolve is "unreachable" like a connection that fails.
		if (error instanceof ClinicalVaultError && error.code === "engine") {
			throw new TransportError("unreachable", new URL(req.url).origin, error.message, { detail: error.detail, cause: error.cause });
		}
		throw error;
	}
	const url = gate.decision.url;
	const origin = url.origin;
	if (req.signal?.aborted) throw new Cancelled();
	const finish = gate.begin();
	const body =
		typeof req.body === "string"
			? Buffer.from(req.body, "utf8")
			: req.body
				? Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength)
				: undefined;
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
			finish(
				error instanceof Cancelled
					? { outcome: "cancelled", ...meter.counts() }
					: { outcome: "failed", ...meter.counts(), reason: failureReason(error) },
			);
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
			new TransportError("cut-off", origin, `The connection to the ${what} at ${origin} broke before the answer was complete.`, {
				detail: String(cause),
				cause,
			});
		const onAbort = () => fail(new Cancelled());

		const r = lib.request(
			url,
			{
				method: req.method ?? (body ? "POST" : "GET"),
				headers: { ...(body ? { "content-length": String(body.length) } : {}), ...req.headers },
				...(req.agent ? { agent: req.agent } : {}),
				...(gate.lookup ? { lookup: gate.lookup } : {}),
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
							finish({ outcome: "cancelled", ...meter.counts() });
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
					finish({ outcome: "ok", ...meter.counts() });
					cleanup();
					notify();
				});
				res.on("error", (e) => fail(cutOff(e)));
				res.on("close", () => fail(cutOff(new Error("the connection closed before the end of the response"))));
				resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? "", headers: res.headers, body: stream });
			},
		);
		const meter = new SocketMeter(r);
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
