/**
 * The plugin shell's house rules (docs/ARCHITECTURE.md, "The plugin's features"), read from the
 * source: every folder of src/obsidian/ but common/ is a feature with a feature.ts that main.ts
 * lists; a feature imports only common/, itself, and the features below it in the order
 * record < sessions < notes < care < search < documents < privacy < settings; common/ imports a
 * feature's module for its types only. Static, type-only and dynamic imports are all counted.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../../src/obsidian");
const ORDER = ["record", "sessions", "notes", "care", "search", "documents", "privacy", "settings"];

interface Edge {
	from: string;
	to: string;
	typeOnly: boolean;
}

function filesOf(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
		e.isDirectory() ? filesOf(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : [],
	);
}

function edges(): Edge[] {
	const out: Edge[] = [];
	for (const file of filesOf(ROOT)) {
		const text = readFileSync(file, "utf8");
		const re = /import\s+(type\s+)?[^"';]*?from\s+"(\.[^"]+)"|import\(\s*"(\.[^"]+)"\s*\)/g;
		for (let m = re.exec(text); m; m = re.exec(text)) {
			const spec = m[2] ?? m[3]!;
			const target = path.relative(ROOT, path.resolve(path.dirname(file), spec));
			if (target.startsWith("..")) continue; // core, engines: ESLint and madge keep those in order
			out.push({ from: path.relative(ROOT, file), to: target, typeOnly: m[1] !== undefined });
		}
	}
	return out;
}

const folderOf = (p: string) => (p.includes(path.sep) ? p.split(path.sep)[0]! : "");

describe("the plugin shell is cut by feature", () => {
	it("every feature folder has a feature.ts that main.ts lists, and nothing else lives at the top", () => {
		const entries = readdirSync(ROOT, { withFileTypes: true });
		const folders = entries.filter((e) => e.isDirectory()).map((e) => e.name);
		expect(folders.sort()).toEqual([...ORDER, "common"].sort());
		expect(entries.filter((e) => e.isFile()).map((e) => e.name)).toEqual(["services.ts"]);
		const main = readFileSync(path.resolve(ROOT, "../main.ts"), "utf8");
		for (const feature of ORDER) {
			expect(readdirSync(path.join(ROOT, feature))).toContain("feature.ts");
			expect(main).toContain(`from "./obsidian/${feature}/feature"`);
		}
	});

	it("a feature imports only common, itself and the features below it; common takes types only", () => {
		const all = edges();
		expect(all.length).toBeGreaterThan(100);
		const wrong = all.filter((edge) => {
			const from = folderOf(edge.from);
			const to = folderOf(edge.to);
			if (from === "" || to === from || to === "common") return false; // services.ts builds the context from every feature
			if (from === "common") return !edge.typeOnly;
			return ORDER.indexOf(to) > ORDER.indexOf(from);
		});
		expect(wrong.map((e) => `${e.from} -> ${e.to}${e.typeOnly ? " (type)" : ""}`)).toEqual([]);
	});
});
