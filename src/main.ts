/**
 * Clinical Vault: plugin lifecycle only. Loads settings, builds the adapter store and the record
 * session, and wires the encrypted view, commands, settings tab, status bar and locking.
 */
import { Plugin } from "obsidian";
import { systemClock, type Clock } from "./core/clock";
import { tuneKdf, type KdfParams } from "./core/crypto/kdf";
import { ENCRYPTED_EXTENSION } from "./core/record/layout";
import { migrateSettings, type ClinicalVaultSettings } from "./core/settings";
import { AdapterStore } from "./obsidian/AdapterStore";
import { EncryptedView, VIEW_TYPE, closeEncryptedViews, flushEncryptedViews } from "./obsidian/EncryptedView";
import { IdleLock } from "./obsidian/IdleLock";
import { displayError, Operations } from "./obsidian/notify";
import { RecordSession } from "./obsidian/session";
import { ClinicalVaultSettingTab } from "./obsidian/SettingsTab";
import { StatusBar } from "./obsidian/StatusBar";
import { lockRecord, registerCommands, unlockRecord, type CommandContext } from "./obsidian/commands";

/** What the plugin depends on that tests replace before onload. */
export interface PluginDeps {
	clock: Clock;
	/** KDF parameters for a new record; the default tunes Argon2id to about 1 s on this machine. */
	kdfForSetup: () => Promise<KdfParams>;
	autosaveMs: number;
	idleCheckMs: number;
}

interface StoredData extends ClinicalVaultSettings {
	/** Failed unlock attempts not yet written to the audit log (ISO timestamps only). */
	failedUnlocks: string[];
}

function parseAttempts(raw: unknown): Date[] {
	const list = (raw as { failedUnlocks?: unknown } | null)?.failedUnlocks;
	if (!Array.isArray(list)) return [];
	return list
		.filter((value): value is string => typeof value === "string")
		.map((value) => new Date(value))
		.filter((date) => !Number.isNaN(date.getTime()));
}

export default class ClinicalVaultPlugin extends Plugin {
	deps: PluginDeps = {
		clock: systemClock,
		kdfForSetup: () => tuneKdf(1000),
		autosaveMs: 2000,
		idleCheckMs: 30_000,
	};
	settings: ClinicalVaultSettings = migrateSettings(null);
	readonly ops = new Operations();
	session: RecordSession | null = null;
	idleLock: IdleLock | null = null;

	override async onload(): Promise<void> {
		const raw: unknown = await this.loadData();
		this.settings = migrateSettings(raw);
		const session = new RecordSession({
			app: this.app,
			store: new AdapterStore(this.app.vault.adapter),
			clock: this.deps.clock,
			root: this.settings.clinicalRoot,
			kdfForSetup: () => this.deps.kdfForSetup(),
			failedAttempts: parseAttempts(raw),
			saveFailedAttempts: () => this.savePluginData(),
		});
		this.session = session;
		const ctx: CommandContext = { app: this.app, session, ops: this.ops };

		this.registerView(VIEW_TYPE, (leaf) => new EncryptedView(leaf, { session, ops: this.ops, autosaveMs: () => this.deps.autosaveMs }));
		this.registerExtensions([ENCRYPTED_EXTENSION], VIEW_TYPE);
		registerCommands(this, ctx);
		this.addSettingTab(
			new ClinicalVaultSettingTab(this.app, this, {
				settings: this.settings,
				configDir: this.app.vault.configDir,
				isUnlocked: () => session.isUnlocked,
				updateSettings: (next) => this.updateSettings(next),
			}),
		);

		const status = new StatusBar(this.addStatusBarItem(), () => this.ops.run(() => (session.isUnlocked ? lockRecord(ctx) : unlockRecord(ctx))));
		const idleLock = new IdleLock({
			clock: this.deps.clock,
			minutes: () => this.settings.autoLockMinutes,
			isUnlocked: () => session.isUnlocked,
			lock: () => session.lock(),
			checkEveryMs: this.deps.idleCheckMs,
		});
		this.idleLock = idleLock;
		idleLock.register(this, displayError);

		this.register(session.beforeLock(() => flushEncryptedViews(this.app)));
		this.register(
			session.onLockChange((unlocked) => {
				status.render(unlocked);
				if (unlocked) idleLock.touch();
				else closeEncryptedViews(this.app);
			}),
		);
		this.registerEvent(this.app.workspace.on("quit", (tasks) => tasks.add(() => session.lock())));
		this.app.workspace.onLayoutReady(() => this.ops.run(() => session.record.sweep()));
	}

	override onunload(): void {
		// Obsidian does not wait for onunload: open editors save, then the keys are dropped.
		const session = this.session;
		if (session) {
			this.ops.run(async () => {
				await flushEncryptedViews(this.app);
				await session.lock();
			});
		}
	}

	private async updateSettings(next: ClinicalVaultSettings): Promise<void> {
		const rootChanged = next.clinicalRoot !== this.settings.clinicalRoot;
		Object.assign(this.settings, next);
		await this.savePluginData();
		if (rootChanged && this.session) {
			await this.session.setRoot(this.settings.clinicalRoot);
			await this.session.record.sweep();
		}
	}

	private async savePluginData(): Promise<void> {
		const data: StoredData = { ...this.settings, failedUnlocks: (this.session?.failedAttempts ?? []).map((date) => date.toISOString()) };
		await this.saveData(data);
	}
}
