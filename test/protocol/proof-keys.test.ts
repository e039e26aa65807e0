import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  buildProofBytes,
  parseTimestampHeader,
  PROOF_MAX_AGE_MS,
  publicKeyFromCspBlob,
  publicKeyFromModulusExponent,
  publicKeyToCspBlob,
  publicKeyToModulusExponent,
  signatureVerifies,
  ticksToUnixMs,
  toProofPublicKey,
  unixMsToTicks,
  verifyProof,
  type ProofHeaders,
  type ProofVerdict,
} from '../../src/protocol/proof-keys';
import { proofBytes, sign, ticks } from '../helpers/proof-signer';

const current = generateKeyPairSync('rsa', { modulusLength: 2048 });
const old = generateKeyPairSync('rsa', { modulusLength: 1024 });
const stranger = generateKeyPairSync('rsa', { modulusLength: 1024 });

describe('ticks', () => {
  it.each<[string, number, bigint]>([
    ['Unix epoch', 0, 621355968000000000n],
    ['one millisecond later', 1, 621355968000010000n],
    ['2024-01-02T03:04:05.006Z', Date.UTC(2024, 0, 2, 3, 4, 5, 6), 638397614450060000n],
    ['before the epoch', -1000, 621355967990000000n],
  ])('%s', (_label, ms, expected) => {
    expect(unixMsToTicks(ms)).toBe(expected);
    expect(ticksToUnixMs(expected)).toBe(ms);
  });

  it('drops sub-millisecond ticks', () => {
    expect(ticksToUnixMs(621355968000019999n)).toBe(1);
  });
});

describe('parseTimestampHeader', () => {
  it.each<[string, string | undefined, bigint | undefined]>([
    ['decimal ticks', '638397638450060000', 638397638450060000n],
    ['surrounding spaces', ' 638397638450060000 ', 638397638450060000n],
    ['zero', '0', 0n],
    ['largest signed 64-bit', '9223372036854775807', 9223372036854775807n],
    ['one past signed 64-bit', '9223372036854775808', undefined],
    ['twenty digits', '12345678901234567890', undefined],
    ['negative', '-1', undefined],
    ['plus sign', '+1', undefined],
    ['hex', '0x10', undefined],
    ['fraction', '1.5', undefined],
    ['space inside', '12 34', undefined],
    ['empty', '', undefined],
    ['absent', undefined, undefined],
  ])('%s', (_label, header, expected) => {
    expect(parseTimestampHeader(header)).toBe(expected);
  });
});

describe('buildProofBytes', () => {
  it('lays out [len][token][len][URL upper-cased][8][ticks], all big-endian', () => {
    const bytes = buildProofBytes({ accessToken: 'tok', url: 'http://h/a?b=c', timestamp: 0x0102030405060708n });
    expect(bytes.toString('hex')).toBe(
      [
        '00000003',
        Buffer.from('tok').toString('hex'),
        '0000000e',
        Buffer.from('HTTP://H/A?B=C').toString('hex'),
        '00000008',
        '0102030405060708',
      ].join(''),
    );
  });

  it.each<[string, string, string]>([
    ['ASCII', 'abc', 'https://files.example/wopi/files/x?access_token=abc'],
    ['UTF-8 token: length in bytes, not characters', 'tökén✓', 'https://files.example/wopi/files/x?access_token=t%C3%B6k'],
    ['percent-encoding upper-cased with the rest', 'a', 'http://h/wopi/files/%c3%a9?access_token=a%2fb'],
    ['long token', 'x'.repeat(5000), `http://h/wopi/files/1?access_token=${'x'.repeat(5000)}`],
  ])('matches what an editor signs: %s', (_label, token, url) => {
    const timestamp = ticks(Date.UTC(2025, 4, 6, 7, 8, 9));
    expect(buildProofBytes({ accessToken: token, url, timestamp }).equals(proofBytes(token, url, timestamp))).toBe(true);
  });
});

describe('public key import', () => {
  const key = current.publicKey;
  const { n, e } = publicKeyToModulusExponent(key);

  it('modulus/exponent (base64 big-endian) gives the same key', () => {
    expect(publicKeyFromModulusExponent(n, e).equals(key)).toBe(true);
  });

  it('a leading zero byte on the modulus is ignored', () => {
    const padded = Buffer.concat([Buffer.alloc(1), Buffer.from(n, 'base64')]).toString('base64');
    expect(publicKeyFromModulusExponent(padded, e).equals(key)).toBe(true);
  });

  it('CSP blob round trip, and its published header', () => {
    const blob = publicKeyToCspBlob(key);
    // PUBLICKEYBLOB v2, CALG_RSA_KEYX, "RSA1", 2048 bits, exponent 65537: what .NET exports.
    expect(blob.startsWith('BgIAAACkAABSU0ExAAgAAAEAAQ')).toBe(true);
    expect(publicKeyFromCspBlob(blob).equals(key)).toBe(true);
  });

  it.each<[string, () => unknown]>([
    ['KeyObject', () => key],
    ['private KeyObject (public half taken)', () => current.privateKey],
    ['SPKI PEM', () => key.export({ type: 'spki', format: 'pem' }).toString()],
    ['PKCS#1 PEM', () => key.export({ type: 'pkcs1', format: 'pem' }).toString()],
    ['{ modulus, exponent }', () => ({ modulus: n, exponent: e })],
    ['{ value } (CSP blob)', () => ({ value: publicKeyToCspBlob(key) })],
  ])('toProofPublicKey accepts %s', (_label, input) => {
    const imported = toProofPublicKey(input() as Parameters<typeof toProofPublicKey>[0]);
    expect(imported.type).toBe('public');
    expect(imported.equals(key)).toBe(true);
  });

  it.each<[string, () => unknown]>([
    ['an EC key', () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey],
    ['a string that is not PEM', () => 'not a key'],
    ['a modulus that is not base64', () => ({ modulus: '***', exponent: 'AQAB' })],
    ['a zero modulus', () => ({ modulus: 'AAAA', exponent: 'AQAB' })],
    ['a CSP blob of another type', () => ({ value: Buffer.from('0702000000a40000525341320008000001000100', 'hex').toString('base64') })],
    ['a truncated CSP blob', () => ({ value: publicKeyToCspBlob(key).slice(0, 100) })],
    ['a number', () => 42],
  ])('toProofPublicKey refuses %s', (_label, input) => {
    expect(() => toProofPublicKey(input() as Parameters<typeof toProofPublicKey>[0])).toThrow(TypeError);
  });
});

describe('verifyProof', () => {
  const now = Date.UTC(2025, 0, 15, 12, 0, 0);
  const token = 'eyJhbGciOi.tok-"en\'<';
  const url = "https://files.example/wopi/files/abc?access_token=eyJhbGciOi.tok-%22en'%3C";
  const ts = ticks(now);
  const good = (key: KeyObject, at: bigint = ts, signedUrl = url, signedToken = token): string => sign(key, signedToken, signedUrl, at);
  const garbage = Buffer.alloc(256, 1).toString('base64');
  const keys = { current: current.publicKey, old: old.publicKey };

  type Case = [string, Partial<ProofHeaders>, ProofVerdict, { current: KeyObject; old?: KeyObject }?];
  it.each<Case>([
    // Microsoft's validator cases, by name.
    [
      'ProofKeyCurrentValid: Proof with current, ProofOld with old',
      { proof: good(current.privateKey), proofOld: good(old.privateKey) },
      { ok: true, match: 'proof-current' },
    ],
    ['ProofKeyCurrentValidOldGarbage', { proof: good(current.privateKey), proofOld: garbage }, { ok: true, match: 'proof-current' }],
    ['ProofKeyCurrentOldGarbage: both garbage', { proof: garbage, proofOld: garbage }, { ok: false, reason: 'bad-signature' }],
    [
      'ProofKeyCurrentGarbageValidOldFromOldKey: ProofOld signed with the old key only',
      { proof: garbage, proofOld: good(old.privateKey) },
      { ok: false, reason: 'bad-signature' },
    ],
    [
      'ProofKeyWacAheadOfHost: ProofOld verifies with the current key',
      { proof: good(stranger.privateKey), proofOld: good(current.privateKey) },
      { ok: true, match: 'proof-old-current' },
    ],
    [
      'ProofKeyWacBehindHost: Proof verifies with the old key',
      { proof: good(old.privateKey), proofOld: garbage },
      { ok: true, match: 'proof-old-key' },
    ],
    [
      'Proof with the old key, but no old key known',
      { proof: good(old.privateKey) },
      { ok: false, reason: 'bad-signature' },
      { current: current.publicKey },
    ],
    ['no ProofOld header at all', { proof: good(current.privateKey), proofOld: undefined }, { ok: true, match: 'proof-current' }],
    [
      'signed by a stranger',
      { proof: good(stranger.privateKey), proofOld: good(stranger.privateKey) },
      { ok: false, reason: 'bad-signature' },
    ],
    ['signature not base64', { proof: '%%%not base64%%%' }, { ok: false, reason: 'bad-signature' }],
    ['signature truncated', { proof: good(current.privateKey).slice(0, 40) }, { ok: false, reason: 'bad-signature' }],
    // What was signed must be this request.
    [
      'signed for another URL',
      { proof: good(current.privateKey, ts, 'https://files.example/wopi/files/other?access_token=x') },
      { ok: false, reason: 'bad-signature' },
    ],
    ['signed for another token', { proof: good(current.privateKey, ts, url, 'another') }, { ok: false, reason: 'bad-signature' }],
    ['signed for another timestamp', { proof: good(current.privateKey, ts + 1n) }, { ok: false, reason: 'bad-signature' }],
    [
      'URL signed in lower case (case does not matter)',
      { proof: good(current.privateKey, ts, url.toLowerCase()) },
      { ok: true, match: 'proof-current' },
    ],
    // Timestamps.
    [
      'WopiTimestampOlderThan20Min: 20 min 1 s old',
      { timestamp: ticks(now - PROOF_MAX_AGE_MS - 1000).toString(), proof: good(current.privateKey, ticks(now - PROOF_MAX_AGE_MS - 1000)) },
      { ok: false, reason: 'stale-timestamp' },
    ],
    [
      '19 minutes old is fine',
      { timestamp: ticks(now - 19 * 60_000).toString(), proof: good(current.privateKey, ticks(now - 19 * 60_000)) },
      { ok: true, match: 'proof-current' },
    ],
    [
      'exactly 20 minutes old is fine',
      { timestamp: ticks(now - PROOF_MAX_AGE_MS).toString(), proof: good(current.privateKey, ticks(now - PROOF_MAX_AGE_MS)) },
      { ok: true, match: 'proof-current' },
    ],
    [
      'more than 20 minutes in the future',
      { timestamp: ticks(now + 21 * 60_000).toString(), proof: good(current.privateKey, ticks(now + 21 * 60_000)) },
      { ok: false, reason: 'stale-timestamp' },
    ],
    [
      'a minute in the future (clock skew)',
      { timestamp: ticks(now + 60_000).toString(), proof: good(current.privateKey, ticks(now + 60_000)) },
      { ok: true, match: 'proof-current' },
    ],
    ['timestamp not a number', { timestamp: 'yesterday', proof: good(current.privateKey) }, { ok: false, reason: 'bad-timestamp' }],
    // Missing headers.
    ['no X-WOPI-TimeStamp', { timestamp: undefined, proof: good(current.privateKey) }, { ok: false, reason: 'missing-headers' }],
    ['no X-WOPI-Proof', { proof: undefined, proofOld: good(current.privateKey) }, { ok: false, reason: 'missing-headers' }],
    ['empty X-WOPI-Proof', { proof: '', proofOld: good(current.privateKey) }, { ok: false, reason: 'missing-headers' }],
  ])('%s', (_label, headers, expected, keySet = keys) => {
    const full: ProofHeaders = { timestamp: ts.toString(), proof: undefined, proofOld: undefined, ...headers };
    expect(verifyProof({ accessToken: token, url, headers: full }, keySet, now)).toEqual(expected);
  });

  it('a custom maximum age applies', () => {
    const at = ticks(now - 5 * 60_000);
    const headers = { timestamp: at.toString(), proof: good(current.privateKey, at), proofOld: undefined };
    expect(verifyProof({ accessToken: token, url, headers }, keys, now, 60_000)).toEqual({ ok: false, reason: 'stale-timestamp' });
  });
});

describe('signatureVerifies', () => {
  const data = Buffer.from('data');
  it.each<[string, string | undefined, boolean]>([
    ['a valid signature over other bytes', sign(current.privateKey, 'a', 'b', 1n), false],
    ['undefined', undefined, false],
    ['empty', '', false],
    ['spaces only', '   ', false],
  ])('%s: false', (_label, signature, expected) => {
    expect(signatureVerifies(data, signature, current.publicKey)).toBe(expected);
  });

  it('verifies a PKCS#1 v1.5 SHA-256 signature, also base64url and with surrounding spaces', () => {
    const bytes = proofBytes('a', 'b', 1n);
    const signature = sign(current.privateKey, 'a', 'b', 1n);
    expect(signatureVerifies(bytes, signature, current.publicKey)).toBe(true);
    expect(signatureVerifies(bytes, ` ${signature} `, current.publicKey)).toBe(true);
    expect(signatureVerifies(bytes, Buffer.from(signature, 'base64').toString('base64url'), current.publicKey)).toBe(true);
    expect(signatureVerifies(bytes, signature, createPublicKey(old.privateKey))).toBe(false);
  });
});
