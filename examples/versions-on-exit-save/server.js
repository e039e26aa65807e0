'use strict';
/**
 * express-wopi versions-on-exit-save example: a version row each time an editing session ends
 * with a save, recorded through the router's `events` option, and listed at GET /versions.
 *
 * - `saved` with `save.isExitSave === true` (Collabora Online and ONLYOFFICE Docs send
 *   `X-COOL-WOPI-IsExitSave` / `X-LOOL-WOPI-IsExitSave: true` on the save made when the last
 *   editor leaves) records a row. Autosaves and explicit saves during the session do not.
 * - Editors that send no exit-save flag (Microsoft 365 for the web): the session's saves are
 *   remembered, and `unlocked` (the editor closes the file) records the row instead.
 *
 * Run from the repository root, after `npm install` (which builds dist/):
 *
 *   node examples/versions-on-exit-save/server.js
 *
 * Environment: PORT (default 3000), HOST (default 127.0.0.1), PUBLIC_URL (default
 * http://HOST:PORT), WOPI_SECRET (32+ characters; default: random per run), FILES_DIR (folder
 * to serve; default: a temporary copy of ../../samples), VERSIONS_FILE (a JSON file the rows are
 * kept in across restarts; default: memory only). Logs: DEBUG=example:versions,express-wopi:*
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const fsp = require('node:fs/promises');
const os = require('node:os');
const path = require('node:path');
const express = require('express');
const createDebug = require('debug');
// Inside this repository Node resolves the package name to the repository itself (a package may
// require itself by name, through its "exports"), so this is the line your app writes.
const { createWopiRouter, FileSystemStorage, MemoryLockStore, JwtAuth } = require('express-wopi');

const debug = createDebug('example:versions');

/**
 * Version rows: kept in memory (newest last) and, with a file, written to it after each row. A
 * real app inserts into its database here, in the same place.
 */
class VersionLog {
  constructor(file) {
    this.file = file;
    this.rows = file && fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : [];
    /** Saves of each file since its last row, for editors without an exit-save flag. */
    this.unversioned = new Map();
    this.writing = Promise.resolve();
  }

  /**
   * Appends a row. The row is in memory at once (GET /versions shows it); the file is written in
   * the background, one write after the other. The promise rejects when that write fails, which
   * the router logs on express-wopi:server_error.
   */
  add(row) {
    this.rows.push(row);
    this.unversioned.delete(row.fileId);
    debug('version %d of %s (%s): %s, %d bytes, by %s', this.rows.length, row.fileId, row.name, row.reason, row.size, row.userId);
    if (!this.file) return Promise.resolve();
    const snapshot = JSON.stringify(this.rows, null, 2);
    this.writing = this.writing.then(() => writeAtomically(this.file, snapshot));
    return this.writing;
  }
}

/** The row for a `saved` event. */
function versionRow(event, reason) {
  return {
    fileId: event.fileId,
    name: event.file.name,
    version: event.file.version,
    size: event.file.size,
    savedAt: event.file.lastModifiedTime.toISOString(),
    userId: event.user.userId,
    editors: event.save.editors,
    reason,
  };
}

/**
 * The app: the WOPI router with the version listeners, GET /versions, and a home page with a
 * WOPISrc and a token per file. Exported so that tests can drive it without listening.
 */
function createApp(options) {
  const storage = new FileSystemStorage({ root: options.filesDir });
  const locks = new MemoryLockStore(); // one process only (docs/locking.md)
  const auth = new JwtAuth({ secret: options.secret });
  const versions = new VersionLog(options.versionsFile);

  const app = express();
  app.disable('x-powered-by');
  app.use(
    '/wopi',
    createWopiRouter({
      storage,
      auth,
      locks,
      publicUrl: () => `${options.publicUrl()}/wopi`,
      events: {
        saved(event) {
          if (event.save.isExitSave === true) return versions.add(versionRow(event, 'exit save'));
          // Any other save: remember it, in case the session ends with an Unlock instead.
          versions.unversioned.set(event.fileId, event);
          return undefined;
        },
        unlocked(event) {
          const lastSave = versions.unversioned.get(event.fileId);
          if (lastSave === undefined) return undefined;
          return versions.add(versionRow(lastSave, 'unlocked after saving'));
        },
        deleted(event) {
          if (event.operation === 'DeleteFile') versions.unversioned.delete(event.fileId);
        },
      },
    }),
  );

  // The version rows, newest last; `?fileId=` for one file.
  app.get('/versions', (req, res) => {
    const { fileId } = req.query;
    res.json(typeof fileId === 'string' ? versions.rows.filter((row) => row.fileId === fileId) : versions.rows);
  });

  // What an editor needs to open each file. A real app checks who the visitor is first.
  app.get('/', async (_req, res, next) => {
    try {
      const files = [];
      for (const entry of await storage.list()) {
        const token = await auth.issueToken({
          fileId: entry.fileId,
          userId: 'demo',
          userFriendlyName: 'Demo User',
          permissions: { write: true },
        });
        files.push({ name: entry.path, wopiSrc: `${options.publicUrl()}/wopi/files/${entry.fileId}`, ...token });
      }
      res.set('Cache-Control', 'no-store').json(files);
    } catch (err) {
      next(err);
    }
  });

  return { app, storage, auth, versions };
}

/** Writes `text` to `file` through a temporary file and a rename: a crash never leaves half a file. */
async function writeAtomically(file, text) {
  const temp = `${file}.${process.pid}.tmp`;
  await fsp.writeFile(temp, text);
  await fsp.rename(temp, file);
}

module.exports = { createApp, VersionLog };

// --- Run it ---------------------------------------------------------------------------------------

if (require.main === module) {
  const PORT = Number(process.env.PORT ?? 3000);
  const HOST = process.env.HOST ?? '127.0.0.1';
  let filesDir = process.env.FILES_DIR ? path.resolve(process.env.FILES_DIR) : '';
  const temporary = filesDir === '';
  if (temporary) {
    filesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'express-wopi-versions-'));
    for (const name of ['welcome.docx', 'budget.xlsx', 'slides.pptx']) {
      fs.copyFileSync(path.join(__dirname, '..', '..', 'samples', name), path.join(filesDir, name));
    }
  }
  let publicUrl = '';
  const { app } = createApp({
    filesDir,
    secret: process.env.WOPI_SECRET ?? crypto.randomBytes(32).toString('base64url'),
    versionsFile: process.env.VERSIONS_FILE ? path.resolve(process.env.VERSIONS_FILE) : undefined,
    publicUrl: () => publicUrl,
  });
  const server = app.listen(PORT, HOST, () => {
    const { port } = server.address();
    const hostForUrl = HOST.includes(':') ? `[${HOST}]` : HOST;
    publicUrl = (process.env.PUBLIC_URL ?? `http://${hostForUrl}:${port}`).replace(/\/+$/, '');
    process.stdout.write(`express-wopi versions-on-exit-save example: ${publicUrl}/ (files), ${publicUrl}/versions (versions)\n`);
  });
  const stop = () => {
    server.close(() => {
      if (temporary) fs.rmSync(filesDir, { recursive: true, force: true });
      process.exit(0);
    });
    server.closeAllConnections();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
