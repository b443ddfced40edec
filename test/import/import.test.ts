/**
 * `clinical-vault import` (issue 18) on a synthetic folder of 200 mixed files: notes in three
 * styles, WebVTT, SRT and plain transcripts, recordings, and bad input (an unknown encoding, a VTT
 * with broken cues, two files for one session, a note without any date, a .docx, a copy of another
 * file, a folder no client matches, a recording without consent). Run in process through the CLI's
 * run(argv, io) on a real temporary vault; then an import interrupted halfway and resumed, search in
 * each transcript form, and the originals removed only when asked, only those read back.
 * Synthetic text only.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { cliInProcess, FAST_KDF, PASSPHRASE, removeDir, tempDir } from "../cli/support";

let dir: string;
let vault: string;
let practice: string;

function cv(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
	return cliInProcess(argv, { CLINICAL_VAULT_PASSPHRASE: PASSPHRASE, CLINICAL_VAULT_STATE_DIR: join(dir, "state") });
}

const day = (n: number) => new Date(Date.UTC(2025, 0, 6) + n * 7 * 86_400_000).toISOString().slice(0, 10);
const longDay = (n: number) =>
	new Date(Date.UTC(2025, 0, 6) + n * 7 * 86_400_000).toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });

/** A tiny WAV: 16-bit mono, 0.1 s of silence. */
function wav(seed: number): Uint8Array {
	const samples = 1600 + seed;
	const buf = Buffer.alloc(44 + samples * 2);
	buf.write("RIFF", 0);
	buf.writeUInt32LE(36 + samples * 2, 4);
	buf.write("WAVEfmt ", 8);
	buf.writeUInt32LE(16, 16);
	buf.writeUInt16LE(1, 20);
	buf.writeUInt16LE(1, 22);
	buf.writeUInt32LE(16000, 24);
	buf.writeUInt32LE(32000, 28);
	buf.writeUInt16LE(2, 32);
	buf.writeUInt16LE(16, 34);
	buf.write("data", 36);
	buf.writeUInt32LE(samples * 2, 40);
	return new Uint8Array(buf);
}

/** Writes the folder; returns what each kind should come to. */
async function makePractice(root: string): Promise<{ files: number; notes: number; transcripts: number; audio: number; skipped: number }> {
	const put = async (path: string, content: string | Uint8Array) => {
		await mkdir(join(root, path, ".."), { recursive: true });
		await writeFile(join(root, path), content);
	};
	let notes = 0;
	let transcripts = 0;
	let audio = 0;
	let skipped = 0;
	// C-0101 by its code: 30 notes in our style with date:, 25 VTT transcripts, 10 recordings (consented).
	for (let n = 0; n < 30; n++, notes++)
		await put(
			`C-0101/notes/session-${n + 1}.md`,
			`---\ndate: ${day(n)}\nstatus: signed\n---\n## Subjective\nSynthetic session ${n + 1}: sleep and the Critic.\n\n## Plan\nHomework: breathing practice.\n`,
		);
	for (let n = 0; n < 25; n++, transcripts++) {
		await put(
			`C-0101/transcripts/${day(n)}.vtt`,
			`WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Therapist>How was week ${n + 1}?\n\n00:00:05.000 --> 00:00:09.000\n<v Client>It was vttword${n} and long.\n`,
		);
	}
	for (let n = 0; n < 10; n++, audio++) await put(`C-0101/audio/${day(n)}.wav`, wav(n));
	// Sam Okafor's folder (matched by the client's name): 30 plain .txt notes with a Date: line, 25 SRT transcripts, 5 recordings without consent (skipped).
	for (let n = 0; n < 30; n++, notes++)
		await put(
			`Sam Okafor/Session notes ${n + 1}.txt`,
			`Date: ${longDay(n)}\n\nSam talked about work (synthetic ${n + 1}). HW: walk twice.\nRisk: no SI/HI reported.\n`,
		);
	for (let n = 0; n < 25; n++, transcripts++) {
		await put(
			`Sam Okafor/transcripts/${day(n)}.srt`,
			`1\n00:01:00,000 --> 00:01:04,000\nTHERAPIST: What happened on day ${n + 1}?\n\n2\n00:01:05,000 --> 00:01:08,000\nCLIENT: srtword${n} mostly.\n`,
		);
	}
	for (let n = 0; n < 5; n++, skipped++) await put(`Sam Okafor/audio/${day(n)}.wav`, wav(100 + n));
	// A shared folder whose notes carry client: in their frontmatter: 30 notes named by date, prose style; 20 plain labelled transcripts (.txt).
	for (let n = 0; n < 40; n++, notes++)
		await put(
			`shared/${day(n).replace(/-/g, "_")} session.md`,
			`---\nclient: C-0103\n---\nWe reviewed the week (synthetic ${n + 1}). She said "I kept going".\n`,
		);
	for (let n = 0; n < 27; n++, transcripts++) {
		await put(
			`shared/transcripts/${day(n)} call.txt`,
			`---\nclient: C-0103\n---\nTHERAPIST: Hello again.\nCLIENT: Hi. plainword${n} happened.\nTHERAPIST: Tell me more.\nCLIENT: Later.\n`,
		);
	}
	// Bad input.
	await put("C-0101/notes/latin1.txt", Buffer.from("Date: 2025-02-03\nCaf\xe9 na\xefve r\xe9sum\xe9 \xa0", "latin1"));
	skipped++;
	await put(`C-0101/transcripts/broken.vtt`, `WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nA first cue.\n\n00:00:0x --> broken\nAnother broken cue.\n`);
	skipped++; // no date in its name or text
	await put(
		`C-0101/transcripts/${day(40)}-broken.vtt`,
		`WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nFirst cue.\n\n00:00:0x --> broken\nbrokencueword survives.\n`,
	);
	transcripts++;
	await put(`C-0101/notes/second-copy-of-${day(3)}.md`, `---\ndate: ${day(3)}\n---\nA second note for the session of ${day(3)}.\n`);
	notes++;
	await put("C-0101/notes/undated.md", "A note without any date.\n");
	skipped++;
	await put("C-0101/notes/letter.docx", new Uint8Array([0x50, 0x4b, 3, 4, 1, 2, 3]));
	skipped++;
	await put(
		"C-0101/notes/copy of session-1.md",
		`---\ndate: ${day(0)}\nstatus: signed\n---\n## Subjective\nSynthetic session 1: sleep and the Critic.\n\n## Plan\nHomework: breathing practice.\n`,
	);
	skipped++;
	await put(`nobody/${day(1)}.md`, "A note in a folder no client matches.\n");
	skipped++;
	await put(".DS_Store", new Uint8Array([0, 0, 0, 1]));
	const files = notes + transcripts + audio + skipped;
	return { files, notes, transcripts, audio, skipped };
}

let expected: Awaited<ReturnType<typeof makePractice>>;

beforeAll(async () => {
	dir = await tempDir("cv-import-");
	vault = join(dir, "vault");
	practice = join(dir, "Practice");
	expected = await makePractice(practice);
	expect((await cv("init", vault, ...FAST_KDF)).code).toBe(0);
	expect((await cv("client", "add", vault, "--code", "C-0101", "--name", "Dana Synthetic", "--recording-consent", "yes")).code).toBe(0);
	expect((await cv("client", "add", vault, "--code", "C-0102", "--name", "Sam Okafor")).code).toBe(0);
	expect((await cv("client", "add", vault, "--code", "C-0103", "--name", "Lee Synthetic")).code).toBe(0);
}, 30_000);

afterAll(async () => {
	await removeDir(dir);
});

describe("clinical-vault import", () => {
	it("a dry run prints the plan, every skip with its reason, and changes nothing", async () => {
		expect(expected.files).toBe(200);
		const before = (await cv("ls", vault)).out;
		const dry = await cv("import", vault, practice, "--dry-run");
		expect(dry.code).toBe(0);
		expect(dry.out).toBe("Dry run: nothing was changed.\n");
		expect(dry.err).toContain(
			`Plan: ${expected.notes} notes, ${expected.transcripts} transcripts, ${expected.audio} recordings to import; 0 already imported; ${expected.skipped} skipped.`,
		);
		expect(dry.err).toMatch(/latin1\.txt: not UTF-8 or UTF-16 text \(an unknown encoding\)/);
		expect(dry.err).toMatch(/broken\.vtt: no session date/);
		expect(dry.err).toMatch(/undated\.md: no session date/);
		expect(dry.err).toMatch(/letter\.docx: a \.docx file: save it as text/);
		expect(dry.err).toMatch(/notes\/session-1\.md: the same content as Practice\/C-0101\/notes\/copy of session-1\.md \(imported once\)/);
		expect(dry.err).toMatch(/nobody\/2025-01-13\.md: no client/);
		expect(dry.err).toMatch(/Sam Okafor\/audio\/2025-01-06\.wav: no recording consent on file for C-0102/);
		// Two notes for one session: both imported, the second under -2, and the plan says so.
		expect(dry.err).toMatch(/second-copy-of-2025-01-27\.md -> C-0101\/notes\/2025-01-27\.md/);
		expect(dry.err).toMatch(/session-4\.md -> C-0101\/notes\/2025-01-27-2\.md[^\n]*\n {6}note: another file is already for C-0101's session of 2025-01-27/);
		expect(dry.err).toMatch(/note: 1 cue\(s\) without a valid time, kept as text/);
		expect(dry.err).toMatch(
			/Sam Okafor\/Session notes 1\.txt -> C-0102\/notes\/2025-01-06\.md\s+\(note; client by folder named like the client; date from text\)/,
		);
		expect(dry.err).not.toContain(".DS_Store");
		expect((await cv("ls", vault)).out).toBe(before);
	});

	it("without a terminal and without --yes it refuses; nothing is written", async () => {
		const refused = await cv("import", vault, practice);
		expect(refused.code).not.toBe(0);
		expect(refused.err).toMatch(/no terminal to confirm at; nothing was imported/);
		expect((await cv("ls", vault, "--client", "C-0101")).out).not.toContain("/notes/2025");
	});

	it("imports, and resumes after a stop", async () => {
		// An import stopped halfway: only some of the files are given (as if the run was killed after them).
		const partial = await cv("import", vault, join(practice, "C-0101"), "--yes");
		expect(partial.code).toBe(0);
		expect(partial.out).toMatch(/^Imported \d+ files; 0 were already in the record/);
		const full = await cv("import", vault, practice, "--yes");
		expect(full.code, full.err).toBe(0);
		const imported = Number(/Imported (\d+) files; (\d+) were already/.exec(full.out)![1]);
		const already = Number(/were already in the record; /.test(full.out) ? /; (\d+) were already/.exec(full.out)![1] : "0");
		expect(imported + already).toBe(expected.notes + expected.transcripts + expected.audio);
		expect(already).toBeGreaterThan(0);
		process.stdout.write(
			`import of ${expected.files} files: ${expected.notes} notes, ${expected.transcripts} transcripts, ${expected.audio} recordings imported (${already} by the first, stopped run); ${expected.skipped} skipped with their reasons\n`,
		);
	}, 60_000);

	// Split from the import above so that neither comes near 10 s on a loaded machine; this one reads what it wrote.
	it("an import run again finds everything there; files are kept as written, and every original stays until asked", async () => {
		// Run again: everything is already there.
		const again = await cv("import", vault, practice, "--dry-run");
		expect(again.err).toContain(
			`Plan: 0 notes, 0 transcripts, 0 recordings to import; ${expected.notes + expected.transcripts + expected.audio} already imported; ${expected.skipped} skipped.`,
		);

		// The imported files: a transcript in our form with its speakers and times; a note as written, with session_date added.
		const vtt = await cv("cat", vault, "C-0101/transcripts/2025-01-06.md");
		// Kept as written (every cue), with what the record needs in its frontmatter.
		expect(vtt.out).toMatch(
			/^---\nkind: transcript\nclient: C-0101\nsession_date: 2025-01-06\nsource_format: webvtt\nimported: .*\n---\nWEBVTT\n\n00:00:01\.000 --> 00:00:04\.000\n<v Therapist>How was week 1\?\n/,
		);
		const sam = await cv("cat", vault, "C-0102/notes/2025-01-06.md");
		expect(sam.out).toMatch(
			/^---\nsession_date: 2025-01-06\nimported: .*\n---\nDate: 6 January 2025\n\nSam talked about work \(synthetic 1\)\. HW: walk twice\.\nRisk: no SI\/HI reported\.\n$/,
		);
		const wavBack = await cv("cat", vault, "C-0101/audio/2025-01-06.wav");
		expect(wavBack.code).toBe(0);

		// Nothing was removed.
		expect((await readdir(practice, { recursive: true })).length).toBeGreaterThanOrEqual(expected.files);
	}, 60_000);

	it("search finds a word of each imported transcript form", async () => {
		const forms: [string, string][] = [
			["vttword3", "C-0101/transcripts/2025-01-27.md"],
			["srtword4", "C-0102/transcripts/2025-02-03.md"],
			["plainword5", "C-0103/transcripts/2025-02-10.md"],
			["brokencueword", "C-0101/transcripts/2025-10-13.md"],
		];
		for (const [word, path] of forms) {
			const found = await cv("search", vault, word, "--json");
			expect(found.code, found.err).toBe(0);
			expect(
				(JSON.parse(found.out) as { hits: { recordPath: string }[] }).hits.map((h) => h.recordPath),
				word,
			).toEqual([path]);
		}
	}, 30_000);

	it("--remove-originals removes only the originals read back from the record; skipped files stay", async () => {
		const removed = await cv("import", vault, practice, "--yes", "--remove-originals");
		expect(removed.code).toBe(0);
		expect(removed.out).toMatch(new RegExp(`Removed ${expected.notes + expected.transcripts + expected.audio} originals\\.`));
		const left = (await readdir(practice, { recursive: true, withFileTypes: true }))
			.filter((e) => e.isFile())
			.map((e) => e.name)
			.sort();
		expect(left).toEqual(
			[
				".DS_Store",
				"2025-01-13.md",
				"2025-01-06.wav",
				"2025-01-13.wav",
				"2025-01-20.wav",
				"2025-01-27.wav",
				"2025-02-03.wav",
				"broken.vtt",
				"session-1.md",
				"latin1.txt",
				"letter.docx",
				"undated.md",
			].sort(),
		);
	}, 30_000);
});
