/**
 * `node:fs/promises` for the browser page, over the in-memory disk in memfs.ts (see there for
 * which Node behaviour is kept). Exactly the calls the obsidian stub's adapter makes, plus the
 * few the plugin reaches at start-up (its sweep of leftover engine temp folders: readdir, stat,
 * readFile, rm). A call not listed here is an esbuild error when the page is bundled, so a new
 * use in the stub shows up at once instead of as an undefined function at run time.
 */
import type { Buffer } from "./buffer";
import {
	FileHandle,
	Stats,
	contents,
	copyPath,
	encodingFrom,
	full,
	listDir,
	lookup,
	makeDir,
	openFile,
	removePath,
	renamePath,
	toBytes,
	uniqueTempName,
	withFileTypes,
	writeBytes,
	type Dirent,
} from "./memfs";

type Data = string | ArrayBufferView | ArrayBuffer;

export async function access(path: string): Promise<void> {
	lookup(full(path), "access");
}

export async function stat(path: string): Promise<Stats> {
	return new Stats(lookup(full(path), "stat"));
}

export const lstat = stat;

export function readdir(path: string, options: { withFileTypes: true }): Promise<Dirent[]>;
export function readdir(path: string, options?: { withFileTypes?: false } | string): Promise<string[]>;
export async function readdir(path: string, options?: { withFileTypes?: boolean } | string): Promise<string[] | Dirent[]> {
	return listDir(full(path), withFileTypes(options));
}

export function readFile(path: string): Promise<Buffer>;
export function readFile(path: string, options: { encoding: string } | string): Promise<string>;
export async function readFile(path: string, options?: { encoding?: string } | string): Promise<string | Buffer> {
	return contents(full(path), encodingFrom(options));
}

export async function writeFile(path: string, data: Data, options?: { encoding?: string; mode?: number } | string): Promise<void> {
	writeBytes(full(path), toBytes(data, encodingFrom(options)), false);
}

export async function appendFile(path: string, data: Data, options?: { encoding?: string } | string): Promise<void> {
	writeBytes(full(path), toBytes(data, encodingFrom(options)), true);
}

export async function mkdir(path: string, options?: { recursive?: boolean; mode?: number }): Promise<string | undefined> {
	return makeDir(full(path), options?.recursive === true);
}

export async function mkdtemp(prefix: string): Promise<string> {
	const path = uniqueTempName(prefix);
	makeDir(path, false);
	return path;
}

/** Modes are not modelled; the file must exist. */
export async function chmod(path: string, mode: number): Promise<void> {
	void mode;
	lookup(full(path), "chmod");
}

export async function rename(oldPath: string, newPath: string): Promise<void> {
	renamePath(full(oldPath), full(newPath));
}

export async function rm(path: string, options?: { recursive?: boolean; force?: boolean }): Promise<void> {
	removePath(full(path), { recursive: options?.recursive === true, force: options?.force === true, syscall: "rm" });
}

export async function rmdir(path: string, options?: { recursive?: boolean }): Promise<void> {
	removePath(full(path), { recursive: options?.recursive === true, force: false, dirsOnly: true, syscall: "rmdir" });
}

export async function unlink(path: string): Promise<void> {
	removePath(full(path), { recursive: false, force: false, filesOnly: true, syscall: "unlink" });
}

/** Overwrites an existing destination, as Node's copyFile does without COPYFILE_EXCL. */
export async function copyFile(src: string, dest: string): Promise<void> {
	copyPath(full(src), full(dest));
}

/** A handle for writing (see FileHandle in memfs.ts); the mode is not modelled. */
export async function open(path: string, flags: string = "r", mode?: number): Promise<FileHandle> {
	void mode;
	return openFile(full(path), flags);
}

/**
 * A hard link, modelled as a copy under the new name (the store links a fully written temporary
 * file to a lock's name, then removes the temporary file: a copy behaves the same). Like link(2),
 * it fails with EEXIST when the new name exists: that is what makes it an exclusive create.
 */
export async function link(existingPath: string, newPath: string): Promise<void> {
	const taken = await access(newPath).then(
		() => true,
		() => false,
	);
	if (taken) throw Object.assign(new Error(`EEXIST: file already exists, link '${existingPath}' -> '${newPath}'`), { code: "EEXIST" });
	copyPath(full(existingPath), full(newPath));
}
