/** Where the brief's parts and plan sections come from: the parts map and treatment plan pages. */
import type { Clock } from "../clock";
import { systemClock } from "../clock";
import { PartsMapService } from "../parts/PartsMapService";
import { planForBrief } from "../plan/TreatmentPlanService";
import type { ClinicalRecord } from "../record/ClinicalRecord";
import type { BriefPart, BriefSources } from "./brief";

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

export function briefSources(record: ClinicalRecord, clock: Clock = systemClock): BriefSources {
	return {
		parts: (client) => briefParts(record, client, clock),
		plan: (client, today) => planForBrief(record, client, today),
	};
}
