import { decodeUtf7, encodeUtf7, Utf7DecodeError } from '../../src/protocol/utf7';

/**
 * Vectors cross-checked against the official validator's encoder
 * (/work/shared/tools/wopi-validator/lib/encoding.mjs, `utf7Encode`, which reproduces .NET's
 * Encoding.UTF7). Produced once with:
 *
 *   node --input-type=module -e "import { utf7Encode } from './lib/encoding.mjs'; …"
 *
 * and pasted here as literals (the validator lives outside the repository).
 */
const VALIDATOR_VECTORS: ReadonlyArray<readonly [string, string]> = [
  ['madeup_name.wopitestx', 'madeup+AF8-name.wopitestx'],
  ['new_file.wopitest', 'new+AF8-file.wopitest'],
  ['报告', '+YqVUSg-'],
  ['Отчёт', '+BB4EQgRHBFEEQg-'],
  ['📄', '+2D3cxA-'],
  ['报告 2024.docx', '+YqVUSg- 2024.docx'],
  ['Отчёт_v2.docx', '+BB4EQgRHBFEEQgBf-v2.docx'],
  ['report 📄 draft.docx', 'report +2D3cxA- draft.docx'],
  ['a+b', 'a+-b'],
  ['++', '+-+-'],
  ['a-b', 'a-b'],
  ['日本語', '+ZeVnLIqe-'],
  ['Hi Mom -☺-!', 'Hi Mom -+Jjo--+ACE-'],
  ['A≢Α.', 'A+ImIDkQ-.'],
  ['~/x', '+AH4-/x'],
  ['abécd', 'ab+AOk-cd'],
  ['_-x', '+AF8--x'],
  ['x_', 'x+AF8-'],
  ['a\\b', 'a+AFw-b'],
];

describe('decodeUtf7', () => {
  it.each<[string, string, string]>([
    ['empty string', '', ''],
    ['plain ASCII name', 'report.docx', 'report.docx'],
    ['ASCII with spaces and direct punctuation', "a b (1), c's:d/e?.docx", "a b (1), c's:d/e?.docx"],
    ['ASCII characters outside Set D pass through', 'a~b!c_d', 'a~b!c_d'],
    ['"+-" is a literal plus', '+-', '+'],
    ['"+-" between letters', 'a+-b', 'a+b'],
    ['two literal pluses', '+-+-', '++'],
    ['.NET-encoded underscore', 'madeup+AF8-name.wopitestx', 'madeup_name.wopitestx'],
    ['Chinese', '+YqVUSg-', '报告'],
    ['Chinese with an extension', '+YqVUSg-.docx', '报告.docx'],
    ['Cyrillic', '+BB4EQgRHBFEEQg-', 'Отчёт'],
    ['emoji (a surrogate pair in one run)', '+2D3cxA-', '📄'],
    ['emoji between words', 'report +2D3cxA- draft.docx', 'report 📄 draft.docx'],
    ['mixed runs', '+BB4EQgRHBFEEQg-_v2 +YqVUSg-.docx', 'Отчёт_v2 报告.docx'],
    ['a run containing two scripts', '+BB4EQgRHBFEEQgBf-v2.docx', 'Отчёт_v2.docx'],
    ['run ended by a non-base64 character without "-"', '+AF8.docx', '_.docx'],
    ['run ended by a space without "-"', '+AF8 x', '_ x'],
    ['run ended by end of input without "-"', 'x+AF8', 'x_'],
    ['run followed by a literal "-"', '+AF8--x', '_-x'],
    ['only the first "-" after a run is absorbed', '+AF8---', '_--'],
    ['adjacent runs', '+AF8-+AF8-', '__'],
    ['RFC 2152: Hi Mom', 'Hi Mom -+Jjo--!', 'Hi Mom -☺-!'],
    ['RFC 2152: A≢Α. (run ended by ".")', 'A+ImIDkQ.', 'A≢Α.'],
    ['RFC 2152: 日本語', '+ZeVnLIqe-', '日本語'],
    ['.NET form of the RFC "Hi Mom" example', 'Hi Mom -+Jjo--+ACE-', 'Hi Mom -☺-!'],
  ])('%s: %j → %j', (_label, input, expected) => {
    expect(decodeUtf7(input)).toBe(expected);
  });

  it.each(VALIDATOR_VECTORS)('decodes the validator encoding of %j', (plain, encoded) => {
    expect(decodeUtf7(encoded)).toBe(plain);
  });

  it.each<[string, string]>([
    ['a lone "+"', '+'],
    ['"+" at the end', 'report+'],
    ['"+" followed by a non-base64 character', '+!'],
    ['"+" followed by a dot', 'a+.docx'],
    ['a run of a single base64 character (no complete code unit)', '+A-'],
    ['truncated code unit: 12 bits', '+AA-'],
    ['truncated code unit without "-"', '+AA'],
    ['leftover bits that are not zero ("_" then bits 01)', '+AF9-'],
    ['leftover bits that are not zero (NUL then bits 01)', '+AAB-'],
    ['a complete unit followed by a truncated one (8 bits left)', '+AF8A-'],
    ['a complete unit followed by a truncated one (14 bits left)', '+AF8AA-'],
    ['unpaired high surrogate', '+2D0-'],
    ['high surrogate followed by a non-surrogate in the same run', '+2D0A6Q-'],
    ['unpaired low surrogate', '+3MQ-'],
    ['low surrogate after a non-surrogate', '+AOncxA-'],
    ['surrogates in the wrong order', '+3MTYPQ-'],
    ['a non-ASCII character', 'é'],
    ['a non-ASCII character after ASCII', 'report-é.docx'],
    ['a non-ASCII character right after a run', '+AF8é'],
    ['a non-ASCII character inside a would-be run', '+Aé8-'],
    ['a raw emoji', '📄'],
  ])('refuses %s (%j) with Utf7DecodeError', (_label, input) => {
    let thrown: unknown;
    try {
      decodeUtf7(input);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(Utf7DecodeError);
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).name).toBe('Utf7DecodeError');
    expect((thrown as Error).message).toMatch(/^Malformed UTF-7: /);
  });

  it('names the reason in the message', () => {
    expect(() => decodeUtf7('+!')).toThrow('Malformed UTF-7: "+" not followed by base64 or "-"');
    expect(() => decodeUtf7('+AF9-')).toThrow('Malformed UTF-7: base64 run ends inside a character');
    expect(() => decodeUtf7('+2D0-')).toThrow('Malformed UTF-7: unpaired high surrogate');
    expect(() => decodeUtf7('+3MQ-')).toThrow('Malformed UTF-7: unpaired low surrogate');
    expect(() => decodeUtf7('é')).toThrow('Malformed UTF-7: non-ASCII character');
  });
});

describe('encodeUtf7', () => {
  it.each(VALIDATOR_VECTORS)('matches the validator (.NET) encoding of %j', (plain, encoded) => {
    expect(encodeUtf7(plain)).toBe(encoded);
  });

  it.each<[string, string, string]>([
    ['empty string', '', ''],
    ['letters, digits and the direct set pass through', "Az09'(),-./:? ", "Az09'(),-./:? "],
    ['"+" becomes "+-"', '+', '+-'],
    ['underscore is base64 (not an optional direct character)', '_', '+AF8-'],
    ['a run before a "-" is closed by its own "-"', '_-', '+AF8--'],
    ['"+" inside a run stays in the run', '_+_', '+AF8AKwBf-'],
  ])('%s: %j → %j', (_label, input, expected) => {
    expect(encodeUtf7(input)).toBe(expected);
  });

  const roundTrip = [
    '',
    'report.docx',
    '+',
    '++',
    '+++a+',
    '-',
    '--',
    'a-b',
    '+-',
    '-+',
    'a+-b',
    ' ',
    '  spaced  out  ',
    'a b.docx',
    '📄',
    '📄📄',
    'x📄y',
    '报告.docx',
    'Отчёт_v2.docx',
    'Hi Mom -☺-!',
    '~!@#$%^&*_=[]{}|;"<>`',
    'tab\there',
    'ünïcödé ß',
    '_',
    '__',
    '___',
    '_-_',
    'A≢Α.',
    '日本語',
    '\u00ff\u0100\uffff',
  ];

  it.each(roundTrip)('round-trips %j and produces pure ASCII', (s) => {
    const encoded = encodeUtf7(s);
    expect(encoded).toMatch(/^[\x20-\x7e]*$/);
    expect(decodeUtf7(encoded)).toBe(s);
  });

  it('round-trips every BMP code unit outside the surrogate range and many astral characters', () => {
    let s = '';
    for (let c = 0x20; c < 0xd800; c += 97) s += String.fromCharCode(c);
    for (let c = 0xe000; c <= 0xffff; c += 89) s += String.fromCharCode(c);
    for (let cp = 0x10000; cp <= 0x10ffff; cp += 0x3571) s += String.fromCodePoint(cp);
    const encoded = encodeUtf7(s);
    expect(encoded).toMatch(/^[\x20-\x7e]*$/);
    expect(decodeUtf7(encoded)).toBe(s);
  });

  it('round-trips each length of base64 run (1 to 6 code units, all bit alignments)', () => {
    for (let n = 1; n <= 6; n++) {
      for (const follower of ['', '-', '.', 'a', ' ']) {
        const s = 'é'.repeat(n) + follower;
        expect(decodeUtf7(encodeUtf7(s))).toBe(s);
      }
    }
  });
});
