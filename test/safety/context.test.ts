/**
 * Prompts fit the context they are sent with. The fake Ollama counts each prompt with the real
 * Llama 3.1 tokenizer and cuts it the way Ollama does when it is longer than num_ctx; here every
 * prompt of a two-hour segmented transcript, a Chinese transcript and long notes for a brief is
 * measured against the num_ctx it was sent with, on a large and a small context: none is over, a
 * long input is condensed in passes or refused with a clear error, and an engine that cut a prompt
 * anyway is caught.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { MemoryStore } from "../../src/core/store/MemoryStore";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { DraftingService } from "../../src/core/drafting/DraftingService";
import { buildBrief } from "../../src/core/brief/brief";
import { OllamaClient } from "../../src/engines/ollama";
import { DEFAULT_FAKE_MODELS, startFakeOllama, type FakeOllama } from "../support/fake-ollama";
import { tokenTexts, twoHourTranscript } from "../support/tokenTexts";
import { INTAKE, SCENARIO_CLIENT, SCENARIO_NAME, SCENARIO_NOTES } from "../support/scenario";
import { TreatmentPlanService } from "../../src/core/plan/TreatmentPlanService";
import { DRAFT_ANSWER } from "../plan/answers";

const NOTE = {
	subjective: ["Client reported a hard week at work."],
	objective: ["[unclear in transcript]"],
	assessment: ["Client was tired."],
	plan: ["Continue."],
};

let fake: FakeOllama;
let record: ClinicalRecord;
const clock = new ManualClock("2026-07-07T12:00:00Z");

beforeEach(async () => {
	fake = await startFakeOllama({ models: [...DEFAULT_FAKE_MODELS, { name: "small:8k", contextLength: 8192 }, { name: "tiny:4k", contextLength: 4096 }] });
	// A structured request gets the note; a condensing pass gets bullet points.
	fake.defaultReply = (chat) => (chat.format ? { json: NOTE } : "- Client talked about work and sleep.");
	record = new ClinicalRecord({ store: new MemoryStore(), clock });
	await record.init("correct horse battery", { kdf: floorKdfParams() });
	await record.addClient({ code: SCENARIO_CLIENT, name: SCENARIO_NAME });
});
afterEach(async () => {
	await fake.close();
});

const llm = () => new OllamaClient({ host: fake.url, policy: { allowlist: [] } });

async function draftFrom(body: string, model: string) {
	const path = `${SCENARIO_CLIENT}/transcripts/2026-07-07.md`;
	await record.writeText(path, `---\nkind: transcript\n---\n${body}`);
	return new DraftingService({ record, llm: llm(), templates: { load: async () => null }, clock }).draft({
		client: SCENARIO_CLIENT,
		sessionDate: "2026-07-07",
		format: "soap",
		model,
		source: { kind: "transcript", path },
	});
}

/** Every chat the fake answered: read whole, within the window it was given. */
function expectNoneOver(): void {
	expect(fake.chats.length).toBeGreaterThan(0);
	for (const chat of fake.chats) {
		expect(chat.truncated).toBe(false);
		expect(chat.promptTokens).toBeGreaterThan(0);
		expect(chat.promptTokens).toBeLessThanOrEqual(chat.numCtx);
		expect(chat.options.num_ctx).toBe(chat.numCtx);
	}
}

describe("prompts against the context they were sent with", () => {
	it("a two-hour segmented transcript fits a large context in one prompt, counted conservatively", async () => {
		const result = await draftFrom(twoHourTranscript(), "llama3.1:8b");
		expectNoneOver();
		expect(result.condensed).toBe(false);
		expect(result.promptTokensReported).toBeDefined();
		expect(result.promptTokensEstimated).toBeGreaterThanOrEqual(result.promptTokensReported!);
		expect(result.numCtx).toBeLessThanOrEqual(131072);
	}, 20_000);

	it("on an 8k model the same transcript is condensed in passes, each pass and the draft within its window", async () => {
		const result = await draftFrom(twoHourTranscript(), "small:8k");
		expectNoneOver();
		expect(result.condensed).toBe(true);
		expect(result.passes).toBeGreaterThan(4);
		for (const chat of fake.chats) expect(chat.numCtx).toBeLessThanOrEqual(8192);
	}, 20_000);

	it("a Chinese transcript on a 4k model: within the window, condensed if needed", async () => {
		const chinese = tokenTexts().find((t) => t.name === "Chinese transcript")!.text;
		await draftFrom([chinese, chinese, chinese].join("\n"), "tiny:4k");
		expectNoneOver();
		for (const chat of fake.chats) expect(chat.numCtx).toBeLessThanOrEqual(4096);
	}, 20_000);

	it("long notes for the brief's summary on a 4k model: refused clearly before sending, never cut", async () => {
		for (const n of SCENARIO_NOTES)
			await record.writeText(n.recordPath, n.text.replace("## Data\n", `## Data\n${"The client described the week at length. ".repeat(120)}\n`));
		const refused = await buildBrief(record, { client: SCENARIO_CLIENT, today: "2026-07-07", summarize: { llm: llm(), model: "tiny:4k" } }).catch(
			(e: unknown) => e as Error & { code?: string },
		);
		expect((refused as { code?: string }).code).toBe("invalid-input");
		expect((refused as Error).message).toContain("too long for the model's context");
		expect(fake.chats).toHaveLength(0);
		// On a large context the same brief fits, and is read whole.
		fake.reply({ json: { sentences: [{ text: "The client described the week.", session: "2026-06-30" }] } });
		await buildBrief(record, { client: SCENARIO_CLIENT, today: "2026-07-07", summarize: { llm: llm(), model: "llama3.1:8b" } });
		expectNoneOver();
	}, 20_000);

	it("a long intake for the treatment plan: refused clearly on a 4k model, read whole on a large one", async () => {
		const intake = INTAKE.text.replace(
			"## Presenting problems\n",
			`## Presenting problems\n${"The client described the history of the panic at length, year by year. ".repeat(150)}\n`,
		);
		await record.writeText(INTAKE.recordPath, intake);
		const plans = new TreatmentPlanService({ record, llm: llm(), clock });
		const refused = await plans
			.proposeDraft(SCENARIO_CLIENT, INTAKE.recordPath, { model: "tiny:4k" })
			.catch((e: unknown) => e as Error & { code?: string });
		expect((refused as { code?: string }).code).toBe("invalid-input");
		expect((refused as Error).message).toContain("too long for the model's context");
		expect(fake.chats).toHaveLength(0);
		fake.reply({ json: DRAFT_ANSWER });
		await plans.proposeDraft(SCENARIO_CLIENT, INTAKE.recordPath, { model: "llama3.1:8b" });
		expectNoneOver();
	}, 20_000);

	it("an engine that cut the prompt anyway (it read its whole window) is an error, and no checked note is saved", async () => {
		fake.defaultReply = (chat) => ({ json: NOTE, promptEvalCount: Number(chat.options.num_ctx) });
		const error = await draftFrom("[00:05] CLIENT: A short session.\n", "llama3.1:8b").catch((e: unknown) => e);
		expect((error as { code?: string }).code).toBe("engine");
		expect((error as Error).message).toContain("cut the input");
		const kept = (error as { keptAt?: string }).keptAt;
		expect(kept).toBeDefined();
		expect(await record.readText(kept!, "internal")).toContain("incomplete: true");
	}, 20_000);
});
