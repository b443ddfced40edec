/**
 * "Erased means erased", checked the hard way: every file under a vault folder, decrypted where it
 * is encrypted (record files, system files such as the search index, the audit log's entries),
 * raw bytes otherwise, so a test can look for an erased word in everything the vault holds.
 */
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import type { ClinicalRecord } from "../../src/core/record/ClinicalRecord";

export interface DecryptedFile {
	/** Vault-relative path on disk. */
	file: string;
	/** What it holds as text: the decrypted plaintext where it decrypts, the raw bytes as latin1 always (appended). */
	text: string;
	decrypted: boolean;
}

async function filesBelow(dir: string): Promise<string[]> {
	const entries = await readdir(dir, { recursive: true, withFileTypes: true });
	return entries
		.filter((e) => e.isFile())
		.map((e) => relative(dir, join(e.parentPath, e.name)).split("\\").join("/"))
		.sort();
}

/** Every file under `vaultDir` with its decrypted text (needs `record` unlocked). */
export async function decryptEverything(vaultDir: string, record: ClinicalRecord): Promise<DecryptedFile[]> {
	const out: DecryptedFile[] = [];
	const system = `${record.layout.systemFolder}/`;
	for (const file of await filesBelow(vaultDir)) {
		// The writer lock exists only while a write is in flight; it holds no content and may be gone by now.
		if (file.endsWith("/.writer.lock")) continue;
		const raw = await readFile(join(vaultDir, file));
		let plain: string | null = null;
		if (file === record.layout.auditPath || (file.startsWith(system) && file.endsWith(".cvlog"))) {
			// Audit logs (one, or one per device): their entries, decrypted, as the record reads them.
			plain = JSON.stringify(await record.audit.entries());
		} else if (file.startsWith(system) && file.endsWith(".cvault")) {
			const name = file.slice(system.length, -".cvault".length);
			const bytes = await record.readSystemFile(name).catch(() => null);
			// Binary parts (vectors) and text parts alike: decoded leniently.
			plain = bytes === null ? null : Buffer.from(bytes).toString("utf8");
		} else {
			const recordPath = record.layout.recordPathOf(file);
			if (recordPath !== null) plain = await record.readText(recordPath, "internal").catch(() => null);
		}
		out.push({ file, text: `${plain ?? ""}\n${raw.toString("latin1")}`, decrypted: plain !== null });
	}
	return out;
}

/** The files (decrypted or raw) that contain `word`, case-insensitively. */
export function filesContaining(files: readonly DecryptedFile[], word: string): string[] {
	const w = word.toLowerCase();
	return files.filter((f) => f.text.toLowerCase().includes(w)).map((f) => f.file);
}
