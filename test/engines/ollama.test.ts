/**
 * OllamaClient against a real loopback HTTP server speaking Ollama's API (test/support/fake-ollama.ts),
 * through the official `ollama` client and our Node fetch: streaming, options reaching the server,
 * metadata and embeddings, cancellation, every failure's message, the endpoint policy and the token.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { failure as engineError, recordingAgent } from "../support/failure";
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import { setTimeout } from "node:timers";
import { Ollama } from "ollama/browser";
import { Cancelled } from "../../src/core/errors";
import { egressLog } from "../../src/core/net/egress";
import { LOOPBACK_ONLY, type EndpointPolicy } from "../../src/core/net/endpoint";
import { createNodeFetch } from "../../src/engines/nodeFetch";
import { normalizeOllamaHost, OllamaClient, type OllamaOptions } from "../../src/engines/ollama";
import { cosine, modelNotFound, startFakeOllama, type FakeOllama } from "../support/fake-ollama";

let fake: FakeOllama;
const MODEL = "llama3.1:8b";
const EMBED = "nomic-embed-text";

beforeAll(async () => {
	fake = await startFakeOllama({
		models: [
			{ name: MODEL, contextLength: 131072 },
			{ name: "nomic-embed-text:latest", contextLength: 2048 },
			{ name: "tiny:1b", contextLength: null, numCtx: 4096 },
			{ name: "bare:1b", contextLength: null },
		],
	});
});

afterAll(async () => {
	await fake.close();
});

afterEach(() => {
	expect(fake.pending, "every scripted reply was used").toBe(0);
	vi.restoreAllMocks();
});

const client = (extra: Partial<OllamaOptions> = {}) => new OllamaClient({ host: fake.url, policy: LOOPBACK_ONLY, ...extra });
const messages = [
	{ role: "system" as const, content: "Write a DAP note from the clinician's summary only." },
	{ role: "user" as const, content: "Client C-0142 named a worried part that protects an exile." },
];

describe("chat", () => {
	it("streams the answer piece by piece, in order, and reports the counts", async () => {
		const answer = "Client identified worry as a protector. Some unburdening occurred.";
		fake.reply({ text: answer, promptEvalCount: 31, evalCount: 12, doneReason: "stop" });
		const seen: { piece: string; soFar: string }[] = [];
		const result = await client().chat({ model: MODEL, messages, onToken: (piece, soFar) => seen.push({ piece, soFar }) });

		expect(result).toEqual({ text: answer, promptTokens: 31, outputTokens: 12, doneReason: "stop" });
		expect(seen.length).toBe(answer.split(" ").length);
		expect(seen.map((s) => s.piece).join("")).toBe(answer);
		let soFar = "";
		for (const s of seen) {
			soFar += s.piece;
			expect(s.soFar).toBe(soFar);
		}
		const sent = fake.chats.at(-1)!;
		expect(sent.stream).toBe(true);
		expect(sent.model).toBe(MODEL);
		expect(sent.messages).toEqual(messages);
		expect(sent.options.temperature).toBe(0.2);
		expect(sent.options).not.toHaveProperty("num_ctx");
		expect(sent).not.toHaveProperty("format");
	});

	it("delivers pieces as they arrive, not when the answer is complete", async () => {
		fake.reply({ chunks: ["One", " two", " three", " four"], chunkDelayMs: 150 });
		const started = Date.now();
		const times: number[] = [];
		const result = await client().chat({ model: MODEL, messages, onToken: () => times.push(Date.now() - started) });
		const total = Date.now() - started;
		expect(result.text).toBe("One two three four");
		expect(times).toHaveLength(4);
		expect(total).toBeGreaterThanOrEqual(450);
		expect(times[0]!).toBeLessThan(total - 300);
	});

	it("sends num_ctx, temperature and a JSON schema format, and returns the JSON text", async () => {
		const schema = { type: "object", properties: { data: { type: "string" }, assessment: { type: "string" } }, required: ["data", "assessment"] };
		const scripted = { data: "Client named a worried part.", assessment: "[unclear in transcript]" };
		fake.reply((chat) => (chat.format ? { json: scripted, chunkSize: 7 } : "format did not arrive"));
		const result = await client().chat({ model: MODEL, messages, format: schema, numCtx: 12288, temperature: 0 });
		expect(JSON.parse(result.text)).toEqual(scripted);
		const sent = fake.chats.at(-1)!;
		expect(sent.format).toEqual(schema);
		expect(sent.options.num_ctx).toBe(12288);
		expect(sent.options.temperature).toBe(0);
	});

	it('sends format "json"', async () => {
		fake.reply((chat) => ({ json: { format: chat.format } }));
		const result = await client().chat({ model: MODEL, messages, format: "json" });
		expect(JSON.parse(result.text)).toEqual({ format: "json" });
	});

	it("an exception from onToken reaches the caller unchanged, and the connection is closed", async () => {
		fake.reply({ text: "one two three four five", chunkDelayMs: 30 });
		const mine = new RangeError("the live view went away");
		await expect(
			client().chat({
				model: MODEL,
				messages,
				onToken: () => {
					throw mine;
				},
			}),
		).rejects.toBe(mine);
		expect(await fake.requests.at(-1)!.closed).toBe("client-closed");
	});

	it("reports done_reason length when the output hit its limit", async () => {
		fake.reply({ text: "Cut off mid", doneReason: "length" });
		expect((await client().chat({ model: MODEL, messages })).doneReason).toBe("length");
	});
});

describe("models, context length, embeddings", () => {
	it("lists the installed models from /api/tags", async () => {
		const models = await client().listModels();
		expect(models.map((m) => m.name)).toEqual([MODEL, "nomic-embed-text:latest", "tiny:1b", "bare:1b"]);
		expect(models[0]).toMatchObject({ sizeBytes: expect.any(Number) as number, parameterSize: "8.0B" });
		expect(fake.requests.at(-1)).toMatchObject({ method: "GET", path: "/api/tags" });
	});

	it("reads the context length from /api/show, falls back to num_ctx, else null", async () => {
		expect(await client().contextLength(MODEL)).toBe(131072);
		expect(fake.requests.at(-1)).toMatchObject({ method: "POST", path: "/api/show", body: { model: MODEL } });
		expect(await client().contextLength("nomic-embed-text")).toBe(2048);
		expect(await client().contextLength("tiny:1b")).toBe(4096);
		expect(await client().contextLength("bare:1b")).toBeNull();
	});

	it("embeds a batch in one request, one vector per input, similar texts closer", async () => {
		const inputs = ["the worried part protects the exile", "the worried part protects a young exile", "homework journaling every evening"];
		const vectors = await client().embed(EMBED, inputs);
		expect(vectors).toHaveLength(3);
		for (const v of vectors) {
			expect(v).toHaveLength(256);
			expect(Math.hypot(...v)).toBeCloseTo(1, 6);
		}
		expect(cosine(vectors[0]!, vectors[1]!)).toBeGreaterThan(cosine(vectors[0]!, vectors[2]!) + 0.5);
		expect(fake.requests.filter((r) => r.path === "/api/embed").at(-1)?.body).toEqual({ model: EMBED, input: inputs });
		expect(await client().embed(EMBED, [])).toEqual([]);
	});
});

describe("cancellation", () => {
	it("a cancel mid-stream throws Cancelled at once, keeps the pieces seen, and closes the connection", async () => {
		fake.reply({ text: Array.from({ length: 60 }, (_, i) => `word${i}`).join(" "), chunkDelayMs: 40 });
		const controller = new AbortController();
		const pieces: string[] = [];
		let abortedAt = 0;
		const outcome = await client()
			.chat({
				model: MODEL,
				messages,
				signal: controller.signal,
				onToken: (piece) => {
					pieces.push(piece);
					if (pieces.length === 3) {
						abortedAt = Date.now();
						controller.abort();
					}
				},
			})
			.catch((e: unknown) => e);
		expect(outcome).toBeInstanceOf(Cancelled);
		expect(Date.now() - abortedAt).toBeLessThan(200);
		expect(pieces.join("")).toBe("word0 word1 word2");
		expect(await fake.requests.at(-1)!.closed).toBe("client-closed");
	});

	it("an already cancelled signal sends nothing", async () => {
		const before = fake.requests.length;
		const controller = new AbortController();
		controller.abort();
		await expect(client().chat({ model: MODEL, messages, signal: controller.signal })).rejects.toBeInstanceOf(Cancelled);
		await expect(client().listModels(controller.signal)).rejects.toBeInstanceOf(Cancelled);
		expect(fake.requests.length).toBe(before);
	});

	it("cancels a metadata call and an embedding that hang", async () => {
		fake.failNext("/api/embed", { hang: true });
		const controller = new AbortController();
		const pending = client().embed(EMBED, ["text"], controller.signal);
		setTimeout(() => controller.abort(), 100);
		await expect(pending).rejects.toBeInstanceOf(Cancelled);
		expect(await fake.requests.at(-1)!.closed).toBe("client-closed");
	});
});

describe("errors a clinician can act on", () => {
	it("Ollama not running: names the address and how to start it", async () => {
		const closed = http.createServer();
		await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
		const port = (closed.address() as AddressInfo).port;
		await new Promise<void>((resolve) => closed.close(() => resolve()));
		const down = new OllamaClient({ host: `http://127.0.0.1:${port}`, policy: LOOPBACK_ONLY });
		for (const call of [
			() => down.chat({ model: MODEL, messages }),
			() => down.listModels(),
			() => down.contextLength(MODEL),
			() => down.embed(EMBED, ["x"]),
		]) {
			const error = await engineError(call);
			expect(error.code).toBe("engine");
			expect(error.message).toBe(`Ollama is not running at http://127.0.0.1:${port}: start it (ollama serve, or open the Ollama app), then try again.`);
		}
	});

	it("model not pulled: names the exact ollama pull command", async () => {
		const chat = await engineError(() => client().chat({ model: "qwen2.5:14b", messages }));
		expect(chat.message).toContain("ollama pull qwen2.5:14b");
		expect(chat.detail).toContain('model "qwen2.5:14b" not found, try pulling it first');
		expect((await engineError(() => client().embed("mxbai-embed-large", ["x"]))).message).toContain("ollama pull mxbai-embed-large");
		expect((await engineError(() => client().contextLength("mistral:7b"))).message).toContain("ollama pull mistral:7b");
		// Older Ollama words it with single quotes; a scripted 404 for an installed name too.
		fake.reply({ status: 404, error: `model '${MODEL}' not found, try pulling it first` });
		expect((await engineError(() => client().chat({ model: MODEL, messages }))).message).toContain(`ollama pull ${MODEL}`);
		fake.reply(modelNotFound(MODEL));
		expect((await engineError(() => client().chat({ model: MODEL, messages }))).message).toContain(`ollama pull ${MODEL}`);
	});

	it("a line that is not JSON: engine error after the good pieces, and nothing logged", async () => {
		const warn = vi.spyOn(console, "warn");
		const log = vi.spyOn(console, "log");
		fake.reply({ text: "Client described sleep problems since March and more.", fault: { kind: "malformed-line", after: 3 } });
		const pieces: string[] = [];
		const error = await engineError(() => client().chat({ model: MODEL, messages, onToken: (p) => pieces.push(p) }));
		expect(error.message).toMatch(/^Ollama at http:\/\/127\.0\.0\.1:\d+ sent a malformed answer \(a line that is not JSON\)/);
		expect(error.detail).not.toContain("assis");
		expect(pieces.join("")).toBe("Client described sleep");
		expect(warn).not.toHaveBeenCalled();
		expect(log).not.toHaveBeenCalled();
	});

	it("a JSON line that is not an object: engine error after the good pieces", async () => {
		fake.reply({ text: "Client described sleep problems since March.", fault: { kind: "not-object", after: 2 } });
		const pieces: string[] = [];
		const error = await engineError(() => client().chat({ model: MODEL, messages, onToken: (p) => pieces.push(p) }));
		expect(error.message).toMatch(/sent a malformed answer \(a line that is not a JSON object\)/);
		expect(error.detail).toBe("NDJSON line 3 is a JSON array");
		expect(pieces.join("")).toBe("Client described");
	});

	it("a line that never ends: engine error once it passes 8 MB, after the good pieces, and the connection is closed", async () => {
		fake.reply({ text: "Client described sleep problems since March.", fault: { kind: "endless-line", after: 2, megabytes: 9 } });
		const pieces: string[] = [];
		const error = await engineError(() => client().chat({ model: MODEL, messages, onToken: (p) => pieces.push(p) }));
		expect(error.message).toMatch(/sent a malformed answer \(a line far longer than any answer\)/);
		expect(error.detail).toBe("NDJSON line 3 is over 8388608 characters");
		expect(pieces.join("")).toBe("Client described");
		expect(await fake.requests.at(-1)!.closed).toBe("client-closed");
	});

	it("reading stops at the done message: what comes after it is never read, and the held connection is closed", async () => {
		fake.reply({ text: "Client described sleep problems.", fault: { kind: "after-done" } });
		const pieces: string[] = [];
		// The server holds the connection open after its extra lines: the answer must not wait for it (nor time out).
		const result = await client({ timeouts: { betweenChunksMs: 60_000 } }).chat({ model: MODEL, messages, onToken: (p) => pieces.push(p) });
		expect(result.text).toBe("Client described sleep problems.");
		expect(result.doneReason).toBe("stop");
		expect(pieces.join("")).toBe("Client described sleep problems.");
		expect(await fake.requests.at(-1)!.closed).toBe("client-closed");
	});

	it("a stream that ends without the done message, or is cut off", async () => {
		fake.reply({ text: "Client described sleep problems.", fault: { kind: "no-done" } });
		expect((await engineError(() => client().chat({ model: MODEL, messages }))).message).toContain("ended its answer early, without the final message");
		fake.reply({ text: "Client described sleep problems.", chunkDelayMs: 10, fault: { kind: "cut", after: 2 } });
		const pieces: string[] = [];
		const cut = await engineError(() => client().chat({ model: MODEL, messages, onToken: (p) => pieces.push(p) }));
		expect(cut.message).toContain("broke before the answer was complete");
		expect(pieces.join("")).toBe("Client described");
	});

	it("an error object inside the stream: engine error with Ollama's words as detail", async () => {
		const words = "an error was encountered while running the model: unexpected EOF";
		fake.reply({ text: "Client described", fault: { kind: "error", after: 1, message: words } });
		const pieces: string[] = [];
		const error = await engineError(() => client().chat({ model: MODEL, messages, onToken: (p) => pieces.push(p) }));
		expect(error.message).toBe(`Ollama stopped with an error while writing the answer: ${words}`);
		expect(error.detail).toBe(words);
		expect(pieces).toEqual(["Client"]);
	});

	it("empty output: the model returned nothing", async () => {
		fake.reply({ chunks: [] }, { chunks: ["", " \n "] });
		for (let i = 0; i < 2; i++)
			expect((await engineError(() => client().chat({ model: MODEL, messages }))).message).toBe(
				`Ollama's model ${MODEL} returned nothing. Try again, or choose another model.`,
			);
	});

	it("HTTP errors: the server's words for a 500, a plain-text 502, a path Ollama does not have", async () => {
		fake.reply({ status: 500, error: "model requires more system memory (9.2 GiB) than is available (6.1 GiB)" });
		expect((await engineError(() => client().chat({ model: MODEL, messages }))).message).toBe(
			"Ollama failed to answer (HTTP 500): model requires more system memory (9.2 GiB) than is available (6.1 GiB)",
		);
		fake.failNext("/api/tags", { status: 502, rawBody: "Bad gateway" });
		expect((await engineError(() => client().listModels())).message).toBe("Ollama failed to answer (HTTP 502): Bad gateway");
		fake.failNext("/api/tags", { status: 404, rawBody: "404 page not found" });
		expect((await engineError(() => client().listModels())).message).toMatch(/has no \/api\/tags: is this an Ollama server/);
		fake.failNext("/api/tags", { status: 200, rawBody: "<html>not ollama</html>" });
		expect((await engineError(() => client().listModels())).message).toMatch(/answered with something that is not JSON/);
	});

	it("a server that accepts and sends nothing: first-byte timeout, before or after the headers", async () => {
		const slow = client({ timeouts: { firstByteMs: 250, perInputTokenMs: 0, betweenChunksMs: 5_000 } });
		fake.reply({ hang: true }, { text: "never", fault: { kind: "headers-then-hang" } });
		for (let i = 0; i < 2; i++) {
			const started = Date.now();
			const error = await engineError(() => slow.chat({ model: MODEL, messages }));
			expect(error.message).toMatch(/accepted the request but sent nothing for 0\.3 s\. The model may still be loading/);
			expect(Date.now() - started).toBeLessThan(2_000);
			expect(await fake.requests.at(-1)!.closed).toBe("client-closed");
		}
		fake.failNext("/api/tags", { hang: true });
		expect((await engineError(() => client({ timeouts: { metadataMs: 200 } }).listModels())).message).toContain("sent nothing");
	});

	it("a slow first byte is fine (a model loading); a stall between pieces is not", async () => {
		const timed = client({ timeouts: { firstByteMs: 1_500, perInputTokenMs: 0, betweenChunksMs: 250 } });
		fake.reply({ text: "Loaded at last.", firstByteDelayMs: 600, chunkDelayMs: 20 });
		expect((await timed.chat({ model: MODEL, messages })).text).toBe("Loaded at last.");
		fake.reply({ chunks: ["Client", " described", " sleep"], chunkDelayMs: 700 });
		const pieces: string[] = [];
		const error = await engineError(() => timed.chat({ model: MODEL, messages, onToken: (p) => pieces.push(p) }));
		expect(error.message).toMatch(/stopped writing in the middle of the answer \(nothing for 0\.3 s\)/);
		expect(pieces).toEqual(["Client"]);
	});

	it("the first-byte allowance grows with the input (prompt evaluation)", async () => {
		const perToken = client({ timeouts: { firstByteMs: 100, perInputTokenMs: 10, betweenChunksMs: 5_000 } });
		const long = [{ role: "user" as const, content: "word ".repeat(360) }]; // about 500 tokens: 100 ms + 5 s
		fake.reply({ text: "Done.", firstByteDelayMs: 400 });
		expect((await perToken.chat({ model: MODEL, messages: long })).text).toBe("Done.");
	});
});

describe("endpoint policy and token", () => {
	it("refuses a host that is not on this computer before any connection", async () => {
		const agent = recordingAgent(http.Agent);
		const remote = new OllamaClient({ host: "http://192.0.2.10:11434", policy: LOOPBACK_ONLY, agent });
		for (const call of [() => remote.chat({ model: MODEL, messages }), () => remote.listModels(), () => remote.embed(EMBED, ["x"])]) {
			const error = await engineError(call);
			expect(error.code).toBe("refused");
			expect(error.message).toContain("Refused to contact 192.0.2.10:11434");
		}
		expect(agent.attempts).toEqual([]);
	});

	it("the streamed chat goes through the gate into the egress log, like every other call", async () => {
		egressLog.clear();
		fake.reply("Client described a calmer week.");
		await client().chat({ model: MODEL, messages });
		const entries = egressLog.entries();
		expect(entries).toHaveLength(1);
		expect(entries[0]).toMatchObject({ host: "127.0.0.1", port: Number(new URL(fake.url).port), purpose: "ollama", allowed: true });
		expect(entries[0]!.bytesSent).toBeGreaterThan(0);
		expect(entries[0]!.bytesReceived).toBeGreaterThan(0);
	});

	it("lets an allowlisted https host through the policy (the test agent makes no connection)", async () => {
		const policy: EndpointPolicy = { allowlist: ["ollama.practice.test"] };
		const agent = recordingAgent(https.Agent);
		const practice = new OllamaClient({ host: "https://ollama.practice.test", policy, agent, token: "s3cret-token-value" });
		const error = await engineError(() => practice.listModels());
		expect(error.code).toBe("engine");
		expect(error.message).toBe("Could not reach Ollama at https://ollama.practice.test: the connection failed. Is it running?");
		expect(agent.attempts).toEqual(["ollama.practice.test:443"]);
		expect(`${error.message} ${error.detail}`).not.toContain("s3cret");

		const plain = new OllamaClient({ host: "http://ollama.practice.test:11434", policy, agent });
		expect((await engineError(() => plain.listModels())).code).toBe("refused");
		expect(agent.attempts).toHaveLength(1);
	});

	it("sends the bearer token when configured, and says so when it is wrong", async () => {
		const guarded = await startFakeOllama({ token: "practice-token-123" });
		try {
			guarded.reply("Authorised answer.");
			const ok = new OllamaClient({ host: guarded.url, policy: LOOPBACK_ONLY, token: "practice-token-123" });
			expect((await ok.chat({ model: MODEL, messages })).text).toBe("Authorised answer.");
			expect((await ok.listModels()).length).toBeGreaterThan(0);
			expect(guarded.requests.map((r) => r.headers.authorization)).toEqual(["Bearer practice-token-123", "Bearer practice-token-123"]);

			const wrong = new OllamaClient({ host: guarded.url, policy: LOOPBACK_ONLY, token: "not-the-token" });
			const error = await engineError(() => wrong.listModels());
			expect(error.message).toContain("refused access (HTTP 401): the access token is missing or wrong");
			expect(`${error.message} ${error.detail}`).not.toContain("not-the-token");
			expect(fake.requests.every((r) => r.headers.authorization === undefined)).toBe(true);
		} finally {
			await guarded.close();
		}
	});

	it("normalises the host as Ollama does, and a bad address fails the call, not the constructor", async () => {
		expect(normalizeOllamaHost(undefined)).toBe("http://127.0.0.1:11434");
		expect(normalizeOllamaHost("127.0.0.1")).toBe("http://127.0.0.1:11434");
		expect(normalizeOllamaHost("localhost:8080")).toBe("http://localhost:8080");
		expect(normalizeOllamaHost("https://ollama.practice.test/")).toBe("https://ollama.practice.test");
		const bad = new OllamaClient({ host: "http://[::1", policy: LOOPBACK_ONLY });
		expect((await engineError(() => bad.listModels())).code).toBe("invalid-input");
	});
});

describe("the fake speaks Ollama's API to the official client", () => {
	it("non-streaming chat, tags, show, embed and the root", async () => {
		const ollama = new Ollama({ host: fake.url, fetch: createNodeFetch({ policy: LOOPBACK_ONLY }) });
		fake.reply("Whole answer at once.");
		const chat = await ollama.chat({ model: MODEL, messages, stream: false });
		expect(chat).toMatchObject({ model: MODEL, message: { role: "assistant", content: "Whole answer at once." }, done: true, done_reason: "stop" });
		expect(chat.eval_count).toBeGreaterThan(0);
		expect((await ollama.list()).models.map((m) => m.name)).toContain(MODEL);
		expect((await ollama.show({ model: MODEL })).model_info).toMatchObject({ "llama.context_length": 131072 });
		expect((await ollama.embed({ model: EMBED, input: "one text" })).embeddings).toHaveLength(1);
		const root = await createNodeFetch({ policy: LOOPBACK_ONLY })(`${fake.url}/`);
		expect(await root.text()).toBe("Ollama is running");
	});
});
