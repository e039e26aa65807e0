/**
 * WOPI header names, spelled as the protocol spells them. Node lower-cases incoming header
 * names; use {@link readHeader} to read them.
 */
import type { IncomingHttpHeaders } from 'node:http';

export const HEADER = {
  override: 'X-WOPI-Override',
  lock: 'X-WOPI-Lock',
  oldLock: 'X-WOPI-OldLock',
  lockFailureReason: 'X-WOPI-LockFailureReason',
  itemVersion: 'X-WOPI-ItemVersion',
  maxExpectedSize: 'X-WOPI-MaxExpectedSize',
  editors: 'X-WOPI-Editors',
  size: 'X-WOPI-Size',
  suggestedTarget: 'X-WOPI-SuggestedTarget',
  relativeTarget: 'X-WOPI-RelativeTarget',
  overwriteRelativeTarget: 'X-WOPI-OverwriteRelativeTarget',
  validRelativeTarget: 'X-WOPI-ValidRelativeTarget',
  fileConversion: 'X-WOPI-FileConversion',
  requestedName: 'X-WOPI-RequestedName',
  invalidFileNameError: 'X-WOPI-InvalidFileNameError',
  lloolIsModifiedByUser: 'X-LOOL-WOPI-IsModifiedByUser',
  coolIsModifiedByUser: 'X-COOL-WOPI-IsModifiedByUser',
  lloolIsAutosave: 'X-LOOL-WOPI-IsAutosave',
  coolIsAutosave: 'X-COOL-WOPI-IsAutosave',
  lloolIsExitSave: 'X-LOOL-WOPI-IsExitSave',
  coolIsExitSave: 'X-COOL-WOPI-IsExitSave',
  lloolTimestamp: 'X-LOOL-WOPI-Timestamp',
  coolTimestamp: 'X-COOL-WOPI-Timestamp',
} as const;

/**
 * The value of a request header, or `undefined` when it is absent. Node joins repeated custom
 * headers (all `X-WOPI-*` ones) into one `a, b` value; for the few it keeps as an array
 * (`Set-Cookie`) the first value is returned.
 */
export function readHeader(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  if (Array.isArray(value)) return value[0];
  return value;
}

/**
 * Reads a header that one editor spells `X-COOL-…` and older ones `X-LOOL-…`; the preferred
 * spelling wins when both carry a value, and an empty one does not hide the other.
 */
export function readEitherHeader(headers: IncomingHttpHeaders, preferred: string, fallback: string): string | undefined {
  const first = readHeader(headers, preferred);
  if (first !== undefined && first !== '') return first;
  return readHeader(headers, fallback) ?? first;
}

/** `"true"` → true, `"false"` → false (any case, surrounding spaces ignored); anything else → undefined. */
export function parseBooleanHeader(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  return undefined;
}

/**
 * `X-WOPI-Editors`: a comma-separated list of user IDs. Empty entries are dropped; an absent or
 * blank header gives an empty list.
 */
export function parseEditorsHeader(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
