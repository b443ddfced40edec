// @vitest-environment happy-dom
/**
 * The shared note document against hostile timing, each case a data-loss path found by
 * red-teaming the editor (the Meld Encrypt class of bugs): typing while a tab switches notes,
 * erasure while a save is under way, another writer landing between the disk check and the write,
 * typing while a conflict copy is written, a note that cannot be written when its view closes, and
 * typing while the record locks. Expected for each: the clinician's text survives somewhere (the
 * note or an encrypted copy) and they are told, or erased text never comes back.
 */
import type { App as ObsidianApp } from "obsidian";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { StorageError } from "../../src/core/errors";
import { openRecordFile, type EncryptedView } from "../../src/obsidian/record/EncryptedView";
import { chooseSuggestion, clearNotices, clickButton, noticeTexts, waitFor, waitForModal } from "../support/obsidian-harness";
import { addClient, decryptTextWithCore, editorOf, recordConsent, session, setUpRecord, startPlugin, type Harness } from "./helpers";

const NOTE = "C-0142/notes/2026-09-01.md";
const OTHER = "C-0142/notes/2026-09-08.md";
const BODY = "# Session\n\nSynthetic content.\n";

let h: Harness;

async function start(): Promise<void> {
	h = await startPlugin();
	await setUpRecord(h);
	await addClient(h, "C-0142", "Synthetic Person");
	await session(h).record.writeText(NOTE, BODY);
	await session(h).record.writeText(OTHER, "# Next\n");
}

async function openForEditing(path = NOTE): Promise<EncryptedView> {
	const view = await openRecordFile(h.app as unknown as ObsidianApp, session(h), path);
	if (!view) throw new Error("no view");
	await h.idle();
	await view.setMode("edit");
	return view;
}

/** The decrypted text of every note of the client (the note and any kept copies), joined. */
async function everything(): Promise<string> {
	const paths = (await session(h).record.list({ client: "C-0142" })).map((e) => e.recordPath).filter((p) => p.endsWith(".md"));
	return (await Promise.all(paths.map((p) => decryptTextWithCore(h.dir, p)))).join("\n");
}

/** Holds the record's next note writes at the compare-and-write: `started` resolves when one arrives, `release()` lets them all go. */
function holdWrites(): { started: Promise<void>; release(): void } {
	const record = session(h).record;
	const real = record.writeTextIf.bind(record);
	let release!: () => void;
	let arrived!: () => void;
	const held = new Promise<void>((resolve) => (release = resolve));
	const started = new Promise<void>((resolve) => (arrived = resolve));
	vi.spyOn(record, "writeTextIf").mockImplementation(async (...args) => {
		arrived();
		await held;
		return real(...args);
	});
	return { started, release };
}

beforeEach(() => clearNotices());
afterEach(async () => {
	vi.restoreAllMocks();
	await h.cleanup();
});

describe("the shared note document under hostile timing", () => {
	it("a tab switching to another note while dirty: the editor goes at once, the last save keeps everything typed", async () => {
		await start();
		const view = await openForEditing();
		const editor = editorOf(view);
		editor.append("Typed before switching.\n");
		const held = holdWrites();
		const switching = h.app.workspace.activeLeaf!.openFile(h.app.vault.getFileByPath(`Clinical/${OTHER}.cvault`)!);
		await held.started;
		// The old editor is gone while its note saves: nothing can be typed into a document on its way out.
		expect(editor.cm.dom.isConnected).toBe(false);
		held.release();
		await switching;
		await h.idle();
		expect(await decryptTextWithCore(h.dir, NOTE)).toBe(`${BODY}Typed before switching.\n`);
	});

	it("erasure (a revoked consent) while a save of the transcript is under way: the transcript never comes back", async () => {
		await start();
		await recordConsent(h, "C-0142", "yes");
		const transcript = "C-0142/transcripts/2026-09-01.md";
		const record = session(h).record;
		await record.writeText(transcript, "# Transcript\n\nSynthetic words.\n");
		const view = await openForEditing(transcript);
		editorOf(view).append("A correction.\n");
		const held = holdWrites();
		const saving = view.save(true);
		await held.started;
		h.run("revoke-recording-consent");
		await chooseSuggestion(await waitForModal("clinical-vault-client-modal"), "C-0142");
		clickButton(await waitForModal("clinical-vault-confirm-modal"), "Revoke and erase");
		// The erasure waits for the save in flight; let it go.
		held.release();
		await waitFor(() => noticeTexts().some((t) => /Crypto-erased/.test(t)), "the erasure");
		expect(await saving).toBe(false);
		await h.idle();
		expect(await record.exists(transcript)).toBe(false);
		const left = (await record.list({ client: "C-0142" })).map((e) => e.recordPath).filter((p) => p.includes("transcripts/"));
		expect(left).toEqual([]);
	});

	it("another writer lands between the disk check and the write: never written over, the clinician's text kept as a copy", async () => {
		await start();
		const view = await openForEditing();
		editorOf(view).append("The clinician's late edit.\n");
		const record = session(h).record;
		const real = record.writeTextIf.bind(record);
		let other: Promise<unknown> | undefined;
		vi.spyOn(record, "writeTextIf").mockImplementation((...args) => {
			// A plan update, a sign or the CLI's write is queued just before the save's own.
			other ??= record.writeText(NOTE, `${BODY}Written by another writer.\n`);
			return real(...args);
		});
		expect(await view.save(true)).toBe(false);
		await Promise.resolve(other);
		await h.idle();
		expect(await decryptTextWithCore(h.dir, NOTE)).toBe(`${BODY}Written by another writer.\n`);
		expect(await everything()).toContain("The clinician's late edit.");
		expect(noticeTexts().join("\n")).toMatch(/changed elsewhere while you edited it/);
	});

	it("typing while the conflict copy is written is kept too (nothing replaced under the clinician's hands)", async () => {
		await start();
		const view = await openForEditing();
		editorOf(view).append("First part.\n");
		const record = session(h).record;
		await record.writeText(NOTE, `${BODY}Written elsewhere.\n`);
		await h.idle();
		const real = record.writeText.bind(record);
		vi.spyOn(record, "writeText").mockImplementation(async (path, text, options) => {
			if (path.includes(".conflict-") && !text.includes("Second part")) editorOf(view).append("Second part, typed during the copy.\n");
			return real(path, text, options);
		});
		expect(await view.save(false)).toBe(false);
		await h.idle();
		expect(editorOf(view).value).toContain("Second part, typed during the copy.");
		expect(view.contentEl.querySelector(".clinical-vault-save-state")?.textContent).toBe("Changed elsewhere: saving keeps your version as a copy");
		await view.save(true);
		await h.idle();
		expect(await everything()).toContain("Second part, typed during the copy.");
	});

	it("a note that cannot be written when its view closes: the edits go to a copy, or stay in memory and the clinician is told", async () => {
		await start();
		const record = session(h).record;
		const failing = vi
			.spyOn(record, "writeTextIf")
			.mockRejectedValue(new StorageError(NOTE, Object.assign(new Error("EPERM: operation not permitted"), { code: "EPERM" })));
		let view = await openForEditing();
		editorOf(view).append("Words that must survive.\n");
		view.leaf.detach();
		await h.idle();
		expect(noticeTexts().join("\n")).toMatch(/could not be saved; your changes are kept, encrypted, as C-0142\/notes\/2026-09-01\.unsaved-/);
		expect(await everything()).toContain("Words that must survive.");

		// When even the copy fails, the text stays in memory: opening the note again shows it.
		clearNotices();
		const writeText = vi.spyOn(record, "writeText").mockRejectedValue(new StorageError(NOTE, new Error("ENOSPC: no space left on device")));
		view = await openForEditing();
		editorOf(view).append("Second words.\n");
		view.leaf.detach();
		await h.idle();
		expect(noticeTexts().join("\n")).toMatch(/kept in memory until the record locks/);
		failing.mockRestore();
		writeText.mockRestore();
		view = await openForEditing();
		expect(editorOf(view).value).toContain("Second words.");
		expect(await view.save(true)).toBe(true);
		expect(await decryptTextWithCore(h.dir, NOTE)).toContain("Second words.");
	});

	it("typing while the record locks: editors stop taking edits before the last save, so nothing typed is dropped unsaved", async () => {
		await start();
		const view = await openForEditing();
		const editor = editorOf(view);
		editor.append("Before the lock.\n");
		const record = session(h).record;
		const real = record.writeTextIf.bind(record);
		const cm = editor.cm as unknown as { state: { readOnly: boolean }; contentDOM: HTMLElement };
		let whileSaving: { readOnly: boolean; editable: string } | null = null;
		vi.spyOn(record, "writeTextIf").mockImplementation(async (...args) => {
			whileSaving = { readOnly: cm.state.readOnly, editable: cm.contentDOM.contentEditable };
			// Even an edit that reached the editor some other way is not taken into the document now.
			editor.cm.dispatch({ changes: { from: editor.cm.state.doc.length, insert: "During the lock.\n" }, userEvent: "input.type" });
			return real(...args);
		});
		await session(h).lock();
		await h.idle();
		// Keys pressed during the lock's save do nothing: the editor is read-only (CodeMirror's editable off).
		expect(whileSaving).toEqual({ readOnly: true, editable: "false" });
		expect(await decryptTextWithCore(h.dir, NOTE)).toBe(`${BODY}Before the lock.\n`);
	});
});
