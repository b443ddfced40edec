// @vitest-environment happy-dom
/**
 * Measurement-based care through the stub on a real temporary vault: "Enter outcome measure" (the
 * PHQ-9 item by item with its live total and band, the item 9 alert shown before the form closes, a
 * repeat for the same day refused and replaced on request, the total alone, a future date refused
 * with nothing typed lost, the form closed by the lock without saving), a clinician's own YAML
 * measure and a broken one, "Open measures", and the brief's Measures section. Synthetic data only.
 */
import { BRIEF_VIEW_TYPE, VIEW_TYPE } from "../../src/obsidian/common/viewTypes";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import * as nodePath from "node:path";
import type { App as ObsidianApp } from "obsidian";
import { ManualClock } from "../../src/core/clock";
import { MeasuresService } from "../../src/core/measures/MeasuresService";
import { builtinMeasures } from "../../src/core/measures/registry";
import { parseScores } from "../../src/core/measures/scores";

import { openRecordFile } from "../../src/obsidian/record/EncryptedView";
import { openClientTextModals } from "../../src/obsidian/common/clientTextModals";
import {
	chooseSuggestion,
	clearNotices,
	clickButton,
	findModal,
	modalError,
	noticeTexts,
	setField,
	waitFor,
	waitForModal,
	waitForModalClosed,
	waitForNotice,
} from "../support/obsidian-harness";
import { dom, type Modal } from "../support/obsidian-stub";
import { activeView, addClient, views, decryptTextWithCore, session, setUpRecord, startPlugin, type Harness } from "./helpers";

const CLIENT = "C-0142";
const TODAY = "2026-07-01";
const NOTE = `${CLIENT}/notes/2026-06-24.md`;
/** Synthetic PHQ-9 answers: total 14 (Moderate), item 9 answered 1. */
const PHQ9 = [2, 2, 1, 2, 2, 1, 2, 1, 1];

let h: Harness;
let clock: ManualClock;

beforeEach(async () => {
	clearNotices();
	clock = new ManualClock(`${TODAY}T12:00:00Z`);
	h = await startPlugin({ clock });
	// The brief's summary is the only model work near these commands: no server, nothing sent.
	h.plugin.settings.llmUrl = "http://127.0.0.1:9";
	await setUpRecord(h);
	await addClient(h, CLIENT, "Synthetic Person");
	await session(h).record.writeText(NOTE, "# Session 2026-06-24\n\n## Data\nClient described a quieter week at work.\n");
});
afterEach(async () => {
	await h.cleanup();
});

/** A named select of the form. */
function selectIn(modal: Modal, name: string): HTMLSelectElement {
	const select = modal.contentEl.querySelector<HTMLSelectElement>(`select[name="${name}"]`);
	if (!select) throw new Error(`No select named ${name}`);
	return select;
}

/** Chooses an option of a named select the way a clinician does (the value, then a change event). */
function choose(modal: Modal, name: string, value: string): void {
	const el = selectIn(modal, name);
	if (![...el.options].some((o) => o.value === value)) throw new Error(`No option ${value} in ${name}`);
	el.value = value;
	el.dispatchEvent(new dom.classes.Event("change", { bubbles: true }));
}

function selectValue(modal: Modal, name: string): string {
	return selectIn(modal, name).value;
}

function options(modal: Modal, name: string): string[] {
	return [...selectIn(modal, name).options].map((o) => o.textContent ?? "");
}

function dateField(modal: Modal): string {
	return modal.contentEl.querySelector<HTMLInputElement>('input[name="date"]')?.value ?? "";
}

function liveScore(modal: Modal): string {
	return modal.contentEl.querySelector(".clinical-vault-measure-score")?.textContent ?? "";
}

function isShown(modal: Modal, text: string): boolean {
	const button = [...modal.modalEl.querySelectorAll("button")].find((b) => b.textContent === text);
	return button !== undefined && !button.hasClass("clinical-vault-hidden");
}

/** Closes the record views ("New client" leaves the profile open), so commands ask which client. */
function noClientInFocus(): void {
	h.app.workspace.detachLeavesOfType(VIEW_TYPE);
}

/** "Enter outcome measure" for the client, picked in the client picker (no client file is in focus). */
async function openForm(): Promise<Modal> {
	noClientInFocus();
	h.run("enter-measure");
	await chooseSuggestion(await waitForModal("clinical-vault-client-modal"), CLIENT);
	return waitForModal("clinical-vault-measure-modal");
}

function answerItems(modal: Modal, answers: readonly number[]): void {
	answers.forEach((a, i) => choose(modal, `item-${i + 1}`, String(a)));
}

async function scores() {
	const path = `${CLIENT}/measures/scores.json`;
	return parseScores(await decryptTextWithCore(h.dir, path), path);
}

/** Every vault file outside the plugin's config that is not encrypted (the templates folder holds plain templates by design). */
async function plaintextInRecord(): Promise<string[]> {
	const out: string[] = [];
	const walk = async (dir: string): Promise<void> => {
		for (const e of await readdir(dir, { withFileTypes: true })) {
			const full = nodePath.join(dir, e.name);
			if (e.isDirectory()) await walk(full);
			else out.push(nodePath.relative(h.dir, full));
		}
	};
	await walk(nodePath.join(h.dir, "Clinical"));
	return out.filter((f) => !f.startsWith("Clinical/_vault/") && !f.endsWith(".cvault"));
}

describe("Enter outcome measure", () => {
	it("scores a PHQ-9 item by item as it is answered, saves it encrypted, and shows the item 9 alert before the form closes", async () => {
		const modal = await openForm();
		expect(options(modal, "measure")).toEqual(["PHQ-9", "GAD-7", "PCL-5", "PHQ-2", "GAD-2"]);
		expect(selectValue(modal, "measure")).toBe("phq9");
		expect(dateField(modal)).toBe(TODAY);
		expect(options(modal, "session")).toEqual(["None", "notes/2026-06-24.md"]);
		expect(options(modal, "item-9")).toEqual(["Not answered", "0: Not at all", "1: Several days", "2: More than half the days", "3: Nearly every day"]);
		expect(modal.contentEl.textContent).toContain("9. Thoughts that you would be better off dead or of hurting yourself in some way");

		answerItems(modal, PHQ9.slice(0, 8));
		expect(liveScore(modal)).toBe("8 of 9 items answered.");
		// Saving with an item unanswered is refused in the form (the PHQ-9's manual has no rule for a missing item).
		clickButton(modal, "Save");
		expect(modalError(modal)).toMatch(/PHQ-9 item 9 is not answered/);
		choose(modal, "item-9", "1");
		expect(liveScore(modal)).toBe("Total 14 of 27: Moderate");
		choose(modal, "item-1", "0");
		expect(liveScore(modal)).toBe("Total 12 of 27: Moderate");
		choose(modal, "item-1", "2");

		clickButton(modal, "Save");
		const notice = await waitForNotice(/PHQ-9 saved/);
		expect(notice).toBe(`PHQ-9 saved for ${CLIENT}, ${TODAY}: total 14 (Moderate). 1 item alert: listed in the pre-session brief.`);
		// The alert, in the definition's words with the answer and the date, before the form closes.
		const callout = await waitFor(() => modal.contentEl.querySelector(".clinical-vault-measure-alert"), "the alert callout");
		expect(callout.textContent).toContain(
			"Item 9 (thoughts of being better off dead or of self-harm) answered above 0: clinician to review. Answer: 1 (Several days), 2026-07-01.",
		);
		expect(findModal("clinical-vault-measure-modal")).toBe(modal);
		clickButton(modal, "Close");
		await waitForModalClosed(modal);
		await h.idle();

		const file = await scores();
		expect(file.entries).toHaveLength(1);
		expect(file.entries[0]).toMatchObject({
			measure: "phq9",
			date: TODAY,
			total: 14,
			band: "Moderate",
			answers: PHQ9,
			session: null,
			alerts: [{ item: "9", number: 9, answer: 1 }],
		});
		const page = await decryptTextWithCore(h.dir, `${CLIENT}/measures.md`);
		expect(page).toContain(`| ${TODAY} | 14 | Moderate |`);
		expect(page).not.toContain("Synthetic Person");
		expect(await plaintextInRecord()).toEqual([]);
	});

	it("refuses a second PHQ-9 for the same day without losing the answers, and replaces it when asked; the total alone is scored too", async () => {
		let modal = await openForm();
		choose(modal, "mode", "total");
		expect(modal.contentEl.querySelector(".clinical-vault-measure-items")?.hasClass("clinical-vault-hidden")).toBe(true);
		setField(modal, "total", "28");
		expect(liveScore(modal)).toBe("A PHQ-9 total is a whole number from 0 to 27.");
		setField(modal, "total", "9");
		expect(liveScore(modal)).toBe("Total 9 of 27: Mild");
		clickButton(modal, "Save");
		await waitForNotice(new RegExp(`PHQ-9 saved for ${CLIENT}, ${TODAY}: total 9 \\(Mild\\)\\.$`));
		await waitForModalClosed(modal);
		await h.idle();
		expect((await scores()).entries[0]).toMatchObject({ total: 9, band: "Mild", answers: null, alerts: [] });

		modal = await openForm();
		answerItems(
			modal,
			PHQ9.map(() => 0),
		);
		expect(liveScore(modal)).toBe("Total 0 of 27: Minimal");
		expect(isShown(modal, "Replace")).toBe(false);
		clickButton(modal, "Save");
		await waitFor(() => modalError(modal), "the refusal");
		expect(modalError(modal)).toMatch(/PHQ-9 is already entered for 2026-07-01 \(total 9\)/);
		expect(isShown(modal, "Replace")).toBe(true);
		// Nothing typed was lost.
		expect(PHQ9.map((_, i) => selectValue(modal, `item-${i + 1}`))).toEqual(PHQ9.map(() => "0"));
		expect((await scores()).entries).toHaveLength(1);
		// "Replace" is offered for that date only: another date takes it away, the same one brings it back.
		setField(modal, "date", "2026-06-30");
		expect(isShown(modal, "Replace")).toBe(false);
		setField(modal, "date", TODAY);
		clickButton(modal, "Save");
		await waitFor(() => isShown(modal, "Replace"), "Replace offered again");

		clearNotices();
		clickButton(modal, "Replace");
		const notice = await waitForNotice(/PHQ-9 saved/);
		expect(notice).toBe(`PHQ-9 saved for ${CLIENT}, ${TODAY}: total 0 (Minimal). It replaces the score entered before (total 9).`);
		await waitForModalClosed(modal);
		await h.idle();
		const file = await scores();
		expect(file.entries).toHaveLength(1);
		expect(file.entries[0]).toMatchObject({ total: 0, band: "Minimal", answers: PHQ9.map(() => 0) });
	});

	it("refuses a future date in the form and keeps what was typed; the session note in focus is preselected with its date", async () => {
		await openRecordFile(h.app as unknown as ObsidianApp, session(h), NOTE);
		await h.idle();
		h.run("enter-measure");
		// The client of the note in focus: no picker.
		const modal = await waitForModal("clinical-vault-measure-modal");
		expect(findModal("clinical-vault-client-modal")).toBeUndefined();
		expect(selectValue(modal, "session")).toBe(NOTE);
		expect(dateField(modal)).toBe("2026-06-24");

		choose(modal, "measure", "gad7");
		expect(modal.contentEl.querySelectorAll(".clinical-vault-measure-item")).toHaveLength(7);
		answerItems(modal, [1, 1, 1, 0, 0, 1, 0]);
		expect(liveScore(modal)).toBe("Total 4 of 21: Minimal");
		setField(modal, "date", "2026-07-02");
		clickButton(modal, "Save");
		await waitFor(() => modalError(modal), "the refusal");
		expect(modalError(modal)).toBe("2026-07-02 is in the future (today is 2026-07-01): enter a score on or after the day it was given. Nothing was saved.");
		expect(isShown(modal, "Replace")).toBe(false);
		expect(selectValue(modal, "item-3")).toBe("1");
		expect(dateField(modal)).toBe("2026-07-02");

		setField(modal, "date", "2026-06-24");
		clickButton(modal, "Save");
		await waitForNotice(/GAD-7 saved for C-0142, 2026-06-24: total 4 \(Minimal\)\./);
		await waitForModalClosed(modal);
		await h.idle();
		expect((await scores()).entries[0]).toMatchObject({ measure: "gad7", date: "2026-06-24", session: NOTE, total: 4 });
	});

	it("closes when the record locks, without saving the half-entered answers, and says so", async () => {
		const modal = await openForm();
		answerItems(modal, PHQ9.slice(0, 4));
		await session(h).lock();
		await h.idle();
		await waitForModalClosed(modal);
		expect(openClientTextModals()).toBe(0);
		expect(await waitForNotice(/not saved/)).toBe(
			`The record locked while a PHQ-9 was being entered for ${CLIENT}: those answers were not saved. Unlock and enter them again.`,
		);
		expect(
			await session(h)
				.record.exists(`${CLIENT}/measures/scores.json`)
				.catch(() => false),
		).toBe(false);
		expect(await plaintextInRecord()).toEqual([]);
	});
});

describe("A clinician's own measures", () => {
	it("offers a valid YAML definition from the templates folder and says once why a broken one is left out", async () => {
		const folder = nodePath.join(h.dir, h.plugin.settings.templatesFolder, "measures");
		await mkdir(folder, { recursive: true });
		await writeFile(
			nodePath.join(folder, "sleep-check.yaml"),
			[
				"id: sleep-check",
				"name: Sleep check",
				"title: Synthetic two-item sleep check",
				"source: Synthetic test definition",
				"licence: Synthetic; no licence needed",
				"options:",
				"  - { value: 0, label: Never }",
				"  - { value: 1, label: Sometimes }",
				"  - { value: 2, label: Often }",
				"items:",
				"  - { id: a, text: Trouble falling asleep }",
				"  - { id: b, text: Waking too early }",
				"scoring: { method: sum }",
				"bands:",
				"  - { min: 0, max: 1, label: Low }",
				"  - { min: 2, max: 4, label: High }",
				"",
			].join("\n"),
		);
		await writeFile(nodePath.join(folder, "broken.yaml"), "id: broken\nname: [unclosed\n");

		let modal = await openForm();
		expect(options(modal, "measure")).toEqual(["PHQ-9", "GAD-7", "PCL-5", "PHQ-2", "GAD-2", "Sleep check"]);
		expect(noticeTexts().filter((n) => n.includes("measures/broken.yaml"))).toEqual([
			expect.stringMatching(
				/^The measure definition measures\/broken\.yaml cannot be used: it is not valid YAML .* It is left out until the file in Clinical Vault templates\/measures\/ is fixed; the other measures can be used\.$/,
			),
		]);
		choose(modal, "measure", "sleep-check");
		expect(options(modal, "item-2")).toEqual(["Not answered", "0: Never", "1: Sometimes", "2: Often"]);
		answerItems(modal, [1, 2]);
		expect(liveScore(modal)).toBe("Total 3 of 4: High");
		clickButton(modal, "Save");
		await waitForNotice(/Sleep check saved for C-0142, 2026-07-01: total 3 \(High\)\./);
		await waitForModalClosed(modal);

		// Said once: opening the form again does not repeat it.
		modal = await openForm();
		expect(noticeTexts().filter((n) => n.includes("measures/broken.yaml"))).toHaveLength(1);
		modal.close();
		await h.idle();
		expect((await scores()).entries[0]).toMatchObject({ measure: "sleep-check", total: 3, band: "High", answers: [1, 2] });
	});
});

describe("Open measures and the brief", () => {
	it("says there are no scores yet, then opens the page with its table; the brief lists the scores, what is due and the item alert", async () => {
		noClientInFocus();
		h.run("open-measures");
		await chooseSuggestion(await waitForModal("clinical-vault-client-modal"), CLIENT);
		await waitForNotice(new RegExp(`^No scores yet for ${CLIENT}\\.$`));
		await h.idle();
		expect(views(h).map((v) => v.currentRecordPath)).not.toContain(`${CLIENT}/measures.md`);

		// Scores given earlier, through the same service the form uses.
		const service = new MeasuresService({ record: session(h).record, clock, definitions: builtinMeasures() });
		await service.add({ client: CLIENT, measure: "phq9", total: 18, date: "2026-06-03" });
		await service.add({ client: CLIENT, measure: "phq9", answers: PHQ9, date: "2026-06-24", session: NOTE });
		await service.setSchedule(CLIENT, [
			{ measure: "phq9", every: "monthly" },
			{ measure: "gad7", every: "session" },
		]);

		h.run("open-measures");
		await chooseSuggestion(await waitForModal("clinical-vault-client-modal"), CLIENT);
		await h.idle();
		const view = activeView(h);
		expect(view.currentRecordPath).toBe(`${CLIENT}/measures.md`);
		const shown = view.containerEl.textContent ?? "";
		expect(shown).toContain(`Measures: ${CLIENT}`);
		expect(shown).toContain("| 2026-06-24 | 14 | Moderate | -4 | -4 | **item 9 answered 1** |");

		h.run("prepare-brief");
		const pane = await waitFor(() => h.app.workspace.getLeavesOfType(BRIEF_VIEW_TYPE)[0], "brief pane");
		await h.idle();
		const brief = pane.view.containerEl.textContent ?? "";
		expect(brief).toContain("Measures");
		expect(brief).toContain("PHQ-9 14 (Moderate) on 2026-06-24; -4 since 2026-06-03");
		expect(brief).toContain("Due: GAD-7 is given every session (never given yet)");
		expect(brief).toContain(
			"PHQ-9 item 9 answered 1 (entered score): Item 9 (thoughts of being better off dead or of self-harm) answered above 0: clinician to review",
		);
		expect(brief).not.toContain("Synthetic Person");
	});
});
