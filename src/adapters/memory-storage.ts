import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import type { WopiCreatedFile, WopiFileContent, WopiFileInfo, WopiRelativeTarget, WopiStorage, WopiWriteContext } from './storage';
import { FileExistsError, FileNotFoundError, WopiConfigError } from '../errors';
import { DEFAULT_OWNER_ID, FILE_ID_PATTERN, newFileId } from './file-id';
import { destroyOnAbort } from './abort';
import { fileNameKey } from '../protocol/file-name';

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
 */
export class MemoryStorage implements WopiStorage {
  private readonly files = new Map<string, StoredFile>();
  private readonly userInfo = new Map<string, string>();

  /** Adds a file and returns its ID. */
  addFile(name: string, content: Buffer | string = '', options: MemoryFileOptions = {}): string {
    const fileId = options.fileId ?? newFileId();
    if (!FILE_ID_PATTERN.test(fileId)) {
      throw new WopiConfigError('ERR_WOPI_OPTION_VALUE', `MemoryStorage: file ID ${JSON.stringify(fileId)} is not URL-safe`);
    }
    if (this.files.has(fileId)) {
      throw new WopiConfigError('ERR_WOPI_OPTION_VALUE', `MemoryStorage: a file with ID ${fileId} already exists`);
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
    // Looked up again: the file may have been removed while the body was arriving.
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
    for (const name of target.candidates) {
      const existing = this.idOfName(name);
      if (existing !== undefined && target.overwrite) {
        const file = this.get(existing);
        replaceContent(file, bytes);
        return { fileId: existing, info: toInfo(file) };
      }
      if (existing === undefined) {
        const newId = this.addFile(name, bytes, { ownerId: this.get(fileId).ownerId });
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
  }

  async putUserInfo(userId: string, userInfo: string): Promise<void> {
    this.userInfo.set(userId, userInfo);
  }

  async getUserInfo(userId: string): Promise<string | undefined> {
    return this.userInfo.get(userId);
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
