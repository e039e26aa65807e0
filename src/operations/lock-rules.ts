/**
 * Shared steps of the lock operations: reading a required lock header and turning a refused
 * lock-store outcome into the 409 WOPI prescribes.
 */
import type { WopiContext } from '../context';
import type { LockOutcome } from '../adapters/locks';
import { BadRequestError, LockConflictError } from '../errors';
import { checkLockId } from '../protocol/lock-id';

/** The value of a required lock header; 400 when it is missing, empty or too long. */
export function requireLockHeader(ctx: WopiContext, headerName: string): string {
  const check = checkLockId(ctx.header(headerName), headerName);
  if (!check.ok) throw new BadRequestError(check.reason);
  return check.lockId;
}

/** Throws the 409 for a refused outcome; returns normally for an accepted one. */
export function assertLockAccepted(outcome: LockOutcome): void {
  if (outcome.ok) return;
  throw new LockConflictError(
    outcome.currentLockId,
    outcome.currentLockId === null ? 'File is not locked' : 'File is locked with a different lock ID',
  );
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
