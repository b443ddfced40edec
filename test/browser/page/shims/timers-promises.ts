/** `node:timers/promises` for the browser page: the promise form of the window's setTimeout (the store waits with it for another writer's lock). */
export function setTimeout<T = void>(ms?: number, value?: T): Promise<T> {
	return new Promise((resolve) => window.setTimeout(() => resolve(value as T), ms));
}
