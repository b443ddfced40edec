/**
 * The CLI's device state (src/core/audit/deviceState.ts): one small JSON file on this computer,
 * outside every vault, so that a record restored from a backup or synced from elsewhere cannot
 * rewrite what this computer saw of its audit logs.
 *
 * Where: $CLINICAL_VAULT_STATE_DIR, else the platform's per-user state folder
 * ($XDG_STATE_HOME or ~/.local/state on Linux, ~/Library/Application Support on macOS,
 * %LOCALAPPDATA% on Windows), in a "clinical-vault" folder, file "device.json". It holds ids,
 * counts, hashes of ciphertext and times, never clinical content.
 */
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import * as os from "node:os";
import * as nodePath from "node:path";
import type { DeviceStateData, DeviceStateStore } from "../core/audit/deviceState";

export const STATE_DIR_ENV = "CLINICAL_VAULT_STATE_DIR";

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
	const chosen = env[STATE_DIR_ENV];
	if (chosen) return nodePath.resolve(chosen);
	const home = os.homedir();
	if (process.platform === "win32") return nodePath.join(env.LOCALAPPDATA ?? nodePath.join(home, "AppData", "Local"), "clinical-vault");
	if (process.platform === "darwin") return nodePath.join(home, "Library", "Application Support", "clinical-vault");
	return nodePath.join(env.XDG_STATE_HOME ?? nodePath.join(home, ".local", "state"), "clinical-vault");
}

export class FileDeviceStateStore implements DeviceStateStore {
	readonly path: string;

	constructor(folder: string = stateDir()) {
		this.path = nodePath.join(folder, "device.json");
	}

	async load(): Promise<unknown> {
		try {
			return JSON.parse(await readFile(this.path, "utf8")) as unknown;
		} catch {
			return null;
		}
	}

	/**
	 * Written to a temporary file and renamed over the state (never a torn file). Anchors saved by
	 * another CLI process meanwhile are kept when they are further along (an anchor only grows).
	 */
	async save(state: DeviceStateData): Promise<void> {
		const merged = mergeStates(await this.load(), state);
		await mkdir(nodePath.dirname(this.path), { recursive: true, mode: 0o700 });
		const temp = `${this.path}.${process.pid}.${Date.now()}.tmp`;
		try {
			const handle = await open(temp, "w", 0o600);
			try {
				await handle.writeFile(JSON.stringify(merged, null, "\t"));
				await handle.sync();
			} finally {
				await handle.close();
			}
			await rename(temp, this.path);
		} finally {
			await rm(temp, { force: true });
		}
	}
}

/** The state to save: ours, with each log anchor raised to what another process saved if that is further. */
function mergeStates(onDisk: unknown, ours: DeviceStateData): DeviceStateData {
	const other = onDisk as Partial<DeviceStateData> | null;
	if (!other || other.device !== ours.device || typeof other.vaults !== "object" || other.vaults === null) return ours;
	const out: DeviceStateData = structuredClone(ours);
	for (const [vaultId, theirs] of Object.entries(other.vaults)) {
		const mine = out.vaults[vaultId];
		if (!mine) {
			out.vaults[vaultId] = theirs;
			continue;
		}
		for (const [log, anchor] of Object.entries(theirs.logs ?? {})) {
			const have = mine.logs[log];
			if (!have || anchor.entries > have.entries) mine.logs[log] = anchor;
		}
	}
	return out;
}
