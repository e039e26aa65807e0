/**
 * HTTP helpers for the operation tests: WOPI requests through supertest, assertions shared by
 * every operation (token never echoed, `X-WOPI-Lock` presence), directly signed JWTs, a raw
 * chunked request, and wrappers that make adapters fail or record what they receive.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import type express from 'express';
import {
  MemoryLockStore,
  type LockOutcome,
  type WopiAuth,
  type WopiCreatedFile,
  type WopiFileInfo,
  type WopiLockStore,
  type WopiRelativeTarget,
  type WopiStorage,
  type WopiWriteContext,
} from '../../src';
import { createApp, TEST_SECRET } from './create-app';

type App = express.Express | http.Server;

export const fileUrl = (fileId: string, mount = '/wopi'): string => `${mount}/files/${encodeURIComponent(fileId)}`;
export const contentsUrl = (fileId: string, mount = '/wopi'): string => `${fileUrl(fileId, mount)}/contents`;

/** Parses any response body into a Buffer (`res.body`), whatever its content type. */
export function binaryParser(response: unknown, callback: (err: Error | null, body: Buffer) => void): void {
  // superagent hands the raw Node response (an IncomingMessage) to custom parsers.
  const res = response as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
  res.on('error', (err: Error) => callback(err, Buffer.alloc(0)));
}

/** `GET /files/:id` (CheckFileInfo). */
export function checkFileInfo(app: App, fileId: string, token: string | undefined) {
  const req = request(app).get(fileUrl(fileId));
  return token === undefined ? req : req.query({ access_token: token });
}

/** `GET /files/:id/contents` (GetFile), body parsed as a Buffer. */
export function getFile(app: App, fileId: string, token: string | undefined, headers: Record<string, string> = {}) {
  const req = request(app).get(contentsUrl(fileId)).set(headers).buffer(true).parse(binaryParser);
  return token === undefined ? req : req.query({ access_token: token });
}

/** `POST /files/:id/contents` with `X-WOPI-Override: PUT` unless `headers` says otherwise. */
export function putFile(
  app: App,
  fileId: string,
  token: string | undefined,
  body: Buffer | string,
  headers: Record<string, string> = {},
) {
  let req = request(app).post(contentsUrl(fileId));
  if (token !== undefined) req = req.query({ access_token: token });
  return req
    .set('Content-Type', 'application/octet-stream')
    .set({ 'X-WOPI-Override': 'PUT', ...headers })
    .send(Buffer.from(body));
}

/** `POST /files/:id` with the given override and headers (undefined override: header omitted). */
export function override(
  app: App,
  fileId: string,
  token: string | undefined,
  overrideValue: string | undefined,
  headers: Record<string, string> = {},
) {
  let req = request(app).post(fileUrl(fileId));
  if (token !== undefined) req = req.query({ access_token: token });
  if (overrideValue !== undefined) req = req.set('X-WOPI-Override', overrideValue);
  return req.set(headers);
}

export const lockReq = (app: App, fileId: string, token: string | undefined, lockId?: string, extra: Record<string, string> = {}) =>
  override(app, fileId, token, 'LOCK', lockId === undefined ? extra : { 'X-WOPI-Lock': lockId, ...extra });
export const getLockReq = (app: App, fileId: string, token: string | undefined) => override(app, fileId, token, 'GET_LOCK');
export const refreshLockReq = (app: App, fileId: string, token: string | undefined, lockId?: string) =>
  override(app, fileId, token, 'REFRESH_LOCK', lockId === undefined ? {} : { 'X-WOPI-Lock': lockId });
export const unlockReq = (app: App, fileId: string, token: string | undefined, lockId?: string) =>
  override(app, fileId, token, 'UNLOCK', lockId === undefined ? {} : { 'X-WOPI-Lock': lockId });
export const relockReq = (app: App, fileId: string, token: string | undefined, oldLock?: string, newLock?: string) =>
  override(app, fileId, token, 'LOCK', {
    ...(oldLock === undefined ? {} : { 'X-WOPI-OldLock': oldLock }),
    ...(newLock === undefined ? {} : { 'X-WOPI-Lock': newLock }),
  });

interface ResponseLike {
  headers: Record<string, unknown>;
  text?: string;
  body?: unknown;
}

/** Asserts the token appears nowhere in the response: headers, text, or a binary body. */
export function expectNoToken(res: ResponseLike, token: string): void {
  const body = Buffer.isBuffer(res.body) ? res.body.toString('latin1') : '';
  expect(JSON.stringify(res.headers) + (res.text ?? '') + body).not.toContain(token);
}

/** Asserts `X-WOPI-Lock` is present with exactly `value` (possibly ''). */
export function expectLockHeader(res: ResponseLike, value: string): void {
  expect(Object.prototype.hasOwnProperty.call(res.headers, 'x-wopi-lock')).toBe(true);
  expect(res.headers['x-wopi-lock']).toBe(value);
}

export function expectNoLockHeader(res: ResponseLike): void {
  expect(Object.prototype.hasOwnProperty.call(res.headers, 'x-wopi-lock')).toBe(false);
}

/** A 409 lock conflict as WOPI prescribes: `X-WOPI-Lock` = current lock, a failure reason. */
export function expectConflict(res: ResponseLike & { status: number }, currentLock: string): void {
  expect(res.status).toBe(409);
  expectLockHeader(res, currentLock);
  expect(typeof res.headers['x-wopi-lockfailurereason']).toBe('string');
  expect(res.headers['x-wopi-lockfailurereason']).not.toBe('');
}

/** The current lock as the router reports it through GetLock. */
export async function currentLock(app: App, fileId: string, token: string): Promise<string> {
  const res = await getLockReq(app, fileId, token);
  expect(res.status).toBe(200);
  expectLockHeader(res, res.headers['x-wopi-lock'] as string);
  return res.headers['x-wopi-lock'] as string;
}

/** A JwtAuth-compatible token signed directly with the test secret (e.g. one already expired). */
export function signToken(claims: { fileId: string; userId?: string; write?: boolean; iat: number; exp: number }): string {
  return jwt.sign(
    { sub: claims.userId ?? 'u1', fid: claims.fileId, name: 'Ada', perm: { w: claims.write ?? true }, iat: claims.iat, exp: claims.exp },
    TEST_SECRET,
    { algorithm: 'HS256' },
  );
}

/** Listens on an ephemeral port, so that many requests share one server. */
export async function listen(app: express.Express): Promise<{ server: http.Server; close(): Promise<void> }> {
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface RawResponse {
  status?: number;
  headers?: http.IncomingHttpHeaders;
  body?: Buffer;
  /** Set when the connection failed before a complete response arrived. */
  error?: Error;
}

/**
 * A raw HTTP request whose body is sent with `Transfer-Encoding: chunked` (no Content-Length),
 * one chunk per element of `chunks`, yielding to the event loop between chunks.
 */
export async function chunkedRequest(
  app: express.Express,
  options: { method: string; path: string; headers: Record<string, string>; chunks: Buffer[] },
): Promise<RawResponse> {
  const { server, close } = await listen(app);
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise<RawResponse>((resolve) => {
      let settled = false;
      const settle = (r: RawResponse): void => {
        if (!settled) {
          settled = true;
          resolve(r);
        }
      };
      const req = http.request(
        { host: '127.0.0.1', port, method: options.method, path: options.path, headers: { ...options.headers, 'Transfer-Encoding': 'chunked' } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => settle({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', (error) => settle({ error }));
        },
      );
      req.on('error', (error) => settle({ error }));
      void (async () => {
        for (const chunk of options.chunks) {
          if (req.destroyed) return;
          req.write(chunk);
          await new Promise((r) => setTimeout(r, 5));
        }
        if (!req.destroyed) req.end();
      })();
    });
  } finally {
    await close();
  }
}

/** Wraps a storage so that `method` throws a plain Error with `message`. */
export function failingStorage(inner: WopiStorage, method: keyof WopiStorage, message: string): WopiStorage {
  return {
    getFileInfo: (id) => inner.getFileInfo(id),
    readFile: (id) => inner.readFile(id),
    writeFile: (id, content, ctx) => inner.writeFile(id, content, ctx),
    [method]: async () => {
      throw new Error(message);
    },
  };
}

/** Wraps a storage and records every WopiWriteContext `writeFile` receives. */
export function recordingStorage(inner: WopiStorage): { storage: WopiStorage; contexts: WopiWriteContext[] } {
  const contexts: WopiWriteContext[] = [];
  return {
    contexts,
    storage: {
      getFileInfo: (id) => inner.getFileInfo(id),
      readFile: (id) => inner.readFile(id),
      writeFile: (id: string, content: Readable, ctx: WopiWriteContext): Promise<WopiFileInfo> => {
        contexts.push(ctx);
        return inner.writeFile(id, content, ctx);
      },
    },
  };
}

/** A lock store every method of which fails: rejects (`async`) or throws synchronously (`sync`). */
export function failingLockStore(mode: 'async' | 'sync', message = 'lock store unreachable'): WopiLockStore {
  const fail = mode === 'async' ? () => Promise.reject(new Error(message)) : () => {
    throw new Error(message);
  };
  return {
    getLock: fail as () => Promise<string | null>,
    lock: fail as () => Promise<LockOutcome>,
    refreshLock: fail as () => Promise<LockOutcome>,
    unlock: fail as () => Promise<LockOutcome>,
    unlockAndRelock: fail as () => Promise<LockOutcome>,
  };
}

/** A clock for MemoryLockStore({ now }) that tests move by hand. */
export class FakeClock {
  constructor(public ms = Date.UTC(2030, 0, 1)) {}
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

export const MINUTE = 60_000;

/**
 * An app around `fixture.storage` with a MemoryLockStore on a {@link FakeClock}, one file
 * (`report.docx`) and a writable token for it.
 */
export async function setupLockApp(
  fixture: { storage: WopiStorage; addFile(name: string, content?: Buffer | string): Promise<string> },
  options: { lockTtlMs?: number; content?: string } = {},
) {
  const clock = new FakeClock();
  const locks = new MemoryLockStore({ now: clock.now });
  const fileId = await fixture.addFile('report.docx', options.content ?? 'content');
  const app = createApp({ storage: fixture.storage, locks, ...(options.lockTtlMs === undefined ? {} : { lockTtlMs: options.lockTtlMs }) });
  const t = await app.token(fileId);
  return { ...app, clock, fileId, t };
}

// ---------------------------------------------------------------------------------------------
// PutRelativeFile, RenameFile, DeleteFile, PutUserInfo.

/** `POST /files/:id` with `X-WOPI-Override: PUT_RELATIVE`, `headers` and a binary body. */
export function putRelativeReq(
  app: App,
  fileId: string,
  token: string | undefined,
  body: Buffer | string,
  headers: Record<string, string> = {},
  mount = '/wopi',
) {
  let req = request(app).post(fileUrl(fileId, mount));
  if (token !== undefined) req = req.query({ access_token: token });
  return req
    .set('Content-Type', 'application/octet-stream')
    .set({ 'X-WOPI-Override': 'PUT_RELATIVE', ...headers })
    .send(Buffer.from(body));
}

/** RenameFile; `requestedName` is sent as given (already UTF-7), omitted when undefined. */
export const renameReq = (app: App, fileId: string, token: string | undefined, requestedName?: string, extra: Record<string, string> = {}) =>
  override(app, fileId, token, 'RENAME_FILE', requestedName === undefined ? extra : { 'X-WOPI-RequestedName': requestedName, ...extra });

export const deleteReq = (app: App, fileId: string, token: string | undefined, extra: Record<string, string> = {}) =>
  override(app, fileId, token, 'DELETE', extra);

/** PutUserInfo with `body` as the (UTF-8) request body. */
export const putUserInfoReq = (app: App, fileId: string, token: string | undefined, body: Buffer | string) =>
  override(app, fileId, token, 'PUT_USER_INFO').set('Content-Type', 'text/plain; charset=utf-8').send(Buffer.from(body));

/** A storage exposing only the three core methods of `inner` (no optional capabilities). */
export function coreOnlyStorage(inner: WopiStorage): WopiStorage {
  return {
    getFileInfo: (id) => inner.getFileInfo(id),
    readFile: (id) => inner.readFile(id),
    writeFile: (id, content, ctx) => inner.writeFile(id, content, ctx),
  };
}

/** An auth exposing only `authenticate` of `inner` (no `issueToken`). */
export function authenticateOnly(inner: WopiAuth): WopiAuth {
  return { authenticate: (token, fileId) => inner.authenticate(token, fileId) };
}

/**
 * Wraps a storage that has every optional method and records what `createRelativeFile`
 * receives (the write context and the candidate names, materialised).
 */
export function recordingRelativeStorage(inner: WopiStorage): {
  storage: WopiStorage;
  calls: Array<{ fileId: string; candidates: string[]; overwrite: boolean; context: WopiWriteContext }>;
} {
  const calls: Array<{ fileId: string; candidates: string[]; overwrite: boolean; context: WopiWriteContext }> = [];
  const need = <K extends keyof WopiStorage>(k: K): NonNullable<WopiStorage[K]> => {
    const fn = inner[k];
    if (typeof fn !== 'function') throw new Error(`recordingRelativeStorage: inner storage lacks ${String(k)}`);
    return (fn as (...args: unknown[]) => unknown).bind(inner) as NonNullable<WopiStorage[K]>;
  };
  const create = need('createRelativeFile');
  return {
    calls,
    storage: {
      getFileInfo: need('getFileInfo'),
      readFile: need('readFile'),
      writeFile: need('writeFile'),
      findRelativeFile: need('findRelativeFile'),
      createRelativeFile: (fileId: string, content: Readable, target: WopiRelativeTarget, context: WopiWriteContext): Promise<WopiCreatedFile> => {
        const candidates = [...target.candidates];
        calls.push({ fileId, candidates, overwrite: target.overwrite, context });
        return create(fileId, content, { candidates, overwrite: target.overwrite }, context);
      },
      renameFile: need('renameFile'),
      deleteFile: need('deleteFile'),
      putUserInfo: need('putUserInfo'),
      getUserInfo: need('getUserInfo'),
    },
  };
}
