import { formatLastModifiedTime, timestampMatches } from '../../src/protocol/timestamp';

describe('formatLastModifiedTime', () => {
  it.each<[string, Date, string]>([
    ['milliseconds kept', new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)), '2024-01-02T03:04:05.006Z'],
    ['zero milliseconds still written', new Date(Date.UTC(2024, 11, 31, 23, 59, 59, 0)), '2024-12-31T23:59:59.000Z'],
    ['epoch', new Date(0), '1970-01-01T00:00:00.000Z'],
  ])('%s', (_label, date, expected) => {
    const formatted = formatLastModifiedTime(date);
    expect(formatted).toBe(expected);
    expect(formatted).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });
});

describe('timestampMatches', () => {
  const modified = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)); // 2024-01-02T03:04:05.006Z
  it.each<[string, string, boolean]>([
    ['the same ISO string', '2024-01-02T03:04:05.006Z', true],
    ['the same string with surrounding spaces', '  2024-01-02T03:04:05.006Z ', true],
    ['the same instant with a +00:00 offset', '2024-01-02T03:04:05.006+00:00', true],
    ['the same instant in another zone', '2024-01-02T05:04:05.006+02:00', true],
    ['one millisecond later', '2024-01-02T03:04:05.007Z', false],
    ['one millisecond earlier', '2024-01-02T03:04:05.005Z', false],
    ['the same second without milliseconds', '2024-01-02T03:04:05Z', false],
    ['another day', '2024-01-03T03:04:05.006Z', false],
    ['garbage', 'not a date', false],
    ['empty', '', false],
    ['whitespace only', '   ', false],
  ])('%s → %s', (_label, header, expected) => {
    expect(timestampMatches(header, modified)).toBe(expected);
  });

  it('round-trips what formatLastModifiedTime produced', () => {
    const d = new Date(1_717_171_717_171);
    expect(timestampMatches(formatLastModifiedTime(d), d)).toBe(true);
    expect(timestampMatches(formatLastModifiedTime(d), new Date(d.getTime() + 1))).toBe(false);
  });
});
