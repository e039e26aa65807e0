import { createHash } from 'node:crypto';
import type { WopiLockOutcome, WopiLockStore } from './locks';
import { LockStoreUnavailableError } from '../errors';
import { log } from '../log';
import { describeValue, OptionChecks } from '../util/validate';

const debug = log('locks:redis');

/** Sends one Redis command (`['GET', 'key']`) and resolves with its reply. */
export type RedisSendCommand = (args: string[]) => Promise<unknown>;

/** The part of a node-redis (v4 or later) client this store uses. */
export interface NodeRedisClientLike {
  sendCommand(args: string[]): Promise<unknown>;
}

/** The part of an ioredis client this store uses. */
export interface IoredisClientLike {
  call(command: string, ...args: string[]): Promise<unknown>;
}

export interface RedisLockStoreOptions {
  /**
   * An already connected client, node-redis (`createClient()`, v4 or later) or ioredis. The
   * application owns the connection: this store never connects, disconnects or imports a Redis
   * library. Give either `client` or `sendCommand`.
   */
  client?: NodeRedisClientLike | IoredisClientLike;
  /** Sends one command; for clients other than node-redis and ioredis. */
  sendCommand?: RedisSendCommand;
  /** Key prefix, so several products or tenants can share one Redis. Default `express-wopi:`. */
  prefix?: string;
  /**
   * How long one lock operation may take before it fails (and the WOPI request with it, with a
   * 500). Default 2000 ms. Clients queue commands while disconnected; this bounds the wait.
   */
  commandTimeoutMs?: number;
}

// Each script is one atomic step on one key. Replies: {1} accepted; {0} refused, file unlocked;
// {0, lock} refused, file locked with `lock`.
const SCRIPTS = {
  lock: `local cur = redis.call('GET', KEYS[1])
if cur == false or cur == ARGV[1] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return {1} end
return {0, cur}`,
  refresh: `local cur = redis.call('GET', KEYS[1])
if cur == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return {1} end
if cur == false then return {0} end
return {0, cur}`,
  unlock: `local cur = redis.call('GET', KEYS[1])
if cur == ARGV[1] then redis.call('DEL', KEYS[1]) return {1} end
if cur == false then return {0} end
return {0, cur}`,
  unlockAndRelock: `local cur = redis.call('GET', KEYS[1])
if cur == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return {1} end
if cur == false then return {0} end
return {0, cur}`,
} as const;

type ScriptName = keyof typeof SCRIPTS;
const SHA1 = Object.fromEntries(
  Object.entries(SCRIPTS).map(([name, body]) => [name, createHash('sha1').update(body).digest('hex')]),
) as Record<ScriptName, string>;

/**
 * WOPI locks in Redis, shared by every instance of the application. Each operation is one Lua
 * script, so it is atomic across instances: of N concurrent LOCKs with different IDs exactly one
 * wins. Expiry is Redis's own (`PX`), so a crashed instance never leaves a file locked for longer
 * than the lock lifetime.
 *
 * ```ts
 * import { createClient } from 'redis';
 * const redis = await createClient({ url: process.env.REDIS_URL }).connect();
 * const locks = new RedisLockStore({ client: redis, prefix: 'myapp:wopi:' });
 * ```
 */
export class RedisLockStore implements WopiLockStore {
  private readonly send: RedisSendCommand;
  private readonly prefix: string;
  private readonly timeoutMs: number;

  constructor(options: RedisLockStoreOptions) {
    const check = new OptionChecks('RedisLockStore');
    check.options(options, 'with `client` or `sendCommand`');
    const { client } = options;
    const sendCommand = check.optionalFunction('sendCommand', options.sendCommand);
    if (client === undefined && sendCommand === undefined) {
      throw check.error(
        'WOPI_OPTION_MISSING',
        'client',
        'or `sendCommand` is required (a connected node-redis or ioredis client, or a command function)',
      );
    }
    if (client !== undefined && sendCommand !== undefined) {
      throw check.error('WOPI_OPTION_CONFLICT', 'client', 'and `sendCommand` exclude each other: give exactly one of them');
    }
    this.prefix = check.string('prefix', options.prefix, 'express-wopi:');
    this.timeoutMs = check.positiveInteger('commandTimeoutMs', options.commandTimeoutMs, 2000, 'milliseconds');
    this.send = sendCommand ?? commandOf(client as NodeRedisClientLike | IoredisClientLike, check);
  }

  async getLock(fileId: string): Promise<string | null> {
    const reply = await this.command(['GET', this.key(fileId)]);
    return reply === null || reply === undefined ? null : String(reply);
  }

  lock(fileId: string, lockId: string, ttlMs: number): Promise<WopiLockOutcome> {
    return this.script('lock', fileId, [lockId, String(ttlMs)]);
  }

  refreshLock(fileId: string, lockId: string, ttlMs: number): Promise<WopiLockOutcome> {
    return this.script('refresh', fileId, [lockId, String(ttlMs)]);
  }

  unlock(fileId: string, lockId: string): Promise<WopiLockOutcome> {
    return this.script('unlock', fileId, [lockId]);
  }

  unlockAndRelock(fileId: string, oldLockId: string, newLockId: string, ttlMs: number): Promise<WopiLockOutcome> {
    return this.script('unlockAndRelock', fileId, [oldLockId, newLockId, String(ttlMs)]);
  }

  private key(fileId: string): string {
    return `${this.prefix}lock:${fileId}`;
  }

  /** Runs a script by its SHA1, loading it with EVAL the first time a server has not seen it. */
  private async script(name: ScriptName, fileId: string, args: string[]): Promise<WopiLockOutcome> {
    const keyArgs = ['1', this.key(fileId), ...args];
    let reply: unknown;
    try {
      reply = await this.command(['EVALSHA', SHA1[name], ...keyArgs]);
    } catch (err) {
      if (!(err instanceof LockStoreUnavailableError && /NOSCRIPT/.test(String((err.cause as Error)?.message)))) throw err;
      reply = await this.command(['EVAL', SCRIPTS[name], ...keyArgs]);
    }
    return toOutcome(reply);
  }

  /** One command, bounded by the timeout; every failure becomes a LockStoreUnavailableError. */
  private async command(args: string[]): Promise<unknown> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no reply within ${this.timeoutMs} ms`)), this.timeoutMs);
      timer.unref();
    });
    try {
      return await Promise.race([this.send(args), timeout]);
    } catch (err) {
      const message = (err as Error)?.message ?? String(err);
      if (!/NOSCRIPT/.test(message)) debug('%s failed: %s', args[0], message);
      throw new LockStoreUnavailableError('Redis lock store unavailable', err);
    } finally {
      clearTimeout(timer);
    }
  }
}

function toOutcome(reply: unknown): WopiLockOutcome {
  if (!Array.isArray(reply) || reply.length === 0) {
    throw new LockStoreUnavailableError('Unexpected reply from Redis lock script');
  }
  if (Number(reply[0]) === 1) return { ok: true };
  const current = reply[1];
  return { ok: false, currentLockId: current === undefined || current === null ? null : String(current) };
}

/**
 * A `sendCommand` for a node-redis or ioredis client. ioredis is recognised by `call` (it also has
 * a `sendCommand`, which takes a Command object rather than an array).
 */
function commandOf(client: NodeRedisClientLike | IoredisClientLike, check: OptionChecks): RedisSendCommand {
  const what = 'a node-redis or ioredis client (an object with `sendCommand` or `call`)';
  if (typeof client !== 'object' || client === null)
    throw check.error('WOPI_OPTION_TYPE', 'client', `must be ${what}, got ${describeValue(client)}`);
  if (typeof (client as IoredisClientLike).call === 'function') {
    return (args) => (client as IoredisClientLike).call(args[0] as string, ...args.slice(1));
  }
  if (typeof (client as NodeRedisClientLike).sendCommand === 'function') {
    return (args) => (client as NodeRedisClientLike).sendCommand(args);
  }
  throw check.error('WOPI_ADAPTER_SHAPE', 'client', `has neither \`sendCommand\` nor \`call\`: it must be ${what}`);
}
