/**
 * Every committed example vault (test/fixtures/vault-v<N>/, one per format version) opens, forever.
 * Each is opened on a temporary COPY (unlock and recovery both write), with its passphrase and with
 * its recovery key; every file decrypts to the plaintext its manifest names (SHA-256); the audit
 * chain verifies and starts with the manifest's entries. The fixture itself is checked to be
 * byte-identical afterwards. Nothing here regenerates a fixture.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cp, readdir, readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import { MAGIC, readHeader } from "../../src/core/crypto/fileformat";
import { WrongPassphraseError } from "../../src/core/errors";
import { sha256, toHex } from "../../src/core/bytes";
import { changedPaths, removeDir, snapshotDir, tempDir } from "./helpers";

interface Manifest {
	formatVersion: number;
	clinicalRoot: string;
	passphrase: string;
	recoveryKey: string;
	vaultId: string;
	files: { recordPath: string; storePath: string; contentType: string; plaintextBytes: number; plaintextSha256: string; encryptedBytes: number }[];
	audit: { entries: number; actions: string[] };
}

const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));
const vaults = (await readdir(FIXTURES, { withFileTypes: true }))
	.filter((e) => e.isDirectory() && /^vault-v\d+$/.test(e.name))
	.map((e) => e.name)
	.sort();

it("there is an example vault for format version 1", () => {
	expect(vaults).toContain("vault-v1");
});

for (const name of vaults) {
	describe(`example vault ${name}`, () => {
		const fixture = join(FIXTURES, name);
		let manifest: Manifest;
		let pristine: Map<string, Buffer>;
		const copies: string[] = [];

		async function copy(): Promise<string> {
			const dir = await tempDir(`fixture-${name}`);
			copies.push(dir);
			await cp(fixture, dir, { recursive: true });
			return dir;
		}

		async function expectManifestContent(record: ClinicalRecord): Promise<void> {
			const listed = (await record.list()).map((e) => e.recordPath).sort();
			expect(listed).toEqual(manifest.files.map((f) => f.recordPath).sort());
			for (const file of manifest.files) {
				const plaintext = await record.read(file.recordPath);
				expect(plaintext.length, file.recordPath).toBe(file.plaintextBytes);
				expect(toHex(await sha256(plaintext)), file.recordPath).toBe(file.plaintextSha256);
			}
		}

		beforeAll(async () => {
			manifest = JSON.parse(await readFile(join(fixture, "manifest.json"), "utf8")) as Manifest;
			pristine = await snapshotDir(fixture);
		});

		afterAll(async () => {
			for (const dir of copies) await removeDir(dir);
			// The committed fixture was never touched.
			expect(changedPaths(pristine, await snapshotDir(fixture))).toEqual([]);
		});

		it("its files carry the format version it is named for, and the sizes of its manifest", async () => {
			expect(name).toBe(`vault-v${manifest.formatVersion}`);
			expect(existsSync(join(fixture, "README.md"))).toBe(true);
			expect(await readFile(join(fixture, "README.md"), "utf8")).toContain(manifest.passphrase);
			for (const file of manifest.files) {
				const bytes = await readFile(join(fixture, file.storePath));
				expect(bytes.length, file.storePath).toBe(file.encryptedBytes);
				expect(MAGIC.every((b, i) => bytes[i] === b)).toBe(true);
				expect(bytes[6], file.storePath).toBe(manifest.formatVersion);
				const { header } = readHeader(bytes, file.recordPath);
				expect(header).toMatchObject({ path: file.recordPath, vaultId: manifest.vaultId, contentType: file.contentType });
			}
		});

		it("unlocks with its passphrase; every file decrypts to the manifest's plaintext; the audit chain verifies", async () => {
			const dir = await copy();
			const record = new ClinicalRecord({ store: new NodeFsStore(dir), root: manifest.clinicalRoot });
			await expect(record.unlock(`${manifest.passphrase}x`)).rejects.toBeInstanceOf(WrongPassphraseError);
			await record.unlock(manifest.passphrase);
			await expectManifestContent(record);
			const report = await record.verify();
			expect(report).toMatchObject({ ok: true, filesChecked: manifest.files.length, failures: [], plaintext: [] });
			const entries = await record.audit.entries();
			expect(entries.slice(0, manifest.audit.entries).map((e) => e.action)).toEqual(manifest.audit.actions);
			expect(entries[manifest.audit.entries]?.action).toBe("unlock");
			const profile = manifest.files.find((f) => f.recordPath.endsWith("/profile.md"));
			if (profile) expect((await record.readProfile(profile.recordPath.split("/")[0]!)).name).not.toBe("");
			await record.lock();
		});

		it("unlocks with its recovery key, which sets a new passphrase; the files still match", async () => {
			const dir = await copy();
			const record = new ClinicalRecord({ store: new NodeFsStore(dir), root: manifest.clinicalRoot });
			await record.unlockWithRecoveryKey(manifest.recoveryKey, "a new passphrase for the copy");
			await expectManifestContent(record);
			expect((await record.audit.verify()).ok).toBe(true);
			await record.lock();
			await expect(new ClinicalRecord({ store: new NodeFsStore(dir), root: manifest.clinicalRoot }).unlock(manifest.passphrase)).rejects.toBeInstanceOf(
				WrongPassphraseError,
			);
			const again = new ClinicalRecord({ store: new NodeFsStore(dir), root: manifest.clinicalRoot });
			await again.unlock("a new passphrase for the copy");
			await expectManifestContent(again);
		});
	});
}
