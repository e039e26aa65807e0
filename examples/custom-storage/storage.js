'use strict';
/**
 * A storage adapter template for express-wopi: every WopiStorage method, the required ones and the
 * optional ones, and the eight methods of the optional folder capability (WopiContainerStorage),
 * written out in plain JavaScript with notes on what the router expects. (User info is an adapter
 * of its own, WopiUserInfoStore: see ./user-info.js.)
 *
 * The backing store is deliberately simple so that the WOPI parts stand out:
 *
 *   <dir>/index.json   the folders (name, parent folder) and the metadata of every file (name,
 *                      folder, size, version …), with the tombstones of deleted ones, in one
 *                      JSON file
 *   <dir>/blobs/<key>  file contents, one file per version. A blob is written once and never
 *                      changed: a save writes a new blob and then points the index at it.
 *
 * To adapt it, replace the two halves: the index by your database, the blobs by your object store.
 * In the database, files and folders each point at their folder by ID, and one unique index on
 * (folder, fileNameKey(name)) among live rows covers both (keep them in one `entries` table with a
 * `kind` column, or give both tables' names to one `names` table).
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
const { BadRequestError, ContainerNotEmptyError, FileNotFoundError, FileExistsError, fileNameKey } = require('../..');

/**
 * IDs (of files and of folders) come from URLs and are untrusted: anything that does not look like
 * one of ours is "not found".
 */
const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The root folder: created on the first start, under this fixed ID, and never renamed or deleted. */
const ROOT_ID = 'root';
const ROOT_NAME = 'Files';

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
    // On the first start (a new root folder) or with an index.json from before folders (its files
    // were just given folders), save at once: the folder IDs handed out from now on are on disk.
    if (this.loadIndex()) this.saveIndexSync();
    // Every change to the index runs through this queue, one at a time (see `change`).
    this.queue = Promise.resolve();
    // Blobs the current change made unreachable; deleted once the new index is saved.
    this.garbage = [];
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers of this template (not part of WopiStorage): seeding and listing files. (To seed a
  // folder, call createChildContainer.)

  /**
   * Adds a file (content: Buffer or string) to the folder `folder` (a folder ID; default the
   * root) and returns its new ID.
   */
  async addFile(name, content, { folder = ROOT_ID } = {}) {
    const { key, size } = await this.writeBlob(Readable.from([Buffer.from(content)]), new AbortController().signal);
    return this.change(() => {
      this.liveFolder(folder);
      if (this.isTaken(folder, name)) throw new FileExistsError();
      const fileId = newId();
      this.files.set(fileId, this.newEntry(name, folder, key, size, 'setup'));
      return fileId;
    });
  }

  /** Every live file, as { fileId, name, folder (its ID), path (below the root: `Reports/plan.docx`) }. */
  list() {
    return [...this.files]
      .filter(([, entry]) => !entry.deleted)
      .map(([fileId, entry]) => {
        const folderPath = this.folderPath(entry.folder);
        return { fileId, name: entry.name, folder: entry.folder, path: folderPath === '' ? entry.name : `${folderPath}/${entry.name}` };
      });
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
   * that counts is made in createRelativeFile. A folder called `name` is not a file: null (the
   * name is taken all the same, and createRelativeFile says so).
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
   * - A name is taken by a file or a folder next to the original, in any case (fileNameKey).
   * - Never overwrite an existing file unless `target.overwrite` is true. Then there is exactly
   *   one candidate: replace that file's content and KEEP ITS ID (the router has checked that it
   *   is not locked), or create it if it is gone. A folder of that name is no file to replace:
   *   FileExistsError.
   * - Claim the name atomically, AFTER the commit step. Here, the check and the insert happen
   *   inside one `change` step, which nothing else can interleave with. In a database: INSERT
   *   and let the unique index on (folder, name key) reject a taken name, then try the next
   *   candidate. Concurrent Save As with the same candidates must end with distinct names.
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
   *
   * createChildFile follows the same rules in a given folder: both share `createFile` below.
   */
  async createRelativeFile(fileId, content, target, context) {
    // The new file goes into the original's folder and belongs to the original's owner. The
    // original is looked up again after the commit step: if it was deleted meanwhile, 404.
    return this.createFile(() => this.live(fileId), content, target, context);
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
        // Another file or a folder with this name in any case makes it taken; changing the case
        // of the file's own name is a rename.
        if (!this.isTaken(entry.folder, name, { fileId })) {
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
  // Optional: containers, that is folders. All eight methods or none: createWopiRouter refuses a
  // storage with only some of them. They also need an auth adapter that issues and checks
  // resource tokens (issueResourceToken, authenticateResource: a folder has tokens of its own)
  // and issues file tokens (issueToken: a listing links to its files); JwtAuth does all of it.
  // Then the router answers CheckContainerInfo, EnumerateChildren, EnumerateAncestors,
  // CreateChildContainer, CreateChildFile, RenameContainer, DeleteContainer and GetRootContainer,
  // and CheckFileInfo says SupportsContainers: true. Without them: 501.
  //
  // Here a folder is an entry of its own in index.json, { name, parent } under a random ID (the
  // root: parent null, fixed ID 'root'), and a file's `folder` is the ID of its folder. Nothing
  // stores a path, so renaming a folder changes one entry and every ID inside stays. Folder IDs
  // follow the rules of file IDs: opaque, URL-safe, stable, never reused (deleted folders become
  // tombstones). A name is unique among the files AND folders of one folder (fileNameKey).

  /**
   * GetRootContainer: the ID of the folder `userId` browses from. Every file and folder the user
   * reaches through EnumerateChildren is below it. Here all users share one tree, so it is always
   * the root. A product with a tree per user or per tenant returns that user's root here (and
   * issues container tokens only for folders below it).
   */
  async getRootContainerId(_userId) {
    return ROOT_ID;
  }

  /**
   * CheckContainerInfo, and each step up of EnumerateAncestors: the folder's name and the ID of
   * its parent, `parentId: null` for the root (the router then reports that it can be neither
   * renamed nor deleted). Called often, like getFileInfo: keep it a lookup. FileNotFoundError for
   * unknown, malformed and deleted IDs.
   */
  async getContainerInfo(containerId) {
    const folder = this.liveFolder(containerId);
    return { name: folder.name, parentId: folder.parent };
  }

  /**
   * The ID of the folder a file is in: EnumerateAncestors of a file starts here and walks up with
   * getContainerInfo. FileNotFoundError when no live file has this ID.
   */
  async getFileContainerId(fileId) {
    return this.live(fileId).folder;
  }

  /**
   * EnumerateChildren: what is directly in the folder (not deeper), in any order (the router
   * sorts by name): its files as { fileId, info } with the same info getFileInfo gives, and its
   * folders as { containerId, name }. `filter.extensions` (lower case, with the dot: '.docx') is
   * a hint: the router filters again, so listing too much is harmless and listing too little is
   * not. Honour it when that saves work (here: describing files nobody asked for). In a
   * database: one query on the folder column, which wants an index. FileNotFoundError for an
   * unknown folder.
   */
  async enumerateChildren(containerId, filter) {
    this.liveFolder(containerId);
    const extensions = filter.extensions?.length ? filter.extensions : undefined;
    const files = [];
    for (const [fileId, entry] of this.files) {
      if (entry.deleted || entry.folder !== containerId) continue;
      if (extensions && !extensions.some((extension) => fileNameKey(entry.name).endsWith(extension))) continue;
      files.push({ fileId, info: toInfo(entry) });
    }
    const containers = [];
    for (const [folderId, folder] of this.folders) {
      if (!folder.deleted && folder.parent === containerId) containers.push({ containerId: folderId, name: folder.name });
    }
    return { files, containers };
  }

  /**
   * CreateChildContainer: a new, empty folder in `containerId`, named with the first free name
   * among `candidates` (free: no file and no folder in it has that name, in any case). The router
   * has checked that the names are legal; `candidates` may be a generator, so iterate it once.
   * Claim the name atomically, as createRelativeFile does: concurrent calls with the same
   * candidates must end with distinct names. Return { containerId, info: { name, parentId } }.
   * FileNotFoundError when the parent is unknown; FileExistsError when every name is taken.
   */
  async createChildContainer(containerId, candidates) {
    return this.change(() => {
      this.liveFolder(containerId);
      for (const name of candidates) {
        if (!this.isTaken(containerId, name)) {
          return { containerId: this.putFolder(name, containerId), info: { name, parentId: containerId } };
        }
      }
      throw new FileExistsError('A file or folder with this name already exists');
    });
  }

  /**
   * CreateChildFile: a new file in the folder `containerId`. Everything else is as in
   * createRelativeFile: the first free candidate (a folder's name is taken too), or with
   * `target.overwrite` the file the one candidate names, replaced and keeping its ID; the same
   * three steps; `context.commit(existingId)` before replacing and `context.commit()` before
   * creating; nothing left behind on failure. The router sends an empty body (WOPI creates child
   * files empty), but write it like any other. The new file belongs to the user creating it.
   * FileNotFoundError when the folder is unknown, or deleted while the file was being created;
   * FileExistsError when every candidate is taken, or the one to replace is a folder.
   */
  async createChildFile(containerId, content, target, context) {
    const locate = () => {
      this.liveFolder(containerId);
      return { folder: containerId, owner: context.userId || this.ownerId };
    };
    return this.createFile(locate, content, target, context);
  }

  /**
   * RenameContainer: gives the folder exactly `name` (one name, checked as legal by the router;
   * no candidates here). FileExistsError when another file or folder beside it has that name in
   * any case; changing the case of its own name is a rename. The root keeps its name:
   * BadRequestError. The folder keeps its ID, and everything inside keeps its ID and keeps
   * opening and saving: with parent IDs, the rename is one change to one entry. (A store keyed by
   * paths would have to move the whole subtree, and keep its IDs apart from the paths.)
   * Return { name, parentId }.
   */
  async renameContainer(containerId, name) {
    return this.change(() => {
      const folder = this.liveFolder(containerId);
      if (folder.parent === null) throw new BadRequestError('The root folder cannot be renamed');
      if (this.isTaken(folder.parent, name, { folderId: containerId })) {
        throw new FileExistsError('A file or folder with this name already exists');
      }
      folder.name = name;
      return { name, parentId: folder.parent };
    });
  }

  /**
   * DeleteContainer: removes an empty folder. ContainerNotEmptyError (409) while it holds a file
   * or a folder (WOPI has no recursive delete: the client empties it first), and for the root.
   * Afterwards every method must answer FileNotFoundError for this ID, and the ID must never be
   * given to another folder: the entry becomes a tombstone, as a deleted file's does.
   */
  async deleteContainer(containerId) {
    return this.change(() => {
      const folder = this.liveFolder(containerId);
      if (folder.parent === null) throw new ContainerNotEmptyError('The root folder cannot be deleted');
      const holdsFile = [...this.files.values()].some((entry) => !entry.deleted && entry.folder === containerId);
      const holdsFolder = [...this.folders.values()].some((entry) => !entry.deleted && entry.parent === containerId);
      if (holdsFile || holdsFolder) throw new ContainerNotEmptyError('The folder is not empty');
      this.folders.set(containerId, { deleted: true, deletedAt: new Date().toISOString() });
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Internals.

  /** The live entry of `fileId`, or FileNotFoundError (bad shape, unknown, or deleted). */
  live(fileId) {
    const entry = ID.test(fileId) ? this.files.get(fileId) : undefined;
    if (!entry || entry.deleted) throw new FileNotFoundError();
    return entry;
  }

  /** The live entry of the folder `folderId`, or FileNotFoundError (bad shape, unknown, or deleted). */
  liveFolder(folderId) {
    const folder = ID.test(folderId) ? this.folders.get(folderId) : undefined;
    if (!folder || folder.deleted) throw new FileNotFoundError('Folder not found');
    return folder;
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

  /** The ID of the live folder in `parent` called `name` in any case (other than `except`). */
  findFolder(parent, name, except) {
    const key = fileNameKey(name);
    for (const [folderId, folder] of this.folders) {
      if (!folder.deleted && folder.parent === parent && folderId !== except && fileNameKey(folder.name) === key) return folderId;
    }
    return undefined;
  }

  /**
   * Is `name` taken in `folder`, by a live file other than `except.fileId` or a live folder other
   * than `except.folderId`? Files and folders share one set of names per folder.
   */
  isTaken(folder, name, except = {}) {
    return this.findLive(folder, name, except.fileId) !== undefined || this.findFolder(folder, name, except.folderId) !== undefined;
  }

  /** Adds the folder `name` in `parent` under a new random ID, and returns the ID. */
  putFolder(name, parent) {
    const folderId = newId(); // 128 random bits: never an ID a deleted folder had
    this.folders.set(folderId, { name, parent });
    return folderId;
  }

  /** `Reports/2024`: the names of the folders from below the root down to `folderId` ('' for the root). */
  folderPath(folderId) {
    const names = [];
    for (let folder = this.folders.get(folderId); folder?.parent; folder = this.folders.get(folder.parent)) {
      names.unshift(folder.name);
    }
    return names.join('/');
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

  /**
   * createRelativeFile and createChildFile: the three steps of a write that creates a file, or
   * with `target.overwrite` replaces one. `locate()` returns where the file goes, { folder, owner }
   * (the original's entry, or the folder and the creating user), and throws FileNotFoundError when
   * that is gone. It runs before the body is read and again after the commit step, in the
   * `change` step that claims the name.
   */
  async createFile(locate, content, target, context) {
    // Step 1: 404 before accepting any bytes. With overwrite there is exactly one candidate, and
    // a folder of that name is no file to replace: refuse that before the bytes too.
    const { folder } = locate();
    const overwriteName = target.overwrite ? firstOf(target.candidates) : undefined;
    if (overwriteName !== undefined && this.findFolder(folder, overwriteName) !== undefined) {
      throw new FileExistsError('A folder with this name already exists');
    }
    const blob = await this.writeBlob(content, context.signal); // step 2
    // Step 3: commit(id) when about to replace the file that has the name, commit() when about to
    // create one.
    const replacing = overwriteName === undefined ? undefined : this.findLive(folder, overwriteName);
    await this.commitStep(context, blob, replacing);
    // Step 4, inside one `change` step.
    return this.change(async () => {
      try {
        const place = locate(); // deleted while the body was arriving: 404
        if (target.overwrite) {
          // The name must still lead where it led at the commit step (to `replacing`, or nowhere,
          // and not to a folder): renamed, deleted or created meanwhile, it is not the file the
          // router checked.
          if (
            overwriteName === undefined ||
            this.findLive(place.folder, overwriteName) !== replacing ||
            this.findFolder(place.folder, overwriteName) !== undefined
          ) {
            throw new FileExistsError();
          }
          if (replacing !== undefined) {
            const entry = this.files.get(replacing);
            this.switchContent(entry, blob, context.userId);
            return { fileId: replacing, info: toInfo(entry) }; // the ID stays
          }
          return this.createEntry(overwriteName, place, blob, context.userId);
        }
        // The free name is chosen now, after the commit step, within this one step.
        for (const name of target.candidates) {
          if (!this.isTaken(place.folder, name)) return this.createEntry(name, place, blob, context.userId);
          // Taken, by a file or a folder: try the next name.
        }
        throw new FileExistsError();
      } catch (err) {
        await this.removeBlob(blob.key); // nothing points at it: leave nothing behind
        throw err;
      }
    });
  }

  /** A new file `name` in `place.folder`, owned by `place.owner`, holding `blob`, with a new random ID. */
  createEntry(name, place, blob, userId) {
    const fileId = newId(); // 128 random bits: never an ID a deleted file had
    const entry = this.newEntry(name, place.folder, blob.key, blob.size, userId);
    entry.owner = place.owner; // a copy (Save As) belongs to the same owner as the original
    this.files.set(fileId, entry);
    return { fileId, info: toInfo(entry) };
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
   * disk, so a half-done change is never kept. Every change to files or folders goes through here.
   */
  change(step) {
    const run = async () => {
      this.garbage = [];
      let result;
      try {
        result = await step();
        await this.saveIndex();
      } catch (err) {
        this.loadIndex();
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
    const handle = await fsp.open(temp, 'w');
    try {
      await handle.writeFile(this.indexJson());
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsp.rename(temp, this.indexPath);
  }

  /** saveIndex for the constructor, which cannot wait: the same temporary file, sync and rename. */
  saveIndexSync() {
    const temp = `${this.indexPath}.${crypto.randomBytes(6).toString('hex')}.tmp`;
    const fd = fs.openSync(temp, 'w');
    try {
      fs.writeFileSync(fd, this.indexJson());
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, this.indexPath);
  }

  /** index.json: the folders and the files, each a list of [ID, entry] pairs. */
  indexJson() {
    return JSON.stringify({ folders: [...this.folders], files: [...this.files] }, null, 1);
  }

  /**
   * Reads index.json into `this.folders` and `this.files` (Maps, not plain objects, so that any
   * ID is just a key). Returns true when it added something that is not on disk yet: the root
   * folder, on the first start, or the folders of files from an older index.json.
   *
   * An index.json written before this template had folders has no `folders`, and each file's
   * `folder` is a label rather than an ID: '' for the top level, or a path such as 'Reports' or
   * 'Reports/2024'. Such a file (any file whose `folder` names no live folder) keeps its ID and
   * moves into the root when the label is '', or else into folders created for the path below
   * the root ('Reports', then '2024' inside it), one per path, matched in any case.
   */
  loadIndex() {
    const saved = fs.existsSync(this.indexPath) ? JSON.parse(fs.readFileSync(this.indexPath, 'utf8')) : {};
    this.folders = new Map(saved.folders ?? []);
    this.files = new Map(saved.files ?? []);
    let added = false;
    if (!this.folders.has(ROOT_ID)) {
      this.folders.set(ROOT_ID, { name: ROOT_NAME, parent: null });
      added = true;
    }
    for (const entry of this.files.values()) {
      if (entry.deleted) continue;
      const folder = this.folders.get(entry.folder);
      if (folder && !folder.deleted) continue; // in a folder already
      let folderId = ROOT_ID;
      for (const name of String(entry.folder ?? '').split('/')) {
        if (name !== '') folderId = this.findFolder(folderId, name) ?? this.putFolder(name, folderId);
      }
      entry.folder = folderId;
      added = true;
    }
    return added;
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

/** An ID for a new file or folder. 128 random bits, URL-safe: never guessed, never repeated. */
function newId() {
  return crypto.randomBytes(16).toString('base64url');
}

module.exports = { JsonIndexStorage };
