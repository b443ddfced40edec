/**
 * `npm run bench -- safety`: the figures for "model text is data". The hostile catalogue against
 * notes, documents and the brief (and the parts map and plan), the risk-domain classifier's catch
 * and precision on its sentence catalogues, over-flagging on clean drafts of the four-session
 * scenario, the token estimate against the real Llama 3.1 and Qwen3 tokenizers, and the time the
 * checks take on an hour-long session.
 */
import { checkModelAnswer } from "../src/core/drafting/safeguards";
import { measureRiskDomain } from "../test/safety/riskSentences";
import { measureOverFlagging } from "../test/support/cleanDrafts";
import { HOSTILE_CASES, runCatalogue } from "../test/support/hostileCatalogue";
import { runPartsAndPlanCatalogue } from "../test/support/hostilePagesCatalogue";
import { measureTokenEstimates, twoHourTranscript } from "../test/support/tokenTexts";

export async function benchSafety(): Promise<Record<string, string | number>> {
	const out: Record<string, string | number> = {};
	const catalogue = await runCatalogue();
	out["hostile answers (distinct)"] = HOSTILE_CASES.length;
	out["hostile cases run (notes, documents, brief)"] = catalogue.cases;
	out["reached a signable page unflagged"] = catalogue.through.length;
	out["outcomes"] = Object.entries(catalogue.byOutcome)
		.map(([k, v]) => `${k} ${v}`)
		.join(", ");
	out["outcome other than expected"] = catalogue.unexpected.length;
	out["client's name or alias in a request"] = catalogue.nameSent ? "yes" : "no";
	const pages = await runPartsAndPlanCatalogue();
	out["hostile parts-map and plan answers (pages written)"] = `${pages.total} (${pages.reachedPage})`;
	out["parts-map and plan: got through to the page"] = pages.failures.length;

	const risk = measureRiskDomain();
	out["risk sentences caught"] = `${risk.caught} of ${risk.risk}`;
	out["clean sentences wrongly taken out as risk"] = `${risk.wronglyRemoved} of ${risk.clean}`;

	const over = await measureOverFlagging();
	out["clean scenario drafts: markers per note"] = over.notes.map((n) => `${n.date} ${n.markers}`).join(", ");
	out["clean scenario drafts: sentences wrongly taken out as risk"] = `${over.wronglyTakenOutAsRisk} of ${over.sentences}`;

	for (const t of measureTokenEstimates()) {
		out[`tokens: ${t.name} (estimate / Llama 3.1 / Qwen3)`] =
			`${t.estimate} / ${t.llama31} / ${t.qwen3} (x${(t.estimate / Math.max(t.llama31, t.qwen3)).toFixed(2)})`;
	}

	// The checks on a 40-sentence draft against a two-hour transcript.
	const source = twoHourTranscript();
	const sentences = source
		.split("\n")
		.slice(0, 40)
		.map((l) => l.replace(/^\[[^\]]*\]\s+\w+:\s*/, "Client said that ").replace(/$/, "."));
	const times: number[] = [];
	for (let i = 0; i < 5; i++) {
		const t0 = performance.now();
		checkModelAnswer([{ key: "data", heading: "Data", text: sentences }], { source, kind: "transcript" });
		times.push(performance.now() - t0);
	}
	times.sort((a, b) => a - b);
	out["checks: 40 sentences against a 2-hour transcript, median ms"] = +times[2]!.toFixed(1);
	return out;
}
