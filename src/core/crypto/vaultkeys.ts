/**
 * The unlocked vault's keys: sub-keys derived from the vault key with HKDF-SHA-256, one per
 * purpose, imported as non-extractable WebCrypto keys. The raw vault key is wiped as soon as
 * the sub-keys exist. Locking drops this object.
 */
import { own, utf8, wipe } from "../bytes";

export interface VaultKeys {
	readonly vaultId: string;
	/** Wraps each file's own content key (AES-256-GCM). */
	readonly fileWrap: CryptoKey;
	/** Encrypts audit log entries (AES-256-GCM). */
	readonly audit: CryptoKey;
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

/** Derives the sub-keys and wipes `vaultKey`. */
export async function deriveVaultKeys(vaultKey: Uint8Array, vaultId: string): Promise<VaultKeys> {
	try {
		const base = await crypto.subtle.importKey("raw", own(vaultKey), "HKDF", false, ["deriveKey"]);
		return {
			vaultId,
			fileWrap: await subkey(base, vaultId, "file-wrap"),
			audit: await subkey(base, vaultId, "audit"),
		};
	} finally {
		wipe(vaultKey);
	}
}
