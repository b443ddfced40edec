/**
 * The fake OpenAI-compatible server itself (test/support/fake-openai.ts), checked with plain HTTP
 * requests (node:http, not our client):
 * the server-sent events and [DONE], usage, response_format recorded as `format`, the JSON-schema
 * modes, a server that does not stream, the API key, embeddings, context overflow per server,
 * /props, LM Studio's /api/v0/models, vLLM's max_model_len, and every scripted fault.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as http from "node:http";
import { setTimeout } from "node:timers";
import { cosine, fakeEmbedding, llama31ChatTokenCount, llama31TokenCount, renderLlama31Chat } from "../support/fake-ollama";
import { startFakeOpenAi, type FakeOpenAi, type FakeOpenAiOptions } from "../support/fake-openai";

const MODEL = "llama-3.1-8b-instruct";
const messages = [
	{ role: "system", content: "Write a DAP note from the clinician's summary only." },
	{ role: "user", content: "Client C-0142 named a worried part that protects an exile." },
];
const SCHEMA = { type: "object", properties: { data: { type: "string" } }, required: ["data"] };

const started: FakeOpenAi[] = [];
let fake: FakeOpenAi;

/** A fake for this test, closed after the file. */
async function server(options: FakeOpenAiOptions = {}): Promise<FakeOpenAi> {
	const s = await startFakeOpenAi(options);
	started.push(s);
	return s;
}

beforeAll(async () => {
	llama31TokenCount("warm up the tokenizer once for the file");
	fake = await server();
});

afterAll(async () => {
	await Promise.all(started.map((s) => s.close()));
});

afterEach(() => {
	for (const s of started) expect(s.pending, "every scripted reply was used").toBe(0);
});

interface Answer {
	status: number;
	headers: http.IncomingHttpHeaders;
	/** The whole body; rejects when the connection ends before the response does. */
	text(): Promise<string>;
	json(): Promise<unknown>;
}

/** One plain HTTP request; resolves at the response's headers. */
function request(url: string, options: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal } = {}): Promise<Answer> {
	return new Promise((resolve, reject) => {
		const req = http.request(
			url,
			{ method: options.method ?? "GET", headers: options.headers, ...(options.signal ? { signal: options.signal } : {}) },
			(res) => {
				let body: Promise<string> | undefined;
				const text = () =>
					(body ??= (async () => {
						const chunks: Buffer[] = [];
						for await (const c of res) chunks.push(c as Buffer);
						return Buffer.concat(chunks).toString("utf8");
					})());
				resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: async () => JSON.parse(await text()) as unknown });
			},
		);
		req.on("error", reject);
		req.end(options.body);
	});
}

function post(s: FakeOpenAi, path: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Answer> {
	return request(`${s.url}${path}`, {
		method: "POST",
		headers: { "Content-Type": "application/json", ...headers },
		body: JSON.stringify(body),
		...(signal ? { signal } : {}),
	});
}

function chat(s: FakeOpenAi, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Answer> {
	return post(s, "/v1/chat/completions", { model: MODEL, messages, stream: true, ...extra }, headers);
}

async function getJson(s: FakeOpenAi, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
	const res = await request(`${s.url}${path}`, { headers });
	return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The `data:` payloads of a server-sent event stream, in order. */
function events(text: string): string[] {
	return text
		.split("\n\n")
		.filter((e) => e !== "")
		.map((e) => {
			expect(e.startsWith("data: "), `an SSE data event: ${e}`).toBe(true);
			return e.slice("data: ".length);
		});
}

interface Chunk {
	id: string;
	object: string;
	model: string;
	choices: { finish_reason: string | null; index: number; delta: { role?: string; content?: string | null } }[];
	usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
	timings?: { prompt_n: number; predicted_n: number };
	system_fingerprint?: string;
}

async function streamed(res: Answer): Promise<{ chunks: Chunk[]; done: boolean; text: string }> {
	expect(res.status).toBe(200);
	expect(res.headers["content-type"]).toBe("text/event-stream");
	const data = events(await res.text());
	const done = data.at(-1) === "[DONE]";
	const chunks = (done ? data.slice(0, -1) : data).map((d) => JSON.parse(d) as Chunk);
	const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
	return { chunks, done, text };
}

describe("chat streaming (llama-server)", () => {
	it("streams chat.completion.chunk events: the role, the pieces, the finish reason with timings, then [DONE]", async () => {
		const answer = "Client identified worry as a protector. Some unburdening occurred.";
		fake.reply(answer);
		const { chunks, done, text } = await streamed(await chat(fake));

		expect(done).toBe(true);
		expect(text).toBe(answer);
		expect(chunks[0]!.choices[0]!.delta).toEqual({ role: "assistant", content: null });
		const pieces = chunks.slice(1, -1);
		expect(pieces.length).toBe(answer.split(" ").length);
		for (const c of pieces) expect(c.choices[0]).toMatchObject({ finish_reason: null, index: 0 });
		const last = chunks.at(-1)!;
		expect(last.choices).toEqual([{ finish_reason: "stop", index: 0, delta: {} }]);
		expect(last.usage, "usage only when stream_options.include_usage").toBeUndefined();
		expect(last.timings).toMatchObject({ prompt_n: llama31ChatTokenCount(messages), predicted_n: pieces.length });
		const ids = new Set(chunks.map((c) => c.id));
		expect(ids.size).toBe(1);
		expect([...ids][0]).toMatch(/^chatcmpl-[0-9A-Za-z]{32}$/);
		for (const c of chunks) {
			expect(c.object).toBe("chat.completion.chunk");
			expect(c.model).toBe(MODEL);
			expect(c.system_fingerprint).toMatch(/^b\d+-/);
		}
	});

	it("sends usage in a last chunk with empty choices when include_usage is asked; counts are the real prompt tokens", async () => {
		fake.reply({ text: "Brief answer here.", doneReason: "length" });
		const { chunks, done } = await streamed(await chat(fake, { stream_options: { include_usage: true } }));
		expect(done).toBe(true);
		const usageChunk = chunks.at(-1)!;
		expect(usageChunk.choices).toEqual([]);
		const promptTokens = llama31ChatTokenCount(messages);
		expect(usageChunk.usage).toEqual({ prompt_tokens: promptTokens, completion_tokens: 3, total_tokens: promptTokens + 3 });
		expect(usageChunk.timings?.prompt_n).toBe(promptTokens);
		expect(chunks.at(-2)!.choices[0]).toMatchObject({ finish_reason: "length", delta: {} });
		expect(fake.chats.at(-1)).toMatchObject({ promptTokens, numCtx: 8192, truncated: false, effectivePrompt: renderLlama31Chat(messages) });
	});

	it("takes promptEvalCount, evalCount, exact chunks and chunkSize from the script", async () => {
		fake.reply({ chunks: ['{"da', 'ta":', '"x"}'], promptEvalCount: 77, evalCount: 5 }, { text: "abcdefgh", chunkSize: 3 });
		const first = await streamed(await chat(fake, { stream_options: { include_usage: true } }));
		expect(first.chunks.slice(1, 4).map((c) => c.choices[0]!.delta.content)).toEqual(['{"da', 'ta":', '"x"}']);
		expect(first.chunks.at(-1)!.usage).toEqual({ prompt_tokens: 77, completion_tokens: 5, total_tokens: 82 });
		const second = await streamed(await chat(fake));
		expect(second.chunks.slice(1, -1).map((c) => c.choices[0]!.delta.content)).toEqual(["abc", "def", "gh"]);
	});

	it("asks a reply function with the recorded chat", async () => {
		fake.reply((c) => (c.format ? { json: { data: "structured" } } : "plain text"));
		const structured = await streamed(
			await chat(fake, { response_format: { type: "json_schema", json_schema: { name: "note", strict: true, schema: SCHEMA } } }),
		);
		expect(JSON.parse(structured.text)).toEqual({ data: "structured" });
	});
});

describe("recorded chats", () => {
	it("maps response_format to `format`, keeps temperature and max_tokens, and the raw response_format", async () => {
		const s = await server();
		s.defaultReply = "ok";
		const formats = [
			{ type: "json_schema", json_schema: { name: "note", schema: SCHEMA } },
			{ type: "json_object", schema: SCHEMA },
			{ type: "json_object" },
			{ type: "text" },
			undefined,
		];
		for (const response_format of formats) await (await chat(s, { response_format, temperature: 0.2, max_tokens: 300 })).text();
		await (await chat(s, { stream: false })).text();

		expect(s.chats.map((c) => c.format)).toEqual([SCHEMA, SCHEMA, "json", undefined, undefined, undefined]);
		expect(s.responseFormats).toEqual([...formats, undefined]);
		expect(s.chats[0]!.options).toEqual({ temperature: 0.2, max_tokens: 300 });
		expect(s.chats.at(-1)!.options).toEqual({});
		expect(s.chats.map((c) => c.stream)).toEqual([true, true, true, true, true, false]);
		expect(s.chats[0]!.messages).toEqual(messages);
		expect(s.chats[0]!.model).toBe(MODEL);
	});

	it("answers 500 when no reply is queued", async () => {
		const res = await chat(fake);
		expect(res.status).toBe(500);
		expect(await res.json()).toEqual({ error: { code: 500, message: "fake-openai: no reply queued for this chat request", type: "server_error" } });
	});

	it("records how each connection ended", async () => {
		fake.reply("done");
		await (await chat(fake)).text();
		expect(await fake.requests.at(-1)!.closed).toBe("finished");
	});
});

describe("response_format modes", () => {
	const jsonSchema = { type: "json_schema", json_schema: { name: "note", schema: SCHEMA } };

	it("reject: a json_schema request gets 400 naming response_format, without using a reply; JSON mode is accepted", async () => {
		const s = await server({ jsonSchema: "reject" });
		s.reply({ json: { data: "from JSON mode" } });
		const refused = await chat(s, { response_format: jsonSchema });
		expect(refused.status).toBe(400);
		const body = (await refused.json()) as { error: { code: number; message: string; type: string } };
		expect(body.error.code).toBe(400);
		expect(body.error.type).toBe("invalid_request_error");
		expect(body.error.message).toContain("response_format");
		expect(s.pending).toBe(1);

		const accepted = await streamed(await chat(s, { response_format: { type: "json_object", schema: SCHEMA } }));
		expect(JSON.parse(accepted.text)).toEqual({ data: "from JSON mode" });
		expect(s.chats.map((c) => c.format)).toEqual([SCHEMA, SCHEMA]);
	});

	it("ignore: a json_schema request is accepted and the scripted reply is sent as is", async () => {
		const s = await server({ jsonSchema: "ignore" });
		s.reply("Not JSON at all.");
		const { text } = await streamed(await chat(s, { response_format: jsonSchema }));
		expect(text).toBe("Not JSON at all.");
		expect(s.chats[0]!.format).toEqual(SCHEMA);
	});
});

describe("non-streaming", () => {
	it("answers one chat.completion with the message, finish_reason and usage when stream is false", async () => {
		fake.reply({ text: "Whole answer.", doneReason: "length" });
		const res = await chat(fake, { stream: false });
		expect(res.headers["content-type"]).toContain("application/json");
		const body = (await res.json()) as Record<string, unknown>;
		const promptTokens = llama31ChatTokenCount(messages);
		expect(body).toMatchObject({
			object: "chat.completion",
			model: MODEL,
			choices: [{ index: 0, finish_reason: "length", message: { role: "assistant", content: "Whole answer." } }],
			usage: { prompt_tokens: promptTokens, completion_tokens: 2, total_tokens: promptTokens + 2 },
			timings: { prompt_n: promptTokens, predicted_n: 2 },
		});
	});

	it("a server that does not stream answers JSON even to stream: true", async () => {
		const s = await server({ stream: false });
		s.reply("No events here.");
		const res = await chat(s, { stream_options: { include_usage: true } });
		expect(res.headers["content-type"]).toContain("application/json");
		const body = (await res.json()) as { choices: { message: { content: string } }[] };
		expect(body.choices[0]!.message.content).toBe("No events here.");
		expect(s.chats[0]!.stream).toBe(true);
	});
});

describe("API key", () => {
	it("llama-server: 401 Invalid API Key without the right bearer token; /health and /v1/models stay public", async () => {
		const s = await server({ apiKey: "sk-practice" });
		const missing = await chat(s);
		expect(missing.status).toBe(401);
		expect(await missing.json()).toEqual({ error: { code: 401, message: "Invalid API Key", type: "authentication_error" } });
		expect((await chat(s, {}, { Authorization: "Bearer sk-wrong" })).status).toBe(401);
		expect((await getJson(s, "/props")).status).toBe(401);
		expect((await getJson(s, "/health")).body).toEqual({ status: "ok" });
		expect((await getJson(s, "/v1/models")).status).toBe(200);

		s.reply("Authorised.");
		const ok = await streamed(await chat(s, {}, { Authorization: "Bearer sk-practice" }));
		expect(ok.text).toBe("Authorised.");
		expect(s.chats).toHaveLength(3);
	});

	it("vLLM: only /v1 paths are guarded, with {error: Unauthorized}", async () => {
		const s = await server({ flavor: "vllm", apiKey: "sk-practice" });
		const res = await request(`${s.url}/v1/models`);
		expect(res.status).toBe(401);
		expect(await res.json()).toEqual({ error: "Unauthorized" });
		expect((await request(`${s.url}/health`)).status).toBe(200);
		expect((await getJson(s, "/v1/models", { Authorization: "Bearer sk-practice" })).status).toBe(200);
	});
});

describe("embeddings", () => {
	it("answers the OpenAI list shape for a string or an array, with the fake's deterministic vectors", async () => {
		const one = await post(fake, "/v1/embeddings", { model: "nomic-embed-text-v1.5", input: "worried part" });
		expect(one.status).toBe(200);
		const body = (await one.json()) as {
			object: string;
			model: string;
			data: { object: string; index: number; embedding: number[] }[];
			usage: { prompt_tokens: number; total_tokens: number };
		};
		expect(body.object).toBe("list");
		expect(body.model).toBe("nomic-embed-text-v1.5");
		expect(body.data).toEqual([{ embedding: fakeEmbedding("worried part", 256), index: 0, object: "embedding" }]);
		expect(body.usage.prompt_tokens).toBeGreaterThan(0);
		expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens);

		const many = (await (
			await post(fake, "/v1/embeddings", { model: "nomic-embed-text-v1.5", input: ["the father left", "the father left", "tax forms"] })
		).json()) as typeof body;
		expect(many.data.map((d) => d.index)).toEqual([0, 1, 2]);
		expect(cosine(many.data[0]!.embedding, many.data[1]!.embedding)).toBeCloseTo(1, 6);
		expect(cosine(many.data[0]!.embedding, many.data[2]!.embedding)).toBeLessThan(0.5);
	});

	it("changes dimension when embeddingDimensions changes, honours concepts, and answers base64 when asked", async () => {
		const s = await server({ concepts: { dad: "father" } });
		const vector = async (input: string) =>
			((await (await post(s, "/v1/embeddings", { model: "m", input })).json()) as { data: { embedding: number[] }[] }).data[0]!.embedding;
		expect((await vector("the dad")).length).toBe(256);
		expect(cosine(await vector("dad"), await vector("father"))).toBeCloseTo(1, 6);
		s.embeddingDimensions = 64;
		expect((await vector("the dad")).length).toBe(64);

		const b64 = (await (await post(s, "/v1/embeddings", { model: "m", input: "worried part", encoding_format: "base64" })).json()) as {
			data: { embedding: string }[];
		};
		const bytes = Buffer.from(b64.data[0]!.embedding, "base64");
		const floats = Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
		const expected = fakeEmbedding("worried part", 64, { dad: "father" });
		expect(floats).toHaveLength(64);
		floats.forEach((f, i) => expect(f).toBeCloseTo(expected[i]!, 6));
	});

	it("answers 501 as llama-server without --embeddings", async () => {
		const s = await server({ embeddings: false });
		const res = await post(s, "/v1/embeddings", { model: "nomic-embed-text-v1.5", input: "x" });
		expect(res.status).toBe(501);
		expect(await res.json()).toEqual({
			error: { code: 501, message: "This server does not support embeddings. Start it with `--embeddings`", type: "not_supported_error" },
		});
	});

	it("refuses an empty input", async () => {
		const res = await post(fake, "/v1/embeddings", { model: "m", input: [] });
		expect(res.status).toBe(400);
	});
});

describe("context", () => {
	/** A chat whose prompt is about `words` tokens. */
	const long = (words: number) => [
		{ role: "system", content: "Write a note." },
		{ role: "user", content: Array.from({ length: words }, (_, i) => `word${i % 50}`).join(" ") },
	];

	it("llama-server refuses a prompt that does not fit with exceed_context_size_error, before streaming and without a reply", async () => {
		const s = await server({ nCtx: 64 });
		const tooLong = long(80);
		const res = await chat(s, { messages: tooLong });
		expect(res.status).toBe(400);
		const n = llama31ChatTokenCount(tooLong);
		expect(n).toBeGreaterThanOrEqual(64);
		expect(await res.json()).toEqual({
			error: {
				code: 400,
				message: `request (${n} tokens) exceeds the available context size (64 tokens), try increasing it`,
				type: "exceed_context_size_error",
				n_prompt_tokens: n,
				n_ctx: 64,
			},
		});
		expect(s.chats[0]).toMatchObject({ promptTokens: 0, numCtx: 64, truncated: false, effectivePrompt: "" });

		s.reply("fits");
		const fits = await streamed(await chat(s, { messages: long(5) }));
		expect(fits.text).toBe("fits");
	});

	it("llama-server refuses a prompt of exactly n_ctx tokens (tokens >= n_ctx)", async () => {
		const exact = llama31ChatTokenCount(messages);
		const s = await server({ nCtx: exact });
		expect((await chat(s)).status).toBe(400);
		const roomy = await server({ nCtx: exact + 1 });
		roomy.reply("fits");
		expect((await chat(roomy)).status).toBe(200);
		expect(roomy.chats[0]!.promptTokens).toBe(exact);
	});

	it("plain answers the same 400", async () => {
		const s = await server({ flavor: "plain", nCtx: 64 });
		const body = (await (await chat(s, { messages: long(80) })).json()) as { error: { type: string; n_ctx: number } };
		expect(body.error).toMatchObject({ type: "exceed_context_size_error", n_ctx: 64 });
	});

	it("vLLM answers 400 BadRequestError, counting max_tokens when sent", async () => {
		const n = llama31ChatTokenCount(messages);
		const s = await server({ flavor: "vllm", nCtx: n + 10 });
		s.reply("fits");
		expect((await chat(s, { max_tokens: 10 })).status).toBe(200);
		const res = await chat(s, { max_tokens: 11 });
		expect(res.status).toBe(400);
		const body = (await res.json()) as { error: { message: string; type: string; param: null; code: number } };
		expect(body.error).toMatchObject({ type: "BadRequestError", param: null, code: 400 });
		expect(body.error.message).toContain(`maximum context length is ${n + 10} tokens`);
		expect(body.error.message).toContain(`${n + 11} tokens (${n} in the messages, 11 in the completion)`);
	});

	it("LM Studio cuts silently: keeps the last nCtx tokens and reports prompt_tokens = nCtx", async () => {
		const s = await server({ flavor: "lmstudio", nCtx: 64 });
		s.reply("Answer from part of the session.");
		const tooLong = long(80);
		const res = await chat(s, { messages: tooLong, stream_options: { include_usage: true } });
		const { chunks, text } = await streamed(res);
		expect(text).toBe("Answer from part of the session.");
		expect(chunks.at(-1)!.usage!.prompt_tokens).toBe(64);
		const recorded = s.chats[0]!;
		expect(recorded).toMatchObject({ promptTokens: 64, numCtx: 64, truncated: true });
		const full = renderLlama31Chat(tooLong);
		expect(full.endsWith(recorded.effectivePrompt)).toBe(true);
		expect(recorded.effectivePrompt.length).toBeLessThan(full.length);
		expect(llama31TokenCount(recorded.effectivePrompt)).toBe(64);
		expect(recorded.effectivePrompt).not.toContain("Write a note.");
	});
});

describe("context reporting endpoints", () => {
	it("llama-server: /props has the slot's n_ctx, and /v1/models its one model with meta.n_ctx_train", async () => {
		const s = await server({ nCtx: 16384, models: [{ id: "qwen2.5-7b-instruct", nCtxTrain: 32768 }] });
		const props = await getJson(s, "/props");
		expect(props.status).toBe(200);
		expect(props.body).toMatchObject({ default_generation_settings: { n_ctx: 16384 }, total_slots: 1, model_path: "/models/qwen2.5-7b-instruct.gguf" });
		expect(typeof props.body.chat_template).toBe("string");
		const models = await getJson(s, "/v1/models");
		expect(models.body).toMatchObject({
			object: "list",
			data: [{ id: "qwen2.5-7b-instruct", object: "model", owned_by: "llamacpp", meta: { n_ctx_train: 32768 } }],
		});
		expect((models.body.data as unknown[]).length).toBe(1);
	});

	it("llama-server serves any model name with its one model", async () => {
		fake.reply("served anyway");
		const { text, chunks } = await streamed(await chat(fake, { model: "not-a-model" }));
		expect(text).toBe("served anyway");
		expect(chunks[0]!.model).toBe("not-a-model");
	});

	it("LM Studio: /api/v0/models states and contexts; /props and /health are 200 with an error body", async () => {
		const s = await server({ flavor: "lmstudio", nCtx: 4096, loaded: [MODEL] });
		const list = await getJson(s, "/api/v0/models");
		expect(list.body).toEqual({
			object: "list",
			data: [
				expect.objectContaining({ id: MODEL, type: "llm", state: "loaded", max_context_length: 131072, loaded_context_length: 4096 }),
				expect.objectContaining({ id: "nomic-embed-text-v1.5", type: "embeddings", state: "not-loaded", max_context_length: 2048 }),
			],
		});
		expect((list.body.data as Record<string, unknown>[])[1]).not.toHaveProperty("loaded_context_length");
		const one = await getJson(s, `/api/v0/models/${MODEL}`);
		expect(one.body).toMatchObject({ id: MODEL, state: "loaded", loaded_context_length: 4096 });
		const missing = await getJson(s, "/api/v0/models/nope");
		expect(missing.status).toBe(404);

		expect(await getJson(s, "/props")).toEqual({ status: 200, body: { error: "Unexpected endpoint or method. (GET /props)" } });
		expect((await getJson(s, "/health")).body).toEqual({ error: "Unexpected endpoint or method. (GET /health)" });
		expect((await getJson(s, "/v1/models")).body).toEqual({
			data: [
				{ id: MODEL, object: "model", owned_by: "organization_owner" },
				{ id: "nomic-embed-text-v1.5", object: "model", owned_by: "organization_owner" },
			],
			object: "list",
		});

		// An embedding request loads its model (just-in-time loading).
		expect((await post(s, "/v1/embeddings", { model: "nomic-embed-text-v1.5", input: "x" })).status).toBe(200);
		expect((await getJson(s, "/api/v0/models/nomic-embed-text-v1.5")).body).toMatchObject({ state: "loaded", loaded_context_length: 4096 });
	});

	it("LM Studio and vLLM answer 404 for a model they do not have", async () => {
		const lm = await server({ flavor: "lmstudio" });
		const lmRes = await chat(lm, { model: "qwen2.5:14b" });
		expect(lmRes.status).toBe(404);
		expect(await lmRes.json()).toMatchObject({ error: { type: "invalid_request_error", param: "model", code: "model_not_found" } });
		const vllm = await server({ flavor: "vllm" });
		const vRes = await chat(vllm, { model: "qwen2.5:14b" });
		expect(vRes.status).toBe(404);
		expect(await vRes.json()).toEqual({ error: { message: "The model `qwen2.5:14b` does not exist.", type: "NotFoundError", param: null, code: 404 } });
	});

	it("vLLM: /v1/models has max_model_len; no /props", async () => {
		const s = await server({ flavor: "vllm", nCtx: 32768 });
		const models = await getJson(s, "/v1/models");
		expect(models.body).toMatchObject({
			object: "list",
			data: [
				{ id: MODEL, owned_by: "vllm", max_model_len: 32768 },
				{ id: "nomic-embed-text-v1.5", max_model_len: 32768 },
			],
		});
		expect(await getJson(s, "/props")).toEqual({ status: 404, body: { detail: "Not Found" } });
	});

	it("plain: no context anywhere", async () => {
		const s = await server({ flavor: "plain" });
		const models = await getJson(s, "/v1/models");
		for (const m of models.body.data as Record<string, unknown>[]) expect(Object.keys(m).sort()).toEqual(["created", "id", "object", "owned_by"]);
		expect((await getJson(s, "/props")).status).toBe(404);
		expect((await getJson(s, "/api/v0/models")).status).toBe(404);
		expect((await getJson(s, "/health")).body).toEqual({ status: "ok" });
	});

	it("llama-server's 404 for any other path", async () => {
		expect(await getJson(fake, "/api/tags")).toEqual({ status: 404, body: { error: { code: 404, message: "File Not Found", type: "not_found_error" } } });
	});
});

describe("faults", () => {
	it("cut: the connection drops after N pieces", async () => {
		fake.reply({ text: "one two three four five", fault: { kind: "cut", after: 2 } });
		const res = await chat(fake);
		await expect(res.text()).rejects.toThrow();
		expect(await fake.requests.at(-1)!.closed).toBe("server-cut");
	});

	it("malformed-line: an event that is not JSON, then the rest of the answer and [DONE]", async () => {
		fake.reply({ text: "one two three", fault: { kind: "malformed-line", after: 1 } });
		const data = events(await (await chat(fake)).text());
		const bad = data.filter((d) => {
			try {
				JSON.parse(d);
				return false;
			} catch {
				return true;
			}
		});
		expect(bad).toHaveLength(2);
		expect(bad[0]!.startsWith("{")).toBe(true);
		expect(bad[1]).toBe("[DONE]");
		const content = data.filter((d) => !bad.includes(d)).map((d) => (JSON.parse(d) as Chunk).choices[0]?.delta.content ?? "");
		expect(content.join("")).toBe("one two three");
	});

	it("error: llama-server's in-stream error event, then the end without [DONE]", async () => {
		fake.reply({ text: "one two three", fault: { kind: "error", after: 2, message: "slot unavailable" } });
		const data = events(await (await chat(fake)).text());
		expect(data).not.toContain("[DONE]");
		expect(JSON.parse(data.at(-1)!)).toEqual({ error: { code: 500, message: "slot unavailable", type: "server_error" } });
		const pieces = data.slice(1, -1).map((d) => (JSON.parse(d) as Chunk).choices[0]!.delta.content);
		expect(pieces.join("")).toBe("one two");
	});

	it("no-done: the pieces, then the end without a finish_reason and without [DONE]", async () => {
		fake.reply({ text: "one two", fault: { kind: "no-done" } });
		const { chunks, done, text } = await streamed(await chat(fake));
		expect(done).toBe(false);
		expect(text).toBe("one two");
		expect(chunks.every((c) => c.choices[0]!.finish_reason === null)).toBe(true);
	});

	it("headers-then-hang and hang: nothing more until the client gives up", async () => {
		fake.reply({ text: "never", fault: { kind: "headers-then-hang" } }, { text: "never", hang: true });
		const controller = new AbortController();
		const res = await post(fake, "/v1/chat/completions", { model: MODEL, messages, stream: true }, {}, controller.signal);
		expect(res.status).toBe(200);
		setTimeout(() => controller.abort(), 50);
		await expect(res.text()).rejects.toThrow();
		expect(await fake.requests.at(-1)!.closed).toBe("client-closed");

		const second = new AbortController();
		setTimeout(() => second.abort(), 50);
		await expect(post(fake, "/v1/chat/completions", { model: MODEL, messages, stream: true }, {}, second.signal)).rejects.toThrow();
		expect(await fake.requests.at(-1)!.closed).toBe("client-closed");
	});

	it("a scripted status answers the OpenAI-style error body", async () => {
		fake.reply({ status: 503, error: "Loading model" });
		const res = await chat(fake);
		expect(res.status).toBe(503);
		expect(await res.json()).toEqual({ error: { code: 503, message: "Loading model", type: "unavailable_error" } });
	});

	it("failNext: a one-shot answer for any path", async () => {
		fake.failNext("/props", { status: 502, rawBody: "<html>Bad gateway</html>" }).failNext("/v1/models", { status: 500, error: "boom" });
		const props = await request(`${fake.url}/props`);
		expect(props.status).toBe(502);
		expect(await props.text()).toBe("<html>Bad gateway</html>");
		expect(await getJson(fake, "/v1/models")).toEqual({ status: 500, body: { error: { code: 500, message: "boom", type: "server_error" } } });
		expect((await getJson(fake, "/props")).status).toBe(200);
	});
});
