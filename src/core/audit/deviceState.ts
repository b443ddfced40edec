/**
 * What one computer remembers about the records it opens, kept outside the record (the CLI's state
 * folder, the plugin's per-device local storage), so that a record copied, synced or restored from
 * a backup cannot rewrite it:
 *
 * - the device's id, which names its own audit log (`_vault/audit/<device>.cvlog`): each computer
 *   appends only to its own log, so file sync never has to merge one file written on two computers;
 * - per record (by vault id), an anchor for every audit log it has read: how many entries, how many
 *   bytes, and the hash of the last line. A log later found shorter, missing, or different at that
 *   point was truncated, deleted or replaced;
 * - failed unlocks, written to the audit log at the next successful unlock (the key is needed);
 * - whether the last session on this computer ended with a lock (if not, a write may have been
 *   interrupted, and the next unlock reconciles the log with the files).
 *
 * Nothing clinical is kept here: ids, counts, hashes of ciphertext and times.
 */
import { z } from "zod";
import { randomBytes, toHex } from "../bytes";

export interface LogAnchor {
	/** Entries in the log (complete lines). */
	entries: number;
	/** Bytes in the log up to the end of its last complete line. */
	size: number;
	/** Hex SHA-256 of the last line (without its newline); the genesis hash when empty. */
	lastHash: string;
	/** Length in bytes of the last line with its newline (0 when empty). */
	lastLength: number;
}

export interface VaultDeviceState {
	logs: Record<string, LogAnchor>;
	/** ISO times of failed unlocks not yet in the audit log. */
	failedUnlocks: string[];
	/** True from unlock until lock: still true at the next unlock means the last session was cut short. */
	open: boolean;
}

export interface DeviceStateData {
	version: 1;
	device: string;
	vaults: Record<string, VaultDeviceState>;
}

/** Where the state is kept: the CLI's state file, the plugin's local storage, memory in tests. */
export interface DeviceStateStore {
	/** The saved state, or null when there is none yet. */
	load(): Promise<unknown>;
	save(state: DeviceStateData): Promise<void>;
}

/** Device ids name audit logs: "d" and 16 lowercase hex digits. */
export const DEVICE_ID = /^d[0-9a-f]{16}$/;

const anchorSchema = z.object({
	entries: z.number().int().nonnegative(),
	size: z.number().int().nonnegative(),
	lastHash: z.string().regex(/^[0-9a-f]{64}$/),
	lastLength: z.number().int().nonnegative(),
});

const stateSchema = z.object({
	version: z.literal(1),
	device: z.string().regex(DEVICE_ID),
	vaults: z.record(
		z.string(),
		z.object({
			logs: z.record(z.string(), anchorSchema),
			failedUnlocks: z.array(z.string()),
			open: z.boolean(),
		}),
	),
});

export function newDeviceId(): string {
	return `d${toHex(randomBytes(8))}`;
}

function emptyVault(): VaultDeviceState {
	return { logs: {}, failedUnlocks: [], open: false };
}

/**
 * The device state of one process, loaded once and saved when something changed. A state that does
 * not parse (hand-edited, from another version) is replaced by a fresh one with a new device id:
 * the old log stays in the record and is still read and verified; only its anchor is lost.
 */
export class DeviceState {
	private data: DeviceStateData | null = null;
	private saving: Promise<void> = Promise.resolve();

	constructor(private readonly store: DeviceStateStore) {}

	private async loaded(): Promise<DeviceStateData> {
		if (this.data) return this.data;
		let raw: unknown = null;
		try {
			raw = await this.store.load();
		} catch {
			raw = null;
		}
		const parsed = stateSchema.safeParse(raw);
		this.data = parsed.success ? parsed.data : { version: 1, device: newDeviceId(), vaults: {} };
		if (!parsed.success) await this.save();
		return this.data;
	}

	async device(): Promise<string> {
		return (await this.loaded()).device;
	}

	async vault(vaultId: string): Promise<VaultDeviceState> {
		const data = await this.loaded();
		const found = data.vaults[vaultId];
		if (found) return found;
		const fresh = emptyVault();
		data.vaults[vaultId] = fresh;
		return fresh;
	}

	/**
	 * Raises a log's anchor (never lowers it: two processes of one computer can save in any order,
	 * and an anchor is a lower bound of what was seen).
	 */
	async anchor(vaultId: string, log: string, anchor: LogAnchor): Promise<void> {
		const vault = await this.vault(vaultId);
		const known = vault.logs[log];
		if (!known || anchor.entries >= known.entries) vault.logs[log] = { ...anchor };
	}

	/** Saves (queued; failures are swallowed: the state is a safeguard, never a reason to fail a read). */
	save(): Promise<void> {
		const data = this.data;
		if (!data) return this.saving;
		this.saving = this.saving.then(() => this.store.save(structuredClone(data))).catch(() => undefined);
		return this.saving;
	}

	/** Like save(), but reports whether it worked (for failed unlocks, which must not be lost silently). */
	async saveOrThrow(): Promise<void> {
		const data = this.data;
		if (!data) return;
		await this.saving;
		await this.store.save(structuredClone(data));
	}
}

/** Device state in memory: tests, and callers with nowhere to keep it (each instance is a new device). */
export class MemoryDeviceStateStore implements DeviceStateStore {
	saved: DeviceStateData | null = null;
	saves = 0;

	load(): Promise<unknown> {
		return Promise.resolve(this.saved ? structuredClone(this.saved) : null);
	}

	save(state: DeviceStateData): Promise<void> {
		this.saved = structuredClone(state);
		this.saves++;
		return Promise.resolve();
	}
}
