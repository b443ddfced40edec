/**
 * The score history for a document (progress summary, letter of medical necessity): a table of the
 * scores in the document's period and one line per measure with its change, written by code from
 * the scores and placed where the template has {{measures}}. Never given to the model, never
 * written by it.
 */
import type { ClinicalRecord } from "../record/ClinicalRecord";
import { inert } from "../safety/inert";
import type { MeasureDefinition } from "./definition";
import { parseScores, SCORES_NAME } from "./scores";
import { changeBetween } from "./scoring";

export async function measuresForDocument(
	record: ClinicalRecord,
	client: string,
	from: string,
	to: string,
	definitions: ReadonlyMap<string, MeasureDefinition>,
): Promise<string> {
	const path = `${client}/${SCORES_NAME}`;
	if (!(await record.exists(path))) return "No standard measures were entered in this period.";
	const entries = parseScores(await record.readText(path, "internal"), path)
		.entries.filter((e) => e.date >= from && e.date <= to)
		.sort((a, b) => a.date.localeCompare(b.date) || a.measure.localeCompare(b.measure));
	if (entries.length === 0) return "No standard measures were entered in this period.";
	const name = (id: string) => inert(definitions.get(id)?.name ?? id);
	const out = ["| Date | Measure | Total | Band |", "| --- | --- | --- | --- |"];
	for (const e of entries) out.push(`| ${e.date} | ${name(e.measure)} | ${e.total}${e.answers === null ? " (total only)" : ""} | ${inert(e.band)} |`);
	out.push("");
	for (const id of [...new Set(entries.map((e) => e.measure))]) {
		const list = entries.filter((e) => e.measure === id);
		const def = definitions.get(id);
		const first = list[0]!;
		const last = list.at(-1)!;
		if (list.length === 1 || !def) {
			out.push(`- ${name(id)}: ${last.total} on ${last.date}${list.length > 1 ? ` (${list.length} scores)` : ""}.`);
			continue;
		}
		const c = changeBetween(def, first.total, last.total);
		const how = [
			c.reliable === "improved" || c.reliable === "worse"
				? `reliable change, ${c.reliable}`
				: c.reliable === "no reliable change"
					? "no reliable change"
					: null,
			c.clinicallySignificant ? "clinically significant" : null,
		].filter((x) => x !== null);
		out.push(
			`- ${name(id)}: ${first.total} on ${first.date} to ${last.total} on ${last.date} (${c.points > 0 ? "+" : ""}${c.points}${how.length > 0 ? `; ${how.join(", ")}` : ""}).`,
		);
	}
	out.push("", "Scores as entered in the record, computed by Clinical Vault; thresholds and sources are on the client's measures page.");
	return out.join("\n");
}
