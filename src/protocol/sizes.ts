/**
 * Parsing of size-carrying headers (`Content-Length`, `X-WOPI-MaxExpectedSize`, `X-WOPI-Size`).
 */

/**
 * Parses a non-negative decimal integer as sent in a size header. Returns `undefined` when the
 * header is absent, and `null` when it is present but not a valid size (signs, decimals, hex,
 * exponents, empty strings and values beyond `Number.MAX_SAFE_INTEGER` are all invalid).
 */
export function parseSizeHeader(value: string | undefined): number | null | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (!/^\d{1,16}$/.test(v)) return null;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : null;
}
