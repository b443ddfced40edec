/**
 * The model's parts-map answer through the checks of modelText.ts, before merge.ts turns it into
 * changes: every string normalised, the client's name replaced, and what touches the risk domain or
 * names a diagnosis the session note does not name left out and reported.
 *
 * What is left out: a part whose name fails (the whole mention; relationships naming it then
 * resolve to nothing and are left out too), or one field of a part (its role, its age or origin,
 * one burden, one fear, its evidence), or the Self-energy evidence. The report names the part and
 * the field, never the text.
 */
import { ModelTextChecker, type ModelTextContext, type TextReport } from "./modelText";
import type { PartMention, PartsAnswer } from "./prompt";

export interface CheckedAnswer {
	answer: PartsAnswer;
	/** Strings the checks left out, by part and field. */
	dropped: TextReport[];
	/** Strings in which the client's name (or an identifying detail) was replaced. */
	redacted: TextReport[];
}

export function checkPartsAnswer(answer: PartsAnswer, context: ModelTextContext): CheckedAnswer {
	const checker = new ModelTextChecker(context);
	const reports = { dropped: [] as TextReport[], redacted: [] as TextReport[] };
	const parts: PartMention[] = [];
	for (const [i, m] of answer.parts.entries()) {
		const number = `part ${i + 1}`;
		const name = checker.keep(m.name, `${number} name`, reports, 80);
		if (name === null || name === "") continue;
		const label = `${number} "${name}"`;
		const one = (text: string, field: string, max: number, subject?: string): string =>
			text.trim() === "" ? "" : (checker.keep(text, `${label} ${field}`, reports, max, subject) ?? "");
		const list = (items: readonly string[], field: string): string[] =>
			items.flatMap((item, n) => {
				if (item.trim() === "") return [];
				const kept = checker.keep(item, `${label} ${field} ${n + 1}`, reports, 200);
				return kept === null || kept === "" ? [] : [kept];
			});
		// Names of related parts are only looked up (never written): normalised, not reported.
		const names = (refs: readonly string[]): string[] =>
			refs.flatMap((r) => {
				const c = checker.check(r, 80);
				return c.kept && c.text !== "" ? [c.text] : [];
			});
		parts.push({
			name,
			kind: m.kind,
			// A role says what the part does: it is read with the part as its subject.
			role: one(m.role, "role", 300, name),
			age_or_origin: one(m.age_or_origin, "age or origin", 200),
			burdens: list(m.burdens, "burden"),
			fears: list(m.fears, "fear"),
			status_reached: [...m.status_reached],
			protects: names(m.protects),
			polarized_with: names(m.polarized_with),
			allied_with: names(m.allied_with),
			evidence: one(m.evidence, "evidence", 400),
		});
	}
	return {
		answer: {
			parts,
			self_energy: [...answer.self_energy],
			self_energy_evidence:
				answer.self_energy_evidence.trim() === "" ? "" : (checker.keep(answer.self_energy_evidence, "Self-energy evidence", reports, 400) ?? ""),
		},
		dropped: reports.dropped,
		redacted: reports.redacted,
	};
}
