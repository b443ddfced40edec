/**
 * Plugin onload time: loads the BUILT main.js against the obsidian stub (a real temporary vault,
 * a private happy-dom window) the way Obsidian loads plugins, and times `onload` over several
 * runs, each in a fresh vault. No vitest here: this is bundled into dist/bench.js.
 */
import * as stub from "../test/support/obsidian-stub";
import { MANIFEST, createTestVault, loadPlugin } from "../test/support/obsidian-harness";
import { evaluateWithStub } from "../test/support/obsidian-require";

type PluginClass = new (app: stub.App, manifest: stub.PluginManifest) => stub.Plugin;

function percentile(sorted: number[], p: number): number {
	if (sorted.length === 0) return Number.NaN;
	const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
	return sorted[index] ?? Number.NaN;
}

export async function measurePluginOnload(mainJsPath: string, runs: number): Promise<{ medianMs: number; p95Ms: number; evaluateMs: number }> {
	// Evaluating main.js (what Obsidian does before onload) counts towards start-up too.
	const evaluated = performance.now();
	const exported = evaluateWithStub<{ default?: PluginClass }>(mainJsPath, stub, { window: stub.dom.window, document: stub.dom.document });
	const evaluateMs = performance.now() - evaluated;
	const Plugin = exported.default;
	if (typeof Plugin !== "function") throw new Error(`${mainJsPath} has no default export (the plugin class)`);
	const times: number[] = [];
	for (let i = 0; i < Math.max(1, runs); i++) {
		const vault = await createTestVault("cv-bench-onload-");
		try {
			const plugin = new Plugin(vault.app, MANIFEST);
			const started = performance.now();
			await loadPlugin(plugin);
			times.push(performance.now() - started);
			plugin.unload();
		} finally {
			await vault.cleanup();
		}
	}
	times.sort((a, b) => a - b);
	return { medianMs: percentile(times, 50), p95Ms: percentile(times, 95), evaluateMs };
}
