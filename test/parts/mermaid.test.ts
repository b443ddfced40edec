// @vitest-environment happy-dom
/**
 * The diagram of every map parses with the real Mermaid parser (mermaid.parse runs headless under
 * happy-dom): the empty map, each step of the four-session scenario, and parts with names full of
 * the characters Mermaid's grammar gives meaning to.
 */
import { beforeAll, describe, expect, it } from "vitest";
import mermaid from "mermaid";
import { applyChanges, computeChanges } from "../../src/core/parts/merge";
import { emptyMap, type PartsMap } from "../../src/core/parts/model";
import { renderMermaid } from "../../src/core/parts/mermaid";
import { selectChanges } from "../../src/core/proposals/proposals";
import { SCENARIO_SESSIONS } from "../support/scenario";
import { answer, mention, SCENARIO_ANSWERS } from "./helpers";

beforeAll(() => {
	mermaid.initialize({ startOnLoad: false });
});

async function parses(source: string): Promise<void> {
	const result = await mermaid.parse(source);
	expect(result).toMatchObject({ diagramType: "flowchart-v2" });
}

describe("the parts-map diagram", () => {
	it("the parser rejects a broken flowchart (the check is real)", async () => {
		await expect(mermaid.parse('flowchart LR\n  p_a["unclosed]\n  p_a -->')).rejects.toThrow();
	});

	it("parses for the empty map and after every scenario session", async () => {
		let map: PartsMap = emptyMap("C-0417");
		await parses(renderMermaid(map.parts));
		for (const [i, s] of SCENARIO_SESSIONS.entries()) {
			const session = { note: s.recordPath, date: s.date, text: s.text };
			map = applyChanges(map, selectChanges(await computeChanges(map, SCENARIO_ANSWERS[i]!, session), "all"), [], session);
			await parses(renderMermaid(map.parts));
		}
		const source = renderMermaid(map.parts);
		expect(source).toContain("p_critic -->|protects| p_little_one");
		expect(source).toContain("p_critic <-->|polarized| p_planner");
	});

	it("parses with every kind, every relation and names that use Mermaid's special characters", async () => {
		const names = ['the "Judge"', "Part [A] {B} (C)", "end", "graph", "x --> y", "Ärger #1; 50% <b>bold</b>", "|pipe|", "click", "Self-like one", "style"];
		const kinds = ["manager", "firefighter", "exile", "Self-like", "unknown"] as const;
		const a = answer(
			names.map((n, i) =>
				mention(n, {
					kind: kinds[i % kinds.length]!,
					status_reached: ["met"],
					protects: [names[(i + 1) % names.length]!],
					polarized_with: [names[(i + 2) % names.length]!],
					allied_with: [names[(i + 3) % names.length]!],
				}),
			),
		);
		const session = { note: "C-0417/notes/2026-06-09.md", date: "2026-06-09", text: "" };
		const map = applyChanges(emptyMap("C-0417"), selectChanges(await computeChanges(emptyMap("C-0417"), a, session), "all"), [], session);
		expect(map.parts).toHaveLength(names.length);
		const source = renderMermaid(map.parts);
		expect(source.split("\n").filter((l) => l.includes("-->|protects|"))).toHaveLength(names.length);
		await parses(source);
	});
});
