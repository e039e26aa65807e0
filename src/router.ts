import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { createContext, type WopiContext, type WopiResult, type WopiRun } from './context';
import { selectOperation, type WopiRoute } from './dispatch';
import type { WopiOperation } from './operations/operation';
import { BadRequestError, InvalidTokenError, NotImplementedError, WopiError } from './errors';
import { resolveOptions, type ResolvedWopiOptions, type ResourceTokenMethods, type WopiRouterOptions } from './options';
import type { WopiUser } from './adapters/auth';
import { getFile } from './operations/get-file';
import { HEADER, readHeader } from './protocol/headers';
import { canWrite } from './protocol/permissions';
import { forRequest, log, type Logger } from './log';
import { verifyRequestProof } from './proof-check';
import { accessTokenParameter } from './protocol/access-token';
import { observeOperation } from './telemetry';
import { pump } from './util/pump';

const routerLog = log('router');
const serverError = log('server_error');
const serverErrorTrace = log('server_error:trace');

/**
 * Creates an `express.Router` that implements the host side of WOPI (`/files/:id` and
 * `/files/:id/contents`). Mount it under any path, in Express 4 or 5:
 *
 * ```ts
 * const wopi = createWopiRouter({ storage, locks, auth });
 * wopi.use(rateLimit, audit); // your own middleware: runs before the WOPI routes
 * app.use('/wopi', wopi);
 * ```
 *
 * The WOPI routes are always the router's last layer: whatever you add to the router (`use`,
 * `get`, `route`, …), whenever you add it, runs before them, in the order you add it. Requests
 * the WOPI routes do not answer (other paths, other methods) leave the router and go on to the
 * app's next middleware; put handlers meant to run after the WOPI routes (a 404 page) in the app,
 * after the router, not in the router.
 *
 * Mount it, and add to it, before any body parser that could consume `application/octet-stream`
 * bodies. Options are validated here; a bad option throws a `WopiConfigError` at once.
 */
export function createWopiRouter(options: WopiRouterOptions): Router {
  const resolved = resolveOptions(options);
  // One middleware that matches the WOPI URLs itself rather than a route per pattern and method:
  // the same URLs (case-insensitive, an optional trailing slash, the ID percent-decoded), with no
  // per-route matching on every request (docs/performance.md).
  function wopiRoutes(req: Request, res: Response, next: NextFunction): void {
    const method = req.method;
    if (method !== 'GET' && method !== 'POST' && method !== 'HEAD') {
      passOn(req, next);
      return;
    }
    const url = req.url;
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    const match = WOPI_PATH.exec(path);
    if (match !== null) {
      const route = match[2] === undefined ? 'file' : (match[2].toLowerCase() as 'contents' | typeof FILE_URL_ROUTE);
      serve(req, res, route, match[1] as string, resolved);
      return;
    }
    const other = OTHER_WOPI_PATH.exec(path);
    if (other === null) {
      passOn(req, next);
      return;
    }
    const { route, id } = otherRoute(other);
    serve(req, res, route, id, resolved);
  }
  return routerEndingWith(wopiRoutes);
}

/**
 * A request the WOPI routes do not answer goes on to the app. It is logged on
 * `express-wopi:router`, since an editor sent to a wrong WOPISrc (the mount path twice,
 * `/wopi/wopi/files/<id>`, or none) gets the app's 404 and nothing else would say why. The line
 * has the method and the path, never the query string, which holds the access token.
 */
function passOn(req: Request, next: NextFunction): void {
  if (routerLog.enabled) {
    const url = req.originalUrl ?? req.url;
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    const shown = path.length > MAX_LOGGED_PATH ? `${path.slice(0, MAX_LOGGED_PATH)}…` : path;
    routerLog('%s %s: no WOPI route, passed on to the app (file URLs here are %s/files/<id>)', req.method, shown, req.baseUrl);
  }
  next();
}

/** How much of a path that is no WOPI URL the `express-wopi:router` line shows. */
const MAX_LOGGED_PATH = 200;

/** What `express.Router()` has in Express 4 and 5 besides its public type. */
interface RouterInternals {
  stack: unknown[];
  handle(req: Request, res: Response, next: NextFunction): void;
}

/**
 * An `express.Router` (from the app's own copy of express, the peer dependency) whose last layer
 * is always `last`.
 *
 * A router calls `router.handle` for each request in both Express 4 and 5; this router's
 * `handle` does two things before the usual routing pass:
 *
 * - while `last` is the router's only layer (nothing added by the app), it calls `last` directly.
 *   A routing pass over that one layer would cost CheckFileInfo a measurable share of its
 *   throughput (docs/performance.md), for nothing;
 * - when layers were added after `last`, it moves `last` back to the end, in a new array so that
 *   requests already going through the old one are not disturbed (the router reads its stack
 *   once per request).
 */
function routerEndingWith(last: RequestHandler): Router {
  const router = Router();
  router.use(last);
  const internals = router as unknown as RouterInternals;
  const lastLayer = internals.stack[0];
  const routingPass = internals.handle;
  internals.handle = function handle(req: Request, res: Response, next: NextFunction): void {
    const stack = internals.stack;
    if (stack.length === 1 && stack[0] === lastLayer) {
      last(req, res, next);
      return;
    }
    if (stack[stack.length - 1] !== lastLayer) internals.stack = [...stack.filter((layer) => layer !== lastLayer), lastLayer];
    routingPass.call(router, req, res, next);
  };
  return router;
}

/**
 * `/files/<id>`, `/files/<id>/contents` and FileUrl's `/files/<id>/file_url`, relative to where
 * the router is mounted: the requests almost every session makes, matched first.
 */
const WOPI_PATH = /^\/files\/([^/]+)(?:\/(contents|file_url))?\/?$/i;
/** The other WOPI endpoints: file ancestry and ecosystem pointers, containers, the ecosystem. */
const OTHER_WOPI_PATH =
  /^\/(?:(files)\/([^/]+)\/(ancestry|ecosystem_pointer)|(containers)\/([^/]+)(?:\/(children|ancestry|ecosystem_pointer))?|(ecosystem)(?:\/(root_container_pointer))?)\/?$/i;

/** FileUrl's endpoint: the content of one file, for a `fileUrl` token, without proof. Not a WOPI operation. */
const FILE_URL_ROUTE = 'file_url';

type Route = WopiRoute | typeof FILE_URL_ROUTE;

/** The route and the raw ID an {@link OTHER_WOPI_PATH} match names (`''` for the ecosystem). */
function otherRoute(m: RegExpExecArray): { route: WopiRoute; id: string } {
  if (m[1] !== undefined) return { route: `file/${(m[3] as string).toLowerCase()}` as WopiRoute, id: m[2] as string };
  if (m[4] !== undefined) {
    const route = (m[6] === undefined ? 'container' : `container/${m[6].toLowerCase()}`) as WopiRoute;
    return { route, id: m[5] as string };
  }
  return { route: m[8] === undefined ? 'ecosystem' : 'ecosystem/root_container_pointer', id: '' };
}

let requestCounter = 0;

/**
 * What the log lines about one request name: `<METHOD> <route> <operation> <id>`, e.g.
 * `POST file Lock 91LFCQMqUAvmw3_zYg8tRL`; the operation is `-` when the request names none
 * this router implements (501).
 */
interface RequestLabel {
  requestId: string;
  method: string;
  route: Route;
  operation: string;
  id: string;
}

function serve(req: Request, res: Response, route: Route, rawFileId: string, options: ResolvedWopiOptions): void {
  const requestId = (++requestCounter).toString(36);
  const reqLog = forRequest(routerLog, requestId);
  const started = reqLog.enabled ? process.hrtime.bigint() : 0n;
  const fileId = decodeFileId(rawFileId);
  const client = new ClientConnection(res);
  const operation = route === FILE_URL_ROUTE ? undefined : selectOperation(req.method, route, req.headers);
  const label: RequestLabel = {
    requestId,
    method: req.method,
    route,
    operation: route === FILE_URL_ROUTE ? 'FileUrl' : (operation?.name ?? '-'),
    id: fileId ?? rawFileId,
  };
  // Every WOPI URL carries an access token: no response may be cached by anything in between.
  res.setHeader('Cache-Control', 'no-store');
  if (reqLog.enabled) {
    res.on('close', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      reqLog(
        '%s %s %s %s → %d%s in %s ms',
        label.method,
        label.route,
        label.operation,
        label.id,
        res.statusCode,
        res.writableFinished ? '' : ' (aborted)',
        ms.toFixed(1),
      );
    });
  }
  const handled =
    fileId === undefined
      ? Promise.reject(new BadRequestError('The file ID in the URL is not valid percent-encoding'))
      : handle(req, res, route, operation, fileId, options, requestId, client);
  handled.catch((err: unknown) => {
    sendError(req, res, label, err, reqLog, client.isLost);
  });
}

/**
 * Whether the client is still there, and an AbortSignal for the operations that need one (the
 * uploads), made only when asked for: most requests never need one, nor a listener for it.
 */
class ClientConnection {
  private controller: AbortController | undefined;

  constructor(private readonly res: Response) {}

  /** Whether the connection closed before the response was complete. */
  get isLost(): boolean {
    return this.res.destroyed && !this.res.writableFinished;
  }

  /** Aborted when the client disconnects before the response is complete. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      const controller = new AbortController();
      this.controller = controller;
      const abort = (): void => controller.abort(new Error('client closed the connection'));
      if (this.isLost) abort();
      else this.res.once('close', () => !this.res.writableFinished && abort());
    }
    return this.controller.signal;
  }
}

/** The file ID from the URL path, percent-decoded; `undefined` when the encoding is malformed. */
function decodeFileId(raw: string): string | undefined {
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

async function handle(
  req: Request,
  res: Response,
  route: Route,
  operation: WopiOperation | undefined,
  id: string,
  options: ResolvedWopiOptions,
  requestId: string,
  client: ClientConnection,
): Promise<void> {
  if (route === FILE_URL_ROUTE) {
    await serveFileUrl(req, res, id, options, requestId, client);
    return;
  }
  if (!operation) {
    const override = readHeader(req.headers, HEADER.override);
    throw new NotImplementedError(override === undefined ? 'X-WOPI-Override is required' : 'Unsupported X-WOPI-Override');
  }
  const observation = observeOperation(operation.name, { resource: operation.resource ?? 'file', id }, req.method);
  const run = { operation: operation.name, requestId, observation };
  if (observation === undefined) await runOperation(req, res, operation, id, options, client, run);
  else await observation.around(res, () => runOperation(req, res, operation, id, options, client, run));
}

/** One operation, from the proof check to the response: observed as a whole by its span. */
async function runOperation(
  req: Request,
  res: Response,
  operation: WopiOperation,
  id: string,
  options: ResolvedWopiOptions,
  client: ClientConnection,
  run: WopiRun,
): Promise<void> {
  const { requestId } = run;
  if (operation.isSupported?.(options) === false) {
    throw new NotImplementedError(`${operation.name} is not supported by this host`);
  }
  const token = accessToken(req);
  if (token === undefined) throw new InvalidTokenError('Missing access token');
  await verifyRequestProof(req, token, options, requestId);
  const resource = operation.resource ?? 'file';
  const user = await authenticate(options, token, resource, id);
  if (operation.requiresWrite && !canWrite(user)) {
    throw new InvalidTokenError('Access token does not grant write access');
  }
  const opLog = forRequest(log(`op:${operation.logName}`), requestId);
  const target = resource === 'container' ? { fileId: '', containerId: id } : { fileId: resource === 'file' ? id : '', containerId: '' };
  const ctx: WopiContext = createContext(req, target, user, options, opLog, () => client.signal, run);
  const result = await operation.run(ctx);
  await sendResult(res, result);
}

/** The user the token stands for, for the file, the container or the ecosystem the URL names. */
async function authenticate(
  options: ResolvedWopiOptions,
  token: string,
  resource: 'file' | 'container' | 'ecosystem',
  id: string,
): Promise<WopiUser> {
  if (resource === 'file') return options.auth.authenticate(token, id);
  // Container and ecosystem operations are supported only with resource tokens (isSupported).
  const tokens = options.resourceTokens as ResourceTokenMethods;
  return tokens.authenticateResource(token, resource === 'container' ? { type: 'container', containerId: id } : { type: 'ecosystem' });
}

/**
 * FileUrl: `GET /files/:id/file_url?access_token=…` serves the file's current content, as GetFile
 * does, to a token issued for exactly that (a `fileUrl` resource token). The editor sends no proof
 * headers here, as WOPI specifies for FileUrl, so none are checked: what stands for the editor's
 * signature is the token, which opens nothing else and expires within minutes.
 */
async function serveFileUrl(
  req: Request,
  res: Response,
  fileId: string,
  options: ResolvedWopiOptions,
  requestId: string,
  client: ClientConnection,
): Promise<void> {
  if (options.fileUrlTtlSeconds === undefined || options.resourceTokens === undefined) {
    throw new NotImplementedError('FileUrl is not enabled on this host');
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new NotImplementedError('FileUrl answers GET only');
  const token = accessTokenParameter(req.url);
  if (token === undefined || token === '') throw new InvalidTokenError('Missing access token');
  const user = await options.resourceTokens.authenticateResource(token, { type: 'fileUrl', fileId });
  const opLog = forRequest(log('op:file-url'), requestId);
  const run = { operation: 'FileUrl', requestId, observation: undefined };
  const ctx = createContext(req, { fileId, containerId: '' }, user, options, opLog, () => client.signal, run);
  await sendResult(res, await getFile.run(ctx));
}

/** The access token from `?access_token=`, or from `Authorization: Bearer` when the query has none. */
function accessToken(req: Request): string | undefined {
  const fromQuery = accessTokenParameter(req.url);
  if (fromQuery !== undefined && fromQuery !== '') return fromQuery;
  const bearer = /^bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return bearer?.[1];
}

async function sendResult(res: Response, result: WopiResult): Promise<void> {
  // Node's own statusCode and setHeader: express's res.status validates what is always a code of ours.
  res.statusCode = result.status ?? 200;
  const headers = result.headers;
  if (headers !== undefined) for (const name in headers) res.setHeader(name, headers[name] as string);
  if (result.stream) {
    res.setHeader('Content-Type', 'application/octet-stream');
    if (result.contentLength !== undefined) res.setHeader('Content-Length', String(result.contentLength));
    await pump(result.stream, res);
  } else if (result.contentLength !== undefined) {
    // HEAD: the headers of the binary body a GET would send, and no body.
    res.setHeader('Content-Type', 'application/octet-stream');
    res.setHeader('Content-Length', String(result.contentLength));
    res.end();
  } else if (result.json !== undefined) {
    // Written directly rather than through res.json(): no ETag to compute for a response that
    // may not be cached anyway, and none of the app's JSON settings can change WOPI's JSON.
    const body = JSON.stringify(result.json);
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Length', String(Buffer.byteLength(body)));
    res.end(body);
  } else {
    res.end();
  }
}

/**
 * Writes an error response. WopiErrors get their status and headers; their message is sent only
 * when exposed (4xx). Anything else is a bare 500, logged on `express-wopi:server_error` with its
 * stack on `express-wopi:server_error:trace`, both as `request <id>: …` so that they can be
 * matched with the request's `express-wopi:router:<id>` line.
 */
function sendError(req: Request, res: Response, label: RequestLabel, err: unknown, reqLog: Logger, clientLost: boolean): void {
  const wopiError = WopiError.is(err) ? err : undefined;
  const status = wopiError?.status ?? 500;
  if (clientLost) {
    reqLog('client went away: %s', (err as Error)?.message);
  } else if (!wopiError?.expose) {
    const { requestId, method, route, operation, id } = label;
    serverError('request %s: %s %s %s %s: %s', requestId, method, route, operation, id, (err as Error)?.message ?? String(err));
    serverErrorTrace('request %s: %O', requestId, err);
  } else {
    reqLog('%d %s', status, wopiError?.message);
  }
  if (res.headersSent) {
    // Part of a body is already on the wire: the only honest signal left is a broken connection.
    res.destroy();
    return;
  }
  if (!req.complete) {
    // The request body was not read to the end (e.g. 413): close rather than drain it.
    res.setHeader('Connection', 'close');
  }
  res.status(status);
  for (const [name, value] of Object.entries(wopiError?.headers ?? {})) res.setHeader(name, value);
  if (wopiError?.body !== undefined && wopiError.expose) {
    res.json(wopiError.body);
  } else {
    res.type('text/plain').send(wopiError?.expose ? wopiError.message : 'Internal Server Error');
  }
}
