/**
 * Embeddings of two sizes never share the index: when the model answering under the embedding
 * model's name changes (another engine, a model replaced on the server), the index is embedded
 * again with the new one, whether the change shows while embedding or at a search. Real record,
 * real OpenAI-compatible client, the loopback llama-server fake with its vector size changed
 * between runs.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { SearchService } from "../../src/core/search/SearchService";
import { OpenAiCompatibleClient } from "../../src/engines/openaiCompatible";
import { startFakeOpenAi, type FakeOpenAi } from "../support/fake-openai";
import { SCENARIO_CLIENT, SCENARIO_NAME, SCENARIO_NOTES } from "../support/scenario";
import { removeDir, tempDir } from "../core/helpers";

const PASSPHRASE = "correct horse battery";
const MODEL = "nomic-embed-text-v1.5";

let dir: string;
let record: ClinicalRecord;
let fake: FakeOpenAi;

const llm = () => new OpenAiCompatibleClient({ url: fake.url, policy: { allowlist: [] } });
const embeddedInputs = () =>
	fake.requests.filter((r) => r.path === "/v1/embeddings").reduce((n, r) => n + ((r.body as { input: string[] }).input?.length ?? 0), 0);

beforeEach(async () => {
	fake = await startFakeOpenAi({ embeddingDimensions: 256 });
	dir = await tempDir("search-dims");
	record = new ClinicalRecord({ store: new NodeFsStore(dir) });
	await record.init(PASSPHRASE, { kdf: floorKdfParams() });
	await record.addClient({ code: SCENARIO_CLIENT, name: SCENARIO_NAME, modality: "ifs" });
	for (const n of SCENARIO_NOTES) await record.writeText(n.recordPath, n.text);
});

afterEach(async () => {
	await record.lock();
	await fake.close();
	await removeDir(dir);
});

describe("an embedding size that changes between runs", () => {
	it("is found at the next search: the old vectors are cleared, keyword matches meanwhile, and the next run embeds everything with the new size", async () => {
		const search = new SearchService({ record });
		await search.open();
		const first = await search.embedPending({ llm: llm(), model: MODEL });
		expect(first.pending).toBe(0);
		const passages = search.status().passages;
		expect(search.status().embedded).toBe(passages);
		expect((await search.search("worried part", { llm: llm(), model: MODEL })).mode).toBe("hybrid");

		fake.embeddingDimensions = 384;
		const during = await search.search("worried part", { llm: llm(), model: MODEL });
		expect(during.mode).toBe("keyword");
		expect(during.reason).toContain("384 dimensions, the index has 256");
		expect(search.status().embedded).toBe(0);

		const before = embeddedInputs();
		const again = await search.embedPending({ llm: llm(), model: MODEL });
		expect(again).toEqual({ embedded: passages, pending: 0 });
		expect(embeddedInputs() - before).toBe(passages);
		expect((await search.search("worried part", { llm: llm(), model: MODEL })).mode).toBe("hybrid");

		// Saved and opened again: one size only.
		search.dispose();
		const reopened = new SearchService({ record });
		await reopened.open();
		expect(reopened.status()).toMatchObject({ passages, embedded: passages });
		expect((await reopened.search("worried part", { llm: llm(), model: MODEL })).mode).toBe("hybrid");
		reopened.dispose();
	});

	it("is found while embedding new passages: everything is embedded again with the new size, never mixed", async () => {
		const search = new SearchService({ record });
		await search.open();
		await search.embedPending({ llm: llm(), model: MODEL });
		const passages = search.status().passages;

		await record.writeText(
			`${SCENARIO_CLIENT}/notes/2026-07-01.md`,
			"---\nclient: C-0142\nsession_date: 2026-07-01\nformat: soap\nstatus: draft\n---\n## Subjective\nClient described the lighthouse again.\n",
		);
		await search.update(`${SCENARIO_CLIENT}/notes/2026-07-01.md`);
		const added = search.status().passages - passages;
		fake.embeddingDimensions = 512;
		const before = embeddedInputs();
		const progress: { done: number; total: number }[] = [];
		const result = await search.embedPending({ llm: llm(), model: MODEL, onProgress: (p) => progress.push(p) });
		expect(result.pending).toBe(0);
		expect(search.status().embedded).toBe(passages + added);
		// The first batch found the new size; then every passage was embedded with it.
		expect(embeddedInputs() - before).toBeGreaterThanOrEqual(passages + added);
		expect(progress.at(-1)).toEqual({ done: passages + added, total: passages + added });
		expect((await search.search("lighthouse", { llm: llm(), model: MODEL })).mode).toBe("hybrid");
		search.dispose();
	});

	it("changing in the middle of a run: the run stops with a clear error, the vectors of both sizes are cleared, and the next run embeds everything once", async () => {
		const search = new SearchService({ record });
		await search.open();
		const passages = search.status().passages;
		const real = llm();
		let calls = 0;
		const switching = {
			host: real.host,
			chat: real.chat.bind(real),
			listModels: real.listModels.bind(real),
			contextLength: real.contextLength.bind(real),
			embed: async (model: string, inputs: string[], signal?: AbortSignal) => {
				const vectors = await real.embed(model, inputs, signal);
				if (++calls === 2) fake.embeddingDimensions = 128;
				return vectors;
			},
		};
		const error = await search.embedPending({ llm: switching, model: MODEL, batchSize: 2 }).then(
			() => null,
			(e: unknown) => e as Error,
		);
		expect(error?.message).toContain("changed size during embedding (128, before 256)");
		expect(search.status().embedded).toBe(0);
		const result = await search.embedPending({ llm: llm(), model: MODEL });
		expect(result).toEqual({ embedded: passages, pending: 0 });
		expect(search.status().embedded).toBe(passages);
		search.dispose();
	});
});
