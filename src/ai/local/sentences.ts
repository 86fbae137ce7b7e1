/**
 * Sentences of a text for the local generator: paragraphs, then ICU sentence breaks (Intl.Segmenter), then the
 * breaks ICU gets wrong in our languages glued back: after an ordinal ("am 31. März 1685"), an initial
 * ("John F. Kennedy") or an abbreviation ("im. Fryderyka Chopina", "z. B.").
 */
import { ABBREVIATIONS, LANGUAGES, type Language } from "./languages";

// Built once: creating a segmenter loads ICU break rules, which costs far more than segmenting.
const SEGMENTERS = Object.fromEntries(
  LANGUAGES.map((language) => [language, new Intl.Segmenter(language, { granularity: "sentence" })]),
) as Record<Language, Intl.Segmenter>;

const SEGMENT_CHUNK_CHARS = 2000;
const SENTENCE_GAP = /[.!?…]["”’»)]* (?=[\p{Lu}\p{N}"„“«(¿¡])/gu;
const WHITESPACE_RUN = /\s+/g;
/** "31." or "18.": a day or an ordinal, never the end of a sentence in a German date. */
const ENDS_WITH_ORDINAL = /(?:^|[\s(])\d{1,2}\.$/u;
/** "John F.": an initial after a capitalised first name (not "árboles B." ending a sentence). */
const ENDS_WITH_INITIAL = /\p{Lu}\p{Ll}+ \p{Lu}\.$/u;
const LAST_WORD = /\S+$/u;
const STARTS_LOWER_CASE = /^[\p{Ll}]/u;

/** Collapses every run of whitespace to one space and trims. */
export const normalizeWhitespace = (text: string) => text.replace(WHITESPACE_RUN, " ").trim();

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

/** Whether ICU's break after `previous` is wrong: the sentence goes on in `next`. */
function continues(previous: string, next: string): boolean {
  if (STARTS_LOWER_CASE.test(next)) return true;
  if (ENDS_WITH_ORDINAL.test(previous) || ENDS_WITH_INITIAL.test(previous)) return true;
  const lastWord = LAST_WORD.exec(previous)?.[0].toLowerCase() ?? "";
  return ABBREVIATIONS.has(lastWord);
}

/** The text's sentences, whitespace-normalised, in order. */
export function splitSentences(text: string, language: Language): string[] {
  const sentences: string[] = [];
  for (const paragraph of splitParagraphs(text)) {
    let current = "";
    for (const chunk of splitIntoChunks(paragraph)) {
      for (const { segment } of SEGMENTERS[language].segment(chunk)) {
        const sentence = segment.trim();
        if (!sentence) continue;
        if (current && continues(current, sentence)) {
          current = `${current} ${sentence}`;
        } else {
          if (current) sentences.push(current);
          current = sentence;
        }
      }
    }
    if (current) sentences.push(current);
  }
  return sentences;
}
