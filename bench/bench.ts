/**
 * `npm run bench`: prints the performance figures the issues ask for. Sections can be chosen with
 * arguments (`npm run bench -- crypto transcribe`); with none, all run.
 */
import { join, resolve } from "node:path";
import { benchAudit } from "./audit";
import { benchCrypto } from "./crypto";
import { measurePluginOnload } from "./plugin-onload";
import { benchSafety } from "./safety";
import { benchSearch } from "./search";
import { benchTranscription, defaultTranscribeBenchOptions } from "./transcribe";

type Section = { name: string; run: () => Promise<Record<string, string | number>> };

const sections: Section[] = [
	{ name: "crypto", run: () => benchCrypto() },
	{
		name: "plugin",
		run: async () => {
			const r = await measurePluginOnload(join(resolve(__dirname, ".."), "main.js"), 20);
			return { "main.js evaluation, ms (once, before onload)": +r.evaluateMs.toFixed(1), "plugin onload, median ms (20 loads)": +r.medianMs.toFixed(2), "plugin onload, p95 ms": +r.p95Ms.toFixed(2) };
		},
	},
	{ name: "transcribe", run: () => benchTranscription(defaultTranscribeBenchOptions()) },
	{ name: "search", run: () => benchSearch() },
	{ name: "safety", run: () => benchSafety() },
	{ name: "audit", run: () => benchAudit() },
];

function print(line: string): void {
	process.stdout.write(`${line}\n`);
}

async function main(): Promise<void> {
	const wanted = process.argv.slice(2);
	const chosen = wanted.length === 0 ? sections : sections.filter((s) => wanted.includes(s.name));
	if (chosen.length === 0) {
		process.stderr.write(`unknown section; choose from: ${sections.map((s) => s.name).join(", ")}\n`);
		process.exit(2);
	}
	print(`Clinical Vault benchmarks (node ${process.version}, ${new Date().toISOString()})`);
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
