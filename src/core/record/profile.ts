/**
 * The client profile: the only place a client's name and identifying details live (encrypted).
 * Its frontmatter may also hold the client's recording consent (`consent:`), which consent.ts reads
 * and splices in place; parseProfile leaves it out of ClientProfile on purpose, so nothing that
 * reads a profile for its name can rewrite the consent by accident.
 */
import { findFrontmatter } from "../markdown/frontmatter";
import { parse, stringify } from "yaml";
import { ClinicalVaultError } from "../errors";

export interface ClientProfile {
	code: string;
	name: string;
	modality?: string;
	/** Other names the client goes by (a nickname, a former name): taken out of model input like the name. */
	aliases?: string[];
	created: string;
	/** Free-form identifying details the clinician chose to keep (date of birth, contact, …). */
	details?: Record<string, string>;
}

export function renderProfile(profile: ClientProfile, body = ""): string {
	const front = stringify(profile).trimEnd();
	const text = body.trim() === "" ? `# Client profile\n\nIdentifying details stay in this encrypted file only.\n` : body;
	return `---\n${front}\n---\n${text}`;
}

export function parseProfile(text: string, where: string): ClientProfile {
	const found = findFrontmatter(text);
	if (!found) throw new ClinicalVaultError("invalid-input", `${where} has no frontmatter block.`, { path: where });
	let data: unknown;
	try {
		data = parse(found.yaml);
	} catch (error) {
		throw new ClinicalVaultError("invalid-input", `${where} has invalid frontmatter: ${(error as Error).message}`, { path: where });
	}
	const p = data as Partial<ClientProfile> | null;
	if (!p || typeof p.code !== "string" || typeof p.name !== "string") {
		throw new ClinicalVaultError("invalid-input", `${where} is missing the client code or name.`, { path: where });
	}
	const aliases = Array.isArray(p.aliases)
		? p.aliases.filter((a): a is string => typeof a === "string" && a.trim() !== "")
		: typeof p.aliases === "string" && (p.aliases as string).trim() !== ""
			? [p.aliases as string]
			: [];
	return {
		code: p.code,
		name: p.name,
		created: String(p.created ?? ""),
		...(p.modality ? { modality: String(p.modality) } : {}),
		...(aliases.length > 0 ? { aliases } : {}),
		...(p.details ? { details: p.details } : {}),
	};
}
