/** Small pieces shared by the command flows: today's date, the client picker, moving a plaintext file into the record. */
import type { App } from "obsidian";
import { equalBytes } from "../../core/bytes";
import { ClinicalVaultError, IntegrityError } from "../../core/errors";
import type { ClinicalRecord } from "../../core/record/ClinicalRecord";
import { chooseClient, type ClientChoice } from "../common/modals";
import type { RecordSession } from "./RecordSession";

/** Asks which client; the names come from the encrypted profiles (the record must be unlocked). */
export async function pickClient(app: App, record: ClinicalRecord): Promise<ClientChoice | null> {
	const codes = await record.listClients();
	if (codes.length === 0) throw new ClinicalVaultError("not-found", 'There are no clients yet. Add one with "New client".');
	const clients = await Promise.all(
		codes.map(async (code): Promise<ClientChoice> => {
			try {
				return { code, name: (await record.readProfile(code, "internal")).name };
			} catch {
				return { code };
			}
		}),
	);
	return chooseClient(app, clients);
}

/**
 * Moves a plaintext vault file into the record: `encrypt` writes the bytes into the record and
 * returns the record path; the encrypted copy is read back and compared before the original is
 * removed with the adapter (permanently: never the system trash or the vault's .trash folder,
 * where the plaintext would survive). A mismatch keeps the original.
 */
export async function moveIntoRecord(session: RecordSession, sourcePath: string, encrypt: (bytes: Uint8Array) => Promise<string>): Promise<string> {
	const record = session.record;
	const original = await session.store.read(sourcePath);
	let path: string;
	try {
		path = await session.track(encrypt(original));
		const check = await record.read(path, "internal");
		try {
			if (!equalBytes(check, original)) throw new IntegrityError(path, "the encrypted copy does not read back as the original; the original was kept");
		} finally {
			check.fill(0);
		}
		// Changed while it was being encrypted (an editor's save, a copy still being written): the
		// original stays, and the encrypted copy is not the whole of it.
		const now = await session.store.read(sourcePath);
		try {
			if (!equalBytes(now, original)) {
				throw new ClinicalVaultError(
					"refused",
					`${sourcePath} changed while it was being encrypted, so the original was kept; ${path} holds the earlier version. Try again once it has stopped changing.`,
					{ path: sourcePath },
				);
			}
		} finally {
			now.fill(0);
		}
	} finally {
		original.fill(0);
	}
	await session.store.remove(sourcePath);
	return path;
}
