/**
 * Where things live inside the clinical root (default "Clinical/").
 *
 *   Clinical/_vault/keyfile.json            key file (wrapped vault key, KDF parameters)
 *   Clinical/_vault/audit/<device>.cvlog    audit logs, one per computer (encrypted, hash-chained lines)
 *   Clinical/_vault/audit.cvlog             the audit log of records made before per-device logs
 *   Clinical/_vault/FORMAT.md               docs/FORMAT.md, so a backup carries its own format
 *   Clinical/C-0142/profile.md.cvault       client profile (display name, identifying details)
 *   Clinical/C-0142/notes/2026-09-01.md.cvault
 *   Clinical/C-0142/attachments/…           encrypted attachments and recordings
 *
 * A record path is relative to the clinical root and names the plaintext ("C-0142/profile.md");
 * on disk the file carries the ENCRYPTED_EXTENSION. No path holds identifying data: client
 * folders are named by a code.
 */
import { ClinicalVaultError } from "../errors";
import { joinPath } from "../store/VaultStore";

export const ENCRYPTED_EXTENSION = "cvault";
export const SYSTEM_FOLDER = "_vault";
export const KEYFILE_NAME = "keyfile.json";
export const AUDIT_NAME = "audit.cvlog";
export const AUDIT_FOLDER = "audit";
export const PROFILE_NAME = "profile.md";

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const CLIENT_CODE = /^[A-Z][A-Z0-9]{0,5}-[A-Z0-9]{2,12}$/;

/** Checks a record path: relative, forward slashes, plain segments, not inside the system folder. */
export function checkRecordPath(recordPath: string): string {
	const path = recordPath.replace(/\\/g, "/").replace(/^\.\//, "");
	const segments = path.split("/");
	const bad = (why: string): never => {
		throw new ClinicalVaultError("invalid-input", `"${recordPath}" is not a valid record path: ${why}. Use a path like C-0142/notes/2026-09-01.md.`);
	};
	if (path === "" || path.startsWith("/")) bad("it must be relative to the clinical root");
	if (segments[0] === SYSTEM_FOLDER) bad(`${SYSTEM_FOLDER}/ is reserved`);
	for (const s of segments) {
		if (s === "." || s === "..") bad("it may not contain . or ..");
		if (!SEGMENT.test(s)) bad(`"${s}" may only use letters, digits, dot, dash and underscore`);
	}
	if (segments.length < 2) bad("it must be inside a client's folder");
	if (path.endsWith(`.${ENCRYPTED_EXTENSION}`)) bad(`leave out the .${ENCRYPTED_EXTENSION} ending`);
	return path;
}

export function checkClientCode(code: string): string {
	if (!CLIENT_CODE.test(code)) {
		throw new ClinicalVaultError(
			"invalid-input",
			`"${code}" is not a client code. Use capital letters and digits like C-0142 (never a name or initials that identify the client).`,
		);
	}
	return code;
}

export class RecordLayout {
	constructor(readonly root: string) {}

	get systemFolder(): string {
		return joinPath(this.root, SYSTEM_FOLDER);
	}
	get keyFilePath(): string {
		return joinPath(this.root, SYSTEM_FOLDER, KEYFILE_NAME);
	}
	/** The legacy audit log, one for every computer (records made before per-device logs). */
	get auditPath(): string {
		return joinPath(this.root, SYSTEM_FOLDER, AUDIT_NAME);
	}
	/** The copy of docs/FORMAT.md kept beside the record (plain text, no client data). */
	get formatPath(): string {
		return joinPath(this.root, SYSTEM_FOLDER, "FORMAT.md");
	}
	/** The per-device audit logs (`<device>.cvlog`). */
	get auditFolder(): string {
		return joinPath(this.root, SYSTEM_FOLDER, AUDIT_FOLDER);
	}

	/** Vault-relative path of the encrypted file for a record path. */
	storePath(recordPath: string): string {
		return joinPath(this.root, `${checkRecordPath(recordPath)}.${ENCRYPTED_EXTENSION}`);
	}

	/** The record path for a vault-relative path, or null when it is not a record file. */
	recordPathOf(storePath: string): string | null {
		const prefix = `${this.root}/`;
		const suffix = `.${ENCRYPTED_EXTENSION}`;
		if (!storePath.startsWith(prefix) || !storePath.endsWith(suffix)) return null;
		const rel = storePath.slice(prefix.length, -suffix.length);
		try {
			return checkRecordPath(rel);
		} catch {
			return null;
		}
	}

	clientFolder(code: string): string {
		return joinPath(this.root, checkClientCode(code));
	}

	profilePath(code: string): string {
		return `${checkClientCode(code)}/${PROFILE_NAME}`;
	}
}

export function contentTypeFor(recordPath: string): string {
	const ext = recordPath.slice(recordPath.lastIndexOf(".") + 1).toLowerCase();
	const types: Record<string, string> = {
		md: "text/markdown",
		txt: "text/plain",
		json: "application/json",
		webm: "audio/webm",
		m4a: "audio/mp4",
		mp3: "audio/mpeg",
		ogg: "audio/ogg",
		wav: "audio/wav",
		flac: "audio/flac",
		pdf: "application/pdf",
		png: "image/png",
		jpg: "image/jpeg",
		jpeg: "image/jpeg",
	};
	return types[ext] ?? "application/octet-stream";
}
