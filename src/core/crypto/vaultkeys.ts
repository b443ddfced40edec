/**
 * The unlocked vault's keys: sub-keys derived from the vault key with HKDF-SHA-256, one per
 * purpose, imported as non-extractable WebCrypto keys. The raw vault key is wiped as soon as
 * the sub-keys exist. Locking drops this object.
 */
import { own, utf8, wipe } from "../bytes";

export interface SubKeys {
	/** Wraps each file's own content key (AES-256-GCM). */
	readonly fileWrap: CryptoKey;
	/** Encrypts audit log entries (AES-256-GCM). */
	readonly audit: CryptoKey;
}

export interface VaultKeys extends SubKeys {
	readonly vaultId: string;
	/**
	 * The sub-keys of earlier vault keys (a key rotation, FORMAT.md §2): only read with, never
	 * written with. Files and audit entries made before the rotation open with them.
	 */
	readonly retired?: readonly SubKeys[];
}

async function subkey(base: CryptoKey, vaultId: string, purpose: string): Promise<CryptoKey> {
	return crypto.subtle.deriveKey(
		{ name: "HKDF", hash: "SHA-256", salt: own(utf8(`clinical-vault/${vaultId}`)), info: own(utf8(`clinical-vault/${purpose}/v1`)) },
		base,
		{ name: "AES-GCM", length: 256 },
		false,
		["encrypt", "decrypt"],
	);
}

async function subKeys(vaultKey: Uint8Array, vaultId: string): Promise<SubKeys> {
	const base = await crypto.subtle.importKey("raw", own(vaultKey), "HKDF", false, ["deriveKey"]);
	return { fileWrap: await subkey(base, vaultId, "file-wrap"), audit: await subkey(base, vaultId, "audit") };
}

/** Derives the sub-keys (and those of `retired` vault keys) and wipes every raw key given. */
export async function deriveVaultKeys(vaultKey: Uint8Array, vaultId: string, retired: readonly Uint8Array[] = []): Promise<VaultKeys> {
	try {
		const current = await subKeys(vaultKey, vaultId);
		const old: SubKeys[] = [];
		for (const key of retired) old.push(await subKeys(key, vaultId));
		return { vaultId, ...current, ...(old.length > 0 ? { retired: old } : {}) };
	} finally {
		wipe(vaultKey);
		for (const key of retired) wipe(key);
	}
}
