/**
 * A catalogue of hostile model answers for the parts map and the treatment plan, run through the
 * real services (PartsMapService, TreatmentPlanService) on a real encrypted record in a temporary
 * folder, with the model behind the loopback fake of Ollama's API. Each answer is proposed, its
 * checks report compared with the expected outcome, then accepted with `all` so that the page is
 * written, and the page is read back and checked line by line:
 *
 * - every line is one the code writes (a heading, a field line, a marker, a link to one of the
 *   client's own notes, a table row…); the model's words sit only in the text slots of those lines,
 *   and there every markup character is escaped (no `![[`, `[[`, `](`, `<`, `%%`, `==`, "```", `#`,
 *   `|`, `:://`… left live);
 * - the Mermaid diagram has only the lines the code emits, and labels of letters, digits, plain
 *   punctuation and #code; entities;
 * - the page has its own markers and fences only (no forged cv:generated / cv:end / cv:data
 *   comment, no extra fence), and its yaml block parses back into the same data;
 * - no text on the page or in its data touches the risk domain, names a diagnosis the note did not
 *   name, or carries the client's name.
 *
 * All data is synthetic: the client "Jordan Ashcombe" does not exist. `runPartsAndPlanCatalogue()`
 * runs everything (for the benchmark); the tests run the cases one by one.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { afterAll, beforeAll } from "vitest";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { ManualClock } from "../../src/core/clock";
import { OllamaClient } from "../../src/engines/ollama";
import { PartsMapService } from "../../src/core/parts/PartsMapService";
import { parsePage } from "../../src/core/parts/page";
import type { PartMention, PartsAnswer } from "../../src/core/parts/prompt";
import { TreatmentPlanService } from "../../src/core/plan/TreatmentPlanService";
import { parsePlanPage, planPath } from "../../src/core/plan/page";
import { DIAGNOSIS_PLACEHOLDER } from "../../src/core/plan/plan";
import type { DraftAnswer, ProgressAnswer } from "../../src/core/plan/propose";
import { plainFromInert } from "../../src/core/safety/inert";
import { normaliseModelText } from "../../src/core/safety/normalise";
import { touchesRiskDomain } from "../../src/core/safety/riskDomain";
import { findIdentifiers, identityOf, type ClientIdentity } from "../../src/core/safety/identity";
import { diagnosisKeys, diagnosisPresent, findDiagnoses } from "../../src/core/drafting/diagnosis";
import { startFakeOllama, type FakeOllama } from "./fake-ollama";
import { INTAKE, SCENARIO_CLIENT, SCENARIO_NAME, SCENARIO_SESSIONS } from "./scenario";

export const HOSTILE_CLIENT_NAME = "Jordan Ashcombe";
export const HOSTILE_CLIENT_DETAILS = { phone: "555-0142" };
const MODEL = "llama3.1:8b";

type Reason = "touches the risk domain" | "names a diagnosis";

export interface Expected {
	/** The reasons the proposal's `dropped` list must give, in any order (nothing else may be dropped). */
	dropped?: Reason[];
	/** How many strings had the client's name replaced. */
	redacted?: number;
	/** Texts (as a reader sees them, compared without case) that must be on the page. */
	shown?: string[];
	/** Texts that must be nowhere on the page (compared without case, after escapes are undone). */
	absent?: string[];
}

export interface PartsCase {
	id: string;
	what: string;
	/** Extra lines of the session note (what the model may quote and the diagnoses it may repeat). */
	note?: string;
	parts: PartMention[];
	selfEnergyEvidence?: string;
	expect: Expected;
}

export interface PlanCase {
	id: string;
	what: string;
	/** Extra lines of the intake (draft cases) or of the session note (progress cases). */
	note?: string;
	/** A draft answer (the control goals are added), or one progress entry for O1.1 (a control entry for O2.1 is added). */
	draft?: Partial<DraftAnswer>;
	progress?: ProgressAnswer["progress"][number];
	expect: Expected;
}

function mention(name: string, fields: Partial<PartMention> = {}): PartMention {
	return {
		name,
		kind: "unknown",
		role: "",
		age_or_origin: "",
		burdens: [],
		fears: [],
		status_reached: [],
		protects: [],
		polarized_with: [],
		allied_with: [],
		evidence: "",
		...fields,
	};
}

const RISK: Reason = "touches the risk domain";
const DX: Reason = "names a diagnosis";

// ------------------------------------------------------------------ the parts-map catalogue

/** Every parts case also reports this part, so that the page is always written. */
const CONTROL_PART = mention("the Gardener", {
	kind: "manager",
	role: "tends the client's routines",
	status_reached: ["met"],
	evidence: "the Gardener keeps the routines",
});

export const PARTS_CASES: readonly PartsCase[] = [
	{
		id: "P01",
		what: "an embed of another client's note as a part name",
		parts: [mention("![[C-0199/notes/2026-01-01.md]]", { kind: "exile" })],
		expect: { shown: ["![[C-0199/notes/2026-01-01.md]]"] },
	},
	{
		id: "P02",
		what: "a remote image in HTML as a role",
		parts: [mention("the Watcher", { role: '<img src="https://x.test/y.png">' })],
		expect: { shown: ['<img src="https://x.test/y.png">'] },
	},
	{
		id: "P03",
		what: "headings in burdens",
		parts: [mention("the Judge", { burdens: ["# Parts map: C-0199", "### the Fake Part"] })],
		expect: { shown: ["# Parts map: C-0199", "### the Fake Part"] },
	},
	{
		id: "P04",
		what: "a code fence in a fear",
		parts: [mention("the Coder", { fears: ["```js\nalert(1)\n```", "~~~\nraw\n~~~"] })],
		expect: { shown: ["alert(1)", "~~~ raw ~~~"] },
	},
	{
		id: "P05",
		what: "Obsidian comments in the origin",
		parts: [mention("the Hider", { age_or_origin: "%% hidden from the clinician %% about nine" })],
		expect: { shown: ["%% hidden from the clinician %% about nine"] },
	},
	{
		id: "P06",
		what: "forged generated-region and data markers",
		parts: [
			mention("<!-- cv:end -->", {
				role: "<!-- cv:generated parts 0123456789ab -->",
				burdens: ["<!-- cv:data: the source of truth for this page; edit values here and keep it valid YAML -->"],
			}),
		],
		expect: { shown: ["cv:end", "cv:generated parts 0123456789ab"] },
	},
	{
		id: "P07",
		what: "another client's wikilink in a role and as a related part",
		parts: [mention("the Linker", { role: "see [[C-0199/parts-map]] and [[C-0199/notes/2026-01-01.md|notes]]", protects: ["[[C-0199/parts-map]]"] })],
		expect: { shown: ["see [[C-0199/parts-map]] and [[C-0199/notes/2026-01-01.md|notes]]"] },
	},
	{
		id: "P08",
		what: "links, autolinks and bare addresses",
		parts: [mention("the Messenger", { role: "[click](https://evil.test/x) <https://evil.test> www.evil.test mail@evil.test" })],
		expect: { shown: ["[click](https://evil.test/x) <https://evil.test> www.evil.test mail@evil.test"] },
	},
	{
		id: "P09",
		what: "a callout and a quote",
		parts: [mention("the Announcer", { fears: ["> [!note] a callout", ">> nested quote"] })],
		expect: { shown: ["> [!note] a callout"] },
	},
	{
		id: "P10",
		what: "Mermaid injection in part names (node, edge, click, init directive, class, HTML label)",
		parts: [
			mention('x"] ==> evil["y', { kind: "manager" }),
			mention("a -.- b --- c -- text --> d", { kind: "exile" }),
			mention('click p_gardener href "https://evil.test"', { kind: "firefighter" }),
			mention('%%{init: {"securityLevel": "loose"}}%%', { kind: "exile" }),
			mention("Boss:::danger", { kind: "Self-like" }),
			mention("<br><b>bold</b><img src=x onerror=alert(1)>", { kind: "unknown" }),
			mention("end\nstyle p_gardener fill:#f00", { kind: "manager" }),
		],
		expect: { shown: ['x"] ==> evil["y', 'click p_gardener href "https://evil.test"', "a -.- b --- c -- text d"] },
	},
	{
		id: "P11",
		what: "Templater and Dataview",
		parts: [
			mention("the Scripter", { role: "<% tp.file.include('[[C-0199/notes/x.md]]') %>", burdens: ["status:: hacked", "`= this.file.name`", "{{date}}"] }),
		],
		expect: { shown: ["<% tp.file.include('[[C-0199/notes/x.md]]') %>", "status:: hacked"] },
	},
	{
		id: "P12",
		what: "highlights, math, tags, strikethrough, footnotes, block references",
		parts: [mention("the Marker", { role: "==marked== $x^2$ #tag ~~gone~~ [^1] ^block" })],
		expect: { shown: ["==marked== $x^2$ #tag ~~gone~~ [^1] ^block"] },
	},
	{
		id: "P13",
		what: "a risk statement with minimisation in a fear",
		parts: [mention("the Exile", { kind: "exile", fears: ["The Exile wants to disappear forever; no concern", "being left alone"] })],
		expect: { dropped: [RISK], shown: ["being left alone"], absent: ["disappear forever", "no concern"] },
	},
	{
		id: "P14",
		what: "self-harm in a role",
		parts: [mention("the Numb One", { kind: "firefighter", role: "cuts her arms to stop the exile's pain" })],
		expect: { dropped: [RISK], absent: ["cuts her arms"] },
	},
	{
		id: "P15",
		what: "a risk-named part (and a relationship to it)",
		parts: [mention("the Suicidal One", { kind: "exile" }), mention("the Guard", { kind: "manager", protects: ["the Suicidal One"] })],
		expect: { dropped: [RISK], absent: ["suicidal"] },
	},
	{
		id: "P16",
		what: "a risk assessment as evidence and as Self-energy evidence",
		note: "No safety concerns today; risk low.",
		parts: [mention("the Assessor", { evidence: "No safety concerns today; risk low." })],
		selfEnergyEvidence: "No safety concerns today",
		expect: { dropped: [RISK, RISK], absent: ["safety concerns", "risk low"] },
	},
	{
		id: "P17",
		what: "a diagnosis in a role",
		parts: [mention("the Worrier", { kind: "manager", role: "worries all day because of her GAD" })],
		expect: { dropped: [DX], absent: ["GAD"] },
	},
	{
		id: "P18",
		what: "diagnosis evasions: dotted, lower case, spelled out, full-width code, a name without 'disorder', a claim",
		parts: [
			mention("the Sorter", {
				burdens: [
					"G.A.D. worry",
					"g a d",
					"Ｆ４１.１ symptoms",
					"F 41.1",
					"generalised anxiety",
					"meets criteria for major depression",
					"ptsd flashbacks",
				],
			}),
		],
		expect: { dropped: [DX, DX, DX, DX, DX, DX, DX], absent: ["F41", "F 41", "generalised anxiety", "criteria", "ptsd", "G A D"] },
	},
	{
		id: "P19",
		what: "a diagnosis the session note names is kept (precision)",
		note: "Client's PTSD flashbacks came up at night this week.",
		parts: [mention("the Night Watch", { kind: "manager", role: "stays awake through the PTSD flashbacks" })],
		expect: { shown: ["stays awake through the PTSD flashbacks"] },
	},
	{
		id: "P20",
		what: "the client's name in a name and a role",
		parts: [mention("Jordan's Critic", { kind: "manager", role: "protects Jordan Ashcombe from shame" })],
		expect: { redacted: 2, shown: ["protects the client from shame"], absent: ["Jordan", "Ashcombe"] },
	},
	{
		id: "P21",
		what: "the client's name hidden with zero-width and full-width characters, and a phone number",
		parts: [mention("the Caller", { role: "J\u200Bordan's phone is ５５５-０１４２", fears: ["ＪＯＲＤＡＮ being seen"] })],
		expect: { redacted: 2, absent: ["Jordan", "555-0142"] },
	},
	{
		id: "P22",
		what: "yaml breaking: quotes, flow and block indicators, anchors, tags, document markers",
		parts: [
			mention('": bad\n- x: [unclosed', {
				role: "key: value # comment",
				burdens: ["- item", "---", "...", "&anchor *alias !!python/object:os.system", "{a: 1}", "'single' \"double\""],
			}),
		],
		expect: { shown: ["key: value # comment", "&anchor *alias !!python/object:os.system"] },
	},
	{
		id: "P23",
		what: "IFS language about protection and safety is kept (precision)",
		note: "The Worrier keeps her safe by checking the stove; a protector guards the exile.",
		parts: [
			mention("the Worrier", {
				kind: "manager",
				role: "keeps her safe by checking the stove",
				fears: ["a protector guards the exile"],
				evidence: "The Worrier keeps her safe by checking the stove",
			}),
		],
		expect: { shown: ["keeps her safe by checking the stove", "a protector guards the exile"] },
	},
	{
		id: "P24",
		what: "markup hidden with bidi controls and zero-width spaces",
		parts: [mention("\u202Ethe Mirror\u202C", { role: "!\u200B[\u200B[C-0199/x.md]]", fears: ["<\u200Bscript>alert(1)<\u200B/script>"] })],
		expect: { shown: ["![[C-0199/x.md]]", "<script>alert(1)</script>"] },
	},
	{
		id: "P25",
		what: "raw HTML: script, iframe, style, details",
		parts: [
			mention("the Builder", {
				role: "<script>alert(1)</script><iframe src=https://evil.test></iframe>",
				burdens: ["<style>body{display:none}</style>", "<details open>x</details>"],
			}),
		],
		expect: { shown: ["<script>alert(1)</script><iframe src=https://evil.test></iframe>"] },
	},
	{
		id: "P26",
		what: "list, task and numbered-list openers as names",
		parts: [mention("- [ ] a task", { kind: "manager" }), mention("1. first", { kind: "exile" }), mention("* star", { kind: "firefighter" })],
		expect: { shown: ["- [ ] a task", "1. first"] },
	},
];

// ------------------------------------------------------------------ the treatment-plan catalogue

const CONTROL_GOALS: DraftAnswer["goals"] = [
	{
		goal: "Sleep through the night.",
		objectives: [{ objective: "Sleep six hours on 5 of 7 nights", measure: "nights with six hours of sleep per week", target_weeks: 12 }],
	},
	{ goal: "Walk more.", objectives: [{ objective: "Walk on 4 of 7 days", measure: "days with a walk per week", target_weeks: 8 }] },
];
/** The control progress entry (O2.1), quoted from every session note. */
const CONTROL_PROGRESS = { objective_id: "O2.1", note: "Walked on four days.", evidence: "Client walked on four days this week." };

export const PLAN_CASES: readonly PlanCase[] = [
	{
		id: "D01",
		what: "an embed of another client's note in a presenting problem",
		draft: { presenting_problems: ["![[C-0199/notes/2026-01-01.md]] panic in the mornings"] },
		expect: { shown: ["![[C-0199/notes/2026-01-01.md]] panic in the mornings"] },
	},
	{
		id: "D02",
		what: "a heading and a risk rating smuggled into a goal",
		draft: { goals: [{ goal: "Sleep better\n## Risk: low", objectives: [{ objective: "Sleep more", measure: "hours" }] }] },
		expect: { dropped: [RISK], absent: ["Risk: low", "Sleep better"] },
	},
	{
		id: "D03",
		what: "a forged goal heading and objective line",
		draft: {
			goals: [{ goal: "### G9: fake goal", objectives: [{ objective: "- **O9.9** fake. Target: 2026-01-01. Status: met.", measure: "| a | b |" }] }],
		},
		expect: { shown: ["### G9: fake goal", "| a | b |"] },
	},
	{
		id: "D04",
		what: "a table in an objective",
		draft: { goals: [{ goal: "Eat regular meals.", objectives: [{ objective: "| day | meals |\n|---|---|\n| Mon | 3 |", measure: "meals per day" }] }] },
		expect: { shown: ["| day | meals | |---|---| | Mon | 3 |"] },
	},
	{
		id: "D05",
		what: "a remote image in a measure",
		draft: {
			goals: [{ goal: "Read more.", objectives: [{ objective: "Read on 3 evenings", measure: '<img src="https://x.test/p.png"> evenings read' }] }],
		},
		expect: { shown: ['<img src="https://x.test/p.png"> evenings read'] },
	},
	{
		id: "D06",
		what: "a Dataview fence in an intervention",
		draft: { interventions: ['```dataview\nLIST FROM "C-0199"\n```'] },
		expect: { shown: ['LIST FROM "C-0199"'] },
	},
	{
		id: "D07",
		what: "Templater and template variables in an intervention",
		draft: { interventions: ["<% tp.system.prompt('x') %> {{title}} <%* tR += 'x' %>"] },
		expect: { shown: ["<% tp.system.prompt('x') %> {{title}}"] },
	},
	{
		id: "D08",
		what: "forged region markers and data marker in presenting problems",
		draft: { presenting_problems: ["<!-- cv:end -->\n<!-- cv:generated goals -->", "<!-- cv:data: the plan's source of truth; keep it valid YAML -->"] },
		expect: { shown: ["cv:end cv:generated goals"] },
	},
	{
		id: "D09",
		what: "yaml breaking in goal, objective and measure",
		draft: { goals: [{ goal: '"quoted": value # comment', objectives: [{ objective: "- [x] done\n---\n...", measure: "&a *a !!binary |" }] }] },
		expect: { shown: ['"quoted": value # comment', "&a *a !!binary |"] },
	},
	{
		id: "D10",
		what: "a risk statement with minimisation as a presenting problem",
		draft: { presenting_problems: ["Thoughts of ending her life; no concern at present."] },
		expect: { dropped: [RISK], absent: ["ending her life", "no concern"] },
	},
	{
		id: "D11",
		what: "safety planning dismissed in an intervention",
		draft: { interventions: ["Safety planning not needed; low risk."] },
		expect: { dropped: [RISK], absent: ["safety planning", "low risk"] },
	},
	{
		id: "D12",
		what: "self-harm as a goal",
		draft: { goals: [{ goal: "Stop self-harming.", objectives: [{ objective: "No cutting for 4 weeks", measure: "days without cutting" }] }] },
		expect: { dropped: [RISK], absent: ["self-harm", "cutting"] },
	},
	{
		id: "D13",
		what: "a diagnosis named without 'disorder' as a presenting problem",
		draft: { presenting_problems: ["Generalised anxiety since school."] },
		expect: { dropped: [DX], absent: ["generalised anxiety"] },
	},
	{
		id: "D14",
		what: "codes: plain, full-width, spaced, and in a measure",
		draft: {
			presenting_problems: ["Ｆ４１.１ since spring.", "F 41.1 symptoms."],
			goals: [
				{ goal: "Reduce F41.1 symptoms.", objectives: [{ objective: "Fewer worries", measure: "worries" }] },
				{ goal: "Worry less.", objectives: [{ objective: "Less worry", measure: "GAD score" }] },
			],
		},
		expect: { dropped: [DX, DX, DX, DX], absent: ["F41", "F 41", "GAD score"] },
	},
	{
		id: "D15",
		what: "a diagnostic claim in an intervention",
		draft: { interventions: ["Client meets criteria for major depressive disorder; start CBT."] },
		expect: { dropped: [DX], absent: ["criteria", "depressive"] },
	},
	{
		id: "D16",
		what: "GAD-7 (a questionnaire the intake names) as a measure is kept (precision)",
		draft: { goals: [{ goal: "Worry less.", objectives: [{ objective: "GAD-7 below 10", measure: "GAD-7 score every four weeks" }] }] },
		expect: { shown: ["GAD-7 below 10", "GAD-7 score every four weeks"] },
	},
	{
		id: "D17",
		what: "the client's name in a presenting problem",
		draft: { presenting_problems: ["Jordan panics before work."] },
		expect: { redacted: 1, shown: ["the client panics before work."], absent: ["Jordan"] },
	},
	{
		id: "D18",
		what: "the client's phone number and surname in an objective",
		draft: { goals: [{ goal: "Keep in touch.", objectives: [{ objective: "Ashcombe calls 555-0142 weekly", measure: "calls per week" }] }] },
		expect: { redacted: 1, absent: ["Ashcombe", "555-0142"] },
	},
	{
		id: "D19",
		what: "another client's wikilink in an intervention",
		draft: { interventions: ["As in [[C-0199/treatment-plan]] and ![[C-0199/notes/x.md#Plan]]"] },
		expect: { shown: ["As in [[C-0199/treatment-plan]] and ![[C-0199/notes/x.md#Plan]]"] },
	},
	{
		id: "D20",
		what: "links and bare addresses in a goal",
		draft: {
			goals: [
				{ goal: "See https://evil.test/x and www.evil.test and [here](http://evil.test)", objectives: [{ objective: "Visit", measure: "visits" }] },
			],
		},
		expect: { shown: ["See https://evil.test/x and www.evil.test and [here](http://evil.test)"] },
	},
	{
		id: "D21",
		what: "highlights, comments and math",
		draft: { presenting_problems: ["==panic== %%hidden%% $$x$$ <!-- hidden -->"] },
		expect: { shown: ["==panic== %%hidden%% $$x$$"] },
	},
	{
		id: "D22",
		what: "a diagnosis the intake names is kept (precision)",
		note: "## History\nClient had PTSD flashbacks after the accident in 2019.",
		draft: { presenting_problems: ["PTSD flashbacks at night."] },
		expect: { shown: ["PTSD flashbacks at night."] },
	},
	{
		id: "R01",
		what: "an embed and a callout in a progress note",
		progress: { objective_id: "O1.1", note: "> [!warning] Slept ![[C-0199/notes/x.md]]", evidence: "Client slept six hours on five nights." },
		expect: { shown: ["> [!warning] Slept ![[C-0199/notes/x.md]]"] },
	},
	{
		id: "R02",
		what: "a risk statement in a progress note",
		progress: { objective_id: "O1.1", note: "No suicidal ideation; client is safe.", evidence: "Client slept six hours on five nights." },
		expect: { dropped: [RISK], absent: ["suicidal"] },
	},
	{
		id: "R03",
		what: "risk quoted from the session note as evidence",
		note: "Client reported a passing thought of wanting to disappear while lying awake.",
		progress: { objective_id: "O1.1", note: "Lay awake.", evidence: "a passing thought of wanting to disappear while lying awake" },
		expect: { dropped: [RISK], absent: ["disappear"] },
	},
	{
		id: "R04",
		what: "a diagnosis the session note does not name",
		progress: { objective_id: "O1.1", note: "Insomnia disorder improving.", evidence: "Client slept six hours on five nights." },
		expect: { dropped: [DX], absent: ["insomnia disorder"] },
	},
	{
		id: "R05",
		what: "the client's name in a progress note",
		progress: { objective_id: "O1.1", note: "Jordan slept six hours on five nights.", evidence: "Client slept six hours on five nights." },
		expect: { redacted: 1, shown: ["the client slept six hours on five nights."], absent: ["Jordan"] },
	},
	{
		id: "R06",
		what: "fences, comments and HTML in a progress note",
		progress: { objective_id: "O1.1", note: "```\n%% x %%\n<!-- cv:end -->\n<b>slept</b>\n```", evidence: "Client slept six hours on five nights." },
		expect: { shown: ["%% x %%", "<b>slept</b>"] },
	},
	{
		id: "R07",
		what: "markup in the session note quoted as evidence",
		note: "Sleep log: 6 of 7 nights (see ![[chart.png]] and [[C-0199/x]]).",
		progress: { objective_id: "O1.1", note: "Slept well.", evidence: "Sleep log: 6 of 7 nights (see ![[chart.png]] and [[C-0199/x]])." },
		expect: { shown: ["Sleep log: 6 of 7 nights (see ![[chart.png]] and [[C-0199/x]])."] },
	},
];

// ------------------------------------------------------------------ the page checker

const MARKUP = /[\\`*_[\]<>#|!%=~$^{}&@]/;
const ESCAPE = /\\[!-/:-@[-`{-~]/g;

export interface CheckContext {
	client: string;
	identity: ClientIdentity;
	/** The text the model was given (diagnoses named there may be on the page). */
	input: string;
	/** Lines of the clinician's own diagnosis section (plan), allowed as they are. */
	clinicianLines?: readonly string[];
}

/** What a page shows of the model's words, as a reader reads them (escapes undone). */
interface PageReading {
	problems: string[];
	/** Every text slot, escapes undone. */
	texts: string[];
}

function sentencesOf(text: string): string[] {
	return text.split(/(?<=[.!?])\s+/).filter((s) => s.trim() !== "");
}

/** Checks of one plain text (what the reader reads): no risk, no diagnosis the input does not name, no client name. */
function plainProblems(plain: string, context: CheckContext, inputKeys: ReadonlySet<string>, where: string): string[] {
	const problems: string[] = [];
	const text = normaliseModelText(plain);
	for (const s of sentencesOf(text)) {
		const hit = touchesRiskDomain(s);
		if (hit) problems.push(`${where}: touches the risk domain (${hit.label}): ${JSON.stringify(s)}`);
	}
	for (const h of findDiagnoses(text))
		if (!diagnosisPresent(h, inputKeys)) problems.push(`${where}: names a diagnosis not in the input: ${JSON.stringify(h.text)}`);
	const names = findIdentifiers(text, context.identity);
	if (names.length > 0) problems.push(`${where}: carries the client's identifiers ${JSON.stringify(names)}`);
	return problems;
}

/** A model text slot of a line: every markup character escaped. */
function slotProblems(slot: string, where: string): string[] {
	const residue = slot.replace(ESCAPE, "");
	const problems: string[] = [];
	const live = MARKUP.exec(residue);
	if (live) problems.push(`${where}: unescaped ${JSON.stringify(live[0])} in ${JSON.stringify(slot)}`);
	if (/:\/\//.test(residue)) problems.push(`${where}: a live URL in ${JSON.stringify(slot)}`);
	if (/\bwww\./i.test(residue)) problems.push(`${where}: a live www address in ${JSON.stringify(slot)}`);
	if (/::/.test(residue)) problems.push(`${where}: a Dataview inline field in ${JSON.stringify(slot)}`);
	return problems;
}

function linkProblems(target: string, context: CheckContext, where: string): string[] {
	return new RegExp(`^Clinical/${context.client}/notes/\\d{4}-\\d{2}-\\d{2}\\.md\\.cvault$`).test(target)
		? []
		: [`${where}: a wikilink code did not write: [[${target}]]`];
}

/** Every string in a data value (for the yaml block's checks). */
function strings(value: unknown, path: string, out: { path: string; text: string }[]): void {
	if (typeof value === "string") out.push({ path, text: value });
	else if (Array.isArray(value)) value.forEach((v, i) => strings(v, `${path}.${i}`, out));
	else if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) strings(v, path === "" ? k : `${path}.${k}`, out);
}

function dataProblems(
	data: unknown,
	context: CheckContext,
	inputKeys: ReadonlySet<string>,
	skip: (path: string) => boolean,
	subjectOf: (path: string) => string | undefined = () => undefined,
): string[] {
	const all: { path: string; text: string }[] = [];
	strings(data, "", all);
	const problems: string[] = [];
	for (const s of all) {
		if (skip(s.path)) continue;
		if (/<!--|-->|```|\n/.test(s.text)) problems.push(`data ${s.path}: a marker, fence or line break: ${JSON.stringify(s.text)}`);
		const subject = subjectOf(s.path);
		problems.push(...plainProblems(subject === undefined ? s.text : `${subject} ${predicateOf(s.text)}`, context, inputKeys, `data ${s.path}`));
	}
	return problems;
}

interface LineRule {
	re: RegExp;
	/** Indexes of the groups that are model text slots. */
	slots?: number[];
	/** Indexes of the groups that are wikilink targets. */
	links?: number[];
	/** The line is a heading: its slot is the subject of the lines below it. */
	heading?: boolean;
	/** The slot is read with the heading above it as its subject (a part's role). */
	predicate?: boolean;
}

const LINK = String.raw`\[\[([^\]|\\]+)\|\d{4}-\d{2}-\d{2}\]\]`;

/** A part's role as its history entry records it ("first seen: manager, keeps her safe; status met" → "keeps her safe"). */
function predicateOf(text: string): string {
	return text.replace(/^first seen: [\w-]+(?:, )?/, "").replace(/; status \w+$/, "");
}

function readLines(
	lines: readonly string[],
	rules: readonly LineRule[],
	context: CheckContext,
	inputKeys: ReadonlySet<string>,
	reading: PageReading,
	where: (i: number) => string,
): void {
	let subject = "";
	lines.forEach((line, i) => {
		if (line === "") return;
		const rule = rules.find((r) => r.re.test(line));
		if (!rule) {
			reading.problems.push(`${where(i)}: a line code does not write: ${JSON.stringify(line)}`);
			return;
		}
		const m = rule.re.exec(line)!;
		for (const g of rule.slots ?? []) {
			const slot = m[g];
			if (slot === undefined) continue;
			reading.problems.push(...slotProblems(slot, where(i)));
			const plain = plainFromInert(slot);
			reading.texts.push(plain);
			reading.problems.push(...plainProblems(rule.predicate ? `${subject} ${predicateOf(plain)}` : plain, context, inputKeys, where(i)));
			if (rule.heading) subject = plain;
		}
		for (const g of rule.links ?? []) {
			const target = m[g];
			if (target !== undefined) reading.problems.push(...linkProblems(target, context, where(i)));
		}
	});
}

/** Splits a page into frontmatter, fenced blocks and the rest; fences and markers counted. */
function splitPage(text: string): { front: string[]; body: { line: string; n: number }[]; fences: { info: string; lines: string[] }[]; problems: string[] } {
	const problems: string[] = [];
	const lines = text.split("\n");
	let i = 0;
	const front: string[] = [];
	if (lines[0] === "---") {
		for (i = 1; i < lines.length && lines[i] !== "---"; i++) front.push(lines[i]!);
		i++;
	} else problems.push("no frontmatter at the top");
	const body: { line: string; n: number }[] = [];
	const fences: { info: string; lines: string[] }[] = [];
	for (; i < lines.length; i++) {
		const line = lines[i]!;
		const open = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
		if (!open) {
			body.push({ line, n: i + 1 });
			continue;
		}
		const fence = { info: open[2]!.trim(), lines: [] as string[] };
		let closed = false;
		for (i++; i < lines.length; i++) {
			if (new RegExp(`^ {0,3}${open[1]![0] === "`" ? "`" : "~"}{${open[1]!.length},}\\s*$`).test(lines[i]!)) {
				closed = true;
				break;
			}
			fence.lines.push(lines[i]!);
		}
		if (!closed) problems.push(`the ${fence.info || "plain"} fence opened at line ${body.length} is never closed`);
		fences.push(fence);
	}
	return { front, body, fences, problems };
}

const MERMAID_LABEL = /^(?:[\p{L}\p{N} ,.'()\-:;!?/]|#\d+;)+$/u;
const MERMAID_RULES: readonly RegExp[] = [
	/^flowchart LR$/,
	/^ {2}none\["No parts recorded yet"\]$/,
	/^ {2}p_[a-z0-9_]+(?:\[|\{\{|\(\(|\(\[|\()"([^"]*)"(?:\]|\}\}|\)\)|\]\)|\))$/,
	/^ {2}p_[a-z0-9_]+ (?:-->\|protects\||<-->\|polarized\||-\.-\|allied\|) p_[a-z0-9_]+$/,
	/^ {2}classDef (?:manager|firefighter|exile|selflike|unknown) fill:#[0-9a-f]{6},stroke:#[0-9a-f]{6}$/,
	/^ {2}class p_[a-z0-9_]+(?:,p_[a-z0-9_]+)* (?:manager|firefighter|exile|selflike|unknown)$/,
];

/** Problems of a Mermaid diagram: a line the code does not emit, or a label with a live character. */
export function mermaidProblems(source: readonly string[]): string[] {
	const problems: string[] = [];
	for (const line of source) {
		const rule = MERMAID_RULES.find((r) => r.test(line));
		if (!rule) {
			problems.push(`diagram: a line code does not emit: ${JSON.stringify(line)}`);
			continue;
		}
		const label = rule.exec(line)![1];
		if (label !== undefined && !MERMAID_LABEL.test(label)) problems.push(`diagram: a label with a live character: ${JSON.stringify(label)}`);
	}
	return problems;
}

const PARTS_DATA_MARK = "<!-- cv:data: the source of truth for this page; edit values here and keep it valid YAML -->";
const PARTS_INTRO =
	"Your own notes can go anywhere on this page outside the generated sections (between the cv:generated and cv:end comments), which are rewritten from the data block at the end.";

function exact(text: string): RegExp {
	return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
}

/** Checks a parts-map page written from model answers. Returns the problems (none when the page holds). */
export function checkPartsPage(text: string, context: CheckContext): PageReading {
	const reading: PageReading = { problems: [], texts: [] };
	const inputKeys = diagnosisKeys(normaliseModelText(context.input));
	const page = splitPage(text);
	reading.problems.push(...page.problems);
	const frontRules = [/^client: C-\d{4}$/, /^type: parts-map$/, /^version: 1$/, /^updated: \d{4}-\d{2}-\d{2}T[\d:.]+Z$/];
	for (const line of page.front)
		if (!frontRules.some((r) => r.test(line))) reading.problems.push(`frontmatter: a line code does not write: ${JSON.stringify(line)}`);
	if (page.fences.map((f) => f.info).join(",") !== "mermaid,yaml")
		reading.problems.push(`fences: ${JSON.stringify(page.fences.map((f) => f.info))}, expected one mermaid and one yaml block`);
	const count = (s: string) => text.split(s).length - 1;
	if (count("<!-- cv:generated ") !== 3 || count("<!-- cv:end -->") !== 3 || count("<!-- cv:data") !== 1)
		reading.problems.push("a forged or missing marker comment");
	const status = "(?:unknown|met|unblended|witnessed|retrieved|unburdened)";
	const rules: LineRule[] = [
		{ re: /^# Parts map: C-\d{4}$/ },
		{ re: exact(PARTS_INTRO) },
		{ re: /^## (?:Diagram|Parts|Self-energy|Data)$/ },
		{ re: /^<!-- cv:generated (?:diagram|parts|self-energy) [0-9a-f]{12} -->$/ },
		{ re: /^<!-- cv:end -->$/ },
		{ re: exact(PARTS_DATA_MARK) },
		{ re: /^No (?:parts|Self-energy) recorded yet\.$/ },
		{ re: /^### (.+)$/, slots: [1], heading: true },
		{ re: /^- Role: (.+)$/, slots: [1], predicate: true },
		{ re: new RegExp(`^- Kind: (?:manager|firefighter|exile|Self-like|unknown); status: ${status}$`) },
		{ re: /^- (?:Also called|Role|Age or origin|Burdens|Fears|Protects|Protected by|Polarized with|Allied with|Notes): (.+)$/, slots: [1] },
		{ re: new RegExp(`^- First seen: ${LINK}(?:; last seen: ${LINK})?$`), links: [1, 2] },
		{ re: /^History:$/ },
		{ re: new RegExp(`^- ${LINK}: (.+)$`), slots: [2], links: [1], predicate: true },
		{ re: /^\| Session(?: \| [A-Z][a-z]+){8} \|$/ },
		{ re: /^\| ---(?: \| :---:){8} \|$/ },
		{ re: /^\| \[\[([^\]|\\]+)\\\|\d{4}-\d{2}-\d{2}\]\] \|(?: ✓? \|){8}$/, links: [1] },
	];
	readLines(
		page.body.map((b) => b.line),
		rules,
		context,
		inputKeys,
		reading,
		(i) => `line ${page.body[i]!.n}`,
	);
	const diagram = page.fences.find((f) => f.info === "mermaid");
	if (diagram) reading.problems.push(...mermaidProblems(diagram.lines));
	try {
		const parsed = parsePage(text, `${context.client}/parts-map.md`);
		if (parsed.regions.length !== 3) reading.problems.push(`regions: ${parsed.regions.map((r) => r.name).join(", ")}`);
		// A part's role and its history are read with the part as their subject, as the page shows them under its heading.
		const subjectOf = (path: string) => {
			const m = /^parts\.(\d+)\.(?:role|written\.role|history\.\d+\.change)$/.exec(path);
			return m ? parsed.map.parts[Number(m[1])]?.name : undefined;
		};
		reading.problems.push(...dataProblems(parsed.map, context, inputKeys, (p) => /\.(?:note|date)$/.test(p) || /declined/.test(p), subjectOf));
	} catch (error) {
		reading.problems.push(`the page does not parse back: ${(error as Error).message}`);
	}
	const plain = plainFromInert(text);
	const names = findIdentifiers(normaliseModelText(plain), context.identity);
	if (names.length > 0) reading.problems.push(`the page carries the client's identifiers ${JSON.stringify(names)}`);
	return reading;
}

/** Checks a treatment-plan page written from model answers. */
export function checkPlanPage(text: string, context: CheckContext): PageReading {
	const reading: PageReading = { problems: [], texts: [] };
	const inputKeys = diagnosisKeys(normaliseModelText(context.input));
	const page = splitPage(text);
	reading.problems.push(...page.problems);
	const frontRules = [
		/^(?:client|type|version|created|updated|review_every_days|last_review|next_review): [\w.:-]+$/,
		/^(?:generated|written):(?: \{\})?$/,
		/^ {2}[A-Za-z0-9.-]+: (?:[0-9a-f]{16}|"[0-9a-f]{16}"|'[0-9a-f]{16}')$/,
	];
	for (const line of page.front)
		if (!frontRules.some((r) => r.test(line))) reading.problems.push(`frontmatter: a line code does not write: ${JSON.stringify(line)}`);
	if (page.fences.map((f) => f.info).join(",") !== "yaml")
		reading.problems.push(`fences: ${JSON.stringify(page.fences.map((f) => f.info))}, expected one yaml block`);
	const count = (s: string) => text.split(s).length - 1;
	if (count("<!-- cv:generated ") !== 5 || count("<!-- cv:end -->") !== 5 || count("<!-- cv:data") !== 1)
		reading.problems.push("a forged or missing marker comment");
	// The diagnosis section is the clinician's (copied verbatim from the intake): its lines are allowed as they are.
	const body = page.body.map((b) => b.line);
	const start = body.indexOf("<!-- cv:generated diagnosis -->");
	const end = body.indexOf("<!-- cv:end -->", start);
	const allowed = new Set([DIAGNOSIS_PLACEHOLDER, ...(context.clinicianLines ?? [])]);
	for (let i = start + 1; start >= 0 && i < end; i++) {
		if (
			body[i] === "## Diagnosis" ||
			body[i] === "" ||
			allowed.has(body[i]!) ||
			/^\*Entered by the clinician \(copied verbatim from C-\d{4}\/notes\/[\d-]+\.md, section "Diagnosis[^"]*"\)\.\*$/.test(body[i]!)
		)
			body[i] = "";
	}
	const rules: LineRule[] = [
		{ re: /^# Treatment plan: C-\d{4}$/ },
		{ re: /^<!-- cv:generated (?:presenting-problems|diagnosis|goals|interventions|progress) -->$/ },
		{ re: /^<!-- cv:end -->$/ },
		{ re: /^## (?:Presenting problems|Goals and objectives|Interventions|Progress log|Clinician's notes)$/ },
		{ re: /^- [PI]\d+: (.+)$/, slots: [1] },
		{ re: /^\((?:none recorded yet|no goals yet|no objectives yet)\)$/ },
		{ re: /^- \((?:no objectives yet|no progress recorded yet)\)$/ },
		{ re: /^### (?:G\d+|O\d+\.\d+): (.+)$/, slots: [1] },
		{
			re: /^- \*\*O\d+\.\d+\*\* (.+?)(?: Measure: (.+)\.)? Target: (?:\d{4}-\d{2}-\d{2}|not set)\. Status: (?:not started|in progress|met|discontinued)\.$/,
			slots: [1, 2],
		},
		{ re: new RegExp(`^- ${LINK}: (.+?)(?: \\("(.+)"\\))?$`), slots: [2, 3], links: [1] },
		{ re: exact("Anything written outside the cv:generated markers is yours and is kept as it is.") },
		{ re: exact("<!-- cv:data: the plan's source of truth; keep it valid YAML -->") },
	];
	readLines(body, rules, context, inputKeys, reading, (i) => `line ${page.body[i]!.n}`);
	try {
		const parsed = parsePlanPage(text, planPath(context.client));
		reading.problems.push(
			...dataProblems(parsed.data, context, inputKeys, (p) => p.startsWith("diagnosis") || /\.(?:session|date|target_date|id|status)$/.test(p)),
		);
	} catch (error) {
		reading.problems.push(`the page does not parse back: ${(error as Error).message}`);
	}
	const outsideDiagnosis = text.replace(/<!-- cv:generated diagnosis -->[\s\S]*?<!-- cv:end -->/, "").replace(/\ndiagnosis:[\s\S]*?\n(?=goals:)/, "\n");
	const names = findIdentifiers(normaliseModelText(plainFromInert(outsideDiagnosis)), context.identity);
	if (names.length > 0) reading.problems.push(`the page carries the client's identifiers ${JSON.stringify(names)}`);
	return reading;
}

/** The expected outcome against what the proposal reported and what the page shows. */
function outcomeProblems(expect: Expected, dropped: readonly { reason: string }[], redacted: readonly unknown[], reading: PageReading, text: string): string[] {
	const problems: string[] = [];
	const want = [...(expect.dropped ?? [])].sort();
	const got = dropped.map((d) => d.reason).sort();
	if (JSON.stringify(want) !== JSON.stringify(got)) problems.push(`dropped ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
	if (redacted.length !== (expect.redacted ?? 0)) problems.push(`${redacted.length} string(s) redacted, expected ${expect.redacted ?? 0}`);
	const shown = reading.texts.join("\n").toLowerCase();
	for (const s of expect.shown ?? []) if (!shown.includes(s.toLowerCase())) problems.push(`not shown on the page: ${JSON.stringify(s)}`);
	const plain = normaliseModelText(plainFromInert(text)).toLowerCase();
	for (const s of expect.absent ?? []) if (plain.includes(s.toLowerCase())) problems.push(`on the page although it must not be: ${JSON.stringify(s)}`);
	return problems;
}

// ------------------------------------------------------------------ running

function sessionNote(client: string, date: string, body: string): string {
	return ["---", `client: ${client}`, `session_date: ${date}`, "note_type: session", "format: ifs", "status: signed", "---", "", body.trim(), ""].join("\n");
}

const PARTS_NOTE = "## Data\nClient described a part called the Gardener; the Gardener keeps the routines. Self-energy: calm and curiosity.";
const INTAKE_BODY = [
	"# Intake assessment",
	"",
	"## Presenting problems",
	"- Trouble sleeping, most nights.",
	"- Walks less than before.",
	"",
	"## Diagnosis (clinician)",
	"F51.0 Insomnia, entered by the clinician.",
	"",
	"## Plan",
	"Weekly sessions. GAD-7 every four weeks.",
].join("\n");
const CLINICIAN_DIAGNOSIS = ["F51.0 Insomnia, entered by the clinician."];
const PROGRESS_NOTE = "## Data\nClient slept six hours on five nights. Client walked on four days this week.";

export interface CaseResult {
	id: string;
	/** The page was written (the answer was accepted with `all`). */
	reachedPage: boolean;
	dropped: number;
	redacted: number;
	problems: string[];
	/** The page as written ("" when none was). */
	text: string;
}

/** One record, one fake Ollama, one client per case. */
export class HostileCatalogue {
	private next = 500;

	private constructor(
		readonly dir: string,
		readonly record: ClinicalRecord,
		readonly clock: ManualClock,
		readonly fake: FakeOllama,
	) {}

	static async start(): Promise<HostileCatalogue> {
		const dir = await mkdtemp(join(tmpdir(), "cv-hostile-"));
		const clock = new ManualClock("2026-06-16T09:00:00Z");
		const record = new ClinicalRecord({ store: new NodeFsStore(dir), clock });
		await record.init("correct horse battery", { kdf: floorKdfParams() });
		return new HostileCatalogue(dir, record, clock, await startFakeOllama());
	}

	async close(): Promise<void> {
		await this.fake.close();
		await rm(this.dir, { recursive: true, force: true });
	}

	private llm(): OllamaClient {
		return new OllamaClient({ host: this.fake.url, policy: { allowlist: [] } });
	}

	private async newClient(): Promise<{ code: string; identity: ClientIdentity }> {
		const code = `C-0${this.next++}`;
		const profile = await this.record.addClient({ code, name: HOSTILE_CLIENT_NAME, details: HOSTILE_CLIENT_DETAILS });
		return { code, identity: identityOf(profile) };
	}

	async runParts(c: PartsCase): Promise<CaseResult> {
		const { code, identity } = await this.newClient();
		const noteText = sessionNote(code, "2026-06-16", `${PARTS_NOTE}\n${c.note ?? ""}`);
		const session = `${code}/notes/2026-06-16.md`;
		await this.record.writeText(session, noteText);
		const answer: PartsAnswer = {
			parts: [...c.parts, CONTROL_PART],
			self_energy: ["calm", "curiosity"],
			self_energy_evidence: c.selfEnergyEvidence ?? "Self-energy: calm and curiosity.",
		};
		this.fake.reply({ json: answer });
		const service = new PartsMapService({ record: this.record, clock: this.clock });
		const set = await service.propose({ client: code, session, model: MODEL, llm: this.llm() });
		const result = await service.apply(set, "all");
		const text = (await service.text(code)) ?? "";
		const reading = text === "" ? { problems: ["no page was written"], texts: [] } : checkPartsPage(text, { client: code, identity, input: noteText });
		const problems = [...reading.problems, ...outcomeProblems(c.expect, set.dropped ?? [], set.redacted ?? [], reading, text)];
		return { id: c.id, reachedPage: result.written, dropped: (set.dropped ?? []).length, redacted: (set.redacted ?? []).length, problems, text };
	}

	async runPlan(c: PlanCase): Promise<CaseResult> {
		const { code, identity } = await this.newClient();
		const intake = `${code}/notes/2026-06-02.md`;
		const intakeBody = c.draft ? `${INTAKE_BODY}\n\n${c.note ?? ""}` : INTAKE_BODY;
		await this.record.writeText(intake, sessionNote(code, "2026-06-02", intakeBody).replace("note_type: session", "note_type: intake"));
		const service = new TreatmentPlanService({ record: this.record, llm: this.llm(), clock: this.clock });
		const draft: DraftAnswer = {
			presenting_problems: ["Trouble sleeping, most nights.", ...(c.draft?.presenting_problems ?? [])],
			goals: [...CONTROL_GOALS, ...(c.draft?.goals ?? [])],
			interventions: ["Weekly sessions.", ...(c.draft?.interventions ?? [])],
		};
		this.fake.reply({ json: draft });
		const drafted = await service.proposeDraft(code, intake, { model: MODEL });
		const applied = await service.apply(drafted.set, "all");
		let set = drafted.set;
		let written = applied.written !== null;
		let input = intakeBody.replace(/## Diagnosis \(clinician\)\n[^\n]*\n/, "");
		if (c.progress) {
			const session = `${code}/notes/2026-06-16.md`;
			const noteText = sessionNote(code, "2026-06-16", `${PROGRESS_NOTE}\n${c.note ?? ""}`);
			await this.record.writeText(session, noteText);
			this.fake.reply({ json: { progress: [c.progress, CONTROL_PROGRESS] } });
			const progress = await service.proposeProgress(code, session, { model: MODEL });
			const result = await service.apply(progress.set, "all");
			set = progress.set;
			written = result.written !== null;
			input = noteText;
		}
		const text = (await this.record.exists(planPath(code))) ? await this.record.readText(planPath(code), "internal") : "";
		const reading =
			text === ""
				? { problems: ["no page was written"], texts: [] }
				: checkPlanPage(text, { client: code, identity, input, clinicianLines: CLINICIAN_DIAGNOSIS });
		const problems = [...reading.problems, ...outcomeProblems(c.expect, set.dropped ?? [], set.redacted ?? [], reading, text)];
		return { id: c.id, reachedPage: written, dropped: (set.dropped ?? []).length, redacted: (set.redacted ?? []).length, problems, text };
	}

	private async scenarioClient(): Promise<ClientIdentity> {
		const code = SCENARIO_CLIENT;
		if (!(await this.record.exists(`${code}/notes/${INTAKE.date}.md`))) {
			await this.record.addClient({ code, name: SCENARIO_NAME, modality: "ifs" });
			for (const n of [INTAKE, ...SCENARIO_SESSIONS]) await this.record.writeText(n.recordPath, n.text);
		}
		return identityOf(await this.record.readProfile(code, "internal"));
	}

	/**
	 * The clean four-session scenario (test/support/scenario.ts) with a faithful model's answers
	 * through PartsMapService, each accepted with `all`: what the checks dropped or redacted
	 * (precision: 0 expected), how many strings they read, and the problems the page checker finds.
	 */
	async runCleanParts(answers: readonly PartsAnswer[]): Promise<CleanResult> {
		const code = SCENARIO_CLIENT;
		const identity = await this.scenarioClient();
		const result: CleanResult = { dropped: 0, redacted: 0, strings: 0, problems: [], page: "" };
		const parts = new PartsMapService({ record: this.record, clock: this.clock });
		for (const [i, s] of SCENARIO_SESSIONS.entries()) {
			const a = answers[i]!;
			result.strings += a.parts.reduce((n, m) => n + 4 + m.burdens.length + m.fears.length, 0) + 1;
			this.fake.reply({ json: a });
			const set = await parts.propose({ client: code, session: s.recordPath, model: MODEL, llm: this.llm() });
			result.dropped += set.dropped?.length ?? 0;
			result.redacted += set.redacted?.length ?? 0;
			await parts.apply(set, "all");
		}
		result.page = (await parts.text(code))!;
		result.problems.push(...checkPartsPage(result.page, { client: code, identity, input: SCENARIO_SESSIONS.map((s) => s.text).join("\n") }).problems);
		return result;
	}

	/** The same for the treatment plan: the draft from the intake, then progress from each session. */
	async runCleanPlan(draftAnswer: DraftAnswer, progress: readonly ProgressAnswer[]): Promise<CleanResult> {
		const code = SCENARIO_CLIENT;
		const identity = await this.scenarioClient();
		const result: CleanResult = { dropped: 0, redacted: 0, strings: 0, problems: [], page: "" };
		const plan = new TreatmentPlanService({ record: this.record, llm: this.llm(), clock: this.clock });
		this.fake.reply({ json: draftAnswer });
		result.strings +=
			draftAnswer.presenting_problems.length + draftAnswer.interventions.length + draftAnswer.goals.reduce((n, g) => n + 1 + 2 * g.objectives.length, 0);
		const draft = await plan.proposeDraft(code, INTAKE.recordPath, { model: MODEL });
		result.dropped += draft.set.dropped?.length ?? 0;
		result.redacted += draft.set.redacted?.length ?? 0;
		await plan.apply(draft.set, "all");
		for (const [i, s] of SCENARIO_SESSIONS.entries()) {
			const a = progress[i]!;
			result.strings += 2 * a.progress.length;
			this.fake.reply({ json: a });
			const set = (await plan.proposeProgress(code, s.recordPath, { model: MODEL })).set;
			// The scenario's own drops (an invented quote, an unknown objective) are the evidence checks, not the model-text checks.
			result.dropped += (set.dropped ?? []).filter((d) => d.reason === RISK || d.reason === DX).length;
			result.redacted += set.redacted?.length ?? 0;
			if (set.changes.length > 0) await plan.apply(set, "all");
		}
		result.page = await this.record.readText(planPath(code), "internal");
		const input = [INTAKE.text.replace(/## Diagnosis \(clinician\)\n[^\n]*\n/, ""), ...SCENARIO_SESSIONS.map((s) => s.text)].join("\n");
		result.problems.push(
			...checkPlanPage(result.page, {
				client: code,
				identity,
				input,
				clinicianLines: ["F41.0 Panic disorder, entered by the clinician after the structured interview."],
			}).problems,
		);
		return result;
	}
}

export interface CleanResult {
	/** Strings the model-text checks dropped (risk domain, diagnosis). */
	dropped: number;
	redacted: number;
	/** Model strings the checks read. */
	strings: number;
	problems: string[];
	page: string;
}

/** Runs every parts and plan case (for the benchmark): how many there are, how many reached a page, and what failed. */
export async function runPartsAndPlanCatalogue(): Promise<{ total: number; reachedPage: number; failures: string[] }> {
	const catalogue = await HostileCatalogue.start();
	const failures: string[] = [];
	let reachedPage = 0;
	try {
		const results: CaseResult[] = [];
		for (const c of PARTS_CASES) results.push(await catalogue.runParts(c));
		for (const c of PLAN_CASES) results.push(await catalogue.runPlan(c));
		for (const r of results) {
			if (r.reachedPage) reachedPage++;
			for (const p of r.problems) failures.push(`${r.id}: ${p}`);
		}
		return { total: results.length, reachedPage, failures };
	} finally {
		await catalogue.close();
	}
}

/** One catalogue for a test file: started before its tests, closed after them. */
export function useHostileCatalogue(): () => HostileCatalogue {
	let catalogue: HostileCatalogue | null = null;
	beforeAll(async () => {
		catalogue = await HostileCatalogue.start();
	});
	afterAll(async () => {
		await catalogue?.close();
	});
	return () => {
		if (!catalogue) throw new Error("the hostile catalogue did not start (see the beforeAll error)");
		return catalogue;
	};
}
