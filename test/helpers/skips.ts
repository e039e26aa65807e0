/**
 * Test groups that could not run here (no Redis, no PostgreSQL, no Chromium, no FUSE, no tmpfs)
 * say so twice: once when they find out, and again in one list after jest's summary, printed by
 * the global teardown from the file the global setup names in EXPRESS_WOPI_SKIP_LOG.
 */
import { appendFileSync } from 'node:fs';

/** Notes that the test group `group` is skipped, and why, for the list after the summary. */
export function noteSkip(group: string, reason: string): void {
  const file = process.env.EXPRESS_WOPI_SKIP_LOG;
  if (file) appendFileSync(file, `${JSON.stringify({ group, reason })}\n`);
}
