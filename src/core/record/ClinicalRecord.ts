/**
 * The encrypted clinical record: one service over a VaultStore, shared by the plugin and the CLI.
 * It owns the key file, the vault keys while unlocked, every encrypted read and write, client
 * profiles and the audit log. It never imports obsidian and never logs.
 */
import { ClinicalVaultError, LockedError, WrongPassphraseError, isCancelled, toClinicalError } from "../errors";
import { fromUtf8, utf8 } from "../bytes";
import { systemClock, type Clock } from "../clock";
import { floorKdfParams, type KdfParams } from "../crypto/kdf";
import {
	createKeyFile,
	newRecoverySlot,
	parseKeyFile,
	rewrapPassphrase,
	rotateKeyFile,
	rotationDone,
	serializeKeyFile,
	unwrapRetired,
	unwrapWithPassphrase,
	unwrapWithRecoveryKey,
	type KeyFile,
} from "../crypto/keyfile";
import { deriveVaultKeys, type VaultKeys } from "../crypto/vaultkeys";
import {
	decryptFile,
	encryptFile,
	eraseKeyBlock,
	keyBlockErasure,
	looksEncrypted,
	newFileId,
	readHeader,
	rewrapKeyBlock,
	type FileHeader,
} from "../crypto/fileformat";
import { atomicWrite, backupPathFor, restoreBackup, sweepLeftovers } from "../store/atomic";
import { WriterLock } from "../store/writerLock";
import { joinPath, walk, type VaultStore } from "../store/VaultStore";
import { AuditLog, fingerprint, type AuditAction, type AuditVerification } from "../audit/AuditLog";
import { DeviceState, MemoryDeviceStateStore, type DeviceStateStore } from "../audit/deviceState";
import { checkFingerprints, type FingerprintReport } from "../audit/fingerprints";
import {
	AUDIT_NAME,
	checkClientCode,
	checkRecordPath,
	contentTypeFor,
	ENCRYPTED_EXTENSION,
	KEYFILE_NAME,
	PROFILE_NAME,
	RecordLayout,
	SYSTEM_FOLDER,
} from "./layout";
import { parseProfile, renderProfile, type ClientProfile } from "./profile";
import { FORMAT_TEXT } from "./formatText";
import { inspectCopy, parseConflictName, type SyncConflict } from "./syncConflicts";
import { unfinishedRevokeHint } from "./consent";
import type { ReadPurpose, RecordEntry, RecordFiles, WrittenFile } from "./files";

export type { ReadPurpose, RecordEntry, RecordFiles, WrittenFile };

export interface RecordOptions {
	store: VaultStore;
	/** The clinical root folder, vault-relative (default "Clinical"). */
	root?: string;
	clock?: Clock;
	/**
	 * Where this computer keeps its device id and audit anchors, outside the record (the CLI's state
	 * file, the plugin's local storage). Without one, each ClinicalRecord is a new device in memory.
	 */
	device?: DeviceStateStore;
	/** Batch reads into the next audit entry (the CLI: a read-only command adds one entry). */
	batchReads?: boolean;
	/**
	 * The vault cannot be written (a backup on read-only media): records open, decrypt and verify;
	 * nothing is written to the record (no sweep, no audit entries, no search index saved) and every
	 * change is refused with a clear message.
	 */
	readOnly?: boolean;
}

export interface VerifyReport {
	ok: boolean;
	filesChecked: number;
	failures: { path: string; message: string }[];
	/** Files under the clinical root that are not encrypted (should not exist). */
	plaintext: string[];
	audit: AuditVerification;
	/** Files older than their last logged version, logged files that are missing, files with no logged version. */
	history: FingerprintReport;
	/** Problems of the key file (a missing recovery slot). */
	keyFile: string[];
	/** Sync conflict copies waiting for the clinician's choice (src/core/record/syncConflicts.ts). */
	conflicts: SyncConflict[];
}

export interface RecordChange {
	recordPath: string;
	kind: "write" | "remove";
}

/** Names of system files under _vault/ (lower case, digits and dashes; see writeSystemFile). */
const SYSTEM_FILE_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

export class ClinicalRecord implements RecordFiles {
	readonly layout: RecordLayout;
	readonly store: VaultStore;
	readonly clock: Clock;
	private keys: VaultKeys | null = null;
	private auditLog: AuditLog | null = null;
	private readonly writeQueues = new Map<string, Promise<unknown>>();
	/** One writing process at a time (the plugin, the CLI): every change runs while this process holds it. */
	private readonly writerLock: WriterLock;
	private readonly listeners = new Set<(unlocked: boolean) => void>();
	private readonly changeListeners = new Set<(change: RecordChange) => void>();
	readonly deviceState: DeviceState;
	private readonly batchReads: boolean;
	readonly readOnly: boolean;

	constructor(options: RecordOptions) {
		this.store = options.store;
		this.layout = new RecordLayout(options.root ?? "Clinical");
		this.clock = options.clock ?? systemClock;
		this.writerLock = new WriterLock(this.store, joinPath(this.layout.systemFolder, ".writer.lock"));
		this.deviceState = new DeviceState(options.device ?? new MemoryDeviceStateStore());
		this.batchReads = options.batchReads ?? false;
		this.readOnly = options.readOnly ?? false;
	}

	/** Refuses a change of a read-only vault. */
	private requireWritable(what: string): void {
		if (this.readOnly) {
			throw new ClinicalVaultError(
				"refused",
				`The vault is read-only (a backup on read-only media, or a folder you may not write): ${what} is not possible. Nothing was written.`,
			);
		}
	}

	get isUnlocked(): boolean {
		return this.keys !== null;
	}

	/** Called with true after unlock and false after lock. Returns an unsubscribe function. */
	onLockChange(listener: (unlocked: boolean) => void): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	private emit(): void {
		for (const l of this.listeners) l(this.isUnlocked);
	}

	/**
	 * Called after every record file written or removed (not system files), with its record path:
	 * the search index follows the record this way. Listeners must not throw. Returns an unsubscribe function.
	 */
	onChange(listener: (change: RecordChange) => void): () => void {
		this.changeListeners.add(listener);
		return () => this.changeListeners.delete(listener);
	}

	private changed(recordPath: string, kind: RecordChange["kind"]): void {
		for (const l of this.changeListeners) l({ recordPath, kind });
	}

	private requireKeys(): VaultKeys {
		if (!this.keys) throw new LockedError();
		return this.keys;
	}

	get audit(): AuditLog {
		if (!this.auditLog) throw new LockedError();
		return this.auditLog;
	}

	/**
	 * Whether a record is here: its key file, or the key file's backup alone (a replacement of the
	 * key file stopped between its two renames on a store whose rename does not replace: the backup
	 * is the key file, and readKeyFile puts it back).
	 */
	async isInitialized(): Promise<boolean> {
		return (await this.store.exists(this.layout.keyFilePath)) || (await this.store.exists(backupPathFor(this.layout.keyFilePath)));
	}

	private async readKeyFile(): Promise<KeyFile> {
		const path = this.layout.keyFilePath;
		if (!(await this.store.exists(path))) {
			const backup = backupPathFor(path);
			if (!(await this.store.exists(backup))) {
				throw new ClinicalVaultError("not-initialized", `No clinical record here yet (${path} is missing). Initialise one first.`);
			}
			// A kill or a power cut between the key file's two renames: finish the swap backwards (the
			// backup is the key file as it was), or read the backup where nothing may be written.
			if (this.readOnly) return parseKeyFile(await this.store.read(backup), path);
			await this.writerLock.hold(() => restoreBackup(this.store, path));
		}
		return parseKeyFile(await this.store.read(path), path);
	}

	/**
	 * Attaches already-derived vault keys (what unlock does after the KDF). For callers that derive
	 * keys themselves: the crash-test children and the benchmarks. It writes nothing.
	 */
	async attachKeys(keys: VaultKeys): Promise<void> {
		await this.attach(keys);
		// A session begins here as with unlock: if it ends without a lock, the next unlock on this
		// computer reconciles the log with the files.
		(await this.deviceState.vault(keys.vaultId)).open = true;
		await this.deviceState.save();
	}

	private async attach(keys: VaultKeys): Promise<void> {
		this.auditLog = await this.auditFor(keys);
		this.keys = keys;
		this.emit();
	}

	private async auditFor(keys: VaultKeys): Promise<AuditLog> {
		return new AuditLog(this.store, keys, this.clock, this.deviceState, await this.deviceState.device(), {
			legacyPath: this.layout.auditPath,
			folder: this.layout.auditFolder,
			hold: (task) => this.writerLock.hold(task),
			batchReads: this.batchReads,
			readOnly: this.readOnly,
		});
	}

	/** Creates the key file and leaves the record unlocked. Returns the recovery key, to be shown once. */
	async init(passphrase: string, options: { kdf?: KdfParams } = {}): Promise<{ recoveryKey: string }> {
		if (await this.isInitialized()) {
			throw new ClinicalVaultError("already-initialized", `A clinical record already exists in ${this.layout.root}/. Nothing was changed.`);
		}
		// Encrypted files without their key file: a new key file would never open them, and the next
		// sweep could not tell the old key file's copies from leftovers. Refuse; the key file is what is missing.
		const orphans = (await walk(this.store, this.layout.root)).filter(
			(p) => p.endsWith(`.${ENCRYPTED_EXTENSION}`) || p.startsWith(`${this.layout.auditFolder}/`),
		);
		if (orphans.length > 0) {
			throw new ClinicalVaultError(
				"refused",
				`${this.layout.root}/ holds ${orphans.length} encrypted record files but no key file (${this.layout.keyFilePath}). A new record here would never open them. Put keyfile.json back from a backup or your sync tool's history, then unlock. Nothing was changed.`,
				{ detail: orphans.slice(0, 5).join(", ") },
			);
		}
		const { keyFile, vaultKey, recoveryKey } = await createKeyFile(passphrase, options.kdf ?? floorKdfParams(), this.clock.now());
		const keys = await deriveVaultKeys(vaultKey, keyFile.vaultId);
		await this.writerLock.hold(() => atomicWrite(this.store, this.layout.keyFilePath, serializeKeyFile(keyFile)));
		await this.attachKeys(keys);
		await this.audit.append("init");
		await this.writeFormatCopy();
		return { recoveryKey };
	}

	/**
	 * Unlocks with the passphrase. A wrong passphrase throws WrongPassphraseError and changes no
	 * file. `failedAttempts` (remembered by the caller) are written to the audit log now.
	 */
	async unlock(passphrase: string, options: { failedAttempts?: Date[] } = {}): Promise<void> {
		const keyFile = await this.readKeyFile();
		let vaultKey: Uint8Array;
		try {
			vaultKey = await unwrapWithPassphrase(keyFile, passphrase);
		} catch (error) {
			// A caller that does not keep failed attempts itself (the CLI) has them kept on this
			// computer, outside the record, and written to the audit log at the next unlock.
			if (error instanceof WrongPassphraseError && options.failedAttempts === undefined) {
				(await this.deviceState.vault(keyFile.vaultId)).failedUnlocks.push(this.clock.now().toISOString());
				await this.deviceState.save();
			}
			throw error;
		}
		await this.attach(await this.keysFrom(keyFile, vaultKey));
		await this.afterUnlock("unlock", options.failedAttempts);
	}

	/** The vault's keys from its key file and vault key (earlier keys of a rotation included); wipes `vaultKey`. */
	private async keysFrom(keyFile: KeyFile, vaultKey: Uint8Array): Promise<VaultKeys> {
		let retired: Uint8Array[];
		try {
			retired = await unwrapRetired(keyFile, vaultKey);
		} catch (error) {
			vaultKey.fill(0);
			throw error;
		}
		return deriveVaultKeys(vaultKey, keyFile.vaultId, retired);
	}

	/** Whether a key rotation was started and not finished (run rotateVaultKey again to finish it). */
	async rotationUnfinished(): Promise<boolean> {
		return (await this.readKeyFile()).rotating !== undefined;
	}

	/**
	 * Rotates the vault key (FORMAT.md §2): a new vault key for the same passphrase and a new recovery
	 * key, then every record and system file's key block re-wrapped with it (contents unchanged), so
	 * an old copy of the key file, with the old passphrase or recovery key, opens none of today's
	 * files. Interrupted at any point, every file still opens (the earlier keys are kept, wrapped by
	 * the new one) and running it again finishes it, with a fresh recovery key (the one shown by the
	 * interrupted run may never have been seen). Logged write-ahead, file by file. Returns the
	 * recovery key to show once and how many files were re-wrapped.
	 */
	async rotateVaultKey(passphrase: string): Promise<{ recoveryKey: string; rewrapped: number; resumed: boolean }> {
		this.requireWritable("rotating the vault key");
		if (!this.keys) throw new LockedError();
		const keyFile = await this.readKeyFile();
		const current = await unwrapWithPassphrase(keyFile, passphrase);
		const resumed = keyFile.rotating !== undefined;
		let next: KeyFile;
		let recoveryKey: string;
		let newKey: Uint8Array;
		if (resumed) {
			({ keyFile: next, recoveryKey } = await newRecoverySlot(keyFile, current));
			newKey = current;
		} else {
			const previous = await unwrapRetired(keyFile, current);
			try {
				({ keyFile: next, vaultKey: newKey, recoveryKey } = await rotateKeyFile(keyFile, current, previous, passphrase, this.clock.now()));
			} finally {
				current.fill(0);
				for (const k of previous) k.fill(0);
			}
		}
		await this.audit.append("key-rotation", { note: resumed ? "resumed: a new recovery key" : "started: a new vault key and recovery key" });
		await this.writerLock.hold(() => atomicWrite(this.store, this.layout.keyFilePath, serializeKeyFile(next)));
		// From here every write uses the new key; files not yet re-wrapped open with the retired ones.
		const keys = await this.keysFrom(next, newKey);
		this.keys = keys;
		this.auditLog = await this.auditFor(keys);
		let rewrapped = 0;
		try {
			for (const storePath of await walk(this.store, this.layout.root)) {
				const bound = this.boundPathOf(storePath);
				if (bound === null) continue;
				const changed = await this.serialize(storePath, async () => {
					if (!(await this.store.exists(storePath))) return false;
					const bytes = await this.store.read(storePath);
					const out = await rewrapKeyBlock(keys, bytes, bound.path);
					if (!out) return false;
					if (bound.record)
						await this.audit.append("modify", {
							path: bound.path,
							fileId: readHeader(bytes, bound.path).header.fileId,
							sha: await fingerprint(out),
							base: await fingerprint(bytes),
							note: "re-wrapped for the new vault key",
						});
					await atomicWrite(this.store, storePath, out);
					return true;
				});
				if (changed) rewrapped++;
			}
			await this.writerLock.hold(async () => atomicWrite(this.store, this.layout.keyFilePath, serializeKeyFile(rotationDone(await this.readKeyFile()))));
		} catch (error) {
			throw rotationStopped(error, rewrapped);
		}
		await this.audit.append("key-rotation", { note: `finished: ${rewrapped} files re-wrapped` });
		return { recoveryKey, rewrapped, resumed };
	}

	/** The path a file's bytes are bound to, for record files and system files; null for anything else. */
	private boundPathOf(storePath: string): { path: string; record: boolean } | null {
		const name = storePath.slice(storePath.lastIndexOf("/") + 1);
		if (name.startsWith(".") || !name.endsWith(`.${ENCRYPTED_EXTENSION}`)) return null;
		if (storePath.startsWith(`${this.layout.systemFolder}/`)) {
			const systemName = name.slice(0, -ENCRYPTED_EXTENSION.length - 1);
			return SYSTEM_FILE_NAME.test(systemName) && storePath === this.systemFilePath(systemName)
				? { path: `${SYSTEM_FOLDER}/${systemName}`, record: false }
				: null;
		}
		const recordPath = this.layout.recordPathOf(storePath);
		if (recordPath === null || parseConflictName(name).some((c) => c.explicit)) return null;
		return { path: recordPath, record: true };
	}

	/** Unlocks with the recovery key and sets a new passphrase (the only way back from a lost passphrase). */
	async unlockWithRecoveryKey(recoveryKey: string, newPassphrase: string, options: { kdf?: KdfParams } = {}): Promise<void> {
		this.requireWritable("setting a new passphrase with the recovery key");
		const keyFile = await this.readKeyFile();
		const vaultKey = await unwrapWithRecoveryKey(keyFile, recoveryKey);
		const next = await rewrapPassphrase(keyFile, vaultKey, newPassphrase, options.kdf ?? keyFile.kdf);
		await this.writerLock.hold(() => atomicWrite(this.store, this.layout.keyFilePath, serializeKeyFile(next)));
		await this.attach(await this.keysFrom(keyFile, vaultKey));
		await this.afterUnlock("unlock-recovery", []);
		await this.audit.append("passphrase-change", { note: "set with the recovery key" });
	}

	/**
	 * After the keys are in hand: finish or roll back interrupted writes, reconcile the log with the
	 * files when this computer's last session ended without a lock, and log the unlock (with the
	 * failed attempts before it).
	 */
	private async afterUnlock(action: AuditAction, failedByCaller: Date[] | undefined): Promise<void> {
		const keys = this.requireKeys();
		const vault = await this.deviceState.vault(keys.vaultId);
		if (this.readOnly) {
			// Nothing can be swept, reconciled or logged here; failed attempts stay on this computer.
			await this.audit.opened(action, []);
			return;
		}
		// A full disk never blocks reading: a sweep or a reconcile that cannot write is left for the
		// next unlock (leftovers are ignored by readers; the session stays marked as cut short).
		await this.sweep().catch(() => []);
		const failed = failedByCaller ?? vault.failedUnlocks.map((t) => new Date(t)).filter((d) => !Number.isNaN(d.getTime()));
		if (vault.open) await this.reconcile().catch(() => undefined);
		vault.open = true;
		await this.writeFormatCopy();
		await this.audit.opened(action, failed);
		if (failedByCaller === undefined) vault.failedUnlocks = [];
		await this.deviceState.save();
	}

	/**
	 * The last session on this computer ended without a lock (a crash, a kill): changes logged just
	 * before may not have landed. The newest entries of this computer's log are compared with the
	 * files, under the writer lock (no other process of this computer is mid-write meanwhile): a
	 * logged write landed if its file holds it or a later entry replaced it; one that did not gets
	 * an audit-repair entry naming it (so verify does not take the file for a rolled-back one); a
	 * removal cut short is finished.
	 */
	private async reconcile(): Promise<void> {
		await this.writerLock.hold(async () => {
			const recent = await this.audit.ownRecent();
			const undone = new Set(recent.map((e) => e.undo).filter((u): u is string => u !== undefined));
			const lastByPath = new Map<string, (typeof recent)[number]>();
			for (const e of recent) if (e.path && (e.sha !== undefined || e.base !== undefined) && e.action !== "audit-repair") lastByPath.set(e.path, e);
			const disk = new Map<string, string | null>();
			const diskOf = async (storePath: string): Promise<string | null> => {
				if (!disk.has(storePath))
					disk.set(storePath, (await this.store.exists(storePath)) ? await fingerprint(await this.store.read(storePath)) : null);
				return disk.get(storePath)!;
			};
			for (let i = 0; i < recent.length; i++) {
				const entry = recent[i]!;
				if (!entry.path || entry.action === "audit-repair" || undone.has(`${entry.log}#${entry.seq}`)) continue;
				let storePath: string;
				try {
					storePath = this.layout.storePath(entry.path);
				} catch {
					continue;
				}
				if (entry.sha === undefined) {
					// A removal: finish it if it is the file's last change here and the file still there is
					// the one it removes, whole or half-erased (never a version written since elsewhere).
					if (entry.base === undefined || lastByPath.get(entry.path) !== entry) continue;
					if ((await this.store.exists(storePath)) && (await this.isRemovalLeftover(storePath, entry.path, entry.base, entry.fileId))) {
						await this.eraseAndRemove(storePath, entry.path);
						disk.delete(storePath);
					}
					continue;
				}
				const sha = entry.sha;
				if ((await diskOf(storePath)) === sha) continue;
				if (recent.slice(i + 1).some((later) => later.base === sha)) continue;
				await this.audit.append("audit-repair", {
					path: entry.path,
					...(entry.fileId ? { fileId: entry.fileId } : {}),
					undo: `${entry.log}#${entry.seq}`,
					note: "a logged change did not land (the session before ended without a lock)",
				});
			}
		});
	}

	/**
	 * Keeps docs/FORMAT.md beside the record (`_vault/FORMAT.md`, plain text, no client data), so a
	 * backup carries the description of its own format; rewritten only when it differs. A failure
	 * (a full disk) never stops an unlock: the copy is a convenience, the record is intact.
	 */
	private async writeFormatCopy(): Promise<void> {
		const path = this.layout.formatPath;
		const want = utf8(FORMAT_TEXT);
		try {
			if ((await this.store.size(path)) === want.length && bytesEqual(await this.store.read(path), want)) return;
			await this.writerLock.hold(() => atomicWrite(this.store, path, want));
		} catch {
			// Left for the next unlock.
		}
	}

	/** Finishes or rolls back writes a crash interrupted. Needs no key; safe while locked. */
	async sweep(): Promise<string[]> {
		return this.writerLock.hold(() => sweepLeftovers(this.store, this.layout.root));
	}

	/** Drops the keys. Safe to call when already locked. */
	async lock(): Promise<void> {
		if (!this.keys) return;
		try {
			await this.audit.closed();
			if (!this.readOnly) (await this.deviceState.vault(this.keys.vaultId)).open = false;
			await this.deviceState.save();
		} finally {
			this.keys = null;
			this.auditLog = null;
			this.emit();
		}
	}

	/**
	 * Re-wraps the vault key under a new passphrase; only the key file is rewritten (atomically).
	 * The current passphrase is always checked, even while unlocked. Works locked or unlocked:
	 * the audit entry is written with keys derived from the vault key already in hand (no extra KDF).
	 */
	async changePassphrase(current: string, next: string, options: { kdf?: KdfParams } = {}): Promise<void> {
		this.requireWritable("changing the passphrase");
		const keyFile = await this.readKeyFile();
		const vaultKey = await unwrapWithPassphrase(keyFile, current);
		let log: AuditLog;
		let updated: KeyFile;
		try {
			updated = await rewrapPassphrase(keyFile, vaultKey, next, options.kdf ?? keyFile.kdf);
			log = this.auditLog ?? (await this.auditFor(await this.keysFrom(keyFile, new Uint8Array(vaultKey))));
		} finally {
			vaultKey.fill(0);
		}
		// Write-ahead: the entry first, so a change that lands is always logged; a change that fails
		// after it is logged as failed (the old passphrase still opens the record).
		await log.append("passphrase-change");
		try {
			await this.writerLock.hold(() => atomicWrite(this.store, this.layout.keyFilePath, serializeKeyFile(updated)));
		} catch (error) {
			await log.append("passphrase-change", { note: "failed; the previous passphrase still opens the record" }).catch(() => undefined);
			throw error;
		}
	}

	/** One change of a file at a time in this process, each while this process holds the writer lock. */
	private async serialize<T>(key: string, work: () => Promise<T>): Promise<T> {
		const previous = this.writeQueues.get(key) ?? Promise.resolve();
		const task = () => this.writerLock.hold(work);
		const run = previous.then(task, task);
		const settled = run.then(
			() => undefined,
			() => undefined,
		);
		this.writeQueues.set(key, settled);
		try {
			return await run;
		} finally {
			if (this.writeQueues.get(key) === settled) this.writeQueues.delete(key);
		}
	}

	async exists(recordPath: string): Promise<boolean> {
		return this.store.exists(this.layout.storePath(recordPath));
	}

	/** Decrypts a record file. Integrity failures throw and return no plaintext. */
	async read(recordPath: string, purpose: ReadPurpose = "open"): Promise<Uint8Array> {
		return (await this.readWithHeader(recordPath, purpose)).plaintext;
	}

	/** Like read(), with the file's header (file id, content type) from the same single read. */
	async readWithHeader(recordPath: string, purpose: ReadPurpose = "open"): Promise<{ header: FileHeader; plaintext: Uint8Array }> {
		const keys = this.requireKeys();
		const path = checkRecordPath(recordPath);
		const storePath = this.layout.storePath(path);
		if (!(await this.store.exists(storePath))) throw new ClinicalVaultError("not-found", `${path} does not exist in the record.`, { path });
		const result = await decryptFile(keys, await this.store.read(storePath), path);
		if (purpose === "open") await this.audit.read({ fileId: result.header.fileId, path });
		return result;
	}

	/**
	 * Decrypts a file stored under another name (a sync tool's conflict copy, a backup) as the record
	 * file it was written for: `storePath` is where the bytes are, `recordPath` the path they are
	 * bound to. Integrity failures throw; an "open" read is audited against `recordPath`.
	 */
	async readCopy(storePath: string, recordPath: string, purpose: ReadPurpose = "open"): Promise<{ header: FileHeader; plaintext: Uint8Array }> {
		const keys = this.requireKeys();
		const path = checkRecordPath(recordPath);
		if (!(await this.store.exists(storePath))) throw new ClinicalVaultError("not-found", `${storePath} does not exist.`, { path });
		const result = await decryptFile(keys, await this.store.read(storePath), path);
		if (purpose === "open") await this.audit.read({ fileId: result.header.fileId, path });
		return result;
	}

	async readText(recordPath: string, purpose: ReadPurpose = "open"): Promise<string> {
		const bytes = await this.read(recordPath, purpose);
		try {
			return fromUtf8(bytes);
		} finally {
			bytes.fill(0);
		}
	}

	/** The header of a record file (no key needed). */
	async header(recordPath: string): Promise<FileHeader> {
		const path = checkRecordPath(recordPath);
		return readHeader(await this.store.read(this.layout.storePath(path)), path).header;
	}

	/**
	 * Encrypts and atomically writes a record file. An existing file keeps its file id; an existing
	 * file that is damaged or belongs elsewhere is never overwritten (restore or remove it first).
	 */
	async write(recordPath: string, data: Uint8Array, options: { action?: AuditAction } = {}): Promise<WrittenFile> {
		const written = await this.writeChecked(recordPath, data, options, null);
		if (typeof written === "string") throw new ClinicalVaultError("internal", "unreachable: an unconditional write was refused");
		return written;
	}

	/**
	 * Compare-and-write: replaces a record file only if it exists and still holds `expected` (its
	 * decrypted bytes, compared inside this file's write queue, so no other write of this process
	 * can land between the check and the write). "missing": the file is gone and is not recreated;
	 * "changed": it holds something else; nothing was written in either case.
	 */
	async writeTextIf(
		recordPath: string,
		expected: string,
		text: string,
		options: { action?: AuditAction } = {},
	): Promise<WrittenFile | "missing" | "changed"> {
		const bytes = utf8(text);
		const want = utf8(expected);
		try {
			const written = await this.writeChecked(recordPath, bytes, options, want);
			if (written === "exists") throw new ClinicalVaultError("internal", "unreachable: a compared write was create-only");
			return written;
		} finally {
			bytes.fill(0);
			want.fill(0);
		}
	}

	/**
	 * Create-only: writes a new record file, or returns "exists" and writes nothing when the path is
	 * taken (checked in this file's write queue under the writer lock, so no other process of this
	 * computer can write that name between the check and the write). For pages that take a while to
	 * make (a draft, while the model writes): another note of that name is never replaced.
	 */
	async createText(recordPath: string, text: string, options: { action?: AuditAction } = {}): Promise<WrittenFile | "exists"> {
		const bytes = utf8(text);
		try {
			const written = await this.writeChecked(recordPath, bytes, options, "absent");
			if (written !== "exists" && typeof written === "string") throw new ClinicalVaultError("internal", "unreachable: a create-only write was compared");
			return written;
		} finally {
			bytes.fill(0);
		}
	}

	private async writeChecked(
		recordPath: string,
		data: Uint8Array,
		options: { action?: AuditAction },
		expected: Uint8Array | null | "absent",
	): Promise<WrittenFile | "missing" | "changed" | "exists"> {
		const keys = this.requireKeys();
		this.requireWritable(`saving ${recordPath}`);
		const path = checkRecordPath(recordPath);
		const storePath = this.layout.storePath(path);
		return this.serialize(storePath, async () => {
			let fileId = newFileId();
			let action: AuditAction = "create";
			let base: string | undefined;
			if (await this.store.exists(storePath)) {
				if (expected === "absent") return "exists";
				// Authenticate the whole existing file, not only its plaintext header: a file with a
				// damaged chunk or key block, truncated, extended, swapped or foreign is never overwritten.
				const existing = await this.store.read(storePath);
				const { header, plaintext: previous } = await decryptFile(keys, existing, path);
				base = await fingerprint(existing);
				const same = expected === null || bytesEqual(previous, expected);
				previous.fill(0);
				if (!same) return "changed";
				fileId = header.fileId;
				action = "modify";
			} else if (expected !== null && expected !== "absent") {
				return "missing";
			}
			const header = { fileId, path, contentType: contentTypeFor(path) };
			const encrypted = await encryptFile(keys, header, data);
			const done = options.action ?? action;
			// The audit entry goes first (write-ahead): a crash between the two can over-report a
			// change that did not land (the next unlock reconciles it), never hide one that did. A
			// failed write is recorded too.
			const logged = await this.audit.append(done, { fileId, path, sha: await fingerprint(encrypted), ...(base ? { base } : {}) });
			try {
				await atomicWrite(this.store, storePath, encrypted);
			} catch (error) {
				await this.audit
					.append("audit-repair", {
						fileId,
						path,
						undo: `${this.audit.device}#${logged.seq}`,
						note: `${done}: write failed; the previous version was kept`,
					})
					.catch(() => undefined);
				throw error;
			}
			this.changed(path, "write");
			return { fileId, path, action: done };
		});
	}

	async writeText(recordPath: string, text: string, options: { action?: AuditAction } = {}): Promise<WrittenFile> {
		const bytes = utf8(text);
		try {
			return await this.write(recordPath, bytes, options);
		} finally {
			bytes.fill(0);
		}
	}

	/** Crypto-erases (overwrites the wrapped file key) and then removes a record file. */
	async remove(recordPath: string, options: { note?: string } = {}): Promise<void> {
		this.requireKeys();
		this.requireWritable(`removing ${recordPath}`);
		const path = checkRecordPath(recordPath);
		const storePath = this.layout.storePath(path);
		await this.serialize(storePath, async () => {
			const bytes = await this.store.read(storePath);
			const { header } = readHeader(bytes, path);
			// Write-ahead, like writes: a removal cut short is finished at the next unlock.
			await this.audit.append("delete", { fileId: header.fileId, path, base: await fingerprint(bytes), ...(options.note ? { note: options.note } : {}) });
			await this.eraseAndRemove(storePath, path, bytes);
			this.changed(path, "remove");
		});
	}

	private async isRemovalLeftover(storePath: string, path: string, base: string | undefined, fileId: string | undefined): Promise<boolean> {
		const bytes = await this.store.read(storePath);
		if (base !== undefined && (await fingerprint(bytes)) === base) return true;
		try {
			if (readHeader(bytes, path).header.fileId !== fileId) return false;
		} catch {
			// No readable header: what an erasure killed mid-write left in builds that rewrote the whole
			// file (nothing readable is in it, and no other writer leaves a file like this).
			return true;
		}
		try {
			(await decryptFile(this.requireKeys(), bytes, path)).plaintext.fill(0);
			return false;
		} catch {
			return true;
		}
	}

	/**
	 * Crypto-erases and removes a file stored under another name (a resolved sync conflict copy),
	 * only if it still holds `expected` (what was decrypted and shown), in the copy's write queue.
	 */
	async eraseCopy(storePath: string, recordPath: string, expected: Uint8Array): Promise<void> {
		this.requireKeys();
		this.requireWritable(`removing ${storePath}`);
		const path = checkRecordPath(recordPath);
		await this.serialize(storePath, async () => {
			const bytes = await this.store.read(storePath);
			if (!bytesEqual(bytes, expected)) {
				throw new ClinicalVaultError(
					"refused",
					`${storePath} changed while it was being resolved (the sync tool wrote it again). It was kept; look at it again.`,
					{ path: storePath },
				);
			}
			await this.eraseKeyBlockOf(storePath, path, bytes);
			await this.store.remove(storePath);
		});
	}

	/**
	 * Crypto-erasure: the file's wrapped key overwritten with random bytes, in place where the store
	 * can (so a kill never leaves a file without its header, which nothing could then identify or
	 * finish removing), else by an atomic replacement.
	 */
	private async eraseKeyBlockOf(storePath: string, path: string, bytes: Uint8Array): Promise<void> {
		if (this.store.overwrite) {
			const { offset, data } = keyBlockErasure(bytes, path);
			await this.store.overwrite(storePath, offset, data);
		} else {
			await atomicWrite(this.store, storePath, eraseKeyBlock(bytes, path));
		}
	}

	/** Overwrites a file's wrapped key (crypto-erasure), then removes it. */
	private async eraseAndRemove(storePath: string, path: string, bytes?: Uint8Array): Promise<void> {
		const current = bytes ?? (await this.store.read(storePath));
		try {
			await this.eraseKeyBlockOf(storePath, path, current);
		} catch (error) {
			// A file whose key block is already erased (a removal cut short) cannot be parsed again: remove it.
			if (bytes !== undefined) throw error;
		}
		await this.store.remove(storePath);
	}

	/**
	 * System files: encrypted files that belong to the whole record rather than one client (the
	 * search index), kept at `<root>/_vault/<name>.cvault`. Same file format as record files, with
	 * the vault's file-wrap key; the header names `_vault/<name>`, so a system file copied or moved
	 * to another name fails authentication. Written atomically; needs the keys. Not audited: they
	 * hold derived data that can be rebuilt from the record, never the record itself.
	 */
	systemFilePath(name: string): string {
		if (!SYSTEM_FILE_NAME.test(name) || name === KEYFILE_NAME || name === AUDIT_NAME) {
			throw new ClinicalVaultError("invalid-input", `"${name}" is not a valid system file name.`);
		}
		return joinPath(this.layout.systemFolder, `${name}.${ENCRYPTED_EXTENSION}`);
	}

	/** Encrypts `data` and atomically replaces the system file `name` (see systemFilePath). */
	async writeSystemFile(name: string, data: Uint8Array): Promise<void> {
		const keys = this.requireKeys();
		// Derived data (the search index), rebuilt when needed: on a read-only vault it is kept in memory only.
		if (this.readOnly) return;
		const storePath = this.systemFilePath(name);
		const bound = `${SYSTEM_FOLDER}/${name}`;
		await this.serialize(storePath, async () => {
			const encrypted = await encryptFile(keys, { fileId: newFileId(), path: bound, contentType: "application/octet-stream" }, data);
			await atomicWrite(this.store, storePath, encrypted);
		});
	}

	/** Decrypts the system file `name`; null when it does not exist. Integrity failures throw. */
	async readSystemFile(name: string): Promise<Uint8Array | null> {
		const keys = this.requireKeys();
		const storePath = this.systemFilePath(name);
		if (!(await this.store.exists(storePath))) return null;
		return (await decryptFile(keys, await this.store.read(storePath), `${SYSTEM_FOLDER}/${name}`)).plaintext;
	}

	/** Every record file, optionally for one client. Needs no key. */
	async list(options: { client?: string } = {}): Promise<RecordEntry[]> {
		const folder = options.client ? this.layout.clientFolder(options.client) : this.layout.root;
		const out: RecordEntry[] = [];
		for (const storePath of await walk(this.store, folder)) {
			const recordPath = this.layout.recordPathOf(storePath);
			// A sync tool's conflict copy with an unmistakable mark (Syncthing's ".sync-conflict-") is not a
			// record file of its own, though its name is a valid one; see syncConflicts.ts.
			if (recordPath && parseConflictName(storePath.slice(storePath.lastIndexOf("/") + 1)).some((c) => c.explicit)) continue;
			if (recordPath) out.push({ recordPath, storePath, client: recordPath.split("/")[0]! });
		}
		return out;
	}

	async listClients(): Promise<string[]> {
		const listing = await this.store.list(this.layout.root);
		const codes: string[] = [];
		for (const folder of listing.folders) {
			const code = folder.slice(folder.lastIndexOf("/") + 1);
			if (code === SYSTEM_FOLDER) continue;
			if (await this.store.exists(`${folder}/${PROFILE_NAME}.${ENCRYPTED_EXTENSION}`)) codes.push(code);
		}
		return codes.sort();
	}

	async addClient(input: { code: string; name: string; modality?: string; aliases?: string[]; details?: Record<string, string> }): Promise<ClientProfile> {
		this.requireKeys();
		const code = checkClientCode(input.code);
		if (input.name.trim() === "") throw new ClinicalVaultError("invalid-input", "The client's name is empty.");
		const profilePath = this.layout.profilePath(code);
		if (await this.exists(profilePath)) throw new ClinicalVaultError("already-exists", `Client ${code} already exists. Nothing was changed.`);
		const profile: ClientProfile = {
			code,
			name: input.name.trim(),
			created: this.clock.now().toISOString(),
			...(input.modality ? { modality: input.modality } : {}),
			...(input.aliases && input.aliases.length > 0 ? { aliases: input.aliases.map((a) => a.trim()).filter((a) => a !== "") } : {}),
			...(input.details ? { details: input.details } : {}),
		};
		await this.writeText(profilePath, renderProfile(profile), { action: "client-add" });
		return profile;
	}

	async readProfile(code: string, purpose: ReadPurpose = "open"): Promise<ClientProfile> {
		const path = this.layout.profilePath(code);
		if (!(await this.exists(path))) throw new ClinicalVaultError("not-found", `There is no client ${code}.`);
		return parseProfile(await this.readText(path, purpose), path);
	}

	/**
	 * Decrypts every record file, verifies every audit log and checks the files against the logs
	 * (rollback, deletion) and the key file (its recovery slot). Reports; changes nothing in the record.
	 */
	async verify(): Promise<VerifyReport> {
		const keys = this.requireKeys();
		const failures: { path: string; message: string }[] = [];
		const plaintext: string[] = [];
		const fingerprints = new Map<string, string>();
		const conflicts: SyncConflict[] = [];
		let filesChecked = 0;
		for (const storePath of await walk(this.store, this.layout.root)) {
			const name = storePath.slice(storePath.lastIndexOf("/") + 1);
			if (storePath === this.layout.keyFilePath || storePath === this.layout.auditPath || storePath === this.layout.formatPath || name.startsWith("."))
				continue;
			if (storePath.startsWith(`${this.layout.auditFolder}/`)) continue; // the audit logs: checked below
			const copy = await inspectCopy(this, storePath);
			if (copy) {
				conflicts.push(copy);
				continue;
			}
			const systemName =
				storePath.startsWith(`${this.layout.systemFolder}/`) && name.endsWith(`.${ENCRYPTED_EXTENSION}`)
					? name.slice(0, -ENCRYPTED_EXTENSION.length - 1)
					: null;
			const recordPath =
				systemName !== null && SYSTEM_FILE_NAME.test(systemName) ? `${SYSTEM_FOLDER}/${systemName}` : this.layout.recordPathOf(storePath);
			if (!recordPath) {
				const bytes = await this.store.read(storePath);
				if (!looksEncrypted(bytes)) plaintext.push(storePath);
				else failures.push({ path: storePath, message: "encrypted file with an unexpected name" });
				continue;
			}
			filesChecked++;
			const bytes = await this.store.read(storePath);
			if (systemName === null) fingerprints.set(recordPath, await fingerprint(bytes));
			try {
				const { plaintext: plain } = await decryptFile(keys, bytes, recordPath);
				plain.fill(0);
			} catch (error) {
				failures.push({ path: recordPath, message: toClinicalError(error).detail || toClinicalError(error).message });
			}
		}
		const audit = await this.audit.verify();
		const history = checkFingerprints(audit.entryList, fingerprints);
		// A file that no longer decrypts because its erasure was cut short says how to finish it.
		const lastByPath = new Map(audit.entryList.filter((e) => e.path !== undefined && e.action !== "open").map((e) => [e.path!, e]));
		for (const failure of failures) {
			const hint = await unfinishedRevokeHint(this, failure.path);
			if (hint) failure.message = `${failure.message}. ${hint}`;
			else if (lastByPath.get(failure.path)?.action === "delete") {
				failure.message = `${failure.message}. Its removal is in the audit log but was cut short (its key may already be destroyed): unlocking on the computer that started it finishes it, or run "clinical-vault rm <vault> ${failure.path} --unreadable --yes".`;
			}
		}
		const keyFile: string[] = [];
		const parsed = await this.readKeyFile();
		if (!parsed.slots.some((slot) => slot.kind === "recovery"))
			keyFile.push("the key file has no recovery slot: the recovery key cannot open this record (restore the key file from a backup)");
		if (!parsed.slots.some((slot) => slot.kind === "passphrase")) keyFile.push("the key file has no passphrase slot");
		if (parsed.rotating !== undefined)
			keyFile.push(
				`a rotation of the vault key started ${parsed.rotating} was not finished (every file still opens): run "clinical-vault rekey" again to finish it`,
			);
		// Conflict copies are reported; one that cannot be read as its record file fails verify.
		const ok =
			failures.length === 0 &&
			plaintext.length === 0 &&
			audit.ok &&
			history.rolledBack.length === 0 &&
			history.deleted.length === 0 &&
			keyFile.length === 0 &&
			conflicts.every((c) => c.decrypts);
		return { ok, filesChecked, failures, plaintext, audit, history, keyFile, conflicts };
	}
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
	if (a.length !== b.length) return false;
	for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
	return true;
}

/**
 * What a rotation that stopped after its new key file was written tells the clinician: the state it
 * left (every file opens, old or new key) and how to finish, not the single file's "previous version
 * is intact", which is true of that file but not of the rotation.
 */
function rotationStopped(error: unknown, rewrapped: number): unknown {
	if (isCancelled(error)) return error;
	const why = error instanceof ClinicalVaultError ? error.message : "an unexpected error";
	return new ClinicalVaultError(
		error instanceof ClinicalVaultError ? error.code : "storage",
		`The vault key rotation stopped after ${rewrapped} files were re-encrypted for the new key. Every file still opens with your passphrase. Rotate the vault key again (the Rotate vault key command, or clinical-vault rekey) to finish it. (${why})`,
		{ detail: error instanceof ClinicalVaultError ? error.detail : String(error), cause: error },
	);
}
