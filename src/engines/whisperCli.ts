/**
 * whisper.cpp's command-line engine (`whisper-cli`). The WAV goes to the process on stdin
 * (`-f -`), so audio never touches disk; the JSON result (`-oj`) is written into a private 0700
 * directory, read, overwritten and removed in a finally block. Progress comes from `-pp` on stderr.
 */
import { spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import { clearTimeout, setTimeout } from "node:timers";
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
		throw new ClinicalVaultError("engine", "whisper-cli wrote output that is not valid JSON. The recording is kept; try again.", {
			detail: `${text.length} characters that do not parse as JSON`,
		});
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

/** The smallest whisper.cpp model (tiny, 5-bit) is about 31 MB; a file far smaller is not a whole model. */
const SMALLEST_MODEL_BYTES = 10 * 1024 * 1024;

/** The model file is there, readable, and starts like a whisper.cpp model ("ggml" magic, or GGUF). */
export async function checkModelFile(model: string): Promise<void> {
	await mustExist(model, "whisper model file", "the whisper model setting");
	let handle: fs.FileHandle;
	try {
		handle = await fs.open(model, "r");
	} catch (error) {
		throw new ClinicalVaultError(
			"engine",
			`The whisper model file at ${model} cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"}). Check its permissions, or set another in the whisper model setting.`,
			{ detail: String(error) },
		);
	}
	try {
		const head = Buffer.alloc(4);
		const { bytesRead } = await handle.read(head, 0, 4, 0);
		const size = (await handle.stat()).size;
		const magic = head.subarray(0, bytesRead).toString("latin1");
		if (magic !== "lmgg" && magic !== "GGUF") {
			throw new ClinicalVaultError(
				"engine",
				`${path.basename(model)} is not a whisper.cpp model file (ggml). Download one such as ggml-base.en.bin from whisper.cpp's model list and set its path in the whisper model setting.`,
				{
					detail: `first bytes: ${[...head.subarray(0, bytesRead)].map((b) => b.toString(16).padStart(2, "0")).join(" ")}`,
				},
			);
		}
		if (size < SMALLEST_MODEL_BYTES) {
			throw new ClinicalVaultError(
				"engine",
				`${path.basename(model)} is only ${(size / 1024 / 1024).toFixed(1)} MB, too small for a whisper model: the download is probably incomplete. Download it again.`,
			);
		}
	} finally {
		await handle.close();
	}
}

/** The program starts and exits by itself when asked for its help (not a missing library, not a crash). */
export function checkProgramRuns(binary: string, what: string, setting: string, signal?: AbortSignal, timeoutMs = 10_000): Promise<void> {
	return new Promise<void>((resolve, reject) => {
		const child = spawn(binary, ["-h"], { stdio: ["ignore", "ignore", "pipe"], windowsHide: true });
		let stderrTail = "";
		let timedOut = false;
		const timer = setTimeout(() => {
			timedOut = true;
			child.kill("SIGKILL");
		}, timeoutMs);
		const onAbort = () => child.kill("SIGKILL");
		signal?.addEventListener("abort", onAbort, { once: true });
		child.stderr.setEncoding("utf8");
		child.stderr.on("data", (chunk: string) => (stderrTail = (stderrTail + chunk).slice(-2000)));
		const done = () => {
			clearTimeout(timer);
			signal?.removeEventListener("abort", onAbort);
		};
		child.on("error", (error) => {
			done();
			reject(
				new ClinicalVaultError(
					"engine",
					`The ${what} at ${binary} could not be started (${(error as NodeJS.ErrnoException).code ?? error.message}). Set its path in ${setting}.`,
					{ detail: String(error) },
				),
			);
		});
		child.on("close", (code, killedBy) => {
			done();
			if (signal?.aborted) reject(new Cancelled());
			else if (timedOut)
				reject(
					new ClinicalVaultError(
						"engine",
						`The ${what} at ${binary} did not answer within ${timeoutMs / 1000} s when started. Is it the right program?`,
					),
				);
			else if (killedBy || code === 126 || code === 127) {
				reject(
					new ClinicalVaultError(
						"engine",
						`The ${what} at ${binary} does not run on this computer (${killedBy ? `signal ${killedBy}` : `exit code ${code}`}): a library may be missing. Reinstall it or set another path in ${setting}.`,
						{
							detail: stderrTail.split("\n").slice(-8).join("\n"),
						},
					),
				);
			} else resolve();
		});
	});
}

export class WhisperCliTranscriber implements Transcriber {
	readonly engine = "cli" as const;
	readonly model: string;

	constructor(private readonly options: WhisperCliOptions) {
		this.model = path.basename(options.model);
	}

	/** Before an import: the program is there and runs, the model is there and looks like one. */
	async check(signal?: AbortSignal): Promise<void> {
		await mustExist(this.options.binary, "whisper-cli program", "the whisper binary setting");
		await checkModelFile(this.options.model);
		await checkProgramRuns(this.options.binary, "whisper-cli program", "the whisper binary setting", signal);
	}

	async transcribe(job: TranscribeJob): Promise<Segment[]> {
		if (job.signal?.aborted) throw new Cancelled();
		await mustExist(this.options.binary, "whisper-cli program", "the whisper binary setting");
		await mustExist(this.options.model, "whisper model file", "the whisper model setting");
		const dir = await makePrivateDir(this.options.tempRoot);
		const outBase = path.join(dir, "result");
		try {
			const args = [
				"-m",
				this.options.model,
				"-f",
				"-",
				"-l",
				job.language,
				"-t",
				String(this.options.threads ?? 2),
				"-nf",
				"-pp",
				"-oj",
				"-of",
				outBase,
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
			child.on("error", (error) =>
				finish(new ClinicalVaultError("engine", `whisper-cli could not be started: ${error.message}.`, { detail: String(error) })),
			);
			child.on("close", (code, signal) => {
				if (aborted) finish(new Cancelled());
				else if (code === 0) finish();
				else
					finish(
						new ClinicalVaultError(
							"engine",
							`whisper-cli stopped with ${signal ? `signal ${signal}` : `exit code ${code}`}. The recording is kept; try again or check the model.`,
							{
								detail: stderrTail.split("\n").slice(-8).join("\n"),
							},
						),
					);
			});
			child.stdin.on("error", () => undefined); // the process may exit before reading everything
			child.stdin.end(Buffer.from(job.wav.buffer, job.wav.byteOffset, job.wav.byteLength));
		});
	}
}
