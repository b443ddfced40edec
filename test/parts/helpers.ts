/**
 * Shared set-up for the parts-map tests: a real encrypted record in a temporary folder with the
 * synthetic IFS client of test/support/scenario.ts, and the model answers a faithful model would
 * give for each of its four sessions (scripted on the fake Ollama server).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { ManualClock } from "../../src/core/clock";
import type { PartsAnswer, PartMention } from "../../src/core/parts/prompt";
import { hashTree } from "../cli/support";
import { SCENARIO_CLIENT, SCENARIO_NAME, SCENARIO_NOTES } from "../support/scenario";

export interface TestRecord {
	dir: string;
	record: ClinicalRecord;
	clock: ManualClock;
	cleanup(): Promise<void>;
}

export async function scenarioRecord(): Promise<TestRecord> {
	const dir = await mkdtemp(join(tmpdir(), "cv-parts-"));
	const clock = new ManualClock("2026-07-01T09:00:00Z");
	const record = new ClinicalRecord({ store: new NodeFsStore(dir), clock });
	await record.init("correct horse battery", { kdf: floorKdfParams() });
	await record.addClient({ code: SCENARIO_CLIENT, name: SCENARIO_NAME, modality: "ifs" });
	for (const n of SCENARIO_NOTES) await record.writeText(n.recordPath, n.text);
	return { dir, record, clock, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Every file below `dir` with the SHA-256 of its bytes (to show that nothing was written). */
export const treeHashes = hashTree;

export function mention(name: string, fields: Partial<PartMention> = {}): PartMention {
	return {
		name,
		kind: "unknown",
		role: "",
		age_or_origin: "",
		burdens: [],
		fears: [],
		status_reached: [],
		protects: [],
		polarized_with: [],
		allied_with: [],
		evidence: "",
		...fields,
	};
}

export function answer(parts: PartMention[], selfEnergy: PartsAnswer["self_energy"] = [], evidence = ""): PartsAnswer {
	return { parts, self_energy: selfEnergy, self_energy_evidence: evidence };
}

/** What a faithful model reports for each scenario session (only what the note says). */
export const SCENARIO_ANSWERS: readonly PartsAnswer[] = [
	answer(
		[
			mention("the Critic", {
				kind: "manager",
				role: "criticises work performance to prevent embarrassment",
				fears: ["the client will be rejected"],
				status_reached: ["met", "unblended"],
				evidence: "trying to keep me from being embarrassed",
			}),
		],
		["curiosity", "calm"],
		"Client showed curiosity toward the Critic and some calm",
	),
	answer(
		[
			mention("the Critic", {
				kind: "manager",
				role: "criticises work performance to prevent embarrassment",
				protects: ["Little One"],
				evidence: "The Critic agreed to step back",
			}),
			mention("Little One", {
				kind: "exile",
				age_or_origin: "about seven years old",
				burdens: ["fear of abandonment", 'the belief "I am too much"'],
				fears: ["being abandoned"],
				status_reached: ["met"],
				evidence: 'a young part, "Little One", about seven years old, who is afraid of being abandoned',
			}),
		],
		["compassion", "calm", "curiosity"],
		"Compassion toward Little One; calm; curiosity.",
	),
	answer(
		[
			mention("the Binger", {
				kind: "firefighter",
				role: "binge eating in the evenings to numb Little One's loneliness",
				status_reached: ["met"],
				protects: ["Little One"],
				evidence: 'Client named the part that binges "the Binger"',
			}),
			mention("Little One", { kind: "exile", evidence: "Little One (exile): lonely in the evenings." }),
			mention("the Critic", { kind: "manager", evidence: "The Critic (manager): quieter this week." }),
		],
		["curiosity", "courage"],
		"Curiosity and courage toward the Binger.",
	),
	answer(
		[
			mention("Little One", {
				kind: "exile",
				status_reached: ["witnessed", "retrieved", "unburdened"],
				evidence: "Little One (exile): witnessed, retrieved and unburdened of the fear of abandonment.",
			}),
			mention("the Planner", {
				kind: "manager",
				role: "schedules every hour of the day",
				status_reached: ["met"],
				polarized_with: ["the Critic"],
				evidence: "a manager that schedules every hour of the day",
			}),
			mention("the Critic", { kind: "manager", polarized_with: ["the Planner"], evidence: "The Critic (manager): polarized with the Planner." }),
		],
		["calm", "compassion", "connectedness", "clarity"],
		"Calm, compassion, connectedness and clarity.",
	),
];
