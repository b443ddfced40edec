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
		const stopped = await runImport(record, plan, files, { signal: controller.signal, onProgress: (done) => done === 8 && controller.abort() }).catch((e: unknown) => e);
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
		expect(await record.readText("C-0142/notes/2025-03-01.md")).toMatch(/^---\nsession_date: 2025-03-01\nimported: .*\ndate: 2025-03-01\n---\nSynthetic note 1\.\n$/);
		await record.lock();
	});
});
