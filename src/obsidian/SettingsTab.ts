/**
 * Settings: the clinical folder and the idle auto-lock minutes. Settings never hold clinical data.
 * The settings are described once (getSettingDefinitions, which Obsidian 1.13+ renders and indexes
 * for settings search) and display() draws the same definitions for older versions.
 */
import { PluginSettingTab, Setting, type App, type Plugin } from "obsidian";
import type { ClinicalVaultSettings } from "../core/settings";

type SettingKey = "clinicalRoot" | "autoLockMinutes";

interface ControlDefinition {
	name: string;
	desc: string;
	control: {
		type: "text" | "number";
		key: SettingKey;
		placeholder?: string;
		min?: number;
		max?: number;
		step?: number;
		disabled?: () => boolean;
		validate?: (value: unknown) => string | undefined;
	};
}

export interface SettingsHost {
	readonly settings: ClinicalVaultSettings;
	readonly configDir: string;
	isUnlocked(): boolean;
	/** Persists and applies new settings (rebuilding the record for a new folder). */
	updateSettings(next: ClinicalVaultSettings): Promise<void>;
}

const MAX_MINUTES = 24 * 60;

/** Returns the cleaned folder path, or an error message. */
export function checkRootInput(value: unknown, configDir: string): { root: string } | { error: string } {
	const root = (typeof value === "string" ? value : "")
		.trim()
		.replace(/\\/g, "/")
		.replace(/^\/+|\/+$/g, "");
	const segments = root.split("/");
	if (root === "" || segments.some((s) => s === "" || s === "." || s === ".." || s.startsWith("."))) {
		return { error: "Use a plain folder path inside the vault, like Clinical." };
	}
	if (root === configDir || root.startsWith(`${configDir}/`)) return { error: "The clinical folder cannot be inside the configuration folder." };
	return { root };
}

export function checkMinutesInput(value: unknown): { minutes: number } | { error: string } {
	const minutes = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value.trim()) : Number.NaN;
	if (!Number.isInteger(minutes) || minutes < 0 || minutes > MAX_MINUTES) return { error: `Enter whole minutes from 0 to ${MAX_MINUTES}.` };
	return { minutes };
}

export class ClinicalVaultSettingTab extends PluginSettingTab {
	constructor(
		app: App,
		plugin: Plugin,
		private readonly host: SettingsHost,
	) {
		super(app, plugin);
	}

	getSettingDefinitions(): ControlDefinition[] {
		return [
			{
				name: "Clinical folder",
				desc: "Vault folder that holds the encrypted record. Lock the record before changing it; files are not moved.",
				control: {
					type: "text",
					key: "clinicalRoot",
					placeholder: "Clinical",
					disabled: () => this.host.isUnlocked(),
					validate: (value) => {
						const checked = checkRootInput(value, this.host.configDir);
						if ("error" in checked) return checked.error;
						return this.host.isUnlocked() ? "Lock the record before changing the clinical folder." : undefined;
					},
				},
			},
			{
				name: "Auto-lock after idle minutes",
				desc: "Lock the record after this many minutes without keyboard, mouse or touch activity. 0 turns idle locking off; the record still locks when Obsidian quits.",
				control: {
					type: "number",
					key: "autoLockMinutes",
					min: 0,
					max: MAX_MINUTES,
					step: 1,
					validate: (value) => {
						const checked = checkMinutesInput(value);
						return "error" in checked ? checked.error : undefined;
					},
				},
			},
		];
	}

	getControlValue(key: string): unknown {
		if (key === "clinicalRoot") return this.host.settings.clinicalRoot;
		if (key === "autoLockMinutes") return this.host.settings.autoLockMinutes;
		return undefined;
	}

	/** Validates and applies one value; throws the validation message so the caller can show it. */
	async setControlValue(key: string, value: unknown): Promise<void> {
		const next = { ...this.host.settings };
		if (key === "clinicalRoot") {
			const checked = checkRootInput(value, this.host.configDir);
			if ("error" in checked) throw new Error(checked.error);
			if (this.host.isUnlocked() && checked.root !== next.clinicalRoot) throw new Error("Lock the record before changing the clinical folder.");
			next.clinicalRoot = checked.root;
		} else if (key === "autoLockMinutes") {
			const checked = checkMinutesInput(value);
			if ("error" in checked) throw new Error(checked.error);
			next.autoLockMinutes = checked.minutes;
		} else {
			return;
		}
		await this.host.updateSettings(next);
	}

	override display(): void {
		const { containerEl } = this;
		containerEl.empty();
		for (const definition of this.getSettingDefinitions()) {
			const { control } = definition;
			const setting = new Setting(containerEl).setName(definition.name).setDesc(definition.desc);
			setting.settingEl.addClass(`clinical-vault-setting-${control.key}`);
			const errorEl = setting.descEl.createDiv({ cls: "clinical-vault-setting-error" });
			setting.addText((text) => {
				if (control.type === "number") {
					text.inputEl.type = "number";
					if (control.min !== undefined) text.inputEl.min = String(control.min);
					if (control.max !== undefined) text.inputEl.max = String(control.max);
					if (control.step !== undefined) text.inputEl.step = String(control.step);
				}
				if (control.placeholder) text.setPlaceholder(control.placeholder);
				text.setValue(String(this.getControlValue(control.key)));
				text.setDisabled(control.disabled?.() ?? false);
				text.inputEl.addEventListener("change", () => {
					const raw = text.getValue();
					const value = control.type === "number" ? (raw.trim() === "" ? Number.NaN : Number(raw)) : raw;
					const problem = control.validate?.(value);
					errorEl.setText(problem ?? "");
					if (problem) return;
					this.setControlValue(control.key, value).catch((error: unknown) => errorEl.setText(error instanceof Error ? error.message : String(error)));
				});
			});
		}
	}
}
