/**
 * The vault as a byte store, addressed by vault-relative paths with forward slashes
 * ("Clinical/C-0142/notes/2026-09-01.md.cvault"). Two implementations: NodeFsStore (a real
 * folder; CLI and tests) and the Obsidian adapter store (src/obsidian). Atomic replacement is
 * built on these primitives in ./atomic.ts so both behave the same after a crash.
 */
export interface StoreListing {
	files: string[];
	folders: string[];
}

/**
 * Who writes through a store, so that temporary files can carry their writer's name and a sweep
 * (at another process's start or unlock) never removes a live writer's file in flight.
 */
export interface WriterIdentity {
	/** This writer's tag: letters, digits, "." and "-" only (for example "h3f9c2.p4242"). */
	readonly tag: string;
	/** Whether the writer with this tag may still be running: true, false, or "unknown" (another computer). */
	isAlive(tag: string): boolean | "unknown";
	/**
	 * When this computer last started (ms since the epoch), where the platform says. A writer of this
	 * computer that wrote before it is gone, even if its process id now names a live process (ids
	 * are reused after a restart, as after a power cut).
	 */
	readonly bootTime?: number;
	/**
	 * This start of the computer, where the platform names it (Linux's boot_id): a lock from another
	 * start is from a process that is gone, whatever the clocks say.
	 */
	readonly bootId?: string;
	/** Waits (between tries for another process's lock). */
	wait(ms: number): Promise<void>;
}

export interface VaultStore {
	/** True when rename() atomically replaces an existing destination (POSIX rename). */
	readonly renameReplaces: boolean;
	/** Present when temporary files should carry the writer's tag (see atomic.ts). */
	readonly writer?: WriterIdentity;
	/**
	 * Creates a file with its content only if no file is there (atomically, content included where
	 * the platform allows); false when one exists. Present on stores several processes can share.
	 */
	createExclusive?(path: string, data: Uint8Array): Promise<boolean>;
	read(path: string): Promise<Uint8Array>;
	/**
	 * Up to `length` bytes from `offset` (fewer at the end of the file). Optional: readRange() below
	 * falls back to a whole read. The audit log reads only its tail this way.
	 */
	readRange?(path: string, offset: number, length: number): Promise<Uint8Array>;
	/**
	 * Writes `data` over the file's bytes at `offset`, in place (no truncation, the rest unchanged),
	 * and flushes it: crypto-erasure of a key block. A cut-short overwrite leaves the header whole.
	 * Optional: without it the erased file is replaced atomically instead.
	 */
	overwrite?(path: string, offset: number, data: Uint8Array): Promise<void>;
	/** Plain (non-atomic) write; used for temporary files only. Creates missing parent folders. */
	write(path: string, data: Uint8Array): Promise<void>;
	append(path: string, data: Uint8Array): Promise<void>;
	rename(from: string, to: string): Promise<void>;
	remove(path: string): Promise<void>;
	exists(path: string): Promise<boolean>;
	/** A file's size in bytes, or null when it does not exist (a cheap check before re-reading). */
	size(path: string): Promise<number | null>;
	/** Direct children of a folder, as vault-relative paths; an empty listing when it does not exist. */
	list(folder: string): Promise<StoreListing>;
	mkdir(path: string): Promise<void>;
}

export function joinPath(...parts: string[]): string {
	return parts
		.filter((p) => p !== "")
		.join("/")
		.replace(/\/+/g, "/")
		.replace(/\/$/, "");
}

export function parentOf(path: string): string {
	const i = path.lastIndexOf("/");
	return i === -1 ? "" : path.slice(0, i);
}

export function baseName(path: string): string {
	return path.slice(path.lastIndexOf("/") + 1);
}

/** Bytes [offset, offset + length) of a file, through the store's readRange when it has one. */
export async function readRange(store: VaultStore, path: string, offset: number, length: number): Promise<Uint8Array> {
	if (store.readRange) return store.readRange(path, offset, length);
	return (await store.read(path)).slice(offset, offset + length);
}

/** Every file below a folder, depth first. */
export async function walk(store: VaultStore, folder: string): Promise<string[]> {
	const out: string[] = [];
	const listing = await store.list(folder);
	out.push(...listing.files);
	for (const sub of listing.folders) out.push(...(await walk(store, sub)));
	return out.sort();
}
