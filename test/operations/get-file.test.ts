import request from 'supertest';
import { createApp } from '../helpers/create-app';
import { allBytes, STORAGES, useStorage } from '../helpers/ops-storages';
import { checkFileInfo, contentsUrl, expectNoToken, failingStorage, getFile, signToken } from '../helpers/ops-http';

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

    test('HEAD answers the headers without a body', async () => {
      const bytes = allBytes();
      const fileId = await fx().addFile('binary.bin', bytes);
      const { app, token } = createApp({ storage: fx().storage });
      const t = await token(fileId);
      const res = await request(app).head(contentsUrl(fileId)).query({ access_token: t });
      expect(res.status).toBe(200);
      expect(res.headers['content-length']).toBe(String(bytes.length));
      expect(res.headers['content-type']).toBe('application/octet-stream');
      const info = await checkFileInfo(app, fileId, t);
      expect(res.headers['x-wopi-itemversion']).toBe(info.body.Version);
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

  describe('401', () => {
    test('missing token', async () => {
      const fileId = await fx().addFile('report.docx', 'CONTENT-MARKER');
      const { app } = createApp({ storage: fx().storage });
      const res = await getFile(app, fileId, undefined);
      expect(res.status).toBe(401);
      expect((res.body as Buffer).toString()).not.toContain('CONTENT-MARKER');
    });

    test('garbage token', async () => {
      const fileId = await fx().addFile('report.docx', 'CONTENT-MARKER');
      const { app } = createApp({ storage: fx().storage });
      const garbage = 'GARBAGE-TOKEN-for-getfile';
      const res = await getFile(app, fileId, garbage);
      expect(res.status).toBe(401);
      expect((res.body as Buffer).toString()).not.toContain('CONTENT-MARKER');
      expectNoToken(res, garbage);
    });

    test('token for another file', async () => {
      const fileId = await fx().addFile('report.docx', 'CONTENT-MARKER');
      const otherId = await fx().addFile('other.docx', 'other');
      const { app, token } = createApp({ storage: fx().storage });
      const t = await token(otherId);
      const res = await getFile(app, fileId, t);
      expect(res.status).toBe(401);
      expectNoToken(res, t);
    });

    test('expired token', async () => {
      const fileId = await fx().addFile('report.docx', 'CONTENT-MARKER');
      const { app } = createApp({ storage: fx().storage });
      const now = Math.floor(Date.now() / 1000);
      const expired = signToken({ fileId, iat: now - 7200, exp: now - 1 });
      const res = await getFile(app, fileId, expired);
      expect(res.status).toBe(401);
      expectNoToken(res, expired);
    });
  });

  describe('404', () => {
    test('unknown file', async () => {
      const { app, token } = createApp({ storage: fx().storage });
      const t = await token('unknownFile42');
      const res = await getFile(app, 'unknownFile42', t);
      expect(res.status).toBe(404);
      expectNoToken(res, t);
    });

    test('file ID with odd characters', async () => {
      const { app, token } = createApp({ storage: fx().storage });
      const t = await token('../x y');
      const res = await getFile(app, '../x y', t);
      expect(res.status).toBe(404);
      expectNoToken(res, t);
    });
  });

  describe('500', () => {
    test('storage.readFile throwing a plain Error → bare 500', async () => {
      const fileId = await fx().addFile('report.docx', 'CONTENT-MARKER');
      const { app, token } = createApp({ storage: failingStorage(fx().storage, 'readFile', 'disk on fire SECRET-DETAIL') });
      const t = await token(fileId);
      const res = await getFile(app, fileId, t);
      expect(res.status).toBe(500);
      expect((res.body as Buffer).toString()).toBe('Internal Server Error');
      expectNoToken(res, t);
    });
  });
});
