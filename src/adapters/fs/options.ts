/** The options and public types of FileSystemStorage, and their validation. */
import path from 'node:path';
import { OptionChecks } from '../../util/validate';
import { DEFAULT_OWNER_ID } from '../file-id';
import type { MetadataReadsMode } from './metadata-reads';

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
   * The root container's name (CheckContainerInfo `Name` of the served folder). Default the
   * served folder's own name.
   */
  rootName?: string;
  /**
   * How the metadata reads of the steady state run: the stat behind each CheckFileInfo and lock
   * request, the open and fstat of each GetFile, of files resolved before.
   *
   * - `'auto'` (default): synchronously, on the event loop, when the root is on a local Linux
   *   file system (ext4, XFS, Btrfs, tmpfs, overlayfs, …): a few microseconds each, where the
   *   thread pool's hand-off costs tens (docs/performance.md). On the thread pool on network and
   *   user-space file systems (NFS, SMB, FUSE, …) and on other platforms; and for a while (30 s,
   *   doubled each time, up to 15 minutes) after two synchronous reads within a second took longer
   *   than 1 ms each.
   * - `'thread-pool'`: always on the thread pool.
   *
   * Writes, renames and syncs always run on the thread pool.
   */
  metadataReads?: MetadataReadsMode;
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
  rootName: string;
  metadataReads: MetadataReadsMode;
}

/** Checks `options` (a `WopiConfigError` naming the bad one) and fills in the defaults. */
export function resolveFsOptions(options: FileSystemStorageOptions): ResolvedFsOptions {
  const check = new OptionChecks('FileSystemStorage');
  check.options(options, 'with a `root`');
  const root = path.resolve(check.requiredNonEmptyString('root', options.root, 'the folder to serve'));
  const metadataDir = check.nonEmptyString('metadataDir', options.metadataDir, undefined);
  return {
    root,
    metadataDir: path.resolve(metadataDir ?? path.join(root, '.express-wopi')),
    // An empty `ownerId` has always meant the default.
    ownerId: check.string('ownerId', options.ownerId, '') || DEFAULT_OWNER_ID,
    fsync: check.boolean('fsync', options.fsync, true),
    // The folder's own name; `/` when the root of the file system is served.
    rootName: check.nonEmptyString('rootName', options.rootName, undefined) ?? (path.basename(root) || root),
    metadataReads: check.oneOf('metadataReads', options.metadataReads, ['auto', 'thread-pool'], 'auto'),
  };
}
