/**
 * Outcome measures as a clinician sees them, in real headless Chromium: "Enter outcome measure" over
 * the note in focus, the PHQ-9 answered item by item with its live total and band, the item-9 alert
 * shown before the form closes, and "Open measures" opening the page. Screenshots (light and dark)
 * go to test-artifacts/screenshots/. The harness's markdown renderer (test/browser/page) draws
 * neither tables nor Mermaid, which Obsidian's does: the page's screenshot shows its text only.
 */
import { describe, expect, it } from "vitest";
import { useBrowserPage } from "./harness";

const NOTE = "C-0001/notes/2026-03-02.md";
const BODY = ["---", "client: C-0001", "session_date: 2026-03-02", "status: draft", "---", "# Session", "", "Synthetic content.", ""].join("\n");

const browser = useBrowserPage();

describe("outcome measures in Chromium", () => {
	it("enters a PHQ-9 item by item with a live score, shows the item alert, and opens the measures page", async () => {
		const b = browser();
		if (await b.call("isStarted")) await b.reload();
		await b.call("start");
		await b.call("setUpRecord");
		await b.call("addClient", "C-0001", "Synthetic Client");
		await b.call("writeNote", NOTE, BODY);
		await b.call("openNote", NOTE);

		await b.call("run", "enter-measure");
		const modal = b.page.locator(".clinical-vault-measure-modal");
		await modal.waitFor();
		expect(await modal.locator('select[name="session"]').inputValue()).toBe(NOTE);
		const answers = [2, 2, 1, 2, 1, 2, 1, 1, 1];
		for (const [i, a] of answers.entries()) await modal.locator(`select[name="item-${i + 1}"]`).selectOption(String(a));
		await expect.poll(() => modal.locator(".clinical-vault-measure-score").textContent()).toBe("Total 13 of 27: Moderate");
		await b.screenshot("measure-modal-light");
		await modal.locator(".clinical-vault-measure-score").scrollIntoViewIfNeeded();
		await b.screenshot("measure-modal-score-light");
		await b.call("setTheme", "dark");
		await b.screenshot("measure-modal-dark");
		await b.call("setTheme", "light");

		await modal.locator("button", { hasText: "Save" }).first().click();
		const alert = modal.locator(".clinical-vault-measure-alert");
		await alert.waitFor();
		expect(await alert.textContent()).toContain("Item 9");
		await b.screenshot("measure-alert-light");
		await modal.locator("button", { hasText: "Close" }).click();
		await b.call("idle");

		await b.call("run", "open-measures");
		await b.call("idle");
		const page = b.page.locator(".clinical-vault-reading").last();
		await expect.poll(async () => (await page.textContent()) ?? "").toContain("Moderate");
		await b.screenshot("measures-page-light");
		expect(await b.call("backgroundErrors")).toEqual([]);
		expect(await b.call("diskFilesContaining", "Moderate")).toEqual([]);
	});
});
