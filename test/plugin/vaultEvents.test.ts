// @vitest-environment happy-dom
/**
 * What the vault tells Obsidian (and every other plugin: sync, backup, the file explorer) when the
 * plugin saves a note that is open in the encrypted view, measured through the stub's vault: its
 * adapter's own events and its watcher on the folder, reconciled by stat as Obsidian does (see the
 * assumptions at the stub's Vault).
 *
 * Over Obsidian's FileSystemAdapter every save replaces the record file by an atomic rename: one
 * "modify" per save, no delete, create or rename, and the view stays open on its file. The old
 * way (the fallback for an adapter without a folder: NAME renamed to a backup, the temporary file
 * renamed to NAME) is measured the same way, to show the measurement sees the difference: a
 * delete and a create per save, and the view closed by the first delete.
 */
import { VIEW_TYPE } from "../../src/obsidian/common/viewTypes";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import * as nodePath from "node:path";
import type { App as ObsidianApp } from "obsidian";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { AdapterStore } from "../../src/obsidian/record/AdapterStore";
import { openRecordFile, type EncryptedView } from "../../src/obsidian/record/EncryptedView";
import { clearNotices, createTestVault, noticeTexts, sleep, type TestVault } from "../support/obsidian-harness";
import { MarkdownView, adapterWithoutBasePath, type TAbstractFile } from "../support/obsidian-stub";
import { PASSPHRASE, addClient, session, setUpRecord, startPlugin, type Harness } from "./helpers";

const NOTE = "C-0142/notes/2026-09-01.md";
const FILE = `Clinical/${NOTE}.cvault`;
const SAVES = 20;

type Kind = "create" | "modify" | "delete" | "rename";
const KINDS: Kind[] = ["create", "modify", "delete", "rename"];

let h: Harness;

/** Every vault event from now on (a rename also names where the file was), and their counts for one path. */
function recordEvents(): { all: { kind: Kind; path: string; oldPath?: string }[]; countsFor(path: string): Record<Kind, number> } {
	const all: { kind: Kind; path: string; oldPath?: string }[] = [];
	for (const kind of KINDS) {
		h.app.vault.on(kind, (file: TAbstractFile, oldPath?: string) => {
			all.push({ kind, path: file.path, ...(oldPath === undefined ? {} : { oldPath }) });
		});
	}
	return {
		all,
		countsFor: (path) =>
			Object.fromEntries(KINDS.map((kind) => [kind, all.filter((e) => e.kind === kind && (e.path === path || e.oldPath === path)).length])) as Record<
				Kind,
				number
			>,
	};
}

/** Writes the note and opens it in the encrypted view. */
async function openNote(): Promise<EncryptedView> {
	await session(h).record.writeText(NOTE, "# Session\n\nSynthetic revision 0.\n");
	const view = await openRecordFile(h.app as unknown as ObsidianApp, session(h), NOTE);
	if (!view) throw new Error("the note did not open in the encrypted view");
	await h.idle();
	return view;
}

/** Saves the note `SAVES` times through `record`, letting the vault's watcher catch up after each save. */
async function saveRepeatedly(record: ClinicalRecord): Promise<void> {
	for (let i = 1; i <= SAVES; i++) {
		await record.writeText(NOTE, `# Session\n\nSynthetic revision ${i}.\n`);
		await h.app.vault.watcherIdle();
		await h.idle();
	}
}

function leafOpen(view: EncryptedView): boolean {
	return h.app.workspace.getLeavesOfType(VIEW_TYPE).some((leaf) => leaf.view === (view as unknown));
}

describe("vault events while saving an open note", () => {
	beforeEach(async () => {
		clearNotices();
		h = await startPlugin();
		await setUpRecord(h);
		await addClient(h, "C-0142", "Synthetic Person");
		clearNotices();
	});
	afterEach(async () => {
		await h.cleanup();
	});

	it(`over Obsidian's FileSystemAdapter: ${SAVES} saves are ${SAVES} "modify" events and nothing else; the view stays open on its file`, async () => {
		const view = await openNote();
		const file = view.file;
		expect(file?.path).toBe(FILE);
		await h.app.vault.watcherIdle();
		const events = recordEvents();
		await saveRepeatedly(session(h).record);
		const counts = events.countsFor(FILE);
		expect(counts, `vault events for ${FILE} over ${SAVES} saves: ${JSON.stringify(counts)}`).toEqual({ create: 0, modify: SAVES, delete: 0, rename: 0 });
		// Nothing else in the vault appeared, vanished or moved either (the audit log only grows).
		const others = events.all.filter((e) => e.kind !== "modify");
		expect(others, `other vault events: ${JSON.stringify(others)}`).toEqual([]);
		expect(leafOpen(view)).toBe(true);
		expect(view.file).toBe(file);
		expect(h.app.vault.getFileByPath(FILE)).toBe(file);
		// The view follows its file: it shows the last save.
		expect(view.contentEl.textContent).toContain(`Synthetic revision ${SAVES}.`);
		expect(noticeTexts()).toEqual([]);
	});

	it(`the old way (an adapter without a folder: backup and rename) is seen as a delete and a create per save, and closes the view`, async () => {
		const view = await openNote();
		await h.app.vault.watcherIdle();
		// A second record over the same vault, through the adapter's own methods only.
		const fallback = new ClinicalRecord({ store: new AdapterStore(adapterWithoutBasePath(h.app.vault.adapter)) });
		expect(fallback.store.renameReplaces).toBe(false);
		await fallback.unlock(PASSPHRASE);
		const events = recordEvents();
		await saveRepeatedly(fallback);
		const counts = events.countsFor(FILE);
		expect(counts, `vault events for ${FILE} over ${SAVES} saves the old way: ${JSON.stringify(counts)}`).toEqual({
			create: SAVES,
			modify: 0,
			delete: SAVES,
			rename: 0,
		});
		expect(leafOpen(view)).toBe(false);
		await fallback.lock();
	});
});

describe("the stub's vault watcher (the instrument above)", () => {
	let vault: TestVault;
	let events: string[];

	beforeEach(async () => {
		vault = await createTestVault("cv-watch-");
		events = [];
		for (const kind of KINDS)
			vault.app.vault.on(kind, (file: TAbstractFile, oldPath?: string) =>
				events.push(`${kind} ${file.path}${oldPath === undefined ? "" : ` from ${oldPath}`}`),
			);
	});
	afterEach(async () => {
		await vault.cleanup();
	});

	const full = (path: string) => nodePath.join(vault.dir, path);

	/** Writes a file the atomic way: a hidden temporary file renamed over it. */
	async function replace(path: string, text: string): Promise<void> {
		const temp = nodePath.join(nodePath.dirname(full(path)), `.${nodePath.basename(path)}.cvtmp`);
		await writeFile(temp, text);
		await rename(temp, full(path));
	}

	it("reconciles changes made on disk with Node's fs by stat: create, modify, a replacing rename is one modify, removal a delete; hidden paths never", async () => {
		await mkdir(full("a/b"), { recursive: true });
		await replace("a/b/n.md", "one");
		await vault.app.vault.watcherIdle();
		expect(events).toEqual(["create a", "create a/b", "create a/b/n.md"]);
		events.length = 0;
		await replace("a/b/n.md", "two");
		await vault.app.vault.watcherIdle();
		expect(events).toEqual(["modify a/b/n.md"]);
		// Written in place, the file can be seen mid-write: one or more "modify", never anything else.
		await writeFile(full("a/b/n.md"), "three, longer");
		await vault.app.vault.watcherIdle();
		expect(new Set(events)).toEqual(new Set(["modify a/b/n.md"]));
		events.length = 0;
		await mkdir(full(".hidden"));
		await writeFile(full(".hidden/x.md"), "x");
		await writeFile(full("a/b/.n.md.cvtmp"), "hidden");
		await vault.app.vault.watcherIdle();
		expect(events).toEqual([]);
		await rename(full("a/b/n.md"), full("a/b/.n.md.cvbak"));
		await vault.app.vault.watcherIdle();
		await rename(full("a/b/.n.md.cvbak"), full("a/b/n.md"));
		await vault.app.vault.watcherIdle();
		await rm(full("a"), { recursive: true });
		await vault.app.vault.watcherIdle();
		expect(events).toEqual(["delete a/b/n.md", "create a/b/n.md", "delete a/b/n.md", "delete a/b", "delete a"]);
	});

	it("the adapter's own changes are reported at once, and the watcher does not report them again", async () => {
		await vault.app.vault.adapter.mkdir("f");
		await vault.app.vault.adapter.write("f/n.md", "one");
		await vault.app.vault.adapter.write("f/n.md", "two");
		expect(events).toEqual(["create f", "create f/n.md", "modify f/n.md"]);
		await vault.app.vault.watcherIdle();
		expect(events).toHaveLength(3);
	});

	it("a view whose file is deleted on disk closes its leaf; the same object is in the delete event", async () => {
		const file = await vault.app.vault.create("n.md", "Synthetic text.");
		const leaf = vault.app.workspace.getLeaf(false);
		await leaf.openFile(file);
		expect(leaf.view).toBeInstanceOf(MarkdownView);
		await vault.app.vault.watcherIdle();
		await rm(full("n.md"));
		await vault.app.vault.watcherIdle();
		await vault.app.workspace.settle();
		expect(events.at(-1)).toBe("delete n.md");
		expect(leaf.detached).toBe(true);
		expect(vault.app.workspace.getLeavesOfType("markdown")).toEqual([]);
	});

	it("stops when the app closes", async () => {
		vault.app.close();
		await writeFile(full("late.md"), "x");
		await vault.app.vault.watcherIdle();
		await sleep(50);
		expect(events).toEqual([]);
	});
});
