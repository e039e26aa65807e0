// Jest global teardown: the tests must leave nothing in Redis under RedisLockStore's default
// prefix (`express-wopi:`), where an app sharing this Redis keeps its locks: every test uses a
// prefix of its own and removes its keys. Keys that were there before the run are not ours.
'use strict';
const fs = require('node:fs');
const { createClient } = require('redis');
const { defaultPrefixKeys } = require('./global-setup');

/** The groups that were skipped, after jest's summary: what this run did not check, and why. */
function listSkips() {
  const file = process.env.EXPRESS_WOPI_SKIP_LOG;
  if (!file || !fs.existsSync(file)) return;
  const seen = new Map();
  for (const line of fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const { group, reason } = JSON.parse(line);
    seen.set(group, reason);
  }
  fs.rmSync(file, { force: true });
  if (seen.size === 0) return;
  process.stderr.write('\nNot run here (these tests skipped, and why):\n');
  for (const [group, reason] of seen) process.stderr.write(`  - ${group}: ${reason}\n`);
}

module.exports = async function globalTeardown() {
  listSkips();
  const before = globalThis.__expressWopiDefaultKeys;
  if (process.env.EXPRESS_WOPI_TEST_REDIS !== '1' || before === undefined) return;
  const client = createClient({ url: process.env.EXPRESS_WOPI_TEST_REDIS_URL, socket: { connectTimeout: 1500, reconnectStrategy: false } });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const left = (await defaultPrefixKeys(client)).filter((key) => !before.includes(key));
    if (left.length > 0) {
      throw new Error(
        `The tests left ${left.length} key(s) under the default prefix express-wopi: in Redis, e.g. ${left.slice(0, 3).join(', ')}`,
      );
    }
  } finally {
    await client.close();
  }
};
