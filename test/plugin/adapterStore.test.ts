// @vitest-environment happy-dom
/**
 * AdapterStore over the stub's adapter (a real folder whose rename refuses an existing
 * destination, like Obsidian's): the core's atomic protocol and sweep work through it, and the
 * whole record round-trips.
 */
import { existsSync } from "node:fs";
import { readFile, readdir } from "node:fs/promises";
import * as nodePath from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { utf8 } from "../../src/core/bytes";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { atomicWrite, backupPathFor, sweepLeftovers, tempPathFor } from "../../src/core/store/atomic";
import { AdapterStore } from "../../src/obsidian/AdapterStore";
import { createTestVault, type TestVault } from "../support/obsidian-harness";

let vault: TestVault;
let store: AdapterStore;

beforeEach(async () => {
	vault = await createTestVault("cv-adapter-");
	store = new AdapterStore(vault.app.vault.adapter);
});
afterEach(async () => {
	await vault.cleanup();
});

describe("AdapterStore", () => {
	it("declares that rename does not replace, as Obsidian's adapter refuses an existing destination", async () => {
		expect(store.renameReplaces).toBe(false);
		await store.write("a/x.bin", utf8("x"));
		await store.write("a/y.bin", utf8("y"));
		await expect(store.rename("a/x.bin", "a/y.bin")).rejects.toThrow(/already exists/);
		expect(await readFile(nodePath.join(vault.dir, "a/y.bin"), "utf8")).toBe("y");
	});

	it("creates missing parent folders on write, append and rename; lists and removes", async () => {
		await store.write("deep/er/still/file.bin", new Uint8Array([1, 2, 3]));
		expect([...(await store.read("deep/er/still/file.bin"))]).toEqual([1, 2, 3]);
		await store.append("logs/now/audit.log", utf8("A1.line\n"));
		await store.append("logs/now/audit.log", utf8("A1.next\n"));
		expect(await readFile(nodePath.join(vault.dir, "logs/now/audit.log"), "utf8")).toBe("A1.line\nA1.next\n");
		await store.rename("deep/er/still/file.bin", "moved/here/file.bin");
		expect(await store.list("moved")).toEqual({ files: [], folders: ["moved/here"] });
		expect(await store.list("moved/here")).toEqual({ files: ["moved/here/file.bin"], folders: [] });
		expect(await store.list("nowhere")).toEqual({ files: [], folders: [] });
		await store.remove("moved/here/file.bin");
		await store.remove("moved/here/file.bin");
		expect(await store.exists("moved/here/file.bin")).toBe(false);
	});

	it("writes exactly the bytes of a view into a larger buffer", async () => {
		const big = new Uint8Array([9, 9, 1, 2, 3, 9]);
		await store.write("view.bin", big.subarray(2, 5));
		expect([...(await readFile(nodePath.join(vault.dir, "view.bin")))]).toEqual([1, 2, 3]);
	});

	it("refuses to append bytes that are not text", async () => {
		await expect(store.append("bad.log", new Uint8Array([0xff, 0xfe]))).rejects.toThrow();
	});

	it("replaces a file atomically through the backup sequence and leaves no leftovers", async () => {
		await atomicWrite(store, "Clinical/C-1/a.cvault", utf8("old"));
		await atomicWrite(store, "Clinical/C-1/a.cvault", utf8("new"));
		expect(await readFile(nodePath.join(vault.dir, "Clinical/C-1/a.cvault"), "utf8")).toBe("new");
		expect(await readdir(nodePath.join(vault.dir, "Clinical/C-1"))).toEqual(["a.cvault"]);
	});

	it("the sweep restores the old file after a crash between the two renames, and drops a stray temp file", async () => {
		const path = "Clinical/C-1/a.cvault";
		await store.write(backupPathFor(path), utf8("old"));
		await store.write(tempPathFor(path), utf8("new, never committed"));
		expect(existsSync(nodePath.join(vault.dir, path))).toBe(false);
		const touched = await sweepLeftovers(store, "Clinical");
		expect(touched.length).toBeGreaterThan(0);
		expect(await readFile(nodePath.join(vault.dir, path), "utf8")).toBe("old");
		expect(await readdir(nodePath.join(vault.dir, "Clinical/C-1"))).toEqual(["a.cvault"]);
	});

	it("carries a whole record: init, write, lock, unlock, read, verify", async () => {
		const record = new ClinicalRecord({ store });
		await record.init("correct horse battery", { kdf: floorKdfParams() });
		await record.addClient({ code: "C-0142", name: "Synthetic Person" });
		await record.writeText("C-0142/notes/n.md", "one");
		await record.writeText("C-0142/notes/n.md", "two");
		await record.lock();
		await record.unlock("correct horse battery");
		expect(await record.readText("C-0142/notes/n.md")).toBe("two");
		expect(await record.verify()).toMatchObject({ ok: true, filesChecked: 2, plaintext: [] });
		await record.lock();
	});
});
