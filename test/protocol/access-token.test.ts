import { parse } from 'node:querystring';
import { accessTokenParameter } from '../../src/protocol/access-token';

describe('accessTokenParameter', () => {
  it.each<[string, string, string | undefined]>([
    ['the only parameter', '/files/a?access_token=abc.def.ghi', 'abc.def.ghi'],
    ['among others', '/files/a?x=1&access_token=abc&access_token_ttl=5', 'abc'],
    ['last', '/files/a/contents?access_token_ttl=0&access_token=t0k', 't0k'],
    ['percent-encoded', '/files/a?access_token=a%2Bb%2Fc%3D', 'a+b/c='],
    ['"+" is a space, as in any query string', '/files/a?access_token=a+b', 'a b'],
    ['empty', '/files/a?access_token=', ''],
    ['no query', '/files/a', undefined],
    ['an empty query', '/files/a?', undefined],
    ['absent', '/files/a?token=abc', undefined],
    ['a longer name is another parameter', '/files/a?access_token_ttl=abc', undefined],
    ['a prefix of the name is another parameter', '/files/a?access_tok=abc', undefined],
    ['no "=" (no value)', '/files/a?access_token', undefined],
    ['upper case is another parameter', '/files/a?ACCESS_TOKEN=abc', undefined],
    ['twice: ambiguous, so none', '/files/a?access_token=a&access_token=b', undefined],
    ['malformed percent-encoding', '/files/a?access_token=%zz', undefined],
    ['an array in qs syntax is not a token', '/files/a?access_token[]=abc', undefined],
  ])('%s: %s → %j', (_label, url, expected) => {
    expect(accessTokenParameter(url)).toBe(expected);
  });

  it('agrees with node:querystring wherever querystring finds exactly one well-formed value', () => {
    const values = ['eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln', 'a%20b', 'x+y', '%E6%97%A5', 'a=b', "~!*()'", ''];
    for (const value of values) {
      for (const url of [`/f?access_token=${value}`, `/f?a=1&access_token=${value}&b=2`]) {
        const expected = parse(url.slice(url.indexOf('?') + 1)).access_token;
        expect(accessTokenParameter(url)).toBe(expected);
      }
    }
  });
});
