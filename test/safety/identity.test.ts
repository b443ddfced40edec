/**
 * The client's name never reaches the model. Every request to a model passes one boundary that
 * takes out the name, the aliases and the profile's details, whatever the input says: here the
 * transcript, the summary, the notes, the intake and the search query all carry them, and every
 * path that talks to a model runs (notes from a transcript and from a summary, a document, the
 * brief's summary, a parts-map update, a plan draft, search embeddings of passages and of a query).
 * A name the model writes anyway is replaced by code.
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { MemoryStore } from "../../src/core/store/MemoryStore";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { DraftingService } from "../../src/core/drafting/DraftingService";
import { DocumentService } from "../../src/core/documents/DocumentService";
import { buildBrief } from "../../src/core/brief/brief";
import { PartsMapService } from "../../src/core/parts/PartsMapService";
import { TreatmentPlanService } from "../../src/core/plan/TreatmentPlanService";
import { SearchService } from "../../src/core/search/SearchService";
import { identityOf, redactor, findIdentifiers } from "../../src/core/safety/identity";
import { splitFrontmatter } from "../../src/core/markdown/frontmatter";
import { ScriptedLlm } from "../support/scriptedLlm";
import { SCENARIO_CLIENT, SCENARIO_NOTES, INTAKE } from "../support/scenario";
import { DRAFT_ANSWER } from "../plan/answers";

const NAME = "Robin Example";
const ALIAS = "Robbie";
const PHONE = "555-0142";
const LEAK = /robin|example|robbie|555-0142/i;

async function setUp(): Promise<{ record: ClinicalRecord; clock: ManualClock }> {
	const clock = new ManualClock("2026-07-07T12:00:00Z");
	const record = new ClinicalRecord({ store: new MemoryStore(), clock });
	await record.init("correct horse battery", { kdf: floorKdfParams() });
	await record.addClient({ code: SCENARIO_CLIENT, name: NAME, aliases: [ALIAS], modality: "ifs", details: { phone: PHONE } });
	// The notes say the name, as a clinician's shorthand might.
	for (const n of SCENARIO_NOTES)
		await record.writeText(n.recordPath, n.text.replace("## Data\n", `## Data\n${NAME} (${ALIAS}) came in; phone ${PHONE} confirmed. `));
	await record.writeText(
		`${SCENARIO_CLIENT}/transcripts/2026-07-07.md`,
		`---\nkind: transcript\n---\n[00:05] **Therapist:** Hi Robin, hi ROBIN EXAMPLE, or is it Robbie today?\n\n[00:12] **Client:** Robbie is fine. Robin's week was calmer; call me on ${PHONE}.\n`,
	);
	return { record, clock };
}

describe("the client's identifiers", () => {
	it("are taken out of what the model is sent on every path", async () => {
		const { record, clock } = await setUp();
		const llm = new ScriptedLlm();
		const notes = {
			subjective: ["Client reported a calmer week."],
			objective: ["[unclear in transcript]"],
			assessment: ["Client was calmer."],
			plan: ["Continue."],
		};
		const drafting = new DraftingService({ record, llm, templates: { load: async () => null }, clock });
		llm.reply(notes);
		await drafting.draft({
			client: SCENARIO_CLIENT,
			sessionDate: "2026-07-07",
			format: "soap",
			model: "m",
			source: { kind: "transcript", path: `${SCENARIO_CLIENT}/transcripts/2026-07-07.md` },
		});
		llm.reply(notes);
		await drafting.draft({
			client: SCENARIO_CLIENT,
			sessionDate: "2026-07-08",
			format: "soap",
			model: "m",
			source: { kind: "summary", text: `${NAME} said ${ALIAS} slept better. Phone ${PHONE}.` },
		});
		llm.reply({ overview: ["The client was calmer [2026-06-30]."], recent_work: ["x"], process: ["x"], stuck_points: ["x"], questions: ["x"] });
		await new DocumentService({ record, clock }).draft({
			client: SCENARIO_CLIENT,
			type: "supervision-prep",
			model: "m",
			llm,
			today: "2026-07-06",
			clinicianNotes: `Questions about ${NAME}.`,
		});
		llm.reply({ sentences: [{ text: "The client named the Binger.", session: "2026-06-23" }] });
		await buildBrief(record, { client: SCENARIO_CLIENT, today: "2026-07-07", summarize: { llm, model: "m" } });
		llm.reply({ parts: [], self_energy: [], self_energy_evidence: "" });
		await new PartsMapService({ record, clock }).propose({ client: SCENARIO_CLIENT, session: SCENARIO_NOTES[1]!.recordPath, model: "m", llm });
		llm.reply(DRAFT_ANSWER);
		await new TreatmentPlanService({ record, llm, clock }).proposeDraft(SCENARIO_CLIENT, INTAKE.recordPath, { model: "m" });
		const search = new SearchService({ record });
		await search.open();
		await search.embedPending({ llm, model: "nomic-embed-text" });
		await search.search(`what did ${NAME} say about ${ALIAS}'s father`, { llm, model: "nomic-embed-text" });

		expect(llm.requests.length).toBe(6);
		expect(llm.embedded.flat().length).toBeGreaterThan(5);
		const sent = llm.sentText();
		expect(sent).toContain(SCENARIO_CLIENT);
		expect(sent.match(LEAK)).toBeNull();
		search.dispose();
	}, 20_000);

	it("the model's own use of them is replaced and flagged", async () => {
		const { record, clock } = await setUp();
		const llm = new ScriptedLlm().reply({
			subjective: ["Robin Example reported a calmer week.", "Robbie slept better."],
			objective: ["x"],
			assessment: ["Robin's phone 555-0142 works."],
			plan: ["Continue."],
		});
		const result = await new DraftingService({ record, llm, templates: { load: async () => null }, clock }).draft({
			client: SCENARIO_CLIENT,
			sessionDate: "2026-07-07",
			format: "soap",
			model: "m",
			source: { kind: "transcript", path: `${SCENARIO_CLIENT}/transcripts/2026-07-07.md` },
		});
		const body = splitFrontmatter(await record.readText(result.notePath, "internal"), result.notePath).body;
		expect(body.match(LEAK)).toBeNull();
		expect(result.flags.filter((f) => f.kind === "identifier")).toHaveLength(3);
		expect(body).toContain("The client reported a calmer week. ==[review: identifier replaced");
	});

	it("are matched whole in any case, and word by word only as written with a capital", () => {
		const identity = identityOf({ name: "Robin Vega", aliases: ["Bee"], details: { "date of birth": "1988-03-14", modality: "ifs" } });
		const redact = redactor(identity);
		expect(redact("ROBIN VEGA and robin vega, Robin, Vega's and Bee; born 1988-03-14.")).toBe(
			"The client and the client, the client, the client's and the client; born [identifier removed].",
		);
		// A robin in a sentence about birds, and the modality, stay.
		expect(redact("She watched a robin; ifs work continues.")).toBe("She watched a robin; ifs work continues.");
		expect(findIdentifiers("Vega said hi", identity)).toEqual(["Vega"]);
		// Short and hyphenated names: each part counts, a two-letter one only with its capital.
		const jo = redactor(identityOf({ name: "Jo Tanaka" }));
		expect(jo("Jo said so; JO agreed.")).toBe("The client said so; the client agreed.");
		const mj = redactor(identityOf({ name: "Mary-Jane Smith" }));
		expect(mj("Jane said Mary-Jane and Mary were one person.")).toBe("The client said the client and the client were one person.");
	});
});
