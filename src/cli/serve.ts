import express, { type Request, type Response } from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createWopiRouter } from '../router';
import { FileSystemStorage } from '../adapters/fs/storage';
import { FileSystemUserInfoStore } from '../adapters/fs/user-info';
import { MemoryLockStore } from '../adapters/memory-locks';
import { RedisLockStore } from '../adapters/redis-locks';
import { log } from '../log';
import { JwtAuth } from '../adapters/jwt-auth';
import type { WopiIssuedToken, WopiPermissions } from '../adapters/auth';
import type { WopiContainerChildren } from '../adapters/storage';
import { WopiError } from '../errors';
import { WopiDiscovery } from '../discovery/discovery';
import { escapeHtml, hostPageContentSecurityPolicy, renderHostPage } from '../host-page';

const redisLog = log('cli');
const activitiesLog = log('cli:activities');

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
  /** Issue tokens that may not create files (PutRelativeFile answers 501, `UserCanNotWriteRelative: true`). */
  noCreate?: boolean;
  /** Serve files only: no containers and no ecosystem (the router's `containers: false`). */
  noContainers?: boolean;
  /** Share locks through this Redis (needs the `redis` package installed); default in-process locks. */
  redisUrl?: string;
  /** Key prefix in Redis. */
  redisPrefix?: string;
  /** How long to wait for the first Redis connection before giving up, in ms. Default 5000. */
  redisConnectTimeoutMs?: number;
  /** Lifetime of printed tokens in seconds. */
  ttlSeconds?: number;
  /**
   * A WOPI client's discovery URL (or base URL): proof keys are checked against its keys, and the
   * host pages open that editor.
   */
  discoveryUrl?: string;
}

export interface ServedFile extends WopiIssuedToken {
  name: string;
  fileId: string;
  wopiSrc: string;
  /** The file's host pages on this server: they open it in the editor (with `--discovery`) or show what a WOPI client needs. */
  viewUrl: string;
  editUrl: string;
}

export interface RunningServer {
  /** The WOPI base URL, e.g. `http://127.0.0.1:8080/wopi`. */
  url: string;
  files: ServedFile[];
  /** The page listing the served folder (its root container); absent with `noContainers`. */
  folderUrl?: string;
  /** With `discoveryUrl`: the discovery client, and why its first fetch failed, if it did. */
  discovery?: { client: WopiDiscovery; error?: string };
  close(): Promise<void>;
}

/** Serves a folder through the WOPI router and issues a token for every file in it. */
export async function serve(options: ServeOptions): Promise<RunningServer> {
  const root = path.resolve(options.dir);
  // The storage's metadata folder (its default), with user info in `users/` beside the ID
  // records, where FileSystemStorage kept it before it became an adapter of its own.
  const metadataDir = path.join(root, '.express-wopi');
  const storage = new FileSystemStorage({ root, metadataDir });
  const userInfo = new FileSystemUserInfoStore({ dir: path.join(metadataDir, 'users') });
  const auth = new JwtAuth({ secret: options.secret });
  const permissions: WopiPermissions = { write: !options.readOnly, ...(options.noCreate ? { create: false } : {}) };
  const issue = (fileId: string): Promise<WopiIssuedToken> =>
    auth.issueToken({
      fileId,
      userId: options.userId,
      userFriendlyName: options.userFriendlyName,
      permissions,
      ...(options.ttlSeconds === undefined ? {} : { ttlSeconds: options.ttlSeconds }),
    });
  const origin = (req: Request): string => options.publicUrl?.replace(/\/+$/, '') ?? `${req.protocol}://${req.get('host')}`;

  const redis =
    options.redisUrl === undefined
      ? undefined
      : await connectRedis(options.redisUrl, options.redisConnectTimeoutMs ?? REDIS_CONNECT_TIMEOUT_MS);
  const locks = redis
    ? new RedisLockStore({ client: redis, ...(options.redisPrefix === undefined ? {} : { prefix: options.redisPrefix }) })
    : new MemoryLockStore();

  // With a discovery URL, requests must carry the editor's proof-key signatures.
  const discovery = options.discoveryUrl === undefined ? undefined : new WopiDiscovery({ url: options.discoveryUrl });
  const discoveryError =
    discovery === undefined
      ? undefined
      : await discovery.refresh().then(
          () => undefined,
          (err: unknown) => (err as Error).message,
        );

  const app = express();
  app.disable('x-powered-by');
  app.use(
    '/wopi',
    createWopiRouter({
      storage,
      containers: !options.noContainers,
      auth,
      locks,
      userInfo,
      ...(options.maxFileSize === undefined ? {} : { maxFileSize: options.maxFileSize }),
      ...(options.publicUrl === undefined ? {} : { publicUrl: `${options.publicUrl.replace(/\/+$/, '')}/wopi` }),
      ...(discovery === undefined ? {} : { proofKeys: discovery }),
      hostUrls: ({ req, fileId }) => ({
        HostViewUrl: `${origin(req)}/host/view/${fileId}`,
        HostEditUrl: `${origin(req)}/host/edit/${fileId}`,
      }),
      // The host pages are on this server's origin: editors post their messages (loading status,
      // close, …) to it, and the page relays them as wopi:message events.
      checkFileInfo: ({ req }) => ({ PostMessageOrigin: origin(req) }),
      // Share links are the host pages: a file's view or edit page, a folder's listing.
      shareUrls: {
        types: ['ReadOnly', 'ReadWrite'],
        url: ({ req, target, urlType }) =>
          target.type === 'file'
            ? `${origin(req)}/host/${urlType === 'ReadOnly' ? 'view' : 'edit'}/${encodeURIComponent(target.fileId)}`
            : `${origin(req)}/host/folder/${encodeURIComponent(target.containerId)}`,
      },
      fileUrl: true,
      // What an editor reports (comments, mentions) goes to the log: types and counts, never text.
      onActivities: ({ fileId, activities }) => {
        const people = activities.reduce((n, a) => n + a.people.filter((p) => p.mentioned).length, 0);
        activitiesLog(
          '%s: %d activit%s (%s), %d mention%s',
          fileId,
          activities.length,
          activities.length === 1 ? 'y' : 'ies',
          [...new Set(activities.map((a) => a.type))].join(', '),
          people,
          people === 1 ? '' : 's',
        );
      },
    }),
  );
  // The served folder's tree, one page per folder, with links to the host pages of its files.
  app.get('/host/folder/:containerId', (req: Request, res: Response, next) => {
    if (options.noContainers) {
      next();
      return;
    }
    void folderPage(req, res).catch((err: unknown) => {
      if (WopiError.is(err) && err.status === 404) res.status(404).type('text/plain').send('Folder not found');
      else res.status(500).type('text/plain').send('Internal Server Error');
    });
  });
  const folderPage = async (req: Request, res: Response): Promise<void> => {
    const containerId = String(req.params.containerId);
    const [folder, children] = await Promise.all([storage.getContainerInfo(containerId), storage.enumerateChildren(containerId, {})]);
    res.set('Cache-Control', 'no-store');
    res.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
    res.type('html').send(renderFolderPage(folder.name, folder.parentId, children));
  };
  // A bare host page per file: what a WOPI client needs to open it (WOPISrc and a fresh token).
  for (const action of ['view', 'edit'] as const) {
    app.get(`/host/${action}/:fileId`, (req: Request, res: Response) => {
      void hostPage(req, res, action).catch(() => res.status(500).type('text/plain').send('Internal Server Error'));
    });
  }
  const hostPage = async (req: Request, res: Response, action: 'view' | 'edit'): Promise<void> => {
    const fileId = String(req.params.fileId);
    const file = await storage.getFileInfo(fileId).catch((err: unknown) => {
      if (WopiError.is(err) && err.status === 404) return undefined;
      throw err;
    });
    if (!file) {
      res.status(404).type('text/plain').send('File not found');
      return;
    }
    const token = await issue(fileId);
    const wopiSrc = `${origin(req)}/wopi/files/${fileId}`;
    res.set('Cache-Control', 'no-store');
    // With discovery, open the editor itself; without (or when it has no such action), show what
    // a WOPI client needs.
    const editor = await discovery?.resolveAction({ ext: file.name, action, wopiSrc }).catch(() => undefined);
    if (editor !== undefined) {
      const page = {
        actionUrl: editor.url,
        ...token,
        title: file.name,
        ...(editor.action.favIconUrl ? { favIconUrl: editor.action.favIconUrl } : {}),
      };
      res.set('Content-Security-Policy', hostPageContentSecurityPolicy(page.actionUrl, page.favIconUrl));
      res.set('Referrer-Policy', 'no-referrer');
      res.type('html').send(renderHostPage(page));
      return;
    }
    res.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
    res.type('html').send(renderInfoPage(action, file.name, wopiSrc, token));
  };

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
    files.push({
      name: entry.path,
      fileId: entry.fileId,
      wopiSrc: `${url}/files/${entry.fileId}`,
      ...(await issue(entry.fileId)),
      viewUrl: `${base}/host/view/${entry.fileId}`,
      editUrl: `${base}/host/edit/${entry.fileId}`,
    });
  }
  const rootId = options.noContainers ? undefined : await storage.getRootContainerId(options.userId);

  return {
    url,
    files,
    ...(rootId === undefined ? {} : { folderUrl: `${base}/host/folder/${encodeURIComponent(rootId)}` }),
    ...(discovery === undefined
      ? {}
      : { discovery: { client: discovery, ...(discoveryError === undefined ? {} : { error: discoveryError }) } }),
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await redis?.close();
    },
  };
}

/** How long `--redis` waits for the first connection by default, in ms. */
export const REDIS_CONNECT_TIMEOUT_MS = 5000;

/** A Redis URL without its password, for messages. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/** A connection made by {@link connectRedis}: a `sendCommand` for `RedisLockStore`, and a `close` that never throws. */
export interface ConnectedRedis {
  sendCommand(args: string[]): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * Connects to Redis with the `redis` package (node-redis), loaded only when asked for: it is an
 * optional peer dependency of express-wopi, not something every install carries.
 */
export async function connectRedis(url: string, connectTimeoutMs: number): Promise<ConnectedRedis> {
  let createClient: (options: object) => {
    connect(): Promise<unknown>;
    on(event: 'error', listener: (err: Error) => void): unknown;
    sendCommand(args: string[]): Promise<unknown>;
    close?(): Promise<unknown>;
    quit(): Promise<unknown>;
    destroy?(): void;
  };
  try {
    ({ createClient } = require('redis'));
  } catch {
    throw new Error('--redis needs the "redis" package: npm install redis');
  }
  const client = createClient({ url, socket: { connectTimeout: 5000 } });
  // Connection errors surface through the lock store (500 for the request); keep them off the console.
  client.on('error', (err) => redisLog('redis client: %s', err.message));
  // node-redis retries a failed first connection for ever; the CLI says what is wrong instead.
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`cannot reach Redis at ${redactUrl(url)} within ${connectTimeoutMs} ms`)),
          connectTimeoutMs,
        );
      }),
    ]);
  } catch (err) {
    client.destroy?.();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return {
    sendCommand: (args) => client.sendCommand(args),
    close: async () => {
      await (client.close ? client.close() : client.quit()).catch(() => undefined);
    },
  };
}

function renderInfoPage(action: 'view' | 'edit', name: string, wopiSrc: string, token: WopiIssuedToken): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(name)} (${action})</title>
<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto}code{word-break:break-all}</style></head>
<body><h1>${escapeHtml(name)}</h1>
<p>Host page (${action}) of <code>express-wopi serve</code>. Point a WOPI client at this file with:</p>
<dl><dt>WOPISrc</dt><dd><code>${escapeHtml(wopiSrc)}</code></dd>
<dt>access_token</dt><dd><code>${escapeHtml(token.accessToken)}</code></dd>
<dt>access_token_ttl</dt><dd><code>${token.accessTokenTtl}</code></dd></dl>
</body></html>
`;
}

function renderFolderPage(name: string, parentId: string | null, children: WopiContainerChildren): string {
  const byName = (a: string, b: string): number => a.localeCompare(b);
  const folders = [...children.containers].sort((a, b) => byName(a.name, b.name));
  const files = [...children.files].sort((a, b) => byName(a.info.name, b.info.name));
  const up = parentId === null ? '' : `<p><a href="/host/folder/${encodeURIComponent(parentId)}">Up</a></p>`;
  const folderItems = folders.map(
    (f) => `<li>&#128193; <a href="/host/folder/${encodeURIComponent(f.containerId)}">${escapeHtml(f.name)}</a></li>`,
  );
  const fileItems = files.map((f) => {
    const id = encodeURIComponent(f.fileId);
    return `<li>${escapeHtml(f.info.name)} (${f.info.size} bytes): <a href="/host/view/${id}">view</a> · <a href="/host/edit/${id}">edit</a></li>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(name)}</title>
<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto}</style></head>
<body><h1>${escapeHtml(name)}</h1>${up}
<ul>${[...folderItems, ...fileItems].join('\n') || '<li>(empty)</li>'}</ul>
</body></html>
`;
}
