/**
 * The client's measures page (`<CODE>/measures.md`, encrypted like every record file), written by
 * code from the scores file whenever a score is added: for each measure a chart over time (Mermaid's
 * xychart, so it renders in the encrypted view and in exports), the clinical cut-off drawn as a line,
 * and a table of every score with its band, its change from the first score and from the one before,
 * whether that change is reliable, and item alerts. Names and labels (a clinician's own measure
 * definitions included) are rendered inert; numbers are numbers.
 */
import { inert } from "../safety/inert";
import { mermaidLabel } from "../parts/mermaid";
import type { MeasureDefinition } from "./definition";
import type { MeasureEntry, ScoresFile } from "./scores";
import { changeBetween, maxTotal } from "./scoring";

/** The xychart for one measure's scores (oldest first). */
export function measureChart(def: MeasureDefinition, entries: readonly MeasureEntry[]): string {
	const dates = entries.map((e) => `"${e.date}"`);
	const lines = [
		"xychart-beta",
		`    title "${mermaidLabel(def.name)}"`,
		`    x-axis [${dates.join(", ")}]`,
		`    y-axis "Total" 0 --> ${maxTotal(def)}`,
		`    line [${entries.map((e) => e.total).join(", ")}]`,
	];
	// The cut-off as a flat line, so the reader sees which side each score is on.
	if (def.clinicalCutoff) lines.push(`    line [${entries.map(() => def.clinicalCutoff!.below).join(", ")}]`);
	return lines.join("\n");
}

function signed(n: number): string {
	return n > 0 ? `+${n}` : String(n);
}

function changeText(def: MeasureDefinition, from: number, to: number): string {
	const change = changeBetween(def, from, to);
	const parts = [signed(change.points)];
	if (change.reliable === "improved" || change.reliable === "worse") parts.push(`reliable, ${change.reliable}`);
	if (change.clinicallySignificant) parts.push("clinically significant");
	return parts.join(", ");
}

export function renderMeasuresPage(client: string, scores: ScoresFile, definitions: ReadonlyMap<string, MeasureDefinition>): string {
	const out: string[] = ["---", "kind: measures", `client: ${client}`, "---", "", `# Measures: ${client}`, ""];
	out.push("Scored by Clinical Vault from the answers entered; this page is rewritten whenever a score is added.", "");
	const byMeasure = new Map<string, MeasureEntry[]>();
	for (const e of [...scores.entries].sort((a, b) => a.date.localeCompare(b.date) || a.entered.localeCompare(b.entered))) {
		byMeasure.set(e.measure, [...(byMeasure.get(e.measure) ?? []), e]);
	}
	if (byMeasure.size === 0) out.push("No scores yet.", "");
	for (const [id, entries] of byMeasure) {
		const def = definitions.get(id);
		if (!def) {
			out.push(
				`## ${inert(id)}`,
				"",
				`The definition of this measure is not available (it may have been removed from the templates folder): ${entries.length} score(s) are kept in the record.`,
				"",
			);
			continue;
		}
		out.push(`## ${inert(def.name)}`, "", inert(def.title), "");
		out.push("```mermaid", measureChart(def, entries), "```", "");
		const notes: string[] = [];
		if (def.clinicalCutoff) notes.push(`Clinical cut-off: below ${def.clinicalCutoff.below} (second line).`);
		if (def.reliableChange) notes.push(`Reliable change: ${def.reliableChange.points} points or more.`);
		if (notes.length > 0) out.push(notes.join(" "), "");
		out.push("| Date | Total | Band | Change from first | Change from previous | Alerts |", "| --- | --- | --- | --- | --- | --- |");
		entries.forEach((e, i) => {
			const first = i === 0 ? "" : changeText(def, entries[0]!.total, e.total);
			const previous = i === 0 ? "" : changeText(def, entries[i - 1]!.total, e.total);
			const how = e.answers === null ? " (total only)" : e.prorated > 0 ? ` (${e.prorated} item${e.prorated > 1 ? "s" : ""} prorated)` : "";
			const alerts = [
				...e.alerts.map((a) => `item ${a.number} answered ${a.answer}`),
				...e.replacedAlerts.map((a) => `item ${a.number} answered ${a.answer} in the score this one replaced`),
			].join("; ");
			out.push(`| ${e.date} | ${e.total}${how} | ${inert(e.band)} | ${first} | ${previous} | ${alerts ? `**${alerts}**` : ""} |`);
		});
		out.push("");
		out.push(`Source: ${inert(def.source)}`, "");
		if (def.reliableChange) out.push(`Reliable change: ${inert(def.reliableChange.source)}`, "");
		if (def.clinicalCutoff) out.push(`Cut-off: ${inert(def.clinicalCutoff.source)}`, "");
	}
	return `${out.join("\n").replace(/\n+$/, "")}\n`;
}
