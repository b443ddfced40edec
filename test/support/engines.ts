/**
 * Where the real engines are for the integration tests: whisper.cpp built by .ci/run into
 * .engines/whisper/bin (override with WHISPER_BIN_DIR), the random-weight tiny.en model from
 * ../shared (override with WHISPER_MODEL), ffmpeg and espeak-ng from Debian. Missing engines fail
 * the tests loudly: .ci/run installs them.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { encodeWav, parseWav, resample, WHISPER_RATE } from "../../src/core/audio/pcm";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(__dirname, "../..");

export const whisperBinDir = process.env.WHISPER_BIN_DIR ?? join(root, ".engines/whisper/bin");
export const whisperCli = join(whisperBinDir, "whisper-cli");
export const whisperServer = join(whisperBinDir, "whisper-server");
export const whisperModel = process.env.WHISPER_MODEL ?? resolve(root, "../shared/engines/whisper/ggml-tiny.en-random.bin");

export function requireEngines(): void {
	const missing = [whisperCli, whisperServer, whisperModel].filter((p) => !existsSync(p));
	for (const tool of ["ffmpeg", "espeak-ng"]) if (spawnSync(tool, ["-version"]).error) missing.push(tool);
	if (missing.length > 0) throw new Error(`Real engines missing (run bash .ci/run, which installs and builds them): ${missing.join(", ")}`);
}

function run(cmd: string, args: string[]): void {
	execFileSync(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
}

/**
 * Synthetic two-person session audio: a therapist line in one espeak-ng voice on the left channel,
 * then a client line in another voice on the right, with pauses, `repeat` times, at 16 kHz.
 * Returns the recording in each requested format (webm/m4a made by ffmpeg from the WAV).
 */
export async function makeSessionAudio(
	repeat = 1,
	formats: string[] = ["wav", "webm", "m4a"],
): Promise<{ files: Record<string, Uint8Array>; seconds: number }> {
	const dir = await mkdtemp(join(tmpdir(), "cv-audio-"));
	try {
		const voice = async (name: string, v: string, text: string) => {
			run("espeak-ng", ["-v", v, "-s", "160", "-w", join(dir, name), text]);
			const pcm = parseWav(new Uint8Array(await readFile(join(dir, name))));
			return resample(pcm.channels[0]!, pcm.sampleRate, WHISPER_RATE);
		};
		const therapist = await voice("t.wav", "en-us+m3", "How has the worried part been since our last session?");
		const client = await voice("c.wav", "en-gb+f3", "It has been quieter. I noticed it before work and I could breathe with it.");
		const pause = Math.round(0.8 * WHISPER_RATE);
		const turn = therapist.length + pause + client.length + pause;
		const left = new Float32Array(turn * repeat);
		const right = new Float32Array(turn * repeat);
		for (let r = 0; r < repeat; r++) {
			left.set(therapist, r * turn);
			right.set(client, r * turn + therapist.length + pause);
		}
		await writeFile(join(dir, "session.wav"), encodeWav({ sampleRate: WHISPER_RATE, channels: [left, right] }));
		const files: Record<string, Uint8Array> = {};
		for (const f of formats) {
			if (f !== "wav") run("ffmpeg", ["-loglevel", "error", "-y", "-i", join(dir, "session.wav"), join(dir, `session.${f}`)]);
			files[f] = new Uint8Array(await readFile(join(dir, `session.${f}`)));
		}
		return { files, seconds: left.length / WHISPER_RATE };
	} finally {
		await rm(dir, { recursive: true, force: true });
	}
}
