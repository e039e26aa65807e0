/**
 * Every file event, through the router, on MemoryStorage and FileSystemStorage: what each
 * successful change emits (saved, created, renamed, deleted, locked, lockRefreshed, unlocked), the
 * lockConflict of each refused request, and nothing for a request that changed nothing.
 */
import type { WopiRouterOptions } from '../../src';
import { encodeUtf7 } from '../../src/protocol/utf7';
import { createApp } from '../helpers/create-app';
import { STORAGES, useStorage } from '../helpers/ops-storages';
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
import { recorder } from './recorder';

const USER = { userId: 'u1', userFriendlyName: 'Ada', permissions: { write: true } };

describe.each(STORAGES)('file events on %s', (_name, makeStorage) => {
  const fx = useStorage(makeStorage);

  /** `report.docx` holding `content`, an app whose events go to a recorder, and a writable token. */
  async function setup(options: Partial<WopiRouterOptions> = {}, content = 'content') {
    const rec = recorder();
    const fileId = await fx().addFile('report.docx', content);
    const app = createApp({ storage: fx().storage, events: rec.listeners, ...options });
    const t = await app.token(fileId);
    return { ...app, rec, fileId, t };
  }

  describe('changes', () => {
    test('Lock, RefreshLock, UnlockAndRelock, Unlock: locked, lockRefreshed, locked (with the old lock), unlocked', async () => {
      const { app, rec, fileId, t } = await setup();
      expect((await lockReq(app, fileId, t, 'A')).status).toBe(200);
      expect((await refreshLockReq(app, fileId, t, 'A')).status).toBe(200);
      expect((await relockReq(app, fileId, t, 'A', 'B')).status).toBe(200);
      expect((await unlockReq(app, fileId, t, 'B')).status).toBe(200);
      expect(rec.summary()).toEqual(['locked Lock', 'lockRefreshed RefreshLock', 'locked UnlockAndRelock', 'unlocked Unlock']);
      const [locked, refreshed, relocked, unlocked] = rec.events;
      expect(locked).toEqual({
        type: 'locked',
        operation: 'Lock',
        fileId,
        lockId: 'A',
        time: expect.any(Date),
        requestId: expect.any(String),
        user: USER,
      });
      expect(refreshed).toMatchObject({ type: 'lockRefreshed', fileId, lockId: 'A' });
      expect(relocked).toMatchObject({ type: 'locked', fileId, lockId: 'B', previousLockId: 'A' });
      expect(unlocked).toMatchObject({ type: 'unlocked', fileId, lockId: 'B' });
      // Each request has its own id; the times follow the order of the requests.
      expect(new Set(rec.events.map((e) => e.requestId)).size).toBe(4);
      const times = rec.events.map((e) => e.time.getTime());
      expect([...times].sort((a, b) => a - b)).toEqual(times);
    });

    test('Lock again with the lock the file has (a keep-alive): locked again', async () => {
      const { app, rec, fileId, t } = await setup();
      await lockReq(app, fileId, t, 'A');
      await lockReq(app, fileId, t, 'A');
      expect(rec.summary()).toEqual(['locked Lock', 'locked Lock']);
    });

    test('PutFile: saved with the new version, the size, the editors and the save flags', async () => {
      const { app, rec, fileId, t } = await setup();
      await lockReq(app, fileId, t, 'A');
      const res = await putFile(app, fileId, t, 'new content', {
        'X-WOPI-Lock': 'A',
        'X-WOPI-Editors': 'u1,u2',
        'X-LOOL-WOPI-IsModifiedByUser': 'true',
        'X-LOOL-WOPI-IsAutosave': 'false',
        'X-LOOL-WOPI-IsExitSave': 'true',
      });
      expect(res.status).toBe(200);
      const [saved, ...rest] = rec.of('saved');
      expect(rest).toEqual([]);
      expect(saved).toEqual({
        type: 'saved',
        operation: 'PutFile',
        fileId,
        file: expect.objectContaining({ name: 'report.docx', size: 11, version: res.headers['x-wopi-itemversion'] }),
        save: { userId: 'u1', lockId: 'A', editors: ['u1', 'u2'], isModifiedByUser: true, isAutosave: false, isExitSave: true },
        time: expect.any(Date),
        requestId: expect.any(String),
        user: USER,
      });
      expect(saved!.file.lastModifiedTime).toBeInstanceOf(Date);
      // Collabora's spelling, autosave.
      await putFile(app, fileId, t, 'again', { 'X-WOPI-Lock': 'A', 'X-COOL-WOPI-IsAutosave': 'true' });
      expect(rec.of('saved')[1]!.save).toEqual({ userId: 'u1', lockId: 'A', editors: [], isAutosave: true });
    });

    test('PutFile on an empty unlocked file (a new document): saved without a lock', async () => {
      const { app, rec, fileId, t } = await setup({}, '');
      expect((await putFile(app, fileId, t, 'first')).status).toBe(200);
      expect(rec.summary()).toEqual(['saved PutFile']);
      expect(rec.of('saved')[0]!.save).toEqual({ userId: 'u1', editors: [] });
    });

    test('PutRelativeFile to a new name: created, with the file it was saved from', async () => {
      const { app, rec, fileId, t } = await setup();
      const res = await putRelativeReq(app, fileId, t, 'copy!', { 'X-WOPI-SuggestedTarget': '.pdf', 'X-WOPI-FileConversion': 'true' });
      expect(res.status).toBe(200);
      expect(rec.summary()).toEqual(['created PutRelativeFile']);
      const created = rec.of('created')[0]!;
      expect(created).toMatchObject({
        fileId: expect.any(String),
        sourceFileId: fileId,
        file: { name: 'report.pdf', size: 5 },
        save: { userId: 'u1', editors: [], fileConversion: true },
      });
      expect(created.fileId).not.toBe(fileId);
      expect(created.containerId).toBeUndefined();
    });

    test('PutRelativeFile over a taken name (OverwriteRelativeTarget): saved on the file it replaced', async () => {
      const { app, rec, fileId, t } = await setup();
      const existing = await fx().addFile('other.docx', 'old');
      const res = await putRelativeReq(app, fileId, t, 'replaced', {
        'X-WOPI-RelativeTarget': encodeUtf7('other.docx'),
        'X-WOPI-OverwriteRelativeTarget': 'true',
      });
      expect(res.status).toBe(200);
      expect(rec.summary()).toEqual(['saved PutRelativeFile']);
      expect(rec.of('saved')[0]).toMatchObject({ fileId: existing, sourceFileId: fileId, file: { name: 'other.docx', size: 8 } });
    });

    test('RenameFile: renamed with the new and the previous name', async () => {
      const { app, rec, fileId, t } = await setup();
      expect((await renameReq(app, fileId, t, encodeUtf7('Q3 report'))).status).toBe(200);
      expect(rec.summary()).toEqual(['renamed RenameFile']);
      expect(rec.of('renamed')[0]).toMatchObject({ fileId, name: 'Q3 report.docx', previousName: 'report.docx' });
    });

    test('DeleteFile: deleted with the name it had', async () => {
      const { app, rec, fileId, t } = await setup();
      expect((await deleteReq(app, fileId, t)).status).toBe(200);
      expect(rec.summary()).toEqual(['deleted DeleteFile']);
      expect(rec.of('deleted')[0]).toMatchObject({ fileId, name: 'report.docx' });
    });

    test('reading (CheckFileInfo, GetFile, GetLock) emits nothing', async () => {
      const { app, rec, fileId, t } = await setup();
      expect((await checkFileInfo(app, fileId, t)).status).toBe(200);
      expect((await getFile(app, fileId, t)).status).toBe(200);
      expect((await getLockReq(app, fileId, t)).status).toBe(200);
      expect(rec.events).toEqual([]);
    });

    test('a request refused before the change (401, 404, 400) emits nothing', async () => {
      const { app, rec, fileId, t, token } = await setup();
      const reader = await token(fileId, { write: false });
      expect((await lockReq(app, fileId, reader, 'A')).status).toBe(401);
      expect((await lockReq(app, 'no-such-file', t, 'A')).status).toBe(401);
      expect((await lockReq(app, fileId, t)).status).toBe(400);
      expect(rec.events).toEqual([]);
    });

    test("Collabora's stale timestamp (409 COOLStatusCode 1010) is not a lock conflict: no event", async () => {
      const { app, rec, fileId, t } = await setup();
      await lockReq(app, fileId, t, 'A');
      const res = await putFile(app, fileId, t, 'x', { 'X-WOPI-Lock': 'A', 'X-COOL-WOPI-Timestamp': '2001-01-01T00:00:00Z' });
      expect(res.status).toBe(409);
      expect(res.body).toEqual({ COOLStatusCode: 1010 });
      expect(rec.summary()).toEqual(['locked Lock']);
    });
  });

  describe('lockConflict', () => {
    /** The app with `report.docx` locked with `A`, events recorded from then on. */
    async function locked(content = 'content') {
      const s = await setup({}, content);
      expect((await lockReq(s.app, s.fileId, s.t, 'A')).status).toBe(200);
      s.rec.events.length = 0;
      return s;
    }

    test.each([
      ['Lock', 'B', 'A', 'File is locked with a different lock ID'],
      ['RefreshLock', 'B', 'A', 'File is locked with a different lock ID'],
      ['Unlock', 'B', 'A', 'File is locked with a different lock ID'],
      ['UnlockAndRelock', 'B', 'A', 'File is locked with a different lock ID'],
    ])('%s with another lock: requested %s, current %s', async (operation, requested, current, reason) => {
      const { app, rec, fileId, t } = await locked();
      const send = {
        Lock: () => lockReq(app, fileId, t, requested),
        RefreshLock: () => refreshLockReq(app, fileId, t, requested),
        Unlock: () => unlockReq(app, fileId, t, requested),
        UnlockAndRelock: () => relockReq(app, fileId, t, requested, 'C'),
      }[operation]!;
      const res = await send();
      expect(res.status).toBe(409);
      expect(rec.events).toEqual([
        {
          type: 'lockConflict',
          operation,
          fileId,
          requestedLockId: requested,
          currentLockId: current,
          reason,
          time: expect.any(Date),
          requestId: expect.any(String),
          user: USER,
        },
      ]);
      expect(res.headers['x-wopi-lockfailurereason']).toBe(reason);
    });

    test('RefreshLock and Unlock on an unlocked file: current lock null', async () => {
      const { app, rec, fileId, t } = await setup();
      expect((await refreshLockReq(app, fileId, t, 'A')).status).toBe(409);
      expect((await unlockReq(app, fileId, t, 'A')).status).toBe(409);
      expect(rec.events.map((e) => [e.type, e.operation, 'currentLockId' in e && e.currentLockId])).toEqual([
        ['lockConflict', 'RefreshLock', null],
        ['lockConflict', 'Unlock', null],
      ]);
      expect(rec.of('lockConflict')[0]).toMatchObject({ requestedLockId: 'A', reason: 'File is not locked' });
    });

    test('PutFile with another lock, and without one on a locked file', async () => {
      const { app, rec, fileId, t } = await locked();
      expect((await putFile(app, fileId, t, 'x', { 'X-WOPI-Lock': 'B' })).status).toBe(409);
      expect((await putFile(app, fileId, t, 'x')).status).toBe(409);
      expect(rec.of('lockConflict').map((e) => [e.operation, e.requestedLockId, e.currentLockId])).toEqual([
        ['PutFile', 'B', 'A'],
        ['PutFile', null, 'A'],
      ]);
      expect(rec.of('saved')).toEqual([]);
    });

    test('PutFile on an unlocked file that is not empty', async () => {
      const { app, rec, fileId, t } = await setup();
      expect((await putFile(app, fileId, t, 'x')).status).toBe(409);
      expect(rec.events).toMatchObject([
        {
          type: 'lockConflict',
          operation: 'PutFile',
          requestedLockId: null,
          currentLockId: null,
          reason: 'File is not locked and is not empty',
        },
      ]);
    });

    test('RenameFile and DeleteFile on a locked file', async () => {
      const { app, rec, fileId, t } = await locked();
      expect((await renameReq(app, fileId, t, 'x', { 'X-WOPI-Lock': 'B' })).status).toBe(409);
      expect((await deleteReq(app, fileId, t)).status).toBe(409);
      expect(rec.events.map((e) => e.operation)).toEqual(['RenameFile', 'DeleteFile']);
      expect(rec.of('lockConflict').map((e) => [e.requestedLockId, e.currentLockId, e.reason])).toEqual([
        ['B', 'A', 'File is locked with a different lock ID'],
        [null, 'A', 'File is locked'],
      ]);
    });

    test('PutRelativeFile with another lock on the original, and over a locked target', async () => {
      const { app, rec, fileId, t, token } = await locked();
      const target = await fx().addFile('target.docx', 'old');
      expect((await lockReq(app, target, await token(target), 'T')).status).toBe(200);
      rec.events.length = 0;
      expect((await putRelativeReq(app, fileId, t, 'x', { 'X-WOPI-SuggestedTarget': '.pdf', 'X-WOPI-Lock': 'B' })).status).toBe(409);
      const over = await putRelativeReq(app, fileId, t, 'x', {
        'X-WOPI-RelativeTarget': encodeUtf7('target.docx'),
        'X-WOPI-OverwriteRelativeTarget': 'true',
      });
      expect(over.status).toBe(409);
      expect(rec.of('lockConflict').map((e) => [e.operation, e.fileId, e.requestedLockId, e.currentLockId])).toEqual([
        ['PutRelativeFile', fileId, 'B', 'A'],
        ['PutRelativeFile', target, null, 'T'],
      ]);
      expect(rec.of('created')).toEqual([]);
    });

    test('a taken name without overwrite is a 409 but no lock conflict', async () => {
      const { app, rec, fileId, t } = await setup();
      await fx().addFile('taken.docx', 'x');
      expect((await putRelativeReq(app, fileId, t, 'x', { 'X-WOPI-RelativeTarget': encodeUtf7('taken.docx') })).status).toBe(409);
      expect(rec.events).toEqual([]);
    });
  });
});
