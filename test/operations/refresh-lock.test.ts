import { STORAGES, useStorage } from '../helpers/ops-storages';
import { checkFileInfo, lockReq, refreshLockReq } from '../helpers/wopi-requests';
import { currentLock, expectConflict, expectNoLockHeader, expectNoToken } from '../helpers/wopi-assertions';
import { MINUTE } from '../helpers/fake-clock';
import { setupLockApp } from '../helpers/lock-app';

describe.each(STORAGES)('RefreshLock on %s', (_name, makeStorage) => {
  const fx = useStorage(makeStorage);

  async function lockedWith(lockId: string, options: { lockTtlMs?: number } = {}) {
    const s = await setupLockApp(fx(), options);
    expect((await lockReq(s.app, s.fileId, s.t, lockId)).status).toBe(200);
    return s;
  }

  describe('200', () => {
    test('same ID → 200 with ItemVersion = Version, no X-WOPI-Lock', async () => {
      const { app, fileId, t } = await lockedWith('LOCK-A');
      const res = await refreshLockReq(app, fileId, t, 'LOCK-A');
      expect(res.status).toBe(200);
      expectNoLockHeader(res);
      const info = await checkFileInfo(app, fileId, t);
      expect(res.headers['x-wopi-itemversion']).toBe(info.body.Version);
      expect(await currentLock(app, fileId, t)).toBe('LOCK-A');
    });

    test('resets the expiry to 30 minutes', async () => {
      const { app, fileId, t, clock } = await lockedWith('LOCK-A');
      clock.advance(29 * MINUTE);
      expect((await refreshLockReq(app, fileId, t, 'LOCK-A')).status).toBe(200);
      clock.advance(29 * MINUTE);
      expect(await currentLock(app, fileId, t)).toBe('LOCK-A');
      expect((await refreshLockReq(app, fileId, t, 'LOCK-A')).status).toBe(200);
      clock.advance(30 * MINUTE - 1);
      expect(await currentLock(app, fileId, t)).toBe('LOCK-A');
      clock.advance(1);
      expect(await currentLock(app, fileId, t)).toBe('');
    });

    test('uses a custom lockTtlMs', async () => {
      const { app, fileId, t, clock } = await lockedWith('LOCK-A', { lockTtlMs: 1_000 });
      clock.advance(900);
      expect((await refreshLockReq(app, fileId, t, 'LOCK-A')).status).toBe(200);
      clock.advance(999);
      expect(await currentLock(app, fileId, t)).toBe('LOCK-A');
      clock.advance(1);
      expect(await currentLock(app, fileId, t)).toBe('');
    });
  });

  describe('409', () => {
    test('unlocked → 409 with X-WOPI-Lock "", and RefreshLock does not create a lock', async () => {
      const { app, fileId, t } = await setupLockApp(fx());
      const res = await refreshLockReq(app, fileId, t, 'LOCK-A');
      expectConflict(res, '');
      expectNoToken(res, t);
      expect(await currentLock(app, fileId, t)).toBe('');
    });

    test('expired lock → 409 ""', async () => {
      const { app, fileId, t, clock } = await lockedWith('LOCK-A');
      clock.advance(30 * MINUTE);
      expectConflict(await refreshLockReq(app, fileId, t, 'LOCK-A'), '');
      expect(await currentLock(app, fileId, t)).toBe('');
    });

    test('mismatch → 409 with the current lock; the current lock is not refreshed', async () => {
      const { app, fileId, t, clock } = await lockedWith('LOCK-A');
      clock.advance(20 * MINUTE);
      const res = await refreshLockReq(app, fileId, t, 'LOCK-B');
      expectConflict(res, 'LOCK-A');
      expectNoToken(res, t);
      clock.advance(10 * MINUTE);
      expect(await currentLock(app, fileId, t)).toBe('');
    });
  });

  describe('400', () => {
    test('missing X-WOPI-Lock → 400', async () => {
      const { app, fileId, t } = await lockedWith('LOCK-A');
      const res = await refreshLockReq(app, fileId, t);
      expect(res.status).toBe(400);
      expectNoLockHeader(res);
      expectNoToken(res, t);
    });

    test('empty X-WOPI-Lock → 400', async () => {
      const { app, fileId, t } = await lockedWith('LOCK-A');
      expect((await refreshLockReq(app, fileId, t, '')).status).toBe(400);
      expect(await currentLock(app, fileId, t)).toBe('LOCK-A');
    });

    test('X-WOPI-Lock of 1025 characters → 400', async () => {
      const { app, fileId, t } = await lockedWith('LOCK-A');
      expect((await refreshLockReq(app, fileId, t, 'r'.repeat(1025))).status).toBe(400);
    });
  });

  describe('401', () => {
    // The 401 itself, and that the lock is kept, are in shared-failures.test.ts; this is about the expiry.
    test('read-only token → 401, expiry not reset', async () => {
      const { app, fileId, t, token, clock } = await lockedWith('LOCK-A');
      const ro = await token(fileId, { write: false });
      clock.advance(20 * MINUTE);
      const res = await refreshLockReq(app, fileId, ro, 'LOCK-A');
      expect(res.status).toBe(401);
      expectNoLockHeader(res);
      expectNoToken(res, ro);
      clock.advance(10 * MINUTE);
      expect(await currentLock(app, fileId, t)).toBe('');
    });
  });
});
