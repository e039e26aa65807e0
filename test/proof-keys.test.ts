/**
 * Proof-key validation in the router (`proofKeys`): requests signed the way editors sign them,
 * with RSA keys generated here, against fixed keys and against a WopiDiscovery served by a fake
 * WOPI client on loopback (key rotation, stale timestamps, a proxy in front, no discovery).
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { format } from 'node:util';
import createDebug from 'debug';
import type express from 'express';
import request from 'supertest';
import { createWopiRouter, MemoryStorage, WopiConfigError, type WopiConfigErrorCode, type WopiRouterOptions } from '../src';
import { WopiDiscovery } from '../src/discovery';
import { publicKeyToCspBlob, publicKeyToModulusExponent } from '../src/protocol/proof-keys';
import { createApp } from './helpers/create-app';
import { fixture, proofKeyElement, startFakeWopiClient, withProofKey, type FakeWopiClient } from './helpers/fake-wopi-client';
import { proofHeaders, ticks, testKeyPair } from './helpers/proof-signer';

const k1 = testKeyPair();
const k2 = testKeyPair();
const k3 = testKeyPair();
const stranger = testKeyPair();

// ---------------------------------------------------------------------------------------------
// Log capture: what express-wopi:proof says, and that no token is in any line.

const lines: string[] = [];
let previousLog: typeof createDebug.log;
let previousNamespaces = '';

beforeAll(() => {
  previousLog = createDebug.log;
  previousNamespaces = createDebug.disable();
  createDebug.log = function capture(this: unknown, ...args: unknown[]): void {
    const namespace = (this as { namespace?: string } | undefined)?.namespace ?? '?';
    lines.push(`${namespace} ${format(...args)}`);
  };
  createDebug.enable('express-wopi:*');
});

afterAll(() => {
  createDebug.log = previousLog;
  createDebug.disable();
  if (previousNamespaces) createDebug.enable(previousNamespaces);
});

// ---------------------------------------------------------------------------------------------
// A WOPI host on a real port, so the test knows the exact URL the "editor" signs.

interface Host {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  fileId: string;
  token: string;
  server: http.Server;
  app: express.Express;
}

const hosts: http.Server[] = [];
let editor: FakeWopiClient | undefined;

afterEach(async () => {
  await Promise.all(
    hosts.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeAllConnections();
        }),
    ),
  );
  await editor?.close();
  editor = undefined;
});

async function startHost(options: Partial<WopiRouterOptions>): Promise<Host> {
  const storage = new MemoryStorage();
  const fileId = storage.addFile('report.docx', 'hello');
  const { app, token } = createApp({ ...options, storage });
  const server = await new Promise<http.Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  hosts.push(server);
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, fileId, token: await token(fileId), server, app };
}

/** CheckFileInfo, signed for `signedUrl` (default: the URL actually requested). */
function checkFileInfo(host: Host, sign: Omit<Parameters<typeof proofHeaders>[0], 'token' | 'url'> | undefined, signedUrl?: string) {
  const path = `/wopi/files/${host.fileId}?access_token=${encodeURIComponent(host.token)}`;
  const headers = sign === undefined ? {} : proofHeaders({ token: host.token, url: signedUrl ?? `${host.origin}${path}`, ...sign });
  return request(host.origin).get(path).set(headers);
}

const fixed = (current: KeyObject, old?: KeyObject): WopiRouterOptions['proofKeys'] => ({
  current,
  ...(old === undefined ? {} : { old }),
});

// ---------------------------------------------------------------------------------------------

describe('off by default', () => {
  it('unsigned requests are served when proofKeys is not given, or false', async () => {
    for (const options of [{}, { proofKeys: false as const }]) {
      const host = await startHost(options);
      const res = await checkFileInfo(host, undefined);
      expect(res.status).toBe(200);
      expect(res.body.BaseFileName).toBe('report.docx');
    }
  });
});

describe('with fixed keys', () => {
  it.each<[string, number, Parameters<typeof proofHeaders>[0]['proofKey'], Parameters<typeof proofHeaders>[0]['proofOldKey']]>([
    ['Proof signed with the current key', 200, k1.privateKey, k2.privateKey],
    ['Proof with the current key, ProofOld garbage', 200, k1.privateKey, 'garbage'],
    ['Proof garbage, ProofOld with the current key (editor rotated first)', 200, 'garbage', k1.privateKey],
    ['Proof with the old key (host rotated first)', 200, k2.privateKey, 'garbage'],
    ['Proof garbage, ProofOld with the old key', 500, 'garbage', k2.privateKey],
    ['both garbage', 500, 'garbage', 'garbage'],
    ['signed by a stranger', 500, stranger.privateKey, stranger.privateKey],
  ])('%s → %d', async (_label, status, proofKey, proofOldKey) => {
    const host = await startHost({ proofKeys: fixed(k1.publicKey, k2.publicKey) });
    const res = await checkFileInfo(host, { proofKey, ...(proofOldKey === undefined ? {} : { proofOldKey }) });
    expect(res.status).toBe(status);
    if (status === 500) {
      expect(res.text).toBe('Internal Server Error');
      expect(res.text).not.toContain(host.token);
    }
  });

  it.each<[string, number, () => bigint]>([
    ['now', 200, () => ticks()],
    ['19 minutes ago', 200, () => ticks(Date.now() - 19 * 60_000)],
    ['21 minutes ago (stale)', 500, () => ticks(Date.now() - 21 * 60_000)],
    ['an hour ahead', 500, () => ticks(Date.now() + 60 * 60_000)],
  ])('timestamp %s → %d', async (_label, status, at) => {
    const timestamp = at();
    const host = await startHost({ proofKeys: fixed(k1.publicKey) });
    const res = await checkFileInfo(host, { proofKey: k1.privateKey, timestamp });
    expect(res.status).toBe(status);
  });

  it('missing proof headers → 500', async () => {
    const host = await startHost({ proofKeys: fixed(k1.publicKey) });
    expect((await checkFileInfo(host, undefined)).status).toBe(500);
    const onlyTimestamp = await request(host.origin)
      .get(`/wopi/files/${host.fileId}?access_token=${encodeURIComponent(host.token)}`)
      .set('X-WOPI-TimeStamp', ticks().toString());
    expect(onlyTimestamp.status).toBe(500);
  });

  it('a proof for another file, or another token, does not carry over', async () => {
    const host = await startHost({ proofKeys: fixed(k1.publicKey) });
    const otherFile = `${host.origin}/wopi/files/other?access_token=${encodeURIComponent(host.token)}`;
    expect((await checkFileInfo(host, { proofKey: k1.privateKey }, otherFile)).status).toBe(500);
    const path = `/wopi/files/${host.fileId}?access_token=${encodeURIComponent(host.token)}`;
    const wrongToken = proofHeaders({ token: 'someone-else', url: `${host.origin}${path}`, proofKey: k1.privateKey });
    expect((await request(host.origin).get(path).set(wrongToken)).status).toBe(500);
  });

  it('every operation is checked: PutFile and Lock too', async () => {
    const host = await startHost({ proofKeys: fixed(k1.publicKey) });
    const path = `/wopi/files/${host.fileId}?access_token=${encodeURIComponent(host.token)}`;
    const url = `${host.origin}${path}`;
    const unsignedLock = await request(host.origin).post(path).set({ 'X-WOPI-Override': 'LOCK', 'X-WOPI-Lock': 'L1' });
    expect(unsignedLock.status).toBe(500);
    const lock = await request(host.origin)
      .post(path)
      .set({ 'X-WOPI-Override': 'LOCK', 'X-WOPI-Lock': 'L1', ...proofHeaders({ token: host.token, url, proofKey: k1.privateKey }) });
    expect(lock.status).toBe(200);
    const contents = `${host.origin}/wopi/files/${host.fileId}/contents?access_token=${encodeURIComponent(host.token)}`;
    const put = await request(contents)
      .post('')
      .set({
        'X-WOPI-Override': 'PUT',
        'X-WOPI-Lock': 'L1',
        'Content-Type': 'application/octet-stream',
        ...proofHeaders({ token: host.token, url: contents, proofKey: k1.privateKey }),
      })
      .send(Buffer.from('new content'));
    expect(put.status).toBe(200);
  });

  it('the proof is checked before the token: a bad proof with a bad token is 500, a good proof with a bad token 401', async () => {
    const host = await startHost({ proofKeys: fixed(k1.publicKey) });
    const badToken = { ...host, token: 'not-a-token' };
    expect((await checkFileInfo(badToken, { proofKey: stranger.privateKey })).status).toBe(500);
    expect((await checkFileInfo(badToken, { proofKey: k1.privateKey })).status).toBe(401);
  });

  it('keys in every accepted form', async () => {
    const { n, e } = publicKeyToModulusExponent(k1.publicKey);
    for (const current of [
      k1.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      { modulus: n, exponent: e },
      { value: publicKeyToCspBlob(k1.publicKey) },
    ]) {
      const host = await startHost({ proofKeys: { current } });
      expect((await checkFileInfo(host, { proofKey: k1.privateKey })).status).toBe(200);
      expect((await checkFileInfo(host, { proofKey: k2.privateKey })).status).toBe(500);
    }
  });

  it.each<[string, unknown, WopiConfigErrorCode, string]>([
    ['a string', 'on', 'WOPI_OPTION_TYPE', 'proofKeys'],
    ['true', true, 'WOPI_OPTION_TYPE', 'proofKeys'],
    ['an object without keys', {}, 'WOPI_OPTION_MISSING', 'proofKeys.current'],
    [
      'a key that is not RSA',
      { current: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey },
      'WOPI_OPTION_VALUE',
      'proofKeys.current',
    ],
    ['garbage PEM', { current: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----' }, 'WOPI_OPTION_VALUE', 'proofKeys.current'],
    ['a bad old key', { current: k1.publicKey, old: { modulus: '!!', exponent: 'AQAB' } }, 'WOPI_OPTION_VALUE', 'proofKeys.old'],
    [
      'refreshProofKeys not a function',
      { getProofKeys: async () => undefined, refreshProofKeys: 'yes' },
      'WOPI_ADAPTER_SHAPE',
      'proofKeys.refreshProofKeys',
    ],
  ])('invalid proofKeys (%s) → %s at startup', (_label, proofKeys, code, option) => {
    const auth = { authenticate: async () => ({ userId: 'u', permissions: { write: true } }) };
    let thrown: unknown;
    try {
      createWopiRouter({ storage: new MemoryStorage(), auth, proofKeys: proofKeys as WopiRouterOptions['proofKeys'] });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(WopiConfigError);
    expect((thrown as WopiConfigError).code).toBe(code);
    expect((thrown as WopiConfigError).option).toBe(option);
    expect((thrown as Error).message).toContain(`createWopiRouter: \`${option}\``);
  });
});

describe('behind a reverse proxy: publicUrl', () => {
  const publicBase = 'https://files.example.com/wopi';

  it('the signed URL is rebuilt from publicUrl (string), query string included', async () => {
    const host = await startHost({ proofKeys: fixed(k1.publicKey), publicUrl: publicBase });
    const signedFor = `${publicBase}/files/${host.fileId}?access_token=${encodeURIComponent(host.token)}`;
    expect((await checkFileInfo(host, { proofKey: k1.privateKey }, signedFor)).status).toBe(200);
    // The URL the router was reached at directly is not what the editor signed.
    expect((await checkFileInfo(host, { proofKey: k1.privateKey })).status).toBe(500);
  });

  it('publicUrl as a function', async () => {
    const host = await startHost({ proofKeys: fixed(k1.publicKey), publicUrl: () => `${publicBase}/` });
    const signedFor = `${publicBase}/files/${host.fileId}?access_token=${encodeURIComponent(host.token)}`;
    expect((await checkFileInfo(host, { proofKey: k1.privateKey }, signedFor)).status).toBe(200);
  });

  it("without publicUrl, Express's trust proxy setting rebuilds it from X-Forwarded-*", async () => {
    const host = await startHost({ proofKeys: fixed(k1.publicKey) });
    host.app.set('trust proxy', true);
    const path = `/wopi/files/${host.fileId}?access_token=${encodeURIComponent(host.token)}`;
    const res = await request(host.origin)
      .get(path)
      .set({
        'X-Forwarded-Proto': 'https',
        'X-Forwarded-Host': 'files.example.com',
        ...proofHeaders({ token: host.token, url: `https://files.example.com${path}`, proofKey: k1.privateKey }),
      });
    expect(res.status).toBe(200);
  });

  it('without trust proxy, X-Forwarded-Host is not believed', async () => {
    const host = await startHost({ proofKeys: fixed(k1.publicKey) });
    const path = `/wopi/files/${host.fileId}?access_token=${encodeURIComponent(host.token)}`;
    const res = await request(host.origin)
      .get(path)
      .set({
        'X-Forwarded-Host': 'files.example.com',
        ...proofHeaders({ token: host.token, url: `http://files.example.com${path}`, proofKey: k1.privateKey }),
      });
    expect(res.status).toBe(500);
  });
});

describe('with a WopiDiscovery', () => {
  async function discoveryHost(current: KeyObject, old?: KeyObject, options: { proofKeyRefreshIntervalMs?: number } = {}) {
    editor = await startFakeWopiClient(withProofKey(fixture('onlyoffice'), proofKeyElement(current, old)));
    const discovery = new WopiDiscovery({ url: editor.origin, retryAfterMs: 0, ...options });
    const host = await startHost({ proofKeys: discovery });
    return { host, discovery, editor };
  }

  it('keys come from discovery, fetched on the first request', async () => {
    const { host, editor: fake } = await discoveryHost(k1.publicKey, k2.publicKey);
    expect(fake.hits).toBe(0);
    expect((await checkFileInfo(host, { proofKey: k1.privateKey })).status).toBe(200);
    expect((await checkFileInfo(host, { proofKey: k2.privateKey })).status).toBe(200); // old key
    expect(fake.hits).toBe(1);
  });

  it('rotation: a request signed with a key the host has not seen yet triggers one refresh, then passes', async () => {
    const { host, editor: fake } = await discoveryHost(k1.publicKey, k2.publicKey);
    expect((await checkFileInfo(host, { proofKey: k1.privateKey })).status).toBe(200);
    // The editor rotates: k3 is new, k1 becomes old. This request carries no ProofOld.
    fake.respond = withProofKey(fixture('onlyoffice'), proofKeyElement(k3.publicKey, k1.publicKey));
    lines.length = 0;
    expect((await checkFileInfo(host, { proofKey: k3.privateKey })).status).toBe(200);
    expect(fake.hits).toBe(2);
    expect(lines.some((l) => l.startsWith('express-wopi:proof:') && l.includes('refreshing them and checking again'))).toBe(true);
    // The old key keeps working, and the new one without another fetch.
    expect((await checkFileInfo(host, { proofKey: k1.privateKey })).status).toBe(200);
    expect((await checkFileInfo(host, { proofKey: k3.privateKey })).status).toBe(200);
    expect(fake.hits).toBe(2);
  });

  it('rotation seen through ProofOld: accepted at once, keys refreshed in the background', async () => {
    const { host, editor: fake } = await discoveryHost(k1.publicKey);
    expect((await checkFileInfo(host, { proofKey: k1.privateKey })).status).toBe(200);
    fake.respond = withProofKey(fixture('onlyoffice'), proofKeyElement(k3.publicKey, k1.publicKey));
    const refreshed = fake.nextHit();
    expect((await checkFileInfo(host, { proofKey: k3.privateKey, proofOldKey: k1.privateKey })).status).toBe(200);
    await refreshed;
    expect(fake.hits).toBe(2);
  });

  it('request signed with the old key after discovery changed: still accepted', async () => {
    const { host, discovery, editor: fake } = await discoveryHost(k1.publicKey);
    await discovery.get();
    fake.respond = withProofKey(fixture('onlyoffice'), proofKeyElement(k2.publicKey, k1.publicKey));
    await discovery.refresh();
    // A machine of the editor that has not rotated yet still signs Proof with k1.
    expect((await checkFileInfo(host, { proofKey: k1.privateKey })).status).toBe(200);
  });

  it('a forged proof refreshes at most once per interval, and is refused', async () => {
    const { host, editor: fake } = await discoveryHost(k1.publicKey, undefined, { proofKeyRefreshIntervalMs: 60_000 });
    lines.length = 0;
    for (let i = 0; i < 3; i++) expect((await checkFileInfo(host, { proofKey: stranger.privateKey })).status).toBe(500);
    expect(fake.hits).toBe(2); // first fetch + one refresh
    const refusals = lines.filter((l) => l.startsWith('express-wopi:proof:') && l.includes('refused'));
    expect(refusals).toHaveLength(3);
    expect(refusals[0]).toContain(`refused GET /wopi/files/${host.fileId}: bad-signature`);
  });

  it('stale timestamp: refused without a refresh', async () => {
    const { host, editor: fake } = await discoveryHost(k1.publicKey);
    const res = await checkFileInfo(host, { proofKey: k1.privateKey, timestamp: ticks(Date.now() - 30 * 60_000) });
    expect(res.status).toBe(500);
    expect(fake.hits).toBe(1);
    expect(lines.some((l) => l.includes(': stale-timestamp'))).toBe(true);
  });

  it('discovery without <proof-key>: every request is refused', async () => {
    editor = await startFakeWopiClient(withProofKey(fixture('collabora'), undefined));
    const host = await startHost({ proofKeys: new WopiDiscovery({ url: editor.discoveryUrl, proofKeyRefreshIntervalMs: 0 }) });
    expect((await checkFileInfo(host, { proofKey: k1.privateKey })).status).toBe(500);
    expect(lines.some((l) => l.includes(': no-keys'))).toBe(true);
  });

  it('discovery never reachable: 500, and the server_error line names discovery', async () => {
    editor = await startFakeWopiClient('');
    editor.respond = 503;
    const host = await startHost({ proofKeys: new WopiDiscovery({ url: editor.discoveryUrl }) });
    lines.length = 0;
    const res = await checkFileInfo(host, { proofKey: k1.privateKey });
    expect(res.status).toBe(500);
    expect(res.text).toBe('Internal Server Error');
    expect(lines.some((l) => l.startsWith('express-wopi:server_error') && l.includes('could not be fetched: HTTP 503'))).toBe(true);
  });

  it('no log line carries the access token or the query string', async () => {
    const { host } = await discoveryHost(k1.publicKey);
    lines.length = 0;
    await checkFileInfo(host, { proofKey: stranger.privateKey });
    await checkFileInfo(host, { proofKey: k1.privateKey, timestamp: ticks(Date.now() - 30 * 60_000) });
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line).not.toContain(host.token);
      expect(line).not.toContain('access_token');
    }
  });
});
