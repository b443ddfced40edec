/**
 * A feature of the plugin (record, sessions, notes, care, search, documents, privacy, settings):
 * one small object that registers its commands and views, and says what it does around a lock.
 * main.ts lists the features and runs one lock sequence over them (lockSequence below), so the
 * steps before a lock are written once, for the idle lock, the lock command, quitting and unload.
 */
import type { Plugin } from "obsidian";
import type { CommandContext } from "./context";

export interface Feature {
	/** For messages and tests: "record", "sessions", … */
	readonly name: string;
	/** Commands, views, status bar items and events; called once, from onload. */
	register(plugin: Plugin): void;
	/** Before the keys go: stop work and save what is open. Run in the order the features are listed. */
	beforeLock?(): Promise<void>;
	/** Once the record is unlocked: start background work (through ctx.ops, never awaited here). */
	afterUnlock?(): void;
	/** Once the record is locked: close what showed decrypted content. */
	afterLock?(): void;
	/** Once Obsidian's layout is ready (the vault is indexed). */
	onLayoutReady?(plugin: Plugin): void;
	/** Work under way that counts as activity for the idle lock (a recording, a model job). */
	isBusy?(): boolean;
}

/**
 * The steps before a lock, feature by feature in the listed order. A step reports its own failures
 * (a note that cannot be saved says so); one that throws anyway is shown through `onError` and the
 * sequence goes on, so a failed flush never keeps a recording from being saved, nor the lock from
 * dropping the keys.
 */
export function lockSequence(features: readonly Feature[], onError: (error: unknown) => void): () => Promise<void> {
	return async () => {
		for (const feature of features) {
			if (!feature.beforeLock) continue;
			try {
				await feature.beforeLock();
			} catch (error) {
				onError(error);
			}
		}
	};
}

/** Command callbacks that run a flow through the operations funnel (every failure reaches displayError). */
export function commandRunners(ctx: CommandContext) {
	const run = (flow: (ctx: CommandContext) => Promise<void>) => () => ctx.ops.run(() => flow(ctx));
	/** A command offered only while `available()` holds (Obsidian hides it otherwise). */
	const when = (available: () => boolean, flow: (ctx: CommandContext) => Promise<void>) => (checking: boolean) => {
		if (!available()) return false;
		if (!checking) ctx.ops.run(() => flow(ctx));
		return true;
	};
	return { run, when };
}
