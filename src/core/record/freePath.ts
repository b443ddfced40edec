/**
 * Record paths not taken yet: `base` if free, else base-2, base-3, … before the extension. Every
 * writer of a new record file (drafting, documents, transcription, the plugin's encrypt-into and
 * new session note) names it here, so two notes of one day never overwrite each other.
 */
import { ClinicalVaultError } from "../errors";
import type { RecordFiles } from "./files";
import { checkClientCode } from "./layout";

/** The most numbered names tried before giving up (a day with a thousand files is a mistake). */
const MAX_TRIES = 1000;

export async function freeRecordPath(record: Pick<RecordFiles, "exists">, base: string): Promise<string> {
	const slash = base.lastIndexOf("/");
	const dot = base.lastIndexOf(".");
	const stem = dot > slash ? base.slice(0, dot) : base;
	const ext = dot > slash ? base.slice(dot) : "";
	for (let n = 1; n <= MAX_TRIES; n++) {
		const candidate = n === 1 ? base : `${stem}-${n}${ext}`;
		if (!(await record.exists(candidate))) return candidate;
	}
	throw new ClinicalVaultError("invalid-input", `Too many files named like ${base} in the record.`);
}

/** The first name tried for a client's file: `CODE/<folder>/<date or stem>.<ext>`. */
export function namedPath(client: string, folder: string, date: string, ext: string): string {
	return `${checkClientCode(client)}/${folder}/${date}.${ext}`;
}

/** A record path in the client's `folder` for this date: 2026-09-01.md, 2026-09-01-2.md, … */
export function freePath(record: Pick<RecordFiles, "exists">, client: string, folder: string, date: string, ext: string): Promise<string> {
	return freeRecordPath(record, namedPath(client, folder, date, ext));
}

/** How many times a name another writer took at the last moment is given up for the next one. */
const RACE_TRIES = 10;

/**
 * Writes a new record file under the first free name like `base` (base, base-2, …), create-only:
 * a name another writer took after it was found free (a note drafted in the CLI while the plugin's
 * model was still writing, a file a sync tool brought) is left alone and the next one is tried.
 * Never replaces a file. Returns the record path written.
 */
export async function writeNewText(record: Pick<RecordFiles, "exists" | "createText">, base: string, text: string): Promise<string> {
	for (let n = 0; n < RACE_TRIES; n++) {
		const path = await freeRecordPath(record, base);
		if ((await record.createText(path, text)) !== "exists") return path;
	}
	throw new ClinicalVaultError("storage", `Could not find a free name like ${base}: other files kept taking them. Nothing was written; try again.`);
}
