import express from 'express';
import request from 'supertest';
import {
  createWopiRouter,
  JwtAuth,
  MemoryLockStore,
  MemoryStorage,
  WopiConfigError,
  type WopiConfigErrorCode,
  type WopiRouterOptions,
} from '../../src';
import { TEST_SECRET } from '../helpers/create-app';

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
  ])('non-object options (%s) → WOPI_OPTION_TYPE', (_label, options) => {
    const err = configError(options);
    expect(err.code).toBe('WOPI_OPTION_TYPE');
    expect(err.message).toMatch(/^createWopiRouter: options must be an object with `storage` and `auth`, got /);
  });

  it.each<[string, unknown, WopiConfigErrorCode, RegExp]>([
    ['missing storage', { auth }, 'WOPI_OPTION_MISSING', /`storage` is required \(a WopiStorage\)/],
    ['storage null', { storage: null, auth }, 'WOPI_OPTION_TYPE', /`storage` must be a WopiStorage, got null/],
    ['storage a string', { storage: './files', auth }, 'WOPI_OPTION_TYPE', /`storage` must be a WopiStorage, got a string/],
    [
      'storage without writeFile',
      { storage: { getFileInfo: noop, readFile: noop }, auth },
      'WOPI_ADAPTER_SHAPE',
      /`storage` does not implement WopiStorage \(missing writeFile\)/,
    ],
    [
      'storage without getFileInfo',
      { storage: { readFile: noop, writeFile: noop }, auth },
      'WOPI_ADAPTER_SHAPE',
      /\(missing getFileInfo\)/,
    ],
    [
      'storage with readFile not a function',
      { storage: { getFileInfo: noop, readFile: 'x', writeFile: noop }, auth },
      'WOPI_ADAPTER_SHAPE',
      /\(missing readFile\)/,
    ],
    ['storage empty object', { storage: {}, auth }, 'WOPI_ADAPTER_SHAPE', /missing getFileInfo, readFile, writeFile/],
    ['missing auth', { storage }, 'WOPI_OPTION_MISSING', /`auth` is required \(a WopiAuth\)/],
    [
      'auth without authenticate',
      { storage, auth: { issueToken: noop } },
      'WOPI_ADAPTER_SHAPE',
      /`auth` does not implement WopiAuth \(missing authenticate\)/,
    ],
    [
      'locks empty object',
      { storage, auth, locks: {} },
      'WOPI_ADAPTER_SHAPE',
      /missing getLock, lock, refreshLock, unlock, unlockAndRelock/,
    ],
    [
      'locks without unlockAndRelock',
      { storage, auth, locks: { ...fullLocks, unlockAndRelock: undefined } },
      'WOPI_ADAPTER_SHAPE',
      /\(missing unlockAndRelock\)/,
    ],
    ['locks null', { storage, auth, locks: null }, 'WOPI_OPTION_TYPE', /`locks` must be a WopiLockStore, got null/],
    [
      'unknown option key',
      { storage, auth, lockTTL: 1000 },
      'WOPI_OPTION_UNKNOWN',
      /unknown option `lockTTL` \(known options: storage, auth, locks, lockTtlMs,/,
    ],
    ['lockTtlMs 0', { storage, auth, lockTtlMs: 0 }, 'WOPI_OPTION_VALUE', /`lockTtlMs` must be a positive integer \(milliseconds\), got 0/],
    ['lockTtlMs -1', { storage, auth, lockTtlMs: -1 }, 'WOPI_OPTION_VALUE', /lockTtlMs/],
    ['lockTtlMs 1.5', { storage, auth, lockTtlMs: 1.5 }, 'WOPI_OPTION_VALUE', /lockTtlMs/],
    [
      "lockTtlMs '30'",
      { storage, auth, lockTtlMs: '30' },
      'WOPI_OPTION_TYPE',
      /`lockTtlMs` must be a positive integer \(milliseconds\), got a string/,
    ],
    ['lockTtlMs Infinity', { storage, auth, lockTtlMs: Infinity }, 'WOPI_OPTION_VALUE', /lockTtlMs/],
    [
      'maxFileSize -1',
      { storage, auth, maxFileSize: -1 },
      'WOPI_OPTION_VALUE',
      /`maxFileSize` must be a non-negative integer \(bytes\), got -1/,
    ],
    ['maxFileSize NaN', { storage, auth, maxFileSize: NaN }, 'WOPI_OPTION_VALUE', /maxFileSize/],
    ['maxFileSize 1.5', { storage, auth, maxFileSize: 1.5 }, 'WOPI_OPTION_VALUE', /maxFileSize/],
    [
      'uploadIdleTimeoutMs 0',
      { storage, auth, uploadIdleTimeoutMs: 0 },
      'WOPI_OPTION_VALUE',
      /`uploadIdleTimeoutMs` must be a positive integer/,
    ],
    [
      'publicUrl without a scheme',
      { storage, auth, publicUrl: 'files.example.com/wopi' },
      'WOPI_OPTION_VALUE',
      /`publicUrl` must be an http\(s\) URL or a function/,
    ],
    [
      'publicUrl a number',
      { storage, auth, publicUrl: 443 },
      'WOPI_OPTION_TYPE',
      /`publicUrl` must be an http\(s\) URL or a function, got 443/,
    ],
    [
      'checkFileInfo not a function',
      { storage, auth, checkFileInfo: { PostMessageOrigin: 'x' } },
      'WOPI_OPTION_TYPE',
      /`checkFileInfo` must be a function, got an object/,
    ],
    ['onPutFile not a function', { storage, auth, onPutFile: 'log' }, 'WOPI_OPTION_TYPE', /`onPutFile` must be a function/],
    ['hostUrls not a function', { storage, auth, hostUrls: {} }, 'WOPI_OPTION_TYPE', /`hostUrls` must be a function/],
  ])('%s', (_label, options, code, message) => {
    const err = configError(options);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(/^createWopiRouter: /);
    expect(err.message).toMatch(message);
    expect(err.message).toContain(`[${code}]`);
    expect(err.component).toBe('createWopiRouter');
  });

  it.each<[string, Partial<WopiRouterOptions>]>([
    ['minimal', {}],
    [
      'explicit undefined optionals',
      { locks: undefined, lockTtlMs: undefined, maxFileSize: undefined, checkFileInfo: undefined, onPutFile: undefined },
    ],
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
    const b = await request(appB).post(`/wopi/files/${fileId}`).query({ access_token: accessToken }).set('X-WOPI-Override', 'GET_LOCK');
    expect(b.status).toBe(200);
    expect(b.headers['x-wopi-lock']).toBe('');
  });
});
