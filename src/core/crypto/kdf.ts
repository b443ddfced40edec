/**
 * Passphrase -> key-encryption key, with Argon2id (RFC 9106) from hash-wasm.
 *
 * Parameters are stored in the key file and checked against a floor (OWASP's minimum for
 * Argon2id: m = 19 MiB, t = 2, p = 1) and a cap (so a tampered key file cannot make unlock
 * allocate gigabytes or run for hours) BEFORE the KDF runs.
 */
import { argon2id } from "hash-wasm";
import { ClinicalVaultError } from "../errors";
import { fromBase64, randomBytes, toBase64, utf8 } from "../bytes";

export interface KdfParams {
	algorithm: "argon2id";
	/** Argon2 version number; 19 (0x13) is the only one RFC 9106 defines. */
	version: 19;
	/** Memory in KiB. */
	memoryKiB: number;
	iterations: number;
	parallelism: number;
	/** Base64 of a 16-byte random salt. */
	salt: string;
}

export const KDF_FLOOR = { memoryKiB: 19 * 1024, iterations: 2, parallelism: 1 } as const;
export const KDF_CAP = { memoryKiB: 1024 * 1024, iterations: 64, parallelism: 16 } as const;
/**
 * Cap on memory × passes (KiB·passes): 2 GiB·passes is about 13 s on a 2-core machine, far above
 * any tuned value (64 MiB × 6 passes is 384 MiB·passes), so a tampered key file cannot make unlock
 * run for minutes with each parameter individually in bounds.
 */
export const KDF_WORK_CAP = 2 * 1024 * 1024;
export const KDF_KEY_LENGTH = 32;
const SALT_LENGTH = 16;

/** Throws a kdf-params error (before any work) when parameters are malformed, below the floor or above the cap. */
export function checkKdfParams(params: unknown): KdfParams {
	const p = params as Partial<KdfParams> | null;
	const refuse = (why: string): never => {
		throw new ClinicalVaultError("kdf-params", `The key file's key-derivation parameters are refused: ${why}.`, { detail: JSON.stringify(params) });
	};
	if (typeof p !== "object" || p === null) return refuse("missing");
	if (p.algorithm !== "argon2id") return refuse(`unknown algorithm ${String(p.algorithm)}`);
	if (p.version !== 19) return refuse(`unknown Argon2 version ${String(p.version)}`);
	for (const key of ["memoryKiB", "iterations", "parallelism"] as const) {
		const value = p[key];
		if (typeof value !== "number" || !Number.isInteger(value)) return refuse(`${key} is not an integer`);
		if (value < KDF_FLOOR[key]) return refuse(`${key} ${value} is below the minimum ${KDF_FLOOR[key]}`);
		if (value > KDF_CAP[key]) return refuse(`${key} ${value} is above the maximum ${KDF_CAP[key]}`);
	}
	if (p.memoryKiB! * p.iterations! > KDF_WORK_CAP) return refuse(`memory × passes ${p.memoryKiB! * p.iterations!} KiB is above the maximum ${KDF_WORK_CAP}`);
	if (typeof p.salt !== "string") return refuse("salt missing");
	let salt: Uint8Array;
	try {
		salt = fromBase64(p.salt);
	} catch {
		return refuse("salt is not base64");
	}
	if (salt.length !== SALT_LENGTH) return refuse(`salt must be ${SALT_LENGTH} bytes`);
	return { algorithm: "argon2id", version: 19, memoryKiB: p.memoryKiB!, iterations: p.iterations!, parallelism: p.parallelism!, salt: p.salt };
}

/** Raw Argon2id; exported for the known-answer tests. */
export async function argon2idRaw(input: {
	password: Uint8Array;
	salt: Uint8Array;
	memoryKiB: number;
	iterations: number;
	parallelism: number;
	hashLength: number;
	secret?: Uint8Array;
}): Promise<Uint8Array> {
	return argon2id({
		password: input.password,
		salt: input.salt,
		memorySize: input.memoryKiB,
		iterations: input.iterations,
		parallelism: input.parallelism,
		hashLength: input.hashLength,
		...(input.secret ? { secret: input.secret } : {}),
		outputType: "binary",
	});
}

/** Derives the 32-byte key-encryption key from a passphrase. The caller wipes the result. */
export async function deriveKek(passphrase: string, params: KdfParams): Promise<Uint8Array> {
	const checked = checkKdfParams(params);
	const password = utf8(passphrase.normalize("NFC"));
	try {
		return await argon2idRaw({
			password,
			salt: fromBase64(checked.salt),
			memoryKiB: checked.memoryKiB,
			iterations: checked.iterations,
			parallelism: checked.parallelism,
			hashLength: KDF_KEY_LENGTH,
		});
	} finally {
		password.fill(0);
	}
}

export function newKdfParams(cost: { memoryKiB: number; iterations: number; parallelism?: number }): KdfParams {
	return checkKdfParams({
		algorithm: "argon2id",
		version: 19,
		memoryKiB: cost.memoryKiB,
		iterations: cost.iterations,
		parallelism: cost.parallelism ?? 1,
		salt: toBase64(randomBytes(SALT_LENGTH)),
	});
}

/**
 * Picks parameters that take about `targetMs` on this machine: 64 MiB of memory and as many
 * passes as fit, never below the floor. On a slow machine memory is reduced toward the floor
 * before passes go below 2.
 */
export async function tuneKdf(targetMs = 1000, now: () => number = () => performance.now()): Promise<KdfParams> {
	let memoryKiB = 64 * 1024;
	const probe = async (m: number, t: number): Promise<number> => {
		const start = now();
		await argon2idRaw({ password: utf8("tuning"), salt: randomBytes(SALT_LENGTH), memoryKiB: m, iterations: t, parallelism: 1, hashLength: 32 });
		return now() - start;
	};
	let elapsed = await probe(memoryKiB, KDF_FLOOR.iterations);
	while (elapsed > targetMs && memoryKiB > KDF_FLOOR.memoryKiB) {
		memoryKiB = Math.max(KDF_FLOOR.memoryKiB, Math.floor(memoryKiB / 2));
		elapsed = await probe(memoryKiB, KDF_FLOOR.iterations);
	}
	const perPass = elapsed / KDF_FLOOR.iterations;
	const iterations = Math.min(KDF_CAP.iterations, Math.max(KDF_FLOOR.iterations, Math.round(targetMs / Math.max(perPass, 1))));
	return newKdfParams({ memoryKiB, iterations });
}

/** The floor itself: fast enough for tests and demos, still within OWASP's minimum. */
export function floorKdfParams(): KdfParams {
	return newKdfParams(KDF_FLOOR);
}
