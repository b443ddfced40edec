// @vitest-environment happy-dom
/**
 * "Transcribe audio" on a plaintext file in the vault (issue 14, item 9), through the stub on a
 * real temporary vault with the real whisper-cli, model and ffmpeg: a file that is not audio is
 * refused before it is encrypted (the original stays, nothing enters the record); a wrong model is
 * said before any question; a recording cut short is transcribed and both the notice and the
 * transcript say what is missing.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as nodePath from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { splitFrontmatter } from "../../src/core/markdown/frontmatter";
import { makeSessionAudio, requireEngines, whisperCli, whisperModel } from "../support/engines";
import { chooseSuggestion, clearNotices, clickButton, noticeTexts, waitForModal, waitForNotice } from "../support/obsidian-harness";
import { addClient, recordConsent, decryptTextWithCore, session, setUpRecord, startPlugin, type Harness } from "./helpers";

let webm: Uint8Array;
let tmp: string;
let previousTmp: string | undefined;
let h: Harness;

beforeAll(async () => {
	requireEngines();
	webm = (await makeSessionAudio(1, ["webm"])).files.webm!;
	tmp = await mkdtemp(nodePath.join(tmpdir(), "cv-plugin-import-"));
	previousTmp = process.env.TMPDIR;
	process.env.TMPDIR = tmp;
}, 60_000);

afterAll(async () => {
	if (previousTmp === undefined) delete process.env.TMPDIR;
	else process.env.TMPDIR = previousTmp;
	await rm(tmp, { recursive: true, force: true });
});

beforeEach(async () => {
	clearNotices();
	h = await startPlugin();
	await setUpRecord(h);
	await addClient(h, "C-0142", "Synthetic Person");
	await recordConsent(h, "C-0142");
	Object.assign(h.plugin.settings, { transcriptionEngine: "cli", whisperBinary: whisperCli, whisperModel, whisperThreads: 2, ffmpegPath: "" });
});

afterEach(async () => {
	await h.cleanup();
});

/** Puts `bytes` in the vault as Inbox/<name>, links it from a note and opens the note. */
async function linkedFile(name: string, bytes: Uint8Array | string): Promise<string> {
	await mkdir(nodePath.join(h.dir, "Inbox"), { recursive: true });
	await writeFile(nodePath.join(h.dir, "Inbox", name), bytes);
	const note = await h.app.vault.create(`Inbox/${name}.md`, `# Session\n\n![[${name}]]\n`);
	await h.app.workspace.getLeaf(true).openFile(note, { active: true });
	return nodePath.join(h.dir, "Inbox", name);
}

/** Client, date (kept as offered), and the confirmation to encrypt and delete the original. */
async function answerImportQuestions(): Promise<void> {
	await chooseSuggestion(await waitForModal("clinical-vault-client-modal"), "C-0142");
	clickButton(await waitForModal("clinical-vault-session-date-modal"), "Continue");
	clickButton(await waitForModal("clinical-vault-confirm-modal"), "Encrypt, delete original and transcribe");
	await h.idle();
}

async function recordAudio(): Promise<string[]> {
	return (await session(h).record.list({ client: "C-0142" })).map((e) => e.recordPath).filter((p) => p.includes("/audio/"));
}

describe("transcribe audio: a plaintext file is checked before it is encrypted", () => {
	it("a text file named like a recording is refused: the original stays, nothing enters the record", async () => {
		const original = await linkedFile("Recording 20260902.webm", "Notes typed during the session, not a recording.\n".repeat(10));
		h.run("transcribe-audio");
		await answerImportQuestions();
		await waitForNotice(/Recording 20260902\.webm is not a recording: it holds text, not audio\. Is it the right file\? Nothing was imported\./);
		expect(existsSync(original)).toBe(true);
		expect(await recordAudio()).toEqual([]);
		expect(noticeTexts().filter((n) => /Encrypted into the record/.test(n))).toEqual([]);
	});

	it("a wrong model path is said before any question, and the original stays", async () => {
		const original = await linkedFile("Recording 20260903.webm", webm);
		h.plugin.settings.whisperModel = nodePath.join(tmp, "ggml-base.en.bin");
		h.run("transcribe-audio");
		await h.idle();
		await waitForNotice(/The whisper model file was not found at .*ggml-base\.en\.bin\. Set its path in the whisper model setting\./);
		expect(document.querySelector(".clinical-vault-client-modal")).toBeNull();
		expect(existsSync(original)).toBe(true);
		expect(await recordAudio()).toEqual([]);
	});

	it("a recording cut short is transcribed; the notice and the transcript say what is missing", async () => {
		await linkedFile("Recording 20260904.webm", webm.slice(0, Math.floor(webm.length / 2)));
		h.run("transcribe-audio");
		await answerImportQuestions();
		const notice = await waitForNotice(/^Transcript saved, encrypted, as C-0142\/transcripts\/2026-09-04\.md\. Incomplete recording: /);
		const sentence = /The recording ends at \d\d:\d\d though its file says \d\d:\d\d: \d\d:\d\d missing\./.exec(notice)?.[0];
		expect(sentence, notice).toBeDefined();
		expect(notice).toContain("The transcript says so at the top.");
		const markdown = await decryptTextWithCore(h.dir, "C-0142/transcripts/2026-09-04.md");
		expect(splitFrontmatter(markdown).data).toMatchObject({ audio_complete: false });
		expect(markdown).toContain(`> **Incomplete recording.** ${sentence!}`);
	});
});
