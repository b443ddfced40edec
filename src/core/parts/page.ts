/**
 * The parts-map page (record path CODE/parts-map.md, encrypted like every record file):
 *
 *     ---
 *     client: C-0417
 *     type: parts-map
 *     version: 1
 *     updated: 2026-06-30T18:00:00.000Z
 *     ---
 *     # Parts map: C-0417
 *     ## Diagram
 *     <!-- cv:generated diagram 1a2b3c4d5e6f -->
 *     ```mermaid … ```
 *     <!-- cv:end -->
 *     ## Parts            (generated region "parts": per-part fields, first/last seen, dated history)
 *     ## Self-energy      (generated region "self-energy": the 8 C's per session)
 *     ## Data
 *     <!-- cv:data … -->
 *     ```yaml …```        (the source of truth)
 *
 * Why this shape:
 * - The yaml block is the only data the merge reads, so the clinician can correct anything by editing
 *   it, and the generated regions are always re-derived from it (never parsed back).
 * - Everything outside the generated regions and the yaml block is the clinician's and is kept byte
 *   for byte: only the region contents, the yaml block and the frontmatter's `updated:` line change.
 * - Each generated region carries a hash of the text it was written with. A hand edit inside one
 *   would be lost by the next regeneration, so a merge is refused with a message naming the region
 *   (the file is kept): the clinician moves the text out of the region (or into the yaml) first. A
 *   region that was deleted whole is simply written again, before the data block.
 * - The yaml block is updated in place through the yaml library's document model, so comments and
 *   formatting the clinician gave it survive where the values they sit on survive.
 * - Invalid yaml or data outside the schema is refused with the line and column in the page; the
 *   file is never rewritten until it is fixed.
 */
import { findFrontmatter } from "../markdown/frontmatter";
import { Document, isMap, isScalar, isSeq, parseDocument, YAMLParseError } from "yaml";
import { ClinicalVaultError } from "../errors";
import { inert } from "../safety/inert";
import { renderMermaid, partResolver } from "./mermaid";
import { mapSchema, SELF_QUALITIES, type Part, type PartsMap } from "./model";

export const PAGE_TYPE = "parts-map";
export const REGIONS = ["diagram", "parts", "self-energy"] as const;
export type RegionName = (typeof REGIONS)[number];

const REGION_OPEN = /<!-- cv:generated ([a-z-]+) ([0-9a-f]{12}) -->\n/g;
const REGION_END = "<!-- cv:end -->";
const DATA_MARK = "<!-- cv:data: the source of truth for this page; edit values here and keep it valid YAML -->";
const DATA_BLOCK = /<!-- cv:data[^\n]*-->\n```ya?ml\n([\s\S]*?)^```[ \t]*$/m;

/** A 48-bit hash (two FNV-1a lanes), enough to notice that a region was edited. */
export function regionHash(text: string): string {
	let a = 0x811c9dc5;
	let b = 0x01000193;
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		a = Math.imul(a ^ c, 0x01000193) >>> 0;
		b = Math.imul(b ^ c, 0x5bd1e995) >>> 0;
	}
	return (a.toString(16).padStart(8, "0") + b.toString(16).padStart(8, "0")).slice(0, 12);
}

export interface Region {
	name: string;
	/** Offsets in the page text: the opening marker's start, the content's start and end, the end marker's end. */
	start: number;
	contentStart: number;
	contentEnd: number;
	end: number;
	hash: string;
	edited: boolean;
}

export interface ParsedPage {
	text: string;
	map: PartsMap;
	regions: Region[];
	/** The yaml text of the data block and where it sits in the page. */
	yaml: { text: string; start: number; end: number; document: Document };
}

export interface LinkMaker {
	/** The vault path of a record path's encrypted file (record.layout.storePath). */
	storePath(recordPath: string): string;
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
	const before = text.slice(0, offset);
	const line = before.split("\n").length;
	return { line, column: offset - before.lastIndexOf("\n") };
}

function refuse(path: string, message: string, detail = ""): ClinicalVaultError {
	return new ClinicalVaultError("invalid-input", message, { path, detail });
}

function findRegions(text: string, path: string): Region[] {
	const regions: Region[] = [];
	for (const m of text.matchAll(REGION_OPEN)) {
		const start = m.index;
		const contentStart = start + m[0].length;
		const endAt = text.indexOf(REGION_END, contentStart);
		const nextOpen = text.indexOf("<!-- cv:generated ", contentStart);
		const { line } = lineColumn(text, start);
		if (endAt === -1 || (nextOpen !== -1 && nextOpen < endAt)) {
			throw refuse(
				path,
				`The generated "${m[1]}" section of ${path} (line ${line}) has no ${REGION_END} line. Restore it or delete the section; nothing was merged and the file was kept.`,
			);
		}
		if (regions.some((r) => r.name === m[1]))
			throw refuse(path, `${path} has the generated "${m[1]}" section twice (line ${line}). Delete one; nothing was merged and the file was kept.`);
		const content = text.slice(contentStart, endAt);
		regions.push({
			name: m[1]!,
			start,
			contentStart,
			contentEnd: endAt,
			end: endAt + REGION_END.length,
			hash: m[2]!,
			edited: regionHash(content) !== m[2],
		});
	}
	return regions;
}

/** Parses a parts-map page. Invalid yaml or data is an error naming the line and column; the caller keeps the file. */
export function parsePage(text: string, path: string): ParsedPage {
	const data = DATA_BLOCK.exec(text);
	if (!data) {
		throw refuse(
			path,
			`${path} has no data block (a \`\`\`yaml block after the "cv:data" comment), so it cannot be merged. Restore it; the file was kept as it is.`,
		);
	}
	const yamlStart = data.index + data[0].indexOf("\n```") + 1;
	const contentStart = text.indexOf("\n", yamlStart) + 1;
	const yamlText = data[1] ?? "";
	const document = parseDocument(yamlText, { prettyErrors: false });
	if (document.errors.length > 0) {
		const error = document.errors[0]!;
		const offset = contentStart + (error instanceof YAMLParseError ? error.pos[0] : 0);
		const { line, column } = lineColumn(text, offset);
		throw refuse(
			path,
			`The data block of ${path} is not valid YAML at line ${line}, column ${column} (${error.code.toLowerCase().replace(/_/g, " ")}). Fix it; nothing was merged and the file was kept.`,
			error.message.split("\n")[0],
		);
	}
	const parsed = mapSchema.safeParse(document.toJS() ?? {});
	if (!parsed.success) {
		const issue = parsed.error.issues[0]!;
		const where = issue.path.join(".");
		const range = locate(document, issue.path);
		const at = range === null ? "" : ` (line ${lineColumn(text, contentStart + range).line}, column ${lineColumn(text, contentStart + range).column})`;
		throw refuse(
			path,
			`The data block of ${path} has a value the parts map cannot use at ${where || "the top level"}${at}: ${issue.message}. Fix it; nothing was merged and the file was kept.`,
		);
	}
	const ids = new Set<string>();
	for (const p of parsed.data.parts) {
		if (ids.has(p.id))
			throw refuse(path, `The data block of ${path} has two parts with the id "${p.id}". Give one another id; nothing was merged and the file was kept.`);
		ids.add(p.id);
	}
	return {
		text,
		map: parsed.data,
		regions: findRegions(text, path),
		yaml: { text: yamlText, start: contentStart, end: contentStart + yamlText.length, document },
	};
}

/** The offset (in the yaml text) of the node at `path`, or of its nearest existing parent. */
function locate(document: Document, path: readonly PropertyKey[]): number | null {
	for (let n = path.length; n >= 0; n--) {
		const node = document.getIn(path.slice(0, n) as (string | number)[], true) as { range?: [number, number, number] } | undefined;
		if (node && typeof node === "object" && Array.isArray(node.range)) return node.range[0];
	}
	return null;
}

/** Refuses a merge into a page whose generated sections were edited by hand (their text would be lost). */
export function checkRegions(page: ParsedPage, path: string): void {
	const edited = page.regions.filter((r) => r.edited);
	if (edited.length > 0) {
		const names = edited.map((r) => `"${r.name}" (line ${lineColumn(page.text, r.start).line})`).join(", ");
		throw new ClinicalVaultError(
			"refused",
			`The generated ${edited.length === 1 ? "section" : "sections"} ${names} of ${path} ${edited.length === 1 ? "was" : "were"} edited by hand, and merging would overwrite that text. Move your text outside the section (or into the data block) or delete the section; nothing was merged and the file was kept.`,
			{ path },
		);
	}
}

/** A string from the data (the model's, or the clinician's edit) as one line of inert markdown. */
function oneLine(text: string): string {
	return inert(text);
}

function link(links: LinkMaker, note: string, date: string): string {
	return `[[${links.storePath(note)}|${date}]]`;
}

function renderPart(p: Part, parts: readonly Part[], links: LinkMaker): string {
	const resolve = partResolver(parts);
	const names = (refs: string[]) =>
		refs
			.map((r) => resolve(r)?.name ?? r)
			.map(oneLine)
			.join(", ");
	const lines = [`### ${oneLine(p.name)}`, "", `- Kind: ${p.kind}; status: ${p.status}`];
	if (p.aliases.length > 0) lines.push(`- Also called: ${p.aliases.map(oneLine).join(", ")}`);
	if (p.role) lines.push(`- Role: ${oneLine(p.role)}`);
	if (p.origin) lines.push(`- Age or origin: ${oneLine(p.origin)}`);
	if (p.burdens.length > 0) lines.push(`- Burdens: ${p.burdens.map(oneLine).join("; ")}`);
	if (p.fears.length > 0) lines.push(`- Fears: ${p.fears.map(oneLine).join("; ")}`);
	if (p.protects.length > 0) lines.push(`- Protects: ${names(p.protects)}`);
	const protectedBy = parts.filter((q) => q.protects.some((r) => resolve(r)?.id === p.id));
	if (protectedBy.length > 0) lines.push(`- Protected by: ${protectedBy.map((q) => oneLine(q.name)).join(", ")}`);
	if (p.polarized_with.length > 0) lines.push(`- Polarized with: ${names(p.polarized_with)}`);
	if (p.allied_with.length > 0) lines.push(`- Allied with: ${names(p.allied_with)}`);
	if (p.first_seen)
		lines.push(
			`- First seen: ${link(links, p.first_seen.note, p.first_seen.date)}${p.last_seen ? `; last seen: ${link(links, p.last_seen.note, p.last_seen.date)}` : ""}`,
		);
	if (p.notes) lines.push(`- Notes: ${oneLine(p.notes)}`);
	if (p.history.length > 0) {
		lines.push("", "History:", "");
		for (const h of p.history) lines.push(`- ${link(links, h.note, h.date)}: ${oneLine(h.change)}`);
	}
	return lines.join("\n");
}

export function renderRegion(name: RegionName, map: PartsMap, links: LinkMaker): string {
	switch (name) {
		case "diagram":
			return `\`\`\`mermaid\n${renderMermaid(map.parts)}\n\`\`\`\n`;
		case "parts":
			return map.parts.length === 0 ? "No parts recorded yet.\n" : `${map.parts.map((p) => renderPart(p, map.parts, links)).join("\n\n")}\n`;
		case "self-energy": {
			const rows = map.sessions.filter((s) => s.self_energy !== undefined);
			if (rows.length === 0) return "No Self-energy recorded yet.\n";
			const head = `| Session | ${SELF_QUALITIES.map((q) => q[0]!.toUpperCase() + q.slice(1)).join(" | ")} |`;
			const rule = `| --- | ${SELF_QUALITIES.map(() => ":---:").join(" | ")} |`;
			const body = rows.map(
				(s) =>
					`| ${link(links, s.note, s.date).replace("|", "\\|")} | ${SELF_QUALITIES.map((q) => (s.self_energy!.includes(q) ? "✓" : "")).join(" | ")} |`,
			);
			return `${[head, rule, ...body].join("\n")}\n`;
		}
	}
}

function region(name: RegionName, content: string): string {
	return `<!-- cv:generated ${name} ${regionHash(content)} -->\n${content}${REGION_END}`;
}

function yamlOf(map: PartsMap, previous: Document | null): string {
	if (previous === null || !isMap(previous.contents)) return new Document(map).toString({ lineWidth: 0 });
	sync(previous, previous.contents, map);
	return previous.toString({ lineWidth: 0 });
}

/** Makes the yaml node hold `value`, keeping the nodes (and their comments) whose values stay. */
function sync(doc: Document, node: unknown, value: unknown): unknown {
	if (isMap(node) && value !== null && typeof value === "object" && !Array.isArray(value)) {
		const entries = value as Record<string, unknown>;
		for (const pair of [...node.items]) {
			const key = isScalar(pair.key) ? pair.key.value : pair.key;
			if (typeof key !== "string" || !(key in entries) || entries[key] === undefined) node.delete(pair.key);
		}
		for (const [key, v] of Object.entries(entries)) {
			if (v === undefined) continue;
			const existing = node.get(key, true);
			node.set(key, existing === undefined ? doc.createNode(v) : sync(doc, existing, v));
		}
		return node;
	}
	if (isSeq(node) && Array.isArray(value)) {
		node.items.splice(value.length);
		value.forEach((v, i) => {
			const existing = node.items[i];
			node.items[i] = existing === undefined ? doc.createNode(v) : sync(doc, existing, v);
		});
		return node;
	}
	if (isScalar(node) && (value === null || typeof value !== "object")) {
		if (node.value !== value) node.value = value;
		return node;
	}
	return doc.createNode(value);
}

/** A new page for a map. */
export function newPage(map: PartsMap, links: LinkMaker, updated: string): string {
	const front = ["---", `client: ${map.client}`, `type: ${PAGE_TYPE}`, "version: 1", `updated: ${updated}`, "---"].join("\n");
	const sections = [
		`# Parts map: ${map.client}`,
		"Your own notes can go anywhere on this page outside the generated sections (between the cv:generated and cv:end comments), which are rewritten from the data block at the end.",
		`## Diagram\n\n${region("diagram", renderRegion("diagram", map, links))}`,
		`## Parts\n\n${region("parts", renderRegion("parts", map, links))}`,
		`## Self-energy\n\n${region("self-energy", renderRegion("self-energy", map, links))}`,
		`## Data\n\n${DATA_MARK}\n\`\`\`yaml\n${yamlOf(map, null)}\`\`\``,
	];
	return `${front}\n${sections.join("\n\n")}\n`;
}

/**
 * The page with `map` written into it: the generated regions and the yaml block replaced, the
 * frontmatter's `updated:` line set, every other byte kept. Regions that were deleted are added
 * again before the data block.
 */
export function updatePage(page: ParsedPage, map: PartsMap, links: LinkMaker, updated: string): string {
	const text = page.text;
	type Edit = { start: number; end: number; text: string };
	const edits: Edit[] = [];
	for (const r of page.regions) {
		if (!(REGIONS as readonly string[]).includes(r.name)) continue;
		edits.push({ start: r.start, end: r.end, text: region(r.name as RegionName, renderRegion(r.name as RegionName, map, links)) });
	}
	const missing = REGIONS.filter((n) => !page.regions.some((r) => r.name === n));
	const dataMark = text.lastIndexOf("<!-- cv:data", page.yaml.start);
	if (missing.length > 0) edits.push({ start: dataMark, end: dataMark, text: missing.map((n) => `${region(n, renderRegion(n, map, links))}\n\n`).join("") });
	edits.push({ start: page.yaml.start, end: page.yaml.end, text: yamlOf(map, page.yaml.document) });
	const front = findFrontmatter(text);
	if (front) {
		const updatedLine = /^updated:.*$/m.exec(front.yaml);
		const at = front.yamlStart + (updatedLine?.index ?? front.yaml.length);
		// An emptied block (---, ---): the line goes before the closing ---, not onto it.
		edits.push(
			updatedLine
				? { start: at, end: at + updatedLine[0].length, text: `updated: ${updated}` }
				: front.yaml === ""
					? { start: at, end: at, text: `updated: ${updated}${front.lineEnd}` }
					: { start: at, end: at, text: `${front.lineEnd}updated: ${updated}` },
		);
	}
	let out = text;
	for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
	return out;
}
