/**
 * A note's markdown body as simple blocks (headings, paragraphs, list items), for the plain-text and
 * PDF exports. The inline rules are Copy for EHR's (src/core/notes/signing.ts copyForEhr): review
 * markers stripped, callout headers dropped and their content unquoted, bold/italic/highlight and
 * wiki-link syntax removed. Exports also drop HTML comments (the parts map's generated-region
 * markers) and turn markdown links into "text (address)".
 */
import { stripReviewMarkers } from "../drafting/safeguards";

export type Block =
	| { type: "heading"; level: number; text: string }
	| { type: "paragraph"; text: string }
	| { type: "item"; marker: string; indent: number; text: string }
	| { type: "blank" };

export function inline(text: string): string {
	return text
		.replace(/\*\*([^*]+)\*\*/g, "$1")
		.replace(/__([^_]+)__/g, "$1")
		.replace(/(^|[^*])\*([^*\s][^*]*)\*/g, "$1$2")
		.replace(/==([^=]+)==/g, "$1")
		.replace(/!?\[\[([^\]|]+)\|([^\]]+)\]\]/g, "$2")
		.replace(/!?\[\[([^\]]+)\]\]/g, "$1")
		.replace(/!?\[([^\]]*)\]\(([^)\s]+)\)/g, (_, label: string, url: string) => (label === "" || label === url ? url : `${label} (${url})`))
		.replace(/`([^`]+)`/g, "$1")
		.replace(/\\([!-/:-@[-`{-~])/g, "$1")
		.replace(/[ \t]+$/, "");
}

/** The body's blocks; consecutive prose lines are one paragraph. */
export function toBlocks(body: string): Block[] {
	const text = stripReviewMarkers(body).replace(/<!--[\s\S]*?-->/g, "");
	const blocks: Block[] = [];
	let paragraph: string[] = [];
	const flush = () => {
		if (paragraph.length > 0) blocks.push({ type: "paragraph", text: paragraph.join(" ") });
		paragraph = [];
	};
	let fence: string | null = null;
	const lines = text.split(/\r?\n/);
	for (const [index, raw] of lines.entries()) {
		const fenceLine = /^\s*```\s*(\S*)/.exec(raw);
		if (fenceLine) {
			if (fence === null) {
				// A fence that is never closed opens nothing: what follows it is exported as text.
				if (!lines.slice(index + 1).some((l) => /^\s*```/.test(l))) continue;
				fence = fenceLine[1]!;
				// A chart cannot be drawn in plain text or this PDF: say where its numbers are.
				if (fence === "mermaid") {
					flush();
					blocks.push({ type: "paragraph", text: "(A chart is shown here in Clinical Vault; its numbers are in the table.)" });
				}
			} else fence = null;
			continue;
		}
		if (fence === "mermaid") continue;
		if (/^\s*>\s*\[!/.test(raw)) continue;
		// A table row on its own line, cells separated by " | "; the separator row is left out.
		if (fence === null && /^\s*\|.*\|\s*$/.test(raw)) {
			flush();
			if (!/^\s*\|(\s*:?-{3,}:?\s*\|)+\s*$/.test(raw)) {
				// Cells split at unescaped pipes only: text rendered inert writes "\\|" for a pipe of its own.
				const cells = raw
					.trim()
					.slice(1, -1)
					.split(/(?<!\\)\|/)
					.map((c) => inline(c.trim()));
				blocks.push({ type: "paragraph", text: cells.join(" | ") });
			}
			continue;
		}
		const line = raw.replace(/^\s*>\s?/, "");
		const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
		const item = /^(\s*)([-*+]|\d+[.)])\s+(.*)$/.exec(line);
		if (line.trim() === "" || /^\s*(?:-{3,}|\*{3,}|_{3,})\s*$/.test(line)) {
			flush();
			if (blocks.length > 0 && blocks[blocks.length - 1]!.type !== "blank") blocks.push({ type: "blank" });
		} else if (heading) {
			flush();
			blocks.push({ type: "heading", level: heading[1]!.length, text: inline(heading[2]!) });
		} else if (item) {
			flush();
			const marker = /^\d/.test(item[2]!) ? item[2]! : "-";
			blocks.push({
				type: "item",
				marker,
				indent: Math.floor(item[1]!.replace(/\t/g, "    ").length / 2),
				text: inline(item[3]!.replace(/^\[[ xX]\]\s+/, "")),
			});
		} else {
			paragraph.push(inline(line.trim()));
		}
	}
	flush();
	while (blocks.length > 0 && blocks[blocks.length - 1]!.type === "blank") blocks.pop();
	return blocks;
}

/** Blocks as plain text: headings in capitals with a blank line around them, list items "- ". */
export function blocksToText(blocks: readonly Block[]): string {
	const out: string[] = [];
	for (const b of blocks) {
		if (b.type === "blank") {
			if (out.length > 0 && out[out.length - 1] !== "") out.push("");
		} else if (b.type === "heading") {
			if (out.length > 0 && out[out.length - 1] !== "") out.push("");
			out.push(b.level <= 2 ? b.text.toUpperCase() : b.text);
			out.push("");
		} else if (b.type === "item") out.push(`${"  ".repeat(b.indent)}${b.marker} ${b.text}`);
		else out.push(b.text);
	}
	return `${out
		.join("\n")
		.replace(/\n{3,}/g, "\n\n")
		.trim()}\n`;
}
