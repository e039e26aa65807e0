'use strict';
/**
 * Mounts the PostgreSQL storage of ./storage.js (and the user-info store of ./user-info.js) in an
 * express-wopi router, with folders on, and prints an access token for every file and the URL of
 * the root folder with a container token, so you can try each operation with curl.
 *
 * Run from the repository root, after `npm install` (which builds dist/) and `.ci/postgres.sh`
 * (which starts PostgreSQL and creates the role and database):
 *
 *   node examples/postgres-storage/server.js
 *
 * Environment: DATABASE_URL (default postgres://express_wopi:express_wopi@127.0.0.1:5432/express_wopi_test),
 * PG_SCHEMA (the schema of the tables, default wopi_example), PORT (default 3002), HOST (default
 * 127.0.0.1), PUBLIC_URL (base URL editors use to reach this server; default http://HOST:PORT),
 * WOPI_SECRET (32+ characters; default: a random one per run). Logs: DEBUG=express-wopi:*
 *
 * The data stays in the database between runs; `DROP SCHEMA wopi_example CASCADE` starts afresh.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const express = require('express');
const { Pool } = require('pg');
// In your app: require('express-wopi').
const { createWopiRouter, JwtAuth, MemoryLockStore } = require('../..');
const { migrate } = require('./schema');
const { PgStorage } = require('./storage');
const { PgUserInfoStore } = require('./user-info');

const PORT = Number(process.env.PORT ?? 3002);
const HOST = process.env.HOST ?? '127.0.0.1';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://express_wopi:express_wopi@127.0.0.1:5432/express_wopi_test';
const USER = { userId: 'demo', userFriendlyName: 'Demo User' };
const SAMPLES = path.join(__dirname, '..', '..', 'samples');

// Bound every statement, so that a database that hangs makes requests fail instead of wait.
const pool = new Pool({ connectionString: DATABASE_URL, statement_timeout: 30_000 });
pool.on('error', (err) => process.stderr.write(`PostgreSQL connection error: ${err.message}\n`));
const tables = { pool, schema: process.env.PG_SCHEMA ?? 'wopi_example', tablePrefix: 'wopi_' };

const storage = new PgStorage({ ...tables, ownerId: USER.userId });
const userInfo = new PgUserInfoStore(tables);
const auth = new JwtAuth({ secret: process.env.WOPI_SECRET ?? crypto.randomBytes(32).toString('base64url') });
let publicUrl = ''; // known once the server listens

const app = express();
app.disable('x-powered-by');
// The router first, before any body parser. The storage has every optional file method and the
// container methods, JwtAuth issues and checks file and resource tokens, and there is a userInfo
// store: every file operation, the folder operations and the ecosystem are on.
app.use(
  '/wopi',
  createWopiRouter({
    storage,
    auth,
    userInfo, // PutUserInfo and CheckFileInfo's UserInfo
    // Folders: browse, create, rename and delete through /wopi/containers. Off by default: with
    // it, a token for one file leads to every folder and file under the root (docs/security.md).
    containers: true,
    // One process only. The storage is safe with several processes; the locks must be shared too
    // then: RedisLockStore, or the PgLockStore of docs/writing-an-adapter.md over this same pool.
    locks: new MemoryLockStore(),
    publicUrl: () => `${publicUrl}/wopi`, // base of the Url in PutRelativeFile answers
  }),
);

async function main() {
  await migrate(pool, tables); // idempotent: creates what is missing
  // Seed an empty store with the sample documents: two in the root folder, one in a folder.
  const rootId = await storage.getRootContainerId(USER.userId);
  if ((await storage.list()).length === 0) {
    for (const name of ['welcome.docx', 'budget.xlsx']) {
      await storage.addFile(name, fs.readFileSync(path.join(SAMPLES, name)));
    }
    const { containerId } = await storage.createChildContainer(rootId, ['Presentations']);
    await storage.addFile('slides.pptx', fs.readFileSync(path.join(SAMPLES, 'slides.pptx')), { folder: containerId });
  }
  // Replaced content is kept 15 minutes for downloads still reading it, then swept.
  const sweeper = setInterval(() => storage.sweep().catch(() => undefined), 60_000);
  sweeper.unref();

  const server = app.listen(PORT, HOST, async () => {
    const { port } = server.address();
    const hostForUrl = HOST.includes(':') ? `[${HOST}]` : HOST;
    publicUrl = (process.env.PUBLIC_URL ?? `http://${hostForUrl}:${port}`).replace(/\/+$/, '');
    process.stdout.write(`express-wopi postgres-storage example on ${publicUrl}/wopi (tables in schema ${tables.schema})\n`);
    // A development convenience, like `express-wopi serve`: a real app issues tokens only after
    // its own login and permission checks.
    for (const file of await storage.list()) {
      const { accessToken } = await auth.issueToken({ fileId: file.fileId, ...USER, permissions: { write: true } });
      process.stdout.write(`${file.path}\tFILE_ID=${file.fileId}\tTOKEN=${accessToken}\n`);
    }
    // Folders take a token of their own, for one container: a file token does not open them.
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
    clearInterval(sweeper);
    server.close(() => {
      pool.end().finally(() => process.exit(0));
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
