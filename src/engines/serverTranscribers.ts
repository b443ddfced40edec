/**
 * Server engines: whisper.cpp's `whisper-server` (POST /inference) and OpenAI-compatible local
 * servers (POST /v1/audio/transcriptions, as speaches or LocalAI serve). The WAV is sent from
 * memory; the endpoint policy (loopback or allowlisted) is checked by the HTTP client.
 */
import { ClinicalVaultError } from "../core/errors";
import type { EgressPurpose } from "../core/net/egress";
import type { EndpointPolicy } from "../core/net/endpoint";
import type { Segment } from "../core/transcribe/segments";
import type { TranscribeJob, Transcriber } from "../core/transcribe/Transcriber";
import { multipart, request } from "./http";

interface VerboseJson {
	segments?: { start?: number; end?: number; text?: string }[];
	text?: string;
	error?: string | { message?: string };
}

export function parseVerboseJson(body: Uint8Array, what: string): Segment[] {
	let data: VerboseJson;
	try {
		data = JSON.parse(new TextDecoder().decode(body)) as VerboseJson;
	} catch {
		throw new ClinicalVaultError("engine", `The ${what} answered with something that is not JSON. The recording is kept.`);
	}
	if (!Array.isArray(data.segments)) {
		throw new ClinicalVaultError("engine", `The ${what}'s answer has no segments. The recording is kept.`);
	}
	return data.segments.map((s) => {
		if (typeof s.start !== "number" || typeof s.end !== "number" || typeof s.text !== "string") {
			throw new ClinicalVaultError("engine", `The ${what}'s answer has a malformed segment. The recording is kept.`);
		}
		return { start: s.start, end: s.end, text: s.text.trim() };
	});
}

function checkStatus(status: number, body: Uint8Array, what: string): void {
	if (status >= 200 && status < 300) return;
	const text = new TextDecoder().decode(body).slice(0, 300);
	throw new ClinicalVaultError("engine", `The ${what} refused the request (HTTP ${status}). The recording is kept.`, { detail: text });
}

export interface ServerOptions {
	url: string;
	policy: EndpointPolicy;
	/** Bearer token for a practice server; sent, never logged. */
	token?: string;
	timeoutMs?: number;
}

function auth(token?: string): Record<string, string> {
	return token ? { authorization: `Bearer ${token}` } : {};
}

/** Posts the job's WAV with form fields to `path` under the server's URL and parses verbose_json. */
async function postAudio(
	options: ServerOptions,
	path: string,
	fields: Record<string, string>,
	job: TranscribeJob,
	what: string,
	purpose: EgressPurpose,
): Promise<Segment[]> {
	const form = multipart(fields, { field: "file", name: "audio.wav", type: "audio/wav", data: job.wav });
	const url = new URL(path, options.url.endsWith("/") ? options.url : `${options.url}/`).toString();
	const res = await request(options.policy, {
		url,
		method: "POST",
		headers: { "content-type": form.contentType, ...auth(options.token) },
		body: form.body,
		signal: job.signal,
		timeoutMs: options.timeoutMs ?? Math.max(60_000, job.durationSeconds * 2000),
		what,
		purpose,
	});
	checkStatus(res.status, res.body, what);
	job.onProgress?.(1);
	return parseVerboseJson(res.body, what);
}

/** The server answers at all (any HTTP status below 500): a GET of `path` under its URL, through the outbound gate. */
async function checkAnswers(options: ServerOptions, path: string, what: string, signal?: AbortSignal): Promise<void> {
	const url = new URL(path, options.url.endsWith("/") ? options.url : `${options.url}/`).toString();
	const res = await request(options.policy, {
		url,
		method: "GET",
		headers: auth(options.token),
		timeoutMs: 5000,
		what,
		purpose: "engine-probe",
		...(signal ? { signal } : {}),
	});
	if (res.status >= 500) {
		throw new ClinicalVaultError("engine", `The ${what} at ${options.url} is not ready (HTTP ${res.status}). Is it still loading its model?`, {
			detail: new TextDecoder().decode(res.body).slice(0, 300),
		});
	}
}

export class WhisperServerTranscriber implements Transcriber {
	readonly engine = "server" as const;
	readonly model: string;
	constructor(private readonly options: ServerOptions & { model?: string }) {
		this.model = options.model ?? "whisper-server";
	}

	check(signal?: AbortSignal): Promise<void> {
		return checkAnswers(this.options, "", "whisper server", signal);
	}

	transcribe(job: TranscribeJob): Promise<Segment[]> {
		return postAudio(
			this.options,
			"inference",
			{ response_format: "verbose_json", temperature: "0", language: job.language },
			job,
			"whisper server",
			"whisper-server",
		);
	}
}

export class OpenAiCompatibleTranscriber implements Transcriber {
	readonly engine = "openai" as const;
	readonly model: string;
	constructor(private readonly options: ServerOptions & { model: string }) {
		this.model = options.model;
	}

	check(signal?: AbortSignal): Promise<void> {
		return checkAnswers(this.options, "v1/models", "transcription server", signal);
	}

	transcribe(job: TranscribeJob): Promise<Segment[]> {
		const fields = { model: this.model, response_format: "verbose_json", language: job.language, temperature: "0", "timestamp_granularities[]": "segment" };
		return postAudio(this.options, "v1/audio/transcriptions", fields, job, "transcription server", "openai-compatible");
	}
}
