/**
 * Search over transcripts in every form (issue 18): a transcript without "[mm:ss]" stamps was
 * indexed as 0 passages and search said nothing. Each form below holds one word no other file has;
 * search finds it, at the right line, with the time where the form gives one; an empty transcript is
 * named as having no searchable text. Real encrypted record in a temporary folder, keyword search
 * (no model). Synthetic text only.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { SearchService } from "../../src/core/search/SearchService";
import { removeDir, tempDir } from "../core/helpers";

const CLIENT = "C-0150";
/** [file, text, the word only it holds, the 1-based line of the passage holding it, its time or null] */
const FORMS: [string, string, string, number, number | null][] = [
	[
		"2026-03-02-vtt.md",
		"WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Therapist>Welcome back.\n\n00:00:04.000 --> 00:00:09.000\n<v Client>The marmalade jar broke again.\n",
		"marmalade",
		4,
		1,
	],
	[
		"2026-03-09-srt.md",
		"1\n00:01:00,000 --> 00:01:04,000\nTHERAPIST: What happened at the lighthouse?\n\n2\n00:01:05,000 --> 00:01:08,000\nCLIENT: I froze.\n",
		"lighthouse",
		3,
		60,
	],
	["2026-03-16-labelled.md", "THERAPIST: How was the week?\nCLIENT: I repotted the begonias.\nTHERAPIST: And sleep?\nCLIENT: Better.\n", "begonias", 1, null],
	["2026-03-23-otter.md", "Speaker 1  0:03\nHow was the week?\n\nSpeaker 2  0:09\nI finally called the landlord about the radiator.\n", "radiator", 2, 3],
	["2026-03-30-plain.md", "We talked about the trip to the observatory.\n\nShe wants to go again in spring.\n", "observatory", 1, null],
];

let dir: string;
let record: ClinicalRecord;
let search: SearchService;

beforeAll(async () => {
	dir = await tempDir("cv-search-forms-");
	record = new ClinicalRecord({ store: new NodeFsStore(dir) });
	await record.init("correct horse battery", { kdf: floorKdfParams() });
	await record.addClient({ code: CLIENT, name: "Synthetic Forms Person" });
	for (const [name, text] of FORMS) await record.writeText(`${CLIENT}/transcripts/${name}`, text);
	await record.writeText(`${CLIENT}/transcripts/2026-04-06-empty.md`, "---\nsession_date: 2026-04-06\n---\n\n");
	search = new SearchService({ record });
});

afterAll(async () => {
	search.dispose();
	await record.lock();
	await removeDir(dir);
});

describe("search finds words in every transcript form", () => {
	it("each form is indexed and found at its line, with its time where it has one; the empty one is named", async () => {
		const report = await search.open();
		expect(report.unreadable).toEqual([]);
		expect(report.empty).toEqual([`${CLIENT}/transcripts/2026-04-06-empty.md`]);
		expect(search.filesWithoutPassages()).toEqual([`${CLIENT}/transcripts/2026-04-06-empty.md`]);
		const found: string[] = [];
		for (const [name, , word, line, time] of FORMS) {
			const { hits } = await search.search(word);
			expect(
				hits.map((h) => h.recordPath),
				word,
			).toEqual([`${CLIENT}/transcripts/${name}`]);
			expect(hits[0]!.kind).toBe("transcript");
			expect(hits[0]!.line, word).toBe(line);
			expect(hits[0]!.timestamp, word).toBe(time);
			expect(hits[0]!.date).toBe(name.slice(0, 10));
			found.push(name.slice(11, -3));
		}
		process.stdout.write(`search over transcript forms: found in ${found.length} of ${FORMS.length} forms (${found.join(", ")}); 1 empty file named\n`);
	});

	it("a speaker label is searchable with its words (the window keeps 'Speaker: text')", async () => {
		const { hits } = await search.search("landlord");
		expect(hits[0]!.snippet).toMatch(/Speaker 2/);
	});
});
