// Builds the plugin bundle (main.js), the CLI (dist/cli.js) and the benchmarks (dist/bench.js).
// `node esbuild.config.mjs production` builds once; without an argument it watches the plugin.
import esbuild from "esbuild";
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
		"@codemirror/*",
		"@lezer/*",
		...nodeBuiltins,
	],
	minify: production,
};

const cli = {
	...shared,
	entryPoints: { cli: "src/cli/main.ts", bench: "bench/bench.ts" },
	outdir: "dist",
	external: nodeBuiltins,
	banner: { js: "#!/usr/bin/env node" },
	// Every CLI run compiles the whole bundle: minified, it starts about twice as fast.
	minify: production,
};

if (production) {
	await esbuild.build(plugin);
	await esbuild.build(cli);
} else {
	const ctx = await esbuild.context(plugin);
	await ctx.watch();
}
