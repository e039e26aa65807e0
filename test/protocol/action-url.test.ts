import {
  appendQuery,
  fillPlaceholders,
  hasWopiSourcePlaceholder,
  resolveActionUrl,
  type PlaceholderValue,
} from '../../src/protocol/action-url';

describe('fillPlaceholders', () => {
  it.each<[string, string, Record<string, PlaceholderValue>, string]>([
    ['known placeholder filled, & kept', 'https://e/x?<ui=UI_LLCC&>', { UI_LLCC: 'en-US' }, 'https://e/x?ui=en-US&'],
    ['unknown placeholder removed with its brackets', 'https://e/x?<showpagestats=PERFSTATS&>', { UI_LLCC: 'en-US' }, 'https://e/x?'],
    [
      'placeholder without & keeps none',
      'https://e/x?<testcategory=VALIDATOR_TEST_CATEGORY>',
      { VALIDATOR_TEST_CATEGORY: 'All' },
      'https://e/x?testcategory=All',
    ],
    [
      'known but undefined → removed',
      'https://e/x?<ui=UI_LLCC&><rs=DC_LLCC&>',
      { UI_LLCC: 'de', DC_LLCC: undefined },
      'https://e/x?ui=de&',
    ],
    ['known but empty → removed', 'https://e/x?<ui=UI_LLCC&>', { UI_LLCC: '' }, 'https://e/x?'],
    ['false → removed', 'https://e/x?<dchat=DISABLE_CHAT&>', { DISABLE_CHAT: false }, 'https://e/x?'],
    ['true → 1 for DISABLE_CHAT', 'https://e/x?<dchat=DISABLE_CHAT&>', { DISABLE_CHAT: true }, 'https://e/x?dchat=1&'],
    ['true → 1 for BUSINESS_USER', 'https://e/x?<IsLicensedUser=BUSINESS_USER&>', { BUSINESS_USER: true }, 'https://e/x?IsLicensedUser=1&'],
    ['true → true for EMBEDDED', 'https://e/x?<embed=EMBEDDED&>', { EMBEDDED: true }, 'https://e/x?embed=true&'],
    ['numbers as text', 'https://e/x?<thm=THEME_ID&>', { THEME_ID: 2 }, 'https://e/x?thm=2&'],
    ['values URL-encoded', 'https://e/x?<sc=SESSION_CONTEXT&>', { SESSION_CONTEXT: 'a b&c=d/é' }, 'https://e/x?sc=a%20b%26c%3Dd%2F%C3%A9&'],
    ['placeholder names are case-sensitive', 'https://e/x?<ui=UI_LLCC&>', { ui_llcc: 'en' }, 'https://e/x?'],
    ['only own properties count', 'https://e/x?<c=constructor&><t=toString&>', {}, 'https://e/x?'],
    [
      'several, in template order',
      'https://e/x?a=1&<ui=UI_LLCC&><rs=DC_LLCC&><x=UNKNOWN&>',
      { DC_LLCC: 'fr', UI_LLCC: 'de' },
      'https://e/x?a=1&ui=de&rs=fr&',
    ],
    ['no placeholders: unchanged', 'https://e/browser/abc/cool.html?', { UI_LLCC: 'en' }, 'https://e/browser/abc/cool.html?'],
    ['a parameter without a name is removed', 'https://e/x?<=UI_LLCC&>', { UI_LLCC: 'en' }, 'https://e/x?'],
  ])('%s', (_label, urlsrc, values, expected) => {
    expect(fillPlaceholders(urlsrc, values)).toBe(expected);
  });
});

describe('hasWopiSourcePlaceholder', () => {
  it.each<[string, boolean]>([
    ['https://e/x?<wopisrc=WOPI_SOURCE&>', true],
    ['https://e/x?<ui=UI_LLCC&><wopisrc=WOPI_SOURCE>', true],
    ['https://e/x?<ui=UI_LLCC&>', false],
    ['https://e/x?wopisrc=WOPI_SOURCE', false],
    ['https://e/x?', false],
  ])('%s → %s', (urlsrc, expected) => {
    expect(hasWopiSourcePlaceholder(urlsrc)).toBe(expected);
  });
});

describe('appendQuery', () => {
  it.each<[string, string, Array<[string, string]>, string]>([
    ['template ending in ?', 'https://e/cool.html?', [['WOPISrc', 'w']], 'https://e/cool.html?WOPISrc=w'],
    ['template without a query', 'https://e/x', [['WOPISrc', 'w']], 'https://e/x?WOPISrc=w'],
    ['template ending in &', 'https://e/x?a=1&', [['WOPISrc', 'w']], 'https://e/x?a=1&WOPISrc=w'],
    ['empty segments dropped', 'https://e/x?&&a=1&&b=2&', [['c', '3']], 'https://e/x?a=1&b=2&c=3'],
    ['nothing to add: tidied only', 'https://e/x?&ui=de&&', [], 'https://e/x?ui=de'],
    ['nothing left: no ?', 'https://e/x?&&', [], 'https://e/x'],
    ['fragment kept at the end', 'https://e/x?a=1#frag', [['b', '2']], 'https://e/x?a=1&b=2#frag'],
  ])('%s', (_label, url, params, expected) => {
    expect(appendQuery(url, params)).toBe(expected);
  });
});

describe('resolveActionUrl', () => {
  const wopiSrc = 'https://files.example.com/wopi/files/a b?c';
  const encoded = 'https%3A%2F%2Ffiles.example.com%2Fwopi%2Ffiles%2Fa%20b%3Fc';

  it.each<[string, string, Parameters<typeof resolveActionUrl>[1], string]>([
    [
      'Microsoft-style template: placeholders, then WOPISrc appended',
      'https://word.example/we/wordeditorframe.aspx?<ui=UI_LLCC&><rs=DC_LLCC&><dchat=DISABLE_CHAT&><showpagestats=PERFSTATS&>',
      { wopiSrc, placeholders: { UI_LLCC: 'de-DE', DC_LLCC: 'de-DE' } },
      `https://word.example/we/wordeditorframe.aspx?ui=de-DE&rs=de-DE&WOPISrc=${encoded}`,
    ],
    [
      'Collabora-style template: no placeholders',
      'https://cool.example:9980/browser/abc/cool.html?',
      { wopiSrc },
      `https://cool.example:9980/browser/abc/cool.html?WOPISrc=${encoded}`,
    ],
    [
      'ONLYOFFICE-style template: WOPI_SOURCE filled, WOPISrc not appended again',
      'https://oo.example/hosting/wopi/word/edit?&<rs=DC_LLCC&><dchat=DISABLE_CHAT&><ui=UI_LLCC&><wopisrc=WOPI_SOURCE&>&',
      { wopiSrc, placeholders: { UI_LLCC: 'en-US' } },
      `https://oo.example/hosting/wopi/word/edit?ui=en-US&wopisrc=${encoded}`,
    ],
    [
      'a WOPI_SOURCE value in placeholders cannot replace the WOPISrc',
      'https://oo.example/x?<wopisrc=WOPI_SOURCE&>',
      { wopiSrc, placeholders: { WOPI_SOURCE: 'https://evil.example/' } },
      `https://oo.example/x?wopisrc=${encoded}`,
    ],
    [
      'extra query parameters encoded and appended last',
      'https://cool.example/cool.html?',
      { wopiSrc, query: { lang: 'de', closebutton: '1', 'we ird': 'a&b' } },
      `https://cool.example/cool.html?WOPISrc=${encoded}&lang=de&closebutton=1&we%20ird=a%26b`,
    ],
    [
      'template with fixed parameters keeps them',
      'https://ppt.example/p/PowerPointFrame.aspx?PowerPointView=EditView&<ui=UI_LLCC&>',
      { wopiSrc },
      `https://ppt.example/p/PowerPointFrame.aspx?PowerPointView=EditView&WOPISrc=${encoded}`,
    ],
  ])('%s', (_label, urlsrc, values, expected) => {
    const url = resolveActionUrl(urlsrc, values);
    expect(url).toBe(expected);
    expect(url).not.toMatch(/[<>]/);
  });

  it('the WOPISrc decodes back to the original', () => {
    const url = new URL(resolveActionUrl('https://cool.example/cool.html?', { wopiSrc }));
    expect(url.searchParams.get('WOPISrc')).toBe(wopiSrc);
  });
});
