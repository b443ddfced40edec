/**
 * The record's files against its audit logs. Every logged write carries the fingerprint (SHA-256 of
 * the ciphertext) of the version it wrote (`sha`) and of the version it replaced (`base`); every
 * logged removal the fingerprint of what it removed. Ciphertexts never repeat (fresh keys and IVs),
 * so a fingerprint names one version. From that:
 *
 * - a file whose version was replaced by a later logged write is **older than its last logged
 *   version** (a rollback: a backup or a sync tool put an old copy back);
 * - a file whose last logged change wrote it, but which is missing, was **deleted** outside Clinical Vault;
 * - a file whose version no log names is **unlogged**: written by a computer whose log has not
 *   arrived yet (sync), or outside Clinical Vault. A warning, not a failure.
 *
 * Changes that did not land (a crash, a failed write) are named by audit-repair entries (`undo`)
 * and ignored. Entries from before fingerprints (no sha/base) are ignored: such files are unchecked.
 */
import type { LoggedEntry } from "./AuditLog";

export interface FingerprintReport {
	rolledBack: { path: string; replacedAt: string }[];
	deleted: { path: string; writtenAt: string }[];
	unlogged: string[];
}

/**
 * `files`: every record file on disk with the fingerprint of its bytes. `entries`: every log's
 * entries merged by time.
 */
export function checkFingerprints(entries: readonly LoggedEntry[], files: ReadonlyMap<string, string>): FingerprintReport {
	const undone = new Set(entries.map((e) => e.undo).filter((u): u is string => u !== undefined));
	const landed = entries.filter(
		(e) => e.path !== undefined && e.action !== "audit-repair" && (e.sha !== undefined || e.base !== undefined) && !undone.has(`${e.log}#${e.seq}`),
	);
	const replacedBy = new Map<string, LoggedEntry>();
	const written = new Set<string>();
	const lastByPath = new Map<string, LoggedEntry>();
	const logged = new Set<string>();
	for (const e of landed) {
		if (e.base !== undefined) replacedBy.set(e.base, e);
		if (e.sha !== undefined) written.add(e.sha);
		lastByPath.set(e.path!, e);
		logged.add(e.path!);
	}
	const report: FingerprintReport = { rolledBack: [], deleted: [], unlogged: [] };
	for (const [path, sha] of files) {
		const later = replacedBy.get(sha);
		if (later) report.rolledBack.push({ path, replacedAt: later.time });
		else if (logged.has(path) && !written.has(sha)) report.unlogged.push(path);
	}
	for (const [path, last] of lastByPath) {
		if (last.sha !== undefined && !files.has(path)) report.deleted.push({ path, writtenAt: last.time });
	}
	return report;
}

export function fingerprintProblems(report: FingerprintReport): string[] {
	return [
		...report.rolledBack.map(
			(r) => `${r.path}: older than its last logged version (replaced ${r.replacedAt}); an older copy was put back (a backup, a sync tool)`,
		),
		...report.deleted.map((d) => `${d.path}: missing, but the audit log has no removal (last written ${d.writtenAt}); deleted outside Clinical Vault`),
	];
}
