/**
 * Hostile file IDs over HTTP, against FileSystemStorage. Each ID gets a valid, writable token
 * minted for exactly that ID, so authentication passes and the storage is what has to refuse.
 * Every operation that touches a file must answer 404, leave a canary outside the root (in a
 * sibling folder) byte-for-byte and mtime-for-mtime untouched, and create, change or remove
 * nothing anywhere under the temporary folder, the metadata folder included.
 *
 * Requests are sent with node:http as raw paths: WHATWG URL clients (fetch) would normalise
 * `..` and `%2e%2e` away before the server ever saw them.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { createWopiRouter, FileSystemStorage, JwtAuth, MemoryLockStore } from '../../src';
import { TEST_SECRET } from '../helpers/create-app';

let base: string;
let root: string;
let outside: string;
let canary: string;
let insideCanary: string;
let storage: FileSystemStorage;
let locks: MemoryLockStore;
let auth: JwtAuth;
let server: http.Server;
let bigServer: http.Server;
let legitId: string;
/** IDs that exist in the metadata but whose path now leads outside the root through a symlink. */
const SWAPPED = 'a file swapped for a symlink to the outside canary';
const FOLDER_SWAPPED = 'a file whose folder became a symlink to the outside folder';
const NEVER_HAD_ID = 'the ID a symlink to the canary would be given';
const symlinkIds: Record<string, string> = {};

const CANARY = 'canary outside the root: must never change';
const INSIDE_CANARY = 'canary inside the outside folder';

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One request with `rawPath` sent exactly as given (no normalisation, no re-encoding). */
function raw(
  target: http.Server,
  method: string,
  rawPath: string,
  headers: Record<string, string> = {},
  body?: Buffer,
): Promise<RawResponse> {
  const { port } = target.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: rawPath,
        headers: { ...headers, ...(body ? { 'Content-Length': String(body.length) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Everything under `dir` (symlinks not followed): type, size, mtime and, for files, a hash. */
async function snapshot(dir: string, rel = ''): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(path.join(dir, rel))).sort()) {
    const relPath = rel === '' ? name : `${rel}/${name}`;
    const abs = path.join(dir, relPath);
    const st = await lstat(abs);
    if (st.isDirectory()) {
      out[relPath] = `dir ${st.mtimeMs}`;
      Object.assign(out, await snapshot(dir, relPath));
    } else if (st.isSymbolicLink()) {
      out[relPath] = `link ${st.mtimeMs}`;
    } else {
      out[relPath] = `file ${st.size} ${st.mtimeMs} ${createHash('sha256')
        .update(await readFile(abs))
        .digest('hex')}`;
    }
  }
  return out;
}

async function token(fileId: string): Promise<string> {
  return (await auth.issueToken({ fileId, userId: 'mallory', permissions: { write: true, create: true, rename: true } })).accessToken;
}

beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'express-wopi-ids-'));
  root = path.join(base, 'root');
  outside = path.join(base, 'outside');
  await mkdir(root);
  await mkdir(outside);
  canary = path.join(outside, 'canary.txt');
  insideCanary = path.join(outside, 'inner.docx');
  await writeFile(canary, CANARY);
  await writeFile(insideCanary, INSIDE_CANARY);
  await writeFile(path.join(root, 'legit.docx'), 'legit');
  storage = new FileSystemStorage({ root, fsync: false });
  legitId = await storage.fileIdFor('legit.docx');

  // (a) a file that had an ID, then was replaced by a symlink to the canary;
  await writeFile(path.join(root, 'swapped.docx'), 'was inside');
  symlinkIds[SWAPPED] = await storage.fileIdFor('swapped.docx');
  await rm(path.join(root, 'swapped.docx'));
  await symlink(canary, path.join(root, 'swapped.docx'));
  // (b) a file in a folder that had an ID, then the folder became a symlink to the outside folder;
  await mkdir(path.join(root, 'sub'));
  await writeFile(path.join(root, 'sub', 'inner.docx'), 'was inside');
  symlinkIds[FOLDER_SWAPPED] = await storage.fileIdFor('sub/inner.docx');
  await rm(path.join(root, 'sub'), { recursive: true });
  await symlink(outside, path.join(root, 'sub'));
  // (c) a symlink to the canary that never had an ID: the ID it would get, derived as the storage does.
  await symlink(canary, path.join(root, 'link-out.docx'));
  symlinkIds[NEVER_HAD_ID] = createHash('sha256').update('id:link-out.docx#0').digest('base64url').slice(0, 22);

  locks = new MemoryLockStore();
  auth = new JwtAuth({ secret: TEST_SECRET });
  const app = express();
  app.use('/wopi', createWopiRouter({ storage, auth, locks }));
  server = http.createServer(app);
  // Node refuses request heads above 16 KiB with 431 before Express runs; this one lets a
  // 10 000-character ID and its token through, so the router itself answers.
  bigServer = http.createServer({ maxHeaderSize: 256 * 1024 }, app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => bigServer.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  for (const s of [server, bigServer]) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
  await rm(base, { recursive: true, force: true });
});

const LONG_ID = 'A'.repeat(10_000);

/** [label, the ID as it appears in the URL path, the ID Express decodes it to]. */
const HOSTILE_IDS: Array<[string, string, string]> = [
  ['..', '..', '..'],
  ['.', '.', '.'],
  ['%2e%2e', '%2e%2e', '..'],
  ['%2e%2e%2f', '%2e%2e%2f', '../'],
  ['%2e%2e%2fetc%2fpasswd', '%2e%2e%2fetc%2fpasswd', '../etc/passwd'],
  ['/etc/passwd encoded', '%2fetc%2fpasswd', '/etc/passwd'],
  ['../outside/canary.txt encoded', '%2e%2e%2foutside%2fcanary.txt', '../outside/canary.txt'],
  ["the canary's absolute path encoded", '__CANARY_ABS__', '__CANARY__'],
  ['NUL', '%00', '\0'],
  ['a real ID followed by NUL', '__LEGIT__%00', '__LEGIT__\0'],
  ['a real ID followed by NUL and ../', '__LEGIT__%00%2f..%2f..', '__LEGIT__\0/../..'],
  ['backslashes', '..%5c..%5coutside%5ccanary.txt', '..\\..\\outside\\canary.txt'],
  ['unicode', '%E3%83%95%E3%82%A1%E3%82%A4%E3%83%AB', '\u30d5\u30a1\u30a4\u30eb'],
  ['full-width dots and slash', '%EF%BC%8E%EF%BC%8E%EF%BC%8F', '\uff0e\uff0e\uff0f'],
  ['right-to-left override', '%E2%80%AEcod.exe', '\u202ecod.exe'],
  ['double-encoded ../', '%252e%252e%252f', '%2e%2e%2f'],
  ['the metadata folder', '.express-wopi', '.express-wopi'],
  ['a metadata sub-folder name', 'ids', 'ids'],
  ['a real ID with a trailing space', '__LEGIT__%20', '__LEGIT__ '],
  ['a real ID in another case', '__LEGIT_UPPER__', '__LEGIT_UPPER__'],
  ['129 URL-safe characters', 'B'.repeat(129), 'B'.repeat(129)],
];

function resolveId(template: string): string {
  return template
    .replaceAll('__LEGIT_UPPER__', legitId.toUpperCase() === legitId ? legitId.toLowerCase() : legitId.toUpperCase())
    .replaceAll('__LEGIT__', legitId)
    .replaceAll('__CANARY_ABS__', encodeURIComponent(canary))
    .replaceAll('__CANARY__', canary);
}

/** Every file operation, as [name, method, route suffix, headers, body]. */
const OPERATIONS: Array<[string, string, string, Record<string, string>, Buffer | undefined]> = [
  ['CheckFileInfo', 'GET', '', {}, undefined],
  ['GetFile', 'GET', '/contents', {}, undefined],
  ['PutFile', 'POST', '/contents', { 'X-WOPI-Override': 'PUT', 'Content-Type': 'application/octet-stream' }, Buffer.from('pwned')],
  ['Lock', 'POST', '', { 'X-WOPI-Override': 'LOCK', 'X-WOPI-Lock': 'L' }, undefined],
  ['GetLock', 'POST', '', { 'X-WOPI-Override': 'GET_LOCK' }, undefined],
  [
    'PutRelativeFile (suggested)',
    'POST',
    '',
    { 'X-WOPI-Override': 'PUT_RELATIVE', 'X-WOPI-SuggestedTarget': 'pwned.docx' },
    Buffer.from('pwned'),
  ],
  [
    'PutRelativeFile (relative, overwrite)',
    'POST',
    '',
    { 'X-WOPI-Override': 'PUT_RELATIVE', 'X-WOPI-RelativeTarget': 'canary.txt', 'X-WOPI-OverwriteRelativeTarget': 'true' },
    Buffer.from('pwned'),
  ],
  ['RenameFile', 'POST', '', { 'X-WOPI-Override': 'RENAME_FILE', 'X-WOPI-RequestedName': 'pwned' }, undefined],
  ['DeleteFile', 'POST', '', { 'X-WOPI-Override': 'DELETE' }, undefined],
];

/** Sends every operation for one ID; returns `operation → status`. */
async function attack(target: http.Server, urlId: string, decodedId: string): Promise<Record<string, number>> {
  const t = await token(decodedId);
  const statuses: Record<string, number> = {};
  for (const [name, method, suffix, headers, body] of OPERATIONS) {
    const res = await raw(target, method, `/wopi/files/${urlId}${suffix}?access_token=${encodeURIComponent(t)}`, headers, body);
    statuses[name] = res.status;
    expect(res.body.toString('latin1')).not.toContain(t);
  }
  return statuses;
}

const ALL_404 = Object.fromEntries(OPERATIONS.map(([name]) => [name, 404]));

async function expectNothingTouched(before: Record<string, string>): Promise<void> {
  expect(await readFile(canary, 'utf8')).toBe(CANARY);
  expect(await readFile(insideCanary, 'utf8')).toBe(INSIDE_CANARY);
  expect(await snapshot(base)).toStrictEqual(before);
  expect(locks.size).toBe(0);
}

describe('hostile file IDs with a token minted for exactly that ID', () => {
  test.each(HOSTILE_IDS)('%s → 404 for every operation; nothing touched', async (_label, urlTemplate, decodedTemplate) => {
    const before = await snapshot(base);
    expect(await attack(server, resolveId(urlTemplate), resolveId(decodedTemplate))).toStrictEqual(ALL_404);
    await expectNothingTouched(before);
  });

  test.each([SWAPPED, FOLDER_SWAPPED, NEVER_HAD_ID])('%s → 404 for every operation; canary intact', async (label) => {
    const id = symlinkIds[label] as string;
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const before = await snapshot(base);
    expect(await attack(server, id, id)).toStrictEqual(ALL_404);
    await expectNothingTouched(before);
  });

  test('the storage never assigns an ID to the symlink that leads outside', async () => {
    await expect(storage.fileIdFor('link-out.docx')).rejects.toMatchObject({ status: 404 });
  });

  test('a 10 000-character ID: Node answers 431 before Express (the request head is over 16 KiB)', async () => {
    const before = await snapshot(base);
    const t = await token(LONG_ID);
    const res = await raw(server, 'GET', `/wopi/files/${LONG_ID}/contents?access_token=${t}`);
    expect(res.status).toBe(431);
    await expectNothingTouched(before);
  });

  test('a 10 000-character ID with a larger header limit reaches the router: 404 for every operation', async () => {
    const before = await snapshot(base);
    expect(await attack(bigServer, LONG_ID, LONG_ID)).toStrictEqual(ALL_404);
    await expectNothingTouched(before);
  });

  test('the legitimate ID still works (the 404s are not an artefact of the set-up)', async () => {
    const t = await token(legitId);
    const res = await raw(server, 'GET', `/wopi/files/${legitId}/contents?access_token=${t}`);
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('legit');
  });
});

describe('IDs refused before the router runs (earlier checks win)', () => {
  test('malformed percent-encoding (%zz): 400 from Express while decoding the parameter; nothing touched', async () => {
    const before = await snapshot(base);
    const t = await token(legitId);
    for (const [, method, suffix, headers, body] of OPERATIONS) {
      const res = await raw(server, method, `/wopi/files/%zz${suffix}?access_token=${t}`, headers, body);
      expect(res.status).toBe(400);
    }
    await expectNothingTouched(before);
  });

  test('an empty ID (/wopi/files/): no route matches, Express answers 404; nothing touched', async () => {
    const before = await snapshot(base);
    const t = await token(legitId);
    for (const [, method, suffix, headers, body] of OPERATIONS) {
      const res = await raw(server, method, `/wopi/files/${suffix}?access_token=${t}`, headers, body);
      expect(res.status).toBe(404);
    }
    await expectNothingTouched(before);
  });

  test('a hostile ID with a token for the legitimate file: 401 (the token is bound to its file ID)', async () => {
    const t = await token(legitId);
    for (const urlId of ['..', '%2e%2e%2fetc%2fpasswd', `${legitId}%00`]) {
      const res = await raw(server, 'GET', `/wopi/files/${urlId}/contents?access_token=${t}`);
      expect(res.status).toBe(401);
    }
  });
});
