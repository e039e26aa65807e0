#!/usr/bin/env node
// What window the commit-time lock check leaves across instances (docs/locking.md).
//
// Instance A (this process) saves a 200 KB document again and again under lock L, through the
// router, with FileSystemStorage and RedisLockStore. Instance B (a second `express-wopi serve`
// process on the same folder and the same Redis prefix) keeps taking the lock away (UNLOCK L,
// LOCK M, UNLOCK M, LOCK L), pausing a few milliseconds after each round. Within one process a
// critical section closes the window completely; across processes the only guard is the commit
// step's second look at Redis, so what remains is the time from Redis's answer to that look until
// the new content is visible (the rename). This measures it for every save that passed its commit
// check (saves run one at a time, so one timestamp is enough), and counts the saves that B's lock
// change refused at commit (409) instead of letting them through.
//
//   node bench/commit-window.js [--saves 600] [--pause 5] [--redis redis://127.0.0.1:6379]
//
// --pause: milliseconds B waits after each give-back, so that enough saves pass to measure.
'use strict';

const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : args[i + 1];
};
const SAVES = Number(option('saves', '600'));
const PAUSE_MS = Number(option('pause', '5'));
const REDIS_URL = option('redis', process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const SECRET = randomBytes(32).toString('hex');
const DIST = path.join(__dirname, '..', 'dist');

function request(port, { method = 'POST', pathname, headers = {}, body }) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: pathname, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main() {
  const express = require('express');
  const { createClient } = require('redis');
  const { createWopiRouter, FileSystemStorage, JwtAuth, RedisLockStore } = require(DIST);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'express-wopi-window-'));
  const root = path.join(dir, 'files');
  fs.mkdirSync(root);
  fs.writeFileSync(path.join(root, 'doc.docx'), randomBytes(200 * 1024));
  const prefix = `express-wopi-window:${process.pid}:`;
  const client = createClient({ url: REDIS_URL });
  client.on('error', () => undefined);
  await client.connect();

  const storage = new FileSystemStorage({ root });
  const locks = new RedisLockStore({ client, prefix });
  const auth = new JwtAuth({ secret: SECRET });
  const fileId = await storage.fileIdFor('doc.docx');
  const { accessToken } = await auth.issueToken({ fileId, userId: 'bench', permissions: { write: true } });

  // Instrument the commit step: when the check passed (Redis answered), and when the rename that
  // makes the new content visible returned (FileSystemStorage calls fs/promises' rename).
  const windows = [];
  let refusedAtCommit = 0;
  const fsPromises = require('node:fs/promises');
  const originalRename = fsPromises.rename;
  let passedAt;
  fsPromises.rename = async (from, to) => {
    await originalRename(from, to);
    if (String(from).endsWith('.wopi-tmp') && passedAt !== undefined) {
      windows.push(Number(process.hrtime.bigint() - passedAt) / 1000);
      passedAt = undefined;
    }
  };
  const originalWrite = storage.writeFile.bind(storage);
  storage.writeFile = (id, content, context) => {
    const commit = async (replacing) => {
      try {
        await context.commit(replacing);
      } catch (err) {
        refusedAtCommit++;
        throw err;
      }
      passedAt = process.hrtime.bigint();
    };
    return originalWrite(id, content, { ...context, commit });
  };

  const app = express();
  app.use('/wopi', createWopiRouter({ storage, locks, auth }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const portA = server.address().port;

  const b = spawn(
    process.execPath,
    [
      path.join(DIST, 'cli', 'main.js'),
      'serve',
      root,
      '--port',
      '0',
      '--secret',
      SECRET,
      '--redis',
      REDIS_URL,
      '--redis-prefix',
      prefix,
      '--json',
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const portB = await new Promise((resolve, reject) => {
    let out = '';
    b.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /"url":"http:\/\/[^:]+:(\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    b.once('exit', () => reject(new Error('instance B exited')));
  });

  const lockUrl = `/wopi/files/${fileId}?access_token=${accessToken}`;
  const lockOp = (port, override, lock) =>
    request(port, { pathname: lockUrl, headers: { 'X-WOPI-Override': override, 'X-WOPI-Lock': lock } });
  await lockOp(portA, 'LOCK', 'L');

  let stop = false;
  let flips = 0;
  const flipper = (async () => {
    while (!stop) {
      await lockOp(portB, 'UNLOCK', 'L');
      await lockOp(portB, 'LOCK', 'M');
      await lockOp(portB, 'UNLOCK', 'M');
      await lockOp(portB, 'LOCK', 'L');
      flips++;
      await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
    }
  })();

  const statuses = {};
  const body = randomBytes(200 * 1024);
  for (let i = 0; i < SAVES; i++) {
    const res = await request(portA, {
      pathname: `/wopi/files/${fileId}/contents?access_token=${accessToken}`,
      headers: { 'X-WOPI-Override': 'PUT', 'X-WOPI-Lock': 'L', 'Content-Length': body.length },
      body,
    });
    statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
  }
  stop = true;
  await flipper;
  b.kill();
  server.close();
  await client.quit();
  fs.rmSync(dir, { recursive: true, force: true });

  const sorted = [...windows].sort((x, y) => x - y);
  const summary = {
    saves: SAVES,
    statuses,
    refusedAtCommit,
    lockFlipsByB: flips,
    windowMicroseconds: {
      p50: Math.round(percentile(sorted, 50)),
      p99: Math.round(percentile(sorted, 99)),
      max: Math.round(sorted[sorted.length - 1] ?? 0),
    },
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
