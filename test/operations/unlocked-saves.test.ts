/**
 * `unlockedSaves`: PutFile on an unlocked file that is not empty. `'refuse'` (the default) answers
 * 409 with `X-WOPI-Lock: ""` (seed 001); `'allow'` writes it, for editors that save without
 * locking (ONLYOFFICE and Collabora when `SupportsLocks` is false, which still send their lock ID,
 * and Collabora or ONLYOFFICE sessions whose lock was lost). A lock on the file is never
 * overridden, before the body and at the commit step, on MemoryStorage and FileSystemStorage.
 */
import { MemoryLockStore, type WopiRouterOptions, WopiConfigError } from '../../src';
import { createApp } from '../helpers/create-app';
import { FakeClock, MINUTE } from '../helpers/fake-clock';
import { destroyHeldUploads } from '../helpers/held-upload';
import { type OverlapApp, overlapApp } from '../helpers/overlap-app';
import { STORAGES, useStorage } from '../helpers/ops-storages';
import { checkFileInfo, getFile, lockReq, putFile } from '../helpers/wopi-requests';
import { currentLock, expectConflict, expectLockHeader, expectNoLockHeader } from '../helpers/wopi-assertions';
import { recorder } from '../events/recorder';

const OLD = Buffer.from('old content');
const NEW = Buffer.from('new content, saved without a lock');
/** A body large enough to be held open halfway. */
const BIG = Buffer.alloc(192 * 1024, 'N');

describe.each(STORAGES)('unlockedSaves on %s', (_name, makeStorage) => {
  const fx = useStorage(makeStorage);

  async function setup(options: Partial<WopiRouterOptions> = {}, content: Buffer | string = OLD) {
    const fileId = await fx().addFile('report.docx', content);
    const events = recorder();
    const app = createApp({ storage: fx().storage, events: events.listeners, ...options });
    const t = await app.token(fileId);
    return { ...app, fileId, t, events };
  }

  async function expectStored(fileId: string, expected: Buffer | string): Promise<void> {
    expect((await fx().content(fileId)).toString('latin1')).toBe(Buffer.from(expected).toString('latin1'));
  }

  describe("'refuse' (the default)", () => {
    test.each([
      ['no option', {}],
      ["unlockedSaves: 'refuse'", { unlockedSaves: 'refuse' as const }],
    ])('%s: an unlocked, non-empty file → 409 with X-WOPI-Lock "", nothing written, a lockConflict event', async (_label, options) => {
      const { app, fileId, t, events } = await setup(options);
      const res = await putFile(app, fileId, t, NEW);
      expectConflict(res, '');
      expect(res.headers['x-wopi-lockfailurereason']).toBe('File is not locked and is not empty');
      await expectStored(fileId, OLD);
      expect(events.summary()).toEqual(['lockConflict PutFile']);
    });

    test('a save presenting a lock ID on an unlocked file (ONLYOFFICE with SupportsLocks: false) → 409 ""', async () => {
      const { app, fileId, t } = await setup();
      const res = await putFile(app, fileId, t, NEW, { 'X-WOPI-Lock': fileId });
      expectConflict(res, '');
      await expectStored(fileId, OLD);
    });

    test('an empty unlocked file may still be written (the 0-byte rule)', async () => {
      const { app, fileId, t } = await setup({}, '');
      expect((await putFile(app, fileId, t, NEW)).status).toBe(200);
      await expectStored(fileId, NEW);
    });
  });

  describe("'allow'", () => {
    const allow = { unlockedSaves: 'allow' as const };

    test('an unlocked, non-empty file without X-WOPI-Lock → 200, content replaced, new version, a saved event', async () => {
      const { app, fileId, t, events } = await setup(allow);
      const before = await checkFileInfo(app, fileId, t);
      const res = await putFile(app, fileId, t, NEW);
      expect(res.status).toBe(200);
      expectNoLockHeader(res);
      expect(res.headers['x-wopi-itemversion']).not.toBe(before.body.Version);
      const after = await checkFileInfo(app, fileId, t);
      expect(res.body).toEqual({ LastModifiedTime: after.body.LastModifiedTime });
      await expectStored(fileId, NEW);
      const got = await getFile(app, fileId, t);
      expect((got.body as Buffer).equals(NEW)).toBe(true);
      expect(events.summary()).toEqual(['saved PutFile']);
      expect(events.of('saved')[0]?.save).toEqual({ userId: 'u1', editors: [] });
    });

    test('with the lock ID ONLYOFFICE sends when it does not lock (SupportsLocks: false) → 200, the lock ID in the save context, the file stays unlocked', async () => {
      const { app, fileId, t, events } = await setup(allow);
      const res = await putFile(app, fileId, t, NEW, { 'X-WOPI-Lock': fileId, 'X-LOOL-WOPI-IsAutosave': 'true' });
      expect(res.status).toBe(200);
      await expectStored(fileId, NEW);
      expect(events.of('saved')[0]?.save).toMatchObject({ lockId: fileId, isAutosave: true });
      expect(await currentLock(app, fileId, t)).toBe('');
    });

    test('a save whose lock expired → 200 (nobody holds the file)', async () => {
      const clock = new FakeClock();
      const locks = new MemoryLockStore({ now: clock.now });
      const { app, fileId, t } = await setup({ ...allow, locks });
      expect((await lockReq(app, fileId, t, 'cool-lock0a1b2c3d')).status).toBe(200);
      clock.advance(31 * MINUTE);
      const res = await putFile(app, fileId, t, NEW, { 'X-WOPI-Lock': 'cool-lock0a1b2c3d' });
      expect(res.status).toBe(200);
      await expectStored(fileId, NEW);
    });

    test('never overrides a lock: a locked file without X-WOPI-Lock → 409 with the lock', async () => {
      const { app, fileId, t } = await setup(allow);
      expect((await lockReq(app, fileId, t, 'LOCK-A')).status).toBe(200);
      expectConflict(await putFile(app, fileId, t, NEW), 'LOCK-A');
      await expectStored(fileId, OLD);
    });

    test('never overrides a lock: a locked file with another lock ID → 409 with the lock', async () => {
      const { app, fileId, t, events } = await setup(allow);
      expect((await lockReq(app, fileId, t, 'LOCK-A')).status).toBe(200);
      expectConflict(await putFile(app, fileId, t, NEW, { 'X-WOPI-Lock': 'LOCK-B' }), 'LOCK-A');
      await expectStored(fileId, OLD);
      expect(events.of('lockConflict').map((e) => [e.requestedLockId, e.currentLockId])).toEqual([['LOCK-B', 'LOCK-A']]);
    });

    test('the holder of the lock still saves as before', async () => {
      const { app, fileId, t } = await setup(allow);
      expect((await lockReq(app, fileId, t, 'LOCK-A')).status).toBe(200);
      expect((await putFile(app, fileId, t, NEW, { 'X-WOPI-Lock': 'LOCK-A' })).status).toBe(200);
      await expectStored(fileId, NEW);
    });

    test('a user without write permission is still refused (401), nothing written', async () => {
      const { app, fileId, token } = await setup(allow);
      const readOnly = await token(fileId, { write: false });
      expect((await putFile(app, fileId, readOnly, NEW)).status).toBe(401);
      await expectStored(fileId, OLD);
    });

    test('the timestamp check still applies: an unlocked save with an outdated X-COOL-WOPI-Timestamp → 409 1010, X-WOPI-Lock ""', async () => {
      const { app, fileId, t } = await setup(allow);
      const res = await putFile(app, fileId, t, NEW, { 'X-COOL-WOPI-Timestamp': '2001-01-01T00:00:00.000Z' });
      expect(res.status).toBe(409);
      expect(res.body).toEqual({ COOLStatusCode: 1010 });
      expectLockHeader(res, '');
      await expectStored(fileId, OLD);
    });

    test('an unlocked save with the current timestamp → 200', async () => {
      const { app, fileId, t } = await setup(allow);
      const stamp = (await checkFileInfo(app, fileId, t)).body.LastModifiedTime as string;
      expect((await putFile(app, fileId, t, NEW, { 'X-COOL-WOPI-Timestamp': stamp })).status).toBe(200);
      await expectStored(fileId, NEW);
    });
  });

  describe('a lock changing while the body arrives (the commit step)', () => {
    let running: OverlapApp | undefined;
    afterEach(async () => {
      destroyHeldUploads();
      await running?.close();
      running = undefined;
    });

    async function start(options: Partial<WopiRouterOptions>) {
      const fileId = await fx().addFile('report.docx', OLD);
      running = await overlapApp(fx(), options);
      return {
        app: running,
        fileId,
        t: await running.token(fileId, { write: true }, 'u1'),
        other: await running.token(fileId, { write: true }, 'u2'),
      };
    }

    test("'allow': an unlocked save, while another session LOCKs the file → 409 with that lock, old content kept", async () => {
      const { app, fileId, t, other } = await start({ unlockedSaves: 'allow' });
      const upload = await app.holdPutFile(fileId, t, {}, BIG);
      expect((await app.post(fileId, other, { 'X-WOPI-Override': 'LOCK', 'X-WOPI-Lock': 'L2' })).status).toBe(200);
      const res = await upload.release();
      expect({ status: res.status, lock: res.headers['x-wopi-lock'] }).toEqual({ status: 409, lock: 'L2' });
      await expectStored(fileId, OLD);
    });

    test("'allow': an unlocked save, while another session LOCKs the file and saves B under its lock → 409, B stays", async () => {
      const { app, fileId, t, other } = await start({ unlockedSaves: 'allow' });
      const B = Buffer.alloc(1000, 'B');
      const upload = await app.holdPutFile(fileId, t, { 'X-WOPI-Lock': fileId }, BIG);
      expect((await app.post(fileId, other, { 'X-WOPI-Override': 'LOCK', 'X-WOPI-Lock': 'L2' })).status).toBe(200);
      expect((await app.post(fileId, other, { 'X-WOPI-Override': 'PUT', 'X-WOPI-Lock': 'L2' }, { contents: true, body: B })).status).toBe(
        200,
      );
      const res = await upload.release();
      expect({ status: res.status, lock: res.headers['x-wopi-lock'] }).toEqual({ status: 409, lock: 'L2' });
      await expectStored(fileId, B);
    });

    test.each([
      ["'allow' → 200, the new content", 'allow' as const, 200],
      ['\'refuse\' → 409 with X-WOPI-Lock "", old content kept', 'refuse' as const, 409],
    ])('a save under L while L is released and nobody locks again: %s', async (_label, unlockedSaves, status) => {
      const { app, fileId, t } = await start({ unlockedSaves });
      expect((await app.post(fileId, t, { 'X-WOPI-Override': 'LOCK', 'X-WOPI-Lock': 'L' })).status).toBe(200);
      const upload = await app.holdPutFile(fileId, t, { 'X-WOPI-Lock': 'L' }, BIG);
      expect((await app.post(fileId, t, { 'X-WOPI-Override': 'UNLOCK', 'X-WOPI-Lock': 'L' })).status).toBe(200);
      const res = await upload.release();
      expect(res.status).toBe(status);
      if (status === 409) expect(res.headers['x-wopi-lock']).toBe('');
      await expectStored(fileId, status === 200 ? BIG : OLD);
    });
  });

  describe('the option', () => {
    test.each([
      ['a string it does not know', 'yes', 'WOPI_OPTION_VALUE'],
      ['a boolean', true, 'WOPI_OPTION_TYPE'],
    ])('%s is refused at creation', (_label, value, code) => {
      let error: unknown;
      try {
        createApp({ storage: fx().storage, unlockedSaves: value as never });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(WopiConfigError);
      expect((error as WopiConfigError).code).toBe(code);
      expect((error as Error).message).toMatch(/`unlockedSaves` must be one of refuse, allow/);
    });
  });
});
