/**
 * Imports check before they write, and undo what they wrote when the job fails (issue 14, item 9),
 * on real files: espeak-ng speech encoded by the real ffmpeg, cut short or damaged in the middle
 * byte by byte, decoded by the real ffmpeg, transcribed by the real whisper.cpp (random-weight
 * model: structure, never accuracy). Fake whisper programs (shell scripts) stand in only for what
 * the real engine cannot be made to do: crash after starting, or not run at all.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { setConsent } from "../../src/core/record/consent";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { systemClock } from "../../src/core/clock";
import { Cancelled, ClinicalVaultError } from "../../src/core/errors";
import { splitFrontmatter } from "../../src/core/markdown/frontmatter";
import { describeAudioCheck, assessAudio } from "../../src/core/audio/check";
import { decodeChecked } from "../../src/core/audio/decode";
import { timestamp } from "../../src/core/transcribe/segments";
import { TranscriptionService } from "../../src/core/transcribe/TranscriptionService";
import type { Transcriber } from "../../src/core/transcribe/Transcriber";
import { WhisperCliTranscriber } from "../../src/engines/whisperCli";
import { WhisperServerTranscriber } from "../../src/engines/serverTranscribers";
import { FfmpegDecoder } from "../../src/engines/ffmpegDecoder";
import { makeSessionAudio, requireEngines, whisperCli, whisperModel } from "../support/engines";

const CLIENT = "C-0142";
let base: string;
let record: ClinicalRecord;
let audio: { files: Record<string, Uint8Array>; seconds: number };
const ffmpeg = new FfmpegDecoder("ffmpeg");

beforeAll(async () => {
	requireEngines();
	base = await mkdtemp(join(tmpdir(), "cv-import-checks-"));
	await mkdir(join(base, "tmp"));
	record = new ClinicalRecord({ store: new NodeFsStore(join(base, "vault")) });
	await record.init("correct horse battery", { kdf: floorKdfParams() });
	await record.addClient({ code: CLIENT, name: "Synthetic Person" });
	await setConsent(record, CLIENT, { recording: "yes", date: "2026-09-01" });
	audio = await makeSessionAudio(1, ["wav", "mp3", "webm", "m4a"]);
}, 60_000);

afterAll(async () => {
	await rm(base, { recursive: true, force: true });
});

const cli = (extra: Partial<ConstructorParameters<typeof WhisperCliTranscriber>[0]> = {}) =>
	new WhisperCliTranscriber({
		binary: whisperCli,
		model: whisperModel,
		threads: 2,
		tempRoot: join(base, "tmp"),
		extraArgs: ["-bs", "1", "-bo", "1"],
		...extra,
	});

function service(transcriber: Transcriber = cli()): TranscriptionService {
	return new TranscriptionService({ record, transcriber, decoder: ffmpeg, clock: systemClock });
}

async function fakeProgram(name: string, script: string): Promise<string> {
	const path = join(base, name);
	await writeFile(path, `#!/bin/sh\n${script}\n`);
	await chmod(path, 0o755);
	return path;
}

/** The first `fraction` of the bytes: a copy that stopped partway. */
const cut = (bytes: Uint8Array, fraction: number) => bytes.slice(0, Math.floor(bytes.length * fraction));

/** Bytes from `from` to `to` (fractions of the file) overwritten with deterministic noise. */
function damage(bytes: Uint8Array, from: number, to: number): Uint8Array {
	const out = bytes.slice();
	let x = 0x2545f491;
	for (let i = Math.floor(out.length * from); i < Math.floor(out.length * to); i++) {
		x ^= x << 13;
		x ^= x >>> 17;
		x ^= x << 5;
		out[i] = x & 0xff;
	}
	return out;
}

async function recordFiles(): Promise<string[]> {
	return (await record.list({ client: CLIENT }))
		.map((e) => e.recordPath)
		.filter((p) => p.includes("/audio/") || p.includes("/transcripts/"))
		.sort();
}

async function auditActions(): Promise<string[]> {
	return (await record.audit.entries()).map((e) => `${e.action} ${e.path ?? ""} ${e.note ?? ""}`.trim());
}

/** The promise fails with a ClinicalVaultError of this code whose message matches. */
async function refused(work: Promise<unknown>, code: string, message: RegExp): Promise<void> {
	await expect(work).rejects.toSatisfy(
		(error: unknown) => error instanceof ClinicalVaultError && error.code === code && message.test(error.message),
		`${code}: ${String(message)}`,
	);
}

describe("bad input is refused before anything is written", () => {
	it("a text file named .wav, .m4a or .mp3, random bytes named .mp3, and an m4a cut before its index: clear errors, nothing in the record", async () => {
		const before = await recordFiles();
		const auditBefore = (await auditActions()).length;
		const text = new TextEncoder().encode("Session notes, typed during the session.\nNot audio at all.\n".repeat(20));
		const noise = damage(new Uint8Array(8192), 0, 1);
		const cases: [Uint8Array, string, RegExp][] = [
			[text, "session.wav", /session\.wav is not a recording: it holds text, not audio\. .*Nothing was imported\./],
			[text, "session.m4a", /session\.m4a is not a recording: it holds text, not audio\. .*Nothing was imported\./],
			[noise, "session.mp3", /session\.mp3 could not be decoded: it is damaged or not an audio recording ffmpeg knows\. Nothing was imported\./],
			// ffmpeg writes an m4a's index (moov) at the end: a copy cut in half has none and cannot be decoded at all.
			[cut(audio.files.m4a!, 0.5), "session.m4a", /session\.m4a could not be decoded.*Nothing was imported\./],
		];
		for (const [bytes, name, message] of cases) {
			await refused(service().importRecording(CLIENT, bytes, name, "2026-09-01"), "invalid-input", message);
		}
		expect(await recordFiles()).toEqual(before);
		expect((await auditActions()).length).toBe(auditBefore);
	});

	it("a wrong model path, a file that is not a model, a missing whisper program and one that cannot run: engine errors, nothing in the record", async () => {
		const before = await recordFiles();
		const notModel = join(base, "ggml-base.en.bin");
		await writeFile(notModel, "<html>Not found</html>\n");
		const truncatedModel = join(base, "ggml-tiny.en.bin");
		await writeFile(truncatedModel, Buffer.concat([Buffer.from("lmgg"), Buffer.alloc(4096)]));
		const brokenProgram = await fakeProgram("whisper-cli-broken", 'echo "error while loading shared libraries: libwhisper.so.1" >&2; exit 127');
		const notExecutable = join(base, "whisper-cli-plain");
		await writeFile(notExecutable, "not a program");
		const cases: [Transcriber, RegExp][] = [
			[
				cli({ model: join(base, "models", "ggml-base.en.bin") }),
				/whisper model file was not found at .*ggml-base\.en\.bin\. Set its path in the whisper model setting/,
			],
			[cli({ model: notModel }), /ggml-base\.en\.bin is not a whisper\.cpp model file \(ggml\)/],
			[cli({ model: truncatedModel }), /ggml-tiny\.en\.bin is only 0\.0 MB, too small for a whisper model: the download is probably incomplete/],
			[
				cli({ binary: join(base, "nope", "whisper-cli") }),
				/whisper-cli program was not found at .*nope\/whisper-cli\. Set its path in the whisper binary setting/,
			],
			[
				cli({ binary: brokenProgram }),
				/whisper-cli program at .*whisper-cli-broken does not run on this computer \(exit code 127\): a library may be missing/,
			],
			[cli({ binary: notExecutable }), /whisper-cli program at .*whisper-cli-plain could not be started \(EACCES\)/],
		];
		for (const [transcriber, message] of cases) {
			await refused(
				service(transcriber).importAndTranscribe({ client: CLIENT, bytes: audio.files.wav!, originalName: "session.wav", sessionDate: "2026-09-02" }),
				"engine",
				message,
			);
		}
		expect(await recordFiles()).toEqual(before);
	});

	it("a whisper server that is not running is found out before the import", async () => {
		const before = await recordFiles();
		const svc = service(new WhisperServerTranscriber({ url: "http://127.0.0.1:9", policy: { allowlist: [] } }));
		await refused(
			svc.importRecording(CLIENT, audio.files.wav!, "session.wav", "2026-09-02"),
			"engine",
			/Could not reach the whisper server at http:\/\/127\.0\.0\.1:9/,
		);
		expect(await recordFiles()).toEqual(before);
	});
});

describe("a job that fails after the import removes what it imported", () => {
	it("an engine that crashes after starting: the copy is crypto-erased and logged, the error says so, and a retry adds no copy", async () => {
		// Answers -h like whisper-cli (the check passes), then dies on the audio.
		const crash = await fakeProgram(
			"whisper-cli-crash",
			'if [ "$1" = "-h" ]; then echo usage; exit 0; fi; head -c 1000 >/dev/null; echo "whisper_full: failed" >&2; kill -SEGV $$',
		);
		const before = await recordFiles();
		for (let attempt = 0; attempt < 2; attempt++) {
			await refused(
				service(cli({ binary: crash })).importAndTranscribe({
					client: CLIENT,
					bytes: audio.files.webm!,
					originalName: "session.webm",
					sessionDate: "2026-09-03",
				}),
				"engine",
				/^whisper-cli stopped with signal SIGSEGV\. The copy of session\.webm this import made \(C-0142\/audio\/2026-09-03\.webm\) was removed from the record, so trying again does not add a second one; session\.webm itself is unchanged\.$/,
			);
			expect(await recordFiles()).toEqual(before);
		}
		const log = await auditActions();
		expect(log.filter((a) => a.startsWith("import C-0142/audio/2026-09-03.webm"))).toHaveLength(2);
		expect(log.filter((a) => a === "delete C-0142/audio/2026-09-03.webm import undone: its transcription failed")).toHaveLength(2);
		expect((await record.verify()).ok).toBe(true);
	});

	it("a recording already in the record is reused, not copied, and never removed by a failed job", async () => {
		const first = await service().importRecording(CLIENT, audio.files.wav!, "session.wav", "2026-09-04");
		expect(first).toMatchObject({ audioPath: "C-0142/audio/2026-09-04.wav", reused: false });
		const again = await service().importRecording(CLIENT, audio.files.wav!, "copy-of-session.wav", "2026-09-04");
		expect(again).toMatchObject({ audioPath: "C-0142/audio/2026-09-04.wav", reused: true });
		// A different recording on the same day is a second recording.
		const other = await service().importRecording(CLIENT, cut(audio.files.wav!, 0.6), "second.wav", "2026-09-04");
		expect(other).toMatchObject({ audioPath: "C-0142/audio/2026-09-04-2.wav", reused: false });

		const crash = await fakeProgram("whisper-cli-crash2", 'if [ "$1" = "-h" ]; then exit 0; fi; cat >/dev/null; exit 3');
		await refused(
			service(cli({ binary: crash })).importAndTranscribe({
				client: CLIENT,
				bytes: audio.files.wav!,
				originalName: "session.wav",
				sessionDate: "2026-09-04",
			}),
			"engine",
			/^whisper-cli stopped with exit code 3\. The recording is kept; try again or check the model\.$/,
		);
		expect(Buffer.from(await record.read("C-0142/audio/2026-09-04.wav", "internal")).equals(audio.files.wav!)).toBe(true);
		expect((await recordFiles()).filter((p) => p.startsWith("C-0142/audio/2026-09-04"))).toEqual([
			"C-0142/audio/2026-09-04-2.wav",
			"C-0142/audio/2026-09-04.wav",
		]);
	});

	it("a cancelled job keeps the recording, and the retry reuses it", async () => {
		const slow = await fakeProgram("whisper-cli-slow", 'if [ "$1" = "-h" ]; then exit 0; fi; cat >/dev/null; sleep 30');
		const controller = new AbortController();
		const running = service(cli({ binary: slow })).importAndTranscribe({
			client: CLIENT,
			bytes: audio.files.mp3!,
			originalName: "session.mp3",
			sessionDate: "2026-09-05",
			signal: controller.signal,
			onProgress: (p) => {
				if (p.stage === "transcribing") controller.abort();
			},
		});
		await expect(running).rejects.toBeInstanceOf(Cancelled);
		expect(await record.exists("C-0142/audio/2026-09-05.mp3")).toBe(true);
		const retry = await service().importRecording(CLIENT, audio.files.mp3!, "session.mp3", "2026-09-05");
		expect(retry).toEqual(expect.objectContaining({ audioPath: "C-0142/audio/2026-09-05.mp3", reused: true }));
		expect(await record.exists("C-0142/audio/2026-09-05-2.mp3")).toBe(false);
	});
});

describe("a recording shorter than its file says, or damaged, is reported with what is missing", () => {
	it("a WAV cut in half (its header still says the whole length) is transcribed by the real engine with the missing stretch named, in the result and the transcript", async () => {
		const half = cut(audio.files.wav!, 0.5);
		const result = await service().importAndTranscribe({ client: CLIENT, bytes: half, originalName: "cut.wav", sessionDate: "2026-09-06" });
		const check = result.audio;
		expect(check.complete).toBe(false);
		expect(check.declaredSeconds!).toBeCloseTo(audio.seconds, 1);
		expect(check.decodedSeconds).toBeCloseTo(audio.seconds / 2, 0);
		expect(check.shortBySeconds).toBeCloseTo(audio.seconds - check.decodedSeconds, 3);
		const sentence = `The recording ends at ${timestamp(check.decodedSeconds)} though its file says ${timestamp(audio.seconds)}: ${timestamp(check.shortBySeconds)} missing.`;
		expect(describeAudioCheck(check)).toEqual([sentence]);

		const markdown = await record.readText(result.transcriptPath);
		const { data, body } = splitFrontmatter(markdown);
		expect(data).toMatchObject({
			audio_complete: false,
			audio_declared_duration: timestamp(audio.seconds),
			audio_missing: timestamp(check.missingSeconds),
		});
		expect(body).toContain(
			`> **Incomplete recording.** ${sentence} This transcript covers only the audio that could be decoded; check the original recording.`,
		);
		// The note is a line of its own above the segments, written by code.
		expect(body.indexOf("Incomplete recording")).toBeLessThan(body.indexOf("[00:"));
	});

	it("mp3 and webm cut short: ffmpeg's declared duration against what decodes", async () => {
		for (const format of ["mp3", "webm"]) {
			const { check } = await decodeChecked(cut(audio.files[format]!, 0.5), `cut.${format}`, ffmpeg);
			expect(check.complete, format).toBe(false);
			expect(check.declaredSeconds!, format).toBeGreaterThan(audio.seconds - 0.2);
			expect(check.decodedSeconds, format).toBeLessThan(audio.seconds * 0.65);
			expect(check.shortBySeconds, format).toBeGreaterThan(audio.seconds * 0.35);
			expect(describeAudioCheck(check)[0], format).toMatch(/^The recording ends at 00:0\d though its file says 00:\d\d: 00:0\d missing\.$/);
		}
	});

	it("the whole recording decodes as complete in every format", async () => {
		for (const format of ["wav", "mp3", "webm", "m4a"]) {
			const { check } = await decodeChecked(audio.files[format]!, `session.${format}`, ffmpeg);
			expect(check, format).toMatchObject({ complete: true, damaged: [], missingSeconds: 0 });
			expect(describeAudioCheck(check)).toEqual([]);
		}
	});

	it("damage in the middle of a webm and an m4a: what did not decode is named from where the damage starts; a stretch in the middle is left silent so later times stay the recording's", async () => {
		let silentGaps = 0;
		for (const format of ["webm", "m4a"]) {
			const { pcm, check } = await decodeChecked(damage(audio.files[format]!, 0.45, 0.6), `damaged.${format}`, ffmpeg);
			expect(check.complete, format).toBe(false);
			// Either a stretch in the middle did not decode, or nothing after the damage did (the recording "ends" there).
			const missingFrom = check.damaged[0]?.start ?? check.decodedSeconds;
			expect(missingFrom, format).toBeGreaterThan(audio.seconds * 0.3);
			expect(missingFrom, format).toBeLessThan(audio.seconds * 0.62);
			const decoded = pcm.channels[0]!.length / pcm.sampleRate;
			if (check.shortBySeconds === 0) expect(decoded, format).toBeGreaterThan(audio.seconds - 0.3);
			else
				expect(describeAudioCheck(check)[0], format).toBe(
					`The recording ends at ${timestamp(decoded)} though its file says ${timestamp(check.declaredSeconds!)}: ${timestamp(check.shortBySeconds)} missing.`,
				);
			for (const gap of check.damaged.filter((s) => s.end - s.start >= 1)) {
				const from = Math.ceil(gap.start * pcm.sampleRate) + 160;
				const to = Math.floor(gap.end * pcm.sampleRate) - 160;
				expect(
					pcm.channels[0]!.subarray(from, to).every((v) => v === 0),
					format,
				).toBe(true);
				expect(describeAudioCheck(check).join(" "), format).toContain(`${timestamp(gap.start)}–${timestamp(gap.end)}`);
				silentGaps++;
			}
		}
		// ffmpeg resyncs in the m4a (its index gives every frame's time), so that damage is a stretch in the middle.
		expect(silentGaps).toBeGreaterThan(0);
	});

	it("a damaged mp3 (frames skipped without a gap in time) is reported as damaged where ffmpeg saw the errors", async () => {
		const { check } = await decodeChecked(damage(audio.files.mp3!, 0.45, 0.6), "damaged.mp3", ffmpeg);
		expect(check.complete).toBe(false);
		expect(check.damaged.length).toBeGreaterThan(0);
		expect(check.damaged[0]!.start).toBeGreaterThan(audio.seconds * 0.3);
		expect(check.damaged[0]!.start).toBeLessThan(audio.seconds * 0.62);
		expect(check.messages.join("\n")).toMatch(/\[error\]/);
	});

	it("assessAudio: codec padding is not a shortfall; errors at the cut are the shortfall itself", () => {
		expect(assessAudio(10.9, { declaredSeconds: 10.98, gaps: [], errorsAt: [], messages: [] }).complete).toBe(true);
		expect(assessAudio(10.9, { declaredSeconds: null, gaps: [{ start: 3, end: 3.1 }], errorsAt: [], messages: [] }).complete).toBe(true);
		const cutShort = assessAudio(723, { declaredSeconds: 3000, gaps: [], errorsAt: [722.9], messages: [] });
		expect(describeAudioCheck(cutShort)).toEqual(["The recording ends at 12:03 though its file says 50:00: 37:57 missing."]);
		const damaged = assessAudio(3000, { declaredSeconds: 3000, gaps: [{ start: 288, end: 598 }], errorsAt: [288, 289, 1500.5, 1501], messages: [] });
		expect(damaged.missingSeconds).toBe(310);
		expect(describeAudioCheck(damaged)).toEqual([
			"Stretches that could not be decoded (left silent, nothing transcribed there): 04:48–09:58.",
			"The audio is damaged near 25:00: some of it may be missing or garbled there.",
		]);
	});
});
