// @vitest-environment happy-dom
/**
 * Locking: the command, idle minutes (with a manual clock), quitting and unloading. Every encrypted
 * view saves its pending edit, is emptied and is closed; the keys are dropped; the status bar
 * follows. Also the settings tab that sets the idle minutes.
 */
import { VIEW_TYPE } from "../../src/obsidian/common/viewTypes";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";

import { clearNotices, clickButton, noticeTexts, quit, setField, waitFor, waitForModal } from "../support/obsidian-harness";
import { dom } from "../support/obsidian-stub";
import {
	PASSPHRASE,
	addClient,
	dataJson,
	decryptTextWithCore,
	editorOf,
	newSessionNote,
	session,
	setUpRecord,
	startPlugin,
	views,
	type Harness,
} from "./helpers";

const MINUTE = 60_000;
let h: Harness;

function statusText(): string {
	return h.app.statusBarEl.querySelector(".clinical-vault-status-text")?.textContent ?? "";
}

function statusIcon(): string {
	return h.app.statusBarEl.querySelector(".clinical-vault-status-icon .svg-icon")?.getAttribute("class") ?? "";
}

async function prepare(options: { clock?: ManualClock; idleCheckMs?: number } = {}): Promise<void> {
	h = await startPlugin(options);
	await setUpRecord(h);
	await addClient(h, "C-0142", "Synthetic Person");
	await session(h).record.write("C-0142/attachments/a.m4a", new Uint8Array([1, 2, 3]));
}

async function editNewNote(text: string): Promise<string> {
	const view = await newSessionNote(h, "C-0142");
	const editor = editorOf(view);
	editor.type(text);
	expect(view.isDirty).toBe(true);
	return view.currentRecordPath ?? "";
}

function leavesOfView(): number {
	return h.app.workspace.getLeavesOfType(VIEW_TYPE).length;
}

beforeEach(() => clearNotices());
afterEach(async () => {
	await h.cleanup();
});

describe("locking", () => {
	it("the lock command saves pending edits, empties and closes every encrypted view and drops the keys", async () => {
		await prepare();
		const path = await editNewNote("Unsaved synthetic edit.\n");
		const attachment = h.app.vault.getFileByPath("Clinical/C-0142/attachments/a.m4a.cvault");
		if (!attachment) throw new Error("missing attachment");
		await h.app.workspace.getLeaf(true).openFile(attachment);
		await h.idle();
		const open = views(h);
		expect(open.length).toBeGreaterThanOrEqual(2);
		expect(statusText()).toBe("Record unlocked");
		expect(statusIcon()).toContain("lucide-unlock");

		h.run("lock");
		await h.idle();
		expect(session(h).isUnlocked).toBe(false);
		expect(leavesOfView()).toBe(0);
		for (const view of open) expect(view.contentEl.childElementCount).toBe(0);
		expect(statusText()).toBe("Record locked");
		expect(statusIcon()).toContain("lucide-lock");
		await expect(session(h).record.readText(path)).rejects.toMatchObject({ code: "locked" });
		expect(await decryptTextWithCore(h.dir, path)).toBe("Unsaved synthetic edit.\n");
	});

	it("locks after the idle minutes, counting key, mouse, wheel and touch activity, through the periodic check", async () => {
		const clock = new ManualClock();
		await prepare({ clock, idleCheckMs: 10 });
		const path = await editNewNote("Idle synthetic edit.\n");
		const idle = h.plugin.idleLock;
		if (!idle) throw new Error("no idle lock");
		for (const type of ["keydown", "mousedown", "wheel", "touchstart"]) {
			clock.advance(14 * MINUTE);
			dom.document.body.dispatchEvent(new dom.classes.Event(type, { bubbles: true }));
			expect(await idle.check()).toBe(false);
		}
		expect(session(h).isUnlocked).toBe(true);
		clock.advance(14 * MINUTE + 59_000);
		expect(await idle.check()).toBe(false);
		clock.advance(1_000);
		await waitFor(() => !session(h).isUnlocked, "the periodic idle check to lock");
		await h.idle();
		expect(leavesOfView()).toBe(0);
		expect(await decryptTextWithCore(h.dir, path)).toBe("Idle synthetic edit.\n");
	});

	it("does not idle-lock when the setting is 0, and counts idle time from the unlock", async () => {
		const clock = new ManualClock();
		await prepare({ clock });
		const idle = h.plugin.idleLock;
		if (!idle) throw new Error("no idle lock");
		h.plugin.settings.autoLockMinutes = 0;
		clock.advance(24 * 60 * MINUTE);
		expect(await idle.check()).toBe(false);
		h.plugin.settings.autoLockMinutes = 15;
		await session(h).lock();
		clock.advance(60 * MINUTE);
		await session(h).unlock(PASSPHRASE);
		expect(await idle.check()).toBe(false);
		clock.advance(15 * MINUTE);
		expect(await idle.check()).toBe(true);
		expect(session(h).isUnlocked).toBe(false);
	});

	it("locks when Obsidian quits, after saving", async () => {
		await prepare();
		const path = await editNewNote("Quit synthetic edit.\n");
		await quit(h.app);
		await h.idle();
		expect(session(h).isUnlocked).toBe(false);
		expect(leavesOfView()).toBe(0);
		expect(await decryptTextWithCore(h.dir, path)).toBe("Quit synthetic edit.\n");
	});

	it("locks when the plugin unloads, after saving, and the audit log ends with the lock", async () => {
		await prepare();
		const path = await editNewNote("Unload synthetic edit.\n");
		const record = session(h).record;
		h.plugin.unload();
		await h.idle();
		expect(record.isUnlocked).toBe(false);
		expect(await decryptTextWithCore(h.dir, path)).toBe("Unload synthetic edit.\n");
		const reader = new ClinicalRecord({ store: new NodeFsStore(h.dir) });
		await reader.unlock(PASSPHRASE);
		const actions = (await reader.audit.entries()).map((e) => e.action);
		expect(actions.slice(-3)).toEqual(["modify", "lock", "unlock"]);
		await reader.lock();
	});

	it("a lock that comes while an unlock is still running wins: the record ends locked", async () => {
		await prepare();
		await session(h).lock();
		const unlocking = session(h).unlock(PASSPHRASE);
		await session(h).lock();
		await unlocking;
		expect(session(h).isUnlocked).toBe(false);
		expect(statusText()).toBe("Record locked");
	});

	it("the status bar item locks and asks to unlock", async () => {
		await prepare();
		const item = h.app.statusBarEl.querySelector(".clinical-vault-status") as HTMLElement;
		expect(statusText()).toBe("Record unlocked");
		item.click();
		await h.idle();
		expect(session(h).isUnlocked, noticeTexts().join("; ")).toBe(false);
		expect(statusText()).toBe("Record locked");
		item.click();
		const modal = await waitForModal("clinical-vault-passphrase-modal");
		setField(modal, "passphrase", PASSPHRASE);
		clickButton(modal, "Unlock");
		await waitFor(() => session(h).isUnlocked, "unlock");
		expect(statusText(), noticeTexts().join("; ")).toBe("Record unlocked");
		await h.idle();
	});
});

describe("settings tab", () => {
	it("sets the idle minutes and the clinical folder, validating input, and stores no clinical data", async () => {
		await prepare();
		const tab = h.app.setting.pluginTabs[0];
		if (!tab) throw new Error("no settings tab");
		tab.display();
		const minutes = tab.containerEl.querySelector(".clinical-vault-setting-autoLockMinutes input") as HTMLInputElement;
		const root = tab.containerEl.querySelector(".clinical-vault-setting-clinicalRoot input") as HTMLInputElement;
		expect(minutes.value).toBe("15");
		expect(root.value).toBe("Clinical");
		expect(root.disabled).toBe(true);

		minutes.value = "-3";
		minutes.dispatchEvent(new dom.classes.Event("change"));
		expect(tab.containerEl.querySelector(".clinical-vault-setting-autoLockMinutes .clinical-vault-setting-error")?.textContent).toMatch(/whole minutes/);
		minutes.value = "5";
		minutes.dispatchEvent(new dom.classes.Event("change"));
		await waitFor(async () => (await dataJson(h).catch(() => null))?.autoLockMinutes === 5, "the saved setting");
		expect(h.plugin.settings.autoLockMinutes).toBe(5);

		await session(h).lock();
		tab.display();
		const root2 = tab.containerEl.querySelector(".clinical-vault-setting-clinicalRoot input") as HTMLInputElement;
		expect(root2.disabled).toBe(false);
		root2.value = "../outside";
		root2.dispatchEvent(new dom.classes.Event("change"));
		expect(tab.containerEl.querySelector(".clinical-vault-setting-clinicalRoot .clinical-vault-setting-error")?.textContent).toMatch(/plain folder/);
		root2.value = "Practice/Records";
		root2.dispatchEvent(new dom.classes.Event("change"));
		await waitFor(() => session(h).record.layout.root === "Practice/Records", "the new root");
		const stored = await dataJson(h);
		expect(stored.clinicalRoot).toBe("Practice/Records");
		expect(JSON.stringify(stored)).not.toMatch(/Synthetic|C-0142/);
	});
});
