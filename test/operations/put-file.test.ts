import { readdir } from 'node:fs/promises';
import request from 'supertest';
import type { WopiPutFileContext, WopiRouterOptions } from '../../src';
import { createApp } from '../helpers/create-app';
import { allBytes, STORAGES, useStorage } from '../helpers/ops-storages';
import { checkFileInfo, contentsUrl, getFile, lockReq, putFile, unlockReq } from '../helpers/wopi-requests';
import { expectConflict, expectLockHeader, expectNoLockHeader, expectNoToken } from '../helpers/wopi-assertions';
import { chunkedRequest } from '../helpers/raw-http';
import { recordingStorage } from '../helpers/fake-adapters';

const OLD = Buffer.from('old content');

describe.each(STORAGES)('PutFile on %s', (_name, makeStorage) => {
  const fx = useStorage(makeStorage);

  /** A writable app around the fixture's storage, with `fileId` holding OLD and locked with `lockId` (unless null). */
  async function setup(options: Partial<WopiRouterOptions> = {}, lockId: string | null = 'LOCK-A', content: Buffer | string = OLD) {
    const fileId = await fx().addFile('report.docx', content);
    const app = createApp({ storage: fx().storage, ...options });
    const t = await app.token(fileId);
    if (lockId !== null) expect((await lockReq(app.app, fileId, t, lockId)).status).toBe(200);
    return { ...app, fileId, t };
  }

  async function expectContent(app: Parameters<typeof getFile>[0], fileId: string, t: string, expected: Buffer | string) {
    const want = Buffer.from(expected);
    expect((await fx().content(fileId)).equals(want)).toBe(true);
    const res = await getFile(app, fileId, t);
    expect(res.status).toBe(200);
    expect((res.body as Buffer).equals(want)).toBe(true);
  }

  describe('lock rules', () => {
    test('locked + matching X-WOPI-Lock → 200, new ItemVersion, content replaced, no X-WOPI-Lock', async () => {
      const { app, fileId, t } = await setup();
      const before = await checkFileInfo(app, fileId, t);
      const bytes = allBytes();
      const res = await putFile(app, fileId, t, bytes, { 'X-WOPI-Lock': 'LOCK-A' });

      expect(res.status).toBe(200);
      expectNoLockHeader(res);
      const newVersion = res.headers['x-wopi-itemversion'];
      expect(typeof newVersion).toBe('string');
      expect(newVersion).not.toBe('');
      expect(newVersion).not.toBe(before.body.Version);
      await expectContent(app, fileId, t, bytes);
      const after = await checkFileInfo(app, fileId, t);
      expect(after.body.Version).toBe(newVersion);
      expect(after.body.Size).toBe(bytes.length);
      const got = await getFile(app, fileId, t);
      expect(got.headers['x-wopi-itemversion']).toBe(newVersion);
    });

    test('two successive saves give two different versions', async () => {
      const { app, fileId, t } = await setup();
      const a = await putFile(app, fileId, t, 'first', { 'X-WOPI-Lock': 'LOCK-A' });
      const b = await putFile(app, fileId, t, 'second', { 'X-WOPI-Lock': 'LOCK-A' });
      expect(a.status).toBe(200);
      expect(b.status).toBe(200);
      expect(b.headers['x-wopi-itemversion']).not.toBe(a.headers['x-wopi-itemversion']);
      await expectContent(app, fileId, t, 'second');
    });

    test('the file stays locked after a save', async () => {
      const { app, fileId, t } = await setup();
      expect((await putFile(app, fileId, t, 'new', { 'X-WOPI-Lock': 'LOCK-A' })).status).toBe(200);
      const res = await lockReq(app, fileId, t, 'LOCK-B');
      expectConflict(res, 'LOCK-A');
    });

    test('locked + mismatching X-WOPI-Lock → 409 with the current lock, content unchanged', async () => {
      const { app, fileId, t } = await setup();
      const res = await putFile(app, fileId, t, 'intruder', { 'X-WOPI-Lock': 'LOCK-B' });
      expectConflict(res, 'LOCK-A');
      expect(res.headers['x-wopi-itemversion']).toBeUndefined();
      expectNoToken(res, t);
      await expectContent(app, fileId, t, OLD);
    });

    test('locked + X-WOPI-Lock differing only in case → 409 (exact comparison)', async () => {
      const { app, fileId, t } = await setup();
      const res = await putFile(app, fileId, t, 'intruder', { 'X-WOPI-Lock': 'lock-a' });
      expectConflict(res, 'LOCK-A');
      await expectContent(app, fileId, t, OLD);
    });

    test('locked + missing X-WOPI-Lock → 409 with the current lock', async () => {
      const { app, fileId, t } = await setup();
      const res = await putFile(app, fileId, t, 'intruder');
      expectConflict(res, 'LOCK-A');
      expectNoToken(res, t);
      await expectContent(app, fileId, t, OLD);
    });

    test('locked + empty X-WOPI-Lock → 409 with the current lock', async () => {
      const { app, fileId, t } = await setup();
      const res = await putFile(app, fileId, t, 'intruder', { 'X-WOPI-Lock': '' });
      expectConflict(res, 'LOCK-A');
      await expectContent(app, fileId, t, OLD);
    });

    test('a 409 reaches the client although the (4 MiB) body is never read', async () => {
      const { app, fileId, t } = await setup();
      const res = await putFile(app, fileId, t, Buffer.alloc(4 * 1024 * 1024, 0x5a), { 'X-WOPI-Lock': 'LOCK-B' });
      expectConflict(res, 'LOCK-A');
      await expectContent(app, fileId, t, OLD);
    });

    test('unlocked + 0-byte file → 200', async () => {
      const { app, fileId, t } = await setup({}, null, '');
      const res = await putFile(app, fileId, t, 'first content');
      expect(res.status).toBe(200);
      expectNoLockHeader(res);
      expect(res.headers['x-wopi-itemversion']).toBeDefined();
      await expectContent(app, fileId, t, 'first content');
    });

    test('unlocked + non-empty file → 409 with X-WOPI-Lock present and empty', async () => {
      const { app, fileId, t } = await setup({}, null);
      const res = await putFile(app, fileId, t, 'unlocked write');
      expectConflict(res, '');
      expectNoToken(res, t);
      await expectContent(app, fileId, t, OLD);
    });

    test('unlocked + non-empty file with an X-WOPI-Lock header → 409 with X-WOPI-Lock ""', async () => {
      const { app, fileId, t } = await setup({}, null);
      const res = await putFile(app, fileId, t, 'unlocked write', { 'X-WOPI-Lock': 'LOCK-A' });
      expectConflict(res, '');
      await expectContent(app, fileId, t, OLD);
    });

    test('unlocked again after Unlock → 409 ""', async () => {
      const { app, fileId, t } = await setup();
      const unlocked = await unlockReq(app, fileId, t, 'LOCK-A');
      expect(unlocked.status).toBe(200);
      const res = await putFile(app, fileId, t, 'late', { 'X-WOPI-Lock': 'LOCK-A' });
      expectConflict(res, '');
      await expectContent(app, fileId, t, OLD);
    });
  });

  describe('maxFileSize (413)', () => {
    const LIMIT = 16;

    test('Content-Length above the limit → 413, content unchanged', async () => {
      const { app, fileId, t } = await setup({ maxFileSize: LIMIT });
      const res = await putFile(app, fileId, t, Buffer.alloc(LIMIT + 1, 0x41), { 'X-WOPI-Lock': 'LOCK-A' });
      expect(res.status).toBe(413);
      expectNoLockHeader(res);
      expectNoToken(res, t);
      await expectContent(app, fileId, t, OLD);
    });

    test('a 413 reaches the client for a 4 MiB body with Content-Length', async () => {
      const { app, fileId, t } = await setup({ maxFileSize: LIMIT });
      const res = await putFile(app, fileId, t, Buffer.alloc(4 * 1024 * 1024, 0x41), { 'X-WOPI-Lock': 'LOCK-A' });
      expect(res.status).toBe(413);
      await expectContent(app, fileId, t, OLD);
    });

    test('body exactly at the limit → 200', async () => {
      const { app, fileId, t } = await setup({ maxFileSize: LIMIT });
      const body = Buffer.alloc(LIMIT, 0x42);
      const res = await putFile(app, fileId, t, body, { 'X-WOPI-Lock': 'LOCK-A' });
      expect(res.status).toBe(200);
      await expectContent(app, fileId, t, body);
    });

    test('chunked body exactly at the limit → 200', async () => {
      const { app, fileId, t } = await setup({ maxFileSize: LIMIT });
      const res = await chunkedRequest(app, {
        method: 'POST',
        path: `${contentsUrl(fileId)}?access_token=${encodeURIComponent(t)}`,
        headers: { 'X-WOPI-Override': 'PUT', 'X-WOPI-Lock': 'LOCK-A', 'Content-Type': 'application/octet-stream' },
        chunks: [Buffer.alloc(8, 0x43), Buffer.alloc(8, 0x44)],
      });
      expect(res.error).toBeUndefined();
      expect(res.status).toBe(200);
      await expectContent(app, fileId, t, Buffer.concat([Buffer.alloc(8, 0x43), Buffer.alloc(8, 0x44)]));
    });

    test('chunked body (no Content-Length) above the limit → 413, content unchanged', async () => {
      const { app, fileId, t } = await setup({ maxFileSize: LIMIT });
      const res = await chunkedRequest(app, {
        method: 'POST',
        path: `${contentsUrl(fileId)}?access_token=${encodeURIComponent(t)}`,
        headers: { 'X-WOPI-Override': 'PUT', 'X-WOPI-Lock': 'LOCK-A', 'Content-Type': 'application/octet-stream' },
        chunks: [Buffer.alloc(8, 0x45), Buffer.alloc(8, 0x45), Buffer.alloc(8, 0x45), Buffer.alloc(8, 0x45)],
      });
      // Content first: it must hold whatever the client saw.
      await expectContent(app, fileId, t, OLD);
      expect(res.error?.message).toBeUndefined();
      expect(res.status).toBe(413);
    });

    test('maxFileSize 0 accepts only an empty body', async () => {
      const { app, fileId, t } = await setup({ maxFileSize: 0 });
      expect((await putFile(app, fileId, t, 'x', { 'X-WOPI-Lock': 'LOCK-A' })).status).toBe(413);
      await expectContent(app, fileId, t, OLD);
      expect((await putFile(app, fileId, t, '', { 'X-WOPI-Lock': 'LOCK-A' })).status).toBe(200);
      await expectContent(app, fileId, t, '');
    });

    test('after a 413 the content is intact and no temporary file is left in the FileSystemStorage root', async () => {
      const { app, fileId, t } = await setup({ maxFileSize: LIMIT });
      await putFile(app, fileId, t, Buffer.alloc(LIMIT * 2), { 'X-WOPI-Lock': 'LOCK-A' });
      const root = (fx().storage as { root?: string }).root;
      if (root !== undefined) expect((await readdir(root)).filter((n) => n.endsWith('.wopi-tmp'))).toEqual([]);
      await expectContent(app, fileId, t, OLD);
    });
  });

  describe('501', () => {
    test('missing X-WOPI-Override on /contents → 501, content unchanged', async () => {
      const { app, fileId, t } = await setup();
      const res = await putFile(app, fileId, t, 'new', { 'X-WOPI-Override': '' });
      expect(res.status).toBe(501);
      // supertest cannot omit a header set earlier: send one without it.
      const bare = await request(app)
        .post(contentsUrl(fileId))
        .query({ access_token: t })
        .set('X-WOPI-Lock', 'LOCK-A')
        .send(Buffer.from('new'));
      expect(bare.status).toBe(501);
      expect(bare.text).toBe('X-WOPI-Override is required');
      expectNoToken(bare, t);
      await expectContent(app, fileId, t, OLD);
    });

    test('unknown X-WOPI-Override on /contents → 501, content unchanged', async () => {
      const { app, fileId, t } = await setup();
      const res = await putFile(app, fileId, t, 'new', { 'X-WOPI-Override': 'PUT_EVERYTHING', 'X-WOPI-Lock': 'LOCK-A' });
      expect(res.status).toBe(501);
      expect(res.text).toBe('Unsupported X-WOPI-Override');
      expectNoToken(res, t);
      await expectContent(app, fileId, t, OLD);
    });
  });

  describe('Collabora timestamp', () => {
    test.each(['X-COOL-WOPI-Timestamp', 'X-LOOL-WOPI-Timestamp'])('%s equal to LastModifiedTime → 200', async (header) => {
      const { app, fileId, t } = await setup();
      const info = await checkFileInfo(app, fileId, t);
      const res = await putFile(app, fileId, t, 'fresh', { 'X-WOPI-Lock': 'LOCK-A', [header]: info.body.LastModifiedTime as string });
      expect(res.status).toBe(200);
      await expectContent(app, fileId, t, 'fresh');
    });

    test.each(['X-COOL-WOPI-Timestamp', 'X-LOOL-WOPI-Timestamp'])(
      '%s different from LastModifiedTime → 409 {"COOLStatusCode":1010}, X-WOPI-Lock, nothing written',
      async (header) => {
        const { app, fileId, t } = await setup();
        const info = await checkFileInfo(app, fileId, t);
        const stale = new Date(Date.parse(info.body.LastModifiedTime as string) - 1000).toISOString();
        const res = await putFile(app, fileId, t, 'stale save', { 'X-WOPI-Lock': 'LOCK-A', [header]: stale });
        expect(res.status).toBe(409);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        expect(res.body).toEqual({ COOLStatusCode: 1010 });
        expectLockHeader(res, 'LOCK-A');
        expectNoToken(res, t);
        await expectContent(app, fileId, t, OLD);
        expect((await checkFileInfo(app, fileId, t)).body.Version).toBe(info.body.Version);
      },
    );

    test('timestamp differing by one millisecond → 409', async () => {
      const { app, fileId, t } = await setup();
      const info = await checkFileInfo(app, fileId, t);
      const off = new Date(Date.parse(info.body.LastModifiedTime as string) + 1).toISOString();
      const res = await putFile(app, fileId, t, 'x', { 'X-WOPI-Lock': 'LOCK-A', 'X-COOL-WOPI-Timestamp': off });
      expect(res.status).toBe(409);
      expect(res.body).toEqual({ COOLStatusCode: 1010 });
      await expectContent(app, fileId, t, OLD);
    });

    test('an unparseable timestamp → 409 (never matches)', async () => {
      const { app, fileId, t } = await setup();
      const res = await putFile(app, fileId, t, 'x', { 'X-WOPI-Lock': 'LOCK-A', 'X-COOL-WOPI-Timestamp': 'not a date' });
      expect(res.status).toBe(409);
      expect(res.body).toEqual({ COOLStatusCode: 1010 });
      expectLockHeader(res, 'LOCK-A');
      await expectContent(app, fileId, t, OLD);
    });

    test('timestamp mismatch on an unlocked empty file → 409 with X-WOPI-Lock ""', async () => {
      const { app, fileId, t } = await setup({}, null, '');
      const res = await putFile(app, fileId, t, 'x', { 'X-COOL-WOPI-Timestamp': '2001-01-01T00:00:00.000Z' });
      expect(res.status).toBe(409);
      expect(res.body).toEqual({ COOLStatusCode: 1010 });
      expectLockHeader(res, '');
      await expectContent(app, fileId, t, '');
    });

    // Collabora Online sends CheckFileInfo's LastModifiedTime with its first save, and with every
    // later save the `LastModifiedTime` of the previous PutFile's JSON response; when that response
    // has no JSON body it logs "Invalid or missing JSON in WOPI::PutFile HTTP_OK response" and keeps
    // the old timestamp (CollaboraOnline/online wsd/wopi/WopiStorage.cpp,
    // handleUploadToStorageResponse; Collabora's wsd/reference: "specify LastModifiedTime field in
    // both CheckFileInfo and PutFile calls").
    test('a 200 PutFile answers JSON {"LastModifiedTime"} equal to the new CheckFileInfo LastModifiedTime', async () => {
      const { app, fileId, t } = await setup();
      const res = await putFile(app, fileId, t, 'saved', { 'X-WOPI-Lock': 'LOCK-A' });
      expect(res.status).toBe(200);
      const after = await checkFileInfo(app, fileId, t);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toEqual({ LastModifiedTime: after.body.LastModifiedTime });
    });

    test('two consecutive Collabora saves, each with the timestamp Collabora would send, both succeed', async () => {
      const { app, fileId, t } = await setup();
      let timestamp = (await checkFileInfo(app, fileId, t)).body.LastModifiedTime as string;
      for (const content of ['first save', 'second save']) {
        const res = await putFile(app, fileId, t, content, { 'X-WOPI-Lock': 'LOCK-A', 'X-COOL-WOPI-Timestamp': timestamp });
        expect({ content, status: res.status }).toEqual({ content, status: 200 });
        const returned = (res.body as { LastModifiedTime?: unknown } | undefined)?.LastModifiedTime;
        if (typeof returned === 'string') timestamp = returned;
      }
      await expectContent(app, fileId, t, 'second save');
    });

    test('the COOL spelling wins over LOOL when both are sent', async () => {
      const { app, fileId, t } = await setup();
      const info = await checkFileInfo(app, fileId, t);
      const good = info.body.LastModifiedTime as string;
      const bad = '2001-01-01T00:00:00.000Z';
      const refused = await putFile(app, fileId, t, 'x', {
        'X-WOPI-Lock': 'LOCK-A',
        'X-COOL-WOPI-Timestamp': bad,
        'X-LOOL-WOPI-Timestamp': good,
      });
      expect(refused.status).toBe(409);
      const accepted = await putFile(app, fileId, t, 'y', {
        'X-WOPI-Lock': 'LOCK-A',
        'X-COOL-WOPI-Timestamp': good,
        'X-LOOL-WOPI-Timestamp': bad,
      });
      expect(accepted.status).toBe(200);
      await expectContent(app, fileId, t, 'y');
    });
  });

  describe('save context', () => {
    async function saveWith(headers: Record<string, string>, hookOptions: { throws?: boolean } = {}) {
      const recorder = recordingStorage(fx().storage);
      const events: WopiPutFileContext[] = [];
      const { app, fileId, t } = await setup({
        storage: recorder.storage,
        onPutFile: async (event) => {
          events.push(event);
          if (hookOptions.throws) throw new Error('hook failed');
        },
      });
      const res = await putFile(app, fileId, t, 'saved', { 'X-WOPI-Lock': 'LOCK-A', ...headers });
      return { res, events, contexts: recorder.contexts, app, fileId, t };
    }

    test('onPutFile receives editors, X-LOOL- flags, userId and lockId', async () => {
      const { res, events, fileId } = await saveWith({
        'X-WOPI-Editors': 'u1, u2',
        'X-LOOL-WOPI-IsModifiedByUser': 'true',
        'X-LOOL-WOPI-IsAutosave': 'false',
        'X-LOOL-WOPI-IsExitSave': 'true',
      });
      expect(res.status).toBe(200);
      expect(events).toHaveLength(1);
      const event = events[0]!;
      expect(event.save).toEqual({
        userId: 'u1',
        lockId: 'LOCK-A',
        editors: ['u1', 'u2'],
        isModifiedByUser: true,
        isAutosave: false,
        isExitSave: true,
      });
      expect(event.fileId).toBe(fileId);
      expect(event.user).toEqual({
        userId: 'u1',
        userFriendlyName: 'Ada',
        permissions: { write: true },
        accessTokenTtl: expect.any(Number),
      });
      expect(event.file).toMatchObject({ name: 'report.docx', size: 5, version: res.headers['x-wopi-itemversion'] });
      expect(event.req.method).toBe('POST');
    });

    test('onPutFile receives the X-COOL- flags', async () => {
      const { res, events } = await saveWith({
        'X-COOL-WOPI-IsModifiedByUser': 'false',
        'X-COOL-WOPI-IsAutosave': 'true',
        'X-COOL-WOPI-IsExitSave': 'false',
      });
      expect(res.status).toBe(200);
      expect(events[0]!.save).toEqual({
        userId: 'u1',
        lockId: 'LOCK-A',
        editors: [],
        isModifiedByUser: false,
        isAutosave: true,
        isExitSave: false,
      });
    });

    test('X-COOL- wins when both spellings are sent', async () => {
      const { res, events } = await saveWith({
        'X-LOOL-WOPI-IsModifiedByUser': 'true',
        'X-COOL-WOPI-IsModifiedByUser': 'false',
        'X-LOOL-WOPI-IsAutosave': 'false',
        'X-COOL-WOPI-IsAutosave': 'true',
        'X-LOOL-WOPI-IsExitSave': 'true',
        'X-COOL-WOPI-IsExitSave': 'false',
      });
      expect(res.status).toBe(200);
      expect(events[0]!.save).toMatchObject({ isModifiedByUser: false, isAutosave: true, isExitSave: false });
    });

    test('no save headers: editors [] and no flags', async () => {
      const { res, events } = await saveWith({});
      expect(res.status).toBe(200);
      expect(events[0]!.save).toEqual({ userId: 'u1', lockId: 'LOCK-A', editors: [] });
    });

    test('flag values other than true/false are left out; empty editors entries dropped', async () => {
      const { res, events } = await saveWith({
        'X-WOPI-Editors': ' u3 ,, u4,',
        'X-COOL-WOPI-IsAutosave': 'yes',
        'X-LOOL-WOPI-IsExitSave': 'TRUE',
      });
      expect(res.status).toBe(200);
      expect(events[0]!.save).toEqual({ userId: 'u1', lockId: 'LOCK-A', editors: ['u3', 'u4'], isExitSave: true });
    });

    test('the storage receives the same context as the hook (plus an AbortSignal and the commit step)', async () => {
      const { res, events, contexts } = await saveWith({
        'X-WOPI-Editors': 'u1, u2',
        'X-COOL-WOPI-IsModifiedByUser': 'true',
        'X-LOOL-WOPI-IsAutosave': 'true',
      });
      expect(res.status).toBe(200);
      expect(contexts).toHaveLength(1);
      const { signal, commit, ...rest } = contexts[0]!;
      expect(signal).toBeInstanceOf(AbortSignal);
      expect(typeof commit).toBe('function');
      expect(rest).toEqual(events[0]!.save);
      expect(rest).toEqual({ userId: 'u1', lockId: 'LOCK-A', editors: ['u1', 'u2'], isModifiedByUser: true, isAutosave: true });
    });

    test('a hook that throws does not fail the save', async () => {
      const { res, events, app, fileId, t } = await saveWith({ 'X-WOPI-Editors': 'u1' }, { throws: true });
      expect(res.status).toBe(200);
      expect(res.headers['x-wopi-itemversion']).toBeDefined();
      expect(events).toHaveLength(1);
      await expectContent(app, fileId, t, 'saved');
    });

    test('the hook is not called for a refused save', async () => {
      const events: WopiPutFileContext[] = [];
      const { app, fileId, t } = await setup({ onPutFile: (e) => void events.push(e) });
      expect((await putFile(app, fileId, t, 'x', { 'X-WOPI-Lock': 'WRONG' })).status).toBe(409);
      expect(events).toEqual([]);
    });
  });
});
