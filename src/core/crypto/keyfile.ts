/**
 * The key file: a random 256-bit vault key, wrapped (AES-256-GCM) once by a key derived from the
 * passphrase (Argon2id) and once by a key derived from the recovery key (HKDF-SHA-256).
 * Changing the passphrase rewrites only this file. See docs/FORMAT.md, "Key file".
 */
import { ClinicalVaultError, UnsupportedFormatError, WrongPassphraseError } from "../errors";
import { checkKdfParams, deriveKek, newKdfParams, type KdfParams } from "./kdf";
import { fromBase64, fromHex, fromUtf8, own, randomBytes, toBase64, toHex, utf8, wipe } from "../bytes";

export const KEYFILE_FORMAT = "clinical-vault-keyfile";
export const KEYFILE_VERSION = 1;
export const VAULT_KEY_LENGTH = 32;
const IV_LENGTH = 12;
const RECOVERY_KEY_BYTES = 20;
const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

export interface PassphraseSlot {
	kind: "passphrase";
	iv: string;
	wrapped: string;
}

export interface RecoverySlot {
	kind: "recovery";
	salt: string;
	iv: string;
	wrapped: string;
}

export type KeySlot = PassphraseSlot | RecoverySlot;

/** An earlier vault key, wrapped by the current one (after a key rotation): read with, never written with. */
export interface RetiredKey {
	iv: string;
	wrapped: string;
}

export interface KeyFile {
	format: typeof KEYFILE_FORMAT;
	version: typeof KEYFILE_VERSION;
	vaultId: string;
	created: string;
	kdf: KdfParams;
	slots: KeySlot[];
	/** Earlier vault keys, newest first (FORMAT.md §2, "Rotating the vault key"). */
	retired?: RetiredKey[];
	/** Present while a key rotation re-wraps the record's files: when it started (ISO time). */
	rotating?: string;
}

/** Canonical text of the KDF parameters, authenticated as part of the passphrase slot. */
function kdfText(kdf: KdfParams): string {
	return `argon2id;v=${kdf.version};m=${kdf.memoryKiB};t=${kdf.iterations};p=${kdf.parallelism};salt=${kdf.salt}`;
}

function slotAad(vaultId: string, slot: KeySlot, kdf: KdfParams): Uint8Array {
	const binding = slot.kind === "passphrase" ? kdfText(kdf) : `hkdf-sha256;salt=${slot.salt}`;
	return utf8(`clinical-vault/keyslot/v1|${vaultId}|${slot.kind}|${binding}`);
}

async function aesKey(raw: Uint8Array, usages: KeyUsage[]): Promise<CryptoKey> {
	return crypto.subtle.importKey("raw", own(raw), { name: "AES-GCM" }, false, usages);
}

async function wrap(kek: Uint8Array, vaultKey: Uint8Array, aad: Uint8Array): Promise<{ iv: string; wrapped: string }> {
	const iv = randomBytes(IV_LENGTH);
	const key = await aesKey(kek, ["encrypt"]);
	const wrapped = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv: own(iv), additionalData: own(aad) }, key, own(vaultKey)));
	return { iv: toBase64(iv), wrapped: toBase64(wrapped) };
}

async function unwrap(kek: Uint8Array, slot: KeySlot, aad: Uint8Array): Promise<Uint8Array | null> {
	const key = await aesKey(kek, ["decrypt"]);
	try {
		const raw = new Uint8Array(
			await crypto.subtle.decrypt({ name: "AES-GCM", iv: own(fromBase64(slot.iv)), additionalData: own(aad) }, key, own(fromBase64(slot.wrapped))),
		);
		return raw.length === VAULT_KEY_LENGTH ? raw : null;
	} catch {
		return null;
	}
}

async function recoveryKek(recovery: Uint8Array, salt: Uint8Array): Promise<Uint8Array> {
	const base = await crypto.subtle.importKey("raw", own(recovery), "HKDF", false, ["deriveBits"]);
	const bits = await crypto.subtle.deriveBits(
		{ name: "HKDF", hash: "SHA-256", salt: own(salt), info: own(utf8("clinical-vault/recovery-kek/v1")) },
		base,
		256,
	);
	return new Uint8Array(bits);
}

export function encodeRecoveryKey(bytes: Uint8Array): string {
	let bits = 0;
	let value = 0;
	let out = "";
	for (const byte of bytes) {
		value = (value << 8) | byte;
		bits += 8;
		while (bits >= 5) {
			out += BASE32[(value >>> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
	return out.match(/.{1,4}/g)!.join("-");
}

export function decodeRecoveryKey(text: string): Uint8Array {
	const clean = text.toUpperCase().replace(/[\s-]/g, "");
	if (clean.length !== Math.ceil((RECOVERY_KEY_BYTES * 8) / 5) || /[^A-Z2-7]/.test(clean)) {
		throw new ClinicalVaultError("invalid-input", "That is not a recovery key: it has 32 letters and digits in groups of four (XXXX-XXXX-…).");
	}
	const out = new Uint8Array(RECOVERY_KEY_BYTES);
	let bits = 0;
	let value = 0;
	let index = 0;
	for (const ch of clean) {
		value = (value << 5) | BASE32.indexOf(ch);
		bits += 5;
		if (bits >= 8) {
			out[index++] = (value >>> (bits - 8)) & 255;
			bits -= 8;
		}
	}
	return out;
}

async function passphraseSlot(vaultId: string, kdf: KdfParams, passphrase: string, vaultKey: Uint8Array): Promise<PassphraseSlot> {
	const kek = await deriveKek(passphrase, kdf);
	try {
		const probe: PassphraseSlot = { kind: "passphrase", iv: "", wrapped: "" };
		return { kind: "passphrase", ...(await wrap(kek, vaultKey, slotAad(vaultId, probe, kdf))) };
	} finally {
		wipe(kek);
	}
}

export function checkPassphraseStrength(passphrase: string): void {
	if (passphrase.normalize("NFC").length < 10) {
		throw new ClinicalVaultError("invalid-input", "Choose a passphrase of at least 10 characters (a few unrelated words work well).");
	}
}

/** Creates a new key file with a fresh vault key. The caller must wipe `vaultKey` and show `recoveryKey` once. */
export async function createKeyFile(passphrase: string, kdf: KdfParams, now: Date): Promise<{ keyFile: KeyFile; vaultKey: Uint8Array; recoveryKey: string }> {
	checkPassphraseStrength(passphrase);
	const vaultId = toHex(randomBytes(16));
	const vaultKey = randomBytes(VAULT_KEY_LENGTH);
	const recovery = randomBytes(RECOVERY_KEY_BYTES);
	const salt = randomBytes(16);
	const rkek = await recoveryKek(recovery, salt);
	try {
		const pass = await passphraseSlot(vaultId, kdf, passphrase, vaultKey);
		const recoveryProbe: RecoverySlot = { kind: "recovery", salt: toBase64(salt), iv: "", wrapped: "" };
		const rec: RecoverySlot = { ...recoveryProbe, ...(await wrap(rkek, vaultKey, slotAad(vaultId, recoveryProbe, kdf))) };
		const keyFile: KeyFile = { format: KEYFILE_FORMAT, version: KEYFILE_VERSION, vaultId, created: now.toISOString(), kdf, slots: [pass, rec] };
		return { keyFile, vaultKey, recoveryKey: encodeRecoveryKey(recovery) };
	} finally {
		wipe(rkek);
		wipe(recovery);
	}
}

function isBase64(value: unknown): boolean {
	if (typeof value !== "string") return false;
	try {
		fromBase64(value);
		return true;
	} catch {
		return false;
	}
}

/** A slot whose fields are all present and decodable (whether they unwrap is checked at unlock). */
function isWellFormedSlot(slot: unknown): slot is KeySlot {
	if (typeof slot !== "object" || slot === null) return false;
	const s = slot as Partial<Record<"kind" | "salt" | "iv" | "wrapped", unknown>>;
	if (s.kind !== "passphrase" && s.kind !== "recovery") return false;
	return isBase64(s.iv) && isBase64(s.wrapped) && (s.kind === "passphrase" || isBase64(s.salt));
}

function retiredAad(vaultId: string, index: number): Uint8Array {
	return utf8(`clinical-vault/retired-key/v1|${vaultId}|${index}`);
}

/** The earlier vault keys (newest first), unwrapped with the current vault key. The caller wipes them. */
export async function unwrapRetired(kf: KeyFile, vaultKey: Uint8Array): Promise<Uint8Array[]> {
	const out: Uint8Array[] = [];
	for (let i = 0; i < (kf.retired ?? []).length; i++) {
		const r = kf.retired![i]!;
		const key = await unwrap(vaultKey, { kind: "passphrase", iv: r.iv, wrapped: r.wrapped }, retiredAad(kf.vaultId, i));
		if (!key) {
			for (const k of out) wipe(k);
			throw new ClinicalVaultError(
				"integrity",
				"The key file is damaged (an earlier vault key does not unwrap). Restore it from a backup; nothing was changed.",
			);
		}
		out.push(key);
	}
	return out;
}

/**
 * A key rotation's new key file: a fresh vault key wrapped for the same passphrase (new salt) and
 * a new recovery key; the current key and the earlier ones are kept, wrapped by the new key, so
 * files and audit entries not yet re-wrapped still open; `rotating` marks the re-wrap as under way.
 * The caller wipes `vaultKey` and `previous`, and shows `recoveryKey` once.
 */
export async function rotateKeyFile(
	kf: KeyFile,
	current: Uint8Array,
	previous: readonly Uint8Array[],
	passphrase: string,
	now: Date,
): Promise<{ keyFile: KeyFile; vaultKey: Uint8Array; recoveryKey: string }> {
	const vaultKey = randomBytes(VAULT_KEY_LENGTH);
	const kdf = newKdfParams({ memoryKiB: kf.kdf.memoryKiB, iterations: kf.kdf.iterations, parallelism: kf.kdf.parallelism });
	const pass = await passphraseSlot(kf.vaultId, kdf, passphrase, vaultKey);
	const { slot: rec, recoveryKey } = await recoverySlot(kf.vaultId, kdf, vaultKey);
	const retired: RetiredKey[] = [];
	const keys = [current, ...previous];
	for (let i = 0; i < keys.length; i++) retired.push(await wrap(vaultKey, keys[i]!, retiredAad(kf.vaultId, i)));
	return { keyFile: { ...kf, kdf, slots: [pass, rec], retired, rotating: now.toISOString() }, vaultKey, recoveryKey };
}

/** A resumed rotation: the same vault key, a fresh recovery key (the one shown before may have been lost with the interrupted run). */
export async function newRecoverySlot(kf: KeyFile, vaultKey: Uint8Array): Promise<{ keyFile: KeyFile; recoveryKey: string }> {
	const { slot, recoveryKey } = await recoverySlot(kf.vaultId, kf.kdf, vaultKey);
	return { keyFile: { ...kf, slots: [...kf.slots.filter((s) => s.kind !== "recovery"), slot] }, recoveryKey };
}

async function recoverySlot(vaultId: string, kdf: KdfParams, vaultKey: Uint8Array): Promise<{ slot: RecoverySlot; recoveryKey: string }> {
	const recovery = randomBytes(RECOVERY_KEY_BYTES);
	const salt = randomBytes(16);
	const rkek = await recoveryKek(recovery, salt);
	try {
		const probe: RecoverySlot = { kind: "recovery", salt: toBase64(salt), iv: "", wrapped: "" };
		return { slot: { ...probe, ...(await wrap(rkek, vaultKey, slotAad(vaultId, probe, kdf))) }, recoveryKey: encodeRecoveryKey(recovery) };
	} finally {
		wipe(rkek);
		wipe(recovery);
	}
}

/** The rotation finished: every file is wrapped by the current key. Retired keys stay (old audit entries need them). */
export function rotationDone(kf: KeyFile): KeyFile {
	const { rotating: _done, ...rest } = kf;
	return rest;
}

/** Parses and validates a key file. Unknown versions and out-of-bounds KDF parameters are refused here. */
export function parseKeyFile(bytes: Uint8Array, path: string): KeyFile {
	let data: unknown;
	try {
		data = JSON.parse(fromUtf8(bytes));
	} catch {
		throw new ClinicalVaultError("integrity", `The key file ${path} is damaged (not valid JSON). Restore it from a backup; nothing was changed.`, { path });
	}
	const kf = data as Partial<KeyFile> | null;
	if (typeof kf !== "object" || kf === null || kf.format !== KEYFILE_FORMAT) {
		throw new ClinicalVaultError("integrity", `${path} is not a Clinical Vault key file.`, { path });
	}
	if (kf.version !== KEYFILE_VERSION) throw new UnsupportedFormatError(path, `key file version ${String(kf.version)}`);
	const kdf = checkKdfParams(kf.kdf);
	if (typeof kf.vaultId !== "string" || !/^[0-9a-f]{32}$/.test(kf.vaultId) || !Array.isArray(kf.slots)) {
		throw new ClinicalVaultError("integrity", `The key file ${path} is damaged (missing fields).`, { path });
	}
	if (!kf.slots.every(isWellFormedSlot)) {
		throw new ClinicalVaultError("integrity", `The key file ${path} is damaged (a key slot is malformed). Restore it from a backup; nothing was changed.`, {
			path,
		});
	}
	fromHex(kf.vaultId);
	if (
		kf.retired !== undefined &&
		(!Array.isArray(kf.retired) || !kf.retired.every((r) => typeof r === "object" && r !== null && isBase64(r.iv) && isBase64(r.wrapped)))
	) {
		throw new ClinicalVaultError(
			"integrity",
			`The key file ${path} is damaged (an earlier vault key is malformed). Restore it from a backup; nothing was changed.`,
			{ path },
		);
	}
	if (kf.rotating !== undefined && typeof kf.rotating !== "string")
		throw new ClinicalVaultError("integrity", `The key file ${path} is damaged (a malformed rotation mark).`, { path });
	return {
		format: KEYFILE_FORMAT,
		version: KEYFILE_VERSION,
		vaultId: kf.vaultId,
		created: String(kf.created),
		kdf,
		slots: kf.slots,
		...(kf.retired && kf.retired.length > 0 ? { retired: kf.retired.map((r) => ({ iv: r.iv, wrapped: r.wrapped })) } : {}),
		...(kf.rotating !== undefined ? { rotating: kf.rotating } : {}),
	};
}

export function serializeKeyFile(kf: KeyFile): Uint8Array {
	return utf8(JSON.stringify(kf, null, 2) + "\n");
}

export async function unwrapWithPassphrase(kf: KeyFile, passphrase: string): Promise<Uint8Array> {
	const slot = kf.slots.find((s): s is PassphraseSlot => s.kind === "passphrase");
	if (!slot) throw new ClinicalVaultError("integrity", "The key file has no passphrase slot.");
	// No passphrase can be empty (init and change refuse short ones); Argon2id would throw on it.
	if (passphrase.length === 0) throw new WrongPassphraseError();
	const kek = await deriveKek(passphrase, kf.kdf);
	try {
		const key = await unwrap(kek, slot, slotAad(kf.vaultId, slot, kf.kdf));
		if (!key) throw new WrongPassphraseError();
		return key;
	} finally {
		wipe(kek);
	}
}

export async function unwrapWithRecoveryKey(kf: KeyFile, recoveryKey: string): Promise<Uint8Array> {
	const slot = kf.slots.find((s): s is RecoverySlot => s.kind === "recovery");
	if (!slot) throw new ClinicalVaultError("integrity", "The key file has no recovery slot.");
	const recovery = decodeRecoveryKey(recoveryKey);
	const kek = await recoveryKek(recovery, fromBase64(slot.salt));
	try {
		const key = await unwrap(kek, slot, slotAad(kf.vaultId, slot, kf.kdf));
		if (!key) throw new WrongPassphraseError("recovery key");
		return key;
	} finally {
		wipe(kek);
		wipe(recovery);
	}
}

/** A new key file with the passphrase slot replaced (new salt, possibly new cost); the recovery slot is kept. */
export async function rewrapPassphrase(kf: KeyFile, vaultKey: Uint8Array, newPassphrase: string, cost: KdfParams): Promise<KeyFile> {
	checkPassphraseStrength(newPassphrase);
	// A new passphrase always gets a new salt (FORMAT.md §2), whatever the cost: the KEK of an old
	// key file's passphrase says nothing about the new one.
	const kdf = newKdfParams({ memoryKiB: cost.memoryKiB, iterations: cost.iterations, parallelism: cost.parallelism });
	const pass = await passphraseSlot(kf.vaultId, kdf, newPassphrase, vaultKey);
	const others = kf.slots.filter((s) => s.kind !== "passphrase");
	// The recovery slot's AAD does not include the KDF parameters, so it stays valid.
	return { ...kf, kdf, slots: [pass, ...others] };
}
