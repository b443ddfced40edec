/**
 * The browser page: Obsidian as the obsidian stub emulates it (test/support/obsidian-stub.ts, the
 * same module the Node tests use, here on the real Chromium DOM and an in-memory disk), with the
 * plugin loaded from source (src/main.ts). It exposes `window.cv` (see api.ts) for the tests,
 * which drive it with Playwright: the steps mirror test/plugin/helpers.ts (start the plugin with
 * the fast KDF, set up the record through its modals, add a client, write and open a note).
 */
import type { App as ObsidianApp } from "obsidian";
import { EditorView } from "@codemirror/view";
import manifestJson from "../../../manifest.json";
import ClinicalVaultPlugin from "../../../src/main";
import { floorKdfParams } from "../../../src/core/crypto/kdf";
import { App, FileView, notices, openModals, type Modal, type Plugin as StubPlugin, type WorkspaceLeaf } from "../../support/obsidian-stub";
import { mkdir } from "./shims/fs-promises";
import { diskFiles } from "./shims/memfs";
import type { LeafInfo, PageApi, Placement, StartOptions, Theme } from "./api";

const PLUGIN_ID = "clinical-vault";
/** The Node tests' passphrase (test/plugin/helpers.ts). */
const PASSPHRASE = "correct horse battery staple";
const VAULT = "/vault";

let current: { app: App; plugin: ClinicalVaultPlugin } | null = null;

function started(): { app: App; plugin: ClinicalVaultPlugin } {
	if (!current) throw new Error("window.cv.start() has not been called");
	return current;
}

function session() {
	const s = started().plugin.session;
	if (!s) throw new Error("the plugin has no session (not loaded)");
	return s;
}

function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => window.setTimeout(resolve, ms));
}

async function waitFor<T>(probe: () => T | null | undefined | false, what: string, timeoutMs = 10_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = probe();
		if (value) return value;
		if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
		await sleep(5);
	}
}

// Modals, answered through their DOM as a clinician would (copied from obsidian-harness.ts).

function waitForModal(cls: string): Promise<Modal> {
	return waitFor(() => openModals.find((modal) => modal.modalEl.hasClass(cls)), `a modal with class ${cls}`);
}

function setField(modal: Modal, name: string, value: string): void {
	const el = modal.contentEl.querySelector(`input[name="${name}"]`);
	if (!(el instanceof HTMLInputElement)) throw new Error(`No input named ${name} in the modal`);
	el.value = value;
	el.dispatchEvent(new Event("input", { bubbles: true }));
}

function clickButton(modal: Modal, text: string): void {
	const button = Array.from(modal.modalEl.querySelectorAll("button")).find((b) => b.textContent === text);
	if (!button) throw new Error(`No button "${text}"`);
	if (button.disabled) throw new Error(`Button "${text}" is disabled`);
	button.click();
}

function clickToggle(modal: Modal): void {
	const toggle = modal.contentEl.querySelector(".checkbox-container");
	if (!(toggle instanceof HTMLElement)) throw new Error("No toggle in the modal");
	toggle.click();
}

// Leaves get a stable id, shown on their element for Playwright locators.

const leafIds = new WeakMap<WorkspaceLeaf, number>();
let nextLeafId = 0;

function leafId(leaf: WorkspaceLeaf): number {
	let id = leafIds.get(leaf);
	if (id === undefined) {
		id = nextLeafId++;
		leafIds.set(leaf, id);
	}
	leaf.containerEl.setAttribute("data-cv-leaf", String(id));
	return id;
}

function leafById(id: number): WorkspaceLeaf {
	const leaf = started().app.workspace.allLeaves.find((l) => leafIds.get(l) === id);
	if (!leaf) throw new Error(`No open leaf ${id}`);
	return leaf;
}

function run(commandId: string): void {
	if (!started().app.commands.executeCommandById(`${PLUGIN_ID}:${commandId}`)) throw new Error(`command ${commandId} is not available`);
}

async function idle(): Promise<void> {
	const { app, plugin } = started();
	for (let i = 0; i < 3; i++) {
		await plugin.ops.idle();
		await plugin.session?.idle();
		await app.workspace.settle();
	}
}

const api: PageApi = {
	async start(options: StartOptions = {}) {
		if (current) throw new Error("window.cv.start() was already called on this page (reload it for a fresh Obsidian)");
		await mkdir(VAULT, { recursive: true });
		const app = new App(VAULT);
		const plugin = new ClinicalVaultPlugin(app as unknown as ObsidianApp, { ...manifestJson, dir: undefined });
		plugin.deps.kdfForSetup = () => Promise.resolve(floorKdfParams());
		plugin.deps.autosaveMs = options.autosaveMs ?? 60_000;
		if (options.idleCheckMs !== undefined) plugin.deps.idleCheckMs = options.idleCheckMs;
		plugin.deps.tempRoot = "/tmp";
		current = { app, plugin };
		const stub = plugin as unknown as StubPlugin;
		stub.load();
		await stub.loading;
		app.workspace.setLayoutReady();
		await idle();
	},

	isStarted: () => current !== null,

	async setUpRecord(passphrase = PASSPHRASE) {
		run("set-up-record");
		const form = await waitForModal("clinical-vault-setup-modal");
		setField(form, "passphrase", passphrase);
		setField(form, "repeat", passphrase);
		clickButton(form, "Create record");
		const recovery = await waitForModal("clinical-vault-recovery-modal");
		const key = recovery.contentEl.querySelector(".clinical-vault-recovery-key")?.textContent ?? "";
		clickToggle(recovery);
		clickButton(recovery, "Done");
		await idle();
		return key;
	},

	async addClient(code, name) {
		run("new-client");
		const modal = await waitForModal("clinical-vault-new-client-modal");
		setField(modal, "code", code);
		setField(modal, "name", name);
		setField(modal, "modality", "");
		clickButton(modal, "Add client");
		await idle();
	},

	async writeNote(recordPath, text) {
		await session().record.writeText(recordPath, text);
		await idle();
	},

	readNote(recordPath) {
		return session().record.readText(recordPath, "internal");
	},

	async openNote(recordPath: string, placement: Placement = "current") {
		const { app } = started();
		const path = session().record.layout.storePath(recordPath);
		const file = await waitFor(() => app.vault.getFileByPath(path), `${path} in the vault`);
		const leaf = app.workspace.getLeaf(placement === "current" ? false : placement);
		await leaf.openFile(file, { active: true });
		await idle();
		return leafId(leaf);
	},

	leaves() {
		const { app } = started();
		return app.workspace.allLeaves.map((leaf): LeafInfo => {
			const file = leaf.view instanceof FileView ? leaf.view.file : null;
			return {
				id: leafId(leaf),
				type: leaf.view.getViewType(),
				file: file?.path ?? null,
				recordPath: file ? session().record.layout.recordPathOf(file.path) : null,
				active: app.workspace.activeLeaf === leaf,
			};
		});
	},

	editorText(id) {
		const el = leafById(id).containerEl.querySelector(".cm-editor");
		if (!(el instanceof HTMLElement)) return null;
		return EditorView.findFromDOM(el)?.state.doc.toString() ?? null;
	},

	run,

	async lock() {
		run("lock");
		await waitFor(() => !session().isUnlocked, "the lock");
		await idle();
	},

	async unlock(passphrase = PASSPHRASE) {
		run("unlock");
		const modal = await waitForModal("clinical-vault-passphrase-modal");
		setField(modal, "passphrase", passphrase);
		clickButton(modal, "Unlock");
		await waitFor(() => session().isUnlocked, "unlock");
		await idle();
	},

	isUnlocked: () => session().isUnlocked,
	idle,
	notices: () => notices.map((n) => n.message),
	backgroundErrors: () => started().app.workspace.backgroundErrors.map((e) => (e instanceof Error ? (e.stack ?? e.message) : String(e))),

	diskFilesContaining(text) {
		const needle = new TextEncoder().encode(text);
		const contains = (data: Uint8Array) => {
			outer: for (let i = 0; i + needle.length <= data.length; i++) {
				for (let j = 0; j < needle.length; j++) if (data[i + j] !== needle[j]) continue outer;
				return true;
			}
			return false;
		};
		return diskFiles()
			.filter((f) => contains(f.data))
			.map((f) => f.path);
	},

	setTheme(theme: Theme) {
		document.body.classList.toggle("theme-light", theme === "light");
		document.body.classList.toggle("theme-dark", theme === "dark");
	},

	app: () => started().app,
	plugin: () => started().plugin,
};

api.setTheme("light");
window.cv = api;
