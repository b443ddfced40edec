/**
 * Atomic replacement on top of VaultStore primitives.
 *
 * 1. The new bytes go to a hidden sibling temporary file (dot files are not indexed by Obsidian):
 *    ".NAME~TAG~RANDOM.cvtmp" when the store names its writer (a unique name per write, so two
 *    processes writing one file never share a temporary file), else ".NAME.cvtmp".
 * 2a. Where rename replaces atomically (POSIX), rename the temporary file over NAME. Done.
 * 2b. Otherwise: rename NAME to ".NAME.cvbak", rename the temporary file to NAME, remove the backup.
 *
 * After a crash at any point, `sweepLeftovers` (run at start and at unlock, never during a write of
 * its own process) brings every file back to its old or its new content:
 *  - NAME missing, backup present: the crash fell between the two renames; the backup is the old
 *    content and is put back (the new content was never committed);
 *  - backup present and NAME present: the switch completed; the backup is removed;
 *  - a temporary file: never committed; removed, unless its writer (by its tag) may still be
 *    running: another process's write in flight is never touched.
 */
import { StorageError } from "../errors";
import { baseName, joinPath, parentOf, type VaultStore } from "./VaultStore";

export const TEMP_SUFFIX = ".cvtmp";
export const BACKUP_SUFFIX = ".cvbak";
const TAG_SEPARATOR = "~";

/** The fixed temporary name (stores that do not name their writer). */
export function tempPathFor(path: string): string {
	return joinPath(parentOf(path), `.${baseName(path)}${TEMP_SUFFIX}`);
}

function randomToken(): string {
	const bytes = new Uint8Array(6);
	crypto.getRandomValues(bytes);
	return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A temporary path for one write: unique, and carrying the writer's tag when the store has one. */
export function newTempPathFor(store: VaultStore, path: string): string {
	if (!store.writer) return tempPathFor(path);
	return joinPath(parentOf(path), `.${baseName(path)}${TAG_SEPARATOR}${store.writer.tag}${TAG_SEPARATOR}${randomToken()}${TEMP_SUFFIX}`);
}

/** What a temporary file's name says: the file it was for, and its writer's tag (null: the fixed name). */
export function parseTempName(path: string): { original: string; tag: string | null } | null {
	const name = baseName(path);
	if (!name.startsWith(".") || !name.endsWith(TEMP_SUFFIX)) return null;
	const inner = name.slice(1, -TEMP_SUFFIX.length);
	const last = inner.lastIndexOf(TAG_SEPARATOR);
	const before = last > 0 ? inner.lastIndexOf(TAG_SEPARATOR, last - 1) : -1;
	if (before > 0 && /^[0-9a-f]{12}$/.test(inner.slice(last + 1))) {
		return { original: joinPath(parentOf(path), inner.slice(0, before)), tag: inner.slice(before + 1, last) };
	}
	return { original: joinPath(parentOf(path), inner), tag: null };
}

export function backupPathFor(path: string): string {
	return joinPath(parentOf(path), `.${baseName(path)}${BACKUP_SUFFIX}`);
}

export async function atomicWrite(store: VaultStore, path: string, data: Uint8Array): Promise<void> {
	const temp = newTempPathFor(store, path);
	try {
		await store.write(temp, data);
	} catch (error) {
		await store.remove(temp).catch(() => undefined);
		throw new StorageError(path, error);
	}
	const backup = backupPathFor(path);
	try {
		if (store.renameReplaces || !(await store.exists(path))) {
			await store.rename(temp, path);
			return;
		}
		if (await store.exists(backup)) await store.remove(backup);
		await store.rename(path, backup);
		await store.rename(temp, path);
	} catch (error) {
		await store.remove(temp).catch(() => undefined);
		await restoreBackup(store, path).catch(() => undefined);
		throw new StorageError(path, error);
	}
	// The new content is committed. Failing to remove the backup now must not be reported as a
	// failed write (the previous version is no longer in place); the sweep removes it later.
	await store.remove(backup).catch(() => undefined);
}

/** The backup half of the protocol: a lone backup is put back; a backup beside its file is removed. */
export async function restoreBackup(store: VaultStore, path: string): Promise<void> {
	const backup = backupPathFor(path);
	if (await store.exists(backup)) {
		if (await store.exists(path)) await store.remove(backup);
		else await store.rename(backup, path);
	}
}

/**
 * Finishes or rolls back interrupted writes below `folder`. Returns the paths it touched. A
 * temporary file whose writer may still be running (its tag names a live process here, or another
 * computer) is left alone: it is someone's write in flight, or theirs to clean.
 */
export async function sweepLeftovers(store: VaultStore, folder: string): Promise<string[]> {
	const touched: string[] = [];
	const visit = async (dir: string): Promise<void> => {
		const listing = await store.list(dir);
		for (const file of listing.files) {
			const name = baseName(file);
			if (name.startsWith(".") && name.endsWith(BACKUP_SUFFIX)) {
				if (await store.exists(file)) {
					await restoreBackup(store, joinPath(parentOf(file), name.slice(1, -BACKUP_SUFFIX.length)));
					touched.push(file);
				}
				continue;
			}
			const temp = parseTempName(file);
			if (!temp) continue;
			if (temp.tag !== null && store.writer && store.writer.isAlive(temp.tag) !== false) continue;
			if (await store.exists(file)) {
				await restoreBackup(store, temp.original);
				await store.remove(file);
				touched.push(file);
			}
		}
		for (const sub of listing.folders) await visit(sub);
	};
	await visit(folder);
	return touched;
}
