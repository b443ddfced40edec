/**
 * Rotating the vault key (FORMAT.md §2): after it, an old copy of the key file with the old
 * passphrase or recovery key opens none of today's files, while the record, its audit logs (entries
 * from before the rotation included) and its search index read as before. Interrupted at every
 * file, or by a disk that fills (each write and append cut short with ENOSPC), every file still
 * opens, the error says the rotation is unfinished, and running it again finishes it. Real folders,
 * real WebCrypto.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { MemoryDeviceStateStore } from "../../src/core/audit/deviceState";

const PASS = "correct horse battery staple";
const NOTES = ["C-0142/notes/2026-09-01.md", "C-0142/notes/2026-09-08.md", "C-0142/transcripts/2026-09-01.md"];

let dir: string;
let recoveryKey: string;
let device: MemoryDeviceStateStore;
const keyFilePath = () => join(dir, "Clinical", "_vault", "keyfile.json");

beforeEach(async () => {
	dir = await mkdtemp(join(tmpdir(), "cv-rekey-"));
	device = new MemoryDeviceStateStore();
	const record = new ClinicalRecord({ store: new NodeFsStore(dir), device });
	({ recoveryKey } = await record.init(PASS, { kdf: floorKdfParams() }));
	await record.addClient({ code: "C-0142", name: "Synthetic Person" });
	for (const [i, path] of NOTES.entries()) await record.writeText(path, `synthetic text ${i}\n`);
	await record.writeSystemFile("search-index", new TextEncoder().encode("derived"));
	await record.lock();
});
afterEach(async () => {
	await rm(dir, { recursive: true, force: true });
});

const open = () => new ClinicalRecord({ store: new NodeFsStore(dir), device });

describe("rotating the vault key", () => {
	it("old key file copies and the old recovery key open nothing of today's record; the record, its log and its index read as before", async () => {
		const oldKeyFile = await readFile(keyFilePath());
		const record = open();
		await record.unlock(PASS);
		const done = await record.rotateVaultKey(PASS);
		expect(done).toMatchObject({ rewrapped: NOTES.length + 2, resumed: false }); // the notes, the profile, the index
		expect(done.recoveryKey).not.toBe(recoveryKey);
		for (const [i, path] of NOTES.entries()) expect(await record.readText(path)).toBe(`synthetic text ${i}\n`);
		expect(new TextDecoder().decode((await record.readSystemFile("search-index"))!)).toBe("derived");
		const report = await record.verify();
		expect(report.ok, JSON.stringify(report)).toBe(true);
		expect((await record.audit.entries()).filter((e) => e.action === "key-rotation").map((e) => e.note)).toEqual([
			"started: a new vault key and recovery key",
			`finished: ${NOTES.length + 2} files re-wrapped`,
		]);
		await record.lock();

		// The same passphrase and the new recovery key open it; the old recovery key does not.
		const again = open();
		await again.unlock(PASS);
		expect(await again.readText(NOTES[0]!)).toBe("synthetic text 0\n");
		await again.lock();
		await expect(open().unlockWithRecoveryKey(recoveryKey, "a brand new passphrase")).rejects.toMatchObject({ code: "wrong-passphrase" });
		await open().unlockWithRecoveryKey(done.recoveryKey, "a brand new passphrase");

		// An old copy of the key file unlocks with the old passphrase, but reads none of today's files.
		const now = await readFile(keyFilePath());
		await writeFile(keyFilePath(), oldKeyFile);
		const stale = open();
		await stale.unlock(PASS);
		for (const path of NOTES) await expect(stale.readText(path)).rejects.toMatchObject({ code: "integrity" });
		await expect(stale.readSystemFile("search-index")).rejects.toMatchObject({ code: "integrity" });
		await stale.lock();
		await writeFile(keyFilePath(), now);
	});

	it("interrupted after any number of files, every file opens; running it again finishes it with a fresh recovery key", async () => {
		for (const stopAfter of [0, 3]) {
			const store = new NodeFsStore(dir);
			let writes = 0;
			const realRename = store.rename.bind(store);
			// Stop (as a kill would) when the rotation has re-wrapped `stopAfter` files.
			store.rename = async (from: string, to: string) => {
				if (to.endsWith(".cvault") && writes++ >= stopAfter) throw Object.assign(new Error("killed"), { code: "EIO" });
				return realRename(from, to);
			};
			const record = new ClinicalRecord({ store, device });
			await record.unlock(PASS);
			const stopped = await record.rotateVaultKey(PASS).catch((e: unknown) => e);
			if (!(stopped instanceof Error)) continue; // nothing left to stop at (every file was re-wrapped before)
			await record.lock().catch(() => undefined);
			const mid = open();
			await mid.unlock(PASS);
			expect(await mid.rotationUnfinished()).toBe(true);
			for (const [i, path] of NOTES.entries()) expect(await mid.readText(path)).toBe(`synthetic text ${i}\n`);
			expect((await mid.verify()).keyFile.join("")).toMatch(/was not finished/);
			const finished = await mid.rotateVaultKey(PASS);
			expect(finished.resumed).toBe(true);
			expect(await mid.rotationUnfinished()).toBe(false);
			const report = await mid.verify();
			expect(report.ok, `${stopAfter}: ${JSON.stringify(report)}`).toBe(true);
			await mid.lock();
			await open().unlockWithRecoveryKey(finished.recoveryKey, PASS);
		}
	});

	it("a disk that fills during the rotation: a clear error saying how to finish, no leftovers, every file opens; with space again it finishes", async () => {
		const store = new NodeFsStore(dir);
		let full = false;
		let recordTemps = 0;
		const enospc = () => Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
		const realWrite = store.write.bind(store);
		const realAppend = store.append.bind(store);
		// The disk fills after the second record file's re-encrypted copy: from then on every write
		// and append lands only its first half, then fails, as a full disk does.
		store.write = async (path: string, data: Uint8Array) => {
			if (full) {
				await realWrite(path, data.subarray(0, data.length >> 1));
				throw enospc();
			}
			if (/\.cvault~.*\.cvtmp$/.test(path) && ++recordTemps >= 2) full = true;
			return realWrite(path, data);
		};
		store.append = async (path: string, data: Uint8Array) => {
			if (full) {
				await realAppend(path, data.subarray(0, data.length >> 1));
				throw enospc();
			}
			return realAppend(path, data);
		};
		const record = new ClinicalRecord({ store, device });
		await record.unlock(PASS);
		const stopped = await record.rotateVaultKey(PASS).catch((e: unknown) => e);
		expect(stopped).toMatchObject({ code: "storage" });
		expect((stopped as Error).message).toMatch(/rotation stopped after \d+ files.*Every file still opens.*again.*the disk is full/s);
		await record.lock().catch(() => undefined);
		expect((await walkNames(dir)).filter((f) => f.endsWith(".cvtmp") || f.endsWith(".cvbak"))).toEqual([]);

		// Space again: the next unlock sweeps, every file opens, and the rotation finishes.
		const mid = open();
		await mid.unlock(PASS);
		expect(await mid.rotationUnfinished()).toBe(true);
		for (const [i, path] of NOTES.entries()) expect(await mid.readText(path)).toBe(`synthetic text ${i}\n`);
		expect(new TextDecoder().decode((await mid.readSystemFile("search-index"))!)).toBe("derived");
		const finished = await mid.rotateVaultKey(PASS);
		expect(finished.resumed).toBe(true);
		const report = await mid.verify();
		expect(report.ok, JSON.stringify(report)).toBe(true);
		await mid.lock();
		await open().unlockWithRecoveryKey(finished.recoveryKey, PASS);
	});
});

async function walkNames(root: string): Promise<string[]> {
	return (await readdir(root, { recursive: true })).map(String);
}
