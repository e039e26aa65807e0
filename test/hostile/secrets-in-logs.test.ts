/**
 * No secret leaks into logs or responses. A whole session (open, read, lock, save, a bad token, an
 * unknown file, a lock conflict, a storage fault, a lock-store fault, Save As and the file it
 * created) runs with every `express-wopi:*` debug namespace enabled and captured. Then no log
 * line, response body or response header may contain an access token, the JWT secret, an
 * `access_token=` query string or a `Bearer ` value. The one protocol exception is the `Url` of
 * the PutRelativeFile answer, which carries a token for the new file: it must be the only place,
 * and that token must be a new one.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { format } from 'node:util';
import createDebug from 'debug';
import express from 'express';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { createWopiRouter, FileSystemStorage, JwtAuth, MemoryLockStore, type WopiStorage } from '../../src';
import { binaryParser } from '../helpers/wopi-requests';
import { failingLockStore } from '../helpers/fake-adapters';

/** A secret of its own, so that finding it anywhere means it leaked. */
const SECRET = `s3cr3t-${randomBytes(24).toString('hex')}`;
const STORAGE_FAULT = 'disk controller on fire';
const LOCKS_FAULT = 'lock backend unreachable';

interface LogLine {
  namespace: string;
  text: string;
}

interface Captured {
  label: string;
  status: number;
  headers: Record<string, unknown>;
  body: string;
}

const lines: LogLine[] = [];
const responses: Captured[] = [];
/** Every token this test issued or forged, and the one the Save As answer carried. */
const tokens = new Set<string>();

let previousNamespaces = '';
let previousLog: typeof createDebug.log;

beforeAll(() => {
  previousLog = createDebug.log;
  previousNamespaces = createDebug.disable();
  createDebug.log = function capture(this: unknown, ...args: unknown[]): void {
    const namespace = (this as { namespace?: string } | undefined)?.namespace ?? '?';
    // Colours, if debug chose them, would only wrap the namespace: strip them.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: strips the ESC of terminal colour codes
    lines.push({ namespace, text: format(...args).replace(/\u001b\[[0-9;]*m/g, '') });
  };
  createDebug.enable('express-wopi:*');
});

afterAll(() => {
  createDebug.log = previousLog;
  createDebug.disable();
  if (previousNamespaces) createDebug.enable(previousNamespaces);
});

let base: string;
let app: express.Express;
let auth: JwtAuth;
let fileId: string;
let relativeUrl: string;
let relativeToken: string;

/** Sends a request and records its status, headers and body (as text, whatever its type). */
async function record(label: string, req: request.Test): Promise<Captured> {
  const res = await req.buffer(true).parse(binaryParser);
  const captured = {
    label,
    status: res.status,
    headers: res.headers as Record<string, unknown>,
    body: (res.body as Buffer).toString('latin1'),
  };
  responses.push(captured);
  return captured;
}

beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'express-wopi-logs-'));
  await writeFile(path.join(base, 'report.docx'), 'first version');
  await writeFile(path.join(base, 'other.docx'), 'other file');
  const storage = new FileSystemStorage({ root: base, fsync: false });
  fileId = await storage.fileIdFor('report.docx');
  const otherId = await storage.fileIdFor('other.docx');
  auth = new JwtAuth({ secret: SECRET });
  const issue = async (id: string, write = true, userId = 'alice'): Promise<string> => {
    const { accessToken } = await auth.issueToken({ fileId: id, userId, userFriendlyName: 'Alice', permissions: { write } });
    tokens.add(accessToken);
    return accessToken;
  };

  // A storage that fails on every call, and one more router mount whose lock store fails.
  const brokenStorage: WopiStorage = {
    getFileInfo: async () => {
      throw new Error(STORAGE_FAULT);
    },
    readFile: async () => {
      throw new Error(STORAGE_FAULT);
    },
    writeFile: async () => {
      throw new Error(STORAGE_FAULT);
    },
  };
  app = express();
  app.use('/wopi', createWopiRouter({ storage, auth, locks: new MemoryLockStore() }));
  app.use('/broken-storage', createWopiRouter({ storage: brokenStorage, auth, locks: new MemoryLockStore() }));
  app.use('/broken-locks', createWopiRouter({ storage, auth, locks: failingLockStore('async', LOCKS_FAULT) }));

  const t = await issue(fileId);
  const readOnly = await issue(fileId, false, 'bob');
  const forOther = await issue(otherId);
  const forUnknown = await issue('UnknownFileId0000000000');
  const [header, payload, signature] = t.split('.') as [string, string, string];
  const tampered = `${header}.${payload}.${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`;
  const expired = jwt.sign({ sub: 'alice', fid: fileId, perm: { w: true }, iat: 1_000_000, exp: 1_000_060 }, SECRET, {
    algorithm: 'HS256',
  });
  tokens.add(tampered);
  tokens.add(expired);

  const file = `/wopi/files/${fileId}`;
  const q = (token: string) => ({ access_token: token });
  const r = () => request(app);

  expect((await record('CheckFileInfo', r().get(file).query(q(t)))).status).toBe(200);
  expect((await record('CheckFileInfo with Bearer', r().get(file).set('Authorization', `Bearer ${t}`))).status).toBe(200);
  expect((await record('CheckFileInfo read-only', r().get(file).query(q(readOnly)))).status).toBe(200);
  expect((await record('GetFile', r().get(`${file}/contents`).query(q(t)))).status).toBe(200);
  expect((await record('Lock', r().post(file).query(q(t)).set({ 'X-WOPI-Override': 'LOCK', 'X-WOPI-Lock': 'LOCK-1' }))).status).toBe(200);
  const put = r()
    .post(`${file}/contents`)
    .query(q(t))
    .set({ 'X-WOPI-Override': 'PUT', 'X-WOPI-Lock': 'LOCK-1', 'Content-Type': 'application/octet-stream' });
  expect((await record('PutFile', put.send(Buffer.from('second version')))).status).toBe(200);
  expect((await record('GetLock', r().post(file).query(q(t)).set('X-WOPI-Override', 'GET_LOCK'))).status).toBe(200);

  // Client mistakes.
  expect((await record('tampered token', r().get(file).query(q(tampered)))).status).toBe(401);
  expect((await record('tampered token as Bearer', r().get(file).set('Authorization', `Bearer ${tampered}`))).status).toBe(401);
  expect((await record('expired token', r().get(file).query(q(expired)))).status).toBe(401);
  expect((await record('token for another file', r().get(file).query(q(forOther)))).status).toBe(401);
  expect(
    (await record('read-only token on Lock', r().post(file).query(q(readOnly)).set({ 'X-WOPI-Override': 'LOCK', 'X-WOPI-Lock': 'X' })))
      .status,
  ).toBe(401);
  expect((await record('unknown file', r().get('/wopi/files/UnknownFileId0000000000').query(q(forUnknown)))).status).toBe(404);
  const conflict = await record('lock conflict', r().post(file).query(q(t)).set({ 'X-WOPI-Override': 'LOCK', 'X-WOPI-Lock': 'LOCK-2' }));
  expect(conflict.status).toBe(409);
  expect(conflict.headers['x-wopi-lock']).toBe('LOCK-1');

  // Server faults.
  expect((await record('storage fault', r().get(`/broken-storage/files/${fileId}`).query(q(t)))).status).toBe(500);
  const lockFault = r().post(`/broken-locks/files/${fileId}`).query(q(t)).set({ 'X-WOPI-Override': 'GET_LOCK' });
  expect((await record('lock store fault', lockFault)).status).toBe(500);

  // Save As, then open what it created through the Url it answered.
  const saveAs = r().post(file).query(q(t)).set({
    'X-WOPI-Override': 'PUT_RELATIVE',
    'X-WOPI-SuggestedTarget': '.pdf',
    'X-WOPI-Lock': 'LOCK-1',
    'Content-Type': 'application/octet-stream',
  });
  const created = await record('PutRelativeFile', saveAs.send(Buffer.from('%PDF-1.7')));
  expect(created.status).toBe(200);
  relativeUrl = (JSON.parse(created.body) as { Url: string }).Url;
  const url = new URL(relativeUrl);
  relativeToken = url.searchParams.get('access_token') ?? '';
  expect((await record('CheckFileInfo of the new file', r().get(url.pathname).query(q(relativeToken)))).status).toBe(200);
  expect((await record('Unlock', r().post(file).query(q(t)).set({ 'X-WOPI-Override': 'UNLOCK', 'X-WOPI-Lock': 'LOCK-1' }))).status).toBe(
    200,
  );
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

/** Everything that must never hold a secret, labelled for the failure message. */
function haystacks(): Array<[string, string]> {
  const out: Array<[string, string]> = lines.map((l, i) => [`log line ${i} (${l.namespace})`, l.text]);
  for (const r of responses) {
    out.push([`${r.label}: headers`, JSON.stringify(r.headers)]);
    out.push([`${r.label}: body`, r.body]);
  }
  return out;
}

/** The haystacks that contain `needle`, by label. */
function whereFound(needle: string): string[] {
  return haystacks()
    .filter(([, text]) => text.includes(needle))
    .map(([label]) => label);
}

describe('a whole session with DEBUG=express-wopi:*', () => {
  test('the session was logged at all (the capture works)', () => {
    expect(lines.length).toBeGreaterThan(20);
    expect(lines.some((l) => l.namespace.startsWith('express-wopi:router:'))).toBe(true);
    expect(lines.some((l) => l.namespace === 'express-wopi:auth' && /invalid signature/.test(l.text))).toBe(true);
    expect(lines.some((l) => l.namespace === 'express-wopi:auth' && /expired/.test(l.text))).toBe(true);
  });

  test('the Save As Url carries a new token for the new file, and it authenticates for that file only', async () => {
    expect(relativeToken).not.toBe('');
    expect(tokens.has(relativeToken)).toBe(false);
    const newId = decodeURIComponent(new URL(relativeUrl).pathname.split('/').pop() as string);
    expect(newId).not.toBe(fileId);
    await expect(auth.authenticate(relativeToken, newId)).resolves.toMatchObject({ userId: 'alice' });
    await expect(auth.authenticate(relativeToken, fileId)).rejects.toMatchObject({ status: 401 });
    tokens.add(relativeToken);
  });

  test('no issued or forged token appears in any log line, response header or body, except the Save As Url', () => {
    expect(tokens.size).toBeGreaterThanOrEqual(7);
    for (const token of tokens) {
      const found = whereFound(token);
      if (token === relativeToken) expect(found).toStrictEqual(['PutRelativeFile: body']);
      else expect({ token: `${token.slice(0, 12)}…`, found }).toStrictEqual({ token: `${token.slice(0, 12)}…`, found: [] });
      // Nor its signature alone (a log that cut the token at a dot would still leak it).
      const signature = token.split('.')[2] as string;
      const sigFound = whereFound(signature);
      expect(sigFound).toStrictEqual(token === relativeToken ? ['PutRelativeFile: body'] : []);
    }
  });

  test('the JWT secret appears nowhere', () => {
    expect(whereFound(SECRET)).toStrictEqual([]);
    expect(whereFound(SECRET.slice(7, 31))).toStrictEqual([]);
  });

  test('no `access_token=` query string and no `Bearer ` value appears, except the Save As Url', () => {
    expect(whereFound('access_token=')).toStrictEqual(['PutRelativeFile: body']);
    expect(whereFound('access_token')).toStrictEqual(['PutRelativeFile: body']);
    expect(whereFound('Bearer ')).toStrictEqual([]);
    expect(whereFound('bearer ')).toStrictEqual([]);
  });

  test('5xx bodies are generic: neither fault message reaches the client', () => {
    for (const r of responses.filter((x) => x.status >= 500)) {
      expect(r.body).toBe('Internal Server Error');
    }
    expect(responses.filter((x) => x.status >= 500)).toHaveLength(2);
  });

  test('the faults were logged where they belong: express-wopi:server_error (and its trace)', () => {
    const serverError = lines.filter((l) => l.namespace === 'express-wopi:server_error');
    expect(serverError.some((l) => l.text.includes(STORAGE_FAULT) && l.text.includes(fileId))).toBe(true);
    expect(serverError.some((l) => l.text.includes(LOCKS_FAULT) && l.text.includes(fileId))).toBe(true);
    const trace = lines.filter((l) => l.namespace === 'express-wopi:server_error:trace');
    expect(trace.some((l) => l.text.includes(STORAGE_FAULT))).toBe(true);
    expect(trace.some((l) => l.text.includes(LOCKS_FAULT))).toBe(true);
    // …and nowhere else: client mistakes are not server errors.
    expect(serverError).toHaveLength(2);
    expect(
      lines.filter(
        (l) => !l.namespace.startsWith('express-wopi:server_error') && (l.text.includes(STORAGE_FAULT) || l.text.includes(LOCKS_FAULT)),
      ),
    ).toStrictEqual([]);
  });
});
