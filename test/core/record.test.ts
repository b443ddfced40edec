import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import { MemoryStore } from "../../src/core/store/MemoryStore";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { ManualClock } from "../../src/core/clock";
import { MemoryDeviceStateStore } from "../../src/core/audit/deviceState";
import { writeNewText } from "../../src/core/record/freePath";

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
		expect(actions).toEqual(["init", "client-add", "create", "lock", "unlock", "open", "open"]);
		// The failed attempt is carried by the unlock entry that follows it.
		expect((await record.audit.entries()).find((e) => e.action === "unlock")!.failed).toEqual([clock.now().toISOString()]);
	});

	it("create-only writes never replace a file: createText, and writeNewText's next free name", async () => {
		const record = new ClinicalRecord({ store: new NodeFsStore(dir), clock: new ManualClock() });
		await record.init("correct horse battery", { kdf: floorKdfParams() });
		await record.addClient({ code: "C-0142", name: "Synthetic Person" });
		const note = "C-0142/notes/2026-09-01.md";
		expect(await record.createText(note, "First.\n")).toMatchObject({ path: note, action: "create" });
		const before = (await record.audit.entries()).length;
		expect(await record.createText(note, "Second.\n")).toBe("exists");
		expect(await record.readText(note, "internal")).toBe("First.\n");
		expect((await record.audit.entries()).length).toBe(before);
		// Two writers racing for one name: each gets its own, and both texts are kept.
		const [a, b] = await Promise.all([writeNewText(record, note, "A.\n"), writeNewText(record, note, "B.\n")]);
		expect(new Set([a, b])).toEqual(new Set(["C-0142/notes/2026-09-01-2.md", "C-0142/notes/2026-09-01-3.md"]));
		expect(await record.readText(a, "internal")).toBe("A.\n");
		expect(await record.readText(b, "internal")).toBe("B.\n");
		expect(await record.readText(note, "internal")).toBe("First.\n");
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
		// Two devices, two logs: this one's (init, client-add, 20 creates, one modify) and the other's.
		expect(check.logs.map((l) => l.entries).sort()).toEqual([23, 3]);
		expect(check.entries).toBe(26);
		for (const log of check.logs) {
			expect(check.entryList.filter((e) => e.log === log.name).map((e) => e.seq)).toEqual(Array.from({ length: log.entries }, (_, i) => i + 1));
		}
	});

	it("reads only the end of its log on append, follows another process of the same computer, and re-reads a log swapped for one of the same size", async () => {
		const store = new MemoryStore();
		const device = new MemoryDeviceStateStore();
		const record = new ClinicalRecord({ store, device });
		await record.init("correct horse battery", { kdf: floorKdfParams() });
		await record.addClient({ code: "C-0142", name: "Synthetic Person" });
		const logPath = `${record.layout.auditFolder}/${record.audit.device}.cvlog`;
		const wholeReads = () => store.log.filter((l) => l === `read ${logPath}`).length;
		const rangeReads = () => store.log.filter((l) => l.startsWith(`readRange ${logPath} `));
		for (let i = 0; i < 5; i++) await record.writeText(`C-0142/notes/n${i}.md`, `note ${i}`);
		expect(wholeReads()).toBe(0);
		// Each append read one line back from the end, never the whole log.
		for (const op of rangeReads()) expect(Number(op.split(" ").at(-1))).toBeLessThan(1000);
		// Another process of this computer (same device state, so the same log) appends: followed, not re-read.
		await record.deviceState.save();
		const other = new ClinicalRecord({ store, device });
		await other.unlock("correct horse battery");
		expect(other.audit.device).toBe(record.audit.device);
		await other.writeText("C-0142/notes/other.md", "from the other process");
		await other.lock();
		await record.writeText("C-0142/notes/after.md", "after the other process");
		expect(wholeReads()).toBe(0);
		expect((await record.audit.verify()).problems).toEqual([]);
		// A sync tool swaps in another log of exactly the same size, ending differently: the tail check
		// (the last line's hash, not only the size) sees it and reads the whole log.
		const before = store.peek(logPath)!;
		const lines = Buffer.from(before).toString("utf8").split("\n");
		const last = lines.length - 2; // the text ends with a newline
		lines[last] = `${lines[last]!.slice(0, 10)}${lines[last]![10] === "A" ? "B" : "A"}${lines[last]!.slice(11)}`;
		const swapped = Buffer.from(lines.join("\n"));
		expect(swapped.length).toBe(before.length);
		store.put(logPath, new Uint8Array(swapped));
		const readsBefore = wholeReads();
		await record.writeText("C-0142/notes/after-swap.md", "after the swap").catch(() => undefined);
		expect(wholeReads()).toBeGreaterThan(readsBefore);
		expect((await record.audit.verify()).ok).toBe(false);
	});
});

describe("a key file replacement stopped between its two renames (kill or power cut, rename that does not replace)", () => {
	async function stoppedSwap(): Promise<MemoryStore> {
		const store = new MemoryStore({ renameReplaces: false });
		const record = new ClinicalRecord({ store, device: new MemoryDeviceStateStore() });
		await record.init("correct horse battery", { kdf: floorKdfParams() });
		await record.addClient({ code: "C-0142", name: "Synthetic Person" });
		await record.writeText("C-0142/notes/2026-09-01.md", "synthetic note\n");
		await record.lock();
		// The key file renamed to its backup, the new one not yet in place: what a kill there leaves.
		await store.rename("Clinical/_vault/keyfile.json", "Clinical/_vault/.keyfile.json.cvbak");
		return store;
	}

	it("unlock puts the backup back and opens the record", async () => {
		const store = await stoppedSwap();
		const record = new ClinicalRecord({ store, device: new MemoryDeviceStateStore() });
		expect(await record.isInitialized()).toBe(true);
		await record.unlock("correct horse battery");
		expect(await record.readText("C-0142/notes/2026-09-01.md")).toBe("synthetic note\n");
		expect(store.paths()).toContain("Clinical/_vault/keyfile.json");
		expect(store.paths().filter((p) => p.endsWith(".cvbak"))).toEqual([]);
	});

	it("a read-only record reads the backup and writes nothing", async () => {
		const store = await stoppedSwap();
		const before = store.paths();
		const record = new ClinicalRecord({ store, device: new MemoryDeviceStateStore(), readOnly: true });
		await record.unlock("correct horse battery");
		expect(await record.readText("C-0142/notes/2026-09-01.md")).toBe("synthetic note\n");
		expect(store.paths()).toEqual(before);
	});

	it("init never makes a new key file over encrypted files whose key file is missing", async () => {
		const store = await stoppedSwap();
		await store.remove("Clinical/_vault/.keyfile.json.cvbak");
		const before = store.snapshot();
		const record = new ClinicalRecord({ store, device: new MemoryDeviceStateStore() });
		const refused = await record.init("another passphrase here", { kdf: floorKdfParams() }).catch((e: unknown) => e);
		expect(refused).toMatchObject({ code: "refused" });
		expect((refused as Error).message).toMatch(/no key file .*Put keyfile\.json back from a backup/);
		expect(store.snapshot()).toEqual(before);
	});
});
