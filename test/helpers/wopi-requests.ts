/**
 * WOPI requests through supertest: the URLs of the two routes, and one request builder per
 * operation. A `token` of `undefined` sends no `access_token` at all.
 */
import type http from 'node:http';
import request from 'supertest';
import type express from 'express';

/** What supertest can send a request to: an app, or a server already listening. */
export type App = express.Express | http.Server;

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
export function putFile(app: App, fileId: string, token: string | undefined, body: Buffer | string, headers: Record<string, string> = {}) {
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
export const renameReq = (
  app: App,
  fileId: string,
  token: string | undefined,
  requestedName?: string,
  extra: Record<string, string> = {},
) => override(app, fileId, token, 'RENAME_FILE', requestedName === undefined ? extra : { 'X-WOPI-RequestedName': requestedName, ...extra });

export const deleteReq = (app: App, fileId: string, token: string | undefined, extra: Record<string, string> = {}) =>
  override(app, fileId, token, 'DELETE', extra);

/** PutUserInfo with `body` as the (UTF-8) request body. */
export const putUserInfoReq = (app: App, fileId: string, token: string | undefined, body: Buffer | string) =>
  override(app, fileId, token, 'PUT_USER_INFO').set('Content-Type', 'text/plain; charset=utf-8').send(Buffer.from(body));
