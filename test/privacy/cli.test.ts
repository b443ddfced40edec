/**
 * `clinical-vault privacy-check` and the global `--egress-log` through the CLI (privacy-check as a child process), on real
 * temporary vaults (real record, real crypto) and a loopback Ollama-API server. The child's TMPDIR
 * points at a test folder, so leftover engine folders are planted there and nothing of other runs
 * is seen. Names and content are synthetic.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startFakeOllama, type FakeOllama } from "../support/fake-ollama";
import { TRANSCRIPT_A } from "../drafting/sessions";
import { cli, ensureBuilt, hashTree, makeVault, removeDir, tempDir, writeTemp, type TestVault } from "../cli/support";

let clean: TestVault;
let risky: TestVault;
/** The children's TMPDIR: an empty one for the clean vault, one with a planted leftover for the other. */
let cleanTmp: string;
let tmp: string;
let fake: FakeOllama;

async function plant(vault: string, path: string, content: string): Promise<void> {
	await mkdir(join(vault, path, ".."), { recursive: true });
	await writeFile(join(vault, path), content);
}

async function obsidianConfig(vault: string, core: unknown): Promise<void> {
	await plant(vault, ".vault-config/app.json", "{}");
	await plant(vault, ".vault-config/core-plugins.json", JSON.stringify(core));
}

beforeAll(async () => {
	await ensureBuilt();
	fake = await startFakeOllama();
	tmp = await tempDir("cv-privacy-tmp-");
	cleanTmp = await tempDir("cv-privacy-tmp-");
	clean = await makeVault();
	risky = await makeVault();
	for (const v of [clean, risky]) {
		const added = await cli(["client", "add", v.vault, "--code", "C-0142", "--name", "Marisol Quintero-Vance"]);
		expect(added.code).toBe(0);
	}
	await obsidianConfig(clean.vault, { "file-explorer": true, "file-recovery": false });
	const transcript = await writeTemp(clean.dir, "transcript.md", TRANSCRIPT_A);
	expect((await cli(["put", clean.vault, "C-0142/transcripts/2025-03-04.md", "--from", transcript])).code).toBe(0);
	await plant(clean.vault, "Reading/Attachment theory.md", "synthetic");
}, 120_000);

afterAll(async () => {
	await fake.close();
	for (const v of [clean, risky]) await removeDir(v.dir);
	await removeDir(tmp);
	await removeDir(cleanTmp);
});

const env = (dir = cleanTmp) => ({ TMPDIR: dir });
/** privacy-check runs as a child process: the leftover engine folders it looks for are in os.tmpdir(), which Node reads from the process's TMPDIR. */
const own = (dir?: string) => ({ env: env(dir), spawn: true });

describe("clinical-vault privacy-check", () => {
	it("is clean on a clean vault (exit 0) and changes nothing but the audit log's unlock and lock lines", async () => {
		const before = await hashTree(clean.vault);
		const r = await cli(["privacy-check", clean.vault], own());
		const after = await hashTree(clean.vault);
		expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
		for (const [file, hash] of before) if (!file.startsWith(join("Clinical", "_vault", "audit") + "/")) expect(after.get(file), file).toBe(hash);
		expect(r.stderr).toBe("");
		expect(r.code).toBe(0);
		expect(r.out).toMatch(/^Privacy check: .*\n/);
		expect(r.out).toMatch(/Result: clean\n$/);
		expect(r.out).not.toMatch(/HIGH|MEDIUM|Not checked/);
	});

	it("finds planted plaintext, a client's name in a path, stale audio, leftover temp audio and File recovery (exit 5, each with a fix)", async () => {
		const v = risky.vault;
		// Plaintext in the clinical root, and a name in a path outside it.
		await plant(v, "Clinical/C-0142/notes/session-draft.md", "Synthetic plaintext draft.");
		await plant(v, "Inbox/Marisol Quintero-Vance intake.md", "synthetic");
		// Leftover audio: an unmoved Obsidian recorder file, and an engine temp folder whose process is gone.
		await plant(v, "Recording 20260105101500.webm", "not really audio");
		const dead = spawnSync(process.execPath, ["-e", ""]).pid;
		await plant(tmp, "clinical-vault-abc123/owner.pid", String(dead));
		await plant(tmp, "clinical-vault-abc123/out.json", '{"transcription":[]}');
		// A recording whose session note was signed long ago, with retention at 0 hours.
		const audio = await writeTemp(risky.dir, "a.webm", "synthetic audio bytes");
		expect((await cli(["put", v, "C-0142/audio/2026-01-05.webm", "--from", audio])).code).toBe(0);
		const note = await writeTemp(
			risky.dir,
			"n.md",
			"---\nstatus: signed\nsigned_at: 2026-01-06T10:00:00Z\nsession_date: 2026-01-05\n---\nSynthetic note.\n",
		);
		expect((await cli(["put", v, "C-0142/notes/2026-01-05.md", "--from", note])).code).toBe(0);
		// Obsidian: File recovery on (object format) and the plugin's settings in the same folder.
		await obsidianConfig(v, { "file-recovery": true, sync: false });
		await plant(v, ".vault-config/plugins/clinical-vault/data.json", JSON.stringify({ audioRetentionHours: 0 }));

		const r = await cli(["privacy-check", v], own(tmp));
		expect(r.stderr).toBe("");
		expect(r.code).toBe(5);
		expect(r.out).toMatch(/Result: \d+ findings to fix\n$/);
		const expected: [RegExp, string][] = [
			[/HIGH {3}An unencrypted file is in the clinical folder\.\n {7}path: Clinical\/C-0142\/notes\/session-draft\.md\n {7}fix: {2}\S/, "plaintext"],
			[/HIGH {3}The path contains the name of client C-0142\.\n {7}path: Inbox\/Marisol Quintero-Vance intake\.md\n {7}fix: {2}Rename/, "name"],
			[
				/HIGH {3}A recording from Obsidian's audio recorder lies unencrypted in the vault\.\n {7}path: Recording 20260105101500\.webm\n {7}fix: {2}\S/,
				"recorder audio",
			],
			[/HIGH {3}An engine's temporary folder was left behind .*\n {7}path: .*clinical-vault-abc123\n {7}fix: {2}\S/, "engine temp"],
			[/MEDIUM A recording was kept past its retention date .*\n {7}path: C-0142\/audio\/2026-01-05\.webm\n {7}fix: {2}Apply retention/, "stale audio"],
			[/HIGH {3}Obsidian's File recovery is on.*\n {7}path: \.vault-config\/core-plugins\.json\n {7}fix: {2}Settings → Core plugins/, "file recovery"],
		];
		for (const [pattern, what] of expected) expect(r.out, what).toMatch(pattern);

		const json = await cli(["privacy-check", v, "--json"], own(tmp));
		expect(json.code).toBe(5);
		const report = JSON.parse(json.out) as { clean: boolean; findings: { id: string; severity: string; fix: string }[] };
		expect(report.clean).toBe(false);
		expect(new Set(report.findings.map((f) => f.id))).toEqual(
			new Set(["plaintext-in-record", "name-in-path", "plaintext-audio", "leftover-engine-temp", "audio-past-retention", "file-recovery"]),
		);
		for (const f of report.findings) expect(f.fix).toMatch(/^\S.{10,}$/);
		// The name appears only as part of the path it was found in; file contents never appear.
		expect(json.out.split("Marisol")).toHaveLength(2);
		expect(json.out).not.toContain("Synthetic plaintext draft");
	});

	it("--locked runs without the passphrase and says what it did not check; a wrong passphrase is exit 3, not a half report", async () => {
		const locked = await cli(["privacy-check", clean.vault, "--locked"], { ...own(), passphrase: null });
		expect(locked.code).toBe(0);
		expect(locked.out).toContain("Not checked: names (the record is locked)");
		expect(locked.out).toContain("Not checked: audit (the record is locked)");
		const wrong = await cli(["privacy-check", clean.vault], { ...own(), passphrase: "not the passphrase" });
		expect(wrong.code).toBe(3);
		expect(wrong.out).toBe("");
		const none = await cli(["privacy-check", clean.vault], { ...own(), passphrase: null });
		expect(none.code).toBe(2);
		expect(none.stderr).toMatch(/--passphrase-file/);
	});
});

describe("--egress-log", () => {
	it("prints every outbound attempt when the command ends: allowed with bytes, refused with the reason, on errors too", async () => {
		fake.reply({
			json: { subjective: "Synthetic subjective.", objective: "Synthetic objective.", assessment: "Synthetic assessment.", plan: "Synthetic plan." },
		});
		const port = new URL(fake.url).port;
		const ok = await cli([
			"--egress-log",
			"draft",
			clean.vault,
			"--client",
			"C-0142",
			"--transcript",
			"C-0142/transcripts/2025-03-04.md",
			"--format",
			"soap",
			"--ollama",
			fake.url,
		]);
		expect(ok.code).toBe(0);
		expect(ok.out).toBe("C-0142/notes/2025-03-04.md\n");
		const lines = ok.stderr.split("\n").filter((l) => l.startsWith("egress "));
		expect(lines.length).toBeGreaterThan(0);
		for (const line of lines)
			expect(line).toMatch(
				new RegExp(`^egress 127\\.0\\.0\\.1:${port} allowed ollama sent \\d+(\\.\\d)? (B|KB) received \\d+(\\.\\d)? (B|KB) at \\d{4}-`),
			);
		expect(lines.join("\n")).not.toMatch(/\/api\/|Synthetic|transcript|chat/i);

		const far = await cli(["draft", clean.vault, "--client", "C-0142", "--summary", "-", "--ollama", "http://192.0.2.7:11434", "--egress-log"], {
			input: "Short.",
		});
		expect(far.code).toBe(1);
		expect(far.stderr).toMatch(
			/Refused to contact 192\.0\.2\.7:11434.*\negress 192\.0\.2\.7:11434 refused ollama \(not this computer and not on the allowlist\) at /,
		);

		const quiet = await cli(["ls", clean.vault, "--egress-log"]);
		expect(quiet.code).toBe(0);
		expect(quiet.stderr).toBe("egress: no outbound connections\n");
		expect(quiet.out).toContain("C-0142/profile.md");

		const without = await cli(["ls", clean.vault]);
		expect(without.stderr).toBe("");
		const afterDashes = await cli(["ls", clean.vault, "--", "--egress-log"]);
		expect(afterDashes.code).toBe(2);
		const help = await cli(["--help"]);
		expect(help.out).toMatch(/--egress-log\s+At the end, list every outbound connection tried/);
		expect(help.out).toMatch(/5\s+privacy-check found something/);
		const commandHelp = await cli(["privacy-check", "--help"]);
		expect(commandHelp.code).toBe(0);
		expect(commandHelp.out).toMatch(/--locked/);
	});
});
