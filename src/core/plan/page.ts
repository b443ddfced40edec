/**
 * The treatment-plan page (record path CODE/treatment-plan.md, encrypted like every record file):
 *
 *   ---                                  frontmatter: client, type, version, created, updated,
 *   …                                    review_every_days, last_review, next_review, generated, written
 *   ---
 *   # Treatment plan: C-0417
 *   <!-- cv:generated goals -->          readable sections, rewritten from the data on every change
 *   ## Goals and objectives
 *   …
 *   <!-- cv:end -->
 *   …anything the clinician writes outside the generated regions (kept byte for byte)…
 *   <!-- cv:data -->
 *   ```yaml                              the source of truth (edited in place, so the clinician's
 *   …                                    values, comments and extra keys survive every change)
 *   ```
 *
 * Why this shape: the readable sections are what the clinician reads in Obsidian, so they are
 * generated; the yaml block is what the clinician may edit, so changes are made to its parsed
 * document (yaml's Document API) rather than by re-serialising it, which keeps hand edits and
 * comments. A hand edit inside a generated region would be overwritten by the next change, so it is
 * detected (each region's hash as last written is kept in the frontmatter) and the change is
 * refused with the region's name: nothing is ever lost silently. A region whose markers were
 * deleted is added back before the data block; a region emptied by hand is regenerated.
 *
 * The frontmatter is rewritten by Clinical Vault on each change (keys the clinician added are kept,
 * comments in it are not).
 */
import { findFrontmatter } from "../markdown/frontmatter";
import { Document, isMap, isSeq, LineCounter, parseDocument, stringify, type Node } from "yaml";
import { ClinicalVaultError } from "../errors";
import { inert } from "../safety/inert";
import { textHash } from "../proposals/proposals";
import type { RecordLayout } from "../record/layout";
import {
	DEFAULT_REVIEW_DAYS,
	DIAGNOSIS_PLACEHOLDER,
	nextReviewDate,
	PLAN_TYPE,
	PLAN_VERSION,
	PlanDataSchema,
	PlanFrontSchema,
	type Objective,
	type Plan,
	type PlanData,
	type PlanFront,
} from "./plan";

export const PLAN_NAME = "treatment-plan.md";
export const REGION_NAMES = ["presenting-problems", "diagnosis", "goals", "interventions", "progress"] as const;
export type RegionName = (typeof REGION_NAMES)[number];
/** No line folding: a long text stays on one line, as the clinician would write it. */
const YAML_OUT = { lineWidth: 0 } as const;

export const DATA_MARKER = "<!-- cv:data: the plan's source of truth; keep it valid YAML -->";

export function planPath(client: string): string {
	return `${client}/${PLAN_NAME}`;
}

export interface PlanPage extends Plan {
	path: string;
	text: string;
	/** The frontmatter as read (keys the clinician added included). */
	rawFront: Record<string, unknown>;
	body: string;
	/** The data block's yaml document (edited in place). */
	doc: Document;
}

const DATA_BLOCK = /^<!-- cv:data[^\n]*-->[ \t]*\r?\n```ya?ml[ \t]*\r?\n([\s\S]*?)^```[ \t]*$/m;
const REGION = /^<!-- cv:generated ([a-z-]+) -->[ \t]*\r?\n([\s\S]*?)^<!-- cv:end -->[ \t]*$/gm;

function linesBefore(text: string, offset: number): number {
	let n = 0;
	for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) n++;
	return n;
}

/** Parses yaml that starts at `firstLine` (1-based) of the page; errors say where, in page lines. */
function parseYamlAt(source: string, firstLine: number, what: string, path: string): { doc: Document; lines: LineCounter } {
	const lines = new LineCounter();
	const doc = parseDocument(source, { lineCounter: lines, prettyErrors: false });
	const error = doc.errors[0];
	if (error) {
		const pos = error.linePos?.[0] ?? lines.linePos(error.pos[0]);
		const why = error.message.split(/ at line \d+/)[0]!.replace(/:\s*$/, "");
		throw new ClinicalVaultError(
			"invalid-input",
			`${what} of ${path} is not valid YAML at line ${firstLine + pos.line - 1}, column ${pos.col}: ${why}. Fix it there; the file was kept as it is and nothing was merged.`,
			{ path, detail: `${error.code} at page line ${firstLine + pos.line - 1}, column ${pos.col}` },
		);
	}
	return { doc, lines };
}

/** A schema problem in a yaml block, named by its field path and the page line of the field. */
function validate<T>(
	schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } },
	doc: Document,
	lines: LineCounter,
	firstLine: number,
	what: string,
	path: string,
): T {
	const result = schema.safeParse(doc.toJS() ?? {});
	if (result.success) return result.data;
	const issue = result.error.issues[0]!;
	const fieldPath = issue.path.map((p) => (typeof p === "symbol" ? String(p) : p));
	let line: number | null = null;
	for (let n = fieldPath.length; n >= 0 && line === null; n--) {
		const node = doc.getIn(fieldPath.slice(0, n), true) as Node | undefined;
		if (node && typeof node === "object" && "range" in node && node.range) line = firstLine + lines.linePos(node.range[0]).line - 1;
	}
	const field = fieldPath.length > 0 ? fieldPath.join(".") : "(top level)";
	throw new ClinicalVaultError(
		"invalid-input",
		`${what} of ${path} has a problem at ${field}${line !== null ? ` (line ${line})` : ""}: ${issue.message}. Fix it there; the file was kept as it is and nothing was merged.`,
		{ path, detail: `${result.error.issues.length} issue(s); first at ${field}` },
	);
}

export interface Region {
	name: string;
	/** Offsets in the body of the region's inner text. */
	start: number;
	end: number;
	inner: string;
}

export function findRegions(body: string): Region[] {
	const out: Region[] = [];
	for (const m of body.matchAll(new RegExp(REGION.source, REGION.flags))) {
		const innerStart = m.index + m[0].indexOf("\n") + 1;
		out.push({ name: m[1]!, start: innerStart, end: innerStart + m[2]!.length, inner: m[2]! });
	}
	return out;
}

/** Reads and checks a plan page. Invalid yaml or data is an error that says where; nothing is guessed. */
export function parsePlanPage(text: string, path: string): PlanPage {
	const front = findFrontmatter(text);
	if (!front)
		throw new ClinicalVaultError(
			"invalid-input",
			`${path} has no frontmatter (the --- block at the top), so it cannot be read as a treatment plan. The file was kept as it is.`,
			{ path },
		);
	const { doc: frontDoc, lines: frontLines } = parseYamlAt(front.yaml, 2, "The frontmatter", path);
	const rawFront = (frontDoc.toJS() ?? {}) as Record<string, unknown>;
	if (typeof rawFront !== "object" || Array.isArray(rawFront))
		throw new ClinicalVaultError("invalid-input", `The frontmatter of ${path} must be key: value lines. The file was kept as it is.`, { path });
	const planFront = validate(PlanFrontSchema, frontDoc, frontLines, 2, "The frontmatter", path);
	const body = text.slice(front.block.length);
	const block = DATA_BLOCK.exec(body);
	if (!block) {
		throw new ClinicalVaultError(
			"invalid-input",
			`${path} has no data block (a line "<!-- cv:data -->" followed by a \`\`\`yaml block). It holds the plan itself; restore it (e.g. from a backup or by undoing the edit). The file was kept as it is.`,
			{ path },
		);
	}
	const yamlStart = front.block.length + block.index + block[0].indexOf("\n", block[0].indexOf("```")) + 1;
	const firstLine = linesBefore(text, yamlStart) + 1;
	const { doc, lines } = parseYamlAt(block[1] ?? "", firstLine, "The data block", path);
	const data = validate(PlanDataSchema, doc, lines, firstLine, "The data block", path);
	return { path, text, rawFront, front: planFront, body, data, doc };
}

// ---------------------------------------------------------------- rendering

export interface RenderContext {
	layout: RecordLayout;
}

const STATUS_LABEL: Record<string, string> = { "not-started": "not started", "in-progress": "in progress", met: "met", discontinued: "discontinued" };

/**
 * A string from the data as one line of inert markdown: the model's words (or the clinician's edit
 * of them in the data block) can never open markup in a generated section (safety/inert.ts).
 */
function oneLine(text: string): string {
	return inert(text);
}

function objectiveLine(o: Objective): string {
	const text = oneLine(o.text);
	const parts = [`**${o.id}** ${text}${/[.!?]$/.test(text) ? "" : "."}`];
	if (o.measure.trim() !== "") parts.push(`Measure: ${oneLine(o.measure)}.`);
	parts.push(`Target: ${o.target_date ?? "not set"}.`);
	parts.push(`Status: ${STATUS_LABEL[o.status] ?? o.status}.`);
	return `- ${parts.join(" ")}`;
}

/** The inner text of each generated region, from the data. */
export function renderRegions(data: PlanData, context: RenderContext): Record<RegionName, string> {
	const list = (items: { id: string; text: string }[], empty: string): string[] =>
		items.length === 0 ? [empty] : items.map((i) => `- ${i.id}: ${oneLine(i.text)}`);
	const diagnosis =
		data.diagnosis && data.diagnosis.text.trim() !== ""
			? [data.diagnosis.text.trim(), "", `*Entered by the clinician${data.diagnosis.source ? ` (copied verbatim from ${data.diagnosis.source})` : ""}.*`]
			: [DIAGNOSIS_PLACEHOLDER];
	const goals: string[] = [];
	for (const g of data.goals) {
		goals.push(`### ${g.id}: ${oneLine(g.text)}`);
		goals.push(...(g.objectives.length === 0 ? ["- (no objectives yet)"] : g.objectives.map(objectiveLine)));
		goals.push("");
	}
	if (goals.length === 0) goals.push("(no goals yet)", "");
	const progress: string[] = [];
	for (const g of data.goals) {
		for (const o of g.objectives) {
			progress.push(`### ${o.id}: ${oneLine(o.text)}`);
			if (o.progress.length === 0) progress.push("- (no progress recorded yet)");
			for (const p of [...o.progress].sort((a, b) => a.date.localeCompare(b.date))) {
				let link = oneLine(p.session);
				try {
					link = `[[${context.layout.storePath(p.session)}|${p.date}]]`;
				} catch {
					// A session path edited by hand into something that is not a record path: shown as written.
				}
				progress.push(`- ${link}: ${oneLine(p.note)}${p.evidence ? ` ("${oneLine(p.evidence)}")` : ""}`);
			}
			progress.push("");
		}
	}
	if (progress.length === 0) progress.push("(no objectives yet)", "");
	return {
		"presenting-problems": ["## Presenting problems", ...list(data.presenting_problems, "(none recorded yet)"), ""].join("\n"),
		diagnosis: ["## Diagnosis", ...diagnosis, ""].join("\n"),
		goals: ["## Goals and objectives", ...goals].join("\n"),
		interventions: ["## Interventions", ...list(data.interventions, "(none recorded yet)"), ""].join("\n"),
		progress: ["## Progress log", ...progress].join("\n"),
	};
}

async function shortHash(text: string): Promise<string> {
	return (await textHash(text)).slice(0, 16);
}

/** The hash kept for an objective's own fields (progress left out: entries are additions). */
export async function objectiveHash(o: Objective): Promise<string> {
	return shortHash(JSON.stringify([o.text, o.measure, o.target_date, o.status]));
}

/** Generated regions whose text was edited by hand since Clinical Vault last wrote them. */
export async function editedRegions(page: Pick<PlanPage, "body" | "front">): Promise<string[]> {
	const edited: string[] = [];
	for (const r of findRegions(page.body)) {
		if (r.inner.trim() === "") continue;
		const stored = page.front.generated[r.name];
		if (stored === undefined || stored !== (await shortHash(r.inner))) edited.push(r.name);
	}
	return edited;
}

export function refuseEdited(edited: readonly string[], path: string): void {
	if (edited.length === 0) return;
	throw new ClinicalVaultError(
		"refused",
		`The ${edited.map((e) => `"${e}"`).join(", ")} section${edited.length > 1 ? "s" : ""} of ${path} ${edited.length > 1 ? "were" : "was"} edited by hand between the cv:generated markers, where Clinical Vault rewrites the text. Move your text outside the markers (or put the change into the data block), then try again. Nothing was changed.`,
		{ path, detail: `edited regions: ${edited.join(", ")}` },
	);
}

async function writtenHashes(data: PlanData): Promise<Record<string, string>> {
	const out: Record<string, string> = {};
	for (const g of data.goals) for (const o of g.objectives) out[o.id] = await objectiveHash(o);
	return out;
}

function frontText(front: Record<string, unknown>): string {
	return `---\n${stringify(front).trimEnd()}\n---\n`;
}

export interface NewPlanInput {
	client: string;
	today: string;
	data: PlanData;
	context: RenderContext;
}

/** A new page for a plan (the first approved draft). */
export async function renderNewPage(input: NewPlanInput): Promise<string> {
	const regions = renderRegions(input.data, input.context);
	const generated: Record<string, string> = {};
	for (const name of REGION_NAMES) generated[name] = await shortHash(regions[name]);
	const front: PlanFront = {
		client: input.client,
		type: PLAN_TYPE,
		version: PLAN_VERSION,
		created: input.today,
		updated: input.today,
		review_every_days: DEFAULT_REVIEW_DAYS,
		last_review: null,
		next_review: nextReviewDate({ created: input.today, last_review: null, review_every_days: DEFAULT_REVIEW_DAYS }),
		generated,
		written: await writtenHashes(input.data),
	};
	const body = [
		`# Treatment plan: ${input.client}`,
		"",
		...REGION_NAMES.flatMap((name) => [`<!-- cv:generated ${name} -->`, `${regions[name]}<!-- cv:end -->`, ""]),
		"## Clinician's notes",
		"",
		"Anything written outside the cv:generated markers is yours and is kept as it is.",
		"",
		DATA_MARKER,
		"```yaml",
		new Document(input.data).toString(YAML_OUT).trimEnd(),
		"```",
		"",
	].join("\n");
	return frontText(front) + body;
}

/**
 * The page after its data document changed: regions regenerated (missing ones added before the
 * data block), the yaml block replaced by the edited document, the frontmatter refreshed. Text
 * outside the regions and the data block is kept byte for byte. Call editedRegions first.
 */
export async function renderUpdatedPage(
	page: PlanPage,
	data: PlanData,
	today: string,
	context: RenderContext,
	overrides: { written?: Record<string, string> } = {},
): Promise<string> {
	const regions = renderRegions(data, context);
	const found = findRegions(page.body);
	let body = page.body;
	for (const r of [...found].sort((a, b) => b.start - a.start)) {
		if (!(REGION_NAMES as readonly string[]).includes(r.name)) continue;
		body = body.slice(0, r.start) + regions[r.name as RegionName] + body.slice(r.end);
	}
	const missing = REGION_NAMES.filter((n) => !found.some((r) => r.name === n));
	const block = DATA_BLOCK.exec(body)!;
	const yamlStart = block.index + block[0].indexOf("\n", block[0].indexOf("```")) + 1;
	const yamlEnd = yamlStart + (block[1] ?? "").length;
	body = `${body.slice(0, yamlStart)}${page.doc.toString(YAML_OUT).trimEnd()}\n${body.slice(yamlEnd)}`;
	if (missing.length > 0) {
		const at = DATA_BLOCK.exec(body)!.index;
		body = body.slice(0, at) + missing.map((n) => `<!-- cv:generated ${n} -->\n${regions[n]}<!-- cv:end -->\n\n`).join("") + body.slice(at);
	}
	const generated: Record<string, string> = {};
	for (const name of REGION_NAMES) generated[name] = await shortHash(regions[name]);
	const front: Record<string, unknown> = {
		...page.rawFront,
		updated: today,
		next_review: nextReviewDate(page.front),
		generated,
		written: overrides.written ?? page.front.written,
	};
	return frontText(front) + body;
}

/** Appends to the sequence at `path` in a yaml document (an empty or missing one becomes a block sequence). */
export function appendIn(doc: Document, path: (string | number)[], value: unknown): void {
	const node = doc.getIn(path, true);
	if (isSeq(node) && node.items.length > 0) doc.addIn(path, doc.createNode(value));
	else doc.setIn(path, doc.createNode([value]));
}

/** Sets a key of the map at `path` (creating the map when missing). */
export function setIn(doc: Document, path: (string | number)[], value: unknown): void {
	const parent = doc.getIn(path.slice(0, -1), true);
	if (path.length > 1 && !isMap(parent)) doc.setIn(path.slice(0, -1), doc.createNode({}));
	doc.setIn(path, value !== null && typeof value === "object" ? doc.createNode(value) : value);
}

/** Re-reads the data after document edits (what will be written is what is rendered). */
export function dataOf(doc: Document, path: string): PlanData {
	const result = PlanDataSchema.safeParse(doc.toJS() ?? {});
	if (!result.success)
		throw new ClinicalVaultError("internal", "The treatment plan could not be updated. Nothing was changed.", {
			path,
			detail: result.error.issues.map((i) => i.path.join(".")).join(", "),
		});
	return result.data;
}

export { writtenHashes };
