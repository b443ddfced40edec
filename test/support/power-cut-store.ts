/**
 * A power cut, simulated at the store's level (issue 14: "power cut simulated where it can be: a
 * write interrupted before fsync in a test store"). A kill -9 (test/core/crash.test.ts) cannot
 * show what fsync buys: the kernel's page cache survives a killed process. Here two states are
 * kept: `visible`, what the running process reads (the page cache), and `disk`, what survives.
 *
 * With `fsync: true` the store keeps VaultStore's contract as NodeFsStore and the Obsidian adapter
 * store do: a write, an append, an overwrite, a rename or a removal is on the disk when it returns
 * (file and folder fsynced). The operation in flight when the power goes lands only in part: a
 * write or an append leaves a prefix of its bytes (any length, from none to all: the cut may fall
 * before or after the fsync), a rename or a removal happens or does not.
 *
 * With `fsync: false` the store behaves as the worst case the kernel allows without fsync: folder
 * changes (creating, renaming, removing a file) reach the disk, but file contents never do before the
 * cut, so a file renamed over a note is empty on the disk (the classic zero-length file after a
 * crash of ext4 with delayed allocation). The test runs that mode too, to show the simulation
 * catches what fsync prevents.
 *
 * After the cut every operation fails with EIO, as it would on a machine without power; a new
 * MemoryStore built from `disk` is the record after the power comes back.
 */
import { MemoryStore, StoreFaultError } from "../../src/core/store/MemoryStore";
import type { StoreListing, VaultStore } from "../../src/core/store/VaultStore";

export interface PowerCutOptions {
	renameReplaces: boolean;
	fsync: boolean;
	/** The power goes during the cutAt-th change of the store (1-based); Infinity: never (to count the changes). */
	cutAt: number;
	/** Picks how much of the change in flight lands: a number in [0, 1). */
	fraction: number;
}

export class PowerCutStore implements VaultStore {
	readonly renameReplaces: boolean;
	readonly visible: MemoryStore;
	readonly disk = new MemoryStore();
	/** Changes started so far (the one in flight at the cut included). */
	changes = 0;
	off = false;

	constructor(
		initial: Map<string, Uint8Array>,
		private readonly options: PowerCutOptions,
	) {
		this.renameReplaces = options.renameReplaces;
		this.visible = new MemoryStore({ renameReplaces: options.renameReplaces });
		for (const [path, data] of initial) {
			this.visible.put(path, data);
			this.disk.put(path, data);
		}
	}

	/** Counts a change; true when the power goes during this one. Throws when it is already off. */
	private begin(): boolean {
		if (this.off) throw new StoreFaultError("EIO", "the power is off");
		this.changes++;
		return this.changes === this.options.cutAt;
	}

	private cut(): never {
		this.off = true;
		throw new StoreFaultError("EIO", "power cut");
	}

	private prefix(data: Uint8Array): Uint8Array {
		return data.subarray(0, Math.round(data.length * this.options.fraction));
	}

	private mirrorWrite(path: string, data: Uint8Array, cutting: boolean): void {
		if (!this.options.fsync) this.disk.put(path, new Uint8Array(0));
		else this.disk.put(path, cutting ? this.prefix(data) : data);
	}

	async read(path: string): Promise<Uint8Array> {
		if (this.off) throw new StoreFaultError("EIO", "the power is off");
		return this.visible.read(path);
	}

	async readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
		if (this.off) throw new StoreFaultError("EIO", "the power is off");
		return this.visible.readRange(path, offset, length);
	}

	async write(path: string, data: Uint8Array): Promise<void> {
		const cutting = this.begin();
		this.mirrorWrite(path, data, cutting);
		if (cutting) this.cut();
		await this.visible.write(path, data);
	}

	async append(path: string, data: Uint8Array): Promise<void> {
		const cutting = this.begin();
		if (this.options.fsync) {
			const old = this.disk.peek(path) ?? new Uint8Array(0);
			const add = cutting ? this.prefix(data) : data;
			const next = new Uint8Array(old.length + add.length);
			next.set(old, 0);
			next.set(add, old.length);
			this.disk.put(path, next);
		} else if (!this.disk.peek(path)) this.disk.put(path, new Uint8Array(0));
		if (cutting) this.cut();
		await this.visible.append(path, data);
	}

	async overwrite(path: string, offset: number, data: Uint8Array): Promise<void> {
		const cutting = this.begin();
		const old = this.disk.peek(path);
		if (this.options.fsync && old) {
			const next = new Uint8Array(old);
			const add = cutting ? this.prefix(data) : data;
			next.set(add.subarray(0, Math.max(0, next.length - offset)), offset);
			this.disk.put(path, next);
		}
		if (cutting) this.cut();
		await this.visible.overwrite(path, offset, data);
	}

	async rename(from: string, to: string): Promise<void> {
		const cutting = this.begin();
		// The visible store checks the rename first (a missing source, an existing destination where
		// rename does not replace): a refused rename changes nothing on the disk either.
		if (!cutting) await this.visible.rename(from, to);
		if (!cutting || this.options.fraction >= 0.5) {
			const data = this.disk.peek(from);
			if (data) {
				await this.disk.remove(from);
				this.disk.put(to, data);
			}
		}
		if (cutting) this.cut();
	}

	async remove(path: string): Promise<void> {
		const cutting = this.begin();
		if (!cutting || this.options.fraction >= 0.5) await this.disk.remove(path);
		if (cutting) this.cut();
		await this.visible.remove(path);
	}

	async mkdir(path: string): Promise<void> {
		const cutting = this.begin();
		await this.disk.mkdir(path);
		if (cutting) this.cut();
		await this.visible.mkdir(path);
	}

	async exists(path: string): Promise<boolean> {
		if (this.off) throw new StoreFaultError("EIO", "the power is off");
		return this.visible.exists(path);
	}

	async size(path: string): Promise<number | null> {
		if (this.off) throw new StoreFaultError("EIO", "the power is off");
		return this.visible.size(path);
	}

	async list(folder: string): Promise<StoreListing> {
		if (this.off) throw new StoreFaultError("EIO", "the power is off");
		return this.visible.list(folder);
	}
}

/** The record after the power comes back: a MemoryStore holding what reached the disk. */
export function afterPowerCut(store: PowerCutStore, renameReplaces: boolean): MemoryStore {
	const back = new MemoryStore({ renameReplaces });
	for (const [path, data] of store.disk.snapshot()) back.put(path, data);
	return back;
}
