import express from 'express';
import request from 'supertest';
import { createWopiRouter, JwtAuth, type WopiCheckFileInfoContext, type WopiPermissions, type WopiUserInfoStore } from '../../src';
import { createApp, TEST_SECRET } from '../helpers/create-app';
import { STORAGES, useStorage } from '../helpers/ops-storages';
import { binaryParser, checkFileInfo, fileUrl, putUserInfoReq } from '../helpers/wopi-requests';
import { expectNoToken } from '../helpers/wopi-assertions';

const ISO_8601_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

describe.each(STORAGES)('CheckFileInfo on %s', (_name, makeStorage) => {
  const fx = useStorage(makeStorage);

  describe('200', () => {
    test('answers the required and recommended properties for a writable token', async () => {
      const fileId = await fx().addFile('report.docx', 'hello world');
      const { app, token } = createApp({ storage: fx().storage });
      const res = await checkFileInfo(app, fileId, await token(fileId));

      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const info = res.body as Record<string, unknown>;
      expect(info.BaseFileName).toBe('report.docx');
      expect(typeof info.OwnerId).toBe('string');
      expect(info.OwnerId).not.toBe('');
      expect(info.Size).toBe(11);
      expect(info.UserId).toBe('u1');
      expect(typeof info.Version).toBe('string');
      expect(info.Version).not.toBe('');
      expect(info.UserFriendlyName).toBe('Ada');
      expect(info.LastModifiedTime).toMatch(ISO_8601_UTC);
      expect(Number.isNaN(Date.parse(info.LastModifiedTime as string))).toBe(false);
      expect(info.FileExtension).toBe('.docx');
      expect(info.UserCanWrite).toBe(true);
      expect(info.ReadOnly).toBe(false);
    });

    test('Version equals the X-WOPI-ItemVersion of GetFile', async () => {
      const fileId = await fx().addFile('a.txt', 'abc');
      const { app, token } = createApp({ storage: fx().storage });
      const t = await token(fileId);
      const info = await checkFileInfo(app, fileId, t);
      const contents = await request(app)
        .get(`${fileUrl(fileId)}/contents`)
        .query({ access_token: t });
      expect(contents.status).toBe(200);
      expect(contents.headers['x-wopi-itemversion']).toBe(info.body.Version);
    });

    test('a read-only token gives UserCanWrite false and ReadOnly true', async () => {
      const fileId = await fx().addFile('report.docx', 'hello');
      const { app, token } = createApp({ storage: fx().storage });
      const res = await checkFileInfo(app, fileId, await token(fileId, { write: false }, 'reader'));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ UserId: 'reader', UserCanWrite: false, ReadOnly: true });
    });

    test('reports the Supports* flags of this release (built-in storage + JwtAuth + a userInfo store support every optional operation)', async () => {
      const fileId = await fx().addFile('report.docx', 'hello');
      const { app, token } = createApp({ storage: fx().storage, userInfo: fx().userInfo });
      const res = await checkFileInfo(app, fileId, await token(fileId));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        SupportsLocks: true,
        SupportsGetLock: true,
        SupportsExtendedLockLength: true,
        SupportsUpdate: true,
        SupportsRename: true,
        SupportsDeleteFile: true,
        SupportsUserInfo: true,
        UserCanNotWriteRelative: false,
        UserCanRename: true,
      });
      // No UserInfo until PutUserInfo stored one; no host URLs without the hostUrls option.
      expect(res.body).not.toHaveProperty('UserInfo');
      expect(res.body).not.toHaveProperty('HostViewUrl');
      expect(res.body).not.toHaveProperty('HostEditUrl');
    });

    test.each([
      ['writer', { write: true }, { UserCanWrite: true, UserCanRename: true, UserCanNotWriteRelative: false }],
      [
        'writer that may not rename',
        { write: true, rename: false },
        { UserCanWrite: true, UserCanRename: false, UserCanNotWriteRelative: false },
      ],
      [
        'writer that may not create',
        { write: true, create: false },
        { UserCanWrite: true, UserCanRename: true, UserCanNotWriteRelative: true },
      ],
      [
        'writer with explicit rename and create',
        { write: true, rename: true, create: true },
        { UserCanWrite: true, UserCanRename: true, UserCanNotWriteRelative: false },
      ],
      ['read-only', { write: false }, { UserCanWrite: false, UserCanRename: false, UserCanNotWriteRelative: true }],
      // rename needs write access whatever the rename flag says; create stands on its own.
      [
        'read-only with rename: true',
        { write: false, rename: true },
        { UserCanWrite: false, UserCanRename: false, UserCanNotWriteRelative: true },
      ],
      [
        'read-only with create: true',
        { write: false, create: true },
        { UserCanWrite: false, UserCanRename: false, UserCanNotWriteRelative: false },
      ],
    ] as Array<[string, WopiPermissions, Record<string, boolean>]>)('permission flags for a %s', async (_label, permissions, expected) => {
      const fileId = await fx().addFile('report.docx', 'hello');
      const { app, token } = createApp({ storage: fx().storage, userInfo: fx().userInfo });
      const res = await checkFileInfo(app, fileId, await token(fileId, permissions));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ ...expected, SupportsRename: true, SupportsDeleteFile: true, SupportsUserInfo: true });
    });

    test('a file without extension has FileExtension ""', async () => {
      const fileId = await fx().addFile('README', 'x');
      const { app, token } = createApp({ storage: fx().storage });
      const res = await checkFileInfo(app, fileId, await token(fileId));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ BaseFileName: 'README', FileExtension: '', Size: 1 });
    });

    test('an empty file reports Size 0', async () => {
      const fileId = await fx().addFile('empty.xlsx', '');
      const { app, token } = createApp({ storage: fx().storage });
      const res = await checkFileInfo(app, fileId, await token(fileId));
      expect(res.status).toBe(200);
      expect(res.body.Size).toBe(0);
    });

    test('the access token may come in an Authorization: Bearer header', async () => {
      const fileId = await fx().addFile('report.docx', 'hello');
      const { app, token } = createApp({ storage: fx().storage });
      const res = await request(app)
        .get(fileUrl(fileId))
        .set('Authorization', `Bearer ${await token(fileId)}`);
      expect(res.status).toBe(200);
      expect(res.body.BaseFileName).toBe('report.docx');
    });
  });

  describe('checkFileInfo hook', () => {
    test('adds and overrides properties and receives fileId, file and user', async () => {
      const fileId = await fx().addFile('report.docx', 'hello');
      const calls: WopiCheckFileInfoContext[] = [];
      const { app, token } = createApp({
        storage: fx().storage,
        checkFileInfo: (ctx) => {
          calls.push(ctx);
          return {
            PostMessageOrigin: 'https://host.example',
            BreadcrumbBrandName: 'Acme',
            BaseFileName: 'shown.docx',
            UserCanNotWriteRelative: false,
          };
        },
      });
      const res = await checkFileInfo(app, fileId, await token(fileId, { write: true }, 'u7'));

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        PostMessageOrigin: 'https://host.example',
        BreadcrumbBrandName: 'Acme',
        BaseFileName: 'shown.docx',
        UserCanNotWriteRelative: false,
        UserId: 'u7',
        Size: 5,
      });
      expect(calls).toHaveLength(1);
      const ctx = calls[0]!;
      expect(ctx.fileId).toBe(fileId);
      expect(ctx.file).toMatchObject({ name: 'report.docx', size: 5, version: res.body.Version });
      expect(ctx.file.lastModifiedTime).toBeInstanceOf(Date);
      expect(ctx.user).toEqual({ userId: 'u7', userFriendlyName: 'Ada', permissions: { write: true }, accessTokenTtl: expect.any(Number) });
      expect(ctx.req.method).toBe('GET');
    });

    test('an async hook works', async () => {
      const fileId = await fx().addFile('report.docx', 'hello');
      const { app, token } = createApp({
        storage: fx().storage,
        checkFileInfo: async ({ user }) => {
          await new Promise((r) => setTimeout(r, 5));
          return { UserFriendlyName: `${user.userId} (async)`, HostEditUrl: 'https://host.example/edit' };
        },
      });
      const res = await checkFileInfo(app, fileId, await token(fileId));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        UserFriendlyName: 'u1 (async)',
        HostEditUrl: 'https://host.example/edit',
        BaseFileName: 'report.docx',
      });
    });

    test('a hook returning undefined changes nothing', async () => {
      const fileId = await fx().addFile('report.docx', 'hello');
      const plain = createApp({ storage: fx().storage });
      const hooked = createApp({ storage: fx().storage, checkFileInfo: () => undefined });
      const a = await checkFileInfo(plain.app, fileId, await plain.token(fileId));
      const b = await checkFileInfo(hooked.app, fileId, await hooked.token(fileId));
      expect(b.status).toBe(200);
      expect(b.body).toEqual(a.body);
    });

    test('a hook that throws gives a generic 500', async () => {
      const fileId = await fx().addFile('report.docx', 'hello');
      const { app, token } = createApp({
        storage: fx().storage,
        checkFileInfo: () => {
          throw new Error('hook exploded: SECRET-HOOK-DETAIL');
        },
      });
      const t = await token(fileId);
      const res = await checkFileInfo(app, fileId, t);
      expect(res.status).toBe(500);
      expect(res.text).toBe('Internal Server Error');
      expectNoToken(res, t);
    });
  });

  describe('UserInfo', () => {
    test('absent until PutUserInfo, then present for that user only, on every file', async () => {
      const fileId = await fx().addFile('report.docx', 'hello');
      const otherFile = await fx().addFile('other.docx', 'other');
      const { app, token } = createApp({ storage: fx().storage, userInfo: fx().userInfo });
      const ada = await token(fileId, { write: true }, 'ada');
      const bob = await token(fileId, { write: true }, 'bob');
      expect((await checkFileInfo(app, fileId, ada)).body).not.toHaveProperty('UserInfo');

      expect((await putUserInfoReq(app, fileId, ada, '{"theme":"dark"}')).status).toBe(200);
      expect((await checkFileInfo(app, fileId, ada)).body.UserInfo).toBe('{"theme":"dark"}');
      // UserInfo belongs to the user, not to the file.
      expect((await checkFileInfo(app, otherFile, await token(otherFile, { write: false }, 'ada'))).body.UserInfo).toBe('{"theme":"dark"}');
      expect((await checkFileInfo(app, fileId, bob)).body).not.toHaveProperty('UserInfo');
    });
  });

  describe('hostUrls option', () => {
    test('sets HostViewUrl and HostEditUrl and is told the request, file, name and user', async () => {
      const fileId = await fx().addFile('report.docx', 'hello');
      const calls: Array<{ fileId: string; name: string; userId: string; method: string }> = [];
      const { app, token } = createApp({
        storage: fx().storage,
        hostUrls: ({ req, fileId: id, name, user }) => {
          calls.push({ fileId: id, name, userId: user.userId, method: req.method });
          return { HostViewUrl: `https://host.example/view/${id}`, HostEditUrl: `https://host.example/edit/${id}` };
        },
      });
      const res = await checkFileInfo(app, fileId, await token(fileId, { write: true }, 'u9'));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        HostViewUrl: `https://host.example/view/${fileId}`,
        HostEditUrl: `https://host.example/edit/${fileId}`,
      });
      expect(calls).toEqual([{ fileId, name: 'report.docx', userId: 'u9', method: 'GET' }]);
    });

    test('an async hook works; returning undefined or a partial object sets only what it returns', async () => {
      const fileId = await fx().addFile('report.docx', 'hello');
      const partial = createApp({ storage: fx().storage, hostUrls: async () => ({ HostEditUrl: 'https://host.example/e' }) });
      const a = await checkFileInfo(partial.app, fileId, await partial.token(fileId));
      expect(a.body.HostEditUrl).toBe('https://host.example/e');
      expect(a.body).not.toHaveProperty('HostViewUrl');
      const none = createApp({ storage: fx().storage, hostUrls: () => undefined });
      const b = await checkFileInfo(none.app, fileId, await none.token(fileId));
      expect(b.status).toBe(200);
      expect(b.body).not.toHaveProperty('HostViewUrl');
      expect(b.body).not.toHaveProperty('HostEditUrl');
    });

    test('the checkFileInfo hook overrides them', async () => {
      const fileId = await fx().addFile('report.docx', 'hello');
      const { app, token } = createApp({
        storage: fx().storage,
        hostUrls: () => ({ HostViewUrl: 'https://host.example/view', HostEditUrl: 'https://host.example/edit' }),
        checkFileInfo: () => ({ HostEditUrl: 'https://hook.example/edit' }),
      });
      const res = await checkFileInfo(app, fileId, await token(fileId));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ HostViewUrl: 'https://host.example/view', HostEditUrl: 'https://hook.example/edit' });
    });

    test('a hostUrls hook that throws gives a generic 500', async () => {
      const fileId = await fx().addFile('report.docx', 'hello');
      const { app, token } = createApp({
        storage: fx().storage,
        hostUrls: () => {
          throw new Error('SECRET-HOSTURLS-DETAIL');
        },
      });
      const res = await checkFileInfo(app, fileId, await token(fileId));
      expect(res.status).toBe(500);
      expect(res.text).toBe('Internal Server Error');
    });
  });

  describe('500', () => {
    test('user info is read alongside the file, but an unknown file is still 404 when it fails', async () => {
      const failing: WopiUserInfoStore = {
        putUserInfo: async () => undefined,
        getUserInfo: () => {
          throw new Error('user store down'); // synchronously, the worst way
        },
      };
      const fileId = await fx().addFile('report.docx', 'hello');
      const { app, token } = createApp({ storage: fx().storage, userInfo: failing });
      const unknown = await checkFileInfo(app, 'no-such-file', await token('no-such-file'));
      expect(unknown.status).toBe(404);
      const known = await checkFileInfo(app, fileId, await token(fileId));
      expect(known.status).toBe(500);
      expect(known.text).toBe('Internal Server Error');
    });
  });

  describe('mounting', () => {
    test('works under a different mount path', async () => {
      const fileId = await fx().addFile('report.docx', 'hello');
      const { app, token } = createApp({ storage: fx().storage, mountPath: '/some/where/wopi' });
      const res = await request(app)
        .get(fileUrl(fileId, '/some/where/wopi'))
        .query({ access_token: await token(fileId) });
      expect(res.status).toBe(200);
      expect(res.body.BaseFileName).toBe('report.docx');
      expect(
        (
          await request(app)
            .get(fileUrl(fileId))
            .query({ access_token: await token(fileId) })
        ).status,
      ).toBe(404);
    });

    test('works below a parent router mounted with app.use', async () => {
      const fileId = await fx().addFile('report.docx', 'hello');
      const auth = new JwtAuth({ secret: TEST_SECRET });
      const parent = express.Router();
      parent.use('/wopi', createWopiRouter({ storage: fx().storage, auth }));
      const app = express();
      app.use('/api/v1', parent);
      const t = (await auth.issueToken({ fileId, userId: 'u1', permissions: { write: true } })).accessToken;
      const res = await request(app).get(fileUrl(fileId, '/api/v1/wopi')).query({ access_token: t });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ BaseFileName: 'report.docx', UserId: 'u1' });
      const contents = await request(app)
        .get(`${fileUrl(fileId, '/api/v1/wopi')}/contents`)
        .query({ access_token: t })
        .buffer(true)
        .parse(binaryParser);
      expect(contents.status).toBe(200);
      expect(contents.body).toEqual(Buffer.from('hello'));
    });
  });
});
