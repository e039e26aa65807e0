import {
  checkLockId,
  DEFAULT_LOCK_TTL_MS,
  LOCK_ID_COMPARISONS,
  lockIdsMatch,
  MAX_LOCK_ID_LENGTH,
  officeLockSession,
} from '../../src/protocol/lock-id';

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

describe('officeLockSession', () => {
  it.each<[string, string, string | undefined]>([
    ['a short Office lock ID', '{"S":"9d578795-b390-456b-affe-cc3c68078ea9","F":4}', '9d578795-b390-456b-affe-cc3c68078ea9'],
    [
      'a long Office lock ID',
      '{"S":"9d578795-b390-456b-affe-cc3c68078ea9","F":6,"E":2,"M":"690fa7865d594d02a3d458a39b5e79db","P":"088008EE-9FA3-48CA-A8C0-2E3A0E455F30"}',
      '9d578795-b390-456b-affe-cc3c68078ea9',
    ],
    ['S alone', '{"S":"abc"}', 'abc'],
    ['S not first, spaces inside', '{ "F" : 4 , "S" : "abc" }', 'abc'],
    ['white space around the object', '  {"S":"abc"}\t', 'abc'],
    ['an S with escapes', '{"S":"a\\"b\\u00e9"}', 'a"bé'],
    ['S given twice: the last one counts (as JSON.parse does)', '{"S":"one","S":"two"}', 'two'],
    ['nested values elsewhere', '{"S":"abc","X":{"S":"inner"},"Y":[1,2]}', 'abc'],
    ['a plain lock ID', 'cool-lock1a2b3c4d', undefined],
    ['a file ID as lock ID (ONLYOFFICE)', 'EJd8K_OgRjus1Exuc4w7F1', undefined],
    ['the empty string', '', undefined],
    ['invalid JSON', '{"S":"abc",}', undefined],
    ['a truncated object', '{"S":"abc"', undefined],
    ['JSON followed by more text', '{"S":"abc"} trailing', undefined],
    ['an array', '[{"S":"abc"}]', undefined],
    ['a JSON string', '"{\\"S\\":\\"abc\\"}"', undefined],
    ['null', 'null', undefined],
    ['an object without S', '{"F":4}', undefined],
    ['a lowercase s', '{"s":"abc"}', undefined],
    ['S a number', '{"S":123}', undefined],
    ['S null', '{"S":null}', undefined],
    ['S an object', '{"S":{"id":"abc"}}', undefined],
    ['S empty', '{"S":""}', undefined],
  ])('%s → %j', (_label, lockId, session) => {
    expect(officeLockSession(lockId)).toBe(session);
  });
});

describe('lockIdsMatch', () => {
  const short = '{"S":"9d578795","F":4}';
  const long = '{"S":"9d578795","F":6,"E":2,"M":"690fa786","P":"088008EE"}';
  const otherSession = '{"S":"ffff0000","F":4}';
  it.each<[string, string, string, boolean, boolean]>([
    // label, current, requested, match with 'exact', match with 'office'
    ['identical plain IDs', 'abc', 'abc', true, true],
    ['plain IDs differing in case', 'abc', 'ABC', false, false],
    ['plain IDs differing in white space', 'abc', 'abc ', false, false],
    ['identical Office IDs', short, short, true, true],
    ['Office IDs with the same S, other properties changed', short, long, false, true],
    ['the same, the other way round', long, short, false, true],
    ['Office IDs with different S', short, otherSession, false, false],
    ['Office IDs whose S differ in case', '{"S":"abc"}', '{"S":"ABC"}', false, false],
    ['an Office ID and its bare S', short, '9d578795', false, false],
    ['a bare S and an Office ID with it', '9d578795', short, false, false],
    ['JSON objects without S', '{"F":4}', '{"F":4,"E":2}', false, false],
    ['JSON objects with an empty S', '{"S":""}', '{"S":"","F":6}', false, false],
    ['JSON objects with a numeric S', '{"S":1}', '{"S":1,"F":6}', false, false],
    ['an Office ID and an invalid JSON with the same S', short, '{"S":"9d578795",', false, false],
  ])('%s', (_label, current, requested, exact, office) => {
    expect(lockIdsMatch(current, requested)).toBe(exact);
    expect(lockIdsMatch(current, requested, 'exact')).toBe(exact);
    expect(lockIdsMatch(current, requested, 'office')).toBe(office);
  });

  it('lists the comparisons a store accepts', () => {
    expect(LOCK_ID_COMPARISONS).toEqual(['exact', 'office']);
  });
});
