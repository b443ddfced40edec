/**
 * Helpers for the CLI tests, on real temporary folders. `cli()` runs the CLI in this process through
 * run(argv, io) (src/cli/run.ts, what dist/cli.js runs): the same environment a child would get,
 * stdin an empty pipe or the test's bytes (never a terminal), stdout and stderr captured. Tests about
 * the process or the binary itself pass `{ spawn: true }` (or call `cliSpawn`): they run the BUILT
 * CLI (node dist/cli.js) as a child process; when dist/cli.js is missing or older than its sources,
 * the project build runs once (guarded by a lock folder, since test files run in parallel).
 */
import { PassThrough, Writable } from "node:stream";
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export const ROOT_DIR = resolve(__dirname, "../..");
export const CLI = join(ROOT_DIR, "dist/cli.js");
export const PASSPHRASE = "correct horse battery staple";
export const FAST_KDF = ["--kdf-memory", "19", "--kdf-iterations", "2"];

/** The newest modification time of the CLI's sources (src/cli, src/core, package.json). */
function newestSource(): number {
	let newest = statSync(join(ROOT_DIR, "package.json")).mtimeMs;
	const visit = (folder: string): void => {
		for (const entry of readdirSync(folder, { withFileTypes: true })) {
			const full = join(folder, entry.name);
			if (entry.isDirectory()) visit(full);
			else newest = Math.max(newest, statSync(full).mtimeMs);
		}
	};
	visit(join(ROOT_DIR, "src/cli"));
	visit(join(ROOT_DIR, "src/core"));
	visit(join(ROOT_DIR, "src/engines"));
	return newest;
}

function isFresh(): boolean {
	return existsSync(CLI) && statSync(CLI).mtimeMs >= newestSource();
}

/** Runs the project build (npm run build's command) when dist/cli.js is missing or older than its sources. */
export async function ensureBuilt(): Promise<void> {
	if (isFresh()) return;
	const lock = join(ROOT_DIR, "dist", ".cli-test-build.lock");
	mkdirSync(join(ROOT_DIR, "dist"), { recursive: true });
	for (;;) {
		try {
			mkdirSync(lock);
			break;
		} catch {
			if (isFresh() && !existsSync(lock)) return;
			// A lock left by a killed run is stale after two minutes.
			if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true });
			await sleep(200);
		}
	}
	try {
		if (isFresh()) return;
		const build = spawnSync(process.execPath, ["esbuild.config.mjs", "production"], { cwd: ROOT_DIR, encoding: "utf8" });
		if (build.status !== 0 || !existsSync(CLI)) throw new Error(`npm run build failed, so dist/cli.js cannot be tested:\n${build.stderr}`);
	} finally {
		rmSync(lock, { recursive: true, force: true });
	}
}

export interface CliResult {
	code: number | null;
	stdout: Buffer;
	stderr: string;
	/** stdout as UTF-8 text. */
	out: string;
}

export interface RunOptions {
	env?: Record<string, string>;
	/** Bytes for stdin; without it stdin is an empty pipe (not a terminal). */
	input?: Uint8Array | string;
	/** The working directory (a child's; in process it must be this process's: pass `spawn` for another). */
	cwd?: string;
	passphrase?: string | null;
	/**
	 * Run the built dist/cli.js as a child process instead of run(argv, io) in this process: for what
	 * only a separate process has (the shipped bundle, signals and exit by signal, a pipe closed early,
	 * a second process at once, environment that Node itself reads such as TMPDIR).
	 */
	spawn?: boolean;
}

/**
 * Variables that Node or the engines read from the process's own environment (os.tmpdir(), the PATH
 * search, the time zone), not from the CLI's io.env: in process they would silently not apply.
 */
const PROCESS_ENV = ["TMPDIR", "TMP", "TEMP", "PATH", "HOME", "TZ"];

/**
 * The CLI's device state (device id, audit anchors) for this test process: a folder of its own, so
 * tests never read or write the state of the user running them. The CLI runs of one test process
 * (in process and children alike) share it, as CLI runs on one computer do.
 */
export const TEST_STATE_DIR = join(tmpdir(), `cv-test-state-${process.pid}`);

/**
 * This test process's audit log in a vault, relative to `dir` (the folder holding "vault"): CLI runs
 * of one test process share one device state, so they append to one log, `_vault/audit/<device>.cvlog`.
 */
export async function deviceLog(dir: string, vault = "vault"): Promise<string> {
	const folder = join(dir, vault, "Clinical", "_vault", "audit");
	const logs = (await readdir(folder)).filter((n) => n.endsWith(".cvlog"));
	if (logs.length !== 1) throw new Error(`expected one audit log in ${folder}, found ${logs.join(", ") || "none"}`);
	return join(vault, "Clinical", "_vault", "audit", logs[0]!);
}

/** The rows of `clinical-vault audit` output (LOG SEQ TIME ACTION FILE NOTE), as their fields. */
export function auditRows(out: string): { log: string; seq: number; action: string; line: string }[] {
	return out
		.split("\n")
		.filter((l) => /^d[0-9a-f]{16}\s/.test(l))
		.map((line) => {
			const [log, seq, , action] = line.split(/\s+/);
			return { log: log!, seq: Number(seq), action: action!, line };
		});
}

/** The environment of the child: the parent's without any CLINICAL_VAULT_* variable, plus the test state folder and `env`. */
export function childEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
	const clean: NodeJS.ProcessEnv = {};
	for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("CLINICAL_VAULT_")) clean[k] = v;
	return { ...clean, CLINICAL_VAULT_STATE_DIR: TEST_STATE_DIR, ...env };
}

/** The environment a CLI run sees; the passphrase goes in CLINICAL_VAULT_PASSPHRASE unless null. */
function runEnv(options: RunOptions): NodeJS.ProcessEnv {
	const passphrase = options.passphrase === undefined ? PASSPHRASE : options.passphrase;
	return childEnv({ ...(passphrase === null ? {} : { CLINICAL_VAULT_PASSPHRASE: passphrase }), ...options.env });
}

/**
 * Runs the CLI with `args`: in this process through run(argv, io) unless `options.spawn` (then
 * `node dist/cli.js`). The passphrase goes in CLINICAL_VAULT_PASSPHRASE unless null.
 */
export async function cli(args: string[], options: RunOptions = {}): Promise<CliResult> {
	if (options.spawn) return cliSpawn(args, options);
	const processLevel = Object.keys(options.env ?? {}).filter((k) => PROCESS_ENV.includes(k));
	if (processLevel.length > 0) throw new Error(`${processLevel.join(", ")} is read from the process's own environment: run this CLI with { spawn: true }.`);
	if (options.cwd !== undefined && resolve(options.cwd) !== process.cwd())
		throw new Error(`a working directory other than this process's needs { spawn: true }.`);
	return runInProcess(args, runEnv(options), options.input);
}

let built: Promise<void> | null = null;

/** Runs `node dist/cli.js ...args` as a child process (built first when out of date). */
export async function cliSpawn(args: string[], options: RunOptions = {}): Promise<CliResult> {
	built ??= ensureBuilt();
	await built;
	const env = runEnv(options);
	return new Promise((resolvePromise, reject) => {
		const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd ?? ROOT_DIR, env, stdio: ["pipe", "pipe", "pipe"] });
		const out: Buffer[] = [];
		const err: Buffer[] = [];
		child.stdout.on("data", (d: Buffer) => out.push(d));
		child.stderr.on("data", (d: Buffer) => err.push(d));
		child.on("error", reject);
		child.on("close", (code) => {
			const stdout = Buffer.concat(out);
			resolvePromise({ code, stdout, stderr: Buffer.concat(err).toString("utf8"), out: stdout.toString("utf8") });
		});
		child.stdin.on("error", () => undefined);
		child.stdin.end(options.input === undefined ? undefined : Buffer.from(options.input));
	});
}

/** A stream that keeps a copy of every chunk (the CLI zeroes a clinical output buffer once it is written). */
function capture(): { stream: Writable; bytes: () => Buffer } {
	const chunks: Buffer[] = [];
	const stream = new Writable({
		write(chunk: Buffer, _encoding, callback) {
			chunks.push(Buffer.from(chunk));
			callback();
		},
	});
	return { stream, bytes: () => Buffer.concat(chunks) };
}

/**
 * run(argv, io) in this process with `env` as the whole environment: stdin is a pipe holding
 * `input` (empty without it), never a terminal. The same result as a child's, exit code included.
 */
async function runInProcess(argv: readonly string[], env: NodeJS.ProcessEnv, input?: Uint8Array | string): Promise<CliResult> {
	const { run } = await import("../../src/cli/run");
	const stdout = capture();
	const stderr = capture();
	const stdin = new PassThrough();
	stdin.end(input === undefined ? undefined : Buffer.from(input));
	const code = await run(argv, { stdin, stdout: stdout.stream, stderr: stderr.stream, env });
	// Writes the CLI did not wait for (notices) are handed over by now; let their callbacks run too.
	await new Promise((r) => setImmediate(r));
	const out = stdout.bytes();
	return { code, stdout: out, stderr: stderr.bytes().toString("utf8"), out: out.toString("utf8") };
}

export async function tempDir(prefix = "cv-cli-"): Promise<string> {
	return mkdtemp(join(tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
	await rm(dir, { recursive: true, force: true });
}

export interface TestVault {
	dir: string;
	vault: string;
	recoveryKey: string;
	initOutput: string;
}

export const RECOVERY_KEY_PATTERN = /\b([A-Z2-7]{4}(?:-[A-Z2-7]{4}){7})\b/;

/** A fresh vault with a record (floor KDF), optionally with clients. */
export async function makeVault(clients: string[] = []): Promise<TestVault> {
	const dir = await tempDir();
	const vault = join(dir, "vault");
	const init = await cli(["init", vault, ...FAST_KDF]);
	if (init.code !== 0) throw new Error(`init failed: ${init.stderr}`);
	const match = RECOVERY_KEY_PATTERN.exec(init.out);
	if (!match) throw new Error(`no recovery key in init output:\n${init.out}`);
	for (const code of clients) {
		const added = await cli(["client", "add", vault, "--code", code, "--name", `Synthetic ${code}`]);
		if (added.code !== 0) throw new Error(`client add failed: ${added.stderr}`);
	}
	return { dir, vault, recoveryKey: match[1]!, initOutput: init.out };
}

/** Every file below `dir` (hidden ones included) with the SHA-256 of its bytes. */
export async function hashTree(dir: string): Promise<Map<string, string>> {
	const out = new Map<string, string>();
	const visit = async (folder: string): Promise<void> => {
		for (const entry of await readdir(folder, { withFileTypes: true })) {
			const full = join(folder, entry.name);
			if (entry.isDirectory()) await visit(full);
			else
				out.set(
					relative(dir, full),
					createHash("sha256")
						.update(await readFile(full))
						.digest("hex"),
				);
		}
	};
	await visit(dir);
	return out;
}

export function notePath(vault: string, recordPath: string, root = "Clinical"): string {
	return join(vault, root, `${recordPath}.cvault`);
}

export async function writeTemp(dir: string, name: string, data: string | Uint8Array): Promise<string> {
	const file = join(dir, name);
	await writeFile(file, data);
	return file;
}

/** Byte offsets in a v1 record file: where the chunks start (after prelude, header and key block). */
export function chunkStart(bytes: Uint8Array): number {
	const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, false);
	return 12 + headerLength + 12 + 32 + 16;
}

/**
 * Runs the CLI in this process through run(argv, io): no Node start-up, the same code as dist/cli.js.
 * stdin holds `input` (empty without it; never a terminal); `env` is the whole environment the CLI sees.
 */
export async function cliInProcess(argv: readonly string[], env: Record<string, string>, input?: string): Promise<{ code: number; out: string; err: string }> {
	const result = await runInProcess(argv, env, input);
	return { code: result.code!, out: result.out, err: result.stderr };
}
