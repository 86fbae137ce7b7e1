/**
 * Request schemas of the queue and statistics endpoints.
 */
import * as z from "zod";
import { limitParam } from "../../lib/paging";

export const queueQuerySchema = z.strictObject({ limit: limitParam });
export const statsQuerySchema = z.strictObject({});
