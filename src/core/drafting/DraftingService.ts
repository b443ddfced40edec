/**
 * Drafts a session note from a transcript or the clinician's summary with the local LLM, into the
 * format's template, under the safeguards, and saves it encrypted as a draft for review.
 *
 * The input is never lost: a summary is saved (encrypted) before the model is called; a cancelled
 * or broken generation keeps whatever the model produced as an incomplete draft with a review
 * marker. num_ctx is sized from the input so a long transcript is never silently cut; when the
 * input exceeds the model's context, it is condensed in passes (verbatim quotes kept) and the
 * note's frontmatter says so.
 */
import { checkSessionDate } from "../calendar";
import { namedPath, writeNewText } from "../record/freePath";
import { draftPage } from "./pipeline";
import { isPsychotherapyNote, NOTE_PATH } from "../notes/kinds";
import { ClinicalVaultError } from "../errors";
import type { Clock } from "../clock";
import type { ClinicalRecord } from "../record/ClinicalRecord";
import { checkClientCode } from "../record/layout";
import { joinFrontmatter, splitFrontmatter } from "../markdown/frontmatter";

import { estimateTokens } from "../llm/tokens";
import type { LlmClient } from "../llm/LlmClient";
import { ModelBoundary, PromptTooLong } from "../llm/boundary";
import { identityOf } from "../safety/identity";
import { inert } from "../safety/inert";
import { condenseMessages, draftMessages, modalityOf, PROMPT_VERSION } from "./prompts";
import { DEFAULT_TEMPLATES, fillTemplate, templateSections, type NoteFormat } from "./templates";
import { checkModelAnswer, detectRiskMentions, renderSentences, RISK_PLACEHOLDER, RISK_SECTION_HEADING, sentenceEvidence, type ReviewFlag } from "./safeguards";

export interface TemplateSource {
	/** The clinician's template for a format, or null to use the default. */
	load(format: NoteFormat): Promise<string | null>;
}

export interface DraftProgress {
	stage: "reading" | "condensing" | "drafting" | "checking" | "saving";
	/** Characters the model has written in this stage so far. */
	characters: number;
	/** The text streamed so far (for the live view); not persisted until saved. */
	text?: string;
	pass?: number;
	passes?: number;
}

export type DraftSource = { kind: "transcript"; path: string } | { kind: "summary"; text: string };

export interface DraftRequest {
	client: string;
	sessionDate: string;
	format: NoteFormat;
	model: string;
	source: DraftSource;
	nextSession?: string;
	wordLimits?: Record<string, number>;
	defaultWordLimit?: number;
	signal?: AbortSignal;
	onProgress?: (p: DraftProgress) => void;
}

export interface DraftedSentence {
	section: string;
	sentence: string;
	/** The input moments that support it ("12:04", "line 7"). */
	evidence: string[];
	/** Why it is marked for review (empty: not marked). */
	reasons: string[];
}

export interface DraftResult {
	notePath: string;
	flags: ReviewFlag[];
	riskMentions: string[];
	condensed: boolean;
	passes: number;
	numCtx: number;
	/** The model's context, and the prompt's size: estimated, and as the engine counted it. */
	context: number;
	promptTokensEstimated: number;
	promptTokensReported?: number;
	/** Every kept sentence with the input moments that support it. */
	sentences: DraftedSentence[];
	summaryPath?: string;
}

/** Splits text into pieces of at most `maxTokens` (estimated), on line boundaries. */
export function chunkByTokens(text: string, maxTokens: number): string[] {
	const chunks: string[] = [];
	let current: string[] = [];
	let size = 0;
	for (const line of text.split("\n")) {
		const t = estimateTokens(line) + 1;
		if (size + t > maxTokens && current.length > 0) {
			chunks.push(current.join("\n"));
			current = [];
			size = 0;
		}
		current.push(line);
		size += t;
	}
	if (current.length > 0) chunks.push(current.join("\n"));
	return chunks;
}

export class DraftingService {
	constructor(
		private readonly deps: {
			record: ClinicalRecord;
			llm: LlmClient;
			templates: TemplateSource;
			clock: Clock;
		},
	) {}

	/** Session number: this client's notes dated before this session, plus one. */
	async sessionNumber(client: string, sessionDate: string): Promise<number> {
		let before = 0;
		for (const e of await this.deps.record.list({ client })) {
			if (!NOTE_PATH.test(e.recordPath)) continue;
			const { data } = splitFrontmatter(await this.deps.record.readText(e.recordPath, "internal"), e.recordPath);
			const date = typeof data.session_date === "string" ? data.session_date : null;
			if (date !== null && date < sessionDate && !isPsychotherapyNote(e.recordPath, data)) before++;
		}
		return before + 1;
	}

	async draft(request: DraftRequest): Promise<DraftResult> {
		const { record, llm, clock } = this.deps;
		const client = checkClientCode(request.client);
		const sessionDate = checkSessionDate(request.sessionDate);
		const progress = (p: DraftProgress) => request.onProgress?.(p);
		progress({ stage: "reading", characters: 0 });

		const profile = await record.readProfile(client, "internal");
		let input: string;
		let summaryPath: string | undefined;
		if (request.source.kind === "summary") {
			input = request.source.text.trim();
			if (input === "") throw new ClinicalVaultError("invalid-input", "The session summary is empty; there is nothing to draft from.");
			// Keep the clinician's input before anything can fail.
			summaryPath = await writeNewText(
				record,
				namedPath(client, "summaries", sessionDate, "md"),
				joinFrontmatter({ kind: "session-summary", client, session_date: sessionDate, created: clock.now().toISOString() }, `${input}\n`),
			);
		} else {
			if (!(await record.exists(request.source.path)))
				throw new ClinicalVaultError("not-found", `There is no transcript ${request.source.path} in the record.`);
			input = splitFrontmatter(await record.readText(request.source.path, "internal"), request.source.path).body.trim();
			if (input === "") throw new ClinicalVaultError("invalid-input", `${request.source.path} is empty; there is nothing to draft from.`);
		}

		const template = (await this.deps.templates.load(request.format)) ?? DEFAULT_TEMPLATES[request.format];
		// The risk section is the clinician's: a template section about risk is never asked of the model.
		const allSections = templateSections(template);
		const sections = allSections.filter((x) => !RISK_SECTION_HEADING.test(x.heading) && !RISK_SECTION_HEADING.test(x.key));
		const defaultWordLimit = request.defaultWordLimit ?? 150;
		const wordLimits = request.wordLimits ?? {};
		const sessionNumber = await this.sessionNumber(client, sessionDate);
		const modality = modalityOf(request.format === "ifs" ? "ifs" : profile.modality);
		const outputTokens = Math.ceil(sections.reduce((n, s) => n + (wordLimits[s.key] ?? defaultWordLimit), 0) * 2) + 256;
		const identity = identityOf(profile);
		const boundary = new ModelBoundary(llm, identity);

		const promptFor = (text: string, kind: "transcript" | "summary" | "condensed transcript") =>
			draftMessages(modality, { clientCode: client, sessionDate, sessionNumber, inputKind: kind, input: text, sections, wordLimits, defaultWordLimit });

		let passes = 0;
		const {
			path: notePath,
			checked,
			result,
		} = await draftPage({
			record,
			boundary,
			model: request.model,
			what: "the note",
			sections,
			messages: promptFor(input, request.source.kind),
			outputTokens,
			...(request.signal ? { signal: request.signal } : {}),
			// Condense in passes: each chunk fits beside the condensing prompt and its answer.
			shorten: async (first) => {
				const context = first.context;
				const condenseOutput = Math.min(1024, Math.floor(context / 4));
				const frame = (await boundary.fit(request.model, condenseMessages(1, 1, ""), condenseOutput, request.signal)).promptTokens;
				const chunkTokens = context - condenseOutput - frame - 512;
				if (chunkTokens < 500) throw new PromptTooLong("the note", first.promptTokens, outputTokens, context);
				const chunks = chunkByTokens(boundary.redactText(input), chunkTokens);
				const condensed: string[] = [];
				for (const [i, chunk] of chunks.entries()) {
					passes = i + 1;
					const answer = await boundary.chat({
						model: request.model,
						messages: condenseMessages(i + 1, chunks.length, chunk),
						outputTokens: condenseOutput,
						what: `part ${i + 1} of ${chunks.length} of the condensed transcript`,
						...(request.signal ? { signal: request.signal } : {}),
						onToken: (_, soFar) => progress({ stage: "condensing", characters: soFar.length, pass: i + 1, passes: chunks.length }),
					});
					condensed.push(answer.text.trim());
				}
				return promptFor(condensed.join("\n\n"), "condensed transcript");
			},
			tooLong: (fit, shortened) =>
				shortened
					? new ClinicalVaultError(
							"invalid-input",
							`Even condensed in ${passes} passes, this session is too long for the model's context (${fit.context} tokens). Choose a model with a larger context. Nothing was saved as a note.`,
							{ detail: `condensed prompt ≈${fit.promptTokens} tokens, output ${outputTokens}, context ${fit.context}` },
						)
					: new PromptTooLong("the note", fit.promptTokens, outputTokens, fit.context),
			place: { client, folder: "notes", stem: sessionDate },
			meta: (fit) => ({
				kind: "note",
				client,
				session_date: sessionDate,
				session_number: sessionNumber,
				format: request.format,
				status: "draft",
				model: request.model,
				prompt_version: PROMPT_VERSION,
				...(request.source.kind === "transcript" ? { source_transcript: request.source.path } : { source_summary: summaryPath }),
				...(passes > 0 ? { condensed: true, condense_passes: passes } : {}),
				num_ctx: fit.numCtx,
				created: clock.now().toISOString(),
				modified: clock.now().toISOString(),
			}),
			check: (answer) => ({
				...checkModelAnswer(
					sections.map((x) => ({ key: x.key, heading: x.heading, text: answer[x.key] ?? "" })),
					{
						source: input,
						kind: request.source.kind,
						clientCode: client,
						identity,
						...(request.source.kind === "summary" ? { clinicianText: input } : {}),
					},
				),
				// Where the input itself mentions risk: flagged for the clinician, never assessed.
				inputRisk: detectRiskMentions(input, request.source.kind),
			}),
			render: (answer) => {
				const riskMentions = answer.inputRisk;
				const riskFlag =
					riskMentions.length > 0
						? `> [!danger] Risk content mentioned${riskMentions.some((t) => t !== "") ? ` at ${riskMentions.filter((t) => t !== "").join(", ")}` : " in the input"}: clinician to assess.`
						: "";
				const rendered: Record<string, string> = {};
				for (const x of answer.sections) rendered[x.key] = renderSentences(x.sentences);
				for (const x of allSections) if (rendered[x.key] === undefined) rendered[x.key] = RISK_PLACEHOLDER;
				return ensureRiskSection(
					fillTemplate(template, {
						client_code: inert(client),
						session_date: sessionDate,
						session_number: String(sessionNumber),
						next_session: request.nextSession ? inert(request.nextSession) : "[to be scheduled]",
						risk_flag: riskFlag,
						risk_placeholder: RISK_PLACEHOLDER,
						sections: rendered,
					}),
				);
			},
			finalMeta: ({ inputRisk }, answer) => ({
				...(inputRisk.length > 0 ? { risk_mentioned_at: inputRisk } : {}),
				...(answer.promptTokens !== undefined ? { prompt_tokens: answer.promptTokens } : {}),
			}),
			onProgress: progress,
		});
		return {
			notePath,
			flags: checked.flags,
			riskMentions: checked.inputRisk,
			condensed: passes > 0,
			passes,
			numCtx: result.numCtx,
			context: result.context,
			promptTokensEstimated: result.estimatedPromptTokens,
			...(result.promptTokens !== undefined ? { promptTokensReported: result.promptTokens } : {}),
			sentences: sentenceEvidence(checked),
			...(summaryPath ? { summaryPath } : {}),
		};
	}
}

/** A note always has a risk section for the clinician: added by code when the template has none. */
function ensureRiskSection(body: string): string {
	if (/^#{1,6}\s+.*(?:risk|safety)/im.test(body)) return body;
	return `${body.trimEnd()}\n\n## Risk and safety\n${RISK_PLACEHOLDER}\n`;
}
