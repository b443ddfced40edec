import { describe, expect, it } from "vitest";
import { checkEndpoint, isLoopbackAddress, parseAllowEntry } from "../../src/core/net/endpoint";
import { chatEngineOf, DEFAULT_SETTINGS, embeddingEngineOf, engineCollisions, migrateSettings } from "../../src/core/settings";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chooseModel } from "../../src/engines/select";
import { preferEnglishModel } from "../../src/core/transcribe/Transcriber";

describe("engine endpoint policy", () => {
	it("allows loopback only by default", () => {
		for (const url of ["http://127.0.0.1:8080", "http://127.5.6.7:1", "http://localhost:11434", "http://[::1]:8080/", "https://localhost"]) {
			expect(checkEndpoint(url, { allowlist: [] }).toString()).toBe(new URL(url).toString());
		}
		for (const url of [
			"http://192.168.1.20:8080",
			"http://10.0.0.5:11434",
			"https://api.example.com/v1",
			"http://128.0.0.1",
			"http://localhost.example.com",
		]) {
			expect(() => checkEndpoint(url, { allowlist: [] })).toThrow(/Refused to contact/);
		}
		expect(isLoopbackAddress("::ffff:127.0.0.1")).toBe(true);
		expect(isLoopbackAddress("127.0.0.300")).toBe(false);
	});

	it("allows an allowlisted practice server over https, and plain http only with an explicit exception", () => {
		expect(checkEndpoint("https://ollama.practice.lan:11434", { allowlist: ["ollama.practice.lan"] }).host).toBe("ollama.practice.lan:11434");
		expect(() => checkEndpoint("http://ollama.practice.lan:11434", { allowlist: ["ollama.practice.lan"] })).toThrow(/needs https/);
		// The plain-http exception is the explicit "(insecure-ok)" marker; an http:// prefix alone no longer grants it.
		expect(checkEndpoint("http://10.0.0.5:8080", { allowlist: ["http://10.0.0.5:8080 (insecure-ok)"] }).port).toBe("8080");
		expect(() => checkEndpoint("http://10.0.0.5:9090", { allowlist: ["http://10.0.0.5:8080 (insecure-ok)"] })).toThrow(/Refused/);
		expect(() => checkEndpoint("http://10.0.0.5:8080", { allowlist: ["http://10.0.0.5:8080"] })).toThrow(/insecure-ok/);
	});

	it("refuses odd URLs and malformed allowlist entries with clear messages", () => {
		expect(() => checkEndpoint("127.0.0.1:8080", { allowlist: [] })).toThrow(/http or https|not a URL/);
		expect(() => checkEndpoint("ftp://127.0.0.1", { allowlist: [] })).toThrow(/http or https/);
		expect(() => checkEndpoint("http://user:pw@127.0.0.1", { allowlist: [] })).toThrow(/user name or password/);
		expect(() => parseAllowEntry("https://host/path")).toThrow(/not a valid allowlist entry/);
		expect(() => parseAllowEntry("host:99999")).toThrow(/not a valid allowlist entry/);
		expect(() => parseAllowEntry("a b")).toThrow(/not a valid allowlist entry/);
	});
});

describe("settings migration", () => {
	it("gives defaults for garbage and keeps valid values", () => {
		expect(migrateSettings(null)).toEqual(DEFAULT_SETTINGS);
		expect(migrateSettings("nonsense")).toEqual(DEFAULT_SETTINGS);
		const v1 = { settingsVersion: 1, clinicalRoot: "Practice/Records/", autoLockMinutes: "5" };
		const s = migrateSettings(v1);
		expect(s).toMatchObject({
			settingsVersion: 6,
			clinicalRoot: "Practice/Records",
			autoLockMinutes: 5,
			transcriptionEngine: "auto",
			audioRetentionHours: 24,
		});
		expect(s).toMatchObject({
			llmEngine: "ollama",
			llmUrl: "http://127.0.0.1:11434",
			llmModel: "llama3.1:8b",
			defaultNoteFormat: "soap",
			sectionWordLimit: 150,
			templatesFolder: "Clinical Vault templates",
		});
		const drafted = migrateSettings({
			defaultNoteFormat: "ifs",
			wordLimits: { plan: 80, "Bad Key": 50, parts: 5, assessment: "200" },
			templatesFolder: "../x",
			ollamaModel: " qwen2.5:14b ",
		});
		expect(drafted).toMatchObject({
			defaultNoteFormat: "ifs",
			wordLimits: { plan: 80 },
			templatesFolder: "Clinical Vault templates",
			llmModel: "qwen2.5:14b",
		});
	});

	it("v6 keeps an Ollama user's engine unchanged: ollamaUrl and ollamaModel become llmUrl and llmModel with kind ollama, and the embedding engine stays the same server", () => {
		const v5 = {
			settingsVersion: 5,
			ollamaUrl: "http://127.0.0.1:11500",
			ollamaModel: "qwen2.5:14b",
			embeddingModel: "mxbai-embed-large",
			practiceTokenSecret: "practice-token",
		};
		const s = migrateSettings(v5);
		expect(s).toMatchObject({
			settingsVersion: 6,
			llmEngine: "ollama",
			llmUrl: "http://127.0.0.1:11500",
			llmModel: "qwen2.5:14b",
			llmContextTokens: 0,
			embeddingEngine: "same",
			embeddingModel: "mxbai-embed-large",
			practiceTokenSecret: "practice-token",
		});
		expect(s).not.toHaveProperty("ollamaUrl");
		expect(s).not.toHaveProperty("ollamaModel");
		expect(embeddingEngineOf(s)).toEqual({ kind: "ollama", url: "http://127.0.0.1:11500" });
		// Migrating again changes nothing.
		expect(migrateSettings(JSON.parse(JSON.stringify(s)))).toEqual(s);
	});

	it("v6 keeps an OpenAI-compatible engine, its context and a separate embedding server; garbage gets the defaults", () => {
		const v6 = {
			settingsVersion: 6,
			llmEngine: "openai",
			llmUrl: "http://127.0.0.1:1234",
			llmModel: "qwen2.5-7b-instruct",
			llmContextTokens: 16384,
			embeddingEngine: "ollama",
			embeddingUrl: "http://127.0.0.1:11434",
		};
		const s = migrateSettings(v6);
		expect(s).toMatchObject(v6);
		expect(chatEngineOf(s)).toEqual({ kind: "openai", url: "http://127.0.0.1:1234" });
		expect(embeddingEngineOf(s)).toEqual({ kind: "ollama", url: "http://127.0.0.1:11434" });
		// The new name wins over the old one when both are there.
		expect(migrateSettings({ llmUrl: "http://127.0.0.1:8080", ollamaUrl: "http://127.0.0.1:11434" }).llmUrl).toBe("http://127.0.0.1:8080");
		expect(migrateSettings({ llmEngine: "lmstudio", llmContextTokens: -5, embeddingEngine: "cloud", embeddingUrl: "not a url" })).toMatchObject({
			llmEngine: "ollama",
			llmContextTokens: 0,
			embeddingEngine: "same",
			embeddingUrl: DEFAULT_SETTINGS.embeddingUrl,
		});
	});

	it("engines set to one address are named: llama-server and whisper-server both on 8080", () => {
		const s = migrateSettings({
			llmEngine: "openai",
			llmUrl: "http://127.0.0.1:8080",
			transcriptionEngine: "server",
			whisperServerUrl: "http://localhost:8080",
		});
		const collisions = engineCollisions(s);
		expect(collisions).toHaveLength(1);
		expect(collisions[0]).toContain("the model server and whisper-server are both set to 127.0.0.1:8080");
		expect(engineCollisions(DEFAULT_SETTINGS)).toEqual([]);
		expect(engineCollisions({ ...s, whisperServerUrl: "http://127.0.0.1:8081" })).toEqual([]);
		// A separate embedding server on whisper-server's port is named too; the model server serving its own embeddings is one server.
		const embed = migrateSettings({
			llmEngine: "openai",
			llmUrl: "http://127.0.0.1:1234",
			embeddingEngine: "openai",
			embeddingUrl: "http://127.0.0.1:8080",
			transcriptionEngine: "server",
			whisperServerUrl: "http://127.0.0.1:8080",
		});
		expect(engineCollisions(embed)).toEqual([expect.stringContaining("the embedding server and whisper-server are both set to 127.0.0.1:8080") as string]);
		expect(engineCollisions({ ...embed, embeddingUrl: "http://127.0.0.1:1234", whisperServerUrl: "http://127.0.0.1:8081" })).toEqual([]);
	});

	it("v4 adds the embedding model for search: a v3 file gets the default, a set value is kept, a blank one is not", () => {
		const v3 = { settingsVersion: 3, ollamaUrl: "http://127.0.0.1:11500", ollamaModel: "qwen2.5:14b", defaultNoteFormat: "dap" };
		expect(migrateSettings(v3)).toMatchObject({
			settingsVersion: 6,
			embeddingModel: "nomic-embed-text",
			llmUrl: "http://127.0.0.1:11500",
			llmModel: "qwen2.5:14b",
			defaultNoteFormat: "dap",
		});
		expect(migrateSettings({ settingsVersion: 4, embeddingModel: " mxbai-embed-large " }).embeddingModel).toBe("mxbai-embed-large");
		expect(migrateSettings({ settingsVersion: 4, embeddingModel: "   " }).embeddingModel).toBe("nomic-embed-text");
		expect(migrateSettings({ embeddingModel: 42 }).embeddingModel).toBe("nomic-embed-text");
	});

	it("rejects unsafe or invalid values field by field", () => {
		const s = migrateSettings({
			clinicalRoot: "../outside",
			autoLockMinutes: -3,
			transcriptionEngine: "cloud",
			whisperServerUrl: "not a url",
			language: "English",
			channelSpeakers: ["Only one"],
			engineAllowlist: ["ok.lan", 5, ""],
			audioRetentionHours: "abc",
		});
		expect(s.clinicalRoot).toBe("Clinical");
		expect(s.autoLockMinutes).toBe(15);
		expect(s.transcriptionEngine).toBe("auto");
		expect(s.whisperServerUrl).toBe("http://127.0.0.1:8080");
		expect(s.language).toBe("en");
		expect(s.channelSpeakers).toEqual(["Therapist", "Client"]);
		expect(s.engineAllowlist).toEqual(["ok.lan"]);
		expect(s.audioRetentionHours).toBe(24);
	});
});

describe("choosing the whisper model", () => {
	it("prefers the English-only model for English sessions and a multilingual one otherwise, larger first", async () => {
		const dir = await mkdtemp(join(tmpdir(), "cv-models-"));
		try {
			for (const name of ["ggml-base.bin", "ggml-base.en.bin", "ggml-medium.en.bin", "ggml-medium.bin", "notes.txt"])
				await writeFile(join(dir, name), "x");
			expect(await chooseModel(dir, "en")).toBe(join(dir, "ggml-medium.en.bin"));
			expect(await chooseModel(dir, "de")).toBe(join(dir, "ggml-medium.bin"));
			expect(await chooseModel(join(dir, "ggml-base.en.bin"), "de")).toBe(join(dir, "ggml-base.en.bin"));
			expect(preferEnglishModel(["ggml-small.bin", "ggml-small.en-q5_1.bin"], "en")).toBe("ggml-small.en-q5_1.bin");
			expect(preferEnglishModel([], "en")).toBeUndefined();
		} finally {
			await rm(dir, { recursive: true, force: true });
		}
	});
});
