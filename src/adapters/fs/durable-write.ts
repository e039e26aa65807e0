/**
 * Durable writes: a save's content goes to a hidden temporary file in the file's own folder,
 * reached through the jailed folder, is fsynced, and only then (after the router's commit step)
 * renamed over the file; on any failure the temporary file is removed. Also the small record
 * files of the metadata folder, written whole or not at all.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, fchmod, fsync, type WriteStream } from 'node:fs';
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { log } from '../../log';
import { pump } from '../../util/pump';
import { errorCode } from './errno';
import { closeSynced, fdClose, fdOpen, fdStat, type JailedFolder } from './jailed-folder';
import type { MetadataReads } from './metadata-reads';

const debug = log('storage:fs');
const fdChmod = promisify(fchmod);
const fdSync = promisify(fsync);

/** Read and write chunk size: larger than the stream default (64 KiB), fewer trips per file. */
export const CHUNK_BYTES = 256 * 1024;

/** The suffix of every temporary file a save makes (dot-files: never listed, never served). */
export const TEMP_SUFFIX = '.wopi-tmp';

/**
 * A save's temporary file, as {@link writeTemporary} names it, and a record's temporary copy, as
 * {@link writeAtomically} and {@link createExclusively} name it: what a crash can leave behind
 * (temp-sweep.ts removes them).
 */
export const SAVE_TEMP_NAME = /^\.express-wopi\.[0-9a-f]{12}\.wopi-tmp$/;
export const RECORD_TEMP_NAME = /\.[0-9a-f]{12}\.tmp$/;

export interface TemporaryOptions {
  /** Permissions for the new file (a save keeps the original's); default from the umask. */
  mode?: number;
  /** fsync the content before returning. */
  fsync: boolean;
  /** How the new file's stat runs (metadata-reads.ts); the thread pool when not given. */
  reads?: MetadataReads;
}

/**
 * Streams `content` into a new hidden file in `folder` and returns its name, durable when
 * `options.fsync`. Created with `O_EXCL` (never through a link) in the folder that was opened. On
 * any failure, an abort of `signal` among them, the file is removed and the error rethrown.
 */
export async function writeTemporary(
  folder: JailedFolder,
  content: Readable,
  signal: AbortSignal,
  options: TemporaryOptions,
): Promise<string> {
  signal.throwIfAborted();
  const name = `.express-wopi.${randomName()}${TEMP_SUFFIX}`;
  const fd = await fdOpen(folder.path(name), 'wx', options.mode ?? 0o666);
  let closed = false;
  let out: WriteStream | undefined;
  try {
    // A saved file keeps the permissions the original had. open() applies the umask (or the
    // folder's default ACL) to them: changed only when that took something away, which a look
    // at the new file tells (on the event loop on a local disk: cheaper than an fchmod's trip).
    if (options.mode !== undefined) {
      const st = await (options.reads ? options.reads.fstat(fd) : fdStat(fd, { bigint: true }));
      if (Number(st.mode & 0o7777n) !== options.mode) await fdChmod(fd, options.mode);
    }
    out = createWriteStream('', { fd, autoClose: false, highWaterMark: CHUNK_BYTES });
    await pump(content, out);
    signal.throwIfAborted();
    if (options.fsync) await fdSync(fd);
    closed = true;
    // Once durable, nothing waits for the close: it runs while the commit step does. Waited for
    // without fsync (close is where a network file system reports a failed write) and on Windows
    // (where a file still open may refuse to be renamed).
    if (options.fsync && process.platform !== 'win32') closeSynced(fd, options.reads);
    else await fdClose(fd);
    return name;
  } catch (err) {
    // A failed pipeline destroys `out`, and destroying an fs stream closes its descriptor even
    // with autoClose: false; closing it again could close a descriptor another request opened.
    if (!closed && !out?.destroyed) await fdClose(fd).catch(() => undefined);
    await discardTemporary(folder, name);
    debug('write abandoned: %s', (err as Error).message);
    throw err;
  }
}

/** Random bytes for temporary names, drawn 6 at a time: one `randomBytes` call per 256 saves, not one each. */
let randomPool = Buffer.alloc(0);
let randomAt = 0;

/** 12 random hex characters, unpredictable as `randomBytes(6)` (the file is made with O_EXCL anyway). */
function randomName(): string {
  if (randomAt + 6 > randomPool.length) {
    randomPool = randomBytes(6 * 256);
    randomAt = 0;
  }
  randomAt += 6;
  return randomPool.toString('hex', randomAt - 6, randomAt);
}

/** Removes the temporary file `name` from `folder`, if it is still there. */
export async function discardTemporary(folder: JailedFolder, name: string): Promise<void> {
  await unlink(folder.path(name)).catch(() => undefined);
}

/** Hard-links `existing` as `newPath`; false when `newPath` is taken. */
export async function linkIfFree(existing: string, newPath: string): Promise<boolean> {
  try {
    await link(existing, newPath);
    return true;
  } catch (err) {
    if (errorCode(err) === 'EEXIST') return false;
    throw err;
  }
}

export async function unlinkIfExists(file: string): Promise<void> {
  await unlink(file).catch((err: unknown) => {
    if (errorCode(err) !== 'ENOENT') throw err;
  });
}

export async function readTextIfExists(file: string): Promise<string | undefined> {
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
export async function createExclusively(file: string, text: string): Promise<boolean> {
  const temp = recordTempName(file);
  await writeFile(temp, text, { flag: 'wx' });
  try {
    return await linkIfFree(temp, file);
  } finally {
    await unlink(temp);
  }
}

/** Replaces `file` with one holding `text`: readers see the old or the new text, never a mix. */
export async function writeAtomically(file: string, text: string): Promise<void> {
  const temp = recordTempName(file);
  await writeFile(temp, text);
  try {
    await rename(temp, file);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}

/** A temporary copy of the record `file`, beside it (matches {@link RECORD_TEMP_NAME}). */
function recordTempName(file: string): string {
  return `${file}.${randomBytes(6).toString('hex')}.tmp`;
}
