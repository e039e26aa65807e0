/** The options and public types of FileSystemStorage, and their validation. */
import path from 'node:path';
import { WopiConfigError } from '../../errors';
import { DEFAULT_OWNER_ID } from '../file-id';
import { DEFAULT_USER_INFO_RECHECK_MS } from './user-info';

export interface FileSystemStorageOptions {
  /** The folder whose files are served. Nothing outside it is ever read or written. */
  root: string;
  /**
   * Folder for the file-ID records (which ID names which file). Default `<root>/.express-wopi`.
   * Several processes serving the same root share it, so they agree on every file's ID.
   */
  metadataDir?: string;
  /** CheckFileInfo `OwnerId` for every file. Default `"express-wopi"`. */
  ownerId?: string;
  /** fsync each written file and its folder before a save is reported done. Default true. */
  fsync?: boolean;
  /**
   * How long user info (PutUserInfo, CheckFileInfo `UserInfo`) read from disk is used before the
   * disk is asked again whether another process stored something new, in milliseconds. What this
   * instance stores itself is seen at once. `0` asks on every CheckFileInfo. Default 1000.
   */
  userInfoRecheckMs?: number;
}

/** One file under the root, as {@link FileSystemStorage.list} reports it. */
export interface FileSystemEntry {
  fileId: string;
  /** File name with extension. */
  name: string;
  /** Path relative to the root, with `/` separators. */
  path: string;
}

/** The options with defaults filled in and paths made absolute. */
export interface ResolvedFsOptions {
  root: string;
  metadataDir: string;
  ownerId: string;
  fsync: boolean;
  userInfoRecheckMs: number;
}

/** Checks `options` (a `WopiConfigError` naming the bad one) and fills in the defaults. */
export function resolveFsOptions(options: FileSystemStorageOptions): ResolvedFsOptions {
  if (typeof options !== 'object' || options === null || typeof options.root !== 'string' || options.root === '') {
    throw new WopiConfigError('ERR_WOPI_STORAGE', 'FileSystemStorage: `root` must be a non-empty path');
  }
  const root = path.resolve(options.root);
  const recheck = options.userInfoRecheckMs ?? DEFAULT_USER_INFO_RECHECK_MS;
  if (!Number.isInteger(recheck) || recheck < 0) {
    throw new WopiConfigError('ERR_WOPI_STORAGE', 'FileSystemStorage: `userInfoRecheckMs` must be a non-negative integer (milliseconds)');
  }
  return {
    root,
    metadataDir: path.resolve(options.metadataDir ?? path.join(root, '.express-wopi')),
    ownerId: options.ownerId || DEFAULT_OWNER_ID,
    fsync: options.fsync ?? true,
    userInfoRecheckMs: recheck,
  };
}
