import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FileSystemStorage, type WopiPermissions } from '../../src';
import { createApp } from '../helpers/create-app';
import { STORAGES, testOnlyOn, useStorage } from '../helpers/ops-storages';
import { checkFileInfo, deleteReq, getFile, lockReq, putFile, unlockReq } from '../helpers/wopi-requests';
import { currentLock, expectConflict, expectNoLockHeader, expectNoToken } from '../helpers/wopi-assertions';

describe.each(STORAGES)('DeleteFile on %s', (name, makeStorage) => {
  const fx = useStorage(makeStorage);
  const fsTest = testOnlyOn(name, 'FileSystemStorage');

  async function setup(permissions?: WopiPermissions) {
    const fileId = await fx().addFile('report.docx', 'content');
    const app = createApp({ storage: fx().storage });
    const t = await app.token(fileId, permissions);
    return { ...app, fileId, t };
  }

  test('200, then CheckFileInfo and GetFile answer 404 with the same token; other files stay', async () => {
    const { app, fileId, t, token } = await setup();
    const otherId = await fx().addFile('other.docx', 'other');
    const res = await deleteReq(app, fileId, t);
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    expectNoLockHeader(res);
    expectNoToken(res, t);

    expect((await checkFileInfo(app, fileId, t)).status).toBe(404);
    expect((await getFile(app, fileId, t)).status).toBe(404);
    expect(await fx().names()).toEqual(['other.docx']);
    expect((await checkFileInfo(app, otherId, await token(otherId))).status).toBe(200);
  });

  test('every later operation on the deleted ID is 404, a second delete included', async () => {
    const { app, fileId, t } = await setup();
    expect((await deleteReq(app, fileId, t)).status).toBe(200);
    expect((await deleteReq(app, fileId, t)).status).toBe(404);
    expect((await lockReq(app, fileId, t, 'L')).status).toBe(404);
    expect((await putFile(app, fileId, t, 'resurrect')).status).toBe(404);
    expect(await fx().names()).toEqual([]);
  });

  test('an empty file can be deleted', async () => {
    const fileId = await fx().addFile('empty.txt', '');
    const { app, token } = createApp({ storage: fx().storage });
    expect((await deleteReq(app, fileId, await token(fileId))).status).toBe(200);
    expect(await fx().names()).toEqual([]);
  });

  describe('locks', () => {
    test.each([
      ['no', {}],
      ['a mismatching', { 'X-WOPI-Lock': 'OTHER' }],
      // WOPI: a locked file is not deleted, whoever holds the lock.
      ['the matching', { 'X-WOPI-Lock': 'LOCK-A' }],
    ] as Array<[string, Record<string, string>]>)(
      'locked, %s X-WOPI-Lock → 409 with the current lock, file still there',
      async (_label, headers) => {
        const { app, fileId, t } = await setup();
        expect((await lockReq(app, fileId, t, 'LOCK-A')).status).toBe(200);
        const res = await deleteReq(app, fileId, t, headers);
        expectConflict(res, 'LOCK-A');
        expectNoToken(res, t);
        expect((await checkFileInfo(app, fileId, t)).status).toBe(200);
        expect((await fx().content(fileId)).toString()).toBe('content');
        expect(await currentLock(app, fileId, t)).toBe('LOCK-A');
      },
    );

    test('once unlocked it can be deleted', async () => {
      const { app, fileId, t } = await setup();
      expect((await lockReq(app, fileId, t, 'LOCK-A')).status).toBe(200);
      expect((await unlockReq(app, fileId, t, 'LOCK-A')).status).toBe(200);
      expect((await deleteReq(app, fileId, t)).status).toBe(200);
      expect(await fx().names()).toEqual([]);
    });
  });

  describe('401', () => {
    test.each([['read-only with create and rename', { write: false, create: true, rename: true }]] as Array<[string, WopiPermissions]>)(
      'a %s user → 401, file still there',
      async (_label, permissions) => {
        const { app, fileId, t } = await setup(permissions);
        const res = await deleteReq(app, fileId, t);
        expect(res.status).toBe(401);
        expectNoToken(res, t);
        expect(await fx().names()).toEqual(['report.docx']);
      },
    );
  });

  test('a new file later added under the same name gets another ID; the old token does not open it', async () => {
    const { app, fileId, t, token } = await setup();
    expect((await deleteReq(app, fileId, t)).status).toBe(200);
    const newId = await fx().addFile('report.docx', 'NEW CONTENT');
    expect(newId).not.toBe(fileId);
    // The old token names the old ID: 404 there, 401 on the new ID.
    expect((await checkFileInfo(app, fileId, t)).status).toBe(404);
    expect((await checkFileInfo(app, newId, t)).status).toBe(401);
    const info = await checkFileInfo(app, newId, await token(newId));
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({ BaseFileName: 'report.docx', Size: 11 });
  });

  describe('FileSystemStorage on disk', () => {
    fsTest('the file is gone from disk and from list(); IDs are never reused, also by another storage instance', async () => {
      const { app, fileId, t } = await setup();
      const storage = fx().storage as FileSystemStorage;
      expect((await deleteReq(app, fileId, t)).status).toBe(200);
      expect(await fx().rawNames()).toEqual([]);
      expect(await storage.list()).toEqual([]);

      // Created behind the router's back at the same path, then discovered by list().
      await writeFile(path.join(fx().root!, 'report.docx'), 'NEW');
      const [entry] = await storage.list();
      expect(entry).toBeDefined();
      expect(entry!.path).toBe('report.docx');
      expect(entry!.fileId).not.toBe(fileId);
      await expect(storage.getFileInfo(fileId)).rejects.toMatchObject({ status: 404 });
      // A fresh instance on the same folder agrees.
      const again = new FileSystemStorage({ root: fx().root! });
      expect((await again.list()).map((e) => e.fileId)).toEqual([entry!.fileId]);
      await expect(again.getFileInfo(fileId)).rejects.toMatchObject({ status: 404 });
      expect((await checkFileInfo(app, entry!.fileId, t)).status).toBe(401);
    });

    fsTest('delete, recreate, delete, recreate: three different IDs', async () => {
      const { app, fileId, t, token } = await setup();
      expect((await deleteReq(app, fileId, t)).status).toBe(200);
      const second = await fx().addFile('report.docx', 'two');
      expect((await deleteReq(app, second, await token(second))).status).toBe(200);
      const third = await fx().addFile('report.docx', 'three');
      expect(new Set([fileId, second, third]).size).toBe(3);
      expect((await fx().content(third)).toString()).toBe('three');
    });
  });
});
