/**
 * Export of signed notes on a real encrypted record: plain text (header, no markdown noise), PDF
 * (page 1 rendered to PNG with pdftoppm, text extracted with pdftotext), the draft policy (refused,
 * or DRAFT on every page when asked), psychotherapy notes (refused unless included for this one
 * export), integrity (a changed signed text is refused), the audit entry, and the de-identified
 * export of a scenario note.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { ManualClock } from "../../src/core/clock";
import { signNote } from "../../src/core/notes/signing";
import { exportDocument, UNENCRYPTED_WARNING } from "../../src/core/export/exportDocument";
import { DEIDENTIFIED_HEADER, prepareDeidentified, recordDeidentifiedExport } from "../../src/core/export/deidentified";
import { SCENARIO_CLIENT, SCENARIO_NAME, SESSION_2, SESSION_3 } from "../support/scenario";

let dir: string;
let record: ClinicalRecord;

/** A scenario note as a draft: its frontmatter without the signature fields. */
function unsigned(text: string): string {
	return text.replace(/^(status|signed_by|signed_at): .*\n/gm, "");
}

const PSYCHOTHERAPY_PATH = `${SCENARIO_CLIENT}/psychotherapy/2026-06-16.md`;
const PSYCHOTHERAPY_NOTE = `---\nclient: ${SCENARIO_CLIENT}\nnote_type: psychotherapy\n---\n# Process note\n\nMy own reactions: felt protective when the exile appeared.\n`;

beforeEach(async () => {
	dir = await mkdtemp(join(tmpdir(), "cv-export-"));
	record = new ClinicalRecord({ store: new NodeFsStore(join(dir, "vault")), clock: new ManualClock("2026-07-06T09:00:00Z") });
	await record.init("correct horse battery", { kdf: floorKdfParams() });
	await record.addClient({ code: SCENARIO_CLIENT, name: SCENARIO_NAME, modality: "ifs" });
	await record.writeText(SESSION_2.recordPath, unsigned(SESSION_2.text));
	await signNote(record, SESSION_2.recordPath, { signer: "Dr. Test Clinician", now: new Date("2026-06-16T18:00:00Z") });
	await record.writeText(SESSION_3.recordPath, unsigned(SESSION_3.text));
	await record.writeText(PSYCHOTHERAPY_PATH, PSYCHOTHERAPY_NOTE);
	await signNote(record, PSYCHOTHERAPY_PATH, { signer: "Dr. Test Clinician", now: new Date("2026-06-16T18:30:00Z") });
});
afterEach(async () => {
	await rm(dir, { recursive: true, force: true });
});

const squash = (text: string) => text.replace(/\s+/g, " ");

async function exports() {
	return (await record.audit.entries()).filter((e) => e.action === "export");
}

describe("export as plain text", () => {
	it("writes a header block instead of frontmatter and no markdown syntax", async () => {
		const { bytes, warnings, signed } = await exportDocument(record, SESSION_2.recordPath, { format: "text" });
		const text = new TextDecoder().decode(bytes);
		expect(signed).toBe(true);
		expect(warnings).toContain(UNENCRYPTED_WARNING);
		const sha = /content_sha256: ([0-9a-f]{64})/.exec(await record.readText(SESSION_2.recordPath, "internal"))![1]!;
		expect(text.split("\n").slice(0, 8)).toEqual([
			`Record file: ${SESSION_2.recordPath}`,
			`Client: ${SCENARIO_CLIENT}`,
			"Date: 2026-06-16",
			"Type: session, session 2",
			"Signed by: Dr. Test Clinician",
			"Signed at: 2026-06-16T18:00:00.000Z",
			`Content SHA-256: ${sha}`,
			"Exported: 2026-07-06T09:00:00.000Z",
		]);
		expect(text).toContain("PARTS PRESENT\n\n- The Critic (manager): protects Little One");
		expect(text).toContain("Client completed the homework on four of seven days and brought the log.");
		expect(text).not.toMatch(/^---$|^#|\*\*|\[\[|status: signed/m);
		expect(text.trimEnd().split("\n").pop()).toBe("Confidential: exported from Clinical Vault on 2026-07-06 — this file is not encrypted");
	});

	it("audit-logs the export with path and format, never content", async () => {
		await exportDocument(record, SESSION_2.recordPath, { format: "text" });
		const entries = await exports();
		expect(entries).toHaveLength(1);
		expect(entries[0]).toMatchObject({ path: SESSION_2.recordPath, note: "plain text, signed" });
		expect(JSON.stringify(entries[0])).not.toContain("homework");
	});
});

describe("export as PDF", () => {
	it("opens: page 1 renders to a PNG and its text holds the note's sentences, header and footer", async () => {
		const { bytes, warnings } = await exportDocument(record, SESSION_2.recordPath, { format: "pdf" });
		expect(warnings).toEqual([UNENCRYPTED_WARNING]);
		expect(Buffer.from(bytes.subarray(0, 5)).toString()).toBe("%PDF-");
		const pdf = join(dir, "note.pdf");
		await writeFile(pdf, bytes);

		execFileSync("pdftoppm", ["-png", "-r", "50", "-f", "1", "-l", "1", "-singlefile", pdf, join(dir, "page1")]);
		const png = await readFile(join(dir, "page1.png"));
		expect(png.subarray(1, 4).toString()).toBe("PNG");
		expect(png.length).toBeGreaterThan(5000);
		expect((await stat(join(dir, "page1.png"))).size).toBe(png.length);

		const all = squash(execFileSync("pdftotext", [pdf, "-"], { encoding: "utf8" }));
		const page1 = squash(execFileSync("pdftotext", ["-f", "1", "-l", "1", pdf, "-"], { encoding: "utf8" }));
		expect(page1).toContain(`Client: ${SCENARIO_CLIENT}`);
		expect(page1).toContain("Signed by: Dr. Test Clinician");
		expect(page1).toContain("Client completed the homework on four of seven days and brought the log.");
		expect(page1).toContain("Confidential: exported from Clinical Vault on 2026-07-06 — this file is not encrypted");
		expect(page1).toMatch(/Page 1 of \d/);
		expect(all).toContain("Permission from the Critic; client accessed the exile Little One and began witnessing the memory of the father leaving.");
		expect(all).toContain("Homework: a short daily check-in with Little One.");
		expect(all).not.toContain("DRAFT");
	});

	it("does not crash on characters outside the standard font, and says so", async () => {
		const path = `${SCENARIO_CLIENT}/documents/letter.md`;
		await record.writeText(path, "# Letter\n\nZoë → Łódź ≥ 3 ✓ 日本 “quoted” café\n");
		await signNote(record, path, { signer: "Dr. Test Clinician", now: new Date("2026-07-01T10:00:00Z") });
		const { bytes, warnings } = await exportDocument(record, path, { format: "pdf", paper: "letter" });
		expect(warnings.join(" ")).toMatch(/characters? outside the PDF's standard font .*U\+65E5 U\+672C shown as "\?"/);
		const pdf = join(dir, "letter.pdf");
		await writeFile(pdf, bytes);
		expect(squash(execFileSync("pdftotext", [pdf, "-"], { encoding: "utf8" }))).toContain("Zoë -> Lódz >= 3 v ?? “quoted” café");
		expect(execFileSync("pdfinfo", [pdf], { encoding: "utf8" })).toMatch(/Page size:\s+612 x 792/);
	});
});

describe("what an export refuses", () => {
	it("refuses an unsigned note by default and marks it DRAFT on every page when asked", async () => {
		await expect(exportDocument(record, SESSION_3.recordPath, { format: "pdf" })).rejects.toMatchObject({ code: "refused" });
		await expect(exportDocument(record, SESSION_3.recordPath, { format: "text" })).rejects.toThrow(
			/is not signed\. Sign it first, or export it as a draft/,
		);
		expect(await exports()).toHaveLength(0);

		const { bytes, signed } = await exportDocument(record, SESSION_3.recordPath, { format: "pdf", allowDraft: true });
		expect(signed).toBe(false);
		const pdf = join(dir, "draft.pdf");
		await writeFile(pdf, bytes);
		const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync("pdfinfo", [pdf], { encoding: "utf8" }))![1]);
		expect(pages).toBeGreaterThanOrEqual(1);
		for (let p = 1; p <= pages; p++) {
			expect(execFileSync("pdftotext", ["-f", String(p), "-l", String(p), pdf, "-"], { encoding: "utf8" })).toContain("DRAFT — NOT SIGNED");
		}
		const text = new TextDecoder().decode((await exportDocument(record, SESSION_3.recordPath, { format: "text", allowDraft: true })).bytes);
		expect(text.split("\n")[0]).toBe("DRAFT — NOT SIGNED");
		expect((await exports()).map((e) => e.note)).toEqual(["pdf (a4), draft", "plain text, draft"]);
	});

	it("refuses a psychotherapy note unless it is included for this one export", async () => {
		for (const format of ["text", "pdf"] as const) {
			await expect(exportDocument(record, PSYCHOTHERAPY_PATH, { format })).rejects.toMatchObject({ code: "refused" });
			await expect(exportDocument(record, PSYCHOTHERAPY_PATH, { format })).rejects.toThrow(/is a psychotherapy note/);
		}
		await expect(prepareDeidentified(record, PSYCHOTHERAPY_PATH)).rejects.toMatchObject({ code: "refused" });
		expect(await exports()).toHaveLength(0);
		const text = new TextDecoder().decode((await exportDocument(record, PSYCHOTHERAPY_PATH, { format: "text", includePsychotherapy: true })).bytes);
		expect(text).toContain("Psychotherapy note: included explicitly for this export");
		expect(text).toContain("My own reactions: felt protective when the exile appeared.");
		expect((await exports())[0]!.note).toBe("plain text, signed, psychotherapy note included explicitly");
	});

	it("refuses a psychotherapy note marked only by its frontmatter", async () => {
		const path = `${SCENARIO_CLIENT}/notes/2026-06-17.md`;
		await record.writeText(path, PSYCHOTHERAPY_NOTE);
		await signNote(record, path, { signer: "Dr. Test Clinician", now: new Date("2026-06-17T10:00:00Z") });
		await expect(exportDocument(record, path, { format: "text" })).rejects.toMatchObject({ code: "refused" });
	});

	it("refuses a signed note whose text changed, and files that are not notes", async () => {
		const text = await record.readText(SESSION_2.recordPath, "internal");
		await record.writeText(SESSION_2.recordPath, text.replace("four of seven days", "five of seven days"));
		await expect(exportDocument(record, SESSION_2.recordPath, { format: "text", allowDraft: true })).rejects.toMatchObject({ code: "integrity" });
		await record.writeText(`${SCENARIO_CLIENT}/audio/x.wav`, new TextEncoder().encode("RIFF").toString());
		await expect(exportDocument(record, `${SCENARIO_CLIENT}/audio/x.wav`, { format: "text" })).rejects.toMatchObject({ code: "invalid-input" });
		expect(await exports()).toHaveLength(0);
	});
});

describe("de-identified export of a record note", () => {
	it("uses the profile, keeps part names, and audit-logs only once the export is confirmed", async () => {
		const path = `${SCENARIO_CLIENT}/notes/2026-07-01.md`;
		await record.writeText(
			path,
			`---\nclient: ${SCENARIO_CLIENT}\nsession_number: 5\nnote_type: session\n---\n## Data\nRobin said the Critic got loud when Robin's partner Alex Moreno drove from Dayton on 2026-06-28.\n`,
		);
		const prepared = await prepareDeidentified(record, path);
		expect(prepared.text.split("\n").slice(0, 4)).toEqual([
			DEIDENTIFIED_HEADER,
			`Client: ${SCENARIO_CLIENT}`,
			"Type: session, session 5",
			"Status: draft (not signed)",
		]);
		expect(prepared.text).toContain(
			`${SCENARIO_CLIENT} said the Critic got loud when ${SCENARIO_CLIENT}'s partner [person 1] drove from [place] on [date].`,
		);
		expect(prepared.text).not.toMatch(/Robin|Alex|Moreno|Dayton|2026-06-28/);
		expect(await exports()).toHaveLength(0);
		await recordDeidentifiedExport(record, path, prepared);
		expect((await exports())[0]).toMatchObject({ path, note: "de-identified plain text, 5 replacement(s)" });
	});
});

describe("plain blocks from generated pages", () => {
	it("a mermaid fence that is never closed hides nothing after it; table cells split at unescaped pipes only", async () => {
		const { blocksToText, toBlocks } = await import("../../src/core/export/plain");
		const text = blocksToText(toBlocks("Intro\n```mermaid\ngraph TD\n\n## Plan\nSafety plan reviewed."));
		expect(text).toContain("Safety plan reviewed.");
		expect(text).not.toContain("A chart is shown here");
		const closed = blocksToText(toBlocks("Intro\n```mermaid\ngraph TD\n```\nAfter."));
		expect(closed).toContain("(A chart is shown here in Clinical Vault; its numbers are in the table.)");
		expect(closed).toContain("After.");
		expect(closed).not.toContain("graph TD");
		expect(blocksToText(toBlocks("| Date | Band |\n| --- | --- |\n| 2026-09-01 | Low \\| fine |\n"))).toBe("Date | Band\n2026-09-01 | Low | fine\n");
	});
});
