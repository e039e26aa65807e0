/**
 * Fault-test helpers: a real HTTP server around the router on FileSystemStorage, raw requests
 * that can stop at any byte, and checks that nothing was left behind.
 */
import express from 'express';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWopiRouter, FileSystemStorage, JwtAuth, MemoryLockStore, type WopiRouterOptions } from '../../src';
import { TEST_SECRET } from '../helpers/create-app';

export interface RunningHost {
  port: number;
  storage: FileSystemStorage;
  locks: MemoryLockStore;
  auth: JwtAuth;
  /** Resolves once every request the server has received has finished (response closed). */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export async function startHost(root: string, options: Partial<WopiRouterOptions> = {}): Promise<RunningHost> {
  const storage = new FileSystemStorage({ root });
  const locks = new MemoryLockStore();
  const auth = new JwtAuth({ secret: TEST_SECRET });
  const app = express();
  let inFlight = 0;
  let waiters: Array<() => void> = [];
  app.use((_req, res, next) => {
    inFlight++;
    res.on('close', () => {
      inFlight--;
      if (inFlight === 0) {
        for (const resolve of waiters) resolve();
        waiters = [];
      }
    });
    next();
  });
  app.use('/wopi', createWopiRouter({ storage, locks, auth, ...options }));
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    storage,
    locks,
    auth,
    // The router's own work (closing and removing the temporary file) ends before its response
    // closes; a short pause after lets the last fs calls land.
    settled: () =>
      (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))).then(
        () => new Promise((resolve) => setTimeout(resolve, 50)),
      ),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export { tempFiles } from '../helpers/fs-sandbox';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * Sends a request with a body of `declaredLength` bytes (Content-Length) but writes only `sendBytes`
 * of it, then, if `abort`, destroys the socket. Resolves with the response if one arrived.
 */
export function partialUpload(
  port: number,
  urlPath: string,
  headers: Record<string, string>,
  declaredLength: number,
  sendBytes: number,
  abort: boolean,
): Promise<RawResponse | undefined> {
  return new Promise((resolve) => {
    const req = http.request({
      host: '127.0.0.1',
      port,
      path: urlPath,
      method: 'POST',
      headers: { ...headers, 'Content-Length': String(declaredLength) },
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', () => resolve(undefined));
    });
    req.on('error', () => resolve(undefined));
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    const pump = (): void => {
      while (sent < sendBytes) {
        const n = Math.min(chunk.length, sendBytes - sent);
        sent += n;
        if (!req.write(chunk.subarray(0, n))) {
          req.once('drain', pump);
          return;
        }
      }
      if (abort) setTimeout(() => req.destroy(), 20);
    };
    req.flushHeaders();
    pump();
    if (abort) req.on('close', () => resolve(undefined));
  });
}
