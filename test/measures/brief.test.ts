/**
 * Measures where the clinician meets them: the pre-session brief (latest scores and their change,
 * what is due, plan objectives measured by scores, item alerts listed with the risk notes) and the
 * documents (the period's score history filled by code where the template has {{measures}}, never
 * sent to the model).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { buildBrief, renderBrief } from "../../src/core/brief/brief";
import { briefSources } from "../../src/core/brief/sources";
import { MeasuresService } from "../../src/core/measures/MeasuresService";
import { builtinMeasures } from "../../src/core/measures/registry";
import { objectiveProgress, parseTarget } from "../../src/core/measures/objectives";
import { measuresForDocument } from "../../src/core/measures/document";
import { parsePlanPage } from "../../src/core/plan/page";
import { removeDir, tempDir } from "../core/helpers";

const CLIENT = "C-0142";
const defs = builtinMeasures();
let dir: string;
let record: ClinicalRecord;
let now: Date;
let measures: MeasuresService;

function planPage(created: string, lastReview: string | null): string {
	return `---
client: ${CLIENT}
type: treatment-plan
version: 1
created: ${created}
review_every_days: 90
last_review: ${lastReview ?? "null"}
---
# Treatment plan

<!-- cv:data -->
\`\`\`yaml
goals:
  - id: G1
    text: Less worry day to day
    objectives:
      - id: O1.1
        text: Worry takes less of the day
        measure: GAD-7 < 10
        target_date: 2027-03-01
      - id: O1.2
        text: Mood lifts
        measure: PHQ-9 score below 5
        target_date: 2027-03-01
      - id: O1.3
        text: Sleeps through most nights
        measure: self-report sleep diary
\`\`\`
`;
}

beforeEach(async () => {
	dir = await tempDir("measures-brief");
	record = new ClinicalRecord({ store: new NodeFsStore(dir) });
	await record.init("correct horse battery", { kdf: floorKdfParams() });
	await record.addClient({ code: CLIENT, name: "Robin Synthetic" });
	for (const date of ["2026-09-01", "2026-09-15"]) {
		await record.writeText(
			`${CLIENT}/notes/${date}.md`,
			`---\nclient: ${CLIENT}\nsession_date: ${date}\nstatus: signed\n---\n## Subjective\nSynthetic session.\n`,
		);
	}
	now = new Date("2026-10-01T09:00:00");
	measures = new MeasuresService({ record, clock: { now: () => now }, definitions: defs });
});

afterEach(async () => {
	await record.lock();
	await removeDir(dir);
});

describe("plan objectives that target a measure", () => {
	it("are read from the objective's measure field in the forms clinicians write", () => {
		expect(parseTarget("GAD-7 < 10", defs)).toEqual({ measure: "gad7", op: "<", value: 10 });
		expect(parseTarget("PHQ-9 score below 5", defs)).toEqual({ measure: "phq9", op: "<", value: 5 });
		expect(parseTarget("pcl5 <= 32", defs)).toEqual({ measure: "pcl5", op: "<=", value: 32 });
		expect(parseTarget("GAD-7 at least 3 points lower", defs)).toEqual({ measure: "gad7", op: ">=", value: 3 });
		expect(parseTarget("self-report sleep diary", defs)).toBeNull();
		expect(parseTarget("BDI-II < 14", defs)).toBeNull();
	});

	it("progress is computed from the scores up to today, with the sessions that evidence it", async () => {
		await measures.add({ client: CLIENT, measure: "gad7", total: 14, date: "2026-09-01", session: `${CLIENT}/notes/2026-09-01.md` });
		await measures.add({ client: CLIENT, measure: "gad7", total: 9, date: "2026-09-15", session: `${CLIENT}/notes/2026-09-15.md` });
		await measures.add({ client: CLIENT, measure: "phq9", total: 8, date: "2026-09-15" });
		const plan = parsePlanPage(planPage("2026-06-01", null), `${CLIENT}/treatment-plan.md`).data;
		const progress = objectiveProgress(plan, await measures.read(CLIENT), defs, "2026-10-01");
		expect(progress.map((p) => p.line)).toEqual([
			"O1.1 GAD-7 < 10 by 2027-03-01: latest 9 on 2026-09-15 (meets the target), from 14 on 2026-09-01; 2 scores",
			"O1.2 PHQ-9 < 5 by 2027-03-01: latest 8 on 2026-09-15 (not yet); 1 score",
		]);
		expect(progress[0]!.evidence).toEqual([`${CLIENT}/notes/2026-09-01.md`, `${CLIENT}/notes/2026-09-15.md`]);
		// On a day before the second score, only the first counts.
		expect(objectiveProgress(plan, await measures.read(CLIENT), defs, "2026-09-10")[0]!.met).toBe(false);
	});
});

describe("the brief", () => {
	it("shows the latest scores with their change, what is due (review due: the review measures too), measured objectives, and item alerts with the risk notes", async () => {
		await record.writeText(`${CLIENT}/treatment-plan.md`, planPage("2026-06-01", null));
		await measures.setSchedule(CLIENT, [
			{ measure: "phq9", every: "session" },
			{ measure: "gad7", every: "monthly" },
			{ measure: "pcl5", every: "review" },
		]);
		await measures.add({ client: CLIENT, measure: "phq9", answers: [2, 2, 2, 2, 2, 2, 2, 1, 1], date: "2026-09-01" });
		await measures.add({ client: CLIENT, measure: "phq9", answers: [1, 1, 1, 1, 0, 1, 1, 0, 0], date: "2026-09-15" });
		await measures.add({ client: CLIENT, measure: "gad7", total: 9, date: "2026-09-15" });

		const brief = await buildBrief(record, { client: CLIENT, today: "2026-10-01", sources: briefSources(record, { now: () => now }, defs) });
		expect(brief.measures).toEqual({
			latest: [
				{ name: "PHQ-9", date: "2026-09-15", total: 6, band: "Mild", change: "-10 since 2026-09-01 (reliable change, improved)" },
				{ name: "GAD-7", date: "2026-09-15", total: 9, band: "Mild", change: null },
			],
			// The plan (created 2026-06-01, every 90 days) is due for review on 2026-08-30: overdue.
			// GAD-7 (monthly, last 2026-09-15) is not due before 2026-10-15.
			due: ["PHQ-9 is given every session (last 2026-09-15)", "PCL-5 is given at each plan review, and the review is due"],
			// Rendered inert, as every text of the brief that holds names from a definition: "\\<" shows as "<".
			objectives: [
				"O1.1 GAD-7 \\< 10 by 2027-03-01: latest 9 on 2026-09-15 (meets the target); 1 score",
				"O1.2 PHQ-9 \\< 5 by 2027-03-01: latest 6 on 2026-09-15 (not yet), from 16 on 2026-09-01; 2 scores",
			],
			alerts: [
				{
					date: "2026-09-01",
					recordPath: `${CLIENT}/measures.md`,
					text: expect.stringMatching(/^PHQ-9 item 9 answered 1 \(entered score\): Item 9/) as string,
				},
			],
		});
		const text = renderBrief(brief, (p) => record.layout.storePath(p));
		expect(text).toContain(
			"## Measures\n- PHQ-9 6 (Mild) on 2026-09-15; -10 since 2026-09-01 (reliable change, improved)\n- GAD-7 9 (Mild) on 2026-09-15\n- Due: PHQ-9 is given every session (last 2026-09-15)\n- Due: PCL-5 is given at each plan review, and the review is due\n- Plan objective O1.1",
		);
		expect(text).toMatch(
			/## Risk notes \(as written by the clinician\)\n- \[\[Clinical\/C-0142\/measures\.md\.cvault\|2026-09-01\]\]: PHQ-9 item 9 answered 1/,
		);
		// The brief logs that it read the scores.
		const audit = await record.audit.verify();
		const reads = audit.entryList.filter((e) => e.action === "open" && e.note === "read for the pre-session brief");
		expect(JSON.stringify(reads.at(-1))).toContain(`${CLIENT}/measures/scores.json`);
	});

	it("a treatment plan that cannot be read costs the measured objectives only: the scores and the item alert stay in the brief", async () => {
		await record.writeText(`${CLIENT}/treatment-plan.md`, "A plan edited by hand without its frontmatter.\n");
		await measures.add({ client: CLIENT, measure: "phq9", answers: [1, 1, 1, 1, 1, 1, 1, 1, 2], date: "2026-09-15" });
		const brief = await buildBrief(record, { client: CLIENT, today: "2026-10-01", sources: briefSources(record, { now: () => now }, defs) });
		expect(brief.measures?.alerts).toHaveLength(1);
		expect(brief.measures?.objectives[0]).toMatch(/^\(the treatment plan cannot be read: /);
		const text = renderBrief(brief, (p) => p);
		expect(text).toMatch(/## Risk notes \(as written by the clinician\)\n- \[\[C-0142\/measures\.md\|2026-09-15\]\]: PHQ-9 item 9 answered 2/);
		expect(text).not.toContain("No risk notes written.");
	});

	it("without scores or schedule: no Measures data, and the section says so", async () => {
		const brief = await buildBrief(record, { client: CLIENT, today: "2026-10-01", sources: briefSources(record, { now: () => now }, defs) });
		expect(brief.measures).toBeNull();
		expect(renderBrief(brief, (p) => p)).toContain("## Measures\nNo measures entered yet.");
	});
});

describe("documents", () => {
	it("{{measures}}: the period's scores as a table and each measure's change, by code", async () => {
		await measures.add({ client: CLIENT, measure: "phq9", total: 16, date: "2026-09-01" });
		await measures.add({ client: CLIENT, measure: "phq9", total: 6, date: "2026-09-15" });
		await measures.add({ client: CLIENT, measure: "gad7", total: 9, date: "2026-09-15" });
		expect(await measuresForDocument(record, CLIENT, "2026-09-01", "2026-09-30", defs)).toBe(
			[
				"| Date | Measure | Total | Band |",
				"| --- | --- | --- | --- |",
				"| 2026-09-01 | PHQ-9 | 16 (total only) | Moderately severe |",
				"| 2026-09-15 | GAD-7 | 9 (total only) | Mild |",
				"| 2026-09-15 | PHQ-9 | 6 (total only) | Mild |",
				"",
				"- PHQ-9: 16 on 2026-09-01 to 6 on 2026-09-15 (-10; reliable change, improved, clinically significant).",
				"- GAD-7: 9 on 2026-09-15.",
				"",
				"Scores as entered in the record, computed by Clinical Vault; thresholds and sources are on the client's measures page.",
			].join("\n"),
		);
		expect(await measuresForDocument(record, CLIENT, "2026-10-01", "2026-10-31", defs)).toBe("No standard measures were entered in this period.");
	});
});
