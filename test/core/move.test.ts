/**
 * Moving and removing one record file (src/core/record/move.ts) on a real temporary folder with
 * real WebCrypto: a move re-encrypts for the new path and is audit-logged; a move stopped between
 * its write and its removal is finished by running it again; a destination with other content, a
 * move across clients, a client's fixed pages, rule-carrying folders, a type change and a pending
 * proposal are refused with nothing changed. rm refuses a profile and a signed note (without a
 * reason), erases derived proposals, finishes a file whose key was already destroyed, and leaves
 * no readable copy of the erased words in any file of the vault.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { utf8 } from "../../src/core/bytes";
import { ManualClock } from "../../src/core/clock";
import { eraseKeyBlock } from "../../src/core/crypto/fileformat";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { checkMove, inspectRemoval, moveRecordFile, removeRecordFile } from "../../src/core/record/move";
import { pendingPath, savePending, type ProposalSet } from "../../src/core/proposals/proposals";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import { syncSearchIndex } from "../../src/cli/commands/consent";
import { decryptEverything, filesContaining } from "../support/decryptAll";
import { changedPaths, removeDir, snapshotDir, tempDir } from "./helpers";
import { failure } from "../support/failure";

const PASSPHRASE = "correct horse battery";
const NOTE = "C-0142/notes/2026-09-01.md";
const NOTE_TEXT = "---\nsession_date: 2026-09-01\n---\n# Session\n\nSynthetic client spoke about the marrowglen garden.\n";

let dir: string;
let store: NodeFsStore;
let record: ClinicalRecord;

beforeEach(async () => {
	dir = await tempDir("move");
	store = new NodeFsStore(dir);
	record = new ClinicalRecord({ store, clock: new ManualClock("2026-09-10T12:00:00Z") });
	await record.init(PASSPHRASE, { kdf: floorKdfParams() });
	await record.addClient({ code: "C-0142", name: "Synthetic Person" });
	await record.addClient({ code: "C-0900", name: "Avery Fictional" });
	await record.writeText(NOTE, NOTE_TEXT);
});

afterEach(async () => {
	await record.lock();
	await removeDir(dir);
});

/** A parts proposal computed from `source`, quoting it. */
function proposal(source: string, evidence: string): ProposalSet {
	return {
		version: 1,
		kind: "parts",
		client: "C-0142",
		source,
		baseHash: "",
		created: "2026-09-10T12:00:00.000Z",
		model: "synthetic",
		changes: [{ id: "a1b2c3", kind: "add-part", summary: "Add the Gardener", evidence }],
	};
}

/** The record's files that changed on disk, the audit log left out. */
async function changedRecordFiles(before: Map<string, Buffer>): Promise<string[]> {
	return changedPaths(before, await snapshotDir(dir)).filter((p) => !p.endsWith("audit.cvlog"));
}

describe("moveRecordFile", () => {
	it("re-encrypts for the new path: same plaintext there, the old file gone, both steps audit-logged", async () => {
		const result = await moveRecordFile(record, NOTE, "C-0142/notes/2026-09-02.md");
		expect(result).toEqual({ from: NOTE, to: "C-0142/notes/2026-09-02.md", resumed: false });
		expect(await record.exists(NOTE)).toBe(false);
		expect(await record.readText("C-0142/notes/2026-09-02.md", "internal")).toBe(NOTE_TEXT);
		// Bound to the new path: its header names it.
		expect((await record.header("C-0142/notes/2026-09-02.md")).path).toBe("C-0142/notes/2026-09-02.md");
		const entries = await record.audit.entries();
		expect(entries.filter((e) => e.path === "C-0142/notes/2026-09-02.md").map((e) => e.action)).toEqual(["create"]);
		expect(entries.filter((e) => e.path === NOTE && e.action === "delete").map((e) => e.note)).toEqual(["moved to C-0142/notes/2026-09-02.md"]);
		expect((await record.verify()).ok).toBe(true);
	});

	it("is resumable: stopped after the write, both files exist; the same move again finishes it without a second write", async () => {
		// The first step of a move, as a killed mv leaves it.
		await record.write("C-0142/notes/2026-09-02.md", utf8(NOTE_TEXT));
		const creates = (await record.audit.entries()).filter((e) => e.action === "create").length;
		const result = await moveRecordFile(record, NOTE, "C-0142/notes/2026-09-02.md");
		expect(result.resumed).toBe(true);
		expect(await record.exists(NOTE)).toBe(false);
		expect(await record.readText("C-0142/notes/2026-09-02.md", "internal")).toBe(NOTE_TEXT);
		expect((await record.audit.entries()).filter((e) => e.action === "create").length).toBe(creates);
		// Once done, a repeat says where the file went, and changes nothing.
		const again = await failure(() => moveRecordFile(record, NOTE, "C-0142/notes/2026-09-02.md"));
		expect(again.code).toBe("not-found");
		expect(again.message).toContain("C-0142/notes/2026-09-02.md does: if it was moved there, the move is complete");
	});

	it("refuses a destination that holds something else, and every move that breaks a rule, changing nothing", async () => {
		await record.writeText("C-0142/notes/2026-09-03.md", "Another synthetic note.\n");
		await record.writeText("C-0142/transcripts/2026-09-01.md", "[00:01] Synthetic words.\n");
		await record.writeText("C-0142/psychotherapy/2026-09-01.md", "Synthetic process note.\n");
		const before = await snapshotDir(dir);
		const taken = await failure(() => moveRecordFile(record, NOTE, "C-0142/notes/2026-09-03.md"));
		expect(taken.code).toBe("already-exists");
		expect(taken.message).toBe("C-0142/notes/2026-09-03.md already exists and holds something else; a move never overwrites. Nothing was changed.");

		const cases: [string, string, string, RegExp][] = [
			[NOTE, "C-0900/notes/2026-09-01.md", "refused", /belongs to C-0142 and cannot be moved into C-0900's folder: client folders are per client/],
			["C-0142/profile.md", "C-0142/notes/profile.md", "refused", /is the client's profile, which is found by its place/],
			[NOTE, "C-0142/parts-map.md", "refused", /is the client's parts map/],
			["C-0142/transcripts/2026-09-01.md", "C-0142/notes/2026-09-01-t.md", "refused", /C-0142\/transcripts\/ stay in that folder/],
			[NOTE, "C-0142/psychotherapy/2026-09-02.md", "refused", /C-0142\/psychotherapy\/ stay in that folder/],
			["C-0142/psychotherapy/2026-09-01.md", "C-0142/notes/2026-09-04.md", "refused", /psychotherapy\/ stay in that folder/],
			[NOTE, "C-0142/notes/2026-09-01.txt", "refused", /different file types \(text\/markdown, text\/plain\)/],
			[NOTE, NOTE, "invalid-input", /are the same path/],
			[NOTE, "C-0142/../C-0900/x.md", "invalid-input", /may not contain \. or \.\./],
		];
		for (const [from, to, code, message] of cases) {
			const error = await failure(() => moveRecordFile(record, from, to));
			expect(error.code, `${from} -> ${to}`).toBe(code);
			expect(error.message, `${from} -> ${to}`).toMatch(message);
		}
		// Renaming inside a rule-carrying folder is fine (checked without moving).
		expect(checkMove("C-0142/transcripts/2026-09-01.md", "C-0142/transcripts/2026-09-02.md").to).toBe("C-0142/transcripts/2026-09-02.md");
		expect(await changedRecordFiles(before)).toEqual([]);
	});

	it("refuses to move a file with a pending proposal computed from it (the proposal links the old path)", async () => {
		await savePending(record, proposal(NOTE, "the marrowglen garden"));
		const before = await snapshotDir(dir);
		const error = await failure(() => moveRecordFile(record, NOTE, "C-0142/notes/2026-09-02.md"));
		expect(error.code).toBe("refused");
		expect(error.message).toContain(`has a pending proposal computed from it (${pendingPath("C-0142", "parts", NOTE)})`);
		expect(await changedRecordFiles(before)).toEqual([]);
	});
});

describe("removeRecordFile", () => {
	it("never removes a profile; refuses a signed note without a reason and records the reason when given", async () => {
		const profile = await failure(() => removeRecordFile(record, "C-0142/profile.md"));
		expect(profile.code).toBe("refused");
		expect(profile.message).toMatch(/rm never removes a profile\. To erase the client's recordings and transcripts, revoke their recording consent/);
		expect(await record.exists("C-0142/profile.md")).toBe(true);

		const signed = "C-0142/notes/2026-08-01.md";
		await record.writeText(signed, "---\nsession_date: 2026-08-01\nstatus: signed\nsigned_at: 2026-08-01T18:00:00Z\n---\nSigned synthetic note.\n");
		expect((await inspectRemoval(record, signed)).signed).toBe(true);
		const refused = await failure(() => removeRecordFile(record, signed));
		expect(refused.message).toMatch(
			/is a signed note\. Signed notes are the clinical record, which the law usually requires you to keep for years; rm refuses them\..*--erase-signed "REASON"/,
		);
		expect(await record.exists(signed)).toBe(true);
		expect((await failure(() => removeRecordFile(record, signed, { signedReason: "one\ntwo" }))).message).toMatch(/one line/);

		const removed = await removeRecordFile(record, signed, { signedReason: "retention period ended" });
		expect(removed).toEqual({ path: signed, signed: true, derived: [] });
		expect(await record.exists(signed)).toBe(false);
		const entry = (await record.audit.entries()).find((e) => e.action === "delete" && e.path === signed);
		expect(entry?.note).toBe("signed note erased: retention period ended");
	});

	it("finishes a file whose key an interrupted erasure already destroyed, only when told it is unreadable", async () => {
		const storePath = record.layout.storePath(NOTE);
		// The first step of ClinicalRecord.remove, as a kill leaves it: key block overwritten, file still there.
		await store.write(storePath, eraseKeyBlock(await store.read(storePath), NOTE));
		expect((await record.verify()).failures.map((f) => f.path)).toEqual([NOTE]);
		const check = await inspectRemoval(record, NOTE);
		expect(check.unreadable).toMatch(/failed authentication/);
		const refused = await failure(() => removeRecordFile(record, NOTE));
		expect(refused.message).toMatch(
			/does not decrypt .*an earlier erasure \(rm, consent revoke, retention\) was stopped after destroying its key\. Nothing was changed\./,
		);
		expect(await record.exists(NOTE)).toBe(true);
		await removeRecordFile(record, NOTE, { unreadable: true });
		expect(await record.exists(NOTE)).toBe(false);
		expect((await record.verify()).ok).toBe(true);
	});

	it("erased means erased: the file, its proposals and its search passages go; no file of the vault holds its words", async () => {
		await record.writeText("C-0142/notes/2026-09-05.md", "---\nsession_date: 2026-09-05\n---\nSynthetic lighthouse session.\n");
		await savePending(record, proposal(NOTE, "spoke about the marrowglen garden"));
		const kept = await savePending(record, proposal("C-0142/notes/2026-09-05.md", "the lighthouse"));
		await syncSearchIndex(record);
		// Nothing is written when there is no index yet: build one the way search does.
		const { SearchService } = await import("../../src/core/search/SearchService");
		const search = new SearchService({ record });
		await search.open();
		expect((await search.search("marrowglen")).hits.length).toBeGreaterThan(0);
		search.dispose();
		expect(filesContaining(await decryptEverything(dir, record), "marrowglen").sort()).toEqual(
			[
				"Clinical/C-0142/notes/2026-09-01.md.cvault",
				`Clinical/${pendingPath("C-0142", "parts", NOTE)}.cvault`,
				"Clinical/_vault/search-index.cvault",
			].sort(),
		);

		const removed = await removeRecordFile(record, NOTE, { note: "removed with rm" });
		expect(removed.derived).toEqual([pendingPath("C-0142", "parts", NOTE)]);
		await syncSearchIndex(record);

		const files = await decryptEverything(dir, record);
		expect(filesContaining(files, "marrowglen")).toEqual([]);
		// The check can see: what was kept is still found, decrypted.
		expect(filesContaining(files, "lighthouse").sort()).toEqual(
			["Clinical/C-0142/notes/2026-09-05.md.cvault", `Clinical/${kept}.cvault`, "Clinical/_vault/search-index.cvault"].sort(),
		);
		expect(files.filter((f) => f.file.endsWith(".cvault")).every((f) => f.decrypted)).toBe(true);
		const deletes = (await record.audit.entries()).filter((e) => e.action === "delete").map((e) => [e.path, e.note]);
		expect(deletes).toEqual([
			[pendingPath("C-0142", "parts", NOTE), `its source ${NOTE} was removed`],
			[NOTE, "removed with rm"],
		]);
	});
});
