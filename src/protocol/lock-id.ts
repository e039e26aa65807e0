/**
 * Lock ID rules. WOPI lock IDs are opaque strings: compare them exactly, never parse them (Office
 * sends JSON-looking values). With `SupportsExtendedLockLength` a host accepts up to 1024
 * characters.
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
