/**
 * What the model is asked for the treatment plan, and how its answer becomes proposed changes.
 *
 * The model is asked once per proposal, with a strict JSON schema (no extra keys: there is no
 * diagnosis field, and an answer that adds one is rejected). Code then checks the answer:
 *   - draft: every presenting problem, goal, objective and intervention becomes its own change;
 *     ids are given by code; target dates come from the model's date or its number of weeks
 *     (default 12) counted from today. The diagnosis change, when there is one, is the intake's
 *     "Diagnosis" section copied verbatim (the clinician's words), never the model's.
 *   - progress: one change per (objective, session); entries for objective ids the plan does not
 *     have are dropped, entries whose evidence is not found in the session note (case, whitespace
 *     and punctuation aside) are dropped, and a session already logged for an objective is never
 *     logged again (so re-running on an applied session proposes nothing new). A status suggestion
 *     only moves forward (not started → in progress → met) and is offered while the objective has
 *     not reached it (so a conflict left out of "all" can still be accepted from a re-run); on an
 *     objective the clinician edited by hand it is a conflict change, left out of "all".
 *   - every model string goes through the checks of parts/modelText.ts: normalised (one line, no
 *     page markers), the client's name replaced by "the client" (reported in `redacted`), and the
 *     item dropped when a string touches the risk domain (risk is the clinician's to write) or
 *     names a diagnosis, a code or a diagnostic claim the note the model was given does not name
 *     (the plan's diagnosis is only ever the clinician's).
 * Dropped items are reported by reason and objective id only (no clinical text). The page renders
 * every kept string inert (page.ts).
 */
import { addWeeks, isValid, parseISO } from "date-fns";
import { localDay } from "../calendar";
import { z } from "zod";
import type { ChatMessage } from "../llm/LlmClient";
import { changeId, type Change } from "../proposals/proposals";
import { dataText, ModelTextChecker, type ModelTextContext, type TextReport } from "../parts/modelText";
import { NO_IDENTITY } from "../safety/identity";
import { buildQuoteIndex, checkQuote } from "../drafting/quotes";
import { findObjective, ISO_DATE, type ObjectiveStatus, type PlanData, type PlanItem, type ProgressEntry } from "./plan";

export const PLAN_PROMPT_VERSION = "plan-2026.11-1";
export const DEFAULT_TARGET_WEEKS = 12;

// ------------------------------------------------------------------ changes

interface ObjectiveInput {
	id: string;
	text: string;
	measure: string;
	target_date: string | null;
}

export type PlanChange = Change &
	(
		| { kind: "problem"; item: PlanItem }
		| { kind: "diagnosis"; diagnosis: { text: string; source: string } }
		| { kind: "goal"; goal: PlanItem }
		| { kind: "objective"; goalId: string; objective: ObjectiveInput }
		| { kind: "intervention"; item: PlanItem }
		| { kind: "progress"; objectiveId: string; entry: ProgressEntry }
		| { kind: "status"; objectiveId: string; from: ObjectiveStatus; to: ObjectiveStatus }
	);

export interface Dropped {
	/** The objective id (or item kind) concerned, as the model gave it (shortened). */
	item: string;
	reason:
		| "unknown objective"
		| "evidence not found in the session note"
		| "already logged for this session"
		| "names a diagnosis"
		| "touches the risk domain"
		| "duplicate";
}

/** A kept item in which the client's name was replaced by "the client". */
export type Redacted = TextReport;

// ------------------------------------------------------------------ model schemas

export const DraftAnswerSchema = z.strictObject({
	presenting_problems: z.array(z.string().min(1).max(500)).max(12),
	goals: z
		.array(
			z.strictObject({
				goal: z.string().min(1).max(300),
				objectives: z
					.array(
						z.strictObject({
							objective: z.string().min(1).max(300),
							measure: z.string().min(1).max(200),
							target_date: z.string().regex(ISO_DATE).optional(),
							target_weeks: z.number().int().min(1).max(104).optional(),
						}),
					)
					.min(1)
					.max(6),
			}),
		)
		.max(8),
	interventions: z.array(z.string().min(1).max(300)).max(12),
});
export type DraftAnswer = z.infer<typeof DraftAnswerSchema>;

export const ProgressAnswerSchema = z.strictObject({
	progress: z
		.array(
			z.strictObject({
				objective_id: z.string().min(1).max(20),
				note: z.string().min(1).max(400),
				evidence: z.string().min(1).max(400),
				status: z.enum(["in-progress", "met"]).optional(),
			}),
		)
		.max(30),
});
export type ProgressAnswer = z.infer<typeof ProgressAnswerSchema>;

// ------------------------------------------------------------------ prompts

const RULES = [
	"You help a licensed psychotherapist keep a treatment plan. You are a scribe, not a clinician: the clinician approves every item you suggest.",
	"- Use only what the note says. Add no facts, history, people or events.",
	'- Never diagnose: no diagnosis names, no codes (ICD-10, DSM-5), no "consistent with" statements. The diagnosis is the clinician\'s and is not part of your answer.',
	'- Refer to the client as "the client".',
	"- Answer with JSON only, matching the schema you are given.",
];

/** The intake without its diagnosis section (the model never sees, so never rephrases, the diagnosis). */
export function draftMessages(client: string, today: string, intakeWithoutDiagnosis: string): ChatMessage[] {
	return [
		{ role: "system", content: RULES.join("\n") },
		{
			role: "user",
			content: [
				`Client: ${client}. Today: ${today}.`,
				"From this intake note, draft a treatment plan:",
				"- presenting_problems: the problems the client presents with, one short line each.",
				'- goals: the client\'s goals in plain words; each with 1 to 3 measurable objectives (objective: what will be true; measure: how it is counted, e.g. "days with morning panic per week"; target_weeks: weeks from today, or target_date YYYY-MM-DD).',
				"- interventions: the therapeutic interventions the note names or plans.",
				"",
				"Intake note:",
				"<<<",
				intakeWithoutDiagnosis,
				">>>",
			].join("\n"),
		},
	];
}

export function progressMessages(client: string, sessionDate: string, data: PlanData, session: string): ChatMessage[] {
	const objectives: string[] = [];
	for (const g of data.goals) {
		for (const o of g.objectives) {
			const last = o.progress.at(-1);
			objectives.push(
				`- ${o.id} (goal ${g.id}: ${g.text}): ${o.text}. Measure: ${o.measure || "not set"}. Status: ${o.status}.${last ? ` Last progress (${last.date}): ${last.note}` : ""}`,
			);
		}
	}
	return [
		{ role: "system", content: RULES.join("\n") },
		{
			role: "user",
			content: [
				`Client: ${client}. Session of ${sessionDate}.`,
				"The treatment plan's objectives:",
				...objectives,
				"",
				"For each objective this session note gives evidence about, write one entry: objective_id (exactly as listed), note (one short sentence of progress, with the numbers the note gives), evidence (words copied exactly from the session note that show it), and status only when the note shows the objective is now in progress or met. Leave out objectives the note says nothing about.",
				"",
				"Session note:",
				"<<<",
				session,
				">>>",
			].join("\n"),
		},
	];
}

// ------------------------------------------------------------------ the clinician's diagnosis section

export interface DiagnosisSection {
	heading: string;
	text: string;
	/** Offsets of the whole section (heading included) in the body. */
	start: number;
	end: number;
}

/** A section headed "Diagnosis…" (any level) in a note body: the clinician's own words. */
export function findDiagnosisSection(body: string): DiagnosisSection | null {
	const headings = [...body.matchAll(/^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$/gm)];
	for (const [i, h] of headings.entries()) {
		if (!/^diagnos[ie]s\b/i.test(h[2]!)) continue;
		const level = h[1]!.length;
		const next = headings.slice(i + 1).find((n) => n[1]!.length <= level);
		const end = next ? next.index : body.length;
		const text = body.slice(h.index + h[0].length, end).trim();
		return { heading: h[2]!.trim(), text, start: h.index, end };
	}
	return null;
}

// ------------------------------------------------------------------ building changes

function short(text: string, max = 90): string {
	const t = text.replace(/\s+/g, " ").trim();
	return t.length <= max ? t : `${t.slice(0, max - 1)}…`;
}

type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;

async function withId(change: WithoutId<PlanChange>, identity: unknown[], taken: Set<string>): Promise<PlanChange> {
	const id = await changeId(identity, taken);
	taken.add(id);
	return { id, ...change };
}

function targetDate(o: DraftAnswer["goals"][number]["objectives"][number], today: string): string {
	if (o.target_date && isValid(parseISO(o.target_date)) && o.target_date > today) return o.target_date;
	return localDay(addWeeks(parseISO(today), o.target_weeks ?? DEFAULT_TARGET_WEEKS));
}

export interface DraftBuild {
	changes: PlanChange[];
	dropped: Dropped[];
	redacted: Redacted[];
}

/** The checks of one proposal, reporting into its lists. */
function checksFor(context: ModelTextContext | undefined, dropped: Dropped[], redacted: Redacted[]) {
	const checker = new ModelTextChecker(context);
	/** The strings of one item, checked together: their kept texts, or null (the item is dropped and reported). */
	return (item: string, texts: readonly { text: string; max: number }[]): string[] | null => {
		const kept: string[] = [];
		let named = false;
		for (const t of texts) {
			const result = checker.check(t.text, t.max);
			if (!result.kept) {
				dropped.push({ item, reason: result.reason });
				return null;
			}
			named ||= result.redacted;
			kept.push(result.text);
		}
		if (named) redacted.push({ item, reason: 'client\'s name replaced by "the client"' });
		return kept;
	};
}

/** Changes for a new plan (the plan is empty, so ids start at 1). */
export async function draftChanges(
	answer: DraftAnswer,
	options: { today: string; diagnosis: { text: string; source: string } | null; checks?: ModelTextContext },
): Promise<DraftBuild> {
	const taken = new Set<string>();
	const changes: PlanChange[] = [];
	const dropped: Dropped[] = [];
	const redacted: Redacted[] = [];
	const check = checksFor(options.checks, dropped, redacted);
	if (options.diagnosis) {
		const d = options.diagnosis;
		changes.push(
			await withId(
				{ kind: "diagnosis", summary: `Diagnosis, copied verbatim from ${d.source}: ${short(d.text)}`, diagnosis: d },
				["diagnosis", d.text],
				taken,
			),
		);
	}
	let p = 0;
	for (const raw of answer.presenting_problems) {
		const [text] = check("presenting problem", [{ text: raw, max: 500 }]) ?? [];
		if (text === undefined || text === "") continue;
		const item = { id: `P${++p}`, text };
		changes.push(
			await withId({ kind: "problem", summary: `Presenting problem ${item.id}: ${short(item.text)}`, item }, ["problem", item.id, item.text], taken),
		);
	}
	let g = 0;
	for (const goal of answer.goals) {
		const [text] = check("goal", [{ text: goal.goal, max: 300 }]) ?? [];
		if (text === undefined || text === "") continue;
		const goalItem = { id: `G${++g}`, text };
		changes.push(
			await withId(
				{ kind: "goal", summary: `Goal ${goalItem.id}: ${short(goalItem.text)}`, goal: goalItem },
				["goal", goalItem.id, goalItem.text],
				taken,
			),
		);
		let n = 0;
		for (const o of goal.objectives) {
			const [text, measure] =
				check(`objective of ${goalItem.id}`, [
					{ text: o.objective, max: 300 },
					{ text: o.measure, max: 200 },
				]) ?? [];
			if (text === undefined || measure === undefined || text === "") continue;
			const objective: ObjectiveInput = { id: `O${g}.${++n}`, text, measure, target_date: targetDate(o, options.today) };
			changes.push(
				await withId(
					{
						kind: "objective",
						summary: `Objective ${objective.id} (goal ${goalItem.id}): ${short(objective.text)}; measure: ${short(objective.measure, 60)}; target ${objective.target_date}`,
						goalId: goalItem.id,
						objective,
					},
					["objective", objective.id, objective.text, objective.measure, objective.target_date],
					taken,
				),
			);
		}
	}
	let i = 0;
	for (const raw of answer.interventions) {
		const [text] = check("intervention", [{ text: raw, max: 300 }]) ?? [];
		if (text === undefined || text === "") continue;
		const item = { id: `I${++i}`, text };
		changes.push(
			await withId({ kind: "intervention", summary: `Intervention ${item.id}: ${short(item.text)}`, item }, ["intervention", item.id, item.text], taken),
		);
	}
	return { changes, dropped, redacted };
}

const FORWARD: Record<string, number> = { "not-started": 0, "in-progress": 1, met: 2 };

export interface ProgressBuildInput {
	data: PlanData;
	/** Record path of the session note. */
	session: string;
	sessionDate: string;
	/** The session note's body (what the evidence must be found in). */
	sessionText: string;
	/** Objective ids whose own fields the clinician edited by hand. */
	handEdited: ReadonlySet<string>;
	/** The client's identity (the session text is the input diagnoses are compared with). */
	identity?: ModelTextContext["identity"];
}

export async function progressChanges(answer: ProgressAnswer, input: ProgressBuildInput): Promise<DraftBuild> {
	const taken = new Set<string>();
	const changes: PlanChange[] = [];
	const dropped: Dropped[] = [];
	const redacted: Redacted[] = [];
	const check = checksFor({ identity: input.identity ?? NO_IDENTITY, input: input.sessionText }, dropped, redacted);
	const index = buildQuoteIndex(input.sessionText, "summary");
	const seen = new Set<string>();
	for (const entry of answer.progress) {
		const objectiveId = entry.objective_id.trim();
		const found = findObjective(input.data, objectiveId);
		const label = short(objectiveId, 20);
		if (!found) {
			dropped.push({ item: label, reason: "unknown objective" });
			continue;
		}
		if (seen.has(objectiveId)) {
			dropped.push({ item: label, reason: "duplicate" });
			continue;
		}
		const quoted = dataText(entry.evidence, 400).replace(/^["']+|["']+$/g, "");
		if (!checkQuote(quoted, index).found) {
			dropped.push({ item: label, reason: "evidence not found in the session note" });
			continue;
		}
		const [note, evidence] =
			check(label, [
				{ text: entry.note, max: 400 },
				{ text: quoted, max: 400 },
			]) ?? [];
		if (note === undefined || evidence === undefined || note === "") continue;
		seen.add(objectiveId);
		if (found.objective.progress.some((p) => p.session === input.session)) {
			// Never a second entry for the same session; a status move still not made is offered again.
			dropped.push({ item: label, reason: "already logged for this session" });
		} else {
			const progress: ProgressEntry = { session: input.session, date: input.sessionDate, note, evidence };
			changes.push(
				await withId(
					{
						kind: "progress",
						summary: `${objectiveId} progress (${input.sessionDate}): ${short(progress.note)}`,
						evidence,
						objectiveId,
						entry: progress,
					},
					["progress", objectiveId, input.session, progress.note],
					taken,
				),
			);
		}
		const from = found.objective.status;
		const to = entry.status;
		if (to !== undefined && from in FORWARD && FORWARD[to]! > FORWARD[from]!) {
			const conflict = input.handEdited.has(objectiveId);
			changes.push(
				await withId(
					{
						kind: "status",
						summary: `${objectiveId} status: ${from} → ${to}${conflict ? " (you edited this objective by hand)" : ""}`,
						evidence,
						objectiveId,
						from,
						to,
						...(conflict ? { conflict: true } : {}),
					},
					["status", objectiveId, input.session, from, to],
					taken,
				),
			);
		}
	}
	return { changes, dropped, redacted };
}
