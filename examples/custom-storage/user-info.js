'use strict';
/**
 * A user-info store template for express-wopi: the two WopiUserInfoStore methods, in plain
 * JavaScript, over one JSON file. Give it to the router as its `userInfo` option; without one,
 * PutUserInfo answers 501 and CheckFileInfo says SupportsUserInfo: false.
 *
 * User info belongs to the USER, not to a file: what a user stores while on one file (editors keep
 * small settings there) comes back in CheckFileInfo (UserInfo) for every file that user opens.
 *
 *   <dir>/users.json   { "<userId>": "<text>", … }, rewritten whole on every change
 *
 * In a real app this is a `users` table (or a column of your users table): `getUserInfo` is one
 * indexed SELECT, `putUserInfo` one UPSERT. Like JsonIndexStorage it is for one process: several
 * processes on the same file would overwrite each other's changes.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const fsp = require('node:fs/promises');
const path = require('node:path');

class JsonUserInfoStore {
  /** @param {{ dir: string }} options  `dir` holds users.json (made if missing). */
  constructor({ dir }) {
    this.path = path.join(path.resolve(dir), 'users.json');
    fs.mkdirSync(path.dirname(this.path), { recursive: true });
    // A Map, not a plain object, so that a user ID such as "__proto__" is just a key.
    this.users = new Map(fs.existsSync(this.path) ? Object.entries(JSON.parse(fs.readFileSync(this.path, 'utf8'))) : []);
    // Changes are saved one at a time, in order (see putUserInfo).
    this.queue = Promise.resolve();
  }

  /**
   * CheckFileInfo, on every call: what putUserInfo last stored for this user (the empty string
   * included), or undefined. Keep it cheap; here it is a Map lookup. User IDs come from your auth
   * adapter and are compared exactly (no case folding, no trimming).
   */
  async getUserInfo(userId) {
    return this.users.get(userId);
  }

  /**
   * PutUserInfo: replaces what this user stored. The router has already checked the text (at most
   * 1024 characters, decoded from UTF-8); keep it exactly. Resolve only once it is saved; reject
   * when it could not be (the editor gets 500), and then nothing changes.
   */
  async putUserInfo(userId, userInfo) {
    const run = async () => {
      const next = new Map(this.users).set(userId, userInfo);
      await this.save(next);
      this.users = next; // seen by getUserInfo only once it is on disk
    };
    const done = this.queue.then(run, run);
    this.queue = done.catch(() => undefined);
    return done;
  }

  /** Writes users.json through a temporary file, fsync and a rename: never half written. */
  async save(users) {
    const temp = `${this.path}.${crypto.randomBytes(6).toString('hex')}.tmp`;
    const handle = await fsp.open(temp, 'w');
    try {
      await handle.writeFile(JSON.stringify(Object.fromEntries(users), null, 1));
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await fsp.rename(temp, this.path);
    } catch (err) {
      await fsp.unlink(temp).catch(() => undefined);
      throw err;
    }
  }
}

module.exports = { JsonUserInfoStore };
