import type { WopiLockOutcome, WopiLockStore } from './locks';
import { log } from '../log';
import { OptionChecks } from '../util/validate';

const debug = log('locks:memory');
const SWEEP_INTERVAL_MS = 60_000;

export interface MemoryLockStoreOptions {
  /** Clock used for expiry, in ms since the epoch. Default `Date.now`; tests pass a fake one. */
  now?: () => number;
}

interface HeldLock {
  lockId: string;
  expiresAt: number;
}

/**
 * Locks held in this process's memory. **Single process only**: when several instances of your
 * application serve the same files, each has its own locks and two editors can both "hold" one
 * file. Use a shared store (Redis) there.
 *
 * Every operation runs synchronously inside one event-loop turn, which makes it atomic within
 * the process. Expired locks are dropped when next touched, and by a sweep at most once a minute
 * so that locks nobody touches again do not pile up.
 */
export class MemoryLockStore implements WopiLockStore {
  private readonly locks = new Map<string, HeldLock>();
  private readonly now: () => number;
  private nextSweepAt = 0;

  constructor(options: MemoryLockStoreOptions = {}) {
    const check = new OptionChecks('MemoryLockStore');
    check.options(options, '(or nothing)');
    this.now = check.optionalFunction('now', options.now) ?? Date.now;
  }

  async getLock(fileId: string): Promise<string | null> {
    return this.current(fileId)?.lockId ?? null;
  }

  async lock(fileId: string, lockId: string, ttlMs: number): Promise<WopiLockOutcome> {
    const held = this.current(fileId);
    if (held && held.lockId !== lockId) return refused(held);
    this.set(fileId, lockId, ttlMs);
    return { ok: true };
  }

  async refreshLock(fileId: string, lockId: string, ttlMs: number): Promise<WopiLockOutcome> {
    const held = this.current(fileId);
    if (!held || held.lockId !== lockId) return refused(held);
    this.set(fileId, lockId, ttlMs);
    return { ok: true };
  }

  async unlock(fileId: string, lockId: string): Promise<WopiLockOutcome> {
    const held = this.current(fileId);
    if (!held || held.lockId !== lockId) return refused(held);
    this.locks.delete(fileId);
    return { ok: true };
  }

  async unlockAndRelock(fileId: string, oldLockId: string, newLockId: string, ttlMs: number): Promise<WopiLockOutcome> {
    const held = this.current(fileId);
    if (!held || held.lockId !== oldLockId) return refused(held);
    this.set(fileId, newLockId, ttlMs);
    return { ok: true };
  }

  /** Number of unexpired locks; for diagnostics and tests. */
  get size(): number {
    this.sweep();
    return this.locks.size;
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

  private set(fileId: string, lockId: string, ttlMs: number): void {
    if (this.now() >= this.nextSweepAt) this.sweep();
    this.locks.set(fileId, { lockId, expiresAt: this.now() + ttlMs });
  }

  private sweep(): void {
    const now = this.now();
    this.nextSweepAt = now + SWEEP_INTERVAL_MS;
    for (const [fileId, held] of this.locks) {
      if (held.expiresAt <= now) this.locks.delete(fileId);
    }
  }
}

function refused(held: HeldLock | undefined): WopiLockOutcome {
  return { ok: false, currentLockId: held?.lockId ?? null };
}
