/**
 * Prompts for drafting. The rules that matter most are also enforced in code (safeguards.ts);
 * the prompt makes the model's first attempt closer to what the clinician will sign.
 * PROMPT_VERSION is stamped into every draft's frontmatter.
 */
import { z } from "zod";
import type { ChatMessage } from "../llm/LlmClient";
import { formatFor } from "../llm/structured";
import type { SectionSpec } from "./templates";

export const PROMPT_VERSION = "draft-2026.12-1";

export type Modality = "ifs" | "cbt" | "dbt" | "psychodynamic" | "general";

const MODALITY_GUIDES: Record<Modality, string> = {
	ifs: `The clinician works in Internal Family Systems (IFS). Use IFS language only where the input supports it: parts named exactly as the client names them (e.g. "the worrier", "Little One"); protectors, either managers (proactive, preventing pain) or firefighters (reactive, e.g. binge eating, scrolling); exiles (young parts carrying burdens); Self and Self-energy (the 8 C's: calm, curiosity, compassion, confidence, courage, clarity, creativity, connectedness); blending and unblending; witnessing, retrieval, unburdening, integration. Do not assign a role or a step the input does not state.`,
	cbt: "The clinician works in cognitive behavioural therapy (CBT). Where the input supports it, name automatic thoughts, cognitive distortions, behavioural experiments, thought records, exposure and homework as the clinician described them.",
	dbt: "The clinician works in dialectical behaviour therapy (DBT). Where the input supports it, name skills by module (mindfulness, distress tolerance, emotion regulation, interpersonal effectiveness), diary card content and chain analysis as the clinician described them.",
	psychodynamic:
		"The clinician works psychodynamically. Where the input supports it, describe themes, defences, transference and countertransference, and links to earlier relationships as the clinician described them, without interpretation of your own.",
	general: "Use plain, neutral clinical language.",
};

export function modalityOf(value: unknown): Modality {
	const v = typeof value === "string" ? value.toLowerCase() : "";
	return v === "ifs" || v === "cbt" || v === "dbt" || v === "psychodynamic" ? v : "general";
}

export function systemPrompt(modality: Modality): string {
	return [
		"You draft a psychotherapy progress note for a licensed clinician, who will review, edit and sign it. You are a scribe, not a clinician.",
		"Rules:",
		'- Use only what the input says. Do not add facts, history, people, feelings or events that are not in it. When something is unclear, write "[unclear in transcript]".',
		'- Write in the third person, past tense, in concise professional prose. Refer to the client as "the client", never by name.',
		"- Never assess risk and never write about suicidality, self-harm, danger or safety: the clinician completes the risk section. If the input mentions such content, do not summarise or judge it.",
		"- Never diagnose and never give diagnostic codes (ICD-10, DSM-5, Z codes) unless the clinician's own words give them.",
		"- Quote the client only with words that appear verbatim in the input, in double quotation marks.",
		'- Keep each section within its word limit. Leave a section as "[not addressed in this session]" when the input has nothing for it.',
		MODALITY_GUIDES[modality],
		"- Write plain sentences only: no markdown, no headings, lists, links, tables, code or HTML. Code lays out the note.",
		"Answer with JSON only, matching the schema you are given: for each section a list of sentences.",
	].join("\n");
}

/** A section's answer: a list of plain sentences (one string is accepted too, and split by code). */
export const SectionAnswer = z.union([z.array(z.string().max(2000)).max(60), z.string().max(20000)]);

/** The note's answer schema: one key per section the template asks the model for (the risk section never). */
export function noteAnswerSchema(sections: readonly SectionSpec[]): { schema: z.ZodType<Record<string, string | string[]>>; format: Record<string, unknown> } {
	const shape: Record<string, typeof SectionAnswer> = {};
	for (const s of sections) shape[s.key] = SectionAnswer.describe(`${s.heading}: ${s.guidance}`);
	// Keys the template did not ask for (a model's own "risk_assessment") are dropped, never read.
	const schema = z.object(shape) as unknown as z.ZodType<Record<string, string | string[]>>;
	return { schema, format: formatFor(schema) };
}

export interface DraftPromptInput {
	clientCode: string;
	sessionDate: string;
	sessionNumber: number;
	inputKind: "transcript" | "summary" | "condensed transcript";
	input: string;
	sections: SectionSpec[];
	wordLimits: Record<string, number>;
	defaultWordLimit: number;
}

export function draftMessages(modality: Modality, p: DraftPromptInput): ChatMessage[] {
	const sectionLines = p.sections.map((s) => `- "${s.key}" (${s.heading}, at most ${p.wordLimits[s.key] ?? p.defaultWordLimit} words): ${s.guidance}`);
	const user = [
		`Client: ${p.clientCode}. Session ${p.sessionNumber}, ${p.sessionDate}.`,
		`Write these sections:`,
		...sectionLines,
		"",
		p.inputKind === "summary"
			? "The clinician's own summary of the session (their words; it may use shorthand):"
			: p.inputKind === "condensed transcript"
				? "Condensed notes of the session transcript (made in passes; quotes in them are verbatim):"
				: "The session transcript ([mm:ss] timestamps; speakers where known):",
		"<<<",
		p.input,
		">>>",
	].join("\n");
	return [
		{ role: "system", content: systemPrompt(modality) },
		{ role: "user", content: user },
	];
}

/** One pass over a chunk of a long transcript: facts and verbatim quotes, nothing else. */
export function condenseMessages(part: number, parts: number, chunk: string): ChatMessage[] {
	return [
		{
			role: "system",
			content:
				"You condense one part of a psychotherapy session transcript for the clinician's note. List, as short bullet points in the order they happen, what the client reported, what the clinician did and how the client responded. Keep the client's most important words as exact quotes in double quotation marks with their [mm:ss] timestamp. Add nothing that is not in the text; do not interpret, diagnose or assess risk.",
		},
		{ role: "user", content: `Part ${part} of ${parts} of the transcript:\n<<<\n${chunk}\n>>>` },
	];
}
