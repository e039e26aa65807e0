'use strict';
/**
 * A WopiUserInfoStore over one PostgreSQL table (`<prefix>user_info`, created by ./schema.js's
 * migrate()). Give it to the router as its `userInfo` option: PutUserInfo stores a user's text, and
 * CheckFileInfo returns it as UserInfo for every file that user opens.
 *
 * getUserInfo is one primary-key lookup (it runs on every CheckFileInfo); putUserInfo one UPSERT,
 * atomic, so of concurrent writes for one user the last wins, whole. User IDs are compared exactly:
 * a text primary key under a deterministic collation never treats two different strings as equal
 * (case, white space and Unicode normalisation all count). The one thing text cannot hold is the
 * character U+0000: PostgreSQL refuses it, so such a value is a rejection (the editor gets 500) and
 * the old value stays.
 */
const { tableNames } = require('./schema');

class PgUserInfoStore {
  /** @param {{ pool: import('pg').Pool, schema?: string, tablePrefix?: string }} options  as given to migrate() */
  constructor({ pool, schema, tablePrefix }) {
    if (!pool) throw new TypeError('PgUserInfoStore needs a pg Pool');
    this.pool = pool;
    this.table = tableNames({ schema, tablePrefix }).userInfo;
  }

  /** What putUserInfo last stored for `userId` ('' included), or undefined when nothing was. */
  async getUserInfo(userId) {
    const { rows } = await this.pool.query(`SELECT info FROM ${this.table} WHERE user_id = $1`, [userId]);
    return rows[0]?.info;
  }

  /** Stores `userInfo` for `userId`, replacing what was there, in one statement. */
  async putUserInfo(userId, userInfo) {
    await this.pool.query(
      `INSERT INTO ${this.table} (user_id, info) VALUES ($1, $2)
       ON CONFLICT (user_id) DO UPDATE SET info = EXCLUDED.info, updated_at = clock_timestamp()`,
      [userId, userInfo],
    );
  }
}

module.exports = { PgUserInfoStore };
