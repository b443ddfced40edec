/** `clinical-vault audit <vault>`: prints the audit entries and the chain state; exit 4 if broken. */
import type { AuditEntry } from "../../core/audit/AuditLog";
import { PASSPHRASE_FILE_OPTION, ROOT_OPTION, stringOption } from "../args";
import { cancelled, currentPassphrase, type Command } from "../command";
import { openVault, requireInitialized, withUnlocked } from "../vault";
import { INTEGRITY_EXIT } from "./verify";

export function renderEntries(entries: readonly AuditEntry[]): string {
	const rows = [["SEQ", "TIME", "ACTION", "FILE", "NOTE"]];
	for (const e of entries) {
		const file = e.path ? `${e.path}${e.fileId ? ` (${e.fileId.slice(0, 8)})` : ""}` : (e.fileId ?? "-");
		rows.push([String(e.seq), e.time, e.action, file, e.note ?? ""]);
	}
	const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
	return rows.map((r) => `${r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ").trimEnd()}\n`).join("");
}

export const auditCommand: Command = {
	name: "audit",
	synopsis: "audit <vault>",
	summary: "Print the audit log (time, action, file; never content) and whether its chain is intact.",
	args: ["<vault>"],
	options: [ROOT_OPTION, PASSPHRASE_FILE_OPTION],
	notes: ["Exit 4 when an entry was edited, removed, inserted or reordered; the entries before the break are still shown."],
	async run({ io, args, options }) {
		const open = await openVault(args.vault!, stringOption(options, ROOT_OPTION.name));
		await requireInitialized(open);
		const passphrase = await currentPassphrase({ io, args, options });
		if (typeof passphrase !== "string") return cancelled();
		const record = open.record;
		const result = await withUnlocked(
			record,
			passphrase,
			() => record.audit.verify(),
		);
		let out = renderEntries(result.entryList);
		out += result.ok ? `Chain: intact, ${result.entries} entries.\n` : `Chain: BROKEN after ${result.entries} good entries.\n`;
		for (const p of result.problems) out += `  ${p}\n`;
		return { stdout: out, code: result.ok ? 0 : INTEGRITY_EXIT };
	},
};
