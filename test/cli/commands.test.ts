/** Every CLI command's happy path, through the CLI's run(argv, io) on real temporary folders (the help and version from the built dist/cli.js). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
	auditRows,
	cli,
	ensureBuilt,
	FAST_KDF,
	makeVault,
	notePath,
	PASSPHRASE,
	RECOVERY_KEY_PATTERN,
	removeDir,
	tempDir,
	writeTemp,
	type TestVault,
} from "./support";

const NOTE = "C-0142/notes/2026-09-01.md";
const dirs: string[] = [];

beforeAll(async () => {
	await ensureBuilt();
});
afterAll(async () => {
	for (const d of dirs) await removeDir(d);
});

async function vaultWith(clients: string[]): Promise<TestVault> {
	const v = await makeVault(clients);
	dirs.push(v.dir);
	return v;
}

describe("clinical-vault CLI: help and version", () => {
	it("prints the top help, each command's help and the version, exit 0", async () => {
		// The top help and the version from the shipped bundle (node dist/cli.js): the binary itself is tested.
		const top = await cli(["--help"], { spawn: true });
		expect(top.code).toBe(0);
		for (const c of ["init", "client add", "put", "cat", "ls", "passwd", "verify", "audit"]) expect(top.out).toContain(`clinical-vault ${c} <vault>`);
		const pkg = JSON.parse(await readFile(join(__dirname, "../../package.json"), "utf8")) as { version: string };
		const version = await cli(["--version"], { spawn: true });
		expect(version).toMatchObject({ code: 0, out: `clinical-vault ${pkg.version}\n` });
		const put = await cli(["put", "-h"]);
		expect(put.code).toBe(0);
		expect(put.out).toContain("Usage: clinical-vault put <vault> <record-path> [--from FILE|-]");
		const group = await cli(["client", "--help"]);
		expect(group.code).toBe(0);
		expect(group.out).toContain('client add <vault> --code CODE --name "Full Name"');
		const add = await cli(["client", "add", "--help"]);
		expect(add.out).toContain("--modality M");
		expect((await cli(["help", "passwd"])).out).toContain("--recovery-key-file FILE");
		// Help wins over other mistakes on the same line and touches nothing.
		expect(await cli(["cat", "--bogus", "-h"])).toMatchObject({ code: 0, out: expect.stringContaining("Usage: clinical-vault cat") as unknown });
	});
});

describe("clinical-vault CLI: the record's life", () => {
	it("init creates the key file with the given KDF cost and prints the recovery key once, with an instruction", async () => {
		const v = await vaultWith([]);
		const key = JSON.parse(await readFile(join(v.vault, "Clinical/_vault/keyfile.json"), "utf8")) as { kdf: { memoryKiB: number; iterations: number } };
		expect(key.kdf).toMatchObject({ memoryKiB: 19 * 1024, iterations: 2 });
		expect(v.initOutput.match(new RegExp(RECOVERY_KEY_PATTERN.source, "g"))).toHaveLength(1);
		expect(v.initOutput).toMatch(/shown this once/i);
		expect(v.initOutput).toMatch(/offline/);
		const again = await cli(["init", v.vault, ...FAST_KDF]);
		expect(again.code).toBe(1);
		expect(again.stderr).toMatch(/already exists/);
	});

	it("init without KDF options tunes the cost on this machine, never below the floor", async () => {
		const dir = await tempDir();
		dirs.push(dir);
		const result = await cli(["init", join(dir, "vault")]);
		expect(result.code).toBe(0);
		expect(result.stderr).toMatch(/Tuning/);
		const key = JSON.parse(await readFile(join(dir, "vault/Clinical/_vault/keyfile.json"), "utf8")) as { kdf: { memoryKiB: number; iterations: number } };
		expect(key.kdf.memoryKiB).toBeGreaterThanOrEqual(19 * 1024);
		expect(key.kdf.iterations).toBeGreaterThanOrEqual(2);
		expect(result.out).toContain(`${key.kdf.memoryKiB / 1024} MiB, ${key.kdf.iterations} passes`);
	});

	it("client add, put (file and stdin), ls, cat, verify and audit work together; every unlock ends with a lock", async () => {
		const v = await vaultWith([]);
		const added = await cli(["client", "add", v.vault, "--code", "C-0142", "--name", "Sam Synthetic", "--modality", "ifs"]);
		expect(added).toMatchObject({ code: 0, out: "C-0142/profile.md\n" });
		expect((await cli(["client", "add", v.vault, "--code", "C-0150", "--name", "Alex Example"])).code).toBe(0);

		const profile = await cli(["cat", v.vault, "C-0142/profile.md"]);
		expect(profile.code).toBe(0);
		expect(profile.out).toContain("name: Sam Synthetic");
		expect(profile.out).toContain("modality: ifs");

		const source = await writeTemp(v.dir, "note.md", "# Session\n\nSynthetic content.\n");
		const put = await cli(["put", v.vault, NOTE, "--from", source]);
		expect(put).toMatchObject({ code: 0, out: `${NOTE}\n` });
		const stdinPut = await cli(["put", v.vault, "C-0150/notes/2026-09-02.md"], { input: "From stdin.\n" });
		expect(stdinPut).toMatchObject({ code: 0, out: "C-0150/notes/2026-09-02.md\n" });

		const encrypted = await readFile(notePath(v.vault, NOTE));
		expect(encrypted.subarray(0, 6).toString()).toBe("CVAULT");
		expect(encrypted.includes(Buffer.from("Synthetic content"))).toBe(false);

		expect((await cli(["cat", v.vault, NOTE])).out).toBe("# Session\n\nSynthetic content.\n");
		expect((await cli(["cat", v.vault, "C-0150/notes/2026-09-02.md"])).out).toBe("From stdin.\n");

		const ls = await cli(["ls", v.vault], { passphrase: null });
		expect(ls).toMatchObject({
			code: 0,
			out: ["C-0142/notes/2026-09-01.md", "C-0142/profile.md", "C-0150/notes/2026-09-02.md", "C-0150/profile.md", ""].join("\n"),
		});
		const one = await cli(["ls", v.vault, "--client", "C-0150"], { passphrase: null });
		expect(one.out).toBe("C-0150/notes/2026-09-02.md\nC-0150/profile.md\n");

		const verify = await cli(["verify", v.vault]);
		expect(verify.code).toBe(0);
		expect(verify.out).toContain("Files checked: 4");
		expect(verify.out).toContain("Failures: 0");
		expect(verify.out).toContain("Plaintext files in the record: 0");
		expect(verify.out).toMatch(/Audit log: \d+ entries, chain intact/);
		expect(verify.out).toContain("Result: OK");

		const audit = await cli(["audit", v.vault]);
		expect(audit.code).toBe(0);
		expect(audit.out).toMatch(/Chain: intact, \d+ entries\./);
		const rows = auditRows(audit.out);
		const actions = rows.map((r) => r.action);
		expect(actions.slice(0, 4)).toEqual(["init", "lock", "unlock", "client-add"]);
		expect(actions).toContain("create");
		expect(actions).toContain("verify");
		expect(rows.find((r) => r.action === "create")!.line).toContain(NOTE);
		// cat is a read-only session: one entry, naming the file it read and when it locked.
		expect(rows.some((r) => r.action === "unlock" && r.line.includes(`read ${NOTE}`) && /locked \d{4}-/.test(r.line))).toBe(true);
		// Every unlock was followed by a lock before the next unlock (or is a session logged in one entry).
		const unlocks = actions.map((a, i) => (a === "unlock" ? i : -1)).filter((i) => i >= 0);
		for (let k = 0; k + 1 < unlocks.length; k++) {
			if (/locked \d{4}-/.test(rows[unlocks[k]!]!.line)) continue;
			expect(actions.slice(unlocks[k], unlocks[k + 1])).toContain("lock");
		}
		// This audit command's own session is written when it locks, after its output.
		expect(actions.at(-1)).toBe("lock");
		// The name never appears in a path or in the audit output.
		expect(audit.out).not.toContain("Sam Synthetic");
	});

	it("put and cat carry binary data byte-identically through stdin and stdout (several chunks)", async () => {
		const v = await vaultWith(["C-0142"]);
		const data = randomBytes(200_000 + 123);
		const put = await cli(["put", v.vault, "C-0142/attachments/scan.bin", "--from", "-"], { input: data });
		expect(put.code).toBe(0);
		const cat = await cli(["cat", v.vault, "C-0142/attachments/scan.bin"]);
		expect(cat.code).toBe(0);
		expect(cat.stdout.equals(data)).toBe(true);
		// An existing file is replaced only when asked: without --replace nothing changes.
		const next = randomBytes(1000);
		const refused = await cli(["put", v.vault, "C-0142/attachments/scan.bin"], { input: next });
		expect(refused.code).toBe(1);
		expect(refused.stderr).toMatch(/C-0142\/attachments\/scan\.bin already exists in the record\. Nothing was changed; add --replace to replace it\./);
		expect((await cli(["cat", v.vault, "C-0142/attachments/scan.bin"])).stdout.equals(data)).toBe(true);
		expect((await cli(["put", v.vault, "C-0142/attachments/scan.bin", "--replace"], { input: next })).code).toBe(0);
		expect((await cli(["cat", v.vault, "C-0142/attachments/scan.bin"])).stdout.equals(next)).toBe(true);
	});

	it("put refuses empty content over an existing file and already-encrypted content, changing nothing", async () => {
		const v = await vaultWith(["C-0142"]);
		await cli(["put", v.vault, NOTE], { input: "Keep me.\n" });
		const before = await readFile(notePath(v.vault, NOTE));
		const empty = await cli(["put", v.vault, NOTE], { input: "" });
		expect(empty.code).toBe(1);
		expect(empty.stderr).toMatch(/empty/);
		const doubled = await cli(["put", v.vault, "C-0142/notes/copy.md", "--from", notePath(v.vault, NOTE)]);
		expect(doubled.code).toBe(1);
		expect(doubled.stderr).toMatch(/already a Clinical Vault encrypted file/);
		expect((await readFile(notePath(v.vault, NOTE))).equals(before)).toBe(true);
		expect(existsSync(notePath(v.vault, "C-0142/notes/copy.md"))).toBe(false);
	});

	it("--root picks another clinical root; without it the plugin's data.json setting is used", async () => {
		const dir = await tempDir();
		dirs.push(dir);
		const vault = join(dir, "vault");
		expect((await cli(["init", vault, "--root", "Practice/Records", ...FAST_KDF])).code).toBe(0);
		expect(existsSync(join(vault, "Practice/Records/_vault/keyfile.json"))).toBe(true);
		expect((await cli(["client", "add", vault, "--root", "Practice/Records", "--code", "C-0142", "--name", "Sam Synthetic"])).code).toBe(0);
		// Without --root and without settings the default root "Clinical" has no record.
		const missing = await cli(["ls", vault]);
		expect(missing.code).toBe(1);
		expect(missing.stderr).toMatch(/no clinical record/);
		// The plugin's settings live in the vault's config folder, whatever its name.
		await mkdir(join(vault, ".config-renamed/plugins/clinical-vault"), { recursive: true });
		await writeFile(
			join(vault, ".config-renamed/plugins/clinical-vault/data.json"),
			JSON.stringify({ settingsVersion: 1, clinicalRoot: "Practice/Records" }),
		);
		expect(await cli(["ls", vault])).toMatchObject({ code: 0, out: "C-0142/profile.md\n" });
		// Global options may also come before the command.
		expect(await cli(["--root", "Practice/Records", "ls", vault])).toMatchObject({ code: 0, out: "C-0142/profile.md\n" });
	});
});

describe("clinical-vault CLI: passwd", () => {
	it("changes the passphrase: the old one then fails with 3, the new one works; only the key file changed", async () => {
		const v = await vaultWith(["C-0142"]);
		await cli(["put", v.vault, NOTE], { input: "Before the change.\n" });
		const noteBefore = await readFile(notePath(v.vault, NOTE));
		const changed = await cli(["passwd", v.vault], { env: { CLINICAL_VAULT_NEW_PASSPHRASE: "a brand new passphrase" } });
		expect(changed.code).toBe(0);
		expect(changed.out).toMatch(/Passphrase changed/);
		const old = await cli(["cat", v.vault, NOTE]);
		expect(old.code).toBe(3);
		expect(old.stdout.length).toBe(0);
		expect((await cli(["cat", v.vault, NOTE], { passphrase: "a brand new passphrase" })).out).toBe("Before the change.\n");
		expect((await readFile(notePath(v.vault, NOTE))).equals(noteBefore)).toBe(true);

		// Files instead of environment variables.
		const current = await writeTemp(v.dir, "current.txt", "a brand new passphrase\n");
		const next = await writeTemp(v.dir, "next.txt", "third passphrase here\r\nsecond line is ignored\n");
		const viaFiles = await cli(["passwd", v.vault, "--passphrase-file", current, "--new-passphrase-file", next], { passphrase: null });
		expect(viaFiles.code).toBe(0);
		expect((await cli(["cat", v.vault, NOTE], { passphrase: "third passphrase here" })).code).toBe(0);

		const audit = await cli(["audit", v.vault], { passphrase: "third passphrase here" });
		expect(audit.out.match(/passphrase-change/g)).toHaveLength(2);
	});

	it("the recovery key from init's output sets a new passphrase; a wrong one exits 3, a malformed one 2", async () => {
		const v = await vaultWith(["C-0142"]);
		await cli(["put", v.vault, NOTE], { input: "Recoverable.\n" });
		const wrongKey = await writeTemp(v.dir, "wrong.txt", "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA\n");
		const env = { CLINICAL_VAULT_NEW_PASSPHRASE: "recovered passphrase" };
		const wrong = await cli(["passwd", v.vault, "--recovery-key-file", wrongKey], { passphrase: null, env });
		expect(wrong.code).toBe(3);
		expect(wrong.stderr).toMatch(/Wrong recovery key/);
		const malformed = await writeTemp(v.dir, "bad.txt", "not a key\n");
		expect((await cli(["passwd", v.vault, "--recovery-key-file", malformed], { passphrase: null, env })).code).toBe(2);

		const keyFile = await writeTemp(v.dir, "recovery.txt", `${v.recoveryKey}\n`);
		const reset = await cli(["passwd", v.vault, "--recovery-key-file", keyFile], { passphrase: null, env });
		expect(reset.code).toBe(0);
		expect(reset.out).toMatch(/recovery key/);
		expect((await cli(["cat", v.vault, NOTE])).code).toBe(3);
		expect((await cli(["cat", v.vault, NOTE], { passphrase: "recovered passphrase" })).out).toBe("Recoverable.\n");
		// The recovery key keeps working after use.
		expect(
			(await cli(["passwd", v.vault, "--recovery-key-file", keyFile], { passphrase: null, env: { CLINICAL_VAULT_NEW_PASSPHRASE: "once more, new one" } }))
				.code,
		).toBe(0);
		const audit = await cli(["audit", v.vault], { passphrase: "once more, new one" });
		expect(audit.code).toBe(0);
		expect(audit.out).toContain("unlock-recovery");
	});

	it("refuses a new passphrase that is too short or equal to the current one (exit 2)", async () => {
		const v = await vaultWith([]);
		const short = await cli(["passwd", v.vault], { env: { CLINICAL_VAULT_NEW_PASSPHRASE: "short" } });
		expect(short.code).toBe(2);
		expect(short.stderr).toMatch(/at least 10 characters/);
		const same = await cli(["passwd", v.vault], { env: { CLINICAL_VAULT_NEW_PASSPHRASE: PASSPHRASE } });
		expect(same.code).toBe(2);
		expect(same.stderr).toMatch(/same as the current/);
	});
});
