/**
 * The metadata reads of the steady state, on the event loop where that is cheaper and safe.
 *
 * CheckFileInfo and every lock request stat their file, and GetFile opens and fstats it
 * (resolved-ids.ts). Through the thread pool, each of those is a hand-off to a worker thread and
 * a wake-up of the event loop when it is done: tens of microseconds of CPU on a virtual machine,
 * for a call the kernel answers in two or three from its inode cache. That hand-off was the
 * largest single cost of a CheckFileInfo after Node's own HTTP work (docs/performance.md).
 *
 * So, with `metadataReads: 'auto'` (the default), these reads run synchronously when the served
 * root is on a local Linux file system (ext4, XFS, Btrfs, tmpfs, overlayfs and the like, from
 * `statfs`): a stat of a file resolved moments ago costs less on the event loop than the hand-off
 * alone. Network and user-space file systems (NFS, SMB, FUSE, 9p, Ceph, cluster file systems),
 * other platforms, and anything unrecognised keep the thread pool: there a stat may wait on the
 * network, and must never hold the event loop.
 *
 * Even a local disk can be slow (a cold inode, a device in trouble): every synchronous read is
 * timed, and {@link SLOW_READS} that take longer than {@link SLOW_READ_NS} within
 * {@link SLOW_WINDOW_NS} send the reads of this storage back to the thread pool for a while
 * (30 s, doubled each time it happens again, up to 15 minutes), with a line on
 * `express-wopi:storage:fs`. One or two slow reads are not enough: a thread may be paused in the
 * middle of any call (another process on the CPU, a virtual CPU descheduled, a container's CPU
 * quota), and on a busy two-CPU machine that lands in a read a few times a minute, now and then
 * twice within a second (measured under `npm run bench`: pauses of 2–7 ms). Sending the reads to
 * the thread pool then would cost CPU where CPU is short, and gain nothing; a file system that is
 * really slow makes every read slow, and three in a row come within moments.
 *
 * Only reads, and two calls as short that a save makes: opening a folder for its fsync (a lookup,
 * as a stat is) and closing a descriptor with nothing left to write (read only, or fsynced).
 * Nothing that creates, renames, changes or syncs a file runs on the event loop, as a metadata
 * change may wait on the file system's journal.
 */
import { closeSync, fstatSync, lstatSync, openSync, statfs, statSync, type BigIntStats } from 'node:fs';
import { lstat, stat } from 'node:fs/promises';
import { log } from '../../log';
import { closeInBackground, fdClose, fdOpen, fdStat } from './jailed-folder';

const debug = log('storage:fs');

/**
 * How `FileSystemStorage` runs its steady-state metadata reads: `'auto'` on the event loop on a
 * local Linux file system, `'thread-pool'` always on the thread pool (`FileSystemStorageOptions.metadataReads`).
 */
export type MetadataReadsMode = 'auto' | 'thread-pool';

/** A synchronous read slower than this (1 ms) is slow. */
export const SLOW_READ_NS = 1_000_000n;
/** This many slow reads (3) within {@link SLOW_WINDOW_NS} send the reads to the thread pool for a while. */
export const SLOW_READS = 3;
/** The window for {@link SLOW_READS} (1 s). */
export const SLOW_WINDOW_NS = 1_000_000_000n;
/** How long the reads stay on the thread pool the first time (30 s); doubled each time after. */
export const FIRST_PAUSE_NS = 30_000_000_000n;
/** The longest they stay there (15 minutes). */
export const LONGEST_PAUSE_NS = 900_000_000_000n;

/**
 * `statfs` type numbers of local Linux file systems (linux/magic.h): a block device or memory
 * under this kernel, nothing on the other side of a network or a user-space daemon.
 */
const LOCAL_FILE_SYSTEMS: ReadonlyMap<number, string> = new Map([
  [0xef53, 'ext2/3/4'],
  [0x58465342, 'xfs'],
  [0x9123683e, 'btrfs'],
  [0x01021994, 'tmpfs'],
  [0x858458f6, 'ramfs'],
  [0xf2f52010, 'f2fs'],
  [0x2fc12fc1, 'zfs'],
  [0x794c7630, 'overlayfs'],
  [0x3153464a, 'jfs'],
  [0x52654973, 'reiserfs'],
  [0xca451a4e, 'bcachefs'],
]);

/** The name of a local file system type, or `undefined` for any other. */
export function localFileSystemName(type: number): string | undefined {
  return LOCAL_FILE_SYSTEMS.get(type);
}

export class MetadataReads {
  /** Whether reads run on the event loop now. */
  private onLoop = false;
  private decided: boolean;
  /** When the latest slow reads ended (clock nanoseconds), oldest first, at most SLOW_READS - 1. */
  private recentSlow: bigint[] = [];
  /** While paused after slow reads: when the reads go back to the event loop. */
  private resumeAt: bigint | undefined;
  private nextPause = FIRST_PAUSE_NS;

  /**
   * @param root the served folder: its file system decides
   * @param mode `'thread-pool'` never reads on the event loop
   * @param clock for tests: nanoseconds now
   */
  constructor(
    private readonly root: string,
    mode: MetadataReadsMode,
    private readonly clock: () => bigint = process.hrtime.bigint,
  ) {
    this.decided = mode === 'thread-pool' || process.platform !== 'linux';
  }

  /** Whether reads run on the event loop now (for tests and the debug log). */
  get synchronous(): boolean {
    return this.onLoop;
  }

  /**
   * Looks up the root's file system type once, in the background; until it answers, reads use
   * the thread pool. Resolves when decided (tests await it; requests never do).
   */
  decide(): Promise<void> {
    if (this.decided) return Promise.resolve();
    this.decided = true;
    return new Promise((resolve) => {
      try {
        statfs(this.root, (err, st) => {
          const name = err ? undefined : localFileSystemName(st.type);
          if (name !== undefined) this.onLoop = true;
          debug('metadata reads of %s: %s', this.root, name === undefined ? 'thread pool' : `on the event loop (${name})`);
          resolve();
        });
      } catch {
        // No statfs here: the thread pool, as on any file system not known to be local.
        resolve();
      }
    });
  }

  /** The file's metadata (following links, as `stat`), or `undefined` on any error. */
  statQuietly(path: string): BigIntStats | undefined | Promise<BigIntStats | undefined> {
    if (!this.readsOnLoop()) return stat(path, { bigint: true }).catch(() => undefined);
    const started = this.clock();
    try {
      return statSync(path, { bigint: true, throwIfNoEntry: false });
    } catch {
      return undefined;
    } finally {
      this.timed(started, 'stat');
    }
  }

  /**
   * Opens `path` for reading with `flags` and fstats the descriptor; `undefined` on any error (a
   * descriptor opened is then closed). The descriptor is the caller's to close.
   */
  openQuietly(
    path: string,
    flags: number,
  ): { fd: number; st: BigIntStats } | undefined | Promise<{ fd: number; st: BigIntStats } | undefined> {
    if (!this.readsOnLoop()) return openAsync(path, flags);
    const started = this.clock();
    let fd: number | undefined;
    try {
      fd = openSync(path, flags);
      return { fd, st: fstatSync(fd, { bigint: true }) };
    } catch {
      if (fd !== undefined) closeSync(fd);
      return undefined;
    } finally {
      this.timed(started, 'open');
    }
  }

  /** `stat` (following links), as `fs.promises.stat` with `bigint`: rejects as it does. */
  stat(path: string): Promise<BigIntStats> {
    return this.readsOnLoop() ? this.settled('stat', () => statSync(path, { bigint: true })) : stat(path, { bigint: true });
  }

  /** `lstat` (a link itself), as `fs.promises.lstat` with `bigint`. */
  lstat(path: string): Promise<BigIntStats> {
    return this.onLoop ? this.settled('lstat', () => lstatSync(path, { bigint: true })) : lstat(path, { bigint: true });
  }

  /** `fstat` of an open descriptor, with `bigint`. */
  fstat(fd: number): Promise<BigIntStats> {
    return this.readsOnLoop() ? this.settled('fstat', () => fstatSync(fd, { bigint: true })) : fdStat(fd, { bigint: true });
  }

  /** Opens the folder `path` for reading (to fsync it), as `fs.promises.open(path, 'r')` gives its descriptor. */
  openFolder(path: string): Promise<number> {
    return this.readsOnLoop() ? this.settled('open', () => openSync(path, 'r')) : fdOpen(path, 'r');
  }

  /**
   * Closes `fd`, which has nothing left to write (opened read only, or fsynced), without waiting
   * for it: on the event loop when reads run there (a close with nothing to flush takes a few
   * microseconds, a hand-off to the thread pool more), else in the background. A failure is only
   * logged: the descriptor is gone either way.
   */
  closeSynced(fd: number): void {
    if (!this.readsOnLoop()) {
      closeInBackground(fd);
      return;
    }
    const started = this.clock();
    try {
      closeSync(fd);
    } catch (err) {
      debug('close of descriptor %d failed: %s', fd, (err as Error).message);
    } finally {
      this.timed(started, 'close');
    }
  }

  /**
   * Whether this read runs on the event loop: the first read starts deciding, and a pause after
   * slow reads ends when its time has come.
   */
  private readsOnLoop(): boolean {
    if (this.onLoop) return true;
    if (!this.decided) void this.decide();
    else if (this.resumeAt !== undefined && this.clock() >= this.resumeAt) {
      this.resumeAt = undefined;
      this.onLoop = true;
      debug('metadata reads of %s: back on the event loop', this.root);
    }
    return this.onLoop;
  }

  /** `call` run now, timed, its result or error as a settled promise. */
  private settled<T>(what: string, call: () => T): Promise<T> {
    const started = this.clock();
    try {
      return Promise.resolve(call());
    } catch (err) {
      return Promise.reject(err);
    } finally {
      this.timed(started, what);
    }
  }

  private timed(started: bigint, what: string): void {
    const ended = this.clock();
    const took = ended - started;
    if (took <= SLOW_READ_NS || !this.onLoop) return;
    const ms = (Number(took) / 1e6).toFixed(1);
    const recent = this.recentSlow.filter((at) => ended - at <= SLOW_WINDOW_NS);
    if (recent.length < SLOW_READS - 1) {
      recent.push(ended);
      this.recentSlow = recent;
      debug('a %s in %s took %s ms on the event loop', what, this.root, ms);
      return;
    }
    this.recentSlow = [];
    this.onLoop = false;
    this.resumeAt = ended + this.nextPause;
    debug(
      'a %s in %s took %s ms on the event loop, %d slow reads within a second: metadata reads use the thread pool for %d s',
      what,
      this.root,
      ms,
      SLOW_READS,
      Number(this.nextPause / 1_000_000_000n),
    );
    this.nextPause = this.nextPause * 2n > LONGEST_PAUSE_NS ? LONGEST_PAUSE_NS : this.nextPause * 2n;
  }
}

async function openAsync(path: string, flags: number): Promise<{ fd: number; st: BigIntStats } | undefined> {
  const fd = await fdOpen(path, flags).catch(() => undefined);
  if (fd === undefined) return undefined;
  try {
    return { fd, st: await fdStat(fd, { bigint: true }) };
  } catch {
    await fdClose(fd).catch(() => undefined);
    return undefined;
  }
}
