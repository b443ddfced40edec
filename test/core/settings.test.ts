/**
 * Settings migrations, one by one (issue 17): every stored version reaches the current shape, each
 * step does what its line in MIGRATIONS says, every setting has its check (a mapped type: a setting
 * without one does not compile), and bad values fall back to defaults without touching the rest.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS, MIGRATIONS, migrateSettings, SETTINGS_VERSION } from "../../src/core/settings";

describe("settings migrations", () => {
	it("the steps are in version order and end at the current version", () => {
		const versions = MIGRATIONS.map((m) => m.to);
		expect(versions).toEqual([...versions].sort((a, b) => a - b));
		expect(versions.at(-1)).toBe(SETTINGS_VERSION);
	});

	it("6: ollamaUrl and ollamaModel become llmUrl and llmModel with the Ollama engine; nothing else changes", () => {
		const v5 = {
			settingsVersion: 5,
			ollamaUrl: "http://127.0.0.1:11500",
			ollamaModel: "qwen3:8b",
			autoLockMinutes: 30,
			practiceTokenSecret: "practice-token",
		};
		const step = MIGRATIONS.find((m) => m.to === 6)!;
		expect(step.step(v5)).toEqual({
			settingsVersion: 5,
			llmEngine: "ollama",
			llmUrl: "http://127.0.0.1:11500",
			llmModel: "qwen3:8b",
			autoLockMinutes: 30,
			practiceTokenSecret: "practice-token",
		});
		const migrated = migrateSettings(v5);
		expect(migrated).toMatchObject({
			settingsVersion: SETTINGS_VERSION,
			llmEngine: "ollama",
			llmUrl: "http://127.0.0.1:11500",
			llmModel: "qwen3:8b",
			autoLockMinutes: 30,
			practiceTokenSecret: "practice-token",
		});
		expect(migrated).not.toHaveProperty("ollamaUrl");
	});

	it("data of the current version is never stepped: an ollamaUrl left in it is not a model address", () => {
		expect(migrateSettings({ settingsVersion: SETTINGS_VERSION, ollamaUrl: "http://127.0.0.1:11500" }).llmUrl).toBe(DEFAULT_SETTINGS.llmUrl);
	});

	it.each([
		[
			1,
			{ clinicalRoot: "Records" },
			{
				clinicalRoot: "Records",
				transcriptionEngine: "auto",
				llmModel: DEFAULT_SETTINGS.llmModel,
				embeddingModel: DEFAULT_SETTINGS.embeddingModel,
				practiceTokenSecret: "",
			},
		],
		[
			2,
			{ clinicalRoot: "Records", whisperModel: "/models/ggml-base.en.bin", audioRetentionHours: 48 },
			{ whisperModel: "/models/ggml-base.en.bin", audioRetentionHours: 48, defaultNoteFormat: "soap" },
		],
		[
			3,
			{ ollamaUrl: "http://127.0.0.1:11434", ollamaModel: "llama3.1:8b", defaultNoteFormat: "dap", wordLimits: { plan: 80 } },
			{ llmModel: "llama3.1:8b", defaultNoteFormat: "dap", wordLimits: { plan: 80 }, embeddingModel: "nomic-embed-text" },
		],
		[
			4,
			{ ollamaModel: "mistral", embeddingModel: "mxbai-embed-large" },
			{ llmModel: "mistral", embeddingModel: "mxbai-embed-large", practiceTokenSecret: "" },
		],
	])("version %i data reaches the current shape with its values kept and the new settings' defaults", (version, stored, expected) => {
		const migrated = migrateSettings({ settingsVersion: version, ...stored });
		expect(migrated).toMatchObject({ settingsVersion: SETTINGS_VERSION, ...expected });
		expect(Object.keys(migrated).sort()).toEqual(Object.keys(DEFAULT_SETTINGS).sort());
	});

	it("bad values fall back to their defaults one by one; garbage is the defaults", () => {
		const migrated = migrateSettings({
			settingsVersion: SETTINGS_VERSION,
			clinicalRoot: "../outside",
			autoLockMinutes: -5,
			llmUrl: "not a url",
			language: "english",
			channelSpeakers: ["Therapist"],
			signerName: "Dr Synthetic",
		});
		expect(migrated).toMatchObject({
			clinicalRoot: DEFAULT_SETTINGS.clinicalRoot,
			autoLockMinutes: DEFAULT_SETTINGS.autoLockMinutes,
			llmUrl: DEFAULT_SETTINGS.llmUrl,
			language: DEFAULT_SETTINGS.language,
			channelSpeakers: DEFAULT_SETTINGS.channelSpeakers,
			signerName: "Dr Synthetic",
		});
		for (const garbage of [null, 42, "text", [], { settingsVersion: "six" }]) expect(migrateSettings(garbage)).toEqual(DEFAULT_SETTINGS);
	});
});
