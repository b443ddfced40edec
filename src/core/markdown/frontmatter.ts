/** YAML frontmatter of record notes, read and written with the `yaml` package. */
import { parse, stringify } from "yaml";
import { ClinicalVaultError } from "../errors";

export interface Frontmatter {
	data: Record<string, unknown>;
	body: string;
}

const BLOCK = /^---\r?\n(?:([\s\S]*?)\r?\n)?---[ \t]*(?:\r?\n|$)/;

export interface FoundFrontmatter {
	/** The whole block, its `---` lines and the line end after the closing one included. */
	block: string;
	/** The YAML between the `---` lines, not parsed. */
	yaml: string;
	/** Where `yaml` starts in the text. */
	yamlStart: number;
	/** The block's line end (LF as we write it, CRLF if edited on Windows), for lines added to it. */
	lineEnd: "\n" | "\r\n";
}

/**
 * The frontmatter at the start of a text (LF or CRLF line ends; an empty block counts, as in
 * Obsidian), or null when there is none. The
 * one reading of the `---` block for notes, plans, parts maps, profiles and consent.
 */
export function findFrontmatter(text: string): FoundFrontmatter | null {
	const match = BLOCK.exec(text);
	if (!match) return null;
	const lineEnd = match[0].startsWith("---\r\n") ? "\r\n" : "\n";
	return { block: match[0], yaml: match[1] ?? "", yamlStart: 3 + lineEnd.length, lineEnd };
}

/** The frontmatter block at the start of a text, its `---` lines included ("" when there is none); not parsed. */
export function frontmatterBlock(text: string): string {
	return findFrontmatter(text)?.block ?? "";
}

export function splitFrontmatter(text: string, where = "the note"): Frontmatter {
	const found = findFrontmatter(text);
	if (!found) return { data: {}, body: text };
	let data: unknown;
	try {
		data = parse(found.yaml);
	} catch (error) {
		const line = (error as { linePos?: { line: number }[] }).linePos?.[0]?.line;
		throw new ClinicalVaultError(
			"invalid-input",
			`The frontmatter of ${where} is not valid YAML${line ? ` (line ${line + 1})` : ""}. Fix it; the file was left as it is.`,
			{
				detail: (error as Error).message,
			},
		);
	}
	if (data !== null && (typeof data !== "object" || Array.isArray(data))) {
		throw new ClinicalVaultError("invalid-input", `The frontmatter of ${where} must be a set of key: value lines.`);
	}
	return { data: (data ?? {}) as Record<string, unknown>, body: text.slice(found.block.length) };
}

export function joinFrontmatter(data: Record<string, unknown>, body: string): string {
	return `---\n${stringify(data).trimEnd()}\n---\n${body}`;
}
