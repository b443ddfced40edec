/**
 * `clinical-vault models [--vault FOLDER] [--llm KIND=URL | --ollama URL] [--model NAME]
 *  [--context TOKENS] [--json]`: "Test connection" on the command line. Asks the model server for
 * its models and the chosen model's context and prints what it found (or why it could not), so a
 * clinician can check an engine before drafting. The engine and model come from the flags, else the
 * vault's plugin settings (--vault), else the defaults (Ollama on this computer). Nothing is read
 * from or written to a record.
 */
import { testConnection } from "../../core/llm/connection";
import { DEFAULT_SETTINGS, type ClinicalVaultSettings } from "../../core/settings";
import { ROOT_OPTION, stringOption } from "../args";
import type { Command } from "../command";
import { cliLlm, LLM_OPTIONS } from "../engines";
import { asUsage, openVault } from "../vault";

export const modelsCommand: Command = {
	name: "models",
	synopsis: "models [--vault FOLDER] [--model NAME] [--llm KIND=URL | --ollama URL] [--context TOKENS] [--json]",
	summary: "Test the connection to the model server: its models and the model's context.",
	args: [],
	options: [
		{ name: "vault", value: "FOLDER", description: "Use this vault's plugin settings for the engine and model." },
		...LLM_OPTIONS,
		{ name: "json", description: "Print the models and the context as JSON." },
		ROOT_OPTION,
	],
	notes: [
		"Examples: clinical-vault models --llm lmstudio; clinical-vault models --llm openai=http://127.0.0.1:8080; clinical-vault models --ollama http://127.0.0.1:11434 --model llama3.1:8b",
		"An API key (Jan) or a practice server's token is read from $CLINICAL_VAULT_ENGINE_TOKEN, never from a flag.",
	],
	async run({ io, options }) {
		const vault = stringOption(options, "vault");
		const settings: ClinicalVaultSettings =
			vault === undefined ? { ...DEFAULT_SETTINGS } : (await openVault(io, vault, stringOption(options, ROOT_OPTION.name))).settings;
		const { llm, model, engine } = asUsage(() => cliLlm(options, io.env, settings));
		const report = await testConnection(llm, model);
		if (options.json === true) {
			return {
				stdout: `${JSON.stringify({ engine, model, models: report.models, listed: report.listed, context: report.context, ...(report.contextProblem ? { contextProblem: report.contextProblem } : {}) }, null, 2)}\n`,
			};
		}
		return { stdout: `${report.line}\n` };
	},
};
