/**
 * A small but faithful stand-in for the `obsidian` module, backed by a REAL folder on disk.
 * Aliased as `obsidian` in vitest.config.ts; the built main.js gets it through require (see
 * obsidian-require.ts). It implements the parts of the API Clinical Vault uses, with Obsidian's
 * observable behaviour where it matters for safety:
 *  - the adapter's rename refuses an existing destination, write/append need the parent folder,
 *    remove deletes permanently, trash moves files into the vault's .trash folder;
 *  - the vault does not index dot files or the config folder; it learns of changes made on disk by
 *    anything else (Node's fs, another program) through a watcher, reconciled by stat the way
 *    Obsidian does (the assumptions are at the Vault class; App#close stops it);
 *  - a FileView whose file is deleted closes its leaf (or empties, when it allows no file);
 *  - leaves open files in the view registered for their extension; closing a FileView calls
 *    onUnloadFile then onClose; unregistering a view type closes its views;
 *  - Component.unload unloads children, runs registered cleanups, then calls onunload;
 *  - a suggest modal closes before it calls onChooseSuggestion.
 * Test hooks (modals, notices, commands, quit) live in obsidian-harness.ts.
 */
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as nodePath from "node:path";
import * as nodeTimers from "node:timers";
import { ensureDom } from "./obsidian-dom";

/** The DOM everything here renders into (see obsidian-dom.ts). */
export const dom = ensureDom();

// ---------------------------------------------------------------------------------------------
// Paths, platform, icons

export function normalizePath(path: string): string {
	let p = path.replace(/[\\/]+/g, "/").replace(/^\/+|\/+$/g, "");
	if (p === "") p = "/";
	return p.replace(/\u00A0|\u202F/g, " ").normalize("NFC");
}

export const Platform = {
	isDesktop: true,
	isMobile: false,
	isDesktopApp: true,
	isMobileApp: false,
	isIosApp: false,
	isAndroidApp: false,
	isPhone: false,
	isTablet: false,
	isMacOS: process.platform === "darwin",
	isWin: process.platform === "win32",
	isLinux: process.platform === "linux",
	isSafari: false,
	resourcePathPrefix: "app://local/",
};

/** Obsidian draws a Lucide SVG; the stub leaves a marker with the same classes. */
export function setIcon(parent: HTMLElement, iconId: string): void {
	parent.empty();
	parent.createSpan({ cls: ["svg-icon", `lucide-${iconId}`] });
}

export function requireApiVersion(version: string): boolean {
	return version <= "1.8.7";
}

// ---------------------------------------------------------------------------------------------
// Events and components

export interface EventRef {
	e: Events;
	name: string;
	fn: (...data: unknown[]) => unknown;
	ctx?: unknown;
}

export class Events {
	private readonly handlers = new Map<string, EventRef[]>();

	on(name: string, callback: (...data: never[]) => unknown, ctx?: unknown): EventRef {
		const ref: EventRef = { e: this, name, fn: callback as (...data: unknown[]) => unknown, ctx };
		this.handlers.set(name, [...(this.handlers.get(name) ?? []), ref]);
		return ref;
	}

	off(name: string, callback: (...data: never[]) => unknown): void {
		this.handlers.set(
			name,
			(this.handlers.get(name) ?? []).filter((ref) => ref.fn !== callback),
		);
	}

	offref(ref: EventRef): void {
		this.handlers.set(
			ref.name,
			(this.handlers.get(ref.name) ?? []).filter((r) => r !== ref),
		);
	}

	trigger(name: string, ...data: unknown[]): void {
		for (const ref of [...(this.handlers.get(name) ?? [])]) this.tryTrigger(ref, data);
	}

	tryTrigger(ref: EventRef, args: unknown[]): void {
		ref.fn.apply(ref.ctx, args);
	}
}

export class Component {
	private loaded = false;
	/** The promise of the last (possibly async) onload; the harness awaits it. */
	loading: Promise<void> = Promise.resolve();
	private readonly children: Component[] = [];
	private readonly cleanups: (() => unknown)[] = [];

	get isLoaded(): boolean {
		return this.loaded;
	}

	load(): void {
		if (this.loaded) return;
		this.loaded = true;
		this.loading = Promise.resolve(this.onload());
		for (const child of [...this.children]) child.load();
	}

	onload(): void | Promise<void> {}

	unload(): void {
		if (!this.loaded) return;
		this.loaded = false;
		while (this.children.length > 0) this.children.pop()?.unload();
		while (this.cleanups.length > 0) this.cleanups.pop()?.();
		this.onunload();
	}

	onunload(): void {}

	addChild<T extends Component>(component: T): T {
		this.children.push(component);
		if (this.loaded) component.load();
		return component;
	}

	removeChild<T extends Component>(component: T): T {
		const index = this.children.indexOf(component);
		if (index !== -1) {
			this.children.splice(index, 1);
			component.unload();
		}
		return component;
	}

	register(cb: () => unknown): void {
		this.cleanups.push(cb);
	}

	registerEvent(ref: EventRef): void {
		this.register(() => ref.e.offref(ref));
	}

	registerDomEvent(el: Window | Document | HTMLElement, type: string, callback: (ev: Event) => unknown, options?: boolean | AddEventListenerOptions): void {
		el.addEventListener(type, callback, options);
		this.register(() => el.removeEventListener(type, callback, options));
	}

	registerInterval(id: number): number {
		this.register(() => dom.window.clearInterval(id));
		return id;
	}
}

// ---------------------------------------------------------------------------------------------
// Files

export interface FileStats {
	ctime: number;
	mtime: number;
	size: number;
}

export abstract class TAbstractFile {
	vault!: Vault;
	path = "";
	name = "";
	parent: TFolder | null = null;
}

export class TFile extends TAbstractFile {
	stat: FileStats = { ctime: 0, mtime: 0, size: 0 };
	basename = "";
	extension = "";
}

export class TFolder extends TAbstractFile {
	children: TAbstractFile[] = [];
	isRoot(): boolean {
		return this.path === "/";
	}
}

function ioError(code: string, message: string): Error {
	const error = new Error(`${code}: ${message}`) as Error & { code: string };
	error.code = code;
	return error;
}

export interface ListedFiles {
	files: string[];
	folders: string[];
}

type AdapterChange = { kind: "create" | "modify" | "delete"; path: string } | { kind: "rename"; path: string; oldPath: string };

/**
 * Obsidian's desktop adapter over a real folder. Each change and its event happen in one step
 * (synchronous fs calls), so the vault's watcher always hears of the adapter's own changes after the
 * vault did, as in Obsidian, whose adapter updates the index itself.
 */
export class FileSystemAdapter {
	/** The vault's index, told of the adapter's own changes at once (changes made around the adapter reach it through its watcher). */
	onChange: (change: AdapterChange) => void = () => undefined;

	constructor(readonly basePath: string) {}

	getName(): string {
		return nodePath.basename(this.basePath);
	}

	getBasePath(): string {
		return this.basePath;
	}

	getFullPath(path: string): string {
		const p = normalizePath(path);
		const full = p === "/" ? nodePath.resolve(this.basePath) : nodePath.resolve(this.basePath, p);
		const base = nodePath.resolve(this.basePath);
		if (full !== base && !full.startsWith(base + nodePath.sep)) throw new Error(`Path escapes the vault: ${path}`);
		return full;
	}

	private async requireParent(path: string): Promise<void> {
		const parent = nodePath.dirname(this.getFullPath(path));
		const stat = await fsp.stat(parent).catch(() => null);
		if (!stat?.isDirectory()) throw ioError("ENOENT", `no such file or directory, open '${this.getFullPath(path)}'`);
	}

	async exists(normalizedPath: string): Promise<boolean> {
		return fsp.access(this.getFullPath(normalizedPath)).then(
			() => true,
			() => false,
		);
	}

	async stat(normalizedPath: string): Promise<{ type: "file" | "folder"; ctime: number; mtime: number; size: number } | null> {
		const stat = await fsp.stat(this.getFullPath(normalizedPath)).catch(() => null);
		if (!stat) return null;
		return { type: stat.isDirectory() ? "folder" : "file", ctime: stat.ctimeMs, mtime: stat.mtimeMs, size: stat.size };
	}

	async list(normalizedPath: string): Promise<ListedFiles> {
		const folder = normalizePath(normalizedPath);
		const entries = await fsp.readdir(this.getFullPath(folder), { withFileTypes: true });
		const prefix = folder === "/" ? "" : `${folder}/`;
		const out: ListedFiles = { files: [], folders: [] };
		for (const entry of entries) {
			if (entry.isDirectory()) out.folders.push(prefix + entry.name);
			else if (entry.isFile()) out.files.push(prefix + entry.name);
		}
		return out;
	}

	async read(normalizedPath: string): Promise<string> {
		return fsp.readFile(this.getFullPath(normalizedPath), "utf8");
	}

	async readBinary(normalizedPath: string): Promise<ArrayBuffer> {
		const data = await fsp.readFile(this.getFullPath(normalizedPath));
		const out = new ArrayBuffer(data.byteLength);
		new Uint8Array(out).set(data);
		return out;
	}

	private async writeData(normalizedPath: string, data: string | Uint8Array): Promise<void> {
		await this.requireParent(normalizedPath);
		const existed = await this.exists(normalizedPath);
		fs.writeFileSync(this.getFullPath(normalizedPath), data);
		this.onChange({ kind: existed ? "modify" : "create", path: normalizePath(normalizedPath) });
	}

	async write(normalizedPath: string, data: string): Promise<void> {
		await this.writeData(normalizedPath, data);
	}

	async writeBinary(normalizedPath: string, data: ArrayBuffer): Promise<void> {
		if (!(data instanceof ArrayBuffer)) throw new TypeError("writeBinary expects an ArrayBuffer");
		await this.writeData(normalizedPath, new Uint8Array(data));
	}

	async append(normalizedPath: string, data: string): Promise<void> {
		await this.requireParent(normalizedPath);
		const existed = await this.exists(normalizedPath);
		fs.appendFileSync(this.getFullPath(normalizedPath), data, "utf8");
		this.onChange({ kind: existed ? "modify" : "create", path: normalizePath(normalizedPath) });
	}

	async process(normalizedPath: string, fn: (data: string) => string): Promise<string> {
		const next = fn(await this.read(normalizedPath));
		await this.write(normalizedPath, next);
		return next;
	}

	getResourcePath(normalizedPath: string): string {
		return `${Platform.resourcePathPrefix}${this.getFullPath(normalizedPath)}`;
	}

	async mkdir(normalizedPath: string): Promise<void> {
		const existed = await this.exists(normalizedPath);
		fs.mkdirSync(this.getFullPath(normalizedPath), { recursive: true });
		if (!existed) this.onChange({ kind: "create", path: normalizePath(normalizedPath) });
	}

	/** The system trash is outside the vault; the stub has none (Obsidian then uses .trash). */
	async trashSystem(normalizedPath: string): Promise<boolean> {
		void normalizedPath;
		return false;
	}

	/** Moves a file into the vault's .trash folder, as Obsidian does. */
	async trashLocal(normalizedPath: string): Promise<void> {
		const path = normalizePath(normalizedPath);
		await fsp.mkdir(this.getFullPath(".trash"), { recursive: true });
		let target = `.trash/${nodePath.posix.basename(path)}`;
		for (let n = 2; await this.exists(target); n++) target = `.trash/${n}-${nodePath.posix.basename(path)}`;
		fs.renameSync(this.getFullPath(path), this.getFullPath(target));
		this.onChange({ kind: "delete", path });
	}

	async rmdir(normalizedPath: string, recursive: boolean): Promise<void> {
		fs.rmSync(this.getFullPath(normalizedPath), { recursive, force: false });
		this.onChange({ kind: "delete", path: normalizePath(normalizedPath) });
	}

	/** Deletes a file permanently; a missing file is an error, as with fs.unlink. */
	async remove(normalizedPath: string): Promise<void> {
		fs.unlinkSync(this.getFullPath(normalizedPath));
		this.onChange({ kind: "delete", path: normalizePath(normalizedPath) });
	}

	/** Refuses an existing destination, like Obsidian's adapter. */
	async rename(normalizedPath: string, normalizedNewPath: string): Promise<void> {
		if (await this.exists(normalizedNewPath)) throw new Error("Destination file already exists!");
		await fsp.mkdir(nodePath.dirname(this.getFullPath(normalizedNewPath)), { recursive: true });
		fs.renameSync(this.getFullPath(normalizedPath), this.getFullPath(normalizedNewPath));
		this.onChange({ kind: "rename", path: normalizePath(normalizedNewPath), oldPath: normalizePath(normalizedPath) });
	}

	async copy(normalizedPath: string, normalizedNewPath: string): Promise<void> {
		if (await this.exists(normalizedNewPath)) throw new Error("Destination file already exists!");
		fs.copyFileSync(this.getFullPath(normalizedPath), this.getFullPath(normalizedNewPath));
		this.onChange({ kind: "create", path: normalizePath(normalizedNewPath) });
	}
}

/**
 * The same adapter without a folder on disk: no getBasePath/getFullPath and not a
 * FileSystemAdapter, like Obsidian's mobile adapter. Plugins fall back to the adapter's own methods.
 */
export function adapterWithoutBasePath(adapter: FileSystemAdapter): Omit<FileSystemAdapter, "basePath" | "getBasePath" | "getFullPath" | "onChange"> {
	return {
		getName: () => adapter.getName(),
		exists: (path) => adapter.exists(path),
		stat: (path) => adapter.stat(path),
		list: (path) => adapter.list(path),
		read: (path) => adapter.read(path),
		readBinary: (path) => adapter.readBinary(path),
		write: (path, data) => adapter.write(path, data),
		writeBinary: (path, data) => adapter.writeBinary(path, data),
		append: (path, data) => adapter.append(path, data),
		process: (path, fn) => adapter.process(path, fn),
		getResourcePath: (path) => adapter.getResourcePath(path),
		mkdir: (path) => adapter.mkdir(path),
		trashSystem: (path) => adapter.trashSystem(path),
		trashLocal: (path) => adapter.trashLocal(path),
		rmdir: (path, recursive) => adapter.rmdir(path, recursive),
		remove: (path) => adapter.remove(path),
		rename: (path, newPath) => adapter.rename(path, newPath),
		copy: (path, newPath) => adapter.copy(path, newPath),
	};
}

/** What the vault's index last saw of a path (the watcher compares the disk with it). */
type Seen = { folder: true } | { folder: false; mtime: number; size: number };

function statOrNull(full: string): fs.Stats | null {
	try {
		return fs.statSync(full);
	} catch {
		return null;
	}
}

/**
 * The vault: an index over the adapter's folder that skips dot files and the config folder. It
 * learns of changes in two ways, as Obsidian's does: the adapter's own changes at once, and a
 * watcher on the folder for changes made on disk by anything else (Node's fs included).
 *
 * The watcher, emulated. ASSUMPTIONS about Obsidian's (its source is not public; this is its
 * observable behaviour on desktop):
 *  - a watcher event only names a path, which Obsidian reconciles by stat against what its index
 *    last saw: it exists and is known -> "modify" when its mtime or size changed (nothing
 *    otherwise; folders never "modify"); it exists and is unknown -> "create" (a new folder is
 *    watched and its content reconciled too); it is missing and known -> "delete" (what the index
 *    knew inside a folder first, deepest first);
 *  - a path with a dot-prefixed segment (".NAME.cvtmp", ".trash", the config folder) is never
 *    indexed: changes to it emit nothing. So a hidden file renamed onto a note is that note's
 *    "modify" ("create" if it was not there), and a note renamed to a hidden name is its "delete";
 *  - the adapter's own changes update the index at once (the events below), so the watcher's
 *    later event for the same change finds the stat the index already saw and emits nothing;
 *  - watcher events come after the change, asynchronously: `watcherIdle()` (a test hook) waits
 *    until the watcher has handled every change made on disk before the call.
 * Node 20's recursive fs.watch on Linux watches each file by inode and goes silent for a file
 * replaced by a rename (exactly an atomic save), so the stub watches each folder, as chokidar does.
 */
export class Vault extends Events {
	readonly adapter: FileSystemAdapter;
	readonly configDir: string;
	private readonly index = new Map<string, TAbstractFile>();
	private readonly root: TFolder;
	private readonly seen = new Map<string, Seen>();
	private readonly watchers = new Map<string, fs.FSWatcher>();
	private readonly barriers = new Map<string, () => void>();
	private barrierCount = 0;
	private closed = false;

	constructor(adapter: FileSystemAdapter, configDir: string) {
		super();
		this.adapter = adapter;
		this.configDir = configDir;
		this.root = new TFolder();
		this.root.vault = this;
		this.root.path = "/";
		this.root.name = "";
		adapter.onChange = (change) => this.changed(change);
		// Obsidian loads the whole vault at start and watches it from then on.
		this.watchFolder("/");
		this.learn("/");
	}

	getName(): string {
		return this.adapter.getName();
	}

	private indexed(path: string): boolean {
		return path !== "/" && !path.split("/").some((segment) => segment.startsWith("."));
	}

	/**
	 * The file object for a path as it is on disk now (the same object for the same path until a
	 * "delete" event drops it, so the event carries the object views hold).
	 */
	private lookup(path: string): TAbstractFile | null {
		const p = normalizePath(path);
		if (p === "/") return this.root;
		if (!this.indexed(p)) return null;
		const stat = statOrNull(this.adapter.getFullPath(p));
		if (!stat) return null;
		const known = this.index.get(p);
		if (stat.isDirectory()) {
			if (known instanceof TFolder) return known;
			const folder = new TFolder();
			this.fill(folder, p);
			this.index.set(p, folder);
			return folder;
		}
		const file = known instanceof TFile ? known : new TFile();
		this.fill(file, p);
		const dot = file.name.lastIndexOf(".");
		file.extension = dot > 0 ? file.name.slice(dot + 1) : "";
		file.basename = dot > 0 ? file.name.slice(0, dot) : file.name;
		file.stat = { ctime: stat.ctimeMs, mtime: stat.mtimeMs, size: stat.size };
		this.index.set(p, file);
		return file;
	}

	private fill(file: TAbstractFile, path: string): void {
		file.vault = this;
		file.path = path;
		file.name = nodePath.posix.basename(path);
		const parent = nodePath.posix.dirname(path);
		const parentFile = parent === "." ? this.root : (this.index.get(parent) ?? this.lookup(parent));
		file.parent = parentFile instanceof TFolder ? parentFile : null;
	}

	/** The adapter's own changes, seen at once. */
	private changed(change: AdapterChange): void {
		if (change.kind === "rename") {
			const from = normalizePath(change.oldPath);
			const to = normalizePath(change.path);
			if (!this.indexed(from)) {
				if (this.indexed(to)) this.reconcile(to);
				return;
			}
			if (!this.indexed(to)) {
				this.removed(from);
				return;
			}
			const old = this.index.get(from);
			this.index.delete(from);
			if (old) this.index.set(to, old);
			this.moveSeen(from, to);
			const file = this.lookup(to);
			if (file) this.trigger("rename", file, from);
			return;
		}
		const path = normalizePath(change.path);
		if (change.kind === "delete") {
			this.removed(path);
			return;
		}
		if (!this.indexed(path)) return;
		this.see(path);
		const file = this.lookup(path);
		if (file) this.trigger(change.kind, file);
	}

	/** Records what is on disk at a path now as what the index saw; a folder is watched. */
	private see(path: string): Seen | null {
		const stat = statOrNull(this.adapter.getFullPath(path));
		if (!stat) return null;
		const seen: Seen = stat.isDirectory() ? { folder: true } : { folder: false, mtime: stat.mtimeMs, size: stat.size };
		this.seen.set(path, seen);
		if (seen.folder) this.watchFolder(path);
		return seen;
	}

	/** Indexes what is inside a folder without events (the vault's first load). */
	private learn(folder: string): void {
		let entries: fs.Dirent[];
		try {
			entries = fs.readdirSync(this.adapter.getFullPath(folder), { withFileTypes: true });
		} catch {
			return;
		}
		for (const entry of entries) {
			const path = folder === "/" ? entry.name : `${folder}/${entry.name}`;
			if (!this.indexed(path)) continue;
			if (this.see(path)?.folder) this.learn(path);
		}
	}

	/** Reconciles one path with the disk, as Obsidian does for each watcher event. */
	private reconcile(path: string): void {
		if (this.closed || !this.indexed(path)) return;
		const stat = statOrNull(this.adapter.getFullPath(path));
		const seen = this.seen.get(path);
		if (!stat) {
			this.removed(path);
			return;
		}
		if (stat.isDirectory()) {
			if (seen?.folder) return;
			if (seen) this.removed(path);
			this.see(path);
			this.emit("create", path);
			// What was created inside before the folder was watched.
			this.rescan(path);
			return;
		}
		if (!stat.isFile()) return;
		if (seen && !seen.folder && seen.mtime === stat.mtimeMs && seen.size === stat.size) return;
		if (seen?.folder) this.removed(path);
		const kind = seen && !seen.folder ? "modify" : "create";
		this.seen.set(path, { folder: false, mtime: stat.mtimeMs, size: stat.size });
		this.emit(kind, path);
	}

	/** Reconciles a folder's content: what is on disk and what the index knew there. */
	private rescan(folder: string): void {
		const prefix = folder === "/" ? "" : `${folder}/`;
		const paths = new Set([...this.seen.keys()].filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes("/")));
		try {
			for (const name of fs.readdirSync(this.adapter.getFullPath(folder))) paths.add(prefix + name);
		} catch {
			// The folder is gone; what the index knew in it is reconciled as missing.
		}
		for (const path of [...paths].sort()) this.reconcile(path);
	}

	private emit(kind: "create" | "modify", path: string): void {
		const file = this.lookup(path);
		if (file) this.trigger(kind, file);
	}

	/** A path (and what the index knew inside it) is gone: "delete" for each, deepest first. */
	private removed(path: string): void {
		const inside = new Set([...this.seen.keys(), ...this.index.keys()].filter((p) => p.startsWith(`${path}/`)));
		for (const p of [...inside].sort((a, b) => b.length - a.length || (a < b ? 1 : -1)).concat(path)) {
			const seen = this.seen.get(p);
			const file = this.index.get(p) ?? (seen ? this.detachedFile(p, seen.folder) : null);
			this.seen.delete(p);
			this.index.delete(p);
			this.unwatch(p);
			if (file) this.trigger("delete", file);
		}
	}

	/** A file object for a path the index knew but no one looked up before it went. */
	private detachedFile(path: string, folder: boolean): TAbstractFile {
		const file = folder ? new TFolder() : new TFile();
		file.vault = this;
		file.path = path;
		file.name = nodePath.posix.basename(path);
		const parent = nodePath.posix.dirname(path);
		const parentFile = parent === "." ? this.root : this.index.get(parent);
		file.parent = parentFile instanceof TFolder ? parentFile : null;
		if (file instanceof TFile) {
			const dot = file.name.lastIndexOf(".");
			file.extension = dot > 0 ? file.name.slice(dot + 1) : "";
			file.basename = dot > 0 ? file.name.slice(0, dot) : file.name;
		}
		return file;
	}

	private moveSeen(from: string, to: string): void {
		for (const [p, seen] of [...this.seen]) {
			if (p !== from && !p.startsWith(`${from}/`)) continue;
			this.seen.delete(p);
			this.unwatch(p);
			this.seen.set(to + p.slice(from.length), seen);
		}
		if (this.seen.get(to)?.folder) {
			this.watchFolder(to);
			this.learn(to);
		}
	}

	private watchFolder(folder: string): void {
		if (this.closed || this.watchers.has(folder)) return;
		try {
			const watcher = fs.watch(this.adapter.getFullPath(folder), { persistent: false }, (_event, name) => this.onWatch(folder, name));
			this.watchers.set(folder, watcher);
			watcher.on("error", () => this.unwatch(folder));
		} catch {
			// The folder is already gone.
		}
	}

	private unwatch(folder: string): void {
		this.watchers.get(folder)?.close();
		this.watchers.delete(folder);
	}

	private onWatch(folder: string, name: string | null): void {
		if (this.closed) return;
		if (name === null) {
			this.rescan(folder);
			return;
		}
		const barrier = folder === "/" ? this.barriers.get(name) : undefined;
		if (barrier) {
			barrier();
			return;
		}
		this.reconcile(folder === "/" ? name : `${folder}/${name}`);
	}

	/**
	 * Test hook: resolves once the watcher has handled every change made on disk before the call. A
	 * hidden marker file is created in the vault's folder and waited for: the watcher's events come
	 * in order (one inotify queue on Linux), so every earlier change has been reconciled by then.
	 */
	async watcherIdle(timeoutMs = 5000): Promise<void> {
		if (this.closed) return;
		const name = `.stub-watcher-${process.pid}-${++this.barrierCount}`;
		const full = nodePath.join(this.adapter.getBasePath(), name);
		try {
			await new Promise<void>((resolve, reject) => {
				const timer = nodeTimers.setTimeout(() => {
					this.barriers.delete(name);
					reject(new Error(`the vault's watcher reported nothing within ${timeoutMs} ms`));
				}, timeoutMs);
				this.barriers.set(name, () => {
					nodeTimers.clearTimeout(timer);
					this.barriers.delete(name);
					resolve();
				});
				fs.writeFileSync(full, "");
			});
		} finally {
			fs.rmSync(full, { force: true });
		}
	}

	/** Stops watching (the app closing); pending watcherIdle() calls resolve. */
	close(): void {
		this.closed = true;
		for (const folder of [...this.watchers.keys()]) this.unwatch(folder);
		for (const release of [...this.barriers.values()]) release();
	}

	getAbstractFileByPath(path: string): TAbstractFile | null {
		return this.lookup(path);
	}

	getFileByPath(path: string): TFile | null {
		const file = this.lookup(path);
		return file instanceof TFile ? file : null;
	}

	getFolderByPath(path: string): TFolder | null {
		const file = this.lookup(path);
		return file instanceof TFolder ? file : null;
	}

	getRoot(): TFolder {
		return this.root;
	}

	private walk(folder: string, out: TAbstractFile[]): void {
		const full = this.adapter.getFullPath(folder);
		for (const entry of fs.readdirSync(full, { withFileTypes: true })) {
			const path = folder === "/" ? entry.name : `${folder}/${entry.name}`;
			if (!this.indexed(path)) continue;
			const file = this.lookup(path);
			if (!file) continue;
			out.push(file);
			if (file instanceof TFolder) this.walk(path, out);
		}
	}

	getAllLoadedFiles(): TAbstractFile[] {
		const out: TAbstractFile[] = [this.root];
		this.walk("/", out);
		return out;
	}

	getFiles(): TFile[] {
		return this.getAllLoadedFiles().filter((file): file is TFile => file instanceof TFile);
	}

	getMarkdownFiles(): TFile[] {
		return this.getFiles().filter((file) => file.extension === "md");
	}

	private async requireNew(path: string): Promise<string> {
		const p = normalizePath(path);
		if (await this.adapter.exists(p)) throw new Error("File already exists.");
		return p;
	}

	private fileAfterWrite(path: string): TFile {
		const file = this.getFileByPath(path);
		if (!file) throw new Error(`${path} was written but is not indexed`);
		return file;
	}

	async create(path: string, data: string): Promise<TFile> {
		const p = await this.requireNew(path);
		await this.adapter.write(p, data);
		return this.fileAfterWrite(p);
	}

	async createBinary(path: string, data: ArrayBuffer): Promise<TFile> {
		const p = await this.requireNew(path);
		await this.adapter.writeBinary(p, data);
		return this.fileAfterWrite(p);
	}

	async createFolder(path: string): Promise<TFolder> {
		const p = await this.requireNew(path);
		await this.adapter.mkdir(p);
		const folder = this.getFolderByPath(p);
		if (!folder) throw new Error(`${p} is not a folder`);
		return folder;
	}

	read(file: TFile): Promise<string> {
		return this.adapter.read(file.path);
	}

	cachedRead(file: TFile): Promise<string> {
		return this.adapter.read(file.path);
	}

	readBinary(file: TFile): Promise<ArrayBuffer> {
		return this.adapter.readBinary(file.path);
	}

	getResourcePath(file: TFile): string {
		return this.adapter.getResourcePath(file.path);
	}

	async modify(file: TFile, data: string): Promise<void> {
		await this.adapter.write(file.path, data);
	}

	async modifyBinary(file: TFile, data: ArrayBuffer): Promise<void> {
		await this.adapter.writeBinary(file.path, data);
	}

	async append(file: TFile, data: string): Promise<void> {
		await this.adapter.append(file.path, data);
	}

	process(file: TFile, fn: (data: string) => string): Promise<string> {
		return this.adapter.process(file.path, fn);
	}

	async delete(file: TAbstractFile, force?: boolean): Promise<void> {
		if (file instanceof TFolder) await this.adapter.rmdir(file.path, force ?? false);
		else await this.adapter.remove(file.path);
	}

	async trash(file: TAbstractFile, system: boolean): Promise<void> {
		if (system && (await this.adapter.trashSystem(file.path))) return;
		await this.adapter.trashLocal(file.path);
	}

	async rename(file: TAbstractFile, newPath: string): Promise<void> {
		await this.adapter.rename(file.path, normalizePath(newPath));
	}

	async copy<T extends TAbstractFile>(file: T, newPath: string): Promise<T> {
		await this.adapter.copy(file.path, normalizePath(newPath));
		return this.lookup(newPath) as T;
	}
}

// ---------------------------------------------------------------------------------------------
// Views, leaves, workspace

export interface ViewStateResult {
	history: boolean;
}

export interface ViewState {
	type: string;
	state?: Record<string, unknown>;
	active?: boolean;
}

export abstract class View extends Component {
	app: App;
	icon = "document";
	navigation = false;
	leaf: WorkspaceLeaf;
	containerEl: HTMLElement;
	scope: unknown = null;

	constructor(leaf: WorkspaceLeaf) {
		super();
		this.leaf = leaf;
		this.app = leaf.app;
		this.containerEl = dom.make("div", { cls: "workspace-leaf-content" });
	}

	async onOpen(): Promise<void> {}

	async onClose(): Promise<void> {}

	abstract getViewType(): string;

	getDisplayText(): string {
		return "";
	}

	getIcon(): string {
		return this.icon;
	}

	getState(): Record<string, unknown> {
		return {};
	}

	async setState(state: unknown, result: ViewStateResult): Promise<void> {
		void state;
		void result;
	}

	getEphemeralState(): Record<string, unknown> {
		return {};
	}

	setEphemeralState(state: unknown): void {
		void state;
	}

	onResize(): void {}
}

export abstract class ItemView extends View {
	contentEl: HTMLElement;
	protected readonly headerEl: HTMLElement;
	protected readonly actionsEl: HTMLElement;

	constructor(leaf: WorkspaceLeaf) {
		super(leaf);
		this.headerEl = this.containerEl.createDiv({ cls: "view-header" });
		this.actionsEl = this.headerEl.createDiv({ cls: "view-actions" });
		this.contentEl = this.containerEl.createDiv({ cls: "view-content" });
	}

	addAction(icon: string, title: string, callback: (evt: MouseEvent) => unknown): HTMLElement {
		const el = this.actionsEl.createEl("a", { cls: "clickable-icon view-action", attr: { "aria-label": title } });
		setIcon(el, icon);
		el.addEventListener("click", callback);
		return el;
	}
}

export abstract class FileView extends ItemView {
	allowNoFile = false;
	file: TFile | null = null;
	override navigation = true;

	override getDisplayText(): string {
		return this.file?.basename ?? "No file";
	}

	override getState(): Record<string, unknown> {
		return this.file ? { file: this.file.path } : {};
	}

	override async setState(state: unknown, result: ViewStateResult): Promise<void> {
		void result;
		const path = (state as { file?: unknown } | null)?.file;
		if (typeof path !== "string") return;
		const file = this.app.vault.getFileByPath(path);
		if (!file) throw new Error(`File not found: ${path}`);
		if (file === this.file) return;
		await this.unloadCurrentFile();
		this.file = file;
		await this.onLoadFile(file);
	}

	async unloadCurrentFile(): Promise<void> {
		const file = this.file;
		if (!file) return;
		await this.onUnloadFile(file);
		this.file = null;
	}

	async onLoadFile(file: TFile): Promise<void> {
		void file;
	}

	async onUnloadFile(file: TFile): Promise<void> {
		void file;
	}

	async onRename(file: TFile): Promise<void> {
		void file;
	}

	canAcceptExtension(extension: string): boolean {
		void extension;
		return false;
	}
}

/** "New tab": navigable, so the next file opened with getLeaf(false) replaces it (as in Obsidian). */
class EmptyView extends ItemView {
	override navigation = true;
	getViewType(): string {
		return "empty";
	}
}

/**
 * A view Obsidian has not loaded yet (1.7.2+): at start-up the restored tabs that are not shown
 * hold a DeferredView until the clinician reveals them (assumption from Obsidian's 1.7.2 notes and
 * its "deferred views" guide: getViewType() answers the saved type, `leaf.view instanceof
 * YourView` is false, `leaf.loadIfDeferred()` or revealing the leaf loads the real view).
 */
export class DeferredView extends View {
	constructor(
		leaf: WorkspaceLeaf,
		private readonly deferredType: string,
		readonly deferredState: Record<string, unknown>,
	) {
		super(leaf);
	}
	getViewType(): string {
		return this.deferredType;
	}
	override getState(): Record<string, unknown> {
		return this.deferredState;
	}
}

/** Obsidian's markdown view, reduced to holding the note's text like the real one does. */
export class MarkdownView extends FileView {
	data = "";
	getViewType(): string {
		return "markdown";
	}
	override canAcceptExtension(extension: string): boolean {
		return extension === "md";
	}
	override async onLoadFile(file: TFile): Promise<void> {
		this.data = await this.app.vault.read(file);
	}
	override async onUnloadFile(): Promise<void> {
		this.data = "";
	}
}

/** Closes a view the way Obsidian does: unload its file, onClose, unload the component. */
async function closeView(view: View): Promise<void> {
	if (view instanceof FileView) await view.unloadCurrentFile();
	await view.onClose();
	view.unload();
	view.containerEl.detach();
}

export type ViewCreator = (leaf: WorkspaceLeaf) => View;

export class ViewRegistry {
	readonly viewByType = new Map<string, ViewCreator>();
	readonly typeByExtension = new Map<string, string>();

	constructor(private readonly app: App) {
		this.viewByType.set("empty", (leaf) => new EmptyView(leaf));
		this.viewByType.set("markdown", (leaf) => new MarkdownView(leaf));
		this.typeByExtension.set("md", "markdown");
	}

	registerView(type: string, creator: ViewCreator): void {
		if (this.viewByType.has(type)) throw new Error(`Attempting to register an existing view type "${type}"`);
		this.viewByType.set(type, creator);
	}

	unregisterView(type: string): void {
		this.viewByType.delete(type);
		for (const leaf of this.app.workspace.getLeavesOfType(type)) leaf.replaceView(new EmptyView(leaf));
	}

	registerExtensions(extensions: string[], type: string): void {
		for (const ext of extensions) if (this.typeByExtension.has(ext)) throw new Error(`Attempting to register an existing file extension "${ext}"`);
		for (const ext of extensions) this.typeByExtension.set(ext, type);
	}

	unregisterExtensions(extensions: string[]): void {
		for (const ext of extensions) this.typeByExtension.delete(ext);
	}

	getTypeByExtension(extension: string): string | undefined {
		return this.typeByExtension.get(extension);
	}
}

export interface OpenViewState {
	state?: Record<string, unknown>;
	active?: boolean;
}

export class WorkspaceLeaf extends Events {
	readonly app: App;
	view: View;
	pinned = false;
	detached = false;
	readonly containerEl: HTMLElement;

	constructor(app: App) {
		super();
		this.app = app;
		this.containerEl = app.workspace.containerEl.createDiv({ cls: "workspace-leaf" });
		this.view = new EmptyView(this);
		this.containerEl.appendChild(this.view.containerEl);
		this.view.load();
	}

	/** Swaps the view (closing the old one in the background, tracked by the workspace). */
	replaceView(view: View): void {
		const old = this.view;
		this.view = view;
		this.containerEl.appendChild(view.containerEl);
		view.load();
		this.app.workspace.track(closeView(old));
	}

	async openFile(file: TFile, openState?: OpenViewState): Promise<void> {
		const type = this.app.viewRegistry.getTypeByExtension(file.extension) ?? "empty";
		await this.setViewState({ type, state: { ...(openState?.state ?? {}), file: file.path }, active: openState?.active ?? false });
	}

	async setViewState(viewState: ViewState): Promise<void> {
		const work = (async () => {
			if (this.view.getViewType() !== viewState.type) {
				const creator = this.app.viewRegistry.viewByType.get(viewState.type);
				if (!creator) throw new Error(`No view registered for type "${viewState.type}"`);
				const old = this.view;
				await closeView(old);
				const view = creator(this);
				this.view = view;
				this.containerEl.appendChild(view.containerEl);
				view.load();
				await view.onOpen();
			}
			await this.view.setState(viewState.state ?? {}, { history: false });
			if (viewState.active) this.app.workspace.setActiveLeaf(this);
		})();
		this.app.workspace.track(work);
		await work;
	}

	getViewState(): ViewState {
		return { type: this.view.getViewType(), state: this.view.getState() };
	}

	get isDeferred(): boolean {
		return this.view instanceof DeferredView;
	}

	/** Loads the real view of a deferred leaf (Obsidian does this when the tab is shown). */
	async loadIfDeferred(): Promise<void> {
		const view = this.view;
		if (!(view instanceof DeferredView)) return;
		const creator = this.app.viewRegistry.viewByType.get(view.getViewType());
		if (!creator) return;
		await closeView(view);
		const real = creator(this);
		this.view = real;
		this.containerEl.appendChild(real.containerEl);
		real.load();
		await real.onOpen();
		await real.setState(view.deferredState, { history: false });
	}

	async open(view: View): Promise<View> {
		await closeView(this.view);
		this.view = view;
		view.load();
		await view.onOpen();
		return view;
	}

	getDisplayText(): string {
		return this.view.getDisplayText();
	}

	setPinned(pinned: boolean): void {
		this.pinned = pinned;
	}

	togglePinned(): void {
		this.pinned = !this.pinned;
	}

	/** Removes the leaf; its view closes in the background (tracked by the workspace). */
	detach(): void {
		if (this.detached) return;
		this.detached = true;
		this.app.workspace.removeLeaf(this);
		this.containerEl.detach();
		this.app.workspace.track(closeView(this.view));
	}
}

export class Tasks {
	readonly promises: Promise<unknown>[] = [];
	add(callback: () => Promise<unknown>): void {
		this.promises.push(callback());
	}
	addPromise(promise: Promise<unknown>): void {
		this.promises.push(promise);
	}
}

export class Workspace extends Events {
	layoutReady = false;
	activeLeaf: WorkspaceLeaf | null = null;
	readonly containerEl: HTMLElement;
	private readonly leaves: WorkspaceLeaf[] = [];
	/** Leaves in the order they were last active (most recent last). */
	private recent: WorkspaceLeaf[] = [];
	private readonly readyCallbacks: (() => unknown)[] = [];
	private readonly pending = new Set<Promise<unknown>>();
	/** Errors thrown by background view work (closing views), for tests to assert on. */
	readonly backgroundErrors: unknown[] = [];

	constructor(private readonly app: App) {
		super();
		this.containerEl = dom.document.body.createDiv({ cls: "workspace" });
	}

	track(promise: Promise<unknown>): void {
		const tracked = promise.catch((error: unknown) => {
			this.backgroundErrors.push(error);
		});
		this.pending.add(tracked);
		void tracked.finally(() => this.pending.delete(tracked));
	}

	/** Waits for background view work (opening, closing) to finish. */
	async settle(): Promise<void> {
		while (this.pending.size > 0) await Promise.all([...this.pending]);
	}

	onLayoutReady(callback: () => unknown): void {
		if (this.layoutReady) callback();
		else this.readyCallbacks.push(callback);
	}

	/** Test hook: Obsidian finished loading the layout. */
	setLayoutReady(): void {
		this.layoutReady = true;
		for (const callback of this.readyCallbacks.splice(0)) callback();
		this.trigger("layout-ready");
	}

	private createLeaf(): WorkspaceLeaf {
		const leaf = new WorkspaceLeaf(this.app);
		this.leaves.push(leaf);
		return leaf;
	}

	/**
	 * As Obsidian documents getLeaf: "tab"/true, "split" and "window" give a new leaf; false gives an
	 * existing leaf that can be navigated (not pinned, and its view has `navigation`: a file view or
	 * a new tab, never a pane such as search or the brief), the most recently active first, else a
	 * new one. (Assumption: the stub lays every leaf out side by side; it has no tab groups.)
	 */
	getLeaf(newLeaf?: boolean | "tab" | "split" | "window"): WorkspaceLeaf {
		if (!newLeaf) {
			const navigable = (leaf: WorkspaceLeaf | null): leaf is WorkspaceLeaf => leaf !== null && !leaf.pinned && !leaf.detached && leaf.view.navigation;
			if (navigable(this.activeLeaf)) return this.activeLeaf;
			const recent = [...this.recent].reverse().find((leaf) => navigable(leaf) && this.leaves.includes(leaf));
			if (recent) return recent;
		}
		const leaf = this.createLeaf();
		this.activeLeaf = leaf;
		return leaf;
	}

	/**
	 * Test hook: Obsidian restoring a saved workspace at start-up. The active tab is loaded; the
	 * others are deferred (DeferredView) until revealed, as Obsidian does since 1.7.2.
	 */
	async restoreLayout(tabs: { type: string; state: Record<string, unknown> }[], active = 0): Promise<WorkspaceLeaf[]> {
		const leaves = tabs.map(() => this.createLeaf());
		tabs.forEach((tab, i) => {
			const leaf = leaves[i]!;
			const deferred = new DeferredView(leaf, tab.type, tab.state);
			leaf.replaceView(deferred);
		});
		const shown = leaves[active];
		if (shown) {
			this.setActiveLeaf(shown);
			await shown.loadIfDeferred();
		}
		return leaves;
	}

	getUnpinnedLeaf(): WorkspaceLeaf {
		return this.getLeaf(false);
	}

	removeLeaf(leaf: WorkspaceLeaf): void {
		const index = this.leaves.indexOf(leaf);
		if (index !== -1) this.leaves.splice(index, 1);
		if (this.activeLeaf === leaf) this.activeLeaf = this.leaves[this.leaves.length - 1] ?? null;
	}

	getLeavesOfType(viewType: string): WorkspaceLeaf[] {
		return this.leaves.filter((leaf) => leaf.view.getViewType() === viewType);
	}

	detachLeavesOfType(viewType: string): void {
		for (const leaf of this.getLeavesOfType(viewType)) leaf.detach();
	}

	iterateAllLeaves(callback: (leaf: WorkspaceLeaf) => unknown): void {
		for (const leaf of [...this.leaves]) callback(leaf);
	}

	get allLeaves(): WorkspaceLeaf[] {
		return [...this.leaves];
	}

	setActiveLeaf(leaf: WorkspaceLeaf): void {
		this.activeLeaf = leaf;
		this.recent = [...this.recent.filter((l) => l !== leaf), leaf];
		this.trigger("active-leaf-change", leaf);
	}

	/** Shows a leaf: a deferred one loads its view first (Obsidian, 1.7.2+). */
	async revealLeaf(leaf: WorkspaceLeaf): Promise<void> {
		this.setActiveLeaf(leaf);
		await leaf.loadIfDeferred();
	}

	/** Opens a link's target file (the part before "#" or "|"), as Obsidian resolves a full vault path. */
	async openLinkText(linktext: string, sourcePath: string, newLeaf?: boolean | "tab" | "split" | "window"): Promise<void> {
		void sourcePath;
		const path = linktext.split("|")[0]!.split("#")[0]!;
		const file = this.app.vault.getFileByPath(path);
		if (!file) throw new Error(`openLinkText: no file at ${path}`);
		await this.getLeaf(newLeaf).openFile(file);
	}

	getActiveFile(): TFile | null {
		const view = this.activeLeaf?.view;
		return view instanceof FileView ? view.file : null;
	}

	getActiveViewOfType<T extends View>(type: abstract new (...args: never[]) => T): T | null {
		const view = this.activeLeaf?.view;
		return view instanceof type ? view : null;
	}
}

// ---------------------------------------------------------------------------------------------
// Links and the metadata cache

export interface Loc {
	line: number;
	col: number;
	offset: number;
}

export interface ReferenceCache {
	link: string;
	original: string;
	displayText?: string;
	position: { start: Loc; end: Loc };
}

export interface CachedMetadata {
	links?: ReferenceCache[];
	embeds?: ReferenceCache[];
}

/** The link path of a link text: without the #heading or #^block part. */
export function getLinkpath(linktext: string): string {
	const hash = linktext.indexOf("#");
	return hash === -1 ? linktext : linktext.slice(0, hash);
}

export function parseLinktext(linktext: string): { path: string; subpath: string } {
	const path = getLinkpath(linktext);
	return { path, subpath: linktext.slice(path.length) };
}

function locAt(text: string, offset: number): Loc {
	const before = text.slice(0, offset);
	const line = before.split("\n").length - 1;
	return { line, col: offset - (before.lastIndexOf("\n") + 1), offset };
}

/**
 * Obsidian's metadata cache, reduced to links and embeds, parsed from the note on disk when asked
 * (Obsidian indexes in the background; the result is the same once indexed): [[wikilinks]],
 * ![[embeds]] with |aliases and #subpaths, and [text](markdown%20links) to vault files (decoded).
 */
export class MetadataCache extends Events {
	constructor(private readonly vault: Vault) {
		super();
	}

	getFileCache(file: TFile): CachedMetadata | null {
		if (file.extension !== "md") return null;
		let text: string;
		try {
			text = fs.readFileSync(this.vault.adapter.getFullPath(file.path), "utf8");
		} catch {
			return null;
		}
		const links: ReferenceCache[] = [];
		const embeds: ReferenceCache[] = [];
		const pattern = /(!?)\[\[([^\]|]+)(?:\|([^\]]*))?\]\]|(!?)\[([^\]]*)\]\(([^)\s]+)\)/g;
		for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
			const embed = (m[1] ?? m[4]) === "!";
			const wiki = m[2] !== undefined;
			const target = wiki ? (m[2] ?? "") : (m[6] ?? "");
			if (!wiki && /^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // external URL
			let link = target.trim();
			if (!wiki) {
				try {
					link = decodeURIComponent(link);
				} catch {
					// Left as written.
				}
			}
			const entry: ReferenceCache = {
				link,
				original: m[0],
				...(wiki ? (m[3] !== undefined ? { displayText: m[3] } : {}) : { displayText: m[5] ?? "" }),
				position: { start: locAt(text, m.index), end: locAt(text, m.index + m[0].length) },
			};
			(embed ? embeds : links).push(entry);
		}
		return { ...(links.length > 0 ? { links } : {}), ...(embeds.length > 0 ? { embeds } : {}) };
	}

	/**
	 * The file a link path points to from `sourcePath`: a vault path (with or without ".md"), a path
	 * relative to the source's folder, else the file with that name nearest the source.
	 */
	getFirstLinkpathDest(linkpath: string, sourcePath: string): TFile | null {
		const path = getLinkpath(linkpath).trim();
		if (path === "") return this.vault.getFileByPath(sourcePath);
		const folder = nodePath.posix.dirname(sourcePath);
		const candidates = [path, `${path}.md`];
		if (folder !== ".") candidates.push(nodePath.posix.join(folder, path), nodePath.posix.join(folder, `${path}.md`));
		for (const candidate of candidates) {
			const file = this.vault.getFileByPath(normalizePath(candidate));
			if (file) return file;
		}
		if (path.includes("/")) return null;
		const named = this.vault.getFiles().filter((file) => file.name === path || (file.extension === "md" && file.basename === path));
		named.sort((a, b) => Number(b.parent?.path === folder) - Number(a.parent?.path === folder) || a.path.length - b.path.length);
		return named[0] ?? null;
	}
}

// ---------------------------------------------------------------------------------------------
// Commands, settings registry, app

export interface Command {
	id: string;
	name: string;
	icon?: string;
	callback?: () => unknown;
	checkCallback?: (checking: boolean) => boolean | void;
	editorCallback?: (...args: unknown[]) => unknown;
	hotkeys?: unknown[];
}

export class CommandRegistry {
	readonly commands = new Map<string, Command>();

	addCommand(command: Command): void {
		this.commands.set(command.id, command);
	}

	removeCommand(id: string): void {
		this.commands.delete(id);
	}

	/** Like Obsidian's executeCommandById: false when missing or unavailable. */
	executeCommandById(id: string): boolean {
		const command = this.commands.get(id);
		if (!command) return false;
		if (command.checkCallback) {
			if (!command.checkCallback(true)) return false;
			command.checkCallback(false);
			return true;
		}
		if (command.callback) {
			void command.callback();
			return true;
		}
		return false;
	}
}

export abstract class SettingTab {
	app: App;
	containerEl: HTMLElement;

	constructor(app: App) {
		this.app = app;
		this.containerEl = dom.make("div", { cls: "vertical-tab-content" });
	}

	abstract display(): void;

	hide(): void {
		this.containerEl.empty();
	}
}

export abstract class PluginSettingTab extends SettingTab {
	plugin: Plugin;
	constructor(app: App, plugin: Plugin) {
		super(app);
		this.plugin = plugin;
	}
}

export class SettingRegistry {
	readonly pluginTabs: PluginSettingTab[] = [];
	addSettingTab(tab: PluginSettingTab): void {
		this.pluginTabs.push(tab);
	}
	removeSettingTab(tab: PluginSettingTab): void {
		const index = this.pluginTabs.indexOf(tab);
		if (index !== -1) this.pluginTabs.splice(index, 1);
	}
}

export class App {
	readonly vault: Vault;
	readonly workspace: Workspace;
	readonly metadataCache: MetadataCache;
	readonly viewRegistry: ViewRegistry;
	readonly commands = new CommandRegistry();
	readonly setting = new SettingRegistry();
	readonly statusBarEl: HTMLElement;
	readonly ribbonEl: HTMLElement;
	readonly fileManager: { trashFile: (file: TAbstractFile) => Promise<void> };
	lastEvent: unknown = null;
	/** What plugins put in localStorage (kept in memory; tests assert it holds nothing clinical). */
	readonly localStorage = new Map<string, unknown>();

	constructor(basePath: string, options: { configDir?: string } = {}) {
		this.vault = new Vault(new FileSystemAdapter(basePath), options.configDir ?? DEFAULT_CONFIG_DIR);
		this.workspace = new Workspace(this);
		this.viewRegistry = new ViewRegistry(this);
		this.metadataCache = new MetadataCache(this.vault);
		this.statusBarEl = dom.document.body.createDiv({ cls: "status-bar" });
		this.ribbonEl = dom.document.body.createDiv({ cls: "side-dock-ribbon" });
		this.fileManager = { trashFile: (file) => this.vault.adapter.trashLocal(file.path) };
		// Obsidian tells the views showing a renamed file.
		this.vault.on("rename", (file: TAbstractFile) => {
			for (const leaf of this.workspace.allLeaves) {
				const view = leaf.view;
				if (view instanceof FileView && view.file === file && file instanceof TFile) this.workspace.track(view.onRename(file));
			}
		});
		// A view whose file is deleted does not stay on it. ASSUMPTION (Obsidian's FileView, from its
		// behaviour): a view that allows no file is emptied (its file unloaded), any other view's
		// leaf is closed, whatever deleted the file (Obsidian, a sync, another program).
		this.vault.on("delete", (file: TAbstractFile) => {
			for (const leaf of this.workspace.allLeaves) {
				const view = leaf.view;
				if (!(view instanceof FileView) || view.file !== file) continue;
				if (view.allowNoFile) this.workspace.track(view.unloadCurrentFile());
				else leaf.detach();
			}
		});
	}

	/** Obsidian closing the vault: the vault's watcher stops (tests call it before removing the folder). */
	close(): void {
		this.vault.close();
	}

	loadLocalStorage(key: string): unknown {
		return this.localStorage.get(key) ?? null;
	}

	saveLocalStorage(key: string, data: unknown): void {
		if (data === null) this.localStorage.delete(key);
		else this.localStorage.set(key, data);
	}
}

/**
 * The stub's config folder. Deliberately not Obsidian's default name: the plugin must use
 * `vault.configDir`, never a hard-coded path.
 */
export const DEFAULT_CONFIG_DIR = ".vault-config";

// ---------------------------------------------------------------------------------------------
// Plugin

export interface PluginManifest {
	dir?: string;
	id: string;
	name: string;
	author: string;
	version: string;
	minAppVersion: string;
	description: string;
	isDesktopOnly?: boolean;
}

export abstract class Plugin extends Component {
	app: App;
	manifest: PluginManifest;

	constructor(app: App, manifest: PluginManifest) {
		super();
		this.app = app;
		this.manifest = manifest;
	}

	private get dataPath(): string {
		return `${this.manifest.dir ?? `${this.app.vault.configDir}/plugins/${this.manifest.id}`}/data.json`;
	}

	async loadData(): Promise<unknown> {
		if (!(await this.app.vault.adapter.exists(this.dataPath))) return null;
		return JSON.parse(await this.app.vault.adapter.read(this.dataPath)) as unknown;
	}

	async saveData(data: unknown): Promise<void> {
		await this.app.vault.adapter.mkdir(nodePath.posix.dirname(this.dataPath));
		await this.app.vault.adapter.write(this.dataPath, JSON.stringify(data, null, 2));
	}

	addRibbonIcon(icon: string, title: string, callback: (evt: MouseEvent) => unknown): HTMLElement {
		const el = this.app.ribbonEl.createDiv({ cls: "side-dock-ribbon-action clickable-icon", attr: { "aria-label": title } });
		setIcon(el, icon);
		el.addEventListener("click", callback);
		this.register(() => el.detach());
		return el;
	}

	addStatusBarItem(): HTMLElement {
		const el = this.app.statusBarEl.createDiv({ cls: "status-bar-item" });
		this.register(() => el.detach());
		return el;
	}

	addCommand(command: Command): Command {
		const full = { ...command, id: `${this.manifest.id}:${command.id}` };
		this.app.commands.addCommand(full);
		this.register(() => this.app.commands.removeCommand(full.id));
		return full;
	}

	removeCommand(commandId: string): void {
		this.app.commands.removeCommand(`${this.manifest.id}:${commandId}`);
	}

	addSettingTab(settingTab: PluginSettingTab): void {
		this.app.setting.addSettingTab(settingTab);
		this.register(() => this.app.setting.removeSettingTab(settingTab));
	}

	registerView(type: string, viewCreator: ViewCreator): void {
		this.app.viewRegistry.registerView(type, viewCreator);
		this.register(() => this.app.viewRegistry.unregisterView(type));
	}

	registerExtensions(extensions: string[], viewType: string): void {
		this.app.viewRegistry.registerExtensions(extensions, viewType);
		this.register(() => this.app.viewRegistry.unregisterExtensions(extensions));
	}

	onUserEnable(): void {}
}

// ---------------------------------------------------------------------------------------------
// Notices and modals

export interface RecordedNotice {
	message: string;
	duration?: number;
}

/** Every notice shown, in order (tests read and clear this). */
export const notices: RecordedNotice[] = [];

export class Notice {
	noticeEl: HTMLElement;
	containerEl: HTMLElement;
	messageEl: HTMLElement;

	constructor(message: string | DocumentFragment, duration?: number) {
		const text = typeof message === "string" ? message : (message.textContent ?? "");
		notices.push({ message: text, duration });
		this.containerEl = dom.make("div", { cls: "notice-container" });
		this.noticeEl = this.containerEl.createDiv({ cls: "notice" });
		this.messageEl = this.noticeEl.createDiv({ cls: "notice-message", text });
	}

	setMessage(message: string | DocumentFragment): this {
		this.messageEl.setText(message);
		return this;
	}

	hide(): void {
		this.containerEl.detach();
	}
}

/** Modals currently open, oldest first. */
export const openModals: Modal[] = [];

export class Modal {
	app: App;
	scope: unknown = null;
	containerEl: HTMLElement;
	modalEl: HTMLElement;
	titleEl: HTMLElement;
	contentEl: HTMLElement;
	shouldRestoreSelection = true;
	private isOpen = false;

	constructor(app: App) {
		this.app = app;
		this.containerEl = dom.make("div", { cls: "modal-container" });
		this.containerEl.createDiv({ cls: "modal-bg" });
		this.modalEl = this.containerEl.createDiv({ cls: "modal" });
		const close = this.modalEl.createDiv({ cls: "modal-close-button" });
		close.addEventListener("click", () => this.close());
		this.titleEl = this.modalEl.createDiv({ cls: "modal-title" });
		this.contentEl = this.modalEl.createDiv({ cls: "modal-content" });
		this.containerEl.addEventListener("keydown", (event) => {
			if (event.key === "Escape") this.close();
		});
	}

	get opened(): boolean {
		return this.isOpen;
	}

	open(): void {
		if (this.isOpen) return;
		this.isOpen = true;
		dom.document.body.appendChild(this.containerEl);
		openModals.push(this);
		this.onOpen();
	}

	close(): void {
		if (!this.isOpen) return;
		this.isOpen = false;
		const index = openModals.indexOf(this);
		if (index !== -1) openModals.splice(index, 1);
		this.containerEl.detach();
		this.onClose();
	}

	onOpen(): void {}

	onClose(): void {}

	setTitle(title: string): this {
		this.titleEl.setText(title);
		return this;
	}

	setContent(content: string | DocumentFragment): this {
		this.contentEl.setText(content);
		return this;
	}
}

export interface Instruction {
	command: string;
	purpose: string;
}

export abstract class SuggestModal<T> extends Modal {
	limit = 100;
	emptyStateText = "No results found.";
	inputEl: HTMLInputElement;
	resultContainerEl: HTMLElement;
	private shown: T[] = [];
	/** The latest rendering of suggestions (tests wait for it). */
	rendering: Promise<void> = Promise.resolve();

	constructor(app: App) {
		super(app);
		this.modalEl.addClass("prompt");
		const inputContainer = this.modalEl.createDiv({ cls: "prompt-input-container" });
		this.inputEl = inputContainer.createEl("input", { cls: "prompt-input", type: "text" });
		this.resultContainerEl = this.modalEl.createDiv({ cls: "prompt-results" });
		this.inputEl.addEventListener("input", () => {
			this.rendering = this.updateSuggestions();
		});
		this.inputEl.addEventListener("keydown", (event) => {
			if (event.key === "Enter") this.selectActiveSuggestion(event);
		});
	}

	setPlaceholder(placeholder: string): void {
		this.inputEl.placeholder = placeholder;
	}

	setInstructions(instructions: Instruction[]): void {
		void instructions;
	}

	override open(): void {
		super.open();
		this.rendering = this.updateSuggestions();
	}

	private async updateSuggestions(): Promise<void> {
		const items = await this.getSuggestions(this.inputEl.value);
		this.resultContainerEl.empty();
		this.shown = items.slice(0, this.limit);
		if (this.shown.length === 0) this.onNoSuggestion();
		for (const item of this.shown) {
			const el = this.resultContainerEl.createDiv({ cls: "suggestion-item" });
			this.renderSuggestion(item, el);
			el.addEventListener("click", (event) => this.selectSuggestion(item, event));
		}
	}

	onNoSuggestion(): void {
		this.resultContainerEl.createDiv({ cls: "suggestion-empty", text: this.emptyStateText });
	}

	/** Obsidian closes the modal first, then reports the choice. */
	selectSuggestion(value: T, evt: MouseEvent | KeyboardEvent): void {
		this.close();
		this.onChooseSuggestion(value, evt);
	}

	selectActiveSuggestion(evt: MouseEvent | KeyboardEvent): void {
		const first = this.shown[0];
		if (first !== undefined) this.selectSuggestion(first, evt);
	}

	abstract getSuggestions(query: string): T[] | Promise<T[]>;
	abstract renderSuggestion(value: T, el: HTMLElement): void;
	abstract onChooseSuggestion(item: T, evt: MouseEvent | KeyboardEvent): void;
}

export interface FuzzyMatch<T> {
	item: T;
	match: { score: number; matches: [number, number][] };
}

export abstract class FuzzySuggestModal<T> extends SuggestModal<FuzzyMatch<T>> {
	getSuggestions(query: string): FuzzyMatch<T>[] {
		const q = query.toLowerCase().trim();
		return this.getItems()
			.filter((item) => this.getItemText(item).toLowerCase().includes(q))
			.map((item) => ({ item, match: { score: 0, matches: [] } }));
	}

	renderSuggestion(item: FuzzyMatch<T>, el: HTMLElement): void {
		el.setText(this.getItemText(item.item));
	}

	onChooseSuggestion(item: FuzzyMatch<T>, evt: MouseEvent | KeyboardEvent): void {
		this.onChooseItem(item.item, evt);
	}

	abstract getItems(): T[];
	abstract getItemText(item: T): string;
	abstract onChooseItem(item: T, evt: MouseEvent | KeyboardEvent): void;
}

// ---------------------------------------------------------------------------------------------
// Setting and its components

export abstract class BaseComponent {
	disabled = false;
	then(cb: (component: this) => unknown): this {
		cb(this);
		return this;
	}
	setDisabled(disabled: boolean): this {
		this.disabled = disabled;
		return this;
	}
}

export abstract class ValueComponent<T> extends BaseComponent {
	abstract getValue(): T;
	abstract setValue(value: T): this;
}

export abstract class AbstractTextComponent<T extends HTMLInputElement | HTMLTextAreaElement> extends ValueComponent<string> {
	inputEl: T;
	constructor(inputEl: T) {
		super();
		this.inputEl = inputEl;
	}
	override setDisabled(disabled: boolean): this {
		super.setDisabled(disabled);
		this.inputEl.disabled = disabled;
		return this;
	}
	getValue(): string {
		return this.inputEl.value;
	}
	setValue(value: string): this {
		this.inputEl.value = value;
		return this;
	}
	setPlaceholder(placeholder: string): this {
		this.inputEl.placeholder = placeholder;
		return this;
	}
	onChanged(): void {}
	onChange(callback: (value: string) => unknown): this {
		this.inputEl.addEventListener("input", () => void callback(this.getValue()));
		return this;
	}
}

export class TextComponent extends AbstractTextComponent<HTMLInputElement> {
	constructor(containerEl: HTMLElement) {
		super(containerEl.createEl("input", { type: "text" }));
	}
}

export class TextAreaComponent extends AbstractTextComponent<HTMLTextAreaElement> {
	constructor(containerEl: HTMLElement) {
		super(containerEl.createEl("textarea"));
	}
}

export class ButtonComponent extends BaseComponent {
	buttonEl: HTMLButtonElement;
	constructor(containerEl: HTMLElement) {
		super();
		this.buttonEl = containerEl.createEl("button");
	}
	override setDisabled(disabled: boolean): this {
		super.setDisabled(disabled);
		this.buttonEl.disabled = disabled;
		return this;
	}
	setCta(): this {
		this.buttonEl.addClass("mod-cta");
		return this;
	}
	removeCta(): this {
		this.buttonEl.removeClass("mod-cta");
		return this;
	}
	setWarning(): this {
		this.buttonEl.addClass("mod-warning");
		return this;
	}
	setTooltip(tooltip: string): this {
		this.buttonEl.setAttr("aria-label", tooltip);
		return this;
	}
	setButtonText(name: string): this {
		this.buttonEl.setText(name);
		return this;
	}
	setIcon(icon: string): this {
		setIcon(this.buttonEl, icon);
		return this;
	}
	setClass(cls: string): this {
		this.buttonEl.addClass(cls);
		return this;
	}
	onClick(callback: (evt: MouseEvent) => unknown): this {
		this.buttonEl.addEventListener("click", (event) => void callback(event));
		return this;
	}
}

export class ExtraButtonComponent extends BaseComponent {
	extraSettingsEl: HTMLElement;
	constructor(containerEl: HTMLElement) {
		super();
		this.extraSettingsEl = containerEl.createDiv({ cls: "clickable-icon extra-setting-button" });
	}
	setIcon(icon: string): this {
		setIcon(this.extraSettingsEl, icon);
		return this;
	}
	setTooltip(tooltip: string): this {
		this.extraSettingsEl.setAttr("aria-label", tooltip);
		return this;
	}
	onClick(callback: () => unknown): this {
		this.extraSettingsEl.addEventListener("click", () => void callback());
		return this;
	}
}

export class ToggleComponent extends ValueComponent<boolean> {
	toggleEl: HTMLElement;
	private value = false;
	private changeCallback: ((value: boolean) => unknown) | null = null;
	constructor(containerEl: HTMLElement) {
		super();
		this.toggleEl = containerEl.createDiv({ cls: "checkbox-container" });
		this.toggleEl.createEl("input", { type: "checkbox" });
		this.toggleEl.addEventListener("click", () => {
			if (this.disabled) return;
			this.setValue(!this.value);
			void this.changeCallback?.(this.value);
		});
	}
	getValue(): boolean {
		return this.value;
	}
	setValue(on: boolean): this {
		this.value = on;
		this.toggleEl.toggleClass("is-enabled", on);
		return this;
	}
	setTooltip(tooltip: string): this {
		this.toggleEl.setAttr("aria-label", tooltip);
		return this;
	}
	onClick(): void {
		this.toggleEl.click();
	}
	onChange(callback: (value: boolean) => unknown): this {
		this.changeCallback = callback;
		return this;
	}
}

export class DropdownComponent extends ValueComponent<string> {
	selectEl: HTMLSelectElement;
	constructor(containerEl: HTMLElement) {
		super();
		this.selectEl = containerEl.createEl("select", { cls: "dropdown" });
	}
	addOption(value: string, display: string): this {
		this.selectEl.createEl("option", { value, text: display });
		return this;
	}
	addOptions(options: Record<string, string>): this {
		for (const [value, display] of Object.entries(options)) this.addOption(value, display);
		return this;
	}
	getValue(): string {
		return this.selectEl.value;
	}
	setValue(value: string): this {
		this.selectEl.value = value;
		return this;
	}
	onChange(callback: (value: string) => unknown): this {
		this.selectEl.addEventListener("change", () => void callback(this.getValue()));
		return this;
	}
}

export class Setting {
	settingEl: HTMLElement;
	infoEl: HTMLElement;
	nameEl: HTMLElement;
	descEl: HTMLElement;
	controlEl: HTMLElement;
	components: BaseComponent[] = [];

	constructor(containerEl: HTMLElement) {
		this.settingEl = containerEl.createDiv({ cls: "setting-item" });
		this.infoEl = this.settingEl.createDiv({ cls: "setting-item-info" });
		this.nameEl = this.infoEl.createDiv({ cls: "setting-item-name" });
		this.descEl = this.infoEl.createDiv({ cls: "setting-item-description" });
		this.controlEl = this.settingEl.createDiv({ cls: "setting-item-control" });
	}

	setName(name: string | DocumentFragment): this {
		this.nameEl.setText(name);
		return this;
	}

	setDesc(desc: string | DocumentFragment): this {
		this.descEl.setText(desc);
		return this;
	}

	setClass(cls: string): this {
		this.settingEl.addClass(cls);
		return this;
	}

	setTooltip(tooltip: string): this {
		this.nameEl.setAttr("aria-label", tooltip);
		return this;
	}

	setHeading(): this {
		this.settingEl.addClass("setting-item-heading");
		return this;
	}

	setDisabled(disabled: boolean): this {
		this.settingEl.toggleClass("is-disabled", disabled);
		for (const component of this.components) component.setDisabled(disabled);
		return this;
	}

	private add<C extends BaseComponent>(component: C, cb: (component: C) => unknown): this {
		this.components.push(component);
		cb(component);
		return this;
	}

	addButton(cb: (component: ButtonComponent) => unknown): this {
		return this.add(new ButtonComponent(this.controlEl), cb);
	}

	addExtraButton(cb: (component: ExtraButtonComponent) => unknown): this {
		return this.add(new ExtraButtonComponent(this.controlEl), cb);
	}

	addToggle(cb: (component: ToggleComponent) => unknown): this {
		return this.add(new ToggleComponent(this.controlEl), cb);
	}

	addText(cb: (component: TextComponent) => unknown): this {
		return this.add(new TextComponent(this.controlEl), cb);
	}

	addTextArea(cb: (component: TextAreaComponent) => unknown): this {
		return this.add(new TextAreaComponent(this.controlEl), cb);
	}

	addDropdown(cb: (component: DropdownComponent) => unknown): this {
		return this.add(new DropdownComponent(this.controlEl), cb);
	}

	then(cb: (setting: this) => unknown): this {
		cb(this);
		return this;
	}

	clear(): this {
		this.controlEl.empty();
		this.components = [];
		return this;
	}
}

// ---------------------------------------------------------------------------------------------
// Markdown rendering (minimal: headings, paragraphs, lists, fenced code incl. mermaid, links)

export interface RenderCall {
	sourcePath: string;
	component: Component;
	el: HTMLElement;
	/** The markdown handed to the renderer (what Chromium would render and fetch from). */
	markdown: string;
}

/** Every MarkdownRenderer.render call (tests check the source path and the owning component). */
export const renderCalls: RenderCall[] = [];

/** A backslash-escaped punctuation character, kept out of the inline patterns until it is written as text (CommonMark: "\\[" is a literal "["). */
const escapedPunctuation = /\\([!-/:-@[-`{-~])/g;
const hideEscapes = (text: string) => text.replace(escapedPunctuation, (_, c: string) => String.fromCharCode(0xe000 + c.charCodeAt(0)));
const showEscapes = (text: string) => text.replace(/[\ue000-\ue07f]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xe000));

function renderInline(el: HTMLElement, raw: string): void {
	const text = hideEscapes(raw);
	const pattern = /(!?)\[\[([^\]|]+)(?:\|([^\]]+))?\]\]|\*\*([^*]+)\*\*|`([^`]+)`|\[([^\]]+)\]\(([^)]+)\)/g;
	let last = 0;
	for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
		if (m.index > last) el.appendText(showEscapes(text.slice(last, m.index)));
		// An embed, as Obsidian's renderer leaves it before its own post-processing fills it: an empty
		// span.internal-embed with src and alt (assumption from Obsidian's rendered DOM; the stub never fills it).
		if (m[2] !== undefined && m[1] === "!") el.createSpan({ cls: "internal-embed", attr: { src: m[2], alt: m[3] ?? m[2] } });
		else if (m[2] !== undefined) el.createEl("a", { cls: "internal-link", text: showEscapes(m[3] ?? m[2]), attr: { "data-href": m[2], href: m[2] } });
		else if (m[4] !== undefined) el.createEl("strong", { text: showEscapes(m[4]) });
		else if (m[5] !== undefined) el.createEl("code", { text: showEscapes(m[5]) });
		else if (m[6] !== undefined) el.createEl("a", { cls: "external-link", text: showEscapes(m[6]), attr: { href: m[7] ?? "" } });
		last = m.index + m[0].length;
	}
	if (last < text.length) el.appendText(showEscapes(text.slice(last)));
}

function renderBlocks(source: string, el: HTMLElement): void {
	// Frontmatter is not body text: Obsidian's renderer puts it in a "frontmatter" code block (shown
	// as properties or hidden by the theme; assumption from its rendered DOM), never in a paragraph.
	const front = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/.exec(source);
	if (front) el.createEl("pre", { cls: "frontmatter language-yaml" }).createEl("code", { text: front[1] ?? "" });
	const markdown = front ? source.slice(front[0].length) : source;
	const lines = markdown.split(/\r?\n/);
	let paragraph: string[] = [];
	let list: HTMLElement | null = null;
	const flush = () => {
		if (paragraph.length > 0) renderInline(el.createEl("p"), paragraph.join(" "));
		paragraph = [];
	};
	for (let i = 0; i < lines.length; i++) {
		const line = lines[i] ?? "";
		const fence = /^```\s*([\w-]*)\s*$/.exec(line);
		if (fence) {
			flush();
			list = null;
			const body: string[] = [];
			for (i++; i < lines.length && !/^```\s*$/.test(lines[i] ?? ""); i++) body.push(lines[i] ?? "");
			const lang = fence[1] ?? "";
			if (lang === "mermaid") el.createDiv({ cls: "mermaid", text: body.join("\n") });
			else el.createEl("pre").createEl("code", { cls: lang ? `language-${lang}` : [], text: body.join("\n") });
			continue;
		}
		const heading = /^(#{1,6})\s+(.*)$/.exec(line);
		const item = /^\s*[-*]\s+(.*)$/.exec(line);
		if (heading) {
			flush();
			list = null;
			const level = heading[1]?.length ?? 1;
			renderInline(el.createEl(`h${level}` as "h1"), heading[2] ?? "");
		} else if (item) {
			flush();
			list ??= el.createEl("ul");
			renderInline(list.createEl("li"), item[1] ?? "");
		} else if (line.trim() === "") {
			flush();
			list = null;
		} else {
			list = null;
			paragraph.push(line.trim());
		}
	}
	flush();
}

export abstract class MarkdownRenderer extends Component {
	static async render(app: App, markdown: string, el: HTMLElement, sourcePath: string, component: Component): Promise<void> {
		void app;
		renderCalls.push({ sourcePath, component, el, markdown });
		renderBlocks(markdown, el);
	}

	static async renderMarkdown(markdown: string, el: HTMLElement, sourcePath: string, component: Component): Promise<void> {
		renderCalls.push({ sourcePath, component, el, markdown });
		renderBlocks(markdown, el);
	}
}
