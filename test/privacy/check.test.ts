/**
 * The privacy check's parts on a real folder (NodeFsStore) with a real record: name matching,
 * Obsidian's settings in both core-plugins.json formats and a renamed config folder, Sync's file
 * types, risky community plugins, and the locked/unlocked split. Names are synthetic.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { runPrivacyCheck } from "../../src/core/privacy/check";
import { nameMatcher } from "../../src/core/privacy/names";
import { checkObsidianConfig, enabledIds, findConfigDirs, riskyPluginKind } from "../../src/core/privacy/obsidianConfig";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";

let dir: string;
let store: NodeFsStore;

beforeEach(async () => {
	dir = await mkdtemp(join(tmpdir(), "cv-privacy-"));
	store = new NodeFsStore(dir);
});

afterEach(async () => {
	await rm(dir, { recursive: true, force: true });
});

async function put(path: string, text: string): Promise<void> {
	await mkdir(join(dir, path, ".."), { recursive: true });
	await writeFile(join(dir, path), text);
}

describe("client names in paths", () => {
	it("matches whole words, accents and separators aside, with full names weighing more than parts", () => {
		const m = nameMatcher("C-0142", "José Quintero-Vance")!;
		expect(m.match("Notes/jose quintero vance intake.md")).toBe("full");
		expect(m.match("Notes/Jose_Quintero_Vance.md")).toBe("full");
		expect(m.match("Notes/JoséQuinteroVance.md")).toBe("full");
		expect(m.match("Sessions/Quintero/2026-09-01.md")).toBe("part");
		expect(m.match("Reading/Quinteros garden.md")).toBeNull();
		expect(m.match("Clinical/C-0142/notes/2026-09-01.md.cvault")).toBeNull();
		const two = nameMatcher("C-0007", "Marisol Fenwick")!;
		expect(two.match("Fenwick, Marisol - referral.md")).toBe("full");
		expect(two.match("Marisolitary.md")).toBeNull();
		// Everyday words and initials alone are not matched: too many false alarms.
		const common = nameMatcher("C-0009", "Will Brown")!;
		expect(common.match("Will this work.md")).toBeNull();
		expect(common.match("brown bread.md")).toBeNull();
		expect(common.match("Will Brown.md")).toBe("full");
		expect(nameMatcher("C-0010", "J. K.")).toBeNull();
	});
});

describe("Obsidian settings", () => {
	it("reads core-plugins.json as an array or an object, finds a renamed config folder, and flags risky plugins", async () => {
		expect([...enabledIds(["file-recovery", "sync"])]).toEqual(["file-recovery", "sync"]);
		expect([...enabledIds({ "file-recovery": false, sync: true, "audio-recorder": true })]).toEqual(["sync", "audio-recorder"]);
		await put(".config-vault/app.json", "{}");
		await put(".config-vault/core-plugins.json", JSON.stringify(["file-explorer", "file-recovery"]));
		await put(
			".config-vault/community-plugins.json",
			JSON.stringify([
				"obsidian-git",
				"remotely-save",
				"copilot",
				"smart-connections",
				"obsidian-local-backup",
				"dataview",
				"calendar",
				"clinical-vault",
			]),
		);
		await put(".git/HEAD", "ref");
		await put(".trash/old.md", "x");
		expect(await findConfigDirs(store)).toEqual([".config-vault"]);
		const findings = await checkObsidianConfig(store, ".config-vault");
		expect(findings.find((f) => f.id === "file-recovery")).toMatchObject({ severity: "high", path: ".config-vault/core-plugins.json" });
		expect(findings.filter((f) => f.id === "risky-plugin").map((f) => /"([^"]+)"/.exec(f.what)![1])).toEqual([
			"obsidian-git",
			"remotely-save",
			"copilot",
			"smart-connections",
			"obsidian-local-backup",
		]);
		for (const f of findings) expect(f.fix.length).toBeGreaterThan(10);
		expect(riskyPluginKind("obsidian-textgenerator-plugin")?.kind).toBe("AI");
		expect(riskyPluginKind("obsidian-livesync")?.kind).toBe("sync");
		expect(riskyPluginKind("obsidian-kanban")).toBeNull();
	});

	it("Sync: a sure finding when its file types leave out 'other types', a question when it cannot tell, nothing when they are in", async () => {
		await put(".vault-config/core-plugins.json", JSON.stringify({ sync: true, "file-recovery": false }));
		let findings = await checkObsidianConfig(store, ".vault-config");
		expect(findings.map((f) => [f.id, f.severity])).toEqual([["sync-other-types-unknown", "medium"]]);
		await put(".vault-config/sync.json", JSON.stringify({ allowTypes: ["image", "audio", "pdf", "video"] }));
		findings = await checkObsidianConfig(store, ".vault-config");
		expect(findings.map((f) => [f.id, f.severity])).toEqual([["sync-other-types", "high"]]);
		await put(".vault-config/sync.json", JSON.stringify({ allowTypes: ["image", "unsupported"] }));
		findings = await checkObsidianConfig(store, ".vault-config");
		expect(findings.map((f) => [f.id, f.severity])).toEqual([["sync-on", "info"]]);
		await put(".vault-config/core-plugins.json", "{not json");
		findings = await checkObsidianConfig(store, ".vault-config");
		expect(findings.map((f) => f.id)).toEqual(["config-unreadable"]);
	});
});

describe("runPrivacyCheck", () => {
	it("runs the key-free checks when locked and lists the others as not checked; unlocked it finds a name", async () => {
		const record = new ClinicalRecord({ store });
		await record.init("synthetic passphrase for tests", { kdf: floorKdfParams() });
		await record.addClient({ code: "C-0142", name: "Marisol Fenwick" });
		await record.lock();
		await put(".vault-config/core-plugins.json", JSON.stringify({ "file-recovery": false }));
		await put("Inbox/Marisol Fenwick intake.md", "synthetic");
		await put("Clinical/C-0142/notes/draft.md", "synthetic plaintext");
		await put("Clinical/.DS_Store", "clutter");

		const locked = await runPrivacyCheck({ record, configDirs: [".vault-config"], retentionHours: 24 });
		expect(locked.findings.map((f) => [f.id, f.path])).toEqual([["plaintext-in-record", "Clinical/C-0142/notes/draft.md"]]);
		expect(locked.checks.filter((c) => !c.ran).map((c) => c.check)).toEqual(["names", "retention", "audit", "sync-conflicts"]);
		expect(locked.clean).toBe(false);

		await record.unlock("synthetic passphrase for tests");
		const unlocked = await runPrivacyCheck({
			record,
			configDirs: [".vault-config"],
			retentionHours: 24,
			leftoverTempDirs: async () => [{ path: "/tmp/clinical-vault-x", files: 1 }],
		});
		await record.lock();
		expect(unlocked.findings.map((f) => [f.id, f.severity, f.path])).toEqual([
			["plaintext-in-record", "high", "Clinical/C-0142/notes/draft.md"],
			["name-in-path", "high", "Inbox/Marisol Fenwick intake.md"],
			["leftover-engine-temp", "high", "/tmp/clinical-vault-x"],
		]);
		expect(unlocked.findings[1]!.what).toContain("C-0142");
		expect(unlocked.findings[1]!.what).not.toContain("Marisol");
		expect(unlocked.checks.every((c) => c.ran)).toBe(true);
	});
});
