/**
 * The living treatment plan's data: what the ```yaml block of C-0417/treatment-plan.md holds (the
 * source of truth), checked with zod when the page is read, and the review arithmetic (date-fns).
 *
 * Ids are given by code, never by the model: presenting problems P1, P2…; goals G1…; objectives
 * O<goal>.<n> (O1.1 is the first objective of G1); interventions I1…. They are stable: a new item
 * takes the next free number, nothing is renumbered.
 *
 * The diagnosis is the clinician's: it is null (shown as a placeholder) until the clinician enters
 * it or approves copying their own intake section verbatim; the model has no way to propose one.
 *
 * Reviews: next review = last_review (or, before the first review, created) + review_every_days
 * (90 by default). It is always computed from those two fields, so a clinician who edits
 * last_review or review_every_days by hand moves the next review; the next_review in the
 * frontmatter is only a readable copy, refreshed whenever the page is written.
 */
import { addDays, differenceInCalendarDays, isValid, parseISO } from "date-fns";
import { localDay } from "../calendar";
import { z } from "zod";

export const PLAN_TYPE = "treatment-plan";
export const PLAN_VERSION = 1;
export const DEFAULT_REVIEW_DAYS = 90;
/** A review (or an objective's target date) this close is "due soon". */
export const DUE_SOON_DAYS = 14;
export const DIAGNOSIS_PLACEHOLDER = "[diagnosis: entered by the clinician]";

export const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

const isoDate = z
	.string()
	.regex(ISO_DATE, "must be a date like 2026-09-01")
	.refine((s) => isValid(parseISO(s)), "is not a real date");

export const OBJECTIVE_STATUSES = ["not-started", "in-progress", "met", "discontinued"] as const;
export type ObjectiveStatus = (typeof OBJECTIVE_STATUSES)[number];

export const ProgressEntrySchema = z.looseObject({
	/** Record path of the session note that evidences it. */
	session: z.string().min(1),
	date: isoDate,
	note: z.string(),
	/** The session note's words (checked to appear in it when proposed). */
	evidence: z.string().optional(),
});

export const ObjectiveSchema = z.looseObject({
	id: z.string().regex(/^O\d+\.\d+$/, "must look like O1.2"),
	text: z.string(),
	measure: z.string().default(""),
	target_date: isoDate.nullable().default(null),
	status: z.enum(OBJECTIVE_STATUSES).default("not-started"),
	progress: z
		.array(ProgressEntrySchema)
		.nullable()
		.default([])
		.transform((p) => p ?? []),
});

export const GoalSchema = z.looseObject({
	id: z.string().regex(/^G\d+$/, "must look like G1"),
	text: z.string(),
	objectives: z
		.array(ObjectiveSchema)
		.nullable()
		.default([])
		.transform((o) => o ?? []),
});

const itemSchema = (prefix: string) => z.looseObject({ id: z.string().regex(new RegExp(`^${prefix}\\d+$`), `must look like ${prefix}1`), text: z.string() });

export const DiagnosisSchema = z.looseObject({
	text: z.string(),
	/** Where the text was copied from ("C-0417/notes/2026-06-02.md, section …"), or null when typed into the plan. */
	source: z.string().nullable().default(null),
});

export const PlanDataSchema = z.looseObject({
	presenting_problems: z
		.array(itemSchema("P"))
		.nullable()
		.default([])
		.transform((x) => x ?? []),
	diagnosis: DiagnosisSchema.nullable().default(null),
	goals: z
		.array(GoalSchema)
		.nullable()
		.default([])
		.transform((x) => x ?? []),
	interventions: z
		.array(itemSchema("I"))
		.nullable()
		.default([])
		.transform((x) => x ?? []),
});

export type ProgressEntry = z.infer<typeof ProgressEntrySchema>;
export type Objective = z.infer<typeof ObjectiveSchema>;
export type Goal = z.infer<typeof GoalSchema>;
export type PlanItem = { id: string; text: string };
export type Diagnosis = z.infer<typeof DiagnosisSchema>;
export type PlanData = z.infer<typeof PlanDataSchema>;

export const PlanFrontSchema = z.looseObject({
	client: z.string(),
	type: z.literal(PLAN_TYPE),
	version: z.literal(PLAN_VERSION),
	created: isoDate,
	updated: isoDate.optional(),
	review_every_days: z.number().int().min(1).max(3650).default(DEFAULT_REVIEW_DAYS),
	last_review: isoDate.nullable().default(null),
	next_review: isoDate.nullable().optional(),
	/** Hash of each generated region as last written (hand edits inside one are detected). */
	generated: z.record(z.string(), z.string()).default({}),
	/** Hash of each objective's own fields as last written by Clinical Vault (hand edits make model changes to it conflicts). */
	written: z.record(z.string(), z.string()).default({}),
});
export type PlanFront = z.infer<typeof PlanFrontSchema>;

export interface Plan {
	front: PlanFront;
	data: PlanData;
}

export function emptyPlanData(): PlanData {
	return { presenting_problems: [], diagnosis: null, goals: [], interventions: [] };
}

/** Whether the plan holds anything a draft could overwrite. */
export function hasContent(data: PlanData): boolean {
	return (
		data.presenting_problems.length > 0 ||
		data.goals.length > 0 ||
		data.interventions.length > 0 ||
		(data.diagnosis !== null && data.diagnosis.text.trim() !== "")
	);
}

export function allObjectives(data: PlanData): { goal: Goal; objective: Objective }[] {
	return data.goals.flatMap((goal) => goal.objectives.map((objective) => ({ goal, objective })));
}

export function findObjective(data: PlanData, id: string): { goal: Goal; objective: Objective; goalIndex: number; index: number } | null {
	for (const [goalIndex, goal] of data.goals.entries()) {
		const index = goal.objectives.findIndex((o) => o.id === id);
		if (index >= 0) return { goal, objective: goal.objectives[index]!, goalIndex, index };
	}
	return null;
}

export function parseDay(day: string): Date {
	return parseISO(day);
}

export interface ReviewStatus {
	/** YYYY-MM-DD. */
	nextReview: string;
	/** Negative when overdue. */
	daysLeft: number;
	state: "ok" | "due-soon" | "overdue";
}

export function nextReviewDate(front: Pick<PlanFront, "created" | "last_review" | "review_every_days">): string {
	return localDay(addDays(parseDay(front.last_review ?? front.created), front.review_every_days));
}

export function reviewStatus(plan: Plan, today: Date, dueSoonDays = DUE_SOON_DAYS): ReviewStatus {
	const nextReview = nextReviewDate(plan.front);
	const daysLeft = differenceInCalendarDays(parseDay(nextReview), today);
	return { nextReview, daysLeft, state: daysLeft < 0 ? "overdue" : daysLeft <= dueSoonDays ? "due-soon" : "ok" };
}

export interface ObjectiveDue {
	goalId: string;
	objectiveId: string;
	text: string;
	targetDate: string;
	daysLeft: number;
	overdue: boolean;
}

/** Objectives not met (nor discontinued) whose target date is past or within `withinDays`. */
export function objectivesDue(plan: Plan, today: Date, withinDays = DUE_SOON_DAYS): ObjectiveDue[] {
	const out: ObjectiveDue[] = [];
	for (const { goal, objective } of allObjectives(plan.data)) {
		if (objective.status === "met" || objective.status === "discontinued" || !objective.target_date) continue;
		const daysLeft = differenceInCalendarDays(parseDay(objective.target_date), today);
		if (daysLeft <= withinDays)
			out.push({ goalId: goal.id, objectiveId: objective.id, text: objective.text, targetDate: objective.target_date, daysLeft, overdue: daysLeft < 0 });
	}
	return out.sort((a, b) => a.daysLeft - b.daysLeft);
}

/** The next free number for ids like P3, G2, O1.4 among `ids`. */
export function nextNumber(ids: readonly string[], prefix: string): number {
	let max = 0;
	for (const id of ids) {
		if (!id.startsWith(prefix)) continue;
		const n = Number(id.slice(prefix.length));
		if (Number.isInteger(n) && n > max) max = n;
	}
	return max + 1;
}
