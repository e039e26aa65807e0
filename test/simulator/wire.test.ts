/**
 * What each profile puts on the wire, recorded by the host: the order of the requests, the
 * headers on every request and on each operation, the lock IDs, the UTF-7 names, and the proof.
 */
import { generateKeyPairSync } from 'node:crypto';
import type express from 'express';
import { MemoryStorage, MemoryUserInfoStore } from '../../src';
import { verifyProof } from '../../src/protocol/proof-keys';
import { decodeUtf7 } from '../../src/protocol/utf7';
import { type EditorName, onlyofficeLockId, proofKeyElement, simulateSession, WopiClient, WopiProofSigner } from '../../src/testing';
import { WopiDiscovery } from '../../src/discovery';
import { startHost, unexpectedFailures } from './hosts';

interface Recorded {
  op: string;
  url: string;
  token: string | null;
  headers: Record<string, string>;
  body: Buffer;
}

/** Records every request as the host sees it, before the router. */
function recorder(into: Recorded[]): () => express.RequestHandler {
  return () => (req, _res, next) => {
    const url = new URL(req.originalUrl, `http://${req.headers.host}`);
    const contents = /\/contents\/?$/.test(url.pathname);
    const override = String(req.headers['x-wopi-override'] ?? '');
    const op =
      req.method === 'GET'
        ? contents
          ? 'GetFile'
          : 'CheckFileInfo'
        : contents
          ? 'PUT'
          : `${override}${req.headers['x-wopi-oldlock'] === undefined ? '' : '+OldLock'}`;
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    into.push({ op, url: url.href, token: url.searchParams.get('access_token'), headers, body: Buffer.alloc(0) });
    next();
  };
}

/** A fetch that keeps each request's body, in order (the session sends one request at a time). */
function bodyRecorder(into: Buffer[]): typeof fetch {
  return (input, init) => {
    const body = init?.body;
    into.push(Buffer.isBuffer(body) ? Buffer.from(body) : Buffer.alloc(0));
    return fetch(input, init);
  };
}

async function record(editor: EditorName, options: { proof?: boolean } = {}) {
  const storage = new MemoryStorage();
  const fileId = storage.addFile('Résumé.docx', 'curriculum');
  const requests: Recorded[] = [];
  const bodies: Buffer[] = [];
  const keys = options.proof ? generateKeyPairSync('rsa', { modulusLength: 1024 }) : undefined;
  const host = await startHost({
    storage,
    before: recorder(requests),
    router: { userInfo: new MemoryUserInfoStore(), ...(keys ? { proofKeys: { current: keys.publicKey } } : {}) },
  });
  try {
    const ada = await host.token(fileId, 'ada', 'Ada');
    const bob = await host.token(fileId, 'bob', 'Bob');
    const report = await simulateSession({
      wopiSrc: host.wopiSrc(fileId),
      accessToken: ada,
      secondAccessToken: bob,
      editor,
      fetch: bodyRecorder(bodies),
      ...(keys ? { proofKeys: { current: keys.privateKey } } : {}),
    });
    expect(unexpectedFailures(report)).toEqual([]);
    expect(bodies).toHaveLength(requests.length);
    requests.forEach((r, i) => {
      r.body = bodies[i] as Buffer;
    });
    return { requests, ada, bob, fileId, wopiSrc: host.wopiSrc(fileId), keys };
  } finally {
    await host.close();
  }
}

const ops = (requests: Recorded[]): string[] => requests.map((r) => r.op);
const find = (requests: Recorded[], op: string): Recorded[] => requests.filter((r) => r.op === op);

describe('ONLYOFFICE', () => {
  let rec: Awaited<ReturnType<typeof record>>;
  beforeAll(async () => {
    rec = await record('onlyoffice');
  });

  test('opens with CheckFileInfo, LOCK, GetFile; a second user sends LOCK with the same ID; keeps alive with REFRESH_LOCK', () => {
    expect(ops(rec.requests).slice(0, 3)).toEqual(['CheckFileInfo', 'LOCK', 'GetFile']);
    const locks = find(rec.requests, 'LOCK').filter((r) => r.headers['x-wopi-lock'] === onlyofficeLockId(rec.wopiSrc));
    expect(locks.map((r) => r.token)).toEqual(expect.arrayContaining([rec.ada, rec.bob]));
    expect(onlyofficeLockId(rec.wopiSrc)).toBe(rec.fileId.replace(/[^0-9\-.a-zA-Z_=]/g, '_'));
    const refresh = find(rec.requests, 'REFRESH_LOCK').filter((r) => r.headers['x-wopi-lock'] === onlyofficeLockId(rec.wopiSrc));
    expect(refresh).toHaveLength(1);
    expect(refresh[0]!.token).toBe(rec.bob);
  });

  test('sends no Authorization, and X-WOPI-TimeStamp, a correlation ID and one session ID on every request', () => {
    const sessions = new Set<string>();
    for (const r of rec.requests) {
      expect(r.headers.authorization).toBeUndefined();
      expect(r.headers['x-wopi-timestamp']).toMatch(/^\d{18}$/);
      expect(r.headers['x-wopi-correlationid']).toMatch(/^[0-9a-f-]{36}$/);
      sessions.add(r.headers['x-wopi-sessionid'] as string);
    }
    expect(sessions.size).toBe(1);
    expect(find(rec.requests, 'GetFile')[0]!.headers['x-wopi-maxexpectedsize']).toBe('104857600');
  });

  test("saves with the X-LOOL-WOPI-Is* family, X-WOPI-Editors, X-LOOL-WOPI-Timestamp and a Content-Type by extension; the exit save with the last changer's token", () => {
    const [autosave] = find(rec.requests, 'PUT');
    expect(autosave!.headers).toMatchObject({
      'x-wopi-lock': onlyofficeLockId(rec.wopiSrc),
      'x-wopi-editors': 'ada',
      'x-lool-wopi-ismodifiedbyuser': 'true',
      'x-lool-wopi-isautosave': 'true',
      'x-lool-wopi-isexitsave': 'false',
      'content-type': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    });
    expect(autosave!.headers['x-lool-wopi-timestamp']).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(Object.keys(autosave!.headers).filter((h) => h.startsWith('x-cool-'))).toEqual([]);
    const exit = find(rec.requests, 'PUT').find((r) => r.headers['x-lool-wopi-isexitsave'] === 'true');
    expect(exit).toMatchObject({
      token: rec.bob,
      headers: expect.objectContaining({ 'x-wopi-editors': 'bob', 'x-lool-wopi-isautosave': 'false' }),
    });
  });

  test('Save As: UTF-7 X-WOPI-SuggestedTarget, no lock, no X-WOPI-Size; rename: UTF-7 X-WOPI-RequestedName with the lock, no body', () => {
    const [saveAs] = find(rec.requests, 'PUT_RELATIVE');
    expect(saveAs!.headers['x-wopi-suggestedtarget']).toMatch(/^[\x20-\x7e]+$/);
    expect(decodeUtf7(saveAs!.headers['x-wopi-suggestedtarget'] as string)).toBe('Résumé (copie simulée).docx');
    expect(saveAs!.headers['x-wopi-lock']).toBeUndefined();
    expect(saveAs!.headers['x-wopi-size']).toBeUndefined();
    const [rename] = find(rec.requests, 'RENAME_FILE');
    expect(decodeUtf7(rename!.headers['x-wopi-requestedname'] as string)).toBe('Résumé (renommé)');
    expect(rename!.headers['x-wopi-lock']).toBe(onlyofficeLockId(rec.wopiSrc));
    expect(rename!.body.length).toBe(0);
  });
});

describe('Collabora', () => {
  let rec: Awaited<ReturnType<typeof record>>;
  beforeAll(async () => {
    rec = await record('collabora');
  });

  test('opens with CheckFileInfo, GetFile, LOCK with cool-lock + 8 hex; a second user sends CheckFileInfo only; keeps alive with LOCK, never REFRESH_LOCK', () => {
    expect(ops(rec.requests).slice(0, 3)).toEqual(['CheckFileInfo', 'GetFile', 'LOCK']);
    const lockId = rec.requests[2]!.headers['x-wopi-lock'] as string;
    expect(lockId).toMatch(/^cool-lock[0-9a-f]{8}$/);
    expect(rec.requests[2]!.headers['content-length']).toBe('0');
    const bobs = rec.requests.filter((r) => r.token === rec.bob);
    expect(ops(bobs)).toEqual(['CheckFileInfo']);
    expect(find(rec.requests, 'REFRESH_LOCK')).toEqual([]);
    expect(find(rec.requests, 'LOCK').filter((r) => r.headers['x-wopi-lock'] === lockId).length).toBeGreaterThanOrEqual(2);
  });

  test('sends Authorization: Bearer, X-COOL-WOPI-ServerId and its User-Agent on every request', () => {
    const ids = new Set<string>();
    for (const r of rec.requests) {
      expect(r.headers.authorization).toBe(`Bearer ${r.token}`);
      expect(r.headers['user-agent']).toMatch(/^COOLWSD HTTP Agent /);
      ids.add(r.headers['x-cool-wopi-serverid'] as string);
    }
    expect([...ids]).toEqual([expect.stringMatching(/^[0-9a-f]{8}$/)]);
  });

  test('saves with X-COOL-WOPI-Is*, X-COOL-WOPI-Timestamp, octet-stream, no X-WOPI-Editors; Connection: close on the exit save', () => {
    const [autosave] = find(rec.requests, 'PUT');
    expect(autosave!.headers).toMatchObject({
      'x-cool-wopi-ismodifiedbyuser': 'true',
      'x-cool-wopi-isautosave': 'true',
      'x-cool-wopi-isexitsave': 'false',
      'content-type': 'application/octet-stream',
    });
    expect(autosave!.headers['x-cool-wopi-timestamp']).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(autosave!.headers['x-wopi-editors']).toBeUndefined();
    expect(Object.keys(autosave!.headers).filter((h) => h.startsWith('x-lool-'))).toEqual([]);
    const exit = find(rec.requests, 'PUT').find((r) => r.headers['x-cool-wopi-isexitsave'] === 'true');
    expect(exit!.headers.connection).toBe('close');
  });

  test('Save As with X-WOPI-Size and no lock; rename with the document as the body', () => {
    const [saveAs] = find(rec.requests, 'PUT_RELATIVE');
    expect(saveAs!.headers['x-wopi-size']).toBe(String(saveAs!.body.length));
    expect(saveAs!.headers['x-wopi-lock']).toBeUndefined();
    const [rename] = find(rec.requests, 'RENAME_FILE');
    expect(rename!.body.length).toBeGreaterThan(0);
    expect(rename!.body.toString()).toMatch(/^curriculum\n/);
    expect(rename!.headers['content-type']).toBe('application/octet-stream');
  });
});

describe('Microsoft 365 for the web', () => {
  let rec: Awaited<ReturnType<typeof record>>;
  beforeAll(async () => {
    rec = await record('microsoft', { proof: true });
  });

  test('locks with a JSON-looking ID, asks GetLock, relocks to a longer ID with the same S, and stores user info', () => {
    expect(ops(rec.requests).slice(0, 6)).toEqual(['CheckFileInfo', 'GetFile', 'LOCK', 'GET_LOCK', 'LOCK+OldLock', 'GET_LOCK']);
    const first = JSON.parse(rec.requests[2]!.headers['x-wopi-lock'] as string);
    const relock = rec.requests[4]!;
    expect(relock.headers['x-wopi-oldlock']).toBe(rec.requests[2]!.headers['x-wopi-lock']);
    expect(JSON.parse(relock.headers['x-wopi-lock'] as string)).toMatchObject({ S: first.S, F: 6, E: 2 });
    expect(find(rec.requests, 'PUT_USER_INFO').length).toBeGreaterThanOrEqual(1);
  });

  test('signs every request; the signatures verify against the public key', () => {
    for (const r of rec.requests) {
      expect(r.headers.authorization).toBe(`Bearer ${r.token}`);
      const verdict = verifyProof(
        {
          accessToken: r.token as string,
          url: r.url,
          headers: { timestamp: r.headers['x-wopi-timestamp'], proof: r.headers['x-wopi-proof'], proofOld: r.headers['x-wopi-proofold'] },
        },
        { current: rec.keys!.publicKey },
        Date.now(),
      );
      expect(verdict).toEqual({ ok: true, match: 'proof-current' });
    }
  });

  test('saves with X-WOPI-Editors and no editor-specific flags', () => {
    const saves = find(rec.requests, 'PUT');
    expect(saves[0]!.headers['x-wopi-editors']).toBe('ada');
    expect(saves.some((r) => r.headers['x-wopi-editors'] === 'ada,bob')).toBe(true);
    for (const r of saves) expect(Object.keys(r.headers).filter((h) => /^x-(lool|cool)-/.test(h))).toEqual([]);
  });
});

describe('proof keys', () => {
  test('the printed <proof-key> element is what WopiDiscovery reads, and its keys verify the signatures', async () => {
    const current = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const old = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const signer = new WopiProofSigner({ current: current.privateKey, old: old.privateKey });
    const element = signer.proofKeyElement();
    expect(element).toBe(proofKeyElement(current.publicKey, old.publicKey));
    const xml = `<wopi-discovery><net-zone name="external-http"><app name="Word"><action name="edit" ext="docx" urlsrc="https://office.example/we?"/></app></net-zone>${element}</wopi-discovery>`;
    const discovery = new WopiDiscovery({
      url: 'https://office.example/hosting/discovery',
      fetch: async () => new Response(xml, { status: 200 }),
    });
    const keys = await discovery.getProofKeys();
    const url = 'https://files.example/wopi/files/abc?access_token=T';
    const headers = signer.headers(url, 'T');
    const verdict = verifyProof(
      {
        accessToken: 'T',
        url,
        headers: { timestamp: headers['X-WOPI-TimeStamp'], proof: headers['X-WOPI-Proof'], proofOld: headers['X-WOPI-ProofOld'] },
      },
      keys!,
      Date.now(),
    );
    expect(verdict).toEqual({ ok: true, match: 'proof-current' });
  });

  test('the client refuses a WOPISrc with access_token and an empty token', () => {
    expect(() => new WopiClient({ wopiSrc: 'http://h/wopi/files/a?access_token=x', accessToken: 'x' })).toThrow(
      /must not carry access_token/,
    );
    expect(() => new WopiClient({ wopiSrc: 'http://h/wopi/files/a', accessToken: '' })).toThrow(/non-empty/);
    expect(() => new WopiClient({ wopiSrc: 'ftp://h/wopi/files/a', accessToken: 'x' })).toThrow(/http/);
  });
});
