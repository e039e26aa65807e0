/**
 * `express-wopi serve … --discovery URL`: proof keys checked against that discovery document's
 * keys, and host pages that open that editor. The editor is a fake WOPI client on loopback.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import request from 'supertest';
import { runCli, USAGE, type CliIo } from '../../src/cli/main';
import type { RunningServer } from '../../src/cli/serve';
import { fixture, proofKeyElement, startFakeWopiClient, withProofKey, type FakeWopiClient } from '../helpers/fake-wopi-client';
import { proofHeaders, testKeyPair } from '../helpers/proof-signer';

const SECRET = 'cli-discovery-secret-cli-discovery-secret-0123';
const keys = testKeyPair();

let dir: string;
let editor: FakeWopiClient;
const running: RunningServer[] = [];

beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'express-wopi-cli-discovery-'));
  writeFileSync(path.join(dir, 'report.docx'), 'report body');
  writeFileSync(path.join(dir, 'notes.xyz'), 'no editor for this');
  editor = await startFakeWopiClient(withProofKey(fixture('onlyoffice'), proofKeyElement(keys.publicKey)));
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
  await editor.close();
  rmSync(dir, { recursive: true, force: true });
});

function capture(): { io: CliIo; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  return { io: { stdout, stderr, env: {} }, out: () => out, err: () => err };
}

async function serve(extra: string[]): Promise<{ server: RunningServer; out: () => string; err: () => string }> {
  const cap = capture();
  const outcome = await runCli(['serve', dir, '--port', '0', '--secret', SECRET, ...extra], cap.io);
  if (typeof outcome === 'number') throw new Error(`serve exited with ${outcome}: ${cap.err()}`);
  running.push(outcome);
  await new Promise((resolve) => setImmediate(resolve));
  return { server: outcome, ...cap };
}

it('the usage text documents --discovery', () => {
  expect(USAGE).toContain('--discovery URL');
});

it('checks proof keys against the discovery document: unsigned → 500, signed → 200', async () => {
  const { server, out } = await serve(['--discovery', editor.origin, '--json']);
  const listening = JSON.parse(out().split('\n')[0]!) as Record<string, unknown>;
  expect(listening).toEqual({ event: 'listening', url: server.url, discovery: editor.discoveryUrl });
  const file = server.files.find((f) => f.name === 'report.docx')!;
  const url = `${file.wopiSrc}?access_token=${encodeURIComponent(file.accessToken)}`;
  expect((await request(url).get('')).status).toBe(500);
  const signed = await request(url)
    .get('')
    .set(proofHeaders({ token: file.accessToken, url, proofKey: keys.privateKey }));
  expect(signed.status).toBe(200);
  expect(signed.body.BaseFileName).toBe('report.docx');
});

it('without --discovery, unsigned requests are served as before', async () => {
  const { server } = await serve([]);
  const file = server.files.find((f) => f.name === 'report.docx')!;
  expect(server.discovery).toBeUndefined();
  expect((await request(`${file.wopiSrc}?access_token=${encodeURIComponent(file.accessToken)}`).get('')).status).toBe(200);
});

it('host pages open the editor at its action URL; types it cannot open get the info page', async () => {
  const { server } = await serve(['--discovery', editor.discoveryUrl]);
  const file = server.files.find((f) => f.name === 'report.docx')!;
  const base = server.url.replace(/\/wopi$/, '');
  const page = await request(`${base}/host/edit/${file.fileId}`).get('');
  expect(page.status).toBe(200);
  const action = page.text.match(/<form [^>]*action="([^"]*)"/)?.[1]?.replace(/&#38;/g, '&');
  expect(action).toBe(`https://onlyoffice.example/hosting/wopi/word/edit?wopisrc=${encodeURIComponent(file.wopiSrc)}`);
  expect(page.headers['content-security-policy']).toContain('frame-src https://onlyoffice.example');
  const other = server.files.find((f) => f.name === 'notes.xyz')!;
  const info = await request(`${base}/host/view/${other.fileId}`).get('');
  expect(info.status).toBe(200);
  expect(info.text).toContain('WOPISrc');
  expect(info.text).not.toContain('<iframe');
});

it('an editor that is down at startup: a warning, and WOPI requests get 500 until it is up', async () => {
  editor.respond = 503;
  const { server, err } = await serve(['--discovery', editor.origin]);
  expect(err()).toContain(`express-wopi: warning: WOPI discovery ${editor.discoveryUrl} could not be fetched: HTTP 503`);
  const file = server.files[0]!;
  const url = `${file.wopiSrc}?access_token=${encodeURIComponent(file.accessToken)}`;
  const headers = (): Record<string, string> => proofHeaders({ token: file.accessToken, url, proofKey: keys.privateKey });
  expect((await request(url).get('').set(headers())).status).toBe(500);
  editor.respond = withProofKey(fixture('onlyoffice'), proofKeyElement(keys.publicKey));
  await new Promise((resolve) => setTimeout(resolve, 50));
  // The failure is remembered for retryAfterMs (30 s); force the next attempt through refresh.
  await server.discovery?.client.refresh();
  expect((await request(url).get('').set(headers())).status).toBe(200);
});

it('a --discovery that is not a URL is a usage error', async () => {
  const cap = capture();
  expect(await runCli(['serve', dir, '--port', '0', '--secret', SECRET, '--discovery', 'not a url'], cap.io)).toBe(2);
  expect(cap.err()).toContain('`url` must be an http(s) URL');
});
