/**
 * `DEBUG=express-wopi:*` diagnoses "the editor cannot save" (docs/debugging.md):
 *
 * - each request's `express-wopi:router:<id>` line names the WOPI operation (Lock, RefreshLock,
 *   PutFile, …), not only the method and route (`POST file`);
 * - a 409 shows, on the request's `express-wopi:op:<operation>:<id>` line, the lock the request
 *   presented and the one the file has;
 * - `express-wopi:server_error` lines (and their `:trace`) carry the request ID, so that they can
 *   be matched with the request's router line;
 * - a request under the mount path that matches no WOPI route (a wrong WOPISrc such as
 *   `/wopi/wopi/files/<id>`) is logged on `express-wopi:router`, with its method and path;
 * - no line holds an access token, `access_token` or a query string.
 *
 * The lines are captured by enabling the namespaces with `debug.enable` and replacing `debug.log`.
 */
import { format } from 'node:util';
import createDebug from 'debug';
import express from 'express';
import request from 'supertest';
import { createWopiRouter, JwtAuth, MemoryStorage } from '../../src';
import type * as wopiModule from '../../src';
import { createApp, TEST_SECRET } from '../helpers/create-app';
import { storageFailingIn } from '../helpers/fake-adapters';
import {
  checkFileInfo,
  getFile,
  getLockReq,
  lockReq,
  override,
  putFile,
  refreshLockReq,
  relockReq,
  unlockReq,
} from '../helpers/wopi-requests';

interface Line {
  namespace: string;
  text: string;
}

const lines: Line[] = [];
let previousLog: typeof createDebug.log;
let previousFormatArgs: typeof createDebug.formatArgs;
let previousNamespaces = '';
/** Every access token the tests sent: none may appear in a line. */
const tokens = new Set<string>();

beforeAll(() => {
  previousLog = createDebug.log;
  previousFormatArgs = createDebug.formatArgs;
  previousNamespaces = createDebug.disable();
  // No date, colour or `+0ms`: the line as a reader of the namespace and message sees it.
  createDebug.formatArgs = () => undefined;
  createDebug.log = function capture(this: unknown, ...args: unknown[]): void {
    lines.push({ namespace: (this as { namespace?: string } | undefined)?.namespace ?? '?', text: format(...args) });
  };
  createDebug.enable('express-wopi:*');
});

afterAll(() => {
  createDebug.log = previousLog;
  createDebug.formatArgs = previousFormatArgs;
  createDebug.disable();
  if (previousNamespaces) createDebug.enable(previousNamespaces);
});

/** The router writes a request's line when its response closes: wait for it. */
async function settled(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Runs `send`, then returns the lines it produced. */
async function linesOf(send: () => PromiseLike<unknown>): Promise<Line[]> {
  const from = lines.length;
  await send();
  await settled();
  return lines.slice(from);
}

/** The request lines (`express-wopi:router:<id>`) among `of`, as `<id> <text>`. */
function requestLines(of: Line[]): string[] {
  return of.filter((l) => /^express-wopi:router:[0-9a-z]+$/.test(l.namespace)).map((l) => `${l.namespace.split(':')[2]} ${l.text}`);
}

/** `<METHOD> <route> <operation> <id> → <status>`, without the duration. */
const requestLine = (text: string): string => text.replace(/ in [0-9.]+ ms$/, '');

async function issue(app: ReturnType<typeof createApp>, fileId: string): Promise<string> {
  const token = await app.token(fileId);
  tokens.add(token);
  return token;
}

describe('the request line names the operation', () => {
  test('a whole editing session: each line has method, route, operation, file ID and status', async () => {
    const storage = new MemoryStorage();
    const fileId = storage.addFile('report.docx', 'v1');
    const app = createApp({ storage });
    const t = await issue(app, fileId);
    const session: Array<[string, () => PromiseLike<unknown>]> = [
      [`GET file CheckFileInfo ${fileId} → 200`, () => checkFileInfo(app.app, fileId, t)],
      [`HEAD file CheckFileInfo ${fileId} → 200`, () => request(app.app).head(`/wopi/files/${fileId}`).query({ access_token: t })],
      [`GET contents GetFile ${fileId} → 200`, () => getFile(app.app, fileId, t)],
      [`POST file Lock ${fileId} → 200`, () => lockReq(app.app, fileId, t, 'A')],
      [`POST file GetLock ${fileId} → 200`, () => getLockReq(app.app, fileId, t)],
      [`POST file RefreshLock ${fileId} → 200`, () => refreshLockReq(app.app, fileId, t, 'A')],
      [`POST file UnlockAndRelock ${fileId} → 200`, () => relockReq(app.app, fileId, t, 'A', 'B')],
      [`POST contents PutFile ${fileId} → 200`, () => putFile(app.app, fileId, t, 'v2', { 'X-WOPI-Lock': 'B' })],
      [`POST file Unlock ${fileId} → 200`, () => unlockReq(app.app, fileId, t, 'B')],
      // No operation for this override: `-`, and the 501's message on the line before.
      [`POST file - ${fileId} → 501`, () => override(app.app, fileId, t, 'GET_RESTRICTED_LINK')],
    ];
    for (const [expected, send] of session) {
      const produced = requestLines(await linesOf(send));
      expect(produced.map((l) => requestLine(l.slice(l.indexOf(' ') + 1))).at(-1)).toBe(expected);
    }
  });

  test('an error the client caused: the request line has the operation, the line before it the message', async () => {
    const app = createApp();
    const produced = requestLines(await linesOf(() => lockReq(app.app, 'some-file', undefined, 'A')));
    const id = produced[0]?.split(' ')[0] as string;
    expect(produced.map((l) => requestLine(l))).toStrictEqual([`${id} 401 Missing access token`, `${id} POST file Lock some-file → 401`]);
  });

  test('a file ID that is not valid percent-encoding: 400, the operation still named', async () => {
    const app = createApp();
    const produced = requestLines(await linesOf(() => request(app.app).post('/wopi/files/bad%zzid').set('X-WOPI-Override', 'LOCK')));
    expect(produced.map((l) => requestLine(l.slice(l.indexOf(' ') + 1))).at(-1)).toBe('POST file Lock bad%zzid → 400');
  });
});

describe('the editor cannot save: what the lines say', () => {
  test('PutFile refused for a lock mismatch: the router line names PutFile and 409, the op line both lock IDs', async () => {
    const storage = new MemoryStorage();
    const fileId = storage.addFile('report.docx', 'v1');
    const app = createApp({ storage });
    const t = await issue(app, fileId);
    expect((await lockReq(app.app, fileId, t, 'editor-session-1')).status).toBe(200);

    const produced = await linesOf(() => putFile(app.app, fileId, t, 'v2', { 'X-WOPI-Lock': 'editor-session-2' }));

    const [line] = requestLines(produced).filter((l) => l.includes('→'));
    const id = line?.split(' ')[0] as string;
    expect(requestLine(line as string)).toBe(`${id} POST contents PutFile ${fileId} → 409`);
    const opLines = produced.filter((l) => l.namespace === `express-wopi:op:put-file:${id}`).map((l) => l.text);
    expect(opLines.some((l) => l.includes('"editor-session-2"') && l.includes('"editor-session-1"'))).toBe(true);
  });
});

describe('server_error lines carry the request ID', () => {
  test('a storage that fails on save: server_error and its trace name the request of the router line', async () => {
    const memory = new MemoryStorage();
    const fileId = memory.addFile('report.docx', '');
    const app = createApp({ storage: storageFailingIn(memory, 'writeFile', 'disk controller on fire') });
    const t = await issue(app, fileId);

    const produced = await linesOf(() => putFile(app.app, fileId, t, 'v2'));

    const [line] = requestLines(produced);
    const id = line?.split(' ')[0] as string;
    expect(requestLine(line as string)).toBe(`${id} POST contents PutFile ${fileId} → 500`);
    const errors = produced.filter((l) => l.namespace === 'express-wopi:server_error').map((l) => l.text);
    expect(errors).toStrictEqual([`request ${id}: POST contents PutFile ${fileId}: disk controller on fire`]);
    const traces = produced.filter((l) => l.namespace === 'express-wopi:server_error:trace').map((l) => l.text);
    expect(traces).toHaveLength(1);
    expect(traces[0]).toMatch(new RegExp(`^request ${id}: Error: disk controller on fire\\n\\s+at `));
  });

  test('a failing onActivities hook: its server_error line names the request too', async () => {
    const storage = new MemoryStorage();
    const fileId = storage.addFile('report.docx', 'v1');
    const app = createApp({
      storage,
      onActivities: async () => {
        throw new Error('notifier down');
      },
    });
    const t = await issue(app, fileId);
    const body = JSON.stringify({
      Activities: [
        { Type: 'comment', Id: 'c1', Created: '2017-02-15T13:47:13000000Z', Data: { ContentId: 'x', ContentAction: 'created' } },
      ],
    });
    const produced = await linesOf(() => override(app.app, fileId, t, 'ADD_ACTIVITIES').send(Buffer.from(body)));
    const [line] = requestLines(produced).filter((l) => l.includes('→'));
    const id = line?.split(' ')[0] as string;
    expect(requestLine(line as string)).toBe(`${id} POST file AddActivities ${fileId} → 200`);
    const errors = produced.filter((l) => l.namespace === 'express-wopi:server_error').map((l) => l.text);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^request ${id}: onActivities hook failed for ${fileId} .*: notifier down$`));
  });
});

describe('a request under the mount path that matches no WOPI route', () => {
  /** The lines on `express-wopi:router` itself (not the per-request ones). */
  const routerLines = (of: Line[]): string[] => of.filter((l) => l.namespace === 'express-wopi:router').map((l) => l.text);

  test.each([
    ['the mount path twice in the WOPISrc', 'get', '/wopi/wopi/files/abc', 'GET /wopi/wopi/files/abc'],
    ['no /files/ in it', 'get', '/wopi/abc', 'GET /wopi/abc'],
    ['a method WOPI does not use', 'put', '/wopi/files/abc', 'PUT /wopi/files/abc'],
    ['too deep', 'post', '/wopi/files/abc/contents/more', 'POST /wopi/files/abc/contents/more'],
  ] as const)('%s: logged with method and path, never the query string; the app answers', async (_label, method, path, shown) => {
    const app = createApp();
    const t = await issue(app, 'abc');
    let res: request.Response | undefined;
    const produced = await linesOf(async () => {
      res = await request(app.app)[method](path).query({ access_token: t, other: 'x' });
    });
    expect(res?.status).toBe(404);
    expect(routerLines(produced)).toStrictEqual([`${shown}: no WOPI route, passed on to the app (file URLs here are /wopi/files/<id>)`]);
    expect(requestLines(produced)).toStrictEqual([]);
  });

  test('mounted at a deeper path: the whole path and the whole mount path', async () => {
    const app = createApp({ mountPath: '/api/wopi' });
    const produced = await linesOf(() => request(app.app).get('/api/wopi/api/wopi/files/abc?access_token=secret-ish'));
    expect(routerLines(produced)).toStrictEqual([
      'GET /api/wopi/api/wopi/files/abc: no WOPI route, passed on to the app (file URLs here are /api/wopi/files/<id>)',
    ]);
  });

  test('a very long path is cut', async () => {
    const app = createApp();
    const produced = await linesOf(() => request(app.app).get(`/wopi/${'x'.repeat(5000)}`));
    const [line] = routerLines(produced);
    expect(line).toMatch(/^GET \/wopi\/x+…: no WOPI route/);
    expect((line as string).length).toBeLessThan(400);
  });

  test('a request outside the mount path is not the router’s: nothing logged', async () => {
    const app = createApp();
    const produced = await linesOf(() => request(app.app).get('/elsewhere/files/abc'));
    expect(produced.filter((l) => l.namespace.startsWith('express-wopi:'))).toStrictEqual([]);
  });

  test('a route the app added to the router answers first: nothing logged', async () => {
    const router = createWopiRouter({ storage: new MemoryStorage(), auth: new JwtAuth({ secret: TEST_SECRET }) });
    router.get('/health', (_req, res) => {
      res.send('ok');
    });
    const app = express();
    app.use('/wopi', router);
    const produced = await linesOf(() => request(app).get('/wopi/health'));
    expect(routerLines(produced).filter((l) => l.includes('no WOPI route'))).toStrictEqual([]);
  });

  test('Express 4 too', async () => {
    let loaded: { express: typeof express; wopi: typeof wopiModule } | undefined;
    jest.isolateModules(() => {
      jest.doMock('express', () => jest.requireActual('express4'));
      // The same `debug` as this file's, so that the capture sees the lines of this copy of src/.
      jest.doMock('debug', () => createDebug);
      loaded = { express: require('express') as typeof express, wopi: require('../../src') as typeof wopiModule };
    });
    const { express: express4, wopi: wopi4 } = loaded!;
    const app = express4();
    const auth = new wopi4.JwtAuth({ secret: TEST_SECRET });
    app.use('/wopi', wopi4.createWopiRouter({ storage: new wopi4.MemoryStorage(), auth }));
    const produced = await linesOf(() => request(app).get('/wopi/wopi/files/abc?access_token=secret-ish'));
    expect(routerLines(produced)).toContain(
      'GET /wopi/wopi/files/abc: no WOPI route, passed on to the app (file URLs here are /wopi/files/<id>)',
    );
  });
});

describe('no line holds a token or a query string', () => {
  test('a session with tokens in the query string and as Bearer, and requests to wrong URLs', async () => {
    const storage = new MemoryStorage();
    const fileId = storage.addFile('report.docx', 'v1');
    const app = createApp({ storage });
    const t = await issue(app, fileId);
    await linesOf(() => checkFileInfo(app.app, fileId, t));
    await linesOf(() => request(app.app).get(`/wopi/files/${fileId}`).set('Authorization', `Bearer ${t}`));
    await linesOf(() => lockReq(app.app, fileId, t, 'A'));
    await linesOf(() => putFile(app.app, fileId, t, 'v2', { 'X-WOPI-Lock': 'other' }));
    await linesOf(() => checkFileInfo(app.app, fileId, `${t}x`));
    await linesOf(() => request(app.app).get(`/wopi/wopi/files/${fileId}`).query({ access_token: t }));
    await linesOf(() => request(app.app).delete(`/wopi/files/${fileId}?access_token=${t}&access_token_ttl=0`));

    expect(tokens.size).toBeGreaterThan(0);
    expect(lines.length).toBeGreaterThan(20);
    for (const line of lines) {
      const whole = `${line.namespace} ${line.text}`;
      for (const token of tokens) {
        expect(whole).not.toContain(token);
        expect(whole).not.toContain(token.split('.')[2] as string);
      }
      expect(whole).not.toMatch(/access_token|Bearer|\?/i);
    }
  });
});
