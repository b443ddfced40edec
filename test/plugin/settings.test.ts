// @vitest-environment happy-dom
/**
 * The transcription and retention settings in the settings tab (drawn by display() through the
 * stub): engine choice, paths, the English-model note, which decoder is used, engine addresses that
 * must be loopback unless allowlisted, the allowlist (invalid lines shown, nothing saved), speaker
 * names and retention hours. What is saved goes to data.json and holds no clinical data.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findOnPath } from "../../src/engines/select";
import { waitFor } from "../support/obsidian-harness";
import { dom, type PluginSettingTab } from "../support/obsidian-stub";
import { dataJson, startPlugin, type Harness } from "./helpers";

let h: Harness;
let tab: PluginSettingTab;

beforeEach(async () => {
	h = await startPlugin();
	const found = h.app.setting.pluginTabs[0];
	if (!found) throw new Error("no settings tab");
	tab = found;
	tab.display();
});
afterEach(async () => {
	await h.cleanup();
});

function row(key: string): HTMLElement {
	const el = tab.containerEl.querySelector(`.clinical-vault-setting-${key}`);
	if (!(el instanceof dom.classes.HTMLElement)) throw new Error(`no setting ${key}`);
	return el;
}

function change(key: string, value: string): void {
	const control = row(key).querySelector("input, textarea, select") as HTMLInputElement;
	control.value = value;
	control.dispatchEvent(new dom.classes.Event("change"));
}

function error(key: string): string {
	return row(key).querySelector(".clinical-vault-setting-error")?.textContent ?? "";
}

async function saved(key: string, value: unknown): Promise<void> {
	await waitFor(
		async () => JSON.stringify((await dataJson(h).catch((): Record<string, unknown> => ({})))[key]) === JSON.stringify(value),
		`${key} to be saved as ${JSON.stringify(value)}`,
	);
}

describe("transcription settings", () => {
	it("draws every transcription setting with its current value, the English-model note and the decoder in use", async () => {
		const headings = Array.from(tab.containerEl.querySelectorAll(".setting-item-heading")).map((el) => el.textContent);
		expect(headings).toEqual(["Transcription", "Model server", "Drafting", "Raw audio"]);
		const engine = row("transcriptionEngine").querySelector("select") as HTMLSelectElement;
		expect(engine.value).toBe("auto");
		expect(Array.from(engine.options).map((o) => o.value)).toEqual(["auto", "cli", "server", "openai"]);
		expect(row("whisperModel").textContent).toMatch(
			/English-only models such as ggml-base\.en\.bin or ggml-medium\.en\.bin are more accurate for English sessions/,
		);
		expect((row("whisperServerUrl").querySelector("input") as HTMLInputElement).value).toBe("http://127.0.0.1:8080");
		expect((row("speakerLeft").querySelector("input") as HTMLInputElement).value).toBe("Therapist");
		expect((row("speakerRight").querySelector("input") as HTMLInputElement).value).toBe("Client");
		expect((row("audioRetentionHours").querySelector("input") as HTMLInputElement).value).toBe("24");
		const ffmpeg = await findOnPath(["ffmpeg"]);
		await waitFor(() => /In use: /.test(row("ffmpegPath").textContent ?? ""), "the decoder description");
		expect(row("ffmpegPath").textContent).toContain(ffmpeg ? `In use: ffmpeg found at ${ffmpeg}.` : "Web Audio");
	});

	it("saves valid values and refuses invalid ones with the reason", async () => {
		change("transcriptionEngine", "cli");
		await saved("transcriptionEngine", "cli");
		change("whisperModel", "  /models/ggml-medium.en.bin ");
		await saved("whisperModel", "/models/ggml-medium.en.bin");
		change("ffmpegPath", "/opt/ffmpeg/bin/ffmpeg");
		await saved("ffmpegPath", "/opt/ffmpeg/bin/ffmpeg");
		tab.display();
		await waitFor(
			() => (row("ffmpegPath").textContent ?? "").includes("In use: ffmpeg at /opt/ffmpeg/bin/ffmpeg (the path set here)."),
			"the decoder description to follow the setting",
		);

		change("whisperThreads", "200");
		expect(error("whisperThreads")).toMatch(/0 \(one per core\) to 64/);
		change("language", "english");
		expect(error("language")).toMatch(/language code/);
		change("speakerLeft", "  Dr. Synthetic ");
		await saved("channelSpeakers", ["Dr. Synthetic", "Client"]);

		change("audioRetentionHours", "-5");
		await saved("audioRetentionHours", -1);
		change("audioRetentionHours", "soon");
		expect(error("audioRetentionHours")).toMatch(/whole hours/);
		change("audioRetentionHours", "48");
		await saved("audioRetentionHours", 48);
	});

	it("refuses engine addresses off this computer until their host is allowlisted; invalid allowlist lines are shown, not saved", async () => {
		change("whisperServerUrl", "https://practice.lan:8443");
		expect(error("whisperServerUrl")).toMatch(/Refused to contact practice\.lan:8443.*allowlist/);
		expect(h.plugin.settings.whisperServerUrl).toBe("http://127.0.0.1:8080");

		change("engineAllowlist", "practice.lan:8443\nnot a host\nhttp://10.0.0.5:9000/path");
		expect(error("engineAllowlist")).toMatch(/Not saved\. .*"not a host", "http:\/\/10\.0\.0\.5:9000\/path"/);
		expect(error("engineAllowlist")).not.toContain('"practice.lan:8443"');
		expect(h.plugin.settings.engineAllowlist).toEqual([]);

		// Plain http needs the explicit marker: a pasted http:// address alone is explained, not saved.
		change("engineAllowlist", "practice.lan:8443\nhttp://10.0.0.5:9000");
		expect(error("engineAllowlist")).toMatch(/insecure-ok/);
		change("engineAllowlist", "practice.lan:8443\n\n  http://10.0.0.5:9000 (insecure-ok) ");
		await saved("engineAllowlist", ["practice.lan:8443", "http://10.0.0.5:9000 (insecure-ok)"]);
		change("whisperServerUrl", "https://practice.lan:8443");
		await saved("whisperServerUrl", "https://practice.lan:8443");
		change("openaiUrl", "http://10.0.0.5:9000");
		await saved("openaiUrl", "http://10.0.0.5:9000");
		change("openaiUrl", "http://practice.lan:8443");
		expect(error("openaiUrl")).toMatch(/Refused plain http/);
	});
});

describe("one check per setting", () => {
	interface Control {
		key: string;
		validate?: (value: unknown) => string | undefined;
	}
	interface DefinitionTab {
		getSettingDefinitions(): ({ items: { control: Control }[] } | { control: Control })[];
		getControlValue(key: string): unknown;
		setControlValue(key: string, value: unknown): Promise<void>;
	}
	const controls = () =>
		(tab as unknown as DefinitionTab).getSettingDefinitions().flatMap((item) => ("items" in item ? item.items.map((i) => i.control) : [item.control]));

	it("every control has a value and a check, and the check gives the reason saving gives", async () => {
		const definitions = tab as unknown as DefinitionTab;
		const all = controls();
		expect(all.length).toBeGreaterThan(25);
		for (const control of all) {
			expect(control.validate, control.key).toBeTypeOf("function");
			expect(control.validate!(definitions.getControlValue(control.key)), `${control.key} as stored`).toBeUndefined();
		}
		const bad: Record<string, unknown> = {
			autoLockMinutes: -3,
			whisperThreads: 99,
			language: "english",
			speakerLeft: "",
			llmModel: "  ",
			llmContextTokens: 100,
			sectionWordLimit: 5,
			templatesFolder: "Clinical/templates",
			embeddingUrl: "https://example.invalid",
		};
		for (const [key, value] of Object.entries(bad)) {
			const control = all.find((c) => c.key === key)!;
			const reason = control.validate!(value);
			expect(reason, key).toMatch(/\w/);
			await expect(definitions.setControlValue(key, value), key).rejects.toThrow(reason);
		}
		expect(h.plugin.settings.autoLockMinutes).toBe(15);
	});
});
