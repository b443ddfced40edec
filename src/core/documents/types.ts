/**
 * The clinical documents drafted from the record: what each type is, which sections the model is
 * asked for, what it reads, its default date range and its default template.
 *
 * Templates are markdown files the clinician can edit in the templates folder (the same folder as
 * the note templates; TEMPLATE file names below); these defaults are used for any that are missing.
 * `{{section:key}}` placeholders decide which sections the model writes; every other variable is
 * filled by code AFTER the model and the safeguards have run:
 *
 *   {{client_code}} {{from}} {{to}} {{today}} {{session_dates}} {{session_count}} {{topic}}
 *   {{diagnosis}}        the treatment plan's diagnosis, verbatim (the clinician's; the model never proposes one)
 *   {{client_name}}      the profile's name, only for types addressed to an insurer or another provider
 *   {{date_of_birth}}    the profile's date of birth (details: "date of birth"/"dob"), same types only
 *   {{risk_placeholder}} the clinician-to-complete risk section (a template without it has no risk section)
 *   {{measures}}         the period's outcome-measure scores (table and change), filled by code from the record
 *
 * So the model never sees a name or a date of birth: they go into the text in code, and only where
 * the recipient needs them (`identifies`). Supervision preparation is de-identified (client code
 * only, no name filled even if the clinician's template asks for one) and a client handout holds no
 * client data at all.
 */
import { ClinicalVaultError } from "../errors";

export type DocumentTypeId = "progress-summary" | "medical-necessity" | "referral" | "coordination-of-care" | "supervision-prep" | "client-handout";

export interface DocumentSection {
	key: string;
	heading: string;
	/** What belongs in the section, for the model. */
	guidance: string;
	/** Word limit given to the model. */
	words: number;
}

export type DefaultRange = { kind: "days"; days: number } | { kind: "sessions"; sessions: number } | { kind: "none" };

export interface DocumentType {
	id: DocumentTypeId;
	title: string;
	/** Who reads it and how it should sound, for the model. */
	audience: string;
	sections: DocumentSection[];
	/** Reads the session notes (the handout does not: it gets the topic and the clinician's text only). */
	readsRecord: boolean;
	/** The treatment plan and the parts map are given to the model when present. */
	usesPlan: boolean;
	usesParts: boolean;
	/** Name and date of birth are filled in code (the recipient needs them). Never given to the model. */
	identifies: boolean;
	/** The range used when the clinician gives no --from. */
	defaultRange: DefaultRange;
	template: string;
	/** The template's file name in the templates folder. */
	templateFile: string;
}

/** What the model writes for a section the record has nothing for (kept out of the safeguards' grounding). */
export const NOT_IN_NOTES = "[not in the notes for this period]";
/** What the model writes where only the clinician can say (the recipient's request, supervision questions). */
export const CLINICIAN_TO_SPECIFY = "[clinician to specify]";

const s = (key: string, heading: string, guidance: string, words = 160): DocumentSection => ({ key, heading, guidance, words });

const IDENTIFYING_HEADER = `Client: {{client_name}} ({{client_code}}), date of birth {{date_of_birth}}
Period: {{from}} to {{to}}; dates of service: {{session_dates}}`;

const PROGRESS_SUMMARY = `# Progress summary

${IDENTIFYING_HEADER}
Diagnosis (the clinician's, from the treatment plan): {{diagnosis}}

## Presenting concerns
{{section:presenting_concerns}}

## Interventions provided
{{section:interventions}}

## Progress toward goals
{{section:progress}}

## Current functioning
{{section:current_status}}

## Plan and recommendations
{{section:plan}}

## Outcome measures
{{measures}}

## Risk and safety
{{risk_placeholder}}

Prepared {{today}}.
`;

const MEDICAL_NECESSITY = `# Letter of medical necessity

{{today}}

To: [recipient: insurer and address]

${IDENTIFYING_HEADER}
Diagnosis (the clinician's, from the treatment plan): {{diagnosis}}

## Current symptoms and functional impairment
{{section:symptoms}}

## Treatment provided
{{section:treatment}}

## Response to treatment
{{section:response}}

## Outcome measures
{{measures}}

## Why continued treatment is necessary
{{section:necessity}}

## Treatment requested
{{section:request}}

## Risk and safety
{{risk_placeholder}}

Sincerely,
[clinician name, licence and contact]
`;

const REFERRAL = `# Referral letter

{{today}}

To: [recipient: name and address]

${IDENTIFYING_HEADER}

## Reason for referral
{{section:reason}}

## Relevant background and presenting concerns
{{section:background}}

## Treatment so far
{{section:treatment}}

## What is asked of you
{{section:request}}

## Risk and safety
{{risk_placeholder}}

With thanks,
[clinician name, licence and contact]
`;

const COORDINATION = `# Coordination of care

{{today}}

To: [recipient: name and address]

${IDENTIFYING_HEADER}

## Purpose of this letter
{{section:purpose}}

## Summary of treatment
{{section:summary}}

## Current status
{{section:current_status}}

## Coordination requested
{{section:coordination}}

## Risk and safety
{{risk_placeholder}}

A release of information signed by the client is on file: [clinician to confirm].

Sincerely,
[clinician name, licence and contact]
`;

const SUPERVISION = `# Supervision preparation: {{client_code}}

De-identified: client code only. Period {{from}} to {{to}}; sessions {{session_dates}}.

## Case overview
{{section:overview}}

## Recent sessions
{{section:recent_work}}

## Clinical picture and process
{{section:process}}

## Where the work is stuck or unclear
{{section:stuck_points}}

## Questions for supervision
{{section:questions}}

## Risk and safety
{{risk_placeholder}}
`;

const HANDOUT = `# {{topic}}

## What it is
{{section:what_it_is}}

## How to practise it
{{section:how_to}}

## When it can help
{{section:when_it_helps}}

*A handout from your therapist. Bring your questions to the next session.*
`;

export const DOCUMENT_TYPES: Readonly<Record<DocumentTypeId, DocumentType>> = {
	"progress-summary": {
		id: "progress-summary",
		title: "Progress summary",
		audience: "The client's insurer or a utilization reviewer: factual, concise, progress measured against the treatment plan's goals.",
		sections: [
			s("presenting_concerns", "Presenting concerns", "The concerns treatment addresses, as the notes and the treatment plan state them."),
			s("interventions", "Interventions provided", "What the clinician did over the period (modality, techniques, homework), with session dates."),
			s(
				"progress",
				"Progress toward goals",
				"Change over the period toward the treatment plan's goals and objectives, with the measures the notes give (frequencies, counts) and session dates.",
				220,
			),
			s("current_status", "Current functioning", "Where things stand at the most recent sessions of the period."),
			s(
				"plan",
				"Plan and recommendations",
				"Continued treatment as the notes and the plan state it: frequency, focus, homework. No recommendation the notes do not make.",
			),
		],
		readsRecord: true,
		usesPlan: true,
		usesParts: true,
		identifies: true,
		defaultRange: { kind: "days", days: 90 },
		template: PROGRESS_SUMMARY,
		templateFile: "Progress summary.md",
	},
	"medical-necessity": {
		id: "medical-necessity",
		title: "Letter of medical necessity",
		audience: "The client's insurer: a formal letter showing why continued psychotherapy is medically necessary, argued only from the record.",
		sections: [
			s(
				"symptoms",
				"Current symptoms and functional impairment",
				"Symptoms and their impact on daily functioning (work, sleep, relationships, eating) as the notes describe them, with frequencies and session dates.",
			),
			s("treatment", "Treatment provided", "Modality, frequency and interventions over the period, with session dates."),
			s("response", "Response to treatment", "What has changed and what remains, with the measures and session dates the notes give."),
			s(
				"necessity",
				"Why continued treatment is necessary",
				"Why continued treatment is needed, argued only from what the notes and the plan state: remaining symptoms, goals not yet met. No risk statements, no prognosis the notes do not give.",
				200,
			),
			s(
				"request",
				"Treatment requested",
				`Frequency and focus of the treatment requested, as the clinician's text or the plan states it; else "${CLINICIAN_TO_SPECIFY}".`,
				80,
			),
		],
		readsRecord: true,
		usesPlan: true,
		usesParts: false,
		identifies: true,
		defaultRange: { kind: "days", days: 90 },
		template: MEDICAL_NECESSITY,
		templateFile: "Letter of medical necessity.md",
	},
	referral: {
		id: "referral",
		title: "Referral letter",
		audience: "Another clinician or service the client is referred to: collegial, concise, what they need to know to see the client.",
		sections: [
			s(
				"reason",
				"Reason for referral",
				`Why the client is referred, from what the clinician adds for this letter and the record; else "${CLINICIAN_TO_SPECIFY}".`,
				120,
			),
			s("background", "Relevant background and presenting concerns", "Presenting concerns and relevant history as the notes state them."),
			s("treatment", "Treatment so far", "Dates, modality, focus of the work and the client's response, with session dates."),
			s("request", "What is asked of you", `What the recipient is asked to do, from what the clinician adds; else "${CLINICIAN_TO_SPECIFY}".`, 80),
		],
		readsRecord: true,
		usesPlan: true,
		usesParts: false,
		identifies: true,
		defaultRange: { kind: "days", days: 90 },
		template: REFERRAL,
		templateFile: "Referral letter.md",
	},
	"coordination-of-care": {
		id: "coordination-of-care",
		title: "Coordination-of-care letter",
		audience: "Another provider treating the same client (physician, psychiatrist, dietitian): what they need to coordinate care, nothing more.",
		sections: [
			s("purpose", "Purpose of this letter", `Why the clinician writes, from what the clinician adds; else "${CLINICIAN_TO_SPECIFY}".`, 80),
			s("summary", "Summary of treatment", "Since when, how often, the focus of the work and the interventions, with session dates."),
			s("current_status", "Current status", "Where things stand at the most recent sessions of the period."),
			s(
				"coordination",
				"Coordination requested",
				`What is asked of the recipient or shared between providers, from what the clinician adds; else "${CLINICIAN_TO_SPECIFY}".`,
				100,
			),
		],
		readsRecord: true,
		usesPlan: true,
		usesParts: false,
		identifies: true,
		defaultRange: { kind: "days", days: 90 },
		template: COORDINATION,
		templateFile: "Coordination-of-care letter.md",
	},
	"supervision-prep": {
		id: "supervision-prep",
		title: "Supervision preparation",
		audience:
			"The clinician's supervisor or consultation group: a de-identified case summary (client code only; no names of people, places or employers) to discuss the work.",
		sections: [
			s("overview", "Case overview", "Presenting concerns and the course of treatment so far, de-identified."),
			s("recent_work", "Recent sessions", "One short paragraph per session of the period, each with its date.", 260),
			s(
				"process",
				"Clinical picture and process",
				"Themes, parts (IFS) and the process of the work as the notes and the parts map describe them, without interpretation of your own.",
			),
			s(
				"stuck_points",
				"Where the work is stuck or unclear",
				"What the notes show as unresolved, stalled or uncertain, without interpretation of your own.",
				120,
			),
			s(
				"questions",
				"Questions for supervision",
				`The clinician's questions for supervision as they gave them, adding none of your own; else "${CLINICIAN_TO_SPECIFY}".`,
				120,
			),
		],
		readsRecord: true,
		usesPlan: true,
		usesParts: true,
		identifies: false,
		defaultRange: { kind: "sessions", sessions: 6 },
		template: SUPERVISION,
		templateFile: "Supervision preparation.md",
	},
	"client-handout": {
		id: "client-handout",
		title: "Client handout",
		audience: "A psychotherapy client: warm, plain language (about an 8th-grade reading level), second person, short sentences.",
		sections: [
			s("what_it_is", "What it is", "The topic explained in plain language: what it is and why therapists use it.", 150),
			s("how_to", "How to practise it", "Concrete steps the client can follow on their own, as a short numbered list.", 200),
			s(
				"when_it_helps",
				"When it can help",
				"Everyday moments when the practice can help, and a gentle note that it is fine if it feels awkward at first.",
				120,
			),
		],
		readsRecord: false,
		usesPlan: false,
		usesParts: false,
		identifies: false,
		defaultRange: { kind: "none" },
		template: HANDOUT,
		templateFile: "Client handout.md",
	},
};

export const DOCUMENT_TYPE_IDS = Object.keys(DOCUMENT_TYPES) as DocumentTypeId[];

export function checkDocumentType(type: string): DocumentType {
	if (!Object.hasOwn(DOCUMENT_TYPES, type)) {
		throw new ClinicalVaultError("invalid-input", `"${type}" is not a document type; use one of ${DOCUMENT_TYPE_IDS.join(", ")}.`);
	}
	return DOCUMENT_TYPES[type as DocumentTypeId];
}

const SECTION_PLACEHOLDER = /\{\{section:([a-z][a-z0-9_]*)\}\}/g;

/**
 * The sections a (possibly edited) template asks for, in order: the type's own sections keep their
 * guidance and word limit; a section the clinician added gets its heading from the "## " line above.
 */
export function documentSections(type: DocumentType, template: string): DocumentSection[] {
	const out: DocumentSection[] = [];
	for (const match of template.matchAll(SECTION_PLACEHOLDER)) {
		const key = match[1]!;
		if (out.some((x) => x.key === key)) continue;
		const known = type.sections.find((x) => x.key === key);
		const above = template
			.slice(0, match.index)
			.split("\n")
			.reverse()
			.find((l) => /^#{2,6}\s/.test(l))
			?.replace(/^#{2,6}\s+/, "")
			.trim();
		const heading = above ?? known?.heading ?? key;
		out.push(known ? { ...known, heading } : { key, heading, guidance: `Write the "${heading}" section from what the record states.`, words: 150 });
	}
	if (out.length === 0)
		throw new ClinicalVaultError(
			"invalid-input",
			`The ${type.title.toLowerCase()} template has no {{section:…}} placeholders, so there is nothing to draft.`,
		);
	return out;
}

/** Where a document's template comes from (the templates folder); null: use the default. */
export interface DocumentTemplateSource {
	load(type: DocumentTypeId): Promise<string | null>;
}

/** The default templates, by type (to create the template files on first run). */
export const DEFAULT_DOCUMENT_TEMPLATES: Readonly<Record<DocumentTypeId, string>> = Object.fromEntries(
	DOCUMENT_TYPE_IDS.map((id) => [id, DOCUMENT_TYPES[id].template]),
) as Record<DocumentTypeId, string>;

/** Template file names in the templates folder, by type. */
export const DOCUMENT_TEMPLATE_FILE_NAMES: Readonly<Record<DocumentTypeId, string>> = Object.fromEntries(
	DOCUMENT_TYPE_IDS.map((id) => [id, DOCUMENT_TYPES[id].templateFile]),
) as Record<DocumentTypeId, string>;
