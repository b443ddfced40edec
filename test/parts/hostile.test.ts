/**
 * The parts map against a hostile model: every case of the catalogue (test/support/
 * hostilePagesCatalogue.ts) goes through the real PartsMapService (fake Ollama on loopback, a real
 * encrypted record), is accepted with `all`, and the page written is checked line by line: no live
 * markup from the model, no forged marker or fence, no link to another client's file, no risk
 * sentence, no diagnosis the note does not name, no client name. The page checker is shown to find
 * each of those when they are there, and the clean four-session scenario loses nothing.
 */
import { describe, expect, it } from "vitest";
import {
	checkPartsPage,
	useHostileCatalogue,
	HOSTILE_CLIENT_DETAILS,
	HOSTILE_CLIENT_NAME,
	PARTS_CASES,
	type CaseResult,
} from "../support/hostilePagesCatalogue";
import { identityOf } from "../../src/core/safety/identity";
import { parsePage } from "../../src/core/parts/page";
import { SCENARIO_ANSWERS } from "./helpers";

const catalogue = useHostileCatalogue();
const results = new Map<string, CaseResult>();

describe("the parts map against a hostile model", () => {
	it("the catalogue has at least 20 hostile answers, each with its expected outcome", () => {
		expect(PARTS_CASES.length).toBeGreaterThanOrEqual(20);
		expect(new Set(PARTS_CASES.map((c) => c.id)).size).toBe(PARTS_CASES.length);
		for (const c of PARTS_CASES) expect(Object.keys(c.expect).length, c.id).toBeGreaterThan(0);
	});

	it.each(PARTS_CASES.map((c) => [`${c.id}: ${c.what}`, c] as const))("%s", async (_, c) => {
		const result = await catalogue().runParts(c);
		results.set(c.id, result);
		expect(result.reachedPage).toBe(true);
		expect(result.problems).toEqual([]);
	});

	it("drops and redactions are counted as expected across the catalogue", () => {
		const expected = PARTS_CASES.reduce((n, c) => n + (c.expect.dropped?.length ?? 0), 0);
		expect([...results.values()].reduce((n, r) => n + r.dropped, 0)).toBe(expected);
		expect(expected).toBeGreaterThanOrEqual(12);
		expect([...results.values()].reduce((n, r) => n + r.redacted, 0)).toBe(PARTS_CASES.reduce((n, c) => n + (c.expect.redacted ?? 0), 0));
	});

	it("the page checker finds live markup, a forged marker, another client's link, a Mermaid click, a risk sentence, a diagnosis and the client's name", () => {
		const page = results.get("P01")?.text;
		expect(page).toBeTruthy();
		const client = /^client: (C-\d{4})$/m.exec(page!)![1]!;
		const context = {
			client,
			identity: identityOf({ name: HOSTILE_CLIENT_NAME, details: HOSTILE_CLIENT_DETAILS }),
			input: "Client described a part called the Gardener.",
		};
		expect(checkPartsPage(page!, context).problems).toEqual([]);
		const broken: [string, string, RegExp][] = [
			["an unescaped embed", page!.replace("\\!\\[\\[C-0199", "![[C-0199"), /unescaped "!"/],
			["a heading the code did not write", page!.replace("## Self-energy", "## Self-energy\n## Risk: low"), /a line code does not write/],
			[
				"a forged region marker",
				page!.replace("- Kind: manager", "- Kind: manager\n<!-- cv:generated parts 0123456789ab -->"),
				/forged or missing marker|a line code does not write/,
			],
			["another client's note", page!.replace(/\[\[Clinical\/C-\d{4}\/notes/, "[[Clinical/C-0199/notes"), /a wikilink code did not write/],
			[
				"a Mermaid click",
				page!.replace("flowchart LR", 'flowchart LR\n  click p_the_gardener href "https://evil.test"'),
				/diagram: a line code does not emit/,
			],
			["a live Mermaid label", page!.replace(/"the Gardener \(manager, met\)"/, '"the Gardener <img src=x>"'), /diagram: a label with a live character/],
			["a risk sentence", page!.replace("- Role: tends", "- Role: wants to die; tends"), /touches the risk domain/],
			["a diagnosis", page!.replace("- Role: tends", "- Role: PTSD; tends"), /names a diagnosis not in the input/],
			["the client's name", page!.replace("- Role: tends", "- Role: Jordan tends"), /identifiers/],
			["an extra fence", page!.replace("## Data", "```\n## Data"), /fence/],
		];
		for (const [what, text, problem] of broken) {
			expect(text, what).not.toBe(page);
			expect(checkPartsPage(text, context).problems.join("\n"), what).toMatch(problem);
		}
	});

	it("the clean four-session scenario: nothing dropped or redacted, the same map, a page that passes the checker", async () => {
		const clean = await catalogue().runCleanParts(SCENARIO_ANSWERS);
		expect(clean.strings).toBeGreaterThan(20);
		expect({ dropped: clean.dropped, redacted: clean.redacted, problems: clean.problems }).toEqual({ dropped: 0, redacted: 0, problems: [] });
		const map = parsePage(clean.page, "C-0417/parts-map.md").map;
		expect(map.parts.map((p) => [p.name, p.kind, p.status, p.role, p.burdens, p.fears])).toEqual([
			["the Critic", "manager", "unblended", "criticises work performance to prevent embarrassment", [], ["the client will be rejected"]],
			["Little One", "exile", "unburdened", "", ["fear of abandonment", 'the belief "I am too much"'], ["being abandoned"]],
			["the Binger", "firefighter", "met", "binge eating in the evenings to numb Little One's loneliness", [], []],
			["the Planner", "manager", "met", "schedules every hour of the day", [], []],
		]);
		expect(clean.page).toContain('- Burdens: fear of abandonment; the belief "I am too much"');
	});
});
