/**
 * Writes an import plan into the record (issue 18), one file at a time: a note or a transcript as
 * written (fields the record needs added to its frontmatter, nothing else changed: every reader
 * understands every transcript form), a recording as it is. Each file is
 * encrypted, read back and compared before it counts as imported, and the journal is updated after
 * each, so a run stopped anywhere is resumed by running it again. Never replaces a record file.
 */
import { equalBytes, sha256, toHex, utf8 } from "../bytes";
import { Cancelled, ClinicalVaultError, isCancelled } from "../errors";
import { findFrontmatter, splitFrontmatter } from "../markdown/frontmatter";
import type { ClinicalRecord } from "../record/ClinicalRecord";
import { decodeText, type ImportPlan, type ImportSource, type PlannedImport } from "./importPlan";
import { readJournal, writeJournal } from "./journal";

export interface ImportResult {
	imported: { source: string; target: string }[];
	failed: { source: string; reason: string }[];
}

/**
 * The file's text as written, with fields added at the top of its frontmatter (one is made when it
 * has none): only those it does not have yet, so nothing of the clinician's is changed or lost.
 */
function withFields(text: string, source: string, fields: [string, string][]): string {
	const found = findFrontmatter(text);
	let data: Record<string, unknown> | null = null;
	try {
		if (found) data = splitFrontmatter(text, source).data;
	} catch {
		data = null;
	}
	// The file's own line ends (a note written on Windows has CRLF), so the file stays one style.
	const eol = found?.lineEnd ?? (/\r\n/.test(text) ? "\r\n" : "\n");
	const lines = fields
		.filter(([key]) => data?.[key] === undefined)
		.map(([key, value]) => `${key}: ${value}${eol}`)
		.join("");
	return found && data !== null ? `---${eol}${lines}${text.slice(found.yamlStart)}` : `---${eol}${lines}---${eol}${text}`;
}

/** A note's text as written, with `session_date` (when it came from elsewhere) and `imported`. */
export function noteText(text: string, item: PlannedImport, now: Date): string {
	return withFields(text, item.source, [
		["session_date", item.date],
		["imported", now.toISOString()],
	]);
}

/**
 * A transcript's text as written (every cue, note, heading and line kept: search, the brief and
 * drafting read every form), with what the record needs in its frontmatter.
 */
export function transcriptText(text: string, item: PlannedImport, now: Date): string {
	return withFields(text, item.source, [
		["kind", "transcript"],
		["client", item.client],
		["session_date", item.date],
		["source_format", item.form ?? "plain"],
		["imported", now.toISOString()],
	]);
}

export async function runImport(
	record: ClinicalRecord,
	plan: ImportPlan,
	sources: readonly ImportSource[],
	options: { now?: () => Date; signal?: AbortSignal; onProgress?: (done: number, total: number, item: PlannedImport) => void } = {},
): Promise<ImportResult> {
	const bySource = new Map(sources.map((s) => [s.path, s]));
	const now = options.now ?? (() => new Date());
	const journal = await readJournal(record);
	const result: ImportResult = { imported: [], failed: [] };
	for (const [i, item] of plan.items.entries()) {
		options.onProgress?.(i, plan.items.length, item);
		if (options.signal?.aborted) throw new Cancelled();
		try {
			const source = bySource.get(item.source);
			if (!source) throw new ClinicalVaultError("not-found", "the file is no longer in the list");
			const bytes = await source.read();
			if (toHex(await sha256(bytes)) !== item.sha)
				throw new ClinicalVaultError("refused", "the file changed since the plan was made; run the import again");
			let content: Uint8Array;
			if (item.kind === "audio") content = bytes;
			else {
				const text = decodeText(bytes);
				if (text === null) throw new ClinicalVaultError("invalid-input", "not UTF-8 or UTF-16 text");
				content = utf8(item.kind === "note" ? noteText(text, item, now()) : transcriptText(text, item, now()));
			}
			if (await record.exists(item.target))
				throw new ClinicalVaultError("already-exists", `${item.target} exists now; run the import again to give this file another name`);
			// The journal first: a stop between the two leaves an entry whose file is missing (imported
			// again next time), never a file the journal does not know (imported twice).
			journal.imported[item.sha] = item.target;
			await writeJournal(record, journal);
			await record.write(item.target, content, { action: "import" });
			const back = await record.read(item.target, "internal");
			if (!equalBytes(back, content)) throw new ClinicalVaultError("integrity", `${item.target} did not read back as written`);
			result.imported.push({ source: item.source, target: item.target });
		} catch (error) {
			if (isCancelled(error)) throw error;
			result.failed.push({ source: item.source, reason: error instanceof ClinicalVaultError ? error.message : String(error) });
		}
	}
	options.onProgress?.(plan.items.length, plan.items.length, plan.items.at(-1)!);
	return result;
}

/**
 * The sources whose record file reads back (decrypts) now: this run's imports and earlier runs'.
 * Only these originals may be removed.
 */
export async function readBackSources(record: ClinicalRecord, plan: ImportPlan, result: ImportResult): Promise<string[]> {
	const safe: string[] = [];
	for (const { source, target } of [...result.imported, ...plan.already]) {
		if (
			await record.read(target, "internal").then(
				() => true,
				() => false,
			)
		)
			safe.push(source);
	}
	return safe;
}
