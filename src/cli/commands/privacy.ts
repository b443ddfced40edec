/**
 * `clinical-vault privacy-check <vault> [--json] [--locked]`: what in and around the vault puts the
 * record at risk (src/core/privacy/check.ts), each finding with a one-line fix. Exit 0 when clean,
 * 5 when it found something to fix. It reads and reports; it changes nothing.
 *
 * It unlocks the record (passphrase as for every command) because client names, retention dates
 * and the audit chain are inside the encryption. When it cannot unlock, it fails like the other
 * commands (wrong passphrase: exit 3; no passphrase and no terminal: exit 2 naming the flags) rather
 * than reporting "clean" on half the checks. `--locked` runs without the passphrase on purpose: the
 * key-free checks run and the others are listed as not checked.
 */
import { leftoverPrivateDirs } from "../../engines/privateTemp";
import { findConfigDirs } from "../../core/privacy/obsidianConfig";
import { renderPrivacyReport, runPrivacyCheck, type PrivacyReport } from "../../core/privacy/check";
import { PASSPHRASE_FILE_OPTION, ROOT_OPTION, stringOption } from "../args";
import { cancelled, currentPassphrase, type Command } from "../command";
import { openVault, requireInitialized, withUnlocked } from "../vault";

export const PRIVACY_FINDINGS_EXIT = 5;

export const privacyCheckCommand: Command = {
	name: "privacy-check",
	synopsis: "privacy-check <vault> [--json] [--locked]",
	summary:
		"Look for what puts the record at risk (plaintext, client names in paths, leftover or overdue audio, audit chain, Obsidian settings); exit 5 if anything needs fixing.",
	args: ["<vault>"],
	options: [
		{ name: "json", description: "Print the report as JSON." },
		{ name: "locked", description: "Do not unlock: skip the checks that need the key (names in paths, retention, audit chain)." },
		ROOT_OPTION,
		PASSPHRASE_FILE_OPTION,
	],
	notes: [
		"Each finding has a severity (high, medium, info) and a one-line fix. Exit 0 when there is no high or medium finding, 5 when there is.",
		"Obsidian settings are read from every top-level hidden folder of the vault that has app.json or plugins/ (the config folder can be renamed). Nothing is changed.",
	],
	async run({ io, args, options }) {
		const locked = options.locked === true;
		const open = await openVault(io, args.vault!, stringOption(options, ROOT_OPTION.name));
		if (!locked) await requireInitialized(open);
		const record = open.record;
		const check = async (): Promise<PrivacyReport> =>
			runPrivacyCheck({
				record,
				configDirs: await findConfigDirs(record.store),
				retentionHours: open.settings.audioRetentionHours,
				leftoverTempDirs: () => leftoverPrivateDirs(),
			});
		let report: PrivacyReport;
		if (locked) report = await check();
		else {
			const passphrase = await currentPassphrase({ io, args, options });
			if (typeof passphrase !== "string") return cancelled();
			report = await withUnlocked(open, passphrase, check);
		}
		const code = report.clean ? 0 : PRIVACY_FINDINGS_EXIT;
		if (options.json === true) return { stdout: `${JSON.stringify({ vault: open.vault, root: open.root, ...report }, null, 2)}\n`, code };
		return { stdout: renderPrivacyReport(`${open.vault}/ (clinical root ${open.root}/)`, report), code };
	},
};
