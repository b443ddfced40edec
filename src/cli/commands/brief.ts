/**
 * `clinical-vault brief <vault> --client CODE [--json] [--summary] [--date YYYY-MM-DD]
 *  [--include-psychotherapy] [--model NAME] [--llm KIND=URL]`: the pre-session brief on stdout
 * (markdown with links to the encrypted notes, or JSON). Deterministic sections only, unless
 * --summary asks the local model for a short summary (checked in code, marked as the model's).
 */
import { cliLlm, LLM_OPTIONS } from "../engines";
import { checkSessionDate, localDay } from "../../core/calendar";
import { buildBrief, renderBrief } from "../../core/brief/brief";

import { PASSPHRASE_FILE_OPTION, ROOT_OPTION, requiredOption, stringOption } from "../args";
import { cancelled, currentPassphrase, type Command } from "../command";
import { notice } from "../output";
import { systemClock } from "../../core/clock";
import { measureRegistry } from "../measures";
import { asUsage, openVault, requireClient, requireInitialized, validClientCode, withCancelSignal, withUnlocked } from "../vault";

export const briefCommand: Command = {
	name: "brief",
	synopsis:
		"brief <vault> --client CODE [--json] [--summary] [--date YYYY-MM-DD] [--include-psychotherapy] [--model NAME] [--llm KIND=URL | --ollama URL] [--context TOKENS]",
	summary: "Print the pre-session brief: last sessions, homework, parts, plan objectives due, risk notes, themes and the client's words.",
	args: ["<vault>"],
	options: [
		{ name: "client", value: "CODE", description: "The client to brief on." },
		{ name: "json", description: "Print JSON instead of markdown." },
		{ name: "summary", description: "Add a short summary by the local model (checked: dates must be sessions; unsupported sentences are marked)." },
		{ name: "date", value: "YYYY-MM-DD", description: "The day of the visit (default today); notes after it are left out." },
		{ name: "include-psychotherapy", description: "Include psychotherapy (process) notes in this brief; they are left out by default." },
		...LLM_OPTIONS,
		ROOT_OPTION,
		PASSPHRASE_FILE_OPTION,
	],
	notes: ["The brief is printed, not saved. It holds clinical content: print it to the screen, not to a shared file."],
	async run({ io, args, options }) {
		const client = validClientCode(requiredOption(options, "client", "brief needs --client CODE."));
		const today = asUsage(() => checkSessionDate(stringOption(options, "date") ?? localDay(new Date())));
		const open = await openVault(io, args.vault!, stringOption(options, ROOT_OPTION.name));
		await requireInitialized(open);
		await requireClient(open, client);
		const summarize = options.summary === true;
		const engine = summarize ? asUsage(() => cliLlm(options, io.env, open.settings)) : null;
		const passphrase = await currentPassphrase({ io, args, options });
		if (typeof passphrase !== "string") return cancelled();
		const { briefSources } = await import("../../core/brief/sources");
		const measures = (await measureRegistry(io, args.vault!, open.settings)).definitions;
		const brief = await withCancelSignal((signal) =>
			withUnlocked(open, passphrase, () =>
				buildBrief(open.record, {
					client,
					today,
					includePsychotherapy: options["include-psychotherapy"] === true,
					sources: briefSources(open.record, systemClock, measures),
					...(engine ? { summarize: { llm: engine.llm, model: engine.model, signal } } : {}),
				}),
			),
		);
		if (brief.skipped.length > 0) notice(io, `Could not read ${brief.skipped.length} file(s): ${brief.skipped.join(", ")}. Run "clinical-vault verify".`);
		if (options.json === true) return { stdout: `${JSON.stringify(brief, null, 2)}\n` };
		return { stdout: renderBrief(brief, (p) => open.record.layout.storePath(p)) };
	},
};
