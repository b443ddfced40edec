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
