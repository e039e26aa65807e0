/**
 * A client that stops sending in the middle of an upload: `uploadIdleTimeoutMs` ends it with 408,
 * nothing is written and nothing is left behind.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startHost, tempFiles, type RunningHost } from './helpers';
import { createWopiRouter, JwtAuth, MemoryLockStore, MemoryStorage, WopiConfigError } from '../../src';

const ORIGINAL = Buffer.from('previous content');

describe('uploadIdleTimeoutMs', () => {
  let root: string;
  let host: RunningHost;
  let fileId: string;
  let token: string;

  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'express-wopi-stall-'));
    await writeFile(path.join(root, 'doc.docx'), ORIGINAL);
    host = await startHost(root, { uploadIdleTimeoutMs: 300 });
    fileId = await host.storage.fileIdFor('doc.docx');
    token = (await host.auth.issueToken({ fileId, userId: 'u1', permissions: { write: true } })).accessToken;
    await host.locks.lock(fileId, 'L', 60_000);
  });
  afterEach(async () => {
    await host.close();
    await rm(root, { recursive: true, force: true });
  });

  test('a PutFile that stalls after some bytes gets 408; the old content stays', async () => {
    const started = Date.now();
    const response = await new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port: host.port,
        method: 'POST',
        path: `/wopi/files/${fileId}/contents?access_token=${encodeURIComponent(token)}`,
        headers: { 'X-WOPI-Override': 'PUT', 'X-WOPI-Lock': 'L', 'Content-Length': '100000' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, connection: res.headers.connection });
        req.destroy();
      });
      req.on('error', reject);
      req.write(Buffer.alloc(1000, 0x62)); // and then nothing more
    });
    expect(response.status).toBe(408);
    expect(response.connection).toBe('close');
    expect(Date.now() - started).toBeLessThan(5000);
    await host.settled();
    expect((await readFile(path.join(root, 'doc.docx'))).equals(ORIGINAL)).toBe(true);
    expect(await tempFiles(root)).toEqual([]);
    expect(await host.locks.getLock(fileId)).toBe('L');
  });

  test('a slow but steady upload is not cut off', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port: host.port,
        method: 'POST',
        path: `/wopi/files/${fileId}/contents?access_token=${encodeURIComponent(token)}`,
        headers: { 'X-WOPI-Override': 'PUT', 'X-WOPI-Lock': 'L', 'Content-Length': '5' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      let n = 0;
      const tick = setInterval(() => {
        req.write('x');
        if (++n === 5) {
          clearInterval(tick);
          req.end();
        }
      }, 150); // 5 × 150 ms = 750 ms in all, well past the 300 ms limit, but never idle that long
    });
    expect(status).toBe(200);
    expect((await readFile(path.join(root, 'doc.docx'))).toString()).toBe('xxxxx');
  });

  test.each([0, -1, 1.5, Number.NaN])('is validated at creation: %p is refused', (value) => {
    expect(() =>
      createWopiRouter({
        storage: new MemoryStorage(),
        locks: new MemoryLockStore(),
        auth: new JwtAuth({ secret: 'x'.repeat(32) }),
        uploadIdleTimeoutMs: value,
      }),
    ).toThrow(WopiConfigError);
  });
});
