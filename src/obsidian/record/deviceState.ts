/**
 * The plugin's device state (src/core/audit/deviceState.ts) in Obsidian's local storage: kept per
 * vault on this computer and never synced, unlike the plugin's data.json, which lives in the vault's
 * config folder and travels with it (Obsidian Sync, Syncthing): two computers must never share a
 * device id, and a record restored from a backup must not bring back the anchors it is checked against.
 */
import type { App } from "obsidian";
import type { DeviceStateData, DeviceStateStore } from "../../core/audit/deviceState";

const KEY = "clinical-vault-device";

export function localDeviceState(app: App): DeviceStateStore {
	return {
		load: () => Promise.resolve(app.loadLocalStorage(KEY) as unknown),
		save: (state: DeviceStateData) => {
			app.saveLocalStorage(KEY, state);
			return Promise.resolve();
		},
	};
}
