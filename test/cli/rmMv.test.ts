/**
 * `clinical-vault rm`, `mv` and `client list` through the CLI (run(argv, io)) on a real temporary vault.
 * Record files are written through the core (same passphrase, floor KDF) to keep CLI runs, each
 * an Argon2id unlock, few. A killed mv is simulated by doing its first step through the core.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import { PASSPHRASE, cli, hashTree, makeVault, removeDir, type TestVault } from "./support";

let v: TestVault;
let record: ClinicalRecord;

const SIGNED = "C-0142/notes/2026-08-01.md";
const NOTE = "C-0142/notes/2026-09-01.md";

beforeAll(async () => {
	v = await makeVault(["C-0142", "C-0900"]);
	record = new ClinicalRecord({ store: new NodeFsStore(v.vault) });
	await record.unlock(PASSPHRASE);
	await record.writeText(SIGNED, "---\nsession_date: 2026-08-01\nstatus: signed\nsigned_at: 2026-08-01T18:00:00Z\n---\nSigned synthetic note.\n");
	await record.writeText(NOTE, "---\nsession_date: 2026-09-01\n---\nSynthetic note about the copperfinch.\n");
	await record.lock();
});

afterAll(async () => {
	await record.lock();
	await removeDir(v.dir);
});

/** The audit entries, read through the core (no CLI spawn). */
async function auditEntries(): Promise<{ action: string; path?: string; note?: string }[]> {
	await record.unlock(PASSPHRASE);
	try {
		return await record.audit.entries();
	} finally {
		await record.lock();
	}
}

describe("clinical-vault rm", () => {
	it("refuses before asking for the passphrase: no terminal without --yes, a profile, a missing file; nothing changes", async () => {
		const before = await hashTree(v.vault);
		const cases: [string[], number, RegExp][] = [
			[
				["rm", v.vault, NOTE],
				2,
				/Nothing was changed: there is no terminal to confirm at\. Run again with --yes to crypto-erase C-0142\/notes\/2026-09-01\.md\./,
			],
			[["rm", v.vault, "C-0142/profile.md", "--yes"], 1, /is C-0142's profile: .*rm never removes a profile\./],
			[["rm", v.vault, "C-0142/notes/none.md", "--yes"], 1, /C-0142\/notes\/none\.md does not exist in the record/],
			[["rm", v.vault, NOTE, "--yes", "--erase-signed", "first line\nsecond line"], 2, /The reason for erasing a signed note must be one line\./],
			[["rm", v.vault, "../x.md", "--yes"], 2, /not a valid record path/],
		];
		for (const [args, code, message] of cases) {
			const r = await cli(args, { passphrase: null });
			expect(r.stderr, args.join(" ")).toMatch(message);
			expect(r.code, args.join(" ")).toBe(code);
			expect(r.out).toBe("");
		}
		expect(await hashTree(v.vault)).toEqual(before);
	});

	it("refuses a signed note without --erase-signed; with a reason erases it and audit-logs the reason", async () => {
		const refused = await cli(["rm", v.vault, SIGNED, "--yes"]);
		expect(refused.code).toBe(1);
		expect(refused.stderr).toMatch(
			/is a signed note\. Signed notes are the clinical record, which the law usually requires you to keep for years; rm refuses them\./,
		);
		const r = await cli(["rm", v.vault, SIGNED, "--yes", "--erase-signed", "retention period ended"]);
		expect(r.code, r.stderr).toBe(0);
		expect(r.out).toBe(`Crypto-erased ${SIGNED}\n`);
		expect(r.stderr).toContain("(a signed note)");
		expect((await auditEntries()).some((e) => e.action === "delete" && e.path === SIGNED && e.note === "signed note erased: retention period ended")).toBe(
			true,
		);
	});
});

describe("clinical-vault mv", () => {
	it("refuses a move to another client before the passphrase; moves a note, and finishes a move killed between its two steps (a different destination: test/core/move.test.ts)", async () => {
		const before = await hashTree(v.vault);
		const across = await cli(["mv", v.vault, NOTE, "C-0900/notes/2026-09-01.md"], { passphrase: null });
		expect(across.code).toBe(1);
		expect(across.stderr).toMatch(/belongs to C-0142 and cannot be moved into C-0900's folder/);
		expect(await hashTree(v.vault)).toEqual(before);

		const moved = await cli(["mv", v.vault, NOTE, "C-0142/notes/2026-09-02.md"]);
		expect(moved.code, moved.stderr).toBe(0);
		expect(moved.out).toBe("C-0142/notes/2026-09-02.md\n");

		// A killed mv: the destination written, the source not yet removed.
		await record.unlock(PASSPHRASE);
		const text = await record.readText("C-0142/notes/2026-09-02.md", "internal");
		expect(text).toContain("copperfinch");
		expect(await record.exists(NOTE)).toBe(false);
		await record.writeText("C-0142/notes/2026-09-03.md", text);
		await record.lock();
		const resumed = await cli(["mv", v.vault, "C-0142/notes/2026-09-02.md", "C-0142/notes/2026-09-03.md"]);
		expect(resumed.code, resumed.stderr).toBe(0);
		expect(resumed.stderr).toContain(
			"C-0142/notes/2026-09-03.md already held the same content (an earlier mv was stopped half-way): finished it by erasing C-0142/notes/2026-09-02.md.",
		);

		expect((await record.list({ client: "C-0142" })).map((e) => e.recordPath).sort()).toEqual(["C-0142/notes/2026-09-03.md", "C-0142/profile.md"]);
		const deletes = (await auditEntries()).filter((e) => e.action === "delete").map((e) => [e.path, e.note]);
		expect(deletes).toContainEqual([NOTE, "moved to C-0142/notes/2026-09-02.md"]);
		expect(deletes).toContainEqual(["C-0142/notes/2026-09-02.md", "moved to C-0142/notes/2026-09-03.md"]);
	});
});

describe("clinical-vault client list", () => {
	it("lists codes, dates and consent without names; --names adds them (audited as opens); --codes needs no passphrase", async () => {
		const codes = await cli(["client", "list", v.vault, "--codes"], { passphrase: null });
		expect(codes.code, codes.stderr).toBe(0);
		expect(codes.out).toBe("C-0142\nC-0900\n");

		const profileReads = (entries: unknown[]): string[] =>
			["C-0142/profile.md", "C-0900/profile.md"].filter((p) => JSON.stringify(entries).includes(`"${p}"`));
		const beforePlain = (await auditEntries()).length;
		const plain = await cli(["client", "list", v.vault, "--json"]);
		expect(plain.code, plain.stderr).toBe(0);
		const rows = JSON.parse(plain.out) as { code: string; created: string; consent: string; name?: string }[];
		expect(rows.map((r) => [r.code, r.consent])).toEqual([
			["C-0142", "none"],
			["C-0900", "none"],
		]);
		expect(rows.every((r) => /^\d{4}-\d{2}-\d{2}$/.test(r.created) && r.name === undefined)).toBe(true);
		expect(plain.out).not.toContain("Synthetic");

		// Without --names no profile is opened; with it, each one shown is an audited read (an
		// "open" entry, or a read listed in a batched entry: the log's layout is not what this tests).
		const afterPlain = await auditEntries();
		expect(profileReads(afterPlain.slice(beforePlain))).toEqual([]);
		const beforeNames = afterPlain.length;
		const named = await cli(["client", "list", v.vault, "--names"]);
		expect(named.code, named.stderr).toBe(0);
		const lines = named.out.trim().split("\n");
		expect(lines[0]).toMatch(/^code\s+added\s+modality\s+recording consent\s+name$/);
		expect(lines[1]).toMatch(/^C-0142\s+\d{4}-\d{2}-\d{2}\s+-\s+none\s+Synthetic C-0142$/);
		expect(lines[2]).toMatch(/^C-0900\s+.*Synthetic C-0900$/);
		expect(profileReads((await auditEntries()).slice(beforeNames))).toEqual(["C-0142/profile.md", "C-0900/profile.md"]);
	});
});
