/**
 * One file, one identity (scenario 6 of "overlapping requests never lose a save"): a symbolic link inside the root that points at
 * another file in the root is never a second file. Before, `fileIdFor` gave the link an ID of its
 * own, and so a lock of its own: a save through it overwrote a file another editor held locked.
 */
import { readFile, symlink } from 'node:fs/promises';
import path from 'node:path';
import { FileSystemStorage } from '../../src';
import { createApp } from '../helpers/create-app';
import { useFsSandbox, putFile as putOnDisk } from '../helpers/fs-sandbox';
import { getFile, lockReq, putFile, renameReq, deleteReq, binaryParser } from '../helpers/wopi-requests';
import { expectConflict } from '../helpers/wopi-assertions';
import { listen } from '../helpers/raw-http';
import { destroyHeldUploads, holdUpload, httpRequest, temporaryFiles, waitForTemporaryWrite, whileHeld } from '../helpers/held-upload';
import type { AddressInfo } from 'node:net';

const sandbox = useFsSandbox('express-wopi-link-identity-');

async function setup() {
  await putOnDisk(sandbox.root, 'docs/real.docx', 'HELD');
  await symlink(path.join(sandbox.root, 'docs', 'real.docx'), path.join(sandbox.root, 'link.docx'));
  const storage = new FileSystemStorage({ root: sandbox.root });
  const t = createApp({ storage });
  const realId = await storage.fileIdFor('docs/real.docx');
  const linkId = await storage.fileIdFor('link.docx');
  return { ...t, storage, realId, linkId, realToken: await t.token(realId), linkToken: await t.token(linkId) };
}

test('the link and its target are one file ID, so one lock', async () => {
  const { realId, linkId } = await setup();
  expect(linkId).toBe(realId);
});

test('a save through the link while another editor holds the lock is 409 with that lock; the held file keeps its bytes', async () => {
  const { app, realId, linkId, realToken, linkToken } = await setup();
  expect((await lockReq(app, realId, realToken, 'EDITOR-A')).status).toBe(200);
  for (const lock of [undefined, 'EDITOR-B']) {
    const res = await putFile(app, linkId, linkToken, 'OVERWRITTEN', lock === undefined ? {} : { 'X-WOPI-Lock': lock });
    expectConflict(res, 'EDITOR-A');
  }
  expect((await lockReq(app, linkId, linkToken, 'EDITOR-B')).status).toBe(409);
  expect(await readFile(path.join(sandbox.root, 'docs', 'real.docx'), 'utf8')).toBe('HELD');
  const read = await getFile(app, realId, realToken).buffer(true).parse(binaryParser);
  expect((read.body as Buffer).toString()).toBe('HELD');
});

test('rename and delete through the link are refused while the file is locked, like through its own path', async () => {
  const { app, realId, linkId, realToken, linkToken } = await setup();
  expect((await lockReq(app, realId, realToken, 'EDITOR-A')).status).toBe(200);
  expectConflict(await renameReq(app, linkId, linkToken, 'renamed'), 'EDITOR-A');
  expectConflict(await deleteReq(app, linkId, linkToken), 'EDITOR-A');
  expect(await readFile(path.join(sandbox.root, 'docs', 'real.docx'), 'utf8')).toBe('HELD');
});

describe('with a save through the link held open mid-upload', () => {
  afterEach(() => destroyHeldUploads());

  test('a lock-less save through the link to an empty file, while another editor locks and saves through the real path: 409 with that lock, the editor’s bytes kept', async () => {
    await putOnDisk(sandbox.root, 'docs/real.docx', '');
    await symlink(path.join(sandbox.root, 'docs', 'real.docx'), path.join(sandbox.root, 'link.docx'));
    const storage = new FileSystemStorage({ root: sandbox.root });
    const { app, token } = createApp({ storage });
    const realId = await storage.fileIdFor('docs/real.docx');
    const linkId = await storage.fileIdFor('link.docx');
    const server = await listen(app);
    try {
      const base = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}/wopi/files`;
      const linkToken = await token(linkId);
      const realToken = await token(realId);
      const body = Buffer.alloc(256 * 1024, 'L');
      const held = await holdUpload(`${base}/${linkId}/contents?access_token=${linkToken}`, { 'X-WOPI-Override': 'PUT' }, body);
      await whileHeld(held, () => waitForTemporaryWrite(path.join(sandbox.root, 'docs'), held.sentBytes));
      const lock = await httpRequest(`${base}/${realId}?access_token=${realToken}`, {
        method: 'POST',
        headers: { 'X-WOPI-Override': 'LOCK', 'X-WOPI-Lock': 'EDITOR-A' },
      });
      expect(lock.status).toBe(200);
      const save = await httpRequest(`${base}/${realId}/contents?access_token=${realToken}`, {
        method: 'POST',
        headers: { 'X-WOPI-Override': 'PUT', 'X-WOPI-Lock': 'EDITOR-A' },
        body: 'EDITOR-A SAVED',
      });
      expect(save.status).toBe(200);
      const res = await held.release();
      expect({ status: res.status, lock: res.headers['x-wopi-lock'] }).toEqual({ status: 409, lock: 'EDITOR-A' });
      expect(await readFile(path.join(sandbox.root, 'docs', 'real.docx'), 'utf8')).toBe('EDITOR-A SAVED');
      expect(await temporaryFiles(sandbox.root)).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
