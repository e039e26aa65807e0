/**
 * Collabora's save-conflict check: PutFile may carry `X-COOL-WOPI-Timestamp` (or
 * `X-LOOL-WOPI-Timestamp`), the `LastModifiedTime` the editor saw in CheckFileInfo.
 */

/** `LastModifiedTime` as CheckFileInfo sends it: ISO 8601 in UTC with milliseconds. */
export function formatLastModifiedTime(date: Date): string {
  return date.toISOString();
}

/**
 * True when the timestamp header names the same instant (to the millisecond) as the file's
 * current modification time. A value that does not parse as a date never matches, so the save
 * is refused rather than allowed to overwrite changes made elsewhere.
 */
export function timestampMatches(header: string, lastModified: Date): boolean {
  const parsed = Date.parse(header.trim());
  if (Number.isNaN(parsed)) return false;
  return parsed === lastModified.getTime();
}
