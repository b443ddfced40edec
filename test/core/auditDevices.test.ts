/**
 * One audit log per computer, and what the logs let verify see: two computers writing one record
 * through a sync tool, a file rolled back to an older version, a record file or a whole log deleted,
 * a log truncated or replaced, a crash between a logged change and the change, batched reads and
 * failed unlocks. Real folders (NodeFsStore), real WebCrypto.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtemp, readFile, readdir, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import { MemoryDeviceStateStore } from "../../src/core/audit/deviceState";
import { fingerprint } from "../../src/core/audit/AuditLog";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { eraseKeyBlock } from "../../src/core/crypto/fileformat";
import { renderEntries } from "../../src/cli/commands/audit";

const PASS = "correct horse battery staple";
const NOTE = "C-0142/notes/2026-09-01.md";

let dir: string;
let laptop: MemoryDeviceStateStore;
let desktop: MemoryDeviceStateStore;

beforeEach(async () => {
	dir = await mkdtemp(join(tmpdir(), "cv-audit-devices-"));
	laptop = new MemoryDeviceStateStore();
	desktop = new MemoryDeviceStateStore();
	const first = open(laptop);
	await first.init(PASS, { kdf: floorKdfParams() });
	await first.addClient({ code: "C-0142", name: "Synthetic Person" });
	await first.writeText(NOTE, "version 1\n");
	await first.lock();
});

afterEach(async () => {
	await rm(dir, { recursive: true, force: true });
});

/** The record as one computer sees it (its own device state); the folder is shared, as a sync tool shares it. */
function open(device: MemoryDeviceStateStore, options: { batchReads?: boolean } = {}): ClinicalRecord {
	return new ClinicalRecord({ store: new NodeFsStore(dir), device, ...options });
}

async function unlocked(device: MemoryDeviceStateStore, options: { batchReads?: boolean } = {}): Promise<ClinicalRecord> {
	const record = open(device, options);
	await record.unlock(PASS);
	return record;
}

const notePath = () => join(dir, "Clinical", `${NOTE}.cvault`);
const logsDir = () => join(dir, "Clinical", "_vault", "audit");

describe("one audit log per computer", () => {
	it("two computers append to their own logs; verify merges them by time and every chain holds", async () => {
		const a = await unlocked(laptop);
		const b = await unlocked(desktop);
		expect(a.audit.device).not.toBe(b.audit.device);
		await a.writeText(NOTE, "version 2 (laptop)\n");
		await b.writeText("C-0142/notes/2026-09-08.md", "desktop note\n");
		const names = [`${a.audit.device}.cvlog`, `${b.audit.device}.cvlog`].sort();
		await a.lock();
		await b.lock();
		expect((await readdir(logsDir())).sort()).toEqual(names);
		const check = await unlocked(desktop);
		const report = await check.verify();
		expect(report.ok).toBe(true);
		expect(report.audit.logs).toHaveLength(2);
		expect(report.history).toEqual({ rolledBack: [], deleted: [], unlogged: [] });
		const times = (await check.audit.entries()).map((e) => e.time);
		expect([...times].sort()).toEqual(times);
	});

	it("a file put back to an older version is reported as rolled back; its current version passes", async () => {
		const old = await readFile(notePath());
		const a = await unlocked(laptop);
		await a.writeText(NOTE, "version 2\n");
		await writeFile(notePath(), old); // a backup restore, or a sync tool bringing back an old copy
		const report = await a.verify();
		expect(report.ok).toBe(false);
		expect(report.history.rolledBack.map((r) => r.path)).toEqual([NOTE]);
		// The file itself still decrypts: only the log can tell it is old.
		expect(report.failures).toEqual([]);
		await a.writeText(NOTE, "version 3, written over the old copy\n");
		expect((await a.verify()).history.rolledBack).toEqual([]);
	});

	it("a record file deleted outside Clinical Vault is reported; one removed through it is not", async () => {
		const a = await unlocked(laptop);
		await a.writeText("C-0142/notes/2026-09-15.md", "to be removed properly\n");
		await a.remove("C-0142/notes/2026-09-15.md");
		await unlink(notePath());
		const report = await a.verify();
		expect(report.ok).toBe(false);
		expect(report.history.deleted.map((d) => d.path)).toEqual([NOTE]);
	});

	it("a version no log names (another computer's log not synced yet) is a warning, not a failure", async () => {
		const b = await unlocked(desktop);
		await b.writeText(NOTE, "desktop's version\n");
		const desktopLog = join(logsDir(), `${b.audit.device}.cvlog`);
		await b.lock();
		const held = await readFile(desktopLog);
		await unlink(desktopLog); // the note has arrived, the desktop's log not yet
		const a = await unlocked(laptop);
		const report = await a.verify();
		expect(report.history.unlogged).toEqual([NOTE]);
		expect(report.history.rolledBack).toEqual([]);
		expect(report.ok).toBe(true);
		await writeFile(desktopLog, held);
		expect((await a.verify()).history.unlogged).toEqual([]);
	});
});

describe("logs deleted, truncated or replaced", () => {
	it("a log this computer has seen is reported when it is deleted, truncated or replaced", async () => {
		const b = await unlocked(desktop);
		for (let i = 0; i < 3; i++) await b.writeText(`C-0142/notes/d${i}.md`, `desktop ${i}\n`);
		const desktopLog = join(logsDir(), `${b.audit.device}.cvlog`);
		await b.lock();
		const a = await unlocked(laptop);
		expect((await a.verify()).ok).toBe(true); // the laptop has now seen the desktop's log
		const full = await readFile(desktopLog, "utf8");
		const lines = full.split("\n").filter((l) => l !== "");

		await writeFile(desktopLog, `${lines.slice(0, 2).join("\n")}\n`);
		expect((await a.audit.verify()).problems.join("\n")).toMatch(/has 2 entries, but this computer saw \d+ \(truncated/);

		await unlink(desktopLog);
		expect((await a.audit.verify()).problems.join("\n")).toMatch(/is missing: this computer saw it with \d+ entries \(deleted\)/);

		// Another log of the same length (a different history) in its place.
		const other = await unlocked(desktop);
		await other.lock();
		await rm(desktopLog, { force: true });
		await writeFile(desktopLog, full.replace(lines.at(-1)!, lines.at(-2)!));
		expect((await a.audit.verify()).ok).toBe(false);
		await writeFile(desktopLog, full);
		const restored = await a.audit.verify();
		expect(restored.problems).toEqual([]);
	});

	it("a log deleted before this computer saw it is still caught by another log's witness", async () => {
		const b = await unlocked(desktop);
		await b.writeText("C-0142/notes/desktop.md", "desktop\n");
		const desktopDevice = b.audit.device;
		await b.lock();
		const a = await unlocked(laptop);
		await a.verify(); // anchors the desktop's log
		await a.lock();
		const again = await unlocked(laptop); // this unlock entry records what the laptop had seen
		const laptopDevice = again.audit.device;
		await again.lock();
		await unlink(join(logsDir(), `${desktopDevice}.cvlog`));
		// A third computer, which never saw the desktop's log, reads the laptop's witness.
		const third = await unlocked(new MemoryDeviceStateStore());
		const problems = (await third.audit.verify()).problems.join("\n");
		expect(problems).toMatch(
			new RegExp(`Audit log ${desktopDevice} is missing: Audit log ${laptopDevice} entry \\d+ saw it with \\d+ entries \\(deleted\\)`),
		);
	});
});

describe("a broken chain is reset with the evidence kept", () => {
	it("cuts the log back to what verifies, keeps the whole broken log, and a computer that saw the longer log accepts it", async () => {
		const a = await unlocked(laptop);
		for (let i = 0; i < 4; i++) await a.writeText(`C-0142/notes/r${i}.md`, `note ${i}\n`);
		const laptopLog = join(logsDir(), `${a.audit.device}.cvlog`);
		const desktopView = await unlocked(desktop);
		expect((await desktopView.verify()).ok).toBe(true); // the desktop anchors the laptop's log as it is now
		await desktopView.lock();
		const lines = (await readFile(laptopLog, "utf8")).split("\n").filter((l) => l !== "");
		await writeFile(laptopLog, `${[...lines.slice(0, 3), ...lines.slice(4)].join("\n")}\n`); // a middle entry lost
		expect((await a.audit.verify()).ok).toBe(false);
		await expect(a.audit.reset("  ")).rejects.toMatchObject({ code: "invalid-input" });
		const done = await a.audit.reset("the log was damaged by a disk error; no backup holds it");
		expect(done).toEqual([
			{
				log: a.audit.device,
				kept: 3,
				dropped: lines.length - 4,
				evidence: expect.stringMatching(/^Clinical\/_vault\/audit\/broken\/d[0-9a-f]{16}\..*\.cvlog$/) as unknown,
			},
		]);
		const evidence = await readFile(join(dir, done[0]!.evidence), "utf8");
		expect(evidence.split("\n").filter((l) => l !== "")).toHaveLength(lines.length - 1);
		const after = await a.audit.verify();
		expect(after.problems).toEqual([]);
		const reset = after.entryList.find((e) => e.reset);
		expect(reset).toMatchObject({ action: "audit-repair", seq: 4, note: "chain reset: the log was damaged by a disk error; no backup holds it" });
		await a.writeText("C-0142/notes/after.md", "after the reset\n");
		await a.lock();
		// The desktop had seen the longer log: the evidence explains it; verify passes there too.
		const there = await (await unlocked(desktop)).audit.verify();
		expect(there.problems).toEqual([]);
		// Nothing is left to repair.
		expect(await (await unlocked(laptop)).audit.reset("again")).toEqual([]);
	});
});

describe("a crash between a logged change and the change", () => {
	it("a write that did not land is reconciled at the next unlock on that computer, not taken for a rollback", async () => {
		const a = await unlocked(laptop);
		const before = await readFile(notePath());
		// What a kill between the write-ahead entry and the rename leaves: the entry, the old file, no lock.
		await a.audit.append("modify", { path: NOTE, sha: "f".repeat(64), base: await fingerprint(before) });
		await a.deviceState.save();
		expect((await (await unlocked(desktop)).verify()).history.rolledBack.map((r) => r.path)).toEqual([NOTE]);
		const next = await unlocked(laptop); // the last session on the laptop never locked
		const entries = (await next.audit.entries()).filter((e) => e.log === next.audit.device);
		expect(entries.at(-2)).toMatchObject({ action: "audit-repair", path: NOTE, note: expect.stringMatching(/did not land/) as unknown });
		const report = await next.verify();
		expect(report.history.rolledBack).toEqual([]);
		expect(report.ok).toBe(true);
	});

	it("several crashed writes in a row (each logged, none landed, the same version replaced) are all reconciled", async () => {
		const base = await fingerprint(await readFile(notePath()));
		const a = await unlocked(laptop);
		for (const sha of ["a", "b", "c"]) await a.audit.append("modify", { path: NOTE, sha: sha.repeat(64), base });
		await a.deviceState.save(); // killed: no lock
		const next = await unlocked(laptop);
		const repairs = (await next.audit.entries()).filter((e) => e.log === next.audit.device && e.action === "audit-repair");
		expect(repairs).toHaveLength(3);
		const report = await next.verify();
		expect(report.history.rolledBack).toEqual([]);
		expect(report.ok).toBe(true);
	});

	it("a removal cut short after its key was erased is finished at the next unlock", async () => {
		const a = await unlocked(laptop);
		const bytes = new Uint8Array(await readFile(notePath()));
		await a.audit.append("delete", { path: NOTE, fileId: (await a.header(NOTE)).fileId, base: await fingerprint(bytes) });
		await writeFile(notePath(), eraseKeyBlock(bytes, NOTE)); // killed before the remove
		await a.deviceState.save();
		const next = await unlocked(laptop);
		expect(await next.exists(NOTE)).toBe(false);
		expect((await next.verify()).ok).toBe(true);
	});

	it("a file another computer wrote after a removal logged here is never removed by the reconcile", async () => {
		const a = await unlocked(laptop);
		const bytes = new Uint8Array(await readFile(notePath()));
		await a.audit.append("delete", { path: NOTE, fileId: (await a.header(NOTE)).fileId, base: await fingerprint(bytes) });
		await a.deviceState.save();
		const b = await unlocked(desktop);
		await b.writeText(NOTE, "rewritten on the desktop\n");
		await b.lock();
		const next = await unlocked(laptop);
		expect(await next.readText(NOTE)).toBe("rewritten on the desktop\n");
	});
});

describe("reads and unlocks in the log", () => {
	it("a read-only session with batched reads (the CLI) is one entry naming every file read", async () => {
		const a = await unlocked(laptop, { batchReads: true });
		const before = (await readFile(join(logsDir(), `${a.audit.device}.cvlog`), "utf8")).split("\n").length;
		await a.readText(NOTE);
		await a.readText(NOTE);
		await a.readProfile("C-0142");
		const laptopDevice = a.audit.device;
		await a.lock();
		// One line more in the laptop's log for the whole session: unlock, three reads, lock.
		expect((await readFile(join(logsDir(), `${laptopDevice}.cvlog`), "utf8")).split("\n").length).toBe(before + 1);
		const entries = (await (await unlocked(desktop)).audit.entries()).filter((e) => e.log === laptopDevice);
		const session = entries.at(-1)!;
		expect(session.action).toBe("unlock");
		expect(session.reads!.map((r) => r.path).sort()).toEqual([NOTE, "C-0142/profile.md"]);
		expect(session.until).toBeDefined();
	});

	it("failed unlocks are kept on this computer and written with the next successful unlock", async () => {
		const a = open(laptop);
		await expect(a.unlock("wrong passphrase one")).rejects.toMatchObject({ code: "wrong-passphrase" });
		await expect(open(laptop).unlock("wrong passphrase two")).rejects.toMatchObject({ code: "wrong-passphrase" });
		const ok = await unlocked(laptop);
		const unlock = (await ok.audit.entries()).filter((e) => e.log === ok.audit.device && e.action === "unlock").at(-1)!;
		expect(unlock.failed).toHaveLength(2);
		await ok.lock();
		const next = await unlocked(laptop);
		expect((await next.audit.entries()).filter((e) => e.log === next.audit.device && e.action === "unlock").at(-1)!.failed).toBeUndefined();
	});

	it("a key file without its recovery slot is reported by verify", async () => {
		const keyFile = join(dir, "Clinical", "_vault", "keyfile.json");
		const parsed = JSON.parse(await readFile(keyFile, "utf8")) as { slots: { kind: string }[] };
		parsed.slots = parsed.slots.filter((s) => s.kind !== "recovery");
		await writeFile(keyFile, JSON.stringify(parsed));
		const report = await (await unlocked(laptop)).verify();
		expect(report.keyFile.join("\n")).toMatch(/no recovery slot/);
		expect(report.ok).toBe(false);
	});

	it("the audit table renders 130,000 entries (a spread into Math.max failed past about 125,000)", () => {
		const rows = Array.from({ length: 130_000 }, (_, i) => ({
			seq: i + 1,
			time: "2026-12-05T10:00:00.000Z",
			action: "open" as const,
			prev: "",
			path: NOTE,
			log: "d0123456789abcdef",
		}));
		const text = renderEntries(rows);
		expect(text.split("\n")).toHaveLength(130_002);
	});
});
