/**
 * An import interrupted halfway (issue 18: "resumable; originals untouched until confirmed"): the
 * run is cancelled after some files, and the next plan lists those as already imported and the rest
 * to import; nothing lands twice, and a file whose original changed since the plan is not imported.
 * In memory (MemoryStore), real WebCrypto. Synthetic text only.
 */
import { describe, expect, it } from "vitest";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { MemoryStore } from "../../src/core/store/MemoryStore";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { isCancelled } from "../../src/core/errors";
import { planImport, type ImportSource } from "../../src/core/import/importPlan";
import { runImport } from "../../src/core/import/runImport";

function sources(count: number): (ImportSource & { text: string })[] {
	return Array.from({ length: count }, (_, i) => {
		const text = `---\ndate: 2025-03-${String(i + 1).padStart(2, "0")}\n---\nSynthetic note ${i + 1}.\n`;
		return { path: `C-0142/note-${String(i + 1).padStart(2, "0")}.md`, text, read: () => Promise.resolve(new TextEncoder().encode(text)) };
	});
}

describe("an import stopped halfway", () => {
	it("resumes: what landed is already imported, the rest is imported once", async () => {
		const record = new ClinicalRecord({ store: new MemoryStore() });
		await record.init("correct horse battery", { kdf: floorKdfParams() });
		await record.addClient({ code: "C-0142", name: "Synthetic Person" });
		const files = sources(20);
		const controller = new AbortController();
		const plan = await planImport(record, files);
		expect(plan.items).toHaveLength(20);
		const stopped = await runImport(record, plan, files, { signal: controller.signal, onProgress: (done) => done === 8 && controller.abort() }).catch(
			(e: unknown) => e,
		);
		expect(isCancelled(stopped)).toBe(true);
		const again = await planImport(record, files);
		expect(again.already.map((a) => a.target)).toEqual(plan.items.slice(0, 8).map((i) => i.target));
		expect(again.items.map((i) => i.target)).toEqual(plan.items.slice(8).map((i) => i.target));
		// One original changes after this plan: it is not imported, and says why.
		const changed = files.map((f, i) => (i === 19 ? { ...f, read: () => Promise.resolve(new TextEncoder().encode(`${f.text}edited\n`)) } : f));
		const result = await runImport(record, again, changed);
		expect(result.imported).toHaveLength(11);
		expect(result.failed).toEqual([{ source: "C-0142/note-20.md", reason: "the file changed since the plan was made; run the import again" }]);
		const notes = (await record.list({ client: "C-0142" })).map((e) => e.recordPath).filter((p) => p.includes("/notes/"));
		expect(notes).toHaveLength(19);
		expect(notes.some((p) => p.includes("-2."))).toBe(false);
		expect(await record.readText("C-0142/notes/2025-03-01.md")).toMatch(
			/^---\nsession_date: 2025-03-01\nimported: .*\ndate: 2025-03-01\n---\nSynthetic note 1\.\n$/,
		);
		await record.lock();
	});
});

describe("import review cases", () => {
	const text = (path: string, body: string): ImportSource & { text: string } => ({
		path,
		text: body,
		read: () => Promise.resolve(new TextEncoder().encode(body)),
	});

	async function freshRecord(): Promise<ClinicalRecord> {
		const record = new ClinicalRecord({ store: new MemoryStore() });
		await record.init("correct horse battery", { kdf: floorKdfParams() });
		await record.addClient({ code: "C-0001", name: "Alex Synthetic" });
		await record.addClient({ code: "C-0002", name: "Alex Synthetic" });
		await record.addClient({ code: "C-0003", name: "Robin Synthetic" });
		return record;
	}

	it("a folder named by a client's code wins over a mapping; a name two clients share is never guessed; a folder called constructor is just a name", async () => {
		const record = await freshRecord();
		const plan = await planImport(
			record,
			[
				text("Import/C-0001/notes/2026-03-02.md", "Synthetic note one.\n"),
				text("Import/notes/2026-03-03.md", "Synthetic note two.\n"),
				text("Import/Alex Synthetic/2026-03-04.md", "Synthetic note three.\n"),
				text("Import/constructor/2026-03-05.md", "Synthetic note four.\n"),
			],
			{ folders: { notes: "C-0003" } },
		);
		expect(plan.items.map((i) => [i.source, i.client, i.clientFrom])).toEqual([
			["Import/C-0001/notes/2026-03-02.md", "C-0001", "folder C-0001"],
			["Import/notes/2026-03-03.md", "C-0003", "mapping notes"],
		]);
		expect(plan.skipped).toEqual([
			{ source: "Import/Alex Synthetic/2026-03-04.md", reason: 'the folder "Alex Synthetic" is the name of more than one client: use --client or --map' },
			{
				source: "Import/constructor/2026-03-05.md",
				reason: "no client: put it in a folder named by the client's code, add client: CODE to its frontmatter, or give --client",
			},
		]);
		await record.lock();
	});

	it("a note with headings that quotes turns stays a note, kept whole; a transcript keeps every line as written", async () => {
		const record = await freshRecord();
		const note =
			"---\nsupervisor_feedback: synthetic\n---\n## Session 4\nTherapist: How was it?\nClient: I argued with my sister.\nTherapist: And then?\nClient: We made up.\n> My formulation: synthetic.\n## Risk\nNo SI, no HI, safety plan reviewed.\n";
		const transcript = "THERAPIST: Hello.\nCLIENT: Hi.\n> a line of the tool's own\nTHERAPIST: How was it?\nCLIENT: Fine.\n";
		const files = [text("C-0003/2026-03-02.md", note), text("C-0003/2026-03-09.txt", transcript)];
		const plan = await planImport(record, files);
		expect(plan.items.map((i) => [i.kind, i.target])).toEqual([
			["note", "C-0003/notes/2026-03-02.md"],
			["transcript", "C-0003/transcripts/2026-03-09.md"],
		]);
		await runImport(record, plan, files);
		expect(await record.readText("C-0003/notes/2026-03-02.md")).toMatch(
			/^---\nsession_date: 2026-03-02\nimported: .*\nsupervisor_feedback: synthetic\n---\n## Session 4\n[\s\S]*No SI, no HI, safety plan reviewed\.\n$/,
		);
		expect((await record.readText("C-0003/transcripts/2026-03-09.md")).endsWith(`---\n${transcript}`)).toBe(true);
		await record.lock();
	});

	it("a stop between the journal and the file: the next run imports it once, never a second copy", async () => {
		const record = await freshRecord();
		const files = [text("C-0003/2026-03-02.md", "Synthetic note.\n")];
		const plan = await planImport(record, files);
		const write = record.write.bind(record);
		record.write = () => Promise.reject(Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" }));
		const failed = await runImport(record, plan, files);
		expect(failed.failed).toHaveLength(1);
		record.write = write;
		const again = await planImport(record, files);
		expect(again.items.map((i) => i.target)).toEqual(["C-0003/notes/2026-03-02.md"]);
		await runImport(record, again, files);
		expect(await planImport(record, files)).toMatchObject({ items: [], already: [{ target: "C-0003/notes/2026-03-02.md" }] });
		expect((await record.list({ client: "C-0003" })).filter((e) => e.recordPath.includes("/notes/"))).toHaveLength(1);
		await record.lock();
	});
});
