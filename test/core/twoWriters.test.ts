/**
 * Two processes writing one record at the same time (issue 14: "two puts at once: the audit chain
 * broke in 7 of 50 rounds (different notes) and 14 of 50 (same note)"). Each round starts two
 * real child processes (test/support/crash-child.ts) that save WRITES versions each, to the same
 * note or to two notes, as fast as they can; the record's cross-process writer lock is on. After
 * both finish: the audit chain verifies, it holds one entry per save, and every note decrypts to
 * the last version one of its writers saved. A third case adds a passwd process
 * (test/support/crash-writers-child.ts) changing the passphrase back and forth beside two writers:
 * every change is logged too and the key file opens with the passphrase the last change set.
 *
 * CV_TWO_WRITER_ROUNDS sets the number of rounds; CV_TWO_WRITER_SECONDS makes each round a timed
 * one (every process writes until then; the long run is CV_TWO_WRITER_SECONDS=60
 * CV_TWO_WRITER_ROUNDS=1, and the test prints the counts); CV_TWO_WRITER_NO_LOCK=1 turns the lock
 * off in the children to show what it prevents (the test then fails, listing every round whose
 * chain broke or whose saves went missing).
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toHex } from "../../src/core/bytes";
import { FileDeviceStateStore } from "../../src/cli/deviceState";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import { atomicWrite } from "../../src/core/store/atomic";
import { createKeyFile, serializeKeyFile } from "../../src/core/crypto/keyfile";
import { deriveVaultKeys, type VaultKeys } from "../../src/core/crypto/vaultkeys";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { crashContent, crashVersionOf } from "../support/crash-content";
import { buildCrashChild, buildCrashWritersChild } from "../support/crash-child-build";
import type { WritersChildConfig } from "../support/crash-writers-content";
import { listFilesDeep, removeDir, tempDir } from "./helpers";

const ROUNDS = Number(process.env.CV_TWO_WRITER_ROUNDS ?? 3);
const SECONDS = process.env.CV_TWO_WRITER_SECONDS ? Number(process.env.CV_TWO_WRITER_SECONDS) : null;
const LOCK = process.env.CV_TWO_WRITER_NO_LOCK !== "1";
const WRITES = 25;
/** How long the passwd process runs beside two writers of WRITES saves (the untimed run). */
const PASSWD_MS = 1500;
const PASSPHRASES: [string, string] = ["two writers passphrase", "two writers passphrase, changed"];
const A = "C-0001/notes/2026-01-05.md";
const B = "C-0001/notes/2026-01-12.md";

let work: string;
let bundle: string;
let writersBundle: string;
let keyHex: string;
let vaultId: string;
let keyFileBytes: Uint8Array;
let keys: VaultKeys;

beforeAll(async () => {
	work = await tempDir("two-writers");
	bundle = join(work, "child.cjs");
	writersBundle = join(work, "writers-child.cjs");
	await Promise.all([buildCrashChild(bundle), buildCrashWritersChild(writersBundle)]);
	const { keyFile, vaultKey } = await createKeyFile(PASSPHRASES[0], floorKdfParams(), new Date());
	keyHex = toHex(vaultKey);
	vaultId = keyFile.vaultId;
	keyFileBytes = serializeKeyFile(keyFile);
	keys = await deriveVaultKeys(vaultKey, vaultId);
});

afterAll(async () => {
	await removeDir(work);
});

interface ChildRun {
	code: number | null;
	done: number[];
	stderr: string;
}

function runChild(script: string, config: object): Promise<ChildRun> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [script], { stdio: ["pipe", "pipe", "pipe"], env: { PATH: process.env.PATH ?? "" } });
		let out = "";
		let stderr = "";
		child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
		child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
		child.on("error", reject);
		child.on("close", (code) =>
			resolve({
				code,
				stderr,
				done: out
					.split("\n")
					.filter((l) => l.startsWith("done "))
					.map((l) => Number(l.split(" ")[1])),
			}),
		);
		child.stdin.end(`${JSON.stringify(config)}\n`);
	});
}

/** A process saving versions first, first+1, … of one note: WRITES of them, or until the round's end. */
function writer(dir: string, path: string, first: number, until: number | null): Promise<ChildRun> {
	const stop = until === null ? { count: WRITES } : { until };
	return runChild(bundle, { dir, vaultKey: keyHex, vaultId, mode: "replace", path, first, writerLock: LOCK, stateDir: `${dir}.state`, ...stop });
}

/** A process changing the passphrase from PASSPHRASES[0] to [1], back, and so on, until `until`. */
function passwd(dir: string, until: number): Promise<ChildRun> {
	const config: WritersChildConfig = {
		kind: "passwd",
		dir,
		stateDir: `${dir}.state`,
		vaultKey: keyHex,
		vaultId,
		mode: "replace",
		first: 1,
		passphrases: PASSPHRASES,
		current: 0,
		until,
	};
	return runChild(writersBundle, config);
}

interface RoundResult {
	problems: string[];
	saves: number;
	passphraseChanges: number;
}

async function round(dir: string, paths: [string, string], withPasswd: boolean): Promise<RoundResult> {
	// One computer: this setup, both writers and the reader share a device state, so one audit log.
	const record = new ClinicalRecord({ store: new NodeFsStore(dir), device: new FileDeviceStateStore(`${dir}.state`) });
	await record.attachKeys(keys);
	await atomicWrite(record.store, record.layout.keyFilePath, keyFileBytes);
	await record.audit.append("init");
	await record.addClient({ code: "C-0001", name: "Synthetic Two Writers" });
	for (const p of new Set(paths)) await record.write(p, crashContent(1));
	await record.deviceState.save();
	const before = (await record.audit.verify()).entries;
	const until = SECONDS === null ? null : Date.now() + SECONDS * 1000;
	const [one, two, changer] = await Promise.all([
		writer(dir, paths[0], 1000, until),
		writer(dir, paths[1], 1_000_000, until),
		withPasswd ? passwd(dir, until ?? Date.now() + PASSWD_MS) : null,
	]);
	const problems: string[] = [];
	for (const w of [one, two]) {
		if (w.code !== 0 || (until === null && w.done.length !== WRITES))
			problems.push(`a writer ended with ${String(w.code)} after ${w.done.length} saves: ${w.stderr}`);
	}
	const saves = one.done.length + two.done.length;
	const changes = changer?.done.length ?? 0;
	if (changer && changer.code !== 0) problems.push(`passwd ended with ${String(changer.code)} after ${changes} changes: ${changer.stderr}`);
	// A fresh reader, as the next process would be.
	const reader = new ClinicalRecord({ store: new NodeFsStore(dir), device: new FileDeviceStateStore(`${dir}.state`) });
	await reader.attachKeys(keys);
	const audit = await reader.audit.verify();
	if (audit.logs.length !== 1) problems.push(`${audit.logs.length} audit logs, expected the one of this computer`);
	if (!audit.ok) problems.push(`audit chain: ${audit.problems.join("; ")}`);
	else if (audit.entries !== before + saves + changes) {
		problems.push(`audit holds ${audit.entries - before} entries for ${saves} saves and ${changes} passphrase changes`);
	}
	if (changer) {
		// The key file opens with the passphrase the last change set (and only with it).
		const opened = new ClinicalRecord({ store: new NodeFsStore(dir), device: new FileDeviceStateStore(`${dir}.state`) });
		const expected = PASSPHRASES[changes % 2]!;
		const other = PASSPHRASES[(changes + 1) % 2]!;
		if (
			!(await opened.unlock(expected).then(
				() => true,
				() => false,
			))
		)
			problems.push(`after ${changes} changes the key file does not open with "${expected}"`);
		await opened.lock();
		if (
			await new ClinicalRecord({ store: new NodeFsStore(dir) }).unlock(other).then(
				() => true,
				() => false,
			)
		)
			problems.push(`the old passphrase still opens the key file`);
	}
	for (const p of new Set(paths)) {
		const version = crashVersionOf(await reader.read(p, "internal"));
		const last = paths[0] === paths[1] ? [one.done.at(-1), two.done.at(-1)] : [p === paths[0] ? one.done.at(-1) : two.done.at(-1)];
		if (!last.includes(version ?? -1)) problems.push(`${p} holds version ${String(version)}, expected ${last.join(" or ")}`);
	}
	const leftovers = (await listFilesDeep(dir)).filter((f) => f.endsWith(".cvtmp") || f.endsWith(".lock"));
	if (leftovers.length > 0) problems.push(`left behind: ${leftovers.join(", ")}`);
	return { problems, saves, passphraseChanges: changes };
}

describe("two processes writing one record at once, with the writer lock", () => {
	const size = SECONDS === null ? `${WRITES} saves each` : `${SECONDS} s`;
	for (const [name, paths, withPasswd] of [
		["the same note", [A, A], false],
		["two notes", [A, B], false],
		["two notes and a passwd", [A, B], true],
	] as const) {
		const rounds = withPasswd && SECONDS === null ? 1 : ROUNDS;
		it(
			`${name}: ${rounds} rounds of ${size} by ${withPasswd ? "three" : "two"} processes; the chain intact, every change logged, the last versions in place`,
			async () => {
				const problems: string[] = [];
				let saves = 0;
				let changes = 0;
				for (let r = 0; r < rounds; r++) {
					const dir = join(work, `${name.replace(/ /g, "-")}-${r}`);
					const result = await round(dir, [paths[0], paths[1]], withPasswd);
					saves += result.saves;
					changes += result.passphraseChanges;
					problems.push(...result.problems.map((p) => `round ${r + 1}: ${p}`));
				}
				if (SECONDS !== null) {
					process.stdout.write(
						`two writers, ${name}: ${rounds} x ${SECONDS} s, ${saves} saves, ${changes} passphrase changes, ${problems.length} problems\n`,
					);
				}
				expect(problems).toEqual([]);
				if (withPasswd) expect(changes).toBeGreaterThan(0);
			},
			SECONDS === null ? undefined : rounds * (SECONDS + 60) * 1000,
		);
	}
});
