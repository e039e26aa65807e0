/**
 * Containers for FileSystemStorage (WopiContainerStorage): the served folder is the root
 * container, and every folder inside it that `list()` would walk into is a container: never a
 * link (a folder swapped for a link is 404), never the metadata folder, never a dot-folder in a
 * listing (one named by its ID still works, like a dot-file).
 *
 * **IDs.** A container's ID is recorded like a file's (id-records.ts, id-tree.ts), shared by
 * every process serving the root, kept across restarts, retired for good by DeleteContainer.
 * Entries in a sub-folder are recorded by that folder's ID and their own name, so RenameContainer
 * rewrites one record and every ID inside the folder, at any depth, keeps resolving to the new
 * path; records of earlier releases below the folder are rewritten to that form first. The root
 * container has the same ID for every user.
 *
 * **Names** follow the file rules: checked again here (`checkFileName`: no separators, no device
 * names, …), compared by `fileNameKey` with every entry of the folder (hidden ones, files and
 * folders alike, so a file and a folder never share a name), never the metadata folder's name.
 *
 * **Overlaps in this process.** RenameContainer and DeleteContainer run alone ({@link TreeLock});
 * every other step that turns an ID into a path and acts on it runs beside the others. A save
 * into a folder being renamed either publishes before the rename or, having written its body into
 * the held folder (held-folder.ts), finds the file's new path after it: it is never lost.
 *
 * **Other processes** serving the same root are not covered by that lock:
 *
 * - RenameContainer moves the folder, then rewrites its record: for that moment another process
 *   resolving an ID inside it finds the old path gone (404). A save in another process that was
 *   already receiving its body still lands where Linux descriptors are used (its temporary file
 *   is in the very folder, found again by inode); elsewhere (`lstat`-checked paths, docs/security.md)
 *   it can fail in that moment, as a file rename can.
 * - The new name is claimed with an empty placeholder folder before the rename, so no folder is
 *   ever renamed over another one; another process can see that empty folder for a moment, and
 *   an ID it gives it is retired when the rename completes.
 * - DeleteContainer removes hidden leftovers, among them the temporary file of an upload another
 *   process is still receiving into the folder: that create then fails (404), never leaving a file.
 * - A crash between the folder's rename and its record's rewrite leaves the record naming the old
 *   name (the folder's ID and everything in it answer 404): renaming the folder back on disk
 *   restores them.
 * - Processes of releases before containers write records by path: run one release per root.
 */
import { lstat } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import type { Readable } from 'node:stream';
import type {
  WopiChildrenFilter,
  WopiContainerChildren,
  WopiContainerInfo,
  WopiContainerStorage,
  WopiCreatedContainer,
  WopiCreatedFile,
  WopiFileInfo,
  WopiRelativeTarget,
  WopiWriteContext,
} from '../storage';
import { BadRequestError, ContainerNotEmptyError, FileExistsError, FileNotFoundError } from '../../errors';
import { fileNameKey } from '../../protocol/file-name';
import { withBody } from '../abort';
import { log } from '../../log';
import { folderOf, joinRel, legalName, nameOf, notFound, regularFile } from './errno';
import { FolderNames, listedKind, makeFolderIfFree, moveFolderIfFree } from './folder-names';
import { removeEmptyFolder } from './empty-folder';
import type { IdTree, Located } from './id-tree';
import type { JailedFolder } from './jailed-folder';
import { createInContainer, type CreationSite } from './relative-publish';

const debug = log('storage:fs');

/** What the container operations need from FileSystemStorage. */
export interface ContainerSite extends CreationSite {
  readonly tree: IdTree;
  /** The root container's name (CheckContainerInfo `Name`). */
  readonly rootName: string;
  /** The metadata of the regular file at `rel`, as getFileInfo reports it. */
  fileInfo(rel: string, st: BigIntStats): WopiFileInfo;
}

export class FsContainers implements WopiContainerStorage {
  constructor(private readonly site: ContainerSite) {}

  getRootContainerId(_userId: string): Promise<string> {
    return this.site.tree.rootId();
  }

  getContainerInfo(containerId: string): Promise<WopiContainerInfo> {
    return this.site.lock.shared(async () => {
      const at = await this.site.tree.locateContainer(containerId);
      await this.inFolder(at.rel, async () => undefined);
      return this.infoOf(at);
    });
  }

  getFileContainerId(fileId: string): Promise<string> {
    return this.site.lock.shared(async () => {
      const at = await this.site.tree.locate(fileId);
      if (at.kind === 'root') throw new FileNotFoundError();
      await this.site.jail.statFile(at.rel);
      return (await this.site.tree.parentIdOf(at)) as string;
    });
  }

  enumerateChildren(containerId: string, filter: WopiChildrenFilter): Promise<WopiContainerChildren> {
    // The router filters again; filtering here spares a stat and an ID for each file not asked for.
    const extensions = filter.extensions?.map((extension) => fileNameKey(extension));
    const wanted = (name: string): boolean => extensions === undefined || extensions.some((e) => fileNameKey(name).endsWith(e));
    return this.site.lock.shared(async () => {
      const { jail, tree } = this.site;
      const at = await tree.locateContainer(containerId);
      const known = new Map([[at.rel, containerId]]);
      return this.inFolder(at.rel, async (folder) => {
        const children: WopiContainerChildren = { files: [], containers: [] };
        for (const d of await folder.list()) {
          const kind = listedKind(jail, at.rel, d);
          const rel = joinRel(at.rel, d.name);
          if (kind === 'folder') {
            children.containers.push({ containerId: await tree.containerIdOf(rel, known), name: d.name });
          } else if (kind === 'file' && wanted(d.name)) {
            // Gone, or no longer a regular file, since the listing: not a child any more.
            const st = await regularFile(folder.path(d.name)).catch(skipNotFound);
            if (st !== undefined) children.files.push({ fileId: await tree.fileIdOf(rel, known), info: this.site.fileInfo(rel, st) });
          }
        }
        return children;
      });
    });
  }

  createChildContainer(containerId: string, candidates: Iterable<string>): Promise<WopiCreatedContainer> {
    return this.site.lock.shared(async () => {
      const { jail, tree } = this.site;
      const at = await tree.locateContainer(containerId);
      return this.inFolder(at.rel, async (folder) => {
        const present = await FolderNames.read(folder);
        for (const name of candidates) {
          legalName(name);
          // Taken by a file or a folder, also when only the case differs; mkdir() refuses a
          // name taken meanwhile.
          if (present.find(name) !== undefined || jail.isMetadataEntry(at.rel, name)) continue;
          if (!(await makeFolderIfFree(folder.path(name)))) continue;
          if (this.site.fsync) await folder.sync();
          const rel = joinRel(at.rel, name);
          const newId = await tree.containerIdOf(rel, new Map([[at.rel, containerId]]));
          debug('created container %s (%s)', newId, rel);
          return { containerId: newId, info: { name, parentId: containerId } };
        }
        throw new FileExistsError();
      });
    });
  }

  createChildFile(containerId: string, content: Readable, target: WopiRelativeTarget, context: WopiWriteContext): Promise<WopiCreatedFile> {
    return withBody(content, context.signal, async () => {
      const created = await createInContainer(this.site, containerId, content, target, context);
      debug('created %s (%s) in container %s', created.fileId, created.rel, containerId);
      return { fileId: created.fileId, info: this.site.fileInfo(created.rel, created.st) };
    });
  }

  async renameContainer(containerId: string, name: string): Promise<WopiContainerInfo> {
    legalName(name);
    const { jail, tree } = this.site;
    // First, beside other requests: records of earlier releases below the folder get the form
    // that survives the rename (they name the same files either way).
    await this.site.lock.shared(async () => {
      const at = await this.renamable(containerId);
      await this.inFolder(at.rel, async () => undefined);
      await tree.adoptBelow(at.rel);
    });
    return this.site.lock.exclusive(async () => {
      const at = await this.renamable(containerId);
      const own = nameOf(at.rel);
      const parentRel = folderOf(at.rel);
      const parentId = await tree.parentIdOf(at);
      return this.inFolder(parentRel, async (parent) => {
        const st = await lstat(parent.path(own)).catch(notFound);
        if (!st.isDirectory()) throw new FileNotFoundError();
        if (name === own) return { name, parentId };
        const present = await FolderNames.read(parent);
        // Taken by another file or folder, also when only the case differs; a case change of its own name is fine.
        if (present.takenByOther(name, own) || jail.isMetadataEntry(parentRel, name)) throw new FileExistsError(TAKEN);
        const caseChange = fileNameKey(name) === fileNameKey(own) && !present.has(name);
        if (!(await moveFolderIfFree(parent.path(own), parent.path(name), caseChange))) throw new FileExistsError(TAKEN);
        await tree.renamed(containerId, at, name);
        if (this.site.fsync) await parent.sync();
        debug('renamed container %s to %s', containerId, joinRel(parentRel, name));
        return { name, parentId };
      });
    });
  }

  deleteContainer(containerId: string): Promise<void> {
    return this.site.lock.exclusive(async () => {
      const at = await this.site.tree.locateContainer(containerId);
      if (at.kind === 'root') throw new ContainerNotEmptyError('The root container cannot be deleted');
      await this.inFolder(folderOf(at.rel), async (parent) => {
        await removeEmptyFolder(this.site.jail, at.rel, parent, nameOf(at.rel));
        // The record stays as a tombstone, so the ID is never handed to another container.
        await this.site.tree.deleted(containerId, at);
        if (this.site.fsync) await parent.sync();
      });
      debug('deleted container %s (%s)', containerId, at.rel);
    });
  }

  /** The container `containerId`, which may be renamed: not the root, not one holding the metadata folder. */
  private async renamable(containerId: string): Promise<Located> {
    const at = await this.site.tree.locateContainer(containerId);
    if (at.kind === 'root') throw new BadRequestError('The root container cannot be renamed');
    if (this.site.jail.holdsMetadata(at.rel)) throw new BadRequestError('This folder holds the storage metadata and cannot be renamed');
    return at;
  }

  private async infoOf(at: Located): Promise<WopiContainerInfo> {
    if (at.kind === 'root') return { name: this.site.rootName, parentId: null };
    const info: WopiContainerInfo = { name: nameOf(at.rel), parentId: await this.site.tree.parentIdOf(at) };
    if (this.site.jail.holdsMetadata(at.rel)) info.renamable = false; // see renamable()
    return info;
  }

  /** Runs `work` with the folder `rel` opened through the jail (404 when it is not a folder), and closes it after. */
  private async inFolder<T>(rel: string, work: (folder: JailedFolder) => Promise<T>): Promise<T> {
    const folder = await this.site.jail.openFolder(rel);
    try {
      return await work(folder);
    } finally {
      await folder.close();
    }
  }
}

const TAKEN = 'A file or container with this name already exists';

function skipNotFound(err: unknown): undefined {
  if (err instanceof FileNotFoundError) return undefined;
  throw err;
}
