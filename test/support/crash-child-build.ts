/**
 * Bundles test/support/crash-child.ts with esbuild into one CommonJS file for `node` (the crash
 * test and the two-writer test run it as separate processes). Start-up time of the child is most
 * of those tests' run time, so the bundle is kept small: the ESM build of hash-wasm (tree-shaken
 * to Argon2id) and no yaml (only client profiles use it; the child only saves a note, and the stub
 * throws if that ever changes).
 */
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

export async function buildCrashChild(outfile: string): Promise<void> {
	await build({
		entryPoints: [fileURLToPath(new URL("./crash-child.ts", import.meta.url))],
		bundle: true,
		platform: "node",
		format: "cjs",
		target: "node20",
		minify: true,
		mainFields: ["module", "main"],
		outfile,
		logLevel: "silent",
		plugins: [
			{
				name: "no-yaml-in-the-crash-child",
				setup(b) {
					b.onResolve({ filter: /^yaml$/ }, () => ({ path: "yaml", namespace: "crash-stub" }));
					b.onLoad({ filter: /.*/, namespace: "crash-stub" }, () => ({
						contents: 'const no = () => { throw new Error("yaml is not bundled in the crash child"); }; export { no as parse, no as stringify };',
						loader: "js",
					}));
				},
			},
		],
	});
}
