import { STORAGES, useStorage } from '../helpers/ops-storages';
import { checkFileInfo, lockReq, relockReq, unlockReq } from '../helpers/wopi-requests';
import { currentLock, expectConflict, expectNoLockHeader, expectNoToken } from '../helpers/wopi-assertions';
import { MINUTE } from '../helpers/fake-clock';
import { setupLockApp } from '../helpers/lock-app';

describe.each(STORAGES)('UnlockAndRelock on %s', (_name, makeStorage) => {
  const fx = useStorage(makeStorage);

  async function lockedWith(lockId: string) {
    const s = await setupLockApp(fx());
    expect((await lockReq(s.app, s.fileId, s.t, lockId)).status).toBe(200);
    return s;
  }

  describe('200', () => {
    test('old lock matches → 200 with ItemVersion, no X-WOPI-Lock; the lock is replaced', async () => {
      const { app, fileId, t } = await lockedWith('OLD');
      const res = await relockReq(app, fileId, t, 'OLD', 'NEW');
      expect(res.status).toBe(200);
      expectNoLockHeader(res);
      const info = await checkFileInfo(app, fileId, t);
      expect(res.headers['x-wopi-itemversion']).toBe(info.body.Version);
      expect(await currentLock(app, fileId, t)).toBe('NEW');
      // The old lock no longer works…
      const unlockOld = await unlockReq(app, fileId, t, 'OLD');
      expectConflict(unlockOld, 'NEW');
      expect(await currentLock(app, fileId, t)).toBe('NEW');
      // …and the new one does.
      expect((await unlockReq(app, fileId, t, 'NEW')).status).toBe(200);
      expect(await currentLock(app, fileId, t)).toBe('');
    });

    test('relock to the same ID → 200', async () => {
      const { app, fileId, t } = await lockedWith('SAME');
      expect((await relockReq(app, fileId, t, 'SAME', 'SAME')).status).toBe(200);
      expect(await currentLock(app, fileId, t)).toBe('SAME');
    });

    test('relock gives a fresh 30-minute expiry', async () => {
      const { app, fileId, t, clock } = await lockedWith('OLD');
      clock.advance(25 * MINUTE);
      expect((await relockReq(app, fileId, t, 'OLD', 'NEW')).status).toBe(200);
      clock.advance(25 * MINUTE); // 50 min after the first lock: the old expiry has passed
      expect(await currentLock(app, fileId, t)).toBe('NEW');
      clock.advance(4 * MINUTE + 59_999); // 29:59.999 after the relock
      expect(await currentLock(app, fileId, t)).toBe('NEW');
      clock.advance(1); // 30:00 after the relock
      expect(await currentLock(app, fileId, t)).toBe('');
    });

    test('1024-character lock IDs on both sides work', async () => {
      const oldId = 'o'.repeat(1024);
      const newId = 'n'.repeat(1024);
      const { app, fileId, t } = await lockedWith(oldId);
      expect((await relockReq(app, fileId, t, oldId, newId)).status).toBe(200);
      expect(await currentLock(app, fileId, t)).toBe(newId);
    });
  });

  describe('409', () => {
    test('unlocked → 409 with X-WOPI-Lock "" and still unlocked', async () => {
      const { app, fileId, t } = await setupLockApp(fx());
      const res = await relockReq(app, fileId, t, 'OLD', 'NEW');
      expectConflict(res, '');
      expectNoToken(res, t);
      expect(await currentLock(app, fileId, t)).toBe('');
    });

    test('locked with another lock → 409 with the current lock, which is kept', async () => {
      const { app, fileId, t } = await lockedWith('CURRENT');
      const res = await relockReq(app, fileId, t, 'OLD', 'NEW');
      expectConflict(res, 'CURRENT');
      expectNoToken(res, t);
      expect(await currentLock(app, fileId, t)).toBe('CURRENT');
    });

    test('expired old lock → 409 ""', async () => {
      const { app, fileId, t, clock } = await lockedWith('OLD');
      clock.advance(31 * MINUTE);
      expectConflict(await relockReq(app, fileId, t, 'OLD', 'NEW'), '');
      expect(await currentLock(app, fileId, t)).toBe('');
    });

    test('JSON-looking old lock compared exactly', async () => {
      const json = '{"S":"abc","F":1}';
      const { app, fileId, t } = await lockedWith(json);
      expectConflict(await relockReq(app, fileId, t, '{"F":1,"S":"abc"}', 'NEW'), json);
      expect(await currentLock(app, fileId, t)).toBe(json);
    });
  });

  describe('400', () => {
    test('missing new X-WOPI-Lock → 400, lock unchanged', async () => {
      const { app, fileId, t } = await lockedWith('OLD');
      const res = await relockReq(app, fileId, t, 'OLD', undefined);
      expect(res.status).toBe(400);
      expectNoToken(res, t);
      expect(await currentLock(app, fileId, t)).toBe('OLD');
    });

    test('empty new X-WOPI-Lock → 400', async () => {
      const { app, fileId, t } = await lockedWith('OLD');
      expect((await relockReq(app, fileId, t, 'OLD', '')).status).toBe(400);
      expect(await currentLock(app, fileId, t)).toBe('OLD');
    });

    test('empty X-WOPI-OldLock → 400 (not a plain Lock)', async () => {
      const { app, fileId, t } = await setupLockApp(fx());
      const res = await relockReq(app, fileId, t, '', 'NEW');
      expect(res.status).toBe(400);
      expect(await currentLock(app, fileId, t)).toBe('');
    });

    test('X-WOPI-OldLock longer than 1024 characters → 400', async () => {
      const { app, fileId, t } = await lockedWith('OLD');
      expect((await relockReq(app, fileId, t, 'o'.repeat(1025), 'NEW')).status).toBe(400);
      expect(await currentLock(app, fileId, t)).toBe('OLD');
    });

    test('new X-WOPI-Lock longer than 1024 characters → 400', async () => {
      const { app, fileId, t } = await lockedWith('OLD');
      expect((await relockReq(app, fileId, t, 'OLD', 'n'.repeat(1025))).status).toBe(400);
      expect(await currentLock(app, fileId, t)).toBe('OLD');
    });
  });
});
