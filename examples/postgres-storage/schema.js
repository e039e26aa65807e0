'use strict';
/**
 * The tables of the PostgreSQL example, and `migrate()`, which creates them.
 *
 *   <prefix>blobs      one row per stored content: 'staged' while it is written (invisible),
 *                      'live' once a file points at it, 'released' once no file does (kept a
 *                      while for downloads still reading it, then removed by `sweep()`)
 *   <prefix>chunks     the bytes of each blob, as bytea rows keyed by (blob_id, seq)
 *   <prefix>entries    files and folders: one row each, pointing at their folder (parent_id), with
 *                      fileNameKey(name) in name_key and one unique index on (parent_id, name_key)
 *                      among live rows, so that no two entries of a folder share a name in any case;
 *                      files also point at their blob. Deleted rows stay, as tombstones.
 *   <prefix>user_info  PutUserInfo's text, one row per user
 *
 * Every table name is `<schema>.<tablePrefix><name>`: a schema and a prefix of their own keep several
 * stores (or test runs) in one database apart.
 */
const { escapeIdentifier } = require('pg');
const { fileNameKey } = require('../..');

/** The ID of the root folder (the one folder with no parent). It is created by `migrate()`. */
const ROOT_ID = 'root';

/**
 * Checks the options shared by migrate(), PgStorage and PgUserInfoStore, and returns the quoted
 * table names. `schema` and `tablePrefix` are configuration, never user input; they are quoted all
 * the same.
 *
 * @param {{ schema?: string, tablePrefix?: string }} options
 */
function tableNames({ schema = 'public', tablePrefix = 'wopi_' } = {}) {
  if (typeof schema !== 'string' || schema === '' || schema.length > 63) throw new TypeError('schema: 1 to 63 characters');
  // Index names are built from the prefix too, and PostgreSQL cuts identifiers at 63 bytes.
  if (typeof tablePrefix !== 'string' || !/^([A-Za-z_][A-Za-z0-9_]{0,39})?$/.test(tablePrefix)) {
    throw new TypeError('tablePrefix: letters, digits and _, at most 40 characters, not starting with a digit');
  }
  const name = (table) => `${escapeIdentifier(schema)}.${escapeIdentifier(tablePrefix + table)}`;
  return {
    schema: escapeIdentifier(schema),
    prefix: tablePrefix,
    blobs: name('blobs'),
    chunks: name('chunks'),
    entries: name('entries'),
    userInfo: name('user_info'),
    /** An index name (indexes live in the table's schema; CREATE INDEX takes it unqualified). */
    index: (suffix) => escapeIdentifier(`${tablePrefix}${suffix}`),
  };
}

/**
 * Creates the schema, the tables, their indexes and the root folder, if they are missing
 * (CREATE … IF NOT EXISTS throughout). Run it when you deploy, or at startup: it is idempotent,
 * and concurrent runs (several processes starting at once) wait for each other on an advisory
 * lock instead of tripping over each other's CREATE TABLE.
 *
 * @param {import('pg').Pool} pool
 * @param {{ schema?: string, tablePrefix?: string, rootName?: string }} [options]
 */
async function migrate(pool, options = {}) {
  const t = tableNames(options);
  const rootName = options.rootName ?? 'Files';
  const client = await pool.connect();
  let broken;
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`express-wopi migrate ${t.blobs}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${t.schema}`);
    const { rows } = await client.query('SELECT to_regclass($1) IS NULL AS missing', [t.chunks]);
    const newChunks = rows[0].missing;
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${t.blobs} (
         id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
         state       text NOT NULL DEFAULT 'staged' CHECK (state IN ('staged', 'live', 'released')),
         size        bigint,
         sha256      text,
         created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
         released_at timestamptz
       )`,
    );
    // What sweep() looks for: staged blobs nobody finished, released blobs past their grace time.
    await client.query(
      `CREATE INDEX IF NOT EXISTS ${t.index('blobs_sweep')} ON ${t.blobs} (state, coalesce(released_at, created_at)) WHERE state <> 'live'`,
    );
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${t.chunks} (
         blob_id bigint NOT NULL REFERENCES ${t.blobs} (id) ON DELETE CASCADE,
         seq     integer NOT NULL,
         data    bytea NOT NULL,
         PRIMARY KEY (blob_id, seq)
       )`,
    );
    // Office files are ZIP archives: already compressed. EXTERNAL stores chunks out of line without
    // trying to compress them again. (PostgreSQL 15 has no STORAGE clause in CREATE TABLE, and
    // ALTER TABLE takes a strong lock, so only on a table this run just created.)
    if (newChunks) await client.query(`ALTER TABLE ${t.chunks} ALTER COLUMN data SET STORAGE EXTERNAL`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${t.entries} (
         id          text PRIMARY KEY,
         kind        text NOT NULL CHECK (kind IN ('file', 'folder')),
         parent_id   text REFERENCES ${t.entries} (id),
         name        text NOT NULL,
         name_key    text NOT NULL,
         owner_id    text,
         blob_id     bigint REFERENCES ${t.blobs} (id),
         version     bigint,
         modified_at timestamptz,
         modified_by text,
         created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
         deleted_at  timestamptz,
         CHECK (parent_id IS NOT NULL OR kind = 'folder'),
         CHECK (kind = 'folder' OR deleted_at IS NOT NULL
                OR (blob_id IS NOT NULL AND version IS NOT NULL AND modified_at IS NOT NULL AND owner_id IS NOT NULL))
       )`,
    );
    // The one rule for names: within a folder, among live files AND folders, one entry per
    // fileNameKey. Deleted rows (tombstones) are left out, so their names are free again.
    await client.query(
      `CREATE UNIQUE INDEX IF NOT EXISTS ${t.index('entries_live_name')} ON ${t.entries} (parent_id, name_key) WHERE deleted_at IS NULL`,
    );
    // For the foreign key check when sweep() deletes a blob.
    await client.query(`CREATE INDEX IF NOT EXISTS ${t.index('entries_blob')} ON ${t.entries} (blob_id)`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${t.userInfo} (
         user_id    text PRIMARY KEY,
         info       text NOT NULL,
         updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
       )`,
    );
    await client.query(
      `INSERT INTO ${t.entries} (id, kind, parent_id, name, name_key) VALUES ($1, 'folder', NULL, $2, $3) ON CONFLICT (id) DO NOTHING`,
      [ROOT_ID, rootName, fileNameKey(rootName)],
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch((rollbackError) => {
      broken = rollbackError;
    });
    throw err;
  } finally {
    client.release(broken);
  }
}

module.exports = { migrate, tableNames, ROOT_ID };
