/**
 * What a principal may do, with the defaults the permission fields document: `create` defaults
 * to `write`, and renaming needs write access plus `rename` (which also defaults to `write`).
 */
import type { WopiPrincipal } from '../adapters/auth';

export function canWrite(user: WopiPrincipal): boolean {
  return user.permissions.write === true;
}

/** May create files next to this one (PutRelativeFile); CheckFileInfo `UserCanNotWriteRelative` is its negation. */
export function canCreate(user: WopiPrincipal): boolean {
  return user.permissions.create ?? canWrite(user);
}

/** May rename the file (CheckFileInfo `UserCanRename`). */
export function canRename(user: WopiPrincipal): boolean {
  return canWrite(user) && (user.permissions.rename ?? true);
}
