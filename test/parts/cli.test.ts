/** `clinical-vault parts` through the CLI, on a temporary vault, against a loopback Ollama-API server. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOllama, type FakeOllama } from "../support/fake-ollama";
import { SCENARIO_CLIENT, SCENARIO_SESSIONS, SESSION_1, SESSION_2, SESSION_3 } from "../support/scenario";
import { cli, hashTree, makeVault, removeDir, writeTemp, type TestVault } from "../cli/support";
import { answer, mention, SCENARIO_ANSWERS } from "./helpers";

let v: TestVault;
let fake: FakeOllama;

interface Printed {
	source: string;
	reused: boolean;
	dropped: { item: string; reason: string }[];
	redacted: { item: string; reason: string }[];
	changes: { id: string; kind: string; summary: string; evidence: string | null; conflict: boolean }[];
	applied?: string[];
	written?: boolean;
}

const parts = (...args: string[]) => cli(["parts", v.vault, "--client", SCENARIO_CLIENT, ...args]);
const fromSession = (path: string, ...args: string[]) => parts("--from-session", path, "--ollama", fake.url, ...args);

beforeAll(async () => {
	fake = await startFakeOllama();
	v = await makeVault([SCENARIO_CLIENT]);
	for (const n of SCENARIO_SESSIONS) {
		const file = await writeTemp(v.dir, `${n.date}.md`, n.text);
		expect((await cli(["put", v.vault, n.recordPath, "--from", file])).code).toBe(0);
	}
});

afterAll(async () => {
	await fake.close();
	await removeDir(v.dir);
});

describe("clinical-vault parts", () => {
	it("proposes changes as JSON with ids (writing nothing to the map), prints the same ids again without a model call, then applies them", async () => {
		expect((await parts()).stderr).toMatch(/has no parts map yet/);
		fake.reply({ json: SCENARIO_ANSWERS[0] });
		const proposed = await fromSession(SESSION_1.recordPath);
		expect(proposed.code).toBe(0);
		const printed = JSON.parse(proposed.out) as Printed;
		expect(printed).toMatchObject({ source: SESSION_1.recordPath, reused: false, dropped: [], redacted: [] });
		expect(printed.changes.map((c) => [c.kind, c.conflict])).toEqual([
			["new-part", false],
			["self-energy", false],
		]);
		expect(printed.changes[0]!.evidence).toBe("trying to keep me from being embarrassed");
		expect(proposed.stderr).toMatch(/Nothing was written to the parts map/);
		expect((await parts()).code).toBe(1);

		const again = await fromSession(SESSION_1.recordPath);
		expect(again.stderr).toMatch(/no model call/);
		expect((JSON.parse(again.out) as Printed).changes.map((c) => c.id)).toEqual(printed.changes.map((c) => c.id));
		expect(fake.chats).toHaveLength(1);

		const applied = await parts("--accept", printed.changes[0]!.id);
		expect(applied.code).toBe(0);
		expect(JSON.parse(applied.out)).toMatchObject({ applied: [printed.changes[0]!.id], declined: [printed.changes[1]!.id], written: true });
		const page = await parts();
		expect(page.code).toBe(0);
		expect(page.out).toMatch(/^---\nclient: C-0417\ntype: parts-map/);
		expect(page.out).toContain('p_critic["the Critic (manager, unblended)"]');
		const data = JSON.parse((await parts("--json")).out) as { path: string; parts: { id: string }[]; sessions: { declined?: string[] }[] };
		expect(data.path).toBe("C-0417/parts-map.md");
		expect(data.parts.map((p) => p.id)).toEqual(["critic"]);
		expect(data.sessions[0]!.declined).toEqual([printed.changes[1]!.id]);
	});

	it("--from-session with --accept all applies in one go; a same-part question is left out of all; --accept alone needs one pending proposal", async () => {
		fake.reply({ json: SCENARIO_ANSWERS[1] });
		const s2 = await fromSession(SESSION_2.recordPath, "--accept", "all");
		expect(s2.code).toBe(0);
		expect((JSON.parse(s2.out) as Printed).applied).toHaveLength(4);

		fake.reply({ json: answer([mention("Inner Critic", { kind: "manager" }), mention("the Binger", { kind: "firefighter", status_reached: ["met"] })]) });
		const s3 = JSON.parse((await fromSession(SESSION_3.recordPath)).out) as Printed;
		const question = s3.changes.find((c) => c.kind === "same-part")!;
		expect(question).toMatchObject({ conflict: true });
		expect(question.summary).toMatch(/"Inner Critic" may be "the Critic"/);
		fake.reply({ json: SCENARIO_ANSWERS[3] });
		expect((await fromSession(SCENARIO_SESSIONS[3]!.recordPath)).code).toBe(0);
		const ambiguous = await parts("--accept", "all");
		expect(ambiguous.code).toBe(2);
		expect(ambiguous.stderr).toMatch(/2 pending parts-map proposals \(from C-0417\/notes\/2026-06-23\.md, C-0417\/notes\/2026-06-30\.md\)/);

		const unknown = await fromSession(SESSION_3.recordPath, "--accept", "abcdef");
		expect(unknown.code).toBe(1);
		expect(unknown.stderr).toMatch(/No proposed change has the id abcdef/);
		const all = JSON.parse((await fromSession(SESSION_3.recordPath, "--accept", "all")).out) as Printed;
		expect(all.applied).not.toContain(question.id);
		expect(all.applied).toContain(s3.changes.find((c) => c.kind === "new-part" && c.summary.startsWith('New part "the Binger"'))!.id);
		// The session-4 proposal was made before this write: refused, kept, and made again on request.
		const stale = await parts("--accept", "all");
		expect(stale.stderr).toMatch(/parts map changed after this proposal was made/);
	});

	it("prints what the checks left out of the model's answer and where the client's name was replaced", async () => {
		fake.reply({
			json: answer([
				mention("the Planner", {
					kind: "manager",
					role: "schedules every hour for Synthetic",
					fears: ["The Planner wants to disappear forever; no concern", "being late"],
				}),
			]),
		});
		const proposed = await fromSession(SCENARIO_SESSIONS[3]!.recordPath);
		expect(proposed.code).toBe(0);
		const printed = JSON.parse(proposed.out) as Printed;
		expect(printed.dropped).toEqual([{ item: 'part 1 "the Planner" fear 1', reason: "touches the risk domain" }]);
		expect(printed.redacted).toEqual([{ item: 'part 1 "the Planner" role', reason: 'client\'s name replaced by "the client"' }]);
		expect(proposed.stderr).toMatch(/1 string\(s\) of the model's answer were left out \(see "dropped"\)/);
		expect(proposed.stderr).toMatch(/The client's name was replaced by "the client" in 1 string\(s\)/);
		expect(proposed.out).not.toMatch(/disappear|Synthetic/);
		expect(printed.changes.map((c) => c.summary).join("\n")).toContain("schedules every hour for the client");
	});

	it("bad input: a missing note, a model that is down, bad usage, hand-broken yaml (file kept, line and column named)", async () => {
		const missing = await fromSession("C-0417/notes/2027-01-01.md");
		expect(missing.code).toBe(1);
		expect(missing.stderr).toMatch(/There is no session note C-0417\/notes\/2027-01-01\.md/);
		const down = await parts("--from-session", SESSION_1.recordPath, "--ollama", "http://127.0.0.1:9");
		expect(down.stderr).toMatch(/Ollama is not running at http:\/\/127\.0\.0\.1:9/);
		expect((await parts("--json", "--accept", "all")).code).toBe(2);
		expect((await parts("--accept", "maybe")).code).toBe(2);
		expect((await parts("--from-session", "C-0999/notes/2026-06-09.md")).stderr).toMatch(/does not belong to client C-0417/);

		const page = (await parts()).out;
		const broken = page.replace("    kind: manager\n", "    kind: manager\n  bad: [unclosed\n");
		const file = await writeTemp(v.dir, "broken.md", broken);
		expect((await cli(["put", v.vault, "C-0417/parts-map.md", "--from", file, "--replace"])).code).toBe(0);
		const before = await hashTree(v.vault);
		const chats = fake.chats.length;
		const refused = await fromSession(SCENARIO_SESSIONS[3]!.recordPath);
		expect(refused.code).toBe(1);
		expect(refused.stderr).toMatch(/data block of C-0417\/parts-map\.md is not valid YAML at line \d+, column \d+/);
		expect(fake.chats.length).toBe(chats);
		const after = await hashTree(v.vault);
		for (const [path, hash] of before) if (!path.endsWith(".cvlog")) expect(after.get(path)).toBe(hash);
		expect((await parts()).out).toBe(broken);
	});
});
