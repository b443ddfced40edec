/**
 * Recording consent in the core, on a real temporary folder with real WebCrypto: the consent block
 * round-trips through the encrypted profile leaving every other byte of it alone; bad input and a
 * damaged block are refused with nothing changed; TranscriptionService refuses to import or
 * transcribe without consent (nothing written, no audio read); a revoke erases exactly the
 * client's audio and transcripts (the erased bytes no longer decrypt), is audit-logged, resumes
 * after an interruption, and leaves no transcript when a transcription is running.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { Cancelled, ClinicalVaultError } from "../../src/core/errors";
import { encodeWav, WHISPER_RATE } from "../../src/core/audio/pcm";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import {
	DEFAULT_CONSENT_SCOPE,
	consentErasure,
	readConsent,
	requireRecordingConsent,
	revokeConsent,
	setConsent,
	withConsent,
	type ConsentRecord,
} from "../../src/core/record/consent";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import type { TranscribeJob, Transcriber } from "../../src/core/transcribe/Transcriber";
import { TranscriptionService } from "../../src/core/transcribe/TranscriptionService";
import { failure } from "../support/failure";

const PASSPHRASE = "correct horse battery";

/** A NodeFsStore that keeps the last bytes written to each path (to look at what remove left behind). */
class WatchedStore extends NodeFsStore {
	readonly lastWrite = new Map<string, Uint8Array>();
	onRemove: (path: string) => void = () => undefined;
	override async write(path: string, data: Uint8Array): Promise<void> {
		this.lastWrite.set(path, new Uint8Array(data));
		await super.write(path, data);
	}
	override async remove(path: string): Promise<void> {
		await super.remove(path);
		this.onRemove(path);
	}

	/** Crypto-erasure overwrites the key block in place: what the file holds after it is its last write. */
	override async overwrite(path: string, offset: number, data: Uint8Array): Promise<void> {
		await super.overwrite(path, offset, data);
		this.lastWrite.set(path, await this.read(path));
	}
}

let base: string;
let store: WatchedStore;
let record: ClinicalRecord;
let clock: ManualClock;

beforeEach(async () => {
	base = await mkdtemp(join(tmpdir(), "cv-consent-"));
	store = new WatchedStore(base);
	clock = new ManualClock("2026-09-10T12:00:00Z");
	record = new ClinicalRecord({ store, clock });
	await record.init(PASSPHRASE, { kdf: floorKdfParams() });
	await record.addClient({ code: "C-0142", name: "Synthetic Person", modality: "ifs", details: { phone: "555-0100" } });
	await record.addClient({ code: "C-0900", name: "Avery Fictional" });
});

afterEach(async () => {
	await rm(base, { recursive: true, force: true });
});

function fileOnDisk(recordPath: string): Promise<Buffer> {
	return readFile(join(base, record.layout.storePath(recordPath)));
}

/** 8 s mono WAV: silence, a 4 s tone the voice detector counts as speech, silence. */
function toneWav(): Uint8Array {
	const samples = new Float32Array(8 * WHISPER_RATE);
	for (let i = 0; i < 4 * WHISPER_RATE; i++) samples[2 * WHISPER_RATE + i] = 0.3 * Math.sin((2 * Math.PI * 300 * i) / WHISPER_RATE);
	return encodeWav({ sampleRate: WHISPER_RATE, channels: [samples] });
}

/** An engine that reports each call and answers only when `release()` is called (or aborts when cancelled). */
class GatedEngine implements Transcriber {
	readonly engine = "cli" as const;
	readonly model = "gated-fake";
	calls = 0;
	private opened: () => void = () => undefined;
	readonly started = new Promise<void>((resolve) => (this.opened = resolve));
	private gate: () => void = () => undefined;
	private readonly released = new Promise<void>((resolve) => (this.gate = resolve));
	release(): void {
		this.gate();
	}
	async transcribe(job: TranscribeJob) {
		this.calls++;
		this.opened();
		await new Promise<void>((resolve, reject) => {
			if (job.signal?.aborted) reject(new Cancelled());
			job.signal?.addEventListener("abort", () => reject(new Cancelled()), { once: true });
			void this.released.then(resolve);
		});
		return [{ start: 2, end: 6, text: "Synthetic words." }];
	}
}

function service(engine: Transcriber): TranscriptionService {
	return new TranscriptionService({ record, transcriber: engine, decoder: null, clock });
}

describe("the consent record in the profile", () => {
	it("round-trips yes, no and a replacement, keeping every other byte of the profile; audit notes are short", async () => {
		const profilePath = record.layout.profilePath("C-0142");
		const original = await record.readText(profilePath, "internal");
		// A profile the clinician edited by hand: a comment, their own field, their own body.
		const edited = original
			.replace("---\n# Client profile", "---\n# Client profile (edited)\n\nPrefers afternoon sessions.")
			.replace("\n---\n", "\n# kept comment\nreferral: 'self'\n---\n");
		await record.writeText(profilePath, edited);
		expect(await readConsent(record, "C-0142")).toBeNull();

		const yes = await setConsent(record, "C-0142", { recording: "yes", date: "2026-09-01", scope: "Audio of sessions, transcribed on this computer" });
		expect(yes).toEqual({
			recording: "yes",
			date: "2026-09-01",
			scope: "Audio of sessions, transcribed on this computer",
			recordedAt: "2026-09-10T12:00:00.000Z",
		});
		expect(await readConsent(record, "C-0142")).toEqual(yes);
		const afterYes = await record.readText(profilePath, "internal");
		// Everything before the consent block and the whole body are byte-for-byte as they were.
		const front = edited.slice(0, edited.indexOf("\n---\n"));
		expect(afterYes.startsWith(`${front}\nconsent:\n  recording: yes\n  date: 2026-09-01\n`)).toBe(true);
		expect(afterYes.slice(afterYes.indexOf("\n---\n"))).toBe(edited.slice(edited.indexOf("\n---\n")));
		expect(await record.readProfile("C-0142", "internal")).toMatchObject({
			code: "C-0142",
			name: "Synthetic Person",
			modality: "ifs",
			details: { phone: "555-0100" },
		});

		clock.advance(60_000);
		const no = await setConsent(record, "C-0142", { recording: "no", date: "2026-09-10" });
		expect(no.scope).toBe(DEFAULT_CONSENT_SCOPE);
		const afterNo = await record.readText(profilePath, "internal");
		expect(afterNo.match(/^consent:/gm)).toHaveLength(1);
		expect(afterNo.replace(/\nconsent:\n(?: {2}.*\n)+/, "\n")).toBe(edited);
		expect(await readConsent(record, "C-0142")).toEqual(no);
		// The other client is untouched.
		expect(await readConsent(record, "C-0900")).toBeNull();

		const consentEntries = (await record.audit.entries()).filter((e) => e.action === "consent");
		expect(consentEntries.map((e) => [e.path, e.note])).toEqual([
			["C-0142/profile.md", "recording yes, dated 2026-09-01"],
			["C-0142/profile.md", "recording no, dated 2026-09-10"],
		]);
		expect(JSON.stringify(consentEntries)).not.toContain("transcribed on this computer");
	});

	it("refuses bad input with a clear message and changes nothing", async () => {
		const profile = await fileOnDisk("C-0142/profile.md");
		const cases: [Parameters<typeof setConsent>[2], RegExp][] = [
			[{ recording: "maybe" as "yes", date: "2026-09-01" }, /"yes" or "no", not "maybe"/],
			[{ recording: "yes", date: "01/09/2026" }, /not a date; give the day consent was given as YYYY-MM-DD/],
			[{ recording: "yes", date: "2026-02-30" }, /not a date/],
			[{ recording: "yes", date: "2026-09-20" }, /in the future/],
			[{ recording: "yes", date: "2026-09-01", scope: "   " }, /scope is empty/],
			[{ recording: "yes", date: "2026-09-01", scope: "one\ntwo" }, /one line/],
			[{ recording: "yes", date: "2026-09-01", scope: "x".repeat(301) }, /keep it under 300/],
		];
		for (const [input, message] of cases) {
			const error = await failure(() => setConsent(record, "C-0142", input));
			expect(error.code).toBe("invalid-input");
			expect(error.message).toMatch(message);
		}
		expect((await failure(() => setConsent(record, "C-9999", { recording: "yes", date: "2026-09-01" }))).message).toBe("There is no client C-9999.");
		expect(Buffer.compare(await fileOnDisk("C-0142/profile.md"), profile)).toBe(0);
		expect((await record.audit.entries()).some((e) => e.action === "consent")).toBe(false);
	});

	it("a damaged consent block is an error, never read as consent", async () => {
		const profilePath = record.layout.profilePath("C-0142");
		const text = await record.readText(profilePath, "internal");
		await record.writeText(profilePath, text.replace("\n---\n", "\nconsent:\n  recording: perhaps\n  date: 2026-09-01\n---\n"));
		const error = await failure(() => requireRecordingConsent(record, "C-0142"));
		expect(error.message).toMatch(/consent in C-0142\/profile\.md is damaged \(recording is not yes or no\)/);
		// Recording consent again repairs it.
		await setConsent(record, "C-0142", { recording: "yes", date: "2026-09-01" });
		expect((await requireRecordingConsent(record, "C-0142")).recording).toBe("yes");
	});

	it("withConsent refuses a frontmatter it cannot edit safely", () => {
		const consent: ConsentRecord = { recording: "yes", date: "2026-09-01", scope: "s", recordedAt: "2026-09-01T00:00:00.000Z" };
		expect(() => withConsent("no frontmatter", consent, "C-0142/profile.md")).toThrow(/no frontmatter block/);
		// A quoted "consent" key the splice does not recognise would become a duplicate: refused, not guessed.
		expect(() => withConsent('---\ncode: C-0142\nname: N\n"consent": old\n---\nbody', consent, "C-0142/profile.md")).toThrow(ClinicalVaultError);
		// A multi-line consent value is replaced whole, and the body is kept as it is.
		expect(withConsent("---\ncode: C-0142\nconsent:\n  recording: no\n  date: 2026-01-01\nname: N\n---\nbody\n", consent, "C-0142/profile.md")).toBe(
			"---\ncode: C-0142\nname: N\nconsent:\n  recording: yes\n  date: 2026-09-01\n  scope: s\n  recorded_at: 2026-09-01T00:00:00.000Z\n---\nbody\n",
		);
		// A profile edited on Windows keeps CRLF throughout: no mixed line ends.
		expect(withConsent("---\r\ncode: C-0142\r\nconsent:\r\n  recording: no\r\nname: N\r\n---\r\nbody\r\n", consent, "C-0142/profile.md")).toBe(
			"---\r\ncode: C-0142\r\nname: N\r\nconsent:\r\n  recording: yes\r\n  date: 2026-09-01\r\n  scope: s\r\n  recorded_at: 2026-09-01T00:00:00.000Z\r\n---\r\nbody\r\n",
		);
	});
});

describe("recording and transcription refuse without consent", () => {
	it("importing and transcribing are refused before any audio is written or read", async () => {
		const engine = new GatedEngine();
		const svc = service(engine);
		const wav = toneWav();
		const before = await record.list({ client: "C-0142" });

		const none = await failure(() => svc.importAudio("C-0142", wav, "session.wav", "2026-09-01"));
		expect(none.code).toBe("refused");
		expect(none.message).toBe(
			'No recording consent is on file for C-0142. Record the client\'s consent first ("Record consent" in Obsidian, or clinical-vault consent <vault> --client C-0142 --recording yes); nothing was recorded or imported.',
		);
		expect(await record.list({ client: "C-0142" })).toEqual(before);

		// A recording that got into the record some other way is not read.
		await record.write("C-0142/audio/2026-09-01.wav", wav, { action: "import" });
		const opensBefore = (await record.audit.entries()).filter((e) => e.action === "open").length;
		const refused = await failure(() => svc.transcribe({ client: "C-0142", audioPath: "C-0142/audio/2026-09-01.wav", sessionDate: "2026-09-01" }));
		expect(refused.message).toMatch(/^No recording consent is on file for C-0142\..*; nothing was transcribed\.$/);
		expect((await record.audit.entries()).filter((e) => e.action === "open").length).toBe(opensBefore);

		await setConsent(record, "C-0142", { recording: "no", date: "2026-09-01" });
		expect(
			(await failure(() => svc.transcribe({ client: "C-0142", audioPath: "C-0142/audio/2026-09-01.wav", sessionDate: "2026-09-01" }))).message,
		).toMatch(/^C-0142 did not consent to recording \(consent on file dated 2026-09-01\)\. .* if that has changed; nothing was transcribed\.$/);
		// Another client's consent does not count, and audio of another client is refused.
		await setConsent(record, "C-0900", { recording: "yes", date: "2026-09-01" });
		expect(
			(await failure(() => svc.transcribe({ client: "C-0900", audioPath: "C-0142/audio/2026-09-01.wav", sessionDate: "2026-09-01" }))).message,
		).toMatch(/is not a recording of C-0900/);
		expect(engine.calls).toBe(0);
		expect((await record.list({ client: "C-0142" })).map((e) => e.recordPath).filter((p) => p.includes("transcripts/"))).toEqual([]);
	});
});

describe("revoking consent", () => {
	async function populate(): Promise<{ erase: string[]; keep: string[]; other: string[] }> {
		for (const code of ["C-0142", "C-0900"]) await setConsent(record, code, { recording: "yes", date: "2026-09-01" });
		const wav = toneWav();
		const erase = [
			"C-0142/attachments/phone-memo.m4a",
			"C-0142/audio/2026-09-01.wav",
			"C-0142/audio/2026-09-08.webm",
			"C-0142/transcripts/2026-09-01.md",
			"C-0142/transcripts/2026-09-08.md",
		];
		const keep = [
			"C-0142/attachments/referral.pdf",
			"C-0142/notes/2026-09-01.md",
			"C-0142/summaries/2026-09-01.md",
			"C-0142/drafts/2026-09-08.md",
			"C-0142/profile.md",
		];
		const other = ["C-0900/audio/2026-09-02.wav", "C-0900/transcripts/2026-09-02.md", "C-0900/notes/2026-09-02.md", "C-0900/profile.md"];
		for (const path of [...erase, ...keep, ...other]) {
			if (path.endsWith("profile.md")) continue;
			if (/\.(wav|webm|m4a)$/.test(path)) await record.write(path, wav);
			else await record.writeText(path, `Synthetic ${path}\n`);
		}
		return { erase, keep, other };
	}

	it("erases exactly the client's audio and transcripts, unrecoverably, keeps the notes and other clients, and audit-logs it", async () => {
		const { erase, keep, other } = await populate();
		const otherBytes = await Promise.all(other.map((p) => fileOnDisk(p)));
		expect(await consentErasure(record, "C-0142")).toEqual({
			audio: erase.filter((p) => !p.includes("transcripts/")),
			transcripts: erase.filter((p) => p.includes("transcripts/")),
		});
		let hookRan = false;
		clock.set("2026-09-12T08:00:00Z");
		const result = await revokeConsent(record, "C-0142", { cancelRunning: () => Promise.resolve(void (hookRan = true)) });
		expect(hookRan).toBe(true);
		expect([...result.erased].sort()).toEqual([...erase].sort());
		expect(result.consent).toMatchObject({ recording: "yes", date: "2026-09-01", revokedAt: "2026-09-12T08:00:00.000Z" });

		for (const path of erase) {
			const storePath = record.layout.storePath(path);
			expect(await store.exists(storePath)).toBe(false);
			// What the erase wrote last, put back, no longer decrypts: the key block was destroyed.
			const last = store.lastWrite.get(storePath);
			expect(last).toBeDefined();
			await store.write(storePath, last!);
			expect((await failure(() => record.read(path, "internal"))).code).toBe("integrity");
			await store.remove(storePath);
		}
		for (const path of keep) expect(await record.exists(path)).toBe(true);
		expect(await Promise.all(other.map((p) => fileOnDisk(p)))).toEqual(otherBytes);
		expect(await readConsent(record, "C-0900")).toMatchObject({ recording: "yes" });

		const entries = await record.audit.entries();
		const revoked = entries.findIndex((e) => e.action === "consent" && e.note === "recording revoked");
		expect(revoked).toBeGreaterThan(-1);
		const deletes = entries.slice(revoked).filter((e) => e.action === "delete");
		expect(deletes.map((e) => e.path).sort()).toEqual([...erase].sort());
		expect(deletes.every((e) => e.note === "consent revoked")).toBe(true);

		// Now refused, with the date it was revoked.
		expect((await failure(() => requireRecordingConsent(record, "C-0142"))).message).toMatch(/^C-0142 revoked recording consent on 2026-09-12\./);
		// New consent after a revoke is a new record.
		await setConsent(record, "C-0142", { recording: "yes", date: "2026-09-12" });
		expect((await readConsent(record, "C-0142"))?.revokedAt).toBeUndefined();
	});

	it("is resumable: an interrupted revoke is finished by running it again, without a second consent change", async () => {
		const { erase } = await populate();
		const controller = new AbortController();
		let removed = 0;
		store.onRemove = (path) => {
			if (path.endsWith(".cvault") && ++removed === 2) controller.abort();
		};
		await expect(revokeConsent(record, "C-0142", { signal: controller.signal })).rejects.toBeInstanceOf(Cancelled);
		store.onRemove = () => undefined;
		const left = await consentErasure(record, "C-0142");
		expect(left.audio.length + left.transcripts.length).toBe(erase.length - 2);
		// Nothing can be recorded meanwhile: consent is already marked revoked.
		await expect(requireRecordingConsent(record, "C-0142")).rejects.toThrow(/revoked recording consent/);

		const again = await revokeConsent(record, "C-0142");
		expect(again.erased).toHaveLength(erase.length - 2);
		expect(await consentErasure(record, "C-0142")).toEqual({ audio: [], transcripts: [] });
		const third = await revokeConsent(record, "C-0142");
		expect(third.erased).toEqual([]);
		expect((await record.audit.entries()).filter((e) => e.action === "consent" && e.note === "recording revoked")).toHaveLength(1);
	});

	it("with a transcription running: the cancel hook stops it first and no transcript is left", async () => {
		await setConsent(record, "C-0142", { recording: "yes", date: "2026-09-01" });
		const engine = new GatedEngine();
		const svc = service(engine);
		const audioPath = await svc.importAudio("C-0142", toneWav(), "session.wav", "2026-09-01");
		const controller = new AbortController();
		const running = svc.transcribe({ client: "C-0142", audioPath, sessionDate: "2026-09-01", signal: controller.signal });
		const outcome = running.then(
			() => "saved",
			(error: unknown) => error,
		);
		await engine.started;
		const result = await revokeConsent(record, "C-0142", {
			cancelRunning: async () => {
				controller.abort();
				await outcome;
			},
		});
		expect(await outcome).toBeInstanceOf(Cancelled);
		expect(result.erased).toEqual([audioPath]);
		expect(await record.list({ client: "C-0142" })).toEqual([expect.objectContaining({ recordPath: "C-0142/profile.md" })]);
	});

	it("with a transcription running elsewhere (no hook): the transcript is refused at the save", async () => {
		await setConsent(record, "C-0142", { recording: "yes", date: "2026-09-01" });
		const engine = new GatedEngine();
		const svc = service(engine);
		const audioPath = await svc.importAudio("C-0142", toneWav(), "session.wav", "2026-09-01");
		const running = svc.transcribe({ client: "C-0142", audioPath, sessionDate: "2026-09-01" });
		const outcome = running.then(
			() => null,
			(error: unknown) => error,
		);
		await engine.started;
		expect((await revokeConsent(record, "C-0142")).erased).toEqual([audioPath]);
		engine.release();
		const error = await outcome;
		expect(error).toBeInstanceOf(ClinicalVaultError);
		expect((error as ClinicalVaultError).message).toMatch(/^C-0142 revoked recording consent on 2026-09-10\..*; the transcript was not saved\.$/);
		expect((await record.list({ client: "C-0142" })).map((e) => e.recordPath)).toEqual(["C-0142/profile.md"]);
	});
});
