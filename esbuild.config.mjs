// Builds the plugin bundle (main.js), the CLI (dist/cli.js) and the benchmarks (dist/bench.js).
// `node esbuild.config.mjs production` builds once; without an argument it watches the plugin.
import esbuild from "esbuild";
import { chmodSync, rmSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";

const production = process.argv[2] === "production";
const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

const shared = {
	bundle: true,
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
