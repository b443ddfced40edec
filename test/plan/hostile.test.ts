/**
 * The treatment plan against a hostile model: every plan case of the catalogue (test/support/
 * hostilePagesCatalogue.ts), a draft from an intake or a progress entry from a session, goes
 * through the real TreatmentPlanService (fake Ollama on loopback, a real encrypted record), is
 * accepted with `all`, and the plan page is checked line by line: no live markup from the model, no
 * forged marker or fence, no link to another client's file, no risk sentence, no diagnosis the note
 * does not name, no client name. The page checker is shown to find each of those, and the clean
 * four-session scenario loses nothing.
 */
import { describe, expect, it } from "vitest";
import {
	checkPlanPage,
	useHostileCatalogue,
	HOSTILE_CLIENT_DETAILS,
	HOSTILE_CLIENT_NAME,
	PLAN_CASES,
	runPartsAndPlanCatalogue,
	type CaseResult,
} from "../support/hostilePagesCatalogue";
import { identityOf } from "../../src/core/safety/identity";
import { parsePlanPage } from "../../src/core/plan/page";
import { DRAFT_ANSWER, PROGRESS } from "./answers";

const catalogue = useHostileCatalogue();
const results = new Map<string, CaseResult>();

describe("the treatment plan against a hostile model", () => {
	it("the catalogue has at least 20 hostile answers (drafts and progress entries), each with its expected outcome", () => {
		expect(PLAN_CASES.length).toBeGreaterThanOrEqual(20);
		expect(PLAN_CASES.filter((c) => c.progress).length).toBeGreaterThanOrEqual(5);
		expect(new Set(PLAN_CASES.map((c) => c.id)).size).toBe(PLAN_CASES.length);
		for (const c of PLAN_CASES) expect(Object.keys(c.expect).length, c.id).toBeGreaterThan(0);
	});

	it.each(PLAN_CASES.map((c) => [`${c.id}: ${c.what}`, c] as const))("%s", async (_, c) => {
		const result = await catalogue().runPlan(c);
		results.set(c.id, result);
		expect(result.reachedPage).toBe(true);
		expect(result.problems).toEqual([]);
	});

	it("drops and redactions are counted as expected across the catalogue", () => {
		const expected = PLAN_CASES.reduce((n, c) => n + (c.expect.dropped?.length ?? 0), 0);
		expect(expected).toBeGreaterThanOrEqual(10);
		expect([...results.values()].reduce((n, r) => n + r.dropped, 0)).toBe(expected);
		expect([...results.values()].reduce((n, r) => n + r.redacted, 0)).toBe(PLAN_CASES.reduce((n, c) => n + (c.expect.redacted ?? 0), 0));
	});

	it("the page checker finds live markup, a forged marker, another client's link, a risk sentence, a diagnosis and the client's name", () => {
		const page = results.get("R01")?.text;
		expect(page).toBeTruthy();
		const client = /^client: (C-\d{4})$/m.exec(page!)![1]!;
		const context = {
			client,
			identity: identityOf({ name: HOSTILE_CLIENT_NAME, details: HOSTILE_CLIENT_DETAILS }),
			input: "Client slept six hours on five nights. Client walked on four days this week.",
			clinicianLines: ["F51.0 Insomnia, entered by the clinician."],
		};
		expect(checkPlanPage(page!, context).problems).toEqual([]);
		const broken: [string, string, RegExp][] = [
			["an unescaped embed", page!.replace("\\!\\[\\[C-0199", "![[C-0199"), /unescaped "!"/],
			["an unescaped callout", page!.replace("\\> \\[\\!warning\\]", "> [!warning]"), /unescaped/],
			["a heading the code did not write", page!.replace("## Interventions", "## Interventions\n## Risk: low"), /a line code does not write/],
			["a line starting with >", page!.replace("## Interventions", "## Interventions\n> quoted"), /a line code does not write/],
			["a forged region marker", page!.replace("- I1: ", "<!-- cv:end -->\n- I1: "), /forged or missing marker/],
			["another client's note", page!.replace(/\[\[Clinical\/C-\d{4}\/notes/, "[[Clinical/C-0199/notes"), /a wikilink code did not write/],
			["a risk sentence", page!.replace("- I1: Weekly sessions.", "- I1: Weekly sessions. No suicidal ideation."), /touches the risk domain/],
			[
				"a diagnosis",
				page!.replace("- I1: Weekly sessions.", "- I1: Weekly sessions for major depressive disorder."),
				/names a diagnosis not in the input/,
			],
			["the client's name", page!.replace("- I1: Weekly sessions.", "- I1: Weekly sessions with Jordan."), /identifiers/],
			["an extra fence", page!.replace("## Clinician's notes", "```\n## Clinician's notes"), /fence/],
		];
		for (const [what, text, problem] of broken) {
			expect(text, what).not.toBe(page);
			expect(checkPlanPage(text, context).problems.join("\n"), what).toMatch(problem);
		}
	});

	it("the clean four-session scenario: nothing dropped or redacted by the model-text checks, the same plan, a page that passes the checker", async () => {
		const clean = await catalogue().runCleanPlan(
			DRAFT_ANSWER,
			PROGRESS.map((p) => p.answer),
		);
		expect(clean.strings).toBeGreaterThan(20);
		expect({ dropped: clean.dropped, redacted: clean.redacted, problems: clean.problems }).toEqual({ dropped: 0, redacted: 0, problems: [] });
		const data = parsePlanPage(clean.page, "C-0417/treatment-plan.md").data;
		expect(data.presenting_problems.map((p) => p.text)).toEqual(DRAFT_ANSWER.presenting_problems);
		expect(data.goals.map((g) => [g.text, g.objectives.map((o) => [o.text, o.measure, o.status, o.progress.map((p) => p.date)])])).toEqual([
			[
				"Wake up without panic most days.",
				[["Morning panic on no more than 2 of 7 days", "days with morning panic per week", "met", ["2026-06-09", "2026-06-30"]]],
			],
			[
				"Stop bingeing in the evenings.",
				[["No more than 1 binge episode a week", "binge episodes per week", "in-progress", ["2026-06-23", "2026-06-30"]]],
			],
			[
				"Be kinder to myself about work.",
				[["Homework done on at least 4 of 7 days", "days with homework done per week", "in-progress", ["2026-06-09", "2026-06-16", "2026-06-23"]]],
			],
		]);
		expect(data.interventions.map((i) => i.text)).toEqual(DRAFT_ANSWER.interventions);
		expect(data.diagnosis?.text).toBe("F41.0 Panic disorder, entered by the clinician after the structured interview.");
	});

	it("runPartsAndPlanCatalogue (for the benchmark) runs every case and reports no failure", async () => {
		const figures = await runPartsAndPlanCatalogue();
		expect(figures.failures).toEqual([]);
		expect(figures.total).toBeGreaterThanOrEqual(40);
		expect(figures.reachedPage).toBe(figures.total);
	}, 120_000);
});
