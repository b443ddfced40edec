/**
 * What the crash-writers child (test/support/crash-writers-child.ts) and its test
 * (test/core/crashWriters.test.ts) share: the kinds of writer, the child's configuration and the
 * synthetic contents it writes, each fully determined by its number so that the parent can tell
 * exactly which version a file holds.
 */

/** The writers killed: passwd, client add with consent, consent revoke, search index save, mv. */
export const WRITER_KINDS = ["passwd", "client-add", "revoke", "index", "mv"] as const;
export type WriterKind = (typeof WRITER_KINDS)[number];

export interface WritersChildConfig {
	kind: WriterKind;
	dir: string;
	/** The device state folder (the CLI's kind) shared by the children and the parent: one computer. */
	stateDir: string;
	/** Raw vault key (hex) and vault id: the child attaches the keys without a key derivation. */
	vaultKey: string;
	vaultId: string;
	mode: "replace" | "no-replace";
	/** First iteration number (client codes, file names and versions derive from it). */
	first: number;
	/** passwd: the two passphrases and the index of the one that opens the record now. */
	passphrases?: [string, string];
	current?: 0 | 1;
	/** mv: which of MOVE_PATHS holds the file now. */
	at?: 0 | 1;
	/** Stop after the iteration that ends at or after this time (epoch ms) and exit 0; without it, repeat until killed. */
	until?: number;
}

/** The client every kind but client-add works on. */
export const WRITERS_CLIENT = "C-0001";
/** A note no writer touches: a revoke keeps notes, a move moves only its file. */
export const KEPT_NOTE = `${WRITERS_CLIENT}/notes/2026-01-01.md`;
/** The note the index kind rewrites before each index save. */
export const INDEX_NOTE = `${WRITERS_CLIENT}/notes/2026-01-05.md`;
/** The file mv moves back and forth. */
export const MOVE_PATHS: [string, string] = [`${WRITERS_CLIENT}/notes/2026-01-12.md`, `${WRITERS_CLIENT}/notes/2026-01-19.md`];
/** Audio files and transcripts the revoke kind writes per iteration, each. */
export const REVOKE_FILES = 2;

export function keptNoteText(): string {
	return "# Kept note\n\nA synthetic note that no writer of the crash test changes.\n";
}

/** A word that appears only in version k of the index note (letters only, so the index keeps it whole). */
export function indexMarker(k: number): string {
	return `zq${[...String(k)].map((d) => "abcdefghij"[Number(d)]).join("")}x`;
}

export function indexNoteText(k: number): string {
	return `# Session\n\nSynthetic session note version ${k}. The client spoke about ${indexMarker(k)} and the garden.\n`;
}

/** The version an index note claims to be, or null. */
export function indexNoteVersion(text: string): number | null {
	const match = /Synthetic session note version (\d+)\./.exec(text);
	return match ? Number(match[1]) : null;
}

/** Client code of client-add iteration k. */
export function clientCodeFor(k: number): string {
	return `C-${String(k).padStart(4, "0")}`;
}

export function clientNameFor(k: number): string {
	return `Synthetic Client ${k}`;
}

/** Record paths of the revoke kind's audio and transcripts in iteration k. */
export function revokeFilesFor(k: number): { audio: string[]; transcripts: string[] } {
	const audio: string[] = [];
	const transcripts: string[] = [];
	for (let j = 0; j < REVOKE_FILES; j++) {
		audio.push(`${WRITERS_CLIENT}/audio/2026-02-01-${k}-${j}.wav`);
		transcripts.push(`${WRITERS_CLIENT}/transcripts/2026-02-01-${k}-${j}.md`);
	}
	return { audio, transcripts };
}

/** Synthetic bytes standing in for a recording (not decodable audio: nothing here decodes it). */
export function syntheticAudio(k: number, j: number): Uint8Array {
	const out = new Uint8Array(6000 + 3000 * j);
	let x = (k * 31 + j * 7 + 1) >>> 0;
	for (let i = 0; i < out.length; i++) {
		x = (Math.imul(x, 1103515245) + 12345) >>> 0;
		out[i] = x >>> 24;
	}
	return out;
}

export function syntheticTranscript(k: number, j: number): string {
	return `# Transcript\n\n[00:00:0${j}] Clinician: Synthetic transcript ${k}-${j}.\n[00:00:1${j}] Client: Nothing real was said here.\n`;
}
