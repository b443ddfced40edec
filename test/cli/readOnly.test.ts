/**
 * A read-only vault (a backup on read-only media): cat, ls, verify, audit, search and export work
 * through the CLI (run(argv, io)) and change no byte of the vault; every change is refused with a clear
 * message. The CLI opens a vault read-only when it may not write there (access(2), which reports a
 * read-only file system even to root) or when CLINICAL_VAULT_READ_ONLY=1; the tests use the
 * variable, since they may run as root, for whom a chmod'ed folder is still writable.
 * The same in-process: a store whose every write fails with EROFS, opened with readOnly.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import { PASSPHRASE, cli, hashTree, makeVault, removeDir, tempDir, type TestVault } from "./support";

let v: TestVault;
const NOTE = "C-0142/notes/2026-09-01.md";
const READ_ONLY = { env: { CLINICAL_VAULT_READ_ONLY: "1" } };

beforeAll(async () => {
	v = await makeVault(["C-0142"]);
	const record = new ClinicalRecord({ store: new NodeFsStore(v.vault) });
	await record.unlock(PASSPHRASE);
	await record.writeText(NOTE, "---\nsession_date: 2026-09-01\n---\nSynthetic note about the copperfinch and the garden.\n");
	await record.lock();
});

afterAll(async () => {
	await removeDir(v.dir);
});

describe("a read-only vault through the CLI", () => {
	it("cat, ls, verify and audit work and change nothing", async () => {
		const before = await hashTree(v.vault);
		const cat = await cli(["cat", v.vault, NOTE], READ_ONLY);
		expect(cat.code).toBe(0);
		expect(cat.out).toContain("copperfinch");
		expect(cat.stderr).toContain("The vault is read-only: nothing was written to it, and this session is not in its audit log.");
		expect((await cli(["ls", v.vault], READ_ONLY)).out).toContain(NOTE);
		const verify = await cli(["verify", v.vault], READ_ONLY);
		expect(verify.code).toBe(0);
		expect(verify.out).toContain("Result: OK");
		const audit = await cli(["audit", v.vault], READ_ONLY);
		expect(audit.code).toBe(0);
		expect(audit.out).toMatch(/Chain: intact/);
		expect(await hashTree(v.vault)).toEqual(before);
	});

	it("search (its index kept in memory) and export work; put is refused with a clear message; nothing changes", async () => {
		const before = await hashTree(v.vault);
		const out = await tempDir();
		const search = await cli(["search", v.vault, "copperfinch", "--ollama", "http://127.0.0.1:9"], READ_ONLY);
		expect(search.code).toBe(0);
		expect(search.out).toContain(NOTE);
		const exported = await cli(["export", v.vault, NOTE, "--draft", "--out", join(out, "note.txt")], READ_ONLY);
		expect(exported.code, exported.stderr).toBe(0);
		const put = await cli(["put", v.vault, "C-0142/notes/new.md"], { ...READ_ONLY, input: "New note.\n" });
		expect(put.code).toBe(1);
		expect(put.stderr).toMatch(/The vault is read-only .*Nothing was written\./);
		expect(await hashTree(v.vault)).toEqual(before);
		await removeDir(out);
	});
});
