// @vitest-environment happy-dom
/**
 * Drafting, review and signing through the stub on a real temporary vault, against a loopback
 * server speaking Ollama's API (test/support/fake-ollama.ts) through the real ollama client: the
 * templates folder on first unlock, "Draft note from summary" and "Draft note from transcript" with
 * progress in the status bar, adversarial model output leaving review markers, "Sign note" refused
 * then signed with an override, a signed note that cannot be edited, "Add addendum", "Copy for EHR",
 * cancel mid-stream and a model that is not installed. All session content is synthetic.
 */
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import * as nodePath from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { App as ObsidianApp } from "obsidian";
import { findReviewMarkers, RISK_PLACEHOLDER } from "../../src/core/drafting/safeguards";
import { DEFAULT_TEMPLATES, TEMPLATE_FILE_NAMES } from "../../src/core/drafting/templates";
import { splitFrontmatter } from "../../src/core/markdown/frontmatter";
import { signNote, verifySignature } from "../../src/core/notes/signing";
import { openRecordFile } from "../../src/obsidian/record/EncryptedView";
import { DEFAULT_FAKE_MODELS, startFakeOllama, type FakeOllama } from "../support/fake-ollama";
import { startFakeOpenAi } from "../support/fake-openai";
import {
	chooseSuggestion,
	clearNotices,
	clickButton,
	modalError,
	noticeTexts,
	watchText,
	setField,
	waitFor,
	waitForModal,
	waitForNotice,
} from "../support/obsidian-harness";
import { dom, type Modal, type PluginSettingTab } from "../support/obsidian-stub";
import { ADVERSARIAL_A, SUMMARY_C, TRANSCRIPT_A } from "../drafting/sessions";
import {
	activeView,
	addClient,
	dataJson,
	decryptTextWithCore,
	editorOf,
	newSessionNote,
	session,
	setUpRecord,
	startPlugin,
	unlock,
	type Harness,
} from "./helpers";

const TEMPLATES = "Clinical Vault templates";
let h: Harness;
let fake: FakeOllama;

beforeEach(async () => {
	clearNotices();
	fake = await startFakeOllama();
	h = await startPlugin();
	h.plugin.settings.llmUrl = fake.url;
	await setUpRecord(h);
	await addClient(h, "C-0142", "Synthetic Person");
});
afterEach(async () => {
	await h.cleanup();
	await fake.close();
});

/** The markdown sections of a scripted answer as the JSON object a `format`-constrained model writes. */
function sectionsJson(markdown: string): Record<string, string> {
	const out: Record<string, string> = {};
	for (const block of markdown.split(/^## /m).slice(1)) {
		const [heading = "", ...rest] = block.split("\n");
		out[heading.trim().toLowerCase().replace(/\s+/g, "_")] = rest.join("\n").trim();
	}
	return out;
}

function statusItem(): HTMLElement {
	const el = h.app.statusBarEl.querySelector(".clinical-vault-draft-status");
	if (!(el instanceof dom.classes.HTMLElement)) throw new Error("no drafting status item");
	return el;
}

function watchStatus(): { texts: string[]; stop(): void } {
	return watchText(statusItem);
}

function typeText(modal: Modal, value: string): void {
	const area = modal.contentEl.querySelector("textarea[name=text]");
	if (!(area instanceof dom.classes.HTMLTextAreaElement)) throw new Error("no text area in the modal");
	area.value = value;
	area.dispatchEvent(new dom.classes.Event("input", { bubbles: true }));
}

async function draftFromSummary(text: string): Promise<void> {
	h.run("draft-note-from-summary");
	await chooseSuggestion(await waitForModal("clinical-vault-client-modal"), "C-0142");
	const modal = await waitForModal("clinical-vault-draft-summary-modal");
	expect((modal.contentEl.querySelector("select[name=format]") as HTMLSelectElement).value).toBe("soap");
	typeText(modal, text);
	clickButton(modal, "Draft note");
}

/** Every file under the vault folder (the plugin's own data included), to look for plaintext. */
async function allFiles(dir: string): Promise<string[]> {
	const out: string[] = [];
	for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
		if (entry.isFile()) out.push(nodePath.join(entry.parentPath, entry.name));
	}
	return out;
}

describe("templates folder", () => {
	it("gets the default templates on first unlock; an edited template is kept and a deleted one comes back", async () => {
		const dir = nodePath.join(h.dir, TEMPLATES);
		for (const [format, name] of Object.entries(TEMPLATE_FILE_NAMES)) {
			expect(await readFile(nodePath.join(dir, name), "utf8")).toBe(DEFAULT_TEMPLATES[format as keyof typeof DEFAULT_TEMPLATES]);
		}
		await waitForNotice(/Note templates written to Clinical Vault templates\//);
		const edited = DEFAULT_TEMPLATES.soap.replace("# SOAP note", "# Practice SOAP note");
		await writeFile(nodePath.join(dir, TEMPLATE_FILE_NAMES.soap), edited);
		await rm(nodePath.join(dir, TEMPLATE_FILE_NAMES.dap));
		h.run("lock");
		await h.idle();
		expect(session(h).isUnlocked).toBe(false);
		await unlock(h);
		expect(await readFile(nodePath.join(dir, TEMPLATE_FILE_NAMES.soap), "utf8")).toBe(edited);
		expect(await readFile(nodePath.join(dir, TEMPLATE_FILE_NAMES.dap), "utf8")).toBe(DEFAULT_TEMPLATES.dap);
	});
});

describe("draft from summary", () => {
	it("drafts into the edited template with progress, saves the note and the summary encrypted, and opens the draft", async () => {
		const soap = nodePath.join(h.dir, TEMPLATES, TEMPLATE_FILE_NAMES.soap);
		await writeFile(soap, (await readFile(soap, "utf8")).replace("# SOAP note", "# Practice SOAP note"));
		fake.reply({
			json: {
				subjective: "Client identified worry as a protector and an exile's fear of abandonment from age 7.",
				objective: "[unclear in transcript]",
				assessment: "Some unburdening occurred; the firefighter (binge eating) did not activate today.",
				plan: "Self-energy journaling homework assigned.",
			},
			chunkDelayMs: 5,
		});
		const status = watchStatus();
		await draftFromSummary(SUMMARY_C);
		await waitForModal("clinical-vault-draft-stream-modal");
		await h.idle();
		status.stop();

		const notice = await waitForNotice(/^Draft saved, encrypted, as C-0142\/notes\/\d{4}-\d{2}-\d{2}\.md\./);
		const notePath = /as (C-0142\/notes\/[^ ]+\.md)\./.exec(notice)![1]!;
		const { data, body } = splitFrontmatter(await decryptTextWithCore(h.dir, notePath));
		expect(data).toMatchObject({ kind: "note", client: "C-0142", format: "soap", status: "draft", model: "llama3.1:8b" });
		expect(body).toContain("# Practice SOAP note: C-0142");
		expect(body).toContain("Self-energy journaling homework assigned.");
		// The summary exists only encrypted in the record.
		const summaryPath = String(data.source_summary);
		expect(summaryPath).toMatch(/^C-0142\/summaries\//);
		expect(await decryptTextWithCore(h.dir, summaryPath)).toContain(SUMMARY_C);
		for (const file of await allFiles(h.dir)) expect((await readFile(file)).includes("fear of abandonment from age 7"), file).toBe(false);
		// Progress appeared in the status bar and cleared; the draft is open in the encrypted view.
		expect(status.texts.some((t) => /^Drafting · \d+ characters$/.test(t) && !t.startsWith("Drafting · 0 "))).toBe(true);
		expect(statusItem().textContent).toBe("");
		expect(activeView(h).currentRecordPath).toBe(notePath);
		expect(
			fake.chats
				.at(-1)!
				.messages.map((m) => m.content)
				.join("\n"),
		).not.toContain("Synthetic Person");
	});

	it("cancelled mid-stream: a notice says the partial draft was kept, and it is an incomplete draft", async () => {
		fake.reply({ json: sectionsJson(ADVERSARIAL_A), chunkDelayMs: 40 });
		await draftFromSummary(SUMMARY_C);
		await waitFor(() => /^Drafting · [1-9]\d* characters$/.test(statusItem().textContent ?? ""), "streamed text");
		expect(statusItem().getAttribute("aria-label")).toBe("Cancel drafting");
		h.run("cancel-drafting");
		await h.idle();
		const notice = await waitForNotice(/^Drafting cancelled\. The partial draft was kept, encrypted, as C-0142\/notes\/[^ ]+\.md\. Your summary is kept/);
		const kept = /as (C-0142\/notes\/[^ ]+\.md)\./.exec(notice)![1]!;
		const { data, body } = splitFrontmatter(await decryptTextWithCore(h.dir, kept));
		expect(data).toMatchObject({ status: "draft", incomplete: true });
		expect(findReviewMarkers(body).length).toBeGreaterThan(0);
		expect(statusItem().textContent).toBe("");
		expect(noticeTexts().filter((n) => /failed/i.test(n))).toEqual([]);
	});

	it("from a transcript picked by client, stopped by a lock: the partial draft is kept and the notice says why", async () => {
		await session(h).record.writeText("C-0142/transcripts/2025-03-04.md", TRANSCRIPT_A);
		fake.reply({ json: sectionsJson(ADVERSARIAL_A), chunkDelayMs: 40 });
		h.run("draft-note-from-transcript");
		await chooseSuggestion(await waitForModal("clinical-vault-client-modal"), "C-0142");
		await chooseSuggestion(await waitForModal("clinical-vault-record-file-modal"), "2025-03-04");
		clickButton(await waitForModal("clinical-vault-draft-transcript-modal"), "Draft note");
		await waitFor(() => /^Drafting · [1-9]\d* characters$/.test(statusItem().textContent ?? ""), "streamed text");
		h.run("lock");
		await h.idle();
		expect(session(h).isUnlocked).toBe(false);
		await waitForNotice(/^Drafting stopped because the record locked\. The partial draft was kept, encrypted, as C-0142\/notes\/2025-03-04\.md\.$/);
		expect(splitFrontmatter(await decryptTextWithCore(h.dir, "C-0142/notes/2025-03-04.md")).data).toMatchObject({
			incomplete: true,
			source_transcript: "C-0142/transcripts/2025-03-04.md",
		});
		expect(statusItem().textContent).toBe("");
	});

	it("a model that is not installed: the error notice names the ollama pull command", async () => {
		h.plugin.settings.llmModel = "qwen2.5:14b";
		await draftFromSummary(SUMMARY_C);
		await h.idle();
		await waitForNotice(/^Drafting failed: .*ollama pull qwen2\.5:14b/);
	});
});

describe("review and sign", () => {
	it("an adversarial draft has markers; signing is refused listing them, then signed with an override; the signed note is read-only; addendum and copy for EHR", async () => {
		const transcript = "C-0142/transcripts/2025-03-04.md";
		await session(h).record.writeText(transcript, TRANSCRIPT_A);
		await openRecordFile(h.app as unknown as ObsidianApp, session(h), transcript);
		await h.idle();
		fake.reply({ json: sectionsJson(ADVERSARIAL_A) });

		h.run("draft-note-from-transcript");
		clickButton(await waitForModal("clinical-vault-draft-transcript-modal"), "Draft note");
		const notePath = "C-0142/notes/2025-03-04.md";
		// The review list opens with the draft: each marker with its line; a click goes to it in the editor.
		const review = await waitForModal("clinical-vault-review-modal");
		const text = await decryptTextWithCore(h.dir, notePath);
		const markers = findReviewMarkers(text);
		expect(markers.length).toBeGreaterThan(0);
		expect(splitFrontmatter(text).body).not.toMatch(/low risk of self-harm|F41\.1/);
		expect(Array.from(review.contentEl.querySelectorAll(".clinical-vault-review-line")).map((el) => el.textContent)).toEqual(
			markers.map((m) => `Line ${m.line}`),
		);
		(review.contentEl.querySelector(".clinical-vault-review-item") as HTMLElement).click();
		await h.idle();
		const view = activeView(h);
		expect(view.currentRecordPath).toBe(notePath);
		expect(view.currentMode).toBe("edit");
		expect(editorOf(view).selected).toBe(markers[0]!.marker);

		// Refused while markers remain: the list, then "Sign anyway" with a reason.
		h.run("sign-note");
		const refused = await waitForModal("clinical-vault-review-modal");
		expect(refused.contentEl.textContent).toContain(`still has ${markers.length} review marker`);
		for (const m of markers) expect(refused.contentEl.textContent).toContain(m.reason);
		expect(splitFrontmatter(await decryptTextWithCore(h.dir, notePath)).data.status).toBe("draft");
		clickButton(refused, "Sign anyway");
		const reason = await waitForModal("clinical-vault-override-modal");
		setField(reason, "reason", "Reviewed each flag against the session; kept as written.");
		clickButton(reason, "Sign note");
		const signer = await waitForModal("clinical-vault-signer-modal");
		setField(signer, "signer", "Dr. Synthetic Clinician");
		clickButton(signer, "Continue");
		await h.idle();
		await waitForNotice(/^Note signed by Dr\. Synthetic Clinician, with \d+ review markers? overridden/);
		const signed = await decryptTextWithCore(h.dir, notePath);
		expect(splitFrontmatter(signed).data).toMatchObject({
			status: "signed",
			signed_by: "Dr. Synthetic Clinician",
			review_override: "Reviewed each flag against the session; kept as written.",
			review_markers_overridden: markers.length,
		});
		expect(await verifySignature(signed, notePath)).toBe(true);
		expect((await dataJson(h)).signerName).toBe("Dr. Synthetic Clinician");

		// The signed note is read-only in the view: no edit mode, and a save is refused.
		clearNotices();
		expect(activeView(h).currentMode).toBe("read");
		expect(activeView(h).isSigned).toBe(true);
		h.run("toggle-encrypted-note-editing");
		await h.idle();
		await waitForNotice(/This note is signed and cannot be edited\. Add an addendum instead\./);
		expect(activeView(h).currentMode).toBe("read");

		// An addendum is appended below the signed text, signed by the remembered name.
		h.run("add-addendum");
		const addendum = await waitForModal("clinical-vault-addendum-modal");
		typeText(addendum, "Client called to reschedule; no change to the plan.");
		clickButton(addendum, "Add addendum");
		await h.idle();
		await waitForNotice(/^Addendum added\.$/);
		const withAddendum = await decryptTextWithCore(h.dir, notePath);
		expect(withAddendum).toMatch(
			/## Addendum \(\d{4}-\d{2}-\d{2} \d{2}:\d{2}, Dr\. Synthetic Clinician\)\n\nClient called to reschedule; no change to the plan\.\n$/,
		);
		expect(splitFrontmatter(withAddendum).body.startsWith(splitFrontmatter(signed).body.trimEnd())).toBe(true);
		expect(await verifySignature(withAddendum, notePath)).toBe(true);
		expect(activeView(h).contentEl.textContent).toContain("Client called to reschedule");

		// Copy for EHR: plain text on the clipboard, without markers or frontmatter.
		h.run("copy-for-ehr");
		await h.idle();
		await waitForNotice(/^Copied as plain text for the EHR/);
		const copied = await navigator.clipboard.readText();
		expect(copied).toContain("SUBJECTIVE");
		expect(copied).toContain("Client called to reschedule");
		expect(findReviewMarkers(copied)).toEqual([]);
		expect(copied).not.toMatch(/^---$|status: signed|content_sha256/m);
	});
});

describe("sign a note whose session mentioned risk", () => {
	it("the sign modal refuses while the risk section holds the placeholder (cancel: the refusal as a notice), then signs with the reason risk was not assessed", async () => {
		const notePath = "C-0142/notes/2025-03-25.md";
		const body = `# SOAP note: C-0142, session 2, 2025-03-25\n\n## Plan\nContinue weekly sessions.\n\n## Risk assessment\n> [!danger] Risk content mentioned at [12:04]; clinician to assess.\n\n${RISK_PLACEHOLDER}\n\nNext session: 2025-04-01\n`;
		await session(h).record.writeText(notePath, `---\nkind: note\nclient: C-0142\nstatus: draft\nrisk_mentioned_at:\n  - "[12:04]"\n---\n${body}`);
		await openRecordFile(h.app as unknown as ObsidianApp, session(h), notePath);
		await h.idle();

		// Closing the modal (to write the risk section instead): not signed, and the refusal says why through the error funnel.
		h.run("sign-note");
		const first = await waitForModal("clinical-vault-risk-modal");
		expect(first.contentEl.textContent).toContain("the session mentioned risk at [12:04]");
		expect(first.contentEl.textContent).toContain("Risk not assessed: reason");
		clickButton(first, "Cancel");
		await h.idle();
		await waitForNotice(
			/was not signed: the session mentioned risk at \[12:04\] and its risk section still holds the "Clinician to complete: risk assessment" placeholder\. To sign, write your risk assessment/,
		);
		expect(splitFrontmatter(await decryptTextWithCore(h.dir, notePath)).data.status).toBe("draft");

		// Recording that risk was not assessed, with the reason.
		h.run("sign-note");
		const modal = await waitForModal("clinical-vault-risk-modal");
		clickButton(modal, "Sign with risk not assessed");
		await waitFor(() => /Enter the reason risk was not assessed/.test(modalError(modal)), "the empty reason refused inline");
		setField(modal, "reason", "Client left before risk could be assessed");
		clickButton(modal, "Sign with risk not assessed");
		const signer = await waitForModal("clinical-vault-signer-modal");
		setField(signer, "signer", "Dr. Synthetic Clinician");
		clickButton(signer, "Continue");
		await h.idle();
		await waitForNotice(/^Note signed by Dr\. Synthetic Clinician, with risk recorded as not assessed\. It is now read-only\.$/);
		const signed = await decryptTextWithCore(h.dir, notePath);
		const { data, body: signedBody } = splitFrontmatter(signed);
		expect(data).toMatchObject({
			status: "signed",
			signed_by: "Dr. Synthetic Clinician",
			risk_not_assessed: "Client left before risk could be assessed",
			signature_version: 2,
		});
		expect(signedBody).toContain(
			"## Risk assessment\n> [!danger] Risk content mentioned at [12:04]; clinician to assess.\n\nRisk not assessed: Client left before risk could be assessed\n\nNext session: 2025-04-01\n",
		);
		expect(signedBody).not.toContain(RISK_PLACEHOLDER);
		expect(await verifySignature(signed, notePath)).toBe(true);
		expect(activeView(h).isSigned).toBe(true);
	});
});

function tabRow(tab: PluginSettingTab, key: string): HTMLElement {
	const el = tab.containerEl.querySelector(`.clinical-vault-setting-${key}`);
	if (!(el instanceof dom.classes.HTMLElement)) throw new Error(`no setting ${key}`);
	return el;
}

function change(control: Element | null, value: string): void {
	const input = control as HTMLInputElement;
	input.value = value;
	input.dispatchEvent(new dom.classes.Event("change"));
}

describe("drafting settings", () => {
	const saved = () => dataJson(h).catch((): Record<string, unknown> => ({}));

	it("picks the model from Ollama's list (a text field and the reason when Ollama does not answer), and checks the other drafting settings", async () => {
		const tab = h.app.setting.pluginTabs[0]!;
		tab.display();
		const model = tabRow(tab, "llmModel");
		const select = await waitFor(() => model.querySelector("select"), "the model list");
		// What /api/tags reports (Ollama adds ":latest" to a name without a tag).
		expect(Array.from(select.options).map((o) => o.value)).toEqual(DEFAULT_FAKE_MODELS.map((m) => (m.name.includes(":") ? m.name : `${m.name}:latest`)));
		expect(select.value).toBe("llama3.1:8b");
		change(select, "nomic-embed-text:latest");
		await waitFor(async () => (await saved()).llmModel === "nomic-embed-text:latest", "the model to be saved");

		// Ollama down: refresh gives a text field and the reason.
		h.plugin.settings.llmUrl = "http://127.0.0.1:9";
		(model.querySelector(".extra-setting-button") as HTMLElement).click();
		const input = await waitFor(() => model.querySelector("input[name=llmModel]"), "the model text field");
		expect((input as HTMLInputElement).value).toBe("nomic-embed-text:latest");
		await waitFor(() => /Could not list the server's models/.test(model.querySelector(".clinical-vault-setting-error")?.textContent ?? ""), "the reason");
		change(input, "qwen2.5:14b");
		await waitFor(async () => (await saved()).llmModel === "qwen2.5:14b", "the typed model to be saved");

		const error = (key: string) => tabRow(tab, key).querySelector(".clinical-vault-setting-error")?.textContent ?? "";
		change(tabRow(tab, "llmUrl").querySelector("input"), "http://203.0.113.5:11434");
		expect(error("llmUrl")).not.toBe("");
		change(tabRow(tab, "defaultNoteFormat").querySelector("select"), "ifs");
		change(tabRow(tab, "sectionWordLimit").querySelector("input"), "5");
		expect(error("sectionWordLimit")).toMatch(/20 to 2000/);
		change(tabRow(tab, "templatesFolder").querySelector("input"), "Clinical/templates");
		await waitFor(() => /outside the clinical folder/.test(error("templatesFolder")), "the templates folder refusal");
		change(tabRow(tab, "signerName").querySelector("input"), "Dr. Synthetic Clinician");
		await waitFor(async () => {
			const data = await saved();
			return data.defaultNoteFormat === "ifs" && data.signerName === "Dr. Synthetic Clinician";
		}, "the format and signer to be saved");
		const data = await dataJson(h);
		expect(data.llmUrl).toBe("http://127.0.0.1:9");
		expect(data.sectionWordLimit).toBe(150);
		expect(data.templatesFolder).toBe(TEMPLATES);
	});
});

describe("model server settings", () => {
	const saved = () => dataJson(h).catch((): Record<string, unknown> => ({}));

	it("a preset sets the kind and the address; Test connection lists what an OpenAI-compatible server has; engines on one port are named", async () => {
		const openai = await startFakeOpenAi({ nCtx: 16384 });
		try {
			const tab = h.app.setting.pluginTabs[0]!;
			tab.display();
			expect((tabRow(tab, "llmPreset").querySelector("select") as HTMLSelectElement).value).toBe("custom");
			change(tabRow(tab, "llmPreset").querySelector("select"), "lmstudio");
			await waitFor(async () => {
				const data = await saved();
				return data.llmEngine === "openai" && data.llmUrl === "http://127.0.0.1:1234";
			}, "the LM Studio preset to be saved");
			// Drawn again with the preset's values and hint.
			await waitFor(
				() => tabRow(tab, "llmUrl").querySelector<HTMLInputElement>("input")?.value === "http://127.0.0.1:1234",
				"the address to follow the preset",
			);
			expect(tabRow(tab, "llmUrl").textContent).toContain("LM Studio: In LM Studio: Developer → Start server");
			expect((tabRow(tab, "llmEngine").querySelector("select") as HTMLSelectElement).value).toBe("openai");

			change(tabRow(tab, "llmUrl").querySelector("input"), openai.url);
			await waitFor(async () => (await saved()).llmUrl === openai.url, "the address to be saved");
			change(tabRow(tab, "llmModel").querySelector("input, select"), "llama-3.1-8b-instruct");
			await waitFor(async () => (await saved()).llmModel === "llama-3.1-8b-instruct", "the model to be saved");
			const button = Array.from(tabRow(tab, "llmUrl").querySelectorAll("button")).find((b) => b.textContent === "Test connection");
			expect(button).toBeDefined();
			button!.click();
			const result = () => tabRow(tab, "llmUrl").querySelector(".clinical-vault-setting-test")?.textContent ?? "";
			await waitFor(() => result().startsWith("Connected"), "the connection test");
			expect(result()).toBe(`Connected to ${openai.url}: 1 model (llama-3.1-8b-instruct). Context for "llama-3.1-8b-instruct": 16384 tokens.`);
			expect(openai.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /v1/models", "GET /props"]);

			// llama-server on whisper-server's port: the settings say so.
			change(tabRow(tab, "llmUrl").querySelector("input"), "http://127.0.0.1:8080");
			await waitFor(async () => (await saved()).llmUrl === "http://127.0.0.1:8080", "the address to be saved");
			change(tabRow(tab, "llmEngine").querySelector("select"), "openai");
			await waitFor(() => /both set to 127\.0\.0\.1:8080/.test(tabRow(tab, "llmUrl").textContent ?? ""), "the collision warning");

			// Nothing answering: the reason, in the test line.
			change(tabRow(tab, "llmUrl").querySelector("input"), "http://127.0.0.1:9");
			await waitFor(async () => (await saved()).llmUrl === "http://127.0.0.1:9", "the address to be saved");
			tab.display();
			Array.from(tabRow(tab, "llmUrl").querySelectorAll("button"))
				.find((b) => b.textContent === "Test connection")!
				.click();
			await waitFor(
				() =>
					/Nothing is listening at http:\/\/127\.0\.0\.1:9/.test(
						tabRow(tab, "llmUrl").querySelector(".clinical-vault-setting-test")?.textContent ?? "",
					),
				"the refusal reason",
			);

			// Back to Ollama with the preset.
			change(tabRow(tab, "llmPreset").querySelector("select"), "ollama");
			await waitFor(async () => {
				const data = await saved();
				return data.llmEngine === "ollama" && data.llmUrl === "http://127.0.0.1:11434";
			}, "the Ollama preset to be saved");
			change(tabRow(tab, "llmContextTokens").querySelector("input"), "100");
			expect(tabRow(tab, "llmContextTokens").querySelector(".clinical-vault-setting-error")?.textContent).toMatch(/512 or more/);
			change(tabRow(tab, "embeddingEngine").querySelector("select"), "openai");
			change(tabRow(tab, "embeddingUrl").querySelector("input"), openai.url);
			change(tabRow(tab, "embeddingModel").querySelector("input"), "nomic-embed-text-v1.5");
			await waitFor(async () => {
				const data = await saved();
				return data.embeddingEngine === "openai" && data.embeddingUrl === openai.url && data.embeddingModel === "nomic-embed-text-v1.5";
			}, "the embedding engine to be saved");
		} finally {
			await openai.close();
		}
	});
});

describe("a note signed elsewhere while open for editing", () => {
	it("refuses the save with the addendum hint and leaves the signed note untouched", async () => {
		const view = await newSessionNote(h, "C-0142");
		const path = view.currentRecordPath!;
		const editor = editorOf(view);
		// Signed by another route (the CLI, another window) while this editor is open.
		await signNote(session(h).record, path, { signer: "Dr. Synthetic Clinician", now: new Date() });
		const signed = await decryptTextWithCore(h.dir, path);
		// The view follows the file: it now shows the signed note, read-only.
		await h.idle();
		expect(view.isSigned).toBe(true);
		// A keystroke that reached the old editor anyway is refused with the addendum hint.
		editor.type(`${editor.value}A late change.\n`);
		expect(await view.save(true)).toBe(false);
		expect(noticeTexts().join("\n")).toMatch(/signed.*addendum/is);
		expect(await decryptTextWithCore(h.dir, path)).toBe(signed);
		expect(await verifySignature(signed, path)).toBe(true);
	});
});
