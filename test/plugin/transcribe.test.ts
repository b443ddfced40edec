// @vitest-environment happy-dom
/**
 * "Transcribe audio" through the stub on a real temporary vault, with the REAL whisper-cli and model
 * (test/support/engines.ts) and the real ffmpeg on the PATH: a plaintext webm linked from a note is
 * confirmed, encrypted into the record, checked and removed (not trashed), transcribed with progress
 * in the status bar, and the transcript opens in the encrypted view. Cancel (command and status item)
 * and an engine error keep the recording, write no transcript and leave no temp folder. Temp folders
 * a crash left behind are swept at start-up. The model's words are gibberish: structure, not accuracy.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as nodePath from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { App as ObsidianApp } from "obsidian";
import { looksEncrypted } from "../../src/core/crypto/fileformat";
import { splitFrontmatter } from "../../src/core/markdown/frontmatter";
import { parseTranscriptLines } from "../../src/core/transcribe/transcript";
import { openRecordFile } from "../../src/obsidian/record/EncryptedView";
import { makeSessionAudio, requireEngines, whisperCli, whisperModel } from "../support/engines";
import {
	chooseSuggestion,
	clearNotices,
	clickButton,
	noticeTexts,
	watchText,
	runCommand,
	suggestionTexts,
	waitFor,
	waitForModal,
	waitForNotice,
} from "../support/obsidian-harness";
import {
	activeView,
	addClient,
	recordConsent,
	decryptTextWithCore,
	decryptWithCore,
	readVaultFile,
	session,
	setUpRecord,
	startPlugin,
	type Harness,
} from "./helpers";

let short: Uint8Array;
let long: Uint8Array;
let tmp: string;
let previousTmp: string | undefined;
let h: Harness;

beforeAll(async () => {
	requireEngines();
	const audio = await makeSessionAudio(1, ["webm"]);
	short = audio.files.webm!;
	long = (await makeSessionAudio(4, ["webm"])).files.webm!;
	// The engine's private folders and the start-up sweep use the system temp folder: point it here.
	tmp = await mkdtemp(nodePath.join(tmpdir(), "cv-plugin-tmp-"));
	previousTmp = process.env.TMPDIR;
	process.env.TMPDIR = tmp;
});

afterAll(async () => {
	if (previousTmp === undefined) delete process.env.TMPDIR;
	else process.env.TMPDIR = previousTmp;
	await rm(tmp, { recursive: true, force: true });
});

async function start(): Promise<void> {
	h = await startPlugin();
	await setUpRecord(h);
	await addClient(h, "C-0142", "Synthetic Person");
	await recordConsent(h, "C-0142");
	Object.assign(h.plugin.settings, { transcriptionEngine: "cli", whisperBinary: whisperCli, whisperModel, whisperThreads: 2, ffmpegPath: "" });
}

beforeEach(() => clearNotices());
afterEach(async () => {
	await h.cleanup();
});

async function privateDirs(): Promise<string[]> {
	return (await readdir(tmp)).filter((name) => name.startsWith("clinical-vault-"));
}

function statusItem(): HTMLElement {
	const el = h.app.statusBarEl.querySelector(".clinical-vault-transcription-status");
	if (!(el instanceof HTMLElement)) throw new Error("no transcription status item");
	return el;
}

/** Every text the transcription status item showed. */
function watchStatus(): { texts: string[]; stop(): void } {
	return watchText(statusItem);
}

async function openInView(recordPath: string): Promise<void> {
	await openRecordFile(h.app as unknown as ObsidianApp, session(h), recordPath);
	await h.idle();
}

/** Waits until whisper-cli is running: the status says "Transcribing" and its private folder exists. */
async function waitForEngine(): Promise<void> {
	await waitFor(async () => /^Transcribing/.test(statusItem().textContent ?? "") && (await privateDirs()).length > 0, "whisper-cli to run", 30_000);
}

async function expectKept(recordPath: string, bytes: Uint8Array, transcript: string): Promise<void> {
	expect(Buffer.from(await decryptWithCore(h.dir, recordPath)).equals(Buffer.from(bytes))).toBe(true);
	expect(await session(h).record.exists(transcript)).toBe(false);
	expect(await privateDirs()).toEqual([]);
	expect(spawnSync("pgrep", ["-f", tmp]).stdout.toString().trim()).toBe("");
	expect(statusItem().textContent).toBe("");
}

describe("transcribe audio", () => {
	it("encrypts the webm linked from a note after confirmation, removes the original, transcribes it with progress and opens the transcript", async () => {
		await start();
		await mkdir(nodePath.join(h.dir, "Inbox"));
		await writeFile(nodePath.join(h.dir, "Inbox/Recording 20260901093000.webm"), short);
		const note = await h.app.vault.create("Inbox/Session.md", "# Session\n\n![[Recording 20260901093000.webm]]\n");
		await h.app.workspace.getLeaf(true).openFile(note, { active: true });
		const status = watchStatus();

		h.run("transcribe-audio");
		await chooseSuggestion(await waitForModal("clinical-vault-client-modal"), "C-0142");
		const dateModal = await waitForModal("clinical-vault-session-date-modal");
		expect((dateModal.contentEl.querySelector("input[name=date]") as HTMLInputElement).value).toBe("2026-09-01");
		clickButton(dateModal, "Continue");
		const confirm = await waitForModal("clinical-vault-confirm-modal");
		expect(confirm.contentEl.textContent).toContain("Inbox/Recording 20260901093000.webm");
		expect(confirm.contentEl.textContent).toContain("deleted permanently");
		clickButton(confirm, "Encrypt, delete original and transcribe");
		await h.idle();
		status.stop();

		expect(noticeTexts().filter((n) => /failed|wrong/i.test(n))).toEqual([]);
		// The plaintext original is gone for good (not in .trash); the encrypted copy is byte-identical.
		expect(existsSync(nodePath.join(h.dir, "Inbox/Recording 20260901093000.webm"))).toBe(false);
		expect(existsSync(nodePath.join(h.dir, ".trash"))).toBe(false);
		expect(looksEncrypted(await readVaultFile(h, "Clinical/C-0142/audio/2026-09-01.webm.cvault"))).toBe(true);
		expect(Buffer.from(await decryptWithCore(h.dir, "C-0142/audio/2026-09-01.webm")).equals(Buffer.from(short))).toBe(true);
		await waitForNotice(/Encrypted into the record as C-0142\/audio\/2026-09-01\.webm\. The plaintext original was removed/);

		// The transcript is encrypted markdown that decrypts to a transcript of that recording.
		const transcriptPath = "C-0142/transcripts/2026-09-01.md";
		const markdown = await decryptTextWithCore(h.dir, transcriptPath);
		const { data } = splitFrontmatter(markdown);
		expect(data).toMatchObject({
			kind: "transcript",
			client: "C-0142",
			session_date: "2026-09-01",
			audio: "C-0142/audio/2026-09-01.webm",
			engine: "cli",
			speaker_labels: "channels",
		});
		expect(parseTranscriptLines(markdown).length).toBeGreaterThan(0);
		expect(looksEncrypted(await readVaultFile(h, `Clinical/${transcriptPath}.cvault`))).toBe(true);
		expect(activeView(h).currentRecordPath).toBe(transcriptPath);
		expect(activeView(h).contentEl.textContent).toContain("Transcript, C-0142, 2026-09-01");
		await waitForNotice(/Transcript saved, encrypted, as C-0142\/transcripts\/2026-09-01\.md/);

		// The status bar showed the stages, percent, elapsed time and an estimate, then cleared.
		expect(status.texts[0]).toMatch(/^Decoding audio · \d\d:\d\d$/);
		expect(status.texts.some((t) => /^Transcribing \d{1,3}% · \d\d:\d\d · (about \d\d:\d\d left|estimating time left)$/.test(t))).toBe(true);
		expect(status.texts.some((t) => /^Saving transcript/.test(t))).toBe(true);
		expect(statusItem().textContent).toBe("");
		expect(await privateDirs()).toEqual([]);
	});

	it("cancels from the command and from the status item: the recording stays, no transcript, no temp folder, no engine process", async () => {
		await start();
		const record = session(h).record;
		await record.write("C-0142/audio/2026-09-02.webm", long);
		expect(runCommand(h.app, "clinical-vault:cancel-transcription")).toBe(false);

		// The active encrypted recording is the one transcribed.
		await openInView("C-0142/audio/2026-09-02.webm");
		h.run("transcribe-audio");
		await waitForEngine();
		h.run("cancel-transcription");
		await h.idle();
		await waitForNotice(/Transcription cancelled\. The recording is kept, encrypted, as C-0142\/audio\/2026-09-02\.webm/);
		await expectKept("C-0142/audio/2026-09-02.webm", long, "C-0142/transcripts/2026-09-02.md");

		clearNotices();
		await openInView("C-0142/audio/2026-09-02.webm");
		h.run("transcribe-audio");
		await waitForEngine();
		expect(statusItem().getAttribute("aria-label")).toBe("Cancel transcription");
		statusItem().click();
		await h.idle();
		await waitForNotice(/Transcription cancelled/);
		await expectKept("C-0142/audio/2026-09-02.webm", long, "C-0142/transcripts/2026-09-02.md");

		// A lock stops the transcription before the keys go; the recording stays.
		await openInView("C-0142/audio/2026-09-02.webm");
		h.run("transcribe-audio");
		await waitForEngine();
		h.run("lock");
		await h.idle();
		expect(session(h).isUnlocked).toBe(false);
		await waitForNotice(/Transcription stopped because the record locked/);
		await expectKept("C-0142/audio/2026-09-02.webm", long, "C-0142/transcripts/2026-09-02.md");
	});

	it("an engine error reaches the clinician through the error notice and keeps the recording", async () => {
		await start();
		await session(h).record.write("C-0142/audio/2026-09-03.webm", short);
		h.plugin.settings.whisperModel = nodePath.join(tmp, "ggml-missing.en.bin");

		// No active file: the client's recordings are offered.
		h.run("transcribe-audio");
		await chooseSuggestion(await waitForModal("clinical-vault-client-modal"), "C-0142");
		const picker = await waitForModal("clinical-vault-record-file-modal");
		expect(await suggestionTexts(picker)).toEqual(["C-0142/audio/2026-09-03.webm"]);
		await chooseSuggestion(picker, "2026-09-03");
		await h.idle();
		await waitForNotice(
			/^Transcription failed: The whisper model file was not found at .*ggml-missing\.en\.bin\. .*The recording is kept, encrypted, as C-0142\/audio\/2026-09-03\.webm\.$/,
		);
		await expectKept("C-0142/audio/2026-09-03.webm", short, "C-0142/transcripts/2026-09-03.md");

		// No model at all: engine selection fails before anything happens, through the same funnel.
		clearNotices();
		h.plugin.settings.whisperModel = "";
		await openInView("C-0142/audio/2026-09-03.webm");
		h.run("transcribe-audio");
		await h.idle();
		await waitForNotice(/No whisper model is set/);
	});

	it("sweeps temp folders a crashed session left behind, once the layout is ready", async () => {
		const leftover = nodePath.join(tmp, "clinical-vault-crashed");
		await mkdir(leftover);
		await writeFile(nodePath.join(leftover, "owner.pid"), "99999999");
		await writeFile(nodePath.join(leftover, "result.json"), "{}");
		const live = nodePath.join(tmp, "clinical-vault-live");
		await mkdir(live);
		await writeFile(nodePath.join(live, "owner.pid"), String(process.ppid));
		await start();
		expect(existsSync(leftover)).toBe(false);
		expect(existsSync(live)).toBe(true);
		await rm(live, { recursive: true });
	});
});
