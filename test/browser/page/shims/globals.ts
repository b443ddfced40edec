/**
 * Globals Obsidian's desktop app (Electron with Node integration) gives a plugin and the page does
 * not have: `Buffer` and `process`. The harness injects this file with esbuild's `inject`, so a
 * free `Buffer` or `process` anywhere in the bundle refers to these exports; nothing is put on
 * `window`. `process` carries only what the stub and the plugin read: the platform (Linux, as in
 * CI), an empty environment, a pid and uid, and a `kill(pid, 0)` that says no such process (the
 * page runs no child processes, so a crashed engine's temp folder owner is always gone).
 */
export { Buffer } from "./buffer";

function noSuchProcess(): never {
	throw Object.assign(new Error("kill ESRCH"), { code: "ESRCH" });
}

export const process = {
	platform: "linux" as const,
	env: {} as Record<string, string | undefined>,
	pid: 4242,
	versions: {} as Record<string, string>,
	cwd: (): string => "/",
	getuid: (): number => 1000,
	kill: (pid: number, signal?: number | string): true => {
		void pid;
		void signal;
		return noSuchProcess();
	},
	nextTick: (callback: (...args: unknown[]) => void, ...args: unknown[]): void => {
		queueMicrotask(() => callback(...args));
	},
};
