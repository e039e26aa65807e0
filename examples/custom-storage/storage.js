'use strict';
/**
 * A storage adapter template for express-wopi: every WopiStorage method, the required ones and the
 * optional ones, written out in plain JavaScript with notes on what the router expects. (User info
 * is an adapter of its own, WopiUserInfoStore: see ./user-info.js.)
 *
 * The backing store is deliberately simple so that the WOPI parts stand out:
 *
 *   <dir>/index.json   the metadata of every file (name, folder, size, version …) and the
 *                      tombstones of deleted files, in one JSON file
 *   <dir>/blobs/<key>  file contents, one file per version. A blob is written once and never
 *                      changed: a save writes a new blob and then points the index at it.
 *
 * To adapt it, replace the two halves: the index by your database (a `files` table with a unique
 * index on (folder, fileNameKey(name)) among live rows), the blobs by your object store.
 * Keep the shape of each write: write the bytes first (durably), then call `context.commit()`,
 * then look the file up again and switch the metadata in one step.
 *
 * Limits of this template: the index is rewritten on every change and all changes go through one
 * in-process queue, so it is for one process and a modest number of files. Run several processes
 * and they will overwrite each other's index; a database with transactions does not have that
 * problem.
 *
 * In your app, require('express-wopi') instead of '../..'.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const fsp = require('node:fs/promises');
const path = require('node:path');
const { Readable } = require('node:stream');
// The router recognises these errors (through WopiError.is, so a copy of the package loaded
// another way works too) and turns them into the right WOPI status. Anything else you throw
// becomes a bare 500 and is logged on `express-wopi:server_error`.
const { FileNotFoundError, FileExistsError, fileNameKey } = require('../..');

/** IDs come from URLs and are untrusted: anything that does not look like one of ours is "not found". */
const FILE_ID = /^[A-Za-z0-9_-]{1,64}$/;

class JsonIndexStorage {
  /**
   * @param {{ dir: string, ownerId?: string }} options  `dir` holds index.json and blobs/.
   */
  constructor({ dir, ownerId = 'custom-storage' }) {
    this.dir = path.resolve(dir);
    this.blobDir = path.join(this.dir, 'blobs');
    this.indexPath = path.join(this.dir, 'index.json');
    this.ownerId = ownerId;
    fs.mkdirSync(this.blobDir, { recursive: true });
    // Loaded once at startup; from then on this object is the truth and index.json its copy.
    // A Map, not a plain object, so that any file ID is just a key.
    const saved = fs.existsSync(this.indexPath) ? JSON.parse(fs.readFileSync(this.indexPath, 'utf8')) : {};
    this.files = new Map(saved.files ?? []);
    // Every change to the index runs through this queue, one at a time (see `change`).
    this.queue = Promise.resolve();
    // Blobs the current change made unreachable; deleted once the new index is saved.
    this.garbage = [];
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers of this template (not part of WopiStorage): seeding and listing files.

  /** Adds a file (content: Buffer or string) in `folder` and returns its new ID. */
  async addFile(name, content, { folder = '' } = {}) {
    const { key, size } = await this.writeBlob(Readable.from([Buffer.from(content)]), new AbortController().signal);
    return this.change(() => {
      if (this.findLive(folder, name) !== undefined) throw new FileExistsError();
      const fileId = newFileId();
      this.files.set(fileId, this.newEntry(name, folder, key, size, 'setup'));
      return fileId;
    });
  }

  /** Every live file, as { fileId, name, folder }. */
  list() {
    return [...this.files]
      .filter(([, entry]) => !entry.deleted)
      .map(([fileId, entry]) => ({ fileId, name: entry.name, folder: entry.folder }));
  }

  // ---------------------------------------------------------------------------------------------
  // Required methods.

  /**
   * CheckFileInfo, and the first step of nearly every other operation (the router uses it to
   * answer 404 before touching locks or bodies). It runs on every request: keep it cheap, no
   * hashing, no listing.
   */
  async getFileInfo(fileId) {
    return toInfo(this.live(fileId)); // throws FileNotFoundError for unknown and deleted IDs
  }

  /**
   * GetFile. The metadata and the stream must describe the same version: the router sends
   * `info.size` as Content-Length and `info.version` as X-WOPI-ItemVersion, then pipes the stream.
   * Blobs never change, so the blob an entry points at always matches that entry. Never buffer
   * the whole file: return a stream.
   */
  async readFile(fileId) {
    // A save may replace the blob (and delete the old one) between reading the entry and opening
    // it; then the entry has moved on, so look again.
    for (let attempt = 0; attempt < 3; attempt++) {
      const entry = this.live(fileId);
      let handle;
      try {
        handle = await fsp.open(this.blobPath(entry.blob), 'r');
      } catch (err) {
        if (err.code === 'ENOENT') continue;
        throw err;
      }
      // An open handle keeps reading the blob even if it is deleted meanwhile (POSIX). On Windows,
      // delete old blobs later, in a clean-up job, instead of in `switchContent`.
      return { info: toInfo(entry), stream: handle.createReadStream() };
    }
    throw new FileNotFoundError();
  }

  /**
   * PutFile, after the router has checked the lock. Must be atomic and all-or-nothing: readers
   * see the old content or the new one, and when `content` fails (client gone, body over
   * maxFileSize) or `context.signal` aborts, reject with that error and keep the old content.
   * `context` also carries userId, lockId, editors and Collabora's isAutosave / isExitSave flags.
   *
   * The steps, in this order:
   *   1. 404 when the ID is unknown, before accepting any bytes;
   *   2. read the whole body into durable, invisible storage (here: a new, fsynced blob);
   *   3. `await context.commit()`: the router checks the lock again, as it is NOW (the body may
   *      have taken minutes), and keeps other changes to this file waiting until we are done.
   *      If it rejects, drop the blob and reject with that very error (a 409 carrying the
   *      current lock, a 404 …): the client gets exactly that answer;
   *   4. look the file up again by its ID (it may have been renamed or deleted meanwhile) and
   *      switch it to the new blob at once.
   */
  async writeFile(fileId, content, context) {
    this.live(fileId); // step 1: 404 before accepting any bytes
    // Step 2. Rejects with the stream's own error. Let it through unchanged: a FileTooLargeError
    // must reach the router as itself to become a 413; a wrapped error would be a 500.
    const blob = await this.writeBlob(content, context.signal);
    // Step 3, outside the `change` queue: the commit step may wait for a rename or delete of this
    // file that the router has already started, and that rename or delete needs the queue.
    await this.commitStep(context, blob);
    // Step 4, inside one `change` step, where nothing else touches the index.
    return this.change(async () => {
      const entry = this.files.get(fileId);
      if (!entry || entry.deleted) {
        // Deleted while the body was arriving: leave nothing behind.
        await this.removeBlob(blob.key);
        throw new FileNotFoundError();
      }
      // Renamed meanwhile? The entry is found by ID, so the content lands under the new name.
      this.switchContent(entry, blob, context.userId);
      return toInfo(entry); // the NEW version: it becomes X-WOPI-ItemVersion
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Optional: PutRelativeFile ("Save As"). Needs findRelativeFile AND createRelativeFile (and an
  // auth adapter with issueToken, which JwtAuth has). Without them the router answers 501 and
  // CheckFileInfo says UserCanNotWriteRelative: true.
  //
  // "Next to" is this storage's choice. Here it means: in the same folder as the original.

  /**
   * Is there a file called `name` next to `fileId`? Return its ID, or null. The router asks for
   * exact names (X-WOPI-RelativeTarget) and then reads that file's lock by this ID, so return an
   * ID that the other methods accept. It also asks for `name (1).ext`, `name (2).ext` … to
   * suggest a free name in X-WOPI-ValidRelativeTarget. The answer is only a hint: the decision
   * that counts is made in createRelativeFile.
   */
  async findRelativeFile(fileId, name) {
    const original = this.live(fileId); // FileNotFoundError when fileId itself is unknown
    return this.findLive(original.folder, name) ?? null;
  }

  /**
   * Creates a file next to `fileId` from `content`, named with the first free name among
   * `target.candidates`. The router has already checked that every candidate is a legal name.
   *
   * - `target.candidates` may be a generator: iterate it once, and stop at the first name that
   *   works (the router's generators stop after 1000 names).
   * - Never overwrite an existing file unless `target.overwrite` is true. Then there is exactly
   *   one candidate: replace that file's content and KEEP ITS ID (the router has checked that it
   *   is not locked), or create it if it is gone.
   * - Claim the name atomically, AFTER the commit step. Here, the check and the insert happen
   *   inside one `change` step, which nothing else can interleave with. In a database: INSERT
   *   and let a unique index on (folder, name) reject a taken name, then try the next candidate.
   *   Concurrent Save As with the same candidates must end with distinct names.
   * - Atomic like writeFile: the bytes go to a new blob first; the name only appears when the
   *   index is switched. A failed or aborted upload leaves nothing behind.
   * - The commit step, as in writeFile, once the blob is durable: `context.commit(existingId)`
   *   when about to replace a file (the router then checks that file's lock again), or
   *   `context.commit()` when about to create one. Afterwards, the name must still name the
   *   same file: if it was renamed, deleted or created meanwhile, the router checked another
   *   file, so throw FileExistsError.
   * - `context` is a write context, with `fileConversion: true` when the editor converted a
   *   binary format (e.g. .doc to .docx).
   * - Throw FileExistsError when every candidate is taken.
   */
  async createRelativeFile(fileId, content, target, context) {
    const { folder } = this.live(fileId);
    const blob = await this.writeBlob(content, context.signal);
    // With overwrite there is exactly one candidate: the file to replace, if one has that name.
    const overwriteName = target.overwrite ? firstOf(target.candidates) : undefined;
    const replacing = overwriteName === undefined ? undefined : this.findLive(folder, overwriteName);
    await this.commitStep(context, blob, replacing);
    return this.change(async () => {
      const original = this.files.get(fileId);
      if (!original || original.deleted) {
        await this.removeBlob(blob.key);
        throw new FileNotFoundError();
      }
      if (target.overwrite) {
        // The name must still lead where it led at the commit step (to `replacing`, or nowhere).
        if (overwriteName === undefined || this.findLive(original.folder, overwriteName) !== replacing) {
          await this.removeBlob(blob.key);
          throw new FileExistsError();
        }
        if (replacing !== undefined) {
          const entry = this.files.get(replacing);
          this.switchContent(entry, blob, context.userId);
          return { fileId: replacing, info: toInfo(entry) }; // the ID stays
        }
        return this.createEntry(overwriteName, original, blob, context.userId);
      }
      // The free name is chosen now, after the commit step, within this one step.
      for (const name of target.candidates) {
        if (this.findLive(original.folder, name) === undefined) {
          return this.createEntry(name, original, blob, context.userId);
        }
        // Taken: try the next name.
      }
      await this.removeBlob(blob.key);
      throw new FileExistsError();
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Optional: RenameFile. Without it: 501, SupportsRename: false.

  /**
   * Gives the file the first free name among `candidates` (full names; the router has added the
   * current extension to X-WOPI-RequestedName and checked that they are legal). The file ID must
   * NOT change: editors, locks and other users' sessions keep using it. A candidate equal to the
   * file's own name is free. Throw FileExistsError when all are taken (the router answers 400
   * with X-WOPI-InvalidFileNameError).
   */
  async renameFile(fileId, candidates) {
    return this.change(() => {
      const entry = this.live(fileId);
      for (const name of candidates) {
        // Another file with this name in any case makes it taken; changing the case of the
        // file's own name is a rename.
        if (this.findLive(entry.folder, name, fileId) === undefined) {
          entry.name = name; // the content did not change, so neither does the version
          return toInfo(entry);
        }
      }
      throw new FileExistsError();
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Optional: DeleteFile. Without it: 501, SupportsDeleteFile: false.

  /**
   * Removes the file (the router has checked that it is not locked). Afterwards every method must
   * answer FileNotFoundError for this ID, and the ID must never be given to another file: a
   * token or an editor still holding it must not reach a newcomer. IDs here are random, and the
   * entry becomes a tombstone so that even an explicit reuse is impossible.
   */
  async deleteFile(fileId) {
    return this.change(async () => {
      const entry = this.live(fileId);
      this.files.set(fileId, { deleted: true, deletedAt: new Date().toISOString() });
      this.garbage.push(entry.blob);
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Internals.

  /** The live entry of `fileId`, or FileNotFoundError (bad shape, unknown, or deleted). */
  live(fileId) {
    const entry = FILE_ID.test(fileId) ? this.files.get(fileId) : undefined;
    if (!entry || entry.deleted) throw new FileNotFoundError();
    return entry;
  }

  /**
   * The ID of the live file called `name` in `folder` (other than `except`). Names are compared as
   * Office hosts and Windows compare them: `Report.docx` is `report.docx` (fileNameKey), the exact
   * spelling first. With a database, keep fileNameKey(name) in a column with the unique index.
   */
  findLive(folder, name, except) {
    const key = fileNameKey(name);
    let variant;
    for (const [fileId, entry] of this.files) {
      if (entry.deleted || entry.folder !== folder || fileId === except) continue;
      if (entry.name === name) return fileId;
      if (variant === undefined && fileNameKey(entry.name) === key) variant = fileId;
    }
    return variant;
  }

  newEntry(name, folder, blobKey, size, userId) {
    return {
      name,
      folder,
      blob: blobKey,
      size,
      version: 1,
      modified: nextModified(undefined),
      modifiedBy: userId,
      owner: this.ownerId,
    };
  }

  /** A new file `name` next to `original`, holding `blob`, with a new random ID. */
  createEntry(name, original, blob, userId) {
    const newId = newFileId(); // 128 random bits: never an ID a deleted file had
    const entry = this.newEntry(name, original.folder, blob.key, blob.size, userId);
    entry.owner = original.owner; // the copy belongs to the same owner as the original
    this.files.set(newId, entry);
    return { fileId: newId, info: toInfo(entry) };
  }

  /**
   * The commit step of a write whose new content is in `blob` (durable, not yet visible). Call
   * it exactly once per write, right before publishing. `replacingFileId` is the file about to be
   * replaced (createRelativeFile with overwrite), undefined otherwise. When the router refuses,
   * the blob is dropped and its error goes back unchanged.
   */
  async commitStep(context, blob, replacingFileId) {
    try {
      if (replacingFileId === undefined) await context.commit();
      else await context.commit(replacingFileId);
    } catch (err) {
      await this.removeBlob(blob.key);
      throw err; // the very error: it carries the client's answer (409 with the current lock, 404 …)
    }
  }

  /** Points `entry` at a new blob: new size, new version, new modification time. */
  switchContent(entry, blob, userId) {
    this.garbage.push(entry.blob);
    entry.blob = blob.key;
    entry.size = blob.size;
    entry.version += 1; // must change whenever the content changes
    entry.modified = nextModified(entry.modified);
    entry.modifiedBy = userId;
  }

  /**
   * Runs `step` with nothing else changing the index meanwhile, then saves the index atomically
   * and deletes the blobs `step` made unreachable. If `step` throws, the index is reloaded from
   * disk, so a half-done change is never kept.
   */
  change(step) {
    const run = async () => {
      this.garbage = [];
      let result;
      try {
        result = await step();
        await this.saveIndex();
      } catch (err) {
        this.reloadIndex();
        throw err;
      }
      // Only now is the old content unreachable. Failing to delete it only wastes space.
      for (const key of this.garbage) await this.removeBlob(key);
      return result;
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Writes index.json through a temporary file and a rename, so it is never half written. */
  async saveIndex() {
    const temp = `${this.indexPath}.${crypto.randomBytes(6).toString('hex')}.tmp`;
    const json = JSON.stringify({ files: [...this.files] }, null, 1);
    const handle = await fsp.open(temp, 'w');
    try {
      await handle.writeFile(json);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsp.rename(temp, this.indexPath);
  }

  reloadIndex() {
    const saved = fs.existsSync(this.indexPath) ? JSON.parse(fs.readFileSync(this.indexPath, 'utf8')) : {};
    this.files = new Map(saved.files ?? []);
  }

  /**
   * Streams `content` into a new blob and returns { key, size }. On any failure the partial blob
   * is removed and the ORIGINAL error is rethrown (see writeFile for why).
   */
  async writeBlob(content, signal) {
    signal.throwIfAborted();
    const key = crypto.randomBytes(16).toString('hex');
    const file = this.blobPath(key);
    const onAbort = () => content.destroy(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    // Listen for the body's errors before the first `await`: the body can fail (client gone) while
    // the blob file is being opened, and a stream error that nobody listens for crashes the
    // process. The loop below still gets the error: iterating a failed stream rejects with it.
    const onError = () => undefined;
    content.on('error', onError);
    let handle;
    let size = 0;
    try {
      handle = await fsp.open(file, 'wx');
      for await (const chunk of content) {
        await handle.write(chunk);
        size += chunk.length;
      }
      signal.throwIfAborted();
      await handle.sync(); // the bytes are on disk before the index points at them
      await handle.close();
    } catch (err) {
      await handle?.close().catch(() => undefined);
      await this.removeBlob(key);
      throw err;
    } finally {
      signal.removeEventListener('abort', onAbort);
      content.off('error', onError);
    }
    return { key, size };
  }

  async removeBlob(key) {
    await fsp.rm(this.blobPath(key), { force: true });
  }

  blobPath(key) {
    return path.join(this.blobDir, key);
  }
}

/** The WopiFileInfo the router wants for an index entry. */
function toInfo(entry) {
  return {
    name: entry.name, // with extension, without folder: CheckFileInfo BaseFileName
    size: entry.size,
    version: String(entry.version), // opaque string; changes with the content and only then
    lastModifiedTime: new Date(entry.modified), // compared to the millisecond by Collabora
    ownerId: entry.owner, // must not be empty
  };
}

/** A modification time that is "now", but always later than `previous` (ISO 8601). */
function nextModified(previous) {
  const now = Date.now();
  const last = previous === undefined ? 0 : Date.parse(previous);
  return new Date(Math.max(now, last + 1)).toISOString();
}

/** The first value of an iterable (a generator is iterated once, then closed), or undefined. */
function firstOf(iterable) {
  for (const value of iterable) return value;
  return undefined;
}

/** 128 random bits, URL-safe: never guessed, never repeated. */
function newFileId() {
  return crypto.randomBytes(16).toString('base64url');
}

module.exports = { JsonIndexStorage };
