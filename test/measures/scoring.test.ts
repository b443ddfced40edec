/**
 * Scoring by code: every built-in measure at every band boundary (answers and total alone), item
 * alerts, missing items (refused where the manual gives no rule, prorated where a definition
 * allows), answers out of range, change thresholds (reliable and clinically significant), and a
 * clinician's own definition loaded from YAML, with the bad ones refused with the reason.
 */
import { describe, expect, it } from "vitest";
import { ClinicalVaultError } from "../../src/core/errors";
import type { MeasureDefinition } from "../../src/core/measures/definition";
import { builtinMeasures, loadMeasures } from "../../src/core/measures/registry";
import { changeBetween, checkDefinition, maxTotal, scoreAnswers, scoreTotal } from "../../src/core/measures/scoring";

const measures = builtinMeasures();
const def = (id: string): MeasureDefinition => measures.get(id)!;

/** Answers that add up to `total`, filling items from the first with the highest answer. */
function answersFor(d: MeasureDefinition, total: number): number[] {
	const top = d.options.at(-1)!.value;
	let left = total;
	return d.items.map(() => {
		const a = Math.min(top, left);
		left -= a;
		return a;
	});
}

function refusal(fn: () => unknown): ClinicalVaultError {
	try {
		fn();
	} catch (error) {
		expect(error).toBeInstanceOf(ClinicalVaultError);
		return error as ClinicalVaultError;
	}
	throw new Error("expected a refusal");
}

describe("built-in measures", () => {
	it("are PHQ-9, GAD-7, PCL-5, PHQ-2 and GAD-2, each with its items, answers, bands and source", () => {
		expect([...measures.keys()]).toEqual(["phq9", "gad7", "pcl5", "phq2", "gad2"]);
		expect([...measures.values()].map((m) => [m.name, m.items.length, maxTotal(m)])).toEqual([
			["PHQ-9", 9, 27],
			["GAD-7", 7, 21],
			["PCL-5", 20, 80],
			["PHQ-2", 2, 6],
			["GAD-2", 2, 6],
		]);
		for (const m of measures.values()) {
			expect(m.source.length).toBeGreaterThan(20);
			expect(m.licence).toMatch(/public domain|no permission/i);
		}
	});

	const expectedBands: Record<string, [number, number, string][]> = {
		// Kroenke, Spitzer & Williams 2001.
		phq9: [
			[0, 4, "Minimal"],
			[5, 9, "Mild"],
			[10, 14, "Moderate"],
			[15, 19, "Moderately severe"],
			[20, 27, "Severe"],
		],
		// Spitzer et al. 2006.
		gad7: [
			[0, 4, "Minimal"],
			[5, 9, "Mild"],
			[10, 14, "Moderate"],
			[15, 21, "Severe"],
		],
	};

	for (const [id, bands] of Object.entries(expectedBands)) {
		it(`${id}: the manual's bands, at every boundary, from item answers and from the total alone`, () => {
			const d = def(id);
			for (const [min, max, label] of bands) {
				for (const total of [min, max]) {
					const fromAnswers = scoreAnswers(d, answersFor(d, total));
					expect(fromAnswers).toMatchObject({ total, prorated: 0 });
					expect(fromAnswers.band.toLowerCase()).toContain(label.toLowerCase());
					expect(scoreTotal(d, total).band).toBe(fromAnswers.band);
				}
			}
		});
	}

	it("every built-in measure's bands cover each total exactly once, and each boundary scores to its band", () => {
		for (const d of measures.values()) {
			for (const band of d.bands) {
				expect(scoreAnswers(d, answersFor(d, band.min)).band).toBe(band.label);
				expect(scoreAnswers(d, answersFor(d, band.max)).band).toBe(band.label);
				if (band.min > 0) expect(scoreTotal(d, band.min - 1).band).not.toBe(band.label);
			}
		}
	});

	it("a worked PHQ-9: several days on four items, more than half the days on two, nearly every day on one; item 9 at 1 raises the alert", () => {
		const score = scoreAnswers(def("phq9"), [1, 2, 1, 3, 0, 1, 2, 0, 1]);
		expect(score.total).toBe(11);
		expect(score.band).toBe("Moderate");
		expect(score.alerts).toEqual([{ item: "9", number: 9, answer: 1, label: expect.stringContaining("Item 9") as string }]);
		expect(scoreAnswers(def("phq9"), [1, 2, 1, 3, 0, 1, 2, 0, 0]).alerts).toEqual([]);
		// The total alone records no item answers, so it raises no item alert.
		expect(scoreTotal(def("phq9"), 11).alerts).toEqual([]);
	});

	it("a worked PCL-5: the provisional cut-off range 31–33 has its own band", () => {
		const d = def("pcl5");
		expect(scoreAnswers(d, [2, 2, 1, 3, 2, 1, 2, 0, 1, 2, 1, 1, 2, 1, 2, 1, 0, 2, 3, 2]).total).toBe(31);
		expect(scoreTotal(d, 30).band).not.toBe(scoreTotal(d, 31).band);
		expect(scoreTotal(d, 33).band).toBe(scoreTotal(d, 31).band);
		expect(scoreTotal(d, 34).band).not.toBe(scoreTotal(d, 33).band);
	});
});

describe("bad answers are refused with the reason, before anything is saved", () => {
	it("a missing item where the manual gives no rule, an answer out of range, the wrong number of answers, a total out of range", () => {
		const phq9 = def("phq9");
		expect(refusal(() => scoreAnswers(phq9, [1, 1, null, 1, 1, 1, 1, 1, 1])).message).toBe(
			"PHQ-9 item 3 is not answered, and its manual gives no rule for a missing item: answer every item, or enter the total alone. Nothing was saved.",
		);
		expect(refusal(() => scoreAnswers(phq9, [1, 1, 4, 1, 1, 1, 1, 1, 1])).message).toBe(
			"PHQ-9 item 3 was answered 4; its answers are 0 to 3. Nothing was saved.",
		);
		expect(refusal(() => scoreAnswers(phq9, [1, 1, 1.5, 1, 1, 1, 1, 1, 1])).message).toContain("item 3 was answered 1.5");
		expect(refusal(() => scoreAnswers(phq9, [1, 1, 1])).message).toBe(
			"PHQ-9 has 9 items; 3 answers were given. Give one answer per item (leave an unanswered item empty). Nothing was saved.",
		);
		expect(refusal(() => scoreTotal(phq9, 28)).message).toBe("A PHQ-9 total is a whole number from 0 to 27; 28 is not. Nothing was saved.");
		expect(refusal(() => scoreTotal(phq9, -1)).message).toContain("0 to 27");
	});

	it("proration where a definition allows it: the mean of the answered items for each missing one, and no more missing than allowed", () => {
		const d = checkDefinition(
			{
				id: "three",
				name: "Three",
				title: "A synthetic three-item scale",
				source: "Synthetic, for tests",
				licence: "Synthetic",
				options: [
					{ value: 0, label: "No" },
					{ value: 1, label: "Some" },
					{ value: 2, label: "Much" },
					{ value: 3, label: "Very much" },
				],
				items: [
					{ id: "a", text: "A" },
					{ id: "b", text: "B" },
					{ id: "c", text: "C" },
				],
				scoring: { method: "sum", prorateMaxMissing: 1, prorateSource: "Synthetic manual" },
				bands: [
					{ min: 0, max: 4, label: "Low" },
					{ min: 5, max: 9, label: "High" },
				],
			},
			"three.yaml",
		);
		// 2 + 3 answered: 5 × 3 / 2 = 7.5, rounded half up to 8.
		expect(scoreAnswers(d, [2, null, 3])).toEqual({ total: 8, band: "High", prorated: 1, alerts: [] });
		expect(refusal(() => scoreAnswers(d, [2, null, null])).message).toBe(
			"Three items 2, 3 are not answered; its manual allows a score with at most 1 missing. Nothing was saved.",
		);
		// An item that carries an alert is never prorated: its answer is what the clinician must see.
		const alerted = checkDefinition({ ...d, alerts: [{ item: "c", atLeast: 2, label: "C high" }] }, "three.yaml");
		expect(refusal(() => scoreAnswers(alerted, [2, 3, null])).message).toBe(
			"Three item 3 is not answered; it carries an alert the clinician must see, so it is never prorated. Answer it, or enter the total alone. Nothing was saved.",
		);
		expect(scoreAnswers(alerted, [null, 3, 2]).alerts).toEqual([{ item: "c", number: 3, answer: 2, label: "C high" }]);
	});
});

describe("change between two scores", () => {
	it("PHQ-9: a drop of at least the reliable-change points is reliable; ending below the cut-off from above it is clinically significant", () => {
		const d = def("phq9");
		const rc = d.reliableChange!.points;
		const cut = d.clinicalCutoff!.below;
		expect(changeBetween(d, cut + 5, cut + 5 - rc)).toEqual({ points: -rc, reliable: "improved", clinicallySignificant: cut + 5 - rc < cut });
		expect(changeBetween(d, 16, 16 - rc + 1)).toEqual({ points: -rc + 1, reliable: "no reliable change", clinicallySignificant: false });
		expect(changeBetween(d, 15, 15 - rc - 2)).toMatchObject({ reliable: "improved", clinicallySignificant: true });
		expect(changeBetween(d, 8, 8 + rc)).toEqual({ points: rc, reliable: "worse", clinicallySignificant: false });
		// The screens have no change thresholds: null, not a guess.
		expect(changeBetween(def("phq2"), 5, 1)).toEqual({ points: -4, reliable: null, clinicallySignificant: null });
	});
});

describe("a clinician's own measure from YAML", () => {
	const good = `id: sleep-diary
name: Sleep diary
title: A synthetic weekly sleep-problem scale
source: Synthetic, written for this test
licence: Synthetic
options:
  - { value: 0, label: Never }
  - { value: 1, label: Sometimes }
  - { value: 2, label: Often }
items:
  - { id: onset, text: Trouble falling asleep }
  - { id: waking, text: Waking in the night }
scoring: { method: sum }
bands:
  - { min: 0, max: 1, label: Low }
  - { min: 2, max: 4, label: High }
alerts:
  - { item: waking, atLeast: 2, label: Waking often }
`;

	it("is loaded beside the built-in ones and scored by the same code", () => {
		const registry = loadMeasures([{ name: "sleep-diary.yaml", text: good }]);
		expect(registry.problems).toEqual([]);
		const d = registry.definitions.get("sleep-diary")!;
		expect(scoreAnswers(d, [1, 2])).toMatchObject({ total: 3, band: "High", alerts: [{ item: "waking", number: 2, answer: 2 }] });
		expect(registry.definitions.has("phq9")).toBe(true);
	});

	it("a bad one is left out with the reason; the others still load", () => {
		const registry = loadMeasures([
			{ name: "broken.yaml", text: "id: broken\nname: [unclosed\n" },
			{
				name: "weighted.yaml",
				text: good.replace("id: sleep-diary", "id: weighted").replace("scoring: { method: sum }", "scoring: { method: weighted }"),
			},
			{
				name: "gap.yaml",
				text: good.replace("id: sleep-diary", "id: gap").replace("{ min: 2, max: 4, label: High }", "{ min: 3, max: 4, label: High }"),
			},
			{ name: "phq9.yaml", text: good.replace("id: sleep-diary", "id: phq9") },
			{ name: "alert.yaml", text: good.replace("id: sleep-diary", "id: alert").replace("item: waking", "item: nightmares") },
			{ name: "sleep-diary.yaml", text: good },
		]);
		expect(registry.problems).toEqual([
			'The measure definition measures/alert.yaml cannot be used: an alert names item "nightmares", which the measure does not have.',
			expect.stringMatching(/^The measure definition measures\/broken\.yaml cannot be used: it is not valid YAML \(/) as string,
			"The measure definition measures/gap.yaml cannot be used: the bands must run from 0 to 4 in order without gaps or overlaps (a band should start at 2).",
			'The measure definition measures/phq9.yaml cannot be used: "phq9" is a built-in measure; give yours another id.',
			'The measure definition measures/weighted.yaml cannot be used: unknown scoring rule (only "sum" is supported).',
		]);
		expect([...registry.definitions.keys()]).toEqual(["phq9", "gad7", "pcl5", "phq2", "gad2", "sleep-diary"]);
	});
});
