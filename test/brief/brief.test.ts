/**
 * The pre-session brief on the synthetic four-session scenario (test/support/scenario.ts), on a real
 * encrypted record: the deterministic sections (last sessions, homework and its follow-up, risk notes
 * as the clinician wrote them, recurring themes with dates, the client's words with links), the
 * psychotherapy-note exclusion, and the model summary checked in code (a date that is not a session
 * is marked, a risk judgement is removed) against a loopback server speaking Ollama's API.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { ManualClock } from "../../src/core/clock";
import { buildBrief, renderBrief } from "../../src/core/brief/brief";
import { findReviewMarkers } from "../../src/core/drafting/safeguards";
import { OllamaClient } from "../../src/engines/ollama";
import { startFakeOllama, type FakeOllama } from "../support/fake-ollama";
import { SCENARIO_CLIENT, SCENARIO_NAME, SCENARIO_NOTES } from "../support/scenario";

let dir: string;
let record: ClinicalRecord;

beforeEach(async () => {
	dir = await mkdtemp(join(tmpdir(), "cv-brief-"));
	record = new ClinicalRecord({ store: new NodeFsStore(dir), clock: new ManualClock("2026-07-06T09:00:00Z") });
	await record.init("correct horse battery", { kdf: floorKdfParams() });
	await record.addClient({ code: SCENARIO_CLIENT, name: SCENARIO_NAME, modality: "ifs" });
	for (const n of SCENARIO_NOTES) await record.writeText(n.recordPath, n.text);
});
afterEach(async () => {
	await rm(dir, { recursive: true, force: true });
});

describe("pre-session brief: deterministic sections", () => {
	it("summarises the last sessions, follows homework up, keeps the clinician's risk notes and the client's words", async () => {
		const brief = await buildBrief(record, { client: SCENARIO_CLIENT, today: "2026-07-07" });
		expect(brief.sessionsRead).toBe(5);
		expect(brief.lastSessions.map((s) => s.date)).toEqual(["2026-06-30", "2026-06-23", "2026-06-16"]);
		expect(brief.lastSessions[0]!.lines[0]).toMatch(/^Client paused with the Binger on three evenings\./);
		expect(brief.lastSessions[0]!.lines.some((l) => l.startsWith("Plan: Homework: notice the Planner and the Critic"))).toBe(true);

		// Homework: newest first; the last assignment is open, the earlier ones are followed up with the next note's sentence.
		expect(brief.homework.map((h) => [h.date, h.followUp.status, h.followUp.date])).toEqual([
			["2026-06-30", "open", undefined],
			["2026-06-23", "partly", "2026-06-30"],
			["2026-06-16", "completed", "2026-06-23"],
		]);
		expect(brief.homework[0]!.text).toMatch(/^notice the Planner and the Critic arguing/);
		expect(brief.homework[1]!.followUp.evidence).toBe("Client paused with the Binger on three evenings.");
		expect(brief.homework[2]!.followUp.evidence).toMatch(/Homework followed up: completed|check-ins with Little One were done on five days/);

		// Risk notes: only what the clinician wrote, newest first; the intake's is there too.
		expect(brief.risk[0]).toMatchObject({ date: "2026-06-30" });
		expect(brief.risk[0]!.text).toMatch(/passing thought of "wanting to disappear".*no intent or plan/);
		expect(brief.risk.map((r) => r.date)).toContain("2026-06-02");

		// Themes recur across sessions, with their dates (father: intake, session 2 and session 4).
		const father = brief.themes.find((t) => t.term === "father");
		expect(father?.dates).toEqual(["2026-06-02", "2026-06-16", "2026-06-30"]);
		expect(brief.themes.find((t) => t.term.startsWith("panic"))?.dates.length).toBeGreaterThanOrEqual(2);

		// The client's exact words, once, newest note first, with the note they are in.
		const drowning = brief.quotes.filter((q) => q.text.startsWith("I feel like I'm drowning"));
		expect(drowning).toHaveLength(1);
		expect(drowning[0]).toMatchObject({ date: "2026-06-23", recordPath: `${SCENARIO_CLIENT}/notes/2026-06-23.md` });

		const md = renderBrief(brief, (p) => record.layout.storePath(p));
		expect(md).toContain(`[[Clinical/${SCENARIO_CLIENT}/notes/2026-06-30.md.cvault|2026-06-30]]`);
		expect(md).toContain("open: not yet followed up");
		expect(md).not.toContain(SCENARIO_NAME);
	});

	it("uses the parts map and treatment plan through its sources", async () => {
		const brief = await buildBrief(record, {
			client: SCENARIO_CLIENT,
			today: "2026-07-07",
			sources: {
				parts: async () => [{ name: "Little One", kind: "exile", status: "unburdened", lastSeen: "2026-06-30" }],
				plan: async (_client, today) => ({
					nextReview: "2026-08-31",
					reviewState: "ok",
					objectives: [{ id: "O1.1", text: "Panic on at most 2 of 7 mornings", targetDate: today, state: "due-soon" }],
				}),
			},
		});
		const md = renderBrief(brief, (p) => p);
		expect(md).toContain("- Little One (exile): unburdened, last seen 2026-06-30");
		expect(md).toContain("- O1.1 Panic on at most 2 of 7 mornings: due 2026-07-07");
		// Part names are not "themes": they have their own section.
		expect(brief.themes.some((t) => /little|binger|critic|planner/i.test(t.term))).toBe(false);
	});

	it("leaves psychotherapy notes out unless they are included for this brief", async () => {
		await record.writeText(
			`${SCENARIO_CLIENT}/notes/2026-07-01.md`,
			"---\nnote_type: psychotherapy\nsession_date: 2026-07-01\n---\n## Data\nProcess note: my countertransference about the father theme.\n",
		);
		const without = await buildBrief(record, { client: SCENARIO_CLIENT, today: "2026-07-07" });
		expect(without.lastSessions[0]!.date).toBe("2026-06-30");
		expect(JSON.stringify(without)).not.toContain("countertransference");
		const withThem = await buildBrief(record, { client: SCENARIO_CLIENT, today: "2026-07-07", includePsychotherapy: true });
		expect(withThem.lastSessions[0]!.date).toBe("2026-07-01");
		// Kept apart in their own folder, they are left out the same way (the folder alone says what they are).
		await record.writeText(`${SCENARIO_CLIENT}/psychotherapy/2026-07-02.md`, "## Data\nMy own hypotheses about the family system, for supervision only.\n");
		expect(JSON.stringify(await buildBrief(record, { client: SCENARIO_CLIENT, today: "2026-07-07" }))).not.toContain("hypotheses");
		expect((await buildBrief(record, { client: SCENARIO_CLIENT, today: "2026-07-07", includePsychotherapy: true })).lastSessions[0]!.date).toBe(
			"2026-07-02",
		);
	});

	it("refuses a client that does not exist, and says so for a client with no notes", async () => {
		await expect(buildBrief(record, { client: "C-9999", today: "2026-07-07" })).rejects.toMatchObject({ code: "not-found" });
		await record.addClient({ code: "C-0500", name: "Sam Placeholder" });
		const empty = await buildBrief(record, { client: "C-0500", today: "2026-07-07" });
		expect(empty.sessionsRead).toBe(0);
		expect(renderBrief(empty, (p) => p)).toContain("No session notes yet.");
	});
});

describe("pre-session brief: the model's summary is checked in code", () => {
	let fake: FakeOllama;
	beforeEach(async () => {
		fake = await startFakeOllama();
	});
	afterEach(async () => {
		await fake.close();
	});

	it("marks a date that is no session and removes a risk judgement; the model gets the code, never the name", async () => {
		fake.reply({
			json: {
				sentences: [
					{ text: "The client unburdened Little One and met the Planner, a manager polarized with the Critic.", session: "2026-06-30" },
					{ text: "Binge episodes fell from four to two a week.", session: "2026-06-23" },
					{ text: "The client worked on the Critic at length.", session: "2026-06-26" },
					{ text: "The client is low risk.", session: "2026-06-30" },
					{ text: "```mermaid\ngraph LR\nA-->B\n``` ![x](https://example.invalid/p.png)", session: "2026-06-30" },
				],
			},
		});
		const llm = new OllamaClient({ host: fake.url, policy: { allowlist: [] } });
		const brief = await buildBrief(record, { client: SCENARIO_CLIENT, today: "2026-07-07", summarize: { llm, model: "llama3.1:8b" } });
		const summary = brief.summary!;
		expect(summary.text).toContain("The client worked on the Critic at length. ==[review: no session on that date in the notes summarised]==");
		expect(summary.text).toContain("Binge episodes fell from four to two a week. [2026-06-23]");
		expect(summary.text).not.toMatch(/low risk/i);
		expect(summary.flags.some((f) => f.kind === "risk-domain")).toBe(true);
		// A fence or an image the model wrote is text: no fence, no image, no address to fetch.
		expect(summary.text).not.toMatch(/^```|!\[|https:\/\//m);
		expect(findReviewMarkers(summary.text).length).toBeGreaterThan(0);
		const sent = JSON.stringify(fake.chats[0]!.messages);
		expect(sent).toContain(SCENARIO_CLIENT);
		expect(sent).not.toContain(SCENARIO_NAME);
		// The clinician's risk sections are not sent for summarising (they are shown verbatim instead).
		expect(sent).not.toContain("wanting to disappear");
	});

	it("fails clearly when Ollama is down, and the deterministic brief still works", async () => {
		const llm = new OllamaClient({ host: "http://127.0.0.1:9", policy: { allowlist: [] } });
		await expect(buildBrief(record, { client: SCENARIO_CLIENT, today: "2026-07-07", summarize: { llm, model: "llama3.1:8b" } })).rejects.toMatchObject({
			code: "engine",
		});
		expect((await buildBrief(record, { client: SCENARIO_CLIENT, today: "2026-07-07" })).lastSessions).toHaveLength(3);
	});
});
