/**
 * What each file ID led to when last resolved in full through the root jail: its path, its real
 * path and its inode. CheckFileInfo and every lock request read a file's metadata, so this is
 * tried first, with one stat (or, for a read, one open and fstat): when that reaches the very
 * same inode as then (device, inode number and change time), nothing about the file has moved. A
 * rename or delete, by this process or another, a hard link, a link put in place of a folder on
 * the way, a save (a new inode) or any other change to the file changes one of the three, and the
 * caller resolves in full again. Only what the jail opened and checked is ever remembered, so a
 * race lost once is never served again from here.
 */
import type { BigIntStats } from 'node:fs';
import { BoundedMap } from '../../util/bounded-map';
import { fdClose, READ_FLAGS } from './jailed-folder';
import type { MetadataReads } from './metadata-reads';

/** How many resolutions are kept in memory. */
const MAX_RESOLVED = 10_000;

interface Resolved {
  rel: string;
  real: string;
  dev: bigint;
  ino: bigint;
  ctimeNs: bigint;
}

export class ResolvedIds {
  private readonly known = new BoundedMap<string, Resolved>(MAX_RESOLVED);

  /** @param reads how the checks read metadata (on the event loop on a local disk: metadata-reads.ts) */
  constructor(private readonly reads: MetadataReads) {}

  /** Notes that `fileId` led to the regular file `rel` (real path `real`), as the jail found it. */
  remember(fileId: string, rel: string, real: string, st: BigIntStats): void {
    this.known.set(fileId, { rel, real, dev: st.dev, ino: st.ino, ctimeNs: st.ctimeNs });
  }

  forget(fileId: string): void {
    this.known.delete(fileId);
  }

  /** The path and metadata of `fileId` when its remembered inode is unchanged; else `undefined` (and forgotten). */
  async statIfUnchanged(fileId: string): Promise<{ rel: string; st: BigIntStats } | undefined> {
    const known = this.known.get(fileId);
    if (known === undefined) return undefined;
    const st = await this.reads.statQuietly(known.real);
    if (st?.isFile() && sameInode(st, known)) return { rel: known.rel, st };
    this.known.delete(fileId);
    return undefined;
  }

  /**
   * {@link statIfUnchanged} for a file directly in the root, else `undefined` without a look: a
   * save (writeFile) then knows the file's name and mode from one stat, with no ID record to
   * read. Only there, as for {@link openIfUnchanged}: the folder a save writes into is reached by
   * path only for the root.
   */
  async statInRootIfUnchanged(fileId: string): Promise<{ rel: string; st: BigIntStats } | undefined> {
    const known = this.known.get(fileId);
    if (known === undefined || known.rel.includes('/')) return undefined;
    return this.statIfUnchanged(fileId);
  }

  /**
   * As {@link statIfUnchanged}, checked on an open descriptor: the bytes read are the very inode
   * that was resolved inside the root. The descriptor is the caller's to close.
   *
   * Only for files directly in the root: there the path has no folder that could be swapped for a
   * link, and the file itself is opened with `O_NOFOLLOW`. A file in a sub-folder is opened
   * through the jail every time, so nothing outside the root is ever opened, not even to be
   * closed unread (opening some devices has effects of its own).
   */
  async openIfUnchanged(fileId: string): Promise<{ rel: string; fd: number; st: BigIntStats } | undefined> {
    const known = this.known.get(fileId);
    if (known === undefined || known.rel.includes('/')) return undefined;
    const opened = await this.reads.openQuietly(known.real, READ_FLAGS);
    if (opened !== undefined) {
      const { fd, st } = opened;
      if (st.isFile() && sameInode(st, known)) return { rel: known.rel, fd, st };
      await fdClose(fd).catch(() => undefined);
    }
    this.known.delete(fileId);
    return undefined;
  }
}

/** Whether `st` is the inode `known` describes, unchanged since (device, inode number, change time). */
function sameInode(st: BigIntStats, known: { dev: bigint; ino: bigint; ctimeNs: bigint }): boolean {
  return st.dev === known.dev && st.ino === known.ino && st.ctimeNs === known.ctimeNs;
}
