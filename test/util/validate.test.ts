import { WopiConfigError, type WopiConfigErrorCode } from '../../src/errors';
import { describeValue, kindOf, OptionChecks } from '../../src/util/validate';

const check = new OptionChecks('Thing');
const noop = (): void => undefined;

/** The WopiConfigError `run` throws. */
function thrown(run: () => unknown): WopiConfigError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(WopiConfigError);
    return err as WopiConfigError;
  }
  throw new Error('no WopiConfigError thrown');
}

describe('OptionChecks: values accepted', () => {
  it.each<[string, () => unknown, unknown]>([
    ['positiveInteger: not given → default', () => check.positiveInteger('n', undefined, 7), 7],
    ['positiveInteger: 1', () => check.positiveInteger('n', 1, 7), 1],
    ['positiveInteger: largest safe integer', () => check.positiveInteger('n', Number.MAX_SAFE_INTEGER, 7), Number.MAX_SAFE_INTEGER],
    ['nonNegativeInteger: 0', () => check.nonNegativeInteger('n', 0, 7), 0],
    ['nonNegativeInteger: not given → default', () => check.nonNegativeInteger('n', undefined, 7), 7],
    ['nonEmptyString: a string', () => check.nonEmptyString('s', 'x', undefined), 'x'],
    ['nonEmptyString: not given → undefined', () => check.nonEmptyString('s', undefined, undefined), undefined],
    ['nonEmptyString: not given → default', () => check.nonEmptyString('s', undefined, 'd'), 'd'],
    ['requiredNonEmptyString: a string', () => check.requiredNonEmptyString('s', 'x', 'a name'), 'x'],
    ['string: empty', () => check.string('s', '', 'd'), ''],
    ['string: not given → default', () => check.string('s', undefined, 'd'), 'd'],
    ['boolean: false', () => check.boolean('b', false, true), false],
    ['boolean: not given → default', () => check.boolean('b', undefined, true), true],
    ['oneOf: a listed value', () => check.oneOf('o', 'b', ['a', 'b'], 'a'), 'b'],
    ['oneOf: not given → default', () => check.oneOf('o', undefined, ['a', 'b'], 'a'), 'a'],
    ['optionalFunction: a function', () => check.optionalFunction('f', noop), noop],
    ['optionalFunction: not given', () => check.optionalFunction('f', undefined), undefined],
    ['required: null is given (and checked by the next check)', () => check.required('r', null, 'something'), null],
    ['required: 0', () => check.required('r', 0, 'something'), 0],
    ['httpUrl: https', () => check.httpUrl('u', 'https://example.com/wopi'), 'https://example.com/wopi'],
    ['httpUrl: http with a port', () => check.httpUrl('u', 'http://localhost:3000'), 'http://localhost:3000'],
  ])('%s', (_label, run, expected) => {
    expect(run()).toBe(expected);
  });

  it('adapter: an object or class instance with the methods, returned as is', () => {
    class Store {
      get(): void {}
      set(): void {}
    }
    const store = new Store();
    expect(check.adapter('store', store, 'Store', ['get', 'set'])).toBe(store);
    const plain = { get: noop };
    expect(check.adapter('store', plain, 'Store', ['get'])).toBe(plain);
  });

  it('options and knownKeys: an object with known keys only', () => {
    const options = { a: 1, b: undefined };
    expect(check.options(options, 'with `a`')).toBe(options);
    expect(() => check.knownKeys(options, new Set(['a', 'b', 'c']))).not.toThrow();
  });
});

describe('OptionChecks: values refused', () => {
  it.each<[string, () => unknown, WopiConfigErrorCode, string | undefined, string]>([
    // the options argument
    [
      'options: undefined',
      () => check.options(undefined as unknown as object, 'with `a`'),
      'WOPI_OPTION_TYPE',
      undefined,
      'Thing: options must be an object with `a`, got undefined',
    ],
    [
      'options: null',
      () => check.options(null as unknown as object, 'with `a`'),
      'WOPI_OPTION_TYPE',
      undefined,
      'Thing: options must be an object with `a`, got null',
    ],
    [
      'options: a string',
      () => check.options('a' as unknown as object, 'with `a`'),
      'WOPI_OPTION_TYPE',
      undefined,
      'Thing: options must be an object with `a`, got a string',
    ],
    [
      'options: an array',
      () => check.options([], 'with `a`'),
      'WOPI_OPTION_TYPE',
      undefined,
      'Thing: options must be an object with `a`, got an array',
    ],
    [
      'options: a function',
      () => check.options(noop, 'with `a`'),
      'WOPI_OPTION_TYPE',
      undefined,
      'Thing: options must be an object with `a`, got a function',
    ],
    [
      'knownKeys: a typo',
      () => check.knownKeys({ lock: 1 }, new Set(['locks'])),
      'WOPI_OPTION_UNKNOWN',
      undefined,
      'Thing: unknown option `lock` (known options: locks)',
    ],
    // required
    [
      'required: undefined',
      () => check.required('r', undefined, 'a WopiStorage'),
      'WOPI_OPTION_MISSING',
      'r',
      'Thing: `r` is required (a WopiStorage)',
    ],
    [
      'requiredNonEmptyString: undefined',
      () => check.requiredNonEmptyString('s', undefined, 'a name'),
      'WOPI_OPTION_MISSING',
      's',
      'Thing: `s` is required (a name)',
    ],
    [
      'requiredNonEmptyString: empty',
      () => check.requiredNonEmptyString('s', '', 'a name'),
      'WOPI_OPTION_VALUE',
      's',
      'Thing: `s` must be a non-empty string, got an empty string',
    ],
    // integers
    [
      'positiveInteger: 0',
      () => check.positiveInteger('n', 0, 7, 'milliseconds'),
      'WOPI_OPTION_VALUE',
      'n',
      'Thing: `n` must be a positive integer (milliseconds), got 0',
    ],
    [
      'positiveInteger: -1',
      () => check.positiveInteger('n', -1, 7),
      'WOPI_OPTION_VALUE',
      'n',
      'Thing: `n` must be a positive integer, got -1',
    ],
    [
      'positiveInteger: 1.5',
      () => check.positiveInteger('n', 1.5, 7),
      'WOPI_OPTION_VALUE',
      'n',
      'Thing: `n` must be a positive integer, got 1.5',
    ],
    [
      'positiveInteger: NaN',
      () => check.positiveInteger('n', Number.NaN, 7),
      'WOPI_OPTION_VALUE',
      'n',
      'Thing: `n` must be a positive integer, got NaN',
    ],
    [
      'positiveInteger: Infinity',
      () => check.positiveInteger('n', Infinity, 7),
      'WOPI_OPTION_VALUE',
      'n',
      'Thing: `n` must be a positive integer, got Infinity',
    ],
    [
      'positiveInteger: 2^53',
      () => check.positiveInteger('n', 2 ** 53, 7),
      'WOPI_OPTION_VALUE',
      'n',
      'Thing: `n` must be a positive integer, got 9007199254740992',
    ],
    [
      "positiveInteger: '30'",
      () => check.positiveInteger('n', '30', 7, 'seconds'),
      'WOPI_OPTION_TYPE',
      'n',
      'Thing: `n` must be a positive integer (seconds), got a string',
    ],
    [
      'positiveInteger: null',
      () => check.positiveInteger('n', null, 7),
      'WOPI_OPTION_TYPE',
      'n',
      'Thing: `n` must be a positive integer, got null',
    ],
    [
      'nonNegativeInteger: -1',
      () => check.nonNegativeInteger('n', -1, 7, 'bytes'),
      'WOPI_OPTION_VALUE',
      'n',
      'Thing: `n` must be a non-negative integer (bytes), got -1',
    ],
    [
      'nonNegativeInteger: 0.5',
      () => check.nonNegativeInteger('n', 0.5, 7),
      'WOPI_OPTION_VALUE',
      'n',
      'Thing: `n` must be a non-negative integer, got 0.5',
    ],
    [
      'nonNegativeInteger: true',
      () => check.nonNegativeInteger('n', true, 7),
      'WOPI_OPTION_TYPE',
      'n',
      'Thing: `n` must be a non-negative integer, got true',
    ],
    // strings, booleans, choices
    [
      'nonEmptyString: empty',
      () => check.nonEmptyString('s', '', undefined),
      'WOPI_OPTION_VALUE',
      's',
      'Thing: `s` must be a non-empty string, got an empty string',
    ],
    [
      'nonEmptyString: a number',
      () => check.nonEmptyString('s', 42, undefined),
      'WOPI_OPTION_TYPE',
      's',
      'Thing: `s` must be a non-empty string, got 42',
    ],
    [
      'nonEmptyString: an array',
      () => check.nonEmptyString('s', ['/tmp'], undefined),
      'WOPI_OPTION_TYPE',
      's',
      'Thing: `s` must be a non-empty string, got an array',
    ],
    ['string: an object', () => check.string('s', {}, 'd'), 'WOPI_OPTION_TYPE', 's', 'Thing: `s` must be a string, got an object'],
    [
      "boolean: 'false'",
      () => check.boolean('b', 'false', true),
      'WOPI_OPTION_TYPE',
      'b',
      'Thing: `b` must be true or false, got a string',
    ],
    [
      'oneOf: an unlisted string',
      () => check.oneOf('o', 'c', ['a', 'b'], 'a'),
      'WOPI_OPTION_VALUE',
      'o',
      'Thing: `o` must be one of a, b, got "c"',
    ],
    ['oneOf: a number', () => check.oneOf('o', 1, ['a', 'b'], 'a'), 'WOPI_OPTION_TYPE', 'o', 'Thing: `o` must be one of a, b, got 1'],
    // functions and URLs
    [
      'optionalFunction: a string',
      () => check.optionalFunction('f', 'log' as unknown as () => void),
      'WOPI_OPTION_TYPE',
      'f',
      'Thing: `f` must be a function, got a string',
    ],
    [
      'optionalFunction: null',
      () => check.optionalFunction('f', null as unknown as () => void),
      'WOPI_OPTION_TYPE',
      'f',
      'Thing: `f` must be a function, got null',
    ],
    ['httpUrl: not given', () => check.httpUrl('u', undefined), 'WOPI_OPTION_MISSING', 'u', 'Thing: `u` is required (an http(s) URL)'],
    ['httpUrl: a number', () => check.httpUrl('u', 80), 'WOPI_OPTION_TYPE', 'u', 'Thing: `u` must be an http(s) URL, got 80'],
    [
      'httpUrl: no scheme',
      () => check.httpUrl('u', 'files.example.com/wopi'),
      'WOPI_OPTION_VALUE',
      'u',
      'Thing: `u` must be an http(s) URL (with its scheme, e.g. https://…)',
    ],
    [
      'httpUrl: ftp',
      () => check.httpUrl('u', 'ftp://example.com/'),
      'WOPI_OPTION_VALUE',
      'u',
      'Thing: `u` must be an http(s) URL (with its scheme, e.g. https://…)',
    ],
    // adapters
    [
      'adapter: not given',
      () => check.adapter('store', undefined, 'Store', ['get']),
      'WOPI_OPTION_MISSING',
      'store',
      'Thing: `store` is required (a Store)',
    ],
    [
      'adapter: null',
      () => check.adapter('store', null, 'Store', ['get']),
      'WOPI_OPTION_TYPE',
      'store',
      'Thing: `store` must be a Store, got null',
    ],
    [
      'adapter: a string',
      () => check.adapter('store', './files', 'Store', ['get']),
      'WOPI_OPTION_TYPE',
      'store',
      'Thing: `store` must be a Store, got a string',
    ],
    [
      'adapter: one method missing',
      () => check.adapter('store', { get: noop }, 'Store', ['get', 'set']),
      'WOPI_ADAPTER_SHAPE',
      'store',
      'Thing: `store` does not implement Store (missing set)',
    ],
    [
      'adapter: a method that is not a function',
      () => check.adapter('store', { get: 'x', set: noop }, 'Store', ['get', 'set']),
      'WOPI_ADAPTER_SHAPE',
      'store',
      'Thing: `store` does not implement Store (missing get)',
    ],
    [
      'adapter: an empty object',
      () => check.adapter('store', {}, 'Store', ['get', 'set']),
      'WOPI_ADAPTER_SHAPE',
      'store',
      'Thing: `store` does not implement Store (missing get, set)',
    ],
    // a custom refusal
    [
      'error: a custom one',
      () => {
        throw check.error('WOPI_OPTION_CONFLICT', 'a', 'and `b` exclude each other');
      },
      'WOPI_OPTION_CONFLICT',
      'a',
      'Thing: `a` and `b` exclude each other',
    ],
  ])('%s → %s', (_label, run, code, option, message) => {
    const err = thrown(run);
    expect(err.code).toBe(code);
    expect(err.message).toBe(`${message} [${code}]`);
    expect(err.component).toBe('Thing');
    expect(err.option).toBe(option);
  });
});

describe('describeValue and kindOf', () => {
  it.each<[unknown, string, string]>([
    [undefined, 'undefined', 'undefined'],
    [null, 'null', 'null'],
    [0, '0', 'a number'],
    [Number.NaN, 'NaN', 'a number'],
    [false, 'false', 'a boolean'],
    ['', 'an empty string', 'an empty string'],
    ['hunter2-secret', 'a string', 'a string'],
    [Buffer.from('secret'), 'a Buffer', 'a Buffer'],
    [[1], 'an array', 'an array'],
    [{ secret: 'x' }, 'an object', 'an object'],
    [noop, 'a function', 'a function'],
    [10n, 'a bigint', 'a bigint'],
  ])('%p → %s / %s', (value, described, kind) => {
    expect(describeValue(value)).toBe(described);
    expect(kindOf(value)).toBe(kind);
  });
});
