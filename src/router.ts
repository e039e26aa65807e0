import { Router, type Request, type Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { createContext, type WopiContext, type WopiResult } from './context';
import { selectOperation, type WopiRoute } from './dispatch';
import { InvalidTokenError, NotImplementedError, WopiError } from './errors';
import { resolveOptions, type ResolvedWopiOptions, type WopiRouterOptions } from './options';
import { HEADER, readHeader } from './protocol/headers';
import { canWrite } from './protocol/permissions';
import { forRequest, log, type Logger } from './log';
import { verifyRequestProof } from './proof-check';

const routerLog = log('router');
const serverError = log('server_error');
const serverErrorTrace = log('server_error:trace');

/**
 * Creates an Express router that implements the host side of WOPI. Mount it under any path:
 *
 * ```ts
 * app.use('/wopi', createWopiRouter({ storage, locks, auth }));
 * ```
 *
 * Mount it before any body parser that could consume `application/octet-stream` bodies. Options
 * are validated here; a bad option throws a `WopiConfigError` at once.
 */
export function createWopiRouter(options: WopiRouterOptions): Router {
  const resolved = resolveOptions(options);
  const router = Router();
  router.get('/files/:fileId', handler('file', resolved));
  router.post('/files/:fileId', handler('file', resolved));
  router.get('/files/:fileId/contents', handler('contents', resolved));
  router.post('/files/:fileId/contents', handler('contents', resolved));
  return router;
}

let requestCounter = 0;

function handler(route: WopiRoute, options: ResolvedWopiOptions) {
  return (req: Request, res: Response): void => {
    const requestId = (++requestCounter).toString(36);
    const reqLog = forRequest(routerLog, requestId);
    const started = process.hrtime.bigint();
    const fileId = String(req.params.fileId);
    const aborter = new AbortController();
    // Every WOPI URL carries an access token: no response may be cached by anything in between.
    res.setHeader('Cache-Control', 'no-store');
    res.on('close', () => {
      if (!res.writableFinished) aborter.abort(new Error('client closed the connection'));
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      reqLog('%s %s %s → %d%s in %s ms', req.method, route, fileId, res.statusCode, res.writableFinished ? '' : ' (aborted)', ms.toFixed(1));
    });
    void handle(req, res, route, fileId, options, requestId, aborter.signal).catch((err: unknown) => {
      sendError(req, res, err, reqLog, aborter.signal);
    });
  };
}

async function handle(
  req: Request,
  res: Response,
  route: WopiRoute,
  fileId: string,
  options: ResolvedWopiOptions,
  requestId: string,
  signal: AbortSignal,
): Promise<void> {
  const operation = selectOperation(req.method, route, req.headers);
  if (!operation) {
    const override = readHeader(req.headers, HEADER.override);
    throw new NotImplementedError(override === undefined ? 'X-WOPI-Override is required' : 'Unsupported X-WOPI-Override');
  }
  if (operation.isSupported?.(options) === false) {
    throw new NotImplementedError(`${operation.name} is not supported by this host`);
  }
  const token = accessToken(req);
  if (token === undefined) throw new InvalidTokenError('Missing access token');
  await verifyRequestProof(req, token, options, requestId);
  const user = await options.auth.authenticate(token, fileId);
  if (operation.requiresWrite && !canWrite(user)) {
    throw new InvalidTokenError('Access token does not grant write access');
  }
  const opLog = forRequest(log(`op:${operation.logName}`), requestId);
  const ctx: WopiContext = createContext(req, fileId, user, options, opLog, signal);
  const result = await operation.run(ctx);
  await sendResult(res, result);
}

/** The access token from `?access_token=`, or from `Authorization: Bearer` when the query has none. */
function accessToken(req: Request): string | undefined {
  const fromQuery = req.query.access_token;
  if (typeof fromQuery === 'string' && fromQuery !== '') return fromQuery;
  const bearer = /^bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return bearer?.[1];
}

async function sendResult(res: Response, result: WopiResult): Promise<void> {
  res.status(result.status ?? 200);
  for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, value);
  if (result.stream) {
    res.setHeader('Content-Type', 'application/octet-stream');
    if (result.contentLength !== undefined) res.setHeader('Content-Length', String(result.contentLength));
    await pipeline(result.stream, res);
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
 * stack on `express-wopi:server_error:trace`.
 */
function sendError(req: Request, res: Response, err: unknown, reqLog: Logger, signal: AbortSignal): void {
  const wopiError = WopiError.is(err) ? err : undefined;
  const status = wopiError?.status ?? 500;
  if (signal.aborted) {
    reqLog('client went away: %s', (err as Error)?.message);
  } else if (!wopiError?.expose) {
    serverError('%s %s: %s', req.method, String(req.params.fileId), (err as Error)?.message ?? String(err));
    serverErrorTrace('%O', err);
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
