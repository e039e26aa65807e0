import { STORAGES, useStorage } from '../helpers/ops-storages';
import { checkFileInfo, getLockReq, lockReq, putFile, unlockReq } from '../helpers/wopi-requests';
import { currentLock, expectConflict, expectLockHeader, expectNoLockHeader, expectNoToken } from '../helpers/wopi-assertions';
import { MINUTE } from '../helpers/fake-clock';
import { setupLockApp } from '../helpers/lock-app';

describe.each(STORAGES)('Unlock on %s', (_name, makeStorage) => {
  const fx = useStorage(makeStorage);

  async function lockedWith(lockId: string) {
    const s = await setupLockApp(fx());
    expect((await lockReq(s.app, s.fileId, s.t, lockId)).status).toBe(200);
    return s;
  }

  describe('200', () => {
    test('match → 200 with ItemVersion = Version, no X-WOPI-Lock; then GetLock ""', async () => {
      const { app, fileId, t } = await lockedWith('LOCK-A');
      const res = await unlockReq(app, fileId, t, 'LOCK-A');
      expect(res.status).toBe(200);
      expectNoLockHeader(res);
      const info = await checkFileInfo(app, fileId, t);
      expect(res.headers['x-wopi-itemversion']).toBe(info.body.Version);
      const after = await getLockReq(app, fileId, t);
      expect(after.status).toBe(200);
      expectLockHeader(after, '');
    });

    test('after Unlock anyone may lock, and PutFile on the non-empty file is refused with ""', async () => {
      const { app, fileId, t } = await lockedWith('LOCK-A');
      expect((await unlockReq(app, fileId, t, 'LOCK-A')).status).toBe(200);
      expectConflict(await putFile(app, fileId, t, 'x', { 'X-WOPI-Lock': 'LOCK-A' }), '');
      expect((await lockReq(app, fileId, t, 'LOCK-B')).status).toBe(200);
      expect(await currentLock(app, fileId, t)).toBe('LOCK-B');
    });
  });

  describe('409', () => {
    test('unlocked → 409 with X-WOPI-Lock ""', async () => {
      const { app, fileId, t } = await setupLockApp(fx());
      const res = await unlockReq(app, fileId, t, 'LOCK-A');
      expectConflict(res, '');
      expectNoToken(res, t);
    });

    test('second Unlock → 409 ""', async () => {
      const { app, fileId, t } = await lockedWith('LOCK-A');
      expect((await unlockReq(app, fileId, t, 'LOCK-A')).status).toBe(200);
      expectConflict(await unlockReq(app, fileId, t, 'LOCK-A'), '');
    });

    test('expired lock → 409 ""', async () => {
      const { app, fileId, t, clock } = await lockedWith('LOCK-A');
      clock.advance(31 * MINUTE);
      expectConflict(await unlockReq(app, fileId, t, 'LOCK-A'), '');
    });

    test('mismatch → 409 with the current lock, and the lock is kept', async () => {
      const { app, fileId, t } = await lockedWith('LOCK-A');
      const res = await unlockReq(app, fileId, t, 'LOCK-B');
      expectConflict(res, 'LOCK-A');
      expectNoToken(res, t);
      expect(await currentLock(app, fileId, t)).toBe('LOCK-A');
    });

    test('JSON-looking lock IDs compared exactly', async () => {
      const json = '{"S":"abc","F":1}';
      const { app, fileId, t } = await lockedWith(json);
      expectConflict(await unlockReq(app, fileId, t, '{"F":1,"S":"abc"}'), json);
      expect(await currentLock(app, fileId, t)).toBe(json);
      expect((await unlockReq(app, fileId, t, json)).status).toBe(200);
    });
  });

  describe('400', () => {
    test('missing X-WOPI-Lock → 400, lock kept', async () => {
      const { app, fileId, t } = await lockedWith('LOCK-A');
      const res = await unlockReq(app, fileId, t);
      expect(res.status).toBe(400);
      expectNoLockHeader(res);
      expectNoToken(res, t);
      expect(await currentLock(app, fileId, t)).toBe('LOCK-A');
    });

    test('empty X-WOPI-Lock → 400, lock kept', async () => {
      const { app, fileId, t } = await lockedWith('LOCK-A');
      expect((await unlockReq(app, fileId, t, '')).status).toBe(400);
      expect(await currentLock(app, fileId, t)).toBe('LOCK-A');
    });

    test('X-WOPI-Lock of 1025 characters → 400', async () => {
      const { app, fileId, t } = await lockedWith('LOCK-A');
      expect((await unlockReq(app, fileId, t, 'u'.repeat(1025))).status).toBe(400);
      expect(await currentLock(app, fileId, t)).toBe('LOCK-A');
    });
  });
});
