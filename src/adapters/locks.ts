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
 * Office lock IDs (opt-in): a store whose `lockIdComparison` is `'office'` also takes two
 * Office lock IDs with the same `S` for the same lock (`lockIdsMatch` in `protocol/lock-id`),
 * and does so inside the same atomic step as every other comparison. A request that matches
 * that way acts on the lock that is there: Lock and RefreshLock reset its expiry and keep the
 * stored lock ID, Unlock releases it, UnlockAndRelock replaces it. A refusal, and `getLock`,
 * always report the stored lock ID, never the request's.
 *
 * Administration (optional, host-side, never a WOPI operation): `inspectLock` reads a lock with
 * its age and expiry, `forceUnlock` releases whatever lock is on a file, and `listLocks` walks
 * every lock in the store. A store implements `inspectLock` and `forceUnlock` together, and
 * `listLocks` when its backend can enumerate.
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
import type { WopiLockIdComparison } from '../protocol/lock-id';

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

  /**
   * How this store compares lock IDs: `'exact'` (the default, also when absent) or `'office'`
   * (Office lock IDs match on `S`). The router reads it to apply the same rule where it compares
   * a request's lock with `getLock`'s answer itself (PutFile, RenameFile, PutRelativeFile). A
   * store that offers `'office'` must apply it inside `lock`, `refreshLock`, `unlock` and
   * `unlockAndRelock` (the old lock ID), atomically.
   */
  readonly lockIdComparison?: WopiLockIdComparison;

  /**
   * Administration: the lock on the file with its age and expiry, or `null` when there is none
   * (or it has expired). One atomic read: the lock ID, `lockedAt` and `expiresAt` describe the
   * same lock. Optional; a store that has it also has {@link forceUnlock}.
   */
  inspectLock?(fileId: string): Promise<WopiLockInfo | null>;

  /**
   * Administration: removes the lock on the file, whatever its ID, and resolves `true`, or
   * `false` when the file was not locked. For a stuck lock (an editor that will never unlock).
   * The editor that held it finds out at its next lock request or save (409). To release only
   * a particular lock, call `unlock(fileId, lockId)` instead.
   */
  forceUnlock?(fileId: string): Promise<boolean>;

  /**
   * Administration: every unexpired lock in the store, in no particular order, without holding
   * them all in memory at once where the backend can page. A lock that exists for the whole
   * listing is reported exactly once; one set, changed or released meanwhile may or may not
   * be, and may be reported as it was at any moment of the listing. Optional, for stores that
   * can enumerate their locks; a failure rejects the iteration with
   * {@link LockStoreUnavailableError}.
   */
  listLocks?(): AsyncIterable<WopiListedLock>;
}

/** A lock as administration reads it ({@link WopiLockStore.inspectLock}). */
export interface WopiLockInfo {
  /** The lock ID on the file, exactly as stored. */
  lockId: string;
  /**
   * When this lock ID was put on the file: by a Lock on an unlocked file, or by UnlockAndRelock.
   * Refreshing does not change it. `null` when the store does not know: `RedisLockStore`
   * reports it for a lock written by express-wopi 0.1.0, which did not record it.
   */
  lockedAt: Date | null;
  /**
   * When the lock expires unless it is refreshed first. `null` only for a lock without an expiry,
   * which express-wopi never writes (a key set by hand, say): such a lock stays until released.
   */
  expiresAt: Date | null;
}

/** One entry of {@link WopiLockStore.listLocks}. */
export interface WopiListedLock extends WopiLockInfo {
  fileId: string;
}

/**
 * Whether an editor holds a lock on the file, for the host's own write paths (an upload form, a
 * sync job) to check before they replace a file's content: `true` while a WOPI lock is on it.
 * Works with any lock store (it asks `getLock`). It rejects, as the store does, when the store
 * cannot answer (`LockStoreUnavailableError`): treat that as "locked", not as "free".
 *
 * ```ts
 * if (await isFileLocked(locks, fileId)) return res.status(409).send('Being edited in an editor');
 * ```
 */
export async function isFileLocked(locks: WopiLockStore, fileId: string): Promise<boolean> {
  return (await locks.getLock(fileId)) !== null;
}
