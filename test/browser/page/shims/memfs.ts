/**
 * The page's disk: an in-memory POSIX file system behind the `node:fs` and `node:fs/promises`
 * shims. The obsidian stub's FileSystemAdapter and Vault and the plugin's NodeFsStore run over it
 * unchanged (they use Node's fs on a real folder in the Node tests), so the vault lives at an
 * absolute path such as /vault.
 *
 * Node behaviour it keeps, because the stub and the plugin's safety checks depend on it:
 *  - errors are Error objects with Node's `code` (ENOENT, EEXIST, ENOTDIR, EISDIR, ENOTEMPTY,
 *    EBADF), `syscall` and `path`, and Node's message form ("ENOENT: no such file or directory,
 *    stat '/x'");
 *  - writeFile/appendFile/open/mkdir (non-recursive)/rename need the parent folder; rename
 *    replaces an existing file (POSIX), moves whole folders, refuses a non-empty folder as
 *    destination; open "w" truncates at once, "a" appends, "r" needs the path (a folder too);
 *  - readFile without an encoding returns a Buffer copy; writes copy their data (no aliasing);
 *  - stat gives size, mtimeMs and ctimeMs (sub-millisecond, increasing with every write), and
 *    creating or removing an entry changes its folder's mtime;
 *  - fs.watch (Linux inotify, non-recursive): a watcher follows the folder (or file) it was opened
 *    on, not its path (a folder removed goes silent, a folder renamed keeps reporting); it reports
 *    ("rename" | "change", name) for each entry created, removed or renamed in it and each write to
 *    an entry, in order, asynchronously (a later task, never inside the call that made the change);
 *    a recursive rm reports each entry, deepest first.
 * What it does not model: permissions and modes (accepted and ignored), symbolic links, reading
 * through file handles, and latency: every call completes on the next microtask, whereas real I/O
 * leaves other tasks time to run in between. readdir lists names sorted (Node gives the OS's
 * order, which callers must not rely on anyway).
 */
import { Buffer } from "./buffer";
import { basename, dirname, resolve } from "./path";

interface FileNode {
	kind: "file";
	data: Uint8Array;
	ctimeMs: number;
	mtimeMs: number;
}

interface DirNode {
	kind: "dir";
	ctimeMs: number;
	mtimeMs: number;
}

type FsNode = FileNode | DirNode;

const MESSAGES: Record<string, string> = {
	ENOENT: "no such file or directory",
	EEXIST: "file already exists",
	ENOTDIR: "not a directory",
	EISDIR: "illegal operation on a directory",
	ENOTEMPTY: "directory not empty",
	EINVAL: "invalid argument",
	EBADF: "bad file descriptor",
};

export function fsError(code: string, syscall: string, path: string, dest?: string): Error {
	const target = dest === undefined ? `'${path}'` : `'${path}' -> '${dest}'`;
	return Object.assign(new Error(`${code}: ${MESSAGES[code] ?? "error"}, ${syscall} ${target}`), {
		code,
		syscall,
		path,
		...(dest === undefined ? {} : { dest }),
	});
}

const nodes = new Map<string, FsNode>();
let lastTime = 0;

/** A timestamp that increases with every change, as mtimes do on a real disk between writes. */
function now(): number {
	const t = Math.max(performance.timeOrigin + performance.now(), lastTime + 0.001);
	lastTime = t;
	return t;
}

function newDir(): DirNode {
	const t = now();
	return { kind: "dir", ctimeMs: t, mtimeMs: t };
}

nodes.set("/", newDir());
nodes.set("/tmp", newDir());

export function full(path: string | URL): string {
	return resolve(String(path));
}

// ---------------------------------------------------------------------------------------------
// Watchers (inotify-like: bound to the watched node, events delivered later, in order)

export type WatchListener = (event: "rename" | "change", name: string) => void;

interface Watcher {
	node: FsNode;
	listener: WatchListener;
	open: boolean;
}

const watchers = new Set<Watcher>();
const pending: (() => void)[] = [];
let flushScheduled = false;

function flush(): void {
	flushScheduled = false;
	for (const deliver of pending.splice(0)) deliver();
}

/** Queues the event for the watchers of the path's folder (and of the path itself, for a file). */
function notify(path: string, event: "rename" | "change"): void {
	const parent = path === "/" ? undefined : nodes.get(dirname(path));
	const self = nodes.get(path);
	const name = basename(path);
	for (const watcher of watchers) {
		if (watcher.node !== parent && !(self?.kind === "file" && watcher.node === self)) continue;
		pending.push(() => {
			if (watcher.open) watcher.listener(event, name);
		});
	}
	if (pending.length > 0 && !flushScheduled) {
		flushScheduled = true;
		window.setTimeout(flush, 0);
	}
}

export function addWatcher(path: string, listener: WatchListener): { close(): void } {
	const watcher: Watcher = { node: lookup(path, "watch"), listener, open: true };
	watchers.add(watcher);
	return {
		close: () => {
			watcher.open = false;
			watchers.delete(watcher);
		},
	};
}

// ---------------------------------------------------------------------------------------------
// Lookups

/** The node at a path; ENOENT when missing, ENOTDIR when a parent is a file. */
export function lookup(path: string, syscall: string): FsNode {
	const node = nodes.get(path);
	if (node) return node;
	for (let p = dirname(path); p !== "/"; p = dirname(p)) {
		const parent = nodes.get(p);
		if (parent?.kind === "file") throw fsError("ENOTDIR", syscall, path);
		if (parent) break;
	}
	throw fsError("ENOENT", syscall, path);
}

export function find(path: string): FsNode | undefined {
	return nodes.get(path);
}

function requireParentDir(path: string, syscall: string): DirNode {
	const parent = nodes.get(dirname(path));
	if (!parent) throw fsError("ENOENT", syscall, path);
	if (parent.kind !== "dir") throw fsError("ENOTDIR", syscall, path);
	return parent;
}

function touchParent(path: string): void {
	const parent = nodes.get(dirname(path));
	if (parent) {
		parent.mtimeMs = now();
		parent.ctimeMs = parent.mtimeMs;
	}
}

/** Names in a folder, sorted. */
export function childNames(dir: string): string[] {
	const prefix = dir === "/" ? "/" : `${dir}/`;
	const out: string[] = [];
	for (const path of nodes.keys()) {
		if (path !== dir && path.startsWith(prefix) && !path.slice(prefix.length).includes("/")) out.push(path.slice(prefix.length));
	}
	return out.sort();
}

/** A path and everything under it, deepest first. */
function subtree(path: string): string[] {
	return [...nodes.keys()].filter((p) => p === path || p.startsWith(`${path}/`)).sort((a, b) => b.length - a.length);
}

// ---------------------------------------------------------------------------------------------
// Changes

export function toBytes(data: string | ArrayBufferView | ArrayBuffer, encoding?: string): Uint8Array {
	if (typeof data === "string") return Uint8Array.from(Buffer.from(data, encoding));
	if (data instanceof ArrayBuffer) return new Uint8Array(data.slice(0));
	return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}

export function readBytes(path: string): Uint8Array {
	const node = lookup(path, "open");
	if (node.kind === "dir") throw fsError("EISDIR", "read", path);
	return node.data;
}

/** Opens a file for writing the way open(2) does: created if missing, emptied with `truncate`. */
function fileForWrite(path: string, truncate: boolean, syscall: string): FileNode {
	const existing = nodes.get(path);
	if (existing?.kind === "dir") throw fsError("EISDIR", syscall, path);
	if (existing) {
		if (truncate && existing.data.length > 0) {
			existing.data = new Uint8Array(0);
			existing.mtimeMs = now();
			existing.ctimeMs = existing.mtimeMs;
			notify(path, "change");
		}
		return existing;
	}
	requireParentDir(path, syscall);
	const t = now();
	const node: FileNode = { kind: "file", data: new Uint8Array(0), ctimeMs: t, mtimeMs: t };
	nodes.set(path, node);
	touchParent(path);
	notify(path, "rename");
	return node;
}

/** Writes bytes into a file at a position (null: at the end), growing it as needed. */
function writeInto(path: string, node: FileNode, data: Uint8Array, position: number | null): void {
	const at = position ?? node.data.length;
	if (at + data.length > node.data.length) {
		const grown = new Uint8Array(at + data.length);
		grown.set(node.data);
		node.data = grown;
	}
	node.data.set(data, at);
	node.mtimeMs = now();
	node.ctimeMs = node.mtimeMs;
	notify(path, "change");
}

export function writeBytes(path: string, data: Uint8Array, append: boolean): void {
	const node = fileForWrite(path, !append, "open");
	writeInto(path, node, data, append ? null : 0);
}

export function makeDir(path: string, recursive: boolean): string | undefined {
	const existing = nodes.get(path);
	if (existing) {
		if (recursive && existing.kind === "dir") return undefined;
		throw fsError("EEXIST", "mkdir", path);
	}
	if (!recursive) requireParentDir(path, "mkdir");
	const missing: string[] = [];
	for (let p = path; !nodes.has(p); p = dirname(p)) missing.unshift(p);
	const top = nodes.get(dirname(missing[0] ?? path));
	if (top?.kind === "file") throw fsError("ENOTDIR", "mkdir", path);
	for (const p of missing) {
		nodes.set(p, newDir());
		touchParent(p);
		notify(p, "rename");
	}
	return missing[0];
}

export function removePath(path: string, options: { recursive: boolean; force: boolean; dirsOnly?: boolean; filesOnly?: boolean; syscall: string }): void {
	const node = nodes.get(path);
	if (!node) {
		if (options.force) return;
		lookup(path, options.syscall);
		return;
	}
	if (options.filesOnly && node.kind === "dir") throw fsError("EISDIR", options.syscall, path);
	if (options.dirsOnly && node.kind === "file") throw fsError("ENOTDIR", options.syscall, path);
	if (node.kind === "dir") {
		if (!options.recursive && !options.dirsOnly)
			throw Object.assign(new Error(`Path is a directory: ${options.syscall} returned EISDIR (is a directory) ${path}`), { code: "ERR_FS_EISDIR" });
		if (!options.recursive && childNames(path).length > 0) throw fsError("ENOTEMPTY", options.syscall, path);
	}
	for (const p of subtree(path)) {
		notify(p, "rename");
		nodes.delete(p);
		touchParent(p);
	}
}

export function renamePath(from: string, to: string): void {
	const node = lookup(from, "rename");
	if (from === to) return;
	if (to.startsWith(`${from}/`)) throw fsError("EINVAL", "rename", from, to);
	const parent = nodes.get(dirname(to));
	if (!parent) throw fsError("ENOENT", "rename", from, to);
	if (parent.kind !== "dir") throw fsError("ENOTDIR", "rename", from, to);
	const target = nodes.get(to);
	if (target) {
		if (node.kind === "file" && target.kind === "dir") throw fsError("EISDIR", "rename", from, to);
		if (node.kind === "dir" && target.kind === "file") throw fsError("ENOTDIR", "rename", from, to);
		if (target.kind === "dir" && childNames(to).length > 0) throw fsError("ENOTEMPTY", "rename", from, to);
		nodes.delete(to);
	}
	notify(from, "rename");
	for (const p of subtree(from).reverse()) {
		const moved = nodes.get(p);
		nodes.delete(p);
		if (moved) nodes.set(to + p.slice(from.length), moved);
	}
	node.ctimeMs = now();
	touchParent(from);
	touchParent(to);
	notify(to, "rename");
}

/** Copies a file's bytes, replacing an existing destination (Node's copyFile without COPYFILE_EXCL). */
export function copyPath(from: string, to: string): void {
	const data = readBytes(from);
	if (nodes.get(to)?.kind === "dir") throw fsError("EISDIR", "copyfile", from, to);
	writeBytes(to, Uint8Array.from(data), false);
}

// ---------------------------------------------------------------------------------------------
// File handles (writing only: what NodeFsStore and the temp-folder shredder do)

export class FileHandle {
	private closed = false;
	private position = 0;

	constructor(
		private readonly path: string,
		private readonly node: FsNode,
		private readonly append: boolean,
	) {}

	private file(syscall: string): FileNode {
		if (this.closed) throw fsError("EBADF", syscall, this.path);
		if (this.node.kind !== "file") throw fsError("EISDIR", syscall, this.path);
		return this.node;
	}

	async writeFile(data: string | Uint8Array): Promise<void> {
		const bytes = toBytes(data);
		writeInto(this.path, this.file("write"), bytes, this.append ? null : this.position);
		this.position += bytes.length;
	}

	async write(
		buffer: Uint8Array,
		offset = 0,
		length = buffer.length - offset,
		position: number | null = null,
	): Promise<{ bytesWritten: number; buffer: Uint8Array }> {
		const bytes = Uint8Array.from(buffer.subarray(offset, offset + length));
		const at = this.append ? null : (position ?? this.position);
		writeInto(this.path, this.file("write"), bytes, at);
		if (position === null && !this.append) this.position += bytes.length;
		return { bytesWritten: bytes.length, buffer };
	}

	/** pread(2): up to `length` bytes from `position` into `buffer` at `offset`; 0 at the end of the file. */
	async read(
		buffer: Uint8Array,
		offset = 0,
		length = buffer.length - offset,
		position: number | null = null,
	): Promise<{ bytesRead: number; buffer: Uint8Array }> {
		const data = this.file("read").data;
		const from = position ?? this.position;
		const chunk = data.subarray(from, Math.min(data.length, from + length));
		buffer.set(chunk, offset);
		if (position === null) this.position += chunk.length;
		return { bytesRead: chunk.length, buffer };
	}

	/** The data is already "on disk": nothing to flush, but a closed handle is refused like Node. */
	async sync(): Promise<void> {
		if (this.closed) throw fsError("EBADF", "fsync", this.path);
	}

	async close(): Promise<void> {
		this.closed = true;
	}
}

/** open(2) for the flags the plugin uses: "r" and "r+" (must exist), "w" (truncate), "a" (append). */
export function openFile(path: string, flags: string): FileHandle {
	switch (flags) {
		case "r":
		case "r+": {
			const node = lookup(path, "open");
			if (flags === "r+" && node.kind === "dir") throw fsError("EISDIR", "open", path);
			return new FileHandle(path, node, false);
		}
		case "w":
			return new FileHandle(path, fileForWrite(path, true, "open"), false);
		case "a":
			return new FileHandle(path, fileForWrite(path, false, "open"), true);
		default:
			throw new Error(`fs shim: open flags "${flags}" are not supported in the browser test page`);
	}
}

// ---------------------------------------------------------------------------------------------
// What stat and readdir return

/** What fs.Stats answers, for the fields the stub and plugin read. */
export class Stats {
	readonly size: number;
	readonly mtimeMs: number;
	readonly ctimeMs: number;
	readonly birthtimeMs: number;
	readonly atimeMs: number;
	readonly mode: number;
	readonly uid = 1000;
	readonly gid = 1000;

	constructor(private readonly node: FsNode) {
		this.size = node.kind === "file" ? node.data.length : 4096;
		this.mtimeMs = node.mtimeMs;
		this.ctimeMs = node.ctimeMs;
		this.birthtimeMs = node.ctimeMs;
		this.atimeMs = node.mtimeMs;
		this.mode = node.kind === "file" ? 0o100600 : 0o40700;
	}

	get mtime(): Date {
		return new Date(this.mtimeMs);
	}

	get ctime(): Date {
		return new Date(this.ctimeMs);
	}

	isFile(): boolean {
		return this.node.kind === "file";
	}

	isDirectory(): boolean {
		return this.node.kind === "dir";
	}

	isSymbolicLink(): boolean {
		return false;
	}
}

export class Dirent {
	constructor(
		readonly name: string,
		readonly parentPath: string,
		private readonly kind: FsNode["kind"],
	) {}

	isFile(): boolean {
		return this.kind === "file";
	}

	isDirectory(): boolean {
		return this.kind === "dir";
	}

	isSymbolicLink(): boolean {
		return false;
	}
}

export function listDir(path: string, withFileTypes: boolean): string[] | Dirent[] {
	const node = lookup(path, "scandir");
	if (node.kind !== "dir") throw fsError("ENOTDIR", "scandir", path);
	const names = childNames(path);
	if (!withFileTypes) return names;
	return names.map((name) => new Dirent(name, path, nodes.get(path === "/" ? `/${name}` : `${path}/${name}`)?.kind ?? "file"));
}

export function encodingFrom(options: unknown): string | undefined {
	if (typeof options === "string") return options;
	const encoding = (options as { encoding?: unknown } | null | undefined)?.encoding;
	return typeof encoding === "string" ? encoding : undefined;
}

export function withFileTypes(options: unknown): boolean {
	return (options as { withFileTypes?: unknown } | null | undefined)?.withFileTypes === true;
}

/** Reads back what a real disk would show: decoded as text or a Buffer copy. */
export function contents(path: string, encoding: string | undefined): string | Buffer {
	const data = readBytes(path);
	return encoding === undefined ? Buffer.from(data) : Buffer.from(data).toString(encoding);
}

export function uniqueTempName(prefix: string): string {
	const chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	for (;;) {
		const random = Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => chars[b % chars.length]).join("");
		const path = full(`${prefix}${random}`);
		if (!nodes.has(path)) return path;
	}
}

/** Test hook (not Node's API): every file on the page's disk with its bytes, for privacy checks. */
export function diskFiles(): { path: string; data: Uint8Array }[] {
	const out: { path: string; data: Uint8Array }[] = [];
	for (const [path, node] of nodes) if (node.kind === "file") out.push({ path, data: node.data });
	return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}
