/**
 * The express-wopi command line: `runCli` driven in-process (captured stdout/stderr, an explicit
 * env), plus the built CLI spawned as a real process to prove it stops cleanly on SIGTERM/SIGINT.
 */
import { execSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { runCli, USAGE, type CliIo } from '../../src/cli/main';
import type { RunningServer } from '../../src/cli/serve';
import { InvalidTokenError, JwtAuth } from '../../src';

const REPO = path.join(__dirname, '..', '..');
const SECRET = 'cli-test-secret-cli-test-secret-0123456789';
const ENV_SECRET = 'env-secret-env-secret-env-secret-9876543210';

interface Captured {
  io: CliIo;
  /** Everything written to stdout so far. */
  out(): string;
  /** Everything written to stderr so far. */
  err(): string;
}

function capture(env: NodeJS.ProcessEnv = {}): Captured {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  return { io: { stdout, stderr, env }, out: () => out, err: () => err };
}

/** Lets PassThrough 'data' events that were queued by the last writes run. */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

// ---------------------------------------------------------------------------------------------
// A temporary folder to serve: two files (one in a sub-folder) and a dot-file that is never listed.

let dir: string;
const running: RunningServer[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'express-wopi-cli-'));
  writeFileSync(path.join(dir, 'report.docx'), 'report body');
  mkdirSync(path.join(dir, 'sub'));
  writeFileSync(path.join(dir, 'sub', 'budget.xlsx'), 'budget');
  writeFileSync(path.join(dir, '.hidden.docx'), 'secret');
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `serve`, asserts it started, and registers the server for closing. */
async function startServe(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ server: RunningServer; cap: Captured }> {
  const cap = capture(env);
  const outcome = await runCli(['serve', ...args], cap.io);
  if (typeof outcome === 'number') throw new Error(`serve exited with ${outcome}: ${cap.err()}`);
  running.push(outcome);
  await flush();
  return { server: outcome, cap };
}

interface FileEvent {
  event: 'file';
  name: string;
  fileId: string;
  wopiSrc: string;
  accessToken: string;
  accessTokenTtl: number;
}

function jsonLines(text: string): Array<Record<string, unknown>> {
  const lines = text.split('\n');
  expect(lines.pop()).toBe(''); // every line, the last included, ends with a newline
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function checkFileInfo(file: { wopiSrc: string; accessToken: string }): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${file.wopiSrc}?access_token=${encodeURIComponent(file.accessToken)}`);
  const body = res.headers.get('content-type')?.includes('json') ? ((await res.json()) as Record<string, unknown>) : {};
  return { status: res.status, body };
}

describe('serve (in-process)', () => {
  test('the human output names the host pages and the folder page, and says how an editor in a container gets in', async () => {
    const { server, cap } = await startServe([dir, '--port', '0', '--secret', SECRET]);
    const out = cap.out();
    expect(out).toMatch(/^express-wopi \d+\.\d+\.\d+\S*: serving /);
    expect(out).toContain(`folder page: ${server.folderUrl}`);
    for (const f of server.files) expect(out).toContain(`host pages:       ${f.viewUrl}  ${f.editUrl}`);
    expect(out).toContain('--host 0.0.0.0 --public-url');
    const page = await fetch(server.folderUrl as string);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('report.docx');
    expect(html).toContain('sub');
    expect(html).not.toContain('.hidden.docx');
    // With a public URL, no hint.
    const second = await startServe([dir, '--port', '0', '--secret', SECRET, '--public-url', 'http://files.example.com:9000']);
    expect(second.cap.out()).not.toContain('--host 0.0.0.0');
  });

  test("CheckFileInfo's PostMessageOrigin is the server's own origin, where its host pages are", async () => {
    const { server } = await startServe([dir, '--port', '0', '--secret', SECRET]);
    const f = server.files.find((x) => x.name === 'report.docx')!;
    expect((await checkFileInfo(f)).body.PostMessageOrigin).toBe(new URL(server.url).origin);
  });

  test('--no-containers: no folder page, and CheckFileInfo claims no containers', async () => {
    const { server } = await startServe([dir, '--port', '0', '--secret', SECRET, '--no-containers']);
    expect(server.folderUrl).toBeUndefined();
    const f = server.files.find((x) => x.name === 'report.docx')!;
    expect((await checkFileInfo(f)).body).not.toHaveProperty('SupportsContainers');
    const base = new URL(server.url).origin;
    expect((await fetch(`${base}/host/folder/anything`)).status).toBe(404);
  });

  test('--json prints the listening event, then one file event per listed file', async () => {
    const { server, cap } = await startServe([dir, '--port', '0', '--json', '--secret', SECRET]);
    expect(cap.err()).toBe('');
    const [listening, ...files] = jsonLines(cap.out());
    expect(listening).toEqual({ event: 'listening', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/wopi$/) });
    expect(listening?.url).toBe(server.url);
    const port = Number(/:(\d+)\/wopi$/.exec(String(listening?.url))?.[1]);
    expect(port).toBeGreaterThan(0); // --port 0 picked a real port

    // Sorted walk; the dot-file and the .express-wopi metadata folder are not listed.
    expect(files.map((f) => f.name)).toEqual(['report.docx', 'sub/budget.xlsx']);
    expect(cap.out()).not.toContain('hidden');
    const now = Date.now();
    for (const f of files as unknown as FileEvent[]) {
      expect(Object.keys(f).sort()).toEqual(['accessToken', 'accessTokenTtl', 'event', 'fileId', 'name', 'wopiSrc']);
      expect(f.event).toBe('file');
      expect(f.fileId).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(f.wopiSrc).toBe(`${server.url}/files/${f.fileId}`);
      expect(typeof f.accessToken).toBe('string');
      // Default TTL 36000 s, reported in ms since the epoch.
      expect(f.accessTokenTtl).toBeGreaterThan(now + 36_000_000 - 60_000);
      expect(f.accessTokenTtl).toBeLessThanOrEqual(now + 36_000_000 + 60_000);
    }
    expect(new Set(files.map((f) => f.fileId)).size).toBe(2);
  });

  test('the printed tokens open the printed WOPISrc: CheckFileInfo 200, writable', async () => {
    const { cap } = await startServe([dir, '--port', '0', '--json']); // no secret at all: a random one
    const files = jsonLines(cap.out()).slice(1) as unknown as FileEvent[];
    expect(files).toHaveLength(2);
    for (const f of files) {
      const { status, body } = await checkFileInfo(f);
      expect(status).toBe(200);
      expect(body).toMatchObject({
        BaseFileName: path.basename(f.name),
        UserId: 'user',
        UserFriendlyName: 'Demo User',
        UserCanWrite: true,
      });
    }
    const report = files.find((f) => f.name === 'report.docx')!;
    expect((await checkFileInfo(report)).body.Size).toBe('report body'.length);

    // GetFile serves the bytes from disk.
    const res = await fetch(`${report.wopiSrc}/contents?access_token=${encodeURIComponent(report.accessToken)}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('report body');

    // A token is bound to its file; a garbage token is refused.
    const other = files.find((f) => f.name !== 'report.docx')!;
    expect((await checkFileInfo({ wopiSrc: report.wopiSrc, accessToken: other.accessToken })).status).toBe(401);
    expect((await checkFileInfo({ wopiSrc: report.wopiSrc, accessToken: 'nope' })).status).toBe(401);
  });

  test('PutUserInfo is on, stored in <dir>/.express-wopi/users, and found again by a new serve on the same folder', async () => {
    // A value stored there before user info became its own adapter (FileSystemStorage kept it in
    // the same place, under the same record name) must still be found: stored by one serve, read
    // by the next.
    const first = await startServe([dir, '--port', '0', '--json', '--secret', SECRET]);
    const report = (jsonLines(first.cap.out()).slice(1) as unknown as FileEvent[]).find((f) => f.name === 'report.docx')!;
    expect((await checkFileInfo(report)).body.SupportsUserInfo).toBe(true);
    const put = await fetch(`${report.wopiSrc}?access_token=${encodeURIComponent(report.accessToken)}`, {
      method: 'POST',
      headers: { 'X-WOPI-Override': 'PUT_USER_INFO' },
      body: '{"theme":"dark"}',
    });
    expect(put.status).toBe(200);
    expect(readdirSync(path.join(dir, '.express-wopi', 'users'))).toHaveLength(1);
    await running.splice(0).pop()!.close();

    const second = await startServe([dir, '--port', '0', '--json', '--secret', SECRET]);
    const again = (jsonLines(second.cap.out()).slice(1) as unknown as FileEvent[]).find((f) => f.name === 'report.docx')!;
    expect((await checkFileInfo(again)).body.UserInfo).toBe('{"theme":"dark"}');
  });

  test('--user, --user-name and --ttl shape the printed tokens', async () => {
    const { cap } = await startServe([dir, '--port', '0', '--json', '--user', 'alice', '--user-name', 'Alice A.', '--ttl', '120']);
    const [f] = jsonLines(cap.out()).slice(1) as unknown as FileEvent[];
    const now = Date.now();
    expect(f!.accessTokenTtl).toBeGreaterThan(now + 120_000 - 5_000);
    expect(f!.accessTokenTtl).toBeLessThanOrEqual(now + 120_000 + 5_000);
    const { status, body } = await checkFileInfo(f!);
    expect(status).toBe(200);
    expect(body).toMatchObject({ UserId: 'alice', UserFriendlyName: 'Alice A.' });
  });

  test('--read-only prints tokens that open the file read-only', async () => {
    const { cap } = await startServe([dir, '--port', '0', '--json', '--read-only']);
    const files = jsonLines(cap.out()).slice(1) as unknown as FileEvent[];
    const f = files[0]!;
    const { status, body } = await checkFileInfo(f);
    expect(status).toBe(200);
    expect(body.UserCanWrite).toBe(false);
    // …and the server enforces it.
    const res = await fetch(`${f.wopiSrc}?access_token=${encodeURIComponent(f.accessToken)}`, {
      method: 'POST',
      headers: { 'X-WOPI-Override': 'LOCK', 'X-WOPI-Lock': 'L1' },
    });
    expect(res.status).toBe(401);
  });

  test('--secret signs the tokens with that secret', async () => {
    // The flag wins over $WOPI_SECRET.
    const { cap } = await startServe([dir, '--port', '0', '--json', '--secret', SECRET], { WOPI_SECRET: ENV_SECRET });
    const files = jsonLines(cap.out()).slice(1) as unknown as FileEvent[];
    for (const f of files) {
      await expect(new JwtAuth({ secret: SECRET }).authenticate(f.accessToken, f.fileId)).resolves.toMatchObject({
        userId: 'user',
        permissions: { write: true },
      });
      await expect(new JwtAuth({ secret: ENV_SECRET }).authenticate(f.accessToken, f.fileId)).rejects.toBeInstanceOf(InvalidTokenError);
    }
  });

  test('$WOPI_SECRET from the env object signs the tokens when --secret is absent', async () => {
    const { cap } = await startServe([dir, '--port', '0', '--json'], { WOPI_SECRET: ENV_SECRET });
    const files = jsonLines(cap.out()).slice(1) as unknown as FileEvent[];
    expect(files).toHaveLength(2);
    for (const f of files) {
      await expect(new JwtAuth({ secret: ENV_SECRET }).authenticate(f.accessToken, f.fileId)).resolves.toMatchObject({ userId: 'user' });
      await expect(new JwtAuth({ secret: SECRET }).authenticate(f.accessToken, f.fileId)).rejects.toBeInstanceOf(InvalidTokenError);
    }
  });

  test('--max-file-size 10: a locked 11-byte PutFile is 413 and leaves the file alone; 10 bytes are saved', async () => {
    const { cap } = await startServe([dir, '--port', '0', '--json', '--max-file-size', '10']);
    const f = (jsonLines(cap.out()).slice(1) as unknown as FileEvent[]).find((x) => x.name === 'report.docx')!;
    const q = `?access_token=${encodeURIComponent(f.accessToken)}`;
    const lock = await fetch(`${f.wopiSrc}${q}`, { method: 'POST', headers: { 'X-WOPI-Override': 'LOCK', 'X-WOPI-Lock': 'L1' } });
    expect(lock.status).toBe(200);

    const put = (body: string): Promise<Response> =>
      fetch(`${f.wopiSrc}/contents${q}`, {
        method: 'POST',
        headers: { 'X-WOPI-Override': 'PUT', 'X-WOPI-Lock': 'L1', 'Content-Type': 'application/octet-stream' },
        body,
      });
    const tooBig = await put('x'.repeat(11));
    expect(tooBig.status).toBe(413);
    await tooBig.arrayBuffer();
    expect(readFileSync(path.join(dir, 'report.docx'), 'utf8')).toBe('report body');

    const fits = await put('y'.repeat(10));
    expect(fits.status).toBe(200);
    expect(readFileSync(path.join(dir, 'report.docx'), 'utf8')).toBe('y'.repeat(10));
  });

  test('--public-url sets the base of every WOPISrc (trailing slash tolerated)', async () => {
    const { server, cap } = await startServe([dir, '--port', '0', '--json', '--public-url', 'https://wopi.example.com/']);
    const [listening, ...files] = jsonLines(cap.out());
    expect(listening).toEqual({ event: 'listening', url: 'https://wopi.example.com/wopi' });
    expect(server.url).toBe('https://wopi.example.com/wopi');
    expect(files).toHaveLength(2);
    for (const f of files as unknown as FileEvent[]) {
      expect(f.wopiSrc.startsWith('https://wopi.example.com/wopi/files/')).toBe(true);
      expect(f.wopiSrc).toBe(`https://wopi.example.com/wopi/files/${f.fileId}`);
    }
  });

  test('human output names each file with its WOPISrc and token, and not the dot-file', async () => {
    const { server, cap } = await startServe([dir, '--port', '0', '--secret', SECRET]);
    const out = cap.out();
    expect(cap.err()).toBe('');
    expect(out).toContain(`serving ${dir} at ${server.url}`);
    expect(() => JSON.parse(out.split('\n')[0]!)).toThrow(); // not JSON lines
    expect(server.files.map((f) => f.name)).toEqual(['report.docx', 'sub/budget.xlsx']);
    for (const f of server.files) {
      expect(out).toContain(`\n${f.name}\n`);
      expect(out).toMatch(new RegExp(`WOPISrc:\\s+${escapeRegExp(f.wopiSrc)}\\n`));
      expect(out).toContain(f.accessToken);
      expect(out).toContain(String(f.accessTokenTtl));
    }
    expect(out).not.toContain('hidden');
    expect(out).toContain('Ctrl-C');
  });

  test('human output says so when the folder has no files', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'express-wopi-cli-empty-'));
    try {
      const { server, cap } = await startServe([empty, '--port', '0']);
      expect(server.files).toEqual([]);
      expect(cap.out()).toContain('(the folder has no files)');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  describe('Save As (PutRelativeFile) and the host pages', () => {
    const q = (token: string): string => `?access_token=${encodeURIComponent(token)}`;
    const putRelative = (
      f: { wopiSrc: string; accessToken: string },
      headers: Record<string, string>,
      body = 'PDF BYTES',
    ): Promise<Response> =>
      fetch(`${f.wopiSrc}${q(f.accessToken)}`, {
        method: 'POST',
        headers: { 'X-WOPI-Override': 'PUT_RELATIVE', 'Content-Type': 'application/octet-stream', ...headers },
        body,
      });

    /** Decodes the character references escapeHtml-like functions produce. */
    const unescapeHtml = (html: string): string =>
      html
        .replace(/&#(\d+);/g, (_m, d: string) => String.fromCharCode(Number(d)))
        .replace(/&#x([0-9a-f]+);/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16)))
        .replace(/&quot;/g, '"')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&amp;/g, '&');

    /** The WOPISrc and access token a host page shows. */
    function hostPageFields(html: string): { title: string; wopiSrc: string; accessToken: string } {
      const title = /<h1>([^<]*)<\/h1>/.exec(html)?.[1];
      const wopiSrc = /<dt>WOPISrc<\/dt><dd><code>([^<]*)<\/code>/.exec(html)?.[1];
      const accessToken = /<dt>access_token<\/dt><dd><code>([^<]*)<\/code>/.exec(html)?.[1];
      if (title === undefined || wopiSrc === undefined || accessToken === undefined) throw new Error(`unexpected host page: ${html}`);
      return { title: unescapeHtml(title), wopiSrc: unescapeHtml(wopiSrc), accessToken: unescapeHtml(accessToken) };
    }

    test('--no-create: UserCanNotWriteRelative true and PutRelativeFile 501, nothing written', async () => {
      const { cap } = await startServe([dir, '--port', '0', '--json', '--no-create', '--secret', SECRET]);
      const f = (jsonLines(cap.out()).slice(1) as unknown as FileEvent[]).find((x) => x.name === 'report.docx')!;
      const { status, body } = await checkFileInfo(f);
      expect(status).toBe(200);
      expect(body).toMatchObject({ UserCanNotWriteRelative: true, UserCanWrite: true });
      await expect(new JwtAuth({ secret: SECRET }).authenticate(f.accessToken, f.fileId)).resolves.toEqual({
        userId: 'user',
        userFriendlyName: 'Demo User',
        permissions: { write: true, create: false },
        accessTokenTtl: expect.any(Number),
      });
      for (const headers of [{ 'X-WOPI-SuggestedTarget': '.pdf' }, { 'X-WOPI-RelativeTarget': 'copy.docx' }] as Array<
        Record<string, string>
      >) {
        const res = await putRelative(f, headers);
        expect(res.status).toBe(501);
        await res.arrayBuffer();
      }
      expect(readdirSync(dir).sort()).toEqual(['.express-wopi', '.hidden.docx', 'report.docx', 'sub']);
    });

    test('--read-only --no-create: neither write nor create', async () => {
      const { cap } = await startServe([dir, '--port', '0', '--json', '--read-only', '--no-create', '--secret', SECRET]);
      const f = (jsonLines(cap.out()).slice(1) as unknown as FileEvent[])[0]!;
      await expect(new JwtAuth({ secret: SECRET }).authenticate(f.accessToken, f.fileId)).resolves.toMatchObject({
        permissions: { write: false, create: false },
      });
      expect((await checkFileInfo(f)).body).toMatchObject({ UserCanWrite: false, UserCanNotWriteRelative: true });
    });

    test('without --no-create: PutRelativeFile 200 with a working Url and /host/view, /host/edit pages for the new file', async () => {
      const { server, cap } = await startServe([dir, '--port', '0', '--json', '--secret', SECRET]);
      const f = (jsonLines(cap.out()).slice(1) as unknown as FileEvent[]).find((x) => x.name === 'report.docx')!;
      expect((await checkFileInfo(f)).body.UserCanNotWriteRelative).toBe(false);

      const res = await putRelative(f, { 'X-WOPI-SuggestedTarget': '.pdf' });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { Name: string; Url: string; HostViewUrl: string; HostEditUrl: string };
      expect(Object.keys(body).sort()).toEqual(['HostEditUrl', 'HostViewUrl', 'Name', 'Url']);
      expect(body.Name).toBe('report.pdf');
      expect(readFileSync(path.join(dir, 'report.pdf'), 'utf8')).toBe('PDF BYTES');

      const m = /^(.*)\/files\/([A-Za-z0-9_-]+)\?access_token=([^&]+)$/.exec(body.Url);
      expect(m).not.toBeNull();
      const [, base, newId, encodedToken] = m!;
      expect(base).toBe(server.url);
      expect(newId).not.toBe(f.fileId);
      const newFile = { wopiSrc: `${server.url}/files/${newId}`, accessToken: decodeURIComponent(encodedToken!) };
      expect(await checkFileInfo(newFile)).toEqual({
        status: 200,
        body: expect.objectContaining({ BaseFileName: 'report.pdf', UserId: 'user' }),
      });

      const origin = server.url.replace(/\/wopi$/, '');
      expect(body.HostViewUrl).toBe(`${origin}/host/view/${newId}`);
      expect(body.HostEditUrl).toBe(`${origin}/host/edit/${newId}`);
      // CheckFileInfo reports the same pages.
      expect((await checkFileInfo(newFile)).body).toMatchObject({ HostViewUrl: body.HostViewUrl, HostEditUrl: body.HostEditUrl });

      for (const [action, url] of [
        ['view', body.HostViewUrl],
        ['edit', body.HostEditUrl],
      ] as const) {
        const page = await fetch(url);
        expect(page.status).toBe(200);
        expect(page.headers.get('content-type')).toMatch(/^text\/html/);
        expect(page.headers.get('cache-control')).toBe('no-store');
        expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
        const html = await page.text();
        expect(html).toContain(`(${action})`);
        const fields = hostPageFields(html);
        expect(fields.title).toBe('report.pdf');
        expect(fields.wopiSrc).toBe(newFile.wopiSrc);
        // The page's token opens the file it is for, and only that one.
        expect(await checkFileInfo({ wopiSrc: fields.wopiSrc, accessToken: fields.accessToken })).toEqual({
          status: 200,
          body: expect.objectContaining({ BaseFileName: 'report.pdf', UserCanWrite: true }),
        });
        expect((await checkFileInfo({ wopiSrc: f.wopiSrc, accessToken: fields.accessToken })).status).toBe(401);
      }
    });

    test('a host page escapes the file name and shows a working token', async () => {
      const odd = `a&b<c>"d'.docx`;
      writeFileSync(path.join(dir, odd), 'odd');
      const { server } = await startServe([dir, '--port', '0', '--json', '--secret', SECRET]);
      const f = server.files.find((x) => x.name === odd);
      expect(f).toBeDefined();
      const origin = server.url.replace(/\/wopi$/, '');
      const page = await fetch(`${origin}/host/edit/${f!.fileId}`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).not.toContain('<c>');
      expect(html).not.toContain('a&b');
      expect(html).not.toContain(`"d'`);
      const fields = hostPageFields(html);
      expect(fields.title).toBe(odd);
      expect(/<title>([^<]*)<\/title>/.exec(html)?.[1]).toBeDefined();
      expect(unescapeHtml(/<title>([^<]*)<\/title>/.exec(html)![1]!)).toBe(`${odd} (edit)`);
      expect(fields.wopiSrc).toBe(f!.wopiSrc);
      const { status, body } = await checkFileInfo(fields);
      expect(status).toBe(200);
      expect(body.BaseFileName).toBe(odd);
    });

    test('--public-url is the origin of the Url and of the host pages', async () => {
      // The server is reached locally while everything it prints names the public URL, so pick the port here.
      const port = await freePort();
      const { server } = await startServe([
        dir,
        '--port',
        String(port),
        '--json',
        '--public-url',
        'https://wopi.example.com/',
        '--secret',
        SECRET,
      ]);
      expect(server.url).toBe('https://wopi.example.com/wopi');
      const f = server.files.find((x) => x.name === 'report.docx')!;
      const res = await fetch(`http://127.0.0.1:${port}/wopi/files/${f.fileId}${q(f.accessToken)}`, {
        method: 'POST',
        headers: { 'X-WOPI-Override': 'PUT_RELATIVE', 'X-WOPI-SuggestedTarget': '.pdf', 'Content-Type': 'application/octet-stream' },
        body: 'x',
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { Url: string; HostViewUrl: string; HostEditUrl: string };
      const newId = /\/files\/([A-Za-z0-9_-]+)\?/.exec(body.Url)?.[1];
      expect(newId).toBeDefined();
      expect(body.Url.startsWith(`https://wopi.example.com/wopi/files/${newId}?access_token=`)).toBe(true);
      expect(body.HostViewUrl).toBe(`https://wopi.example.com/host/view/${newId}`);
      expect(body.HostEditUrl).toBe(`https://wopi.example.com/host/edit/${newId}`);
      // The host page, fetched locally, shows the public WOPISrc.
      const page = await fetch(`http://127.0.0.1:${port}/host/view/${newId}`);
      expect(hostPageFields(await page.text()).wopiSrc).toBe(`https://wopi.example.com/wopi/files/${newId}`);
    });

    test.each(['nope', 'aaaaaaaaaaaaaaaaaaaaaa', '..%2F..%2Fetc%2Fpasswd', 'report.docx'])('GET /host/view/%s → 404', async (id) => {
      const { server } = await startServe([dir, '--port', '0', '--json']);
      const origin = server.url.replace(/\/wopi$/, '');
      for (const action of ['view', 'edit']) {
        const res = await fetch(`${origin}/host/${action}/${id}`);
        expect(res.status).toBe(404);
        const text = await res.text();
        expect(text).not.toContain('access_token');
      }
    });
  });

  describe('bad usage exits 2 with the usage on stderr', () => {
    test.each([
      ['no folder', ['serve', '--port', '0']],
      ['two folders', ['serve', 'DIR', 'DIR', '--port', '0']],
      ['--port abc', ['serve', 'DIR', '--port', 'abc']],
      ['--port -1', ['serve', 'DIR', '--port', '-1']],
      ['--max-file-size 1.5', ['serve', 'DIR', '--port', '0', '--max-file-size', '1.5']],
      ['--ttl 0', ['serve', 'DIR', '--port', '0', '--ttl', '0']],
      ['an unknown flag', ['serve', 'DIR', '--port', '0', '--bogus']],
      ['an unknown command', ['frobnicate', 'DIR']],
      ['a short --secret', ['serve', 'DIR', '--port', '0', '--secret', 'too-short']],
      ['a short $WOPI_SECRET', ['serve', 'DIR', '--port', '0'], { WOPI_SECRET: 'too-short' }],
    ] as Array<[string, string[], NodeJS.ProcessEnv?]>)('%s', async (_name, args, env = {}) => {
      const cap = capture(env);
      const outcome = await runCli(
        args.map((a) => (a === 'DIR' ? dir : a)),
        cap.io,
      );
      if (typeof outcome !== 'number') running.push(outcome);
      await flush();
      expect(outcome).toBe(2);
      expect(cap.err()).toMatch(/^express-wopi: .+\n/);
      expect(cap.err()).toContain(USAGE);
      expect(cap.out()).toBe('');
    });
  });

  test('help prints the usage on stdout with exit code 0', async () => {
    const cap = capture();
    await expect(runCli(['--help'], cap.io)).resolves.toBe(0);
    await flush();
    expect(cap.out()).toBe(USAGE);
    expect(cap.err()).toBe('');
  });
});

describe('token', () => {
  const run = async (args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> => {
    const cap = capture(env);
    const outcome = await runCli(['token', ...args], cap.io);
    if (typeof outcome !== 'number') {
      await outcome.close();
      throw new Error('token returned a server');
    }
    await flush();
    return { code: outcome, out: cap.out(), err: cap.err() };
  };

  test('prints one token for the file, writable, for user "user"', async () => {
    const { code, out, err } = await run(['--secret', SECRET, '--file-id', 'X']);
    expect(code).toBe(0);
    expect(err).toBe('');
    expect(out).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const token = out.trim();
    const auth = new JwtAuth({ secret: SECRET });
    await expect(auth.authenticate(token, 'X')).resolves.toEqual({
      userId: 'user',
      permissions: { write: true },
      accessTokenTtl: expect.any(Number),
    });
    await expect(auth.authenticate(token, 'Y')).rejects.toBeInstanceOf(InvalidTokenError);
    await expect(new JwtAuth({ secret: ENV_SECRET }).authenticate(token, 'X')).rejects.toBeInstanceOf(InvalidTokenError);
  });

  test('--json prints {accessToken, accessTokenTtl}', async () => {
    const before = Date.now();
    const { code, out } = await run(['--secret', SECRET, '--file-id', 'X', '--json']);
    expect(code).toBe(0);
    expect(out.endsWith('\n')).toBe(true);
    const parsed = JSON.parse(out) as { accessToken: string; accessTokenTtl: number };
    expect(Object.keys(parsed).sort()).toEqual(['accessToken', 'accessTokenTtl']);
    expect(parsed.accessTokenTtl).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 36_000_000);
    expect(parsed.accessTokenTtl).toBeLessThanOrEqual(Date.now() + 36_000_000);
    await expect(new JwtAuth({ secret: SECRET }).authenticate(parsed.accessToken, 'X')).resolves.toMatchObject({ userId: 'user' });
  });

  test('--no-create gives create: false (with and without --read-only)', async () => {
    const auth = new JwtAuth({ secret: SECRET });
    const writer = await run(['--secret', SECRET, '--file-id', 'X', '--no-create']);
    expect(writer.code).toBe(0);
    await expect(auth.authenticate(writer.out.trim(), 'X')).resolves.toEqual({
      userId: 'user',
      permissions: { write: true, create: false },
      accessTokenTtl: expect.any(Number),
    });
    const reader = await run(['--secret', SECRET, '--file-id', 'X', '--no-create', '--read-only']);
    await expect(auth.authenticate(reader.out.trim(), 'X')).resolves.toEqual({
      userId: 'user',
      permissions: { write: false, create: false },
      accessTokenTtl: expect.any(Number),
    });
    // Without the flag, create is left to default (absent, i.e. same as write).
    const plain = await run(['--secret', SECRET, '--file-id', 'X']);
    expect((await auth.authenticate(plain.out.trim(), 'X')).permissions).not.toHaveProperty('create');
  });

  test('--read-only gives write: false; --user/--user-name/--ttl are honoured', async () => {
    const { code, out } = await run([
      '--secret',
      SECRET,
      '--file-id',
      'X',
      '--read-only',
      '--user',
      'bob',
      '--user-name',
      'Bob B.',
      '--ttl',
      '60',
      '--json',
    ]);
    expect(code).toBe(0);
    const parsed = JSON.parse(out) as { accessToken: string; accessTokenTtl: number };
    expect(parsed.accessTokenTtl).toBeLessThanOrEqual(Date.now() + 60_000);
    expect(parsed.accessTokenTtl).toBeGreaterThan(Date.now() + 50_000);
    await expect(new JwtAuth({ secret: SECRET }).authenticate(parsed.accessToken, 'X')).resolves.toEqual({
      userId: 'bob',
      userFriendlyName: 'Bob B.',
      permissions: { write: false },
      accessTokenTtl: expect.any(Number),
    });
  });

  test('takes the secret from $WOPI_SECRET', async () => {
    const { code, out } = await run(['--file-id', 'X'], { WOPI_SECRET: ENV_SECRET });
    expect(code).toBe(0);
    await expect(new JwtAuth({ secret: ENV_SECRET }).authenticate(out.trim(), 'X')).resolves.toMatchObject({ userId: 'user' });
  });

  test.each([
    ['missing --file-id', ['--secret', SECRET], {}],
    ['empty --file-id', ['--secret', SECRET, '--file-id', ''], {}],
    ['missing secret (no flag, no env)', ['--file-id', 'X'], {}],
    ['short secret', ['--secret', 'short', '--file-id', 'X'], {}],
    ['a positional argument', ['--secret', SECRET, '--file-id', 'X', 'extra'], {}],
    ['an unknown flag', ['--secret', SECRET, '--file-id', 'X', '--nope'], {}],
    ['a bad --ttl', ['--secret', SECRET, '--file-id', 'X', '--ttl', 'soon'], {}],
  ] as Array<[string, string[], NodeJS.ProcessEnv]>)('%s exits 2 with usage on stderr', async (_name, args, env) => {
    const { code, out, err } = await run(args, env);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(/^express-wopi: .+\n/);
    expect(err).toContain(USAGE);
  });
});

// ---------------------------------------------------------------------------------------------
// The built CLI as a real process.

const CLI = path.join(REPO, 'dist', 'cli', 'main.js');

function newestMtime(folder: string): number {
  let newest = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const p = path.join(folder, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

describe('the built CLI as a process', () => {
  beforeAll(() => {
    const stale = !existsSync(CLI) || statSync(CLI).mtimeMs < newestMtime(path.join(REPO, 'src'));
    if (stale) execSync('npm run build', { cwd: REPO, stdio: 'pipe', timeout: 180_000 });
    expect(existsSync(CLI)).toBe(true);
  }, 200_000);

  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    child = undefined;
  });

  /** Spawns `serve`, resolves with the parsed listening line once it is printed. */
  async function spawnServe(): Promise<{ proc: ChildProcess; listening: { event: string; url: string }; stderr: () => string }> {
    const proc = spawn(process.execPath, [CLI, 'serve', dir, '--port', '0', '--json'], {
      cwd: REPO,
      env: { ...process.env, WOPI_SECRET: SECRET },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let stderr = '';
    proc.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const firstLine = await new Promise<string>((resolve, reject) => {
      let buf = '';
      const timer = setTimeout(() => reject(new Error(`no listening line within 10 s; stderr: ${stderr}`)), 10_000);
      proc.stdout!.setEncoding('utf8').on('data', (c: string) => {
        buf += c;
        const nl = buf.indexOf('\n');
        if (nl >= 0) {
          clearTimeout(timer);
          resolve(buf.slice(0, nl));
        }
      });
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`exited early (${code ?? signal}); stderr: ${stderr}`));
      });
    });
    return { proc, listening: JSON.parse(firstLine) as { event: string; url: string }, stderr: () => stderr };
  }

  function exitWithin(proc: ChildProcess, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`still running ${ms} ms after the signal`)), ms);
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal });
      });
    });
  }

  test('started by an npm script through a shell, serve stops when the shell is stopped (npm start, then SIGTERM)', async () => {
    // What `npm start` does: npm runs the script in `sh -c`, and on SIGTERM stops that shell;
    // dash does not pass the signal on to its child.
    const shell = spawn(
      '/bin/sh',
      ['-c', `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} serve ${JSON.stringify(dir)} --port 0 --json; true`],
      {
        cwd: REPO,
        env: { ...process.env, WOPI_SECRET: SECRET, npm_lifecycle_event: 'start' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child = shell;
    const url = await new Promise<string>((resolve, reject) => {
      let buf = '';
      const timer = setTimeout(() => reject(new Error('no listening line within 10 s')), 10_000);
      shell.stdout!.setEncoding('utf8').on('data', (c: string) => {
        buf += c;
        const m = /"url":"([^"]+)"/.exec(buf);
        if (m) {
          clearTimeout(timer);
          resolve(m[1] as string);
        }
      });
    });
    expect((await fetch(`${url}/files/nope`)).status).toBe(401);
    shell.kill('SIGKILL'); // the shell is gone; the server must notice and stop
    const deadline = Date.now() + 5_000;
    let up = true;
    while (up && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      up = await fetch(`${url}/files/nope`).then(
        () => true,
        () => false,
      );
    }
    expect(up).toBe(false);
  });

  test('--version prints the package version', () => {
    const out = execSync(`${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} --version`, { encoding: 'utf8' });
    expect(out).toBe(`${JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')).version}\n`);
  });

  test.each(['SIGTERM', 'SIGINT'] as const)('serve stops with exit code 0 on %s', async (signal) => {
    const { proc, listening, stderr } = await spawnServe();
    expect(listening).toEqual({ event: 'listening', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/wopi$/) });
    // It really serves: an unknown file with no token is 401 (the token is checked first).
    const probe = await fetch(`${listening.url}/files/nope`);
    expect(probe.status).toBe(401);
    // A keep-alive connection is open now; shutdown must not wait for it.
    const exited = exitWithin(proc, 5_000);
    expect(proc.kill(signal)).toBe(true);
    await expect(exited).resolves.toEqual({ code: 0, signal: null });
    expect(stderr()).toBe('');
  });
});

/** A port that was free a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
