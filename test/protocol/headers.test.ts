import type { IncomingHttpHeaders } from 'node:http';
import { HEADER, parseBooleanHeader, parseEditorsHeader, readEitherHeader, readHeader } from '../../src/protocol/headers';

describe('readHeader', () => {
  // Node lower-cases incoming header names; readHeader takes the WOPI spelling.
  it.each<[string, IncomingHttpHeaders, string, string | undefined]>([
    ['WOPI spelling finds the lower-cased key', { 'x-wopi-lock': 'L1' }, 'X-WOPI-Lock', 'L1'],
    ['lower-case name', { 'x-wopi-lock': 'L1' }, 'x-wopi-lock', 'L1'],
    ['mixed-case name', { 'x-wopi-lock': 'L1' }, 'x-WoPi-LoCk', 'L1'],
    ['absent header', { 'x-wopi-oldlock': 'L1' }, 'X-WOPI-Lock', undefined],
    ['empty value is kept (present but empty)', { 'x-wopi-lock': '' }, 'X-WOPI-Lock', ''],
    ['value is not trimmed', { 'x-wopi-lock': ' L1 ' }, 'X-WOPI-Lock', ' L1 '],
    ['array yields its first value', { 'set-cookie': ['a=1', 'b=2'] }, 'Set-Cookie', 'a=1'],
    ['empty array yields undefined', { 'set-cookie': [] }, 'Set-Cookie', undefined],
  ])('%s', (_label, headers, name, expected) => {
    expect(readHeader(headers, name)).toBe(expected);
  });
});

describe('readEitherHeader', () => {
  const cool = HEADER.coolTimestamp;
  const lool = HEADER.lloolTimestamp;
  it.each<[string, IncomingHttpHeaders, string | undefined]>([
    ['both present: the preferred (COOL) spelling wins', { 'x-cool-wopi-timestamp': 'cool', 'x-lool-wopi-timestamp': 'lool' }, 'cool'],
    ['only preferred', { 'x-cool-wopi-timestamp': 'cool' }, 'cool'],
    ['only fallback', { 'x-lool-wopi-timestamp': 'lool' }, 'lool'],
    ['neither', {}, undefined],
    [
      'an empty preferred header does not hide the fallback value',
      { 'x-cool-wopi-timestamp': '', 'x-lool-wopi-timestamp': 'lool' },
      'lool',
    ],
    ['both empty gives the empty preferred value', { 'x-cool-wopi-timestamp': '', 'x-lool-wopi-timestamp': '' }, ''],
    ['preferred empty and no fallback gives the empty value', { 'x-cool-wopi-timestamp': '' }, ''],
  ])('%s', (_label, headers, expected) => {
    expect(readEitherHeader(headers, cool, lool)).toBe(expected);
  });
});

describe('parseBooleanHeader', () => {
  it.each<[string | undefined, boolean | undefined]>([
    ['true', true],
    ['false', false],
    ['TRUE', true],
    ['False', false],
    [' TRUE ', true],
    ['\tfalse\t', false],
    ['yes', undefined],
    ['no', undefined],
    ['1', undefined],
    ['0', undefined],
    ['', undefined],
    ['   ', undefined],
    ['truefalse', undefined],
    ['true,true', undefined],
    [undefined, undefined],
  ])('%j → %j', (value, expected) => {
    expect(parseBooleanHeader(value)).toBe(expected);
  });
});

describe('parseEditorsHeader', () => {
  it.each<[string | undefined, string[]]>([
    [undefined, []],
    ['', []],
    ['   ', []],
    [',', []],
    [' , ,, ', []],
    ['u1', ['u1']],
    ['u1,u2', ['u1', 'u2']],
    [' u1 , u2 ,, u3 ', ['u1', 'u2', 'u3']],
    ['u1,u1', ['u1', 'u1']],
    ['user@example.com,other user', ['user@example.com', 'other user']],
  ])('%j → %j', (value, expected) => {
    expect(parseEditorsHeader(value)).toEqual(expected);
  });
});
