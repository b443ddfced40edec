/**
 * Prompts for documents. The rules that matter most are enforced in code afterwards (the drafting
 * safeguards, cited dates, the name kept out); the prompt makes the first attempt closer to what the
 * clinician will sign. DOCUMENT_PROMPT_VERSION is stamped into every document's frontmatter.
 */
import type { ChatMessage } from "../llm/LlmClient";
import { CLINICIAN_TO_SPECIFY, NOT_IN_NOTES, type DocumentSection, type DocumentType } from "./types";

export const DOCUMENT_PROMPT_VERSION = "document-2026.12-1";

function recordSystemPrompt(type: DocumentType): string {
	return [
		`You draft a ${type.title.toLowerCase()} for a licensed psychotherapist, who will review, edit and sign it. You are a scribe, not a clinician.`,
		`Audience: ${type.audience}`,
		"Rules:",
		"- Use only what the clinician's notes, treatment plan, parts map and added text say. Add no facts, history, people, measures or events.",
		"- After every statement taken from a session note, cite that note's date in square brackets, like [2026-06-09]. Cite only the dates of the notes you are given.",
		'- Refer to the client as "the client" or by the client code, never by a name; name no other person, place or employer.',
		"- Never assess risk and never write about suicidality, self-harm, danger or safety: the clinician writes the risk section.",
		"- Never diagnose and never give diagnostic codes. A diagnosis may be repeated only word for word as the clinician's notes or plan give it.",
		"- Quote the client only with words that appear verbatim in the notes, in double quotation marks.",
		`- Keep each section within its word limit. Write "${NOT_IN_NOTES}" for a section the notes have nothing for, and "${CLINICIAN_TO_SPECIFY}" where only the clinician can say.`,
		"- Write plain sentences only: no markdown, no headings, lists, links, tables, code or HTML. Code lays out the document.",
		"Answer with JSON only, matching the schema you are given: for each section a list of sentences.",
	].join("\n");
}

function handoutSystemPrompt(type: DocumentType): string {
	return [
		"You write a short psychoeducation handout that a psychotherapist will review, edit and give to a client.",
		`Audience: ${type.audience}`,
		"Rules:",
		"- General information about the topic only: nothing about any particular person, no names, no case details unless the therapist's text gives them.",
		"- No diagnosis, no medication advice, no promises of outcomes, no crisis or risk assessment.",
		"- Follow the therapist's text where they give one (emphasis, exercises to include, words to use).",
		"- Keep each section within its word limit.",
		"- Write plain sentences only: no markdown, no headings, lists, links, tables, code or HTML.",
		"Answer with JSON only, matching the schema you are given: for each section a list of sentences.",
	].join("\n");
}

export interface DocumentPromptInput {
	type: DocumentType;
	sections: DocumentSection[];
	/** The client code (never for a handout). */
	clientCode?: string;
	from?: string;
	to?: string;
	topic?: string;
	/** What the clinician adds for this document (their words). */
	clinicianNotes?: string;
	plan?: string;
	parts?: string;
	/** The notes, rendered (see renderNotes). */
	notes?: string;
}

export function documentMessages(p: DocumentPromptInput): ChatMessage[] {
	const lines: string[] = [];
	if (p.type.readsRecord) {
		lines.push(`Document: ${p.type.title} for client ${p.clientCode ?? ""}, covering ${p.from ?? ""} to ${p.to ?? ""}.`);
	} else {
		lines.push(`Handout topic: ${p.topic?.trim() || "(see the therapist's text)"}`);
	}
	lines.push("Write these sections:", ...p.sections.map((x) => `- "${x.key}" (${x.heading}, at most ${x.words} words): ${x.guidance}`), "");
	if (p.clinicianNotes && p.clinicianNotes.trim() !== "") {
		lines.push(
			p.type.readsRecord ? "What the clinician adds for this document (their words):" : "The therapist's text for this handout (their words):",
			"<<<",
			p.clinicianNotes.trim(),
			">>>",
			"",
		);
	}
	if (p.plan) lines.push("The clinician's treatment plan:", "<<<", p.plan, ">>>", "");
	if (p.parts) lines.push("The clinician's IFS parts map:", "<<<", p.parts, ">>>", "");
	if (p.notes !== undefined)
		lines.push("The clinician's session notes in this period, oldest first (their own words; risk sections are left out):", "<<<", p.notes, ">>>");
	return [
		{ role: "system", content: p.type.readsRecord ? recordSystemPrompt(p.type) : handoutSystemPrompt(p.type) },
		{ role: "user", content: lines.join("\n").trimEnd() },
	];
}
