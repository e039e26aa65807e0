/**
 * The WopiContainerStorage contract (express-wopi/testing) against FileSystemStorage: on a fresh
 * temporary folder per test, on a root reached through a link (with fsync), and on a real
 * case-insensitive file system (a FUSE mount of test/helpers/casefold-fs.py, where a case-only
 * RenameContainer meets a name that "exists"). The FUSE part needs Linux, /dev/fuse, root and
 * Debian's python3-fusepy; where they are missing it says why and does not run.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { FileSystemStorage } from '../../src';
import { describeWopiContainerStorage } from '../../src/testing';
import { writeContext } from '../helpers/fs-sandbox';
import { expectFileExists } from '../helpers/storage-kit';

const CAPABILITIES = ['relative', 'rename', 'delete'] as const;

describeWopiContainerStorage(
  'FileSystemStorage',
  async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'express-wopi-container-suite-'));
    return {
      storage: new FileSystemStorage({ root, fsync: false }),
      cleanup: () => rm(root, { recursive: true, force: true }),
    };
  },
  { capabilities: [...CAPABILITIES] },
);

describeWopiContainerStorage(
  'FileSystemStorage (fsync, served through a link to the folder)',
  async () => {
    const base = await mkdtemp(path.join(os.tmpdir(), 'express-wopi-container-suite-'));
    await mkdir(path.join(base, 'real'));
    await symlink(path.join(base, 'real'), path.join(base, 'served'));
    return {
      storage: new FileSystemStorage({ root: path.join(base, 'served') }),
      cleanup: () => rm(base, { recursive: true, force: true }),
    };
  },
  { capabilities: [...CAPABILITIES] },
);

// --- on a case-insensitive file system -------------------------------------------------------

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(__dirname, '..', 'helpers', 'casefold-fs.py');

function missingPrerequisite(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (!existsSync('/dev/fuse')) return 'no /dev/fuse';
  if (process.getuid?.() !== 0) return 'not root';
  try {
    execFileSync(PYTHON, ['-c', 'import fusepy'], { stdio: 'pipe' });
  } catch {
    return `${PYTHON} cannot import fusepy (Debian package python3-fusepy)`;
  }
  return undefined;
}

const missing = missingPrerequisite();
if (missing !== undefined) process.stderr.write(`case-insensitive container tests not run: ${missing}\n`);

function isMounted(dir: string): boolean {
  return readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .some((line) => line.split(' ')[1] === dir);
}

async function mountCaseFolding(): Promise<{ dir: string; unmount(): Promise<void> }> {
  const base = mkdtempSync(path.join(os.tmpdir(), 'express-wopi-casefold-'));
  const backing = path.join(base, 'backing');
  const dir = path.join(base, 'mnt');
  execFileSync('mkdir', [backing, dir]);
  const child: ChildProcess = spawn(PYTHON, [SCRIPT, backing, dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let waited = 0; !isMounted(dir); waited += 50) {
    if (child.exitCode !== null || waited > 10_000) {
      child.kill();
      rmSync(base, { recursive: true, force: true });
      throw new Error(`casefold-fs did not mount: ${stderr || 'timed out'}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    dir,
    unmount: async () => {
      execFileSync('umount', [dir], { stdio: 'pipe' });
      await exited;
      rmSync(base, { recursive: true, force: true });
    },
  };
}

(missing === undefined ? describe : describe.skip)('FileSystemStorage containers on a case-insensitive file system (FUSE)', () => {
  let mount: { dir: string; unmount(): Promise<void> } | undefined;
  let n = 0;
  beforeAll(async () => {
    mount = await mountCaseFolding();
  }, 20_000);
  afterAll(async () => {
    await mount?.unmount();
  });
  const freshRoot = async (): Promise<string> => {
    const root = path.join((mount as { dir: string }).dir, `case-${++n}`);
    await mkdir(root);
    return root;
  };

  test('a case-only RenameContainer keeps the ID; every spelling of the path has that one ID; a case variant is taken', async () => {
    const root = await freshRoot();
    const s = new FileSystemStorage({ root, fsync: false });
    const rootId = await s.getRootContainerId('u1');
    const docs = await s.createChildContainer(rootId, ['docs']);
    const file = await s.createChildFile(docs.containerId, Readable.from([]), { candidates: ['a.docx'], overwrite: false }, writeContext());
    expect((await s.renameContainer(docs.containerId, 'Docs')).name).toBe('Docs');
    expect((await readdir(root)).filter((e) => !e.startsWith('.'))).toStrictEqual(['Docs']);
    for (const spelling of ['Docs', 'DOCS', 'docs']) expect(await s.containerIdFor(spelling)).toBe(docs.containerId);
    expect(await s.fileIdFor('DOCS/A.DOCX')).toBe(file.fileId);
    await expectFileExists(s.createChildContainer(rootId, ['DOCS']));
    const other = await s.createChildContainer(rootId, ['other']);
    await expectFileExists(s.renameContainer(other.containerId, 'dOcS'));
  });

  if (missing === undefined) {
    describeWopiContainerStorage(
      'FileSystemStorage on a case-insensitive file system',
      async () => {
        const root = await freshRoot();
        return { storage: new FileSystemStorage({ root, fsync: false }), cleanup: () => rm(root, { recursive: true, force: true }) };
      },
      { capabilities: [...CAPABILITIES] },
    );
  }
});
