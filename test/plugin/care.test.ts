// @vitest-environment happy-dom
/**
 * The longitudinal commands through the stub on a real temporary vault, against a loopback server
 * speaking Ollama's API: "Update parts map from session" (the model's answer becomes a proposal,
 * nothing is written until the clinician applies it, a closed proposal is kept and reused without
 * asking the model again, unticked changes are not applied), "Open parts map", and "Prepare
 * pre-session brief" (a pane of its own, memory only, closed on lock). Synthetic data only.
 */
import { BRIEF_VIEW_TYPE, PRIVACY_VIEW_TYPE, SEARCH_VIEW_TYPE } from "../../src/obsidian/common/viewTypes";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as nodePath from "node:path";

import { type SearchView } from "../../src/obsidian/search/SearchView";

import { openRecordFile } from "../../src/obsidian/record/EncryptedView";
import type { App as ObsidianApp } from "obsidian";
import {
	chooseSuggestion,
	clearNotices,
	clickButton,
	closeAllModals,
	modalError,
	setField,
	waitFor,
	waitForModal,
	waitForModalClosed,
	waitForNotice,
} from "../support/obsidian-harness";
import { startFakeOllama, type FakeOllama } from "../support/fake-ollama";
import { INTAKE, SCENARIO_CLIENT, SCENARIO_NAME, SCENARIO_NOTES, SESSION_1, SESSION_2 } from "../support/scenario";
import { SCENARIO_ANSWERS } from "../parts/helpers";
import { DRAFT_ANSWER, PROGRESS } from "../plan/answers";
import { FAITHFUL } from "../documents/answers";
import { signNote } from "../../src/core/notes/signing";
import { ManualClock } from "../../src/core/clock";
import { activeView, addClient, dataJson, decryptTextWithCore, session, setUpRecord, startPlugin, unlock, type Harness } from "./helpers";

let h: Harness;
let fake: FakeOllama;
let clock: ManualClock;

beforeEach(async () => {
	clearNotices();
	fake = await startFakeOllama();
	clock = new ManualClock("2026-07-01T09:00:00Z");
	h = await startPlugin({ clock });
	h.plugin.settings.llmUrl = fake.url;
	await setUpRecord(h);
	await addClient(h, SCENARIO_CLIENT, SCENARIO_NAME, "ifs");
	const record = session(h).record;
	for (const n of SCENARIO_NOTES) await record.writeText(n.recordPath, n.text);
});
afterEach(async () => {
	await h.cleanup();
	await fake.close();
});

async function openNote(recordPath: string): Promise<void> {
	await openRecordFile(h.app as unknown as ObsidianApp, session(h), recordPath);
	await h.idle();
	expect(activeView(h).currentRecordPath).toBe(recordPath);
}

async function files(): Promise<string[]> {
	const out: string[] = [];
	const walk = async (dir: string): Promise<void> => {
		for (const e of await readdir(dir, { withFileTypes: true })) {
			if (e.isDirectory()) await walk(nodePath.join(dir, e.name));
			// The writer lock exists only while a background write (the search index) is in flight: not a file the flow wrote.
			else if (e.name !== ".writer.lock") out.push(nodePath.relative(h.dir, nodePath.join(dir, e.name)));
		}
	};
	await walk(h.dir);
	return out.sort();
}

describe("Update parts map from session", () => {
	it("proposes, waits for approval, applies only what was ticked, and reuses a closed proposal without asking the model again", async () => {
		await openNote(SESSION_1.recordPath);
		fake.reply({ json: SCENARIO_ANSWERS[0] });
		h.run("update-parts-map");
		let modal = await waitForModal("clinical-vault-proposal-modal");
		expect(fake.chats).toHaveLength(1);
		const rows = [...modal.contentEl.querySelectorAll(".clinical-vault-proposal-item")];
		expect(rows.map((r) => r.querySelector(".setting-item-name")?.textContent)).toEqual([
			expect.stringMatching(/Critic/),
			expect.stringMatching(/Self-energy/i),
		]);
		// Closing applies nothing; the proposal stays (encrypted) for next time.
		const before = await files();
		modal.close();
		await waitForNotice(/Nothing was applied/);
		await h.idle();
		expect((await files()).filter((f) => f.includes("parts-map"))).toEqual([]);
		// No new record file (the search index, saved a few seconds after any change, may appear at any time).
		expect((await files()).filter((f) => !before.includes(f) && !f.endsWith("_vault/search-index.cvault"))).toEqual([]);

		// Run again: same proposal, no second model call. Untick the Self-energy change and apply.
		h.run("update-parts-map");
		modal = await waitForModal("clinical-vault-proposal-modal");
		expect(fake.chats).toHaveLength(1);
		const selfRow = [...modal.contentEl.querySelectorAll(".clinical-vault-proposal-item")][1]!;
		(selfRow.querySelector(".checkbox-container") as HTMLElement).click();
		expect(modal.contentEl.querySelector(".clinical-vault-proposal-count")?.textContent).toBe("1 of 2 selected.");
		clickButton(modal, "Apply selected");
		await waitForModalClosed(modal);
		await waitForNotice(/Parts map updated: 1 change applied/);
		await h.idle();
		expect(activeView(h).currentRecordPath).toBe(`${SCENARIO_CLIENT}/parts-map.md`);
		const page = await decryptTextWithCore(h.dir, `${SCENARIO_CLIENT}/parts-map.md`);
		expect(page).toContain("the Critic");
		expect(page).toContain("```mermaid");
		expect(page).not.toMatch(/self_energy:\s*\n\s*- curiosity/);
		expect(page).not.toContain(SCENARIO_NAME);
		// The parts map is also a file in the record: nothing in plaintext anywhere.
		expect((await files()).filter((f) => f.startsWith("Clinical/") && !f.startsWith("Clinical/_vault/") && !f.endsWith(".cvault"))).toEqual([]);
	});

	it("says clearly when the model is not running, and writes nothing", async () => {
		h.plugin.settings.llmUrl = "http://127.0.0.1:9";
		await openNote(SESSION_2.recordPath);
		const before = await files();
		h.run("update-parts-map");
		await waitForNotice(/Ollama/);
		await h.idle();
		expect(await files()).toEqual(before);
	});
});

describe("Prepare pre-session brief", () => {
	it("shows the brief in its own pane, from memory, and closes it on lock", async () => {
		h.plugin.settings.llmUrl = "http://127.0.0.1:9";
		await openNote(SESSION_2.recordPath);
		h.run("prepare-brief");
		const pane = await waitFor(() => h.app.workspace.getLeavesOfType(BRIEF_VIEW_TYPE)[0], "brief pane");
		await h.idle();
		const text = pane.view.containerEl.textContent ?? "";
		expect(text).toContain(`Pre-session brief: ${SCENARIO_CLIENT}`);
		expect(text).toContain("I feel like I'm drowning every morning before my feet hit the floor.");
		expect(text).toContain("open: not yet followed up");
		expect(text).not.toContain(SCENARIO_NAME);
		// Nothing was written for it.
		expect((await files()).some((f) => f.includes("brief"))).toBe(false);
		await session(h).lock();
		await h.idle();
		expect(h.app.workspace.getLeavesOfType(BRIEF_VIEW_TYPE)).toHaveLength(0);
	});
});

describe("Treatment plan", () => {
	it("drafts from the intake and adds progress from a session, each change approved; reviews due are shown on unlock", async () => {
		await openNote(INTAKE.recordPath);
		fake.reply({ json: DRAFT_ANSWER });
		h.run("draft-treatment-plan");
		let modal = await waitForModal("clinical-vault-proposal-modal");
		const names = [...modal.contentEl.querySelectorAll(".clinical-vault-proposal-item .setting-item-name")].map((e) => e.textContent ?? "");
		expect(names.some((n) => /F41\.0 Panic disorder/.test(n))).toBe(true);
		expect(names.filter((n) => /objective/i.test(n)).length).toBeGreaterThanOrEqual(3);
		clickButton(modal, "Apply selected");
		await waitForNotice(/Treatment plan updated: \d+ changes applied/);
		await h.idle();
		expect(activeView(h).currentRecordPath).toBe(`${SCENARIO_CLIENT}/treatment-plan.md`);

		await openNote(SESSION_1.recordPath);
		fake.reply({ json: PROGRESS[0]!.answer });
		h.run("update-plan-progress");
		modal = await waitForModal("clinical-vault-proposal-modal");
		expect(modal.contentEl.querySelectorAll(".clinical-vault-proposal-evidence")[0]?.textContent).toBe(
			"Morning panic occurred five of seven days this week.",
		);
		clickButton(modal, "Apply selected");
		await waitForNotice(/Treatment plan updated/);
		await h.idle();
		const plan = await decryptTextWithCore(h.dir, `${SCENARIO_CLIENT}/treatment-plan.md`);
		expect(plan).toContain(`[[Clinical/${SCENARIO_CLIENT}/notes/2026-06-09.md.cvault|2026-06-09]]`);
		expect(plan).toContain("F41.0 Panic disorder");

		// Twelve weeks on, the plan's review (90 days after it was made) and an objective are due.
		await session(h).lock();
		clock.set("2026-09-20T09:00:00Z");
		clearNotices();
		await unlock(h);
		const notice = await waitForNotice(/Treatment plans needing attention/);
		expect(notice).toMatch(new RegExp(`${SCENARIO_CLIENT}: plan review due 2026-09-29`));
		expect(notice).toMatch(/due within two weeks/);

		// The brief says the same (no note is open after the lock: the client is picked).
		h.run("prepare-brief");
		await chooseSuggestion(await waitForModal("clinical-vault-client-modal"), SCENARIO_CLIENT);
		const pane = await waitFor(() => h.app.workspace.getLeavesOfType(BRIEF_VIEW_TYPE)[0], "brief pane");
		await h.idle();
		expect(pane.view.containerEl.textContent).toContain("Plan review due 2026-09-29");
	});
});

describe("Search clinical record", () => {
	it("finds a passage by keyword, follows every save, jumps to the passage, and goes on lock", async () => {
		h.run("search-record");
		const leaf = await waitFor(() => h.app.workspace.getLeavesOfType(SEARCH_VIEW_TYPE)[0], "search pane");
		await h.idle();
		const view = leaf.view as unknown as SearchView;
		await waitFor(() => /passages? from/.test(leaf.view.containerEl.querySelector(".clinical-vault-search-mode")?.textContent ?? ""), "index open");
		await view.searchFor("father", { client: SCENARIO_CLIENT });
		const hits = () => [...leaf.view.containerEl.querySelectorAll(".clinical-vault-search-hit")];
		expect(hits().length).toBeGreaterThan(0);
		expect(hits()[0]!.querySelector(".clinical-vault-search-meta")?.textContent).toMatch(/C-0417 · 2026-06-(02|16|30)/);
		expect(hits()[0]!.querySelector("mark")?.textContent?.toLowerCase()).toBe("father");
		expect(leaf.view.containerEl.querySelectorAll(".clinical-vault-search-mode")[1]?.textContent).toMatch(/^\d+ results by words (and meaning|only)/);

		// A new note is searchable as soon as it is saved.
		await session(h).record.writeText(
			`${SCENARIO_CLIENT}/notes/2026-07-07.md`,
			"## Data\nClient spoke about the lighthouse keeper from a childhood holiday.\n",
		);
		await waitFor(async () => {
			await view.searchFor("lighthouse");
			return hits().length === 1;
		}, "new note indexed");

		// Opening a hit opens the encrypted note at its line.
		(hits()[0] as HTMLElement).click();
		await h.idle();
		await waitFor(() => activeView(h).currentRecordPath === `${SCENARIO_CLIENT}/notes/2026-07-07.md`, "hit opened");

		// The index is saved, encrypted, before the lock, and the pane goes.
		await session(h).lock();
		await h.idle();
		expect(h.app.workspace.getLeavesOfType(SEARCH_VIEW_TYPE)).toHaveLength(0);
		expect((await files()).filter((f) => f.includes("search-index"))).toEqual(["Clinical/_vault/search-index.cvault"]);
	});
});

describe("Search without the embedding model", () => {
	it("searches by keyword and says why meaning is missing", async () => {
		h.plugin.settings.llmUrl = "http://127.0.0.1:9";
		await session(h).lock();
		await unlock(h);
		h.run("search-record");
		const leaf = await waitFor(() => h.app.workspace.getLeavesOfType(SEARCH_VIEW_TYPE)[0], "search pane");
		const view = leaf.view as unknown as SearchView;
		await waitFor(() => /passages? from/.test(leaf.view.containerEl.querySelector(".clinical-vault-search-mode")?.textContent ?? ""), "index open");
		await view.searchFor("drowning");
		const mode = leaf.view.containerEl.querySelectorAll(".clinical-vault-search-mode")[1]?.textContent ?? "";
		expect(mode).toMatch(/results by words only\. .*keyword matches only/);
		expect(leaf.view.containerEl.querySelectorAll(".clinical-vault-search-hit").length).toBeGreaterThan(0);
	});
});

describe("Documents, psychotherapy notes and exports", () => {
	it("drafts a progress summary from the notes into the record and opens it", async () => {
		await openNote(SESSION_2.recordPath);
		fake.reply({ json: FAITHFUL["progress-summary"] });
		h.run("draft-document");
		const form = await waitForModal("clinical-vault-document-modal");
		setField(form, "from", "2026-06-01");
		setField(form, "to", "2026-07-01");
		clickButton(form, "Draft");
		await waitForNotice(/Draft saved, encrypted, as C-0417\/documents\/.*progress-summary.*\(5 notes used\)/);
		await h.idle();
		expect(activeView(h).currentRecordPath).toMatch(/^C-0417\/documents\/\d{4}-\d{2}-\d{2}-progress-summary\.md$/);
		const sent = JSON.stringify(fake.chats[0]!.messages);
		expect(sent).toContain("drowning");
		expect(sent).not.toContain(SCENARIO_NAME);
	});

	it("keeps a psychotherapy note apart: its own folder, and out of the brief", async () => {
		await openNote(SESSION_2.recordPath);
		h.run("new-psychotherapy-note");
		await waitFor(() => /^C-0417\/psychotherapy\/2026-07-01\.md$/.test(activeView(h).currentRecordPath ?? ""), "psychotherapy note opened");
		const text = await decryptTextWithCore(h.dir, `${SCENARIO_CLIENT}/psychotherapy/2026-07-01.md`);
		expect(text).toContain("note_type: psychotherapy");
	});

	it("exports a signed note as PDF outside the vault (private file), refuses a path inside it, and de-identifies a note after the check", async () => {
		const record = session(h).record;
		const path = `${SCENARIO_CLIENT}/notes/2026-07-01.md`;
		await record.writeText(
			path,
			`## Data\n${SCENARIO_NAME} said the Critic was quieter. ${SCENARIO_NAME.split(" ")[0]} called from 555-201-7788 on Tuesday.\n`,
		);
		await signNote(record, path, { signer: "Dr. Test Clinician", now: new Date("2026-07-01T18:00:00Z") });
		await openNote(path);
		const outside = await mkdtemp(nodePath.join(tmpdir(), "cv-export-"));
		try {
			h.run("export-pdf");
			let form = await waitForModal("clinical-vault-export-modal");
			setField(form, "path", nodePath.join(h.dir, "note.pdf"));
			clickButton(form, "Export");
			await waitFor(() => /inside the vault/.test(modalError(form)), "refused inside the vault");
			setField(form, "path", nodePath.join(outside, "note.pdf"));
			clickButton(form, "Export");
			await waitForNotice(/Exported to .*note\.pdf\. The exported file is NOT encrypted/);
			const pdf = await readFile(nodePath.join(outside, "note.pdf"));
			expect(pdf.subarray(0, 5).toString("latin1")).toBe("%PDF-");
			expect((await stat(nodePath.join(outside, "note.pdf"))).mode & 0o777).toBe(0o600);

			h.run("deidentify");
			const check = await waitForModal("clinical-vault-review-modal");
			expect(check.contentEl.textContent).toContain(SCENARIO_CLIENT);
			expect(check.contentEl.textContent).toContain("[phone]");
			clickButton(check, "Write de-identified file");
			form = await waitForModal("clinical-vault-export-modal");
			setField(form, "path", nodePath.join(outside, "supervision.txt"));
			clickButton(form, "Export");
			await waitForNotice(/De-identified copy written/);
			const copy = await readFile(nodePath.join(outside, "supervision.txt"), "utf8");
			expect(copy).not.toContain(SCENARIO_NAME.split(" ")[0]!);
			expect(copy).not.toContain("555-201-7788");
			expect(copy).toContain("the Critic");
			const audit = (await record.audit.entries()).filter((e) => e.action === "export").map((e) => e.note);
			expect(audit).toHaveLength(2);
		} finally {
			await rm(outside, { recursive: true, force: true });
		}
	});
});

describe("Privacy view", () => {
	it("lists outbound connections without content and runs the privacy check with fixes", async () => {
		fake.reply({ json: SCENARIO_ANSWERS[0] });
		await openNote(SESSION_1.recordPath);
		h.run("update-parts-map");
		await waitForModal("clinical-vault-proposal-modal");
		closeAllModals();
		h.run("show-privacy");
		const leaf = await waitFor(() => h.app.workspace.getLeavesOfType(PRIVACY_VIEW_TYPE)[0], "privacy pane");
		await h.idle();
		const log = () => [...leaf.view.containerEl.querySelectorAll(".clinical-vault-egress-entry")].map((e) => e.textContent ?? "");
		await waitFor(() => log().some((l) => l.includes(new URL(fake.url).host) && l.includes("ollama") && /sent \d/.test(l)), "egress entry");
		expect(log().join("\n")).not.toMatch(/Critic|parts|api\/chat/);

		// Planted problems: a plaintext note in the clinical folder and File recovery on.
		await writeFile(nodePath.join(h.dir, "Clinical", "C-0417", "loose.md"), "plain text that should not be here");
		await mkdir(nodePath.join(h.dir, h.app.vault.configDir), { recursive: true });
		await writeFile(nodePath.join(h.dir, h.app.vault.configDir, "core-plugins.json"), JSON.stringify({ "file-recovery": true, sync: false }));
		clearNotices();
		h.run("privacy-check");
		await waitForNotice(/Privacy check: \d+ thing\(s\) to fix/);
		const report = leaf.view.containerEl.querySelector(".clinical-vault-privacy-report")?.textContent ?? "";
		expect(report).toContain("Clinical/C-0417/loose.md");
		expect(report).toMatch(/File recovery/i);
		expect(report).toContain("Fix:");
	});
});

describe("Practice-server token from Obsidian's keychain", () => {
	it("sends the token named in the settings, and keeps it out of data.json", async () => {
		const TOKEN = "keychain-t0ken-synthetic";
		const guarded = await startFakeOllama({ token: TOKEN });
		try {
			(h.app as unknown as { secretStorage: { getSecret(id: string): string | null } }).secretStorage = {
				getSecret: (id) => (id === "practice-server" ? TOKEN : null),
			};
			h.plugin.settings.llmUrl = guarded.url;
			// Set in the settings tab: the keychain entry's name.
			const tab = h.app.setting.pluginTabs[0]!;
			tab.display();
			const field = tab.containerEl.querySelector(".clinical-vault-setting-practiceTokenSecret input") as HTMLInputElement;
			field.value = "Practice-Server";
			field.dispatchEvent(new Event("change"));
			await waitFor(
				async () => (await dataJson(h).catch((): Record<string, unknown> => ({}))).practiceTokenSecret === "practice-server",
				"keychain name saved",
			);
			guarded.reply({ json: SCENARIO_ANSWERS[0] });
			await openNote(SESSION_1.recordPath);
			h.run("update-parts-map");
			await waitForModal("clinical-vault-proposal-modal");
			expect(guarded.requests.some((r) => r.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
			closeAllModals();
			expect(JSON.stringify(await dataJson(h))).not.toContain(TOKEN);
		} finally {
			await guarded.close();
		}
	});
});
