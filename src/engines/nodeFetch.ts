/**
 * A WHATWG `fetch` on Node's http/https (through `requestStream` in ./http), for client libraries
 * that take a custom fetch (the official `ollama` client). Compared with the browser's fetch in
 * Obsidian: no CORS preflight or origin rules, the endpoint policy is checked before connecting, the
 * body streams as it arrives, first-byte and between-chunks timeouts apply, and every request is in
 * the egress log (under `purpose`). Never logs; headers
 * (a bearer token) are sent and appear in no error.
 */
import type * as http from "node:http";
import type { EgressPurpose } from "../core/net/egress";
import type { EndpointPolicy } from "../core/net/endpoint";
import { requestStream, type HostResolver } from "./http";

export interface NodeFetchOptions {
	policy: EndpointPolicy;
	/** For messages: "Ollama server". */
	what?: string;
	/** For the egress log: what the requests are for ("ollama"). */
	purpose?: EgressPurpose;
	/** Name resolution for names that pass as local (tests); default the system's. */
	resolver?: HostResolver;
	/** Aborts every request made through this fetch, besides each request's own `init.signal`. */
	signal?: AbortSignal;
	firstByteTimeoutMs?: number;
	idleTimeoutMs?: number;
	agent?: http.Agent;
}

export type FetchFunction = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);
const METHODS = new Set(["GET", "POST", "DELETE"]);

/** Aborts when any of the signals aborts. (AbortSignal.any is missing from older Electron builds.) */
function anySignal(signals: (AbortSignal | null | undefined)[]): AbortSignal | undefined {
	const present = signals.filter((s): s is AbortSignal => s !== null && s !== undefined);
	if (present.length <= 1) return present[0];
	const controller = new AbortController();
	const abort = () => {
		for (const s of present) s.removeEventListener("abort", abort);
		controller.abort();
	};
	for (const s of present) {
		if (s.aborted) {
			abort();
			break;
		}
		s.addEventListener("abort", abort, { once: true });
	}
	return controller.signal;
}

function toRecord(init: HeadersInit | undefined): Record<string, string> {
	const out: Record<string, string> = {};
	new Headers(init).forEach((value, key) => {
		out[key] = value;
	});
	return out;
}

function toBytes(body: BodyInit | null | undefined): Uint8Array | string | undefined {
	if (body === null || body === undefined) return undefined;
	if (typeof body === "string") return body;
	if (body instanceof ArrayBuffer) return new Uint8Array(body);
	if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
	throw new TypeError("nodeFetch sends string and byte bodies only.");
}

function toHeaders(headers: http.IncomingHttpHeaders): Headers {
	const out = new Headers();
	for (const [name, value] of Object.entries(headers)) {
		if (value === undefined) continue;
		for (const v of Array.isArray(value) ? value : [value]) {
			try {
				out.append(name, v);
			} catch {
				// A header value the WHATWG Headers class rejects is left out; none that Ollama sends.
			}
		}
	}
	return out;
}

export function createNodeFetch(options: NodeFetchOptions): FetchFunction {
	return async (input, init = {}) => {
		if (typeof input !== "string" && !(input instanceof URL)) {
			throw new TypeError("nodeFetch takes a URL and an init object, not a Request.");
		}
		const method = (init.method ?? "GET").toUpperCase();
		if (!METHODS.has(method)) throw new TypeError(`nodeFetch does not send ${method} requests.`);
		const body = toBytes(init.body);
		const res = await requestStream(options.policy, {
			url: input.toString(),
			method: method as "GET" | "POST" | "DELETE",
			headers: toRecord(init.headers),
			body,
			what: options.what,
			purpose: options.purpose,
			resolver: options.resolver,
			firstByteTimeoutMs: options.firstByteTimeoutMs,
			idleTimeoutMs: options.idleTimeoutMs,
			agent: options.agent,
			signal: anySignal([options.signal, init.signal]),
		});
		const nullBody = NULL_BODY_STATUS.has(res.status);
		if (nullBody) await res.body.cancel();
		const statusText = /^[\t\x20-\x7e]*$/.test(res.statusText) ? res.statusText : "";
		return new Response(nullBody ? null : res.body, { status: res.status, statusText, headers: toHeaders(res.headers) });
	};
}
