import type { BigIntStats } from 'node:fs';
import { lstat, rename, unlink } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type {
  WopiChildrenFilter,
  WopiContainerChildren,
  WopiContainerInfo,
  WopiContainerStorage,
  WopiCreatedContainer,
  WopiCreatedFile,
  WopiFileContent,
  WopiFileInfo,
  WopiRelativeTarget,
  WopiStorage,
  WopiWriteContext,
} from '../storage';
import { FileExistsError, FileNotFoundError } from '../../errors';
import { fileNameKey } from '../../protocol/file-name';
import { FILE_ID_PATTERN } from '../file-id';
import { withBody } from '../abort';
import { log } from '../../log';
import { folderOf, joinRel, legalName, nameOf, notFound, regularFile } from './errno';
import { RootJail } from './root-jail';
import { fdClose, type JailedFolder } from './jailed-folder';
import { IdRecords } from './id-records';
import { IdTree, type KnownContainers, type Located } from './id-tree';
import { ResolvedIds } from './resolved-ids';
import { MetadataReads } from './metadata-reads';
import { FolderNames, listFiles, moveIfFree, spelledOnDisk } from './folder-names';
import { writeTemporary } from './durable-write';
import { FileBody } from './file-body';
import { resolveFsOptions, type FileSystemEntry, type FileSystemStorageOptions } from './options';
import { createInContainer, type CreationSite } from './relative-publish';
import { HeldFolder, type LocateFolder } from './held-folder';
import { TreeLock } from './tree-lock';
import { FsContainers } from './containers';
import { DEFAULT_SWEEP_AGE_MS, sweepTemporaryFiles, type TemporaryFileSweep } from './temp-sweep';
import { OptionChecks } from '../../util/validate';

export type { TemporaryFileSweep } from './temp-sweep';

export type { FileSystemEntry, FileSystemStorageOptions } from './options';

const debug = log('storage:fs');

const SWEEP_OPTIONS: ReadonlySet<string> = new Set(['olderThanMs']);

/**
 * Serves the files of one folder (and its sub-folders), and its folders as containers.
 *
 * File IDs are opaque, URL-safe and never paths. The ID of a file is recorded in `metadataDir`
 * when the file is first seen and derived deterministically from its path, so two processes
 * serving the same folder give it the same ID; the record, not the path, is what the ID resolves
 * through, so a rename keeps the ID. A deleted file's ID is never used again. Folders get IDs the
 * same way (container IDs), and a file in a sub-folder is recorded by its folder's ID and its
 * name, so renaming a folder keeps every ID inside it (id-tree.ts, containers.ts).
 *
 * One file, one identity: a symbolic link is never a file of its own. {@link fileIdFor} follows
 * a link inside the root to its target and answers the target's ID; resolving an ID never
 * follows a link (a recorded path that became a link is 404).
 *
 * Writes go to a hidden temporary file in the same folder, which is fsynced, passed through the
 * router's commit step (the lock checked again), and renamed over the file the ID names at that
 * moment: readers see the old or the new content, never a mix, and a failed, aborted or refused
 * write leaves the old content byte-identical and no temporary file. A save whose folder is
 * renamed meanwhile lands on the file under its new path (held-folder.ts).
 *
 * Paths are confined to the root (root-jail.ts): `..` segments, absolute paths and links
 * never lead outside it, also when a folder is swapped for a link while a request runs.
 * Dot-files and dot-folders are never listed.
 */
export class FileSystemStorage implements WopiStorage, WopiContainerStorage {
  readonly root: string;
  private readonly ownerId: string;
  private readonly fsync: boolean;
  private readonly jail: RootJail;
  private readonly tree: IdTree;
  /** Container renames and deletes run alone in this process (tree-lock.ts). */
  private readonly lock = new TreeLock();
  private readonly resolved: ResolvedIds;
  /** Metadata reads on the event loop where the root's file system allows (metadata-reads.ts). */
  private readonly reads: MetadataReads;
  /** What creating a file asks of this storage (relative-publish.ts). */
  private readonly site: CreationSite;
  private readonly containers: FsContainers;
  private readonly metadataDir: string;

  constructor(options: FileSystemStorageOptions) {
    const resolved = resolveFsOptions(options);
    this.root = resolved.root;
    this.ownerId = resolved.ownerId;
    this.fsync = resolved.fsync;
    this.metadataDir = resolved.metadataDir;
    this.reads = new MetadataReads(this.root, resolved.metadataReads);
    this.jail = new RootJail(this.root, resolved.metadataDir, this.reads);
    this.resolved = new ResolvedIds(this.reads);
    this.tree = new IdTree(this.jail, new IdRecords(resolved.metadataDir, this.reads));
    this.site = {
      jail: this.jail,
      lock: this.lock,
      fsync: this.fsync,
      containerPath: async (containerId) => (await this.tree.locateContainer(containerId)).rel,
      pathOf: (fileId) => this.pathOf(fileId),
      replaceableId: (folder, name) => this.replaceableId(folder, name),
      fileIdOf: (rel) => this.tree.fileIdOf(rel),
      forget: (fileId) => this.resolved.forget(fileId),
    };
    this.containers = new FsContainers({
      ...this.site,
      tree: this.tree,
      rootName: resolved.rootName,
      fileInfo: (rel, st) => this.toInfo(rel, st),
    });
  }

  /**
   * The file ID of the file at `relativePath` (relative to the root), assigning one on first use.
   * A symbolic link inside the root gets its target's ID; on a case-insensitive file system, a
   * path spelled in another case than on disk gets the ID of the file it opens.
   *
   * @throws FileNotFoundError when the path leads outside the root or is not a regular file.
   */
  async fileIdFor(relativePath: string): Promise<string> {
    return this.lock.shared(async () => {
      const rel = await this.jail.resolveLinks(relativePath);
      await this.jail.statFile(rel);
      return (await this.tree.recordedPathId(rel)) ?? this.tree.fileIdOf(await spelledOnDisk(this.jail, rel));
    });
  }

  /**
   * The container ID of the folder at `relativePath` (relative to the root; `''` for the root
   * itself), assigning one on first use. Links inside the root are followed as by
   * {@link fileIdFor}.
   *
   * @throws FileNotFoundError when the path leads outside the root or is not a folder.
   */
  async containerIdFor(relativePath: string): Promise<string> {
    if (relativePath === '' || relativePath === '.') return this.tree.rootId();
    return this.lock.shared(async () => {
      const rel = await this.jail.resolveLinks(relativePath);
      await (await this.jail.openFolder(rel)).close();
      return this.tree.containerIdOf(await spelledOnDisk(this.jail, rel));
    });
  }

  /** Every regular file under the root (dot-files, dot-folders and links excluded), with its ID. */
  async list(): Promise<FileSystemEntry[]> {
    return this.lock.shared(async () => {
      const known: KnownContainers = new Map();
      const entries: FileSystemEntry[] = [];
      for (const { rel, name } of await listFiles(this.jail))
        entries.push({ fileId: await this.tree.fileIdOf(rel, known), name, path: rel });
      return entries;
    });
  }

  /**
   * Removes what saves interrupted by a crash left behind: their hidden temporary files
   * (`.express-wopi.<12 hex>.wopi-tmp`, in any folder under the root) and temporary copies of ID
   * records (in `metadataDir`), when last written more than `olderThanMs` ago (default one hour).
   * Never served or listed, they only take space. Safe while saves run, in this process or
   * another: a save writes to its temporary file whenever bytes arrive and gives up after
   * `uploadIdleTimeoutMs` without any, so keep `olderThanMs` well above that option. Run it at
   * startup or now and then (`express-wopi sweep <dir>` does it from the command line).
   *
   * @throws WopiConfigError when `olderThanMs` is not a non-negative integer
   */
  async sweepTemporaryFiles(options: { olderThanMs?: number } = {}): Promise<TemporaryFileSweep> {
    const check = new OptionChecks('FileSystemStorage.sweepTemporaryFiles');
    check.options(options, 'or nothing');
    check.knownKeys(options, SWEEP_OPTIONS);
    const olderThanMs = check.nonNegativeInteger('olderThanMs', options.olderThanMs, DEFAULT_SWEEP_AGE_MS, 'milliseconds');
    return sweepTemporaryFiles(this.jail, this.metadataDir, olderThanMs);
  }

  async getFileInfo(fileId: string): Promise<WopiFileInfo> {
    if (!FILE_ID_PATTERN.test(fileId)) throw new FileNotFoundError();
    const fast = await this.resolved.statIfUnchanged(fileId);
    if (fast !== undefined) return this.toInfo(fast.rel, fast.st);
    return this.lock.shared(async () => {
      const rel = await this.pathOf(fileId);
      const st = await this.jail.statFile(rel);
      this.resolved.remember(fileId, rel, this.jail.absolute(rel), st);
      return this.toInfo(rel, st);
    });
  }

  async readFile(fileId: string): Promise<WopiFileContent> {
    if (!FILE_ID_PATTERN.test(fileId)) throw new FileNotFoundError();
    const fast = await this.resolved.openIfUnchanged(fileId);
    if (fast !== undefined) return this.openedContent(fast.rel, fast.fd, fast.st);
    return this.lock.shared(async () => {
      const rel = await this.pathOf(fileId);
      const { fd, st } = await this.jail.openFile(rel);
      this.resolved.remember(fileId, rel, this.jail.absolute(rel), st);
      return this.openedContent(rel, fd, st);
    });
  }

  async writeFile(fileId: string, content: Readable, context: WopiWriteContext): Promise<WopiFileInfo> {
    return withBody(content, context.signal, async () => {
      // The file's folder now: where the ID's record puts the file (a rename or a folder rename
      // may move it while the body arrives).
      let now = '';
      const locate: LocateFolder = async () => {
        now = await this.pathOf(fileId);
        return folderOf(now);
      };
      // First, a file in the root whose inode is unchanged since its ID was last resolved (as
      // the getFileInfo before every save has just checked) needs no ID record read and no
      // second look: one stat says where it is and what mode the new content keeps.
      let unchanged: BigIntStats | undefined;
      const locateFirst: LocateFolder = async () => {
        const fast = await this.resolved.statInRootIfUnchanged(fileId);
        if (fast === undefined) return locate();
        now = fast.rel;
        unchanged = fast.st;
        return '';
      };
      const { held, seen: before } = await HeldFolder.open(
        this.jail,
        this.lock,
        locateFirst,
        async (folder) => unchanged ?? regularFile(folder.path(nameOf(now)), this.reads),
      );
      if (this.fsync) held.folder.syncSoon();
      try {
        const temp = await writeTemporary(held.folder, content, context.signal, {
          mode: Number(before.mode & 0o777n),
          fsync: this.fsync,
          reads: this.reads,
        });
        try {
          await context.commit();
          // Renamed or deleted while the body was arriving? The content lands on the name the ID
          // has now, in this very folder wherever it is now, or nowhere (404).
          return await held.again(locate, async (folder) => {
            const name = nameOf(now);
            await rename(folder.path(temp), folder.path(name));
            if (this.fsync) await folder.sync();
            const st = await regularFile(folder.path(name), this.reads);
            this.resolved.remember(fileId, now, this.jail.absolute(now), st);
            return this.toInfo(now, st);
          });
        } catch (err) {
          await held.discard(locate, temp);
          throw err;
        }
      } finally {
        await held.close();
      }
    });
  }

  async findRelativeFile(fileId: string, name: string): Promise<string | null> {
    return this.lock.shared(async () => {
      const rel = await this.pathOf(fileId);
      legalName(name);
      return this.inFolder(folderOf(rel), async (folder) => {
        await regularFile(folder.path(nameOf(rel)));
        // The name as it is on disk: a case variant of `name` is the same file (see fileNameKey).
        const onDisk = (await FolderNames.read(folder)).find(name);
        return onDisk === undefined ? null : ((await this.replaceableId(folder, onDisk)) ?? null);
      });
    });
  }

  async createRelativeFile(
    fileId: string,
    content: Readable,
    target: WopiRelativeTarget,
    context: WopiWriteContext,
  ): Promise<WopiCreatedFile> {
    return withBody(content, context.signal, async () => {
      // "Next to the original": in its folder, followed by the folder's ID should it be renamed meanwhile.
      const containerId = await this.lock.shared(async () => {
        const rel = await this.pathOf(fileId);
        await this.jail.statFile(rel);
        return this.tree.containerIdOf(folderOf(rel));
      });
      const created = await createInContainer(this.site, containerId, content, target, context);
      debug('created %s (%s) next to %s', created.fileId, created.rel, fileId);
      return { fileId: created.fileId, info: this.toInfo(created.rel, created.st) };
    });
  }

  async renameFile(fileId: string, candidates: Iterable<string>): Promise<WopiFileInfo> {
    return this.lock.shared(async () => {
      const at = await this.locateFile(fileId);
      const rel = at.rel;
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
          await this.tree.renamed(fileId, at, name);
          if (this.fsync) await folder.sync();
          debug('renamed %s to %s', fileId, newRel);
          return this.toInfo(newRel, await regularFile(folder.path(name)));
        }
        throw new FileExistsError();
      });
    });
  }

  async deleteFile(fileId: string): Promise<void> {
    const rel = await this.lock.shared(async () => {
      const at = await this.locateFile(fileId);
      await this.inFolder(folderOf(at.rel), async (folder) => {
        await unlink(folder.path(nameOf(at.rel))).catch(notFound);
        this.resolved.forget(fileId);
        // The record stays as a tombstone, so the ID is never handed to another file.
        await this.tree.deleted(fileId, at);
        if (this.fsync) await folder.sync();
      });
      return at.rel;
    });
    debug('deleted %s (%s)', fileId, rel);
  }

  // Containers (WopiContainerStorage): containers.ts.

  getRootContainerId(userId: string): Promise<string> {
    return this.containers.getRootContainerId(userId);
  }

  getContainerInfo(containerId: string): Promise<WopiContainerInfo> {
    return this.containers.getContainerInfo(containerId);
  }

  getFileContainerId(fileId: string): Promise<string> {
    return this.containers.getFileContainerId(fileId);
  }

  enumerateChildren(containerId: string, filter: WopiChildrenFilter): Promise<WopiContainerChildren> {
    return this.containers.enumerateChildren(containerId, filter);
  }

  createChildContainer(containerId: string, candidates: Iterable<string>): Promise<WopiCreatedContainer> {
    return this.containers.createChildContainer(containerId, candidates);
  }

  createChildFile(containerId: string, content: Readable, target: WopiRelativeTarget, context: WopiWriteContext): Promise<WopiCreatedFile> {
    return this.containers.createChildFile(containerId, content, target, context);
  }

  renameContainer(containerId: string, name: string): Promise<WopiContainerInfo> {
    return this.containers.renameContainer(containerId, name);
  }

  deleteContainer(containerId: string): Promise<void> {
    return this.containers.deleteContainer(containerId);
  }

  /** Where the file ID leads now (its record, walked up to the root); 404 for an unknown or deleted ID. */
  private async locateFile(fileId: string): Promise<Located> {
    const at = await this.tree.locate(fileId);
    if (at.kind === 'root') throw new FileNotFoundError();
    return at;
  }

  /** The path the file ID names now; 404 for an unknown or deleted ID. */
  private async pathOf(fileId: string): Promise<string> {
    return (await this.locateFile(fileId)).rel;
  }

  /** The ID of the regular file `name` in `folder`; `undefined` when it is a folder, a link or gone. */
  private async replaceableId(folder: JailedFolder, name: string): Promise<string | undefined> {
    const st = await lstat(folder.path(name)).catch(() => undefined);
    if (st === undefined || !st.isFile()) return undefined;
    return this.tree.fileIdOf(joinRel(folder.rel, name));
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
      const info = this.toInfo(rel, st);
      // Exactly the bytes the answer's Content-Length announces: no read past the end to find
      // it, no buffer larger than the file, and sent through pooled buffers (file-body.ts).
      return { info, stream: new FileBody(fd, info.size) };
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
