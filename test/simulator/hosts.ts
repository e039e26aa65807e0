/**
 * WOPI hosts for the simulator tests, on a real loopback port (the simulator speaks HTTP through
 * fetch): createWopiRouter over a given storage and lock store, optionally bent by middleware
 * into one of the broken hosts the simulator must catch.
 */
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWopiRouter, JwtAuth, MemoryLockStore, type WopiLockStore, type WopiRouterOptions, type WopiStorage } from '../../src';
import type { SimulationCheck, SimulationReport } from '../../src/testing';
import { TEST_SECRET } from '../helpers/create-app';

export interface RunningHost {
  /** `http://127.0.0.1:<port>/wopi`. */
  base: string;
  locks: WopiLockStore;
  auth: JwtAuth;
  wopiSrc(fileId: string): string;
  /** A writable token for a file, for `userId`. */
  token(fileId: string, userId?: string, userFriendlyName?: string): Promise<string>;
  close(): Promise<void>;
}

export interface HostOptions {
  storage: WopiStorage;
  locks?: WopiLockStore;
  router?: Partial<WopiRouterOptions>;
  /** Middleware mounted before the router, to break the host on purpose. */
  before?: (locks: WopiLockStore) => express.RequestHandler;
}

export async function startHost(options: HostOptions): Promise<RunningHost> {
  const locks = options.locks ?? new MemoryLockStore();
  const auth = new JwtAuth({ secret: TEST_SECRET });
  const app = express();
  if (options.before) app.use('/wopi', options.before(locks));
  app.use('/wopi', createWopiRouter({ storage: options.storage, auth, locks, ...options.router }));
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}/wopi`;
  return {
    base,
    locks,
    auth,
    wopiSrc: (fileId) => `${base}/files/${fileId}`,
    token: async (fileId, userId = 'ada', userFriendlyName = 'Ada') =>
      (await auth.issueToken({ fileId, userId, userFriendlyName, permissions: { write: true } })).accessToken,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A host that answers 409 without `X-WOPI-Lock`. */
export function dropLockHeaderOn409(): express.RequestHandler {
  return (_req, res, next) => {
    const writeHead = res.writeHead;
    res.writeHead = function (this: typeof res, ...args: Parameters<typeof res.writeHead>) {
      const status = typeof args[0] === 'number' ? args[0] : res.statusCode;
      if (status === 409) res.removeHeader('X-WOPI-Lock');
      return writeHead.apply(this, args);
    } as typeof res.writeHead;
    next();
  };
}

/**
 * A host that accepts a PutFile without the lock: a save that sends no `X-WOPI-Lock` (or another
 * one) is given the current lock before the router sees it.
 */
export function acceptSavesWithoutLock(locks: WopiLockStore): express.RequestHandler {
  return (req, _res, next) => {
    const match = /^\/files\/([^/]+)\/contents\/?$/i.exec(req.path);
    if (req.method !== 'POST' || match === null) {
      next();
      return;
    }
    locks.getLock(decodeURIComponent(match[1] as string)).then(
      (current) => {
        if (current !== null) req.headers['x-wopi-lock'] = current;
        next();
      },
      (err: unknown) => next(err),
    );
  };
}

/** A storage whose version never changes, whatever is saved. */
export function frozenVersion<T extends WopiStorage>(storage: T): T {
  return new Proxy(storage, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (property === 'getFileInfo' || property === 'writeFile') {
        return async (...args: unknown[]) => ({ ...(await value.apply(target, args)), version: 'v1' });
      }
      if (property === 'readFile') {
        return async (...args: unknown[]) => {
          const content = await value.apply(target, args);
          return { ...content, info: { ...content.info, version: 'v1' } };
        };
      }
      return value.bind(target);
    },
  });
}

/** Every failed check of a report: what a session against express-wopi must not have. */
export function unexpectedFailures(report: SimulationReport): SimulationCheck[] {
  return report.checks.filter((c) => c.status === 'fail');
}
