// @vitest-environment happy-dom
/**
 * Plaintext never stays in the clinical folder: a note created there with Obsidian's "New note", a
 * pasted attachment or a file created while the record is locked is encrypted into the record
 * (after a read-back check), and the plaintext removed, not sent to the trash; a file outside any
 * client's folder is refused with the reason and kept.
 */
import { existsSync } from "node:fs";
import * as nodePath from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { noticeTexts, waitFor } from "../support/obsidian-harness";
import { decryptTextWithCore, session, startWithClient, unlock, type Harness } from "./helpers";

let h: Harness;
beforeEach(async () => {
	h = await startWithClient();
	// The client's notes folder, as the file explorer shows it once the client has notes.
	await session(h).record.writeText("C-0142/notes/2026-09-01.md", "Synthetic note.\n");
});
afterEach(async () => {
	await h.cleanup();
});

const plain = (path: string) => existsSync(nodePath.join(h.dir, path));

describe("plaintext created in the clinical folder", () => {
	it("a new note in a client's folder is encrypted at once, its name made a record name, the plaintext removed", async () => {
		await h.app.vault.create("Clinical/C-0142/notes/Untitled 1.md", "Synthetic text typed into a new note.\n");
		await waitFor(() => !plain("Clinical/C-0142/notes/Untitled 1.md"), "the plaintext to go");
		await h.idle();
		expect(await decryptTextWithCore(h.dir, "C-0142/notes/Untitled-1.md")).toBe("Synthetic text typed into a new note.\n");
		expect(noticeTexts().join("\n")).toMatch(/now encrypted as C-0142\/notes\/Untitled-1\.md.*not to the trash/);
		expect(existsSync(nodePath.join(h.dir, ".trash"))).toBe(false);
	});

	it("a pasted attachment is encrypted beside an existing file of the same name without replacing it", async () => {
		await session(h).record.writeText("C-0142/attachments/Pasted-image.png", "existing");
		await h.app.vault.createBinary("Clinical/C-0142/attachments/Pasted image.png", new Uint8Array([137, 80, 78, 71, 1, 2, 3]).buffer);
		await waitFor(() => !plain("Clinical/C-0142/attachments/Pasted image.png"), "the plaintext to go");
		await h.idle();
		expect(await decryptTextWithCore(h.dir, "C-0142/attachments/Pasted-image.png")).toBe("existing");
		expect(await session(h).record.exists("C-0142/attachments/Pasted-image-2.png")).toBe(true);
	});

	it("a note dragged into a client's folder from elsewhere in the vault is encrypted too", async () => {
		const outside = await h.app.vault.create("Inbox note.md", "Synthetic text written outside the record.\n");
		await h.app.vault.rename(outside, "Clinical/C-0142/notes/Inbox note.md");
		await waitFor(() => !plain("Clinical/C-0142/notes/Inbox note.md"), "the plaintext to go");
		await h.idle();
		expect(await decryptTextWithCore(h.dir, "C-0142/notes/Inbox-note.md")).toBe("Synthetic text written outside the record.\n");
		expect(plain("Inbox note.md")).toBe(false);
	});

	it("a file outside any client's folder is refused with the reason and kept", async () => {
		await h.app.vault.create("Clinical/stray.md", "Synthetic stray text.\n");
		await waitFor(() => noticeTexts().some((t) => t.includes("not inside a client's folder")), "the refusal");
		expect(plain("Clinical/stray.md")).toBe(true);
	});

	it("created while locked: kept, the clinician told, and encrypted at the next unlock", async () => {
		await session(h).lock();
		await h.app.vault.create("Clinical/C-0142/notes/While locked.md", "Synthetic text written while locked.\n");
		await waitFor(() => noticeTexts().some((t) => t.includes("Unlock the record and it is encrypted")), "the notice");
		expect(plain("Clinical/C-0142/notes/While locked.md")).toBe(true);
		await unlock(h);
		await waitFor(() => !plain("Clinical/C-0142/notes/While locked.md"), "the plaintext to go after unlock");
		await h.idle();
		expect(await decryptTextWithCore(h.dir, "C-0142/notes/While-locked.md")).toBe("Synthetic text written while locked.\n");
	});
});
