/**
 * Bundles the crash-test children with esbuild into one CommonJS file each for `node`:
 *
 * - test/support/crash-child.ts (the crash test and the two-writer test run it as separate
 *   processes). Start-up time of the child is most of those tests' run time, so the bundle is kept
 *   small: the ESM build of hash-wasm (tree-shaken to Argon2id) and no yaml (only client profiles
 *   use it; the child only saves a note, and the stub throws if that ever changes).
 * - test/support/crash-writers-child.ts (test/core/crashWriters.test.ts): the other writers
 *   (passwd, client add with consent, consent revoke, search index save, mv). Profiles and consent
 *   are YAML, so yaml is bundled.
 */
import { fileURLToPath } from "node:url";
import { build, type BuildOptions } from "esbuild";

function childOptions(entry: string, outfile: string): BuildOptions {
	return {
		entryPoints: [fileURLToPath(new URL(entry, import.meta.url))],
		bundle: true,
		platform: "node",
		format: "cjs",
		target: "node20",
		minify: true,
		mainFields: ["module", "main"],
		outfile,
		logLevel: "silent",
	};
}

export async function buildCrashChild(outfile: string): Promise<void> {
	await build({
		...childOptions("./crash-child.ts", outfile),
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

export async function buildCrashWritersChild(outfile: string): Promise<void> {
	await build(childOptions("./crash-writers-child.ts", outfile));
}
