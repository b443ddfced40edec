/**
 * The one drafting pipeline (src/core/drafting/pipeline.ts) on its own: the order of its steps and
 * what each failure leaves behind, with a scripted model on a real encrypted record in memory. The
 * services on top (notes, documents) are tested end to end in drafting.test.ts and documents.test.ts.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { draftPage, type PageDraft } from "../../src/core/drafting/pipeline";
import { checkModelAnswer, renderSentences } from "../../src/core/drafting/safeguards";
import { ModelBoundary } from "../../src/core/llm/boundary";
import { splitFrontmatter } from "../../src/core/markdown/frontmatter";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { MemoryStore } from "../../src/core/store/MemoryStore";
import { identityOf, type ClientIdentity } from "../../src/core/safety/identity";
import { Cancelled, isCancelled } from "../../src/core/errors";
import type { ChatRequest, ChatResult, LlmClient } from "../../src/core/llm/LlmClient";
import { ScriptedLlm } from "../support/scriptedLlm";

/** A model whose one answer is a function of the request: it can stream, stop early or be cancelled. */
class StreamingLlm implements LlmClient {
	readonly host = "memory://streaming";
	constructor(private readonly answer: (request: ChatRequest) => Promise<ChatResult>) {}
	chat(request: ChatRequest): Promise<ChatResult> {
		return this.answer(request);
	}
	async listModels() {
		return [{ name: "scripted" }];
	}
	async contextLength() {
		return 131072;
	}
	async embed(): Promise<number[][]> {
		throw new Error("not used");
	}
}

const SECTIONS = [
	{ key: "summary", heading: "Summary", guidance: "What happened in the session." },
	{ key: "plan", heading: "Plan", guidance: "What comes next." },
];
const SOURCE = "Client described sleeping poorly before the exam. Client agreed to practise the breathing exercise each evening.";

let record: ClinicalRecord;
let identity: ClientIdentity;

beforeEach(async () => {
	const clock = new ManualClock("2026-03-04T16:00:00Z");
	record = new ClinicalRecord({ store: new MemoryStore(), clock });
	await record.init("correct horse battery", { kdf: floorKdfParams() });
	await record.addClient({ code: "C-0142", name: "Robin Syntheticname", modality: "cbt" });
	identity = identityOf(await record.readProfile("C-0142", "internal"));
});

function page(llm: LlmClient, overrides: Partial<PageDraft<ReturnType<typeof checkModelAnswer>>> = {}): PageDraft<ReturnType<typeof checkModelAnswer>> {
	return {
		record,
		boundary: new ModelBoundary(llm, identity),
		model: "scripted",
		what: "the test page",
		sections: SECTIONS,
		messages: [{ role: "user", content: `Robin Syntheticname's session:\n${SOURCE}` }],
		outputTokens: 400,
		tooLong: (fit, shortened) => new Error(`too long (${fit.promptTokens} tokens${shortened ? ", even shortened" : ""})`),
		place: { client: "C-0142", folder: "notes", stem: "2026-03-04" },
		meta: (fit) => ({ kind: "note", client: "C-0142", status: "draft", num_ctx: fit.numCtx }),
		check: (answer) =>
			checkModelAnswer(
				SECTIONS.map((s) => ({ key: s.key, heading: s.heading, text: answer[s.key] ?? "" })),
				{ source: SOURCE, kind: "summary", clinicianText: SOURCE, clientCode: "C-0142" },
			),
		render: (checked) => checked.sections.map((s) => `## ${s.heading}\n${renderSentences(s.sentences)}`).join("\n\n") + "\n",
		...overrides,
	};
}

describe("the drafting pipeline", () => {
	it("fits, places, drafts, checks, renders and writes one page, with the review entries after the service's frontmatter", async () => {
		const llm = new ScriptedLlm().reply({
			summary: ["Client described sleeping poorly before the exam.", "Client was diagnosed with major depressive disorder."],
			plan: ["Client agreed to practise the breathing exercise each evening."],
		});
		const stages: string[] = [];
		const drafted = await draftPage(
			page(llm, {
				finalMeta: (_, result) => ({ after: result.numCtx }),
				onProgress: (p) => {
					if (stages.at(-1) !== p.stage) stages.push(p.stage);
				},
			}),
		);
		expect(drafted.path).toBe("C-0142/notes/2026-03-04.md");
		expect(stages).toEqual(["drafting", "checking", "saving"]);
		// The boundary took the name out; the schema went with the request.
		expect(llm.sentText()).not.toContain("Robin");
		expect(llm.requests[0]!.format).toMatchObject({ type: "object", required: ["summary", "plan"] });

		const { data, body } = splitFrontmatter(await record.readText(drafted.path, "internal"), drafted.path);
		expect(Object.keys(data)).toEqual(["kind", "client", "status", "num_ctx", "review_flags", "review", "after"]);
		expect(data.review_flags).toBe(1);
		expect(data.review).toEqual([
			{
				kind: "diagnosis",
				reason: 'Diagnosis or code "major depressive disorder" removed: not in your own input (the model does not diagnose).',
				excerpt: "Client was diagnosed with major depressive disorder.",
				section: "Summary",
			},
		]);
		expect(body).toContain("## Plan\nClient agreed to practise the breathing exercise each evening.");
		expect(body).not.toMatch(/diagnosed with major depressive disorder\./);
	});

	it("takes a free name when the day's page exists", async () => {
		await record.writeText("C-0142/notes/2026-03-04.md", "---\nkind: note\n---\nEarlier.\n");
		const drafted = await draftPage(page(new ScriptedLlm().reply({ summary: [], plan: [] })));
		expect(drafted.path).not.toBe("C-0142/notes/2026-03-04.md");
		expect(drafted.path).toMatch(/^C-0142\/notes\/2026-03-04.+\.md$/);
		expect(await record.readText("C-0142/notes/2026-03-04.md", "internal")).toContain("Earlier.");
	});

	it("a note of the same name written while the model was working is never replaced: the draft takes the next name", async () => {
		const meanwhile = "---\nkind: note\nstatus: signed\n---\nWritten in the CLI while the plugin's model was working.\n";
		const llm = new StreamingLlm(async (request) => {
			await record.writeText("C-0142/notes/2026-03-04.md", meanwhile);
			const text = JSON.stringify({ summary: [SOURCE], plan: [] });
			request.onToken?.(text, text);
			return { text, doneReason: "stop" };
		});
		const drafted = await draftPage(page(llm));
		expect(drafted.path).toBe("C-0142/notes/2026-03-04-2.md");
		expect(await record.readText("C-0142/notes/2026-03-04.md", "internal")).toBe(meanwhile);
		expect(splitFrontmatter(await record.readText(drafted.path, "internal"), drafted.path).data).toMatchObject({ kind: "note", status: "draft" });

		// The same for an incomplete draft kept after a cancel.
		const cancelling = new StreamingLlm(async (request) => {
			await record.writeText("C-0142/notes/2026-03-05.md", meanwhile);
			request.onToken?.('{"summary": ["Client', '{"summary": ["Client');
			throw new Cancelled();
		});
		const error = await draftPage(page(cancelling, { place: { client: "C-0142", folder: "notes", stem: "2026-03-05" } })).catch((e: unknown) => e);
		expect((error as { keptAt?: string }).keptAt).toBe("C-0142/notes/2026-03-05-2.md");
		expect(await record.readText("C-0142/notes/2026-03-05.md", "internal")).toBe(meanwhile);
	});

	it("a prompt that does not fit: without shorten it is refused before the model or the record is touched", async () => {
		const llm = new ScriptedLlm(2048);
		const long = `${SOURCE}\n`.repeat(400);
		await expect(draftPage(page(llm, { messages: [{ role: "user", content: long }] }))).rejects.toThrow(/^too long \(\d+ tokens\)$/);
		expect(llm.requests).toHaveLength(0);
		expect(await record.exists("C-0142/notes/2026-03-04.md")).toBe(false);
	});

	it("a prompt that does not fit is shortened once and fitted again; still too long is the service's error", async () => {
		const long = `${SOURCE}\n`.repeat(400);
		let shortened = 0;
		const fits = await draftPage(
			page(new ScriptedLlm(2048).reply({ summary: [SOURCE], plan: [] }), {
				messages: [{ role: "user", content: long }],
				shorten: async (fit) => {
					shortened++;
					expect(fit.fits).toBe(false);
					return [{ role: "user", content: SOURCE }];
				},
			}),
		);
		expect(shortened).toBe(1);
		expect(fits.path).toBe("C-0142/notes/2026-03-04.md");

		const llm = new ScriptedLlm(2048);
		await expect(
			draftPage(
				page(llm, {
					place: { client: "C-0142", folder: "notes", stem: "2026-03-05" },
					messages: [{ role: "user", content: long }],
					shorten: async () => [{ role: "user", content: long.slice(0, long.length - 10) }],
				}),
			),
		).rejects.toThrow(/even shortened/);
		expect(llm.requests).toHaveLength(0);
		expect(await record.exists("C-0142/notes/2026-03-05.md")).toBe(false);
	});

	it("an answer that does not parse is kept as an incomplete draft with the service's frontmatter, and neither checked nor rendered", async () => {
		let checked = 0;
		const error = await draftPage(
			page(new ScriptedLlm().reply('{"summary": ["Client described'), {
				check: () => {
					checked++;
					return { sections: [], flags: [], riskMentions: [] };
				},
			}),
		).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(Error);
		expect((error as { keptAt?: string }).keptAt).toBe("C-0142/notes/2026-03-04.md");
		expect(checked).toBe(0);
		const { data, body } = splitFrontmatter(await record.readText("C-0142/notes/2026-03-04.md", "internal"), "kept");
		expect(data).toMatchObject({ kind: "note", client: "C-0142", status: "draft", incomplete: true });
		expect(body).toContain("# Incomplete draft");
		expect(body).toContain('{"summary": ["Client described');
	});

	it("a generation cancelled mid-stream keeps what was written as an incomplete draft; the error stays a cancellation", async () => {
		const controller = new AbortController();
		const llm = new StreamingLlm(async (request) => {
			request.onToken?.('{"summary": ["Client described', '{"summary": ["Client described');
			controller.abort();
			throw new Cancelled();
		});
		const error = await draftPage(page(llm, { signal: controller.signal })).catch((e: unknown) => e);
		expect(isCancelled(error)).toBe(true);
		expect((error as { keptAt?: string }).keptAt).toBe("C-0142/notes/2026-03-04.md");
		const { data, body } = splitFrontmatter(await record.readText("C-0142/notes/2026-03-04.md", "internal"), "kept");
		expect(data).toMatchObject({ kind: "note", incomplete: true });
		expect(body).toContain("The generation was cancelled");
		expect(body).toContain('{"summary": ["Client described');
	});

	it("an answer that hit the output limit is kept as an incomplete draft, never checked into a page", async () => {
		const text = '{"summary": ["Client described sleeping poorly before the exam."], "plan": ["Client agreed';
		const llm = new StreamingLlm(async (request) => {
			request.onToken?.(text, text);
			return { text, doneReason: "length" };
		});
		let checked = 0;
		const error = await draftPage(page(llm, { check: () => (checked++, { sections: [], flags: [], riskMentions: [] }) })).catch((e: unknown) => e);
		expect((error as Error).message).toMatch(/stopped at its output limit before finishing the test page/);
		expect(checked).toBe(0);
		const { data, body } = splitFrontmatter(await record.readText("C-0142/notes/2026-03-04.md", "internal"), "kept");
		expect(data.incomplete).toBe(true);
		expect(body).toContain("The generation failed");
	});

	it("a check or render that throws writes nothing", async () => {
		for (const broken of [
			{
				check: () => {
					throw new Error("check broke");
				},
			},
			{
				render: () => {
					throw new Error("render broke");
				},
			},
		]) {
			await expect(draftPage(page(new ScriptedLlm().reply({ summary: [SOURCE], plan: [] }), broken))).rejects.toThrow(/broke/);
			expect(await record.exists("C-0142/notes/2026-03-04.md")).toBe(false);
		}
	});
});
