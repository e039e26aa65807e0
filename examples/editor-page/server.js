'use strict';
/**
 * express-wopi editor-page example: a file list where a click opens the file in a real WOPI
 * editor (ONLYOFFICE Docs, Collabora Online, Microsoft 365 for the web). The editor is found
 * through its discovery document, the page that embeds it is express-wopi's host page, and every
 * WOPI request must carry the editor's proof-key signature.
 *
 * Run from the repository root, after `npm install` (which builds dist/):
 *
 *   node examples/editor-page/server.js http://onlyoffice.local
 *
 * The argument is the editor's base URL (or its full discovery URL). Environment: PORT (default
 * 3000), HOST (default 127.0.0.1), PUBLIC_URL (the base URL the editor's server uses to reach
 * this app; default http://HOST:PORT), WOPI_SECRET (32+ characters; default: random per run),
 * LANGUAGE (UI language for the editor, e.g. de-DE), PROOF_KEYS=off (accept unsigned requests).
 * Logs: DEBUG=example:editor-page,express-wopi:*
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const express = require('express');
const createDebug = require('debug');
// The package and its express-wopi/discovery entry point. Inside this repository Node resolves
// the name to the repository itself (a package may require itself by name, through its
// "exports"), so these lines are the ones your app writes.
const { createWopiRouter, FileSystemStorage, MemoryLockStore, JwtAuth, WopiError } = require('express-wopi');
const { WopiDiscovery, hostPageHandler } = require('express-wopi/discovery');

const debug = createDebug('example:editor-page');

const editorUrl = process.argv[2];
if (!editorUrl || editorUrl.startsWith('-')) {
  process.stderr.write('usage: node examples/editor-page/server.js <WOPI client URL, e.g. http://onlyoffice.local>\n');
  process.exit(2);
}
const PORT = Number(process.env.PORT ?? 3000);
const HOST = process.env.HOST ?? '127.0.0.1';
const DEMO_USER = { userId: 'demo', userFriendlyName: 'Demo User' };
const SAMPLES = path.join(__dirname, '..', '..', 'samples');

// --- A temporary copy of the sample files -------------------------------------------------------

const filesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'express-wopi-editor-page-'));
for (const name of ['welcome.docx', 'budget.xlsx', 'slides.pptx']) {
  fs.copyFileSync(path.join(SAMPLES, name), path.join(filesDir, name));
}

// --- Adapters, and the editor's discovery document ----------------------------------------------

const storage = new FileSystemStorage({ root: filesDir });
const locks = new MemoryLockStore(); // one process only (see docs/locking.md)
const auth = new JwtAuth({ secret: process.env.WOPI_SECRET ?? crypto.randomBytes(32).toString('base64url') });
// One discovery client for the whole app: the host pages ask it for action URLs, the router for
// proof keys. It fetches on first use and keeps the last good copy if the editor goes down.
const discovery = new WopiDiscovery({ url: editorUrl, ...(process.env.LANGUAGE ? { language: process.env.LANGUAGE } : {}) });
const proofKeys = process.env.PROOF_KEYS === 'off' ? false : discovery;

// Known once the server listens (PORT=0 picks a free port).
let publicUrl = '';
const wopiSrc = (fileId) => `${publicUrl}/wopi/files/${encodeURIComponent(fileId)}`;
const pageUrl = (fileId, action) => `${publicUrl}/files/${encodeURIComponent(fileId)}/${action}`;

// --- The app ------------------------------------------------------------------------------------

const app = express();
app.disable('x-powered-by');

app.use(
  '/wopi',
  createWopiRouter({
    storage,
    auth,
    locks,
    // The URL the editor calls (and signs): needed behind a proxy, and for Save As answers.
    publicUrl: () => `${publicUrl}/wopi`,
    proofKeys,
    hostUrls: ({ fileId }) => ({ HostViewUrl: pageUrl(fileId, 'view'), HostEditUrl: pageUrl(fileId, 'edit') }),
    checkFileInfo: () => ({
      // The editor may postMessage to the page that embeds it, and to no other.
      PostMessageOrigin: new URL(publicUrl).origin,
      BreadcrumbBrandName: 'express-wopi example',
      BreadcrumbFolderName: 'Files',
      BreadcrumbFolderUrl: `${publicUrl}/`,
    }),
  }),
);

// The file list: what the editor can do with each file, according to its discovery.
app.get('/', async (_req, res, next) => {
  try {
    let doc;
    let problem = '';
    try {
      doc = await discovery.get();
    } catch (err) {
      problem = err.message;
    }
    const rows = [];
    for (const entry of await storage.list()) {
      const actions = doc ? (await discovery.actionsFor(entry.path)).map((a) => a.name) : [];
      const links = ['edit', 'view']
        .filter((action) => actions.includes(action))
        .map((action) => `<a href="${escapeHtml(pageUrl(entry.fileId, action))}">${action === 'edit' ? 'Edit' : 'View'}</a>`);
      rows.push(`<li><strong>${escapeHtml(entry.path)}</strong> ${links.join(' · ') || '<em>the editor cannot open this type</em>'}</li>`);
    }
    res.type('html').send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Files · express-wopi editor-page example</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem}li{margin:.5rem 0}</style></head>
<body><h1>Files</h1>
<p>Editor: <code>${escapeHtml(discovery.url)}</code>${problem ? ` <strong>unreachable</strong> (${escapeHtml(problem)})` : ''}</p>
<ul>${rows.join('\n')}</ul></body></html>
`);
  } catch (err) {
    next(err);
  }
});

// The host page of one file: a fresh token (read-only for view), the editor's action URL for the
// file's extension, and express-wopi's page that posts the token into the editor's iframe.
for (const action of ['view', 'edit']) {
  app.get(
    `/files/:fileId/${action}`,
    hostPageHandler(async (req) => {
      const { fileId } = req.params;
      const file = await storage.getFileInfo(fileId); // FileNotFoundError (404) for unknown IDs
      const token = await auth.issueToken({ fileId, ...DEMO_USER, permissions: { write: action === 'edit' } });
      const editor = await discovery.resolveAction({ ext: file.name, action, wopiSrc: wopiSrc(fileId) });
      debug('opening %s (%s) for %s at %s', file.name, action, DEMO_USER.userId, new URL(editor.url).origin);
      return {
        actionUrl: editor.url,
        accessToken: token.accessToken,
        accessTokenTtl: token.accessTokenTtl,
        title: file.name,
        ...(editor.action.favIconUrl ? { favIconUrl: editor.action.favIconUrl } : {}),
        formFields: { user_id: DEMO_USER.userId },
      };
    }),
  );
}

// Errors of the app's own pages: WopiErrors carry a status (404 unknown file or no such action).
app.use((err, _req, res, next) => {
  if (res.headersSent) {
    next(err);
    return;
  }
  const status = WopiError.is(err) ? err.status : 500;
  if (status >= 500) debug('page failed: %s', err.message);
  res
    .status(status)
    .type('text')
    .send(WopiError.is(err) && err.expose ? `${err.message}\n` : 'Something went wrong.\n');
});

// --- Start and stop -----------------------------------------------------------------------------

const server = app.listen(PORT, HOST, async () => {
  const { port } = server.address();
  const hostForUrl = HOST.includes(':') ? `[${HOST}]` : HOST;
  publicUrl = (process.env.PUBLIC_URL ?? `http://${hostForUrl}:${port}`).replace(/\/+$/, '');
  process.stdout.write(`express-wopi editor-page example: open ${publicUrl}/ (editor: ${discovery.url})\n`);
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
  server.close(() => {
    fs.rmSync(filesDir, { recursive: true, force: true });
    process.exit(0);
  });
  server.closeAllConnections();
}
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

/** Escapes text for HTML content and double-quoted attributes (the file list is plain HTML). */
function escapeHtml(value) {
  return String(value).replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}
