/**
 * A record on read-only media, in-process: a store whose every write fails as a read-only file
 * system does (EROFS). Opened with readOnly, the record unlocks, reads, searches its files and
 * verifies without one write attempt, and refuses every change with a clear message.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import { floorKdfParams } from "../../src/core/crypto/kdf";

const PASS = "correct horse battery staple";
const NOTE = "C-0142/notes/2026-09-01.md";

/** Every write fails with EROFS and is counted. */
class ReadOnlyMedia extends NodeFsStore {
	attempts: string[] = [];
	private refuse(op: string, path: string): Promise<never> {
		this.attempts.push(`${op} ${path}`);
		return Promise.reject(Object.assign(new Error(`EROFS: read-only file system, ${op} '${path}'`), { code: "EROFS" }));
	}
	override write(path: string): Promise<void> {
		return this.refuse("write", path);
	}
	override append(path: string): Promise<void> {
		return this.refuse("append", path);
	}
	override rename(from: string): Promise<void> {
		return this.refuse("rename", from);
	}
	override remove(path: string): Promise<void> {
		return this.refuse("remove", path);
	}
	override createExclusive(path: string): Promise<boolean> {
		return this.refuse("create", path);
	}
	override mkdir(path: string): Promise<void> {
		return this.refuse("mkdir", path);
	}
}

let dir: string;
beforeEach(async () => {
	dir = await mkdtemp(join(tmpdir(), "cv-readonly-"));
	const record = new ClinicalRecord({ store: new NodeFsStore(dir) });
	await record.init(PASS, { kdf: floorKdfParams() });
	await record.addClient({ code: "C-0142", name: "Synthetic Person" });
	await record.writeText(NOTE, "A synthetic note.\n");
	await record.lock();
});
afterEach(async () => {
	await rm(dir, { recursive: true, force: true });
});

describe("a record on read-only media", () => {
	it("unlocks, reads and verifies without one write attempt; changes are refused, saying so", async () => {
		const store = new ReadOnlyMedia(dir);
		const record = new ClinicalRecord({ store, readOnly: true });
		await record.unlock(PASS);
		expect(await record.readText(NOTE)).toBe("A synthetic note.\n");
		const report = await record.verify();
		expect(report.ok).toBe(true);
		await record.writeSystemFile("search-index", new Uint8Array([1, 2, 3])); // derived data: kept in memory only
		for (const change of [
			() => record.writeText(NOTE, "changed"),
			() => record.remove(NOTE),
			() => record.changePassphrase(PASS, "another passphrase here"),
			() => record.audit.reset("why"),
		]) {
			await expect(change()).rejects.toMatchObject({ code: "refused", message: expect.stringMatching(/read-only.*Nothing was written\./) as unknown });
		}
		expect(record.audit.unlogged).toBeGreaterThan(0);
		await record.lock();
		expect(store.attempts).toEqual([]);
	});

	it("without readOnly the same media fails at the first write with the storage error, not silently", async () => {
		const record = new ClinicalRecord({ store: new ReadOnlyMedia(dir) });
		await expect(record.unlock(PASS)).rejects.toMatchObject({ code: "storage" });
	});
});
