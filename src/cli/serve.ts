import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createWopiRouter } from '../router';
import { FileSystemStorage } from '../adapters/fs-storage';
import { MemoryLockStore } from '../adapters/memory-locks';
import { JwtAuth, type IssuedToken } from '../adapters/jwt-auth';

export interface ServeOptions {
  /** Folder to serve. */
  dir: string;
  port: number;
  host: string;
  /** JWT secret for access tokens. */
  secret: string;
  maxFileSize?: number;
  /** Base URL editors reach this server at (default `http://HOST:PORT`). */
  publicUrl?: string;
  /** User the printed tokens are issued to. */
  userId: string;
  userFriendlyName: string;
  /** Issue read-only tokens. */
  readOnly: boolean;
  /** Lifetime of printed tokens in seconds. */
  ttlSeconds?: number;
}

export interface ServedFile extends IssuedToken {
  name: string;
  fileId: string;
  wopiSrc: string;
}

export interface RunningServer {
  /** The WOPI base URL, e.g. `http://127.0.0.1:8080/wopi`. */
  url: string;
  files: ServedFile[];
  close(): Promise<void>;
}

/** Serves a folder through the WOPI router and issues a token for every file in it. */
export async function serve(options: ServeOptions): Promise<RunningServer> {
  const storage = new FileSystemStorage({ root: path.resolve(options.dir) });
  const auth = new JwtAuth({ secret: options.secret });
  const app = express();
  app.disable('x-powered-by');
  app.use(
    '/wopi',
    createWopiRouter({
      storage,
      auth,
      locks: new MemoryLockStore(),
      ...(options.maxFileSize === undefined ? {} : { maxFileSize: options.maxFileSize }),
    }),
  );
  const entries = await storage.list();

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(options.port, options.host, () => resolve(s));
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const hostForUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  const base = (options.publicUrl ?? `http://${hostForUrl}:${port}`).replace(/\/+$/, '');
  const url = `${base}/wopi`;

  const files: ServedFile[] = [];
  for (const entry of entries) {
    const token = await auth.issueToken({
      fileId: entry.fileId,
      userId: options.userId,
      userFriendlyName: options.userFriendlyName,
      permissions: { write: !options.readOnly },
      ...(options.ttlSeconds === undefined ? {} : { ttlSeconds: options.ttlSeconds }),
    });
    files.push({ name: entry.path, fileId: entry.fileId, wopiSrc: `${url}/files/${entry.fileId}`, ...token });
  }

  return {
    url,
    files,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
