/**
 * Identifiers with a shape: e-mail addresses, URLs, phone numbers, ID numbers, dates, street
 * addresses, "City, ST 12345" lines and ZIP codes. Each detector returns spans on the original
 * text; deidentify.ts resolves overlaps (earliest start, then longest span, then detector order).
 *
 * Date policy (see deidentify.ts): every date with a day in it ("2026-06-09", "06/09/2026",
 * "June 9, 2026", "9 June", "March 14") becomes "[date]"; a month with a year ("June 2026"), a
 * year alone and weekdays are kept, because supervision needs relative time and HIPAA Safe Harbor
 * keeps the year too. A date of birth is replaced in every form, month-and-year and year included,
 * when a cue says it is one ("DOB", "born on/in") or the client profile lists it.
 */

export type IdentifierKind =
	| "client"
	| "person"
	| "name"
	| "place"
	| "employer"
	| "organisation"
	| "school"
	| "date"
	| "date of birth"
	| "age"
	| "phone"
	| "email"
	| "url"
	| "id"
	| "detail";

export interface Span {
	start: number;
	end: number;
	kind: IdentifierKind;
	/** The replacement; for persons it is filled in by number later. */
	replacement: string;
	/** Which entity the span belongs to (lower-case canonical form); spans of one entity share a report line. */
	key: string;
}

export const PLACEHOLDER: Record<Exclude<IdentifierKind, "client" | "person">, string> = {
	name: "[name]",
	place: "[place]",
	employer: "[employer]",
	organisation: "[organisation]",
	school: "[school]",
	date: "[date]",
	"date of birth": "[date of birth]",
	age: "[age 90 or older]",
	phone: "[phone]",
	email: "[email]",
	url: "[url]",
	id: "[id]",
	detail: "[redacted]",
};

export const MONTH =
	"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\\.?";
const DAY = "(?:[12]\\d|3[01]|0?[1-9])(?:st|nd|rd|th)?";
const YEAR = "(?:19|20)\\d{2}";
/** Every written form of a full date (day included). */
const FULL_DATE = [
	`\\b${YEAR}-(?:0?[1-9]|1[0-2])-(?:[12]\\d|3[01]|0?[1-9])\\b`,
	`\\b\\d{1,2}[/.-]\\d{1,2}[/.-](?:${YEAR}|\\d{2})\\b`,
	`\\b${MONTH}\\s+${DAY}\\b(?:,?\\s+${YEAR}\\b)?`,
	`\\b${DAY}\\s+(?:of\\s+)?${MONTH}(?:,?\\s+${YEAR}\\b)?`,
].join("|");

const DOB_CUE = new RegExp(
	`\\b(?:DOB|D\\.O\\.B\\.?|date of birth|birth ?date|birthday|born(?: on| in)?)\\s*(?:[:=-]|is|was)?\\s*((?:${FULL_DATE})|${MONTH}\\s+${YEAR}\\b|\\b${YEAR}\\b)`,
	"giu",
);

const STATES =
	"AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY";
const STATE_NAMES =
	"Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia|Wisconsin|Wyoming";
/** Two-letter codes that are also everyday words or abbreviations: only taken with a ZIP after them. */
const AMBIGUOUS_STATES = new Set(["IN", "OR", "ME", "HI", "OK", "DE", "PA", "MA", "CO", "LA", "MD", "MS", "AL", "ID", "OH", "MO", "NE", "SC"]);

const CAP_WORD = "[A-Z][\\p{L}'’-]*";
const STREET_TYPES =
	"Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Ter|Circle|Cir|Parkway|Pkwy|Highway|Hwy|Square|Sq|Crescent|Close";
const ADDRESS = new RegExp(
	`\\b\\d{1,6}\\s+((?:${CAP_WORD}\\.?\\s+){1,4}(?:${STREET_TYPES})\\b\\.?)(?:,?\\s+(?:Apt|Apartment|Unit|Suite|Ste|#)\\.?\\s*[A-Za-z0-9-]+)?|\\bP\\.?\\s?O\\.?\\s+Box\\s+\\d+`,
	"gu",
);
const CITY_STATE = new RegExp(`\\b(${CAP_WORD}(?:\\s+${CAP_WORD}){0,2}),\\s+(${STATES}|${STATE_NAMES})\\b(?:\\s+(\\d{5}(?:-\\d{4})?)\\b)?`, "gu");

const ID_CUE =
	/\b(?:MRN|medical record(?: number| no\.?)?|SSN|social security(?: number| no\.?)?|insurance(?: ID| id| number| no\.?| member ID)?|member ID|policy(?: number| no\.?)?|patient ID|client ID|account(?: number| no\.?)?|licen[cs]e(?: number| no\.?)?|passport(?: number| no\.?)?|Medicaid(?: ID| number)?|Medicare(?: ID| number)?|NHS(?: number| no\.?)?|ID)\s*(?:#|no\.?|number)?\s*[:=]?\s*#?\s*([A-Z0-9](?:[A-Z0-9-]*\d[A-Z0-9-]*))\b/gi;

interface Detector {
	kind: Exclude<IdentifierKind, "client" | "person">;
	re: RegExp;
	/** Which capture group is the identifier (0: the whole match). */
	group?: number;
	/** A check on the match (e.g. the character before it, since lookbehind is not used). */
	accept?: (text: string, start: number, match: RegExpExecArray) => boolean;
}

const notAfterDigit = (text: string, start: number): boolean => !/[\d+]/.test(text[start - 1] ?? "");

const DETECTORS: Detector[] = [
	{ kind: "email", re: /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g },
	{ kind: "url", re: /\bhttps?:\/\/[^\s)>\]"']+|\bwww\.[^\s)>\]"']+/gi },
	{ kind: "phone", re: /(?:\+\d{1,3}[\s.-]?)?(?:\(\d{3}\)\s*|\b\d{3}[\s.-])\d{3}[\s.-]\d{4}\b/g, accept: notAfterDigit },
	{ kind: "id", re: /\b\d{3}-\d{2}-\d{4}\b/g },
	{ kind: "id", re: ID_CUE, group: 1 },
	{ kind: "date of birth", re: DOB_CUE, group: 1 },
	{ kind: "date", re: new RegExp(FULL_DATE, "gu") },
	{ kind: "age", re: /\b(?:9\d|1[01]\d)(?:[- ]years?[- ]old|[- ]year-old|\s*y\/?o)\b/gi },
	{ kind: "place", re: ADDRESS },
	{
		kind: "place",
		re: CITY_STATE,
		accept: (_text, _start, m) => !AMBIGUOUS_STATES.has(m[2] ?? "") || m[3] !== undefined,
	},
	{ kind: "place", re: /\b\d{5}(?:-\d{4})?\b/g, accept: notAfterDigit },
	{ kind: "id", re: /\b\d{6,}\b/g },
];

export interface PatternHit extends Span {
	/** Names the pattern found that should be replaced wherever else they occur (a street, a city). */
	terms: string[];
}

/** Every shaped identifier in the text. */
export function findPatterns(text: string): PatternHit[] {
	const out: PatternHit[] = [];
	for (const d of DETECTORS) {
		d.re.lastIndex = 0;
		let m: RegExpExecArray | null;
		while ((m = d.re.exec(text)) !== null) {
			if (m[0] === "") {
				d.re.lastIndex++;
				continue;
			}
			const value = d.group ? m[d.group] : m[0];
			if (value === undefined) continue;
			const start = d.group ? m.index + m[0].lastIndexOf(value) : m.index;
			if (d.accept && !d.accept(text, start, m)) continue;
			const terms: string[] = [];
			if (d.re === ADDRESS && m[1]) terms.push(m[1].replace(/\.$/, ""));
			if (d.re === CITY_STATE && m[1]) terms.push(m[1]);
			out.push({
				start,
				end: start + value.length,
				kind: d.kind,
				replacement: PLACEHOLDER[d.kind],
				key: `${d.kind}:${value.toLowerCase().replace(/\s+/g, " ")}`,
				terms,
			});
		}
	}
	return out;
}
