/**
 * The local flashcard provider: a deterministic, extractive generator that needs no network, key or model.
 * Definitional sentences ("X is Y") become questions, other informative sentences become cloze cards.
 * Every answer is copied verbatim from the source, so a card never claims what the text does not say.
 */
import { BACK_MAX, characterCount, FRONT_MAX } from "../lib/card-text";
import { hasNoControlCharacters, isWellFormed } from "../lib/text";
import type { Proposal } from "./proposals";
import { MAX_PROPOSALS } from "./proposals";
import type { FlashcardProvider } from "./provider";

export const LOCAL_MODEL = "local-extractive-v1";

type Language = "en" | "pl" | "unknown";

const BLANK = "_____";
const CLOZE_MIN_WORDS = 8;
const CLOZE_MAX_WORDS = 60;
const TERM_MAX_WORDS = 6;
const TERM_MAX_CHARS = 60;
const DEFINITION_MIN_WORDS = 3;
/** Words a cloze front must keep once the blank is removed, or there is nothing to recall from. */
const CLOZE_MIN_CONTEXT_WORDS = 4;
const BACK_MIN_CHARS = 2;
/** The same answer blanked over and over makes a dull deck. */
const MAX_CLOZES_PER_BACK = 2;
const CONTENT_WORD_MIN_REPEATS = 3;
const CONTENT_WORD_MIN_LETTERS = 5;

// Built once: creating a segmenter loads ICU break rules, which costs far more than segmenting.
const SEGMENTERS: Record<Language, Intl.Segmenter> = {
  en: new Intl.Segmenter("en", { granularity: "sentence" }),
  pl: new Intl.Segmenter("pl", { granularity: "sentence" }),
  unknown: new Intl.Segmenter(undefined, { granularity: "sentence" }),
};

const SEGMENT_CHUNK_CHARS = 2000;
const SENTENCE_GAP = /[.!?…]["”’»)]* (?=[\p{Lu}\p{N}"„“«(])/gu;
const WHITESPACE_RUN = /\s+/g;
const WORD = /\p{L}+/gu;
const POLISH_LETTER = /[ąćęłńóśźż]/giu;
const FINAL_PUNCTUATION = /[.!?…]+$/u;
const LEADING_PUNCTUATION = /^[\p{P}\p{S}]*/u;

const LEADING_ARTICLE = /^(?:The|A|An) /u;
const HAS_LETTER = /\p{L}/u;
const CLAUSE_PUNCTUATION = /[,;:()[\]"„”“«»]/u;
const STARTS_WITH_DIGIT = /^\p{N}/u;
const STARTS_WITH_CAPITAL = /^\p{Lu}/u;
const WORD_CHARACTER = /[\p{L}\p{N}'’-]/u;

const ENGLISH_MARKERS = new Set([
  "the",
  "and",
  "of",
  "is",
  "are",
  "was",
  "were",
  "with",
  "that",
  "which",
  "this",
  "from",
]);
const POLISH_MARKERS = new Set([
  "jest",
  "się",
  "w",
  "na",
  "oraz",
  "i",
  "z",
  "nie",
  "do",
  "że",
  "przez",
  "był",
  "była",
  "od",
]);

/** Words a definition's term may not start with: they point elsewhere ("It is…") or open a clause ("In 1543…"). */
const EN_TERM_STARTERS = new Set([
  "it",
  "this",
  "that",
  "these",
  "those",
  "they",
  "he",
  "she",
  "we",
  "you",
  "i",
  "there",
  "here",
  "its",
  "their",
  "his",
  "her",
  "our",
  "your",
  "such",
  "each",
  "every",
  "some",
  "most",
  "many",
  "all",
  "one",
  "both",
  "another",
  "other",
  "no",
  "none",
  "what",
  "which",
  "who",
  "how",
  "why",
  "when",
  "where",
  "while",
  "if",
  "since",
  "because",
  "although",
  "though",
  "in",
  "on",
  "at",
  "by",
  "for",
  "from",
  "with",
  "during",
  "after",
  "before",
  "around",
  "according",
  "unlike",
  "today",
  "however",
  "then",
  "and",
  "but",
  "or",
  "so",
  "also",
  "yet",
  "thus",
]);
const PL_TERM_STARTERS = new Set([
  "to",
  "ten",
  "ta",
  "te",
  "ci",
  "tym",
  "tego",
  "on",
  "ona",
  "ono",
  "oni",
  "one",
  "jego",
  "jej",
  "ich",
  "tam",
  "tu",
  "tutaj",
  "wtedy",
  "dziś",
  "dzisiaj",
  "kiedy",
  "gdy",
  "jeśli",
  "jeżeli",
  "ale",
  "i",
  "a",
  "oraz",
  "lub",
  "który",
  "która",
  "które",
  "każdy",
  "każda",
  "każde",
  "wiele",
  "wielu",
  "niektóre",
  "wszystkie",
  "wszyscy",
  "ponieważ",
  "dlatego",
  "następnie",
  "dopiero",
  "co",
  "kto",
  "jak",
  "w",
  "we",
  "na",
  "z",
  "ze",
  "do",
  "po",
  "od",
  "przez",
  "dla",
  "u",
  "o",
  "przy",
  "za",
  "pod",
  "nad",
  "przed",
  "według",
  "podczas",
  "około",
  "także",
  "również",
  "jednak",
]);
/** Words that cannot sit inside a short noun phrase: a term containing one is really a clause. */
const TERM_BREAKERS = new Set([
  "not",
  "never",
  "that",
  "which",
  "who",
  "whom",
  "whose",
  "it",
  "they",
  "he",
  "she",
  "we",
  "you",
  "nie",
  "który",
  "która",
  "które",
  "którzy",
  "że",
  "się",
]);

/** "The city was a busy port…": a bare generic noun points back at an earlier sentence, it names no concept. */
const GENERIC_NOUNS = new Set([
  "city",
  "country",
  "state",
  "system",
  "process",
  "result",
  "idea",
  "area",
  "region",
  "time",
  "period",
  "group",
  "man",
  "woman",
  "word",
  "book",
  "work",
  "place",
  "method",
  "way",
  "thing",
  "team",
  "company",
  "war",
  "battle",
  "album",
  "song",
  "band",
  "king",
  "people",
  "problem",
  "question",
  "reason",
  "same",
  "latter",
  "former",
  "first",
  "second",
  "last",
  "other",
  "rest",
]);

/** Definition openings that make "What is X?" wrong: passives, adverbs, prepositions, predicate adjectives. */
const EN_NOT_A_DEFINITION = new Set([
  "not",
  "also",
  "still",
  "now",
  "then",
  "often",
  "always",
  "never",
  "sometimes",
  "usually",
  "very",
  "so",
  "too",
  "more",
  "less",
  "most",
  "least",
  "about",
  "almost",
  "nearly",
  "only",
  "just",
  "even",
  "already",
  "there",
  "here",
  "at",
  "in",
  "on",
  "by",
  "for",
  "from",
  "with",
  "to",
  "into",
  "over",
  "under",
  "between",
  "than",
  "as",
  "because",
  "being",
  "been",
  "which",
  "who",
  "what",
  "when",
  "where",
  "why",
  "how",
  "it",
  "this",
  "born",
  "known",
  "made",
  "used",
  "built",
  "found",
  "given",
  "seen",
  "shown",
  "taken",
  "thought",
  "said",
  "held",
  "led",
  "kept",
  "left",
  "lost",
  "sent",
  "sold",
  "spent",
  "told",
  "won",
  "written",
  "broken",
  "chosen",
  "driven",
  "drawn",
  "grown",
  "hidden",
  "spoken",
  "begun",
  "sung",
  "put",
  "set",
  "cut",
  "able",
  "responsible",
  "similar",
  "different",
  "important",
  "common",
  "possible",
  "likely",
  "unlikely",
  "necessary",
  "essential",
  "available",
  "popular",
  "present",
  "absent",
  "related",
  "equal",
  "capable",
  "subject",
  "due",
  "true",
  "false",
  "difficult",
  "easy",
]);
const PL_NOT_A_DEFINITION = new Set([
  "także",
  "też",
  "również",
  "nie",
  "już",
  "jeszcze",
  "bardzo",
  "często",
  "zwykle",
  "zawsze",
  "nigdy",
  "wciąż",
  "nadal",
  "jednak",
  "obecnie",
  "dziś",
  "dzisiaj",
  "tylko",
  "wtedy",
  "potem",
  "głównie",
  "powszechnie",
  "dokładnie",
  "szczególnie",
  "zwłaszcza",
  "prawdopodobnie",
  "ostatecznie",
  "początkowo",
  "później",
  "wcześniej",
  "w",
  "we",
  "z",
  "ze",
  "na",
  "do",
  "od",
  "po",
  "przez",
  "dla",
  "u",
  "o",
  "przy",
  "za",
  "pod",
  "nad",
  "przed",
  "między",
  "według",
  "podczas",
  "około",
  "jako",
  "to",
  "ten",
  "ta",
  "te",
  "on",
  "ona",
  "ono",
  "oni",
  "one",
  "jego",
  "jej",
  "ich",
  "który",
  "która",
  "które",
  "gdzie",
  "kiedy",
  "że",
]);
/** English passives, adverbs and progressives ("is divided", "is widely", "is becoming"). */
const EN_VERBAL_FORM = /^\p{L}{2,}(?:ed|ly|ing)$/u;
/** Polish passive participles ("jest uważane", "jest przechowywany"). */
const PL_PARTICIPLE = /^\p{L}{3,}(?:any|ana|ane|ony|ona|one|ęty|ęta|ęte|yty|yta|yte)$/u;
/** A comparison ("is thinner and denser than…") describes, it does not define. */
const EARLY_THAN = /^(?:\S+ ){1,3}than /u;

type Copula = { words: string[]; question: (term: string) => string };

// Longest phrases first, so "is defined as" is not read as "is" + "defined as".
const EN_COPULAS: Copula[] = [
  { words: ["is", "defined", "as"], question: (term) => `How is ${term} defined?` },
  { words: ["refers", "to"], question: (term) => `What does ${term} refer to?` },
  { words: ["is"], question: (term) => `What is ${term}?` },
  { words: ["are"], question: (term) => `What are ${term}?` },
  { words: ["was"], question: (term) => `What was ${term}?` },
  { words: ["were"], question: (term) => `What were ${term}?` },
  { words: ["means"], question: (term) => `What does ${term} mean?` },
  { words: ["denotes"], question: (term) => `What does ${term} denote?` },
];
const polishSingular = (term: string) => `Czym jest ${term}?`;
const polishPlural = (term: string) => `Czym są ${term}?`;
const PL_COPULAS: Copula[] = [
  ...["jest", "to", "był", "była", "było"].map((word) => ({ words: [word], question: polishSingular })),
  ...["są", "byli", "były"].map((word) => ({ words: [word], question: polishPlural })),
  { words: ["oznacza"], question: (term) => `Co oznacza ${term}?` },
];

const EN_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December";
const PL_MONTHS = "stycznia|lutego|marca|kwietnia|maja|czerwca|lipca|sierpnia|września|października|listopada|grudnia";
const ERA = String.raw`BCE|BC|AD|CE|p\.n\.e\.|n\.e\.`;
const SCALES = "thousand|million|billion|trillion|tys\\.|mln|mld";
const UNITS = [
  "percent",
  "per cent",
  "kilometres",
  "kilometers",
  "centimetres",
  "centimeters",
  "millimetres",
  "millimeters",
  "metres",
  "meters",
  "metre",
  "meter",
  "km",
  "cm",
  "mm",
  "kilograms",
  "kg",
  "grams",
  "tonnes",
  "tons",
  "bytes",
  "byte",
  "bits",
  "bit",
  "years",
  "year",
  "months",
  "weeks",
  "days",
  "hours",
  "minutes",
  "seconds",
  "degrees",
  "miles",
  "feet",
  "inches",
  "procent",
  "kilometrów",
  "centymetrów",
  "milimetrów",
  "metrów",
  "metry",
  "kilogramów",
  "ton",
  "lat",
  "lata",
  "bajtów",
  "bitów",
  "stopni",
  "dni",
  "godzin",
  "minut",
  "sekund",
  "osób",
].join("|");
const UNIT_SUFFIXES = "bit|byte|year|day|hour|minute|second|metre|meter";
const NOT_BEFORE = String.raw`(?<![\p{L}\p{N}.,/-])`;
const NOT_AFTER = String.raw`(?![\p{L}\p{N}]|[.,]\d)`;

/**
 * Years and dates, most specific first: at one position the regex engine takes the first alternative that fits.
 * Every alternative is a fixed sequence of bounded pieces, so matching stays linear.
 */
const DATE = new RegExp(
  NOT_BEFORE +
    "(?:" +
    [
      String.raw`\d{1,2} (?:${EN_MONTHS}|${PL_MONTHS}) \d{1,4}(?: (?:${ERA}))?`,
      String.raw`(?:${EN_MONTHS}) \d{1,2}, \d{3,4}`,
      String.raw`(?:${EN_MONTHS}) (?:\d{1,4} (?:${ERA})|\d{3,4})`,
      String.raw`\d{1,4}(?:–|-| to | and )\d{1,4} (?:${ERA})`,
      String.raw`(?:1\d{3}|20\d{2})[–-]\d{2,4}`,
      String.raw`(?:1\d{3}|20\d{2})(?: to | and )(?:1\d{3}|20\d{2})`,
      String.raw`\d{1,4} (?:${ERA})`,
      String.raw`(?:AD|CE) \d{1,4}`,
      String.raw`\d{3}0s`,
      // A bare year, unless it is an identifier ("RFC 1323") or a quantity ("1500 metres").
      String.raw`(?<!\p{Lu}\p{Lu} )(?:1\d{3}|20\d{2})(?! (?:${SCALES}|${UNITS})(?!\p{L}))`,
    ].join("|") +
    ")" +
    NOT_AFTER,
  "gu",
);

const DIGIT = /\d/;
const NUMBER_BODY = String.raw`(?:\d{1,3}(?:,\d{3})+|\d+(?:[.,]\d+)?)`;
/** A number, an optional range ("2 to 5"), scale ("billion") and unit ("metres", "%", "-bit"). */
const QUANTITY = new RegExp(
  NOT_BEFORE +
    NUMBER_BODY +
    `(?:(?:–|-| to | and )${NUMBER_BODY})?(?: (?:${SCALES}))?(?:%| (?:${UNITS})|-(?:${UNIT_SUFFIXES})s?)?` +
    NOT_AFTER,
  "gu",
);

/** A capitalised word, with inner hyphens and apostrophes ("Mid-Atlantic", "O’Brien"). */
const NAME_WORD = String.raw`\p{Lu}[\p{L}\p{M}]*(?:['’-]\p{L}[\p{L}\p{M}]*)*`;
const NAME_CONNECTORS = "of the|of|de|du|da|di|del|della|der|den|van|von|la|le|al|bin|ibn";
/** A run of capitalised words joined by spaces or lower-case connectors ("Conflict of the Orders"). */
const NAME = new RegExp(
  String.raw`(?<![\p{L}\p{N}])${NAME_WORD}(?: (?:(?:${NAME_CONNECTORS}) )?${NAME_WORD})*(?![\p{L}\p{N}/])`,
  "gu",
);
const POSSESSIVE = /['’]s$/u;
const NEXT_IS_CAPITALISED = /^ \p{Lu}/u;

/** A whole word: not part of a hyphenated compound or a contraction, where a blank would read oddly. */
const CONTENT_WORD = /(?<![\p{L}\p{M}\p{N}'’-])\p{L}[\p{L}\p{M}]*(?![\p{L}\p{M}\p{N}'’-])/gu;

const EN_STOPWORDS = [
  "about",
  "above",
  "across",
  "after",
  "again",
  "against",
  "almost",
  "along",
  "already",
  "although",
  "always",
  "among",
  "another",
  "around",
  "based",
  "because",
  "become",
  "became",
  "becomes",
  "before",
  "began",
  "begin",
  "behind",
  "being",
  "below",
  "beneath",
  "between",
  "beyond",
  "called",
  "cannot",
  "could",
  "during",
  "early",
  "either",
  "every",
  "first",
  "further",
  "great",
  "having",
  "however",
  "large",
  "later",
  "least",
  "little",
  "longer",
  "major",
  "might",
  "mostly",
  "mainly",
  "nearly",
  "often",
  "other",
  "others",
  "rather",
  "roughly",
  "second",
  "several",
  "since",
  "small",
  "still",
  "their",
  "theirs",
  "there",
  "these",
  "thing",
  "things",
  "third",
  "those",
  "three",
  "through",
  "today",
  "together",
  "toward",
  "towards",
  "under",
  "until",
  "usually",
  "using",
  "various",
  "where",
  "which",
  "while",
  "whole",
  "whose",
  "within",
  "without",
  "would",
  "years",
  "known",
  "place",
  "places",
  "number",
  "numbers",
  "different",
  "example",
  "parts",
  "comes",
  "takes",
  "makes",
  "gives",
  "means",
  "order",
  "point",
  "group",
  "right",
  "single",
];
const PL_STOPWORDS = [
  "który",
  "która",
  "które",
  "którego",
  "której",
  "których",
  "którym",
  "którymi",
  "przez",
  "także",
  "również",
  "jednak",
  "bardzo",
  "został",
  "została",
  "zostało",
  "zostały",
  "zostali",
  "według",
  "podczas",
  "wśród",
  "około",
  "między",
  "przed",
  "swoją",
  "swojej",
  "swojego",
  "swoje",
  "swoim",
  "swych",
  "gdzie",
  "kiedy",
  "wiele",
  "wielu",
  "tylko",
  "jeszcze",
  "zawsze",
  "często",
  "potem",
  "później",
  "wtedy",
  "ponad",
  "można",
  "będzie",
  "bardziej",
  "jednej",
  "jednym",
  "jedną",
  "jeden",
  "innych",
  "innymi",
  "niego",
  "naszej",
  "latach",
  "wieku",
  "roku",
];
/** Words that never start a name or a fixed pair: articles, prepositions, pronouns, conjunctions. */
const FUNCTION_WORDS = new Set([
  ...["the", "a", "an"],
  ...ENGLISH_MARKERS,
  ...POLISH_MARKERS,
  ...EN_TERM_STARTERS,
  ...PL_TERM_STARTERS,
]);
const ERAS = new Set(["BC", "BCE", "AD", "CE"]);
const STOPWORDS: Record<Language, Set<string>> = {
  en: new Set(EN_STOPWORDS),
  pl: new Set(PL_STOPWORDS),
  unknown: new Set([...EN_STOPWORDS, ...PL_STOPWORDS]),
};

/** Collapses every run of whitespace to one space and trims: the form every card side is cut from. */
const normalizeWhitespace = (text: string) => text.replace(WHITESPACE_RUN, " ").trim();

const isUsableText = (text: string) => isWellFormed(text) && hasNoControlCharacters(text);

/**
 * Paragraphs are separated by blank lines. Single line breaks inside one are joined first, because ICU ends a
 * sentence at every line break and hard-wrapped text would otherwise be cut mid-sentence.
 */
function splitParagraphs(text: string): string[] {
  const paragraphs: string[] = [];
  let lines: string[] = [];
  const flush = () => {
    const paragraph = normalizeWhitespace(lines.join(" "));
    if (paragraph) paragraphs.push(paragraph);
    lines = [];
  };
  for (const line of text.split("\n")) {
    if (line.trim() === "") flush();
    else lines.push(line);
  }
  flush();
  return paragraphs;
}

/**
 * V8's segment iterator slows down with the length of the string it walks (quadratic over a long paragraph), so
 * long paragraphs are cut first, only at gaps where ICU would end a sentence anyway: punctuation, a space, a capital.
 */
function splitIntoChunks(paragraph: string): string[] {
  if (paragraph.length <= SEGMENT_CHUNK_CHARS) return [paragraph];
  const chunks: string[] = [];
  let start = 0;
  SENTENCE_GAP.lastIndex = SEGMENT_CHUNK_CHARS;
  for (let gap = SENTENCE_GAP.exec(paragraph); gap; gap = SENTENCE_GAP.exec(paragraph)) {
    const end = gap.index + gap[0].length;
    chunks.push(paragraph.slice(start, end));
    start = end;
    SENTENCE_GAP.lastIndex = end + SEGMENT_CHUNK_CHARS;
  }
  chunks.push(paragraph.slice(start));
  return chunks;
}

function splitSentences(text: string, language: Language): string[] {
  const sentences: string[] = [];
  for (const paragraph of splitParagraphs(text)) {
    for (const chunk of splitIntoChunks(paragraph)) {
      for (const { segment } of SEGMENTERS[language].segment(chunk)) {
        const sentence = segment.trim();
        if (sentence) sentences.push(sentence);
      }
    }
  }
  return sentences;
}

/** Marker words plus Polish diacritics: crude, but English and Polish differ enough for it. */
function detectLanguage(text: string, counts: Map<string, number>): Language {
  let english = 0;
  let polish = 0;
  for (const [word, count] of counts) {
    if (ENGLISH_MARKERS.has(word)) english += count;
    if (POLISH_MARKERS.has(word)) polish += count;
  }
  polish += Math.floor((text.match(POLISH_LETTER)?.length ?? 0) / 3);
  if (Math.max(english, polish) < 3) return "unknown";
  return polish > english ? "pl" : "en";
}

/** English questions read "What was the Roman Republic?", not "What was The Roman Republic?". */
const lowerLeadingArticle = (term: string) => term.replace(LEADING_ARTICLE, (article) => article.toLowerCase());

function isShortNounPhrase(termWords: string[], language: Language): boolean {
  const term = termWords.join(" ");
  const first = termWords[0]?.toLowerCase() ?? "";
  const starters = language === "pl" ? PL_TERM_STARTERS : EN_TERM_STARTERS;
  if (starters.has(first) || characterCount(term) > TERM_MAX_CHARS || !HAS_LETTER.test(term)) return false;
  if (CLAUSE_PUNCTUATION.test(term)) return false;
  if (termWords.length === 2 && first === "the" && GENERIC_NOUNS.has(termWords[1]?.toLowerCase() ?? "")) return false;
  return !termWords.some((word) => TERM_BREAKERS.has(word.toLowerCase()));
}

function looksLikeDefinition(definition: string, language: Language): boolean {
  const first = definition.slice(0, definition.indexOf(" ")).toLowerCase();
  // "is 16 bits long" measures something; the number is better asked as a cloze.
  if (STARTS_WITH_DIGIT.test(first)) return false;
  if (language === "pl") return !PL_NOT_A_DEFINITION.has(first) && !PL_PARTICIPLE.test(first);
  return !EN_NOT_A_DEFINITION.has(first) && !EN_VERBAL_FORM.test(first) && !EARLY_THAN.test(definition);
}

const copulaAt = (words: string[], index: number, copulas: Copula[]) =>
  copulas.find((copula) => copula.words.every((word, offset) => words[index + offset] === word));

/**
 * "X is Y." → "What is X?" / "Y". Only the first copula within the term's reach is considered: a later one
 * belongs to a subordinate clause, not to a definition.
 */
function definitionCard(sentence: string, language: Language): Proposal | null {
  const copulas = language === "pl" ? PL_COPULAS : EN_COPULAS;
  const words = sentence.split(" ");
  for (let index = 1; index <= TERM_MAX_WORDS && index < words.length; index++) {
    const copula = copulaAt(words, index, copulas);
    if (!copula) continue;
    const termWords = words.slice(0, index);
    const back = words
      .slice(index + copula.words.length)
      .join(" ")
      .replace(FINAL_PUNCTUATION, "");
    if (!isShortNounPhrase(termWords, language)) return null;
    if (back.split(" ").length < DEFINITION_MIN_WORDS || characterCount(back) > BACK_MAX) return null;
    if (!looksLikeDefinition(back, language)) return null;
    const term = termWords.join(" ");
    const front = copula.question(language === "pl" ? term : lowerLeadingArticle(term));
    return characterCount(front) <= FRONT_MAX ? { front, back } : null;
  }
  return null;
}

type Span = { index: number; text: string };

const spansOf = (sentence: string, pattern: RegExp): Span[] =>
  Array.from(sentence.matchAll(pattern), (match) => ({ index: match.index, text: match[0] }));

const overlaps = (a: Span, b: Span) => a.index < b.index + b.text.length && b.index < a.index + a.text.length;

/**
 * Capitalised runs not at the sentence start, where a capital says nothing about being a name. A run opened by a
 * function word ("In Congo Square…") is rescanned after it; any other opening run ("New Orleans is…", "Gaius Marius,")
 * is skipped whole, since cutting off its first word would leave half a name.
 */
function nameSpans(sentence: string): Span[] {
  const start = LEADING_PUNCTUATION.exec(sentence)?.[0].length ?? 0;
  const spans: Span[] = [];
  NAME.lastIndex = 0;
  for (let match = NAME.exec(sentence); match; match = NAME.exec(sentence)) {
    const text = match[0].replace(POSSESSIVE, "");
    if (match.index === start) {
      const firstWord = text.split(" ", 1)[0] ?? "";
      if (text !== firstWord && FUNCTION_WORDS.has(firstWord.toLowerCase())) NAME.lastIndex = start + firstWord.length;
      continue;
    }
    if (!ERAS.has(text)) spans.push({ index: match.index, text });
  }
  // Longer names say more ("Original Dixieland Jass Band" over "New Orleans"); the stable sort keeps text order in ties.
  return spans.sort((a, b) => b.text.split(" ").length - a.text.split(" ").length);
}

type TextStats = {
  /** Occurrences of each lower-cased word. */
  counts: Map<string, number>;
  /** Occurrences written in lower case: tells "states" (a verb here) from "United States". */
  lowerCaseCounts: Map<string, number>;
  /** Lower-cased "previous word" for words that always follow the same one ("carbon" for "dioxide"), else null. */
  fixedPredecessor: Map<string, string | null>;
};

function textStats(text: string): TextStats {
  const counts = new Map<string, number>();
  const lowerCaseCounts = new Map<string, number>();
  const fixedPredecessor = new Map<string, string | null>();
  let previous: string | undefined;
  for (const [token] of text.matchAll(WORD)) {
    const word = token.toLowerCase();
    counts.set(word, (counts.get(word) ?? 0) + 1);
    if (token === word) lowerCaseCounts.set(word, (lowerCaseCounts.get(word) ?? 0) + 1);
    const known = fixedPredecessor.get(word);
    if (known === undefined) fixedPredecessor.set(word, previous ?? null);
    else if (known !== previous) fixedPredecessor.set(word, null);
    previous = word;
  }
  return { counts, lowerCaseCounts, fixedPredecessor };
}

/**
 * Blanking half of a fixed pair ("carbon _____") is a give-away, so the span grows to the whole pair when the word
 * never appears without that content word before it.
 */
function widenToFixedPair(sentence: string, span: Span, stats: TextStats): Span {
  const previous = stats.fixedPredecessor.get(span.text.toLowerCase());
  if (!previous || characterCount(previous) < 4) return span;
  if (FUNCTION_WORDS.has(previous) || STOPWORDS.unknown.has(previous)) return span;
  const index = span.index - previous.length - 1;
  if (index < 0 || sentence.slice(index, span.index).toLowerCase() !== `${previous} `) return span;
  if (index > 0 && WORD_CHARACTER.test(sentence[index - 1] ?? "")) return span;
  return { index, text: sentence.slice(index, span.index + span.text.length) };
}

/**
 * A capitalised word belongs to a name unless it merely opens the sentence on its own ("Chlorophyll absorbs…");
 * names are the name rule's business, and "New _____" would be a poor blank.
 */
function isNameFragment(sentence: string, span: Span): boolean {
  if (!STARTS_WITH_CAPITAL.test(span.text)) return false;
  const start = LEADING_PUNCTUATION.exec(sentence)?.[0].length ?? 0;
  const end = span.index + span.text.length;
  return span.index !== start || NEXT_IS_CAPITALISED.test(sentence.slice(end, end + 2));
}

/** Words the whole text repeats: the rarest of them is the most specific to this sentence. */
function contentWordSpans(sentence: string, stats: TextStats, stopwords: Set<string>): Span[] {
  const repeats = (span: Span) => stats.counts.get(span.text.toLowerCase()) ?? 0;
  const mostlyCapitalised = (span: Span) => {
    const word = span.text.toLowerCase();
    return span.text === word && (stats.lowerCaseCounts.get(word) ?? 0) * 2 < repeats(span);
  };
  return spansOf(sentence, CONTENT_WORD)
    .filter((span) => !isNameFragment(sentence, span))
    .filter((span) => characterCount(span.text) >= CONTENT_WORD_MIN_LETTERS && !stopwords.has(span.text.toLowerCase()))
    .filter((span) => repeats(span) >= CONTENT_WORD_MIN_REPEATS && !mostlyCapitalised(span))
    .sort((a, b) => repeats(a) - repeats(b))
    .map((span) => widenToFixedPair(sentence, span, stats));
}

/** Blank candidates in priority order: dates, then quantities, then names, then repeated content words. */
function clozeCandidates(sentence: string, stats: TextStats, language: Language): Span[] {
  // Most sentences hold no digit; skipping the two widest regexes for them halves the work.
  const hasDigit = DIGIT.test(sentence);
  const dates = hasDigit ? spansOf(sentence, DATE) : [];
  const numbers = hasDigit ? spansOf(sentence, QUANTITY) : [];
  const quantities = numbers.filter((number) => !dates.some((date) => overlaps(date, number)));
  return [...dates, ...quantities, ...nameSpans(sentence), ...contentWordSpans(sentence, stats, STOPWORDS[language])];
}

function clozeCard(sentence: string, candidate: Span): Proposal | null {
  const back = candidate.text;
  const front = sentence.slice(0, candidate.index) + BLANK + sentence.slice(candidate.index + back.length);
  if (characterCount(back) < BACK_MIN_CHARS || characterCount(front) > FRONT_MAX) return null;
  const context = front.replace(BLANK, " ");
  if (normalizeWhitespace(context).split(" ").length < CLOZE_MIN_CONTEXT_WORDS) return null;
  // A second mention of the answer elsewhere in the sentence would give it away.
  if (context.toLowerCase().includes(back.toLowerCase())) return null;
  return { front, back };
}

/**
 * Turns a text into flashcard proposals, deterministically and without any network access: definitional
 * sentences become questions, other sentences of 8–60 words become cloze cards blanking one salient term.
 * Every back is a verbatim piece of the whitespace-normalised text. At most MAX_PROPOSALS, in text order.
 */
export function extractProposals(text: string): Proposal[] {
  const stats = textStats(text);
  const language = detectLanguage(text, stats.counts);
  const definitionLanguage = language === "pl" ? "pl" : "en";
  const seenFronts = new Set<string>();
  const clozesPerBack = new Map<string, number>();
  const proposals: Proposal[] = [];

  const isNewFront = (card: Proposal) => !seenFronts.has(normalizeWhitespace(card.front).toLowerCase());
  const accept = (card: Proposal) => {
    seenFronts.add(normalizeWhitespace(card.front).toLowerCase());
    proposals.push(card);
  };

  for (const sentence of splitSentences(text, language)) {
    if (proposals.length >= MAX_PROPOSALS) break;
    if (!isUsableText(sentence)) continue;

    const definition = definitionCard(sentence, definitionLanguage);
    if (definition && isNewFront(definition)) {
      accept(definition);
      continue;
    }

    const wordCount = sentence.split(" ").length;
    if (wordCount < CLOZE_MIN_WORDS || wordCount > CLOZE_MAX_WORDS || sentence.endsWith("?")) continue;
    for (const candidate of clozeCandidates(sentence, stats, language)) {
      const card = clozeCard(sentence, candidate);
      const backKey = candidate.text.toLowerCase();
      const uses = clozesPerBack.get(backKey) ?? 0;
      if (!card || uses >= MAX_CLOZES_PER_BACK || !isNewFront(card)) continue;
      clozesPerBack.set(backKey, uses + 1);
      accept(card);
      break;
    }
  }
  return proposals;
}

/** The offline provider: same interface as the LLM providers, so the generations handler treats it alike. */
export function createLocalProvider(): FlashcardProvider {
  return {
    model: LOCAL_MODEL,
    async generate(sourceText: string) {
      return { proposals: extractProposals(sourceText) };
    },
  };
}
