/**
 * Decodes any container/codec ffmpeg knows (webm/opus, m4a/aac, mp3, ogg, flac, wav) to 16 kHz
 * 16-bit PCM WAV with channels kept (at most two). The input never touches disk: ffmpeg reads it
 * from a one-shot HTTP server on 127.0.0.1 with a random path, which answers Range requests (an
 * m4a whose index sits at the end needs to seek, which a pipe cannot do). Output comes on stdout.
 */
import { spawn } from "node:child_process";
import * as http from "node:http";
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { Cancelled, ClinicalVaultError } from "../core/errors";
import { parseWav, type Pcm } from "../core/audio/pcm";
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

export class FfmpegDecoder implements AudioDecoder {
	constructor(private readonly ffmpeg: string) {}

	async decode(bytes: Uint8Array, nameHint: string, signal?: AbortSignal): Promise<Pcm> {
		if (bytes.length === 0) throw new ClinicalVaultError("invalid-input", `${nameHint} is empty (zero bytes); there is nothing to transcribe.`);
		if (signal?.aborted) throw new Cancelled();
		const source = await serveOnce(bytes);
		try {
			const wav = await new Promise<Uint8Array>((resolve, reject) => {
				const args = ["-nostdin", "-hide_banner", "-loglevel", "error", "-i", source.url, "-vn", "-ar", "16000", "-c:a", "pcm_s16le", "-f", "wav", "pipe:1"];
				const child = spawn(this.ffmpeg, args, { stdio: ["ignore", "pipe", "pipe"], windowsHide: true });
				const chunks: Buffer[] = [];
				let errors = "";
				const onAbort = () => child.kill("SIGKILL");
				signal?.addEventListener("abort", onAbort, { once: true });
				// A cancel that came while the source server was starting must still stop ffmpeg.
				if (signal?.aborted) onAbort();
				child.stdout.on("data", (c: Buffer) => chunks.push(c));
				child.stderr.setEncoding("utf8");
				child.stderr.on("data", (c: string) => (errors = (errors + c).slice(-2000)));
				child.on("error", (error) => {
					signal?.removeEventListener("abort", onAbort);
					reject(new ClinicalVaultError("engine", `ffmpeg could not be started (${this.ffmpeg}): ${error.message}. Set its path in settings.`, { detail: String(error) }));
				});
				child.on("close", (code) => {
					signal?.removeEventListener("abort", onAbort);
					if (signal?.aborted) {
						reject(new Cancelled());
						return;
					}
					if (code !== 0) {
						reject(new ClinicalVaultError("invalid-input", `${nameHint} could not be decoded: it is damaged or not an audio format ffmpeg knows.`, { detail: errors.trim() }));
						return;
					}
					resolve(new Uint8Array(Buffer.concat(chunks)));
				});
			});
			const pcm = parseWav(wav);
			return pcm.channels.length > 2 ? { sampleRate: pcm.sampleRate, channels: pcm.channels.slice(0, 2) } : pcm;
		} finally {
			source.close();
		}
	}
}
