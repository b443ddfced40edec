/**
 * Power cuts (issue 14): a session that saves a note over its last version, creates a note, saves
 * the search index and locks, and a passphrase change, with the power cut during each of their
 * changes of the store in turn (test/support/power-cut-store.ts: what reached the disk
 * survives; the change in flight lands in part). Both store protocols: rename replaces (POSIX) and
 * rename refuses an existing destination (Obsidian's adapter, the backup/rename path).
 *
 * After each cut, the record as the disk holds it is opened as the next start would: exactly one
 * of the two passphrases opens it, every file holds its version before or after the session's
 * change (never a torn or empty file), no temporary or backup file is left after the unlock's
 * sweep, the passphrase change is in the audit log if it took effect, and verify() is OK.
 *
 * The same cuts without fsync (the store's contract broken, as the Obsidian storage path was before
 * it fsynced) must lose something: that shows the simulation sees what fsync prevents. The test
 * prints the counts. Real WebCrypto, synthetic text only.
 */
import { describe, expect, it } from "vitest";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { MemoryStore } from "../../src/core/store/MemoryStore";
import { MemoryDeviceStateStore, type DeviceStateData } from "../../src/core/audit/deviceState";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { deriveVaultKeys, type VaultKeys } from "../../src/core/crypto/vaultkeys";
import { parseKeyFile, unwrapWithPassphrase } from "../../src/core/crypto/keyfile";
import { afterPowerCut, PowerCutStore } from "../support/power-cut-store";

const PASS = "power cut passphrase one";
const PASS2 = "power cut passphrase two";
const NOTE = "C-0142/notes/2026-09-01.md";
const NEW_NOTE = "C-0142/notes/2026-09-08.md";
const V1 = "Synthetic session note, version one.\n";
const V2 = `Synthetic session note, version two. ${"More synthetic text. ".repeat(400)}\n`;
const CREATED = "Synthetic note written in the session.\n";
const INDEX1 = new TextEncoder().encode("synthetic index one");
const INDEX2 = new TextEncoder().encode(`synthetic index two ${"x".repeat(5000)}`);

interface Base {
	files: Map<string, Uint8Array>;
	device: DeviceStateData;
	/** The vault keys, derived once: the session attaches them (the KDF is not what is cut here). */
	keys: VaultKeys;
}

async function makeBase(renameReplaces: boolean): Promise<Base> {
	const store = new MemoryStore({ renameReplaces });
	const device = new MemoryDeviceStateStore();
	const record = new ClinicalRecord({ store, device });
	await record.init(PASS, { kdf: floorKdfParams() });
	await record.addClient({ code: "C-0142", name: "Synthetic Person" });
	await record.writeText(NOTE, V1);
	await record.writeSystemFile("search-index", INDEX1);
	await record.lock();
	const keyFile = parseKeyFile(store.peek("Clinical/_vault/keyfile.json")!, "keyfile.json");
	const keys = await deriveVaultKeys(await unwrapWithPassphrase(keyFile, PASS), keyFile.vaultId);
	return { files: store.snapshot(), device: structuredClone(device.saved!), keys };
}

/** A device state whose saves stop when the power does (it lives on the same computer). */
class DeviceBesideStore extends MemoryDeviceStateStore {
	constructor(
		saved: DeviceStateData,
		private readonly store: { off: boolean },
	) {
		super();
		this.saved = structuredClone(saved);
	}
	override save(state: DeviceStateData): Promise<void> {
		if (this.store.off) return Promise.reject(new Error("the power is off"));
		return super.save(state);
	}
}

type Scenario = (record: ClinicalRecord, base: Base) => Promise<void>;

/** A working session: the keys in hand (as after an unlock), two notes and the index saved, then the lock. */
const session: Scenario = async (record, base) => {
	await record.attachKeys(base.keys);
	await record.writeText(NOTE, V2);
	await record.writeText(NEW_NOTE, CREATED);
	await record.writeSystemFile("search-index", INDEX2);
	await record.lock();
};

/** A passphrase change, locked, as the CLI's passwd does. */
const passwd: Scenario = async (record) => {
	await record.changePassphrase(PASS, PASS2);
};

/** The problems of the record as the disk holds it after a cut (none: nothing lost or torn). */
async function afterCut(scenario: Scenario, base: Base, renameReplaces: boolean, fsync: boolean, cutAt: number, fraction: number): Promise<string[]> {
	const store = new PowerCutStore(base.files, { renameReplaces, fsync, cutAt, fraction });
	const device = new DeviceBesideStore(base.device, store);
	const problems: string[] = [];
	await scenario(new ClinicalRecord({ store, device }), base).catch((error: unknown) => {
		if (!store.off) problems.push(`the session failed before the cut: ${String(error)}`);
	});
	const back = afterPowerCut(store, renameReplaces);
	const record = new ClinicalRecord({ store: back, device });
	// The key file has one passphrase slot: the first passphrase opens it, or the second must.
	let opened: string | null = null;
	for (const passphrase of [PASS, PASS2]) {
		try {
			await record.unlock(passphrase);
			opened = passphrase;
			break;
		} catch (error) {
			if ((error as { code?: string }).code !== "wrong-passphrase") return [...problems, `unlock failed: ${String(error)}`];
		}
	}
	if (opened === null) return [...problems, "neither passphrase opens the key file"];
	const two = opened === PASS2;
	const text = async (path: string) => record.readText(path).catch((error: unknown) => `(${(error as { code?: string }).code ?? String(error)})`);
	const note = await text(NOTE);
	if (note !== V1 && note !== V2) problems.push(`the note holds neither version: ${note.slice(0, 60)}`);
	const created = await text(NEW_NOTE);
	if (created !== CREATED && created !== "(not-found)") problems.push(`the new note is ${created.slice(0, 60)}`);
	const index = await record.readSystemFile("search-index").catch((error: unknown) => error);
	if (!(index instanceof Uint8Array) || ![INDEX1.length, INDEX2.length].includes(index.length)) problems.push(`the search index reads as ${String(index)}`);
	const leftovers = back.paths().filter((p) => p.endsWith(".cvtmp") || p.endsWith(".cvbak"));
	if (leftovers.length > 0) problems.push(`left behind: ${leftovers.join(", ")}`);
	const log = await record.audit.entries().catch(() => null);
	if (two && log && !log.some((e) => e.action === "passphrase-change")) problems.push("the passphrase changed without an audit entry");
	const report = await record.verify();
	if (!report.ok)
		problems.push(
			`verify: ${JSON.stringify({ failures: report.failures, audit: report.audit.problems, history: report.history, keyFile: report.keyFile })}`,
		);
	await record.lock().catch(() => undefined);
	return problems;
}

/** How much of the change in flight lands, a different share at each cut (none, some, all). */
const FRACTIONS = [0, 0.37, 0.71, 1];

/** Runs the scenario with the power cut during each of its changes in turn; the counts, and the problems with fsync. */
async function cutEverywhere(scenario: Scenario, renameReplaces: boolean): Promise<{ changes: number; lost: string[]; lostWithoutFsync: number }> {
	const base = await makeBase(renameReplaces);
	const counter = new PowerCutStore(base.files, { renameReplaces, fsync: true, cutAt: Infinity, fraction: 0 });
	await scenario(new ClinicalRecord({ store: counter, device: new DeviceBesideStore(base.device, counter) }), base);
	const changes = counter.changes;
	const lost: string[] = [];
	let lostWithoutFsync = 0;
	for (let k = 1; k <= changes; k++) {
		const fraction = FRACTIONS[k % FRACTIONS.length]!;
		lost.push(...(await afterCut(scenario, base, renameReplaces, true, k, fraction)).map((p) => `cut ${k} of ${changes}: ${p}`));
		if ((await afterCut(scenario, base, renameReplaces, false, k, fraction)).length > 0) lostWithoutFsync++;
	}
	return { changes, lost, lostWithoutFsync };
}

describe("a power cut during every change", () => {
	for (const renameReplaces of [true, false]) {
		const protocol = renameReplaces ? "rename replaces" : "rename refuses an existing file";
		for (const [name, scenario] of [
			["a session (two notes, the index, the lock)", session],
			["a passphrase change", passwd],
		] as const) {
			it(`${name}, ${protocol}: with fsync nothing is lost or torn; without it, the same cuts lose something`, async () => {
				const { changes, lost, lostWithoutFsync } = await cutEverywhere(scenario, renameReplaces);
				process.stdout.write(
					`power cuts, ${name}, ${protocol}: ${changes} cut points; with fsync ${lost.length} problems; without fsync ${lostWithoutFsync} cuts lost or tore something\n`,
				);
				expect(changes).toBeGreaterThanOrEqual(3);
				expect(lost).toEqual([]);
				expect(lostWithoutFsync).toBeGreaterThan(0);
			});
		}
	}
});
