/**
 * The WopiAuth contract as jest tests. Run it against any auth adapter:
 *
 * ```ts
 * import { describeWopiAuth } from 'express-wopi/testing';
 * describeWopiAuth('MyAuth', () => ({ auth: new MyAuth(...) }), { capabilities: ['issueToken'] });
 * ```
 *
 * The suite needs genuine tokens: the fixture's `token(request)`, or, when the fixture has none,
 * the auth's own `issueToken`. Each test works on fresh file IDs (`newFileId`, random by default).
 *
 * Expiry is tested with real time: one test issues tokens that live `shortTtlSeconds` (2 by
 * default) and waits one second more than that.
 */
import { randomBytes } from 'node:crypto';
import type { WopiIssueTokenRequest, WopiAuth, WopiPermissions, WopiResource, WopiUser } from '../adapters/auth';
import { WopiError } from '../errors';
import { canCreate, canRename, canWrite } from '../protocol/permissions';

/** An auth adapter under test, plus what the suite cannot do through the `WopiAuth` interface. */
export interface AuthFixture {
  /** The auth adapter under test. */
  auth: WopiAuth;
  /**
   * Makes a genuine access token, the way your app makes one for its own pages: `auth` must
   * accept it for `request.fileId` and for no other file, and return a user with
   * `request.userId`, `request.userFriendlyName` (when it is set) and `request.permissions`.
   *
   * When `request.ttlSeconds` is set, the token must be refused once that many seconds have
   * passed (the expiry test asks for `shortTtlSeconds`); a token that is still accepted then
   * fails the test. When it is not set, the token must live for the whole test.
   *
   * Optional when `auth` has `issueToken`: the suite then uses `auth.issueToken(request)`.
   */
  token?(request: WopiIssueTokenRequest): Promise<string>;
  /**
   * Returns a file ID that `token` (or `issueToken`) can make tokens for, a different one on each
   * call. The suite calls it once per test for the test's file, and again for each further file a
   * test needs (the "other file" a token must not open, the file a Save As creates). Provide it
   * when your auth only knows files that exist (create the file here, remove it in `cleanup`).
   * Default: a random `suite-<16 hex digits>` ID.
   */
  newFileId?(): string | Promise<string>;
  /**
   * Tokens for `request` that look like this auth's tokens but were not made by it: signed with
   * another key, with `alg: none`, with the algorithm switched, issued for another audience, … The
   * suite checks that `auth` refuses each of them with 401 for `request.fileId`. Default: none;
   * the suite still alters genuine tokens by itself (characters changed, parts cut, added or
   * swapped between two tokens), but only you know how to forge one of yours.
   */
  forgedTokens?(request: WopiIssueTokenRequest): Promise<string[]>;
  /** Called after each test (close connections, delete the rows or files the test made). */
  cleanup?(): void | Promise<void>;
}

/**
 * Optional auth capabilities, by the methods they need: `issueToken`, and `resourceTokens`
 * (`issueResourceToken` with `authenticateResource`: containers, the ecosystem, FileUrl).
 */
export type AuthCapability = 'issueToken' | 'resourceTokens';

export interface AuthSuiteOptions {
  /**
   * The optional methods the auth implements. Default none. Declaring `issueToken` adds the tests
   * of what PutRelativeFile (Save As) relies on; declaring it without implementing it fails, and
   * so does implementing it without declaring it.
   */
  capabilities?: AuthCapability[];
  /**
   * Lifetime, in seconds, of the tokens the expiry test issues (as `ttlSeconds`). The test waits
   * this long plus one second (for tokens whose expiry is counted in whole seconds). Default 2.
   */
  shortTtlSeconds?: number;
  /**
   * The status `authenticate` refuses a token issued for another file with: 401
   * (`InvalidTokenError`, the default) or 404 (`FileNotFoundError`, for an auth that hides which
   * files exist from a user who may not open them; docs/compatibility.md).
   */
  otherFileStatus?: 401 | 404;
  /**
   * Whether tokens carry `create` and `rename` apart from `write`. Default true: the permission
   * tests then also ask for tokens such as `{ write: true, create: false }` or
   * `{ write: false, create: true }`. Set it to false for an auth whose tokens carry `write`
   * only; the tests then ask for `{ write: true }` and `{ write: false }` alone.
   */
  separateCreateAndRename?: boolean;
}

/** Strings that are no access token at all. Each must be refused with 401. */
const GARBAGE = [
  '',
  ' ',
  'garbage',
  'null',
  'undefined',
  '[object Object]',
  'a.b.c',
  '...',
  'eyJhbGciOiJIUzI1NiJ9..',
  "' OR '1'='1",
  '%00',
  'é🙂',
  'x'.repeat(4096),
];

/** Defines a `describe` block with the WopiAuth contract tests for the fixture `makeFixture` returns. */
export function describeWopiAuth(
  name: string,
  makeFixture: () => AuthFixture | Promise<AuthFixture>,
  options: AuthSuiteOptions = {},
): void {
  const declared = new Set(options.capabilities ?? []);
  const shortTtl = options.shortTtlSeconds ?? 2;
  const otherFileStatus = options.otherFileStatus ?? 401;
  const separateCreateAndRename = options.separateCreateAndRename ?? true;
  const permissionCases: WopiPermissions[] = separateCreateAndRename
    ? [
        { write: true },
        { write: false },
        { write: true, create: false },
        { write: true, rename: false },
        { write: true, create: false, rename: false },
        { write: false, create: true },
      ]
    : [{ write: true }, { write: false }];

  describe(`WopiAuth contract: ${name}`, () => {
    let fx: AuthFixture;
    let auth: WopiAuth;
    /** The test's file. */
    let fileId: string;

    const newFileId = async (): Promise<string> => (fx.newFileId ? fx.newFileId() : `suite-${randomBytes(8).toString('hex')}`);
    /** A genuine token for `request`. */
    const token = async (request: WopiIssueTokenRequest): Promise<string> => {
      if (fx.token) return fx.token(request);
      if (typeof auth.issueToken === 'function') return (await auth.issueToken(request)).accessToken;
      throw new Error('The fixture has no token() and the auth no issueToken(): the suite cannot make a genuine token');
    };
    /** A token request for the test's file: user `suite-user`, writable, unless `overrides` say otherwise. */
    const request = (overrides: Partial<WopiIssueTokenRequest> = {}): WopiIssueTokenRequest => ({
      fileId,
      userId: 'suite-user',
      userFriendlyName: 'Suite User',
      permissions: { write: true },
      ...overrides,
    });

    beforeEach(async () => {
      fx = await makeFixture();
      auth = fx.auth;
      fileId = await newFileId();
    });
    afterEach(async () => {
      await fx?.cleanup?.();
    });

    test('implements issueToken exactly when it is declared', () => {
      expect({ issueToken: typeof auth.issueToken === 'function' }).toEqual({ issueToken: declared.has('issueToken') });
    });

    test('implements issueResourceToken and authenticateResource exactly when resourceTokens is declared', () => {
      expect({
        issueResourceToken: typeof auth.issueResourceToken === 'function',
        authenticateResource: typeof auth.authenticateResource === 'function',
      }).toEqual({ issueResourceToken: declared.has('resourceTokens'), authenticateResource: declared.has('resourceTokens') });
    });

    describe('a genuine token', () => {
      test('authenticates for its file, as its user', async () => {
        const user = await auth.authenticate(await token(request()), fileId);
        expect(user.userId).toBe('suite-user');
        expect(user.userFriendlyName).toBe('Suite User');
        expect(effective(user.permissions)).toEqual(effective({ write: true }));
      });
      test('the tokens of two users for one file stand for each user', async () => {
        const [ada, bob] = await Promise.all([
          token(request({ userId: 'suite-ada', userFriendlyName: 'Ada' })),
          token(request({ userId: 'suite-bob', userFriendlyName: 'Bob', permissions: { write: false } })),
        ]);
        expect(pick(await auth.authenticate(ada, fileId))).toEqual({
          userId: 'suite-ada',
          userFriendlyName: 'Ada',
          ...effective({ write: true }),
        });
        expect(pick(await auth.authenticate(bob, fileId))).toEqual({
          userId: 'suite-bob',
          userFriendlyName: 'Bob',
          ...effective({ write: false }),
        });
      });
      test('authenticates again and again, also concurrently (an editor sends one token with every request)', async () => {
        const t = await token(request());
        for (let i = 0; i < 3; i++) expect((await auth.authenticate(t, fileId)).userId).toBe('suite-user');
        const users = await Promise.all(Array.from({ length: 20 }, () => auth.authenticate(t, fileId)));
        expect(users.map((p) => p.userId)).toEqual(Array.from({ length: 20 }, () => 'suite-user'));
      });
    });

    describe('permissions', () => {
      test.each(permissionCases)('a token issued with %j reports those permissions', async (permissions) => {
        const user = await auth.authenticate(await token(request({ permissions })), fileId);
        expect(effective(user.permissions)).toEqual(effective(permissions));
      });
      test('a read-only token is reported read-only: no write, no create, no rename', async () => {
        const user = await auth.authenticate(await token(request({ permissions: { write: false } })), fileId);
        expect(user.permissions.write).toBe(false);
        expect(canCreate(user)).toBe(false);
        expect(canRename(user)).toBe(false);
      });
    });

    describe('bound to one file', () => {
      test(`a token for one file is refused for another (${otherFileStatus}), both ways`, async () => {
        const other = await newFileId();
        const [mine, theirs] = await Promise.all([token(request()), token(request({ fileId: other }))]);
        await expectRefused(auth.authenticate(mine, other), mine, otherFileStatus);
        await expectRefused(auth.authenticate(theirs, fileId), theirs, otherFileStatus);
        // Refusing it elsewhere changed nothing for its own file.
        expect((await auth.authenticate(mine, fileId)).userId).toBe('suite-user');
        expect((await auth.authenticate(theirs, other)).userId).toBe('suite-user');
      });
      test(`a token for one file is refused (${otherFileStatus}) for IDs that only look like it`, async () => {
        const t = await token(request());
        for (const near of [`${fileId}x`, fileId.slice(0, -1), `${fileId}/contents`, `../${fileId}`, `${fileId}${fileId}`, '']) {
          await expectRefused(auth.authenticate(t, near), t, otherFileStatus, `for the file ID ${JSON.stringify(near)}`);
        }
      });
    });

    describe('expiry', () => {
      test(
        `tokens issued for ${shortTtl} s are refused (401) after that, also one accepted before`,
        async () => {
          const [used, unused] = await Promise.all([
            token(request({ ttlSeconds: shortTtl })),
            token(request({ ttlSeconds: shortTtl, userId: 'suite-user-2' })),
          ]);
          const issued = declared.has('issueToken')
            ? (await auth.issueToken!(request({ ttlSeconds: shortTtl, userId: 'suite-user-3' }))).accessToken
            : undefined;
          // Accepted while valid (and remembered, by an auth that caches what it verified).
          expect((await auth.authenticate(used, fileId)).userId).toBe('suite-user');
          if (issued !== undefined) expect((await auth.authenticate(issued, fileId)).userId).toBe('suite-user-3');
          await sleep((shortTtl + 1) * 1000 + 100);
          await expectRefused(auth.authenticate(used, fileId), used, 401, 'after it expired (it was accepted before)');
          await expectRefused(auth.authenticate(unused, fileId), unused, 401, 'after it expired (never used before)');
          if (issued !== undefined)
            await expectRefused(auth.authenticate(issued, fileId), issued, 401, 'issued by issueToken, after it expired');
        },
        (shortTtl + 1) * 1000 + 10_000,
      );
    });

    describe('forged and altered tokens', () => {
      test('a genuine token with one character changed (start, middle, end of each part) is refused (401)', async () => {
        const t = await token(request());
        for (const position of changePositions(t)) {
          const altered = t.slice(0, position) + otherCharacter(t[position] as string) + t.slice(position + 1);
          await expectRefused(auth.authenticate(altered, fileId), altered, 401, `with character ${position} changed`);
        }
      });
      test('a genuine token cut short, extended or doubled is refused (401)', async () => {
        const t = await token(request());
        for (const [how, altered] of [
          ['without its last character', t.slice(0, -1)],
          ['cut in half', t.slice(0, Math.ceil(t.length / 2))],
          ['with a character added', `${t}A`],
          ['written twice', t + t],
        ] as const) {
          await expectRefused(auth.authenticate(altered, fileId), altered, 401, how);
        }
      });
      test('parts of two genuine tokens put together are refused (401)', async () => {
        const [writer, reader] = await Promise.all([
          token(request()),
          token(request({ userId: 'suite-reader', permissions: { write: false } })),
        ]);
        const a = writer.split('.');
        const b = reader.split('.');
        if (a.length < 2 || a.length !== b.length) return; // not a token made of parts
        for (let i = 0; i < a.length; i++) {
          if (a[i] === b[i]) continue;
          // The reader's token with one part taken from the writer's (e.g. the writer's claims
          // under the reader's signature): a forged write permission.
          const spliced = b.map((part, j) => (j === i ? a[i] : part)).join('.');
          await expectRefused(auth.authenticate(spliced, fileId), spliced, 401, `with part ${i} of another token`);
        }
      });
      test('a JWT re-written as unsigned (alg none) is refused (401)', async () => {
        const t = await token(request());
        const unsigned = asUnsignedJwt(t);
        if (unsigned === undefined) return; // not a JWT
        await expectRefused(auth.authenticate(unsigned, fileId), unsigned, 401, 'with alg none');
        const undotted = unsigned.slice(0, -1);
        await expectRefused(auth.authenticate(undotted, fileId), undotted, 401, 'with alg none, without its last dot');
      });
      test('the tokens the fixture forges (forgedTokens) are refused (401)', async () => {
        const forged = (await fx.forgedTokens?.(request())) ?? [];
        for (const [i, f] of forged.entries()) await expectRefused(auth.authenticate(f, fileId), f, 401, `forged token ${i}`);
      });
      test.each(GARBAGE.map((g) => [g.length > 40 ? `${g.slice(0, 20)}… (${g.length} characters)` : g, g]))(
        'garbage %j is refused (401)',
        async (_label, garbage) => {
          await expectRefused(auth.authenticate(garbage, fileId), garbage, 401);
        },
      );
    });

    describeIf(declared.has('issueToken'), 'issueToken', () => {
      test('answers a token and its expiry in milliseconds since the epoch (or 0), no later than asked', async () => {
        const before = Date.now();
        for (const ttlSeconds of [undefined, 60]) {
          const issued = await auth.issueToken!(request(ttlSeconds === undefined ? {} : { ttlSeconds }));
          expect(typeof issued.accessToken).toBe('string');
          expect(issued.accessToken.length).toBeGreaterThan(0);
          expect(typeof issued.accessTokenTtl).toBe('number');
          if (issued.accessTokenTtl !== 0) {
            // In the future, and in milliseconds (an expiry in seconds would be in 1970).
            expect(issued.accessTokenTtl).toBeGreaterThan(before);
            if (ttlSeconds !== undefined) expect(issued.accessTokenTtl).toBeLessThanOrEqual(Date.now() + (ttlSeconds + 1) * 1000);
          }
        }
      });
      test.each(permissionCases)(
        'Save As: a token issued (as PutRelativeFile does) from a user with %j opens the new file only, as the same user with the same permissions',
        async (permissions) => {
          const user = await auth.authenticate(await token(request({ permissions })), fileId);
          const created = await newFileId();
          // What the router asks for after PutRelativeFile created a file: the request's user, copied.
          const issued = await auth.issueToken!({
            fileId: created,
            userId: user.userId,
            ...(user.userFriendlyName === undefined ? {} : { userFriendlyName: user.userFriendlyName }),
            permissions: user.permissions,
          });
          const opened = await auth.authenticate(issued.accessToken, created);
          expect(pick(opened)).toEqual({ userId: 'suite-user', userFriendlyName: 'Suite User', ...effective(permissions) });
          await expectRefused(auth.authenticate(issued.accessToken, fileId), issued.accessToken, otherFileStatus, 'for the original file');
        },
      );
    });

    describeIf(declared.has('resourceTokens'), 'resource tokens (containers, the ecosystem, FileUrl)', () => {
      const resources = (id: string, other: string): Array<[string, WopiResource]> => [
        ['container', { type: 'container', containerId: id }],
        ['other container', { type: 'container', containerId: other }],
        ['ecosystem', { type: 'ecosystem' }],
        ['fileUrl', { type: 'fileUrl', fileId: id }],
        ['other fileUrl', { type: 'fileUrl', fileId: other }],
      ];
      const issue = async (resource: WopiResource, permissions: WopiPermissions = { write: true }, ttlSeconds?: number) =>
        auth.issueResourceToken!({
          resource,
          userId: 'suite-user',
          userFriendlyName: 'Suite User',
          permissions,
          ...(ttlSeconds === undefined ? {} : { ttlSeconds }),
        });

      test.each(permissionCases)('a resource token stands for its user with %j', async (permissions) => {
        for (const [, resource] of resources(fileId, await newFileId())) {
          const issued = await issue(resource, permissions);
          expect(pick(await auth.authenticateResource!(issued.accessToken, resource))).toEqual({
            userId: 'suite-user',
            userFriendlyName: 'Suite User',
            ...effective(permissions),
          });
        }
      });

      test('each token opens exactly its own resource: no other resource, no file session (401)', async () => {
        const other = await newFileId();
        const all = resources(fileId, other);
        for (const [name, resource] of all) {
          const issued = await issue(resource);
          for (const [otherName, otherResource] of all) {
            if (otherName === name) continue;
            await expectRefused(
              auth.authenticateResource!(issued.accessToken, otherResource),
              issued.accessToken,
              401,
              `${name} token as ${otherName}`,
            );
          }
          // Not a file token: a container or FileUrl token for the ID of a file does not open its session.
          await expectRefused(auth.authenticate(issued.accessToken, fileId), issued.accessToken, 401, `${name} token as a file session`);
        }
      });

      test('a file token opens no resource, not even its own FileUrl (401)', async () => {
        const fileToken = await token(request());
        for (const [name, resource] of resources(fileId, await newFileId())) {
          await expectRefused(auth.authenticateResource!(fileToken, resource), fileToken, 401, `file token as ${name}`);
        }
      });

      test('a resource token with one character changed is refused (401)', async () => {
        const resource: WopiResource = { type: 'container', containerId: fileId };
        const genuine = (await issue(resource)).accessToken;
        for (const position of changePositions(genuine)) {
          const altered = genuine.slice(0, position) + otherCharacter(genuine[position] as string) + genuine.slice(position + 1);
          await expectRefused(auth.authenticateResource!(altered, resource), altered, 401, `with character ${position} changed`);
        }
      });

      test(
        'a resource token expires like a file token',
        async () => {
          const resource: WopiResource = { type: 'fileUrl', fileId };
          const issued = await issue(resource, { write: false }, shortTtl);
          await auth.authenticateResource!(issued.accessToken, resource);
          await new Promise((resolve) => setTimeout(resolve, (shortTtl + 1) * 1000));
          await expectRefused(auth.authenticateResource!(issued.accessToken, resource), issued.accessToken, 401, 'after expiry');
        },
        (shortTtl + 10) * 1000,
      );
    });
  });
}

/** What a user may do, with the defaults applied (`create` defaults to `write`, …), as the router reads it. */
function effective(permissions: WopiPermissions): { write: boolean; create: boolean; rename: boolean } {
  const user: WopiUser = { userId: '', permissions };
  return { write: canWrite(user), create: canCreate(user), rename: canRename(user) };
}

/** The parts of a user the tests compare. */
function pick(user: WopiUser): Record<string, unknown> {
  return { userId: user.userId, userFriendlyName: user.userFriendlyName, ...effective(user.permissions) };
}

/**
 * Where to change one character of a token: the first, the middle and the last but one character
 * of each `.`-separated part. Never the last character of a part (nor `=` padding): a part may be
 * base64, whose last character can carry unused bits that no decoder looks at, so changing it
 * may change nothing.
 */
function changePositions(token: string): number[] {
  const positions = new Set<number>();
  let start = 0;
  for (const part of token.split('.')) {
    const length = part.replace(/=+$/, '').length;
    if (length > 1) {
      positions.add(start);
      positions.add(start + Math.floor((length - 1) / 2));
      positions.add(start + length - 2);
    }
    start += part.length + 1;
  }
  return [...positions].sort((a, b) => a - b);
}

/** A different character of the same kind (letter of the same case, digit), so the token keeps its alphabet. */
function otherCharacter(c: string): string {
  if (c >= 'a' && c <= 'z') return c === 'z' ? 'a' : String.fromCharCode(c.charCodeAt(0) + 1);
  if (c >= 'A' && c <= 'Z') return c === 'Z' ? 'A' : String.fromCharCode(c.charCodeAt(0) + 1);
  if (c >= '0' && c <= '9') return c === '9' ? '0' : String.fromCharCode(c.charCodeAt(0) + 1);
  return c === 'A' ? 'B' : 'A';
}

/** The same JWT with the header `{"alg":"none"}` and no signature; undefined when `token` is not a JWT. */
function asUnsignedJwt(token: string): string | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0] as string, 'base64url').toString('utf8')) as unknown;
    if (typeof header !== 'object' || header === null || !('alg' in header)) return undefined;
    const unsigned = Buffer.from(JSON.stringify({ ...header, alg: 'none' })).toString('base64url');
    return `${unsigned}.${parts[1]}.`;
  } catch {
    return undefined;
  }
}

/**
 * Expects `promise` (an `authenticate` call) to reject with a WopiError of `status` whose message,
 * string form and JSON form do not contain `token` nor any long part of it.
 */
async function expectRefused(promise: Promise<WopiUser>, token: string, status: 401 | 404, what = ''): Promise<void> {
  const outcome = await promise.then(
    (user) => ({ accepted: user }),
    (err: unknown) => ({ refused: err }),
  );
  const label = `authenticate ${what}`.trim();
  if ('accepted' in outcome) {
    expect({ [label]: 'accepted the token', user: outcome.accepted }).toEqual({ [label]: `refused it with ${status}` });
    return;
  }
  const err = outcome.refused;
  expect({ [label]: WopiError.is(err) ? err.status : err }).toEqual({ [label]: status });
  const e = err as WopiError;
  const shown = `${e.message} ${String(e)} ${safeJson(e)} ${String(e.cause ?? '')}`;
  for (const secret of [token, ...token.split('.')].filter((s) => s.length >= 16)) {
    expect({ [label]: shown.includes(secret) ? 'the error shows the token' : 'the token is not in the error' }).toEqual({
      [label]: 'the token is not in the error',
    });
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}

function describeIf(condition: boolean, title: string, body: () => void): void {
  if (condition) describe(title, body);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
