/**
 * Passage embeddings, int8-quantised in one contiguous slab, searched by brute-force cosine.
 *
 * Why int8: ~40,000 passages (5,000 sessions) × 768 dimensions is 123 MB as Float32, over the
 * memory target on its own; int8 with one scale per vector is 31 MB and keeps the ranking (the
 * error of a quantised cosine is about 0.01, far below the gaps RRF looks at). Why brute force:
 * at this size a scan over a contiguous Int8Array takes tens of milliseconds, with no approximate
 * index to build, persist or get wrong; filters (client, dates) shrink the scan further.
 *
 * Each stored vector is the unit-length input scaled to its largest component: v ≈ scale × q,
 * q in [-127, 127]. The cosine with a unit query is scale × Σ q[i]·query[i].
 *
 * A full int8 scan of 35,000 × 768 still costs about 50 ms in JavaScript, so large scans go in two
 * steps (binary quantisation with rescoring): every vector also keeps its signs as bits, the
 * Hamming distance of those bits to the query's ranks all allowed vectors in a few milliseconds,
 * and only the best `oversample` of them (at least ten times k, and 1,000) are scored with the
 * int8 cosine. For unit-length embeddings the sign pattern preserves angular neighbourhoods well
 * enough that the true top k is almost always inside that candidate set (the recall is tested);
 * scans of up to `oversample` vectors (a filtered client, a small record) are exact.
 */
export interface VectorHit {
	id: number;
	score: number;
}

export class VectorStore {
	private data: Int8Array;
	/** Sign bits per slot (1 = component > 0), `words` Int32 words each. */
	private bits: Int32Array;
	private readonly words: number;
	private scales: Float32Array;
	/** Passage id per slot; -1 for a free slot. */
	private ids: Int32Array;
	private used = 0;
	private readonly free: number[] = [];
	private readonly slotOf = new Map<number, number>();

	constructor(
		readonly dims: number,
		capacity = 1024,
	) {
		capacity = Math.max(1, capacity);
		if (!Number.isInteger(dims) || dims < 1 || dims > 16384) throw new RangeError(`embedding dimension ${dims} is out of range`);
		this.words = Math.ceil(dims / 32);
		this.data = new Int8Array(capacity * dims);
		this.bits = new Int32Array(capacity * this.words);
		this.scales = new Float32Array(capacity);
		this.ids = new Int32Array(capacity).fill(-1);
	}

	get size(): number {
		return this.slotOf.size;
	}

	/** Bytes held (for the bench's memory figure). */
	get bytes(): number {
		return this.data.byteLength + this.bits.byteLength + this.scales.byteLength + this.ids.byteLength;
	}

	has(id: number): boolean {
		return this.slotOf.has(id);
	}

	/** Makes room for `count` vectors in all (so a known number of vectors costs no spare capacity). */
	reserve(count: number): void {
		if (count > this.ids.length) this.grow(count);
	}

	private grow(atLeast = 0): void {
		const capacity = Math.max(atLeast, Math.ceil(this.ids.length * 1.5), 16);
		const data = new Int8Array(capacity * this.dims);
		data.set(this.data);
		const bits = new Int32Array(capacity * this.words);
		bits.set(this.bits);
		this.bits = bits;
		const scales = new Float32Array(capacity);
		scales.set(this.scales);
		const ids = new Int32Array(capacity).fill(-1);
		ids.set(this.ids);
		this.data.fill(0);
		this.data = data;
		this.scales = scales;
		this.ids = ids;
	}

	/** Stores (or replaces) the vector of passage `id`. */
	set(id: number, vector: ArrayLike<number>): void {
		if (vector.length !== this.dims) throw new RangeError(`embedding has ${vector.length} dimensions, the index ${this.dims}`);
		let norm = 0;
		let max = 0;
		for (let i = 0; i < vector.length; i++) {
			const x = vector[i]!;
			norm += x * x;
			max = Math.max(max, Math.abs(x));
		}
		norm = Math.sqrt(norm);
		const slot = this.slotFor(id);
		const base = slot * this.dims;
		const scale = norm === 0 || max === 0 ? 0 : max / norm / 127;
		for (let i = 0; i < this.dims; i++) this.data[base + i] = scale === 0 ? 0 : Math.round(vector[i]! / norm / scale);
		this.scales[slot] = scale;
		this.setBits(slot);
	}

	private setBits(slot: number): void {
		const base = slot * this.dims;
		const out = slot * this.words;
		this.bits.fill(0, out, out + this.words);
		for (let i = 0; i < this.dims; i++) if (this.data[base + i]! > 0) this.bits[out + (i >>> 5)]! |= 1 << (i & 31);
	}

	private slotFor(id: number): number {
		let slot = this.slotOf.get(id);
		if (slot === undefined) {
			slot = this.free.pop();
			if (slot === undefined) {
				if (this.used === this.ids.length) this.grow();
				slot = this.used++;
			}
			this.slotOf.set(id, slot);
			this.ids[slot] = id;
		}
		return slot;
	}

	/** Stores an already quantised vector (loading a saved index). */
	setQuantised(id: number, scale: number, q: Int8Array): void {
		const slot = this.slotFor(id);
		this.data.set(q.subarray(0, this.dims), slot * this.dims);
		this.scales[slot] = scale;
		this.setBits(slot);
	}

	delete(id: number): void {
		const slot = this.slotOf.get(id);
		if (slot === undefined) return;
		this.slotOf.delete(id);
		this.ids[slot] = -1;
		this.scales[slot] = 0;
		this.data.fill(0, slot * this.dims, (slot + 1) * this.dims);
		this.bits.fill(0, slot * this.words, (slot + 1) * this.words);
		this.free.push(slot);
	}

	/** The `k` best cosines for a query, among ids `allowed` accepts (all when null). */
	search(query: ArrayLike<number>, k: number, allowed: ((id: number) => boolean) | null, oversample = Math.max(1000, k * 10)): VectorHit[] {
		const dims = this.dims;
		if (query.length !== dims) throw new RangeError(`query embedding has ${query.length} dimensions, the index ${dims}`);
		let norm = 0;
		for (let i = 0; i < dims; i++) norm += query[i]! * query[i]!;
		norm = Math.sqrt(norm) || 1;
		const q = new Float32Array(dims);
		const words = this.words;
		const qBits = new Int32Array(words);
		for (let i = 0; i < dims; i++) {
			q[i] = query[i]! / norm;
			if (q[i]! > 0) qBits[i >>> 5]! |= 1 << (i & 31);
		}
		// Step 1: the allowed slots, each with the Hamming distance of its sign bits to the query's.
		const slots = new Int32Array(this.used);
		const distance = new Uint16Array(this.used);
		let n = 0;
		const bits = this.bits;
		for (let slot = 0; slot < this.used; slot++) {
			const id = this.ids[slot]!;
			if (id === -1 || (allowed !== null && !allowed(id))) continue;
			let d = 0;
			const b = slot * words;
			for (let w = 0; w < words; w++) {
				let x = bits[b + w]! ^ qBits[w]!;
				x -= (x >>> 1) & 0x55555555;
				x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
				d += Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
			}
			slots[n] = slot;
			distance[n] = d;
			n++;
		}
		// Step 2: keep the `oversample` nearest by Hamming distance (a counting select), then rescore exactly.
		let threshold = dims;
		if (n > oversample) {
			const histogram = new Int32Array(dims + 2);
			for (let i = 0; i < n; i++) histogram[distance[i]!]!++;
			let count = 0;
			for (threshold = 0; threshold <= dims; threshold++) {
				count += histogram[threshold]!;
				if (count >= oversample) break;
			}
		}
		const top: VectorHit[] = [];
		const data = this.data;
		for (let i = 0; i < n; i++) {
			if (distance[i]! > threshold) continue;
			const slot = slots[i]!;
			let dot = 0;
			const base = slot * dims;
			for (let j = 0; j < dims; j++) dot += data[base + j]! * q[j]!;
			const score = dot * this.scales[slot]!;
			if (top.length < k) {
				top.push({ id: this.ids[slot]!, score });
				if (top.length === k) top.sort((a, b) => b.score - a.score);
			} else if (score > top[k - 1]!.score) {
				let at = k - 1;
				while (at > 0 && top[at - 1]!.score < score) at--;
				top.splice(at, 0, { id: this.ids[slot]!, score });
				top.pop();
			}
		}
		return top.sort((a, b) => b.score - a.score);
	}

	/** Every stored vector: id, scale and the quantised components (a view; copy before keeping). */
	*entries(): Generator<{ id: number; scale: number; q: Int8Array }> {
		for (const [id, slot] of this.slotOf) yield { id, scale: this.scales[slot]!, q: this.data.subarray(slot * this.dims, (slot + 1) * this.dims) };
	}

	/** Zeroes and drops everything (lock). */
	wipe(): void {
		this.data.fill(0);
		this.bits.fill(0);
		this.scales.fill(0);
		this.slotOf.clear();
		this.free.length = 0;
		this.used = 0;
		this.data = new Int8Array(0);
		this.bits = new Int32Array(0);
		this.scales = new Float32Array(0);
		this.ids = new Int32Array(0);
	}
}
