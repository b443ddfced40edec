// @vitest-environment happy-dom
/**
 * Canaries: unique random strings planted in a note (typed in the editor), a client profile (the
 * display name), a plaintext note and an attachment that start as ordinary vault files and are
 * encrypted into the record by the command. After lock, no file anywhere under the vault (config
 * folder, data.json, .trash, dot files included) contains any canary, as UTF-8 or as base64 at any
 * of the three byte alignments; the encrypted record still holds them all. The passphrase and a
 * wrong passphrase typed into the unlock modal are canaries too.
 */
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import * as nodePath from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { randomBytes, toHex } from "../../src/core/bytes";
import { chooseSuggestion, clickButton, setField, waitFor, waitForModal } from "../support/obsidian-harness";
import { dom } from "../support/obsidian-stub";
import { addClient, decryptWithCore, editorOf, newSessionNote, session, setUpRecord, startPlugin, type Harness } from "./helpers";

let h: Harness;
afterEach(async () => {
	await h.cleanup();
});

function canary(label: string): string {
	return `canary-${label}-${toHex(randomBytes(16))}`;
}

/** The byte patterns that reveal a canary: UTF-8 and base64/base64url at each of the 3 alignments. */
function patterns(secret: string): Buffer[] {
	const bytes = Buffer.from(secret, "utf8");
	const out = [bytes];
	for (let shift = 0; shift < 3; shift++) {
		const aligned = bytes.subarray(shift, shift + Math.floor((bytes.length - shift) / 3) * 3);
		out.push(Buffer.from(aligned.toString("base64")), Buffer.from(aligned.toString("base64url")));
	}
	return out;
}

async function allFiles(dir: string): Promise<string[]> {
	const out: string[] = [];
	for (const entry of await readdir(dir, { withFileTypes: true })) {
		const full = nodePath.join(dir, entry.name);
		if (entry.isDirectory()) out.push(...(await allFiles(full)));
		else out.push(full);
	}
	return out;
}

async function encryptVaultFile(name: string, code: string, recordPath: string): Promise<void> {
	h.run("encrypt-into-record");
	await chooseSuggestion(await waitForModal("clinical-vault-file-modal"), name);
	await chooseSuggestion(await waitForModal("clinical-vault-client-modal"), code);
	const pathModal = await waitForModal("clinical-vault-record-path-modal");
	setField(pathModal, "path", recordPath);
	clickButton(pathModal, "Continue");
	clickButton(await waitForModal("clinical-vault-confirm-modal"), "Encrypt and delete original");
	await h.idle();
}

describe("canaries", () => {
	it("leave no trace in any file under the vault after lock", async () => {
		const inNote = canary("note");
		const inProfile = canary("profile");
		const inPlainNote = canary("plain-note");
		const inAttachment = canary("attachment");

		const passphrase = canary("passphrase");
		const wrongPassphrase = canary("wrong-passphrase");

		h = await startPlugin({ autosaveMs: 20 });
		await setUpRecord(h, passphrase);
		await addClient(h, "C-0142", `Synthetic ${inProfile}`, "IFS");

		const view = await newSessionNote(h, "C-0142");
		const editor = editorOf(view);
		editor.type(`# Session\n\n${inNote}\n`);
		h.run("save-encrypted-note");
		await h.idle();
		const notePath = view.currentRecordPath ?? "";
		const dataPath = nodePath.join(h.dir, h.app.vault.configDir, "plugins", "clinical-vault", "data.json");

		await mkdir(nodePath.join(h.dir, "Inbox"), { recursive: true });
		await writeFile(nodePath.join(h.dir, "Inbox/old note.md"), `# Earlier note\n\n${inPlainNote}\n`);
		const audio = Buffer.concat([randomBytes(3000), Buffer.from(inAttachment), randomBytes(3001)]);
		await writeFile(nodePath.join(h.dir, "Inbox/Recording 1.webm"), audio);
		await encryptVaultFile("old note.md", "C-0142", "C-0142/notes/earlier.md");
		await encryptVaultFile("Recording 1.webm", "C-0142", "C-0142/attachments/recording-1.webm");

		// A failed unlock is remembered in data.json (its time only), then cleared by the next unlock.
		await session(h).lock();
		h.run("open-client");
		const unlockModal = await waitForModal("clinical-vault-passphrase-modal");
		setField(unlockModal, "passphrase", wrongPassphrase);
		clickButton(unlockModal, "Unlock");
		await waitFor(async () => (await readFile(dataPath).catch(() => Buffer.alloc(0))).includes("failedUnlocks"), "the failed attempt in data.json");
		setField(unlockModal, "passphrase", passphrase);
		clickButton(unlockModal, "Unlock");
		await chooseSuggestion(await waitForModal("clinical-vault-client-modal"), "C-0142");
		await h.idle();

		h.run("lock");
		await h.idle();
		expect(session(h).isUnlocked).toBe(false);

		const files = await allFiles(h.dir);
		const secrets = [inNote, inProfile, inPlainNote, inAttachment, passphrase, wrongPassphrase];
		expect(files.some((f) => f.includes(`${nodePath.sep}${h.app.vault.configDir}${nodePath.sep}`) && f.endsWith("data.json"))).toBe(true);
		expect(files.some((f) => f.endsWith(".cvlog"))).toBe(true);
		for (const file of files) {
			const bytes = await readFile(file);
			for (const secret of secrets) {
				for (const pattern of patterns(secret)) {
					expect(bytes.includes(pattern), `${nodePath.relative(h.dir, file)} contains ${secret}`).toBe(false);
				}
			}
		}
		expect(dom.document.body.textContent).not.toMatch(/canary-/);
		// Obsidian's local storage holds only this computer's device state (device id, audit anchors):
		// ids, counts and hashes, no canary.
		expect([...h.app.localStorage.keys()]).toEqual(["clinical-vault-device"]);
		const deviceState = JSON.stringify(h.app.localStorage.get("clinical-vault-device"));
		for (const secret of secrets) expect(deviceState).not.toContain(secret);
		expect(Object.keys(JSON.parse(deviceState) as object).sort()).toEqual(["device", "vaults", "version"]);
		expect(dom.window.localStorage.length).toBe(0);
		expect(dom.window.sessionStorage.length).toBe(0);

		// Not vacuous: the record holds every canary, encrypted.
		const text = async (path: string) => Buffer.from(await decryptWithCore(h.dir, path, passphrase)).toString("utf8");
		expect(await text(notePath)).toContain(inNote);
		expect(await text("C-0142/profile.md")).toContain(inProfile);
		expect(await text("C-0142/notes/earlier.md")).toContain(inPlainNote);
		expect(Buffer.from(await decryptWithCore(h.dir, "C-0142/attachments/recording-1.webm", passphrase)).equals(audio)).toBe(true);
	});
});
