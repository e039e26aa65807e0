/**
 * FileSystemStorage keeps what it resolved (an ID's path, real path and inode) so that
 * CheckFileInfo and lock requests cost one stat. These tests show that the shortcuts never answer
 * with something stale or outside the root: every change, made by this instance, by another
 * instance on the same root (another process) or directly on disk, is seen by the very next call.
 * (FileSystemUserInfoStore's cache, whose one documented delay is `recheckMs`, is tested in
 * fs-user-info.test.ts.)
 */
import { link, mkdir, readFile, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { FileSystemStorage, type FileSystemStorageOptions, type WopiFileContent } from '../../src';
import { OUTSIDE_CONTENT, putFile, useFsSandbox, writeContext } from '../helpers/fs-sandbox';

const sandbox = useFsSandbox('express-wopi-fscache-');

function storage(options: Partial<FileSystemStorageOptions> = {}): FileSystemStorage {
  return new FileSystemStorage({ root: sandbox.root, fsync: false, ...options });
}

async function text(content: WopiFileContent): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of content.stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

async function status(promise: Promise<unknown>): Promise<number | 'ok'> {
  return promise.then(
    () => 'ok' as const,
    (err: { status?: number }) => err.status ?? 500,
  );
}

/** Instance `a` with the ID of `doc.docx` resolved (by getFileInfo and readFile), and instance `b` on the same root. */
async function twoInstances(content = 'original') {
  await putFile(sandbox.root, 'doc.docx', content);
  const a = storage();
  const b = storage();
  const id = await a.fileIdFor('doc.docx');
  expect((await a.getFileInfo(id)).name).toBe('doc.docx');
  expect(await text(await a.readFile(id))).toBe(content);
  return { a, b, id };
}

describe('FileSystemStorage: resolved IDs are re-checked on every call', () => {
  test('a rename by another instance is seen at once', async () => {
    const { a, b, id } = await twoInstances();
    await b.renameFile(id, ['renamed.docx']);
    expect((await a.getFileInfo(id)).name).toBe('renamed.docx');
    const content = await a.readFile(id);
    expect(content.info.name).toBe('renamed.docx');
    expect(await text(content)).toBe('original');
  });

  test('a delete by another instance is seen at once, also when a new file takes the path', async () => {
    const { a, b, id } = await twoInstances();
    await putFile(sandbox.root, 'seed.docx', 'seed');
    const seed = await b.fileIdFor('seed.docx');
    await b.deleteFile(id);
    expect(await status(a.getFileInfo(id))).toBe(404);
    // A new file at the same path (it may even get the old inode number): the old ID stays dead.
    const created = await b.createRelativeFile(
      seed,
      Readable.from([Buffer.from('newcomer')]),
      { candidates: ['doc.docx'], overwrite: false },
      writeContext(),
    );
    expect(created.fileId).not.toBe(id);
    expect(await status(a.getFileInfo(id))).toBe(404);
    expect(await status(a.readFile(id))).toBe(404);
    expect((await a.getFileInfo(created.fileId)).size).toBe(8);
  });

  test('a save by another instance is seen at once (new size and version)', async () => {
    const { a, b, id } = await twoInstances();
    const before = await a.getFileInfo(id);
    await b.writeFile(id, Readable.from([Buffer.from('saved by b, longer')]), writeContext());
    const after = await a.getFileInfo(id);
    expect(after.size).toBe(18);
    expect(after.version).not.toBe(before.version);
    expect(await text(await a.readFile(id))).toBe('saved by b, longer');
  });

  test('a change made directly on disk, in place, is seen at once', async () => {
    const { a, id } = await twoInstances();
    const before = await a.getFileInfo(id);
    await writeFile(path.join(sandbox.root, 'doc.docx'), 'edited in place!');
    const after = await a.getFileInfo(id);
    expect(after.size).toBe(16);
    expect(after.version).not.toBe(before.version);
    expect(await text(await a.readFile(id))).toBe('edited in place!');
  });

  test('the file replaced by a symbolic link out of the root: 404 at once, nothing read outside', async () => {
    const { a, id } = await twoInstances();
    const file = path.join(sandbox.root, 'doc.docx');
    await unlink(file);
    await symlink(sandbox.outsideFile, file);
    expect(await status(a.getFileInfo(id))).toBe(404);
    expect(await status(a.readFile(id))).toBe(404);
  });

  test('its folder replaced by a link to an outside folder holding a hard link to the same file: 404', async () => {
    // The one way to make a stat of the old real path reach the same inode through the outside:
    // a hard link, which changes the inode's change time, so the shortcut is not taken.
    await mkdir(path.join(sandbox.root, 'sub'));
    await putFile(sandbox.root, 'sub/doc.docx', 'inside');
    const a = storage();
    const id = await a.fileIdFor('sub/doc.docx');
    expect((await a.getFileInfo(id)).size).toBe(6);
    const outsideDir = path.join(sandbox.base, 'outside-dir');
    await mkdir(outsideDir);
    await link(path.join(sandbox.root, 'sub', 'doc.docx'), path.join(outsideDir, 'doc.docx'));
    await rename(path.join(sandbox.root, 'sub'), path.join(sandbox.base, 'moved-away'));
    await symlink(outsideDir, path.join(sandbox.root, 'sub'));
    expect(await status(a.getFileInfo(id))).toBe(404);
    expect(await status(a.readFile(id))).toBe(404);
    expect(await readFile(sandbox.outsideFile, 'utf8')).toBe(OUTSIDE_CONTENT);
  });

  test('a file moved away on disk and another put in its place: the ID follows its record, not the inode', async () => {
    const { a, id } = await twoInstances('first');
    await rename(path.join(sandbox.root, 'doc.docx'), path.join(sandbox.root, 'elsewhere.docx'));
    await writeFile(path.join(sandbox.root, 'doc.docx'), 'second file');
    // The record still says doc.docx: the file now there is what the ID names (as documented
    // for moves made outside the library), read afresh.
    expect((await a.getFileInfo(id)).size).toBe(11);
    expect(await text(await a.readFile(id))).toBe('second file');
  });

  test('deleted on disk: 404 at once', async () => {
    const { a, id } = await twoInstances();
    await rm(path.join(sandbox.root, 'doc.docx'));
    expect(await status(a.getFileInfo(id))).toBe(404);
    expect(await status(a.readFile(id))).toBe(404);
  });
});

/** A save through instance `a`, with the answer (or the status it failed with). */
async function save(a: FileSystemStorage, id: string, content: string) {
  return a.writeFile(id, Readable.from([Buffer.from(content)]), writeContext()).then(
    (info) => ({ name: info.name, size: info.size }),
    (err: { status?: number }) => err.status ?? 500,
  );
}

// A save in the root starts from the same shortcut (one stat, no ID record read): it must land
// where the ID names the file now, or nowhere.
describe('FileSystemStorage: a save after the resolved file changed', () => {
  test('renamed by another instance: the save lands on the new name', async () => {
    const { a, b, id } = await twoInstances();
    await b.renameFile(id, ['renamed.docx']);
    expect(await save(a, id, 'saved')).toEqual({ name: 'renamed.docx', size: 5 });
    expect(await readFile(path.join(sandbox.root, 'renamed.docx'), 'utf8')).toBe('saved');
    await expect(readFile(path.join(sandbox.root, 'doc.docx'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  test('deleted by another instance: 404, and no file made at its old path', async () => {
    const { a, b, id } = await twoInstances();
    await b.deleteFile(id);
    expect(await save(a, id, 'saved')).toBe(404);
    await expect(readFile(path.join(sandbox.root, 'doc.docx'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  test('replaced by a symbolic link out of the root: 404, nothing written outside', async () => {
    const { a, id } = await twoInstances();
    const file = path.join(sandbox.root, 'doc.docx');
    await unlink(file);
    await symlink(sandbox.outsideFile, file);
    expect(await save(a, id, 'saved')).toBe(404);
    expect(await readFile(sandbox.outsideFile, 'utf8')).toBe(OUTSIDE_CONTENT);
  });

  test('moved away on disk and another file put in its place: the save replaces what the record names', async () => {
    const { a, id } = await twoInstances('first');
    await rename(path.join(sandbox.root, 'doc.docx'), path.join(sandbox.root, 'elsewhere.docx'));
    await writeFile(path.join(sandbox.root, 'doc.docx'), 'second file');
    expect(await save(a, id, 'saved')).toEqual({ name: 'doc.docx', size: 5 });
    expect(await readFile(path.join(sandbox.root, 'elsewhere.docx'), 'utf8')).toBe('first');
  });

  test('saved twice in a row, and by another instance in between: each save replaces the latest', async () => {
    const { a, b, id } = await twoInstances();
    expect(await save(a, id, 'one')).toEqual({ name: 'doc.docx', size: 3 });
    expect(await save(b, id, 'two!')).toEqual({ name: 'doc.docx', size: 4 });
    expect(await save(a, id, 'three')).toEqual({ name: 'doc.docx', size: 5 });
    expect((await b.getFileInfo(id)).size).toBe(5);
  });
});

describe('FileSystemStorage: readFile sends the file as it was when opened', () => {
  test('bytes appended in place after the open are not sent: the stream has exactly info.size bytes', async () => {
    for (const fresh of [true, false]) {
      // fresh: resolved in full (through the jail); not fresh: the shortcut of a resolved ID.
      await putFile(sandbox.root, 'grow.docx', 'first part');
      const s = storage();
      const id = await s.fileIdFor('grow.docx');
      if (!fresh) await text(await s.readFile(id));
      const content = await s.readFile(id);
      await writeFile(path.join(sandbox.root, 'grow.docx'), ' and more', { flag: 'a' });
      expect(content.info.size).toBe('first part'.length);
      expect(await text(content)).toBe('first part');
    }
  });

  test('an empty file: an empty stream', async () => {
    await putFile(sandbox.root, 'empty.docx', '');
    const s = storage();
    const id = await s.fileIdFor('empty.docx');
    const content = await s.readFile(id);
    expect(content.info.size).toBe(0);
    expect(await text(content)).toBe('');
  });
});
