/**
 * Loading the BUILT plugin bundle (main.js, CommonJS with `require("obsidian")` left external)
 * against the obsidian stub, the two ways it can be done outside Obsidian:
 *  - requireWithStub: Node's own require, with "obsidian" resolved to a synthetic module id whose
 *    require.cache entry is the stub (tests, where vitest provides DOM globals);
 *  - evaluateWithStub: the way Obsidian itself loads plugins, evaluating the bundle as a function
 *    that receives its own require (mapping "obsidian" to the stub) and the browser globals window
 *    and document (the benchmark, which has no global DOM).
 */
import { readFileSync } from "node:fs";
import Module, { createRequire } from "node:module";
import * as nodePath from "node:path";
import * as vm from "node:vm";

type ResolveFilename = (request: string, ...rest: unknown[]) => string;

/** The module id the stub is registered under; it does not exist on disk. */
export const STUB_MODULE_ID = nodePath.join(nodePath.resolve("node_modules"), "obsidian", "__clinical_vault_stub__.js");

export function requireWithStub<T>(path: string, stub: object): T {
	const full = nodePath.resolve(path);
	const loader = Module as unknown as { _resolveFilename: ResolveFilename };
	const original = loader._resolveFilename;
	const local = createRequire(full);
	const stubModule = new Module(STUB_MODULE_ID);
	stubModule.exports = stub;
	stubModule.loaded = true;
	stubModule.filename = STUB_MODULE_ID;
	local.cache[STUB_MODULE_ID] = stubModule;
	loader._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]): string {
		if (request === "obsidian") return STUB_MODULE_ID;
		return original.call(this, request, ...rest);
	};
	try {
		Reflect.deleteProperty(local.cache, full);
		return local(full) as T;
	} finally {
		loader._resolveFilename = original;
	}
}

export function evaluateWithStub<T>(path: string, stub: object, globals: { window: Window; document: Document }): T {
	const full = nodePath.resolve(path);
	const nodeRequire = createRequire(full);
	const pluginRequire = (id: string): unknown => (id === "obsidian" ? stub : nodeRequire(id));
	const run = vm.compileFunction(readFileSync(full, "utf8"), ["exports", "require", "module", "__filename", "__dirname", "window", "document"], {
		filename: full,
	}) as (...args: unknown[]) => void;
	const module = { exports: {} as unknown };
	run(module.exports, pluginRequire, module, full, nodePath.dirname(full), globals.window, globals.document);
	return module.exports as T;
}
