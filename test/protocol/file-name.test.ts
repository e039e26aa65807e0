import {
  candidateNames,
  checkFileName,
  fileNameKey,
  MAX_FILE_NAME_BYTES,
  repairFileName,
  splitExtension,
} from '../../src/protocol/file-name';

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/** True when `s` holds a lone surrogate (a character cut in half). */
const hasLoneSurrogate = (s: string): boolean => /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

/** The first `n` values of a generator. */
function take<T>(gen: Iterator<T>, n: number): T[] {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(gen.next().value as T);
  return out;
}

/** mulberry32: a small seeded PRNG, so the property tests are reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random nasty name-like strings: reserved words, forbidden and control characters, dots, spaces, long runs, multi-byte text. */
function nastyStrings(seed: number, count: number): string[] {
  const rnd = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)] as T;
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  const fragments: Array<() => string> = [
    () =>
      pick([
        'CON',
        'con',
        'PRN',
        'aux',
        'NUL',
        'nul',
        'Com1',
        'COM9',
        'lpt1',
        'LPT9',
        'CONSOLE',
        'com10',
        'COM0',
        'lpt0',
        'COM\u00b9',
        'lpt\u00b3',
      ]),
    () => pick(['report', 'a', 'x', 'Отчёт', '报告', '📄', 'e\u0301', '漢字']),
    () => pick(['.docx', '.xlsx', '.tar.gz', '.', '..', '...', '. ', ' .', '.d o', `.${'x'.repeat(40)}`]),
    () => pick(['<', '>', ':', '"', '/', '\\', '|', '?', '*']),
    () => String.fromCharCode(pick([0, 1, 9, 10, 13, 27, 31, 127])),
    () => ' '.repeat(int(1, 3)),
    () => ' '.repeat(int(200, 300)),
    () => '.'.repeat(int(1, 300)),
    () => 'a'.repeat(int(1, 300)),
    () => '漢'.repeat(int(1, 100)),
    () => '📄'.repeat(int(1, 80)),
    () => pick(['\u00a0', '\u3000', '\t', '\u2028', '\ufeff']),
  ];
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let s = '';
    const parts = int(0, 7);
    for (let p = 0; p < parts; p++) s += pick(fragments)();
    out.push(s);
  }
  return out;
}

describe('checkFileName', () => {
  it('allows names of up to 255 bytes', () => {
    expect(MAX_FILE_NAME_BYTES).toBe(255);
  });

  it.each<[string, string]>([
    ['a plain name', 'report.docx'],
    ['Chinese', '报告.docx'],
    ['Cyrillic with an underscore', 'Отчёт_v2.docx'],
    ['an emoji', '📄 notes.txt'],
    ['an inner space', 'a b.docx'],
    ['a dot-file', '.hidden'],
    ['a single character', 'x'],
    ['two leading dots then a name', '..a'],
    ['a name without extension', 'README'],
    ['parentheses, commas, plus, apostrophe', "report (1), v2+final's.docx"],
    ['a name starting with a reserved word', 'CONSOLE.txt'],
    ['COM with two digits', 'com10'],
    ['LPT with two digits', 'LPT10.docx'],
    ['a reserved word with a suffix', 'nul_file'],
    ['a reserved word later in the name', 'my con.txt'],
    ['COM with two zeros', 'COM00'],
    ['CONIN without its $', 'CONIN.docx'],
    ['a reserved word, a space and more name', 'nul x.docx'],
    ['LPT0 with a suffix', 'lpt0x.txt'],
    ['COM with a superscript 4 (not a device)', 'COM\u2074'],
    ['LPT with a subscript 1 (not a device)', 'LPT\u2081.docx'],
    ['COM with a superscript 1 and another digit', 'COM\u00b91'],
    ['a superscript-digit device name later in the name', 'my COM\u00b9.txt'],
    ['exactly 255 ASCII bytes', `${'a'.repeat(250)}.docx`],
    ['exactly 255 bytes of 3-byte characters (85 × 漢)', '漢'.repeat(85)],
    ['252 bytes of 4-byte characters plus 3 ASCII', `${'📄'.repeat(63)}.md`],
  ])('accepts %s', (_label, name) => {
    expect(checkFileName(name)).toStrictEqual({ ok: true });
  });

  it.each<[string, string, RegExp]>([
    ['empty', '', /empty/],
    ['"."', '.', /reserved/],
    ['".."', '..', /reserved/],
    ['a slash', 'a/b', /path separator/],
    ['a backslash', 'a\\b', /path separator/],
    ['a parent-folder path', '../x.docx', /path separator/],
    ['a colon', 'a:b', /<>:"\|\?\*/],
    ['an asterisk', 'a*b', /<>:"\|\?\*/],
    ['a question mark', 'a?b', /<>:"\|\?\*/],
    ['a double quote', 'a"b', /<>:"\|\?\*/],
    ['a less-than sign', 'a<b', /<>:"\|\?\*/],
    ['a greater-than sign', 'a>b', /<>:"\|\?\*/],
    ['a pipe', 'a|b', /<>:"\|\?\*/],
    ['NUL', 'a\0b', /control character/],
    ['a line feed', 'a\nb', /control character/],
    ['a carriage return', 'a\rb', /control character/],
    ['a tab', 'a\tb', /control character/],
    ['an escape', 'a\x1bb', /control character/],
    ['unit separator 0x1f', 'a\x1fb', /control character/],
    ['DEL', 'a\x7fb', /control character/],
    ['a trailing dot', 'a.', /ends with a dot or a space/],
    ['trailing dots', 'report...', /ends with a dot or a space/],
    ['"..." (only dots)', '...', /ends with a dot or a space/],
    ['a trailing space', 'a ', /ends with a dot or a space/],
    ['a trailing space after an extension', 'a.docx ', /ends with a dot or a space/],
    ['a leading space', ' a', /starts with white space/],
    ['a leading no-break space', '\u00a0a.docx', /starts with white space/],
    ['a leading ideographic space', '\u3000a.docx', /starts with white space/],
    ['CON', 'CON', /reserved device name/],
    ['con.txt', 'con.txt', /reserved device name/],
    ['Com1.docx', 'Com1.docx', /reserved device name/],
    ['LPT9', 'LPT9', /reserved device name/],
    ['nul', 'nul', /reserved device name/],
    ['PRN with two extensions', 'prn.tar.gz', /reserved device name/],
    ['aux', 'AuX', /reserved device name/],
    ['COM0', 'COM0', /reserved device name/],
    ['com0.txt', 'com0.txt', /reserved device name/],
    ['LPT0', 'LPT0', /reserved device name/],
    ['Lpt0.docx', 'Lpt0.docx', /reserved device name/],
    ['COM¹ (superscript one)', 'COM\u00b9', /reserved device name/],
    ['COM² (superscript two)', 'COM\u00b2', /reserved device name/],
    ['COM³ (superscript three)', 'COM\u00b3', /reserved device name/],
    ['LPT¹ (superscript one)', 'LPT\u00b9', /reserved device name/],
    ['LPT² (superscript two)', 'LPT\u00b2', /reserved device name/],
    ['LPT³ (superscript three)', 'LPT\u00b3', /reserved device name/],
    ['com¹ in lower case', 'com\u00b9', /reserved device name/],
    ['lPt² in mixed case', 'lPt\u00b2', /reserved device name/],
    ['COM² with an extension', 'COM\u00b2.docx', /reserved device name/],
    ['lpt³ with two extensions', 'lpt\u00b3.tar.gz', /reserved device name/],
    ['LPT¹ with an empty extension after two dots', 'LPT\u00b9..txt', /reserved device name/],
    ['nul, a space, an extension (Windows drops the space)', 'nul .docx', /reserved device name/],
    ['CON, spaces, an extension', 'CON   .txt', /reserved device name/],
    ['CONIN$ (the console input)', 'CONIN$', /reserved device name/],
    ['conout$ with an extension', 'conout$.txt', /reserved device name/],
    ['COM0 with a trailing space', 'COM0 ', /ends with a dot or a space/],
    ['LPT0 with a trailing dot', 'LPT0.', /ends with a dot or a space/],
    ['COM³ with trailing dots and spaces', 'COM\u00b3. .', /ends with a dot or a space/],
    ['lpt² with an extension and a trailing space', 'lpt\u00b2.txt ', /ends with a dot or a space/],
    ['256 ASCII bytes', `${'a'.repeat(251)}.docx`, /longer than 255 bytes/],
    ['256 bytes with one 2-byte character', `é${'a'.repeat(254)}`, /longer than 255 bytes/],
    ['86 × 漢 (258 bytes, 86 characters)', '漢'.repeat(86), /longer than 255 bytes/],
    ['64 emoji (256 bytes, 128 UTF-16 units)', '📄'.repeat(64), /longer than 255 bytes/],
  ])('refuses %s', (_label, name, reason) => {
    const result = checkFileName(name);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toMatch(reason);
    expect(Object.keys(result).sort()).toStrictEqual(['ok', 'reason']);
  });

  it('counts bytes, not characters or UTF-16 units', () => {
    // 86 characters / 86 UTF-16 units, far below 255 in either count, but 258 bytes.
    expect('漢'.repeat(86).length).toBe(86);
    expect(checkFileName('漢'.repeat(86)).ok).toBe(false);
    expect(checkFileName('漢'.repeat(85)).ok).toBe(true);
  });
});

describe('splitExtension', () => {
  it.each<[string, string, string]>([
    ['a.docx', 'a', '.docx'],
    ['a.tar.gz', 'a.tar', '.gz'],
    ['.profile', '.profile', ''],
    ['.profile.bak', '.profile', '.bak'],
    ['noext', 'noext', ''],
    ['a.', 'a', '.'],
    ['..docx', '.', '.docx'],
    ['', '', ''],
    ['报告.docx', '报告', '.docx'],
    ['my report (1).docx', 'my report (1)', '.docx'],
  ])('%j → base %j, extension %j', (name, base, extension) => {
    expect(splitExtension(name)).toStrictEqual({ base, extension });
  });

  it('base + extension always gives back the name', () => {
    for (const name of nastyStrings(7, 300)) {
      const { base, extension } = splitExtension(name);
      expect(base + extension).toBe(name);
    }
  });
});

describe('repairFileName', () => {
  it.each<[string, string, string]>([
    ['a legal name unchanged', 'report.docx', 'report.docx'],
    ['a legal Unicode name unchanged', '报告 2024.docx', '报告 2024.docx'],
    ['forbidden characters become "_", extension kept', 'a/b:c*d?.docx', 'a_b_c_d_.docx'],
    ['every forbidden character', '<>:"/\\|?*.txt', '_________.txt'],
    ['control characters become "_"', 'a\0b\nc\td\x7f.docx', 'a_b_c_d_.docx'],
    ['surrounding spaces are trimmed', '  report.docx  ', 'report.docx'],
    ['surrounding Unicode white space is trimmed', '\u3000report.docx\u00a0', 'report.docx'],
    ['trailing dots of the base go', 'report...docx', 'report.docx'],
    ['trailing dots and spaces of the base go', 'report . .docx', 'report.docx'],
    ['a trailing dot without extension goes', 'report.', 'report'],
    ['trailing dots without extension go', 'report...', 'report'],
    ['reserved name gets a "_" prefix', 'CON.docx', '_CON.docx'],
    ['reserved name without extension', 'con', '_con'],
    ['reserved name, any case', 'Com1.docx', '_Com1.docx'],
    ['reserved name with two extensions', 'lpt9.tar.gz', '_lpt9.tar.gz'],
    ['reserved name followed by a space before the extension', 'nul .docx', '_nul.docx'],
    ['COM0 gets a "_" prefix', 'COM0.docx', '_COM0.docx'],
    ['LPT0 without extension', 'lpt0', '_lpt0'],
    ['COM¹ gets a "_" prefix', 'COM\u00b9.docx', '_COM\u00b9.docx'],
    ['com² without extension', 'com\u00b2', '_com\u00b2'],
    ['LPT³ in mixed case', 'Lpt\u00b3.xlsx', '_Lpt\u00b3.xlsx'],
    ['lpt¹ with two extensions', 'lpt\u00b9.tar.gz', '_lpt\u00b9.tar.gz'],
    ['COM² followed by a space before the extension', 'COM\u00b2 .docx', '_COM\u00b2.docx'],
    ['LPT0 with trailing dots and spaces', 'LPT0 . .', '_LPT0'],
    ['COM³ with surrounding spaces', '  COM\u00b3  ', '_COM\u00b3'],
    ['a non-reserved lookalike is left alone', 'CONSOLE.txt', 'CONSOLE.txt'],
    ['COM⁴ (superscript four) is not a device and is left alone', 'COM\u2074.docx', 'COM\u2074.docx'],
    ['empty → fallback', '', 'document'],
    ['only spaces → fallback', '   ', 'document'],
    ['empty base → fallback + extension', '. .docx', 'document.docx'],
    ['dots as base → fallback + extension', '...docx', 'document.docx'],
    ['"." → fallback', '.', 'document'],
    ['".." → fallback', '..', 'document'],
    ['"..." → fallback', '...', 'document'],
    ['a dot-file is kept (a leading dot starts no extension)', '.profile', '.profile'],
    ['an extension with a space is not an extension', 'report.do cx', 'report.do cx'],
    ['an over-long (> 32 bytes) extension is not kept as an extension', `a.${'x'.repeat(40)}`, `a.${'x'.repeat(40)}`],
  ])('%s: %j → %j', (_label, input, expected) => {
    const repaired = repairFileName(input);
    expect(repaired).toBe(expected);
    expect(checkFileName(repaired)).toStrictEqual({ ok: true });
  });

  it('uses the given fallback base', () => {
    expect(repairFileName('', 'untitled')).toBe('untitled');
    expect(repairFileName('. .xlsx', 'Book')).toBe('Book.xlsx');
  });

  it('shortens an over-long ASCII base to exactly 255 bytes, keeping the extension', () => {
    const repaired = repairFileName(`${'a'.repeat(300)}.docx`);
    expect(repaired).toBe(`${'a'.repeat(250)}.docx`);
    expect(bytes(repaired)).toBe(255);
  });

  it.each<[string, string, string, number]>([
    ['3-byte characters', `${'漢'.repeat(100)}.docx`, `${'漢'.repeat(83)}.docx`, 254],
    ['4-byte characters (surrogate pairs)', `${'📄'.repeat(70)}.docx`, `${'📄'.repeat(62)}.docx`, 253],
    ['2-byte characters after one ASCII byte', `x${'é'.repeat(200)}.docx`, `x${'é'.repeat(124)}.docx`, 254],
  ])('shortens a base of %s on a character boundary', (_label, input, expected, expectedBytes) => {
    const repaired = repairFileName(input);
    expect(repaired).toBe(expected);
    expect(bytes(repaired)).toBe(expectedBytes);
    expect(hasLoneSurrogate(repaired)).toBe(false);
    expect(Buffer.from(repaired, 'utf8').toString('utf8')).toBe(repaired);
  });

  it('strips dots and spaces the shortening leaves at the end of the base', () => {
    const repaired = repairFileName(`${'a'.repeat(249)} .b${'c'.repeat(10)}.docx`);
    expect(repaired).toBe(`${'a'.repeat(249)}.docx`);
    expect(checkFileName(repaired)).toStrictEqual({ ok: true });
  });

  it.each<[string]>([['nul'], ['COM0'], ['lpt0'], ['COM\u00b9'], ['lpt\u00b2'], ['Com\u00b3']])(
    'never turns a long name into the reserved device name %j when shortening it',
    (device) => {
      // The base "<device>   …   x" is not reserved; cut to 250 bytes and stripped of its
      // trailing spaces it becomes the device name, so the result must not be "<device>.docx".
      const input = `${device + ' '.repeat(300)}x.docx`;
      const repaired = repairFileName(input);
      expect(checkFileName(repaired)).toStrictEqual({ ok: true });
      expect(repaired).toBe(`_${device}.docx`);
    },
  );

  it('never returns an empty name when shortening leaves only dots (no extension)', () => {
    // ".d o" is no extension, so the whole name is the base; cut to 255 bytes it is all dots,
    // and stripping them must not leave an empty name.
    const repaired = repairFileName(`${'.'.repeat(300)}d o`);
    expect(repaired).not.toBe('');
    expect(checkFileName(repaired)).toStrictEqual({ ok: true });
  });

  it('falls back to "document" + extension when shortening leaves only dots in the base', () => {
    const repaired = repairFileName(`${'.'.repeat(300)}abc.docx`);
    expect(checkFileName(repaired)).toStrictEqual({ ok: true });
    // ".docx" alone would be a dot-file without extension, not a name that keeps ".docx".
    expect(splitExtension(repaired).extension).toBe('.docx');
    expect(splitExtension(repaired).base).not.toBe('');
  });

  it('always returns a legal name of at most 255 bytes, without a cut character (2000 seeded random nasty strings)', () => {
    const failures: Array<{ input: string; repaired: string; reason: string }> = [];
    for (const input of nastyStrings(20240611, 2000)) {
      const repaired = repairFileName(input);
      const check = checkFileName(repaired);
      if (!check.ok) failures.push({ input, repaired, reason: check.reason });
      else if (bytes(repaired) > 255 || hasLoneSurrogate(repaired)) failures.push({ input, repaired, reason: 'length or cut character' });
    }
    expect(failures.slice(0, 5)).toStrictEqual([]);
  });

  it('keeps a legal extension through every repair', () => {
    for (const input of nastyStrings(4242, 500)) {
      const name = `${input}x.docx`;
      expect(repairFileName(name).endsWith('.docx')).toBe(true);
    }
  });
});

describe('candidateNames', () => {
  it('yields the name first, then "base (n).ext"', () => {
    expect(take(candidateNames('report.docx'), 4)).toStrictEqual(['report.docx', 'report (1).docx', 'report (2).docx', 'report (3).docx']);
  });

  it.each<[string, string[]]>([
    ['noext', ['noext', 'noext (1)', 'noext (2)']],
    ['.profile', ['.profile', '.profile (1)', '.profile (2)']],
    ['a.tar.gz', ['a.tar.gz', 'a.tar (1).gz', 'a.tar (2).gz']],
    ['报告.docx', ['报告.docx', '报告 (1).docx', '报告 (2).docx']],
  ])('%j', (name, expected) => {
    expect(take(candidateNames(name), expected.length)).toStrictEqual(expected);
  });

  it('counts on past 9, 99 and 999', () => {
    const names = take(candidateNames('r.docx'), 1001);
    expect(names[10]).toBe('r (10).docx');
    expect(names[100]).toBe('r (100).docx');
    expect(names[1000]).toBe('r (1000).docx');
    expect(new Set(names).size).toBe(1001);
  });

  it.each<[string, string]>([
    ['255 ASCII bytes', `${'a'.repeat(250)}.docx`],
    ['255 bytes of 3-byte characters', `${'漢'.repeat(83)}.docx`],
    ['4-byte characters', `${'📄'.repeat(62)}.docx`],
    ['255 bytes without extension', 'b'.repeat(255)],
  ])('keeps long names (%s) within 255 bytes, legal, distinct and on character boundaries', (_label, name) => {
    expect(checkFileName(name)).toStrictEqual({ ok: true });
    const names = take(candidateNames(name), 1001);
    expect(names[0]).toBe(name);
    for (const candidate of names) {
      expect(bytes(candidate)).toBeLessThanOrEqual(255);
      expect(checkFileName(candidate)).toStrictEqual({ ok: true });
      expect(hasLoneSurrogate(candidate)).toBe(false);
    }
    expect(new Set(names).size).toBe(names.length);
    const { extension } = splitExtension(name);
    for (const candidate of names.slice(1)) expect(candidate.endsWith(`)${extension}`)).toBe(true);
  });

  it('shortens the base of a 255-byte name to fit the suffix', () => {
    const [, first] = take(candidateNames(`${'a'.repeat(250)}.docx`), 2);
    expect(first).toBe(`${'a'.repeat(246)} (1).docx`);
  });

  it('keeps candidates legal when the last dot comes early in a long name (a long "extension")', () => {
    // Legal, 255 bytes; splitExtension sees base "a" and a 254-byte "extension", so a suffix
    // inserted before it cannot fit.
    const name = `a.${'x'.repeat(253)}`;
    expect(checkFileName(name)).toStrictEqual({ ok: true });
    for (const candidate of take(candidateNames(name), 5)) {
      expect({ candidate, bytes: bytes(candidate), check: checkFileName(candidate) }).toStrictEqual({
        candidate,
        bytes: expect.any(Number),
        check: { ok: true },
      });
      expect(bytes(candidate)).toBeLessThanOrEqual(255);
    }
    expect(new Set(take(candidateNames(name), 5)).size).toBe(5);
  });

  it.each<[string]>([['..docx'], ['.. x'], ['. a.txt']])('yields only legal names for the legal name %j', (name) => {
    expect(checkFileName(name)).toStrictEqual({ ok: true });
    for (const candidate of take(candidateNames(name), 5)) {
      expect({ candidate, check: checkFileName(candidate) }).toStrictEqual({ candidate, check: { ok: true } });
    }
  });

  it('yields only legal, distinct names for seeded random legal names', () => {
    const failures: Array<{ name: string; candidate: string; reason: string }> = [];
    for (const input of nastyStrings(31337, 1500)) {
      const name = repairFileName(input);
      if (!checkFileName(name).ok) continue; // repairFileName's own bug, reported above
      const names = take(candidateNames(name), 4);
      for (const candidate of names) {
        const check = checkFileName(candidate);
        if (!check.ok) failures.push({ name, candidate, reason: check.reason });
      }
      if (new Set(names).size !== names.length) failures.push({ name, candidate: names.join(' | '), reason: 'duplicates' });
    }
    expect(failures.slice(0, 5)).toStrictEqual([]);
  });
});

describe('fileNameKey', () => {
  it.each<[string, string, string]>([
    ['ASCII case', 'Report.docx', 'report.DOCX'],
    ['whole name upper case', 'BUDGET.XLSX', 'budget.xlsx'],
    ['Cyrillic case', 'Отчёт.docx', 'ОТЧЁТ.docx'],
    ['decomposed and composed é (macOS stores the first)', 'Cafe\u0301.docx', 'Caf\u00e9.docx'],
    ['decomposed é in another case', 'CAFE\u0301.docx', 'caf\u00e9.docx'],
    ['sharp s and SS (full case mapping)', 'Straße.docx', 'STRASSE.docx'],
    ['final and medial sigma', 'ΟΔΟΣ.docx', 'οδοσ.docx'],
    ['Kelvin sign and K', '\u212aelvin.docx', 'kelvin.docx'],
    ['ligature fi and FI', '\ufb01le.docx', 'FILE.docx'],
  ])('%s: %j and %j are the same name', (_label, a, b) => {
    expect(fileNameKey(a)).toBe(fileNameKey(b));
  });

  it.each<[string, string, string]>([
    ['different letters', 'report.docx', 'rapport.docx'],
    ['different extension', 'report.docx', 'report.doc'],
    ['trailing space', 'report.docx', 'report.docx '],
    ['a copy number', 'report.docx', 'report (1).docx'],
    ['accent and no accent', 'café.docx', 'cafe.docx'],
    ['full-width and ASCII letters (compatibility forms are not folded)', '\uff21.docx', 'a.docx'],
    ['ideographs', '报告.docx', '報告.docx'],
  ])('%s: %j and %j are different names', (_label, a, b) => {
    expect(fileNameKey(a)).not.toBe(fileNameKey(b));
  });

  it('is idempotent, and keeps every candidate name of a series distinct (seeded random names)', () => {
    for (const name of nastyStrings(11, 500)) {
      expect(fileNameKey(fileNameKey(name))).toBe(fileNameKey(name));
      const legal = repairFileName(name);
      const keys = take(candidateNames(legal), 30).map(fileNameKey);
      expect(new Set(keys).size).toBe(keys.length);
    }
  });
});
