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
async function prepareFiles({ dist, dataSizes, lockFiles, secret }) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'express-wopi-bench-'));
  try {
    return await fillFolder(dir, { dist, dataSizes, lockFiles, secret });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

async function fillFolder(dir, { dist, dataSizes, lockFiles, secret }) {
  const root = path.join(dir, 'files');
  await mkdir(root);

  const files = { dir, root, data: new Map(), lock: [] };
  const { FileSystemStorage, JwtAuth } = require(dist);
  const storage = new FileSystemStorage({ root });
  const auth = new JwtAuth({ secret });
  const withToken = async (name) => {
    const fileId = await storage.fileIdFor(name);
    const { accessToken } = await auth.issueToken({
      fileId,
      userId: 'bench-user',
      userFriendlyName: 'Bench User',
      permissions: { write: true },
    });
    return { name, fileId, token: accessToken };
  };

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
  return files;
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
  await pipeline(Readable.from(chunks), fs.createWriteStream(file));
}

function removeFiles(files) {
  return rm(files.dir, { recursive: true, force: true });
}

function sizeLabel(bytes) {
  if (bytes >= 1024 * MiB && bytes % (1024 * MiB) === 0) return `${bytes / (1024 * MiB)}g`;
  if (bytes % MiB === 0) return `${bytes / MiB}m`;
  return `${bytes}b`;
}

/** `1 MiB`, `100 MiB`, `1 GiB`. */
function sizeName(bytes) {
  if (bytes >= 1024 * MiB && bytes % (1024 * MiB) === 0) return `${bytes / (1024 * MiB)} GiB`;
  return `${Math.round(bytes / MiB)} MiB`;
}

module.exports = { prepareFiles, removeFiles, sizeName, MiB };
