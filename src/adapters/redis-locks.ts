import { createHash } from 'node:crypto';
import type { WopiListedLock, WopiLockInfo, WopiLockOutcome, WopiLockStore } from './locks';
import { LockStoreUnavailableError } from '../errors';
import { log } from '../log';
import { LOCK_ID_COMPARISONS, officeLockSession, type WopiLockIdComparison } from '../protocol/lock-id';
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
  /**
   * How lock IDs are compared: `'exact'` (default) or `'office'`, which also matches two Office
   * JSON lock IDs with the same `S` (docs/locking.md, "Office lock IDs"). The comparison runs
   * inside each operation's script. Every instance sharing the prefix should use the same value.
   */
  lockIdComparison?: WopiLockIdComparison;
}

// Keys: the lock is the string `<prefix>lock:<fileId>`, whose value is the lock ID (exactly as in
// 0.1.0, so that a `GET` of it, and an instance of the previous release, still read it). Beside it,
// with the same expiry, the hash `<prefix>lockinfo:<fileId>` describes it: `id` (the lock ID it
// is about), `at` (when that ID was set, ms since the epoch, Redis's clock) and `s` (its Office
// session, when it is an Office lock ID). The hash counts only while its `id` is the lock's
// value: a lock set by an older release has none, or a stale one, and reports `lockedAt` unknown
// and compares exactly.
//
// The lock scripts are one atomic step each on those two keys. ARGV[1] is the comparison
// ('exact' or 'office'); a lock ID travels with its Office session ('' for none), worked out by
// `officeLockSession` in JavaScript so that one parser decides for every store. Replies: {1}
// accepted; {0} refused, file unlocked; {0, lock} refused, file locked with `lock`.
const HELPERS = `if redis.replicate_commands then redis.replicate_commands() end
local function matches(cur, id, s)
  if cur == id then return true end
  if ARGV[1] ~= 'office' or s == '' then return false end
  local m = redis.call('HMGET', KEYS[2], 'id', 's')
  return m[1] == cur and m[2] == s
end
local function put(id, s, ttl)
  local t = redis.call('TIME')
  redis.call('SET', KEYS[1], id, 'PX', ttl)
  redis.call('DEL', KEYS[2])
  local at = t[1] .. string.format('%03d', math.floor(tonumber(t[2]) / 1000))
  if s == '' then redis.call('HSET', KEYS[2], 'id', id, 'at', at)
  else redis.call('HSET', KEYS[2], 'id', id, 'at', at, 's', s) end
  redis.call('PEXPIRE', KEYS[2], ttl)
end
local function touch(ttl)
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[2], ttl)
end
local cur = redis.call('GET', KEYS[1])
`;

// Reads one lock (a pair of keys from `first`) for administration: {} when there is none, else
// {lockId, pttl, lockedAt or ''}. A key that is not a string (not a lock) reads as none.
const READ = `local function read(first)
  local key = KEYS[first]
  if redis.call('TYPE', key).ok ~= 'string' then return {} end
  local cur = redis.call('GET', key)
  local m = redis.call('HMGET', KEYS[first + 1], 'id', 'at')
  local at = ''
  if m[1] == cur and m[2] then at = m[2] end
  return {cur, redis.call('PTTL', key), at}
end
`;

const SCRIPTS = {
  // ARGV: comparison, lockId, session, ttl
  lock: `${HELPERS}if cur == false then put(ARGV[2], ARGV[3], ARGV[4]) return {1} end
if matches(cur, ARGV[2], ARGV[3]) then touch(ARGV[4]) return {1} end
return {0, cur}`,
  // ARGV: comparison, lockId, session, ttl
  refresh: `${HELPERS}if cur == false then return {0} end
if matches(cur, ARGV[2], ARGV[3]) then touch(ARGV[4]) return {1} end
return {0, cur}`,
  // ARGV: comparison, lockId, session
  unlock: `${HELPERS}if cur == false then return {0} end
if matches(cur, ARGV[2], ARGV[3]) then redis.call('DEL', KEYS[1], KEYS[2]) return {1} end
return {0, cur}`,
  // ARGV: comparison, oldLockId, oldSession, newLockId, newSession, ttl
  unlockAndRelock: `${HELPERS}if cur == false then return {0} end
if matches(cur, ARGV[2], ARGV[3]) then put(ARGV[4], ARGV[5], ARGV[6]) return {1} end
return {0, cur}`,
  // KEYS: lock, info. Reply: {seconds, microseconds, lock} (Redis's clock, and READ's reply).
  inspect: `${READ}local t = redis.call('TIME')
return {t[1], t[2], read(1)}`,
  // KEYS: lock, info, lock, info, … Reply: {seconds, microseconds, lock, lock, …}.
  inspectMany: `${READ}local t = redis.call('TIME')
local out = {t[1], t[2]}
for i = 1, #KEYS, 2 do out[#out + 1] = read(i) end
return out`,
  // KEYS: lock, info. Reply: 1 when a lock was removed, 0 when there was none.
  forceUnlock: `local n = redis.call('DEL', KEYS[1])
redis.call('DEL', KEYS[2])
return n`,
} as const;

/** How many keys one SCAN step asks for while listing locks. */
const SCAN_COUNT = 250;

type ScriptName = keyof typeof SCRIPTS;
const SHA1 = Object.fromEntries(
  Object.entries(SCRIPTS).map(([name, body]) => [name, createHash('sha1').update(body).digest('hex')]),
) as Record<ScriptName, string>;

/**
 * WOPI locks in Redis, shared by every instance of the application. Each operation is one Lua
 * script, so it is atomic across instances: of N concurrent LOCKs with different IDs exactly one
 * wins. Expiry is Redis's own (`PX`), so a crashed instance never leaves a file locked for longer
 * than the lock lifetime. It implements the optional administration methods (`inspectLock`,
 * `forceUnlock`, and `listLocks` with `SCAN`), and Office lock ID comparison on request.
 *
 * ```ts
 * import { createClient } from 'redis';
 * const redis = await createClient({ url: process.env.REDIS_URL }).connect();
 * const locks = new RedisLockStore({ client: redis, prefix: 'myapp:wopi:' });
 * ```
 */
export class RedisLockStore implements WopiLockStore {
  readonly lockIdComparison: WopiLockIdComparison;
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
    this.lockIdComparison = check.oneOf('lockIdComparison', options.lockIdComparison, LOCK_ID_COMPARISONS, 'exact');
    this.send = sendCommand ?? commandOf(client as NodeRedisClientLike | IoredisClientLike, check);
  }

  async getLock(fileId: string): Promise<string | null> {
    const reply = await this.command(['GET', this.key(fileId)]);
    return reply === null || reply === undefined ? null : String(reply);
  }

  async lock(fileId: string, lockId: string, ttlMs: number): Promise<WopiLockOutcome> {
    return toOutcome(await this.script('lock', this.keys(fileId), [this.lockIdComparison, ...withSession(lockId), String(ttlMs)]));
  }

  async refreshLock(fileId: string, lockId: string, ttlMs: number): Promise<WopiLockOutcome> {
    return toOutcome(await this.script('refresh', this.keys(fileId), [this.lockIdComparison, ...withSession(lockId), String(ttlMs)]));
  }

  async unlock(fileId: string, lockId: string): Promise<WopiLockOutcome> {
    return toOutcome(await this.script('unlock', this.keys(fileId), [this.lockIdComparison, ...withSession(lockId)]));
  }

  async unlockAndRelock(fileId: string, oldLockId: string, newLockId: string, ttlMs: number): Promise<WopiLockOutcome> {
    const args = [this.lockIdComparison, ...withSession(oldLockId), ...withSession(newLockId), String(ttlMs)];
    return toOutcome(await this.script('unlockAndRelock', this.keys(fileId), args));
  }

  /** One script: the lock, its expiry and when it was set, all read at the same instant. */
  async inspectLock(fileId: string): Promise<WopiLockInfo | null> {
    const reply = await this.script('inspect', this.keys(fileId), []);
    if (!Array.isArray(reply) || reply.length !== 3) throw unexpected('inspect');
    return toLockInfo(serverNow(reply[0], reply[1]), reply[2]);
  }

  async forceUnlock(fileId: string): Promise<boolean> {
    const removed = Number(await this.script('forceUnlock', this.keys(fileId), [])) > 0;
    if (removed) debug('lock on %s released by forceUnlock', fileId);
    return removed;
  }

  /**
   * Walks the locks under this store's prefix with `SCAN` (never `KEYS`, which would block Redis),
   * a page of keys at a time, and reads each page with one script. Other keys under the prefix,
   * and keys of other prefixes that start with this one, are not reported.
   */
  async *listLocks(): AsyncIterable<WopiListedLock> {
    const keyStart = `${this.prefix}lock:`;
    const match = `${escapeGlob(keyStart)}*`;
    const seen = new Set<string>();
    let cursor = '0';
    do {
      const reply = await this.command(['SCAN', cursor, 'MATCH', match, 'COUNT', String(SCAN_COUNT)]);
      if (!Array.isArray(reply) || reply.length !== 2 || !Array.isArray(reply[1])) throw unexpected('SCAN');
      cursor = String(reply[0]);
      const fileIds = [
        ...new Set(
          (reply[1] as unknown[])
            .map(String)
            .filter((key) => key.startsWith(keyStart))
            .map((key) => key.slice(keyStart.length)),
        ),
      ].filter((fileId) => !seen.has(fileId));
      if (fileIds.length === 0) continue;
      const read = await this.script(
        'inspectMany',
        fileIds.flatMap((fileId) => this.keys(fileId)),
        [],
      );
      if (!Array.isArray(read) || read.length !== fileIds.length + 2) throw unexpected('inspectMany');
      const now = serverNow(read[0], read[1]);
      for (const [i, fileId] of fileIds.entries()) {
        const info = toLockInfo(now, read[i + 2]);
        // SCAN may return a key twice; report each lock once.
        seen.add(fileId);
        if (info) yield { fileId, ...info };
      }
    } while (cursor !== '0');
  }

  private key(fileId: string): string {
    return `${this.prefix}lock:${fileId}`;
  }

  /** The lock's key and its info hash's, in the order the scripts take them. */
  private keys(fileId: string): [string, string] {
    return [this.key(fileId), `${this.prefix}lockinfo:${fileId}`];
  }

  /** Runs a script by its SHA1, loading it with EVAL the first time a server has not seen it. */
  private async script(name: ScriptName, keys: string[], args: string[]): Promise<unknown> {
    const keyArgs = [String(keys.length), ...keys, ...args];
    try {
      return await this.command(['EVALSHA', SHA1[name], ...keyArgs]);
    } catch (err) {
      if (!(err instanceof LockStoreUnavailableError && /NOSCRIPT/.test(String((err.cause as Error)?.message)))) throw err;
      return await this.command(['EVAL', SCRIPTS[name], ...keyArgs]);
    }
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

/** A lock ID and its Office session ('' when it is not an Office lock ID), as the scripts take them. */
function withSession(lockId: string): [string, string] {
  return [lockId, officeLockSession(lockId) ?? ''];
}

/** `SCAN MATCH` treats `*`, `?`, `[`, `]` and `\` as pattern characters; a prefix means them literally. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/** Redis's clock from a `TIME` reply (seconds, microseconds), in ms since the epoch. */
function serverNow(seconds: unknown, micros: unknown): number {
  const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  if (!Number.isFinite(now)) throw unexpected('TIME');
  return now;
}

/** A lock as the READ script part gives it ({} or {lockId, pttl, lockedAt or ''}), at `now`. */
function toLockInfo(now: number, reply: unknown): WopiLockInfo | null {
  if (!Array.isArray(reply)) throw unexpected('inspect');
  if (reply.length === 0 || reply[0] === null || reply[0] === undefined) return null;
  const pttl = Number(reply[1]);
  // -2: the key expired between the two reads (it cannot within a script, but be safe).
  if (pttl === -2) return null;
  const lockedAt = reply[2] === '' || reply[2] === null || reply[2] === undefined ? Number.NaN : Number(reply[2]);
  return {
    lockId: String(reply[0]),
    lockedAt: Number.isFinite(lockedAt) ? new Date(lockedAt) : null,
    expiresAt: pttl >= 0 ? new Date(now + pttl) : null,
  };
}

function unexpected(what: string): LockStoreUnavailableError {
  return new LockStoreUnavailableError(`Unexpected reply from Redis (${what})`);
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
