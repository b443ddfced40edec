/**
 * One error funnel for the whole product. Every failure that reaches the clinician is a
 * ClinicalVaultError with a short `message` written for them and a `detail` for debugging.
 * Cancellation is not an error: it is a `Cancelled` value that callers check with `isCancelled`.
 *
 * Details never contain clinical content (no plaintext, no passphrases); they may contain
 * record paths, byte offsets and engine messages.
 */

export type ErrorCode =
	| "wrong-passphrase"
	| "integrity"
	| "unsupported-format"
	| "kdf-params"
	| "locked"
	| "not-initialized"
	| "already-initialized"
	| "not-found"
	| "already-exists"
	| "invalid-input"
	| "usage"
	| "refused"
	| "storage"
	| "engine"
	| "internal";

export class ClinicalVaultError extends Error {
	readonly code: ErrorCode;
	/** Technical detail for debugging; never clinical content. */
	readonly detail: string;
	/** The record path or file the error is about, when there is one. */
	readonly path?: string;

	constructor(code: ErrorCode, message: string, options: { detail?: string; path?: string; cause?: unknown } = {}) {
		super(message, options.cause === undefined ? undefined : { cause: options.cause });
		this.name = "ClinicalVaultError";
		this.code = code;
		this.detail = options.detail ?? "";
		if (options.path !== undefined) this.path = options.path;
	}
}

export class WrongPassphraseError extends ClinicalVaultError {
	constructor(what = "passphrase") {
		super("wrong-passphrase", `Wrong ${what}. Nothing was changed.`);
		this.name = "WrongPassphraseError";
	}
}

export class IntegrityError extends ClinicalVaultError {
	constructor(path: string, detail: string) {
		super("integrity", `Integrity check failed for ${path}: the file is damaged, truncated or was moved. Nothing was overwritten.`, {
			detail,
			path,
		});
		this.name = "IntegrityError";
	}
}

export class UnsupportedFormatError extends ClinicalVaultError {
	constructor(path: string, detail: string) {
		super(
			"unsupported-format",
			`${path} uses a format this version of Clinical Vault cannot read (${detail}). Update the plugin; the file was left untouched.`,
			{
				detail,
				path,
			},
		);
		this.name = "UnsupportedFormatError";
	}
}

export class LockedError extends ClinicalVaultError {
	constructor() {
		super("locked", "The clinical record is locked. Unlock it first.");
		this.name = "LockedError";
	}
}

export class StorageError extends ClinicalVaultError {
	constructor(path: string, cause: unknown) {
		const why = describeIoError(cause);
		super("storage", `Could not write ${path}: ${why}. The previous version is intact.`, { detail: String(cause), path, cause });
		this.name = "StorageError";
	}
}

function describeIoError(cause: unknown): string {
	const code = (cause as { code?: unknown } | null)?.code;
	switch (code) {
		case "ENOSPC":
			return "the disk is full";
		case "EACCES":
		case "EPERM":
			return "permission denied";
		case "EROFS":
			return "the disk is read-only";
		case "EDQUOT":
			return "the disk quota is exceeded";
		default:
			return "the write failed";
	}
}

/**
 * The outcome of an action the clinician cancelled. Thrown like an error so it unwinds the work,
 * but it is not a ClinicalVaultError: the funnel shows nothing and the CLI exits quietly.
 */
export class Cancelled extends Error {
	readonly cancelled = true as const;
	constructor(readonly reason = "cancelled") {
		super("Cancelled.");
		this.name = "Cancelled";
	}
}

/**
 * Whether a value is a cancellation: our Cancelled, or the platform's AbortError (an aborted fetch
 * or AbortSignal reaches the funnel as one; it is read as Cancelled, never shown as an error).
 */
export function isCancelled(value: unknown): value is Cancelled {
	return value instanceof Cancelled || (typeof value === "object" && value !== null && (value as { name?: unknown }).name === "AbortError");
}

/**
 * The message for an error nothing anticipated. It claims nothing about what was or was not done
 * (the code that failed did not say); the record's own writes are atomic, so a file holds its old
 * or its new version.
 */
export const UNEXPECTED_MESSAGE =
	"Something unexpected went wrong, so it may not have finished. Check the result before trying again; the debug details say where it failed.";

/** Normalises anything thrown into a ClinicalVaultError (the funnel's single entry point). */
export function toClinicalError(error: unknown): ClinicalVaultError {
	if (error instanceof ClinicalVaultError) return error;
	if (error instanceof Error) return new ClinicalVaultError("internal", UNEXPECTED_MESSAGE, { detail: error.stack ?? error.message, cause: error });
	return new ClinicalVaultError("internal", UNEXPECTED_MESSAGE, { detail: String(error) });
}

/** The CLI's exit codes: 0 ok, 2 usage, 3 wrong passphrase, 4 integrity failure, 1 anything else. */
export function exitCodeFor(error: ClinicalVaultError): number {
	switch (error.code) {
		case "usage":
			return 2;
		case "wrong-passphrase":
			return 3;
		case "integrity":
			return 4;
		default:
			return 1;
	}
}
