/**
 * The router on Express 4 (express is a peer dependency: ^4.21 || ^5). `express` is mapped to the
 * `express4` alias for this whole file, so src/router.ts builds its Router with Express 4 too,
 * exactly as it would in an app that installed express@4.
 */
jest.mock('express', () => jest.requireActual('express4'));

import express from 'express';
import request from 'supertest';
import { createWopiRouter, JwtAuth, MemoryLockStore, MemoryStorage } from '../../src';

const express4 = jest.requireActual<typeof import('express')>('express4');
const express4Version = jest.requireActual<{ version: string }>('express4/package.json').version;
const SECRET = 'express4-secret-express4-secret-0123456789';

function setup(): {
  app: express.Express;
  storage: MemoryStorage;
  fileId: string;
  token: (fileId?: string, write?: boolean) => Promise<string>;
} {
  const storage = new MemoryStorage();
  const fileId = storage.addFile('notes.docx', 'hello from express 4');
  const auth = new JwtAuth({ secret: SECRET });
  const app = express();
  app.use('/wopi', createWopiRouter({ storage, auth, locks: new MemoryLockStore() }));
  return {
    app,
    storage,
    fileId,
    token: async (id = fileId, write = true) =>
      (await auth.issueToken({ fileId: id, userId: 'u4', userFriendlyName: 'Four', permissions: { write } })).accessToken,
  };
}

test('the app is Express 4, and the router is a middleware it mounts', () => {
  expect(express4Version).toMatch(/^4\./);
  expect(express).toBe(express4);
  const router = createWopiRouter({ storage: new MemoryStorage(), auth: new JwtAuth({ secret: SECRET }) });
  expect(typeof router).toBe('function');
  expect(router.length).toBe(3);
  expect(() => express4().use('/wopi', router)).not.toThrow();
});

test('CheckFileInfo answers 200 with the file and the user', async () => {
  const { app, fileId, token } = setup();
  const res = await request(app)
    .get(`/wopi/files/${fileId}`)
    .query({ access_token: await token() });
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body).toMatchObject({
    BaseFileName: 'notes.docx',
    Size: 20,
    UserId: 'u4',
    UserFriendlyName: 'Four',
    UserCanWrite: true,
    SupportsLocks: true,
  });
});

test('the token is also accepted as Authorization: Bearer', async () => {
  const { app, fileId, token } = setup();
  const res = await request(app)
    .get(`/wopi/files/${fileId}`)
    .set('Authorization', `Bearer ${await token()}`);
  expect(res.status).toBe(200);
  expect(res.body.BaseFileName).toBe('notes.docx');
});

test('GetFile streams the bytes', async () => {
  const { app, fileId, token } = setup();
  const res = await request(app)
    .get(`/wopi/files/${fileId}/contents`)
    .query({ access_token: await token() })
    .buffer(true)
    .parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe('application/octet-stream');
  expect(res.headers['content-length']).toBe('20');
  expect(res.headers['x-wopi-itemversion']).toBe('1');
  expect((res.body as Buffer).toString('utf8')).toBe('hello from express 4');
});

test('Lock, then PutFile under the lock saves; a PutFile with another lock is 409 with X-WOPI-Lock', async () => {
  const { app, storage, fileId, token } = setup();
  const t = await token();

  const lock = await request(app)
    .post(`/wopi/files/${fileId}`)
    .query({ access_token: t })
    .set('X-WOPI-Override', 'LOCK')
    .set('X-WOPI-Lock', 'lock-A');
  expect(lock.status).toBe(200);
  expect(lock.headers['x-wopi-itemversion']).toBe('1');

  const getLock = await request(app).post(`/wopi/files/${fileId}`).query({ access_token: t }).set('X-WOPI-Override', 'GET_LOCK');
  expect(getLock.status).toBe(200);
  expect(getLock.headers['x-wopi-lock']).toBe('lock-A');

  const put = await request(app)
    .post(`/wopi/files/${fileId}/contents`)
    .query({ access_token: t })
    .set('X-WOPI-Override', 'PUT')
    .set('X-WOPI-Lock', 'lock-A')
    .set('Content-Type', 'application/octet-stream')
    .send(Buffer.from('saved on express 4'));
  expect(put.status).toBe(200);
  expect(put.headers['x-wopi-itemversion']).toBe('2');
  expect(storage.getContent(fileId).toString('utf8')).toBe('saved on express 4');

  const after = await request(app).get(`/wopi/files/${fileId}`).query({ access_token: t });
  expect(after.body).toMatchObject({ Size: 18, Version: '2' });

  const mismatch = await request(app)
    .post(`/wopi/files/${fileId}/contents`)
    .query({ access_token: t })
    .set('X-WOPI-Override', 'PUT')
    .set('X-WOPI-Lock', 'lock-B')
    .set('Content-Type', 'application/octet-stream')
    .send(Buffer.from('must not be saved'));
  expect(mismatch.status).toBe(409);
  expect(mismatch.headers['x-wopi-lock']).toBe('lock-A');
  expect(storage.getContent(fileId).toString('utf8')).toBe('saved on express 4');

  const relockOther = await request(app)
    .post(`/wopi/files/${fileId}`)
    .query({ access_token: t })
    .set('X-WOPI-Override', 'LOCK')
    .set('X-WOPI-Lock', 'lock-B');
  expect(relockOther.status).toBe(409);
  expect(relockOther.headers['x-wopi-lock']).toBe('lock-A');

  const unlock = await request(app)
    .post(`/wopi/files/${fileId}`)
    .query({ access_token: t })
    .set('X-WOPI-Override', 'UNLOCK')
    .set('X-WOPI-Lock', 'lock-A');
  expect(unlock.status).toBe(200);
});

test('a PutFile on an unlocked, non-empty file is 409 with an empty X-WOPI-Lock', async () => {
  const { app, fileId, token } = setup();
  const res = await request(app)
    .post(`/wopi/files/${fileId}/contents`)
    .query({ access_token: await token() })
    .set('X-WOPI-Override', 'PUT')
    .set('Content-Type', 'application/octet-stream')
    .send(Buffer.from('x'));
  expect(res.status).toBe(409);
  expect(res.headers['x-wopi-lock']).toBe('');
});

test('an unknown X-WOPI-Override is 501', async () => {
  const { app, fileId, token } = setup();
  const res = await request(app)
    .post(`/wopi/files/${fileId}`)
    .query({ access_token: await token() })
    .set('X-WOPI-Override', 'FROBNICATE');
  expect(res.status).toBe(501);
});

test('no token is 401; a token for another file is 401; a read-only token cannot lock', async () => {
  const { app, fileId, token } = setup();
  expect((await request(app).get(`/wopi/files/${fileId}`)).status).toBe(401);
  expect(
    (
      await request(app)
        .get(`/wopi/files/${fileId}`)
        .query({ access_token: await token('someOtherFile') })
    ).status,
  ).toBe(401);
  const ro = await request(app)
    .post(`/wopi/files/${fileId}`)
    .query({ access_token: await token(fileId, false) })
    .set('X-WOPI-Override', 'LOCK')
    .set('X-WOPI-Lock', 'L');
  expect(ro.status).toBe(401);
});

test('an unknown file is 404', async () => {
  const { app, token } = setup();
  const res = await request(app)
    .get('/wopi/files/noSuchFile')
    .query({ access_token: await token('noSuchFile') });
  expect(res.status).toBe(404);
  const contents = await request(app)
    .get('/wopi/files/noSuchFile/contents')
    .query({ access_token: await token('noSuchFile') });
  expect(contents.status).toBe(404);
});
