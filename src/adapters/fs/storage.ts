import { createReadStream, type BigIntStats } from 'node:fs';
import { lstat, rename, unlink } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { WopiCreatedFile, WopiFileContent, WopiFileInfo, WopiRelativeTarget, WopiStorage, WopiWriteContext } from '../storage';
import { FileExistsError, FileNotFoundError } from '../../errors';
import { fileNameKey } from '../../protocol/file-name';
import { FILE_ID_PATTERN } from '../file-id';
import { withBody } from '../abort';
import { log } from '../../log';
import { folderOf, joinRel, legalName, nameOf, notFound, regularFile } from './errno';
import { RootJail } from './root-jail';
import { fdClose, type JailedFolder } from './jailed-folder';
import { IdRecords, TOMBSTONE } from './id-records';
import { ResolvedIds } from './resolved-ids';
import { FolderNames, listFiles, moveIfFree, spelledOnDisk } from './folder-names';
import { CHUNK_BYTES, discardTemporary, writeTemporary } from './durable-write';
import { resolveFsOptions, type FileSystemEntry, type FileSystemStorageOptions } from './options';
import { publishRelative, type FileLookup } from './relative-publish';

export type { FileSystemEntry, FileSystemStorageOptions } from './options';

const debug = log('storage:fs');

/**
 * Serves the files of one folder (and its sub-folders).
 *
 * File IDs are opaque, URL-safe and never paths. The ID of a file is recorded in `metadataDir`
 * when the file is first seen and derived deterministically from its path, so two processes
 * serving the same folder give it the same ID; the record, not the path, is what the ID resolves
 * through, so a rename keeps the ID. A deleted file's ID is never used again.
 *
 * One file, one identity: a symbolic link is never a file of its own. {@link fileIdFor} follows
 * a link inside the root to its target and answers the target's ID; resolving an ID never
 * follows a link (a recorded path that became a link is 404).
 *
 * Writes go to a hidden temporary file in the same folder, which is fsynced, passed through the
 * router's commit step (the lock checked again), and renamed over the file the ID names at that
 * moment: readers see the old or the new content, never a mix, and a failed, aborted or refused
 * write leaves the old content byte-identical and no temporary file.
 *
 * Paths are confined to the root ({@link RootJail}): `..` segments, absolute paths and links
 * never lead outside it, also when a folder is swapped for a link while a request runs.
 * Dot-files and dot-folders are never listed.
 */
export class FileSystemStorage implements WopiStorage {
  readonly root: string;
  private readonly ownerId: string;
  private readonly fsync: boolean;
  private readonly jail: RootJail;
  private readonly ids: IdRecords;
  private readonly resolved = new ResolvedIds();
  /** What Save As asks of this storage (relative-publish.ts). */
  private readonly files: FileLookup = {
    pathOf: (fileId) => this.pathOf(fileId),
    replaceableId: (folder, name) => this.replaceableId(folder, name),
    forget: (fileId) => this.resolved.forget(fileId),
  };

  constructor(options: FileSystemStorageOptions) {
    const resolved = resolveFsOptions(options);
    this.root = resolved.root;
    this.ownerId = resolved.ownerId;
    this.fsync = resolved.fsync;
    this.jail = new RootJail(this.root, resolved.metadataDir);
    this.ids = new IdRecords(resolved.metadataDir);
  }

  /**
   * The file ID of the file at `relativePath` (relative to the root), assigning one on first use.
   * A symbolic link inside the root gets its target's ID; on a case-insensitive file system, a
   * path spelled in another case than on disk gets the ID of the file it opens.
   *
   * @throws FileNotFoundError when the path leads outside the root or is not a regular file.
   */
  async fileIdFor(relativePath: string): Promise<string> {
    const rel = await this.jail.resolveLinks(relativePath);
    await this.jail.statFile(rel);
    return (await this.ids.recordedId(rel)) ?? this.ids.assign(await spelledOnDisk(this.jail, rel));
  }

  /** Every regular file under the root (dot-files, dot-folders and links excluded), with its ID. */
  async list(): Promise<FileSystemEntry[]> {
    const entries: FileSystemEntry[] = [];
    for (const { rel, name } of await listFiles(this.jail)) entries.push({ fileId: await this.ids.assign(rel), name, path: rel });
    return entries;
  }

  async getFileInfo(fileId: string): Promise<WopiFileInfo> {
    if (!FILE_ID_PATTERN.test(fileId)) throw new FileNotFoundError();
    const fast = await this.resolved.statIfUnchanged(fileId);
    if (fast !== undefined) return this.toInfo(fast.rel, fast.st);
    const rel = await this.pathOf(fileId);
    const st = await this.jail.statFile(rel);
    this.resolved.remember(fileId, rel, this.jail.absolute(rel), st);
    return this.toInfo(rel, st);
  }

  async readFile(fileId: string): Promise<WopiFileContent> {
    if (!FILE_ID_PATTERN.test(fileId)) throw new FileNotFoundError();
    const fast = await this.resolved.openIfUnchanged(fileId);
    if (fast !== undefined) return this.openedContent(fast.rel, fast.fd, fast.st);
    const rel = await this.pathOf(fileId);
    const { fd, st } = await this.jail.openFile(rel);
    this.resolved.remember(fileId, rel, this.jail.absolute(rel), st);
    return this.openedContent(rel, fd, st);
  }

  async writeFile(fileId: string, content: Readable, context: WopiWriteContext): Promise<WopiFileInfo> {
    return withBody(content, context.signal, async () => {
      const rel = await this.pathOf(fileId);
      return this.inFolder(folderOf(rel), async (folder) => {
        const before = await regularFile(folder.path(nameOf(rel)));
        const temp = await writeTemporary(folder, content, context.signal, { mode: Number(before.mode & 0o777n), fsync: this.fsync });
        let now: string;
        try {
          await context.commit();
          // Renamed or deleted while the body was arriving? The content lands on the name the ID
          // has now, or nowhere (404).
          now = await this.pathOf(fileId);
          if (folderOf(now) !== folder.rel) throw new FileNotFoundError();
          await rename(folder.path(temp), folder.path(nameOf(now)));
        } catch (err) {
          await discardTemporary(folder, temp);
          throw err;
        }
        if (this.fsync) await folder.sync();
        const st = await regularFile(folder.path(nameOf(now)));
        this.resolved.remember(fileId, now, this.jail.absolute(now), st);
        return this.toInfo(now, st);
      });
    });
  }

  async findRelativeFile(fileId: string, name: string): Promise<string | null> {
    const rel = await this.pathOf(fileId);
    legalName(name);
    return this.inFolder(folderOf(rel), async (folder) => {
      await regularFile(folder.path(nameOf(rel)));
      // The name as it is on disk: a case variant of `name` is the same file (see fileNameKey).
      const onDisk = (await FolderNames.read(folder)).find(name);
      return onDisk === undefined ? null : ((await this.replaceableId(folder, onDisk)) ?? null);
    });
  }

  async createRelativeFile(
    fileId: string,
    content: Readable,
    target: WopiRelativeTarget,
    context: WopiWriteContext,
  ): Promise<WopiCreatedFile> {
    return withBody(content, context.signal, async () => {
      const rel = await this.pathOf(fileId);
      return this.inFolder(folderOf(rel), async (folder) => {
        await regularFile(folder.path(nameOf(rel)));
        const temp = await writeTemporary(folder, content, context.signal, { fsync: this.fsync });
        let created: { fileId?: string; name: string };
        try {
          created = await publishRelative(this.files, folder, temp, target, context);
        } catch (err) {
          await discardTemporary(folder, temp);
          throw err;
        }
        if (this.fsync) await folder.sync();
        const newRel = joinRel(folder.rel, created.name);
        const newId = created.fileId ?? (await this.ids.assign(newRel));
        this.resolved.forget(newId);
        debug('created %s (%s) next to %s', newId, newRel, fileId);
        return { fileId: newId, info: this.toInfo(newRel, await regularFile(folder.path(created.name))) };
      });
    });
  }

  async renameFile(fileId: string, candidates: Iterable<string>): Promise<WopiFileInfo> {
    const rel = await this.pathOf(fileId);
    const ownName = nameOf(rel);
    return this.inFolder(folderOf(rel), async (folder) => {
      const own = folder.path(ownName);
      await regularFile(own);
      const present = await FolderNames.read(folder);
      for (const name of candidates) {
        legalName(name);
        const newRel = joinRel(folder.rel, name);
        if (newRel === rel) return this.toInfo(rel, await regularFile(own));
        // Taken by another file, also when only the case differs; a case change of its own name is fine.
        if (present.takenByOther(name, ownName)) continue;
        // Only the case changes, and the folder has no entry spelled `name`: on a case-insensitive
        // file system `name` is then the file itself.
        const caseChange = fileNameKey(name) === fileNameKey(ownName) && !present.has(name);
        if (!(await moveIfFree(own, folder.path(name), caseChange))) continue;
        this.resolved.forget(fileId);
        await this.ids.moved(fileId, rel, newRel);
        if (this.fsync) await folder.sync();
        debug('renamed %s to %s', fileId, newRel);
        return this.toInfo(newRel, await regularFile(folder.path(name)));
      }
      throw new FileExistsError();
    });
  }

  async deleteFile(fileId: string): Promise<void> {
    const rel = await this.pathOf(fileId);
    await this.inFolder(folderOf(rel), async (folder) => {
      await unlink(folder.path(nameOf(rel))).catch(notFound);
      this.resolved.forget(fileId);
      // The record stays as a tombstone, so the ID is never handed to another file.
      await this.ids.deleted(fileId, rel);
      if (this.fsync) await folder.sync();
    });
    debug('deleted %s (%s)', fileId, rel);
  }

  /** The path the ID names now (read from its record); 404 for an unknown or deleted ID. */
  private async pathOf(fileId: string): Promise<string> {
    if (!FILE_ID_PATTERN.test(fileId)) throw new FileNotFoundError();
    const rel = await this.ids.read(fileId);
    if (rel === undefined || rel === TOMBSTONE) throw new FileNotFoundError();
    return this.jail.normalise(rel);
  }

  /** The ID of the regular file `name` in `folder`; `undefined` when it is a folder, a link or gone. */
  private async replaceableId(folder: JailedFolder, name: string): Promise<string | undefined> {
    const st = await lstat(folder.path(name)).catch(() => undefined);
    if (st === undefined || !st.isFile()) return undefined;
    return this.ids.assign(joinRel(folder.rel, name));
  }

  /** Runs `work` with the folder `rel` opened through the jail, and closes it after. */
  private async inFolder<T>(rel: string, work: (folder: JailedFolder) => Promise<T>): Promise<T> {
    const folder = await this.jail.openFolder(rel);
    try {
      return await work(folder);
    } finally {
      await folder.close();
    }
  }

  private openedContent(rel: string, fd: number, st: BigIntStats): WopiFileContent {
    try {
      return { info: this.toInfo(rel, st), stream: createReadStream('', { fd, highWaterMark: CHUNK_BYTES }) };
    } catch (err) {
      void fdClose(fd).catch(() => undefined);
      throw err;
    }
  }

  private toInfo(rel: string, st: BigIntStats): WopiFileInfo {
    return {
      name: nameOf(rel),
      size: Number(st.size),
      // A save renames a new inode into place, so the inode alone changes with every write; the
      // modification time and size guard against inode reuse.
      version: `${st.ino.toString(36)}.${st.mtimeNs.toString(36)}.${st.size.toString(36)}`,
      lastModifiedTime: new Date(Number(st.mtimeNs / 1_000_000n)),
      ownerId: this.ownerId,
    };
  }
}
