/**
 * Overlapping requests never lose a save, across processes: two `express-wopi serve --redis`
 * processes (the built CLI, dist/cli/main.js) on one folder, sharing locks through Redis under a
 * prefix of their own. The held upload goes to process A, the overlapping operations to process
 * B; the final state is read through both. Scenarios 1–4 of ./scenarios.ts.
 *
 * The processes start once; each test works in a folder of its own under the shared root. File
 * IDs come from a FileSystemStorage in this process on the same root (the ID records are shared),
 * and tokens from a JwtAuth with the processes' secret. "The server has started reading the body"
 * is seen on disk: A's temporary file holds the first half.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { FileSystemStorage, JwtAuth } from '../../src';
import { connectNodeRedis, deleteKeys, describeWithRedis, redisUrl, uniquePrefix } from '../helpers/redis';
import { destroyHeldUploads, waitForTemporaryWrite, within } from '../helpers/held-upload';
import {
  defaultMetadataDir,
  freshListing,
  lockLessSaveOvertakenByLockHolder,
  saveAsOverTargetLockedMeanwhile,
  saveDuringDelete,
  saveDuringRename,
  type ConcurrencyEnv,
} from './scenarios';

const CLI = path.join(__dirname, '..', '..', 'dist', 'cli', 'main.js');
const SECRET = 'concurrency-secret-concurrency-secret-0123';

interface Instance {
  child: ChildProcess;
  /** `http://127.0.0.1:<port>/wopi` */
  url: string;
  stderr: () => string;
}

function startInstance(dir: string, prefix: string): Promise<Instance> {
  const child = spawn(
    process.execPath,
    [CLI, 'serve', dir, '--port', '0', '--json', '--secret', SECRET, '--redis', redisUrl, '--redis-prefix', prefix],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  return within(
    new Promise<Instance>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`serve exited with ${code} before listening: ${stderr}`)));
      readline.createInterface({ input: child.stdout! }).on('line', (line) => {
        let event: { event?: string; url?: string };
        try {
          event = JSON.parse(line) as typeof event;
        } catch {
          return;
        }
        if (event.event === 'listening' && event.url) resolve({ child, url: event.url, stderr: () => stderr });
      });
    }),
    15_000,
    'starting `serve --redis`',
  ).catch((err: unknown) => {
    if (child.exitCode === null) child.kill('SIGTERM');
    throw err;
  });
}

async function stop(instance: Instance | undefined): Promise<void> {
  if (instance === undefined || instance.child.exitCode !== null || instance.child.signalCode !== null) return;
  const exited = new Promise((resolve) => instance.child.once('exit', resolve));
  instance.child.kill('SIGTERM');
  await within(exited, 5000, 'serve to exit').catch(() => instance.child.kill('SIGKILL'));
}

describeWithRedis(
  'overlapping requests never lose a save (two serve --redis processes on one folder: held upload to A, the rest to B)',
  () => {
    const prefix = uniquePrefix();
    const auth = new JwtAuth({ secret: SECRET });
    let root: string;
    let a: Instance | undefined;
    let b: Instance | undefined;
    let testNo = 0;
    let env: ConcurrencyEnv;

    beforeAll(async () => {
      if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx tsc -p tsconfig.build.json)`);
      root = await mkdtemp(path.join(os.tmpdir(), 'express-wopi-concurrency-'));
      [a, b] = await Promise.all([startInstance(root, prefix), startInstance(root, prefix)]);
    }, 30_000);

    afterAll(async () => {
      destroyHeldUploads();
      await Promise.all([stop(a), stop(b)]);
      const admin = await connectNodeRedis();
      try {
        await deleteKeys(admin, prefix);
      } finally {
        await admin.close();
      }
      if (root) await rm(root, { recursive: true, force: true });
    });

    beforeEach(async () => {
      if (a === undefined || b === undefined) throw new Error('the serve processes did not start');
      testNo += 1;
      const folder = `t${testNo}`;
      const dir = path.join(root, folder);
      await mkdir(dir);
      // What this process knows of the IDs; the records it writes are the ones A and B read.
      const ids = new FileSystemStorage({ root });
      env = {
        holderBase: a.url,
        otherBase: b.url,
        bases: [a.url, b.url],
        addFile: async (name, content) => {
          await writeFile(path.join(dir, name), content);
          return ids.fileIdFor(`${folder}/${name}`);
        },
        token: async (fileId, userId = 'u1') =>
          (await auth.issueToken({ fileId, userId, userFriendlyName: userId, permissions: { write: true } })).accessToken,
        bodyStarted: (upload) => waitForTemporaryWrite(root, upload.sentBytes),
        listFiles: () => freshListing(root, `${folder}/`),
        disk: { dir, root, metadataDir: defaultMetadataDir(root) },
      };
    });

    afterEach(() => {
      destroyHeldUploads();
      for (const instance of [a, b]) {
        if (instance !== undefined && instance.child.exitCode !== null)
          throw new Error(`a serve process exited (${instance.child.exitCode}): ${instance.stderr()}`);
      }
    });

    test('1. lock-less PutFile to a 0-byte file on A, overtaken by LOCK L + PutFile B under L on B: the lock-less save ends 409 with X-WOPI-Lock L and both processes serve B', async () => {
      await lockLessSaveOvertakenByLockHolder(env);
    });

    test('2. PutRelativeFile on A overwriting target.docx (exact RelativeTarget, OverwriteRelativeTarget: true) while B LOCKs the target L2 and saves T: 409 with X-WOPI-Lock L2, target keeps T, no new file', async () => {
      await saveAsOverTargetLockedMeanwhile(env);
    });

    test('3. PutFile under L on A while B renames the file to "renamed" under L: 200, both say renamed.docx with the new bytes, nothing at the old path, no temporary file, a fresh FileSystemStorage lists only renamed.docx with the same ID', async () => {
      await saveDuringRename(env);
    });

    test('4. PutFile under L on A while B UNLOCKs and DELETEs the file: the save ends 404 or 409 (never 200), the ID stays 404 on both, nothing reappears on disk, a fresh FileSystemStorage lists no file', async () => {
      await saveDuringDelete(env);
    });
  },
);
