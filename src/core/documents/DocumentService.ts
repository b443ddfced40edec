/**
 * Clinical documents drafted from the record by the local model: progress summaries, letters of
 * medical necessity, referral and coordination-of-care letters, supervision preparation, and client
 * handouts (see types.ts). The API both shells call:
 *
 *     const service = new DocumentService({ record, clock, templates });
 *     const { path, flags, sessions } = await service.draft({ client, type: "progress-summary", model, llm });
 *     // path: C-0417/documents/2026-07-06-progress-summary.md, saved encrypted with status: draft
 *
 * What the model gets: the client code (never the name: it is taken out of every text sent), the
 * session notes inside the range (oldest first, without their risk sections), the treatment plan
 * and the parts map where the type uses them, and what the clinician adds for this document.
 * Psychotherapy (process) notes are left out unless `includePsychotherapy` is set for this one
 * document; then the frontmatter lists them (`included_psychotherapy_notes`). A handout gets only
 * the topic and the clinician's own text: nothing of the record, not even the client code.
 *
 * What code does to the answer, whatever the prompt said:
 * - dates: every date the model writes must be a session in the range ([2026-06-23] citations) or
 *   a date it was given (a plan's target date); anything else gets a review marker;
 * - the drafting safeguards (applySafeguards), with the notes as the clinician's own words: risk
 *   judgements removed, diagnoses that are not in the notes/plan/clinician text removed,
 *   unsupported sentences and quotes marked, the risk section left as the clinician's placeholder;
 * - name and date of birth are filled in code from the profile, only for the types addressed to an
 *   insurer or another provider (progress summary, letters); supervision preparation stays
 *   de-identified; the plan's diagnosis is quoted verbatim where the template asks for it.
 *
 * Where a document is saved: `CODE/documents/YYYY-MM-DD-<type>.md` (a free name if taken). A
 * handout needs a client too: anything drafted stays in the encrypted record, filed under the client
 * it was made for, even though nothing of that client's record is sent to the model.
 *
 * Bad input loses nothing and writes nothing: an empty range, a client without notes, Ollama down or
 * the model not installed are clear errors before any write. A generation that breaks off after the
 * model started writing is kept as an incomplete draft (as DraftingService does), so nothing the
 * clinician waited for is lost; it cannot be signed while its review marker remains.
 */
import { draftPage } from "../drafting/pipeline";
import { checkSessionDate, localDay } from "../calendar";
import { ClinicalVaultError } from "../errors";
import { systemClock, type Clock } from "../clock";
import type { ClinicalRecord } from "../record/ClinicalRecord";
import { checkClientCode } from "../record/layout";

import type { LlmClient } from "../llm/LlmClient";
import { ModelBoundary } from "../llm/boundary";
import {
	checkModelAnswer,
	renderSentences,
	reviewMarker,
	RISK_PLACEHOLDER,
	RISK_SECTION_HEADING,
	type ReviewFlag,
	type SafeguardFlag,
} from "../drafting/safeguards";
import { identityOf, redactor } from "../safety/identity";
import { inert } from "../safety/inert";
import { readSessionNotes, type SessionNote } from "../brief/sessionNotes";
import { PartsMapService } from "../parts/PartsMapService";
import type { PartsMap } from "../parts/model";
import { parsePage } from "../parts/page";
import { TreatmentPlanService } from "../plan/TreatmentPlanService";
import { type PlanData } from "../plan/plan";
import { datesIn, uncitedDates } from "./checks";
import type { MeasureDefinition } from "../measures/definition";
import { measuresForDocument } from "../measures/document";
import { builtinMeasures } from "../measures/registry";
import { documentMessages, DOCUMENT_PROMPT_VERSION } from "./prompt";
import {
	checkDocumentType,
	CLINICIAN_TO_SPECIFY,
	documentSections,
	NOT_IN_NOTES,
	type DocumentTemplateSource,
	type DocumentType,
	type DocumentTypeId,
} from "./types";

export interface DocumentProgress {
	stage: "reading" | "drafting" | "checking" | "saving";
	/** Characters the model has written so far. */
	characters: number;
	/** The text streamed so far (for a live view); not persisted until saved. */
	text?: string;
}

export interface DocumentRequest {
	client: string;
	type: DocumentTypeId;
	/** The range, YYYY-MM-DD, both ends included. Defaults: see the type's defaultRange; `to` defaults to today. */
	from?: string;
	to?: string;
	/** Today (YYYY-MM-DD); default the clock's local date. */
	today?: string;
	model: string;
	llm: LlmClient;
	signal?: AbortSignal;
	onProgress?: (p: DocumentProgress) => void;
	/** Give psychotherapy (process) notes in the range to the model for this document (default false). */
	includePsychotherapy?: boolean;
	/** The handout's topic ("grounding", "an introduction to parts work"). */
	topic?: string;
	/** What the clinician adds: the reason for referral, the recipient's question, questions for supervision, emphasis for a handout. */
	clinicianNotes?: string;
}

export interface DocumentResult {
	/** Record path of the saved draft. */
	path: string;
	flags: ReviewFlag[];
	/** Dates of the notes the model was given (empty for a handout). */
	sessions: string[];
	/** Record paths of those notes. */
	sources: string[];
	/** Psychotherapy notes among them (only when included). */
	includedPsychotherapyNotes: string[];
	from?: string;
	to?: string;
	/** Parts of the context that could not be read (a parts map or plan with invalid data); the draft was made without them. */
	problems: string[];
}

/** Section answers that are instructions to the clinician, not claims: kept out of the grounding check. */
const PLACEHOLDER_ANSWERS = new Set([NOT_IN_NOTES, CLINICIAN_TO_SPECIFY]);

function minusDays(day: string, days: number): string {
	const d = new Date(`${day}T00:00:00Z`);
	d.setUTCDate(d.getUTCDate() - days);
	return d.toISOString().slice(0, 10);
}

function listDates(dates: string[], max = 12): string {
	return dates.length <= max ? dates.join(", ") : `${dates.slice(0, max).join(", ")} and ${dates.length - max} more`;
}

function noteLabel(note: SessionNote): string {
	if (note.noteType === "psychotherapy") return "Psychotherapy note";
	if (note.noteType === "intake") return "Intake";
	return note.sessionNumber !== null ? `Session ${note.sessionNumber}` : "Session";
}

/** The notes as the model reads them: one block per note, headed by its date; risk sections and titles left out. */
export function renderNotes(notes: readonly SessionNote[]): string {
	return notes
		.map((n) => {
			const body = n.sections
				.filter((x) => !RISK_SECTION_HEADING.test(x.heading))
				.map((x) => {
					const text = x.body
						.split("\n")
						.filter((l) => !/^#\s/.test(l))
						.join("\n")
						.trim();
					return x.heading ? `${x.heading}: ${text}` : text;
				})
				.filter((t) => t !== "")
				.join("\n");
			return `=== ${noteLabel(n)}, ${n.date} ===\n${body}`;
		})
		.join("\n\n");
}

function renderPlan(data: PlanData): string {
	const out: string[] = [];
	if (data.diagnosis && data.diagnosis.text.trim() !== "") out.push(`Diagnosis (the clinician's): ${data.diagnosis.text.trim()}`);
	if (data.presenting_problems.length > 0) out.push("Presenting problems:", ...data.presenting_problems.map((p) => `- ${p.id} ${p.text}`));
	if (data.goals.length > 0) {
		out.push("Goals and objectives:");
		for (const g of data.goals) {
			out.push(`- ${g.id} ${g.text}`);
			for (const o of g.objectives) {
				const last = [...o.progress].sort((a, b) => a.date.localeCompare(b.date)).at(-1);
				const facts = [o.measure ? `measure: ${o.measure}` : "", o.target_date ? `target ${o.target_date}` : "", `status: ${o.status}`].filter(
					(x) => x !== "",
				);
				out.push(`  - ${o.id} ${o.text} (${facts.join("; ")})${last ? `; last progress ${last.date}: ${last.note}` : ""}`);
			}
		}
	}
	if (data.interventions.length > 0) out.push("Interventions:", ...data.interventions.map((i) => `- ${i.id} ${i.text}`));
	return out.join("\n");
}

function renderParts(map: PartsMap): string {
	return map.parts
		.map((p) => {
			const facts = [
				p.role,
				p.burdens.length > 0 ? `burdens: ${p.burdens.join(", ")}` : "",
				p.protects.length > 0 ? `protects: ${p.protects.join(", ")}` : "",
				p.polarized_with.length > 0 ? `polarized with: ${p.polarized_with.join(", ")}` : "",
				`status: ${p.status}`,
			];
			return `- ${p.name} (${p.kind}): ${facts.filter((x) => x !== "").join("; ")}${p.last_seen ? `; last seen ${p.last_seen.date}` : ""}`;
		})
		.join("\n");
}

/** The profile's date of birth, from its details ("date of birth", "dob", "birth date"). */
function dateOfBirth(details: Record<string, string> | undefined): string | null {
	for (const [key, value] of Object.entries(details ?? {})) {
		if (/^(dob|d\.o\.b\.?|date[ _-]?of[ _-]?birth|birth[ _-]?date|birthdate|born)$/i.test(key.trim()) && String(value).trim() !== "")
			return String(value).trim();
	}
	return null;
}

interface Range {
	from: string;
	to: string;
	notes: SessionNote[];
}

export class DocumentService {
	private readonly record: ClinicalRecord;
	private readonly measures: ReadonlyMap<string, MeasureDefinition>;
	private readonly clock: Clock;
	private readonly templates: DocumentTemplateSource | undefined;

	constructor(deps: { record: ClinicalRecord; clock?: Clock; templates?: DocumentTemplateSource; measures?: ReadonlyMap<string, MeasureDefinition> }) {
		this.measures = deps.measures ?? builtinMeasures();
		this.record = deps.record;
		this.clock = deps.clock ?? deps.record.clock ?? systemClock;
		this.templates = deps.templates;
	}

	/** The notes for the document: the range checked, defaults applied, clear errors when there is nothing to draft from. */
	private async range(type: DocumentType, client: string, request: DocumentRequest, today: string): Promise<Range> {
		const to = checkSessionDate(request.to ?? today);
		const fromGiven = request.from === undefined ? undefined : checkSessionDate(request.from);
		if (fromGiven !== undefined && fromGiven > to) {
			throw new ClinicalVaultError("invalid-input", `The date range ${fromGiven} to ${to} is empty: the start is after the end. Nothing was drafted.`);
		}
		const all = (await readSessionNotes(this.record, client, { includePsychotherapy: request.includePsychotherapy ?? false })).notes;
		if (all.length === 0) {
			throw new ClinicalVaultError(
				"not-found",
				`${client} has no session notes yet, so there is nothing to draft a ${type.title.toLowerCase()} from. Nothing was written.`,
			);
		}
		let from: string;
		let notes: SessionNote[];
		if (fromGiven !== undefined || type.defaultRange.kind !== "sessions") {
			from = fromGiven ?? minusDays(to, type.defaultRange.kind === "days" ? type.defaultRange.days : 90);
			notes = all.filter((n) => n.date >= from && n.date <= to);
		} else {
			notes = all.filter((n) => n.date <= to).slice(-type.defaultRange.sessions);
			from = notes[0]?.date ?? to;
		}
		if (notes.length === 0) {
			throw new ClinicalVaultError(
				"invalid-input",
				`There are no session notes for ${client} from ${from} to ${to}. Its notes are dated ${listDates(all.map((n) => n.date))}: choose a range that includes some. Nothing was written.`,
			);
		}
		return { from, to, notes };
	}

	async draft(request: DocumentRequest): Promise<DocumentResult> {
		const type = checkDocumentType(request.type);
		const client = checkClientCode(request.client);
		const progress = (p: DocumentProgress) => request.onProgress?.(p);
		progress({ stage: "reading", characters: 0 });
		const profile = await this.record.readProfile(client, "internal");
		const today = checkSessionDate(request.today ?? localDay(this.clock.now()));
		const identity = identityOf(profile);
		const boundary = new ModelBoundary(request.llm, identity);
		const redact = redactor(identity);
		const clinicianNotes = redact(request.clinicianNotes?.trim() ?? "");
		const topic = request.topic?.trim() ?? "";
		if (!type.readsRecord && topic === "" && clinicianNotes === "") {
			throw new ClinicalVaultError(
				"invalid-input",
				"A client handout needs a topic (e.g. grounding) or your own text to work from. Nothing was drafted.",
			);
		}

		const range = type.readsRecord ? await this.range(type, client, request, today) : null;
		// The model is checked before anything else is read or written: Ollama down or the model not
		// installed is a clear error here, and the record is left exactly as it was.
		const context = await boundary.context(request.model, request.signal);
		const template = (await this.templates?.load(type.id)) ?? type.template;
		// A section about risk is the clinician's: never asked of the model.
		const allSections = documentSections(type, template);
		const sections = allSections.filter((x) => !RISK_SECTION_HEADING.test(x.heading) && !RISK_SECTION_HEADING.test(x.key));

		const problems: string[] = [];
		let planText = "";
		let diagnosis: string | null = null;
		if (type.usesPlan) {
			try {
				const plan = await new TreatmentPlanService({ record: this.record, clock: this.clock }).load(client);
				if (plan) {
					planText = redact(renderPlan(plan.page.data));
					diagnosis = plan.page.data.diagnosis?.text.trim() || null;
				}
			} catch (error) {
				if (!(error instanceof ClinicalVaultError)) throw error;
				problems.push(`Treatment plan: ${error.message}`);
			}
		}
		let partsText = "";
		if (type.usesParts) {
			try {
				// Read without an "open" audit entry (like the notes): drafting reads, the clinician has not opened it.
				const partsPath = new PartsMapService({ record: this.record, clock: this.clock }).path(client);
				if (await this.record.exists(partsPath))
					partsText = redact(renderParts(parsePage(await this.record.readText(partsPath, "internal"), partsPath).map));
			} catch (error) {
				if (!(error instanceof ClinicalVaultError)) throw error;
				problems.push(`Parts map: ${error.message}`);
			}
		}
		const notesText = range ? redact(renderNotes(range.notes)) : undefined;

		const messages = documentMessages({
			type,
			sections,
			...(range ? { clientCode: client, from: range.from, to: range.to, notes: notesText } : { topic: redact(topic) }),
			clinicianNotes,
			...(planText ? { plan: planText } : {}),
			...(partsText ? { parts: partsText } : {}),
		});

		const outputTokens = Math.ceil(sections.reduce((n, x) => n + x.words, 0) * 2) + 256;
		const included = range ? range.notes.filter((n) => n.noteType === "psychotherapy").map((n) => n.recordPath) : [];
		const given = [clinicianNotes, planText, partsText, notesText ?? ""].filter((t) => t !== "").join("\n\n");
		const sessions = new Set(range?.notes.map((n) => n.date) ?? []);
		const allowed = datesIn(given);
		const rangeText = range ? `${range.from} to ${range.to}` : "";
		// Every date the model writes must be a session in the range (or a date it was given).
		const extraCheck = range
			? (sentence: string) => {
					const bad = uncitedDates(sentence, sessions, allowed);
					const found: Omit<SafeguardFlag, "section">[] = bad.map((date) => ({
						kind: "unsupported",
						excerpt: date,
						reason: `Date ${date} is not a session in this document's range (${rangeText}): check it.`,
					}));
					return { reasons: bad.map((date) => `no session on ${date} in the notes for ${rangeText}`), flags: found };
				}
			: undefined;

		const { path, checked } = await draftPage({
			record: this.record,
			boundary,
			model: request.model,
			what: "the document",
			sections,
			messages,
			outputTokens,
			temperature: 0.1,
			...(request.signal ? { signal: request.signal } : {}),
			tooLong: (fit) =>
				new ClinicalVaultError(
					"invalid-input",
					`The notes${range ? ` from ${range.from} to ${range.to}` : ""} are too long for the model's context (${context} tokens; about ${fit.promptTokens + outputTokens} needed). Choose a shorter range or a model with a larger context. Nothing was written.`,
				),
			place: { client, folder: "documents", stem: `${today}-${type.id}` },
			meta: (fit) => ({
				kind: "document",
				type: type.id,
				title: type.title,
				client,
				...(range ? { range: { from: range.from, to: range.to }, sources: range.notes.map((n) => n.recordPath) } : { topic, sources: [] }),
				...(included.length > 0 ? { included_psychotherapy_notes: included } : {}),
				...(request.clinicianNotes?.trim() ? { clinician_input: request.clinicianNotes.trim() } : {}),
				status: "draft",
				model: request.model,
				prompt_version: DOCUMENT_PROMPT_VERSION,
				num_ctx: fit.numCtx,
				created: this.clock.now().toISOString(),
				modified: this.clock.now().toISOString(),
			}),
			check: (answer) => {
				const answerOf = (key: string): string => {
					const v = answer[key];
					return (Array.isArray(v) ? v.join(" ") : (v ?? "")).trim();
				};
				const placeholderOf = (key: string): string | null => {
					const v = answerOf(key);
					return v === "" ? NOT_IN_NOTES : PLACEHOLDER_ANSWERS.has(v) ? v : null;
				};
				const modelSections = sections
					.filter((x) => placeholderOf(x.key) === null)
					.map((x) => ({ key: x.key, heading: x.heading, text: answer[x.key] ?? "" }));
				const checked = range
					? checkModelAnswer(modelSections, {
							source: given,
							kind: "summary",
							clinicianText: [given, diagnosis ?? ""].join("\n"),
							clientCode: client,
							identity,
							...(extraCheck ? { extraCheck } : {}),
						})
					: // A handout is general psychoeducation, not a claim about the record: its sentences are not
						// grounded, but risk, diagnoses the clinician did not name, invented quotes and identifiers are still checked.
						checkModelAnswer(modelSections, { source: [topic, clinicianNotes].join("\n"), kind: "summary", identity, ungrounded: true });
				// A document's input is many notes joined: a flag's moments ("line 7") would point into text the clinician never sees.
				const flags: ReviewFlag[] = checked.flags.map(({ timestamps: _, ...flag }) => flag);
				const rendered: Record<string, string> = {};
				for (const x of sections) {
					const placeholder = placeholderOf(x.key);
					if (placeholder === CLINICIAN_TO_SPECIFY) {
						// Only the clinician can say (the recipient's request, supervision questions): a marker, so the document cannot be signed without it.
						rendered[x.key] = reviewMarker("clinician to specify");
						flags.push({
							kind: "unsupported",
							excerpt: placeholder,
							reason: `"${x.heading}" needs your own words: the record does not say.`,
							section: x.heading,
						});
					} else if (placeholder !== null) {
						rendered[x.key] = placeholder;
					} else {
						rendered[x.key] = renderSentences(checked.sections.find((c) => c.key === x.key)?.sentences ?? [], NOT_IN_NOTES);
					}
				}
				for (const x of allSections) if (rendered[x.key] === undefined) rendered[x.key] = RISK_PLACEHOLDER;
				return { flags, rendered };
			},
			render: async ({ rendered }) => {
				const hasRisk = template.includes("{{risk_placeholder}}");
				let riskText: string = RISK_PLACEHOLDER;
				if (hasRisk) {
					const written =
						range?.notes.filter((n) =>
							n.sections.some((x) => RISK_SECTION_HEADING.test(x.heading) && x.body.replace(RISK_PLACEHOLDER, "").trim() !== ""),
						) ?? [];
					if (written.length > 0)
						riskText += `\n\n> [!note] The notes' risk sections were not given to the model. Notes in this period with a risk section: ${written.map((n) => n.date).join(", ")}.`;
				}
				const identifies = type.identifies;
				const dob = dateOfBirth(profile.details);
				const values: Record<string, string> = {
					client_code: client,
					from: range?.from ?? "",
					to: range?.to ?? "",
					today,
					session_dates: range ? range.notes.map((n) => n.date).join(", ") : "",
					session_count: range ? String(range.notes.length) : "0",
					topic: topic || type.title,
					diagnosis: diagnosis ?? reviewMarker("no diagnosis in the treatment plan: enter your own or remove this line"),
					client_name: identifies ? inert(profile.name) : "[name left out: de-identified]",
					date_of_birth: identifies
						? dob
							? inert(dob)
							: reviewMarker("date of birth not in the client profile: add it")
						: "[left out: de-identified]",
					risk_placeholder: riskText,
					measures: template.includes("{{measures}}")
						? range
							? await measuresForDocument(this.record, client, range.from, range.to, this.measures)
							: "No period: no scores."
						: "",
				};
				// One pass over the template, so text the model wrote is never scanned for {{variables}}.
				return (
					template
						.replace(/\{\{section:([a-z][a-z0-9_]*)\}\}|\{\{([a-z_]+)\}\}/g, (whole, key: string | undefined, name: string | undefined) =>
							key !== undefined ? (rendered[key] ?? "") : (values[name!] ?? whole),
						)
						.replace(/\n{3,}/g, "\n\n")
						.trimEnd() + "\n"
				);
			},
			finalMeta: () => (problems.length > 0 ? { context_problems: problems } : {}),
			onProgress: progress,
		});
		const flags = checked.flags;
		return {
			path,
			flags,
			sessions: range ? range.notes.map((n) => n.date) : [],
			sources: range ? range.notes.map((n) => n.recordPath) : [],
			includedPsychotherapyNotes: included,
			...(range ? { from: range.from, to: range.to } : {}),
			problems,
		};
	}
}
