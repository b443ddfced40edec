/**
 * `clinical-vault conflicts` through the CLI's run(argv, io) on a real temporary vault: a Syncthing
 * copy and an iCloud copy (an older encrypted version copied to the conflict name, as the tools do)
 * listed, shown line by line, resolved; a copy that does not decrypt refused with exit 4 and kept;
 * usage mistakes exit 2. Synthetic text only.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import { cli, makeVault, notePath, PASSPHRASE, removeDir, type TestVault } from "./support";

let v: TestVault;
const SYNCTHING = "Clinical/C-0142/notes/2026-09-01.md.sync-conflict-20261205-101010-ABCDEFG.cvault";
const ICLOUD = "Clinical/C-0142/notes/2026-09-02.md 2.cvault";
const GARBAGE = "Clinical/C-0142/notes/2026-09-03.md (LAPTOP's conflicted copy 2026-12-05).cvault";

beforeAll(async () => {
	v = await makeVault(["C-0142"]);
	const record = new ClinicalRecord({ store: new NodeFsStore(v.vault) });
	await record.unlock(PASSPHRASE);
	for (const [note, copy] of [
		["C-0142/notes/2026-09-01.md", SYNCTHING],
		["C-0142/notes/2026-09-02.md", ICLOUD],
	] as const) {
		await record.writeText(note, "# Session\nShared line\nWritten on the laptop\n");
		const older = await readFile(notePath(v.vault, note));
		await record.writeText(note, "# Session\nShared line\nWritten on the desktop\n");
		await writeFile(join(v.vault, copy), older);
	}
	await record.writeText("C-0142/notes/2026-09-03.md", "third\n");
	await writeFile(join(v.vault, GARBAGE), await readFile(notePath(v.vault, "C-0142/notes/2026-09-01.md")));
	await record.lock();
});
afterAll(async () => {
	if (v) await removeDir(v.dir);
});

describe("clinical-vault conflicts", () => {
	it("lists the copies with their tools and counts, as text and JSON", async () => {
		const list = await cli(["conflicts", v.vault]);
		expect(list.code).toBe(0);
		expect(list.out).toContain("Sync conflict copies: 3 (1 cannot be read)");
		expect(list.out).toContain(
			`  ${SYNCTHING}\n    for:     C-0142/notes/2026-09-01.md\n    made by: Syncthing (device ABCDEFG, 2026-12-05 10:10:10)\n    decrypts: yes`,
		);
		expect(list.out).toContain(`  ${ICLOUD}\n    for:     C-0142/notes/2026-09-02.md\n    made by: iCloud Drive\n    decrypts: yes`);
		expect(list.out).toMatch(/decrypts: NO, it was written for another file \(its header names C-0142\/notes\/2026-09-01\.md\) \(kept; never removed\)/);
		const json = await cli(["conflicts", v.vault, "--json"]);
		const parsed = JSON.parse(json.out) as {
			counts: { total: number; unreadable: number; byTool: Record<string, number> };
			conflicts: { tool: string; decrypts: boolean }[];
		};
		expect(parsed.counts).toEqual({ total: 3, unreadable: 1, byTool: { syncthing: 1, icloud: 1, dropbox: 1 } });
	});

	it("shows both versions line by line and resolves with --keep", async () => {
		const show = await cli(["conflicts", v.vault, "--show", SYNCTHING]);
		expect(show.code).toBe(0);
		expect(show.out).toContain("--- C-0142/notes/2026-09-01.md (the record file)");
		expect(show.out).toContain("  Shared line\n- Written on the desktop\n+ Written on the laptop\n");
		expect(existsSync(join(v.vault, SYNCTHING))).toBe(true);

		const both = await cli(["conflicts", v.vault, "--resolve", join(v.vault, SYNCTHING), "--keep", "both"]);
		expect(both.code).toBe(0);
		expect(both.out).toMatch(
			/^Resolved: kept both: C-0142\/notes\/2026-09-01\.md and C-0142\/notes\/2026-09-01\.conflict-\d{8}-\d{6}\.md\. The copy .* was crypto-erased and removed\.\n$/,
		);
		expect(existsSync(join(v.vault, SYNCTHING))).toBe(false);
		const kept = /and (C-0142\/notes\/2026-09-01\.conflict-\d{8}-\d{6}\.md)/.exec(both.out)![1]!;
		expect((await cli(["cat", v.vault, kept])).out).toContain("Written on the laptop");

		const copy = await cli(["conflicts", v.vault, "--resolve", ICLOUD, "--keep", "copy", "--json"]);
		expect(copy.code).toBe(0);
		expect(JSON.parse(copy.out)).toMatchObject({ choice: "copy", recordPath: "C-0142/notes/2026-09-02.md", erased: ICLOUD });
		expect((await cli(["cat", v.vault, "C-0142/notes/2026-09-02.md"])).out).toContain("Written on the laptop");
	});

	it("refuses a copy that does not decrypt (exit 4) and keeps it; the choices made are in the audit log without device names", async () => {
		const before = await readFile(join(v.vault, GARBAGE));
		const refused = await cli(["conflicts", v.vault, "--resolve", GARBAGE, "--keep", "original"]);
		expect(refused.code).toBe(4);
		expect(refused.out).toBe("");
		expect(refused.stderr).toMatch(/cannot be read as C-0142\/notes\/2026-09-03\.md.*Nothing was changed and it is kept/);
		expect((await cli(["conflicts", v.vault, "--show", GARBAGE])).code).toBe(4);
		expect(Buffer.compare(await readFile(join(v.vault, GARBAGE)), before)).toBe(0);

		const after = await cli(["conflicts", v.vault]);
		expect(after.out).toContain("Sync conflict copies: 1 (1 cannot be read)");
		const audit = await cli(["audit", v.vault]);
		expect(audit.out).toContain("sync conflict resolved (Syncthing copy): kept both");
		expect(audit.out).toContain("sync conflict resolved (iCloud Drive copy): kept the copy in its place");
		expect(audit.out).not.toMatch(/ABCDEFG|LAPTOP/);
	});

	it("exits 2 on usage mistakes, before asking for the passphrase", async () => {
		for (const args of [
			["--keep", "copy"],
			["--resolve", ICLOUD],
			["--resolve", ICLOUD, "--keep", "mine"],
			["--show", ICLOUD, "--resolve", ICLOUD, "--keep", "both"],
		]) {
			const r = await cli(["conflicts", v.vault, ...args], { passphrase: null });
			expect(r.code, args.join(" ")).toBe(2);
		}
		expect((await cli(["conflicts", v.vault, "--resolve", "Clinical/C-0142/notes/2026-09-03.md.cvault", "--keep", "both"])).code).toBe(1);
	});
});
