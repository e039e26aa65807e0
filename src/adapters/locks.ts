/**
 * The lock store interface: one WOPI lock per file ID, with expiry.
 *
 * Each method is a single atomic step on one file's lock, so that a shared store (Redis, a SQL
 * row, …) can implement it with one command or one transaction and several router instances can
 * share it safely. In particular, when two LOCK requests with different lock IDs race on an
 * unlocked file, exactly one `lock` call may return `{ ok: true }`.
 *
 * A refused request is an expected outcome, not an error: return `{ ok: false, currentLockId }`
 * with the lock that is on the file now (`null` when there is none); the router turns it into a
 * 409 carrying `X-WOPI-Lock`. Throw only when the store itself fails (connection lost, timeout):
 * the router then answers 500, never "unlocked".
 *
 * Expiry: a lock set or refreshed with `ttlMs` must stop existing `ttlMs` milliseconds later
 * unless it is refreshed, replaced or released first. An expired lock is indistinguishable from
 * no lock. Lock IDs are opaque strings of up to 1024 characters, compared exactly.
 */

/** Result of a conditional lock operation. */
export type LockOutcome =
  | { ok: true }
  | {
      ok: false;
      /** The lock on the file now, or `null` when the file is not locked. */
      currentLockId: string | null;
    };

export interface WopiLockStore {
  /** The lock currently on the file, or `null` when there is none (or it has expired). */
  getLock(fileId: string): Promise<string | null>;

  /**
   * Lock: when the file is unlocked, set `lockId` with a fresh expiry; when it is already locked
   * with `lockId`, reset the expiry; otherwise refuse and report the current lock.
   */
  lock(fileId: string, lockId: string, ttlMs: number): Promise<LockOutcome>;

  /** RefreshLock: when the file is locked with `lockId`, reset the expiry; otherwise refuse. */
  refreshLock(fileId: string, lockId: string, ttlMs: number): Promise<LockOutcome>;

  /** Unlock: when the file is locked with `lockId`, remove the lock; otherwise refuse. */
  unlock(fileId: string, lockId: string): Promise<LockOutcome>;

  /**
   * UnlockAndRelock (compare and swap): when the file is locked with `oldLockId`, replace it with
   * `newLockId` and a fresh expiry in one step; otherwise (unlocked, or another lock) refuse.
   */
  unlockAndRelock(fileId: string, oldLockId: string, newLockId: string, ttlMs: number): Promise<LockOutcome>;
}
