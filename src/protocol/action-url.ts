/**
 * Action URLs: turning a discovery `urlsrc` template into the URL a host page opens. Pure.
 *
 * A `urlsrc` carries optional parameters as `<name=PLACEHOLDER&>` (the `&` may be missing).
 * Each one the host knows becomes `name=value&`; each one it does not know, or has no value
 * for, is removed with its brackets. Then the file's WOPISrc is added as a query parameter,
 * URL-encoded.
 */

/** Placeholder names with a meaning defined by WOPI (values are given per call). */
export const PLACEHOLDER = {
  /** UI language, e.g. `en-US` (RFC 1766). */
  uiLanguage: 'UI_LLCC',
  /** Language for data (number formats, sorting); defaults to the UI language. */
  dataLanguage: 'DC_LLCC',
  /** `1` turns chat off. */
  disableChat: 'DISABLE_CHAT',
  /** `1` marks the user as a business user (Microsoft 365 business flow). */
  businessUser: 'BUSINESS_USER',
  /** Theme: `1` light, `2` dark. */
  theme: 'THEME_ID',
  /** `true`: the output is embedded in a page. */
  embedded: 'EMBEDDED',
  /** `true`: full-screen mode. */
  fullscreen: 'FULLSCREEN',
  /** `true`: minimal UI, e.g. for recording. */
  recording: 'RECORDING',
  /** Opaque value the editor sends back in `X-WOPI-SessionContext`. */
  sessionContext: 'SESSION_CONTEXT',
  /** The host's session id for this editor session. */
  hostSessionId: 'HOST_SESSION_ID',
  /** The file's WOPISrc (ONLYOFFICE's and newer Microsoft templates carry it as a placeholder). */
  wopiSource: 'WOPI_SOURCE',
  /** Validator test category (`All`, `OfficeOnline`, `OfficeNativeClient`). */
  validatorTestCategory: 'VALIDATOR_TEST_CATEGORY',
} as const;

/** A placeholder value: strings are URL-encoded; `true` → `true`/`1` as WOPI defines it; `false`/`undefined` drop the parameter. */
export type PlaceholderValue = string | number | boolean | undefined;

/** Placeholders whose `true` is spelled `1` (the others spell it `true`). */
const ONE_FOR_TRUE = new Set<string>([PLACEHOLDER.disableChat, PLACEHOLDER.businessUser]);

const PARAMETER = /<([^<>=]*)=([^<>]*)>/g;

/**
 * Fills the `<name=PLACEHOLDER&>` parameters of a `urlsrc`. `values` maps placeholder names
 * (`UI_LLCC`, …; case-sensitive, as discovery spells them) to values. Unknown placeholders and
 * placeholders whose value is `undefined`, `false` or `''` are removed.
 */
export function fillPlaceholders(urlsrc: string, values: Readonly<Record<string, PlaceholderValue>>): string {
  return urlsrc.replace(PARAMETER, (_whole, name: string, rest: string) => {
    const ampersand = rest.endsWith('&') ? '&' : '';
    const placeholder = ampersand ? rest.slice(0, -1) : rest;
    const value = Object.hasOwn(values, placeholder) ? values[placeholder] : undefined;
    const text = placeholderText(placeholder, value);
    if (text === undefined || name.trim() === '') return '';
    return `${name}=${encodeURIComponent(text)}${ampersand}`;
  });
}

function placeholderText(placeholder: string, value: PlaceholderValue): string | undefined {
  if (value === undefined || value === false || value === '') return undefined;
  if (value === true) return ONE_FOR_TRUE.has(placeholder) ? '1' : 'true';
  return String(value);
}

/** True when the template carries a `<…=WOPI_SOURCE…>` parameter. */
export function hasWopiSourcePlaceholder(urlsrc: string): boolean {
  for (const match of urlsrc.matchAll(PARAMETER)) {
    if ((match[2] ?? '').replace(/&$/, '') === PLACEHOLDER.wopiSource) return true;
  }
  return false;
}

/**
 * Adds query parameters to a URL and tidies its query string: empty segments left behind by
 * removed placeholders (`?&`, `&&`, a trailing `&`) are dropped. Names and values must already
 * be encoded; the fragment, if any, is kept.
 */
export function appendQuery(url: string, params: ReadonlyArray<readonly [string, string]>): string {
  const hashAt = url.indexOf('#');
  const fragment = hashAt === -1 ? '' : url.slice(hashAt);
  const withoutFragment = hashAt === -1 ? url : url.slice(0, hashAt);
  const queryAt = withoutFragment.indexOf('?');
  const base = queryAt === -1 ? withoutFragment : withoutFragment.slice(0, queryAt);
  const existing = queryAt === -1 ? [] : withoutFragment.slice(queryAt + 1).split('&');
  const segments = [...existing, ...params.map(([name, value]) => `${name}=${value}`)].filter((s) => s !== '');
  return `${base}${segments.length > 0 ? `?${segments.join('&')}` : ''}${fragment}`;
}

/** What {@link resolveActionUrl} needs besides the template. */
export interface ActionUrlValues {
  /** The file's WOPISrc, e.g. `https://files.example.com/wopi/files/abc` (not encoded). */
  wopiSrc: string;
  /** Placeholder values by placeholder name (`UI_LLCC`, …). `WOPI_SOURCE` is set from `wopiSrc`. */
  placeholders?: Readonly<Record<string, PlaceholderValue>>;
  /** Extra query parameters, not encoded (e.g. Collabora's `lang`, or `wd*` parameters passed through). */
  query?: Readonly<Record<string, string>>;
}

/**
 * The action URL for a file: placeholders filled or removed, then the WOPISrc. When the template
 * has a `WOPI_SOURCE` placeholder, that parameter carries the WOPISrc (ONLYOFFICE reads it under
 * its own name, `wopisrc`); otherwise `WOPISrc=<encoded>` is appended. It is never sent twice.
 */
export function resolveActionUrl(urlsrc: string, values: ActionUrlValues): string {
  const placeholders = { ...values.placeholders, [PLACEHOLDER.wopiSource]: values.wopiSrc };
  const filled = fillPlaceholders(urlsrc, placeholders);
  const extra: Array<[string, string]> = [];
  if (!hasWopiSourcePlaceholder(urlsrc)) extra.push(['WOPISrc', encodeURIComponent(values.wopiSrc)]);
  for (const [name, value] of Object.entries(values.query ?? {})) {
    extra.push([encodeURIComponent(name), encodeURIComponent(value)]);
  }
  return appendQuery(filled.trim(), extra);
}
