/** `clinical-vault plan` through the CLI, on a real vault, against a loopback Ollama-API server. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOllama, type FakeOllama } from "../support/fake-ollama";
import { INTAKE, SCENARIO_CLIENT, SCENARIO_NOTES, SESSION_1, SESSION_2, SESSION_3, SESSION_4 } from "../support/scenario";
import { cli, hashTree, makeVault, removeDir, writeTemp, type TestVault } from "../cli/support";
import { DRAFT_ANSWER, PROGRESS } from "./answers";

const C = SCENARIO_CLIENT;
let v: TestVault;
let fake: FakeOllama;

interface ProposalOut {
	kind: string;
	source: string;
	reused?: boolean;
	applied?: string[];
	written?: string | null;
	changes: { id: string; kind: string; summary: string; evidence: string | null; conflict: boolean }[];
	dropped: { item: string; reason: string }[];
}

const plan = (...args: string[]) => cli(["plan", v.vault, "--client", C, ...args]);
const withoutAudit = (tree: Map<string, string>) => [...tree].filter(([p]) => !p.endsWith(".cvlog"));

beforeAll(async () => {
	fake = await startFakeOllama();
	v = await makeVault([C]);
	for (const [i, n] of SCENARIO_NOTES.entries()) {
		const file = await writeTemp(v.dir, `note-${i}.md`, n.text);
		expect((await cli(["put", v.vault, n.recordPath, "--from", file])).code).toBe(0);
	}
});

afterAll(async () => {
	await fake.close();
	await removeDir(v.dir);
});

describe("clinical-vault plan", () => {
	it("drafts from the intake, prints the proposal as JSON, applies the single pending proposal with --accept alone, prints the plan", async () => {
		const none = await plan();
		expect(none.code).toBe(1);
		expect(none.stderr).toMatch(/has no treatment plan yet\. Draft one from the intake note with --draft-from/);

		fake.reply({ json: DRAFT_ANSWER });
		const proposed = await plan("--draft-from", INTAKE.recordPath, "--ollama", fake.url);
		expect(proposed.stderr).toMatch(/Nothing was written to the plan/);
		expect(proposed.code).toBe(0);
		const out = JSON.parse(proposed.out) as ProposalOut;
		expect(out).toMatchObject({ kind: "plan-draft", source: INTAKE.recordPath, reused: false, dropped: [], redacted: [] });
		expect(out.changes).toHaveLength(12);
		expect(out.changes[0]).toMatchObject({ kind: "diagnosis", conflict: false });
		expect(out.changes.every((c) => /^[0-9a-f]{6}$/.test(c.id))).toBe(true);
		expect((await plan()).code).toBe(1);

		const chats = fake.chats.length;
		const accepted = await plan("--accept", "all");
		expect(accepted.code).toBe(0);
		expect((JSON.parse(accepted.out) as ProposalOut).applied).toEqual(out.changes.map((c) => c.id));
		expect(fake.chats.length).toBe(chats);

		const shown = await plan();
		expect(shown.code).toBe(0);
		expect(shown.out).toMatch(/^---\nclient: C-0417\ntype: treatment-plan\n/);
		expect(shown.out).toContain("### G1: Wake up without panic most days.");
		expect(shown.out).toContain("F41.0 Panic disorder, entered by the clinician after the structured interview.");
		expect(shown.stderr).toMatch(/Next plan review: \d{4}-\d\d-\d\d\./);
	});

	it("progress from sessions: the same proposal (ids) is reused for --accept; several pending need a source; --json shows the data and review", async () => {
		fake.reply({ json: PROGRESS[0]!.answer });
		const first = JSON.parse((await plan("--from-session", SESSION_1.recordPath, "--ollama", fake.url)).out) as ProposalOut;
		expect(first.changes.map((c) => c.kind)).toEqual(["progress", "status", "progress", "status"]);
		expect(first.changes[0]!.evidence).toBe("Morning panic occurred five of seven days this week.");
		const chats = fake.chats.length;
		const ids = first.changes.filter((c) => c.kind === "progress").map((c) => c.id);
		const applied = await plan("--from-session", SESSION_1.recordPath, "--accept", ids.join(","), "--ollama", fake.url);
		expect(applied.code).toBe(0);
		expect(applied.stderr).toMatch(/Using the saved proposal/);
		expect(JSON.parse(applied.out)).toMatchObject({ reused: true, applied: ids, written: `${C}/treatment-plan.md` });
		expect(fake.chats.length).toBe(chats);

		fake.reply({ json: PROGRESS[1]!.answer }, { json: PROGRESS[2]!.answer });
		expect((await plan("--from-session", SESSION_2.recordPath, "--ollama", fake.url)).code).toBe(0);
		const third = JSON.parse((await plan("--from-session", SESSION_3.recordPath, "--ollama", fake.url)).out) as ProposalOut;
		expect(third.dropped).toEqual([
			{ item: "O1.1", reason: "evidence not found in the session note" },
			{ item: "O9.9", reason: "unknown objective" },
		]);
		const several = await plan("--accept", "all");
		expect(several.code).toBe(2);
		expect(several.stderr).toContain(
			`2 pending treatment-plan proposals (plan-progress from ${SESSION_2.recordPath}; plan-progress from ${SESSION_3.recordPath})`,
		);
		expect((await plan("--from-session", SESSION_2.recordPath, "--accept", "all", "--ollama", fake.url)).code).toBe(0);
		expect((await plan("--from-session", SESSION_3.recordPath, "--accept", "none", "--ollama", fake.url)).code).toBe(0);

		const json = await plan("--json");
		expect(json.code).toBe(0);
		const data = JSON.parse(json.out) as {
			type: string;
			review: { state: string; daysLeft: number };
			pending: unknown[];
			data: { goals: { objectives: { id: string; status: string; progress: { date: string }[] }[] }[] };
		};
		expect(data.type).toBe("treatment-plan");
		expect(data.review).toMatchObject({ state: "ok", daysLeft: 90 });
		expect(data.pending).toEqual([]);
		expect(data.data.goals.map((g) => g.objectives.map((o) => [o.id, o.status, o.progress.map((p) => p.date)]))).toEqual([
			[["O1.1", "not-started", ["2026-06-09"]]],
			[["O2.1", "not-started", []]],
			// The status move left out at session 1 was offered again with session 2's evidence, and accepted.
			[["O3.1", "in-progress", ["2026-06-09", "2026-06-16"]]],
		]);
	});

	it("bad model output, a missing session note, bad usage: clear errors, exit codes, nothing written", async () => {
		const before = withoutAudit(await hashTree(v.vault));
		fake.reply({ json: { progress: [{ objective_id: "O1.1", note: "Better." }] } });
		const bad = await plan("--from-session", SESSION_4.recordPath, "--ollama", fake.url);
		expect(bad.code).toBe(1);
		expect(bad.stderr).toMatch(
			/The model's answer for the treatment-plan progress did not follow the expected structure \(progress\.0\.evidence: .*\)\. Nothing was changed/,
		);
		fake.reply({ text: '{"progress": [{"objective_id": "O1.1", ' });
		expect((await plan("--from-session", SESSION_4.recordPath, "--ollama", fake.url)).stderr).toMatch(/was not valid JSON \(cut off or malformed\)/);
		const down = await plan("--from-session", SESSION_4.recordPath, "--ollama", "http://127.0.0.1:9");
		expect(down.stderr).toMatch(/Ollama is not running at http:\/\/127\.0\.0\.1:9/);
		const missing = await plan("--from-session", `${C}/notes/2026-07-07.md`, "--ollama", fake.url);
		expect(missing.code).toBe(1);
		expect(missing.stderr).toMatch(/There is no session note C-0417\/notes\/2026-07-07\.md in the record/);
		expect(withoutAudit(await hashTree(v.vault))).toEqual(before);

		expect((await plan("--draft-from", INTAKE.recordPath, "--from-session", SESSION_1.recordPath)).code).toBe(2);
		const ids = await plan("--accept", "O1.1");
		expect(ids.code).toBe(2);
		expect(ids.stderr).toMatch(/is not a list of change ids/);
		expect((await plan("--from-session", "C-0999/notes/2026-06-09.md")).stderr).toMatch(/does not belong to client C-0417/);
		expect((await plan("--accept", "all")).stderr).toMatch(/no pending treatment-plan proposal/);
	});
});
