/**
 * WOPI proof keys, the pure part: the bytes an editor signs, .NET ticks, public-key import from
 * the two forms discovery publishes them in, and the three-way signature check. No I/O.
 *
 * An editor signs every WOPI request with its private key. The signed bytes are, in order:
 * the access token's UTF-8 length as a 4-byte big-endian integer and the token itself; the
 * length and bytes of the absolute request URL, upper-cased, query string included; the number
 * 8 as a 4-byte big-endian integer and the `X-WOPI-TimeStamp` as an 8-byte big-endian integer.
 * The signature is RSA PKCS#1 v1.5 over SHA-256, base64-encoded in `X-WOPI-Proof` (current key)
 * and `X-WOPI-ProofOld` (previous key).
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';

/** .NET ticks (100 ns units since 0001-01-01T00:00:00Z) at the Unix epoch. */
export const TICKS_AT_UNIX_EPOCH = 621_355_968_000_000_000n;

/** Ticks per millisecond. */
const TICKS_PER_MS = 10_000n;

/** How old an `X-WOPI-TimeStamp` may be before the request is refused: 20 minutes. */
export const PROOF_MAX_AGE_MS = 20 * 60 * 1000;

const MAX_INT64 = (1n << 63n) - 1n;

/** Milliseconds since the Unix epoch → .NET ticks. */
export function unixMsToTicks(ms: number): bigint {
  return BigInt(Math.trunc(ms)) * TICKS_PER_MS + TICKS_AT_UNIX_EPOCH;
}

/** .NET ticks → milliseconds since the Unix epoch (sub-millisecond ticks are dropped). */
export function ticksToUnixMs(ticks: bigint): number {
  return Number((ticks - TICKS_AT_UNIX_EPOCH) / TICKS_PER_MS);
}

/**
 * Parses an `X-WOPI-TimeStamp` header: a decimal number of ticks that fits a signed 64-bit
 * integer. Anything else (signs, spaces inside, hex, empty, overflow) gives `undefined`.
 * Surrounding whitespace is ignored.
 */
export function parseTimestampHeader(value: string | undefined): bigint | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (!/^\d{1,19}$/.test(trimmed)) return undefined;
  const ticks = BigInt(trimmed);
  return ticks > MAX_INT64 ? undefined : ticks;
}

/** What one request contributes to its proof. */
export interface ProofInput {
  /** The access token, exactly as in the request's `access_token` parameter (decoded). */
  accessToken: string;
  /** The absolute URL the editor called, query string included; upper-cased here. */
  url: string;
  /** `X-WOPI-TimeStamp` in ticks. */
  timestamp: bigint;
}

/** The bytes an editor signs for a request (see the module comment for the layout). */
export function buildProofBytes({ accessToken, url, timestamp }: ProofInput): Buffer {
  const token = Buffer.from(accessToken, 'utf8');
  const upperUrl = Buffer.from(url.toUpperCase(), 'utf8');
  const out = Buffer.alloc(4 + token.length + 4 + upperUrl.length + 4 + 8);
  let offset = out.writeUInt32BE(token.length, 0);
  offset += token.copy(out, offset);
  offset = out.writeUInt32BE(upperUrl.length, offset);
  offset += upperUrl.copy(out, offset);
  offset = out.writeUInt32BE(8, offset);
  out.writeBigInt64BE(BigInt.asIntN(64, timestamp), offset);
  return out;
}

/** The public keys a WOPI client signs with: the current one and, after a rotation, the old one. */
export interface ProofKeySet {
  current: KeyObject;
  old?: KeyObject;
}

/** A public key in one of the forms accepted by `proofKeys` and found in discovery. */
export type ProofPublicKeyInput =
  | KeyObject
  /** PEM (SPKI `PUBLIC KEY` or PKCS#1 `RSA PUBLIC KEY`). */
  | string
  /** Discovery's `modulus` / `exponent`: base64 big-endian integers. */
  | { modulus: string; exponent: string }
  /** Discovery's `value`: a base64 .NET CSP public-key blob (`RSACryptoServiceProvider.ExportCspBlob`). */
  | { value: string };

/**
 * Where the router gets proof keys from. `WopiDiscovery` is one: it reads them from the
 * editor's discovery document. Write your own to fetch keys some other way.
 */
export interface ProofKeyProvider {
  /** The keys to verify with now; `undefined` when there are none (every request is refused). */
  getProofKeys(): Promise<ProofKeySet | undefined>;
  /**
   * Optional: fetch the keys again because a signature did not verify with the current ones, or
   * verified only through the editor's previous key (a rotation). May decline (throttling) and
   * return the same keys. Without it, keys are never refreshed by the router.
   */
  refreshProofKeys?(): Promise<ProofKeySet | undefined>;
}

/** Fixed proof keys, e.g. copied from an editor's configuration. */
export interface StaticProofKeys {
  /** The key the editor signs `X-WOPI-Proof` with. */
  current: ProofPublicKeyInput;
  /** The key it signed with before its last rotation (checked against `X-WOPI-Proof` too). */
  old?: ProofPublicKeyInput;
}

/** The `proofKeys` router option: a key provider (such as a `WopiDiscovery`) or fixed keys. */
export type ProofKeysOption = ProofKeyProvider | StaticProofKeys;

/** Builds an RSA public key from a base64 modulus and exponent (big-endian, as discovery has them). */
export function publicKeyFromModulusExponent(modulus: string, exponent: string): KeyObject {
  const n = stripLeadingZeros(strictBase64(modulus, 'modulus'));
  const e = stripLeadingZeros(strictBase64(exponent, 'exponent'));
  if (n.length === 0 || e.length === 0) throw new TypeError('RSA modulus and exponent must not be zero');
  return asTypeError(() => createPublicKey({ key: { kty: 'RSA', n: n.toString('base64url'), e: e.toString('base64url') }, format: 'jwk' }));
}

/** CSP blob constants: PUBLICKEYBLOB, version 2, and the `RSA1` magic. */
const PUBLICKEYBLOB = 0x06;
const CUR_BLOB_VERSION = 0x02;
const RSA1_MAGIC = 0x31415352;
const CALG_RSA_KEYX = 0x0000a400;

/**
 * Reads a base64 .NET CSP public-key blob (what discovery's `value` / `oldvalue` hold): an
 * 8-byte BLOBHEADER, a 12-byte RSAPUBKEY (`RSA1`, bit length, public exponent, little-endian),
 * then the modulus, little-endian.
 */
export function publicKeyFromCspBlob(value: string): KeyObject {
  const blob = strictBase64(value, 'CSP blob');
  if (blob.length < 20) throw new TypeError('CSP public-key blob is too short');
  if (blob[0] !== PUBLICKEYBLOB || blob[1] !== CUR_BLOB_VERSION) throw new TypeError('not a CSP PUBLICKEYBLOB');
  if (blob.readUInt32LE(8) !== RSA1_MAGIC) throw new TypeError('CSP blob does not hold an RSA public key');
  const bits = blob.readUInt32LE(12);
  const exponent = blob.readUInt32LE(16);
  const modulusLength = Math.ceil(bits / 8);
  if (bits === 0 || blob.length < 20 + modulusLength) throw new TypeError('CSP blob is truncated');
  const modulus = Buffer.from(blob.subarray(20, 20 + modulusLength)).reverse();
  const e = Buffer.alloc(4);
  e.writeUInt32BE(exponent);
  return publicKeyFromModulusExponent(modulus.toString('base64'), e.toString('base64'));
}

/**
 * The inverse of {@link publicKeyFromCspBlob}: a base64 CSP public-key blob for an RSA public
 * key. Useful to publish test keys in the form .NET-based clients export.
 */
export function publicKeyToCspBlob(key: KeyObject): string {
  const { n, e } = publicKeyToModulusExponent(key);
  const modulus = Buffer.from(n, 'base64');
  const exponent = Buffer.from(e, 'base64');
  if (exponent.length > 4) throw new TypeError('RSA exponent does not fit a CSP blob');
  const header = Buffer.alloc(20);
  header[0] = PUBLICKEYBLOB;
  header[1] = CUR_BLOB_VERSION;
  header.writeUInt32LE(CALG_RSA_KEYX, 4);
  header.writeUInt32LE(RSA1_MAGIC, 8);
  header.writeUInt32LE(modulus.length * 8, 12);
  header.writeUInt32LE(Number(BigInt(`0x${exponent.toString('hex')}`)), 16);
  return Buffer.concat([header, Buffer.from(modulus).reverse()]).toString('base64');
}

/** An RSA public key's modulus and exponent as base64 big-endian integers (discovery's form). */
export function publicKeyToModulusExponent(key: KeyObject): { n: string; e: string } {
  if (key.asymmetricKeyType !== 'rsa') throw new TypeError('proof keys must be RSA keys');
  const jwk = key.export({ format: 'jwk' });
  if (typeof jwk.n !== 'string' || typeof jwk.e !== 'string') throw new TypeError('RSA key without modulus or exponent');
  return { n: Buffer.from(jwk.n, 'base64url').toString('base64'), e: Buffer.from(jwk.e, 'base64url').toString('base64') };
}

/** Turns any accepted key form into a KeyObject; throws `TypeError` when it is not an RSA public key. */
export function toProofPublicKey(input: ProofPublicKeyInput): KeyObject {
  let key: KeyObject;
  if (typeof input === 'string') {
    key = asTypeError(() => createPublicKey(input));
  } else if (isKeyObject(input)) {
    key = input.type === 'private' ? asTypeError(() => createPublicKey(input)) : input;
  } else if (typeof input === 'object' && input !== null && 'modulus' in input) {
    key = publicKeyFromModulusExponent(input.modulus, input.exponent);
  } else if (typeof input === 'object' && input !== null && 'value' in input) {
    key = publicKeyFromCspBlob(input.value);
  } else {
    throw new TypeError('a proof key must be a KeyObject, a PEM string, { modulus, exponent } or { value }');
  }
  if (key.type !== 'public' || key.asymmetricKeyType !== 'rsa') throw new TypeError('proof keys must be RSA public keys');
  return key;
}

/** Runs a key import, reporting OpenSSL's errors as `TypeError`s like the other bad-key cases. */
function asTypeError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new TypeError(`not a usable public key: ${(err as Error).message}`);
  }
}

function isKeyObject(value: unknown): value is KeyObject {
  return typeof value === 'object' && value !== null && typeof (value as KeyObject).export === 'function' && 'asymmetricKeyType' in value;
}

/** Which combination accepted the request. */
export type ProofMatch =
  /** `X-WOPI-Proof` with the current key: the normal case. */
  | 'proof-current'
  /** `X-WOPI-ProofOld` with the current key: the editor rotated its keys and this host has not seen it yet. */
  | 'proof-old-current'
  /** `X-WOPI-Proof` with the old key: this host has the new keys, the editor's machine not yet. */
  | 'proof-old-key';

/** Why a request was refused. */
export type ProofFailure =
  /** No `X-WOPI-TimeStamp` or no `X-WOPI-Proof`. */
  | 'missing-headers'
  /** `X-WOPI-TimeStamp` is not a decimal 64-bit number. */
  | 'bad-timestamp'
  /** Older than 20 minutes (or more than 20 minutes in the future). */
  | 'stale-timestamp'
  /** No combination of signature and key verifies. */
  | 'bad-signature';

export type ProofVerdict = { ok: true; match: ProofMatch } | { ok: false; reason: ProofFailure };

/** The proof headers of one request, as received. */
export interface ProofHeaders {
  /** `X-WOPI-TimeStamp`. */
  timestamp: string | undefined;
  /** `X-WOPI-Proof`. */
  proof: string | undefined;
  /** `X-WOPI-ProofOld`. */
  proofOld: string | undefined;
}

/**
 * Checks a request's proof. Accepted when `X-WOPI-Proof` verifies with the current key, or
 * `X-WOPI-ProofOld` with the current key, or `X-WOPI-Proof` with the old key (in that order),
 * and the timestamp is no more than `maxAgeMs` away from `nowMs` (older or, for skewed clocks,
 * newer).
 */
export function verifyProof(
  request: { accessToken: string; url: string; headers: ProofHeaders },
  keys: ProofKeySet,
  nowMs: number,
  maxAgeMs: number = PROOF_MAX_AGE_MS,
): ProofVerdict {
  const { headers } = request;
  if (headers.timestamp === undefined || headers.proof === undefined || headers.proof === '') {
    return { ok: false, reason: 'missing-headers' };
  }
  const timestamp = parseTimestampHeader(headers.timestamp);
  if (timestamp === undefined) return { ok: false, reason: 'bad-timestamp' };
  if (Math.abs(nowMs - ticksToUnixMs(timestamp)) > maxAgeMs) return { ok: false, reason: 'stale-timestamp' };

  const data = buildProofBytes({ accessToken: request.accessToken, url: request.url, timestamp });
  if (signatureVerifies(data, headers.proof, keys.current)) return { ok: true, match: 'proof-current' };
  if (signatureVerifies(data, headers.proofOld, keys.current)) return { ok: true, match: 'proof-old-current' };
  if (keys.old && signatureVerifies(data, headers.proof, keys.old)) return { ok: true, match: 'proof-old-key' };
  return { ok: false, reason: 'bad-signature' };
}

/** RSA PKCS#1 v1.5 / SHA-256 check of a base64 signature; false for anything malformed. */
export function signatureVerifies(data: Buffer, signatureBase64: string | undefined, key: KeyObject): boolean {
  if (signatureBase64 === undefined) return false;
  const signature = looseBase64(signatureBase64.trim());
  if (signature === undefined || signature.length === 0) return false;
  try {
    return verify('sha256', data, key, signature);
  } catch {
    return false;
  }
}

/** Base64 (standard or URL-safe alphabet, padding optional); throws `TypeError` naming `what` otherwise. */
function strictBase64(value: string, what: string): Buffer {
  const decoded = typeof value === 'string' ? looseBase64(value.trim()) : undefined;
  if (decoded === undefined || decoded.length === 0) throw new TypeError(`${what} is not base64`);
  return decoded;
}

function looseBase64(value: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(value) || value.replace(/=+$/, '').length % 4 === 1) return undefined;
  return Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

function stripLeadingZeros(bytes: Buffer): Buffer {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  return bytes.subarray(i);
}
