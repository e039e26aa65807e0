import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
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
} from './storage';
import { BadRequestError, ContainerNotEmptyError, FileExistsError, FileNotFoundError } from '../errors';
import { DEFAULT_OWNER_ID, FILE_ID_PATTERN, newFileId } from './file-id';
import { destroyOnAbort } from './abort';
import { checkFileName, fileNameKey } from '../protocol/file-name';
import { OptionChecks } from '../util/validate';

/** The ID of the root container of every MemoryStorage. */
const ROOT_ID = 'root';

interface StoredFile {
  name: string;
  /** The container the file is in. */
  containerId: string;
  content: Buffer;
  sha256: string;
  version: number;
  lastModifiedTime: Date;
  ownerId: string;
}

interface StoredContainer {
  name: string;
  /** `null` for the root only. */
  parentId: string | null;
}

export interface MemoryStorageOptions {
  /** The root container's name (CheckContainerInfo `Name`). Default `"Files"`. */
  rootName?: string;
}

export interface MemoryFileOptions {
  /** Use this ID instead of a random one (URL-safe: letters, digits, `_`, `-`). */
  fileId?: string;
  /** CheckFileInfo `OwnerId`. Default `"express-wopi"`. */
  ownerId?: string;
  /** The container to put the file in (an ID from {@link MemoryStorage.addContainer}). Default the root, `"root"`. */
  containerId?: string;
}

/**
 * Files held in memory: for tests, demos and examples. Content is buffered by nature, so do not
 * use it for large files or in production.
 *
 * Files live in a tree of containers (folders) below one root, whose ID is `root` for every
 * user; {@link addFile} puts files in the root unless told otherwise. "Next to" a file
 * (PutRelativeFile, RenameFile) means in the file's own container: PutRelativeFile, RenameFile,
 * CreateChildFile and CreateChildContainer never give two entries of one container the same name
 * (compared with `fileNameKey`), whether they are files or containers. A file CreateChildFile
 * creates is owned by the creating user (`context.userId`); one PutRelativeFile creates, by the
 * original's owner.
 *
 * Writes collect the whole body, call `context.commit`, then look the file up again and swap the
 * content in synchronously, so nothing can change between the commit step and the swap. A
 * deleted ID, of a file or of a container, is remembered and never given out again, also not
 * through `addFile`; a new container never gets the ID of a file, nor a new file that of a
 * container.
 */
export class MemoryStorage implements WopiStorage, WopiContainerStorage {
  private readonly files = new Map<string, StoredFile>();
  private readonly containers = new Map<string, StoredContainer>();
  /** IDs of deleted files and containers: they answer 404 for ever and are never handed out again. */
  private readonly deletedIds = new Set<string>();

  constructor(options: MemoryStorageOptions = {}) {
    const check = new OptionChecks('MemoryStorage');
    check.options(options, '(or nothing)');
    const rootName = check.nonEmptyString('rootName', options.rootName, 'Files');
    this.containers.set(ROOT_ID, { name: rootName, parentId: null });
  }

  /**
   * Adds a file and returns its ID.
   *
   * @throws WopiConfigError (`WOPI_OPTION_VALUE`) when `options.fileId` is not URL-safe, is
   *   taken (by a file or a container), or belonged to a deleted file or container; when `options.containerId` names no container; or
   *   when a container in that container already has the name (files may share a name here, as
   *   tests sometimes need, but a file and a container may not).
   */
  addFile(name: string, content: Buffer | string = '', options: MemoryFileOptions = {}): string {
    const check = new OptionChecks('MemoryStorage.addFile');
    const containerId = options.containerId ?? ROOT_ID;
    if (!this.containers.has(containerId)) {
      throw check.error('WOPI_OPTION_VALUE', 'containerId', `${JSON.stringify(containerId)} names no container`);
    }
    if (this.containerNamed(name, containerId) !== undefined) {
      throw check.error('WOPI_OPTION_VALUE', 'name', `${JSON.stringify(name)} is taken by a container in the same container`);
    }
    const fileId = options.fileId ?? this.freshId();
    if (!FILE_ID_PATTERN.test(fileId)) {
      throw check.error('WOPI_OPTION_VALUE', 'fileId', `${JSON.stringify(fileId)} is not URL-safe ([A-Za-z0-9_-], 1 to 128 characters)`);
    }
    if (this.files.has(fileId)) throw check.error('WOPI_OPTION_VALUE', 'fileId', `${fileId} is taken: a file with this ID already exists`);
    if (this.containers.has(fileId)) throw check.error('WOPI_OPTION_VALUE', 'fileId', `${fileId} is taken: a container has this ID`);
    if (this.deletedIds.has(fileId)) {
      throw check.error('WOPI_OPTION_VALUE', 'fileId', `${fileId} belonged to a deleted file or container, and IDs are never reused`);
    }
    this.putFile(fileId, name, containerId, Buffer.from(content), options.ownerId || DEFAULT_OWNER_ID);
    return fileId;
  }

  /**
   * Adds an empty container named `name` inside `parentId` (default the root) and returns its
   * (random) ID.
   *
   * @throws WopiConfigError (`WOPI_OPTION_VALUE`) when `parentId` names no container, or `name`
   *   is not a legal name (`checkFileName`) or is taken in the parent by a file or a container.
   */
  addContainer(name: string, parentId: string = ROOT_ID): string {
    const check = new OptionChecks('MemoryStorage.addContainer');
    if (!this.containers.has(parentId))
      throw check.error('WOPI_OPTION_VALUE', 'parentId', `${JSON.stringify(parentId)} names no container`);
    const legal = checkFileName(name);
    if (!legal.ok) throw check.error('WOPI_OPTION_VALUE', 'name', `${JSON.stringify(name)} is not a legal name: ${legal.reason}`);
    if (this.isTaken(name, parentId)) {
      throw check.error('WOPI_OPTION_VALUE', 'name', `${JSON.stringify(name)} is taken by a file or container in the same container`);
    }
    return this.putContainer(name, parentId);
  }

  /** Every file, in every container: ID and name. */
  list(): Array<{ fileId: string; name: string }> {
    return [...this.files].map(([fileId, f]) => ({ fileId, name: f.name }));
  }

  /** The current content of a file (a copy). */
  getContent(fileId: string): Buffer {
    return Buffer.from(this.get(fileId).content);
  }

  async getFileInfo(fileId: string): Promise<WopiFileInfo> {
    return toInfo(this.get(fileId));
  }

  async readFile(fileId: string): Promise<WopiFileContent> {
    const file = this.get(fileId);
    return { info: toInfo(file), stream: Readable.from([file.content], { objectMode: false }) };
  }

  async writeFile(fileId: string, content: Readable, context: WopiWriteContext): Promise<WopiFileInfo> {
    this.get(fileId);
    const bytes = await collect(content, context.signal);
    // The whole body is here and nothing else can fail: the router's last check. When it
    // rejects, the bytes are dropped and the file stays as it was.
    await context.commit();
    // Looked up again, and swapped in within the same synchronous step: the file may have been
    // deleted (404) while the body was arriving or the commit step was waiting.
    const file = this.get(fileId);
    replaceContent(file, bytes);
    return toInfo(file);
  }

  async findRelativeFile(fileId: string, name: string): Promise<string | null> {
    const file = this.get(fileId);
    return this.fileNamed(name, file.containerId) ?? null;
  }

  async createRelativeFile(
    fileId: string,
    content: Readable,
    target: WopiRelativeTarget,
    context: WopiWriteContext,
  ): Promise<WopiCreatedFile> {
    // The original is looked up again after the commit step: its container is where the new
    // file goes, and its owner is the new file's owner.
    return this.createFile(
      () => {
        const original = this.get(fileId);
        return { containerId: original.containerId, ownerId: original.ownerId };
      },
      content,
      target,
      context,
    );
  }

  async renameFile(fileId: string, candidates: Iterable<string>): Promise<WopiFileInfo> {
    const file = this.get(fileId);
    for (const name of candidates) {
      // Taken by another file or a container beside it, also when only the case differs; a case
      // change of its own name is fine.
      if (!this.isTaken(name, file.containerId, { fileId })) {
        file.name = name;
        return toInfo(file);
      }
    }
    throw new FileExistsError();
  }

  async deleteFile(fileId: string): Promise<void> {
    this.get(fileId);
    this.files.delete(fileId);
    this.deletedIds.add(fileId);
  }

  // --- containers -----------------------------------------------------------------------------

  async getRootContainerId(_userId: string): Promise<string> {
    return ROOT_ID;
  }

  async getContainerInfo(containerId: string): Promise<WopiContainerInfo> {
    const container = this.getContainer(containerId);
    return { name: container.name, parentId: container.parentId };
  }

  async getFileContainerId(fileId: string): Promise<string> {
    return this.get(fileId).containerId;
  }

  async enumerateChildren(containerId: string, filter: WopiChildrenFilter): Promise<WopiContainerChildren> {
    this.getContainer(containerId);
    // The filter is a hint the router applies again: honouring it only saves describing files, and
    // an empty list is taken as no filter (listing too much is harmless, too little is not).
    const extensions = filter.extensions?.length ? filter.extensions.map((e) => e.toLowerCase()) : undefined;
    const children: WopiContainerChildren = { files: [], containers: [] };
    for (const [fileId, file] of this.files) {
      if (file.containerId !== containerId) continue;
      if (extensions !== undefined) {
        const lower = file.name.toLowerCase();
        if (!extensions.some((e) => lower.endsWith(e))) continue;
      }
      children.files.push({ fileId, info: toInfo(file) });
    }
    for (const [id, container] of this.containers) {
      if (container.parentId === containerId) children.containers.push({ containerId: id, name: container.name });
    }
    return children;
  }

  async createChildContainer(containerId: string, candidates: Iterable<string>): Promise<WopiCreatedContainer> {
    this.getContainer(containerId);
    // Nothing awaits from the check to the claim: concurrent calls end with distinct names.
    for (const name of candidates) {
      if (!this.isTaken(name, containerId)) {
        const newId = this.putContainer(name, containerId);
        return { containerId: newId, info: { name, parentId: containerId } };
      }
    }
    throw new FileExistsError();
  }

  async createChildFile(
    containerId: string,
    content: Readable,
    target: WopiRelativeTarget,
    context: WopiWriteContext,
  ): Promise<WopiCreatedFile> {
    // A new child file belongs to the user who creates it.
    const ownerId = context.userId || DEFAULT_OWNER_ID;
    return this.createFile(
      () => {
        this.getContainer(containerId);
        return { containerId, ownerId };
      },
      content,
      target,
      context,
    );
  }

  async renameContainer(containerId: string, name: string): Promise<WopiContainerInfo> {
    const container = this.getContainer(containerId);
    if (container.parentId === null) throw new BadRequestError('The root container cannot be renamed');
    if (this.isTaken(name, container.parentId, { containerId }))
      throw new FileExistsError('A file or container with this name already exists');
    container.name = name;
    return { name: container.name, parentId: container.parentId };
  }

  async deleteContainer(containerId: string): Promise<void> {
    const container = this.getContainer(containerId);
    if (container.parentId === null) throw new ContainerNotEmptyError('The root container cannot be deleted');
    const holdsFile = [...this.files.values()].some((f) => f.containerId === containerId);
    const holdsContainer = [...this.containers.values()].some((c) => c.parentId === containerId);
    if (holdsFile || holdsContainer) throw new ContainerNotEmptyError();
    this.containers.delete(containerId);
    this.deletedIds.add(containerId);
  }

  // --- internals ------------------------------------------------------------------------------

  /**
   * createRelativeFile and createChildFile: `locate` says (and throws FileNotFoundError when it
   * cannot) which container the file goes in and who owns a new file. It runs before the body is
   * read and again after the commit step, whose outcome decides: without `target.overwrite`,
   * `commit()` and then the first free candidate; with it, see {@link overwriteFile}. From the
   * last `await` to the return nothing awaits, so the name chosen is still free when it is
   * claimed and concurrent calls with the same candidates end with distinct names.
   */
  private async createFile(
    locate: () => { containerId: string; ownerId: string },
    content: Readable,
    target: WopiRelativeTarget,
    context: WopiWriteContext,
  ): Promise<WopiCreatedFile> {
    locate();
    const bytes = await collect(content, context.signal);
    if (target.overwrite) return this.overwriteFile(locate, bytes, target, context);
    await context.commit();
    const { containerId, ownerId } = locate();
    for (const name of target.candidates) {
      if (!this.isTaken(name, containerId)) return this.createdFile(this.putFile(this.freshId(), name, containerId, bytes, ownerId));
    }
    throw new FileExistsError();
  }

  /**
   * createFile with `target.overwrite`: the first candidate names the file to replace (keeping
   * its ID), or the file to create when nothing has that name; a container of that name makes it
   * taken. The commit step is told which, and afterwards the name must still name the same file
   * (or still be free): a file renamed away, deleted or created under it meanwhile was not the
   * one the router checked.
   */
  private async overwriteFile(
    locate: () => { containerId: string; ownerId: string },
    bytes: Buffer,
    target: WopiRelativeTarget,
    context: WopiWriteContext,
  ): Promise<WopiCreatedFile> {
    const [name] = target.candidates;
    if (name === undefined) throw new FileExistsError();
    const before = locate().containerId;
    if (this.containerNamed(name, before) !== undefined) throw new FileExistsError('A container with this name already exists');
    const replacing = this.fileNamed(name, before);
    await (replacing === undefined ? context.commit() : context.commit(replacing));
    const { containerId, ownerId } = locate();
    if (containerId !== before || this.fileNamed(name, containerId) !== replacing || this.containerNamed(name, containerId) !== undefined) {
      throw new FileExistsError();
    }
    if (replacing === undefined) return this.createdFile(this.putFile(this.freshId(), name, containerId, bytes, ownerId));
    const file = this.get(replacing);
    replaceContent(file, bytes);
    return { fileId: replacing, info: toInfo(file) };
  }

  private createdFile(fileId: string): WopiCreatedFile {
    return { fileId, info: toInfo(this.get(fileId)) };
  }

  private putFile(fileId: string, name: string, containerId: string, bytes: Buffer, ownerId: string): string {
    this.files.set(fileId, {
      name,
      containerId,
      content: bytes,
      sha256: sha256(bytes),
      version: 1,
      lastModifiedTime: new Date(),
      ownerId,
    });
    return fileId;
  }

  private putContainer(name: string, parentId: string): string {
    const id = this.freshId();
    this.containers.set(id, { name, parentId });
    return id;
  }

  /** A random ID that no file or container has and no deleted one had. */
  private freshId(): string {
    let id = newFileId();
    while (this.files.has(id) || this.containers.has(id) || this.deletedIds.has(id)) id = newFileId();
    return id;
  }

  /**
   * The ID of the file called `name` in `containerId`, or else of one whose name differs only in
   * case (see fileNameKey).
   */
  private fileNamed(name: string, containerId: string): string | undefined {
    const key = fileNameKey(name);
    let variant: string | undefined;
    for (const [id, file] of this.files) {
      if (file.containerId !== containerId) continue;
      if (file.name === name) return id;
      if (variant === undefined && fileNameKey(file.name) === key) variant = id;
    }
    return variant;
  }

  /** The ID of a container in `parentId` whose name is `name` up to fileNameKey. */
  private containerNamed(name: string, parentId: string): string | undefined {
    const key = fileNameKey(name);
    for (const [id, container] of this.containers) {
      if (container.parentId === parentId && fileNameKey(container.name) === key) return id;
    }
    return undefined;
  }

  /** Whether a file or container in `containerId`, other than `except`, has `name` up to fileNameKey. */
  private isTaken(name: string, containerId: string, except: { fileId?: string; containerId?: string } = {}): boolean {
    const key = fileNameKey(name);
    for (const [id, file] of this.files) {
      if (id !== except.fileId && file.containerId === containerId && fileNameKey(file.name) === key) return true;
    }
    for (const [id, container] of this.containers) {
      if (id !== except.containerId && container.parentId === containerId && fileNameKey(container.name) === key) return true;
    }
    return false;
  }

  private get(fileId: string): StoredFile {
    const file = FILE_ID_PATTERN.test(fileId) ? this.files.get(fileId) : undefined;
    if (!file) throw new FileNotFoundError();
    return file;
  }

  private getContainer(containerId: string): StoredContainer {
    const container = FILE_ID_PATTERN.test(containerId) ? this.containers.get(containerId) : undefined;
    if (!container) throw new FileNotFoundError('Container not found');
    return container;
  }
}

/** Reads a whole body into memory, stopping at once when `signal` aborts. */
async function collect(content: Readable, signal: AbortSignal): Promise<Buffer> {
  signal.throwIfAborted();
  const chunks: Buffer[] = [];
  const release = destroyOnAbort(content, signal);
  try {
    for await (const chunk of content) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  } finally {
    release();
  }
  signal.throwIfAborted();
  return Buffer.concat(chunks);
}

function replaceContent(file: StoredFile, bytes: Buffer): void {
  file.content = bytes;
  file.sha256 = sha256(bytes);
  file.version += 1;
  file.lastModifiedTime = nextModifiedTime(file.lastModifiedTime);
}

function toInfo(file: StoredFile): WopiFileInfo {
  return {
    name: file.name,
    size: file.content.length,
    version: String(file.version),
    lastModifiedTime: new Date(file.lastModifiedTime),
    sha256: file.sha256,
    ownerId: file.ownerId,
  };
}

/** A modification time strictly after the previous one, so two saves in one millisecond differ. */
function nextModifiedTime(previous: Date): Date {
  const now = Date.now();
  return new Date(now > previous.getTime() ? now : previous.getTime() + 1);
}

function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('base64');
}
