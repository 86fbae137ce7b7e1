/**
 * The local flashcard provider: a deterministic, extractive generator that needs no network, key or model.
 * It finds the facts of each sentence (dates, quantities, names, terms the text introduces, definitions), asks
 * about the most salient ones in the text's own language (English, Polish, German, Spanish) and keeps every
 * answer a verbatim piece of the source, so a card never claims what the text does not say.
 * Measured on test/fixtures/generation-eval (EVALUATION.md, `npm run eval:generation`).
 */
import { characterCount } from "../lib/card-text";
import { hasNoControlCharacters, isWellFormed } from "../lib/text";
import {
  COPULAS,
  type Copula,
  detectLanguage,
  type Language,
  NOT_A_DEFINITION,
  SKIPPED_ADVERBS,
  STOPWORDS,
  TERM_STARTERS,
} from "./local/languages";
import { splitSentences } from "./local/sentences";
import { candidateSpans, overlaps, type Span, type TextStats, textStats } from "./local/spans";
import { MAX_PROPOSALS, type Proposal } from "./proposals";
import type { FlashcardProvider, GenerateOptions } from "./provider";

/** The `model` the local provider records on its generations (bumped when its output changes). */
export const LOCAL_MODEL = "local-extractive-v2";

const BLANK = "_____";
/** Fronts stay short enough to read at a glance: a clause, not a paragraph. */
const FRONT_MAX_CHARS = 150;
/** A cloze front grows clause by clause until it has this much context. */
const FRONT_TARGET_CHARS = 70;
const CLOZE_MIN_CONTEXT_WORDS = 5;
const SENTENCE_MIN_WORDS = 5;
const TERM_MAX_WORDS = 8;
const TERM_MAX_CHARS = 70;
const DEFINITION_MAX_WORDS = 10;
/** Proposals per 1,000 characters when the caller does not ask for a number (the target band is 5–15). */
const NATURAL_DENSITY = 12;
const CARDS_PER_SENTENCE = 3;
const CANDIDATES_PER_SENTENCE = 5;
const SHORT_DEFINITION_WORDS = 4;
const SCORE_SHORT_DEFINITION = 9.5;
const SCORE_DEFINITION = 7;
/** Stems this much more frequent than the rest name the text's topic: an answer made only of them teaches nothing. */
const TOPIC_MIN_COUNT = 4;
const TOPIC_SHARE_OF_TOP = 0.75;
/** Four letters: enough to join "Tatry", "Tatr" and "Tatrach", or "Chopin" and "Chopina". */
const STEM_CHARS = 4;
/** Letters an inflected form may add to a topic word's shortest form. */
const INFLECTION_CHARS = 3;

/** Score taken off each further card of the same sentence. */
const SIBLING_HANDICAP = 1;
/** "that", "que", "dass", "że": a clause that may hold its own definition follows. */
const SUBORDINATOR: Record<Language, RegExp> = {
  en: / that /gu,
  pl: / że /gu,
  de: / dass /gu,
  es: / que /gu,
};
const CLAUSE_BREAK = /(?:[,;:]|\s[–—])\s/gu;
const DEFINITION_END = /[,;:(]|\s[–—]\s/u;
const FINAL_PUNCTUATION = /[.!?…]+$/u;
const TRAILING_SEPARATORS = /[\s,;:–—]+$/u;
const HAS_LETTER = /\p{L}/u;
const STARTS_WITH_DIGIT = /^\p{N}/u;
const STARTS_WITH_CAPITAL = /^\p{Lu}/u;
/** Polish "Najwyższym szczytem … jest Gerlach": an instrumental first, so the sentence names its subject last. */
const POLISH_INSTRUMENTAL = /^\p{L}+(?:ym|im|em|ą)$/u;
const TERM_PUNCTUATION = /[,;:()[\]"„”“«»]/u;
const LEADING_ARTICLE: Record<Language, RegExp> = {
  en: /^(?:The|A|An) /u,
  pl: /^(?!)/u,
  de: /^(?:Der|Die|Das|Ein|Eine) /u,
  es: /^(?:El|La|Los|Las|Un|Una) /u,
};
/** Participles and adverbs right after the copula: "is folded", "fue aprobada", "ist gesichert", "jest uważane". */
const NOT_A_NOUN: Record<Language, RegExp> = {
  en: /^\p{L}{2,}(?:ed|ly|ing)$/u,
  pl: /^\p{L}{3,}(?:any|ana|ane|ony|ona|one|ęty|ęta|ęte|yty|yta|yte)$/u,
  de: /^ge\p{L}{3,}(?:t|en)$/u,
  es: /^\p{L}{2,}(?:ado|ada|ados|adas|ido|ida|idos|idas|mente)$/u,
};
const CONTENT_WORDS = /[\p{L}\p{N}]+/gu;

/** A possible card; a cloze's front is built only if the card is considered (most candidates never are). */
type Candidate = {
  back: string;
  front: () => string | null;
  score: number;
  order: number;
  sentence: number;
  span?: Span;
};

const isUsableText = (text: string) => isWellFormed(text) && hasNoControlCharacters(text);
const stemOf = (word: string) => word.slice(0, STEM_CHARS);

/**
 * The words the text is about: the stems of its most frequent content words, each with the length of its shortest
 * form, so inflected forms ("Tatrach", "Chopina") count and compounds ("Rheinfall" in a text on the Rhine) do not.
 */
function topicStems(stats: TextStats, language: Language): Map<string, number> {
  const stems = new Map<string, { count: number; shortest: number }>();
  for (const [word, count] of stats.counts) {
    if (word.length < 4 || STOPWORDS[language].has(word)) continue;
    const stem = stems.get(stemOf(word)) ?? { count: 0, shortest: word.length };
    stems.set(stemOf(word), { count: stem.count + count, shortest: Math.min(stem.shortest, word.length) });
  }
  const top = Math.max(0, ...[...stems.values()].map((stem) => stem.count));
  const threshold = Math.max(TOPIC_MIN_COUNT, top * TOPIC_SHARE_OF_TOP);
  return new Map([...stems].filter(([, stem]) => stem.count >= threshold).map(([key, stem]) => [key, stem.shortest]));
}

/** The topic: frequent stems, plus the words of the subject the text opens with ("Die Westliche Honigbiene ist…"). */
type Topic = { stems: Map<string, number>; subject: string[] };

/** The content words before the first sentence's verb "is": what the text is about, by its own first words. */
function openingSubject(firstSentence: string, language: Language): string[] {
  const words = firstSentence.split(" ");
  const verb = words.findIndex(
    (word, index) => index > 0 && index <= TERM_MAX_WORDS && COPULAS[language].some((c) => c.verb === word),
  );
  if (verb < 0) return [];
  return words
    .slice(0, verb)
    .map((word) => word.toLowerCase().replace(/[^\p{L}]/gu, ""))
    .filter((word) => word.length >= 4 && !STOPWORDS[language].has(word));
}

const isTopicWord = (word: string, topic: Topic) => {
  const lower = word.toLowerCase();
  const shortest = topic.stems.get(stemOf(lower));
  if (shortest !== undefined && word.length <= shortest + INFLECTION_CHARS) return true;
  return topic.subject.some((base) => lower.startsWith(base) && lower.length <= base.length + INFLECTION_CHARS);
};

/**
 * An answer that asks nothing: only function words, only the topic, or the topic's own name ("Fryderyk Chopin"
 * in a text about Chopin: a capitalised name ending in a topic word).
 */
function isEmptyAnswer(back: string, language: Language, topics: Topic): boolean {
  const words = (back.match(CONTENT_WORDS) ?? []).filter((word) => !STOPWORDS[language].has(word.toLowerCase()));
  if (words.length === 0) return true;
  const isTopic = (word: string) => isTopicWord(word, topics);
  if (words.every(isTopic)) return true;
  return isTopic(words.at(-1)!) && words.every((word) => STARTS_WITH_CAPITAL.test(word));
}

/**
 * "X is Y." → "What is X?" / "Y" (in the text's language), with Y cut at the first clause break. Only the first
 * copula within the term's reach counts: a later one belongs to a subordinate clause.
 */
function definitionCard(
  sentence: string,
  language: Language,
  stats: TextStats,
): { card: Proposal; score: number } | null {
  const words = sentence.split(" ");
  for (let index = 1; index <= TERM_MAX_WORDS && index < words.length; index++) {
    const copula = COPULAS[language].find((c) => c.verb === words[index]);
    if (!copula) continue;
    const term = words.slice(0, index).join(" ");
    const first = words[0]!.toLowerCase();
    if (TERM_STARTERS[language].has(first) || characterCount(term) > TERM_MAX_CHARS) return null;
    if (TERM_PUNCTUATION.test(term) || !HAS_LETTER.test(term)) return null;
    const skip = SKIPPED_ADVERBS[language].has(words[index + 1]?.toLowerCase() ?? "") ? 2 : 1;
    const rest = words.slice(index + skip).join(" ");
    const cut = rest.search(DEFINITION_END);
    const back = (cut < 0 ? rest : rest.slice(0, cut)).replace(FINAL_PUNCTUATION, "").trim();
    const backWords = back.split(" ");
    if (!back || backWords.length > DEFINITION_MAX_WORDS || STARTS_WITH_DIGIT.test(back)) return null;
    const head = backWords[0]!.toLowerCase();
    const noun = STOPWORDS[language].has(head) && backWords.length > 1 ? backWords[1]!.toLowerCase() : head;
    if (NOT_A_DEFINITION[language].has(head) || NOT_A_NOUN[language].test(noun)) return null;
    if (backWords.length === 1 && STOPWORDS[language].has(head)) return null;
    const front = definitionQuestion(term, copula, language, stats);
    if (characterCount(front) > FRONT_MAX_CHARS) return null;
    return {
      card: { front, back },
      score: backWords.length <= SHORT_DEFINITION_WORDS ? SCORE_SHORT_DEFINITION : SCORE_DEFINITION,
    };
  }
  return null;
}

/**
 * The question of a definition in the text's language. A leading article, and a first word the text also writes in
 * lower case, are lower-cased ("What is photosynthesis?"); German keeps its capitalised nouns.
 */
function definitionQuestion(term: string, copula: Copula, language: Language, stats: TextStats): string {
  const first = term.split(" ", 1)[0]!;
  const lower = first.toLowerCase();
  let subject = term.replace(LEADING_ARTICLE[language], (article) => article.toLowerCase());
  if (language !== "de" && first !== lower && (stats.lowerCaseCounts.get(lower) ?? 0) > 0) {
    subject = lower + term.slice(first.length);
  }
  if (language === "pl" && POLISH_INSTRUMENTAL.test(first)) return `Co jest ${lower}${term.slice(first.length)}?`;
  return copula.question(subject);
}

/** Start offsets of the sentence's clauses (after commas, semicolons, colons and dashes). */
function clauseStarts(sentence: string): number[] {
  const starts = [0];
  for (const match of sentence.matchAll(CLAUSE_BREAK)) starts.push(match.index + match[0].length);
  return starts;
}

/**
 * The cloze front for a span: the clause holding it, widened clause by clause (left first, where the subject
 * usually is) until it gives enough context, never beyond FRONT_MAX_CHARS. A long clause is cut to the words
 * around the blank.
 */
function clozeFront(sentence: string, span: Span, starts: number[]): string | null {
  const bounds = [...starts, sentence.length + 1];
  const spanEnd = span.index + span.text.length;
  let left = -1;
  for (let i = 0; i < bounds.length && bounds[i]! <= span.index; i++) left = i;
  let right = bounds.findIndex((start) => start >= spanEnd) - 1;
  if (left < 0 || right < left) return null;
  const length = (l: number, r: number) => bounds[r + 1]! - bounds[l]! - span.text.length + BLANK.length;
  while (length(left, right) < FRONT_TARGET_CHARS) {
    if (left > 0 && length(left - 1, right) <= FRONT_MAX_CHARS) left--;
    else if (right + 2 < bounds.length && length(left, right + 1) <= FRONT_MAX_CHARS) right++;
    else break;
  }
  let start = bounds[left]!;
  let end = Math.min(sentence.length, bounds[right + 1]!);
  if (length(left, right) > FRONT_MAX_CHARS) {
    // One long clause: keep the words nearest the blank, more of them before it.
    const budget = FRONT_MAX_CHARS - BLANK.length;
    const before = sentence.slice(start, span.index);
    const after = sentence.slice(spanEnd, end);
    const keepBefore = Math.min(before.length, Math.ceil(budget * 0.6));
    const keepAfter = Math.min(after.length, budget - keepBefore);
    start = span.index - keepBefore;
    end = spanEnd + keepAfter;
    while (start < span.index && sentence[start - 1] !== " " && start > 0) start++;
    while (end > spanEnd && sentence[end] !== " " && end < sentence.length) end--;
  }
  const front = (sentence.slice(start, span.index) + BLANK + sentence.slice(spanEnd, end))
    .trim()
    .replace(TRAILING_SEPARATORS, "");
  if (characterCount(front) > FRONT_MAX_CHARS) return null;
  const context = front.replace(BLANK, " ").trim().split(/\s+/u);
  if (context.length < CLOZE_MIN_CONTEXT_WORDS) return null;
  // A second mention of the answer elsewhere in the front would give it away.
  if (front.toLowerCase().replace(BLANK, " ").includes(span.text.toLowerCase())) return null;
  return front;
}

/** How many proposals a text gets: `count` when asked, else NATURAL_DENSITY per 1,000 characters; at most 50. */
function targetCount(text: string, count?: number): number {
  const natural = Math.ceil((characterCount(text.trim()) * NATURAL_DENSITY) / 1000);
  return Math.max(0, Math.min(MAX_PROPOSALS, count ?? natural));
}

/** Every card the sentences allow, each with its salience and its place in the text. */
function candidates(sentences: string[], language: Language, stats: TextStats, topics: Topic): Candidate[] {
  const found: Candidate[] = [];
  sentences.forEach((sentence, index) => {
    if (!isUsableText(sentence) || sentence.endsWith("?")) return;
    if (sentence.split(" ").length < SENTENCE_MIN_WORDS) return;
    const order = index * 10_000;
    const starts = clauseStarts(sentence);
    const mine: Candidate[] = [];
    const definition = definitionInClauses(sentence, language, starts, stats);
    if (definition && !isEmptyAnswer(definition.card.back, language, topics)) {
      const { card, score } = definition;
      mine.push({ back: card.back, front: () => card.front, score, order, sentence: index });
    }
    for (const span of candidateSpans(sentence, language, stats)) {
      if (mine.length >= CANDIDATES_PER_SENTENCE) break;
      if (isEmptyAnswer(span.text, language, topics)) continue;
      const front = () => clozeFront(sentence, span, starts);
      mine.push({ back: span.text, front, score: span.score, order: order + 1 + span.index, sentence: index, span });
    }
    // A sentence's further cards compete with other sentences' best ones at a handicap: spread the facts.
    mine.sort((a, b) => b.score - a.score || a.order - b.order);
    mine.forEach((candidate, rank) => {
      found.push({ ...candidate, score: candidate.score - rank * SIBLING_HANDICAP });
    });
  });
  return found;
}

/** A definition opening the sentence, or else one of its clauses ("…, que la forma política es la monarquía…"). */
function definitionInClauses(sentence: string, language: Language, starts: number[], stats: TextStats) {
  const whole = definitionCard(sentence, language, stats);
  if (whole) return whole;
  const clauses = starts.slice(1);
  for (const match of sentence.matchAll(SUBORDINATOR[language])) clauses.push(match.index + match[0].length);
  for (const start of clauses.sort((a, b) => a - b)) {
    const clause = definitionCard(sentence.slice(start), language, stats);
    if (clause) return clause;
  }
  return null;
}

/** What a caller may ask of the local extractor. */
export type ExtractOptions = {
  /** How many proposals are wanted (1–50); without it the text's natural number. */
  count?: number;
};

/**
 * Turns a text into flashcard proposals, deterministically and without any network access: the most salient
 * facts, at most two per sentence, each answer asked once, returned in text order. Every back is a verbatim piece
 * of the whitespace-normalised text.
 */
export function extractProposals(text: string, options: ExtractOptions = {}): Proposal[] {
  const stats = textStats(text);
  const language = detectLanguage(text, stats.counts);
  const sentences = splitSentences(text, language);
  const topics: Topic = { stems: topicStems(stats, language), subject: openingSubject(sentences[0] ?? "", language) };
  const target = targetCount(text, options.count);
  const ranked = candidates(sentences, language, stats, topics).sort((a, b) => b.score - a.score || a.order - b.order);

  const picked: { card: Proposal; order: number }[] = [];
  const fronts = new Set<string>();
  const backs = new Set<string>();
  const perSentence = new Map<number, Candidate[]>();
  for (const candidate of ranked) {
    if (picked.length >= target) break;
    const backId = candidate.back.toLowerCase();
    const siblings = perSentence.get(candidate.sentence) ?? [];
    if (backs.has(backId) || siblings.length >= CARDS_PER_SENTENCE) continue;
    const span = candidate.span;
    if (span && siblings.some((other) => other.span && overlaps(other.span, span))) continue;
    const front = candidate.front();
    if (!front || fronts.has(front.toLowerCase())) continue;
    fronts.add(front.toLowerCase());
    backs.add(backId);
    perSentence.set(candidate.sentence, [...siblings, candidate]);
    picked.push({ card: { front, back: candidate.back }, order: candidate.order });
  }
  return picked.sort((a, b) => a.order - b.order).map((choice) => choice.card);
}

/** The offline provider: same interface as the LLM providers, so the generations handler treats it alike. */
export function createLocalProvider(): FlashcardProvider {
  return {
    model: LOCAL_MODEL,
    async generate(sourceText: string, options?: GenerateOptions) {
      return { proposals: extractProposals(sourceText, { count: options?.count }) };
    },
  };
}
