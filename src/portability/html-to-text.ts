/**
 * Converts the HTML of an Anki field to the plain text our cards hold: line breaks and block ends
 * become newlines, entities are decoded (`&nbsp;` to a plain space), every tag is removed, and media
 * references (`[sound:…]`, `<img>`) are removed and reported, since we store no media. One linear pass:
 * no regex backtracking on crafted input.
 */

/** The text and how many media references were removed. */
export type HtmlConversion = { text: string; mediaRemoved: number };

/** Elements whose start or end is a line boundary in rendered text. */
const BLOCK_ELEMENTS = new Set([
  "div",
  "p",
  "li",
  "ul",
  "ol",
  "tr",
  "table",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "blockquote",
  "pre",
  "section",
  "article",
  "header",
  "footer",
  "dd",
  "dt",
  "dl",
]);
/** Elements whose content is not text. */
const SKIPPED_CONTENT = new Set(["script", "style", "head", "title"]);

const NAMED_ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  ensp: " ",
  emsp: " ",
  thinsp: " ",
  shy: "",
  zwj: "\u200D",
  zwnj: "\u200C",
  hellip: "…",
  mdash: "—",
  ndash: "–",
  lsquo: "‘",
  rsquo: "’",
  sbquo: "‚",
  ldquo: "“",
  rdquo: "”",
  bdquo: "„",
  laquo: "«",
  raquo: "»",
  bull: "•",
  middot: "·",
  copy: "©",
  reg: "®",
  trade: "™",
  deg: "°",
  plusmn: "±",
  times: "×",
  divide: "÷",
  minus: "−",
  le: "≤",
  ge: "≥",
  ne: "≠",
  asymp: "≈",
  rarr: "→",
  larr: "←",
  harr: "↔",
  uarr: "↑",
  darr: "↓",
  euro: "€",
  pound: "£",
  yen: "¥",
  cent: "¢",
  sect: "§",
  para: "¶",
  iexcl: "¡",
  iquest: "¿",
  frac12: "½",
  frac14: "¼",
  frac34: "¾",
  sup2: "²",
  sup3: "³",
  micro: "µ",
  alpha: "α",
  beta: "β",
  gamma: "γ",
  delta: "δ",
  pi: "π",
  sigma: "σ",
  omega: "ω",
  lambda: "λ",
  mu: "μ",
  theta: "θ",
};

const SOUND_TAG = "[sound:";

/**
 * Converts one field's HTML to plain text.
 * Whitespace in text runs collapses as a browser would render it; `<br>` and block boundaries are the
 * only line breaks; at most one empty line is kept between paragraphs.
 */
export function htmlToText(html: string): HtmlConversion {
  let out = "";
  let mediaRemoved = 0;
  let i = 0;
  const n = html.length;
  /** A space is owed before the next visible character (collapsed whitespace). */
  let pendingSpace = false;
  let skipUntil: string | null = null;

  const emit = (text: string) => {
    if (text === "") return;
    if (pendingSpace && out !== "" && !out.endsWith("\n")) out += " ";
    pendingSpace = false;
    out += text;
  };
  const newline = (soft: boolean) => {
    pendingSpace = false;
    if (soft && (out === "" || out.endsWith("\n"))) return;
    out += "\n";
  };

  while (i < n) {
    const c = html[i];
    if (c === "<") {
      const close = html.indexOf(">", i + 1);
      const next = html[i + 1] ?? "";
      const isTag = close !== -1 && /[A-Za-z/!?]/.test(next);
      if (!isTag) {
        if (skipUntil === null) emit("<");
        i++;
        continue;
      }
      if (html.startsWith("<!--", i)) {
        const end = html.indexOf("-->", i + 4);
        i = end === -1 ? n : end + 3;
        continue;
      }
      const inner = html.slice(i + 1, close);
      i = close + 1;
      const isEnd = inner.startsWith("/");
      const name = /^\/?\s*([A-Za-z][A-Za-z0-9]*)/.exec(inner)?.[1]?.toLowerCase() ?? "";
      if (skipUntil !== null) {
        if (isEnd && name === skipUntil) skipUntil = null;
        continue;
      }
      if (!isEnd && SKIPPED_CONTENT.has(name) && !inner.endsWith("/")) {
        skipUntil = name;
        continue;
      }
      if (name === "img") mediaRemoved++;
      else if (name === "br") newline(false);
      else if (BLOCK_ELEMENTS.has(name)) newline(true);
      else if (name === "audio" || name === "video") mediaRemoved += isEnd ? 0 : 1;
      continue;
    }
    if (skipUntil !== null) {
      i++;
      continue;
    }
    if (c === "&") {
      const decoded = decodeEntity(html, i);
      if (decoded) {
        // A decoded space (e.g. &nbsp;) is a real character: it does not collapse.
        emit(decoded.text);
        i = decoded.end;
        continue;
      }
      emit("&");
      i++;
      continue;
    }
    if (c === "[" && html.startsWith(SOUND_TAG, i)) {
      const end = html.indexOf("]", i + SOUND_TAG.length);
      if (end !== -1) {
        mediaRemoved++;
        i = end + 1;
        continue;
      }
    }
    if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f") {
      pendingSpace = true;
      i++;
      continue;
    }
    // Copy the run of ordinary characters in one slice.
    let j = i + 1;
    while (j < n && !"<&[ \t\n\r\f".includes(html[j] as string)) j++;
    emit(html.slice(i, j));
    i = j;
  }
  const text = out
    .split("\n")
    .map((line) => line.replace(/[ \t]+$/u, "").replace(/^[ \t]+/u, ""))
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
  return { text, mediaRemoved };
}

/** Longest entity we try to decode (`&thetasym;`, `&#x10FFFF;`): bounds the look-ahead. */
const MAX_ENTITY_LENGTH = 12;

/** Decodes the entity starting at `at` (`&name;`, `&#123;`, `&#x1F600;`), or null when there is none. */
function decodeEntity(html: string, at: number): { text: string; end: number } | null {
  const semicolon = html.indexOf(";", at + 1);
  if (semicolon === -1 || semicolon - at > MAX_ENTITY_LENGTH) return null;
  const body = html.slice(at + 1, semicolon);
  let codePoint: number | undefined;
  if (/^#[0-9]{1,7}$/.test(body)) codePoint = Number.parseInt(body.slice(1), 10);
  else if (/^#[xX][0-9A-Fa-f]{1,6}$/.test(body)) codePoint = Number.parseInt(body.slice(2), 16);
  else {
    const named = NAMED_ENTITIES[body] ?? NAMED_ENTITIES[body.toLowerCase()];
    return named === undefined ? null : { text: named, end: semicolon + 1 };
  }
  // Invalid, surrogate or control code points are dropped rather than stored.
  const isValid =
    codePoint !== undefined &&
    codePoint <= 0x10ffff &&
    !(codePoint >= 0xd800 && codePoint <= 0xdfff) &&
    (codePoint >= 0x20 || codePoint === 9 || codePoint === 10) &&
    !(codePoint >= 0x7f && codePoint <= 0x9f);
  return { text: isValid ? String.fromCodePoint(codePoint as number) : "", end: semicolon + 1 };
}
