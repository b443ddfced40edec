// @vitest-environment happy-dom
/**
 * "Record session" through the stub on a real temporary vault, with a fake getUserMedia and
 * MediaRecorder installed on the window (the only fakes: there is no microphone here) that emit
 * real webm bytes. Checks the status bar indicator, pause/resume, encrypted checkpoints to one record
 * path, stop, the idle lock that does not fire while recording, a lock that stops and saves first,
 * a failed save kept in memory and saved after the next unlock; and retention of raw audio on unlock.
 */
import { existsSync, promises as fsp } from "node:fs";
import { localDay } from "../../src/core/calendar";
import * as nodePath from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { ManualClock } from "../../src/core/clock";
import { looksEncrypted } from "../../src/core/crypto/fileformat";
import { timestamp } from "../../src/core/transcribe/segments";
import { makeSessionAudio, requireEngines } from "../support/engines";
import {
	chooseSuggestion,
	clearNotices,
	clickButton,
	noticeTexts,
	runCommand,
	setField,
	waitFor,
	waitForModal,
	waitForNotice,
} from "../support/obsidian-harness";
import { dom } from "../support/obsidian-stub";
import {
	PASSPHRASE,
	PLUGIN_ID,
	addClient,
	recordConsent,
	decryptWithCore,
	readVaultFile,
	session,
	setUpRecord,
	startPlugin,
	unlock,
	type Harness,
} from "./helpers";

const MINUTE = 60_000;

class FakeTrack {
	stopped = false;
	stop(): void {
		this.stopped = true;
	}
}

/** A MediaRecorder that emits the chunks the test hands it, as Blobs, like the browser's. */
class FakeMediaRecorder extends EventTarget {
	static last: FakeMediaRecorder | null = null;
	static isTypeSupported(type: string): boolean {
		return type.startsWith("audio/webm");
	}
	state: "inactive" | "recording" | "paused" = "inactive";
	readonly mimeType: string;
	timeslice: number | undefined;

	constructor(
		readonly stream: { getTracks(): FakeTrack[] },
		options: { mimeType?: string },
	) {
		super();
		this.mimeType = options.mimeType ?? "";
		FakeMediaRecorder.last = this;
	}
	start(timeslice?: number): void {
		this.timeslice = timeslice;
		this.state = "recording";
	}
	pause(): void {
		if (this.state === "recording") this.state = "paused";
	}
	resume(): void {
		if (this.state === "paused") this.state = "recording";
	}
	stop(): void {
		this.state = "inactive";
		dom.window.setTimeout(() => this.dispatchEvent(new dom.classes.Event("stop")), 0);
	}
	emit(bytes: Uint8Array): void {
		const event = new dom.classes.Event("dataavailable");
		Object.defineProperty(event, "data", { value: new Blob([new Uint8Array(bytes)], { type: this.mimeType }) });
		this.dispatchEvent(event);
	}
}

let webm: Uint8Array;
let chunks: Uint8Array[];
let h: Harness;
let clock: ManualClock;
let track: FakeTrack;
let constraints: MediaStreamConstraints[];

beforeAll(async () => {
	requireEngines();
	webm = (await makeSessionAudio(1, ["webm"])).files.webm!;
	const third = Math.floor(webm.length / 3);
	chunks = [webm.slice(0, third), webm.slice(third, 2 * third), webm.slice(2 * third)];
});

beforeEach(async () => {
	clearNotices();
	track = new FakeTrack();
	constraints = [];
	FakeMediaRecorder.last = null;
	const stream = { getTracks: () => [track] };
	Object.defineProperty(window, "MediaRecorder", { value: FakeMediaRecorder, configurable: true, writable: true });
	Object.defineProperty(window.navigator, "mediaDevices", {
		value: {
			getUserMedia: (c: MediaStreamConstraints) => {
				constraints.push(c);
				return Promise.resolve(stream);
			},
		},
		configurable: true,
	});
	clock = new ManualClock("2026-09-01T09:00:00Z");
	h = await startPlugin({ clock });
	await setUpRecord(h);
	await addClient(h, "C-0142", "Synthetic Person");
	await recordConsent(h, "C-0142");
});

afterEach(async () => {
	vi.restoreAllMocks();
	await h.cleanup();
	Reflect.deleteProperty(window, "MediaRecorder");
	Reflect.deleteProperty(window.navigator, "mediaDevices");
});

afterAll(() => {
	chunks = [];
});

function indicator(): HTMLElement {
	const el = h.app.statusBarEl.querySelector(".clinical-vault-recording-status");
	if (!(el instanceof dom.classes.HTMLElement)) throw new Error("no recording indicator");
	return el;
}

function indicatorText(): string {
	return indicator().querySelector(".clinical-vault-recording-text")?.textContent ?? "";
}

const today = () => localDay(new Date("2026-09-01T09:00:00Z"));
const audioPath = () => `C-0142/audio/${today()}.webm`;
const storePath = () => `Clinical/${audioPath()}.cvault`;

async function startRecording(): Promise<FakeMediaRecorder> {
	h.run("record-session");
	await chooseSuggestion(await waitForModal("clinical-vault-client-modal"), "C-0142");
	await h.idle();
	const recorder = FakeMediaRecorder.last;
	if (!recorder) throw new Error("no MediaRecorder was created");
	return recorder;
}

/** The recording so far, as the core decrypts it from the vault folder. */
async function stored(): Promise<Uint8Array> {
	return decryptWithCore(h.dir, audioPath());
}

describe("record session", () => {
	it("records with a visible indicator, pauses and resumes, checkpoints encrypted to one path, and saves at stop", async () => {
		expect(runCommand(h.app, `${PLUGIN_ID}:stop-recording`)).toBe(false);
		expect(indicator().hasClass("clinical-vault-hidden")).toBe(true);
		expect(indicator().textContent).toBe("");

		const recorder = await startRecording();
		expect(constraints[0]?.audio).toBeTruthy();
		expect(recorder.mimeType).toBe("audio/webm;codecs=opus");
		expect(recorder.state).toBe("recording");
		expect(indicator().hasClass("clinical-vault-hidden")).toBe(false);
		expect(indicator().querySelector(".clinical-vault-recording-dot")).not.toBeNull();
		expect(indicatorText()).toBe("Recording 00:00");
		await waitForNotice(/Recording C-0142's session/);

		recorder.emit(chunks[0]!);
		clock.advance(30_000);
		h.run("pause-or-resume-recording");
		await h.idle();
		expect(recorder.state).toBe("paused");
		expect(indicatorText()).toBe("Paused 00:30");
		expect(indicator().querySelector("[aria-label='Resume recording']")).not.toBeNull();
		clock.advance(10 * MINUTE);
		expect(indicatorText()).toBe("Paused 00:30");
		h.run("pause-or-resume-recording");
		await h.idle();
		expect(recorder.state).toBe("recording");
		expect(indicatorText()).toBe("Recording 00:30");

		// The clock moves on; the status bar item redraws every second.
		clock.advance(2 * MINUTE);
		await waitFor(() => indicatorText() === `Recording ${timestamp(150)}`, "the indicator to tick", 3000);

		// The next chunk after the checkpoint interval writes an encrypted checkpoint.
		expect(existsSync(nodePath.join(h.dir, storePath()))).toBe(false);
		recorder.emit(chunks[1]!);
		await waitFor(() => existsSync(nodePath.join(h.dir, storePath())), "the checkpoint");
		await session(h).idle();
		const onDisk = await readVaultFile(h, storePath());
		expect(looksEncrypted(onDisk)).toBe(true);
		expect(onDisk.includes(Buffer.from(chunks[0]!.subarray(100, 164)))).toBe(false);
		expect(Buffer.from(await stored()).equals(Buffer.concat(chunks.slice(0, 2)))).toBe(true);

		recorder.emit(chunks[2]!);
		h.run("stop-recording");
		const offer = await waitForModal("clinical-vault-confirm-modal");
		expect(offer.contentEl.textContent).toContain(audioPath());
		clickButton(offer, "Not now");
		await h.idle();

		expect(Buffer.from(await stored()).equals(Buffer.from(webm))).toBe(true);
		expect(track.stopped).toBe(true);
		expect(indicator().hasClass("clinical-vault-hidden")).toBe(true);
		expect(indicator().textContent).toBe("");
		expect(runCommand(h.app, `${PLUGIN_ID}:stop-recording`)).toBe(false);
		// One recording file: the checkpoint was overwritten in place, not duplicated.
		const entries = await session(h).record.list({ client: "C-0142" });
		expect(entries.map((e) => e.recordPath).filter((p) => p.includes("/audio/"))).toEqual([audioPath()]);
		const audit = (await session(h).record.audit.entries()).filter((e) => e.path === audioPath()).map((e) => e.action);
		expect(audit).toEqual(["import", "modify"]);
	});

	it("counts as activity for the idle lock: an hour of recording does not lock; idle time restarts when it stops", async () => {
		const idle = h.plugin.idleLock;
		if (!idle) throw new Error("no idle lock");
		const recorder = await startRecording();
		recorder.emit(webm);
		clock.advance(60 * MINUTE);
		expect(await idle.check()).toBe(false);
		expect(session(h).isUnlocked).toBe(true);
		expect(recorder.state).toBe("recording");

		h.run("stop-recording");
		clickButton(await waitForModal("clinical-vault-confirm-modal"), "Not now");
		await h.idle();
		expect(Buffer.from(await stored()).equals(Buffer.from(webm))).toBe(true);
		clock.advance(14 * MINUTE);
		expect(await idle.check()).toBe(false);
		clock.advance(MINUTE);
		expect(await idle.check()).toBe(true);
		expect(session(h).isUnlocked).toBe(false);
	});

	it("an explicit lock during a recording stops it and saves it (encrypted) before the keys go", async () => {
		const recorder = await startRecording();
		recorder.emit(webm);
		h.run("lock");
		await h.idle();
		expect(session(h).isUnlocked).toBe(false);
		expect(recorder.state).toBe("inactive");
		expect(track.stopped).toBe(true);
		await waitForNotice(/recording was stopped and saved, encrypted, as C-0142\/audio\//);
		expect(Buffer.from(await stored()).equals(Buffer.from(webm))).toBe(true);
	});

	it("keeps a recording whose save failed in memory and saves it after the next unlock", async () => {
		const recorder = await startRecording();
		recorder.emit(chunks[0]!);
		clock.advance(3 * MINUTE);
		recorder.emit(chunks[1]!);
		await waitFor(() => existsSync(nodePath.join(h.dir, storePath())), "the checkpoint");
		await session(h).idle();

		// The disk fills up: writes into the audio folder fail (the plugin writes the vault's folder with Node's fs).
		const open = fsp.open.bind(fsp);
		const full = vi.spyOn(fsp, "open").mockImplementation((...args: Parameters<typeof fsp.open>) => {
			if (String(args[0]).includes(`${nodePath.sep}audio${nodePath.sep}`) && args[1] === "w")
				return Promise.reject(Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" }));
			return open(...args);
		});
		recorder.emit(chunks[2]!);
		h.run("lock");
		await h.idle();
		expect(session(h).isUnlocked).toBe(false);
		await waitForNotice(/could not be saved: Could not write .*the disk is full.*kept in memory only/);
		expect(indicatorText()).toBe("Recording not saved");
		expect(runCommand(h.app, `${PLUGIN_ID}:record-session`)).toBe(true);
		await waitForNotice(/previous recording is still unsaved/);
		// The checkpoint is intact; the rest is only in memory.
		expect(Buffer.from(await stored()).equals(Buffer.concat(chunks.slice(0, 2)))).toBe(true);

		full.mockRestore();
		clearNotices();
		h.run("unlock");
		const modal = await waitForModal("clinical-vault-passphrase-modal");
		setField(modal, "passphrase", PASSPHRASE);
		clickButton(modal, "Unlock");
		const offer = await waitForModal("clinical-vault-confirm-modal");
		expect(offer.titleEl.textContent).toBe("Save unsaved recording");
		clickButton(offer, "Save recording");
		await waitFor(() => noticeTexts().some((n) => n.startsWith("Recording saved")), "the save");
		clickButton(await waitForModal("clinical-vault-confirm-modal"), "Not now");
		await h.idle();
		expect(Buffer.from(await stored()).equals(Buffer.from(webm))).toBe(true);
		expect(indicator().hasClass("clinical-vault-hidden")).toBe(true);
		expect(runCommand(h.app, `${PLUGIN_ID}:save-unsaved-recording`)).toBe(false);
	});
});

describe("retention on unlock", () => {
	it("deletes a recording whose note was signed 25 hours earlier and keeps the others", async () => {
		clock.set("2026-09-02T09:00:00Z");
		const record = session(h).record;
		const note = (date: string, signedAt: string | null) =>
			`---\nsession_date: ${date}\n${signedAt ? `status: signed\nsigned_at: ${signedAt}\n` : "status: draft\n"}---\nSynthetic note.\n`;
		await record.writeText("C-0142/notes/2026-08-31.md", note("2026-08-31", "2026-09-01T08:00:00Z"));
		await record.writeText("C-0142/notes/2026-09-01.md", note("2026-09-01", "2026-09-01T10:00:00Z"));
		await record.writeText("C-0142/notes/2026-09-02.md", note("2026-09-02", null));
		for (const date of ["2026-08-31", "2026-09-01", "2026-09-02"]) await record.write(`C-0142/audio/${date}.webm`, chunks[0]!);
		await session(h).lock();
		clearNotices();

		await unlock(h);
		await waitForNotice(/Deleted 1 session recording whose note was signed more than 24 hours ago/);
		expect(existsSync(nodePath.join(h.dir, "Clinical/C-0142/audio/2026-08-31.webm.cvault"))).toBe(false);
		expect(await record.exists("C-0142/audio/2026-09-01.webm")).toBe(true);
		expect(await record.exists("C-0142/audio/2026-09-02.webm")).toBe(true);
		expect(await record.exists("C-0142/notes/2026-08-31.md")).toBe(true);
		const deletion = (await record.audit.entries()).find((e) => e.action === "delete");
		expect(deletion?.path).toBe("C-0142/audio/2026-08-31.webm");

		// Negative hours keep everything, however long ago the note was signed.
		h.plugin.settings.audioRetentionHours = -1;
		clock.advance(30 * 24 * 60 * MINUTE);
		await session(h).lock();
		await unlock(h);
		expect(await record.exists("C-0142/audio/2026-09-01.webm")).toBe(true);
	});
});
