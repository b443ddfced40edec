/**
 * Transcript segments: cleaning whisper's non-speech artefacts, stitching windows of a long
 * recording, and labelling speakers.
 */
import { speechFraction, type Region } from "../audio/vad";
import type { Pcm } from "../audio/pcm";

export interface Segment {
	/** Seconds from the start of the recording. */
	start: number;
	end: number;
	text: string;
	speaker?: string;
	/** Set when the engine marked a speaker change after this segment (tinydiarize models). */
	speakerTurnNext?: boolean;
}

/** Whisper's markers for non-speech: "[BLANK_AUDIO]", "[ Silence ]", "(music)", "[MUSIC PLAYING]", "♪". */
const NON_SPEECH = /^\s*(?:[[(][^\])]*[\])]\s*|[♪♫*\s.…-]+)+$/;

function normalise(text: string): string {
	return text
		.toLowerCase()
		.replace(/[^\p{L}\p{N}\s']/gu, "")
		.replace(/\s+/g, " ")
		.trim();
}

/**
 * Collapses a sentence repeated three or more times in a row inside one segment ("Thank you.
 * Thank you. Thank you.") to one: a decoding loop, not speech. Two repeats are kept ("No. No.").
 */
export function collapseLoops(text: string): string {
	const sentences = (text.match(/[^.!?]+(?:[.!?]+|$)/g) ?? [text]).map((x) => x.trim()).filter((x) => x !== "");
	const out: string[] = [];
	let i = 0;
	while (i < sentences.length) {
		let j = i + 1;
		while (j < sentences.length && normalise(sentences[j]!) === normalise(sentences[i]!)) j++;
		const run = j - i;
		if (run >= 3) out.push(sentences[i]!);
		else out.push(...sentences.slice(i, j));
		i = j;
	}
	return out.join(" ");
}

export interface CleanReport {
	segments: Segment[];
	droppedArtefacts: number;
	droppedRepeats: number;
	droppedSilent: number;
}

/**
 * Drops non-speech markers, loops of a repeated line (kept once), and segments over audio with no
 * speech energy (whisper's hallucinations from silence).
 */
export function cleanSegments(input: Segment[], speech: Region[] | null, minSpeechFraction = 0.1): CleanReport {
	const segments: Segment[] = [];
	let droppedArtefacts = 0;
	let droppedRepeats = 0;
	let droppedSilent = 0;
	for (const seg of input) {
		const text = collapseLoops(seg.text.replace(/\[BLANK_AUDIO\]/g, "").trim());
		if (text === "" || NON_SPEECH.test(text)) {
			droppedArtefacts++;
			continue;
		}
		if (speech && speechFraction(speech, seg.start, Math.max(seg.end, seg.start + 0.01)) < minSpeechFraction) {
			droppedSilent++;
			continue;
		}
		const recent = segments.slice(-3).map((s) => normalise(s.text));
		if (normalise(text) !== "" && recent.includes(normalise(text)) && normalise(text).split(" ").length >= 2) {
			droppedRepeats++;
			continue;
		}
		segments.push({ ...seg, text });
	}
	return { segments, droppedArtefacts, droppedRepeats, droppedSilent };
}

/**
 * Joins the segments of consecutive windows. Windows are cut in silence, so nothing overlaps in
 * principle; where an engine's timestamps run past the cut, a segment that repeats the end of the
 * previous window (same words, overlapping time) is dropped, and timestamps are kept rising.
 */
export function stitchWindows(windows: { offset: number; segments: Segment[] }[]): Segment[] {
	const out: Segment[] = [];
	for (const w of windows) {
		for (const seg of w.segments) {
			const shifted: Segment = { ...seg, start: seg.start + w.offset, end: seg.end + w.offset };
			const last = out[out.length - 1];
			if (last) {
				if (shifted.start < last.end - 0.05 && normalise(last.text).endsWith(normalise(shifted.text))) continue;
				if (shifted.start < last.end) shifted.start = last.end;
				if (shifted.end < shifted.start) shifted.end = shifted.start;
			}
			out.push(shifted);
		}
	}
	return out;
}

function rms(samples: Float32Array, from: number, to: number): number {
	let sum = 0;
	for (let i = from; i < to; i++) sum += samples[i]! * samples[i]!;
	return Math.sqrt(sum / Math.max(1, to - from));
}

export type SpeakerLabels = "channels" | "turns" | "none";

/**
 * Speaker labels. Stereo: the louder channel over the segment names the speaker (channel 0 =
 * `names[0]`); a difference under 3 dB is left unlabelled. Turns: a tinydiarize model's speaker-turn
 * marks alternate two speakers (which is which is unknown, so "Speaker 1/2"). Otherwise none.
 */
export function labelSpeakers(
	segments: Segment[],
	pcm: Pcm | null,
	names: [string, string] = ["Therapist", "Client"],
): { segments: Segment[]; method: SpeakerLabels } {
	if (pcm && pcm.channels.length >= 2) {
		const [left, right] = pcm.channels as [Float32Array, Float32Array];
		const rate = pcm.sampleRate;
		return {
			method: "channels",
			segments: segments.map((s) => {
				const from = Math.max(0, Math.floor(s.start * rate));
				const to = Math.min(left.length, Math.ceil(s.end * rate));
				const l = rms(left, from, to);
				const r = rms(right, from, to);
				const ratio = 20 * Math.log10((l + 1e-9) / (r + 1e-9));
				const speaker = ratio >= 3 ? names[0] : ratio <= -3 ? names[1] : undefined;
				return speaker ? { ...s, speaker } : { ...s };
			}),
		};
	}
	if (segments.some((s) => s.speakerTurnNext)) {
		let current = 1;
		return {
			method: "turns",
			segments: segments.map((s) => {
				const labelled = { ...s, speaker: `Speaker ${current}` };
				if (s.speakerTurnNext) current = current === 1 ? 2 : 1;
				return labelled;
			}),
		};
	}
	return { segments, method: "none" };
}

export function timestamp(seconds: number): string {
	const total = Math.max(0, Math.floor(seconds));
	const h = Math.floor(total / 3600);
	const m = Math.floor((total % 3600) / 60);
	const s = total % 60;
	const mm = String(m).padStart(2, "0");
	const ss = String(s).padStart(2, "0");
	return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}
