/**
 * The failure modes every WOPI operation shares, run across every operation on both built-in
 * storages: a missing or unusable token (401), a read-only token on an operation that writes
 * (401), an unknown or deleted file (404), a storage or lock-store failure (a bare 500). In every
 * case nothing changes, and neither the token, nor the file's content, nor its lock, nor a
 * server-side detail appears in the response. The per-operation files hold what is particular
 * to each operation.
 */
import request from 'supertest';
import { JwtAuth, type WopiStorage } from '../../src';
import { createApp } from '../helpers/create-app';
import { STORAGES, useStorage, type StorageFixture } from '../helpers/ops-storages';
import { binaryParser, contentsUrl, deleteReq, fileUrl, type App } from '../helpers/wopi-requests';
import { expectNoLockHeader, expectNoToken } from '../helpers/wopi-assertions';
import { failingLockStore, storageFailingIn } from '../helpers/fake-adapters';
import { signToken } from '../helpers/signed-tokens';

/** The content of the file each test works on; never to be seen in a failure response. */
const CONTENT = 'CONTENT-MARKER original content';
/** The lock the file holds for the operations that need one; never to be seen in a failure response. */
const HELD = 'HELD-LOCK-SECRET-7c1e';
/** What a failing adapter's error says: a server path and a marker, neither to be seen by the client. */
const SERVER_PATH = '/srv/wopi/volume-3/SECRET-DETAIL/report.docx';

interface Operation {
  name: string;
  method: 'GET' | 'POST';
  route: 'file' | 'contents';
  override?: string;
  /** Headers (besides X-WOPI-Override) of a request that succeeds on the fixture file. */
  headers: Record<string, string>;
  body?: { content: string; type: string };
  /** Whether the file holds the lock {@link HELD} when the request is sent. */
  locked: boolean;
  /** Whether the token must grant write access (a read-only one gets 401). */
  needsWrite: boolean;
  /** The optional storage method or adapter the operation needs (all present on the built-in storages). */
  capability?: 'createRelativeFile' | 'renameFile' | 'deleteFile' | 'userInfo';
  /** The storage methods a successful request calls: each one failing gives a 500. */
  storageCalls: Array<keyof WopiStorage>;
  /** Whether a successful request calls the lock store. */
  usesLocks: boolean;
}

const OPERATIONS: Operation[] = [
  {
    name: 'CheckFileInfo',
    method: 'GET',
    route: 'file',
    headers: {},
    locked: false,
    needsWrite: false,
    storageCalls: ['getFileInfo'],
    usesLocks: false,
  },
  {
    name: 'GetFile',
    method: 'GET',
    route: 'contents',
    headers: {},
    locked: false,
    needsWrite: false,
    storageCalls: ['readFile'],
    usesLocks: false,
  },
  {
    name: 'PutFile',
    method: 'POST',
    route: 'contents',
    override: 'PUT',
    headers: { 'X-WOPI-Lock': HELD },
    body: { content: 'new content', type: 'application/octet-stream' },
    locked: true,
    needsWrite: true,
    storageCalls: ['getFileInfo', 'writeFile'],
    usesLocks: true,
  },
  {
    name: 'Lock',
    method: 'POST',
    route: 'file',
    override: 'LOCK',
    headers: { 'X-WOPI-Lock': 'NEW-LOCK' },
    locked: false,
    needsWrite: true,
    storageCalls: ['getFileInfo'],
    usesLocks: true,
  },
  {
    name: 'GetLock',
    method: 'POST',
    route: 'file',
    override: 'GET_LOCK',
    headers: {},
    locked: true,
    needsWrite: false,
    storageCalls: ['getFileInfo'],
    usesLocks: true,
  },
  {
    name: 'RefreshLock',
    method: 'POST',
    route: 'file',
    override: 'REFRESH_LOCK',
    headers: { 'X-WOPI-Lock': HELD },
    locked: true,
    needsWrite: true,
    storageCalls: ['getFileInfo'],
    usesLocks: true,
  },
  {
    name: 'Unlock',
    method: 'POST',
    route: 'file',
    override: 'UNLOCK',
    headers: { 'X-WOPI-Lock': HELD },
    locked: true,
    needsWrite: true,
    storageCalls: ['getFileInfo'],
    usesLocks: true,
  },
  {
    name: 'UnlockAndRelock',
    method: 'POST',
    route: 'file',
    override: 'LOCK',
    headers: { 'X-WOPI-OldLock': HELD, 'X-WOPI-Lock': 'NEW-LOCK' },
    locked: true,
    needsWrite: true,
    storageCalls: ['getFileInfo'],
    usesLocks: true,
  },
  {
    name: 'PutRelativeFile',
    method: 'POST',
    route: 'file',
    override: 'PUT_RELATIVE',
    headers: { 'X-WOPI-SuggestedTarget': '.pdf', 'X-WOPI-Lock': HELD },
    body: { content: 'COPY', type: 'application/octet-stream' },
    locked: true,
    // It needs `permissions.create` rather than write (501 without it): see put-relative-file.test.ts.
    needsWrite: false,
    capability: 'createRelativeFile',
    storageCalls: ['getFileInfo', 'createRelativeFile'],
    usesLocks: true,
  },
  {
    name: 'RenameFile',
    method: 'POST',
    route: 'file',
    override: 'RENAME_FILE',
    headers: { 'X-WOPI-RequestedName': 'renamed', 'X-WOPI-Lock': HELD },
    locked: true,
    needsWrite: true,
    capability: 'renameFile',
    storageCalls: ['getFileInfo', 'renameFile'],
    usesLocks: true,
  },
  {
    name: 'DeleteFile',
    method: 'POST',
    route: 'file',
    override: 'DELETE',
    headers: {},
    locked: false,
    needsWrite: true,
    capability: 'deleteFile',
    storageCalls: ['getFileInfo', 'deleteFile'],
    usesLocks: true,
  },
  {
    name: 'PutUserInfo',
    method: 'POST',
    route: 'file',
    override: 'PUT_USER_INFO',
    headers: {},
    body: { content: 'user info', type: 'text/plain; charset=utf-8' },
    locked: false,
    needsWrite: false,
    capability: 'userInfo',
    storageCalls: ['getFileInfo'],
    usesLocks: false,
  },
];

/** How a request carries its token: in `access_token`, in `Authorization: Bearer`, or not at all. */
interface Credentials {
  query?: string;
  bearer?: string;
}

/** `op` on `fileId` with `credentials`; the body is parsed as a Buffer whatever its type. */
function send(app: App, op: Operation, fileId: string, credentials: Credentials) {
  const url = op.route === 'file' ? fileUrl(fileId) : contentsUrl(fileId);
  let req = op.method === 'GET' ? request(app).get(url) : request(app).post(url);
  if (credentials.query !== undefined) req = req.query({ access_token: credentials.query });
  if (credentials.bearer !== undefined) req = req.set('Authorization', `Bearer ${credentials.bearer}`);
  if (op.override !== undefined) req = req.set('X-WOPI-Override', op.override);
  req = req.set(op.headers);
  if (op.body !== undefined) req = req.set('Content-Type', op.body.type).send(Buffer.from(op.body.content));
  return req.buffer(true).parse(binaryParser);
}

type WopiResponse = Awaited<ReturnType<typeof send>>;

/** Every row of `a` with every row of `b`, labels first (for `test.each` titles). */
function cross<A extends { name: string }, B extends [string, ...unknown[]]>(a: A[], b: B[]): Array<[string, ...B, A]> {
  return a.flatMap((x) => b.map((y): [string, ...B, A] => [x.name, ...y, x]));
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

describe.each(STORAGES)('shared failure modes on %s', (_name, makeStorage) => {
  const fx = useStorage(makeStorage);

  /**
   * `report.docx` (the file the requests name) and `other.docx`, both holding CONTENT and, when
   * `op.locked`, the lock HELD; an app around the fixture's storage (or `adapters`), with the
   * fixture's user-info store when the operation needs one.
   */
  async function setup(op: Operation, adapters: { storage?: WopiStorage; locks?: ReturnType<typeof failingLockStore> } = {}) {
    const fileId = await fx().addFile('report.docx', CONTENT);
    const otherId = await fx().addFile('other.docx', CONTENT);
    if (op.capability !== undefined && op.capability !== 'userInfo') expect(typeof fx().storage[op.capability]).toBe('function');
    const app = createApp({
      storage: adapters.storage ?? fx().storage,
      ...(adapters.locks === undefined ? {} : { locks: adapters.locks }),
      ...(op.capability === 'userInfo' ? { userInfo: fx().userInfo } : {}),
    });
    if (op.locked && adapters.locks === undefined) {
      for (const id of [fileId, otherId]) expect(await app.locks.lock(id, HELD, 30 * 60_000)).toMatchObject({ ok: true });
    }
    const t = await app.token(fileId);
    return { ...app, fileId, otherId, t, before: await snapshot(fx(), app.locks, [fileId, otherId], adapters.locks !== undefined) };
  }

  /** What a request may not change: the files, their content, version and lock, u1's user info. */
  async function snapshot(
    fixture: StorageFixture,
    locks: { getLock(id: string): Promise<string | null> },
    ids: string[],
    locksFail = false,
  ) {
    const files = [];
    for (const id of ids) {
      const info = await fixture.storage.getFileInfo(id);
      files.push({
        id,
        name: info.name,
        version: info.version,
        content: (await fixture.content(id)).toString(),
        lock: locksFail ? undefined : await locks.getLock(id),
      });
    }
    return { names: await fixture.names(), files, userInfo: await fixture.userInfo.getUserInfo('u1') };
  }

  /** The response is a refusal that gives nothing away, and nothing changed. */
  async function expectRefused(
    res: WopiResponse,
    status: number,
    secrets: Array<string | undefined>,
    state: {
      before: Awaited<ReturnType<typeof snapshot>>;
      locks: { getLock(id: string): Promise<string | null> };
      ids: string[];
      locksFail?: boolean;
    },
  ) {
    expect(res.status).toBe(status);
    // A plain-text message (or the bare 500 body), never JSON or file bytes.
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expectNoLockHeader(res);
    for (const secret of [CONTENT, 'CONTENT-MARKER', HELD, ...secrets]) {
      if (secret !== undefined && secret !== '') expectNoToken(res, secret);
    }
    expect(await snapshot(fx(), state.locks, state.ids, state.locksFail)).toEqual(state.before);
  }

  describe('401: a missing or unusable token, nothing changed', () => {
    const TOKENS: Array<
      [string, (s: { fileId: string; otherId: string; token: (id: string) => Promise<string> }) => Promise<Credentials>]
    > = [
      ['no token', async () => ({})],
      ['an empty access_token', async () => ({ query: '' })],
      ['an empty Bearer header', async () => ({ bearer: '' })],
      ['a garbage token', async () => ({ query: 'not-a-jwt-GARBAGE-TOKEN-1234567890' })],
      ['a garbage token in Authorization: Bearer', async () => ({ bearer: 'bearer-GARBAGE-TOKEN-0987654321' })],
      [
        'a token signed with another secret',
        async ({ fileId }) => {
          const other = new JwtAuth({ secret: 'another-secret-another-secret-another-secret' });
          return { query: (await other.issueToken({ fileId, userId: 'u1', permissions: { write: true } })).accessToken };
        },
      ],
      [
        'a token that expired an hour ago',
        async ({ fileId }) => ({ query: signToken({ fileId, iat: nowSeconds() - 7200, exp: nowSeconds() - 3600 }) }),
      ],
      [
        'a token that expired a second ago',
        async ({ fileId }) => ({ query: signToken({ fileId, iat: nowSeconds() - 60, exp: nowSeconds() - 1 }) }),
      ],
      ['a token issued for another file', async ({ otherId, token }) => ({ query: await token(otherId) })],
    ];

    test.each(cross(OPERATIONS, TOKENS))('%s with %s → 401', async (_op, _label, make, op) => {
      const s = await setup(op);
      const credentials = await make({ fileId: s.fileId, otherId: s.otherId, token: (id) => s.token(id) });
      const res = await send(s.app, op, s.fileId, credentials);
      await expectRefused(res, 401, [credentials.query, credentials.bearer], {
        before: s.before,
        locks: s.locks,
        ids: [s.fileId, s.otherId],
      });
    });
  });

  describe('401: a read-only token on an operation that writes, nothing changed', () => {
    test.each(OPERATIONS.filter((op) => op.needsWrite).map((op) => [op.name, op] as const))('%s', async (_op, op) => {
      const s = await setup(op);
      const readOnly = await s.token(s.fileId, { write: false });
      const res = await send(s.app, op, s.fileId, { query: readOnly });
      await expectRefused(res, 401, [readOnly, s.t], { before: s.before, locks: s.locks, ids: [s.fileId, s.otherId] });
    });
  });

  describe('404: an unknown file, nothing changed', () => {
    const UNKNOWN: Array<[string, string]> = [
      ['an ID no file has', 'noSuchFile123'],
      ['dots and slashes', '../../etc/passwd'],
      ['dots, a slash and a space', '../x y'],
      ['a space', 'a b'],
      ['a dot (a file name, not a file ID)', 'report.docx'],
      ['non-ASCII', 'fïle'],
      ['very long', 'x'.repeat(129)],
    ];

    test.each(cross(OPERATIONS, UNKNOWN))('%s on %s → 404', async (_op, _label, unknownId, op) => {
      const s = await setup(op);
      const t = await s.token(unknownId);
      const res = await send(s.app, op, unknownId, { query: t });
      await expectRefused(res, 404, [t, s.t], { before: s.before, locks: s.locks, ids: [s.fileId, s.otherId] });
    });

    test.each(OPERATIONS.map((op) => [op.name, op] as const))(
      '%s on a deleted file → 404 with the token that opened it',
      async (_op, op) => {
        const s = await setup({ ...op, locked: false });
        expect((await deleteReq(s.app, s.fileId, s.t)).status).toBe(200);
        const before = await snapshot(fx(), s.locks, [s.otherId]);
        const res = await send(s.app, op, s.fileId, { query: s.t });
        await expectRefused(res, 404, [s.t], { before, locks: s.locks, ids: [s.otherId] });
      },
    );
  });

  describe('500: a storage method that throws, a bare 500 and nothing changed', () => {
    const CALLS = OPERATIONS.flatMap((op) => op.storageCalls.map((method) => [op.name, method, op] as const));

    test.each(CALLS)('%s when storage.%s throws', async (_op, method, op) => {
      const storage = storageFailingIn(fx().storage, method, `EIO: i/o error, open '${SERVER_PATH}'`);
      const s = await setup(op, { storage });
      const res = await send(s.app, op, s.fileId, { query: s.t });
      expect((res.body as Buffer).toString()).toBe('Internal Server Error');
      await expectRefused(res, 500, [s.t, SERVER_PATH, 'SECRET-DETAIL', '/srv/wopi', fx().root], {
        before: s.before,
        locks: s.locks,
        ids: [s.fileId, s.otherId],
      });
    });
  });

  describe('500: a lock store that fails, a bare 500 and nothing changed', () => {
    const MODES: Array<[string, 'async' | 'sync']> = [
      ['rejects', 'async'],
      ['throws synchronously', 'sync'],
    ];

    test.each(
      cross(
        OPERATIONS.filter((op) => op.usesLocks),
        MODES,
      ),
    )('%s when the lock store %s', async (_op, _label, mode, op) => {
      const locks = failingLockStore(mode, `redis at ${SERVER_PATH} unreachable`);
      const s = await setup(op, { locks });
      const res = await send(s.app, op, s.fileId, { query: s.t });
      expect((res.body as Buffer).toString()).toBe('Internal Server Error');
      await expectRefused(res, 500, [s.t, SERVER_PATH, 'SECRET-DETAIL', 'redis at'], {
        before: s.before,
        locks: s.locks,
        ids: [s.fileId, s.otherId],
        locksFail: true,
      });
    });
  });

  describe('control: the same requests succeed with a usable token (so the failures above are about the token or the file)', () => {
    const CREDENTIALS: Array<
      [
        string,
        (s: {
          fileId: string;
          otherId: string;
          token: (id: string) => Promise<string>;
        }) => Promise<{ target: 'file' | 'other'; credentials: Credentials }>,
      ]
    > = [
      ['a writable token in access_token', async ({ fileId, token }) => ({ target: 'file', credentials: { query: await token(fileId) } })],
      [
        'a writable token in Authorization: Bearer',
        async ({ fileId, token }) => ({ target: 'file', credentials: { bearer: await token(fileId) } }),
      ],
      [
        'a directly signed token that expires in an hour (as the expired ones, but valid)',
        async ({ fileId }) => ({
          target: 'file',
          credentials: { query: signToken({ fileId, iat: nowSeconds() - 60, exp: nowSeconds() + 3600 }) },
        }),
      ],
      [
        'the token for the other file, on the other file',
        async ({ otherId, token }) => ({ target: 'other', credentials: { query: await token(otherId) } }),
      ],
    ];

    test.each(cross(OPERATIONS, CREDENTIALS))('%s with %s → 200, the token not echoed', async (_op, _label, make, op) => {
      const s = await setup(op);
      const { target, credentials } = await make({ fileId: s.fileId, otherId: s.otherId, token: (id) => s.token(id) });
      const res = await send(s.app, op, target === 'file' ? s.fileId : s.otherId, credentials);
      expect(res.status).toBe(200);
      expectNoToken(res, (credentials.query ?? credentials.bearer)!);
    });
  });
});
