/**
 * Transcription end to end on the real engines (whisper.cpp built from source, the random-weight
 * tiny.en model, ffmpeg, espeak-ng speech). The model's words are gibberish, so these tests check
 * structure and behaviour, never accuracy. Fakes cover what the real engine cannot be made to do.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmod, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { setConsent } from "../../src/core/record/consent";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { systemClock } from "../../src/core/clock";
import { Cancelled } from "../../src/core/errors";
import { splitFrontmatter } from "../../src/core/markdown/frontmatter";
import { parseTranscriptLines } from "../../src/core/transcribe/transcript";
import { TranscriptionService, type TranscriptionProgress } from "../../src/core/transcribe/TranscriptionService";
import type { Transcriber } from "../../src/core/transcribe/Transcriber";
import { WhisperCliTranscriber } from "../../src/engines/whisperCli";
import { OpenAiCompatibleTranscriber, WhisperServerTranscriber } from "../../src/engines/serverTranscribers";
import { FfmpegDecoder } from "../../src/engines/ffmpegDecoder";
import { sweepPrivateDirs } from "../../src/engines/privateTemp";
import { expectSameBytes } from "../support/bytes";
import { makeSessionAudio, requireEngines, whisperCli, whisperModel, whisperServer } from "../support/engines";

let base: string;
let tempRoot: string;
let record: ClinicalRecord;
let audio: { files: Record<string, Uint8Array>; seconds: number };

beforeAll(async () => {
	requireEngines();
	base = await mkdtemp(join(tmpdir(), "cv-engines-"));
	tempRoot = join(base, "tmp");
	await import("node:fs/promises").then((fs) => fs.mkdir(tempRoot));
	record = new ClinicalRecord({ store: new NodeFsStore(join(base, "vault")) });
	await record.init("correct horse battery", { kdf: floorKdfParams() });
	await record.addClient({ code: "C-0142", name: "Synthetic Person" });
	// Recording consent is part of setting up a client for recording (transcription refuses without it).
	await setConsent(record, "C-0142", { recording: "yes", date: "2026-09-01" });
	audio = await makeSessionAudio(1);
});

afterAll(async () => {
	await rm(base, { recursive: true, force: true });
});

function service(transcriber: Transcriber, decoder: FfmpegDecoder | null = new FfmpegDecoder("ffmpeg"), windowSeconds?: number): TranscriptionService {
	return new TranscriptionService({ record, transcriber, decoder, clock: systemClock, ...(windowSeconds ? { windowSeconds } : {}) });
}

const cli = (extra: Partial<ConstructorParameters<typeof WhisperCliTranscriber>[0]> = {}) =>
	new WhisperCliTranscriber({ binary: whisperCli, model: whisperModel, threads: 2, tempRoot, extraArgs: ["-bs", "1", "-bo", "1"], ...extra });

async function privateDirsLeft(): Promise<string[]> {
	return (await readdir(tempRoot)).filter((n) => n.startsWith("clinical-vault-"));
}

function checkTimeline(segments: { start: number; end: number }[], seconds: number): void {
	expect(segments.length).toBeGreaterThan(0);
	let previous = 0;
	for (const s of segments) {
		expect(s.start).toBeGreaterThanOrEqual(previous);
		expect(s.end).toBeGreaterThanOrEqual(s.start);
		expect(s.end).toBeLessThanOrEqual(seconds + 0.05);
		previous = s.start;
	}
}

describe("whisper-cli, real engine", () => {
	for (const format of ["wav", "webm", "m4a"]) {
		it(`transcribes a two-voice ${format} session into an encrypted transcript`, async () => {
			const svc = service(cli());
			const audioPath = await svc.importAudio("C-0142", audio.files[format]!, `session.${format}`, "2026-09-01");
			const progress: TranscriptionProgress[] = [];
			const result = await svc.transcribe({ client: "C-0142", audioPath, sessionDate: "2026-09-01", onProgress: (p) => progress.push(p) });

			expect(result.durationSeconds).toBeGreaterThan(audio.seconds - 0.2);
			expect(result.durationSeconds).toBeLessThan(audio.seconds + 0.2);
			expect(result.speakerLabels).toBe("channels");
			const markdown = await record.readText(result.transcriptPath);
			const { data } = splitFrontmatter(markdown);
			expect(data).toMatchObject({
				kind: "transcript",
				client: "C-0142",
				session_date: "2026-09-01",
				audio: audioPath,
				engine: "cli",
				model: "ggml-tiny.en-random.bin",
				speaker_labels: "channels",
			});
			expect(data.audio_file_id).toBe((await record.header(audioPath)).fileId);
			checkTimeline(result.segments, result.durationSeconds);
			expect(parseTranscriptLines(markdown)).toHaveLength(result.segments.length);
			expect(progress[0]!.stage).toBe("decoding");
			expect(progress.at(-1)).toMatchObject({ stage: "saving", fraction: 1 });
			for (let i = 1; i < progress.length; i++) expect(progress[i]!.fraction).toBeGreaterThanOrEqual(progress[i - 1]!.fraction);
			expect(await privateDirsLeft()).toEqual([]);
		});
	}

	it("cancel kills the process and leaves nothing on disk", async () => {
		const long = await makeSessionAudio(4, ["wav"]);
		// A wav needs no ffmpeg (decoding is tested above): the time goes to what is under test.
		const svc = service(cli(), null);
		const audioPath = await svc.importAudio("C-0142", long.files.wav!, "long.wav", "2026-09-02");
		const controller = new AbortController();
		const running = svc.transcribe({ client: "C-0142", audioPath, sessionDate: "2026-09-02", signal: controller.signal });
		// Abort once whisper-cli is running (its private directory exists).
		for (let i = 0; i < 200 && (await privateDirsLeft()).length === 0; i++) await sleep(25);
		expect(await privateDirsLeft()).toHaveLength(1);
		controller.abort();
		await expect(running).rejects.toBeInstanceOf(Cancelled);
		expect(await privateDirsLeft()).toEqual([]);
		expect(spawnSync("pgrep", ["-f", tempRoot]).stdout.toString().trim()).toBe("");
		expect(await record.exists("C-0142/transcripts/2026-09-02.md")).toBe(false);
		expectSameBytes(await record.read(audioPath), long.files.wav!);
	});
});

describe("whisper-server, real engine", () => {
	let server: ChildProcess;
	let url: string;

	beforeAll(async () => {
		const port = await new Promise<number>((resolve) => {
			const s = http.createServer().listen(0, "127.0.0.1", () => {
				const p = (s.address() as AddressInfo).port;
				s.close(() => resolve(p));
			});
		});
		url = `http://127.0.0.1:${port}`;
		server = spawn(whisperServer, ["-m", whisperModel, "--host", "127.0.0.1", "--port", String(port), "-t", "2", "-nf", "-bs", "1", "-bo", "1"], {
			stdio: "ignore",
		});
		for (let i = 0; i < 100; i++) {
			const up = await new Promise<boolean>((resolve) => http.get(url, (res) => (res.resume(), resolve(true))).on("error", () => resolve(false)));
			if (up) return;
			await sleep(100);
		}
		throw new Error("whisper-server did not start");
	});

	afterAll(() => {
		server.kill("SIGKILL");
	});

	it("transcribes through POST /inference with the audio sent from memory", async () => {
		const svc = service(new WhisperServerTranscriber({ url, policy: { allowlist: [] } }));
		const audioPath = await svc.importAudio("C-0142", audio.files.webm!, "session.webm", "2026-09-03");
		const result = await svc.transcribe({ client: "C-0142", audioPath, sessionDate: "2026-09-03" });
		checkTimeline(result.segments, result.durationSeconds);
		const { data } = splitFrontmatter(await record.readText(result.transcriptPath));
		expect(data.engine).toBe("server");
	});
});

describe("failures the real engine cannot be made to show (fakes)", () => {
	async function fakeBinary(name: string, script: string): Promise<string> {
		const path = join(base, name);
		await writeFile(path, `#!/bin/sh\n${script}\n`);
		await chmod(path, 0o755);
		return path;
	}

	async function expectKeptAndClean(svc: TranscriptionService, date: string, message: RegExp): Promise<void> {
		const audioPath = await svc.importAudio("C-0142", audio.files.wav!, "session.wav", date);
		await expect(svc.transcribe({ client: "C-0142", audioPath, sessionDate: date })).rejects.toThrow(message);
		expectSameBytes(await record.read(audioPath), audio.files.wav!);
		expect(await record.exists(`C-0142/transcripts/${date}.md`)).toBe(false);
		expect(await privateDirsLeft()).toEqual([]);
	}

	it("an engine that crashes midway: clear message, recording kept, no temp files", async () => {
		const crash = await fakeBinary("crash-cli", 'head -c 1000 >/dev/null; echo "whisper_full: failed" >&2; kill -SEGV $$');
		await expectKeptAndClean(service(cli({ binary: crash })), "2026-10-01", /whisper-cli stopped with signal SIGSEGV/);
	});

	it("an engine that writes malformed JSON: clear message, recording kept", async () => {
		const bad = await fakeBinary(
			"bad-json-cli",
			'cat >/dev/null; while [ $# -gt 0 ]; do if [ "$1" = "-of" ]; then out="$2"; fi; shift; done; printf "{\\"transcription\\": [" > "$out.json"',
		);
		await expectKeptAndClean(service(cli({ binary: bad })), "2026-10-02", /not valid JSON/);
	});

	// One case per test: each imports and decodes the recording with ffmpeg, a few seconds on 2 busy cores.
	it("a missing binary names the setting to fix", async () => {
		await expectKeptAndClean(
			service(cli({ binary: join(base, "nope", "whisper-cli") })),
			"2026-10-03",
			/whisper-cli program was not found at .*Set its path/,
		);
	});

	it("a missing model names the setting to fix", async () => {
		await expectKeptAndClean(service(cli({ model: join(base, "ggml-missing.bin") })), "2026-10-04", /whisper model file was not found/);
	});

	describe("a server that is down, slow, failing or malformed: clear message, recording kept", () => {
		const behaviours: Record<string, (res: http.ServerResponse) => void> = {
			"/slow": () => undefined,
			"/fail": (res) => res.writeHead(500).end("model not loaded"),
			"/garbage": (res) => res.writeHead(200, { "content-type": "application/json" }).end("{oops"),
		};
		const fake = http.createServer((req, res) => {
			req.resume();
			req.on("end", () => behaviours[`/${(req.url ?? "").split("/")[1]}`]?.(res));
		});
		const at = (p: string) => `http://127.0.0.1:${(fake.address() as AddressInfo).port}${p}`;
		beforeAll(async () => {
			await new Promise<void>((r) => fake.listen(0, "127.0.0.1", r));
		});
		afterAll(() => {
			fake.closeAllConnections();
			fake.close();
		});

		it("down", async () => {
			const closed = `http://127.0.0.1:${await new Promise<number>((resolve) => {
				const s = http.createServer().listen(0, "127.0.0.1", () => {
					const p = (s.address() as AddressInfo).port;
					s.close(() => resolve(p));
				});
			})}`;
			await expectKeptAndClean(
				service(new WhisperServerTranscriber({ url: closed, policy: { allowlist: [] } })),
				"2026-10-05",
				/nothing is listening there/,
			);
		});

		it("slow", async () => {
			await expectKeptAndClean(
				service(new WhisperServerTranscriber({ url: at("/slow"), policy: { allowlist: [] }, timeoutMs: 300 })),
				"2026-10-06",
				/did not answer in time/,
			);
		});

		it("failing", async () => {
			await expectKeptAndClean(
				service(new WhisperServerTranscriber({ url: at("/fail"), policy: { allowlist: [] } })),
				"2026-10-07",
				/refused the request \(HTTP 500\)/,
			);
		});

		it("malformed", async () => {
			await expectKeptAndClean(service(new WhisperServerTranscriber({ url: at("/garbage"), policy: { allowlist: [] } })), "2026-10-08", /not JSON/);
		});
	});

	it("a non-loopback whisper-server address is refused before anything is sent", async () => {
		await expectKeptAndClean(
			service(new WhisperServerTranscriber({ url: "http://192.0.2.10:8080", policy: { allowlist: [] } })),
			"2026-10-09",
			/Refused to contact 192\.0\.2\.10:8080/,
		);
	});

	it("a non-loopback OpenAI-compatible address is refused before anything is sent", async () => {
		await expectKeptAndClean(
			service(new OpenAiCompatibleTranscriber({ url: "https://api.example.com", policy: { allowlist: [] }, model: "whisper-1" })),
			"2026-10-10",
			/Refused to contact api\.example\.com/,
		);
	});

	it("speaks the OpenAI-compatible /v1/audio/transcriptions API", async () => {
		let seen = "";
		const fake = http.createServer((req, res) => {
			const chunks: Buffer[] = [];
			req.on("data", (c: Buffer) => chunks.push(c));
			req.on("end", () => {
				seen = `${req.method} ${req.url} ${Buffer.concat(chunks).subarray(0, 2000).toString("latin1")}`;
				res.writeHead(200, { "content-type": "application/json" }).end(
					JSON.stringify({ text: "x", segments: [{ start: 0.4, end: 3.1, text: " How has the week been?" }] }),
				);
			});
		});
		await new Promise<void>((r) => fake.listen(0, "127.0.0.1", r));
		try {
			const svc = service(
				new OpenAiCompatibleTranscriber({
					url: `http://127.0.0.1:${(fake.address() as AddressInfo).port}`,
					policy: { allowlist: [] },
					model: "Systran/faster-whisper-small.en",
				}),
			);
			const audioPath = await svc.importAudio("C-0142", audio.files.wav!, "session.wav", "2026-10-11");
			const result = await svc.transcribe({ client: "C-0142", audioPath, sessionDate: "2026-10-11" });
			expect(result.segments.map((s) => s.text)).toEqual(["How has the week been?"]);
			expect(seen).toMatch(/^POST \/v1\/audio\/transcriptions /);
			expect(seen).toContain('name="model"\r\n\r\nSystran/faster-whisper-small.en');
			expect(seen).toContain('name="response_format"\r\n\r\nverbose_json');
			expect(seen).toContain('filename="audio.wav"');
		} finally {
			fake.close();
		}
	});

	it("unreadable, empty and undecodable audio get clear messages", async () => {
		const svc = service(cli());
		await expect(svc.importAudio("C-0142", new Uint8Array(0), "empty.webm", "2026-10-12")).rejects.toThrow(/empty \(zero bytes\)/);
		await expect(svc.importAudio("C-0142", new Uint8Array([1, 2, 3]), "notes.docx", "2026-10-12")).rejects.toThrow(/not a recording/);
		const junk = await svc.importAudio("C-0142", crypto.getRandomValues(new Uint8Array(4096)), "junk.webm", "2026-10-12");
		await expect(svc.transcribe({ client: "C-0142", audioPath: junk, sessionDate: "2026-10-12" })).rejects.toThrow(/could not be decoded/);
		const noFfmpeg = service(cli(), null);
		const webm = await noFfmpeg.importAudio("C-0142", audio.files.webm!, "session.webm", "2026-10-12");
		await expect(noFfmpeg.transcribe({ client: "C-0142", audioPath: webm, sessionDate: "2026-10-12" })).rejects.toThrow(/needs ffmpeg/);
		expectSameBytes(await record.read(webm), audio.files.webm!);
	});

	it("sweeps private directories left by a crashed process, but not a live one's", async () => {
		const dead = join(tempRoot, "clinical-vault-dead");
		await import("node:fs/promises").then(async (fs) => {
			await fs.mkdir(dead, { mode: 0o700 });
			await fs.writeFile(join(dead, "owner.pid"), "999999");
			await fs.writeFile(join(dead, "result.json"), "plaintext transcript");
		});
		const live = join(tempRoot, "clinical-vault-live");
		const sleeper = spawn("sleep", ["30"]);
		await import("node:fs/promises").then(async (fs) => {
			await fs.mkdir(live, { mode: 0o700 });
			await fs.writeFile(join(live, "owner.pid"), String(sleeper.pid));
		});
		try {
			expect(await sweepPrivateDirs(tempRoot)).toBe(1);
			expect(await privateDirsLeft()).toEqual(["clinical-vault-live"]);
		} finally {
			sleeper.kill();
			await rm(live, { recursive: true, force: true });
		}
	});
});
