/**
 * Writes an import plan into the record (issue 18), one file at a time: the note as the clinician
 * wrote it (with `session_date:` added when only another field, the name or the text gave it), a
 * transcript in our form (every line, its speaker and time kept), a recording as it is. Each file is
 * encrypted, read back and compared before it counts as imported, and the journal is updated after
 * each, so a run stopped anywhere is resumed by running it again. Never replaces a record file.
 */
import { equalBytes, sha256, toHex, utf8 } from "../bytes";
import { Cancelled, ClinicalVaultError, isCancelled } from "../errors";
import { splitFrontmatter } from "../markdown/frontmatter";
import type { ClinicalRecord } from "../record/ClinicalRecord";
import { timestamp } from "../transcribe/segments";
import { parseAnyTranscript } from "../transcribe/forms";
import { decodeText, type ImportPlan, type ImportSource, type PlannedImport } from "./importPlan";
import { readJournal, writeJournal } from "./journal";

export interface ImportResult {
	imported: { source: string; target: string }[];
	failed: { source: string; reason: string }[];
}

/** A note's text with `session_date` (when it was missing) and `imported` in its frontmatter; the rest as written. */
export function noteText(text: string, item: PlannedImport, now: Date): string {
	let hasDate = false;
	let front: string | null = null;
	try {
		const { data } = splitFrontmatter(text, item.source);
		hasDate = data.session_date !== undefined;
		front = /^---\n/.test(text) ? "yes" : null;
	} catch {
		front = null;
	}
	const fields = `${hasDate ? "" : `session_date: ${item.date}\n`}imported: ${now.toISOString()}\n`;
	if (front) return `---\n${fields}${text.slice(4)}`;
	return `---\n${fields}---\n${text}`;
}

/** A transcript in our form: frontmatter, then "[mm:ss] **Speaker:** text" lines (untimed lines without the stamp). */
export function transcriptText(text: string, item: PlannedImport, now: Date): string {
	let body = text;
	try {
		body = splitFrontmatter(text, item.source).body;
	} catch {
		// Read the whole text as the transcript.
	}
	const parsed = parseAnyTranscript(body);
	const lines = parsed.lines.map((l) => `${l.start === null ? "" : `[${timestamp(Math.floor(l.start))}] `}${l.speaker ? `**${l.speaker.replace(/\*/g, "")}:** ` : ""}${l.text}`);
	const front = [
		"---",
		"kind: transcript",
		`client: ${item.client}`,
		`session_date: ${item.date}`,
		`source_format: ${parsed.form}`,
		`segments: ${lines.length}`,
		`imported: ${now.toISOString()}`,
		"---",
	].join("\n");
	const notice = parsed.problems.length > 0 ? `> Imported transcript: ${parsed.problems.length} cue(s) had no valid time and are kept as text.\n\n` : "> Imported transcript.\n\n";
	return `${front}\n# Transcript, ${item.client}, ${item.date}\n\n${notice}${lines.join("\n\n")}\n`;
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
			if (toHex(await sha256(bytes)) !== item.sha) throw new ClinicalVaultError("refused", "the file changed since the plan was made; run the import again");
			let content: Uint8Array;
			if (item.kind === "audio") content = bytes;
			else {
				const text = decodeText(bytes);
				if (text === null) throw new ClinicalVaultError("invalid-input", "not UTF-8 or UTF-16 text");
				content = utf8(item.kind === "note" ? noteText(text, item, now()) : transcriptText(text, item, now()));
			}
			if (await record.exists(item.target)) throw new ClinicalVaultError("already-exists", `${item.target} exists now; run the import again to give this file another name`);
			await record.write(item.target, content, { action: "import" });
			const back = await record.read(item.target, "internal");
			if (!equalBytes(back, content)) throw new ClinicalVaultError("integrity", `${item.target} did not read back as written`);
			journal.imported[item.sha] = item.target;
			await writeJournal(record, journal);
			result.imported.push({ source: item.source, target: item.target });
		} catch (error) {
			if (isCancelled(error)) throw error;
			result.failed.push({ source: item.source, reason: error instanceof ClinicalVaultError ? error.message : String(error) });
		}
	}
	options.onProgress?.(plan.items.length, plan.items.length, plan.items.at(-1)!);
	return result;
}
