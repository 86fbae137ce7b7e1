/** Time helpers. The server's clock is the only clock: clients never send timestamps. */

/** Renders epoch milliseconds as an ISO 8601 UTC string; null stays null. */
export function toIso(ms: number): string;
export function toIso(ms: number | null): string | null;
export function toIso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
