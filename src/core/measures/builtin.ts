/**
 * The built-in measures, as data: PHQ-9, GAD-7, PCL-5 and the two-item screens PHQ-2 and GAD-2.
 * Every item text, answer label, band, threshold and licence below is transcribed from a source
 * named beside it; nothing here is interpreted or scored (scoring.ts does that, by code).
 *
 * Wording: the item and stem texts are those of the forms the developers distribute (Pfizer's
 * PHQ-9 and GAD-7 forms at phqscreeners.com; the National Center for PTSD's PCL-5 standard form at
 * ptsd.va.gov). Marking instructions meant for paper ("Use ✔ to indicate your answer", "circle one
 * of the numbers to the right") are left out: on screen the answer control is the instruction.
 *
 * Why the ORS and SRS are not built in. The Outcome Rating Scale and Session Rating Scale
 * (Miller, Duncan and colleagues; feedback-informed treatment, FIT / PCOMS) are copyrighted and
 * licensed, not public domain:
 *  - Miller & Bargmann (2012), "The ORS and the SRS", Integrating Science and Practice 2(2):28
 *    (Ordre des psychologues du Québec): "Individual clinicians may download the scales
 *    free-of-charge after registering online" at scottdmiller.com; scottdmiller.com has a separate
 *    "FIT Measures Licensing" page for everyone else.
 *  - The PCOMS International binding licence agreement that comes with the downloaded scales
 *    (Barry L. Duncan, Heart and Soul of Change Project) licenses "your individual use only"; "any
 *    use of these measures by an agency, group practice, clinic, managed behavioral care
 *    organization, or government requires separate application for a group license and payment of
 *    appropriate fees"; "the measures" means "any and all paper and pencil or electronic versions";
 *    "any and all electronic versions or scoring products associated with the measures may NOT be
 *    copied, transmitted, or distributed"; the licensee may NOT "modify ... change the context,
 *    wording, or organization of the measures", and may put them only into "other written,
 *    non-electronic, non-computerized, non-automated formats".
 * So a free individual licence covers paper use by the registered clinician; an electronic version
 * inside software (this plugin) needs a licence from the copyright holders, and shipping the items
 * here would be distribution of an electronic version. A clinician who holds a licence that allows
 * it can add their own definition as YAML (measures/<id>.yaml), as with any other measure.
 *
 * Missing answers (proration). Only set where an authoritative source gives a rule; none was found:
 *  - PHQ-9, GAD-7, PHQ-2, GAD-2: the developers' instruction manual (Pfizer, "Instructions for
 *    Patient Health Questionnaire (PHQ) and GAD-7 Measures") and the validation papers give no
 *    missing-item rule. Some third parties do (the DC/TMD Scoring Manual for Self-Report
 *    Instruments, Ohrbach & Knibbe, allows up to 3 missing PHQ-9 items and up to 2 missing GAD-7
 *    items; some scoring tools prorate the PHQ-9 with up to 2 missing), but none of these is the
 *    developers'.
 *  - PCL-5: the National Center for PTSD's PCL-5 page gives no missing-item rule.
 * So every item must be answered for a total (prorateMaxMissing 0).
 */
import type { MeasureInput } from "./definition";

/** PHQ and GAD-7 forms: the licence statements the developers print. */
const PHQ_LICENCE =
	'Public domain. PHQ instruction manual (Pfizer, phqscreeners.com): "All of the measures included in Table 1 are in the public domain. No permission is required to reproduce, translate, display or distribute." Form footer: "Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, with an educational grant from Pfizer Inc. No permission required to reproduce, translate, display or distribute."';

/** The answers of every PHQ and GAD item (PHQ-9 and GAD-7 forms; Kroenke et al. 2001, Spitzer et al. 2006). */
const FREQUENCY_OPTIONS: MeasureInput["options"] = [
	{ value: 0, label: "Not at all" },
	{ value: 1, label: "Several days" },
	{ value: 2, label: "More than half the days" },
	{ value: 3, label: "Nearly every day" },
];

/** Stem of the PHQ-9 form (Pfizer). */
const PHQ9_STEM = "Over the last 2 weeks, how often have you been bothered by any of the following problems?";

/** Items of the PHQ-9 form (Pfizer), in order; ids are the item numbers. */
const PHQ9_ITEMS: MeasureInput["items"] = [
	{ id: "1", text: "Little interest or pleasure in doing things" },
	{ id: "2", text: "Feeling down, depressed, or hopeless" },
	{ id: "3", text: "Trouble falling or staying asleep, or sleeping too much" },
	{ id: "4", text: "Feeling tired or having little energy" },
	{ id: "5", text: "Poor appetite or overeating" },
	{ id: "6", text: "Feeling bad about yourself — or that you are a failure or have let yourself or your family down" },
	{ id: "7", text: "Trouble concentrating on things, such as reading the newspaper or watching television" },
	{
		id: "8",
		text: "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so fidgety or restless that you have been moving around a lot more than usual",
	},
	{ id: "9", text: "Thoughts that you would be better off dead or of hurting yourself in some way" },
];

/**
 * Stem of the GAD-7 form (Pfizer). The form reads "by the following problems" (the PHQ-9's reads
 * "by any of the following problems").
 */
const GAD7_STEM = "Over the last 2 weeks, how often have you been bothered by the following problems?";

/**
 * Items of the GAD-7 form (Pfizer), in order. Many reproductions print item 1 with a serial comma
 * ("Feeling nervous, anxious, or on edge") and item 7 as "Feeling afraid, as if ..."; the
 * distributed form has neither comma, as here.
 */
const GAD7_ITEMS: MeasureInput["items"] = [
	{ id: "1", text: "Feeling nervous, anxious or on edge" },
	{ id: "2", text: "Not being able to stop or control worrying" },
	{ id: "3", text: "Worrying too much about different things" },
	{ id: "4", text: "Trouble relaxing" },
	{ id: "5", text: "Being so restless that it is hard to sit still" },
	{ id: "6", text: "Becoming easily annoyed or irritable" },
	{ id: "7", text: "Feeling afraid as if something awful might happen" },
];

/**
 * Screen bands shared by PHQ-2 and GAD-2 (cut-point 3 in both validation papers). The two screens
 * are the first two items of the PHQ-9 and GAD-7 and are given here with their parent form's stem.
 */
const SCREEN_BANDS: MeasureInput["bands"] = [
	{ min: 0, max: 2, label: "Negative screen" },
	{ min: 3, max: 6, label: "Positive screen" },
];

const PHQ9: MeasureInput = {
	id: "phq9",
	name: "PHQ-9",
	title: "Patient Health Questionnaire-9",
	source: 'Kroenke K, Spitzer RL, Williams JBW. The PHQ-9: validity of a brief depression severity measure. J Gen Intern Med 2001;16(9):606–613. Items and stem: the PHQ-9 form (Pfizer, phqscreeners.com). Bands: Kroenke et al. 2001 (scores of 5, 10, 15 and 20 mark mild, moderate, moderately severe and severe; 0–4 is the lowest band, named "None-minimal" in the PHQ instruction manual, Table 4). The form\'s unscored difficulty question is not included.',
	licence: PHQ_LICENCE,
	instructions: PHQ9_STEM,
	options: FREQUENCY_OPTIONS,
	items: PHQ9_ITEMS,
	scoring: { method: "sum", prorateMaxMissing: 0 },
	bands: [
		{ min: 0, max: 4, label: "Minimal" },
		{ min: 5, max: 9, label: "Mild" },
		{ min: 10, max: 14, label: "Moderate" },
		{ min: 15, max: 19, label: "Moderately severe" },
		{ min: 20, max: 27, label: "Severe" },
	],
	alerts: [{ item: "9", atLeast: 1, label: "Item 9 (thoughts of being better off dead or of self-harm) answered above 0: clinician to review" }],
	reliableChange: {
		points: 6,
		source: "NHS Talking Therapies for anxiety and depression manual (NHS England and NCCMH; called the Improving Access to Psychological Therapies (IAPT) Manual before 2023): reliable improvement or deterioration on the PHQ-9 is a change of 6 points or more, the change that exceeds the measure's measurement error.",
	},
	clinicalCutoff: {
		below: 10,
		source: "NHS Talking Therapies manual: caseness is a PHQ-9 score of 10 or more, and recovery is a move from caseness to below 10. The same point is the cut-off for major depression in Kroenke, Spitzer & Williams 2001 (J Gen Intern Med 16:606–613): a score of 10 or more had 88% sensitivity and 88% specificity.",
	},
	higherIsWorse: true,
};

const GAD7: MeasureInput = {
	id: "gad7",
	name: "GAD-7",
	title: "Generalized Anxiety Disorder 7-item scale",
	source: "Spitzer RL, Kroenke K, Williams JBW, Löwe B. A brief measure for assessing generalized anxiety disorder: the GAD-7. Arch Intern Med 2006;166(10):1092–1097. Items and stem: the GAD-7 form (Pfizer, phqscreeners.com). Bands: Spitzer et al. 2006 (scores of 5, 10 and 15 mark mild, moderate and severe anxiety). The form's unscored difficulty question is not included.",
	licence: PHQ_LICENCE,
	instructions: GAD7_STEM,
	options: FREQUENCY_OPTIONS,
	items: GAD7_ITEMS,
	scoring: { method: "sum", prorateMaxMissing: 0 },
	bands: [
		{ min: 0, max: 4, label: "Minimal" },
		{ min: 5, max: 9, label: "Mild" },
		{ min: 10, max: 14, label: "Moderate" },
		{ min: 15, max: 21, label: "Severe" },
	],
	reliableChange: {
		points: 4,
		source: "NHS Talking Therapies for anxiety and depression manual (NHS England and NCCMH; called the IAPT Manual before 2023): reliable improvement or deterioration on the GAD-7 is a change of 4 points or more, the change that exceeds the measure's measurement error.",
	},
	clinicalCutoff: {
		below: 8,
		source: "NHS Talking Therapies manual: caseness is a GAD-7 score of 8 or more, recovery a move to below 8. Chosen over Spitzer et al. 2006's screening point (10 or more: 89% sensitivity, 82% specificity for GAD) because the 4-point reliable change comes from the same framework, so reliable recovery uses one consistent pair. Scores of 8 and 9 are in the mild band.",
	},
	higherIsWorse: true,
};

/**
 * PCL-5 bands. The National Center for PTSD gives no severity bands, only a provisional cut-point
 * somewhere in 31–33, to be chosen by purpose (a lower one for screening, a higher one for a
 * provisional diagnosis); the Australian comorbidity guidelines' PCL-5 page says the same: "There
 * are currently no empirically derived severity ranges for the PCL-5". The bands therefore say only
 * where a total lies relative to that range, without choosing a point in it.
 */
const PCL5: MeasureInput = {
	id: "pcl5",
	name: "PCL-5",
	title: "PTSD Checklist for DSM-5",
	source: 'Weathers FW, Litz BT, Keane TM, Palmieri PA, Marx BP, Schnurr PP. The PTSD Checklist for DSM-5 (PCL-5), 2013; National Center for PTSD, ptsd.va.gov (items, answers and instructions: the PCL-5 standard form). Blevins CA, Weathers FW, Davis MT, Witte TK, Domino JL. J Trauma Stress 2015;28(6):489–498. Cut-point range 31–33: National Center for PTSD, PCL-5 page ("a PCL-5 cutoff score between 31-33 is indicative of probable PTSD across samples"); Bovin MJ et al. Psychol Assess 2016;28(11):1379–1391.',
	licence:
		"Public domain: developed by staff of the U.S. Department of Veterans Affairs National Center for PTSD (a work of the U.S. Government, not copyrighted); free to download and use from ptsd.va.gov.",
	instructions:
		"Below is a list of problems that people sometimes have in response to a very stressful experience. In the past month, how much were you bothered by:",
	options: [
		{ value: 0, label: "Not at all" },
		{ value: 1, label: "A little bit" },
		{ value: 2, label: "Moderately" },
		{ value: 3, label: "Quite a bit" },
		{ value: 4, label: "Extremely" },
	],
	items: [
		{ id: "1", text: "Repeated, disturbing, and unwanted memories of the stressful experience?" },
		{ id: "2", text: "Repeated, disturbing dreams of the stressful experience?" },
		{
			id: "3",
			text: "Suddenly feeling or acting as if the stressful experience were actually happening again (as if you were actually back there reliving it)?",
		},
		{ id: "4", text: "Feeling very upset when something reminded you of the stressful experience?" },
		{
			id: "5",
			text: "Having strong physical reactions when something reminded you of the stressful experience (for example, heart pounding, trouble breathing, sweating)?",
		},
		{ id: "6", text: "Avoiding memories, thoughts, or feelings related to the stressful experience?" },
		{
			id: "7",
			text: "Avoiding external reminders of the stressful experience (for example, people, places, conversations, activities, objects, or situations)?",
		},
		{ id: "8", text: "Trouble remembering important parts of the stressful experience?" },
		{
			id: "9",
			text: "Having strong negative beliefs about yourself, other people, or the world (for example, having thoughts such as: I am bad, there is something seriously wrong with me, no one can be trusted, the world is completely dangerous)?",
		},
		{ id: "10", text: "Blaming yourself or someone else for the stressful experience or what happened after it?" },
		{ id: "11", text: "Having strong negative feelings such as fear, horror, anger, guilt, or shame?" },
		{ id: "12", text: "Loss of interest in activities that you used to enjoy?" },
		{ id: "13", text: "Feeling distant or cut off from other people?" },
		{
			id: "14",
			text: "Trouble experiencing positive feelings (for example, being unable to feel happiness or have loving feelings for people close to you)?",
		},
		{ id: "15", text: "Irritable behavior, angry outbursts, or acting aggressively?" },
		{ id: "16", text: "Taking too many risks or doing things that could cause you harm?" },
		{ id: "17", text: 'Being "superalert" or watchful or on guard?' },
		{ id: "18", text: "Feeling jumpy or easily startled?" },
		{ id: "19", text: "Having difficulty concentrating?" },
		{ id: "20", text: "Trouble falling or staying asleep?" },
	],
	scoring: { method: "sum", prorateMaxMissing: 0 },
	bands: [
		{ min: 0, max: 30, label: "Below the provisional PTSD cut-off range (31–33)" },
		{ min: 31, max: 33, label: "Within the provisional PTSD cut-off range (31–33)" },
		{ min: 34, max: 80, label: "Above the provisional PTSD cut-off range (31–33)" },
	],
	reliableChange: {
		points: 10,
		source: "National Center for PTSD, PCL-5 page (ptsd.va.gov): evidence for the DSM-IV PCL suggests a 5–10 point change is reliable change and 10–20 points clinically significant change. 10 is used, the top of that range, so a change counted as reliable is reliable on every value in it. PCL-5 estimates in male veterans are higher (reliable change 15 and 18 points: Marx BP et al. Psychol Assess 2022;34(2):197–203).",
	},
	clinicalCutoff: {
		below: 31,
		source: "National Center for PTSD, PCL-5 page: a cut-point between 31 and 33 indicates probable PTSD (Bovin et al. 2016). 31, the bottom of that range, is used, so a total counted as below the cut-off is below it on every value in the range.",
	},
	higherIsWorse: true,
};

const PHQ2: MeasureInput = {
	id: "phq2",
	name: "PHQ-2",
	title: "Patient Health Questionnaire-2",
	source: "Kroenke K, Spitzer RL, Williams JBW. The Patient Health Questionnaire-2: validity of a two-item depression screener. Med Care 2003;41(11):1284–1292. The PHQ-2 is the first two items of the PHQ-9, with the same answers; a score of 3 or more is a positive screen (83% sensitivity, 92% specificity for major depression). A screen, not a change measure: no reliable-change value or clinical cut-off for change is given.",
	licence: PHQ_LICENCE,
	instructions: PHQ9_STEM,
	options: FREQUENCY_OPTIONS,
	items: PHQ9_ITEMS.slice(0, 2),
	scoring: { method: "sum", prorateMaxMissing: 0 },
	bands: SCREEN_BANDS,
	higherIsWorse: true,
};

const GAD2: MeasureInput = {
	id: "gad2",
	name: "GAD-2",
	title: "Generalized Anxiety Disorder 2-item scale",
	source: "Kroenke K, Spitzer RL, Williams JBW, Monahan PO, Löwe B. Anxiety disorders in primary care: prevalence, impairment, comorbidity, and detection. Ann Intern Med 2007;146(5):317–325. The GAD-2 is the first two items of the GAD-7, with the same answers; a score of 3 or more is a positive screen. A screen, not a change measure: no reliable-change value or clinical cut-off for change is given.",
	licence: PHQ_LICENCE,
	instructions: GAD7_STEM,
	options: FREQUENCY_OPTIONS,
	items: GAD7_ITEMS.slice(0, 2),
	scoring: { method: "sum", prorateMaxMissing: 0 },
	bands: SCREEN_BANDS,
	higherIsWorse: true,
};

export const BUILTIN_MEASURES: readonly MeasureInput[] = [PHQ9, GAD7, PCL5, PHQ2, GAD2];
