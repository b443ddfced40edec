/**
 * Note formats and their markdown templates. Templates live as plain markdown files in a templates
 * folder of the vault (created on first run, editable, never holding client data); the defaults
 * below are used for any that are missing. A template's `{{section:key}}` placeholders decide which
 * sections the model is asked for; other variables are filled by code.
 */
import { ClinicalVaultError } from "../errors";

export type NoteFormat = "soap" | "dap" | "birp" | "narrative" | "ifs";
export const NOTE_FORMATS: readonly NoteFormat[] = ["soap", "dap", "birp", "narrative", "ifs"];

export interface SectionSpec {
	key: string;
	heading: string;
	/** What belongs in the section, for the model. */
	guidance: string;
}

/** Known sections and what goes in them; a template may add its own (they get generic guidance). */
export const SECTIONS: Record<string, SectionSpec> = {
	subjective: {
		key: "subjective",
		heading: "Subjective",
		guidance:
			"What the client reported: concerns, experiences since the last session, in their own framing; brief verbatim quotes only if they appear in the input.",
	},
	objective: {
		key: "objective",
		heading: "Objective",
		guidance: "What the clinician observed in session: presentation, affect, engagement, behaviour. Only what the input states.",
	},
	assessment: {
		key: "assessment",
		heading: "Assessment",
		guidance:
			"The clinician's understanding of the session as stated in the input: themes, progress toward goals, response to interventions. No diagnosis unless the input gives one. No risk assessment.",
	},
	plan: { key: "plan", heading: "Plan", guidance: "Next steps stated in the input: homework, focus of the next session, referrals, frequency." },
	data: { key: "data", heading: "Data", guidance: "What happened in the session: client report and clinician observations, as stated in the input." },
	behavior: {
		key: "behavior",
		heading: "Behavior",
		guidance: "The client's presenting behaviour, report and observed presentation, as stated in the input.",
	},
	intervention: {
		key: "intervention",
		heading: "Intervention",
		guidance: "What the clinician did: techniques and interventions used, as stated in the input.",
	},
	response: { key: "response", heading: "Response", guidance: "How the client responded to the interventions, as stated in the input." },
	narrative: {
		key: "narrative",
		heading: "Session narrative",
		guidance: "A concise narrative of the session in third person: presenting concerns, work done, client response, plan. Only what the input states.",
	},
	parts: {
		key: "parts",
		heading: "Parts present",
		guidance:
			"The parts that showed up, named exactly as the client names them, with their role (protector: manager or firefighter; exile) only where the input says so.",
	},
	self_energy: {
		key: "self_energy",
		heading: "Self-energy",
		guidance:
			"Indicators of Self-energy mentioned in the input (the 8 C's: calm, curiosity, compassion, confidence, courage, clarity, creativity, connectedness), and any unblending.",
	},
	ifs_process: {
		key: "ifs_process",
		heading: "IFS process",
		guidance:
			"The steps of the work as the input describes them: unblending, getting to know protectors, permission, witnessing, retrieval, unburdening, integration. Do not claim a step the input does not describe.",
	},
};

const SOAP = `# SOAP note: {{client_code}}, session {{session_number}}, {{session_date}}

{{risk_flag}}

## Subjective
{{section:subjective}}

## Objective
{{section:objective}}

## Assessment
{{section:assessment}}

## Plan
{{section:plan}}

## Risk assessment
{{risk_placeholder}}

Next session: {{next_session}}
`;

const DAP = `# DAP note: {{client_code}}, session {{session_number}}, {{session_date}}

{{risk_flag}}

## Data
{{section:data}}

## Assessment
{{section:assessment}}

## Plan
{{section:plan}}

## Risk assessment
{{risk_placeholder}}

Next session: {{next_session}}
`;

const BIRP = `# BIRP note: {{client_code}}, session {{session_number}}, {{session_date}}

{{risk_flag}}

## Behavior
{{section:behavior}}

## Intervention
{{section:intervention}}

## Response
{{section:response}}

## Plan
{{section:plan}}

## Risk assessment
{{risk_placeholder}}

Next session: {{next_session}}
`;

const NARRATIVE = `# Progress note: {{client_code}}, session {{session_number}}, {{session_date}}

{{risk_flag}}

## Session narrative
{{section:narrative}}

## Plan
{{section:plan}}

## Risk assessment
{{risk_placeholder}}

Next session: {{next_session}}
`;

const IFS = `# IFS-informed DAP note: {{client_code}}, session {{session_number}}, {{session_date}}

{{risk_flag}}

## Data
{{section:data}}

## Parts present
{{section:parts}}

## Self-energy
{{section:self_energy}}

## IFS process
{{section:ifs_process}}

## Assessment
{{section:assessment}}

## Plan
{{section:plan}}

## Risk assessment
{{risk_placeholder}}

Next session: {{next_session}}
`;

export const DEFAULT_TEMPLATES: Readonly<Record<NoteFormat, string>> = { soap: SOAP, dap: DAP, birp: BIRP, narrative: NARRATIVE, ifs: IFS };

export const TEMPLATE_FILE_NAMES: Readonly<Record<NoteFormat, string>> = {
	soap: "SOAP note.md",
	dap: "DAP note.md",
	birp: "BIRP note.md",
	narrative: "Narrative note.md",
	ifs: "IFS-informed DAP note.md",
};

export function checkFormat(format: string): NoteFormat {
	if (!(NOTE_FORMATS as readonly string[]).includes(format)) {
		throw new ClinicalVaultError("invalid-input", `"${format}" is not a note format; use one of ${NOTE_FORMATS.join(", ")}.`);
	}
	return format as NoteFormat;
}

const SECTION_PLACEHOLDER = /\{\{section:([a-z][a-z0-9_]*)\}\}/g;

/** The sections a template asks for, in order, with their headings (taken from the template's "## " line above, when there is one). */
export function templateSections(template: string): SectionSpec[] {
	const out: SectionSpec[] = [];
	for (const match of template.matchAll(SECTION_PLACEHOLDER)) {
		const key = match[1]!;
		if (out.some((s) => s.key === key)) continue;
		const before = template
			.slice(0, match.index)
			.split("\n")
			.reverse()
			.find((l) => /^#{2,6}\s/.test(l));
		const known = SECTIONS[key];
		const heading = before?.replace(/^#{2,6}\s+/, "").trim() ?? known?.heading ?? key;
		out.push({ key, heading, guidance: known?.guidance ?? `Write the "${heading}" section from what the input states.` });
	}
	if (out.length === 0) throw new ClinicalVaultError("invalid-input", "The note template has no {{section:…}} placeholders, so there is nothing to draft.");
	return out;
}

export interface TemplateValues {
	client_code: string;
	session_date: string;
	session_number: string;
	next_session: string;
	risk_flag: string;
	risk_placeholder: string;
	sections: Record<string, string>;
}

/** Fills a template. Unknown {{variables}} are left visible so the clinician sees them. */
export function fillTemplate(template: string, values: TemplateValues): string {
	const filled = template
		.replace(SECTION_PLACEHOLDER, (_, key: string) => values.sections[key] ?? "")
		.replace(
			/\{\{(client_code|session_date|session_number|next_session|risk_flag|risk_placeholder)\}\}/g,
			(_, name: keyof Omit<TemplateValues, "sections">) => values[name],
		);
	return filled.replace(/\n{3,}/g, "\n\n").trimEnd() + "\n";
}
