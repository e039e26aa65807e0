/**
 * examples/basic, run as its README says (`node examples/basic/server.js`, on the built dist/):
 * the home page lists the files with a WOPISrc and a token each, those work for a whole editing
 * round (Lock, PutFile, Unlock), and the example's `events.saved` listener logs the save on its
 * debug namespace.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const REPO = path.join(__dirname, '..', '..');

let child: ChildProcess | undefined;
let dir: string;

afterEach(() => {
  child?.kill('SIGKILL');
  child = undefined;
  rmSync(dir, { recursive: true, force: true });
});

function unescapeHtml(text: string): string {
  return text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))).replace(/&amp;/g, '&');
}

test('the home page hands out a WOPISrc and a token per file, good for a save, which the example logs', async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'express-wopi-basic-test-'));
  writeFileSync(path.join(dir, 'notes.docx'), 'first');
  const proc = spawn(process.execPath, [path.join(REPO, 'examples', 'basic', 'server.js')], {
    cwd: REPO,
    env: { ...process.env, PORT: '0', FILES_DIR: dir, DEBUG: 'example:basic', DEBUG_COLORS: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = proc;
  let stderr = '';
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const home = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no start line within 10 s: ${out} ${stderr}`)), 10_000);
    proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const m = /open (http:\/\/\S+\/) /.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    });
  });

  const page = await (await fetch(home)).text();
  expect(page).toContain('notes.docx');
  const wopiSrc = unescapeHtml(/<dt>WOPISrc<\/dt><dd><code>([^<]+)<\/code>/.exec(page)?.[1] ?? '');
  const token = unescapeHtml(/<dt>access_token<\/dt><dd><code class="token">([^<]+)<\/code>/.exec(page)?.[1] ?? '');
  expect(wopiSrc).toMatch(/\/wopi\/files\/[\w-]+$/);
  expect(token.length).toBeGreaterThan(20);

  const q = `?access_token=${encodeURIComponent(token)}`;
  const post = (url: string, headers: Record<string, string>, body?: string) => fetch(url + q, { method: 'POST', headers, body });
  expect((await fetch(wopiSrc + q)).status).toBe(200);
  expect((await post(wopiSrc, { 'X-WOPI-Override': 'LOCK', 'X-WOPI-Lock': 'L1' })).status).toBe(200);
  expect(
    (await post(`${wopiSrc}/contents`, { 'X-WOPI-Override': 'PUT', 'X-WOPI-Lock': 'L1', 'X-LOOL-WOPI-IsExitSave': 'true' }, 'second'))
      .status,
  ).toBe(200);
  expect((await post(wopiSrc, { 'X-WOPI-Override': 'UNLOCK', 'X-WOPI-Lock': 'L1' })).status).toBe(200);
  expect(readFileSync(path.join(dir, 'notes.docx'), 'utf8')).toBe('second');

  // The events.saved listener's line, on the example's own namespace.
  const deadline = Date.now() + 3000;
  while (!/PutFile saved notes\.docx/.test(stderr) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(stderr).toMatch(/example:basic PutFile saved notes\.docx \([\w-]+\) for demo: 6 bytes, version \S+, autosave=\w+, exit save=true/);
  expect(stderr).not.toContain(token);
});
