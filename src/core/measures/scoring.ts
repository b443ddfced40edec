/**
 * Scoring by code: totals, severity bands, item alerts, proration where the manual allows it, and
 * change between two scores (reliable change; clinically significant change in the sense of
 * Jacobson & Truax 1991: a reliable improvement that ends below the clinical cut-off). Nothing
 * here is interpreted or sent to a model.
 */
import { ClinicalVaultError } from "../errors";
import { MEASURE_SCHEMA, type MeasureDefinition } from "./definition";

export interface ItemAlert {
	item: string;
	/** The item's number as printed on the form (1-based). */
	number: number;
	answer: number;
	label: string;
}

export interface Score {
	total: number;
	band: string;
	/** Items left unanswered whose answers were prorated (0: every item answered, or total only). */
	prorated: number;
	alerts: ItemAlert[];
}

/** The highest possible total. */
export function maxTotal(def: MeasureDefinition): number {
	return def.items.length * Math.max(...def.options.map((o) => o.value));
}

function invalid(where: string, why: string): ClinicalVaultError {
	return new ClinicalVaultError("invalid-input", `The measure definition ${where} cannot be used: ${why}. Nothing was changed.`);
}

/**
 * A definition checked for use: the schema (the only scoring rule is "sum"), then what a schema
 * cannot say: answer values in increasing order, item ids unique, bands in order covering every
 * total from 0 to the maximum without gap or overlap, alerts on existing items.
 */
export function checkDefinition(input: unknown, where: string): MeasureDefinition {
	const parsed = MEASURE_SCHEMA.safeParse(input);
	if (!parsed.success) {
		const issue = parsed.error.issues[0]!;
		const path = issue.path.length > 0 ? issue.path.join(".") : "(top level)";
		const what = issue.path[0] === "scoring" && issue.path[1] === "method" ? `unknown scoring rule (only "sum" is supported)` : `${path}: ${issue.message}`;
		throw invalid(where, what);
	}
	const def = parsed.data;
	const values = def.options.map((o) => o.value);
	if (values.some((v, i) => i > 0 && v <= values[i - 1]!)) throw invalid(where, "the answer values must increase (0, 1, 2, …)");
	const ids = new Set<string>();
	for (const item of def.items) {
		if (ids.has(item.id)) throw invalid(where, `item id "${item.id}" appears twice`);
		ids.add(item.id);
	}
	const max = maxTotal(def);
	let next = 0;
	for (const band of def.bands) {
		if (band.min !== next || band.max < band.min)
			throw invalid(where, `the bands must run from 0 to ${max} in order without gaps or overlaps (a band should start at ${next})`);
		next = band.max + 1;
	}
	if (next !== max + 1) throw invalid(where, `the last band ends at ${next - 1}, the highest possible total is ${max}`);
	const top = values.at(-1)!;
	for (const alert of def.alerts) {
		if (!ids.has(alert.item)) throw invalid(where, `an alert names item "${alert.item}", which the measure does not have`);
		if (alert.atLeast > top || alert.atLeast < values[0]!)
			throw invalid(
				where,
				`the alert on item "${alert.item}" is for answers of at least ${alert.atLeast}, which no answer (${values[0]} to ${top}) can reach`,
			);
	}
	if (def.clinicalCutoff && def.clinicalCutoff.below > max)
		throw invalid(where, `the clinical cut-off ${def.clinicalCutoff.below} is above the highest total ${max}`);
	if (def.scoring.prorateMaxMissing >= def.items.length) throw invalid(where, "proration cannot fill every item");
	return def;
}

export function bandOf(def: MeasureDefinition, total: number): string {
	return def.bands.find((b) => total >= b.min && total <= b.max)?.label ?? "";
}

/** Scores item answers (null = not answered), prorating only as the definition allows. */
export function scoreAnswers(def: MeasureDefinition, answers: readonly (number | null)[]): Score {
	if (answers.length !== def.items.length) {
		throw new ClinicalVaultError(
			"invalid-input",
			`${def.name} has ${def.items.length} items; ${answers.length} answers were given. Give one answer per item (leave an unanswered item empty). Nothing was saved.`,
		);
	}
	const allowed = new Set(def.options.map((o) => o.value));
	const range = `${def.options[0]!.value} to ${def.options.at(-1)!.value}`;
	answers.forEach((a, i) => {
		if (a !== null && (!Number.isInteger(a) || !allowed.has(a))) {
			throw new ClinicalVaultError("invalid-input", `${def.name} item ${i + 1} was answered ${String(a)}; its answers are ${range}. Nothing was saved.`);
		}
	});
	const missing = answers.filter((a) => a === null).length;
	if (missing > 0 && missing > def.scoring.prorateMaxMissing) {
		const which = answers.flatMap((a, i) => (a === null ? [i + 1] : [])).join(", ");
		throw new ClinicalVaultError(
			"invalid-input",
			def.scoring.prorateMaxMissing === 0
				? `${def.name} item${missing > 1 ? "s" : ""} ${which} ${missing > 1 ? "are" : "is"} not answered, and its manual gives no rule for a missing item: answer every item, or enter the total alone. Nothing was saved.`
				: `${def.name} items ${which} are not answered; its manual allows a score with at most ${def.scoring.prorateMaxMissing} missing. Nothing was saved.`,
		);
	}
	// An item with an alert is never prorated: its answer is what the clinician must see.
	const alertedMissing = def.alerts.map((a) => def.items.findIndex((item) => item.id === a.item)).filter((i) => i >= 0 && answers[i] === null);
	if (alertedMissing.length > 0) {
		throw new ClinicalVaultError(
			"invalid-input",
			`${def.name} item ${alertedMissing.map((i) => i + 1).join(", ")} is not answered; it carries an alert the clinician must see, so it is never prorated. Answer it, or enter the total alone. Nothing was saved.`,
		);
	}
	const answered = answers.filter((a): a is number => a !== null);
	const sum = answered.reduce((n, a) => n + a, 0);
	// Prorated: the mean of the answered items stands for each missing one (sum × items / answered), rounded half up.
	const total = missing === 0 ? sum : Math.floor((sum * def.items.length) / answered.length + 0.5);
	const alerts: ItemAlert[] = [];
	for (const alert of def.alerts) {
		const index = def.items.findIndex((item) => item.id === alert.item);
		const answer = answers[index];
		if (answer !== null && answer !== undefined && answer >= alert.atLeast)
			alerts.push({ item: alert.item, number: index + 1, answer, label: alert.label });
	}
	return { total, band: bandOf(def, total), prorated: missing, alerts };
}

/** Scores a total entered alone (the client filled in a paper form). No item alerts: the items were not recorded. */
export function scoreTotal(def: MeasureDefinition, total: number): Score {
	const max = maxTotal(def);
	if (!Number.isInteger(total) || total < 0 || total > max) {
		throw new ClinicalVaultError("invalid-input", `A ${def.name} total is a whole number from 0 to ${max}; ${String(total)} is not. Nothing was saved.`);
	}
	return { total, band: bandOf(def, total), prorated: 0, alerts: [] };
}

export interface Change {
	points: number;
	/** "improved" / "worse" by at least the reliable-change points; "no reliable change" below them; null without a threshold. */
	reliable: "improved" | "worse" | "no reliable change" | null;
	/** A reliable improvement from at or above the cut-off to below it (Jacobson & Truax 1991); null without both thresholds. */
	clinicallySignificant: boolean | null;
}

export function changeBetween(def: MeasureDefinition, from: number, to: number): Change {
	const points = to - from;
	const better = def.higherIsWorse ? -points : points;
	let reliable: Change["reliable"] = null;
	if (def.reliableChange) reliable = Math.abs(points) >= def.reliableChange.points ? (better > 0 ? "improved" : "worse") : "no reliable change";
	let clinicallySignificant: boolean | null = null;
	if (def.reliableChange && def.clinicalCutoff) {
		const cut = def.clinicalCutoff.below;
		const crossed = def.higherIsWorse ? from >= cut && to < cut : from < cut && to >= cut;
		clinicallySignificant = reliable === "improved" && crossed;
	}
	return { points, reliable, clinicallySignificant };
}
