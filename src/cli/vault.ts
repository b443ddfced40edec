/**
 * Opening the record in a vault folder: where the clinical root is (--root, else the plugin's
 * setting in data.json, else "Clinical"), input checks done before any key derivation, and the
 * unlocked section that always ends with a lock (audit "lock"), on error paths too.
 */
import { access, constants, readdir, readFile, stat } from "node:fs/promises";
import * as nodePath from "node:path";
import { ClinicalVaultError, StorageError } from "../core/errors";
import { ClinicalRecord } from "../core/record/ClinicalRecord";
import { checkClientCode, checkRecordPath } from "../core/record/layout";
import { migrateSettings, type ClinicalVaultSettings } from "../core/settings";
import { NodeFsStore } from "../core/store/NodeFsStore";
import { usageError } from "./args";
import { FileDeviceStateStore, stateDir } from "./deviceState";
import type { CliIo } from "./output";

/**
 * Where the plugin keeps its settings, relative to the vault's config folder. Obsidian lets the
 * user rename that folder (Vault#configDir, unknown outside the app), so every top-level hidden
 * folder of the vault is looked at.
 */
export const PLUGIN_SETTINGS_FILE = "plugins/clinical-vault/data.json";

export interface OpenVault {
	/** The vault folder as the user wrote it (for messages). */
	vault: string;
	root: string;
	record: ClinicalRecord;
	/** The plugin's settings from the vault (defaults when it has none); flags override them. */
	settings: ClinicalVaultSettings;
	/** Where withUnlocked tells the clinician about the session: the stderr of the run that opened the record. */
	notices: NodeJS.WritableStream;
}

function checkRootFlag(value: string): string {
	const root = value.trim().replace(/\\/g, "/").replace(/\/+$/, "");
	const bad = (): never => {
		throw usageError(
			`--root "${value}" is not a folder inside the vault: give it relative to the vault, like Clinical, without "..", hidden folders or a leading "/".`,
		);
	};
	if (root.startsWith("/") || /^[A-Za-z]:/.test(root)) return bad();
	if (migrateSettings({ clinicalRoot: root }).clinicalRoot !== root) return bad();
	return root;
}

/** The plugin's settings from the vault (migrated), or the defaults when it has none. */
async function settingsFromVault(vaultPath: string): Promise<ClinicalVaultSettings> {
	const found: ClinicalVaultSettings[] = [];
	for (const entry of await readdir(vaultPath, { withFileTypes: true })) {
		if (!entry.isDirectory() || !entry.name.startsWith(".")) continue;
		let raw: unknown;
		try {
			raw = JSON.parse(await readFile(nodePath.join(vaultPath, entry.name, PLUGIN_SETTINGS_FILE), "utf8"));
		} catch {
			continue;
		}
		found.push(migrateSettings(raw));
	}
	const roots = new Set(found.map((s) => s.clinicalRoot));
	if (roots.size > 1)
		throw usageError(`The vault has Clinical Vault settings naming different clinical roots (${[...roots].join(", ")}): choose one with --root.`);
	return found[0] ?? migrateSettings({});
}

/** Opens every vault read-only when "1" (a backup to inspect without touching it). */
export const READ_ONLY_ENV = "CLINICAL_VAULT_READ_ONLY";

/**
 * Whether this process may write in the clinical root (and its _vault folder). access(2) reports a
 * read-only file system (EROFS) even to root; a folder that does not exist yet counts as writable
 * (init creates it).
 */
async function writable(root: string): Promise<boolean> {
	for (const folder of [root, nodePath.join(root, "_vault")]) {
		try {
			await access(folder, constants.W_OK);
		} catch (error) {
			const code = (error as NodeJS.ErrnoException).code;
			if (code === "ENOENT") continue;
			return false;
		}
	}
	return true;
}

/**
 * Opens the vault folder. With `allowMissing` (init) a folder that does not exist yet is fine: the
 * first write creates it, so a refused or cancelled init leaves nothing behind. The environment
 * (read-only, the state folder) is the CLI's (`io.env`: the process's own in dist/cli.js).
 */
export async function openVault(io: CliIo, vault: string, rootFlag: string | undefined, options: { allowMissing?: boolean } = {}): Promise<OpenVault> {
	const root = rootFlag === undefined ? undefined : checkRootFlag(rootFlag);
	const vaultPath = nodePath.resolve(vault);
	let kind: "folder" | "missing" | "other" = "missing";
	try {
		kind = (await stat(vaultPath)).isDirectory() ? "folder" : "other";
	} catch {
		kind = "missing";
	}
	if (kind === "other" || (kind === "missing" && !options.allowMissing)) throw new ClinicalVaultError("not-found", `${vault} is not a folder.`);
	const settings = kind === "folder" ? await settingsFromVault(vaultPath) : migrateSettings({});
	const clinicalRoot = root ?? settings.clinicalRoot;
	// Reads are batched (a read-only command adds one audit entry); this computer's device id and
	// audit anchors live in the CLI's state folder, outside the vault.
	const readOnly = kind === "folder" && (io.env[READ_ONLY_ENV] === "1" || !(await writable(nodePath.join(vaultPath, clinicalRoot))));
	const record = new ClinicalRecord({
		store: new NodeFsStore(vaultPath),
		root: clinicalRoot,
		device: new FileDeviceStateStore(stateDir(io.env)),
		batchReads: true,
		readOnly,
	});
	return {
		vault: vault.replace(/(.)[\\/]+$/, "$1"),
		root: record.layout.root,
		record,
		settings: { ...settings, clinicalRoot: record.layout.root },
		notices: io.stderr,
	};
}

export async function requireInitialized(open: OpenVault): Promise<void> {
	if (!(await open.record.isInitialized())) {
		throw new ClinicalVaultError(
			"not-initialized",
			`There is no clinical record in ${open.vault} (looked for ${open.record.layout.keyFilePath}). Create one with "clinical-vault init", or pass --root.`,
		);
	}
}

/** Input mistakes found before any work are usage errors (exit 2), not record errors. */
export function asUsage<T>(check: () => T): T {
	try {
		return check();
	} catch (error) {
		if (error instanceof ClinicalVaultError && error.code === "invalid-input") throw usageError(error.message);
		throw error;
	}
}

export function validRecordPath(recordPath: string): string {
	const path = asUsage(() => checkRecordPath(recordPath));
	asUsage(() => checkClientCode(path.split("/")[0]!));
	return path;
}

export function validClientCode(code: string): string {
	return asUsage(() => checkClientCode(code));
}

export async function requireClient(open: OpenVault, code: string): Promise<void> {
	if (!(await open.record.exists(open.record.layout.profilePath(code)))) {
		throw new ClinicalVaultError("not-found", `There is no client ${code} in this record. Add one with "clinical-vault client add".`);
	}
}

/** Refuses a record path with no file behind it (before any passphrase is asked for). */
export async function requireRecordFile(open: OpenVault, recordPath: string): Promise<void> {
	if (!(await open.record.exists(recordPath))) throw new ClinicalVaultError("not-found", `${recordPath} does not exist in the record.`);
}

/**
 * Unlocks (with the passphrase, or with a custom unlock such as the recovery key), runs the task
 * and locks again whatever happens. SIGINT/SIGTERM while unlocked are held
 * until the lock is written (so the audit log stays consistent), then re-raised. Its notices go to
 * the stderr of the CLI run that opened the record (`open.notices`).
 */
export async function withUnlocked<T>(open: Pick<OpenVault, "record" | "notices">, unlock: string | (() => Promise<void>), task: () => Promise<T>): Promise<T> {
	const { record, notices: stderr } = open;
	const held: { signal: NodeJS.Signals | null } = { signal: null };
	const hold = (received: NodeJS.Signals): void => {
		held.signal = received;
	};
	process.on("SIGINT", hold);
	process.on("SIGTERM", hold);
	try {
		let result: T;
		try {
			await (typeof unlock === "string" ? record.unlock(unlock) : unlock());
			result = await task();
		} catch (error) {
			// Locking a record that never unlocked (wrong passphrase) writes nothing.
			await record.lock().catch(() => undefined);
			throw error;
		}
		try {
			await record.lock();
		} catch (error) {
			// The work is done (a read, say) but its audit entry could not be written (a full disk):
			// reading is never blocked for it; the clinician is told the session is not in the log.
			if (!(error instanceof StorageError)) throw error;
			stderr.write(
				`${error.message.replace(/ The previous version is intact\.$/, "")} This session is not in the audit log (reading is never blocked for it).\n`,
			);
			return result;
		}
		if (record.readOnly) {
			stderr.write("The vault is read-only: nothing was written to it, and this session is not in its audit log.\n");
		}
		return result;
	} finally {
		process.removeListener("SIGINT", hold);
		process.removeListener("SIGTERM", hold);
		if (held.signal !== null) process.kill(process.pid, held.signal);
	}
}

/**
 * Runs a long task (transcription, drafting) with an AbortSignal that Ctrl-C or SIGTERM fires.
 * Inside withUnlocked, the signal is still re-raised after the record is locked again.
 */
export async function withCancelSignal<T>(task: (signal: AbortSignal) => Promise<T>): Promise<T> {
	const controller = new AbortController();
	const abort = () => controller.abort();
	process.once("SIGINT", abort);
	process.once("SIGTERM", abort);
	try {
		return await task(controller.signal);
	} finally {
		process.removeListener("SIGINT", abort);
		process.removeListener("SIGTERM", abort);
	}
}
