/**
 * The key file under attack and misuse, on a real temporary folder: wrong passphrase or recovery
 * key, KDF parameters out of bounds (refused before Argon2 runs), unknown versions, tampered
 * parameters and slots, recovery, and passphrase changes that rewrite only the key file.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cp, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import { ManualClock } from "../../src/core/clock";
import { checkKdfParams, deriveKek, floorKdfParams, KDF_CAP, KDF_FLOOR, newKdfParams, type KdfParams, KDF_WORK_CAP } from "../../src/core/crypto/kdf";
import { ClinicalVaultError, UnsupportedFormatError, WrongPassphraseError } from "../../src/core/errors";
import { toBase64 } from "../../src/core/bytes";
import { changedPaths, outcome, removeDir, snapshotDir, tempDir } from "./helpers";

const PASS = "first synthetic passphrase";
const NEW_PASS = "second synthetic passphrase";
const NOTE = "C-0007/notes/2026-04-01.md";

let template: string;
let dir: string;
let record: ClinicalRecord;
let recoveryKey: string;
let keyFilePath: string;

function fresh(): ClinicalRecord {
	return new ClinicalRecord({ store: new NodeFsStore(dir), clock: new ManualClock() });
}

// One vault is created (one Argon2id run) and copied for each test.
beforeAll(async () => {
	template = await tempDir("keyfile-template");
	const r = new ClinicalRecord({ store: new NodeFsStore(template), clock: new ManualClock() });
	({ recoveryKey } = await r.init(PASS, { kdf: floorKdfParams() }));
	await r.addClient({ code: "C-0007", name: "Synthetic Keyfile Client" });
	await r.writeText(NOTE, "# Synthetic note\n");
	await r.lock();
});

afterAll(async () => {
	await removeDir(template);
});

beforeEach(async () => {
	dir = await tempDir("keyfile");
	await cp(template, dir, { recursive: true });
	record = fresh();
	keyFilePath = join(dir, record.layout.keyFilePath);
});

afterEach(async () => {
	await removeDir(dir);
});

async function editKeyFile(edit: (kf: Record<string, unknown> & { kdf: Record<string, unknown> }) => void): Promise<void> {
	const kf = JSON.parse(await readFile(keyFilePath, "utf8")) as Record<string, unknown> & { kdf: Record<string, unknown> };
	edit(kf);
	await writeFile(keyFilePath, JSON.stringify(kf, null, 2));
}

describe("wrong passphrase or recovery key", () => {
	it("a wrong passphrase is a WrongPassphraseError and every file stays byte-identical", async () => {
		const before = await snapshotDir(dir);
		const r = fresh();
		for (const wrong of ["first synthetic passphrasf", "", PASS.toUpperCase(), `${PASS} `]) {
			const error = await r.unlock(wrong).catch((e: unknown) => e);
			expect(error).toBeInstanceOf(WrongPassphraseError);
			expect((error as ClinicalVaultError).code).toBe("wrong-passphrase");
			expect(r.isUnlocked).toBe(false);
		}
		expect(changedPaths(before, await snapshotDir(dir))).toEqual([]);
		await r.unlock(PASS);
		expect(await r.readText(NOTE)).toBe("# Synthetic note\n");
	});

	it("a wrong recovery key is refused and changes nothing; a malformed one is invalid input", async () => {
		const before = await snapshotDir(dir);
		const r = fresh();
		const wrong = recoveryKey.startsWith("A") ? `B${recoveryKey.slice(1)}` : `A${recoveryKey.slice(1)}`;
		const error = await r.unlockWithRecoveryKey(wrong, NEW_PASS).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(WrongPassphraseError);
		expect((error as Error).message).toMatch(/recovery key/);
		await expect(r.unlockWithRecoveryKey("not-a-recovery-key", NEW_PASS)).rejects.toMatchObject({ code: "invalid-input" });
		expect(r.isUnlocked).toBe(false);
		expect(changedPaths(before, await snapshotDir(dir))).toEqual([]);
	});
});

describe("KDF parameters out of bounds are refused before the KDF runs", () => {
	const refused: [string, Partial<KdfParams> | Record<string, unknown>][] = [
		["memory one below the floor", { memoryKiB: KDF_FLOOR.memoryKiB - 1 }],
		["memory of 1 MiB", { memoryKiB: 1024 }],
		["memory one above the cap", { memoryKiB: KDF_CAP.memoryKiB + 1 }],
		["memory of 4 GiB", { memoryKiB: 4 * 1024 * 1024 }],
		["memory of 2^31 KiB", { memoryKiB: 2 ** 31 }],
		["one pass", { iterations: 1 }],
		["passes one above the cap", { iterations: KDF_CAP.iterations + 1 }],
		["a million passes", { iterations: 1_000_000 }],
		["zero lanes", { parallelism: 0 }],
		["lanes above the cap", { parallelism: KDF_CAP.parallelism + 1 }],
		["fractional memory", { memoryKiB: KDF_FLOOR.memoryKiB + 0.5 }],
		["memory as a string", { memoryKiB: "65536" }],
		["negative memory", { memoryKiB: -65536 }],
		["another algorithm", { algorithm: "argon2i" }],
		["Argon2 version 0x10", { version: 16 }],
		["a short salt", { salt: toBase64(new Uint8Array(8)) }],
		["a salt that is not base64", { salt: "!!!!" }],
	];

	for (const [name, change] of refused) {
		it(`${name}: kdf-params error in milliseconds, nothing changed`, async () => {
			await editKeyFile((kf) => Object.assign(kf.kdf, change));
			const before = await snapshotDir(dir);
			const r = fresh();
			const started = performance.now();
			const result = await outcome(r.unlock(PASS));
			const ms = performance.now() - started;
			expect(result.ok).toBe(false);
			expect(!result.ok && result.error).toMatchObject({ code: "kdf-params" });
			expect(!result.ok && (result.error as Error).message).toMatch(/key-derivation parameters are refused/);
			// Argon2id at 4 GiB or a million passes would take minutes (or fail to allocate); even the floor
			// takes longer than this on the CI machine. The refusal only parses JSON.
			expect(ms).toBeLessThan(250);
			expect(changedPaths(before, await snapshotDir(dir))).toEqual([]);
			expect(r.isUnlocked).toBe(false);
		});
	}

	it("deriveKek itself refuses out-of-bounds parameters without running Argon2id", async () => {
		const huge = { ...floorKdfParams(), memoryKiB: 8 * 1024 * 1024, iterations: 1_000_000 };
		const started = performance.now();
		await expect(deriveKek("whatever passphrase", huge)).rejects.toMatchObject({ code: "kdf-params" });
		expect(performance.now() - started).toBeLessThan(100);
	});

	it("the floor and the cap themselves are accepted by the check (the KDF is not run at the cap)", () => {
		expect(checkKdfParams(newKdfParams(KDF_FLOOR))).toMatchObject(KDF_FLOOR);
		// Each parameter at its own cap is accepted when memory × passes stays within the work cap...
		const memoryCap = { ...floorKdfParams(), memoryKiB: KDF_CAP.memoryKiB, iterations: KDF_WORK_CAP / KDF_CAP.memoryKiB, parallelism: KDF_CAP.parallelism };
		expect(checkKdfParams(memoryCap)).toMatchObject({ memoryKiB: KDF_CAP.memoryKiB });
		const passesCap = { ...floorKdfParams(), memoryKiB: KDF_WORK_CAP / KDF_CAP.iterations, iterations: KDF_CAP.iterations };
		expect(checkKdfParams(passesCap)).toMatchObject({ iterations: KDF_CAP.iterations });
		// ...but not all at once: 1 GiB × 64 passes would make unlock take minutes.
		expect(() => checkKdfParams({ ...floorKdfParams(), ...KDF_CAP })).toThrow(/memory × passes .* is above the maximum/);
		expect(() => checkKdfParams({ ...floorKdfParams(), memoryKiB: 600 * 1024, iterations: 4 })).toThrow(/memory × passes/);
	});
});

describe("unknown or damaged key files", () => {
	for (const version of [0, 2, 99, "1", null]) {
		it(`key file version ${JSON.stringify(version)} is an UnsupportedFormatError naming the key file`, async () => {
			await editKeyFile((kf) => {
				kf.version = version;
			});
			const before = await snapshotDir(dir);
			const error = await fresh()
				.unlock(PASS)
				.catch((e: unknown) => e);
			expect(error).toBeInstanceOf(UnsupportedFormatError);
			expect((error as ClinicalVaultError).message).toContain(record.layout.keyFilePath);
			expect(changedPaths(before, await snapshotDir(dir))).toEqual([]);
		});
	}

	it("a key file that is not JSON, or not a Clinical Vault key file, is an integrity error naming it", async () => {
		await writeFile(keyFilePath, "{ this is not json");
		await expect(fresh().unlock(PASS)).rejects.toMatchObject({ code: "integrity", path: record.layout.keyFilePath });
		await writeFile(keyFilePath, JSON.stringify({ format: "something-else", version: 1 }));
		await expect(fresh().unlock(PASS)).rejects.toMatchObject({ code: "integrity", path: record.layout.keyFilePath });
	});

	it("tampered KDF parameters that stay in bounds make the right passphrase fail as a wrong passphrase, not a crash", async () => {
		const original = await readFile(keyFilePath, "utf8");
		const changes: Record<string, unknown>[] = [
			{ memoryKiB: KDF_FLOOR.memoryKiB + 1024 },
			{ iterations: KDF_FLOOR.iterations + 1 },
			{ salt: toBase64(new Uint8Array(16).fill(7)) },
		];
		for (const change of changes) {
			await writeFile(keyFilePath, original);
			await editKeyFile((kf) => Object.assign(kf.kdf, change));
			const before = await snapshotDir(dir);
			const error = await fresh()
				.unlock(PASS)
				.catch((e: unknown) => e);
			expect(error).toBeInstanceOf(WrongPassphraseError);
			expect(changedPaths(before, await snapshotDir(dir))).toEqual([]);
		}
		await writeFile(keyFilePath, original);
		await fresh().unlock(PASS);
	});

	it("a tampered vault id fails as a wrong passphrase (the slots are bound to it)", async () => {
		await editKeyFile((kf) => {
			kf.vaultId = "0".repeat(32);
		});
		await expect(fresh().unlock(PASS)).rejects.toBeInstanceOf(WrongPassphraseError);
		await expect(fresh().unlockWithRecoveryKey(recoveryKey, NEW_PASS)).rejects.toBeInstanceOf(WrongPassphraseError);
	});

	const damagedSlots: [string, unknown][] = [
		["a null slot", [null]],
		["a slot that is a string", ["passphrase"]],
		["slots missing their fields", [{ kind: "passphrase" }, { kind: "recovery" }]],
		[
			"slots with non-base64 fields",
			[
				{ kind: "passphrase", iv: "%%", wrapped: "%%" },
				{ kind: "recovery", salt: "%%", iv: "%%", wrapped: "%%" },
			],
		],
		["no slots", []],
	];
	for (const [name, slots] of damagedSlots) {
		it(`${name}: a clear ClinicalVaultError for the passphrase and the recovery key, nothing changed`, async () => {
			await editKeyFile((kf) => {
				kf.slots = slots;
			});
			const before = await snapshotDir(dir);
			for (const attempt of [() => fresh().unlock(PASS), () => fresh().unlockWithRecoveryKey(recoveryKey, NEW_PASS)]) {
				const error = await attempt().catch((e: unknown) => e);
				expect(error).toBeInstanceOf(ClinicalVaultError);
				expect(["integrity", "wrong-passphrase"]).toContain((error as ClinicalVaultError).code);
			}
			expect(changedPaths(before, await snapshotDir(dir))).toEqual([]);
		});
	}
});

describe("recovery key and passphrase change", () => {
	it("the recovery key unlocks, sets a new passphrase, and the old passphrase then fails", async () => {
		const r = fresh();
		await r.unlockWithRecoveryKey(recoveryKey.toLowerCase().replace(/-/g, " "), NEW_PASS);
		expect(r.isUnlocked).toBe(true);
		expect(await r.readText(NOTE)).toBe("# Synthetic note\n");
		// This computer's log (a fresh record in memory is a new device; logs merge by time).
		const actions = (await r.audit.entries()).filter((e) => e.log === r.audit.device).map((e) => e.action);
		expect(actions.slice(-3)).toEqual(["unlock-recovery", "passphrase-change", "open"]);
		await r.lock();
		await expect(fresh().unlock(PASS)).rejects.toBeInstanceOf(WrongPassphraseError);
		const again = fresh();
		await again.unlock(NEW_PASS);
		expect(await again.readText(NOTE)).toBe("# Synthetic note\n");
		// The recovery slot survives the rewrap.
		await again.lock();
		await fresh().unlockWithRecoveryKey(recoveryKey, "third synthetic passphrase");
	});

	/** Only the key file is rewritten; the audit log is only appended to; every other file is byte-identical. */
	function expectOnlyKeyFileRewritten(before: Map<string, Buffer>, after: Map<string, Buffer>): void {
		const changed = changedPaths(before, after);
		expect(changed).toContain(record.layout.keyFilePath);
		const isLog = (p: string) => p.startsWith(`${record.layout.auditFolder}/`);
		expect(changed.filter((p) => p !== record.layout.keyFilePath && !isLog(p))).toEqual([]);
		// Audit logs are only appended to (a log that was not there before is a new device's).
		for (const log of changed.filter(isLog)) {
			const auditBefore = before.get(log) ?? Buffer.alloc(0);
			const auditAfter = after.get(log)!;
			expect(auditAfter.length).toBeGreaterThan(auditBefore.length);
			expect(auditAfter.subarray(0, auditBefore.length).equals(auditBefore)).toBe(true);
		}
	}

	it("changing the passphrase while locked rewrites only the key file; the old passphrase then fails", async () => {
		const before = await snapshotDir(dir);
		await fresh().changePassphrase(PASS, NEW_PASS);
		expectOnlyKeyFileRewritten(before, await snapshotDir(dir));
		await expect(fresh().unlock(PASS)).rejects.toBeInstanceOf(WrongPassphraseError);
		const r = fresh();
		await r.unlock(NEW_PASS);
		expect(await r.readText(NOTE)).toBe("# Synthetic note\n");
		expect((await r.audit.verify()).ok).toBe(true);
	});

	it("a new passphrase gets a new salt, at the same cost (FORMAT.md §2)", async () => {
		const kdfOf = async () => (JSON.parse(await readFile(keyFilePath, "utf8")) as { kdf: KdfParams }).kdf;
		const before = await kdfOf();
		await fresh().changePassphrase(PASS, NEW_PASS);
		const after = await kdfOf();
		expect(after.salt).not.toBe(before.salt);
		expect({ ...after, salt: "" }).toEqual({ ...before, salt: "" });
	});

	it("changing the passphrase while unlocked rewrites only the key file and appends a passphrase-change entry", async () => {
		const r = fresh();
		await r.unlock(PASS);
		const before = await snapshotDir(dir);
		await r.changePassphrase(PASS, NEW_PASS);
		expectOnlyKeyFileRewritten(before, await snapshotDir(dir));
		expect((await r.audit.entries()).filter((e) => e.log === r.audit.device).at(-1)?.action).toBe("passphrase-change");
		await r.lock();
		await expect(fresh().unlock(PASS)).rejects.toBeInstanceOf(WrongPassphraseError);
		await fresh().unlock(NEW_PASS);
	});

	it("a wrong current passphrase or a weak new one changes nothing", async () => {
		const before = await snapshotDir(dir);
		await expect(fresh().changePassphrase("not the passphrase", NEW_PASS)).rejects.toBeInstanceOf(WrongPassphraseError);
		await expect(fresh().changePassphrase(PASS, "short")).rejects.toMatchObject({ code: "invalid-input" });
		expect(changedPaths(before, await snapshotDir(dir))).toEqual([]);
	});
});
