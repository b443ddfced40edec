/**
 * The record side of the de-identified export for supervision and consultation: read the note, the
 * client's profile and part names, de-identify (src/core/deidentify), and hand back the file's text
 * with the report. Two steps on purpose: `prepareDeidentified` writes nothing (not even an audit
 * entry) so the clinician can read the report first; `recordDeidentifiedExport` audit-logs the
 * export once they confirmed, just before the shell writes the file.
 *
 * Policies: a draft may be de-identified (supervision often discusses notes before they are
 * signed; the file says "Status: draft" and nothing pretends it is the record); psychotherapy notes
 * need `includePsychotherapy`, as for every export. The file carries no dates, no signer and no
 * content hash (a hash of the identified text would let anyone holding the record confirm which
 * note it came from); it says "De-identified for supervision/consultation; check before sharing".
 */
import type { ClinicalRecord } from "../record/ClinicalRecord";
import { deidentify, type DeidentifyResult, type IdentifierKind } from "../deidentify/deidentify";
import { parsePage } from "../parts/page";
import { blocksToText, toBlocks } from "./plain";
import { readForExport } from "./exportDocument";

export const DEIDENTIFIED_HEADER = "De-identified for supervision/consultation; check before sharing";

export interface DeidentifiedExport {
	/** The file's full text (header and de-identified body). */
	text: string;
	result: DeidentifyResult;
}

/** The names of the client's parts and their aliases (from CODE/parts-map.md), never replaced. */
async function partNames(record: ClinicalRecord, client: string): Promise<{ names: string[]; warning?: string }> {
	const path = `${client}/parts-map.md`;
	if (!(await record.exists(path))) return { names: [] };
	try {
		const map = parsePage(await record.readText(path, "internal"), path).map;
		return { names: map.parts.flatMap((p) => [p.name, ...p.aliases]) };
	} catch {
		return { names: [], warning: `The parts map ${path} could not be read, so part names were not protected from replacement: check them in the report.` };
	}
}

export async function prepareDeidentified(
	record: ClinicalRecord,
	recordPath: string,
	options: { includePsychotherapy?: boolean; keep?: readonly string[]; extraTerms?: readonly (string | { text: string; kind: IdentifierKind })[] } = {},
): Promise<DeidentifiedExport> {
	const note = await readForExport(record, recordPath, { includePsychotherapy: options.includePsychotherapy === true, allowDraft: true });
	const client = recordPath.split("/")[0]!;
	const profile = await record.readProfile(client, "internal");
	const parts = await partNames(record, client);
	const body = blocksToText(toBlocks(note.body));
	const result = deidentify(body, {
		profile,
		keep: [...parts.names, ...(options.keep ?? [])],
		...(options.extraTerms ? { extraTerms: options.extraTerms } : {}),
	});
	if (parts.warning) result.warnings.push(parts.warning);
	const number = note.data.session_number;
	const type = typeof note.data.note_type === "string" && !/[A-Z]/.test(note.data.note_type) ? note.data.note_type : "note";
	const header = [
		DEIDENTIFIED_HEADER,
		`Client: ${profile.code}`,
		`Type: ${type}${typeof number === "number" ? `, session ${number}` : ""}`,
		`Status: ${note.signed ? "signed" : "draft (not signed)"}`,
		...(note.psychotherapy ? ["Psychotherapy note: included explicitly for this export"] : []),
	];
	const rule = "=".repeat(72);
	return { text: `${header.join("\n")}\n${rule}\n\n${result.text}\n${rule}\n${DEIDENTIFIED_HEADER}. This file is not encrypted.\n`, result };
}

/** Audit-logs a confirmed de-identified export (path, file id, replacement count; never content). */
export async function recordDeidentifiedExport(record: ClinicalRecord, recordPath: string, prepared: DeidentifiedExport): Promise<void> {
	const fileId = (await record.header(recordPath)).fileId;
	const count = prepared.result.replacements.reduce((n, r) => n + r.count, 0);
	await record.audit.append("export", { fileId, path: recordPath, note: `de-identified plain text, ${count} replacement(s)` });
}
