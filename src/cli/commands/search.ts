/**
 * `clinical-vault search <vault> "query" [--client CODE] [--kind K] [--from YYYY-MM-DD]
 *  [--to YYYY-MM-DD] [--limit N] [--json] [--embed-llm KIND=URL] [--embed-model NAME]`: ranked passages
 * from the record. Opens the encrypted search index (built, brought up to date or rebuilt, and
 * saved encrypted), embeds what is not embedded yet when the embedding server answers (progress on stderr), and
 * searches hybrid (keywords + meaning); without it it searches keywords and says so in one line.
 */
import { cliEmbedding, EMBED_LLM_OPTION, EMBED_MODEL_OPTION, LLM_OPTION, OLLAMA_OPTION } from "../engines";
import { isCancelled, type ClinicalVaultError } from "../../core/errors";
import type { LlmClient } from "../../core/llm/LlmClient";
import { markSnippet } from "../../core/search/snippet";
import { PASSAGE_KINDS, type PassageKind, type SearchResponse } from "../../core/search/types";
import { timestamp } from "../../core/transcribe/segments";
import { integerOption, PASSPHRASE_FILE_OPTION, ROOT_OPTION, stringOption, usageError } from "../args";
import { cancelled, currentPassphrase, type Command } from "../command";
import { notice } from "../output";
import { asUsage, openVault, requireClient, requireInitialized, validClientCode, withCancelSignal, withUnlocked } from "../vault";

function dateOption(value: string | undefined, flag: string): string | undefined {
	if (value === undefined) return undefined;
	if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)))
		throw usageError(`--${flag} must be a date like 2026-06-09, not "${value}".`);
	return value;
}

function render(response: SearchResponse, bold: boolean): string {
	return response.hits
		.map((h) => {
			const where = `${h.recordPath}${h.timestamp !== null ? ` @${timestamp(h.timestamp)}` : ` :${h.line}`}`;
			const when = [h.date ?? "no date", h.sessionNumber !== null ? `session ${h.sessionNumber}` : null, h.kind, h.heading ? `"${h.heading}"` : null]
				.filter((x) => x !== null)
				.join(", ");
			const snippet = bold ? markSnippet(h.snippet, h.highlights, "\u001b[1m", "\u001b[22m") : markSnippet(h.snippet, h.highlights, "*", "*");
			return `${where}  (${when})  score ${h.score.toFixed(4)}\n    ${snippet}\n`;
		})
		.join("");
}

export const searchCommand: Command = {
	name: "search",
	synopsis:
		'search <vault> "query" [--client CODE] [--kind KIND] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--limit N] [--json] [--embed-llm KIND=URL] [--embed-model NAME]',
	summary: "Search the record's notes, transcripts, parts maps and plans (keywords and meaning); prints ranked passages.",
	args: ["<vault>", "<query>"],
	options: [
		{ name: "client", value: "CODE", description: "Only this client." },
		{ name: "kind", value: "KIND", description: `Only one kind of text: ${PASSAGE_KINDS.join(", ")} (comma-separated for several).` },
		{ name: "from", value: "YYYY-MM-DD", description: "Sessions on or after this date." },
		{ name: "to", value: "YYYY-MM-DD", description: "Sessions on or before this date." },
		{ name: "limit", value: "N", description: "How many passages to print (default 20, at most 200)." },
		{ name: "json", description: "Print the results as JSON." },
		{ name: "psychotherapy-notes", description: "Include psychotherapy notes (left out by default)." },
		EMBED_LLM_OPTION,
		EMBED_MODEL_OPTION,
		LLM_OPTION,
		OLLAMA_OPTION,
		ROOT_OPTION,
		PASSPHRASE_FILE_OPTION,
	],
	notes: [
		'Words in "double quotes" must appear next to each other. Words are matched by their stem (father, fathers).',
		"The index is kept encrypted in the record (_vault/search-index.cvault) and updated each time; a damaged index is rebuilt from the record.",
		"Without an embedding server the search uses keywords only; passages not embedded yet are embedded the next time it answers.",
	],
	async run({ io, args, options }) {
		const query = args.query!;
		if (query.trim() === "") throw usageError("The search is empty: give a word or a phrase to look for.");
		const rawClient = stringOption(options, "client");
		const client = rawClient === undefined ? undefined : validClientCode(rawClient);
		const kinds = stringOption(options, "kind")
			?.split(",")
			.map((k) => k.trim())
			.filter((k) => k !== "");
		for (const k of kinds ?? [])
			if (!PASSAGE_KINDS.includes(k as PassageKind)) throw usageError(`--kind "${k}" is not one of ${PASSAGE_KINDS.join(", ")}.`);
		const from = dateOption(stringOption(options, "from"), "from");
		const to = dateOption(stringOption(options, "to"), "to");
		if (from && to && from > to) throw usageError(`--from ${from} is after --to ${to}.`);
		const limit = integerOption(options, "limit");
		if (limit !== undefined && (limit < 1 || limit > 200)) throw usageError("--limit must be between 1 and 200.");
		const open = await openVault(io, args.vault!, stringOption(options, ROOT_OPTION.name));
		await requireInitialized(open);
		if (client !== undefined) await requireClient(open, client);
		const embedding = asUsage(() => cliEmbedding(options, io.env, open.settings));
		const model = embedding.model;
		const passphrase = await currentPassphrase({ io, args, options });
		if (typeof passphrase !== "string") return cancelled();

		let response: SearchResponse;
		try {
			response = await withCancelSignal((signal) =>
				withUnlocked(open, passphrase, async () => {
					const { SearchService } = await import("../../core/search/SearchService");
					const service = new SearchService({ record: open.record });
					try {
						const report = await service.open();
						if (report.rebuilt) notice(io, `The search index could not be used (${report.rebuilt.reason}); it was rebuilt from the record.`);
						else if (!report.loaded) notice(io, `Built the search index: ${report.files} files, ${report.passages} passages.`);
						if (report.unreadable.length > 0)
							notice(io, `Left out of the search (damaged, run "clinical-vault verify"): ${report.unreadable.join(", ")}`);
						const empty = service.filesWithoutPassages();
						if (empty.length > 0) notice(io, `No searchable text in ${empty.length} file(s) (empty): ${empty.join(", ")}`);

						let llm: LlmClient | undefined = embedding.llm;
						const host = embedding.engine.url;
						const status = service.status();
						const missing = status.model === model ? status.passages - status.embedded : status.passages;
						if (missing > 0) {
							notice(io, `Embedding ${missing} passages with ${model} at ${host}…`);
							let shown = 0;
							try {
								await service.embedPending({
									llm: embedding.llm,
									model,
									signal,
									onProgress: (p) => {
										if (p.done === p.total || p.done - shown >= 256) {
											shown = p.done;
											notice(io, `  ${p.done} of ${p.total}`);
										}
									},
								});
							} catch (error) {
								if (isCancelled(error)) throw error;
								notice(
									io,
									`Keyword search only: embedding failed (${(error as ClinicalVaultError).message ?? String(error)}). What was embedded is kept; the rest is embedded next time.`,
								);
								llm = undefined;
							}
						}
						const result = await service.search(query, {
							...(client !== undefined ? { client } : {}),
							...(kinds ? { kinds: kinds as PassageKind[] } : {}),
							...(from ? { from } : {}),
							...(to ? { to } : {}),
							...(limit !== undefined ? { limit } : {}),
							includePsychotherapy: options["psychotherapy-notes"] === true,
							...(llm ? { llm, model } : {}),
							signal,
						});
						if (result.mode === "keyword" && llm) notice(io, result.reason ?? "Keyword search only.");
						return result;
					} finally {
						service.dispose();
					}
				}),
			);
		} catch (error) {
			if (isCancelled(error)) return cancelled();
			throw error;
		}
		if (options.json === true) {
			const { hits, mode, reason } = response;
			return { stdout: `${JSON.stringify({ mode, ...(reason ? { reason } : {}), hits: hits.map(({ passageId: _id, ...h }) => h) }, null, 2)}\n` };
		}
		if (response.hits.length === 0) notice(io, "No matches.");
		return { stdout: render(response, (io.stdout as { isTTY?: boolean }).isTTY === true) };
	},
};
