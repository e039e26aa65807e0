// Jest global setup, run once before all test files:
// 1. Builds dist/ when it is missing or older than src/, for the tests that run the built CLI as a
//    real process (doing it here, once, keeps parallel test files from rebuilding at the same time).
// 2. Finds out whether Redis is reachable, for the tests that need it. REDIS_URL (default
//    redis://127.0.0.1:6379) names the server. Without Redis those tests are skipped, and this
//    says so; with EXPRESS_WOPI_REQUIRE_REDIS=1 (set by .ci/run) a missing Redis fails the run.
// 3. Finds out whether the case-insensitive file system tests can mount their FUSE file system
//    (test/helpers/casefold-fs.py: Linux, /dev/fuse, root, Debian's python3-fusepy). Where they
//    cannot, this says why, once, and the tests are skipped with the reason in their name
//    (test/helpers/casefold-mount.ts), so that it shows in jest's summary too.
'use strict';
const { execSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { createClient } = require('redis');

const repo = path.join(__dirname, '..');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

function buildIfStale() {
  const cli = path.join(repo, 'dist', 'cli', 'main.js');
  if (fs.existsSync(cli) && fs.statSync(cli).mtimeMs >= newestMtime(path.join(repo, 'src'))) return;
  execSync('npm run build', { cwd: repo, stdio: 'pipe', timeout: 180_000 });
}

/** What the FUSE mount of test/helpers/casefold-fs.py needs. */
const FUSE_NEEDS = "Linux, /dev/fuse, root and Debian's python3-fusepy";

/** Why the case-insensitive file system cannot be mounted here, or undefined when it can be tried. */
function fuseMissing() {
  if (process.platform !== 'linux') return 'not Linux';
  if (!fs.existsSync('/dev/fuse')) return 'no /dev/fuse';
  if (process.getuid?.() !== 0) return 'not root';
  try {
    execSync("/usr/bin/python3 -c 'import fusepy'", { stdio: 'pipe', timeout: 10_000 });
  } catch {
    return '/usr/bin/python3 cannot import fusepy (Debian package python3-fusepy)';
  }
  return undefined;
}

/** The keys under RedisLockStore's default prefix. Tests must use prefixes of their own. */
async function defaultPrefixKeys(client) {
  const keys = [];
  for await (const batch of client.scanIterator({ MATCH: 'express-wopi:*', COUNT: 500 })) keys.push(...[].concat(batch));
  return keys.sort();
}

module.exports = Object.assign(
  async function globalSetup() {
    buildIfStale();
    const url = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
    const required = process.env.EXPRESS_WOPI_REQUIRE_REDIS === '1';
    let reachable = false;
    let reason = '';
    const client = createClient({ url, socket: { connectTimeout: 1500, reconnectStrategy: false } });
    client.on('error', () => undefined);
    try {
      await client.connect();
      reachable = (await client.ping()) === 'PONG';
      // What is under the default key prefix before the tests: the teardown checks they left nothing there.
      if (reachable) globalThis.__expressWopiDefaultKeys = await defaultPrefixKeys(client);
    } catch (err) {
      reason = err.message;
    } finally {
      if (client.isOpen) await client.close();
    }
    // Groups that cannot run here note themselves in this file; the teardown lists them last.
    const skipLog = path.join(require('node:os').tmpdir(), `express-wopi-skips-${process.pid}.jsonl`);
    fs.writeFileSync(skipLog, '');
    process.env.EXPRESS_WOPI_SKIP_LOG = skipLog;
    const noteSkip = (group, why) => fs.appendFileSync(skipLog, `${JSON.stringify({ group, reason: why })}\n`);
    process.env.EXPRESS_WOPI_TEST_REDIS_URL = url;
    process.env.EXPRESS_WOPI_TEST_REDIS = reachable ? '1' : '0';
    if (!reachable) {
      const message = `Redis is not reachable at ${url} (${reason || 'no PONG'})`;
      if (required) throw new Error(`${message}, and EXPRESS_WOPI_REQUIRE_REDIS=1 requires it`);
      process.stderr.write(`\n${message}: the Redis tests are skipped. Set REDIS_URL to run them.\n`);
      noteSkip('Redis (RedisLockStore, serve --redis, multi-process)', `${message}; set REDIS_URL`);
    }
    const noFuse = fuseMissing();
    process.env.EXPRESS_WOPI_TEST_FUSE = noFuse === undefined ? '1' : '0';
    process.env.EXPRESS_WOPI_TEST_FUSE_MISSING = noFuse ?? '';
    if (noFuse !== undefined) {
      process.stderr.write(`\nThe case-insensitive file system tests are skipped: ${noFuse}. They need ${FUSE_NEEDS}.\n`);
      noteSkip('case-insensitive file system (FUSE)', `${noFuse}; needs ${FUSE_NEEDS}`);
    }
  },
  { defaultPrefixKeys, fuseMissing, FUSE_NEEDS },
);
