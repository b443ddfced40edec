/** Shared helpers for the core tests: temp folders, folder snapshots, a seeded PRNG, outcome capture. */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { ClinicalVaultError } from "../../src/core/errors";
import { processWriter } from "../../src/core/store/NodeFsStore";

export async function tempDir(prefix: string): Promise<string> {
	return mkdtemp(join(tmpdir(), `cv-${prefix}-`));
}

export async function removeDir(dir: string | undefined): Promise<void> {
	if (dir) await rm(dir, { recursive: true, force: true });
}

/** Every file below `dir` (dot files and dot folders included), as paths relative to `dir`. */
export async function listFilesDeep(dir: string): Promise<string[]> {
	const entries = await readdir(dir, { recursive: true, withFileTypes: true });
	return entries
		.filter((e) => e.isFile())
		.map((e) => relative(dir, join(e.parentPath, e.name)).split("\\").join("/"))
		.sort();
}

/** Path -> bytes of every file below `dir`. */
export async function snapshotDir(dir: string): Promise<Map<string, Buffer>> {
	const out = new Map<string, Buffer>();
	for (const file of await listFilesDeep(dir)) out.set(file, await readFile(join(dir, file)));
	return out;
}

/** The paths whose bytes differ (added, removed or changed) between two snapshots. */
export function changedPaths(before: Map<string, Uint8Array>, after: Map<string, Uint8Array>): string[] {
	const out = new Set<string>();
	for (const [path, data] of before) {
		const other = after.get(path);
		if (!other || Buffer.compare(Buffer.from(data), Buffer.from(other)) !== 0) out.add(path);
	}
	for (const path of after.keys()) if (!before.has(path)) out.add(path);
	return [...out].sort();
}

/** mulberry32: a small seeded PRNG so failures can be replayed. */
export function seededRandom(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

export function seededBytes(random: () => number, length: number): Uint8Array {
	const out = new Uint8Array(length);
	for (let i = 0; i < length; i++) out[i] = Math.floor(random() * 256);
	return out;
}

export type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export async function outcome(promise: Promise<unknown>): Promise<Outcome> {
	try {
		return { ok: true, value: await promise };
	} catch (error) {
		return { ok: false, error };
	}
}

/**
 * Checks that an attempt failed with one of the allowed ClinicalVaultError codes naming `path`.
 * Returns a description of what was wrong, or null when the failure is the expected one.
 */
export function describeUnexpected(result: Outcome, path: string, codes: readonly string[] = ["integrity"]): string | null {
	if (result.ok) return "returned content instead of failing";
	const error = result.error;
	if (!(error instanceof ClinicalVaultError)) return `threw a non-clinical error: ${String(error)}`;
	if (!codes.includes(error.code)) return `threw ${error.code}: ${error.message}`;
	if (error.path !== path) return `error names ${String(error.path)} instead of ${path}`;
	if (!error.message.includes(path)) return `message does not name the file: ${error.message}`;
	return null;
}

/** Runs `count` async tasks with at most `limit` in flight. */
export async function runLimited(count: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
	let next = 0;
	const worker = async (): Promise<void> => {
		while (next < count) {
			const i = next++;
			await task(i);
		}
	};
	await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}

/** Real processes that stay alive until killed: their pids are live writers'. Kill them with killLiveProcesses(). */
const live: ChildProcess[] = [];

export async function liveProcess(): Promise<ChildProcess> {
	const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
	live.push(child);
	await new Promise((resolve) => child.once("spawn", resolve));
	return child;
}

export function killLiveProcesses(): void {
	for (const child of live.splice(0)) child.kill("SIGKILL");
}

/** The writer tag a process with this pid on this computer has (see NodeFsStore's processWriter). */
export function writerTagFor(pid: number): string {
	return processWriter.tag.replace(/\.p\d+$/, `.p${pid}`);
}
