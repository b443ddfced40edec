// @vitest-environment happy-dom
/**
 * Measures in a real encrypted record: scores entered from answers and from a total, saved
 * encrypted and audit-logged, the measures page with its chart (parsed by the real Mermaid parser),
 * item alerts, what is due on a fake clock, and every bad input refused with nothing written.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import mermaid from "mermaid";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { ClinicalVaultError } from "../../src/core/errors";
import { MeasuresService } from "../../src/core/measures/MeasuresService";
import { builtinMeasures } from "../../src/core/measures/registry";
import { measureChart } from "../../src/core/measures/page";
import { exportDocument } from "../../src/core/export/exportDocument";
import { listFilesDeep, removeDir, tempDir } from "../core/helpers";

const PASSPHRASE = "correct horse battery";
const CLIENT = "C-0142";
let dir: string;
let record: ClinicalRecord;
let now: Date;
let service: MeasuresService;

beforeAll(() => {
	mermaid.initialize({ startOnLoad: false });
});

beforeEach(async () => {
	dir = await tempDir("measures");
	record = new ClinicalRecord({ store: new NodeFsStore(dir) });
	await record.init(PASSPHRASE, { kdf: floorKdfParams() });
	await record.addClient({ code: CLIENT, name: "Robin Synthetic" });
	await record.writeText(`${CLIENT}/notes/2026-09-01.md`, "---\nclient: C-0142\nsession_date: 2026-09-01\nstatus: draft\n---\n## Subjective\nSynthetic.\n");
	now = new Date("2026-10-01T12:00:00");
	service = new MeasuresService({ record, clock: { now: () => now }, definitions: builtinMeasures() });
});

afterEach(async () => {
	await record.lock();
	await removeDir(dir);
});

async function refusal(fn: () => Promise<unknown>): Promise<ClinicalVaultError> {
	const error = await fn().then(
		() => null,
		(e: unknown) => e,
	);
	expect(error).toBeInstanceOf(ClinicalVaultError);
	return error as ClinicalVaultError;
}

describe("entering scores", () => {
	it("from item answers and from a total alone: saved encrypted, audit-logged, and the page rewritten with a chart that Mermaid parses", async () => {
		const first = await service.add({
			client: CLIENT,
			measure: "phq9",
			answers: [2, 2, 2, 2, 2, 2, 2, 1, 0],
			date: "2026-09-01",
			session: `${CLIENT}/notes/2026-09-01.md`,
		});
		expect(first.entry).toMatchObject({
			measure: "phq9",
			date: "2026-09-01",
			total: 15,
			band: "Moderately severe",
			prorated: 0,
			alerts: [],
			session: `${CLIENT}/notes/2026-09-01.md`,
		});
		await service.add({ client: CLIENT, measure: "phq9", total: 7, date: "2026-09-29" });
		await service.add({ client: CLIENT, measure: "gad7", answers: [1, 1, 1, 1, 1, 1, 1], date: "2026-09-29" });

		const file = await service.read(CLIENT);
		expect(file.entries.map((e) => [e.measure, e.date, e.total, e.answers === null])).toEqual([
			["phq9", "2026-09-01", 15, false],
			["gad7", "2026-09-29", 7, false],
			["phq9", "2026-09-29", 7, true],
		]);
		// Encrypted on disk: no plaintext score file or page.
		const files = await listFilesDeep(dir);
		expect(files.filter((f) => f.includes("measures"))).toEqual(
			expect.arrayContaining([
				expect.stringMatching(/C-0142\/measures\/scores\.json\.cvault$/) as string,
				expect.stringMatching(/C-0142\/measures\.md\.cvault$/) as string,
			]),
		);
		const audit = await record.audit.verify();
		expect(audit.entryList.filter((e) => e.path === `${CLIENT}/measures/scores.json` && e.action !== "open").map((e) => e.action)).toEqual([
			"create",
			"modify",
			"modify",
		]);

		const page = await record.readText(first.pagePath);
		expect(page).toContain("## PHQ-9");
		expect(page).toContain(
			"| 2026-09-29 | 7 (total only) | Mild | -8, reliable, improved, clinically significant | -8, reliable, improved, clinically significant |  |",
		);
		const charts = [...page.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1]!);
		expect(charts).toHaveLength(2);
		for (const chart of charts) expect(await mermaid.parse(chart)).toBeTruthy();
		expect(charts[0]).toBe(
			'xychart-beta\n    title "PHQ-9"\n    x-axis ["2026-09-01", "2026-09-29"]\n    y-axis "Total" 0 --> 27\n    line [15, 7]\n    line [10, 10]\n',
		);
	});

	it("a PHQ-9 item 9 above 0 is kept as an alert with its item, answer and date, and shown on the page, never interpreted", async () => {
		const added = await service.add({ client: CLIENT, measure: "phq9", answers: [1, 1, 1, 1, 1, 1, 1, 1, 2], date: "2026-09-01" });
		expect(added.entry.alerts).toEqual([{ item: "9", number: 9, answer: 2, label: expect.stringContaining("clinician to review") as string }]);
		const page = await record.readText(added.pagePath);
		expect(page).toContain("**item 9 answered 2**");
		expect(page).not.toMatch(/suicid|risk is|low risk|high risk/i);
	});

	it("a clinician's own label or name that holds markup is rendered inert on the page; the chart title cannot break the diagram", async () => {
		const defs = new Map(builtinMeasures());
		const hostile = { ...defs.get("phq2")!, id: "own", name: '<img src="https://example.invalid/x.png"> [[link]] "quote"', title: "# heading" };
		defs.set("own", hostile);
		const own = new MeasuresService({ record, clock: { now: () => now }, definitions: defs });
		const added = await own.add({ client: CLIENT, measure: "own", answers: [1, 1], date: "2026-09-01" });
		const page = await record.readText(added.pagePath);
		expect(page).not.toMatch(/(?<!\\)<img/);
		expect(page).not.toMatch(/(?<!\\)\[\[link/);
		expect(page).toContain("\\# heading");
		const chart = measureChart(hostile, (await own.read(CLIENT)).entries);
		expect(await mermaid.parse(chart)).toBeTruthy();
		expect(chart).not.toContain("<img");
	});
});

describe("bad input is refused and nothing is written", () => {
	it("a date in the future, an unknown measure, answers and a total together, two entries for one session, a session of another client or not in the record", async () => {
		const before = await listFilesDeep(dir);
		expect((await refusal(() => service.add({ client: CLIENT, measure: "phq9", total: 5, date: "2026-10-02" }))).message).toBe(
			"2026-10-02 is in the future (today is 2026-10-01): enter a score on or after the day it was given. Nothing was saved.",
		);
		expect((await refusal(() => service.add({ client: CLIENT, measure: "bdi", total: 5 }))).message).toBe(
			'"bdi" is not a measure Clinical Vault knows. Known: phq9, gad7, pcl5, phq2, gad2.',
		);
		expect((await refusal(() => service.add({ client: CLIENT, measure: "phq9", total: 5, answers: [0, 0, 0, 0, 0, 0, 0, 0, 0] }))).message).toContain(
			"not both",
		);
		expect((await refusal(() => service.add({ client: CLIENT, measure: "phq9", total: 5, date: "2026-02-30" }))).message).toContain("is not a date");
		expect((await refusal(() => service.add({ client: CLIENT, measure: "phq9", total: 5, session: "C-0999/notes/2026-09-01.md" }))).message).toContain(
			"is not one of C-0142's notes",
		);
		expect((await refusal(() => service.add({ client: CLIENT, measure: "phq9", total: 5, session: `${CLIENT}/notes/2026-09-08.md` }))).message).toContain(
			"is not in the record",
		);
		expect(await listFilesDeep(dir)).toEqual(before);

		await service.add({ client: CLIENT, measure: "phq9", total: 12, date: "2026-09-01", session: `${CLIENT}/notes/2026-09-01.md` });
		const again = await refusal(() => service.add({ client: CLIENT, measure: "phq9", total: 9, date: "2026-09-01" }));
		expect(again.message).toBe(
			`PHQ-9 is already entered for ${CLIENT}/notes/2026-09-01.md (total 12). Give it once per session, or replace that score (--replace, or "Replace" in the dialog). Nothing was saved.`,
		);
		const replaced = await service.add({ client: CLIENT, measure: "phq9", total: 9, date: "2026-09-01", replace: true });
		expect(replaced.replaced?.total).toBe(12);
		expect((await service.read(CLIENT)).entries.map((e) => e.total)).toEqual([9]);
	});

	it("a damaged scores file is an integrity error, never emptied", async () => {
		await record.writeText(`${CLIENT}/measures/scores.json`, '{"version": 1, "entries": [{"id": "bad"}], "schedule": []}');
		const error = await refusal(() => service.add({ client: CLIENT, measure: "phq9", total: 5 }));
		expect(error.code).toBe("integrity");
		expect(await record.readText(`${CLIENT}/measures/scores.json`)).toContain('"bad"');
	});
});

describe("what is due", () => {
	it("every session, monthly and at review, on a fake clock", async () => {
		await service.setSchedule(CLIENT, [
			{ measure: "phq9", every: "session" },
			{ measure: "gad7", every: "monthly" },
			{ measure: "pcl5", every: "review" },
		]);
		let file = await service.read(CLIENT);
		expect(service.due(file, "2026-10-01").map((d) => [d.measure, d.why])).toEqual([
			["phq9", "PHQ-9 is given every session (never given yet)"],
			["gad7", "GAD-7 is given monthly (never given yet)"],
		]);
		await service.add({ client: CLIENT, measure: "phq9", total: 8, date: "2026-10-01" });
		await service.add({ client: CLIENT, measure: "gad7", total: 6, date: "2026-09-15" });
		file = await service.read(CLIENT);
		expect(service.due(file, "2026-10-01").map((d) => d.measure)).toEqual([]);
		expect(service.due(file, "2026-10-14").map((d) => d.measure)).toEqual(["phq9"]);
		expect(service.due(file, "2026-10-15").map((d) => d.measure)).toEqual(["phq9", "gad7"]);
		expect(service.due(file, "2026-10-15", true).map((d) => d.measure)).toEqual(["phq9", "gad7", "pcl5"]);
		now = new Date("2026-10-20T09:00:00");
		await service.add({ client: CLIENT, measure: "pcl5", total: 30 });
		file = await service.read(CLIENT);
		expect(service.due(file, "2026-10-20", true).map((d) => d.measure)).toEqual(["phq9", "gad7"]);
		// Given for the review more than two weeks ago: due again while the review is due.
		expect(service.due(file, "2026-11-04", true).map((d) => d.measure)).toEqual(["phq9", "gad7", "pcl5"]);
		expect(service.due(file, "2026-11-04", false).map((d) => d.measure)).toEqual(["phq9", "gad7"]);
		expect((await refusal(() => service.setSchedule(CLIENT, [{ measure: "ors", every: "session" }]))).message).toContain('"ors" is not a measure');
	});
});

describe("export", () => {
	it("the measures page exports as text and PDF like a note: the table row by row, the chart named, not marked draft, audit-logged", async () => {
		await service.add({ client: CLIENT, measure: "phq9", total: 15, date: "2026-09-01" });
		const { pagePath } = await service.add({ client: CLIENT, measure: "phq9", total: 7, date: "2026-09-29" });
		const text = new TextDecoder().decode((await exportDocument(record, pagePath, { format: "text" })).bytes);
		expect(text).toContain("Type: measures page, written by Clinical Vault from the scores entered");
		expect(text).not.toContain("DRAFT");
		expect(text).toContain("(A chart is shown here in Clinical Vault; its numbers are in the table.)");
		expect(text).toContain("Date | Total | Band | Change from first | Change from previous | Alerts");
		expect(text).toContain("2026-09-29 | 7 (total only) | Mild | -8, reliable, improved, clinically significant");
		expect(text).not.toContain("xychart");
		expect(text).not.toContain("---");
		const pdf = await exportDocument(record, pagePath, { format: "pdf" });
		expect(new TextDecoder().decode(pdf.bytes.subarray(0, 5))).toBe("%PDF-");
		expect(pdf.warnings.some((w) => /DRAFT/.test(w))).toBe(false);
		const audit = await record.audit.verify();
		expect(audit.entryList.filter((e) => e.action === "export").map((e) => e.note)).toEqual(["plain text, measures page", "pdf (a4), measures page"]);
	});
});
