/**
 * The settings feature: the settings tab, with what it can ask of the engines (the decoder in
 * use, the model server's models, a connection test, where the programs were found) and the
 * session-only token where Obsidian has no keychain.
 */
import type { Plugin } from "obsidian";
import { testConnection } from "../../core/llm/connection";
import type { ClinicalVaultSettings } from "../../core/settings";
import { findPrograms } from "../../engines/select";
import type { CommandContext } from "../common/context";
import { keychain, llmClient, setSessionToken } from "../common/engineToken";
import type { Feature } from "../common/feature";
import { chooseDecoder } from "../sessions/TranscriptionRunner";
import { ClinicalVaultSettingTab } from "./SettingsTab";

export function settingsFeature(
	ctx: CommandContext,
	options: { settings: ClinicalVaultSettings; update: (next: ClinicalVaultSettings) => Promise<void> },
): Feature {
	const { app, session } = ctx;
	const settings = ctx.settings;
	return {
		name: "settings",
		register(plugin: Plugin) {
			plugin.addSettingTab(
				new ClinicalVaultSettingTab(app, plugin, {
					settings: options.settings,
					configDir: app.vault.configDir,
					isUnlocked: () => session.isUnlocked,
					updateSettings: options.update,
					describeDecoder: async () => (await chooseDecoder(settings())).description,
					listModels: async () => (await llmClient(app, settings()).listModels()).map((m) => m.name),
					testConnection: async () => (await testConnection(llmClient(app, settings()), settings().llmModel)).line,
					findPrograms: () => findPrograms(settings()),
					signerName: () => settings().signerName,
					setSignerName: (name) => ctx.drafting.setSignerName(name),
					hasKeychain: () => keychain(app) !== null,
					setSessionToken,
				}),
			);
		},
	};
}
