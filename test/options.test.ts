import express from 'express';
import request from 'supertest';
import { createWopiRouter, JwtAuth, MemoryLockStore, MemoryStorage, WopiConfigError, type WopiRouterOptions } from '../src';
import { TEST_SECRET } from './helpers/create-app';

const storage = new MemoryStorage();
const auth = new JwtAuth({ secret: TEST_SECRET });
const noop = async () => undefined;
const fullLocks = { getLock: noop, lock: noop, refreshLock: noop, unlock: noop, unlockAndRelock: noop };

/** The WopiConfigError createWopiRouter throws for `options`. */
function configError(options: unknown): WopiConfigError {
  try {
    createWopiRouter(options as WopiRouterOptions);
  } catch (err) {
    expect(err).toBeInstanceOf(WopiConfigError);
    return err as WopiConfigError;
  }
  throw new Error('createWopiRouter did not throw');
}

describe('createWopiRouter option validation', () => {
  it.each<[string, unknown]>([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'storage'],
    ['a number', 42],
    ['a function', () => ({ storage, auth })],
  ])('non-object options (%s) → ERR_WOPI_OPTIONS', (_label, options) => {
    expect(configError(options).code).toBe('ERR_WOPI_OPTIONS');
  });

  it.each<[string, unknown, string, RegExp]>([
    ['missing storage', { auth }, 'ERR_WOPI_STORAGE', /`storage` is required/],
    ['storage null', { storage: null, auth }, 'ERR_WOPI_STORAGE', /`storage` is required/],
    ['storage a string', { storage: './files', auth }, 'ERR_WOPI_STORAGE', /`storage` is required/],
    ['storage without writeFile', { storage: { getFileInfo: noop, readFile: noop }, auth }, 'ERR_WOPI_STORAGE', /\(missing writeFile\)/],
    ['storage without getFileInfo', { storage: { readFile: noop, writeFile: noop }, auth }, 'ERR_WOPI_STORAGE', /\(missing getFileInfo\)/],
    ['storage with readFile not a function', { storage: { getFileInfo: noop, readFile: 'x', writeFile: noop }, auth }, 'ERR_WOPI_STORAGE', /\(missing readFile\)/],
    ['storage empty object', { storage: {}, auth }, 'ERR_WOPI_STORAGE', /missing getFileInfo, readFile, writeFile/],
    ['missing auth', { storage }, 'ERR_WOPI_AUTH', /`auth` is required/],
    ['auth without authenticate', { storage, auth: { issueToken: noop } }, 'ERR_WOPI_AUTH', /\(missing authenticate\)/],
    ['locks empty object', { storage, auth, locks: {} }, 'ERR_WOPI_LOCKS', /missing getLock, lock, refreshLock, unlock, unlockAndRelock/],
    ['locks without unlockAndRelock', { storage, auth, locks: { ...fullLocks, unlockAndRelock: undefined } }, 'ERR_WOPI_LOCKS', /\(missing unlockAndRelock\)/],
    ['locks null', { storage, auth, locks: null }, 'ERR_WOPI_LOCKS', /`locks` is required/],
    ['unknown option key', { storage, auth, lockTTL: 1000 }, 'ERR_WOPI_OPTIONS', /unknown option `lockTTL`/],
    ['lockTtlMs 0', { storage, auth, lockTtlMs: 0 }, 'ERR_WOPI_OPTION_VALUE', /lockTtlMs/],
    ['lockTtlMs -1', { storage, auth, lockTtlMs: -1 }, 'ERR_WOPI_OPTION_VALUE', /lockTtlMs/],
    ['lockTtlMs 1.5', { storage, auth, lockTtlMs: 1.5 }, 'ERR_WOPI_OPTION_VALUE', /lockTtlMs/],
    ["lockTtlMs '30'", { storage, auth, lockTtlMs: '30' }, 'ERR_WOPI_OPTION_VALUE', /lockTtlMs/],
    ['lockTtlMs Infinity', { storage, auth, lockTtlMs: Infinity }, 'ERR_WOPI_OPTION_VALUE', /lockTtlMs/],
    ['maxFileSize -1', { storage, auth, maxFileSize: -1 }, 'ERR_WOPI_OPTION_VALUE', /maxFileSize/],
    ['maxFileSize NaN', { storage, auth, maxFileSize: NaN }, 'ERR_WOPI_OPTION_VALUE', /maxFileSize/],
    ['maxFileSize 1.5', { storage, auth, maxFileSize: 1.5 }, 'ERR_WOPI_OPTION_VALUE', /maxFileSize/],
    ['checkFileInfo not a function', { storage, auth, checkFileInfo: { PostMessageOrigin: 'x' } }, 'ERR_WOPI_OPTION_VALUE', /`checkFileInfo` must be a function/],
    ['onPutFile not a function', { storage, auth, onPutFile: 'log' }, 'ERR_WOPI_OPTION_VALUE', /`onPutFile` must be a function/],
  ])('%s', (_label, options, code, message) => {
    const err = configError(options);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
    expect(err.message).toContain(`[${code}]`);
  });

  it.each<[string, Partial<WopiRouterOptions>]>([
    ['minimal', {}],
    ['explicit undefined optionals', { locks: undefined, lockTtlMs: undefined, maxFileSize: undefined, checkFileInfo: undefined, onPutFile: undefined }],
    ['maxFileSize 0', { maxFileSize: 0 }],
    ['lockTtlMs 1', { lockTtlMs: 1 }],
    ['custom locks and hooks', { locks: new MemoryLockStore(), checkFileInfo: () => undefined, onPutFile: () => undefined }],
  ])('accepts valid options (%s)', (_label, extra) => {
    const router = createWopiRouter({ storage, auth, ...extra });
    expect(typeof router).toBe('function');
  });
});

describe('default lock store', () => {
  function mount(s: MemoryStorage) {
    const app = express();
    app.use('/wopi', createWopiRouter({ storage: s, auth }));
    return app;
  }

  it('defaults to an in-memory lock store that holds locks between requests', async () => {
    const s = new MemoryStorage();
    const fileId = s.addFile('a.docx', 'content');
    const app = mount(s);
    const { accessToken } = await auth.issueToken({ fileId, userId: 'u1', permissions: { write: true } });
    const post = (headers: Record<string, string>) => {
      let r = request(app).post(`/wopi/files/${fileId}`).query({ access_token: accessToken });
      for (const [k, v] of Object.entries(headers)) r = r.set(k, v);
      return r;
    };

    const locked = await post({ 'X-WOPI-Override': 'LOCK', 'X-WOPI-Lock': 'L1' });
    expect(locked.status).toBe(200);

    const got = await post({ 'X-WOPI-Override': 'GET_LOCK' });
    expect(got.status).toBe(200);
    expect(got.headers['x-wopi-lock']).toBe('L1');

    const conflict = await post({ 'X-WOPI-Override': 'LOCK', 'X-WOPI-Lock': 'L2' });
    expect(conflict.status).toBe(409);
    expect(conflict.headers['x-wopi-lock']).toBe('L1');
  });

  it('gives each router its own store (nothing shared between two mounts)', async () => {
    const s = new MemoryStorage();
    const fileId = s.addFile('a.docx', 'content');
    const appA = mount(s);
    const appB = mount(s);
    const { accessToken } = await auth.issueToken({ fileId, userId: 'u1', permissions: { write: true } });
    const a = await request(appA)
      .post(`/wopi/files/${fileId}`)
      .query({ access_token: accessToken })
      .set('X-WOPI-Override', 'LOCK')
      .set('X-WOPI-Lock', 'L1');
    expect(a.status).toBe(200);
    const b = await request(appB)
      .post(`/wopi/files/${fileId}`)
      .query({ access_token: accessToken })
      .set('X-WOPI-Override', 'GET_LOCK');
    expect(b.status).toBe(200);
    expect(b.headers['x-wopi-lock']).toBe('');
  });
});
