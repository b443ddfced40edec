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
import { streamDraft } from "./stream";
import { Cancelled, ClinicalVaultError, isCancelled } from "../errors";
import type { Clock } from "../clock";
import type { ClinicalRecord } from "../record/ClinicalRecord";
import { checkClientCode } from "../record/layout";
import { joinFrontmatter, splitFrontmatter } from "../markdown/frontmatter";
import { checkSessionDate, freePath } from "../transcribe/TranscriptionService";
import { estimateTokens, type ChatMessage, type LlmClient } from "../llm/LlmClient";
import { condenseMessages, draftMessages, modalityOf, PROMPT_VERSION, sectionsSchema } from "./prompts";
import { DEFAULT_TEMPLATES, fillTemplate, templateSections, type NoteFormat, type SectionSpec } from "./templates";
import { applySafeguards, detectRiskMentions, RISK_PLACEHOLDER, REVIEW_MARKER_TEXT, type ReviewFlag } from "./safeguards";

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

export interface DraftResult {
	notePath: string;
	flags: ReviewFlag[];
	riskMentions: string[];
	condensed: boolean;
	passes: number;
	numCtx: number;
	summaryPath?: string;
}

/** Context assumed when the model does not report one (Ollama's long-standing default is 2048-8192). */
const FALLBACK_CONTEXT = 8192;
const CONTEXT_MARGIN = 512;

function roundUp(n: number, to: number): number {
	return Math.ceil(n / to) * to;
}

function parseSections(text: string, sections: SectionSpec[]): Record<string, string> {
	let data: unknown;
	try {
		data = JSON.parse(text);
	} catch {
		throw new ClinicalVaultError("engine", "The model's answer was not valid JSON, so no note could be made from it. What it wrote was kept as an incomplete draft.", {
			// Never the text itself: it is clinical content and details can reach a terminal.
			detail: `${text.length} characters that do not parse as JSON`,
		});
	}
	if (typeof data !== "object" || data === null || Array.isArray(data)) {
		throw new ClinicalVaultError("engine", "The model's answer did not have the note's sections. What it wrote was kept as an incomplete draft.");
	}
	const out: Record<string, string> = {};
	for (const s of sections) {
		const value = (data as Record<string, unknown>)[s.key];
		out[s.key] = typeof value === "string" && value.trim() !== "" ? value.trim() : "[not addressed in this session]";
	}
	return out;
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
			if (!/\/notes\/[^/]+\.md$/.test(e.recordPath)) continue;
			const { data } = splitFrontmatter(await this.deps.record.readText(e.recordPath, "internal"), e.recordPath);
			const date = typeof data.session_date === "string" ? data.session_date : null;
			if (date !== null && date < sessionDate && data.kind !== "psychotherapy-note") before++;
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
			summaryPath = await freePath(record, client, "summaries", sessionDate, "md");
			await record.writeText(summaryPath, joinFrontmatter({ kind: "session-summary", client, session_date: sessionDate, created: clock.now().toISOString() }, `${input}\n`));
		} else {
			if (!(await record.exists(request.source.path))) throw new ClinicalVaultError("not-found", `There is no transcript ${request.source.path} in the record.`);
			input = splitFrontmatter(await record.readText(request.source.path, "internal"), request.source.path).body.trim();
			if (input === "") throw new ClinicalVaultError("invalid-input", `${request.source.path} is empty; there is nothing to draft from.`);
		}

		const template = (await this.deps.templates.load(request.format)) ?? DEFAULT_TEMPLATES[request.format];
		const sections = templateSections(template);
		const defaultWordLimit = request.defaultWordLimit ?? 150;
		const wordLimits = request.wordLimits ?? {};
		const sessionNumber = await this.sessionNumber(client, sessionDate);
		const modality = modalityOf(request.format === "ifs" ? "ifs" : profile.modality);
		const outputTokens = Math.ceil(sections.reduce((n, s) => n + (wordLimits[s.key] ?? defaultWordLimit), 0) * 1.6) + 256;
		const context = (await llm.contextLength(request.model, request.signal)) ?? FALLBACK_CONTEXT;

		const promptFor = (text: string, kind: "transcript" | "summary" | "condensed transcript"): ChatMessage[] =>
			draftMessages(modality, { clientCode: client, sessionDate, sessionNumber, inputKind: kind, input: text, sections, wordLimits, defaultWordLimit });
		const tokensOf = (messages: ChatMessage[]) => messages.reduce((n, m) => n + estimateTokens(m.content) + 8, 0);

		let kind: "transcript" | "summary" | "condensed transcript" = request.source.kind;
		let draftInput = input;
		let passes = 0;
		if (tokensOf(promptFor(draftInput, kind)) + outputTokens + CONTEXT_MARGIN > context) {
			const condenseOutput = Math.min(1024, Math.floor(context / 4));
			const chunkTokens = context - condenseOutput - CONTEXT_MARGIN - 300;
			if (chunkTokens < 500) throw new ClinicalVaultError("engine", `The model's context (${context} tokens) is too small to draft from this input. Choose a model with a larger context.`);
			const chunks = chunkByTokens(input, chunkTokens);
			const condensed: string[] = [];
			for (const [i, chunk] of chunks.entries()) {
				passes = i + 1;
				const result = await llm.chat({
					model: request.model,
					messages: condenseMessages(i + 1, chunks.length, chunk),
					numCtx: context,
					...(request.signal ? { signal: request.signal } : {}),
					onToken: (_, soFar) => progress({ stage: "condensing", characters: soFar.length, pass: i + 1, passes: chunks.length }),
				});
				condensed.push(result.text.trim());
			}
			draftInput = condensed.join("\n\n");
			kind = "condensed transcript";
			if (tokensOf(promptFor(draftInput, kind)) + outputTokens + CONTEXT_MARGIN > context) {
				throw new ClinicalVaultError("engine", `Even condensed, this session is too long for the model's context (${context} tokens). Choose a model with a larger context.`);
			}
		}
		const messages = promptFor(draftInput, kind);
		const numCtx = Math.min(context, Math.max(4096, roundUp(tokensOf(messages) + outputTokens + CONTEXT_MARGIN, 1024)));

		const notePath = await freePath(record, client, "notes", sessionDate, "md");
		const baseMeta = {
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
			num_ctx: numCtx,
			created: clock.now().toISOString(),
			modified: clock.now().toISOString(),
		};

		const sectionsText = await streamDraft(llm, {
			request: { model: request.model, messages, format: sectionsSchema(sections), numCtx, ...(request.signal ? { signal: request.signal } : {}) },
			what: "the note",
			onText: (soFar) => progress({ stage: "drafting", characters: soFar.length, text: soFar }),
			onComplete: (raw) => progress({ stage: "checking", characters: raw.length }),
			parse: (raw) => parseSections(raw, sections),
			keep: (partial, error) => this.keepPartial(notePath, baseMeta, partial, error),
		});
		const riskMentions = detectRiskMentions(input, request.source.kind);
		const riskFlag = riskMentions.length > 0 ? `> [!danger] Risk content mentioned${riskMentions.some((t) => t !== "") ? ` at ${riskMentions.filter((t) => t !== "").join(", ")}` : " in the input"}: clinician to assess.` : "";
		const body = fillTemplate(template, {
			client_code: client,
			session_date: sessionDate,
			session_number: String(sessionNumber),
			next_session: request.nextSession ?? "[to be scheduled]",
			risk_flag: riskFlag,
			risk_placeholder: RISK_PLACEHOLDER,
			sections: sectionsText,
		});
		const checked = applySafeguards(body, { source: input, kind: request.source.kind, ...(request.source.kind === "summary" ? { clinicianText: input } : {}) });

		progress({ stage: "saving", characters: checked.text.length });
		const meta = {
			...baseMeta,
			review_flags: checked.flags.length,
			...(checked.flags.length > 0 ? { review: checked.flags.map((f) => ({ kind: f.kind, reason: f.reason, excerpt: f.excerpt.slice(0, 160) })) } : {}),
			...(riskMentions.length > 0 ? { risk_mentioned_at: riskMentions } : {}),
		};
		await record.writeText(notePath, joinFrontmatter(meta, checked.text));
		return { notePath, flags: checked.flags, riskMentions, condensed: passes > 0, passes, numCtx, ...(summaryPath ? { summaryPath } : {}) };
	}

	/** Saves what the model wrote before a cancel or failure as an incomplete draft that cannot be signed as is. */
	private async keepPartial(notePath: string, meta: Record<string, unknown>, text: string, error: unknown): Promise<void> {
		if (text.trim() === "") return;
		const why = isCancelled(error) ? "generation was cancelled" : "generation failed";
		const body = `# Incomplete draft\n\n> [!warning] The ${why}; this is what the model wrote before it stopped. ${REVIEW_MARKER_TEXT(why)}\n\n\`\`\`\n${text}\n\`\`\`\n`;
		await this.deps.record.writeText(notePath, joinFrontmatter({ ...meta, incomplete: true }, body));
		if (error instanceof Cancelled) (error as { keptAt?: string }).keptAt = notePath;
	}
}
