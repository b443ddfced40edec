/** `clinical-vault transcribe` and `retention` through the CLI (Ctrl-C: the built CLI as a child process), on the real whisper.cpp engine. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { makeSessionAudio, requireEngines, whisperCli, whisperModel } from "../support/engines";
import { cli, ensureBuilt, hashTree, makeVault, removeDir, writeTemp, type TestVault } from "./support";

let v: TestVault;
let wav: string;
let webm: string;
const engine = ["--engine", "cli", "--whisper-bin", whisperCli, "--model", whisperModel];

beforeAll(async () => {
	requireEngines();
	await ensureBuilt();
	v = await makeVault(["C-0142"]);
	// Recording consent is part of setting up a client for recording (transcription refuses without it).
	const consent = await cli(["consent", v.vault, "--client", "C-0142", "--recording", "yes", "--date", "2026-09-01"]);
	if (consent.code !== 0) throw new Error(`consent failed: ${consent.stderr}`);
	const audio = await makeSessionAudio(1, ["wav", "webm"]);
	wav = await writeTemp(v.dir, "session.wav", audio.files.wav!);
	webm = await writeTemp(v.dir, "session.webm", audio.files.webm!);
});

afterAll(async () => {
	await removeDir(v.dir);
});

describe("clinical-vault transcribe", () => {
	it("encrypts the recording, transcribes it, prints the transcript path and reports progress on stderr", async () => {
		const r = await cli(["transcribe", v.vault, "--client", "C-0142", "--audio", webm, "--date", "2026-09-01", ...engine]);
		expect(r.stderr).toContain("Encrypted session.webm into the record as C-0142/audio/2026-09-01.webm");
		expect(r.code).toBe(0);
		expect(r.out).toBe("C-0142/transcripts/2026-09-01.md\n");
		expect(r.stderr).toMatch(/transcribing\s+\d+%\s+elapsed \d\d:\d\d/);
		expect(r.stderr).toMatch(/saving 100%/);
		const cat = await cli(["cat", v.vault, "C-0142/transcripts/2026-09-01.md"]);
		expect(cat.out).toMatch(/^---\nkind: transcript\nclient: C-0142\nsession_date: 2026-09-01\naudio: C-0142\/audio\/2026-09-01.webm\n/);
		expect(cat.out).toMatch(/\n\[00:\d\d\] \*\*(Therapist|Client):\*\* |\n\[00:\d\d\] /);
		const ls = await cli(["ls", v.vault, "--client", "C-0142"]);
		expect(ls.out.split("\n")).toEqual(expect.arrayContaining(["C-0142/audio/2026-09-01.webm", "C-0142/transcripts/2026-09-01.md"]));
	});

	it("transcribes a recording already in the record, with engine defaults from the plugin's settings", async () => {
		// Any hidden top-level folder is a config folder to the CLI (Obsidian lets users rename it).
		const settingsDir = join(v.vault, ".vault-config", "plugins", "clinical-vault");
		await mkdir(settingsDir, { recursive: true });
		await writeFile(join(settingsDir, "data.json"), JSON.stringify({ transcriptionEngine: "cli", whisperBinary: whisperCli, whisperModel }));
		const r = await cli(["transcribe", v.vault, "--client", "C-0142", "--audio", "C-0142/audio/2026-09-01.webm", "--date", "2026-09-01"]);
		expect(r.code).toBe(0);
		expect(r.out).toBe("C-0142/transcripts/2026-09-01-2.md\n");
	});

	it("refuses bad input clearly and changes nothing", async () => {
		const before = await hashTree(v.vault);
		const cases: [string[], number, RegExp][] = [
			[["transcribe", v.vault, "--audio", wav], 2, /needs --client/],
			[["transcribe", v.vault, "--client", "C-0142"], 2, /needs --audio/],
			[["transcribe", v.vault, "--client", "C-0142", "--audio", wav, "--date", "01/09/2026"], 2, /not a date/],
			[["transcribe", v.vault, "--client", "C-0142", "--audio", wav, "--engine", "cloud"], 2, /--engine must be/],
			[["transcribe", v.vault, "--client", "C-9999", "--audio", wav], 1, /no client C-9999/],
			[["transcribe", v.vault, "--client", "C-0142", "--audio", "C-0142/audio/nope.webm"], 1, /neither a file nor a recording/],
			[
				["transcribe", v.vault, "--client", "C-0142", "--audio", wav, "--engine", "server", "--server", "http://192.168.1.50:8080"],
				1,
				/Refused to contact 192\.168\.1\.50:8080/,
			],
			[
				[
					"transcribe",
					v.vault,
					"--client",
					"C-0142",
					"--audio",
					wav,
					"--engine",
					"cli",
					"--whisper-bin",
					whisperCli,
					"--model",
					join(v.dir, "missing.bin"),
				],
				1,
				/whisper model file was not found/,
			],
		];
		for (const [args, code, message] of cases) {
			const r = await cli(args);
			expect(r.stderr, args.join(" ")).toMatch(message);
			expect(r.code, args.join(" ")).toBe(code);
			expect(r.out).toBe("");
		}
		// The refused network engine and the missing model fail after the import: the recording is kept.
		const after = await hashTree(v.vault);
		const added = [...after.keys()].filter((k) => !before.has(k));
		expect(added.every((k) => /audio\/2026-\d\d-\d\d(-\d+)?\.wav\.cvault$|\.cvlog$/.test(k))).toBe(true);
	});

	it("Ctrl-C cancels: exit by SIGINT, the recording kept, no transcript, no temp files", async () => {
		const long = await makeSessionAudio(5, ["wav"]);
		const file = await writeTemp(v.dir, "long.wav", long.files.wav!);
		const tmp = join(v.dir, "tmp");
		await mkdir(tmp);
		// A child process: it gets a real SIGINT (pkill) and exits by it, and Node reads its TMPDIR.
		const run = cli(["transcribe", v.vault, "--client", "C-0142", "--audio", file, "--date", "2026-09-05", ...engine], {
			env: { TMPDIR: tmp },
			spawn: true,
		});
		for (let i = 0; i < 400 && !(await readdir(tmp)).some((n) => n.startsWith("clinical-vault-")); i++) await sleep(25);
		const { execFileSync } = await import("node:child_process");
		execFileSync("pkill", ["-INT", "-f", `${file}`]);
		const r = await run;
		expect(r.code).toBeNull();
		expect(r.out).toBe("");
		expect(await readdir(tmp)).toEqual([]);
		const ls = await cli(["ls", v.vault, "--client", "C-0142"]);
		expect(ls.out).toContain("C-0142/audio/2026-09-05.wav");
		expect(ls.out).not.toContain("C-0142/transcripts/2026-09-05.md");
		const audit = await cli(["audit", v.vault]);
		// The cancelled session still ended with a lock (ls needs no key and logs nothing).
		expect(audit.out.trim().split("\n").at(-2)).toMatch(/ lock /);
	});
});

describe("clinical-vault retention", () => {
	it("lists in a dry run, then crypto-erases recordings whose note was signed long enough ago", async () => {
		const note = await writeTemp(v.dir, "note.md", "---\nsession_date: 2026-09-01\nstatus: signed\nsigned_at: 2026-09-01T17:00:00Z\n---\nSigned note.\n");
		expect((await cli(["put", v.vault, "C-0142/notes/2026-09-01.md", "--from", note])).code).toBe(0);
		const dry = await cli(["retention", v.vault, "--dry-run"]);
		expect(dry.code).toBe(0);
		expect(dry.out).toContain("would delete  C-0142/audio/2026-09-01.webm  (note C-0142/notes/2026-09-01.md signed 2026-09-01T17:00:00.000Z)");
		expect(dry.out).toMatch(/kept \(no signed note\) {2}C-0142\/audio\/2026-09-05\.wav/);
		expect((await cli(["ls", v.vault])).out).toContain("C-0142/audio/2026-09-01.webm");

		const real = await cli(["retention", v.vault]);
		expect(real.out).toContain("deleted  C-0142/audio/2026-09-01.webm");
		expect((await cli(["ls", v.vault])).out).not.toContain("C-0142/audio/2026-09-01.webm");
		expect((await cli(["ls", v.vault])).out).toContain("C-0142/transcripts/2026-09-01.md");
		const audit = await cli(["audit", v.vault]);
		expect(audit.out).toMatch(/delete.*C-0142\/audio\/2026-09-01\.webm.*retention/);
		expect((await cli(["verify", v.vault])).code).toBe(0);
	});
});
