/** `clinical-vault init <vault>`: creates the key file and prints the recovery key once. */
import { ClinicalVaultError } from "../../core/errors";
import { KDF_CAP, KDF_FLOOR, newKdfParams, tuneKdf, type KdfParams } from "../../core/crypto/kdf";
import { checkPassphraseStrength } from "../../core/crypto/keyfile";
import { integerOption, PASSPHRASE_FILE_OPTION, ROOT_OPTION, stringOption, usageError } from "../args";
import { cancelled, type Command } from "../command";
import { notice } from "../output";
import { getPassphrase, PASSPHRASE_ENV } from "../passphrase";
import { asUsage, openVault, withUnlocked } from "../vault";

const MIB = 1024;

/** Checks --kdf-memory (MiB) and --kdf-iterations against the floor and cap before any work. */
export function kdfFromFlags(memoryMiB: number | undefined, iterations: number | undefined): KdfParams | null {
	if (memoryMiB === undefined && iterations === undefined) return null;
	const memory = memoryMiB ?? KDF_FLOOR.memoryKiB / MIB;
	const passes = iterations ?? KDF_FLOOR.iterations;
	const [minMiB, maxMiB] = [KDF_FLOOR.memoryKiB / MIB, KDF_CAP.memoryKiB / MIB];
	if (memory < minMiB)
		throw usageError(`--kdf-memory ${memory} MiB is below the minimum of ${minMiB} MiB (OWASP's floor for Argon2id). Nothing was created.`);
	if (memory > maxMiB) throw usageError(`--kdf-memory ${memory} MiB is above the maximum of ${maxMiB} MiB. Nothing was created.`);
	if (passes < KDF_FLOOR.iterations)
		throw usageError(`--kdf-iterations ${passes} is below the minimum of ${KDF_FLOOR.iterations} (OWASP's floor for Argon2id). Nothing was created.`);
	if (passes > KDF_CAP.iterations) throw usageError(`--kdf-iterations ${passes} is above the maximum of ${KDF_CAP.iterations}. Nothing was created.`);
	return newKdfParams({ memoryKiB: memory * MIB, iterations: passes });
}

export function describeKdf(kdf: KdfParams): string {
	return `Argon2id, ${kdf.memoryKiB / MIB} MiB, ${kdf.iterations} passes, parallelism ${kdf.parallelism}`;
}

export const initCommand: Command = {
	name: "init",
	synopsis: "init <vault> [--kdf-memory MiB --kdf-iterations N]",
	summary: "Create the encrypted record in a vault folder; prints the recovery key once.",
	args: ["<vault>"],
	options: [
		{ name: "kdf-memory", value: "MiB", description: `Argon2id memory in MiB (${KDF_FLOOR.memoryKiB / MIB} to ${KDF_CAP.memoryKiB / MIB}).` },
		{ name: "kdf-iterations", value: "N", description: `Argon2id passes (${KDF_FLOOR.iterations} to ${KDF_CAP.iterations}).` },
		ROOT_OPTION,
		{
			...PASSPHRASE_FILE_OPTION,
			description: "Read the new passphrase from the first line of FILE (else $CLINICAL_VAULT_PASSPHRASE, else a prompt, typed twice).",
		},
	],
	notes: [
		"Without --kdf-* options the key derivation is tuned to take about one second on this machine. With only one of them, the other is the minimum.",
		"The folder is created if it does not exist. The passphrase needs at least 10 characters.",
	],
	async run({ io, args, options }) {
		const explicit = kdfFromFlags(integerOption(options, "kdf-memory"), integerOption(options, "kdf-iterations"));
		const open = await openVault(io, args.vault!, stringOption(options, ROOT_OPTION.name), { allowMissing: true });
		if (await open.record.isInitialized()) {
			throw new ClinicalVaultError("already-initialized", `A clinical record already exists in ${open.vault}/${open.root}/. Nothing was changed.`);
		}
		const passphrase = await getPassphrase(io, {
			file: stringOption(options, PASSPHRASE_FILE_OPTION.name),
			fileFlag: `--${PASSPHRASE_FILE_OPTION.name}`,
			envName: PASSPHRASE_ENV,
			label: "New passphrase: ",
			confirm: true,
			what: "passphrase",
		});
		if (typeof passphrase !== "string") return cancelled();
		asUsage(() => checkPassphraseStrength(passphrase));
		let kdf = explicit;
		if (!kdf) {
			notice(io, "Tuning the key derivation to about 1 s on this machine...");
			kdf = await tuneKdf();
		}
		const chosen = kdf;
		let recoveryKey = "";
		await withUnlocked(
			open,
			async () => {
				({ recoveryKey } = await open.record.init(passphrase, { kdf: chosen }));
			},
			() => Promise.resolve(),
		);
		const how = explicit ? "as given" : "tuned to about 1 s here";
		const stdout = [
			`Created a clinical record in ${open.vault}/${open.root}/.`,
			`Key derivation: ${describeKdf(chosen)} (${how}).`,
			"",
			"RECOVERY KEY (shown this once, never again):",
			"",
			`    ${recoveryKey}`,
			"",
			"Write it on paper or print it now, and keep it offline in a safe place: never inside the vault",
			"and never on this computer. It is the only way back in if the passphrase is lost:",
			`    clinical-vault passwd ${open.vault} --recovery-key-file FILE`,
			"",
		].join("\n");
		return { stdout };
	},
};
