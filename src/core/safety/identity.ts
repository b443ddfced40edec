/**
 * The client's identifiers, taken out of every text sent to a model. The profile (encrypted) is
 * the only place a client's name lives; from it come the name, the aliases the clinician lists
 * (`aliases:` in the profile: nicknames, a married name) and the identifying details they keep
 * (date of birth, phone, address, e-mail …). The model gets "the client" for a name and
 * "[identifier removed]" for a detail, whatever the transcript, summary or note says.
 *
 * A name is matched whole in any case ("Robin Vega", "ROBIN VEGA", "robin vega") and word by word
 * as written with a capital ("Robin", "Vega's"), in lower case where it stands for a person (at the
 * start of a sentence, with a possessive, or before a verb such as "said" or "felt"), so "a robin"
 * the bird and "for example" stay; spelt with separators inside it in any case ("Rob-in",
 * "R.o.b.i.n"); accents do not matter ("Róbin"). Details are matched as written, ignoring case and
 * white space; a number (a phone) is matched by its digits whatever separates them ("555 0142").
 *
 * The same identifiers are looked for in what the model writes (`findIdentifiers`): a name the
 * model writes anyway (guessed, or put in its mouth by the input) is replaced by code too.
 */
import type { ClientProfile } from "../record/profile";
import { foldAccents } from "./normalise";

export interface ClientIdentity {
	/** The name and aliases, longest first. */
	names: string[];
	/** Other identifying values from the profile's details. */
	details: string[];
}

function escapeRegExp(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Details that are not identifying on their own (a modality, a pronoun) are not redacted. */
const NOT_IDENTIFYING_KEY = /^(modality|pronouns?|gender|language|notes?|referral[ _-]?source|insurance[ _-]?type|status)$/i;

export function identityOf(profile: Pick<ClientProfile, "name" | "details"> & { aliases?: readonly string[] }): ClientIdentity {
	const names = [profile.name, ...(profile.aliases ?? [])].map((n) => n.trim()).filter((n) => n.length >= 2);
	const details = Object.entries(profile.details ?? {})
		.filter(([key]) => !NOT_IDENTIFYING_KEY.test(key.trim()))
		.map(([, v]) => String(v).trim())
		.filter((v) => v.length >= 4);
	return { names: [...new Set(names)].sort((a, b) => b.length - a.length), details: [...new Set(details)].sort((a, b) => b.length - a.length) };
}

export const NO_IDENTITY: ClientIdentity = { names: [], details: [] };

interface Pattern {
	re: RegExp;
	replacement: string;
	/** Whether a match counts (a name spelt with separators must have one: the plain spelling has its own pattern). */
	accept?: (match: string) => boolean;
}

/** Words before a lower-case name word that make it a common noun: "a robin", "the little robin". */
const DETERMINERS = "a an the this that these those some any every each no one my your his her its our their another for of as"
	.split(" ")
	.map((d) => `[${d[0]!.toUpperCase()}${d[0]!}]${d.slice(1)}`);
const DETERMINER_BEFORE = String.raw`(?<!(?:^|[^\p{L}])(?:${DETERMINERS.join("|")})\s+(?:[\p{L}-]+\s+)?)`;
/** What makes a lower-case name word a person: the start of a sentence, a possessive, or a verb a person does after it. */
const PERSON_VERB = String.raw`(?=['’]s(?![\p{L}\p{N}])|\s+(?:said|says|felt|feels|reported|reports|was|is|has|had|have|did|does|told|tells|shared|shares|described|describes|stated|states|noticed|notices|slept|sleeps|came|comes|went|goes|wants|wanted|thinks|thought|seemed|seems|will|would|could|can|spoke|speaks|explained|explains|agreed|agrees|mentioned|mentions|talked|talks|cried|cries|arrived|arrives|left|called|calls|lives|lived|works|worked)\b)`;
const SENTENCE_START = String.raw`(?<=(?:^|[.!?:;]\s+|["'(]\s*))`;

function patternsOf(identity: ClientIdentity): Pattern[] {
	const out: Pattern[] = [];
	const B = "(^|[^\\p{L}\\p{N}])";
	const E = "(?![\\p{L}\\p{N}])";
	for (const d of identity.details) {
		const digits = d.replace(/\D/g, "");
		// A number (a phone, an ID) written with any separators or none: "555-0142", "555 0142", "5550142", "555.01 42".
		if (digits.length >= 5 && /^[\d\s.()+\-–—/]+$/.test(d))
			out.push({
				re: new RegExp(`(^|[^\\p{L}\\p{N}])${[...digits].join("[\\s.()+\\-–—/]{0,3}")}(?!\\p{N})`, "gu"),
				replacement: "$1[identifier removed]",
			});
		else out.push({ re: new RegExp(`${B}${escapeRegExp(d).replace(/\s+/g, "\\s+")}${E}`, "giu"), replacement: "$1[identifier removed]" });
	}
	for (const n of identity.names)
		out.push({ re: new RegExp(`${B}${escapeRegExp(n).replace(/\s+/g, "\\s+")}(['’]s)?${E}`, "giu"), replacement: "$1the client" });
	// Each word of a name, and each part of a hyphenated one ("Mary-Jane" also as "Mary" and "Jane").
	const parts = identity.names.flatMap((n) => n.split(/\s+/)).flatMap((w) => (w.includes("-") ? [w, ...w.split("-")] : [w]));
	// Two-letter names ("Jo", "Ng") only as written, with a capital: "so" and "ng" in words stay.
	for (const w of new Set(parts.filter((x) => /^\p{L}{2}$/u.test(x)))) {
		const capital = w[0]!.toUpperCase() + w.slice(1).toLowerCase();
		out.push({
			re: new RegExp(`${B}(?:${escapeRegExp(capital)}|${escapeRegExp(capital.toUpperCase())})(['’][sS])?${E}`, "gu"),
			replacement: "$1the client",
		});
	}
	const words = new Set(parts.filter((w) => /^\p{L}[\p{L}'’-]{2,}$/u.test(w)));
	for (const w of [...words].sort((a, b) => b.length - a.length)) {
		const capital = w[0]!.toUpperCase() + w.slice(1);
		out.push({
			re: new RegExp(`${B}(?:${escapeRegExp(capital)}|${escapeRegExp(capital.toUpperCase())})(['’][sS])?${E}`, "gu"),
			replacement: "$1the client",
		});
		// Written in lower case, where it is a person: "robin felt calmer", "robin's week"; "a robin" stays.
		const lower = escapeRegExp(w.toLowerCase());
		out.push({ re: new RegExp(`${B}${SENTENCE_START}${lower}(['’]s)?${E}`, "gu"), replacement: "$1the client" });
		out.push({ re: new RegExp(`${B}${DETERMINER_BEFORE}${lower}${PERSON_VERB}(['’]s)?${E}`, "gu"), replacement: "$1the client" });
		// Spelt with separators inside it, in any case: "Rob-in", "R.o.b.i.n", "Rob_in".
		const letters = [...w.replace(/['’-]/g, "")];
		if (letters.length >= 3) {
			out.push({
				re: new RegExp(`${B}${letters.map(escapeRegExp).join("[^\\p{L}\\p{N}\\s]{0,2}")}(['’]s)?${E}`, "giu"),
				replacement: "$1the client",
				accept: (m) => /[^\p{L}\p{N}\s'’]/u.test(m.replace(/^[^\p{L}]+/u, "").replace(/['’]s$/u, "")),
			});
		}
	}
	return out;
}

interface Match {
	start: number;
	end: number;
	before: string;
	possessive: boolean;
}

/** A pattern's matches in a text, found in its accent-free reading ("Róbin" is "Robin"); offsets stand in the text itself. */
function matchesOf(p: Pattern, text: string): Match[] {
	const folded = foldAccents(text);
	const out: Match[] = [];
	for (const m of folded.matchAll(p.re)) {
		const before = m[1] ?? "";
		const start = m.index + before.length;
		const end = m.index + m[0].length;
		if (p.accept && !p.accept(folded.slice(start, end))) continue;
		out.push({ start, end, before, possessive: typeof m[2] === "string" });
	}
	return out;
}

/** A function that removes the identity's identifiers from a text. */
export function redactor(identity: ClientIdentity): (text: string) => string {
	const patterns = patternsOf(identity);
	if (patterns.length === 0) return (text) => text;
	return (text) =>
		patterns.reduce((t, p) => {
			const found = matchesOf(p, t);
			if (found.length === 0) return t;
			let out = "";
			let last = 0;
			for (const m of found) {
				const replacement = p.replacement.slice(2) + (m.possessive ? "'s" : "");
				// "The client" where a sentence starts.
				const start = /(?:^|[.!?:]\s+|\n\s*)$/.test(t.slice(0, m.start));
				out += t.slice(last, m.start) + (start ? replacement[0]!.toUpperCase() + replacement.slice(1) : replacement);
				last = m.end;
			}
			return out + t.slice(last);
		}, text);
}

/** The identifiers of `identity` that occur in `text` (as found: for a review flag). */
export function findIdentifiers(text: string, identity: ClientIdentity): string[] {
	const found: string[] = [];
	for (const p of patternsOf(identity)) {
		for (const m of matchesOf(p, text)) found.push(text.slice(m.start, m.end));
	}
	return [...new Set(found)];
}
