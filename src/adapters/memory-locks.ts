import type { WopiListedLock, WopiLockInfo, WopiLockOutcome, WopiLockStore } from './locks';
import { log } from '../log';
import { LOCK_ID_COMPARISONS, lockIdsMatch, type WopiLockIdComparison } from '../protocol/lock-id';
import { OptionChecks } from '../util/validate';

const debug = log('locks:memory');
const SWEEP_INTERVAL_MS = 60_000;

export interface MemoryLockStoreOptions {
  /** Clock used for expiry, in ms since the epoch. Default `Date.now`; tests pass a fake one. */
  now?: () => number;
  /**
   * How lock IDs are compared: `'exact'` (default) or `'office'`, which also matches two Office
   * JSON lock IDs with the same `S` (docs/locking.md, "Office lock IDs").
   */
  lockIdComparison?: WopiLockIdComparison;
}

interface HeldLock {
  lockId: string;
  /** When this lock ID was set, in ms since the epoch. */
  lockedAt: number;
  expiresAt: number;
}

/**
 * Locks held in this process's memory. **Single process only**: when several instances of your
 * application serve the same files, each has its own locks and two editors can both "hold" one
 * file. Use a shared store (Redis) there.
 *
 * Every operation runs synchronously inside one event-loop turn, which makes it atomic within
 * the process. Expired locks are dropped when next touched, and by a sweep at most once a minute
 * so that locks nobody touches again do not pile up. It implements the optional administration
 * methods (`inspectLock`, `forceUnlock`, `listLocks`).
 */
export class MemoryLockStore implements WopiLockStore {
  readonly lockIdComparison: WopiLockIdComparison;
  private readonly locks = new Map<string, HeldLock>();
  private readonly now: () => number;
  private nextSweepAt = 0;

  constructor(options: MemoryLockStoreOptions = {}) {
    const check = new OptionChecks('MemoryLockStore');
    check.options(options, '(or nothing)');
    this.now = check.optionalFunction('now', options.now) ?? Date.now;
    this.lockIdComparison = check.oneOf('lockIdComparison', options.lockIdComparison, LOCK_ID_COMPARISONS, 'exact');
  }

  async getLock(fileId: string): Promise<string | null> {
    return this.current(fileId)?.lockId ?? null;
  }

  async lock(fileId: string, lockId: string, ttlMs: number): Promise<WopiLockOutcome> {
    const held = this.current(fileId);
    if (!held) {
      this.set(fileId, lockId, ttlMs);
      return { ok: true };
    }
    if (!this.matches(held, lockId)) return refused(held);
    held.expiresAt = this.now() + ttlMs;
    return { ok: true };
  }

  async refreshLock(fileId: string, lockId: string, ttlMs: number): Promise<WopiLockOutcome> {
    const held = this.current(fileId);
    if (!held || !this.matches(held, lockId)) return refused(held);
    held.expiresAt = this.now() + ttlMs;
    return { ok: true };
  }

  async unlock(fileId: string, lockId: string): Promise<WopiLockOutcome> {
    const held = this.current(fileId);
    if (!held || !this.matches(held, lockId)) return refused(held);
    this.locks.delete(fileId);
    return { ok: true };
  }

  async unlockAndRelock(fileId: string, oldLockId: string, newLockId: string, ttlMs: number): Promise<WopiLockOutcome> {
    const held = this.current(fileId);
    if (!held || !this.matches(held, oldLockId)) return refused(held);
    this.set(fileId, newLockId, ttlMs);
    return { ok: true };
  }

  async inspectLock(fileId: string): Promise<WopiLockInfo | null> {
    const held = this.current(fileId);
    return held ? info(held) : null;
  }

  async forceUnlock(fileId: string): Promise<boolean> {
    const held = this.current(fileId);
    if (!held) return false;
    this.locks.delete(fileId);
    debug('lock on %s released by forceUnlock', fileId);
    return true;
  }

  async *listLocks(): AsyncIterable<WopiListedLock> {
    // A snapshot: the caller may change locks between two steps of the iteration.
    this.sweep();
    const listed = [...this.locks].map(([fileId, held]) => ({ fileId, ...info(held) }));
    yield* listed;
  }

  /** Number of unexpired locks; for diagnostics and tests. */
  get size(): number {
    this.sweep();
    return this.locks.size;
  }

  private matches(held: HeldLock, lockId: string): boolean {
    return lockIdsMatch(held.lockId, lockId, this.lockIdComparison);
  }

  private current(fileId: string): HeldLock | undefined {
    const held = this.locks.get(fileId);
    if (held && held.expiresAt <= this.now()) {
      this.locks.delete(fileId);
      debug('lock on %s expired', fileId);
      return undefined;
    }
    return held;
  }

  /** Puts `lockId` on the file: a new lock, with its own `lockedAt`. */
  private set(fileId: string, lockId: string, ttlMs: number): void {
    const now = this.now();
    if (now >= this.nextSweepAt) this.sweep();
    this.locks.set(fileId, { lockId, lockedAt: now, expiresAt: now + ttlMs });
  }

  private sweep(): void {
    const now = this.now();
    this.nextSweepAt = now + SWEEP_INTERVAL_MS;
    for (const [fileId, held] of this.locks) {
      if (held.expiresAt <= now) this.locks.delete(fileId);
    }
  }
}

function info(held: HeldLock): WopiLockInfo {
  return { lockId: held.lockId, lockedAt: new Date(held.lockedAt), expiresAt: new Date(held.expiresAt) };
}

function refused(held: HeldLock | undefined): WopiLockOutcome {
  return { ok: false, currentLockId: held?.lockId ?? null };
}
