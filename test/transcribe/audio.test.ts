import { describe, expect, it } from "vitest";
import { encodeWav, parseWav, resample, toMono, toWhisperRate, type Pcm } from "../../src/core/audio/pcm";
import { speechFraction, speechRegions, splitPoints } from "../../src/core/audio/vad";
import { decodeTo16k } from "../../src/core/audio/decode";

const RATE = 16_000;

function tone(seconds: number, freq: number, amp: number, rate = RATE): Float32Array {
	const out = new Float32Array(Math.round(seconds * rate));
	for (let i = 0; i < out.length; i++) out[i] = amp * Math.sin((2 * Math.PI * freq * i) / rate);
	return out;
}

function noise(seconds: number, amp: number, rate = RATE, seed = 1): Float32Array {
	const out = new Float32Array(Math.round(seconds * rate));
	let x = seed;
	for (let i = 0; i < out.length; i++) {
		x = (x * 1103515245 + 12345) % 2147483648;
		out[i] = amp * ((x / 2147483648) * 2 - 1);
	}
	return out;
}

function concat(...parts: Float32Array[]): Float32Array {
	const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
	let o = 0;
	for (const p of parts) {
		out.set(p, o);
		o += p.length;
	}
	return out;
}

function rawWav(opts: { code: number; bits: number; channels: number; rate: number; data: Uint8Array }): Uint8Array {
	const out = new Uint8Array(44 + opts.data.length);
	const v = new DataView(out.buffer);
	const w = (o: number, s: string) => [...s].forEach((c, i) => (out[o + i] = c.charCodeAt(0)));
	w(0, "RIFF");
	v.setUint32(4, 36 + opts.data.length, true);
	w(8, "WAVE");
	w(12, "fmt ");
	v.setUint32(16, 16, true);
	v.setUint16(20, opts.code, true);
	v.setUint16(22, opts.channels, true);
	v.setUint32(24, opts.rate, true);
	v.setUint32(28, (opts.rate * opts.channels * opts.bits) / 8, true);
	v.setUint16(32, (opts.channels * opts.bits) / 8, true);
	v.setUint16(34, opts.bits, true);
	w(36, "data");
	v.setUint32(40, opts.data.length, true);
	out.set(opts.data, 44);
	return out;
}

describe("WAV", () => {
	it("round-trips 16-bit stereo within one quantisation step", () => {
		const pcm: Pcm = { sampleRate: 44_100, channels: [tone(0.1, 440, 0.5, 44_100), tone(0.1, 880, -0.25, 44_100)] };
		const back = parseWav(encodeWav(pcm));
		expect(back.sampleRate).toBe(44_100);
		expect(back.channels).toHaveLength(2);
		for (let c = 0; c < 2; c++) for (let i = 0; i < 4410; i += 97) expect(Math.abs(back.channels[c]![i]! - pcm.channels[c]![i]!)).toBeLessThan(1 / 16384);
	});

	it("reads 8-bit, 24-bit, 32-bit integer and 32-bit float samples", () => {
		const eight = parseWav(rawWav({ code: 1, bits: 8, channels: 1, rate: 8000, data: Uint8Array.from([128, 255, 0, 192]) }));
		expect(Array.from(eight.channels[0]!)).toEqual([0, 127 / 128, -1, 0.5]);
		const d24 = new Uint8Array(6);
		new DataView(d24.buffer).setUint8(2, 0x40); // 0x400000 = 0.5
		d24.set([0x00, 0x00, 0xc0], 3); // 0xc00000 = -0.5
		expect(Array.from(parseWav(rawWav({ code: 1, bits: 24, channels: 1, rate: 8000, data: d24 })).channels[0]!)).toEqual([0.5, -0.5]);
		const d32 = new Uint8Array(8);
		new DataView(d32.buffer).setInt32(0, -1073741824, true);
		new DataView(d32.buffer).setFloat32(4, 0.25, true);
		expect(parseWav(rawWav({ code: 1, bits: 32, channels: 1, rate: 8000, data: d32.subarray(0, 4) })).channels[0]![0]).toBe(-0.5);
		expect(parseWav(rawWav({ code: 3, bits: 32, channels: 1, rate: 8000, data: d32.subarray(4, 8) })).channels[0]![0]).toBe(0.25);
	});

	it("refuses empty, foreign, truncated and zero-length audio with a clear message", () => {
		expect(() => parseWav(new Uint8Array(0))).toThrow(/empty or too short/);
		expect(() => parseWav(new TextEncoder().encode("ID3 this is an mp3 really"))).toThrow(/not a WAV file/);
		const good = encodeWav({ sampleRate: RATE, channels: [tone(0.01, 440, 0.5)] });
		const fmtTruncated = good.slice(0, 30);
		expect(() => parseWav(fmtTruncated)).toThrow(/truncated|format chunk/);
		expect(() => parseWav(encodeWav({ sampleRate: RATE, channels: [new Float32Array(0)] }))).toThrow(/no samples/);
		expect(() => parseWav(rawWav({ code: 85, bits: 16, channels: 1, rate: 8000, data: new Uint8Array(4) }))).toThrow(/not PCM/);
	});

	it("decodeTo16k reads WAV without ffmpeg and refuses other formats without a decoder", async () => {
		const wav = encodeWav({ sampleRate: 48_000, channels: [tone(1, 300, 0.5, 48_000)] });
		const pcm = await decodeTo16k(wav, "a.wav", null);
		expect(pcm.sampleRate).toBe(RATE);
		expect(pcm.channels[0]!.length).toBe(RATE);
		await expect(decodeTo16k(new Uint8Array([0x1a, 0x45, 0xdf, 0xa3, 1, 2, 3]), "session.webm", null)).rejects.toThrow(/\.webm audio needs ffmpeg/);
		await expect(decodeTo16k(new Uint8Array(0), "session.webm", null)).rejects.toThrow(/empty/);
	});
});

describe("resampling", () => {
	it("keeps speech-band tones and removes what would alias", () => {
		const from = 48_000;
		const input = new Float32Array(from * 2);
		for (let i = 0; i < input.length; i++) input[i] = 0.5 * Math.sin((2 * Math.PI * 440 * i) / from) + 0.5 * Math.sin((2 * Math.PI * 12_000 * i) / from);
		const out = resample(input, from, RATE);
		expect(out.length).toBe(2 * RATE);
		let dot = 0;
		let energy = 0;
		for (let i = 2000; i < 30_000; i++) {
			dot += out[i]! * Math.sin((2 * Math.PI * 440 * i) / RATE);
			energy += out[i]! * out[i]!;
		}
		const amp440 = (2 * dot) / 28_000;
		const rms = Math.sqrt(energy / 28_000);
		expect(amp440).toBeGreaterThan(0.48);
		expect(amp440).toBeLessThan(0.52);
		expect(rms).toBeLessThan(0.36); // a 0.5 sine alone is 0.354: the 12 kHz tone is gone
	});

	it("toMono averages channels and toWhisperRate leaves 16 kHz alone", () => {
		const pcm: Pcm = { sampleRate: RATE, channels: [Float32Array.from([1, 0]), Float32Array.from([0, 1])] };
		expect(Array.from(toMono(pcm))).toEqual([0.5, 0.5]);
		expect(toWhisperRate(pcm)).toBe(pcm);
	});
});

describe("voice activity", () => {
	const signal = concat(noise(1, 0.001), tone(2, 220, 0.3), noise(1.5, 0.001, RATE, 7), tone(1, 330, 0.3), noise(1, 0.001, RATE, 9));

	it("finds the two spoken parts and nothing in the silence", () => {
		const regions = speechRegions(signal, RATE);
		expect(regions).toHaveLength(2);
		expect(regions[0]!.start).toBeGreaterThan(0.8);
		expect(regions[0]!.start).toBeLessThan(1.05);
		expect(regions[0]!.end).toBeGreaterThan(2.95);
		expect(regions[0]!.end).toBeLessThan(3.3);
		expect(regions[1]!.start).toBeGreaterThan(4.3);
		expect(speechFraction(regions, 0, 0.8)).toBe(0);
		expect(speechFraction(regions, 1.5, 2.5)).toBe(1);
	});

	it("an all-silent recording has no speech", () => {
		expect(speechRegions(noise(5, 0.0005), RATE)).toEqual([]);
		expect(speechRegions(new Float32Array(RATE * 2), RATE)).toEqual([]);
	});

	it("cuts long recordings in the pauses, never longer than the window", () => {
		// 25 minutes: 7 s of "speech", 1 s pause, repeated.
		const unit = concat(tone(7, 200, 0.3), noise(1, 0.001));
		const parts: Float32Array[] = [];
		for (let i = 0; i < (25 * 60) / 8; i++) parts.push(unit);
		const long = concat(...parts);
		const cuts = splitPoints(long, RATE, 600);
		expect(cuts.length).toBe(2);
		let prev = 0;
		for (const cut of cuts) {
			expect(cut - prev).toBeLessThanOrEqual(600);
			expect(cut - prev).toBeGreaterThan(300);
			const inUnit = cut % 8;
			expect(inUnit).toBeGreaterThanOrEqual(7); // inside the pause
			prev = cut;
		}
		expect(long.length / RATE - prev).toBeLessThanOrEqual(600);
	});
});
