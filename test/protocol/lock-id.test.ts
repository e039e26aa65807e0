import { checkLockId, DEFAULT_LOCK_TTL_MS, MAX_LOCK_ID_LENGTH } from '../../src/protocol/lock-id';

describe('lock-id constants', () => {
  it('allows WOPI extended lock length and a 30-minute expiry', () => {
    expect(MAX_LOCK_ID_LENGTH).toBe(1024);
    expect(DEFAULT_LOCK_TTL_MS).toBe(30 * 60 * 1000);
  });
});

describe('checkLockId', () => {
  const jsonLooking = '{"S":"a1b2c3", "F":4,  "E":2 }';
  it.each<[string, string | undefined]>([
    ['a single character', 'a'],
    ['exactly 1024 characters', 'x'.repeat(1024)],
    ['a JSON-looking value with inner spaces (kept byte-exact)', jsonLooking],
    ['leading/trailing spaces are kept, not trimmed', '  padded lock  '],
    ['a value that only differs in case is kept as is', 'LoCk-ID'],
  ])('accepts %s unchanged', (_label, value) => {
    expect(checkLockId(value)).toStrictEqual({ ok: true, lockId: value });
  });

  it.each<[string, string | undefined, string | undefined, RegExp]>([
    ['undefined', undefined, undefined, /^X-WOPI-Lock is missing or empty$/],
    ['empty string', '', undefined, /^X-WOPI-Lock is missing or empty$/],
    ['1025 characters', 'x'.repeat(1025), undefined, /^X-WOPI-Lock is longer than 1024 characters$/],
    ['undefined, custom header name', undefined, 'X-WOPI-OldLock', /^X-WOPI-OldLock is missing or empty$/],
    ['1025 characters, custom header name', 'y'.repeat(1025), 'X-WOPI-OldLock', /^X-WOPI-OldLock is longer than 1024 characters$/],
  ])('refuses %s', (_label, value, headerName, reason) => {
    const result = headerName === undefined ? checkLockId(value) : checkLockId(value, headerName);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toMatch(reason);
    expect(Object.keys(result).sort()).toEqual(['ok', 'reason']);
  });

  it('returns the very same string (no normalisation of unicode or whitespace)', () => {
    const value = 'e\u0301 \u00e9 ';
    const result = checkLockId(value);
    expect(result.ok && result.lockId).toBe(value);
  });

  it.each([
    ['a tab', 'lock\tid'],
    ['a NUL', 'lock\u0000id'],
    ['an escape', '\u001b[31m'],
    ['DEL', 'lock\u007f'],
    ['a C1 control (0x85, NEL)', 'lock\u0085id'],
  ])('refuses a lock ID holding %s (control character)', (_label, value) => {
    const result = checkLockId(value);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain('control character');
  });
});
