/**
 * Crash test of the other writers (issue 14, "Kill -9 during every writer"): passwd, client add
 * with recording consent, consent revoke, search index save and mv. Each kind runs in real child
 * processes (test/support/crash-writers-child.ts, bundled once with esbuild) that repeat that one
 * writer on a vault until they are killed with SIGKILL at a random moment; two run at a time, one
 * against the POSIX store (rename replaces) and one against a store whose rename refuses an
 * existing destination (the backup/rename path Obsidian's adapter takes).
 *
 * After each kill the parent does what the next start on the same computer does: the start-up
 * sweep, then a fresh unlock with the children's device state (which reconciles a session that
 * ended without a lock), and checks the kind's invariant:
 *
 * - passwd: the key file parses and exactly one of the two passphrases opens it (the one before the
 *   change or the one it was changing to, never neither), and the change is in the audit log if it
 *   took effect (the entry is written ahead: never fewer entries than changes that landed);
 * - client add: every client added is there with its consent, the one being added is absent or
 *   there with its consent (never a profile without consent), and adding it again is "added" or
 *   "unchanged";
 * - revoke: before it is finished, whatever fails verify says the revoke was interrupted and how to
 *   finish it; running revokeConsent again finishes it, and afterwards no audio or transcript of the
 *   client remains, the consent is revoked and the kept note is intact;
 * - index save: the saved index decrypts, opens (a rebuild would have to give its reason) and is in
 *   line with the record: the note's current version is found, the other one not;
 * - mv: exactly one of source and destination holds the content, or both hold it (the move was
 *   stopped between its write and its removal) and running the move again finishes it.
 *
 * Always: no .cvtmp/.cvbak left, a note no writer touches is byte-identical, the key file too (but
 * for passwd), and record.verify() is OK (every file decrypts, every audit log verifies, no file
 * rolled back or deleted behind the log). Each worker starts a fresh vault every ROUND kills so the
 * audit log stays short, and after a kill that left a problem so that each problem counts once.
 * Half the kills land anywhere in the first two iterations of a child, half in the writing part of
 * its first iteration (from its first change of the vault: see KillTiming).
 *
 * CV_CRASH_WRITER_KILLS sets the kills per kind (default 8, quick enough for the default suite;
 * `CV_CRASH_WRITER_KILLS=200` is the long run, 1,000 kills in all); CV_CRASH_SEED replays a run.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localDay } from "../../src/core/calendar";
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { FileDeviceStateStore } from "../../src/cli/deviceState";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { addClientWithConsent, consentErasure, consentStatus, readConsent, revokeConsent } from "../../src/core/record/consent";
import { moveRecordFile } from "../../src/core/record/move";
import { SearchService } from "../../src/core/search/SearchService";
import { INDEX_FILE_NAME } from "../../src/core/search/persist";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import type { VaultStore } from "../../src/core/store/VaultStore";
import { atomicWrite } from "../../src/core/store/atomic";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { createKeyFile, parseKeyFile, serializeKeyFile, unwrapWithPassphrase } from "../../src/core/crypto/keyfile";
import { WrongPassphraseError } from "../../src/core/errors";
import { deriveVaultKeys, type VaultKeys } from "../../src/core/crypto/vaultkeys";
import { decryptFile } from "../../src/core/crypto/fileformat";
import { equalBytes, fromUtf8, toHex } from "../../src/core/bytes";
import { buildCrashWritersChild } from "../support/crash-child-build";
import { crashContent } from "../support/crash-content";
import {
	clientCodeFor,
	clientNameFor,
	INDEX_NOTE,
	indexMarker,
	indexNoteText,
	indexNoteVersion,
	KEPT_NOTE,
	keptNoteText,
	MOVE_PATHS,
	WRITER_KINDS,
	WRITERS_CLIENT,
	type WriterKind,
	type WritersChildConfig,
} from "../support/crash-writers-content";
import { NoReplaceFsStore } from "../support/no-replace-store";
import { listFilesDeep, removeDir, seededRandom, tempDir } from "./helpers";

const PER_KIND = Number(process.env.CV_CRASH_WRITER_KILLS ?? 8);
const SEED = Number(process.env.CV_CRASH_SEED ?? Date.now() % 1_000_000);
const ROUND = 25;
const PASSES: [string, string] = ["crash writers passphrase one", "crash writers passphrase two"];
const MODES = ["replace", "no-replace"] as const;
type Mode = (typeof MODES)[number];

let work: string;
let bundle: string;
let vaultKeyHex: string;
let vaultId: string;
let keyFileBytes: Uint8Array;
let keys: VaultKeys;
const totals = new Map<WriterKind, number>();

beforeAll(async () => {
	work = await tempDir("crash-writers");
	bundle = join(work, "crash-writers-child.cjs");
	await buildCrashWritersChild(bundle);
	const { keyFile, vaultKey } = await createKeyFile(PASSES[0], floorKdfParams(), new Date());
	vaultKeyHex = toHex(vaultKey);
	vaultId = keyFile.vaultId;
	keyFileBytes = serializeKeyFile(keyFile);
	keys = await deriveVaultKeys(vaultKey, vaultId);
});

afterAll(async () => {
	if (totals.size > 0)
		console.debug(
			`[crash-writers] seed ${SEED}, kills ${[...totals].map(([k, n]) => `${k} ${n}`).join(", ")}, ${[...totals.values()].reduce((a, b) => a + b, 0)} in all`,
		);
	await removeDir(work);
});

function storeFor(mode: Mode, dir: string): VaultStore {
	return mode === "replace" ? new NodeFsStore(dir) : new NoReplaceFsStore(dir);
}

/** Counts the audit repairs a vault's log holds (from its last verify) and removes it. */
async function retire(v: Vault, s: Stats): Promise<void> {
	for (const [key, n] of Object.entries(v.repairs)) bump(s, key, n);
	await removeDir(v.dir);
	await removeDir(v.stateDir);
}

/** One vault a worker kills writers on, and what the parent knows of it. */
interface Vault {
	kind: WriterKind;
	mode: Mode;
	dir: string;
	stateDir: string;
	/** The next iteration number a child starts with (names and versions are never reused). */
	next: number;
	/** Bytes of files no child may change (store path -> bytes). */
	fixed: Map<string, Buffer>;
	kills: number;
	/** passwd: which passphrase opens the key file; changes that landed; mv: which path holds the file. */
	current: 0 | 1;
	committed: number;
	/** passwd: audit entries for changes that did not land, so far. */
	gap: number;
	at: 0 | 1;
	/** index: the version the index note holds; mv: the content moved. */
	noteVersion: number;
	/** index: versions the note held before, which the index must no longer find. */
	stale: number[];
	content: Uint8Array;
	/** client-add: every iteration started in this vault (done or not). */
	started: Set<number>;
	done: Set<number>;
	/** Audit repairs in its log at the last check: torn lines dropped, logged changes that did not land. */
	repairs: Record<string, number>;
	/** A kill left a problem here: the next kill gets a fresh vault. */
	broken: boolean;
}

interface ChildRun {
	started: number[];
	done: number[];
	/** "step N NAME" lines: the last step reached ("done" after a "done" line). */
	lastStep: string | null;
	signal: NodeJS.Signals | null;
	code: number | null;
	stderr: string;
	/** How long the first iteration took, by the child's clock (null: it did not finish). */
	firstIterationMs: number | null;
	/** How long its writing part took (from its first change of the vault to "done"). */
	firstWritesMs: number | null;
}

/** When to kill: `ms` after "ready" (anywhere in the first iterations) or after the first iteration's first change of the vault. */
interface Kill {
	after: "ready" | "io";
	ms: number;
}

function runChild(config: WritersChildConfig, kill: Kill): Promise<ChildRun> {
	return new Promise((resolve, reject) => {
		// A minimal environment: the child needs nothing from it (see crash.test.ts).
		const child = spawn(process.execPath, [bundle], { stdio: ["pipe", "pipe", "pipe"], env: { PATH: process.env.PATH ?? "" } });
		const run: ChildRun = { started: [], done: [], lastStep: null, signal: null, code: null, stderr: "", firstIterationMs: null, firstWritesMs: null };
		let pending = "";
		let firstStart: number | null = null;
		let firstIo: number | null = null;
		const arm = () =>
			void delay(Math.floor(kill.ms)).then(() => {
				// Spin for the sub-millisecond rest so kill moments are spread continuously.
				const until = performance.now() + (kill.ms % 1);
				while (performance.now() < until);
				child.kill("SIGKILL");
			});
		child.stdout.setEncoding("utf8");
		child.stderr.setEncoding("utf8");
		child.stdout.on("data", (data: string) => {
			const parts = (pending + data).split("\n");
			pending = parts.pop() ?? "";
			for (const line of parts) {
				const words = line.split(" ");
				const n = Number(words[1]);
				const at = Number(words.at(-1));
				switch (words[0]) {
					case "ready":
						if (kill.after === "ready") arm();
						break;
					case "io":
						if (firstIo === null && kill.after === "io") arm();
						firstIo ??= at;
						break;
					case "start":
						run.started.push(n);
						run.lastStep = null;
						firstStart ??= at;
						break;
					case "step":
						run.lastStep = words[2] ?? null;
						break;
					case "done":
						run.done.push(n);
						run.lastStep = "done";
						if (run.done.length === 1 && firstStart !== null) run.firstIterationMs = at - firstStart;
						if (run.done.length === 1 && firstIo !== null) run.firstWritesMs = at - firstIo;
						break;
				}
			}
		});
		child.stderr.on("data", (data: string) => (run.stderr += data));
		child.on("error", reject);
		child.on("close", (code, signal) => resolve({ ...run, code, signal }));
		child.stdin.end(`${JSON.stringify(config)}\n`);
	});
}

function childConfig(v: Vault): WritersChildConfig {
	return {
		kind: v.kind,
		dir: v.dir,
		stateDir: v.stateDir,
		vaultKey: vaultKeyHex,
		vaultId,
		mode: v.mode,
		first: v.next,
		...(v.kind === "passwd" ? { passphrases: PASSES, current: v.current } : {}),
		...(v.kind === "mv" ? { at: v.at } : {}),
	};
}

/** Decrypts a record file as it is on disk: its content, "missing", or why it does not decrypt. */
async function onDisk(v: Vault, recordPath: string): Promise<Uint8Array | "missing" | { error: string }> {
	let bytes: Buffer;
	try {
		bytes = await readFile(join(v.dir, "Clinical", `${recordPath}.cvault`));
	} catch {
		return "missing";
	}
	try {
		return (await decryptFile(keys, bytes, recordPath)).plaintext;
	} catch (error) {
		return { error: (error as Error).message };
	}
}

/** A new vault for `kind`: the key file, client WRITERS_CLIENT, the kept note, and the kind's own files. */
async function newVault(kind: WriterKind, mode: Mode, dir: string, serial: number): Promise<Vault> {
	const v: Vault = {
		kind,
		mode,
		dir,
		stateDir: `${dir}.state`,
		next: 2,
		fixed: new Map(),
		kills: 0,
		current: 0,
		committed: 0,
		gap: 0,
		at: 0,
		noteVersion: 1,
		stale: [],
		content: crashContent(serial),
		started: new Set(),
		done: new Set(),
		repairs: {},
		broken: false,
	};
	const record = new ClinicalRecord({ store: storeFor(mode, dir), device: new FileDeviceStateStore(v.stateDir) });
	await record.attachKeys(keys);
	await atomicWrite(record.store, record.layout.keyFilePath, keyFileBytes);
	await record.audit.append("init");
	await record.addClient({ code: WRITERS_CLIENT, name: "Synthetic Writers Client" });
	await record.writeText(KEPT_NOTE, keptNoteText());
	if (kind === "index") {
		await record.writeText(INDEX_NOTE, indexNoteText(v.noteVersion));
		const search = new SearchService({ record });
		await search.open();
		search.dispose();
	}
	if (kind === "mv") await record.write(MOVE_PATHS[0], v.content);
	await record.lock();
	const fixedPaths = [record.layout.storePath(KEPT_NOTE), ...(kind === "passwd" ? [] : [record.layout.keyFilePath])];
	for (const path of fixedPaths) v.fixed.set(path, await readFile(join(dir, path)));
	return v;
}

type Stats = Record<string, number>;

function bump(s: Stats, key: string, by = 1): void {
	s[key] = (s[key] ?? 0) + by;
}

/** Opens the vault as the next start on this computer does (sweep, reconcile, unlock entry); WrongPassphraseError when `passphrase` does not open it. */
type Unlock = (passphrase: string) => Promise<ClinicalRecord>;

/**
 * The kind's checks. `before` runs after the start-up sweep, checks what it can without the key and
 * returns the unlocked record (most kinds: `unlock(PASSES[0])`); `after` runs unlocked (the
 * reconcile done) and may finish what the kill interrupted, as the clinician would by running the
 * command again.
 */
interface KindCheck {
	before(v: Vault, run: ChildRun, s: Stats, problem: (m: string) => void, unlock: Unlock): Promise<ClinicalRecord>;
	after(v: Vault, run: ChildRun, record: ClinicalRecord, s: Stats, problem: (m: string) => void): Promise<void>;
}

const inFlight = (run: ChildRun): number | null => (run.started.length > run.done.length ? run.started.at(-1)! : null);

const plainUnlock: KindCheck["before"] = (_v, _run, _s, _problem, unlock) => unlock(PASSES[0]);

const checks: Record<WriterKind, KindCheck> = {
	passwd: {
		async before(v, run, s, problem, unlock) {
			const keyFile = parseKeyFile(new Uint8Array(await readFile(join(v.dir, "Clinical/_vault/keyfile.json"))), "keyfile");
			const slots = keyFile.slots
				.map((slot) => slot.kind)
				.sort()
				.join(",");
			if (slots !== "passphrase,recovery") problem(`the key file has the slots ${slots}`);
			const old: 0 | 1 = run.done.length % 2 === 0 ? v.current : v.current === 0 ? 1 : 0;
			const other: 0 | 1 = old === 0 ? 1 : 0;
			// Both passphrases are tried, one by a real unlock (as the clinician would), the other on the key file.
			let record: ClinicalRecord | null = null;
			let opener: 0 | 1 = old;
			try {
				record = await unlock(PASSES[old]);
			} catch (error) {
				if (!(error instanceof WrongPassphraseError)) throw error;
				opener = other;
				record = await unlock(PASSES[other]).catch((e: unknown) => {
					if (e instanceof WrongPassphraseError) return null;
					throw e;
				});
			}
			if (record === null) {
				problem("neither passphrase opens the key file");
				throw new Error("not unlocked");
			}
			if (opener === old) {
				const key = await unwrapWithPassphrase(keyFile, PASSES[other]).catch(() => null);
				if (key) problem("both passphrases open the key file");
			}
			const tookEffect = opener !== old;
			if (tookEffect && inFlight(run) === null) problem(`passphrase ${opener} opens the record, but no change to it was running (old ${old})`);
			if (tookEffect) bump(s, "changeLandedBeforeDone");
			else if (inFlight(run) !== null) bump(s, "changeNotLanded");
			v.committed += run.done.length + (tookEffect ? 1 : 0);
			bump(s, "changesCommitted", run.done.length + (tookEffect ? 1 : 0));
			v.current = opener;
			return record;
		},
		async after(v, _run, record, s, problem) {
			const { entryList } = await record.audit.verify();
			const logged = entryList.filter((e) => e.action === "passphrase-change" && e.note === undefined).length;
			if (logged < v.committed)
				problem(`${logged} passphrase-change entries for ${v.committed} changes that took effect (a change without its audit entry)`);
			if (logged > v.committed + v.kills) problem(`${logged} passphrase-change entries for ${v.committed} changes and ${v.kills} kills`);
			// Entries (written ahead) for changes the kill stopped before they landed.
			bump(s, "entryWithoutChange", logged - v.committed - v.gap);
			v.gap = logged - v.committed;
		},
	},
	"client-add": {
		before: plainUnlock,
		async after(v, run, record, s, problem) {
			for (const k of run.started) v.started.add(k);
			for (const k of run.done) v.done.add(k);
			const pending = inFlight(run);
			for (const k of v.started) {
				const code = clientCodeFor(k);
				const exists = await record.exists(record.layout.profilePath(code));
				if (!exists) {
					if (v.done.has(k)) problem(`client ${code} was added (done) but is gone`);
					else if (k === pending) bump(s, "inFlightAbsent");
					continue;
				}
				const status = consentStatus(await readConsent(record, code));
				if (status !== "yes") problem(`client ${code} exists with consent "${status}" (a profile without its consent)`);
				if (k === pending) bump(s, "inFlightPresent");
			}
			if (pending !== null) {
				// The clinician runs the same client add again: it finishes, never "already exists".
				const again = await addClientWithConsent(
					record,
					{ code: clientCodeFor(pending), name: clientNameFor(pending) },
					{ recording: "yes", date: localDay(new Date()) },
				).catch((e: Error) => e);
				if (again instanceof Error) problem(`client add ${clientCodeFor(pending)} again: ${again.message}`);
				else {
					bump(s, `again-${again.outcome}`);
					if (again.outcome === "finished") problem(`client add ${clientCodeFor(pending)} again found a profile without consent`);
					v.done.add(pending);
				}
			}
			bump(s, "clientsAddedByChildren", run.done.length);
			s.clientsInLastVault = (await record.listClients()).length;
		},
	},
	revoke: {
		before: plainUnlock,
		async after(_v, run, record, s, problem) {
			bump(s, `killedAt-${run.lastStep ?? (inFlight(run) === null ? "ready" : "start")}`);
			// What the clinician sees before finishing it: verify names the interrupted revoke.
			const before = await record.verify();
			for (const failure of before.failures) {
				bump(s, "verifyFailuresBeforeRerun");
				if (
					!/Run "clinical-vault consent .* --revoke --yes" .* again to finish it|Its removal is in the audit log but was cut short/.test(
						failure.message,
					)
				) {
					problem(`before the revoke is run again, ${failure.path} fails verify without saying how to finish: ${failure.message}`);
				}
			}
			const again = await revokeConsent(record, WRITERS_CLIENT).catch((e: Error) => e);
			if (again instanceof Error) {
				problem(`revoke again: ${again.message}`);
				return;
			}
			bump(s, again.resumed ? "rerunResumed" : "rerunFresh");
			bump(s, "erasedByRerun", again.erased.length);
			const left = await consentErasure(record, WRITERS_CLIENT);
			if (left.audio.length + left.transcripts.length > 0) problem(`after the revoke, left: ${[...left.audio, ...left.transcripts].join(", ")}`);
			const status = consentStatus(await readConsent(record, WRITERS_CLIENT));
			if (status !== "revoked") problem(`after the revoke, consent is "${status}"`);
			if ((await record.readText(KEPT_NOTE, "internal")) !== keptNoteText()) problem("the kept note changed");
		},
	},
	index: {
		async before(v, run, s, problem, unlock) {
			const indexBytes = await readFile(join(v.dir, "Clinical/_vault", `${INDEX_FILE_NAME}.cvault`)).catch(() => null);
			if (indexBytes === null) problem("the search index file is missing");
			else {
				try {
					(await decryptFile(keys, indexBytes, `_vault/${INDEX_FILE_NAME}`)).plaintext.fill(0);
				} catch (error) {
					problem(`the saved search index does not decrypt (torn): ${(error as Error).message}`);
				}
			}
			const note = await onDisk(v, INDEX_NOTE);
			const version = note instanceof Uint8Array ? indexNoteVersion(fromUtf8(note)) : null;
			const legal = new Set([run.done.at(-1) ?? v.noteVersion, ...(inFlight(run) !== null ? [inFlight(run)!] : [])]);
			if (version === null || !legal.has(version)) problem(`the index note holds ${version ?? JSON.stringify(note)}, legal ${[...legal].join("/")}`);
			else {
				if (inFlight(run) === version) bump(s, "noteNewWithoutDone");
				// The versions it held before in this run (and the one before the run): the index must not find them.
				v.stale = [v.noteVersion, ...run.done].filter((k) => k !== version);
				v.noteVersion = version;
			}
			return unlock(PASSES[0]);
		},
		async after(v, _run, record, s, problem) {
			const search = new SearchService({ record });
			try {
				const report = await search.open();
				bump(s, report.loaded ? "indexLoaded" : "indexBuilt");
				if (report.rebuilt) {
					bump(s, "indexRebuilt");
					if (report.rebuilt.reason.trim() === "") problem("the index was rebuilt without a reason");
				}
				if (report.changed > 0) bump(s, "indexBehindRecord");
				// A two-word phrase: hits must hold it exactly (a single word would also match its near
				// misses, the other versions' markers, by typo tolerance).
				const paths = async (word: string) => (await search.search(`"about ${word}"`, { limit: 10 })).hits.map((h) => h.recordPath);
				if (!(await paths(indexMarker(v.noteVersion))).includes(INDEX_NOTE)) problem(`the index does not find version ${v.noteVersion} of the note`);
				for (const other of v.stale) {
					if ((await paths(indexMarker(other))).includes(INDEX_NOTE))
						problem(`the index still finds version ${other} of the note (it holds ${v.noteVersion})`);
				}
			} catch (error) {
				problem(`the search index does not open: ${(error as Error).message}`);
			} finally {
				search.dispose();
			}
		},
	},
	mv: {
		async before(v, run, s, problem, unlock) {
			const from: 0 | 1 = run.done.length % 2 === 0 ? v.at : v.at === 0 ? 1 : 0;
			const src = await onDisk(v, MOVE_PATHS[from]);
			const dst = await onDisk(v, MOVE_PATHS[from === 0 ? 1 : 0]);
			const holds = (x: typeof src) => x instanceof Uint8Array && equalBytes(x, v.content);
			const state = `${holds(src) ? "content" : src instanceof Uint8Array ? "other" : src === "missing" ? "missing" : "undecryptable"}/${holds(dst) ? "content" : dst instanceof Uint8Array ? "other" : dst === "missing" ? "missing" : "undecryptable"}`;
			bump(s, `beforeUnlock-${state}`);
			// Stopped inside the removal of the source, the source may be half-erased (its key block
			// overwritten): the next unlock finishes that removal. Anything else must hold the content.
			if (!["content/missing", "missing/content", "content/content", "undecryptable/content"].includes(state))
				problem(`source/destination ${state} before the unlock`);
			v.at = from;
			return unlock(PASSES[0]);
		},
		async after(v, run, record, s, problem) {
			const to: 0 | 1 = v.at === 0 ? 1 : 0;
			const src = await onDisk(v, MOVE_PATHS[v.at]);
			const dst = await onDisk(v, MOVE_PATHS[to]);
			const holds = (x: typeof src) => x instanceof Uint8Array && equalBytes(x, v.content);
			if (holds(src) && holds(dst)) {
				// Both hold it: the clinician runs the same mv again, and it finishes.
				bump(s, "bothHoldIt");
				const again = await moveRecordFile(record, MOVE_PATHS[v.at], MOVE_PATHS[to]).catch((e: Error) => e);
				if (again instanceof Error) problem(`mv again: ${again.message}`);
				else if (!again.resumed) problem("mv again did not see the destination already holding the content");
				if ((await onDisk(v, MOVE_PATHS[v.at])) !== "missing") problem("mv again left the source");
				v.at = to;
			} else if (holds(src) && src instanceof Uint8Array && dst === "missing") bump(s, "sourceOnly");
			else if (holds(dst) && src === "missing") {
				bump(s, inFlight(run) !== null ? "movedBeforeDone" : "destinationOnly");
				v.at = to;
			} else
				problem(
					`after the unlock: source ${JSON.stringify(src instanceof Uint8Array ? holds(src) : src)}, destination ${JSON.stringify(dst instanceof Uint8Array ? holds(dst) : dst)}`,
				);
		},
	},
};

/** First guesses of how long one iteration, and its writing part, take in a fresh child (ms), before any is measured. */
const FIRST_GUESS: Record<WriterKind, number> = { passwd: 400, "client-add": 20, revoke: 150, index: 80, mv: 30 };
const WRITES_GUESS = 20;

function median(values: number[], otherwise: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)] ?? otherwise;
}

/**
 * The kill moments. Half are uniform over twice the first iteration of a fresh child (so a kill
 * lands anywhere in the first or the second iteration); half are uniform over twice the writing
 * part of the first iteration, counted from its first change of the vault (the key derivations of
 * passwd, the reads and checks before a write, would otherwise take most kills). Lengths are the
 * medians of those measured so far.
 */
class KillTiming {
	private readonly iterations: number[] = [];
	private readonly writes: number[] = [];
	constructor(
		private readonly random: () => number,
		private readonly guess: number,
	) {}
	add(run: ChildRun): void {
		if (run.firstIterationMs !== null) this.iterations.push(run.firstIterationMs);
		if (run.firstWritesMs !== null) this.writes.push(run.firstWritesMs);
	}
	get iterationMs(): number {
		return median(this.iterations, this.guess);
	}
	get writesMs(): number {
		return median(this.writes, WRITES_GUESS);
	}
	next(): Kill {
		return this.random() < 0.5 ? { after: "ready", ms: this.random() * 2 * this.iterationMs } : { after: "io", ms: this.random() * 2 * this.writesMs };
	}
}

async function killKind(kind: WriterKind): Promise<void> {
	const started = performance.now();
	const random = seededRandom(SEED + WRITER_KINDS.indexOf(kind));
	const timing = new KillTiming(random, FIRST_GUESS[kind]);
	const check = checks[kind];
	const problems: string[] = [];
	const stats = new Map<Mode, Stats>(MODES.map((m) => [m, { kills: 0, fullUnlocks: 0 }]));
	let serial = WRITER_KINDS.indexOf(kind) * 1000;

	let childMs = 0;
	let checkMs = 0;

	async function worker(mode: Mode, count: number): Promise<void> {
		const s = stats.get(mode)!;
		let v: Vault | null = null;
		let rounds = 0;
		for (let i = 0; i < count && problems.length < 200; i++) {
			// A fresh vault every ROUND kills, and after a kill that left a problem (so that one
			// broken vault does not fail every later child: each problem is counted once).
			if (i % ROUND === 0 || (v !== null && v.broken)) {
				if (v) await retire(v, s);
				v = await newVault(kind, mode, join(work, `${kind}-${mode}-${rounds++}`), serial++);
			}
			const vault = v!;
			const kill = timing.next();
			const t0 = performance.now();
			const run = await runChild(childConfig(vault), kill);
			const t1 = performance.now();
			childMs += t1 - t0;
			const label = `${kind} ${mode} child ${i} (first ${vault.next}, kill ${kill.ms.toFixed(2)} ms after ${kill.after})`;
			const problem = (m: string) => {
				if (!vault.broken) bump(s, "killsWithAProblem");
				vault.broken = true;
				problems.push(`${label}: ${m}`);
			};
			vault.next = Math.max(vault.next, ...run.started) + 1;
			if (run.signal !== "SIGKILL") {
				problem(`ended with ${String(run.code)}/${String(run.signal)}: ${run.stderr}`);
				continue;
			}
			timing.add(run);
			bump(s, `killAfter-${kill.after}`);
			vault.kills++;
			bump(s, "kills");
			bump(s, "iterationsDone", run.done.length);
			if (run.started.length === 0) bump(s, "killedBeforeFirstStart");
			else if (inFlight(run) !== null) bump(s, "killedInside");

			// The start-up sweep (the plugin sweeps before anything else; it needs no key).
			const files = await listFilesDeep(vault.dir);
			if (files.some((f) => f.endsWith(".cvtmp"))) bump(s, "midWrite");
			if (files.some((f) => f.endsWith(".cvbak"))) bump(s, "backupPresent");
			if (!files.includes("Clinical/_vault/keyfile.json")) bump(s, "keyFileMissing");
			const plain = new ClinicalRecord({ store: storeFor(mode, vault.dir) });
			if ((await plain.sweep()).length > 0) bump(s, "recoveries");
			const leftovers = (await listFilesDeep(vault.dir)).filter((p) => p.endsWith(".cvtmp") || p.endsWith(".cvbak"));
			if (leftovers.length) problem(`leftovers after the sweep: ${leftovers.join(", ")}`);
			try {
				// The next unlock on the same computer: it reconciles the log with the files.
				const unlock: Unlock = async (passphrase) => {
					const fresh = new ClinicalRecord({ store: storeFor(mode, vault.dir), device: new FileDeviceStateStore(vault.stateDir) });
					await fresh.unlock(passphrase);
					return fresh;
				};
				const record = await check.before(vault, run, s, problem, unlock);
				await check.after(vault, run, record, s, problem);
				for (const [path, bytes] of vault.fixed) {
					if (!bytes.equals(await readFile(join(vault.dir, path)))) problem(`${path} changed`);
				}
				const report = await record.verify();
				if (!report.ok)
					problem(
						`verify failed: ${JSON.stringify(report.failures)} ${report.audit.problems.join("; ")} ${JSON.stringify(report.history)} ${report.keyFile.join("; ")}`,
					);
				const repairs = (report.audit as Awaited<ReturnType<typeof record.audit.verify>>).entryList.filter((e) => e.action === "audit-repair");
				vault.repairs = {
					auditTornLineRepaired: repairs.filter((e) => e.note === "dropped an interrupted entry").length,
					auditLoggedChangeNotLanded: repairs.filter((e) => e.undo !== undefined).length,
				};
				await record.lock();
				bump(s, "fullUnlocks");
			} catch (error) {
				problem(`check failed: ${(error as Error).stack ?? String(error)}`);
			}
			checkMs += performance.now() - t1;
		}
		if (v) await retire(v, s);
	}

	const first = Math.ceil(PER_KIND / 2);
	await Promise.all([worker("replace", first), worker("no-replace", PER_KIND - first)]);
	const seconds = (performance.now() - started) / 1000;
	const kills = [...stats.values()].reduce((n, st) => n + (st.kills ?? 0), 0);
	totals.set(kind, kills);
	console.debug(
		`[crash-writers] ${kind}: seed ${SEED}, ${seconds.toFixed(1)} s, first iteration of a fresh child (median) ${timing.iterationMs.toFixed(1)} ms, its writes ${timing.writesMs.toFixed(1)} ms, children ${childMs.toFixed(0)} ms, checks ${checkMs.toFixed(0)} ms\n` +
			[...stats].map(([m, st]) => `[crash-writers] ${kind} ${m}: ${JSON.stringify(st)}`).join("\n"),
	);
	expect(problems.slice(0, 20), `${kind}: ${problems.length} problems`).toEqual([]);
	expect(kills).toBe(PER_KIND);
}

describe("crash test of the other writers", () => {
	for (const kind of WRITER_KINDS) {
		it(
			`${PER_KIND} ${kind} runs killed with SIGKILL at random moments: the invariant holds and the record verifies`,
			{ timeout: Math.max(60_000, PER_KIND * 5_000) },
			async () => {
				await killKind(kind);
			},
		);
	}
});
