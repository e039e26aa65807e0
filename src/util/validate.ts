/**
 * The option checks of express-wopi. `createWopiRouter`, the built-in adapters and
 * `WopiDiscovery` validate their options with these when they are created (as helmet does), so a
 * bad option fails at startup. Each check throws a {@link WopiConfigError} whose code says what
 * kind of mistake it is and whose message names the component and the option:
 *
 * ```ts
 * const check = new OptionChecks('JwtAuth');
 * const ttl = check.positiveInteger('tokenTtlSeconds', options.tokenTtlSeconds, 36_000, 'seconds');
 * // JwtAuth: `tokenTtlSeconds` must be a positive integer (seconds), got 0 [WOPI_OPTION_VALUE]
 * ```
 *
 * `undefined` means "not given": optional checks return the default for it, required ones throw
 * `WOPI_OPTION_MISSING`. Every other value, `null` included, is checked: a value of the wrong type
 * is `WOPI_OPTION_TYPE`, one of the right type but out of range is `WOPI_OPTION_VALUE`. Messages
 * describe a wrong value by its type only for strings and objects, so a secret never reaches a log.
 */
import { WopiConfigError, type WopiConfigErrorCode } from '../errors';

/** Any function; options that are callbacks are checked only for being callable. */
type AnyFunction = (...args: never[]) => unknown;

export class OptionChecks {
  /** `component` starts every message: `createWopiRouter`, `JwtAuth`, `FileSystemStorage`, … */
  constructor(readonly component: string) {}

  /**
   * The error for `option` (or for the options as a whole, when `undefined`), to throw:
   * ``<component>: `<option>` <problem> [<code>]``.
   */
  error(code: WopiConfigErrorCode, option: string | undefined, problem: string): WopiConfigError {
    const subject = option === undefined ? '' : `\`${option}\` `;
    return new WopiConfigError(code, `${this.component}: ${subject}${problem}`, {
      component: this.component,
      ...(option === undefined ? {} : { option }),
    });
  }

  /** The options argument itself: an object (not an array or a function). `holding` says what it needs, e.g. "with a `secret`". */
  options<T extends object>(value: T, holding: string): T {
    if (!isObject(value))
      throw this.error('WOPI_OPTION_TYPE', undefined, `options must be an object ${holding}, got ${describeValue(value)}`);
    return value;
  }

  /** Refuses a key that is not in `known`: usually a typo (`lock` for `locks`). */
  knownKeys(options: object, known: ReadonlySet<string>): void {
    for (const key of Object.keys(options)) {
      if (!known.has(key)) {
        throw this.error('WOPI_OPTION_UNKNOWN', undefined, `unknown option \`${key}\` (known options: ${[...known].join(', ')})`);
      }
    }
  }

  /** A required option: anything but `undefined`. `what` says what to give, e.g. "a WopiStorage". */
  required<T>(option: string, value: T | undefined, what: string): T {
    if (value === undefined) throw this.error('WOPI_OPTION_MISSING', option, `is required (${what})`);
    return value;
  }

  /** A safe integer of at least 1; `fallback` when not given. `unit` ("milliseconds") goes into the message. */
  positiveInteger(option: string, value: unknown, fallback: number, unit?: string): number {
    return this.integer(option, value, fallback, 1, unit);
  }

  /** A safe integer of at least 0; `fallback` when not given. */
  nonNegativeInteger(option: string, value: unknown, fallback: number, unit?: string): number {
    return this.integer(option, value, fallback, 0, unit);
  }

  /** A string other than `''`; `fallback` (which may be `undefined`) when not given. */
  nonEmptyString<F extends string | undefined>(option: string, value: unknown, fallback: F): string | F {
    if (value === undefined) return fallback;
    const expected = 'a non-empty string';
    if (typeof value !== 'string') throw this.error('WOPI_OPTION_TYPE', option, `must be ${expected}, got ${describeValue(value)}`);
    if (value === '') throw this.error('WOPI_OPTION_VALUE', option, `must be ${expected}, got an empty string`);
    return value;
  }

  /** A required string other than `''`. `what` says what to give, e.g. "the folder to serve". */
  requiredNonEmptyString(option: string, value: unknown, what: string): string {
    return this.nonEmptyString(option, this.required(option, value, what), '');
  }

  /** Any string, `''` included; `fallback` when not given. */
  string(option: string, value: unknown, fallback: string): string {
    if (value === undefined) return fallback;
    if (typeof value !== 'string') throw this.error('WOPI_OPTION_TYPE', option, `must be a string, got ${describeValue(value)}`);
    return value;
  }

  /** `true` or `false`; `fallback` when not given. */
  boolean(option: string, value: unknown, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') throw this.error('WOPI_OPTION_TYPE', option, `must be true or false, got ${describeValue(value)}`);
    return value;
  }

  /** One of `allowed`, compared exactly; `fallback` when not given. */
  oneOf<T extends string>(option: string, value: unknown, allowed: readonly T[], fallback: T): T {
    if (value === undefined) return fallback;
    if (!allowed.includes(value as T)) {
      const got = typeof value === 'string' ? JSON.stringify(value) : describeValue(value);
      throw this.error(
        typeof value === 'string' ? 'WOPI_OPTION_VALUE' : 'WOPI_OPTION_TYPE',
        option,
        `must be one of ${allowed.join(', ')}, got ${got}`,
      );
    }
    return value as T;
  }

  /** A function, or `undefined` when not given. */
  optionalFunction<F extends AnyFunction>(option: string, value: F | undefined): F | undefined {
    if (value !== undefined && typeof value !== 'function') {
      throw this.error('WOPI_OPTION_TYPE', option, `must be a function, got ${describeValue(value)}`);
    }
    return value;
  }

  /** A required absolute `http:` or `https:` URL, as a string. */
  httpUrl(option: string, value: unknown, what = 'an http(s) URL'): string {
    const url = this.required(option, value, what);
    if (typeof url !== 'string') throw this.error('WOPI_OPTION_TYPE', option, `must be ${what}, got ${describeValue(url)}`);
    if (!isHttpUrl(url)) throw this.error('WOPI_OPTION_VALUE', option, `must be ${what} (with its scheme, e.g. https://…)`);
    return url;
  }

  /**
   * A required adapter: an object (or a class instance) with each of `methods` as a function.
   * Missing methods are listed in the message. `interfaceName` is what it implements, e.g. `WopiStorage`.
   */
  adapter<T>(option: string, value: T | undefined, interfaceName: string, methods: readonly string[]): T {
    const adapter = this.required(option, value, `a ${interfaceName}`);
    if (!isObject(adapter)) throw this.error('WOPI_OPTION_TYPE', option, `must be a ${interfaceName}, got ${describeValue(adapter)}`);
    const missing = methods.filter((m) => typeof (adapter as Record<string, unknown>)[m] !== 'function');
    if (missing.length > 0) {
      throw this.error('WOPI_ADAPTER_SHAPE', option, `does not implement ${interfaceName} (missing ${missing.join(', ')})`);
    }
    return adapter;
  }

  private integer(option: string, value: unknown, fallback: number, min: 0 | 1, unit: string | undefined): number {
    if (value === undefined) return fallback;
    const expected = `a ${min === 1 ? 'positive' : 'non-negative'} integer${unit === undefined ? '' : ` (${unit})`}`;
    if (typeof value !== 'number') throw this.error('WOPI_OPTION_TYPE', option, `must be ${expected}, got ${describeValue(value)}`);
    if (!Number.isSafeInteger(value) || value < min)
      throw this.error('WOPI_OPTION_VALUE', option, `must be ${expected}, got ${describeValue(value)}`);
    return value;
  }
}

/** An object that can hold options or methods: not `null`, an array or a primitive. */
function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * A wrong value for a message: numbers, booleans, `null` and `undefined` as they are, anything
 * else by its kind only ({@link kindOf}), so that no secret or path is ever repeated.
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return kindOf(value);
}

/** What kind of value this is, never the value itself: "a string", "an array", "null" … For secrets. */
export function kindOf(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'string') return value === '' ? 'an empty string' : 'a string';
  if (Array.isArray(value)) return 'an array';
  if (Buffer.isBuffer(value)) return 'a Buffer';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}
