import request from 'supertest';
import { MemoryStorage, WopiConfigError, type WopiAuth } from '../../src';
import { createApp } from '../helpers/create-app';
import { binaryParser, checkFileInfo, fileUrl, getFile, lockReq, putFile, type App } from '../helpers/wopi-requests';
import { expectNoToken } from '../helpers/wopi-assertions';
import { testKeyPair } from '../helpers/proof-signer';

/** The path and query of an absolute URL the router answered with. */
function local(url: string): string {
  const u = new URL(url);
  return u.pathname + u.search;
}

function fetchFileUrl(app: App, url: string) {
  return request(app).get(local(url)).buffer(true).parse(binaryParser);
}

async function setup(options: Parameters<typeof createApp>[0] = {}) {
  const storage = new MemoryStorage();
  const fileId = storage.addFile('report.docx', 'first content');
  const other = storage.addFile('other.docx', 'other content');
  const app = createApp({ storage, fileUrl: true, ...options });
  const t = await app.token(fileId);
  return { ...app, storage, fileId, other, t };
}

describe('FileUrl', () => {
  test('is absent, and its endpoint answers 501, unless the host turns it on', async () => {
    const storage = new MemoryStorage();
    const fileId = storage.addFile('a.docx', 'x');
    const { app, token } = createApp({ storage });
    const res = await checkFileInfo(app, fileId, await token(fileId));
    expect(res.status).toBe(200);
    expect(res.body).not.toHaveProperty('FileUrl');
    expect((await request(app).get(`${fileUrl(fileId)}/file_url?access_token=x`)).status).toBe(501);
  });

  test('CheckFileInfo gives an absolute URL that serves the current content with no header at all', async () => {
    const { app, fileId, t } = await setup();
    const cfi = await checkFileInfo(app, fileId, t);
    expect(cfi.status).toBe(200);
    const url = cfi.body.FileUrl as string;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/wopi\/files\/[^/?]+\/file_url\?access_token=[^&]+$/);
    // Not the session token: a token of its own.
    expect(url).not.toContain(encodeURIComponent(t));
    const res = await fetchFileUrl(app, url);
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('first content');
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.headers['x-wopi-itemversion']).toBe(cfi.body.Version);
    expect(res.headers['cache-control']).toBe('no-store');

    // A drop-in replacement for GetFile: after a save it serves the new content.
    expect((await lockReq(app, fileId, t, 'L1')).status).toBe(200);
    expect((await putFile(app, fileId, t, 'second content', { 'X-WOPI-Lock': 'L1' })).status).toBe(200);
    const again = await fetchFileUrl(app, url);
    expect(again.body.toString()).toBe('second content');
    const head = await request(app).head(local(url));
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String('second content'.length));
  });

  test("the FileUrl token reads that file's content and does nothing else", async () => {
    const { app, fileId, other, t } = await setup();
    const url = (await checkFileInfo(app, fileId, t)).body.FileUrl as string;
    const token = new URL(url).searchParams.get('access_token') as string;
    // Not a session token: CheckFileInfo, GetFile, Lock and PutFile refuse it.
    expect((await checkFileInfo(app, fileId, token)).status).toBe(401);
    expect((await getFile(app, fileId, token)).status).toBe(401);
    expect((await lockReq(app, fileId, token, 'L1')).status).toBe(401);
    expect((await putFile(app, fileId, token, 'overwritten')).status).toBe(401);
    // Not another file's content.
    const res = await request(app).get(`${fileUrl(other)}/file_url?access_token=${encodeURIComponent(token)}`);
    expect(res.status).toBe(401);
    expectNoToken(res, token);
    // And a session token does not open the FileUrl endpoint; nor does no token.
    expect((await request(app).get(`${fileUrl(fileId)}/file_url?access_token=${encodeURIComponent(t)}`)).status).toBe(401);
    expect((await request(app).get(`${fileUrl(fileId)}/file_url`)).status).toBe(401);
    expect((await request(app).post(`${fileUrl(fileId)}/file_url?access_token=${encodeURIComponent(token)}`)).status).toBe(501);
  });

  test('a read-only user gets a FileUrl too, and a deleted file answers 404 there', async () => {
    const { app, storage, fileId, token } = await setup();
    const reader = await token(fileId, { write: false });
    const url = (await checkFileInfo(app, fileId, reader)).body.FileUrl as string;
    expect((await fetchFileUrl(app, url)).status).toBe(200);
    await storage.deleteFile(fileId);
    expect((await fetchFileUrl(app, url)).status).toBe(404);
  });

  test('expires after fileUrl.ttlSeconds', async () => {
    const { app, fileId, t } = await setup({ fileUrl: { ttlSeconds: 1 } });
    const url = (await checkFileInfo(app, fileId, t)).body.FileUrl as string;
    expect((await fetchFileUrl(app, url)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect((await fetchFileUrl(app, url)).status).toBe(401);
  });

  test('needs no proof headers when every WOPI request must be proven', async () => {
    const keys = testKeyPair();
    const storage = new MemoryStorage();
    const fileId = storage.addFile('a.docx', 'proven');
    const { app, auth } = createApp({ storage, fileUrl: true, proofKeys: { current: keys.publicKey } });
    const issued = await auth.issueResourceToken({ resource: { type: 'fileUrl', fileId }, userId: 'u1', permissions: { write: false } });
    // GetFile without proof is refused (500) before the token is even looked at …
    expect((await getFile(app, fileId, issued.accessToken)).status).toBe(500);
    // … while the FileUrl endpoint serves the content to its token alone.
    const res = await request(app)
      .get(`${fileUrl(fileId)}/file_url?access_token=${encodeURIComponent(issued.accessToken)}`)
      .buffer(true)
      .parse(binaryParser);
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('proven');
  });

  test('is refused at creation with an auth that cannot issue resource tokens, or with a bad ttl', () => {
    const auth: WopiAuth = { authenticate: async () => ({ userId: 'u', permissions: { write: true } }) };
    expect(() => createApp({ fileUrl: true, auth })).toThrow(WopiConfigError);
    expect(() => createApp({ fileUrl: true, auth })).toThrow(/WOPI_OPTION_CONFLICT/);
    expect(() => createApp({ fileUrl: { ttlSeconds: 0 } })).toThrow(/fileUrl\.ttlSeconds/);
    expect(() => createApp({ fileUrl: 'yes' as never })).toThrow(/WOPI_OPTION_TYPE/);
  });
});
