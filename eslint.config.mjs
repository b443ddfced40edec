// ESLint: eslint-plugin-obsidianmd's recommended config (which includes typescript-eslint's
// type-checked rules) on everything; CI runs it with --max-warnings 0 and inline disabling of
// its rules is refused by the config itself.
import { defineConfig, globalIgnores } from "eslint/config";
import obsidianmd from "eslint-plugin-obsidianmd";

export default defineConfig([
	globalIgnores(["node_modules/", "main.js", "dist/", "demo-vault/", ".engines/", "coverage/", "test/fixtures/vault-*/"]),
	...obsidianmd.configs.recommended,
	{
		languageOptions: {
			parserOptions: {
				projectService: {
					allowDefaultProject: ["eslint.config.mjs", "esbuild.config.mjs", "scripts/*.mjs"],
				},
			},
		},
	},
	{
		// Clinical acronyms stay upper case in UI text ("Copy for EHR", "SOAP note").
		rules: {
			"obsidianmd/ui/sentence-case": [
				"warn",
				{ enforceCamelCaseLower: true, acronyms: ["EHR", "SOAP", "DAP", "BIRP", "IFS", "CBT", "DBT", "ICD", "PDF"] },
			],
		},
	},
	{
		// The domain core runs in the plugin and the CLI alike: never Obsidian's API, never Node's
		// (the store folder, which holds the Node file-system store, aside).
		files: ["src/core/**/*.ts"],
		ignores: ["src/core/store/**"],
		rules: {
			"no-restricted-imports": [
				"error",
				{
					paths: [{ name: "obsidian", message: "src/core never imports Obsidian: put the glue in src/obsidian." }],
					patterns: [{ regex: "^node:", message: "src/core never imports Node: put it behind an interface (src/core/store) or in src/engines." }],
				},
			],
		},
	},
	{
		// The demo script creates a vault from scratch, so it must write Obsidian's default config
		// folder by name; plugin code always uses Vault#configDir.
		files: ["scripts/**"],
		rules: { "obsidianmd/hardcoded-config-path": "off" },
	},
	{
		// The no-egress proof watches Node's own global fetch (there is no window in a Node test).
		files: ["test/privacy/fullrun.test.ts"],
		rules: { "obsidianmd/no-global-this": "off" },
	},
]);
