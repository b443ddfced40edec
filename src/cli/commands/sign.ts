/**
 * `clinical-vault sign <vault> <record-path> --signer "Name" [--override "reason"] [--risk-not-assessed "reason"]` and
 * `clinical-vault addendum <vault> <record-path> --from FILE|- [--signer "Name"]`.
 */
import { addAddendum, RiskGateRefused, signNote } from "../../core/notes/signing";
import { PASSPHRASE_FILE_OPTION, ROOT_OPTION, stringOption, usageError } from "../args";
import { cancelled, currentPassphrase, type Command } from "../command";
import { readSource } from "../input";
import { openVault, requireInitialized, requireRecordFile, validRecordPath, withUnlocked } from "../vault";
import { ClinicalVaultError } from "../../core/errors";

export const signCommand: Command = {
	name: "sign",
	synopsis: 'sign <vault> <record-path> --signer "Name" [--override "reason"] [--risk-not-assessed "reason"]',
	summary: "Sign a reviewed note: stamps signer, time and a hash of its whole text; the note is then read-only.",
	args: ["<vault>", "<record-path>"],
	options: [
		{
			name: "signer",
			value: "NAME",
			description: "Your name and credentials as they should appear on the note (default: the plugin's signer name setting).",
		},
		{ name: "override", value: "REASON", description: "Sign although review markers remain; the reason is recorded in the note and the audit log." },
		{
			name: "risk-not-assessed",
			value: "REASON",
			description:
				"The session mentioned risk and you did not assess it: sign with the reason, written into the risk section and the frontmatter; the audit log notes it.",
		},
		ROOT_OPTION,
		PASSPHRASE_FILE_OPTION,
	],
	notes: [
		"Signing is refused while review markers (==[review: …]==) remain, and lists them. After signing, changes go in an addendum.",
		'When the session mentioned risk, signing is also refused while the risk section holds the placeholder or is empty, --override or not: write your assessment there, or give --risk-not-assessed "reason".',
	],
	async run({ io, args, options }) {
		const path = validRecordPath(args["record-path"]!);
		const override = stringOption(options, "override");
		const riskNotAssessed = stringOption(options, "risk-not-assessed");
		if (riskNotAssessed !== undefined && riskNotAssessed.trim() === "")
			throw usageError('--risk-not-assessed needs the reason, e.g. --risk-not-assessed "Client left before risk could be assessed".');
		const open = await openVault(io, args.vault!, stringOption(options, ROOT_OPTION.name));
		const signer = stringOption(options, "signer") ?? (open.settings.signerName || undefined);
		if (signer === undefined) throw usageError('sign needs --signer "Name" (or a signer name in the plugin\'s settings).');
		await requireInitialized(open);
		await requireRecordFile(open, path);
		const passphrase = await currentPassphrase({ io, args, options });
		if (typeof passphrase !== "string") return cancelled();
		const result = await withUnlocked(open, passphrase, () =>
			signNote(open.record, path, {
				signer,
				now: new Date(),
				...(override !== undefined ? { override } : {}),
				...(riskNotAssessed !== undefined ? { riskNotAssessed } : {}),
			}).catch((error: unknown) => {
				if (error instanceof RiskGateRefused)
					throw new ClinicalVaultError("refused", `${error.message} On the command line: add --risk-not-assessed "reason".`, {
						path,
						detail: error.detail,
					});
				throw error;
			}),
		);
		const notes = [
			...(result.markersOverridden ? [`${result.markersOverridden} review marker(s) overridden`] : []),
			...(result.riskNotAssessed ? ["risk recorded as not assessed"] : []),
		];
		return { stdout: `Signed ${path} (sha256 ${result.contentSha256.slice(0, 16)}…${notes.map((n) => `, ${n}`).join("")}).\n` };
	},
};

export const addendumCommand: Command = {
	name: "addendum",
	synopsis: 'addendum <vault> <record-path> --from FILE|- [--signer "Name"]',
	summary: "Append a dated addendum to a signed note, recorded with its own hash (the signed text itself never changes).",
	args: ["<vault>", "<record-path>"],
	options: [
		{ name: "from", value: "FILE|-", description: "The addendum's text; - (the default) reads stdin." },
		{ name: "signer", value: "NAME", description: "Who writes the addendum." },
		ROOT_OPTION,
		PASSPHRASE_FILE_OPTION,
	],
	async run({ io, args, options }) {
		const path = validRecordPath(args["record-path"]!);
		const open = await openVault(io, args.vault!, stringOption(options, ROOT_OPTION.name));
		await requireInitialized(open);
		await requireRecordFile(open, path);
		const passphrase = await currentPassphrase({ io, args, options });
		if (typeof passphrase !== "string") return cancelled();
		const text = new TextDecoder().decode(await readSource(io, stringOption(options, "from") ?? "-"));
		const signer = stringOption(options, "signer");
		await withUnlocked(open, passphrase, () => addAddendum(open.record, path, text, { now: new Date(), ...(signer !== undefined ? { signer } : {}) }));
		return { stdout: `Added an addendum to ${path}.\n` };
	},
};
