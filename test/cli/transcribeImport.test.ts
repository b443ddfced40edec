/**
 * `clinical-vault transcribe --audio FILE` through the CLI (issue 14, item 9): a file that is
 * not audio, a wrong model path or a whisper program that does not run is refused before anything
 * is imported; a job that fails after the import removes the copy, and a retry adds none; a
 * recording cut short is transcribed by the real whisper.cpp with a warning naming what is missing,
 * and the transcript says so. Real ffmpeg, espeak-ng speech; fake whisper programs only for a crash
 * and for a quick successful run where the words do not matter.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { makeSessionAudio, requireEngines, whisperCli, whisperModel } from "../support/engines";
import { cli, makeVault, removeDir, writeTemp, type TestVault } from "./support";

let v: TestVault;
let audio: { files: Record<string, Uint8Array>; seconds: number };
const engine = ["--engine", "cli", "--whisper-bin", whisperCli, "--model", whisperModel];

beforeAll(async () => {
	requireEngines();
	v = await makeVault(["C-0142"]);
	const consent = await cli(["consent", v.vault, "--client", "C-0142", "--recording", "yes", "--date", "2026-09-01"]);
	if (consent.code !== 0) throw new Error(`consent failed: ${consent.stderr}`);
	audio = await makeSessionAudio(1, ["wav", "webm"]);
}, 120_000);

afterAll(async () => {
	await removeDir(v.dir);
});

async function fakeWhisper(name: string, script: string): Promise<string> {
	const path = join(v.dir, name);
	await writeFile(path, `#!/bin/sh\nif [ "$1" = "-h" ]; then echo "usage: whisper-cli"; exit 0; fi\n${script}\n`);
	await chmod(path, 0o755);
	return path;
}

async function recordings(date: string): Promise<string[]> {
	const ls = await cli(["ls", v.vault, "--client", "C-0142"]);
	return ls.out.split("\n").filter((line) => line.includes(`/audio/${date}`) || line.includes(`/transcripts/${date}`));
}

describe("clinical-vault transcribe --audio FILE: checks before the import", () => {
	it("a text file named .wav, a wrong model path, a missing whisper program: exit 1, a clear message, nothing imported", async () => {
		const notes = "Typed notes from the session, saved under the wrong name.\n".repeat(10);
		const asWav = await writeTemp(v.dir, "notes.wav", notes);
		const session = await writeTemp(v.dir, "session.wav", audio.files.wav!);
		const cases: [string[], RegExp][] = [
			[["--audio", asWav, ...engine], /notes\.wav is not a recording: it holds text, not audio\. Is it the right file\? Nothing was imported\./],
			[
				["--audio", session, "--engine", "cli", "--whisper-bin", whisperCli, "--model", join(v.dir, "ggml-base.en.bin")],
				/The whisper model file was not found at .*ggml-base\.en\.bin/,
			],
			[
				["--audio", session, "--engine", "cli", "--whisper-bin", join(v.dir, "missing-whisper-cli"), "--model", whisperModel],
				/whisper-cli program was not found/,
			],
		];
		for (const [args, message] of cases) {
			const r = await cli(["transcribe", v.vault, "--client", "C-0142", "--date", "2026-09-10", ...args]);
			expect(r.stderr, args.join(" ")).toMatch(message);
			expect(r.code, args.join(" ")).toBe(1);
			expect(r.out).toBe("");
			expect(r.stderr).not.toMatch(/Encrypted/);
		}
		expect(await recordings("2026-09-10")).toEqual([]);
	});

	it("an engine that fails after the import: the copy is removed, the message says so, and a retry adds no copy", async () => {
		const crash = await fakeWhisper("whisper-cli-crash", 'cat >/dev/null; echo "ggml: out of memory" >&2; exit 134');
		const file = await writeTemp(v.dir, "session.webm", audio.files.webm!);
		for (let attempt = 0; attempt < 2; attempt++) {
			const r = await cli([
				"transcribe",
				v.vault,
				"--client",
				"C-0142",
				"--audio",
				file,
				"--date",
				"2026-09-11",
				"--engine",
				"cli",
				"--whisper-bin",
				crash,
				"--model",
				whisperModel,
			]);
			expect(r.code).toBe(1);
			expect(r.stderr).toContain("Encrypted session.webm into the record as C-0142/audio/2026-09-11.webm.");
			expect(r.stderr).toMatch(
				/whisper-cli stopped with exit code 134\. The copy of session\.webm this import made \(C-0142\/audio\/2026-09-11\.webm\) was removed from the record, so trying again does not add a second one; session\.webm itself is unchanged\./,
			);
		}
		// The second attempt got the same name again: the first copy was gone.
		expect(await recordings("2026-09-11")).toEqual([]);
		const log = await cli(["audit", v.vault]);
		expect(log.out.split("\n").filter((l) => /delete.*C-0142\/audio\/2026-09-11\.webm.*import undone/.test(l))).toHaveLength(2);
		expect((await cli(["verify", v.vault])).code).toBe(0);
	});

	it("the same file again for the same date reuses the recording already in the record", async () => {
		// A whisper that succeeds at once with no segments: the words do not matter here.
		const quick = await fakeWhisper(
			"whisper-cli-quick",
			'cat >/dev/null; while [ $# -gt 0 ]; do if [ "$1" = "-of" ]; then out="$2"; fi; shift; done; printf "{\\"transcription\\": []}" > "$out.json"',
		);
		const file = await writeTemp(v.dir, "again.wav", audio.files.wav!);
		const args = [
			"transcribe",
			v.vault,
			"--client",
			"C-0142",
			"--audio",
			file,
			"--date",
			"2026-09-12",
			"--engine",
			"cli",
			"--whisper-bin",
			quick,
			"--model",
			whisperModel,
		];
		const first = await cli(args);
		expect(first.stderr).toContain("Encrypted again.wav into the record as C-0142/audio/2026-09-12.wav.");
		expect(first.out).toBe("C-0142/transcripts/2026-09-12.md\n");
		const second = await cli(args);
		expect(second.code).toBe(0);
		expect(second.stderr).toContain("C-0142/audio/2026-09-12.wav already holds this recording (identical), so again.wav was not imported again.");
		expect(second.out).toBe("C-0142/transcripts/2026-09-12-2.md\n");
		expect(await recordings("2026-09-12")).toEqual([
			"C-0142/audio/2026-09-12.wav",
			"C-0142/transcripts/2026-09-12-2.md",
			"C-0142/transcripts/2026-09-12.md",
		]);
	});
});

describe("clinical-vault transcribe: a recording cut short", () => {
	it("is transcribed by the real engine with a warning naming what is missing, and the transcript carries the note", async () => {
		const wav = audio.files.wav!;
		const half = wav.slice(0, Math.floor(wav.length / 2));
		const file = await writeTemp(v.dir, "cut.wav", half);
		const r = await cli(["transcribe", v.vault, "--client", "C-0142", "--audio", file, "--date", "2026-09-13", ...engine]);
		expect(r.code).toBe(0);
		expect(r.out).toBe("C-0142/transcripts/2026-09-13.md\n");
		const warning =
			/Warning: Incomplete recording: The recording ends at (00:0\d) though its file says (00:\d\d): (00:0\d) missing\. Check the original recording\. The transcript says so too\./.exec(
				r.stderr,
			);
		expect(warning, r.stderr).not.toBeNull();
		const [, endsAt, declared, missing] = warning!;
		const seconds = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3));
		expect(seconds(declared!)).toBe(Math.floor(audio.seconds));
		expect(Math.abs(seconds(endsAt!) - audio.seconds / 2)).toBeLessThanOrEqual(1);
		expect(Math.abs(seconds(missing!) - audio.seconds / 2)).toBeLessThanOrEqual(1);
		const cat = await cli(["cat", v.vault, "C-0142/transcripts/2026-09-13.md"]);
		expect(cat.out).toContain(`\naudio_complete: false\naudio_declared_duration: ${declared}\n`);
		expect(cat.out).toContain(
			`\n> **Incomplete recording.** The recording ends at ${endsAt} though its file says ${declared}: ${missing} missing. This transcript covers only the audio that could be decoded; check the original recording.\n`,
		);
	});
});
