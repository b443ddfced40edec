/**
 * Treatment-plan objectives that target a measure ("GAD-7 < 10 by 2027-03-01"): the objective's
 * measure field names the measure, a comparison and a number; progress is computed from the scores,
 * by code, with the sessions the scores belong to as evidence. Whether the objective is met stays
 * the clinician's to record in the plan; this says what the numbers show.
 */
import type { PlanData } from "../plan/plan";
import type { MeasureDefinition } from "./definition";
import type { MeasureEntry, ScoresFile } from "./scores";

export interface MeasureTarget {
	measure: string;
	op: "<" | "<=" | ">" | ">=";
	value: number;
}

const WORDS: Record<string, MeasureTarget["op"]> = {
	"<": "<",
	"<=": "<=",
	"≤": "<=",
	">": ">",
	">=": ">=",
	"≥": ">=",
	below: "<",
	under: "<",
	"less than": "<",
	"at most": "<=",
	above: ">",
	over: ">",
	"more than": ">",
	"at least": ">=",
};

function squash(text: string): string {
	return text.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** "GAD-7 < 10", "PHQ-9 score below 5", "pcl5 <= 32": the measure (by name or id), the comparison and the number; null when the text names no target. */
export function parseTarget(text: string, definitions: ReadonlyMap<string, MeasureDefinition>): MeasureTarget | null {
	const match = /^\s*(.+?)\s*(?:total\s+|score\s+)?(<=|>=|≤|≥|<|>|below|under|less than|at most|above|over|more than|at least)\s*(\d{1,3})\b/i.exec(text);
	if (!match) return null;
	const name = squash(match[1]!.replace(/\b(total|score)\b/gi, ""));
	const def = [...definitions.values()].find((d) => squash(d.name) === name || squash(d.id) === name);
	if (!def) return null;
	return { measure: def.id, op: WORDS[match[2]!.toLowerCase()]!, value: Number(match[3]) };
}

function satisfies(total: number, t: MeasureTarget): boolean {
	return t.op === "<" ? total < t.value : t.op === "<=" ? total <= t.value : t.op === ">" ? total > t.value : total >= t.value;
}

export interface ObjectiveProgress {
	objectiveId: string;
	text: string;
	target: string;
	targetDate: string | null;
	first: MeasureEntry | null;
	latest: MeasureEntry | null;
	/** Whether the latest score meets the target; null without scores. */
	met: boolean | null;
	/** The session notes (or dates) of the scores, oldest first. */
	evidence: string[];
	/** One line for the brief and the CLI. */
	line: string;
}

export function objectiveProgress(plan: PlanData, scores: ScoresFile, definitions: ReadonlyMap<string, MeasureDefinition>, today: string): ObjectiveProgress[] {
	const out: ObjectiveProgress[] = [];
	for (const goal of plan.goals) {
		for (const o of goal.objectives) {
			if (o.status === "discontinued") continue;
			const target = parseTarget(o.measure, definitions) ?? parseTarget(o.text, definitions);
			if (!target) continue;
			const def = definitions.get(target.measure)!;
			const entries = scores.entries
				.filter((e) => e.measure === target.measure && e.date <= today)
				.sort((a, b) => a.date.localeCompare(b.date) || a.entered.localeCompare(b.entered));
			const first = entries[0] ?? null;
			const latest = entries.at(-1) ?? null;
			const met = latest ? satisfies(latest.total, target) : null;
			const targetText = `${def.name} ${target.op} ${target.value}${o.target_date ? ` by ${o.target_date}` : ""}`;
			const line = latest
				? `${o.id} ${targetText}: latest ${latest.total} on ${latest.date} (${met ? "meets the target" : "not yet"})${first && first !== latest ? `, from ${first.total} on ${first.date}` : ""}; ${entries.length} score${entries.length === 1 ? "" : "s"}`
				: `${o.id} ${targetText}: no ${def.name} scores yet`;
			out.push({
				objectiveId: o.id,
				text: o.text,
				target: targetText,
				targetDate: o.target_date,
				first,
				latest,
				met,
				evidence: entries.map((e) => e.session ?? e.date),
				line,
			});
		}
	}
	return out;
}
