/** `clinical-vault put <vault> <record-path> [--from FILE|-]`: encrypts content into the record. */
import { ClinicalVaultError } from "../../core/errors";
import { looksEncrypted } from "../../core/crypto/fileformat";
import { PASSPHRASE_FILE_OPTION, ROOT_OPTION, stringOption } from "../args";
import { cancelled, currentPassphrase, type Command } from "../command";
import { readSource } from "../input";
import { checkEditable } from "../../core/notes/signing";
import { openVault, requireClient, requireInitialized, validRecordPath, withUnlocked } from "../vault";

export const putCommand: Command = {
	name: "put",
	synopsis: "put <vault> <record-path> [--from FILE|-] [--replace]",
	summary: "Encrypt a file, or stdin, into the record; prints the record path.",
	args: ["<vault>", "<record-path>"],
	options: [
		{ name: "from", value: "FILE|-", description: "Where the content comes from; - (the default) is stdin." },
		{ name: "replace", description: "Replace the record file if it exists (never a signed note)." },
		ROOT_OPTION,
		PASSPHRASE_FILE_OPTION,
	],
	notes: [
		"<record-path> is relative to the clinical root and starts with an existing client's code, e.g. C-0142/notes/2026-09-01.md.",
		"An existing record file is replaced (keeping its file id) only with --replace, and never when it is a signed note; one that belongs to another path is never overwritten. Empty content never replaces an existing file, and content that is already encrypted is refused.",
	],
	async run({ io, args, options }) {
		const recordPath = validRecordPath(args["record-path"]!);
		const source = stringOption(options, "from") ?? "-";
		const open = await openVault(io, args.vault!, stringOption(options, ROOT_OPTION.name));
		await requireInitialized(open);
		await requireClient(open, recordPath.split("/")[0]!);
		const passphrase = await currentPassphrase({ io, args, options });
		if (typeof passphrase !== "string") return cancelled();
		const data = await readSource(io, source);
		try {
			if (looksEncrypted(data)) {
				throw new ClinicalVaultError(
					"refused",
					`The content for ${recordPath} is already a Clinical Vault encrypted file; decrypt it with "clinical-vault cat" first. Nothing was changed.`,
				);
			}
			if (data.length === 0 && (await open.record.exists(recordPath))) {
				throw new ClinicalVaultError("refused", `The content is empty and ${recordPath} is not; refusing to empty it. Nothing was changed.`);
			}
			const written = await withUnlocked(open, passphrase, async () => {
				await checkEditable(open.record, recordPath);
				if (options.replace !== true && (await open.record.exists(recordPath))) {
					throw new ClinicalVaultError("refused", `${recordPath} already exists in the record. Nothing was changed; add --replace to replace it.`);
				}
				return open.record.write(recordPath, data);
			});
			return { stdout: `${written.path}\n` };
		} finally {
			data.fill(0);
		}
	},
};
