// @vitest-environment happy-dom
/**
 * Hostile measure definitions (a clinician's YAML, or a file planted in the templates folder) and
 * hostile answers: each has its expected outcome, refused with a reason or loaded and rendered
 * inert, and the test reports how many got through. "Through" means: a definition that should be
 * refused was loaded, or a page, chart or brief line built from it holds live markup (an HTML tag, a
 * link or embed, a comment, a callout, a fence, a heading or frontmatter opened by the text, a
 * Mermaid directive) or a chart Mermaid cannot parse.
 */
import { describe, expect, it } from "vitest";
import mermaid from "mermaid";
import { stringify } from "yaml";
import { loadMeasures } from "../../src/core/measures/registry";
import { renderMeasuresPage, measureChart } from "../../src/core/measures/page";
import { scoreAnswers } from "../../src/core/measures/scoring";
import type { MeasureEntry } from "../../src/core/measures/scores";

const BASE = {
	id: "own",
	name: "Own scale",
	title: "A synthetic scale",
	source: "Synthetic",
	licence: "Synthetic",
	options: [
		{ value: 0, label: "No" },
		{ value: 1, label: "Yes" },
	],
	items: [
		{ id: "a", text: "First" },
		{ id: "b", text: "Second" },
	],
	scoring: { method: "sum" },
	bands: [
		{ min: 0, max: 0, label: "None" },
		{ min: 1, max: 2, label: "Some" },
	],
	alerts: [{ item: "b", atLeast: 1, label: "Second answered" }],
};

type Case = { name: string; change: Record<string, unknown> | string; expect: "refused" | "inert" };

const MARKUP = [
	'<img src="https://tracker.example.invalid/p.png">',
	"![x](https://tracker.example.invalid/p.png)",
	"[[C-0999/profile.md]]",
	"[click](javascript:alert(1))",
	"<!-- hidden -->",
	"> [!danger] fake alert",
	"```js\nfetch('https://x.invalid')\n```",
	"# Injected heading",
	"---\nstatus: signed\n---",
	'%%{init: {"securityLevel": "loose"}}%%',
	'"]\n    click A href "https://x.invalid"',
	"<script>fetch('https://x.invalid')</script>",
	"https://tracker.example.invalid/auto",
	"@[embed](https://x.invalid)",
];

const CASES: Case[] = [
	...MARKUP.map((m, i): Case => ({ name: `name ${i}`, change: { name: m.slice(0, 40) }, expect: "inert" })),
	...MARKUP.map((m, i): Case => ({ name: `title ${i}`, change: { title: m }, expect: "inert" })),
	...MARKUP.map((m, i): Case => ({
		name: `band label ${i}`,
		change: {
			bands: [
				{ min: 0, max: 0, label: m.slice(0, 60) },
				{ min: 1, max: 2, label: "Some" },
			],
		},
		expect: "inert",
	})),
	...MARKUP.map((m, i): Case => ({ name: `alert label ${i}`, change: { alerts: [{ item: "b", atLeast: 1, label: m }] }, expect: "inert" })),
	...MARKUP.map((m, i): Case => ({ name: `source ${i}`, change: { source: m }, expect: "inert" })),
	{ name: "not YAML", change: "id: own\nname: [unclosed", expect: "refused" },
	{
		name: "a YAML bomb (aliases)",
		change: 'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n',
		expect: "refused",
	},
	{ name: "unknown scoring rule", change: { scoring: { method: "weighted" } }, expect: "refused" },
	{ name: "scoring by a model", change: { scoring: { method: "llm" } }, expect: "refused" },
	{ name: "an extra key (code to run)", change: { script: "rm -rf /" }, expect: "refused" },
	{
		name: "bands with a gap",
		change: {
			bands: [
				{ min: 0, max: 0, label: "A" },
				{ min: 2, max: 2, label: "B" },
			],
		},
		expect: "refused",
	},
	{
		name: "bands overlapping",
		change: {
			bands: [
				{ min: 0, max: 1, label: "A" },
				{ min: 1, max: 2, label: "B" },
			],
		},
		expect: "refused",
	},
	{ name: "bands short of the maximum", change: { bands: [{ min: 0, max: 1, label: "A" }] }, expect: "refused" },
	{
		name: "negative answer values",
		change: {
			options: [
				{ value: -1, label: "A" },
				{ value: 1, label: "B" },
			],
		},
		expect: "refused",
	},
	{
		name: "answer values not increasing",
		change: {
			options: [
				{ value: 1, label: "A" },
				{ value: 0, label: "B" },
			],
		},
		expect: "refused",
	},
	{
		name: "duplicate item ids",
		change: {
			items: [
				{ id: "a", text: "A" },
				{ id: "a", text: "B" },
			],
		},
		expect: "refused",
	},
	{ name: "alert on a missing item", change: { alerts: [{ item: "z", atLeast: 1, label: "Z" }] }, expect: "refused" },
	{ name: "an alert no answer can reach (it would never fire)", change: { alerts: [{ item: "b", atLeast: 4, label: "Never" }] }, expect: "refused" },
	{ name: "built-in id", change: { id: "phq9" }, expect: "refused" },
	{ name: "id with a path", change: { id: "../../etc" }, expect: "refused" },
	{
		name: "item id with markup",
		change: {
			items: [
				{ id: "<a>", text: "A" },
				{ id: "b", text: "B" },
			],
		},
		expect: "refused",
	},
	{ name: "cut-off above the maximum", change: { clinicalCutoff: { below: 99, source: "x" } }, expect: "refused" },
	{ name: "proration of every item", change: { scoring: { method: "sum", prorateMaxMissing: 2 } }, expect: "refused" },
	{ name: "a name 10,000 characters long", change: { name: "x".repeat(10_000) }, expect: "refused" },
	{ name: "a thousand items", change: { items: Array.from({ length: 1000 }, (_, i) => ({ id: `i${i}`, text: "x" })) }, expect: "refused" },
];

/** Live markup in generated markdown: anything a renderer would act on that the text did not escape. */
function liveMarkup(markdown: string): string[] {
	const problems: string[] = [];
	const body = markdown.replace(/^---\nkind: measures\nclient: C-0142\n---\n/, "").replace(/```mermaid\n[\s\S]*?```/g, "");
	const checks: [RegExp, string][] = [
		[/(?<!\\)<[a-z!/]/i, "an HTML tag or comment"],
		[/(?<!\\)!\[/, "an embed"],
		[/(?<!\\)\[\[/, "a wikilink"],
		[/(?<!\\)\]\(/, "a link"],
		[/(?<!\\)```/, "a code fence"],
		[/^\s*(?<!\\)>\s*(?<!\\)\[!/m, "a callout"],
		[/^---$/m, "a frontmatter or rule line"],
		[/https?(?<!\\):\/\//, "an autolink"],
		[/(?<!\\)%%/, "an Obsidian comment"],
	];
	for (const [re, what] of checks) if (re.test(body)) problems.push(what);
	const headings = body.split("\n").filter((l) => /^#{1,6} /.test(l));
	for (const h of headings) if (!/^# Measures: C-0142$|^## /.test(h)) problems.push(`a heading: ${h}`);
	return problems;
}

describe("hostile measure definitions", () => {
	it(`${CASES.length} cases: every one refused with a reason or rendered inert; none gets through`, async () => {
		mermaid.initialize({ startOnLoad: false });
		const through: string[] = [];
		for (const c of CASES) {
			const text = typeof c.change === "string" ? c.change : stringify({ ...BASE, ...c.change });
			const registry = loadMeasures([{ name: "own.yaml", text }]);
			const own = registry.definitions.get(typeof c.change === "object" && typeof c.change.id === "string" ? c.change.id : "own");
			const loaded = own !== undefined && !(typeof c.change === "object" && c.change.id === "phq9");
			if (c.expect === "refused") {
				if (loaded || registry.problems.length !== 1) through.push(`${c.name}: not refused`);
				else if (!/^The measure definition measures\/own\.yaml cannot be used: /.test(registry.problems[0]!))
					through.push(`${c.name}: unclear reason ${registry.problems[0]!}`);
				continue;
			}
			if (!own) {
				through.push(`${c.name}: refused though it should load (${registry.problems.join("; ")})`);
				continue;
			}
			const score = scoreAnswers(own, [1, 1]);
			const entry: MeasureEntry = {
				id: "m000000000001",
				measure: own.id,
				date: "2026-09-01",
				total: score.total,
				band: score.band,
				answers: [1, 1],
				prorated: 0,
				alerts: score.alerts,
				replacedAlerts: score.alerts,
				session: null,
				entered: "2026-09-01T10:00:00.000Z",
			};
			const page = renderMeasuresPage("C-0142", { version: 1, entries: [entry], schedule: [] }, registry.definitions);
			const problems = liveMarkup(page);
			if (problems.length > 0) through.push(`${c.name}: ${problems.join(", ")}`);
			const chart = measureChart(own, [entry]);
			// Every line of the chart is one of the four shapes code writes; a title is one quoted string without quotes or HTML in it.
			const shapes = /^ {4}(title "[^"<>%]*"|x-axis \["\d{4}-\d{2}-\d{2}"(, "\d{4}-\d{2}-\d{2}")*\]|y-axis "Total" 0 --> \d+|line \[\d+(, \d+)*\])$/;
			const odd = chart
				.split("\n")
				.slice(1)
				.filter((line) => !shapes.test(line));
			if (chart.split("\n")[0] !== "xychart-beta" || odd.length > 0) through.push(`${c.name}: chart lines code does not write: ${odd.join(" / ")}`);
			try {
				await mermaid.parse(chart);
			} catch (error) {
				through.push(`${c.name}: chart does not parse (${String(error).slice(0, 80)})`);
			}
		}
		console.debug(`[hostile measures] ${CASES.length} hostile definitions, ${through.length} got through`);
		expect(through).toEqual([]);
	});
});
