/**
 * Append-only, encrypted, hash-chained audit log (docs/FORMAT.md, "Audit log").
 *
 * One line per entry:  "A1." + base64( IV (12) | AES-GCM(audit key, entry JSON) ) + "\n"
 * with AAD = "CVA1|" + seq + "|" + prev, where prev is the hex SHA-256 of the previous line's text
 * (without its newline) or, for the first entry, of "clinical-vault/audit/genesis|" + vault id.
 * The entry JSON repeats seq and prev, so a removed, edited or reordered line breaks the chain.
 * Entries hold time, action, file id and record path, never content.
 */
import { ClinicalVaultError, StorageError } from "../errors";
import { fromBase64, fromUtf8, own, randomBytes, sha256, toBase64, toHex, utf8 } from "../bytes";
import type { Clock } from "../clock";
import type { VaultKeys } from "../crypto/vaultkeys";
import type { VaultStore } from "../store/VaultStore";
import { atomicWrite } from "../store/atomic";

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
	| "audit-repair";

export interface AuditEntry {
	seq: number;
	time: string;
	action: AuditAction;
	fileId?: string;
	path?: string;
	/** Short non-clinical detail (a count, an attempt time); never content. */
	note?: string;
	prev: string;
}

export interface AuditVerification {
	ok: boolean;
	entries: number;
	/** Human-readable problems, each naming the line. */
	problems: string[];
	lastHash: string;
}

const LINE_PREFIX = "A1.";

interface Tail {
	seq: number;
	hash: string;
}

function splitLines(text: string): { lines: string[]; torn: string | null } {
	const parts = text.split("\n");
	const last = parts.pop() ?? "";
	return { lines: parts.filter((l) => l !== ""), torn: last === "" ? null : last };
}

type AppendFields = { fileId?: string; path?: string; note?: string; time?: Date };

async function hashLine(line: string): Promise<string> {
	return toHex(await sha256(utf8(line)));
}

async function genesis(vaultId: string): Promise<string> {
	return hashLine(`clinical-vault/audit/genesis|${vaultId}`);
}

export class AuditLog {
	private queue: Promise<unknown> = Promise.resolve();
	/** The chain's end and the log's size right after our own last append (null: read the log). */
	private known: { tail: Tail; size: number } | null = null;

	constructor(
		private readonly store: VaultStore,
		private readonly path: string,
		private readonly keys: VaultKeys,
		private readonly clock: Clock,
		/** Runs an append while this process may write (the record's cross-process writer lock). */
		private readonly hold: <T>(task: () => Promise<T>) => Promise<T> = (task) => task(),
	) {}

	private async readLines(): Promise<{ lines: string[]; torn: string | null }> {
		if (!(await this.store.exists(this.path))) return { lines: [], torn: null };
		return splitLines(fromUtf8(await this.store.read(this.path)));
	}

	private async decryptLine(line: string, seq: number, prev: string): Promise<AuditEntry | null> {
		if (!line.startsWith(LINE_PREFIX)) return null;
		try {
			const raw = fromBase64(line.slice(LINE_PREFIX.length));
			const plain = await crypto.subtle.decrypt(
				{ name: "AES-GCM", iv: own(raw.subarray(0, 12)), additionalData: own(utf8(`CVA1|${seq}|${prev}`)) },
				this.keys.audit,
				own(raw.subarray(12)),
			);
			const entry = JSON.parse(fromUtf8(new Uint8Array(plain))) as AuditEntry;
			return entry.seq === seq && entry.prev === prev ? entry : null;
		} catch {
			return null;
		}
	}

	/** Reads and verifies the whole chain. */
	async verify(): Promise<AuditVerification & { entryList: AuditEntry[] }> {
		const { lines, torn } = await this.readLines();
		const problems: string[] = [];
		const entryList: AuditEntry[] = [];
		let prev = await genesis(this.keys.vaultId);
		for (let i = 0; i < lines.length; i++) {
			const line = lines[i]!;
			const entry = await this.decryptLine(line, i + 1, prev);
			if (!entry) {
				problems.push(`entry ${i + 1}: does not verify (edited, removed, inserted or reordered entry)`);
				break;
			}
			entryList.push(entry);
			prev = await hashLine(line);
		}
		if (torn !== null) problems.push(`entry ${lines.length + 1}: incomplete (an append was interrupted)`);
		return { ok: problems.length === 0, entries: entryList.length, problems, lastHash: prev, entryList };
	}

	async entries(): Promise<AuditEntry[]> {
		const result = await this.verify();
		if (!result.ok) throw new ClinicalVaultError("integrity", `The audit log does not verify: ${result.problems.join("; ")}.`, { path: this.path });
		return result.entryList;
	}

	private async tailOf(lines: string[]): Promise<Tail> {
		return { seq: lines.length, hash: lines.length ? await hashLine(lines[lines.length - 1]!) : await genesis(this.keys.vaultId) };
	}

	/**
	 * The chain's end, always read from disk: another process (the CLI while Obsidian is unlocked)
	 * may have appended since our last entry. A fragment left by an interrupted append is dropped
	 * (atomically) and an audit-repair entry says so.
	 */
	private async readTail(): Promise<Tail> {
		// The log is only re-read when its size is not what our own last append left: another process
		// appended, or an append failed. Opening a note must not read the whole log every time.
		if (this.known && (await this.store.size(this.path)) === this.known.size) return this.known.tail;
		this.known = null;
		const bytes = (await this.store.exists(this.path)) ? await this.store.read(this.path) : new Uint8Array(0);
		const { lines, torn } = splitLines(fromUtf8(bytes));
		const tail = await this.tailOf(lines);
		if (torn === null) {
			this.known = { tail, size: bytes.length };
			return tail;
		}
		await atomicWrite(this.store, this.path, utf8(lines.map((l) => `${l}\n`).join("")));
		return (await this.writeEntry(tail, "audit-repair", { note: "dropped an interrupted entry" })).tail;
	}

	/** Appends one entry. Appends are queued, so concurrent saves never reuse a sequence number. */
	append(action: AuditAction, fields: AppendFields = {}): Promise<AuditEntry> {
		// Under the writer lock, the chain's end read here is still the end when the entry is appended.
		const run = this.queue.then(() => this.hold(async () => (await this.writeEntry(await this.readTail(), action, fields)).entry));
		this.queue = run.catch(() => undefined);
		return run;
	}

	private async writeEntry(tail: Tail, action: AuditAction, fields: AppendFields): Promise<{ entry: AuditEntry; tail: Tail }> {
		const entry: AuditEntry = {
			seq: tail.seq + 1,
			time: (fields.time ?? this.clock.now()).toISOString(),
			action,
			...(fields.fileId ? { fileId: fields.fileId } : {}),
			...(fields.path ? { path: fields.path } : {}),
			...(fields.note ? { note: fields.note } : {}),
			prev: tail.hash,
		};
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
		const sizeBefore = this.known?.size;
		this.known = null;
		try {
			await this.store.append(this.path, bytes);
		} catch (error) {
			// Part of the line may have landed; the next append re-reads the log and repairs it.
			throw new StorageError(this.path, error);
		}
		const next = { seq: entry.seq, hash: await hashLine(line) };
		if (sizeBefore !== undefined) this.known = { tail: next, size: sizeBefore + bytes.length };
		return { entry, tail: next };
	}
}
