/**
 * The client's identifiers, taken out of every text sent to a model. The profile (encrypted) is
 * the only place a client's name lives; from it come the name, the aliases the clinician lists
 * (`aliases:` in the profile: nicknames, a married name) and the identifying details they keep
 * (date of birth, phone, address, e-mail …). The model gets "the client" for a name and
 * "[identifier removed]" for a detail, whatever the transcript, summary or note says.
 *
 * A name is matched whole in any case ("Robin Vega", "ROBIN VEGA", "robin vega") and word by word
 * as written with a capital ("Robin", "Vega's"), so "robin" the bird in a sentence stays; details
 * are matched as written, ignoring case and white space.
 *
 * The same identifiers are looked for in what the model writes (`findIdentifiers`): a name the
 * model writes anyway (guessed, or put in its mouth by the input) is replaced by code too.
 */
import type { ClientProfile } from "../record/profile";

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
}

function patternsOf(identity: ClientIdentity): Pattern[] {
	const out: Pattern[] = [];
	const B = "(^|[^\\p{L}\\p{N}])";
	const E = "(?![\\p{L}\\p{N}])";
	for (const d of identity.details) out.push({ re: new RegExp(`${B}${escapeRegExp(d).replace(/\s+/g, "\\s+")}${E}`, "giu"), replacement: "$1[identifier removed]" });
	for (const n of identity.names) out.push({ re: new RegExp(`${B}${escapeRegExp(n).replace(/\s+/g, "\\s+")}(['’]s)?${E}`, "giu"), replacement: "$1the client" });
	const words = new Set(identity.names.flatMap((n) => n.split(/\s+/)).filter((w) => /^\p{L}[\p{L}'’-]{2,}$/u.test(w)));
	for (const w of [...words].sort((a, b) => b.length - a.length)) {
		const capital = w[0]!.toUpperCase() + w.slice(1);
		out.push({ re: new RegExp(`${B}(?:${escapeRegExp(capital)}|${escapeRegExp(capital.toUpperCase())})(['’]s)?${E}`, "gu"), replacement: "$1the client" });
	}
	return out;
}

/** A function that removes the identity's identifiers from a text. */
export function redactor(identity: ClientIdentity): (text: string) => string {
	const patterns = patternsOf(identity);
	if (patterns.length === 0) return (text) => text;
	return (text) =>
		patterns.reduce(
			(t, p) =>
				t.replace(p.re, (...args: unknown[]) => {
					// (match, before, [possessive], offset, whole text): the patterns have no named groups.
					const before = args[1] as string;
					const offset = args[args.length - 2] as number;
					const all = args[args.length - 1] as string;
					// Name patterns capture a possessive ("Robin's" is "the client's").
					const possessive = args.length === 5 && typeof args[2] === "string" ? "'s" : "";
					const replacement = p.replacement.slice(2) + possessive;
					// "The client" where a sentence starts.
					const start = /(?:^|[.!?:]\s+|\n\s*)$/.test(all.slice(0, offset) + before);
					return before + (start ? replacement[0]!.toUpperCase() + replacement.slice(1) : replacement);
				}),
			text,
		);
}

/** The identifiers of `identity` that occur in `text` (as found: for a review flag). */
export function findIdentifiers(text: string, identity: ClientIdentity): string[] {
	const found: string[] = [];
	for (const p of patternsOf(identity)) {
		for (const m of text.matchAll(p.re)) found.push(m[0].slice(m[1]?.length ?? 0));
	}
	return [...new Set(found)];
}
