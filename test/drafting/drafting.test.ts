/**
 * Drafting end to end: the DraftingService against a loopback server speaking Ollama's API (through
 * the real ollama client), on a real encrypted record. Covers the prompt (client code never the
 * name, num_ctx sized from the input, the JSON schema), the safeguards on adversarial model output,
 * condensing a transcript longer than the model's context, every failure mode keeping the input and
 * any partial draft, and review/sign/addenda.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { ManualClock } from "../../src/core/clock";
import { Cancelled } from "../../src/core/errors";
import { splitFrontmatter } from "../../src/core/markdown/frontmatter";
import { DraftingService, type TemplateSource } from "../../src/core/drafting/DraftingService";
import { findReviewMarkers, RISK_PLACEHOLDER } from "../../src/core/drafting/safeguards";
import { addAddendum, checkEditable, copyForEhr, signNote, verifySignature } from "../../src/core/notes/signing";
import { OllamaClient } from "../../src/engines/ollama";
import { modelNotFound, startFakeOllama, type FakeOllama } from "../support/fake-ollama";
import { SUMMARY_C, TRANSCRIPT_A, TRANSCRIPT_B } from "./sessions";

const NAME = "Robin Syntheticname";
let dir: string;
let record: ClinicalRecord;
let fake: FakeOllama;
let clock: ManualClock;
let custom: Record<string, string>;

const templates: TemplateSource = { load: async (format) => custom[format] ?? null };
const service = () => new DraftingService({ record, llm: new OllamaClient({ host: fake.url, policy: { allowlist: [] } }), templates, clock });

beforeEach(async () => {
	// A fresh server per test: a failing test must not leave scripted replies for the next one.
	fake = await startFakeOllama({
		models: [
			{ name: "llama3.1:8b", contextLength: 131072 },
			{ name: "tiny-ctx:1b", contextLength: 4096 },
		],
	});
	dir = await mkdtemp(join(tmpdir(), "cv-draft-"));
	clock = new ManualClock("2025-03-04T16:00:00Z");
	custom = {};
	record = new ClinicalRecord({ store: new NodeFsStore(dir), clock });
	await record.init("correct horse battery", { kdf: floorKdfParams() });
	await record.addClient({ code: "C-0142", name: NAME, modality: "cbt" });
	await record.addClient({ code: "C-0207", name: "Avery Fictional", modality: "ifs" });
	await record.writeText("C-0142/transcripts/2025-03-04.md", TRANSCRIPT_A);
	await record.writeText("C-0207/transcripts/2025-03-05.md", TRANSCRIPT_B);
});
afterEach(async () => {
	await fake.close();
	await rm(dir, { recursive: true, force: true });
});

const FAITHFUL = {
	subjective:
		"Client reported a rough week with a nonstop workload and little sleep, waking around 3 a.m. with racing thoughts about a project deadline. Client completed the thought record twice.",
	objective: "[unclear in transcript]",
	assessment: "Client was able to use the thought record to reduce the intensity of a self-critical thought.",
	plan: "Wind-down routine in the evening with no laptop after 9 p.m.; one more thought record when worry about work spikes.",
};

async function note(path: string) {
	return splitFrontmatter(await record.readText(path, "internal"));
}

describe("drafting a note", () => {
	it("drafts a SOAP note from a transcript into the template, with the frontmatter and a sized num_ctx", async () => {
		fake.reply({ json: FAITHFUL });
		const result = await service().draft({
			client: "C-0142",
			sessionDate: "2025-03-04",
			format: "soap",
			model: "llama3.1:8b",
			source: { kind: "transcript", path: "C-0142/transcripts/2025-03-04.md" },
		});
		expect(result.notePath).toBe("C-0142/notes/2025-03-04.md");
		const { data, body } = await note(result.notePath);
		expect(data).toMatchObject({
			kind: "note",
			client: "C-0142",
			session_date: "2025-03-04",
			session_number: 1,
			format: "soap",
			status: "draft",
			model: "llama3.1:8b",
			source_transcript: "C-0142/transcripts/2025-03-04.md",
		});
		expect(data.prompt_version).toMatch(/^draft-/);
		expect(body).toContain("# SOAP note: C-0142, session 1, 2025-03-04");
		expect(body).toContain(`## Subjective\n${FAITHFUL.subjective}`);
		expect(body).toMatch(new RegExp(`## Risk assessment\\n+${RISK_PLACEHOLDER.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
		expect(findReviewMarkers(body)).toEqual([]);

		const chat = fake.chats.at(-1)!;
		const allText = chat.messages.map((m) => m.content).join("\n");
		expect(allText).toContain("C-0142");
		expect(allText).not.toContain(NAME);
		expect(allText).not.toContain("Syntheticname");
		expect(allText).toContain("cognitive behavioural therapy");
		expect(chat.format).toMatchObject({ type: "object", required: ["subjective", "objective", "assessment", "plan"] });
		const numCtx = chat.options.num_ctx as number;
		expect(numCtx).toBeGreaterThanOrEqual(4096);
		expect(numCtx).toBeGreaterThan(allText.length / 4);
		expect(numCtx % 1024).toBe(0);
		expect(result.numCtx).toBe(numCtx);
	});

	it("removes or flags an invented diagnosis code, a model risk judgement, a fabricated quote and a sibling never mentioned", async () => {
		fake.reply({
			json: {
				subjective:
					"Client reported a rough week with a nonstop workload and little sleep. Client's sister has been calling her every day to check in. Client stated, \"I feel like I'm drowning at work.\"",
				objective: "[unclear in transcript]",
				assessment: "Client is at low risk of self-harm. Presentation is consistent with F41.1 generalized anxiety disorder.",
				plan: "Wind-down routine in the evening, no laptop after 9 p.m.",
			},
		});
		const result = await service().draft({
			client: "C-0142",
			sessionDate: "2025-03-04",
			format: "soap",
			model: "llama3.1:8b",
			source: { kind: "transcript", path: "C-0142/transcripts/2025-03-04.md" },
		});
		const { data, body } = await note(result.notePath);
		expect(body).not.toContain("low risk of self-harm");
		expect(body).not.toContain("F41.1");
		expect(body).not.toMatch(/generalized anxiety disorder/i);
		const kinds = result.flags.map((f) => f.kind);
		expect(kinds).toEqual(expect.arrayContaining(["risk-domain", "diagnosis", "quote", "unsupported"]));
		expect(result.flags.find((f) => f.kind === "unsupported")!.excerpt).toMatch(/sister/);
		expect(result.flags.find((f) => f.kind === "quote")!.excerpt).toMatch(/drowning/);
		expect(findReviewMarkers(body).length).toBeGreaterThanOrEqual(3);
		expect(data.review_flags).toBe(result.flags.length);
	});

	it("puts a risk flag with timestamps at the top when the transcript mentions risk, and no judgement", async () => {
		fake.reply({
			json: {
				data: "Client reported the critic has been loud this week.",
				parts: "The critic; a younger part about seven.",
				self_energy: "Client reported compassion.",
				ifs_process: "Unblending from an annoyed part.",
				assessment: "Client accessed a younger part.",
				plan: "Continue.",
			},
		});
		const result = await service().draft({
			client: "C-0207",
			sessionDate: "2025-03-05",
			format: "ifs",
			model: "llama3.1:8b",
			source: { kind: "transcript", path: "C-0207/transcripts/2025-03-05.md" },
		});
		const { data, body } = await note(result.notePath);
		expect(result.riskMentions).toEqual(expect.arrayContaining(["[01:15]", "[01:24]"]));
		expect(body).toMatch(/> \[!danger\] Risk content mentioned at \[01:15\].*clinician to assess/);
		expect(data.risk_mentioned_at).toEqual(result.riskMentions);
		const system = fake.chats.at(-1)!.messages[0]!.content;
		expect(system).toContain("Internal Family Systems");
		expect(system).toContain("Never assess risk");
	});

	it("drafts from the clinician's summary, keeps the summary in the record, and keeps a diagnosis the clinician wrote", async () => {
		fake.reply({
			json: {
				data: "Client identified worry as a protector and accessed an exile's fear of abandonment from age 7.",
				parts: "Worry (protector); exile (age 7); firefighter (binge eating), not active today.",
				self_energy: "Self-energy journaling assigned.",
				ifs_process: "Some unburdening occurred.",
				assessment: "Consistent with the clinician's diagnosis of F41.1.",
				plan: "Self-energy journaling homework.",
			},
		});
		const summary = `${SUMMARY_C} Diagnosis: F41.1.`;
		const result = await service().draft({
			client: "C-0142",
			sessionDate: "2025-03-11",
			format: "ifs",
			model: "llama3.1:8b",
			source: { kind: "summary", text: summary },
		});
		expect(result.summaryPath).toBe("C-0142/summaries/2025-03-11.md");
		expect(await record.readText(result.summaryPath!, "internal")).toContain(SUMMARY_C);
		const { data, body } = await note(result.notePath);
		expect(data.source_summary).toBe(result.summaryPath);
		expect(body).toContain("F41.1");
		expect(result.flags.filter((f) => f.kind === "diagnosis")).toEqual([]);
	});

	it("counts the session number from the record and asks for a template's own sections", async () => {
		fake.reply({ json: FAITHFUL });
		await service().draft({
			client: "C-0142",
			sessionDate: "2025-03-04",
			format: "soap",
			model: "llama3.1:8b",
			source: { kind: "transcript", path: "C-0142/transcripts/2025-03-04.md" },
		});
		custom.dap =
			"# DAP: {{client_code}} #{{session_number}}\n\n## Data\n{{section:data}}\n\n## Homework check\n{{section:homework}}\n\n## Risk\n{{risk_placeholder}}\n";
		fake.reply({ json: { data: "Client completed the thought record twice.", homework: "Thought record done twice." } });
		const result = await service().draft({
			client: "C-0142",
			sessionDate: "2025-03-11",
			format: "dap",
			model: "llama3.1:8b",
			source: { kind: "summary", text: "Client completed the thought record twice this week." },
		});
		const { data, body } = await note(result.notePath);
		expect(data.session_number).toBe(2);
		expect(body).toContain("# DAP: C-0142 #2");
		expect(body).toContain("## Homework check\nThought record done twice.");
		expect(fake.chats.at(-1)!.format).toMatchObject({ required: ["data", "homework"] });
	});

	it("condenses a transcript longer than the model's context in passes, and says so in the note", async () => {
		const lines: string[] = [];
		for (let i = 0; i < 700; i++)
			lines.push(
				`[${String(Math.floor(i / 6)).padStart(2, "0")}:${String((i * 10) % 60).padStart(2, "0")}] **Client:** This week the worried part talked about work deadline number ${i} and my sleep again.`,
			);
		await record.writeText("C-0142/transcripts/2025-03-18.md", `---\nkind: transcript\n---\n${lines.join("\n\n")}\n`);
		fake.defaultReply = (chat) =>
			chat.format ? { json: FAITHFUL } : `- Client discussed work deadlines and sleep ("the worried part talked about work deadline").`;
		const result = await service().draft({
			client: "C-0142",
			sessionDate: "2025-03-18",
			format: "soap",
			model: "tiny-ctx:1b",
			source: { kind: "transcript", path: "C-0142/transcripts/2025-03-18.md" },
		});
		expect(result.condensed).toBe(true);
		expect(result.passes).toBeGreaterThan(1);
		const chats = fake.chats.slice(-result.passes - 1);
		expect(chats.slice(0, -1).every((c) => c.format === undefined && /Part \d+ of \d+/.test(c.messages[1]!.content))).toBe(true);
		for (const c of chats) expect(c.options.num_ctx as number).toBeLessThanOrEqual(4096);
		const { data } = await note(result.notePath);
		expect(data).toMatchObject({ condensed: true, condense_passes: result.passes });
	});
});

describe("when drafting fails, the input and any partial draft are kept", () => {
	it("a model that is not pulled names the exact ollama pull command; the summary is kept", async () => {
		fake.reply(modelNotFound("qwen2.5:14b"));
		const error = await service()
			.draft({
				client: "C-0142",
				sessionDate: "2025-03-11",
				format: "soap",
				model: "qwen2.5:14b",
				source: { kind: "summary", text: "Client reported better sleep." },
			})
			.catch((e: unknown) => e);
		expect((error as Error).message).toMatch(/ollama pull qwen2\.5:14b/);
		expect(await record.readText("C-0142/summaries/2025-03-11.md", "internal")).toContain("Client reported better sleep.");
		expect(await record.exists("C-0142/notes/2025-03-11.md")).toBe(false);
	});

	it("Ollama not running: a clear message, nothing lost", async () => {
		const down = new DraftingService({ record, llm: new OllamaClient({ host: "http://127.0.0.1:9", policy: { allowlist: [] } }), templates, clock });
		await expect(
			down.draft({
				client: "C-0142",
				sessionDate: "2025-03-11",
				format: "soap",
				model: "llama3.1:8b",
				source: { kind: "summary", text: "Short summary." },
			}),
		).rejects.toThrow(/Ollama is not running/);
		expect(await record.exists("C-0142/summaries/2025-03-11.md")).toBe(true);
	});

	it("malformed JSON from the model: an incomplete draft that cannot be signed as is", async () => {
		fake.reply('{"subjective": "Client reported a rough week", "plan": ');
		await expect(
			service().draft({
				client: "C-0142",
				sessionDate: "2025-03-04",
				format: "soap",
				model: "llama3.1:8b",
				source: { kind: "transcript", path: "C-0142/transcripts/2025-03-04.md" },
			}),
		).rejects.toThrow(/not valid JSON/);
		const { data, body } = await note("C-0142/notes/2025-03-04.md");
		expect(data).toMatchObject({ status: "draft", incomplete: true });
		expect(body).toContain('"subjective": "Client reported a rough week"');
		await expect(signNote(record, "C-0142/notes/2025-03-04.md", { signer: "Dr. Synthetic", now: clock.now() })).rejects.toThrow(/review marker/);
	});

	it("cancel mid-stream: Cancelled, and what was written so far is kept", async () => {
		const controller = new AbortController();
		fake.reply({ json: FAITHFUL, chunkSize: 8, chunkDelayMs: 15 });
		const running = service().draft({
			client: "C-0142",
			sessionDate: "2025-03-04",
			format: "soap",
			model: "llama3.1:8b",
			source: { kind: "transcript", path: "C-0142/transcripts/2025-03-04.md" },
			signal: controller.signal,
			onProgress: (p) => {
				if (p.stage === "drafting" && p.characters > 60) controller.abort();
			},
		});
		const error = await running.catch((e: unknown) => e);
		expect(error).toBeInstanceOf(Cancelled);
		expect((error as { keptAt?: string }).keptAt).toBe("C-0142/notes/2025-03-04.md");
		const { data, body } = await note("C-0142/notes/2025-03-04.md");
		expect(data.incomplete).toBe(true);
		expect(body).toContain("generation was cancelled");
	});

	it("empty output and a stream cut short are engine errors", async () => {
		fake.reply("");
		await expect(
			service().draft({
				client: "C-0142",
				sessionDate: "2025-03-04",
				format: "soap",
				model: "llama3.1:8b",
				source: { kind: "transcript", path: "C-0142/transcripts/2025-03-04.md" },
			}),
		).rejects.toThrow(/returned nothing/);
		fake.reply({ json: FAITHFUL, fault: { kind: "cut", after: 3 } });
		await expect(
			service().draft({
				client: "C-0142",
				sessionDate: "2025-03-04",
				format: "soap",
				model: "llama3.1:8b",
				source: { kind: "transcript", path: "C-0142/transcripts/2025-03-04.md" },
			}),
		).rejects.toThrow(/Ollama/);
	});

	it("bad input is refused before the model is called", async () => {
		const before = fake.chats.length;
		await expect(
			service().draft({ client: "C-0142", sessionDate: "2025-03-04", format: "soap", model: "llama3.1:8b", source: { kind: "summary", text: "   " } }),
		).rejects.toThrow(/summary is empty/);
		await expect(
			service().draft({
				client: "C-0142",
				sessionDate: "2025-03-04",
				format: "soap",
				model: "llama3.1:8b",
				source: { kind: "transcript", path: "C-0142/transcripts/nope.md" },
			}),
		).rejects.toThrow(/no transcript/);
		await expect(
			service().draft({ client: "C-9999", sessionDate: "2025-03-04", format: "soap", model: "llama3.1:8b", source: { kind: "summary", text: "x" } }),
		).rejects.toThrow(/no client C-9999/);
		expect(fake.chats.length).toBe(before);
	});
});

describe("review, sign, addenda", () => {
	async function draftAdversarial(): Promise<string> {
		fake.reply({ json: { ...FAITHFUL, subjective: `${FAITHFUL.subjective} Client's sister has been calling her every day.` } });
		return (
			await service().draft({
				client: "C-0142",
				sessionDate: "2025-03-04",
				format: "soap",
				model: "llama3.1:8b",
				source: { kind: "transcript", path: "C-0142/transcripts/2025-03-04.md" },
			})
		).notePath;
	}

	it("refuses to sign while review markers remain, listing them; an override is recorded", async () => {
		const path = await draftAdversarial();
		await expect(signNote(record, path, { signer: "Dr. Synthetic, PsyD", now: clock.now() })).rejects.toThrow(/1 review marker.*line \d+/);
		expect((await note(path)).data.status).toBe("draft");
		const signed = await signNote(record, path, { signer: "Dr. Synthetic, PsyD", now: clock.now(), override: "Sister mentioned in an earlier session" });
		expect(signed.markersOverridden).toBe(1);
		const { data } = await note(path);
		expect(data).toMatchObject({
			status: "signed",
			signed_by: "Dr. Synthetic, PsyD",
			review_override: "Sister mentioned in an earlier session",
			review_markers_overridden: 1,
		});
		const audit = await record.audit.entries();
		expect(audit.filter((e) => e.action === "sign").map((e) => e.note ?? "")).toEqual(["", "signed with 1 review marker(s) overridden"]);
	});

	it("signs a clean note with signer, time and hash; then only addenda; Copy for EHR is plain text", async () => {
		fake.reply({ json: FAITHFUL });
		const { notePath } = await service().draft({
			client: "C-0142",
			sessionDate: "2025-03-04",
			format: "soap",
			model: "llama3.1:8b",
			source: { kind: "transcript", path: "C-0142/transcripts/2025-03-04.md" },
		});
		clock.advance(3_600_000);
		const { contentSha256 } = await signNote(record, notePath, { signer: "Dr. Synthetic", now: clock.now() });
		const signedText = await record.readText(notePath, "internal");
		expect(splitFrontmatter(signedText).data).toMatchObject({
			status: "signed",
			signed_by: "Dr. Synthetic",
			signed_at: "2025-03-04T17:00:00.000Z",
			content_sha256: contentSha256,
		});
		expect(await verifySignature(signedText, notePath)).toBe(true);
		await expect(signNote(record, notePath, { signer: "Dr. Synthetic", now: clock.now() })).rejects.toThrow(/already signed/);
		await expect(checkEditable(record, notePath)).rejects.toThrow(/signed and cannot be edited.*addendum/);

		clock.advance(86_400_000);
		await addAddendum(record, notePath, "Client called to report the wind-down routine helped.", { signer: "Dr. Synthetic", now: clock.now() });
		const withAddendum = await record.readText(notePath, "internal");
		expect(withAddendum).toMatch(/## Addendum \(2025-03-05 \d\d:00, Dr\. Synthetic\)\n\nClient called/);
		expect(await verifySignature(withAddendum, notePath)).toBe(true);
		expect(splitFrontmatter(withAddendum).data.addenda).toHaveLength(1);

		const ehr = copyForEhr(withAddendum);
		expect(ehr).not.toContain("---\n");
		expect(ehr).not.toContain("==[review");
		expect(ehr).not.toContain("##");
		expect(ehr).toContain("SUBJECTIVE\n");
		expect(ehr).toContain("Client called to report");

		// Someone edits the signed text behind the plugin's back: no addendum is accepted on top of it.
		await record.writeText(notePath, withAddendum.replace("little sleep", "plenty of sleep"));
		await expect(addAddendum(record, notePath, "More.", { now: clock.now() })).rejects.toThrow(/no longer matches its signature/);
	});

	it("an addendum to a draft is refused; an empty one too", async () => {
		fake.reply({ json: FAITHFUL });
		const { notePath } = await service().draft({
			client: "C-0142",
			sessionDate: "2025-03-04",
			format: "soap",
			model: "llama3.1:8b",
			source: { kind: "transcript", path: "C-0142/transcripts/2025-03-04.md" },
		});
		await expect(addAddendum(record, notePath, "Text.", { now: clock.now() })).rejects.toThrow(/not signed yet/);
		await expect(addAddendum(record, notePath, "  ", { now: clock.now() })).rejects.toThrow(/empty/);
	});
});
