/**
 * FileSystemStorage's GetFile body (src/adapters/fs/file-body.ts): an ordinary Readable for any
 * reader, and, on a Node HTTP response, a body that sends itself through pooled buffers. What can
 * go wrong with reused buffers is bytes of one transfer in another, or a buffer reused while the
 * socket still reads it: every transfer here is compared byte for byte, many at once, with slow
 * readers that keep the socket's buffer full.
 */
import { createHash, randomBytes } from 'node:crypto';
import { openSync } from 'node:fs';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import express from 'express';
import { createWopiRouter, FileSystemStorage, JwtAuth, MemoryLockStore } from '../../src';
import { FileBody, readBuffers } from '../../src/adapters/fs/file-body';
import { CHUNK_BYTES as READ_CHUNK_BYTES } from '../../src/adapters/fs/durable-write';
import { TEST_SECRET } from '../helpers/create-app';
import { listen } from '../helpers/raw-http';
import { pump } from '../../src/util/pump';
import { linuxOnly as linux, openDescriptorsOn, until } from '../helpers/descriptors';

const SIZES = [0, 1, 4096, READ_CHUNK_BYTES - 1, READ_CHUNK_BYTES, READ_CHUNK_BYTES + 1, 3 * READ_CHUNK_BYTES + 17];

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ew-file-body-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('FileBody as a Readable', () => {
  test.each(SIZES)('%d bytes: every byte, in chunks no larger than a read, and the file closed', async (size) => {
    const file = path.join(dir, 'f.bin');
    const bytes = randomBytes(size);
    await writeFile(file, bytes);
    const body = new FileBody(openSync(file, 'r'), size);
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
    expect(chunks.every((c) => c.length <= READ_CHUNK_BYTES)).toBe(true);
    if (process.platform === 'linux') await until(() => openDescriptorsOn(file).length === 0);
  });

  test('a file truncated after the open is an error, not a short body', async () => {
    const file = path.join(dir, 'f.bin');
    await writeFile(file, randomBytes(2 * READ_CHUNK_BYTES));
    const body = new FileBody(openSync(file, 'r'), 2 * READ_CHUNK_BYTES);
    await truncate(file, 1000);
    const read = (async () => {
      for await (const _ of body) void _;
    })();
    await expect(read).rejects.toThrow(/ended at byte 1000 of the 524288/);
  });

  test('bytes appended after the open are not read', async () => {
    const file = path.join(dir, 'f.bin');
    const bytes = randomBytes(5000);
    await writeFile(file, bytes);
    const body = new FileBody(openSync(file, 'r'), bytes.length);
    await writeFile(file, Buffer.concat([bytes, randomBytes(9000)]), { flag: 'r+' });
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
  });

  linux('destroyed unread: the file is closed', async () => {
    const file = path.join(dir, 'f.bin');
    await writeFile(file, randomBytes(100));
    const body = new FileBody(openSync(file, 'r'), 100);
    expect(openDescriptorsOn(file)).toHaveLength(1);
    body.destroy();
    await until(() => openDescriptorsOn(file).length === 0);
  });
});

describe('GetFile through pooled buffers (FileSystemStorage, real sockets)', () => {
  async function serve(wrap?: express.RequestHandler) {
    const storage = new FileSystemStorage({ root: dir });
    const auth = new JwtAuth({ secret: TEST_SECRET });
    const app = express();
    if (wrap) app.use(wrap);
    app.use('/wopi', createWopiRouter({ storage, auth, locks: new MemoryLockStore() }));
    const token = async (fileId: string) => (await auth.issueToken({ fileId, userId: 'u1', permissions: { write: false } })).accessToken;
    const server = await listen(app);
    const port = (server.server.address() as { port: number }).port;
    return { storage, token, server, port };
  }

  /** GET with a reader that pauses `pauseMs` after each chunk (keeps the server's socket buffer full). */
  function download(
    port: number,
    fileId: string,
    token: string,
    pauseMs = 0,
  ): Promise<{ status: number; body: Buffer; complete: boolean }> {
    return new Promise((resolve, reject) => {
      const req = http.get({ port, path: `/wopi/files/${fileId}/contents?access_token=${token}`, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          if (pauseMs > 0) {
            res.pause();
            setTimeout(() => res.resume(), pauseMs);
          }
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), complete: res.complete }));
        res.on('error', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), complete: false }));
      });
      req.on('error', reject);
    });
  }

  test.each(SIZES)('%d bytes arrive unchanged', async (size) => {
    const bytes = randomBytes(size);
    await writeFile(path.join(dir, 'doc.bin'), bytes);
    const { storage, token, server, port } = await serve();
    try {
      const id = await storage.fileIdFor('doc.bin');
      const res = await download(port, id, await token(id));
      expect(res.status).toBe(200);
      expect(res.complete).toBe(true);
      expect(res.body.equals(bytes)).toBe(true);
    } finally {
      await server.close();
    }
  });

  test('twelve transfers at once, slow and fast readers, three rounds: no byte of one in another, and the pool stays bounded', async () => {
    const files = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const bytes = randomBytes(READ_CHUNK_BYTES * 2 + 1000 * i);
        await writeFile(path.join(dir, `doc-${i}.bin`), bytes);
        return { name: `doc-${i}.bin`, sha: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
      }),
    );
    const { storage, token, server, port } = await serve();
    try {
      const ids = await Promise.all(files.map((f) => storage.fileIdFor(f.name)));
      const tokens = await Promise.all(ids.map((id) => token(id)));
      for (let round = 0; round < 3; round++) {
        const results = await Promise.all(
          Array.from({ length: 12 }, (_, k) => download(port, ids[k % 6] as string, tokens[k % 6] as string, k % 3 === 0 ? 5 : 0)),
        );
        results.forEach((res, k) => {
          const file = files[k % 6] as (typeof files)[number];
          expect(res.status).toBe(200);
          expect(res.body.length).toBe(file.size);
          expect(createHash('sha256').update(res.body).digest('hex')).toBe(file.sha);
        });
      }
      expect(readBuffers.size).toBeGreaterThan(0);
      expect(readBuffers.size).toBeLessThanOrEqual(8);
    } finally {
      await server.close();
    }
  });

  linux('a client that goes away mid-transfer: the file is closed and the server goes on serving', async () => {
    await writeFile(path.join(dir, 'big.bin'), randomBytes(24 * 1024 * 1024));
    const { storage, token, server, port } = await serve();
    try {
      const id = await storage.fileIdFor('big.bin');
      const t = await token(id);
      await new Promise<void>((resolve, reject) => {
        const req = http.get({ port, path: `/wopi/files/${id}/contents?access_token=${t}`, agent: false }, (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        });
        req.on('error', () => undefined);
        setTimeout(() => reject(new Error('no data')), 5000).unref();
      });
      await until(() => openDescriptorsOn(path.join(dir, 'big.bin')).length === 0, 5000);
      const again = await download(port, id, t);
      expect(again.body.length).toBe(24 * 1024 * 1024);
    } finally {
      await server.close();
    }
  });

  test('a file truncated while it is being sent: the connection breaks before Content-Length, never a short 200 that looks complete', async () => {
    await writeFile(path.join(dir, 'big.bin'), randomBytes(24 * 1024 * 1024));
    const { storage, token, server, port } = await serve();
    try {
      const id = await storage.fileIdFor('big.bin');
      const t = await token(id);
      const res = await new Promise<{ complete: boolean; received: number }>((resolve, reject) => {
        let received = 0;
        const req = http.get({ port, path: `/wopi/files/${id}/contents?access_token=${t}`, agent: false }, (r) => {
          r.once('data', () => {
            r.pause();
            void truncate(path.join(dir, 'big.bin'), 1024).then(() => r.resume());
          });
          r.on('data', (chunk: Buffer) => {
            received += chunk.length;
          });
          r.on('end', () => resolve({ complete: r.complete, received }));
          r.on('error', () => resolve({ complete: false, received }));
          r.on('aborted', () => resolve({ complete: false, received }));
        });
        req.on('error', () => resolve({ complete: false, received }));
        setTimeout(() => reject(new Error('neither ended nor broke')), 10_000).unref();
      });
      expect(res.complete).toBe(false);
      expect(res.received).toBeLessThan(24 * 1024 * 1024);
    } finally {
      await server.close();
    }
  });

  test('a response whose write is wrapped (as by compression) is piped, and still gets every byte', async () => {
    const bytes = randomBytes(3 * READ_CHUNK_BYTES + 5);
    await writeFile(path.join(dir, 'doc.bin'), bytes);
    let wrappedWrites = 0;
    const wrap: express.RequestHandler = (_req, res, next) => {
      const write = res.write.bind(res) as (chunk: unknown, cb?: unknown) => boolean;
      // Keeps no callback, like a compressing wrapper that buffers the chunk.
      res.write = ((chunk: unknown) => {
        wrappedWrites++;
        return write(Buffer.from(chunk as Buffer));
      }) as typeof res.write;
      next();
    };
    const { storage, token, server, port } = await serve(wrap);
    try {
      const id = await storage.fileIdFor('doc.bin');
      const res = await download(port, id, await token(id));
      expect(res.body.equals(bytes)).toBe(true);
      expect(wrappedWrites).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });

  test('to a destination that is not an HTTP response, the body is an ordinary stream', async () => {
    const bytes = randomBytes(READ_CHUNK_BYTES + 3);
    await writeFile(path.join(dir, 'doc.bin'), bytes);
    const storage = new FileSystemStorage({ root: dir });
    const { stream } = await storage.readFile(await storage.fileIdFor('doc.bin'));
    const kept: Buffer[] = [];
    // Keeps every chunk by reference after calling back: safe only with fresh buffers.
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        kept.push(chunk);
        cb();
      },
    });
    await pump(stream, sink);
    expect(Buffer.concat(kept).equals(bytes)).toBe(true);
  });
});
