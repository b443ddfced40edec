/** Where the brief's parts and plan sections come from: the parts map and treatment plan pages. */
import type { Clock } from "../clock";
import { systemClock } from "../clock";
import { PartsMapService } from "../parts/PartsMapService";
import { planForBrief } from "../plan/TreatmentPlanService";
import type { ClinicalRecord } from "../record/ClinicalRecord";
import type { BriefMeasures, BriefPart, BriefPlan, BriefSources } from "./brief";
import type { MeasureDefinition } from "../measures/definition";
import { MeasuresService } from "../measures/MeasuresService";
import { objectiveProgress } from "../measures/objectives";
import { MEASURES_PAGE_NAME } from "../measures/scores";
import { changeBetween } from "../measures/scoring";
import { parsePlanPage, planPath } from "../plan/page";
import { inert } from "../safety/inert";

/** Parts in the order the work touched them last (most recent first), with their role or burden. */
export async function briefParts(record: ClinicalRecord, client: string, clock: Clock = systemClock): Promise<BriefPart[] | null> {
	const service = new PartsMapService({ record, clock });
	if (!(await record.exists(service.path(client)))) return null;
	const map = await service.load(client);
	return [...map.parts]
		.sort((a, b) => (b.last_seen?.date ?? "").localeCompare(a.last_seen?.date ?? "") || a.name.localeCompare(b.name))
		.map((p) => {
			const detail = p.role || (p.burdens.length > 0 ? `carries ${p.burdens.join(", ")}` : "");
			return { name: p.name, kind: p.kind, status: p.status, ...(p.last_seen ? { lastSeen: p.last_seen.date } : {}), ...(detail ? { detail } : {}) };
		});
}

/** The latest score of each measure with its change from the one before, what is due, measured plan objectives, item alerts. */
export async function briefMeasures(
	record: ClinicalRecord,
	client: string,
	today: string,
	plan: BriefPlan | null,
	definitions: ReadonlyMap<string, MeasureDefinition>,
	clock: Clock = systemClock,
): Promise<BriefMeasures | null> {
	const service = new MeasuresService({ record, clock, definitions });
	const file = await service.read(client, "internal");
	if (file.entries.length === 0 && file.schedule.length === 0) return null;
	const entries = file.entries.filter((e) => e.date <= today);
	const byMeasure = new Map<string, typeof entries>();
	for (const e of entries) byMeasure.set(e.measure, [...(byMeasure.get(e.measure) ?? []), e]);
	const latest: BriefMeasures["latest"] = [];
	for (const [id, list] of byMeasure) {
		const def = definitions.get(id);
		const last = list.at(-1)!;
		const before = list.at(-2);
		let change: string | null = null;
		if (before && def) {
			const c = changeBetween(def, before.total, last.total);
			change = `${c.points > 0 ? "+" : ""}${c.points} since ${before.date}${c.reliable === "improved" || c.reliable === "worse" ? ` (reliable change, ${c.reliable})` : ""}`;
		}
		latest.push({ name: inert(def?.name ?? id), date: last.date, total: last.total, band: inert(last.band), change });
	}
	const reviewDue = plan?.reviewState === "due-soon" || plan?.reviewState === "overdue";
	const due = service.due(file, today, reviewDue).map((d) => inert(d.why));
	const planFile = planPath(client);
	// A plan that cannot be read costs its measured objectives only, never the scores or the alerts below.
	let objectives: string[] = [];
	try {
		if (await record.exists(planFile))
			objectives = objectiveProgress(parsePlanPage(await record.readText(planFile, "internal"), planFile).data, file, definitions, today).map((o) =>
				inert(o.line),
			);
	} catch (error) {
		objectives = [inert(`(the treatment plan cannot be read: ${error instanceof Error ? error.message : String(error)})`)];
	}
	const page = `${client}/${MEASURES_PAGE_NAME}`;
	const alerts = entries
		.flatMap((e) => [
			...e.alerts.map((a) => ({
				date: e.date,
				recordPath: page,
				text: `${inert(definitions.get(e.measure)?.name ?? e.measure)} item ${a.number} answered ${a.answer} (entered score): ${inert(a.label)}`,
			})),
			...e.replacedAlerts.map((a) => ({
				date: e.date,
				recordPath: page,
				text: `${inert(definitions.get(e.measure)?.name ?? e.measure)} item ${a.number} answered ${a.answer} (in a score since replaced): ${inert(a.label)}`,
			})),
		])
		.reverse();
	return { latest, due, objectives, alerts };
}

export function briefSources(record: ClinicalRecord, clock: Clock = systemClock, definitions?: ReadonlyMap<string, MeasureDefinition>): BriefSources {
	return {
		parts: (client) => briefParts(record, client, clock),
		plan: (client, today) => planForBrief(record, client, today),
		...(definitions
			? { measures: (client: string, today: string, plan: BriefPlan | null) => briefMeasures(record, client, today, plan, definitions, clock) }
			: {}),
	};
}
