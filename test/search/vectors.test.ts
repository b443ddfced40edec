/**
 * The vector store's two-step search (sign-bit Hamming ranking, then int8 cosine on the best
 * candidates) against an exact float cosine, on clustered synthetic embeddings shaped like real
 * ones (topics as cluster centres, passages scattered around them).
 */
import { describe, expect, it } from "vitest";
import { VectorStore } from "../../src/core/search/vectors";
import { seededRandom } from "../core/helpers";

function unit(v: number[]): number[] {
	const n = Math.hypot(...v);
	return v.map((x) => x / n);
}

function clustered(random: () => number, dims: number, centres: number, count: number): { vectors: number[][]; centre: number[][] } {
	const gauss = () => Math.sqrt(-2 * Math.log(random() || 1e-12)) * Math.cos(2 * Math.PI * random());
	const centre = Array.from({ length: centres }, () => unit(Array.from({ length: dims }, gauss)));
	const vectors = Array.from({ length: count }, () => {
		const c = centre[Math.floor(random() * centres)]!;
		return unit(c.map((x) => x + 0.06 * gauss()));
	});
	return { vectors, centre };
}

function exactTop(vectors: number[][], query: number[], k: number, allowed: (id: number) => boolean = () => true): number[] {
	return vectors
		.map((v, id) => ({ id, score: v.reduce((acc, x, i) => acc + x * query[i]!, 0) }))
		.filter((h) => allowed(h.id))
		.sort((a, b) => b.score - a.score)
		.slice(0, k)
		.map((h) => h.id);
}

describe("vector store search", () => {
	const random = seededRandom(20261122);
	const dims = 256;
	const { vectors, centre } = clustered(random, dims, 60, 6000);
	const store = new VectorStore(dims);
	vectors.forEach((v, id) => store.set(id, v));

	it("finds (almost) exactly the true top 10 when the Hamming step prunes 6,000 vectors to 1,000", () => {
		let found = 0;
		let wanted = 0;
		for (let q = 0; q < 40; q++) {
			const query = unit(centre[q % centre.length]!.map((x) => x + 0.1 * (random() - 0.5)));
			const truth = new Set(exactTop(vectors, query, 10));
			const got = store.search(query, 10, null).map((h) => h.id);
			expect(got).toHaveLength(10);
			found += got.filter((id) => truth.has(id)).length;
			wanted += 10;
		}
		// int8 rounding can swap near-ties at the boundary; the candidate step must not lose true neighbours.
		expect(found / wanted).toBeGreaterThanOrEqual(0.95);
	});

	it("is exact (up to int8 rounding) when the allowed vectors are fewer than the candidates kept", () => {
		const allowed = (id: number) => id % 10 === 3; // 600 vectors: no pruning
		const query = unit(centre[7]!.map((x) => x + 0.05));
		const truth = exactTop(vectors, query, 5, allowed);
		const got = store.search(query, 5, allowed).map((h) => h.id);
		expect(got.every((id) => allowed(id))).toBe(true);
		expect(got.filter((id) => truth.includes(id)).length).toBeGreaterThanOrEqual(4);
	});

	it("forgets deleted vectors and reuses their slots", () => {
		const small = new VectorStore(4);
		small.set(1, [1, 0, 0, 0]);
		small.set(2, [0, 1, 0, 0]);
		small.delete(1);
		small.set(3, [0.9, 0.1, 0, 0]);
		expect(small.search([1, 0, 0, 0], 2, null).map((h) => h.id)).toEqual([3, 2]);
		expect(small.size).toBe(2);
	});
});
