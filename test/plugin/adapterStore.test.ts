// @vitest-environment happy-dom
/**
 * AdapterStore over the stub's adapter (a real folder). Over Obsidian's FileSystemAdapter it
 * writes the vault's folder with Node's fs (NodeFsStore): a save replaces the record file by one
 * atomic rename, fsynced, so the file is never missing. Over an adapter without a folder (the
 * fallback) the adapter's rename refuses an existing destination and the core's backup/rename
 * sequence is used. Either way the atomic protocol, the sweep and a whole record work through it.
 */
import { existsSync, promises as fsp } from "node:fs";
import { readFile, readdir, writeFile } from "node:fs/promises";
import * as nodePath from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { utf8 } from "../../src/core/bytes";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { ClinicalVaultError } from "../../src/core/errors";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { atomicWrite, backupPathFor, parseTempName, sweepLeftovers, tempPathFor } from "../../src/core/store/atomic";
import { processWriter } from "../../src/core/store/NodeFsStore";
import { AdapterStore } from "../../src/obsidian/record/AdapterStore";
import { createTestVault, type TestVault } from "../support/obsidian-harness";
import { adapterWithoutBasePath } from "../support/obsidian-stub";

const PASS = "correct horse battery";

let vault: TestVault;

beforeEach(async () => {
	vault = await createTestVault("cv-adapter-");
});
afterEach(async () => {
	vi.restoreAllMocks();
	await vault.cleanup();
});

const onDisk = (path: string) => nodePath.join(vault.dir, path);

/** The two ways AdapterStore works: over the FileSystemAdapter, and the fallback without a folder. */
const kinds = [
	{ name: "over Obsidian's FileSystemAdapter (Node's fs)", make: () => new AdapterStore(vault.app.vault.adapter), replaces: true },
	{ name: "fallback, an adapter without a folder", make: () => new AdapterStore(adapterWithoutBasePath(vault.app.vault.adapter)), replaces: false },
];

for (const { name, make, replaces } of kinds)
	describe(`AdapterStore ${name}`, () => {
		it("creates missing parent folders on write, append and rename; lists and removes", async () => {
			const store = make();
			await store.write("deep/er/still/file.bin", new Uint8Array([1, 2, 3]));
			expect([...(await store.read("deep/er/still/file.bin"))]).toEqual([1, 2, 3]);
			await store.append("logs/now/audit.log", utf8("A1.line\n"));
			await store.append("logs/now/audit.log", utf8("A1.next\n"));
			expect(await readFile(onDisk("logs/now/audit.log"), "utf8")).toBe("A1.line\nA1.next\n");
			expect(await store.size("logs/now/audit.log")).toBe(16);
			await store.rename("deep/er/still/file.bin", "moved/here/file.bin");
			expect(await store.list("moved")).toEqual({ files: [], folders: ["moved/here"] });
			expect(await store.list("moved/here")).toEqual({ files: ["moved/here/file.bin"], folders: [] });
			expect(await store.list("nowhere")).toEqual({ files: [], folders: [] });
			expect((await store.list("")).folders).toEqual(["deep", "logs", "moved"]);
			await store.remove("moved/here/file.bin");
			await store.remove("moved/here/file.bin");
			expect(await store.exists("moved/here/file.bin")).toBe(false);
			expect(await store.size("moved/here/file.bin")).toBeNull();
		});

		it("normalises paths as Obsidian does", async () => {
			const store = make();
			await store.write("/a\\b//c.bin", utf8("x"));
			expect(await readFile(onDisk("a/b/c.bin"), "utf8")).toBe("x");
			expect(await store.exists("a/b/c.bin/")).toBe(true);
		});

		it("writes exactly the bytes of a view into a larger buffer", async () => {
			const store = make();
			const big = new Uint8Array([9, 9, 1, 2, 3, 9]);
			await store.write("view.bin", big.subarray(2, 5));
			expect([...(await readFile(onDisk("view.bin")))]).toEqual([1, 2, 3]);
		});

		it("refuses to append bytes that are not text, and appends nothing", async () => {
			const store = make();
			await expect(store.append("bad.log", new Uint8Array([0xff, 0xfe]))).rejects.toThrow();
			expect(existsSync(onDisk("bad.log"))).toBe(false);
		});

		it(`rename ${replaces ? "replaces an existing destination atomically" : "refuses an existing destination, as Obsidian's adapter does"}`, async () => {
			const store = make();
			expect(store.renameReplaces).toBe(replaces);
			await store.write("a/x.bin", utf8("x"));
			await store.write("a/y.bin", utf8("y"));
			if (replaces) {
				await store.rename("a/x.bin", "a/y.bin");
				expect(await readFile(onDisk("a/y.bin"), "utf8")).toBe("x");
				expect(await readdir(onDisk("a"))).toEqual(["y.bin"]);
			} else {
				await expect(store.rename("a/x.bin", "a/y.bin")).rejects.toThrow(/already exists/);
				expect(await readFile(onDisk("a/y.bin"), "utf8")).toBe("y");
			}
		});

		it("replaces a file atomically and leaves no leftovers", async () => {
			const store = make();
			await atomicWrite(store, "Clinical/C-1/a.cvault", utf8("old"));
			await atomicWrite(store, "Clinical/C-1/a.cvault", utf8("new"));
			expect(await readFile(onDisk("Clinical/C-1/a.cvault"), "utf8")).toBe("new");
			expect(await readdir(onDisk("Clinical/C-1"))).toEqual(["a.cvault"]);
		});

		it("the sweep restores the old file after a crash between the two renames of the backup sequence, and drops a stray temp file", async () => {
			const store = make();
			const path = "Clinical/C-1/a.cvault";
			await store.write(backupPathFor(path), utf8("old"));
			await store.write(tempPathFor(path), utf8("new, never committed"));
			expect(existsSync(onDisk(path))).toBe(false);
			const touched = await sweepLeftovers(store, "Clinical");
			expect(touched.length).toBeGreaterThan(0);
			expect(await readFile(onDisk(path), "utf8")).toBe("old");
			expect(await readdir(onDisk("Clinical/C-1"))).toEqual(["a.cvault"]);
		});

		it("a crash before the rename leaves the record file intact: the leftover .cvtmp is swept at unlock", async () => {
			const record = new ClinicalRecord({ store: make() });
			await record.init(PASS, { kdf: floorKdfParams() });
			await record.addClient({ code: "C-0142", name: "Synthetic Person" });
			await record.writeText("C-0142/notes/n.md", "committed version");
			const file = record.layout.storePath("C-0142/notes/n.md");
			const committed = await readFile(onDisk(file));
			await record.lock();
			// What a crash mid-save leaves: the next version half written to the hidden temporary file.
			await writeFile(onDisk(tempPathFor(file)), committed.subarray(0, committed.length >> 1));
			await record.unlock(PASS);
			expect(existsSync(onDisk(tempPathFor(file)))).toBe(false);
			expect((await readFile(onDisk(file))).equals(committed)).toBe(true);
			expect(await record.readText("C-0142/notes/n.md")).toBe("committed version");
			expect(await record.verify()).toMatchObject({ ok: true, plaintext: [] });
			await record.lock();
		});

		it("carries a whole record: init, write, lock, unlock, read, verify", async () => {
			const record = new ClinicalRecord({ store: make() });
			await record.init(PASS, { kdf: floorKdfParams() });
			await record.addClient({ code: "C-0142", name: "Synthetic Person" });
			await record.writeText("C-0142/notes/n.md", "one");
			await record.writeText("C-0142/notes/n.md", "two");
			await record.lock();
			await record.unlock(PASS);
			expect(await record.readText("C-0142/notes/n.md")).toBe("two");
			expect(await record.verify()).toMatchObject({ ok: true, filesChecked: 2, plaintext: [] });
			await record.lock();
		});
	});

describe("AdapterStore over Obsidian's FileSystemAdapter", () => {
	/** Every fsync, by the path of the file or folder synced (vault-relative, "" for the root). */
	function countSyncs(): string[] {
		const synced: string[] = [];
		const open = fsp.open.bind(fsp);
		vi.spyOn(fsp, "open").mockImplementation(async (...args: Parameters<typeof fsp.open>) => {
			const handle = await open(...args);
			const sync = handle.sync.bind(handle);
			handle.sync = async () => {
				await sync();
				synced.push(nodePath.relative(vault.dir, String(args[0])).split(nodePath.sep).join("/"));
			};
			return handle;
		});
		return synced;
	}

	it("a save fsyncs the temporary file, renames it over the record file and fsyncs the folder; never through the adapter", async () => {
		const store = new AdapterStore(vault.app.vault.adapter);
		const path = "Clinical/C-1/a.cvault";
		await atomicWrite(store, path, utf8("old"));
		const adapter = vault.app.vault.adapter;
		const viaAdapter = [vi.spyOn(adapter, "rename"), vi.spyOn(adapter, "writeBinary"), vi.spyOn(adapter, "remove"), vi.spyOn(adapter, "append")];
		const synced = countSyncs();
		await atomicWrite(store, path, utf8("new"));
		expect(synced).toHaveLength(2);
		// The temporary file is this write's own (named for this process), then the folder.
		expect(parseTempName(synced[0]!)).toEqual({ original: path, tag: processWriter.tag });
		expect(synced[1]).toBe("Clinical/C-1");
		expect(await readFile(onDisk(path), "utf8")).toBe("new");
		for (const spy of viaAdapter) expect(spy).not.toHaveBeenCalled();
	});

	it("an append is written in full, even when the system takes it in pieces, and fsynced", async () => {
		const store = new AdapterStore(vault.app.vault.adapter);
		await store.append("Clinical/_vault/audit.log", utf8("A1.first line\n"));
		const synced: string[] = [];
		const open = fsp.open.bind(fsp);
		vi.spyOn(fsp, "open").mockImplementation(async (...args: Parameters<typeof fsp.open>) => {
			const handle = await open(...args);
			const write = handle.write.bind(handle) as (data: Uint8Array, offset: number, length: number) => Promise<{ bytesWritten: number }>;
			// At most 5 bytes per call, as a system under pressure may do.
			handle.write = ((data: Uint8Array, offset: number, length: number) => write(data, offset, Math.min(length, 5))) as typeof handle.write;
			const sync = handle.sync.bind(handle);
			handle.sync = async () => {
				await sync();
				synced.push(String(args[0]));
			};
			return handle;
		});
		const line = "A2.a longer second line, written in many pieces\n";
		await store.append("Clinical/_vault/audit.log", utf8(line));
		expect(await readFile(onDisk("Clinical/_vault/audit.log"), "utf8")).toBe(`A1.first line\n${line}`);
		expect(synced).toEqual([onDisk("Clinical/_vault/audit.log")]);
	});

	it("refuses a path that leaves the vault's folder, with a ClinicalVaultError; nothing is written outside", async () => {
		const store = new AdapterStore(vault.app.vault.adapter);
		const outside = nodePath.join(nodePath.dirname(vault.dir), `${nodePath.basename(vault.dir)}-outside.bin`);
		const escape = `../${nodePath.basename(outside)}`;
		await expect(store.write(escape, utf8("x"))).rejects.toBeInstanceOf(ClinicalVaultError);
		await expect(store.append(escape, utf8("x"))).rejects.toThrow(/outside the vault folder/);
		await expect(store.rename("a.bin", escape)).rejects.toThrow(/outside the vault folder/);
		await expect(atomicWrite(store, "Clinical/../../escape.cvault", utf8("x"))).rejects.toBeInstanceOf(ClinicalVaultError);
		expect(existsSync(outside)).toBe(false);
		expect(existsSync(nodePath.join(nodePath.dirname(vault.dir), "escape.cvault"))).toBe(false);
	});
});
