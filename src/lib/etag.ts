/**
 * Conditional requests on versioned rows (flashcards, decks): a strong `ETag: "<version>"`,
 * `If-None-Match` for cheap re-reads (304) and `If-Match` so that a device's edit or delete applies
 * only to the version it saw (412 otherwise). The version is the row's `version` column, which every
 * change of the row increments.
 */
import * as z from "zod";
import { validationFailed } from "./errors";

/** The strong entity tag of a row version. */
export const etag = (version: number) => `"${version}"`;

/** OpenAPI description of the ETag response header. */
export const ETAG_HEADER_DOC = {
  ETag: {
    description:
      'The row\'s version as a strong entity tag, e.g. `"3"`: send it back in `If-Match` or `If-None-Match`.',
    schema: { type: "string" },
  },
};

/** What an `If-Match` / `If-None-Match` header asks for: any version (`*`) or one of a list. */
export type EntityTagCondition = "*" | number[];

const TAG = /^(W\/)?"(\d{1,15})"$/;

/**
 * Parses an `If-Match` or `If-None-Match` header; undefined when absent. Weak tags (`W/"3"`) name the
 * same version (our tags are all strong; If-None-Match compares weakly by definition).
 * @throws ApiError 400 naming the header when it is not `*` or a list of quoted versions.
 */
export function parseEntityTags(header: string | undefined, name: string): EntityTagCondition | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value === "*") return "*";
  const versions: number[] = [];
  for (const part of value.split(",")) {
    const match = TAG.exec(part.trim());
    if (!match) {
      throw validationFailed([
        { path: name, code: "invalid_format", message: 'Must be * or a list of entity tags such as "3".' },
      ]);
    }
    versions.push(Number(match[2]));
  }
  return versions;
}

/** True when the row's version satisfies the condition. */
export const matchesVersion = (condition: EntityTagCondition, version: number) =>
  condition === "*" || condition.includes(version);

/**
 * The conditional-read step of a versioned GET: sets the row's `ETag` on the response and tells whether
 * the client's `If-None-Match` already names this version (the route then answers 304 without a body).
 * @throws ApiError 400 when the header is malformed.
 */
export function notModified(
  c: { header: (name: string, value: string) => void },
  ifNoneMatch: string | undefined,
  version: number,
): boolean {
  const condition = parseEntityTags(ifNoneMatch, "If-None-Match");
  c.header("ETag", etag(version));
  return condition !== undefined && matchesVersion(condition, version);
}

/** Request-header schemas (for validation and the OpenAPI document). */
export const ifMatchHeaderSchema = z.object({
  "if-match": z
    .string()
    .max(1_000)
    .optional()
    .meta(
      ROUTE_DOCS
        ? { description: 'Apply only if the row is still at this version (its ETag, e.g. `"3"`); else 412.' }
        : {},
    ),
});
/** The optional `If-None-Match` header of a conditional read (304 when unchanged). */
export const ifNoneMatchHeaderSchema = z.object({
  "if-none-match": z
    .string()
    .max(1_000)
    .optional()
    .meta(
      ROUTE_DOCS ? { description: "Answer 304 without a body if the row is still at this version (its ETag)." } : {},
    ),
});
