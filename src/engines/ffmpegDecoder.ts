/**
 * Decodes any container/codec ffmpeg knows (webm/opus, m4a/aac, mp3, ogg, flac, wav) to 16 kHz
 * 16-bit PCM WAV with channels kept (at most two). The input never touches disk: ffmpeg reads it
 * from a one-shot HTTP server on 127.0.0.1 with a random path, which answers Range requests (an
 * m4a whose index sits at the end needs to seek, which a pipe cannot do). Output comes on stdout;
 * ffmpeg's log on stderr says whether that output is the whole recording (FfmpegLogReader).
 */
import { spawn } from "node:child_process";
import * as http from "node:http";
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { Cancelled, ClinicalVaultError } from "../core/errors";
import { parseWav, type Pcm } from "../core/audio/pcm";
import { GAP_TOLERANCE_SECONDS, type DecodeFindings, type Stretch } from "../core/audio/check";
import type { AudioDecoder } from "../core/transcribe/Transcriber";

function serveOnce(data: Uint8Array): Promise<{ url: string; close: () => void }> {
	const token = randomBytes(16).toString("hex");
	const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
	const server = http.createServer((req, res) => {
		if (req.url !== `/${token}`) {
			res.writeHead(404).end();
			return;
		}
		const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
		if (range) {
			const start = Number(range[1]);
			const end = range[2] ? Math.min(Number(range[2]), buffer.length - 1) : buffer.length - 1;
			if (start >= buffer.length || start > end) {
				res.writeHead(416, { "content-range": `bytes */${buffer.length}` }).end();
				return;
			}
			res.writeHead(206, { "content-range": `bytes ${start}-${end}/${buffer.length}`, "content-length": end - start + 1, "accept-ranges": "bytes" });
			res.end(buffer.subarray(start, end + 1));
			return;
		}
		res.writeHead(200, { "content-length": buffer.length, "accept-ranges": "bytes" });
		res.end(buffer);
	});
	return new Promise((resolve, reject) => {
		server.once("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const { port } = server.address() as AddressInfo;
			resolve({
				url: `http://127.0.0.1:${port}/${token}`,
				close: () => {
					server.closeAllConnections();
					server.close();
				},
			});
		});
	});
}

/** ffmpeg's log (level-prefixed, info and above) read line by line while it decodes. */
export class FfmpegLogReader {
	private declared: number | null = null;
	private estimated = false;
	private inInput = false;
	/** End of the last decoded frame on the recording's timeline (seconds), null before the first. */
	private lastEnd: number | null = null;
	readonly gaps: Stretch[] = [];
	readonly errorsAt: number[] = [];
	readonly messages: string[] = [];
	/** The last lines that were not per-frame info, for the detail of a failure. */
	tail = "";
	private partial = "";

	push(chunk: string): void {
		const lines = (this.partial + chunk).split(/\r?\n|\r/);
		this.partial = lines.pop() ?? "";
		for (const line of lines) this.line(line);
	}

	end(): void {
		if (this.partial !== "") this.line(this.partial);
		this.partial = "";
	}

	findings(): DecodeFindings {
		return { declaredSeconds: this.estimated ? null : this.declared, gaps: this.gaps, errorsAt: this.errorsAt, messages: this.messages };
	}

	private line(line: string): void {
		const frame = /\bpts_time:(-?[\d.]+)\b.*?\brate:(\d+)\b.*?\bnb_samples:(\d+)/.exec(line);
		if (frame && line.includes("ashowinfo")) {
			const start = Number(frame[1]);
			const end = start + Number(frame[3]) / Math.max(1, Number(frame[2]));
			if (this.lastEnd !== null && start - this.lastEnd >= GAP_TOLERANCE_SECONDS) this.gaps.push({ start: this.lastEnd, end: start });
			this.lastEnd = this.lastEnd === null ? end : Math.max(this.lastEnd, end);
			return;
		}
		this.tail = `${this.tail}${line}\n`.slice(-2000);
		if (/\[info\] Input #0\b/.test(line)) this.inInput = true;
		else if (/\[info\] (Output #|Stream mapping)/.test(line)) this.inInput = false;
		const duration = /\[info\]\s+Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)/.exec(line);
		if (duration && this.inInput && this.declared === null) this.declared = Number(duration[1]) * 3600 + Number(duration[2]) * 60 + Number(duration[3]);
		if (/Estimating duration from bitrate/i.test(line)) this.estimated = true;
		const damaged = /\[(error|fatal)\]/.test(line) || (/\[warning\]/.test(line) && /corrupt|CRC mismatch|partial file|exceeds containing/i.test(line));
		if (damaged) {
			if (this.errorsAt.length < 10_000) this.errorsAt.push(this.lastEnd ?? 0);
			const message = line.replace(/ @ 0x[0-9a-f]+/i, "").trim();
			if (this.messages.length < 5 && !this.messages.includes(message)) this.messages.push(message);
		}
	}
}

export class FfmpegDecoder implements AudioDecoder {
	constructor(private readonly ffmpeg: string) {}

	async decode(bytes: Uint8Array, nameHint: string, signal?: AbortSignal): Promise<Pcm> {
		return (await this.decodeWithFindings(bytes, nameHint, signal)).pcm;
	}

	/**
	 * Decodes and reports what ffmpeg saw: the duration the file declares ("Duration:" of the
	 * input, unless ffmpeg only estimated it from the bitrate), stretches of the timeline with no
	 * decodable frames (each frame's time from the ashowinfo filter; aresample's async fill keeps
	 * them as silence, so the transcript's times stay those of the recording), and where it logged
	 * damaged data.
	 */
	async decodeWithFindings(bytes: Uint8Array, nameHint: string, signal?: AbortSignal): Promise<{ pcm: Pcm; findings: DecodeFindings }> {
		if (bytes.length === 0) throw new ClinicalVaultError("invalid-input", `${nameHint} is empty (zero bytes); there is nothing to transcribe.`);
		if (signal?.aborted) throw new Cancelled();
		const source = await serveOnce(bytes);
		const log = new FfmpegLogReader();
		try {
			const wav = await new Promise<Uint8Array>((resolve, reject) => {
				const args = [
					"-nostdin",
					"-hide_banner",
					"-nostats",
					"-loglevel",
					"level+info",
					"-i",
					source.url,
					"-vn",
					"-af",
					"ashowinfo,aresample=async=1:first_pts=0",
					"-ar",
					"16000",
					"-c:a",
					"pcm_s16le",
					"-f",
					"wav",
					"pipe:1",
				];
				const child = spawn(this.ffmpeg, args, { stdio: ["ignore", "pipe", "pipe"], windowsHide: true });
				const chunks: Buffer[] = [];
				const onAbort = () => child.kill("SIGKILL");
				signal?.addEventListener("abort", onAbort, { once: true });
				// A cancel that came while the source server was starting must still stop ffmpeg.
				if (signal?.aborted) onAbort();
				child.stdout.on("data", (c: Buffer) => chunks.push(c));
				child.stderr.setEncoding("utf8");
				child.stderr.on("data", (c: string) => log.push(c));
				child.on("error", (error) => {
					signal?.removeEventListener("abort", onAbort);
					reject(
						new ClinicalVaultError("engine", `ffmpeg could not be started (${this.ffmpeg}): ${error.message}. Set its path in settings.`, {
							detail: String(error),
						}),
					);
				});
				child.on("close", (code) => {
					signal?.removeEventListener("abort", onAbort);
					log.end();
					if (signal?.aborted) {
						reject(new Cancelled());
						return;
					}
					if (code !== 0) {
						reject(
							new ClinicalVaultError("invalid-input", `${nameHint} could not be decoded: it is damaged or not an audio recording ffmpeg knows.`, {
								detail: log.tail.trim(),
							}),
						);
						return;
					}
					resolve(new Uint8Array(Buffer.concat(chunks)));
				});
			});
			let pcm: Pcm;
			try {
				pcm = parseWav(wav);
			} catch (error) {
				throw new ClinicalVaultError("invalid-input", `${nameHint} holds no audio that could be decoded. Is it the right file?`, {
					detail: `${String(error)}\n${log.tail.trim()}`,
				});
			}
			return { pcm: pcm.channels.length > 2 ? { sampleRate: pcm.sampleRate, channels: pcm.channels.slice(0, 2) } : pcm, findings: log.findings() };
		} finally {
			source.close();
		}
	}
}
