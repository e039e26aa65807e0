import { randomBytes } from 'node:crypto';

/** File IDs the built-in storages hand out: 22 URL-safe characters (128 random bits). */
export function newFileId(): string {
  return randomBytes(16).toString('base64url');
}

/** Shape of a file ID the built-in storages accept; anything else is "not found" without I/O. */
export const FILE_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/** `OwnerId` the built-in storages report when none is configured. */
export const DEFAULT_OWNER_ID = 'express-wopi';
