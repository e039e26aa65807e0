/**
 * Folders inside the root, held open: a {@link JailedFolder} reaches the names in it through what
 * was opened (on Linux its descriptor, `/proc/self/fd/<fd>/<name>`), so a rename, link, unlink or
 * create acts in the folder that was checked, whatever happens to the path meanwhile.
 */
import { close, constants, fstat, fsync, open as openFd, readdirSync, statSync, type BigIntStats, type Dirent } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { log } from '../../log';
import type { MetadataReads } from './metadata-reads';
import { errorCode } from './errno';

const debug = log('storage:fs');

export const fdOpen = promisify(openFd);
export const fdClose = promisify(close);
export const fdStat = promisify(fstat) as (fd: number, options: { bigint: true }) => Promise<BigIntStats>;
const fdSync = promisify(fsync);

export const FOLDER_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
/** A file opened for reading: never through a link, and never blocking on a FIFO put in its place. */
export const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** A folder inside the root, opened: names in it are reached through what was opened. */
export interface JailedFolder {
  /** The folder's path relative to the root, `''` for the root itself. */
  readonly rel: string;
  /** A path that reaches `name` in this very folder (`''`: the folder itself). */
  path(name: string): string;
  /** The names in the folder. */
  names(): Promise<string[]>;
  /** The names in the folder, with their types (see {@link listTyped}). */
  list(): Promise<Dirent[]>;
  /** fsync the folder, so a rename or link in it is durable. */
  sync(): Promise<void>;
  /**
   * Says that {@link sync} will follow: whatever it needs opened is opened now, in the
   * background, so that the sync after a rename is one trip to the thread pool, not three.
   * Closed by {@link close} if unused.
   */
  syncSoon(): void;
  /** The folder's own metadata (its device and inode say which folder it is). */
  stat(): Promise<BigIntStats>;
  close(): Promise<void>;
}

/** The root (or, without /proc/self/fd, a checked folder), reached by path. */
export class PathFolder implements JailedFolder {
  /** The folder being opened for a {@link sync} announced by {@link syncSoon}. */
  private opening: Promise<number> | undefined;

  constructor(
    private readonly abs: string,
    readonly rel: string,
    private readonly reads?: MetadataReads,
  ) {}

  path(name: string): string {
    return name === '' ? this.abs : path.join(this.abs, name);
  }

  names(): Promise<string[]> {
    return readdir(this.abs);
  }

  list(): Promise<Dirent[]> {
    return listTyped(this.abs);
  }

  async sync(): Promise<void> {
    const opening = this.opening ?? this.openSelf();
    this.opening = undefined;
    const fd = await opening;
    try {
      await syncFolder(fd);
    } finally {
      // Nothing waits for the close: the fsync has done all a folder's descriptor is for.
      closeSynced(fd, this.reads);
    }
  }

  syncSoon(): void {
    // Where reads run on the event loop, opening the folder when it is synced costs less than
    // a hand-off to the thread pool now.
    if (this.opening !== undefined || this.reads?.synchronous) return;
    this.opening = this.openSelf();
    this.opening.catch(() => undefined); // reported by sync(), which awaits it
  }

  private openSelf(): Promise<number> {
    return this.reads ? this.reads.openFolder(this.abs) : fdOpen(this.abs, 'r');
  }

  stat(): Promise<BigIntStats> {
    return this.reads ? this.reads.lstat(this.abs) : lstat(this.abs, { bigint: true });
  }

  async close(): Promise<void> {
    const opening = this.opening;
    if (opening === undefined) return;
    this.opening = undefined;
    const fd = await opening.catch(() => undefined);
    if (fd !== undefined) await fdClose(fd).catch(() => undefined);
  }
}

/** A folder below the root, held open: `/proc/self/fd/<fd>/<name>` reaches names in it. */
export class DescriptorFolder implements JailedFolder {
  private closed = false;

  constructor(
    private readonly fd: number,
    readonly rel: string,
    private readonly reads?: MetadataReads,
  ) {}

  path(name: string): string {
    return name === '' ? `/proc/self/fd/${this.fd}` : `/proc/self/fd/${this.fd}/${name}`;
  }

  names(): Promise<string[]> {
    return readdir(this.path(''));
  }

  list(): Promise<Dirent[]> {
    return listTyped(this.path(''));
  }

  sync(): Promise<void> {
    return syncFolder(this.fd);
  }

  syncSoon(): void {} // already open

  stat(): Promise<BigIntStats> {
    return this.reads ? this.reads.fstat(this.fd) : fdStat(this.fd, { bigint: true });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await fdClose(this.fd);
  }
}

/**
 * The entries of `dir` with their types. Where the file system gives no types (some FUSE file
 * systems), Node looks each entry up after listing, and an entry removed in between (another
 * request's temporary file) fails the whole listing: then the entries still there are listed.
 */
async function listTyped(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (errorCode(err) !== 'ENOENT') throw err;
  }
  const entries: Dirent[] = [];
  for (const name of await readdir(dir)) {
    const st = await lstat(path.join(dir, name)).catch(() => undefined);
    if (st !== undefined) entries.push(Object.assign(st, { name, parentPath: dir, path: dir }) as unknown as Dirent);
  }
  return entries;
}

/** Closes `fd` in the background; a failure is only logged (the descriptor is gone either way). */
export function closeInBackground(fd: number): void {
  fdClose(fd).catch((err: unknown) => debug('close of descriptor %d failed: %s', fd, (err as Error).message));
}

/**
 * Closes `fd`, which has nothing left to write, without waiting for it: through `reads` (on the
 * event loop where metadata reads run there), else in the background.
 */
export function closeSynced(fd: number, reads: MetadataReads | undefined): void {
  if (reads === undefined) closeInBackground(fd);
  else reads.closeSynced(fd);
}

async function syncFolder(fd: number): Promise<void> {
  try {
    await fdSync(fd);
  } catch (err) {
    // Some file systems do not support fsync on a folder; the data itself is already synced.
    if (errorCode(err) !== 'EINVAL' && errorCode(err) !== 'EISDIR') throw err;
  }
}

let procFd: boolean | undefined;

/**
 * Whether `/proc/self/fd/<fd>/<name>` reaches names in an open folder here (Linux with /proc
 * mounted). Checked once per process: the root folder listed through its descriptor must list
 * what it lists by path.
 */
export async function procFdWorks(): Promise<boolean> {
  if (procFd !== undefined) return procFd;
  try {
    const fd = await fdOpen('/', FOLDER_FLAGS);
    try {
      procFd = statSync(`/proc/self/fd/${fd}/.`).ino === statSync('/').ino && readdirSync(`/proc/self/fd/${fd}`).length > 0;
    } finally {
      await fdClose(fd);
    }
  } catch {
    procFd = false;
  }
  if (!procFd) debug('/proc/self/fd is not available: folders are checked by path (docs/security.md)');
  return procFd;
}
