import { createHash, randomBytes } from 'node:crypto';
import { close, createReadStream, createWriteStream, fchmod, fstat, fsync, open as openFd, type BigIntStats, type WriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { link, mkdir, readdir, readFile, realpath, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type {
  WopiCreatedFile,
  WopiFileContent,
  WopiFileInfo,
  WopiRelativeTarget,
  WopiStorage,
  WopiWriteContext,
} from './storage';
import { BadRequestError, FileExistsError, FileNotFoundError, WopiConfigError, WopiError } from '../errors';
import { checkFileName, fileNameKey } from '../protocol/file-name';
import { DEFAULT_OWNER_ID, FILE_ID_PATTERN } from './file-id';
import { destroyOnAbort } from './abort';
import { log } from '../log';

const debug = log('storage:fs');

/** How many ID records are kept in memory before the cache starts over. */
const MAX_CACHED_RECORDS = 10_000;

/** How long a folder must have been unchanged before its stat stamp is trusted to show the next change. */
const SETTLED_MS = 2000;

/** Read and write chunk size: larger than the stream default (64 KiB), fewer trips per file. */
const CHUNK_BYTES = 256 * 1024;

const fdOpen = promisify(openFd);
const fdStat = promisify(fstat) as (fd: number, options: { bigint: true }) => Promise<BigIntStats>;
const fdChmod = promisify(fchmod);
const fdSync = promisify(fsync);
const fdClose = promisify(close);

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

/**
 * Serves the files of one folder (and its sub-folders).
 *
 * File IDs are opaque, URL-safe and never paths. The ID of a file is recorded in
 * `metadataDir` when the file is first seen and derived deterministically from its path, so two
 * processes serving the same folder give it the same ID; the record, not the path, is what the
 * ID resolves through, so a rename keeps the ID.
 *
 * Writes go to a hidden temporary file in the same folder, which is fsynced and then renamed over
 * the original: readers see the old or the new content, never a mix, and a failed or aborted
 * write leaves the old content byte-identical.
 *
 * Paths are confined to the root: `..` segments, absolute paths and symbolic links that lead
 * outside the root all resolve to "not found". Dot-files and dot-folders are never listed.
 */
export class FileSystemStorage implements WopiStorage {
  readonly root: string;
  private readonly metadataDir: string;
  private readonly ownerId: string;
  private readonly fsync: boolean;
  private readonly userInfoRecheckMs: number;
  private realRootPromise: Promise<string> | undefined;
  /** ID records already read, keyed by file ID, with the stat stamp they were read at. */
  private readonly records = new Map<string, { stamp: string; rel: string }>();
  /** User info read so far, with the stat stamp of the users folder it was read under. */
  private userInfo: UserInfoCache | undefined;
  /** What each file ID led to when last resolved in full: its path, real path and inode. */
  private readonly resolved = new Map<string, { rel: string; real: string; dev: bigint; ino: bigint; ctimeNs: bigint }>();

  constructor(options: FileSystemStorageOptions) {
    if (typeof options !== 'object' || options === null || typeof options.root !== 'string' || options.root === '') {
      throw new WopiConfigError('ERR_WOPI_STORAGE', 'FileSystemStorage: `root` must be a non-empty path');
    }
    this.root = path.resolve(options.root);
    this.metadataDir = path.resolve(options.metadataDir ?? path.join(this.root, '.express-wopi'));
    this.ownerId = options.ownerId || DEFAULT_OWNER_ID;
    this.fsync = options.fsync ?? true;
    const recheck = options.userInfoRecheckMs ?? DEFAULT_USER_INFO_RECHECK_MS;
    if (!Number.isInteger(recheck) || recheck < 0) {
      throw new WopiConfigError('ERR_WOPI_STORAGE', 'FileSystemStorage: `userInfoRecheckMs` must be a non-negative integer (milliseconds)');
    }
    this.userInfoRecheckMs = recheck;
  }

  /**
   * The file ID of the file at `relativePath` (relative to the root), assigning one on first use.
   * On a case-insensitive file system, a path spelled in another case than on disk gets the ID of
   * the file it opens.
   *
   * @throws FileNotFoundError when the path is outside the root or is not a regular file.
   */
  async fileIdFor(relativePath: string): Promise<string> {
    const rel = this.normalise(relativePath);
    await statFile(await this.resolveExisting(rel));
    return (await this.recordedId(rel)) ?? this.assignId(await this.spelledOnDisk(rel));
  }

  /** The ID recorded for the path `rel`, if its records agree. */
  private async recordedId(rel: string): Promise<string | undefined> {
    const recorded = await readTextIfExists(this.pathRecord(pathKey(rel)));
    if (recorded !== undefined && (await readTextIfExists(this.idRecord(recorded))) === rel) return recorded;
    return undefined;
  }

  /**
   * `rel` (an existing path) with each part spelled as in its folder's listing. The same path on a
   * case-sensitive file system; on a case-insensitive one, `REPORT.docx` may be `Report.docx`.
   */
  private async spelledOnDisk(rel: string): Promise<string> {
    const parts = rel.split('/');
    for (let i = 0; i < parts.length; i++) {
      const folder = path.join(this.root, ...parts.slice(0, i));
      parts[i] = (await FolderNames.read(folder)).find(parts[i] as string) ?? (parts[i] as string);
    }
    return parts.join('/');
  }

  /** The ID of the file at `rel`, spelled as on disk and known to exist: the recorded one, or a new one. */
  private async assignId(rel: string): Promise<string> {
    const key = pathKey(rel);
    const recorded = await this.recordedId(rel);
    if (recorded !== undefined) return recorded;

    await mkdir(path.join(this.metadataDir, 'ids'), { recursive: true });
    await mkdir(path.join(this.metadataDir, 'paths'), { recursive: true });
    // Made now so that getUserInfo finds a folder to stat rather than failing on every request.
    await mkdir(path.join(this.metadataDir, 'users'), { recursive: true });
    for (let attempt = 0; ; attempt++) {
      const candidate = hash(`id:${rel}#${attempt}`).slice(0, 22);
      if (!(await createExclusively(this.idRecord(candidate), rel))) {
        // Taken: by this very path (another process got here first) or by a file that was renamed away.
        if ((await readTextIfExists(this.idRecord(candidate))) !== rel) continue;
      }
      await writeAtomically(this.pathRecord(key), candidate);
      debug('file %s has ID %s', rel, candidate);
      return candidate;
    }
  }

  /** Every regular file under the root (dot-files and dot-folders excluded), with its ID. */
  async list(): Promise<FileSystemEntry[]> {
    const entries: FileSystemEntry[] = [];
    const walk = async (dirRel: string): Promise<void> => {
      const dirents = await readdir(path.join(this.root, dirRel), { withFileTypes: true });
      dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const d of dirents) {
        if (d.name.startsWith('.')) continue;
        const rel = dirRel === '' ? d.name : `${dirRel}/${d.name}`;
        if (this.isMetadataPath(path.join(this.root, rel))) continue;
        if (d.isDirectory()) await walk(rel);
        else if (d.isFile()) entries.push({ fileId: await this.assignId(rel), name: d.name, path: rel });
      }
    };
    await walk('');
    return entries;
  }

  /**
   * CheckFileInfo and every lock request read a file's metadata, so what an ID led to last time
   * is tried first, with one stat: when that stat reaches the very same inode as then (device,
   * inode number and change time), nothing about it has moved. A rename or delete, by this
   * process or another, a hard link, a symbolic link put in place of a folder on the way, a save
   * (a new inode) or any other change to the file changes one of the three, and then the ID
   * record is read and the path resolved again in full. Reads and writes of content always take
   * the full path.
   */
  async getFileInfo(fileId: string): Promise<WopiFileInfo> {
    if (!FILE_ID_PATTERN.test(fileId)) throw new FileNotFoundError();
    const known = this.resolved.get(fileId);
    if (known !== undefined) {
      const st = await stat(known.real, { bigint: true }).catch(() => undefined);
      if (st !== undefined && st.isFile() && sameInode(st, known)) return this.toInfo(known.rel, st);
      this.resolved.delete(fileId);
    }
    const { abs, rel } = await this.resolveId(fileId);
    const st = await statFile(abs);
    this.remember(fileId, rel, abs, st);
    return this.toInfo(rel, st);
  }

  /** Notes what `fileId` led to, for {@link getFileInfo}. */
  private remember(fileId: string, rel: string, real: string, st: BigIntStats): void {
    if (this.resolved.size >= MAX_CACHED_RECORDS) this.resolved.clear();
    this.resolved.set(fileId, { rel, real, dev: st.dev, ino: st.ino, ctimeNs: st.ctimeNs });
  }

  async readFile(fileId: string): Promise<WopiFileContent> {
    if (!FILE_ID_PATTERN.test(fileId)) throw new FileNotFoundError();
    const known = this.resolved.get(fileId);
    if (known !== undefined) {
      // As in getFileInfo, but checked on the open descriptor itself: the bytes streamed are the
      // very inode that was resolved inside the root.
      const fd = await fdOpen(known.real, 'r').catch(() => undefined);
      if (fd !== undefined) {
        const st = await fdStat(fd, { bigint: true }).catch(() => undefined);
        if (st !== undefined && st.isFile() && sameInode(st, known)) return this.openedContent(known.rel, fd, st);
        await fdClose(fd).catch(() => undefined);
      }
      this.resolved.delete(fileId);
    }
    const { abs, rel } = await this.resolveId(fileId);
    // A plain descriptor and fs.createReadStream: the FileHandle stream pays a promise per chunk.
    const fd = await fdOpen(abs, 'r').catch(notFound);
    try {
      const st = await fdStat(fd, { bigint: true });
      if (!st.isFile()) throw new FileNotFoundError();
      this.remember(fileId, rel, abs, st);
      return this.openedContent(rel, fd, st);
    } catch (err) {
      await fdClose(fd).catch(() => undefined);
      throw err;
    }
  }

  private openedContent(rel: string, fd: number, st: BigIntStats): WopiFileContent {
    return { info: this.toInfo(rel, st), stream: createReadStream('', { fd, highWaterMark: CHUNK_BYTES }) };
  }

  async writeFile(fileId: string, content: Readable, context: WopiWriteContext): Promise<WopiFileInfo> {
    return withBody(content, context.signal, async () => {
      const { abs, rel } = await this.resolveId(fileId);
      const before = await statFile(abs);
      const temp = await this.writeTemporary(path.dirname(abs), content, context.signal, Number(before.mode & 0o777n));
      await this.publish(temp, () => rename(temp, abs));
      const st = await statFile(abs);
      this.remember(fileId, rel, abs, st);
      return this.toInfo(rel, st);
    });
  }

  async findRelativeFile(fileId: string, name: string): Promise<string | null> {
    const { rel } = await this.resolveId(fileId);
    sibling(rel, name);
    // The name as it is on disk: a case variant of `name` is the same file (see fileNameKey).
    const onDisk = (await FolderNames.read(path.dirname(path.join(this.root, rel)))).find(name);
    if (onDisk === undefined) return null;
    try {
      const siblingRel = beside(rel, onDisk);
      await statFile(await this.resolveExisting(this.normalise(siblingRel)));
      return await this.assignId(siblingRel);
    } catch (err) {
      if (WopiError.is(err) && err.status === 404) return null;
      throw err;
    }
  }

  async createRelativeFile(
    fileId: string,
    content: Readable,
    target: WopiRelativeTarget,
    context: WopiWriteContext,
  ): Promise<WopiCreatedFile> {
    return withBody(content, context.signal, () => this.createRelative(fileId, content, target, context.signal));
  }

  private async createRelative(fileId: string, content: Readable, target: WopiRelativeTarget, signal: AbortSignal): Promise<WopiCreatedFile> {
    const { rel } = await this.resolveId(fileId);
    const dir = path.dirname(path.join(this.root, rel));
    const temp = await this.writeTemporary(dir, content, signal);
    let created: { rel: string; abs: string } | undefined;
    await this.publish(temp, async () => {
      const present = await FolderNames.read(dir);
      for (const wanted of target.candidates) {
        const wantedRel = sibling(rel, wanted);
        // A case variant of a candidate is the same name: it is taken, or it is what gets replaced.
        const onDisk = present.find(wanted);
        if (onDisk !== undefined && !target.overwrite) continue;
        const candidate =
          onDisk === undefined ? { rel: wantedRel, abs: path.join(dir, wanted) } : { rel: beside(rel, onDisk), abs: path.join(dir, onDisk) };
        if (target.overwrite) {
          try {
            await rename(temp, candidate.abs);
          } catch (err) {
            // A folder has the name: it is taken, and never replaced.
            const code = errorCode(err);
            if (code === 'EISDIR' || code === 'ENOTEMPTY' || code === 'EEXIST') continue;
            throw err;
          }
        } else if (await linkIfFree(temp, candidate.abs)) {
          // link() fails when the name is taken, so an existing file is never replaced.
          await unlink(temp);
        } else {
          continue;
        }
        created = candidate;
        return;
      }
      throw new FileExistsError();
    });
    const { rel: newRel, abs: newAbs } = created as { rel: string; abs: string };
    const newId = await this.assignId(newRel);
    debug('created %s (%s) next to %s', newId, newRel, fileId);
    return { fileId: newId, info: this.toInfo(newRel, await statFile(newAbs)) };
  }

  async renameFile(fileId: string, candidates: Iterable<string>): Promise<WopiFileInfo> {
    const { abs, rel } = await this.resolveId(fileId);
    const own = path.join(this.root, rel);
    const dir = path.dirname(own);
    const ownName = path.posix.basename(rel);
    const present = await FolderNames.read(dir);
    for (const name of candidates) {
      const newRel = sibling(rel, name);
      if (newRel === rel) return this.toInfo(rel, await statFile(abs));
      // Taken by another file, also when only the case differs; a case change of its own name is fine.
      if (present.takenByOther(name, ownName)) continue;
      const newAbs = path.join(dir, name);
      // Only the case changes, and the folder has no entry spelled `name`: on a case-insensitive
      // file system `name` is then the file itself.
      const caseChange = fileNameKey(name) === fileNameKey(ownName) && !present.has(name);
      if (!(await moveIfFree(own, newAbs, caseChange))) continue;
      this.resolved.delete(fileId);
      await writeAtomically(this.idRecord(fileId), newRel);
      await writeAtomically(this.pathRecord(pathKey(newRel)), fileId);
      await unlinkIfExists(this.pathRecord(pathKey(rel)));
      if (this.fsync) await syncDirectory(dir);
      debug('renamed %s to %s', fileId, newRel);
      return this.toInfo(newRel, await statFile(newAbs));
    }
    throw new FileExistsError();
  }

  async deleteFile(fileId: string): Promise<void> {
    const { rel } = await this.resolveId(fileId);
    const own = path.join(this.root, rel);
    await unlink(own).catch(notFound);
    this.resolved.delete(fileId);
    // The record stays as a tombstone, so the ID is never handed to another file.
    await writeAtomically(this.idRecord(fileId), TOMBSTONE);
    await unlinkIfExists(this.pathRecord(pathKey(rel)));
    if (this.fsync) await syncDirectory(path.dirname(own));
    debug('deleted %s (%s)', fileId, rel);
  }

  async putUserInfo(userId: string, userInfo: string): Promise<void> {
    await mkdir(path.join(this.metadataDir, 'users'), { recursive: true });
    await writeAtomically(this.userRecord(userId), userInfo);
    // Seen at once by this instance; the folder changed, so everything else is read again too.
    this.userInfo = undefined;
  }

  /**
   * CheckFileInfo asks on every open, so answers are kept while the users folder is unchanged:
   * every PutUserInfo, from this process or another, renames a record into that folder and so
   * changes its modification and change times. The folder is looked at again once
   * `userInfoRecheckMs` have passed since the last look. A stamp is trusted only when the folder
   * has been still for {@link SETTLED_MS}: two changes within one tick of the file system's clock
   * could otherwise leave the same stamp (git treats its index the same way).
   */
  async getUserInfo(userId: string): Promise<string | undefined> {
    let cache = this.userInfo;
    if (cache === undefined || Date.now() >= cache.checkAgainAt) {
      cache = await this.userInfoUnder(await this.usersFolderStamp(), cache);
    }
    if (cache.values.has(userId)) return cache.values.get(userId);
    const value = await readTextIfExists(this.userRecord(userId));
    if (cache.settled && cache.values.size < MAX_CACHED_RECORDS && this.userInfo === cache) cache.values.set(userId, value);
    return value;
  }

  /** The users folder's stat stamp and whether it is settled; `undefined` when there is no folder yet. */
  private async usersFolderStamp(): Promise<{ stamp: string; settled: boolean } | undefined> {
    let st: BigIntStats;
    try {
      st = await stat(path.join(this.metadataDir, 'users'), { bigint: true });
    } catch (err) {
      // Nothing stored yet (the folder is made with the first file ID, or by PutUserInfo).
      if (errorCode(err) !== 'ENOENT') throw err;
      return undefined;
    }
    const changed = st.mtimeNs > st.ctimeNs ? st.mtimeNs : st.ctimeNs;
    return { stamp: `${st.ino}:${st.mtimeNs}:${st.ctimeNs}`, settled: BigInt(Date.now() - SETTLED_MS) * 1_000_000n > changed };
  }

  /** The cache for the folder state `folder`: `previous` when nothing changed, else an empty one. */
  private userInfoUnder(folder: { stamp: string; settled: boolean } | undefined, previous: UserInfoCache | undefined): UserInfoCache {
    const stamp = folder?.stamp ?? 'none';
    const settled = folder?.settled ?? true;
    const cache: UserInfoCache =
      previous !== undefined && previous.stamp === stamp && previous.settled && settled
        ? previous
        : { stamp, settled, values: new Map(), checkAgainAt: 0 };
    // An unsettled folder is looked at again on the next call.
    cache.checkAgainAt = settled ? Date.now() + this.userInfoRecheckMs : 0;
    this.userInfo = cache;
    return cache;
  }

  /**
   * Streams `content` into a new hidden file in `dir`, fsyncs it and returns its path. On any
   * failure (including an abort) the file is removed and the error rethrown.
   */
  private async writeTemporary(dir: string, content: Readable, signal: AbortSignal, mode?: number): Promise<string> {
    signal.throwIfAborted();
    const temp = path.join(dir, `.express-wopi.${randomBytes(6).toString('hex')}.wopi-tmp`);
    const fd = await fdOpen(temp, 'wx');
    let closed = false;
    let out: WriteStream | undefined;
    try {
      // open() applies the umask; a saved file keeps the permissions the original had.
      if (mode !== undefined) await fdChmod(fd, mode);
      out = createWriteStream('', { fd, autoClose: false, highWaterMark: CHUNK_BYTES });
      await pipeline(content, out);
      signal.throwIfAborted();
      if (this.fsync) await fdSync(fd);
      closed = true;
      await fdClose(fd);
      return temp;
    } catch (err) {
      // A failed pipeline destroys `out`, and destroying an fs stream closes its descriptor even
      // with autoClose: false; closing it again could close a descriptor another request opened.
      if (!closed && !out?.destroyed) await fdClose(fd).catch(() => undefined);
      await unlink(temp).catch(() => undefined);
      debug('write abandoned: %s', (err as Error).message);
      throw err;
    }
  }

  /** Runs `step`, which moves `temp` into place; removes `temp` if it fails, then syncs the folder. */
  private async publish(temp: string, step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      throw err;
    }
    if (this.fsync) await syncDirectory(path.dirname(temp));
  }

  private toInfo(rel: string, st: BigIntStats): WopiFileInfo {
    return {
      name: path.posix.basename(rel),
      size: Number(st.size),
      // A save renames a new inode into place, so the inode alone changes with every write; the
      // modification time and size guard against inode reuse.
      version: `${st.ino.toString(36)}.${st.mtimeNs.toString(36)}.${st.size.toString(36)}`,
      lastModifiedTime: new Date(Number(st.mtimeNs / 1_000_000n)),
      ownerId: this.ownerId,
    };
  }

  /** The real path of the folder being served (symbolic links resolved), computed once. */
  private realRoot(): Promise<string> {
    this.realRootPromise ??= realpath(this.root).catch((err: unknown) => {
      this.realRootPromise = undefined;
      throw err;
    });
    return this.realRootPromise;
  }

  /**
   * Whether `p` is the metadata folder or inside it, comparing both as given and with symbolic
   * links resolved (the root, and so the metadata folder, may be reached through a link).
   */
  private isMetadataPath(p: string, realRootDir?: string): boolean {
    const inside = (dir: string): boolean => p === dir || isInside(p, dir);
    if (inside(this.metadataDir)) return true;
    if (realRootDir === undefined) return false;
    return inside(path.join(realRootDir, path.relative(this.root, this.metadataDir)));
  }

  private async resolveId(fileId: string): Promise<{ abs: string; rel: string }> {
    if (!FILE_ID_PATTERN.test(fileId)) throw new FileNotFoundError();
    const rel = await this.readIdRecord(fileId);
    if (rel === undefined || rel === TOMBSTONE) throw new FileNotFoundError();
    return { abs: await this.resolveExisting(this.normalise(rel)), rel };
  }

  /**
   * The content of an ID record. Records are replaced, never edited in place (every change is a
   * new file renamed over the old one), so a record whose inode, size and modification time are
   * unchanged still says what it said: one stat instead of open, read and close on every request,
   * and a change made by another process is still seen at once.
   */
  private async readIdRecord(fileId: string): Promise<string | undefined> {
    const record = this.idRecord(fileId);
    let st: BigIntStats;
    try {
      st = await stat(record, { bigint: true });
    } catch (err) {
      if (errorCode(err) !== 'ENOENT') throw err;
      this.records.delete(fileId);
      return undefined;
    }
    const stamp = `${st.ino}:${st.size}:${st.mtimeNs}`;
    const cached = this.records.get(fileId);
    if (cached?.stamp === stamp) return cached.rel;
    const rel = await readTextIfExists(record);
    if (rel === undefined) return undefined;
    if (this.records.size >= MAX_CACHED_RECORDS) this.records.clear();
    this.records.set(fileId, { stamp, rel });
    return rel;
  }

  /**
   * `rel` as a clean posix path relative to the root, or FileNotFoundError when it could name
   * something outside the root or inside the metadata folder.
   */
  private normalise(relativePath: string): string {
    if (typeof relativePath !== 'string' || relativePath.includes('\0')) throw new FileNotFoundError();
    const rel = path.posix.normalize(relativePath.replaceAll('\\', '/'));
    if (rel === '' || rel === '.' || path.posix.isAbsolute(rel) || rel === '..' || rel.startsWith('../')) {
      throw new FileNotFoundError();
    }
    if (this.isMetadataPath(path.join(this.root, rel))) throw new FileNotFoundError();
    return rel;
  }

  /** Absolute real path of an existing regular file at `rel`, confined to the real root. */
  private async resolveExisting(rel: string): Promise<string> {
    const realRootDir = await this.realRoot();
    const real = await realpath(path.join(this.root, rel)).catch(notFound);
    if (!isInside(real, realRootDir) || this.isMetadataPath(real, realRootDir)) {
      debug('refused a path that leaves the root');
      throw new FileNotFoundError();
    }
    return real;
  }

  private userRecord(userId: string): string {
    return path.join(this.metadataDir, 'users', hash(`user:${userId}`));
  }

  private idRecord(fileId: string): string {
    return path.join(this.metadataDir, 'ids', fileId);
  }

  private pathRecord(key: string): string {
    return path.join(this.metadataDir, 'paths', key);
  }
}

/** User info already read, valid for the users folder state `stamp` (see getUserInfo). */
interface UserInfoCache {
  stamp: string;
  /** Whether the folder had been still long enough for its stamp to show the next change. */
  settled: boolean;
  values: Map<string, string | undefined>;
  /** When to look at the folder again (ms since the epoch). */
  checkAgainAt: number;
}

/** How long user info is used before the users folder is looked at again, by default. */
const DEFAULT_USER_INFO_RECHECK_MS = 1000;

/** What an ID record holds once its file is deleted; no path can contain a NUL. */
const TOMBSTONE = '\0deleted';

/**
 * Runs `work`, which consumes `content`, with the body guarded from its first moment: an abort of
 * `signal` destroys it, and an error it emits before `work` starts reading cannot go unhandled.
 */
async function withBody<T>(content: Readable, signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  const release = destroyOnAbort(content, signal);
  try {
    return await work();
  } finally {
    release();
  }
}

/** The relative path of the legal name `name` in the same folder as the file at `rel`; 400 when it is not legal. */
function sibling(rel: string, name: string): string {
  const legal = checkFileName(name);
  if (!legal.ok) throw new BadRequestError(legal.reason);
  return beside(rel, name);
}

/** The relative path of `name` (an entry read from the folder) in the same folder as the file at `rel`. */
function beside(rel: string, name: string): string {
  const dir = path.posix.dirname(rel);
  return dir === '.' ? name : `${dir}/${name}`;
}

function pathKey(rel: string): string {
  return hash(`path:${rel}`);
}

/**
 * The names in one folder, looked up the way a case-insensitive file system looks them up: a
 * name finds itself, or else an entry with the same {@link fileNameKey}. Read once per operation;
 * the hard link or rename that follows still refuses a name taken in the meantime.
 */
class FolderNames {
  private constructor(
    private readonly exact: ReadonlySet<string>,
    private readonly byKey: ReadonlyMap<string, readonly string[]>,
  ) {}

  static async read(dir: string): Promise<FolderNames> {
    const names = (await readdir(dir)).sort();
    const byKey = new Map<string, string[]>();
    for (const name of names) {
      const key = fileNameKey(name);
      const same = byKey.get(key);
      if (same) same.push(name);
      else byKey.set(key, [name]);
    }
    return new FolderNames(new Set(names), byKey);
  }

  /** Whether the folder has an entry spelled exactly `name`. */
  has(name: string): boolean {
    return this.exact.has(name);
  }

  /** The entry that is `name`: `name` itself if present, else a case variant of it. */
  find(name: string): string | undefined {
    return this.exact.has(name) ? name : this.byKey.get(fileNameKey(name))?.[0];
  }

  /** Whether an entry other than `own` is `name` or a case variant of it. */
  takenByOther(name: string, own: string): boolean {
    return (this.byKey.get(fileNameKey(name)) ?? []).some((entry) => entry !== own);
  }
}

/**
 * Moves the file at `from` to the free name `to`; false when `to` is taken. A hard link claims
 * the new name only if it is free, then the old name goes. When only the case changes
 * (`caseChange`), a case-insensitive file system reports the new name as taken by the file
 * itself: then a rename changes the case in place.
 */
async function moveIfFree(from: string, to: string, caseChange: boolean): Promise<boolean> {
  if (await linkIfFree(from, to)) {
    await unlink(from);
    return true;
  }
  if (!caseChange) return false;
  const [a, b] = await Promise.all([stat(from, { bigint: true }), stat(to, { bigint: true }).catch(() => undefined)]);
  if (b === undefined || a.ino !== b.ino || a.dev !== b.dev) return false;
  await rename(from, to);
  return true;
}

/** Whether `st` is the inode `known` describes, unchanged since (device, inode number, change time). */
function sameInode(st: BigIntStats, known: { dev: bigint; ino: bigint; ctimeNs: bigint }): boolean {
  return st.dev === known.dev && st.ino === known.ino && st.ctimeNs === known.ctimeNs;
}

/** Hard-links `existing` as `newPath`; false when `newPath` is taken. */
async function linkIfFree(existing: string, newPath: string): Promise<boolean> {
  try {
    await link(existing, newPath);
    return true;
  } catch (err) {
    if (errorCode(err) === 'EEXIST') return false;
    throw err;
  }
}

async function unlinkIfExists(file: string): Promise<void> {
  await unlink(file).catch((err: unknown) => {
    if (errorCode(err) !== 'ENOENT') throw err;
  });
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** Maps "no such file" style errors to FileNotFoundError and rethrows the rest. */
function notFound(err: unknown): never {
  const code = errorCode(err);
  if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP' || code === 'EISDIR') throw new FileNotFoundError();
  throw err;
}

async function statFile(abs: string): Promise<BigIntStats> {
  const st = await stat(abs, { bigint: true }).catch(notFound);
  if (!st.isFile()) throw new FileNotFoundError();
  return st;
}

async function readTextIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Creates `file` holding `text` only if it does not exist yet, in one step: the content is
 * written to a temporary file that is then hard-linked into place, so no reader ever sees the
 * file empty or half written. Returns false when the file already exists.
 */
async function createExclusively(file: string, text: string): Promise<boolean> {
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temp, text, { flag: 'wx' });
  try {
    return await linkIfFree(temp, file);
  } finally {
    await unlink(temp);
  }
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temp, text);
  await rename(temp, file);
}

async function syncDirectory(dir: string): Promise<void> {
  const fd = await fdOpen(dir, 'r');
  try {
    await fdSync(fd);
  } catch (err) {
    // Some file systems do not support fsync on a folder; the data itself is already synced.
    if (errorCode(err) !== 'EINVAL' && errorCode(err) !== 'EISDIR') throw err;
  } finally {
    await fdClose(fd);
  }
}
