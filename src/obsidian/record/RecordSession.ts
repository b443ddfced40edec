/**
 * The unlocked-or-locked state of the record as the plugin sees it: the ClinicalRecord (rebuilt
 * when the clinical folder setting changes), the unlock prompt, failed-attempt bookkeeping and an
 * orderly lock (open editors save first, then the keys are dropped).
 */
import type { App } from "obsidian";
import type { Clock } from "../../core/clock";
import type { KdfParams } from "../../core/crypto/kdf";
import { ClinicalVaultError, toClinicalError } from "../../core/errors";
import { ClinicalRecord, type RecordChange } from "../../core/record/ClinicalRecord";
import type { VaultStore } from "../../core/store/VaultStore";
import { askPassphrase } from "./recordModals";
import { cancelled } from "../common/notify";
import { localDeviceState } from "./deviceState";

export interface SessionOptions {
	app: App;
	store: VaultStore;
	clock: Clock;
	root: string;
	/** KDF parameters for a new record (tuned to about 1 s by default). */
	kdfForSetup: () => Promise<KdfParams>;
	/** Failed unlock attempts remembered from earlier sessions (timestamps only). */
	failedAttempts: Date[];
	/** Persists the failed attempts (plugin data); called after every change. */
	saveFailedAttempts: (attempts: Date[]) => Promise<void>;
}

export class RecordSession {
	private current: ClinicalRecord;
	private unsubscribe: () => void;
	private readonly listeners = new Set<(unlocked: boolean) => void>();
	private readonly changeListeners = new Set<(change: RecordChange) => void>();
	private readonly lockHooks = new Set<() => Promise<void>>();
	private readonly inflight = new Set<Promise<unknown>>();
	private locking: Promise<void> | null = null;
	private prompting: Promise<boolean> | null = null;
	private attempts: Date[];

	constructor(private readonly options: SessionOptions) {
		this.attempts = [...options.failedAttempts];
		this.current = this.build(options.root);
		this.unsubscribe = this.subscribe();
	}

	private subscribe(): () => void {
		const offLock = this.current.onLockChange((unlocked) => this.emit(unlocked));
		const offChange = this.current.onChange((change) => {
			for (const listener of this.changeListeners) listener(change);
		});
		return () => {
			offLock();
			offChange();
		};
	}

	/** Every record file written or removed, whichever clinical folder is current. Returns an unsubscribe function. */
	onRecordChange(listener: (change: RecordChange) => void): () => void {
		this.changeListeners.add(listener);
		return () => this.changeListeners.delete(listener);
	}

	get record(): ClinicalRecord {
		return this.current;
	}

	get isUnlocked(): boolean {
		return this.current.isUnlocked;
	}

	get failedAttempts(): readonly Date[] {
		return this.attempts;
	}

	get app(): App {
		return this.options.app;
	}

	get store(): VaultStore {
		return this.options.store;
	}

	get clock(): Clock {
		return this.options.clock;
	}

	kdfForSetup(): Promise<KdfParams> {
		return this.options.kdfForSetup();
	}

	private build(root: string): ClinicalRecord {
		return new ClinicalRecord({ store: this.options.store, root, clock: this.options.clock, device: localDeviceState(this.options.app) });
	}

	private emit(unlocked: boolean): void {
		for (const listener of this.listeners) listener(unlocked);
	}

	/** Called with true after unlock and false after lock. Returns an unsubscribe function. */
	onLockChange(listener: (unlocked: boolean) => void): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	/** Work that must finish while the keys are still there (open editors saving). Returns an unsubscribe function. */
	beforeLock(hook: () => Promise<void>): () => void {
		this.lockHooks.add(hook);
		return () => this.lockHooks.delete(hook);
	}

	/** Registers a write in flight; lock waits for it while the keys are still there. */
	track<T>(promise: Promise<T>): Promise<T> {
		this.inflight.add(promise);
		const done = () => void this.inflight.delete(promise);
		promise.then(done, done);
		return promise;
	}

	/** Points the session at another clinical folder; locks first. */
	async setRoot(root: string): Promise<void> {
		if (root === this.current.layout.root) return;
		await this.lock();
		this.unsubscribe();
		this.current = this.build(root);
		this.unsubscribe = this.subscribe();
	}

	/** Resolves once the record is unlocked; prompts for the passphrase if needed. Cancelling throws a silent cancellation. */
	async ensureUnlocked(): Promise<ClinicalRecord> {
		if (this.isUnlocked) return this.current;
		if (!(await this.current.isInitialized())) {
			throw new ClinicalVaultError(
				"not-initialized",
				`There is no clinical record in ${this.current.layout.root}/ yet. Run "Set up encrypted record" first.`,
			);
		}
		if (!(await this.promptUnlock()) || !this.isUnlocked) throw cancelled();
		return this.current;
	}

	/** Shows the passphrase modal (one at a time). Resolves true once unlocked, false when cancelled. */
	promptUnlock(): Promise<boolean> {
		if (this.isUnlocked) return Promise.resolve(true);
		this.prompting ??= askPassphrase(this.options.app, (passphrase) => this.unlock(passphrase)).finally(() => (this.prompting = null));
		return this.prompting;
	}

	/**
	 * Unlocks with a passphrase. A wrong passphrase is remembered (its time only) and written to
	 * the audit log at the next successful unlock, after which the list is cleared.
	 */
	unlock(passphrase: string): Promise<void> {
		return this.track(this.unlockNow(passphrase));
	}

	private async unlockNow(passphrase: string): Promise<void> {
		try {
			await this.current.unlock(passphrase, { failedAttempts: [...this.attempts] });
		} catch (error) {
			if (toClinicalError(error).code === "wrong-passphrase") await this.noteFailedAttempt();
			throw error;
		}
		if (this.attempts.length > 0) {
			this.attempts = [];
			await this.options.saveFailedAttempts([]);
		}
	}

	/** Changes the passphrase; a wrong current passphrase counts as a failed attempt. */
	changePassphrase(current: string, next: string): Promise<void> {
		return this.track(this.changePassphraseNow(current, next));
	}

	private async changePassphraseNow(current: string, next: string): Promise<void> {
		try {
			await this.current.changePassphrase(current, next);
		} catch (error) {
			if (toClinicalError(error).code === "wrong-passphrase") await this.noteFailedAttempt();
			throw error;
		}
	}

	private async noteFailedAttempt(): Promise<void> {
		this.attempts.push(this.options.clock.now());
		await this.options.saveFailedAttempts([...this.attempts]);
	}

	/** Saves open editors, then drops the keys. Concurrent calls share one lock. */
	lock(): Promise<void> {
		this.locking ??= this.lockNow().finally(() => (this.locking = null));
		return this.locking;
	}

	/** Resolves when no tracked unlock, save or other record work is in flight. */
	async idle(): Promise<void> {
		while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
	}

	/**
	 * An unlock still running (its modal closed, say) finishes first, so a lock can never be
	 * overtaken by it and leave the record unlocked; then open editors save; then the keys go.
	 */
	private async lockNow(): Promise<void> {
		await this.idle();
		if (!this.isUnlocked) return;
		for (const hook of [...this.lockHooks]) {
			try {
				await hook();
			} catch {
				// A hook reports its own failure; locking goes ahead regardless.
			}
		}
		await this.idle();
		await this.current.lock();
	}
}
