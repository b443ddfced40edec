/**
 * The hostile-model catalogue (test/support/hostileCatalogue.ts) against session notes, documents
 * and the brief's summary: nothing reaches a signable page unflagged, every case has the outcome it
 * expects, and the model never receives the client's name or an alias.
 */
import { describe, expect, it } from "vitest";
import { HOSTILE_CASES, liveMarkup, runCatalogue, type Target } from "../support/hostileCatalogue";

describe("a hostile model's answers", () => {
	it("are at least a hundred, across every kind", () => {
		expect(HOSTILE_CASES.length).toBeGreaterThanOrEqual(100);
		expect(new Set(HOSTILE_CASES.map((c) => c.kind))).toEqual(new Set(["markup", "risk", "diagnosis", "quote", "identifier", "invented", "injection"]));
		expect(new Set(HOSTILE_CASES.map((c) => c.id)).size).toBe(HOSTILE_CASES.length);
	});

	it("are seen by the page check when they are written as the model wrote them (the watch is not blind)", () => {
		const unseen = HOSTILE_CASES.filter(
			(c) =>
				c.kind === "markup" &&
				![
					"heading-plain",
					"entity-html",
					"html-comment",
					"obsidian-comment",
					"block-ref",
					"zero-width-heading",
					"line-separator",
					"newline-heading",
					"callout-imitation",
					"heading",
				].includes(c.id) &&
				liveMarkup(c.text).length === 0,
		);
		expect(unseen.map((c) => c.id)).toEqual([]);
		// Written raw, as a page without escaping would hold them, every markup case is live.
		for (const c of HOSTILE_CASES.filter((x) => x.kind === "markup"))
			expect(liveMarkup(`## Plan\nClient slept better.\n${c.text}`).length, c.id).toBeGreaterThan(0);
	});

	// Each target in two halves, so no test runs long on a busy 2-core machine.
	const half = Math.ceil(HOSTILE_CASES.length / 2);
	const runs: [Target, string, typeof HOSTILE_CASES][] = (["note", "document", "brief"] as const).flatMap((t): [Target, string, typeof HOSTILE_CASES][] => [
		[t, "first half", HOSTILE_CASES.slice(0, half)],
		[t, "second half", HOSTILE_CASES.slice(half)],
	]);
	it.each(runs)(
		"never reach a signable %s unflagged, and each has its expected outcome (%s)",
		async (target, _half, cases) => {
			const figures = await runCatalogue([target], cases);
			expect(figures.through.map((r) => `${r.id}: ${r.why}`)).toEqual([]);
			expect(figures.unexpected.map((r) => `${r.id}: expected ${r.expected}, got ${r.actual}`)).toEqual([]);
			expect(figures.nameSent).toBe(false);
		},
		30_000,
	);
});
