/**
 * What a user may do, with the defaults the permission fields document: `create` defaults
 * to `write`, and renaming needs write access plus `rename` (which also defaults to `write`).
 */
import type { WopiUser } from '../adapters/auth';

export function canWrite(user: WopiUser): boolean {
  return user.permissions.write === true;
}

/** May create files next to this one (PutRelativeFile); CheckFileInfo `UserCanNotWriteRelative` is its negation. */
export function canCreate(user: WopiUser): boolean {
  return user.permissions.create ?? canWrite(user);
}

/** May rename the file (CheckFileInfo `UserCanRename`). */
export function canRename(user: WopiUser): boolean {
  return canWrite(user) && (user.permissions.rename ?? true);
}
