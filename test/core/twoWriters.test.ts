/**
 * Two processes writing one record at the same time (issue 14: "two puts at once: the audit chain
 * broke in 7 of 50 rounds (different notes) and 14 of 50 (same note)"). Each round starts two
 * real child processes (test/support/crash-child.ts) that save WRITES versions each, to the same
 * note or to two notes, as fast as they can; the record's cross-process writer lock is on. After
 * both finish: the audit chain verifies, it holds one entry per save, and every note decrypts to
 * the last version one of its writers saved. CV_TWO_WRITER_ROUNDS sets the number of rounds;
 * CV_TWO_WRITER_NO_LOCK=1 turns the lock off in the children to show what it prevents (the test
 * then fails, listing every round whose chain broke or whose saves went missing).
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
import { buildCrashChild } from "../support/crash-child-build";
import { listFilesDeep, removeDir, tempDir } from "./helpers";

const ROUNDS = Number(process.env.CV_TWO_WRITER_ROUNDS ?? 3);
const LOCK = process.env.CV_TWO_WRITER_NO_LOCK !== "1";
const WRITES = 25;
const A = "C-0001/notes/2026-01-05.md";
const B = "C-0001/notes/2026-01-12.md";

let work: string;
let bundle: string;
let keyHex: string;
let vaultId: string;
let keyFileBytes: Uint8Array;
let keys: VaultKeys;

beforeAll(async () => {
	work = await tempDir("two-writers");
	bundle = join(work, "child.cjs");
	await buildCrashChild(bundle);
	const { keyFile, vaultKey } = await createKeyFile("two writers passphrase", floorKdfParams(), new Date());
	keyHex = toHex(vaultKey);
	vaultId = keyFile.vaultId;
	keyFileBytes = serializeKeyFile(keyFile);
	keys = await deriveVaultKeys(vaultKey, vaultId);
});

afterAll(async () => {
	await removeDir(work);
});

function writer(dir: string, path: string, first: number): Promise<{ code: number | null; done: number[]; stderr: string }> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [bundle], { stdio: ["pipe", "pipe", "pipe"], env: { PATH: process.env.PATH ?? "" } });
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
					.map((l) => Number(l.slice(5))),
			}),
		);
		child.stdin.end(`${JSON.stringify({ dir, vaultKey: keyHex, vaultId, mode: "replace", path, first, count: WRITES, writerLock: LOCK, stateDir: `${dir}.state` })}\n`);
	});
}

async function round(dir: string, paths: [string, string]): Promise<string[]> {
	// One computer: this setup, both writers and the reader share a device state, so one audit log.
	const record = new ClinicalRecord({ store: new NodeFsStore(dir), device: new FileDeviceStateStore(`${dir}.state`) });
	await record.attachKeys(keys);
	await atomicWrite(record.store, record.layout.keyFilePath, keyFileBytes);
	await record.audit.append("init");
	await record.addClient({ code: "C-0001", name: "Synthetic Two Writers" });
	for (const p of new Set(paths)) await record.write(p, crashContent(1));
	await record.deviceState.save();
	const before = (await record.audit.verify()).entries;
	const [one, two] = await Promise.all([writer(dir, paths[0], 1000), writer(dir, paths[1], 2000)]);
	const problems: string[] = [];
	for (const w of [one, two]) if (w.code !== 0 || w.done.length !== WRITES) problems.push(`a writer ended with ${String(w.code)} after ${w.done.length} saves: ${w.stderr}`);
	// A fresh reader, as the next process would be.
	const reader = new ClinicalRecord({ store: new NodeFsStore(dir), device: new FileDeviceStateStore(`${dir}.state`) });
	await reader.attachKeys(keys);
	const audit = await reader.audit.verify();
	if (audit.logs.length !== 1) problems.push(`${audit.logs.length} audit logs, expected the one of this computer`);
	if (!audit.ok) problems.push(`audit chain: ${audit.problems.join("; ")}`);
	else if (audit.entries !== before + 2 * WRITES) problems.push(`audit holds ${audit.entries - before} entries for ${2 * WRITES} saves`);
	for (const p of new Set(paths)) {
		const version = crashVersionOf(await reader.read(p, "internal"));
		const last = paths[0] === paths[1] ? [one.done.at(-1), two.done.at(-1)] : [p === paths[0] ? one.done.at(-1) : two.done.at(-1)];
		if (!last.includes(version ?? -1)) problems.push(`${p} holds version ${String(version)}, expected ${last.join(" or ")}`);
	}
	const leftovers = (await listFilesDeep(dir)).filter((f) => f.endsWith(".cvtmp") || f.endsWith(".lock"));
	if (leftovers.length > 0) problems.push(`left behind: ${leftovers.join(", ")}`);
	return problems;
}

describe("two processes writing one record at once, with the writer lock", () => {
	for (const [name, paths] of [
		["the same note", [A, A]],
		["two notes", [A, B]],
	] as const) {
		it(`${name}: ${ROUNDS} rounds of ${WRITES} saves each by two processes; the chain intact, every save logged, the last versions in place`, async () => {
			const problems: string[] = [];
			for (let r = 0; r < ROUNDS; r++) {
				const dir = join(work, `${name.replace(/ /g, "-")}-${r}`);
				problems.push(...(await round(dir, [paths[0], paths[1]])).map((p) => `round ${r + 1}: ${p}`));
			}
			expect(problems).toEqual([]);
		});
	}
});
