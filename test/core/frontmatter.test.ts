/**
 * The one reading of a `---` frontmatter block (src/core/markdown/frontmatter.ts findFrontmatter),
 * which notes, plans, parts maps, profiles and consent all use: LF and CRLF line ends, a block at
 * the end of the text, and texts without one.
 */
import { describe, expect, it } from "vitest";
import { findFrontmatter, frontmatterBlock, splitFrontmatter } from "../../src/core/markdown/frontmatter";
import type { PlannedImport } from "../../src/core/import/importPlan";
import { noteText } from "../../src/core/import/runImport";
import { parseProfile } from "../../src/core/record/profile";

describe("frontmatter", () => {
	it("finds the block, the YAML inside and where it starts, with LF or CRLF line ends", () => {
		expect(findFrontmatter("---\nstatus: draft\n---\n# Note\n")).toEqual({
			block: "---\nstatus: draft\n---\n",
			yaml: "status: draft",
			yamlStart: 4,
			lineEnd: "\n",
		});
		const crlf = "---\r\nstatus: draft\r\n---\r\n# Note\r\n";
		const found = findFrontmatter(crlf);
		expect(found).toEqual({ block: "---\r\nstatus: draft\r\n---\r\n", yaml: "status: draft", yamlStart: 5, lineEnd: "\r\n" });
		expect(crlf.slice(found!.yamlStart, found!.yamlStart + found!.yaml.length)).toBe("status: draft");
		expect(findFrontmatter("---\nstatus: signed\n---")?.yaml).toBe("status: signed");
		// A hand-edited closing line with trailing spaces still closes the block.
		expect(findFrontmatter("---\nstatus: draft\n--- \t\nBody\n")).toEqual({
			block: "---\nstatus: draft\n--- \t\n",
			yaml: "status: draft",
			yamlStart: 4,
			lineEnd: "\n",
		});
		// An empty block is a block, as in Obsidian: its lines are not body text.
		expect(findFrontmatter("---\n---\n# Note\n")).toEqual({ block: "---\n---\n", yaml: "", yamlStart: 4, lineEnd: "\n" });
		expect(splitFrontmatter("---\r\n---\r\n# Note\r\n")).toEqual({ data: {}, body: "# Note\r\n" });
	});

	it("an imported note keeps its own frontmatter and line ends when fields are added", () => {
		const item = { source: "notes/visit.md", date: "2026-05-04" } as PlannedImport;
		const now = new Date("2026-12-06T10:00:00Z");
		// Written on Windows: the fields go into its block, in CRLF, and nothing of the clinician's moves.
		expect(noteText("---\r\ntitle: Visit\r\n---\r\nBody\r\n", item, now)).toBe(
			"---\r\nsession_date: 2026-05-04\r\nimported: 2026-12-06T10:00:00.000Z\r\ntitle: Visit\r\n---\r\nBody\r\n",
		);
		expect(noteText("---\nsession_date: 2026-05-01\n---\nBody\n", item, now)).toBe(
			"---\nimported: 2026-12-06T10:00:00.000Z\nsession_date: 2026-05-01\n---\nBody\n",
		);
		expect(noteText("---\n---\nBody\n", item, now)).toBe("---\nsession_date: 2026-05-04\nimported: 2026-12-06T10:00:00.000Z\n---\nBody\n");
		expect(noteText("Body\n", item, now)).toBe("---\nsession_date: 2026-05-04\nimported: 2026-12-06T10:00:00.000Z\n---\nBody\n");
		expect(noteText("Body\r\n", item, now)).toBe("---\r\nsession_date: 2026-05-04\r\nimported: 2026-12-06T10:00:00.000Z\r\n---\r\nBody\r\n");
	});

	it("finds nothing where the text does not start with a block", () => {
		for (const text of ["", "# Note\n---\nstatus: x\n---\n", " ---\nstatus: x\n---\n", "---\nstatus: x\n"]) {
			expect(findFrontmatter(text), JSON.stringify(text)).toBeNull();
			expect(frontmatterBlock(text)).toBe("");
			expect(splitFrontmatter(text)).toEqual({ data: {}, body: text });
		}
	});

	it("reads a client profile through it", () => {
		expect(parseProfile("---\ncode: C-0142\nname: Synthetic Person\n---\n# Client profile\n", "C-0142/profile.md")).toMatchObject({
			code: "C-0142",
			name: "Synthetic Person",
		});
		expect(parseProfile("---\ncode: C-0142\nname: Synthetic Person\n--- \n# Client profile\n", "C-0142/profile.md")).toMatchObject({
			name: "Synthetic Person",
		});
		expect(() => parseProfile("# Client profile\n", "C-0142/profile.md")).toThrow("has no frontmatter block");
	});
});
