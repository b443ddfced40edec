/** `clinical-vault doc` through the CLI, on the synthetic scenario record, against a loopback Ollama-API server. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOllama, type FakeOllama } from "../support/fake-ollama";
import { SCENARIO_CLIENT, SCENARIO_NOTES } from "../support/scenario";
import { cli, makeVault, removeDir, writeTemp, type TestVault } from "../cli/support";
import { CLINICIAN_NOTES, FAITHFUL } from "./answers";

let v: TestVault;
let fake: FakeOllama;
const RANGE = ["--from", "2026-06-01", "--to", "2026-06-30"];
const doc = (...args: string[]) => cli(["doc", v.vault, "--client", SCENARIO_CLIENT, "--ollama", fake.url, ...args]);
const documents = async () => (await cli(["ls", v.vault, "--client", SCENARIO_CLIENT])).out.split("\n").filter((l) => l.includes("/documents/"));

beforeAll(async () => {
	fake = await startFakeOllama();
	v = await makeVault([SCENARIO_CLIENT, "C-0500"]);
	for (const n of SCENARIO_NOTES) {
		const file = await writeTemp(v.dir, `${n.date}.md`, n.text);
		expect((await cli(["put", v.vault, n.recordPath, "--from", file])).code).toBe(0);
	}
	const process = await writeTemp(
		v.dir,
		"process.md",
		"---\nnote_type: psychotherapy\nsession_date: 2026-06-20\n---\n## Process and impressions\nI suspect the Planner mirrors my own perfectionism.\n",
	);
	expect((await cli(["put", v.vault, `${SCENARIO_CLIENT}/psychotherapy/2026-06-20.md`, "--from", process])).code).toBe(0);
}, 120_000);

afterAll(async () => {
	await fake.close();
	await removeDir(v.dir);
});

describe("clinical-vault doc", () => {
	it("drafts a progress summary for a range, prints its record path, fills the name in code", async () => {
		fake.reply({ json: FAITHFUL["progress-summary"] });
		const r = await doc("--type", "progress-summary", ...RANGE);
		expect(r.stderr).toContain("Progress summary from 5 note(s), 2026-06-01 to 2026-06-30: 2026-06-02, 2026-06-09, 2026-06-16, 2026-06-23, 2026-06-30.");
		expect(r.code).toBe(0);
		expect(r.out).toMatch(/^C-0417\/documents\/\d{4}-\d{2}-\d{2}-progress-summary\.md\n$/);
		const sent = JSON.stringify(fake.chats.at(-1)!.messages);
		expect(sent).toContain(SCENARIO_CLIENT);
		expect(sent).not.toContain(`Synthetic ${SCENARIO_CLIENT}`);
		// The psychotherapy note is in the range but not given to the model.
		expect(sent).not.toContain("perfectionism");
		const cat = await cli(["cat", v.vault, r.out.trim()]);
		expect(cat.out).toMatch(/status: draft/);
		expect(cat.out).toContain(`Client: Synthetic ${SCENARIO_CLIENT} (${SCENARIO_CLIENT})`);
		expect(cat.out).toContain("Morning panic occurred five of seven days [2026-06-09]");
	});

	it("includes psychotherapy notes only when asked, and says so", async () => {
		fake.reply({ json: FAITHFUL["supervision-prep"] });
		const notes = await writeTemp(v.dir, "questions.md", CLINICIAN_NOTES["supervision-prep"]!);
		const r = await doc("--type", "supervision-prep", ...RANGE, "--notes", notes, "--include-psychotherapy");
		expect(r.code).toBe(0);
		expect(r.stderr).toContain(`Psychotherapy notes included at your request: ${SCENARIO_CLIENT}/psychotherapy/2026-06-20.md`);
		const sent = JSON.stringify(fake.chats.at(-1)!.messages);
		expect(sent).toContain("perfectionism");
		expect(sent).toContain("how to work with the polarization");
		expect((await cli(["cat", v.vault, r.out.trim()])).out).toMatch(/included_psychotherapy_notes:\n {2}- C-0417\/psychotherapy\/2026-06-20\.md/);
	});

	it("drafts a handout from the topic and stdin, sending nothing of the record", async () => {
		fake.reply({ json: FAITHFUL["client-handout"] });
		const r = await cli(
			["doc", v.vault, "--client", SCENARIO_CLIENT, "--ollama", fake.url, "--type", "client-handout", "--topic", "Grounding", "--notes", "-"],
			{ input: CLINICIAN_NOTES["client-handout"]! },
		);
		expect(r.code).toBe(0);
		expect(r.out).toMatch(/^C-0417\/documents\/\d{4}-\d{2}-\d{2}-client-handout\.md\n$/);
		const sent = JSON.stringify(fake.chats.at(-1)!.messages);
		expect(sent).toContain("five senses exercise");
		for (const word of [SCENARIO_CLIENT, "2026-06", "Critic", "panic"]) expect(sent).not.toContain(word);
	});

	it("bad input: clear errors, right exit codes, nothing saved", async () => {
		const before = await documents();
		const chats = fake.chats.length;
		const reversed = await doc("--type", "referral", "--from", "2026-06-30", "--to", "2026-06-01");
		expect(reversed.code).toBe(2);
		expect(reversed.stderr).toMatch(/date range 2026-06-30 to 2026-06-01 is empty/);
		const empty = await doc("--type", "referral", "--from", "2026-01-01", "--to", "2026-01-31");
		expect(empty.code).toBe(1);
		expect(empty.stderr).toMatch(/no session notes for C-0417 from 2026-01-01 to 2026-01-31\. Its notes are dated 2026-06-02, 2026-06-09/);
		const none = await cli(["doc", v.vault, "--client", "C-0500", "--type", "progress-summary", "--ollama", fake.url]);
		expect(none.code).toBe(1);
		expect(none.stderr).toMatch(/C-0500 has no session notes yet/);
		const down = await cli(["doc", v.vault, "--client", SCENARIO_CLIENT, "--type", "referral", ...RANGE, "--ollama", "http://127.0.0.1:9"]);
		expect(down.code).toBe(1);
		expect(down.stderr).toMatch(/Ollama is not running at http:\/\/127\.0\.0\.1:9/);
		const pull = await doc("--type", "referral", ...RANGE, "--model", "qwen2.5:14b");
		expect(pull.code).toBe(1);
		expect(pull.stderr).toMatch(/ollama pull qwen2\.5:14b/);
		const badType = await doc("--type", "essay");
		expect(badType.code).toBe(2);
		expect(badType.stderr).toMatch(
			/"essay" is not a document type; use one of progress-summary, medical-necessity, referral, coordination-of-care, supervision-prep, client-handout/,
		);
		expect((await doc()).code).toBe(2);
		const noTopic = await doc("--type", "client-handout");
		expect(noTopic.code).toBe(2);
		expect(noTopic.stderr).toMatch(/needs --topic/);
		expect((await doc("--type", "referral", "--topic", "grounding")).code).toBe(2);
		expect(await documents()).toEqual(before);
		expect(fake.chats.length).toBe(chats);
	});

	it("lists the types in its help", async () => {
		const help = await cli(["doc", "--help"]);
		expect(help.code).toBe(0);
		for (const type of ["progress-summary", "medical-necessity", "referral", "coordination-of-care", "supervision-prep", "client-handout"])
			expect(help.out).toContain(type);
	});
});
