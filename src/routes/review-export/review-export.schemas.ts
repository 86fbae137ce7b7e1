/**
 * Request schema of GET /reviews/export.csv.
 */
import * as z from "zod";

/** No query parameters (strict: an unknown one is a 400, as everywhere). */
export const reviewExportQuerySchema = z.strictObject({});
