/**
 * The data of a client's IFS parts map: what the yaml block of the page holds (the source of truth),
 * the fixed vocabularies, and how part names are compared.
 *
 * Each part carries `written`: a snapshot of the values the tool last wrote for it. A field whose
 * current value differs from that snapshot was edited by the clinician, and the merge never
 * overwrites it without a change the clinician names by id (see merge.ts). Keys the clinician adds
 * to a part or to the map by hand are kept as they are.
 */
import { z } from "zod";
import { normaliseModelText } from "../safety/normalise";

export const PART_KINDS = ["manager", "firefighter", "exile", "Self-like", "unknown"] as const;
export type PartKind = (typeof PART_KINDS)[number];

/** The steps of the work with a part, in order; a status only moves forward by proposal. */
export const STATUSES = ["unknown", "met", "unblended", "witnessed", "retrieved", "unburdened"] as const;
export type PartStatus = (typeof STATUSES)[number];

/** The 8 C's of Self-energy. */
export const SELF_QUALITIES = ["calm", "curiosity", "compassion", "confidence", "courage", "clarity", "creativity", "connectedness"] as const;
export type SelfQuality = (typeof SELF_QUALITIES)[number];

export const RELATIONS = ["protects", "polarized_with", "allied_with"] as const;
export type Relation = (typeof RELATIONS)[number];
/** Relations that hold both ways (stored on both parts). */
export const SYMMETRIC: ReadonlySet<Relation> = new Set<Relation>(["polarized_with", "allied_with"]);

export const SCALAR_FIELDS = ["kind", "role", "origin"] as const;
export type ScalarField = (typeof SCALAR_FIELDS)[number];
export const LIST_FIELDS = ["burdens", "fears"] as const;
export type ListField = (typeof LIST_FIELDS)[number];

export function statusRank(status: string): number {
	return STATUSES.indexOf(status as PartStatus);
}

const seenSchema = z.object({ date: z.string(), note: z.string() }).loose();

const historySchema = z
	.object({
		date: z.string(),
		note: z.string(),
		change: z.string(),
	})
	.loose();

const textList = z.array(z.string()).default([]);

export const partSchema = z
	.object({
		id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "a lower-case id of letters, digits and dashes"),
		name: z.string().min(1),
		aliases: textList,
		kind: z.enum(PART_KINDS).default("unknown"),
		role: z.string().default(""),
		origin: z.string().default(""),
		burdens: textList,
		fears: textList,
		status: z.enum(STATUSES).default("unknown"),
		protects: textList,
		polarized_with: textList,
		allied_with: textList,
		notes: z.string().optional(),
		first_seen: seenSchema.optional(),
		last_seen: seenSchema.optional(),
		history: z.array(historySchema).default([]),
		/** What the tool last wrote (the clinician-edit check); absent for parts added by hand. */
		written: z.record(z.string(), z.unknown()).optional(),
	})
	.loose();

const sessionSchema = z
	.object({
		note: z.string(),
		date: z.string(),
		self_energy: z.array(z.enum(SELF_QUALITIES)).optional(),
		/** Change ids the clinician declined for this session: not proposed again for it. */
		declined: z.array(z.string()).optional(),
	})
	.loose();

export const mapSchema = z
	.object({
		version: z.literal(1).default(1),
		client: z.string(),
		parts: z.array(partSchema).default([]),
		sessions: z.array(sessionSchema).default([]),
	})
	.loose();

export type Part = z.infer<typeof partSchema>;
export type SessionEntry = z.infer<typeof sessionSchema>;
export type PartsMap = z.infer<typeof mapSchema>;
export type HistoryEntry = Part["history"][number];

export function emptyMap(client: string): PartsMap {
	return { version: 1, client, parts: [], sessions: [] };
}

/** Normalised (safety/normalise.ts), lower case, punctuation to spaces, a leading "the"/"my"/"a" dropped, spaces collapsed. */
export function normalizeName(name: string): string {
	const words = normaliseModelText(name)
		.toLowerCase()
		.replace(/[^\p{L}\p{N}]+/gu, " ")
		.trim()
		.split(" ")
		.filter((w) => w !== "");
	while (words.length > 1 && (words[0] === "the" || words[0] === "my" || words[0] === "a" || words[0] === "an")) words.shift();
	return words.join(" ");
}

/** A slug for ids and diagram nodes: "the Little One" -> "little-one". */
export function slug(name: string): string {
	const s = normalizeName(name).replace(/ /g, "-");
	return /^[a-z0-9]/.test(s) ? s : `part${s === "" ? "" : `-${s}`}`.replace(/[^a-z0-9-]/g, "");
}

/** Words that say nothing about which part it is. */
const FILLER = new Set(["part", "inner", "little", "young", "younger", "one", "my", "of", "the", "who", "that"]);

function editDistance(a: string, b: string): number {
	const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
	for (let i = 1; i <= a.length; i++) {
		let diagonal = prev[0]!;
		prev[0] = i;
		for (let j = 1; j <= b.length; j++) {
			const keep = prev[j]!;
			prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
			diagonal = keep;
		}
	}
	return prev[b.length]!;
}

/**
 * Two normalised names that are probably the same part without being the same name: one's words
 * contain the other's ("critic" / "inner critic", "little one" / "little one girl"), they share a
 * telling word, or they differ by a typo or two (edit distance ≤ 2 on names of 5+ letters).
 */
export function nearSameName(a: string, b: string): boolean {
	if (a === b || a === "" || b === "") return false;
	const wa = a.split(" ");
	const wb = b.split(" ");
	const contains = (outer: string[], inner: string[]) => inner.every((w) => outer.includes(w));
	if (contains(wa, wb) || contains(wb, wa)) return true;
	if (wa.some((w) => !FILLER.has(w) && w.length >= 4 && wb.includes(w))) return true;
	return Math.min(a.length, b.length) >= 5 && editDistance(a, b) <= 2;
}

export function partNames(part: Pick<Part, "name" | "aliases">): string[] {
	return [part.name, ...part.aliases].map(normalizeName);
}

/** The part a name denotes exactly (normalised name or a recorded alias), or null. */
export function findExact(parts: readonly Part[], name: string): Part | null {
	const n = normalizeName(name);
	return parts.find((p) => partNames(p).includes(n)) ?? null;
}

/** Parts whose name or an alias is a near match for `name` (never an exact one). */
export function findNear(parts: readonly Part[], name: string): Part[] {
	const n = normalizeName(name);
	return parts.filter((p) => partNames(p).some((m) => nearSameName(n, m)));
}

/** Equality of two free-text values up to normalisation (safety/normalise.ts: quotes, width, invisible characters), case and spacing. */
export function sameText(a: unknown, b: unknown): boolean {
	const norm = (v: unknown) => (typeof v === "string" ? normaliseModelText(v).toLowerCase().replace(/[.]+$/, "") : JSON.stringify(v ?? null));
	return norm(a) === norm(b);
}
