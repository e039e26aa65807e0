/**
 * File name rules, shared by every operation that names a file (PutRelativeFile, RenameFile) and
 * by the built-in storages. One place decides what is legal, how an illegal suggestion is
 * repaired and how a free name is found, so all operations agree.
 *
 * A legal name is portable across the file systems hosts run on: no path separators, no `.` or
 * `..`, no control characters, none of `<>:"|?*`, no trailing dot or space, not a reserved
 * Windows device name (CON, PRN, AUX, NUL, COM0–COM9, LPT0–LPT9 and the superscript-digit forms
 * COM¹ COM² COM³ LPT¹ LPT² LPT³, in any case, with or without extension), and at most
 * {@link MAX_FILE_NAME_BYTES} bytes of UTF-8.
 */

/** Longest legal name in UTF-8 bytes (the common file-system limit). */
export const MAX_FILE_NAME_BYTES = 255;

/**
 * Windows device names. Windows also opens COM0, LPT0 and the superscript digits ¹ ² ³ (U+00B9,
 * U+00B2, U+00B3) as ports, so they are refused like COM1 and LPT1.
 */
// Windows' device names, also with an extension (`nul.txt`) and with spaces before it (`nul .txt`:
// Windows drops them when it matches a device name), and the console's CONIN$ / CONOUT$.
const RESERVED = /^(con|prn|aux|nul|com[0-9\u00b9\u00b2\u00b3]|lpt[0-9\u00b9\u00b2\u00b3]|conin\$|conout\$) *(\..*)?$/i;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
const FORBIDDEN_CHARS = /[\u0000-\u001f\u007f<>:"/\\|?*]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this replaces
const FORBIDDEN_CHARS_GLOBAL = /[\u0000-\u001f\u007f<>:"/\\|?*]/g;

export type FileNameCheck = { ok: true } | { ok: false; reason: string };

/** Whether `name` is a legal file name, and if not, why (the reason is safe to send to a client). */
export function checkFileName(name: string): FileNameCheck {
  if (name.length === 0) return { ok: false, reason: 'The name is empty' };
  if (name === '.' || name === '..') return { ok: false, reason: 'The name is reserved' };
  if (FORBIDDEN_CHARS.test(name)) {
    return { ok: false, reason: 'The name contains a path separator, a control character or one of <>:"|?*' };
  }
  if (/[. ]$/.test(name)) return { ok: false, reason: 'The name ends with a dot or a space' };
  if (/^\s/.test(name)) return { ok: false, reason: 'The name starts with white space' };
  if (RESERVED.test(name)) return { ok: false, reason: 'The name is a reserved device name' };
  if (Buffer.byteLength(name, 'utf8') > MAX_FILE_NAME_BYTES) {
    return { ok: false, reason: `The name is longer than ${MAX_FILE_NAME_BYTES} bytes` };
  }
  return { ok: true };
}

/**
 * Splits a name into base and extension; the extension keeps its dot. A leading dot does not
 * start an extension (`.profile` has none).
 */
export function splitExtension(name: string): { base: string; extension: string } {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return { base: name, extension: '' };
  return { base: name.slice(0, dot), extension: name.slice(dot) };
}

/** Whether `extension` (from splitExtension) is a real, short extension worth keeping. */
function isPlainExtension(extension: string): boolean {
  return /^\.[^. ]+$/.test(extension) && Buffer.byteLength(extension) <= 32;
}

/**
 * Turns a suggested name into a legal one, keeping its extension: forbidden characters become
 * `_`, surrounding white space and trailing dots go, an over-long base is shortened on a
 * character boundary, a reserved device name gets a `_` prefix. An extension that is not a plain
 * short one is treated as part of the base. Uses `fallbackBase` when nothing usable is left.
 */
export function repairFileName(name: string, fallbackBase = 'document'): string {
  const cleaned = name.replace(FORBIDDEN_CHARS_GLOBAL, '_').trim();
  let { base, extension } = splitExtension(cleaned);
  if (!isPlainExtension(extension)) {
    base = cleaned;
    extension = '';
  }
  // Shorten first, so the checks below see the base that is actually used.
  base = shortenBase(base.replace(/[. ]+$/, '').trim(), extension);
  if (base === '' || base === '.' || base === '..') base = fallbackBase;
  if (RESERVED.test(base)) base = `_${base}`;
  return shortenBase(base, extension) + extension;
}

/**
 * Candidate names for a name that is taken: `report.docx`, then `report (1).docx`,
 * `report (2).docx`, … Every candidate after the first is legal when the first is, and shortened
 * to stay within the length limit.
 */
export function* candidateNames(name: string): Generator<string, never, undefined> {
  yield name;
  let { base, extension } = splitExtension(name);
  if (!isPlainExtension(extension)) {
    base = name;
    extension = '';
  }
  for (let n = 1; ; n++) {
    const tail = ` (${n})${extension}`;
    const stem = shortenBase(base, tail);
    yield (stem === '' ? shortenBase('document', tail) : stem) + tail;
  }
}

/** `base` cut (never inside a character) so `base + tail` fits the limit, without trailing dots or spaces. */
function shortenBase(base: string, tail: string): string {
  const budget = MAX_FILE_NAME_BYTES - Buffer.byteLength(tail);
  let out = '';
  let bytes = 0;
  for (const ch of base) {
    const size = Buffer.byteLength(ch);
    if (bytes + size > budget) break;
    out += ch;
    bytes += size;
  }
  return out.replace(/[. ]+$/, '');
}

/**
 * The form in which two file names are compared: names with the same key are the same name.
 *
 * Office hosts (SharePoint, OneDrive) and the file systems of Windows and macOS treat `Report.docx`
 * and `report.docx` as one file, and macOS also treats the composed and decomposed spellings of
 * `é` as one. The built-in storages follow them on every file system, so a name an editor asks for
 * never quietly becomes a second file beside a case variant (and never misses that variant's
 * lock). The key is the NFC form, upper-cased and then lower-cased (full case mapping, so `ß`
 * matches `SS` and the Greek sigmas match): when in doubt, two names count as the same one.
 */
export function fileNameKey(name: string): string {
  return name.normalize('NFC').toUpperCase().toLowerCase().normalize('NFC');
}

/**
 * Candidate names for a container (a folder) whose name is taken: `Reports`, then `Reports (1)`,
 * `Reports (2)`, … A folder name has no extension: `v1.2` becomes `v1.2 (1)`.
 */
export function* candidateContainerNames(name: string): Generator<string, never, undefined> {
  yield name;
  for (let n = 1; ; n++) {
    const tail = ` (${n})`;
    const stem = shortenBase(name, tail);
    yield (stem === '' ? shortenBase('folder', tail) : stem) + tail;
  }
}
