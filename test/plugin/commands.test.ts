// @vitest-environment happy-dom
/**
 * The commands end to end through the obsidian stub on a real temporary vault: set-up with the
 * recovery key, unlock (including failed attempts), clients, notes, encrypting a plaintext file
 * into the record, verify and change passphrase.
 */
import { existsSync } from "node:fs";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import * as nodePath from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { looksEncrypted } from "../../src/core/crypto/fileformat";
import { migrateSettings } from "../../src/core/settings";
import {
	chooseSuggestion,
	clearNotices,
	clickButton,
	clickToggle,
	commandIds,
	modalError,
	noticeTexts,
	pressEnter,
	setField,
	suggestionTexts,
	waitFor,
	waitForModal,
	waitForModalClosed,
	waitForNotice,
} from "../support/obsidian-harness";
import {
	PASSPHRASE,
	PLUGIN_ID,
	activeView,
	addClient,
	dataJson,
	decryptTextWithCore,
	decryptWithCore,
	newSessionNote,
	readVaultFile,
	session,
	setUpRecord,
	startPlugin,
	unlock,
	type Harness,
} from "./helpers";

let h: Harness;
beforeEach(async () => {
	clearNotices();
	h = await startPlugin();
});
afterEach(async () => {
	await h.cleanup();
});

describe("commands", () => {
	it("registers every command without the plugin id in its own id and without hotkeys", () => {
		const ids = commandIds(h.app);
		expect(ids).toEqual(
			[
				"add-addendum",
				"cancel-drafting",
				"cancel-model-job",
				"cancel-transcription",
				"change-passphrase",
				"copy-for-ehr",
				"deidentify",
				"draft-document",
				"draft-note-from-summary",
				"draft-note-from-transcript",
				"draft-treatment-plan",
				"encrypt-into-record",
				"enter-measure",
				"export-pdf",
				"export-text",
				"import-into-record",
				"lock",
				"mark-plan-reviewed",
				"new-client",
				"new-psychotherapy-note",
				"new-session-note",
				"open-client",
				"open-measures",
				"open-parts-map",
				"open-treatment-plan",
				"pause-or-resume-recording",
				"prepare-brief",
				"privacy-check",
				"record-consent",
				"record-session",
				"resolve-sync-conflicts",
				"revoke-recording-consent",
				"rotate-vault-key",
				"save-encrypted-note",
				"save-unsaved-recording",
				"search-record",
				"set-up-record",
				"show-privacy",
				"show-review-list",
				"sign-note",
				"stop-recording",
				"toggle-encrypted-note-editing",
				"transcribe-audio",
				"unlock",
				"update-parts-map",
				"update-plan-progress",
				"verify-record",
			].map((id) => `${PLUGIN_ID}:${id}`),
		);
		for (const command of h.app.commands.commands.values()) {
			expect(command.id.split(":")[1]).not.toContain(PLUGIN_ID);
			expect(command.hotkeys).toBeUndefined();
		}
	});

	it("sets up a record: passphrase twice, then a recovery key that must be confirmed before the modal closes", async () => {
		h.run("set-up-record");
		const form = await waitForModal("clinical-vault-setup-modal");
		setField(form, "passphrase", PASSPHRASE);
		setField(form, "repeat", `${PASSPHRASE}!`);
		clickButton(form, "Create record");
		await waitFor(() => modalError(form), "the mismatch message");
		expect(modalError(form)).toMatch(/differ/);
		expect(existsSync(nodePath.join(h.dir, "Clinical/_vault/keyfile.json"))).toBe(false);

		setField(form, "passphrase", "short");
		setField(form, "repeat", "short");
		clickButton(form, "Create record");
		await waitFor(() => /at least 10/.test(modalError(form)), "the strength message");

		setField(form, "passphrase", PASSPHRASE);
		setField(form, "repeat", PASSPHRASE);
		pressEnter(form.contentEl.querySelector("input[name=repeat]") as HTMLElement);
		const recovery = await waitForModal("clinical-vault-recovery-modal");
		const key = recovery.contentEl.querySelector(".clinical-vault-recovery-key")?.textContent ?? "";
		expect(key).toMatch(/^([A-Z2-7]{4}-){7}[A-Z2-7]{4}$/);
		expect(() => clickButton(recovery, "Done")).toThrow(/disabled/);
		recovery.close();
		expect(recovery.opened).toBe(true);
		expect(modalError(recovery)).toMatch(/Confirm/);
		clickToggle(recovery);
		clickButton(recovery, "Done");
		await waitForModalClosed(recovery);
		await h.idle();
		expect(session(h).isUnlocked).toBe(true);
		expect(looksEncrypted(await readVaultFile(h, `Clinical/_vault/audit/${session(h).record.audit.device}.cvlog`))).toBe(false);
		// The recovery key is not kept anywhere in the vault or the DOM.
		expect(document.body.textContent).not.toContain(key);
		await session(h).lock();
		await session(h).record.unlockWithRecoveryKey(key, "a brand new passphrase");
		expect(session(h).isUnlocked).toBe(true);
	});

	it("refuses to set up a second record", async () => {
		await setUpRecord(h);
		h.run("set-up-record");
		await h.idle();
		expect(noticeTexts().some((n) => /already exists/.test(n))).toBe(true);
	});

	it("remembers failed unlock attempts (timestamps only) and audit-logs them at the next unlock", async () => {
		await setUpRecord(h);
		h.run("lock");
		await h.idle();
		expect(session(h).isUnlocked).toBe(false);

		h.run("unlock");
		const modal = await waitForModal("clinical-vault-passphrase-modal");
		setField(modal, "passphrase", "wrong passphrase one");
		clickButton(modal, "Unlock");
		await waitFor(() => /Wrong passphrase/.test(modalError(modal)), "the wrong passphrase message");
		expect((modal.contentEl.querySelector("input[name=passphrase]") as HTMLInputElement).value).toBe("");
		const stored = await dataJson(h);
		expect(stored.failedUnlocks).toHaveLength(1);
		expect(Object.keys(stored).sort()).toEqual([...Object.keys(migrateSettings(null)), "failedUnlocks"].sort());
		expect(new Date(String((stored.failedUnlocks as unknown[])[0])).getTime()).not.toBeNaN();

		setField(modal, "passphrase", PASSPHRASE);
		pressEnter(modal.contentEl.querySelector("input[name=passphrase]") as HTMLElement);
		await waitFor(() => session(h).isUnlocked, "unlock");
		await h.idle();
		expect((await dataJson(h)).failedUnlocks).toEqual([]);
		const actions = (await session(h).record.audit.entries()).map((e) => e.action);
		expect(actions.slice(-2)).toEqual(["lock", "unlock"]);
		// The failed attempt is written with the unlock that follows it.
		expect((await session(h).record.audit.entries()).at(-1)!.failed).toHaveLength(1);
	});

	it("adds a client, opens the profile, finds it again with open client, and keeps the name out of every path", async () => {
		await setUpRecord(h);
		await addClient(h, "C-0142", "Synthetic Person Alpha", "IFS");
		expect(activeView(h).currentRecordPath).toBe("C-0142/profile.md");
		expect(activeView(h).contentEl.textContent).toContain("Synthetic Person Alpha");

		h.run("new-client");
		const dup = await waitForModal("clinical-vault-new-client-modal");
		setField(dup, "code", "C-0142");
		setField(dup, "name", "Someone Else");
		clickButton(dup, "Add client");
		await waitFor(() => /already exists/.test(modalError(dup)), "the duplicate message");
		dup.close();

		h.run("open-client");
		const picker = await waitForModal("clinical-vault-client-modal");
		expect(await suggestionTexts(picker)).toEqual(["C-0142 · Synthetic Person Alpha"]);
		await chooseSuggestion(picker, "Alpha");
		await h.idle();
		expect(activeView(h).currentRecordPath).toBe("C-0142/profile.md");

		const walk = async (dir: string): Promise<string[]> =>
			(await readdir(dir, { withFileTypes: true }))
				.flatMap((e) => [e.name])
				.concat(
					...(await Promise.all(
						(await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => walk(nodePath.join(dir, e.name))),
					)),
				);
		for (const name of await walk(h.dir)) expect(name.toLowerCase()).not.toMatch(/synthetic|alpha/);
	});

	it("creates a session note and opens it for editing", async () => {
		await setUpRecord(h);
		await addClient(h, "C-0142", "Synthetic Person");
		const view = await newSessionNote(h, "C-0142");
		expect(view.currentRecordPath).toMatch(/^C-0142\/notes\/\d{4}-\d{2}-\d{2}\.md$/);
		expect(view.currentMode).toBe("edit");
		expect(await decryptTextWithCore(h.dir, view.currentRecordPath ?? "")).toMatch(/^# Session /);
	});

	it("encrypts the active plaintext note into the record, checks it, removes the original permanently and opens the record file", async () => {
		await setUpRecord(h);
		await addClient(h, "C-0142", "Synthetic Person");
		await mkdir(nodePath.join(h.dir, "Inbox"));
		const text = "# Intake\n\nSynthetic intake text.\n";
		const file = await h.app.vault.create("Inbox/intake.md", text);
		await h.app.workspace.getLeaf(true).openFile(file, { active: true });
		clearNotices();

		h.run("encrypt-into-record");
		const picker = await waitForModal("clinical-vault-client-modal");
		await chooseSuggestion(picker, "C-0142");
		const pathModal = await waitForModal("clinical-vault-record-path-modal");
		const field = pathModal.contentEl.querySelector("input[name=path]") as HTMLInputElement;
		expect(field.value).toMatch(/^C-0142\/notes\/\d{4}-\d{2}-\d{2}\.md$/);
		setField(pathModal, "path", "C-0999/notes/x.md");
		clickButton(pathModal, "Continue");
		await waitFor(() => /inside C-0142/.test(modalError(pathModal)), "the wrong-client message");
		setField(pathModal, "path", "C-0142/notes/intake.md");
		clickButton(pathModal, "Continue");
		const confirm = await waitForModal("clinical-vault-confirm-modal");
		expect(confirm.contentEl.textContent).toContain("Inbox/intake.md");
		clickButton(confirm, "Encrypt and delete original");
		await h.idle();

		expect(existsSync(nodePath.join(h.dir, "Inbox/intake.md"))).toBe(false);
		expect(existsSync(nodePath.join(h.dir, ".trash"))).toBe(false);
		const stored = await readVaultFile(h, "Clinical/C-0142/notes/intake.md.cvault");
		expect(looksEncrypted(stored)).toBe(true);
		expect(activeView(h).currentRecordPath).toBe("C-0142/notes/intake.md");
		await waitForNotice(/plaintext original was removed/);
		expect(await decryptTextWithCore(h.dir, "C-0142/notes/intake.md")).toBe(text);
		const imported = (await session(h).record.audit.entries()).find((e) => e.action === "import");
		expect(imported?.path).toBe("C-0142/notes/intake.md");
	});

	it("encrypts an attachment chosen from the vault and shows it in the view", async () => {
		await setUpRecord(h);
		await addClient(h, "C-0142", "Synthetic Person");
		const audio = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
		await writeFile(nodePath.join(h.dir, "Recording 2026.webm"), audio);
		h.run("encrypt-into-record");
		const files = await waitForModal("clinical-vault-file-modal");
		expect(await suggestionTexts(files)).toEqual(["Recording 2026.webm"]);
		await chooseSuggestion(files, "Recording");
		await chooseSuggestion(await waitForModal("clinical-vault-client-modal"), "C-0142");
		const pathModal = await waitForModal("clinical-vault-record-path-modal");
		expect((pathModal.contentEl.querySelector("input[name=path]") as HTMLInputElement).value).toBe("C-0142/attachments/Recording-2026.webm");
		clickButton(pathModal, "Continue");
		clickButton(await waitForModal("clinical-vault-confirm-modal"), "Encrypt and delete original");
		await h.idle();
		expect(existsSync(nodePath.join(h.dir, "Recording 2026.webm"))).toBe(false);
		const view = activeView(h);
		expect(view.currentRecordPath).toBe("C-0142/attachments/Recording-2026.webm");
		expect(view.contentEl.textContent).toContain("audio/webm");
		expect(view.contentEl.querySelector("audio")?.getAttribute("src")).toMatch(/^blob:/);
		expect(Buffer.from(await decryptWithCore(h.dir, "C-0142/attachments/Recording-2026.webm")).equals(audio)).toBe(true);
	});

	it("verify shows a summary; change passphrase re-wraps the key", async () => {
		await setUpRecord(h);
		await addClient(h, "C-0142", "Synthetic Person");
		h.run("verify-record");
		const summary = await waitForModal("clinical-vault-summary-modal");
		expect(summary.titleEl.textContent).toBe("Record verified");
		// The client's profile, and the search index the plugin built (encrypted) at unlock.
		expect(summary.contentEl.textContent).toContain("2 encrypted files checked.");
		expect(summary.contentEl.textContent).toMatch(/Audit log: \d+ entries, chain intact/);
		clickButton(summary, "Close");

		h.run("change-passphrase");
		const modal = await waitForModal("clinical-vault-change-passphrase-modal");
		setField(modal, "current", "not the passphrase");
		setField(modal, "next", "another long passphrase");
		setField(modal, "repeat", "another long passphrase");
		clickButton(modal, "Change passphrase");
		await waitFor(() => /Wrong passphrase/.test(modalError(modal)), "the wrong passphrase message");
		setField(modal, "current", PASSPHRASE);
		setField(modal, "next", "another long passphrase");
		setField(modal, "repeat", "another long passphrase");
		clickButton(modal, "Change passphrase");
		await waitForModalClosed(modal);
		await h.idle();
		await session(h).lock();
		await expect(session(h).unlock(PASSPHRASE)).rejects.toMatchObject({ code: "wrong-passphrase" });
		await unlock(h, "another long passphrase");
		expect(session(h).isUnlocked).toBe(true);

		// Rotating the vault key: a wrong passphrase is refused in the form; then a new recovery key
		// is shown once, and the record reads as before.
		h.run("rotate-vault-key");
		const rotate = await waitForModal("clinical-vault-rotate-key-modal");
		setField(rotate, "passphrase", "not the passphrase");
		clickButton(rotate, "Rotate the vault key");
		await waitFor(() => /Wrong passphrase/.test(modalError(rotate)), "the wrong passphrase message");
		setField(rotate, "passphrase", "another long passphrase");
		clickButton(rotate, "Rotate the vault key");
		const recovery = await waitForModal("clinical-vault-recovery-modal");
		const newKey = recovery.contentEl.querySelector(".clinical-vault-recovery-key")!.textContent;
		expect(newKey).toMatch(/^([A-Z2-7]{4}-){7}[A-Z2-7]{4}$/);
		clickToggle(recovery);
		clickButton(recovery, "Done");
		await waitForModalClosed(recovery);
		await h.idle();
		expect(await session(h).record.rotationUnfinished()).toBe(false);
		expect((await session(h).record.verify()).ok).toBe(true);
		await session(h).lock();
		await session(h).record.unlockWithRecoveryKey(newKey, "another long passphrase");
	});

	it("asks for the passphrase before a command that needs the record, and cancelling is silent", async () => {
		await setUpRecord(h);
		await addClient(h, "C-0142", "Synthetic Person");
		await session(h).lock();
		clearNotices();
		h.run("open-client");
		const modal = await waitForModal("clinical-vault-passphrase-modal");
		clickButton(modal, "Cancel");
		await h.idle();
		expect(noticeTexts()).toEqual([]);

		h.run("open-client");
		const again = await waitForModal("clinical-vault-passphrase-modal");
		setField(again, "passphrase", PASSPHRASE);
		clickButton(again, "Unlock");
		const picker = await waitForModal("clinical-vault-client-modal");
		await chooseSuggestion(picker, "C-0142");
		await h.idle();
		expect(activeView(h).currentRecordPath).toBe("C-0142/profile.md");
	});

	it("explains that there is no record yet", async () => {
		h.run("unlock");
		await h.idle();
		expect(noticeTexts().join("\n")).toMatch(/no clinical record in Clinical\/ yet/);
	});
});
