/**
 * examples/editor-page run as a real process against a fake WOPI client (a loopback server
 * serving the ONLYOFFICE discovery fixture with keys made here): the file list, the host page
 * with the right action URL, and proof keys on its WOPI endpoints.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import request from 'supertest';
import { fixture, proofKeyElement, startFakeWopiClient, withProofKey, type FakeWopiClient } from '../helpers/fake-wopi-client';
import { proofHeaders, testKeyPair } from '../helpers/proof-signer';

const REPO = path.join(__dirname, '..', '..');
const keys = testKeyPair();

let editor: FakeWopiClient;
let child: ChildProcess;
let appUrl: string;
let stderr = '';

beforeAll(async () => {
  editor = await startFakeWopiClient(withProofKey(fixture('onlyoffice'), proofKeyElement(keys.publicKey)));
  child = spawn(process.execPath, [path.join(REPO, 'examples', 'editor-page', 'server.js'), editor.origin], {
    cwd: REPO,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LANGUAGE: 'de-DE', DEBUG: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  appUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      const match = /open (http:\/\/\S+)\/ \(editor: /.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`example exited with ${code}: ${stderr}`)));
    setTimeout(() => reject(new Error(`example did not start: ${out} ${stderr}`)), 10_000).unref();
  });
});

afterAll(async () => {
  if (child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  await editor.close();
});

async function fileLinks(): Promise<Map<string, string[]>> {
  const res = await request(appUrl).get('/');
  expect(res.status).toBe(200);
  const files = new Map<string, string[]>();
  for (const m of res.text.matchAll(/<li><strong>([^<]+)<\/strong> (.*)<\/li>/g)) {
    files.set(
      m[1]!,
      [...m[2]!.matchAll(/href="([^"]+)"/g)].map((h) => h[1]!),
    );
  }
  return files;
}

it('lists the sample files with the actions discovery offers', async () => {
  const files = await fileLinks();
  expect([...files.keys()].sort()).toEqual(['budget.xlsx', 'slides.pptx', 'welcome.docx']);
  for (const links of files.values()) {
    expect(links).toHaveLength(2);
    expect(links[0]).toMatch(new RegExp(`^${appUrl}/files/[^/]+/edit$`));
    expect(links[1]).toMatch(new RegExp(`^${appUrl}/files/[^/]+/view$`));
  }
  expect(editor.hits).toBe(1);
});

it("the edit page posts the token into an iframe at the editor's action URL for that file", async () => {
  const [editLink] = (await fileLinks()).get('welcome.docx')!;
  const fileId = /\/files\/([^/]+)\/edit$/.exec(editLink!)![1]!;
  const page = await request(editLink!).get('');
  expect(page.status).toBe(200);
  expect(page.headers['cache-control']).toBe('no-store');
  const action = page.text.match(/<form [^>]*action="([^"]*)"/)?.[1]?.replace(/&#38;/g, '&');
  const wopiSrc = `${appUrl}/wopi/files/${fileId}`;
  expect(action).toBe(`https://onlyoffice.example/hosting/wopi/word/edit?rs=de-DE&ui=de-DE&wopisrc=${encodeURIComponent(wopiSrc)}`);
  expect(page.text).toMatch(/<input type="hidden" name="access_token" value="[^"]+">/);
  expect(page.text).toContain('<iframe id="office_frame" name="office_frame"');

  // The token on the page opens the file over WOPI, but only with the editor's signature.
  const token = /name="access_token" value="([^"]+)"/.exec(page.text)![1]!;
  const url = `${wopiSrc}?access_token=${encodeURIComponent(token)}`;
  expect((await request(url).get('')).status).toBe(500);
  const info = await request(url)
    .get('')
    .set(proofHeaders({ token, url, proofKey: keys.privateKey }));
  expect(info.status).toBe(200);
  expect(info.body).toMatchObject({ BaseFileName: 'welcome.docx', UserCanWrite: true, PostMessageOrigin: appUrl });
  expect(info.body.HostEditUrl).toBe(editLink);
});

it('the view page uses the view action and a read-only token', async () => {
  const [, viewLink] = (await fileLinks()).get('budget.xlsx')!;
  const page = await request(viewLink!).get('');
  const action = page.text.match(/<form [^>]*action="([^"]*)"/)?.[1]?.replace(/&#38;/g, '&');
  expect(action).toMatch(/^https:\/\/onlyoffice\.example\/hosting\/wopi\/cell\/view\?/);
  const token = /name="access_token" value="([^"]+)"/.exec(page.text)![1]!;
  const wopiSrc = decodeURIComponent(/wopisrc=([^&]+)/.exec(action!)![1]!);
  const url = `${wopiSrc}?access_token=${encodeURIComponent(token)}`;
  const info = await request(url)
    .get('')
    .set(proofHeaders({ token, url, proofKey: keys.privateKey }));
  expect(info.body.UserCanWrite).toBe(false);
});

it('an unknown file is a 404', async () => {
  expect((await request(appUrl).get('/files/nope/edit')).status).toBe(404);
});
