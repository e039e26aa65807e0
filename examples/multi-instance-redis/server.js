'use strict';
/**
 * express-wopi with several instances: start this server twice (or more), on different ports,
 * over the same folder and the same Redis. Locks live in Redis, so a lock taken through one
 * instance is seen by every other.
 *
 * Run from the repository root, after `npm install` (which builds dist/):
 *
 *   FILES_DIR=/tmp/shared WOPI_SECRET=<32+ characters> PORT=3101 node examples/multi-instance-redis/server.js
 *   FILES_DIR=/tmp/shared WOPI_SECRET=<same secret>    PORT=3102 node examples/multi-instance-redis/server.js
 *
 * Environment: FILES_DIR (required: the folder every instance serves), WOPI_SECRET (required: the
 * same on every instance, so a token issued by one is accepted by all), PORT (default 3101),
 * HOST (default 127.0.0.1), REDIS_URL (default redis://127.0.0.1:6379), REDIS_PREFIX (default
 * express-wopi-example:). Logs: DEBUG=express-wopi:*
 */
const path = require('node:path');
const express = require('express');
// node-redis (`npm install redis`). ioredis works the same way: pass `new Redis(url)` as `client`.
const { createClient } = require('redis');
// Inside this repository the package is its own root; in your app: require('express-wopi').
const { createWopiRouter, FileSystemStorage, JwtAuth, RedisLockStore } = require('../..');

const PORT = Number(process.env.PORT ?? 3101);
const HOST = process.env.HOST ?? '127.0.0.1';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const REDIS_PREFIX = process.env.REDIS_PREFIX ?? 'express-wopi-example:';
const USER = { userId: 'demo', userFriendlyName: 'Demo User' };

// Both are required: with a folder or a secret of its own, an instance would not share files or
// accept the other instances' tokens, and the example would prove nothing.
for (const name of ['FILES_DIR', 'WOPI_SECRET']) {
  if (!process.env[name]) {
    process.stderr.write(`${name} is required: every instance must use the same one (see README.md)\n`);
    process.exit(2);
  }
}

async function main() {
  // The application connects the client and owns it: RedisLockStore never connects, reconnects
  // or closes it. node-redis queues commands while it reconnects; the store gives each lock
  // operation commandTimeoutMs (default 2000) before the WOPI request fails with a 500.
  const redis = createClient({ url: REDIS_URL });
  redis.on('error', (err) => process.stderr.write(`redis: ${err.message}\n`));
  await redis.connect();

  // Every instance serving the same files must use the same prefix; another product or tenant on
  // the same Redis uses another one.
  const locks = new RedisLockStore({ client: redis, prefix: REDIS_PREFIX });

  // FileSystemStorage derives each file's ID from its path and records it in
  // <FILES_DIR>/.express-wopi, so every instance gives a file the same ID, and a lock on that ID
  // means the same file everywhere.
  const storage = new FileSystemStorage({ root: path.resolve(process.env.FILES_DIR) });
  const auth = new JwtAuth({ secret: process.env.WOPI_SECRET });

  const app = express();
  app.disable('x-powered-by');
  // Which instance answered, for the curl walk-through in README.md.
  app.use((_req, res, next) => {
    res.set('X-Instance', String(PORT));
    next();
  });
  app.use('/wopi', createWopiRouter({ storage, auth, locks }));

  const server = app.listen(PORT, HOST, async () => {
    const { port } = server.address();
    const hostForUrl = HOST.includes(':') ? `[${HOST}]` : HOST;
    const base = `http://${hostForUrl}:${port}/wopi`;
    process.stdout.write(
      `express-wopi multi-instance example on ${base} (files in ${storage.root}, locks in ${REDIS_URL} under ${REDIS_PREFIX})\n`,
    );
    // A development convenience: a real app issues tokens only after its own login checks. Every
    // instance prints the same file IDs, and each token works on every instance.
    for (const file of await storage.list()) {
      const { accessToken } = await auth.issueToken({ fileId: file.fileId, ...USER, permissions: { write: true } });
      process.stdout.write(`${file.path}\tFILE_ID=${file.fileId}\tTOKEN=${accessToken}\n`);
    }
  });

  const stop = () => {
    server.close(async () => {
      await redis.close().catch(() => undefined); // node-redis 5 and later; with 4, redis.quit()
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
