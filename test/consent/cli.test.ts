/**
 * `clinical-vault consent`, `client add --recording-consent` and the consent refusal of
 * `transcribe`, through the CLI on real temporary vaults (the transcribe case with the real
 * whisper.cpp engine configured, so the refusal is the consent and nothing else).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeWav, WHISPER_RATE } from "../../src/core/audio/pcm";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import { requireEngines, whisperCli, whisperModel } from "../support/engines";
import { PASSPHRASE, cli, hashTree, makeVault, removeDir, writeTemp, type TestVault } from "../cli/support";

let v: TestVault;
let wav: string;
const engine = ["--engine", "cli", "--whisper-bin", whisperCli, "--model", whisperModel];

beforeAll(async () => {
	requireEngines();
	v = await makeVault(["C-0142", "C-0900"]);
	const samples = new Float32Array(3 * WHISPER_RATE);
	for (let i = 0; i < WHISPER_RATE; i++) samples[WHISPER_RATE + i] = 0.3 * Math.sin((2 * Math.PI * 300 * i) / WHISPER_RATE);
	wav = await writeTemp(v.dir, "session.wav", encodeWav({ sampleRate: WHISPER_RATE, channels: [samples] }));
});

afterAll(async () => {
	await removeDir(v.dir);
});

/** The audit actions and notes, from the CLI's own audit listing. */
async function auditLines(): Promise<string[]> {
	const r = await cli(["audit", v.vault]);
	expect(r.code).toBe(0);
	return r.out.trim().split("\n");
}

describe("clinical-vault consent", () => {
	it("shows that none is on file, and transcribe is refused without it: exit 1, clear message, nothing imported", async () => {
		const shown = await cli(["consent", v.vault, "--client", "C-0142"]);
		expect(shown.code).toBe(0);
		expect(shown.out).toBe("C-0142: no recording consent on file. Recording and transcription are refused.\n");
		const json = await cli(["consent", v.vault, "--client", "C-0142", "--json"]);
		expect(JSON.parse(json.out)).toEqual({ client: "C-0142", status: "none", consent: null, remaining: { audio: [], transcripts: [] } });

		const before = await hashTree(v.vault);
		const r = await cli(["transcribe", v.vault, "--client", "C-0142", "--audio", wav, "--date", "2026-09-01", ...engine]);
		expect(r.code).toBe(1);
		expect(r.out).toBe("");
		expect(r.stderr).toContain(
			'No recording consent is on file for C-0142. Record the client\'s consent first ("Record consent" in Obsidian, or clinical-vault consent <vault> --client C-0142 --recording yes); nothing was recorded or imported.',
		);
		const after = await hashTree(v.vault);
		// Only this computer's audit log changed (the session's entry); no record file was written.
		const changed = [...after.keys()].filter((k) => before.get(k) !== after.get(k));
		expect(changed).toHaveLength(1);
		expect(changed[0]).toMatch(/^Clinical\/_vault\/audit\/d[0-9a-f]{16}\.cvlog$/);
		expect((await cli(["ls", v.vault, "--client", "C-0142"])).out).toBe("C-0142/profile.md\n");
	});

	it("refuses bad input with a usage error before the passphrase, changing nothing", async () => {
		const before = await hashTree(v.vault);
		const cases: [string[], number, RegExp][] = [
			[["consent", v.vault], 2, /consent needs --client CODE/],
			[["consent", v.vault, "--client", "C-0142", "--recording", "maybe"], 2, /"yes" or "no", not "maybe"/],
			[["consent", v.vault, "--client", "C-0142", "--recording", "yes", "--date", "1/9/2026"], 2, /not a date/],
			[["consent", v.vault, "--client", "C-0142", "--recording", "yes", "--date", "2999-01-01"], 2, /in the future/],
			[["consent", v.vault, "--client", "C-0142", "--recording", "yes", "--scope", "x".repeat(400)], 2, /keep it under 300/],
			[["consent", v.vault, "--client", "C-0142", "--date", "2026-09-01"], 2, /--date and --scope go with --recording/],
			[["consent", v.vault, "--client", "C-0142", "--recording", "yes", "--revoke"], 2, /either --recording or --revoke/],
			[["consent", v.vault, "--client", "C-0142", "--yes"], 2, /--yes goes with --revoke/],
			[["consent", v.vault, "--client", "C-9999"], 1, /no client C-9999/],
			[["client", "add", v.vault, "--code", "C-0300", "--name", "Synthetic Three", "--recording-consent", "sure"], 2, /"yes" or "no", not "sure"/],
			[
				["client", "add", v.vault, "--code", "C-0300", "--name", "Synthetic Three", "--consent-scope", "audio"],
				2,
				/--consent-scope goes with --recording-consent/,
			],
		];
		for (const [args, code, message] of cases) {
			const r = await cli(args, { passphrase: null });
			expect(r.stderr, args.join(" ")).toMatch(message);
			expect(r.code, args.join(" ")).toBe(code);
			expect(r.out).toBe("");
		}
		expect(await hashTree(v.vault)).toEqual(before);
	});

	it("records consent (printed, JSON, audit-logged) and client add can record it at once", async () => {
		const r = await cli([
			"consent",
			v.vault,
			"--client",
			"C-0142",
			"--recording",
			"yes",
			"--date",
			"2026-09-01",
			"--scope",
			"Audio of sessions for local transcription",
		]);
		expect(r.code, r.stderr).toBe(0);
		expect(r.out).toBe("Recorded C-0142's recording consent: yes, dated 2026-09-01.\n");
		const shown = await cli(["consent", v.vault, "--client", "C-0142"]);
		expect(shown.out).toMatch(
			/^C-0142: recording consent yes\n {2}date: {8}2026-09-01\n {2}scope: {7}Audio of sessions for local transcription\n {2}recorded at: \d{4}-/,
		);
		const json = JSON.parse((await cli(["consent", v.vault, "--client", "C-0142", "--json"])).out) as {
			status: string;
			consent: { recording: string; date: string };
		};
		expect(json).toMatchObject({ status: "yes", consent: { recording: "yes", date: "2026-09-01", scope: "Audio of sessions for local transcription" } });
		expect((await auditLines()).filter((l) => / consent /.test(l)).at(-1)).toMatch(/C-0142\/profile\.md.*recording yes, dated 2026-09-01/);

		const added = await cli(["client", "add", v.vault, "--code", "C-0300", "--name", "Synthetic Three", "--recording-consent", "no"]);
		expect(added.code, added.stderr).toBe(0);
		expect(added.out).toBe("C-0300/profile.md\n");
		expect(JSON.parse((await cli(["consent", v.vault, "--client", "C-0300", "--json"])).out)).toMatchObject({ status: "no", consent: { recording: "no" } });
		const refused = await cli(["transcribe", v.vault, "--client", "C-0300", "--audio", wav, ...engine]);
		expect(refused.code).toBe(1);
		expect(refused.stderr).toMatch(/C-0300 did not consent to recording \(consent on file dated \d{4}-\d\d-\d\d\)/);
	});

	it("revokes: without a terminal needs --yes; then erases exactly the client's audio and transcripts, prunes the search index, audit-logged", async () => {
		for (const [path, from] of [
			["C-0142/audio/2026-09-01.wav", wav],
			["C-0142/attachments/voice-memo.wav", wav],
			["C-0900/audio/2026-09-02.wav", wav],
		] as const) {
			expect((await cli(["put", v.vault, path, "--from", from])).code).toBe(0);
		}
		for (const [path, text] of [
			["C-0142/transcripts/2026-09-01.md", "[00:01] Synthetic zephyrine words.\n"],
			["C-0142/notes/2026-09-01.md", "---\nsession_date: 2026-09-01\n---\nSynthetic lighthouse note.\n"],
			["C-0900/transcripts/2026-09-02.md", "[00:01] Other client's synthetic words.\n"],
		] as const) {
			const file = await writeTemp(v.dir, "put.md", text);
			expect((await cli(["put", v.vault, path, "--from", file])).code).toBe(0);
		}
		// A search builds the encrypted index, with the transcript's words in it.
		expect((await cli(["search", v.vault, "zephyrine", "--ollama", "http://127.0.0.1:9"])).out).toContain("C-0142/transcripts/2026-09-01.md");

		const before = await hashTree(v.vault);
		const noTty = await cli(["consent", v.vault, "--client", "C-0142", "--revoke"]);
		expect(noTty.code).toBe(2);
		expect(noTty.stderr).toContain("A revoke would crypto-erase 2 recording(s) and 1 transcript(s) of C-0142.");
		expect(noTty.stderr).toMatch(/Nothing was changed: there is no terminal to confirm at\. Run again with --revoke --yes/);
		expect(await hashTree(v.vault)).toEqual(before);

		const r = await cli(["consent", v.vault, "--client", "C-0142", "--revoke", "--yes", "--json"]);
		expect(r.code, r.stderr).toBe(0);
		expect(r.stderr).toContain("session notes, summaries and drafts are kept");
		const out = JSON.parse(r.out) as { status: string; erased: string[] };
		expect(out.status).toBe("revoked");
		expect(out.erased.sort()).toEqual(["C-0142/attachments/voice-memo.wav", "C-0142/audio/2026-09-01.wav", "C-0142/transcripts/2026-09-01.md"]);
		const after = await hashTree(v.vault);
		for (const path of out.erased) {
			expect(before.has(`Clinical/${path}.cvault`)).toBe(true);
			expect(after.has(`Clinical/${path}.cvault`)).toBe(false);
		}
		expect(
			(await cli(["ls", v.vault])).out
				.split("\n")
				.filter((l) => l !== "")
				.sort(),
		).toEqual(
			[
				"C-0142/notes/2026-09-01.md",
				"C-0142/profile.md",
				"C-0300/profile.md",
				"C-0900/audio/2026-09-02.wav",
				"C-0900/profile.md",
				"C-0900/transcripts/2026-09-02.md",
			].sort(),
		);
		// The other client's files are byte-for-byte untouched.
		for (const key of before.keys()) if (key.includes("/C-0900/")) expect(after.get(key)).toBe(before.get(key));

		const audit = await auditLines();
		expect(audit.some((l) => / consent .*C-0142\/profile\.md.*recording revoked/.test(l))).toBe(true);
		for (const path of out.erased) expect(audit.some((l) => l.includes(path) && / delete /.test(l) && l.includes("consent revoked"))).toBe(true);
		expect((await cli(["verify", v.vault])).code).toBe(0);

		// The encrypted search index no longer holds the erased transcript's words.
		const record = new ClinicalRecord({ store: new NodeFsStore(v.vault) });
		await record.unlock(PASSPHRASE);
		const index = await record.readSystemFile("search-index");
		await record.lock();
		expect(index).not.toBeNull();
		expect(Buffer.from(index!).toString("utf8")).not.toContain("zephyrine");
		expect(Buffer.from(index!).toString("utf8")).toContain("lighthouse");

		// Shown as revoked; transcription refused; a second revoke erases nothing more.
		expect((await cli(["consent", v.vault, "--client", "C-0142"])).out).toMatch(/^C-0142: recording consent revoked on \d{4}-\d\d-\d\d\n/);
		const refused = await cli(["transcribe", v.vault, "--client", "C-0142", "--audio", wav, ...engine]);
		expect(refused.code).toBe(1);
		expect(refused.stderr).toMatch(/C-0142 revoked recording consent on \d{4}-\d\d-\d\d\. .*nothing was recorded or imported\./);
		const again = await cli(["consent", v.vault, "--client", "C-0142", "--revoke", "--yes"]);
		expect(again.code).toBe(0);
		expect(again.out).toBe("C-0142's recording consent was already revoked, and nothing was left to erase.\n");
	});
});
