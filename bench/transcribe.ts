/**
 * Transcription figures: decode + resample speed (times realtime) for a 50-minute webm and m4a,
 * and the plugin's own overhead (import with encryption, decrypt, decode, resample, VAD, WAV
 * building, temp handling, transcript encryption and writing) as a share of the real engine's
 * time on the same audio. Needs ffmpeg, espeak-ng and the whisper.cpp build (.ci/run makes it).
 */
import { execFileSync } from "node:child_process";
import { format } from "date-fns";
import { addClientWithConsent } from "../src/core/record/consent";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ClinicalRecord } from "../src/core/record/ClinicalRecord";
import { NodeFsStore } from "../src/core/store/NodeFsStore";
import { floorKdfParams } from "../src/core/crypto/kdf";
import { systemClock } from "../src/core/clock";
import { encodeWav, parseWav, resample, toWhisperRate, WHISPER_RATE } from "../src/core/audio/pcm";
import { TranscriptionService } from "../src/core/transcribe/TranscriptionService";
import { FfmpegDecoder } from "../src/engines/ffmpegDecoder";
import { WhisperCliTranscriber } from "../src/engines/whisperCli";

export interface TranscribeBenchOptions {
	whisperBinDir: string;
	whisperModel: string;
	/** Minutes of audio for the overhead run (the engine takes about 0.1 × realtime with tiny.en). */
	overheadMinutes: number;
	/** Length of the decode runs (default 50 minutes). */
	decodeMinutes?: number;
}

function sh(cmd: string, args: string[]): void {
	execFileSync(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
}

/** About a minute of synthetic two-voice conversation at 48 kHz (the rate phones and browsers record at). */
async function conversationMinute(dir: string): Promise<Float32Array> {
	const lines = [
		["en-us+m3", "How has the week been since we last met?"],
		["en-gb+f3", "Honestly it has been hard. The worried part was loud every morning before work."],
		["en-us+m3", "What did you notice in your body when it got loud?"],
		["en-gb+f3", "Tight shoulders, and my breathing went shallow. I tried the grounding exercise."],
		["en-us+m3", "Did the exercise help at all?"],
		["en-gb+f3", "A little. On Thursday I could stay with it instead of scrolling on my phone for an hour."],
	];
	const parts: Float32Array[] = [];
	let total = 0;
	for (let round = 0; total < 60 * 48_000; round++) {
		for (const [i, [voice, text]] of lines.entries()) {
			const file = join(dir, `l${round}-${i}.wav`);
			sh("espeak-ng", ["-v", voice!, "-s", String(150 + round * 5), "-w", file, text!]);
			const pcm = parseWav(new Uint8Array(await readFile(file)));
			const up = resample(pcm.channels[0]!, pcm.sampleRate, 48_000);
			parts.push(up, new Float32Array(Math.round(0.7 * 48_000)));
			total += up.length + Math.round(0.7 * 48_000);
		}
	}
	const out = new Float32Array(total);
	let o = 0;
	for (const p of parts) {
		out.set(p, o);
		o += p.length;
	}
	return out;
}

export async function benchTranscription(options: TranscribeBenchOptions): Promise<Record<string, string | number>> {
	const out: Record<string, string | number> = {};
	const dir = await mkdtemp(join(tmpdir(), "cv-bench-audio-"));
	try {
		const minute = await conversationMinute(dir);
		await writeFile(join(dir, "minute.wav"), encodeWav({ sampleRate: 48_000, channels: [minute] }));
		const seconds50 = (options.decodeMinutes ?? 50) * 60;
		for (const [ext, codec] of [
			["webm", ["-c:a", "libopus", "-b:a", "32k"]],
			["m4a", ["-c:a", "aac", "-b:a", "64k"]],
		] as const) {
			const file = join(dir, `session50.${ext}`);
			sh("ffmpeg", [
				"-loglevel",
				"error",
				"-y",
				"-stream_loop",
				"-1",
				"-i",
				join(dir, "minute.wav"),
				"-t",
				String(seconds50),
				"-ac",
				"1",
				...codec,
				file,
			]);
			const bytes = new Uint8Array(await readFile(file));
			const t0 = performance.now();
			const pcm = await new FfmpegDecoder("ffmpeg").decode(bytes, file);
			const ms = performance.now() - t0;
			out[`decode+resample ${seconds50 / 60}-min ${ext} (ffmpeg), × realtime`] = Math.round(seconds50 / (ms / 1000));
			out[`decode+resample ${seconds50 / 60}-min ${ext}, s`] = +(ms / 1000).toFixed(2);
			out[`  ${ext} file MB`] = +(bytes.length / 1e6).toFixed(1);
			if (pcm.sampleRate !== WHISPER_RATE) throw new Error("not 16 kHz");
		}
		{
			const wav48 = encodeWav({ sampleRate: 48_000, channels: [minute] });
			const t0 = performance.now();
			const pcm = toWhisperRate(parseWav(wav48));
			const ms = performance.now() - t0;
			out["WAV parse + resample 48→16 kHz in TypeScript, × realtime"] = Math.round(minute.length / 48_000 / (ms / 1000));
			if (pcm.sampleRate !== WHISPER_RATE) throw new Error("not 16 kHz");
		}

		const binary = join(options.whisperBinDir, "whisper-cli");
		if (!existsSync(binary) || !existsSync(options.whisperModel)) {
			out["overhead vs engine"] = "skipped: whisper.cpp build or model missing (run bash .ci/run)";
			return out;
		}
		const minutes = options.overheadMinutes;
		const clip = join(dir, "clip.webm");
		sh("ffmpeg", [
			"-loglevel",
			"error",
			"-y",
			"-stream_loop",
			"-1",
			"-i",
			join(dir, "minute.wav"),
			"-t",
			String(minutes * 60),
			"-ac",
			"1",
			"-c:a",
			"libopus",
			"-b:a",
			"32k",
			clip,
		]);
		const vault = join(dir, "vault");
		const record = new ClinicalRecord({ store: new NodeFsStore(vault) });
		await record.init("bench passphrase 1", { kdf: floorKdfParams() });
		// Recording needs the client's consent on file (as in the product since consent was added).
		await addClientWithConsent(record, { code: "C-0001", name: "Bench Synthetic" }, { recording: "yes", date: format(new Date(), "yyyy-MM-dd") });
		const svc = new TranscriptionService({
			record,
			clock: systemClock,
			decoder: new FfmpegDecoder("ffmpeg"),
			// The engine as the product runs it (selectTranscriber: whisper's default decoding, beam search 5).
			transcriber: new WhisperCliTranscriber({ binary, model: options.whisperModel, threads: 2 }),
		});
		const t0 = performance.now();
		const audioPath = await svc.importAudio("C-0001", new Uint8Array(await readFile(clip)), "clip.webm", "2026-09-01");
		const result = await svc.transcribe({ client: "C-0001", audioPath, sessionDate: "2026-09-01" });
		const total = performance.now() - t0;
		const overhead = total - result.engineMs;
		out[`overhead run: ${minutes}-min webm, engine s`] = +(result.engineMs / 1000).toFixed(1);
		out[`overhead run: plugin's own work s`] = +(overhead / 1000).toFixed(2);
		out["  of which decrypt + decode (ffmpeg) s"] = +(result.decodeMs / 1000).toFixed(2);
		out["  of which everything else (import, VAD, WAV, temp, transcript) s"] = +((overhead - result.decodeMs) / 1000).toFixed(2);
		out["plugin overhead as share of engine time, % (target < 3)"] = +((100 * overhead) / result.engineMs).toFixed(2);
		out["engine realtime factor (tiny.en, random weights)"] = +(result.engineMs / 1000 / (minutes * 60)).toFixed(3);
		return out;
	} finally {
		await rm(dir, { recursive: true, force: true });
	}
}

export function defaultTranscribeBenchOptions(): TranscribeBenchOptions {
	const root = resolve(__dirname, "..");
	return {
		whisperBinDir: process.env.WHISPER_BIN_DIR ?? join(root, ".engines/whisper/bin"),
		whisperModel: process.env.WHISPER_MODEL ?? resolve(root, "../shared/engines/whisper/ggml-tiny.en-random.bin"),
		overheadMinutes: Number(process.env.BENCH_OVERHEAD_MINUTES ?? 5),
	};
}
