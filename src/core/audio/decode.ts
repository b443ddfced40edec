/** Picks a decoder: WAV always works in TypeScript; other formats need ffmpeg (CLI) or Web Audio (Obsidian). */
import { ClinicalVaultError } from "../errors";
import { parseWav, toWhisperRate, type Pcm } from "./pcm";
import type { AudioDecoder } from "../transcribe/Transcriber";

export const AUDIO_EXTENSIONS = ["webm", "m4a", "mp3", "ogg", "oga", "opus", "wav", "flac", "mp4", "aac"];

function isWav(bytes: Uint8Array): boolean {
	return bytes.length >= 12 && String.fromCharCode(...bytes.subarray(0, 4)) === "RIFF" && String.fromCharCode(...bytes.subarray(8, 12)) === "WAVE";
}

export const wavDecoder: AudioDecoder = {
	decode: async (bytes) => parseWav(bytes),
};

/** Decodes to 16 kHz PCM with WAV in TypeScript and everything else through `other` when there is one. */
export async function decodeTo16k(bytes: Uint8Array, nameHint: string, other: AudioDecoder | null, signal?: AbortSignal): Promise<Pcm> {
	if (bytes.length === 0) throw new ClinicalVaultError("invalid-input", `${nameHint} is empty (zero bytes); there is nothing to transcribe.`);
	if (isWav(bytes)) return toWhisperRate(parseWav(bytes));
	if (!other) {
		const ext = nameHint.slice(nameHint.lastIndexOf(".") + 1).toLowerCase();
		throw new ClinicalVaultError("invalid-input", `Decoding .${ext} audio needs ffmpeg, which was not found. Install ffmpeg or set its path in settings (WAV works without it).`);
	}
	return toWhisperRate(await other.decode(bytes, nameHint, signal));
}
