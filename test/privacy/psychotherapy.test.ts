/**
 * Psychotherapy (process) notes never reach the model through a parts-map or treatment-plan update:
 * both refuse such a note (by folder or by frontmatter) before any model call, and write nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { systemClock } from "../../src/core/clock";
import { PartsMapService } from "../../src/core/parts/PartsMapService";
import { TreatmentPlanService } from "../../src/core/plan/TreatmentPlanService";
import { OllamaClient } from "../../src/engines/ollama";
import { startFakeOllama, type FakeOllama } from "../support/fake-ollama";
import { SCENARIO_CLIENT, SESSION_2 } from "../support/scenario";
import { scenarioRecord, treeHashes, type TestRecord } from "../parts/helpers";

let t: TestRecord;
let fake: FakeOllama;

beforeEach(async () => {
	t = await scenarioRecord();
	fake = await startFakeOllama();
});
afterEach(async () => {
	await fake.close();
	await t.cleanup();
});

describe("psychotherapy notes and the model", () => {
	it("are refused as the source of a parts-map or plan update, by folder or by frontmatter, with no model call", async () => {
		const inFolder = `${SCENARIO_CLIENT}/psychotherapy/2026-06-16.md`;
		const byType = `${SCENARIO_CLIENT}/notes/2026-06-17.md`;
		await t.record.writeText(inFolder, SESSION_2.text);
		await t.record.writeText(byType, SESSION_2.text.replace("note_type: session", "note_type: psychotherapy"));
		const before = await treeHashes(t.dir);
		const llm = new OllamaClient({ host: fake.url, policy: { allowlist: [] } });
		const parts = new PartsMapService({ record: t.record, clock: systemClock });
		const plan = new TreatmentPlanService({ record: t.record, llm, clock: systemClock });
		for (const path of [inFolder, byType]) {
			await expect(parts.propose({ client: SCENARIO_CLIENT, session: path, model: "llama3.1:8b", llm })).rejects.toThrow(
				/is a psychotherapy note: it is kept apart/,
			);
			await expect(plan.proposeDraft(SCENARIO_CLIENT, path, { model: "llama3.1:8b" })).rejects.toMatchObject({ code: "refused" });
		}
		expect(fake.chats).toHaveLength(0);
		expect(await treeHashes(t.dir)).toEqual(before);
	});
});
