/**
 * The descriptors a save opens besides its content's: the folder opened ahead for the fsync that
 * follows the rename (`syncSoon`), and the closes nothing waits for once a file or a folder is
 * durable. Each must be closed, used or not, whatever fails: a server that leaks one descriptor
 * per save stops accepting connections after some thousands of saves.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { FileNotFoundError } from '../../src/errors';
import { FileSystemStorage } from '../../src';
import { PathFolder } from '../../src/adapters/fs/jailed-folder';
import { MetadataReads } from '../../src/adapters/fs/metadata-reads';
import { writeTemporary } from '../../src/adapters/fs/durable-write';
import { linuxOnly, openDescriptorsOn, until } from '../helpers/descriptors';
import { putFile, tempFiles, useFsSandbox, writeContext } from '../helpers/fs-sandbox';
import { body, rejection } from '../helpers/storage-kit';

const sandbox = useFsSandbox('wopi-folder-sync-');
const closed = (p: string) => until(() => openDescriptorsOn(p).length === 0);

describe('PathFolder.syncSoon', () => {
  linuxOnly('opened ahead, then synced: one descriptor while it waits, none shortly after the sync', async () => {
    const folder = new PathFolder(sandbox.root, '');
    folder.syncSoon();
    folder.syncSoon(); // a second call opens nothing more
    await until(() => openDescriptorsOn(sandbox.root).length === 1);
    await folder.sync();
    await closed(sandbox.root);
    await folder.close();
    expect(openDescriptorsOn(sandbox.root)).toEqual([]);
  });

  linuxOnly('opened ahead and never synced (the save failed): close() closes it', async () => {
    const folder = new PathFolder(sandbox.root, '');
    folder.syncSoon();
    await until(() => openDescriptorsOn(sandbox.root).length === 1);
    await folder.close();
    expect(openDescriptorsOn(sandbox.root)).toEqual([]);
  });

  linuxOnly('sync without syncSoon opens and closes the folder itself', async () => {
    const folder = new PathFolder(sandbox.root, '');
    await folder.sync();
    await closed(sandbox.root);
  });

  test('a folder that cannot be opened: sync reports it, close does not throw', async () => {
    const gone = path.join(sandbox.base, 'gone');
    const folder = new PathFolder(gone, '');
    folder.syncSoon();
    expect(await rejection(folder.sync())).toMatchObject({ code: 'ENOENT' });
    folder.syncSoon();
    await expect(folder.close()).resolves.toBeUndefined();
  });
});

describe.each(['auto', 'thread-pool'] as const)('PathFolder with metadata reads %s', (mode) => {
  linuxOnly('syncSoon, sync: synced, the folder closed (at once where reads run on the event loop)', async () => {
    const reads = new MetadataReads(sandbox.root, mode);
    await reads.decide();
    const folder = new PathFolder(sandbox.root, '', reads);
    folder.syncSoon();
    // On the event loop the folder is opened when synced, not ahead: nothing is open yet.
    if (reads.synchronous) expect(openDescriptorsOn(sandbox.root)).toEqual([]);
    await folder.sync();
    if (reads.synchronous) expect(openDescriptorsOn(sandbox.root)).toEqual([]);
    await closed(sandbox.root);
    await folder.close();
    expect(openDescriptorsOn(sandbox.root)).toEqual([]);
  });

  test('a folder that cannot be opened: sync reports it', async () => {
    const gone = path.join(sandbox.base, 'gone');
    const reads = new MetadataReads(sandbox.root, mode);
    await reads.decide();
    const folder = new PathFolder(gone, '', reads);
    folder.syncSoon();
    expect(await rejection(folder.sync())).toMatchObject({ code: 'ENOENT' });
    await expect(folder.close()).resolves.toBeUndefined();
  });

  linuxOnly('closeSynced closes the descriptor (at once on the event loop)', async () => {
    const reads = new MetadataReads(sandbox.root, mode);
    await reads.decide();
    const fd = await reads.openFolder(sandbox.root);
    expect(openDescriptorsOn(sandbox.root)).toHaveLength(1);
    reads.closeSynced(fd);
    if (reads.synchronous) expect(openDescriptorsOn(sandbox.root)).toEqual([]);
    await closed(sandbox.root);
  });
});

describe('writeTemporary closes the new file', () => {
  linuxOnly.each([
    ['with fsync (closed without waiting)', true],
    ['without fsync (closed before it returns)', false],
  ])('%s', async (_label, fsync) => {
    const folder = new PathFolder(sandbox.root, '');
    const name = await writeTemporary(folder, body('new content'), new AbortController().signal, { fsync });
    const temp = path.join(sandbox.root, name);
    if (!fsync) expect(openDescriptorsOn(temp)).toEqual([]);
    await closed(temp);
    expect(await readFile(temp, 'utf8')).toBe('new content');
  });
});

describe('FileSystemStorage.writeFile leaves no descriptor open', () => {
  linuxOnly.each([
    ['a file in the root', 'a.docx'],
    ['a file in a sub-folder', 'sub/a.docx'],
  ])('%s: saved, refused at the commit step, and on a missing file', async (_label, rel) => {
    await putFile(sandbox.root, rel, 'old');
    const storage = new FileSystemStorage({ root: sandbox.root });
    const fileId = await storage.fileIdFor(rel);
    const file = path.join(sandbox.root, rel);
    const folder = path.dirname(file);
    await storage.getFileInfo(fileId); // as the router does before every save

    await storage.writeFile(fileId, body('saved'), writeContext());
    expect(await readFile(file, 'utf8')).toBe('saved');
    await closed(folder);
    await closed(file);

    const refused = { ...writeContext(), commit: async () => Promise.reject(new Error('lock changed')) };
    expect(await rejection(storage.writeFile(fileId, body('refused'), refused))).toMatchObject({ message: 'lock changed' });
    expect(await readFile(file, 'utf8')).toBe('saved');
    expect(await tempFiles(sandbox.root)).toEqual([]);
    await closed(folder);

    await rm(file);
    expect(await rejection(storage.writeFile(fileId, body('nowhere'), writeContext()))).toBeInstanceOf(FileNotFoundError);
    expect(await tempFiles(sandbox.root)).toEqual([]);
    await closed(folder);
  });
});
