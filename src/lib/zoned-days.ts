/**
 * The learner's days: a day runs from `dayStartsAt` o'clock in the learner's time zone to the same
 * wall-clock time the next date (23 or 25 hours across a daylight-saving change). Offsets come from
 * `Intl.DateTimeFormat`, the only time-zone database a Worker has.
 */

import { DAY_MS } from "./days";

/** One hour, in milliseconds. */
export const HOUR_MS = 3_600_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** One formatter per zone and isolate: building one costs far more than formatting with it. */
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * The canonical name of a time zone as `Intl.DateTimeFormat` resolves it (`US/Eastern` →
 * `America/New_York`, `utc` → `UTC`), or undefined when the runtime does not know the zone.
 */
export function canonicalTimeZone(input: string): string | undefined {
  if (input.length === 0 || input.length > 64) return undefined;
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: input }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** The wall-clock time of `ms` in `timeZone`, expressed as if that wall clock were UTC (ms). */
function wallClock(ms: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(ms))) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  const second = Math.floor(ms / 1000) * 1000;
  const wall = Date.UTC(
    parts.year ?? 1970,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  return wall + (ms - second);
}

/** The zone's offset from UTC at the instant `ms`, in ms (Warsaw in summer: +7,200,000). */
export const offsetAt = (ms: number, timeZone: string) => wallClock(ms, timeZone) - ms;

/**
 * The instant at which the wall clock in `timeZone` shows `wall` (a UTC-encoded wall time). Like
 * Temporal's `compatible` disambiguation: a time repeated by a fall-back change takes the earlier
 * instant; a time skipped by a spring-forward gap moves forward by the gap's length.
 */
export function instantOfWallClock(wall: number, timeZone: string): number {
  const before = offsetAt(wall - DAY_MS, timeZone);
  const after = offsetAt(wall + DAY_MS, timeZone);
  const candidates = [wall - before, wall - after].filter((ms) => wallClock(ms, timeZone) === wall);
  if (candidates.length > 0) return Math.min(...candidates);
  // In a gap: the instant the old offset would have given lies after the change.
  return wall - before;
}

/** A learner's date (`YYYY-MM-DD`) as a UTC-encoded midnight. */
export const dateToUtcMidnight = (date: string) => Date.parse(`${date}T00:00:00Z`);
/** A UTC-encoded midnight as `YYYY-MM-DD`. */
export const utcMidnightToDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Where a learner's days start: the zone and the hour of the day start. */
export type DayClock = { timeZone: string; dayStartsAt: number };

/** The learner's date (`YYYY-MM-DD`) that contains the instant `ms`. */
export function learnerDate(ms: number, clock: DayClock): string {
  const shifted = wallClock(ms, clock.timeZone) - clock.dayStartsAt * HOUR_MS;
  return utcMidnightToDate(Math.floor(shifted / DAY_MS) * DAY_MS);
}

/** The instant a learner's date starts (its `dayStartsAt` o'clock in the zone). */
export const startOfLearnerDate = (date: string, clock: DayClock) =>
  instantOfWallClock(dateToUtcMidnight(date) + clock.dayStartsAt * HOUR_MS, clock.timeZone);

/** The date `days` after `date` (negative: before). */
export const addDays = (date: string, days: number) => utcMidnightToDate(dateToUtcMidnight(date) + days * DAY_MS);

/** Whole days from `from` to `to` (both `YYYY-MM-DD`). */
export const daysBetween = (from: string, to: string) =>
  Math.round((dateToUtcMidnight(to) - dateToUtcMidnight(from)) / DAY_MS);

/** The learner's current day: its date and its `[start, end)` instants. */
export function learnerDay(ms: number, clock: DayClock): { date: string; start: number; end: number } {
  const date = learnerDate(ms, clock);
  return { date, start: startOfLearnerDate(date, clock), end: startOfLearnerDate(addDays(date, 1), clock) };
}

/**
 * `[start, end)` instants of every learner date from `from` to `to` inclusive, as one JSON-ready list
 * (the statistics pass it to SQLite as a single parameter and join on it).
 */
export function learnerDayWindows(from: string, to: string, clock: DayClock): [string, number, number][] {
  const windows: [string, number, number][] = [];
  let start = startOfLearnerDate(from, clock);
  for (let date = from; date <= to; ) {
    const next = addDays(date, 1);
    const end = startOfLearnerDate(next, clock);
    windows.push([date, start, end]);
    start = end;
    date = next;
  }
  return windows;
}
