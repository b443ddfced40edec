/**
 * The CLI's `export` and `deidentify` on real temporary vaults: happy paths, mode 0600,
 * refusing to overwrite without --force, refusing an --out inside the vault, the draft and
 * psychotherapy refusals, and `deidentify` without a terminal and without --yes (exit 2, nothing
 * written, the report printed).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { cli, makeVault, removeDir, writeTemp, type TestVault } from "../cli/support";
import { SESSION_2 } from "../support/scenario";

let v: TestVault;
const CODE = "C-0417";
const NOTE = `${CODE}/notes/2026-06-16.md`;
const DRAFT = `${CODE}/notes/2026-06-23.md`;
const PSY = `${CODE}/psychotherapy/2026-06-16.md`;

async function put(recordPath: string, text: string): Promise<void> {
	const r = await cli(["put", v.vault, recordPath, "--replace"], { input: text });
	if (r.code !== 0) throw new Error(`put failed: ${r.stderr}`);
}

beforeAll(async () => {
	v = await makeVault([CODE]);
	await put(
		`${CODE}/profile.md`,
		`---\ncode: ${CODE}\nname: Jordan Avery\ncreated: 2026-06-01T09:00:00.000Z\ndetails:\n  phone: (555) 013-4477\n  employer: Brightline Logistics\n---\n# Client profile\n`,
	);
	await put(
		NOTE,
		SESSION_2.text
			.replace(/^(status|signed_by|signed_at): .*\n/gm, "")
			.replace("## Data\n", "## Data\nJordan called from (555) 013-4477 after a shift at Brightline Logistics. "),
	);
	const signed = await cli(["sign", v.vault, NOTE, "--signer", "Dr. Test Clinician"]);
	if (signed.code !== 0) throw new Error(signed.stderr);
	await put(DRAFT, "---\nnote_type: session\n---\n## Data\nJordan's sister Priya Nandakumar visited.\n");
	await put(PSY, "---\nnote_type: psychotherapy\n---\nProcess note.\n");
	const psySigned = await cli(["sign", v.vault, PSY, "--signer", "Dr. Test Clinician"]);
	if (psySigned.code !== 0) throw new Error(psySigned.stderr);
}, 120_000);
afterAll(async () => {
	await removeDir(v.dir);
});

async function auditExports(): Promise<string> {
	const r = await cli(["audit", v.vault]);
	return r.out
		.split("\n")
		.filter((l) => l.includes("export"))
		.join("\n");
}

describe("clinical-vault export", () => {
	it("writes a signed note as text with mode 0600, warns that it is not encrypted, and refuses to overwrite without --force", async () => {
		const out = join(v.dir, "note.txt");
		const r = await cli(["export", v.vault, NOTE, "--out", out]);
		expect(r.code, r.stderr).toBe(0);
		expect(r.out).toContain(`Exported ${NOTE} to ${out} (plain text)`);
		expect(r.stderr).toContain("Warning: The exported file is NOT encrypted");
		expect((await stat(out)).mode & 0o777).toBe(0o600);
		const text = await readFile(out, "utf8");
		expect(text).toContain("Signed by: Dr. Test Clinician");
		expect(text).toContain("Client completed the homework on four of seven days");

		const again = await cli(["export", v.vault, NOTE, "--out", out, "--pdf"]);
		expect(again.code).toBe(1);
		expect(again.stderr).toContain("already exists; nothing was written");
		expect(await readFile(out, "utf8")).toBe(text);

		const forced = await cli(["export", v.vault, NOTE, "--out", out, "--pdf", "--force"]);
		expect(forced.code, forced.stderr).toBe(0);
		expect((await readFile(out)).subarray(0, 5).toString()).toBe("%PDF-");
		expect((await stat(out)).mode & 0o777).toBe(0o600);
		expect(execFileSync("pdftotext", [out, "-"], { encoding: "utf8" })).toContain("this file is not encrypted");
		expect(await auditExports()).toMatch(/export[\s\S]*plain text, signed[\s\S]*export[\s\S]*pdf \(a4\), signed/);
	});

	it("refuses drafts and psychotherapy notes unless asked, and an --out inside the vault", async () => {
		const out = join(v.dir, "refused.txt");
		const draft = await cli(["export", v.vault, DRAFT, "--out", out]);
		expect(draft.code).toBe(1);
		expect(draft.stderr).toContain("is not signed");
		const psy = await cli(["export", v.vault, PSY, "--out", out]);
		expect(psy.code).toBe(1);
		expect(psy.stderr).toContain("psychotherapy note");
		const inside = await cli(["export", v.vault, NOTE, "--out", join(v.vault, "note.txt")]);
		expect(inside.code).toBe(2);
		expect(inside.stderr).toContain("inside the vault");
		expect(existsSync(out)).toBe(false);
		expect(existsSync(join(v.vault, "note.txt"))).toBe(false);

		const asDraft = await cli(["export", v.vault, DRAFT, "--out", out, "--draft"]);
		expect(asDraft.code, asDraft.stderr).toBe(0);
		expect((await readFile(out, "utf8")).startsWith("DRAFT — NOT SIGNED\n")).toBe(true);
		const psyOut = join(v.dir, "psy.txt");
		const included = await cli(["export", v.vault, PSY, "--out", psyOut, "--include-psychotherapy"]);
		expect(included.code, included.stderr).toBe(0);
		expect(await readFile(psyOut, "utf8")).toContain("Process note.");
	});
});

describe("clinical-vault deidentify", () => {
	it("without a terminal and without --yes prints the report, writes nothing and exits 2", async () => {
		const out = join(v.dir, "deid-refused.txt");
		const r = await cli(["deidentify", v.vault, NOTE, "--out", out]);
		expect(r.code).toBe(2);
		expect(r.stderr).toContain('C-0417             ← "Jordan Avery" (client, 1×; also as "Jordan")');
		expect(r.stderr).toContain('[phone]            ← "(555) 013-4477" (phone, 1×)');
		expect(r.stderr).toContain("Known limits:");
		expect(r.stderr).toContain("no terminal to confirm at");
		expect(existsSync(out)).toBe(false);
	});

	it("with --yes writes the de-identified file (0600), audit-logged, and refuses to overwrite without --force", async () => {
		const out = join(v.dir, "deid.txt");
		const r = await cli(["deidentify", v.vault, NOTE, "--out", out, "--yes"]);
		expect(r.code, r.stderr).toBe(0);
		expect(r.stderr).toContain("Warning: The exported file is NOT encrypted");
		expect((await stat(out)).mode & 0o777).toBe(0o600);
		const text = await readFile(out, "utf8");
		expect(text.split("\n")[0]).toBe("De-identified for supervision/consultation; check before sharing");
		expect(text).toContain("C-0417 called from [phone] after a shift at [employer].");
		expect(text).not.toMatch(/Jordan|555|Brightline|2026-06-16/);
		expect(text).toContain("IFS-INFORMED DAP NOTE: C-0417, SESSION 2, [date]");
		expect(text).toContain("Little One");
		expect(await auditExports()).toContain("de-identified plain text, 4 replacement(s)");

		const again = await cli(["deidentify", v.vault, DRAFT, "--out", out, "--yes"]);
		expect(again.code).toBe(1);
		expect(await readFile(out, "utf8")).toBe(text);
		const forced = await cli(["deidentify", v.vault, DRAFT, "--out", out, "--yes", "--force"]);
		expect(forced.code, forced.stderr).toBe(0);
		expect(await readFile(out, "utf8")).toContain("C-0417's sister [person 1] visited.");
	});

	it("refuses a psychotherapy note unless included", async () => {
		const out = await writeTemp(v.dir, "placeholder", "");
		const r = await cli(["deidentify", v.vault, PSY, "--out", `${out}-psy`, "--yes"]);
		expect(r.code).toBe(1);
		expect(r.stderr).toContain("psychotherapy note");
		expect(existsSync(`${out}-psy`)).toBe(false);
	});
});
