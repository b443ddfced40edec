// Builds the plugin bundle (main.js), the CLI (dist/cli.js) and the benchmarks (dist/bench.js).
// `node esbuild.config.mjs production` builds once; without an argument it watches the plugin.
import esbuild from "esbuild";
import { chmodSync, rmSync, writeFileSync } from "node:fs";
import { builtinModules, createRequire } from "node:module";
import { dirname, join } from "node:path";

const production = process.argv[2] === "production";
const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

/**
 * zod's "zod" entry re-exports every locale (about 260 KB minified) as `z.locales`, so bundling
 * `import { z } from "zod"` keeps them all. Clinical Vault uses English messages only (and none reach
 * the clinician: schema errors are worded by our own code), so the locales barrel is replaced by
 * English alone. zod itself still calls config(en()) from its own import of locales/en.js.
 */
const zodEnglishOnly = {
	name: "zod-english-only",
	setup(build) {
		build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
			/[\\/]zod[\\/]/.test(args.importer) ? { path: "zod-locales-en", namespace: "zod-english-only", pluginData: dirname(args.importer) } : undefined,
		);
		build.onLoad({ filter: /.*/, namespace: "zod-english-only" }, (args) => ({
			contents: `export { default as en } from ${JSON.stringify(join(args.pluginData, "../locales/en.js"))};`,
			resolveDir: args.pluginData,
		}));
	},
};

const require = createRequire(import.meta.url);

/**
 * fontkit (PDF fonts) requires brotli (about 490 KB minified) only to read WOFF2 web fonts. The PDF
 * export reads installed TrueType and OpenType fonts (.ttf, .otf, .ttc) only, so brotli is replaced
 * by a stub that refuses, saying why, if a WOFF2 file ever reaches it.
 */
const noBrotli = {
	name: "no-brotli",
	setup(build) {
		build.onResolve({ filter: /^brotli\/decompress(\.js)?$/ }, () => ({ path: "brotli-stub", namespace: "no-brotli" }));
		build.onLoad({ filter: /.*/, namespace: "no-brotli" }, () => ({
			contents: 'module.exports = function () { throw new Error("WOFF2 fonts are not read by Clinical Vault; use a .ttf, .otf or .ttc font."); };',
			loader: "js",
		}));
	},
};

const shared = {
	bundle: true,
	plugins: [zodEnglishOnly, noBrotli],
	// hash-wasm's main entry is a UMD build with all 25 algorithms; its ES module build lets the
	// bundler keep only Argon2id, the one the record uses.
	alias: { "hash-wasm": require.resolve("hash-wasm/dist/index.esm.js") },
	platform: "node",
	format: "cjs",
	target: "es2022",
	logLevel: "info",
	sourcemap: production ? false : "inline",
	treeShaking: true,
	legalComments: "none",
};

const plugin = {
	...shared,
	entryPoints: ["src/main.ts"],
	outfile: "main.js",
	external: [
		"obsidian",
		"electron",
		// What Obsidian provides at run time (the sample plugin's list); anything else is bundled
		// (the markdown grammar: @codemirror/lang-markdown and @lezer/markdown).
		"@codemirror/autocomplete",
		"@codemirror/collab",
		"@codemirror/commands",
		"@codemirror/language",
		"@codemirror/lint",
		"@codemirror/search",
		"@codemirror/state",
		"@codemirror/view",
		"@lezer/common",
		"@lezer/highlight",
		"@lezer/lr",
		...nodeBuiltins,
	],
	minify: production,
};

// The CLI is an ES module build with code splitting, so the large libraries that only a few
// commands use (PDF, name lexicon, schemas, search) sit in chunks that are read and compiled only
// when a command imports them; dist/cli.js is a small launcher, so the bin path stays the same.
const cli = {
	...shared,
	format: "esm",
	splitting: true,
	entryPoints: { cli: "src/cli/main.ts" },
	outdir: "dist/cli",
	outExtension: { ".js": ".mjs" },
	chunkNames: "chunks/[name]-[hash]",
	external: nodeBuiltins,
	// CommonJS dependencies inside an ES module bundle still call require() for Node's modules.
	banner: { js: 'import { createRequire as __cvCreateRequire } from "node:module"; const require = __cvCreateRequire(import.meta.url);' },
	minify: production,
};

const bench = {
	...shared,
	entryPoints: { bench: "bench/bench.ts" },
	outdir: "dist",
	external: nodeBuiltins,
};

const launcher = `#!/usr/bin/env node
"use strict";
// The clinical-vault CLI (an ES module build with code splitting, in ./cli/).
import("./cli/cli.mjs").catch((error) => {
	process.stderr.write(\`clinical-vault: could not start (\${error && error.message}).\\n\`);
	process.exit(1);
});
`;

if (production) {
	await esbuild.build(plugin);
	rmSync("dist/cli", { recursive: true, force: true });
	await esbuild.build(cli);
	await esbuild.build(bench);
	writeFileSync("dist/cli.js", launcher);
	chmodSync("dist/cli.js", 0o755);
} else {
	const ctx = await esbuild.context(plugin);
	await ctx.watch();
}
