/**
 * Append-only, encrypted, hash-chained audit logs (docs/FORMAT.md, "Audit log").
 *
 * Each computer appends to its own log, `_vault/audit/<device>.cvlog`, so file sync never has to
 * merge one file appended on two computers; the logs are merged by time when read. Records made
 * before per-device logs also have `_vault/audit.cvlog` (the legacy log), read and verified alike.
 *
 * One line per entry:  "A1." + base64( IV (12) | AES-GCM(audit key, entry JSON) ) + "\n"
 * with AAD = "CVA1|" + seq + "|" + prev, where prev is the hex SHA-256 of the previous line's text
 * (without its newline) or, for the first entry, of the log's genesis string
 * ("clinical-vault/audit/genesis|" + vault id, and "|" + device for a device log). The entry JSON
 * repeats seq and prev, so a removed, edited or reordered line breaks the chain.
 * Entries hold time, action, file id, record path and fingerprints of ciphertext, never content.
 *
 * Appending reads only the end of this computer's log (its anchor says how long the log was and
 * what its last line hashed to); the whole log is read only when it changed unexpectedly.
 */
import { ClinicalVaultError, StorageError } from "../errors";
import { fromBase64, fromUtf8, own, randomBytes, sha256, toBase64, toHex, utf8 } from "../bytes";
import type { Clock } from "../clock";
import type { VaultKeys } from "../crypto/vaultkeys";
import { joinPath, readRange, type VaultStore } from "../store/VaultStore";
import { atomicWrite } from "../store/atomic";
import { DEVICE_ID, type DeviceState, type LogAnchor } from "./deviceState";

export type AuditAction =
	| "init"
	| "unlock"
	| "unlock-failed"
	| "unlock-recovery"
	| "lock"
	| "create"
	| "open"
	| "modify"
	| "delete"
	| "sign"
	| "export"
	| "passphrase-change"
	| "client-add"
	/** Recording consent recorded, changed or revoked (src/core/record/consent.ts); the note says which. */
	| "consent"
	| "import"
	| "verify"
	| "audit-repair"
	/** The vault key rotated (started, resumed, finished); the files re-wrapped follow as "modify". */
	| "key-rotation";

export interface FileRead {
	path: string;
	fileId?: string;
}

export interface AuditEntry {
	seq: number;
	time: string;
	action: AuditAction;
	fileId?: string;
	path?: string;
	/** Short non-clinical detail (a count, an attempt time); never content. */
	note?: string;
	prev: string;
	/** Hex SHA-256 of the encrypted file this entry wrote (create, modify, sign, …). */
	sha?: string;
	/** Hex SHA-256 of the encrypted file this entry replaced or removed. */
	base?: string;
	/** An audit-repair entry: "<log>#<seq>" of a logged change that did not land (a crash, a failed write). */
	undo?: string;
	/** Files read (decrypted for display) since the previous entry, when reads are batched. */
	reads?: FileRead[];
	/** Failed unlocks (ISO times) before this unlock. */
	failed?: string[];
	/** Entries of the other audit logs this computer had seen at this unlock (a witness against a deleted log). */
	seen?: Record<string, number>;
	/** A session logged in one entry (unlock, reads, lock): when it was locked. */
	until?: string;
	/**
	 * A chain reset (audit-repair): the broken log was kept whole as `evidence` (vault-relative, with
	 * its SHA-256), the log cut back to the entries that verify, and `dropped` lines followed them.
	 */
	reset?: { evidence: string; sha: string; dropped: number; reason: string };
}

export interface ResetReport {
	log: string;
	kept: number;
	dropped: number;
	evidence: string;
}

/** An entry with the log it came from. */
export interface LoggedEntry extends AuditEntry {
	log: string;
}

export interface LogReport {
	name: string;
	path: string;
	entries: number;
	ok: boolean;
	problems: string[];
}

export interface AuditVerification {
	ok: boolean;
	entries: number;
	/** Human-readable problems, each naming the log and the line. */
	problems: string[];
	/** The chain head of this computer's log. */
	lastHash: string;
	logs: LogReport[];
}

export interface AuditOptions {
	/** The legacy single log (`_vault/audit.cvlog`). */
	legacyPath: string;
	/** The folder of per-device logs (`_vault/audit`). */
	folder: string;
	/** Runs an append while this process may write (the record's cross-process writer lock). */
	hold?: <T>(task: () => Promise<T>) => Promise<T>;
	/** Reads are collected and written with the next entry (the CLI: a read-only command adds one entry). */
	batchReads?: boolean;
	/** The vault cannot be written: nothing is appended; `unlogged` counts what could not be logged. */
	readOnly?: boolean;
}

const LINE_PREFIX = "A1.";
export const LEGACY_LOG = "audit";
export const LOG_EXTENSION = "cvlog";

interface Tail {
	seq: number;
	hash: string;
	/** Bytes up to the end of the last complete line. */
	size: number;
	lastLength: number;
}

interface LogRef {
	name: string;
	path: string;
}

function splitLines(text: string): { lines: string[]; torn: string | null } {
	const parts = text.split("\n");
	const last = parts.pop() ?? "";
	return { lines: parts.filter((l) => l !== ""), torn: last === "" ? null : last };
}

type AppendFields = Omit<Partial<AuditEntry>, "seq" | "action" | "prev" | "time"> & { time?: Date };

async function hashLine(line: string): Promise<string> {
	return toHex(await sha256(utf8(line)));
}

/** The hex SHA-256 of bytes: the fingerprint of an encrypted file in the audit log. */
export async function fingerprint(bytes: Uint8Array): Promise<string> {
	return toHex(await sha256(bytes));
}

export class AuditLog {
	private queue: Promise<unknown> = Promise.resolve();
	/** This computer's log: the chain's end right after our own last append (null: read it). */
	private known: Tail | null = null;
	private readonly own: LogRef;
	private readonly hold: <T>(task: () => Promise<T>) => Promise<T>;
	/** Batched reads, and an unlock not written yet (batchReads only). */
	private pendingReads: FileRead[] = [];
	private pendingUnlock: { action: AuditAction; time: Date; failed: string[] } | null = null;
	/** Entries that could not be written because the vault is read-only. */
	unlogged = 0;

	constructor(
		private readonly store: VaultStore,
		private readonly keys: VaultKeys,
		private readonly clock: Clock,
		private readonly state: DeviceState,
		readonly device: string,
		private readonly options: AuditOptions,
	) {
		if (!DEVICE_ID.test(device)) throw new ClinicalVaultError("internal", `"${device}" is not a device id.`);
		this.own = { name: device, path: joinPath(options.folder, `${device}.${LOG_EXTENSION}`) };
		this.hold = options.hold ?? ((task) => task());
	}

	private async genesis(log: string): Promise<string> {
		return hashLine(log === LEGACY_LOG ? `clinical-vault/audit/genesis|${this.keys.vaultId}` : `clinical-vault/audit/genesis|${this.keys.vaultId}|${log}`);
	}

	/** Every audit log in the record: the legacy log first, then the device logs by name. */
	async logRefs(): Promise<{ logs: LogRef[]; strays: string[] }> {
		const logs: LogRef[] = [];
		const strays: string[] = [];
		if (await this.store.exists(this.options.legacyPath)) logs.push({ name: LEGACY_LOG, path: this.options.legacyPath });
		const listing = await this.store.list(this.options.folder);
		for (const path of listing.files.sort()) {
			const name = path.slice(path.lastIndexOf("/") + 1);
			if (name.startsWith(".")) continue;
			const stem = name.endsWith(`.${LOG_EXTENSION}`) ? name.slice(0, -LOG_EXTENSION.length - 1) : "";
			if (DEVICE_ID.test(stem)) logs.push({ name: stem, path });
			else strays.push(path);
		}
		return { logs, strays };
	}

	private async decryptLine(line: string, seq: number, prev: string): Promise<AuditEntry | null> {
		if (!line.startsWith(LINE_PREFIX)) return null;
		try {
			const raw = fromBase64(line.slice(LINE_PREFIX.length));
			// Entries written before a key rotation are read with the retired audit keys.
			for (const key of [this.keys.audit, ...(this.keys.retired ?? []).map((k) => k.audit)]) {
				let plain: ArrayBuffer;
				try {
					plain = await crypto.subtle.decrypt(
						{ name: "AES-GCM", iv: own(raw.subarray(0, 12)), additionalData: own(utf8(`CVA1|${seq}|${prev}`)) },
						key,
						own(raw.subarray(12)),
					);
				} catch {
					continue;
				}
				const entry = JSON.parse(fromUtf8(new Uint8Array(plain))) as AuditEntry;
				return entry.seq === seq && entry.prev === prev ? entry : null;
			}
			return null;
		} catch {
			return null;
		}
	}

	/** Reads and verifies one log's chain. */
	private async verifyLog(ref: LogRef): Promise<{ report: LogReport; entries: LoggedEntry[]; lastHash: string; lines: string[] }> {
		const { lines, torn } = splitLines(fromUtf8(await this.store.read(ref.path)));
		const problems: string[] = [];
		const entries: LoggedEntry[] = [];
		let prev = await this.genesis(ref.name);
		const where = ref.name === LEGACY_LOG ? "audit log" : `audit log ${ref.name}`;
		for (let i = 0; i < lines.length; i++) {
			const line = lines[i]!;
			const entry = await this.decryptLine(line, i + 1, prev);
			if (!entry) {
				problems.push(`${where}, entry ${i + 1}: does not verify (edited, removed, inserted or reordered entry)`);
				break;
			}
			entries.push({ ...entry, log: ref.name });
			prev = await hashLine(line);
		}
		if (torn !== null && problems.length === 0) problems.push(`${where}, entry ${lines.length + 1}: incomplete (an append was interrupted)`);
		return { report: { name: ref.name, path: ref.path, entries: entries.length, ok: problems.length === 0, problems }, entries, lastHash: prev, lines };
	}

	/**
	 * Reads and verifies every log: each chain, this computer's anchors (a log shorter than seen,
	 * missing, or different where it was last seen) and the other logs' witnesses (a log another
	 * computer saw that is gone or shorter). Updates the anchors of the logs that verify.
	 */
	async verify(): Promise<AuditVerification & { entryList: LoggedEntry[] }> {
		const byLog = new Map<string, LoggedEntry[]>();
		const { logs, strays } = await this.logRefs();
		const problems: string[] = [];
		const reports: LogReport[] = [];
		const entryList: LoggedEntry[] = [];
		const lengths = new Map<string, number>();
		let lastHash = await this.genesis(this.own.name);
		const anchors = (await this.state.vault(this.keys.vaultId)).logs;
		for (const ref of logs) {
			const result = await this.verifyLog(ref);
			reports.push(result.report);
			problems.push(...result.report.problems);
			// A loop, not a spread: a log of more than ~125,000 entries overflows the call stack as arguments.
			for (const entry of result.entries) entryList.push(entry);
			byLog.set(ref.name, result.entries);
			lengths.set(ref.name, result.lines.length);
			if (ref.name === this.own.name) lastHash = result.lastHash;
			const anchor = anchors[ref.name];
			if (anchor) {
				const found = await this.checkAnchor(ref, anchor, result.lines);
				if (found.length > 0 && !(await this.explainedByReset(result.entries, anchor.entries, anchor.lastHash))) problems.push(...found);
			}
			if (result.report.ok) await this.state.anchor(this.keys.vaultId, ref.name, await this.anchorOf(ref.name, result.lines));
		}
		for (const [name, anchor] of Object.entries(anchors)) {
			if (!lengths.has(name) && anchor.entries > 0)
				problems.push(`${this.describe(name)} is missing: this computer saw it with ${anchor.entries} entries (deleted)`);
		}
		for (const entry of entryList) {
			for (const [name, count] of Object.entries(entry.seen ?? {})) {
				const have = lengths.get(name);
				if (have === undefined)
					problems.push(`${this.describe(name)} is missing: ${this.describe(entry.log)} entry ${entry.seq} saw it with ${count} entries (deleted)`);
				else if (have < count && !(await this.explainedByReset(byLog.get(name) ?? [], count, null)))
					problems.push(`${this.describe(name)} has ${have} entries, but ${this.describe(entry.log)} entry ${entry.seq} saw ${count} (truncated)`);
			}
		}
		for (const stray of strays) problems.push(`${stray}: not an audit log name (an audit log renamed, or a sync tool's copy of one)`);
		await this.state.save();
		const unique = [...new Set(problems)];
		return { ok: unique.length === 0, entries: entryList.length, problems: unique, lastHash, logs: reports, entryList: sortEntries(entryList) };
	}

	/**
	 * Whether a reset recorded in `entries` (the log's own entries) explains what a computer saw of
	 * the log before it: the kept evidence is intact and holds the line an anchor saw last (lines
	 * may have moved: the damage can have removed some), or, for a witness's count, the reset cut the
	 * log back below it.
	 */
	private async explainedByReset(entries: readonly LoggedEntry[], seenEntries: number, seenHash: string | null): Promise<boolean> {
		for (const entry of entries) {
			if (!entry.reset) continue;
			const evidence = await this.store.read(entry.reset.evidence).catch(() => null);
			if (!evidence || (await fingerprint(evidence)) !== entry.reset.sha) continue;
			if (seenHash === null) {
				if (seenEntries > entry.seq - 1) return true;
				continue;
			}
			for (const line of splitLines(fromUtf8(evidence)).lines) if ((await hashLine(line)) === seenHash) return true;
		}
		return false;
	}

	/**
	 * Repairs every log whose chain is broken, keeping the evidence: the broken log is copied whole to
	 * `<folder>/broken/<log>.<time>.cvlog`, cut back to the entries that verify, and continued with
	 * an audit-repair entry naming the copy, its hash, how many lines were dropped and the reason.
	 * Verify then passes, and a computer that had seen the longer log finds it in the evidence.
	 */
	async reset(reason: string): Promise<ResetReport[]> {
		if (this.options.readOnly)
			throw new ClinicalVaultError("refused", "The vault is read-only: the audit log cannot be repaired here. Nothing was written.");
		const why = reason.trim();
		if (why === "")
			throw new ClinicalVaultError("invalid-input", "Say why the audit log is being reset (--reason): it is kept in the log with the evidence.");
		return this.enqueue(async () => {
			const done: ResetReport[] = [];
			const { logs } = await this.logRefs();
			for (const ref of logs) {
				const result = await this.verifyLog(ref);
				if (result.report.ok) continue;
				const bytes = await this.store.read(ref.path);
				const all = splitLines(fromUtf8(bytes));
				const total = all.lines.length + (all.torn === null ? 0 : 1);
				const kept = result.entries.length;
				const stamp = this.clock.now().toISOString().replace(/[:.]/g, "-");
				const evidence = joinPath(this.options.folder, "broken", `${ref.name}.${stamp}.${LOG_EXTENSION}`);
				await atomicWrite(this.store, evidence, bytes);
				const keptLines = all.lines.slice(0, kept);
				await atomicWrite(this.store, ref.path, utf8(keptLines.map((l) => `${l}\n`).join("")));
				const anchor = await this.anchorOf(ref.name, keptLines);
				const tail: Tail = { seq: anchor.entries, hash: anchor.lastHash, size: anchor.size, lastLength: anchor.lastLength };
				const written = await this.writeEntry(
					tail,
					"audit-repair",
					{ note: `chain reset: ${why}`, reset: { evidence, sha: await fingerprint(bytes), dropped: total - kept, reason: why } },
					ref,
				);
				const state = await this.state.vault(this.keys.vaultId);
				state.logs[ref.name] = { entries: written.tail.seq, size: written.tail.size, lastHash: written.tail.hash, lastLength: written.tail.lastLength };
				done.push({ log: ref.name, kept, dropped: total - kept, evidence });
			}
			await this.state.save();
			return done;
		});
	}

	private describe(log: string): string {
		return log === LEGACY_LOG ? "The audit log" : `Audit log ${log}`;
	}

	private async checkAnchor(ref: LogRef, anchor: LogAnchor, lines: string[]): Promise<string[]> {
		if (anchor.entries === 0) return [];
		if (lines.length < anchor.entries)
			return [
				`${this.describe(ref.name)} has ${lines.length} entries, but this computer saw ${anchor.entries} (truncated, or replaced by an older copy)`,
			];
		if ((await hashLine(lines[anchor.entries - 1]!)) !== anchor.lastHash)
			return [`${this.describe(ref.name)}, entry ${anchor.entries}: not the entry this computer saw there (the log was replaced)`];
		return [];
	}

	private async anchorOf(log: string, lines: string[]): Promise<LogAnchor> {
		const last = lines[lines.length - 1];
		let size = 0;
		for (const l of lines) size += utf8(l).length + 1;
		return {
			entries: lines.length,
			size,
			lastHash: last === undefined ? await this.genesis(log) : await hashLine(last),
			lastLength: last === undefined ? 0 : utf8(last).length + 1,
		};
	}

	/** Every entry of every log, merged by time; throws when any chain is broken. */
	async entries(): Promise<LoggedEntry[]> {
		const result = await this.verify();
		if (!result.ok)
			throw new ClinicalVaultError("integrity", `The audit log does not verify: ${result.problems.join("; ")}.`, { path: this.options.folder });
		return result.entryList;
	}

	/**
	 * This computer's log end. The anchor (from our last append, or from the device state) is checked
	 * by reading from the start of its last line to the end of the file: a log that only grew (another
	 * process of this computer appended) is followed line by line; any other change reads the whole
	 * log. A fragment left by an interrupted append is dropped (atomically) and an audit-repair entry
	 * says so.
	 */
	private async readTail(): Promise<Tail> {
		const path = this.own.path;
		const size = await this.store.size(path);
		if (size === null) return { seq: 0, hash: await this.genesis(this.own.name), size: 0, lastLength: 0 };
		const anchor = this.known ?? this.fromAnchor((await this.state.vault(this.keys.vaultId)).logs[this.own.name]);
		if (anchor && size >= anchor.size) {
			const start = anchor.size - anchor.lastLength;
			const chunk = fromUtf8(await readRange(this.store, path, start, size - start));
			const followed = await this.follow(anchor, chunk);
			if (followed) return followed;
		}
		return this.readWholeTail();
	}

	private fromAnchor(anchor: LogAnchor | undefined): Tail | null {
		return anchor ? { seq: anchor.entries, hash: anchor.lastHash, size: anchor.size, lastLength: anchor.lastLength } : null;
	}

	/** Follows the log from the anchor's last line; null when the log is not the one the anchor saw. */
	private async follow(anchor: Tail, chunk: string): Promise<Tail | null> {
		const { lines, torn } = splitLines(chunk);
		if (torn !== null) return null;
		let tail = anchor;
		let rest = lines;
		if (anchor.lastLength > 0) {
			if (lines.length === 0 || (await hashLine(lines[0]!)) !== anchor.hash) return null;
			rest = lines.slice(1);
		} else if (anchor.hash !== (await this.genesis(this.own.name))) return null;
		for (const line of rest) {
			const length = utf8(line).length + 1;
			tail = { seq: tail.seq + 1, hash: await hashLine(line), size: tail.size + length, lastLength: length };
		}
		return tail;
	}

	private async readWholeTail(): Promise<Tail> {
		const bytes = await this.store.read(this.own.path);
		const { lines, torn } = splitLines(fromUtf8(bytes));
		const anchor = await this.anchorOf(this.own.name, lines);
		const tail: Tail = { seq: anchor.entries, hash: anchor.lastHash, size: anchor.size, lastLength: anchor.lastLength };
		if (torn === null) return tail;
		await atomicWrite(this.store, this.own.path, utf8(lines.map((l) => `${l}\n`).join("")));
		return (await this.writeEntry(tail, "audit-repair", { note: "dropped an interrupted entry" })).tail;
	}

	/** Appends one entry to this computer's log. Appends are queued, so concurrent saves never reuse a sequence number. */
	append(action: AuditAction, fields: AppendFields = {}): Promise<AuditEntry> {
		if (this.options.readOnly) {
			this.unlogged++;
			return Promise.resolve({ seq: 0, time: (fields.time ?? this.clock.now()).toISOString(), action, prev: "" });
		}
		return this.enqueue(async () => {
			const tail = await this.flushPending(await this.readTail());
			return (await this.writeEntry(tail, action, fields)).entry;
		});
	}

	private enqueue<T>(task: () => Promise<T>): Promise<T> {
		// Under the writer lock, the chain's end read here is still the end when the entry is appended.
		const run = this.queue.then(() => this.hold(task));
		this.queue = run.catch(() => undefined);
		return run;
	}

	/**
	 * The unlock entry. With batched reads it waits for the first change or the lock, so a read-only
	 * session is one entry. `failed` are failed unlocks since the last successful one.
	 */
	async opened(action: AuditAction, failed: Date[]): Promise<void> {
		if (this.options.readOnly) {
			this.unlogged++;
			return;
		}
		const pending = { action, time: this.clock.now(), failed: failed.map((d) => d.toISOString()) };
		if (this.options.batchReads) {
			this.pendingUnlock = pending;
			return;
		}
		this.pendingUnlock = pending;
		await this.enqueue(async () => this.flushPending(await this.readTail()));
	}

	/** A file was decrypted for display (an "open" entry, or one line in the next entry when batched). */
	async read(file: FileRead): Promise<void> {
		if (this.options.readOnly) {
			this.unlogged++;
			return;
		}
		if (this.options.batchReads) {
			if (!this.pendingReads.some((r) => r.path === file.path && r.fileId === file.fileId)) this.pendingReads.push(file);
			return;
		}
		await this.append("open", { ...(file.fileId ? { fileId: file.fileId } : {}), path: file.path });
	}

	/** Several files read at once (a search's hits, a brief's sources): one entry. */
	async readMany(files: FileRead[], note: string): Promise<void> {
		if (files.length === 0) return;
		if (this.options.readOnly) {
			this.unlogged++;
			return;
		}
		if (this.options.batchReads) {
			for (const f of files) await this.read(f);
			return;
		}
		await this.append("open", { reads: dedupe(files), note });
	}

	/** The lock entry (with a batched session's reads: one entry for the whole session when nothing changed). */
	async closed(): Promise<void> {
		if (this.options.readOnly) return;
		await this.enqueue(async () => {
			const tail = await this.readTail();
			const now = this.clock.now();
			if (this.pendingUnlock) {
				const { action, time, failed } = this.pendingUnlock;
				const reads = this.pendingReads;
				await this.writeEntry(tail, action, {
					time,
					...(failed.length ? { failed } : {}),
					...(reads.length ? { reads } : {}),
					seen: await this.seen(),
					until: now.toISOString(),
				});
				this.pendingUnlock = null;
				this.pendingReads = [];
				return;
			}
			const reads = this.pendingReads;
			await this.writeEntry(tail, "lock", { time: now, ...(reads.length ? { reads } : {}) });
			this.pendingReads = [];
		});
	}

	/** Writes a pending unlock (and the reads before this entry); returns the new tail. */
	private async flushPending(tail: Tail): Promise<Tail> {
		let next = tail;
		if (this.pendingUnlock) {
			const { action, time, failed } = this.pendingUnlock;
			next = (
				await this.writeEntry(next, action, {
					time,
					...(failed.length ? { failed } : {}),
					...(this.pendingReads.length ? { reads: this.pendingReads } : {}),
					seen: await this.seen(),
				})
			).tail;
			this.pendingUnlock = null;
			this.pendingReads = [];
		} else if (this.pendingReads.length) {
			next = (await this.writeEntry(next, "open", { reads: this.pendingReads })).tail;
			this.pendingReads = [];
		}
		return next;
	}

	/** The other logs as this computer last saw them (from its anchors; nothing is read). */
	private async seen(): Promise<Record<string, number>> {
		const out: Record<string, number> = {};
		for (const [name, anchor] of Object.entries((await this.state.vault(this.keys.vaultId)).logs)) {
			if (name !== this.own.name && anchor.entries > 0) out[name] = anchor.entries;
		}
		return out;
	}

	/**
	 * The newest entries of this computer's log, decrypted, from its last `bytes` bytes only (for
	 * reconciling after a crash): the log's end is found as for an append, so the lines read are
	 * numbered without reading the rest. A line that does not decrypt ends the list there.
	 */
	async ownRecent(bytes = 128 * 1024): Promise<LoggedEntry[]> {
		return this.enqueue(async () => {
			if (!(await this.store.exists(this.own.path))) return [];
			const tail = await this.readTail();
			const start = Math.max(0, tail.size - bytes);
			const chunk = fromUtf8(await readRange(this.store, this.own.path, start, tail.size - start));
			let lines = splitLines(chunk).lines;
			// Mid-log, the first line may be cut: drop it, and keep the next only to chain from.
			if (start > 0) lines = lines.slice(1);
			const firstSeq = tail.seq - lines.length + 1;
			const out: LoggedEntry[] = [];
			let prev = firstSeq === 1 ? await this.genesis(this.own.name) : null;
			for (let i = 0; i < lines.length; i++) {
				const line = lines[i]!;
				if (prev !== null) {
					const entry = await this.decryptLine(line, firstSeq + i, prev);
					if (!entry) break;
					out.push({ ...entry, log: this.own.name });
				}
				prev = await hashLine(line);
			}
			return out;
		});
	}

	private async writeEntry(tail: Tail, action: AuditAction, fields: AppendFields, log: LogRef = this.own): Promise<{ tail: Tail; entry: AuditEntry }> {
		const { time, ...rest } = fields;
		const entry: AuditEntry = { seq: tail.seq + 1, time: (time ?? this.clock.now()).toISOString(), action, prev: tail.hash };
		for (const [key, value] of Object.entries(rest)) {
			if (value !== undefined && value !== "") (entry as unknown as Record<string, unknown>)[key] = value;
		}
		const iv = randomBytes(12);
		const ct = new Uint8Array(
			await crypto.subtle.encrypt(
				{ name: "AES-GCM", iv: own(iv), additionalData: own(utf8(`CVA1|${entry.seq}|${entry.prev}`)) },
				this.keys.audit,
				own(utf8(JSON.stringify(entry))),
			),
		);
		const raw = new Uint8Array(iv.length + ct.length);
		raw.set(iv, 0);
		raw.set(ct, iv.length);
		const line = `${LINE_PREFIX}${toBase64(raw)}`;
		const bytes = utf8(`${line}\n`);
		const isOwn = log.name === this.own.name;
		if (isOwn) this.known = null;
		try {
			await this.store.append(log.path, bytes);
		} catch (error) {
			// Part of the line may have landed; the next append re-reads the log and repairs it.
			throw new StorageError(log.path, error);
		}
		const next: Tail = { seq: entry.seq, hash: await hashLine(line), size: tail.size + bytes.length, lastLength: bytes.length };
		if (isOwn) this.known = next;
		await this.state.anchor(this.keys.vaultId, log.name, { entries: next.seq, size: next.size, lastHash: next.hash, lastLength: next.lastLength });
		void this.state.save();
		return { tail: next, entry };
	}
}

function dedupe(files: FileRead[]): FileRead[] {
	const out: FileRead[] = [];
	for (const f of files) if (!out.some((o) => o.path === f.path && o.fileId === f.fileId)) out.push(f);
	return out;
}

/** Entries of several logs in one order: by time, then log, then sequence. */
export function sortEntries(entries: LoggedEntry[]): LoggedEntry[] {
	return entries.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.log < b.log ? -1 : a.log > b.log ? 1 : a.seq - b.seq));
}
