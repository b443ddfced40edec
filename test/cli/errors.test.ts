/**
 * Bad input gets a clear error and loses nothing: exit codes, one-line messages, no stdout on
 * failure, and every file's bytes compared before and after.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
	auditRows,
	chunkStart,
	cli,
	deviceLog,
	FAST_KDF,
	hashTree,
	makeVault,
	notePath,
	removeDir,
	tempDir,
	writeTemp,
	type CliResult,
	type TestVault,
} from "./support";

const NOTE = "C-0142/notes/2026-09-01.md";
const OTHER = "C-0143/notes/2026-09-01.md";
const dirs: string[] = [];

afterAll(async () => {
	for (const d of dirs) await removeDir(d);
});

/** A vault with two clients, a multi-chunk note for each and a short one. */
async function populated(): Promise<TestVault> {
	const v = await makeVault(["C-0142", "C-0143"]);
	dirs.push(v.dir);
	const big = "Synthetic line of a long session note.\n".repeat(5000);
	expect((await cli(["put", v.vault, NOTE], { input: big })).code).toBe(0);
	expect((await cli(["put", v.vault, OTHER], { input: `Other client.\n${big}` })).code).toBe(0);
	expect((await cli(["put", v.vault, "C-0142/notes/short.md"], { input: "Short.\n" })).code).toBe(0);
	return v;
}

function oneLine(result: CliResult): string {
	expect(result.stderr.endsWith("\n")).toBe(true);
	expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
	expect(result.stderr.startsWith("clinical-vault: ")).toBe(true);
	return result.stderr;
}

/** Every file is byte-identical, except that this computer's audit log may only have grown by appending. */
async function expectUnchangedExceptAuditAppend(v: TestVault, before: Map<string, string>, auditBefore: Buffer): Promise<void> {
	const log = await deviceLog(v.dir);
	const after = await hashTree(v.dir);
	expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
	for (const [path, hash] of before) if (path !== log) expect({ path, hash: after.get(path) }).toEqual({ path, hash });
	const auditAfter = await readFile(join(v.dir, log));
	expect(auditAfter.subarray(0, auditBefore.length).equals(auditBefore)).toBe(true);
}

describe("usage errors exit 2 with one clear line", () => {
	it("unknown command, missing arguments, unknown options, bad client codes, bad record paths", async () => {
		const v = await makeVault(["C-0142"]);
		dirs.push(v.dir);
		const cases: [string[], RegExp][] = [
			[[], /No command given/],
			[["frobnicate"], /Unknown command "frobnicate"/],
			[["client"], /"client" needs a subcommand/],
			[["client", "remove", v.vault], /Unknown command "client remove"/],
			[["cat"], /Missing <vault> <record-path>/],
			[["cat", v.vault], /Missing <record-path>/],
			[["cat", v.vault, NOTE, "extra"], /Unexpected argument "extra"/],
			[["ls", v.vault, "--colour"], /Unknown option --colour/],
			[["ls", v.vault, "-x"], /Unknown option -x/],
			[["--bogus", "ls", v.vault], /Unknown option --bogus/],
			[["put", v.vault, NOTE, "--from"], /--from needs a value/],
			[["client", "add", v.vault, "--name", "Sam Synthetic"], /needs --code/],
			[["client", "add", v.vault, "--code", "C-0150"], /needs --name/],
			[["client", "add", v.vault, "--code", "sam-smith", "--name", "Sam Smith"], /"sam-smith" is not a client code/],
			[["ls", v.vault, "--client", "Sam"], /"Sam" is not a client code/],
			[["cat", v.vault, "../etc/passwd"], /not a valid record path/],
			[["cat", v.vault, "C-0142"], /inside a client's folder/],
			[["cat", v.vault, "/C-0142/notes/a.md"], /relative to the clinical root/],
			[["cat", v.vault, "_vault/keyfile.json"], /"_vault\/keyfile.json" is not a valid record path/],
			[["cat", v.vault, `${NOTE}.cvault`], /leave out the .cvault/],
			[["put", v.vault, "notes/2026-09-01.md"], /"notes" is not a client code/],
			[["cat", v.vault, "C-0142/notes/my note.md"], /not a valid record path/],
			[["ls", v.vault, "--root", "../outside"], /--root "..\/outside" is not a folder inside the vault/],
			[["ls", v.vault, "--root", "/abs/Clinical"], /is not a folder inside the vault/],
			[["put", v.vault, NOTE, "--from", join(v.dir, "missing.md")], /Cannot read .*missing\.md given to --from \(ENOENT\)/],
			[["cat", v.vault, "C-0142/profile.md", "--passphrase-file", join(v.dir, "missing.txt")], /Cannot read the passphrase file/],
		];
		const before = await hashTree(v.dir);
		for (const [args, message] of cases) {
			const result = await cli(args);
			expect({ args, code: result.code }).toEqual({ args, code: 2 });
			expect(oneLine(result)).toMatch(message);
			expect(result.stdout.length).toBe(0);
		}
		// None of them touched the record (they stop before unlocking).
		expect(await hashTree(v.dir)).toEqual(before);
	});

	it("init refuses KDF options below the floor or above the cap before creating anything", async () => {
		const dir = await tempDir();
		dirs.push(dir);
		const vault = join(dir, "vault");
		const cases: [string[], RegExp][] = [
			[["--kdf-memory", "8", "--kdf-iterations", "2"], /--kdf-memory 8 MiB is below the minimum of 19 MiB/],
			[["--kdf-memory", "4096", "--kdf-iterations", "2"], /--kdf-memory 4096 MiB is above the maximum of 1024 MiB/],
			[["--kdf-memory", "19", "--kdf-iterations", "1"], /--kdf-iterations 1 is below the minimum of 2/],
			[["--kdf-memory", "19", "--kdf-iterations", "1000"], /--kdf-iterations 1000 is above the maximum of 64/],
			[["--kdf-memory", "lots"], /--kdf-memory must be a whole number/],
		];
		for (const [flags, message] of cases) {
			const result = await cli(["init", vault, ...flags]);
			expect({ flags, code: result.code }).toEqual({ flags, code: 2 });
			expect(oneLine(result)).toMatch(message);
			expect(existsSync(vault)).toBe(false);
		}
		const short = await cli(["init", vault, ...FAST_KDF], { passphrase: "too short" });
		expect(short.code).toBe(2);
		expect(oneLine(short)).toMatch(/at least 10 characters/);
		expect(existsSync(vault)).toBe(false);
	});

	it("no passphrase source and stdin not a terminal: exit 2 naming the ways to give one", async () => {
		const v = await makeVault(["C-0142"]);
		dirs.push(v.dir);
		const before = await hashTree(v.dir);
		for (const args of [
			["cat", v.vault, "C-0142/profile.md"],
			["verify", v.vault],
			["audit", v.vault],
			["client", "add", v.vault, "--code", "C-0150", "--name", "X Y"],
			["passwd", v.vault],
		]) {
			const result = await cli(args, { passphrase: null });
			expect({ args, code: result.code }).toEqual({ args, code: 2 });
			const line = oneLine(result);
			expect(line).toMatch(/stdin is not a terminal/);
			expect(line).toContain("--passphrase-file FILE");
			expect(line).toContain("CLINICAL_VAULT_PASSPHRASE");
		}
		const init = await cli(["init", join(v.dir, "other"), ...FAST_KDF], { passphrase: null });
		expect(init.code).toBe(2);
		expect(await hashTree(v.dir)).toEqual(before);
	});
});

describe("a wrong passphrase exits 3 and changes no byte", () => {
	it("for every command that unlocks", async () => {
		const v = await populated();
		const wrongFile = await writeTemp(v.dir, "wrong.txt", "not the passphrase\n");
		const before = await hashTree(v.dir);
		const env = { CLINICAL_VAULT_NEW_PASSPHRASE: "another new passphrase" };
		const runs: [string[], Parameters<typeof cli>[1]][] = [
			[["cat", v.vault, NOTE], { passphrase: "not the passphrase" }],
			[["cat", v.vault, NOTE, "--passphrase-file", wrongFile], { passphrase: null }],
			[["put", v.vault, NOTE], { passphrase: "not the passphrase", input: "Replacement.\n" }],
			[["client", "add", v.vault, "--code", "C-0150", "--name", "X Y"], { passphrase: "not the passphrase" }],
			[["verify", v.vault], { passphrase: "not the passphrase" }],
			[["audit", v.vault], { passphrase: "not the passphrase" }],
			[["passwd", v.vault], { passphrase: "not the passphrase", env }],
		];
		for (const [args, options] of runs) {
			const result = await cli(args, options);
			expect({ args, code: result.code }).toEqual({ args, code: 3 });
			expect(oneLine(result)).toMatch(/Wrong passphrase/);
			expect(result.stdout.length).toBe(0);
			expect(await hashTree(v.dir)).toEqual(before);
		}
	});
});

describe("damaged files: exit 4 naming the file, nothing printed, nothing overwritten", () => {
	// One damaged vault, checked in three steps (each runs the CLI several times: one test for all
	// of it came near its timeout on a loaded machine).
	describe("a flipped byte, a truncated file and two clients' files swapped", () => {
		const long = "C-0143/notes/2026-09-08.md";
		const damaged: [string, RegExp][] = [
			[NOTE, /chunk 1 of \d+ failed authentication/],
			["C-0142/notes/short.md", /no content chunks/],
			[long, /chunk 1 of 2 failed authentication/],
			[OTHER, /written for C-0142\/notes\/2026-09-05\.md/],
			["C-0142/notes/2026-09-05.md", /written for C-0143\/notes\/2026-09-01\.md/],
		];
		let v: TestVault;
		let before: Map<string, string>;
		let auditBefore: Buffer;

		beforeAll(async () => {
			v = await populated();
			// Flip one byte in the middle of the second chunk of the note.
			const flipped = Buffer.from(await readFile(notePath(v.vault, NOTE)));
			const at = chunkStart(flipped) + 65_564 + 1000;
			flipped[at] = flipped[at]! ^ 0x01;
			await writeFile(notePath(v.vault, NOTE), flipped);
			// Truncate the short note at its chunk boundary: only the header and key block remain.
			const short = await readFile(notePath(v.vault, "C-0142/notes/short.md"));
			await writeFile(notePath(v.vault, "C-0142/notes/short.md"), short.subarray(0, chunkStart(short)));
			// A three-chunk note cut at a chunk boundary: its last chunk is gone.
			expect((await cli(["put", v.vault, long], { input: "Long synthetic note.\n".repeat(8000) })).code).toBe(0);
			const longBytes = await readFile(notePath(v.vault, long));
			await writeFile(notePath(v.vault, long), longBytes.subarray(0, chunkStart(longBytes) + 2 * 65_564));
			// A second client gets the first client's file and vice versa (each path checked separately below).
			const a = await readFile(notePath(v.vault, OTHER));
			expect((await cli(["put", v.vault, "C-0142/notes/2026-09-05.md"], { input: "Swap me.\n" })).code).toBe(0);
			const b = await readFile(notePath(v.vault, "C-0142/notes/2026-09-05.md"));
			await writeFile(notePath(v.vault, OTHER), b);
			await writeFile(notePath(v.vault, "C-0142/notes/2026-09-05.md"), a);
			before = await hashTree(v.dir);
			auditBefore = await readFile(join(v.dir, await deviceLog(v.dir)));
		});

		for (const [label, range] of [
			["cat refuses the damaged files, naming each (and why, with CLINICAL_VAULT_DEBUG)", [0, 3]],
			["cat refuses the swapped files, and put never overwrites a file that belongs to another path", [3, 5]],
		] as const) {
			it(label, async () => {
				for (const [path, why] of damaged.slice(range[0], range[1])) {
					const result = await cli(["cat", v.vault, path]);
					expect({ path, code: result.code }).toEqual({ path, code: 4 });
					expect(oneLine(result)).toContain(`Integrity check failed for ${path}`);
					expect(result.stdout.length).toBe(0);
					const debug = await cli(["cat", v.vault, path], { env: { CLINICAL_VAULT_DEBUG: "1" } });
					expect(debug.stderr.trimEnd().split("\n")).toHaveLength(2);
					expect(debug.stderr.split("\n")[1]).toMatch(why);
					expect(debug.stdout.length).toBe(0);
				}
				if (range[1] === damaged.length) {
					const refused = await cli(["put", v.vault, OTHER], { input: "Would overwrite.\n" });
					expect(refused.code).toBe(4);
					expect(oneLine(refused)).toContain(OTHER);
				}
				await expectUnchangedExceptAuditAppend(v, before, auditBefore);
			});
		}

		it("the failed commands each logged one session and read nothing; verify names all five; the intact files still decrypt", async () => {
			// The failed commands locked again, each a session of one entry (unlock … locked) with no
			// file read or written ("open" or "modify").
			const audit = await cli(["audit", v.vault]);
			expect(audit.code).toBe(0);
			const rows = auditRows(audit.out);
			for (const row of rows.slice(-6)) {
				expect(row.action).toBe("unlock");
				expect(row.line).toMatch(/locked \d{4}-/);
				expect(row.line).not.toMatch(/ read /);
			}
			const verify = await cli(["verify", v.vault]);
			expect(verify.code).toBe(4);
			for (const [path] of damaged) expect(verify.out).toContain(`FAILED ${path}: `);
			expect(verify.out).toContain("Failures: 5");
			expect(verify.out).toMatch(/Result: FAILED \(5 files failed\)/);
			expect((await cli(["cat", v.vault, "C-0142/profile.md"])).out).toContain("name: Synthetic C-0142");
		});
	});

	it("an unknown format version is refused with a message naming the version", async () => {
		const v = await populated();
		const file = Buffer.from(await readFile(notePath(v.vault, NOTE)));
		file[6] = 7;
		await writeFile(notePath(v.vault, NOTE), file);
		const before = await hashTree(v.dir);
		const auditBefore = await readFile(join(v.dir, await deviceLog(v.dir)));
		const cat = await cli(["cat", v.vault, NOTE]);
		expect(cat.code).toBe(1);
		expect(oneLine(cat)).toMatch(new RegExp(`${NOTE} uses a format this version of Clinical Vault cannot read \\(file format version 7\\)`));
		expect(cat.stdout.length).toBe(0);
		await expectUnchangedExceptAuditAppend(v, before, auditBefore);
		const verify = await cli(["verify", v.vault]);
		expect(verify.code).toBe(4);
		expect(verify.out).toContain(`FAILED ${NOTE}: file format version 7`);

		const keyPath = join(v.vault, "Clinical/_vault/keyfile.json");
		const key = JSON.parse(await readFile(keyPath, "utf8")) as Record<string, unknown>;
		await writeFile(keyPath, JSON.stringify({ ...key, version: 2 }));
		const keyResult = await cli(["cat", v.vault, "C-0142/profile.md"]);
		expect(keyResult.code).toBe(1);
		expect(oneLine(keyResult)).toMatch(/key file version 2/);
	});

	it("key-file KDF parameters below the floor or above the cap are refused before any KDF runs", async () => {
		const v = await populated();
		const keyPath = join(v.vault, "Clinical/_vault/keyfile.json");
		const original = JSON.parse(await readFile(keyPath, "utf8")) as { kdf: Record<string, unknown> };
		const cases: [Record<string, number>, RegExp][] = [
			[{ memoryKiB: 1024 }, /memoryKiB 1024 is below the minimum 19456/],
			[{ iterations: 1 }, /iterations 1 is below the minimum 2/],
			// If these ran, Argon2id would need 64 GiB of memory or a million passes: the test would time out.
			[{ memoryKiB: 64 * 1024 * 1024 }, /memoryKiB 67108864 is above the maximum 1048576/],
			[{ iterations: 1_000_000 }, /iterations 1000000 is above the maximum 64/],
		];
		for (const [change, message] of cases) {
			await writeFile(keyPath, JSON.stringify({ ...original, kdf: { ...original.kdf, ...change } }, null, 2));
			const before = await hashTree(v.dir);
			const started = Date.now();
			const result = await cli(["cat", v.vault, NOTE]);
			expect(Date.now() - started).toBeLessThan(10_000);
			expect({ change, code: result.code }).toEqual({ change, code: 1 });
			const line = oneLine(result);
			expect(line).toMatch(/key-derivation parameters are refused/);
			expect(line).toMatch(message);
			expect(line).not.toMatch(/Wrong passphrase/);
			expect(result.stdout.length).toBe(0);
			expect(await hashTree(v.dir)).toEqual(before);
		}
	});
});

describe("verify reports plaintext in the record", () => {
	it("a stray plaintext .md under the clinical root makes verify exit 4 naming it", async () => {
		const v = await makeVault(["C-0142"]);
		dirs.push(v.dir);
		await mkdir(join(v.vault, "Clinical/C-0142/notes"), { recursive: true });
		await writeFile(join(v.vault, "Clinical/C-0142/notes/leaked.md"), "Plaintext that should not be here.\n");
		const verify = await cli(["verify", v.vault]);
		expect(verify.code).toBe(4);
		expect(verify.out).toContain("Plaintext files in the record: 1");
		expect(verify.out).toContain("PLAINTEXT Clinical/C-0142/notes/leaked.md");
		expect(verify.out).toMatch(/Result: FAILED \(1 plaintext file found\)/);
		expect(verify.out).not.toContain("should not be here");
	});
});

describe("a broken audit chain", () => {
	it("deleting a middle line makes audit and verify exit 4", async () => {
		const v = await populated();
		const auditPath = join(v.dir, await deviceLog(v.dir));
		const lines = (await readFile(auditPath, "utf8")).split("\n");
		const middle = Math.floor((lines.length - 1) / 2);
		lines.splice(middle, 1);
		await writeFile(auditPath, lines.join("\n"));
		const audit = await cli(["audit", v.vault]);
		expect(audit.code).toBe(4);
		expect(audit.out).toMatch(new RegExp(`Chain: BROKEN \\(${middle} good entries\\)`));
		expect(audit.out).toMatch(new RegExp(`audit log d[0-9a-f]{16}, entry ${middle + 1}: does not verify`));
		const verify = await cli(["verify", v.vault]);
		expect(verify.code).toBe(4);
		expect(verify.out).toMatch(/Audit log: BROKEN/);
		expect(verify.out).toContain("Failures: 0");
		expect(verify.out).toMatch(/Result: FAILED \(audit chain broken\)/);
	});
});

describe("other failures exit 1 with one line", () => {
	it("a missing vault, a folder without a record, an unknown client, a missing record file", async () => {
		const v = await makeVault(["C-0142"]);
		dirs.push(v.dir);
		const cases: [string[], RegExp][] = [
			[["ls", join(v.dir, "nowhere")], /is not a folder/],
			[["ls", v.dir], /no clinical record/],
			[["ls", v.vault, "--client", "C-0999"], /no client C-0999/],
			[["put", v.vault, "C-0999/notes/a.md"], /no client C-0999/],
			[["cat", v.vault, "C-0142/notes/none.md"], /does not exist/],
			[["client", "add", v.vault, "--code", "C-0142", "--name", "Again"], /already exists/],
		];
		for (const [args, message] of cases) {
			const result = await cli(args, { input: "x" });
			expect({ args, code: result.code }).toEqual({ args, code: 1 });
			expect(oneLine(result)).toMatch(message);
			expect(result.stdout.length).toBe(0);
		}
	});
});
