/**
 * The root jail: every path FileSystemStorage opens, creates, renames or removes is reached from
 * the served folder without following a symbolic link, and what was opened is what is used.
 *
 * On Linux a folder is opened one part at a time with `O_NOFOLLOW | O_DIRECTORY`, each part
 * relative to the descriptor of the one before (through `/proc/self/fd/<fd>/<name>`, Node's way to
 * say `openat`), and names inside it are reached through its descriptor too. A folder swapped
 * for a link while a request runs makes the request fail (404); it cannot lead it outside the
 * root, and a rename, link or unlink through the descriptor acts in the folder that was checked.
 * The root itself is trusted (whoever can replace it can replace the configuration).
 *
 * Where `/proc/self/fd` is not available (macOS, Windows) each part is checked with `lstat`
 * before use: the same refusals, with the window between check and use that Node cannot close
 * without `openat` (docs/security.md).
 */
import type { BigIntStats } from 'node:fs';
import { lstat, realpath } from 'node:fs/promises';
import path from 'node:path';
import { FileNotFoundError } from '../../errors';
import { log } from '../../log';
import { BoundedMap } from '../../util/bounded-map';
import { errorCode, folderOf, isInside, joinRel, nameOf, notFound, regularFile } from './errno';
import {
  DescriptorFolder,
  FOLDER_FLAGS,
  PathFolder,
  READ_FLAGS,
  fdClose,
  fdOpen,
  fdStat,
  procFdWorks,
  type JailedFolder,
} from './jailed-folder';

import type { MetadataReads } from './metadata-reads';

const debug = log('storage:fs');

/** How many accepted paths {@link RootJail.normalise} remembers. */
const NORMALISED_PATHS = 4096;

export class RootJail {
  private realRootPromise: Promise<string> | undefined;
  private realRootDir: string | undefined;
  /** {@link normalise}'s answers for paths it accepted (pure: the same path, the same answer). */
  private readonly normalised = new BoundedMap<string, string>(NORMALISED_PATHS);

  constructor(
    /** The served folder, absolute, as configured. */
    readonly root: string,
    /** The metadata folder, absolute; never served. */
    private readonly metadataDir: string,
    /** How folder and file stats run (metadata-reads.ts); the thread pool when not given. */
    private readonly reads?: MetadataReads,
  ) {}

  /** The real path of the served folder (links resolved), computed once. */
  realRoot(): Promise<string> {
    this.realRootPromise ??= realpath(this.root).then(
      (real) => (this.realRootDir = real),
      (err: unknown) => {
        this.realRootPromise = undefined;
        throw err;
      },
    );
    return this.realRootPromise;
  }

  /** The absolute path of `rel` under the real root; only after {@link realRoot} has resolved. */
  absolute(rel: string): string {
    return path.join(this.realRootDir as string, rel);
  }

  /**
   * `relativePath` as a clean posix path relative to the root, or FileNotFoundError when it could
   * name something outside the root or inside the metadata folder.
   */
  normalise(relativePath: string): string {
    // Every request resolves its file ID to the same few paths: the answer for a path is kept
    // once the real root is known (the answer depends on it, and never changes after).
    const known = this.normalised.get(relativePath);
    if (known !== undefined) return known;
    if (typeof relativePath !== 'string' || relativePath.includes('\0')) throw new FileNotFoundError();
    const rel = path.posix.normalize(relativePath.replaceAll('\\', '/'));
    if (rel === '' || rel === '.' || path.posix.isAbsolute(rel) || rel === '..' || rel.startsWith('../')) {
      throw new FileNotFoundError();
    }
    if (this.isMetadataPath(path.join(this.root, rel))) throw new FileNotFoundError();
    if (this.realRootDir !== undefined) this.normalised.set(relativePath, rel);
    return rel;
  }

  /**
   * Whether `p` is the metadata folder or inside it, comparing both as given and with links
   * resolved (the root, and so the metadata folder, may be reached through a link).
   */
  isMetadataPath(p: string, realRootDir = this.realRootDir): boolean {
    const inside = (dir: string): boolean => p === dir || isInside(p, dir);
    if (inside(this.metadataDir)) return true;
    if (realRootDir === undefined) return false;
    return inside(path.join(realRootDir, path.relative(this.root, this.metadataDir)));
  }

  /** Whether the entry `name` of the folder `folderRel` would be the metadata folder or inside it. */
  isMetadataEntry(folderRel: string, name: string): boolean {
    return this.isMetadataPath(path.join(this.root, joinRel(folderRel, name)));
  }

  /**
   * Whether the metadata folder is inside the folder `rel` (`''`: the root), as given or with
   * links resolved: such a folder is never renamed or removed.
   */
  holdsMetadata(rel: string): boolean {
    const holds = (root: string): boolean => {
      const folder = path.join(root, rel);
      const meta = path.join(root, path.relative(this.root, this.metadataDir));
      return meta === folder || isInside(meta, folder);
    };
    return holds(this.root) || (this.realRootDir !== undefined && holds(this.realRootDir));
  }

  /**
   * Where the path `relativePath` really leads, as a path relative to the real root: symbolic
   * links inside the root are followed to their target, so a link never names a file of its own.
   * FileNotFoundError when it leads outside the root or into the metadata folder.
   */
  async resolveLinks(relativePath: string): Promise<string> {
    const rel = this.normalise(relativePath);
    const realRootDir = await this.realRoot();
    const real = await realpath(path.join(this.root, rel)).catch(notFound);
    if (!isInside(real, realRootDir) || this.isMetadataPath(real, realRootDir)) {
      debug('refused a path that leaves the root');
      throw new FileNotFoundError();
    }
    return path.relative(realRootDir, real).split(path.sep).join('/');
  }

  /** Opens the folder `rel` (normalised, `''` for the root) without following a link on the way; 404 when it cannot. */
  async openFolder(rel: string): Promise<JailedFolder> {
    const realRootDir = await this.realRoot();
    if (rel === '') return new PathFolder(realRootDir, '', this.reads);
    if (!(await procFdWorks())) return this.checkFolderPath(realRootDir, rel);
    let fd: number | undefined;
    try {
      for (const part of rel.split('/')) {
        const next = await fdOpen(fd === undefined ? path.join(realRootDir, part) : `/proc/self/fd/${fd}/${part}`, FOLDER_FLAGS).catch(
          notFound,
        );
        if (fd !== undefined) await fdClose(fd);
        fd = next;
      }
    } catch (err) {
      if (fd !== undefined) await fdClose(fd).catch(() => undefined);
      if (errorCode(err) === undefined) debug('refused a folder reached through a link or gone: %s', rel);
      throw err;
    }
    return new DescriptorFolder(fd as number, rel, this.reads);
  }

  /**
   * Opens the regular file `rel` for reading, through {@link openFolder} and without following a
   * link as its last part. The descriptor is the caller's to close.
   */
  async openFile(rel: string): Promise<{ fd: number; st: BigIntStats }> {
    const folder = await this.openFolder(folderOf(rel));
    try {
      const fd = await fdOpen(folder.path(nameOf(rel)), READ_FLAGS).catch(notFound);
      try {
        const st = await fdStat(fd, { bigint: true });
        if (!st.isFile()) throw new FileNotFoundError();
        return { fd, st };
      } catch (err) {
        await fdClose(fd).catch(() => undefined);
        throw err;
      }
    } finally {
      await folder.close();
    }
  }

  /**
   * The metadata of the regular file `rel`: `lstat` of its name in the folder {@link openFolder}
   * opened, so neither a folder on the way nor the file itself is followed if it is a link.
   */
  async statFile(rel: string): Promise<BigIntStats> {
    const folder = await this.openFolder(folderOf(rel));
    try {
      return await regularFile(folder.path(nameOf(rel)), this.reads);
    } finally {
      await folder.close();
    }
  }

  /** Without /proc/self/fd: each part of `rel` checked with lstat (a folder, not a link), then used by path. */
  private async checkFolderPath(realRootDir: string, rel: string): Promise<JailedFolder> {
    let sofar = '';
    for (const part of rel.split('/')) {
      sofar = joinRel(sofar, part);
      const st = await lstat(path.join(realRootDir, sofar)).catch(notFound);
      if (!st.isDirectory()) throw new FileNotFoundError();
    }
    return new PathFolder(path.join(realRootDir, rel), rel, this.reads);
  }
}
