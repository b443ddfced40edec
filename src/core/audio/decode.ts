/** Picks a decoder: WAV always works in TypeScript; other formats need ffmpeg (CLI) or Web Audio (Obsidian). */
import { ClinicalVaultError } from "../errors";
import { durationSeconds, parseWav, toWhisperRate, wavDeclaredSeconds, type Pcm } from "./pcm";
import { assessAudio, NO_FINDINGS, type AudioCheck } from "./check";
import type { AudioDecoder } from "../transcribe/Transcriber";

export const AUDIO_EXTENSIONS = ["webm", "m4a", "mp3", "ogg", "oga", "opus", "wav", "flac", "mp4", "aac"];

function isWav(bytes: Uint8Array): boolean {
	return bytes.length >= 12 && String.fromCharCode(...bytes.subarray(0, 4)) === "RIFF" && String.fromCharCode(...bytes.subarray(8, 12)) === "WAVE";
}

/** True when the first bytes read as text (a note, a document saved under an audio name), not as audio. */
export function looksLikeText(bytes: Uint8Array): boolean {
	const head = bytes.subarray(0, 512);
	if (head.length === 0) return false;
	let text = 0;
	for (const b of head) if (b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127) || b >= 0xc2) text++;
	return text === head.length;
}

export const wavDecoder: AudioDecoder = {
	decode: async (bytes) => parseWav(bytes),
};

function extOf(nameHint: string): string {
	return nameHint.slice(nameHint.lastIndexOf(".") + 1).toLowerCase();
}

/** Decodes to 16 kHz PCM with WAV in TypeScript and everything else through `other` when there is one. */
export async function decodeTo16k(bytes: Uint8Array, nameHint: string, other: AudioDecoder | null, signal?: AbortSignal): Promise<Pcm> {
	return (await decodeChecked(bytes, nameHint, other, signal)).pcm;
}

export interface CheckedAudio {
	/** 16 kHz, channels kept. */
	pcm: Pcm;
	check: AudioCheck;
}

/**
 * Decodes to 16 kHz PCM and says whether that is the whole recording (see check.ts): a WAV's
 * declared size against its samples, and for other formats what the decoder reports (ffmpeg tells
 * the declared duration, undecodable stretches and errors; Web Audio only whether it decodes).
 */
export async function decodeChecked(bytes: Uint8Array, nameHint: string, other: AudioDecoder | null, signal?: AbortSignal): Promise<CheckedAudio> {
	if (bytes.length === 0) throw new ClinicalVaultError("invalid-input", `${nameHint} is empty (zero bytes); there is nothing to transcribe.`);
	if (isWav(bytes)) {
		const pcm = toWhisperRate(parseWav(bytes));
		return { pcm, check: assessAudio(durationSeconds(pcm), { ...NO_FINDINGS, declaredSeconds: wavDeclaredSeconds(bytes) }) };
	}
	if (looksLikeText(bytes)) {
		throw new ClinicalVaultError("invalid-input", `${nameHint} is not a recording: it holds text, not audio. Is it the right file?`, {
			detail: `${bytes.length} bytes of text`,
		});
	}
	if (!other) {
		if (extOf(nameHint) === "wav")
			throw new ClinicalVaultError("invalid-input", `${nameHint} is not a WAV recording (its content is not WAV audio). Is it the right file?`);
		throw new ClinicalVaultError(
			"invalid-input",
			`Decoding .${extOf(nameHint)} audio needs ffmpeg, which was not found. Install ffmpeg or set its path in settings (WAV works without it).`,
		);
	}
	if (other.decodeWithFindings) {
		const { pcm, findings } = await other.decodeWithFindings(bytes, nameHint, signal);
		const at16k = toWhisperRate(pcm);
		return { pcm: at16k, check: assessAudio(durationSeconds(at16k), findings) };
	}
	const pcm = toWhisperRate(await other.decode(bytes, nameHint, signal));
	return { pcm, check: assessAudio(durationSeconds(pcm), NO_FINDINGS) };
}
