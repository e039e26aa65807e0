// One benchmark server, run as a child process by bench/run.js so that each server has its own
// CPU and its own RSS. The kind and its settings come in BENCH_SERVER (JSON); once listening,
// the server reports its port over IPC and stops when told to (a clean exit, so that
// `--cpu-prof` can write its profile).
//
//   wopi        express-wopi (the built dist/, as run.js copied it): FileSystemStorage + JwtAuth + MemoryLockStore or RedisLockStore
//   bare-json   a bare route answering every /files/:id request with a small JSON object
//   bare-stat   the same, after one asynchronous fs.stat of a file (what any file server pays)
//   static      express.static over the same folder
//   bare-put    two bare upload routes: durable (temp file, fsync, rename, folder fsync) and a plain pipe
//   bare-redis  a bare route doing one Redis round trip per request
//   bare-session  the routes an editor session uses, doing the same I/O as FileSystemStorage and
//               a lock store, no more: stat (CheckFileInfo, lock requests), read (GetFile), durable
//               write (PutFile), and locks in a Map (or, with redisUrl, one Redis round trip each)
//
// With `loadLibrary` (the dist/ path), a bare server first loads express-wopi and mounts a router
// it never calls, so that its heap is that of the wopi server it is compared with: run.js starts
// every baseline that way. V8 collects a process whose heap has grown past its first few MiB
// differently (full collections for each request's Buffers), and a baseline in a fresh, nearly
// empty process would measure that rather than the work express-wopi adds per request (see
// docs/performance.md, "Baselines with the same heap").
'use strict';

const fs = require('node:fs');
const { open, rename } = require('node:fs/promises');
const path = require('node:path');
const { randomBytes } = require('node:crypto');
const { pipeline } = require('node:stream/promises');
const express = require('express');

const config = JSON.parse(process.env.BENCH_SERVER ?? '{}');

async function main() {
  const app = express();
  app.disable('x-powered-by');
  const close = [];
  if (config.loadLibrary && config.kind !== 'wopi') loadUnusedRouter(app, config);

  switch (config.kind) {
    case 'wopi': {
      const { createWopiRouter, FileSystemStorage, JwtAuth, MemoryLockStore, RedisLockStore } = require(config.dist);
      let locks;
      if (config.redisUrl) {
        const redis = await connectRedis(config.redisUrl);
        close.push(() => redis.quit());
        locks = new RedisLockStore({ client: redis, prefix: config.redisPrefix });
      } else {
        locks = new MemoryLockStore();
      }
      app.use(
        '/wopi',
        createWopiRouter({
          storage: new FileSystemStorage({ root: config.root }),
          auth: new JwtAuth({ secret: config.secret, ...(config.tokenCache === false ? { verifiedTokenCacheSize: 0 } : {}) }),
          locks,
          maxFileSize: config.maxFileSize,
        }),
      );
      break;
    }
    case 'bare-json': {
      // The smallest Express answer: no auth, no I/O.
      const answer = (_req, res) => res.json({ BaseFileName: 'bench.docx', Size: 12288, Version: '1' });
      app.get('/files/:fileId', answer);
      app.post('/files/:fileId', answer);
      break;
    }
    case 'bare-stat': {
      // The bare route plus the one trip to the file system a file's metadata costs.
      const { stat } = require('node:fs/promises');
      app.get('/files/:fileId', async (_req, res) => {
        const st = await stat(config.file, { bigint: true });
        res.json({ BaseFileName: 'bench.docx', Size: Number(st.size), Version: String(st.mtimeNs) });
      });
      break;
    }
    case 'static': {
      app.use('/static', express.static(config.root));
      break;
    }
    case 'bare-put': {
      const [major, minor] = process.versions.node.split('.').map(Number);
      if (major === 20 && minor < 10) throw new Error('the durable route needs Node 20.10 or later (createWriteStream `flush`)');
      // Same durability as FileSystemStorage: a new file in the same folder, fsynced, renamed
      // over the target, then the folder fsynced. `flush: true` fsyncs before the stream closes.
      app.post('/durable/:name', async (req, res) => {
        const target = path.join(config.root, path.basename(req.params.name));
        const temp = path.join(config.root, `.bench.${randomBytes(6).toString('hex')}.tmp`);
        try {
          await pipeline(req, fs.createWriteStream(temp, { flags: 'wx', flush: true }));
          await rename(temp, target);
          const dir = await open(config.root, 'r');
          await dir.sync();
          await dir.close();
          res.json({ ok: true });
        } catch (err) {
          fs.rm(temp, { force: true }, () => undefined);
          res.status(500).end(String(err));
        }
      });
      // For context only: no temp file, no fsync, no atomicity.
      app.post('/pipe/:name', (req, res) => {
        const target = path.join(config.root, path.basename(req.params.name));
        const out = fs.createWriteStream(target);
        req.pipe(out);
        out.on('finish', () => res.json({ ok: true }));
        out.on('error', (err) => res.status(500).end(String(err)));
      });
      break;
    }
    case 'bare-redis': {
      const redis = await connectRedis(config.redisUrl);
      close.push(() => redis.quit());
      app.post('/files/:fileId', async (req, res) => {
        const key = `${config.redisPrefix}bare:${req.params.fileId}`;
        try {
          if (req.get('X-WOPI-Override') === 'UNLOCK') await redis.sendCommand(['DEL', key]);
          else await redis.sendCommand(['SET', key, req.get('X-WOPI-Lock') ?? '', 'PX', '1800000']);
          res.json({ ok: true });
        } catch (err) {
          res.status(500).end(String(err));
        }
      });
      break;
    }
    case 'bare-session': {
      bareSession(app, await sessionLocks(close));
      break;
    }
    default:
      throw new Error(`unknown server kind ${config.kind}`);
  }

  const server = app.listen(0, '127.0.0.1', () => {
    process.send({ event: 'ready', port: server.address().port });
  });
  process.on('message', async (message) => {
    if (message?.cmd !== 'exit') return;
    server.closeAllConnections();
    server.close();
    for (const fn of close) await fn().catch(() => undefined);
    process.exit(0);
  });
  // The parent went away without telling us: do not linger.
  process.on('disconnect', () => process.exit(0));
}

/** Loads express-wopi and mounts a router no request reaches: the heap of an app using the library. */
function loadUnusedRouter(app, { loadLibrary, libraryRoot, secret }) {
  const wopi = require(loadLibrary);
  const unused = wopi.createWopiRouter({
    storage: new wopi.FileSystemStorage({ root: libraryRoot }),
    auth: new wopi.JwtAuth({ secret }),
    locks: new wopi.MemoryLockStore(),
  });
  app.use('/unused-wopi', unused);
}

/**
 * The bare editor-session routes: `config.files` maps each file ID to its name in `config.root`.
 * No token, no proof, no ID records: what is left is the I/O any WOPI host must do.
 */
function bareSession(app, locks) {
  const { stat } = require('node:fs/promises');
  const fileOf = (req) => {
    const name = config.files[req.params.fileId];
    return name === undefined ? undefined : path.join(config.root, name);
  };
  const version = (st) => `${st.ino}.${st.mtimeNs}`;
  app.get('/files/:fileId', async (req, res) => {
    const file = fileOf(req);
    if (!file) return res.status(404).end();
    const st = await stat(file, { bigint: true });
    res.json({ BaseFileName: path.basename(file), Size: Number(st.size), Version: version(st), OwnerId: 'bench', UserId: 'bench-user' });
  });
  app.get('/files/:fileId/contents', (req, res) => {
    const file = fileOf(req);
    if (!file) return res.status(404).end();
    const stream = fs.createReadStream(file);
    stream.once('open', () => res.setHeader('Content-Type', 'application/octet-stream'));
    pipeline(stream, res).catch(() => res.destroy());
  });
  app.post('/files/:fileId', async (req, res) => {
    const file = fileOf(req);
    if (!file) return res.status(404).end();
    const id = req.params.fileId;
    const lock = req.get('X-WOPI-Lock') ?? '';
    const st = await stat(file, { bigint: true }); // ItemVersion, and 404 for a missing file
    res.setHeader('X-WOPI-ItemVersion', version(st));
    const current = await locks.get(id);
    switch (req.get('X-WOPI-Override')) {
      case 'LOCK':
        if (current !== undefined && current !== lock) return res.status(409).setHeader('X-WOPI-Lock', current).end();
        await locks.set(id, lock);
        return res.end();
      case 'REFRESH_LOCK':
        if (current !== lock)
          return res
            .status(409)
            .setHeader('X-WOPI-Lock', current ?? '')
            .end();
        await locks.set(id, lock);
        return res.end();
      case 'UNLOCK':
        if (current !== lock)
          return res
            .status(409)
            .setHeader('X-WOPI-Lock', current ?? '')
            .end();
        await locks.delete(id);
        return res.end();
      default:
        return res.status(501).end();
    }
  });
  app.post('/files/:fileId/contents', async (req, res) => {
    const file = fileOf(req);
    if (!file) return res.status(404).end();
    const current = await locks.get(req.params.fileId);
    if (current !== req.get('X-WOPI-Lock'))
      return res
        .status(409)
        .setHeader('X-WOPI-Lock', current ?? '')
        .end();
    const temp = path.join(config.root, `.bench.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await pipeline(req, fs.createWriteStream(temp, { flags: 'wx', flush: true }));
      await rename(temp, file);
      const dir = await open(config.root, 'r');
      await dir.sync();
      await dir.close();
      const st = await stat(file, { bigint: true });
      res.setHeader('X-WOPI-ItemVersion', version(st));
      res.json({ LastModifiedTime: new Date(Number(st.mtimeNs / 1_000_000n)).toISOString() });
    } catch (err) {
      fs.rm(temp, { force: true }, () => undefined);
      res.status(500).end(String(err));
    }
  });
}

/** The bare session's lock map: in memory, or in Redis (one round trip per call) with `config.redisUrl`. */
async function sessionLocks(close) {
  if (!config.redisUrl) {
    const map = new Map();
    return { get: async (id) => map.get(id), set: async (id, lock) => void map.set(id, lock), delete: async (id) => void map.delete(id) };
  }
  const redis = await connectRedis(config.redisUrl);
  close.push(() => redis.quit());
  const key = (id) => `${config.redisPrefix}bare-session:${id}`;
  return {
    get: async (id) => (await redis.sendCommand(['GET', key(id)])) ?? undefined,
    set: async (id, lock) => void (await redis.sendCommand(['SET', key(id), lock, 'PX', '1800000'])),
    delete: async (id) => void (await redis.sendCommand(['DEL', key(id)])),
  };
}

async function connectRedis(url) {
  const { createClient } = require('redis');
  const client = createClient({ url });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

main().catch((err) => {
  console.error(`bench server ${config.kind}: ${err?.stack ?? err}`);
  process.exit(1);
});
