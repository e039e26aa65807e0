import { createHmac } from 'node:crypto';
import { format } from 'node:util';
import createDebug from 'debug';
import jwt from 'jsonwebtoken';
import {
  InvalidTokenError,
  JwtAuth,
  WopiConfigError,
  WopiError,
  type JwtAuthOptions,
  type WopiConfigErrorCode,
  type WopiPermissions,
} from '../../src';

const SECRET = 'a'.repeat(32);
const OTHER_SECRET = 'b'.repeat(32);

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A compact JWS with exactly this header and payload, signed with HMAC-SHA256 and `secret`. */
function hs256(header: Record<string, unknown>, payload: unknown, secret = SECRET): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** Claims JwtAuth accepts for file `f`, valid for an hour, with `extra` merged in (`undefined` removes a claim). */
function goodClaims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const claims: Record<string, unknown> = { sub: 'u', fid: 'f', perm: { w: true }, iat: nowSeconds(), exp: nowSeconds() + 3600, ...extra };
  for (const key of Object.keys(claims)) if (claims[key] === undefined) delete claims[key];
  return claims;
}

/** Authenticates and returns the error it throws (fails the test if it resolves). */
async function refusal(auth: JwtAuth, token: string, fileId: string): Promise<WopiError> {
  const err = await auth.authenticate(token, fileId).then(
    () => {
      throw new Error('authenticate accepted the token');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InvalidTokenError);
  expect(WopiError.is(err)).toBe(true);
  const wopiError = err as WopiError;
  expect(wopiError.status).toBe(401);
  // The token (or any part of it) never appears in what is thrown.
  const shown = `${wopiError.message} ${String(wopiError)} ${JSON.stringify(wopiError)} ${String(wopiError.cause ?? '')}`;
  if (token !== '') expect(shown).not.toContain(token);
  for (const part of token.split('.')) if (part.length > 8) expect(shown).not.toContain(part);
  return wopiError;
}

describe('JwtAuth constructor', () => {
  it.each<[string, unknown, WopiConfigErrorCode, string]>([
    ['no options', undefined, 'WOPI_OPTION_TYPE', 'JwtAuth: options must be an object with a `secret`, got undefined'],
    ['null options', null, 'WOPI_OPTION_TYPE', 'JwtAuth: options must be an object with a `secret`, got null'],
    ['no secret', {}, 'WOPI_OPTION_MISSING', 'JwtAuth: `secret` is required (a string or Buffer of at least 32 bytes)'],
    ['31-byte secret', { secret: 'x'.repeat(31) }, 'WOPI_OPTION_VALUE', 'JwtAuth: `secret` must be at least 32 bytes long'],
    ['31-byte Buffer secret', { secret: Buffer.alloc(31, 1) }, 'WOPI_OPTION_VALUE', 'JwtAuth: `secret` must be at least 32 bytes long'],
    ['empty secret', { secret: '' }, 'WOPI_OPTION_VALUE', 'JwtAuth: `secret` must be at least 32 bytes long'],
    [
      '15 two-byte characters (30 bytes)',
      { secret: 'é'.repeat(15) },
      'WOPI_OPTION_VALUE',
      'JwtAuth: `secret` must be at least 32 bytes long',
    ],
    [
      'numeric secret',
      { secret: 1234567890123456 },
      'WOPI_OPTION_TYPE',
      'JwtAuth: `secret` must be a string or Buffer of at least 32 bytes, got a number',
    ],
    [
      'alg none',
      { secret: SECRET, algorithm: 'none' },
      'WOPI_OPTION_VALUE',
      'JwtAuth: `algorithm` must be one of HS256, HS384, HS512, got "none"',
    ],
    [
      'alg RS256',
      { secret: SECRET, algorithm: 'RS256' },
      'WOPI_OPTION_VALUE',
      'JwtAuth: `algorithm` must be one of HS256, HS384, HS512, got "RS256"',
    ],
    [
      'alg lower-case',
      { secret: SECRET, algorithm: 'hs256' },
      'WOPI_OPTION_VALUE',
      'JwtAuth: `algorithm` must be one of HS256, HS384, HS512, got "hs256"',
    ],
    [
      'ttl 0',
      { secret: SECRET, tokenTtlSeconds: 0 },
      'WOPI_OPTION_VALUE',
      'JwtAuth: `tokenTtlSeconds` must be a positive integer (seconds), got 0',
    ],
    [
      'ttl -1',
      { secret: SECRET, tokenTtlSeconds: -1 },
      'WOPI_OPTION_VALUE',
      'JwtAuth: `tokenTtlSeconds` must be a positive integer (seconds), got -1',
    ],
    [
      'ttl 1.5',
      { secret: SECRET, tokenTtlSeconds: 1.5 },
      'WOPI_OPTION_VALUE',
      'JwtAuth: `tokenTtlSeconds` must be a positive integer (seconds), got 1.5',
    ],
    [
      'ttl NaN',
      { secret: SECRET, tokenTtlSeconds: NaN },
      'WOPI_OPTION_VALUE',
      'JwtAuth: `tokenTtlSeconds` must be a positive integer (seconds), got NaN',
    ],
    [
      "ttl '60'",
      { secret: SECRET, tokenTtlSeconds: '60' },
      'WOPI_OPTION_TYPE',
      'JwtAuth: `tokenTtlSeconds` must be a positive integer (seconds), got a string',
    ],
    [
      'empty issuer',
      { secret: SECRET, issuer: '' },
      'WOPI_OPTION_VALUE',
      'JwtAuth: `issuer` must be a non-empty string, got an empty string',
    ],
    ['numeric audience', { secret: SECRET, audience: 7 }, 'WOPI_OPTION_TYPE', 'JwtAuth: `audience` must be a non-empty string, got 7'],
  ])('refuses %s with WopiConfigError %s', (_label, options, code, message) => {
    let thrown: unknown;
    try {
      new JwtAuth(options as JwtAuthOptions);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(WopiConfigError);
    expect((thrown as WopiConfigError).code).toBe(code);
    expect((thrown as WopiConfigError).message).toBe(`${message} [${code}]`);
  });

  it('never puts the secret in the error message', () => {
    const secret = 'short-but-secret';
    expect(() => new JwtAuth({ secret })).toThrow(WopiConfigError);
    try {
      new JwtAuth({ secret });
    } catch (err) {
      expect((err as Error).message).not.toContain(secret);
    }
  });

  it.each<[string, JwtAuthOptions]>([
    ['32-byte string', { secret: SECRET }],
    ['32-byte Buffer', { secret: Buffer.alloc(32, 7) }],
    ['16 two-byte characters (32 bytes)', { secret: 'é'.repeat(16) }],
    ['HS384', { secret: SECRET, algorithm: 'HS384' }],
    ['HS512', { secret: SECRET, algorithm: 'HS512' }],
    ['ttl 1', { secret: SECRET, tokenTtlSeconds: 1 }],
  ])('accepts %s', (_label, options) => {
    expect(() => new JwtAuth(options)).not.toThrow();
  });
});

describe('JwtAuth.issueToken', () => {
  it.each<[string, JwtAuthOptions, number | undefined, number]>([
    ['default ttl (10 hours)', { secret: SECRET }, undefined, 36_000],
    ['configured ttl', { secret: SECRET, tokenTtlSeconds: 600 }, undefined, 600],
    ['per-token ttl', { secret: SECRET, tokenTtlSeconds: 600 }, 60, 60],
  ])('accessTokenTtl is the expiry in ms since the epoch: %s', async (_label, options, ttlSeconds, expected) => {
    const auth = new JwtAuth(options);
    const before = Date.now();
    const issued = await auth.issueToken({
      fileId: 'f1',
      userId: 'u1',
      permissions: { write: true },
      ...(ttlSeconds ? { ttlSeconds } : {}),
    });
    const after = Date.now();
    expect(Number.isInteger(issued.accessTokenTtl)).toBe(true);
    expect(issued.accessTokenTtl % 1000).toBe(0);
    expect(issued.accessTokenTtl).toBeGreaterThan(before + expected * 1000 - 1000);
    expect(issued.accessTokenTtl).toBeLessThanOrEqual(after + expected * 1000);
    const claims = jwt.decode(issued.accessToken) as { exp: number; iat: number };
    expect(issued.accessTokenTtl).toBe(claims.exp * 1000);
    expect(claims.exp - claims.iat).toBe(expected);
  });

  it('signs with the configured algorithm and sets iss/aud when configured', async () => {
    const auth = new JwtAuth({ secret: SECRET, algorithm: 'HS384', issuer: 'my-app', audience: 'wopi' });
    const { accessToken } = await auth.issueToken({ fileId: 'f1', userId: 'u1', permissions: { write: false } });
    const decoded = jwt.decode(accessToken, { complete: true })!;
    expect(decoded.header.alg).toBe('HS384');
    expect(decoded.payload).toMatchObject({ iss: 'my-app', aud: 'wopi', sub: 'u1', fid: 'f1' });
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['missing fileId', { userId: 'u1', permissions: { write: true } }, /fileId/],
    ['empty fileId', { fileId: '', userId: 'u1', permissions: { write: true } }, /fileId/],
    ['numeric fileId', { fileId: 42, userId: 'u1', permissions: { write: true } }, /fileId/],
    ['missing userId', { fileId: 'f1', permissions: { write: true } }, /userId/],
    ['empty userId', { fileId: 'f1', userId: '', permissions: { write: true } }, /userId/],
    ['ttl 0', { fileId: 'f1', userId: 'u1', permissions: { write: true }, ttlSeconds: 0 }, /ttlSeconds/],
    ['ttl 1.5', { fileId: 'f1', userId: 'u1', permissions: { write: true }, ttlSeconds: 1.5 }, /ttlSeconds/],
  ])('refuses %s with a TypeError', async (_label, request, message) => {
    const auth = new JwtAuth({ secret: SECRET });
    const err = await auth.issueToken(request as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toMatch(message);
  });
});

describe('JwtAuth.authenticate', () => {
  const auth = new JwtAuth({ secret: SECRET });

  it.each<[string, WopiPermissions, string | undefined]>([
    ['writer', { write: true }, 'Ada Lovelace'],
    ['reader', { write: false }, undefined],
    ['writer without create/rename', { write: true, create: false, rename: false }, 'Ada'],
    ['reader allowed to create', { write: false, create: true }, 'Ada'],
    ['writer allowed to rename only', { write: true, create: false, rename: true }, 'Ada'],
  ])('round-trips userId, userFriendlyName and permissions (%s)', async (_label, permissions, userFriendlyName) => {
    const { accessToken } = await auth.issueToken({
      fileId: 'file-1',
      userId: 'user-7',
      permissions,
      ...(userFriendlyName === undefined ? {} : { userFriendlyName }),
    });
    const user = await auth.authenticate(accessToken, 'file-1');
    expect(user).toStrictEqual({
      userId: 'user-7',
      ...(userFriendlyName === undefined ? {} : { userFriendlyName }),
      permissions,
      // The token's expiry, in ms: what tokens issued from this one may not outlive.
      accessTokenTtl: JSON.parse(Buffer.from(accessToken.split('.')[1] as string, 'base64url').toString()).exp * 1000,
    });
  });

  it('round-trips through issuer and audience when both sides agree', async () => {
    const a = new JwtAuth({ secret: SECRET, issuer: 'app', audience: 'wopi' });
    const { accessToken } = await a.issueToken({ fileId: 'f', userId: 'u', permissions: { write: true } });
    await expect(a.authenticate(accessToken, 'f')).resolves.toMatchObject({ userId: 'u' });
  });

  it('refuses a token issued for another file', async () => {
    const { accessToken } = await auth.issueToken({ fileId: 'file-1', userId: 'u', permissions: { write: true } });
    await refusal(auth, accessToken, 'file-2');
  });

  it('refuses an expired token (issued by JwtAuth in the past)', async () => {
    const spy = jest.spyOn(Date, 'now').mockReturnValue(Date.now() - 2 * 3600 * 1000);
    const { accessToken, accessTokenTtl } = await auth.issueToken({
      fileId: 'f',
      userId: 'u',
      permissions: { write: true },
      ttlSeconds: 60,
    });
    spy.mockRestore();
    expect(accessTokenTtl).toBeLessThan(Date.now());
    await refusal(auth, accessToken, 'f');
  });

  it('refuses a token with a not-before in the future', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = jwt.sign({ sub: 'u', fid: 'f', perm: { w: true }, iat: now, nbf: now + 3600, exp: now + 7200 }, SECRET, {
      algorithm: 'HS256',
    });
    await refusal(auth, token, 'f');
  });

  it('refuses a token signed with another secret', async () => {
    const other = new JwtAuth({ secret: OTHER_SECRET });
    const { accessToken } = await other.issueToken({ fileId: 'f', userId: 'u', permissions: { write: true } });
    await refusal(auth, accessToken, 'f');
  });

  it('refuses an alg:none token built by hand', async () => {
    const now = Math.floor(Date.now() / 1000);
    const payload = { sub: 'u', fid: 'f', perm: { w: true }, iat: now, exp: now + 3600 };
    const token = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(payload)}.`;
    await refusal(auth, token, 'f');
  });

  it('refuses an alg:none token that still carries a valid HS256 signature', async () => {
    const now = Math.floor(Date.now() / 1000);
    const valid = jwt.sign({ sub: 'u', fid: 'f', perm: { w: true }, iat: now, exp: now + 3600 }, SECRET, { algorithm: 'HS256' });
    const [, payload, signature] = valid.split('.');
    await refusal(auth, `${b64url({ alg: 'none', typ: 'JWT' })}.${payload}.${signature}`, 'f');
  });

  it.each<['HS384' | 'HS512']>([['HS384'], ['HS512']])('refuses a %s token when pinned to HS256 (same secret)', async (alg) => {
    const now = Math.floor(Date.now() / 1000);
    const token = jwt.sign({ sub: 'u', fid: 'f', perm: { w: true }, iat: now, exp: now + 3600 }, SECRET, { algorithm: alg });
    await refusal(auth, token, 'f');
  });

  it('refuses an HS256 token when pinned to HS512', async () => {
    const pinned = new JwtAuth({ secret: SECRET, algorithm: 'HS512' });
    const { accessToken } = await auth.issueToken({ fileId: 'f', userId: 'u', permissions: { write: true } });
    await refusal(pinned, accessToken, 'f');
  });

  it.each<[string, Partial<JwtAuthOptions>, Partial<JwtAuthOptions>]>([
    ['issuer mismatch', { issuer: 'evil' }, { issuer: 'app' }],
    ['audience mismatch', { audience: 'other' }, { audience: 'wopi' }],
    ['issuer required but absent', {}, { issuer: 'app' }],
    ['audience required but absent', {}, { audience: 'wopi' }],
  ])('refuses on %s', async (_label, issuerOptions, verifierOptions) => {
    const issuer = new JwtAuth({ secret: SECRET, ...issuerOptions });
    const verifier = new JwtAuth({ secret: SECRET, ...verifierOptions });
    const { accessToken } = await issuer.issueToken({ fileId: 'f', userId: 'u', permissions: { write: true } });
    await refusal(verifier, accessToken, 'f');
  });

  it.each<[string, Record<string, unknown>]>([
    ['no fid', { sub: 'u', perm: { w: true } }],
    ['no perm', { sub: 'u', fid: 'f' }],
    ['no sub', { fid: 'f', perm: { w: true } }],
    ['perm null', { sub: 'u', fid: 'f', perm: null }],
    ['perm a string', { sub: 'u', fid: 'f', perm: 'w' }],
    ['fid a number', { sub: 'u', fid: 1, perm: { w: true } }],
    ['sub a number', { sub: 7, fid: 'f', perm: { w: true } }],
    ['only standard claims', {}],
  ])('refuses a correctly signed token with %s', async (_label, claims) => {
    const token = jwt.sign(claims, SECRET, { algorithm: 'HS256', expiresIn: 3600 });
    await refusal(auth, token, 'f');
  });

  it.each<[string, string]>([
    ['garbage', 'not-a-token'],
    ['empty', ''],
    ['two segments', 'abc.def'],
    ['four segments', 'a.b.c.d'],
  ])('refuses a malformed token (%s)', async (_label, token) => {
    await refusal(auth, token, 'f');
  });

  it('refuses a token whose payload was changed after signing (reader → writer)', async () => {
    const { accessToken } = await auth.issueToken({ fileId: 'f', userId: 'reader', permissions: { write: false } });
    const [h, p, s] = accessToken.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString()) as { perm: { w: boolean } };
    expect(payload.perm.w).toBe(false);
    payload.perm.w = true;
    await refusal(auth, `${h}.${b64url(payload)}.${s}`, 'f');
  });

  it('coerces non-boolean permission claims to safe values', async () => {
    const token = jwt.sign({ sub: 'u', fid: 'f', perm: { w: 'true', c: 1, r: 'yes' } }, SECRET, { algorithm: 'HS256', expiresIn: 60 });
    await expect(auth.authenticate(token, 'f')).resolves.toStrictEqual({
      userId: 'u',
      permissions: { write: false },
      accessTokenTtl: expect.any(Number),
    });
  });
});

describe('JwtAuth: verified tokens are remembered, never trusted beyond what they say', () => {
  afterEach(() => jest.restoreAllMocks());

  const issue = (auth: JwtAuth, fileId = 'f', ttlSeconds = 3600) =>
    auth.issueToken({ fileId, userId: 'u', permissions: { write: true }, ttlSeconds }).then((t) => t.accessToken);

  it('checks the signature of a token once, however often it comes back', async () => {
    const auth = new JwtAuth({ secret: SECRET });
    const token = await issue(auth);
    const verify = jest.spyOn(jwt, 'verify');
    for (let i = 0; i < 5; i++) await expect(auth.authenticate(token, 'f')).resolves.toMatchObject({ userId: 'u' });
    expect(verify).toHaveBeenCalledTimes(1);
  });

  it('refuses a remembered token once it has expired', async () => {
    const auth = new JwtAuth({ secret: SECRET });
    const token = await issue(auth, 'f', 60);
    await expect(auth.authenticate(token, 'f')).resolves.toMatchObject({ userId: 'u' });
    const later = Date.now() + 61_000;
    jest.spyOn(Date, 'now').mockReturnValue(later);
    await refusal(auth, token, 'f');
    // …and keeps refusing it (it is forgotten, and a fresh check fails too).
    await refusal(auth, token, 'f');
  });

  it('still refuses a remembered token on another file’s URL', async () => {
    const auth = new JwtAuth({ secret: SECRET });
    const token = await issue(auth, 'f');
    await auth.authenticate(token, 'f');
    await refusal(auth, token, 'other');
  });

  it('checks a token that differs by one character in full (and refuses a tampered one)', async () => {
    const auth = new JwtAuth({ secret: SECRET });
    const token = await issue(auth);
    await auth.authenticate(token, 'f');
    const verify = jest.spyOn(jwt, 'verify');
    const last = token.slice(-1);
    const tampered = token.slice(0, -1) + (last === 'A' ? 'B' : 'A');
    await refusal(auth, tampered, 'f');
    expect(verify).toHaveBeenCalledTimes(1);
  });

  it('does not remember refused tokens: each try is checked in full', async () => {
    const auth = new JwtAuth({ secret: SECRET });
    const forged = await issue(new JwtAuth({ secret: OTHER_SECRET }));
    const verify = jest.spyOn(jwt, 'verify');
    await refusal(auth, forged, 'f');
    await refusal(auth, forged, 'f');
    expect(verify).toHaveBeenCalledTimes(2);
  });

  it('keeps at most verifiedTokenCacheSize tokens, forgetting the oldest first', async () => {
    const auth = new JwtAuth({ secret: SECRET, verifiedTokenCacheSize: 2 });
    const [a, b, c] = [await issue(auth, 'a'), await issue(auth, 'b'), await issue(auth, 'c')];
    const verify = jest.spyOn(jwt, 'verify');
    await auth.authenticate(a, 'a');
    await auth.authenticate(b, 'b');
    await auth.authenticate(c, 'c'); // a goes
    await auth.authenticate(c, 'c');
    await auth.authenticate(b, 'b');
    expect(verify).toHaveBeenCalledTimes(3);
    await auth.authenticate(a, 'a');
    expect(verify).toHaveBeenCalledTimes(4);
  });

  it('verifiedTokenCacheSize: 0 checks every request in full', async () => {
    const auth = new JwtAuth({ secret: SECRET, verifiedTokenCacheSize: 0 });
    const token = await issue(auth);
    const verify = jest.spyOn(jwt, 'verify');
    await auth.authenticate(token, 'f');
    await auth.authenticate(token, 'f');
    expect(verify).toHaveBeenCalledTimes(2);
  });

  it.each([-1, 1.5, Number.NaN, '10' as unknown as number])('refuses verifiedTokenCacheSize %p', (size) => {
    expect(() => new JwtAuth({ secret: SECRET, verifiedTokenCacheSize: size })).toThrow(WopiConfigError);
  });
});

describe('JwtAuth: exp is required, crit is refused, and the cache lets neither in', () => {
  /** What `express-wopi:auth` logged during the test. */
  let logged: string[] = [];
  let previousLog: typeof createDebug.log;
  let previousNamespaces = '';

  beforeEach(() => {
    logged = [];
    previousLog = createDebug.log;
    previousNamespaces = createDebug.disable();
    createDebug.log = (...args: unknown[]): void => {
      logged.push(format(...args));
    };
    createDebug.enable('express-wopi:auth');
  });

  afterEach(() => {
    createDebug.log = previousLog;
    createDebug.disable();
    if (previousNamespaces) createDebug.enable(previousNamespaces);
    jest.restoreAllMocks();
  });

  /** Asserts the refusal was logged with `reason`, and that no log line holds the token or a part of it. */
  function expectLogged(reason: string, token: string): void {
    expect(logged.some((line) => line.includes(`token refused: ${reason}`))).toBe(true);
    for (const line of logged) {
      expect(line).not.toContain(token);
      for (const part of token.split('.')) if (part.length > 8) expect(line).not.toContain(part);
    }
  }

  const HEADER = { alg: 'HS256', typ: 'JWT' };

  const noExp: Array<[string, () => string, string]> = [
    [
      'no exp (jsonwebtoken sets iat only)',
      () => jwt.sign(goodClaims({ exp: undefined, iat: undefined }), SECRET, { algorithm: 'HS256' }),
      'no exp claim',
    ],
    [
      'no exp and no iat',
      () => jwt.sign(goodClaims({ exp: undefined, iat: undefined }), SECRET, { algorithm: 'HS256', noTimestamp: true }),
      'no exp claim',
    ],
    ['no exp, a not-before in the past', () => hs256(HEADER, goodClaims({ exp: undefined, nbf: nowSeconds() - 60 })), 'no exp claim'],
    ['exp null', () => hs256(HEADER, goodClaims({ exp: null })), 'invalid exp value'],
    ['exp as a numeric string', () => hs256(HEADER, goodClaims({ exp: String(nowSeconds() + 3600) })), 'invalid exp value'],
  ];

  describe.each<[string, number]>([
    ['with the cache', 10_000],
    ['without the cache (verifiedTokenCacheSize: 0)', 0],
  ])('%s', (_cacheLabel, verifiedTokenCacheSize) => {
    it.each(noExp)('refuses a correctly signed token with %s', async (_label, make, reason) => {
      const auth = new JwtAuth({ secret: SECRET, verifiedTokenCacheSize });
      const token = make();
      expect(jwt.verify(token, SECRET, { algorithms: ['HS256'], ignoreExpiration: true })).toBeTruthy(); // the signature is good
      await refusal(auth, token, 'f');
      await refusal(auth, token, 'f');
      expectLogged(reason, token);
    });

    it.each<[string, Record<string, unknown>]>([
      ['crit naming a registered claim', { ...HEADER, crit: ['exp'] }],
      ['crit naming an extension that is present', { ...HEADER, crit: ['b64'], b64: true }],
      ['crit naming a private extension that is present', { ...HEADER, crit: ['https://example.com/ext'], 'https://example.com/ext': 1 }],
      ['crit naming an absent parameter', { ...HEADER, crit: ['nope'] }],
      ['an empty crit list', { ...HEADER, crit: [] }],
      ['crit as a string', { ...HEADER, crit: 'exp' }],
      ['crit null', { ...HEADER, crit: null }],
      ['crit before alg in the header', { crit: ['x'], alg: 'HS256', x: 1 }],
    ])('refuses a correctly signed token whose header has %s', async (_label, header) => {
      const auth = new JwtAuth({ secret: SECRET, verifiedTokenCacheSize });
      const token = hs256(header, goodClaims());
      await refusal(auth, token, 'f');
      await refusal(auth, token, 'f');
      expectLogged('crit header parameter', token);
    });

    it('accepts the same hand-signed token without crit (so the refusals above are about crit and exp)', async () => {
      const auth = new JwtAuth({ secret: SECRET, verifiedTokenCacheSize });
      await expect(auth.authenticate(hs256(HEADER, goodClaims()), 'f')).resolves.toStrictEqual({
        userId: 'u',
        permissions: { write: true },
        accessTokenTtl: expect.any(Number),
      });
      await expect(auth.authenticate(hs256({ alg: 'HS256' }, goodClaims()), 'f')).resolves.toMatchObject({ userId: 'u' });
    });
  });

  it('never remembers a token without exp: every try is verified in full', async () => {
    const auth = new JwtAuth({ secret: SECRET });
    const token = jwt.sign(goodClaims({ exp: undefined }), SECRET, { algorithm: 'HS256' });
    const verify = jest.spyOn(jwt, 'verify');
    for (let i = 0; i < 3; i++) await refusal(auth, token, 'f');
    expect(verify).toHaveBeenCalledTimes(3);
  });

  it('never remembers a crit token: every try is verified in full', async () => {
    const auth = new JwtAuth({ secret: SECRET });
    const token = hs256({ ...HEADER, crit: ['exp'] }, goodClaims());
    const verify = jest.spyOn(jwt, 'verify');
    for (let i = 0; i < 3; i++) await refusal(auth, token, 'f');
    expect(verify).toHaveBeenCalledTimes(3);
  });

  it('a remembered token does not let in the same claims under a crit header', async () => {
    const auth = new JwtAuth({ secret: SECRET });
    const claims = goodClaims();
    const plain = hs256(HEADER, claims);
    const withCrit = hs256({ ...HEADER, crit: ['exp'] }, claims);
    expect(plain.split('.')[1]).toBe(withCrit.split('.')[1]); // the very same payload
    await expect(auth.authenticate(plain, 'f')).resolves.toMatchObject({ userId: 'u' });
    await refusal(auth, withCrit, 'f');
    // …and the remembered token keeps working.
    await expect(auth.authenticate(plain, 'f')).resolves.toMatchObject({ userId: 'u' });
  });

  it('a remembered token does not let in the same claims without exp', async () => {
    const auth = new JwtAuth({ secret: SECRET });
    const withExp = hs256(HEADER, goodClaims());
    const withoutExp = hs256(HEADER, goodClaims({ exp: undefined }));
    await expect(auth.authenticate(withExp, 'f')).resolves.toMatchObject({ userId: 'u' });
    await refusal(auth, withoutExp, 'f');
  });

  it('tokens JwtAuth issues carry exp and no crit, so they pass', async () => {
    const auth = new JwtAuth({ secret: SECRET });
    const { accessToken } = await auth.issueToken({ fileId: 'f', userId: 'u', permissions: { write: true } });
    const decoded = jwt.decode(accessToken, { complete: true })!;
    expect(Object.keys(decoded.header)).not.toContain('crit');
    expect(typeof (decoded.payload as { exp?: unknown }).exp).toBe('number');
    await expect(auth.authenticate(accessToken, 'f')).resolves.toMatchObject({ userId: 'u' });
  });
});
