/**
 * `npm run bench`: prints the performance figures the issues ask for. Sections can be chosen with
 * arguments (`npm run bench -- crypto transcribe`); with none, all run.
 *
 * `--smoke` (`npm run bench:smoke`, run by .ci/run) runs every section at a small size, so a change
 * that breaks a benchmark turns CI red; its figures say nothing about performance.
 */
import { join, resolve } from "node:path";
import { benchAudit } from "./audit";
import { benchCrypto } from "./crypto";
import { measurePluginOnload } from "./plugin-onload";
import { benchSafety } from "./safety";
import { benchSearch } from "./search";
import { benchTranscription, defaultTranscribeBenchOptions } from "./transcribe";

type Section = { name: string; run: () => Promise<Record<string, string | number>> };

const smoke = process.argv.includes("--smoke");
const loads = smoke ? 3 : 20;

const sections: Section[] = [
	{ name: "crypto", run: () => benchCrypto(smoke ? { sizeMiB: 2 } : {}) },
	{
		name: "plugin",
		run: async () => {
			const r = await measurePluginOnload(join(resolve(__dirname, ".."), "main.js"), loads);
			return {
				"main.js evaluation, ms (once, before onload)": +r.evaluateMs.toFixed(1),
				[`plugin onload, median ms (${loads} loads)`]: +r.medianMs.toFixed(2),
				"plugin onload, p95 ms": +r.p95Ms.toFixed(2),
			};
		},
	},
	{
		name: "transcribe",
		run: () => benchTranscription({ ...defaultTranscribeBenchOptions(), ...(smoke ? { overheadMinutes: 0.25, decodeMinutes: 1 } : {}) }),
	},
	{ name: "search", run: () => benchSearch(smoke ? { clients: 2, sessions: 10, queries: 10 } : {}) },
	{ name: "safety", run: () => benchSafety() },
	{ name: "audit", run: () => benchAudit(smoke ? { sizes: [300] } : {}) },
];

function print(line: string): void {
	process.stdout.write(`${line}\n`);
}

async function main(): Promise<void> {
	const wanted = process.argv.slice(2).filter((a) => a !== "--smoke");
	const chosen = wanted.length === 0 ? sections : sections.filter((s) => wanted.includes(s.name));
	if (chosen.length === 0) {
		process.stderr.write(`unknown section; choose from: ${sections.map((s) => s.name).join(", ")}\n`);
		process.exit(2);
	}
	print(
		`Clinical Vault benchmarks (node ${process.version}, ${new Date().toISOString()})${smoke ? " — smoke run at small sizes: these figures are not performance figures" : ""}`,
	);
	for (const section of chosen) {
		print(`\n## ${section.name}`);
		const started = performance.now();
		const figures = await section.run();
		const width = Math.max(...Object.keys(figures).map((k) => k.length));
		for (const [key, value] of Object.entries(figures)) print(`  ${key.padEnd(width)}  ${value}`);
		print(`  (${((performance.now() - started) / 1000).toFixed(1)} s)`);
	}
}

main().catch((error: unknown) => {
	process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
	process.exit(1);
});
