// @vitest-environment happy-dom
/**
 * The diagram of every map parses with the real Mermaid parser (mermaid.parse runs headless under
 * happy-dom): the empty map, each step of the four-session scenario, parts with names full of
 * the characters Mermaid's grammar gives meaning to, and hostile names that try to add a node, an
 * edge, a click or href, a style, a class, an init directive or HTML: the parsed diagram has exactly
 * the nodes and edges the code wrote, and no label carries a live character.
 */
import { beforeAll, describe, expect, it } from "vitest";
import mermaid from "mermaid";
import { applyChanges, computeChanges } from "../../src/core/parts/merge";
import { emptyMap, type PartsMap } from "../../src/core/parts/model";
import { mermaidLabel, renderMermaid } from "../../src/core/parts/mermaid";
import { mermaidProblems } from "../support/hostilePagesCatalogue";
import { selectChanges } from "../../src/core/proposals/proposals";
import { SCENARIO_SESSIONS } from "../support/scenario";
import { answer, mention, SCENARIO_ANSWERS } from "./helpers";

beforeAll(() => {
	mermaid.initialize({ startOnLoad: false });
});

interface LayoutInput {
	nodes: { id: string; label?: string; link?: string; cssClasses?: string; cssStyles?: string[] }[];
	edges: { start: string; end: string; label?: string }[];
}

/**
 * Mermaid's own reading of a diagram: the input its layout step gets. A layout that records its
 * input and stops is registered for the call (rendering further needs a real browser's measuring).
 */
async function layoutInput(source: string): Promise<LayoutInput> {
	let captured: LayoutInput | null = null;
	mermaid.registerLayoutLoaders([
		{
			name: "record-input",
			loader: () =>
				Promise.resolve({
					render: (data: unknown) => {
						captured = data as LayoutInput;
						return Promise.reject(new Error("recorded"));
					},
				}),
		},
	]);
	mermaid.initialize({ startOnLoad: false, layout: "record-input" });
	try {
		await mermaid.render("parts-diagram", source).catch((error: unknown) => {
			if (!(error instanceof Error) || error.message !== "recorded") throw error;
		});
	} finally {
		mermaid.initialize({ startOnLoad: false });
	}
	if (captured === null) throw new Error("Mermaid did not reach its layout step");
	return captured;
}

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

	it("hostile labels cannot add a node, an edge, a click or href, a style, a class, a directive or HTML", async () => {
		const hostile = [
			'x"] --> evil["y',
			'z"]\n  other["w',
			"a ---> b ==> c -.-> d -- text --- e",
			'click p_a href "https://evil.test" _blank',
			'click p_a call alert("x")',
			'%%{init: {"securityLevel": "loose", "theme": "dark"}}%%',
			"%% a comment %%",
			"Boss:::danger",
			"<br><b>bold</b><img src=x onerror=alert(1)>",
			"<a href='javascript:alert(1)'>link</a>",
			"end\nstyle p_a fill:#f00",
			"linkStyle 0 stroke:#f00",
			"classDef evil fill:#f00;class p_a evil",
			"`**markdown** label`",
			"A;B;C",
			"&lt;script&gt; &#60; #60; #quot;",
			"subgraph one\nend",
			"p_a@{ shape: rect }",
		];
		const a = answer(
			hostile
				.map((n, i) => mention(n, { kind: (["manager", "firefighter", "exile", "Self-like", "unknown"] as const)[i % 5], status_reached: ["met"] }))
				.concat([mention("Anchor", { kind: "manager", protects: [hostile[0]!] })]),
		);
		const session = { note: "C-0417/notes/2026-06-09.md", date: "2026-06-09", text: "" };
		const map = applyChanges(emptyMap("C-0417"), selectChanges(await computeChanges(emptyMap("C-0417"), a, session), "all"), [], session);
		expect(map.parts).toHaveLength(hostile.length + 1);
		const source = renderMermaid(map.parts);
		await parses(source);
		expect((await mermaid.parse(source)).config ?? {}).toEqual({});
		expect(mermaidProblems(source.split("\n"))).toEqual([]);
		// What Mermaid itself makes of the source (its layout input: nodes with their links, classes and
		// styles, and edges): the code's nodes and its one edge, no link, no extra class or style.
		const layout = await layoutInput(source);
		expect(layout.nodes.map((n) => n.id).sort()).toEqual(map.parts.map((p) => `p_${p.id.replace(/[^a-z0-9]/g, "_")}`).sort());
		for (const n of layout.nodes) {
			expect(n.link, n.id).toBeUndefined();
			expect(n.cssStyles ?? [], n.id).toEqual([]);
			expect((n.cssClasses ?? "").trim().split(/\s+/), n.id).toEqual([
				"default",
				{ manager: "manager", firefighter: "firefighter", exile: "exile", "Self-like": "selflike", unknown: "unknown" }[
					map.parts.find((p) => `p_${p.id.replace(/[^a-z0-9]/g, "_")}` === n.id)!.kind
				],
			]);
			expect(n.label ?? "", n.id).not.toMatch(/[<>"]/);
		}
		expect(layout.edges.map((e) => [e.start, e.label])).toEqual([["p_anchor", "protects"]]);
		expect(source).not.toMatch(/^\s*(?:click|style|linkStyle|subgraph|%%)/m);
		for (const label of hostile.map(mermaidLabel)) expect(label).toMatch(/^(?:[\p{L}\p{N} ,.'()\-:;!?/]|#\d+;)+$/u);
	});
});
