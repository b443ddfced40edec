/**
 * Clinical documents drafted from the synthetic four-session record (test/support/scenario.ts) on a
 * real encrypted record, against a loopback server speaking Ollama's API: every type, the date
 * range, cited dates, the safeguards, the name kept from the model, psychotherapy notes kept apart,
 * and the errors (nothing written).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { DocumentService } from "../../src/core/documents/DocumentService";
import { newPsychotherapyNote } from "../../src/core/notes/psychotherapy";
import { DOCUMENT_TYPE_IDS, DOCUMENT_TYPES, type DocumentTypeId } from "../../src/core/documents/types";
import { findReviewMarkers, RISK_PLACEHOLDER, stripReviewMarkers } from "../../src/core/drafting/safeguards";
import { joinFrontmatter, splitFrontmatter } from "../../src/core/markdown/frontmatter";
import { signNote, verifySignature } from "../../src/core/notes/signing";
import { readSessionNotes } from "../../src/core/brief/sessionNotes";
import { OllamaClient } from "../../src/engines/ollama";
import { modelNotFound, startFakeOllama, type FakeOllama } from "../support/fake-ollama";
import { SCENARIO_CLIENT, SCENARIO_NAME, SCENARIO_NOTES } from "../support/scenario";
import { scenarioRecord, treeHashes, type TestRecord } from "../parts/helpers";
import { CLINICIAN_NOTES, FAITHFUL } from "./answers";

const MODEL = "llama3.1:8b";
const DOB = "1988-03-14";
const TODAY = "2026-07-06";

let t: TestRecord;
let fake: FakeOllama;
let service: DocumentService;

beforeEach(async () => {
	t = await scenarioRecord();
	// The profile holds the date of birth (letters need it; the model never gets it).
	await t.record.writeText(
		t.record.layout.profilePath(SCENARIO_CLIENT),
		`---\ncode: ${SCENARIO_CLIENT}\nname: ${SCENARIO_NAME}\nmodality: ifs\ncreated: 2026-06-01T09:00:00.000Z\ndetails:\n  date of birth: "${DOB}"\n---\n# Client profile\n`,
	);
	fake = await startFakeOllama();
	service = new DocumentService({ record: t.record, clock: t.clock });
});
afterEach(async () => {
	await fake.close();
	await t.cleanup();
});

const llm = (host = fake.url) => new OllamaClient({ host, policy: { allowlist: [] } });
const draft = (type: DocumentTypeId, extra: Partial<Parameters<DocumentService["draft"]>[0]> = {}) =>
	service.draft({
		client: SCENARIO_CLIENT,
		type,
		model: MODEL,
		llm: llm(),
		today: TODAY,
		...(CLINICIAN_NOTES[type] ? { clinicianNotes: CLINICIAN_NOTES[type] } : {}),
		...extra,
	});
const prompt = () => JSON.stringify(fake.chats.at(-1)!.messages);

async function read(path: string) {
	return splitFrontmatter(await t.record.readText(path, "internal"), path);
}

describe("each document type, drafted from the four-session record", () => {
	for (const type of DOCUMENT_TYPE_IDS) {
		it(`${type}: right prompt and schema, saved encrypted as a draft, signable once reviewed`, async () => {
			const spec = DOCUMENT_TYPES[type];
			fake.reply({ json: FAITHFUL[type] });
			const result = await draft(type, type === "client-handout" ? { topic: "Grounding" } : {});
			expect(result.path).toBe(`${SCENARIO_CLIENT}/documents/${TODAY}-${type}.md`);

			// The schema asks for exactly the type's sections.
			const format = fake.chats.at(-1)!.format as { required: string[]; properties: Record<string, unknown> };
			expect(format.required).toEqual(spec.sections.map((s) => s.key));
			// The model never gets the name or the date of birth.
			expect(prompt()).not.toContain(SCENARIO_NAME);
			expect(prompt()).not.toContain("Robin");
			expect(prompt()).not.toContain(DOB);

			const { data, body } = await read(result.path);
			expect(data).toMatchObject({ kind: "document", type, client: SCENARIO_CLIENT, status: "draft", model: MODEL });
			if (spec.readsRecord) {
				// The code, and the notes of the default range: all five notes (intake and four sessions).
				expect(prompt()).toContain(SCENARIO_CLIENT);
				for (const n of SCENARIO_NOTES) expect(prompt()).toContain(`, ${n.date} ===`);
				expect(result.sessions).toEqual(SCENARIO_NOTES.map((n) => n.date));
				expect(data.sources).toEqual(SCENARIO_NOTES.map((n) => n.recordPath));
				// The clinician's risk sections are not sent; the document's risk section is theirs to write.
				expect(prompt()).not.toContain("wanting to disappear");
				expect(body).toContain(RISK_PLACEHOLDER);
				expect(body).toContain("The notes' risk sections were not given to the model");
			} else {
				// A handout gets the topic and the clinician's text only: no code, nothing of the record.
				expect(prompt()).toContain("Grounding");
				expect(prompt()).toContain("five senses exercise");
				for (const word of [SCENARIO_CLIENT, "2026-06", "Critic", "Little One", "panic", "binge"]) expect(prompt()).not.toContain(word);
				expect(data.sources).toEqual([]);
				expect(body).not.toContain(RISK_PLACEHOLDER);
				expect(body).toContain("# Grounding");
			}
			// Name and date of birth are filled in code only where the recipient needs them.
			if (spec.identifies) {
				expect(body).toContain(`Client: ${SCENARIO_NAME} (${SCENARIO_CLIENT}), date of birth ${DOB}`);
			} else {
				expect(body).not.toContain(SCENARIO_NAME);
				expect(body).not.toContain(DOB);
			}
			for (const section of spec.sections) expect(body).toContain(`## ${section.heading}`);

			// Encrypted on disk: no plaintext of the draft in the file.
			const raw = await readFile(join(t.dir, t.record.layout.storePath(result.path)));
			expect(raw.includes(Buffer.from(FAITHFUL[type][spec.sections[0]!.key]!.slice(0, 30)))).toBe(false);
			expect(raw.includes(Buffer.from(SCENARIO_NAME))).toBe(false);

			// Signed the way notes are: refused while markers remain, accepted once they are resolved.
			const markers = findReviewMarkers(body);
			if (markers.length > 0)
				await expect(signNote(t.record, result.path, { signer: "Dr. Test Clinician", now: t.clock.now() })).rejects.toMatchObject({ code: "refused" });
			await t.record.writeText(result.path, joinFrontmatter(data, stripReviewMarkers(body)));
			await signNote(t.record, result.path, { signer: "Dr. Test Clinician", now: t.clock.now() });
			expect(await verifySignature(await t.record.readText(result.path, "internal"), result.path)).toBe(true);
		});
	}

	it("a faithful progress summary has nothing marked but what needs the clinician: the missing diagnosis", async () => {
		fake.reply({ json: FAITHFUL["progress-summary"] });
		const result = await draft("progress-summary");
		const { body } = await read(result.path);
		expect(result.flags.filter((f) => f.kind !== "risk-mention")).toEqual([]);
		expect(findReviewMarkers(body).map((m) => m.reason)).toEqual(["no diagnosis in the treatment plan: enter your own or remove this line"]);
		expect(body).toContain("Morning panic occurred five of seven days [2026-06-09] and two of seven days [2026-06-30].");
	});
});

describe("the date range", () => {
	it("gives the model only the notes inside the range and records it", async () => {
		fake.reply({ json: FAITHFUL["progress-summary"] });
		const result = await draft("progress-summary", { from: "2026-06-16", to: "2026-06-23" });
		expect(result.sessions).toEqual(["2026-06-16", "2026-06-23"]);
		const sent = prompt();
		expect(sent).toContain("covering 2026-06-16 to 2026-06-23");
		expect(sent).toContain("Little One");
		expect(sent).toContain("the Binger");
		// Session 1, session 4 and the intake are outside it.
		expect(sent).not.toContain("trying to keep me from being embarrassed");
		expect(sent).not.toContain("to the wind");
		expect(sent).not.toContain("structured interview");
		const { data } = await read(result.path);
		expect(data.range).toEqual({ from: "2026-06-16", to: "2026-06-23" });
		expect(data.sources).toEqual([`${SCENARIO_CLIENT}/notes/2026-06-16.md`, `${SCENARIO_CLIENT}/notes/2026-06-23.md`]);
	});

	it("marks a cited date that is no session in the range", async () => {
		fake.reply({
			json: {
				...FAITHFUL["progress-summary"],
				progress:
					"Binge episodes fell from four to two a week [2026-06-23]. Morning panic occurred two of seven days [2026-06-30]. The Critic was worked with at length [2026-06-26].",
			},
		});
		const result = await draft("progress-summary", { from: "2026-06-16", to: "2026-06-23" });
		const { body } = await read(result.path);
		expect(body).toContain("[2026-06-23].");
		// A real session, but outside the range; and a day with no session at all.
		expect(body).toMatch(/\[2026-06-30\]\. ==\[review: [^\]]*no session on 2026-06-30 in the notes for 2026-06-16 to 2026-06-23\]==/);
		expect(body).toMatch(/\[2026-06-26\]\. ==\[review: [^\]]*no session on 2026-06-26 in the notes for 2026-06-16 to 2026-06-23\]==/);
		// Every date flagged is outside the range (the other sections cite the intake, session 1 and session 4); none inside it.
		const flagged = new Set(result.flags.filter((f) => f.reason.startsWith("Date ")).map((f) => f.reason.slice(5, 15)));
		expect([...flagged].sort()).toEqual(["2026-06-02", "2026-06-09", "2026-06-26", "2026-06-30"]);
	});

	it("supervision preparation defaults to the last six sessions up to today", async () => {
		for (const date of ["2026-07-07", "2026-07-14"]) {
			await t.record.writeText(
				`${SCENARIO_CLIENT}/notes/${date}.md`,
				`---\nsession_date: ${date}\nnote_type: session\n---\n## Data\nClient talked about the Planner on ${date}.\n`,
			);
		}
		fake.reply({ json: FAITHFUL["supervision-prep"] });
		const result = await draft("supervision-prep", { today: "2026-07-20" });
		expect(result.sessions).toEqual(["2026-06-09", "2026-06-16", "2026-06-23", "2026-06-30", "2026-07-07", "2026-07-14"]);
		expect(result.from).toBe("2026-06-09");
		expect(prompt()).not.toContain("structured interview");
	});
});

describe("safeguards on what the model wrote", () => {
	it("removes a risk judgement and an invented diagnosis, keeps the clinician's own diagnosis", async () => {
		fake.reply({
			json: {
				...FAITHFUL["progress-summary"],
				presenting_concerns:
					"Panic disorder (F41.0) was diagnosed by the clinician at intake [2026-06-02]. The client meets criteria for major depressive disorder [2026-06-16].",
				current_status: "Unburdening of the exile completed [2026-06-30]. The client is low risk.",
			},
		});
		const result = await draft("progress-summary");
		const { body, data } = await read(result.path);
		expect(body).toContain("F41.0");
		expect(body).not.toMatch(/major depressive/i);
		expect(body).not.toMatch(/low risk/i);
		expect(result.flags.some((f) => f.kind === "diagnosis" && /major depressive/i.test(f.reason + f.excerpt))).toBe(true);
		expect(result.flags.some((f) => f.kind === "risk-domain")).toBe(true);
		expect(data.review_flags).toBe(result.flags.length);
		// Each review entry names its section; none points at lines of the joined notes the clinician never sees.
		const review = data.review as { section?: string; at?: unknown }[];
		expect(review).toHaveLength(result.flags.length);
		for (const entry of review) {
			expect(typeof entry.section).toBe("string");
			expect(entry.at).toBeUndefined();
		}
		expect(review.find((r) => /major depressive/i.test(JSON.stringify(r)))?.section).toBeTruthy();
	});

	it("marks a sentence the notes do not support", async () => {
		fake.reply({
			json: { ...FAITHFUL.referral, background: "The client's sister was hospitalized in March and the client started sertraline 50 mg [2026-06-16]." },
		});
		const result = await draft("referral");
		const { body } = await read(result.path);
		expect(body).toMatch(/sertraline 50 mg \[2026-06-16\]\. ==\[review: unsupported/);
	});

	it("takes the client's name out of everything sent to the model", async () => {
		await t.record.writeText(
			`${SCENARIO_CLIENT}/notes/2026-07-01.md`,
			"---\nsession_date: 2026-07-01\nnote_type: session\n---\n## Data\nRobin said the mornings were calmer. Robin Example brought the homework log.\n",
		);
		fake.reply({ json: FAITHFUL["supervision-prep"] });
		await draft("supervision-prep", { clinicianNotes: "Robin asked whether we could meet fortnightly." });
		const sent = prompt();
		expect(sent).not.toContain("Robin");
		expect(sent).toContain("The client said the mornings were calmer");
		expect(sent).toContain("The client asked whether we could meet fortnightly");
	});

	it("quotes the treatment plan's diagnosis verbatim where the template asks for it", async () => {
		const { TreatmentPlanService } = await import("../../src/core/plan/TreatmentPlanService");
		const { DRAFT_ANSWER } = await import("../plan/answers");
		const plans = new TreatmentPlanService({ record: t.record, llm: llm(), clock: t.clock });
		fake.reply({ json: DRAFT_ANSWER });
		const proposal = await plans.proposeDraft(SCENARIO_CLIENT, SCENARIO_NOTES[0]!.recordPath, { model: MODEL });
		await plans.apply(proposal.set, "all");
		const diagnosis = (await plans.load(SCENARIO_CLIENT))!.page.data.diagnosis!.text;
		expect(diagnosis).toContain("F41.0");

		fake.reply({ json: FAITHFUL["medical-necessity"] });
		const result = await draft("medical-necessity");
		const { body } = await read(result.path);
		expect(body).toContain(`Diagnosis (the clinician's, from the treatment plan): ${diagnosis}`);
		// The plan is given to the model as the clinician's; its goals too.
		expect(prompt()).toContain("Wake up without panic most days.");
		expect(findReviewMarkers(body).some((m) => /diagnosis/.test(m.reason))).toBe(false);
		// What only the clinician can say is a marker: the letter cannot be signed without it.
		expect(body).toContain("## Treatment requested\n==[review: clinician to specify]==");
	});

	it("uses the clinician's edited template: its sections, and no risk section when it has none", async () => {
		const edited =
			"# Short referral: {{client_code}}\n\n## Reason\n{{section:reason}}\n\n## Medications the client mentioned\n{{section:medications}}\n\nName: {{client_name}}\n";
		const custom = new DocumentService({ record: t.record, clock: t.clock, templates: { load: async (type) => (type === "referral" ? edited : null) } });
		fake.reply({ json: { reason: "Referral to a dietitian for the evening binge eating.", medications: "[not in the notes for this period]" } });
		const result = await custom.draft({
			client: SCENARIO_CLIENT,
			type: "referral",
			model: MODEL,
			llm: llm(),
			today: TODAY,
			clinicianNotes: CLINICIAN_NOTES.referral!,
		});
		expect((fake.chats.at(-1)!.format as { required: string[] }).required).toEqual(["reason", "medications"]);
		expect(fake.chats.at(-1)!.messages[1]!.content).toContain('- "medications" (Medications the client mentioned, at most 150 words)');
		const { body } = await read(result.path);
		expect(body).toBe(
			`# Short referral: ${SCENARIO_CLIENT}\n\n## Reason\nReferral to a dietitian for the evening binge eating.\n\n## Medications the client mentioned\n[not in the notes for this period]\n\nName: ${SCENARIO_NAME}\n`,
		);
	});
});

describe("psychotherapy notes are kept apart", () => {
	it("creates one in its own folder, leaves it out of documents unless included, and records the inclusion", async () => {
		const path = await newPsychotherapyNote(t.record, SCENARIO_CLIENT, "2026-06-23");
		expect(path).toBe(`${SCENARIO_CLIENT}/psychotherapy/2026-06-23.md`);
		const created = await read(path);
		expect(created.data).toMatchObject({ note_type: "psychotherapy", client: SCENARIO_CLIENT, session_date: "2026-06-23" });
		expect(created.body).toContain("## Countertransference");
		await t.record.writeText(path, joinFrontmatter(created.data, "## Process and impressions\nI suspect the Planner mirrors my own perfectionism.\n"));
		// A second one that day gets its own file; a process note filed among the notes is recognised by its frontmatter.
		expect(await newPsychotherapyNote(t.record, SCENARIO_CLIENT, "2026-06-23")).toBe(`${SCENARIO_CLIENT}/psychotherapy/2026-06-23-2.md`);
		await t.record.writeText(
			`${SCENARIO_CLIENT}/notes/2026-06-24.md`,
			"---\nnote_type: psychotherapy\nsession_date: 2026-06-24\n---\n## Data\nMy countertransference about the father theme.\n",
		);
		expect((await readSessionNotes(t.record, SCENARIO_CLIENT)).notes.map((n) => n.date)).not.toContain("2026-06-24");

		fake.reply({ json: FAITHFUL["supervision-prep"] });
		const without = await draft("supervision-prep");
		expect(prompt()).not.toContain("perfectionism");
		expect(prompt()).not.toContain("countertransference");
		expect(without.includedPsychotherapyNotes).toEqual([]);
		expect((await read(without.path)).data.included_psychotherapy_notes).toBeUndefined();

		fake.reply({ json: FAITHFUL["supervision-prep"] });
		const withThem = await draft("supervision-prep", { includePsychotherapy: true, from: "2026-06-01" });
		expect(prompt()).toContain("I suspect the Planner mirrors my own perfectionism.");
		expect(prompt()).toContain("Psychotherapy note, 2026-06-23 ===");
		const included = [
			`${SCENARIO_CLIENT}/notes/2026-06-24.md`,
			`${SCENARIO_CLIENT}/psychotherapy/2026-06-23-2.md`,
			`${SCENARIO_CLIENT}/psychotherapy/2026-06-23.md`,
		];
		expect([...withThem.includedPsychotherapyNotes].sort()).toEqual(included);
		expect([...((await read(withThem.path)).data.included_psychotherapy_notes as string[])].sort()).toEqual(included);
		expect(withThem.path).toBe(`${SCENARIO_CLIENT}/documents/${TODAY}-supervision-prep-2.md`);
	});

	it("refuses a client that does not exist and a date that is not one", async () => {
		await expect(newPsychotherapyNote(t.record, "C-9999", "2026-06-23")).rejects.toMatchObject({ code: "not-found" });
		await expect(newPsychotherapyNote(t.record, SCENARIO_CLIENT, "23/06/2026")).rejects.toMatchObject({ code: "invalid-input" });
	});
});

describe("bad input: a clear error, nothing written", () => {
	async function expectNothingWritten(run: () => Promise<unknown>, code: string, message: RegExp): Promise<void> {
		const before = await treeHashes(t.dir);
		const requests = fake.chats.length;
		await expect(run()).rejects.toMatchObject({ code, message: expect.stringMatching(message) as unknown });
		expect(await treeHashes(t.dir)).toEqual(before);
		expect(fake.chats.length).toBe(requests);
	}

	it("an empty range, a range with no notes, a client with no sessions, a handout without a topic", async () => {
		await expectNothingWritten(
			() => draft("progress-summary", { from: "2026-06-30", to: "2026-06-01" }),
			"invalid-input",
			/date range 2026-06-30 to 2026-06-01 is empty/,
		);
		await expectNothingWritten(
			() => draft("referral", { from: "2026-01-01", to: "2026-01-31" }),
			"invalid-input",
			/no session notes for C-0417 from 2026-01-01 to 2026-01-31\. Its notes are dated 2026-06-02, 2026-06-09, 2026-06-16, 2026-06-23, 2026-06-30/,
		);
		await t.record.addClient({ code: "C-0500", name: "Sam Placeholder" });
		await expectNothingWritten(
			() => service.draft({ client: "C-0500", type: "progress-summary", model: MODEL, llm: llm(), today: TODAY }),
			"not-found",
			/C-0500 has no session notes yet/,
		);
		await expectNothingWritten(
			() => service.draft({ client: SCENARIO_CLIENT, type: "client-handout", model: MODEL, llm: llm() }),
			"invalid-input",
			/needs a topic/,
		);
		await expectNothingWritten(
			() => service.draft({ client: SCENARIO_CLIENT, type: "essay" as DocumentTypeId, model: MODEL, llm: llm() }),
			"invalid-input",
			/not a document type/,
		);
	});

	it("Ollama down and the model not installed", async () => {
		await expectNothingWritten(
			() => service.draft({ client: SCENARIO_CLIENT, type: "progress-summary", model: MODEL, llm: llm("http://127.0.0.1:9"), today: TODAY }),
			"engine",
			/Ollama is not running at http:\/\/127\.0\.0\.1:9/,
		);
		await expectNothingWritten(() => draft("progress-summary", { model: "qwen2.5:14b" }), "engine", /ollama pull qwen2\.5:14b/);
		// Installed, but the chat itself is refused: still nothing written.
		fake.reply(modelNotFound(MODEL));
		const before = await treeHashes(t.dir);
		await expect(draft("progress-summary")).rejects.toMatchObject({ code: "engine" });
		expect(await treeHashes(t.dir)).toEqual(before);
	});

	it("a stream cut after the model started writing is kept as an incomplete draft", async () => {
		fake.reply({ json: FAITHFUL["progress-summary"], fault: { kind: "cut", after: 8 } });
		const error = await draft("progress-summary").catch((e: unknown) => e);
		expect(error).toMatchObject({ code: "engine", keptAt: `${SCENARIO_CLIENT}/documents/${TODAY}-progress-summary.md` });
		const { data, body } = await read(`${SCENARIO_CLIENT}/documents/${TODAY}-progress-summary.md`);
		expect(data).toMatchObject({ status: "draft", incomplete: true, type: "progress-summary" });
		expect(findReviewMarkers(body)).toHaveLength(1);
	});
});
