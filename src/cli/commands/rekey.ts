/**
 * `clinical-vault rekey <vault>`: rotates the vault key (ClinicalRecord.rotateVaultKey): a new vault
 * key for the same passphrase and a new recovery key, then every file's key block re-wrapped.
 */
import { ROOT_OPTION, PASSPHRASE_FILE_OPTION, stringOption } from "../args";
import { cancelled, currentPassphrase, type Command } from "../command";
import { openVault, requireInitialized, withUnlocked } from "../vault";

export const rekeyCommand: Command = {
	name: "rekey",
	synopsis: "rekey <vault>",
	summary: "Rotate the vault key: old copies of the key file stop opening today's files; prints a new recovery key once.",
	args: ["<vault>"],
	options: [ROOT_OPTION, PASSPHRASE_FILE_OPTION],
	notes: [
		"After a passphrase change an old copy of the key file (a backup, a sync tool's history) still opens today's files with the old passphrase. rekey makes a new vault key, wraps every file's key with it (the contents are not re-encrypted, so it is quick), and replaces the recovery key: the old recovery key stops working. Your passphrase stays the same.",
		"If it is interrupted, every file still opens; run it again to finish (a new recovery key is shown then). Close Clinical Vault in Obsidian first, so nothing is saved with the old key meanwhile.",
	],
	async run({ io, args, options }) {
		const open = await openVault(io, args.vault!, stringOption(options, ROOT_OPTION.name));
		await requireInitialized(open);
		const passphrase = await currentPassphrase({ io, args, options });
		if (typeof passphrase !== "string") return cancelled();
		const record = open.record;
		const done = await withUnlocked(open, passphrase, () => record.rotateVaultKey(passphrase));
		const stdout = [
			done.resumed ? `Finished the interrupted key rotation of ${open.vault}/${open.root}/.` : `Rotated the vault key of ${open.vault}/${open.root}/.`,
			`Files re-wrapped for the new key: ${done.rewrapped}.`,
			"",
			"NEW RECOVERY KEY (shown this once, never again; the old one no longer works):",
			"",
			`    ${done.recoveryKey}`,
			"",
			"Write it on paper or print it now, and keep it offline in a safe place: never inside the vault",
			"and never on this computer.",
			"",
		].join("\n");
		return { stdout };
	},
};
