import { describe, expect, it } from "vitest";
import { cleanSegments, collapseLoops, labelSpeakers, stitchWindows, timestamp, type Segment } from "../../src/core/transcribe/segments";
import { parseTranscriptLines, renderTranscript } from "../../src/core/transcribe/transcript";
import { parseWhisperJson } from "../../src/engines/whisperCli";
import { parseVerboseJson } from "../../src/engines/serverTranscribers";

const seg = (start: number, end: number, text: string, extra: Partial<Segment> = {}): Segment => ({ start, end, text, ...extra });

describe("cleaning whisper output", () => {
	it("drops non-speech markers and keeps speech", () => {
		const r = cleanSegments(
			[seg(0, 2, "[BLANK_AUDIO]"), seg(2, 3, " [ Silence ] "), seg(3, 4, "(music)"), seg(4, 5, "♪ ♪"), seg(5, 7, "I slept badly again.")],
			null,
		);
		expect(r.segments.map((s) => s.text)).toEqual(["I slept badly again."]);
		expect(r.droppedArtefacts).toBe(4);
	});

	it("collapses a line looping inside a segment and across segments, but keeps a real double", () => {
		expect(collapseLoops("Thank you. Thank you. Thank you. Thank you.")).toBe("Thank you.");
		expect(collapseLoops("No. No. I said it twice.")).toBe("No. No. I said it twice.");
		const r = cleanSegments(
			[seg(0, 2, "I feel stuck at work."), seg(2, 4, "I feel stuck at work."), seg(4, 6, "I feel stuck at work."), seg(6, 8, "Mm.")],
			null,
		);
		expect(r.segments.map((s) => s.text)).toEqual(["I feel stuck at work.", "Mm."]);
		expect(r.droppedRepeats).toBe(2);
	});

	it("drops text over audio with no speech energy (hallucinated from silence)", () => {
		const speech = [{ start: 0, end: 5 }];
		const r = cleanSegments([seg(1, 4, "We talked about the weekend."), seg(10, 20, "Thanks for watching!")], speech);
		expect(r.segments.map((s) => s.text)).toEqual(["We talked about the weekend."]);
		expect(r.droppedSilent).toBe(1);
	});
});

describe("stitching windows", () => {
	it("offsets times, drops a repeated boundary segment, keeps every other word and rising times", () => {
		const out = stitchWindows([
			{ offset: 0, segments: [seg(0, 4, "First part of the session."), seg(4, 9.8, "Then we looked at the worry.")] },
			{ offset: 9.5, segments: [seg(0, 0.4, "at the worry."), seg(0.5, 3, "The worry part relaxed.")] },
		]);
		expect(out.map((s) => s.text)).toEqual(["First part of the session.", "Then we looked at the worry.", "The worry part relaxed."]);
		for (let i = 1; i < out.length; i++) expect(out[i]!.start).toBeGreaterThanOrEqual(out[i - 1]!.end);
		expect(out[2]!.start).toBe(10);
	});
});

describe("speaker labels", () => {
	it("labels by the louder stereo channel and leaves close calls unlabelled", () => {
		const rate = 1000;
		const left = new Float32Array(3000);
		const right = new Float32Array(3000);
		for (let i = 0; i < 1000; i++) left[i] = 0.5 * Math.sin(i);
		for (let i = 1000; i < 2000; i++) right[i] = 0.5 * Math.sin(i);
		for (let i = 2000; i < 3000; i++) left[i] = right[i] = 0.3 * Math.sin(i);
		const r = labelSpeakers([seg(0, 1, "a"), seg(1, 2, "b"), seg(2, 3, "c")], { sampleRate: rate, channels: [left, right] });
		expect(r.method).toBe("channels");
		expect(r.segments.map((s) => s.speaker)).toEqual(["Therapist", "Client", undefined]);
	});

	it("alternates speakers at tinydiarize turn marks, and leaves mono unlabelled", () => {
		const turns = labelSpeakers(
			[seg(0, 1, "a", { speakerTurnNext: true }), seg(1, 2, "b"), seg(2, 3, "c", { speakerTurnNext: true }), seg(3, 4, "d")],
			null,
		);
		expect(turns.method).toBe("turns");
		expect(turns.segments.map((s) => s.speaker)).toEqual(["Speaker 1", "Speaker 2", "Speaker 2", "Speaker 1"]);
		expect(labelSpeakers([seg(0, 1, "a")], { sampleRate: 16000, channels: [new Float32Array(16000)] }).method).toBe("none");
	});
});

describe("transcript note", () => {
	it("renders frontmatter and [mm:ss] lines that parse back", () => {
		const md = renderTranscript(
			{
				client: "C-0142",
				sessionDate: "2026-09-01",
				audioPath: "C-0142/audio/2026-09-01.webm",
				audioFileId: "ab".repeat(16),
				engine: "cli",
				model: "ggml-base.en.bin",
				language: "en",
				durationSeconds: 3725,
				speakerLabels: "channels",
				created: "2026-09-01T10:00:00.000Z",
				droppedSilent: 1,
				droppedArtefacts: 2,
				droppedRepeats: 0,
			},
			[seg(5, 9, "How was the week?", { speaker: "Therapist" }), seg(3661, 3670, "Better, mostly.", { speaker: "Client" })],
		);
		expect(md).toMatch(/^---\nkind: transcript\nclient: C-0142\n/);
		expect(md).toContain("duration: 1:02:05");
		expect(md).toContain("[00:05] **Therapist:** How was the week?");
		expect(md).toContain("[1:01:01] **Client:** Better, mostly.");
		expect(parseTranscriptLines(md)).toEqual([
			{ start: 5, end: 5, text: "How was the week?", speaker: "Therapist" },
			{ start: 3661, end: 3661, text: "Better, mostly.", speaker: "Client" },
		]);
		expect(timestamp(59.9)).toBe("00:59");
	});
});

describe("engine output parsing", () => {
	it("parses whisper-cli JSON and refuses malformed output clearly", () => {
		const json = JSON.stringify({ transcription: [{ offsets: { from: 960, to: 4200 }, text: " Hello there.", speaker_turn_next: true }] });
		expect(parseWhisperJson(json)).toEqual([{ start: 0.96, end: 4.2, text: "Hello there.", speakerTurnNext: true }]);
		expect(() => parseWhisperJson("{not json")).toThrow(/not valid JSON/);
		expect(() => parseWhisperJson("{}")).toThrow(/no transcription/);
		expect(() => parseWhisperJson(JSON.stringify({ transcription: [{ text: "x" }] }))).toThrow(/malformed segment/);
	});

	it("parses verbose_json and refuses malformed answers", () => {
		const enc = (v: unknown) => new TextEncoder().encode(typeof v === "string" ? v : JSON.stringify(v));
		expect(parseVerboseJson(enc({ segments: [{ start: 0.5, end: 2, text: " Hi." }] }), "server")).toEqual([{ start: 0.5, end: 2, text: "Hi." }]);
		expect(() => parseVerboseJson(enc("<html>"), "server")).toThrow(/not JSON/);
		expect(() => parseVerboseJson(enc({ text: "only text" }), "server")).toThrow(/no segments/);
		expect(() => parseVerboseJson(enc({ segments: [{ start: "0", end: 1, text: "x" }] }), "server")).toThrow(/malformed/);
	});
});
