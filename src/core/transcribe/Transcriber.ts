/** The transcription engine interface, and the audio decoder interface in front of it. */
import type { Pcm } from "../audio/pcm";
import type { DecodeFindings } from "../audio/check";
import type { Segment } from "./segments";

export type EngineKind = "cli" | "server" | "openai";

export interface TranscribeJob {
	/** 16 kHz mono 16-bit WAV, in memory. */
	wav: Uint8Array;
	durationSeconds: number;
	/** ISO 639-1 code, e.g. "en". */
	language: string;
	signal?: AbortSignal;
	/** Fraction 0–1 of this job done, when the engine reports it. */
	onProgress?: (fraction: number) => void;
}

export interface Transcriber {
	readonly engine: EngineKind;
	/** The model file or name, recorded in the transcript's frontmatter. */
	readonly model: string;
	/** Segments with times relative to the job's audio. Throws ClinicalVaultError or Cancelled. */
	transcribe(job: TranscribeJob): Promise<Segment[]>;
	/**
	 * Checks that the engine can run, without audio: the program starts, the model file is there
	 * and looks like a model, the server answers. Throws ClinicalVaultError("engine") naming the
	 * setting to fix. Imports call it before anything is written.
	 */
	check?(signal?: AbortSignal): Promise<void>;
}

export interface AudioDecoder {
	/** Decodes any supported container/codec to PCM (ideally already 16 kHz; channels kept). */
	decode(bytes: Uint8Array, nameHint: string, signal?: AbortSignal): Promise<Pcm>;
	/**
	 * The same decode, with what the decoder saw beyond the samples (declared duration, stretches
	 * it could not decode, errors), for decoders that can tell (ffmpeg; Web Audio cannot).
	 */
	decodeWithFindings?(bytes: Uint8Array, nameHint: string, signal?: AbortSignal): Promise<{ pcm: Pcm; findings: DecodeFindings }>;
}

/** Whisper's English-only models are more accurate for English sessions. */
export function preferEnglishModel(models: string[], language: string): string | undefined {
	if (models.length === 0) return undefined;
	if (language === "en") return models.find((m) => /\.en[.-]/.test(m) || /\.en$/.test(m)) ?? models[0];
	return models.find((m) => !/\.en[.-]/.test(m) && !/\.en$/.test(m)) ?? models[0];
}
