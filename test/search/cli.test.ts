/**
 * `clinical-vault search` end to end: the CLI on a real temporary vault with the synthetic
 * scenario, against the fake Ollama on loopback (hybrid), against an address where nothing
 * listens (keyword only, said in one line), with bad input and with a damaged index file.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startFakeOllama, type FakeOllama } from "../support/fake-ollama";
import { SCENARIO_CLIENT, SCENARIO_NOTES, SESSION_2 } from "../support/scenario";
import { cli, makeVault, removeDir, writeTemp, type TestVault } from "../cli/support";

let v: TestVault;
let fake: FakeOllama;
const DEAD = "http://127.0.0.1:9";

interface JsonHit {
	recordPath: string;
	date: string | null;
	sessionNumber: number | null;
	snippet: string;
	highlights: [number, number][];
	score: number;
}

beforeAll(async () => {
	fake = await startFakeOllama();
	v = await makeVault([SCENARIO_CLIENT, "C-0900"]);
	for (const n of SCENARIO_NOTES) {
		const file = await writeTemp(v.dir, "note.md", n.text);
		const put = await cli(["put", v.vault, n.recordPath, "--from", file]);
		if (put.code !== 0) throw new Error(put.stderr);
	}
}, 120_000);

afterAll(async () => {
	await fake.close();
	await removeDir(v.dir);
});

describe("clinical-vault search", () => {
	it("without Ollama: keyword hits with path, date, snippet and score, and one line saying so", async () => {
		const r = await cli(["search", v.vault, "father", "--client", SCENARIO_CLIENT, "--ollama", DEAD]);
		expect(r.code, r.stderr).toBe(0);
		expect(r.stderr).toMatch(/Built the search index: 5 files/);
		expect(r.stderr).toMatch(/Keyword search only: embedding failed \(.*\)/);
		expect(r.out).toContain(`${SESSION_2.recordPath} :`);
		expect(r.out).toMatch(/\(2026-06-16, session 2, note, "Data"\) {2}score \d+\.\d{4}/);
		expect(r.out).toMatch(/\*father\*/);
		expect(r.out).not.toContain("Robin");
	});

	it("with Ollama: embeds what is missing (progress on stderr), then searches hybrid; --json prints the hits", async () => {
		const r = await cli(["search", v.vault, "witnessing", "--ollama", fake.url, "--json", "--limit", "3"]);
		expect(r.code, r.stderr).toBe(0);
		expect(r.stderr).toMatch(/Embedding \d+ passages with nomic-embed-text/);
		const parsed = JSON.parse(r.out) as { mode: string; hits: JsonHit[] };
		expect(parsed.mode).toBe("hybrid");
		expect(parsed.hits).toHaveLength(3);
		expect(parsed.hits[0]!.snippet.toLowerCase()).toContain("witnessing");
		expect(parsed.hits.every((h) => h.recordPath.startsWith(`${SCENARIO_CLIENT}/notes/`) && typeof h.score === "number")).toBe(true);
		const embedded = fake.requests.filter((q) => q.path === "/api/embed").length;

		const again = await cli(["search", v.vault, '"little one"', "--ollama", fake.url, "--json", "--from", "2026-06-20"]);
		expect(again.code, again.stderr).toBe(0);
		expect(again.stderr).not.toMatch(/Embedding/);
		expect(fake.requests.filter((q) => q.path === "/api/embed").length).toBe(embedded + 1);
		const hits = (JSON.parse(again.out) as { hits: JsonHit[] }).hits;
		expect(hits.length).toBeGreaterThan(0);
		expect(hits.every((h) => h.date! >= "2026-06-20" && /little one/i.test(h.snippet))).toBe(true);
	});

	it("bad input is a clear error: empty query, unknown client, bad kind or date", async () => {
		const empty = await cli(["search", v.vault, "  "]);
		expect(empty.code).toBe(2);
		expect(empty.stderr).toMatch(/search is empty/);
		const unknown = await cli(["search", v.vault, "father", "--client", "C-9999", "--ollama", DEAD]);
		expect(unknown.code).toBe(1);
		expect(unknown.stderr).toMatch(/There is no client C-9999/);
		expect((await cli(["search", v.vault, "father", "--kind", "profile"])).stderr).toMatch(/--kind "profile" is not one of/);
		expect((await cli(["search", v.vault, "father", "--from", "June"])).code).toBe(2);
	});

	it("a damaged index is rebuilt from the record, said on stderr, and the search still answers", async () => {
		const file = join(v.vault, "Clinical/_vault/search-index.cvault");
		const bytes = await readFile(file);
		await writeFile(file, bytes.subarray(0, bytes.length - 100));
		const r = await cli(["search", v.vault, "Binger", "--ollama", DEAD]);
		expect(r.code, r.stderr).toBe(0);
		expect(r.stderr).toMatch(/The search index could not be used \(.*\); it was rebuilt from the record\./);
		expect(r.out).toContain(`${SCENARIO_CLIENT}/notes/2026-06-23.md`);
		const verify = await cli(["verify", v.vault]);
		expect(verify.code, verify.out + verify.stderr).toBe(0);
	});
});
