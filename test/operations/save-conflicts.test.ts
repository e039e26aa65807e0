/**
 * `saveConflicts`: a PutFile whose editor saw an older version than the stored one (Collabora's
 * `X-COOL-WOPI-Timestamp`, ONLYOFFICE's `X-LOOL-WOPI-Timestamp`, differs from LastModifiedTime).
 * `'refuse'` (the default) answers 409 `{"COOLStatusCode":1010}`; `'keepBoth'` leaves the original
 * alone, stores the editor's content as a conflict copy next to it (a `created` event with
 * `conflict`) and answers 200 with the editor's own timestamp. On MemoryStorage and
 * FileSystemStorage, with the lock changing while the body arrives.
 */
import { type WopiCreatedEvent, type WopiPutFileContext, type WopiRouterOptions, WopiConfigError } from '../../src';
import { checkFileName } from '../../src/protocol/file-name';
import { conflictCopyNames } from '../../src/operations/save-conflict';
import { createApp } from '../helpers/create-app';
import { coreOnlyStorage } from '../helpers/fake-adapters';
import { destroyHeldUploads } from '../helpers/held-upload';
import { type OverlapApp, overlapApp } from '../helpers/overlap-app';
import { STORAGES, useStorage } from '../helpers/ops-storages';
import { checkFileInfo, lockReq, putFile, unlockReq } from '../helpers/wopi-requests';
import { currentLock, expectConflict, expectLockHeader, expectNoLockHeader } from '../helpers/wopi-assertions';
import { recorder } from '../events/recorder';

const OLD = Buffer.from('the version both editors loaded');
const THEIRS = Buffer.from('a newer version saved by someone else');
const MINE = Buffer.from('the stale editor’s work, which must not be lost');
const COPY_NAME = /^report \(conflict \d{4}-\d\d-\d\d \d{4} Ada\)( \(\d+\))?\.docx$/;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(STORAGES)('saveConflicts on %s', (_name, makeStorage) => {
  const fx = useStorage(makeStorage);

  /**
   * `report.docx` holding OLD, locked with LOCK-A (unless `lock` is null); the editor read its
   * LastModifiedTime (`stale`), then someone else saved THEIRS under the same lock.
   */
  async function setup(options: Partial<WopiRouterOptions> = {}, lock: string | null = 'LOCK-A') {
    const fileId = await fx().addFile('report.docx', OLD);
    const events = recorder();
    const hooked: WopiPutFileContext[] = [];
    const app = createApp({ storage: fx().storage, events: events.listeners, onPutFile: (c) => void hooked.push(c), ...options });
    const t = await app.token(fileId);
    expect((await lockReq(app.app, fileId, t, 'LOCK-A')).status).toBe(200);
    const stale = (await checkFileInfo(app.app, fileId, t)).body.LastModifiedTime as string;
    await pause(20); // THEIRS must get a LastModifiedTime of its own
    expect((await putFile(app.app, fileId, t, THEIRS, { 'X-WOPI-Lock': 'LOCK-A' })).status).toBe(200);
    if (lock === null) expect((await unlockReq(app.app, fileId, t, 'LOCK-A')).status).toBe(200);
    const info = (await checkFileInfo(app.app, fileId, t)).body as { Version: string; LastModifiedTime: string };
    expect(info.LastModifiedTime).not.toBe(stale);
    events.events.length = 0;
    hooked.length = 0;
    return { ...app, fileId, t, stale, info, events, hooked };
  }

  async function listed(): Promise<Array<{ name: string; fileId: string }>> {
    const storage = fx().storage as unknown as {
      list(): Array<{ name: string; fileId: string }> | Promise<Array<{ name: string; fileId: string }>>;
    };
    return (await storage.list())
      .map(({ name, fileId }) => ({ name, fileId }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async function copies(fileId: string): Promise<Array<{ name: string; fileId: string; content: string }>> {
    const out: Array<{ name: string; fileId: string; content: string }> = [];
    for (const entry of await listed()) {
      if (entry.fileId === fileId) continue;
      out.push({ ...entry, content: (await fx().content(entry.fileId)).toString('utf8') });
    }
    return out;
  }

  async function expectOriginal(
    app: Parameters<typeof checkFileInfo>[0],
    fileId: string,
    t: string,
    content: Buffer,
    info?: { Version: string; LastModifiedTime: string },
  ) {
    expect((await fx().content(fileId)).toString('utf8')).toBe(content.toString('utf8'));
    if (info !== undefined) expect((await checkFileInfo(app, fileId, t)).body).toMatchObject(info);
  }

  describe("'refuse' (the default)", () => {
    test.each([
      ['no option', {}],
      ["saveConflicts: 'refuse'", { saveConflicts: 'refuse' as const }],
    ])(
      '%s: a stale save → 409 {"COOLStatusCode":1010} with the lock, nothing written, no file created, no event',
      async (_label, options) => {
        const { app, fileId, t, stale, info, events, hooked } = await setup(options);
        const res = await putFile(app, fileId, t, MINE, { 'X-WOPI-Lock': 'LOCK-A', 'X-COOL-WOPI-Timestamp': stale });
        expect(res.status).toBe(409);
        expect(res.body).toEqual({ COOLStatusCode: 1010 });
        expectLockHeader(res, 'LOCK-A');
        await expectOriginal(app, fileId, t, THEIRS, info);
        expect(await copies(fileId)).toEqual([]);
        expect(events.summary()).toEqual([]);
        expect(hooked).toEqual([]);
      },
    );
  });

  describe("'keepBoth'", () => {
    const keepBoth = { saveConflicts: 'keepBoth' as const };

    test('a stale save → 200 with the editor’s timestamp, the original untouched, the content in a conflict copy next to it', async () => {
      const { app, fileId, t, stale, info, events, hooked } = await setup(keepBoth);
      const res = await putFile(app, fileId, t, MINE, {
        'X-WOPI-Lock': 'LOCK-A',
        'X-COOL-WOPI-Timestamp': stale,
        'X-COOL-WOPI-IsAutosave': 'true',
      });

      expect(res.status).toBe(200);
      expectNoLockHeader(res);
      expect(res.body).toEqual({ LastModifiedTime: stale });
      expect(res.headers['x-wopi-itemversion']).toBe(info.Version);
      await expectOriginal(app, fileId, t, THEIRS, info);
      expect(await currentLock(app, fileId, t)).toBe('LOCK-A');

      const made = await copies(fileId);
      expect(made).toEqual([{ name: expect.stringMatching(COPY_NAME), fileId: expect.any(String), content: MINE.toString('utf8') }]);
      expect(made[0]?.name).toMatch(/ \(conflict \d{4}-\d\d-\d\d \d{4} Ada\)\.docx$/);

      expect(events.summary()).toEqual(['created PutFile']);
      const created = events.of('created')[0] as WopiCreatedEvent;
      expect(created).toMatchObject({
        fileId: made[0]?.fileId,
        file: { name: made[0]?.name, size: MINE.length },
        sourceFileId: fileId,
        save: { userId: 'u1', lockId: 'LOCK-A', isAutosave: true },
        conflict: {
          reason: 'documentChanged',
          originalFileId: fileId,
          originalVersion: info.Version,
          originalLastModifiedTime: info.LastModifiedTime,
          editorLastModifiedTime: stale,
        },
      });
      // The original was not saved: no `saved` event, no onPutFile.
      expect(hooked).toEqual([]);
    });

    test('ONLYOFFICE’s X-LOOL-WOPI-Timestamp is kept both ways too', async () => {
      const { app, fileId, t, stale, info } = await setup(keepBoth);
      const res = await putFile(app, fileId, t, MINE, { 'X-WOPI-Lock': 'LOCK-A', 'X-LOOL-WOPI-Timestamp': stale });
      expect(res.status).toBe(200);
      await expectOriginal(app, fileId, t, THEIRS, info);
      expect((await copies(fileId)).map((c) => c.content)).toEqual([MINE.toString('utf8')]);
    });

    test('the next save, sent with the timestamp the answer gave back, is stale again: a second copy, never the original', async () => {
      const { app, fileId, t, stale, info, events } = await setup(keepBoth);
      const first = await putFile(app, fileId, t, MINE, { 'X-WOPI-Lock': 'LOCK-A', 'X-COOL-WOPI-Timestamp': stale });
      const echoed = (first.body as { LastModifiedTime: string }).LastModifiedTime;
      const MORE = Buffer.from(`${MINE.toString('utf8')} and more`);
      const second = await putFile(app, fileId, t, MORE, { 'X-WOPI-Lock': 'LOCK-A', 'X-COOL-WOPI-Timestamp': echoed });
      expect([first.status, second.status]).toEqual([200, 200]);
      await expectOriginal(app, fileId, t, THEIRS, info);
      const made = await copies(fileId);
      expect(made.map((c) => c.content).sort()).toEqual([MINE.toString('utf8'), MORE.toString('utf8')].sort());
      expect(new Set(made.map((c) => c.name)).size).toBe(2);
      for (const copy of made) expect(copy.name).toMatch(COPY_NAME);
      expect(events.summary()).toEqual(['created PutFile', 'created PutFile']);
    });

    test('a save with the current timestamp is an ordinary save: 200, the original replaced, no copy', async () => {
      const { app, fileId, t, info, events } = await setup(keepBoth);
      const res = await putFile(app, fileId, t, MINE, { 'X-WOPI-Lock': 'LOCK-A', 'X-COOL-WOPI-Timestamp': info.LastModifiedTime });
      expect(res.status).toBe(200);
      await expectOriginal(app, fileId, t, MINE);
      expect(await copies(fileId)).toEqual([]);
      expect(events.summary()).toEqual(['saved PutFile']);
    });

    test('a save without a timestamp (Collabora’s "overwrite" after its dialog) overwrites the original', async () => {
      const { app, fileId, t } = await setup(keepBoth);
      expect((await putFile(app, fileId, t, MINE, { 'X-WOPI-Lock': 'LOCK-A' })).status).toBe(200);
      await expectOriginal(app, fileId, t, MINE);
      expect(await copies(fileId)).toEqual([]);
    });

    test('the lock is judged first: a stale save under another lock → 409 with the lock, no copy', async () => {
      const { app, fileId, t, stale, events } = await setup(keepBoth);
      const res = await putFile(app, fileId, t, MINE, { 'X-WOPI-Lock': 'LOCK-B', 'X-COOL-WOPI-Timestamp': stale });
      expectConflict(res, 'LOCK-A');
      expect(res.body).not.toEqual({ COOLStatusCode: 1010 });
      await expectOriginal(app, fileId, t, THEIRS);
      expect(await copies(fileId)).toEqual([]);
      expect(events.summary()).toEqual(['lockConflict PutFile']);
    });

    test.each([
      ['unlockedSaves \'refuse\' (default) → 409 with X-WOPI-Lock "", no copy', {}, 409],
      ["unlockedSaves 'allow' → 200 and a conflict copy", { unlockedSaves: 'allow' as const }, 200],
    ])('a stale save on an unlocked file: %s', async (_label, options, status) => {
      const { app, fileId, t, stale } = await setup({ ...keepBoth, ...options }, null);
      const res = await putFile(app, fileId, t, MINE, { 'X-COOL-WOPI-Timestamp': stale });
      expect(res.status).toBe(status);
      if (status === 409) expectConflict(res, '');
      await expectOriginal(app, fileId, t, THEIRS);
      expect((await copies(fileId)).map((c) => c.content)).toEqual(status === 200 ? [MINE.toString('utf8')] : []);
    });

    test('a user who may not create files (permissions.create: false) → 409 1010, no copy', async () => {
      const { app, fileId, token, stale } = await setup(keepBoth);
      const noCreate = await token(fileId, { write: true, create: false });
      const res = await putFile(app, fileId, noCreate, MINE, { 'X-WOPI-Lock': 'LOCK-A', 'X-COOL-WOPI-Timestamp': stale });
      expect(res.status).toBe(409);
      expect(res.body).toEqual({ COOLStatusCode: 1010 });
      expect(await copies(fileId)).toEqual([]);
    });

    test('a user name that is no legal file name is repaired in the copy’s name', async () => {
      const { app, fileId, auth, stale } = await setup(keepBoth);
      const { accessToken } = await auth.issueToken({
        fileId,
        userId: 'u9',
        userFriendlyName: 'Ada/Lovelace: "R&D"',
        permissions: { write: true },
      });
      expect((await putFile(app, fileId, accessToken, MINE, { 'X-WOPI-Lock': 'LOCK-A', 'X-COOL-WOPI-Timestamp': stale })).status).toBe(200);
      const [copy] = await copies(fileId);
      expect(copy?.name).toMatch(/^report \(conflict \d{4}-\d\d-\d\d \d{4} Ada_Lovelace_ _R&D_\)\.docx$/);
      expect(checkFileName(copy?.name ?? '')).toEqual({ ok: true });
    });

    test('a body above maxFileSize → 413, no copy', async () => {
      const { app, fileId, t, stale } = await setup({ ...keepBoth, maxFileSize: THEIRS.length });
      expect(MINE.length).toBeGreaterThan(THEIRS.length);
      const res = await putFile(app, fileId, t, MINE, { 'X-WOPI-Lock': 'LOCK-A', 'X-COOL-WOPI-Timestamp': stale });
      expect(res.status).toBe(413);
      await expectOriginal(app, fileId, t, THEIRS);
      expect(await copies(fileId)).toEqual([]);
    });
  });

  describe('while the body arrives (the commit step)', () => {
    const BIG = Buffer.alloc(192 * 1024, 'M');
    let running: OverlapApp | undefined;
    afterEach(async () => {
      destroyHeldUploads();
      await running?.close();
      running = undefined;
    });

    /** `report.docx` holding OLD, locked with L by u1. */
    async function start(options: Partial<WopiRouterOptions>) {
      const fileId = await fx().addFile('report.docx', OLD);
      const app = await overlapApp(fx(), options);
      running = app;
      const t = await app.token(fileId, { write: true }, 'u1');
      const other = await app.token(fileId, { write: true }, 'u2');
      expect((await app.post(fileId, t, { 'X-WOPI-Override': 'LOCK', 'X-WOPI-Lock': 'L' })).status).toBe(200);
      return { app, fileId, t, other };
    }

    async function timestampOf(app: OverlapApp, fileId: string, t: string): Promise<string> {
      return String((await app.checkFileInfo(fileId, t)).LastModifiedTime);
    }

    async function staleSetup(options: Partial<WopiRouterOptions>) {
      const s = await start(options);
      const stale = await timestampOf(s.app, s.fileId, s.t);
      await pause(20);
      expect(
        (await s.app.post(s.fileId, s.t, { 'X-WOPI-Override': 'PUT', 'X-WOPI-Lock': 'L' }, { contents: true, body: THEIRS })).status,
      ).toBe(200);
      return { ...s, stale };
    }

    test("'keepBoth': a stale save, while the original is saved again under the lock → 200, the copy has the stale save, the original the later one", async () => {
      const { app, fileId, t, stale } = await staleSetup({ saveConflicts: 'keepBoth' });
      const upload = await app.holdPutFile(fileId, t, { 'X-WOPI-Lock': 'L', 'X-COOL-WOPI-Timestamp': stale }, BIG);
      const LATER = Buffer.from('saved while the stale body was arriving');
      expect((await app.post(fileId, t, { 'X-WOPI-Override': 'PUT', 'X-WOPI-Lock': 'L' }, { contents: true, body: LATER })).status).toBe(
        200,
      );
      const res = await upload.release();
      expect({ status: res.status, body: JSON.parse(res.body.toString('utf8')) }).toEqual({
        status: 200,
        body: { LastModifiedTime: stale },
      });
      await expectOriginal(app.app, fileId, t, LATER);
      expect((await copies(fileId)).map((c) => [c.content.length, c.content === BIG.toString('utf8')])).toEqual([[BIG.length, true]]);
    });

    test("'keepBoth': a stale save, while its lock is released and another session LOCKs L3 → 409 with L3, no copy", async () => {
      const { app, fileId, t, other, stale } = await staleSetup({ saveConflicts: 'keepBoth' });
      const upload = await app.holdPutFile(fileId, t, { 'X-WOPI-Lock': 'L', 'X-COOL-WOPI-Timestamp': stale }, BIG);
      expect((await app.post(fileId, t, { 'X-WOPI-Override': 'UNLOCK', 'X-WOPI-Lock': 'L' })).status).toBe(200);
      expect((await app.post(fileId, other, { 'X-WOPI-Override': 'LOCK', 'X-WOPI-Lock': 'L3' })).status).toBe(200);
      const res = await upload.release();
      expect({ status: res.status, lock: res.headers['x-wopi-lock'] }).toEqual({ status: 409, lock: 'L3' });
      await expectOriginal(app.app, fileId, t, THEIRS);
      expect(await copies(fileId)).toEqual([]);
    });

    test.each([
      ["'refuse'", 'refuse' as const],
      ["'keepBoth'", 'keepBoth' as const],
    ])(
      '%s: a save that was current when it started, overtaken by another save while its body arrives → 409 1010, no copy, the other save stays',
      async (_label, saveConflicts) => {
        const { app, fileId, t } = await start({ saveConflicts });
        const stamp = await timestampOf(app, fileId, t);
        await pause(20);
        const upload = await app.holdPutFile(fileId, t, { 'X-WOPI-Lock': 'L', 'X-COOL-WOPI-Timestamp': stamp }, BIG);
        expect(
          (
            await app.post(
              fileId,
              t,
              { 'X-WOPI-Override': 'PUT', 'X-WOPI-Lock': 'L', 'X-COOL-WOPI-Timestamp': stamp },
              { contents: true, body: THEIRS },
            )
          ).status,
        ).toBe(200);
        const res = await upload.release();
        expect({ status: res.status, body: JSON.parse(res.body.toString('utf8')) }).toEqual({
          status: 409,
          body: { COOLStatusCode: 1010 },
        });
        await expectOriginal(app.app, fileId, t, THEIRS);
        expect(await copies(fileId)).toEqual([]);
      },
    );
  });

  describe('the option', () => {
    test("'keepBoth' with a storage that cannot create files next to another → WopiConfigError WOPI_OPTION_CONFLICT", () => {
      let error: unknown;
      try {
        createApp({ storage: coreOnlyStorage(fx().storage), saveConflicts: 'keepBoth' });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(WopiConfigError);
      expect((error as WopiConfigError).code).toBe('WOPI_OPTION_CONFLICT');
      expect((error as Error).message).toMatch(
        /`saveConflicts` is 'keepBoth', which needs a storage with findRelativeFile and createRelativeFile/,
      );
    });

    test("'refuse' works with any storage", () => {
      expect(() => createApp({ storage: coreOnlyStorage(fx().storage), saveConflicts: 'refuse' })).not.toThrow();
    });

    test.each([
      ['a string it does not know', 'merge', 'WOPI_OPTION_VALUE'],
      ['a boolean', true, 'WOPI_OPTION_TYPE'],
    ])('%s is refused at creation', (_label, value, code) => {
      let error: unknown;
      try {
        createApp({ storage: fx().storage, saveConflicts: value as never });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(WopiConfigError);
      expect((error as WopiConfigError).code).toBe(code);
      expect((error as Error).message).toMatch(/`saveConflicts` must be one of refuse, keepBoth/);
    });
  });
});

describe('conflict copy names', () => {
  const when = new Date(Date.UTC(2026, 11, 3, 7, 12, 45));
  const first = (names: Iterable<string>, n: number): string[] => {
    const out: string[] = [];
    for (const name of names) {
      out.push(name);
      if (out.length === n) break;
    }
    return out;
  };

  test('<base> (conflict <UTC date> <HHMM> <display name>).<ext>, then (1), (2), …', () => {
    expect(first(conflictCopyNames('report.docx', when, { userId: 'u1', userFriendlyName: 'Ada' }), 3)).toEqual([
      'report (conflict 2026-12-03 0712 Ada).docx',
      'report (conflict 2026-12-03 0712 Ada) (1).docx',
      'report (conflict 2026-12-03 0712 Ada) (2).docx',
    ]);
  });

  test('the user ID when there is no display name; no extension kept as none', () => {
    expect(first(conflictCopyNames('notes', when, { userId: 'u-42' }), 1)).toEqual(['notes (conflict 2026-12-03 0712 u-42)']);
  });

  test('a long name: every candidate within 255 bytes, the tag and the extension kept, the base shortened', () => {
    const long = `${'é'.repeat(200)}.xlsx`;
    const names = first(conflictCopyNames(long, when, { userId: 'u1', userFriendlyName: 'Ada' }), 1000);
    expect(names).toHaveLength(1000);
    for (const name of names) {
      expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
      expect(name).toMatch(/ \(conflict 2026-12-03 0712 Ada\)( \(\d+\))?\.xlsx$/);
      expect(checkFileName(name)).toEqual({ ok: true });
    }
    expect(new Set(names).size).toBe(1000);
  });

  test('a long display name is cut to 64 bytes', () => {
    const [name] = first(conflictCopyNames('a.docx', when, { userId: 'u1', userFriendlyName: 'N'.repeat(300) }), 1);
    expect(name).toBe(`a (conflict 2026-12-03 0712 ${'N'.repeat(64)}).docx`);
  });
});
