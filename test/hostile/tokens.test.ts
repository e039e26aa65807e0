/**
 * Hostile access tokens over HTTP against JwtAuth (HS256 pinned): forged, confused, stale,
 * misdirected and oversized tokens all get 401 and change nothing; a read-only user replaying a
 * writer's lock ID gets 401; and JWT signature comparison is constant-time.
 */
import crypto, { generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type express from 'express';
import request from 'supertest';
import { MemoryStorage } from '../../src';
import { createApp, TEST_SECRET } from '../helpers/create-app';
import {
  checkFileInfo,
  deleteReq,
  getFile,
  getLockReq,
  lockReq,
  putFile,
  putRelativeReq,
  refreshLockReq,
  relockReq,
  renameReq,
  unlockReq,
} from '../helpers/wopi-requests';

const b64url = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const hmac = (alg: 'sha256' | 'sha384' | 'sha512', input: string, key: string | Buffer): string =>
  crypto.createHmac(alg, key).update(input).digest('base64url');

const now = (): number => Math.floor(Date.now() / 1000);

/** Claims JwtAuth accepts for `fileId` (writable). */
function claims(fileId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { sub: 'u1', fid: fileId, name: 'Ada', perm: { w: true }, iat: now(), exp: now() + 3600, ...extra };
}

/** A compact JWS from a header and payload, signed with `sign(signingInput)`. */
function forge(header: Record<string, unknown>, payload: Record<string, unknown>, sign: (input: string) => string): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${sign(input)}`;
}

/** The same token with one character of its signature changed (not the last, whose low bits may be padding). */
function tamperSignature(token: string): string {
  const [h, p, s] = token.split('.') as [string, string, string];
  const i = Math.floor(s.length / 2);
  return `${h}.${p}.${s.slice(0, i)}${s[i] === 'A' ? 'B' : 'A'}${s.slice(i + 1)}`;
}

/** The token with its payload replaced (re-encoded) and the original signature kept. */
function swapPayload(token: string, change: (payload: Record<string, unknown>) => Record<string, unknown>): string {
  const [h, p, s] = token.split('.') as [string, string, string];
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
  return `${h}.${b64url(change(payload))}.${s}`;
}

let app: express.Express;
let fileId: string;
let otherId: string;
let memory: MemoryStorage;
let valid: string;
let readOnly: string;
let mint: ReturnType<typeof createApp>['token'];
const ORIGINAL = 'original content';

beforeEach(async () => {
  memory = new MemoryStorage();
  fileId = memory.addFile('doc.docx', ORIGINAL);
  otherId = memory.addFile('other.docx', 'other');
  const created = createApp({ storage: memory });
  app = created.app;
  mint = created.token;
  valid = await created.token(fileId);
  readOnly = await created.token(fileId, { write: false }, 'reader');
});

describe('forged and unusable tokens → 401, nothing changes', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

  const cases: Array<[string, () => string]> = [
    ['tampered signature', () => tamperSignature(valid)],
    ['tampered payload (fid → another file) with the original signature', () => swapPayload(valid, (p) => ({ ...p, fid: otherId }))],
    [
      'tampered payload (read-only → writable) with the original signature',
      () => swapPayload(readOnly, (p) => ({ ...p, perm: { w: true } })),
    ],
    ['alg none, no signature', () => `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims(fileId))}.`],
    ['alg None, no signature', () => `${b64url({ alg: 'None', typ: 'JWT' })}.${b64url(claims(fileId))}.`],
    ["alg none with the valid token's signature", () => `${b64url({ alg: 'none' })}.${b64url(claims(fileId))}.${valid.split('.')[2]}`],
    ['HS512 with the right secret while HS256 is pinned', () => jwt.sign(claims(fileId), TEST_SECRET, { algorithm: 'HS512' })],
    ['HS384 with the right secret while HS256 is pinned', () => jwt.sign(claims(fileId), TEST_SECRET, { algorithm: 'HS384' })],
    [
      'RS256 header, HMAC-SHA256 signature with the secret (the secret used as if it were the public key)',
      () => forge({ alg: 'RS256', typ: 'JWT' }, claims(fileId), (input) => hmac('sha256', input, TEST_SECRET)),
    ],
    ["RS256 signed with an attacker's RSA key", () => jwt.sign(claims(fileId), rsa.privateKey, { algorithm: 'RS256' })],
    [
      "HS256 with the attacker's RSA public key (PEM) as the HMAC secret",
      () =>
        forge({ alg: 'HS256', typ: 'JWT' }, claims(fileId), (input) =>
          hmac('sha256', input, rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string),
        ),
    ],
    [
      'HS256 signed with another secret',
      () => jwt.sign(claims(fileId), 'another-secret-another-secret-0123456789', { algorithm: 'HS256' }),
    ],
    [
      'expired (exp an hour ago)',
      () => jwt.sign(claims(fileId, { iat: now() - 7200, exp: now() - 3600 }), TEST_SECRET, { algorithm: 'HS256' }),
    ],
    [
      'expired (exp one second ago)',
      () => jwt.sign(claims(fileId, { iat: now() - 60, exp: now() - 1 }), TEST_SECRET, { algorithm: 'HS256' }),
    ],
    ['not yet valid (nbf in an hour)', () => jwt.sign(claims(fileId, { nbf: now() + 3600 }), TEST_SECRET, { algorithm: 'HS256' })],
    ['issued for another file', () => jwt.sign(claims(otherId), TEST_SECRET, { algorithm: 'HS256' })],
    [
      'validly signed, no fid claim',
      () => jwt.sign({ sub: 'u1', perm: { w: true } }, TEST_SECRET, { algorithm: 'HS256', expiresIn: 3600 }),
    ],
    ['validly signed, fid as a one-element array', () => jwt.sign(claims(fileId, { fid: [fileId] }), TEST_SECRET, { algorithm: 'HS256' })],
    ['validly signed, perm null', () => jwt.sign(claims(fileId, { perm: null }), TEST_SECRET, { algorithm: 'HS256' })],
    ['garbage', () => 'garbage'],
    ['three dots', () => '...'],
    ['a JSON object', () => '{"fid":"x"}'],
    ['10 kB of base64url garbage', () => crypto.randomBytes(7_500).toString('base64url')],
    [
      '10 kB JWT signed with another secret',
      () => jwt.sign(claims(fileId, { pad: 'x'.repeat(7_400) }), 'wrong-secret-wrong-secret-wrong-secret!', { algorithm: 'HS256' }),
    ],
  ];

  test.each(cases)('%s', async (_label, make) => {
    const token = make();
    if (_label.startsWith('10 kB')) expect(token.length).toBeGreaterThanOrEqual(10_000);
    for (const res of [
      await checkFileInfo(app, fileId, token),
      await getFile(app, fileId, token),
      await putFile(app, fileId, token, 'pwned'),
      await lockReq(app, fileId, token, 'EVIL'),
    ]) {
      expect(res.status).toBe(401);
      expect(JSON.stringify(res.headers) + (res.text ?? '')).not.toContain(token);
    }
    expect(memory.getContent(fileId).toString()).toBe(ORIGINAL);
    expect((await getLockReq(app, fileId, valid)).headers['x-wopi-lock']).toBe('');
  });

  test('an empty access_token (and an empty Bearer) → 401', async () => {
    expect((await request(app).get(`/wopi/files/${fileId}`).query('access_token=')).status).toBe(401);
    expect((await request(app).get(`/wopi/files/${fileId}`).set('Authorization', 'Bearer ')).status).toBe(401);
    expect((await request(app).get(`/wopi/files/${fileId}`)).status).toBe(401);
  });

  test('control: the valid token works on the same requests (so the 401s are about the token)', async () => {
    expect((await checkFileInfo(app, fileId, valid)).status).toBe(200);
    expect((await getFile(app, fileId, valid)).status).toBe(200);
  });

  test("note: a validly signed 10 kB token is accepted (JwtAuth has no size cap; Node's 16 KiB header limit is the bound)", async () => {
    const big = jwt.sign(claims(fileId, { pad: 'x'.repeat(7_400) }), TEST_SECRET, { algorithm: 'HS256' });
    expect(big.length).toBeGreaterThanOrEqual(10_000);
    expect((await checkFileInfo(app, fileId, big)).status).toBe(200);
  });
});

describe("a read-only user replaying a writer's lock ID", () => {
  beforeEach(async () => {
    expect((await lockReq(app, fileId, valid, 'LOCK-OF-WRITER')).status).toBe(200);
  });

  async function expectUnchanged(): Promise<void> {
    expect((await getLockReq(app, fileId, valid)).headers['x-wopi-lock']).toBe('LOCK-OF-WRITER');
    expect(memory.getContent(fileId).toString()).toBe(ORIGINAL);
  }

  test.each<[string, () => ReturnType<typeof putFile>]>([
    ['PutFile', () => putFile(app, fileId, readOnly, 'pwned', { 'X-WOPI-Lock': 'LOCK-OF-WRITER' })],
    ['Unlock', () => unlockReq(app, fileId, readOnly, 'LOCK-OF-WRITER')],
    ['RefreshLock', () => refreshLockReq(app, fileId, readOnly, 'LOCK-OF-WRITER')],
    ['UnlockAndRelock', () => relockReq(app, fileId, readOnly, 'LOCK-OF-WRITER', 'LOCK-OF-READER')],
    ['Lock (same ID)', () => lockReq(app, fileId, readOnly, 'LOCK-OF-WRITER')],
    ['DeleteFile', () => deleteReq(app, fileId, readOnly, { 'X-WOPI-Lock': 'LOCK-OF-WRITER' })],
    ['RenameFile', () => renameReq(app, fileId, readOnly, 'pwned', { 'X-WOPI-Lock': 'LOCK-OF-WRITER' })],
  ])('%s → 401; lock and content unchanged', async (_label, send) => {
    expect((await send()).status).toBe(401);
    await expectUnchanged();
  });

  test('PutRelativeFile → 501 (a read-only token may not create files: UserCanNotWriteRelative); nothing created', async () => {
    const res = await putRelativeReq(app, fileId, readOnly, 'pwned', {
      'X-WOPI-RelativeTarget': 'doc.docx',
      'X-WOPI-OverwriteRelativeTarget': 'true',
      'X-WOPI-Lock': 'LOCK-OF-WRITER',
    });
    expect(res.status).toBe(501);
    expect(
      memory
        .list()
        .map((f) => f.name)
        .sort(),
    ).toStrictEqual(['doc.docx', 'other.docx']);
    await expectUnchanged();
  });

  test('GetLock is allowed read-only and reveals the lock ID (WOPI: any user of the file may ask)', async () => {
    const res = await getLockReq(app, fileId, readOnly);
    expect(res.status).toBe(200);
    expect(res.headers['x-wopi-lock']).toBe('LOCK-OF-WRITER');
  });

  test('a writable user B with the correct lock ID may save and unlock: 200 (WOPI locks belong to the file, not to a user)', async () => {
    const token = await mint(fileId, { write: true }, 'user-b');
    const res = await putFile(app, fileId, token, 'saved by B', { 'X-WOPI-Lock': 'LOCK-OF-WRITER' });
    expect(res.status).toBe(200);
    expect(memory.getContent(fileId).toString()).toBe('saved by B');
    expect((await unlockReq(app, fileId, token, 'LOCK-OF-WRITER')).status).toBe(200);
    expect((await getLockReq(app, fileId, valid)).headers['x-wopi-lock']).toBe('');
  });
});

describe('JWT signature comparison is constant-time', () => {
  afterEach(() => jest.restoreAllMocks());

  test('HS256 verification compares the signature with crypto.timingSafeEqual (via jsonwebtoken → jws → jwa)', async () => {
    const spy = jest.spyOn(crypto, 'timingSafeEqual');
    const { auth } = createApp({ storage: memory });

    // A forged signature of the right length: the comparison must go through timingSafeEqual.
    const forged = tamperSignature(valid);
    await expect(auth.authenticate(forged, fileId)).rejects.toMatchObject({ status: 401 });
    expect(spy).toHaveBeenCalled();
    const [a, b] = spy.mock.calls[spy.mock.calls.length - 1] as [Buffer, Buffer];
    expect(a.length).toBe(b.length);
    expect(a.toString()).toBe(forged.split('.')[2]);
    expect(spy.mock.results[spy.mock.results.length - 1]?.value).toBe(false);

    // And a genuine one too (the same path decides "valid").
    spy.mockClear();
    await expect(auth.authenticate(valid, fileId)).resolves.toMatchObject({ userId: 'u1' });
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.results[0]?.value).toBe(true);
  });

  test('the installed jwa HMAC verifier is the constant-time one (source check, for the record)', () => {
    const jwsDir = require.resolve('jws', { paths: [require.resolve('jsonwebtoken')] });
    const jwaPath = require.resolve('jwa', { paths: [jwsDir] });
    const source = (jest.requireActual('node:fs') as typeof import('node:fs')).readFileSync(jwaPath, 'utf8');
    const verifier = /function createHmacVerifier[\s\S]*?\n\}/.exec(source)?.[0] ?? '';
    expect(verifier).toMatch(/timingSafeEqual\(/);
    expect(verifier).not.toMatch(/===|==/);
    expect(source).toMatch(/crypto\.timingSafeEqual\(a, b\)/);
  });
});
