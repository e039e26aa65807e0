/**
 * Every adapter call can fail. Whatever it throws (an Error naming an internal path, a rejected
 * promise, a non-Error value), the client gets a bare 500 whose body says nothing about it, and
 * the fault is logged on `express-wopi:server_error`.
 */
import createDebug from 'debug';
import express from 'express';
import request from 'supertest';
import { format } from 'node:util';
import {
  createWopiRouter,
  JwtAuth,
  MemoryLockStore,
  MemoryStorage,
  MemoryUserInfoStore,
  type WopiLockStore,
  type WopiStorage,
  type WopiUserInfoStore,
} from '../../src';
import { TEST_SECRET } from '../helpers/create-app';
import { encodeUtf7 } from '../../src/protocol/utf7';

const SECRET_DETAIL = '/srv/internal/volume-7/doc.docx';

type Failure = 'throw' | 'reject' | 'reject-non-error';

function failing<T extends object>(target: T, method: string, how: Failure): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver);
      if (prop !== method) return typeof value === 'function' ? value.bind(obj) : value;
      return () => {
        if (how === 'throw') throw new Error(`EIO: i/o error, open '${SECRET_DETAIL}'`);
        if (how === 'reject') return Promise.reject(new Error(`EIO: i/o error, open '${SECRET_DETAIL}'`));
        return Promise.reject({ detail: SECRET_DETAIL });
      };
    },
  });
}

interface Case {
  operation: string;
  failingIn: 'storage' | 'locks' | 'userInfo';
  method: string;
  send: (app: express.Express, fileId: string, token: string) => request.Test;
  lockFirst?: boolean;
}

const post = (app: express.Express, url: string, token: string) => request(app).post(url).query({ access_token: token });
const CASES: Case[] = [
  {
    operation: 'CheckFileInfo',
    failingIn: 'storage',
    method: 'getFileInfo',
    send: (app, id, t) => request(app).get(`/wopi/files/${id}`).query({ access_token: t }),
  },
  {
    operation: 'CheckFileInfo',
    failingIn: 'userInfo',
    method: 'getUserInfo',
    send: (app, id, t) => request(app).get(`/wopi/files/${id}`).query({ access_token: t }),
  },
  {
    operation: 'GetFile',
    failingIn: 'storage',
    method: 'readFile',
    send: (app, id, t) => request(app).get(`/wopi/files/${id}/contents`).query({ access_token: t }),
  },
  {
    operation: 'PutFile',
    failingIn: 'storage',
    method: 'writeFile',
    lockFirst: true,
    send: (app, id, t) => post(app, `/wopi/files/${id}/contents`, t).set({ 'X-WOPI-Override': 'PUT', 'X-WOPI-Lock': 'L' }).send('new'),
  },
  {
    operation: 'PutFile',
    failingIn: 'locks',
    method: 'getLock',
    send: (app, id, t) => post(app, `/wopi/files/${id}/contents`, t).set({ 'X-WOPI-Override': 'PUT', 'X-WOPI-Lock': 'L' }).send('new'),
  },
  {
    operation: 'Lock',
    failingIn: 'locks',
    method: 'lock',
    send: (app, id, t) => post(app, `/wopi/files/${id}`, t).set({ 'X-WOPI-Override': 'LOCK', 'X-WOPI-Lock': 'L' }),
  },
  {
    operation: 'GetLock',
    failingIn: 'locks',
    method: 'getLock',
    send: (app, id, t) => post(app, `/wopi/files/${id}`, t).set({ 'X-WOPI-Override': 'GET_LOCK' }),
  },
  {
    operation: 'RefreshLock',
    failingIn: 'locks',
    method: 'refreshLock',
    send: (app, id, t) => post(app, `/wopi/files/${id}`, t).set({ 'X-WOPI-Override': 'REFRESH_LOCK', 'X-WOPI-Lock': 'L' }),
  },
  {
    operation: 'Unlock',
    failingIn: 'locks',
    method: 'unlock',
    send: (app, id, t) => post(app, `/wopi/files/${id}`, t).set({ 'X-WOPI-Override': 'UNLOCK', 'X-WOPI-Lock': 'L' }),
  },
  {
    operation: 'UnlockAndRelock',
    failingIn: 'locks',
    method: 'unlockAndRelock',
    send: (app, id, t) => post(app, `/wopi/files/${id}`, t).set({ 'X-WOPI-Override': 'LOCK', 'X-WOPI-Lock': 'N', 'X-WOPI-OldLock': 'L' }),
  },
  {
    operation: 'PutRelativeFile',
    failingIn: 'storage',
    method: 'findRelativeFile',
    send: (app, id, t) =>
      post(app, `/wopi/files/${id}`, t)
        .set({ 'X-WOPI-Override': 'PUT_RELATIVE', 'X-WOPI-RelativeTarget': encodeUtf7('copy.docx') })
        .send('x'),
  },
  {
    operation: 'PutRelativeFile',
    failingIn: 'storage',
    method: 'createRelativeFile',
    send: (app, id, t) =>
      post(app, `/wopi/files/${id}`, t).set({ 'X-WOPI-Override': 'PUT_RELATIVE', 'X-WOPI-SuggestedTarget': '.pdf' }).send('x'),
  },
  {
    operation: 'RenameFile',
    failingIn: 'storage',
    method: 'renameFile',
    send: (app, id, t) => post(app, `/wopi/files/${id}`, t).set({ 'X-WOPI-Override': 'RENAME_FILE', 'X-WOPI-RequestedName': 'renamed' }),
  },
  {
    operation: 'DeleteFile',
    failingIn: 'storage',
    method: 'deleteFile',
    send: (app, id, t) => post(app, `/wopi/files/${id}`, t).set({ 'X-WOPI-Override': 'DELETE' }),
  },
  {
    operation: 'PutUserInfo',
    failingIn: 'userInfo',
    method: 'putUserInfo',
    send: (app, id, t) => post(app, `/wopi/files/${id}`, t).set({ 'X-WOPI-Override': 'PUT_USER_INFO' }).send('info'),
  },
];

describe('adapter failures', () => {
  const lines: string[] = [];
  const originalLog = createDebug.log;
  const previouslyEnabled = createDebug.disable();

  beforeAll(() => {
    createDebug.enable('express-wopi:server_error');
    createDebug.log = (...args: unknown[]) => {
      lines.push(format(...(args as [unknown, ...unknown[]])));
    };
  });
  afterAll(() => {
    createDebug.log = originalLog;
    createDebug.disable();
    if (previouslyEnabled) createDebug.enable(previouslyEnabled);
  });

  describe.each(['throw', 'reject', 'reject-non-error'] as Failure[])('the adapter method %s', (how) => {
    test.each(CASES.map((c) => [`${c.operation}: ${c.failingIn}.${c.method}`, c] as const))(
      '%s fails → bare 500, logged on server_error',
      async (_label, c) => {
        const memory = new MemoryStorage();
        const fileId = memory.addFile('doc.docx', c.operation === 'PutFile' ? '' : 'content');
        const memoryLocks = new MemoryLockStore();
        if (c.lockFirst) await memoryLocks.lock(fileId, 'L', 60_000);
        const storage: WopiStorage = c.failingIn === 'storage' ? failing(memory, c.method, how) : memory;
        const locks: WopiLockStore = c.failingIn === 'locks' ? failing(memoryLocks, c.method, how) : memoryLocks;
        const memoryUserInfo = new MemoryUserInfoStore();
        const userInfo: WopiUserInfoStore = c.failingIn === 'userInfo' ? failing(memoryUserInfo, c.method, how) : memoryUserInfo;
        const auth = new JwtAuth({ secret: TEST_SECRET });
        const app = express();
        app.use('/wopi', createWopiRouter({ storage, locks, auth, userInfo }));
        const { accessToken } = await auth.issueToken({ fileId, userId: 'u1', permissions: { write: true } });
        lines.length = 0;

        const res = await c.send(app, fileId, accessToken);

        expect(res.status).toBe(500);
        expect(res.text).toBe('Internal Server Error');
        const everything = JSON.stringify(res.headers) + res.text;
        expect(everything).not.toContain(SECRET_DETAIL);
        expect(everything).not.toContain(accessToken);
        expect(everything).not.toMatch(/\bat .+:\d+:\d+/); // no stack frames
        expect(res.headers['x-wopi-lock']).toBeUndefined();
        expect(lines.some((l) => l.includes('express-wopi:server_error'))).toBe(true);
        expect(lines.join('\n')).not.toContain(accessToken);
      },
    );
  });
});
