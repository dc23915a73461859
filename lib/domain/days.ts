/** Milliseconds in a day. */
export const DAY_MS = 24 * 60 * 60_000;

/** A moment's UTC day as `YYYY-MM-DD`: how per-day counts (signups, flag evaluations) name their days. */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}
