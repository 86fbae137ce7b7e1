/**
 * Field and line encodings of the text exports: RFC 4180 CSV and Anki's "Notes in Plain Text".
 */

/** A CSV field: quoted (quotes doubled) when it holds a comma, quote, CR or LF. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** A CSV record with its CRLF line end (RFC 4180). */
export const csvLine = (fields: readonly string[]) => `${fields.map(csvField).join(",")}\r\n`;

/**
 * An Anki field in a tab-separated file: quoted (quotes doubled) when it holds a tab, quote, CR or LF,
 * or starts with `#` (Anki would read a first field starting with `#` at the top as a header line).
 */
export function ankiField(value: string): string {
  return /[\t"\r\n]/.test(value) || value.startsWith("#") ? `"${value.replaceAll('"', '""')}"` : value;
}

/** An Anki note line, tab-separated, LF-terminated. */
export const ankiLine = (fields: readonly string[]) => `${fields.map(ankiField).join("\t")}\n`;

/** A `Content-Disposition` value that makes browsers save the body as `filename`. */
export const attachment = (filename: string) => `attachment; filename="${filename}"`;
