/**
 * An app listening on a real port around a storage fixture, for tests that hold an upload open
 * while other requests change the file (see ./held-upload.ts): the WOPI base URL, plain HTTP calls
 * with a deadline, and a way to wait until the storage has really started reading a held body.
 */
import type { AddressInfo } from 'node:net';
import type { WopiRouterOptions } from '../../src';
import { createApp, type TestApp } from './create-app';
import { holdUpload, httpRequest, observeWrites, waitForTemporaryWrite, whileHeld, type HeldUpload, type HttpResult } from './held-upload';
import type { StorageFixture } from './ops-storages';
import { listen } from './raw-http';

export interface OverlapApp extends TestApp {
  /** `http://127.0.0.1:<port>/wopi` */
  base: string;
  /** POST to a file's URL (`contents` for PutFile) with a body, answered within the step timeout. */
  post(
    fileId: string,
    token: string,
    headers: Record<string, string>,
    options?: { contents?: boolean; body?: Buffer },
  ): Promise<HttpResult>;
  /** GetFile's answer. */
  getFile(fileId: string, token: string): Promise<HttpResult>;
  /** CheckFileInfo's JSON (the answer must be 200). */
  checkFileInfo(fileId: string, token: string): Promise<Record<string, unknown>>;
  /** Starts a PutFile with `headers`, holds it after half the body, and waits until the storage reads it. */
  holdPutFile(fileId: string, token: string, headers: Record<string, string>, body: Buffer): Promise<HeldUpload>;
  close(): Promise<void>;
}

export async function overlapApp(fixture: StorageFixture, options: Partial<WopiRouterOptions> = {}): Promise<OverlapApp> {
  const observed = observeWrites(fixture.storage);
  const app = createApp({ ...options, storage: observed.storage });
  const running = await listen(app.app);
  const base = `http://127.0.0.1:${(running.server.address() as AddressInfo).port}/wopi`;
  const url = (fileId: string, token: string, contents: boolean): string =>
    `${base}/files/${encodeURIComponent(fileId)}${contents ? '/contents' : ''}?access_token=${encodeURIComponent(token)}`;
  return {
    ...app,
    base,
    post: (fileId, token, headers, { contents = false, body } = {}) =>
      httpRequest(url(fileId, token, contents), {
        method: 'POST',
        headers: body === undefined ? headers : { 'Content-Type': 'application/octet-stream', ...headers },
        ...(body === undefined ? {} : { body }),
      }),
    getFile: (fileId, token) => httpRequest(url(fileId, token, true)),
    checkFileInfo: async (fileId, token) => {
      const res = await httpRequest(url(fileId, token, false));
      if (res.status !== 200) throw new Error(`CheckFileInfo answered ${res.status}`);
      return JSON.parse(res.body.toString('utf8')) as Record<string, unknown>;
    },
    holdPutFile: async (fileId, token, headers, body) => {
      const upload = await holdUpload(
        url(fileId, token, true),
        { 'Content-Type': 'application/octet-stream', 'X-WOPI-Override': 'PUT', ...headers },
        body,
      );
      await whileHeld(upload, async () => {
        await observed.waitForBytes(upload.sentBytes);
        if (fixture.root !== undefined) await waitForTemporaryWrite(fixture.root, upload.sentBytes);
      });
      return upload;
    },
    close: running.close,
  };
}
