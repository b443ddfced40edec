/** `clinical-vault draft`, `sign` and `addendum` through the CLI, against a loopback Ollama-API server. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startFakeOllama, type FakeOllama } from "../support/fake-ollama";
import { TRANSCRIPT_A } from "../drafting/sessions";
import { cli, makeVault, removeDir, writeTemp, type TestVault } from "./support";

let v: TestVault;
let fake: FakeOllama;
const SECTIONS = {
	subjective: "Client reported a rough week with little sleep, waking around 3 a.m. with racing thoughts about a project deadline.",
	objective: "[unclear in transcript]",
	assessment: "Client used the thought record to reduce the intensity of a self-critical thought.",
	plan: "Wind-down routine with no laptop after 9 p.m.",
};

beforeAll(async () => {
	fake = await startFakeOllama();
	v = await makeVault(["C-0142"]);
	const file = await writeTemp(v.dir, "transcript.md", TRANSCRIPT_A);
	expect((await cli(["put", v.vault, "C-0142/transcripts/2025-03-04.md", "--from", file])).code).toBe(0);
});

afterAll(async () => {
	await fake.close();
	await removeDir(v.dir);
});

describe("clinical-vault draft, sign, addendum", () => {
	it("drafts from a transcript (Ollama address from --ollama), prints the path, lists what to review", async () => {
		fake.reply({ json: { ...SECTIONS, subjective: `${SECTIONS.subjective} Client's sister visited on Sunday.` } });
		const r = await cli([
			"draft",
			v.vault,
			"--client",
			"C-0142",
			"--transcript",
			"C-0142/transcripts/2025-03-04.md",
			"--format",
			"soap",
			"--ollama",
			fake.url,
		]);
		expect(r.stderr).toMatch(/1 item\(s\) to review before signing:\n {2}- unsupported: .*sister/);
		expect(r.code).toBe(0);
		expect(r.out).toBe("C-0142/notes/2025-03-04.md\n");
		expect(fake.chats.at(-1)!.model).toBe("llama3.1:8b");
		const cat = await cli(["cat", v.vault, "C-0142/notes/2025-03-04.md"]);
		expect(cat.out).toMatch(/status: draft/);
		expect(cat.out).toContain("==[review:");
	});

	it("sign refuses while markers remain (exit 1, listing them), then signs with an override; put cannot overwrite it", async () => {
		const refused = await cli(["sign", v.vault, "C-0142/notes/2025-03-04.md", "--signer", "Dr. Synthetic"]);
		expect(refused.code).toBe(1);
		expect(refused.stderr).toMatch(/still has 1 review marker \(line \d+: unsupported/);
		const signed = await cli(["sign", v.vault, "C-0142/notes/2025-03-04.md", "--signer", "Dr. Synthetic", "--override", "Sister confirmed by phone"]);
		expect(signed.code).toBe(0);
		expect(signed.out).toMatch(/^Signed C-0142\/notes\/2025-03-04\.md \(sha256 [0-9a-f]{16}…, 1 review marker\(s\) overridden\)/);
		const edit = await writeTemp(v.dir, "edit.md", "changed");
		const put = await cli(["put", v.vault, "C-0142/notes/2025-03-04.md", "--from", edit]);
		expect(put.code).toBe(1);
		expect(put.stderr).toMatch(/signed and cannot be edited\. Add an addendum instead/);
		const add = await cli(["addendum", v.vault, "C-0142/notes/2025-03-04.md", "--signer", "Dr. Synthetic"], { input: "Client called: sleep improved.\n" });
		expect(add.code).toBe(0);
		expect((await cli(["cat", v.vault, "C-0142/notes/2025-03-04.md"])).out).toMatch(
			/## Addendum \(\d{4}-\d\d-\d\d \d\d:\d\d, Dr\. Synthetic\)\n\nClient called: sleep improved\./,
		);
		expect((await cli(["verify", v.vault])).code).toBe(0);
	});

	it("sign refuses a note whose session mentioned risk while the risk section is unwritten, --override or not; --risk-not-assessed records why", async () => {
		const summary = "Client disclosed passive suicidal thoughts last month. Practised paced breathing; plan to continue weekly sessions.";
		fake.reply({
			json: {
				subjective: "Client practised paced breathing.",
				objective: "[unclear in transcript]",
				assessment: "Client engaged with the breathing practice.",
				plan: "Continue weekly sessions.",
			},
		});
		const drafted = await cli(
			["draft", v.vault, "--client", "C-0142", "--summary", "-", "--format", "soap", "--date", "2025-03-25", "--ollama", fake.url],
			{ input: summary },
		);
		expect(drafted.out).toBe("C-0142/notes/2025-03-25.md\n");
		const note = "C-0142/notes/2025-03-25.md";
		expect((await cli(["cat", v.vault, note])).out).toMatch(/risk_mentioned_at:/);
		for (const extra of [[], ["--override", "Reviewed every flag"]]) {
			const refused = await cli(["sign", v.vault, note, "--signer", "Dr. Synthetic", ...extra]);
			expect(refused.code).toBe(1);
			expect(refused.stderr).toMatch(
				/was not signed: the session mentioned risk.* and its risk section still holds the "Clinician to complete: risk assessment" placeholder\..*record that risk was not assessed, with the reason.*add --risk-not-assessed "reason"/,
			);
		}
		expect((await cli(["cat", v.vault, note])).out).toMatch(/status: draft/);
		expect((await cli(["sign", v.vault, note, "--signer", "Dr. Synthetic", "--risk-not-assessed", " "])).code).toBe(2);
		const signed = await cli([
			"sign",
			v.vault,
			note,
			"--signer",
			"Dr. Synthetic",
			"--override",
			"Reviewed every flag",
			"--risk-not-assessed",
			"Client left before risk could be assessed",
		]);
		expect(signed.stderr).toBe("");
		expect(signed.code).toBe(0);
		expect(signed.out).toMatch(
			/^Signed C-0142\/notes\/2025-03-25\.md \(sha256 [0-9a-f]{16}…(, \d+ review marker\(s\) overridden)?, risk recorded as not assessed\)\.\n$/,
		);
		const text = (await cli(["cat", v.vault, note])).out;
		expect(text).toContain("risk_not_assessed: Client left before risk could be assessed");
		expect(text).toContain("\nRisk not assessed: Client left before risk could be assessed\n");
		expect(text).not.toContain("Clinician to complete");
		expect(text).toMatch(/signature_version: 2\nsigned_bytes: \d+\ncontent_sha256: [0-9a-f]{64}/);
		expect((await cli(["sign", "--help"])).out).toContain("--risk-not-assessed REASON");
	});

	it("drafts from a summary on stdin with $OLLAMA_HOST=0.0.0.0:port (reached on loopback)", async () => {
		fake.reply({
			json: { data: "Client identified worry as a protector.", assessment: "Work with the protector continued.", plan: "Self-energy journaling." },
		});
		const port = new URL(fake.url).port;
		const r = await cli(["draft", v.vault, "--client", "C-0142", "--summary", "-", "--format", "dap", "--date", "2025-03-11"], {
			input: "Client identified worry as a protector. Assigned Self-energy journaling.",
			env: { OLLAMA_HOST: `0.0.0.0:${port}` },
		});
		expect(r.code).toBe(0);
		expect(r.out).toBe("C-0142/notes/2025-03-11.md\n");
		expect((await cli(["ls", v.vault, "--client", "C-0142"])).out).toContain("C-0142/summaries/2025-03-11.md");
	});

	it("model not pulled, Ollama down, non-loopback Ollama, bad usage: clear errors, right exit codes", async () => {
		// The fake answers Ollama's 404 by itself for a model that is not installed.
		const pull = await cli([
			"draft",
			v.vault,
			"--client",
			"C-0142",
			"--transcript",
			"C-0142/transcripts/2025-03-04.md",
			"--model",
			"qwen2.5:14b",
			"--ollama",
			fake.url,
		]);
		expect(pull.code).toBe(1);
		expect(pull.stderr).toMatch(/ollama pull qwen2\.5:14b/);
		const down = await cli(["draft", v.vault, "--client", "C-0142", "--summary", "-", "--ollama", "http://127.0.0.1:9"], { input: "Short." });
		expect(down.stderr).toMatch(/Ollama is not running at http:\/\/127\.0\.0\.1:9/);
		const far = await cli(["draft", v.vault, "--client", "C-0142", "--summary", "-", "--ollama", "http://192.0.2.7:11434"], { input: "Short." });
		expect(far.stderr).toMatch(/Refused to contact 192\.0\.2\.7:11434/);
		expect((await cli(["draft", v.vault, "--client", "C-0142"])).code).toBe(2);
		expect((await cli(["draft", v.vault, "--client", "C-0142", "--summary", "-", "--format", "essay"], { input: "x" })).stderr).toMatch(
			/not a note format/,
		);
		expect((await cli(["sign", v.vault, "C-0142/notes/2025-03-04.md"])).code).toBe(2);
	});

	it("sign takes the signer's name from the plugin's settings when --signer is not given", async () => {
		const settingsDir = join(v.vault, ".vault-config", "plugins", "clinical-vault");
		await mkdir(settingsDir, { recursive: true });
		await writeFile(join(settingsDir, "data.json"), JSON.stringify({ signerName: "Dr. Settings Synthetic, LMFT" }));
		fake.reply({ json: SECTIONS });
		const drafted = await cli([
			"draft",
			v.vault,
			"--client",
			"C-0142",
			"--transcript",
			"C-0142/transcripts/2025-03-04.md",
			"--date",
			"2025-03-18",
			"--ollama",
			fake.url,
		]);
		expect(drafted.out).toBe("C-0142/notes/2025-03-18.md\n");
		expect((await cli(["sign", v.vault, "C-0142/notes/2025-03-18.md"])).code).toBe(0);
		expect((await cli(["cat", v.vault, "C-0142/notes/2025-03-18.md"])).out).toContain("signed_by: Dr. Settings Synthetic, LMFT");
	});
});
