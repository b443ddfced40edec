/**
 * Plugin settings: defaults and a pure migration from whatever data.json holds (any older version,
 * partial, or garbage) to the current shape. Settings never hold clinical data or secrets.
 */
export const SETTINGS_VERSION = 1;

export interface ClinicalVaultSettings {
	settingsVersion: number;
	/** Vault-relative folder that holds the encrypted record. */
	clinicalRoot: string;
	/** Lock after this many idle minutes; 0 disables idle locking (locking on quit always happens). */
	autoLockMinutes: number;
}

export const DEFAULT_SETTINGS: Readonly<ClinicalVaultSettings> = Object.freeze({
	settingsVersion: SETTINGS_VERSION,
	clinicalRoot: "Clinical",
	autoLockMinutes: 15,
});

function cleanRoot(value: unknown): string {
	if (typeof value !== "string") return DEFAULT_SETTINGS.clinicalRoot;
	const root = value.trim().replace(/\\/g, "/").replace(/^\/+|\/+$/g, "");
	if (root === "" || root.split("/").some((s) => s === "." || s === ".." || s.startsWith("."))) return DEFAULT_SETTINGS.clinicalRoot;
	return root;
}

function cleanMinutes(value: unknown): number {
	const n = typeof value === "number" ? value : typeof value === "string" ? Number(value) : NaN;
	if (!Number.isFinite(n) || n < 0) return DEFAULT_SETTINGS.autoLockMinutes;
	return Math.min(24 * 60, Math.round(n));
}

/** Pure: returns current-version settings for any input, keeping every valid value it finds. */
export function migrateSettings(raw: unknown): ClinicalVaultSettings {
	const data = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : {};
	return {
		settingsVersion: SETTINGS_VERSION,
		clinicalRoot: cleanRoot(data.clinicalRoot),
		autoLockMinutes: cleanMinutes(data.autoLockMinutes),
	};
}
