import { STORAGES, useStorage } from '../helpers/ops-storages';
import { getLockReq, lockReq } from '../helpers/wopi-requests';
import { expectLockHeader } from '../helpers/wopi-assertions';
import { MINUTE } from '../helpers/fake-clock';
import { setupLockApp } from '../helpers/lock-app';

describe.each(STORAGES)('GetLock on %s', (_name, makeStorage) => {
  const fx = useStorage(makeStorage);

  describe('200', () => {
    test('unlocked → 200 with X-WOPI-Lock present and ""', async () => {
      const { app, fileId, t } = await setupLockApp(fx());
      const res = await getLockReq(app, fileId, t);
      expect(res.status).toBe(200);
      expectLockHeader(res, '');
    });

    test('locked → 200 with the lock value', async () => {
      const { app, fileId, t } = await setupLockApp(fx());
      expect((await lockReq(app, fileId, t, 'LOCK-A')).status).toBe(200);
      const res = await getLockReq(app, fileId, t);
      expect(res.status).toBe(200);
      expectLockHeader(res, 'LOCK-A');
    });

    test('JSON-looking and 1024-character lock values are returned verbatim', async () => {
      const { app, fileId, t } = await setupLockApp(fx());
      const json = '{"S":"x","F":4,"E":2,"M":"{\\"a\\":1}"}';
      expect((await lockReq(app, fileId, t, json)).status).toBe(200);
      expectLockHeader(await getLockReq(app, fileId, t), json);

      const other = await setupLockApp(fx());
      const long = 'Z'.repeat(1024);
      expect((await lockReq(other.app, other.fileId, other.t, long)).status).toBe(200);
      expectLockHeader(await getLockReq(other.app, other.fileId, other.t), long);
    });

    test('after expiry → ""', async () => {
      const { app, fileId, t, clock } = await setupLockApp(fx());
      expect((await lockReq(app, fileId, t, 'LOCK-A')).status).toBe(200);
      clock.advance(30 * MINUTE - 1);
      expectLockHeader(await getLockReq(app, fileId, t), 'LOCK-A');
      clock.advance(1);
      const res = await getLockReq(app, fileId, t);
      expect(res.status).toBe(200);
      expectLockHeader(res, '');
    });

    test('a read-only token may GetLock', async () => {
      const { app, fileId, t, token } = await setupLockApp(fx());
      expect((await lockReq(app, fileId, t, 'LOCK-A')).status).toBe(200);
      const res = await getLockReq(app, fileId, await token(fileId, { write: false }, 'viewer'));
      expect(res.status).toBe(200);
      expectLockHeader(res, 'LOCK-A');
    });

    test('GetLock does not create, change or refresh a lock', async () => {
      const { app, fileId, t, clock } = await setupLockApp(fx());
      expectLockHeader(await getLockReq(app, fileId, t), '');
      expectLockHeader(await getLockReq(app, fileId, t), '');
      expect((await lockReq(app, fileId, t, 'LOCK-A')).status).toBe(200);
      clock.advance(20 * MINUTE);
      expectLockHeader(await getLockReq(app, fileId, t), 'LOCK-A');
      clock.advance(10 * MINUTE);
      expectLockHeader(await getLockReq(app, fileId, t), '');
    });
  });
});
