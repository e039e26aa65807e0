/**
 * FileSystemStorage as a WopiContainerStorage: what only a folder on disk can show. IDs that
 * survive RenameContainer at any depth and a new instance on the same root, records written by
 * earlier releases, the root jail for folders (links, the metadata folder, names), DeleteContainer
 * with hidden leftovers, and a save whose folder is renamed while its body is held open.
 */
import { mkdir, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import {
  BadRequestError,
  ContainerNotEmptyError,
  FileSystemStorage,
  WopiConfigError,
  WopiError,
  type FileSystemStorageOptions,
  type WopiWriteContext,
} from '../../src';
import { createApp } from '../helpers/create-app';
import { listen } from '../helpers/raw-http';
import { destroyHeldUploads, holdUpload, httpRequest, observeWrites, waitForTemporaryWrite, whileHeld } from '../helpers/held-upload';
import { OUTSIDE_CONTENT, putFile, tempFiles, useFsSandbox, writeContext } from '../helpers/fs-sandbox';
import { body, collect, expectBadRequest, expectFileExists, expectNotFound, rejection, target } from '../helpers/storage-kit';

const sandbox = useFsSandbox('express-wopi-fsc-');
let base: string;
let root: string;
let outsideFile: string;
beforeEach(() => {
  ({ base, root, outsideFile } = sandbox);
});
afterEach(() => destroyHeldUploads());

const put = (rel: string, content: string | Buffer): Promise<void> => putFile(root, rel, content);
const exists = (rel: string): Promise<boolean> =>
  stat(path.join(root, rel)).then(
    () => true,
    () => false,
  );
const content = async (s: FileSystemStorage, fileId: string): Promise<string> =>
  (await collect((await s.readFile(fileId)).stream)).toString();

function storage(options: Partial<FileSystemStorageOptions> = {}): FileSystemStorage {
  return new FileSystemStorage({ root, fsync: false, ...options });
}

async function expectNotEmpty(promise: Promise<unknown>): Promise<void> {
  const err = await rejection(promise);
  expect(err).toBeInstanceOf(ContainerNotEmptyError);
  expect((err as WopiError).status).toBe(409);
}

/** A write context that records its commit calls. */
function recordingContext(): WopiWriteContext & { commits: Array<string | undefined> } {
  const commits: Array<string | undefined> = [];
  return { ...writeContext(), commits, commit: async (id?: string) => void commits.push(id) };
}

/** The records an earlier release wrote for `rel`: `ids/<id>` holding the path, `paths/<hash>` holding the ID. */
async function writeLegacyRecord(rel: string): Promise<string> {
  const hash = (text: string): string => createHash('sha256').update(text).digest('base64url');
  const id = hash(`id:${rel}#0`).slice(0, 22);
  const meta = path.join(root, '.express-wopi');
  await mkdir(path.join(meta, 'ids'), { recursive: true });
  await mkdir(path.join(meta, 'paths'), { recursive: true });
  await writeFile(path.join(meta, 'ids', id), rel);
  await writeFile(path.join(meta, 'paths', hash(`path:${rel}`)), id);
  return id;
}

describe('FileSystemStorage root container', () => {
  it('is the served folder, with the same ID for every user and in every instance', async () => {
    const s = storage();
    const rootId = await s.getRootContainerId('u1');
    expect(rootId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(await s.getRootContainerId('someone else')).toBe(rootId);
    expect(await storage().getRootContainerId('u2')).toBe(rootId);
    expect(await s.containerIdFor('')).toBe(rootId);
    expect(await s.getContainerInfo(rootId)).toStrictEqual({ name: 'root', parentId: null });
  });

  it('is named by the rootName option', async () => {
    const s = storage({ rootName: 'Team files' });
    expect(await s.getContainerInfo(await s.getRootContainerId('u1'))).toStrictEqual({ name: 'Team files', parentId: null });
  });

  it.each<[string, unknown, string]>([
    ['an empty rootName', '', 'FileSystemStorage: `rootName` must be a non-empty string, got an empty string [WOPI_OPTION_VALUE]'],
    ['a numeric rootName', 7, 'FileSystemStorage: `rootName` must be a non-empty string, got 7 [WOPI_OPTION_TYPE]'],
  ])('refuses %s', (_label, rootName, message) => {
    const err = (() => {
      try {
        new FileSystemStorage({ root, rootName } as unknown as FileSystemStorageOptions);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(WopiConfigError);
    expect((err as Error).message).toBe(message);
  });

  it('is never renamed (400) or deleted (409)', async () => {
    const s = storage();
    const rootId = await s.getRootContainerId('u1');
    const err = await rejection(s.renameContainer(rootId, 'other'));
    expect(err).toBeInstanceOf(BadRequestError);
    await expectNotEmpty(s.deleteContainer(rootId));
    expect(await readdir(base)).toStrictEqual(['outside.txt', 'root']);
  });
});

describe('FileSystemStorage container IDs across renames', () => {
  it('keeps every ID at depth 2 when the top folder is renamed, and every file operation works on them', async () => {
    await put('a/b/x.docx', 'x');
    await put('a/y.docx', 'y');
    const s = storage();
    const xId = await s.fileIdFor('a/b/x.docx');
    const yId = await s.fileIdFor('a/y.docx');
    const aId = await s.containerIdFor('a');
    const bId = await s.containerIdFor('a/b');
    const rootId = await s.getRootContainerId('u1');

    expect(await s.renameContainer(aId, 'c')).toStrictEqual({ name: 'c', parentId: rootId });
    expect(await exists('a')).toBe(false);
    expect(await readFile(path.join(root, 'c/b/x.docx'), 'utf8')).toBe('x');

    expect(await s.fileIdFor('c/b/x.docx')).toBe(xId);
    expect(await s.fileIdFor('c/y.docx')).toBe(yId);
    expect(await s.containerIdFor('c')).toBe(aId);
    expect(await s.containerIdFor('c/b')).toBe(bId);
    expect(await s.getContainerInfo(aId)).toStrictEqual({ name: 'c', parentId: rootId });
    expect(await s.getContainerInfo(bId)).toStrictEqual({ name: 'b', parentId: aId });
    expect(await s.getFileContainerId(xId)).toBe(bId);
    expect((await s.getFileInfo(xId)).name).toBe('x.docx');
    expect(await content(s, xId)).toBe('x');

    await s.writeFile(xId, body('x2'), writeContext());
    expect(await readFile(path.join(root, 'c/b/x.docx'), 'utf8')).toBe('x2');
    expect((await s.renameFile(xId, ['z.docx'])).name).toBe('z.docx');
    expect(await s.fileIdFor('c/b/z.docx')).toBe(xId);
    const copy = await s.createRelativeFile(xId, body('copy'), target(['copy.docx']), writeContext());
    expect(await readFile(path.join(root, 'c/b/copy.docx'), 'utf8')).toBe('copy');
    expect(await s.getFileContainerId(copy.fileId)).toBe(bId);
    expect(await s.findRelativeFile(xId, 'COPY.docx')).toBe(copy.fileId);
    await s.deleteFile(xId);
    expect(await exists('c/b/z.docx')).toBe(false);
    await expectNotFound(s.getFileInfo(xId));

    // The folder's old path is nothing now.
    await expectNotFound(s.containerIdFor('a'));
    await expectNotFound(s.fileIdFor('a/y.docx'));
  });

  it('keeps the IDs when a folder at depth 2 is renamed, and again when its parent is', async () => {
    await put('a/b/x.docx', 'x');
    const s = storage();
    const xId = await s.fileIdFor('a/b/x.docx');
    const aId = await s.containerIdFor('a');
    const bId = await s.containerIdFor('a/b');
    expect(await s.renameContainer(bId, 'd')).toStrictEqual({ name: 'd', parentId: aId });
    expect(await s.renameContainer(aId, 'e')).toStrictEqual({ name: 'e', parentId: await s.getRootContainerId('u1') });
    expect(await readFile(path.join(root, 'e/d/x.docx'), 'utf8')).toBe('x');
    expect(await s.fileIdFor('e/d/x.docx')).toBe(xId);
    expect(await s.getContainerInfo(bId)).toStrictEqual({ name: 'd', parentId: aId });
    expect(await content(s, xId)).toBe('x');
  });

  it('shares IDs with a new instance on the same root, after renames and deletes', async () => {
    await put('a/b/x.docx', 'x');
    await put('gone/old.txt', 'o');
    const first = storage();
    const xId = await first.fileIdFor('a/b/x.docx');
    const aId = await first.containerIdFor('a');
    const goneId = await first.containerIdFor('gone');
    await first.renameContainer(aId, 'c');
    await first.deleteFile(await first.fileIdFor('gone/old.txt'));
    await first.deleteContainer(goneId);

    const second = storage();
    expect(await second.getRootContainerId('u9')).toBe(await first.getRootContainerId('u1'));
    expect(await second.fileIdFor('c/b/x.docx')).toBe(xId);
    expect(await second.containerIdFor('c')).toBe(aId);
    expect(await second.getContainerInfo(aId)).toStrictEqual({ name: 'c', parentId: await second.getRootContainerId('u9') });
    expect(await content(second, xId)).toBe('x');
    await expectNotFound(second.getContainerInfo(goneId));
    // A new folder of the deleted one's name gets a new ID, in any instance.
    const again = await second.createChildContainer(await second.getRootContainerId('u9'), ['gone']);
    expect(again.containerId).not.toBe(goneId);
    expect(await first.containerIdFor('gone')).toBe(again.containerId);
    await expectNotFound(first.getContainerInfo(goneId));
  });

  it('keeps the file IDs of a root served by an earlier release, also through a folder rename', async () => {
    await put('top.docx', 't');
    await put('a/b/x.docx', 'x');
    await put('a/.hidden.docx', 'h');
    const topId = await writeLegacyRecord('top.docx');
    const xId = await writeLegacyRecord('a/b/x.docx');
    const hiddenId = await writeLegacyRecord('a/.hidden.docx');
    const s = storage();
    expect(await s.fileIdFor('top.docx')).toBe(topId);
    expect(await s.fileIdFor('a/b/x.docx')).toBe(xId);
    expect((await s.list()).map((e) => [e.path, e.fileId])).toStrictEqual([
      ['a/b/x.docx', xId],
      ['top.docx', topId],
    ]);
    const aId = await s.containerIdFor('a');
    const bId = await s.containerIdFor('a/b');
    expect(await s.getFileContainerId(xId)).toBe(bId);

    await s.renameContainer(aId, 'c');
    for (const instance of [s, storage()]) {
      expect(await instance.fileIdFor('c/b/x.docx')).toBe(xId);
      expect(await instance.fileIdFor('c/.hidden.docx')).toBe(hiddenId);
      expect(await content(instance, xId)).toBe('x');
      expect(await instance.getFileContainerId(xId)).toBe(bId);
    }
    // A file directly in the root is recorded exactly as before.
    expect(await readFile(path.join(root, '.express-wopi', 'ids', topId), 'utf8')).toBe('top.docx');
  });

  it('writes a record for a file directly in the root that an earlier release reads', async () => {
    await put('new.docx', 'n');
    const id = await storage().fileIdFor('new.docx');
    expect(await readFile(path.join(root, '.express-wopi', 'ids', id), 'utf8')).toBe('new.docx');
    expect(id).toBe(createHash('sha256').update('id:new.docx#0').digest('base64url').slice(0, 22));
  });

  it('keeps the ID on a case-only rename and allows renaming to its own name', async () => {
    await put('docs/x.txt', 'x');
    const s = storage();
    const id = await s.containerIdFor('docs');
    expect((await s.renameContainer(id, 'docs')).name).toBe('docs');
    expect((await s.renameContainer(id, 'Docs')).name).toBe('Docs');
    expect(await readdir(root)).toContain('Docs');
    expect(await s.containerIdFor('Docs')).toBe(id);
  });
});

describe('FileSystemStorage containers and the root jail', () => {
  it('never lists, follows or acts through a link in place of a folder', async () => {
    await mkdir(path.join(base, 'outside-dir'));
    await writeFile(path.join(base, 'outside-dir', 'secret.docx'), OUTSIDE_CONTENT);
    await put('real/x.docx', 'x');
    await symlink(path.join(base, 'outside-dir'), path.join(root, 'out'));
    await symlink(path.join(root, 'real'), path.join(root, 'in'));
    const s = storage();
    const rootId = await s.getRootContainerId('u1');
    const children = await s.enumerateChildren(rootId, {});
    expect(children.containers.map((c) => c.name)).toStrictEqual(['real']);
    await expectNotFound(s.containerIdFor('out'));
    // A link inside the root names its target, as for files.
    expect(await s.containerIdFor('in')).toBe(await s.containerIdFor('real'));
  });

  it('answers 404 for a container whose folder became a link, and changes nothing outside', async () => {
    await mkdir(path.join(base, 'outside-dir'));
    await writeFile(path.join(base, 'outside-dir', 'secret.docx'), OUTSIDE_CONTENT);
    await put('sub/x.docx', 'x');
    const s = storage();
    const subId = await s.containerIdFor('sub');
    const xId = await s.fileIdFor('sub/x.docx');
    await rm(path.join(root, 'sub'), { recursive: true });
    await symlink(path.join(base, 'outside-dir'), path.join(root, 'sub'));

    await expectNotFound(s.getContainerInfo(subId));
    await expectNotFound(s.enumerateChildren(subId, {}));
    await expectNotFound(s.createChildContainer(subId, ['new']));
    await expectNotFound(s.createChildFile(subId, Readable.from([]), target(['new.docx']), writeContext()));
    await expectNotFound(s.renameContainer(subId, 'renamed'));
    await expectNotFound(s.deleteContainer(subId));
    await expectNotFound(s.getFileContainerId(xId));
    expect(await readdir(path.join(base, 'outside-dir'))).toStrictEqual(['secret.docx']);
    expect(await readFile(path.join(base, 'outside-dir', 'secret.docx'), 'utf8')).toBe(OUTSIDE_CONTENT);
    expect(await readFile(outsideFile, 'utf8')).toBe(OUTSIDE_CONTENT);
    expect((await readdir(root)).sort()).toStrictEqual(['.express-wopi', 'sub']);
  });

  it('keeps the metadata folder out of every listing and every name', async () => {
    await put('a.docx', 'a');
    const s = storage();
    const rootId = await s.getRootContainerId('u1');
    const children = await s.enumerateChildren(rootId, {});
    expect(children.containers).toStrictEqual([]);
    expect(children.files.map((f) => f.info.name)).toStrictEqual(['a.docx']);
    await expectNotFound(s.containerIdFor('.express-wopi'));
    await expectNotFound(s.containerIdFor('.express-wopi/ids'));
    await expectFileExists(s.createChildContainer(rootId, ['.express-wopi']));
    const sub = await s.createChildContainer(rootId, ['sub']);
    await expectFileExists(s.renameContainer(sub.containerId, '.express-wopi'));
    await expectFileExists(s.createChildFile(rootId, Readable.from([]), target(['.express-wopi']), writeContext()));
  });

  it('hides a metadata folder without a dot, and never renames or deletes the folder that holds it', async () => {
    await put('sub/a.docx', 'a');
    const s = storage({ metadataDir: path.join(root, 'sub', 'meta') });
    await s.fileIdFor('sub/a.docx');
    const subId = await s.containerIdFor('sub');
    expect((await s.enumerateChildren(subId, {})).containers).toStrictEqual([]);
    await expectFileExists(s.createChildContainer(subId, ['meta']));
    await s.deleteFile(await s.fileIdFor('sub/a.docx'));
    await expectBadRequest(s.renameContainer(subId, 'other'));
    await expectNotEmpty(s.deleteContainer(subId));
    expect(await exists('sub/meta/ids')).toBe(true);
  });

  it('checks names: illegal and reserved ones are 400, case variants and file names are taken', async () => {
    await put('Docs/x.txt', 'x');
    await put('report', 'a file without extension');
    const s = storage();
    const rootId = await s.getRootContainerId('u1');
    const docsId = await s.containerIdFor('Docs');
    for (const bad of ['CON', 'lpt¹.txt', 'a/b', '..', 'x.', '']) {
      await expectBadRequest(s.createChildContainer(rootId, [bad]));
      await expectBadRequest(s.renameContainer(docsId, bad));
    }
    await expectFileExists(s.createChildContainer(rootId, ['docs']));
    await expectFileExists(s.createChildContainer(rootId, ['REPORT']));
    expect((await s.createChildContainer(rootId, ['docs', 'REPORT', 'docs (1)'])).info).toStrictEqual({
      name: 'docs (1)',
      parentId: rootId,
    });
    await expectFileExists(s.renameContainer(docsId, 'report'));
    await expectFileExists(s.renameContainer(docsId, 'DOCS (1)'));
    // A file never takes a folder's name, with or without overwrite.
    await expectFileExists(s.createChildFile(rootId, Readable.from([]), target(['docs']), writeContext()));
    await expectFileExists(s.createChildFile(rootId, Readable.from([]), target(['DOCS'], true), writeContext()));
    const fileId = await s.fileIdFor('Docs/x.txt');
    await put('other.txt', 'o');
    expect(await s.findRelativeFile(await s.fileIdFor('other.txt'), 'docs')).toBeNull();
    await expectFileExists(s.renameFile(await s.fileIdFor('other.txt'), ['DOCS']));
    expect(await content(s, fileId)).toBe('x');
    expect(await tempFiles(root)).toStrictEqual([]);
  });

  it('never renames a folder over an empty folder that has the name', async () => {
    await mkdir(path.join(root, 'a'));
    await mkdir(path.join(root, 'b'));
    await writeFile(path.join(root, 'a', 'x.txt'), 'x');
    const s = storage();
    const aId = await s.containerIdFor('a');
    const bId = await s.containerIdFor('b');
    await expectFileExists(s.renameContainer(aId, 'b'));
    expect(await readdir(path.join(root, 'a'))).toStrictEqual(['x.txt']);
    expect(await readdir(path.join(root, 'b'))).toStrictEqual([]);
    expect(await s.getContainerInfo(bId)).toStrictEqual({ name: 'b', parentId: await s.getRootContainerId('u1') });
  });
});

describe('FileSystemStorage.enumerateChildren', () => {
  it('lists direct children only, as getFileInfo describes them, and skips what list() skips', async () => {
    await put('a.docx', 'aaa');
    await put('b.XLSX', 'b');
    await put('.hidden.docx', 'h');
    await put('sub/inner.docx', 'i');
    await put('.dot-folder/x.docx', 'x');
    await symlink(path.join(root, 'a.docx'), path.join(root, 'link.docx'));
    const s = storage();
    const rootId = await s.getRootContainerId('u1');
    const children = await s.enumerateChildren(rootId, {});
    const files = [...children.files].sort((x, y) => (x.info.name < y.info.name ? -1 : 1));
    expect(files.map((f) => f.info.name)).toStrictEqual(['a.docx', 'b.XLSX']);
    for (const f of files) expect(f.info).toStrictEqual(await s.getFileInfo(f.fileId));
    expect(files[0]?.fileId).toBe(await s.fileIdFor('a.docx'));
    expect(children.containers).toStrictEqual([{ containerId: await s.containerIdFor('sub'), name: 'sub' }]);
    const sub = await s.enumerateChildren(await s.containerIdFor('sub'), {});
    expect(sub).toStrictEqual({
      files: [{ fileId: await s.fileIdFor('sub/inner.docx'), info: await s.getFileInfo(await s.fileIdFor('sub/inner.docx')) }],
      containers: [],
    });
  });

  it('describes only the files the extension filter asks for, and gives the others no ID', async () => {
    await put('a.docx', 'a');
    await put('b.XLSX', 'b');
    await put('c.pdf', 'c');
    await put('sub/d.pdf', 'd');
    const s = storage();
    const rootId = await s.getRootContainerId('u1');
    const idsBefore = (await readdir(path.join(root, '.express-wopi', 'ids'))).length;
    const children = await s.enumerateChildren(rootId, { extensions: ['.docx', '.xlsx'] });
    expect(children.files.map((f) => f.info.name).sort()).toStrictEqual(['a.docx', 'b.XLSX']);
    expect(children.containers.map((c) => c.name)).toStrictEqual(['sub']);
    // Two files and one folder got IDs; c.pdf was never looked at.
    expect((await readdir(path.join(root, '.express-wopi', 'ids'))).length).toBe(idsBefore + 3);
  });

  it('answers 404 for an unknown ID, a file ID and a deleted container', async () => {
    await put('x.docx', 'x');
    await mkdir(path.join(root, 'gone'));
    const s = storage();
    const goneId = await s.containerIdFor('gone');
    await s.deleteContainer(goneId);
    for (const id of ['A'.repeat(22), await s.fileIdFor('x.docx'), goneId, '../etc', '']) {
      await expectNotFound(s.enumerateChildren(id, {}));
      await expectNotFound(s.getContainerInfo(id));
    }
    // And a container ID is not a file ID.
    await expectNotFound(s.getFileInfo(await s.getRootContainerId('u1')));
    await expectNotFound(s.getFileContainerId(await s.getRootContainerId('u1')));
  });
});

describe('FileSystemStorage.createChildFile and createChildContainer', () => {
  it('creates a file with createRelativeFile’s rules: commit() before creating, commit(id) before replacing', async () => {
    await put('sub/taken.docx', 'old');
    const s = storage();
    const subId = await s.containerIdFor('sub');
    const takenId = await s.fileIdFor('sub/taken.docx');

    const create = recordingContext();
    const created = await s.createChildFile(subId, Readable.from([]), target(['TAKEN.docx', 'taken (1).docx']), create);
    expect(create.commits).toStrictEqual([undefined]);
    expect(created.info.name).toBe('taken (1).docx');
    expect(created.info.size).toBe(0);
    expect(await s.getFileContainerId(created.fileId)).toBe(subId);
    expect(await s.fileIdFor('sub/taken (1).docx')).toBe(created.fileId);

    const replace = recordingContext();
    const replaced = await s.createChildFile(subId, body(''), target(['Taken.docx'], true), replace);
    expect(replace.commits).toStrictEqual([takenId]);
    expect(replaced.fileId).toBe(takenId);
    expect(replaced.info.name).toBe('taken.docx');
    expect(await readFile(path.join(root, 'sub/taken.docx'), 'utf8')).toBe('');

    await expectFileExists(s.createChildFile(subId, Readable.from([]), target(['taken.docx']), writeContext()));
  });

  it('leaves nothing behind when the commit step refuses', async () => {
    await mkdir(path.join(root, 'sub'));
    const s = storage();
    const subId = await s.containerIdFor('sub');
    const refused = new WopiError(409, 'WOPI_LOCK_CONFLICT', 'locked');
    const err = await rejection(
      s.createChildFile(subId, body('x'), target(['new.docx']), {
        ...writeContext(),
        commit: async () => {
          throw refused;
        },
      }),
    );
    expect(err).toBe(refused);
    expect(await readdir(path.join(root, 'sub'))).toStrictEqual([]);
  });

  it('gives concurrent creations with the same candidates distinct names', async () => {
    const s = storage();
    const rootId = await s.getRootContainerId('u1');
    const names = ['Folder', 'Folder (1)', 'Folder (2)', 'Folder (3)', 'Folder (4)', 'Folder (5)'];
    const made = await Promise.all([0, 1, 2, 3, 4].map(() => s.createChildContainer(rootId, names)));
    expect(new Set(made.map((m) => m.info.name)).size).toBe(5);
    expect(new Set(made.map((m) => m.containerId)).size).toBe(5);
    const files = await Promise.all(
      [0, 1, 2].map(() => s.createChildFile(rootId, Readable.from([]), target(['f.docx', 'f (1).docx', 'f (2).docx']), writeContext())),
    );
    expect(files.map((f) => f.info.name).sort()).toStrictEqual(['f (1).docx', 'f (2).docx', 'f.docx']);
  });
});

describe('FileSystemStorage.deleteContainer', () => {
  it('refuses a folder holding a file or a folder (409) and changes nothing', async () => {
    await put('a/x.docx', 'x');
    await mkdir(path.join(root, 'b', 'c'), { recursive: true });
    const s = storage();
    await expectNotEmpty(s.deleteContainer(await s.containerIdFor('a')));
    await expectNotEmpty(s.deleteContainer(await s.containerIdFor('b')));
    expect(await readFile(path.join(root, 'a/x.docx'), 'utf8')).toBe('x');
    expect(await exists('b/c')).toBe(true);
  });

  it('removes a folder that holds only what list() ignores, never following a link', async () => {
    await mkdir(path.join(base, 'outside-dir'));
    await writeFile(path.join(base, 'outside-dir', 'keep.txt'), OUTSIDE_CONTENT);
    await put('a/.DS_Store', 'junk');
    await put('a/.express-wopi.0123456789ab.wopi-tmp', 'leftover');
    await put('a/.git/objects/x', 'hidden folder');
    await symlink(path.join(base, 'outside-dir'), path.join(root, 'a', 'link-out'));
    await symlink(outsideFile, path.join(root, 'a', '.link-file'));
    const s = storage();
    const aId = await s.containerIdFor('a');
    await s.deleteContainer(aId);
    expect(await exists('a')).toBe(false);
    expect(await readdir(path.join(base, 'outside-dir'))).toStrictEqual(['keep.txt']);
    expect(await readFile(outsideFile, 'utf8')).toBe(OUTSIDE_CONTENT);
    for (const instance of [s, storage()]) {
      await expectNotFound(instance.getContainerInfo(aId));
      await expectNotFound(instance.deleteContainer(aId));
      await expectNotFound(instance.renameContainer(aId, 'b'));
    }
  });
});

describe('FileSystemStorage: a save while its folder is renamed', () => {
  it('lands in the renamed folder when the rename happens while the body is held', async () => {
    await put('a/b/doc.docx', 'original');
    const s = storage();
    const id = await s.fileIdFor('a/b/doc.docx');
    const aId = await s.containerIdFor('a');
    const upload = new PassThrough();
    const saving = s.writeFile(id, upload, writeContext());
    upload.write(Buffer.alloc(5000, 'n'));
    await waitForTemporaryWrite(root, 5000);
    await s.renameContainer(aId, 'renamed');
    upload.end(Buffer.alloc(5000, 'n'));
    const info = await saving;
    expect(info.name).toBe('doc.docx');
    expect(info.size).toBe(10_000);
    expect((await readFile(path.join(root, 'renamed/b/doc.docx'))).length).toBe(10_000);
    expect(await exists('a')).toBe(false);
    expect(await tempFiles(root)).toStrictEqual([]);
    expect((await storage().getFileInfo(id)).size).toBe(10_000);
  });

  it('makes the rename wait for a save that is publishing, and the save never lands at the old path', async () => {
    await put('a/doc.docx', 'original');
    const s = storage();
    const id = await s.fileIdFor('a/doc.docx');
    const aId = await s.containerIdFor('a');
    let renaming: Promise<unknown> | undefined;
    const info = await s.writeFile(id, body('new bytes'), {
      ...writeContext(),
      // The rename is asked for at the very moment the save publishes.
      commit: async () => {
        renaming = s.renameContainer(aId, 'renamed');
      },
    });
    await renaming;
    expect(info.name).toBe('doc.docx');
    expect(await readFile(path.join(root, 'renamed/doc.docx'), 'utf8')).toBe('new bytes');
    expect(await exists('a')).toBe(false);
    expect(await tempFiles(root)).toStrictEqual([]);
  });

  it('loses no save among many that overlap a run of renames of their folder and of its parent', async () => {
    await put('p/a/doc.docx', 'original');
    await put('p/a/other.docx', 'other');
    const s = storage();
    const docId = await s.fileIdFor('p/a/doc.docx');
    const otherId = await s.fileIdFor('p/a/other.docx');
    const pId = await s.containerIdFor('p');
    const aId = await s.containerIdFor('p/a');
    const uploads = Array.from({ length: 8 }, () => new PassThrough());
    const saves = uploads.map((upload, i) => s.writeFile(i % 2 === 0 ? docId : otherId, upload, writeContext()));
    for (const upload of uploads) upload.write(Buffer.alloc(1000, 'x'));
    await waitForTemporaryWrite(root, 1000);
    for (let round = 0; round < 6; round++) {
      await s.renameContainer(round % 2 === 0 ? aId : pId, `name-${round}`);
      // Some saves finish between the renames, the others after the last one.
      uploads[round]?.end(Buffer.from(`body ${round}`));
    }
    for (const upload of uploads.slice(6)) upload.end(Buffer.from('body late'));
    const infos = await Promise.all(saves);
    expect(infos.map((i) => i.name)).toStrictEqual(uploads.map((_, i) => (i % 2 === 0 ? 'doc.docx' : 'other.docx')));
    expect(await readdir(path.join(root, 'name-5', 'name-4'))).toStrictEqual(['doc.docx', 'other.docx']);
    expect(await readFile(path.join(root, 'name-5', 'name-4', 'doc.docx'), 'utf8')).toMatch(/^x{1000}body (late|\d)$/);
    expect(await s.fileIdFor('name-5/name-4/doc.docx')).toBe(docId);
    expect(await tempFiles(root)).toStrictEqual([]);
  });

  (process.platform === 'linux' ? it : it.skip)(
    'lands in the renamed folder when another instance (process) renames it while the body is held (Linux descriptors)',
    async () => {
      await put('a/doc.docx', 'original');
      const saver = storage();
      const renamer = storage();
      const id = await saver.fileIdFor('a/doc.docx');
      const upload = new PassThrough();
      const saving = saver.writeFile(id, upload, writeContext());
      upload.write(Buffer.alloc(3000, 'n'));
      await waitForTemporaryWrite(root, 3000);
      await renamer.renameContainer(await renamer.containerIdFor('a'), 'renamed');
      upload.end(Buffer.alloc(3000, 'n'));
      expect((await saving).size).toBe(6000);
      expect((await readFile(path.join(root, 'renamed/doc.docx'))).length).toBe(6000);
      expect(await tempFiles(root)).toStrictEqual([]);
    },
  );

  it('over HTTP: a PutFile held halfway while the folder is renamed answers 200 and the bytes are in the renamed folder', async () => {
    await put('a/b/doc.docx', 'original');
    const s = storage();
    const id = await s.fileIdFor('a/b/doc.docx');
    const aId = await s.containerIdFor('a');
    const observed = observeWrites(s);
    const app = createApp({ storage: observed.storage });
    const running = await listen(app.app);
    try {
      const baseUrl = `http://127.0.0.1:${(running.server.address() as AddressInfo).port}/wopi`;
      const token = await app.token(id);
      const query = `access_token=${encodeURIComponent(token)}`;
      const locked = await httpRequest(`${baseUrl}/files/${id}?${query}`, {
        method: 'POST',
        headers: { 'X-WOPI-Override': 'LOCK', 'X-WOPI-Lock': 'L' },
      });
      expect(locked.status).toBe(200);
      const data = Buffer.alloc(20_000, 'z');
      const upload = await holdUpload(
        `${baseUrl}/files/${id}/contents?${query}`,
        { 'X-WOPI-Override': 'PUT', 'X-WOPI-Lock': 'L', 'Content-Type': 'application/octet-stream' },
        data,
      );
      await whileHeld(upload, async () => {
        await observed.waitForBytes(upload.sentBytes);
        await waitForTemporaryWrite(root, upload.sentBytes);
      });
      await s.renameContainer(aId, 'renamed');
      const res = await upload.release();
      expect(res.status).toBe(200);
      expect(await readFile(path.join(root, 'renamed/b/doc.docx'))).toStrictEqual(data);
      expect(await exists('a')).toBe(false);
      expect(await tempFiles(root)).toStrictEqual([]);
      expect((await s.getFileInfo(id)).size).toBe(data.length);
    } finally {
      await running.close();
    }
  });
});
