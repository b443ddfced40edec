/**
 * A client's measure scores: `<CODE>/measures/scores.json`, a record file (encrypted, audit-logged
 * like every write). One entry per measure given: date, total, band, the item answers when they were
 * entered (null for a total alone), how many were prorated, item alerts, and the session note it
 * belongs to. Also the client's schedule (which measures are due when). Parsed strictly: a file
 * that does not match is an error, never silently emptied.
 */
import { z } from "zod";
import { ClinicalVaultError } from "../errors";

export const SCORES_NAME = "measures/scores.json";
export const MEASURES_PAGE_NAME = "measures.md";

const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

const ALERT_SCHEMA = z.object({ item: z.string(), number: z.number().int().min(1), answer: z.number().int().min(0), label: z.string() });

export const ENTRY_SCHEMA = z
	.object({
		id: z.string().regex(/^m[0-9a-f]{12}$/),
		measure: z.string().min(1),
		date: isoDay,
		total: z.number().int().min(0),
		band: z.string(),
		answers: z.array(z.number().int().min(0).nullable()).nullable(),
		prorated: z.number().int().min(0),
		alerts: z.array(ALERT_SCHEMA),
		/** Alerts of the scores this one replaced: a correction never makes an alert disappear from the record. */
		replacedAlerts: z.array(ALERT_SCHEMA).default([]),
		/** The session note this score belongs to (record path), when given. */
		session: z.string().nullable(),
		entered: z.string(),
	})
	.strict();

export type MeasureEntry = z.infer<typeof ENTRY_SCHEMA>;

export const SCHEDULES = ["session", "monthly", "review"] as const;
export type Schedule = (typeof SCHEDULES)[number];

export const SCORES_SCHEMA = z
	.object({
		version: z.literal(1),
		entries: z.array(ENTRY_SCHEMA),
		/** Measures due for this client and how often: every session, monthly, or at each plan review. */
		schedule: z.array(z.object({ measure: z.string().min(1), every: z.enum(SCHEDULES) }).strict()),
	})
	.strict();

export type ScoresFile = z.infer<typeof SCORES_SCHEMA>;

export const EMPTY_SCORES: ScoresFile = { version: 1, entries: [], schedule: [] };

export function parseScores(text: string, recordPath: string): ScoresFile {
	let data: unknown;
	try {
		data = JSON.parse(text);
	} catch {
		throw new ClinicalVaultError("integrity", `${recordPath} is not valid JSON. Restore it from a backup; nothing was changed.`, { path: recordPath });
	}
	const parsed = SCORES_SCHEMA.safeParse(data);
	if (!parsed.success) {
		const issue = parsed.error.issues[0]!;
		throw new ClinicalVaultError(
			"integrity",
			`${recordPath} does not have the expected shape (${issue.path.join(".") || "(top level)"}: ${issue.message}). Restore it from a backup; nothing was changed.`,
			{
				path: recordPath,
			},
		);
	}
	return parsed.data;
}

export function serializeScores(file: ScoresFile): string {
	const entries = [...file.entries].sort((a, b) => a.date.localeCompare(b.date) || a.measure.localeCompare(b.measure) || a.entered.localeCompare(b.entered));
	return `${JSON.stringify({ version: 1, entries, schedule: file.schedule }, null, "\t")}\n`;
}
