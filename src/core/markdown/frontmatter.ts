/** YAML frontmatter of record notes, read and written with the `yaml` package. */
import { parse, stringify } from "yaml";
import { ClinicalVaultError } from "../errors";

export interface Frontmatter {
	data: Record<string, unknown>;
	body: string;
}

const BLOCK = /^---\r?\n([\s\S]*?)\r?\n---(?:\r?\n|$)/;

/** The frontmatter block at the start of a text, its `---` lines included ("" when there is none); not parsed. */
export function frontmatterBlock(text: string): string {
	return BLOCK.exec(text)?.[0] ?? "";
}

export function splitFrontmatter(text: string, where = "the note"): Frontmatter {
	const match = BLOCK.exec(text);
	if (!match) return { data: {}, body: text };
	let data: unknown;
	try {
		data = parse(match[1] ?? "");
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
	return { data: (data ?? {}) as Record<string, unknown>, body: text.slice(match[0].length) };
}

export function joinFrontmatter(data: Record<string, unknown>, body: string): string {
	return `---\n${stringify(data).trimEnd()}\n---\n${body}`;
}
