/** `clinical-vault ls <vault> [--client CODE]`: one record path per line. Needs no passphrase. */
import { ROOT_OPTION, stringOption } from "../args";
import type { Command } from "../command";
import { openVault, requireClient, requireInitialized, validClientCode } from "../vault";

export const lsCommand: Command = {
	name: "ls",
	synopsis: "ls <vault> [--client CODE]",
	summary: "List record paths, one per line (no passphrase needed: paths hold no identifying data).",
	args: ["<vault>"],
	options: [{ name: "client", value: "CODE", description: "Only this client's files." }, ROOT_OPTION],
	async run({ io, args, options }) {
		const rawClient = stringOption(options, "client");
		const client = rawClient === undefined ? undefined : validClientCode(rawClient);
		const open = await openVault(io, args.vault!, stringOption(options, ROOT_OPTION.name));
		await requireInitialized(open);
		if (client !== undefined) await requireClient(open, client);
		const entries = await open.record.list(client === undefined ? {} : { client });
		return { stdout: entries.map((e) => `${e.recordPath}\n`).join("") };
	},
};
