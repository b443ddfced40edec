/**
 * Runs the plugin's views in real headless Chromium, driven from Vitest (Node) with playwright-core.
 *
 * 1. esbuild bundles test/browser/page/entry.ts (an IIFE for the browser) with the plugin from
 *    source; the bundle is kept in node_modules/.cache and rebuilt when one of its inputs changed.
 *    `obsidian` is the same stub the Node tests use (test/support/obsidian-stub.ts), so the page
 *    exercises the plugin exactly as they do, on Chromium's DOM. Node's built-ins are replaced by
 *    the shims in page/shims/: fs and fs/promises (an in-memory disk with Node's semantics and an
 *    inotify-like fs.watch), path (POSIX), os, timers, buffer, and `Buffer`/`process` as injected
 *    globals (Electron gives plugins both); every other built-in (http, dns, child_process, ...)
 *    imports fine and throws when used (the page runs no engines); happy-dom is a shim that refuses
 *    to be used (obsidian-dom.ts takes the real window and document when they exist).
 * 2. A node:http server on 127.0.0.1 (ephemeral port) serves the page, the bundle, an Obsidian-like
 *    stylesheet (page/obsidian.css) and the plugin's styles.css.
 * 3. Chromium (Debian's, or CHROMIUM_PATH) starts headless with a fresh profile (a new temporary
 *    user data dir, removed on close) while the page is bundled. Every request or WebSocket to
 *    another origin is blocked and recorded in `blockedRequests` (the product promises nothing
 *    rendered reaches out), and host names do not resolve inside Chromium at all
 *    (--host-resolver-rules), as a second wall. Page errors, console errors and crashes are
 *    recorded in `problems`; `check()` throws on them and on the stub's background view errors
 *    (useBrowserPage runs it after every test).
 */
import { existsSync } from "node:fs";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import * as http from "node:http";
import { builtinModules, createRequire } from "node:module";
import { tmpdir } from "node:os";
import type { AddressInfo } from "node:net";
import * as nodePath from "node:path";
import { build, version, type Plugin as EsbuildPlugin } from "esbuild";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll } from "vitest";
import type { PageApi } from "./page/api";

const ROOT = nodePath.resolve(__dirname, "../..");
const PAGE = nodePath.join(ROOT, "test/browser/page");
const SHIMS = nodePath.join(PAGE, "shims");
export const SCREENSHOTS = nodePath.join(ROOT, "test-artifacts/screenshots");

const CHROMIUM_ARGS = [
	"--no-sandbox",
	"--disable-gpu",
	"--disable-quic",
	"--no-first-run",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
	// Nothing resolves: a request that got past the route below could still not leave the machine.
	"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
];

/** Modules replaced by a file: the stub for `obsidian`, shims for the Node built-ins the page needs. */
const REPLACED: Record<string, string> = {
	obsidian: nodePath.join(ROOT, "test/support/obsidian-stub.ts"),
	"happy-dom": nodePath.join(SHIMS, "happy-dom.ts"),
	...Object.fromEntries(
		Object.entries({
			fs: "fs.ts",
			"fs/promises": "fs-promises.ts",
			path: "path.ts",
			"path/posix": "path.ts",
			os: "os.ts",
			timers: "timers.ts",
			"timers/promises": "timers-promises.ts",
			buffer: "buffer.ts",
		}).flatMap(([name, file]) => [
			[name, nodePath.join(SHIMS, file)],
			[`node:${name}`, nodePath.join(SHIMS, file)],
		]),
	),
};

const BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const SPECIAL = new RegExp(`^(${[...Object.keys(REPLACED), ...BUILTINS, "electron"].map(escapeRegExp).join("|")})$`);

/**
 * A stand-in for a built-in the page lacks, with the real module's export names (so any named
 * import of it bundles), each one throwing when used. String export names ("delete") are ES2022.
 */
function unavailableSource(name: string): string {
	let names: string[] = [];
	try {
		names = Object.keys(createRequire(__filename)(name) as object).filter((n) => n !== "default");
	} catch {
		// Not a Node module (electron): a default export only.
	}
	return [
		`import { unavailableModule } from "./unavailable.ts";`,
		`const m = unavailableModule(${JSON.stringify(name)});`,
		"export default m;",
		...names.map((n, i) => `const e${i} = m[${JSON.stringify(n)}];\nexport { e${i} as ${JSON.stringify(n)} };`),
	].join("\n");
}

const pagePlugin: EsbuildPlugin = {
	name: "clinical-vault-browser-page",
	setup(b) {
		b.onResolve({ filter: SPECIAL }, (args) => {
			const file = REPLACED[args.path];
			if (file) return { path: file };
			return { path: args.path, namespace: "unavailable" };
		});
		b.onLoad({ filter: /.*/, namespace: "unavailable" }, (args) => ({ contents: unavailableSource(args.path), resolveDir: SHIMS, loader: "js" }));
	},
};

/** Where the last bundle is kept, with the inputs it was built from (a rebuild only when one changed). */
const CACHE = nodePath.join(ROOT, "node_modules/.cache/clinical-vault-browser-page");

interface CacheIndex {
	key: string;
	/** Every input file of the bundle: path (relative to the repository), mtime, size. */
	inputs: [string, number, number][];
}

/** What else decides the bundle: the esbuild version and this file (its options and shim table). */
async function cacheKey(): Promise<string> {
	return createHash("sha256")
		.update(version)
		.update(await readFile(__filename))
		.digest("hex");
}

async function cachedBundle(key: string): Promise<string | null> {
	try {
		const index = JSON.parse(await readFile(nodePath.join(CACHE, "page.json"), "utf8")) as CacheIndex;
		if (index.key !== key) return null;
		const current = await Promise.all(
			index.inputs.map(async ([path, mtime, size]) => {
				const now = await stat(nodePath.join(ROOT, path));
				return now.mtimeMs === mtime && now.size === size;
			}),
		);
		return current.every(Boolean) ? await readFile(nodePath.join(CACHE, "page.js"), "utf8") : null;
	} catch {
		return null;
	}
}

async function writeAtomically(path: string, text: string): Promise<void> {
	const temp = `${path}.${process.pid}.tmp`;
	await writeFile(temp, text);
	await rename(temp, path);
}

/**
 * The page bundle (JavaScript text), rebuilt only when an input changed. Warnings fail the build:
 * a shim missing a call the stub or the plugin makes shows here.
 */
export async function bundlePage(): Promise<string> {
	const key = await cacheKey();
	const cached = await cachedBundle(key);
	if (cached !== null) return cached;
	const started = Date.now();
	const result = await build({
		entryPoints: [nodePath.join(PAGE, "entry.ts")],
		bundle: true,
		format: "iife",
		platform: "browser",
		target: "es2022",
		write: false,
		outfile: "page.js",
		inject: [nodePath.join(SHIMS, "globals.ts")],
		plugins: [pagePlugin],
		logLevel: "silent",
		legalComments: "none",
		absWorkingDir: ROOT,
		metafile: true,
	});
	if (result.warnings.length > 0) {
		throw new Error(
			`The browser page bundle has warnings:\n${result.warnings.map((w) => `${w.location ? `${w.location.file}:${w.location.line}: ` : ""}${w.text}`).join("\n")}`,
		);
	}
	const out = result.outputFiles[0];
	if (!out) throw new Error("esbuild wrote no page bundle");
	// Files only (the stand-ins for unavailable built-ins live in their own namespace).
	const files = Object.keys(result.metafile.inputs).filter((path) => !/^[a-z-]+:/.test(path));
	const inputs = await Promise.all(
		files.map(async (path): Promise<[string, number, number]> => {
			const s = await stat(nodePath.join(ROOT, path));
			return [path, s.mtimeMs, s.size];
		}),
	);
	// A file edited while esbuild read it may be in the bundle in its old form: no cache then.
	if (inputs.some(([, mtime]) => mtime >= started - 1000)) return out.text;
	await mkdir(CACHE, { recursive: true });
	await writeAtomically(nodePath.join(CACHE, "page.js"), out.text);
	await writeAtomically(nodePath.join(CACHE, "page.json"), JSON.stringify({ key, inputs } satisfies CacheIndex));
	return out.text;
}

const HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Clinical Vault (browser tests)</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/obsidian.css">
<link rel="stylesheet" href="/styles.css">
</head>
<body class="theme-light">
<script src="/page.js"></script>
</body>
</html>
`;

interface Served {
	type: string;
	body: string;
}

async function serve(files: Map<string, Served>): Promise<{ origin: string; close(): Promise<void> }> {
	const server = http.createServer((req, res) => {
		const file = files.get(new URL(req.url ?? "/", "http://127.0.0.1").pathname);
		if (!file) {
			res.writeHead(404).end();
			return;
		}
		res.writeHead(200, { "content-type": `${file.type}; charset=utf-8`, "cache-control": "no-store" }).end(file.body);
	});
	await new Promise<void>((resolve, reject) => {
		server.once("error", reject);
		server.listen(0, "127.0.0.1", resolve);
	});
	const { port } = server.address() as AddressInfo;
	return {
		origin: `http://127.0.0.1:${port}`,
		close: () => new Promise<void>((resolve) => server.close(() => resolve())),
	};
}

/** Debian's chromium, or CHROMIUM_PATH; a clear failure (not a skip) when there is none. */
export function chromiumPath(): string {
	const path = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
	if (!existsSync(path)) {
		throw new Error(
			`The browser tests need Chromium and found none at ${path}. Install Debian's chromium (sudo apt-get install chromium; .ci/run does it) or set CHROMIUM_PATH to a Chromium binary.`,
		);
	}
	return path;
}

type Callable = { [K in keyof PageApi]: PageApi[K] extends (...args: infer A) => infer R ? (...args: A) => R : never };

export interface BrowserPage {
	/** The browser's one context (fresh profile); context.newPage() gives another window on the same origin. */
	context: BrowserContext;
	page: Page;
	/** The harness's own origin ("http://127.0.0.1:PORT"); nothing else is reachable. */
	origin: string;
	/** Every request or WebSocket the page tried to open to another origin (all blocked). */
	blockedRequests: string[];
	/** Page errors, console errors and crashes; check() throws when there are any. */
	problems: string[];
	/** Every console message the page printed ("type: text"; Chromium's verbose DOM advice left out); the plugin prints nothing. */
	consoleMessages: string[];
	/** How long the set-up took (ms): the bundle and Chromium's launch run at the same time, then the page loads. */
	timings: { bundle: number; launch: number; page: number };
	/** Calls window.cv[name](...args) in the page and returns its (serialisable) result. */
	call<K extends keyof PageApi>(name: K, ...args: Parameters<Callable[K]>): Promise<Awaited<ReturnType<Callable[K]>>>;
	/** A fresh page: an empty in-memory disk and a new Obsidian (call("start") again). */
	reload(): Promise<void>;
	/** A PNG of the viewport in test-artifacts/screenshots/<name>.png; returns its path. */
	screenshot(name: string): Promise<string>;
	/** Throws on page errors, console errors, crashes or the stub's background view errors. */
	check(): Promise<void>;
	close(): Promise<void>;
}

export async function startBrowserPage(): Promise<BrowserPage> {
	const executablePath = chromiumPath();
	const t0 = performance.now();
	// Chromium starts (with its first, blank page) while the page is bundled: each takes a second or more.
	const profile = await mkdtemp(nodePath.join(tmpdir(), "cv-chromium-"));
	const launching = chromium
		.launchPersistentContext(profile, {
			executablePath,
			headless: true,
			args: CHROMIUM_ARGS,
			viewport: { width: 1000, height: 700 },
			deviceScaleFactor: 1,
			locale: "en-US",
			timezoneId: "UTC",
			serviceWorkers: "block",
		})
		.then(
			(context) => ({ context, launched: performance.now() }),
			(error: unknown) => {
				throw new Error(`Chromium (${executablePath}) did not start: ${(error as Error).message}`);
			},
		);
	launching.catch(() => undefined); // handled below; not an unhandled rejection meanwhile
	const removeProfile = () => rm(profile, { recursive: true, force: true });
	let bundle: string, obsidianCss: string, styles: string;
	try {
		[bundle, obsidianCss, styles] = await Promise.all([
			bundlePage(),
			readFile(nodePath.join(PAGE, "obsidian.css"), "utf8"),
			readFile(nodePath.join(ROOT, "styles.css"), "utf8"),
		]);
	} catch (error) {
		await launching.then(
			({ context }) => context.close(),
			() => undefined,
		);
		await removeProfile();
		throw error;
	}
	const t1 = performance.now();
	const files = new Map<string, Served>([
		["/", { type: "text/html", body: HTML }],
		["/page.js", { type: "text/javascript", body: bundle }],
		["/obsidian.css", { type: "text/css", body: obsidianCss }],
		["/styles.css", { type: "text/css", body: styles }],
	]);
	const server = await serve(files);
	let context: BrowserContext;
	let launched: number;
	try {
		({ context, launched } = await launching);
	} catch (error) {
		await server.close();
		await removeProfile();
		throw error;
	}
	const t2 = Math.max(t1, launched);
	const blockedRequests: string[] = [];
	const problems: string[] = [];
	const consoleMessages: string[] = [];
	await context.route("**/*", async (route) => {
		const url = route.request().url();
		if (new URL(url).origin === server.origin) return route.continue();
		blockedRequests.push(url);
		return route.abort("blockedbyclient");
	});
	await context.routeWebSocket(/.*/, async (ws) => {
		blockedRequests.push(ws.url());
		await ws.close();
	});
	const page = context.pages()[0] ?? (await context.newPage());
	page.on("pageerror", (error) => problems.push(`page error: ${error.stack ?? error.message}`));
	page.on("console", (message) => {
		// "verbose" is Chromium's own advice about the DOM (e.g. a password field outside a form), not the page's output.
		if ((message.type() as string) === "verbose") return;
		consoleMessages.push(`${message.type()}: ${message.text()}`);
		if (message.type() === "error") problems.push(`console error: ${message.text()}`);
	});
	page.on("crash", () => problems.push("the page crashed"));
	const load = async () => {
		await page.goto(`${server.origin}/`, { waitUntil: "load" });
		await page.waitForFunction(() => typeof window.cv === "object");
	};
	await load();
	const t3 = performance.now();

	const harness: BrowserPage = {
		context,
		page,
		origin: server.origin,
		blockedRequests,
		problems,
		consoleMessages,
		timings: { bundle: Math.round(t1 - t0), launch: Math.round(launched - t0), page: Math.round(t3 - t2) },
		call: (name, ...args) =>
			page.evaluate(([n, a]) => (window.cv as unknown as Record<string, (...x: unknown[]) => unknown>)[n]?.(...a), [name, args] as [
				string,
				unknown[],
			]) as never,
		reload: load,
		async screenshot(name) {
			await mkdir(SCREENSHOTS, { recursive: true });
			const path = nodePath.join(SCREENSHOTS, `${name}.png`);
			await page.screenshot({ path, animations: "disabled", caret: "hide" });
			return path;
		},
		async check() {
			const background = page.isClosed()
				? []
				: await page.evaluate(() => (typeof window.cv === "object" && window.cv.isStarted() ? window.cv.backgroundErrors() : []));
			const all = [...problems.splice(0), ...background.map((e) => `background view error: ${e}`)];
			if (all.length > 0) throw new Error(`The browser page reported problems:\n${all.join("\n")}`);
		},
		async close() {
			await context.close().catch(() => undefined);
			await server.close();
			await removeProfile();
		},
	};
	return harness;
}

/**
 * One browser page for a test file: started in beforeAll (with a generous timeout; it takes a few
 * seconds), checked after every test (page errors, console errors, background view errors fail the
 * test), closed in afterAll. Returns a getter for the page.
 */
export function useBrowserPage(): () => BrowserPage {
	let harness: BrowserPage | null = null;
	beforeAll(async () => {
		harness = await startBrowserPage();
	}, 120_000);
	afterEach(async () => {
		await harness?.check();
	});
	afterAll(async () => {
		await harness?.close();
	});
	return () => {
		if (!harness) throw new Error("the browser page did not start (see the beforeAll error)");
		return harness;
	};
}
