/** `clinical-vault verify <vault>`: decrypts every file and checks the audit chain; exit 4 on any failure. */
import { fingerprintProblems } from "../../core/audit/fingerprints";
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
	const unreadable = report.conflicts.filter((c) => !c.decrypts).length;
	lines.push(`Sync conflict copies: ${report.conflicts.length}${unreadable ? ` (${unreadable} cannot be read)` : ""}`);
	for (const c of report.conflicts) {
		lines.push(
			c.decrypts
				? `  CONFLICT ${c.storePath}: ${c.toolName} copy of ${c.recordPath}, waiting for your choice (clinical-vault conflicts <vault> --show "${c.storePath}")`
				: `  CONFLICT ${c.storePath}: cannot be read as ${c.recordPath}: ${c.problem ?? "it does not decrypt"} (kept; never removed)`,
		);
	}
	const audit = report.audit;
	const logs = audit.logs.length === 1 ? "" : ` in ${audit.logs.length} logs`;
	lines.push(
		audit.ok
			? `Audit log: ${audit.entries} ${audit.entries === 1 ? "entry" : "entries"}${logs}, chain intact`
			: `Audit log: BROKEN (${audit.entries} good entries${logs})`,
	);
	for (const p of audit.problems) lines.push(`  AUDIT ${p}`);
	const history = report.history;
	lines.push(
		`Files against the audit log: ${plural(history.rolledBack.length, "rolled-back file")}, ${plural(history.deleted.length, "deleted file")}, ${history.unlogged.length} unlogged`,
	);
	for (const p of fingerprintProblems(history)) lines.push(`  HISTORY ${p}`);
	for (const p of history.unlogged)
		lines.push(`  UNLOGGED ${p}: a version no audit log names (from a computer whose log has not synced yet, or changed outside Clinical Vault)`);
	for (const p of report.keyFile) lines.push(`  KEYFILE ${p}`);
	const waiting = report.conflicts.length - unreadable;
	if (report.ok) lines.push(waiting ? `Result: OK (${plural(waiting, "sync conflict")} to resolve)` : "Result: OK");
	else {
		const parts: string[] = [];
		if (report.failures.length) parts.push(`${plural(report.failures.length, "file")} failed`);
		if (report.plaintext.length) parts.push(`${plural(report.plaintext.length, "plaintext file")} found`);
		if (!audit.ok) parts.push("audit chain broken");
		if (history.rolledBack.length) parts.push(`${plural(history.rolledBack.length, "file")} rolled back`);
		if (history.deleted.length) parts.push(`${plural(history.deleted.length, "file")} deleted`);
		if (report.keyFile.length) parts.push("key file incomplete");
		if (unreadable) parts.push(`${unreadable} conflict cop${unreadable === 1 ? "y" : "ies"} cannot be read`);
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
		const open = await openVault(io, args.vault!, stringOption(options, ROOT_OPTION.name));
		await requireInitialized(open);
		const passphrase = await currentPassphrase({ io, args, options });
		if (typeof passphrase !== "string") return cancelled();
		const record = open.record;
		const report = await withUnlocked(open, passphrase, async () => {
			const result = await record.verify();
			const note = `${result.filesChecked} files, ${result.failures.length} failed, ${result.plaintext.length} plaintext, audit ${result.audit.ok ? "intact" : "broken"}, ${result.history.rolledBack.length} rolled back, ${result.history.deleted.length} deleted, conflicts ${result.conflicts.length}`;
			await record.audit.append("verify", { note });
			return result;
		});
		return { stdout: renderReport(`${open.vault}/${open.root}/`, report), code: report.ok ? 0 : INTEGRITY_EXIT };
	},
};
