/**
 * Names in free text: people, places, employers, schools and other organisations.
 *
 * Two sources, because neither is enough alone:
 *  - `compromise` (MIT, pure JavaScript, offline, bundled by esbuild; no model download): its
 *    lexicon knows thousands of first names, honorifics and place names, so it finds "Marcus" or
 *    "Portland" where no cue word helps. It also misses unknown surnames and small towns and
 *    sometimes takes a relation word into a name ("sister Priya"), so only its capitalised terms
 *    are used, and a following capitalised word extends a name ("Priya Nandakumar").
 *  - cue heuristics written here: honorifics ("Dr. Okafor"), relation words ("her sister Priya"),
 *    "works at X", "moved to X", school and organisation suffixes ("Lincoln Elementary School",
 *    "Brightline Logistics").
 *
 * What is never replaced (the allow list): IFS and clinical vocabulary ("Self", "Self-energy",
 * "manager", the 8 C's, GAD-7 …), month and day names, all-capital acronyms, the names of the
 * client's parts (passed in as `keep`, from the parts map), words written in quotes after "named
 * it" / "called it", and any capitalised name written with "the" before it ("the Critic", "the
 * Binger"): in IFS notes that is how parts are named, and people are not written that way.
 */
import nlp from "compromise";

export type NameKind = "person" | "place" | "employer" | "organisation" | "school" | "name";

export interface FoundName {
	kind: NameKind;
	/** The name as written (whitespace normalised). */
	text: string;
}

const CLINICAL_WORDS = [
	"self",
	"self-energy",
	"self-led",
	"self-like",
	"selfhood",
	"ifs",
	"client",
	"clinician",
	"therapist",
	"session",
	"intake",
	"plan",
	"data",
	"assessment",
	"risk",
	"homework",
	"manager",
	"managers",
	"firefighter",
	"firefighters",
	"exile",
	"exiles",
	"protector",
	"protectors",
	"part",
	"parts",
	"burden",
	"burdens",
	"unburdening",
	"witnessing",
	"retrieval",
	"integration",
	"calm",
	"curiosity",
	"compassion",
	"confidence",
	"courage",
	"clarity",
	"creativity",
	"connectedness",
	"diagnosis",
	"history",
	"goals",
	"dap",
	"soap",
	"birp",
	"girp",
	"cbt",
	"dbt",
	"emdr",
	"act",
	"dsm",
	"icd",
	"phq",
	"gad",
	"pcl",
	"note",
	"notes",
	"addendum",
	"parts map",
	"safety plan",
	"god",
	"monday",
	"tuesday",
	"wednesday",
	"thursday",
	"friday",
	"saturday",
	"sunday",
	"january",
	"february",
	"march",
	"april",
	"may",
	"june",
	"july",
	"august",
	"september",
	"october",
	"november",
	"december",
	"christmas",
	"easter",
	"thanksgiving",
	"ramadan",
	"hanukkah",
	"english",
	"spanish",
	"internet",
	"zoom",
	"telehealth",
	"mindfulness",
	"panic",
	"depression",
	"anxiety",
	"ptsd",
	"adhd",
	"ocd",
];

/** Words that start sentences or sit before names but are not part of them. */
const LEADING = new Set([
	"the",
	"a",
	"an",
	"at",
	"in",
	"on",
	"from",
	"to",
	"with",
	"for",
	"and",
	"but",
	"she",
	"he",
	"they",
	"her",
	"his",
	"their",
	"our",
	"my",
	"client",
	"client's",
	"when",
	"then",
	"after",
	"before",
	"since",
	"while",
]);

const HONORIFIC = /^(?:dr|mr|mrs|ms|mx|miss|prof|sir|dame|rev)\.?$/i;

const RELATION =
	"sister|brother|mother|father|mom|mum|dad|son|daughter|wife|husband|partner|boyfriend|girlfriend|fianc[ée]e?|ex|friend|best friend|boss|supervisor|colleague|co-?worker|roommate|flatmate|aunt|uncle|cousin|niece|nephew|grandmother|grandfather|grandma|grandpa|granny|stepfather|stepmother|stepson|stepdaughter|teacher|doctor|psychiatrist|pediatrician|paediatrician|GP|neighbou?r|child|kid|baby|sibling|twin|parent|spouse";
/** The words of an alternation with their first letter in either case (the names after them must stay case-sensitive). */
function anyCase(alternation: string): string {
	return alternation
		.split("|")
		.map((w) => `[${w[0]!.toUpperCase()}${w[0]!.toLowerCase()}]${w.slice(1)}`)
		.join("|");
}
const NAME = "[A-Z][\\p{L}'’-]+(?:\\s+[A-Z][\\p{L}'’-]+)?";
const CUES: { kind: NameKind; re: RegExp }[] = [
	{ kind: "person", re: new RegExp(`\\b(?:Dr|Mr|Mrs|Ms|Mx|Miss|Prof)\\.?\\s+(${NAME})`, "gu") },
	{ kind: "person", re: new RegExp(`\\b(?:${anyCase(RELATION)})(?:['’]s)?,?\\s+(?:named\\s+|called\\s+)?(${NAME})`, "gu") },
	{
		kind: "employer",
		re: /\b(?:works?|worked|working|employed|employer|job|jobs|position|shifts?|interns?|interned|interning|volunteers?|volunteered|hired)\s+(?:is\s+|was\s+)?(?:at|for|with|by)\s+((?:the\s+)?[A-Z][\p{L}&'’-]*(?:\s+(?:of\s+|&\s+|and\s+)?[A-Z][\p{L}&'’-]*){0,4})/gu,
	},
	{
		kind: "place",
		re: /\b(?:lives?|lived|living|moved|moving|grew up|born|raised|relocated|relocating|visiting|visited|travell?ed|flew|drove|stayed|staying|returned|holiday|vacation|trip)\s+(?:back\s+)?(?:in|to|from|at)\s+([A-Z][\p{L}'’-]+(?:\s+[A-Z][\p{L}'’-]+){0,2})/gu,
	},
	{
		kind: "school",
		re: /((?:[A-Z][\p{L}'’.-]+\s+){1,4}(?:School|Academy|College|University|Kindergarten|Preschool|Nursery|Institute)\b|\bUniversity of [A-Z][\p{L}'’-]+(?:\s+[A-Z][\p{L}'’-]+)?)/gu,
	},
	{
		kind: "organisation",
		re: /((?:[A-Z][\p{L}&'’.-]*\s+){1,4}(?:Inc|LLC|Ltd|Corp|Corporation|Company|Group|Logistics|Bank|Hospital|Clinic|Centre|Center|Church|Synagogue|Mosque|Temple|Foundation|Partners|Associates|Solutions|Systems|Services|Technologies|Labs|Insurance|Pharmacy|Police|Department|Agency|Studio|Restaurant|Cafe|Café|Gym|Bakery|Market)\b\.?)/gu,
	},
];

/** The allow list: vocabulary and part names that look like names but must stay. */
export class AllowList {
	private readonly words: Set<string>;
	private readonly theNames = new Set<string>();

	constructor(text: string, keep: readonly string[]) {
		this.words = new Set([
			...CLINICAL_WORDS,
			...keep
				.map((k) =>
					k
						.toLowerCase()
						.replace(/^the\s+/, "")
						.trim(),
				)
				.filter((k) => k !== ""),
		]);
		// Names written after "the" (the Critic) and names given in quotes after "named it"/"called it".
		for (const m of text.matchAll(/\bthe\s+([A-Z][\p{L}'’-]+(?:\s+[A-Z][\p{L}'’-]+)?)/gu)) this.theNames.add(m[1]!.toLowerCase());
		for (const m of text.matchAll(/\b(?:named|called|calls|names)\s+(?:it|them|the part|this part|that part)\s*,?\s*["“]([^"”]{1,40})["”]/giu)) {
			this.words.add(m[1]!.toLowerCase().replace(/^the\s+/, ""));
		}
	}

	/** True when a candidate (whole, or every word of it) must be kept. */
	keeps(candidate: string): boolean {
		const c = candidate.toLowerCase().replace(/['’]s$/, "");
		if (this.words.has(c) || this.theNames.has(c)) return true;
		if (/^[A-Z0-9&-]{2,}$/.test(candidate.replace(/['’]s$/, ""))) return true; // acronyms: IFS, GAD-7
		const words = c.split(/\s+/);
		return words.every((w) => this.words.has(w) || this.theNames.has(w) || /^\d/.test(w));
	}
}

function clean(name: string): string {
	let words = name
		.replace(/['’]s$/, "")
		.replace(/[.,;:!?)]+$/, "")
		.trim()
		.split(/\s+/);
	while (words.length > 0 && (LEADING.has(words[0]!.toLowerCase()) || HONORIFIC.test(words[0]!))) words = words.slice(1);
	return words.join(" ").replace(/['’]s$/, "");
}

interface Term {
	text: string;
	start: number;
	end: number;
	tags: string[];
}

/** compromise's terms, with offsets, for its people, places and organisations. */
function nlpTerms(text: string): { kind: NameKind; terms: Term[] }[] {
	const doc = nlp(text);
	const out: { kind: NameKind; terms: Term[] }[] = [];
	const views: [NameKind, { json(options: object): unknown }][] = [
		["person", doc.people()],
		["place", doc.places()],
		["organisation", doc.organizations()],
	];
	for (const [kind, view] of views) {
		const json = view.json({ offset: true, terms: { offset: true } }) as {
			terms: { text: string; tags: string[]; offset: { start: number; length: number } }[];
		}[];
		for (const match of json) {
			out.push({ kind, terms: match.terms.map((t) => ({ text: t.text, start: t.offset.start, end: t.offset.start + t.offset.length, tags: t.tags })) });
		}
	}
	return out;
}

/** Capitalised words right after `end` (separated by single spaces), to complete a name. */
function extend(text: string, end: number, allow: AllowList): number {
	const next = /^ ([A-Z][\p{L}'’-]+)/u.exec(text.slice(end));
	if (!next || allow.keeps(next[1]!) || LEADING.has(next[1]!.toLowerCase())) return end;
	return end + next[0].length;
}

/** People, places and organisations in the text, minus everything on the allow list. */
export function findNames(text: string, allow: AllowList): FoundName[] {
	const found: FoundName[] = [];
	const add = (kind: NameKind, raw: string) => {
		const name = clean(raw.replace(/\s+/g, " "));
		if (name.length < 2 || !/^\p{Lu}/u.test(name) || allow.keeps(name)) return;
		found.push({ kind, text: name });
	};
	// Cues first: they know the kind better (a school, an employer) than compromise's organisations.
	for (const cue of CUES) {
		for (const m of text.matchAll(cue.re)) {
			const value = m[1]!;
			const start = m.index + m[0].lastIndexOf(value);
			const end = cue.kind === "person" ? extend(text, start + value.length, allow) : start + value.length;
			add(cue.kind, text.slice(start, end));
		}
	}
	for (const { kind, terms } of nlpTerms(text)) {
		// Split a match where anything but a single space separates two terms; keep capitalised, non-honorific terms.
		let group: Term[] = [];
		const flush = () => {
			if (group.length === 0) return;
			const first = group[0]!;
			let end = group[group.length - 1]!.end;
			if (kind === "person") end = extend(text, end, allow);
			add(kind, text.slice(first.start, end));
			group = [];
		};
		for (const t of terms) {
			const usable = /^\p{Lu}/u.test(t.text) && !t.tags.includes("Honorific") && !HONORIFIC.test(t.text);
			const joined = group.length > 0 && text.slice(group[group.length - 1]!.end, t.start) === " ";
			if (!usable) {
				flush();
				continue;
			}
			if (!joined) flush();
			group.push(t);
		}
		flush();
	}
	return found;
}
