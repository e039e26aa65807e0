'use strict';
/**
 * express-wopi document-manager example: a small document-management app. Upload documents
 * (multipart form, multer), list them with name, size and version, open one in a WOPI editor
 * (ONLYOFFICE Docs, Collabora Online) through a host page, and see the version change after the
 * editor saved.
 *
 * Run from the repository root, after `npm install` (which builds dist/):
 *
 *   DISCOVERY_URL=http://localhost:8080 node examples/document-manager/server.js
 *
 * Environment (README.md has the details): DISCOVERY_URL (the editor's discovery URL or base URL),
 * PORT (3000), HOST (127.0.0.1), PUBLIC_URL (how the editor's server reaches this app; default
 * http://HOST:PORT), APP_URL (how browsers reach it; default PUBLIC_URL), DATA_DIR (default
 * ./data beside this file), MAX_UPLOAD_BYTES (default 52428800), WOPI_SECRET (32+ characters;
 * default random per run), PROOF_KEYS=off, LANGUAGE (e.g. de-DE).
 * Logs: DEBUG=example:document-manager,express-wopi:*
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const fsp = require('node:fs/promises');
const path = require('node:path');
const express = require('express');
const multer = require('multer');
const createDebug = require('debug');
// The package and its express-wopi/discovery entry point. Inside this repository Node resolves
// the name to the repository itself (a package may require itself by name), so these are the
// lines your app writes.
const { createWopiRouter, FileSystemStorage, MemoryLockStore, JwtAuth, WopiError, checkFileName } = require('express-wopi');
const { WopiDiscovery, hostPageHandler } = require('express-wopi/discovery');
const { PAGE_CSP, errorPage, formatSize, listPage } = require('./pages');

const debug = createDebug('example:document-manager');

// --- Configuration ------------------------------------------------------------------------------

const PORT = Number(process.env.PORT ?? 3000);
const HOST = process.env.HOST ?? '127.0.0.1';
const DATA_DIR = path.resolve(process.env.DATA_DIR ?? path.join(__dirname, 'data'));
const MAX_UPLOAD_BYTES = Number(process.env.MAX_UPLOAD_BYTES ?? 50 * 1024 * 1024);
const DISCOVERY_URL = process.env.DISCOVERY_URL || undefined;
// The demo has no login: every visitor is this user. A real app takes the user from its session.
const DEMO_USER = { userId: 'demo', userFriendlyName: 'Demo User' };

if (!Number.isSafeInteger(MAX_UPLOAD_BYTES) || MAX_UPLOAD_BYTES <= 0) {
  process.stderr.write('MAX_UPLOAD_BYTES must be a positive whole number of bytes\n');
  process.exit(2);
}

// Two base URLs, known once the server listens (PORT=0 picks a free port):
// - publicUrl: how the editor's *server* reaches this app. Every WOPISrc starts with it.
// - appUrl: how *browsers* reach it: the host page's origin (PostMessageOrigin), the page the
//   editor's close button returns to, the HostEditUrl / HostViewUrl links. The same URL unless the
//   editor runs in a container that knows this machine by another name.
let publicUrl = '';
let appUrl = '';
const wopiSrc = (fileId) => `${publicUrl}/wopi/files/${encodeURIComponent(fileId)}`;
const documentUrl = (fileId, action) => `${appUrl}/documents/${encodeURIComponent(fileId)}/${action}`;

// --- Storage, locks, tokens and the editor ------------------------------------------------------

// Uploads arrive in .uploads/ first (multer writes them there), and are then stored through
// FileSystemStorage. Dot-folders are never listed or served over WOPI.
const stagingDir = path.join(DATA_DIR, '.uploads');
fs.mkdirSync(stagingDir, { recursive: true });
for (const leftover of fs.readdirSync(stagingDir)) fs.rmSync(path.join(stagingDir, leftover), { force: true, recursive: true });

const storage = new FileSystemStorage({ root: DATA_DIR });
const locks = new MemoryLockStore(); // one process only (docs/locking.md)
if (!process.env.WOPI_SECRET) debug('WOPI_SECRET is not set: a random secret, so tokens stop working when the app restarts');
const auth = new JwtAuth({ secret: process.env.WOPI_SECRET ?? crypto.randomBytes(32).toString('base64url') });

// The editor's discovery document: which file types it opens, the URL of each action, its proof
// keys. Fetched on first use and cached; the last good copy is kept while the editor is down.
const discovery = DISCOVERY_URL
  ? new WopiDiscovery({ url: DISCOVERY_URL, ...(process.env.LANGUAGE ? { language: process.env.LANGUAGE } : {}) })
  : undefined;
// Only requests the editor signed get through (Collabora always signs; ONLYOFFICE Docs only with
// keys configured: PROOF_KEYS=off for one without).
const proofKeys = discovery && process.env.PROOF_KEYS !== 'off' ? discovery : false;

// --- The app ------------------------------------------------------------------------------------

const app = express();
app.disable('x-powered-by');

// WOPI first, before any body parser: PutFile bodies are raw file bytes the router streams to
// storage itself. multer (below) only ever sees the app's own upload route.
app.use(
  '/wopi',
  createWopiRouter({
    storage,
    auth,
    locks,
    proofKeys,
    // The URL the editor calls (and signs), and the base of the Url in Save As answers.
    publicUrl: () => `${publicUrl}/wopi`,
    // This app's pages for a file: the editor links to them (switch from view to edit, open the
    // copy a Save As made).
    hostUrls: ({ fileId }) => ({ HostViewUrl: documentUrl(fileId, 'view'), HostEditUrl: documentUrl(fileId, 'edit') }),
    checkFileInfo: () => ({
      // The origin of the host page: the only origin the editor posts its messages to.
      PostMessageOrigin: new URL(appUrl).origin,
      // The close button posts UI_Close; the host page then returns to the list (closeUrl below).
      ClosePostMessage: true,
      BreadcrumbBrandName: 'Document manager',
      BreadcrumbFolderName: 'Documents',
      BreadcrumbFolderUrl: `${appUrl}/`,
    }),
  }),
);

// Headers for the app's own pages (the host pages set their own).
app.use((_req, res, next) => {
  res.set('X-Content-Type-Options', 'nosniff');
  res.set('Referrer-Policy', 'same-origin');
  next();
});

// The document list, with the upload form.
app.get('/', async (req, res, next) => {
  try {
    const editor = discovery ? { url: discovery.url, problem: '' } : undefined;
    if (discovery) {
      try {
        await discovery.get();
      } catch (err) {
        editor.problem = err.message;
      }
    }
    const documents = [];
    for (const entry of await storage.list()) {
      const file = await storage.getFileInfo(entry.fileId).catch(notFoundAsUndefined);
      if (!file) continue; // deleted meanwhile
      const actions = discovery && !editor.problem ? (await discovery.actionsFor(file.name)).map((a) => a.name) : [];
      documents.push({
        fileId: entry.fileId,
        name: entry.path,
        size: file.size,
        version: file.version,
        lastModified: file.lastModifiedTime,
        locked: (await locks.getLock(entry.fileId)) !== null,
        actions,
      });
    }
    documents.sort((a, b) => a.name.localeCompare(b.name));
    const byId = (id) => documents.find((d) => d.fileId === id);
    const added = byId(String(req.query.added ?? ''));
    const closed = byId(String(req.query.closed ?? ''));
    let notice = '';
    if (added) notice = `Uploaded “${added.name}” (${formatSize(added.size)}).`;
    else if (closed) notice = `Back from the editor: “${closed.name}” is at version ${closed.version} (${formatSize(closed.size)}).`;
    page(res, 200, listPage({ documents, editor, notice, highlight: (added ?? closed)?.fileId, maxUploadBytes: MAX_UPLOAD_BYTES }));
  } catch (err) {
    next(err);
  }
});

// Uploads. multer parses the multipart body into a staging file, within its limits: one file,
// at most MAX_UPLOAD_BYTES, a few small fields. Filenames are read as UTF-8, as browsers send them.
const upload = multer({
  storage: multer.diskStorage({
    destination: stagingDir,
    filename: (_req, _file, cb) => cb(null, `${crypto.randomUUID()}.part`),
  }),
  limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 5, fieldSize: 1024, parts: 10 },
  defParamCharset: 'utf8',
}).single('file');

app.post('/documents', sameOriginOnly, (req, res, next) => {
  upload(req, res, (err) => {
    if (err) {
      uploadRefused(res, err);
      return;
    }
    if (!req.file) {
      page(res, 400, errorPage('No file to upload', 'Choose a file, then press Upload.'));
      return;
    }
    storeUpload(req.file).then(
      (created) => {
        debug('uploaded %s as %s (%d bytes)', created.info.name, created.fileId, created.info.size);
        res.redirect(303, `/?added=${encodeURIComponent(created.fileId)}`);
      },
      (storeErr) => {
        if (storeErr.status === 400) page(res, 400, errorPage('Upload refused', storeErr.message));
        else if (WopiError.is(storeErr) && storeErr.code === 'WOPI_FILE_EXISTS')
          page(res, 409, errorPage('Upload refused', 'Too many documents already have this name.'));
        else next(storeErr);
      },
    );
  });
});

// The host pages: a fresh token for this file and user (read-only for view), the editor's action
// URL for the file's type from discovery, and express-wopi's page that posts the token into the
// editor's iframe. It relays the editor's messages and returns to the list on UI_Close.
for (const action of ['edit', 'view']) {
  app.get(
    `/documents/:fileId/${action}`,
    hostPageHandler(async (req) => {
      const { fileId } = req.params;
      const file = await storage.getFileInfo(fileId); // 404 for an unknown ID
      if (!discovery) throw Object.assign(new Error('No editor is configured: set DISCOVERY_URL.'), { status: 503 });
      // A real app checks here that the signed-in user may open (or edit) this document.
      const token = await auth.issueToken({ fileId, ...DEMO_USER, permissions: { write: action === 'edit' } });
      const editor = await discovery.resolveAction({ ext: file.name, action, wopiSrc: wopiSrc(fileId) });
      debug('opening %s (%s) for %s', file.name, action, DEMO_USER.userId);
      return {
        actionUrl: editor.url,
        accessToken: token.accessToken,
        accessTokenTtl: token.accessTokenTtl,
        title: file.name,
        ...(editor.action.favIconUrl ? { favIconUrl: editor.action.favIconUrl } : {}),
        formFields: { user_id: DEMO_USER.userId },
        closeUrl: `${appUrl}/?closed=${encodeURIComponent(fileId)}`,
      };
    }),
  );
}

app.use((_req, res) => {
  page(res, 404, errorPage('Not found', 'There is no page here.'));
});

// Errors of the app's own pages. (The WOPI router answers its own errors and never gets here.)
app.use((err, _req, res, next) => {
  if (res.headersSent) {
    next(err);
    return;
  }
  const code = WopiError.is(err) ? err.code : undefined;
  if (code === 'WOPI_FILE_NOT_FOUND') page(res, 404, errorPage('No such document', 'It may have been deleted or renamed.'));
  else if (code === 'WOPI_ACTION_NOT_FOUND')
    page(res, 404, errorPage('Cannot open this document', 'The editor cannot open this type of file this way.'));
  else if (code === 'WOPI_DISCOVERY_UNAVAILABLE') page(res, 502, errorPage('The editor cannot be reached', err.message));
  else if (err.status === 503) page(res, 503, errorPage('No editor', err.message));
  else {
    process.stderr.write(`document-manager: ${err.stack ?? err}\n`);
    page(res, 500, errorPage('Something went wrong', 'The error has been logged.'));
  }
});

// --- Uploads ------------------------------------------------------------------------------------

/**
 * Cross-site request forgery: a form on another site must not make a visitor's browser upload
 * here. Browsers say where a request comes from (`Sec-Fetch-Site`; older ones only `Origin`);
 * only this app's own pages may POST. Requests without either (curl, scripts) carry no browser
 * credentials and pass. The same rule as Go's net/http CrossOriginProtection.
 */
function sameOriginOnly(req, res, next) {
  const site = req.get('Sec-Fetch-Site');
  const origin = req.get('Origin');
  let allowed;
  if (site !== undefined) allowed = site === 'same-origin' || site === 'none';
  else if (origin !== undefined) allowed = hostOf(origin) === req.get('Host');
  else allowed = true;
  if (allowed) {
    next();
    return;
  }
  debug('refused a cross-origin upload (Sec-Fetch-Site: %s, Origin: %s)', site, origin);
  page(res, 403, errorPage('Upload refused', 'Uploads are only accepted from this app’s own pages.'));
}

function hostOf(origin) {
  try {
    return new URL(origin).host;
  } catch {
    return undefined; // "null" (sandboxed pages, privacy redirects) and garbage
  }
}

/** multer's errors, as a page a person can act on. Nothing is left in the staging folder. */
function uploadRefused(res, err) {
  const why = {
    LIMIT_FILE_SIZE: [413, `The file is larger than ${formatSize(MAX_UPLOAD_BYTES)}, the largest upload this app accepts.`],
    LIMIT_FILE_COUNT: [400, 'Upload one file at a time.'],
    LIMIT_UNEXPECTED_FILE: [400, `The form sent a file as “${err.field}”; this app takes it as “file”.`],
    LIMIT_PART_COUNT: [400, 'The form has too many parts.'],
    LIMIT_FIELD_COUNT: [400, 'The form has too many fields.'],
    LIMIT_FIELD_KEY: [400, 'A form field has too long a name.'],
    LIMIT_FIELD_VALUE: [400, 'A form field is too long.'],
  }[err instanceof multer.MulterError ? err.code : ''];
  if (why) {
    debug('upload refused: %s', err.code);
    page(res, why[0], errorPage(why[0] === 413 ? 'File too large' : 'Upload refused', why[1]));
  } else if (err instanceof multer.MulterError || typeof err.code !== 'string') {
    // A body that is not well-formed multipart (busboy's errors carry no code), or another multer refusal.
    debug('unreadable upload: %s', err.message);
    page(res, 400, errorPage('Upload refused', `The upload could not be read (${err.message}).`));
  } else {
    // ENOSPC, EACCES …: the staging folder, not the request.
    process.stderr.write(`document-manager: storing an upload failed: ${err.stack ?? err}\n`);
    page(res, 500, errorPage('Upload failed', 'The file could not be stored. The error has been logged.'));
  }
}

/**
 * Stores the staged upload through FileSystemStorage, in the top folder (its root container),
 * under the first free name: `report.docx`, `report (1).docx`, … It never replaces a document
 * (someone may have it open in an editor), and the file appears whole or not at all.
 */
async function storeUpload(file) {
  try {
    const name = documentName(file.originalname);
    const checked = checkFileName(name);
    if (!checked.ok) throw Object.assign(new Error(`${checked.reason}: choose another file name.`), { status: 400 });
    const created = await storage.createChildFile(
      await storage.containerIdFor(''),
      fs.createReadStream(file.path),
      { candidates: freeNameCandidates(name), overwrite: false },
      // Outside the router there is no lock to check again at the commit step.
      { userId: DEMO_USER.userId, editors: [], signal: new AbortController().signal, commit: async () => {} },
    );
    return created;
  } finally {
    await fsp.rm(file.path, { force: true });
  }
}

/** The name a document is stored under: the uploaded name without path, control or reserved characters. */
function documentName(original) {
  const base = String(original ?? '')
    .split(/[\\/]/)
    .pop();
  const cleaned = base
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this removes
    .replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_')
    .replace(/^[.\s]+/, '') // no hidden files (dot-files are never listed)
    .replace(/[.\s]+$/, '')
    .normalize('NFC');
  let ext = path.extname(cleaned);
  let stem = cleaned.slice(0, cleaned.length - ext.length);
  if (ext.length > 16) {
    stem = cleaned;
    ext = '';
  }
  // 255 bytes of UTF-8 at most, with room for " (99)".
  while (Buffer.byteLength(stem + ext) > 240) stem = Array.from(stem).slice(0, -1).join('');
  if (/^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$/i.test(stem)) stem = `_${stem}`;
  return `${stem.trim() || 'document'}${ext}`;
}

function* freeNameCandidates(name) {
  const ext = path.extname(name);
  const stem = name.slice(0, name.length - ext.length);
  yield name;
  for (let n = 1; n < 100; n++) yield `${stem} (${n})${ext}`;
}

// --- Helpers ------------------------------------------------------------------------------------

function page(res, status, html) {
  res.status(status).set('Content-Security-Policy', PAGE_CSP).set('Cache-Control', 'no-store').type('html').send(html);
}

function notFoundAsUndefined(err) {
  if (WopiError.is(err) && err.status === 404) return undefined;
  throw err;
}

// --- Start and stop -----------------------------------------------------------------------------

const server = app.listen(PORT, HOST, async () => {
  const { port } = server.address();
  const hostForUrl = HOST.includes(':') ? `[${HOST}]` : HOST;
  publicUrl = (process.env.PUBLIC_URL ?? `http://${hostForUrl}:${port}`).replace(/\/+$/, '');
  appUrl = (process.env.APP_URL ?? publicUrl).replace(/\/+$/, '');
  process.stdout.write(
    `express-wopi document-manager example: open ${appUrl}/ (documents in ${DATA_DIR}; editor: ${discovery ? discovery.url : 'none, set DISCOVERY_URL'})\n`,
  );
  if (!discovery) return;
  try {
    const doc = await discovery.get();
    const keys = await discovery.getProofKeys();
    debug('discovery: %d actions, proof keys: %s', doc.actions.length, keys ? 'yes' : 'none');
    if (!keys && proofKeys) {
      process.stderr.write(
        'warning: the editor publishes no proof keys, so every WOPI request will be refused; set PROOF_KEYS=off to accept unsigned requests\n',
      );
    }
  } catch (err) {
    process.stderr.write(`warning: ${err.message}\n`);
  }
});

function stop() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
