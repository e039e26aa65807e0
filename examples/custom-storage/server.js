'use strict';
/**
 * Mounts the template storage adapter of ./storage.js (and the user-info store of ./user-info.js)
 * in an express-wopi router and prints an access token for every file, and the URL of the root
 * folder with a container token, so you can try each operation with curl.
 *
 * Run from the repository root, after `npm install` (which builds dist/):
 *
 *   node examples/custom-storage/server.js
 *
 * Environment: PORT (default 3001), HOST (default 127.0.0.1), PUBLIC_URL (base URL editors use to
 * reach this server; default http://HOST:PORT), WOPI_SECRET (32+ characters; default: a random
 * one per run), DATA_DIR (where index.json, blobs/ and users.json live; default: a new temporary
 * folder, removed on exit). Logs: DEBUG=express-wopi:*
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const express = require('express');
// In your app: require('express-wopi').
const { createWopiRouter, JwtAuth, MemoryLockStore } = require('../..');
const { JsonIndexStorage } = require('./storage');
const { JsonUserInfoStore } = require('./user-info');

const PORT = Number(process.env.PORT ?? 3001);
const HOST = process.env.HOST ?? '127.0.0.1';
const USER = { userId: 'demo', userFriendlyName: 'Demo User' };
const SAMPLES = path.join(__dirname, '..', '..', 'samples');

const temporary = !process.env.DATA_DIR;
const dataDir = temporary ? fs.mkdtempSync(path.join(os.tmpdir(), 'express-wopi-custom-')) : path.resolve(process.env.DATA_DIR);

const storage = new JsonIndexStorage({ dir: dataDir, ownerId: 'demo' });
const userInfo = new JsonUserInfoStore({ dir: dataDir });
const auth = new JwtAuth({ secret: process.env.WOPI_SECRET ?? crypto.randomBytes(32).toString('base64url') });
let publicUrl = ''; // known once the server listens

const app = express();
app.disable('x-powered-by');
// The router first, before any body parser. Because the storage has every optional file method,
// JwtAuth has issueToken and there is a userInfo store, all twelve file operations are available;
// CheckFileInfo says so. Because the storage also has the container methods and JwtAuth issues
// and checks resource tokens (issueResourceToken, authenticateResource), so are the folder
// operations (CheckContainerInfo, EnumerateChildren, EnumerateAncestors, CreateChildContainer,
// CreateChildFile, RenameContainer, DeleteContainer) and the ecosystem (GetRootContainer).
app.use(
  '/wopi',
  createWopiRouter({
    storage,
    auth,
    userInfo, // PutUserInfo and CheckFileInfo's UserInfo
    // Folders: browse, create, rename and delete through /wopi/containers. Off by default: with
    // it, a token for one file leads to every folder and file under the root (docs/security.md).
    containers: true,
    locks: new MemoryLockStore(), // one process only; see docs/locking.md
    publicUrl: () => `${publicUrl}/wopi`, // base of the Url in PutRelativeFile answers
  }),
);

async function main() {
  // Seed an empty store with the sample documents: two in the root folder, one in a folder.
  const rootId = await storage.getRootContainerId(USER.userId);
  if (storage.list().length === 0) {
    for (const name of ['welcome.docx', 'budget.xlsx']) {
      await storage.addFile(name, fs.readFileSync(path.join(SAMPLES, name)));
    }
    const { containerId } = await storage.createChildContainer(rootId, ['Presentations']);
    await storage.addFile('slides.pptx', fs.readFileSync(path.join(SAMPLES, 'slides.pptx')), { folder: containerId });
  }
  const server = app.listen(PORT, HOST, async () => {
    const { port } = server.address();
    const hostForUrl = HOST.includes(':') ? `[${HOST}]` : HOST;
    publicUrl = (process.env.PUBLIC_URL ?? `http://${hostForUrl}:${port}`).replace(/\/+$/, '');
    process.stdout.write(`express-wopi custom-storage example on ${publicUrl}/wopi (data in ${dataDir})\n`);
    // A development convenience, like `express-wopi serve`: a real app issues tokens only after
    // its own login and permission checks.
    for (const file of storage.list()) {
      const { accessToken } = await auth.issueToken({ fileId: file.fileId, ...USER, permissions: { write: true } });
      process.stdout.write(`${file.path}\tFILE_ID=${file.fileId}\tTOKEN=${accessToken}\n`);
    }
    // Folders take a token of their own, for one container: a file token does not open them.
    // With `write`, the user may also create, rename and delete in it. The URLs the router
    // answers with (the children of a listing, a new folder) carry tokens it issues itself.
    const container = await auth.issueResourceToken({
      resource: { type: 'container', containerId: rootId },
      ...USER,
      permissions: { write: true },
    });
    const { name } = await storage.getContainerInfo(rootId);
    const rootUrl = `${publicUrl}/wopi/containers/${encodeURIComponent(rootId)}?access_token=${container.accessToken}`;
    process.stdout.write(`${name}/ (root folder)\tCONTAINER_ID=${rootId}\tTOKEN=${container.accessToken}\tURL=${rootUrl}\n`);
  });
  const stop = () => {
    server.close(() => {
      if (temporary) fs.rmSync(dataDir, { recursive: true, force: true });
      process.exit(0);
    });
    server.closeAllConnections();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
