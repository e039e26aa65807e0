import request from 'supertest';
import express from 'express';
import { createWopiRouter, JwtAuth, MemoryLockStore } from '../../src';
import { createApp, TEST_SECRET } from '../helpers/create-app';
import { STORAGES, useStorage } from '../helpers/ops-storages';
import { checkFileInfo, fileUrl, lockReq } from '../helpers/wopi-requests';
import { currentLock, expectConflict, expectNoLockHeader, expectNoToken } from '../helpers/wopi-assertions';
import { listen } from '../helpers/raw-http';
import { FakeClock, MINUTE } from '../helpers/fake-clock';

describe.each(STORAGES)('Lock on %s', (_name, makeStorage) => {
  const fx = useStorage(makeStorage);

  async function setup(options: { lockTtlMs?: number } = {}) {
    const clock = new FakeClock();
    const locks = new MemoryLockStore({ now: clock.now });
    const fileId = await fx().addFile('report.docx', 'content');
    const app = createApp({ storage: fx().storage, locks, ...options });
    const t = await app.token(fileId);
    return { ...app, clock, fileId, t };
  }

  describe('200', () => {
    test('unlocked → 200 with X-WOPI-ItemVersion = Version and no X-WOPI-Lock', async () => {
      const { app, fileId, t } = await setup();
      const res = await lockReq(app, fileId, t, 'LOCK-A');
      expect(res.status).toBe(200);
      expectNoLockHeader(res);
      const info = await checkFileInfo(app, fileId, t);
      expect(res.headers['x-wopi-itemversion']).toBe(info.body.Version);
      expect(await currentLock(app, fileId, t)).toBe('LOCK-A');
    });

    test('same ID again → 200, no X-WOPI-Lock', async () => {
      const { app, fileId, t } = await setup();
      expect((await lockReq(app, fileId, t, 'LOCK-A')).status).toBe(200);
      const res = await lockReq(app, fileId, t, 'LOCK-A');
      expect(res.status).toBe(200);
      expectNoLockHeader(res);
      expect(await currentLock(app, fileId, t)).toBe('LOCK-A');
    });

    test('same ID again refreshes the expiry (29 min + relock + 29 min → still locked)', async () => {
      const { app, fileId, t, clock } = await setup();
      expect((await lockReq(app, fileId, t, 'LOCK-A')).status).toBe(200);
      clock.advance(29 * MINUTE);
      expect((await lockReq(app, fileId, t, 'LOCK-A')).status).toBe(200);
      clock.advance(29 * MINUTE);
      expect(await currentLock(app, fileId, t)).toBe('LOCK-A');
      expectConflict(await lockReq(app, fileId, t, 'LOCK-B'), 'LOCK-A');
    });

    test('without refresh the lock expires after 30 minutes (31 min → GetLock "", others may lock)', async () => {
      const { app, fileId, t, clock } = await setup();
      expect((await lockReq(app, fileId, t, 'LOCK-A')).status).toBe(200);
      clock.advance(29 * MINUTE + 59_999);
      expect(await currentLock(app, fileId, t)).toBe('LOCK-A');
      clock.advance(1);
      expect(await currentLock(app, fileId, t)).toBe('');
      clock.advance(MINUTE);
      expect(await currentLock(app, fileId, t)).toBe('');
      const res = await lockReq(app, fileId, t, 'LOCK-B');
      expect(res.status).toBe(200);
      expect(await currentLock(app, fileId, t)).toBe('LOCK-B');
    });

    test('31 minutes without refresh → unlocked', async () => {
      const { app, fileId, t, clock } = await setup();
      expect((await lockReq(app, fileId, t, 'LOCK-A')).status).toBe(200);
      clock.advance(31 * MINUTE);
      expect(await currentLock(app, fileId, t)).toBe('');
    });

    test('custom lockTtlMs is honoured', async () => {
      const { app, fileId, t, clock } = await setup({ lockTtlMs: 5_000 });
      expect((await lockReq(app, fileId, t, 'LOCK-A')).status).toBe(200);
      clock.advance(4_999);
      expect(await currentLock(app, fileId, t)).toBe('LOCK-A');
      expect((await lockReq(app, fileId, t, 'LOCK-A')).status).toBe(200);
      clock.advance(4_999);
      expect(await currentLock(app, fileId, t)).toBe('LOCK-A');
      clock.advance(1);
      expect(await currentLock(app, fileId, t)).toBe('');
    });

    test('lock ID of exactly 1024 characters works and is reported back unchanged', async () => {
      const { app, fileId, t } = await setup();
      const long = `${'L'.repeat(1000)}0123456789abcdefghijklmn`;
      expect(long).toHaveLength(1024);
      expect((await lockReq(app, fileId, t, long)).status).toBe(200);
      expect(await currentLock(app, fileId, t)).toBe(long);
      expectConflict(await lockReq(app, fileId, t, 'other'), long);
    });

    test('JSON-looking lock IDs are compared exactly, never parsed', async () => {
      const { app, fileId, t } = await setup();
      const json = '{"S":"1d3c4e5f","F":4,"E":2}';
      expect((await lockReq(app, fileId, t, json)).status).toBe(200);
      expect((await lockReq(app, fileId, t, json)).status).toBe(200);
      expectConflict(await lockReq(app, fileId, t, '{"F":4,"S":"1d3c4e5f","E":2}'), json);
      expectConflict(await lockReq(app, fileId, t, '{"S": "1d3c4e5f","F":4,"E":2}'), json);
      expectConflict(await lockReq(app, fileId, t, '{"s":"1d3c4e5f","f":4,"e":2}'), json);
      expect(await currentLock(app, fileId, t)).toBe(json);
    });

    test('override spelled in lower case is accepted', async () => {
      const { app, fileId, t } = await setup();
      const res = await request(app)
        .post(fileUrl(fileId))
        .query({ access_token: t })
        .set({ 'X-WOPI-Override': 'lock', 'X-WOPI-Lock': 'LOCK-A' });
      expect(res.status).toBe(200);
      expect(await currentLock(app, fileId, t)).toBe('LOCK-A');
    });
  });

  describe('409', () => {
    test('different ID → 409 with X-WOPI-Lock = the existing lock, lock kept', async () => {
      const { app, fileId, t } = await setup();
      expect((await lockReq(app, fileId, t, 'LOCK-A')).status).toBe(200);
      const res = await lockReq(app, fileId, t, 'LOCK-B');
      expectConflict(res, 'LOCK-A');
      expect(res.headers['x-wopi-itemversion']).toBeUndefined();
      expectNoToken(res, t);
      expect(await currentLock(app, fileId, t)).toBe('LOCK-A');
    });

    test('another user with another ID → 409 with the existing lock', async () => {
      const { app, fileId, t, token } = await setup();
      expect((await lockReq(app, fileId, t, 'LOCK-A')).status).toBe(200);
      const t2 = await token(fileId, { write: true }, 'u2');
      const res = await lockReq(app, fileId, t2, 'LOCK-Z');
      expectConflict(res, 'LOCK-A');
      expectNoToken(res, t2);
    });

    test('50 concurrent LOCK requests with distinct IDs: exactly one 200, 49 × 409 naming the winner', async () => {
      const { app, fileId, t } = await setup();
      const { server, close } = await listen(app);
      try {
        const ids = Array.from({ length: 50 }, (_, i) => `LOCK-${i}`);
        const results = await Promise.all(ids.map((id) => lockReq(server, fileId, t, id)));
        const winners = results.filter((r) => r.status === 200);
        const losers = results.filter((r) => r.status !== 200);
        expect(winners).toHaveLength(1);
        const winnerId = ids[results.indexOf(winners[0]!)]!;
        expect(losers).toHaveLength(49);
        for (const r of losers) expectConflict(r, winnerId);
        expect(await currentLock(server, fileId, t)).toBe(winnerId);
      } finally {
        await close();
      }
    });
  });

  describe('400', () => {
    test('missing X-WOPI-Lock → 400, no lock set', async () => {
      const { app, fileId, t } = await setup();
      const res = await lockReq(app, fileId, t);
      expect(res.status).toBe(400);
      expectNoLockHeader(res);
      expectNoToken(res, t);
      expect(await currentLock(app, fileId, t)).toBe('');
    });

    test('empty X-WOPI-Lock → 400', async () => {
      const { app, fileId, t } = await setup();
      const res = await lockReq(app, fileId, t, '');
      expect(res.status).toBe(400);
      expect(await currentLock(app, fileId, t)).toBe('');
    });

    test('lock ID of 1025 characters → 400', async () => {
      const { app, fileId, t } = await setup();
      const res = await lockReq(app, fileId, t, 'x'.repeat(1025));
      expect(res.status).toBe(400);
      expect(await currentLock(app, fileId, t)).toBe('');
    });

    test('missing X-WOPI-Lock on a locked file → 400 (not 409)', async () => {
      const { app, fileId, t } = await setup();
      expect((await lockReq(app, fileId, t, 'LOCK-A')).status).toBe(200);
      expect((await lockReq(app, fileId, t)).status).toBe(400);
      expect(await currentLock(app, fileId, t)).toBe('LOCK-A');
    });
  });
});

describe.each(STORAGES)('Lock on %s with the router default lock store (no `locks` option)', (_name, makeStorage) => {
  const fx = useStorage(makeStorage);

  test('locks are enforced', async () => {
    const fileId = await fx().addFile('report.docx', 'content');
    const auth = new JwtAuth({ secret: TEST_SECRET });
    const app = express();
    app.use('/wopi', createWopiRouter({ storage: fx().storage, auth }));
    const t = (await auth.issueToken({ fileId, userId: 'u1', permissions: { write: true } })).accessToken;
    expect((await lockReq(app, fileId, t, 'LOCK-A')).status).toBe(200);
    expectConflict(await lockReq(app, fileId, t, 'LOCK-B'), 'LOCK-A');
    expect(await currentLock(app, fileId, t)).toBe('LOCK-A');
  });
});
