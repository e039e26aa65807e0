/**
 * FileSystemStorage containers where `/proc/self/fd` is not available (macOS, Windows, Linux
 * without /proc): folders are checked with lstat and then used by path, so a folder renamed while
 * a save's body arrives is no longer reachable by the path it was opened by. The save must still
 * land on the file under its new path. Simulated here by making the jail believe /proc/self/fd
 * does not work.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { FileSystemStorage } from '../../src';
import { describeWopiContainerStorage } from '../../src/testing';
import { PathFolder } from '../../src/adapters/fs/jailed-folder';
import { RootJail } from '../../src/adapters/fs/root-jail';
import { putFile, tempFiles, useFsSandbox, writeContext } from '../helpers/fs-sandbox';
import { waitForTemporaryWrite } from '../helpers/held-upload';
import { body, rejection } from '../helpers/storage-kit';

jest.mock('../../src/adapters/fs/jailed-folder', () => ({
  ...jest.requireActual<typeof import('../../src/adapters/fs/jailed-folder')>('../../src/adapters/fs/jailed-folder'),
  procFdWorks: async () => false,
}));

describeWopiContainerStorage(
  'FileSystemStorage (folders used by path)',
  async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'express-wopi-container-paths-'));
    return {
      storage: new FileSystemStorage({ root, fsync: false }),
      cleanup: () => rm(root, { recursive: true, force: true }),
    };
  },
  { capabilities: ['relative', 'rename', 'delete'] },
);

describe('FileSystemStorage (folders used by path): a save while its folder is renamed', () => {
  const sandbox = useFsSandbox('express-wopi-fsc-paths-');

  it('lands in the renamed folder, and leaves no temporary file', async () => {
    const { root } = sandbox;
    await putFile(root, 'a/b/doc.docx', 'original');
    // The simulation holds: sub-folders are reached by path.
    const folder = await new RootJail(root, path.join(root, '.express-wopi')).openFolder('a/b');
    expect(folder).toBeInstanceOf(PathFolder);
    await folder.close();
    const s = new FileSystemStorage({ root, fsync: false });
    const id = await s.fileIdFor('a/b/doc.docx');
    const upload = new PassThrough();
    const saving = s.writeFile(id, upload, writeContext());
    upload.write(Buffer.alloc(4000, 'n'));
    await waitForTemporaryWrite(root, 4000);
    await s.renameContainer(await s.containerIdFor('a'), 'renamed');
    upload.end(Buffer.alloc(4000, 'n'));
    expect((await saving).size).toBe(8000);
    expect((await readFile(path.join(root, 'renamed/b/doc.docx'))).length).toBe(8000);
    expect(await tempFiles(root)).toStrictEqual([]);
  });

  it('removes its temporary file from the renamed folder when the commit step refuses', async () => {
    const { root } = sandbox;
    await putFile(root, 'a/doc.docx', 'original');
    const s = new FileSystemStorage({ root, fsync: false });
    const id = await s.fileIdFor('a/doc.docx');
    const aId = await s.containerIdFor('a');
    const refused = new Error('refused at the commit step');
    const err = await rejection(
      s.writeFile(id, body('new'), {
        ...writeContext(),
        commit: async () => {
          await s.renameContainer(aId, 'renamed');
          throw refused;
        },
      }),
    );
    expect(err).toBe(refused);
    expect(await readFile(path.join(root, 'renamed/doc.docx'), 'utf8')).toBe('original');
    expect(await tempFiles(root)).toStrictEqual([]);
    await expect(stat(path.join(root, 'a'))).rejects.toThrow();
  });
});
