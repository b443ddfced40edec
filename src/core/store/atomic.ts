/**
 * Atomic replacement on top of VaultStore primitives.
 *
 * 1. The new bytes go to a hidden sibling ".NAME.cvtmp" (dot files are not indexed by Obsidian).
 * 2a. Where rename replaces atomically (POSIX), rename the temporary file over NAME. Done.
 * 2b. Otherwise: rename NAME to ".NAME.cvbak", rename the temporary file to NAME, remove the backup.
 *
 * After a crash at any point, `sweepLeftovers` (run at start and at unlock, never during a write)
 * brings every file back to its old or its new content:
 *  - NAME missing, backup present: the crash fell between the two renames; the backup is the old
 *    content and is put back (the new content was never committed);
 *  - backup present and NAME present: the switch completed; the backup is removed;
 *  - a temporary file: never committed; removed.
 */
import { StorageError } from "../errors";
import { baseName, joinPath, parentOf, type VaultStore } from "./VaultStore";

export const TEMP_SUFFIX = ".cvtmp";
export const BACKUP_SUFFIX = ".cvbak";

export function tempPathFor(path: string): string {
	return joinPath(parentOf(path), `.${baseName(path)}${TEMP_SUFFIX}`);
}

export function backupPathFor(path: string): string {
	return joinPath(parentOf(path), `.${baseName(path)}${BACKUP_SUFFIX}`);
}

export async function atomicWrite(store: VaultStore, path: string, data: Uint8Array): Promise<void> {
	const temp = tempPathFor(path);
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
		await sweepOne(store, path).catch(() => undefined);
		throw new StorageError(path, error);
	}
	// The new content is committed. Failing to remove the backup now must not be reported as a
	// failed write (the previous version is no longer in place); the sweep removes it later.
	await store.remove(backup).catch(() => undefined);
}

async function sweepOne(store: VaultStore, path: string): Promise<void> {
	const temp = tempPathFor(path);
	const backup = backupPathFor(path);
	if (await store.exists(backup)) {
		if (await store.exists(path)) await store.remove(backup);
		else await store.rename(backup, path);
	}
	if (await store.exists(temp)) await store.remove(temp);
}

/** Finishes or rolls back interrupted writes below `folder`. Returns the paths it touched. */
export async function sweepLeftovers(store: VaultStore, folder: string): Promise<string[]> {
	const touched: string[] = [];
	const visit = async (dir: string): Promise<void> => {
		const listing = await store.list(dir);
		for (const file of listing.files) {
			const name = baseName(file);
			for (const suffix of [BACKUP_SUFFIX, TEMP_SUFFIX]) {
				if (name.startsWith(".") && name.endsWith(suffix)) {
					const original = joinPath(parentOf(file), name.slice(1, -suffix.length));
					if (await store.exists(file)) {
						await sweepOne(store, original);
						touched.push(file);
					}
				}
			}
		}
		for (const sub of listing.folders) await visit(sub);
	};
	await visit(folder);
	return touched;
}
