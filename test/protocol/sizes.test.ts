import { parseSizeHeader } from '../../src/protocol/sizes';

describe('parseSizeHeader', () => {
  it.each<[string | undefined, number | null | undefined]>([
    // absent → undefined
    [undefined, undefined],
    // valid non-negative decimal integers
    ['0', 0],
    ['123', 123],
    [' 42 ', 42],
    ['007', 7],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
    // present but invalid → null
    ['', null],
    ['   ', null],
    ['-1', null],
    ['+1', null],
    ['1.5', null],
    ['1.', null],
    ['1e3', null],
    ['0x10', null],
    ['1 2', null],
    ['12abc', null],
    ['Infinity', null],
    ['NaN', null],
    ['١٢', null], // non-ASCII digits
    ['9007199254740992', null], // MAX_SAFE_INTEGER + 1
    ['9999999999999999', null], // 16 digits, beyond safe
    ['99999999999999999', null], // 17 digits, beyond safe
  ])('%j → %j', (value, expected) => {
    expect(parseSizeHeader(value)).toBe(expected);
  });
});
