/**
 * `clinical-vault client add <vault> --code C-0142 --name "Full Name" [--modality ifs] [--alias Robbie]
 * [--recording-consent yes|no [--consent-scope TEXT]]`: with --recording-consent the client's
 * recording consent (dated today) is recorded in the new profile too, as `consent --recording` would.
 */
import { ClinicalVaultError } from "../../core/errors";
import { checkConsentInput, setConsent } from "../../core/record/consent";
import { PASSPHRASE_FILE_OPTION, ROOT_OPTION, stringOption, usageError } from "../args";
import { cancelled, currentPassphrase, type Command } from "../command";
import { asUsage, localDate, openVault, requireInitialized, validClientCode, withUnlocked } from "../vault";
import { consentFromFlags } from "./consent";

export const clientAddCommand: Command = {
	name: "client add",
	synopsis: 'client add <vault> --code CODE --name "Full Name" [--modality M] [--alias NAME,…] [--recording-consent yes|no [--consent-scope TEXT]]',
	summary: "Add a client: a folder named by the code and an encrypted profile with the name.",
	args: ["<vault>"],
	options: [
		{ name: "code", value: "CODE", description: "Client code, capitals and digits like C-0142 (never a name or initials)." },
		{ name: "name", value: "NAME", description: "The client's full name; stored only inside the encrypted profile." },
		{ name: "modality", value: "M", description: "Therapy modality, e.g. ifs (optional)." },
		{ name: "alias", value: "NAME[,NAME…]", description: "Other names the client goes by (a nickname, a former name), comma-separated: kept in the encrypted profile and taken out of everything sent to a model, like the name." },
		{ name: "recording-consent", value: "yes|no", description: "Also record whether the client consents to recording, dated today (see the consent command)." },
		{ name: "consent-scope", value: "TEXT", description: "What that consent covers, one line (default: the standard scope)." },
		ROOT_OPTION,
		PASSPHRASE_FILE_OPTION,
	],
	notes: ["Prints the profile's record path (CODE/profile.md). The name never appears in a path. Note that your shell may keep the command line in its history."],
	async run({ args, options, io }) {
		const rawCode = stringOption(options, "code");
		const name = stringOption(options, "name")?.trim();
		const modality = stringOption(options, "modality")?.trim();
		const aliases = (stringOption(options, "alias") ?? "").split(",").map((a) => a.trim()).filter((a) => a !== "");
		if (rawCode === undefined) throw usageError('"client add" needs --code CODE (like C-0142).');
		const code = validClientCode(rawCode);
		if (name === undefined || name === "") throw usageError('"client add" needs --name "Full Name".');
		if (modality === "") throw usageError("--modality is empty.");
		const flags = consentFromFlags(options);
		const today = localDate(new Date());
		const consent = flags === undefined ? undefined : asUsage(() => checkConsentInput({ ...flags, date: today }, today));
		const open = await openVault(args.vault!, stringOption(options, ROOT_OPTION.name));
		await requireInitialized(open);
		const profilePath = open.record.layout.profilePath(code);
		if (await open.record.exists(profilePath)) throw new ClinicalVaultError("already-exists", `Client ${code} already exists. Nothing was changed.`);
		const passphrase = await currentPassphrase({ io, args, options });
		if (typeof passphrase !== "string") return cancelled();
		await withUnlocked(
			open.record,
			passphrase,
			async () => {
				await open.record.addClient({ code, name, ...(modality ? { modality } : {}), ...(aliases.length > 0 ? { aliases } : {}) });
				if (consent !== undefined) await setConsent(open.record, code, consent);
			},
		);
		return { stdout: `${profilePath}\n` };
	},
};
