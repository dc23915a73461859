/** What the imports page says of a job in its list and in its live progress alike (components/imports/). */

/** Why a job writes nothing for now (issue 18): the flag that refuses its uploader's writes, and that it resumes. */
export const PAUSED_BECAUSE = {
  "read-only-mode": "Paused: the console is in read-only mode (flag ops-read-only-mode). It resumes by itself once that is turned off.",
  "imports-off": "Paused: imports are turned off for the person who uploaded it (flag bulk-import). It resumes by itself once they are on.",
} as const;

/** Where a job's error report downloads from (GET /api/v1/imports/{id}/errors.csv). */
export function errorReportUrl(id: string): string {
  return `/api/v1/imports/${encodeURIComponent(id)}/errors.csv`;
}
