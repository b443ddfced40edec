/**
 * Clinical Vault: plugin lifecycle only. Loads settings, builds the record session and the plugin
 * context, lists the features (src/obsidian/<feature>/feature.ts), registers them, and runs one
 * lock sequence over them for every lock: the idle lock, the lock command, quitting and unload.
 */
import { Plugin } from "obsidian";
import { systemClock } from "./core/clock";
import { tuneKdf } from "./core/crypto/kdf";
import { migrateSettings, type ClinicalVaultSettings } from "./core/settings";
import { careFeature } from "./obsidian/care/feature";
import type { PluginDeps } from "./obsidian/common/context";
import { lockSequence, type Feature } from "./obsidian/common/feature";
import { displayError, Operations } from "./obsidian/common/notify";
import { documentsFeature } from "./obsidian/documents/feature";
import { notesFeature } from "./obsidian/notes/feature";
import { privacyFeature } from "./obsidian/privacy/feature";
import { AdapterStore } from "./obsidian/record/AdapterStore";
import { recordFeature } from "./obsidian/record/feature";
import type { IdleLock } from "./obsidian/record/IdleLock";
import { RecordSession } from "./obsidian/record/RecordSession";
import { searchFeature } from "./obsidian/search/feature";
import { createContext } from "./obsidian/services";
import { sessionsFeature } from "./obsidian/sessions/feature";
import { settingsFeature } from "./obsidian/settings/feature";

export type { PluginDeps };

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
		checkpointMs: 120_000,
		tickMs: 1000,
		tempRoot: undefined,
	};
	settings: ClinicalVaultSettings = migrateSettings(null);
	readonly ops = new Operations();
	session: RecordSession | null = null;
	idleLock: IdleLock | null = null;
	/** The steps before a lock, feature by feature (common/feature.ts lockSequence). */
	private beforeLock: () => Promise<void> = () => Promise.resolve();
	private features: readonly Feature[] = [];

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
		const ctx = createContext({
			app: this.app,
			plugin: this,
			session,
			ops: this.ops,
			deps: () => this.deps,
			settings: () => this.settings,
			setSignerName: async (name) => {
				this.settings.signerName = name.trim().slice(0, 200);
				await this.savePluginData();
			},
		});

		// In lock order: work stops and is saved first; the record, whose keys go, comes last.
		const record = recordFeature(ctx, { isBusy: () => features.some((feature) => feature.isBusy?.() ?? false) });
		const features: Feature[] = [
			sessionsFeature(ctx),
			notesFeature(ctx),
			careFeature(ctx),
			searchFeature(ctx),
			documentsFeature(ctx),
			privacyFeature(ctx),
			settingsFeature(ctx, { settings: this.settings, update: (next) => this.updateSettings(next) }),
			record,
		];
		for (const feature of features) feature.register(this);
		this.features = features;
		this.idleLock = record.idleLock;

		this.beforeLock = lockSequence(features, displayError);
		this.register(session.beforeLock(this.beforeLock));
		this.register(
			session.onLockChange((unlocked) => {
				for (const feature of features) {
					if (unlocked) feature.afterUnlock?.();
					else feature.afterLock?.();
				}
			}),
		);
		this.app.workspace.onLayoutReady(() => {
			for (const feature of features) feature.onLayoutReady?.(this);
		});
	}

	override onunload(): void {
		// Obsidian does not wait for onunload. The lock listeners are already unregistered, so the
		// same steps as every lock are run here: a recording saved, a transcription stopped, open
		// editors saved, typed text kept; then the keys are dropped, and what showed decrypted text
		// (forms, panes, documents) is closed.
		const session = this.session;
		if (session) {
			const { beforeLock, features } = this;
			this.ops.run(async () => {
				try {
					await beforeLock();
					await session.lock();
				} finally {
					// The keys are dropped even when the lock's last write fails: close what showed them anyway.
					for (const feature of features) feature.afterLock?.();
				}
			});
		}
	}

	private saving: Promise<void> = Promise.resolve();

	private async updateSettings(next: ClinicalVaultSettings): Promise<void> {
		const rootChanged = next.clinicalRoot !== this.settings.clinicalRoot;
		Object.assign(this.settings, next);
		await this.savePluginData();
		if (rootChanged && this.session) {
			await this.session.setRoot(this.settings.clinicalRoot);
			await this.session.record.sweep();
		}
	}

	/**
	 * Saves one after another: two settings changed in quick succession must not have their writes of
	 * data.json land out of order (the older one last). Each save writes the settings as they are
	 * when it starts.
	 */
	private savePluginData(): Promise<void> {
		const save = async () => {
			const data: StoredData = {
				...this.settings,
				failedUnlocks: (this.session?.failedAttempts ?? []).map((date) => date.toISOString()),
			};
			await this.saveData(data);
		};
		const next = this.saving.then(save, save);
		this.saving = next.catch(() => undefined);
		return next;
	}
}
