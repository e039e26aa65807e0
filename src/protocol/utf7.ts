/**
 * UTF-7 (RFC 2152) decoding for the WOPI headers that carry file names: `X-WOPI-SuggestedTarget`,
 * `X-WOPI-RelativeTarget` and `X-WOPI-RequestedName`. HTTP headers are ASCII, so editors send
 * non-ASCII names as UTF-7: `+` starts a run of modified base64 holding UTF-16 code units, the run
 * ends at the first character outside the base64 alphabet, and a `-` right after a run is
 * absorbed. `+-` is a literal plus.
 *
 * The decoder is strict: a lone `+`, leftover bits that are not zero padding, a truncated code
 * unit, an unpaired surrogate or a non-ASCII character is malformed input and throws
 * {@link Utf7DecodeError}, which the operations answer with 400.
 */

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_VALUE = new Map([...BASE64].map((ch, i) => [ch, i] as const));

export class Utf7DecodeError extends Error {
  constructor(reason: string) {
    super(`Malformed UTF-7: ${reason}`);
    this.name = 'Utf7DecodeError';
  }
}

/** Decodes a UTF-7 string. Throws {@link Utf7DecodeError} for malformed input. */
export function decodeUtf7(input: string): string {
  let out = '';
  let i = 0;
  while (i < input.length) {
    const ch = input[i] as string;
    if (ch.charCodeAt(0) > 0x7f) throw new Utf7DecodeError('non-ASCII character');
    if (ch !== '+') {
      out += ch;
      i++;
      continue;
    }
    i++;
    if (input[i] === '-') {
      out += '+';
      i++;
      continue;
    }
    const units: number[] = [];
    let bits = 0;
    let bitCount = 0;
    for (let value = BASE64_VALUE.get(input[i] ?? ''); value !== undefined; value = BASE64_VALUE.get(input[i] ?? '')) {
      bits = (bits << 6) | value;
      bitCount += 6;
      if (bitCount >= 16) {
        bitCount -= 16;
        units.push((bits >> bitCount) & 0xffff);
        bits &= (1 << bitCount) - 1;
      }
      i++;
    }
    if (units.length === 0) throw new Utf7DecodeError('"+" not followed by base64 or "-"');
    if (bitCount >= 6 || bits !== 0) throw new Utf7DecodeError('base64 run ends inside a character');
    if (input[i] === '-') i++;
    out += fromUtf16Units(units);
  }
  return out;
}

/** The string for a run of UTF-16 code units, refusing unpaired surrogates. */
function fromUtf16Units(units: number[]): string {
  for (let k = 0; k < units.length; k++) {
    const unit = units[k] as number;
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = units[k + 1];
      if (next === undefined || next < 0xdc00 || next > 0xdfff) throw new Utf7DecodeError('unpaired high surrogate');
      k++;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) {
      throw new Utf7DecodeError('unpaired low surrogate');
    }
  }
  return String.fromCharCode(...units);
}

/**
 * Encodes a string as UTF-7 the way Office and the WOPI validator do: letters, digits and
 * `'(),-./:? ` go through directly, `+` becomes `+-`, everything else is base64 and each run is
 * closed with `-`. Used for names the host sends back in headers.
 */
export function encodeUtf7(input: string): string {
  let out = '';
  let bits = 0;
  let bitCount = 0;
  let inRun = false;
  const closeRun = (): void => {
    if (bitCount > 0) out += BASE64[(bits << (6 - bitCount)) & 0x3f];
    out += '-';
    bits = 0;
    bitCount = 0;
    inRun = false;
  };
  for (let k = 0; k < input.length; k++) {
    const code = input.charCodeAt(k);
    if (isDirect(code)) {
      if (inRun) closeRun();
      out += input[k];
    } else if (code === 0x2b && !inRun) {
      out += '+-';
    } else {
      if (!inRun) {
        out += '+';
        inRun = true;
      }
      bits = (bits << 16) | code;
      bitCount += 16;
      while (bitCount >= 6) {
        bitCount -= 6;
        out += BASE64[(bits >> bitCount) & 0x3f];
      }
      bits &= (1 << bitCount) - 1;
    }
  }
  if (inRun) closeRun();
  return out;
}

function isDirect(code: number): boolean {
  return (
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x61 && code <= 0x7a) ||
    (code >= 0x30 && code <= 0x39) ||
    "'(),-./:? ".includes(String.fromCharCode(code))
  );
}
