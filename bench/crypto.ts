/**
 * Crypto benchmarks for `npm run bench` (bundled by esbuild into dist/bench.js; no test imports):
 *  - unlock time with tuneKdf()'s parameters (target about 1 s) and at the floor;
 *  - encryptFile / decryptFile throughput on 100 MiB;
 *  - ClinicalRecord write (create), rewrite (modify: the existing file is authenticated first) and
 *    read of a 100 MiB attachment through NodeFsStore in a temporary folder.
 * Sizes are MiB (2^20 bytes); throughputs are MiB/s. Buffers are dropped and a full GC runs
 * between runs.
 */
import { collect } from "./gc";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomFillSync } from "node:crypto";
import { floorKdfParams, tuneKdf, type KdfParams } from "../src/core/crypto/kdf";
import { createKeyFile, unwrapWithPassphrase } from "../src/core/crypto/keyfile";
import { deriveVaultKeys, type VaultKeys } from "../src/core/crypto/vaultkeys";
import { decryptFile, encryptFile, newFileId } from "../src/core/crypto/fileformat";
import { ClinicalRecord } from "../src/core/record/ClinicalRecord";
import { NodeFsStore } from "../src/core/store/NodeFsStore";

const MiB = 1024 * 1024;
const PASSPHRASE = "benchmark passphrase, synthetic";

function round(value: number, digits = 1): number {
	const f = 10 ** digits;
	return Math.round(value * f) / f;
}

async function timed<T>(task: () => Promise<T>): Promise<{ value: T; ms: number }> {
	const start = performance.now();
	const value = await task();
	return { value, ms: performance.now() - start };
}

/** The crypto part of unlock: Argon2id, unwrap of the vault key, sub-key derivation. */
async function unlockMs(kdf: KdfParams): Promise<number> {
	const { keyFile, vaultKey } = await createKeyFile(PASSPHRASE, kdf, new Date());
	vaultKey.fill(0);
	const { ms } = await timed(async () => deriveVaultKeys(await unwrapWithPassphrase(keyFile, PASSPHRASE), keyFile.vaultId));
	return ms;
}

function syntheticData(bytes: number): Uint8Array {
	const out = new Uint8Array(bytes);
	randomFillSync(out);
	return out;
}

export async function benchCrypto(options: { sizeMiB?: number } = {}): Promise<Record<string, number | string>> {
	const sizeMiB = options.sizeMiB ?? 100;
	const size = sizeMiB * MiB;
	const out: Record<string, number | string> = {};

	const tuning = await timed(() => tuneKdf());
	const tuned = tuning.value;
	out["kdf tuned memory KiB"] = tuned.memoryKiB;
	out["kdf tuned iterations"] = tuned.iterations;
	out["kdf tuned parallelism"] = tuned.parallelism;
	out["kdf tuning ms"] = round(tuning.ms, 0);
	out["unlock ms (tuned)"] = round(await unlockMs(tuned), 0);
	out["unlock ms (floor m=19456 KiB t=2 p=1)"] = round(await unlockMs(floorKdfParams()), 0);

	const { keyFile, vaultKey } = await createKeyFile(PASSPHRASE, floorKdfParams(), new Date());
	const keys: VaultKeys = await deriveVaultKeys(vaultKey, keyFile.vaultId);
	const header = { fileId: newFileId(), path: "C-0001/attachments/bench.webm", contentType: "audio/webm" };

	let plaintext: Uint8Array | null = syntheticData(size);
	// Warm up WebCrypto on the first MiB.
	await decryptFile(keys, await encryptFile(keys, header, plaintext.subarray(0, MiB)), header.path);
	let encrypted: Uint8Array | null = null;
	const enc = await timed(() => encryptFile(keys, header, plaintext!));
	encrypted = enc.value;
	out[`encrypt MiB/s (${sizeMiB} MiB)`] = round(sizeMiB / (enc.ms / 1000));
	const dec = await timed(() => decryptFile(keys, encrypted!, header.path));
	out[`decrypt MiB/s (${sizeMiB} MiB)`] = round(sizeMiB / (dec.ms / 1000));
	out["round trip intact"] = Buffer.from(dec.value.plaintext).equals(Buffer.from(plaintext)) ? "yes" : "NO";
	dec.value.plaintext.fill(0);
	encrypted = null;
	collect();

	const dir = await mkdtemp(join(tmpdir(), "cv-bench-"));
	try {
		const record = new ClinicalRecord({ store: new NodeFsStore(dir) });
		await record.attachKeys(keys);
		const path = "C-0001/attachments/recording.webm";
		const write = await timed(() => record.write(path, plaintext!));
		out[`record write MiB/s (${sizeMiB} MiB, NodeFsStore)`] = round(sizeMiB / (write.ms / 1000));
		collect();
		const rewrite = await timed(() => record.write(path, plaintext!));
		out[`record rewrite MiB/s (${sizeMiB} MiB, existing file authenticated first)`] = round(sizeMiB / (rewrite.ms / 1000));
		plaintext = null;
		collect();
		const read = await timed(() => record.read(path, "internal"));
		out[`record read MiB/s (${sizeMiB} MiB, NodeFsStore)`] = round(sizeMiB / (read.ms / 1000));
		read.value.fill(0);
	} finally {
		await rm(dir, { recursive: true, force: true });
	}
	collect();
	out["peak RSS MiB"] = round(process.resourceUsage().maxRSS / 1024, 0);
	return out;
}
