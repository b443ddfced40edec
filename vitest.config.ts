import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

export default defineConfig({
	resolve: {
		alias: {
			obsidian: fileURLToPath(new URL("./test/support/obsidian-stub.ts", import.meta.url)),
		},
	},
	test: {
		include: ["test/**/*.test.ts"],
		testTimeout: 60_000,
		hookTimeout: 60_000,
		pool: "forks",
		// Vitest's default is one worker per core minus one: a single worker on the 2-core machines
		// CI uses. Two workers let the process-heavy files (crash, engines, CLI) overlap.
		maxWorkers: 2,
		minWorkers: 1,
	},
});
