// @vitest-environment happy-dom
/**
 * "Resolve sync conflicts" through the obsidian stub on a real temporary vault: copies made the way
 * Syncthing and Dropbox make them, listed in the modal, both versions side by side as plain text,
 * "Keep both" and "Keep this note" chosen, a signed note that the copy may not replace, and a copy
 * that does not decrypt (listed, no button, never removed). Synthetic text only.
 */
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import * as nodePath from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buttonIn, clickButton, waitFor, waitForModal, waitForModalClosed, waitForNotice } from "../support/obsidian-harness";
import { decryptTextWithCore, session, startWithClient, type Harness } from "./helpers";

let h: Harness;
beforeEach(async () => {
	h = await startWithClient();
});
afterEach(async () => {
	await h.cleanup();
});

const NOTES = "Clinical/C-0142/notes";

/** The other computer's older version of a note lands under a sync tool's conflict name. */
async function conflict(note: string, copyName: string, older: string, newer: string): Promise<void> {
	const record = session(h).record;
	await record.writeText(`C-0142/notes/${note}`, older);
	const bytes = await readFile(nodePath.join(h.dir, NOTES, `${note}.cvault`));
	await record.writeText(`C-0142/notes/${note}`, newer);
	await writeFile(nodePath.join(h.dir, NOTES, copyName), bytes);
	await h.idle();
}

describe("Resolve sync conflicts", () => {
	it("lists the copies, shows both versions as plain text, keeps both or the note, and never removes a copy that does not decrypt", async () => {
		const syncthing = "2026-09-01.md.sync-conflict-20261205-101010-ABCDEFG.cvault";
		const dropbox = "2026-09-02.md (LAPTOP's conflicted copy 2026-12-05).cvault";
		const garbage = "2026-09-03.md.sync-conflict-20261205-101010-ABCDEFG.cvault";
		await conflict("2026-09-01.md", syncthing, "# Session\n\n**Laptop** line <img src=x>\n", "# Session\n\nDesktop line\n");
		await conflict("2026-09-02.md", dropbox, "# Second\n\nOlder\n", "---\nstatus: signed\n---\n# Second\n\nSigned\n");
		await session(h).record.writeText("C-0142/notes/2026-09-03.md", "third\n");
		await writeFile(nodePath.join(h.dir, NOTES, garbage), "definitely not encrypted");

		h.run("resolve-sync-conflicts");
		const modal = await waitForModal("clinical-vault-sync-conflict-modal");
		const items = () => Array.from(modal.contentEl.querySelectorAll(".clinical-vault-conflict-item")).map((el) => el.textContent ?? "");
		expect(items()).toEqual([
			"C-0142/notes/2026-09-01.md · Syncthing (device ABCDEFG, 2026-12-05 10:10:10)",
			"C-0142/notes/2026-09-02.md · Dropbox (device LAPTOP, 2026-12-05)",
			"C-0142/notes/2026-09-03.md · Syncthing (device ABCDEFG, 2026-12-05 10:10:10) · cannot be read",
		]);
		// The first one is shown: both versions, side by side, as text (nothing rendered).
		await waitFor(() => modal.contentEl.querySelector(".clinical-vault-conflict-columns"), "both versions");
		const column = (side: string) => modal.contentEl.querySelector(`.clinical-vault-conflict-${side} pre`)!;
		expect(column("original").textContent).toContain("Desktop line");
		expect(column("copy").textContent).toContain("**Laptop** line <img src=x>");
		expect(modal.contentEl.querySelector("img, strong, a")).toBeNull();
		expect(Array.from(column("copy").querySelectorAll(".is-different")).map((el) => el.textContent)).toEqual(["**Laptop** line <img src=x>"]);
		// Nothing is removed by looking.
		expect(existsSync(nodePath.join(h.dir, NOTES, syncthing))).toBe(true);

		clickButton(modal, "Keep both");
		await waitForNotice(/Kept both; the copy is now C-0142\/notes\/2026-09-01\.conflict-\d{8}-\d{6}\.md/);
		expect(existsSync(nodePath.join(h.dir, NOTES, syncthing))).toBe(false);
		expect(await decryptTextWithCore(h.dir, "C-0142/notes/2026-09-01.md")).toContain("Desktop line");
		const kept = (await session(h).record.list({ client: "C-0142" })).find((e) => /2026-09-01\.conflict-/.test(e.recordPath))!;
		expect(await decryptTextWithCore(h.dir, kept.recordPath)).toContain("**Laptop** line");

		// Next: a signed note, which the copy may not replace.
		await waitFor(() => column("copy")?.textContent?.includes("Older"), "the second conflict");
		expect(items()).toHaveLength(2);
		expect(modal.contentEl.textContent).toContain("This note is signed");
		expect(buttonIn(modal.modalEl, "Keep the copy").disabled).toBe(true);
		clickButton(modal, "Keep this note");
		await waitForNotice(/C-0142\/notes\/2026-09-02\.md: Kept the note; the copy was erased\./);
		expect(existsSync(nodePath.join(h.dir, NOTES, dropbox))).toBe(false);
		expect(await decryptTextWithCore(h.dir, "C-0142/notes/2026-09-02.md")).toContain("Signed");

		// Last: the copy that does not decrypt is explained, offers no choice, and stays.
		await waitFor(() => modal.contentEl.querySelector(".clinical-vault-conflict-detail .clinical-vault-problem"), "the unreadable copy");
		expect(modal.contentEl.querySelector(".clinical-vault-conflict-detail")!.textContent).toMatch(
			/cannot be read as C-0142\/notes\/2026-09-03\.md: it is not an encrypted file\. It is kept/,
		);
		expect(() => buttonIn(modal.modalEl, "Keep this note")).toThrow();
		modal.close();
		await waitForModalClosed(modal);
		expect(await readFile(nodePath.join(h.dir, NOTES, garbage), "utf8")).toBe("definitely not encrypted");

		const notes = (await session(h).record.audit.entries()).filter((e) => e.note?.startsWith("sync conflict resolved")).map((e) => e.note);
		expect(notes).toEqual([expect.stringContaining("kept both"), expect.stringContaining("kept the record file")]);
		for (const note of notes) expect(note).not.toMatch(/ABCDEFG|LAPTOP/);
	});

	it("says so when there is nothing to resolve", async () => {
		h.run("resolve-sync-conflicts");
		await waitForNotice(/No sync conflicts in the record\./);
	});
});
