/**
 * One writer at a time across processes (the plugin, the CLI, a second CLI): a lock file in the
 * record's system folder, created exclusively (O_EXCL), holding its owner's writer tag and the time
 * it was taken. Every change to the record (a file written or removed, an audit entry appended, the
 * key file replaced) runs while this process holds it, so two processes never interleave a file
 * write with its audit entry, and never chain two audit entries to the same predecessor.
 *
 * Within one process the lock is shared, not exclusive: the record's own queues already order the
 * process's writes, and nested holders (a write, then its audit entry) must not wait for each
 * other. The file exists while any holder in this process is inside; the last one out removes it.
 *
 * A lock whose owner is gone is taken over: a process of this computer that no longer runs (its
 * tag's pid is dead, or the lock was taken before the computer last started), or, for another computer's lock (a synced folder), one older than
 * `staleMs`. When the lock stays busy longer than `waitMs`, the write fails before changing
 * anything, naming who holds the record. Stores that do not create files exclusively or name no
 * writer (the in-memory store) run every task at once: they have one process.
 */
import { fromUtf8, utf8 } from "../bytes";
import { ClinicalVaultError, StorageError } from "../errors";
import type { VaultStore } from "./VaultStore";

/** How much older than this computer's start a lock must be to be from before it (the boot time is rounded). */
const BOOT_MARGIN_MS = 10_000;

export interface WriterLockOptions {
	/** How long to wait for another process's lock before failing (ms). */
	waitMs?: number;
	/** Another computer's lock older than this is taken over (ms); its writes last a second or two. */
	staleMs?: number;
	/** The time, for the lock's timestamp and staleness (the wait itself is measured in real time). */
	now?: () => number;
}

interface Holder {
	tag: string;
	/** When it was taken (ms since the epoch). */
	at: number;
	/** The holder's computer start (WriterIdentity.bootId), when the platform names it. */
	boot?: string;
}

function parseHolder(bytes: Uint8Array): Holder | null {
	try {
		const value = JSON.parse(fromUtf8(bytes)) as Partial<Holder>;
		if (typeof value.tag !== "string" || typeof value.at !== "number") return null;
		return { tag: value.tag, at: value.at, ...(typeof value.boot === "string" ? { boot: value.boot } : {}) };
	} catch {
		return null;
	}
}

export class WriterLock {
	private depth = 0;
	private acquiring: Promise<void> | null = null;
	private releasing: Promise<void> = Promise.resolve();
	private readonly waitMs: number;
	private readonly staleMs: number;
	private readonly now: () => number;

	constructor(
		private readonly store: VaultStore,
		private readonly path: string,
		options: WriterLockOptions = {},
	) {
		this.waitMs = options.waitMs ?? 15_000;
		this.staleMs = options.staleMs ?? 120_000;
		this.now = options.now ?? Date.now;
	}

	/** Runs `task` while this process holds the lock (waiting for another process's, up to waitMs). */
	async hold<T>(task: () => Promise<T>): Promise<T> {
		if (!this.store.createExclusive || !this.store.writer) return task();
		await this.enter();
		try {
			return await task();
		} finally {
			this.exit();
		}
	}

	private async enter(): Promise<void> {
		if (this.depth > 0) {
			this.depth++;
			return;
		}
		if (!this.acquiring) {
			this.acquiring = this.releasing.then(() => this.acquire());
			void this.acquiring.then(
				() => (this.acquiring = null),
				() => (this.acquiring = null),
			);
		}
		await this.acquiring;
		this.depth++;
	}

	private exit(): void {
		this.depth--;
		if (this.depth > 0) return;
		this.releasing = this.store.remove(this.path).catch(() => undefined);
	}

	private async acquire(): Promise<void> {
		const writer = this.store.writer!;
		const mine = utf8(JSON.stringify({ tag: writer.tag, at: this.now(), ...(writer.bootId ? { boot: writer.bootId } : {}) } satisfies Holder));
		const deadline = Date.now() + this.waitMs;
		let pause = 10;
		let unreadableSince: number | null = null;
		for (;;) {
			let created: boolean;
			try {
				created = await this.store.createExclusive!(this.path, mine);
			} catch (error) {
				// A read-only disk, a full disk, no permission: say which, as for any write.
				throw new StorageError(this.path, error);
			}
			if (created) return;
			const seen = await this.store.read(this.path).catch(() => null);
			if (seen === null) continue; // released meanwhile: try again at once
			const holder = parseHolder(seen);
			// An unreadable lock may be one being written this instant (where the store cannot create a
			// file with its content at once); it is stale only if it stays unreadable.
			if (holder === null) unreadableSince ??= Date.now();
			else unreadableSince = null;
			const stale = holder === null ? Date.now() - unreadableSince! > 2000 : this.isStale(holder);
			if (stale) {
				// Removed only if it is still the lock we judged stale (another process may have taken it over meanwhile).
				const again = await this.store.read(this.path).catch(() => null);
				if (again !== null && fromUtf8(again) === fromUtf8(seen)) await this.store.remove(this.path);
				continue;
			}
			if (Date.now() >= deadline) throw this.busy(holder);
			await this.store.writer!.wait(pause + Math.floor(Math.random() * pause));
			pause = Math.min(pause * 2, 200);
		}
	}

	private isStale(holder: Holder): boolean {
		const writer = this.store.writer!;
		const alive = writer.isAlive(holder.tag);
		if (alive === false) return true;
		if (alive === "unknown") return this.now() - holder.at > this.staleMs;
		// This computer's process id, alive: the same process, unless the lock was taken before this
		// computer last started (a power cut, then the id reused). Where the platform names each start
		// (Linux), that decides, whatever the clocks say. Elsewhere the times do, and only for a lock
		// older than staleMs as well: a clock stepped forward must not make a live holder's lock look
		// older than the start.
		if (holder.boot !== undefined && writer.bootId !== undefined) return holder.boot !== writer.bootId;
		return writer.bootTime !== undefined && holder.at < writer.bootTime - BOOT_MARGIN_MS && this.now() - holder.at > this.staleMs;
	}

	private busy(holder: Holder | null): ClinicalVaultError {
		const pid = holder ? /\.p(\d+)$/.exec(holder.tag)?.[1] : undefined;
		const who =
			holder && this.store.writer!.isAlive(holder.tag) === true && pid
				? `process ${pid} on this computer (Obsidian or the clinical-vault command)`
				: "another program, or another computer through file sync";
		return new ClinicalVaultError("storage", `The clinical record is being written by ${who}. Nothing was changed; try again in a moment.`, {
			detail: `writer lock ${this.path} held by ${holder?.tag ?? "unknown"}`,
		});
	}
}
