/**
 * A simple energy voice-activity detector over PCM: frame RMS in dBFS against an adaptive noise
 * floor. It finds speech regions (so silence is never sent to whisper, which hallucinates text
 * from silence) and quiet points to split long recordings at.
 */
export interface Region {
	start: number;
	end: number;
}

export interface VadOptions {
	frameSeconds?: number;
	/** dB above the noise floor that counts as speech. */
	marginDb?: number;
	/** Absolute level below which nothing is speech. */
	minDb?: number;
	/** Gaps shorter than this join two regions. */
	joinSeconds?: number;
	/** Regions shorter than this are dropped. */
	minSpeechSeconds?: number;
}

const FLOOR_DB = -100;

export function frameLevels(samples: Float32Array, rate: number, frameSeconds = 0.03): Float32Array {
	const frame = Math.max(1, Math.round(rate * frameSeconds));
	const count = Math.ceil(samples.length / frame);
	const out = new Float32Array(count);
	for (let f = 0; f < count; f++) {
		let sum = 0;
		const end = Math.min(samples.length, (f + 1) * frame);
		for (let i = f * frame; i < end; i++) sum += samples[i]! * samples[i]!;
		const rms = Math.sqrt(sum / Math.max(1, end - f * frame));
		out[f] = rms > 0 ? Math.max(FLOOR_DB, 20 * Math.log10(rms)) : FLOOR_DB;
	}
	return out;
}

function percentile(values: Float32Array, p: number): number {
	if (values.length === 0) return FLOOR_DB;
	const sorted = Float32Array.from(values).sort();
	return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

export function speechRegions(samples: Float32Array, rate: number, options: VadOptions = {}): Region[] {
	const frameSeconds = options.frameSeconds ?? 0.03;
	const levels = frameLevels(samples, rate, frameSeconds);
	const floor = percentile(levels, 0.1);
	const threshold = Math.max(options.minDb ?? -50, floor + (options.marginDb ?? 12));
	const raw: Region[] = [];
	let open = -1;
	for (let f = 0; f <= levels.length; f++) {
		const speech = f < levels.length && levels[f]! >= threshold;
		if (speech && open < 0) open = f;
		if (!speech && open >= 0) {
			raw.push({ start: open * frameSeconds, end: f * frameSeconds });
			open = -1;
		}
	}
	const join = options.joinSeconds ?? 0.5;
	const joined: Region[] = [];
	for (const r of raw) {
		const last = joined[joined.length - 1];
		if (last && r.start - last.end <= join) last.end = r.end;
		else joined.push({ ...r });
	}
	const duration = samples.length / rate;
	return joined
		.filter((r) => r.end - r.start >= (options.minSpeechSeconds ?? 0.2))
		.map((r) => ({ start: Math.max(0, r.start - 0.1), end: Math.min(duration, r.end + 0.2) }));
}

/** Fraction of [start, end) covered by speech regions. */
export function speechFraction(regions: Region[], start: number, end: number): number {
	if (end <= start) return 0;
	let covered = 0;
	for (const r of regions) covered += Math.max(0, Math.min(end, r.end) - Math.max(start, r.start));
	return covered / (end - start);
}

/**
 * Cut points (seconds) for windows of at most `maxSeconds`: each cut is placed at the quietest
 * frame in the last `searchSeconds` before the limit, so a cut falls between words.
 */
export function splitPoints(samples: Float32Array, rate: number, maxSeconds: number, searchSeconds = 30): number[] {
	const duration = samples.length / rate;
	if (duration <= maxSeconds) return [];
	const frameSeconds = 0.05;
	const levels = frameLevels(samples, rate, frameSeconds);
	const cuts: number[] = [];
	let start = 0;
	while (duration - start > maxSeconds) {
		const limit = start + maxSeconds;
		const from = Math.max(start + maxSeconds / 2, limit - searchSeconds);
		let best = Math.floor(limit / frameSeconds);
		let bestLevel = Infinity;
		// Prefer the middle of the longest quiet run: average levels over a 0.5 s neighbourhood.
		const reach = 5;
		for (let f = Math.floor(from / frameSeconds); f < Math.floor(limit / frameSeconds); f++) {
			let sum = 0;
			let n = 0;
			for (let k = f - reach; k <= f + reach; k++) {
				if (k >= 0 && k < levels.length) {
					sum += levels[k]!;
					n++;
				}
			}
			const level = sum / Math.max(1, n);
			if (level < bestLevel) {
				bestLevel = level;
				best = f;
			}
		}
		const cut = best * frameSeconds;
		cuts.push(cut);
		start = cut;
	}
	return cuts;
}
