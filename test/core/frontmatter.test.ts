/**
 * The one reading of a `---` frontmatter block (src/core/markdown/frontmatter.ts findFrontmatter),
 * which notes, plans, parts maps, profiles and consent all use: LF and CRLF line ends, a block at
 * the end of the text, and texts without one.
 */
import { describe, expect, it } from "vitest";
import { findFrontmatter, frontmatterBlock, splitFrontmatter } from "../../src/core/markdown/frontmatter";
import { parseProfile } from "../../src/core/record/profile";

describe("frontmatter", () => {
	it("finds the block, the YAML inside and where it starts, with LF or CRLF line ends", () => {
		expect(findFrontmatter("---\nstatus: draft\n---\n# Note\n")).toEqual({ block: "---\nstatus: draft\n---\n", yaml: "status: draft", yamlStart: 4 });
		const crlf = "---\r\nstatus: draft\r\n---\r\n# Note\r\n";
		const found = findFrontmatter(crlf);
		expect(found).toEqual({ block: "---\r\nstatus: draft\r\n---\r\n", yaml: "status: draft", yamlStart: 5 });
		expect(crlf.slice(found!.yamlStart, found!.yamlStart + found!.yaml.length)).toBe("status: draft");
		expect(findFrontmatter("---\nstatus: signed\n---")?.yaml).toBe("status: signed");
		// A hand-edited closing line with trailing spaces still closes the block.
		expect(findFrontmatter("---\nstatus: draft\n--- \t\nBody\n")).toEqual({ block: "---\nstatus: draft\n--- \t\n", yaml: "status: draft", yamlStart: 4 });
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
