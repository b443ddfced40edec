/**
 * `clinical-vault doc <vault> --client CODE --type TYPE [--from YYYY-MM-DD] [--to YYYY-MM-DD]
 *  [--topic TEXT] [--notes FILE|-] [--include-psychotherapy] [--model NAME] [--llm KIND=URL]`:
 * drafts a clinical document (progress summary, letter, supervision preparation, client handout)
 * from the record with the local model, saves it encrypted as a draft and prints its record
 * path. A handout needs --client too (it is filed in that client's record) but nothing of the
 * record is sent to the model for it.
 */
import { cliLlm, LLM_OPTIONS } from "../engines";
import { checkSessionDate, localDay } from "../../core/calendar";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { systemClock } from "../../core/clock";
import { checkDocumentType, DOCUMENT_TEMPLATE_FILE_NAMES, DOCUMENT_TYPE_IDS, DOCUMENT_TYPES, type DocumentTemplateSource } from "../../core/documents/types";

import { PASSPHRASE_FILE_OPTION, requiredOption, ROOT_OPTION, stringOption, usageError } from "../args";
import { cancelled, currentPassphrase, type Command } from "../command";
import { readSource } from "../input";
import { notice } from "../output";
import { measureRegistry } from "../measures";
import { asUsage, openVault, requireClient, requireInitialized, validClientCode, withCancelSignal, withUnlocked } from "../vault";

export const docCommand: Command = {
	name: "doc",
	synopsis:
		"doc <vault> --client CODE --type TYPE [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--topic TEXT] [--notes FILE|-] [--include-psychotherapy] [--model NAME] [--llm KIND=URL | --ollama URL] [--context TOKENS]",
	summary: "Draft a clinical document (progress summary, letter, supervision preparation, client handout) from the record; prints its record path.",
	args: ["<vault>"],
	options: [
		{
			name: "client",
			value: "CODE",
			description: "The client the document is for (a handout is filed under this client; nothing of the record is sent for it).",
		},
		{ name: "type", value: "TYPE", description: `One of: ${DOCUMENT_TYPE_IDS.join(", ")}.` },
		{
			name: "from",
			value: "YYYY-MM-DD",
			description: "First day of the notes used (default: 90 days before --to; supervision-prep: the last 6 sessions).",
		},
		{ name: "to", value: "YYYY-MM-DD", description: "Last day of the notes used (default today)." },
		{ name: "topic", value: "TEXT", description: 'The handout\'s topic, e.g. grounding or "an introduction to parts work".' },
		{
			name: "notes",
			value: "FILE|-",
			description:
				"What you add for this document (reason for referral, recipient's question, questions for supervision, handout emphasis); - reads stdin.",
		},
		{ name: "include-psychotherapy", description: "Give psychotherapy (process) notes in the range to the model for this document; left out by default." },
		...LLM_OPTIONS,
		ROOT_OPTION,
		PASSPHRASE_FILE_OPTION,
	],
	notes: [
		`Types: ${DOCUMENT_TYPE_IDS.map((id) => `${id} (${DOCUMENT_TYPES[id].title.toLowerCase()})`).join(", ")}.`,
		"The model gets the client code, never the name; name and date of birth are filled in afterwards, only in documents for an insurer or another provider. Supervision preparation stays de-identified.",
		'The draft is saved encrypted with status: draft. Review markers (==[review: …]==) show what to check; sign with "clinical-vault sign" once resolved.',
	],
	async run({ io, args, options }) {
		const client = validClientCode(requiredOption(options, "client", "doc needs --client CODE (a handout is filed under the client it is for)."));
		const type = asUsage(() => checkDocumentType(requiredOption(options, "type", `doc needs --type, one of ${DOCUMENT_TYPE_IDS.join(", ")}.`)));
		const fromFlag = stringOption(options, "from");
		const toFlag = stringOption(options, "to");
		const from = fromFlag === undefined ? undefined : asUsage(() => checkSessionDate(fromFlag));
		const to = toFlag === undefined ? undefined : asUsage(() => checkSessionDate(toFlag));
		if (from !== undefined && to !== undefined && from > to) throw usageError(`The date range ${from} to ${to} is empty: --from is after --to.`);
		const topic = stringOption(options, "topic");
		const notesSource = stringOption(options, "notes");
		if (type.readsRecord && topic !== undefined)
			throw usageError(`--topic is for client-handout; a ${type.title.toLowerCase()} is drafted from the notes (add your own text with --notes).`);
		if (!type.readsRecord && (from !== undefined || to !== undefined || options["include-psychotherapy"] === true)) {
			throw usageError("A client handout reads nothing from the record: leave out --from, --to and --include-psychotherapy.");
		}
		if (!type.readsRecord && topic === undefined && notesSource === undefined)
			throw usageError("A client handout needs --topic TEXT (or your own text with --notes).");
		const open = await openVault(io, args.vault!, stringOption(options, ROOT_OPTION.name));
		await requireInitialized(open);
		await requireClient(open, client);
		const clinicianNotes = notesSource === undefined ? undefined : new TextDecoder().decode(await readSource(io, notesSource));
		const { llm, model } = asUsage(() => cliLlm(options, io.env, open.settings));
		const templates: DocumentTemplateSource = {
			load: async (id) => readFile(join(args.vault!, open.settings.templatesFolder, DOCUMENT_TEMPLATE_FILE_NAMES[id]), "utf8").catch(() => null),
		};
		const passphrase = await currentPassphrase({ io, args, options });
		if (typeof passphrase !== "string") return cancelled();

		let shown = 0;
		try {
			const { DocumentService } = await import("../../core/documents/DocumentService");
			const service = new DocumentService({
				record: open.record,
				clock: systemClock,
				templates,
				measures: (await measureRegistry(io, args.vault!, open.settings)).definitions,
			});
			const result = await withCancelSignal((signal) =>
				withUnlocked(open, passphrase, () =>
					service.draft({
						client,
						type: type.id,
						...(from !== undefined ? { from } : {}),
						...(to !== undefined ? { to } : {}),
						today: localDay(new Date()),
						model,
						llm,
						signal,
						includePsychotherapy: options["include-psychotherapy"] === true,
						...(topic !== undefined ? { topic } : {}),
						...(clinicianNotes !== undefined ? { clinicianNotes } : {}),
						onProgress: (p) => {
							if (p.stage !== "drafting") notice(io, `${p.stage}…`);
							else if (p.characters - shown >= 400) {
								shown = p.characters;
								notice(io, `drafting: ${p.characters} characters`);
							}
						},
					}),
				),
			);
			if (result.from !== undefined)
				notice(io, `${type.title} from ${result.sessions.length} note(s), ${result.from} to ${result.to}: ${result.sessions.join(", ")}.`);
			if (result.includedPsychotherapyNotes.length > 0)
				notice(io, `Psychotherapy notes included at your request: ${result.includedPsychotherapyNotes.join(", ")} (recorded in the document).`);
			for (const p of result.problems) notice(io, `Left out: ${p}`);
			notice(io, result.flags.length === 0 ? "No review markers." : `${result.flags.length} item(s) to review before signing:`);
			for (const f of result.flags.slice(0, 20)) notice(io, `  - ${f.kind}: ${f.reason}: "${f.excerpt.slice(0, 80)}"`);
			return { stdout: `${result.path}\n` };
		} catch (error) {
			const kept = (error as { keptAt?: string }).keptAt;
			if (kept) notice(io, `What the model wrote so far was kept as an incomplete draft: ${kept}`);
			throw error;
		}
	},
};
