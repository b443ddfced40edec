/**
 * Multi-step consent commands that survive a kill (issue 14, item 1) and leave no derived copy
 * (item 5), on real temporary folders with real WebCrypto and the CLI:
 *   - `client add` with consent is one write: a crash at any store operation leaves either no
 *     client or a client with its consent; a profile an older version left without consent is
 *     finished by running the same command again.
 *   - a revoke killed after destroying a file's key but before removing it leaves a file that
 *     verify reports, that the consent status and unfinishedRevokeHint explain, and that running
 *     the revoke again (CLI) finishes; a revoke killed before its derived proposals went finishes
 *     them too.
 *   - after the revoke no file of the vault, decrypted, holds a word of the erased transcript.
 * The kills are simulated by a store that fails one operation, then the CLI is run.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { utf8 } from "../../src/core/bytes";
import { ManualClock } from "../../src/core/clock";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import {
	addClientWithConsent,
	consentDerived,
	consentErasure,
	readConsent,
	revokeConsent,
	setConsent,
	unfinishedRevokeHint,
} from "../../src/core/record/consent";
import { pendingPath, savePending, type ProposalSet } from "../../src/core/proposals/proposals";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import { SearchService } from "../../src/core/search/SearchService";
import { PASSPHRASE, cli } from "../cli/support";
import { decryptEverything, filesContaining } from "../support/decryptAll";
import { removeDir, tempDir } from "../core/helpers";
import { failure } from "../support/failure";

/** A real folder store that fails (as a kill would stop) the one operation `failAt` picks. */
class KillableStore extends NodeFsStore {
	/** Counts the mutating operations on record files and the audit log; throws at number `failAt`. */
	failAt = 0;
	count = 0;
	/** Fails removing any file whose path passes this test (a kill right after its key was destroyed). */
	failRemove: (path: string) => boolean = () => false;
	private step(path: string): void {
		if (this.failAt === 0 || path.includes(".writer.lock")) return;
		if (++this.count === this.failAt) throw new Error(`killed at operation ${this.count} (${path})`);
	}
	override async write(path: string, data: Uint8Array): Promise<void> {
		this.step(path);
		await super.write(path, data);
	}
	override async append(path: string, data: Uint8Array): Promise<void> {
		this.step(path);
		await super.append(path, data);
	}
	override async rename(from: string, to: string): Promise<void> {
		this.step(to);
		await super.rename(from, to);
	}
	override async remove(path: string): Promise<void> {
		if (this.failRemove(path)) throw new Error(`killed before removing ${path}`);
		this.step(path);
		await super.remove(path);
	}
}

let dir: string;
let store: KillableStore;
let record: ClinicalRecord;

beforeEach(async () => {
	dir = await tempDir("resume");
	store = new KillableStore(dir);
	record = new ClinicalRecord({ store, clock: new ManualClock("2026-09-10T12:00:00Z") });
	await record.init(PASSPHRASE, { kdf: floorKdfParams() });
});

afterEach(async () => {
	store.failAt = 0;
	store.failRemove = () => false;
	await record.lock();
	await removeDir(dir);
});

describe("client add with recording consent", () => {
	it("is one write: a kill at any step leaves no client, or the client with its consent (never one without)", async () => {
		const states = new Set<string>();
		for (let failAt = 1; failAt <= 40; failAt++) {
			const code = `C-${String(1000 + failAt)}`;
			store.count = 0;
			store.failAt = failAt;
			let done = false;
			try {
				await addClientWithConsent(record, { code, name: "Synthetic Person" }, { recording: "yes", date: "2026-09-10" });
				done = true;
			} catch {
				// The kill.
			}
			store.failAt = 0;
			await record.sweep();
			const exists = await record.exists(record.layout.profilePath(code));
			if (exists) {
				expect(await readConsent(record, code), `killed at ${failAt}`).toMatchObject({ recording: "yes", date: "2026-09-10" });
				// Write-ahead: the consent entry is in the log whenever the profile exists.
				expect((await record.audit.entries()).some((e) => e.action === "consent" && e.path === `${code}/profile.md`)).toBe(true);
			}
			states.add(exists ? "client with consent" : "no client");
			if (done) break;
		}
		expect([...states].sort()).toEqual(["client with consent", "no client"]);
	});

	it("finishes a profile an older version left without consent; a repeat changes nothing; another name is refused", async () => {
		await record.addClient({ code: "C-0142", name: "Synthetic Person" });
		const first = await addClientWithConsent(record, { code: "C-0142", name: "Synthetic Person" }, { recording: "yes", date: "2026-09-10" });
		expect(first.outcome).toBe("finished");
		expect(await readConsent(record, "C-0142")).toMatchObject({ recording: "yes", date: "2026-09-10" });
		const bytes = await store.read(record.layout.storePath("C-0142/profile.md"));
		expect((await addClientWithConsent(record, { code: "C-0142", name: "Synthetic Person" }, { recording: "yes", date: "2026-09-10" })).outcome).toBe(
			"unchanged",
		);
		const other = await failure(() => addClientWithConsent(record, { code: "C-0142", name: "Avery Fictional" }, { recording: "yes", date: "2026-09-10" }));
		expect(other.code).toBe("already-exists");
		expect(other.message).toBe("Client C-0142 already exists. Nothing was changed.");
		const flipped = await failure(() =>
			addClientWithConsent(record, { code: "C-0142", name: "Synthetic Person" }, { recording: "no", date: "2026-09-10" }),
		);
		expect(flipped.message).toMatch(/already exists with other recording consent on file/);
		expect(Buffer.compare(await store.read(record.layout.storePath("C-0142/profile.md")), bytes)).toBe(0);
	});

	it("through the CLI: re-running the same client add records the missing consent and says it finished the earlier step", async () => {
		await record.addClient({ code: "C-0142", name: "Synthetic Person" });
		await record.lock();
		const r = await cli(["client", "add", dir, "--code", "C-0142", "--name", "Synthetic Person", "--recording-consent", "yes"]);
		expect(r.code, r.stderr).toBe(0);
		expect(r.out).toBe("C-0142/profile.md\n");
		expect(r.stderr).toContain(
			"Client C-0142 was already there without recording consent (an earlier client add stopped before recording it): the consent is recorded now.",
		);
		await record.unlock(PASSPHRASE);
		expect(await readConsent(record, "C-0142")).toMatchObject({ recording: "yes" });
	});
});

const TRANSCRIPT = "C-0142/transcripts/2026-09-01.md";
const AUDIO = "C-0142/audio/2026-09-01.wav";
const NOTE = "C-0142/notes/2026-09-01.md";

function proposal(source: string, evidence: string): ProposalSet {
	return {
		version: 1,
		kind: "parts",
		client: "C-0142",
		source,
		baseHash: "",
		created: "2026-09-10T12:00:00.000Z",
		model: "synthetic",
		changes: [{ id: "d4e5f6", kind: "add-part", summary: "Add the Lookout", evidence }],
	};
}

/** A client with consent, a recording, a transcript quoting "quillowisp", a note, proposals from both, and a search index. */
async function populate(): Promise<void> {
	await record.addClient({ code: "C-0142", name: "Synthetic Person" });
	await setConsent(record, "C-0142", { recording: "yes", date: "2026-09-01" });
	await record.write(AUDIO, utf8("RIFF synthetic audio bytes"), { action: "import" });
	await record.writeText(TRANSCRIPT, "[00:01] Client: the quillowisp keeps watch at night.\n");
	await record.writeText(NOTE, "---\nsession_date: 2026-09-01\n---\nSynthetic harbourlight note.\n");
	await savePending(record, proposal(TRANSCRIPT, "the quillowisp keeps watch"));
	await savePending(record, proposal(NOTE, "harbourlight"));
	const search = new SearchService({ record });
	await search.open();
	search.dispose();
	expect(filesContaining(await decryptEverything(dir, record), "quillowisp").length).toBe(3);
}

describe("an interrupted revoke", () => {
	it("a file killed between key destruction and removal: verify fails, the hint and the status say what to do, and the CLI revoke finishes it", async () => {
		await populate();
		const transcriptStore = record.layout.storePath(TRANSCRIPT);
		store.failRemove = (path) => path === transcriptStore;
		await expect(revokeConsent(record, "C-0142")).rejects.toThrow(/killed before removing/);
		store.failRemove = () => false;

		// Half-erased: the file is there, its key destroyed.
		expect((await consentErasure(record, "C-0142")).transcripts).toEqual([TRANSCRIPT]);
		const report = await record.verify();
		expect(report.failures.map((f) => f.path)).toEqual([TRANSCRIPT]);
		expect(await unfinishedRevokeHint(record, TRANSCRIPT)).toBe(
			'C-0142\'s recording consent was revoked and this file is one the revoke erases: the revoke was interrupted (its key may already be destroyed, so it no longer decrypts). Run "clinical-vault consent <vault> --client C-0142 --revoke --yes" (or "Revoke recording consent" in Obsidian) again to finish it.',
		);
		expect(await unfinishedRevokeHint(record, NOTE)).toBeNull();
		expect(await consentDerived(record, "C-0142")).toEqual([pendingPath("C-0142", "parts", TRANSCRIPT)]);
		await record.lock();

		const status = await cli(["consent", dir, "--client", "C-0142"]);
		expect(status.code, status.stderr).toBe(0);
		expect(status.out).toContain(
			'An earlier revoke was interrupted: 0 recording(s), 1 transcript(s) and 1 proposal(s) computed from them are still there (some may no longer decrypt). Run "consent --client C-0142 --revoke --yes" again to finish erasing them.',
		);

		const r = await cli(["consent", dir, "--client", "C-0142", "--revoke", "--yes"]);
		expect(r.code, r.stderr).toBe(0);
		expect(r.stderr).toContain("C-0142's recording consent is already revoked: finishing the earlier revoke");
		expect(r.out).toBe(
			`C-0142's recording consent was already revoked: finished the earlier, interrupted revoke. Crypto-erased 2 file(s):\n  ${TRANSCRIPT}\n  ${pendingPath("C-0142", "parts", TRANSCRIPT)}\n`,
		);

		await record.unlock(PASSPHRASE);
		expect((await record.verify()).ok).toBe(true);
		expect((await record.audit.entries()).filter((e) => e.action === "consent" && e.note === "recording revoked")).toHaveLength(1);
		// Erased means erased: nothing in the vault, decrypted, holds the transcript's words.
		const files = await decryptEverything(dir, record);
		expect(filesContaining(files, "quillowisp")).toEqual([]);
		expect(filesContaining(files, "harbourlight").sort()).toEqual(
			[`Clinical/${NOTE}.cvault`, `Clinical/${pendingPath("C-0142", "parts", NOTE)}.cvault`, "Clinical/_vault/search-index.cvault"].sort(),
		);
	});

	it("killed after the files but before the derived proposals: running it again erases them", async () => {
		await populate();
		const proposalStore = record.layout.storePath(pendingPath("C-0142", "parts", TRANSCRIPT));
		store.failRemove = (path) => path === proposalStore;
		await expect(revokeConsent(record, "C-0142")).rejects.toThrow(/killed before removing/);
		store.failRemove = () => false;
		expect(await consentErasure(record, "C-0142")).toEqual({ audio: [], transcripts: [] });
		const again = await revokeConsent(record, "C-0142");
		expect(again).toMatchObject({ erased: [], derived: [pendingPath("C-0142", "parts", TRANSCRIPT)], resumed: true });
		expect(await record.exists(pendingPath("C-0142", "parts", NOTE))).toBe(true);
		expect(await consentDerived(record, "C-0142")).toEqual([]);
	});
});
