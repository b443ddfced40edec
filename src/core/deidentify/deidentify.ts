/**
 * De-identification of a note for supervision and consultation. Pure: text in, text and a report
 * out; nothing is read or written here (src/core/export/deidentified.ts does the record side).
 *
 * Replacements are consistent: every identifier is an entity, and every occurrence of it (any
 * case, with a possessive, after an honorific) gets the same replacement:
 *  - the client's name (full, first, last, "Last, First", nicknames from the profile) → the client
 *    code; an honorific before it goes too ("Ms. Avery" → "C-0417");
 *  - other people → "[person 1]", "[person 2]" … numbered in order of first appearance; a full name
 *    and its first or last name alone are the same person;
 *  - unclassified names from the profile's free details → "[redacted]"; places, streets, cities and
 *    ZIP codes → "[place]"; employers → "[employer]"; schools → "[school]"; other organisations →
 *    "[organisation]"; phones, e-mails, URLs and ID numbers (SSN, MRN, insurance, long numbers) →
 *    "[phone]", "[email]", "[url]", "[id]"; ages over 89 → "[age 90 or older]".
 *  - Dates: every date with a day → "[date]"; a date of birth (cued or in the profile) →
 *    "[date of birth]" in every form, month-and-year and year included. Month-and-year, years and
 *    weekdays are kept otherwise: supervision needs to know when things happened relative to each
 *    other, and a month and year rarely identifies anyone on its own.
 * Every value in the profile's details is always replaced, whatever the detectors think of it.
 * The report lists each entity once with its replacement, kind, count and the forms seen, so the
 * clinician can check it before anything is written; `LIMITS` says what cannot be caught.
 */
import nlp from "compromise";
import type { ClientProfile } from "../record/profile";
import { AllowList, findNames, type NameKind } from "./names";
import { findPatterns, MONTH, PLACEHOLDER, type IdentifierKind, type Span } from "./patterns";

export type { IdentifierKind } from "./patterns";

export interface DeidentifyOptions {
	profile: ClientProfile;
	/** What the client's name becomes (default: the profile's code). */
	clientCode?: string;
	/** More identifiers the clinician names; a bare string is replaced with "[name]". */
	extraTerms?: readonly (string | { text: string; kind: IdentifierKind })[];
	/** Words and names never to replace: the client's part names and aliases from the parts map. */
	keep?: readonly string[];
}

export interface Replacement {
	/** The identifier as first found (from the profile, or as written in the text). */
	original: string;
	replacement: string;
	kind: IdentifierKind;
	/** How many times it was replaced. */
	count: number;
	/** Every spelling replaced (case variants, possessives, honorific forms). */
	forms: string[];
}

export interface DeidentifyResult {
	text: string;
	replacements: Replacement[];
	warnings: string[];
}

/** What the detectors cannot know: shown with every report. */
export const LIMITS: readonly string[] = [
	"Only what the detectors recognise is replaced: a nickname not in the profile, an unusual surname written alone, a name written in lower case, or a description that identifies someone (a rare job, a local event, a landmark) stays as it is.",
	"Full dates became [date]; months with a year, years and weekdays were kept. Session numbers were kept.",
	"Read the whole file before sharing it. It is plain text and not encrypted.",
];

interface Entity {
	key: string;
	kind: IdentifierKind;
	original: string;
	/** Fixed replacement; persons get "[person N]" when first met in the text. */
	replacement: string | null;
	count: number;
	forms: Set<string>;
}

interface TermEntry {
	term: string;
	entity: Entity;
	/** Only occurrences starting with a capital count (a name part that is also an everyday word). */
	capitalOnly: boolean;
}

const HONORIFIC_BEFORE = /(?:\b(?:Dr|Mr|Mrs|Ms|Mx|Miss|Prof)\.?\s+)$/;

function escape(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A name word that is also an everyday word ("Will", "Hope", "May"): matched only when capitalised. */
function everydayWord(word: string): boolean {
	return nlp(word.toLowerCase()).has("(#Verb|#Adjective|#Adverb|#Preposition|#Conjunction|#Determiner|#Pronoun|#Modal|#Month|#WeekDay)");
}

const DETAIL_KINDS: [RegExp, IdentifierKind | "client" | "person"][] = [
	[/birth|dob/i, "date of birth"],
	[/nick|preferred|alias|known as|goes by/i, "client"],
	[/e-?mail/i, "email"],
	[/phone|mobile|cell|tel|fax/i, "phone"],
	[/url|web|site|social|instagram|facebook/i, "url"],
	[/school|college|university/i, "school"],
	[/employer|work|company|job|occupation|business/i, "employer"],
	[/address|street|home|city|town|place|country|state|zip|post ?code|residence/i, "place"],
	[/ssn|mrn|insurance|policy|member|licen|passport|number|\bid\b/i, "id"],
	[/name|sister|brother|mother|father|parent|partner|spouse|wife|husband|child|son|daughter|contact|emergency|guardian|friend|relative/i, "person"],
];

class Registry {
	readonly entities = new Map<string, Entity>();
	readonly terms = new Map<string, TermEntry>();

	entity(kind: IdentifierKind, original: string, replacement: string | null): Entity {
		// One phone number written three ways is one entity: phones are keyed by their last ten digits.
		const canonical = kind === "phone" ? original.replace(/\D/g, "").slice(-10) : original.toLowerCase().replace(/\s+/g, " ");
		const key = `${kind}:${canonical}`;
		let e = this.entities.get(key);
		if (!e) {
			e = { key, kind, original, replacement, count: 0, forms: new Set() };
			this.entities.set(key, e);
		}
		return e;
	}

	/** Registers a term for an entity; a term already taken keeps its first entity. */
	term(term: string, entity: Entity, capitalOnly = false): void {
		const t = term.replace(/\s+/g, " ").trim();
		if (t.length < 2) return;
		const k = t.toLowerCase();
		if (!this.terms.has(k)) this.terms.set(k, { term: t, entity, capitalOnly });
	}
}

function nameWords(name: string): string[] {
	return name.split(/[\s,]+/).filter((w) => /^\p{L}[\p{L}'’-]+$/u.test(w) && w.replace(/\./g, "").length >= 2);
}

function addClient(reg: Registry, code: string, name: string, original: string): void {
	const client = reg.entity("client", original, code);
	const words = nameWords(name);
	reg.term(name, client);
	if (words.length >= 2) {
		reg.term(words.join(" "), client);
		reg.term(`${words[words.length - 1]!}, ${words[0]!}`, client);
		reg.term(`${words[0]!} ${words[words.length - 1]!}`, client);
	}
	for (const w of words) reg.term(w, client, everydayWord(w));
}

function addPerson(reg: Registry, name: string, allow: AllowList): void {
	const words = nameWords(name).filter((w) => !allow.keeps(w));
	if (words.length === 0) return;
	const full = words.join(" ");
	// A part of the name that already names someone (a shared surname) keeps its first owner.
	const existing = reg.terms.get(full.toLowerCase())?.entity ?? words.map((w) => reg.terms.get(w.toLowerCase())?.entity).find((e) => e?.kind === "person");
	const person = existing && existing.kind === "person" ? existing : reg.entity("person", full, null);
	reg.term(full, person);
	for (const w of words) reg.term(w, person, everydayWord(w));
}

/** A date of birth in the profile ("1988-03-14") in the other forms a note may use. */
function birthForms(value: string): string[] {
	const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(value.trim());
	if (!iso) return [];
	const [, y, m, d] = iso;
	const months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
	const month = months[Number(m) - 1];
	if (!month) return [];
	const dd = String(Number(d));
	const mm = String(Number(m));
	return [`${month} ${dd}, ${y}`, `${month} ${dd} ${y}`, `${dd} ${month} ${y}`, `${mm}/${dd}/${y}`, `${m}/${d}/${y}`, `${month} ${y}`];
}

function addDetails(reg: Registry, profile: ClientProfile, code: string, allow: AllowList): void {
	for (const [key, raw] of Object.entries(profile.details ?? {})) {
		const value = String(raw ?? "").trim();
		if (value === "") continue;
		const kind = DETAIL_KINDS.find(([re]) => re.test(key))?.[1] ?? "detail";
		if (kind === "client") {
			for (const nick of value
				.split(/[,;/]/)
				.map((v) => v.trim())
				.filter((v) => v !== ""))
				addClient(reg, code, nick, profile.name);
			continue;
		}
		if (kind === "person") {
			const name = value.replace(/[(<[].*$/, "").trim();
			if (name !== "") addPerson(reg, name, allow);
			continue;
		}
		const entity = reg.entity(kind, value, PLACEHOLDER[kind]);
		reg.term(value, entity);
		if (kind === "date of birth") for (const form of birthForms(value)) reg.term(form, entity);
		if (kind === "place") {
			for (const part of value.split(/,/).map((p) => p.trim())) {
				if (/\p{L}{3,}/u.test(part) && !allow.keeps(part)) reg.term(part, entity);
				const zip = /\b\d{5}(?:-\d{4})?\b/.exec(part);
				if (zip) reg.term(zip[0], entity);
			}
		}
	}
}

const NAME_KIND: Record<NameKind, IdentifierKind> = {
	person: "person",
	place: "place",
	employer: "employer",
	organisation: "organisation",
	school: "school",
	name: "name",
};

/** Spans of every registered term in the text (word boundaries, any case, honorific absorbed). */
function termSpans(text: string, reg: Registry): (Span & { entity: Entity })[] {
	const entries = [...reg.terms.values()].sort((a, b) => b.term.length - a.term.length);
	if (entries.length === 0) return [];
	const byLower = new Map(entries.map((e) => [e.term.toLowerCase().replace(/\s+/g, " "), e]));
	const re = new RegExp(entries.map((e) => escape(e.term).replace(/ /g, "\\s+")).join("|"), "giu");
	const out: (Span & { entity: Entity })[] = [];
	let m: RegExpExecArray | null;
	while ((m = re.exec(text)) !== null) {
		const start = m.index;
		const end = start + m[0].length;
		const before = text[start - 1] ?? "";
		const after = text[end] ?? "";
		if (/[\p{L}\p{N}_@]/u.test(before) || /[\p{L}\p{N}_]/u.test(after) || after === "@") {
			re.lastIndex = start + 1;
			continue;
		}
		const entry = byLower.get(m[0].toLowerCase().replace(/\s+/g, " "));
		if (!entry || (entry.capitalOnly && !/^\p{Lu}/u.test(m[0]))) continue;
		let from = start;
		if (entry.entity.kind === "client" || entry.entity.kind === "person") {
			const honorific = HONORIFIC_BEFORE.exec(text.slice(Math.max(0, start - 12), start));
			if (honorific) from = start - honorific[0].length;
		}
		out.push({ start: from, end, kind: entry.entity.kind, replacement: entry.entity.replacement ?? "", key: entry.entity.key, entity: entry.entity });
	}
	return out;
}

/** Capitalised words in mid-sentence that were kept and are not on the allow list: for the clinician to look at. */
function keptCapitalised(output: string, allow: AllowList): string[] {
	const seen = new Set<string>();
	for (const m of output.matchAll(/\b\p{Ll}[\p{Ll}'’-]*[,;]? ([A-Z][\p{Ll}'’-]+(?: [A-Z][\p{Ll}'’-]+)*)/gu)) {
		const w = m[1]!.replace(/['’]s$/, "");
		if (!allow.keeps(w) && !new RegExp(`\\b${MONTH}$`).test(w)) seen.add(w);
	}
	return [...seen].sort();
}

export function deidentify(text: string, options: DeidentifyOptions): DeidentifyResult {
	const code = options.clientCode ?? options.profile.code;
	const allow = new AllowList(text, options.keep ?? []);
	const reg = new Registry();
	const warnings: string[] = [];

	addClient(reg, code, options.profile.name, options.profile.name);
	for (const w of nameWords(options.profile.name)) {
		if (everydayWord(w)) warnings.push(`"${w}" in the client's name is also an everyday word: only its capitalised occurrences were replaced.`);
	}
	addDetails(reg, options.profile, code, allow);
	for (const extra of options.extraTerms ?? []) {
		const { text: t, kind } = typeof extra === "string" ? { text: extra, kind: "name" as IdentifierKind } : extra;
		if (kind === "person") addPerson(reg, t, allow);
		else if (kind === "client") addClient(reg, code, t, options.profile.name);
		else reg.term(t, reg.entity(kind, t, PLACEHOLDER[kind]));
	}

	const patternHits = findPatterns(text);
	for (const hit of patternHits) {
		for (const t of hit.terms) if (!allow.keeps(t) && !reg.terms.has(t.toLowerCase())) reg.term(t, reg.entity("place", t, PLACEHOLDER.place));
	}
	for (const found of findNames(text, allow)) {
		if (reg.terms.has(found.text.toLowerCase())) continue;
		if (found.kind === "person") addPerson(reg, found.text, allow);
		else {
			const kind = NAME_KIND[found.kind];
			reg.term(found.text, reg.entity(kind, found.text, PLACEHOLDER[kind as Exclude<IdentifierKind, "client" | "person">]));
		}
	}

	const spans: (Span & { entity?: Entity })[] = [
		...patternHits.map((h) => ({ ...h, entity: reg.entity(h.kind, text.slice(h.start, h.end), h.replacement) })),
		...termSpans(text, reg),
	];
	spans.sort((a, b) => a.start - b.start || b.end - b.start - (a.end - a.start));

	let out = "";
	let at = 0;
	let persons = 0;
	for (const span of spans) {
		if (span.start < at) continue;
		const entity = span.entity!;
		if (entity.replacement === null) entity.replacement = `[person ${++persons}]`;
		out += text.slice(at, span.start) + entity.replacement;
		entity.count++;
		entity.forms.add(text.slice(span.start, span.end).replace(/\s+/g, " "));
		at = span.end;
	}
	out += text.slice(at);

	const replacements = [...reg.entities.values()]
		.filter((e) => e.count > 0)
		.map((e) => ({ original: e.original, replacement: e.replacement!, kind: e.kind, count: e.count, forms: [...e.forms] }))
		.sort((a, b) => a.replacement.localeCompare(b.replacement, "en", { numeric: true }) || a.original.localeCompare(b.original));
	const kept = keptCapitalised(out, allow);
	if (kept.length > 0) warnings.push(`Capitalised words kept as they are (check that none is a name): ${kept.join(", ")}.`);
	return { text: out, replacements, warnings };
}

/** The report for the clinician: one line per identifier, then the warnings and the known limits. */
export function formatReport(result: DeidentifyResult): string {
	const lines = ["Replacements (check each before the file is written):"];
	if (result.replacements.length === 0) lines.push("  (none found)");
	for (const r of result.replacements) {
		const forms = r.forms.filter((f) => f !== r.original);
		lines.push(
			`  ${r.replacement.padEnd(18)} ← ${JSON.stringify(r.original)} (${r.kind}, ${r.count}×${forms.length > 0 ? `; also as ${forms.map((f) => JSON.stringify(f)).join(", ")}` : ""})`,
		);
	}
	for (const w of result.warnings) lines.push(`Warning: ${w}`);
	lines.push("Known limits:");
	for (const l of LIMITS) lines.push(`  - ${l}`);
	return `${lines.join("\n")}\n`;
}
