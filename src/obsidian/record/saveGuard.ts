/**
 * Save guards for the encrypted note editor (pure, unit-tested). They stop the two ways encrypted
 * note tools have lost notes: saving an emptied buffer over a note (an undo right after opening,
 * a failed load) and saving ciphertext as if it were the note (a double encryption).
 */
import { utf8 } from "../../core/bytes";
import { looksEncrypted } from "../../core/crypto/fileformat";

export type SaveVerdict = { ok: true } | { ok: false; reason: "empty" | "ciphertext"; message: string };

/** The shortest single run of base64 characters treated as "looks like ciphertext". */
export const BASE64_RUN_MIN = 64;

const BASE64_RUN = /^[A-Za-z0-9+/_.-]+={0,2}$/;

export function looksLikeCiphertext(buffer: string): boolean {
	const trimmed = buffer.trim();
	if (looksEncrypted(utf8(trimmed.slice(0, 16)))) return true;
	if (/[ \t]/.test(trimmed)) return false;
	const run = trimmed.replace(/\r?\n/g, "");
	return run.length >= BASE64_RUN_MIN && BASE64_RUN.test(run);
}

/**
 * Decides whether `buffer` may replace `previous` (the note as last loaded or saved).
 * Refused buffers leave the file untouched; the caller shows the message.
 */
export function checkSave(buffer: string, previous: string): SaveVerdict {
	if (buffer.trim() === "" && previous.trim() !== "") {
		return {
			ok: false,
			reason: "empty",
			message: "Not saved: the note is empty but the saved version is not. The file was left unchanged; undo or close the note to keep it.",
		};
	}
	if (looksLikeCiphertext(buffer)) {
		return {
			ok: false,
			reason: "ciphertext",
			message: "Not saved: the text looks like encrypted data, not a note. The file was left unchanged.",
		};
	}
	return { ok: true };
}
