/**
 * The browser harness's smoke test: in real headless Chromium, the plugin (from source, over the
 * obsidian stub) sets up a record, a synthetic note is written encrypted and opened in the
 * encrypted view's reading mode; the heading is in the real DOM and laid out, Obsidian's light and
 * dark themes apply, screenshots of both go to test-artifacts/screenshots/, the note's text is
 * nowhere on the page's disk in plaintext, and no request left the page's origin (the note holds a
 * remote image, which the view must not fetch). The last test proves the outbound counter counts.
 */
import { describe, expect, it } from "vitest";
import { useBrowserPage } from "./harness";

const NOTE = "C-0001/notes/2026-03-02.md";
const BODY = [
	"# Session with C-0001",
	"",
	"Synthetic content: the client described a calmer week and practised the breathing exercise.",
	"",
	"![scan](https://images.example.com/synthetic-scan.png)",
	"",
	"## Plan",
	"",
	"- Continue weekly sessions",
	"- Review the sleep diary next time",
	"",
].join("\n");

const browser = useBrowserPage();

describe("the plugin in headless Chromium", () => {
	it("opens a record note in the encrypted view's reading mode, themed, with nothing leaving the page", async () => {
		const b = browser();
		await b.call("start");
		await b.call("setUpRecord");
		await b.call("addClient", "C-0001", "Synthetic Client");
		await b.call("writeNote", NOTE, BODY);
		const leaf = await b.call("openNote", NOTE);

		expect(await b.call("leaves")).toEqual([{ id: leaf, type: "clinical-vault-record", file: `Clinical/${NOTE}.cvault`, recordPath: NOTE, active: true }]);
		const reading = b.page.locator(`[data-cv-leaf="${leaf}"] .clinical-vault-reading`);
		expect(await reading.locator("h1").textContent()).toBe("Session with C-0001");
		expect(await reading.locator("h1").isVisible()).toBe(true);
		expect(await reading.locator("li").allTextContents()).toEqual(["Continue weekly sessions", "Review the sleep diary next time"]);
		expect(await reading.textContent()).toContain("images.example.com");
		expect(await reading.locator("img").count()).toBe(0);

		const leafBackground = () => b.page.locator(`[data-cv-leaf="${leaf}"]`).evaluate((el) => getComputedStyle(el).backgroundColor);
		expect(await leafBackground()).toBe("rgb(255, 255, 255)");
		await b.screenshot("smoke-reading-light");
		await b.call("setTheme", "dark");
		expect(await leafBackground()).toBe("rgb(30, 30, 30)");
		await b.screenshot("smoke-reading-dark");
		await b.call("setTheme", "light");

		expect(await b.call("readNote", NOTE)).toBe(BODY);
		expect(await b.call("diskFilesContaining", "calmer week")).toEqual([]);
		expect(await b.call("diskFilesContaining", "Synthetic Client")).toEqual([]);
		expect(b.blockedRequests).toEqual([]);
		expect(b.consoleMessages).toEqual([]);
	});

	it("counts and blocks a request to another origin", async () => {
		const b = browser();
		const before = b.blockedRequests.length;
		// What a rendered remote image would do, were it not turned into a placeholder.
		const outcome = await b.page.evaluate(
			() =>
				new Promise<string>((resolve) => {
					const img = document.body.createEl("img", { attr: { src: "https://blocked.example.com/probe.png" } });
					img.addEventListener("load", () => resolve("loaded"));
					img.addEventListener("error", () => resolve("refused"));
				}),
		);
		expect(outcome).toBe("refused");
		expect(b.blockedRequests.slice(before)).toEqual(["https://blocked.example.com/probe.png"]);
		// Chromium reports the refused load on the console; that error is this test's, not a problem.
		expect(b.problems.splice(0).every((p) => p.includes("ERR_BLOCKED_BY_CLIENT"))).toBe(true);
	});
});
