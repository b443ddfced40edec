/**
 * Atomic writes under injected storage failures (MemoryStore), for both protocols: rename that
 * replaces (POSIX) and rename that refuses an existing destination (Obsidian's adapter, the
 * backup/rename path). Invariant: a save that reports an error left the previous version in
 * place; a save that succeeded left the new one; after the start-up sweep there are no leftovers
 * and the file decrypts to the old or the new content.
 */
import { describe, expect, it } from "vitest";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { MemoryStore, type StoreOperation } from "../../src/core/store/MemoryStore";
import { atomicWrite, backupPathFor, sweepLeftovers, tempPathFor } from "../../src/core/store/atomic";
import { ManualClock } from "../../src/core/clock";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { createKeyFile, serializeKeyFile } from "../../src/core/crypto/keyfile";
import { deriveVaultKeys } from "../../src/core/crypto/vaultkeys";
import { ClinicalVaultError, StorageError } from "../../src/core/errors";
import { utf8 } from "../../src/core/bytes";
import { outcome } from "./helpers";

const NOTE = "C-0003/notes/2026-05-05.md";
const OLD = "# Old synthetic content\n".repeat(3000);
const NEW = "# New synthetic content\n".repeat(2000);

let template: MemoryStore | null = null;
let keyMaterial: { vaultKey: Uint8Array; vaultId: string } | null = null;

/** A store holding a vault with NOTE = OLD, and a record attached to it (one KDF run for the whole file). */
async function setup(renameReplaces: boolean): Promise<{ store: MemoryStore; record: ClinicalRecord }> {
	if (!template || !keyMaterial) {
		const t = new MemoryStore();
		const clock = new ManualClock();
		const { keyFile, vaultKey } = await createKeyFile("atomic test passphrase", floorKdfParams(), clock.now());
		await atomicWrite(t, "Clinical/_vault/keyfile.json", serializeKeyFile(keyFile));
		keyMaterial = { vaultKey: new Uint8Array(vaultKey), vaultId: keyFile.vaultId };
		const r = new ClinicalRecord({ store: t, clock });
		await r.attachKeys(await deriveVaultKeys(vaultKey, keyFile.vaultId));
		await r.addClient({ code: "C-0003", name: "Synthetic Atomic Client" });
		await r.writeText(NOTE, OLD);
		template = t;
	}
	const store = new MemoryStore({ renameReplaces });
	for (const [path, data] of template.snapshot()) store.put(path, data);
	const record = new ClinicalRecord({ store, clock: new ManualClock() });
	await record.attachKeys(await deriveVaultKeys(new Uint8Array(keyMaterial.vaultKey), keyMaterial.vaultId));
	return { store, record };
}

function leftovers(store: MemoryStore): string[] {
	return store.paths().filter((p) => p.endsWith(".cvtmp") || p.endsWith(".cvbak"));
}

describe("a disk-full error while the temporary file is written", () => {
	for (const renameReplaces of [true, false]) {
		it(`renameReplaces=${renameReplaces}: StorageError saying the disk is full, old file intact, no temp left, the failure audit-logged`, async () => {
			const { store, record } = await setup(renameReplaces);
			const storePath = record.layout.storePath(NOTE);
			const before = store.snapshot();
			const auditBefore = (await record.audit.verify()).entries;
			store.failNext({ operation: "write", path: /\.cvtmp$/, partialBytes: 20_000, code: "ENOSPC" });
			const error = await record.writeText(NOTE, NEW).catch((e: unknown) => e);
			expect(error).toBeInstanceOf(StorageError);
			expect((error as StorageError).message).toBe(`Could not write ${storePath}: the disk is full. The previous version is intact.`);
			expect((error as StorageError).path).toBe(storePath);
			// The partial temporary file existed and was removed.
			expect(store.log).toContain(`write ${tempPathFor(storePath)}`);
			expect(store.log).toContain(`remove ${tempPathFor(storePath)}`);
			expect(leftovers(store)).toEqual([]);
			expect(Buffer.from(store.peek(storePath)!).equals(Buffer.from(before.get(storePath)!))).toBe(true);
			expect(await record.readText(NOTE, "internal")).toBe(OLD);
			// The entry written ahead of the save, and one saying it failed and the old version was kept.
			const audit = await record.audit.verify();
			expect(audit.entries).toBe(auditBefore + 2);
			const own = audit.entryList.filter((e) => e.log === record.audit.device);
			expect(own.at(-2)).toMatchObject({ action: "modify", path: NOTE });
			expect(own.at(-1)).toMatchObject({
				action: "audit-repair",
				path: NOTE,
				undo: `${record.audit.device}#${own.at(-2)!.seq}`,
				note: "modify: write failed; the previous version was kept",
			});
			// The next save works.
			await record.writeText(NOTE, NEW);
			expect(await record.readText(NOTE, "internal")).toBe(NEW);
		});
	}

	it("a new file that cannot be written leaves nothing behind", async () => {
		const { store, record } = await setup(false);
		const path = "C-0003/notes/2026-05-06.md";
		store.failNext({ operation: "write", path: /\.cvtmp$/, partialBytes: 10, code: "ENOSPC" });
		await expect(record.writeText(path, NEW)).rejects.toMatchObject({ code: "storage", message: expect.stringContaining("the disk is full") as unknown });
		expect(await record.exists(path)).toBe(false);
		expect(leftovers(store)).toEqual([]);
	});

	it("permission, read-only and quota errors get their own words", async () => {
		const { store, record } = await setup(true);
		for (const [code, words] of [
			["EACCES", "permission denied"],
			["EROFS", "the disk is read-only"],
			["EDQUOT", "the disk quota is exceeded"],
			["EIO", "the write failed"],
		] as const) {
			store.failNext({ operation: "write", path: /\.cvtmp$/, code });
			await expect(record.writeText(NOTE, NEW)).rejects.toMatchObject({ message: expect.stringContaining(words) as unknown });
			expect(await record.readText(NOTE, "internal")).toBe(OLD);
		}
	});
});

/** Every storage operation of one save, failed in turn. */
describe("a failure at every step of a save", () => {
	for (const renameReplaces of [true, false]) {
		it(`renameReplaces=${renameReplaces}: an error means the old version is in place, success the new one; the sweep leaves no leftovers`, async () => {
			// Count the operations of an undisturbed save.
			const probe = await setup(renameReplaces);
			const start = probe.store.log.length;
			await probe.record.writeText(NOTE, NEW);
			const ops = probe.store.log.slice(start).map((l) => l.split(" ")[0] as StoreOperation);
			const counts = new Map<StoreOperation, number>();
			for (const op of ops) counts.set(op, (counts.get(op) ?? 0) + 1);
			expect(counts.get("write")).toBe(1);
			expect(counts.get("rename")).toBe(renameReplaces ? 1 : 2);
			expect(counts.get("append")).toBe(1);

			const seen: string[] = [];
			for (const [operation, count] of counts) {
				if (operation === "read") continue;
				for (let skip = 0; skip < count; skip++) {
					const { store, record } = await setup(renameReplaces);
					store.failNext({ operation, skip, code: "EIO", partialBytes: 7 });
					const result = await outcome(record.writeText(NOTE, NEW));
					const content = await record.readText(NOTE, "internal").catch(() => "(missing)");
					const label = `${operation}#${skip}`;
					seen.push(`${label}:${result.ok ? "ok" : "error"}`);
					if (result.ok) {
						expect(content, label).toBe(NEW);
					} else {
						expect(result.error, label).toBeInstanceOf(ClinicalVaultError);
						expect((result.error as ClinicalVaultError).code, label).toBe("storage");
						// The audit entry is written ahead of the file: when it fails, nothing was written.
						if (operation === "append")
							expect((result.error as ClinicalVaultError).path, label).toBe(`${record.layout.auditFolder}/${record.audit.device}.cvlog`);
						expect(content, label).toBe(OLD);
					}
					await sweepLeftovers(store, "Clinical");
					expect(leftovers(store), label).toEqual([]);
					expect([OLD, NEW], label).toContain(await record.readText(NOTE, "internal"));
					// The audit log verifies, or only has a torn last line that the next append repairs.
					const audit = await record.audit.verify();
					const own = audit.logs.find((l) => l.name === record.audit.device);
					if (!audit.ok)
						expect(audit.problems, label).toEqual([
							`audit log ${record.audit.device}, entry ${(own?.entries ?? 0) + 1}: incomplete (an append was interrupted)`,
						]);
					// The same session saves again: the audit chain must come out whole.
					await record.writeText(NOTE, OLD);
					const after = await record.audit.verify();
					expect(after.problems, label).toEqual([]);
				}
			}
			expect(seen.length).toBe([...counts].filter(([op]) => op !== "read").reduce((n, [, c]) => n + c, 0));
		});
	}
});

describe("atomicWrite and the sweep on their own", () => {
	it("without replacing rename, the switch goes through a backup that is removed afterwards", async () => {
		const store = new MemoryStore({ renameReplaces: false });
		store.put("Clinical/C-0003/a.cvault", utf8("old"));
		await atomicWrite(store, "Clinical/C-0003/a.cvault", utf8("new"));
		expect(store.log.filter((l) => l.startsWith("rename"))).toEqual([
			"rename Clinical/C-0003/a.cvault -> Clinical/C-0003/.a.cvault.cvbak",
			"rename Clinical/C-0003/.a.cvault.cvtmp -> Clinical/C-0003/a.cvault",
		]);
		expect(Buffer.from(store.peek("Clinical/C-0003/a.cvault")!).toString()).toBe("new");
		expect(store.paths()).toEqual(["Clinical/C-0003/a.cvault"]);
	});

	it("MemoryStore with renameReplaces=false refuses to rename onto an existing file", async () => {
		const store = new MemoryStore({ renameReplaces: false });
		store.put("a", utf8("1"));
		store.put("b", utf8("2"));
		await expect(store.rename("a", "b")).rejects.toMatchObject({ code: "EEXIST" });
		expect(Buffer.from(store.peek("b")!).toString()).toBe("2");
	});

	it("the sweep restores a backup whose original is missing, and drops temps and stale backups", async () => {
		const store = new MemoryStore({ renameReplaces: false });
		const a = "Clinical/C-0003/notes/a.md.cvault";
		const b = "Clinical/C-0003/notes/b.md.cvault";
		store.put(backupPathFor(a), utf8("old a"));
		store.put(tempPathFor(a), utf8("new a"));
		store.put(b, utf8("new b"));
		store.put(backupPathFor(b), utf8("old b"));
		store.put(tempPathFor("Clinical/_vault/audit.cvlog"), utf8("partial"));
		const touched = await sweepLeftovers(store, "Clinical");
		expect(touched.length).toBeGreaterThan(0);
		expect(store.paths()).toEqual([a, b]);
		expect(Buffer.from(store.peek(a)!).toString()).toBe("old a");
		expect(Buffer.from(store.peek(b)!).toString()).toBe("new b");
		expect(await sweepLeftovers(store, "Clinical")).toEqual([]);
	});
});
