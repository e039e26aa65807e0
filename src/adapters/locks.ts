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
 * 409 carrying `X-WOPI-Lock`. Throw only when the store itself fails: throw a
 * `LockStoreUnavailableError` (exported from `express-wopi`, code `WOPI_LOCK_STORE_UNAVAILABLE`)
 * when the backend cannot answer (connection lost, timeout, unexpected reply), with the backend's
 * error as `cause`. The router then answers 500 with a generic body, never "unlocked": no lock is
 * granted or released and nothing is written. Any other error gets the same 500; this one says
 * in the logs what happened. Never return `{ ok: true }` or `null` for a lock you could not read.
 *
 * Expiry: a lock set or refreshed with `ttlMs` must stop existing `ttlMs` milliseconds later
 * unless it is refreshed, replaced or released first. An expired lock is indistinguishable from
 * no lock: `getLock` answers `null`, RefreshLock and Unlock with it are refused with
 * `currentLockId: null`, and Lock with any ID succeeds. Lock IDs are opaque strings of up to 1024
 * characters (the router refuses longer ones and control characters before asking), compared
 * exactly, byte for byte; file IDs are opaque too.
 *
 * Concurrency: calls on one file from several requests and several processes may arrive in any
 * order and overlap. Each must act on the lock as it is at that instant: two `lock` calls with
 * different IDs on an unlocked file give one `{ ok: true }` and one refusal naming the winner; a
 * `refreshLock` racing an `unlock` either refreshes (and the unlock then succeeds) or is refused
 * because the lock is gone, never resurrects it; `unlockAndRelock` is a compare-and-swap, never a
 * read followed by a write. Within one process the router also runs every lock change on a file
 * in that file's critical section, so a save's commit check never sees a lock change half done;
 * across processes only the store's atomicity holds.
 *
 * Cost: `getLock` is called on every lock operation, twice per save (before the body and at the
 * commit step), and by DeleteFile, RenameFile and PutRelativeFile: keep it to one round trip.
 * The published suite, `describeWopiLockStore` in `express-wopi/testing`, checks all of this.
 */

import type { LockStoreUnavailableError } from '../errors';

/** Result of a conditional lock operation. */
export type WopiLockOutcome =
  | { ok: true }
  | {
      ok: false;
      /** The lock on the file now, or `null` when the file is not locked. */
      currentLockId: string | null;
    };

/**
 * One WOPI lock per file ID (see above). Every method resolves with the answer or rejects with a
 * {@link LockStoreUnavailableError} when the store cannot give one; it never guesses.
 */
export interface WopiLockStore {
  /** The lock currently on the file, or `null` when there is none (or it has expired). */
  getLock(fileId: string): Promise<string | null>;

  /**
   * Lock: when the file is unlocked, set `lockId` with a fresh expiry; when it is already locked
   * with `lockId`, reset the expiry; otherwise refuse and report the current lock.
   */
  lock(fileId: string, lockId: string, ttlMs: number): Promise<WopiLockOutcome>;

  /** RefreshLock: when the file is locked with `lockId`, reset the expiry; otherwise refuse. */
  refreshLock(fileId: string, lockId: string, ttlMs: number): Promise<WopiLockOutcome>;

  /** Unlock: when the file is locked with `lockId`, remove the lock; otherwise refuse. */
  unlock(fileId: string, lockId: string): Promise<WopiLockOutcome>;

  /**
   * UnlockAndRelock (compare and swap): when the file is locked with `oldLockId`, replace it with
   * `newLockId` and a fresh expiry in one step; otherwise (unlocked, or another lock) refuse.
   */
  unlockAndRelock(fileId: string, oldLockId: string, newLockId: string, ttlMs: number): Promise<WopiLockOutcome>;
}
