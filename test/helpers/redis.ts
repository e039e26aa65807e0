/**
 * Redis for tests: the URL and availability found by test/global-setup.js, clients for both
 * supported libraries, and a key prefix per test run so runs never collide.
 */
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import Redis from 'ioredis';

export const redisUrl = process.env.EXPRESS_WOPI_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const redisAvailable = process.env.EXPRESS_WOPI_TEST_REDIS === '1';

/**
 * `describe` when Redis is reachable; otherwise the block is skipped (global setup has already
 * said why, and fails the run instead when EXPRESS_WOPI_REQUIRE_REDIS=1).
 */
export const describeWithRedis: jest.Describe = redisAvailable ? describe : describe.skip;

/** A prefix no other test run uses. */
export function uniquePrefix(): string {
  return `express-wopi-test:${process.pid}-${randomBytes(4).toString('hex')}:`;
}

function newNodeRedis() {
  return createClient({ url: redisUrl });
}
export type NodeRedisClient = ReturnType<typeof newNodeRedis>;

export async function connectNodeRedis(): Promise<NodeRedisClient> {
  const client = newNodeRedis();
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

export async function connectIoredis(): Promise<Redis> {
  const client = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** Deletes every key under `prefix`. */
export async function deleteKeys(client: NodeRedisClient, prefix: string): Promise<void> {
  const keys: string[] = [];
  for await (const batch of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) keys.push(...(batch as unknown as string[]));
  if (keys.length > 0) await client.del(keys);
}
