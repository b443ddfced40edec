/**
 * Audit-log growth benchmarks for `npm run bench -- audit` (issue 14, "Growth"): what each command
 * costs as this computer's audit log grows. A real record is made in a temporary folder (NodeFsStore,
 * floor KDF) with a few real notes, and its device log is grown to each size by real appends through
 * AuditLog (the same entry code path, encryption and chaining as every append; the bytes are buffered
 * in memory and written to the log file in large pieces, so building skips the per-entry fsync and
 * writer lock). The entries are a synthetic mix like a real record's: CLI sessions (one entry with
 * their reads), creates and modifies (with the fingerprints of the record's real files), opens, locks.
 * Then, at each size, with a FileDeviceStateStore in a temporary state folder, as the CLI does:
 *  - a read-only session (unlock, read one note, lock): wall time, peak heap+buffers and RSS above
 *    the start, bytes of the log read, entries added;
 *  - a write of a small note in a session (timed alone: its audit append and encrypted write);
 *  - an unlock after a session that ended without a lock (the reconcile step);
 *  - the full audit.verify() of every chain, and rendering the audit table (newest page, all entries).
 * Then the search index as the CLI opens it on every `search`: built on a record of 1,000 notes, then
 * loaded by a second open in a new session.
 * Sizes: BENCH_AUDIT_SIZES (comma-separated entry counts, default 5000,50000; for the issue's
 * figures, BENCH_AUDIT_SIZES=5000,100000,300000, about 5 minutes: building and verifying cost about
 * 0.1-0.4 ms per entry each, mostly WebCrypto calls, one after another).
 */
import { collect } from "./gc";
import { dateFor, sessionNote, world } from "./search";
import { seededRandom } from "../test/core/helpers";
import { appendFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { clearInterval, setInterval } from "node:timers";
import { randomBytes, toHex } from "../src/core/bytes";
import { ManualClock } from "../src/core/clock";
import { floorKdfParams } from "../src/core/crypto/kdf";
import { parseKeyFile, unwrapWithPassphrase } from "../src/core/crypto/keyfile";
import { deriveVaultKeys } from "../src/core/crypto/vaultkeys";
import { AuditLog, fingerprint, type AuditAction, type AuditEntry } from "../src/core/audit/AuditLog";
import { DeviceState, MemoryDeviceStateStore, type DeviceStateData } from "../src/core/audit/deviceState";
import { renderEntries } from "../src/cli/commands/audit";
import { FileDeviceStateStore } from "../src/cli/deviceState";
import { ClinicalRecord } from "../src/core/record/ClinicalRecord";
import { RecordLayout } from "../src/core/record/layout";
import { SearchService } from "../src/core/search/SearchService";
import { NodeFsStore } from "../src/core/store/NodeFsStore";
import type { StoreListing, VaultStore, WriterIdentity } from "../src/core/store/VaultStore";

const PASSPHRASE = "benchmark passphrase, synthetic";
const MB = 1_000_000;
/** 50,000 keeps the default run near a minute on two busy cores; BENCH_AUDIT_SIZES adds 100,000 and 300,000. */
const DEFAULT_SIZES = [5_000, 50_000];
const PAGE = 200;
const LAYOUT = new RecordLayout("Clinical");
const SEARCH_CLIENTS = 5;
const SEARCH_SESSIONS = 200;
/** Real notes the synthetic entries point at (so reconcile and verify find their files as logged). */
const NOTE_CLIENTS = 5;
const NOTES_PER_CLIENT = 4;

export function auditBenchSizes(env: NodeJS.ProcessEnv = process.env): number[] {
	const raw = env.BENCH_AUDIT_SIZES;
	if (!raw) return DEFAULT_SIZES;
	const sizes = raw.split(",").map((s) => Number(s.trim().replace(/_/g, "")));
	if (sizes.some((n) => !Number.isInteger(n) || n < 100))
		throw new Error(`BENCH_AUDIT_SIZES must be entry counts of at least 100, like 5000,100000,300000 (got "${raw}")`);
	return [...new Set(sizes)].sort((a, b) => a - b);
}

/** Counts the bytes read per path (read and readRange) and the appends per path (one per audit entry). */
class CountingStore implements VaultStore {
	readonly renameReplaces: boolean;
	readonly writer: WriterIdentity;
	readonly bytesRead = new Map<string, number>();
	readonly appends = new Map<string, number>();

	constructor(private readonly base: NodeFsStore) {
		this.renameReplaces = base.renameReplaces;
		this.writer = base.writer;
	}

	private count(path: string, bytes: number): void {
		this.bytesRead.set(path, (this.bytesRead.get(path) ?? 0) + bytes);
	}

	total(): number {
		let sum = 0;
		for (const n of this.bytesRead.values()) sum += n;
		return sum;
	}

	createExclusive(path: string, data: Uint8Array): Promise<boolean> {
		return this.base.createExclusive(path, data);
	}
	async read(path: string): Promise<Uint8Array> {
		const bytes = await this.base.read(path);
		this.count(path, bytes.length);
		return bytes;
	}
	async readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
		const bytes = await this.base.readRange(path, offset, length);
		this.count(path, bytes.length);
		return bytes;
	}
	write(path: string, data: Uint8Array): Promise<void> {
		return this.base.write(path, data);
	}
	append(path: string, data: Uint8Array): Promise<void> {
		this.appends.set(path, (this.appends.get(path) ?? 0) + 1);
		return this.base.append(path, data);
	}
	rename(from: string, to: string): Promise<void> {
		return this.base.rename(from, to);
	}
	remove(path: string): Promise<void> {
		return this.base.remove(path);
	}
	exists(path: string): Promise<boolean> {
		return this.base.exists(path);
	}
	size(path: string): Promise<number | null> {
		return this.base.size(path);
	}
	list(folder: string): Promise<StoreListing> {
		return this.base.list(folder);
	}
	mkdir(path: string): Promise<void> {
		return this.base.mkdir(path);
	}
}

/**
 * For building only: appends to one log are kept in memory and written to the file in large pieces
 * (no fsync per entry); size and readRange of that log see the buffered bytes, so AuditLog follows
 * its own tail exactly as on disk.
 */
class BufferedLogStore implements VaultStore {
	readonly renameReplaces = true;
	private pending = new Uint8Array(1 << 20);
	private used = 0;
	private onDisk: number | null = null;

	constructor(
		private readonly base: NodeFsStore,
		private readonly log: string,
		private readonly flushAt = 8 * MB,
	) {}

	private async diskSize(): Promise<number> {
		this.onDisk ??= (await this.base.size(this.log)) ?? 0;
		return this.onDisk;
	}

	async flush(): Promise<void> {
		if (this.used === 0) return;
		await this.base.mkdir(this.log.slice(0, this.log.lastIndexOf("/")));
		await appendFile(join(this.base.basePath, this.log), this.pending.subarray(0, this.used), { mode: 0o600 });
		this.onDisk = (await this.diskSize()) + this.used;
		this.used = 0;
	}

	async append(path: string, data: Uint8Array): Promise<void> {
		if (path !== this.log) return this.base.append(path, data);
		if (this.used + data.length > this.pending.length) {
			const grown = new Uint8Array(Math.max(this.pending.length * 2, this.used + data.length));
			grown.set(this.pending.subarray(0, this.used));
			this.pending = grown;
		}
		this.pending.set(data, this.used);
		this.used += data.length;
		if (this.used >= this.flushAt) await this.flush();
	}

	async size(path: string): Promise<number | null> {
		if (path !== this.log) return this.base.size(path);
		const disk = await this.diskSize();
		return disk + this.used === 0 && !(await this.base.exists(path)) ? null : disk + this.used;
	}

	async readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
		if (path !== this.log) return this.base.readRange(path, offset, length);
		const disk = await this.diskSize();
		const end = Math.min(offset + length, disk + this.used);
		const out = new Uint8Array(Math.max(0, end - offset));
		if (offset < disk) out.set(await this.base.readRange(path, offset, Math.min(end, disk) - offset), 0);
		const from = Math.max(offset, disk);
		if (end > from) out.set(this.pending.subarray(from - disk, end - disk), from - offset);
		return out;
	}

	async read(path: string): Promise<Uint8Array> {
		if (path === this.log) await this.flush();
		return this.base.read(path);
	}
	async exists(path: string): Promise<boolean> {
		return (path === this.log && this.used > 0) || this.base.exists(path);
	}
	write(path: string, data: Uint8Array): Promise<void> {
		return this.base.write(path, data);
	}
	rename(from: string, to: string): Promise<void> {
		return this.base.rename(from, to);
	}
	remove(path: string): Promise<void> {
		return this.base.remove(path);
	}
	list(folder: string): Promise<StoreListing> {
		return this.base.list(folder);
	}
	mkdir(path: string): Promise<void> {
		return this.base.mkdir(path);
	}
}

interface Measured<T> {
	value: T;
	ms: number;
	/** Peak heap + array buffers above the start, MB. */
	heapMB: number;
	/** Peak RSS above the start, MB. */
	rssMB: number;
}

/** Runs a task, sampling memory every millisecond (and at the end) after a full GC. */
async function measured<T>(task: () => Promise<T>): Promise<Measured<T>> {
	collect();
	collect();
	const start = process.memoryUsage();
	const baseHeap = start.heapUsed + start.arrayBuffers;
	let peakHeap = baseHeap;
	let peakRss = start.rss;
	const sample = () => {
		const m = process.memoryUsage();
		peakHeap = Math.max(peakHeap, m.heapUsed + m.arrayBuffers);
		peakRss = Math.max(peakRss, m.rss);
	};
	const timer = setInterval(sample, 1);
	const started = performance.now();
	try {
		const value = await task();
		const ms = performance.now() - started;
		sample();
		return { value, ms, heapMB: (peakHeap - baseHeap) / MB, rssMB: (peakRss - start.rss) / MB };
	} finally {
		clearInterval(timer);
	}
}

interface Fixture {
	dir: string;
	stateDir: string;
	vaultId: string;
	device: string;
	logPath: string;
	/** The real notes, with their file ids and fingerprints. */
	notes: { path: string; fileId: string; sha: string }[];
}

async function makeFixture(): Promise<Fixture> {
	const dir = await mkdtemp(join(tmpdir(), "cv-bench-audit-"));
	const stateDir = await mkdtemp(join(tmpdir(), "cv-bench-audit-state-"));
	const store = new NodeFsStore(dir);
	const record = new ClinicalRecord({ store, device: new FileDeviceStateStore(stateDir), batchReads: true });
	await record.init(PASSPHRASE, { kdf: floorKdfParams() });
	const random = seededRandom(20260614);
	const notes: Fixture["notes"] = [];
	for (let c = 0; c < NOTE_CLIENTS; c++) {
		const client = `C-${String(2000 + c)}`;
		const w = world(random);
		await record.addClient({ code: client, name: `Synthetic ${client}` });
		for (let s = 1; s <= NOTES_PER_CLIENT; s++) {
			const path = `${client}/notes/${dateFor(s)}.md`;
			const { fileId } = await record.writeText(path, sessionNote(client, w, s, dateFor(s), random));
			notes.push({ path, fileId, sha: await fingerprint(await store.read(record.layout.storePath(path))) });
		}
	}
	const device = await record.deviceState.device();
	const logPath = `${record.layout.auditFolder}/${device}.cvlog`;
	await record.lock();
	const keyFile = parseKeyFile(await store.read(record.layout.keyFilePath), record.layout.keyFilePath);
	return { dir, stateDir, vaultId: keyFile.vaultId, device, logPath, notes };
}

/** One synthetic entry, like the mix a real record accumulates. */
function syntheticEntry(
	random: () => number,
	notes: Fixture["notes"],
	time: Date,
): { action: AuditAction; fields: Omit<Partial<AuditEntry>, "seq" | "action" | "prev" | "time"> & { time: Date } } {
	const note = notes[Math.floor(random() * notes.length)]!;
	const r = random();
	if (r < 0.55) {
		const reads = Array.from({ length: 1 + Math.floor(random() * 3) }, () => notes[Math.floor(random() * notes.length)]!).map((n) => ({
			path: n.path,
			fileId: n.fileId,
		}));
		const until = new Date(time.getTime() + (1 + Math.floor(random() * 40)) * 60_000);
		return { action: "unlock", fields: { time, reads, seen: {}, until: until.toISOString() } };
	}
	if (r < 0.8) return { action: "modify", fields: { time, fileId: note.fileId, path: note.path, sha: note.sha, base: toHex(randomBytes(32)) } };
	if (r < 0.9) return { action: "create", fields: { time, fileId: note.fileId, path: note.path, sha: note.sha } };
	if (r < 0.95) return { action: "open", fields: { time, fileId: note.fileId, path: note.path } };
	return { action: "lock", fields: { time } };
}

/**
 * Grows this computer's log to `target` entries by appends through AuditLog (real entries, real
 * chain), then saves the anchors to the CLI state file, as if this computer had written them.
 */
async function grow(fx: Fixture, target: number, clock: ManualClock, random: () => number): Promise<{ added: number; ms: number }> {
	const started = performance.now();
	const base = new NodeFsStore(fx.dir);
	const keyFile = parseKeyFile(await base.read(LAYOUT.keyFilePath), LAYOUT.keyFilePath);
	const keys = await deriveVaultKeys(await unwrapWithPassphrase(keyFile, PASSPHRASE), keyFile.vaultId);
	const fileState = new FileDeviceStateStore(fx.stateDir);
	const memory = new MemoryDeviceStateStore();
	memory.saved = (await fileState.load()) as DeviceStateData;
	const state = new DeviceState(memory);
	const store = new BufferedLogStore(base, fx.logPath);
	const log = new AuditLog(store, keys, clock, state, fx.device, { legacyPath: LAYOUT.auditPath, folder: LAYOUT.auditFolder });
	const added = target - (memory.saved.vaults[fx.vaultId]?.logs[fx.device]?.entries ?? 0);
	for (let i = 0; i < added; i++) {
		clock.advance(10 * 60_000);
		const { action, fields } = syntheticEntry(random, fx.notes, clock.now());
		await log.append(action, fields);
	}
	await store.flush();
	await state.save();
	await fileState.save(memory.saved);
	return { added, ms: performance.now() - started };
}

async function anchorEntries(fx: Fixture): Promise<number> {
	const state = (await new FileDeviceStateStore(fx.stateDir).load()) as DeviceStateData;
	return state.vaults[fx.vaultId]?.logs[fx.device]?.entries ?? 0;
}

/** A record as one CLI process opens it: a fresh store, state from the state file, batched reads. */
function cliRecord(fx: Fixture): { record: ClinicalRecord; store: CountingStore } {
	const store = new CountingStore(new NodeFsStore(fx.dir));
	return { record: new ClinicalRecord({ store, device: new FileDeviceStateStore(fx.stateDir), batchReads: true }), store };
}

interface SizeFigures {
	entries: number;
	buildS: string;
	logMB: number;
	session: Measured<void>;
	sessionLogRead: number;
	sessionTotalRead: number;
	sessionAdded: number;
	writeMs: number;
	writeLogRead: number;
	writeAdded: number;
	reconcileMs: number;
	reconcileLogRead: number;
	/** The entries verified, or the error verify threw. */
	verify: Measured<number | string>;
	verifyLogRead: number;
	pageMs: number | null;
	all: Measured<number> | null;
}

async function measureSize(fx: Fixture, index: number, build: { added: number; ms: number }): Promise<SizeFigures> {
	const entries = await anchorEntries(fx);
	const logMB = ((await new NodeFsStore(fx.dir).size(fx.logPath)) ?? 0) / MB;
	const note = fx.notes[index % fx.notes.length]!.path;

	// 1. A read-only session: `clinical-vault cat`.
	let { record, store } = cliRecord(fx);
	const session = await measured(async () => {
		await record.unlock(PASSPHRASE);
		(await record.read(note)).fill(0);
		await record.lock();
	});
	const sessionLogRead = store.bytesRead.get(fx.logPath) ?? 0;
	const sessionTotalRead = store.total();
	const sessionAdded = store.appends.get(fx.logPath) ?? 0;

	// 2. One write of a small note (its audit append and encrypted write), timed alone inside a session.
	({ record, store } = cliRecord(fx));
	await record.unlock(PASSPHRASE);
	await record.writeText(`C-2000/notes/2031-0${(index % 9) + 1}-01.md`, "# Bench note\n\nA short synthetic note.\n");
	const readBefore = store.bytesRead.get(fx.logPath) ?? 0;
	const entriesBefore = store.appends.get(fx.logPath) ?? 0;
	let started = performance.now();
	await record.writeText(`C-2000/notes/2031-0${(index % 9) + 1}-02.md`, "# Bench note\n\nAnother short synthetic note.\n");
	const writeMs = performance.now() - started;
	const writeLogRead = (store.bytesRead.get(fx.logPath) ?? 0) - readBefore;
	const writeAdded = (store.appends.get(fx.logPath) ?? 0) - entriesBefore;
	await record.lock();

	// 3. An unlock after a session that ended without a lock (a killed command): reconcile.
	const fileState = new FileDeviceStateStore(fx.stateDir);
	const data = (await fileState.load()) as DeviceStateData;
	data.vaults[fx.vaultId]!.open = true;
	await fileState.save(data);
	({ record, store } = cliRecord(fx));
	started = performance.now();
	await record.unlock(PASSPHRASE);
	await record.lock();
	const reconcileMs = performance.now() - started;
	const reconcileLogRead = store.bytesRead.get(fx.logPath) ?? 0;

	// 4. Full verification of every chain, then the audit table (`clinical-vault audit`, `--all`).
	({ record, store } = cliRecord(fx));
	await record.unlock(PASSPHRASE);
	const readBeforeVerify = store.bytesRead.get(fx.logPath) ?? 0;
	let list: Awaited<ReturnType<AuditLog["verify"]>>["entryList"] = [];
	const verify = await measured(async () => {
		let result: Awaited<ReturnType<AuditLog["verify"]>>;
		try {
			result = await record.audit.verify();
		} catch (error) {
			// A crash of verify itself is a figure to print (the time until it), not a reason to stop the bench.
			return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
		}
		if (!result.ok) throw new Error(`the bench log does not verify: ${result.problems.join("; ")}`);
		list = result.entryList;
		return result.entries;
	});
	const verifyLogRead = (store.bytesRead.get(fx.logPath) ?? 0) - readBeforeVerify;
	let pageMs: number | null = null;
	let all: Measured<number> | null = null;
	if (typeof verify.value === "number") {
		collect();
		started = performance.now();
		const page = renderEntries(list.slice(Math.max(0, list.length - PAGE)));
		pageMs = performance.now() - started;
		if (page.length === 0) throw new Error("empty audit page");
		all = await measured(() => Promise.resolve(renderEntries(list).length));
	}
	list = [];
	await record.lock();

	return {
		entries,
		buildS: `${(build.ms / 1000).toFixed(1)} (+${build.added.toLocaleString("en-US")})`,
		logMB,
		session,
		sessionLogRead,
		sessionTotalRead,
		sessionAdded,
		writeMs,
		writeLogRead,
		writeAdded,
		reconcileMs,
		reconcileLogRead,
		verify,
		verifyLogRead,
		pageMs,
		all,
	};
}

function kb(bytes: number): string {
	return bytes < 10_000 ? `${bytes} B` : `${(bytes / 1000).toFixed(0)} kB`;
}

/** The CLI's `search`: one SearchService open per command (new process, new session). */
async function benchCliSearch(): Promise<Record<string, string | number>> {
	const dir = await mkdtemp(join(tmpdir(), "cv-bench-audit-search-"));
	const stateDir = await mkdtemp(join(tmpdir(), "cv-bench-audit-search-state-"));
	const out: Record<string, string | number> = {};
	try {
		const fx = { dir, stateDir } as Fixture;
		let { record } = cliRecord(fx);
		await record.init(PASSPHRASE, { kdf: floorKdfParams() });
		const random = seededRandom(20260609);
		let started = performance.now();
		let bytes = 0;
		for (let c = 0; c < SEARCH_CLIENTS; c++) {
			const client = `C-${String(1000 + c)}`;
			const w = world(random);
			await record.addClient({ code: client, name: `Synthetic ${client}` });
			// Written 20 at a time (the audit appends still go one by one): the fsyncs overlap.
			const notes = Array.from({ length: SEARCH_SESSIONS }, (_, i) => ({
				path: `${client}/notes/${dateFor(i + 1)}.md`,
				text: sessionNote(client, w, i + 1, dateFor(i + 1), random),
			}));
			for (let i = 0; i < notes.length; i += 20) {
				await Promise.all(notes.slice(i, i + 20).map((n) => record.writeText(n.path, n.text)));
			}
			for (const n of notes) bytes += n.text.length;
		}
		await record.lock();
		const notes = SEARCH_CLIENTS * SEARCH_SESSIONS;
		out[`search: record of ${notes.toLocaleString("en-US")} notes (written in, s)`] =
			`${(bytes / MB).toFixed(1)} MB of text (${((performance.now() - started) / 1000).toFixed(1)} s)`;
		const session = async (): Promise<{ open: Measured<{ loaded: boolean; passages: number }>; searchMs: number }> => {
			({ record } = cliRecord(fx));
			await record.unlock(PASSPHRASE);
			const service = new SearchService({ record });
			const open = await measured(async () => {
				const r = await service.open();
				return { loaded: r.loaded, passages: r.passages };
			});
			started = performance.now();
			await service.search("the Critic work deadlines");
			const searchMs = performance.now() - started;
			service.dispose();
			await record.lock();
			return { open, searchMs };
		};
		const first = await session();
		const second = await session();
		if (first.open.value.loaded || !second.open.value.loaded) throw new Error("the search bench did not build, then load, the index");
		const indexMB = ((await new NodeFsStore(dir).size(record.systemFilePath("search-index"))) ?? 0) / MB;
		out["search: passages; encrypted index, MB"] = `${first.open.value.passages}; ${indexMB.toFixed(1)}`;
		const row = (m: Measured<unknown>) => `${(m.ms / 1000).toFixed(2)} s, +${m.heapMB.toFixed(0)} MB heap, +${m.rssMB.toFixed(0)} MB RSS`;
		out["search: first open (build, save)"] = row(first.open);
		out["search: second open (decrypt, parse, check)"] = row(second.open);
		out["search: one query after open, ms"] = +second.searchMs.toFixed(1);
	} finally {
		await rm(dir, { recursive: true, force: true });
		await rm(stateDir, { recursive: true, force: true });
	}
	return out;
}

export async function benchAudit(options: { sizes?: number[]; search?: boolean } = {}): Promise<Record<string, string | number>> {
	const sizes = options.sizes ?? auditBenchSizes();
	const fx = await makeFixture();
	const out: Record<string, string | number> = {};
	try {
		const keyFile = parseKeyFile(await new NodeFsStore(fx.dir).read(LAYOUT.keyFilePath), LAYOUT.keyFilePath);
		let started = performance.now();
		(await unwrapWithPassphrase(keyFile, PASSPHRASE)).fill(0);
		const kdfMs = performance.now() - started;
		const clock = new ManualClock("2019-01-01T08:00:00Z");
		const random = seededRandom(14);
		const figures: SizeFigures[] = [];
		for (const [i, size] of sizes.entries()) {
			const build = await grow(fx, size, clock, random);
			figures.push(await measureSize(fx, i, build));
		}
		const width = 16;
		const cols = (cells: (string | number)[]) => cells.map((c) => String(c).padStart(width)).join("");
		const each = (f: (s: SizeFigures) => string | number) => cols(figures.map(f));
		out["entries in this computer's log"] = each((s) => s.entries.toLocaleString("en-US"));
		out["build by AuditLog appends, s (+entries)"] = each((s) => s.buildS);
		out["log size, MB"] = each((s) => s.logMB.toFixed(1));
		out[`read-only session (unlock, read, lock), ms [KDF ${kdfMs.toFixed(0)} ms]`] = each((s) => s.session.ms.toFixed(0));
		out["  peak heap+buffers / RSS above start, MB"] = each((s) => `${s.session.heapMB.toFixed(1)} / ${s.session.rssMB.toFixed(1)}`);
		out["  log bytes read (all files read)"] = each((s) => `${kb(s.sessionLogRead)} (${kb(s.sessionTotalRead)})`);
		out["  audit entries added"] = each((s) => s.sessionAdded);
		out["write of a small note, ms (one append)"] = each((s) => s.writeMs.toFixed(1));
		out["  log bytes read; entries added"] = each((s) => `${kb(s.writeLogRead)}; ${s.writeAdded}`);
		out["unlock+lock after a cut-short session, ms"] = each((s) => s.reconcileMs.toFixed(0));
		out["  log bytes read (reconcile)"] = each((s) => kb(s.reconcileLogRead));
		out["audit.verify() (every chain), s"] = each((s) => `${typeof s.verify.value === "string" ? "FAILED " : ""}${(s.verify.ms / 1000).toFixed(2)}`);
		out["  verify: peak heap+buffers / RSS, MB"] = each((s) => `${s.verify.heapMB.toFixed(0)} / ${s.verify.rssMB.toFixed(0)}`);
		out["  verify: log bytes read"] = each((s) => kb(s.verifyLogRead));
		out[`render audit table, newest ${PAGE}, ms`] = each((s) => s.pageMs?.toFixed(1) ?? "-");
		out["render audit table, all entries, ms"] = each((s) => s.all?.ms.toFixed(0) ?? "-");
		out["  all: output MB; peak heap+buffers MB"] = each((s) => (s.all ? `${(s.all.value / MB).toFixed(1)}; ${s.all.heapMB.toFixed(0)}` : "-"));
		for (const s of figures) {
			if (typeof s.verify.value === "string") out[`audit.verify() at ${s.entries.toLocaleString("en-US")} entries failed`] = s.verify.value;
		}
	} finally {
		await rm(fx.dir, { recursive: true, force: true });
		await rm(fx.stateDir, { recursive: true, force: true });
	}
	if (options.search !== false) Object.assign(out, await benchCliSearch());
	return out;
}
