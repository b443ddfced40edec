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
import { EncryptedView, VIEW_TYPE, closeEncryptedViews } from "./obsidian/EncryptedView";
import { NoteDocuments, followRecordFiles } from "./obsidian/record/NoteDocument";
import { IdleLock } from "./obsidian/IdleLock";
import { displayError, Operations } from "./obsidian/notify";
import { RecordSession } from "./obsidian/session";
import { ClinicalVaultSettingTab } from "./obsidian/SettingsTab";
import { StatusBar } from "./obsidian/StatusBar";
import { lockRecord, registerCommands, unlockRecord, type CommandContext } from "./obsidian/commands";
import { PlaintextGuard } from "./obsidian/plaintextGuard";
import { closeClientTextModals, keepTypedText } from "./obsidian/clientTextModals";
import { sweepPrivateDirs } from "./engines/privateTemp";
import { RecordingController } from "./obsidian/RecordingController";
import { applyRetentionOnUnlock, offerUnsavedRecording, pauseOrResumeRecording, saveUnsavedRecording, stopRecording, stopRecordingForLock } from "./obsidian/sessionAudio";
import { TranscriptionRunner, chooseDecoder } from "./obsidian/TranscriptionRunner";
import { DraftRunner } from "./obsidian/DraftRunner";
import { embeddingClient, engineToken, keychain, llmClient, setSessionToken } from "./obsidian/engineToken";
import { ensureTemplatesOnUnlock } from "./obsidian/noteFlows";
import { BRIEF_VIEW_TYPE, BriefView } from "./obsidian/BriefView";
import { closeBriefViews, showReviewsDue } from "./obsidian/careFlows";
import { ModelJob } from "./obsidian/ModelJob";
import { SearchController } from "./obsidian/SearchController";
import { SEARCH_VIEW_TYPE, SearchView } from "./obsidian/SearchView";
import { describeSearchIndex, openSearchHit } from "./obsidian/careFlows";
import { inform } from "./obsidian/notify";
import { ClinicalVaultError, toClinicalError } from "./core/errors";
import { PRIVACY_VIEW_TYPE, PrivacyView } from "./obsidian/PrivacyView";
import { egressLog } from "./core/net/egress";
import { runPrivacyCheck } from "./core/privacy/check";
import { leftoverPrivateDirs } from "./engines/privateTemp";
import { findPrograms } from "./engines/select";
import { testConnection } from "./core/llm/connection";

/** What the plugin depends on that tests replace before onload. */
export interface PluginDeps {
	clock: Clock;
	/** KDF parameters for a new record; the default tunes Argon2id to about 1 s on this machine. */
	kdfForSetup: () => Promise<KdfParams>;
	autosaveMs: number;
	idleCheckMs: number;
	/** Milliseconds between encrypted checkpoints of a recording. */
	checkpointMs: number;
	/** How often the recording and transcription status items redraw their clocks. */
	tickMs: number;
	/** Where engine temp folders go and are swept; undefined = the system's temp folder. */
	tempRoot: string | undefined;
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
		checkpointMs: 120_000,
		tickMs: 1000,
		tempRoot: undefined,
	};
	settings: ClinicalVaultSettings = migrateSettings(null);
	readonly ops = new Operations();
	session: RecordSession | null = null;
	idleLock: IdleLock | null = null;
	private ctx: CommandContext | null = null;

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
		// One in-memory document per open note, shared by every view of it.
		const documents = new NoteDocuments({ session, autosaveMs: () => this.deps.autosaveMs });
		const settings = () => this.settings;
		const recording = new RecordingController(
			{ session, clock: this.deps.clock, checkpointMs: () => this.deps.checkpointMs, win: () => window, onError: displayError },
			this.addStatusBarItem(),
			{
				pauseOrResume: () => this.ops.run(() => pauseOrResumeRecording(ctx)),
				stop: () => this.ops.run(() => stopRecording(ctx)),
				saveUnsaved: () => this.ops.run(() => saveUnsavedRecording(ctx)),
			},
		);
		const transcription = new TranscriptionRunner({ session, clock: this.deps.clock, settings, tempRoot: () => this.deps.tempRoot, token: () => engineToken(this.app, this.settings) }, this.addStatusBarItem());
		const drafting = new DraftRunner(this.app, this.addStatusBarItem());
		const modelJob = new ModelJob(this.addStatusBarItem());
		const search = new SearchController({ settings, embedder: () => embeddingClient(this.app, this.settings), onError: displayError, inform });
		const ctx: CommandContext = {
			app: this.app,
			session,
			documents,
			ops: this.ops,
			audio: { recording, transcription, settings },
			drafting: {
				runner: drafting,
				settings,
				signerName: () => this.settings.signerName,
				setSignerName: async (name) => {
					this.settings.signerName = name.trim().slice(0, 200);
					await this.savePluginData();
				},
			},
			care: { job: modelJob, search },
		};
		this.ctx = ctx;
		this.registerInterval(
			window.setInterval(() => {
				recording.tick();
				transcription.tick();
			}, this.deps.tickMs),
		);

		this.registerView(VIEW_TYPE, (leaf) => new EncryptedView(leaf, { session, ops: this.ops, documents }));
		this.registerExtensions([ENCRYPTED_EXTENSION], VIEW_TYPE);
		followRecordFiles(this, session, documents, (task) => this.ops.run(task));
		this.registerView(BRIEF_VIEW_TYPE, (leaf) => new BriefView(leaf));
		this.registerView(
			PRIVACY_VIEW_TYPE,
			(leaf) =>
				new PrivacyView(leaf, {
					entries: () => egressLog.entries(),
					onEgress: (listener) => egressLog.onChange(listener),
					check: () =>
						runPrivacyCheck({
							record: session.record,
							configDirs: [this.app.vault.configDir],
							retentionHours: this.settings.audioRetentionHours,
							leftoverTempDirs: () => leftoverPrivateDirs(this.deps.tempRoot),
						}),
				}),
		);
		this.registerView(
			SEARCH_VIEW_TYPE,
			(leaf) =>
				new SearchView(leaf, {
					search: (query, options) => search.search(query, options),
					clients: () => session.record.listClients(),
					open: (hit) => {
						this.ops.run(() => openSearchHit(ctx, hit));
					},
					describeIndex: () => describeSearchIndex(search),
					onIndexChange: (listener) => search.onUpdate(listener),
				}),
		);
		registerCommands(this, ctx);
		this.addSettingTab(
			new ClinicalVaultSettingTab(this.app, this, {
				settings: this.settings,
				configDir: this.app.vault.configDir,
				isUnlocked: () => session.isUnlocked,
				updateSettings: (next) => this.updateSettings(next),
				describeDecoder: async () => (await chooseDecoder(this.settings)).description,
				listModels: async () => (await llmClient(this.app, this.settings).listModels()).map((m) => m.name),
				testConnection: async () => (await testConnection(llmClient(this.app, this.settings), this.settings.llmModel)).line,
				findPrograms: () => findPrograms(this.settings),
				signerName: () => this.settings.signerName,
				setSignerName: (name) => ctx.drafting.setSignerName(name),
				hasKeychain: () => keychain(this.app) !== null,
				setSessionToken,
			}),
		);

		const status = new StatusBar(this.addStatusBarItem(), () => this.ops.run(() => (session.isUnlocked ? lockRecord(ctx) : unlockRecord(ctx))));
		const idleLock = new IdleLock({
			clock: this.deps.clock,
			minutes: () => this.settings.autoLockMinutes,
			isUnlocked: () => session.isUnlocked,
			lock: () => session.lock(),
			// A session being recorded or transcribed counts as activity.
			isBusy: () => recording.isActive || transcription.isRunning || drafting.isRunning || modelJob.isRunning,
			checkEveryMs: this.deps.idleCheckMs,
		});
		this.idleLock = idleLock;
		idleLock.register(this, displayError);

		// Before the keys go: a recording is stopped and saved, a transcription stops, editors save.
		this.register(session.beforeLock(() => stopRecordingForLock(ctx)));
		this.register(session.beforeLock(() => transcription.cancelForLock()));
		this.register(session.beforeLock(() => drafting.cancelForLock()));
		this.register(session.beforeLock(() => modelJob.cancelForLock()));
		this.register(session.beforeLock(() => search.beforeLock()));
		this.register(session.beforeLock(() => documents.freezeAndFlush()));
		// What was being typed into a form is kept, encrypted, before the keys go; the forms close after.
		this.register(
			session.beforeLock(async () => {
				const { kept, failed } = await keepTypedText();
				if (kept.length > 0) inform(`What you were typing was kept, encrypted: ${kept.join(", ")}.`);
				for (const error of failed) {
					const why = toClinicalError(error);
					displayError(new ClinicalVaultError("storage", `What you were typing in a form could not be kept before the lock (${why.message}); the form was closed. Copy long text elsewhere in the record before locking.`, { detail: why.detail }));
				}
			}),
		);
		const plaintext = new PlaintextGuard(ctx);
		this.register(
			session.onLockChange((unlocked) => {
				status.render(unlocked);
				if (unlocked) {
					idleLock.touch();
					// Retention is tracked, so a lock that comes meanwhile waits for it.
					this.ops.run(() => session.track(applyRetentionOnUnlock(ctx)));
					this.ops.run(() => offerUnsavedRecording(ctx));
					this.ops.run(() => ensureTemplatesOnUnlock(ctx));
					this.ops.run(() => showReviewsDue(ctx));
					this.ops.run(() => search.start(session.record));
					this.ops.run(() => session.track(plaintext.afterUnlock()));
				} else {
					closeClientTextModals();
					closeEncryptedViews(this.app);
					documents.closeAll();
					closeBriefViews(ctx);
					search.stop();
				}
			}),
		);
		this.registerEvent(this.app.workspace.on("quit", (tasks) => tasks.add(() => session.lock())));
		this.app.workspace.onLayoutReady(() => {
			this.ops.run(() => session.record.sweep());
			// Temporary engine files a crash left behind (ours only, and only when their process is gone).
			this.ops.run(() => sweepPrivateDirs(this.deps.tempRoot));
			// Plaintext created in the clinical folder is encrypted at once (after the first indexing, which also emits "create").
			for (const ref of plaintext.watch()) this.registerEvent(ref);
		});
	}

	override onunload(): void {
		// Obsidian does not wait for onunload: a recording is saved and a transcription stopped,
		// open editors save, then the keys are dropped. (The lock hooks are already unregistered.)
		const session = this.session;
		const ctx = this.ctx;
		if (session) {
			this.ops.run(async () => {
				if (ctx) {
					await stopRecordingForLock(ctx);
					await ctx.audio.transcription.cancelForLock();
					await ctx.drafting.runner.cancelForLock();
					await ctx.care.job.cancelForLock();
					await ctx.care.search.beforeLock();
					await ctx.documents.freezeAndFlush();
				}
				await session.lock();
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
