import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import type { WopiCreatedFile, WopiFileContent, WopiFileInfo, WopiRelativeTarget, WopiStorage, WopiWriteContext } from './storage';
import { FileExistsError, FileNotFoundError } from '../errors';
import { DEFAULT_OWNER_ID, FILE_ID_PATTERN, newFileId } from './file-id';
import { destroyOnAbort } from './abort';
import { fileNameKey } from '../protocol/file-name';
import { OptionChecks } from '../util/validate';

interface StoredFile {
  name: string;
  content: Buffer;
  sha256: string;
  version: number;
  lastModifiedTime: Date;
  ownerId: string;
}

export interface MemoryFileOptions {
  /** Use this ID instead of a random one (URL-safe: letters, digits, `_`, `-`). */
  fileId?: string;
  /** CheckFileInfo `OwnerId`. Default `"express-wopi"`. */
  ownerId?: string;
}

/**
 * Files held in memory: for tests, demos and examples. Content is buffered by nature, so do not
 * use it for large files or in production. All files live in one flat folder, so "next to" a
 * file (PutRelativeFile) means among all files; PutRelativeFile and RenameFile never give two
 * files the same name.
 *
 * Writes collect the whole body, call `context.commit`, then look the file up again and swap the
 * content in synchronously, so nothing can change between the commit step and the swap. A
 * deleted ID is remembered and never given to another file, also not through `addFile`.
 */
export class MemoryStorage implements WopiStorage {
  private readonly files = new Map<string, StoredFile>();
  /** IDs of deleted files: they answer 404 for ever and are never handed out again. */
  private readonly deletedIds = new Set<string>();

  /**
   * Adds a file and returns its ID.
   *
   * @throws WopiConfigError (`WOPI_OPTION_VALUE`) when `options.fileId` is not URL-safe, is
   *   taken, or belonged to a deleted file.
   */
  addFile(name: string, content: Buffer | string = '', options: MemoryFileOptions = {}): string {
    const fileId = options.fileId ?? this.freshId();
    const check = new OptionChecks('MemoryStorage.addFile');
    if (!FILE_ID_PATTERN.test(fileId)) {
      throw check.error('WOPI_OPTION_VALUE', 'fileId', `${JSON.stringify(fileId)} is not URL-safe ([A-Za-z0-9_-], 1 to 128 characters)`);
    }
    if (this.files.has(fileId)) throw check.error('WOPI_OPTION_VALUE', 'fileId', `${fileId} is taken: a file with this ID already exists`);
    if (this.deletedIds.has(fileId)) {
      throw check.error('WOPI_OPTION_VALUE', 'fileId', `${fileId} belonged to a deleted file, and IDs are never reused`);
    }
    const bytes = Buffer.from(content);
    this.files.set(fileId, {
      name,
      content: bytes,
      sha256: sha256(bytes),
      version: 1,
      lastModifiedTime: new Date(),
      ownerId: options.ownerId || DEFAULT_OWNER_ID,
    });
    return fileId;
  }

  /** Every file: ID and name. */
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
    this.get(fileId);
    return this.idOfName(name) ?? null;
  }

  async createRelativeFile(
    fileId: string,
    content: Readable,
    target: WopiRelativeTarget,
    context: WopiWriteContext,
  ): Promise<WopiCreatedFile> {
    this.get(fileId);
    const bytes = await collect(content, context.signal);
    if (target.overwrite) return this.overwriteRelative(fileId, bytes, target, context);
    await context.commit();
    // From here to the return nothing awaits, so the name chosen is still free when it is
    // claimed: concurrent calls with the same candidates end with distinct names.
    const original = this.get(fileId);
    for (const name of target.candidates) {
      if (this.idOfName(name) === undefined) {
        const newId = this.addFile(name, bytes, { ownerId: original.ownerId });
        return { fileId: newId, info: toInfo(this.get(newId)) };
      }
    }
    throw new FileExistsError();
  }

  async renameFile(fileId: string, candidates: Iterable<string>): Promise<WopiFileInfo> {
    const file = this.get(fileId);
    for (const name of candidates) {
      // Taken by another file, also when only the case differs; a case change of its own name is fine.
      const key = fileNameKey(name);
      if (![...this.files].some(([id, other]) => id !== fileId && fileNameKey(other.name) === key)) {
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

  /**
   * createRelativeFile with `target.overwrite`: the first candidate names the file to replace
   * (keeping its ID), or the file to create when no file has that name. The commit step is told
   * which, and afterwards the name must still name the same file (or still be free): a file
   * renamed away, deleted or created under it meanwhile was not the one the router checked.
   */
  private async overwriteRelative(
    fileId: string,
    bytes: Buffer,
    target: WopiRelativeTarget,
    context: WopiWriteContext,
  ): Promise<WopiCreatedFile> {
    const [name] = target.candidates;
    if (name === undefined) throw new FileExistsError();
    const replacing = this.idOfName(name);
    await (replacing === undefined ? context.commit() : context.commit(replacing));
    const original = this.get(fileId);
    if (this.idOfName(name) !== replacing) throw new FileExistsError();
    if (replacing === undefined) {
      const newId = this.addFile(name, bytes, { ownerId: original.ownerId });
      return { fileId: newId, info: toInfo(this.get(newId)) };
    }
    const file = this.get(replacing);
    replaceContent(file, bytes);
    return { fileId: replacing, info: toInfo(file) };
  }

  /** A random ID that no file has and no deleted file had. */
  private freshId(): string {
    let id = newFileId();
    while (this.files.has(id) || this.deletedIds.has(id)) id = newFileId();
    return id;
  }

  /** The ID of the file called `name`, or else of one whose name differs only in case (see fileNameKey). */
  private idOfName(name: string): string | undefined {
    const key = fileNameKey(name);
    let variant: string | undefined;
    for (const [id, file] of this.files) {
      if (file.name === name) return id;
      if (variant === undefined && fileNameKey(file.name) === key) variant = id;
    }
    return variant;
  }

  private get(fileId: string): StoredFile {
    const file = FILE_ID_PATTERN.test(fileId) ? this.files.get(fileId) : undefined;
    if (!file) throw new FileNotFoundError();
    return file;
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
