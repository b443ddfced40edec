// @vitest-environment happy-dom
/**
 * Lock clears the screen: a form with the clinician's summary half typed and a picker listing
 * clients close when the record locks; what was typed is kept, encrypted, before the keys go, and
 * the clinician is told where.
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import type { Modal } from "../support/obsidian-stub";
import { splitFrontmatter } from "../../src/core/markdown/frontmatter";
import { openClientTextModals } from "../../src/obsidian/common/clientTextModals";
import { chooseSuggestion, noticeTexts, waitFor, waitForModal, waitForModalClosed } from "../support/obsidian-harness";
import { dom, openModals } from "../support/obsidian-stub";
import { decryptTextWithCore, session, startWithClient, unlock, type Harness } from "./helpers";

let h: Harness;
beforeEach(async () => {
	h = await startWithClient();
});
afterEach(async () => {
	await h.cleanup();
});

function typeText(modal: Modal, value: string): void {
	const area = modal.contentEl.querySelector("textarea[name=text]");
	if (!(area instanceof dom.classes.HTMLTextAreaElement)) throw new Error("no text area in the modal");
	area.value = value;
	area.dispatchEvent(new dom.classes.Event("input", { bubbles: true }));
}

it("closes a form with a half-typed summary on lock, keeping the summary encrypted", async () => {
	h.run("draft-note-from-summary");
	await chooseSuggestion(await waitForModal("clinical-vault-client-modal"), "C-0142");
	const modal = await waitForModal("clinical-vault-draft-summary-modal");
	typeText(modal, "Synthetic summary typed before the lock.");
	expect(openClientTextModals()).toBe(1);
	h.run("lock");
	await waitForModalClosed(modal);
	await waitFor(() => !session(h).isUnlocked, "the lock");
	expect(openClientTextModals()).toBe(0);
	expect(openModals).not.toContain(modal);
	const notice = noticeTexts().find((t) => t.includes("What you were typing was kept, encrypted"));
	expect(notice).toMatch(/C-0142\/summaries\/\d{4}-\d{2}-\d{2}-unsent-summary\.md/);
	const path = /C-0142\/summaries\/[\w.-]+\.md/.exec(notice!)![0];
	await unlock(h);
	const { data, body } = splitFrontmatter(await session(h).record.readText(path, "internal"), path);
	expect(data.unsent).toBe(true);
	expect(body.trim()).toBe("Synthetic summary typed before the lock.");
});

it("keeps a half-typed summary when the plugin unloads too: unload runs the same lock sequence", async () => {
	h.run("draft-note-from-summary");
	await chooseSuggestion(await waitForModal("clinical-vault-client-modal"), "C-0142");
	const modal = await waitForModal("clinical-vault-draft-summary-modal");
	typeText(modal, "Synthetic summary typed before Obsidian unloaded the plugin.");
	const record = session(h).record;
	h.plugin.unload();
	await h.idle();
	expect(record.isUnlocked).toBe(false);
	expect(openClientTextModals()).toBe(0);
	const notice = noticeTexts().find((t) => t.includes("What you were typing was kept, encrypted"));
	const path = /C-0142\/summaries\/[\w.-]+\.md/.exec(notice ?? "")?.[0] ?? "";
	expect(path).not.toBe("");
	const { data, body } = splitFrontmatter(await decryptTextWithCore(h.dir, path), path);
	expect(data.unsent).toBe(true);
	expect(body.trim()).toBe("Synthetic summary typed before Obsidian unloaded the plugin.");
});

it("closes a picker listing clients on lock", async () => {
	h.run("open-client");
	const picker = await waitForModal("clinical-vault-client-modal");
	h.run("lock");
	await waitForModalClosed(picker);
	expect(openClientTextModals()).toBe(0);
});

it("closes a picker listing clients on unload even when the lock's last audit entry cannot be written", async () => {
	h.run("open-client");
	const picker = await waitForModal("clinical-vault-client-modal");
	const record = session(h).record;
	// A full disk when the lock writes its audit entry: the keys go anyway, and so must the picker.
	record.audit.closed = () => Promise.reject(new Error("ENOSPC: no space left on device (synthetic)"));
	h.plugin.unload();
	await waitForModalClosed(picker);
	expect(record.isUnlocked).toBe(false);
	expect(openClientTextModals()).toBe(0);
});
