/**
 * The living treatment plan end to end: TreatmentPlanService on a real encrypted record in a temp
 * folder, the model reached through the real Ollama client on a loopback fake. Covers the draft
 * from the intake (diagnosis only ever the clinician's), the four-session progress scenario, the
 * approval flow (nothing written before acceptance, idempotent re-runs, reused proposals, conflicts),
 * hand edits (invalid yaml with line/column, edited generated regions, clinician text kept byte for
 * byte), bad model output and missing input, and review dates.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { ManualClock } from "../../src/core/clock";
import { ClinicalVaultError } from "../../src/core/errors";
import { planForBrief, TreatmentPlanService, type PlanProposal } from "../../src/core/plan/TreatmentPlanService";
import { parsePlanPage, planPath } from "../../src/core/plan/page";
import { textHash } from "../../src/core/proposals/proposals";
import { DIAGNOSIS_PLACEHOLDER, objectivesDue, reviewStatus, type Plan } from "../../src/core/plan/plan";
import { OllamaClient } from "../../src/engines/ollama";
import { startFakeOllama, type FakeOllama } from "../support/fake-ollama";
import { INTAKE, SCENARIO_CLIENT, SCENARIO_NOTES, SESSION_1, SESSION_3, SESSION_4 } from "../support/scenario";
import { changedPaths, removeDir, snapshotDir, tempDir } from "../core/helpers";
import { DRAFT_ANSWER, PROGRESS } from "./answers";

const C = SCENARIO_CLIENT;
const MODEL = "llama3.1:8b";
const PLAN = planPath(C);
let dir: string;
let record: ClinicalRecord;
let fake: FakeOllama;
let clock: ManualClock;

const service = (host?: string) => new TreatmentPlanService({ record, llm: new OllamaClient({ host: host ?? fake.url, policy: { allowlist: [] } }), clock });
const planText = () => record.readText(PLAN, "internal");
const planBytes = () => readFile(join(dir, record.layout.storePath(PLAN)));

async function expectError(promise: Promise<unknown>, code: string, message: RegExp): Promise<ClinicalVaultError> {
	const error = await promise.then(
		() => null,
		(e: unknown) => e,
	);
	expect(error).toBeInstanceOf(ClinicalVaultError);
	expect((error as ClinicalVaultError).code).toBe(code);
	expect((error as ClinicalVaultError).message).toMatch(message);
	return error as ClinicalVaultError;
}

async function draftAndAcceptAll(): Promise<void> {
	fake.reply({ json: DRAFT_ANSWER });
	const proposal = await service().proposeDraft(C, INTAKE.recordPath, { model: MODEL });
	await service().apply(proposal.set, "all");
}

async function progressFrom(index: number, accept: "all" | "none" | string[] = "all"): Promise<PlanProposal> {
	const script = PROGRESS[index]!;
	fake.reply({ json: script.answer });
	const proposal = await service().proposeProgress(C, script.session.recordPath, { model: MODEL });
	if (proposal.set.changes.length > 0) await service().apply(proposal.set, accept);
	return proposal;
}

beforeEach(async () => {
	fake = await startFakeOllama();
	dir = await tempDir("plan");
	clock = new ManualClock("2026-06-02T12:00:00Z");
	record = new ClinicalRecord({ store: new NodeFsStore(dir), clock });
	await record.init("correct horse battery", { kdf: floorKdfParams() });
	await record.addClient({ code: C, name: "Robin Example", modality: "ifs" });
	for (const n of SCENARIO_NOTES) await record.writeText(n.recordPath, n.text);
});

afterEach(async () => {
	await fake.close();
	await removeDir(dir);
});

describe("draft from the intake", () => {
	it("proposes each part with stable ids, copies the clinician's diagnosis verbatim, and writes nothing before approval", async () => {
		fake.reply({ json: DRAFT_ANSWER });
		const before = await snapshotDir(dir);
		const proposal = await service().proposeDraft(C, INTAKE.recordPath, { model: MODEL });
		const kinds = proposal.set.changes.map((c) => c.kind);
		expect(kinds).toEqual([
			"diagnosis",
			"problem",
			"problem",
			"problem",
			"goal",
			"objective",
			"goal",
			"objective",
			"goal",
			"objective",
			"intervention",
			"intervention",
		]);
		const diagnosis = proposal.set.changes[0]!;
		expect(diagnosis.kind === "diagnosis" && diagnosis.diagnosis).toEqual({
			text: "F41.0 Panic disorder, entered by the clinician after the structured interview.",
			source: `${INTAKE.recordPath}, section "Diagnosis (clinician)"`,
		});
		const objectives = proposal.set.changes.flatMap((c) => (c.kind === "objective" ? [c.objective] : []));
		expect(objectives.map((o) => [o.id, o.target_date])).toEqual([
			["O1.1", "2026-08-25"],
			["O2.1", "2026-10-01"],
			["O3.1", "2026-07-28"],
		]);
		// The model never saw the diagnosis section, and its schema has no place for one.
		const chat = fake.chats[0]!;
		const prompt = chat.messages.map((m) => m.content).join("\n");
		expect(prompt).toContain("Wake up without panic most days.");
		expect(prompt).not.toContain("F41.0");
		expect(prompt).not.toContain("Diagnosis (clinician)");
		expect(JSON.stringify(chat.format)).not.toMatch(/diagnos/i);
		// Only the encrypted pending proposal was written; the plan does not exist yet.
		expect(await record.exists(PLAN)).toBe(false);
		const changed = changedPaths(before, await snapshotDir(dir)).filter((p) => !p.endsWith(".cvlog"));
		expect(changed).toEqual([`Clinical/${C}/proposals/plan-draft--notes--2026-06-02.md.json.cvault`]);

		// Accept all but the second intervention.
		const last = proposal.set.changes.at(-1)!;
		const result = await service().apply(
			proposal.set,
			proposal.set.changes.filter((c) => c !== last).map((c) => c.id),
		);
		expect(result.applied).toHaveLength(11);
		const page = parsePlanPage(await planText(), PLAN);
		expect(page.front).toMatchObject({
			client: C,
			type: "treatment-plan",
			version: 1,
			created: "2026-06-02",
			review_every_days: 90,
			last_review: null,
			next_review: "2026-08-31",
		});
		expect(page.data.goals.map((g) => [g.id, g.objectives.map((o) => `${o.id}:${o.status}`)])).toEqual([
			["G1", ["O1.1:not-started"]],
			["G2", ["O2.1:not-started"]],
			["G3", ["O3.1:not-started"]],
		]);
		expect(page.data.interventions.map((i) => i.id)).toEqual(["I1"]);
		expect(page.body).toContain(
			"<!-- cv:generated diagnosis -->\n## Diagnosis\nF41.0 Panic disorder, entered by the clinician after the structured interview.\n\n*Entered by the clinician (copied verbatim from",
		);
		expect(page.body).toContain(
			"- **O1.1** Morning panic on no more than 2 of 7 days. Measure: days with morning panic per week. Target: 2026-08-25. Status: not started.",
		);
		expect(await record.exists(`${C}/proposals/plan-draft--notes--2026-06-02.md.json`)).toBe(false);

		// A second draft would overwrite an approved plan: refused, without asking the model.
		const chats = fake.chats.length;
		await expectError(
			service().proposeDraft(C, INTAKE.recordPath, { model: MODEL }),
			"refused",
			/already has a treatment plan with content.*--from-session/,
		);
		expect(fake.chats.length).toBe(chats);
	});

	it("without a diagnosis section, proposes none and the page shows the placeholder; an objective needs its goal", async () => {
		const intake = INTAKE.text.replace(/## Diagnosis \(clinician\)\n[^\n]*\n/, "");
		await record.writeText(`${C}/notes/2026-06-03.md`, intake);
		fake.reply({ json: DRAFT_ANSWER });
		const proposal = await service().proposeDraft(C, `${C}/notes/2026-06-03.md`, { model: MODEL });
		expect(proposal.set.changes.some((c) => c.kind === "diagnosis")).toBe(false);
		const objective = proposal.set.changes.find((c) => c.kind === "objective")!;
		await expectError(
			service().apply(proposal.set, [objective.id]),
			"invalid-input",
			/Objective O1\.1 belongs to goal G1; accept that goal too \(id [0-9a-f]{6}\)/,
		);
		expect(await record.exists(PLAN)).toBe(false);
		await service().apply(proposal.set, "all");
		const page = parsePlanPage(await planText(), PLAN);
		expect(page.data.diagnosis).toBeNull();
		expect(page.body).toContain(`## Diagnosis\n${DIAGNOSIS_PLACEHOLDER}\n`);
	});

	it("a model answer that names a diagnosis loses that item (the diagnosis is the clinician's)", async () => {
		fake.reply({
			json: { ...DRAFT_ANSWER, presenting_problems: ["Symptoms consistent with panic disorder.", ...DRAFT_ANSWER.presenting_problems.slice(1)] },
		});
		const proposal = await service().proposeDraft(C, INTAKE.recordPath, { model: MODEL });
		expect(proposal.set.changes.filter((c) => c.kind === "problem")).toHaveLength(2);
		expect(proposal.set.dropped).toEqual([{ item: "presenting problem", reason: "names a diagnosis" }]);
	});
});

describe("progress from sessions", () => {
	it("a four-session course yields the expected progress per objective, with links to the evidencing sessions", async () => {
		await draftAndAcceptAll();
		const proposals: PlanProposal[] = [];
		for (let i = 0; i < PROGRESS.length; i++) {
			clock.set(`${PROGRESS[i]!.session.date}T18:00:00Z`);
			proposals.push(await progressFrom(i));
		}
		expect(proposals.map((p) => p.set.changes.map((c) => `${c.kind}:${"objectiveId" in c ? c.objectiveId : ""}`))).toEqual([
			["progress:O1.1", "status:O1.1", "progress:O3.1", "status:O3.1"],
			["progress:O3.1"],
			["progress:O2.1", "status:O2.1", "progress:O3.1"],
			["progress:O1.1", "status:O1.1", "progress:O2.1"],
		]);
		expect(proposals[2]!.set.dropped).toEqual([
			{ item: "O1.1", reason: "evidence not found in the session note" },
			{ item: "O9.9", reason: "unknown objective" },
		]);
		const page = parsePlanPage(await planText(), PLAN);
		const summary = Object.fromEntries(
			page.data.goals.flatMap((g) => g.objectives.map((o) => [o.id, { status: o.status, sessions: o.progress.map((p) => p.date) }])),
		);
		expect(summary).toEqual({
			"O1.1": { status: "met", sessions: ["2026-06-09", "2026-06-30"] },
			"O2.1": { status: "in-progress", sessions: ["2026-06-23", "2026-06-30"] },
			"O3.1": { status: "in-progress", sessions: ["2026-06-09", "2026-06-16", "2026-06-23"] },
		});
		expect(page.data.goals[0]!.objectives[0]!.progress[1]).toEqual({
			session: SESSION_4.recordPath,
			date: "2026-06-30",
			note: "Morning panic on 2 of 7 days: target reached.",
			evidence: "Morning panic occurred two of seven days.",
		});
		expect(page.body).toContain(
			`- [[Clinical/${C}/notes/2026-06-09.md.cvault|2026-06-09]]: Morning panic on 5 of 7 days (baseline). ("Morning panic occurred five of seven days this week.")`,
		);
		expect(page.body).toContain(`- [[Clinical/${C}/notes/2026-06-30.md.cvault|2026-06-30]]: Paused with the Binger on three evenings.`);
		expect(page.front.updated).toBe("2026-06-30");

		// Re-running on a session already logged changes nothing (the model answers the same).
		const bytes = await planBytes();
		fake.reply({ json: PROGRESS[2]!.answer });
		const again = await service().proposeProgress(C, SESSION_3.recordPath, { model: MODEL });
		expect(again.set.changes).toEqual([]);
		expect(again.pendingPath).toBe("");
		expect(again.set.dropped!.map((d) => d.reason)).toEqual([
			"already logged for this session",
			"already logged for this session",
			"evidence not found in the session note",
			"unknown objective",
		]);
		expect(Buffer.compare(await planBytes(), bytes)).toBe(0);
	});

	it("a pending proposal is reused while the plan is unchanged (same ids, no model call) and refused once the plan changed", async () => {
		await draftAndAcceptAll();
		fake.reply({ json: PROGRESS[0]!.answer });
		const first = await service().proposeProgress(C, SESSION_1.recordPath, { model: MODEL });
		const chats = fake.chats.length;
		const second = await service().proposeProgress(C, SESSION_1.recordPath, { model: MODEL });
		expect(second.reused).toBe(true);
		expect(fake.chats.length).toBe(chats);
		expect(second.set.changes.map((c) => c.id)).toEqual(first.set.changes.map((c) => c.id));
		expect((await service().pending(C)).map((p) => p.source)).toEqual([SESSION_1.recordPath]);

		// The clinician adds a line outside the generated regions: the proposal no longer applies.
		await record.writeText(PLAN, (await planText()).replace("## Clinician's notes\n", "## Clinician's notes\nDiscussed the plan with the client.\n"));
		await expectError(service().apply(second.set, "all"), "refused", /changed after this proposal was made/);
		fake.reply({ json: PROGRESS[0]!.answer });
		const third = await service().proposeProgress(C, SESSION_1.recordPath, { model: MODEL });
		expect(third.reused).toBe(false);
		expect(third.set.changes.map((c) => c.id)).toEqual(first.set.changes.map((c) => c.id));
		await service().apply(third.set, "none");
		expect(await service().pending(C)).toEqual([]);
		expect(parsePlanPage(await planText(), PLAN).data.goals[0]!.objectives[0]!.progress).toEqual([]);
	});
});

describe("hand edits", () => {
	it("keeps the clinician's text and yaml edits, and a model change to a hand-edited objective is a conflict", async () => {
		await draftAndAcceptAll();
		await progressFrom(0);
		const edited = (await planText())
			.replace("## Clinician's notes\n", "## Clinician's notes\nClient prefers morning sessions.\n\n> [!note] Review with supervisor.\n")
			.replace("measure: binge episodes per week", "measure: binge episodes per week (client's food diary) # changed after session 1");
		await record.writeText(PLAN, edited);
		const outside = (text: string) => text.slice(text.indexOf("## Clinician's notes"), text.indexOf("<!-- cv:data"));

		clock.set("2026-06-23T18:00:00Z");
		fake.reply({ json: PROGRESS[2]!.answer });
		const proposal = await service().proposeProgress(C, SESSION_3.recordPath, { model: MODEL });
		const status = proposal.set.changes.find((c) => c.kind === "status")!;
		expect(status).toMatchObject({ objectiveId: "O2.1", from: "not-started", to: "in-progress", conflict: true });
		expect(status.summary).toMatch(/you edited this objective by hand/);
		const applied = await service().apply(proposal.set, "all");
		expect(applied.applied).not.toContain(status.id);
		let text = await planText();
		expect(outside(text)).toBe(outside(edited));
		expect(text).toContain("measure: binge episodes per week (client's food diary) # changed after session 1");
		expect(parsePlanPage(text, PLAN).data.goals[1]!.objectives[0]).toMatchObject({ status: "not-started", progress: [{ date: "2026-06-23" }] });

		// The conflict applies when named by id (a fresh proposal: the page changed).
		fake.reply({ json: PROGRESS[2]!.answer });
		const redo = await service().proposeProgress(C, SESSION_3.recordPath, { model: MODEL });
		expect(redo.set.changes.map((c) => c.id)).toEqual([status.id]);
		await service().apply(redo.set, [status.id]);
		text = await planText();
		expect(parsePlanPage(text, PLAN).data.goals[1]!.objectives[0]!.status).toBe("in-progress");
		expect(outside(text)).toBe(outside(edited));
	});

	it("invalid yaml in the data block: says line and column, keeps the file, refuses to merge until fixed", async () => {
		await draftAndAcceptAll();
		const good = await planText();
		const lines = good.split("\n");
		const at = lines.findIndex((l) => l.includes("text: Stop bingeing in the evenings."));
		lines[at] = lines[at]!.replace("text: Stop", "text: [Stop");
		await record.writeText(PLAN, lines.join("\n"));
		const bytes = await planBytes();
		const error = await expectError(
			service().load(C),
			"invalid-input",
			/The data block of C-0417\/treatment-plan\.md is not valid YAML at line \d+, column \d+: .*Fix it there; the file was kept as it is and nothing was merged/,
		);
		const line = Number(/at line (\d+)/.exec(error.message)![1]);
		expect(line).toBeGreaterThan(at);
		expect(line).toBeLessThanOrEqual(at + 3);
		fake.reply({ json: PROGRESS[0]!.answer });
		await expectError(service().proposeProgress(C, SESSION_1.recordPath, { model: MODEL }), "invalid-input", /not valid YAML at line/);
		expect(fake.chats.length).toBe(1);
		expect(Buffer.compare(await planBytes(), bytes)).toBe(0);

		// Valid yaml but not a plan: named by its field and line.
		const wrong = good.split("\n");
		const statusLine = wrong.findIndex((l) => l.includes("status: not-started"));
		wrong[statusLine] = wrong[statusLine]!.replace("not-started", "finished");
		await record.writeText(PLAN, wrong.join("\n"));
		await expectError(service().load(C), "invalid-input", new RegExp(`has a problem at goals\\.0\\.objectives\\.0\\.status \\(line ${statusLine + 1}\\)`));

		// Fixed: merging works again.
		await record.writeText(PLAN, good);
		fake.reply({ json: PROGRESS[0]!.answer });
		const proposal = await service().proposeProgress(C, SESSION_1.recordPath, { model: MODEL });
		expect(proposal.set.changes).toHaveLength(4);
	});

	it("an edit inside a generated region is refused by name, never overwritten", async () => {
		await draftAndAcceptAll();
		fake.reply({ json: PROGRESS[0]!.answer });
		const proposal = await service().proposeProgress(C, SESSION_1.recordPath, { model: MODEL });
		const edited = (await planText()).replace(
			"### G2: Stop bingeing in the evenings.",
			'### G2: Stop bingeing in the evenings. (Client: "mostly on Fridays")',
		);
		await record.writeText(PLAN, edited);
		const bytes = await planBytes();
		fake.reply({ json: PROGRESS[0]!.answer });
		await expectError(
			service().proposeProgress(C, SESSION_1.recordPath, { model: MODEL }),
			"refused",
			/The "goals" section of C-0417\/treatment-plan\.md was edited by hand between the cv:generated markers/,
		);
		// Even a proposal made against the edited page would not overwrite the edit.
		await expectError(service().apply({ ...proposal.set, baseHash: await textHash(edited) }, "all"), "refused", /"goals" section/);
		expect(Buffer.compare(await planBytes(), bytes)).toBe(0);
	});
});

describe("bad input loses nothing", () => {
	it("malformed, cut off or schema-violating model answers are rejected with a clear message and nothing is written", async () => {
		const before = await snapshotDir(dir);
		const bad: { reply: Parameters<FakeOllama["reply"]>[0]; message: RegExp }[] = [
			{ reply: { text: '{"presenting_problems": ["Panic symptoms", ' }, message: /not valid JSON \(cut off or malformed\)\. Nothing was changed/ },
			{
				reply: { json: { ...DRAFT_ANSWER, diagnosis: "F41.0 Panic disorder" } },
				message: /did not follow the expected structure \(\(top level\): Unrecognized key: "diagnosis"\)/,
			},
			{
				reply: { json: { ...DRAFT_ANSWER, goals: [{ goal: "Sleep better", objectives: [] }] } },
				message: /did not follow the expected structure \(goals\.0\.objectives:/,
			},
			{ reply: { json: DRAFT_ANSWER, fault: { kind: "cut", after: 5 } }, message: /./ },
		];
		for (const b of bad) {
			fake.reply(b.reply);
			const error = await expectError(service().proposeDraft(C, INTAKE.recordPath, { model: MODEL }), "engine", b.message);
			expect(error.detail).not.toContain("Panic");
		}
		expect(changedPaths(before, await snapshotDir(dir))).toEqual([]);
	});

	it("model down, model not pulled, a session note that does not exist: clear errors, nothing written", async () => {
		await expectError(
			service("http://127.0.0.1:9").proposeDraft(C, INTAKE.recordPath, { model: MODEL }),
			"engine",
			/Ollama is not running at http:\/\/127\.0\.0\.1:9/,
		);
		await expectError(service().proposeDraft(C, INTAKE.recordPath, { model: "qwen2.5:14b" }), "engine", /ollama pull qwen2\.5:14b/);
		expect(await record.exists(PLAN)).toBe(false);
		expect(await service().pending(C)).toEqual([]);

		await draftAndAcceptAll();
		const bytes = await planBytes();
		const chats = fake.chats.length;
		await expectError(
			service().proposeProgress(C, `${C}/notes/2026-07-07.md`, { model: MODEL }),
			"not-found",
			/There is no session note C-0417\/notes\/2026-07-07\.md in the record\. Nothing was changed/,
		);
		fake.reply({ json: { progress: [{ objective_id: "O1.1", note: "Better." }] } });
		await expectError(service().proposeProgress(C, SESSION_1.recordPath, { model: MODEL }), "engine", /progress\.0\.evidence/);
		expect(fake.chats.length).toBe(chats + 1);
		expect(Buffer.compare(await planBytes(), bytes)).toBe(0);
		expect(await service().pending(C)).toEqual([]);
	});
});

describe("reviews", () => {
	const plan = (
		created: string,
		lastReview: string | null,
		objectives: { id: string; target: string | null; status: "not-started" | "in-progress" | "met" }[],
	): Plan => ({
		front: { client: C, type: "treatment-plan", version: 1, created, review_every_days: 90, last_review: lastReview, generated: {}, written: {} },
		data: {
			presenting_problems: [],
			diagnosis: null,
			goals: [
				{
					id: "G1",
					text: "Goal",
					objectives: objectives.map((o) => ({
						id: o.id,
						text: `Objective ${o.id}`,
						measure: "",
						target_date: o.target,
						status: o.status,
						progress: [],
					})),
				},
			],
			interventions: [],
		},
	});
	const day = (d: string) => new Date(`${d}T12:00:00`);

	it("next review is last review (or creation) + 90 days; due soon within 14 days; overdue after", () => {
		const p = plan("2026-06-02", null, []);
		expect(reviewStatus(p, day("2026-07-01"))).toEqual({ nextReview: "2026-08-31", daysLeft: 61, state: "ok" });
		expect(reviewStatus(p, day("2026-08-17"))).toEqual({ nextReview: "2026-08-31", daysLeft: 14, state: "due-soon" });
		expect(reviewStatus(p, day("2026-09-03"))).toEqual({ nextReview: "2026-08-31", daysLeft: -3, state: "overdue" });
		expect(reviewStatus(plan("2026-06-02", "2026-08-30", []), day("2026-09-03"))).toEqual({ nextReview: "2026-11-28", daysLeft: 86, state: "ok" });
	});

	it("objectives due: target within N days or past, not met", () => {
		const p = plan("2026-06-02", null, [
			{ id: "O1.1", target: "2026-07-10", status: "in-progress" },
			{ id: "O1.2", target: "2026-07-01", status: "met" },
			{ id: "O1.3", target: "2026-06-28", status: "not-started" },
			{ id: "O1.4", target: "2026-09-01", status: "in-progress" },
			{ id: "O1.5", target: null, status: "in-progress" },
		]);
		expect(objectivesDue(p, day("2026-07-01"), 14).map((o) => [o.objectiveId, o.daysLeft, o.overdue])).toEqual([
			["O1.3", -3, true],
			["O1.1", 9, false],
		]);
	});

	it("reviewsDue across clients (for unlock and the brief): due soon, overdue, an unreadable plan reported; marking reviewed clears it", async () => {
		await draftAndAcceptAll();
		await progressFrom(0);
		await record.addClient({ code: "C-0999", name: "Sam Synthetic" });
		await record.addClient({ code: "C-0500", name: "Alex Invented" });
		await record.writeText(planPath("C-0999"), (await planText()).replace(`client: ${C}`, "client: C-0999").replace("goals:\n", "goals: [\n"));
		clock.set("2026-07-20T12:00:00Z");
		const july = await service().reviewsDue();
		expect(july.map((a) => [a.client, a.review?.state ?? null, a.objectives.map((o) => o.objectiveId)])).toEqual([
			[C, "ok", ["O3.1"]],
			["C-0999", null, []],
		]);
		expect(july[1]!.error).toMatch(/not valid YAML at line \d+, column \d+/);
		clock.set("2026-09-05T12:00:00Z");
		const september = await service().reviewsDue();
		expect(september[0]).toMatchObject({ client: C, review: { nextReview: "2026-08-31", daysLeft: -5, state: "overdue" } });
		// The brief's view of the same plan.
		expect(await planForBrief(record, C, "2026-09-05")).toEqual({
			nextReview: "2026-08-31",
			reviewState: "overdue",
			objectives: [
				{
					id: "O3.1",
					text: "Homework done on at least 4 of 7 days",
					targetDate: "2026-07-28",
					state: "overdue",
					lastProgress: { date: "2026-06-09", note: "Homework set: notice the Critic and write down what it says." },
				},
				{
					id: "O1.1",
					text: "Morning panic on no more than 2 of 7 days",
					targetDate: "2026-08-25",
					state: "overdue",
					lastProgress: { date: "2026-06-09", note: "Morning panic on 5 of 7 days (baseline)." },
				},
			],
		});
		expect(await planForBrief(record, "C-0500", "2026-09-05")).toBeNull();
		const after = await service().markReviewed(C);
		expect(after).toEqual({ nextReview: "2026-12-04", daysLeft: 90, state: "ok" });
		expect(parsePlanPage(await planText(), PLAN).front).toMatchObject({ last_review: "2026-09-05", next_review: "2026-12-04" });
	});
});
