// @vitest-environment happy-dom
/**
 * The BUILT bundle: main.js is loaded with Node's require, "obsidian" resolving to the stub, then
 * instantiated with the stub App and the real manifest. Its commands register, and set-up, unlock,
 * new client, a note opened in the encrypted view, edit, save and lock run end to end; the file on
 * disk is ciphertext that the core decrypts to the edit, and the view is gone after lock.
 * (`npm test` builds first; run alone, this builds main.js when it is missing or older than src/.)
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import * as nodePath from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { floorKdfParams, type KdfParams } from "../../src/core/crypto/kdf";
import * as stub from "../support/obsidian-stub";
import {
	MANIFEST,
	chooseSuggestion,
	clickButton,
	clickToggle,
	commandIds,
	createTestVault,
	loadPlugin,
	runCommand,
	setField,
	waitFor,
	waitForModal,
	type TestVault,
} from "../support/obsidian-harness";
import { requireWithStub } from "../support/obsidian-require";
import { PASSPHRASE, decryptTextWithCore } from "./helpers";

const ROOT = nodePath.resolve(__dirname, "../..");
const MAIN_JS = nodePath.join(ROOT, "main.js");

interface BuiltPlugin extends stub.Plugin {
	deps: { kdfForSetup: () => Promise<KdfParams>; autosaveMs: number };
	ops: { idle(): Promise<void> };
	session: { isUnlocked: boolean; idle(): Promise<void> } | null;
}

type BuiltModule = { default: new (app: stub.App, manifest: stub.PluginManifest) => BuiltPlugin };

function newestSource(dir: string): number {
	let newest = 0;
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		const full = nodePath.join(dir, entry.name);
		newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : statSync(full).mtimeMs);
	}
	return newest;
}

async function ensureBuilt(): Promise<void> {
	if (existsSync(MAIN_JS) && statSync(MAIN_JS).mtimeMs >= newestSource(nodePath.join(ROOT, "src"))) return;
	const esbuild = await import("esbuild");
	const builtins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
	await esbuild.build({
		absWorkingDir: ROOT,
		entryPoints: ["src/main.ts"],
		outfile: MAIN_JS,
		bundle: true,
		platform: "node",
		format: "cjs",
		target: "es2022",
		minify: true,
		legalComments: "none",
		logLevel: "silent",
		external: ["obsidian", "electron", "@codemirror/*", "@lezer/*", ...builtins],
	});
}

let vault: TestVault;
let plugin: BuiltPlugin;

const run = (id: string) => {
	if (!runCommand(vault.app, `clinical-vault:${id}`)) throw new Error(`command ${id} is not available`);
};
const idle = async () => {
	for (let i = 0; i < 3; i++) {
		await plugin.ops.idle();
		await plugin.session?.idle();
		await vault.app.workspace.settle();
	}
};

beforeAll(async () => {
	await ensureBuilt();
	vault = await createTestVault("cv-built-");
	const PluginClass = requireWithStub<BuiltModule>(MAIN_JS, stub).default;
	plugin = new PluginClass(vault.app, MANIFEST);
	plugin.deps.kdfForSetup = () => Promise.resolve(floorKdfParams());
	await loadPlugin(plugin);
	vault.app.workspace.setLayoutReady();
	await idle();
});

afterAll(async () => {
	plugin.unload();
	await idle();
	await vault.cleanup();
});

describe("built main.js", () => {
	it("is a CommonJS bundle that leaves obsidian external and is not the source", async () => {
		const source = await readFile(MAIN_JS, "utf8");
		expect(source).toMatch(/require\("obsidian"\)/);
		expect(source).not.toMatch(/test\/support/);
		expect(plugin).toBeInstanceOf(stub.Plugin);
	});

	it("registers its commands, view, extension, settings tab and status bar", () => {
		expect(commandIds(vault.app)).toEqual(
			expect.arrayContaining(
				[
					"set-up-record",
					"unlock",
					"lock",
					"new-client",
					"open-client",
					"change-passphrase",
					"encrypt-into-record",
					"verify-record",
					"new-session-note",
					"save-encrypted-note",
				].map((id) => `clinical-vault:${id}`),
			),
		);
		expect(vault.app.viewRegistry.getTypeByExtension("cvault")).toBe("clinical-vault-record");
		expect(vault.app.setting.pluginTabs).toHaveLength(1);
		expect(vault.app.statusBarEl.textContent).toBe("Record locked");
	});

	it("runs set-up, unlock, new client, open, edit, save and lock end to end", async () => {
		run("set-up-record");
		const setup = await waitForModal("clinical-vault-setup-modal");
		setField(setup, "passphrase", PASSPHRASE);
		setField(setup, "repeat", PASSPHRASE);
		clickButton(setup, "Create record");
		const recovery = await waitForModal("clinical-vault-recovery-modal");
		clickToggle(recovery);
		clickButton(recovery, "Done");
		await idle();
		expect(plugin.session?.isUnlocked).toBe(true);

		run("lock");
		await idle();
		expect(plugin.session?.isUnlocked).toBe(false);
		run("unlock");
		const unlock = await waitForModal("clinical-vault-passphrase-modal");
		setField(unlock, "passphrase", PASSPHRASE);
		clickButton(unlock, "Unlock");
		await waitFor(() => plugin.session?.isUnlocked, "unlock");
		expect(vault.app.statusBarEl.textContent).toBe("Record unlocked");

		run("new-client");
		const client = await waitForModal("clinical-vault-new-client-modal");
		setField(client, "code", "C-0142");
		setField(client, "name", "Synthetic Person");
		clickButton(client, "Add client");
		await idle();

		run("new-session-note");
		await chooseSuggestion(await waitForModal("clinical-vault-client-modal"), "C-0142");
		await idle();
		const view = vault.app.workspace.activeLeaf?.view;
		if (!(view instanceof stub.FileView) || !view.file) throw new Error("no encrypted view open");
		expect(view.getViewType()).toBe("clinical-vault-record");
		const storePath = view.file.path;
		expect(storePath).toMatch(/^Clinical\/C-0142\/notes\/\d{4}-\d{2}-\d{2}\.md\.cvault$/);
		// The bundle's own CodeMirror editor (Obsidian's copy at run time; node_modules' here), typed into.
		const editor = (view as unknown as { editor: { state: { doc: { length: number } }; dispatch(spec: object): void } | null }).editor;
		if (!editor || !view.contentEl.querySelector(".clinical-vault-editor .cm-content")) throw new Error("no editor");
		const edit = "# Session\n\nEdited through the built bundle.\n";
		editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: edit }, userEvent: "input.type" });
		run("save-encrypted-note");
		await idle();

		run("lock");
		await idle();
		expect(plugin.session?.isUnlocked).toBe(false);
		expect(vault.app.workspace.getLeavesOfType("clinical-vault-record")).toHaveLength(0);
		expect(view.contentEl.childElementCount).toBe(0);

		const onDisk = await readFile(nodePath.join(vault.dir, storePath));
		expect(onDisk.subarray(0, 6).toString("latin1")).toBe("CVAULT");
		expect(onDisk.includes(Buffer.from("Edited through"))).toBe(false);
		expect(await decryptTextWithCore(vault.dir, storePath.replace(/^Clinical\//, "").replace(/\.cvault$/, ""))).toBe(edit);
	});
});
