/**
 * Encrypted file format, version 1 (docs/FORMAT.md, "Encrypted file").
 *
 *   magic "CVAULT" | version 0x01 | 0x0A | u32 BE header length H | header JSON (H bytes)
 *   | key block: IV (12) + AES-GCM(fileWrap, file key) (48), AAD = every byte before the key block
 *   | chunks: IV (12) + AES-GCM(file key, plaintext chunk) (len + 16),
 *     AAD = "CVC1" | file id (16) | u32 BE chunk index | u8 last-chunk flag
 *
 * Every write uses a fresh random file key. The header names the record path and file id, and is
 * authenticated through the key block, so a file moved or swapped to another path fails.
 */
import { IntegrityError, UnsupportedFormatError } from "../errors";
import { concatBytes, fromHex, fromUtf8, own, randomBytes, toHex, utf8, wipe } from "../bytes";
import type { VaultKeys } from "./vaultkeys";

export const MAGIC = utf8("CVAULT");
export const FORMAT_VERSION = 1;
export const PRELUDE_LENGTH = 12;
export const CHUNK_SIZE = 64 * 1024;
export const MIN_CHUNK_SIZE = 32 * 1024;
export const MAX_CHUNK_SIZE = 64 * 1024;
const IV = 12;
const TAG = 16;
const KEY_BLOCK = IV + 32 + TAG;
const MAX_HEADER = 16 * 1024;
/** How many chunk operations run at once (WebCrypto is asynchronous; this keeps both cores busy). */
const PARALLEL = 16;

export interface FileHeader {
	/** 16 random bytes, hex; stays the same across rewrites of one record file. */
	fileId: string;
	vaultId: string;
	/** Record path relative to the clinical root, e.g. "C-0142/notes/2026-09-01.md". */
	path: string;
	chunkSize: number;
	contentType: string;
}

export function looksEncrypted(bytes: Uint8Array): boolean {
	return bytes.length >= MAGIC.length && MAGIC.every((b, i) => bytes[i] === b);
}

export function newFileId(): string {
	return toHex(randomBytes(16));
}

function chunkAad(fileId: Uint8Array, index: number, last: boolean): Uint8Array<ArrayBuffer> {
	const aad = new Uint8Array(4 + 16 + 4 + 1);
	aad.set(utf8("CVC1"), 0);
	aad.set(fileId, 4);
	new DataView(aad.buffer).setUint32(20, index, false);
	aad[24] = last ? 1 : 0;
	return aad;
}

async function mapLimited<T>(count: number, fn: (i: number) => Promise<T>): Promise<T[]> {
	const out = new Array<T>(count);
	let next = 0;
	const worker = async () => {
		while (next < count) {
			const i = next++;
			out[i] = await fn(i);
		}
	};
	await Promise.all(Array.from({ length: Math.min(PARALLEL, count) }, worker));
	return out;
}

/** Encrypts `plaintext` as the record file described by `header` (chunkSize defaults to 64 KiB). */
export async function encryptFile(
	keys: VaultKeys,
	header: Omit<FileHeader, "vaultId" | "chunkSize"> & { chunkSize?: number },
	plaintext: Uint8Array,
): Promise<Uint8Array> {
	const full: FileHeader = {
		fileId: header.fileId,
		vaultId: keys.vaultId,
		path: header.path,
		chunkSize: header.chunkSize ?? CHUNK_SIZE,
		contentType: header.contentType,
	};
	if (!Number.isInteger(full.chunkSize) || full.chunkSize < MIN_CHUNK_SIZE || full.chunkSize > MAX_CHUNK_SIZE) {
		throw new RangeError(`chunk size ${full.chunkSize} is outside ${MIN_CHUNK_SIZE}..${MAX_CHUNK_SIZE}`);
	}
	const headerBytes = utf8(JSON.stringify(full));
	const prelude = new Uint8Array(PRELUDE_LENGTH);
	prelude.set(MAGIC, 0);
	prelude[6] = FORMAT_VERSION;
	prelude[7] = 0x0a;
	new DataView(prelude.buffer).setUint32(8, headerBytes.length, false);
	const authenticated = concatBytes(prelude, headerBytes);

	const rawFileKey = randomBytes(32);
	const keyIv = randomBytes(IV);
	const wrappedKey = new Uint8Array(
		await crypto.subtle.encrypt({ name: "AES-GCM", iv: own(keyIv), additionalData: own(authenticated) }, keys.fileWrap, own(rawFileKey)),
	);
	const fileKey = await crypto.subtle.importKey("raw", own(rawFileKey), "AES-GCM", false, ["encrypt"]);
	wipe(rawFileKey);

	const fileIdBytes = fromHex(full.fileId);
	const size = full.chunkSize;
	const count = Math.max(1, Math.ceil(plaintext.length / size));
	const chunks = await mapLimited(count, async (i) => {
		const iv = randomBytes(IV);
		const part = plaintext.subarray(i * size, Math.min(plaintext.length, (i + 1) * size));
		const ct = new Uint8Array(
			await crypto.subtle.encrypt({ name: "AES-GCM", iv: own(iv), additionalData: chunkAad(fileIdBytes, i, i === count - 1) }, fileKey, own(part)),
		);
		return concatBytes(iv, ct);
	});
	return concatBytes(authenticated, keyIv, wrappedKey, ...chunks);
}

/** Reads and checks the prelude and header without decrypting (no key needed). */
export function readHeader(bytes: Uint8Array, where: string): { header: FileHeader; headerEnd: number } {
	if (!looksEncrypted(bytes)) throw new IntegrityError(where, "missing CVAULT magic (not an encrypted record file)");
	if (bytes.length < PRELUDE_LENGTH) throw new IntegrityError(where, "truncated prelude");
	const version = bytes[6];
	if (version !== FORMAT_VERSION) throw new UnsupportedFormatError(where, `file format version ${String(version)}`);
	if (bytes[7] !== 0x0a) throw new IntegrityError(where, "bad prelude byte 7");
	const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, false);
	if (headerLength === 0 || headerLength > MAX_HEADER) throw new IntegrityError(where, `header length ${headerLength} out of range`);
	const headerEnd = PRELUDE_LENGTH + headerLength;
	if (bytes.length < headerEnd + KEY_BLOCK) throw new IntegrityError(where, "truncated header");
	let header: FileHeader;
	try {
		header = JSON.parse(fromUtf8(bytes.subarray(PRELUDE_LENGTH, headerEnd))) as FileHeader;
	} catch {
		throw new IntegrityError(where, "header is not valid JSON");
	}
	if (
		typeof header !== "object" ||
		header === null ||
		typeof header.fileId !== "string" ||
		!/^[0-9a-f]{32}$/.test(header.fileId) ||
		typeof header.vaultId !== "string" ||
		typeof header.path !== "string" ||
		typeof header.contentType !== "string" ||
		!Number.isInteger(header.chunkSize) ||
		header.chunkSize < MIN_CHUNK_SIZE ||
		header.chunkSize > MAX_CHUNK_SIZE
	) {
		throw new IntegrityError(where, "header fields missing or out of range");
	}
	return { header, headerEnd };
}

/**
 * Decrypts a record file. `expectedPath` is where the file was found: a header naming another
 * path (a moved or swapped file) is an integrity error. Never returns partial plaintext.
 */
/**
 * The file key from a key block: with the current file-wrap key, else with a retired one (a file
 * not yet re-wrapped after a key rotation). `current` says which.
 */
async function unwrapFileKey(
	keys: VaultKeys,
	keyIv: Uint8Array,
	wrappedKey: Uint8Array,
	authenticated: Uint8Array,
): Promise<{ raw: Uint8Array; current: boolean } | null> {
	const candidates = [keys.fileWrap, ...(keys.retired ?? []).map((k) => k.fileWrap)];
	for (let i = 0; i < candidates.length; i++) {
		try {
			const raw = new Uint8Array(
				await crypto.subtle.decrypt({ name: "AES-GCM", iv: own(keyIv), additionalData: own(authenticated) }, candidates[i]!, own(wrappedKey)),
			);
			return { raw, current: i === 0 };
		} catch {
			// the next key
		}
	}
	return null;
}

/**
 * A key rotation's step for one file: its key block re-wrapped with the current file-wrap key
 * (header and content unchanged, so the whole file still authenticates), or null when it already
 * is. Throws when no key opens it.
 */
export async function rewrapKeyBlock(keys: VaultKeys, bytes: Uint8Array, expectedPath: string): Promise<Uint8Array | null> {
	const { header, headerEnd } = readHeader(bytes, expectedPath);
	if (header.vaultId !== keys.vaultId) throw new IntegrityError(expectedPath, "file belongs to another vault");
	if (header.path !== expectedPath) throw new IntegrityError(expectedPath, `file was written for ${header.path} (moved or swapped)`);
	const authenticated = bytes.subarray(0, headerEnd);
	const unwrapped = await unwrapFileKey(
		keys,
		bytes.subarray(headerEnd, headerEnd + IV),
		bytes.subarray(headerEnd + IV, headerEnd + KEY_BLOCK),
		authenticated,
	);
	if (!unwrapped) throw new IntegrityError(expectedPath, "header or file key failed authentication");
	try {
		if (unwrapped.current) return null;
		const keyIv = randomBytes(IV);
		const wrapped = new Uint8Array(
			await crypto.subtle.encrypt({ name: "AES-GCM", iv: own(keyIv), additionalData: own(authenticated) }, keys.fileWrap, own(unwrapped.raw)),
		);
		const out = new Uint8Array(bytes);
		out.set(keyIv, headerEnd);
		out.set(wrapped, headerEnd + IV);
		return out;
	} finally {
		wipe(unwrapped.raw);
	}
}

export async function decryptFile(keys: VaultKeys, bytes: Uint8Array, expectedPath: string): Promise<{ header: FileHeader; plaintext: Uint8Array }> {
	const { header, headerEnd } = readHeader(bytes, expectedPath);
	if (header.vaultId !== keys.vaultId) throw new IntegrityError(expectedPath, "file belongs to another vault");
	if (header.path !== expectedPath) throw new IntegrityError(expectedPath, `file was written for ${header.path} (moved or swapped)`);

	const authenticated = bytes.subarray(0, headerEnd);
	const keyIv = bytes.subarray(headerEnd, headerEnd + IV);
	const wrappedKey = bytes.subarray(headerEnd + IV, headerEnd + KEY_BLOCK);
	const unwrapped = await unwrapFileKey(keys, keyIv, wrappedKey, authenticated);
	if (!unwrapped) throw new IntegrityError(expectedPath, "header or file key failed authentication");
	const rawFileKey = unwrapped.raw;
	const fileKey = await crypto.subtle.importKey("raw", own(rawFileKey), "AES-GCM", false, ["decrypt"]);
	wipe(rawFileKey);

	const body = bytes.subarray(headerEnd + KEY_BLOCK);
	const record = IV + header.chunkSize + TAG;
	if (body.length === 0) throw new IntegrityError(expectedPath, "no content chunks (truncated)");
	const count = Math.ceil(body.length / record);
	const lastLength = body.length - (count - 1) * record;
	if (lastLength < IV + TAG) throw new IntegrityError(expectedPath, "last chunk is shorter than its IV and tag (truncated)");
	const fileIdBytes = fromHex(header.fileId);
	let plainLength = 0;
	const parts = await mapLimited(count, async (i) => {
		const chunk = body.subarray(i * record, Math.min(body.length, (i + 1) * record));
		try {
			const plain = new Uint8Array(
				await crypto.subtle.decrypt(
					{ name: "AES-GCM", iv: own(chunk.subarray(0, IV)), additionalData: chunkAad(fileIdBytes, i, i === count - 1) },
					fileKey,
					own(chunk.subarray(IV)),
				),
			);
			plainLength += plain.length;
			return plain;
		} catch {
			return null;
		}
	});
	const bad = parts.findIndex((p) => p === null);
	if (bad !== -1) {
		for (const p of parts) wipe(p ?? undefined);
		throw new IntegrityError(expectedPath, `chunk ${bad} of ${count} failed authentication (damaged, reordered, truncated or extended)`);
	}
	const plaintext = new Uint8Array(plainLength);
	let offset = 0;
	for (const p of parts as Uint8Array[]) {
		plaintext.set(p, offset);
		offset += p.length;
		wipe(p);
	}
	return { header, plaintext };
}

/**
 * Crypto-erase: overwrite the wrapped file key so the content can never be decrypted again,
 * even from a copy of the chunks. Returns the same length of bytes (callers then remove the file).
 */
/** Where a file's key block is, and random bytes to overwrite it with (crypto-erasure in place). */
export function keyBlockErasure(bytes: Uint8Array, where: string): { offset: number; data: Uint8Array } {
	const { headerEnd } = readHeader(bytes, where);
	return { offset: headerEnd, data: randomBytes(KEY_BLOCK) };
}

export function eraseKeyBlock(bytes: Uint8Array, where: string): Uint8Array {
	const { headerEnd } = readHeader(bytes, where);
	const copy = new Uint8Array(bytes);
	copy.set(randomBytes(KEY_BLOCK), headerEnd);
	return copy;
}
