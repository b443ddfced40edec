/**
 * The practice server's bearer token: the CLI takes it from CLINICAL_VAULT_ENGINE_TOKEN (never a
 * flag) and sends it; without it an authenticating server's refusal is a clear message; the token
 * never appears in any output, debug details included. (The plugin side, Obsidian's keychain, is
 * tested in test/plugin/care.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateSettings } from "../../src/core/settings";
import { startFakeOllama, type FakeOllama } from "../support/fake-ollama";
import { SCENARIO_ANSWERS } from "../parts/helpers";
import { SESSION_1, SESSION_2 } from "../support/scenario";
import { cli, makeVault, removeDir, writeTemp, type TestVault } from "../cli/support";

const TOKEN = "pr4ctice-t0ken-synthetic";
let fake: FakeOllama;
let v: TestVault;

beforeAll(async () => {
	fake = await startFakeOllama({ token: TOKEN });
	v = await makeVault(["C-0417"]);
	const file = await writeTemp(v.dir, "s1.md", SESSION_1.text);
	expect((await cli(["put", v.vault, SESSION_1.recordPath, "--from", file])).code).toBe(0);
	const file2 = await writeTemp(v.dir, "s2.md", SESSION_2.text);
	expect((await cli(["put", v.vault, SESSION_2.recordPath, "--from", file2])).code).toBe(0);
});
afterAll(async () => {
	await fake.close();
	await removeDir(v.dir);
});

describe("practice-server token", () => {
	it("is refused clearly without the token, works with it, and is never printed", async () => {
		const args = ["parts", v.vault, "--client", "C-0417", "--from-session", SESSION_1.recordPath, "--ollama", fake.url];
		const refused = await cli(args, { env: { CLINICAL_VAULT_DEBUG: "1" } });
		expect(refused.code).toBe(1);
		expect(refused.stderr).toMatch(/refused access \(HTTP 401\): the access token is missing or wrong/);

		fake.reply({ json: SCENARIO_ANSWERS[0] });
		const ok = await cli(args, { env: { CLINICAL_VAULT_ENGINE_TOKEN: TOKEN, CLINICAL_VAULT_DEBUG: "1" } });
		expect(ok.code).toBe(0);
		expect((JSON.parse(ok.stdout.toString()) as { changes: unknown[] }).changes.length).toBeGreaterThan(0);
		expect(fake.requests.filter((r) => r.headers.authorization === `Bearer ${TOKEN}`).length).toBeGreaterThan(0);

		// Another session (the first one's proposal is saved and would be reused without asking the server).
		const wrong = await cli(["parts", v.vault, "--client", "C-0417", "--from-session", SESSION_2.recordPath, "--ollama", fake.url], {
			env: { CLINICAL_VAULT_ENGINE_TOKEN: "not-it", CLINICAL_VAULT_DEBUG: "1" },
		});
		expect(wrong.code).toBe(1);
		for (const r of [refused, ok, wrong]) expect(r.stdout.toString() + r.stderr.toString()).not.toContain(TOKEN);
		expect(wrong.stderr).not.toContain("not-it");
	});

	it("settings keep only the keychain entry's name, never a token", () => {
		expect(migrateSettings({ practiceTokenSecret: " Practice-Server-Token " }).practiceTokenSecret).toBe("practice-server-token");
		expect(migrateSettings({ practiceTokenSecret: "Bearer abc.def/ghi" }).practiceTokenSecret).toBe("");
		expect(migrateSettings({ settingsVersion: 4 }).practiceTokenSecret).toBe("");
	});
});
