// @vitest-environment happy-dom
/**
 * The consent commands through the obsidian stub on a real temporary vault: "Record session" is
 * refused before the microphone is asked for until "Record consent" is saved (the form shows bad
 * input inline and writes nothing); "Revoke recording consent" lists what it erases, then discards
 * a recording in progress without saving it, cancels the REAL whisper-cli transcription running for
 * that client (no transcript, no temp folder, no engine process), closes views of erased files and
 * crypto-erases the client's audio and transcripts while notes and other clients stay. The
 * microphone and MediaRecorder are the only fakes (there is no microphone here).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as nodePath from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { App as ObsidianApp } from "obsidian";
import { ManualClock } from "../../src/core/clock";
import { readConsent } from "../../src/core/record/consent";
import { openRecordFile } from "../../src/obsidian/record/EncryptedView";
import { makeSessionAudio, requireEngines, whisperCli, whisperModel } from "../support/engines";
import {
	chooseSuggestion,
	clearNotices,
	clickButton,
	modalError,
	noticeTexts,
	runCommand,
	setField,
	waitFor,
	waitForModal,
	waitForNotice,
} from "../support/obsidian-harness";
import { dom } from "../support/obsidian-stub";
import { addClient, decryptTextWithCore, recordConsent, session, setUpRecord, startPlugin, views, type Harness } from "../plugin/helpers";

/** A MediaRecorder that emits what the test hands it, as Blobs. */
class FakeRecorder extends EventTarget {
	static last: FakeRecorder | null = null;
	static isTypeSupported(type: string): boolean {
		return type.startsWith("audio/webm");
	}
	state: "inactive" | "recording" | "paused" = "inactive";
	constructor(
		readonly stream: unknown,
		readonly options: { mimeType?: string },
	) {
		super();
		FakeRecorder.last = this;
	}
	start(): void {
		this.state = "recording";
	}
	pause(): void {
		this.state = "paused";
	}
	resume(): void {
		this.state = "recording";
	}
	stop(): void {
		this.state = "inactive";
		dom.window.setTimeout(() => this.dispatchEvent(new dom.classes.Event("stop")), 0);
	}
	emit(bytes: Uint8Array): void {
		const event = new dom.classes.Event("dataavailable");
		Object.defineProperty(event, "data", { value: new Blob([new Uint8Array(bytes)], { type: "audio/webm" }) });
		this.dispatchEvent(event);
	}
}

let h: Harness;
let clock: ManualClock;
let microphone: { asked: number; stopped: boolean };
let tmp: string;
let previousTmp: string | undefined;

beforeAll(async () => {
	tmp = await mkdtemp(nodePath.join(tmpdir(), "cv-consent-tmp-"));
	previousTmp = process.env.TMPDIR;
	process.env.TMPDIR = tmp;
});

afterAll(async () => {
	if (previousTmp === undefined) delete process.env.TMPDIR;
	else process.env.TMPDIR = previousTmp;
	await rm(tmp, { recursive: true, force: true });
});

beforeEach(async () => {
	clearNotices();
	microphone = { asked: 0, stopped: false };
	FakeRecorder.last = null;
	const stream = { getTracks: () => [{ stop: () => void (microphone.stopped = true) }] };
	Object.defineProperty(window, "MediaRecorder", { value: FakeRecorder, configurable: true, writable: true });
	Object.defineProperty(window.navigator, "mediaDevices", {
		value: {
			getUserMedia: () => {
				microphone.asked++;
				return Promise.resolve(stream);
			},
		},
		configurable: true,
	});
	clock = new ManualClock("2026-09-10T09:00:00Z");
	h = await startPlugin({ clock });
	await setUpRecord(h);
	await addClient(h, "C-0142", "Synthetic Person");
	await addClient(h, "C-0900", "Avery Fictional");
});

afterEach(async () => {
	await h.cleanup();
	Reflect.deleteProperty(window, "MediaRecorder");
	Reflect.deleteProperty(window.navigator, "mediaDevices");
});

async function startRecording(): Promise<void> {
	h.run("record-session");
	await chooseSuggestion(await waitForModal("clinical-vault-client-modal"), "C-0142");
	await h.idle();
}

function recordPaths(client: string): Promise<string[]> {
	return session(h)
		.record.list({ client })
		.then((entries) => entries.map((e) => e.recordPath).sort());
}

async function revoke(expectText: RegExp[]): Promise<void> {
	h.run("revoke-recording-consent");
	await chooseSuggestion(await waitForModal("clinical-vault-client-modal"), "C-0142");
	const confirm = await waitForModal("clinical-vault-confirm-modal");
	for (const text of expectText) expect(confirm.contentEl.textContent).toMatch(text);
	clickButton(confirm, "Revoke and erase");
	await h.idle();
}

describe("consent in the plugin", () => {
	it("refuses to record before the microphone is opened until consent is recorded; the form refuses bad input inline", async () => {
		await startRecording();
		await waitForNotice(
			/^No recording consent is on file for C-0142\. Record the client's consent first .*; the microphone was not opened and nothing was recorded\.$/,
		);
		expect(microphone.asked).toBe(0);
		expect(FakeRecorder.last).toBeNull();
		expect(await recordPaths("C-0142")).toEqual(["C-0142/profile.md"]);

		h.run("record-consent");
		await chooseSuggestion(await waitForModal("clinical-vault-client-modal"), "C-0142");
		const form = await waitForModal("clinical-vault-consent-modal");
		expect(form.contentEl.textContent).toContain("No recording consent is on file for C-0142 yet.");
		expect((form.contentEl.querySelector("input[name=date]") as HTMLInputElement).value).toBe("2026-09-10");
		setField(form, "date", "10.09.2026");
		clickButton(form, "Save consent");
		await waitFor(() => modalError(form) !== "", "the inline error");
		expect(modalError(form)).toMatch(/"10\.09\.2026" is not a date/);
		expect(await readConsent(session(h).record, "C-0142")).toBeNull();
		setField(form, "date", "2026-09-09");
		clickButton(form, "Save consent");
		await h.idle();
		await waitForNotice(/Recording consent for C-0142 saved: yes, dated 2026-09-09\./);
		expect(await decryptTextWithCore(h.dir, "C-0142/profile.md")).toMatch(/\nconsent:\n {2}recording: yes\n {2}date: 2026-09-09\n/);

		clearNotices();
		await startRecording();
		expect(microphone.asked).toBe(1);
		expect(FakeRecorder.last?.state).toBe("recording");
		await waitForNotice(/Recording C-0142's session/);

		// Declining is recorded too, and refused again (the running recording is stopped first).
		FakeRecorder.last!.emit(new Uint8Array([1, 2, 3, 4]));
		h.run("stop-recording");
		clickButton(await waitForModal("clinical-vault-confirm-modal"), "Not now");
		await h.idle();
		await recordConsent(h, "C-0142", "no");
		clearNotices();
		await startRecording();
		await waitForNotice(/^C-0142 did not consent to recording \(consent on file dated 2026-09-10\)/);
		expect(microphone.asked).toBe(1);
	});

	it("revoking with a recording in progress discards it unsaved and erases the client's audio and transcripts, keeping notes and other clients", async () => {
		await recordConsent(h, "C-0142");
		await recordConsent(h, "C-0900");
		const record = session(h).record;
		await record.writeText("C-0142/transcripts/2026-09-01.md", "---\nkind: transcript\n---\n[00:01] Synthetic words.\n");
		await record.writeText("C-0142/notes/2026-09-01.md", "---\nsession_date: 2026-09-01\n---\nSynthetic note.\n");
		await record.write("C-0142/attachments/memo.ogg", new Uint8Array([9, 9, 9]));
		await record.write("C-0900/audio/2026-09-02.webm", new Uint8Array([7, 7, 7]));
		await record.writeText("C-0900/transcripts/2026-09-02.md", "[00:01] Other synthetic words.\n");
		const otherBefore = await recordPaths("C-0900");
		await openRecordFile(h.app as unknown as ObsidianApp, session(h), "C-0142/transcripts/2026-09-01.md");
		await h.idle();
		expect(views(h).some((v) => v.currentRecordPath === "C-0142/transcripts/2026-09-01.md")).toBe(true);

		// A recording whose first checkpoint is already in the record.
		await startRecording();
		const recorder = FakeRecorder.last!;
		recorder.emit(new Uint8Array([1, 2, 3]));
		clock.advance(3 * 60_000);
		recorder.emit(new Uint8Array([4, 5, 6]));
		await waitFor(async () => (await recordPaths("C-0142")).includes("C-0142/audio/2026-09-10.webm"), "the checkpoint");
		await session(h).idle();

		await revoke([
			/C-0142's recording consent will be marked revoked\./,
			/2 recordings and 1 transcript will be crypto-erased/,
			/The recording of this client now in progress is stopped and discarded without saving\./,
			/Session notes, summaries and drafts are kept: they are the clinical record\./,
		]);
		await waitForNotice(
			/^Recording consent for C-0142 revoked\. Crypto-erased 2 recordings and 1 transcript \(audit-logged\)\. Session notes, summaries and drafts were kept\.$/,
		);
		expect(microphone.stopped).toBe(true);
		expect(runCommand(h.app, "clinical-vault:stop-recording")).toBe(false);
		expect(runCommand(h.app, "clinical-vault:save-unsaved-recording")).toBe(false);
		expect(await recordPaths("C-0142")).toEqual(["C-0142/notes/2026-09-01.md", "C-0142/profile.md"]);
		expect(await recordPaths("C-0900")).toEqual(otherBefore);
		expect(views(h).some((v) => v.currentRecordPath === "C-0142/transcripts/2026-09-01.md")).toBe(false);
		expect(h.app.statusBarEl.querySelector(".clinical-vault-recording-status")?.classList.contains("clinical-vault-hidden")).toBe(true);
		// No "could not be saved" / unsaved-recording message: the discarded recording was never meant to be saved.
		expect(noticeTexts().filter((n) => /not be saved|unsaved|failed|Recording saved/i.test(n))).toEqual([]);
		const audit = await record.audit.entries();
		expect(
			audit
				.filter((e) => e.note === "consent revoked")
				.map((e) => e.path)
				.sort(),
		).toEqual(["C-0142/attachments/memo.ogg", "C-0142/audio/2026-09-10.webm", "C-0142/transcripts/2026-09-01.md"]);
		expect((await readConsent(record, "C-0142"))?.revokedAt).toBe("2026-09-10T09:03:00.000Z");
		expect((await readConsent(record, "C-0900"))?.revokedAt).toBeUndefined();

		// Running it again finds nothing left.
		h.run("revoke-recording-consent");
		await chooseSuggestion(await waitForModal("clinical-vault-client-modal"), "C-0142");
		await waitForNotice(/C-0142's recording consent is already revoked, and no recordings or transcripts are left\./);
	});

	it("revoking while the real whisper-cli transcribes that client cancels it: no transcript, no temp folder, no engine process", async () => {
		requireEngines();
		const long = (await makeSessionAudio(4, ["wav"])).files.wav!;
		Object.assign(h.plugin.settings, { transcriptionEngine: "cli", whisperBinary: whisperCli, whisperModel, whisperThreads: 2, ffmpegPath: "" });
		await recordConsent(h, "C-0142");
		const record = session(h).record;
		await record.write("C-0142/audio/2026-09-02.wav", long);
		await openRecordFile(h.app as unknown as ObsidianApp, session(h), "C-0142/audio/2026-09-02.wav");
		await h.idle();
		h.run("transcribe-audio");
		const status = () => h.app.statusBarEl.querySelector(".clinical-vault-transcription-status")?.textContent ?? "";
		const privateDirs = async () => (await readdir(tmp)).filter((name) => name.startsWith("clinical-vault-"));
		await waitFor(async () => /^Transcribing/.test(status()) && (await privateDirs()).length > 0, "whisper-cli to run", 30_000);

		await revoke([/1 recording and 0 transcripts will be crypto-erased/, /The transcription running for this client is cancelled\./]);
		await waitForNotice(/^Transcription stopped: C-0142's recording consent was revoked\. No transcript was saved\.$/);
		await waitForNotice(/Crypto-erased 1 recording and 0 transcripts/);
		expect(await recordPaths("C-0142")).toEqual(["C-0142/profile.md"]);
		expect(existsSync(nodePath.join(h.dir, "Clinical/C-0142/transcripts"))).toBe(false);
		expect(await privateDirs()).toEqual([]);
		expect(spawnSync("pgrep", ["-f", tmp]).stdout.toString().trim()).toBe("");
		expect(status()).toBe("");
	});
});
