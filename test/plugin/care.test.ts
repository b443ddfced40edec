// @vitest-environment happy-dom
/**
 * The longitudinal commands through the stub on a real temporary vault, against a loopback server
 * speaking Ollama's API: "Update parts map from session" (the model's answer becomes a proposal,
 * nothing is written until the clinician applies it, a closed proposal is kept and reused without
 * asking the model again, unticked changes are not applied), "Open parts map", and "Prepare
 * pre-session brief" (a pane of its own, memory only, closed on lock). Synthetic data only.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readdir } from "node:fs/promises";
import * as nodePath from "node:path";
import { BRIEF_VIEW_TYPE } from "../../src/obsidian/BriefView";
import { SEARCH_VIEW_TYPE, type SearchView } from "../../src/obsidian/SearchView";
import { openRecordFile } from "../../src/obsidian/EncryptedView";
import type { App as ObsidianApp } from "obsidian";
import { chooseSuggestion, clearNotices, clickButton, waitFor, waitForModal, waitForModalClosed, waitForNotice } from "../support/obsidian-harness";
import { startFakeOllama, type FakeOllama } from "../support/fake-ollama";
import { INTAKE, SCENARIO_CLIENT, SCENARIO_NAME, SCENARIO_NOTES, SESSION_1, SESSION_2 } from "../support/scenario";
import { SCENARIO_ANSWERS } from "../parts/helpers";
import { DRAFT_ANSWER, PROGRESS } from "../plan/answers";
import { ManualClock } from "../../src/core/clock";
import { activeView, addClient, decryptTextWithCore, session, setUpRecord, startPlugin, unlock, type Harness } from "./helpers";

let h: Harness;
let fake: FakeOllama;
let clock: ManualClock;

beforeEach(async () => {
	clearNotices();
	fake = await startFakeOllama();
	clock = new ManualClock("2026-07-01T09:00:00Z");
	h = await startPlugin({ clock });
	h.plugin.settings.ollamaUrl = fake.url;
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
			else out.push(nodePath.relative(h.dir, nodePath.join(dir, e.name)));
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
		expect(rows.map((r) => r.querySelector(".setting-item-name")?.textContent)).toEqual([expect.stringMatching(/Critic/), expect.stringMatching(/Self-energy/i)]);
		// Closing applies nothing; the proposal stays (encrypted) for next time.
		const before = await files();
		modal.close();
		await waitForNotice(/Nothing was applied/);
		await h.idle();
		expect((await files()).filter((f) => f.includes("parts-map"))).toEqual([]);
		expect((await files()).filter((f) => !before.includes(f))).toEqual([]);

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
		h.plugin.settings.ollamaUrl = "http://127.0.0.1:9";
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
		h.plugin.settings.ollamaUrl = "http://127.0.0.1:9";
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
		expect(modal.contentEl.querySelectorAll(".clinical-vault-proposal-evidence")[0]?.textContent).toBe("Morning panic occurred five of seven days this week.");
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
		await waitFor(() => /passages from/.test(leaf.view.containerEl.querySelector(".clinical-vault-search-mode")?.textContent ?? ""), "index open");
		await view.searchFor("father", { client: SCENARIO_CLIENT });
		const hits = () => [...leaf.view.containerEl.querySelectorAll(".clinical-vault-search-hit")];
		expect(hits().length).toBeGreaterThan(0);
		expect(hits()[0]!.querySelector(".clinical-vault-search-meta")?.textContent).toMatch(/C-0417 · 2026-06-(02|16|30)/);
		expect(hits()[0]!.querySelector("mark")?.textContent?.toLowerCase()).toBe("father");
		expect(leaf.view.containerEl.querySelectorAll(".clinical-vault-search-mode")[1]?.textContent).toMatch(/^\d+ results by words (and meaning|only)/);

		// A new note is searchable as soon as it is saved.
		await session(h).record.writeText(`${SCENARIO_CLIENT}/notes/2026-07-07.md`, "## Data\nClient spoke about the lighthouse keeper from a childhood holiday.\n");
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
		h.plugin.settings.ollamaUrl = "http://127.0.0.1:9";
		await session(h).lock();
		await unlock(h);
		h.run("search-record");
		const leaf = await waitFor(() => h.app.workspace.getLeavesOfType(SEARCH_VIEW_TYPE)[0], "search pane");
		const view = leaf.view as unknown as SearchView;
		await waitFor(() => /passages from/.test(leaf.view.containerEl.querySelector(".clinical-vault-search-mode")?.textContent ?? ""), "index open");
		await view.searchFor("drowning");
		const mode = leaf.view.containerEl.querySelectorAll(".clinical-vault-search-mode")[1]?.textContent ?? "";
		expect(mode).toMatch(/results by words only\. .*keyword matches only/);
		expect(leaf.view.containerEl.querySelectorAll(".clinical-vault-search-hit").length).toBeGreaterThan(0);
	});
});
