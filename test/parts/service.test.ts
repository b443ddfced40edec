/**
 * PartsMapService end to end: a real encrypted record in a temporary folder, the model behind a
 * loopback server speaking Ollama's API (through the real ollama client), the four-session IFS
 * scenario, and every way an update can go wrong leaving the record as it was.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OllamaClient } from "../../src/engines/ollama";
import { PartsMapService } from "../../src/core/parts/PartsMapService";
import { parsePage } from "../../src/core/parts/page";
import { splitFrontmatter } from "../../src/core/markdown/frontmatter";
import { pendingPath } from "../../src/core/proposals/proposals";
import { SCENARIO_CLIENT, SCENARIO_NAME, SCENARIO_SESSIONS, SESSION_1, SESSION_2 } from "../support/scenario";
import { startFakeOllama, type FakeOllama } from "../support/fake-ollama";
import { answer, mention, SCENARIO_ANSWERS, scenarioRecord, treeHashes, type TestRecord } from "./helpers";

let t: TestRecord;
let fake: FakeOllama;
let service: PartsMapService;
const MODEL = "llama3.1:8b";
const llm = () => new OllamaClient({ host: fake.url, policy: { allowlist: [] } });
const propose = (session: string, extra: { reuse?: boolean } = {}) => service.propose({ client: SCENARIO_CLIENT, session, model: MODEL, llm: llm(), ...extra });

beforeEach(async () => {
	fake = await startFakeOllama();
	t = await scenarioRecord();
	service = new PartsMapService({ record: t.record, clock: t.clock });
});
afterEach(async () => {
	await fake.close();
	await t.cleanup();
});

describe("four sessions of IFS work", () => {
	it("a protector met, an exile accessed, a firefighter named, an unburdening, a polarized manager: history and diagram", async () => {
		const kinds: string[][] = [];
		for (const [i, s] of SCENARIO_SESSIONS.entries()) {
			fake.reply({ json: SCENARIO_ANSWERS[i] });
			t.clock.advance(86_400_000);
			const set = await propose(s.recordPath);
			kinds.push(set.changes.map((c) => c.kind));
			const result = await service.apply(set, "all");
			expect(result.applied).toHaveLength(set.changes.length);
		}
		expect(kinds).toEqual([
			["new-part", "self-energy"],
			["seen", "new-part", "relationship", "self-energy"],
			["new-part", "seen", "seen", "relationship", "self-energy"],
			["status", "status", "status", "seen", "new-part", "seen", "relationship", "self-energy"],
		]);

		const chat = fake.chats[3]!;
		const prompt = chat.messages.map((m) => m.content).join("\n");
		expect(prompt).toContain(SCENARIO_CLIENT);
		expect(prompt).not.toContain(SCENARIO_NAME);
		expect(prompt).toContain("Parts already on the client's map: the Critic (manager, unblended); Little One (exile, met); the Binger (firefighter, met).");
		expect(chat.format).toMatchObject({ type: "object", required: ["parts", "self_energy", "self_energy_evidence"] });

		const map = await service.load(SCENARIO_CLIENT);
		expect(map.parts.map((p) => [p.name, p.kind, p.status])).toEqual([
			["the Critic", "manager", "unblended"],
			["Little One", "exile", "unburdened"],
			["the Binger", "firefighter", "met"],
			["the Planner", "manager", "met"],
		]);
		const little = map.parts[1]!;
		expect(little.history.map((h) => `${h.date} ${h.change}`)).toEqual([
			"2026-06-16 first seen: exile; status met",
			"2026-06-23 present",
			"2026-06-30 status: witnessed",
			"2026-06-30 status: retrieved",
			"2026-06-30 status: unburdened",
			"2026-06-30 present",
		]);
		expect(little.first_seen).toEqual({ date: "2026-06-16", note: "C-0417/notes/2026-06-16.md" });
		expect(little.last_seen).toEqual({ date: "2026-06-30", note: "C-0417/notes/2026-06-30.md" });
		expect(map.parts[0]!.polarized_with).toEqual(["planner"]);
		expect(map.parts[3]!.polarized_with).toEqual(["critic"]);

		const text = (await service.text(SCENARIO_CLIENT))!;
		const { data } = splitFrontmatter(text);
		expect(data).toMatchObject({ client: SCENARIO_CLIENT, type: "parts-map", version: 1 });
		const diagram = /```mermaid\n([\s\S]*?)\n```/.exec(text)![1]!;
		expect(
			diagram
				.split("\n")
				.filter((l) => /-->|<-->/.test(l))
				.map((l) => l.trim()),
		).toEqual(["p_critic -->|protects| p_little_one", "p_binger -->|protects| p_little_one", "p_critic <-->|polarized| p_planner"]);
		expect(text).toContain("- [[Clinical/C-0417/notes/2026-06-30.md.cvault|2026-06-30]]: status: unburdened");
		expect(text).toMatch(/\| \[\[Clinical\/C-0417\/notes\/2026-06-30\.md\.cvault\\\|2026-06-30\]\] \| ✓ \| {2}\| ✓ \|/);
		expect(text).not.toContain(SCENARIO_NAME);

		// Re-running on the same session with the same answer changes nothing.
		const before = await treeHashes(t.dir);
		fake.reply({ json: SCENARIO_ANSWERS[3] });
		const again = await propose(SCENARIO_SESSIONS[3]!.recordPath);
		expect(again.changes).toEqual([]);
		const none = await service.apply(again, "all");
		expect(none.written).toBe(false);
		expect(await treeHashes(t.dir)).toEqual(before);
	});

	it("saves the proposal encrypted, reuses it without asking the model while the page is unchanged, and refuses it once the page changed", async () => {
		fake.reply({ json: SCENARIO_ANSWERS[0] });
		const first = await propose(SESSION_1.recordPath);
		expect(await t.record.exists(pendingPath(SCENARIO_CLIENT, "parts", SESSION_1.recordPath))).toBe(true);
		const reused = await propose(SESSION_1.recordPath, { reuse: true });
		expect(reused).toEqual(first);
		expect(fake.chats).toHaveLength(1);
		fake.reply({ json: SCENARIO_ANSWERS[1] });
		const second = await propose(SESSION_2.recordPath);
		await service.apply(first, "all");
		expect(await t.record.exists(pendingPath(SCENARIO_CLIENT, "parts", SESSION_1.recordPath))).toBe(false);
		await expect(service.apply(second, "all")).rejects.toThrow(/parts map changed after this proposal was made/);
		// A stale saved proposal is not reused: the model is asked again.
		fake.reply({ json: SCENARIO_ANSWERS[1] });
		await propose(SESSION_2.recordPath, { reuse: true });
		expect(fake.chats).toHaveLength(3);
	});
});

describe("bad input loses nothing", () => {
	async function expectNothingWritten(task: () => Promise<unknown>, message: RegExp): Promise<void> {
		const before = await treeHashes(t.dir);
		await expect(task()).rejects.toThrow(message);
		expect(await treeHashes(t.dir)).toEqual(before);
	}

	it("malformed, cut-off or schema-violating model answers are rejected with a clear message and nothing is written", async () => {
		fake.reply({ text: '{"parts": [{"name": "the Critic", "kind": "mana' });
		await expectNothingWritten(() => propose(SESSION_1.recordPath), /answer for the parts-map update was not valid JSON.*Nothing was changed/);
		fake.reply({ json: { parts: [{ ...mention("the Critic"), kind: "boss" }], self_energy: [], self_energy_evidence: "" } });
		await expectNothingWritten(() => propose(SESSION_1.recordPath), /did not follow the expected structure \(parts\.0\.kind: /);
		fake.reply({ json: { parts: [{ name: "the Critic", kind: "manager" }] } });
		await expectNothingWritten(() => propose(SESSION_1.recordPath), /did not follow the expected structure \(parts\.0\.role: .*; \d+ more\)/);
		fake.reply({ json: answer([mention("the Critic")], ["calm", "serenity" as "calm"]) });
		await expectNothingWritten(() => propose(SESSION_1.recordPath), /self_energy\.1/);
		fake.reply({ json: SCENARIO_ANSWERS[0], doneReason: "length" });
		await expectNothingWritten(() => propose(SESSION_1.recordPath), /output limit/);
	});

	it("the model being down, and a session note that does not exist, are clear errors that write nothing", async () => {
		const down = new OllamaClient({ host: "http://127.0.0.1:9", policy: { allowlist: [] } });
		await expectNothingWritten(
			() => service.propose({ client: SCENARIO_CLIENT, session: SESSION_1.recordPath, model: MODEL, llm: down }),
			/Ollama is not running at http:\/\/127\.0\.0\.1:9/,
		);
		await expectNothingWritten(() => propose("C-0417/notes/2026-01-01.md"), /There is no session note C-0417\/notes\/2026-01-01\.md/);
		expect(fake.chats).toHaveLength(0);
	});

	it("a parts map edited into invalid yaml is kept, merging is refused with line and column (no model call), and works once fixed", async () => {
		fake.reply({ json: SCENARIO_ANSWERS[0] });
		await service.apply(await propose(SESSION_1.recordPath), "all");
		const path = service.path(SCENARIO_CLIENT);
		const good = await t.record.readText(path, "internal");
		const broken = good.replace("    kind: manager\n", "    kind: manager\n   role: [broken\n");
		await t.record.writeText(path, broken);
		await expectNothingWritten(() => propose(SESSION_2.recordPath), /not valid YAML at line \d+, column \d+.*nothing was merged and the file was kept/);
		expect(fake.chats).toHaveLength(1);
		expect(await t.record.readText(path, "internal")).toBe(broken);
		await t.record.writeText(path, good);
		fake.reply({ json: SCENARIO_ANSWERS[1] });
		const set = await propose(SESSION_2.recordPath);
		expect(set.changes.length).toBeGreaterThan(0);
	});

	it("a hand edit inside a generated section refuses the merge naming the section, and keeps the file", async () => {
		fake.reply({ json: SCENARIO_ANSWERS[0] });
		const set1 = await propose(SESSION_1.recordPath);
		await service.apply(set1, "all");
		fake.reply({ json: SCENARIO_ANSWERS[1] });
		const set2 = await propose(SESSION_2.recordPath);
		const path = service.path(SCENARIO_CLIENT);
		const text = await t.record.readText(path, "internal");
		const edited = text.replace("- Kind: manager; status: unblended", "- Kind: manager; status: unblended. Mostly active on Mondays.");
		await t.record.writeText(path, edited);
		// The proposal was made before the edit: refused as stale; a fresh one is refused for the edit.
		await expectNothingWritten(() => service.apply(set2, "all"), /changed after this proposal was made/);
		await expectNothingWritten(() => propose(SESSION_2.recordPath), /generated section "parts" \(line \d+\) of C-0417\/parts-map\.md was edited by hand/);
		expect(parsePage(await t.record.readText(path, "internal"), path).regions.find((r) => r.name === "parts")!.edited).toBe(true);
	});
});
