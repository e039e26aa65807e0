/**
 * `express-wopi locks`: lock administration from a shell, for the locks `RedisLockStore` keeps
 * (the ones `express-wopi serve --redis` and your own application share):
 *
 *   express-wopi locks list --redis URL [--redis-prefix P] [--json]
 *   express-wopi locks release <fileId> --redis URL [--redis-prefix P] [--lock-id ID]
 *
 * Exit codes: 0 done; 1 nothing to release, or Redis could not be reached or answered; 2 usage.
 */
import { parseArgs } from 'node:util';
import type { WopiListedLock, WopiLockInfo } from '../adapters/locks';
import { RedisLockStore } from '../adapters/redis-locks';
import { LockStoreUnavailableError, WopiConfigError } from '../errors';
import { connectRedis, REDIS_CONNECT_TIMEOUT_MS } from './serve';

export const LOCKS_USAGE = `  express-wopi locks list --redis URL [options]            list the WOPI locks kept in a Redis
      --redis URL           the Redis, e.g. redis://127.0.0.1:6379 (needs the "redis" package)
      --redis-prefix P      key prefix in Redis (default "express-wopi:"), as given to RedisLockStore
      --json                print one JSON object per lock: fileId, lockId, lockedAt, expiresAt

  express-wopi locks release <fileId> --redis URL [options]   remove the lock on one file
      --redis-prefix P      key prefix in Redis (default "express-wopi:")
      --lock-id ID          release only while ID is the lock on the file
`;

/** Where the command writes, and its environment (as for the other commands). */
export interface LocksCommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

export interface LocksCommandOptions {
  /** How long to wait for the first Redis connection, in ms. Default 5000. */
  connectTimeoutMs?: number;
}

class UsageError extends Error {}

const REDIS_OPTIONS = {
  redis: { type: 'string' },
  'redis-prefix': { type: 'string' },
} as const;

/**
 * Runs `express-wopi locks <subcommand> …` (`args` without the `locks`) and resolves with the
 * exit code. Never rejects: every failure is a message on `io.stderr`.
 */
export async function runLocksCommand(args: string[], io: LocksCommandIo, options: LocksCommandOptions = {}): Promise<number> {
  const [subcommand, ...rest] = args;
  try {
    if (subcommand === 'list') return await listCommand(rest, io, options);
    if (subcommand === 'release') return await releaseCommand(rest, io, options);
    if (subcommand === 'help' || subcommand === '--help' || subcommand === '-h') {
      io.stdout.write(`Usage:\n${LOCKS_USAGE}`);
      return 0;
    }
    throw new UsageError(subcommand === undefined ? 'locks needs list or release' : `unknown locks command "${subcommand}"`);
  } catch (err) {
    if (err instanceof UsageError || err instanceof WopiConfigError || isParseArgsError(err)) {
      io.stderr.write(`express-wopi: ${(err as Error).message}\n\nUsage:\n${LOCKS_USAGE}`);
      return 2;
    }
    io.stderr.write(`express-wopi: ${failureMessage(err)}\n`);
    return 1;
  }
}

async function listCommand(args: string[], io: LocksCommandIo, options: LocksCommandOptions): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { ...REDIS_OPTIONS, json: { type: 'boolean', default: false } },
  });
  if (positionals.length > 0) throw new UsageError('locks list takes no positional arguments');
  const target = redisTarget(values);
  return withStore(target, options, async (store) => {
    if (values.json) {
      // One line per lock as it is found: a long listing starts at once, and can be piped.
      for await (const entry of store.listLocks()) io.stdout.write(`${JSON.stringify(toJson(entry))}\n`);
      return 0;
    }
    const entries: WopiListedLock[] = [];
    for await (const entry of store.listLocks()) entries.push(entry);
    entries.sort((a, b) => (a.fileId < b.fileId ? -1 : a.fileId > b.fileId ? 1 : 0));
    io.stdout.write(formatTable(entries, Date.now()));
    const count = entries.length === 1 ? '1 lock' : `${entries.length === 0 ? 'no' : entries.length} locks`;
    io.stdout.write(`${count} under the prefix ${JSON.stringify(target.prefix)}\n`);
    return 0;
  });
}

async function releaseCommand(args: string[], io: LocksCommandIo, options: LocksCommandOptions): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { ...REDIS_OPTIONS, 'lock-id': { type: 'string' } },
  });
  if (positionals.length !== 1 || positionals[0] === '') throw new UsageError('locks release takes exactly one file ID');
  const fileId = positionals[0] as string;
  const lockId = values['lock-id'];
  if (lockId === '') throw new UsageError('--lock-id must not be empty');
  const target = redisTarget(values);
  return withStore(target, options, async (store) => {
    const name = printable(fileId);
    if (lockId !== undefined) {
      // Conditional: the store's own Unlock, one atomic step.
      const outcome = await store.unlock(fileId, lockId);
      if (outcome.ok) {
        io.stdout.write(`released the lock on ${name} (lock ID ${printable(lockId)})\n`);
        return 0;
      }
      io.stderr.write(
        outcome.currentLockId === null
          ? `express-wopi: ${name} is not locked\n`
          : `express-wopi: ${name} is locked with ${printable(outcome.currentLockId)}, not with --lock-id: not released\n`,
      );
      return 1;
    }
    // What is about to go, for the message; the release itself takes whatever lock is there then.
    const before = await store.inspectLock(fileId);
    if (!(await store.forceUnlock(fileId))) {
      io.stderr.write(`express-wopi: ${name} is not locked\n`);
      return 1;
    }
    const held = before === null ? '' : ` (lock ID ${printable(before.lockId)}${heldFor(before, Date.now())})`;
    io.stdout.write(`released the lock on ${name}${held}\n`);
    return 0;
  });
}

interface RedisTarget {
  url: string;
  prefix: string;
}

function redisTarget(values: { redis?: string; 'redis-prefix'?: string }): RedisTarget {
  const url = values.redis;
  if (url === undefined || url === '') throw new UsageError('--redis URL is required');
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new UsageError('--redis must be a redis:// or rediss:// URL');
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') throw new UsageError('--redis must be a redis:// or rediss:// URL');
  return { url, prefix: values['redis-prefix'] ?? 'express-wopi:' };
}

/** Connects, runs `body` with a store on the connection, and always closes it. */
async function withStore(
  target: RedisTarget,
  options: LocksCommandOptions,
  body: (store: RedisLockStore) => Promise<number>,
): Promise<number> {
  const redis = await connectRedis(target.url, options.connectTimeoutMs ?? REDIS_CONNECT_TIMEOUT_MS);
  try {
    return await body(new RedisLockStore({ sendCommand: redis.sendCommand, prefix: target.prefix }));
  } finally {
    await redis.close();
  }
}

function toJson(entry: WopiListedLock): Record<string, string | null> {
  return {
    fileId: entry.fileId,
    lockId: entry.lockId,
    lockedAt: entry.lockedAt?.toISOString() ?? null,
    expiresAt: entry.expiresAt?.toISOString() ?? null,
  };
}

/** The aligned table of `locks list`; the lock ID goes last, as it may be long. */
function formatTable(entries: WopiListedLock[], now: number): string {
  if (entries.length === 0) return '';
  const rows = [
    ['FILE ID', 'LOCKED AT', 'AGE', 'EXPIRES IN', 'LOCK ID'],
    ...entries.map((e) => [
      printable(e.fileId),
      e.lockedAt === null ? 'unknown' : e.lockedAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      e.lockedAt === null ? '-' : duration(now - e.lockedAt.getTime()),
      e.expiresAt === null ? 'never' : duration(e.expiresAt.getTime() - now),
      printable(e.lockId),
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] as string).length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] as number)))
        .join('  ')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}

function heldFor(info: WopiLockInfo, now: number): string {
  return info.lockedAt === null ? '' : `, held for ${duration(now - info.lockedAt.getTime())}`;
}

/** `45s`, `12m03s`, `2h05m`, `3d04h`; negative amounts (clock skew) count as 0. */
function duration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const pad = (n: number): string => String(n).padStart(2, '0');
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${pad(seconds % 60)}s`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h${pad(Math.floor(seconds / 60) % 60)}m`;
  return `${Math.floor(seconds / 86_400)}d${pad(Math.floor(seconds / 3600) % 24)}h`;
}

/**
 * `text` safe for a terminal: control characters (C0, DEL, C1) and the bidirectional overrides
 * that could disguise what is printed become `\uXXXX`. File and lock IDs come from the store, and
 * a key written by hand can hold anything.
 */
function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what printable() escapes
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function failureMessage(err: unknown): string {
  const message = (err as Error)?.message ?? String(err);
  if (err instanceof LockStoreUnavailableError && err.cause instanceof Error) return `${message}: ${err.cause.message}`;
  return message;
}

function isParseArgsError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}
