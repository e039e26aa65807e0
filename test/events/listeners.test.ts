/**
 * How listeners are called: a failing listener (throw or rejection) never changes the WOPI
 * response and is logged on `express-wopi:server_error`; the response does not wait for a
 * listener's promise; several listener objects are all called, in order, with their `this`;
 * events carry no access token; a listener cannot change the response; the deprecated
 * `onPutFile` hook is still called (and still awaited); the option is validated at creation.
 */
import request from 'supertest';
import {
  JwtAuth,
  MemoryStorage,
  WopiConfigError,
  type WopiAuth,
  type WopiEvent,
  type WopiPutFileContext,
  type WopiSavedEvent,
  type WopiRouterOptions,
} from '../../src';
import { encodeUtf7 } from '../../src/protocol/utf7';
import { createApp, TEST_SECRET } from '../helpers/create-app';
import { STORAGES, useStorage } from '../helpers/ops-storages';
import { deleteReq, fileUrl, lockReq, putFile, putRelativeReq, relockReq, renameReq, unlockReq } from '../helpers/wopi-requests';
import { captureServerErrors, recorder, settle } from './recorder';

describe.each(STORAGES)('event listeners on %s', (_name, makeStorage) => {
  const fx = useStorage(makeStorage);

  async function setup(options: Partial<WopiRouterOptions> = {}) {
    const fileId = await fx().addFile('report.docx', 'content');
    const app = createApp({ storage: fx().storage, ...options });
    const t = await app.token(fileId);
    expect((await lockReq(app.app, fileId, t, 'A')).status).toBe(200);
    return { ...app, fileId, t };
  }

  describe('failures', () => {
    let capture: ReturnType<typeof captureServerErrors>;
    beforeEach(() => {
      capture = captureServerErrors();
    });
    afterEach(() => capture.restore());

    test('a listener that throws: the save still answers 200, the next listener still runs, one server_error line', async () => {
      const rec = recorder();
      const { app, fileId, t } = await setup({
        events: [
          {
            saved() {
              throw new Error('audit database is down');
            },
          },
          rec.listeners,
        ],
      });
      const res = await putFile(app, fileId, t, 'new', { 'X-WOPI-Lock': 'A' });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ LastModifiedTime: expect.any(String) });
      expect(rec.summary()).toEqual(['locked Lock', 'saved PutFile']);
      expect(await fx().content(fileId)).toEqual(Buffer.from('new'));
      expect(capture.lines.filter((l) => l.startsWith('express-wopi:server_error '))).toEqual([
        `express-wopi:server_error saved listener failed (PutFile ${fileId}): audit database is down`,
      ]);
      expect(capture.lines.some((l) => l.startsWith('express-wopi:server_error:trace ') && l.includes('audit database is down'))).toBe(
        true,
      );
    });

    test('a listener that rejects: 200, and the rejection is logged, not left unhandled', async () => {
      const { app, fileId, t } = await setup({
        events: {
          async unlocked() {
            await Promise.resolve();
            throw new Error('queue full');
          },
          lockConflict: () => Promise.reject(new Error('metrics down')),
        },
      });
      expect((await unlockReq(app, fileId, t, 'A')).status).toBe(200);
      expect((await unlockReq(app, fileId, t, 'A')).status).toBe(409);
      await settle();
      expect(capture.lines.filter((l) => l.startsWith('express-wopi:server_error '))).toEqual([
        `express-wopi:server_error unlocked listener failed (Unlock ${fileId}): queue full`,
        `express-wopi:server_error lockConflict listener failed (Unlock ${fileId}): metrics down`,
      ]);
    });

    test('a listener that throws something that is no Error still fails quietly', async () => {
      const { app, fileId, t } = await setup({
        events: {
          locked() {
            throw 'a string';
          },
        },
      });
      expect((await relockReq(app, fileId, t, 'A', 'B')).status).toBe(200);
      expect(capture.lines).toContain(`express-wopi:server_error locked listener failed (UnlockAndRelock ${fileId}): a string`);
    });

    test('the deprecated onPutFile hook failing is logged the same way and the save answers 200', async () => {
      const { app, fileId, t } = await setup({
        onPutFile() {
          throw new Error('hook broke');
        },
      });
      expect((await putFile(app, fileId, t, 'x', { 'X-WOPI-Lock': 'A' })).status).toBe(200);
      expect(capture.lines).toContain(`express-wopi:server_error onPutFile hook failed for ${fileId}: hook broke`);
    });
  });

  test('the response does not wait for a listener that never settles', async () => {
    const pending: WopiEvent[] = [];
    const { app, fileId, t } = await setup({
      events: {
        saved: (event) => {
          pending.push(event);
          return new Promise<void>(() => undefined);
        },
      },
    });
    const res = await putFile(app, fileId, t, 'x', { 'X-WOPI-Lock': 'A' });
    expect(res.status).toBe(200);
    // Called before the response was written.
    expect(pending).toHaveLength(1);
  });

  test('several listener objects: all called, in order; methods keep their `this`; listeners called before the response', async () => {
    const order: string[] = [];
    class Audit {
      readonly rows: string[] = [];
      saved(event: WopiSavedEvent): void {
        this.rows.push(event.file.version);
        order.push('audit');
      }
    }
    const audit = new Audit();
    const { app, fileId, t } = await setup({
      events: [audit, { saved: () => void order.push('second') }, { saved: () => void order.push('third'), locked: () => undefined }],
    });
    const res = await putFile(app, fileId, t, 'x', { 'X-WOPI-Lock': 'A' });
    order.push('response');
    expect(order).toEqual(['audit', 'second', 'third', 'response']);
    expect(audit.rows).toEqual([res.headers['x-wopi-itemversion']]);
  });

  test('a listener cannot change the response or the other listeners’ event', async () => {
    const seen: WopiSavedEvent[] = [];
    const { app, fileId, t } = await setup({
      events: [
        {
          saved(event) {
            (event.file as { version: string }).version = 'hacked';
            event.save.editors.push('mallory');
            expect(() => {
              (event as { fileId: string }).fileId = 'other';
            }).toThrow(TypeError);
          },
        },
        { saved: (event) => void seen.push(event) },
      ],
      onPutFile: ({ file, save }) => {
        expect(file.version).not.toBe('hacked');
        expect(save.editors).toEqual([]);
      },
    });
    const res = await putFile(app, fileId, t, 'x', { 'X-WOPI-Lock': 'A' });
    expect(res.status).toBe(200);
    expect(res.headers['x-wopi-itemversion']).not.toBe('hacked');
    expect(seen[0]!.fileId).toBe(fileId);
  });

  describe('the deprecated onPutFile hook', () => {
    test('still called for PutFile, after the saved listeners, with the request; the response waits for it', async () => {
      const order: string[] = [];
      let release!: () => void;
      const hookDone = new Promise<void>((resolve) => {
        release = resolve;
      });
      const calls: WopiPutFileContext[] = [];
      const { app, fileId, t } = await setup({
        events: { saved: () => void order.push('saved') },
        onPutFile: async (context) => {
          order.push('onPutFile');
          calls.push(context);
          await hookDone;
          order.push('onPutFile done');
        },
      });
      const pending = putFile(app, fileId, t, 'x', { 'X-WOPI-Lock': 'A', 'X-LOOL-WOPI-IsExitSave': 'true' }).then((res) => {
        order.push('response');
        return res;
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(order).toEqual(['saved', 'onPutFile']);
      release();
      const res = await pending;
      expect(res.status).toBe(200);
      expect(order).toEqual(['saved', 'onPutFile', 'onPutFile done', 'response']);
      expect(calls[0]).toMatchObject({ fileId, save: { isExitSave: true, lockId: 'A' }, file: { size: 1 } });
      expect(calls[0]!.req.method).toBe('POST');
    });

    test('not called for the saves of PutRelativeFile, which the saved event reports', async () => {
      const calls: WopiPutFileContext[] = [];
      const rec = recorder();
      const { app, fileId, t } = await setup({ onPutFile: (c) => void calls.push(c), events: rec.listeners });
      await fx().addFile('copy.docx', 'old');
      const res = await putRelativeReq(app, fileId, t, 'x', {
        'X-WOPI-RelativeTarget': encodeUtf7('copy.docx'),
        'X-WOPI-OverwriteRelativeTarget': 'true',
      });
      expect(res.status).toBe(200);
      expect(calls).toEqual([]);
      expect(rec.of('saved').map((e) => e.operation)).toEqual(['PutRelativeFile']);
    });
  });
});

describe('no access token in any event', () => {
  test('a whole session, with the token in the query and as a bearer header, and an auth that puts the token on the user', async () => {
    const storage = new MemoryStorage();
    const fileId = storage.addFile('report.docx', 'content');
    const other = storage.addFile('other.docx', 'other');
    const jwt = new JwtAuth({ secret: TEST_SECRET });
    // An auth adapter that returns more than WopiUser: the token itself, and a claim.
    const leaky: WopiAuth = {
      authenticate: async (token, id) => ({ ...(await jwt.authenticate(token, id)), accessToken: token, claims: { raw: token } }) as never,
      issueToken: (r) => jwt.issueToken(r),
    };
    const rec = recorder();
    const { app } = createApp({ storage, auth: leaky, events: rec.listeners });
    const issue = async (id: string) =>
      (await jwt.issueToken({ fileId: id, userId: 'u1', userFriendlyName: 'Ada', permissions: { write: true } })).accessToken;
    const t = await issue(fileId);
    const t2 = await issue(other);
    const bearer = (req: request.Test) => req.set('Authorization', `Bearer ${t}`);

    expect((await lockReq(app, fileId, t, 'A')).status).toBe(200);
    expect((await bearer(request(app).post(fileUrl(fileId)).set({ 'X-WOPI-Override': 'REFRESH_LOCK', 'X-WOPI-Lock': 'A' }))).status).toBe(
      200,
    );
    expect((await putFile(app, fileId, t, 'v2', { 'X-WOPI-Lock': 'A', 'X-WOPI-Editors': 'u1' })).status).toBe(200);
    expect((await putFile(app, fileId, t, 'v3', { 'X-WOPI-Lock': 'B' })).status).toBe(409);
    expect((await putRelativeReq(app, fileId, t, 'copy', { 'X-WOPI-SuggestedTarget': '.pdf' })).status).toBe(200);
    expect((await renameReq(app, fileId, t, 'renamed', { 'X-WOPI-Lock': 'A' })).status).toBe(200);
    expect((await unlockReq(app, fileId, t, 'A')).status).toBe(200);
    expect((await deleteReq(app, other, t2)).status).toBe(200);

    expect(rec.summary()).toEqual([
      'locked Lock',
      'lockRefreshed RefreshLock',
      'saved PutFile',
      'lockConflict PutFile',
      'created PutRelativeFile',
      'renamed RenameFile',
      'unlocked Unlock',
      'deleted DeleteFile',
    ]);
    const serialized = JSON.stringify(rec.events);
    for (const token of [t, t2]) {
      expect(serialized).not.toContain(token);
      // Not even a part of one (a JWT's signature).
      expect(serialized).not.toContain(token.split('.')[2]);
    }
    expect(serialized).not.toContain('access_token');
    for (const event of rec.events) {
      expect(Object.keys(event.user).sort()).toEqual(['permissions', 'userFriendlyName', 'userId']);
      expect(event).not.toHaveProperty('req');
    }
  });
});

describe('the events option', () => {
  const storage = new MemoryStorage();
  const auth = new JwtAuth({ secret: TEST_SECRET });
  const create = (events: unknown) => createApp({ storage, auth, events: events as WopiRouterOptions['events'] });

  test.each([
    ['a function', () => undefined, 'WOPI_OPTION_TYPE', /`events` must be an object of listeners/],
    ['null', null, 'WOPI_OPTION_TYPE', /`events` must be an object of listeners .*got null/],
    ['a listener that is no function', { saved: 'log' }, 'WOPI_OPTION_TYPE', /`events.saved` must be a function, got a string/],
    ['a misspelt event', { save: () => undefined }, 'WOPI_OPTION_UNKNOWN', /`events` has no event `save` \(events: saved, created,/],
    ['a bad entry in a list', [{}, 42], 'WOPI_OPTION_TYPE', /`events\[1\]` must be an object of listeners/],
    ['a bad listener in a list', [{ locked: 1 }], 'WOPI_OPTION_TYPE', /`events\[0\].locked` must be a function/],
  ])('%s → %s', (_label, events, code, message) => {
    let thrown: unknown;
    try {
      create(events);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(WopiConfigError);
    expect((thrown as WopiConfigError).code).toBe(code);
    expect((thrown as Error).message).toMatch(message);
  });

  test.each([
    ['an empty object', {}],
    ['an empty list', []],
    ['undefined listeners', { saved: undefined }],
    [
      'a class instance with other fields',
      new (class {
        db = 'not an event';
        saved(): void {}
      })(),
    ],
  ])('%s is accepted', (_label, events) => {
    expect(() => create(events)).not.toThrow();
  });
});
