/**
 * Locks the record after N idle minutes. Activity is a key press, mouse button, wheel or touch in
 * any Obsidian window, or busy work such as a recording in progress; a periodic check compares the
 * clock with the last activity. Time comes from an injectable Clock so tests can move it.
 */
import type { Plugin } from "obsidian";
import type { Clock } from "../../core/clock";

export interface IdleLockOptions {
	clock: Clock;
	/** Idle minutes before locking; 0 disables idle locking. */
	minutes: () => number;
	isUnlocked: () => boolean;
	lock: () => Promise<void>;
	/**
	 * Work that counts as activity while it runs (a session being recorded: the clinician does not
	 * touch the computer for fifty minutes). Idle time restarts when it ends.
	 */
	isBusy?: () => boolean;
	/** How often the check runs, in ms. */
	checkEveryMs: number;
}

const ACTIVITY_EVENTS = ["keydown", "mousedown", "wheel", "touchstart"] as const;

export class IdleLock {
	private lastActivity: number;
	private checking = false;

	constructor(private readonly options: IdleLockOptions) {
		this.lastActivity = options.clock.now().getTime();
	}

	/** Records activity now. */
	touch(): void {
		this.lastActivity = this.options.clock.now().getTime();
	}

	get idleMs(): number {
		return this.options.clock.now().getTime() - this.lastActivity;
	}

	/** Locks when unlocked and idle for at least the configured minutes. Returns true if it locked. */
	async check(): Promise<boolean> {
		const minutes = this.options.minutes();
		if (this.checking || minutes <= 0 || !this.options.isUnlocked()) return false;
		if (this.options.isBusy?.()) {
			this.touch();
			return false;
		}
		if (this.idleMs < minutes * 60_000) return false;
		this.checking = true;
		try {
			await this.options.lock();
			return true;
		} finally {
			this.checking = false;
		}
	}

	/** Listens for activity in `doc` for as long as `plugin` is loaded. */
	watch(plugin: Plugin, doc: Document): void {
		for (const type of ACTIVITY_EVENTS) plugin.registerDomEvent(doc, type, () => this.touch(), { passive: true, capture: true });
	}

	/** Starts the periodic check and activity listening (main window and popouts). */
	register(plugin: Plugin, onError: (error: unknown) => void): void {
		// The main window, popout windows already open (restored with the workspace before the
		// plugin loaded), and every popout opened later.
		const docs = new Set<Document>([document]);
		plugin.app.workspace.iterateAllLeaves((leaf) => {
			docs.add(leaf.view.containerEl.ownerDocument);
		});
		for (const doc of docs) this.watch(plugin, doc);
		plugin.registerEvent(plugin.app.workspace.on("window-open", (win) => this.watch(plugin, win.doc)));
		plugin.registerInterval(window.setInterval(() => void this.check().catch(onError), this.options.checkEveryMs));
	}
}
