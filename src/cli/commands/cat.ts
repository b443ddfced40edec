/** `clinical-vault cat <vault> <record-path>`: decrypts to stdout (raw bytes); nothing on failure. */
import { PASSPHRASE_FILE_OPTION, ROOT_OPTION, stringOption } from "../args";
import { cancelled, currentPassphrase, type Command } from "../command";
import { openVault, requireInitialized, requireRecordFile, validRecordPath, withUnlocked } from "../vault";

export const catCommand: Command = {
	name: "cat",
	synopsis: "cat <vault> <record-path>",
	summary: "Decrypt a record file to stdout.",
	args: ["<vault>", "<record-path>"],
	options: [ROOT_OPTION, PASSPHRASE_FILE_OPTION],
	notes: [
		"The whole file is authenticated before a single byte is written: a damaged, truncated or swapped file prints nothing and exits with 4, naming the file.",
	],
	async run({ io, args, options }) {
		const recordPath = validRecordPath(args["record-path"]!);
		const open = await openVault(io, args.vault!, stringOption(options, ROOT_OPTION.name));
		await requireInitialized(open);
		await requireRecordFile(open, recordPath);
		const passphrase = await currentPassphrase({ io, args, options });
		if (typeof passphrase !== "string") return cancelled();
		const plaintext = await withUnlocked(open, passphrase, () => open.record.read(recordPath));
		return { stdout: plaintext };
	},
};
