/**
 * Where a lock is judged: reading a required lock header, turning a refused lock-store outcome
 * into the 409 WOPI prescribes, and the save rules PutFile and PutRelativeFile check once before
 * the body and once more at the commit step. Every 409 an operation answers is built here; no
 * operation builds a `LockConflictError` itself, and each one about a lock is reported as a
 * `lockConflict` event ({@link conflict}).
 */
import type { WopiContext } from '../context';
import type { WopiLockOutcome } from '../adapters/locks';
import type { WopiFileInfo } from '../adapters/storage';
import { BadRequestError, DocumentChangedError, LockConflictError } from '../errors';
import { HEADER } from '../protocol/headers';
import { checkLockId, lockIdsMatch } from '../protocol/lock-id';
import { timestampMatches } from '../protocol/timestamp';
import { emit } from '../event-dispatch';

/** `X-WOPI-LockFailureReason` when the request's lock is not the file's. */
export const DIFFERENT_LOCK = 'File is locked with a different lock ID';

/** The value of a required lock header; 400 when it is missing, empty or too long. */
export function requireLockHeader(ctx: WopiContext, headerName: string): string {
  const check = checkLockId(ctx.header(headerName), headerName);
  if (!check.ok) throw new BadRequestError(check.reason);
  return check.lockId;
}

/**
 * Throws the 409 for a refused outcome; returns normally for an accepted one. `requestLock` is
 * the lock the request presented (the old lock for UnlockAndRelock).
 */
export function assertLockAccepted(ctx: WopiContext, outcome: WopiLockOutcome, requestLock: string): void {
  if (outcome.ok) return;
  const reason = outcome.currentLockId === null ? 'File is not locked' : DIFFERENT_LOCK;
  throw conflict(ctx, ctx.fileId, requestLock, outcome.currentLockId, reason);
}

/**
 * The rule of the operations that may run on an unlocked file but must match a lock that is
 * there (RenameFile, PutRelativeFile's original): 409 with the current lock when the file is
 * locked and `requestLock` is not that lock.
 */
export function assertLockHeld(ctx: WopiContext, currentLock: string | null, requestLock: string | undefined): void {
  if (currentLock === null) return;
  // The store's comparison (exact, or Office lock IDs on `S`), as its own atomic steps apply it.
  if (requestLock !== undefined && lockIdsMatch(currentLock, requestLock, ctx.options.locks.lockIdComparison)) return;
  throw conflict(ctx, ctx.fileId, requestLock, currentLock, DIFFERENT_LOCK);
}

/**
 * PutFile's lock rule (seed 001): a locked file needs the matching `X-WOPI-Lock`, whatever the
 * options say; an unlocked file may be written only while it is 0 bytes, or at any size with
 * `unlockedSaves: 'allow'` (for editors that save without locking). Throws the 409.
 */
export function assertPutFileLock(ctx: WopiContext, file: WopiFileInfo, currentLock: string | null, requestLock: string | undefined): void {
  if (currentLock !== null) {
    assertLockHeld(ctx, currentLock, requestLock);
    return;
  }
  if (file.size === 0) return;
  if (ctx.options.unlockedSaves === 'allow') {
    ctx.log('not locked and not empty, allowed by unlockedSaves: allow (requested lock %j)', requestLock ?? null);
    return;
  }
  throw conflict(ctx, ctx.fileId, requestLock, null, 'File is not locked and is not empty');
}

/**
 * Whether a save is based on an older version than the stored one: Collabora's (and ONLYOFFICE's)
 * timestamp header was sent and differs from the file's `LastModifiedTime`. No timestamp (an
 * editor that sends none, or Collabora's forced "overwrite"): never stale.
 */
export function isStaleSave(file: WopiFileInfo, timestamp: string | undefined): timestamp is string {
  return timestamp !== undefined && timestamp !== '' && !timestampMatches(timestamp, file.lastModifiedTime);
}

/**
 * PutFile's whole rule, as the commit step checks it: {@link assertPutFileLock}, then Collabora's
 * timestamp, when sent, must equal the file's `LastModifiedTime` (409 `{"COOLStatusCode":1010}`).
 * Throws the answer.
 */
export function assertPutFileAllowed(
  ctx: WopiContext,
  file: WopiFileInfo,
  currentLock: string | null,
  requestLock: string | undefined,
  timestamp: string | undefined,
): void {
  assertPutFileLock(ctx, file, currentLock, requestLock);
  if (isStaleSave(file, timestamp)) throw new DocumentChangedError(currentLock);
}

/** PutRelativeFile's and CreateChildFile's rule for the file `targetFileId` they would replace: only an unlocked one. */
export function assertReplaceable(ctx: WopiContext, targetFileId: string, targetLock: string | null): void {
  if (targetLock !== null) throw conflict(ctx, targetFileId, undefined, targetLock, 'The target file is locked');
}

/** DeleteFile's rule: only an unlocked file, whoever holds the lock (409 with it). */
export function assertDeletable(ctx: WopiContext, currentLock: string | null): void {
  if (currentLock !== null) throw conflict(ctx, ctx.fileId, undefined, currentLock, 'File is locked');
}

/** The 409 for a lock that refused the request, reported first as a `lockConflict` event. */
function conflict(
  ctx: WopiContext,
  fileId: string,
  requestLock: string | undefined,
  currentLock: string | null,
  reason: string,
): LockConflictError {
  // What "the editor cannot save" comes down to, on the request's own debug line: which lock the
  // request presented and which one the file has (lock IDs are not secrets; tokens never appear).
  ctx.log('409 %s: requested lock %j, current lock %j', reason, requestLock ?? null, currentLock);
  emit(ctx, 'lockConflict', { fileId, requestedLockId: requestLock ?? null, currentLockId: currentLock, reason });
  return new LockConflictError(currentLock, reason);
}

/**
 * PutRelativeFile's 409 for an exact name that is taken (and may not be overwritten): the lock of
 * the file that has the name (`null` when none), and `X-WOPI-ValidRelativeTarget` with a free
 * name, UTF-7 encoded, when one was found.
 */
export function nameTakenConflict(existingLock: string | null, validRelativeTarget: string | undefined): LockConflictError {
  const headers: Record<string, string> = validRelativeTarget === undefined ? {} : { [HEADER.validRelativeTarget]: validRelativeTarget };
  return new LockConflictError(existingLock, 'A file with this name already exists', { headers });
}

/**
 * The value of an optional lock header (PutFile, PutRelativeFile): `undefined` when absent or
 * empty, 400 when present but not a valid lock ID.
 */
export function optionalLockHeader(ctx: WopiContext, headerName: string): string | undefined {
  const raw = ctx.header(headerName);
  if (raw === undefined || raw === '') return undefined;
  return requireLockHeader(ctx, headerName);
}
