/** One finding of the privacy check (check.ts), in its own module so each check can make them without importing the check. */
export type Severity = "high" | "medium" | "info";

export interface PrivacyFinding {
	/** Stable kind, e.g. "plaintext-in-record", "name-in-path", "file-recovery". */
	id: string;
	severity: Severity;
	/** One sentence for the clinician. Never clinical content; a client is named by code. */
	what: string;
	/** Vault-relative path (or the temp folder's absolute path) the finding is about. */
	path?: string;
	/** One line: what to do. */
	fix: string;
}
