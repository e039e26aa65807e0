/**
 * `express-wopi locks list|release` against the real Redis (test/global-setup.js says whether
 * there is one; EXPRESS_WOPI_REQUIRE_REDIS=1 makes its absence fail the run), driven in-process
 * through runLocksCommand with captured output. Every run uses a key prefix of its own.
 */
import { PassThrough } from 'node:stream';
import { LOCKS_USAGE, runLocksCommand, type LocksCommandIo } from '../../src/cli/locks';
import { RedisLockStore } from '../../src';
import { connectNodeRedis, deleteKeys, describeWithRedis, type NodeRedisClient, redisUrl, uniquePrefix } from '../helpers/redis';

interface Run {
  code: number;
  out: string;
  err: string;
}

async function run(args: string[], options: { connectTimeoutMs?: number } = {}): Promise<Run> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  const io: LocksCommandIo = { stdout, stderr, env: {} };
  const code = await runLocksCommand(args, io, options);
  await new Promise((resolve) => setImmediate(resolve));
  return { code, out, err };
}

describe('express-wopi locks: usage', () => {
  test.each<[string, string[], RegExp]>([
    ['no subcommand', [], /locks needs list or release/],
    ['an unknown subcommand', ['lsit'], /unknown locks command "lsit"/],
    ['list without --redis', ['list'], /--redis URL is required/],
    ['list with a positional argument', ['list', 'extra', '--redis', redisUrl], /takes no positional arguments/],
    ['list with an unknown option', ['list', '--redis', redisUrl, '--all'], /Unknown option '--all'/],
    ['a URL that is not a Redis URL', ['list', '--redis', 'http://127.0.0.1:6379'], /--redis must be a redis:\/\/ or rediss:\/\/ URL/],
    ['a URL that does not parse', ['list', '--redis', 'not a url'], /--redis must be a redis:\/\/ or rediss:\/\/ URL/],
    ['release without a file ID', ['release', '--redis', redisUrl], /takes exactly one file ID/],
    ['release with two file IDs', ['release', 'a', 'b', '--redis', redisUrl], /takes exactly one file ID/],
    ['release with an empty --lock-id', ['release', 'a', '--redis', redisUrl, '--lock-id', ''], /--lock-id must not be empty/],
    ['--json on release', ['release', 'a', '--redis', redisUrl, '--json'], /Unknown option '--json'/],
  ])('%s: exit 2, the reason and the usage on stderr, nothing on stdout', async (_label, args, reason) => {
    const { code, out, err } = await run(args);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(/^express-wopi: /);
    expect(err).toMatch(reason);
    expect(err).toContain(LOCKS_USAGE);
  });

  test('locks help prints the usage on stdout, exit 0', async () => {
    for (const help of ['help', '--help', '-h']) {
      const { code, out, err } = await run([help]);
      expect({ help, code, err }).toEqual({ help, code: 0, err: '' });
      expect(out).toContain('express-wopi locks list --redis URL');
      expect(out).toContain('express-wopi locks release <fileId> --redis URL');
    }
  });

  test('an unreachable Redis: exit 1 with a message that hides the password, promptly', async () => {
    const started = Date.now();
    const { code, out, err } = await run(['list', '--redis', 'redis://:hunter2@127.0.0.1:1'], { connectTimeoutMs: 300 });
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toBe('express-wopi: cannot reach Redis at redis://:***@127.0.0.1:1 within 300 ms\n');
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describeWithRedis('express-wopi locks on a real Redis', () => {
  let admin: NodeRedisClient;
  const prefix = uniquePrefix();
  let store: RedisLockStore;

  beforeAll(async () => {
    admin = await connectNodeRedis();
    store = new RedisLockStore({ client: admin, prefix });
  });
  afterEach(async () => {
    await deleteKeys(admin, prefix);
  });
  afterAll(async () => {
    await deleteKeys(admin, prefix);
    await admin.close();
  });

  const redis = ['--redis', redisUrl, '--redis-prefix', prefix];

  describe('list', () => {
    test('no locks: says so', async () => {
      expect(await run(['list', ...redis])).toEqual({ code: 0, out: `no locks under the prefix ${JSON.stringify(prefix)}\n`, err: '' });
    });

    test('a table sorted by file ID: when locked, age, time left and the lock ID', async () => {
      await store.lock('b-doc', '{"S":"abc","F":4}', 30 * 60_000);
      await store.lock('a-doc', 'cool-lock1a2b3c4d', 10 * 60_000);
      const { code, out, err } = await run(['list', ...redis]);
      expect({ code, err }).toEqual({ code: 0, err: '' });
      const lines = out.split('\n');
      expect(lines[0]).toMatch(/^FILE ID\s+LOCKED AT\s+AGE\s+EXPIRES IN\s+LOCK ID$/);
      expect(lines[1]).toMatch(/^a-doc\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s+\ds\s+(9m5\ds|10m00s)\s+cool-lock1a2b3c4d$/);
      expect(lines[2]).toMatch(/^b-doc\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s+\ds\s+(29m5\ds|30m00s)\s+\{"S":"abc","F":4\}$/);
      expect(lines.slice(3)).toEqual([`2 locks under the prefix ${JSON.stringify(prefix)}`, '']);
      // The columns line up.
      expect(lines[1]?.indexOf('cool-lock')).toBe(lines[0]?.indexOf('LOCK ID'));
    });

    test('a lock written by express-wopi 0.1.0 shows its lock time as unknown', async () => {
      await admin.set(`${prefix}lock:old-doc`, 'L', { PX: 60_000 });
      const { out } = await run(['list', ...redis]);
      expect(out.split('\n')[1]).toMatch(/^old-doc\s+unknown\s+-\s+(59s|1m00s)\s+L$/);
      expect(out).toContain('1 lock under the prefix');
    });

    test('control characters in IDs are printed escaped', async () => {
      await admin.set(`${prefix}lock:evil\u001b[2Jdoc`, 'lock\u202eid', { PX: 60_000 });
      const { out } = await run(['list', ...redis]);
      expect(out).toContain('evil\\u001b[2Jdoc');
      expect(out).toContain('lock\\u202eid');
      expect(out).not.toContain('\u001b');
    });

    test('--json: one JSON object per lock, with ISO times (null when unknown)', async () => {
      await store.lock('doc-1', 'A', 60_000);
      await admin.set(`${prefix}lock:doc-0`, 'B', { PX: 60_000 });
      const { code, out, err } = await run(['list', ...redis, '--json']);
      expect({ code, err }).toEqual({ code: 0, err: '' });
      const lines = out.split('\n');
      expect(lines.pop()).toBe('');
      const entries = lines.map((line) => JSON.parse(line)).sort((a, b) => (a.fileId < b.fileId ? -1 : 1));
      expect(entries).toEqual([
        { fileId: 'doc-0', lockId: 'B', lockedAt: null, expiresAt: expect.stringMatching(/Z$/) },
        { fileId: 'doc-1', lockId: 'A', lockedAt: expect.stringMatching(/Z$/), expiresAt: expect.stringMatching(/Z$/) },
      ]);
      expect(Math.abs(Date.parse(entries[1].lockedAt) - Date.now())).toBeLessThan(5000);
      expect(Math.abs(Date.parse(entries[1].expiresAt) - (Date.now() + 60_000))).toBeLessThan(5000);
    });

    test('--json with no locks prints nothing', async () => {
      expect(await run(['list', ...redis, '--json'])).toEqual({ code: 0, out: '', err: '' });
    });

    test('lists only the locks under --redis-prefix', async () => {
      await store.lock('mine', 'A', 60_000);
      const other = new RedisLockStore({ client: admin, prefix: `${prefix}other:` });
      await other.lock('theirs', 'B', 60_000);
      const { out } = await run(['list', '--redis', redisUrl, '--redis-prefix', `${prefix}other:`, '--json']);
      expect(
        out
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l).fileId),
      ).toEqual(['theirs']);
    });
  });

  describe('release', () => {
    test('removes the lock, says which one it was; the file can be locked again', async () => {
      await store.lock('stuck', 'editor-lock', 60_000);
      const { code, out, err } = await run(['release', 'stuck', ...redis]);
      expect({ code, err }).toEqual({ code: 0, err: '' });
      expect(out).toMatch(/^released the lock on stuck \(lock ID editor-lock, held for \ds\)\n$/);
      expect(await store.getLock('stuck')).toBeNull();
      expect(await admin.exists([`${prefix}lock:stuck`, `${prefix}lockinfo:stuck`])).toBe(0);
      expect(await store.lock('stuck', 'another', 60_000)).toEqual({ ok: true });
    });

    test('a file that is not locked: exit 1', async () => {
      expect(await run(['release', 'free', ...redis])).toEqual({ code: 1, out: '', err: 'express-wopi: free is not locked\n' });
    });

    test('a lock written by express-wopi 0.1.0 is released too', async () => {
      await admin.set(`${prefix}lock:old`, 'L', { PX: 60_000 });
      expect(await run(['release', 'old', ...redis])).toEqual({ code: 0, out: 'released the lock on old (lock ID L)\n', err: '' });
      expect(await admin.exists(`${prefix}lock:old`)).toBe(0);
    });

    test('--lock-id releases only that lock', async () => {
      await store.lock('doc', 'current', 60_000);
      expect(await run(['release', 'doc', ...redis, '--lock-id', 'stale'])).toEqual({
        code: 1,
        out: '',
        err: 'express-wopi: doc is locked with current, not with --lock-id: not released\n',
      });
      expect(await store.getLock('doc')).toBe('current');
      expect(await run(['release', 'doc', ...redis, '--lock-id', 'current'])).toEqual({
        code: 0,
        out: 'released the lock on doc (lock ID current)\n',
        err: '',
      });
      expect(await run(['release', 'doc', ...redis, '--lock-id', 'current'])).toEqual({
        code: 1,
        out: '',
        err: 'express-wopi: doc is not locked\n',
      });
    });

    test('other files keep their locks', async () => {
      await store.lock('one', 'A', 60_000);
      await store.lock('two', 'B', 60_000);
      expect((await run(['release', 'one', ...redis])).code).toBe(0);
      expect(await store.getLock('two')).toBe('B');
    });
  });
});
