import request from 'supertest';
import { createApp } from '../helpers/create-app';
import { STORAGES, useStorage } from '../helpers/ops-storages';
import {
  checkFileInfo,
  contentsUrl,
  currentLock,
  expectLockHeader,
  expectNoLockHeader,
  expectNoToken,
  fileUrl,
  getFile,
  lockReq,
  override,
  putFile,
  refreshLockReq,
  relockReq,
  setupLockApp,
  unlockReq,
} from '../helpers/ops-http';

const UNIMPLEMENTED = [
  'PUT_RELATIVE',
  'RENAME_FILE',
  'DELETE',
  'PUT_USER_INFO',
  'GET_SHARE_URL',
  'ADD_ACTIVITIES',
  'COBALT',
  'NONSENSE',
  'PUT', // PUT belongs on /contents only
];

describe.each(STORAGES)('dispatch on %s', (_name, makeStorage) => {
  const fx = useStorage(makeStorage);

  describe('501 on POST /files/:id', () => {
    test.each(UNIMPLEMENTED)('X-WOPI-Override: %s with a valid token → 501, nothing changed', async (value) => {
      const { app, fileId, t } = await setupLockApp(fx(), { content: 'KEEP' });
      const before = await checkFileInfo(app, fileId, t);
      const res = await override(app, fileId, t, value, { 'X-WOPI-Lock': 'L', 'X-WOPI-SuggestedTarget': '.pdf', 'X-WOPI-RequestedName': 'renamed' })
        .set('Content-Type', 'application/octet-stream')
        .send(Buffer.from('BODY'));
      expect(res.status).toBe(501);
      expect(res.text).toBe('Unsupported X-WOPI-Override');
      expectNoLockHeader(res);
      expectNoToken(res, t);
      expect((await fx().content(fileId)).toString()).toBe('KEEP');
      const after = await checkFileInfo(app, fileId, t);
      expect(after.body).toEqual(before.body);
      expect(await currentLock(app, fileId, t)).toBe('');
    });

    test('missing X-WOPI-Override → 501 "X-WOPI-Override is required"', async () => {
      const { app, fileId, t } = await setupLockApp(fx());
      const res = await override(app, fileId, t, undefined, { 'X-WOPI-Lock': 'L' });
      expect(res.status).toBe(501);
      expect(res.text).toBe('X-WOPI-Override is required');
      expectNoToken(res, t);
      expect(await currentLock(app, fileId, t)).toBe('');
    });

    test('empty X-WOPI-Override → 501', async () => {
      const { app, fileId, t } = await setupLockApp(fx());
      const res = await override(app, fileId, t, '');
      expect(res.status).toBe(501);
      expect(res.text).toBe('Unsupported X-WOPI-Override');
    });

    test.each([...UNIMPLEMENTED, undefined])('override %s → 501 even without a token (dispatch runs before auth)', async (value) => {
      const fileId = await fx().addFile('report.docx', 'x');
      const { app } = createApp({ storage: fx().storage });
      const res = await override(app, fileId, undefined, value);
      expect(res.status).toBe(501);
    });

    test('unsupported override with a garbage token → 501, token not echoed', async () => {
      const fileId = await fx().addFile('report.docx', 'x');
      const { app } = createApp({ storage: fx().storage });
      const garbage = 'GARBAGE-DISPATCH-TOKEN';
      const res = await override(app, fileId, garbage, 'RENAME_FILE');
      expect(res.status).toBe(501);
      expectNoToken(res, garbage);
    });

    test('unsupported override on an unknown file → 501 (before the storage is asked)', async () => {
      const { app, token } = createApp({ storage: fx().storage });
      const res = await override(app, 'ghost', await token('ghost'), 'DELETE');
      expect(res.status).toBe(501);
    });

    test('X-WOPI-Override: PUT on /files/:id (not /contents) → 501, content unchanged', async () => {
      const { app, fileId, t } = await setupLockApp(fx(), { content: 'KEEP' });
      expect((await lockReq(app, fileId, t, 'L')).status).toBe(200);
      const res = await override(app, fileId, t, 'PUT', { 'X-WOPI-Lock': 'L' }).set('Content-Type', 'application/octet-stream').send(Buffer.from('NEW'));
      expect(res.status).toBe(501);
      expect((await fx().content(fileId)).toString()).toBe('KEEP');
    });
  });

  describe('501 on POST /files/:id/contents', () => {
    test.each(['LOCK', 'GET_LOCK', 'UNLOCK', 'REFRESH_LOCK', 'PUT_RELATIVE', 'NONSENSE'])('X-WOPI-Override: %s → 501', async (value) => {
      const { app, fileId, t } = await setupLockApp(fx(), { content: 'KEEP' });
      const res = await putFile(app, fileId, t, 'NEW', { 'X-WOPI-Override': value, 'X-WOPI-Lock': 'L' });
      expect(res.status).toBe(501);
      expect(res.text).toBe('Unsupported X-WOPI-Override');
      expectNoToken(res, t);
      expect(await currentLock(app, fileId, t)).toBe('');
      expect((await fx().content(fileId)).toString()).toBe('KEEP');
    });

    test('without a token, an unsupported override on /contents is still 501', async () => {
      const fileId = await fx().addFile('report.docx', 'x');
      const { app } = createApp({ storage: fx().storage });
      expect((await putFile(app, fileId, undefined, 'NEW', { 'X-WOPI-Override': 'LOCK' })).status).toBe(501);
    });
  });

  describe('override matching is case-insensitive', () => {
    test.each(['lock', 'Lock', 'lOcK'])('%s locks', async (value) => {
      const { app, fileId, t } = await setupLockApp(fx());
      const res = await override(app, fileId, t, value, { 'X-WOPI-Lock': 'L1' });
      expect(res.status).toBe(200);
      expect(await currentLock(app, fileId, t)).toBe('L1');
    });

    test('get_lock, refresh_lock, unlock and lock+oldlock in lower case', async () => {
      const { app, fileId, t } = await setupLockApp(fx());
      expect((await override(app, fileId, t, 'lock', { 'X-WOPI-Lock': 'L1' })).status).toBe(200);
      const got = await override(app, fileId, t, 'get_lock');
      expect(got.status).toBe(200);
      expectLockHeader(got, 'L1');
      expect((await override(app, fileId, t, 'Refresh_Lock', { 'X-WOPI-Lock': 'L1' })).status).toBe(200);
      expect((await override(app, fileId, t, 'lock', { 'X-WOPI-OldLock': 'L1', 'X-WOPI-Lock': 'L2' })).status).toBe(200);
      expect(await currentLock(app, fileId, t)).toBe('L2');
      expect((await override(app, fileId, t, 'unlock', { 'X-WOPI-Lock': 'L2' })).status).toBe(200);
      expect(await currentLock(app, fileId, t)).toBe('');
    });

    test('put in lower case saves', async () => {
      const { app, fileId, t } = await setupLockApp(fx());
      expect((await lockReq(app, fileId, t, 'L1')).status).toBe(200);
      const res = await putFile(app, fileId, t, 'NEW', { 'X-WOPI-Override': 'put', 'X-WOPI-Lock': 'L1' });
      expect(res.status).toBe(200);
      expect((await fx().content(fileId)).toString()).toBe('NEW');
    });

    test('lock IDs stay case-sensitive even though overrides are not', async () => {
      const { app, fileId, t } = await setupLockApp(fx());
      expect((await lockReq(app, fileId, t, 'abc')).status).toBe(200);
      const res = await lockReq(app, fileId, t, 'ABC');
      expect(res.status).toBe(409);
      expectLockHeader(res, 'abc');
    });
  });

  describe('GET ignores X-WOPI-Override', () => {
    test('GET /files/:id with X-WOPI-Override: LOCK is CheckFileInfo and locks nothing', async () => {
      const { app, fileId, t } = await setupLockApp(fx());
      const res = await request(app).get(fileUrl(fileId)).query({ access_token: t }).set({ 'X-WOPI-Override': 'LOCK', 'X-WOPI-Lock': 'L' });
      expect(res.status).toBe(200);
      expect(res.body.BaseFileName).toBe('report.docx');
      expect(await currentLock(app, fileId, t)).toBe('');
    });

    test('GET /files/:id/contents with X-WOPI-Override: DELETE is GetFile', async () => {
      const { app, fileId, t } = await setupLockApp(fx(), { content: 'data' });
      const res = await getFile(app, fileId, t, { 'X-WOPI-Override': 'DELETE' });
      expect(res.status).toBe(200);
      expect((res.body as Buffer).toString()).toBe('data');
    });
  });

  describe('routes the router does not handle → Express 404', () => {
    test.each([
      ['GET', '/wopi/nothing'],
      ['GET', '/wopi/files'],
      ['GET', '/wopi/files/'],
      ['POST', '/wopi/files'],
      ['GET', '/wopi/files/abc/contents/extra'],
      ['PUT', '/wopi/files/abc'],
      ['DELETE', '/wopi/files/abc'],
      ['PUT', '/wopi/files/abc/contents'],
      ['GET', '/elsewhere/files/abc'],
    ])('%s %s', async (method, path) => {
      const { app, token } = createApp({ storage: fx().storage });
      const t = await token('abc');
      const req = request(app)[method.toLowerCase() as 'get' | 'post' | 'put' | 'delete'](path).query({ access_token: t });
      const res = await req.set('X-WOPI-Override', 'LOCK').set('X-WOPI-Lock', 'L');
      expect(res.status).toBe(404);
      // Express's own final handler, not a WOPI response.
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toContain(`Cannot ${method} ${path}`);
      expectNoLockHeader(res);
      expectNoToken(res, t);
    });
  });

  describe('every 409 carries X-WOPI-Lock', () => {
    test('Lock, UnlockAndRelock, RefreshLock, Unlock and PutFile (lock and timestamp) conflicts', async () => {
      const { app, fileId, t } = await setupLockApp(fx(), { content: 'non-empty' });
      // Unlocked file: every lock-dependent operation conflicts with "".
      const unlocked = [
        await relockReq(app, fileId, t, 'OLD', 'NEW'),
        await refreshLockReq(app, fileId, t, 'X'),
        await unlockReq(app, fileId, t, 'X'),
        await putFile(app, fileId, t, 'data'),
      ];
      for (const res of unlocked) {
        expect(res.status).toBe(409);
        expectLockHeader(res, '');
        expectNoToken(res, t);
      }
      // Locked file: every mismatch conflicts with the current lock.
      expect((await lockReq(app, fileId, t, 'HELD')).status).toBe(200);
      const info = await checkFileInfo(app, fileId, t);
      const locked = [
        await lockReq(app, fileId, t, 'OTHER'),
        await relockReq(app, fileId, t, 'OTHER', 'NEW'),
        await refreshLockReq(app, fileId, t, 'OTHER'),
        await unlockReq(app, fileId, t, 'OTHER'),
        await putFile(app, fileId, t, 'data', { 'X-WOPI-Lock': 'OTHER' }),
        await putFile(app, fileId, t, 'data'),
        await putFile(app, fileId, t, 'data', { 'X-WOPI-Lock': 'HELD', 'X-COOL-WOPI-Timestamp': '2000-01-01T00:00:00.000Z' }),
      ];
      for (const res of locked) {
        expect(res.status).toBe(409);
        expectLockHeader(res, 'HELD');
        expectNoToken(res, t);
      }
      expect((await checkFileInfo(app, fileId, t)).body.Version).toBe(info.body.Version);
      expect((await fx().content(fileId)).toString()).toBe('non-empty');
    });
  });

  describe('HEAD', () => {
    test('HEAD /files/:id/contents answers like GetFile without a body', async () => {
      const { app, fileId, t } = await setupLockApp(fx(), { content: 'abcdef' });
      const res = await request(app).head(contentsUrl(fileId)).query({ access_token: t });
      expect(res.status).toBe(200);
      expect(res.headers['content-length']).toBe('6');
    });
  });
});
