/**
 * Is the decoded audio the whole recording? A decoder reports what it saw beyond the samples (the
 * duration the file declares, stretches of the recording's timeline it could not decode, where it
 * reported errors); `assessAudio` turns that into the clinician's answer: complete, or which
 * stretches are missing. A recording cut short (a copy stopped halfway, a phone that died) still
 * plays and still transcribes, so without this check half a session would go missing silently.
 */
import { timestamp } from "../transcribe/segments";

export interface Stretch {
	/** Seconds into the recording. */
	start: number;
	end: number;
}

/** What a decoder saw beyond the samples. */
export interface DecodeFindings {
	/** The duration the file's header declares, when it declares one (null: not declared or only estimated). */
	declaredSeconds: number | null;
	/** Stretches of the recording's timeline that could not be decoded; the samples hold silence there. */
	gaps: Stretch[];
	/** Where (seconds into the recording) the decoder reported damaged data. */
	errorsAt: number[];
	/** The first few decoder messages, for the error detail (no audio content). */
	messages: string[];
}

export const NO_FINDINGS: DecodeFindings = { declaredSeconds: null, gaps: [], errorsAt: [], messages: [] };

export interface AudioCheck {
	decodedSeconds: number;
	declaredSeconds: number | null;
	/** Seconds the file declares beyond the decoded audio (0 when none or not known). */
	shortBySeconds: number;
	/** Stretches that could not be decoded (silent in the decoded audio) and places with decode errors. */
	damaged: Stretch[];
	/** Seconds missing in all: the shortfall plus the undecodable stretches. */
	missingSeconds: number;
	complete: boolean;
	/** Decoder messages, for the detail. */
	messages: string[];
}

/** A shortfall under this many seconds is codec padding or rounding, not missing audio. */
export function shortfallTolerance(declaredSeconds: number): number {
	return Math.max(1, declaredSeconds * 0.002);
}

/** A gap in the decoded timeline shorter than this is timestamp jitter. */
export const GAP_TOLERANCE_SECONDS = 0.25;

/** Errors closer together than this are one damaged place. */
const ERROR_CLUSTER_SECONDS = 2;

export function assessAudio(decodedSeconds: number, findings: DecodeFindings): AudioCheck {
	const declared =
		findings.declaredSeconds !== null && Number.isFinite(findings.declaredSeconds) && findings.declaredSeconds > 0 ? findings.declaredSeconds : null;
	const short = declared !== null && declared - decodedSeconds > shortfallTolerance(declared) ? declared - decodedSeconds : 0;
	const gaps = findings.gaps.filter((g) => g.end - g.start >= GAP_TOLERANCE_SECONDS).map((g) => ({ start: g.start, end: g.end }));
	const places: Stretch[] = [];
	for (const at of [...findings.errorsAt].sort((a, b) => a - b)) {
		// The error where a cut-short file ends ("file ended prematurely") is the shortfall itself.
		if (short > 0 && at >= decodedSeconds - ERROR_CLUSTER_SECONDS) continue;
		if (gaps.some((g) => at >= g.start - ERROR_CLUSTER_SECONDS && at <= g.end + ERROR_CLUSTER_SECONDS)) continue;
		const last = places.at(-1);
		if (last && at - last.end <= ERROR_CLUSTER_SECONDS) last.end = at;
		else places.push({ start: at, end: at });
	}
	const damaged = [...gaps, ...places].sort((a, b) => a.start - b.start);
	const missingSeconds = short + gaps.reduce((sum, g) => sum + (g.end - g.start), 0);
	return {
		decodedSeconds,
		declaredSeconds: declared,
		shortBySeconds: short,
		damaged,
		missingSeconds,
		complete: short === 0 && damaged.length === 0,
		messages: findings.messages,
	};
}

function stretchText(s: Stretch): string {
	return s.end - s.start < 1 ? `near ${timestamp(s.start)}` : `${timestamp(s.start)}–${timestamp(s.end)}`;
}

/**
 * The clinician's sentences about an incomplete recording (empty when it is complete), e.g.
 * "The recording ends at 12:03 though its file says 50:00: 37:57 missing."
 */
export function describeAudioCheck(check: AudioCheck): string[] {
	if (check.complete) return [];
	const lines: string[] = [];
	if (check.shortBySeconds > 0 && check.declaredSeconds !== null) {
		lines.push(
			`The recording ends at ${timestamp(check.decodedSeconds)} though its file says ${timestamp(check.declaredSeconds)}: ${timestamp(Math.max(1, check.shortBySeconds))} missing.`,
		);
	}
	const gaps = check.damaged.filter((s) => s.end - s.start >= 1);
	const places = check.damaged.filter((s) => s.end - s.start < 1);
	if (gaps.length > 0) lines.push(`Stretches that could not be decoded (left silent, nothing transcribed there): ${gaps.map(stretchText).join(", ")}.`);
	if (places.length > 0) lines.push(`The audio is damaged ${places.map(stretchText).join(", ")}: some of it may be missing or garbled there.`);
	return lines;
}

/** One line for notices: "Incomplete recording: …" (empty when complete). */
export function incompleteSummary(check: AudioCheck): string {
	const lines = describeAudioCheck(check);
	return lines.length === 0 ? "" : `Incomplete recording: ${lines.join(" ")} Check the original recording.`;
}
