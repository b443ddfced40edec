/**
 * The record feature: set up, unlock and lock, clients, the encrypted view of record files (one
 * in-memory document per open note), encrypting vault files in, verify, sync conflicts, import, the
 * lock item in the status bar, the idle lock and the plaintext guard. It runs last in the lock
 * sequence: open notes save, and what was being typed into a form is kept, while the keys are there.
 */
import { VIEW_TYPE } from "../common/viewTypes";
import type { Plugin } from "obsidian";
import { ClinicalVaultError, toClinicalError } from "../../core/errors";
import { ENCRYPTED_EXTENSION } from "../../core/record/layout";
import { closeClientTextModals, keepTypedText } from "../common/clientTextModals";
import type { CommandContext } from "../common/context";
import { commandRunners, type Feature } from "../common/feature";
import { displayError, inform } from "../common/notify";
import { EncryptedView, activeEncryptedView, closeEncryptedViews } from "./EncryptedView";
import { IdleLock } from "./IdleLock";
import { importIntoRecord } from "./importFlow";
import { LockStatusBar } from "./LockStatusBar";
import { followRecordFiles } from "./NoteDocument";
import { PlaintextGuard } from "./plaintextGuard";
import {
	changePassphrase,
	encryptIntoRecord,
	lockRecord,
	newClient,
	openClient,
	resolveSyncConflicts,
	rotateVaultKey,
	setUpRecord,
	unlockRecord,
	verifyRecord,
} from "./recordFlows";

export function recordFeature(ctx: CommandContext, options: { isBusy: () => boolean }): Feature & { readonly idleLock: IdleLock } {
	const { app, session, documents, ops } = ctx;
	const plaintext = new PlaintextGuard(ctx);
	const idleLock = new IdleLock({
		clock: ctx.deps().clock,
		minutes: () => ctx.settings().autoLockMinutes,
		isUnlocked: () => session.isUnlocked,
		lock: () => session.lock(),
		// A session being recorded or transcribed, or a model job, counts as activity.
		isBusy: options.isBusy,
		checkEveryMs: ctx.deps().idleCheckMs,
	});
	/** What was being typed into a form is kept, encrypted, before the keys go; the forms close after. */
	async function keepTyped(): Promise<void> {
		const { kept, failed } = await keepTypedText();
		if (kept.length > 0) inform(`What you were typing was kept, encrypted: ${kept.join(", ")}.`);
		for (const error of failed) {
			const why = toClinicalError(error);
			displayError(
				new ClinicalVaultError(
					"storage",
					`What you were typing in a form could not be kept before the lock (${why.message}); the form was closed. Copy long text elsewhere in the record before locking.`,
					{ detail: why.detail },
				),
			);
		}
	}

	let status: LockStatusBar | null = null;
	return {
		name: "record",
		idleLock,
		register(plugin: Plugin) {
			const { run } = commandRunners(ctx);
			plugin.addCommand({ id: "set-up-record", name: "Set up encrypted record", callback: run(setUpRecord) });
			plugin.addCommand({ id: "unlock", name: "Unlock clinical record", callback: run(unlockRecord) });
			plugin.addCommand({ id: "lock", name: "Lock clinical record", callback: run(lockRecord) });
			plugin.addCommand({ id: "new-client", name: "New client", callback: run(newClient) });
			plugin.addCommand({ id: "open-client", name: "Open client", callback: run(openClient) });
			plugin.addCommand({ id: "change-passphrase", name: "Change passphrase", callback: run(changePassphrase) });
			plugin.addCommand({ id: "rotate-vault-key", name: "Rotate vault key", callback: run(rotateVaultKey) });
			plugin.addCommand({ id: "encrypt-into-record", name: "Encrypt a note or attachment into the record", callback: run(encryptIntoRecord) });
			plugin.addCommand({ id: "verify-record", name: "Verify record", callback: run(verifyRecord) });
			plugin.addCommand({ id: "resolve-sync-conflicts", name: "Resolve sync conflicts", callback: run(resolveSyncConflicts) });
			plugin.addCommand({ id: "import-into-record", name: "Import notes and transcripts into the record", callback: run(importIntoRecord) });
			plugin.addCommand({
				id: "save-encrypted-note",
				name: "Save encrypted note",
				checkCallback: (checking) => {
					const view = activeEncryptedView(app);
					if (!view?.isMarkdown) return false;
					if (!checking) ops.run(() => view.save(true));
					return true;
				},
			});
			plugin.addCommand({
				id: "toggle-encrypted-note-editing",
				name: "Toggle editing of encrypted note",
				checkCallback: (checking) => {
					const view = activeEncryptedView(app);
					if (!view?.isMarkdown) return false;
					if (!checking) ops.run(() => view.setMode(view.currentMode === "edit" ? "read" : "edit"));
					return true;
				},
			});
			plugin.registerView(VIEW_TYPE, (leaf) => new EncryptedView(leaf, { session, ops, documents }));
			plugin.registerExtensions([ENCRYPTED_EXTENSION], VIEW_TYPE);
			followRecordFiles(plugin, session, documents, (task) => ops.run(task));
			status = new LockStatusBar(plugin.addStatusBarItem(), () => ops.run(() => (session.isUnlocked ? lockRecord(ctx) : unlockRecord(ctx))));
			idleLock.register(plugin, displayError);
			plugin.registerEvent(app.workspace.on("quit", (tasks) => tasks.add(() => session.lock())));
		},
		async beforeLock() {
			// A failed flush must not keep what was typed into a form from being kept.
			try {
				await documents.freezeAndFlush();
			} finally {
				await keepTyped();
			}
		},
		afterUnlock() {
			status?.render(true);
			idleLock.touch();
			ops.run(() => session.track(plaintext.afterUnlock()));
		},
		afterLock() {
			status?.render(false);
			closeClientTextModals();
			closeEncryptedViews(app);
			documents.closeAll();
		},
		onLayoutReady(plugin: Plugin) {
			ops.run(() => session.record.sweep());
			// Plaintext created in the clinical folder is encrypted at once (after the first indexing, which also emits "create").
			for (const ref of plaintext.watch()) plugin.registerEvent(ref);
		},
	};
}
