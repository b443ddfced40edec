/**
 * whisper.cpp's command-line engine (`whisper-cli`). The WAV goes to the process on stdin
 * (`-f -`), so audio never touches disk; the JSON result (`-oj`) is written into a private 0700
 * directory, read, overwritten and removed in a finally block. Progress comes from `-pp` on stderr.
 */
import { spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { Cancelled, ClinicalVaultError } from "../core/errors";
import type { Segment } from "../core/transcribe/segments";
import type { TranscribeJob, Transcriber } from "../core/transcribe/Transcriber";
import { destroyPrivateDir, makePrivateDir } from "./privateTemp";

export interface WhisperCliOptions {
	binary: string;
	model: string;
	threads?: number;
	/** Where private temp directories go (default: the OS temp folder). */
	tempRoot?: string;
	extraArgs?: string[];
}

interface WhisperJson {
	transcription?: { offsets?: { from?: number; to?: number }; text?: string; speaker_turn_next?: boolean }[];
}

export function parseWhisperJson(text: string): Segment[] {
	let data: WhisperJson;
	try {
		data = JSON.parse(text) as WhisperJson;
	} catch {
		throw new ClinicalVaultError("engine", "whisper-cli wrote output that is not valid JSON. The recording is kept; try again.", { detail: `${text.length} characters that do not parse as JSON` });
	}
	if (!Array.isArray(data.transcription)) {
		throw new ClinicalVaultError("engine", "whisper-cli's output has no transcription. The recording is kept; try again.");
	}
	return data.transcription.map((t) => {
		const from = Number(t.offsets?.from);
		const to = Number(t.offsets?.to);
		if (!Number.isFinite(from) || !Number.isFinite(to) || typeof t.text !== "string") {
			throw new ClinicalVaultError("engine", "whisper-cli's output has a malformed segment. The recording is kept.");
		}
		return { start: from / 1000, end: to / 1000, text: t.text.trim(), ...(t.speaker_turn_next ? { speakerTurnNext: true } : {}) };
	});
}

async function mustExist(file: string, what: string, setting: string): Promise<void> {
	try {
		const stat = await fs.stat(file);
		if (!stat.isFile()) throw new Error("not a file");
	} catch {
		throw new ClinicalVaultError("engine", `The ${what} was not found at ${file}. Set its path in ${setting}.`);
	}
}

export class WhisperCliTranscriber implements Transcriber {
	readonly engine = "cli" as const;
	readonly model: string;

	constructor(private readonly options: WhisperCliOptions) {
		this.model = path.basename(options.model);
	}

	async transcribe(job: TranscribeJob): Promise<Segment[]> {
		if (job.signal?.aborted) throw new Cancelled();
		await mustExist(this.options.binary, "whisper-cli program", "the whisper binary setting");
		await mustExist(this.options.model, "whisper model file", "the whisper model setting");
		const dir = await makePrivateDir(this.options.tempRoot);
		const outBase = path.join(dir, "result");
		try {
			const args = [
				"-m", this.options.model,
				"-f", "-",
				"-l", job.language,
				"-t", String(this.options.threads ?? 2),
				"-nf",
				"-pp",
				"-oj",
				"-of", outBase,
				...(this.options.extraArgs ?? []),
			];
			await this.run(args, job);
			let text: string;
			try {
				text = await fs.readFile(`${outBase}.json`, "utf8");
			} catch {
				throw new ClinicalVaultError("engine", "whisper-cli finished without writing its result. The recording is kept; try again.");
			}
			return parseWhisperJson(text);
		} finally {
			await destroyPrivateDir(dir);
		}
	}

	private run(args: string[], job: TranscribeJob): Promise<void> {
		return new Promise<void>((resolve, reject) => {
			const child = spawn(this.options.binary, args, { stdio: ["pipe", "ignore", "pipe"], windowsHide: true });
			let stderrTail = "";
			let settled = false;
			let aborted = false;
			const finish = (error?: Error) => {
				if (settled) return;
				settled = true;
				job.signal?.removeEventListener("abort", onAbort);
				if (error) reject(error);
				else resolve();
			};
			// Cancel kills the process and settles only once it has exited, so the caller's cleanup
			// never races a process that is still writing.
			const onAbort = () => {
				aborted = true;
				child.kill("SIGKILL");
			};
			job.signal?.addEventListener("abort", onAbort, { once: true });
			// A cancel that came while the private folder was being made has already fired.
			if (job.signal?.aborted) onAbort();
			child.stderr.setEncoding("utf8");
			child.stderr.on("data", (chunk: string) => {
				stderrTail = (stderrTail + chunk).slice(-4000);
				for (const m of chunk.matchAll(/progress\s*=\s*(\d+)%/g)) job.onProgress?.(Math.min(1, Number(m[1]) / 100));
			});
			child.on("error", (error) => finish(new ClinicalVaultError("engine", `whisper-cli could not be started: ${error.message}.`, { detail: String(error) })));
			child.on("close", (code, signal) => {
				if (aborted) finish(new Cancelled());
				else if (code === 0) finish();
				else
					finish(
						new ClinicalVaultError("engine", `whisper-cli stopped with ${signal ? `signal ${signal}` : `exit code ${code}`}. The recording is kept; try again or check the model.`, {
							detail: stderrTail.split("\n").slice(-8).join("\n"),
						}),
					);
			});
			child.stdin.on("error", () => undefined); // the process may exit before reading everything
			child.stdin.end(Buffer.from(job.wav.buffer, job.wav.byteOffset, job.wav.byteLength));
		});
	}
}
