// @vitest-environment happy-dom
/**
 * The encrypted view through the stub: rendering with MarkdownRenderer, editing and saving
 * (explicit, autosave, on close), the save guards inside the view, undo right after opening,
 * attachments from in-memory Blob URLs, and the locked state.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import * as nodePath from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { App as ObsidianApp } from "obsidian";
import { openRecordFile, resolveRecordLink, type EncryptedView } from "../../src/obsidian/record/EncryptedView";
import { TEST_STATE_DIR } from "../cli/support";
import { signNote, verifySignature } from "../../src/core/notes/signing";
import { clearNotices, clickButton, noticeTexts, pressKey, setField, waitFor, waitForModal } from "../support/obsidian-harness";
import { dom, renderCalls } from "../support/obsidian-stub";
import { currentCompletions, startCompletion } from "@codemirror/autocomplete";
import { undo } from "@codemirror/commands";
import { EditorView } from "@codemirror/view";
import {
	PASSPHRASE,
	activeView,
	addClient,
	decryptTextWithCore,
	editorOf,
	readVaultFile,
	session,
	setUpRecord,
	startPlugin,
	views,
	type Harness,
	type TestEditor,
} from "./helpers";

const execFileAsync = (file: string, args: string[], options: { env: NodeJS.ProcessEnv; input: string }) =>
	new Promise<void>((resolve, reject) => {
		const child = execFile(file, args, { env: options.env }, (error) => (error ? reject(new Error(error.message)) : resolve()));
		child.stdin?.end(options.input);
	});

const NOTE = "C-0142/notes/2026-09-01.md";
const BODY = "# Session\n\nSynthetic content with a [[Other note|link]].\n\n```mermaid\ngraph TD; A-->B;\n```\n";

let h: Harness;

async function openNote(path = NOTE): Promise<EncryptedView> {
	const view = await openRecordFile(h.app as unknown as ObsidianApp, session(h), path);
	if (!view) throw new Error("no view");
	await h.idle();
	return view;
}

function type(editor: TestEditor, value: string): void {
	editor.type(value);
}

function keptCopies(kind: "conflict" | "unsaved"): Promise<string[]> {
	return session(h)
		.record.list({ client: "C-0142" })
		.then((entries) => entries.map((e) => e.recordPath).filter((p) => p.includes(`.${kind}-`)));
}

async function startWithNote(autosaveMs?: number): Promise<void> {
	h = await startPlugin({ autosaveMs });
	await setUpRecord(h);
	await addClient(h, "C-0142", "Synthetic Person");
	await session(h).record.writeText(NOTE, BODY);
}

beforeEach(() => {
	clearNotices();
});
afterEach(async () => {
	vi.restoreAllMocks();
	await h.cleanup();
});

describe("encrypted view", () => {
	it("renders markdown with Obsidian's renderer, owned by the view, with the file path as source", async () => {
		await startWithNote();
		renderCalls.length = 0;
		const view = await openNote();
		expect(view.getViewType()).toBe("clinical-vault-record");
		expect(view.currentMode).toBe("read");
		const call = renderCalls.at(-1);
		expect(call?.sourcePath).toBe("Clinical/C-0142/notes/2026-09-01.md.cvault");
		expect(call?.component).not.toBe(h.plugin);
		expect(call?.component).not.toBe(view);
		expect(view.contentEl.contains(call?.el ?? null)).toBe(true);
		expect(view.contentEl.querySelector("h1")?.textContent).toBe("Session");
		expect(view.contentEl.querySelector("a.internal-link")?.getAttribute("data-href")).toBe("Other note");
		expect(view.contentEl.querySelector(".mermaid")?.textContent).toContain("A-->B");
		// The editor is there but hidden while reading (its undo history is kept).
		expect(view.contentEl.querySelector(".clinical-vault-editor")?.classList.contains("clinical-vault-hidden")).toBe(true);
	});

	it("edits in a CodeMirror editor and re-encrypts on the save command", async () => {
		await startWithNote();
		const view = await openNote();
		const action = view.containerEl.querySelector('.view-action[aria-label="Edit"]') as HTMLElement;
		action.click();
		await h.idle();
		expect(view.currentMode).toBe("edit");
		const editor = editorOf(view);
		expect(editor.value).toBe(BODY);
		expect(view.contentEl.querySelector(".clinical-vault-editor .cm-content")?.getAttribute("spellcheck")).toBe("true");
		expect(view.contentEl.querySelector("textarea")).toBeNull();
		type(editor, `${BODY}\nSynthetic addition.\n`);
		expect(view.isDirty).toBe(true);
		expect(view.contentEl.querySelector(".clinical-vault-save-state")?.textContent).toBe("Unsaved changes");
		const before = await readVaultFile(h, `Clinical/${NOTE}.cvault`);
		h.run("save-encrypted-note");
		await h.idle();
		expect(view.isDirty).toBe(false);
		expect(view.contentEl.querySelector(".clinical-vault-save-state")?.textContent).toBe("Saved, encrypted");
		const after = await readVaultFile(h, `Clinical/${NOTE}.cvault`);
		expect(after.subarray(0, 6).toString()).toBe("CVAULT");
		expect(after.equals(before)).toBe(false);
		expect(after.includes(Buffer.from("Synthetic addition"))).toBe(false);
		expect(await decryptTextWithCore(h.dir, NOTE)).toBe(`${BODY}\nSynthetic addition.\n`);
		expect(existsSync(nodePath.join(h.dir, "Clinical/C-0142/notes/2026-09-01.md"))).toBe(false);
	});

	it("autosaves shortly after the last edit, and Ctrl+S saves at once", async () => {
		await startWithNote(40);
		const view = await openNote();
		await view.setMode("edit");
		type(editorOf(view), "# Session\n\nFirst edit.\n");
		await waitFor(() => !view.isDirty, "the autosave");
		await h.idle();
		expect(await decryptTextWithCore(h.dir, NOTE)).toBe("# Session\n\nFirst edit.\n");
		type(editorOf(view), "# Session\n\nSecond edit.\n");
		const event = pressKey(editorOf(view).cm.dom.querySelector(".cm-content") as HTMLElement, "s", { ctrlKey: true });
		expect(event.defaultPrevented).toBe(true);
		await h.idle();
		expect(view.isDirty).toBe(false);
		const actions = (await session(h).record.audit.entries()).map((e) => e.action);
		expect(actions.filter((a) => a === "modify").length).toBeGreaterThanOrEqual(2);
	});

	it("saves pending edits when the view closes", async () => {
		await startWithNote();
		const view = await openNote();
		await view.setMode("edit");
		type(editorOf(view), "Closing edit.\n");
		view.leaf.detach();
		await h.idle();
		expect(await decryptTextWithCore(h.dir, NOTE)).toBe("Closing edit.\n");
	});

	it("refuses to save an emptied note or ciphertext, shows why, and leaves the file untouched", async () => {
		await startWithNote(30);
		const view = await openNote();
		await view.setMode("edit");
		const before = await readVaultFile(h, `Clinical/${NOTE}.cvault`);

		type(editorOf(view), "");
		h.run("save-encrypted-note");
		await h.idle();
		expect(noticeTexts().join("\n")).toMatch(/Not saved: the note is empty/);
		expect((await readVaultFile(h, `Clinical/${NOTE}.cvault`)).equals(before)).toBe(true);
		expect(view.contentEl.querySelector(".clinical-vault-save-state")?.textContent).toBe("Not saved (refused)");

		clearNotices();
		type(editorOf(view), before.toString("latin1"));
		await waitFor(() => noticeTexts().length > 0, "the refusal notice");
		await h.idle();
		expect(noticeTexts()).toEqual([expect.stringMatching(/looks like encrypted data/)]);
		expect((await readVaultFile(h, `Clinical/${NOTE}.cvault`)).equals(before)).toBe(true);

		clearNotices();
		type(editorOf(view), before.toString("base64"));
		h.run("save-encrypted-note");
		await h.idle();
		expect(noticeTexts().join("\n")).toMatch(/looks like encrypted data/);
		expect((await readVaultFile(h, `Clinical/${NOTE}.cvault`)).equals(before)).toBe(true);
		expect(await decryptTextWithCore(h.dir, NOTE)).toBe(BODY);
	});

	it("undo starts at the loaded note, survives a switch to reading and back, and the empty-note guard still holds", async () => {
		await startWithNote(30);
		const view = await openNote();
		await view.setMode("edit");
		const editor = editorOf(view);
		const cm = editor.cm as unknown as EditorView;
		expect(editor.value).toBe(BODY);
		expect(view.isDirty).toBe(false);
		// Nothing before the load: undo right after opening has nothing to undo.
		expect(undo(cm)).toBe(false);
		expect(editor.value).toBe(BODY);

		editor.append("Typed by the clinician.\n");
		await view.setMode("read");
		await view.setMode("edit");
		expect(editorOf(view).cm).toBe(cm);
		expect(undo(cm)).toBe(true);
		expect(editor.value).toBe(BODY);
		expect(undo(cm)).toBe(false);

		// An emptied note is refused by the save guard whatever emptied it.
		type(editor, "");
		await waitFor(() => noticeTexts().length > 0, "the refusal");
		await h.idle();
		expect(await decryptTextWithCore(h.dir, NOTE)).toBe(BODY);
	});

	it("plays an attachment from an in-memory Blob URL that is revoked when the view closes", async () => {
		await startWithNote();
		const audio = new Uint8Array(70_000).map((_, i) => i % 256);
		await session(h).record.write("C-0142/attachments/session.m4a", audio);
		const created = vi.spyOn(URL, "createObjectURL");
		const revoked = vi.spyOn(URL, "revokeObjectURL");
		const view = await openNote("C-0142/attachments/session.m4a");
		expect(view.contentEl.textContent).toContain("audio/mp4");
		expect(view.contentEl.textContent).toContain("68.4 KB");
		const src = view.contentEl.querySelector("audio.clinical-vault-audio")?.getAttribute("src");
		expect(src).toMatch(/^blob:/);
		expect(created).toHaveBeenCalledTimes(1);
		view.leaf.detach();
		await h.idle();
		expect(revoked).toHaveBeenCalledWith(src);
		expect(view.contentEl.childElementCount).toBe(0);
	});

	it("shows a locked file with an unlock button that opens it after unlocking", async () => {
		await startWithNote();
		await session(h).lock();
		const file = h.app.vault.getFileByPath(`Clinical/${NOTE}.cvault`);
		if (!file) throw new Error("missing file");
		await h.app.workspace.getLeaf(true).openFile(file, { active: true });
		await h.idle();
		const view = activeView(h);
		expect(view.isLocked).toBe(true);
		expect(view.contentEl.textContent).toContain("Record locked");
		(view.contentEl.querySelector("button") as HTMLButtonElement).click();
		const modal = await waitForModal("clinical-vault-passphrase-modal");
		setField(modal, "passphrase", "correct horse battery staple");
		clickButton(modal, "Unlock");
		await waitFor(() => view.isMarkdown, "the note to open");
		expect(view.contentEl.querySelector("h1")?.textContent).toBe("Session");
		expect(views(h)).toHaveLength(1);
	});

	it("a note moved while it has unsaved edits is not recreated at its old path; the edits are kept as a copy and the clinician told", async () => {
		await startWithNote();
		const view = await openNote();
		await view.setMode("edit");
		type(editorOf(view), "Edit made before the move.\n");
		const file = h.app.vault.getFileByPath(`Clinical/${NOTE}.cvault`);
		if (!file) throw new Error("missing file");
		await h.app.vault.rename(file, "Clinical/C-0142/notes/renamed.md.cvault");
		await h.idle();
		expect(noticeTexts().join("\n")).toMatch(
			/was moved or deleted while you edited it, so it was not recreated\. Your text is kept, encrypted, as C-0142\/notes\/2026-09-01\.unsaved-\d{8}-\d{6}\.md/,
		);
		await waitFor(
			() => /Integrity check failed for C-0142\/notes\/renamed\.md/.test(view.contentEl.textContent ?? ""),
			"the view to say why it cannot open the moved file",
		);
		const kept = await keptCopies("unsaved");
		expect(kept).toHaveLength(1);
		expect(await decryptTextWithCore(h.dir, kept[0]!)).toBe("Edit made before the move.\n");
		expect(existsSync(nodePath.join(h.dir, `Clinical/${NOTE}.cvault`))).toBe(false);
		view.leaf.detach();
		await h.idle();
		expect(existsSync(nodePath.join(h.dir, `Clinical/${NOTE}.cvault`))).toBe(false);
	});

	it("does not recreate a note deleted while it had unsaved changes; the edits are kept as a copy", async () => {
		await startWithNote();
		const view = await openNote();
		await view.setMode("edit");
		type(editorOf(view), "Edit made before the delete.\n");
		await h.app.vault.adapter.remove(`Clinical/${NOTE}.cvault`);
		// Obsidian closes a view whose file is deleted; the last view out saves, which keeps the edits.
		await waitFor(() => noticeTexts().length > 0, "the notice");
		await h.idle();
		expect(noticeTexts().join("\n")).toMatch(/moved or deleted while you edited it, so it was not recreated/);
		expect(existsSync(nodePath.join(h.dir, `Clinical/${NOTE}.cvault`))).toBe(false);
		const kept = await keptCopies("unsaved");
		expect(await decryptTextWithCore(h.dir, kept[0]!)).toBe("Edit made before the delete.\n");
	});

	it("never saves over a version it did not load: the clinician's text is kept as an encrypted conflict copy and the view shows the current note", async () => {
		await startWithNote();
		const view = await openNote();
		await view.setMode("edit");
		type(editorOf(view), `${BODY}\nThe clinician's edit, typed in this view.\n`);
		// Meanwhile another writer (a second view, a plugin command, the CLI, a sync) changes the note.
		const theirs = `${BODY}\nWritten elsewhere while the view was open.\n`;
		await session(h).record.writeText(NOTE, theirs);
		h.run("save-encrypted-note");
		await h.idle();
		expect(noticeTexts().join("\n")).toMatch(
			/was changed elsewhere while you edited it.*kept, encrypted, as C-0142\/notes\/2026-09-01\.conflict-\d{8}-\d{6}\.md/s,
		);
		expect(await decryptTextWithCore(h.dir, NOTE)).toBe(theirs);
		const copies = (await session(h).record.list({ client: "C-0142" })).map((e) => e.recordPath).filter((p) => p.includes(".conflict-"));
		expect(copies).toHaveLength(1);
		expect(await decryptTextWithCore(h.dir, copies[0]!)).toContain("The clinician's edit, typed in this view.");
		expect(editorOf(view).value).toBe(theirs);
		expect(view.isDirty).toBe(false);
		// The view says where the clinician's version is, with a button to open it beside the note.
		const banner = view.contentEl.querySelector(".clinical-vault-banner") as HTMLElement;
		expect(banner.classList.contains("clinical-vault-hidden")).toBe(false);
		expect(banner.textContent).toMatch(/kept, encrypted, as 2026-09-01\.conflict-/);
		(banner.querySelector("button") as HTMLButtonElement).click();
		await h.idle();
		expect(views(h).map((v) => v.currentRecordPath)).toEqual(expect.arrayContaining([NOTE, copies[0]]));
		// No plaintext of either version beside the encrypted files.
		expect(existsSync(nodePath.join(h.dir, "Clinical/C-0142/notes/2026-09-01.md"))).toBe(false);
	});

	it("renders no remote content: images, frames and styles from other hosts are placeholders with their address", async () => {
		await startWithNote();
		await session(h).record.writeText(
			NOTE,
			`${BODY}\n![pixel](https://tracker.example.invalid/p.png?c=C-0142)\n\n<iframe src="https://evil.example.invalid"></iframe>\n`,
		);
		await openNote();
		const rendered = renderCalls.at(-1)!.markdown;
		expect(rendered).not.toMatch(/!\[[^\]]*\]\(https?:|<iframe/);
		expect(rendered).toContain("remote image blocked: https\\://tracker.example.invalid/p.png?c\\=C-0142");
		expect(rendered).toContain("[[Other note|link]]");
		// The note itself is unchanged: blocking is for display only.
		expect(await decryptTextWithCore(h.dir, NOTE)).toContain("![pixel](https://tracker.example.invalid/p.png?c=C-0142)");
	});

	it("two views of one note share one document: an edit in one shows in the other, and saving from both writes once", async () => {
		await startWithNote();
		const first = await openNote();
		const file = h.app.vault.getFileByPath(`Clinical/${NOTE}.cvault`)!;
		const leaf = h.app.workspace.getLeaf("split");
		await leaf.openFile(file);
		await h.idle();
		const second = leaf.view as unknown as EncryptedView;
		expect(second).not.toBe(first);
		expect(second.document).toBe(first.document);
		await first.setMode("edit");
		await second.setMode("edit");
		editorOf(first).append("First view's words.\n");
		expect(editorOf(second).value).toBe(`${BODY}First view's words.\n`);
		editorOf(second).append("Second view's words.\n");
		expect(editorOf(first).value).toBe(`${BODY}First view's words.\nSecond view's words.\n`);
		expect(first.isDirty && second.isDirty).toBe(true);
		// Undo in one view takes back only its own typing.
		expect(undo(editorOf(first).cm as unknown as EditorView)).toBe(true);
		expect(editorOf(second).value).toBe(`${BODY}Second view's words.\n`);
		editorOf(first).append("First view's words again.\n");
		const results = await Promise.all([first.save(true), second.save(true)]);
		expect(results).toEqual([true, true]);
		expect(await decryptTextWithCore(h.dir, NOTE)).toBe(`${BODY}Second view's words.\nFirst view's words again.\n`);
		expect(await keptCopies("conflict")).toEqual([]);
		expect(first.isDirty || second.isDirty).toBe(false);
		// Closing one view keeps the other's document; the last one out drops it.
		second.leaf.detach();
		await h.idle();
		expect(first.document?.isClosed).toBe(false);
	});

	it("follows its file: a change made elsewhere shows at once; with unsaved edits it says so and replaces nothing", async () => {
		await startWithNote();
		const view = await openNote();
		// Another view's save, a command or the CLI writes the note: the view shows it.
		const second = `${BODY}\nA second version, written elsewhere.\n`;
		await session(h).record.writeText(NOTE, second);
		await h.idle();
		await waitFor(() => renderCalls.at(-1)!.markdown.includes("A second version, written elsewhere."), "the view to show the new version");
		// With unsaved edits the editor is left alone and the status says what saving will do.
		await view.setMode("edit");
		type(editorOf(view), `${second}\nTyped here.\n`);
		await session(h).record.writeText(NOTE, `${BODY}\nA third version.\n`);
		await h.idle();
		expect(editorOf(view).value).toContain("Typed here.");
		expect(view.contentEl.querySelector(".clinical-vault-save-state")?.textContent).toBe("Changed elsewhere: saving keeps your version as a copy");
		// Signed elsewhere while these edits were unsaved: the edits are kept as a copy, the note stays signed.
		await signNote(session(h).record, NOTE, { signer: "Dr. Synthetic Clinician", now: new Date() });
		expect(await view.save(true)).toBe(false);
		const copies = (await session(h).record.list({ client: "C-0142" })).map((e) => e.recordPath).filter((p) => p.includes(".conflict-"));
		expect(await decryptTextWithCore(h.dir, copies[0]!)).toContain("Typed here.");
		expect(await verifySignature(await decryptTextWithCore(h.dir, NOTE), NOTE)).toBe(true);
		expect(view.isSigned).toBe(true);
	});

	it("the CLI (another process) changes the note while it is open: the view shows it; with unsaved edits they are kept as a copy", async () => {
		await startWithNote();
		const view = await openNote();
		const put = (text: string) =>
			execFileAsync(process.execPath, [nodePath.resolve("dist/cli.js"), "put", h.dir, NOTE, "--from", "-", "--replace"], {
				// The CLI's device state in the tests' folder, never the state of the user running them.
				env: { ...process.env, CLINICAL_VAULT_PASSPHRASE: PASSPHRASE, CLINICAL_VAULT_STATE_DIR: TEST_STATE_DIR },
				input: text,
			});
		await put(`${BODY}\nWritten by the CLI.\n`);
		// Obsidian learns of it from its file watcher (a vault "modify"): the view follows.
		await waitFor(() => (view.noteText ?? "").includes("Written by the CLI."), "the view to show the CLI's version");
		await view.setMode("edit");
		editorOf(view).append("Typed while the CLI writes again.\n");
		await put(`${BODY}\nWritten by the CLI, twice.\n`);
		await waitFor(
			() => view.contentEl.querySelector(".clinical-vault-save-state")?.textContent === "Changed elsewhere: saving keeps your version as a copy",
			"the view to say the note changed elsewhere",
		);
		expect(editorOf(view).value).toContain("Typed while the CLI writes again.");
		expect(await view.save(true)).toBe(false);
		expect(await decryptTextWithCore(h.dir, NOTE)).toBe(`${BODY}\nWritten by the CLI, twice.\n`);
		const kept = await keptCopies("conflict");
		expect(await decryptTextWithCore(h.dir, kept[0]!)).toContain("Typed while the CLI writes again.");
		expect(editorOf(view).value).toBe(`${BODY}\nWritten by the CLI, twice.\n`);
	});

	it("a save asked for while the record locks: the lock waits for it, the text is saved, nothing is left on screen", async () => {
		await startWithNote();
		const view = await openNote();
		await view.setMode("edit");
		editorOf(view).append("Saved during the lock.\n");
		const saving = view.save(true);
		const locking = session(h).lock();
		expect(await saving).toBe(true);
		await locking;
		await h.idle();
		expect(session(h).isUnlocked).toBe(false);
		expect(views(h)).toHaveLength(0);
		expect(await decryptTextWithCore(h.dir, NOTE)).toBe(`${BODY}Saved during the lock.\n`);
		// A save that comes after the lock (a late autosave, a stale command) writes nothing and throws nothing.
		expect(await view.save(true)).toBe(true);
	});

	it("reading mode: a [[link]] to another record note opens it, encrypted, in this view type", async () => {
		await startWithNote();
		await session(h).record.writeText("C-0142/notes/2026-09-08.md", "# Next session\n\nSynthetic follow-up.\n");
		await session(h).record.writeText(NOTE, "# Session\n\nSee [[C-0142/notes/2026-09-08|the next session]] and [[2026-09-08]].\n");
		const links = (view: EncryptedView) => Array.from(view.contentEl.querySelectorAll<HTMLElement>("a.internal-link"));
		expect(links(await openNote()).map((a) => a.getAttribute("data-href"))).toEqual(["C-0142/notes/2026-09-08", "2026-09-08"]);
		for (const i of [0, 1]) {
			links(await openNote())[i]!.click();
			await h.idle();
			expect(activeView(h)?.currentRecordPath).toBe("C-0142/notes/2026-09-08.md");
		}
		expect(await resolveRecordLink(session(h).record, NOTE, "Clinical/C-0142/notes/2026-09-08.md.cvault")).toBe("C-0142/notes/2026-09-08.md");
		expect(await resolveRecordLink(session(h).record, NOTE, "Some vault note")).toBeNull();
	});

	it("reading mode: an embed of an encrypted image shows from memory, its Blob URL revoked at the next render", async () => {
		await startWithNote();
		await session(h).record.write("C-0142/attachments/scan.png", new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10, 1, 2, 3]));
		await session(h).record.writeText(NOTE, "# Session\n\nThe drawing: ![[C-0142/attachments/scan.png]] and a plain note ![[Elsewhere.md]].\n");
		const revoked = vi.spyOn(URL, "revokeObjectURL");
		const view = await openNote();
		await h.idle();
		const img = view.contentEl.querySelector(".internal-embed.image-embed img");
		expect(img?.getAttribute("src")).toMatch(/^blob:/);
		// Not a record file: left to Obsidian.
		expect(view.contentEl.querySelector('.internal-embed[src="Elsewhere.md"]')?.childElementCount).toBe(0);
		await view.setMode("edit");
		editorOf(view).append("More.\n");
		await view.setMode("read");
		expect(revoked).toHaveBeenCalledWith(img!.getAttribute("src"));
	});

	it("the editor completes [[links]] from the client's record notes, and continues lists on Enter", async () => {
		await startWithNote();
		await session(h).record.writeText("C-0142/notes/2026-09-08.md", "# Next session\n");
		await session(h).record.writeText("C-0142/plan.md", "# Plan\n");
		const view = await openNote();
		await view.setMode("edit");
		const editor = editorOf(view);
		const cm = editor.cm as unknown as EditorView;
		editor.type("See [[2026-09");
		cm.dispatch({ selection: { anchor: cm.state.doc.length } });
		startCompletion(cm);
		const options = await waitFor(() => {
			const found = currentCompletions(cm.state);
			return found.length > 0 ? found : null;
		}, "link completions");
		expect(options.map((o) => o.label)).toContain("2026-09-08");
		expect(options.map((o) => o.label)).not.toContain("2026-09-01");
		expect(options.find((o) => o.label === "2026-09-08")?.apply).toBe("C-0142/notes/2026-09-08]]");

		editor.type("- first item");
		cm.dispatch({ selection: { anchor: cm.state.doc.length } });
		pressKey(cm.contentDOM, "Enter");
		expect(editor.value).toBe("- first item\n- ");
	});

	it("a file pasted into the editor is refused with the reason; nothing is written", async () => {
		await startWithNote();
		const view = await openNote();
		await view.setMode("edit");
		const before = (await session(h).record.list()).length;
		const cm = editorOf(view).cm as unknown as EditorView;
		const event = new dom.classes.Event("paste", { bubbles: true, cancelable: true }) as ClipboardEvent;
		Object.defineProperty(event, "clipboardData", {
			value: { files: [new File([new Uint8Array([137, 80, 78, 71])], "scan.png", { type: "image/png" })], getData: () => "" },
		});
		cm.contentDOM.dispatchEvent(event);
		expect(event.defaultPrevented).toBe(true);
		expect(noticeTexts().join("\n")).toMatch(/Files cannot be pasted or dropped into an encrypted note: nothing was saved/);
		expect(editorOf(view).value).toBe(BODY);
		expect((await session(h).record.list()).length).toBe(before);
	});

	it("Obsidian restores encrypted tabs while the record is locked: the shown tab asks to unlock, the deferred ones hold nothing until shown; a lock closes them all", async () => {
		await startWithNote();
		await session(h).record.writeText("C-0142/notes/2026-09-08.md", "# Next session\n\nSynthetic follow-up.\n");
		await session(h).lock();
		const tabs = [NOTE, "C-0142/notes/2026-09-08.md"].map((p) => ({ type: "clinical-vault-record", state: { file: `Clinical/${p}.cvault` } }));
		const [shown, deferred] = await h.app.workspace.restoreLayout(tabs, 0);
		await h.idle();
		expect(activeView(h).isLocked).toBe(true);
		expect(deferred!.isDeferred).toBe(true);
		expect(deferred!.view.getViewType()).toBe("clinical-vault-record");
		expect(deferred!.containerEl.textContent).toBe("");
		// Unlocking opens the shown tab; the deferred one decrypts only when revealed.
		(activeView(h).contentEl.querySelector("button") as HTMLButtonElement).click();
		const modal = await waitForModal("clinical-vault-passphrase-modal");
		setField(modal, "passphrase", PASSPHRASE);
		clickButton(modal, "Unlock");
		await waitFor(() => (shown!.view as unknown as EncryptedView).isMarkdown, "the shown tab to open");
		expect(deferred!.isDeferred).toBe(true);
		await h.app.workspace.revealLeaf(deferred!);
		await h.idle();
		expect((deferred!.view as unknown as EncryptedView).noteText).toContain("Synthetic follow-up.");
		await session(h).lock();
		await h.idle();
		expect(h.app.workspace.getLeavesOfType("clinical-vault-record")).toHaveLength(0);
		expect(h.app.workspace.containerEl.textContent).not.toContain("Synthetic");
	});

	it("a search hit or a link opens in a note's tab, never over the search pane or the brief (getLeaf semantics)", async () => {
		await startWithNote();
		const pane = h.app.workspace.getLeaf("tab");
		await pane.setViewState({ type: "clinical-vault-search", active: true });
		const view = await openRecordFile(h.app as unknown as ObsidianApp, session(h), NOTE);
		await h.idle();
		expect(pane.view.getViewType()).toBe("clinical-vault-search");
		expect(view?.leaf).not.toBe(pane);
		// From the search pane again: the note's tab is reused, no new tab each time.
		h.app.workspace.setActiveLeaf(pane);
		const again = await openRecordFile(h.app as unknown as ObsidianApp, session(h), NOTE);
		expect(again?.leaf).toBe(view?.leaf);
	});

	it("explains files outside the clinical folder instead of opening them", async () => {
		await startWithNote();
		await h.app.vault.create("elsewhere.md.cvault", "CVAULT");
		const file = h.app.vault.getFileByPath("elsewhere.md.cvault");
		if (!file) throw new Error("missing file");
		await h.app.workspace.getLeaf(true).openFile(file, { active: true });
		await h.idle();
		expect(activeView(h).contentEl.textContent).toContain("outside the clinical folder");
	});
});
