/**
 * `clinical-vault mv <vault> <from> <to>`: moves (renames) one record file within a client's
 * folder. Record files are bound to their path, so the file is re-encrypted for the new path: the
 * plaintext is written there (audit "create") and the old file is crypto-erased and removed (audit
 * "delete", noted "moved to …"); the search index follows. Resumable: stopped between the two
 * steps, both files exist, and running the same mv again finishes it. The rules (same client,
 * fixed pages, rule-carrying folders, file type, pending proposals) are in src/core/record/move.ts.
 */
import { ClinicalVaultError } from "../../core/errors";
import { checkMove, moveRecordFile } from "../../core/record/move";
import { PASSPHRASE_FILE_OPTION, ROOT_OPTION, stringOption } from "../args";
import { cancelled, currentPassphrase, type Command } from "../command";
import { notice } from "../output";
import { asUsage, openVault, requireClient, requireInitialized, validRecordPath, withUnlocked } from "../vault";
import { syncSearchIndex } from "./consent";

export const mvCommand: Command = {
	name: "mv",
	synopsis: "mv <vault> <from> <to>",
	summary: "Move or rename a record file within its client's folder (re-encrypted for the new path; audit-logged).",
	args: ["<vault>", "<from>", "<to>"],
	options: [ROOT_OPTION, PASSPHRASE_FILE_OPTION],
	notes: [
		"Both paths are record paths of the same client, e.g. C-0142/notes/2026-09-01.md C-0142/notes/2026-09-02.md. The destination must not exist (a move never overwrites).",
		"Each record file is bound to its path, so a move writes the file anew for its new path and then crypto-erases the old one. If mv is stopped between the two, both exist with the same content: run the same mv again to finish it.",
		"Refused: another client's folder (client folders are per client: put a copy there and rm this one, two explicit steps); the client's profile, parts map and treatment plan (found by their place); moving into or out of audio/, transcripts/, psychotherapy/ or proposals/ (retention, consent revoke and the psychotherapy-note rule go by these folders; renaming inside one is fine); a change of file type; a file with a pending proposal computed from it (apply or decline it first). Links to the file in other notes are not rewritten.",
	],
	async run({ io, args, options }) {
		const { from, to } = asUsage(() => checkMove(validRecordPath(args.from!), validRecordPath(args.to!)));
		const open = await openVault(io, args.vault!, stringOption(options, ROOT_OPTION.name));
		await requireInitialized(open);
		await requireClient(open, from.split("/")[0]!);
		if (!(await open.record.exists(from))) {
			const landed = await open.record.exists(to);
			throw new ClinicalVaultError(
				"not-found",
				`${from} does not exist in the record.${landed ? ` ${to} does: if it was moved there, the move is complete.` : ""} Nothing was changed.`,
				{ path: from },
			);
		}
		const passphrase = await currentPassphrase({ io, args, options });
		if (typeof passphrase !== "string") return cancelled();
		const { record } = open;
		const moved = await withUnlocked(open, passphrase, async () => {
			const result = await moveRecordFile(record, from, to);
			await syncSearchIndex(record);
			return result;
		});
		if (moved.resumed) notice(io, `${to} already held the same content (an earlier mv was stopped half-way): finished it by erasing ${from}.`);
		return { stdout: `${moved.to}\n` };
	},
};
