/**
 * Sync conflicts on a real folder (NodeFsStore) with real WebCrypto: for each sync tool's naming, an
 * older encrypted version of a note is copied to the conflict name (as the tool does when two
 * computers changed the note), found, shown, and resolved each way; both versions are kept until
 * the choice, the choice is audited without device names, and a copy that does not decrypt is
 * reported and never removed. Prints the counts (made per tool, resolved, lost). Synthetic text only.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { runPrivacyCheck } from "../../src/core/privacy/check";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import {
	findConflicts,
	inspectCopy,
	keptCopyPath,
	lineDiff,
	parseConflictName,
	readConflict,
	resolveConflict,
	type ConflictChoice,
	type SyncTool,
} from "../../src/core/record/syncConflicts";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import { removeDir, tempDir } from "./helpers";

const PASS = "synthetic passphrase for tests";
const DEVICE_NAMES = ["LAPTOP", "DESKTOP-4F2K9LM", "ABCDEFG", "MacBook", "Therapy-iMac"];

/** One conflict per tool naming: the note's file name and the copy's file name (both under Clinical/C-0142/notes/). */
const CASES: { tool: SyncTool; note: string; copy: string; device?: string; when?: string }[] = [
	{
		tool: "syncthing",
		note: "2026-09-01.md",
		copy: "2026-09-01.md.sync-conflict-20261205-101010-ABCDEFG.cvault",
		device: "ABCDEFG",
		when: "2026-12-05 10:10:10",
	},
	{ tool: "syncthing", note: "2026-09-02.md", copy: "2026-09-02.sync-conflict-20261205-101011-ABCDEFG.md.cvault", device: "ABCDEFG" },
	{ tool: "dropbox", note: "2026-09-03.md", copy: "2026-09-03.md (LAPTOP's conflicted copy 2026-12-05).cvault", device: "LAPTOP", when: "2026-12-05" },
	{ tool: "dropbox", note: "2026-09-04.md", copy: "2026-09-04.md (LAPTOP's conflicted copy 2026-12-05 (1)).cvault", device: "LAPTOP" },
	{ tool: "nextcloud", note: "2026-09-05.md", copy: "2026-09-05.md (conflicted copy 2026-12-05 101010).cvault", when: "2026-12-05 10:10:10" },
	{ tool: "icloud", note: "2026-09-06.md", copy: "2026-09-06.md 2.cvault" },
	{ tool: "onedrive", note: "2026-09-07.md", copy: "2026-09-07.md-DESKTOP-4F2K9LM.cvault", device: "DESKTOP-4F2K9LM" },
	{ tool: "onedrive", note: "2026-09-08.md", copy: "2026-09-08.md-Therapy-iMac-1.cvault", device: "Therapy-iMac" },
	{ tool: "numbered", note: "2026-09-09.md", copy: "2026-09-09.md (1).cvault" },
	{
		tool: "obsidian-sync",
		note: "2026-09-10.md",
		copy: "2026-09-10.md (Conflicted copy MacBook 202612051010).cvault",
		device: "MacBook",
		when: "2026-12-05 10:10",
	},
];

const CHOICES: ConflictChoice[] = ["original", "copy", "both"];

let dir: string;
let record: ClinicalRecord;

beforeEach(async () => {
	dir = await tempDir("conflicts");
	record = new ClinicalRecord({ store: new NodeFsStore(dir) });
	await record.init(PASS, { kdf: floorKdfParams() });
	await record.addClient({ code: "C-0142", name: "Synthetic Person" });
});
afterEach(async () => {
	await record.lock();
	await removeDir(dir);
});

const notes = (name: string) => `C-0142/notes/${name}`;
const onDisk = (name: string) => join(dir, "Clinical/C-0142/notes", name);

/** What a sync tool does: the other computer's (older) version of the note lands under the conflict name. */
async function makeConflict(note: string, copyName: string): Promise<{ older: string; newer: string }> {
	const older = `# Session ${note}\n\nWritten on the laptop.\nShared line.\n`;
	const newer = `# Session ${note}\n\nWritten on the desktop.\nShared line.\nAdded later.\n`;
	await record.writeText(notes(note), older);
	const olderBytes = await readFile(onDisk(`${note}.cvault`));
	await record.writeText(notes(note), newer);
	await writeFile(onDisk(copyName), olderBytes);
	return { older, newer };
}

async function plainTextsInRecord(): Promise<string[]> {
	const texts: string[] = [];
	for (const entry of await record.list({ client: "C-0142" })) {
		// Syncthing's and OneDrive's copy names are valid record paths too: those are copies, not record files.
		if (!entry.recordPath.startsWith("C-0142/notes/") || (await inspectCopy(record, entry.storePath))) continue;
		texts.push(await record.readText(entry.recordPath, "internal"));
	}
	return texts;
}

describe("conflict names", () => {
	it("reads each tool's naming, with the device and time where the name gives them", () => {
		for (const c of CASES) {
			const reading = parseConflictName(c.copy).find((r) => r.tool === c.tool && r.originalName === `${c.note}.cvault`);
			expect(reading, c.copy).toBeDefined();
			if (c.device) expect(reading!.device).toBe(c.device);
			if (c.when) expect(reading!.when).toBe(c.when);
		}
		expect(parseConflictName("2026-09-01.md.cvault").filter((r) => r.explicit)).toEqual([]);
		expect(parseConflictName("2026-09-01.md.sync-conflict-20261205-101010-ABCDEFG.md")).toEqual([]);
		expect(parseConflictName(".syncthing.2026-09-01.md.cvault.tmp")).toEqual([]);
		// Explicit marks come first; ambiguous readings are only candidates.
		expect(parseConflictName("a.md.sync-conflict-20261205-101010-ABCDEFG.cvault")[0]).toMatchObject({ tool: "syncthing", explicit: true });
	});

	it("names a kept version like the editor's own kept copies", async () => {
		const now = new Date(2026, 11, 5, 11, 30, 0);
		expect(await keptCopyPath({ exists: () => Promise.resolve(false) }, "C-0142/notes/2026-09-01.md", now)).toBe(
			"C-0142/notes/2026-09-01.conflict-20261205-113000.md",
		);
		const taken = new Set(["C-0142/notes/2026-09-01.conflict-20261205-113000.md"]);
		expect(await keptCopyPath({ exists: (p) => Promise.resolve(taken.has(p)) }, "C-0142/notes/2026-09-01.md", now)).toBe(
			"C-0142/notes/2026-09-01.conflict-20261205-113000-2.md",
		);
	});

	it("diffs line by line", () => {
		expect(lineDiff("a\nb\nc", "a\nx\nc\nd")).toEqual([
			{ kind: "same", text: "a" },
			{ kind: "original", text: "b" },
			{ kind: "copy", text: "x" },
			{ kind: "same", text: "c" },
			{ kind: "copy", text: "d" },
		]);
	});
});

describe("sync conflicts in the record", () => {
	it("finds a conflict made by each tool's naming, keeps both versions until the choice, resolves each way, audits it, loses nothing", async () => {
		const made: Partial<Record<SyncTool, number>> = {};
		const texts = new Map<string, { older: string; newer: string }>();
		for (const c of CASES) {
			texts.set(c.note, await makeConflict(c.note, c.copy));
			made[c.tool] = (made[c.tool] ?? 0) + 1;
		}
		const found = await findConflicts(record);
		expect(found.map((f) => [f.tool, f.recordPath, f.decrypts, f.originalExists]).sort()).toEqual(
			CASES.map((c) => [c.tool, notes(c.note), true, true]).sort(),
		);
		// Finding changes nothing: both versions are there.
		for (const c of CASES) {
			const v = await readConflict(record, `Clinical/C-0142/notes/${c.copy}`);
			expect(new TextDecoder().decode(v.original!)).toBe(texts.get(c.note)!.newer);
			expect(new TextDecoder().decode(v.copy)).toBe(texts.get(c.note)!.older);
			expect(existsSync(onDisk(c.copy))).toBe(true);
		}

		let resolved = 0;
		const kept: string[] = [];
		for (const [i, c] of CASES.entries()) {
			const choice = CHOICES[i % CHOICES.length]!;
			const { older, newer } = texts.get(c.note)!;
			const shown = await readConflict(record, `Clinical/C-0142/notes/${c.copy}`);
			const done = await resolveConflict(record, `Clinical/C-0142/notes/${c.copy}`, choice, { expect: shown.fingerprint });
			resolved++;
			expect(existsSync(onDisk(c.copy))).toBe(false);
			const note = await record.readText(notes(c.note), "internal");
			expect(note).toBe(choice === "copy" ? older : newer);
			if (choice !== "copy") kept.push(newer);
			if (choice !== "original") kept.push(older);
			if (choice === "both") {
				expect(done.keptAs).toMatch(/^C-0142\/notes\/2026-09-\d\d\.conflict-\d{8}-\d{6}\.md$/);
				expect(await record.readText(done.keptAs!, "internal")).toBe(older);
			}
		}
		// Lost: a version the clinician chose to keep that is nowhere in the record.
		const after = await plainTextsInRecord();
		const lost = kept.filter((text) => !after.includes(text)).length;
		expect(await findConflicts(record)).toEqual([]);
		expect(lost).toBe(0);

		const entries = await record.audit.entries();
		const notesOfChoices = entries.filter((e) => e.action === "delete" && e.note?.startsWith("sync conflict resolved"));
		expect(notesOfChoices).toHaveLength(CASES.length);
		expect(notesOfChoices.map((e) => e.note)).toEqual(
			CASES.map(
				(c, i) =>
					expect.stringContaining(["kept the record file", "kept the copy in its place", "kept both (the copy is now"][i % 3]!) as unknown as string,
			),
		);
		for (const e of entries) for (const name of DEVICE_NAMES) expect(JSON.stringify(e)).not.toContain(name);
		expect((await record.audit.verify()).ok).toBe(true);
		const verify = await record.verify();
		expect(verify.failures).toEqual([]);
		process.stdout.write(`sync conflicts: made ${JSON.stringify(made)} (${CASES.length} in all), resolved ${resolved}, lost ${lost}\n`);
	});

	it("crypto-erases the copy before removing it", async () => {
		const writes: { path: string; data: Uint8Array }[] = [];
		const store = new NodeFsStore(dir);
		const spy = new ClinicalRecord({
			store: Object.assign(Object.create(store) as NodeFsStore, {
				write: async (path: string, data: Uint8Array) => {
					writes.push({ path, data: new Uint8Array(data) });
					await store.write(path, data);
				},
				// The key block is overwritten in place: record what the file holds afterwards.
				overwrite: async (path: string, offset: number, data: Uint8Array) => {
					await store.overwrite(path, offset, data);
					writes.push({ path, data: await store.read(path) });
				},
			}),
		});
		await spy.unlock(PASS);
		const c = CASES[0]!;
		await makeConflict(c.note, c.copy);
		const copyPath = `Clinical/C-0142/notes/${c.copy}`;
		const original = new Uint8Array(await readFile(onDisk(c.copy)));
		await resolveConflict(spy, copyPath, "original");
		const erased = writes.filter((w) => w.path === copyPath);
		expect(erased).toHaveLength(1);
		expect(erased[0]!.data.length).toBe(original.length);
		expect(existsSync(onDisk(c.copy))).toBe(false);
		// The bytes written just before the removal no longer decrypt; the same file before did.
		await writeFile(onDisk("before.cvault"), original);
		await writeFile(onDisk("after.cvault"), erased[0]!.data);
		expect(new TextDecoder().decode((await spy.readCopy("Clinical/C-0142/notes/before.cvault", notes(c.note), "internal")).plaintext)).toContain(
			"Written on the laptop.",
		);
		await expect(spy.readCopy("Clinical/C-0142/notes/after.cvault", notes(c.note), "internal")).rejects.toMatchObject({ code: "integrity" });
		await spy.lock();
	});

	it("reports a copy that does not decrypt (garbage, another note renamed) and never removes it; look-alikes are left alone", async () => {
		await record.writeText(notes("2026-09-20.md"), "the note\n");
		await record.writeText(notes("2026-09-21.md"), "another note\n");
		await record.writeText(notes("2026-09-22.md"), "a third note\n");
		const garbage = "2026-09-20.md.sync-conflict-20261205-101010-ABCDEFG.cvault";
		const renamed = "2026-09-21.md (LAPTOP's conflicted copy 2026-12-05).cvault";
		const lookalike = "2026-09-22.md 2.cvault";
		await writeFile(
			onDisk(garbage),
			new Uint8Array(4096).map((_, i) => (i * 7919) % 251),
		);
		await writeFile(onDisk(renamed), await readFile(onDisk("2026-09-20.md.cvault")));
		await writeFile(onDisk(lookalike), await readFile(onDisk("2026-09-20.md.cvault")));
		// Names that merely look like conflicts: the stripped name is not a record file, or the file is outside the record.
		const notRecord = [
			"Clinical/C-0142/notes/My notes (LAPTOP's conflicted copy 2026-12-05).cvault",
			"Inbox/2026-09-20.md.sync-conflict-20261205-101010-ABCDEFG.cvault",
			"Clinical/_vault/search-index.sync-conflict-20261205-101010-ABCDEFG.cvault",
		];
		for (const p of notRecord) {
			await mkdir(dirname(join(dir, p)), { recursive: true });
			await writeFile(join(dir, p), await readFile(onDisk("2026-09-20.md.cvault")));
		}
		// Record files in their own right whose names look like copies.
		await record.writeText(notes("2026-09-20-2.md"), "a second note the same day\n");
		await record.writeText(notes("2026-09-20.conflict-20260901-101500.md"), "the editor's kept copy\n");
		await record.writeText(notes("a.sync-conflict-20261205-101010-ABCDEFG.md"), "an odd but valid name\n");

		const found = await findConflicts(record);
		expect(found.map((f) => [f.storePath, f.decrypts]).sort()).toEqual(
			[
				[`Clinical/C-0142/notes/${garbage}`, false],
				[`Clinical/C-0142/notes/${renamed}`, false],
			].sort(),
		);
		expect(found.find((f) => f.storePath.endsWith(garbage))!.problem).toMatch(/not an encrypted file/);
		expect(found.find((f) => f.storePath.endsWith(renamed))!.problem).toMatch(/written for another file.*2026-09-20\.md/);
		for (const p of notRecord) expect(await inspectCopy(record, p)).toBeNull();

		const before = new Map<string, Buffer>();
		for (const name of [garbage, renamed, lookalike]) before.set(name, await readFile(onDisk(name)));
		for (const name of [garbage, renamed]) {
			await expect(readConflict(record, `Clinical/C-0142/notes/${name}`)).rejects.toMatchObject({
				code: "integrity",
				message: expect.stringMatching(/cannot be read as .*Nothing was changed and it is kept/) as unknown as string,
			});
			for (const choice of CHOICES) {
				await expect(resolveConflict(record, `Clinical/C-0142/notes/${name}`, choice)).rejects.toMatchObject({ code: "integrity" });
			}
		}
		await expect(resolveConflict(record, `Clinical/C-0142/notes/${lookalike}`, "original")).rejects.toMatchObject({ code: "not-found" });
		for (const [name, bytes] of before) expect(Buffer.compare(await readFile(onDisk(name)), bytes)).toBe(0);
		expect(await record.readText(notes("2026-09-20.md"), "internal")).toBe("the note\n");
		expect(await record.readText(notes("2026-09-21.md"), "internal")).toBe("another note\n");
		// verify still reports the look-alike as before: an encrypted file with an unexpected name.
		const verify = await record.verify();
		expect(verify.failures.map((f) => f.message)).toContain("encrypted file with an unexpected name");
	});

	it("never replaces a signed note with the copy (keep both instead), refuses a stale choice, and restores a note deleted here", async () => {
		await makeConflict("2026-09-30.md", "2026-09-30.md.sync-conflict-20261205-101010-ABCDEFG.cvault");
		await record.writeText(notes("2026-09-30.md"), "---\nstatus: signed\nsigned_by: Synthetic Clinician\n---\n# Signed session\n");
		const copy = "Clinical/C-0142/notes/2026-09-30.md.sync-conflict-20261205-101010-ABCDEFG.cvault";
		const shown = await readConflict(record, copy);
		expect(shown.originalSigned).toBe(true);
		await expect(resolveConflict(record, copy, "copy")).rejects.toMatchObject({
			code: "refused",
			message: expect.stringContaining('"keep both"') as unknown as string,
		});
		expect(existsSync(join(dir, copy))).toBe(true);

		await record.writeText(notes("2026-09-30.md"), "---\nstatus: signed\nsigned_by: Synthetic Clinician\n---\n# Signed session\nAddendum.\n");
		await expect(resolveConflict(record, copy, "both", { expect: shown.fingerprint })).rejects.toMatchObject({
			code: "refused",
			message: expect.stringContaining("changed since they were shown") as unknown as string,
		});
		expect(existsSync(join(dir, copy))).toBe(true);
		const done = await resolveConflict(record, copy, "both");
		expect(await record.readText(done.keptAs!, "internal")).toContain("Written on the laptop.");
		expect(await record.readText(notes("2026-09-30.md"), "internal")).toContain("Addendum.");

		// Deleted on this computer, changed on the other: the copy is the only version.
		await makeConflict("2026-10-01.md", "2026-10-01.md (LAPTOP's conflicted copy 2026-12-05).cvault");
		await record.remove(notes("2026-10-01.md"));
		const [lonely] = await findConflicts(record);
		expect(lonely).toMatchObject({ recordPath: notes("2026-10-01.md"), originalExists: false, decrypts: true });
		await expect(resolveConflict(record, lonely!.storePath, "original")).rejects.toMatchObject({
			code: "refused",
			message: expect.stringContaining("would erase the only readable version") as unknown as string,
		});
		expect(existsSync(join(dir, lonely!.storePath))).toBe(true);
		await resolveConflict(record, lonely!.storePath, "copy");
		expect(await record.readText(notes("2026-10-01.md"), "internal")).toContain("Written on the laptop.");
		expect(await findConflicts(record)).toEqual([]);
	});

	it("is reported by the privacy check until resolved, and needs the key", async () => {
		await makeConflict("2026-09-01.md", "2026-09-01.md-LAPTOP.cvault");
		await writeFile(onDisk("2026-09-02.md.sync-conflict-20261205-101010-ABCDEFG.cvault"), "not encrypted at all");
		const report = await runPrivacyCheck({ record, configDirs: [], retentionHours: -1 });
		const conflicts = report.findings.filter((f) => f.id === "sync-conflict");
		expect(conflicts.map((f) => f.path).sort()).toEqual([
			"Clinical/C-0142/notes/2026-09-01.md-LAPTOP.cvault",
			"Clinical/C-0142/notes/2026-09-02.md.sync-conflict-20261205-101010-ABCDEFG.cvault",
		]);
		expect(conflicts.every((f) => f.severity === "medium")).toBe(true);
		expect(conflicts.find((f) => f.path!.endsWith("LAPTOP.cvault"))!.what).toMatch(/OneDrive kept two versions of C-0142\/notes\/2026-09-01\.md/);
		expect(report.clean).toBe(false);
		await resolveConflict(record, "Clinical/C-0142/notes/2026-09-01.md-LAPTOP.cvault", "original");
		const again = await runPrivacyCheck({ record, configDirs: [], retentionHours: -1 });
		expect(again.findings.filter((f) => f.id === "sync-conflict")).toHaveLength(1);
		await record.lock();
		await expect(findConflicts(record)).rejects.toMatchObject({ code: "locked" });
		const locked = await runPrivacyCheck({ record, configDirs: [], retentionHours: -1 });
		expect(locked.checks.find((c) => c.check === "sync-conflicts")).toMatchObject({ ran: false });
		await record.unlock(PASS);
	});
});
