/**
 * `clinical-vault audit <vault> [--limit N] [--page P] [--all]`: prints audit entries (every
 * computer's log merged by time; the newest page by default) and whether every chain is intact;
 * exit 4 if one is broken.
 */
import type { AuditEntry, LoggedEntry } from "../../core/audit/AuditLog";
import { PASSPHRASE_FILE_OPTION, ROOT_OPTION, stringOption, usageError } from "../args";
import { cancelled, currentPassphrase, type Command } from "../command";
import { openVault, requireInitialized, withUnlocked } from "../vault";
import { INTEGRITY_EXIT } from "./verify";

const DEFAULT_LIMIT = 200;

function describe(e: AuditEntry): { file: string; note: string } {
	const file = e.path ? `${e.path}${e.fileId ? ` (${e.fileId.slice(0, 8)})` : ""}` : (e.fileId ?? "-");
	const notes: string[] = [];
	if (e.note) notes.push(e.note);
	if (e.failed?.length) notes.push(`${e.failed.length} failed unlock(s) before: ${e.failed.join(", ")}`);
	if (e.reads?.length) notes.push(`read ${e.reads.map((r) => r.path).join(", ")}`);
	if (e.until) notes.push(`locked ${e.until}`);
	if (e.undo) notes.push(`(entry ${e.undo} did not land)`);
	return { file, note: notes.join("; ") };
}

/** The entries as a table. Widths are computed in a loop (a spread into Math.max fails past ~125,000 rows). */
export function renderEntries(entries: readonly (AuditEntry & { log?: string })[]): string {
	const rows = [["LOG", "SEQ", "TIME", "ACTION", "FILE", "NOTE"]];
	for (const e of entries) {
		const { file, note } = describe(e);
		rows.push([e.log ?? "-", String(e.seq), e.time, e.action, file, note]);
	}
	const widths = rows[0]!.map(() => 0);
	for (const row of rows) for (let i = 0; i < row.length; i++) widths[i] = Math.max(widths[i]!, row[i]!.length);
	return rows
		.map(
			(r) =>
				`${r
					.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!)))
					.join("  ")
					.trimEnd()}\n`,
		)
		.join("");
}

function positive(options: Parameters<typeof stringOption>[0], name: string): number | undefined {
	const raw = stringOption(options, name);
	if (raw === undefined) return undefined;
	if (!/^[1-9][0-9]{0,8}$/.test(raw)) throw usageError(`--${name} takes a whole number from 1 (got "${raw}").`);
	return Number(raw);
}

export const auditCommand: Command = {
	name: "audit",
	synopsis: "audit <vault> [--limit N] [--page P] [--all] | --repair --reason TEXT",
	summary: "Print the audit log (time, action, file; never content) and whether its chains are intact.",
	args: ["<vault>"],
	options: [
		{ name: "limit", value: "N", description: `Entries per page (default ${DEFAULT_LIMIT}).` },
		{ name: "page", value: "P", description: "Which page, counting back from the newest (1, the default, is the newest)." },
		{ name: "all", description: "Every entry, oldest first." },
		{ name: "repair", description: "Reset a broken chain, keeping the evidence (needs --reason)." },
		{ name: "reason", value: "TEXT", description: "Why the chain is reset (kept in the log), one line." },
		ROOT_OPTION,
		PASSPHRASE_FILE_OPTION,
	],
	notes: [
		"Each computer appends to its own log; the LOG column names it, and the logs are merged by time.",
		"Every chain is verified whatever page is shown. Exit 4 when an entry was edited, removed, inserted or reordered, or a log was truncated or deleted; the entries before the break are still shown.",
		"--repair: restore the log from a backup first if you can. Otherwise each broken log is copied whole to _vault/audit/broken/ (the evidence), cut back to the entries that verify, and continued with an entry naming the copy, its hash, the lines dropped and your reason. Nothing is deleted.",
	],
	async run({ io, args, options }) {
		const limit = positive(options, "limit") ?? DEFAULT_LIMIT;
		const page = positive(options, "page") ?? 1;
		const all = options.all === true;
		const repair = options.repair === true;
		const reason = stringOption(options, "reason")?.trim();
		if (repair && !reason) throw usageError('--repair needs --reason "…" (why the chain is reset; it is kept in the log).');
		if (!repair && reason !== undefined) throw usageError("--reason goes with --repair.");
		const open = await openVault(io, args.vault!, stringOption(options, ROOT_OPTION.name));
		await requireInitialized(open);
		const passphrase = await currentPassphrase({ io, args, options });
		if (typeof passphrase !== "string") return cancelled();
		const record = open.record;
		if (repair) {
			const done = await withUnlocked(open, passphrase, () => record.audit.reset(reason!));
			if (done.length === 0) return { stdout: "Every audit log verifies: nothing to repair.\n" };
			let out = "";
			for (const r of done)
				out += `Reset audit log ${r.log}: kept ${r.kept} entries, ${r.dropped} line(s) after them kept as evidence in ${r.evidence}.\n`;
			return { stdout: out };
		}
		const result = await withUnlocked(open, passphrase, () => record.audit.verify());
		const list: LoggedEntry[] = result.entryList;
		const end = all ? list.length : Math.max(0, list.length - (page - 1) * limit);
		const start = all ? 0 : Math.max(0, end - limit);
		let out = renderEntries(list.slice(start, end));
		if (!all && list.length > limit) {
			const pages = Math.ceil(list.length / limit);
			out += `Entries ${start + 1}-${end} of ${list.length} (page ${page} of ${pages}; --page ${Math.min(page + 1, pages)} for older, --all for every entry).\n`;
		}
		const logs = result.logs.length === 1 ? "" : ` in ${result.logs.length} logs`;
		out += result.ok ? `Chain: intact, ${result.entries} entries${logs}.\n` : `Chain: BROKEN (${result.entries} good entries${logs}).\n`;
		for (const p of result.problems) out += `  ${p}\n`;
		return { stdout: out, code: result.ok ? 0 : INTEGRITY_EXIT };
	},
};
