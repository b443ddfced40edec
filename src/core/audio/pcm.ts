/**
 * PCM audio in memory, and WAV (RIFF) parsing and writing in TypeScript, so WAV input always works
 * without ffmpeg or the Web Audio API. Whisper wants 16 kHz mono; `Pcm` keeps channels apart so
 * stereo recordings can label speakers by channel.
 */
import { ClinicalVaultError } from "../errors";

export const WHISPER_RATE = 16_000;

export interface Pcm {
	sampleRate: number;
	/** One Float32Array per channel, samples in [-1, 1]. */
	channels: Float32Array[];
}

export function durationSeconds(pcm: Pcm): number {
	return (pcm.channels[0]?.length ?? 0) / pcm.sampleRate;
}

function bad(why: string): never {
	throw new ClinicalVaultError("invalid-input", `This audio could not be read: ${why}.`, { detail: why });
}

/** Parses a RIFF/WAVE file: PCM 8/16/24/32-bit integer or 32/64-bit float, any rate, 1–8 channels. */
export function parseWav(bytes: Uint8Array): Pcm {
	if (bytes.length < 12) bad("the file is empty or too short");
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const tag = (offset: number) => String.fromCharCode(bytes[offset]!, bytes[offset + 1]!, bytes[offset + 2]!, bytes[offset + 3]!);
	if (tag(0) !== "RIFF" || tag(8) !== "WAVE") bad("it is not a WAV file");
	let offset = 12;
	let format: { code: number; channels: number; rate: number; bits: number } | null = null;
	let data: Uint8Array | null = null;
	while (offset + 8 <= bytes.length) {
		const id = tag(offset);
		let size = view.getUint32(offset + 4, true);
		const body = offset + 8;
		if (id === "data" && (size === 0xffffffff || body + size > bytes.length)) size = bytes.length - body; // streamed WAV
		if (body + size > bytes.length) bad(`the ${id.trim()} chunk is truncated`);
		if (id === "fmt ") {
			if (size < 16) bad("the format chunk is too short");
			let code = view.getUint16(body, true);
			if (code === 0xfffe && size >= 40) code = view.getUint16(body + 24, true); // WAVE_FORMAT_EXTENSIBLE sub-format
			format = { code, channels: view.getUint16(body + 2, true), rate: view.getUint32(body + 4, true), bits: view.getUint16(body + 14, true) };
		} else if (id === "data") {
			data = bytes.subarray(body, body + size);
		}
		offset = body + size + (size % 2);
	}
	if (!format) bad("the WAV file has no format chunk");
	if (!data) bad("the WAV file has no audio data");
	const { code, channels, rate, bits } = format;
	if (channels < 1 || channels > 8) bad(`${channels} channels are not supported`);
	if (rate < 1000 || rate > 384_000) bad(`a sample rate of ${rate} Hz is not supported`);
	const isFloat = code === 3;
	if (!(code === 1 || isFloat)) bad(`WAV encoding ${code} is not PCM`);
	if (isFloat ? bits !== 32 && bits !== 64 : ![8, 16, 24, 32].includes(bits)) bad(`${bits}-bit samples are not supported`);
	const bytesPerSample = bits / 8;
	const frames = Math.floor(data.length / (bytesPerSample * channels));
	if (frames === 0) bad("the recording has no samples (zero length)");
	const out = Array.from({ length: channels }, () => new Float32Array(frames));
	const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
	for (let f = 0; f < frames; f++) {
		for (let c = 0; c < channels; c++) {
			const p = (f * channels + c) * bytesPerSample;
			let v: number;
			if (isFloat) v = bits === 32 ? dv.getFloat32(p, true) : dv.getFloat64(p, true);
			else if (bits === 8) v = (dv.getUint8(p) - 128) / 128;
			else if (bits === 16) v = dv.getInt16(p, true) / 32768;
			else if (bits === 24) v = (((dv.getUint8(p + 2) << 24) | (dv.getUint8(p + 1) << 16) | (dv.getUint8(p) << 8)) >> 8) / 8388608;
			else v = dv.getInt32(p, true) / 2147483648;
			out[c]![f] = v;
		}
	}
	return { sampleRate: rate, channels: out };
}

/**
 * The duration a WAV file's header declares (its data chunk's size), or null when it declares
 * none: not a WAV, or a placeholder size as streaming writers leave (0, or near 4 GiB). A file cut
 * short still parses (parseWav reads what is there), so this is how a truncated WAV is noticed.
 */
export function wavDeclaredSeconds(bytes: Uint8Array): number | null {
	if (bytes.length < 12) return null;
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const tag = (offset: number) => String.fromCharCode(bytes[offset]!, bytes[offset + 1]!, bytes[offset + 2]!, bytes[offset + 3]!);
	if (tag(0) !== "RIFF" || tag(8) !== "WAVE") return null;
	let bytesPerSecond = 0;
	for (let offset = 12; offset + 8 <= bytes.length;) {
		const id = tag(offset);
		const size = view.getUint32(offset + 4, true);
		const body = offset + 8;
		if (id === "fmt " && size >= 16 && body + 16 <= bytes.length) {
			const channels = view.getUint16(body + 2, true);
			const rate = view.getUint32(body + 4, true);
			const bits = view.getUint16(body + 14, true);
			bytesPerSecond = (channels * rate * bits) / 8;
		} else if (id === "data") {
			if (bytesPerSecond <= 0 || size === 0 || size >= 0x7fff0000) return null;
			return size / bytesPerSecond;
		}
		offset = body + size + (size % 2);
	}
	return null;
}

/** 16-bit PCM WAV of the given channels (whisper.cpp reads this from stdin or a file). */
export function encodeWav(pcm: Pcm): Uint8Array {
	const channels = pcm.channels.length;
	const frames = pcm.channels[0]?.length ?? 0;
	const dataBytes = frames * channels * 2;
	const out = new Uint8Array(44 + dataBytes);
	const view = new DataView(out.buffer);
	const write = (offset: number, text: string) => {
		for (let i = 0; i < text.length; i++) out[offset + i] = text.charCodeAt(i);
	};
	write(0, "RIFF");
	view.setUint32(4, 36 + dataBytes, true);
	write(8, "WAVE");
	write(12, "fmt ");
	view.setUint32(16, 16, true);
	view.setUint16(20, 1, true);
	view.setUint16(22, channels, true);
	view.setUint32(24, pcm.sampleRate, true);
	view.setUint32(28, pcm.sampleRate * channels * 2, true);
	view.setUint16(32, channels * 2, true);
	view.setUint16(34, 16, true);
	write(36, "data");
	view.setUint32(40, dataBytes, true);
	let p = 44;
	for (let f = 0; f < frames; f++) {
		for (let c = 0; c < channels; c++) {
			const s = Math.max(-1, Math.min(1, pcm.channels[c]![f]!));
			view.setInt16(p, s < 0 ? Math.round(s * 32768) : Math.round(s * 32767), true);
			p += 2;
		}
	}
	return out;
}

/** Average of the channels. */
export function toMono(pcm: Pcm): Float32Array {
	const [first, ...rest] = pcm.channels;
	if (!first) return new Float32Array(0);
	if (rest.length === 0) return first;
	const out = new Float32Array(first.length);
	for (const ch of pcm.channels) for (let i = 0; i < out.length; i++) out[i]! += ch[i]! / pcm.channels.length;
	return out;
}

const PHASES = 512;

/**
 * Band-limited resampling: a windowed-sinc (Blackman) low-pass evaluated from a precomputed table
 * of PHASES fractional offsets, so the inner loop is multiply-adds only. Good enough for speech
 * recognition; used when neither ffmpeg nor Web Audio has already resampled.
 */
export function resample(samples: Float32Array, from: number, to: number): Float32Array {
	if (from === to) return samples;
	const ratio = to / from;
	const outLength = Math.floor(samples.length * ratio);
	const out = new Float32Array(outLength);
	const cutoff = Math.min(1, ratio) * 0.9;
	const width = Math.ceil(8 / cutoff); // input samples each side of the centre
	const taps = 2 * width;
	const table = new Float32Array(PHASES * taps);
	for (let phase = 0; phase < PHASES; phase++) {
		const frac = phase / PHASES;
		let norm = 0;
		for (let t = 0; t < taps; t++) {
			const d = t - width + 1 - frac; // distance of tap from the centre, in input samples
			const x = d * cutoff;
			const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
			const n = (d + width) / (2 * width);
			const w = n <= 0 || n >= 1 ? 0 : 0.42 - 0.5 * Math.cos(2 * Math.PI * n) + 0.08 * Math.cos(4 * Math.PI * n);
			table[phase * taps + t] = sinc * w;
			norm += sinc * w;
		}
		for (let t = 0; t < taps; t++) table[phase * taps + t]! /= norm;
	}
	const step = from / to;
	const last = samples.length - 1;
	for (let i = 0; i < outLength; i++) {
		const center = i * step;
		const base = Math.floor(center);
		const phase = Math.min(PHASES - 1, Math.round((center - base) * PHASES));
		const row = phase * taps;
		let acc = 0;
		const first = base - width + 1;
		if (first >= 0 && first + taps - 1 <= last) {
			for (let t = 0; t < taps; t++) acc += samples[first + t]! * table[row + t]!;
		} else {
			for (let t = 0; t < taps; t++) {
				const j = first + t;
				if (j >= 0 && j <= last) acc += samples[j]! * table[row + t]!;
			}
		}
		out[i] = acc;
	}
	return out;
}

/** Every channel resampled to 16 kHz. */
export function toWhisperRate(pcm: Pcm): Pcm {
	if (pcm.sampleRate === WHISPER_RATE) return pcm;
	return { sampleRate: WHISPER_RATE, channels: pcm.channels.map((c) => resample(c, pcm.sampleRate, WHISPER_RATE)) };
}
