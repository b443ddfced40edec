/**
 * `clinical-vault passwd <vault>`: re-wraps the vault key under a new passphrase (only the key
 * file is rewritten, atomically), with the current passphrase or with the recovery key.
 */
import { checkPassphraseStrength, decodeRecoveryKey } from "../../core/crypto/keyfile";
import { PASSPHRASE_FILE_OPTION, ROOT_OPTION, stringOption, usageError } from "../args";
import { cancelled, currentPassphrase, type Command } from "../command";
import { getPassphrase, NEW_PASSPHRASE_ENV, readFirstLine } from "../passphrase";
import { asUsage, openVault, requireInitialized, withUnlocked } from "../vault";

const NEW_FILE = "new-passphrase-file";
const RECOVERY_FILE = "recovery-key-file";

export const passwdCommand: Command = {
	name: "passwd",
	synopsis: "passwd <vault> [--new-passphrase-file FILE] [--recovery-key-file FILE]",
	summary: "Change the passphrase, or set a new one with the recovery key.",
	args: ["<vault>"],
	options: [
		{
			name: NEW_FILE,
			value: "FILE",
			description: `Read the new passphrase from the first line of FILE (else $${NEW_PASSPHRASE_ENV}, else a prompt, typed twice).`,
		},
		{ name: RECOVERY_FILE, value: "FILE", description: "Use the recovery key in FILE instead of the current passphrase." },
		ROOT_OPTION,
		{ ...PASSPHRASE_FILE_OPTION, description: "Read the current passphrase from the first line of FILE (else $CLINICAL_VAULT_PASSPHRASE, else a prompt)." },
	],
	notes: ["Only the key file changes; notes are not re-encrypted and the recovery key keeps working. The key derivation cost stays as it was."],
	async run({ io, args, options }) {
		const recoveryFile = stringOption(options, RECOVERY_FILE);
		if (recoveryFile !== undefined && stringOption(options, PASSPHRASE_FILE_OPTION.name) !== undefined) {
			throw usageError(`Use either --${RECOVERY_FILE} or --${PASSPHRASE_FILE_OPTION.name}, not both.`);
		}
		const open = await openVault(io, args.vault!, stringOption(options, ROOT_OPTION.name));
		await requireInitialized(open);
		let recoveryKey: string | undefined;
		let current: string | undefined;
		if (recoveryFile !== undefined) {
			recoveryKey = await readFirstLine(recoveryFile, "recovery key", `--${RECOVERY_FILE}`);
			const key = recoveryKey;
			asUsage(() => decodeRecoveryKey(key)).fill(0);
		} else {
			const given = await currentPassphrase({ io, args, options });
			if (typeof given !== "string") return cancelled();
			current = given;
		}
		const next = await getPassphrase(io, {
			file: stringOption(options, NEW_FILE),
			fileFlag: `--${NEW_FILE}`,
			envName: NEW_PASSPHRASE_ENV,
			label: "New passphrase: ",
			confirm: true,
			what: "new passphrase",
		});
		if (typeof next !== "string") return cancelled();
		asUsage(() => checkPassphraseStrength(next));
		if (current !== undefined && next === current) throw usageError("The new passphrase is the same as the current one. Nothing was changed.");
		const record = open.record;
		if (recoveryKey !== undefined) {
			const key = recoveryKey;
			await withUnlocked(
				open,
				() => record.unlockWithRecoveryKey(key, next),
				() => Promise.resolve(),
			);
			return { stdout: "New passphrase set with the recovery key. Only the key file was rewritten; the recovery key still works.\n" };
		}
		// changePassphrase checks the current passphrase itself and audit-logs the change with the
		// vault key it unwrapped, so no separate unlock (and no third key derivation) is needed.
		await record.changePassphrase(current!, next);
		return { stdout: "Passphrase changed. Only the key file was rewritten; the recovery key still works.\n" };
	},
};
