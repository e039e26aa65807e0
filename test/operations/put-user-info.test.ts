import path from 'node:path';
import {
  FileSystemStorage,
  FileSystemUserInfoStore,
  MemoryStorage,
  MemoryUserInfoStore,
  WopiConfigError,
  type WopiPermissions,
  type WopiStorage,
  type WopiUserInfoStore,
} from '../../src';
import { createApp } from '../helpers/create-app';
import { STORAGES, testOnlyOn, useStorage } from '../helpers/ops-storages';
import { checkFileInfo, fileUrl, lockReq, putUserInfoReq } from '../helpers/wopi-requests';
import { expectNoLockHeader, expectNoToken } from '../helpers/wopi-assertions';
import { chunkedRequest } from '../helpers/raw-http';

describe.each(STORAGES)('PutUserInfo on %s', (name, makeStorage) => {
  const fx = useStorage(makeStorage);
  const fsTest = testOnlyOn(name, 'FileSystemStorage');

  async function setup(permissions?: WopiPermissions, userId = 'ada') {
    const fileId = await fx().addFile('report.docx', 'content');
    const app = createApp({ storage: fx().storage, userInfo: fx().userInfo });
    const t = await app.token(fileId, permissions, userId);
    return { ...app, fileId, t };
  }

  async function userInfo(app: Parameters<typeof checkFileInfo>[0], fileId: string, t: string): Promise<unknown> {
    const res = await checkFileInfo(app, fileId, t);
    expect(res.status).toBe(200);
    return Object.hasOwn(res.body, 'UserInfo') ? res.body.UserInfo : '<absent>';
  }

  test('stores the body; CheckFileInfo returns it as UserInfo to that user and not to another', async () => {
    const { app, fileId, t, token } = await setup();
    const bob = await token(fileId, { write: true }, 'bob');
    expect(await userInfo(app, fileId, t)).toBe('<absent>');
    const res = await putUserInfoReq(app, fileId, t, '{"lastTab":"review"}');
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    expectNoLockHeader(res);
    expectNoToken(res, t);
    expect(await userInfo(app, fileId, t)).toBe('{"lastTab":"review"}');
    expect(await userInfo(app, fileId, bob)).toBe('<absent>');
    // Bob's own info does not touch Ada's.
    expect((await putUserInfoReq(app, fileId, bob, 'bob-info')).status).toBe(200);
    expect(await userInfo(app, fileId, bob)).toBe('bob-info');
    expect(await userInfo(app, fileId, t)).toBe('{"lastTab":"review"}');
  });

  test('a second PutUserInfo overwrites the first', async () => {
    const { app, fileId, t } = await setup();
    expect((await putUserInfoReq(app, fileId, t, 'first, and longer')).status).toBe(200);
    expect((await putUserInfoReq(app, fileId, t, 'second')).status).toBe(200);
    expect(await userInfo(app, fileId, t)).toBe('second');
  });

  test('the file content and version are not touched', async () => {
    const { app, fileId, t } = await setup();
    const before = await checkFileInfo(app, fileId, t);
    expect((await putUserInfoReq(app, fileId, t, 'info')).status).toBe(200);
    const after = await checkFileInfo(app, fileId, t);
    expect(after.body.Version).toBe(before.body.Version);
    expect((await fx().content(fileId)).toString()).toBe('content');
  });

  test.each([
    ['ASCII', 'a'.repeat(1024)],
    ['"é" (2 bytes each)', 'é'.repeat(1024)],
    ['"漢" (3 bytes each)', '漢'.repeat(1024)],
    ['a mix', `${'é'.repeat(512)}${'漢'.repeat(511)}x`],
  ])('exactly 1024 characters of %s → 200, stored exactly', async (_label, body) => {
    const { app, fileId, t } = await setup();
    expect([...body]).toHaveLength(1024);
    const res = await putUserInfoReq(app, fileId, t, body);
    expect(res.status).toBe(200);
    expect(await userInfo(app, fileId, t)).toBe(body);
  });

  test('1024 emoji (4 UTF-8 bytes, 2 UTF-16 units each) count as 1024 characters → 200', async () => {
    const { app, fileId, t } = await setup();
    const body = '😀'.repeat(1024); // 4096 bytes, 2048 UTF-16 code units, 1024 code points
    expect((await putUserInfoReq(app, fileId, t, body)).status).toBe(200);
    expect(await userInfo(app, fileId, t)).toBe(body);
  });

  test.each([
    ['ASCII', 'a'.repeat(1025)],
    ['"é"', 'é'.repeat(1025)],
    ['"漢"', '漢'.repeat(1025)],
  ])('1025 characters of %s → 400, nothing stored', async (_label, body) => {
    const { app, fileId, t } = await setup();
    const res = await putUserInfoReq(app, fileId, t, body);
    expect(res.status).toBe(400);
    expect(res.text).toBe('UserInfo is longer than 1024 characters');
    expect(await userInfo(app, fileId, t)).toBe('<absent>');
  });

  test('a body over 4096 bytes → 400 without reading it all; the earlier value is kept', async () => {
    const { app, fileId, t } = await setup();
    expect((await putUserInfoReq(app, fileId, t, 'kept')).status).toBe(200);
    for (const body of ['a'.repeat(4097), `${'😀'.repeat(1024)}x`, 'a'.repeat(65_536)]) {
      const res = await putUserInfoReq(app, fileId, t, body);
      expect(res.status).toBe(400);
      expect(res.text).toBe('The body is larger than 4096 bytes');
    }
    expect(await userInfo(app, fileId, t)).toBe('kept');
  });

  test('a chunked body is read whole', async () => {
    const { app, fileId, t } = await setup();
    const res = await chunkedRequest(app, {
      method: 'POST',
      path: `${fileUrl(fileId)}?access_token=${encodeURIComponent(t)}`,
      headers: { 'X-WOPI-Override': 'PUT_USER_INFO' },
      // A multi-byte character split across chunks.
      chunks: [Buffer.from('ab'), Buffer.from('漢').subarray(0, 1), Buffer.from('漢').subarray(1), Buffer.from('cd')],
    });
    expect(res.status).toBe(200);
    expect(await userInfo(app, fileId, t)).toBe('ab漢cd');
  });

  test('an empty body stores "" (present, not absent)', async () => {
    const { app, fileId, t } = await setup();
    expect((await putUserInfoReq(app, fileId, t, 'something')).status).toBe(200);
    expect((await putUserInfoReq(app, fileId, t, '')).status).toBe(200);
    expect(await userInfo(app, fileId, t)).toBe('');
  });

  test('a read-only user may PutUserInfo (it is about the user, not the file)', async () => {
    const { app, fileId, t } = await setup({ write: false });
    const res = await putUserInfoReq(app, fileId, t, 'reader prefs');
    expect(res.status).toBe(200);
    expect(await userInfo(app, fileId, t)).toBe('reader prefs');
  });

  test('a locked file does not stop PutUserInfo', async () => {
    const { app, fileId, t } = await setup();
    expect((await lockReq(app, fileId, t, 'L')).status).toBe(200);
    expect((await putUserInfoReq(app, fileId, t, 'while locked')).status).toBe(200);
    expect(await userInfo(app, fileId, t)).toBe('while locked');
  });

  test('UserInfo follows the user to other files', async () => {
    const { app, fileId, t, token } = await setup();
    const otherId = await fx().addFile('other.xlsx', 'x');
    expect((await putUserInfoReq(app, fileId, t, 'global')).status).toBe(200);
    expect(await userInfo(app, otherId, await token(otherId, { write: false }, 'ada'))).toBe('global');
  });

  fsTest('FileSystemUserInfoStore keeps UserInfo on disk: new instances on the same folders return it', async () => {
    const { app, fileId, t } = await setup();
    expect((await putUserInfoReq(app, fileId, t, 'persisted é')).status).toBe(200);
    const root = fx().root!;
    const again = createApp({
      storage: new FileSystemStorage({ root }),
      userInfo: new FileSystemUserInfoStore({ dir: path.join(root, '.express-wopi', 'users') }),
    });
    expect(await userInfo(again.app, fileId, t)).toBe('persisted é');
    // Never inside the served folder's listing.
    expect(await fx().names()).toEqual(['report.docx']);
  });
});

describe('the userInfo option', () => {
  async function setup(options: { storage?: WopiStorage; userInfo?: unknown }) {
    const storage = options.storage ?? new MemoryStorage();
    const fileId = await (storage as MemoryStorage).addFile('report.docx', 'content');
    const app = createApp({ storage, ...(options.userInfo === undefined ? {} : { userInfo: options.userInfo as WopiUserInfoStore }) });
    return { ...app, fileId, t: await app.token(fileId) };
  }

  test('without it: PutUserInfo → 501 before the token is looked at, SupportsUserInfo false, no UserInfo', async () => {
    const { app, fileId, t } = await setup({});
    for (const token of [t, undefined, 'GARBAGE']) {
      const res = await putUserInfoReq(app, fileId, token, 'x');
      expect(res.status).toBe(501);
      expect(res.text).toBe('PutUserInfo is not supported by this host');
    }
    const info = await checkFileInfo(app, fileId, t);
    expect(info.status).toBe(200);
    expect(info.body.SupportsUserInfo).toBe(false);
    expect(info.body).not.toHaveProperty('UserInfo');
  });

  test('a storage that still has getUserInfo/putUserInfo is not asked: only the userInfo store is', async () => {
    const legacy = Object.assign(new MemoryStorage(), {
      getUserInfo: jest.fn(async () => 'from the storage'),
      putUserInfo: jest.fn(async () => undefined),
    });
    const without = await setup({ storage: legacy });
    expect((await putUserInfoReq(without.app, without.fileId, without.t, 'x')).status).toBe(501);
    expect((await checkFileInfo(without.app, without.fileId, without.t)).body.SupportsUserInfo).toBe(false);

    const store = new MemoryUserInfoStore();
    const app = createApp({ storage: legacy, userInfo: store });
    const t = await app.token(without.fileId);
    expect((await putUserInfoReq(app.app, without.fileId, t, 'to the store')).status).toBe(200);
    expect(await store.getUserInfo('u1')).toBe('to the store');
    expect((await checkFileInfo(app.app, without.fileId, t)).body).toMatchObject({ SupportsUserInfo: true, UserInfo: 'to the store' });
    expect(legacy.getUserInfo).not.toHaveBeenCalled();
    expect(legacy.putUserInfo).not.toHaveBeenCalled();
  });

  test('a class-based store is called with its own `this`; methods are looked up once, when the router is created', async () => {
    class Prefs {
      private readonly values = new Map<string, string>();
      async getUserInfo(userId: string): Promise<string | undefined> {
        return this.values.get(userId);
      }
      async putUserInfo(userId: string, userInfo: string): Promise<void> {
        this.values.set(userId, userInfo);
      }
    }
    const store = new Prefs();
    const { app, fileId, t } = await setup({ userInfo: store });
    // Replaced after the router was created: not noticed.
    store.getUserInfo = async () => 'replaced';
    expect((await putUserInfoReq(app, fileId, t, 'kept')).status).toBe(200);
    expect((await checkFileInfo(app, fileId, t)).body.UserInfo).toBe('kept');
  });

  test.each([
    ['null', null, 'WOPI_OPTION_TYPE'],
    ['a string', 'users', 'WOPI_OPTION_TYPE'],
    ['an object without getUserInfo', { putUserInfo: async () => undefined }, 'WOPI_ADAPTER_SHAPE'],
    ['an object without putUserInfo', { getUserInfo: async () => undefined }, 'WOPI_ADAPTER_SHAPE'],
    ['a storage passed by mistake', new MemoryStorage(), 'WOPI_ADAPTER_SHAPE'],
  ])('refuses %s (%s)', async (_label, userInfo, code) => {
    let error: unknown;
    try {
      createApp({ userInfo: userInfo as unknown as WopiUserInfoStore });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(WopiConfigError);
    expect(error).toMatchObject({ code, option: 'userInfo' });
    expect((error as Error).message).toMatch(/`userInfo`/);
  });
});
