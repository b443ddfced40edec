/**
 * The parts map as a Mermaid flowchart (Obsidian renders ```mermaid blocks): one node per part,
 * shaped by kind (manager rectangle, firefighter hexagon, exile circle, Self-like stadium, unknown
 * rounded), "protects" as arrows from protector to the protected part, polarizations as two-headed
 * arrows and alliances as dotted lines. Only a small, fixed subset of the grammar is emitted, and
 * every label is quoted with Mermaid's entity escapes, so any part name gives a diagram that parses.
 */
import { normaliseModelText } from "../safety/normalise";
import { SYMMETRIC, type Part, type PartKind, type Relation } from "./model";

const SHAPES: Record<PartKind, [string, string]> = {
	manager: ["[", "]"],
	firefighter: ["{{", "}}"],
	exile: ["((", "))"],
	"Self-like": ["([", "])"],
	unknown: ["(", ")"],
};

const CLASS_OF: Record<PartKind, string> = {
	manager: "manager",
	firefighter: "firefighter",
	exile: "exile",
	"Self-like": "selflike",
	unknown: "unknown",
};

const EDGES: Record<Relation, string> = {
	protects: "-->|protects|",
	polarized_with: "<-->|polarized|",
	allied_with: "-.-|allied|",
};

/**
 * A label inside "…": letters, digits, spaces and plain punctuation as they are; every other
 * character as Mermaid's #code; entity, which Mermaid shows as that character and never reads as
 * its own syntax (quotes, brackets, pipes, "%%" directives and comments, "#", "&", "<" … ">" HTML,
 * ":::" classes, backticks for markdown labels). So a label cannot end its node, add a node, an
 * edge, a click or href, a style or a class, or HTML.
 */
export function mermaidLabel(text: string): string {
	const clean = normaliseModelText(text);
	let out = "";
	for (const ch of clean) {
		if (/[\p{L}\p{N} ,.'()\-:;!?/]/u.test(ch)) out += ch;
		else out += `#${ch.codePointAt(0)!};`;
	}
	return out === "" ? "(no name)" : out;
}

export function nodeId(part: Pick<Part, "id">): string {
	return `p_${part.id.replace(/[^a-z0-9]/g, "_")}`;
}

/** Finds the part a relationship entry names: its id, or (for hand edits) its name or an alias. */
export function partResolver(parts: readonly Part[]): (ref: string) => Part | null {
	return (ref) => {
		const byId = parts.find((p) => p.id === ref);
		if (byId) return byId;
		const n = ref.toLowerCase().trim();
		return parts.find((p) => [p.name, ...p.aliases].some((x) => x.toLowerCase().trim() === n)) ?? null;
	};
}

export function renderMermaid(parts: readonly Part[]): string {
	const lines = ["flowchart LR"];
	if (parts.length === 0) {
		lines.push('  none["No parts recorded yet"]');
		return lines.join("\n");
	}
	for (const p of parts) {
		const [open, close] = SHAPES[p.kind];
		lines.push(`  ${nodeId(p)}${open}"${mermaidLabel(`${p.name} (${p.kind}, ${p.status})`)}"${close}`);
	}
	const resolve = partResolver(parts);
	const seen = new Set<string>();
	for (const relation of ["protects", "polarized_with", "allied_with"] as const) {
		for (const p of parts) {
			for (const ref of p[relation]) {
				const target = resolve(ref);
				if (!target || target.id === p.id) continue;
				const key = SYMMETRIC.has(relation) ? `${relation}:${[p.id, target.id].sort().join("|")}` : `${relation}:${p.id}>${target.id}`;
				if (seen.has(key)) continue;
				seen.add(key);
				lines.push(`  ${nodeId(p)} ${EDGES[relation]} ${nodeId(target)}`);
			}
		}
	}
	lines.push(
		"  classDef manager fill:#dbe7f5,stroke:#4a6fa5",
		"  classDef firefighter fill:#f8dcd2,stroke:#b5543a",
		"  classDef exile fill:#efe0f4,stroke:#7d4f91",
		"  classDef selflike fill:#e0f2e3,stroke:#3d7d4a",
		"  classDef unknown fill:#eeeeee,stroke:#777777",
	);
	for (const kind of Object.keys(CLASS_OF) as PartKind[]) {
		const members = parts.filter((p) => p.kind === kind).map(nodeId);
		if (members.length > 0) lines.push(`  class ${members.join(",")} ${CLASS_OF[kind]}`);
	}
	return lines.join("\n");
}
