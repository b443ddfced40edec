/**
 * What the model is asked for a parts-map update, and the schema its answer must follow (sent as
 * Ollama's `format` and checked again in code). The model only reports what the session note says
 * about parts; it never decides what changes: merge.ts compares its report with the map.
 */
import { z } from "zod";
import type { ChatMessage } from "../llm/LlmClient";
import { PART_KINDS, SELF_QUALITIES, STATUSES, type Part } from "./model";

export const PARTS_PROMPT_VERSION = "parts-2026.11-1";

export const mentionSchema = z.object({
	name: z.string().trim().min(1).max(80).describe('The part\'s name exactly as the client calls it, e.g. "the Critic".'),
	kind: z.enum(PART_KINDS).describe("Only what the note states; unknown otherwise."),
	role: z.string().max(300).describe("What the part does for the client, in a few words; empty when the note does not say."),
	age_or_origin: z.string().max(200).describe("Its age or where it comes from, when the note says; else empty."),
	burdens: z.array(z.string().max(200)).describe("Burdens (beliefs, feelings) the note says it carries."),
	fears: z.array(z.string().max(200)).describe("What the note says it is afraid of."),
	status_reached: z
		.array(z.enum(STATUSES))
		.describe("The steps the note says happened with this part in this session: met, unblended, witnessed, retrieved, unburdened."),
	protects: z.array(z.string().max(80)).describe("Names of parts this part protects, per the note."),
	polarized_with: z.array(z.string().max(80)).describe("Names of parts it is polarized with, per the note."),
	allied_with: z.array(z.string().max(80)).describe("Names of parts it works together with, per the note."),
	evidence: z.string().max(400).describe("A short verbatim phrase from the note about this part."),
});

export const answerSchema = z.object({
	parts: z.array(mentionSchema),
	self_energy: z.array(z.enum(SELF_QUALITIES)).describe("The 8 C's the note says the client showed in this session."),
	self_energy_evidence: z.string().max(400).describe("A short verbatim phrase from the note about Self-energy; empty when none."),
});

export type PartMention = z.infer<typeof mentionSchema>;
export type PartsAnswer = z.infer<typeof answerSchema>;

export function partsMessages(input: { client: string; sessionDate: string; note: string; known: readonly Part[] }): ChatMessage[] {
	const system = [
		"You read one psychotherapy session note written by a clinician who works in Internal Family Systems (IFS), and report what it says about the client's parts. You are a scribe, not a clinician.",
		"Rules:",
		"- Use only what the note says. Do not add parts, roles, burdens, relationships or steps that the note does not state.",
		"- Name each part exactly as the note names it. When a part already on the map is meant, use the map's name for it.",
		"- Kinds: manager (proactive protector), firefighter (reactive protector), exile (young part carrying a burden), Self-like, or unknown when the note does not say.",
		"- status_reached lists only the steps the note says happened in this session (met, unblended, witnessed, retrieved, unburdened); leave it empty when none did.",
		"- Self-energy: only the 8 C's (calm, curiosity, compassion, confidence, courage, clarity, creativity, connectedness) the note says the client showed.",
		'- Refer to the client as "the client", never by name. Never assess risk and never diagnose.',
		"Answer with JSON only, matching the schema you are given.",
	].join("\n");
	const known =
		input.known.length === 0
			? "none yet"
			: input.known.map((p) => `${p.name} (${p.kind}, ${p.status}${p.aliases.length > 0 ? `; also called ${p.aliases.join(", ")}` : ""})`).join("; ");
	const user = [
		`Client: ${input.client}. Session of ${input.sessionDate}.`,
		`Parts already on the client's map: ${known}.`,
		"",
		"The session note:",
		"<<<",
		input.note,
		">>>",
	].join("\n");
	return [
		{ role: "system", content: system },
		{ role: "user", content: user },
	];
}
