import { FileSystemStorage, type WopiPermissions } from '../../src';
import { createApp } from '../helpers/create-app';
import { STORAGES, testOnlyOn, useStorage } from '../helpers/ops-storages';
import { checkFileInfo, chunkedRequest, deleteReq, expectNoLockHeader, expectNoToken, fileUrl, lockReq, putUserInfoReq } from '../helpers/ops-http';

describe.each(STORAGES)('PutUserInfo on %s', (name, makeStorage) => {
  const fx = useStorage(makeStorage);
  const fsTest = testOnlyOn(name, 'FileSystemStorage');

  async function setup(permissions?: WopiPermissions, userId = 'ada') {
    const fileId = await fx().addFile('report.docx', 'content');
    const app = createApp({ storage: fx().storage });
    const t = await app.token(fileId, permissions, userId);
    return { ...app, fileId, t };
  }

  async function userInfo(app: Parameters<typeof checkFileInfo>[0], fileId: string, t: string): Promise<unknown> {
    const res = await checkFileInfo(app, fileId, t);
    expect(res.status).toBe(200);
    return Object.prototype.hasOwnProperty.call(res.body, 'UserInfo') ? res.body.UserInfo : '<absent>';
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
    for (const body of ['a'.repeat(4097), '😀'.repeat(1024) + 'x', 'a'.repeat(65_536)]) {
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

  test('unknown file → 404, nothing stored', async () => {
    const { app, fileId, t, token } = await setup();
    const res = await putUserInfoReq(app, 'noSuchFile123', await token('noSuchFile123', { write: true }, 'ada'), 'x');
    expect(res.status).toBe(404);
    expect(await userInfo(app, fileId, t)).toBe('<absent>');
  });

  test('a deleted file → 404', async () => {
    const { app, fileId, t } = await setup();
    expect((await deleteReq(app, fileId, t)).status).toBe(200);
    expect((await putUserInfoReq(app, fileId, t, 'x')).status).toBe(404);
  });

  test('no token → 401; a token for another file → 401', async () => {
    const { app, fileId, t, token } = await setup();
    expect((await putUserInfoReq(app, fileId, undefined, 'x')).status).toBe(401);
    expect((await putUserInfoReq(app, fileId, await token('otherFile', { write: true }, 'ada'), 'x')).status).toBe(401);
    expect(await userInfo(app, fileId, t)).toBe('<absent>');
  });

  fsTest('FileSystemStorage keeps UserInfo on disk: a new instance on the same folder returns it', async () => {
    const { app, fileId, t } = await setup();
    expect((await putUserInfoReq(app, fileId, t, 'persisted é')).status).toBe(200);
    const again = createApp({ storage: new FileSystemStorage({ root: fx().root! }) });
    expect(await userInfo(again.app, fileId, t)).toBe('persisted é');
    // Never inside the served folder's listing.
    expect(await fx().names()).toEqual(['report.docx']);
  });
});
