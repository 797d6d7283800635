/** When the daily summary is due: once per UTC day, at the first check at or after HH:MM UTC. */

/** The UTC day (YYYY-MM-DD) whose summary is due at `now`, or undefined (not yet, or already sent for `lastDay`). */
export function summaryDue(now: number, hhmm: string, lastDay: string | undefined): string | undefined {
  const day = new Date(now).toISOString().slice(0, 10);
  if (day === lastDay) return undefined;
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  const at = Date.parse(`${day}T00:00:00Z`) + (h * 60 + m) * 60_000;
  return now >= at ? day : undefined;
}
