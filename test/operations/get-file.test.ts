import request from 'supertest';
import type { WopiStorage } from '../../src';
import { createApp } from '../helpers/create-app';
import { allBytes, STORAGES, useStorage } from '../helpers/ops-storages';
import { checkFileInfo, contentsUrl, getFile } from '../helpers/wopi-requests';
import { expectNoToken } from '../helpers/wopi-assertions';
import { signToken } from '../helpers/signed-tokens';
import { failingStorage } from '../helpers/fake-adapters';

/**
 * Wraps a storage and counts the calls the router makes. With `readFile: 'throws'`, readFile
 * throws (and still counts): a HEAD that answered 200 through it never read the content.
 */
function countingStorage(inner: WopiStorage, options: { readFile: 'delegates' | 'throws' }) {
  const calls = { getFileInfo: 0, readFile: 0, writeFile: 0 };
  const storage: WopiStorage = {
    getFileInfo: (id) => {
      calls.getFileInfo++;
      return inner.getFileInfo(id);
    },
    readFile: async (id) => {
      calls.readFile++;
      if (options.readFile === 'throws') throw new Error('readFile was called');
      return inner.readFile(id);
    },
    writeFile: (id, content, ctx) => {
      calls.writeFile++;
      return inner.writeFile(id, content, ctx);
    },
  };
  return { storage, calls };
}

/** `HEAD /files/:id/contents` (GetFile without a body). */
function headFile(app: Parameters<typeof request>[0], fileId: string, token: string | undefined, headers: Record<string, string> = {}) {
  const req = request(app).head(contentsUrl(fileId)).set(headers);
  return token === undefined ? req : req.query({ access_token: token });
}

/** The response headers GET and HEAD must agree on. */
const HEADERS_COMPARED = ['content-type', 'content-length', 'x-wopi-itemversion', 'cache-control', 'connection'] as const;
const pick = (headers: Record<string, string>): Record<string, string | undefined> =>
  Object.fromEntries(HEADERS_COMPARED.map((name) => [name, headers[name]]));

describe.each(STORAGES)('GetFile on %s', (_name, makeStorage) => {
  const fx = useStorage(makeStorage);

  describe('200', () => {
    test('streams every byte 0x00-0xFF unchanged, with ItemVersion = CheckFileInfo Version', async () => {
      const bytes = allBytes();
      const fileId = await fx().addFile('binary.bin', bytes);
      const { app, token } = createApp({ storage: fx().storage });
      const t = await token(fileId);
      const res = await getFile(app, fileId, t);

      expect(res.status).toBe(200);
      expect(Buffer.isBuffer(res.body)).toBe(true);
      expect((res.body as Buffer).equals(bytes)).toBe(true);
      expect(res.headers['content-length']).toBe(String(bytes.length));
      expect(res.headers['content-type']).toBe('application/octet-stream');
      const info = await checkFileInfo(app, fileId, t);
      expect(res.headers['x-wopi-itemversion']).toBe(info.body.Version);
      expectNoToken(res, t);
    });

    test('an empty file gives an empty body with Content-Length 0', async () => {
      const fileId = await fx().addFile('empty.docx', '');
      const { app, token } = createApp({ storage: fx().storage });
      const res = await getFile(app, fileId, await token(fileId));
      expect(res.status).toBe(200);
      expect((res.body as Buffer).length).toBe(0);
      expect(res.headers['content-length']).toBe('0');
    });

    test('a read-only token may GetFile', async () => {
      const fileId = await fx().addFile('report.docx', 'read me');
      const { app, token } = createApp({ storage: fx().storage });
      const res = await getFile(app, fileId, await token(fileId, { write: false }));
      expect(res.status).toBe(200);
      expect((res.body as Buffer).toString()).toBe('read me');
    });

    test('the token may come in an Authorization: Bearer header', async () => {
      const fileId = await fx().addFile('report.docx', 'bearer');
      const { app, token } = createApp({ storage: fx().storage });
      const res = await getFile(app, fileId, undefined, { Authorization: `Bearer ${await token(fileId)}` });
      expect(res.status).toBe(200);
      expect((res.body as Buffer).toString()).toBe('bearer');
    });
  });

  describe('HEAD', () => {
    test('answers 200 with the headers of GET and no body, without ever calling readFile', async () => {
      const bytes = allBytes();
      const fileId = await fx().addFile('binary.bin', bytes);
      const { storage, calls } = countingStorage(fx().storage, { readFile: 'throws' });
      const { app, token } = createApp({ storage });
      const t = await token(fileId);
      const res = await headFile(app, fileId, t);
      expect(res.status).toBe(200);
      expect(calls.readFile).toBe(0);
      expect(calls.getFileInfo).toBe(1);
      expect(res.headers['content-length']).toBe(String(bytes.length));
      expect(res.headers['content-type']).toBe('application/octet-stream');
      const info = await checkFileInfo(app, fileId, t);
      expect(res.headers['x-wopi-itemversion']).toBe(info.body.Version);
      expect(res.text ?? '').toBe('');
      expectNoToken(res, t);
    });

    test.each<[string, Buffer | string, Record<string, string>, number]>([
      ['a binary file', allBytes(), {}, 200],
      ['an empty file (Content-Length 0)', '', {}, 200],
      ['size equal to X-WOPI-MaxExpectedSize', 'twelve bytes', { 'X-WOPI-MaxExpectedSize': '12' }, 200],
      ['size above X-WOPI-MaxExpectedSize', 'twelve bytes', { 'X-WOPI-MaxExpectedSize': '11' }, 412],
      ['X-WOPI-MaxExpectedSize 0 and one byte', 'x', { 'X-WOPI-MaxExpectedSize': '0' }, 412],
      ['X-WOPI-MaxExpectedSize 0 and an empty file', '', { 'X-WOPI-MaxExpectedSize': '0' }, 200],
      ['an invalid X-WOPI-MaxExpectedSize', 'data', { 'X-WOPI-MaxExpectedSize': '-1' }, 400],
    ])('%s: same status and headers as GET, readFile never called', async (_label, content, headers, status) => {
      const fileId = await fx().addFile('report.docx', content);
      const { storage, calls } = countingStorage(fx().storage, { readFile: 'delegates' });
      const { app, token } = createApp({ storage });
      const t = await token(fileId);

      const head = await headFile(app, fileId, t, headers);
      expect(head.status).toBe(status);
      expect(calls.readFile).toBe(0);
      expect(head.text ?? '').toBe('');

      const get = await getFile(app, fileId, t, headers);
      expect(get.status).toBe(status);
      expect(pick(head.headers as Record<string, string>)).toStrictEqual(pick(get.headers as Record<string, string>));
      if (status === 200) {
        expect(head.headers['content-length']).toBe(String(Buffer.byteLength(content)));
        expect(head.headers['content-type']).toBe('application/octet-stream');
        expect(head.headers['x-wopi-itemversion']).toEqual(expect.any(String));
        expect(calls.readFile).toBe(1); // GET still reads through readFile
      } else {
        expect(head.headers['x-wopi-itemversion']).toBeUndefined();
      }
    });

    test('ItemVersion follows a save, as GET does', async () => {
      const fileId = await fx().addFile('report.docx', '');
      const { storage } = countingStorage(fx().storage, { readFile: 'throws' });
      const { app, token } = createApp({ storage });
      const t = await token(fileId);
      const before = await headFile(app, fileId, t);
      // 0-byte file, unlocked: PutFile may write it without a lock.
      const saved = await request(app)
        .post(contentsUrl(fileId))
        .query({ access_token: t })
        .set('X-WOPI-Override', 'PUT')
        .set('Content-Type', 'application/octet-stream')
        .send(Buffer.from('new content'));
      expect(saved.status).toBe(200);
      const after = await headFile(app, fileId, t);
      expect(after.status).toBe(200);
      expect(after.headers['content-length']).toBe(String('new content'.length));
      expect(after.headers['x-wopi-itemversion']).toBe(saved.headers['x-wopi-itemversion']);
      expect(after.headers['x-wopi-itemversion']).not.toBe(before.headers['x-wopi-itemversion']);
    });

    test('unknown file → 404, readFile never called', async () => {
      const { storage, calls } = countingStorage(fx().storage, { readFile: 'throws' });
      const { app, token } = createApp({ storage });
      const t = await token('unknownFile42');
      const res = await headFile(app, 'unknownFile42', t);
      expect(res.status).toBe(404);
      expect(calls.readFile).toBe(0);
      expectNoToken(res, t);
    });

    test.each<[string, (fileId: string) => string | undefined]>([
      ['no token', () => undefined],
      ['a garbage token', () => 'GARBAGE-TOKEN-for-head'],
      [
        'an expired token',
        (fileId) => signToken({ fileId, iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 1 }),
      ],
    ])('%s → 401, the storage is never asked', async (_label, makeToken) => {
      const fileId = await fx().addFile('report.docx', 'CONTENT-MARKER');
      const { storage, calls } = countingStorage(fx().storage, { readFile: 'throws' });
      const { app } = createApp({ storage });
      const t = makeToken(fileId);
      const res = await headFile(app, fileId, t);
      expect(res.status).toBe(401);
      expect(calls).toStrictEqual({ getFileInfo: 0, readFile: 0, writeFile: 0 });
      if (t !== undefined) expectNoToken(res, t);
    });

    test('storage.getFileInfo throwing a plain Error → bare 500', async () => {
      const fileId = await fx().addFile('report.docx', 'CONTENT-MARKER');
      const { app, token } = createApp({ storage: failingStorage(fx().storage, 'getFileInfo', 'disk on fire SECRET-DETAIL') });
      const res = await headFile(app, fileId, await token(fileId));
      expect(res.status).toBe(500);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.text ?? '').toBe('');
    });
  });

  describe('X-WOPI-MaxExpectedSize', () => {
    test('file larger than the limit → 412, no file content in the body', async () => {
      const content = Buffer.from('0123456789-CONTENT-MARKER');
      const fileId = await fx().addFile('report.docx', content);
      const { app, token } = createApp({ storage: fx().storage });
      const t = await token(fileId);
      const res = await getFile(app, fileId, t, { 'X-WOPI-MaxExpectedSize': String(content.length - 1) });
      expect(res.status).toBe(412);
      const text = (res.body as Buffer).toString();
      expect(text).toBe('File is larger than X-WOPI-MaxExpectedSize');
      expect(text).not.toContain('CONTENT-MARKER');
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.headers['x-wopi-itemversion']).toBeUndefined();
      expectNoToken(res, t);
    });

    test('limit 0 with a non-empty file → 412', async () => {
      const fileId = await fx().addFile('report.docx', 'x');
      const { app, token } = createApp({ storage: fx().storage });
      const res = await getFile(app, fileId, await token(fileId), { 'X-WOPI-MaxExpectedSize': '0' });
      expect(res.status).toBe(412);
    });

    test('file size equal to the limit → 200 with the full body', async () => {
      const bytes = allBytes();
      const fileId = await fx().addFile('binary.bin', bytes);
      const { app, token } = createApp({ storage: fx().storage });
      const res = await getFile(app, fileId, await token(fileId), { 'X-WOPI-MaxExpectedSize': String(bytes.length) });
      expect(res.status).toBe(200);
      expect((res.body as Buffer).equals(bytes)).toBe(true);
    });

    test('limit above the file size → 200', async () => {
      const fileId = await fx().addFile('report.docx', 'small');
      const { app, token } = createApp({ storage: fx().storage });
      const res = await getFile(app, fileId, await token(fileId), { 'X-WOPI-MaxExpectedSize': '1048576' });
      expect(res.status).toBe(200);
      expect((res.body as Buffer).toString()).toBe('small');
    });

    test.each(['abc', '-1', '1.5', '0x10', '1e3', '', '99999999999999999999'])('invalid value %j → 400', async (value) => {
      const fileId = await fx().addFile('report.docx', 'CONTENT-MARKER');
      const { app, token } = createApp({ storage: fx().storage });
      const t = await token(fileId);
      const res = await getFile(app, fileId, t, { 'X-WOPI-MaxExpectedSize': value });
      expect(res.status).toBe(400);
      expect((res.body as Buffer).toString()).not.toContain('CONTENT-MARKER');
      expectNoToken(res, t);
    });
  });
});
