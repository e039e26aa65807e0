/**
 * Router behaviour at its edges: body parsers mounted before it, error bodies of 5xx errors, the
 * Authorization scheme's case.
 */
import express from 'express';
import request from 'supertest';
import { createWopiRouter, JwtAuth, MemoryLockStore, MemoryStorage, MemoryUserInfoStore, WopiError, type WopiStorage } from '../../src';
import { TEST_SECRET } from '../helpers/create-app';

/** An app whose storage holds one locked file (lock `L`); `wrap` may put a storage in front of it. */
async function setup(
  before?: express.RequestHandler,
  wrap: (memory: MemoryStorage) => WopiStorage = (m) => m,
  options: { uploadIdleTimeoutMs?: number; userInfo?: MemoryUserInfoStore } = {},
) {
  const memory = new MemoryStorage();
  const fileId = memory.addFile('doc.docx', 'old content');
  const auth = new JwtAuth({ secret: TEST_SECRET });
  const locks = new MemoryLockStore();
  await locks.lock(fileId, 'L', 60_000);
  const app = express();
  if (before) app.use(before);
  app.use('/wopi', createWopiRouter({ storage: wrap(memory), locks, auth, ...options }));
  const { accessToken } = await auth.issueToken({ fileId, userId: 'u1', permissions: { write: true } });
  return { app, fileId, memory, accessToken };
}

describe('a body parser mounted before the router', () => {
  test('express.raw() kept the exact bytes: PutFile saves them', async () => {
    const { app, fileId, memory, accessToken } = await setup(express.raw({ type: '*/*' }));
    const body = Buffer.from([0, 1, 2, 0xfe, 0xff]);
    const res = await request(app)
      .post(`/wopi/files/${fileId}/contents`)
      .query({ access_token: accessToken })
      .set({ 'X-WOPI-Override': 'PUT', 'X-WOPI-Lock': 'L', 'Content-Type': 'application/octet-stream' })
      .send(body);
    expect(res.status).toBe(200);
    expect(memory.getContent(fileId).equals(body)).toBe(true);
  });

  test('express.text() decoded the body: PutFile answers 500 and writes nothing', async () => {
    const { app, fileId, memory, accessToken } = await setup(express.text({ type: '*/*' }));
    const res = await request(app)
      .post(`/wopi/files/${fileId}/contents`)
      .query({ access_token: accessToken })
      .set({ 'X-WOPI-Override': 'PUT', 'X-WOPI-Lock': 'L', 'Content-Type': 'text/plain' })
      .send('new content');
    expect(res.status).toBe(500);
    expect(res.text).toBe('Internal Server Error');
    expect(memory.getContent(fileId).toString()).toBe('old content');
  });

  // A refused body used to leave its byte counter behind with the idle timer running: when the
  // timer fired (a minute later by default) it failed a stream nobody listened to, an unhandled
  // 'error' event that would bring down the host's process.
  test.each([
    ['PutFile', '/contents', { 'X-WOPI-Override': 'PUT', 'X-WOPI-Lock': 'L' }],
    ['PutUserInfo', '', { 'X-WOPI-Override': 'PUT_USER_INFO' }],
  ])('%s with a decoded body leaves nothing behind that fails later', async (_name, suffix, headers) => {
    const { app, fileId, accessToken } = await setup(express.text({ type: '*/*' }), undefined, {
      uploadIdleTimeoutMs: 20,
      userInfo: new MemoryUserInfoStore(),
    });
    const res = await request(app)
      .post(`/wopi/files/${fileId}${suffix}`)
      .query({ access_token: accessToken })
      .set({ ...headers, 'Content-Type': 'text/plain' })
      .send('new content');
    expect(res.status).toBe(500);
    const unhandled: unknown[] = [];
    const onUncaught = (err: unknown): void => void unhandled.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      await new Promise((resolve) => setTimeout(resolve, 200)); // ten idle limits
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(unhandled).toEqual([]);
  });
});

describe('5xx errors', () => {
  test('a non-exposed WopiError with a body sends the generic body, not its own', async () => {
    const { app, fileId, accessToken } = await setup(undefined, (memory) => ({
      getFileInfo: async () => {
        throw new WopiError(503, 'BACKEND_DOWN', 'backend at 10.0.0.7 is down', { body: { secret: 'internal detail' } });
      },
      readFile: (id) => memory.readFile(id),
      writeFile: (id, content, ctx) => memory.writeFile(id, content, ctx),
    }));
    const res = await request(app).get(`/wopi/files/${fileId}`).query({ access_token: accessToken });
    expect(res.status).toBe(503);
    expect(res.text).toBe('Internal Server Error');
    expect(res.text).not.toContain('internal detail');
    expect(res.text).not.toContain('10.0.0.7');
  });
});

describe('Authorization header', () => {
  test.each(['Bearer', 'bearer', 'BEARER'])('the %s scheme is accepted (schemes are case-insensitive)', async (scheme) => {
    const { app, fileId, accessToken } = await setup(undefined);
    const res = await request(app).get(`/wopi/files/${fileId}`).set('Authorization', `${scheme} ${accessToken}`);
    expect(res.status).toBe(200);
  });

  test('another scheme is not a token', async () => {
    const { app, fileId, accessToken } = await setup(undefined);
    const res = await request(app).get(`/wopi/files/${fileId}`).set('Authorization', `Basic ${accessToken}`);
    expect(res.status).toBe(401);
  });
});

describe('the Url of a file PutRelativeFile creates', () => {
  async function saveAs(trustProxy: boolean) {
    const { app, fileId, accessToken } = await setup();
    app.set('trust proxy', trustProxy);
    return request(app)
      .post(`/wopi/files/${fileId}`)
      .query({ access_token: accessToken })
      .set({
        'X-WOPI-Override': 'PUT_RELATIVE',
        'X-WOPI-SuggestedTarget': '.pdf',
        'X-Forwarded-Host': 'files.example.com:8443',
        'X-Forwarded-Proto': 'https',
      })
      .send('copy');
  }

  test('follows X-Forwarded-Host/-Proto when Express trusts the proxy', async () => {
    const res = await saveAs(true);
    expect(res.status).toBe(200);
    expect(res.body.Url).toMatch(/^https:\/\/files\.example\.com:8443\/wopi\/files\/[\w-]+\?access_token=/);
  });

  test('ignores them when it does not', async () => {
    const res = await saveAs(false);
    expect(res.status).toBe(200);
    expect(res.body.Url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/wopi\/files\/[\w-]+\?access_token=/);
  });
});

describe('caching', () => {
  test.each([
    [
      'CheckFileInfo',
      (app: express.Express, id: string, t: string) => request(app).get(`/wopi/files/${id}`).query({ access_token: t }),
      200,
    ],
    [
      'GetFile',
      (app: express.Express, id: string, t: string) => request(app).get(`/wopi/files/${id}/contents`).query({ access_token: t }),
      200,
    ],
    ['a 401', (app: express.Express, id: string) => request(app).get(`/wopi/files/${id}`).query({ access_token: 'garbage' }), 401],
    [
      'a 409',
      (app: express.Express, id: string, t: string) =>
        request(app).post(`/wopi/files/${id}`).query({ access_token: t }).set({ 'X-WOPI-Override': 'LOCK', 'X-WOPI-Lock': 'OTHER' }),
      409,
    ],
  ])('%s answers Cache-Control: no-store (tokened URLs are never cached)', async (_label, send, status) => {
    const { app, fileId, accessToken } = await setup();
    const res = await send(app, fileId, accessToken);
    expect(res.status).toBe(status);
    expect(res.headers['cache-control']).toBe('no-store');
  });
});
