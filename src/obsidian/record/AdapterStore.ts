/**
 * VaultStore over Obsidian's vault adapter (`app.vault.adapter`). Paths are vault-relative and
 * normalised with `normalizePath`; nothing is cached or indexed here.
 *
 * The plugin is desktop-only, so the adapter is Obsidian's FileSystemAdapter, a real folder. Every
 * operation then goes to a NodeFsStore rooted at the vault's folder: a save writes the hidden
 * temporary file ".NAME~WRITER~RANDOM.cvtmp" (never indexed by Obsidian; named for this process, so a sweep by the CLI never removes it mid-write), fsyncs it, renames it over NAME (an
 * atomic replacement: POSIX rename, and Node's rename on Windows, replace the destination) and
 * fsyncs the folder, so `renameReplaces` is true. Obsidian's watcher then sees one change of NAME,
 * a "modify": the record file never disappears from the vault, an open view keeps its file, and
 * sync or backup plugins see a modification, not a deletion and a new file. Appends (the audit
 * log) are written in full and fsynced. Paths that would leave the vault's folder are refused.
 *
 * Fallback, for an adapter without a folder on disk (no `getBasePath`, which this desktop-only
 * plugin does not expect): the adapter's own methods. Its rename refuses an existing destination,
 * so `renameReplaces` is false and the core's atomic protocol (src/core/store/atomic.ts) renames
 * NAME to ".NAME.cvbak" and the temporary file to NAME: Obsidian then sees NAME deleted and
 * created again on every save, and the adapter does not fsync.
 */
import { FileSystemAdapter, normalizePath, type DataAdapter } from "obsidian";
import { fromUtf8 } from "../../core/bytes";
import { NodeFsStore } from "../../core/store/NodeFsStore";
import { atomicWrite } from "../../core/store/atomic";
import { parentOf, type StoreListing, type VaultStore, type WriterIdentity } from "../../core/store/VaultStore";

function toArrayBuffer(data: Uint8Array): ArrayBuffer {
	const copy = new ArrayBuffer(data.byteLength);
	new Uint8Array(copy).set(data);
	return copy;
}

export class AdapterStore implements VaultStore {
	readonly renameReplaces: boolean;
	/** The vault's folder through Node's fs, when the adapter has one (always, on desktop). */
	private readonly disk: NodeFsStore | null;

	constructor(private readonly adapter: DataAdapter) {
		this.disk = adapter instanceof FileSystemAdapter ? new NodeFsStore(adapter.getBasePath()) : null;
		this.renameReplaces = this.disk !== null;
	}

	/** This process as a writer (temporary files carry its tag), when the vault is a folder on disk. */
	get writer(): WriterIdentity | undefined {
		return this.disk?.writer;
	}

	/** Exclusive creation, for the cross-process writer lock (only over a folder on disk). */
	get createExclusive(): ((path: string, data: Uint8Array) => Promise<boolean>) | undefined {
		const disk = this.disk;
		return disk ? (path, data) => disk.createExclusive(this.diskPath(path), data) : undefined;
	}

	private path(path: string): string {
		return normalizePath(path);
	}

	/** The path for the NodeFsStore: vault-relative, the vault's root being "". */
	private diskPath(path: string): string {
		const p = this.path(path);
		return p === "/" ? "" : p;
	}

	async read(path: string): Promise<Uint8Array> {
		if (this.disk) return this.disk.read(this.diskPath(path));
		return new Uint8Array(await this.adapter.readBinary(this.path(path)));
	}

	async overwrite(path: string, offset: number, data: Uint8Array): Promise<void> {
		if (this.disk) return this.disk.overwrite(this.diskPath(path), offset, data);
		const bytes = await this.read(path);
		bytes.set(data, offset);
		await atomicWrite(this, path, bytes);
	}

	async readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
		if (this.disk) return this.disk.readRange(this.diskPath(path), offset, length);
		return (await this.read(path)).slice(offset, offset + length);
	}

	async write(path: string, data: Uint8Array): Promise<void> {
		if (this.disk) return this.disk.write(this.diskPath(path), data);
		const target = this.path(path);
		await this.ensureParent(target);
		await this.adapter.writeBinary(target, toArrayBuffer(data));
	}

	/** Appends text data (the audit log appends ASCII lines); invalid UTF-8 is refused, not mangled. */
	async append(path: string, data: Uint8Array): Promise<void> {
		const text = fromUtf8(data);
		if (this.disk) return this.disk.append(this.diskPath(path), data);
		const target = this.path(path);
		await this.ensureParent(target);
		await this.adapter.append(target, text);
	}

	async rename(from: string, to: string): Promise<void> {
		if (this.disk) return this.disk.rename(this.diskPath(from), this.diskPath(to));
		const target = this.path(to);
		await this.ensureParent(target);
		await this.adapter.rename(this.path(from), target);
	}

	async remove(path: string): Promise<void> {
		if (this.disk) return this.disk.remove(this.diskPath(path));
		const target = this.path(path);
		if (await this.adapter.exists(target)) await this.adapter.remove(target);
	}

	async size(path: string): Promise<number | null> {
		if (this.disk) return this.disk.size(this.diskPath(path));
		const stat = await this.adapter.stat(this.path(path));
		return stat?.type === "file" ? stat.size : null;
	}

	async exists(path: string): Promise<boolean> {
		if (this.disk) return this.disk.exists(this.diskPath(path));
		return this.adapter.exists(this.path(path));
	}

	async list(folder: string): Promise<StoreListing> {
		if (this.disk) return this.disk.list(this.diskPath(folder));
		const target = this.path(folder);
		if (!(await this.adapter.exists(target))) return { files: [], folders: [] };
		const listing = await this.adapter.list(target);
		return { files: [...listing.files].sort(), folders: [...listing.folders].sort() };
	}

	/** Creates a folder and any missing ancestors (on the fallback, one level at a time, whatever the adapter's mkdir does). */
	async mkdir(path: string): Promise<void> {
		if (this.disk) return this.disk.mkdir(this.diskPath(path));
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
