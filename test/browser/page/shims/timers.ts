/**
 * `node:timers` for the browser page: the window's timers. Node returns Timeout objects (with
 * unref()); Obsidian's renderer code that imports node:timers gets those, the page gets numbers,
 * which is all the plugin relies on (it only passes them back to clearTimeout).
 */
export function setTimeout(callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]): number {
	return window.setTimeout(callback, ms, ...args);
}

export function clearTimeout(id: number | undefined): void {
	window.clearTimeout(id);
}

export function setInterval(callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]): number {
	return window.setInterval(callback, ms, ...args);
}

export function clearInterval(id: number | undefined): void {
	window.clearInterval(id);
}
