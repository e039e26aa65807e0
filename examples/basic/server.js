'use strict';
/**
 * express-wopi basic example: an ordinary Express app (a file list, view and edit pages per file,
 * and an upload form) that adds WOPI by mounting one router under /wopi.
 *
 * Run from the repository root, after `npm install` (which builds dist/):
 *
 *   node examples/basic/server.js
 *
 * Environment: PORT (default 3000), HOST (default 127.0.0.1), PUBLIC_URL (the base URL editors
 * use to reach this app; default http://HOST:PORT), WOPI_SECRET (32+ characters; default: a
 * random one per run), FILES_DIR (folder to serve; default: a temporary copy of ../../samples).
 * Logs: DEBUG=example:basic,express-wopi:*
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const fsp = require('node:fs/promises');
const os = require('node:os');
const path = require('node:path');
const express = require('express');
const multer = require('multer');
const createDebug = require('debug');
// Inside this repository the package is its own root; in your app: require('express-wopi').
const { createWopiRouter, FileSystemStorage, FileSystemUserInfoStore, MemoryLockStore, JwtAuth, WopiError } = require('../..');

const debug = createDebug('example:basic');

const PORT = Number(process.env.PORT ?? 3000);
const HOST = process.env.HOST ?? '127.0.0.1';
const MAX_FILE_SIZE = 50 * 1024 * 1024;
const DEMO_USER = { userId: 'demo', userFriendlyName: 'Demo User' };
const SAMPLES = path.join(__dirname, '..', '..', 'samples');

// --- The folder this app stores its files in ----------------------------------------------------

const { dir: filesDir, temporary } = prepareFilesDir();
// Uploads land here first, then are moved next to the other files. Dot-folders are never listed.
const stagingDir = path.join(filesDir, '.uploads');
fs.mkdirSync(stagingDir, { recursive: true });

function prepareFilesDir() {
  if (process.env.FILES_DIR) {
    const dir = path.resolve(process.env.FILES_DIR);
    fs.mkdirSync(dir, { recursive: true });
    return { dir, temporary: false };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'express-wopi-basic-'));
  for (const name of ['welcome.docx', 'budget.xlsx', 'slides.pptx']) {
    fs.copyFileSync(path.join(SAMPLES, name), path.join(dir, name));
  }
  return { dir, temporary: true };
}

// --- The adapters -------------------------------------------------------------------------------

const storage = new FileSystemStorage({ root: filesDir });
// What editors store per user (PutUserInfo), next to the storage's file-ID records in its
// metadata folder (a dot-folder, never listed or served).
const userInfo = new FileSystemUserInfoStore({ dir: path.join(filesDir, '.express-wopi', 'users') });
// Locks in this process's memory: right for one process only (see docs/locking.md).
const locks = new MemoryLockStore();
if (!process.env.WOPI_SECRET) {
  debug('WOPI_SECRET is not set: using a random secret, so tokens stop working when the app restarts');
}
const auth = new JwtAuth({ secret: process.env.WOPI_SECRET ?? crypto.randomBytes(32).toString('base64url') });

// Known once the server listens (PORT=0 picks a free port).
let publicUrl = '';

// --- The app ------------------------------------------------------------------------------------

const app = express();
app.disable('x-powered-by');

// The WOPI router goes first, before any body parser: PutFile bodies are raw file bytes that the
// router streams to storage itself.
app.use(
  '/wopi',
  createWopiRouter({
    storage,
    auth,
    locks,
    userInfo,
    maxFileSize: MAX_FILE_SIZE,
    // How the editor reaches this router: the base of the `Url` that PutRelativeFile (Save As)
    // answers for the new file. A function, because PORT=0 only learns its port at listen time.
    publicUrl: () => `${publicUrl}/wopi`,
    // This app's own pages for a file (below). CheckFileInfo reports them as HostViewUrl and
    // HostEditUrl, and PutRelativeFile returns them for the copy it created.
    hostUrls: ({ fileId }) => ({
      HostViewUrl: hostPageUrl(fileId, 'view'),
      HostEditUrl: hostPageUrl(fileId, 'edit'),
    }),
    checkFileInfo: () => ({
      // The origin of the page that embeds the editor, so the editor may postMessage to it.
      PostMessageOrigin: new URL(publicUrl).origin,
      BreadcrumbBrandName: 'express-wopi example',
      BreadcrumbFolderName: 'Demo files',
      BreadcrumbFolderUrl: `${publicUrl}/`,
    }),
    // What happened, as it happened (docs/events.md): here only saves, to the debug log.
    events: {
      saved: ({ operation, fileId, file, user, save }) => {
        debug(
          '%s saved %s (%s) for %s: %d bytes, version %s, autosave=%s, exit save=%s, editors=%o',
          operation,
          file.name,
          fileId,
          user.userId,
          file.size,
          file.version,
          save.isAutosave,
          save.isExitSave,
          save.editors,
        );
      },
    },
  }),
);

// The host's own pages. A real app checks who the visitor is here; the demo treats every visitor
// as DEMO_USER and issues a fresh token per file on every page view.
app.get('/', async (_req, res, next) => {
  try {
    const files = [];
    for (const entry of await storage.list()) {
      const token = await auth.issueToken({ fileId: entry.fileId, ...DEMO_USER, permissions: { write: true } });
      files.push({ ...entry, ...token, wopiSrc: `${publicUrl}/wopi/files/${entry.fileId}` });
    }
    res.type('html').send(homePage(files));
  } catch (err) {
    next(err);
  }
});

// The host pages for one file, view or edit: what an editor page would use to open it. A real app
// builds the editor's action URL from discovery here and posts the token to it in an iframe (see
// README.md); this demo shows the WOPISrc and the token instead. View pages get a read-only token.
// (Adding `create: true` to a view token would let the user "save a copy" from view mode.)
for (const action of ['view', 'edit']) {
  app.get(`/files/:fileId/${action}`, async (req, res, next) => {
    try {
      const file = await storage.getFileInfo(req.params.fileId).catch((err) => {
        if (WopiError.is(err) && err.status === 404) return undefined; // unknown or deleted file
        throw err;
      });
      if (!file) {
        res.status(404).type('text').send('No such file.\n');
        return;
      }
      const fileId = req.params.fileId;
      const token = await auth.issueToken({ fileId, ...DEMO_USER, permissions: { write: action === 'edit' } });
      res.set('Cache-Control', 'no-store');
      res.type('html').send(hostPage(action, file.name, { fileId, wopiSrc: `${publicUrl}/wopi/files/${fileId}`, ...token }));
    } catch (err) {
      next(err);
    }
  });
}

// The upload form is the host's business, not WOPI's: multer handles multipart bodies on this
// route only. (WOPI's PutFile takes the raw body and never goes through multer.)
const upload = multer({
  storage: multer.diskStorage({
    destination: stagingDir,
    filename: (_req, _file, cb) => cb(null, crypto.randomBytes(12).toString('hex')),
  }),
  limits: { fileSize: MAX_FILE_SIZE, files: 1, fields: 0 },
  defParamCharset: 'utf8',
});

app.post('/upload', upload.single('file'), async (req, res, next) => {
  if (!req.file) {
    res.status(400).type('text').send('Choose a file to upload.\n');
    return;
  }
  try {
    const name = await moveIntoPlace(req.file.path, safeFileName(req.file.originalname));
    const fileId = await storage.fileIdFor(name);
    debug('uploaded %s as file %s (%d bytes)', name, fileId, req.file.size);
    res.redirect(303, './');
  } catch (err) {
    await fsp.rm(req.file.path, { force: true });
    next(err);
  }
});

// Errors from the host's own routes. (The WOPI router answers its own errors and never gets here.)
app.use((err, _req, res, next) => {
  if (res.headersSent) {
    next(err);
    return;
  }
  if (err instanceof multer.MulterError) {
    res
      .status(err.code === 'LIMIT_FILE_SIZE' ? 413 : 400)
      .type('text')
      .send(`Upload refused: ${err.message}\n`);
    return;
  }
  debug('request failed: %O', err);
  res.status(500).type('text').send('Something went wrong.\n');
});

// --- Helpers ------------------------------------------------------------------------------------

/** A file name that is safe to create in filesDir: no path, no control characters, no leading dot. */
function safeFileName(original) {
  const base = String(original).split(/[\\/]/).pop() ?? '';
  const cleaned = base
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this removes
    .replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_')
    .replace(/^[.\s]+/, '')
    .trim();
  const ext = path.extname(cleaned).slice(0, 16);
  const stem = cleaned.slice(0, cleaned.length - path.extname(cleaned).length).slice(0, 150);
  return stem === '' ? `upload${ext}` : `${stem}${ext}`;
}

/**
 * Moves an uploaded file into filesDir under `wanted`, or `stem (1).ext`, `stem (2).ext` … when
 * that name is taken. It never replaces an existing file: an editor may have that one open and
 * locked, and overwriting it behind WOPI's back would lose their work.
 */
async function moveIntoPlace(tempPath, wanted) {
  const ext = path.extname(wanted);
  const stem = wanted.slice(0, wanted.length - ext.length);
  for (let n = 0; n < 1000; n++) {
    const name = n === 0 ? wanted : `${stem} (${n})${ext}`;
    const target = path.join(filesDir, name);
    try {
      // link() and COPYFILE_EXCL both fail with EEXIST instead of overwriting.
      await fsp.link(tempPath, target).catch((err) => {
        if (err.code === 'EEXIST') throw err;
        return fsp.copyFile(tempPath, target, fs.constants.COPYFILE_EXCL); // no hard links here
      });
      await fsp.rm(tempPath, { force: true });
      return name;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
  }
  throw new Error(`no free file name for ${wanted}`);
}

function hostPageUrl(fileId, action) {
  return `${publicUrl}/files/${encodeURIComponent(fileId)}/${action}`;
}

function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function homePage(files) {
  const rows = files
    .map(
      (f) => `
    <li>
      <strong>${escapeHtml(f.path)}</strong>
      <dl>
        <dt>WOPISrc</dt><dd><code>${escapeHtml(f.wopiSrc)}</code></dd>
        <dt>access_token</dt><dd><code class="token">${escapeHtml(f.accessToken)}</code></dd>
        <dt>access_token_ttl</dt><dd><code>${f.accessTokenTtl}</code> (${escapeHtml(new Date(f.accessTokenTtl).toISOString())})</dd>
      </dl>
      <a href="${escapeHtml(hostPageUrl(f.fileId, 'view'))}">View page</a> ·
      <a href="${escapeHtml(hostPageUrl(f.fileId, 'edit'))}">Edit page</a> ·
      <a href="${escapeHtml(`${f.wopiSrc}?access_token=${encodeURIComponent(f.accessToken)}`)}">CheckFileInfo</a>
    </li>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>express-wopi basic example</title>
  <style>
    body { font: 15px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
    li { margin-bottom: 1.5rem; }
    dl { display: grid; grid-template-columns: max-content 1fr; gap: 0 1rem; margin: .25rem 0; }
    dd { margin: 0; }
    code.token { word-break: break-all; font-size: 12px; }
  </style>
</head>
<body>
  <h1>Files</h1>
  <p>Each file has a WOPISrc and a token for <em>${escapeHtml(DEMO_USER.userFriendlyName)}</em>, issued for this page view.
     Hand both to a WOPI editor (ONLYOFFICE Docs, Collabora Online) to open the file: see examples/basic/README.md.</p>
  <ul>${rows || '<li>No files yet: upload one below.</li>'}
  </ul>
  <h2>Upload</h2>
  <form method="post" action="upload" enctype="multipart/form-data">
    <input type="file" name="file" required>
    <button type="submit">Upload</button>
  </form>
</body>
</html>
`;
}

function hostPage(action, name, f) {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>${escapeHtml(name)} (${action}) · express-wopi basic example</title>
  <style>
    body { font: 15px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
    dl { display: grid; grid-template-columns: max-content 1fr; gap: 0 1rem; }
    dd { margin: 0; }
    code.token { word-break: break-all; font-size: 12px; }
  </style>
</head>
<body>
  <p><a href="${escapeHtml(`${publicUrl}/`)}">All files</a></p>
  <h1>${escapeHtml(name)} <small>(${action})</small></h1>
  <p>Open this file in a WOPI editor's <em>${action}</em> action with:</p>
  <dl>
    <dt>WOPISrc</dt><dd><code>${escapeHtml(f.wopiSrc)}</code></dd>
    <dt>access_token</dt><dd><code class="token">${escapeHtml(f.accessToken)}</code></dd>
    <dt>access_token_ttl</dt><dd><code>${f.accessTokenTtl}</code></dd>
  </dl>
  <p>${action === 'view' ? 'This token is read-only.' : 'This token may save, lock, rename, delete and Save As.'}
     <a href="${escapeHtml(hostPageUrl(f.fileId, action === 'view' ? 'edit' : 'view'))}">${action === 'view' ? 'Edit' : 'View'} instead</a>.</p>
</body>
</html>
`;
}

// --- Start and stop -----------------------------------------------------------------------------

const server = app.listen(PORT, HOST, () => {
  const { port } = server.address();
  const hostForUrl = HOST.includes(':') ? `[${HOST}]` : HOST;
  publicUrl = (process.env.PUBLIC_URL ?? `http://${hostForUrl}:${port}`).replace(/\/+$/, '');
  process.stdout.write(`express-wopi basic example: open ${publicUrl}/ (files in ${filesDir})\n`);
});

function stop() {
  server.close(() => {
    // The temporary copy goes away with the app; a FILES_DIR folder is kept.
    if (temporary) fs.rmSync(filesDir, { recursive: true, force: true });
    process.exit(0);
  });
  server.closeAllConnections();
}
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
