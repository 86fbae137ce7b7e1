/**
 * What the local generator knows about each language it writes cards in: how to recognise the language, its
 * function words, months and units, the verbs that introduce a definition or a name, and its question templates.
 * Small word lists, not a model: enough to find the facts of an informative text and to ask in its language.
 */

/** A language the local generator writes cards in. */
export type Language = "en" | "pl" | "de" | "es";
/** The languages the local provider writes questions in. */
export const LANGUAGES: readonly Language[] = ["en", "pl", "de", "es"];

const words = (list: string) => new Set(list.split(" "));

/** Frequent words that are almost only found in one of the four languages. */
const MARKERS: Record<Language, Set<string>> = {
  en: words("the and of is are was were with that which this from by has have it its"),
  pl: words("się jest są oraz że w na nie przez był była było do od jego ich który która które to"),
  de: words("der die das und ist sind nicht mit von den dem ein eine einer wurde war auch sich im zum zur des"),
  es: words("el la los las que y en por con una es son del se fue su sus al como para"),
};
const LETTERS: Record<Language, RegExp> = {
  en: /(?!)/gu,
  pl: /[ąćęłńśźż]/gu,
  de: /[äöüß]/gu,
  es: /[ñ¿¡áéíóú]/gu,
};

/** The language of a text from its word counts and letters; English when nothing stands out. */
export function detectLanguage(text: string, counts: ReadonlyMap<string, number>): Language {
  let best: Language = "en";
  let bestScore = 0;
  for (const language of LANGUAGES) {
    let score = 0;
    for (const marker of MARKERS[language]) score += counts.get(marker) ?? 0;
    score += Math.floor((text.match(LETTERS[language])?.length ?? 0) / 4);
    if (score > bestScore) {
      best = language;
      bestScore = score;
    }
  }
  return best;
}

/** Function words: never an answer on their own, never the start of a term. */
export const STOPWORDS: Record<Language, Set<string>> = {
  en: words(
    "a an the and or but nor if of in on at by for from to with without into onto over under about as is are was were be been being it its this that these those there here he she they we you i his her their our your not no so than then also very more most many much some any all each every which who whom whose what when where why how do does did has have had can could may might must shall should will would one two three first second after before during while until since because although though however today often around about nearly almost only just even still such other another both either neither same own",
  ),
  pl: words(
    "i a o u w we z ze na do od po za przy przez dla bez pod nad przed między oraz lub albo ale czy że to ten ta te tym tego tej tych ci jest są był była było byli były być się nie tak jak już też także również bardzo jego jej ich on ona ono oni one który która które którzy którego której których co kto gdzie kiedy jeden jedna jedno dwa dwie tu tam tutaj około ponad wśród według podczas jednak tylko jeszcze swoje swój swoją",
  ),
  de: words(
    "der die das den dem des ein eine einer eines einem einen und oder aber doch wenn als wie in im an am auf aus bei beim mit nach von vom zu zum zur für über unter vor durch um ist sind war waren sein seine seiner seinem seinen ihre ihrer ihrem ihren wird werden wurde wurden hat haben hatte hatten es er sie wir ihr ich nicht kein keine auch sehr mehr noch nur so dass welche welcher welches wer was wo wann warum dort hier heute etwa rund zwei drei ab bis seit sich zwischen gegen ohne neben hinter wegen während innerhalb außerhalb trotz diese dieser dieses diesen jede jeder jedes",
  ),
  es: words(
    "el la los las un una unos unas y o u e ni pero si de del al a en con sin por para sobre entre hasta desde es son era eran fue fueron ser está están ha han había se su sus lo le les que quien quienes cual cuales cuando donde como muy más menos también no este esta estos estas ese esa esos esas eso uno dos tres cada otro otra otros otras mismo misma tras ante según algunos algunas varios varias muchos muchas todos todas",
  ),
};

/**
 * Words that introduce a name or a term ("called cristae", "zwane stawami", "sogenannte Todesstreifen",
 * "llamada JOIN"): what follows them is what the sentence teaches.
 */
export const NAMING_CUES: Record<Language, Set<string>> = {
  en: words("called named termed dubbed"),
  pl: words(
    "zwane zwany zwana zwanej zwanego zwanych zwanymi zwaną nazywane nazywany nazywana nazywanej nazywanego nazywanych nazywaną nazywanym nazwie tzw. czyli",
  ),
  de: words("genannt genannte genannten sogenannte sogenannten sogenannter sogenanntes heißen heißt hieß"),
  es: words("llamado llamada llamados llamadas denominado denominada denominados denominadas llama llaman nombre"),
};
/** Two-word cues ("known as", "conocido como", "bekannt als"). */
export const NAMING_PAIRS: Record<Language, Set<string>> = {
  en: words("known_as referred_to"),
  pl: words("znany_jako znana_jako znane_jako"),
  de: words("bekannt_als bezeichnet_als"),
  es: words("conocido_como conocida_como conocidos_como conocidas_como nombre_de"),
};

/** Month names per language, as a regex alternation (dates make "When …?" questions). */
export const MONTHS: Record<Language, string> = {
  en: "January|February|March|April|May|June|July|August|September|October|November|December",
  pl: "stycznia|lutego|marca|kwietnia|maja|czerwca|lipca|sierpnia|września|października|listopada|grudnia",
  de: "Januar|Jänner|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember",
  es: "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre",
};

/** Scale words a number keeps ("2,7 Millionen", "41 quadrillion"). */
export const SCALES =
  "thousand|million|billion|trillion|quadrillion|tys\\.|tysięcy|mln|mld|milionów|miliony|miliardów|Tausend|Millionen|Million|Milliarden|Milliarde|mil|millones|millón|billones";

/** Units a number keeps, so the blank holds the whole quantity ("2499 metrów", "155 Kilometer", "2 %"). */
export const UNITS = [
  "percent|per cent|kilometres|kilometers|kilometre|kilometer|metres|meters|metre|meter|km|cm|mm|kg|grams|tonnes|tons|hectares|miles|feet|degrees|years|months|weeks|days|hours|minutes|seconds|bytes|bits|base pairs|genes|towns|members|times",
  "procent|procentach|kilometrów|kilometry|metrów|metry|metra|hektarów|hektary|lat|lata|dni|godzin|minut|stopni|osób|mg/dl",
  "Prozent|Kilometern|Kilometer|Metern|Meter|Hektar|Jahren|Jahre|Monaten|Wochen|Tagen|Tage|Stunden|Grad|Kinder|Tieren|Menschen|Stück",
  "por ciento|kilómetros|metros|hectáreas|años|meses|semanas|días|horas|grados|artículos|euros|diputados|personas",
].join("|");

/** Number words that count something ("sechs Wochen", "siete diputados"), 2–20 in each language. */
export const NUMBER_WORDS = words(
  "two three four five six seven eight nine ten eleven twelve fifteen twenty dwa dwie trzy cztery pięć sześć siedem osiem dziewięć dziesięć dwanaście dwadzieścia zwei drei vier fünf sechs sieben acht neun zehn elf zwölf zwanzig dos tres cuatro cinco seis siete ocho nueve diez once doce quince diecisiete veinte",
);

/** Lower-case connectors inside a multi-word name ("Karl von Frisch", "Congreso de los Diputados"). */
export const NAME_CONNECTORS: Record<Language, string> = {
  en: "of the|of|de|da|van|von|al|bin|ibn|del",
  pl: "z|von|de",
  de: "von|van|zu|de",
  es: "de los|de las|de la|del|de",
};

/** Abbreviations after which a full stop does not end a sentence. */
export const ABBREVIATIONS = words(
  "e.g. i.e. etc. vs. approx. ca. cf. dr. mr. mrs. ms. st. no. np. m.in. tzw. ok. im. ul. godz. r. w. wg. z.b. bzw. vgl. usw. ca. nr. s. sr. sra. dr. p. ej. etc. núm. aprox.",
);

/** A copula introducing a definition, and the question that asks for it. */
export type Copula = { verb: string; question: (term: string) => string };

/** Per language, the copulas that introduce a definition and the question each one asks. */
export const COPULAS: Record<Language, Copula[]> = {
  en: [
    { verb: "is", question: (t) => `What is ${t}?` },
    { verb: "are", question: (t) => `What are ${t}?` },
    { verb: "was", question: (t) => `What was ${t}?` },
    { verb: "were", question: (t) => `What were ${t}?` },
    { verb: "means", question: (t) => `What does ${t} mean?` },
  ],
  pl: [
    { verb: "jest", question: (t) => `Czym jest ${t}?` },
    { verb: "to", question: (t) => `Czym jest ${t}?` },
    { verb: "są", question: (t) => `Czym są ${t}?` },
    { verb: "był", question: (t) => `Czym był ${t}?` },
    { verb: "była", question: (t) => `Czym była ${t}?` },
    { verb: "było", question: (t) => `Czym było ${t}?` },
    { verb: "były", question: (t) => `Czym były ${t}?` },
    { verb: "oznacza", question: (t) => `Co oznacza ${t}?` },
  ],
  de: [
    { verb: "ist", question: (t) => `Was ist ${t}?` },
    { verb: "sind", question: (t) => `Was sind ${t}?` },
    { verb: "war", question: (t) => `Was war ${t}?` },
    { verb: "waren", question: (t) => `Was waren ${t}?` },
    { verb: "heißt", question: (t) => `Wie heißt ${t}?` },
    { verb: "heißen", question: (t) => `Wie heißen ${t}?` },
    { verb: "bedeutet", question: (t) => `Was bedeutet ${t}?` },
  ],
  es: [
    { verb: "es", question: (t) => `¿Qué es ${t}?` },
    { verb: "son", question: (t) => `¿Qué son ${t}?` },
    { verb: "era", question: (t) => `¿Qué era ${t}?` },
    { verb: "fue", question: (t) => `¿Qué fue ${t}?` },
    { verb: "significa", question: (t) => `¿Qué significa ${t}?` },
  ],
};

/** First words of an answer that mean the sentence is not a definition (passives, adverbs, prepositions). */
export const NOT_A_DEFINITION: Record<Language, Set<string>> = {
  en: words(
    "not then often always never sometimes usually very so too more less most least about almost nearly only just even already there here at in on by for from with to into over under between than as because being been which who what when where why how it this able responsible similar different important common possible likely necessary available popular present related equal due true false difficult easy",
  ),
  pl: words(
    "nie już jeszcze bardzo często zwykle zawsze nigdy wciąż nadal jednak tylko wtedy potem głównie w we z ze na do od po przez dla u o przy za pod nad przed między według podczas około jako to ten ta te on ona ono oni one jego jej ich który która które gdzie kiedy że",
  ),
  de: words(
    "nicht dann oft immer nie manchmal sehr so zu mehr weniger nur schon bereits da dort hier an in auf bei mit von vom zu zum zur nach aus über unter zwischen als wie weil es er sie damals mit rund etwa seit ab bis im am",
  ),
  es: words(
    "no todavía ahora entonces a en de con por para sin sobre entre como que muy más menos solo ya aquí allí él ella ellos ellas lo le se su sus este esta porque cuando donde",
  ),
};

/** Adverbs between a copula and its definition that the answer drops ("ist heute die Varroamilbe"). */
export const SKIPPED_ADVERBS: Record<Language, Set<string>> = {
  en: words("also still now today"),
  pl: words("także też również dziś dzisiaj obecnie"),
  de: words("auch noch nun jetzt heute"),
  es: words("también hoy ahora todavía"),
};

/** Words that cannot start the term of a definition: pronouns, determiners, conjunctions, prepositions. */
export const TERM_STARTERS: Record<Language, Set<string>> = {
  en: words(
    "it this that these those they he she we you i there here its their his her our your such each every some most many all one both another other no none what which who how why when where while if since because although though in on at by for from with during after before according unlike today however then and but or so also yet thus",
  ),
  pl: words(
    "to ten ta te ci tym tego on ona ono oni one jego jej ich tam tu wtedy dziś kiedy gdy jeśli ale i a oraz lub który która które każdy wiele niektóre wszystkie ponieważ dlatego następnie co kto jak w we na z ze do po od przez dla u o przy za pod nad przed według podczas około także również jednak",
  ),
  de: words(
    "es er sie wir ihr ich dies diese dieser dieses dort hier dann heute wenn weil ob und aber oder auch doch jedoch so in im an am auf aus bei mit nach von vom zu zum zur seit während ab bis tatsächlich offiziell danach dabei",
  ),
  es: words(
    "que quien quienes cual él ella ellos ellas esto este esta estos estas eso ese esa lo le se su sus cuando donde si porque y pero o también en de con por para desde hasta tras según cada algunos algunas todos todas muchos muchas hoy",
  ),
};
