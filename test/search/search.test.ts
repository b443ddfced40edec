/**
 * Search over a real encrypted record (temporary folder, real WebCrypto) with the synthetic
 * four-session scenario, embeddings from the fake Ollama on loopback through the real client.
 * Covers ranking (semantic and keyword), transcripts with timestamps, phrases, filters, what is
 * never indexed, the index file holding no plaintext, lock, incremental updates, a corrupt
 * index, and embedding that is interrupted, cut off by the engine, and resumed.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { Cancelled, ClinicalVaultError, LockedError } from "../../src/core/errors";
import { renderTranscript } from "../../src/core/transcribe/transcript";
import { SearchService } from "../../src/core/search/SearchService";
import { markSnippet } from "../../src/core/search/text";
import { OllamaClient } from "../../src/engines/ollama";
import type { LlmClient } from "../../src/core/llm/LlmClient";
import { startFakeOllama, type FakeOllama } from "../support/fake-ollama";
import { INTAKE, SCENARIO_CLIENT, SCENARIO_NAME, SCENARIO_NOTES, SESSION_2, SESSION_3, SESSION_4 } from "../support/scenario";
import { listFilesDeep, removeDir, tempDir } from "../core/helpers";

const PASSPHRASE = "correct horse battery";
const MODEL = "nomic-embed-text";
const INDEX_FILE = "Clinical/_vault/search-index.cvault";
const TRANSCRIPT_PATH = `${SCENARIO_CLIENT}/transcripts/2026-06-16.md`;

/**
 * The fake's deterministic stand-in for a semantic model: "dad" and "papa" mean "father", and
 * function words and nomic's task prefixes ("search_document:", "search_query:") carry no topic.
 * 768 dimensions, as nomic-embed-text has, keep hash collisions rare.
 */
const FUNCTION_WORDS = "search document query with the a an of and to from was who when in on for is it his her their".split(" ");
const SEMANTIC: Record<string, string> = { dad: "father", papa: "father", ...Object.fromEntries(FUNCTION_WORDS.map((w) => [w, ""])) };

let dir: string;
let record: ClinicalRecord;
let fake: FakeOllama;
let search: SearchService;

const llm = () => new OllamaClient({ host: fake.url, policy: { allowlist: [] } });
const embedInputs = () => fake.requests.filter((r) => r.path === "/api/embed").reduce((n, r) => n + ((r.body as { input: string[] }).input?.length ?? 0), 0);

function transcript(): string {
	const segments = [
		{ start: 0, end: 5, speaker: "Therapist", text: "How was the week?" },
		{ start: 6, end: 12, speaker: "Client", text: "Long. I kept checking my phone at night." },
		{ start: 13, end: 20, speaker: "Therapist", text: "What was that like?" },
		{ start: 21, end: 30, speaker: "Client", text: "Tiring. The Critic was loud." },
		{ start: 75, end: 84, speaker: "Client", text: "The lighthouse picture on the wall calms me down." },
		{ start: 85, end: 90, speaker: "Therapist", text: "Let us stay with that." },
	];
	return renderTranscript(
		{
			client: SCENARIO_CLIENT,
			sessionDate: "2026-06-16",
			audioPath: `${SCENARIO_CLIENT}/audio/2026-06-16.webm`,
			audioFileId: "0".repeat(32),
			engine: "whisper-cli",
			model: "ggml-base.en.bin",
			language: "en",
			durationSeconds: 95,
			speakerLabels: "channels",
			created: "2026-06-16T18:00:00.000Z",
			droppedSilent: 0,
			droppedArtefacts: 0,
			droppedRepeats: 0,
		},
		segments,
	);
}

async function fresh(): Promise<SearchService> {
	search.dispose();
	search = new SearchService({ record });
	return search;
}

beforeEach(async () => {
	fake = await startFakeOllama({ embeddingDimensions: 768, concepts: SEMANTIC });
	dir = await tempDir("search");
	record = new ClinicalRecord({ store: new NodeFsStore(dir) });
	await record.init(PASSPHRASE, { kdf: floorKdfParams() });
	await record.addClient({ code: SCENARIO_CLIENT, name: SCENARIO_NAME, modality: "ifs" });
	await record.addClient({ code: "C-0900", name: "Avery Fictional" });
	for (const n of SCENARIO_NOTES) await record.writeText(n.recordPath, n.text);
	await record.writeText(TRANSCRIPT_PATH, transcript());
	await record.writeText(
		"C-0900/notes/2026-06-17.md",
		"---\nclient: C-0900\nsession_date: 2026-06-17\nsession_number: 3\nformat: soap\nstatus: signed\n---\n## Subjective\nClient talked about the father of a friend and about sleep.\n",
	);
	search = new SearchService({ record });
});

afterEach(async () => {
	search.dispose();
	await fake.close();
	await removeDir(dir);
});

describe("ranking", () => {
	it("with embeddings, the session where the client talks about the father ranks first for 'relationship with dad'; keyword search finds 'father'", async () => {
		const opened = await search.open();
		expect(opened).toMatchObject({ loaded: false, added: 7, changed: 0, removed: 0, unreadable: [] });
		expect(opened.rebuilt).toBeUndefined();

		const keywordOnly = await search.search("relationship with dad", { client: SCENARIO_CLIENT });
		expect(keywordOnly.mode).toBe("keyword");
		expect(keywordOnly.reason).toMatch(/keyword matches only/);
		expect(keywordOnly.hits).toEqual([]);

		const embedded = await search.embedPending({ llm: llm(), model: MODEL, batchSize: 4 });
		expect(embedded.pending).toBe(0);
		expect(search.status().embedded).toBe(search.status().passages);
		const sent = fake.requests.filter((r) => r.path === "/api/embed").map((r) => (r.body as { input: string[] }).input);
		expect(sent.every((batch) => batch.length <= 4 && batch.every((t) => t.startsWith("search_document: ")))).toBe(true);

		const hybrid = await search.search("relationship with dad", { client: SCENARIO_CLIENT, llm: llm() });
		expect(hybrid.mode).toBe("hybrid");
		expect(hybrid.reason).toBeUndefined();
		expect(hybrid.hits[0]).toMatchObject({ recordPath: SESSION_2.recordPath, date: "2026-06-16", sessionNumber: 2, kind: "note" });
		expect(hybrid.hits[0]!.snippet).toMatch(/father/);
		// The passages about the father come first (session 2 twice, the intake's history, session 4); no other session outranks session 2.
		expect(hybrid.hits.slice(0, 4).every((h) => /father/.test(h.snippet))).toBe(true);
		expect(new Set(hybrid.hits.slice(0, 4).map((h) => h.recordPath))).toEqual(new Set([SESSION_2.recordPath, INTAKE.recordPath, SESSION_4.recordPath]));
		const lastQuery = fake.requests.filter((r) => r.path === "/api/embed").pop()!.body as { input: string[] };
		expect(lastQuery.input).toEqual(["search_query: relationship with dad"]);

		const father = await search.search("father", { client: SCENARIO_CLIENT });
		expect(father.mode).toBe("keyword");
		const paths = father.hits.map((h) => h.recordPath);
		expect(new Set(paths)).toEqual(new Set([INTAKE.recordPath, SESSION_2.recordPath, SESSION_4.recordPath]));
		for (const hit of father.hits) {
			expect(hit.highlights.length).toBeGreaterThan(0);
			expect(hit.highlights.map(([s, e]) => hit.snippet.slice(s, e).toLowerCase())).toContain("father");
			expect(hit.score).toBeGreaterThan(0);
		}
		// Stemming: "fathers" and "leaves" find "father" and "leaving".
		expect((await search.search("fathers leaves", { client: SCENARIO_CLIENT })).hits[0]!.recordPath).toMatch(/2026-06-(16|30)/);
	});

	it("transcripts are searched in windows of lines that carry the first line's timestamp, and get the session number of that day's note", async () => {
		await search.open();
		const r = await search.search("lighthouse");
		expect(r.hits).toHaveLength(1);
		const hit = r.hits[0]!;
		expect(hit).toMatchObject({ recordPath: TRANSCRIPT_PATH, kind: "transcript", timestamp: 75, date: "2026-06-16", sessionNumber: 2 });
		expect(markSnippet(hit.snippet, hit.highlights, "<", ">")).toContain("<lighthouse>");
		const lines = transcript().split("\n");
		expect(lines[hit.line - 1]).toMatch(/^\[01:15\] \*\*Client:\*\* The lighthouse/);
		const first = (await search.search("phone")).hits[0]!;
		expect(first).toMatchObject({ recordPath: TRANSCRIPT_PATH, timestamp: 0 });
	});

	it("quoted words must appear adjacent; unquoted they need not", async () => {
		await search.open();
		const phrase = await search.search('"fear of abandonment"');
		expect(phrase.hits.length).toBeGreaterThan(0);
		for (const h of phrase.hits) expect(markSnippet(h.snippet, h.highlights, "[", "]").toLowerCase()).toContain("[fear] [of] [abandonment]");
		expect((await search.search('"abandonment fear"')).hits).toEqual([]);
		expect((await search.search("abandonment fear")).hits.length).toBeGreaterThan(0);
	});
});

describe("filters and what is indexed", () => {
	it("filters by client, date range and kind; leaves out profiles, proposals, audio and psychotherapy notes unless asked", async () => {
		await record.writeText(`${SCENARIO_CLIENT}/proposals/2026-06-30-parts.json`, JSON.stringify({ summary: "Zebracorn proposal text" }));
		await record.write(`${SCENARIO_CLIENT}/audio/2026-06-16.webm`, new TextEncoder().encode("zebracorn audio bytes"));
		await record.writeText(
			`${SCENARIO_CLIENT}/notes/2026-07-01-pn.md`,
			"---\nnote_type: psychotherapy\nsession_date: 2026-07-01\n---\nProcess note: zebracorn countertransference.\n",
		);
		await record.writeText(`${SCENARIO_CLIENT}/parts-map.md`, "# Parts map\n\n## The Critic\nManager. Protects Little One from rejection.\n");
		await record.writeText(`${SCENARIO_CLIENT}/treatment-plan.md`, "# Treatment plan\n\n## Goals\nReduce morning panic to one day a week.\n");
		await search.open();

		expect((await search.search("Robin")).hits).toEqual([]);
		expect((await search.search(SCENARIO_NAME)).hits).toEqual([]);
		expect((await search.search("zebracorn")).hits).toEqual([]);
		const pn = await search.search("zebracorn", { includePsychotherapy: true });
		expect(pn.hits.map((h) => h.recordPath)).toEqual([`${SCENARIO_CLIENT}/notes/2026-07-01-pn.md`]);

		const all = await search.search("father");
		expect(all.hits.map((h) => h.client)).toContain("C-0900");
		const one = await search.search("father", { client: "C-0900" });
		expect(one.hits.map((h) => h.recordPath)).toEqual(["C-0900/notes/2026-06-17.md"]);

		const ranged = await search.search("father", { client: SCENARIO_CLIENT, from: "2026-06-10", to: "2026-06-20" });
		expect([...new Set(ranged.hits.map((h) => h.recordPath))]).toEqual([SESSION_2.recordPath]);

		const critic = await search.search("critic", { kinds: ["parts-map"] });
		expect(critic.hits.map((h) => [h.recordPath, h.kind, h.heading])).toEqual([[`${SCENARIO_CLIENT}/parts-map.md`, "parts-map", "The Critic"]]);
		const plan = await search.search("panic", { kinds: ["plan"] });
		expect(plan.hits.map((h) => h.heading)).toEqual(["Goals"]);
		const notesOnly = await search.search("critic", { kinds: ["note"], client: SCENARIO_CLIENT });
		expect(notesOnly.hits.every((h) => h.kind === "note")).toBe(true);
		expect(notesOnly.hits.map((h) => h.recordPath)).toContain(SESSION_3.recordPath);
	});

	it("refuses bad input with a clear error and changes nothing", async () => {
		await search.open();
		const before = await readFile(join(dir, INDEX_FILE));
		await expect(search.search("   ")).rejects.toMatchObject({ code: "invalid-input", message: expect.stringMatching(/search is empty/) as unknown });
		await expect(search.search("father", { client: "C-9999" })).rejects.toMatchObject({
			code: "not-found",
			message: "There is no client C-9999 in this record.",
		});
		await expect(search.search("father", { client: "robin" })).rejects.toMatchObject({ code: "invalid-input" });
		await expect(search.search("father", { from: "16/06/2026" })).rejects.toMatchObject({
			code: "invalid-input",
			message: expect.stringMatching(/YYYY-MM-DD/) as unknown,
		});
		await expect(search.search("father", { from: "2026-07-01", to: "2026-06-01" })).rejects.toMatchObject({ code: "invalid-input" });
		expect(Buffer.compare(before, await readFile(join(dir, INDEX_FILE)))).toBe(0);
		expect((await search.search("father")).hits.length).toBeGreaterThan(0);
	});
});

describe("the index on disk and in memory", () => {
	it("the index file is encrypted: no plaintext canary in any file, and the record still verifies", async () => {
		const canary = `Canary${Date.now().toString(36)}Xq`;
		await record.writeText(
			`${SCENARIO_CLIENT}/notes/2026-07-07.md`,
			`---\nsession_date: 2026-07-07\nsession_number: 5\n---\n## Data\nClient mentioned ${canary} while talking about morning panic.\n`,
		);
		await search.open();
		await search.embedPending({ llm: llm(), model: MODEL });
		await search.save();
		expect((await search.search(canary)).hits).toHaveLength(1);
		const files = await listFilesDeep(dir);
		expect(files).toContain(INDEX_FILE);
		const forms = [canary, canary.toLowerCase(), "morning panic", "talking about"].map((s) => Buffer.from(s, "utf8"));
		for (const file of files) {
			const data = await readFile(join(dir, file));
			for (const form of forms) expect(data.includes(form), `${file} holds "${form.toString()}"`).toBe(false);
		}
		const verified = await record.verify();
		expect(verified.ok).toBe(true);
		expect(verified.failures).toEqual([]);
	});

	it("refuses while locked, is dropped from memory on lock, and loads the saved index after unlock", async () => {
		await search.open();
		await record.lock();
		expect(search.status()).toMatchObject({ open: false, passages: 0 });
		await expect(search.search("father")).rejects.toBeInstanceOf(LockedError);
		await expect(search.open()).rejects.toBeInstanceOf(LockedError);
		await expect(search.update(SESSION_2.recordPath)).rejects.toBeInstanceOf(LockedError);
		await record.unlock(PASSPHRASE);
		const reopened = await search.open();
		expect(reopened).toMatchObject({ loaded: true, added: 0, changed: 0, removed: 0 });
		expect((await search.search("father")).hits.length).toBeGreaterThan(0);
	});

	it("updates incrementally on save and finds changes made while it was closed, same-size edits included", async () => {
		await search.open();
		await record.writeText(
			`${SCENARIO_CLIENT}/notes/2026-07-07.md`,
			"---\nsession_date: 2026-07-07\nsession_number: 5\n---\n## Data\nClient brought a drawing of a kayak.\n",
		);
		expect(await search.update(`${SCENARIO_CLIENT}/notes/2026-07-07.md`)).toBe(true);
		expect(await search.update(`${SCENARIO_CLIENT}/profile.md`)).toBe(false);
		expect((await search.search("kayak")).hits[0]).toMatchObject({ sessionNumber: 5, heading: "Data" });
		await search.save();

		// Changed while closed: a same-size edit (kayak → canoe) and a removal.
		search.close();
		const sizeOf = () => record.store.size(record.layout.storePath(`${SCENARIO_CLIENT}/notes/2026-07-07.md`));
		const sizeBefore = await sizeOf();
		await record.writeText(
			`${SCENARIO_CLIENT}/notes/2026-07-07.md`,
			"---\nsession_date: 2026-07-07\nsession_number: 5\n---\n## Data\nClient brought a drawing of a canoe.\n",
		);
		expect(await sizeOf()).toBe(sizeBefore);
		await record.remove(SESSION_3.recordPath);
		const report = await search.open();
		expect(report).toMatchObject({ loaded: true, added: 0, changed: 1, removed: 1 });
		expect((await search.search("kayak")).hits).toEqual([]);
		expect((await search.search("canoe")).hits).toHaveLength(1);
		expect((await search.search("Binger")).hits.map((h) => h.recordPath)).not.toContain(SESSION_3.recordPath);

		await search.remove(`${SCENARIO_CLIENT}/notes/2026-07-07.md`);
		expect((await search.search("canoe")).hits).toEqual([]);
	});

	it("a corrupt index file is rebuilt from the record, says so, and is saved whole again", async () => {
		await search.open();
		await search.embedPending({ llm: llm(), model: MODEL });
		const bytes = await readFile(join(dir, INDEX_FILE));
		bytes[bytes.length - 40] = bytes[bytes.length - 40]! ^ 0xff;
		await writeFile(join(dir, INDEX_FILE), bytes);
		const report = await (await fresh()).open();
		expect(report.loaded).toBe(false);
		expect(report.rebuilt?.reason).toMatch(/could not be decrypted/);
		expect(report.added).toBe(7);
		expect((await search.search("father")).hits.length).toBeGreaterThan(0);
		expect(search.status().embedded).toBe(0);
		const again = await (await fresh()).open();
		expect(again).toMatchObject({ loaded: true, added: 0 });
		expect(again.rebuilt).toBeUndefined();

		await writeFile(join(dir, INDEX_FILE), Buffer.from("not an index at all"));
		expect((await (await fresh()).open()).rebuilt?.reason).toMatch(/could not be decrypted/);
	});
});

describe("embedding in the background", () => {
	it("an interrupted job keeps its progress and resumes where it stopped", async () => {
		await search.open();
		const total = search.status().passages;
		const controller = new AbortController();
		const seen: number[] = [];
		await expect(
			search.embedPending({
				llm: llm(),
				model: MODEL,
				batchSize: 2,
				saveEvery: 100,
				signal: controller.signal,
				onProgress: (p) => {
					seen.push(p.done);
					if (p.done >= 4) controller.abort();
				},
			}),
		).rejects.toBeInstanceOf(Cancelled);
		expect(seen).toEqual([2, 4]);
		expect(embedInputs()).toBe(4);

		// A new service (as after a restart) loads the saved progress.
		await (await fresh()).open();
		expect(search.status()).toMatchObject({ embedded: 4, passages: total, model: MODEL });
		const result = await search.embedPending({ llm: llm(), model: MODEL, batchSize: 2 });
		expect(result).toEqual({ embedded: total - 4, pending: 0 });
		expect(embedInputs()).toBe(total);
	});

	it("with the engine down, embedding fails clearly and keeps what it did; keyword search still works and says so; it resumes later", async () => {
		await search.open();
		const total = search.status().passages;
		// The first request succeeds, then the engine goes away (an address nothing listens on).
		const live = llm();
		const dead = new OllamaClient({ host: "http://127.0.0.1:9", policy: { allowlist: [] } });
		let calls = 0;
		const flaky: LlmClient = {
			host: live.host,
			chat: (request) => live.chat(request),
			listModels: (signal) => live.listModels(signal),
			contextLength: (model, signal) => live.contextLength(model, signal),
			embed: (model, inputs, signal) => (++calls > 1 ? dead : live).embed(model, inputs, signal),
		};
		const error = await search.embedPending({ llm: flaky, model: MODEL, batchSize: 3 }).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(ClinicalVaultError);
		expect((error as ClinicalVaultError).code).toBe("engine");
		expect(search.status().embedded).toBe(3);

		const down = await search.search("relationship with dad", { llm: dead });
		expect(down.mode).toBe("keyword");
		expect(down.reason).toMatch(/Semantic search is unavailable .*keyword matches only/);
		expect((await search.search("father", { llm: dead })).hits.length).toBeGreaterThan(0);

		await (await fresh()).open();
		expect(search.status().embedded).toBe(3);
		const resumed = await search.embedPending({ llm: llm(), model: MODEL, batchSize: 3 });
		expect(resumed).toEqual({ embedded: total - 3, pending: 0 });
		expect((await search.search("relationship with dad", { llm: llm(), client: SCENARIO_CLIENT })).mode).toBe("hybrid");
	});
});

describe("erased means erased in the search index", () => {
	it("the words of a removed transcript leave the saved index (terms and postings, not only the passages)", async () => {
		const word = "zyxquolatenight";
		await record.writeText(TRANSCRIPT_PATH, transcript().replace("The lighthouse picture", `The ${word} picture`));
		await search.open();
		await search.update(TRANSCRIPT_PATH);
		await search.save();
		const before = new TextDecoder().decode((await record.readSystemFile("search-index"))!);
		expect(before).toContain("zyxquolatenight".slice(0, 10));
		await record.remove(TRANSCRIPT_PATH);
		await search.remove(TRANSCRIPT_PATH);
		await search.save();
		const after = new TextDecoder().decode((await record.readSystemFile("search-index"))!);
		expect(after).not.toContain("zyxquol");
		expect((await search.search(word)).hits).toEqual([]);
	});
});
