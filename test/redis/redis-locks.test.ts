/**
 * RedisLockStore against the real Redis at REDIS_URL: the published lock contract with both
 * supported client libraries, key prefixes, and what happens when Redis cannot answer.
 */
import express from 'express';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import request from 'supertest';
import { createClient } from 'redis';
import {
  createWopiRouter,
  JwtAuth,
  LockStoreUnavailableError,
  MemoryStorage,
  RedisLockStore,
  WopiConfigError,
  type WopiConfigErrorCode,
  type WopiLockStore,
} from '../../src';
import { describeWopiLockStore } from '../../src/testing';
import { serve } from '../../src/cli/serve';
import { TEST_SECRET } from '../helpers/create-app';
import { connectIoredis, connectNodeRedis, deleteKeys, describeWithRedis, type NodeRedisClient, uniquePrefix } from '../helpers/redis';

describeWithRedis('RedisLockStore on a real Redis', () => {
  let admin: NodeRedisClient;
  const prefix = uniquePrefix();
  const closers: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    admin = await connectNodeRedis();
  });
  afterAll(async () => {
    for (const close of closers) await close();
    await deleteKeys(admin, prefix);
    await admin.close();
  });

  describe('with a node-redis client', () => {
    let client: NodeRedisClient;
    beforeAll(async () => {
      client = await connectNodeRedis();
      closers.push(() => client.close());
    });
    describeWopiLockStore('RedisLockStore (node-redis)', () => new RedisLockStore({ client, prefix: `${prefix}node:` }), {
      capabilities: ['admin', 'list'],
    });
    describeWopiLockStore(
      'RedisLockStore (node-redis, office lock IDs)',
      () => new RedisLockStore({ client, prefix: `${prefix}office:`, lockIdComparison: 'office' }),
      { capabilities: ['admin', 'list', 'officeLockIds'] },
    );
  });

  describe('with an ioredis client', () => {
    let client: Awaited<ReturnType<typeof connectIoredis>>;
    beforeAll(async () => {
      client = await connectIoredis();
      closers.push(() => client.quit());
    });
    describeWopiLockStore('RedisLockStore (ioredis)', () => new RedisLockStore({ client, prefix: `${prefix}io:` }), {
      capabilities: ['admin', 'list'],
    });
  });

  describe('with a sendCommand function', () => {
    describeWopiLockStore(
      'RedisLockStore (sendCommand)',
      () => new RedisLockStore({ sendCommand: (args) => admin.sendCommand(args), prefix: `${prefix}fn:` }),
      { capabilities: ['admin', 'list'] },
    );
  });

  test('keeps its keys under the prefix, with Redis expiry set', async () => {
    const store = new RedisLockStore({ client: admin, prefix: `${prefix}keys:` });
    await store.lock('f1', 'L', 60_000);
    expect(await admin.get(`${prefix}keys:lock:f1`)).toBe('L');
    const ttl = await admin.pTTL(`${prefix}keys:lock:f1`);
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  test('two prefixes are two separate lock spaces', async () => {
    const a = new RedisLockStore({ client: admin, prefix: `${prefix}tenant-a:` });
    const b = new RedisLockStore({ client: admin, prefix: `${prefix}tenant-b:` });
    expect(await a.lock('same-file', 'A', 60_000)).toEqual({ ok: true });
    expect(await b.lock('same-file', 'B', 60_000)).toEqual({ ok: true });
    expect(await a.getLock('same-file')).toBe('A');
    expect(await b.getLock('same-file')).toBe('B');
  });

  describe('keys written by express-wopi 0.1.0, and administration', () => {
    const legacy = `${prefix}legacy:`;
    const store = (options: { lockIdComparison?: 'exact' | 'office' } = {}): RedisLockStore =>
      new RedisLockStore({ client: admin, prefix: legacy, ...options });
    /** A lock as 0.1.0 wrote it: the string key alone, no info hash. */
    const setAsBefore = (fileId: string, lockId: string, ttlMs = 60_000): Promise<unknown> =>
      admin.set(`${legacy}lock:${fileId}`, lockId, { PX: ttlMs });

    test('the lock is still a plain string key (what 0.1.0 and redis-cli GET read), its info a hash with the same expiry', async () => {
      await store().lock('shape', '{"S":"abc","F":4}', 60_000);
      expect(await admin.get(`${legacy}lock:shape`)).toBe('{"S":"abc","F":4}');
      const info = await admin.hGetAll(`${legacy}lockinfo:shape`);
      expect(info).toEqual({ id: '{"S":"abc","F":4}', at: expect.stringMatching(/^\d{13}$/), s: 'abc' });
      expect(Math.abs(Number(info.at) - Date.now())).toBeLessThan(5000);
      const ttl = await admin.pTTL(`${legacy}lockinfo:shape`);
      expect(ttl).toBeGreaterThan(55_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
      expect(await store().unlock('shape', '{"S":"abc","F":4}')).toEqual({ ok: true });
      expect(await admin.exists([`${legacy}lock:shape`, `${legacy}lockinfo:shape`])).toBe(0);
    });

    test('a 0.1.0 lock works with every operation and reports lockedAt unknown', async () => {
      await setAsBefore('old', 'L', 60_000);
      expect(await store().getLock('old')).toBe('L');
      const info = await store().inspectLock('old');
      expect(info).toEqual({ lockId: 'L', lockedAt: null, expiresAt: expect.any(Date) });
      expect(Math.abs((info?.expiresAt?.getTime() ?? 0) - (Date.now() + 60_000))).toBeLessThan(5000);
      expect(await store().lock('old', 'M', 60_000)).toEqual({ ok: false, currentLockId: 'L' });
      expect(await store().refreshLock('old', 'L', 120_000)).toEqual({ ok: true });
      expect(await admin.pTTL(`${legacy}lock:old`)).toBeGreaterThan(100_000);
      expect((await store().inspectLock('old'))?.lockedAt).toBeNull();
      expect(await store().unlockAndRelock('old', 'L', 'N', 60_000)).toEqual({ ok: true });
      expect((await store().inspectLock('old'))?.lockedAt).toBeInstanceOf(Date);
      expect(await store().unlock('old', 'N')).toEqual({ ok: true });
    });

    test('listLocks reports 0.1.0 locks too, with lockedAt null', async () => {
      await setAsBefore('listed-old', 'L', 60_000);
      await store().lock('listed-new', 'M', 60_000);
      const found: Record<string, Date | null> = {};
      for await (const entry of store().listLocks()) found[entry.fileId] = entry.lockedAt;
      expect(found['listed-old']).toBeNull();
      expect(found['listed-new']).toBeInstanceOf(Date);
      await store().forceUnlock('listed-old');
      await store().forceUnlock('listed-new');
    });

    test('an info hash left by a lock that a 0.1.0 instance replaced is ignored', async () => {
      const office = store({ lockIdComparison: 'office' });
      await office.lock('mixed', '{"S":"first","F":4}', 60_000);
      // A 0.1.0 instance releases it and locks the file with another Office lock ID.
      await admin.del(`${legacy}lock:mixed`);
      await setAsBefore('mixed', '{"S":"second","F":4}');
      expect((await office.inspectLock('mixed'))?.lockedAt).toBeNull();
      // The stale `s` (first) does not match; the lock's own S is unknown, so comparison is exact.
      expect(await office.lock('mixed', '{"S":"first","F":6}', 60_000)).toEqual({ ok: false, currentLockId: '{"S":"second","F":4}' });
      expect(await office.lock('mixed', '{"S":"second","F":6}', 60_000)).toEqual({ ok: false, currentLockId: '{"S":"second","F":4}' });
      expect(await office.lock('mixed', '{"S":"second","F":4}', 60_000)).toEqual({ ok: true });
      await office.forceUnlock('mixed');
    });

    test("locks set by an 'exact' store match on S once the store is switched to 'office'", async () => {
      await store().lock('switch', '{"S":"sess","F":4}', 60_000);
      expect(await store().lock('switch', '{"S":"sess","F":6}', 60_000)).toEqual({ ok: false, currentLockId: '{"S":"sess","F":4}' });
      expect(await store({ lockIdComparison: 'office' }).lock('switch', '{"S":"sess","F":6}', 60_000)).toEqual({ ok: true });
      expect(await store().getLock('switch')).toBe('{"S":"sess","F":4}');
      await store().forceUnlock('switch');
    });

    test('forceUnlock removes the lock and its info', async () => {
      await store().lock('forced', 'A', 60_000);
      expect(await store().forceUnlock('forced')).toBe(true);
      expect(await admin.exists([`${legacy}lock:forced`, `${legacy}lockinfo:forced`])).toBe(0);
      expect(await store().forceUnlock('forced')).toBe(false);
    });
  });

  describe('listLocks', () => {
    test('pages through many locks with SCAN (never KEYS), each reported once', async () => {
      const many = `${prefix}many:`;
      const sent: string[] = [];
      const store = new RedisLockStore({
        sendCommand: (args) => {
          sent.push(args[0] as string);
          return admin.sendCommand(args);
        },
        prefix: many,
      });
      const count = 700;
      await Promise.all(Array.from({ length: count }, (_, i) => store.lock(`f${i}`, `L${i}`, 60_000)));
      sent.length = 0;
      const seen = new Map<string, string>();
      for await (const entry of store.listLocks()) {
        expect(seen.has(entry.fileId)).toBe(false);
        seen.set(entry.fileId, entry.lockId);
      }
      expect(seen.size).toBe(count);
      expect(seen.get('f123')).toBe('L123');
      expect(sent.filter((c) => c === 'SCAN').length).toBeGreaterThan(1);
      expect(sent).not.toContain('KEYS');
    });

    test('stays within its prefix, reading glob characters in it literally, and skips keys that are not locks', async () => {
      const base = `${prefix}glob`;
      const store = new RedisLockStore({ client: admin, prefix: `${base}*:` });
      await store.lock('mine', 'A', 60_000);
      // Keys a pattern `<base>*:lock:*` would match if `*` were not escaped, another prefix that
      // starts with this one, and a non-string key where a lock would be.
      await admin.set(`${base}X:lock:other`, 'B', { PX: 60_000 });
      await new RedisLockStore({ client: admin, prefix: `${base}*:tenant:` }).lock('nested', 'C', 60_000);
      await admin.hSet(`${base}*:lock:not-a-lock`, 'x', '1');
      const listed = [];
      for await (const entry of store.listLocks()) listed.push([entry.fileId, entry.lockId]);
      expect(listed).toEqual([['mine', 'A']]);
    });
  });

  test('loads its scripts again after SCRIPT FLUSH', async () => {
    const store = new RedisLockStore({ client: admin, prefix: `${prefix}flush:` });
    expect(await store.lock('f', 'A', 60_000)).toEqual({ ok: true });
    await admin.scriptFlush();
    expect(await store.lock('f', 'B', 60_000)).toEqual({ ok: false, currentLockId: 'A' });
  });
});

describe('RedisLockStore when Redis cannot answer', () => {
  let deadPort: number;
  let silent: net.Server;
  let silentPort: number;
  const sockets = new Set<net.Socket>();

  beforeAll(async () => {
    // A port nothing listens on: take one, then close it.
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    deadPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    // A server that accepts connections and never answers.
    silent = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as AddressInfo).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  test('a failing command rejects with LockStoreUnavailableError', async () => {
    const store = new RedisLockStore({ sendCommand: async () => Promise.reject(new Error('ECONNREFUSED')) });
    await expect(store.lock('f', 'L', 1000)).rejects.toBeInstanceOf(LockStoreUnavailableError);
    await expect(store.getLock('f')).rejects.toMatchObject({ status: 500, code: 'WOPI_LOCK_STORE_UNAVAILABLE' });
  });

  test('a server that never answers fails within commandTimeoutMs', async () => {
    const client = createClient({ socket: { host: '127.0.0.1', port: silentPort, connectTimeout: 200, reconnectStrategy: false } });
    client.on('error', () => undefined);
    // node-redis queues commands until it is connected; that queue is exactly what must not hang.
    void client.connect().catch(() => undefined);
    const store = new RedisLockStore({ client, commandTimeoutMs: 300 });
    const started = Date.now();
    await expect(store.lock('f', 'L', 1000)).rejects.toBeInstanceOf(LockStoreUnavailableError);
    expect(Date.now() - started).toBeLessThan(2000);
    client.destroy();
  });

  test('through the router: LOCK and PutFile answer 500 promptly and nothing is written', async () => {
    const client = createClient({ socket: { host: '127.0.0.1', port: deadPort, connectTimeout: 200, reconnectStrategy: () => 100 } });
    client.on('error', () => undefined);
    void client.connect().catch(() => undefined);
    const locks: WopiLockStore = new RedisLockStore({ client, commandTimeoutMs: 500 });
    const storage = new MemoryStorage();
    const fileId = storage.addFile('doc.docx', 'precious');
    const auth = new JwtAuth({ secret: TEST_SECRET });
    const app = express();
    app.use('/wopi', createWopiRouter({ storage, auth, locks }));
    const { accessToken } = await auth.issueToken({ fileId, userId: 'u1', permissions: { write: true } });

    const started = Date.now();
    const lockRes = await request(app)
      .post(`/wopi/files/${fileId}`)
      .query({ access_token: accessToken })
      .set({ 'X-WOPI-Override': 'LOCK', 'X-WOPI-Lock': 'L' });
    expect(lockRes.status).toBe(500);
    expect(lockRes.headers['x-wopi-lock']).toBeUndefined();
    expect(lockRes.text).toBe('Internal Server Error');

    const putRes = await request(app)
      .post(`/wopi/files/${fileId}/contents`)
      .query({ access_token: accessToken })
      .set({ 'X-WOPI-Override': 'PUT', 'X-WOPI-Lock': 'L' })
      .send(Buffer.from('overwritten'));
    expect(putRes.status).toBe(500);
    expect(Date.now() - started).toBeLessThan(4000);
    expect(storage.getContent(fileId).toString()).toBe('precious');
    client.destroy();
  });

  const noReply = async (): Promise<unknown> => null;
  test.each<[string, unknown, WopiConfigErrorCode, string]>([
    [
      'no options',
      undefined,
      'WOPI_OPTION_TYPE',
      'RedisLockStore: options must be an object with `client` or `sendCommand`, got undefined',
    ],
    ['neither client nor sendCommand', {}, 'WOPI_OPTION_MISSING', 'RedisLockStore: `client` or `sendCommand` is required'],
    [
      'both',
      { client: {}, sendCommand: noReply },
      'WOPI_OPTION_CONFLICT',
      'RedisLockStore: `client` and `sendCommand` exclude each other: give exactly one of them',
    ],
    [
      'a client without sendCommand or call',
      { client: {} },
      'WOPI_ADAPTER_SHAPE',
      'RedisLockStore: `client` has neither `sendCommand` nor `call`: it must be a node-redis or ioredis client',
    ],
    [
      'a client that is a URL',
      { client: 'redis://localhost' },
      'WOPI_OPTION_TYPE',
      'RedisLockStore: `client` must be a node-redis or ioredis client (an object with `sendCommand` or `call`), got a string',
    ],
    [
      'a client that is null',
      { client: null },
      'WOPI_OPTION_TYPE',
      'RedisLockStore: `client` must be a node-redis or ioredis client (an object with `sendCommand` or `call`), got null',
    ],
    [
      'sendCommand not a function',
      { sendCommand: 'GET' },
      'WOPI_OPTION_TYPE',
      'RedisLockStore: `sendCommand` must be a function, got a string',
    ],
    ['prefix not a string', { sendCommand: noReply, prefix: 1 }, 'WOPI_OPTION_TYPE', 'RedisLockStore: `prefix` must be a string, got 1'],
    [
      'an unknown lockIdComparison',
      { sendCommand: noReply, lockIdComparison: 'loose' },
      'WOPI_OPTION_VALUE',
      'RedisLockStore: `lockIdComparison` must be one of exact, office, got "loose"',
    ],
    [
      'commandTimeoutMs 0',
      { sendCommand: noReply, commandTimeoutMs: 0 },
      'WOPI_OPTION_VALUE',
      'RedisLockStore: `commandTimeoutMs` must be a positive integer (milliseconds), got 0',
    ],
  ])('%s is refused with a WopiConfigError (%s)', (_label, options, code, message) => {
    let thrown: unknown;
    try {
      new RedisLockStore(options as never);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(WopiConfigError);
    expect((thrown as WopiConfigError).code).toBe(code);
    expect((thrown as WopiConfigError).message).toContain(message);
    expect((thrown as WopiConfigError).message).toMatch(new RegExp(`\\[${code}\\]$`));
  });
});

describe('express-wopi serve --redis', () => {
  test('an unreachable Redis fails the start with a clear message (password redacted), not a hang', async () => {
    const started = Date.now();
    await expect(
      serve({
        dir: __dirname,
        port: 0,
        host: '127.0.0.1',
        secret: TEST_SECRET,
        userId: 'u',
        userFriendlyName: 'U',
        readOnly: false,
        redisUrl: 'redis://:hunter2@127.0.0.1:1',
        redisConnectTimeoutMs: 300,
      }),
    ).rejects.toThrow('cannot reach Redis at redis://:***@127.0.0.1:1');
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
