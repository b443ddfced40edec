/**
 * `clinical-vault rm <vault> <record-path> [--yes] [--erase-signed REASON] [--unreadable]`:
 * crypto-erases one record file (its wrapped key is destroyed, then the file is removed; audit
 * "delete") with its derived copies: pending proposals computed from it, and its passages in the
 * encrypted search index (src/core/record/move.ts).
 *
 * Refused: a client's profile (never), a signed note without --erase-signed and a reason (signed
 * notes are the clinical record that retention law usually requires keeping; the reason is
 * audit-logged), and a file that does not decrypt without --unreadable. Asks y/N on a terminal;
 * without one, --yes is needed and nothing changes without it (exit 2).
 */
import { ClinicalVaultError } from "../../core/errors";
import { checkReason, checkRemovable, inspectRemoval, removeRecordFile } from "../../core/record/move";
import { unfinishedRevokeHint } from "../../core/record/consent";
import { PASSPHRASE_FILE_OPTION, ROOT_OPTION, stringOption, usageError } from "../args";
import { CANCELLED_EXIT, cancelled, currentPassphrase, type Command } from "../command";
import { notice } from "../output";
import { asUsage, openVault, requireInitialized, requireRecordFile, validRecordPath, withUnlocked } from "../vault";
import { confirm } from "../prompt";
import { syncSearchIndex } from "./consent";

export const rmCommand: Command = {
	name: "rm",
	synopsis: 'rm <vault> <record-path> [--yes] [--erase-signed "REASON"] [--unreadable]',
	summary: "Crypto-erase one record file and its derived copies (proposals, search index); audit-logged.",
	args: ["<vault>", "<record-path>"],
	options: [
		{ name: "yes", description: "Do it without asking (needed without a terminal)." },
		{
			name: "erase-signed",
			value: "REASON",
			description: "Allow erasing a signed note, saying why in one line (e.g. the retention period ended); the reason is audit-logged.",
		},
		{ name: "unreadable", description: "Allow removing a file that no longer decrypts (damaged, or its key destroyed by an interrupted erasure)." },
		ROOT_OPTION,
		PASSPHRASE_FILE_OPTION,
	],
	notes: [
		"The file's key is destroyed before it is removed, so it cannot be recovered from the record; copies in earlier backups of the vault are not reached. Pending proposals computed from it and its passages in the search index are erased with it.",
		'Signed notes are refused: they are the clinical record, which retention law usually requires keeping for years after the last session. When that period has ended (or a court or the client\'s lawful request requires it), --erase-signed "REASON" erases one; the reason goes into the audit entry, so write no clinical content in it.',
		"A client's profile is never removed: it holds the client's name and consent. Recordings and transcripts are erased with consent --revoke.",
		"A file stopped half-way through an erasure (its key destroyed, the file still there) does not decrypt: rm --unreadable finishes it (for a revoked client's recordings and transcripts, running consent --revoke again does the same).",
	],
	async run({ io, args, options }) {
		const recordPath = asUsage(() => checkRemovable(validRecordPath(args["record-path"]!)));
		const rawReason = stringOption(options, "erase-signed");
		const reason = rawReason === undefined ? undefined : asUsage(() => checkReason(rawReason));
		const open = await openVault(io, args.vault!, stringOption(options, ROOT_OPTION.name));
		await requireInitialized(open);
		await requireRecordFile(open, recordPath);
		if (options.yes !== true && io.stdin.isTTY !== true) {
			throw usageError(`Nothing was changed: there is no terminal to confirm at. Run again with --yes to crypto-erase ${recordPath}.`);
		}
		const passphrase = await currentPassphrase({ io, args, options });
		if (typeof passphrase !== "string") return cancelled();
		const { record } = open;
		const outcome = await withUnlocked(open, passphrase, async () => {
			const check = await inspectRemoval(record, recordPath);
			if (check.unreadable !== null && options.unreadable !== true) {
				const hint = await unfinishedRevokeHint(record, recordPath);
				throw new ClinicalVaultError(
					"refused",
					`${recordPath} does not decrypt: it is damaged, or an earlier erasure was stopped after destroying its key. Nothing was changed. ${hint ?? "Restore it from a backup, or remove it as it is with --unreadable."}`,
					{ path: recordPath, detail: check.unreadable },
				);
			}
			notice(
				io,
				`Crypto-erasing ${recordPath}${check.signed ? " (a signed note)" : ""}${check.derived.length > 0 ? ` and ${check.derived.length} pending proposal(s) computed from it` : ""}: it cannot be recovered from the record afterwards.`,
			);
			if (options.yes !== true && !(await confirm(io, `Erase ${recordPath}? [y/N] `))) {
				notice(io, "Nothing was changed.");
				return null;
			}
			const removed = await removeRecordFile(record, recordPath, {
				...(reason !== undefined ? { signedReason: reason } : {}),
				unreadable: options.unreadable === true,
				note: "removed with rm",
			});
			await syncSearchIndex(record);
			return removed;
		});
		if (!outcome) return { code: CANCELLED_EXIT };
		return { stdout: `Crypto-erased ${outcome.path}${outcome.derived.map((p) => `\nCrypto-erased ${p} (a proposal computed from it)`).join("")}\n` };
	},
};
