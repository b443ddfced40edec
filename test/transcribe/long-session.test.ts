/**
 * A long recording: windows of at most 10 minutes cut in pauses, stitched back with every
 * utterance exactly once, progress that only rises, and retention of the raw audio after signing.
 * `npm test` runs a 30-minute session (3 windows or more); `npm run test:long-session` the full two
 * hours (CV_LONG_SESSION_MINUTES sets it).
 * The engine here is a fake that "hears" the tone bursts standing in for utterances (the real engine
 * on two hours would take many minutes in CI; tests/transcribe/engines.test.ts runs the real one).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { setConsent } from "../../src/core/record/consent";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { ManualClock, systemClock } from "../../src/core/clock";
import { encodeWav, parseWav, WHISPER_RATE } from "../../src/core/audio/pcm";
import { speechRegions } from "../../src/core/audio/vad";
import { TranscriptionService, type TranscriptionProgress } from "../../src/core/transcribe/TranscriptionService";
import type { TranscribeJob, Transcriber } from "../../src/core/transcribe/Transcriber";
import { applyRetention, planRetention } from "../../src/core/transcribe/retention";

let base: string;
let record: ClinicalRecord;

beforeAll(async () => {
	base = await mkdtemp(join(tmpdir(), "cv-long-"));
	record = new ClinicalRecord({ store: new NodeFsStore(base) });
	await record.init("correct horse battery", { kdf: floorKdfParams() });
	await record.addClient({ code: "C-0142", name: "Synthetic Person" });
	// Recording consent is part of setting up a client for recording (transcription refuses without it).
	await setConsent(record, "C-0142", { recording: "yes", date: "2026-09-01" });
});

afterAll(async () => {
	await rm(base, { recursive: true, force: true });
});

/** Hears tone bursts: one segment per burst, text = its frequency (which encodes its index). */
class BurstEngine implements Transcriber {
	readonly engine = "cli" as const;
	readonly model = "burst-fake";
	readonly windows: number[] = [];
	async transcribe(job: TranscribeJob) {
		const pcm = parseWav(job.wav);
		this.windows.push(job.durationSeconds);
		job.onProgress?.(0.5);
		return speechRegions(pcm.channels[0]!, pcm.sampleRate).map((r) => {
			const from = Math.floor((r.start + 0.3) * WHISPER_RATE);
			let crossings = 0;
			const x = pcm.channels[0]!;
			for (let i = from + 1; i < from + WHISPER_RATE * 0.5; i++) if (x[i - 1]! < 0 && x[i]! >= 0) crossings++;
			return { start: r.start, end: r.end, text: `utterance ${Math.round(crossings / 0.5 / 10) - 20}.` };
		});
	}
}

const MINUTES = Number(process.env.CV_LONG_SESSION_MINUTES ?? 30);

describe(`a ${MINUTES}-minute session`, () => {
	it("is split in pauses, stitched without duplicated or dropped utterances, with rising progress", { timeout: 600_000 }, async () => {
		const seconds = MINUTES * 60;
		const samples = new Float32Array(seconds * WHISPER_RATE);
		const every = 45; // one 4-second utterance every 45 s, at a distinct pitch
		const expected: number[] = [];
		for (let k = 0; k * every + 10 < seconds; k++) {
			const start = k * every + 5;
			const freq = (k % 150) * 10 + 200; // 200..1690 Hz: index recoverable from pitch
			for (let i = 0; i < 4 * WHISPER_RATE; i++) samples[start * WHISPER_RATE + i] = 0.3 * Math.sin((2 * Math.PI * freq * i) / WHISPER_RATE);
			expected.push(start);
		}
		const engine = new BurstEngine();
		const svc = new TranscriptionService({ record, transcriber: engine, decoder: null, clock: systemClock });
		const audioPath = await svc.importAudio("C-0142", encodeWav({ sampleRate: WHISPER_RATE, channels: [samples] }), "two-hours.wav", "2026-09-08");
		const progress: TranscriptionProgress[] = [];
		const result = await svc.transcribe({ client: "C-0142", audioPath, sessionDate: "2026-09-08", onProgress: (p) => progress.push(p) });

		expect(result.durationSeconds).toBe(seconds);
		// At most 10 minutes a window: 12 or more for two hours.
		expect(result.windows).toBeGreaterThanOrEqual(Math.floor(seconds / 600));
		for (const w of engine.windows) expect(w).toBeLessThanOrEqual(600);
		expect(result.segments).toHaveLength(expected.length);
		result.segments.forEach((s, k) => {
			expect(Math.abs(s.start - expected[k]!)).toBeLessThan(0.5);
			expect(s.text).toBe(`utterance ${k % 150}.`);
		});
		for (let i = 1; i < progress.length; i++) expect(progress[i]!.fraction).toBeGreaterThanOrEqual(progress[i - 1]!.fraction);
		expect(progress.some((p) => p.remainingMs !== null && p.remainingMs > 0)).toBe(true);
		expect(progress.at(-1)!.fraction).toBe(1);
	});
});

describe("retention of raw audio", () => {
	it("crypto-erases recordings N hours after their session's note is signed, and only those", async () => {
		const clock = new ManualClock("2026-09-10T12:00:00Z");
		const svc = new TranscriptionService({ record, transcriber: new BurstEngine(), decoder: null, clock });
		const wav = encodeWav({ sampleRate: WHISPER_RATE, channels: [new Float32Array(WHISPER_RATE)] });
		const signedAudio = await svc.importAudio("C-0142", wav, "a.wav", "2026-09-09");
		const unsignedAudio = await svc.importAudio("C-0142", wav, "b.wav", "2026-09-10");
		await record.writeText("C-0142/notes/2026-09-09.md", "---\nsession_date: 2026-09-09\nstatus: signed\nsigned_at: 2026-09-09T15:00:00Z\n---\nNote.\n");
		await record.writeText("C-0142/notes/2026-09-10.md", "---\nsession_date: 2026-09-10\nstatus: draft\n---\nDraft.\n");

		const early = await planRetention(record, 24, clock.now());
		expect(early.due).toEqual([]);
		expect(early.waiting.map((i) => i.audioPath)).toContain(signedAudio);
		expect(early.unsigned).toContain(unsignedAudio);

		clock.set("2026-09-10T15:00:01Z");
		const plan = await planRetention(record, 24, clock.now());
		expect(plan.due.map((i) => i.audioPath)).toEqual([signedAudio]);
		const erasedFile = record.layout.storePath(signedAudio);
		expect(await applyRetention(record, plan)).toEqual([signedAudio]);
		expect(await record.store.exists(erasedFile)).toBe(false);
		expect(await record.exists(unsignedAudio)).toBe(true);
		const deletes = (await record.audit.entries()).filter((e) => e.action === "delete");
		expect(deletes.at(-1)).toMatchObject({ path: signedAudio, note: "retention: note signed 2026-09-09T15:00:00.000Z" });
	});
});
