/**
 * Export of a signed note or document out of the encrypted record, as plain text or PDF. The bytes
 * are returned, never written here: the shell (CLI or plugin) writes them where the clinician chose
 * and says that the file is not encrypted.
 *
 * Rules, in order (a refused export changes nothing and writes no audit entry):
 *  - only markdown record files (notes, documents) can be exported;
 *  - psychotherapy (process) notes are refused unless `includePsychotherapy` is given for this one
 *    export (their separation from the rest of the record is what protects them);
 *  - a note whose signed text no longer matches its hash is refused (integrity);
 *  - draft policy: an unsigned note is refused by default, because an export is usually handed to
 *    someone who will read it as the record; with `allowDraft` it is exported with "DRAFT — NOT
 *    SIGNED" at the top of the text and of every PDF page.
 * The export is audit-logged ("export": path, file id, format; never content) before the bytes are
 * handed back, like the record's own writes: a failure after that over-reports, never hides.
 * Addenda are exported below the signed text, as they appear in the note.
 */
import { ClinicalVaultError } from "../errors";
import { sha256, toHex, utf8 } from "../bytes";
import type { ClinicalRecord } from "../record/ClinicalRecord";
import { splitFrontmatter } from "../markdown/frontmatter";
import { addendaCount, isSigned, verifySignature } from "../notes/signing";
import { isPsychotherapyNote } from "../notes/kinds";
import { blocksToText, toBlocks } from "./plain";
import { renderPdf, type PaperSize } from "./pdf";
import type { FontSource } from "./fonts";

export type ExportFormat = "text" | "pdf";

export interface ExportOptions {
	format: ExportFormat;
	/** Include a psychotherapy note for this one export (refused otherwise). */
	includePsychotherapy?: boolean;
	/** Export an unsigned note, marked DRAFT (refused otherwise). */
	allowDraft?: boolean;
	/** PDF page size (default A4). */
	paper?: PaperSize;
	/** Fonts for characters the PDF's standard font lacks (default: standard fonts only; see ./fonts.ts). */
	fonts?: FontSource;
}

export interface ExportResult {
	bytes: Uint8Array;
	warnings: string[];
	/** What was exported, for the shell's message. */
	signed: boolean;
	/** Marked "DRAFT — NOT SIGNED" (an unsigned note; never a generated page). */
	draft: boolean;
}

/** Shown by every shell that writes an export. */
import { UNENCRYPTED_WARNING } from "./warning";

export { UNENCRYPTED_WARNING };

export function exportFooter(now: Date): string {
	return `Confidential: exported from Clinical Vault on ${now.toISOString().slice(0, 10)} — this file is not encrypted`;
}

interface CheckedNote {
	data: Record<string, unknown>;
	body: string;
	signed: boolean;
	psychotherapy: boolean;
	/** A page code writes from data (the measures page): not a note, so not signed and not a draft. */
	generated: boolean;
}

/**
 * Reads a record file for an export and applies the path, psychotherapy and signature rules (see
 * the module comment); shared by the plain export and the de-identified one.
 */
export async function readForExport(
	record: ClinicalRecord,
	recordPath: string,
	options: { includePsychotherapy?: boolean; allowDraft?: boolean },
): Promise<CheckedNote> {
	if (!recordPath.endsWith(".md")) {
		throw new ClinicalVaultError("invalid-input", `${recordPath} is not a note or document (only .md record files can be exported). Nothing was written.`, {
			path: recordPath,
		});
	}
	const text = await record.readText(recordPath, "internal");
	const { data, body } = splitFrontmatter(text, recordPath);
	const psychotherapy = isPsychotherapyNote(recordPath, data);
	if (psychotherapy && options.includePsychotherapy !== true) {
		throw new ClinicalVaultError(
			"refused",
			`${recordPath} is a psychotherapy note; those are kept out of every export unless you include them explicitly for this one export. Nothing was written.`,
			{ path: recordPath },
		);
	}
	const signed = isSigned(data);
	// The measures page is written by code from the entered scores, never signed: exported as what it is.
	if (data.kind === "measures" && recordPath === `${recordPath.split("/")[0]!}/measures.md`)
		return { data, body, signed: false, psychotherapy, generated: true };
	if (signed && !(await verifySignature(text, recordPath))) {
		throw new ClinicalVaultError(
			"integrity",
			`The signed text of ${recordPath} no longer matches its signature, so it is not exported. Restore the note from a backup. Nothing was written.`,
			{ path: recordPath },
		);
	}
	if (!signed && options.allowDraft !== true) {
		throw new ClinicalVaultError(
			"refused",
			`${recordPath} is not signed. Sign it first, or export it as a draft (marked "DRAFT — NOT SIGNED" on every page). Nothing was written.`,
			{ path: recordPath },
		);
	}
	return { data, body, signed, psychotherapy, generated: false };
}

function field(data: Record<string, unknown>, key: string): string | null {
	const v = data[key];
	if (v === undefined || v === null || v === "") return null;
	if (v instanceof Date) return v.toISOString();
	if (typeof v === "string") return v;
	if (typeof v === "number" || typeof v === "boolean") return String(v);
	return JSON.stringify(v);
}

/** The header block that replaces the frontmatter in an export. */
export async function exportHeader(recordPath: string, note: CheckedNote, now: Date): Promise<string[]> {
	const { data } = note;
	const date = field(data, "session_date") ?? field(data, "date") ?? /(\d{4}-\d{2}-\d{2})/.exec(recordPath)?.[1] ?? null;
	const kind = [field(data, "note_type"), field(data, "session_number") !== null ? `session ${field(data, "session_number")}` : null]
		.filter((x) => x !== null)
		.join(", ");
	if (note.generated) {
		return [
			`Record file: ${recordPath}`,
			`Client: ${field(data, "client") ?? recordPath.split("/")[0]!}`,
			"Type: measures page, written by Clinical Vault from the scores entered",
			`Exported: ${now.toISOString()}`,
		];
	}
	const lines = [
		...(note.signed ? [] : ["DRAFT — NOT SIGNED"]),
		`Record file: ${recordPath}`,
		`Client: ${field(data, "client") ?? recordPath.split("/")[0]!}`,
		...(date ? [`Date: ${date}`] : []),
		...(kind ? [`Type: ${kind}`] : []),
		...(note.psychotherapy ? ["Psychotherapy note: included explicitly for this export"] : []),
	];
	if (note.signed) {
		lines.push(
			`Signed by: ${field(data, "signed_by") ?? "(not recorded)"}`,
			`Signed at: ${field(data, "signed_at") ?? "(not recorded)"}`,
			`Content SHA-256: ${field(data, "content_sha256") ?? ""}`,
		);
		const addenda = addendaCount(data);
		if (addenda > 0) lines.push(`Addenda: ${addenda} (after the signed text)`);
	} else {
		lines.push(`Status: ${field(data, "status") ?? "draft"} (not signed)`);
		lines.push(`Text SHA-256: ${toHex(await sha256(utf8(note.body)))}`);
	}
	lines.push(`Exported: ${now.toISOString()}`);
	return lines;
}

export async function exportDocument(record: ClinicalRecord, recordPath: string, options: ExportOptions): Promise<ExportResult> {
	const note = await readForExport(record, recordPath, options);
	const now = record.clock.now();
	const header = await exportHeader(recordPath, note, now);
	const blocks = toBlocks(note.body);
	const footer = exportFooter(now);
	let bytes: Uint8Array;
	const warnings: string[] = [UNENCRYPTED_WARNING];
	const draft = !note.signed && !note.generated;
	if (draft) warnings.push(`${recordPath} is not signed: the export is marked DRAFT.`);
	if (options.format === "pdf") {
		const pdf = await renderPdf({ header, blocks, footer, draft, paper: options.paper ?? "a4", now, fonts: options.fonts });
		bytes = pdf.bytes;
		warnings.push(...pdf.warnings);
	} else {
		const rule = "=".repeat(72);
		bytes = utf8(`${header.join("\n")}\n${rule}\n\n${blocksToText(blocks)}\n${rule}\n${footer}\n`);
	}
	const fileId = (await record.header(recordPath)).fileId;
	const what = [
		options.format === "pdf" ? `pdf (${options.paper ?? "a4"})` : "plain text",
		note.generated ? "measures page" : note.signed ? "signed" : "draft",
		...(note.psychotherapy ? ["psychotherapy note included explicitly"] : []),
	];
	await record.audit.append("export", { fileId, path: recordPath, note: what.join(", ") });
	return { bytes, warnings, signed: note.signed, draft };
}
