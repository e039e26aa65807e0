/**
 * Lock ID rules. WOPI lock IDs are opaque strings, compared exactly, never parsed (Office sends
 * JSON-looking values). The one exception is opt-in: a lock store with `lockIdComparison:
 * 'office'` matches Office's JSON lock IDs on their `S` alone ({@link lockIdsMatch}). With
 * `SupportsExtendedLockLength` a host accepts up to 1024 characters.
 */

/** Longest lock ID this host accepts (WOPI's extended lock length). */
export const MAX_LOCK_ID_LENGTH = 1024;

/** WOPI's lock expiry: 30 minutes after the lock is set or refreshed. */
export const DEFAULT_LOCK_TTL_MS = 30 * 60 * 1000;

export type LockIdCheck = { ok: true; lockId: string } | { ok: false; reason: string };

/**
 * Checks a lock ID taken from a request header. A missing or empty value is invalid (the
 * operations that require `X-WOPI-Lock` answer 400 for it), and so is a value longer than
 * {@link MAX_LOCK_ID_LENGTH} characters or one holding a control character: C0 (HTTP lets a
 * tab through), DEL, or C1 (Node reads header bytes 0x80–0x9F as Latin-1 characters). The
 * value is returned unchanged: no trimming, no normalisation, so that comparison stays exact.
 */
export function checkLockId(value: string | undefined, headerName = 'X-WOPI-Lock'): LockIdCheck {
  if (value === undefined || value.length === 0) {
    return { ok: false, reason: `${headerName} is missing or empty` };
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: C0 and C1 control characters are what this refuses
  if (/[\u0000-\u001f\u007f-\u009f]/.test(value)) {
    return { ok: false, reason: `${headerName} contains a control character` };
  }
  if (value.length > MAX_LOCK_ID_LENGTH) {
    return { ok: false, reason: `${headerName} is longer than ${MAX_LOCK_ID_LENGTH} characters` };
  }
  return { ok: true, lockId: value };
}

/**
 * How a lock store decides that a request's lock ID is the lock on the file:
 *
 * - `'exact'` (the default): the two strings are equal, character for character. This is what
 *   WOPI prescribes: lock IDs are opaque.
 * - `'office'`: equal strings match, and so do two **Office lock IDs** with the same session,
 *   `S` (see {@link officeLockSession}). Microsoft 365 for the web (and Office Online Server) send
 *   JSON lock IDs such as `{"S":"0136ad16-…","F":4}` and, later in the same session,
 *   `{"S":"0136ad16-…","F":6,"E":2,"M":"…","P":"…"}`; compared exactly, the second is refused
 *   with a 409 although it is the same editing session. Opt in per lock store
 *   (`lockIdComparison: 'office'`); docs/locking.md describes the risk.
 */
export type WopiLockIdComparison = 'exact' | 'office';

/** The comparisons a lock store accepts, for option checks. */
export const LOCK_ID_COMPARISONS: readonly WopiLockIdComparison[] = ['exact', 'office'];

/**
 * The session of an Office lock ID: the value of `S` when `lockId` is, as a whole, a JSON object
 * (`JSON.parse` accepts it, and it is neither an array nor `null`) whose `S` is a non-empty
 * string; otherwise `undefined`. Only `S` counts: other properties (`F`, `E`, `M`, `P`, …) are
 * ignored, white space around the JSON is allowed (as `JSON.parse` allows it), and `S` is
 * compared later as it is, case included. A lock ID that merely contains `"S"` somewhere, or a
 * JSON object whose `S` is a number, is not an Office lock ID.
 */
export function officeLockSession(lockId: string): string | undefined {
  // Cheap refusal first: most lock IDs (ONLYOFFICE's file IDs, Collabora's `cool-lock…`) are not JSON.
  if (!lockId.trimStart().startsWith('{')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(lockId);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const session = (parsed as Record<string, unknown>).S;
  return typeof session === 'string' && session.length > 0 ? session : undefined;
}

/**
 * Whether the request's lock ID `requested` is the lock `current` under `comparison` (see
 * {@link WopiLockIdComparison}). With `'office'`, an Office lock ID never matches a lock ID that
 * is not one, even when that one equals its `S`.
 */
export function lockIdsMatch(current: string, requested: string, comparison: WopiLockIdComparison = 'exact'): boolean {
  if (current === requested) return true;
  if (comparison !== 'office') return false;
  const session = officeLockSession(current);
  return session !== undefined && session === officeLockSession(requested);
}
