/**
 * `clinical-vault client add <vault> --code C-0142 --name "Full Name" [--modality ifs] [--alias Robbie]
 * [--recording-consent yes|no [--consent-scope TEXT]]`: with --recording-consent the client's
 * recording consent (dated today) is written into the new profile in the same single write, so a
 * crash leaves no client or a client with consent, never one without. Run again after a profile was
 * left without consent (by an older version stopped half-way), the same command records the
 * consent and says so; with the same name and consent already on file it changes nothing.
 *
 * `clinical-vault client list <vault> [--names] [--codes] [--json]`: codes, dates, modalities and
 * consent status; names only with --names (see the command's notes).
 */
import { ClinicalVaultError, toClinicalError } from "../../core/errors";
import { localDay } from "../../core/calendar";
import { addClientWithConsent, checkConsentInput, consentStatus, readConsent, type ConsentStatus } from "../../core/record/consent";
import { PASSPHRASE_FILE_OPTION, ROOT_OPTION, stringOption, usageError } from "../args";
import { notice } from "../output";
import { cancelled, currentPassphrase, type Command } from "../command";
import { asUsage, openVault, requireInitialized, validClientCode, withUnlocked } from "../vault";
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
		{
			name: "alias",
			value: "NAME[,NAME…]",
			description:
				"Other names the client goes by (a nickname, a former name), comma-separated: kept in the encrypted profile and taken out of everything sent to a model, like the name.",
		},
		{
			name: "recording-consent",
			value: "yes|no",
			description: "Also record whether the client consents to recording, dated today (see the consent command).",
		},
		{ name: "consent-scope", value: "TEXT", description: "What that consent covers, one line (default: the standard scope)." },
		ROOT_OPTION,
		PASSPHRASE_FILE_OPTION,
	],
	notes: [
		"Prints the profile's record path (CODE/profile.md). The name never appears in a path. Note that your shell may keep the command line in its history.",
	],
	async run({ args, options, io }) {
		const rawCode = stringOption(options, "code");
		const name = stringOption(options, "name")?.trim();
		const modality = stringOption(options, "modality")?.trim();
		const aliases = (stringOption(options, "alias") ?? "")
			.split(",")
			.map((a) => a.trim())
			.filter((a) => a !== "");
		if (rawCode === undefined) throw usageError('"client add" needs --code CODE (like C-0142).');
		const code = validClientCode(rawCode);
		if (name === undefined || name === "") throw usageError('"client add" needs --name "Full Name".');
		if (modality === "") throw usageError("--modality is empty.");
		const flags = consentFromFlags(options);
		const today = localDay(new Date());
		const consent = flags === undefined ? undefined : asUsage(() => checkConsentInput({ ...flags, date: today }, today));
		const open = await openVault(io, args.vault!, stringOption(options, ROOT_OPTION.name));
		await requireInitialized(open);
		const profilePath = open.record.layout.profilePath(code);
		// Without consent, adding is one write and there is nothing to resume: refuse before the passphrase.
		if (consent === undefined && (await open.record.exists(profilePath)))
			throw new ClinicalVaultError("already-exists", `Client ${code} already exists. Nothing was changed.`);
		const passphrase = await currentPassphrase({ io, args, options });
		if (typeof passphrase !== "string") return cancelled();
		const client = { code, name, ...(modality ? { modality } : {}), ...(aliases.length > 0 ? { aliases } : {}) };
		const outcome = await withUnlocked(open, passphrase, async () => {
			if (consent === undefined) {
				await open.record.addClient(client);
				return "added" as const;
			}
			return (await addClientWithConsent(open.record, client, consent)).outcome;
		});
		if (outcome === "finished")
			notice(
				io,
				`Client ${code} was already there without recording consent (an earlier client add stopped before recording it): the consent is recorded now.`,
			);
		if (outcome === "unchanged") notice(io, `Client ${code} is already there with recording consent ${consent!.recording} on file. Nothing was changed.`);
		return { stdout: `${profilePath}\n` };
	},
};

interface ClientRow {
	code: string;
	created: string | null;
	modality: string | null;
	consent: ConsentStatus | null;
	name?: string;
	/** The profile could not be read (damaged, or another problem verify reports). */
	problem?: string;
}

export const clientListCommand: Command = {
	name: "client list",
	synopsis: "client list <vault> [--names] [--codes] [--json]",
	summary: "List the clients: code, date added, modality and recording consent (names only with --names).",
	args: ["<vault>"],
	options: [
		{
			name: "names",
			description: "Also print each client's name (read from the encrypted profile; each one shown is audit-logged as an open of the profile).",
		},
		{ name: "codes", description: "Only the codes, one per line; needs no passphrase (codes hold no identifying data)." },
		{ name: "json", description: "Print JSON." },
		ROOT_OPTION,
		PASSPHRASE_FILE_OPTION,
	],
	notes: [
		"Names are left out unless --names is given: a list of who is in therapy with you is the most identifying thing in the record, and terminal scrollback, screen sharing and scripts' logs keep what is printed. The codes are what the record uses everywhere else; --names prints the names when you need them and records each as an open of that client's profile in the audit log.",
	],
	async run({ io, args, options }) {
		const names = options.names === true;
		const json = options.json === true;
		if (options.codes === true && names) throw usageError("Give either --codes or --names, not both.");
		const open = await openVault(io, args.vault!, stringOption(options, ROOT_OPTION.name));
		await requireInitialized(open);
		const { record } = open;
		const codes = await record.listClients();
		if (options.codes === true)
			return {
				stdout: json
					? `${JSON.stringify(
							codes.map((code) => ({ code })),
							null,
							2,
						)}\n`
					: codes.map((c) => `${c}\n`).join(""),
			};
		if (codes.length === 0) {
			notice(io, 'No clients in this record yet. Add one with "clinical-vault client add".');
			return { stdout: json ? "[]\n" : "" };
		}
		const passphrase = await currentPassphrase({ io, args, options });
		if (typeof passphrase !== "string") return cancelled();
		const rows = await withUnlocked(open, passphrase, async () => {
			const out: ClientRow[] = [];
			for (const code of codes) {
				try {
					const profile = await record.readProfile(code, names ? "open" : "internal");
					out.push({
						code,
						created: /^\d{4}-\d{2}-\d{2}/.test(profile.created) ? profile.created.slice(0, 10) : null,
						modality: profile.modality ?? null,
						consent: consentStatus(await readConsent(record, code)),
						...(names ? { name: profile.name } : {}),
					});
				} catch (error) {
					const e = toClinicalError(error);
					out.push({ code, created: null, modality: null, consent: null, problem: `the profile cannot be read (${e.code}): run verify` });
				}
			}
			return out;
		});
		if (json) return { stdout: `${JSON.stringify(rows, null, 2)}\n` };
		const table = [
			["code", "added", "modality", "recording consent", ...(names ? ["name"] : [])],
			...rows.map((r) =>
				r.problem !== undefined
					? [r.code, r.problem]
					: [r.code, r.created ?? "-", r.modality ?? "-", r.consent ?? "-", ...(names ? [r.name ?? ""] : [])],
			),
		];
		const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => (row.length > 1 && i < row.length - 1 ? row[i]!.length : 0))));
		const line = (row: string[]) => row.map((cell, i) => (i < row.length - 1 ? cell.padEnd(widths[i]!) : cell)).join("  ");
		return { stdout: table.map((row) => `${line(row)}\n`).join("") };
	},
};
