/**
 * "Overlapping requests never lose a save": each scenario holds an upload open halfway, waits
 * until the server is really reading its body into storage, does the overlapping operations,
 * then sends the rest. Shared by the one-process tests (MemoryStorage, FileSystemStorage) and the
 * two-process tests (two `serve --redis` processes on one folder): the held upload goes to
 * `holderBase`, the overlapping operations to `otherBase`.
 *
 * Setup steps that answer the wrong status throw a "setup step … answered …" error (the test
 * could not create the overlap it wants); the behaviour under test is one `expect(...).toEqual`
 * per scenario over everything observed, so a failure shows the whole outcome at once.
 */
import path from 'node:path';
import { FileSystemStorage } from '../../src';
import {
  filesOnDisk,
  holdUpload,
  httpRequest,
  temporaryFiles,
  waitUntil,
  whileHeld,
  type HeldUpload,
  type HttpResult,
} from '../helpers/held-upload';

export interface ConcurrencyEnv {
  /** WOPI base URL (`http://host:port/wopi`) the held upload goes to. */
  holderBase: string;
  /** WOPI base URL the overlapping operations go to. */
  otherBase: string;
  /** Every base URL; the final state is read through each. */
  bases: string[];
  /** Stores a file in this test's folder; returns its ID. */
  addFile(name: string, content: Buffer | string): Promise<string>;
  /** A writable token for `fileId`. */
  token(fileId: string, userId?: string): Promise<string>;
  /** Resolves once the server has read the held upload's first part into storage. */
  bodyStarted(upload: HeldUpload): Promise<void>;
  /** What a fresh view of the storage lists in this test's folder, sorted by name. */
  listFiles(): Promise<Array<{ name: string; fileId: string }>>;
  /** FileSystemStorage only: this test's folder, the root and the metadata folder. */
  disk?: { dir: string; root: string; metadataDir: string };
}

const BODY_BYTES = 192 * 1024;

/** A body of BODY_BYTES bytes, all `tag`: easy to tell apart from the others. */
function body(tag: string): Buffer {
  return Buffer.alloc(BODY_BYTES, tag);
}

/** Names a content by which known body it is, for readable diffs. */
function label(content: Buffer, known: Record<string, Buffer>): string {
  for (const [name, bytes] of Object.entries(known)) if (content.equals(bytes)) return name;
  return `${content.length} other bytes: ${JSON.stringify(content.subarray(0, 24).toString('latin1'))}…`;
}

const fileUrl = (base: string, fileId: string, token: string, contents = false): string =>
  `${base}/files/${encodeURIComponent(fileId)}${contents ? '/contents' : ''}?access_token=${encodeURIComponent(token)}`;

const post = (
  base: string,
  fileId: string,
  token: string,
  headers: Record<string, string>,
  contents = false,
  data?: Buffer,
): Promise<HttpResult> =>
  httpRequest(fileUrl(base, fileId, token, contents), {
    method: 'POST',
    headers: data === undefined ? headers : { 'Content-Type': 'application/octet-stream', ...headers },
    ...(data === undefined ? {} : { body: data }),
  });

const lock = (base: string, id: string, t: string, lockId: string) =>
  post(base, id, t, { 'X-WOPI-Override': 'LOCK', 'X-WOPI-Lock': lockId });
const unlock = (base: string, id: string, t: string, lockId: string) =>
  post(base, id, t, { 'X-WOPI-Override': 'UNLOCK', 'X-WOPI-Lock': lockId });
const getLock = (base: string, id: string, t: string) => post(base, id, t, { 'X-WOPI-Override': 'GET_LOCK' });
const putFile = (base: string, id: string, t: string, data: Buffer, headers: Record<string, string>) =>
  post(base, id, t, { 'X-WOPI-Override': 'PUT', ...headers }, true, data);
const renameFile = (base: string, id: string, t: string, name: string, lockId: string) =>
  post(base, id, t, { 'X-WOPI-Override': 'RENAME_FILE', 'X-WOPI-RequestedName': name, 'X-WOPI-Lock': lockId });
const deleteFile = (base: string, id: string, t: string) => post(base, id, t, { 'X-WOPI-Override': 'DELETE' });
const checkFileInfo = (base: string, id: string, t: string) => httpRequest(fileUrl(base, id, t));
const getFile = (base: string, id: string, t: string) => httpRequest(fileUrl(base, id, t, true));

/** Throws (a harness failure, not the behaviour under test) when a setup step answers otherwise. */
function must(res: HttpResult, status: number, step: string): HttpResult {
  if (res.status !== status) {
    throw new Error(`setup step "${step}" answered ${res.status} (${res.body.toString('utf8').slice(0, 200)}), expected ${status}`);
  }
  return res;
}

function json(res: HttpResult): unknown {
  try {
    return JSON.parse(res.body.toString('utf8'));
  } catch {
    return res.body.toString('utf8');
  }
}

/** Holds an upload open and waits until the server reads its body; any early answer fails the setup. */
async function hold(env: ConcurrencyEnv, url: string, headers: Record<string, string>, data: Buffer): Promise<HeldUpload> {
  const upload = await holdUpload(url, { 'Content-Type': 'application/octet-stream', ...headers }, data);
  await whileHeld(upload, () => env.bodyStarted(upload));
  return upload;
}

/** GetFile through every base: the label of the content, or `GetFile <status>`. */
async function contentEverywhere(env: ConcurrencyEnv, fileId: string, token: string, known: Record<string, Buffer>): Promise<string[]> {
  const out: string[] = [];
  for (const base of env.bases) {
    const res = await getFile(base, fileId, token);
    out.push(res.status === 200 ? label(res.body, known) : `GetFile ${res.status}`);
  }
  return out;
}

/**
 * FileSystemStorage: the files in this test's folder (dot-files included) and the temporary
 * files anywhere under the root, once no temporary file is left or after a bounded wait.
 * MemoryStorage: undefined.
 */
async function diskState(env: ConcurrencyEnv): Promise<{ files: string[]; temporary: string[] } | undefined> {
  const disk = env.disk;
  if (disk === undefined) return undefined;
  // The answer has been sent; give a cleanup that runs just after it a moment to land.
  await waitUntil(async () => (await temporaryFiles(disk.root)).length === 0, 'temporary files to go', 2000).catch(() => undefined);
  return {
    files: await filesOnDisk(disk.dir, disk.metadataDir),
    temporary: (await temporaryFiles(disk.root)).map((t) => t.path),
  };
}

const noTemporary = (env: ConcurrencyEnv, files: string[]) => (env.disk === undefined ? undefined : { files, temporary: [] });

// ---------------------------------------------------------------------------------------------

/**
 * 1. A lock-less PutFile to a 0-byte file (allowed when it starts) is overtaken: another client
 * LOCKs the file with L and saves B under L. The lock-less save must then be refused (409, the
 * holder's lock), and the holder's bytes B stay.
 */
export async function lockLessSaveOvertakenByLockHolder(env: ConcurrencyEnv): Promise<void> {
  const fileId = await env.addFile('empty.docx', '');
  const first = await env.token(fileId, 'u1');
  const other = await env.token(fileId, 'u2');
  const A = body('A');
  const B = body('B');

  const upload = await hold(env, fileUrl(env.holderBase, fileId, first, true), { 'X-WOPI-Override': 'PUT' }, A);
  must(await lock(env.otherBase, fileId, other, 'L'), 200, 'LOCK L by the other client');
  must(await putFile(env.otherBase, fileId, other, B, { 'X-WOPI-Lock': 'L' }), 200, 'PutFile B under L by the other client');
  const res = await upload.release();

  expect({
    status: res.status,
    'X-WOPI-Lock': res.headers['x-wopi-lock'],
    content: await contentEverywhere(env, fileId, first, { A, B, empty: Buffer.alloc(0) }),
    lock: must(await getLock(env.otherBase, fileId, other), 200, 'GetLock').headers['x-wopi-lock'],
    listed: await env.listFiles(),
    disk: await diskState(env),
  }).toEqual({
    status: 409,
    'X-WOPI-Lock': 'L',
    content: env.bases.map(() => 'B'),
    lock: 'L',
    listed: [{ name: 'empty.docx', fileId }],
    disk: noTemporary(env, ['empty.docx']),
  });
}

/**
 * 2. PutRelativeFile with an exact X-WOPI-RelativeTarget and X-WOPI-OverwriteRelativeTarget:
 * true, onto a target that is unlocked when it starts; meanwhile the target is LOCKed (L2) and
 * saved (T). The Save As must be refused (409, `X-WOPI-Lock: L2`), the target keeps T, and no
 * other file appears.
 */
export async function saveAsOverTargetLockedMeanwhile(env: ConcurrencyEnv): Promise<void> {
  const sourceId = await env.addFile('source.docx', 'source content');
  const targetId = await env.addFile('target.docx', 'old target content');
  const sourceToken = await env.token(sourceId, 'u1');
  const targetToken = await env.token(targetId, 'u2');
  const S = body('S');
  const T = body('T');

  const upload = await hold(
    env,
    fileUrl(env.holderBase, sourceId, sourceToken),
    {
      'X-WOPI-Override': 'PUT_RELATIVE',
      'X-WOPI-RelativeTarget': 'target.docx',
      'X-WOPI-OverwriteRelativeTarget': 'true',
      'X-WOPI-Size': String(S.length),
    },
    S,
  );
  must(await lock(env.otherBase, targetId, targetToken, 'L2'), 200, 'LOCK L2 on target.docx');
  must(await putFile(env.otherBase, targetId, targetToken, T, { 'X-WOPI-Lock': 'L2' }), 200, 'PutFile T on target.docx under L2');
  const res = await upload.release();

  expect({
    status: res.status,
    'X-WOPI-Lock': res.headers['x-wopi-lock'],
    target: await contentEverywhere(env, targetId, targetToken, {
      'S (the Save As body)': S,
      T,
      'old target content': Buffer.from('old target content'),
    }),
    source: await contentEverywhere(env, sourceId, sourceToken, {
      'source content': Buffer.from('source content'),
      'S (the Save As body)': S,
    }),
    listed: await env.listFiles(),
    disk: await diskState(env),
  }).toEqual({
    status: 409,
    'X-WOPI-Lock': 'L2',
    target: env.bases.map(() => 'T'),
    source: env.bases.map(() => 'source content'),
    listed: [
      { name: 'source.docx', fileId: sourceId },
      { name: 'target.docx', fileId: targetId },
    ],
    disk: noTemporary(env, ['source.docx', 'target.docx']),
  });
}

/**
 * 3. PutFile under lock L while the lock holder renames the file (RenameFile under L). The save
 * succeeds and lands on the renamed file: same ID, new name, new bytes; nothing at the old path,
 * no temporary file, and a fresh storage on the same folder agrees.
 */
export async function saveDuringRename(env: ConcurrencyEnv): Promise<void> {
  const fileId = await env.addFile('doc.docx', 'original content');
  const t = await env.token(fileId, 'u1');
  const N = body('N');
  must(await lock(env.otherBase, fileId, t, 'L'), 200, 'LOCK L');

  const upload = await hold(env, fileUrl(env.holderBase, fileId, t, true), { 'X-WOPI-Override': 'PUT', 'X-WOPI-Lock': 'L' }, N);
  const rename = must(await renameFile(env.otherBase, fileId, t, 'renamed', 'L'), 200, 'RenameFile to "renamed" under L');
  expect(json(rename)).toEqual({
    Name: 'renamed',
    Url: expect.stringContaining(`/wopi/files/${encodeURIComponent(fileId)}?access_token=`),
  });
  const res = await upload.release();

  const names: string[] = [];
  for (const base of env.bases) {
    const info = await checkFileInfo(base, fileId, t);
    names.push(info.status === 200 ? String((json(info) as { BaseFileName?: unknown }).BaseFileName) : `CheckFileInfo ${info.status}`);
  }
  expect({
    status: res.status,
    BaseFileName: names,
    content: await contentEverywhere(env, fileId, t, { 'N (the new bytes)': N, 'original content': Buffer.from('original content') }),
    listed: await env.listFiles(),
    disk: await diskState(env),
  }).toEqual({
    status: 200,
    BaseFileName: env.bases.map(() => 'renamed.docx'),
    content: env.bases.map(() => 'N (the new bytes)'),
    listed: [{ name: 'renamed.docx', fileId }],
    disk: noTemporary(env, ['renamed.docx']),
  });
}

/**
 * 4. PutFile under lock L while the file is unlocked and deleted. The save must not bring it back:
 * it answers 404 (or 409), never 200; the ID answers 404 afterwards; nothing reappears on disk and
 * a fresh storage on the same folder lists no file.
 */
export async function saveDuringDelete(env: ConcurrencyEnv): Promise<void> {
  const fileId = await env.addFile('doc.docx', 'original content');
  const t = await env.token(fileId, 'u1');
  const N = body('N');
  must(await lock(env.otherBase, fileId, t, 'L'), 200, 'LOCK L');

  const upload = await hold(env, fileUrl(env.holderBase, fileId, t, true), { 'X-WOPI-Override': 'PUT', 'X-WOPI-Lock': 'L' }, N);
  must(await unlock(env.otherBase, fileId, t, 'L'), 200, 'UNLOCK L');
  must(await deleteFile(env.otherBase, fileId, t), 200, 'DeleteFile');
  const res = await upload.release();

  const after: string[] = [];
  for (const base of env.bases) {
    after.push(`CheckFileInfo ${(await checkFileInfo(base, fileId, t)).status}`, `GetFile ${(await getFile(base, fileId, t)).status}`);
  }
  expect({
    status: res.status === 404 || res.status === 409 ? '404 or 409' : res.status,
    afterwards: after,
    listed: await env.listFiles(),
    disk: await diskState(env),
  }).toEqual({
    status: '404 or 409',
    afterwards: env.bases.flatMap(() => ['CheckFileInfo 404', 'GetFile 404']),
    listed: [],
    disk: noTemporary(env, []),
  });
}

/**
 * 5a. PutFile under lock L while L is released and another client takes L3. The lock is checked
 * again when the save commits: 409 with `X-WOPI-Lock: L3`, and the old content stays.
 */
export async function saveWhileLockChangesHands(env: ConcurrencyEnv): Promise<void> {
  const ORIGINAL = Buffer.from('original content');
  const fileId = await env.addFile('doc.docx', ORIGINAL);
  const t = await env.token(fileId, 'u1');
  const other = await env.token(fileId, 'u2');
  const N = body('N');
  must(await lock(env.otherBase, fileId, t, 'L'), 200, 'LOCK L');

  const upload = await hold(env, fileUrl(env.holderBase, fileId, t, true), { 'X-WOPI-Override': 'PUT', 'X-WOPI-Lock': 'L' }, N);
  must(await unlock(env.otherBase, fileId, t, 'L'), 200, 'UNLOCK L');
  must(await lock(env.otherBase, fileId, other, 'L3'), 200, 'LOCK L3 by another client');
  const res = await upload.release();

  expect({
    status: res.status,
    'X-WOPI-Lock': res.headers['x-wopi-lock'],
    content: await contentEverywhere(env, fileId, t, { 'original content': ORIGINAL, 'N (the refused save)': N }),
    lock: must(await getLock(env.otherBase, fileId, other), 200, 'GetLock').headers['x-wopi-lock'],
    disk: await diskState(env),
  }).toEqual({
    status: 409,
    'X-WOPI-Lock': 'L3',
    content: env.bases.map(() => 'original content'),
    lock: 'L3',
    disk: noTemporary(env, ['doc.docx']),
  });
}

/**
 * 5b. Collabora: a PutFile whose `X-COOL-WOPI-Timestamp` matched LastModifiedTime when it started,
 * while a second save under the same lock lands. The timestamp is checked again when the save
 * commits: 409 `{"COOLStatusCode":1010}`, and the second save's bytes stay.
 */
export async function coolTimestampSaveOvertaken(env: ConcurrencyEnv): Promise<void> {
  const fileId = await env.addFile('doc.docx', 'original content');
  const t = await env.token(fileId, 'u1');
  const first = body('F');
  const second = body('G');
  must(await lock(env.otherBase, fileId, t, 'L'), 200, 'LOCK L');
  const info = must(await checkFileInfo(env.otherBase, fileId, t), 200, 'CheckFileInfo');
  const stamp = String((json(info) as { LastModifiedTime?: unknown }).LastModifiedTime);
  // The second save must get a LastModifiedTime of its own (millisecond resolution).
  await new Promise((resolve) => setTimeout(resolve, 20));

  const headers = { 'X-WOPI-Override': 'PUT', 'X-WOPI-Lock': 'L', 'X-COOL-WOPI-Timestamp': stamp };
  const upload = await hold(env, fileUrl(env.holderBase, fileId, t, true), headers, first);
  const saved = must(
    await putFile(env.otherBase, fileId, t, second, { 'X-WOPI-Lock': 'L', 'X-COOL-WOPI-Timestamp': stamp }),
    200,
    'second PutFile under L',
  );
  const newStamp = (json(saved) as { LastModifiedTime?: unknown }).LastModifiedTime;
  if (newStamp === stamp)
    throw new Error(`setup: the second save kept LastModifiedTime ${stamp}, so the timestamp cannot tell the saves apart`);
  const res = await upload.release();

  expect({
    status: res.status,
    body: json(res),
    content: await contentEverywhere(env, fileId, t, { 'F (the first, stale save)': first, 'G (the second save)': second }),
    disk: await diskState(env),
  }).toEqual({
    status: 409,
    body: { COOLStatusCode: 1010 },
    content: env.bases.map(() => 'G (the second save)'),
    disk: noTemporary(env, ['doc.docx']),
  });
}

/** The metadata folder FileSystemStorage uses by default for `root`. */
export function defaultMetadataDir(root: string): string {
  return path.join(root, '.express-wopi');
}

/** `list()` of a fresh FileSystemStorage on `root` (no state shared with any server), under `prefix`. */
export async function freshListing(root: string, prefix = ''): Promise<Array<{ name: string; fileId: string }>> {
  const entries = await new FileSystemStorage({ root }).list();
  return entries
    .filter((e) => e.path.startsWith(prefix))
    .map((e) => ({ name: e.path.slice(prefix.length), fileId: e.fileId }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
