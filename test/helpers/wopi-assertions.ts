/**
 * Assertions on WOPI responses that every operation shares: the access token is never echoed,
 * `X-WOPI-Lock` is present (with which value) or absent, and what a lock conflict looks like.
 */
import { getLockReq, type App } from './wopi-requests';

export interface ResponseLike {
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
  expect(Object.hasOwn(res.headers, 'x-wopi-lock')).toBe(true);
  expect(res.headers['x-wopi-lock']).toBe(value);
}

export function expectNoLockHeader(res: ResponseLike): void {
  expect(Object.hasOwn(res.headers, 'x-wopi-lock')).toBe(false);
}

/** A 409 lock conflict as WOPI prescribes: `X-WOPI-Lock` = current lock, a failure reason. */
export function expectConflict(res: ResponseLike & { status: number }, currentLock: string): void {
  expect(res.status).toBe(409);
  expectLockHeader(res, currentLock);
  expect(typeof res.headers['x-wopi-lockfailurereason']).toBe('string');
  expect(res.headers['x-wopi-lockfailurereason']).not.toBe('');
}

/** The current lock as the router reports it through GetLock (asserting the GetLock succeeded). */
export async function currentLock(app: App, fileId: string, token: string): Promise<string> {
  const res = await getLockReq(app, fileId, token);
  expect(res.status).toBe(200);
  expectLockHeader(res, res.headers['x-wopi-lock'] as string);
  return res.headers['x-wopi-lock'] as string;
}
