/** UTC day arithmetic for daily limits and statistics (days are UTC days). */

/** One UTC day, in milliseconds. */
export const DAY_MS = 86_400_000;

/** Start of the UTC day containing `ms`. */
export const startOfUtcDay = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;
