/**
 * `clinical-vault draft <vault> --client CODE (--transcript record-path | --summary FILE|-)
 *  --format soap|dap|birp|narrative|ifs [--date YYYY-MM-DD] [--model NAME] [--llm KIND=URL]`:
 * drafts a session note with the local model and prints the draft's record path. The model server
 * comes from --llm (or --ollama), else $OLLAMA_HOST for an Ollama engine, else the plugin's settings.
 */
import { cliLlm, LLM_OPTIONS } from "../engines";
import { checkSessionDate, localDay } from "../../core/calendar";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ClinicalVaultError } from "../../core/errors";
import { systemClock } from "../../core/clock";
import { DraftingService, type DraftSource, type TemplateSource } from "../../core/drafting/DraftingService";
import { checkFormat, TEMPLATE_FILE_NAMES } from "../../core/drafting/templates";

import { checkRecordPath } from "../../core/record/layout";
import { PASSPHRASE_FILE_OPTION, requiredOption, ROOT_OPTION, stringOption, usageError } from "../args";
import { cancelled, currentPassphrase, type Command } from "../command";
import { readSource } from "../input";
import { notice } from "../output";
import { asUsage, openVault, requireClient, requireInitialized, validClientCode, withCancelSignal, withUnlocked } from "../vault";

export const draftCommand: Command = {
	name: "draft",
	synopsis:
		"draft <vault> --client CODE (--transcript record-path | --summary FILE|-) --format soap|dap|birp|narrative|ifs [--date YYYY-MM-DD] [--model NAME] [--llm KIND=URL | --ollama URL] [--context TOKENS] [--json]",
	summary: "Draft a session note with the local model; prints the draft's record path.",
	args: ["<vault>"],
	options: [
		{ name: "client", value: "CODE", description: "The client the session belongs to." },
		{ name: "transcript", value: "record-path", description: "A transcript in the record to draft from." },
		{
			name: "summary",
			value: "FILE|-",
			description: "The clinician's own summary (bullets are fine); - reads stdin. It is kept, encrypted, in the record.",
		},
		{ name: "format", value: "FORMAT", description: "soap, dap, birp, narrative or ifs (default: the plugin's setting)." },
		{ name: "date", value: "YYYY-MM-DD", description: "Session date (default: the transcript's, else today)." },
		...LLM_OPTIONS,
		{
			name: "json",
			description:
				"Print the result as JSON: the note's path, every sentence with the input moments that support it, the review items and the context used.",
		},
		ROOT_OPTION,
		PASSPHRASE_FILE_OPTION,
	],
	notes: [
		'The draft is saved encrypted with status: draft. Review markers (==[review: …]==) show what to check; sign with "clinical-vault sign" once resolved.',
		"Ctrl-C cancels; the input and whatever the model wrote so far are kept.",
	],
	async run({ io, args, options }) {
		const client = validClientCode(requiredOption(options, "client", "draft needs --client CODE."));
		const transcript = stringOption(options, "transcript");
		const summary = stringOption(options, "summary");
		if ((transcript === undefined) === (summary === undefined))
			throw usageError("draft needs exactly one of --transcript record-path or --summary FILE|-.");
		const open = await openVault(io, args.vault!, stringOption(options, ROOT_OPTION.name));
		const format = asUsage(() => checkFormat(stringOption(options, "format") ?? open.settings.defaultNoteFormat));
		const transcriptPath = transcript === undefined ? undefined : asUsage(() => checkRecordPath(transcript));
		const dateFlag = stringOption(options, "date");
		const sessionDate = asUsage(() => checkSessionDate(dateFlag ?? /(\d{4}-\d{2}-\d{2})/.exec(transcriptPath ?? "")?.[1] ?? localDay(new Date())));
		await requireInitialized(open);
		await requireClient(open, client);
		if (transcriptPath !== undefined && !transcriptPath.startsWith(`${client}/`))
			throw usageError(`${transcriptPath} does not belong to client ${client}.`);
		const summaryText = summary === undefined ? undefined : new TextDecoder().decode(await readSource(io, summary));
		const { llm, model } = asUsage(() => cliLlm(options, io.env, open.settings));
		const templates: TemplateSource = {
			load: async (f) => readFile(join(args.vault!, open.settings.templatesFolder, TEMPLATE_FILE_NAMES[f]), "utf8").catch(() => null),
		};
		const passphrase = await currentPassphrase({ io, args, options });
		if (typeof passphrase !== "string") return cancelled();

		let shown = 0;
		try {
			const source: DraftSource = transcriptPath !== undefined ? { kind: "transcript", path: transcriptPath } : { kind: "summary", text: summaryText! };
			const service = new DraftingService({ record: open.record, llm, templates, clock: systemClock });
			const result = await withCancelSignal((signal) =>
				withUnlocked(open, passphrase, () =>
					service.draft({
						client,
						sessionDate,
						format,
						model,
						source,
						wordLimits: open.settings.wordLimits,
						defaultWordLimit: open.settings.sectionWordLimit,
						signal,
						onProgress: (p) => {
							if (p.stage !== "drafting" && p.stage !== "condensing") notice(io, `${p.stage}…`);
							else if (p.characters - shown >= 400) {
								shown = p.characters;
								notice(io, `${p.stage}${p.pass ? ` part ${p.pass} of ${p.passes}` : ""}: ${p.characters} characters`);
							}
						},
					}),
				),
			);
			if (result.condensed)
				notice(io, `The transcript was longer than the model's context: condensed in ${result.passes} passes first (recorded in the note).`);
			if (result.riskMentions.length > 0)
				notice(
					io,
					`Risk content is mentioned in the input${result.riskMentions.some((t) => t) ? ` at ${result.riskMentions.filter((t) => t).join(", ")}` : ""}: assess it yourself; the note's risk section is left for you.`,
				);
			notice(io, result.flags.length === 0 ? "No review markers." : `${result.flags.length} item(s) to review before signing:`);
			for (const f of result.flags.slice(0, 20)) notice(io, `  - ${f.kind}: ${f.reason}: "${f.excerpt.slice(0, 80)}"`);
			if (options.json === true) return { stdout: `${JSON.stringify(result, null, 2)}\n` };
			return { stdout: `${result.notePath}\n` };
		} catch (error) {
			const kept = (error as { keptAt?: string }).keptAt;
			if (kept) notice(io, `What the model wrote so far was kept as an incomplete draft: ${kept}`);
			if (error instanceof ClinicalVaultError && error.code !== "usage" && !kept && summaryText !== undefined)
				notice(io, "Your summary was kept in the record (summaries/).");
			throw error;
		}
	},
};
