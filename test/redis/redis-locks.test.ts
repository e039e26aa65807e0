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
    describeWopiLockStore('RedisLockStore (node-redis)', () => new RedisLockStore({ client, prefix: `${prefix}node:` }));
  });

  describe('with an ioredis client', () => {
    let client: Awaited<ReturnType<typeof connectIoredis>>;
    beforeAll(async () => {
      client = await connectIoredis();
      closers.push(() => client.quit());
    });
    describeWopiLockStore('RedisLockStore (ioredis)', () => new RedisLockStore({ client, prefix: `${prefix}io:` }));
  });

  describe('with a sendCommand function', () => {
    describeWopiLockStore(
      'RedisLockStore (sendCommand)',
      () => new RedisLockStore({ sendCommand: (args) => admin.sendCommand(args), prefix: `${prefix}fn:` }),
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
