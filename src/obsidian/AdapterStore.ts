/**
 * VaultStore over Obsidian's vault adapter (`app.vault.adapter`). Paths are vault-relative and
 * normalised. The adapter's rename refuses an existing destination, so `renameReplaces` is false
 * and the core's atomic protocol uses its backup/rename sequence (finished or rolled back by the
 * sweep after a crash). Writes go straight through the adapter: nothing is cached or indexed here.
 */
import { normalizePath, type DataAdapter } from "obsidian";
import { fromUtf8 } from "../core/bytes";
import { parentOf, type StoreListing, type VaultStore } from "../core/store/VaultStore";

function toArrayBuffer(data: Uint8Array): ArrayBuffer {
	const copy = new ArrayBuffer(data.byteLength);
	new Uint8Array(copy).set(data);
	return copy;
}

export class AdapterStore implements VaultStore {
	readonly renameReplaces = false;

	constructor(private readonly adapter: DataAdapter) {}

	private path(path: string): string {
		return normalizePath(path);
	}

	async read(path: string): Promise<Uint8Array> {
		return new Uint8Array(await this.adapter.readBinary(this.path(path)));
	}

	async write(path: string, data: Uint8Array): Promise<void> {
		const target = this.path(path);
		await this.ensureParent(target);
		await this.adapter.writeBinary(target, toArrayBuffer(data));
	}

	/** Appends text data (the audit log appends ASCII lines); invalid UTF-8 is refused, not mangled. */
	async append(path: string, data: Uint8Array): Promise<void> {
		const target = this.path(path);
		await this.ensureParent(target);
		await this.adapter.append(target, fromUtf8(data));
	}

	async rename(from: string, to: string): Promise<void> {
		const target = this.path(to);
		await this.ensureParent(target);
		await this.adapter.rename(this.path(from), target);
	}

	async remove(path: string): Promise<void> {
		const target = this.path(path);
		if (await this.adapter.exists(target)) await this.adapter.remove(target);
	}

	async size(path: string): Promise<number | null> {
		const stat = await this.adapter.stat(this.path(path));
		return stat?.type === "file" ? stat.size : null;
	}

	async exists(path: string): Promise<boolean> {
		return this.adapter.exists(this.path(path));
	}

	async list(folder: string): Promise<StoreListing> {
		const target = this.path(folder);
		if (!(await this.adapter.exists(target))) return { files: [], folders: [] };
		const listing = await this.adapter.list(target);
		return { files: [...listing.files].sort(), folders: [...listing.folders].sort() };
	}

	/** Creates a folder and any missing ancestors, one level at a time (whatever the adapter's mkdir does). */
	async mkdir(path: string): Promise<void> {
		const target = this.path(path);
		if (target === "/" || (await this.adapter.exists(target))) return;
		const parent = parentOf(target);
		if (parent !== "") await this.mkdir(parent);
		await this.adapter.mkdir(target);
	}

	private async ensureParent(path: string): Promise<void> {
		const parent = parentOf(path);
		if (parent !== "") await this.mkdir(parent);
	}
}
