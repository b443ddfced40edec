/**
 * Crash test: saves, each in a child process (test/support/crash-child.ts, bundled once
 * with esbuild) killed with SIGKILL at a random moment of a save. Two children run at a time,
 * one against the POSIX store (rename replaces) and one against a store whose rename refuses an
 * existing destination (the backup/rename path Obsidian's adapter takes).
 *
 * After each kill the parent checks, before and after the start-up sweep, that the target decrypts
 * to exactly the version saved before the kill or the one being saved during it; that the sweep
 * leaves no .cvtmp/.cvbak; that the untouched files are byte-identical; and that the audit log
 * verifies, a torn last line being allowed only as an interrupted append that the next append
 * repairs. Each worker starts a fresh vault every ROUND children so audit verification stays
 * cheap, and every vault is finally opened with the passphrase and verified in full.
 *
 * 40 kills in the default suite (about 10 s; npm test keeps every test near that); `npm run test:crash` is the
 * long run (1,000 kills here, and the other writers' in crashWriters.test.ts). CV_CRASH_KILLS
 * overrides the number of kills; CV_CRASH_SEED replays a run.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { buildCrashChild } from "../support/crash-child-build";
import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { FileDeviceStateStore } from "../../src/cli/deviceState";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import type { VaultStore } from "../../src/core/store/VaultStore";
import { atomicWrite, backupPathFor, parseTempName } from "../../src/core/store/atomic";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { createKeyFile, serializeKeyFile } from "../../src/core/crypto/keyfile";
import { deriveVaultKeys, type VaultKeys } from "../../src/core/crypto/vaultkeys";
import { decryptFile } from "../../src/core/crypto/fileformat";
import { equalBytes, toHex } from "../../src/core/bytes";
import { crashContent, crashVersionOf } from "../support/crash-content";
import { NoReplaceFsStore } from "../support/no-replace-store";
import { listFilesDeep, removeDir, seededRandom, tempDir } from "./helpers";

const KILLS = Number(process.env.CV_CRASH_KILLS ?? 40);
const SEED = Number(process.env.CV_CRASH_SEED ?? Date.now() % 1_000_000);
const ROUND = 50;
const PASS = "crash test passphrase";
const TARGET = "C-0001/notes/crash.md";
const UNTOUCHED = "C-0001/notes/untouched.md";

type Mode = "replace" | "no-replace";

interface ChildResult {
	lines: string[];
	code: number | null;
	signal: NodeJS.Signals | null;
	stderr: string;
	/** When each line arrived, in ms after "ready" arrived. */
	arrivals: number[];
}

interface Stats {
	kills: number;
	savesCompleted: number;
	killedBeforeFirstSave: number;
	midWrite: number;
	tempComplete: number;
	backupPresent: number;
	targetMissing: number;
	recoveries: number;
	tornAudit: number;
	onDiskOld: number;
	onDiskNew: number;
	/** Audit entries (written ahead) for saves that did not land: killed between the append and the rename. */
	auditEntryWithoutSave: number;
	fullUnlocks: number;
}

let work: string;
let bundle: string;
let vaultKeyHex: string;
let vaultId: string;
let keyFileBytes: Uint8Array;
let keys: VaultKeys;

beforeAll(async () => {
	work = await tempDir("crash");
	bundle = join(work, "crash-child.cjs");
	await buildCrashChild(bundle);
	const { keyFile, vaultKey } = await createKeyFile(PASS, floorKdfParams(), new Date());
	vaultKeyHex = toHex(vaultKey);
	vaultId = keyFile.vaultId;
	keyFileBytes = serializeKeyFile(keyFile);
	keys = await deriveVaultKeys(vaultKey, vaultId);
});

afterAll(async () => {
	await removeDir(work);
});

function storeFor(mode: Mode, dir: string): VaultStore {
	return mode === "replace" ? new NodeFsStore(dir) : new NoReplaceFsStore(dir);
}

async function attached(mode: Mode, dir: string): Promise<ClinicalRecord> {
	const record = new ClinicalRecord({ store: storeFor(mode, dir) });
	await record.attachKeys(keys);
	return record;
}

async function exists(path: string): Promise<boolean> {
	try {
		await access(path);
		return true;
	} catch {
		return false;
	}
}

/** A vault holding the key file, a client, an untouched note and TARGET at `version`. */
async function newVault(mode: Mode, dir: string, version: number): Promise<Map<string, Buffer>> {
	const record = await attached(mode, dir);
	await atomicWrite(record.store, record.layout.keyFilePath, keyFileBytes);
	await record.audit.append("init");
	await record.addClient({ code: "C-0001", name: "Synthetic Crash Client" });
	await record.writeText(UNTOUCHED, "# A note no child touches\n");
	await record.write(TARGET, crashContent(version));
	const fixed = new Map<string, Buffer>();
	for (const storePath of [record.layout.storePath(UNTOUCHED), record.layout.storePath("C-0001/profile.md"), record.layout.keyFilePath]) {
		fixed.set(storePath, await readFile(join(dir, storePath)));
	}
	return fixed;
}

function runChild(config: object, killAfterMs: number | null): Promise<ChildResult> {
	return new Promise((resolve, reject) => {
		// A minimal environment: the child needs nothing from it, and variables such as
		// NODE_EXTRA_CA_CERTS make every node start measurably slower.
		const child = spawn(process.execPath, [bundle], { stdio: ["pipe", "pipe", "pipe"], env: { PATH: process.env.PATH ?? "" } });
		let pending = "";
		const lines: string[] = [];
		const arrivals: number[] = [];
		let readyAt = 0;
		let err = "";
		child.stdout.setEncoding("utf8");
		child.stderr.setEncoding("utf8");
		child.stdout.on("data", (data: string) => {
			const now = performance.now();
			pending += data;
			const parts = pending.split("\n");
			pending = parts.pop() ?? "";
			for (const line of parts) {
				if (line === "ready" && readyAt === 0) {
					readyAt = now;
					if (killAfterMs !== null) {
						void delay(Math.floor(killAfterMs)).then(() => {
							// Spin for the sub-millisecond rest so kill moments are spread continuously.
							const until = performance.now() + (killAfterMs % 1);
							while (performance.now() < until);
							child.kill("SIGKILL");
						});
					}
				}
				lines.push(line);
				arrivals.push(now - readyAt);
			}
		});
		child.stderr.on("data", (data: string) => {
			err += data;
		});
		child.on("error", reject);
		child.on("close", (code, signal) => resolve({ lines, code, signal, stderr: err, arrivals }));
		child.stdin.end(`${JSON.stringify(config)}\n`);
	});
}

async function versionAt(dir: string, storePath: string): Promise<number | string> {
	const bytes = await readFile(join(dir, storePath));
	try {
		const { plaintext } = await decryptFile(keys, bytes, TARGET);
		const version = crashVersionOf(plaintext);
		if (version === null) return "not a crash-test content";
		return equalBytes(plaintext, crashContent(version)) ? version : `version ${version} with wrong content`;
	} catch (error) {
		return `does not decrypt: ${(error as Error).message}`;
	}
}

/**
 * How long the first save of a freshly started child takes, as the parent sees it (from "ready"
 * to the first "done"): kills are then spread over twice that, so they land anywhere in the
 * first or the second save.
 */
async function calibrate(mode: Mode, dir: string): Promise<number> {
	await newVault(mode, dir, 1);
	const times: number[] = [];
	for (let i = 0; i < 6; i++) {
		const result = await runChild({ dir, vaultKey: vaultKeyHex, vaultId, mode, path: TARGET, first: 2 + i * 2, count: 2, stateDir: `${dir}.state` }, null);
		expect(result.stderr).toBe("");
		const firstDone = result.lines.findIndex((l) => l.startsWith("done "));
		expect(firstDone).toBeGreaterThan(0);
		times.push(result.arrivals[firstDone]!);
	}
	times.sort((a, b) => a - b);
	return times[Math.floor(times.length / 2)]!;
}

// One test per store protocol (each under 10 s on 2 busy cores), two workers each, then one that
// checks the kills of both together landed inside saves. They share the counts; run alone (-t), the
// last one runs the kills it needs itself.
describe("crash test", () => {
	const started = performance.now();
	const random = seededRandom(SEED);
	const modes: Mode[] = ["replace", "no-replace"];
	const saveMs = new Map<Mode, number>();
	beforeAll(async () => {
		for (const mode of modes) saveMs.set(mode, await calibrate(mode, join(work, `calibrate-${mode}`)));
	}, 120_000);

	const stats = new Map<Mode, Stats>(
		modes.map((m) => [
			m,
			{
				kills: 0,
				savesCompleted: 0,
				killedBeforeFirstSave: 0,
				midWrite: 0,
				tempComplete: 0,
				backupPresent: 0,
				targetMissing: 0,
				recoveries: 0,
				tornAudit: 0,
				onDiskOld: 0,
				onDiskNew: 0,
				auditEntryWithoutSave: 0,
				fullUnlocks: 0,
			},
		]),
	);
	const problems: string[] = [];
	let childMs = 0;
	let checkMs = 0;

	async function fullUnlockAndVerify(mode: Mode, dir: string): Promise<void> {
		// The next unlock on the same computer (the children's device state): it reconciles the
		// log with the files after the kills, so a logged write that did not land is not a rollback.
		const record = new ClinicalRecord({ store: storeFor(mode, dir), device: new FileDeviceStateStore(`${dir}.state`) });
		await record.unlock(PASS);
		const report = await record.verify();
		if (!report.ok)
			problems.push(
				`${dir}: full verify failed: ${JSON.stringify(report.failures)} ${report.audit.problems.join("; ")} ${JSON.stringify(report.history)} ${report.keyFile.join("; ")}`,
			);
		await record.lock();
		stats.get(mode)!.fullUnlocks++;
	}

	async function worker(w: number, mode: Mode, count: number): Promise<void> {
		const s = stats.get(mode)!;
		let dir = "";
		let fixed = new Map<string, Buffer>();
		let version = 0;
		let committed = 0;
		let gap = 0;
		let killsThisRound = 0;
		for (let i = 0; i < count; i++) {
			if (i % ROUND === 0) {
				if (dir) {
					s.auditEntryWithoutSave += gap;
					await fullUnlockAndVerify(mode, dir);
					await removeDir(dir);
					await removeDir(`${dir}.state`);
				}
				dir = join(work, `w${w}-r${i / ROUND}`);
				version = w * 10_000_000 + i * 1000;
				fixed = await newVault(mode, dir, version);
				committed = 0;
				gap = 0;
				killsThisRound = 0;
			}
			const first = w * 10_000_000 + (i + 1) * 1000 + Math.floor(random() * 4);
			const killAfter = random() * 2 * saveMs.get(mode)!;
			const t0 = performance.now();
			const result = await runChild({ dir, vaultKey: vaultKeyHex, vaultId, mode, path: TARGET, first, stateDir: `${dir}.state` }, killAfter);
			const t1 = performance.now();
			childMs += t1 - t0;
			const label = `${mode} child ${i} (first ${first}, kill after ${killAfter.toFixed(2)} ms)`;
			if (result.signal !== "SIGKILL") {
				problems.push(`${label}: ended with ${String(result.code)}/${String(result.signal)}: ${result.stderr}`);
				continue;
			}
			s.kills++;
			const startedVersions = result.lines.filter((l) => l.startsWith("start ")).map((l) => Number(l.slice(6)));
			const doneVersions = result.lines.filter((l) => l.startsWith("done ")).map((l) => Number(l.slice(5)));
			s.savesCompleted += doneVersions.length;
			if (startedVersions.length === 0) s.killedBeforeFirstSave++;
			const old = doneVersions.at(-1) ?? version;
			const legal = new Set([old, ...(startedVersions.length ? [startedVersions.at(-1)!] : [])]);

			const record = await attached(mode, dir);
			const storePath = record.layout.storePath(TARGET);
			const backup = join(dir, backupPathFor(storePath));
			// (a) before the sweep (temporary files are named per write: ".NAME~WRITER~RANDOM.cvtmp")
			const temps = (await listFilesDeep(dir)).filter((p) => parseTempName(p)?.original === storePath);
			if (temps.length > 0) {
				s.midWrite++;
				const inTemp = await versionAt(dir, temps[0]!).catch(() => "unreadable");
				if (typeof inTemp === "number") s.tempComplete++;
			}
			if (await exists(backup)) s.backupPresent++;
			if (await exists(join(dir, storePath))) {
				const v = await versionAt(dir, storePath);
				if (typeof v !== "number" || !legal.has(v))
					problems.push(`${label}: before the sweep the target holds ${String(v)}, legal ${[...legal].join("/")}`);
			} else {
				s.targetMissing++;
				const b = (await exists(backup)) ? await versionAt(dir, backupPathFor(storePath)) : "no backup";
				if (mode !== "no-replace" || b !== old) problems.push(`${label}: target missing before the sweep (backup: ${String(b)}, old ${old})`);
			}
			// (b) the sweep the app runs at start, then the same checks
			const touched = await record.sweep();
			if (touched.length) s.recoveries++;
			const v = (await exists(join(dir, storePath))) ? await versionAt(dir, storePath) : "missing";
			if (typeof v !== "number" || !legal.has(v)) {
				problems.push(`${label}: after the sweep the target holds ${String(v)}, legal ${[...legal].join("/")}`);
			} else {
				if (v === old) s.onDiskOld++;
				else s.onDiskNew++;
				committed += doneVersions.length + (v === old ? 0 : 1);
				version = v;
			}
			const leftovers = (await listFilesDeep(dir)).filter((p) => p.endsWith(".cvtmp") || p.endsWith(".cvbak"));
			if (leftovers.length) problems.push(`${label}: leftovers after the sweep: ${leftovers.join(", ")}`);
			for (const [path, bytes] of fixed) {
				if (!bytes.equals(await readFile(join(dir, path)))) problems.push(`${label}: ${path} changed`);
			}
			// (c) the audit log verifies; a torn last line is repaired by the next append
			const audit = await record.audit.verify();
			// The entry is written ahead of the file: never a landed save without its entry; at most
			// one entry per kill for a save the kill stopped before it landed.
			const modifies = audit.entryList.filter((e) => e.action === "modify" && e.path === TARGET).length;
			killsThisRound++;
			if (modifies < committed) problems.push(`${label}: ${modifies} modify entries for ${committed} committed saves (a save without its audit entry)`);
			if (modifies > committed + killsThisRound)
				problems.push(`${label}: ${modifies} modify entries for ${committed} committed saves and ${killsThisRound} kills`);
			gap = modifies - committed;
			if (!audit.ok) {
				if (audit.problems.length === 1 && /incomplete \(an append was interrupted\)/.test(audit.problems[0]!)) {
					s.tornAudit++;
					await record.audit.append("verify");
					const repaired = await record.audit.verify();
					if (!repaired.ok || repaired.entryList.at(-2)?.action !== "audit-repair")
						problems.push(`${label}: audit not repaired: ${repaired.problems.join("; ")}`);
				} else {
					problems.push(`${label}: audit after the sweep: ${audit.problems.join("; ")}`);
				}
			}
			checkMs += performance.now() - t1;
			if (problems.length > 20) return;
		}
		s.auditEntryWithoutSave += gap;
		await fullUnlockAndVerify(mode, dir);
	}

	const killsOf: Record<Mode, number> = { replace: Math.ceil(KILLS / 2), "no-replace": KILLS - Math.ceil(KILLS / 2) };
	/** Each protocol's kills run once, by its own test or, when that one was filtered out (-t), by the one that sums them. */
	const runs = new Map<Mode, Promise<void>>();
	const killAll = (mode: Mode): Promise<void> => {
		let run = runs.get(mode);
		if (!run) {
			const w = modes.indexOf(mode);
			const first = Math.ceil(killsOf[mode] / 2);
			run = Promise.all([worker(2 * w, mode, first), worker(2 * w + 1, mode, killsOf[mode] - first)]).then(() => undefined);
			runs.set(mode, run);
		}
		return run;
	};
	for (const mode of modes) {
		it(
			`${killsOf[mode]} saves killed with SIGKILL at random moments, rename ${mode === "replace" ? "replaces" : "refuses"}: every file is the old or the new version`,
			{ timeout: 600_000 },
			async () => {
				await killAll(mode);
				expect(problems.slice(0, 20)).toEqual([]);
				const st = stats.get(mode)!;
				expect(st.kills).toBe(killsOf[mode]);
				expect(st.onDiskNew + st.onDiskOld).toBe(st.kills);
				if (KILLS >= 200) expect(st.midWrite).toBeGreaterThan(0);
				if (mode === "no-replace") expect(st.recoveries).toBeGreaterThan(0);
			},
		);
	}

	it(`${KILLS} kills in all: they landed inside saves`, { timeout: 600_000 }, async () => {
		for (const mode of modes) await killAll(mode);
		const seconds = (performance.now() - started) / 1000;
		console.debug(`[crash] child ${childMs.toFixed(0)} ms, checks ${checkMs.toFixed(0)} ms`);
		console.debug(
			`[crash] seed ${SEED}, ${seconds.toFixed(1)} s, first save in a fresh child (median) ${[...saveMs].map(([m, ms]) => `${m} ${ms.toFixed(2)} ms`).join(", ")}\n` +
				[...stats].map(([m, st]) => `[crash] ${m}: ${JSON.stringify(st)}`).join("\n"),
		);
		expect(problems.slice(0, 20)).toEqual([]);
		const total = [...stats.values()].reduce((n, st) => n + st.kills, 0);
		expect(total).toBe(KILLS);
		// The kills really landed inside saves. With 20 kills per protocol a kill inside the POSIX
		// store's short write window is likely but not certain (1 of 20 in a quiet run; 0 once on a
		// loaded CI machine), so the default run asks it of both protocols together and the long run
		// of each.
		for (const st of stats.values()) expect(st.onDiskNew + st.onDiskOld).toBe(st.kills);
		if (KILLS >= 200) for (const st of stats.values()) expect(st.midWrite).toBeGreaterThan(0);
		else expect([...stats.values()].reduce((n, st) => n + st.midWrite, 0)).toBeGreaterThan(0);
		expect(stats.get("no-replace")!.recoveries).toBeGreaterThan(0);
	});
});
