/**
 * Every feature that asks a model, run against a loopback server speaking the OpenAI-compatible API
 * (test/support/fake-openai.ts, llama-server unless said otherwise: the context comes from GET /props)
 * the way the feature tests run them against fake-ollama, with their scripted answers: drafting,
 * documents, the parts map, the treatment plan, the brief's summary and the search embeddings,
 * through the real core services and the real OpenAiCompatibleClient (built by createLlmClient, as
 * the plugin and the CLI build it), on real encrypted records in temporary folders. Then the CLI, run
 * in process on a temporary vault with `--llm openai=URL` (draft, parts, plan, doc, brief, search),
 * and what only this engine has: a server that refuses JSON schemas (JSON mode instead), a server
 * that does not say its context (refused before anything is sent, unless `--context` says it), and
 * embeddings from a separate server (settings or `--embed-llm`) beside a chat server without them.
 * In every run, no request body the servers got holds the client's name or date of birth.
 * All data is synthetic.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBrief } from "../../src/core/brief/brief";
import { DocumentService } from "../../src/core/documents/DocumentService";
import { DOCUMENT_TYPES } from "../../src/core/documents/types";
import { DraftingService } from "../../src/core/drafting/DraftingService";
import { findReviewMarkers, RISK_PLACEHOLDER } from "../../src/core/drafting/safeguards";
import type { LlmClient } from "../../src/core/llm/LlmClient";
import { splitFrontmatter } from "../../src/core/markdown/frontmatter";
import { PartsMapService } from "../../src/core/parts/PartsMapService";
import { parsePlanPage, planPath } from "../../src/core/plan/page";
import { TreatmentPlanService } from "../../src/core/plan/TreatmentPlanService";
import { SearchService } from "../../src/core/search/SearchService";
import { cliInProcess } from "../cli/support";
import { createLlmClient } from "../../src/engines/llm";
import { startFakeOpenAi, type FakeOpenAi, type FakeOpenAiOptions } from "../support/fake-openai";
import { INTAKE, SCENARIO_CLIENT, SCENARIO_NAME, SCENARIO_NOTES, SESSION_1, SESSION_2 } from "../support/scenario";
import { TRANSCRIPT_A } from "../drafting/sessions";
import { CLINICIAN_NOTES, FAITHFUL as FAITHFUL_DOCUMENTS } from "../documents/answers";
import { SCENARIO_ANSWERS, scenarioRecord, type TestRecord } from "../parts/helpers";
import { DRAFT_ANSWER, PROGRESS } from "../plan/answers";

const CHAT_MODEL = "llama-3.1-8b-instruct";
const EMBED_MODEL = "nomic-embed-text";
const DOB = "1988-03-14";
/** The CBT client of the drafting tests (test/drafting/sessions.ts), beside the scenario's IFS client. */
const CBT_CLIENT = "C-0142";
const CBT_NAME = "Robin Syntheticname";
const TRANSCRIPT_PATH = `${CBT_CLIENT}/transcripts/2025-03-04.md`;
/** What must never reach a model server. */
const IDENTIFIERS = [SCENARIO_NAME, CBT_NAME, "Syntheticname", DOB];

const SOAP = {
	subjective:
		"Client reported a rough week with a nonstop workload and little sleep, waking around 3 a.m. with racing thoughts about a project deadline. Client completed the thought record twice.",
	objective: "[unclear in transcript]",
	assessment: "Client was able to use the thought record to reduce the intensity of a self-critical thought.",
	plan: "Wind-down routine in the evening with no laptop after 9 p.m.; one more thought record when worry about work spikes.",
};
const SOAP_KEYS = ["subjective", "objective", "assessment", "plan"];

/** The fake's stand-in for a semantic model (as in test/search/search.test.ts): "dad" means "father"; function words and nomic's task prefixes carry no topic. */
const FUNCTION_WORDS = "search document query with the a an of and to from was who when in on for is it his her their".split(" ");
const SEMANTIC: Record<string, string> = { dad: "father", papa: "father", ...Object.fromEntries(FUNCTION_WORDS.map((w) => [w, ""])) };

const openai = (url: string): LlmClient => createLlmClient({ kind: "openai", url, policy: { allowlist: [] } });

/** No request the server got (path or body) holds one of the client's identifiers. */
function expectNoIdentifiers(fake: FakeOpenAi): void {
	expect(fake.requests.length).toBeGreaterThan(0);
	for (const r of fake.requests) {
		const sent = `${r.path} ${typeof r.body === "string" ? r.body : JSON.stringify(r.body ?? "")}`;
		for (const identifier of IDENTIFIERS) expect(sent).not.toContain(identifier);
	}
}

/** The i-th chat asked for a JSON schema answer (response_format json_schema) with these required keys. */
function expectSchemaSent(fake: FakeOpenAi, i: number, required: string[]): void {
	expect(fake.responseFormats[i]).toMatchObject({ type: "json_schema", json_schema: { schema: { type: "object", required } } });
	expect(fake.chats[i]!.format).toMatchObject({ type: "object", required });
}

const paths = (fake: FakeOpenAi) => fake.requests.map((r) => `${r.method} ${r.path}`);
const chatRequests = (fake: FakeOpenAi) => fake.requests.filter((r) => r.path === "/v1/chat/completions").length;
const embedBatches = (fake: FakeOpenAi) => fake.requests.filter((r) => r.path === "/v1/embeddings").map((r) => (r.body as { input: string[] }).input);

/** The scenario record with identifiers a model must not get: the profile's date of birth and the name written in the notes. */
async function recordWithIdentifiers(): Promise<TestRecord> {
	const t = await scenarioRecord();
	await t.record.writeText(
		t.record.layout.profilePath(SCENARIO_CLIENT),
		`---\ncode: ${SCENARIO_CLIENT}\nname: ${SCENARIO_NAME}\nmodality: ifs\ncreated: 2026-06-01T09:00:00.000Z\ndetails:\n  date of birth: "${DOB}"\n---\n# Client profile\n`,
	);
	for (const n of SCENARIO_NOTES) await t.record.writeText(n.recordPath, `${n.text}\n${SCENARIO_NAME} came on time; born ${DOB}.\n`);
	await t.record.addClient({ code: CBT_CLIENT, name: CBT_NAME, modality: "cbt" });
	await t.record.writeText(TRANSCRIPT_PATH, TRANSCRIPT_A);
	return t;
}

describe("the core services against an OpenAI-compatible server (llama-server)", () => {
	let t: TestRecord;
	let fake: FakeOpenAi;

	beforeEach(async () => {
		fake = await startFakeOpenAi({ embeddingDimensions: 768, concepts: SEMANTIC });
		t = await recordWithIdentifiers();
	});
	afterEach(async () => {
		await fake.close();
		await t.cleanup();
	});

	const drafting = (llm: LlmClient = openai(fake.url)) =>
		new DraftingService({ record: t.record, llm, templates: { load: () => Promise.resolve(null) }, clock: t.clock });
	const note = async (path: string) => splitFrontmatter(await t.record.readText(path, "internal"));

	it("drafting: a SOAP note from a transcript, saved with its sections, the schema sent as json_schema, the context read from /props", async () => {
		fake.reply({ json: SOAP });
		const result = await drafting().draft({
			client: CBT_CLIENT,
			sessionDate: "2025-03-04",
			format: "soap",
			model: CHAT_MODEL,
			source: { kind: "transcript", path: TRANSCRIPT_PATH },
		});
		expect(result.notePath).toBe(`${CBT_CLIENT}/notes/2025-03-04.md`);
		const { data, body } = await note(result.notePath);
		expect(data).toMatchObject({
			kind: "note",
			client: CBT_CLIENT,
			format: "soap",
			status: "draft",
			model: CHAT_MODEL,
			source_transcript: TRANSCRIPT_PATH,
		});
		expect(body).toContain(`## Subjective\n${SOAP.subjective}`);
		expect(body).toContain(`## Plan\n${SOAP.plan}`);
		expect(body).toContain(RISK_PLACEHOLDER);
		expect(findReviewMarkers(body)).toEqual([]);

		expectSchemaSent(fake, 0, SOAP_KEYS);
		const chat = fake.chats[0]!;
		expect(chat.stream).toBe(true);
		expect(chat.messages.map((m) => m.content).join("\n")).toContain(CBT_CLIENT);
		// The server's context (its /props), and the prompt size it reported back (usage).
		expect(paths(fake)).toContain("GET /props");
		expect(result.context).toBe(fake.nCtx);
		expect(result.promptTokensReported).toBe(chat.promptTokens);
		expect(result.promptTokensEstimated).toBeGreaterThanOrEqual(chat.promptTokens);
		expectNoIdentifiers(fake);
	});

	it("drafting: a careless answer from a summary that names the client gets its review markers; the name never reaches the server", async () => {
		fake.reply({
			json: {
				...SOAP,
				subjective: `${SOAP.subjective} Client's sister has been calling her every day.`,
				assessment: "Client is at low risk of self-harm. Presentation is consistent with F41.1 generalized anxiety disorder.",
			},
		});
		const summary = `${CBT_NAME} reported a rough week with a nonstop workload and little sleep. Robin completed the thought record twice. Plan: wind-down routine, no laptop after 9 p.m.`;
		const result = await drafting().draft({
			client: CBT_CLIENT,
			sessionDate: "2025-03-11",
			format: "soap",
			model: CHAT_MODEL,
			source: { kind: "summary", text: summary },
		});
		const { data, body } = await note(result.notePath);
		expect(body).not.toContain("low risk of self-harm");
		expect(body).not.toContain("F41.1");
		expect(result.flags.map((f) => f.kind)).toEqual(expect.arrayContaining(["risk-domain", "diagnosis", "unsupported"]));
		expect(result.flags.some((f) => f.kind === "unsupported" && /sister/.test(f.excerpt))).toBe(true);
		expect(findReviewMarkers(body).length).toBeGreaterThanOrEqual(2);
		expect(data.review_flags).toBe(result.flags.length);
		const sent = JSON.stringify(fake.chats[0]!.messages);
		expect(sent).toContain("The client reported a rough week");
		expect(sent).not.toMatch(/Robin/);
		expectNoIdentifiers(fake);
	});

	it("drafting on a server without JSON-schema support: refused once, then JSON mode with the schema in the system message; the client remembers", async () => {
		await fake.close();
		fake = await startFakeOpenAi({ jsonSchema: "reject" });
		const llm = openai(fake.url);
		fake.reply({ json: SOAP }, { json: SOAP });
		const first = await drafting(llm).draft({
			client: CBT_CLIENT,
			sessionDate: "2025-03-04",
			format: "soap",
			model: CHAT_MODEL,
			source: { kind: "transcript", path: TRANSCRIPT_PATH },
		});
		expect((await note(first.notePath)).body).toContain(`## Subjective\n${SOAP.subjective}`);
		// The refused json_schema request used no reply; the JSON-mode one did.
		expect(fake.responseFormats.map((f) => (f as { type: string }).type)).toEqual(["json_schema", "json_object"]);
		expect(fake.chats[1]!.format).toMatchObject({ type: "object", required: SOAP_KEYS });
		const system = fake.chats[1]!.messages[0]!;
		expect(system.role).toBe("system");
		expect(system.content).toMatch(/Answer with one JSON object, and nothing else, that follows this JSON schema:\n\{.*"subjective"/);
		expect(fake.chats[1]!.messages.filter((m) => m.role === "system")).toHaveLength(1);
		expect(fake.pending).toBe(1);

		const second = await drafting(llm).draft({
			client: CBT_CLIENT,
			sessionDate: "2025-03-11",
			format: "soap",
			model: CHAT_MODEL,
			source: { kind: "summary", text: "Client completed the thought record twice." },
		});
		expect((await note(second.notePath)).data).toMatchObject({ status: "draft", format: "soap" });
		expect(fake.responseFormats.map((f) => (f as { type: string }).type)).toEqual(["json_schema", "json_object", "json_object"]);
		expect(fake.pending).toBe(0);
		expectNoIdentifiers(fake);
	});

	it("drafting a transcript longer than the server's context: condensed in passes that each fit it (the server refuses none)", async () => {
		await fake.close();
		fake = await startFakeOpenAi({ nCtx: 4096 });
		const lines: string[] = [];
		for (let i = 0; i < 700; i++)
			lines.push(
				`[${String(Math.floor(i / 6)).padStart(2, "0")}:${String((i * 10) % 60).padStart(2, "0")}] **Client:** This week the worried part talked about work deadline number ${i} and my sleep again.`,
			);
		await t.record.writeText(`${CBT_CLIENT}/transcripts/2025-03-18.md`, `---\nkind: transcript\n---\n${lines.join("\n\n")}\n`);
		fake.defaultReply = (chat) =>
			chat.format ? { json: SOAP } : `- Client discussed work deadlines and sleep ("the worried part talked about work deadline").`;
		const result = await drafting().draft({
			client: CBT_CLIENT,
			sessionDate: "2025-03-18",
			format: "soap",
			model: CHAT_MODEL,
			source: { kind: "transcript", path: `${CBT_CLIENT}/transcripts/2025-03-18.md` },
		});
		expect(result.condensed).toBe(true);
		expect(result.passes).toBeGreaterThan(1);
		expect(result.context).toBe(4096);
		const chats = fake.chats;
		expect(chats).toHaveLength(result.passes + 1);
		expect(chats.slice(0, -1).every((c) => c.format === undefined && /Part \d+ of \d+/.test(c.messages[1]!.content))).toBe(true);
		expect(fake.responseFormats.slice(0, -1).every((f) => f === undefined)).toBe(true);
		expectSchemaSent(fake, result.passes, SOAP_KEYS);
		// Every request was read whole by the server: none refused, none near its context.
		for (const c of chats) {
			expect(c.promptTokens).toBeGreaterThan(0);
			expect(c.promptTokens).toBeLessThan(fake.nCtx);
		}
		expect((await note(result.notePath)).data).toMatchObject({ condensed: true, condense_passes: result.passes });
	});

	it("documents: a progress summary with its sections, marked only for the missing diagnosis; name and date of birth kept from the server", async () => {
		fake.reply({ json: FAITHFUL_DOCUMENTS["progress-summary"] });
		const service = new DocumentService({ record: t.record, clock: t.clock });
		const result = await service.draft({
			client: SCENARIO_CLIENT,
			type: "progress-summary",
			model: CHAT_MODEL,
			llm: openai(fake.url),
			today: "2026-07-06",
		});
		expect(result.path).toBe(`${SCENARIO_CLIENT}/documents/2026-07-06-progress-summary.md`);
		const spec = DOCUMENT_TYPES["progress-summary"];
		expectSchemaSent(
			fake,
			0,
			spec.sections.map((s) => s.key),
		);
		expect(result.sessions).toEqual(SCENARIO_NOTES.map((n) => n.date));
		const { data, body } = splitFrontmatter(await t.record.readText(result.path, "internal"), result.path);
		expect(data).toMatchObject({ kind: "document", type: "progress-summary", client: SCENARIO_CLIENT, status: "draft", model: CHAT_MODEL });
		for (const section of spec.sections) expect(body).toContain(`## ${section.heading}`);
		expect(body).toContain(FAITHFUL_DOCUMENTS["progress-summary"].progress!);
		expect(result.flags.filter((f) => f.kind !== "risk-mention")).toEqual([]);
		expect(findReviewMarkers(body).map((m) => m.reason)).toEqual(["no diagnosis in the treatment plan: enter your own or remove this line"]);
		const prompt = JSON.stringify(fake.chats[0]!.messages);
		expect(prompt).toContain(SCENARIO_CLIENT);
		expect(prompt).not.toContain("wanting to disappear");
		expectNoIdentifiers(fake);
	});

	it("parts map: two sessions proposed and applied; the schema sent, the map written by code", async () => {
		const service = new PartsMapService({ record: t.record, clock: t.clock });
		const kinds: string[][] = [];
		for (const [i, session] of [SESSION_1, SESSION_2].entries()) {
			fake.reply({ json: SCENARIO_ANSWERS[i] });
			t.clock.advance(86_400_000);
			const set = await service.propose({ client: SCENARIO_CLIENT, session: session.recordPath, model: CHAT_MODEL, llm: openai(fake.url) });
			kinds.push(set.changes.map((c) => c.kind));
			expect((await service.apply(set, "all")).applied).toHaveLength(set.changes.length);
		}
		expect(kinds).toEqual([
			["new-part", "self-energy"],
			["seen", "new-part", "relationship", "self-energy"],
		]);
		expectSchemaSent(fake, 1, ["parts", "self_energy", "self_energy_evidence"]);
		expect(fake.chats[1]!.messages.map((m) => m.content).join("\n")).toContain("Parts already on the client's map: the Critic (manager, unblended).");
		const map = await service.load(SCENARIO_CLIENT);
		expect(map.parts.map((p) => [p.name, p.kind, p.status])).toEqual([
			["the Critic", "manager", "unblended"],
			["Little One", "exile", "met"],
		]);
		expect(await service.text(SCENARIO_CLIENT)).toContain('p_critic["the Critic (manager, unblended)"]');
		expectNoIdentifiers(fake);
	});

	it("treatment plan: drafted from the intake (the diagnosis the clinician's, never the model's), then progress from a session", async () => {
		const service = new TreatmentPlanService({ record: t.record, llm: openai(fake.url), clock: t.clock });
		fake.reply({ json: DRAFT_ANSWER });
		const draft = await service.proposeDraft(SCENARIO_CLIENT, INTAKE.recordPath, { model: CHAT_MODEL });
		expect(draft.set.changes.map((c) => c.kind)).toEqual([
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
		expect(fake.responseFormats[0]).toMatchObject({ type: "json_schema", json_schema: { schema: { type: "object" } } });
		expect(JSON.stringify(fake.chats[0]!.format)).not.toMatch(/diagnos/i);
		expect(JSON.stringify(fake.chats[0]!.messages)).not.toContain("F41.0");
		await service.apply(draft.set, "all");

		fake.reply({ json: PROGRESS[0]!.answer });
		const progress = await service.proposeProgress(SCENARIO_CLIENT, SESSION_1.recordPath, { model: CHAT_MODEL });
		expect(progress.set.changes.map((c) => c.kind)).toEqual(["progress", "status", "progress", "status"]);
		await service.apply(progress.set, "all");
		const page = parsePlanPage(await t.record.readText(planPath(SCENARIO_CLIENT), "internal"), planPath(SCENARIO_CLIENT));
		expect(page.data.goals.map((g) => g.objectives.map((o) => [o.id, o.status, o.progress.map((p) => p.date)]))).toEqual([
			[["O1.1", "in-progress", ["2026-06-09"]]],
			[["O2.1", "not-started", []]],
			[["O3.1", "in-progress", ["2026-06-09"]]],
		]);
		expect(page.body).toContain("F41.0 Panic disorder, entered by the clinician after the structured interview.");
		expect(fake.responseFormats).toHaveLength(2);
		expect(fake.responseFormats.every((f) => (f as { type: string }).type === "json_schema")).toBe(true);
		expectNoIdentifiers(fake);
	});

	it("brief: the model's summary is checked in code (a date that is no session marked, a risk judgement removed)", async () => {
		fake.reply({
			json: {
				sentences: [
					{ text: "The client unburdened Little One and met the Planner, a manager polarized with the Critic.", session: "2026-06-30" },
					{ text: "Binge episodes fell from four to two a week.", session: "2026-06-23" },
					{ text: "The client worked on the Critic at length.", session: "2026-06-26" },
					{ text: "The client is low risk.", session: "2026-06-30" },
				],
			},
		});
		const brief = await buildBrief(t.record, { client: SCENARIO_CLIENT, today: "2026-07-07", summarize: { llm: openai(fake.url), model: CHAT_MODEL } });
		const summary = brief.summary!;
		expect(summary.text).toContain("The client worked on the Critic at length. ==[review: no session on that date in the notes summarised]==");
		expect(summary.text).toContain("Binge episodes fell from four to two a week. [2026-06-23]");
		expect(summary.text).not.toMatch(/low risk/i);
		expect(summary.flags.some((f) => f.kind === "risk-domain")).toBe(true);
		expect(fake.responseFormats[0]).toMatchObject({ type: "json_schema", json_schema: { schema: { type: "object", required: ["sentences"] } } });
		const sent = JSON.stringify(fake.chats[0]!.messages);
		expect(sent).toContain(SCENARIO_CLIENT);
		expect(sent).not.toContain("wanting to disappear");
		expectNoIdentifiers(fake);
	});

	it("search: embeddings from /v1/embeddings (documents and query prefixed for nomic), hybrid ranking, identifiers taken out of every input", async () => {
		const search = new SearchService({ record: t.record });
		try {
			await search.open();
			const embedded = await search.embedPending({ llm: openai(fake.url), model: EMBED_MODEL, batchSize: 4 });
			expect(embedded.pending).toBe(0);
			expect(search.status().embedded).toBe(search.status().passages);
			const batches = embedBatches(fake);
			expect(batches.length).toBeGreaterThan(1);
			expect(batches.every((b) => b.length <= 4 && b.every((text) => text.startsWith("search_document: ")))).toBe(true);
			expect(batches.flat().some((text) => text.includes("The client came on time; born [identifier removed]."))).toBe(true);

			const hybrid = await search.search("relationship with dad", { client: SCENARIO_CLIENT, llm: openai(fake.url), model: EMBED_MODEL });
			expect(hybrid.mode).toBe("hybrid");
			expect(hybrid.hits[0]).toMatchObject({ recordPath: SESSION_2.recordPath, date: "2026-06-16", kind: "note" });
			expect(hybrid.hits[0]!.snippet).toMatch(/father/);
			expect(embedBatches(fake).at(-1)).toEqual(["search_query: relationship with dad"]);
			expect(chatRequests(fake)).toBe(0);
			expectNoIdentifiers(fake);
		} finally {
			search.dispose();
		}
	});
});

// ---------------------------------------------------------------------------------------------
// The CLI, in process (src/cli/run.ts), on one temporary vault.

const PASSPHRASE = "correct horse battery staple";

interface CliRun {
	code: number;
	out: string;
	stderr: string;
}

/** The CLI's state folder (device id, audit anchors) for these runs: set in beforeAll, never the user's. */
let stateDir = "";

/** Runs `clinical-vault ...args` in this process, with only these environment variables (no $OLLAMA_HOST from the machine). */
async function cv(args: string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<CliRun> {
	const { code, out, err } = await cliInProcess(
		args,
		{ CLINICAL_VAULT_PASSPHRASE: PASSPHRASE, CLINICAL_VAULT_STATE_DIR: stateDir, ...options.env },
		options.input,
	);
	return { code, out, stderr: err };
}

describe("the CLI with --llm openai=URL", () => {
	let dir: string;
	let vault: string;
	let fake: FakeOpenAi;
	const started: FakeOpenAi[] = [];
	const server = async (options: FakeOpenAiOptions = {}) => {
		const s = await startFakeOpenAi(options);
		started.push(s);
		return s;
	};
	// The plugin's settings in a configuration folder (the CLI reads any dot folder of the vault).
	const settingsFile = () => join(vault, ".vault-config", "plugins", "clinical-vault", "data.json");

	beforeAll(async () => {
		dir = await mkdtemp(join(tmpdir(), "cv-openai-cli-"));
		vault = join(dir, "vault");
		// The CLI's device state (device id, audit anchors) in this test's folder, not the user's.
		stateDir = join(dir, "state");
		const init = await cv(["init", vault, "--kdf-memory", "19", "--kdf-iterations", "2"]);
		expect(init.code, init.stderr).toBe(0);
		for (const [code, name] of [
			[SCENARIO_CLIENT, SCENARIO_NAME],
			[CBT_CLIENT, CBT_NAME],
		] as const) {
			expect((await cv(["client", "add", vault, "--code", code, "--name", name])).code).toBe(0);
		}
		const notes = SCENARIO_NOTES.map((n) => [n.recordPath, `${n.text}\n${SCENARIO_NAME} came on time.\n`] as const);
		for (const [path, text] of [...notes, [TRANSCRIPT_PATH, TRANSCRIPT_A] as const]) {
			const put = await cv(["put", vault, path], { input: text });
			expect(put.code, put.stderr).toBe(0);
		}
		fake = await server({ embeddingDimensions: 768, concepts: SEMANTIC });
	});
	afterAll(async () => {
		for (const s of started) await s.close();
		vi.unstubAllEnvs();
		await rm(dir, { recursive: true, force: true });
	});

	it("draft: saved with its sections and review markers, the schema sent as json_schema, the name never sent", async () => {
		const before = fake.requests.length;
		fake.reply({ json: { ...SOAP, subjective: `${SOAP.subjective} Client's sister visited on Sunday.` } });
		const r = await cv(["draft", vault, "--client", CBT_CLIENT, "--transcript", TRANSCRIPT_PATH, "--format", "soap", "--llm", `openai=${fake.url}`]);
		expect(r.stderr).toMatch(/1 item\(s\) to review before signing:\n {2}- unsupported: .*sister/);
		expect(r.code).toBe(0);
		expect(r.out).toBe(`${CBT_CLIENT}/notes/2025-03-04.md\n`);
		const mine = fake.requests.slice(before).map((q) => `${q.method} ${q.path}`);
		expect(mine).toEqual(["GET /props", "POST /v1/chat/completions"]);
		const i = fake.chats.length - 1;
		expectSchemaSent(fake, i, SOAP_KEYS);
		// The plugin's default model name is sent (llama-server serves its one model whatever the name).
		expect(fake.chats[i]!.model).toBe("llama3.1:8b");
		const cat = await cv(["cat", vault, `${CBT_CLIENT}/notes/2025-03-04.md`]);
		expect(cat.out).toMatch(/status: draft/);
		expect(cat.out).toContain(`## Subjective\n${SOAP.subjective}`);
		expect(cat.out).toContain("==[review:");
		expectNoIdentifiers(fake);
	});

	it("parts: proposes from a session as JSON (nothing written), then applies; the map is code's", async () => {
		const chats = fake.chats.length;
		fake.reply({ json: SCENARIO_ANSWERS[0] });
		const proposed = await cv(["parts", vault, "--client", SCENARIO_CLIENT, "--from-session", SESSION_1.recordPath, "--llm", `openai=${fake.url}`]);
		expect(proposed.code, proposed.stderr).toBe(0);
		const printed = JSON.parse(proposed.out) as { changes: { id: string; kind: string; evidence: string | null }[] };
		expect(printed.changes.map((c) => c.kind)).toEqual(["new-part", "self-energy"]);
		expect(printed.changes[0]!.evidence).toBe("trying to keep me from being embarrassed");
		expect(proposed.stderr).toMatch(/Nothing was written to the parts map/);
		expect(fake.chats.length).toBe(chats + 1);
		expectSchemaSent(fake, chats, ["parts", "self_energy", "self_energy_evidence"]);

		const applied = await cv(["parts", vault, "--client", SCENARIO_CLIENT, "--accept", "all"]);
		expect(applied.code, applied.stderr).toBe(0);
		expect(JSON.parse(applied.out)).toMatchObject({ applied: printed.changes.map((c) => c.id), written: true });
		const page = await cv(["parts", vault, "--client", SCENARIO_CLIENT]);
		expect(page.out).toContain('p_critic["the Critic (manager, unblended)"]');
		expectNoIdentifiers(fake);
	});

	it("plan, doc and brief --summary: the same answers, through the same engine", async () => {
		const chats = fake.chats.length;
		fake.reply({ json: DRAFT_ANSWER });
		const plan = await cv([
			"plan",
			vault,
			"--client",
			SCENARIO_CLIENT,
			"--draft-from",
			INTAKE.recordPath,
			"--accept",
			"all",
			"--llm",
			`openai=${fake.url}`,
		]);
		expect(plan.code, plan.stderr).toBe(0);
		expect((await cv(["plan", vault, "--client", SCENARIO_CLIENT])).out).toContain("### G1: Wake up without panic most days.");

		fake.reply({ json: FAITHFUL_DOCUMENTS.referral });
		const doc = await cv(
			["doc", vault, "--client", SCENARIO_CLIENT, "--type", "referral", "--to", "2026-07-06", "--notes", "-", "--llm", `openai=${fake.url}`],
			{ input: CLINICIAN_NOTES.referral! },
		);
		expect(doc.code, doc.stderr).toBe(0);
		expect(doc.out).toMatch(new RegExp(`^${SCENARIO_CLIENT}/documents/\\d{4}-\\d\\d-\\d\\d-referral\\.md\\n$`));
		const letter = await cv(["cat", vault, doc.out.trim()]);
		expect(letter.out).toContain(FAITHFUL_DOCUMENTS.referral.background!);
		// The letter names the client (filled in by code); the model never got the name.
		expect(letter.out).toContain(SCENARIO_NAME);

		fake.reply({ json: { sentences: [{ text: "Binge episodes fell from four to two a week.", session: "2026-06-23" }] } });
		const brief = await cv(["brief", vault, "--client", SCENARIO_CLIENT, "--date", "2026-07-07", "--summary", "--json", "--llm", `openai=${fake.url}`]);
		expect(brief.code, brief.stderr).toBe(0);
		expect((JSON.parse(brief.out) as { summary: { text: string } }).summary.text).toContain("Binge episodes fell from four to two a week. [2026-06-23]");

		expect(fake.chats.length).toBe(chats + 3);
		expect(fake.responseFormats.slice(chats).every((f) => (f as { type: string }).type === "json_schema")).toBe(true);
		expect(fake.pending).toBe(0);
		expectNoIdentifiers(fake);
	});

	it("search: embeds with /v1/embeddings and searches hybrid; a chat server without embeddings leaves keyword search, said in one line", async () => {
		const r = await cv(["search", vault, "relationship with dad", "--client", SCENARIO_CLIENT, "--json", "--llm", `openai=${fake.url}`]);
		expect(r.code, r.stderr).toBe(0);
		expect(r.stderr).toMatch(new RegExp(`Embedding \\d+ passages with ${EMBED_MODEL} at ${fake.url.replace(/[.]/g, "\\.")}`));
		const parsed = JSON.parse(r.out) as { mode: string; hits: { recordPath: string; snippet: string }[] };
		expect(parsed.mode).toBe("hybrid");
		expect(parsed.hits[0]!.recordPath).toBe(SESSION_2.recordPath);
		expect(parsed.hits[0]!.snippet).toMatch(/father/);
		expect(embedBatches(fake).at(-1)).toEqual(["search_query: relationship with dad"]);
		expect(
			embedBatches(fake)
				.slice(0, -1)
				.flat()
				.every((text) => text.startsWith("search_document: ")),
		).toBe(true);

		const noEmbeddings = await server({ embeddings: false });
		const keyword = await cv([
			"search",
			vault,
			"father",
			"--client",
			SCENARIO_CLIENT,
			"--embed-model",
			"nomic-embed-text-v2",
			"--llm",
			`openai=${noEmbeddings.url}`,
		]);
		expect(keyword.code, keyword.stderr).toBe(0);
		expect(keyword.stderr).toMatch(/Keyword search only: embedding failed \(.*does not serve embeddings \(llama-server needs --embeddings/);
		expect(keyword.out).toContain(`${SESSION_2.recordPath} :`);
		expectNoIdentifiers(fake);
		expectNoIdentifiers(noEmbeddings);
	});

	it("a server that does not say its context: refused before anything is sent without --context; drafts with --context 8192", async () => {
		const plain = await server({ flavor: "plain" });
		const elsewhere = fake.requests.length;
		plain.reply({ json: SOAP });
		const refused = await cv([
			"draft",
			vault,
			"--client",
			CBT_CLIENT,
			"--transcript",
			TRANSCRIPT_PATH,
			"--format",
			"soap",
			"--date",
			"2025-03-18",
			"--llm",
			`openai=${plain.url}`,
		]);
		expect(refused.code).toBe(1);
		expect(refused.stderr).toMatch(
			/does not say how much context the model "llama3\.1:8b" has, and no context is set\. Set "Model context \(tokens\)" in the settings \(or --context N on the command line\).*Nothing was sent\./,
		);
		expect(chatRequests(plain)).toBe(0);
		expect((await cv(["cat", vault, `${CBT_CLIENT}/notes/2025-03-18.md`])).code).not.toBe(0);

		const drafted = await cv([
			"draft",
			vault,
			"--client",
			CBT_CLIENT,
			"--transcript",
			TRANSCRIPT_PATH,
			"--format",
			"soap",
			"--date",
			"2025-03-18",
			"--context",
			"8192",
			"--llm",
			`openai=${plain.url}`,
		]);
		expect(drafted.code, drafted.stderr).toBe(0);
		expect(drafted.out).toBe(`${CBT_CLIENT}/notes/2025-03-18.md\n`);
		expect(chatRequests(plain)).toBe(1);
		expectSchemaSent(plain, 0, SOAP_KEYS);
		expect(plain.pending).toBe(0);
		expectNoIdentifiers(plain);
		// Nothing went to the other server.
		expect(fake.requests.length).toBe(elsewhere);
	});

	it("embeddings from a separate server (settings, then --embed-llm) while chat goes to a server without embeddings", async () => {
		const chat = await server({ embeddings: false });
		const embed = await server({ embeddingDimensions: 768, concepts: SEMANTIC, models: [{ id: "nomic-embed-text-v1.5" }] });
		await mkdir(join(settingsFile(), ".."), { recursive: true });
		await writeFile(
			settingsFile(),
			JSON.stringify({
				llmEngine: "openai",
				llmUrl: chat.url,
				llmModel: CHAT_MODEL,
				embeddingEngine: "openai",
				embeddingUrl: embed.url,
				embeddingModel: "nomic-embed-text-v1.5",
			}),
		);
		try {
			// The settings alone: embeddings from the embedding server, chat from the chat server.
			const bySettings = await cv(["search", vault, "relationship with dad", "--client", SCENARIO_CLIENT, "--json"]);
			expect(bySettings.code, bySettings.stderr).toBe(0);
			expect(bySettings.stderr).toMatch(new RegExp(`Embedding \\d+ passages with nomic-embed-text-v1\\.5 at ${embed.url.replace(/[.]/g, "\\.")}`));
			expect((JSON.parse(bySettings.out) as { mode: string }).mode).toBe("hybrid");
			const settingsBatches = embedBatches(embed).length;
			expect(settingsBatches).toBeGreaterThan(1);
			chat.reply({ json: SOAP });
			const drafted = await cv(["draft", vault, "--client", CBT_CLIENT, "--summary", "-", "--format", "soap", "--date", "2025-03-25"], {
				input: "Client completed the thought record twice.",
			});
			expect(drafted.code, drafted.stderr).toBe(0);
			expect(chatRequests(chat)).toBe(1);
			expect(chat.chats[0]!.model).toBe(CHAT_MODEL);

			// --embed-llm over the settings' chat engine named by --llm: a new embedding model, so everything is embedded again there.
			const byFlag = await cv([
				"search",
				vault,
				"relationship with dad",
				"--client",
				SCENARIO_CLIENT,
				"--json",
				"--llm",
				`openai=${chat.url}`,
				"--embed-llm",
				`openai=${embed.url}`,
				"--embed-model",
				"nomic-embed-text-v2",
			]);
			expect(byFlag.code, byFlag.stderr).toBe(0);
			expect(byFlag.stderr).toMatch(/Embedding \d+ passages with nomic-embed-text-v2/);
			const flagged = JSON.parse(byFlag.out) as { mode: string; hits: { recordPath: string }[] };
			expect(flagged.mode).toBe("hybrid");
			expect(flagged.hits[0]!.recordPath).toBe(SESSION_2.recordPath);
			expect(embedBatches(embed).length).toBeGreaterThan(settingsBatches + 1);
			expect(embed.requests.every((q) => q.path === "/v1/embeddings")).toBe(true);
			expect((embed.requests.at(-1)!.body as { model: string }).model).toBe("nomic-embed-text-v2");
			// The chat server got no embedding request at all, and the embedding server no chat.
			expect(chat.requests.filter((q) => q.path === "/v1/embeddings")).toEqual([]);
			expect(chatRequests(embed)).toBe(0);
			expectNoIdentifiers(chat);
			expectNoIdentifiers(embed);
		} finally {
			await rm(settingsFile(), { force: true });
		}
	});
});
