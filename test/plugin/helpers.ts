/** Shared set-up for the plugin tests: a temp vault, the plugin from source, and flows driven through modals. */
import { readFile } from "node:fs/promises";
import * as nodePath from "node:path";
import type { App as ObsidianApp } from "obsidian";
import ClinicalVaultPlugin from "../../src/main";
import type { Clock } from "../../src/core/clock";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { decryptFile } from "../../src/core/crypto/fileformat";
import { parseKeyFile, unwrapWithPassphrase } from "../../src/core/crypto/keyfile";
import { deriveVaultKeys } from "../../src/core/crypto/vaultkeys";
import { RecordLayout } from "../../src/core/record/layout";
import { EncryptedView, encryptedViews } from "../../src/obsidian/record/EncryptedView";
import {
	MANIFEST,
	chooseSuggestion,
	clearNotices,
	clickButton,
	clickToggle,
	closeAllModals,
	createTestVault,
	loadPlugin,
	runCommand,
	setField,
	waitFor,
	waitForModal,
	type TestVault,
} from "../support/obsidian-harness";
import type { App, Plugin as StubPlugin } from "../support/obsidian-stub";

export const PASSPHRASE = "correct horse battery staple";
export const PLUGIN_ID = "clinical-vault";

export interface Harness {
	vault: TestVault;
	app: App;
	plugin: ClinicalVaultPlugin;
	dir: string;
	/** Runs a command by its short id. */
	run(id: string): void;
	/** Waits until no plugin operation or view work is in flight. */
	idle(): Promise<void>;
	cleanup(): Promise<void>;
}

export async function startPlugin(options: { clock?: Clock; vault?: TestVault; autosaveMs?: number; idleCheckMs?: number } = {}): Promise<Harness> {
	const vault = options.vault ?? (await createTestVault());
	const app = vault.app;
	const plugin = new ClinicalVaultPlugin(app as unknown as ObsidianApp, MANIFEST);
	plugin.deps.kdfForSetup = () => Promise.resolve(floorKdfParams());
	plugin.deps.autosaveMs = options.autosaveMs ?? 60_000;
	if (options.clock) plugin.deps.clock = options.clock;
	if (options.idleCheckMs) plugin.deps.idleCheckMs = options.idleCheckMs;
	await loadPlugin(plugin as unknown as StubPlugin);
	app.workspace.setLayoutReady();
	const harness: Harness = {
		vault,
		app,
		plugin,
		dir: vault.dir,
		run: (id) => {
			if (!runCommand(app, `${PLUGIN_ID}:${id}`)) throw new Error(`command ${id} is not available`);
		},
		idle: async () => {
			for (let i = 0; i < 3; i++) {
				await plugin.ops.idle();
				await plugin.session?.idle();
				await app.workspace.settle();
			}
		},
		cleanup: async () => {
			closeAllModals();
			plugin.unload();
			await harness.idle();
			await vault.cleanup();
			const errors = app.workspace.backgroundErrors;
			if (errors.length > 0) throw new Error(`view work failed in the background: ${errors.map(String).join("; ")}`);
		},
	};
	await harness.idle();
	return harness;
}

export function session(h: Harness) {
	const s = h.plugin.session;
	if (!s) throw new Error("plugin not loaded");
	return s;
}

/** Runs "Set up encrypted record" through its modals; returns the recovery key shown. */
export async function setUpRecord(h: Harness, passphrase = PASSPHRASE): Promise<string> {
	h.run("set-up-record");
	const form = await waitForModal("clinical-vault-setup-modal");
	setField(form, "passphrase", passphrase);
	setField(form, "repeat", passphrase);
	clickButton(form, "Create record");
	const recovery = await waitForModal("clinical-vault-recovery-modal");
	const key = recovery.contentEl.querySelector(".clinical-vault-recovery-key")?.textContent ?? "";
	clickToggle(recovery);
	clickButton(recovery, "Done");
	await h.idle();
	return key;
}

export async function unlock(h: Harness, passphrase = PASSPHRASE): Promise<void> {
	h.run("unlock");
	const modal = await waitForModal("clinical-vault-passphrase-modal");
	setField(modal, "passphrase", passphrase);
	clickButton(modal, "Unlock");
	await waitFor(() => session(h).isUnlocked, "unlock");
	await h.idle();
}

export async function addClient(h: Harness, code: string, name: string, modality = ""): Promise<void> {
	h.run("new-client");
	const modal = await waitForModal("clinical-vault-new-client-modal");
	setField(modal, "code", code);
	setField(modal, "name", name);
	setField(modal, "modality", modality);
	clickButton(modal, "Add client");
	await h.idle();
}

/**
 * "Record consent" through its modals: the client consents to recording (dated today). Part of
 * setting up a client for recording: recording and transcription refuse without it.
 */
export async function recordConsent(h: Harness, code: string, answer: "yes" | "no" = "yes"): Promise<void> {
	h.run("record-consent");
	await chooseSuggestion(await waitForModal("clinical-vault-client-modal"), code);
	const form = await waitForModal("clinical-vault-consent-modal");
	const choice = form.contentEl.querySelector("select[name=recording]");
	if (!choice) throw new Error("no recording choice in the consent form");
	(choice as HTMLSelectElement).value = answer;
	clickButton(form, "Save consent");
	await h.idle();
}

/** "New session note" for a client; returns the view it opened (in edit mode). */
export async function newSessionNote(h: Harness, code: string): Promise<EncryptedView> {
	h.run("new-session-note");
	const picker = await waitForModal("clinical-vault-client-modal");
	await chooseSuggestion(picker, code);
	await h.idle();
	return activeView(h);
}

export function views(h: Harness): EncryptedView[] {
	return encryptedViews(h.app as unknown as ObsidianApp);
}

export function activeView(h: Harness): EncryptedView {
	const view = h.app.workspace.activeLeaf?.view;
	if (!(view instanceof EncryptedView)) throw new Error("the active view is not an encrypted view");
	return view;
}

/** The parts of CodeMirror's EditorView the tests use (plain specs only, so it works on the built bundle's copy too). */
interface EditorLike {
	state: { doc: { length: number; toString(): string }; selection: { main: { from: number; to: number } } };
	dispatch(spec: { changes?: { from: number; to?: number; insert?: string }; userEvent?: string; selection?: { anchor: number; head?: number } }): void;
	dom: HTMLElement;
}

/** The note editor of a view in edit mode, as a clinician's keyboard sees it. */
export interface TestEditor {
	readonly cm: EditorLike;
	/** The text in the editor. */
	readonly value: string;
	/** The selected text. */
	readonly selected: string;
	/** Replaces the whole text the way typing does (a user event: undoable, saved by autosave). */
	type(text: string): void;
	/** Types at the end of the text. */
	append(text: string): void;
}

export function editorOf(view: EncryptedView): TestEditor {
	const cm = (view as unknown as { editor: EditorLike | null }).editor;
	if (!cm || view.currentMode !== "edit" || !cm.dom.isConnected) throw new Error("no editor shown in the view");
	return {
		cm,
		get value() {
			return cm.state.doc.toString();
		},
		get selected() {
			const { from, to } = cm.state.selection.main;
			return cm.state.doc.toString().slice(from, to);
		},
		type(text: string) {
			cm.dispatch({ changes: { from: 0, to: cm.state.doc.length, insert: text }, userEvent: "input.type" });
		},
		append(text: string) {
			const end = cm.state.doc.length;
			cm.dispatch({ changes: { from: end, insert: text }, userEvent: "input.type", selection: { anchor: end + text.length } });
		},
	};
}

/**
 * An independent reader of the vault folder: the core's key file and file format over Node's fs,
 * with the passphrase. It writes nothing (no audit entry), so the plugin can keep running.
 */
export async function decryptWithCore(dir: string, recordPath: string, passphrase = PASSPHRASE, root = "Clinical"): Promise<Uint8Array> {
	const layout = new RecordLayout(root);
	const keyFile = parseKeyFile(await readFile(nodePath.join(dir, layout.keyFilePath)), layout.keyFilePath);
	const keys = await deriveVaultKeys(await unwrapWithPassphrase(keyFile, passphrase), keyFile.vaultId);
	const { plaintext } = await decryptFile(keys, await readFile(nodePath.join(dir, layout.storePath(recordPath))), recordPath);
	return plaintext;
}

export async function decryptTextWithCore(dir: string, recordPath: string, passphrase = PASSPHRASE): Promise<string> {
	return new TextDecoder().decode(await decryptWithCore(dir, recordPath, passphrase));
}

export async function readVaultFile(h: Harness, path: string): Promise<Buffer> {
	return readFile(nodePath.join(h.dir, path));
}

export async function dataJson(h: Harness): Promise<Record<string, unknown>> {
	return JSON.parse(await readFile(nodePath.join(h.dir, h.app.vault.configDir, "plugins", PLUGIN_ID, "data.json"), "utf8")) as Record<string, unknown>;
}

/** A started plugin with a record set up and one synthetic client, C-0142; notices cleared. */
export async function startWithClient(): Promise<Harness> {
	clearNotices();
	const h = await startPlugin();
	await setUpRecord(h);
	await addClient(h, "C-0142", "Synthetic Person");
	return h;
}
