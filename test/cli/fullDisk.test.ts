/**
 * A full disk never blocks reading: the CLI's unlock, read and lock on a vault where every write
 * fails with ENOSPC (the sweep's lock file, the audit entry, the format copy) still return what was
 * read, and the clinician is told the session is not in the audit log. A change is still refused.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { MemoryDeviceStateStore } from "../../src/core/audit/deviceState";
import { withUnlocked } from "../../src/cli/vault";

const PASS = "correct horse battery staple";
const NOTE = "C-0142/notes/2026-09-01.md";

/** Every write fails as on a full disk. */
class FullDisk extends NodeFsStore {
	private noSpace(op: string, path: string): Promise<never> {
		return Promise.reject(Object.assign(new Error(`ENOSPC: no space left on device, ${op} '${path}'`), { code: "ENOSPC" }));
	}
	override write(path: string): Promise<void> {
		return this.noSpace("write", path);
	}
	override append(path: string): Promise<void> {
		return this.noSpace("append", path);
	}
	override createExclusive(path: string): Promise<boolean> {
		return this.noSpace("create", path);
	}
	override rename(from: string): Promise<void> {
		return this.noSpace("rename", from);
	}
}

let dir: string;
beforeEach(async () => {
	dir = await mkdtemp(join(tmpdir(), "cv-fulldisk-"));
	const record = new ClinicalRecord({ store: new NodeFsStore(dir) });
	await record.init(PASS, { kdf: floorKdfParams() });
	await record.addClient({ code: "C-0142", name: "Synthetic Person" });
	await record.writeText(NOTE, "Read me even when the disk is full.\n");
	await record.lock();
});
afterEach(async () => {
	await rm(dir, { recursive: true, force: true });
});

describe("a full disk", () => {
	it("never blocks reading: the text comes back and the session is said to be unlogged; a change still fails", async () => {
		// The run's stderr, as openVault would give it.
		const stderr: string[] = [];
		const notices = new Writable({
			write(chunk: Buffer, _encoding, done) {
				stderr.push(chunk.toString());
				done();
			},
		});
		const record = new ClinicalRecord({ store: new FullDisk(dir), device: new MemoryDeviceStateStore(), batchReads: true });
		const open = { record, notices };
		const text = await withUnlocked(open, PASS, () => record.readText(NOTE));
		expect(text).toBe("Read me even when the disk is full.\n");
		expect(stderr.join("")).toMatch(/the disk is full\. This session is not in the audit log \(reading is never blocked for it\)\./);
		expect(record.isUnlocked).toBe(false);
		await expect(withUnlocked(open, PASS, () => record.writeText(NOTE, "changed"))).rejects.toMatchObject({
			code: "storage",
			message: expect.stringMatching(/disk is full/) as unknown,
		});
	});
});
