/**
 * Header sanity: lock IDs that are too long or hold control characters are refused with 400 by
 * every operation that reads one; raw control characters in any header never reach the router.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { MemoryStorage } from '../../src';
import { createApp } from '../helpers/create-app';
import { encodeUtf7 } from '../../src/protocol/utf7';

const TOO_LONG = 'x'.repeat(1025);
const WITH_TAB = 'lock\tid';

async function setup() {
  const storage = new MemoryStorage();
  const fileId = storage.addFile('doc.docx', 'content');
  const t = createApp({ storage });
  await t.locks.lock(fileId, 'L', 60_000);
  return { ...t, storage, fileId, token: await t.token(fileId) };
}

describe.each([
  ['over 1024 characters', TOO_LONG],
  ['with a tab (control character)', WITH_TAB],
])('an X-WOPI-Lock %s', (_label, lockId) => {
  test.each([
    ['PutFile', 'contents', { 'X-WOPI-Override': 'PUT' }],
    ['Lock', '', { 'X-WOPI-Override': 'LOCK' }],
    ['RefreshLock', '', { 'X-WOPI-Override': 'REFRESH_LOCK' }],
    ['Unlock', '', { 'X-WOPI-Override': 'UNLOCK' }],
    ['UnlockAndRelock (new lock)', '', { 'X-WOPI-Override': 'LOCK', 'X-WOPI-OldLock': 'L' }],
    ['PutRelativeFile', '', { 'X-WOPI-Override': 'PUT_RELATIVE', 'X-WOPI-SuggestedTarget': encodeUtf7('.pdf') }],
    ['RenameFile', '', { 'X-WOPI-Override': 'RENAME_FILE', 'X-WOPI-RequestedName': 'renamed' }],
  ])('%s → 400, nothing changes', async (_op, route, headers) => {
    const { app, storage, locks, fileId, token } = await setup();
    const url = route === 'contents' ? `/wopi/files/${fileId}/contents` : `/wopi/files/${fileId}`;
    const res = await request(app)
      .post(url)
      .query({ access_token: token })
      .set({ ...headers, 'X-WOPI-Lock': lockId })
      .send('new');
    expect(res.status).toBe(400);
    expect(storage.getContent(fileId).toString()).toBe('content');
    expect(storage.list()).toEqual([{ fileId, name: 'doc.docx' }]);
    expect(await locks.getLock(fileId)).toBe('L');
  });

  test('UnlockAndRelock with such an X-WOPI-OldLock → 400', async () => {
    const { app, locks, fileId, token } = await setup();
    const res = await request(app)
      .post(`/wopi/files/${fileId}`)
      .query({ access_token: token })
      .set({ 'X-WOPI-Override': 'LOCK', 'X-WOPI-Lock': 'NEW', 'X-WOPI-OldLock': lockId });
    expect(res.status).toBe(400);
    expect(await locks.getLock(fileId)).toBe('L');
  });
});

test('a raw control character in a header value is refused by the HTTP parser before the router', async () => {
  const { app, fileId, token, locks } = await setup();
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.write(
          `POST /wopi/files/${fileId}?access_token=${encodeURIComponent(token)} HTTP/1.1\r\nHost: x\r\nX-WOPI-Override: UNLOCK\r\nX-WOPI-Lock: L\u0001\r\nContent-Length: 0\r\n\r\n`,
        );
      });
      let data = '';
      socket.on('data', (chunk) => (data += chunk.toString('latin1')));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    expect(reply.startsWith('HTTP/1.1 400')).toBe(true);
    expect(await locks.getLock(fileId)).toBe('L');
  } finally {
    server.close();
  }
});

test('a body declared too large gets 413 and Connection: close (the body is not read)', async () => {
  const storage = new MemoryStorage();
  const fileId = storage.addFile('doc.docx', 'content');
  const { app, locks, token } = createApp({ storage, maxFileSize: 10 });
  await locks.lock(fileId, 'L', 60_000);
  const res = await request(app)
    .post(`/wopi/files/${fileId}/contents`)
    .query({ access_token: await token(fileId) })
    .set({ 'X-WOPI-Override': 'PUT', 'X-WOPI-Lock': 'L' })
    .send('x'.repeat(11));
  expect(res.status).toBe(413);
  expect(res.headers.connection).toBe('close');
  expect(storage.getContent(fileId).toString()).toBe('content');
});
