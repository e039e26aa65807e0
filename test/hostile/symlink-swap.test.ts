/**
 * A root jail that holds under races (docs/security.md): a local user who can write inside the
 * served folder keeps swapping a sub-folder with a symbolic link to a folder outside the root
 * while the storage reads and saves a file in it. Every read answers the inside content or 404,
 * every save lands inside or fails, nothing outside is read, created or changed, no temporary
 * file is left anywhere, and a race lost once is never served again from a cache.
 *
 * The swapper is a separate process (a tight synchronous loop, so the swaps really overlap the
 * storage's thread-pool calls); its pauses come from a fixed seed, and the test runs for a fixed
 * time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { FileSystemStorage } from '../../src';
import { useFsSandbox, writeContext } from '../helpers/fs-sandbox';

const SWAP_MS = 3000;
const INSIDE = 'INSIDE-CONTENT';
const OUTSIDE = 'OUTSIDE-SECRET';

const sandbox = useFsSandbox('express-wopi-swap-');

/** Everything under `dir` (links not followed): name → type and, for files, a hash. */
async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of await readdir(dir, { recursive: true })) {
    const abs = path.join(dir, name);
    const st = await lstat(abs);
    out[name] = st.isFile()
      ? createHash('sha256')
          .update(await readFile(abs))
          .digest('hex')
      : st.isDirectory()
        ? 'dir'
        : 'link';
  }
  return out;
}

/** Starts the swapper: `root/sub` is the real folder, then a link to `outside`, then the folder again… */
function startSwapper(root: string, outside: string, seed: number): ChildProcess {
  const script = `
    const fs = require('node:fs');
    const [root, outside, seedText] = process.argv.slice(1);
    let seed = Number(seedText);
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const sub = root + '/sub', parked = root + '/.parked';
    const spin = (n) => { for (let i = 0; i < n; i++); };
    let stop = false;
    process.on('SIGTERM', () => { stop = true; });
    const round = () => {
      for (let i = 0; i < 200 && !stop; i++) {
        fs.renameSync(sub, parked);
        fs.symlinkSync(outside, sub);
        spin(random() * 20000);
        fs.unlinkSync(sub);
        fs.renameSync(parked, sub);
        spin(random() * 20000);
      }
      if (stop) process.exit(0);
      setImmediate(round);
    };
    process.send('ready');
    round();
  `;
  return spawn(process.execPath, ['-e', script, root, outside, String(seed)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
}

async function stopSwapper(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 2000)))]);
  clearTimeout(timer);
  if (child.exitCode === null) child.kill('SIGKILL');
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

/** `root/sub/a.docx` (inside) and `outside/a.docx` (the canary), a storage, the file's ID and a hash of the outside tree. */
async function setup() {
  const { root, base } = sandbox;
  const outside = path.join(base, 'outside');
  await mkdir(path.join(root, 'sub'));
  await writeFile(path.join(root, 'sub', 'a.docx'), INSIDE);
  await mkdir(outside);
  await writeFile(path.join(outside, 'a.docx'), OUTSIDE);
  const outsideBefore = await tree(outside);
  const storage = new FileSystemStorage({ root, fsync: false });
  const fileId = await storage.fileIdFor('sub/a.docx');
  return { root, outside, outsideBefore, storage, fileId };
}

test(`${SWAP_MS / 1000} s of folder/link swaps during reads and saves: 0 reads and 0 writes outside, 0 temporary files left`, async () => {
  const { root, outside, outsideBefore, storage, fileId } = await setup();

  const insideValues = new Set([INSIDE]);

  const swapper = startSwapper(root, outside, 20261203);
  await new Promise((resolve) => swapper.once('message', resolve));
  const counts = { reads: 0, readsOutside: 0, readsInside: 0, infos: 0, saves: 0, savesOk: 0, notFound: 0 };
  const unexpected: string[] = [];
  const until = Date.now() + SWAP_MS;
  const notFound = (err: unknown): void => {
    if ((err as { status?: number }).status === 404) counts.notFound++;
    else unexpected.push(String((err as Error).message));
  };

  try {
    const reader = async (): Promise<void> => {
      while (Date.now() < until) {
        counts.reads++;
        try {
          const text = await readAll((await storage.readFile(fileId)).stream);
          if (text.startsWith('OUTSIDE')) counts.readsOutside++;
          else if (insideValues.has(text)) counts.readsInside++;
          else unexpected.push(`read ${JSON.stringify(text.slice(0, 40))}`);
        } catch (err) {
          notFound(err);
        }
        counts.infos++;
        await storage.getFileInfo(fileId).catch(notFound);
      }
    };
    const saver = async (): Promise<void> => {
      for (let n = 0; Date.now() < until; n++) {
        counts.saves++;
        const text = `SAVED-${n}`;
        insideValues.add(text);
        const body = new PassThrough();
        const saving = storage.writeFile(fileId, body, writeContext());
        body.end(text);
        await saving.then(() => counts.savesOk++, notFound);
      }
    };
    await Promise.all([reader(), reader(), saver()]);
  } finally {
    await stopSwapper(swapper);
  }

  // The swapper stops between rounds, with the real folder in place.
  expect((await lstat(path.join(root, 'sub'))).isDirectory()).toBe(true);
  expect(unexpected).toStrictEqual([]);
  expect(counts.readsOutside).toBe(0);
  expect(await tree(outside)).toStrictEqual(outsideBefore);
  const leftovers = Object.keys(await tree(root)).filter((n) => n.endsWith('.wopi-tmp'));
  expect(leftovers).toStrictEqual([]);
  // The race really happened: some requests met the link and were refused.
  expect(counts.notFound).toBeGreaterThan(0);
  expect(counts.readsInside).toBeGreaterThan(0);

  // No cache remembers a lost race: with the link put back for good, every request is 404.
  await rm(path.join(root, 'sub'), { recursive: true });
  await symlink(outside, path.join(root, 'sub'));
  for (let i = 0; i < 20; i++) {
    await expect(storage.readFile(fileId)).rejects.toMatchObject({ status: 404 });
    await expect(storage.getFileInfo(fileId)).rejects.toMatchObject({ status: 404 });
  }
  expect(await tree(outside)).toStrictEqual(outsideBefore);
  process.stdout.write(`symlink swap: ${JSON.stringify(counts)}\n`);
}, 30_000);

test('a save whose folder is swapped for a link to the outside before it commits lands nowhere outside', async () => {
  const { root, outside, outsideBefore, storage, fileId } = await setup();

  const body = new PassThrough();
  const saving = storage.writeFile(fileId, body, writeContext());
  body.write('NEW-');
  // The folder is opened (held by descriptor) once the temporary file exists.
  for (let i = 0; i < 200 && !(await readdir(path.join(root, 'sub'))).some((n) => n.endsWith('.wopi-tmp')); i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await rename(path.join(root, 'sub'), path.join(root, '.moved'));
  await symlink(outside, path.join(root, 'sub'));
  body.end('CONTENT');
  await saving.then(
    () => undefined,
    () => undefined,
  );
  expect(await tree(outside)).toStrictEqual(outsideBefore);
  // Whatever the outcome, nothing is left behind in the folder that was opened.
  expect((await readdir(path.join(root, '.moved'))).filter((n) => n.endsWith('.wopi-tmp'))).toStrictEqual([]);
});
