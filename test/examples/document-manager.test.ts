/**
 * examples/document-manager as a person uses it, in a real browser: Debian's Chromium
 * (/usr/bin/chromium, or CHROMIUM_PATH) driven by playwright-core.
 *
 * The app runs as a real process. The editor is a stand-in served by this test on another
 * loopback port: a discovery document that lists it for .docx, with a proof key made here, and
 * an editor page. Like ONLYOFFICE Docs or Collabora, the stand-in works from its *server*: when
 * the host page posts the token into its iframe, it runs a WOPI session against the app
 * (CheckFileInfo, GetFile, Lock, PutFile with new bytes, Unlock, each signed with its proof key),
 * then answers with a page that posts App_LoadingStatus to the host page and, once the host page
 * answers Host_PostmessageReady, UI_Close, upon which the host page returns to the list.
 *
 * The multer limits and errors and the cross-origin check are tested both in the browser and over
 * plain HTTP. Without Chromium the browser tests are skipped, and this says so; with
 * EXPRESS_WOPI_REQUIRE_CHROMIUM=1 (CI, after .ci/chromium.sh) that fails the run instead.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import request from 'supertest';
import { proofKeyElement } from '../helpers/fake-wopi-client';
import { noteSkip } from '../helpers/skips';
import { proofHeaders, testKeyPair } from '../helpers/proof-signer';

const REPO = path.join(__dirname, '..', '..');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const chromiumRequired = process.env.EXPRESS_WOPI_REQUIRE_CHROMIUM === '1';
const hasChromium = existsSync(CHROMIUM);
const MAX_UPLOAD_BYTES = 100_000;
const DOCX = readFileSync(path.join(REPO, 'samples', 'welcome.docx'));
const DOCX_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const SAVED_SUFFIX = Buffer.from(' saved by the stand-in editor');

// --- The stand-in editor ------------------------------------------------------------------------

interface WopiCall {
  status: number;
  headers: Headers;
  body: Buffer;
}

/** One editor session: what the iframe's form POST carried, and the WOPI calls the editor made. */
interface EditorSession {
  action: string;
  wopiSrc: string;
  form: URLSearchParams;
  checkFileInfo: WopiCall;
  info: Record<string, unknown>;
  getFile: WopiCall;
  lock: WopiCall;
  putFile: WopiCall;
  unlock: WopiCall;
}

interface StandInEditor {
  origin: string;
  discoveryUrl: string;
  /** Sessions finished so far (or failed: the error). */
  sessions: Array<EditorSession | Error>;
  /** Resolves with the next session the editor runs. */
  nextSession(): Promise<EditorSession | Error>;
  close(): Promise<void>;
}

async function startStandInEditor(): Promise<StandInEditor> {
  const keys = testKeyPair();
  const waiters: Array<(s: EditorSession | Error) => void> = [];
  const editor = { sessions: [] as Array<EditorSession | Error> } as StandInEditor;

  // The WOPI session, from this server, as real editors make it.
  async function runSession(action: string, wopiSrc: string, form: URLSearchParams): Promise<EditorSession> {
    const token = form.get('access_token') ?? '';
    const call = async (method: string, url: string, headers: Record<string, string> = {}, body?: Buffer): Promise<WopiCall> => {
      const full = `${url}?access_token=${encodeURIComponent(token)}`;
      const res = await fetch(full, {
        method,
        headers: { ...headers, ...proofHeaders({ token, url: full, proofKey: keys.privateKey }) },
        ...(body === undefined ? {} : { body }),
      });
      return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
    };
    const lockId = `stand-in-${Date.now()}`;
    const checkFileInfo = await call('GET', wopiSrc);
    const info = JSON.parse(checkFileInfo.body.toString('utf8')) as Record<string, unknown>;
    const getFile = await call('GET', `${wopiSrc}/contents`);
    const lock = await call('POST', wopiSrc, { 'X-WOPI-Override': 'LOCK', 'X-WOPI-Lock': lockId });
    const putFile = await call(
      'POST',
      `${wopiSrc}/contents`,
      { 'X-WOPI-Override': 'PUT', 'X-WOPI-Lock': lockId, 'Content-Type': 'application/octet-stream' },
      Buffer.concat([getFile.body, SAVED_SUFFIX]),
    );
    const unlock = await call('POST', wopiSrc, { 'X-WOPI-Override': 'UNLOCK', 'X-WOPI-Lock': lockId });
    return { action, wopiSrc, form, checkFileInfo, info, getFile, lock, putFile, unlock };
  }

  // The editor's page in the iframe: it tells the host page it has loaded, waits for the host
  // page's Host_PostmessageReady, then presses "close". Messages go to PostMessageOrigin only.
  const editorPage = (postMessageOrigin: string) => `<!doctype html>
<html><head><meta charset="utf-8"><title>Stand-in editor</title></head>
<body><p>Stand-in editor: the document was saved.</p>
<script>
(function () {
  var host = ${JSON.stringify(postMessageOrigin).replace(/</g, '\\u003c')};
  function send(id, values) {
    window.parent.postMessage(JSON.stringify({ MessageId: id, SendTime: Date.now(), Values: values || {} }), host);
  }
  var closing = false;
  window.addEventListener('message', function (e) {
    if (e.origin !== host || typeof e.data !== 'string') return;
    var m = JSON.parse(e.data);
    if (m.MessageId === 'Host_PostmessageReady' && !closing) {
      closing = true;
      send('UI_Close', {});
    }
  });
  send('App_LoadingStatus', { Status: 'Document_Loaded', DocumentLoadedTime: Date.now() });
})();
</script></body></html>`;

  // Another site's page with a form that posts to the app: a cross-site request forgery attempt.
  const forgeryPage = (target: string) => `<!doctype html>
<html><head><meta charset="utf-8"><title>Another site</title></head>
<body><form method="post" action="${target}" enctype="multipart/form-data">
<input type="file" name="file"><button type="submit">Win a prize</button></form></body></html>`;

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', editor.origin);
    if (req.method === 'GET' && url.pathname === '/hosting/discovery') {
      res.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8' }).end(discoveryXml(editor.origin, proofKeyElement(keys.publicKey)));
      return;
    }
    if (req.method === 'GET' && url.pathname === '/forgery') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(forgeryPage(url.searchParams.get('target') ?? ''));
      return;
    }
    const editorAction = /^\/editor\/(edit|view)$/.exec(url.pathname)?.[1];
    if (req.method === 'POST' && editorAction) {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        const wopiSrc = url.searchParams.get('wopisrc') ?? url.searchParams.get('WOPISrc') ?? '';
        runSession(editorAction, wopiSrc, form).then(
          (session) => {
            editor.sessions.push(session);
            for (const w of waiters.splice(0)) w(session);
            const origin = typeof session.info.PostMessageOrigin === 'string' ? session.info.PostMessageOrigin : '';
            res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(editorPage(origin));
          },
          (err: Error) => {
            editor.sessions.push(err);
            for (const w of waiters.splice(0)) w(err);
            res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`stand-in editor: ${err.message}`);
          },
        );
      });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  editor.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  editor.discoveryUrl = `${editor.origin}/hosting/discovery`;
  editor.nextSession = () => new Promise((resolve) => waiters.push(resolve));
  editor.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return editor;
}

/** A discovery document in ONLYOFFICE's layout: edit and view for .docx, view only for .pdf. */
function discoveryXml(origin: string, proofKey: string): string {
  const urlsrc = (action: string) => `${origin}/editor/${action}?&amp;&lt;ui=UI_LLCC&amp;&gt;&lt;wopisrc=WOPI_SOURCE&amp;&gt;&amp;`;
  return `<?xml version="1.0" encoding="utf-8"?>
<wopi-discovery>
  <net-zone name="external-http">
    <app name="Word">
      <action name="view" ext="docx" urlsrc="${urlsrc('view')}"/>
      <action name="edit" ext="docx" default="true" requires="locks,update" urlsrc="${urlsrc('edit')}"/>
      <action name="view" ext="pdf" urlsrc="${urlsrc('view')}"/>
    </app>
  </net-zone>
  ${proofKey}
</wopi-discovery>`;
}

// --- The app ------------------------------------------------------------------------------------

let editor: StandInEditor;
let child: ChildProcess;
let appUrl: string;
let dataDir: string;
let stderr = '';

beforeAll(async () => {
  editor = await startStandInEditor();
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'express-wopi-document-manager-'));
  child = spawn(process.execPath, [path.join(REPO, 'examples', 'document-manager', 'server.js')], {
    cwd: REPO,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DISCOVERY_URL: editor.discoveryUrl,
      MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES),
      DEBUG: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  appUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      const match = /open (http:\/\/\S+)\/ \(documents in /.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`example exited with ${code}: ${stderr}`)));
    setTimeout(() => reject(new Error(`example did not start: ${out} ${stderr}`)), 10_000).unref();
  });
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  await editor?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** The names of the documents in the data folder (not the dot-folders). */
function storedNames(): string[] {
  return readdirSync(dataDir)
    .filter((n) => !n.startsWith('.'))
    .sort();
}

/** Nothing is left in the staging folder after an upload, accepted or refused. */
function stagingIsEmpty(): boolean {
  return readdirSync(path.join(dataDir, '.uploads')).length === 0;
}

describe('uploads over HTTP: multer limits and errors, and the cross-origin check', () => {
  const upload = () => request(appUrl).post('/documents');

  test('a document is stored and the list links to it', async () => {
    const res = await upload().attach('file', DOCX, { filename: 'http upload.docx', contentType: DOCX_TYPE });
    expect(res.status).toBe(303);
    const fileId = /^\/\?added=(.+)$/.exec(res.headers.location ?? '')?.[1];
    expect(fileId).toBeDefined();
    const list = await request(appUrl).get('/');
    expect(list.status).toBe(200);
    expect(list.headers['content-security-policy']).toContain("default-src 'none'");
    expect(list.text).toContain(`href="/documents/${fileId}/edit"`);
    expect(storedNames()).toContain('http upload.docx');
    expect(stagingIsEmpty()).toBe(true);
  });

  test.each([
    [
      'too large a file',
      413,
      /larger than 97\.7 KB/,
      (r: request.Test) => r.attach('file', Buffer.alloc(MAX_UPLOAD_BYTES + 1), 'big.docx'),
    ],
    ['no file', 400, /Choose a file/, (r: request.Test) => r.field('note', 'hello')],
    ['not a multipart body', 400, /Choose a file/, (r: request.Test) => r.type('form').send('file=report.docx')],
    ['two files', 400, /one file at a time/, (r: request.Test) => r.attach('file', DOCX, 'a.docx').attach('file', DOCX, 'b.docx')],
    ['a file in another field', 400, /as “document”/, (r: request.Test) => r.attach('document', DOCX, 'a.docx')],
    [
      'a truncated multipart body',
      400,
      /could not be read/,
      (r: request.Test) =>
        r
          .set('Content-Type', 'multipart/form-data; boundary=xyz')
          .send('--xyz\r\nContent-Disposition: form-data; name="file"; filename="cut.docx"\r\n\r\nabc'),
    ],
    [
      'a form from another site (Sec-Fetch-Site)',
      403,
      /only accepted from this app/,
      (r: request.Test) => r.set('Sec-Fetch-Site', 'same-site').attach('file', DOCX, 'forged.docx'),
    ],
    [
      'a form from another origin (Origin)',
      403,
      /only accepted from this app/,
      (r: request.Test) => r.set('Origin', 'http://attacker.example').attach('file', DOCX, 'forged.docx'),
    ],
  ])('%s: %i with a page that says why, nothing stored', async (_what, status, message, send) => {
    const before = storedNames();
    const res = await send(upload());
    expect(res.status).toBe(status);
    expect(res.type).toBe('text/html');
    expect(res.text).toMatch(message);
    expect(res.text).toContain('<a href="/">Back to the documents</a>');
    expect(storedNames()).toEqual(before);
    expect(stagingIsEmpty()).toBe(true);
    expect((await request(appUrl).get('/')).status).toBe(200); // still up
  });

  test('a page of this app (Sec-Fetch-Site: same-origin) may upload', async () => {
    const res = await upload()
      .set('Sec-Fetch-Site', 'same-origin')
      .set('Origin', appUrl)
      .attach('file', DOCX, { filename: 'same origin.docx', contentType: DOCX_TYPE });
    expect(res.status).toBe(303);
  });

  test('an unknown document is a 404 page', async () => {
    const res = await request(appUrl).get('/documents/nope/edit');
    expect(res.status).toBe(404);
    expect(res.text).toContain('No such document');
  });
});

// --- In the browser -----------------------------------------------------------------------------

const chromiumMissing = `${CHROMIUM} is missing`;
if (!hasChromium) {
  if (chromiumRequired) {
    describe('in Chromium', () => {
      test('Chromium is installed (EXPRESS_WOPI_REQUIRE_CHROMIUM=1)', () => {
        throw new Error(
          `${chromiumMissing}, and EXPRESS_WOPI_REQUIRE_CHROMIUM=1 requires it. Run .ci/chromium.sh (as root) to install it.`,
        );
      });
    });
  } else {
    process.stderr.write(
      `\n${chromiumMissing}: the document-manager browser tests are skipped. Run .ci/chromium.sh (as root; apt-get install chromium), or set CHROMIUM_PATH.\n`,
    );
    noteSkip('Chromium (examples/document-manager in a browser)', `${chromiumMissing}; run .ci/chromium.sh or set CHROMIUM_PATH`);
  }
}

// Skipped without Chromium, with the reason in the test names; replaced by the failing test above
// when Chromium is required.
const describeInBrowser = hasChromium ? describe : chromiumRequired ? () => undefined : describe.skip;
describeInBrowser(`in Chromium${hasChromium ? '' : ` (skipped: ${chromiumMissing}; run .ci/chromium.sh)`}`, () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const wopiMessages: Array<{ messageId: string; values: Record<string, unknown> }> = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    context = await browser.newContext();
    // Fail with Playwright's own message (what it waited for) well before jest's timeout.
    context.setDefaultTimeout(8_000);
    // The host page dispatches each of the editor's PostMessages as a `wopi:message` event on
    // its window; hand them to the test.
    await context.exposeFunction('__recordWopiMessage', (detail: { messageId: string; values: Record<string, unknown> }) => {
      wopiMessages.push(detail);
    });
    await context.addInitScript("window.addEventListener('wopi:message', (e) => window.__recordWopiMessage(e.detail));");
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  /** The list's row of one document: its cells as the page shows them. */
  async function row(name: string) {
    const tr = page.locator('tbody tr', { has: page.locator('td.name', { hasText: name }) });
    expect(await tr.count()).toBe(1);
    return {
      fileId: (await tr.getAttribute('data-file-id'))!,
      bytes: Number(await tr.locator('td.size').getAttribute('data-bytes')),
      size: (await tr.locator('td.size').textContent())!.trim(),
      version: (await tr.locator('td.version').textContent())!.trim(),
      status: (await tr.locator('td.status').textContent())!.trim(),
      edit: tr.getByRole('link', { name: 'Edit' }),
    };
  }

  const text = async (selector: string) => (await page.locator(selector).textContent())?.trim();

  test('upload a .docx, open it in the editor, which saves; the list shows the new version', async () => {
    const name = 'Q3 report & <notes>.docx';
    await page.goto(`${appUrl}/`);
    expect(await page.title()).toBe('Documents · Document manager');

    // Upload through the form.
    const uploaded = page.waitForResponse((r) => r.url() === `${appUrl}/documents` && r.request().method() === 'POST');
    await page.locator('input[type=file]').setInputFiles({ name, mimeType: DOCX_TYPE, buffer: DOCX });
    await page.click('button[type=submit]');
    expect((await uploaded).status()).toBe(303);
    await page.waitForURL(/\/\?added=/);
    const stored = 'Q3 report & _notes_.docx'; // < and > are not allowed in file names
    expect(await text('p.notice')).toBe(`Uploaded “${stored}” (3.5 KB).`);
    const before = await row(stored);
    expect(before).toMatchObject({ bytes: DOCX.length, size: '3.5 KB', status: '' });
    expect(before.version).not.toBe('');

    // Open it: the host page posts the token into the editor's iframe.
    const framePost = page.waitForRequest((r) => r.method() === 'POST' && r.url().startsWith(`${editor.origin}/editor/edit?`));
    const session = editor.nextSession();
    const hostPage = page.waitForResponse((r) => r.url() === `${appUrl}/documents/${before.fileId}/edit`);
    await before.edit.click();
    const hostPageResponse = await hostPage;
    expect(hostPageResponse.status()).toBe(200);
    expect(hostPageResponse.headers()['content-security-policy']).toContain(`frame-src ${editor.origin}`);

    // The editor frame received the form POST with the token and its expiry ...
    const posted = new URLSearchParams((await framePost).postData() ?? '');
    expect(posted.get('access_token')).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(Number(posted.get('access_token_ttl'))).toBeGreaterThan(Date.now());
    expect(posted.get('user_id')).toBe('demo');

    // ... and the editor's server ran its session against the app with that token.
    const s = await session;
    if (s instanceof Error) throw s;
    expect(s.action).toBe('edit');
    expect(s.form.get('access_token')).toBe(posted.get('access_token'));
    expect(s.form.get('access_token_ttl')).toBe(posted.get('access_token_ttl'));
    expect(s.wopiSrc).toBe(`${appUrl}/wopi/files/${before.fileId}`);
    expect(s.checkFileInfo.status).toBe(200);
    expect(s.info).toMatchObject({
      BaseFileName: stored,
      Size: DOCX.length,
      Version: before.version,
      UserCanWrite: true,
      UserFriendlyName: 'Demo User',
      PostMessageOrigin: appUrl,
      ClosePostMessage: true,
      HostEditUrl: `${appUrl}/documents/${before.fileId}/edit`,
      HostViewUrl: `${appUrl}/documents/${before.fileId}/view`,
    });
    expect(s.getFile.status).toBe(200);
    expect(s.getFile.body.equals(DOCX)).toBe(true);
    expect(s.lock.status).toBe(200);
    expect(s.putFile.status).toBe(200);
    const newVersion = s.putFile.headers.get('x-wopi-itemversion');
    expect(newVersion).toBeTruthy();
    expect(newVersion).not.toBe(before.version);
    expect(s.unlock.status).toBe(200);

    // The editor page posted App_LoadingStatus, the host page answered Host_PostmessageReady, the
    // editor posted UI_Close, and the host page went back to the list (its closeUrl).
    await page.waitForURL(`${appUrl}/?closed=${before.fileId}`);
    expect(wopiMessages.map((m) => m.messageId)).toEqual(['App_LoadingStatus', 'UI_Close']);
    expect(wopiMessages[0]!.values).toMatchObject({ Status: 'Document_Loaded' });

    // The list shows the saved version: new version, new size, no longer open.
    const after = await row(stored);
    expect(after).toMatchObject({ fileId: before.fileId, version: newVersion, bytes: DOCX.length + SAVED_SUFFIX.length, status: '' });
    expect(await text('p.notice')).toBe(`Back from the editor: “${stored}” is at version ${newVersion} (3.5 KB).`);
    expect(readFileSync(path.join(dataDir, stored)).equals(Buffer.concat([DOCX, SAVED_SUFFIX]))).toBe(true);
    // Under the host page's Content-Security-Policy, nothing was refused (its script, the form, the frame).
    expect(consoleErrors.filter((e) => /Content Security Policy|Refused to/i.test(e))).toEqual([]);
  });

  test('too large a file: a 413 page that says why; no file: a 400 page', async () => {
    await page.goto(`${appUrl}/`);
    const before = storedNames();
    const big = { name: 'big.docx', mimeType: DOCX_TYPE, buffer: Buffer.alloc(MAX_UPLOAD_BYTES + 1, 1) };
    const tooLarge = page.waitForResponse((r) => r.url() === `${appUrl}/documents`);
    await page.locator('input[type=file]').setInputFiles(big);
    await page.click('button[type=submit]');
    expect((await tooLarge).status()).toBe(413);
    await page.waitForURL(`${appUrl}/documents`);
    expect(await text('h1')).toBe('File too large');
    expect(await text('p.problem')).toContain('larger than 97.7 KB, the largest upload this app accepts');

    // The form requires a file; without that attribute, as an older browser or a script would.
    await page.goto(`${appUrl}/`);
    await page.locator('input[type=file]').evaluate((input) => input.removeAttribute('required'));
    const noFile = page.waitForResponse((r) => r.url() === `${appUrl}/documents`);
    await page.click('button[type=submit]');
    expect((await noFile).status()).toBe(400);
    await page.waitForURL(`${appUrl}/documents`);
    expect(await text('h1')).toBe('No file to upload');
    await page.getByRole('link', { name: 'Back to the documents' }).click();
    await page.waitForURL(`${appUrl}/`);

    expect(storedNames()).toEqual(before);
    expect(stagingIsEmpty()).toBe(true);
  });

  test("another site's form cannot upload (cross-site request forgery)", async () => {
    const before = storedNames();
    await page.goto(`${editor.origin}/forgery?target=${encodeURIComponent(`${appUrl}/documents`)}`);
    await page.locator('input[type=file]').setInputFiles({ name: 'forged.docx', mimeType: DOCX_TYPE, buffer: DOCX });
    const refused = page.waitForResponse((r) => r.url() === `${appUrl}/documents`);
    await page.click('button[type=submit]');
    expect((await refused).status()).toBe(403);
    await page.waitForURL(`${appUrl}/documents`);
    expect(await text('h1')).toBe('Upload refused');
    expect(storedNames()).toEqual(before);
  });
});
