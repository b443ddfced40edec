/**
 * Files written outside the vault (exports): private (mode 0600), atomic, and never replacing an
 * existing file unless asked. Shared by the CLI and the plugin.
 */
import { randomBytes } from "node:crypto";
import { link, open, rename, stat, unlink } from "node:fs/promises";
import * as nodePath from "node:path";
import { ClinicalVaultError } from "../core/errors";

/**
 * Writes an export atomically with mode 0600: a private temporary file next to the target, synced,
 * then linked into place (which fails if the target appeared meanwhile, so nothing is overwritten
 * without --force) or, with --force, renamed over it. The temporary file is removed on failure.
 */
export async function writeOutputFile(path: string, bytes: Uint8Array, force: boolean): Promise<void> {
	const tmp = nodePath.join(nodePath.dirname(path), `.${nodePath.basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
	const fail = (error: unknown): ClinicalVaultError => {
		const code = (error as { code?: string }).code ?? "unknown error";
		if (code === "EEXIST")
			return new ClinicalVaultError("already-exists", `${path} already exists; nothing was written. Choose another file, or allow replacing it.`);
		return new ClinicalVaultError("storage", `Could not write ${path} (${code}); nothing was written.`, { detail: String(error) });
	};
	let handle;
	try {
		handle = await open(tmp, "wx", 0o600);
	} catch (error) {
		throw fail(error);
	}
	try {
		await handle.writeFile(bytes);
		await handle.sync();
	} catch (error) {
		await handle.close().catch(() => undefined);
		await unlink(tmp).catch(() => undefined);
		throw fail(error);
	}
	await handle.close();
	try {
		if (force) await rename(tmp, path);
		else {
			try {
				await link(tmp, path);
			} catch (error) {
				// File systems without hard links: check, then rename (a small race).
				const code = (error as { code?: string }).code;
				if (code === "EEXIST" || !(code === "EPERM" || code === "ENOTSUP" || code === "EOPNOTSUPP" || code === "ENOSYS")) throw error;
				if (
					await stat(path).then(
						() => true,
						() => false,
					)
				)
					throw Object.assign(new Error("exists"), { code: "EEXIST" });
				await rename(tmp, path);
			}
		}
	} catch (error) {
		await unlink(tmp).catch(() => undefined);
		throw fail(error);
	}
	await unlink(tmp).catch(() => undefined);
}
