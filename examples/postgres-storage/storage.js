'use strict';
/**
 * A WopiStorage over PostgreSQL, with the `pg` package: every required and optional method, and the
 * eight methods of the folder capability (WopiContainerStorage). User info is an adapter of its own:
 * ./user-info.js. The tables are in ./schema.js, created by its `migrate()`.
 *
 * How content is kept: as immutable BLOBS of bytea CHUNKS. A save never changes bytes in place:
 *
 *   1. it inserts a new blob row ('staged') and then the body, chunk by chunk as it arrives, one
 *      INSERT (its own transaction) per `chunkSize` bytes: memory holds about one chunk, never the
 *      file, and the bytes are durable but invisible (no file points at the blob);
 *   2. it calls `await context.commit()`: the router's last check of the lock (the upload may have
 *      taken minutes);
 *   3. in ONE transaction, it locks the file row (SELECT … FOR UPDATE), checks the file still
 *      exists, and points it at the new blob with the next version. Readers see the old blob or the
 *      new one, never a mix.
 *
 * On any failure (the body failed, the client went away, commit() refused, the file was deleted
 * meanwhile) the staged blob is deleted, and the original error is rethrown.
 *
 * Downloads read a blob page by page (`readAheadChunks` chunks per query) as the client takes them,
 * holding no connection and no transaction between pages, so slow clients do not tie up the pool.
 * That works because a blob never changes; a blob a save or a delete replaced is only marked
 * 'released', and `sweep()` deletes it once `keepReleasedMs` has passed, so downloads that started
 * before the switch finish reading the old content. (A download slower than that fails with an
 * error instead of sending a truncated file.) Call `sweep()` from a timer; server.js does.
 *
 * Several processes can share the tables: nothing here is kept in memory between calls. The row
 * lock orders a save against a delete or another save of the same file (the last to switch wins),
 * and the unique index on (folder, fileNameKey(name)) among live rows decides every name race:
 * INSERT … ON CONFLICT DO NOTHING claims a name or moves on to the next candidate, and a rename
 * that would collide fails with a unique violation.
 *
 * In your app, require('express-wopi') instead of '../..'.
 */
const crypto = require('node:crypto');
const { Readable } = require('node:stream');
const { BadRequestError, ContainerNotEmptyError, FileExistsError, FileNotFoundError, fileNameKey } = require('../..');
const { ROOT_ID, tableNames } = require('./schema');

/**
 * File and folder IDs come from URLs and are untrusted: anything that is not shaped like one of ours
 * is "not found" without a query. (The queries are parameterised anyway.)
 */
const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** SQLSTATE of a unique index violation: a name that is taken. */
const UNIQUE_VIOLATION = '23505';

/** A new modification time: now, to the millisecond, and always after the previous one. */
const NEXT_MODIFIED = `GREATEST(date_trunc('milliseconds', clock_timestamp()), modified_at + interval '1 millisecond')`;

class PgStorage {
  /**
   * @param {{
   *   pool: import('pg').Pool,
   *   schema?: string,          // default 'public'
   *   tablePrefix?: string,     // default 'wopi_'
   *   ownerId?: string,         // owner of files added with addFile; default 'postgres-storage'
   *   chunkSize?: number,       // bytes per chunk row; default 256 KiB
   *   readAheadChunks?: number, // chunks per query when reading; default 4
   *   keepReleasedMs?: number,  // how long sweep() keeps replaced content; default 15 minutes
   *   abandonStagedMs?: number, // when sweep() deletes an unfinished upload; default 24 hours
   * }} options
   */
  constructor({
    pool,
    schema,
    tablePrefix,
    ownerId = 'postgres-storage',
    chunkSize = 256 * 1024,
    readAheadChunks = 4,
    keepReleasedMs = 15 * 60_000,
    abandonStagedMs = 24 * 3_600_000,
  }) {
    if (!pool) throw new TypeError('PgStorage needs a pg Pool');
    this.pool = pool;
    this.t = tableNames({ schema, tablePrefix });
    this.ownerId = ownerId;
    this.chunkSize = chunkSize;
    this.readAheadChunks = readAheadChunks;
    this.keepReleasedMs = keepReleasedMs;
    this.abandonStagedMs = abandonStagedMs;
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers of this example (not part of WopiStorage): seeding, listing and clean-up.

  /**
   * Adds a file (content: Buffer or string) to the folder `folder` (default: the root) and returns
   * its new ID. FileExistsError when the name is taken there.
   *
   * @param {string} name
   * @param {Buffer | string} content
   * @param {{ folder?: string, ownerId?: string }} [options]
   */
  async addFile(name, content, { folder = ROOT_ID, ownerId = this.ownerId } = {}) {
    const blob = await this.stage(Readable.from([Buffer.from(content)]), new AbortController().signal);
    try {
      return await this.transaction(async (db) => {
        await this.liveFolder(db, folder, { lock: true });
        const created = await this.insertFile(db, { folderId: folder, ownerId }, name, blob, 'setup');
        if (created === undefined) throw new FileExistsError();
        return created.fileId;
      });
    } catch (err) {
      await this.dropStaged(blob.id);
      throw err;
    }
  }

  /** Every live file, as { fileId, name, folder (its ID), path (below the root: `Reports/plan.docx`) }. */
  async list() {
    const { entries } = this.t;
    const { rows } = await this.pool.query(
      `WITH RECURSIVE folders (id, path) AS (
         SELECT id, ''::text FROM ${entries} WHERE id = $1
         UNION ALL
         SELECT e.id, folders.path || e.name || '/' FROM ${entries} e JOIN folders ON e.parent_id = folders.id
          WHERE e.kind = 'folder' AND e.deleted_at IS NULL
       )
       SELECT f.id, f.name, f.parent_id, folders.path || f.name AS path
         FROM ${entries} f JOIN folders ON f.parent_id = folders.id
        WHERE f.kind = 'file' AND f.deleted_at IS NULL
        ORDER BY path`,
      [ROOT_ID],
    );
    return rows.map((row) => ({ fileId: row.id, name: row.name, folder: row.parent_id, path: row.path }));
  }

  /**
   * Deletes the content nobody can read any more: blobs released more than `keepReleasedMs` ago
   * (replaced by a save, or of a deleted file), and staged blobs older than `abandonStagedMs` (an
   * upload whose process died). Resolves with the number of blobs deleted. Run it from a timer.
   *
   * @param {{ keepReleasedMs?: number, abandonStagedMs?: number }} [options]  override the defaults
   */
  async sweep({ keepReleasedMs = this.keepReleasedMs, abandonStagedMs = this.abandonStagedMs } = {}) {
    const { rowCount } = await this.pool.query(
      `DELETE FROM ${this.t.blobs}
        WHERE (state = 'released' AND released_at <= clock_timestamp() - $1 * interval '1 millisecond')
           OR (state = 'staged' AND created_at <= clock_timestamp() - $2 * interval '1 millisecond')`,
      [keepReleasedMs, abandonStagedMs],
    );
    return rowCount ?? 0;
  }

  // ---------------------------------------------------------------------------------------------
  // Required methods.

  /** CheckFileInfo, and the first step of nearly every operation: one indexed lookup. */
  async getFileInfo(fileId) {
    return toInfo(await this.fileRow(this.pool, fileId));
  }

  /**
   * GetFile. The metadata and the stream describe the same blob: the row read here names it, and a
   * blob never changes. The stream reads it page by page as the router consumes it; the router
   * destroys it when the client goes away, which stops the reading.
   */
  async readFile(fileId) {
    const row = await this.fileRow(this.pool, fileId);
    const info = toInfo(row);
    return { info, stream: Readable.from(this.readChunks(row.blob_id, info.size), { objectMode: false }) };
  }

  /**
   * PutFile: 404 before the body; the body into a staged blob; the commit step; then, in one
   * transaction, lock the row, check the file is still there, and switch it to the new blob.
   */
  async writeFile(fileId, content, context) {
    // Listen to the body before the first await: a body that fails while nobody listens would
    // raise an unhandled error.
    const stopListening = listen(content, context.signal);
    let blob;
    try {
      await this.fileRow(this.pool, fileId); // 404 before accepting any bytes
      // Rejects with the body's own error (a FileTooLargeError must reach the router as itself, to
      // become a 413) or with signal.reason.
      blob = await this.stage(content, context.signal);
    } finally {
      stopListening();
    }
    // Outside any transaction: the commit step may wait for a rename or delete of this file that
    // the router has already started, and those need the row lock.
    await this.commitStep(context, blob);
    try {
      return await this.transaction(async (db) => {
        // By ID, now: renamed meanwhile, the content lands under the new name; deleted, 404.
        const { rows } = await db.query(
          `SELECT blob_id FROM ${this.t.entries} WHERE id = $1 AND kind = 'file' AND deleted_at IS NULL FOR UPDATE`,
          [fileId],
        );
        if (rows.length === 0) throw new FileNotFoundError();
        return this.switchContent(db, fileId, rows[0].blob_id, blob, context.userId);
      });
    } catch (err) {
      await this.dropStaged(blob.id); // nothing points at it: leave nothing behind
      throw err;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Optional: PutRelativeFile (Save As). "Next to" means: in the same folder.

  /**
   * The ID of the file called `name` (in any case) in the folder of `fileId`, or null. A folder of
   * that name is no file: null (the name is taken all the same; createRelativeFile says so). The
   * unique index allows one live entry per name key, so there is no "exact spelling first" to do.
   */
  async findRelativeFile(fileId, name) {
    const { entries } = this.t;
    checkId(fileId);
    const { rows } = await this.pool.query(
      `SELECT f.id FROM ${entries} o
         LEFT JOIN ${entries} f ON f.parent_id = o.parent_id AND f.name_key = $2 AND f.kind = 'file' AND f.deleted_at IS NULL
        WHERE o.id = $1 AND o.kind = 'file' AND o.deleted_at IS NULL`,
      [fileId, fileNameKey(name)],
    );
    if (rows.length === 0) throw new FileNotFoundError(); // the original itself is unknown
    return rows[0].id;
  }

  /**
   * A new file next to `fileId`, owned by the original's owner, from `content`: the first free
   * name of `target.candidates`, or with `target.overwrite` the file with that name, replaced in
   * place (its ID kept). Shares `createFile` with createChildFile.
   */
  async createRelativeFile(fileId, content, target, context) {
    checkId(fileId);
    const locate = async (db, { lock = false } = {}) => {
      const { rows } = await db.query(
        `SELECT parent_id, owner_id FROM ${this.t.entries} WHERE id = $1 AND kind = 'file' AND deleted_at IS NULL`,
        [fileId],
      );
      if (rows.length === 0) throw new FileNotFoundError();
      if (lock) await this.liveFolder(db, rows[0].parent_id, { lock: true });
      return { folderId: rows[0].parent_id, ownerId: rows[0].owner_id };
    };
    return this.createFile(locate, content, target, context);
  }

  // ---------------------------------------------------------------------------------------------
  // Optional: RenameFile.

  /**
   * The first candidate that is free in the file's folder: one UPDATE per candidate, and the unique
   * index refuses a taken one (another file or a folder, in any case). Its own name, in another
   * case or not, is free: the row does not collide with itself. The ID and the version stay.
   */
  async renameFile(fileId, candidates) {
    const { entries, blobs } = this.t;
    await this.fileRow(this.pool, fileId); // 404 even when there is no candidate to try
    for (const name of candidates) {
      try {
        const { rows } = await this.pool.query(
          `WITH renamed AS (
             UPDATE ${entries} SET name = $2, name_key = $3 WHERE id = $1 AND kind = 'file' AND deleted_at IS NULL
             RETURNING name, version, modified_at, owner_id, blob_id
           )
           SELECT renamed.*, b.size, b.sha256 FROM renamed JOIN ${blobs} b ON b.id = renamed.blob_id`,
          [fileId, name, fileNameKey(name)],
        );
        if (rows.length === 0) throw new FileNotFoundError(); // deleted meanwhile
        return toInfo(rows[0]);
      } catch (err) {
        if (err.code !== UNIQUE_VIOLATION) throw err;
        // Taken: try the next candidate.
      }
    }
    throw new FileExistsError();
  }

  // ---------------------------------------------------------------------------------------------
  // Optional: DeleteFile.

  /**
   * The row becomes a tombstone (deleted_at set, the name free again, the ID never reused: IDs are
   * random, and the tombstone keeps the primary key taken), and its blob is released. A save still
   * arriving finds no live row after its commit step: 404, and its staged blob is dropped.
   */
  async deleteFile(fileId) {
    checkId(fileId);
    await this.transaction(async (db) => {
      const { rows } = await db.query(
        `SELECT blob_id FROM ${this.t.entries} WHERE id = $1 AND kind = 'file' AND deleted_at IS NULL FOR UPDATE`,
        [fileId],
      );
      if (rows.length === 0) throw new FileNotFoundError();
      await db.query(`UPDATE ${this.t.entries} SET deleted_at = clock_timestamp(), blob_id = NULL WHERE id = $1`, [fileId]);
      await this.release(db, rows[0].blob_id);
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Optional: containers (folders). All eight methods or none. They also need an auth with
  // issueToken, issueResourceToken and authenticateResource (JwtAuth has them) and the router's
  // `containers: true`.
  //
  // A folder is a row of `entries` with kind 'folder', pointing at its parent; the root is the one
  // row without a parent (ID 'root', made by migrate()). IDs are random and stable: a rename
  // changes a name, never an ID, and nothing stores paths, so everything inside keeps resolving.

  /** One root for every user. (A root per user: give roots an owner column and look it up here.) */
  async getRootContainerId(_userId) {
    return ROOT_ID;
  }

  async getContainerInfo(containerId) {
    checkId(containerId, 'Folder not found');
    const { rows } = await this.pool.query(
      `SELECT name, parent_id FROM ${this.t.entries} WHERE id = $1 AND kind = 'folder' AND deleted_at IS NULL`,
      [containerId],
    );
    if (rows.length === 0) throw new FileNotFoundError('Folder not found');
    return { name: rows[0].name, parentId: rows[0].parent_id };
  }

  async getFileContainerId(fileId) {
    return (await this.fileRow(this.pool, fileId)).parent_id;
  }

  /**
   * The live files and folders directly in the folder, in one query. `filter.extensions` (in
   * fileNameKey form, as the router sends them) is applied to name_key, the way the router applies
   * it again.
   */
  async enumerateChildren(containerId, filter) {
    const { entries, blobs } = this.t;
    checkId(containerId, 'Folder not found');
    const extensions = filter?.extensions?.length ? [...filter.extensions] : null;
    const { rows } = await this.pool.query(
      `SELECT c.id, c.kind, c.name, c.version, c.modified_at, c.owner_id, b.size, b.sha256
         FROM ${entries} p
         LEFT JOIN ${entries} c ON c.parent_id = p.id AND c.deleted_at IS NULL
              AND (c.kind = 'folder' OR $2::text[] IS NULL
                   OR EXISTS (SELECT 1 FROM unnest($2::text[]) AS ext WHERE right(c.name_key, length(ext)) = ext))
         LEFT JOIN ${blobs} b ON b.id = c.blob_id
        WHERE p.id = $1 AND p.kind = 'folder' AND p.deleted_at IS NULL`,
      [containerId, extensions],
    );
    if (rows.length === 0) throw new FileNotFoundError('Folder not found');
    const children = { files: [], containers: [] };
    for (const row of rows) {
      if (row.id === null) continue; // an empty folder: the one row of the LEFT JOIN
      if (row.kind === 'folder') children.containers.push({ containerId: row.id, name: row.name });
      else children.files.push({ fileId: row.id, info: toInfo(row) });
    }
    return children;
  }

  /**
   * A new, empty folder with the first free candidate. The parent is locked FOR SHARE, so a
   * concurrent deleteContainer of it waits and then finds it not empty (or we find it gone).
   */
  async createChildContainer(containerId, candidates) {
    checkId(containerId, 'Folder not found');
    return this.transaction(async (db) => {
      await this.liveFolder(db, containerId, { lock: true });
      for (const name of candidates) {
        const { rows } = await db.query(
          `INSERT INTO ${this.t.entries} (id, kind, parent_id, name, name_key) VALUES ($1, 'folder', $2, $3, $4)
           ON CONFLICT DO NOTHING RETURNING id`,
          [newId(), containerId, name, fileNameKey(name)],
        );
        // ON CONFLICT DO NOTHING: a taken name (a live file or folder here, in any case) inserts
        // nothing. A concurrent insert of the same name is waited for, then counts as taken.
        if (rows.length === 1) return { containerId: rows[0].id, info: { name, parentId: containerId } };
      }
      throw new FileExistsError();
    });
  }

  /** CreateChildFile: createRelativeFile's rules in a given folder; the creating user owns the file. */
  async createChildFile(containerId, content, target, context) {
    checkId(containerId, 'Folder not found');
    const locate = async (db, { lock = false } = {}) => {
      await this.liveFolder(db, containerId, { lock });
      return { folderId: containerId, ownerId: context.userId };
    };
    return this.createFile(locate, content, target, context);
  }

  /** Exactly `name`, or FileExistsError (the unique index). A root keeps its name. */
  async renameContainer(containerId, name) {
    checkId(containerId, 'Folder not found');
    const { rows } = await this.pool.query(
      `SELECT parent_id FROM ${this.t.entries} WHERE id = $1 AND kind = 'folder' AND deleted_at IS NULL`,
      [containerId],
    );
    if (rows.length === 0) throw new FileNotFoundError('Folder not found');
    if (rows[0].parent_id === null) throw new BadRequestError('The root folder cannot be renamed');
    try {
      const updated = await this.pool.query(
        `UPDATE ${this.t.entries} SET name = $2, name_key = $3 WHERE id = $1 AND kind = 'folder' AND deleted_at IS NULL RETURNING parent_id`,
        [containerId, name, fileNameKey(name)],
      );
      if (updated.rows.length === 0) throw new FileNotFoundError('Folder not found'); // deleted meanwhile
      return { name, parentId: updated.rows[0].parent_id };
    } catch (err) {
      if (err.code === UNIQUE_VIOLATION) throw new FileExistsError('A file or folder with this name already exists');
      throw err;
    }
  }

  /**
   * An empty folder becomes a tombstone. Its row is locked FOR UPDATE first: creates in it hold it
   * FOR SHARE, so a create and a delete never both succeed.
   */
  async deleteContainer(containerId) {
    checkId(containerId, 'Folder not found');
    const { entries } = this.t;
    await this.transaction(async (db) => {
      const { rows } = await db.query(
        `SELECT parent_id FROM ${entries} WHERE id = $1 AND kind = 'folder' AND deleted_at IS NULL FOR UPDATE`,
        [containerId],
      );
      if (rows.length === 0) throw new FileNotFoundError('Folder not found');
      if (rows[0].parent_id === null) throw new ContainerNotEmptyError('The root folder cannot be deleted');
      const children = await db.query(`SELECT 1 FROM ${entries} WHERE parent_id = $1 AND deleted_at IS NULL LIMIT 1`, [containerId]);
      if (children.rows.length > 0) throw new ContainerNotEmptyError('The folder is not empty');
      await db.query(`UPDATE ${entries} SET deleted_at = clock_timestamp() WHERE id = $1`, [containerId]);
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Internals.

  /**
   * createRelativeFile and createChildFile. `locate(db, { lock })` returns where the file goes,
   * { folderId, ownerId }, or throws FileNotFoundError; with `lock`, inside the publishing
   * transaction, it also locks the folder FOR SHARE (see deleteContainer).
   */
  async createFile(locate, content, target, context) {
    const stopListening = listen(content, context.signal);
    let blob;
    let overwriteName;
    let folderId;
    try {
      ({ folderId } = await locate(this.pool)); // 404 before accepting any bytes
      // With overwrite there is exactly one candidate. A folder of that name is no file to
      // replace: refuse before the bytes.
      if (target.overwrite) {
        overwriteName = firstOf(target.candidates);
        if (overwriteName === undefined) throw new FileExistsError();
        if ((await this.findEntry(this.pool, folderId, overwriteName))?.kind === 'folder') {
          throw new FileExistsError('A folder with this name already exists');
        }
      }
      blob = await this.stage(content, context.signal);
    } finally {
      stopListening();
    }
    // The commit step: commit(id) before replacing the file that has the name, commit() before
    // creating one.
    let replacing;
    try {
      if (overwriteName !== undefined) {
        const found = await this.findEntry(this.pool, folderId, overwriteName);
        replacing = found?.kind === 'file' ? found.id : undefined;
      }
    } catch (err) {
      await this.dropStaged(blob.id);
      throw err;
    }
    await this.commitStep(context, blob, replacing);
    try {
      return await this.transaction(async (db) => {
        const place = await locate(db, { lock: true }); // gone meanwhile: 404
        if (overwriteName !== undefined) {
          // The name must still lead where it led at the commit step: to `replacing`, or to
          // nothing. Renamed, deleted or created meanwhile, it is not what the router checked.
          const found = await this.findEntry(db, place.folderId, overwriteName, { forUpdate: true });
          if (found?.kind === 'folder' || found?.id !== replacing) throw new FileExistsError();
          if (found !== undefined) {
            return { fileId: found.id, info: await this.switchContent(db, found.id, found.blob_id, blob, context.userId) };
          }
          const created = await this.insertFile(db, place, overwriteName, blob, context.userId);
          if (created === undefined) throw new FileExistsError();
          return created;
        }
        // The free name is chosen now, after the commit step: the unique index decides.
        for (const name of target.candidates) {
          const created = await this.insertFile(db, place, name, blob, context.userId);
          if (created !== undefined) return created;
        }
        throw new FileExistsError();
      });
    } catch (err) {
      await this.dropStaged(blob.id);
      throw err;
    }
  }

  /**
   * INSERTs the file `name` into `place.folderId` pointing at `blob`, and marks the blob live.
   * Resolves with { fileId, info }, or undefined when the name is taken (ON CONFLICT DO NOTHING).
   */
  async insertFile(db, place, name, blob, userId) {
    const { rows } = await db.query(
      `INSERT INTO ${this.t.entries} (id, kind, parent_id, name, name_key, owner_id, blob_id, version, modified_at, modified_by)
       VALUES ($1, 'file', $2, $3, $4, $5, $6, 1, date_trunc('milliseconds', clock_timestamp()), $7)
       ON CONFLICT DO NOTHING
       RETURNING id, name, version, modified_at, owner_id`,
      [newId(), place.folderId, name, fileNameKey(name), place.ownerId, blob.id, userId],
    );
    if (rows.length === 0) return undefined;
    await this.markLive(db, blob);
    return { fileId: rows[0].id, info: toInfo({ ...rows[0], size: blob.size, sha256: blob.sha256 }) };
  }

  /**
   * The switch, inside the caller's transaction, with the file row already locked: the file points
   * at `blob` with the next version and a later modification time, and its old blob is released.
   */
  async switchContent(db, fileId, oldBlobId, blob, userId) {
    await this.markLive(db, blob);
    const { rows } = await db.query(
      `UPDATE ${this.t.entries} SET blob_id = $2, version = version + 1, modified_at = ${NEXT_MODIFIED}, modified_by = $3
        WHERE id = $1 RETURNING name, version, modified_at, owner_id`,
      [fileId, blob.id, userId],
    );
    await this.release(db, oldBlobId);
    return toInfo({ ...rows[0], size: blob.size, sha256: blob.sha256 });
  }

  async markLive(db, blob) {
    const { rowCount } = await db.query(`UPDATE ${this.t.blobs} SET state = 'live' WHERE id = $1 AND state = 'staged'`, [blob.id]);
    // Only when the upload outlived abandonStagedMs and sweep() took it.
    if (rowCount !== 1) throw new Error('The uploaded content is gone (swept as abandoned)');
  }

  async release(db, blobId) {
    await db.query(`UPDATE ${this.t.blobs} SET state = 'released', released_at = clock_timestamp() WHERE id = $1`, [blobId]);
  }

  /**
   * Streams `content` into a new staged blob, one chunk row of `chunkSize` bytes at a time, and
   * resolves with { id, size, sha256 }. The loop awaits each INSERT before it reads on, so the body
   * is read no faster than the database takes it. On any failure the partial blob is deleted and
   * the ORIGINAL error is rethrown.
   */
  async stage(content, signal) {
    signal.throwIfAborted(); // an already aborted save writes nothing
    const { rows } = await this.pool.query(`INSERT INTO ${this.t.blobs} DEFAULT VALUES RETURNING id`);
    const id = rows[0].id;
    try {
      const hash = crypto.createHash('sha256');
      let size = 0;
      let seq = 0;
      let pending = [];
      let pendingBytes = 0;
      const flush = async (bytes) => {
        const all = pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingBytes);
        const rest = all.subarray(bytes);
        pending = rest.length > 0 ? [rest] : [];
        pendingBytes = rest.length;
        await this.pool.query(`INSERT INTO ${this.t.chunks} (blob_id, seq, data) VALUES ($1, $2, $3)`, [id, seq++, all.subarray(0, bytes)]);
      };
      for await (const part of content) {
        const buffer = Buffer.isBuffer(part) ? part : Buffer.from(part);
        hash.update(buffer);
        size += buffer.length;
        pending.push(buffer);
        pendingBytes += buffer.length;
        while (pendingBytes >= this.chunkSize) await flush(this.chunkSize);
      }
      if (pendingBytes > 0) await flush(pendingBytes);
      signal.throwIfAborted();
      const sha256 = hash.digest('base64');
      await this.pool.query(`UPDATE ${this.t.blobs} SET size = $2, sha256 = $3 WHERE id = $1`, [id, size, sha256]);
      return { id, size, sha256 };
    } catch (err) {
      await this.dropStaged(id);
      throw err;
    }
  }

  /**
   * Deletes a blob that never became visible (its chunks go with it: ON DELETE CASCADE). Only while
   * it is still 'staged': if a switch whose COMMIT reported an error did commit after all, the blob
   * is live and stays. A failure here only leaves garbage that sweep() removes.
   */
  async dropStaged(blobId) {
    await this.pool.query(`DELETE FROM ${this.t.blobs} WHERE id = $1 AND state = 'staged'`, [blobId]).catch(() => undefined);
  }

  /** The commit step; when the router refuses, the staged blob is dropped and its error rethrown unchanged. */
  async commitStep(context, blob, replacingFileId) {
    try {
      if (replacingFileId === undefined) await context.commit();
      else await context.commit(replacingFileId);
    } catch (err) {
      await this.dropStaged(blob.id);
      throw err; // the very error: it carries the client's answer (409 with the current lock, 404 …)
    }
  }

  /**
   * The chunks of a blob, in order, `readAheadChunks` per query (keyset paging on seq), checked
   * for gaps: a blob swept while a very slow download was reading it ends in an error, never in a
   * short file.
   */
  async *readChunks(blobId, size) {
    let seq = 0;
    let sent = 0;
    while (sent < size) {
      const { rows } = await this.pool.query(
        `SELECT seq, data FROM ${this.t.chunks} WHERE blob_id = $1 AND seq >= $2 ORDER BY seq LIMIT $3`,
        [blobId, seq, this.readAheadChunks],
      );
      if (rows.length === 0) throw new Error('The content is gone (swept while it was being read)');
      for (const row of rows) {
        if (row.seq !== seq) throw new Error('The content is gone (swept while it was being read)');
        seq++;
        sent += row.data.length;
        yield row.data;
      }
    }
    if (sent !== size) throw new Error(`The content has ${sent} bytes, not ${size}`);
  }

  /** The live file row of `fileId` with its blob's size and hash, or FileNotFoundError. */
  async fileRow(db, fileId) {
    checkId(fileId);
    const { rows } = await db.query(
      `SELECT e.name, e.version, e.modified_at, e.owner_id, e.parent_id, e.blob_id, b.size, b.sha256
         FROM ${this.t.entries} e JOIN ${this.t.blobs} b ON b.id = e.blob_id
        WHERE e.id = $1 AND e.kind = 'file' AND e.deleted_at IS NULL`,
      [fileId],
    );
    if (rows.length === 0) throw new FileNotFoundError();
    return rows[0];
  }

  /** Checks that `folderId` is a live folder (with `lock`: FOR SHARE, until the transaction ends), or FileNotFoundError. */
  async liveFolder(db, folderId, { lock = false } = {}) {
    checkId(folderId, 'Folder not found');
    const { rows } = await db.query(
      `SELECT id FROM ${this.t.entries} WHERE id = $1 AND kind = 'folder' AND deleted_at IS NULL${lock ? ' FOR SHARE' : ''}`,
      [folderId],
    );
    if (rows.length === 0) throw new FileNotFoundError('Folder not found');
  }

  /** The live entry (file or folder) called `name` in any case in `folderId`: { id, kind, blob_id }, or undefined. */
  async findEntry(db, folderId, name, { forUpdate = false } = {}) {
    const { rows } = await db.query(
      `SELECT id, kind, blob_id FROM ${this.t.entries} WHERE parent_id = $1 AND name_key = $2 AND deleted_at IS NULL${forUpdate ? ' FOR UPDATE' : ''}`,
      [folderId, fileNameKey(name)],
    );
    return rows[0];
  }

  /**
   * Runs `work(client)` in a transaction on one pooled connection. It never asks the pool for a
   * second connection while it holds one, so a full pool cannot deadlock on itself.
   */
  async transaction(work) {
    const client = await this.pool.connect();
    let broken;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackError) => {
        broken = rollbackError; // the connection is unusable: the pool discards it
      });
      throw err;
    } finally {
      client.release(broken);
    }
  }
}

/** The WopiFileInfo of a row with name, size, version, modified_at, owner_id and sha256. */
function toInfo(row) {
  return {
    name: row.name,
    size: Number(row.size), // bigint columns arrive as strings
    version: String(row.version), // a counter: changes with the content, and only then
    lastModifiedTime: row.modified_at, // a Date, to the millisecond (see NEXT_MODIFIED)
    ownerId: row.owner_id,
    sha256: row.sha256, // computed while the body streamed in, so it costs nothing here
  };
}

/** FileNotFoundError for an ID that is not shaped like ours. */
function checkId(id, message) {
  if (typeof id !== 'string' || !ID.test(id)) throw new FileNotFoundError(message);
}

/**
 * Listens to the body before the first await (an `error` nobody listens to would crash the
 * process; iterating the stream still gets the error) and destroys it with `signal.reason` when the
 * signal aborts, so the loop in `stage` rejects with that. Returns the function that stops both.
 */
function listen(content, signal) {
  const onError = () => undefined;
  const onAbort = () => content.destroy(signal.reason);
  content.on('error', onError);
  signal.addEventListener('abort', onAbort, { once: true });
  return () => {
    content.off('error', onError);
    signal.removeEventListener('abort', onAbort);
  };
}

/** The first value of an iterable (a generator is iterated once, then closed), or undefined. */
function firstOf(iterable) {
  for (const value of iterable) return value;
  return undefined;
}

/** An ID for a new file or folder: 128 random bits, URL-safe. Never guessed, never repeated. */
function newId() {
  return crypto.randomBytes(16).toString('base64url');
}

module.exports = { PgStorage };
