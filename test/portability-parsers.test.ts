/**
 * The import readers, without HTTP or D1: Anki's "Notes in Plain Text" headers and quoting, spreadsheet
 * sniffing, HTML to text, strict UTF-8, and the bounds a crafted file runs into.
 */
import { describe, expect, it } from "vitest";
import { frontKey } from "../src/lib/front-key";
import { decodeUtf8 } from "../src/portability/decode-text";
import { MAX_COLUMNS, readRecords } from "../src/portability/delimited";
import { htmlToText } from "../src/portability/html-to-text";
import { MAX_IMPORT_ROWS, parseImportFile } from "../src/portability/import-file";
import ankiFull from "./fixtures/anki/anki-notes-full.txt?raw";
import ankiSemicolon from "./fixtures/anki/anki-notes-semicolon.txt?raw";
import headerless from "./fixtures/anki/headerless.tsv?raw";
import spreadsheet from "./fixtures/anki/spreadsheet-semicolon.csv?raw";

describe("Anki notes in plain text", () => {
  it("reads a full Anki export: guid and notetype columns, decks, tags, HTML, quoted multi-line fields, CRLF", () => {
    const parsed = parseImportFile(ankiFull);
    expect(parsed.format).toBe("anki");
    expect(parsed.html).toBe(true);
    expect(parsed.totalRows).toBe(5);
    expect(parsed.rejected).toEqual([]);
    expect(parsed.rows).toEqual([
      { line: 7, front: "kot", back: "cat\n(a small feline)", deck: "Languages::Polish", tags: ["nouns", "animals"] },
      { line: 8, front: "pies", back: "dog", deck: "Languages::Polish", tags: ["nouns"] },
      {
        line: 9,
        // HTML: a newline in the markup is whitespace, rendered as one space.
        front: "być to be",
        back: 'to be\nirregular: "jestem"',
        deck: "Languages::Polish::Verbs",
        tags: ["verbs", "irregular"],
      },
      { line: 11, front: "Capital of France", back: "Paris & the Seine", deck: "Geography", tags: ["capitals"] },
      { line: 12, front: "Tab here, semicolon; here", back: "<tag> €5 😀", deck: "Geography", tags: [] },
    ]);
    expect(parsed.warnings).toEqual([
      { line: 8, code: "media_removed", message: expect.stringContaining("1 media reference") },
      { line: 11, code: "media_removed", message: expect.stringContaining("1 media reference") },
    ]);
  });

  it("honours a named separator, #tags, #deck, #columns and a BOM; an unknown directive is a warning", () => {
    const parsed = parseImportFile(ankiSemicolon);
    expect(parsed.separator).toBe(";");
    expect(parsed.html).toBe(false);
    expect(parsed.rows).toEqual([
      { line: 7, front: "H2O", back: "water", deck: "Science::Chemistry", tags: ["imported", "vocab"] },
      {
        line: 8,
        front: "NaCl",
        back: "table salt; sodium chloride",
        deck: "Science::Chemistry",
        tags: ["imported", "vocab"],
      },
      // #html:false: markup is text.
      {
        line: 10,
        front: "CO2",
        back: "carbon dioxide <b>not html</b>",
        deck: "Science::Chemistry",
        tags: ["imported", "vocab"],
      },
    ]);
    expect(parsed.warnings).toEqual([
      { line: 6, code: "unknown_header", message: "Unknown header '#if matches' ignored." },
    ]);
  });

  it.each([
    ["Tab", "\t"],
    ["Comma", ","],
    ["Semicolon", ";"],
    ["Pipe", "|"],
    ["Colon", ":"],
    ["Space", " "],
    ["tab", "\t"],
    ["|", "|"],
    ["~", "~"],
  ])("#separator:%s splits on %j", (name, separator) => {
    const parsed = parseImportFile(`#separator:${name}\nq${separator}a\n`);
    expect(parsed.separator).toBe(separator);
    expect(parsed.rows).toEqual([{ line: 2, front: "q", back: "a", deck: null, tags: [] }]);
  });

  it("reads #tags column and #deck column, deck column overriding #deck", () => {
    const parsed = parseImportFile(
      "#separator:,\n#deck:Fallback\n#deck column:1\n#tags column:4\n,q1,a1,x y\nD::E,q2,a2,\n",
    );
    expect(parsed.rows).toEqual([
      { line: 5, front: "q1", back: "a1", deck: "Fallback", tags: ["x", "y"] },
      { line: 6, front: "q2", back: "a2", deck: "D::E", tags: [] },
    ]);
  });

  it("warns about an invalid separator, html flag or column number and keeps going", () => {
    const parsed = parseImportFile("#separator:Tabs\n#html:yes\n#deck column:0\n#no colon here\nq\ta\n");
    expect(parsed.rows).toEqual([{ line: 5, front: "q", back: "a", deck: null, tags: [] }]);
    expect(parsed.warnings.map((w) => [w.line, w.code])).toEqual([
      [1, "invalid_header"],
      [2, "invalid_header"],
      [3, "invalid_header"],
      [4, "unknown_header"],
    ]);
  });

  it("keeps the line where a multi-line row starts", () => {
    const parsed = parseImportFile('#separator:tab\n"a\nb\nc"\tx\nnext\ty\n');
    expect(parsed.rows.map((r) => [r.line, r.front])).toEqual([
      [2, "a\nb\nc"],
      [5, "next"],
    ]);
  });

  it("warns once about extra fields of a note type with more than two fields", () => {
    const parsed = parseImportFile("#separator:tab\nq\ta\textra\nq2\ta2\tmore\n");
    expect(parsed.rows).toHaveLength(2);
    expect(parsed.warnings).toEqual([{ line: 2, code: "extra_columns", message: expect.any(String) }]);
  });
});

describe("spreadsheets", () => {
  it("reads a spreadsheet CSV: BOM, CRLF, ';' separator, header row, quoted newline", () => {
    const parsed = parseImportFile(spreadsheet, "csv");
    expect(parsed.format).toBe("csv");
    expect(parsed.separator).toBe(";");
    expect(parsed.rows).toEqual([
      { line: 2, front: "Mitochondrion", back: "Powerhouse of the cell", deck: null, tags: ["biology", "cells"] },
      { line: 3, front: "Ribosome", back: "Makes proteins;\nfound in all cells", deck: null, tags: ["biology"] },
      { line: 5, front: "Żółw", back: "turtle", deck: null, tags: [] },
    ]);
  });

  it("reads a headerless TSV as front, back, tags", () => {
    const parsed = parseImportFile(headerless, "tsv");
    expect(parsed.format).toBe("tsv");
    expect(parsed.rows).toEqual([
      { line: 1, front: "front one", back: "back one", deck: null, tags: ["tag-a", "tag-b"] },
      { line: 2, front: "front two", back: "back two", deck: null, tags: [] },
    ]);
  });

  it("sniffs the separator from the first line, ignoring separators inside quotes", () => {
    expect(parseImportFile('"a,b,c";x\n', "csv").separator).toBe(";");
    expect(parseImportFile("a,b\n", "csv").separator).toBe(",");
    expect(parseImportFile("just one field\n", "csv").separator).toBe(",");
    expect(parseImportFile("just one field\n", "tsv").separator).toBe("\t");
  });

  it("maps a header row in any order, including our own cards.csv export's columns", () => {
    const parsed = parseImportFile(
      "back,front,deck,tags,source,created_at,due,state\r\nA,Q,Top::Sub,t1 t2,manual,2026-01-01T00:00:00.000Z,2026-01-01T00:00:00.000Z,new\r\n",
      "csv",
    );
    expect(parsed.rows).toEqual([{ line: 2, front: "Q", back: "A", deck: "Top::Sub", tags: ["t1", "t2"] }]);
  });

  it("a first row that is ordinary data is not taken for a header", () => {
    const parsed = parseImportFile("Front page,news\n", "csv");
    expect(parsed.rows).toEqual([{ line: 1, front: "Front page", back: "news", deck: null, tags: [] }]);
  });
});

describe("bounds (SECURITY.md #30)", () => {
  it("counts every row past the limit but keeps only the limit", () => {
    const text = "q\ta\n".repeat(MAX_IMPORT_ROWS + 7);
    const parsed = parseImportFile(text);
    expect(parsed.rows).toHaveLength(MAX_IMPORT_ROWS);
    expect(parsed.totalRows).toBe(MAX_IMPORT_ROWS + 7);
  });

  it("rejects a row with thousands of columns without keeping them", () => {
    const parsed = parseImportFile(`#separator:,\n${",".repeat(5_000)}x\nq,a\n`);
    expect(parsed.rejected).toEqual([{ line: 2, code: "too_many_columns", message: expect.any(String) }]);
    expect(parsed.rows).toEqual([{ line: 3, front: "q", back: "a", deck: null, tags: [] }]);
  });

  it("reads deeply nested quotes and an unterminated quote as text", () => {
    const nested = `"${'""'.repeat(10_000)}"\tb\n`;
    expect(parseImportFile(nested).rows[0]?.front).toBe('"'.repeat(10_000));
    expect(parseImportFile('"never closed\tb\nstill').rows).toEqual([
      { line: 1, front: "never closed\tb\nstill", back: "", deck: null, tags: [] },
    ]);
  });

  it("tokenizes CR-only line ends and skips blank lines", () => {
    const { records, total } = readRecords("a,b\r\r\nc,d\rx", { separator: ",", start: 0, line: 1, maxRecords: 10 });
    expect(total).toBe(3);
    expect(records.map((r) => [r.line, r.fields])).toEqual([
      [1, ["a", "b"]],
      [3, ["c", "d"]],
      [4, ["x"]],
    ]);
    expect(MAX_COLUMNS).toBe(64);
  });
});

describe("HTML to text", () => {
  it.each([
    ["a<br>b<br/>c<BR />d", "a\nb\nc\nd"],
    ["<div>one</div><div>two</div>", "one\ntwo"],
    ["first<div>second</div>", "first\nsecond"],
    ["<p>para</p><p>graph</p>", "para\ngraph"],
    ["a<br><br><br><br>b", "a\n\nb"],
    ["<ul><li>x</li><li>y</li></ul>", "x\ny"],
    ["a &amp; b &lt;c&gt; &quot;d&quot; &#39;e&#39; &apos;f&apos;", "a & b <c> \"d\" 'e' 'f'"],
    ["x&nbsp;&nbsp;y", "x  y"],
    ["&#x1F600; &#128512; &#0; &#xD800; &#1114112;", "😀 😀"],
    ["&unknown; & alone &amp", "&unknown; & alone &amp"],
    ["<b>bold</b> <i>it</i> <span style='x'>s</span>", "bold it s"],
    ["spaces   \n  collapse", "spaces collapse"],
    ["<script>alert(1)</script>safe<style>p{}</style>", "safe"],
    ["<!-- comment -->kept", "kept"],
    ["1 < 2 and 3 > 2", "1 < 2 and 3 > 2"],
  ])("%j → %j", (html, text) => {
    expect(htmlToText(html)).toEqual({ text, mediaRemoved: 0 });
  });

  it("removes and counts [sound:…] and <img> references", () => {
    expect(htmlToText('say [sound:a.mp3] it <img src="b.png"> now')).toEqual({ text: "say it now", mediaRemoved: 2 });
  });

  it("is linear on a huge run of entities", () => {
    const converted = htmlToText("&amp;".repeat(200_000));
    expect(converted.text).toHaveLength(200_000);
  });
});

describe("UTF-8", () => {
  it("decodes UTF-8 and strips the BOM", () => {
    expect(decodeUtf8(new Uint8Array([0xef, 0xbb, 0xbf, 0x7a, 0xc3, 0xb3, 0xc5, 0x82, 0x77]))).toBe("zółw");
  });

  it.each([
    ["Latin-1 é", [0x63, 0x61, 0x66, 0xe9]],
    ["truncated sequence", [0xe2, 0x82]],
    ["overlong", [0xc0, 0xaf]],
    ["encoded surrogate", [0xed, 0xa0, 0x80]],
  ])("rejects %s with invalid_encoding", (_name, bytes) => {
    expect(() => decodeUtf8(new Uint8Array(bytes))).toThrow(
      expect.objectContaining({ status: 400, code: "invalid_encoding" }),
    );
  });
});

describe("front key", () => {
  it.each([
    ["Hello, World!", "hello world"],
    ["  HELLO   world  ", "hello world"],
    ["Café", "café"],
    ["Cafe\u0301", "café"],
    ["STRASSE", "strasse"],
    ["straße", "strasse"],
    ["ΣΊΣΥΦΟΣ", "σίσυφοσ"],
    ["What's 2+2?", "whats 22"],
    ["a\tb\nc", "a b c"],
    ["?", "?"],
    ["!!", "!!"],
    ["日本語。", "日本語"],
  ])("%j → %j", (front, key) => {
    expect(frontKey(front)).toBe(key);
  });

  it("treats fronts that differ only in case, spacing and punctuation as one", () => {
    expect(frontKey("What is FSRS?")).toBe(frontKey("what is  fsrs"));
    expect(frontKey("?")).not.toBe(frontKey("!"));
  });
});
