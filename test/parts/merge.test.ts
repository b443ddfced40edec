/**
 * The merge rules of the parts map, on the pure functions (computeChanges, applyChanges) and the
 * page (parsePage, updatePage): new part, a near name proposed (never merged), status progression,
 * relationships, clinician edits kept, declined changes remembered, idempotent re-runs, prose and
 * yaml comments kept byte for byte, hand edits in generated sections and invalid yaml refused.
 */
import { describe, expect, it } from "vitest";
import { RecordLayout } from "../../src/core/record/layout";
import { selectChanges } from "../../src/core/proposals/proposals";
import { ClinicalVaultError } from "../../src/core/errors";
import { applyChanges, checkSelection, computeChanges, type PartsChange } from "../../src/core/parts/merge";
import { emptyMap, nearSameName, normalizeName, type PartsMap } from "../../src/core/parts/model";
import { checkRegions, newPage, parsePage, updatePage } from "../../src/core/parts/page";
import type { PartsAnswer } from "../../src/core/parts/prompt";
import { SESSION_1, SESSION_2, SESSION_3, SESSION_4 } from "../support/scenario";
import { answer, mention, SCENARIO_ANSWERS } from "./helpers";

const layout = new RecordLayout("Clinical");
const S1 = { note: SESSION_1.recordPath, date: SESSION_1.date, text: SESSION_1.text };
const S2 = { note: SESSION_2.recordPath, date: SESSION_2.date, text: SESSION_2.text };
const S3 = { note: SESSION_3.recordPath, date: SESSION_3.date, text: SESSION_3.text };
const S4 = { note: SESSION_4.recordPath, date: SESSION_4.date, text: SESSION_4.text };

async function step(map: PartsMap, a: PartsAnswer, s: typeof S1, accept: "all" | string[] = "all"): Promise<{ map: PartsMap; changes: PartsChange[] }> {
	const changes = await computeChanges(map, a, s);
	const chosen = selectChanges(changes, accept);
	checkSelection(chosen, changes);
	const ids = new Set(chosen.map((c) => c.id));
	const declined = accept === "all" ? [] : changes.filter((c) => !ids.has(c.id)).map((c) => c.id);
	return { map: applyChanges(map, chosen, declined, s), changes };
}

function part(map: PartsMap, id: string) {
	const p = map.parts.find((x) => x.id === id);
	if (!p) throw new Error(`no part ${id} in ${map.parts.map((x) => x.id).join(", ")}`);
	return p;
}

describe("names", () => {
	it("normalises case, punctuation and a leading 'the'; near names are near, different ones are not", () => {
		expect(normalizeName("The  Critic!")).toBe("critic");
		expect(normalizeName("the critic")).toBe(normalizeName("Critic"));
		expect(nearSameName("critic", "inner critic")).toBe(true);
		expect(nearSameName(normalizeName("Little One"), normalizeName("little one girl"))).toBe(true);
		expect(nearSameName("planner", "plannner")).toBe(true);
		expect(nearSameName("critic", "binger")).toBe(false);
		expect(nearSameName("little one", "planner")).toBe(false);
	});
});

describe("merge rules", () => {
	it("a new part becomes one change with its fields, and applying it records the snapshot and history", async () => {
		const { map, changes } = await step(emptyMap("C-0417"), SCENARIO_ANSWERS[0]!, S1);
		expect(changes.map((c) => c.kind)).toEqual(["new-part", "self-energy"]);
		expect(changes[0]!.summary).toBe('New part "the Critic" (manager, criticises work performance to prevent embarrassment; status unblended)');
		expect(changes[0]!.evidence).toBe("trying to keep me from being embarrassed");
		expect(changes.every((c) => /^[0-9a-f]{6,}$/.test(c.id))).toBe(true);
		const critic = part(map, "critic");
		expect(critic).toMatchObject({
			name: "the Critic",
			kind: "manager",
			status: "unblended",
			fears: ["the client will be rejected"],
			first_seen: { date: "2026-06-09", note: S1.note },
			last_seen: { date: "2026-06-09" },
		});
		expect(critic.written).toMatchObject({ kind: "manager", role: "criticises work performance to prevent embarrassment", status: "unblended" });
		expect(critic.history).toEqual([
			{ date: "2026-06-09", note: S1.note, change: "first seen: manager, criticises work performance to prevent embarrassment; status unblended" },
		]);
		expect(map.sessions).toEqual([{ note: S1.note, date: "2026-06-09", self_energy: ["calm", "curiosity"] }]);
	});

	it("the same answer on the same map gives the same changes with the same ids; applied, a re-run gives none", async () => {
		const a = await computeChanges(emptyMap("C-0417"), SCENARIO_ANSWERS[0]!, S1);
		const b = await computeChanges(emptyMap("C-0417"), SCENARIO_ANSWERS[0]!, S1);
		expect(b).toEqual(a);
		let map = (await step(emptyMap("C-0417"), SCENARIO_ANSWERS[0]!, S1)).map;
		map = (await step(map, SCENARIO_ANSWERS[1]!, S2)).map;
		expect(await computeChanges(map, SCENARIO_ANSWERS[1]!, S2)).toEqual([]);
		expect(await computeChanges(map, SCENARIO_ANSWERS[0]!, S1)).toEqual([]);
	});

	it("a part under a slightly different name is asked about, never merged; accepting records the alias", async () => {
		const { map } = await step(emptyMap("C-0417"), SCENARIO_ANSWERS[0]!, S1);
		const renamed = answer([mention("Inner Critic", { kind: "manager", status_reached: ["witnessed"], evidence: "the Critic" })]);
		const changes = await computeChanges(map, renamed, S2);
		expect(changes.map((c) => c.kind)).toEqual(["same-part", "new-part"]);
		expect(changes.every((c) => c.conflict === true)).toBe(true);
		expect(changes[0]!.summary).toMatch(/^Same part\? "Inner Critic" may be "the Critic"/);
		expect(changes[0]!.excludes).toEqual([changes[1]!.id]);
		// "all" never takes a same-part question; both answers at once are refused.
		expect(selectChanges(changes, "all")).toEqual([]);
		expect(() => checkSelection(changes, changes)).toThrow(/different answers to the same question/);
		// Case and a leading "the" are the same name: no question.
		expect((await computeChanges(map, answer([mention("THE critic", { kind: "manager" })]), S1)).map((c) => c.kind)).toEqual([]);

		const merged = (await step(map, renamed, S2, [changes[0]!.id])).map;
		expect(merged.parts).toHaveLength(1);
		expect(part(merged, "critic").aliases).toEqual(["Inner Critic"]);
		// Now the name is known: this session's updates come as ordinary changes to the Critic.
		const next = await computeChanges(merged, renamed, S2);
		expect(next.map((c) => [c.kind, c.summary])).toEqual([
			["status", "the Critic: status unblended → witnessed"],
			["seen", "the Critic: present in this session (last seen 2026-06-09)"],
		]);

		// Accepted as a new part instead, it is a second part and no alias is recorded.
		const separate = (await step(map, renamed, S2, [changes[1]!.id])).map;
		expect(separate.parts.map((p) => p.id)).toEqual(["critic", "inner-critic"]);
		expect(part(separate, "critic").aliases).toEqual([]);
	});

	it("status moves forward one change per step reached, each in the history; a backward claim is not applied", async () => {
		let map = (await step(emptyMap("C-0417"), answer([mention("Little One", { kind: "exile", status_reached: ["met"] })]), S2)).map;
		const forward = await computeChanges(
			map,
			answer([mention("Little One", { kind: "exile", status_reached: ["witnessed", "retrieved", "unburdened"] })]),
			S4,
		);
		expect(forward.filter((c) => c.kind === "status").map((c) => c.summary)).toEqual([
			"Little One: status met → witnessed",
			"Little One: status witnessed → retrieved",
			"Little One: status retrieved → unburdened",
		]);
		map = (await step(map, answer([mention("Little One", { kind: "exile", status_reached: ["witnessed", "retrieved"] })]), S3)).map;
		expect(part(map, "little-one").status).toBe("retrieved");
		expect(part(map, "little-one").history.map((h) => h.change)).toEqual([
			"first seen: exile; status met",
			"status: witnessed",
			"status: retrieved",
			"present",
		]);
		const backward = await computeChanges(map, answer([mention("Little One", { kind: "exile", status_reached: ["met", "unblended"] })]), S3);
		expect(backward).toEqual([]);
	});

	it("relationships resolve to existing or new parts; a symmetric one named from both sides is one change on both parts", async () => {
		let map = (await step(emptyMap("C-0417"), SCENARIO_ANSWERS[0]!, S1)).map;
		const s4 = await computeChanges(
			map,
			answer([
				mention("the Planner", { kind: "manager", polarized_with: ["the Critic"] }),
				mention("the Critic", { kind: "manager", polarized_with: ["Planner"], protects: ["someone unnamed"] }),
			]),
			S4,
		);
		const rel = s4.filter((c) => c.kind === "relationship");
		expect(rel.map((c) => c.summary)).toEqual(["the Planner is polarized with the Critic"]);
		const newPart = s4.find((c) => c.kind === "new-part")!;
		expect(rel[0]!.needs).toEqual([newPart.id]);
		expect(() => checkSelection([rel[0]!], s4)).toThrow(/needs .* accepted too/);
		map = applyChanges(map, selectChanges(s4, "all"), [], S4);
		expect(part(map, "planner").polarized_with).toEqual(["critic"]);
		expect(part(map, "critic").polarized_with).toEqual(["planner"]);
		expect(part(map, "critic").protects).toEqual([]);
	});

	it("a field the clinician edited is kept: the model repeating itself changes nothing, a new claim is a conflict applied only by id", async () => {
		let map = (await step(emptyMap("C-0417"), SCENARIO_ANSWERS[0]!, S1)).map;
		part(map, "critic").role = "keeps the client safe from shame (clinician's wording)";
		part(map, "critic").fears = [];
		(part(map, "critic") as Record<string, unknown>).somatic = "tight chest";
		expect(await computeChanges(map, SCENARIO_ANSWERS[0]!, S1)).toEqual([]);
		const claim = answer([mention("the Critic", { kind: "manager", role: "pushes the client to overwork" })]);
		const changes = await computeChanges(map, claim, S2);
		const role = changes.find((c) => c.kind === "field")!;
		expect(role).toMatchObject({
			conflict: true,
			summary: 'the Critic: role "keeps the client safe from shame (clinician\'s wording)" → "pushes the client to overwork" (replaces your edit)',
		});
		expect(selectChanges(changes, "all").some((c) => c.id === role.id)).toBe(false);
		const kept = (await step(map, claim, S2)).map;
		expect(part(kept, "critic").role).toBe("keeps the client safe from shame (clinician's wording)");
		expect((part(kept, "critic") as Record<string, unknown>).somatic).toBe("tight chest");
		const replaced = (
			await step(
				map,
				claim,
				S2,
				changes.map((c) => c.id),
			)
		).map;
		expect(part(replaced, "critic").role).toBe("pushes the client to overwork");
	});

	it("changes the clinician declined for a session are not proposed again for it", async () => {
		const first = await computeChanges(emptyMap("C-0417"), SCENARIO_ANSWERS[1]!, S2);
		const keep = first.filter((c) => c.kind === "new-part").map((c) => c.id);
		const { map } = await step(emptyMap("C-0417"), SCENARIO_ANSWERS[1]!, S2, keep);
		expect(map.sessions[0]!.declined).toEqual(
			first
				.filter((c) => !keep.includes(c.id))
				.map((c) => c.id)
				.sort(),
		);
		expect(await computeChanges(map, SCENARIO_ANSWERS[1]!, S2)).toEqual([]);
	});
});

describe("the page", () => {
	async function scenarioMap(upTo: number): Promise<PartsMap> {
		let map = emptyMap("C-0417");
		for (const [i, s] of [S1, S2, S3, S4].slice(0, upTo).entries()) map = (await step(map, SCENARIO_ANSWERS[i]!, s)).map;
		return map;
	}

	it("keeps the clinician's prose, added yaml keys and yaml comments byte for byte through a merge", async () => {
		const two = await scenarioMap(2);
		const page = newPage(two, layout, "2026-07-01T09:00:00.000Z");
		const mine = "\n> [!note] My formulation: the Critic and Little One form the core system.\n\nSupervision 2026-06-20: go slow with the exile.\n";
		let edited = page
			.replace("## Parts\n", `${mine}\n## Parts\n`)
			.replace("  - id: critic\n", "  - id: critic # the first protector we met\n    supervision: discussed on 2026-06-20\n");
		edited += "\nEnd note by the clinician.\n";
		const parsed = parsePage(edited, "C-0417/parts-map.md");
		expect(parsed.map.parts[0]).toMatchObject({ supervision: "discussed on 2026-06-20" });
		checkRegions(parsed, "C-0417/parts-map.md");
		const three = (await step(parsed.map, SCENARIO_ANSWERS[2]!, S3)).map;
		const out = updatePage(parsed, three, layout, "2026-07-02T09:00:00.000Z");
		expect(out).toContain(`${mine}\n## Parts\n`);
		expect(out.endsWith("\nEnd note by the clinician.\n")).toBe(true);
		expect(out).toContain("  - id: critic # the first protector we met\n");
		expect(out).toContain("updated: 2026-07-02T09:00:00.000Z");
		const again = parsePage(out, "C-0417/parts-map.md");
		expect(again.regions.every((r) => !r.edited)).toBe(true);
		expect(again.map.parts.map((p) => p.id)).toEqual(["critic", "little-one", "binger"]);
		expect((again.map.parts[0] as Record<string, unknown>).supervision).toBe("discussed on 2026-06-20");
		// Outside the regions and the data block, only the updated line differs.
		const outside = (t: string) =>
			t
				.replace(/<!-- cv:generated [\s\S]*?<!-- cv:end -->/g, "")
				.replace(/```yaml\n[\s\S]*?\n```/, "")
				.replace(/updated: .*/, "");
		expect(outside(out)).toBe(outside(edited));
	});

	it("refuses a merge when a generated section was edited by hand, naming the section", async () => {
		const page = newPage(await scenarioMap(2), layout, "2026-07-01T09:00:00.000Z");
		const edited = page.replace("- Kind: exile; status: met", "- Kind: exile; status: met (I think she is older)");
		const parsed = parsePage(edited, "C-0417/parts-map.md");
		expect(() => checkRegions(parsed, "C-0417/parts-map.md")).toThrow(/generated section "parts" \(line \d+\) of C-0417\/parts-map\.md was edited by hand/);
		// A section deleted whole is written again.
		const deleted = page.replace(/<!-- cv:generated self-energy [\s\S]*?<!-- cv:end -->/, "");
		const reparsed = parsePage(deleted, "C-0417/parts-map.md");
		checkRegions(reparsed, "C-0417/parts-map.md");
		expect(updatePage(reparsed, reparsed.map, layout, "x")).toMatch(/<!-- cv:generated self-energy [0-9a-f]{12} -->\n\| Session \|/);
	});

	it("dates a page whose frontmatter was emptied or removed by hand, keeping the block whole", async () => {
		const page = newPage(await scenarioMap(2), layout, "2026-07-01T09:00:00.000Z");
		const emptied = page.replace(/^---\n[\s\S]*?\n---\n/, "---\n---\n");
		const out = updatePage(parsePage(emptied, "C-0417/parts-map.md"), await scenarioMap(2), layout, "2026-07-02T09:00:00.000Z");
		expect(out.startsWith("---\nupdated: 2026-07-02T09:00:00.000Z\n---\n# Parts map: C-0417\n")).toBe(true);
		expect(parsePage(out, "C-0417/parts-map.md").map.parts).toHaveLength(2);
		const crlf = page.replace(
			/^---\n([\s\S]*?)\n---\n/,
			(_, yaml: string) =>
				`---\r\n${yaml
					.replace(/^updated:.*\n?/m, "")
					.trimEnd()
					.replace(/\n/g, "\r\n")}\r\n---\r\n`,
		);
		expect(updatePage(parsePage(crlf, "C-0417/parts-map.md"), await scenarioMap(2), layout, "x")).toMatch(
			/^---\r\nclient: C-0417\r\ntype: [^\r\n]+\r\nversion: 1\r\nupdated: x\r\n---\r\n/,
		);
	});

	it("reports invalid yaml and values outside the schema with the line and column in the page", async () => {
		const page = newPage(await scenarioMap(1), layout, "2026-07-01T09:00:00.000Z");
		const broken = page.replace("    kind: manager\n", "    kind: [manager\n");
		const lines = broken.split("\n");
		const bad = lines.findIndex((l) => l.includes("kind: [manager")) + 1;
		let error: unknown;
		try {
			parsePage(broken, "C-0417/parts-map.md");
		} catch (e) {
			error = e;
		}
		expect(error).toBeInstanceOf(ClinicalVaultError);
		expect((error as Error).message).toMatch(/data block of C-0417\/parts-map\.md is not valid YAML at line (\d+), column \d+/);
		const line = Number(/at line (\d+)/.exec((error as Error).message)![1]);
		expect(line).toBeGreaterThanOrEqual(bad);
		expect(line).toBeLessThanOrEqual(bad + 2);
		const wrongStatus = page.replace("    status: unblended\n", "    status: halfway\n");
		const statusLine = wrongStatus.split("\n").findIndex((l) => l === "    status: halfway") + 1;
		expect(() => parsePage(wrongStatus, "C-0417/parts-map.md")).toThrow(new RegExp(`at parts\\.0\\.status \\(line ${statusLine}, column 13\\)`));
		expect(() => parsePage(page.replace(/```yaml[\s\S]*```/, ""), "C-0417/parts-map.md")).toThrow(/has no data block/);
	});
});
