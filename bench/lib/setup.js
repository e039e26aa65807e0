// The benchmark's files, in a fresh folder under os.tmpdir(): what GetFile serves, what PutFile
// uploads, the files the lock benchmark locks, and their WOPI file IDs and access tokens.
'use strict';

const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const { mkdtemp, mkdir, rm, writeFile } = require('node:fs/promises');
const os = require('node:os');
const path = require('node:path');
const { pipeline } = require('node:stream/promises');
const { Readable } = require('node:stream');

const MiB = 1024 * 1024;

/**
 * Creates the folder and its files, using the library at `dist`. `dataSizes` are the sizes (bytes) of the data files GetFile
 * serves and PutFile uploads; `lockFiles` is how many files the lock benchmark needs (one per
 * connection).
 */
async function prepareFiles({ dist, dataSizes, lockFiles, sessionFiles = 0, secret }) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'express-wopi-bench-'));
  try {
    return await fillFolder(dir, { dist, dataSizes, lockFiles, sessionFiles, secret });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

async function fillFolder(dir, { dist, dataSizes, lockFiles, sessionFiles, secret }) {
  const root = path.join(dir, 'files');
  await mkdir(root);

  const files = { dir, root, data: new Map(), lock: [], session: [] };
  const withToken = tokenMaker(dist, root, secret);

  await writeFile(path.join(root, 'info.docx'), randomBytes(12 * 1024));
  files.info = await withToken('info.docx');

  for (const size of dataSizes) {
    const name = `data-${sizeLabel(size)}.bin`;
    await writeData(path.join(root, name), size);
    // PutFile targets: a one-byte file each, locked before the first upload.
    const putName = `put-wopi-${sizeLabel(size)}.bin`;
    await writeFile(path.join(root, putName), 'x');
    files.data.set(size, { ...(await withToken(name)), path: path.join(root, name), put: await withToken(putName) });
  }

  for (let i = 0; i < lockFiles; i++) {
    const name = `lock-${i}.docx`;
    await writeFile(path.join(root, name), randomBytes(4096));
    files.lock.push({ ...(await withToken(name)), lockId: `bench-lock-${i}` });
  }

  files.session = await sessionDocuments(root, sessionFiles, withToken);
  return files;
}

/** The size of the document an editor session opens and saves: 200 KB. */
const SESSION_BYTES = 200_000;

/** `count` documents of SESSION_BYTES in `root`, one per concurrent editor session, with their IDs and tokens. */
async function sessionDocuments(root, count, withToken) {
  const out = [];
  for (let i = 0; i < count; i++) {
    const name = `session-${i}.docx`;
    await writeFile(path.join(root, name), randomBytes(SESSION_BYTES));
    out.push({ ...(await withToken(name)), path: path.join(root, name), lockId: `bench-session-${i}` });
  }
  return out;
}

/** `withToken(name)`: the file's ID (FileSystemStorage on `root`) and a write token for it. */
function tokenMaker(dist, root, secret) {
  const { FileSystemStorage, JwtAuth } = require(dist);
  const storage = new FileSystemStorage({ root });
  const auth = new JwtAuth({ secret });
  return async (name) => {
    const fileId = await storage.fileIdFor(name);
    const { accessToken } = await auth.issueToken({
      fileId,
      userId: 'bench-user',
      userFriendlyName: 'Bench User',
      permissions: { write: true },
    });
    return { name, fileId, token: accessToken };
  };
}

/**
 * A folder for the scaling scenario, under the run's folder: the CheckFileInfo file, `sessions`
 * session documents, and empty files (`filler-<n>`) up to `total` files, added by
 * {@link growFolder}. The served files get their IDs first, the filler never does: what grows is
 * the folder, as when users' files accumulate.
 */
async function scalingFolder(files, { dist, secret, sessions }) {
  const root = path.join(files.dir, 'scaling');
  await mkdir(root);
  const withToken = tokenMaker(dist, root, secret);
  await writeFile(path.join(root, 'info.docx'), randomBytes(12 * 1024));
  return { root, info: await withToken('info.docx'), session: await sessionDocuments(root, sessions, withToken), count: 1 + sessions };
}

/** Adds empty files to the scaling folder until it holds `total` files. */
function growFolder(folder, total) {
  for (let n = folder.count; n < total; n++) fs.closeSync(fs.openSync(path.join(folder.root, `filler-${n}`), 'w'));
  folder.count = Math.max(folder.count, total);
  // On disk before the server starts, not written back while it is measured.
  const dir = fs.openSync(folder.root, 'r');
  fs.fsyncSync(dir);
  fs.closeSync(dir);
}

/** `size` bytes of incompressible data (one random MiB, repeated). */
async function writeData(file, size) {
  const block = randomBytes(MiB);
  let left = size;
  const chunks = (function* () {
    while (left > 0) {
      const n = Math.min(left, MiB);
      left -= n;
      yield n === MiB ? block : block.subarray(0, n);
    }
  })();
  // `flush`: written to disk before the run measures anything. Without it the kernel writes the
  // run's 3 GiB back while the first scenarios run, and they measure that.
  await pipeline(Readable.from(chunks), fs.createWriteStream(file, { flush: true }));
}

function removeFiles(files) {
  return rm(files.dir, { recursive: true, force: true });
}

function sizeLabel(bytes) {
  if (bytes >= 1024 * MiB && bytes % (1024 * MiB) === 0) return `${bytes / (1024 * MiB)}g`;
  if (bytes % MiB === 0) return `${bytes / MiB}m`;
  if (bytes % 1024 === 0) return `${bytes / 1024}k`;
  return `${bytes}b`;
}

/** `100 KiB`, `1 MiB`, `100 MiB`, `1 GiB`. */
function sizeName(bytes) {
  if (bytes >= 1024 * MiB && bytes % (1024 * MiB) === 0) return `${bytes / (1024 * MiB)} GiB`;
  if (bytes < MiB) return `${Math.round(bytes / 1024)} KiB`;
  return `${Math.round(bytes / MiB)} MiB`;
}

module.exports = { prepareFiles, removeFiles, scalingFolder, growFolder, sizeName, MiB, SESSION_BYTES };
