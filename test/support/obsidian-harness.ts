/**
 * Test hooks for the obsidian stub: temporary vaults, loading plugins, running commands, and
 * answering modals through their DOM the way a clinician would (typing, clicking, pressing Enter).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as nodePath from "node:path";
import manifestJson from "../../manifest.json";
import { App, Modal, SuggestModal, Tasks, dom, notices, openModals, type Plugin, type PluginManifest } from "./obsidian-stub";

export const MANIFEST: PluginManifest = { ...manifestJson, dir: undefined };

export interface TestVault {
	dir: string;
	app: App;
	cleanup(): Promise<void>;
}

/** A fresh vault in a real temporary folder. */
export async function createTestVault(prefix = "cv-vault-"): Promise<TestVault> {
	const dir = await mkdtemp(nodePath.join(tmpdir(), prefix));
	const app = new App(dir);
	return {
		dir,
		app,
		cleanup: async () => {
			await app.workspace.settle();
			app.close();
			await rm(dir, { recursive: true, force: true });
		},
	};
}

/** Loads a plugin and waits for its (async) onload. */
export async function loadPlugin(plugin: Plugin): Promise<void> {
	plugin.load();
	await plugin.loading;
}

export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => dom.window.setTimeout(resolve, ms));
}

/** Polls until `probe` returns something truthy (or throws after the timeout, naming `what`). */
export async function waitFor<T>(
	probe: () => T | null | undefined | false | Promise<T | null | undefined | false>,
	what: string,
	timeoutMs = 15_000,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value) return value;
		if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
		await sleep(5);
	}
}

/** Runs a command by its full id ("clinical-vault:unlock"); false when missing or unavailable. */
export function runCommand(app: App, id: string): boolean {
	return app.commands.executeCommandById(id);
}

export function commandIds(app: App): string[] {
	return [...app.commands.commands.keys()].sort();
}

export function findModal(cls: string): Modal | undefined {
	return openModals.find((modal) => modal.modalEl.hasClass(cls));
}

export function waitForModal(cls: string): Promise<Modal> {
	return waitFor(() => findModal(cls), `a modal with class ${cls}`);
}

export function waitForModalClosed(modal: Modal): Promise<true> {
	return waitFor(() => !openModals.includes(modal), "the modal to close");
}

function input(modal: Modal, name: string): HTMLInputElement {
	const el = modal.contentEl.querySelector(`input[name="${name}"]`);
	if (!(el instanceof dom.classes.HTMLInputElement)) throw new Error(`No input named ${name} in the modal`);
	return el;
}

/** Types into a named field (sets the value and fires an input event). */
export function setField(modal: Modal, name: string, value: string): HTMLInputElement {
	const el = input(modal, name);
	el.value = value;
	el.dispatchEvent(new dom.classes.Event("input", { bubbles: true }));
	return el;
}

export function pressKey(el: HTMLElement, key: string, init: KeyboardEventInit = {}): KeyboardEvent {
	const event = new dom.classes.KeyboardEvent("keydown", { key, bubbles: true, cancelable: true, ...init });
	el.dispatchEvent(event);
	return event;
}

export function pressEnter(el: HTMLElement): void {
	pressKey(el, "Enter");
}

export function buttonIn(root: HTMLElement, text: string): HTMLButtonElement {
	const button = Array.from(root.querySelectorAll("button")).find((b) => b.textContent === text);
	if (!button) throw new Error(`No button "${text}"`);
	return button;
}

/** Clicks a button by its text; refuses a disabled one, as a real click would do nothing. */
export function clickButton(modal: Modal, text: string): void {
	const button = buttonIn(modal.modalEl, text);
	if (button.disabled) throw new Error(`Button "${text}" is disabled`);
	button.click();
}

export function clickToggle(modal: Modal, index = 0): void {
	const toggle = modal.contentEl.querySelectorAll(".checkbox-container")[index];
	if (!(toggle instanceof dom.classes.HTMLElement)) throw new Error("No toggle in the modal");
	toggle.click();
}

export function modalError(modal: Modal): string {
	return modal.contentEl.querySelector(".clinical-vault-modal-error")?.textContent ?? "";
}

/** Picks the suggestion whose text contains `text` in an open suggest modal. */
export async function chooseSuggestion(modal: Modal, text: string): Promise<void> {
	if (!(modal instanceof SuggestModal)) throw new Error("Not a suggest modal");
	await modal.rendering;
	const item = Array.from(modal.resultContainerEl.querySelectorAll(".suggestion-item")).find((el) => (el.textContent ?? "").includes(text));
	if (!(item instanceof dom.classes.HTMLElement)) throw new Error(`No suggestion containing "${text}"`);
	item.click();
}

export async function suggestionTexts(modal: Modal): Promise<string[]> {
	if (!(modal instanceof SuggestModal)) throw new Error("Not a suggest modal");
	await modal.rendering;
	return Array.from(modal.resultContainerEl.querySelectorAll(".suggestion-item")).map((el) => el.textContent ?? "");
}

export function clearNotices(): void {
	notices.length = 0;
}

export function noticeTexts(): string[] {
	return notices.map((n) => n.message);
}

export function waitForNotice(pattern: RegExp): Promise<string> {
	return waitFor(() => notices.find((n) => pattern.test(n.message))?.message, `a notice matching ${String(pattern)}`);
}

/** Obsidian quitting: triggers "quit" and waits for the tasks plugins added. */
export async function quit(app: App): Promise<void> {
	const tasks = new Tasks();
	app.workspace.trigger("quit", tasks);
	await Promise.all(tasks.promises);
}

/** Closes every modal left open (between tests). */
export function closeAllModals(): void {
	for (const modal of [...openModals].reverse()) modal.close();
}

/** Every distinct non-empty text an element showed (a status bar item's progress), until stop(). */
export function watchText(el: () => HTMLElement): { texts: string[]; stop(): void } {
	const texts: string[] = [];
	const observer = new MutationObserver(() => {
		const text = el().textContent ?? "";
		if (text !== "" && texts.at(-1) !== text) texts.push(text);
	});
	observer.observe(el(), { subtree: true, childList: true, characterData: true });
	return { texts, stop: () => observer.disconnect() };
}
