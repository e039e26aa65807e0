import request from 'supertest';
import { encodeUtf7 } from '../../src/protocol/utf7';
import { createApp } from '../helpers/create-app';
import { STORAGES, useStorage } from '../helpers/ops-storages';
import {
  binaryParser,
  checkFileInfo,
  contentsUrl,
  deleteReq,
  fileUrl,
  getFile,
  lockReq,
  override,
  putFile,
  putRelativeReq,
  putUserInfoReq,
  refreshLockReq,
  relockReq,
  renameReq,
  unlockReq,
} from '../helpers/wopi-requests';
import { currentLock, expectLockHeader, expectNoLockHeader, expectNoToken } from '../helpers/wopi-assertions';
import { authenticateOnly, coreOnlyStorage } from '../helpers/fake-adapters';
import { setupLockApp } from '../helpers/lock-app';

/** RenameFile's `Url`: the renamed file's WOPISrc with a fresh token. */
const RENAMED_URL = expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/wopi\/files\/[^/?]+\?access_token=[^&]+$/);

/** Overrides this router never implements on POST /files/:id, whatever the adapters support. */
const UNIMPLEMENTED = [
  'COBALT',
  'CREATE_CHILD_FILE', // a container operation: not on /files/:id
  'GET_RESTRICTED_LINK',
  'NONSENSE',
  'PUT', // PUT belongs on /contents only
  'PUT_RELATIVE_FILE', // near misses of implemented overrides
  'RENAME',
  'DELETE_FILE',
];

/** Overrides implemented only when the adapters support them. */
const OPTIONAL = ['PUT_RELATIVE', 'RENAME_FILE', 'DELETE', 'PUT_USER_INFO'] as const;

/** Overrides implemented only when the host configures them (`shareUrls`, `onActivities`). */
const HOST_OPTIONAL = [
  ['GET_SHARE_URL', 'GetShareUrl'],
  ['ADD_ACTIVITIES', 'AddActivities'],
] as const;

describe.each(STORAGES)('dispatch on %s', (_name, makeStorage) => {
  const fx = useStorage(makeStorage);

  describe('501 on POST /files/:id', () => {
    test.each(UNIMPLEMENTED)('X-WOPI-Override: %s with a valid token → 501, nothing changed', async (value) => {
      const { app, fileId, t } = await setupLockApp(fx(), { content: 'KEEP' });
      const before = await checkFileInfo(app, fileId, t);
      const res = await override(app, fileId, t, value, {
        'X-WOPI-Lock': 'L',
        'X-WOPI-SuggestedTarget': '.pdf',
        'X-WOPI-RequestedName': 'renamed',
      })
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
      const res = await override(app, fileId, garbage, 'GET_SHARE_URL');
      expect(res.status).toBe(501);
      expectNoToken(res, garbage);
    });

    test('unsupported override on an unknown file → 501 (before the storage is asked)', async () => {
      const { app, token } = createApp({ storage: fx().storage });
      const res = await override(app, 'ghost', await token('ghost'), 'ADD_ACTIVITIES');
      expect(res.status).toBe(501);
    });

    test('X-WOPI-Override: PUT on /files/:id (not /contents) → 501, content unchanged', async () => {
      const { app, fileId, t } = await setupLockApp(fx(), { content: 'KEEP' });
      expect((await lockReq(app, fileId, t, 'L')).status).toBe(200);
      const res = await override(app, fileId, t, 'PUT', { 'X-WOPI-Lock': 'L' })
        .set('Content-Type', 'application/octet-stream')
        .send(Buffer.from('NEW'));
      expect(res.status).toBe(501);
      expect((await fx().content(fileId)).toString()).toBe('KEEP');
    });
  });

  describe('501 on POST /files/:id for what the host did not configure', () => {
    test.each(HOST_OPTIONAL)('X-WOPI-Override: %s → 501 before the token is checked, nothing changed', async (value, name) => {
      const { app, fileId, t } = await setupLockApp(fx(), { content: 'KEEP' });
      for (const token of [t, undefined, 'GARBAGE-TOKEN']) {
        const res = await override(app, fileId, token, value, { 'X-WOPI-UrlType': 'ReadOnly' })
          .set('Content-Type', 'application/octet-stream')
          .send(Buffer.from('{"Activities":[]}'));
        expect(res.status).toBe(501);
        expect(res.text).toBe(`${name} is not supported by this host`);
        expectNoLockHeader(res);
      }
      expect((await fx().content(fileId)).toString()).toBe('KEEP');
    });
  });

  describe('501 on POST /files/:id/contents', () => {
    test.each(['LOCK', 'GET_LOCK', 'UNLOCK', 'REFRESH_LOCK', 'PUT_RELATIVE', 'RENAME_FILE', 'DELETE', 'PUT_USER_INFO', 'NONSENSE'])(
      'X-WOPI-Override: %s → 501',
      async (value) => {
        const { app, fileId, t } = await setupLockApp(fx(), { content: 'KEEP' });
        const res = await putFile(app, fileId, t, 'NEW', { 'X-WOPI-Override': value, 'X-WOPI-Lock': 'L' });
        expect(res.status).toBe(501);
        expect(res.text).toBe('Unsupported X-WOPI-Override');
        expectNoToken(res, t);
        expect(await currentLock(app, fileId, t)).toBe('');
        expect((await fx().content(fileId)).toString()).toBe('KEEP');
        // Nothing was created, renamed or deleted.
        expect(await fx().names()).toEqual(['report.docx']);
      },
    );

    test('without a token, an unsupported override on /contents is still 501', async () => {
      const fileId = await fx().addFile('report.docx', 'x');
      const { app } = createApp({ storage: fx().storage });
      expect((await putFile(app, fileId, undefined, 'NEW', { 'X-WOPI-Override': 'LOCK' })).status).toBe(501);
    });
  });

  describe('optional operations: PUT_RELATIVE, RENAME_FILE, DELETE, PUT_USER_INFO', () => {
    /** Sends `value` with whatever each of the four needs to succeed. */
    function send(app: Parameters<typeof override>[0], fileId: string, t: string | undefined, value: string) {
      switch (value.toUpperCase()) {
        case 'PUT_RELATIVE':
          return putRelativeReq(app, fileId, t, 'COPY', { 'X-WOPI-Override': value, 'X-WOPI-SuggestedTarget': '.pdf' });
        case 'RENAME_FILE':
          return renameReq(app, fileId, t, 'renamed').set('X-WOPI-Override', value);
        case 'DELETE':
          return deleteReq(app, fileId, t).set('X-WOPI-Override', value);
        default:
          return putUserInfoReq(app, fileId, t, 'info').set('X-WOPI-Override', value);
      }
    }

    test.each([...OPTIONAL, 'put_relative', 'Rename_File', 'delete', 'Put_User_Info'])(
      'X-WOPI-Override: %s is dispatched (any case) when the built-in adapters are used',
      async (value) => {
        const { app, fileId, t } = await setupLockApp(fx(), { content: 'KEEP' });
        const res = await send(app, fileId, t, value);
        expect(res.status).toBe(200);
        expectNoLockHeader(res);
        expectNoToken(res, t);
        const names = await fx().names();
        switch (value.toUpperCase()) {
          case 'PUT_RELATIVE':
            expect(res.body.Name).toBe('report.pdf');
            expect(names).toEqual(['report.docx', 'report.pdf']);
            break;
          case 'RENAME_FILE':
            expect(res.body).toEqual({ Name: 'renamed', Url: RENAMED_URL });
            expect(names).toEqual(['renamed.docx']);
            break;
          case 'DELETE':
            expect(names).toEqual([]);
            break;
          default:
            expect((await checkFileInfo(app, fileId, t)).body.UserInfo).toBe('info');
            expect(names).toEqual(['report.docx']);
        }
      },
    );

    test.each(OPTIONAL)('%s without a token → 401 (it is supported, so auth runs), nothing changed', async (value) => {
      const { app, fileId, t } = await setupLockApp(fx(), { content: 'KEEP' });
      const res = await send(app, fileId, undefined, value);
      expect(res.status).toBe(401);
      expect(await fx().names()).toEqual(['report.docx']);
      expect((await checkFileInfo(app, fileId, t)).body.UserInfo).toBeUndefined();
    });

    describe('a storage with only getFileInfo/readFile/writeFile, and no userInfo store', () => {
      const NAMES: Record<(typeof OPTIONAL)[number], string> = {
        PUT_RELATIVE: 'PutRelativeFile',
        RENAME_FILE: 'RenameFile',
        DELETE: 'DeleteFile',
        PUT_USER_INFO: 'PutUserInfo',
      };

      test.each(OPTIONAL)('%s → 501 with a valid token, without one and with a garbage one; nothing changed', async (value) => {
        const fileId = await fx().addFile('report.docx', 'KEEP');
        const { app, token } = createApp({ storage: coreOnlyStorage(fx().storage) });
        const t = await token(fileId);
        for (const tok of [t, undefined, 'GARBAGE-TOKEN']) {
          const res = await send(app, fileId, tok, value);
          expect(res.status).toBe(501);
          expect(res.text).toBe(`${NAMES[value]} is not supported by this host`);
          expectNoLockHeader(res);
          expectNoToken(res, t);
        }
        // On an unknown file too: the storage is never asked.
        expect((await send(app, 'ghost', undefined, value)).status).toBe(501);
        expect(await fx().names()).toEqual(['report.docx']);
        expect((await fx().content(fileId)).toString()).toBe('KEEP');
        const info = await checkFileInfo(app, fileId, t);
        expect(info.status).toBe(200);
        expect(info.body.UserInfo).toBeUndefined();
      });

      test('CheckFileInfo reports the four capabilities as missing', async () => {
        const fileId = await fx().addFile('report.docx', 'KEEP');
        const { app, token } = createApp({ storage: coreOnlyStorage(fx().storage) });
        const res = await checkFileInfo(app, fileId, await token(fileId));
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({
          SupportsRename: false,
          SupportsDeleteFile: false,
          SupportsUserInfo: false,
          UserCanRename: false,
          UserCanNotWriteRelative: true,
          // The core ones are untouched.
          SupportsLocks: true,
          SupportsUpdate: true,
          UserCanWrite: true,
        });
        expect(res.body).not.toHaveProperty('UserInfo');
      });
    });

    describe('an auth without issueToken', () => {
      test('PUT_RELATIVE → 501 (no token could be issued for the new file), nothing created; UserCanNotWriteRelative true', async () => {
        const fileId = await fx().addFile('report.docx', 'KEEP');
        const { app, token, auth } = createApp({ storage: fx().storage });
        const limited = createApp({ storage: fx().storage, auth: authenticateOnly(auth) });
        const t = await token(fileId);
        for (const headers of [{ 'X-WOPI-SuggestedTarget': '.pdf' }, { 'X-WOPI-RelativeTarget': 'copy.docx' }] as Array<
          Record<string, string>
        >) {
          const res = await putRelativeReq(limited.app, fileId, t, 'COPY', headers);
          expect(res.status).toBe(501);
          expect(res.text).toBe('PutRelativeFile is not supported by this host');
        }
        expect((await putRelativeReq(limited.app, fileId, undefined, 'COPY', { 'X-WOPI-SuggestedTarget': '.pdf' })).status).toBe(501);
        expect(await fx().names()).toEqual(['report.docx']);
        const info = await checkFileInfo(limited.app, fileId, t);
        expect(info.status).toBe(200);
        expect(info.body).toMatchObject({
          UserCanNotWriteRelative: true,
          SupportsRename: true,
          UserCanRename: true,
          SupportsDeleteFile: true,
        });
        // The same storage with the full JwtAuth does support it.
        expect((await checkFileInfo(app, fileId, t)).body.UserCanNotWriteRelative).toBe(false);
      });

      test('the other three still work', async () => {
        const fileId = await fx().addFile('report.docx', 'KEEP');
        const { token, auth } = createApp({ storage: fx().storage });
        const { app } = createApp({ storage: fx().storage, userInfo: fx().userInfo, auth: authenticateOnly(auth) });
        const t = await token(fileId);
        expect((await putUserInfoReq(app, fileId, t, 'x')).status).toBe(200);
        const renamed = await renameReq(app, fileId, t, encodeUtf7('neu'));
        expect(renamed.status).toBe(200);
        // Without issueToken there is no token for a Url: the answer is the name alone.
        expect(renamed.body).toEqual({ Name: 'neu' });
        expect((await deleteReq(app, fileId, t)).status).toBe(200);
        expect(await fx().names()).toEqual([]);
      });
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

  describe('the URLs it answers: as Express routes would match them', () => {
    test.each([
      ['a trailing slash', (id: string) => `/wopi/files/${id}/`, 'file'],
      ['a trailing slash after /contents', (id: string) => `/wopi/files/${id}/contents/`, 'contents'],
      ['upper-case route words', (id: string) => `/wopi/FILES/${id}/CONTENTS`, 'contents'],
      ['mixed case', (id: string) => `/wopi/Files/${id}`, 'file'],
      [
        'an ID with percent-encoded characters',
        (id: string) => `/wopi/files/${encodeURIComponent(id).replace(/[A-Za-z]/, (c) => `%${c.charCodeAt(0).toString(16)}`)}`,
        'file',
      ],
    ])('%s', async (_label, url, route) => {
      const { app, fileId, t } = await setupLockApp(fx(), { content: 'data' });
      const res = await request(app).get(url(fileId)).query({ access_token: t }).buffer(true).parse(binaryParser);
      expect(res.status).toBe(200);
      if (route === 'contents') expect((res.body as Buffer).toString()).toBe('data');
      else expect(JSON.parse((res.body as Buffer).toString()).BaseFileName).toBe('report.docx');
    });

    test('HEAD is answered like GET, without a body', async () => {
      const { app, fileId, t } = await setupLockApp(fx(), { content: 'data' });
      const res = await request(app).head(`/wopi/files/${fileId}/contents`).query({ access_token: t });
      expect(res.status).toBe(200);
      expect(res.headers['content-length']).toBe('4');
    });

    test('a route the app registers after the router still gets requests the router does not answer', async () => {
      const { app, token } = createApp({ storage: fx().storage });
      app.get('/wopi/health', (_req, res) => res.send('ok'));
      const res = await request(app)
        .get('/wopi/health')
        .query({ access_token: await token('abc') });
      expect(res.status).toBe(200);
      expect(res.text).toBe('ok');
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

    test('PutRelativeFile, RenameFile and DeleteFile conflicts', async () => {
      const { app, fileId, t } = await setupLockApp(fx(), { content: 'non-empty' });
      const takenId = await fx().addFile('taken.docx', 'taken');
      // Exact name taken by an unlocked file: "" .
      const taken = await putRelativeReq(app, fileId, t, 'x', { 'X-WOPI-RelativeTarget': 'taken.docx' });
      expect(taken.status).toBe(409);
      expectLockHeader(taken, '');
      const tt = await createApp({ storage: fx().storage }).token(takenId);
      expect((await lockReq(app, takenId, tt, 'TARGET')).status).toBe(200);
      const lockedTarget = await putRelativeReq(app, fileId, t, 'x', {
        'X-WOPI-RelativeTarget': 'taken.docx',
        'X-WOPI-OverwriteRelativeTarget': 'true',
      });
      expect(lockedTarget.status).toBe(409);
      expectLockHeader(lockedTarget, 'TARGET');

      expect((await lockReq(app, fileId, t, 'HELD')).status).toBe(200);
      const locked = [
        await putRelativeReq(app, fileId, t, 'x', { 'X-WOPI-SuggestedTarget': '.pdf', 'X-WOPI-Lock': 'OTHER' }),
        await renameReq(app, fileId, t, 'renamed', { 'X-WOPI-Lock': 'OTHER' }),
        await renameReq(app, fileId, t, 'renamed'),
        await deleteReq(app, fileId, t),
        await deleteReq(app, fileId, t, { 'X-WOPI-Lock': 'HELD' }),
      ];
      for (const res of locked) {
        expect(res.status).toBe(409);
        expectLockHeader(res, 'HELD');
        expectNoToken(res, t);
      }
      expect(await fx().names()).toEqual(['report.docx', 'taken.docx']);
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
