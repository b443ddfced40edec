/**
 * `clinical-vault review <vault> <record-path> [--json]`: a drafted note or document sentence by
 * sentence, each with the input moments that support it (transcript timestamps or summary lines)
 * and its review markers, so a clinician checks a sentence against the session in one look.
 */
import { renderReview, reviewNote } from "../../core/notes/review";
import { PASSPHRASE_FILE_OPTION, ROOT_OPTION, stringOption } from "../args";
import { cancelled, currentPassphrase, type Command } from "../command";
import { openVault, requireInitialized, requireRecordFile, validRecordPath, withUnlocked } from "../vault";

export const reviewCommand: Command = {
	name: "review",
	synopsis: "review <vault> <record-path> [--json]",
	summary: "Show a draft sentence by sentence with the session moments that support each one, and its review markers.",
	args: ["<vault>", "<record-path>"],
	options: [{ name: "json", description: "Print JSON instead of text." }, ROOT_OPTION, PASSPHRASE_FILE_OPTION],
	notes: ["Evidence is computed from the note as it is now and the transcript or summary it was drafted from (its frontmatter names it)."],
	async run({ io, args, options }) {
		const recordPath = validRecordPath(args["record-path"]!);
		const open = await openVault(io, args.vault!, stringOption(options, ROOT_OPTION.name));
		await requireInitialized(open);
		await requireRecordFile(open, recordPath);
		const passphrase = await currentPassphrase({ io, args, options });
		if (typeof passphrase !== "string") return cancelled();
		const review = await withUnlocked(open, passphrase, () => reviewNote(open.record, recordPath));
		return { stdout: options.json === true ? `${JSON.stringify(review, null, 2)}\n` : renderReview(review) };
	},
};
