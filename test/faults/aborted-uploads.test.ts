/**
 * A client that goes away in the middle of a PutFile, at many points: the previous content stays
 * byte-identical, no temporary file is left, the lock is unchanged. Real sockets, real files.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { format } from 'node:util';
import createDebug from 'debug';
import { partialUpload, startHost, tempFiles, type RunningHost } from './helpers';

const MB = 1024 * 1024;
const ORIGINAL = Buffer.from('the previous content, which must survive every failed save');

describe('PutFile aborted by the client', () => {
  let root: string;
  let host: RunningHost;
  let fileId: string;
  let token: string;

  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'express-wopi-abort-'));
    await writeFile(path.join(root, 'doc.docx'), ORIGINAL);
    host = await startHost(root, { maxFileSize: 200 * MB });
    fileId = await host.storage.fileIdFor('doc.docx');
    token = (await host.auth.issueToken({ fileId, userId: 'u1', permissions: { write: true } })).accessToken;
    await host.locks.lock(fileId, 'LOCK-1', 60_000);
  });
  afterEach(async () => {
    await host.close();
    await rm(root, { recursive: true, force: true });
  });

  test.each([
    ['before the first byte', 10 * MB, 0],
    ['after the first byte', 10 * MB, 1],
    ['in the middle', 10 * MB, 5 * MB],
    ['one byte before the end', 10 * MB, 10 * MB - 1],
    ['50 MB in', 60 * MB, 50 * MB],
  ])(
    '%s: content byte-identical, no temporary file, lock unchanged',
    async (_label, declared, sent) => {
      const response = await partialUpload(
        host.port,
        `/wopi/files/${fileId}/contents?access_token=${encodeURIComponent(token)}`,
        { 'X-WOPI-Override': 'PUT', 'X-WOPI-Lock': 'LOCK-1' },
        declared,
        sent,
        true,
      );
      expect(response).toBeUndefined();
      await host.settled();
      expect((await readFile(path.join(root, 'doc.docx'))).equals(ORIGINAL)).toBe(true);
      expect(await tempFiles(root)).toEqual([]);
      expect(await host.locks.getLock(fileId)).toBe('LOCK-1');
    },
    60_000,
  );

  test('is logged as a client that went away, not as a server error', async () => {
    const lines: Array<{ namespace: string; text: string }> = [];
    const previousLog = createDebug.log;
    const previousNamespaces = createDebug.disable();
    createDebug.log = function capture(this: unknown, ...args: unknown[]): void {
      lines.push({ namespace: (this as { namespace?: string } | undefined)?.namespace ?? '?', text: format(...args) });
    };
    createDebug.enable('express-wopi:*');
    try {
      await partialUpload(
        host.port,
        `/wopi/files/${fileId}/contents?access_token=${encodeURIComponent(token)}`,
        { 'X-WOPI-Override': 'PUT', 'X-WOPI-Lock': 'LOCK-1' },
        10 * MB,
        MB,
        true,
      );
      await host.settled();
    } finally {
      createDebug.log = previousLog;
      createDebug.disable();
      if (previousNamespaces) createDebug.enable(previousNamespaces);
    }
    expect(lines.some((l) => l.namespace.startsWith('express-wopi:router') && l.text.includes('client went away'))).toBe(true);
    expect(lines.filter((l) => l.namespace.startsWith('express-wopi:server_error'))).toEqual([]);
  });

  test('a complete upload after an aborted one still saves', async () => {
    await partialUpload(
      host.port,
      `/wopi/files/${fileId}/contents?access_token=${encodeURIComponent(token)}`,
      { 'X-WOPI-Override': 'PUT', 'X-WOPI-Lock': 'LOCK-1' },
      1000,
      500,
      true,
    );
    await host.settled();
    const response = await partialUpload(
      host.port,
      `/wopi/files/${fileId}/contents?access_token=${encodeURIComponent(token)}`,
      { 'X-WOPI-Override': 'PUT', 'X-WOPI-Lock': 'LOCK-1' },
      1000,
      1000,
      false,
    );
    expect(response?.status).toBe(200);
    expect((await readFile(path.join(root, 'doc.docx'))).equals(Buffer.alloc(1000, 0x61))).toBe(true);
  });
});
