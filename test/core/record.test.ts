import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import { MemoryStore } from "../../src/core/store/MemoryStore";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { ManualClock } from "../../src/core/clock";

let dir: string;
beforeEach(async () => {
	dir = await mkdtemp(join(tmpdir(), "cv-record-"));
});
afterEach(async () => {
	await rm(dir, { recursive: true, force: true });
});

describe("ClinicalRecord", () => {
	it("round-trips notes through init, lock and unlock, with an audit trail", async () => {
		const clock = new ManualClock();
		const record = new ClinicalRecord({ store: new NodeFsStore(dir), clock });
		const { recoveryKey } = await record.init("correct horse battery", { kdf: floorKdfParams() });
		expect(recoveryKey).toMatch(/^([A-Z2-7]{4}-){7}[A-Z2-7]{4}$/);
		await record.addClient({ code: "C-0142", name: "Synthetic Person" });
		const big = "x".repeat(200_000);
		await record.writeText("C-0142/notes/2026-09-01.md", `# Session\n${big}`);
		await record.lock();
		await expect(record.readText("C-0142/notes/2026-09-01.md")).rejects.toThrow(/locked/);
		await expect(record.unlock("wrong passphrase!")).rejects.toMatchObject({ code: "wrong-passphrase" });
		await record.unlock("correct horse battery", { failedAttempts: [clock.now()] });
		expect(await record.readText("C-0142/notes/2026-09-01.md")).toBe(`# Session\n${big}`);
		expect((await record.readProfile("C-0142")).name).toBe("Synthetic Person");
		const report = await record.verify();
		expect(report).toMatchObject({ ok: true, filesChecked: 2, failures: [], plaintext: [] });
		const actions = (await record.audit.entries()).map((e) => e.action);
		expect(actions).toEqual(["init", "client-add", "create", "lock", "unlock-failed", "unlock", "open", "open"]);
	});

	it("keeps the audit chain intact under concurrent saves and a second process appending", async () => {
		const store = new NodeFsStore(dir);
		const record = new ClinicalRecord({ store });
		await record.init("correct horse battery", { kdf: floorKdfParams() });
		await record.addClient({ code: "C-0142", name: "Synthetic Person" });
		await Promise.all(Array.from({ length: 20 }, (_, i) => record.writeText(`C-0142/notes/n${i}.md`, `note ${i}`)));
		// A second "process" (the CLI while Obsidian is unlocked) on the same folder.
		const other = new ClinicalRecord({ store: new NodeFsStore(dir) });
		await other.unlock("correct horse battery");
		await other.writeText("C-0142/notes/from-cli.md", "written elsewhere");
		await record.writeText("C-0142/notes/n0.md", "edited after the other process wrote");
		await other.lock();
		const check = await record.audit.verify();
		expect(check.problems).toEqual([]);
		expect(check.entries).toBe(2 + 20 + 1 + 1 + 1 + 1);
		expect(check.entryList.map((e) => e.seq)).toEqual(Array.from({ length: check.entries }, (_, i) => i + 1));
	});

	it("does not re-read the audit log on every append, but does when another process appended", async () => {
		const store = new MemoryStore();
		const record = new ClinicalRecord({ store });
		await record.init("correct horse battery", { kdf: floorKdfParams() });
		await record.addClient({ code: "C-0142", name: "Synthetic Person" });
		const auditPath = record.layout.auditPath;
		const reads = () => store.log.filter((l) => l === `read ${auditPath}`).length;
		const before = reads();
		for (let i = 0; i < 5; i++) await record.writeText(`C-0142/notes/n${i}.md`, `note ${i}`);
		expect(reads()).toBe(before);
		// Another process on the same store appends: the next append notices the size and re-reads.
		const other = new ClinicalRecord({ store });
		await other.unlock("correct horse battery");
		await other.lock();
		const afterOther = reads();
		await record.writeText("C-0142/notes/after.md", "after the other process");
		expect(reads()).toBe(afterOther + 1);
		await record.writeText("C-0142/notes/after2.md", "and again");
		expect(reads()).toBe(afterOther + 1);
		expect((await record.audit.verify()).problems).toEqual([]);
	});
});
