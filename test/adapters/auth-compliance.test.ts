/**
 * The published auth contract (express-wopi/testing describeWopiAuth) run against JwtAuth in its
 * configurations, and against a table-of-sessions auth without issueToken: the shape of an auth
 * over a database, whose tokens the app makes itself (fixture `token`) and which hides other
 * files behind 404.
 */
import { randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { FileNotFoundError, InvalidTokenError, JwtAuth, type WopiIssueTokenRequest, type WopiAuth, type WopiUser } from '../../src';
import { describeWopiAuth, type AuthFixture } from '../../src/testing';

const SECRET = 'auth-suite-secret-auth-suite-secret-0123456789';
const OTHER_SECRET = 'another-secret-another-secret-another-secret-0';

/** JwtAuth-shaped claims for `request`, valid for an hour. */
function claims(request: WopiIssueTokenRequest): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { sub: request.userId, fid: request.fileId, perm: { w: request.permissions.write }, iat: now, exp: now + 3600 };
}

function withoutExpiry(payload: Record<string, unknown>): Record<string, unknown> {
  const { exp: _exp, ...rest } = payload;
  return rest;
}

/** Tokens for `request` that JwtAuth({ secret: SECRET, ...expected }) did not make. */
async function forgeries(request: WopiIssueTokenRequest, expected: { issuer?: string; audience?: string } = {}): Promise<string[]> {
  const payload = claims(request);
  const forged = [
    // Another key.
    (await new JwtAuth({ secret: OTHER_SECRET, ...expected }).issueToken(request)).accessToken,
    // The right key, another HMAC algorithm than the one pinned.
    jwt.sign(payload, SECRET, { algorithm: 'HS512', ...expected }),
    // No signature at all.
    jwt.sign(payload, '', { algorithm: 'none', ...expected }),
    // No expiry: would never expire.
    jwt.sign(withoutExpiry(payload), SECRET, { algorithm: 'HS256', ...expected }),
  ];
  if (expected.issuer !== undefined) forged.push(jwt.sign(payload, SECRET, { algorithm: 'HS256', ...expected, issuer: 'someone-else' }));
  if (expected.audience !== undefined) forged.push(jwt.sign(payload, SECRET, { algorithm: 'HS256', ...expected, audience: 'another-app' }));
  return forged;
}

describeWopiAuth('JwtAuth', () => ({ auth: new JwtAuth({ secret: SECRET }), forgedTokens: (request) => forgeries(request) }), {
  capabilities: ['issueToken', 'resourceTokens'],
});

describeWopiAuth(
  'JwtAuth without its cache of verified tokens',
  () => ({ auth: new JwtAuth({ secret: SECRET, verifiedTokenCacheSize: 0 }), forgedTokens: (request) => forgeries(request) }),
  { capabilities: ['issueToken', 'resourceTokens'] },
);

describeWopiAuth(
  'JwtAuth with HS512, an issuer and an audience',
  () => {
    const expected = { issuer: 'files.example.com', audience: 'wopi' };
    return {
      auth: new JwtAuth({ secret: SECRET, algorithm: 'HS512', ...expected }),
      forgedTokens: async (request) => [
        ...(await forgeries(request, expected)).slice(0, 1),
        jwt.sign(claims(request), SECRET, { algorithm: 'HS256', ...expected }),
        jwt.sign(claims(request), SECRET, { algorithm: 'HS512', issuer: 'someone-else', audience: 'wopi' }),
        jwt.sign(claims(request), SECRET, { algorithm: 'HS512', issuer: 'files.example.com', audience: 'another-app' }),
        jwt.sign(claims(request), SECRET, { algorithm: 'HS512' }),
      ],
    };
  },
  { capabilities: ['issueToken', 'resourceTokens'] },
);

/**
 * Opaque random tokens in a table, as an app that keeps sessions in a database would: no
 * issueToken (the app makes the rows), 404 for a token of another file.
 */
class SessionTableAuth implements WopiAuth {
  readonly rows = new Map<string, { fileId: string; user: WopiUser; expiresAt: number }>();

  async authenticate(accessToken: string, fileId: string): Promise<WopiUser> {
    const row = this.rows.get(accessToken);
    if (row === undefined || Date.now() >= row.expiresAt) throw new InvalidTokenError();
    if (row.fileId !== fileId) throw new FileNotFoundError();
    return structuredClone(row.user);
  }
}

describeWopiAuth(
  'a table of sessions, tokens made by the app, 404 for other files',
  (): AuthFixture => {
    const auth = new SessionTableAuth();
    return {
      auth,
      token: async ({ fileId, userId, userFriendlyName, permissions, ttlSeconds = 3600 }) => {
        const token = randomBytes(24).toString('base64url');
        const user: WopiUser = { userId, ...(userFriendlyName === undefined ? {} : { userFriendlyName }), permissions: { ...permissions } };
        auth.rows.set(token, { fileId, user, expiresAt: Date.now() + ttlSeconds * 1000 });
        return token;
      },
      newFileId: () => `row-${randomBytes(6).toString('hex')}`,
      cleanup: () => auth.rows.clear(),
    };
  },
  { otherFileStatus: 404, shortTtlSeconds: 1 },
);
