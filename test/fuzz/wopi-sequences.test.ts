/**
 * Model-based fuzzing of the whole router: random sequences of WOPI requests (25–40 per run)
 * against createWopiRouter over a FileSystemStorage in a temporary folder, a MemoryLockStore and
 * JwtAuth. A small model predicts, for every request, the exact status and (for a 409) the
 * `X-WOPI-Lock` it must carry; after every step the model is compared with what the router
 * reports (GetLock, GetFile) and with the disk itself.
 *
 * Invariants checked after each step:
 * - the status is the one the model predicts, and never a 5xx for these client mistakes (501
 *   only for an X-WOPI-Override the router does not implement, as WOPI prescribes);
 * - every 409 carries `X-WOPI-Lock` (the current lock, '' when unlocked); no other 200 than
 *   GetLock carries it;
 * - no response header holds CR, LF or NUL, and no response echoes the access token;
 * - GetLock agrees with the model (lockTtlMs is a day, so nothing expires mid-run);
 * - every file's content equals the last successful PutFile (or the PutRelativeFile that
 *   overwrote it), read back through GetFile and straight from disk;
 * - the files in the root are exactly the model's, nothing is a symbolic link, no temporary file
 *   is left behind, and a canary folder next to the root is untouched.
 *
 * Bounded for CI: a fixed seed by default. EXPRESS_WOPI_FUZZ_SEED (an integer) varies it and
 * EXPRESS_WOPI_FUZZ_RUNS sets the number of runs; fast-check prints the seed and the shrunk
 * counterexample on failure.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import fc from 'fast-check';
import request from 'supertest';
import { createWopiRouter, FileSystemStorage, FileSystemUserInfoStore, JwtAuth, MemoryLockStore } from '../../src';
import { candidateNames, fileNameKey } from '../../src/protocol/file-name';
import { decodeUtf7 } from '../../src/protocol/utf7';
import { TEST_SECRET } from '../helpers/create-app';
import { binaryParser } from '../helpers/wopi-requests';
import { listen } from '../helpers/raw-http';

const SEED = Number.parseInt(process.env.EXPRESS_WOPI_FUZZ_SEED ?? '', 10);
const RUNS = Number.parseInt(process.env.EXPRESS_WOPI_FUZZ_RUNS ?? '', 10);
const DEFAULT_SEED = 20_240_611;
const DEFAULT_RUNS = 20;

// ---------------------------------------------------------------------------------------------
// Inputs.

type TokenKind = 'valid' | 'bearer' | 'readonly' | 'other' | 'garbage' | 'none';

/** A lock header choice: absent, the file's current lock (or `L1` when unlocked), or a pool value. */
type LockChoice = { kind: 'absent' } | { kind: 'current' } | { kind: 'pool'; value: string };

/** Lock IDs: plain, case variants, JSON-looking ones (compared exactly, never parsed), edge lengths. */
const LOCK_POOL = ['L1', 'l1', 'L2', '{"S":"1","F":4}', '{"S":"1", "F":4}', '', 'a'.repeat(1024), 'b'.repeat(1025), 'L\tTAB'] as const;

/** Whether a lock ID may be set (Lock, RefreshLock, …): non-empty, ≤ 1024 characters, no control character. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: a lock ID with a control character is invalid
const validLockId = (id: string): boolean => id.length > 0 && id.length <= 1024 && !/[\u0000-\u001f\u007f-\u009f]/.test(id);

interface NameCase {
  /** The header value as sent (UTF-7). */
  raw: string;
  /** What it decodes to; null when it is not valid UTF-7. */
  decoded: string | null;
  /** Whether the decoded name is a legal file name on its own. */
  legal: boolean;
}

/**
 * File names for PutRelativeFile and RenameFile, hostile ones included. CR/LF cannot travel in a
 * header, so control characters arrive UTF-7 encoded (`+AAo-` is LF).
 */
const NAMES: readonly NameCase[] = [
  { raw: 'copy.docx', decoded: 'copy.docx', legal: true },
  { raw: '.pdf', decoded: '.pdf', legal: true },
  { raw: 'doc.docx', decoded: 'doc.docx', legal: true },
  { raw: 'empty.docx', decoded: 'empty.docx', legal: true },
  { raw: 'renamed', decoded: 'renamed', legal: true },
  { raw: 'Doc.docx', decoded: 'Doc.docx', legal: true },
  { raw: 'COPY.DOCX', decoded: 'COPY.DOCX', legal: true },
  { raw: 'Cafe+AwE-.docx', decoded: 'Cafe\u0301.docx', legal: true },
  { raw: 'caf+AOk-.docx', decoded: 'caf\u00e9.docx', legal: true },
  { raw: '.EXPRESS-WOPI', decoded: '.EXPRESS-WOPI', legal: true },
  { raw: '+-plus.docx', decoded: '+plus.docx', legal: true },
  { raw: '+ZeVnLIqe-.docx', decoded: '\u65e5\u672c\u8a9e.docx', legal: true },
  { raw: 'y'.repeat(251), decoded: 'y'.repeat(251), legal: true },
  { raw: '.express-wopi', decoded: '.express-wopi', legal: true },
  { raw: '../x', decoded: '../x', legal: false },
  { raw: 'a/b', decoded: 'a/b', legal: false },
  { raw: 'CON.docx', decoded: 'CON.docx', legal: false },
  { raw: 'con', decoded: 'con', legal: false },
  { raw: '+AAo-evil.docx', decoded: '\nevil.docx', legal: false },
  { raw: 'evil+AA0-', decoded: 'evil\r', legal: false },
  { raw: 'nul+AAA-.docx', decoded: 'nul\0.docx', legal: false },
  { raw: '..', decoded: '..', legal: false },
  { raw: '+AC4ALg-', decoded: '..', legal: false },
  { raw: '+AC8-etc+AC8-passwd', decoded: '/etc/passwd', legal: false },
  { raw: '..+AC8-canary+AC8-canary.txt', decoded: '../canary/canary.txt', legal: false },
  { raw: '..+AFw-..+AFw-x', decoded: '..\\..\\x', legal: false },
  { raw: 'x'.repeat(300), decoded: 'x'.repeat(300), legal: false },
  { raw: 'trailing.', decoded: 'trailing.', legal: false },
  { raw: '+ACA-lead.docx', decoded: ' lead.docx', legal: false },
  { raw: 'a:b.docx', decoded: 'a:b.docx', legal: false },
  { raw: '', decoded: '', legal: false },
  { raw: '+', decoded: null, legal: false },
  { raw: '+AB-', decoded: null, legal: false },
];

type Action =
  | { op: 'CheckFileInfo'; file: number; token: TokenKind }
  | { op: 'GetFile'; file: number; token: TokenKind; maxExpected: 'absent' | 'huge' | 'zero' | 'bad' }
  | { op: 'PutFile'; file: number; token: TokenKind; body: Uint8Array; lock: LockChoice; override: 'PUT' | 'put' | 'absent' | 'LOCK' }
  | { op: 'Lock'; file: number; token: TokenKind; lock: LockChoice; lower: boolean }
  | { op: 'GetLock'; file: number; token: TokenKind; lower: boolean }
  | { op: 'RefreshLock'; file: number; token: TokenKind; lock: LockChoice }
  | { op: 'Unlock'; file: number; token: TokenKind; lock: LockChoice }
  | { op: 'UnlockAndRelock'; file: number; token: TokenKind; oldLock: LockChoice; newLock: LockChoice }
  | {
      op: 'PutRelativeFile';
      file: number;
      token: TokenKind;
      mode: 'suggested' | 'relative' | 'both' | 'neither';
      name: number;
      overwrite: 'absent' | 'true' | 'TRUE' | 'false' | 'yes';
      lock: LockChoice;
      body: Uint8Array;
    }
  | { op: 'RenameFile'; file: number; token: TokenKind; name: number | 'absent'; lock: LockChoice }
  | { op: 'DeleteFile'; file: number; token: TokenKind; lock: LockChoice }
  | { op: 'OtherOverride'; file: number; token: TokenKind; override: string };

const tokenArb: fc.Arbitrary<TokenKind> = fc.oneof(
  { arbitrary: fc.constant<TokenKind>('valid'), weight: 10 },
  { arbitrary: fc.constant<TokenKind>('bearer'), weight: 2 },
  { arbitrary: fc.constant<TokenKind>('readonly'), weight: 2 },
  { arbitrary: fc.constantFrom<TokenKind>('other', 'garbage', 'none'), weight: 2 },
);
const lockArb: fc.Arbitrary<LockChoice> = fc.oneof(
  { arbitrary: fc.constant<LockChoice>({ kind: 'current' }), weight: 5 },
  { arbitrary: fc.constantFrom(...LOCK_POOL).map((value): LockChoice => ({ kind: 'pool', value })), weight: 4 },
  { arbitrary: fc.constant<LockChoice>({ kind: 'absent' }), weight: 1 },
);
const presentLockArb: fc.Arbitrary<LockChoice> = fc.oneof(
  { arbitrary: fc.constant<LockChoice>({ kind: 'current' }), weight: 5 },
  { arbitrary: fc.constantFrom(...LOCK_POOL).map((value): LockChoice => ({ kind: 'pool', value })), weight: 4 },
);
const fileArb = fc.nat({ max: 7 });
const bodyArb = fc.uint8Array({ minLength: 0, maxLength: 48 });
const nameArb = fc.nat({ max: NAMES.length - 1 });

// The first entry is the cheapest, harmless request: fast-check shrinks towards it.
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('CheckFileInfo' as const), file: fileArb, token: tokenArb }), weight: 2 },
  {
    arbitrary: fc.record({
      op: fc.constant('GetFile' as const),
      file: fileArb,
      token: tokenArb,
      maxExpected: fc.constantFrom('absent' as const, 'huge' as const, 'zero' as const, 'bad' as const),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      op: fc.constant('PutFile' as const),
      file: fileArb,
      token: tokenArb,
      body: bodyArb,
      lock: lockArb,
      override: fc.oneof(
        { arbitrary: fc.constant('PUT' as const), weight: 8 },
        { arbitrary: fc.constantFrom('put' as const, 'absent' as const, 'LOCK' as const), weight: 1 },
      ),
    }),
    weight: 6,
  },
  {
    arbitrary: fc.record({ op: fc.constant('Lock' as const), file: fileArb, token: tokenArb, lock: lockArb, lower: fc.boolean() }),
    weight: 6,
  },
  { arbitrary: fc.record({ op: fc.constant('GetLock' as const), file: fileArb, token: tokenArb, lower: fc.boolean() }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('RefreshLock' as const), file: fileArb, token: tokenArb, lock: lockArb }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('Unlock' as const), file: fileArb, token: tokenArb, lock: lockArb }), weight: 4 },
  {
    arbitrary: fc.record({
      op: fc.constant('UnlockAndRelock' as const),
      file: fileArb,
      token: tokenArb,
      oldLock: presentLockArb,
      newLock: lockArb,
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      op: fc.constant('PutRelativeFile' as const),
      file: fileArb,
      token: tokenArb,
      mode: fc.oneof(
        { arbitrary: fc.constantFrom('suggested' as const, 'relative' as const), weight: 8 },
        { arbitrary: fc.constantFrom('both' as const, 'neither' as const), weight: 1 },
      ),
      name: nameArb,
      overwrite: fc.constantFrom('absent' as const, 'true' as const, 'TRUE' as const, 'false' as const, 'yes' as const),
      lock: lockArb,
      body: bodyArb,
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      op: fc.constant('RenameFile' as const),
      file: fileArb,
      token: tokenArb,
      name: fc.oneof({ arbitrary: nameArb, weight: 9 }, { arbitrary: fc.constant('absent' as const), weight: 1 }),
      lock: lockArb,
    }),
    weight: 3,
  },
  { arbitrary: fc.record({ op: fc.constant('DeleteFile' as const), file: fileArb, token: tokenArb, lock: lockArb }), weight: 1 },
  {
    arbitrary: fc.record({
      op: fc.constant('OtherOverride' as const),
      file: fileArb,
      token: tokenArb,
      override: fc.constantFrom('GET_SHARE_URL', 'ADD_ACTIVITIES', 'PUT', '', 'COBALT', 'LOCKX', 'absent', 'PUT_USER_INFO'),
    }),
    weight: 2,
  },
);

// ---------------------------------------------------------------------------------------------
// The world: the real system and the model of it.

interface ModelFile {
  id: string;
  name: string;
  content: Buffer;
  lock: string | null;
  exists: boolean;
}

interface World {
  base: string;
  root: string;
  canaryDir: string;
  canaryFile: string;
  canaryMtimeMs: number;
  server: Awaited<ReturnType<typeof listen>>;
  auth: JwtAuth;
  files: ModelFile[];
  tokens: Map<string, string>;
}

const CANARY = Buffer.from('canary: must never change');
const METADATA_DIR = '.express-wopi';

async function createWorld(): Promise<World> {
  const base = await mkdtemp(path.join(os.tmpdir(), 'express-wopi-fuzz-'));
  const root = path.join(base, 'root');
  const canaryDir = path.join(base, 'canary');
  await mkdir(root);
  await mkdir(canaryDir);
  const canaryFile = path.join(canaryDir, 'canary.txt');
  await writeFile(canaryFile, CANARY);
  const storage = new FileSystemStorage({ root, fsync: false });
  const files: ModelFile[] = [];
  for (const [name, content] of [
    ['doc.docx', Buffer.from('initial content')],
    ['empty.docx', Buffer.alloc(0)],
  ] as const) {
    await writeFile(path.join(root, name), content);
    files.push({ id: await storage.fileIdFor(name), name, content, lock: null, exists: true });
  }
  const auth = new JwtAuth({ secret: TEST_SECRET });
  const app = express();
  // User info where the CLI keeps it, in the storage's metadata folder (never among the served files).
  const userInfo = new FileSystemUserInfoStore({ dir: path.join(root, '.express-wopi', 'users') });
  app.use('/wopi', createWopiRouter({ storage, auth, locks: new MemoryLockStore(), userInfo, lockTtlMs: 24 * 60 * 60 * 1000 }));
  const server = await listen(app);
  return {
    base,
    root,
    canaryDir,
    canaryFile,
    canaryMtimeMs: (await stat(canaryFile)).mtimeMs,
    server,
    auth,
    files,
    tokens: new Map(),
  };
}

async function destroyWorld(w: World): Promise<void> {
  await w.server.close();
  await rm(w.base, { recursive: true, force: true });
}

async function tokenFor(w: World, fileId: string, write: boolean): Promise<string> {
  const key = `${fileId}:${write}`;
  let token = w.tokens.get(key);
  if (token === undefined) {
    token = (await w.auth.issueToken({ fileId, userId: write ? 'writer' : 'reader', permissions: { write } })).accessToken;
    w.tokens.set(key, token);
  }
  return token;
}

// ---------------------------------------------------------------------------------------------
// Sending requests.

interface Sent {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The access token the request carried, if any, to check it is never echoed. */
  token: string | undefined;
}

async function send(
  w: World,
  spec: {
    method: 'GET' | 'POST';
    route: 'file' | 'contents';
    file: ModelFile;
    token: TokenKind;
    headers?: Record<string, string | undefined>;
    body?: Uint8Array;
  },
): Promise<Sent> {
  const url = `/wopi/files/${encodeURIComponent(spec.file.id)}${spec.route === 'contents' ? '/contents' : ''}`;
  let token: string | undefined;
  let viaHeader = false;
  switch (spec.token) {
    case 'valid':
      token = await tokenFor(w, spec.file.id, true);
      break;
    case 'bearer':
      token = await tokenFor(w, spec.file.id, true);
      viaHeader = true;
      break;
    case 'readonly':
      token = await tokenFor(w, spec.file.id, false);
      break;
    case 'other': {
      const other = w.files.find((f) => f.id !== spec.file.id) as ModelFile;
      token = await tokenFor(w, other.id, true);
      break;
    }
    case 'garbage':
      token = 'eyJhbGciOiJIUzI1NiJ9.eyJmaWQiOiJ4In0.not-a-signature';
      break;
    case 'none':
      token = undefined;
      break;
  }
  let req = spec.method === 'GET' ? request(w.server.server).get(url) : request(w.server.server).post(url);
  if (token !== undefined) req = viaHeader ? req.set('Authorization', `Bearer ${token}`) : req.query({ access_token: token });
  for (const [name, value] of Object.entries(spec.headers ?? {})) if (value !== undefined) req = req.set(name, value);
  if (spec.body !== undefined) req = req.set('Content-Type', 'application/octet-stream').send(Buffer.from(spec.body));
  const res = await req.buffer(true).parse(binaryParser);
  return { status: res.status, headers: res.headers as Sent['headers'], body: res.body as Buffer, token };
}

// ---------------------------------------------------------------------------------------------
// The model's predictions.

interface Expected {
  status: number;
  /** For a 409: the `X-WOPI-Lock` it must carry. */
  lockHeader?: string;
  /** Applied to the model when the request had the expected status (so also only on success). */
  apply?: (res: Sent) => Promise<void> | void;
}

function lockValue(choice: LockChoice, file: ModelFile): string | undefined {
  if (choice.kind === 'absent') return undefined;
  if (choice.kind === 'current') return file.lock ?? 'L1';
  return choice.value;
}

/** 401 when the token does not authenticate for this file, or is read-only for an operation that writes. */
function authFailure(token: TokenKind, requiresWrite: boolean): number | undefined {
  if (token === 'other' || token === 'garbage' || token === 'none') return 401;
  if (token === 'readonly' && requiresWrite) return 401;
  return undefined;
}

const conflict = (file: ModelFile): Expected => ({ status: 409, lockHeader: file.lock ?? '' });

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot) : '';
}

function baseOf(name: string): string {
  const ext = extensionOf(name);
  return ext === '' ? name : name.slice(0, -ext.length);
}

/** The names taken by files other than `except`, as fileNameKey keys: a case variant of a taken name is taken. */
function takenNames(w: World, except?: ModelFile): Set<string> {
  const names = new Set(w.files.filter((f) => f.exists && f !== except).map((f) => fileNameKey(f.name)));
  names.add(fileNameKey(METADATA_DIR)); // a folder: never a free name
  return names;
}

/** The existing file that is `name`: its exact spelling first, else a case variant. */
function fileNamed(w: World, name: string): ModelFile | undefined {
  const existing = w.files.filter((f) => f.exists);
  return existing.find((f) => f.name === name) ?? existing.find((f) => fileNameKey(f.name) === fileNameKey(name));
}

/** The ID in a PutRelativeFile `Url` (…/wopi/files/<id>?access_token=…) and its token. */
function parseRelativeUrl(url: string): { id: string; token: string } {
  const parsed = new URL(url);
  const match = /\/wopi\/files\/([^/]+)$/.exec(parsed.pathname);
  if (!match) throw new Error(`PutRelativeFile Url has an unexpected shape: ${url}`);
  return { id: decodeURIComponent(match[1] as string), token: parsed.searchParams.get('access_token') ?? '' };
}

/** Sends one action and returns the response with the model's prediction. */
async function perform(w: World, action: Action): Promise<{ res: Sent; expected: Expected; file: ModelFile }> {
  const file = w.files[action.file % w.files.length] as ModelFile;
  const lower = (override: string, yes: boolean): string => (yes ? override.toLowerCase() : override);
  const gone = (): Expected | undefined => (file.exists ? undefined : { status: 404 });
  const auth = (requiresWrite: boolean): Expected | undefined => {
    const status = authFailure(action.token, requiresWrite);
    return status === undefined ? undefined : { status };
  };

  switch (action.op) {
    case 'CheckFileInfo': {
      const res = await send(w, { method: 'GET', route: 'file', file, token: action.token });
      const expected = auth(false) ??
        gone() ?? {
          status: 200,
          apply: (r: Sent) => {
            const info = JSON.parse(r.body.toString('utf8')) as Record<string, unknown>;
            expect(info.BaseFileName).toBe(file.name);
            expect(info.Size).toBe(file.content.length);
            expect(info.UserCanWrite).toBe(action.token !== 'readonly');
          },
        };
      return { res, expected, file };
    }

    case 'GetFile': {
      const maxExpected = { absent: undefined, huge: '1000000', zero: '0', bad: '-1' }[action.maxExpected];
      const res = await send(w, {
        method: 'GET',
        route: 'contents',
        file,
        token: action.token,
        headers: { 'X-WOPI-MaxExpectedSize': maxExpected },
      });
      let expected = auth(false) ?? (action.maxExpected === 'bad' ? { status: 400 } : undefined) ?? gone();
      if (expected === undefined) {
        expected =
          action.maxExpected === 'zero' && file.content.length > 0
            ? { status: 412 }
            : { status: 200, apply: (r: Sent) => expect(r.body.equals(file.content)).toBe(true) };
      }
      return { res, expected, file };
    }

    case 'PutFile': {
      const lock = lockValue(action.lock, file);
      const override = action.override === 'absent' ? undefined : action.override;
      const body = Buffer.from(action.body);
      const res = await send(w, {
        method: 'POST',
        route: 'contents',
        file,
        token: action.token,
        headers: { 'X-WOPI-Override': override, 'X-WOPI-Lock': lock },
        body,
      });
      const routed = override !== undefined && override.toUpperCase() === 'PUT';
      let expected = (routed ? undefined : { status: 501 }) ?? auth(true) ?? gone();
      if (expected === undefined) {
        const requestLock = lock === '' ? undefined : lock;
        if (requestLock !== undefined && !validLockId(requestLock)) expected = { status: 400 };
        else if (file.lock !== null ? requestLock !== file.lock : file.content.length !== 0) expected = conflict(file);
        else
          expected = {
            status: 200,
            apply: () => {
              file.content = body;
            },
          };
      }
      return { res, expected, file };
    }

    case 'Lock': {
      const lock = lockValue(action.lock, file);
      const res = await send(w, {
        method: 'POST',
        route: 'file',
        file,
        token: action.token,
        headers: { 'X-WOPI-Override': lower('LOCK', action.lower), 'X-WOPI-Lock': lock },
      });
      let expected = auth(true) ?? (lock === undefined || !validLockId(lock) ? { status: 400 } : undefined) ?? gone();
      if (expected === undefined) {
        expected =
          file.lock === null || file.lock === lock
            ? {
                status: 200,
                apply: () => {
                  file.lock = lock as string;
                },
              }
            : conflict(file);
      }
      return { res, expected, file };
    }

    case 'GetLock': {
      const res = await send(w, {
        method: 'POST',
        route: 'file',
        file,
        token: action.token,
        headers: { 'X-WOPI-Override': lower('GET_LOCK', action.lower) },
      });
      const expected = auth(false) ?? gone() ?? { status: 200, apply: (r: Sent) => expect(r.headers['x-wopi-lock']).toBe(file.lock ?? '') };
      return { res, expected, file };
    }

    case 'RefreshLock':
    case 'Unlock': {
      const lock = lockValue(action.lock, file);
      const override = action.op === 'RefreshLock' ? 'REFRESH_LOCK' : 'UNLOCK';
      const res = await send(w, {
        method: 'POST',
        route: 'file',
        file,
        token: action.token,
        headers: { 'X-WOPI-Override': override, 'X-WOPI-Lock': lock },
      });
      let expected = auth(true) ?? (lock === undefined || !validLockId(lock) ? { status: 400 } : undefined) ?? gone();
      if (expected === undefined) {
        expected =
          file.lock !== null && file.lock === lock
            ? {
                status: 200,
                apply: () => {
                  if (action.op === 'Unlock') file.lock = null;
                },
              }
            : conflict(file);
      }
      return { res, expected, file };
    }

    case 'UnlockAndRelock': {
      const oldLock = lockValue(action.oldLock, file) as string;
      const newLock = lockValue(action.newLock, file);
      const res = await send(w, {
        method: 'POST',
        route: 'file',
        file,
        token: action.token,
        headers: { 'X-WOPI-Override': 'LOCK', 'X-WOPI-OldLock': oldLock, 'X-WOPI-Lock': newLock },
      });
      let expected =
        auth(true) ?? (newLock === undefined || !validLockId(newLock) || !validLockId(oldLock) ? { status: 400 } : undefined) ?? gone();
      if (expected === undefined) {
        expected =
          file.lock !== null && file.lock === oldLock
            ? {
                status: 200,
                apply: () => {
                  file.lock = newLock as string;
                },
              }
            : conflict(file);
      }
      return { res, expected, file };
    }

    case 'PutRelativeFile':
      return putRelative(w, action, file);

    case 'RenameFile':
      return rename(w, action, file);

    case 'DeleteFile': {
      const lock = lockValue(action.lock, file);
      const res = await send(w, {
        method: 'POST',
        route: 'file',
        file,
        token: action.token,
        headers: { 'X-WOPI-Override': 'DELETE', 'X-WOPI-Lock': lock },
      });
      let expected = auth(true) ?? gone();
      if (expected === undefined) {
        expected =
          file.lock !== null
            ? conflict(file)
            : {
                status: 200,
                apply: () => {
                  file.exists = false;
                },
              };
      }
      return { res, expected, file };
    }

    case 'OtherOverride': {
      const override = action.override === 'absent' ? undefined : action.override;
      const res = await send(w, {
        method: 'POST',
        route: 'file',
        file,
        token: action.token,
        headers: { 'X-WOPI-Override': override },
        body: new Uint8Array(),
      });
      // Anything the dispatch table does not know is 501 before the token is even looked at;
      // PutUserInfo is supported (a FileSystemUserInfoStore) and takes any token that authenticates.
      const expected = override === 'PUT_USER_INFO' ? (auth(false) ?? gone() ?? { status: 200 }) : { status: 501 };
      return { res, expected, file };
    }
  }
}

async function putRelative(
  w: World,
  action: Extract<Action, { op: 'PutRelativeFile' }>,
  file: ModelFile,
): Promise<{ res: Sent; expected: Expected; file: ModelFile }> {
  const name = NAMES[action.name] as NameCase;
  const lock = lockValue(action.lock, file);
  const body = Buffer.from(action.body);
  const suggested = action.mode === 'suggested' || action.mode === 'both' ? name.raw : undefined;
  const relative = action.mode === 'relative' || action.mode === 'both' ? name.raw : undefined;
  const overwriteHeader = action.overwrite === 'absent' ? undefined : action.overwrite;
  const overwrite = overwriteHeader?.toLowerCase() === 'true';
  const res = await send(w, {
    method: 'POST',
    route: 'file',
    file,
    token: action.token,
    headers: {
      'X-WOPI-Override': 'PUT_RELATIVE',
      'X-WOPI-SuggestedTarget': suggested,
      'X-WOPI-RelativeTarget': relative,
      'X-WOPI-OverwriteRelativeTarget': overwriteHeader,
      'X-WOPI-Lock': lock,
    },
    body,
  });

  const before = takenNames(w);
  let expected: Expected | undefined = authFailure(action.token, false) === undefined ? undefined : { status: 401 };
  // A read-only user may not create files: 501 (CheckFileInfo says UserCanNotWriteRelative).
  if (expected === undefined && action.token === 'readonly') expected = { status: 501 };
  if (expected === undefined && action.mode !== 'neither' && name.decoded === null) expected = { status: 400 };
  if (expected === undefined && action.mode === 'both') expected = { status: 501 };
  if (expected === undefined && action.mode === 'neither') expected = { status: 400 };
  if (expected === undefined && !file.exists) expected = { status: 404 };
  const requestLock = lock === '' ? undefined : lock;
  if (expected === undefined && requestLock !== undefined && !validLockId(requestLock)) expected = { status: 400 };
  if (expected === undefined && requestLock !== undefined && file.lock !== null && file.lock !== requestLock) expected = conflict(file);
  if (expected !== undefined) return { res, expected, file };

  const decoded = name.decoded as string;
  if (action.mode === 'suggested') {
    // Suggested mode: the host picks a legal, free name; it never overwrites anything.
    expected = {
      status: 200,
      apply: async (r) => {
        const json = JSON.parse(r.body.toString('utf8')) as { Name: string; Url: string };
        expect(typeof json.Name).toBe('string');
        expect(before.has(fileNameKey(json.Name))).toBe(false);
        // biome-ignore lint/suspicious/noControlCharactersInRegex: a returned name must hold no control character
        expect(json.Name).not.toMatch(/[/\\\u0000-\u001f]/);
        expect(['', '.', '..']).not.toContain(json.Name);
        const { id, token } = parseRelativeUrl(json.Url);
        expect(w.files.some((f) => f.id === id)).toBe(false);
        // A token for the new file only: a different one from the request's.
        expect(token).not.toBe(r.token);
        await expect(w.auth.authenticate(token, id)).resolves.toMatchObject({ userId: 'writer' });
        w.files.push({ id, name: json.Name, content: body, lock: null, exists: true });
      },
    };
    return { res, expected, file };
  }

  // Relative (exact) mode.
  if (!name.legal) return { res, expected: { status: 400 }, file };
  const existing = fileNamed(w, decoded);
  if (fileNameKey(decoded) === fileNameKey(METADATA_DIR)) return { res, expected: { status: 409, lockHeader: '' }, file };
  if (existing !== undefined && (!overwrite || existing.lock !== null)) {
    return { res, expected: { status: 409, lockHeader: existing.lock ?? '' }, file };
  }
  expected = {
    status: 200,
    apply: async (r) => {
      const json = JSON.parse(r.body.toString('utf8')) as { Name: string; Url: string };
      // Overwriting a case variant replaces that file and keeps its stored name.
      expect(json.Name).toBe(existing?.name ?? decoded);
      const { id, token } = parseRelativeUrl(json.Url);
      await expect(w.auth.authenticate(token, id)).resolves.toMatchObject({ userId: 'writer' });
      if (existing !== undefined) {
        // Overwriting keeps the target's file ID.
        expect(id).toBe(existing.id);
        existing.content = body;
      } else {
        expect(w.files.some((f) => f.id === id)).toBe(false);
        w.files.push({ id, name: decoded, content: body, lock: null, exists: true });
      }
    },
  };
  return { res, expected, file };
}

async function rename(
  w: World,
  action: Extract<Action, { op: 'RenameFile' }>,
  file: ModelFile,
): Promise<{ res: Sent; expected: Expected; file: ModelFile }> {
  const name = action.name === 'absent' ? undefined : (NAMES[action.name] as NameCase);
  const lock = lockValue(action.lock, file);
  const res = await send(w, {
    method: 'POST',
    route: 'file',
    file,
    token: action.token,
    headers: { 'X-WOPI-Override': 'RENAME_FILE', 'X-WOPI-RequestedName': name?.raw, 'X-WOPI-Lock': lock },
  });
  // RenameFile needs write access (UserCanRename), checked by the operation: also 401.
  let expected: Expected | undefined = authFailure(action.token, true) === undefined ? undefined : { status: 401 };
  if (expected === undefined && (name === undefined || name.decoded === null)) expected = { status: 400 };
  if (expected === undefined && !file.exists) expected = { status: 404 };
  // An X-WOPI-Lock it is sent is validated like everywhere else (too long, control characters: 400).
  if (expected === undefined && lock !== undefined && lock !== '' && !validLockId(lock)) expected = { status: 400 };
  if (expected === undefined && file.lock !== null && lock !== file.lock) expected = conflict(file);
  if (expected !== undefined) return { res, expected, file };

  const requested = (name as NameCase).decoded as string;
  const extension = extensionOf(file.name);
  const wanted = requested + extension;
  if (!name?.legal || Buffer.byteLength(wanted) > 255) return { res, expected: { status: 400 }, file };
  const taken = takenNames(w, file);
  let newName = wanted;
  for (const candidate of candidateNames(wanted)) {
    if (candidate === file.name || !taken.has(fileNameKey(candidate))) {
      newName = candidate;
      break;
    }
  }
  expected = {
    status: 200,
    apply: (r) => {
      const json = JSON.parse(r.body.toString('utf8')) as { Name: string };
      expect(json.Name).toBe(baseOf(newName));
      file.name = newName;
    },
  };
  return { res, expected, file };
}

// ---------------------------------------------------------------------------------------------
// Invariants.

function checkResponse(res: Sent, expected: Expected, action: Action): void {
  // No 5xx for client mistakes; 501 is WOPI's answer to an unknown X-WOPI-Override and is
  // only accepted where the model predicts it.
  if (res.status >= 500) expect({ status: res.status, expected: expected.status }).toStrictEqual({ status: 501, expected: 501 });
  expect(res.status).toBe(expected.status);
  const hasLockHeader = Object.hasOwn(res.headers, 'x-wopi-lock');
  if (res.status === 409) {
    expect(hasLockHeader).toBe(true);
    expect(res.headers['x-wopi-lock']).toBe(expected.lockHeader);
  }
  if (res.status === 200 && !(action.op === 'GetLock')) expect(hasLockHeader).toBe(false);
  for (const [name, value] of Object.entries(res.headers)) {
    for (const v of Array.isArray(value) ? value : [value ?? '']) {
      expect(`${name}: ${v}`).not.toMatch(/[\r\n\0]/);
      if (res.token !== undefined) expect(v).not.toContain(res.token);
    }
  }
  // The body never echoes the token either. Exception: PutRelativeFile's `Url` carries a token
  // for the file it wrote, which is the request's own token (same claims, same second) when the
  // request overwrote its own file; the Url is checked by the model instead.
  if (res.token !== undefined && action.op !== 'GetFile' && !(action.op === 'PutRelativeFile' && res.status === 200)) {
    expect(res.body.toString('latin1')).not.toContain(res.token);
  }
}

/** GetLock and GetFile (valid token) agree with the model for `file`. */
async function checkThroughRouter(w: World, file: ModelFile): Promise<void> {
  const lockRes = await send(w, { method: 'POST', route: 'file', file, token: 'valid', headers: { 'X-WOPI-Override': 'GET_LOCK' } });
  const getRes = await send(w, { method: 'GET', route: 'contents', file, token: 'valid' });
  if (!file.exists) {
    expect(lockRes.status).toBe(404);
    expect(getRes.status).toBe(404);
    return;
  }
  expect(lockRes.status).toBe(200);
  expect(lockRes.headers['x-wopi-lock']).toBe(file.lock ?? '');
  expect(getRes.status).toBe(200);
  expect(getRes.body.equals(file.content)).toBe(true);
}

/**
 * The disk holds exactly the model's files and nothing escaped the root. Cheap enough for every
 * step; `deep` also walks the metadata folder (at the end of a run).
 */
async function checkDisk(w: World, deep = false): Promise<void> {
  expect((await readdir(w.base)).sort()).toStrictEqual(['canary', 'root']);
  expect(await readdir(w.canaryDir)).toStrictEqual(['canary.txt']);
  expect((await readFile(w.canaryFile)).equals(CANARY)).toBe(true);
  expect((await stat(w.canaryFile)).mtimeMs).toBe(w.canaryMtimeMs);

  const realRoot = await realpath(w.root);
  const visible: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const abs = path.join(dir, entry.name);
      expect({ abs, symlink: entry.isSymbolicLink() }).toStrictEqual({ abs, symlink: false });
      // No temporary file (a save's, or a metadata record's) outlives its request.
      expect(entry.name).not.toMatch(/\.(wopi-)?tmp$/);
      if (entry.isDirectory()) {
        // The only folder is the metadata folder (and its own sub-folders).
        if (depth === 0) expect(entry.name).toBe(METADATA_DIR);
        if (deep) await walk(abs, depth + 1);
      } else {
        const rel = path.relative(realRoot, await realpath(abs));
        expect(rel.startsWith('..') || path.isAbsolute(rel)).toBe(false);
        if (depth === 0) visible.push(entry.name);
      }
    }
  };
  await walk(w.root, 0);
  const modelled = w.files.filter((f) => f.exists);
  expect(visible.sort()).toStrictEqual(modelled.map((f) => f.name).sort());
  for (const f of modelled) expect((await readFile(path.join(w.root, f.name))).equals(f.content)).toBe(true);
}

function describeAction(action: Action): string {
  return JSON.stringify(action, (_key, value: unknown) =>
    value instanceof Uint8Array
      ? `<${value.length} bytes>`
      : typeof value === 'string' && value.length > 40
        ? `<${value.length} chars>`
        : value,
  );
}

// ---------------------------------------------------------------------------------------------

async function sha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

describe('random WOPI request sequences (FileSystemStorage + MemoryLockStore + JwtAuth)', () => {
  test('the model table of hostile names decodes as the model says', () => {
    for (const name of NAMES) {
      if (name.decoded === null) expect(() => decodeUtf7(name.raw)).toThrow();
      else expect(decodeUtf7(name.raw)).toBe(name.decoded);
    }
  });

  test('every step matches the model; locks, content and the folder stay consistent', async () => {
    const passwd = (await stat('/etc/passwd').catch(() => undefined)) ? await sha256('/etc/passwd') : undefined;
    let steps = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(actionArb, { minLength: 25, maxLength: 40 }), async (actions) => {
        const w = await createWorld();
        const trace: string[] = [];
        try {
          for (const action of actions) {
            const { res, expected, file } = await perform(w, action);
            trace.push(
              `${describeAction(action)} → ${res.status} (model: ${expected.status}${expected.lockHeader === undefined ? '' : `, lock ${JSON.stringify(expected.lockHeader).slice(0, 40)}`})`,
            );
            checkResponse(res, expected, action);
            if (res.status === expected.status) await expected.apply?.(res);
            await checkThroughRouter(w, file);
            await checkDisk(w);
            steps++;
          }
          // At the end, every file the run knows, not only the ones it touched last.
          for (const f of w.files) await checkThroughRouter(w, f);
          await checkDisk(w, true);
        } catch (err) {
          (err as Error).message = `${(err as Error).message}\n\nsteps so far:\n  ${trace.join('\n  ')}`;
          throw err;
        } finally {
          await destroyWorld(w);
        }
      }),
      {
        seed: Number.isSafeInteger(SEED) ? SEED : DEFAULT_SEED,
        numRuns: Number.isSafeInteger(RUNS) && RUNS > 0 ? RUNS : DEFAULT_RUNS,
        // A failure found late still gets reported (shrunk as far as time allowed) within the test timeout.
        interruptAfterTimeLimit: 30_000,
      },
    );
    expect(steps).toBeGreaterThanOrEqual(25);
    if (passwd !== undefined) expect(await sha256('/etc/passwd')).toBe(passwd);
  }, 90_000);
});
