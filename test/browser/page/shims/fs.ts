/**
 * `node:fs` for the browser page, over the in-memory disk in memfs.ts: a synchronous twin of each
 * node:fs/promises call (the obsidian stub's adapter and Vault use them), existsSync, `promises`
 * (the same functions as node:fs/promises) and `watch`, which reports changes like Node's on Linux (see memfs.ts): the stub's Vault learns of
 * changes made around the adapter (the plugin's own store writes with fs) only through it.
 */
import type { Buffer } from "./buffer";
import {
	Stats,
	addWatcher,
	contents,
	copyPath,
	encodingFrom,
	find,
	full,
	listDir,
	lookup,
	makeDir,
	removePath,
	renamePath,
	toBytes,
	uniqueTempName,
	withFileTypes,
	writeBytes,
	type Dirent,
	type WatchListener,
} from "./memfs";
import * as promises from "./fs-promises";

export { promises, Stats, type Dirent };

export function existsSync(path: string): boolean {
	return find(full(path)) !== undefined;
}

export function statSync(path: string): Stats {
	return new Stats(lookup(full(path), "stat"));
}

export const lstatSync = statSync;

export function readdirSync(path: string, options: { withFileTypes: true }): Dirent[];
export function readdirSync(path: string, options?: { withFileTypes?: false } | string): string[];
export function readdirSync(path: string, options?: { withFileTypes?: boolean } | string): string[] | Dirent[] {
	return listDir(full(path), withFileTypes(options));
}

export function readFileSync(path: string): Buffer;
export function readFileSync(path: string, options: { encoding: string } | string): string;
export function readFileSync(path: string, options?: { encoding?: string } | string): string | Buffer {
	return contents(full(path), encodingFrom(options));
}

export function writeFileSync(path: string, data: string | Uint8Array, options?: { encoding?: string } | string): void {
	writeBytes(full(path), toBytes(data, encodingFrom(options)), false);
}

export function mkdirSync(path: string, options?: { recursive?: boolean }): string | undefined {
	return makeDir(full(path), options?.recursive === true);
}

export function rmSync(path: string, options?: { recursive?: boolean; force?: boolean }): void {
	removePath(full(path), { recursive: options?.recursive === true, force: options?.force === true, syscall: "rm" });
}

export function accessSync(path: string): void {
	lookup(full(path), "access");
}

export function appendFileSync(path: string, data: string | Uint8Array, options?: { encoding?: string } | string): void {
	writeBytes(full(path), toBytes(data, encodingFrom(options)), true);
}

export function renameSync(oldPath: string, newPath: string): void {
	renamePath(full(oldPath), full(newPath));
}

export function unlinkSync(path: string): void {
	removePath(full(path), { recursive: false, force: false, filesOnly: true, syscall: "unlink" });
}

export function rmdirSync(path: string, options?: { recursive?: boolean }): void {
	removePath(full(path), { recursive: options?.recursive === true, force: false, dirsOnly: true, syscall: "rmdir" });
}

export function copyFileSync(src: string, dest: string): void {
	copyPath(full(src), full(dest));
}

export function mkdtempSync(prefix: string): string {
	const path = uniqueTempName(prefix);
	makeDir(path, false);
	return path;
}

/** Modes are not modelled; the path must exist. */
export function chmodSync(path: string, mode: number): void {
	void mode;
	lookup(full(path), "chmod");
}

/** Node's FSWatcher, reduced: "change" events go to the listener given to watch(); "error" never comes. */
export interface FSWatcher {
	close(): void;
	on(event: string, listener: (...args: unknown[]) => void): FSWatcher;
	once(event: string, listener: (...args: unknown[]) => void): FSWatcher;
	off(event: string, listener: (...args: unknown[]) => void): FSWatcher;
	ref(): FSWatcher;
	unref(): FSWatcher;
}

/** fs.watch(path, [options], listener); `recursive` is not supported (the stub watches each folder). */
export function watch(
	path: string,
	optionsOrListener?: { recursive?: boolean; persistent?: boolean } | WatchListener,
	maybeListener?: WatchListener,
): FSWatcher {
	const listener = typeof optionsOrListener === "function" ? optionsOrListener : maybeListener;
	if (typeof optionsOrListener === "object" && optionsOrListener.recursive)
		throw new Error("fs shim: recursive fs.watch is not supported in the browser test page");
	const handle = addWatcher(full(path), (event, name) => listener?.(event, name));
	const watcher: FSWatcher = {
		close: () => handle.close(),
		on: () => watcher,
		once: () => watcher,
		off: () => watcher,
		ref: () => watcher,
		unref: () => watcher,
	};
	return watcher;
}
