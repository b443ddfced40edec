/**
 * A standard measure (questionnaire) as data: its items, the answers each item takes, how it is
 * scored, the severity bands and the literature's change thresholds, with their sources. Scored by
 * code (scoring.ts), never by a model. The built-in measures are in builtin.ts; a clinician adds
 * their own as YAML in the templates folder (`measures/<id>.yaml`), validated by MEASURE_SCHEMA.
 */
import { z } from "zod";

const id = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, "an id of lower-case letters, digits and dashes (phq9, my-scale)");

export const MEASURE_SCHEMA = z
	.object({
		id,
		/** Short name shown everywhere: "PHQ-9". */
		name: z.string().min(1).max(40),
		/** Full title: "Patient Health Questionnaire-9". */
		title: z.string().min(1).max(200),
		/** Where the items and scoring come from (citation). */
		source: z.string().min(1).max(1000),
		/** Who may use it: "Public domain; no permission required (Pfizer)". */
		licence: z.string().min(1).max(500),
		/** The stem read before the items: "Over the last 2 weeks, how often have you been bothered by…". */
		instructions: z.string().max(1000).default(""),
		/** The answers every item takes, lowest first. */
		options: z
			.array(z.object({ value: z.number().int().min(0).max(100), label: z.string().min(1).max(100) }))
			.min(2)
			.max(11),
		items: z
			.array(z.object({ id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/), text: z.string().min(1).max(500) }))
			.min(1)
			.max(100),
		scoring: z.object({
			/** The only rule: the sum of the item answers. Anything else is refused when the definition is loaded. */
			method: z.literal("sum"),
			/**
			 * Missing answers the manual allows to be prorated (the mean of the answered items for each
			 * missing one, rounded to the nearest whole number); absent or 0: every item must be answered.
			 */
			prorateMaxMissing: z.number().int().min(0).max(10).default(0),
			prorateSource: z.string().max(500).default(""),
		}),
		/** Severity bands over the total, lowest first; together they cover every possible total. */
		bands: z
			.array(z.object({ min: z.number().int().min(0), max: z.number().int().min(0), label: z.string().min(1).max(60) }))
			.min(1)
			.max(10),
		/** Item answers the clinician must see at once (PHQ-9 item 9): shown, listed in the brief, recorded as a risk mention; never interpreted. */
		alerts: z.array(z.object({ item: z.string(), atLeast: z.number().int().min(0), label: z.string().min(1).max(200) })).default([]),
		/** A change of at least this many points is reliable (beyond measurement error). */
		reliableChange: z.object({ points: z.number().positive(), source: z.string().min(1).max(500) }).optional(),
		/** The clinical cut-off: a total below it is in the non-clinical range (for clinically significant change). */
		clinicalCutoff: z.object({ below: z.number().int().min(0), source: z.string().min(1).max(500) }).optional(),
		/** Higher totals mean more symptoms (every built-in measure); false for well-being scales. */
		higherIsWorse: z.boolean().default(true),
	})
	.strict();

export type MeasureDefinition = z.infer<typeof MEASURE_SCHEMA>;
export type MeasureInput = z.input<typeof MEASURE_SCHEMA>;
