/**
 * Candidate answers inside one sentence, each with a salience score: what a learner would want to be asked about.
 * Dates and quantities, names, terms the sentence introduces ("called X"), rare words. Every span is a verbatim
 * piece of the sentence, so a card never claims what the text does not say.
 */
import {
  type Language,
  MONTHS,
  NAME_CONNECTORS,
  NAMING_CUES,
  NAMING_PAIRS,
  NUMBER_WORDS,
  SCALES,
  STOPWORDS,
  UNITS,
} from "./languages";

/** A piece of a sentence that could be blanked, and how much a learner would want to be asked about it. */
export type Span = { index: number; text: string; score: number };

/** Salience of each kind of span; the best cards of a text are picked by it. */
export const SCORES = {
  namedTerm: 9,
  fullDate: 8.5,
  year: 7.5,
  quantity: 8,
  number: 6.5,
  smallNumber: 3,
  countedWords: 6.5,
  multiWordName: 8,
  name: 7,
  /** A capitalised word after "in", "nach", "w", "en": a place. */
  place: 7.5,
  openingName: 6,
  germanCompound: 6.5,
  germanRareNoun: 5.5,
  germanNoun: 4,
  germanNounGroup: 7,
  term: 5,
  rareWord: 4,
};

/** Prepositions before a place name. */
const PLACE_PREPOSITIONS: Record<Language, RegExp> = {
  en: /(?:^|\s)(?:in|at|from|near|to|into)(?: the)?\s$/u,
  pl: /(?:^|\s)(?:w|we|z|ze|do|pod|nad)\s$/u,
  de: /(?:^|\s)(?:in|nach|bei|aus|von|über|durch|an)(?: (?:den|dem|der|die|das))?\s$/u,
  es: /(?:^|\s)(?:en|de|desde|hasta|a)(?: (?:el|la|los|las))?\s$/u,
};

const ERA = String.raw`BCE|BC|AD|CE|p\.n\.e\.|n\.e\.|a\. ?C\.|d\. ?C\.|v\. ?Chr\.|n\. ?Chr\.`;
const NOT_BEFORE = String.raw`(?<![\p{L}\p{N}.,/-])`;
const NOT_AFTER = String.raw`(?![\p{L}\p{N}]|[.,]\d)`;
const YEAR = String.raw`(?:1\d{3}|20\d{2})`;
const ALL_MONTHS = Object.values(MONTHS).join("|");
const RANGE = "(?:–|-| to | and | bis | do | a | y | i )";

/** Dates, most specific first: at one position the engine takes the first alternative that fits. */
const DATE = new RegExp(
  NOT_BEFORE +
    "(?:" +
    [
      String.raw`\d{1,2}\. (?:${MONTHS.de})(?: \d{1,4})?`,
      String.raw`\d{1,2} de (?:${MONTHS.es})(?: de \d{3,4})?`,
      String.raw`\d{1,2} (?:${ALL_MONTHS}) \d{1,4}(?: (?:${ERA}))?`,
      String.raw`\d{1,2} (?:${MONTHS.pl})`,
      String.raw`(?:${MONTHS.en}) \d{1,2}, \d{3,4}`,
      String.raw`(?:${ALL_MONTHS}) (?:de )?(?:\d{1,4} (?:${ERA})|\d{3,4})`,
      String.raw`\d{1,4}${RANGE}\d{1,4} (?:${ERA})`,
      `${YEAR}${RANGE}${YEAR}`,
      String.raw`${YEAR}[–-]\d{2,4}`,
      String.raw`\d{1,4} (?:${ERA})`,
      String.raw`(?:AD|CE) \d{1,4}`,
      String.raw`\d{3}0s`,
      // A bare year, unless it is an identifier ("RFC 1323") or a quantity ("1500 metres").
      String.raw`(?<!\p{Lu}\p{Lu} )${YEAR}(?! (?:${SCALES}|${UNITS})(?!\p{L}))`,
    ].join("|") +
    ")" +
    NOT_AFTER,
  "gu",
);

const NUMBER_BODY = String.raw`(?:\d{1,3}(?:[,.]\d{3})+|\d+(?:[.,]\d+)?)`;
/** A number with an optional range, scale and unit ("40.000 bis 60.000 Tieren", "2,7 Millionen", "2 %"). */
const QUANTITY = new RegExp(
  NOT_BEFORE +
    NUMBER_BODY +
    `(?:${RANGE}${NUMBER_BODY})?(?: (?:${SCALES}))?(?: ?%| (?:${UNITS})(?!\\p{L})|-(?:bit|byte|year|day|hour|minute|second|metre|meter)s?)?` +
    NOT_AFTER,
  "gu",
);
const HAS_UNIT = /[\p{L}%]/u;
const DIGIT = /\d/;
const FULL_DATE = /\p{L}/u;

/** A capitalised word with inner hyphens and apostrophes ("Anhalt-Köthen", "O’Brien"), or an initial ("F."). */
const NAME_WORD = String.raw`(?:\p{Lu}\.(?= \p{Lu})|\p{Lu}[\p{L}\p{M}\p{N}]*(?:['’-]\p{L}[\p{L}\p{M}]*)*)`;
const NAMES = Object.fromEntries(
  (Object.keys(NAME_CONNECTORS) as Language[]).map((language) => [
    language,
    new RegExp(
      String.raw`(?<![\p{L}\p{N}])${NAME_WORD}(?: (?:(?:${NAME_CONNECTORS[language]}) )?${NAME_WORD})*(?![\p{L}\p{N}/])`,
      "gu",
    ),
  ]),
) as Record<Language, RegExp>;
const POSSESSIVE = /['’]s$/u;
const TRAILING_DOT = /(?<=\p{L}{2})\.$/u;
/** A whole lower-case word, not part of a hyphenated compound or a contraction. */
const LOWER_TERM_WORD = /(?<![\p{L}\p{M}\p{N}'’])\p{Ll}[\p{L}\p{M}-]*(?![\p{L}\p{M}\p{N}'’])/gu;
const WORD_AT = /^[\p{L}\p{M}\p{N}'’-]+/u;
const CLAUSE_END = /[,;:.()!?–—"„“”«»]/u;
const GERMAN_ADJECTIVE = /^\p{Ll}[\p{L}]{2,}(?:e|en|er|es|em)$/u;

/** Word counts of the whole text, for rarity and for telling a name ("Lübeck") from an ordinary word. */
export type TextStats = {
  counts: Map<string, number>;
  /** Occurrences written in lower case. */
  lowerCaseCounts: Map<string, number>;
};

const WORD = /[\p{L}\p{M}]+/gu;

/** Counts the words of a text. */
export function textStats(text: string): TextStats {
  const counts = new Map<string, number>();
  const lowerCaseCounts = new Map<string, number>();
  for (const [token] of text.matchAll(WORD)) {
    const word = token.toLowerCase();
    counts.set(word, (counts.get(word) ?? 0) + 1);
    if (token === word) lowerCaseCounts.set(word, (lowerCaseCounts.get(word) ?? 0) + 1);
  }
  return { counts, lowerCaseCounts };
}

const spansOf = (sentence: string, pattern: RegExp, score: (text: string) => number): Span[] =>
  Array.from(sentence.matchAll(pattern), (match) => ({ index: match.index, text: match[0], score: score(match[0]) }));

/** Dates and quantities; a quantity inside a date is dropped. */
function numericSpans(sentence: string): Span[] {
  if (!DIGIT.test(sentence)) return [];
  const dates = spansOf(sentence, DATE, (text) => (FULL_DATE.test(text) ? SCORES.fullDate : SCORES.year));
  const quantities = spansOf(sentence, QUANTITY, (text) => {
    if (HAS_UNIT.test(text)) return SCORES.quantity;
    return Number.parseFloat(text.replace(",", ".")) >= 10 ? SCORES.number : SCORES.smallNumber;
  }).filter((quantity) => !dates.some((date) => overlaps(date, quantity)));
  return [...dates, ...quantities];
}

const COUNTED_WORDS = new RegExp(String.raw`(?<![\p{L}])(?:${[...NUMBER_WORDS].join("|")}) (\p{L}+)`, "gu");

/** "sechs Wochen", "siete diputados": a number word and what it counts. */
function countedWordSpans(sentence: string, language: Language): Span[] {
  const spans: Span[] = [];
  for (const match of sentence.matchAll(COUNTED_WORDS)) {
    if (!STOPWORDS[language].has(match[1]!.toLowerCase())) {
      spans.push({ index: match.index, text: match[0], score: SCORES.countedWords });
    }
  }
  return spans;
}

/** True when two spans share at least one character. */
export const overlaps = (a: Span, b: Span) => a.index < b.index + b.text.length && b.index < a.index + a.text.length;

/**
 * Capitalised runs. At the sentence start a capital says little: a run opened by a function word ("In Congo
 * Square…") is rescanned after it; a lone opening word counts only when the text never writes it in lower case.
 * German capitalises every noun, so there a lone word is a term, scored by how rare and how long it is.
 */
function nameSpans(sentence: string, language: Language, stats: TextStats): Span[] {
  const stopwords = STOPWORDS[language];
  const spans: Span[] = [];
  const pattern = NAMES[language];
  pattern.lastIndex = 0;
  for (let match = pattern.exec(sentence); match; match = pattern.exec(sentence)) {
    const text = match[0].replace(POSSESSIVE, "").replace(TRAILING_DOT, "");
    const parts = text.split(" ");
    const first = parts[0] ?? "";
    // German capitalises the first word of every sentence and every noun: an opening run says nothing of its first word.
    if (match.index === 0 && parts.length > 1 && (language === "de" || stopwords.has(first.toLowerCase()))) {
      pattern.lastIndex = first.length;
      continue;
    }
    if (parts.length === 1 && stopwords.has(text.toLowerCase())) continue;
    const word = text.toLowerCase();
    const count = stats.counts.get(word) ?? 0;
    const everLowerCase = (stats.lowerCaseCounts.get(word) ?? 0) > 0;
    const afterPreposition = PLACE_PREPOSITIONS[language].test(
      sentence.slice(Math.max(0, match.index - 12), match.index),
    );
    let score: number;
    if (text.length < 2) continue;
    if (parts.length > 1) score = language === "de" ? SCORES.germanNounGroup : SCORES.multiWordName;
    else if (afterPreposition && !everLowerCase) score = SCORES.place;
    else if (language === "de") score = germanNounScore(text, count);
    else if (everLowerCase) continue;
    // A lone capitalised word opening a sentence is a name only if the text writes it so more than once.
    else if (match.index === 0 && count < 2) continue;
    else score = match.index === 0 ? SCORES.openingName : SCORES.name;
    spans.push(withGermanAdjective(sentence, { index: match.index, text, score }, language));
  }
  return spans;
}

/** German capitalises every noun: the rare and the compound ones are the terms a text teaches. */
function germanNounScore(noun: string, count: number): number {
  if (count <= 2 && noun.length >= 8) return SCORES.germanCompound;
  return count === 1 ? SCORES.germanRareNoun : SCORES.germanNoun;
}

/** German "antifaschistischen Schutzwall": the adjective belongs to the term. */
function withGermanAdjective(sentence: string, span: Span, language: Language): Span {
  if (language !== "de" || span.text.includes(" ")) return span;
  const before = sentence.slice(0, span.index).match(/(?<![\p{L}])(\p{Ll}\p{L}+) $/u);
  const adjective = before?.[1];
  if (!adjective || !GERMAN_ADJECTIVE.test(adjective) || STOPWORDS.de.has(adjective)) return span;
  const index = span.index - adjective.length - 1;
  return { index, text: sentence.slice(index, span.index + span.text.length), score: span.score + 0.5 };
}

const escapeDots = (word: string) => word.replace(/[.]/gu, "\\.");
const CUE_PRESENT = Object.fromEntries(
  (Object.keys(NAMING_CUES) as Language[]).map((language) => {
    const cues = [...NAMING_CUES[language], ...[...NAMING_PAIRS[language]].map((pair) => pair.split("_")[0]!)];
    return [language, new RegExp(String.raw`(?<![\p{L}])(?:${cues.map(escapeDots).join("|")}) `, "iu")];
  }),
) as Record<Language, RegExp>;

/** "X, es decir, Y" / "X, czyli Y" / "X, that is, Y": X, the word before the comma, is the term being explained. */
const EXPLAINED_BEFORE: Record<Language, RegExp> = {
  en: /(?<![\p{L}])\p{L}[\p{L}-]*(?=, (?:that is|i\.e\.)[, ])/gu,
  pl: /(?<![\p{L}])\p{L}[\p{L}-]*(?=, (?:czyli|tj\.) )/gu,
  de: /(?<![\p{L}])\p{L}[\p{L}-]*(?=, (?:das heißt|d\. h\.) )/gu,
  es: /(?<![\p{L}])\p{L}[\p{L}-]*(?=, (?:es decir|o sea)[, ])/gu,
};

function explainedTermSpans(sentence: string, language: Language): Span[] {
  return spansOf(sentence, EXPLAINED_BEFORE[language], () => SCORES.namedTerm).filter(
    (span) => !STOPWORDS[language].has(span.text.toLowerCase()),
  );
}

/** The term after "called", "zwane", "sogenannte", "llamada", "known as": up to four words before the clause ends. */
function namedTermSpans(sentence: string, language: Language): Span[] {
  // Most sentences hold no cue: one regex test spares them the tokenising below.
  if (!CUE_PRESENT[language].test(sentence)) return [];
  const spans: Span[] = [];
  const cues = NAMING_CUES[language];
  const pairs = NAMING_PAIRS[language];
  const stopwords = STOPWORDS[language];
  const tokens = Array.from(sentence.matchAll(/\S+/gu), (match) => ({ index: match.index, word: match[0] }));
  for (let i = 0; i < tokens.length - 1; i++) {
    const word = tokens[i]!.word.toLowerCase();
    const pair = `${word}_${tokens[i + 1]!.word.toLowerCase()}`;
    let next = cues.has(word) ? i + 1 : pairs.has(pair) ? i + 2 : -1;
    if (next < 0 || next >= tokens.length) continue;
    // Skip one article: "known as the Steelyard", "la llamada zona", "der sogenannte Todesstreifen".
    if (stopwords.has(tokens[next]!.word.toLowerCase()) && next + 1 < tokens.length) next++;
    const start = tokens[next]!.index;
    const rest = sentence.slice(start);
    const end = rest.search(CLAUSE_END);
    const clause = (end < 0 ? rest : rest.slice(0, end)).trim();
    const termWords: string[] = [];
    for (const termWord of clause.split(" ")) {
      if (termWords.length > 0 && stopwords.has(termWord.toLowerCase()) && !/^(?:de|del|of|von)$/u.test(termWord))
        break;
      termWords.push(termWord);
      if (termWords.length === 4) break;
    }
    while (termWords.length > 1 && stopwords.has(termWords.at(-1)!.toLowerCase())) termWords.pop();
    const text = termWords.join(" ");
    if (!text || !WORD_AT.test(text) || stopwords.has(text.toLowerCase())) continue;
    spans.push({ index: start, text, score: SCORES.namedTerm });
  }
  return spans;
}

/** Connectors inside a lower-case term ("inmunidad de grupo", "células de memoria"). */
const TERM_CONNECTORS = new Set(["de", "del"]);

const RARE_WORD_MIN_CHARS = 7;
/** Verb endings that end a term run ("otrzymali prawo…", "reclaimed memory"): a term is a noun phrase. */
const VERB_FORM: Record<Language, RegExp> = {
  en: /^\p{L}{3,}ed$/u,
  pl: /^\p{L}{2,}(?:ł|ła|ło|li|ły|ać|ić|yć|eć)$/u,
  de: /(?!)/u,
  es: /^\p{L}{2,}(?:ó|aron|ieron|aba|aban)$/u,
};

/**
 * Runs of two to four lower-case content words: the technical terms of a text ("binary fission", "clave
 * primaria", "trójpodział władzy"); a lone rare word ("metformina") is a weaker candidate. Not for German, whose
 * terms are capitalised nouns.
 */
function termSpans(sentence: string, language: Language, stats: TextStats): Span[] {
  if (language === "de") return [];
  const stopwords = STOPWORDS[language];
  const spans: Span[] = [];
  let run: { index: number; text: string }[] = [];
  const flush = () => {
    while (run.length > 0 && TERM_CONNECTORS.has(run.at(-1)!.text)) run.pop();
    const only = run.length === 1 ? run[0]! : undefined;
    if (only && only.text.length >= RARE_WORD_MIN_CHARS && (stats.counts.get(only.text) ?? 0) <= 2) {
      spans.push({ index: only.index, text: only.text, score: SCORES.rareWord });
    }
    if (run.length >= 2) {
      const first = run[0]!;
      const last = run.at(-1)!;
      const text = sentence.slice(first.index, last.index + last.text.length);
      const rare = run.some((word) => word.text.length >= 6 && (stats.counts.get(word.text) ?? 0) <= 2);
      spans.push({ index: first.index, text, score: SCORES.term + (rare ? 0.5 : 0) });
    }
    run = [];
  };
  let previousEnd = -1;
  for (const match of sentence.matchAll(LOWER_TERM_WORD)) {
    const word = match[0];
    const adjacent = previousEnd >= 0 && sentence.slice(previousEnd, match.index) === " ";
    if (!adjacent || VERB_FORM[language].test(word)) flush();
    const isConnector = TERM_CONNECTORS.has(word) && run.length > 0;
    if ((stopwords.has(word) && !isConnector) || run.length === 4) flush();
    if (!stopwords.has(word) || isConnector) run.push({ index: match.index, text: word });
    previousEnd = match.index + word.length;
  }
  flush();
  return spans;
}

/** Every candidate answer of a sentence, best first (ties in text order). */
export function candidateSpans(sentence: string, language: Language, stats: TextStats): Span[] {
  const spans = [
    ...namedTermSpans(sentence, language),
    ...explainedTermSpans(sentence, language),
    ...numericSpans(sentence),
    ...countedWordSpans(sentence, language),
    ...nameSpans(sentence, language, stats),
    ...termSpans(sentence, language, stats),
  ];
  return spans.sort((a, b) => b.score - a.score || a.index - b.index);
}
