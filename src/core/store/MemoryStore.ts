/**
 * An in-memory VaultStore for tests. Paths are vault-relative with forward slashes, like the other
 * stores. Data is copied in and out, so callers that wipe their buffers cannot change what is
 * stored. `renameReplaces: false` makes rename() refuse an existing destination, as Obsidian's
 * adapter does, so the backup/rename path of ./atomic.ts is exercised.
 *
 * Faults can be injected with `failNext` (for example ENOSPC after half of a temporary file was
 * written) to test that a failed save leaves the previous version intact.
 */
import type { StoreListing, VaultStore } from "./VaultStore";
import { joinPath, parentOf } from "./VaultStore";

export type StoreOperation = "read" | "write" | "append" | "rename" | "remove" | "mkdir";

export interface InjectedFault {
	operation: StoreOperation;
	/** Only operations on a matching path fail (for rename, the source or the destination). */
	path?: RegExp;
	/** How many matching calls succeed before the failing one (default 0). */
	skip?: number;
	/** For write and append: how many bytes land before the failure (default 0). */
	partialBytes?: number;
	/** The error code, e.g. "ENOSPC" (default "EIO"). */
	code?: string;
}

/** An error shaped like Node's system errors (`code`), as the stores throw. */
export class StoreFaultError extends Error {
	constructor(
		readonly code: string,
		message: string,
	) {
		super(`${code}: ${message}`);
		this.name = "StoreFaultError";
	}
}

function normalize(path: string): string {
	return joinPath(...path.replace(/\\/g, "/").split("/"));
}

export class MemoryStore implements VaultStore {
	readonly renameReplaces: boolean;
	private readonly files = new Map<string, Uint8Array>();
	private readonly folders = new Set<string>();
	private readonly faults: (InjectedFault & { remaining: number })[] = [];
	/** Every operation in order ("write path", "rename a -> b"), for tests that check the protocol. */
	readonly log: string[] = [];

	constructor(options: { renameReplaces?: boolean } = {}) {
		this.renameReplaces = options.renameReplaces ?? true;
	}

	/** Makes the next matching operation fail (after `skip` matching calls succeed). */
	failNext(fault: InjectedFault): void {
		this.faults.push({ ...fault, remaining: fault.skip ?? 0 });
	}

	/** Removes faults that have not fired yet. */
	clearFaults(): void {
		this.faults.length = 0;
	}

	private takeFault(operation: StoreOperation, ...paths: string[]): InjectedFault | null {
		const index = this.faults.findIndex((f) => f.operation === operation && (!f.path || paths.some((p) => f.path!.test(p))));
		if (index === -1) return null;
		const fault = this.faults[index]!;
		if (fault.remaining > 0) {
			fault.remaining--;
			return null;
		}
		this.faults.splice(index, 1);
		return fault;
	}

	private fail(fault: InjectedFault, what: string): never {
		throw new StoreFaultError(fault.code ?? "EIO", `injected failure: ${what}`);
	}

	private addParents(path: string): void {
		for (let dir = parentOf(path); dir !== ""; dir = parentOf(dir)) this.folders.add(dir);
	}

	private notFound(path: string): never {
		throw new StoreFaultError("ENOENT", `no such file: ${path}`);
	}

	async read(path: string): Promise<Uint8Array> {
		const p = normalize(path);
		this.log.push(`read ${p}`);
		const fault = this.takeFault("read", p);
		if (fault) this.fail(fault, `read ${p}`);
		const data = this.files.get(p);
		if (!data) this.notFound(p);
		return Promise.resolve(new Uint8Array(data));
	}

	async readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
		const p = normalize(path);
		this.log.push(`readRange ${p} ${offset} ${length}`);
		const fault = this.takeFault("read", p);
		if (fault) this.fail(fault, `read ${p}`);
		const data = this.files.get(p);
		if (!data) this.notFound(p);
		return Promise.resolve(data.slice(offset, offset + length));
	}

	async overwrite(path: string, offset: number, data: Uint8Array): Promise<void> {
		const p = normalize(path);
		this.log.push(`overwrite ${p}`);
		const fault = this.takeFault("write", p);
		const old = this.files.get(p);
		if (!old) this.notFound(p);
		const next = new Uint8Array(old);
		const take = fault ? Math.min(data.length, fault.partialBytes ?? 0) : data.length;
		next.set(data.subarray(0, take).subarray(0, Math.max(0, next.length - offset)), offset);
		this.files.set(p, next);
		if (fault) this.fail(fault, `overwrite ${p}`);
		return Promise.resolve();
	}

	async write(path: string, data: Uint8Array): Promise<void> {
		const p = normalize(path);
		this.log.push(`write ${p}`);
		if (this.folders.has(p)) throw new StoreFaultError("EISDIR", p);
		const fault = this.takeFault("write", p);
		this.addParents(p);
		if (fault) {
			this.files.set(p, new Uint8Array(data.subarray(0, Math.min(data.length, fault.partialBytes ?? 0))));
			this.fail(fault, `write ${p}`);
		}
		this.files.set(p, new Uint8Array(data));
		return Promise.resolve();
	}

	async append(path: string, data: Uint8Array): Promise<void> {
		const p = normalize(path);
		this.log.push(`append ${p}`);
		const fault = this.takeFault("append", p);
		this.addParents(p);
		const old = this.files.get(p) ?? new Uint8Array(0);
		const add = fault ? data.subarray(0, Math.min(data.length, fault.partialBytes ?? 0)) : data;
		const next = new Uint8Array(old.length + add.length);
		next.set(old, 0);
		next.set(add, old.length);
		this.files.set(p, next);
		if (fault) this.fail(fault, `append ${p}`);
		return Promise.resolve();
	}

	async rename(from: string, to: string): Promise<void> {
		const a = normalize(from);
		const b = normalize(to);
		this.log.push(`rename ${a} -> ${b}`);
		const fault = this.takeFault("rename", a, b);
		if (fault) this.fail(fault, `rename ${a} -> ${b}`);
		const data = this.files.get(a);
		if (!data) this.notFound(a);
		if (this.files.has(b) && !this.renameReplaces) throw new StoreFaultError("EEXIST", `destination file already exists: ${b}`);
		this.addParents(b);
		this.files.delete(a);
		this.files.set(b, data);
		return Promise.resolve();
	}

	async remove(path: string): Promise<void> {
		const p = normalize(path);
		this.log.push(`remove ${p}`);
		const fault = this.takeFault("remove", p);
		if (fault) this.fail(fault, `remove ${p}`);
		this.files.delete(p);
		return Promise.resolve();
	}

	async exists(path: string): Promise<boolean> {
		const p = normalize(path);
		return Promise.resolve(this.files.has(p) || this.folders.has(p));
	}

	async size(path: string): Promise<number | null> {
		return Promise.resolve(this.files.get(normalize(path))?.length ?? null);
	}

	async list(folder: string): Promise<StoreListing> {
		const dir = normalize(folder);
		const prefix = dir === "" ? "" : `${dir}/`;
		const direct = (p: string) => p.startsWith(prefix) && !p.slice(prefix.length).includes("/") && p !== dir;
		return Promise.resolve({
			files: [...this.files.keys()].filter(direct).sort(),
			folders: [...this.folders].filter(direct).sort(),
		});
	}

	async mkdir(path: string): Promise<void> {
		const p = normalize(path);
		this.log.push(`mkdir ${p}`);
		const fault = this.takeFault("mkdir", p);
		if (fault) this.fail(fault, `mkdir ${p}`);
		if (this.files.has(p)) throw new StoreFaultError("EEXIST", `a file is in the way: ${p}`);
		this.addParents(p);
		this.folders.add(p);
		return Promise.resolve();
	}

	/** Every stored file path, sorted (test helper). */
	paths(): string[] {
		return [...this.files.keys()].sort();
	}

	/** A copy of every file (test helper for "nothing else changed" checks). */
	snapshot(): Map<string, Uint8Array> {
		return new Map([...this.files].map(([p, d]) => [p, new Uint8Array(d)]));
	}

	/** Puts bytes in place directly, bypassing faults and the log (test helper for tampering). */
	put(path: string, data: Uint8Array): void {
		const p = normalize(path);
		this.addParents(p);
		this.files.set(p, new Uint8Array(data));
	}

	/** The stored bytes without copying or logging (test helper). */
	peek(path: string): Uint8Array | undefined {
		return this.files.get(normalize(path));
	}
}
