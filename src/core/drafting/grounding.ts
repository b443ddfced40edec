/**
 * Grounding: does a draft sentence say things the input said?
 *
 * Each sentence's content words (stop words and the note's own frame vocabulary dropped: "client",
 * "session", "reported", "explored", "validated", …) are looked up in the input after light stemming
 * ("slept" = "sleeping" = "sleep"), a small synonym table ("worried" ~ "anxious", "mom" ~ "mother"),
 * number normalisation ("seven" = "7") and a close-prefix rule ("frustration" ~ "frustrated").
 *
 * Two rules mark a sentence for review:
 * - a CRITICAL word is unsupported: a person (sister, boss, psychiatrist), a number (ages, doses,
 *   counts, dates), a capitalised name or place mid-sentence, a medication. One invented sibling
 *   is enough; these are the facts a reader will act on.
 * - the sentence is MOSTLY unsupported: at least `unsupportedShare` of its content words (default
 *   half), and at least `minUnsupported` of them (one unmatched paraphrase is not worth a marker); a
 *   short sentence (one or two content words) needs all of them unsupported.
 */
import { STOP_WORDS, stem, tokenise, type Token } from "../text/words";

export interface GroundingOptions {
	/** Share of a sentence's content words that, unsupported, marks it (default 0.5). */
	unsupportedShare: number;
	/** Fewest unsupported words that can mark a sentence by share (default 2). */
	minUnsupported: number;
}

export const GROUNDING_DEFAULTS: GroundingOptions = { unsupportedShare: 0.5, minUnsupported: 2 };

/** The note's frame: words any session note uses that the input need not contain. */
const FRAME_WORDS = (
	"client clients patient pt therapist clinician counselor counsellor writer session sessions therapy therapeutic psychotherapy treatment " +
	"today todays individual scheduled appointment report reported reports reporting state stated states describe described describes " +
	"discuss discussed discussion explore explored exploration express expressed note noted notes share shared identify identified " +
	"indicate indicated mention mentioned talk talked process processed processing review reviewed reflect reflected reflection " +
	"acknowledge acknowledged recognize recognized recognise recognised continue continued continues begin began attend attended " +
	"present presented participate participated engage engaged engagement focus focused focusing address addressed practice practiced " +
	"practise practised plan planned plans goal goals intervention interventions homework assign assigned assignment agree agreed provide " +
	"provided offer offered use used utilize utilized help helped helping validate validated validation encourage encouraged invite " +
	"invited guide guided facilitate facilitated explain explained psychoeducation clarify clarified summarize summarized summarise " +
	"summarised normalize normalized normalise normalised reframe reframed reframing empathic empathy reflective listening support " +
	"supported supportive check follow next additionally further overall various several current currently recent recently approximately " +
	"regarding related including around observe observed respond responded response area areas topic topics theme themes experience " +
	"experienced experiences appear appeared appears seem seemed seems data assessment subjective objective behavior behaviour narrative " +
	"summary weekly ongoing progress session's client's clinician's therapist's unclear transcript remain remained remains time times " +
	"demonstrate demonstrated demonstrates display displayed displays show showed shows receptive open openness willing willingness " +
	"able ability consider considered considering elicit elicited prompt prompted ask asked asking " +
	"response responses able given give towards relate relating using uses"
)
	.split(/\s+/)
	.map(stem);
const FRAME = new Set(FRAME_WORDS);

/** Capitalised words that are not names. */
const NOT_NAMES = new Set(
	"i client therapist clinician self ifs cbt dbt act emdr mi sfbt ipt cpt pe soap dap birp session subjective objective assessment plan data behavior behaviour intervention response note notes unclear transcript".split(
		" ",
	),
);

/** People a sentence can invent: the draft word and the input words that support it. */
const KIN_SPEC: Record<string, string> = {
	sibling: "sibling sister brother sis bro twin",
	siblings: "sibling sister brother sis bro twin",
	sister: "sister sis stepsister",
	brother: "brother bro stepbrother",
	mother: "mother mom mum mommy mama stepmother stepmom",
	father: "father dad daddy papa stepfather stepdad",
	parent: "parent mother father mom mum dad stepmother stepfather stepmom stepdad",
	husband: "husband hubby spouse",
	wife: "wife spouse",
	spouse: "spouse husband wife",
	partner: "partner husband wife boyfriend girlfriend spouse fiance fiancee bf gf",
	boyfriend: "boyfriend bf",
	girlfriend: "girlfriend gf",
	fiance: "fiance fiancee",
	son: "son",
	daughter: "daughter",
	child: "child kid son daughter baby toddler",
	kid: "child kid son daughter baby toddler",
	baby: "baby",
	grandmother: "grandmother grandma granny nana",
	grandma: "grandmother grandma granny nana",
	grandfather: "grandfather grandpa granddad",
	grandpa: "grandfather grandpa granddad",
	grandparent: "grandparent grandmother grandma grandfather grandpa",
	aunt: "aunt auntie",
	uncle: "uncle",
	cousin: "cousin",
	niece: "niece",
	nephew: "nephew",
	friend: "friend buddy bestie pal",
	boss: "boss supervisor manager",
	supervisor: "supervisor boss manager",
	coworker: "coworker colleague",
	colleague: "colleague coworker",
	roommate: "roommate flatmate housemate",
	neighbor: "neighbor neighbour",
	neighbour: "neighbor neighbour",
	teacher: "teacher",
	doctor: "doctor physician gp dr psychiatrist",
	psychiatrist: "psychiatrist",
	stepmother: "stepmother stepmom",
	stepfather: "stepfather stepdad",
	ex: "ex",
	family: "family mother father mom dad parent sister brother sibling",
};
const KIN = new Map<string, Set<string>>(Object.entries(KIN_SPEC).map(([k, v]) => [stem(k), new Set(v.split(" ").map(stem))]));

/** Medications, substances and weighty events: one unsupported is enough to mark a sentence. */
const CRITICAL_TERMS = new Set(
	(
		"sertraline zoloft fluoxetine prozac escitalopram lexapro citalopram celexa paroxetine paxil bupropion wellbutrin venlafaxine effexor " +
		"duloxetine cymbalta mirtazapine remeron trazodone buspirone buspar hydroxyzine propranolol prazosin gabapentin alprazolam xanax " +
		"lorazepam ativan clonazepam klonopin diazepam valium quetiapine seroquel aripiprazole abilify olanzapine zyprexa risperidone risperdal " +
		"lithium lamotrigine lamictal valproate depakote adderall ritalin methylphenidate vyvanse zolpidem ambien melatonin naltrexone " +
		"suboxone buprenorphine methadone antidepressant antidepressants ssri ssris benzodiazepine benzodiazepines benzo benzos stimulant mg " +
		// Substances: clinically weighty and easily invented.
		"alcohol drink drinking drank drunk drinks beer beers wine liquor vodka whiskey booze cannabis marijuana weed thc edibles cocaine coke meth " +
		"opioid opioids heroin fentanyl vape vaping nicotine cigarette cigarettes smoking smoke " +
		// Medical and life events: facts a reader acts on.
		"cancer stroke diabetes surgery hospital hospitalized hospitalised pregnant pregnancy miscarriage divorce divorced arrested arrest " +
		"jail prison fired evicted eviction accident"
	)
		.split(" ")
		.map(stem),
);

const SYNONYM_SPEC = [
	"anxiety anxious nervous worry worried worries worrying panic panicky stress stressed distress distressed uneasy tense fear pressure",
	"sad sadness down depressed depression low unhappy blue hopeless miserable",
	"angry anger mad furious frustrated frustration irritated irritable annoyed rage",
	"sleep slept asleep insomnia awake nightmare nightmares bed night nights rest",
	"tired exhausted exhaustion fatigue fatigued drained",
	"eat eating ate food meal meals appetite binge binging bingeing snack",
	"job work office career employment workplace shift",
	"fear afraid scared frightened terrified fearful",
	"alone lonely loneliness isolated isolation isolating",
	"cry crying cried tears tearful sobbing wept",
	"overwhelm overwhelmed overwhelming swamped flooded",
	"argument argue argued fight fought conflict yelled yelling shouting",
	"drink drinking drank alcohol beer wine drunk",
	"shame ashamed embarrassed humiliated humiliation",
	"guilt guilty",
	"calm relaxed settled peaceful grounded",
	"exercise walk walking run running gym workout",
	"happy glad good great pleased joy",
	"hard difficult difficulty struggle struggling tough challenging challenge",
	"critic critical criticize criticise judge judging harsh",
	"avoid avoidance avoided avoiding procrastinate procrastinating procrastination",
	"childhood kid child little young younger",
	"improve improved improvement better",
	"journal journaling write writing wrote diary",
	"home house apartment flat",
	"school class classes college university exam exams",
	"money financial finances bills debt rent",
	"hurt pain painful ache",
	"memory memories remember remembered recall",
	"body chest stomach throat shoulders",
	"protect protective protector protecting",
	"young little age",
	"reduce reduced reduction decrease decreased drop dropped lower lowered less lessen down",
	"intensity intense strong strength loud severity",
	"grief grieve grieving loss bereavement funeral died death passed mourning",
];
const SYNONYMS = new Map<string, number[]>();
SYNONYM_SPEC.forEach((line, i) => {
	for (const w of line.split(" ")) {
		const s = stem(w);
		SYNONYMS.set(s, [...(SYNONYMS.get(s) ?? []), i]);
	}
});

export interface SupportIndex {
	stems: Set<string>;
	/** Every prefix (4+ chars, at most 4 shorter) of every stem: "frustr" supports "frustrat". */
	prefixes: Set<string>;
	numbers: Set<number>;
	groups: Set<number>;
}

export function buildSupportIndex(...texts: string[]): SupportIndex {
	const index: SupportIndex = { stems: new Set(), prefixes: new Set(), numbers: new Set(), groups: new Set() };
	for (const text of texts) {
		for (const t of tokenise(text)) {
			index.stems.add(t.stem);
			index.stems.add(t.lower);
			if (t.number !== null) index.numbers.add(t.number);
			for (const g of SYNONYMS.get(t.stem) ?? []) index.groups.add(g);
			for (let n = Math.max(4, t.stem.length - 4); n < t.stem.length; n++) index.prefixes.add(t.stem.slice(0, n));
		}
	}
	return index;
}

function stemSupported(s: string, index: SupportIndex): boolean {
	if (index.stems.has(s)) return true;
	if (s.length >= 4 && index.prefixes.has(s)) return true;
	for (let n = Math.max(4, s.length - 4); n < s.length; n++) if (index.stems.has(s.slice(0, n))) return true;
	return false;
}

function supported(t: Token, index: SupportIndex): boolean {
	if (t.number !== null) return index.numbers.has(t.number);
	const kin = KIN.get(t.stem);
	if (kin) {
		for (const k of kin) if (index.stems.has(k)) return true;
		return false;
	}
	if (index.stems.has(t.lower) || stemSupported(t.stem, index)) return true;
	for (const g of SYNONYMS.get(t.stem) ?? []) if (index.groups.has(g)) return true;
	return false;
}

function isCritical(t: Token): boolean {
	if (t.number !== null) return true;
	if (KIN.has(t.stem) && t.stem !== stem("family")) return true;
	if (CRITICAL_TERMS.has(t.stem)) return true;
	return t.capitalisedMidSentence && !NOT_NAMES.has(t.lower);
}

export interface GroundingResult {
	/** Content words counted (as written). */
	content: string[];
	/** Content words with no support in the input. */
	unsupported: string[];
	/** Unsupported words that alone mark the sentence: people, numbers, names, medications. */
	critical: string[];
	ratio: number;
	flagged: boolean;
}

/** Removes what is not the model's own claim: quotes (checked separately), markers, "[unclear in transcript]", markdown, "Label:" prefixes. */
export function groundingText(sentence: string): string {
	return sentence
		.replace(/==\[review:[^\]\n]*\]==/g, " ")
		.replace(/\[unclear[^\]]*\]/gi, " ")
		.replace(/“[^”]*”|"[^"]*"/g, " ")
		.replace(/\[\[([^\]|]*)(?:\|([^\]]*))?\]\]/g, (_m, a: string, b?: string) => b ?? a)
		.replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
		.replace(/[*_`~]+/g, "")
		.replace(/^\s*[\p{L} /&()-]{1,40}:\s+/u, "");
}

/** The content words' keys of a text (stems; "#7" for numbers), as grounding counts them, with whether each is critical. */
export function contentKeys(text: string): { key: string; critical: boolean }[] {
	const out: { key: string; critical: boolean }[] = [];
	const seen = new Set<string>();
	for (const t of tokenise(groundingText(text))) {
		if (t.number === null && (STOP_WORDS.has(t.lower) || FRAME.has(t.stem) || t.lower.length < 2)) continue;
		if (t.number === null && /^\p{N}/u.test(t.lower)) continue;
		const key = t.number !== null ? `#${t.number}` : t.stem;
		if (seen.has(key)) continue;
		seen.add(key);
		out.push({ key, critical: isCritical(t) });
	}
	return out;
}

/** Whether one content key is supported by an index (see contentKeys). */
export function keySupported(key: string, index: SupportIndex): boolean {
	if (key.startsWith("#")) return index.numbers.has(Number(key.slice(1)));
	const kin = KIN.get(key);
	if (kin) return [...kin].some((k) => index.stems.has(k));
	if (index.stems.has(key) || stemSupported(key, index)) return true;
	for (const g of SYNONYMS.get(key) ?? []) if (index.groups.has(g)) return true;
	return false;
}

export function checkGrounding(sentence: string, index: SupportIndex, options: GroundingOptions = GROUNDING_DEFAULTS): GroundingResult {
	const content: string[] = [];
	const unsupported: string[] = [];
	const critical: string[] = [];
	const seen = new Set<string>();
	for (const t of tokenise(groundingText(sentence))) {
		if (t.number === null && (STOP_WORDS.has(t.lower) || FRAME.has(t.stem) || t.lower.length < 2)) continue;
		if (t.number === null && /^\p{N}/u.test(t.lower)) continue;
		const key = t.number !== null ? `#${t.number}` : t.stem;
		if (seen.has(key)) continue;
		seen.add(key);
		content.push(t.raw);
		if (supported(t, index)) continue;
		unsupported.push(t.raw);
		if (isCritical(t)) critical.push(t.raw);
	}
	const ratio = content.length === 0 ? 0 : unsupported.length / content.length;
	const byRatio =
		content.length <= 2
			? content.length > 0 && unsupported.length === content.length
			: unsupported.length >= options.minUnsupported && ratio >= options.unsupportedShare;
	return { content, unsupported, critical, ratio, flagged: critical.length > 0 || byRatio };
}
