/** `clinical-vault verify <vault>`: decrypts every file and checks the audit chain; exit 4 on any failure. */
import type { VerifyReport } from "../../core/record/ClinicalRecord";
import { PASSPHRASE_FILE_OPTION, ROOT_OPTION, stringOption } from "../args";
import { cancelled, currentPassphrase, type Command } from "../command";
import { openVault, requireInitialized, withUnlocked } from "../vault";

export const INTEGRITY_EXIT = 4;

function plural(n: number, word: string): string {
	return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export function renderReport(where: string, report: VerifyReport): string {
	const lines = [`Record: ${where}`, `Files checked: ${report.filesChecked}`];
	lines.push(`Failures: ${report.failures.length}`);
	for (const f of report.failures) lines.push(`  FAILED ${f.path}: ${f.message}`);
	lines.push(`Plaintext files in the record: ${report.plaintext.length}`);
	for (const p of report.plaintext) lines.push(`  PLAINTEXT ${p}`);
	const audit = report.audit;
	lines.push(audit.ok ? `Audit log: ${audit.entries} ${audit.entries === 1 ? "entry" : "entries"}, chain intact` : `Audit log: chain BROKEN after ${audit.entries} good entries`);
	for (const p of audit.problems) lines.push(`  AUDIT ${p}`);
	if (report.ok) lines.push("Result: OK");
	else {
		const parts: string[] = [];
		if (report.failures.length) parts.push(`${plural(report.failures.length, "file")} failed`);
		if (report.plaintext.length) parts.push(`${plural(report.plaintext.length, "plaintext file")} found`);
		if (!audit.ok) parts.push("audit chain broken");
		lines.push(`Result: FAILED (${parts.join(", ")})`);
	}
	return `${lines.join("\n")}\n`;
}

export const verifyCommand: Command = {
	name: "verify",
	synopsis: "verify <vault>",
	summary: "Decrypt every record file and check the audit chain; exit 4 if anything fails.",
	args: ["<vault>"],
	options: [ROOT_OPTION, PASSPHRASE_FILE_OPTION],
	notes: ["Nothing is decrypted to disk and nothing is repaired: it only reports."],
	async run({ io, args, options }) {
		const open = await openVault(args.vault!, stringOption(options, ROOT_OPTION.name));
		await requireInitialized(open);
		const passphrase = await currentPassphrase({ io, args, options });
		if (typeof passphrase !== "string") return cancelled();
		const record = open.record;
		const report = await withUnlocked(
			record,
			passphrase,
			async () => {
				const result = await record.verify();
				const note = `${result.filesChecked} files, ${result.failures.length} failed, ${result.plaintext.length} plaintext, audit ${result.audit.ok ? "intact" : "broken"}`;
				await record.audit.append("verify", { note });
				return result;
			},
		);
		return { stdout: renderReport(`${open.vault}/${open.root}/`, report), code: report.ok ? 0 : INTEGRITY_EXIT };
	},
};
