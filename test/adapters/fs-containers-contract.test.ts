/**
 * The WopiContainerStorage contract (express-wopi/testing) against FileSystemStorage: on a fresh
 * temporary folder per test, on a root reached through a link (with fsync), and on a real
 * case-insensitive file system (a FUSE mount of test/helpers/casefold-fs.py, where a case-only
 * RenameContainer meets a name that "exists"). The FUSE part needs Linux, /dev/fuse, root and
 * Debian's python3-fusepy; where they are missing the run says why at its start, and one skipped
 * test carries the reason (test/helpers/casefold-mount.ts).
 */
import { mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { FileSystemStorage } from '../../src';
import { describeWopiContainerStorage } from '../../src/testing';
import { writeContext } from '../helpers/fs-sandbox';
import { expectFileExists } from '../helpers/storage-kit';
import { type CaseFoldingMount, describeOnCaseFoldingFs, mountCaseFolding } from '../helpers/casefold-mount';

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

describeOnCaseFoldingFs('FileSystemStorage containers on a case-insensitive file system (FUSE)', () => {
  let mount: CaseFoldingMount | undefined;
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

  describeWopiContainerStorage(
    'FileSystemStorage on a case-insensitive file system',
    async () => {
      const root = await freshRoot();
      return { storage: new FileSystemStorage({ root, fsync: false }), cleanup: () => rm(root, { recursive: true, force: true }) };
    },
    { capabilities: [...CAPABILITIES] },
  );
});
