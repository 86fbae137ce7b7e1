/**
 * The one validation entry point for routes: zod schemas through `@hono/zod-validator`, with a hook
 * that turns every failure, for every target, into the same 400 problem document with field errors.
 */
import { zValidator } from "@hono/zod-validator";
import type { MiddlewareHandler, ValidationTargets } from "hono";
import type * as z from "zod";
import { type FieldError, unsupportedMediaType, validationFailed } from "./errors";

const ROOT_NAME: Partial<Record<keyof ValidationTargets, string>> = { json: "body", query: "query", param: "path" };

/** Maps zod issues to field errors with dotted paths ("flashcards.3.front"). */
export function toFieldErrors(issues: readonly z.core.$ZodIssue[], target: keyof ValidationTargets): FieldError[] {
  const errors: FieldError[] = [];
  for (const issue of issues) {
    const base = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys") {
      // One entry per unknown key, so the client sees exactly which field to drop.
      for (const key of issue.keys) {
        errors.push({ path: base ? `${base}.${key}` : key, code: issue.code, message: `Unknown field '${key}'.` });
      }
      continue;
    }
    errors.push({ path: base || (ROOT_NAME[target] ?? target), code: issue.code, message: issue.message });
  }
  return errors;
}

/**
 * Validates a request target (query, param, header, ...) against a zod schema.
 * @throws ApiError 400 `validation_failed` listing every invalid field.
 */
export const validate = <T extends z.ZodType, Target extends keyof ValidationTargets>(target: Target, schema: T) =>
  zValidator(target, schema, (result) => {
    if (!result.success) throw validationFailed(toFieldErrors(result.error.issues, target));
  });

const JSON_MEDIA_TYPE = /^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i;

/** True when a Content-Type header names JSON (application/json, application/*+json, with parameters). */
export const isJsonContentType = (value: string | undefined) => value !== undefined && JSON_MEDIA_TYPE.test(value);

/**
 * Validates a JSON request body. Rejects a non-JSON Content-Type with 415 first: hono's validator
 * would otherwise read such a body as `{}`. Malformed JSON surfaces as hono's 400 HTTPException,
 * which `onError` renders as `malformed_json`.
 */
export const jsonBody = <T extends z.ZodType>(schema: T) => {
  const validator = validate("json", schema);
  const guarded: MiddlewareHandler = async (c, next) => {
    if (!isJsonContentType(c.req.header("content-type"))) throw unsupportedMediaType();
    return validator(c, next);
  };
  return guarded as typeof validator;
};
