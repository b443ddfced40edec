/**
 * The import journal: an encrypted system file mapping the SHA-256 of each imported source file to
 * the record path it became. It makes an import resumable (a run stopped halfway is run again; what
 * landed is listed as already imported) and keeps a second copy of one file from being imported
 * twice. It holds no file names or text of the originals, only hashes and record paths.
 */
import { fromUtf8, utf8 } from "../bytes";
import type { ClinicalRecord } from "../record/ClinicalRecord";

export const JOURNAL_NAME = "import-journal";

export interface ImportJournal {
	version: 1;
	imported: Record<string, string>;
}

export async function readJournal(record: ClinicalRecord): Promise<ImportJournal> {
	const bytes = await record.readSystemFile(JOURNAL_NAME);
	if (!bytes) return { version: 1, imported: {} };
	try {
		const parsed = JSON.parse(fromUtf8(bytes)) as Partial<ImportJournal>;
		if (parsed.version === 1 && parsed.imported && typeof parsed.imported === "object") return { version: 1, imported: { ...parsed.imported } };
	} catch {
		// A damaged journal only costs resumability: a file imported before would be imported again
		// under a new name (never over the first), so start a fresh one.
	}
	return { version: 1, imported: {} };
}

export async function writeJournal(record: ClinicalRecord, journal: ImportJournal): Promise<void> {
	await record.writeSystemFile(JOURNAL_NAME, utf8(JSON.stringify(journal)));
}
