/**
 * OpenAiCompatibleClient against real loopback HTTP servers speaking the OpenAI-compatible API as
 * llama-server, LM Studio, vLLM and a plain server do (test/support/fake-openai.ts): streaming,
 * structured answers and the JSON-mode fallback, a server that does not stream, the API key,
 * a wrong port, models that are not there, embeddings, the context per server, every stream fault,
 * cancellation, the endpoint policy and the egress log. Messages are checked for what the clinician
 * reads (short, says what to do, never the model's text); `detail` for what a developer needs.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { failure as engineError, recordingAgent } from "../support/failure";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout } from "node:timers";
import { z } from "zod";
import { Cancelled, ClinicalVaultError } from "../../src/core/errors";
import { ModelBoundary } from "../../src/core/llm/boundary";
import { estimateTokens } from "../../src/core/llm/LlmClient";
import { chatStructured, formatFor } from "../../src/core/llm/structured";
import { egressLog } from "../../src/core/net/egress";
import { LOOPBACK_ONLY } from "../../src/core/net/endpoint";
import { normalizeServerUrl, OpenAiCompatibleClient, type OpenAiCompatibleOptions } from "../../src/engines/openaiCompatible";
import { fakeEmbedding, llama31ChatTokenCount, llama31TokenCount, startFakeOllama, type FakeOllama } from "../support/fake-ollama";
import { startFakeOpenAi, type FakeOpenAi, type FakeOpenAiOptions } from "../support/fake-openai";

const MODEL = "llama-3.1-8b-instruct";
const EMBED = "nomic-embed-text-v1.5";
const messages = [
	{ role: "system" as const, content: "Write a DAP note from the clinician's summary only." },
	{ role: "user" as const, content: "Client C-0142 named a worried part that protects an exile." },
];
const SCHEMA = {
	type: "object",
	properties: { data: { type: "string" }, assessment: { type: "string" } },
	required: ["data", "assessment"],
	additionalProperties: false,
};
const SCHEMA_INSTRUCTION = "Answer with one JSON object, and nothing else, that follows this JSON schema:";

const started: FakeOpenAi[] = [];
let fake: FakeOpenAi;

/** A fake for this test, closed after the file. */
async function server(options: FakeOpenAiOptions = {}): Promise<FakeOpenAi> {
	const s = await startFakeOpenAi(options);
	started.push(s);
	return s;
}

beforeAll(async () => {
	// The fake counts prompts with the real Llama 3.1 tokenizer: load it once, outside the tests' time.
	llama31TokenCount("warm up the tokenizer once for the file");
	fake = await server();
});

afterAll(async () => {
	await Promise.all(started.map((s) => s.close()));
});

afterEach(() => {
	for (const s of started) expect(s.pending, "every scripted reply was used").toBe(0);
});

const client = (extra: Partial<OpenAiCompatibleOptions> = {}, on: { url: string } = fake) =>
	new OpenAiCompatibleClient({ url: on.url, policy: LOOPBACK_ONLY, ...extra });

/** Runs `fn`, expecting Cancelled. */
async function cancelled(fn: () => Promise<unknown>): Promise<void> {
	const outcome: unknown = await fn().then(
		() => new Error("expected Cancelled, got a result"),
		(e: unknown) => e,
	);
	expect(outcome).toBeInstanceOf(Cancelled);
}

/** The message and detail, for checks that something is never in either. */
const shown = (e: ClinicalVaultError) => `${e.message}\n${e.detail}`;

/** A plain web server that is not a model server: every path answers an HTML page with `status`. */
async function htmlServer(status: number): Promise<{ url: string; paths: string[]; close(): Promise<void> }> {
	const paths: string[] = [];
	const s = http.createServer((req, res) => {
		paths.push(`${req.method ?? ""} ${req.url ?? ""}`);
		req.resume();
		res.writeHead(status, { "Content-Type": "text/html; charset=utf-8" }).end(
			`<!doctype html><html><body><h1>${status === 404 ? "404 Not Found" : "Welcome"}</h1></body></html>`,
		);
	});
	await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
	return {
		url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`,
		paths,
		close: () =>
			new Promise<void>((resolve) => {
				s.close(() => resolve());
				s.closeAllConnections();
			}),
	};
}

describe("chat", () => {
	it("streams the answer piece by piece, in order, and reports usage and the finish reason", async () => {
		const answer = "Client identified worry as a protector. Some unburdening occurred.";
		fake.reply({ text: answer, promptEvalCount: 31, evalCount: 12, doneReason: "stop" });
		const seen: { piece: string; soFar: string }[] = [];
		const result = await client().chat({ model: MODEL, messages, onToken: (piece, soFar) => seen.push({ piece, soFar }) });

		expect(result).toEqual({ text: answer, promptTokens: 31, outputTokens: 12, doneReason: "stop" });
		expect(seen.map((s) => s.piece)).toEqual(answer.match(/\s*\S+/g));
		let soFar = "";
		for (const s of seen) {
			soFar += s.piece;
			expect(s.soFar).toBe(soFar);
		}

		const sent = fake.requests.at(-1)!;
		expect(sent).toMatchObject({ method: "POST", path: "/v1/chat/completions" });
		expect(sent.body).toEqual({ model: MODEL, messages, stream: true, stream_options: { include_usage: true }, temperature: 0.2 });
		expect(sent.headers.authorization).toBeUndefined();
		expect(sent.headers.accept).toContain("text/event-stream");
		expect(fake.responseFormats.at(-1)).toBeUndefined();
		expect(await sent.closed).toBe("finished");
	});

	it("reports the server's own prompt count (what the model read) and finish_reason length", async () => {
		fake.reply({ text: "Cut off mid", doneReason: "length" });
		const result = await client().chat({ model: MODEL, messages, temperature: 0 });
		expect(result).toEqual({ text: "Cut off mid", promptTokens: llama31ChatTokenCount(messages), outputTokens: 3, doneReason: "length" });
		expect(fake.chats.at(-1)!.options).toEqual({ temperature: 0 });
	});

	it("delivers pieces as they arrive, not when the answer is complete", async () => {
		fake.reply({ chunks: ["One", " two", " three", " four"], chunkDelayMs: 60 });
		const begun = Date.now();
		const times: number[] = [];
		const result = await client().chat({ model: MODEL, messages, onToken: () => times.push(Date.now() - begun) });
		const total = Date.now() - begun;
		expect(result.text).toBe("One two three four");
		expect(times).toHaveLength(4);
		expect(total).toBeGreaterThanOrEqual(180);
		expect(times[0]!).toBeLessThan(total - 120);
	});

	it("understands a server that does not stream (one chat.completion object)", async () => {
		const s = await server({ stream: false });
		s.reply({ text: "Whole answer at once.", doneReason: "length", evalCount: 4 });
		const pieces: string[] = [];
		const result = await client({}, s).chat({ model: MODEL, messages, onToken: (p) => pieces.push(p) });
		expect(result).toEqual({ text: "Whole answer at once.", promptTokens: llama31ChatTokenCount(messages), outputTokens: 4, doneReason: "length" });
		expect(pieces).toEqual(["Whole answer at once."]);
		expect(s.chats[0]!.stream).toBe(true);
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

	it("an empty answer: the model returned nothing", async () => {
		fake.reply({ chunks: [] }, { chunks: ["", " \n "] });
		for (let i = 0; i < 2; i++) {
			const error = await engineError(() => client().chat({ model: MODEL, messages }));
			expect(error.message).toBe(`The model ${MODEL} at ${fake.url} returned nothing. Try again, or choose another model.`);
		}
	});
});

describe("structured answers", () => {
	const scripted = { data: "Client named a worried part.", assessment: "[unclear in transcript]" };

	it("a schema goes as response_format json_schema (strict), the messages unchanged", async () => {
		fake.reply((chat) => (chat.format ? { json: scripted, chunkSize: 7 } : "format did not arrive"));
		const result = await client().chat({ model: MODEL, messages, format: SCHEMA, temperature: 0 });
		expect(JSON.parse(result.text)).toEqual(scripted);
		expect(fake.responseFormats.at(-1)).toEqual({ type: "json_schema", json_schema: { name: "answer", strict: true, schema: SCHEMA } });
		expect(fake.chats.at(-1)!.format).toEqual(SCHEMA);
		expect(fake.chats.at(-1)!.messages).toEqual(messages);
	});

	it('format "json" goes as JSON mode', async () => {
		fake.reply((chat) => ({ json: { format: chat.format } }));
		const result = await client().chat({ model: MODEL, messages, format: "json" });
		expect(JSON.parse(result.text)).toEqual({ format: "json" });
		expect(fake.responseFormats.at(-1)).toEqual({ type: "json_object" });
	});

	it("a server that refuses json_schema: one retry in JSON mode with the schema in the system message, then JSON mode from the start", async () => {
		const s = await server({ jsonSchema: "reject" });
		const llm = client({}, s);
		s.reply({ json: scripted }, { json: scripted });
		const first = await llm.chat({ model: MODEL, messages, format: SCHEMA });
		expect(JSON.parse(first.text)).toEqual(scripted);
		expect(s.responseFormats).toEqual([
			{ type: "json_schema", json_schema: { name: "answer", strict: true, schema: SCHEMA } },
			{ type: "json_object", schema: SCHEMA },
		]);
		const retried = s.chats[1]!;
		expect(retried.format).toEqual(SCHEMA);
		expect(retried.messages).toEqual([
			{ role: "system", content: `${messages[0]!.content}\n\n${SCHEMA_INSTRUCTION}\n${JSON.stringify(SCHEMA)}` },
			messages[1],
		]);
		expect(s.chats[0]!.messages, "the first attempt had the messages as given").toEqual(messages);

		// The same client remembers: no second refusal.
		const second = await llm.chat({ model: MODEL, messages: [messages[1]!], format: SCHEMA });
		expect(JSON.parse(second.text)).toEqual(scripted);
		expect(s.chats).toHaveLength(3);
		expect(s.responseFormats[2]).toEqual({ type: "json_object", schema: SCHEMA });
		expect(s.chats[2]!.messages, "without a system message, one is added for the schema").toEqual([
			{ role: "system", content: `${SCHEMA_INSTRUCTION}\n${JSON.stringify(SCHEMA)}` },
			messages[1],
		]);

		// Free text and "json" on that client are unaffected.
		s.reply("Plain answer.");
		expect((await llm.chat({ model: MODEL, messages })).text).toBe("Plain answer.");
		expect(s.responseFormats[3]).toBeUndefined();
		expect(s.chats[3]!.messages).toEqual(messages);
	});

	it("a server that refuses both: a clear error after the one retry, nothing else sent", async () => {
		const s = await server({ jsonSchema: "reject" });
		s.reply({ status: 400, error: "response_format type json_object is not supported by this model" });
		const error = await engineError(() => client({}, s).chat({ model: MODEL, messages, format: SCHEMA }));
		expect(error.code).toBe("engine");
		expect(error.message).toBe(
			`The model server at ${s.url} accepts neither a JSON schema nor JSON mode for answers, which notes, documents and proposals need. Update it, or use Ollama, llama-server or LM Studio. Nothing was changed.`,
		);
		expect(error.detail).toBe("HTTP 400 from POST /v1/chat/completions: response_format type json_object is not supported by this model");
		expect(s.requests.map((r) => r.path)).toEqual(["/v1/chat/completions", "/v1/chat/completions"]);
	});

	it('JSON mode refused for a "json" request: one request, and the client still asks schemas as json_schema', async () => {
		const s = await server();
		const llm = client({}, s);
		s.reply({ status: 400, error: "response_format json_object is not supported" }, { json: scripted });
		const error = await engineError(() => llm.chat({ model: MODEL, messages, format: "json" }));
		expect(error.message).toContain("accepts neither a JSON schema nor JSON mode");
		expect(s.chats).toHaveLength(1);
		expect(JSON.parse((await llm.chat({ model: MODEL, messages, format: SCHEMA })).text)).toEqual(scripted);
		expect(s.responseFormats).toEqual([{ type: "json_object" }, { type: "json_schema", json_schema: { name: "answer", strict: true, schema: SCHEMA } }]);
	});

	it("a 400 that is not about the response format is not retried", async () => {
		const s = await server({ jsonSchema: "enforce" });
		s.reply({ status: 400, error: "'messages' must alternate between user and assistant" });
		const error = await engineError(() => client({}, s).chat({ model: MODEL, messages, format: SCHEMA }));
		expect(error.message).toBe(`The model server at ${s.url} refused the request (HTTP 400): 'messages' must alternate between user and assistant`);
		expect(s.chats).toHaveLength(1);
	});

	it("promptOverhead counts the schema text for a schema, and nothing otherwise", () => {
		const llm = client();
		const overhead = llm.promptOverhead({ format: SCHEMA });
		expect(overhead).toBeGreaterThanOrEqual(estimateTokens(`${SCHEMA_INSTRUCTION}\n${JSON.stringify(SCHEMA)}`));
		const bigger = { ...SCHEMA, properties: { ...SCHEMA.properties, plan: { type: "string", description: "the next session's focus, in one sentence" } } };
		expect(llm.promptOverhead({ format: bigger })).toBeGreaterThan(overhead);
		expect(llm.promptOverhead({ format: "json" })).toBe(0);
		expect(llm.promptOverhead({})).toBe(0);
	});

	it("the boundary counts that overhead when it checks the fit", async () => {
		const boundary = new ModelBoundary(client());
		const plain = await boundary.fit(MODEL, messages, 100);
		const structured = await boundary.fit(MODEL, messages, 100, undefined, SCHEMA);
		expect(structured.promptTokens - plain.promptTokens).toBe(client().promptOverhead({ format: SCHEMA }));
		expect(plain.context).toBe(8192);
	});

	const Note = z.object({ data: z.string(), assessment: z.string() }).strict();

	it("through the boundary: a valid structured answer, with the schema fallback on a refusing server", async () => {
		const s = await server({ jsonSchema: "reject" });
		s.reply({ json: scripted });
		const note = await chatStructured(new ModelBoundary(client({}, s)), { model: MODEL, messages, schema: Note, what: "the note" });
		expect(note).toEqual(scripted);
		expect(s.chats.map((c) => c.format)).toEqual([formatFor(Note), formatFor(Note)]);
		expect(s.chats[1]!.messages[0]!.content).toContain(JSON.stringify(formatFor(Note)));
		expect(s.requests.map((r) => r.path)).toEqual(["/props", "/v1/chat/completions", "/v1/chat/completions"]);
	});

	it("through the boundary: a server that ignores the schema and writes free text gives the schema error, never the text", async () => {
		const s = await server({ jsonSchema: "ignore" });
		const free = "Client C-0142 disclosed that her brother hurt her at the lake house in 2009.";
		s.reply(free, { json: { data: "only data" } });
		const boundary = new ModelBoundary(client({}, s));
		const error = await engineError(() => chatStructured(boundary, { model: MODEL, messages, schema: Note, what: "the note" }));
		expect(error.message).toBe(
			"The model's answer for the note was not valid JSON (cut off or malformed). Nothing was changed; try again, or choose a model that follows structured output.",
		);
		for (const word of ["brother", "lake", "2009", "disclosed"]) expect(shown(error)).not.toContain(word);

		const wrongShape = await engineError(() => chatStructured(boundary, { model: MODEL, messages, schema: Note, what: "the note" }));
		expect(wrongShape.message).toMatch(
			/^The model's answer for the note did not follow the expected structure \(assessment: .*\)\. Nothing was changed; try again or choose another model\.$/,
		);
		expect(shown(wrongShape)).not.toContain("only data");
	});
});

describe("API key", () => {
	it("without the key: the message says where the key goes; with it, every request carries it; never shown", async () => {
		const s = await server({ apiKey: "sk-practice-4f9a" });
		const bare = client({}, s);
		const chat = await engineError(() => bare.chat({ model: MODEL, messages }));
		expect(chat.code).toBe("engine");
		expect(chat.message).toBe(
			`The model server at ${s.url} refused the request (HTTP 401): it needs an API key, or the key is wrong. Put the key in the keychain entry named in the settings (the CLI reads $CLINICAL_VAULT_ENGINE_TOKEN).`,
		);
		expect(chat.detail).toBe("HTTP 401 from POST /v1/chat/completions: Invalid API Key");
		expect((await engineError(() => bare.contextLength(MODEL))).message, "the context is not guessed past a 401").toContain("it needs an API key");
		expect((await engineError(() => bare.embed(EMBED, ["x"]))).message).toContain("it needs an API key");

		const wrong = await engineError(() => client({ token: "sk-not-the-key" }, s).chat({ model: MODEL, messages }));
		expect(wrong.message).toContain("or the key is wrong");
		expect(shown(wrong)).not.toContain("sk-not-the-key");

		const before = s.requests.length;
		s.reply("Authorised answer.");
		const keyed = client({ token: "sk-practice-4f9a" }, s);
		expect((await keyed.chat({ model: MODEL, messages })).text).toBe("Authorised answer.");
		expect(await keyed.contextLength(MODEL)).toBe(8192);
		expect(await keyed.embed(EMBED, ["x"])).toHaveLength(1);
		expect((await keyed.listModels()).map((m) => m.name)).toEqual([MODEL]);
		const sent = s.requests.slice(before);
		expect(sent.map((r) => r.path)).toEqual(["/v1/chat/completions", "/props", "/v1/embeddings", "/v1/models"]);
		expect(sent.map((r) => r.headers.authorization)).toEqual(Array<string>(4).fill("Bearer sk-practice-4f9a"));
		expect(s.requests.slice(0, before).every((r) => r.headers.authorization !== "Bearer sk-practice-4f9a")).toBe(true);
		expect(
			fake.requests.every((r) => r.headers.authorization === undefined),
			"no token configured: no Authorization header",
		).toBe(true);
	});

	it('vLLM\'s 401 body ({error: "Unauthorized"}) gives the same message', async () => {
		const s = await server({ flavor: "vllm", apiKey: "sk-practice-4f9a" });
		const error = await engineError(() => client({}, s).listModels());
		expect(error.message).toContain("refused the request (HTTP 401): it needs an API key");
		expect(error.detail).toBe("HTTP 401 from GET /v1/models: Unauthorized");
		expect((await engineError(() => client({}, s).contextLength(MODEL))).message).toContain("it needs an API key");
	});
});

describe("the wrong server", () => {
	let ollama: FakeOllama;
	beforeAll(async () => {
		ollama = await startFakeOllama();
	});
	afterAll(async () => {
		await ollama.close();
	});

	it("Ollama's own /v1 (which answers /v1/models): refused when the context is asked, whatever the setting, because it cannot be told the context and cuts silently", async () => {
		const s = http.createServer((req, res) => {
			req.resume();
			const json = (status: number, body: unknown) => res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
			if (req.url === "/v1/models") json(200, { object: "list", data: [{ id: "llama3.1:8b", object: "model", created: 1, owned_by: "library" }] });
			else if (req.url === "/api/version") json(200, { version: "0.12.6" });
			else res.writeHead(404, { "Content-Type": "text/plain" }).end("404 page not found");
		});
		await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
		const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
		try {
			for (const options of [{}, { contextTokens: 16384 }]) {
				const error = await engineError(() => client(options, { url }).contextLength("llama3.1:8b"));
				expect(error.message).toBe(
					`${url} is Ollama. Through its OpenAI-compatible API it cannot be told how much context to give the model, and it cuts longer prompts silently: choose the server kind "Ollama" in the settings (or --llm ollama=${url}). Nothing was sent.`,
				);
			}
		} finally {
			await new Promise<void>((resolve) => {
				s.close(() => resolve());
				s.closeAllConnections();
			});
		}
	});

	it("an Ollama address: says it is not an OpenAI-compatible server, at once", async () => {
		const llm = client({}, ollama);
		const begun = Date.now();
		const chat = await engineError(() => llm.chat({ model: MODEL, messages }));
		expect(chat.message).toBe(
			`${ollama.url} has no /v1/chat/completions: is this an OpenAI-compatible model server, and is the address right? (whisper-server also listens on port 8080 by default; an Ollama address needs the engine kind "Ollama".)`,
		);
		expect(chat.detail).toBe("HTTP 404 from POST /v1/chat/completions: 404 page not found");
		expect((await engineError(() => llm.listModels())).message).toContain("has no /v1/models: is this an OpenAI-compatible model server");
		expect((await engineError(() => llm.embed(EMBED, ["x"]))).message).toContain("has no /v1/embeddings: is this an OpenAI-compatible model server");
		expect((await engineError(() => llm.contextLength(MODEL))).message).toContain("is this an OpenAI-compatible model server");
		expect(Date.now() - begun).toBeLessThan(1_000);
		expect(ollama.pending).toBe(0);
	});

	it("a web server answering HTML: a 404 page, or a 200 page that is not JSON", async () => {
		const missing = await htmlServer(404);
		const page = await htmlServer(200);
		try {
			const llm = client({}, missing);
			const chat = await engineError(() => llm.chat({ model: MODEL, messages }));
			expect(chat.message).toContain(`${missing.url} has no /v1/chat/completions: is this an OpenAI-compatible model server, and is the address right?`);
			expect(chat.message).not.toContain("<html");
			expect((await engineError(() => llm.listModels())).message).toContain("has no /v1/models");
			expect((await engineError(() => llm.contextLength(MODEL))).message).toContain("is this an OpenAI-compatible model server");

			const other = client({}, page);
			const notOpenAi = `The answer from ${page.url}/v1/chat/completions is not what an OpenAI-compatible server sends: is this the right address, and the right engine kind?`;
			expect((await engineError(() => other.chat({ model: MODEL, messages }))).message).toBe(notOpenAi);
			expect((await engineError(() => other.listModels())).message).toContain("is not what an OpenAI-compatible server sends");
			expect((await engineError(() => other.embed(EMBED, ["x"]))).message).toContain("is not what an OpenAI-compatible server sends");
		} finally {
			await Promise.all([missing.close(), page.close()]);
		}
	});

	it("nothing listening: says to start the server", async () => {
		const closed = http.createServer();
		await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
		const port = (closed.address() as AddressInfo).port;
		await new Promise<void>((resolve) => closed.close(() => resolve()));
		const down = client({}, { url: `http://127.0.0.1:${port}` });
		for (const call of [
			() => down.chat({ model: MODEL, messages }),
			() => down.listModels(),
			() => down.contextLength(MODEL),
			() => down.embed(EMBED, ["x"]),
		]) {
			const error = await engineError(call);
			expect(error.code).toBe("engine");
			expect(error.message).toBe(`Nothing is listening at http://127.0.0.1:${port}: start the model server, then try again.`);
		}
		// With a context set, the context is still not answered for a server that is not there.
		expect((await engineError(() => client({ contextTokens: 8192 }, { url: `http://127.0.0.1:${port}` }).contextLength(MODEL))).message).toContain(
			"Nothing is listening",
		);
	});
});

describe("models", () => {
	it("lists the models, with llama-server's size", async () => {
		const models = await client().listModels();
		expect(models).toEqual([{ name: MODEL, sizeBytes: 4_912_898_304 }]);
		const lm = await server({ flavor: "lmstudio" });
		expect((await client({}, lm).listModels()).map((m) => m.name)).toEqual([MODEL, EMBED]);
	});

	it("a model LM Studio does not have: names the model and Test connection", async () => {
		const s = await server({ flavor: "lmstudio" });
		const llm = client({}, s);
		const chat = await engineError(() => llm.chat({ model: "qwen2.5-14b-instruct", messages }));
		expect(chat.message).toBe(
			`The model "qwen2.5-14b-instruct" is not available at ${s.url}. Choose one of its models in the settings ("Test connection" lists them; clinical-vault models on the command line). Nothing was changed.`,
		);
		expect(chat.detail).toMatch(/^HTTP 404 from POST \/v1\/chat\/completions: Model "qwen2\.5-14b-instruct" not found/);
		const embed = await engineError(() => llm.embed("mxbai-embed-large-v1", ["x"]));
		expect(embed.message).toBe(
			`The model "mxbai-embed-large-v1" is not available at ${s.url}. Choose one of its models in the settings ("Test connection" lists them; clinical-vault models on the command line). Nothing was changed.`,
		);
		expect(s.chats).toHaveLength(1);
	});

	it("a model LM Studio has but has not loaded is loaded on demand", async () => {
		const s = await server({ flavor: "lmstudio", loaded: [] });
		s.reply("Answer after loading.");
		expect((await client({}, s).chat({ model: MODEL, messages })).text).toBe("Answer after loading.");
		expect(s.loaded.has(MODEL)).toBe(true);
	});

	it("a model vLLM does not serve: names the model and Test connection", async () => {
		const s = await server({ flavor: "vllm" });
		const error = await engineError(() => client({}, s).chat({ model: "mistral-7b-instruct", messages }));
		expect(error.message).toBe(
			`The model "mistral-7b-instruct" is not available at ${s.url}. Choose one of its models in the settings ("Test connection" lists them; clinical-vault models on the command line). Nothing was changed.`,
		);
		expect(error.detail).toBe("HTTP 404 from POST /v1/chat/completions: The model `mistral-7b-instruct` does not exist.");
	});
});

describe("embeddings", () => {
	it("one request for the batch, one vector per input, in input order", async () => {
		const inputs = ["the worried part protects the exile", "homework journaling every evening", "the worried part protects a young exile"];
		const vectors = await client().embed(EMBED, inputs);
		expect(vectors).toEqual(inputs.map((t) => fakeEmbedding(t, 256)));
		expect(fake.requests.at(-1)).toMatchObject({ method: "POST", path: "/v1/embeddings", body: { model: EMBED, input: inputs } });
		const before = fake.requests.length;
		expect(await client().embed(EMBED, [])).toEqual([]);
		expect(fake.requests.length, "no request for no input").toBe(before);
	});

	it("puts the vectors in input order when the server answers them in another order", async () => {
		const inputs = ["first text", "second text", "third text"];
		const shuffled = [2, 0, 1].map((index) => ({ object: "embedding", index, embedding: fakeEmbedding(inputs[index]!, 8) }));
		fake.failNext("/v1/embeddings", { status: 200, rawBody: JSON.stringify({ object: "list", model: EMBED, data: shuffled }) });
		expect(await client().embed(EMBED, inputs)).toEqual(inputs.map((t) => fakeEmbedding(t, 8)));
	});

	it("a wrong count or a vector that is not numbers is not an OpenAI answer", async () => {
		fake.failNext("/v1/embeddings", { status: 200, rawBody: JSON.stringify({ data: [{ index: 0, embedding: [0.1, 0.2] }] }) });
		const short = await engineError(() => client().embed(EMBED, ["one", "two"]));
		expect(short.message).toBe(
			`The answer from ${fake.url}/v1/embeddings is not what an OpenAI-compatible server sends: is this the right address, and the right engine kind?`,
		);
		expect(short.detail).toBe("expected 2 embeddings");
		fake.failNext("/v1/embeddings", { status: 200, rawBody: JSON.stringify({ data: [{ index: 0, embedding: "AAAAAA==" }] }) });
		expect((await engineError(() => client().embed(EMBED, ["one"]))).detail).toContain("not a list of numbers");
	});

	it("the server's dimension is what comes back", async () => {
		const s = await server({ embeddingDimensions: 768 });
		expect((await client({}, s).embed(EMBED, ["a worried part"]))[0]).toHaveLength(768);
		s.embeddingDimensions = 384;
		expect((await client({}, s).embed(EMBED, ["a worried part"]))[0]).toEqual(fakeEmbedding("a worried part", 384));
	});

	it("a server without embeddings (501): says --embeddings, or a separate embedding engine", async () => {
		const s = await server({ embeddings: false });
		const error = await engineError(() => client({}, s).embed(EMBED, ["a worried part"]));
		expect(error.message).toBe(
			`The model server at ${s.url} does not serve embeddings (llama-server needs --embeddings and an embedding model). Choose a separate embedding engine in the settings, or turn semantic search off; keyword search still works.`,
		);
		expect(error.detail).toBe("HTTP 501 from POST /v1/embeddings: This server does not support embeddings. Start it with `--embeddings`");
	});
});

describe("context", () => {
	const paths = (s: FakeOpenAi) => s.requests.map((r) => `${r.method} ${r.path}`);

	it("llama-server: /props n_ctx", async () => {
		const s = await server({ nCtx: 6144 });
		expect(await client({}, s).contextLength(MODEL)).toBe(6144);
		expect(paths(s)).toEqual(["GET /props"]);
	});

	it("LM Studio: a loaded model's loaded_context_length; its 200 answer to /props is not llama-server's", async () => {
		const s = await server({ flavor: "lmstudio", nCtx: 12288 });
		expect(await client({}, s).contextLength(MODEL)).toBe(12288);
		expect(paths(s)).toEqual(["GET /props", `GET /api/v0/models/${MODEL}`]);
	});

	it("LM Studio: a model not loaded yet is refused, whatever the context setting says (loaded on demand it gets LM Studio's default context, which cuts silently)", async () => {
		const s = await server({ flavor: "lmstudio", loaded: [], nCtx: 12288 });
		const expected = `LM Studio at ${s.url} has the model "${MODEL}" but has not loaded it. Load it in LM Studio (Developer → Load model, or: lms load ${MODEL} --context-length 16384) with the context you want, then try again: a model loaded on demand gets LM Studio's default context, which would cut a long session. Nothing was sent.`;
		expect((await engineError(() => client({}, s).contextLength(MODEL))).message).toBe(expected);
		expect((await engineError(() => client({ contextTokens: 16384 }, s).contextLength(MODEL))).message).toBe(expected);
		expect(s.chats).toHaveLength(0);
	});

	it("LM Studio and vLLM: a model the server does not have is named when the context is asked, before anything is sent", async () => {
		const lm = await server({ flavor: "lmstudio" });
		const missing = await engineError(() => client({}, lm).contextLength("llama3.1:8b"));
		expect(missing.message).toBe(
			`The model "llama3.1:8b" is not available at ${lm.url}. Choose one of its models in the settings ("Test connection" lists them; clinical-vault models on the command line). Nothing was changed.`,
		);
		const vllm = await server({ flavor: "vllm" });
		const notServed = await engineError(() => client({ contextTokens: 8192 }, vllm).contextLength("llama3.1:8b"));
		expect(notServed.message).toBe(
			`The model "llama3.1:8b" is not available at ${vllm.url}. It has: llama-3.1-8b-instruct, nomic-embed-text-v1.5. Choose one of its models in the settings ("Test connection" lists them; clinical-vault models on the command line). Nothing was changed.`,
		);
		expect(lm.chats).toHaveLength(0);
		expect(vllm.chats).toHaveLength(0);
	});

	it("vLLM: max_model_len", async () => {
		const s = await server({ flavor: "vllm", nCtx: 32768 });
		expect(await client({}, s).contextLength(MODEL)).toBe(32768);
	});

	it("KoboldCpp: /api/extra/true_max_context_length, asked last", async () => {
		const s = await server({ flavor: "plain" });
		s.failNext("/api/extra/true_max_context_length", { status: 200, rawBody: JSON.stringify({ value: 4096 }) });
		expect(await client({}, s).contextLength(MODEL)).toBe(4096);
		expect(paths(s)).toEqual(["GET /props", `GET /api/v0/models/${MODEL}`, "GET /v1/models", "GET /api/extra/true_max_context_length"]);
	});

	it("a server that does not say: names the setting and --context; with the setting, that", async () => {
		const s = await server({ flavor: "plain" });
		const error = await engineError(() => client({}, s).contextLength(MODEL));
		expect(error.message).toBe(
			`The model server at ${s.url} does not say how much context the model "${MODEL}" has, and no context is set. Set "Model context (tokens)" in the settings (or --context N on the command line) to the context the server loads the model with. Nothing was sent.`,
		);
		expect(await client({ contextTokens: 12000 }, s).contextLength(MODEL)).toBe(12000);
		expect(
			await client({ contextTokens: 0 }, s)
				.contextLength(MODEL)
				.catch((e: unknown) => e),
		).toBeInstanceOf(ClinicalVaultError);
	});

	it("the setting caps what the server reports, never raises it", async () => {
		expect(await client({ contextTokens: 4096 }).contextLength(MODEL)).toBe(4096);
		expect(await client({ contextTokens: 65536 }).contextLength(MODEL)).toBe(8192);
		const lm = await server({ flavor: "lmstudio", nCtx: 12288 });
		expect(await client({ contextTokens: 8000 }, lm).contextLength(MODEL)).toBe(8000);
	});

	it("through the boundary: no context known means nothing is sent", async () => {
		const s = await server({ flavor: "plain" });
		const error = await engineError(() => new ModelBoundary(client({}, s)).chat({ model: MODEL, messages, outputTokens: 200, what: "the note" }));
		expect(error.message).toContain('Set "Model context (tokens)"');
		expect(s.chats).toHaveLength(0);
	});

	it("a prompt longer than the server's context: llama-server's refusal is explained", async () => {
		const s = await server({ nCtx: 64 });
		const long = [{ role: "user" as const, content: Array.from({ length: 80 }, (_, i) => `word${i % 50}`).join(" ") }];
		const error = await engineError(() => client({}, s).chat({ model: MODEL, messages: long }));
		expect(error.message).toBe(
			"The input was longer than the context the server loaded the model with, and it refused it. Nothing was saved as a checked draft; load the model with a larger context (and set it in the settings), or use a shorter input.",
		);
		expect(error.detail).toMatch(/^HTTP 400 from POST \/v1\/chat\/completions: request \(\d+ tokens\) exceeds the available context size \(64 tokens\)/);
	});
});

describe("faults", () => {
	it("a stream cut midway: the connection broke before the answer was complete", async () => {
		fake.reply({ text: "Client described sleep problems.", chunkDelayMs: 10, fault: { kind: "cut", after: 2 } });
		const pieces: string[] = [];
		const error = await engineError(() => client().chat({ model: MODEL, messages, onToken: (p) => pieces.push(p) }));
		expect(error.message).toBe(
			`The connection to the model server at ${fake.url} broke before the answer was complete (it may have stopped or crashed). Try again.`,
		);
		expect(pieces.join("")).toBe("Client described");
		expect(await fake.requests.at(-1)!.closed).toBe("server-cut");
	});

	it("a slow first token: the first-byte timeout says the model may be loading", async () => {
		const slow = client({ timeouts: { firstByteMs: 200, perInputTokenMs: 0 } });
		fake.reply({ text: "Too late.", firstByteDelayMs: 800 });
		const begun = Date.now();
		const error = await engineError(() => slow.chat({ model: MODEL, messages }));
		expect(error.message).toBe(
			`The model server at ${fake.url} accepted the request but sent nothing for 0.2 s. The model may still be loading or the computer is overloaded: try again.`,
		);
		expect(Date.now() - begun).toBeLessThan(700);
		expect(await fake.requests.at(-1)!.closed).toBe("client-closed");
	});

	it("headers, then nothing: the first-byte timeout too; a stall between pieces: the idle timeout", async () => {
		const timed = client({ timeouts: { firstByteMs: 250, perInputTokenMs: 0, betweenChunksMs: 200 } });
		fake.reply({ text: "never", fault: { kind: "headers-then-hang" } });
		const begun = Date.now();
		const hung = await engineError(() => timed.chat({ model: MODEL, messages }));
		expect(hung.message).toMatch(/accepted the request but sent nothing for 0\.3 s\. The model may still be loading/);
		expect(Date.now() - begun).toBeLessThan(1_000);
		expect(await fake.requests.at(-1)!.closed).toBe("client-closed");

		fake.reply({ chunks: ["Client", " described", " sleep"], chunkDelayMs: 600 });
		const pieces: string[] = [];
		const stalled = await engineError(() => timed.chat({ model: MODEL, messages, onToken: (p) => pieces.push(p) }));
		expect(stalled.message).toBe(
			`The model server at ${fake.url} stopped writing in the middle of the answer (nothing for 0.2 s). Try again, or restart it.`,
		);
		expect(pieces).toEqual(["Client"]);
		expect(await fake.requests.at(-1)!.closed).toBe("client-closed");
	});

	it("a metadata call that hangs: the metadata timeout", async () => {
		fake.failNext("/props", { hang: true });
		const error = await engineError(() => client({ timeouts: { metadataMs: 200 } }).contextLength(MODEL));
		expect(error.message).toContain("accepted the request but sent nothing for 0.2 s");
	});

	it("an event that is not JSON: malformed, with no model text in the message or detail", async () => {
		fake.reply({ text: "Client described sleep problems since March and more.", fault: { kind: "malformed-line", after: 3 } });
		const pieces: string[] = [];
		const error = await engineError(() => client().chat({ model: MODEL, messages, onToken: (p) => pieces.push(p) }));
		expect(error.message).toBe(
			`The model server at ${fake.url} sent a malformed answer (an event that is not JSON). Try again; if it keeps happening, update or restart the server.`,
		);
		expect(error.detail).toMatch(/^event \d+ \(\d+ characters\) is not a JSON object$/);
		expect(pieces.join("")).toBe("Client described sleep");
		for (const word of ["Client", "sleep", "March", "content", "choices"]) expect(shown(error)).not.toContain(word);
	});

	it("an event that never ends: engine error once it passes 8 MB, after the good pieces, and the connection is closed", async () => {
		fake.reply({ text: "Client described sleep problems since March.", fault: { kind: "endless-line", after: 2, megabytes: 9 } });
		const pieces: string[] = [];
		const error = await engineError(() => client().chat({ model: MODEL, messages, onToken: (p) => pieces.push(p) }));
		expect(error.message).toBe(`The model server at ${fake.url} sent a malformed answer (an event far longer than any answer). Try again, or restart it.`);
		expect(error.detail).toMatch(/^event \d+ is over 8388608 characters$/);
		expect(pieces.join("")).toBe("Client described");
		expect(await fake.requests.at(-1)!.closed).toBe("client-closed");
	});

	it("an error event inside the stream: the server's words", async () => {
		const words = "slot 0: failed to decode the batch (KV cache full)";
		fake.reply({ text: "Client described", fault: { kind: "error", after: 1, message: words } });
		const pieces: string[] = [];
		const error = await engineError(() => client().chat({ model: MODEL, messages, onToken: (p) => pieces.push(p) }));
		expect(error.message).toBe(`The model server stopped with an error while writing the answer: ${words}`);
		expect(error.detail).toBe(words);
		expect(pieces).toEqual(["Client"]);
	});

	it("a stream that ends without finish_reason and [DONE]: ended early", async () => {
		fake.reply({ text: "Client described sleep problems.", fault: { kind: "no-done" } });
		const error = await engineError(() => client().chat({ model: MODEL, messages }));
		expect(error.message).toBe(
			`The model server at ${fake.url} ended its answer early, without the final message. Try again; if it keeps happening, restart it.`,
		);
		expect(shown(error)).not.toContain("sleep");
	});

	it("HTTP errors: the server's words for a 500 and a 503", async () => {
		fake.reply({ status: 500, error: "failed to allocate the KV cache" });
		expect((await engineError(() => client().chat({ model: MODEL, messages }))).message).toBe(
			`The model server at ${fake.url} failed to answer (HTTP 500): failed to allocate the KV cache`,
		);
		fake.failNext("/v1/models", { status: 503, error: "Loading model" });
		expect((await engineError(() => client().listModels())).message).toBe(`The model server at ${fake.url} failed to answer (HTTP 503): Loading model`);
	});
});

describe("cancellation", () => {
	it("a cancel mid-stream is Cancelled, not an error, and the server sees the client hang up", async () => {
		fake.reply({ text: Array.from({ length: 40 }, (_, i) => `word${i}`).join(" "), chunkDelayMs: 30 });
		const controller = new AbortController();
		const pieces: string[] = [];
		let abortedAt = 0;
		await cancelled(() =>
			client().chat({
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
			}),
		);
		expect(Date.now() - abortedAt).toBeLessThan(200);
		expect(pieces.join("")).toBe("word0 word1 word2");
		expect(await fake.requests.at(-1)!.closed).toBe("client-closed");
	});

	it("a cancel while waiting for the first byte, and during the JSON-mode retry's wait", async () => {
		fake.reply({ text: "late", firstByteDelayMs: 2_000 });
		const controller = new AbortController();
		setTimeout(() => controller.abort(), 100);
		await cancelled(() => client().chat({ model: MODEL, messages, signal: controller.signal }));
		expect(await fake.requests.at(-1)!.closed).toBe("client-closed");

		const s = await server({ jsonSchema: "reject" });
		s.reply({ json: { data: "x" }, firstByteDelayMs: 2_000 });
		const second = new AbortController();
		setTimeout(() => second.abort(), 100);
		await cancelled(() => client({}, s).chat({ model: MODEL, messages, format: SCHEMA, signal: second.signal }));
		expect(s.chats).toHaveLength(2);
		expect(await s.requests.at(-1)!.closed).toBe("client-closed");
	});

	it("an already cancelled signal sends nothing", async () => {
		const before = fake.requests.length;
		const controller = new AbortController();
		controller.abort();
		const llm = client();
		await cancelled(() => llm.chat({ model: MODEL, messages, signal: controller.signal }));
		await cancelled(() => llm.listModels(controller.signal));
		await cancelled(() => llm.contextLength(MODEL, controller.signal));
		await cancelled(() => llm.embed(EMBED, ["x"], controller.signal));
		expect(fake.requests.length).toBe(before);
	});

	it("cancels a context lookup and an embedding that hang", async () => {
		fake.failNext("/props", { hang: true });
		const one = new AbortController();
		setTimeout(() => one.abort(), 100);
		await cancelled(() => client().contextLength(MODEL, one.signal));
		expect(await fake.requests.at(-1)!.closed).toBe("client-closed");

		fake.failNext("/v1/embeddings", { hang: true });
		const two = new AbortController();
		setTimeout(() => two.abort(), 100);
		await cancelled(() => client().embed(EMBED, ["text"], two.signal));
		expect(await fake.requests.at(-1)!.closed).toBe("client-closed");
	});
});

describe("endpoint policy and address", () => {
	it("refuses a server that is not on this computer before any connection", async () => {
		const agent = recordingAgent(http.Agent);
		const remote = new OpenAiCompatibleClient({
			url: "http://192.0.2.10:1234",
			policy: LOOPBACK_ONLY,
			agent,
			token: "sk-remote-7c1d",
			contextTokens: 8192,
		});
		for (const call of [
			() => remote.chat({ model: MODEL, messages }),
			() => remote.listModels(),
			() => remote.contextLength(MODEL),
			() => remote.embed(EMBED, ["x"]),
		]) {
			const error = await engineError(call);
			expect(error.code).toBe("refused");
			expect(error.message).toContain("Refused to contact 192.0.2.10:1234");
			expect(shown(error)).not.toContain("sk-remote");
		}
		expect(agent.attempts).toEqual([]);
	});

	it("normalises the address: no scheme, a trailing /v1, trailing slashes", () => {
		expect(normalizeServerUrl("127.0.0.1:1234")).toBe("http://127.0.0.1:1234");
		expect(normalizeServerUrl("  http://127.0.0.1:1234/v1/ ")).toBe("http://127.0.0.1:1234");
		expect(normalizeServerUrl("http://localhost:8080//")).toBe("http://localhost:8080");
		expect(normalizeServerUrl("https://models.practice.test/llm/v1")).toBe("https://models.practice.test/llm");
		expect(() => normalizeServerUrl("")).toThrow(/address is empty/);
		expect(() => normalizeServerUrl("http://[::1")).toThrow(/is not a URL/);
	});

	it("an address with /v1 reaches the same endpoints", async () => {
		fake.reply("Through /v1.");
		const llm = client({}, { url: `${fake.url}/v1/` });
		expect(llm.host).toBe(fake.url);
		expect((await llm.chat({ model: MODEL, messages })).text).toBe("Through /v1.");
		expect(fake.requests.at(-1)!.path).toBe("/v1/chat/completions");
	});

	it("an address that is not a URL fails each call with invalid-input, not the constructor", async () => {
		const bad = new OpenAiCompatibleClient({ url: "http://[::1", policy: LOOPBACK_ONLY, contextTokens: 8192 });
		for (const call of [
			() => bad.chat({ model: MODEL, messages }),
			() => bad.listModels(),
			() => bad.contextLength(MODEL),
			() => bad.embed(EMBED, ["x"]),
		]) {
			const error = await engineError(call);
			expect(error.code).toBe("invalid-input");
			expect(error.message).toBe('The model server\'s address "http://[::1" is not a URL (expected something like http://127.0.0.1:1234).');
		}
	});
});

describe("egress log", () => {
	it("every request is an entry with purpose openai-compatible, never a path, a body or the key", async () => {
		const s = await server({ apiKey: "sk-egress-91b2" });
		const llm = client({ token: "sk-egress-91b2" }, s);
		const port = Number(new URL(s.url).port);
		const answer = "Client named a worried part that protects an exile.";
		s.reply(answer);
		egressLog.clear();
		await llm.chat({ model: MODEL, messages });
		await llm.embed(EMBED, ["homework journaling every evening"]);
		await llm.contextLength(MODEL);

		const entries = egressLog.entries();
		expect(entries).toHaveLength(3);
		for (const e of entries) {
			expect(e).toMatchObject({
				host: "127.0.0.1",
				port,
				scheme: "http",
				address: "127.0.0.1",
				allowed: true,
				purpose: "openai-compatible",
				outcome: "ok",
			});
			expect(e.bytesSent).toBeGreaterThan(0);
			expect(e.bytesReceived).toBeGreaterThan(0);
		}
		expect(entries[0]!.bytesSent).toBeGreaterThan(JSON.stringify(messages).length);
		const text = JSON.stringify(entries);
		for (const never of ["worried", "exile", "homework", "C-0142", "/v1", "/props", "sk-egress", "Bearer", MODEL]) expect(text).not.toContain(never);

		const refused = new OpenAiCompatibleClient({ url: "http://192.0.2.10:1234", policy: LOOPBACK_ONLY });
		await engineError(() => refused.chat({ model: MODEL, messages }));
		expect(egressLog.entries().at(-1)).toMatchObject({ host: "192.0.2.10", port: 1234, allowed: false, outcome: "refused", purpose: "openai-compatible" });
	});

	it("a server that sends [DONE] and ends the response a little later: the chat is an ok entry, not a cancelled one", async () => {
		const s = http.createServer((req, res) => {
			req.resume();
			res.writeHead(200, { "Content-Type": "text/event-stream" });
			const chunk = (delta: Record<string, unknown>, finish: string | null) =>
				`data: ${JSON.stringify({ object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
			res.write(chunk({ role: "assistant", content: "Client named a part." }, null));
			res.write(`${chunk({}, "stop")}data: [DONE]\n\n`);
			setTimeout(() => res.end(), 50);
		});
		await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
		try {
			egressLog.clear();
			const result = await client({ contextTokens: 8192 }, { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}` }).chat({
				model: MODEL,
				messages,
			});
			expect(result).toEqual({ text: "Client named a part.", doneReason: "stop" });
			expect(egressLog.entries().map((e) => e.outcome)).toEqual(["ok"]);
		} finally {
			await new Promise<void>((resolve) => {
				s.close(() => resolve());
				s.closeAllConnections();
			});
		}
	});
});
