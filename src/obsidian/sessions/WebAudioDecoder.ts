/**
 * Decoding in Obsidian with the Web Audio API: decodeAudioData reads webm/opus, m4a/aac, mp3, ogg,
 * flac and wav; an OfflineAudioContext renders the result at 16 kHz. Channels are kept (at most
 * two) so stereo recordings can label speakers. Everything stays in memory.
 */
import { ClinicalVaultError, Cancelled } from "../../core/errors";
import { WHISPER_RATE, type Pcm } from "../../core/audio/pcm";
import type { AudioDecoder } from "../../core/transcribe/Transcriber";

export class WebAudioDecoder implements AudioDecoder {
	async decode(bytes: Uint8Array, nameHint: string, signal?: AbortSignal): Promise<Pcm> {
		if (bytes.length === 0) throw new ClinicalVaultError("invalid-input", `${nameHint} is empty (zero bytes); there is nothing to transcribe.`);
		const context = new AudioContext();
		try {
			let decoded: AudioBuffer;
			try {
				decoded = await context.decodeAudioData(bytes.slice().buffer);
			} catch (error) {
				throw new ClinicalVaultError("invalid-input", `${nameHint} could not be decoded: it is damaged or in a format this computer cannot play.`, {
					detail: String(error),
				});
			}
			if (signal?.aborted) throw new Cancelled();
			const channels = Math.min(2, decoded.numberOfChannels);
			const frames = Math.max(1, Math.ceil(decoded.duration * WHISPER_RATE));
			const offline = new OfflineAudioContext(channels, frames, WHISPER_RATE);
			const source = offline.createBufferSource();
			source.buffer = decoded;
			source.connect(offline.destination);
			source.start();
			const rendered = await offline.startRendering();
			if (signal?.aborted) throw new Cancelled();
			return { sampleRate: WHISPER_RATE, channels: Array.from({ length: channels }, (_, c) => rendered.getChannelData(c).slice()) };
		} finally {
			await context.close();
		}
	}
}
