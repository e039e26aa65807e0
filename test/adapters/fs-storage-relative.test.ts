import { randomBytes } from 'node:crypto';
import { lstat, readdir, readFile, readlink, rm, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { FileExistsError, FileSystemStorage, type FileSystemStorageOptions } from '../../src';
import { OUTSIDE_CONTENT, putFile, tempFiles, useFsSandbox, writeContext } from '../helpers/fs-sandbox';
import {
  abortingBody,
  body,
  collect,
  endless,
  expectBadRequest,
  expectFileExists,
  expectNotFound,
  failingBody,
  rejection,
  target,
} from '../helpers/storage-kit';

const sandbox = useFsSandbox('express-wopi-fsrel-');
let base: string; // temp folder holding `root` and things outside it
let root: string;
let outsideFile: string;
beforeEach(() => {
  ({ base, root, outsideFile } = sandbox);
});

const put = (rel: string, content: string | Buffer): Promise<void> => putFile(root, rel, content);

async function exists(rel: string): Promise<boolean> {
  return lstat(path.join(root, rel)).then(
    () => true,
    () => false,
  );
}

async function content(rel: string): Promise<string> {
  return readFile(path.join(root, rel), 'utf8');
}

async function inode(rel: string): Promise<bigint> {
  return (await stat(path.join(root, rel), { bigint: true })).ino;
}

function storage(options: Partial<FileSystemStorageOptions> = {}): FileSystemStorage {
  return new FileSystemStorage({ root, fsync: false, ...options });
}

const ctx = writeContext;

/**
 * Everything under the root except the metadata folder: path → what is there (file content
 * and inode, folder, or link target). Two equal snapshots mean nothing was created, removed,
 * replaced or changed.
 */
async function snapshot(dir = root): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string): Promise<void> => {
    for (const d of await readdir(path.join(dir, rel), { withFileTypes: true })) {
      const childRel = rel === '' ? d.name : `${rel}/${d.name}`;
      if (dir === root && childRel === '.express-wopi') continue;
      const abs = path.join(dir, childRel);
      if (d.isSymbolicLink()) out[childRel] = `link -> ${await readlink(abs)}`;
      else if (d.isDirectory()) {
        out[childRel] = 'dir';
        await walk(childRel);
      } else {
        const st = await stat(abs, { bigint: true });
        out[childRel] = `file ino=${st.ino} ${(await readFile(abs)).toString('hex')}`;
      }
    }
  };
  await walk('');
  return out;
}

const ILLEGAL_NAMES: Array<[string, string]> = [
  ['empty', ''],
  ['"."', '.'],
  ['".."', '..'],
  ['a path into a sub-folder', 'sub/c.docx'],
  ['a parent-folder path', '../outside.txt'],
  ['a backslash path', '..\\outside.txt'],
  ['a reserved device name', 'CON'],
  ['a colon', 'a:b.docx'],
  ['a control character', 'a\nb.docx'],
  ['a trailing dot', 'a.docx.'],
  ['256 bytes', `${'x'.repeat(251)}.docx`],
];

describe('FileSystemStorage.findRelativeFile', () => {
  it('gives the ID of an existing sibling, the same as fileIdFor (ID assigned by find first)', async () => {
    await put('a.docx', 'a');
    await put('b.docx', 'b');
    const s = storage();
    const a = await s.fileIdFor('a.docx');
    const found = await s.findRelativeFile(a, 'b.docx');
    expect(found).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(found).not.toBe(a);
    expect(await s.fileIdFor('b.docx')).toBe(found);
    expect(await storage().fileIdFor('b.docx')).toBe(found);
    expect((await s.getFileInfo(found as string)).name).toBe('b.docx');
  });

  it('gives the ID of an existing sibling, the same as fileIdFor (ID assigned by fileIdFor first)', async () => {
    await put('a.docx', 'a');
    await put('b.docx', 'b');
    const s = storage();
    const b = await s.fileIdFor('b.docx');
    expect(await s.findRelativeFile(await s.fileIdFor('a.docx'), 'b.docx')).toBe(b);
  });

  it('gives the file itself for its own name', async () => {
    await put('a.docx', 'a');
    const s = storage();
    const a = await s.fileIdFor('a.docx');
    expect(await s.findRelativeFile(a, 'a.docx')).toBe(a);
  });

  it('answers null for a missing name, without creating anything', async () => {
    await put('a.docx', 'a');
    const s = storage();
    const a = await s.fileIdFor('a.docx');
    const before = await snapshot();
    expect(await s.findRelativeFile(a, 'missing.docx')).toBeNull();
    expect(await snapshot()).toStrictEqual(before);
  });

  it('answers null for a folder of that name', async () => {
    await put('a.docx', 'a');
    await put('folder.docx/inner.txt', 'inner');
    const s = storage();
    expect(await s.findRelativeFile(await s.fileIdFor('a.docx'), 'folder.docx')).toBeNull();
  });

  it('only counts siblings in the same sub-folder', async () => {
    await put('sub/a.docx', 'a');
    await put('sub/c.docx', 'sub c');
    await put('b.docx', 'root b');
    await put('c.docx', 'root c');
    await put('sub/deeper/b.docx', 'deeper b');
    const s = storage();
    const a = await s.fileIdFor('sub/a.docx');
    expect(await s.findRelativeFile(a, 'b.docx')).toBeNull();
    const c = await s.findRelativeFile(a, 'c.docx');
    expect(c).toBe(await s.fileIdFor('sub/c.docx'));
    expect(c).not.toBe(await s.fileIdFor('c.docx'));
    // And from the root, the sub-folder's files do not count.
    const rootC = await s.fileIdFor('c.docx');
    expect(await s.findRelativeFile(rootC, 'a.docx')).toBeNull();
    expect(await s.findRelativeFile(rootC, 'b.docx')).toBe(await s.fileIdFor('b.docx'));
  });

  it('answers null for the metadata folder’s name', async () => {
    await put('a.docx', 'a');
    const s = storage();
    const a = await s.fileIdFor('a.docx');
    expect(await s.findRelativeFile(a, '.express-wopi')).toBeNull();
  });

  it('answers null for a sibling symbolic link that leads outside the root', async () => {
    await put('a.docx', 'a');
    await symlink(outsideFile, path.join(root, 'out.txt'));
    const s = storage();
    expect(await s.findRelativeFile(await s.fileIdFor('a.docx'), 'out.txt')).toBeNull();
  });

  it.each(ILLEGAL_NAMES)('refuses an illegal name (%s) with BadRequestError 400', async (_label, name) => {
    await put('a.docx', 'a');
    await put('sub/c.docx', 'c');
    const s = storage();
    await expectBadRequest(s.findRelativeFile(await s.fileIdFor('a.docx'), name));
  });

  it.each<[string, string]>([
    ['an unknown ID', 'AAAAAAAAAAAAAAAAAAAAAA'],
    ['a malformed ID', '../a.docx'],
    ['an empty ID', ''],
  ])('answers 404 for %s', async (_label, id) => {
    await put('a.docx', 'a');
    await expectNotFound(storage().findRelativeFile(id, 'a.docx'));
  });

  it('answers 404 when the file itself has vanished', async () => {
    await put('a.docx', 'a');
    await put('b.docx', 'b');
    const s = storage();
    const a = await s.fileIdFor('a.docx');
    await rm(path.join(root, 'a.docx'));
    await expectNotFound(s.findRelativeFile(a, 'b.docx'));
  });
});

describe('FileSystemStorage.createRelativeFile', () => {
  it('creates the file under the first free candidate, leaving taken names byte-identical', async () => {
    await put('a.docx', 'original');
    await put('a (1).docx', 'taken one');
    const s = storage();
    const a = await s.fileIdFor('a.docx');
    const takenId = await s.fileIdFor('a (1).docx');
    const inodes = [await inode('a.docx'), await inode('a (1).docx')];
    const created = await s.createRelativeFile(a, body('new content'), target(['a.docx', 'a (1).docx', 'a (2).docx', 'a (3).docx']), ctx());

    expect(created.info.name).toBe('a (2).docx');
    expect(await content('a (2).docx')).toBe('new content');
    expect(await exists('a (3).docx')).toBe(false);
    expect(await content('a.docx')).toBe('original');
    expect(await content('a (1).docx')).toBe('taken one');
    expect([await inode('a.docx'), await inode('a (1).docx')]).toStrictEqual(inodes);
    expect(await s.fileIdFor('a (1).docx')).toBe(takenId);
    expect(await tempFiles(root)).toStrictEqual([]);
  });

  it('gives the new file a new ID that resolves to it everywhere', async () => {
    await put('a.docx', 'original');
    const s = storage();
    const a = await s.fileIdFor('a.docx');
    const created = await s.createRelativeFile(a, body('hello'), target(['b.docx']), ctx());

    expect(created.fileId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(created.fileId).not.toBe(a);
    expect(await s.fileIdFor('b.docx')).toBe(created.fileId);
    expect(await storage().fileIdFor('b.docx')).toBe(created.fileId);
    expect(await s.findRelativeFile(a, 'b.docx')).toBe(created.fileId);
    expect(await s.list()).toStrictEqual([
      { fileId: a, name: 'a.docx', path: 'a.docx' },
      { fileId: created.fileId, name: 'b.docx', path: 'b.docx' },
    ]);
    const read = await s.readFile(created.fileId);
    expect((await collect(read.stream)).toString()).toBe('hello');
  });

  it('returns the same info getFileInfo gives for the new ID', async () => {
    await put('a.docx', 'original');
    const s = storage({ ownerId: 'owner-7' });
    const a = await s.fileIdFor('a.docx');
    const created = await s.createRelativeFile(a, body('12345'), target(['b.docx']), ctx());
    expect(created.info).toStrictEqual(await s.getFileInfo(created.fileId));
    expect(created.info.name).toBe('b.docx');
    expect(created.info.size).toBe(5);
    expect(created.info.ownerId).toBe('owner-7');
    expect(created.info.lastModifiedTime).toBeInstanceOf(Date);
    expect(created.info.version).not.toBe((await s.getFileInfo(a)).version);
  });

  it('stops at the first free name of an endless candidate sequence', async () => {
    await put('r.docx', 'r');
    await put('r (1).docx', 'r1');
    const s = storage();
    const r = await s.fileIdFor('r.docx');
    const created = await s.createRelativeFile(r, body('x'), target(endless('r', '.docx')), ctx());
    expect(created.info.name).toBe('r (2).docx');
  });

  it('writes a body of several chunks and an empty body', async () => {
    await put('a.docx', 'a');
    const s = storage();
    const a = await s.fileIdFor('a.docx');
    const big = randomBytes(300_000);
    const chunks = [big.subarray(0, 1), big.subarray(1, 100_000), big.subarray(100_000)];
    const first = await s.createRelativeFile(a, Readable.from(chunks), target(['big.bin']), ctx());
    expect((await readFile(path.join(root, 'big.bin'))).equals(big)).toBe(true);
    expect(first.info.size).toBe(big.length);
    const empty = await s.createRelativeFile(a, Readable.from([]), target(['empty.txt']), ctx());
    expect(empty.info.size).toBe(0);
    expect(await content('empty.txt')).toBe('');
  });

  it('lands in the same sub-folder as the original, ignoring names taken elsewhere', async () => {
    await put('sub/a.docx', 'a');
    await put('new.docx', 'root file with the same name');
    const s = storage();
    const a = await s.fileIdFor('sub/a.docx');
    const rootBefore = await s.fileIdFor('new.docx');
    const created = await s.createRelativeFile(a, body('in sub'), target(['new.docx']), ctx());
    expect(created.info.name).toBe('new.docx');
    expect(await content('sub/new.docx')).toBe('in sub');
    expect(await content('new.docx')).toBe('root file with the same name');
    expect(await s.fileIdFor('sub/new.docx')).toBe(created.fileId);
    expect(await s.fileIdFor('new.docx')).toBe(rootBefore);
    expect(created.fileId).not.toBe(rootBefore);
    expect((await s.list()).find((e) => e.fileId === created.fileId)?.path).toBe('sub/new.docx');
  });

  describe('overwrite', () => {
    it('replaces the first candidate, keeping its ID, and ignores the others', async () => {
      await put('a.docx', 'original');
      await put('b.docx', 'old b');
      const s = storage();
      const a = await s.fileIdFor('a.docx');
      const b = await s.fileIdFor('b.docx');
      const bBefore = await s.getFileInfo(b);
      const created = await s.createRelativeFile(a, body('new b content'), target(['b.docx', 'c.docx'], true), ctx());

      expect(created.fileId).toBe(b);
      expect(created.info.name).toBe('b.docx');
      expect(await content('b.docx')).toBe('new b content');
      expect(await exists('c.docx')).toBe(false);
      expect(await content('a.docx')).toBe('original');
      expect(await s.fileIdFor('b.docx')).toBe(b);
      const bAfter = await s.getFileInfo(b);
      expect(bAfter).toStrictEqual(created.info);
      expect(bAfter.version).not.toBe(bBefore.version);
      expect(await tempFiles(root)).toStrictEqual([]);
    });

    it('creates the first candidate when it is free', async () => {
      await put('a.docx', 'original');
      const s = storage();
      const a = await s.fileIdFor('a.docx');
      const created = await s.createRelativeFile(a, body('fresh'), target(['b.docx', 'c.docx'], true), ctx());
      expect(created.info.name).toBe('b.docx');
      expect(await content('b.docx')).toBe('fresh');
      expect(await exists('c.docx')).toBe(false);
      expect(await s.fileIdFor('b.docx')).toBe(created.fileId);
    });

    it('does not replace a folder that has the name', async () => {
      await put('a.docx', 'original');
      await put('folder.docx/inner.txt', 'inner');
      const s = storage();
      const a = await s.fileIdFor('a.docx');
      const before = await snapshot();
      await expectFileExists(s.createRelativeFile(a, body('x'), target(['folder.docx'], true), ctx()));
      expect(await snapshot()).toStrictEqual(before);
      expect(await tempFiles(root)).toStrictEqual([]);
    });

    it('never writes through a sibling symbolic link that leads outside the root', async () => {
      await put('a.docx', 'original');
      await symlink(outsideFile, path.join(root, 'out.txt'));
      const s = storage();
      const a = await s.fileIdFor('a.docx');
      await s.createRelativeFile(a, body('overwritten?'), target(['out.txt'], true), ctx()).catch(() => undefined);
      expect(await readFile(outsideFile, 'utf8')).toBe(OUTSIDE_CONTENT);
      expect(await tempFiles(root)).toStrictEqual([]);
    });
  });

  it('skips a folder that has a candidate name', async () => {
    await put('a.docx', 'original');
    await put('b.docx/inner.txt', 'inner');
    const s = storage();
    const a = await s.fileIdFor('a.docx');
    const created = await s.createRelativeFile(a, body('x'), target(['b.docx', 'b (1).docx']), ctx());
    expect(created.info.name).toBe('b (1).docx');
    expect(await content('b.docx/inner.txt')).toBe('inner');
  });

  it('throws FileExistsError when every candidate is taken, changing nothing', async () => {
    await put('a.docx', 'original');
    await put('b.docx', 'b');
    await put('b (1).docx', 'b1');
    const s = storage();
    const a = await s.fileIdFor('a.docx');
    const b = await s.fileIdFor('b.docx');
    const before = await snapshot();
    await expectFileExists(s.createRelativeFile(a, body('x'), target(['b.docx', 'b (1).docx', 'a.docx']), ctx()));
    await expectFileExists(s.createRelativeFile(a, body('x'), target([]), ctx()));
    expect(await snapshot()).toStrictEqual(before);
    expect(await tempFiles(root)).toStrictEqual([]);
    expect(await s.fileIdFor('b.docx')).toBe(b);
  });

  it('refuses an illegal candidate with BadRequestError, leaving no file and no temp file', async () => {
    await put('a.docx', 'original');
    await put('sub/x.docx', 'x');
    const s = storage();
    const a = await s.fileIdFor('a.docx');
    const before = await snapshot();
    await expectBadRequest(s.createRelativeFile(a, body('x'), target(['../escaped.docx']), ctx()));
    await expectBadRequest(s.createRelativeFile(a, body('x'), target(['sub/x.docx'], true), ctx()));
    expect(await snapshot()).toStrictEqual(before);
    expect(await tempFiles(root)).toStrictEqual([]);
    expect((await readdir(base)).sort()).toStrictEqual(['outside.txt', 'root']);
  });

  it('answers 404 for an unknown file ID, creating nothing', async () => {
    await put('a.docx', 'original');
    const before = await snapshot();
    await expectNotFound(storage().createRelativeFile('AAAAAAAAAAAAAAAAAAAAAA', body('x'), target(['b.docx']), ctx()));
    expect(await snapshot()).toStrictEqual(before);
    expect(await tempFiles(root)).toStrictEqual([]);
  });

  describe('failure midway', () => {
    const originalB = randomBytes(40_000);

    async function setup(rel = 'a.docx') {
      await put(rel, 'original');
      const dir = path.posix.dirname(rel) === '.' ? '' : `${path.posix.dirname(rel)}/`;
      await put(`${dir}b.docx`, originalB);
      const s = storage();
      const id = await s.fileIdFor(rel);
      const b = await s.fileIdFor(`${dir}b.docx`);
      const bInfo = await s.getFileInfo(b);
      const before = await snapshot();
      const check = async (): Promise<void> => {
        expect(await snapshot()).toStrictEqual(before);
        expect((await readFile(path.join(root, `${dir}b.docx`))).equals(originalB)).toBe(true);
        expect(await s.getFileInfo(b)).toStrictEqual(bInfo);
        expect(await tempFiles(root)).toStrictEqual([]);
      };
      return { s, id, check };
    }

    it.each<[string, string, boolean]>([
      ['a new name', 'a.docx', false],
      ['a new name in a sub-folder', 'sub/a.docx', false],
      ['overwrite', 'a.docx', true],
      ['overwrite in a sub-folder', 'sub/a.docx', true],
    ])(
      'a body that errors midway (%s) rejects with its error; no new file, target byte-identical, no temp files',
      async (_label, rel, overwrite) => {
        const { s, id, check } = await setup(rel);
        const error = new Error('client went away');
        const candidates = overwrite ? ['b.docx'] : ['c.docx'];
        const err = await rejection(
          s.createRelativeFile(id, failingBody(randomBytes(20_000), error), target(candidates, overwrite), ctx()),
        );
        expect(err).toBe(error);
        await check();
      },
    );

    it.each<[string, boolean]>([
      ['a new name', false],
      ['overwrite', true],
    ])('a signal aborted midway (%s) rejects with its reason; nothing changes, no temp files', async (_label, overwrite) => {
      const { s, id, check } = await setup();
      const aborter = new AbortController();
      const reason = new Error('client closed the connection');
      const candidates = overwrite ? ['b.docx'] : ['c.docx'];
      const err = await rejection(
        s.createRelativeFile(id, abortingBody(aborter, reason), target(candidates, overwrite), ctx(aborter.signal)),
      );
      expect(err === reason || (err instanceof Error && err.cause === reason)).toBe(true);
      await check();
    });

    it('an already-aborted signal rejects with its reason and creates nothing', async () => {
      const { s, id, check } = await setup();
      const aborter = new AbortController();
      const reason = new Error('gone');
      aborter.abort(reason);
      expect(await rejection(s.createRelativeFile(id, body('x'), target(['c.docx']), ctx(aborter.signal)))).toBe(reason);
      expect(await rejection(s.createRelativeFile(id, body('x'), target(['b.docx'], true), ctx(aborter.signal)))).toBe(reason);
      await check();
    });
  });
});

describe('FileSystemStorage.renameFile', () => {
  it('keeps the ID, moves the file on disk and reports the new name', async () => {
    await put('a.docx', 'content of a');
    const s = storage();
    const id = await s.fileIdFor('a.docx');
    const before = await s.getFileInfo(id);
    const info = await s.renameFile(id, ['renamed.docx']);

    expect(info.name).toBe('renamed.docx');
    expect(await exists('a.docx')).toBe(false);
    expect(await content('renamed.docx')).toBe('content of a');
    expect(await s.getFileInfo(id)).toStrictEqual(info);
    // Same content: the version does not change with the name.
    expect(info.version).toBe(before.version);
    expect(info.size).toBe(before.size);
    expect((await collect((await s.readFile(id)).stream)).toString()).toBe('content of a');
    expect(await tempFiles(root)).toStrictEqual([]);
  });

  it('is seen by list() and fileIdFor under the new path', async () => {
    await put('a.docx', 'a');
    await put('z.docx', 'z');
    const s = storage();
    const id = await s.fileIdFor('a.docx');
    const z = await s.fileIdFor('z.docx');
    await s.renameFile(id, ['m.docx']);
    expect(await s.list()).toStrictEqual([
      { fileId: id, name: 'm.docx', path: 'm.docx' },
      { fileId: z, name: 'z.docx', path: 'z.docx' },
    ]);
    expect(await s.fileIdFor('m.docx')).toBe(id);
    await expectNotFound(s.fileIdFor('a.docx'));
  });

  it('gives a new file created at the old path a new ID', async () => {
    await put('a.docx', 'a');
    const s = storage();
    const id = await s.fileIdFor('a.docx');
    await s.renameFile(id, ['b.docx']);
    await put('a.docx', 'a new file');
    const newId = await s.fileIdFor('a.docx');
    expect(newId).not.toBe(id);
    expect((await s.getFileInfo(id)).name).toBe('b.docx');
    expect((await s.getFileInfo(newId)).name).toBe('a.docx');
    expect(await content('b.docx')).toBe('a');
  });

  it('gives a file created at the old path through createRelativeFile a new ID', async () => {
    await put('a.docx', 'a');
    const s = storage();
    const id = await s.fileIdFor('a.docx');
    await s.renameFile(id, ['b.docx']);
    const created = await s.createRelativeFile(id, body('new a'), target(['a.docx']), ctx());
    expect(created.fileId).not.toBe(id);
    expect(await s.fileIdFor('a.docx')).toBe(created.fileId);
    expect((await s.getFileInfo(id)).name).toBe('b.docx');
  });

  it('can rename back to the original name, keeping the ID', async () => {
    await put('a.docx', 'a');
    const s = storage();
    const id = await s.fileIdFor('a.docx');
    await s.renameFile(id, ['b.docx']);
    await s.renameFile(id, ['a.docx']);
    expect(await s.fileIdFor('a.docx')).toBe(id);
    expect((await s.getFileInfo(id)).name).toBe('a.docx');
    await expectNotFound(s.fileIdFor('b.docx'));
  });

  it('skips a taken name to the next candidate, leaving the other file untouched', async () => {
    await put('a.docx', 'a');
    await put('b.docx', 'b');
    await put('dir.docx/inner.txt', 'folder');
    const s = storage();
    const id = await s.fileIdFor('a.docx');
    const b = await s.fileIdFor('b.docx');
    const bInode = await inode('b.docx');
    const info = await s.renameFile(id, ['b.docx', 'dir.docx', 'b (1).docx', 'b (2).docx']);
    expect(info.name).toBe('b (1).docx');
    expect(await content('b.docx')).toBe('b');
    expect(await inode('b.docx')).toBe(bInode);
    expect(await content('dir.docx/inner.txt')).toBe('folder');
    expect(await content('b (1).docx')).toBe('a');
    expect(await exists('b (2).docx')).toBe(false);
    expect(await s.fileIdFor('b.docx')).toBe(b);
    expect(await s.fileIdFor('b (1).docx')).toBe(id);
  });

  it('stops at the first free name of an endless candidate sequence', async () => {
    await put('a.docx', 'a');
    await put('b.docx', 'b');
    await put('b (1).docx', 'b1');
    const s = storage();
    const id = await s.fileIdFor('a.docx');
    expect((await s.renameFile(id, endless('b', '.docx'))).name).toBe('b (2).docx');
  });

  it('throws FileExistsError when every candidate is taken, changing nothing', async () => {
    await put('a.docx', 'a');
    await put('b.docx', 'b');
    await put('b (1).docx', 'b1');
    const s = storage();
    const id = await s.fileIdFor('a.docx');
    const b = await s.fileIdFor('b.docx');
    const info = await s.getFileInfo(id);
    const before = await snapshot();
    await expectFileExists(s.renameFile(id, ['b.docx', 'b (1).docx']));
    await expectFileExists(s.renameFile(id, []));
    expect(await snapshot()).toStrictEqual(before);
    expect(await s.getFileInfo(id)).toStrictEqual(info);
    expect(await s.fileIdFor('a.docx')).toBe(id);
    expect(await s.fileIdFor('b.docx')).toBe(b);
  });

  it('is a no-op for the current name', async () => {
    await put('a.docx', 'a');
    await put('a (1).docx', 'other');
    const s = storage();
    const id = await s.fileIdFor('a.docx');
    const info = await s.getFileInfo(id);
    const before = await snapshot();
    expect(await s.renameFile(id, ['a.docx', 'a (1).docx', 'a (2).docx'])).toStrictEqual(info);
    expect(await snapshot()).toStrictEqual(before);
    expect(await s.fileIdFor('a.docx')).toBe(id);
  });

  it('stays in the sub-folder; names taken elsewhere do not count', async () => {
    await put('sub/a.docx', 'a');
    await put('b.docx', 'root b');
    const s = storage();
    const id = await s.fileIdFor('sub/a.docx');
    const info = await s.renameFile(id, ['b.docx']);
    expect(info.name).toBe('b.docx');
    expect(await content('sub/b.docx')).toBe('a');
    expect(await exists('sub/a.docx')).toBe(false);
    expect(await content('b.docx')).toBe('root b');
    expect(await s.fileIdFor('sub/b.docx')).toBe(id);
    expect((await s.list()).find((e) => e.fileId === id)?.path).toBe('sub/b.docx');
  });

  it.each(ILLEGAL_NAMES)('refuses an illegal name (%s) with BadRequestError, changing nothing', async (_label, name) => {
    await put('a.docx', 'a');
    await put('sub/c.docx', 'c');
    const s = storage();
    const id = await s.fileIdFor('a.docx');
    const before = await snapshot();
    await expectBadRequest(s.renameFile(id, [name]));
    expect(await snapshot()).toStrictEqual(before);
    expect((await s.getFileInfo(id)).name).toBe('a.docx');
    expect((await readdir(base)).sort()).toStrictEqual(['outside.txt', 'root']);
  });

  it.each<[string, string]>([
    ['an unknown ID', 'AAAAAAAAAAAAAAAAAAAAAA'],
    ['a malformed ID', 'a/../b'],
  ])('answers 404 for %s', async (_label, id) => {
    await put('a.docx', 'a');
    await expectNotFound(storage().renameFile(id, ['b.docx']));
    expect(await exists('b.docx')).toBe(false);
  });

  it('agrees across two instances on the same root', async () => {
    await put('a.docx', 'a');
    const one = storage();
    const two = storage();
    const id = await one.fileIdFor('a.docx');
    expect(await two.fileIdFor('a.docx')).toBe(id);
    await one.renameFile(id, ['b.docx']);

    expect(await two.fileIdFor('b.docx')).toBe(id);
    expect((await two.getFileInfo(id)).name).toBe('b.docx');
    expect(await two.list()).toStrictEqual([{ fileId: id, name: 'b.docx', path: 'b.docx' }]);
    await put('a.docx', 'new a');
    const fromTwo = await two.fileIdFor('a.docx');
    expect(fromTwo).not.toBe(id);
    expect(await one.fileIdFor('a.docx')).toBe(fromTwo);
    expect(await storage().fileIdFor('b.docx')).toBe(id);
  });

  it('works with fsync enabled', async () => {
    await put('sub/a.docx', 'a');
    const s = storage({ fsync: true });
    const id = await s.fileIdFor('sub/a.docx');
    expect((await s.renameFile(id, ['b.docx'])).name).toBe('b.docx');
    expect(await content('sub/b.docx')).toBe('a');
  });
});

describe('FileSystemStorage: names that differ only in case or Unicode normalisation are one name', () => {
  const names = async (): Promise<string[]> => (await readdir(root)).filter((n) => !n.startsWith('.')).sort();

  it('findRelativeFile finds a case variant, and the ID is the variant’s own (not a second ID for it)', async () => {
    await put('a.docx', 'a');
    await put('Report.docx', 'report');
    const s = storage();
    const a = await s.fileIdFor('a.docx');
    const report = await s.fileIdFor('Report.docx');
    expect(await s.findRelativeFile(a, 'REPORT.DOCX')).toBe(report);
    expect(await s.findRelativeFile(a, 'report.docx')).toBe(report);
    expect(await s.findRelativeFile(a, 'report.docs')).toBeNull();
  });

  it('findRelativeFile matches a decomposed name on disk to the composed name asked for', async () => {
    await put('a.docx', 'a');
    await put('Cafe\u0301.docx', 'nfd'); // "Café" written the macOS way
    const s = storage();
    const nfd = await s.fileIdFor('Cafe\u0301.docx');
    expect(await s.findRelativeFile(await s.fileIdFor('a.docx'), 'caf\u00e9.docx')).toBe(nfd);
  });

  it('findRelativeFile prefers the exact spelling when both spellings exist (a case-sensitive disk)', async () => {
    await put('a.docx', 'a');
    await put('x.docx', 'lower');
    await put('X.docx', 'upper');
    const s = storage();
    const a = await s.fileIdFor('a.docx');
    expect(await s.findRelativeFile(a, 'X.docx')).toBe(await s.fileIdFor('X.docx'));
    expect(await s.findRelativeFile(a, 'x.docx')).toBe(await s.fileIdFor('x.docx'));
  });

  it('createRelativeFile does not create a case variant beside an existing file', async () => {
    await put('a.docx', 'a');
    await put('Copy.docx', 'taken');
    const s = storage();
    const created = await s.createRelativeFile(await s.fileIdFor('a.docx'), body('new'), target(['COPY.docx', 'COPY (1).docx']), ctx());
    expect(created.info.name).toBe('COPY (1).docx');
    expect(await names()).toEqual(['COPY (1).docx', 'Copy.docx', 'a.docx']);
    expect(await content('Copy.docx')).toBe('taken');
  });

  it('createRelativeFile with every candidate taken by a case variant: FileExistsError, nothing written', async () => {
    await put('a.docx', 'a');
    await put('copy.docx', 'taken');
    const s = storage();
    await expect(s.createRelativeFile(await s.fileIdFor('a.docx'), body('new'), target(['COPY.DOCX']), ctx())).rejects.toBeInstanceOf(
      FileExistsError,
    );
    expect(await names()).toEqual(['a.docx', 'copy.docx']);
    expect(await tempFiles(root)).toEqual([]);
  });

  it('an overwrite by a case variant replaces the existing file in place: same ID, its stored name, no second file', async () => {
    await put('a.docx', 'a');
    await put('Budget.xlsx', 'old');
    const s = storage();
    const budget = await s.fileIdFor('Budget.xlsx');
    const created = await s.createRelativeFile(await s.fileIdFor('a.docx'), body('new'), target(['BUDGET.xlsx'], true), ctx());
    expect(created.fileId).toBe(budget);
    expect(created.info.name).toBe('Budget.xlsx');
    expect(await names()).toEqual(['Budget.xlsx', 'a.docx']);
    expect(await content('Budget.xlsx')).toBe('new');
  });

  it('renameFile skips a name another file has in another case', async () => {
    await put('old.docx', 'content');
    await put('New.docx', 'other');
    const s = storage();
    const id = await s.fileIdFor('old.docx');
    expect((await s.renameFile(id, ['new.docx', 'new (1).docx'])).name).toBe('new (1).docx');
    expect(await names()).toEqual(['New.docx', 'new (1).docx']);
    expect(await content('New.docx')).toBe('other');
    await expect(s.renameFile(id, ['NEW.DOCX'])).rejects.toBeInstanceOf(FileExistsError);
  });

  it('renameFile may change only the case of the file’s own name, keeping its ID', async () => {
    await put('report.docx', 'content');
    const s = storage();
    const id = await s.fileIdFor('report.docx');
    const ino = await inode('report.docx');
    expect((await s.renameFile(id, ['Report.docx'])).name).toBe('Report.docx');
    expect(await names()).toEqual(['Report.docx']);
    expect(await inode('Report.docx')).toBe(ino);
    expect((await s.getFileInfo(id)).name).toBe('Report.docx');
    expect(await s.fileIdFor('Report.docx')).toBe(id);
  });
});

describe('FileSystemStorage.deleteFile', () => {
  it('removes the file; its ID no longer resolves', async () => {
    await put('a.docx', 'a');
    await put('b.docx', 'b');
    const s = storage();
    const id = await s.fileIdFor('a.docx');
    const b = await s.fileIdFor('b.docx');
    await s.deleteFile(id);

    expect(await exists('a.docx')).toBe(false);
    expect(await content('b.docx')).toBe('b');
    await expectNotFound(s.getFileInfo(id));
    await expectNotFound(s.readFile(id));
    await expectNotFound(s.writeFile(id, body('x'), ctx()));
    await expectNotFound(s.renameFile(id, ['c.docx']));
    await expectNotFound(s.findRelativeFile(id, 'b.docx'));
    await expectNotFound(s.createRelativeFile(id, body('x'), target(['c.docx']), ctx()));
    await expectNotFound(s.deleteFile(id));
    await expectNotFound(storage().getFileInfo(id));
    expect(await s.findRelativeFile(b, 'a.docx')).toBeNull();
    expect(await s.list()).toStrictEqual([{ fileId: b, name: 'b.docx', path: 'b.docx' }]);
    expect(await exists('c.docx')).toBe(false);
    expect(await tempFiles(root)).toStrictEqual([]);
  });

  it('never hands the ID to another file, also not a new file at the same path', async () => {
    await put('a.docx', 'a');
    const s = storage();
    const id = await s.fileIdFor('a.docx');
    await s.deleteFile(id);
    await put('a.docx', 'a new file');
    const newId = await s.fileIdFor('a.docx');
    expect(newId).not.toBe(id);
    expect(await storage().fileIdFor('a.docx')).toBe(newId);
    await expectNotFound(s.getFileInfo(id));
    expect((await s.getFileInfo(newId)).name).toBe('a.docx');
    // Deleting and recreating again still never comes back to an old ID.
    await s.deleteFile(newId);
    await put('a.docx', 'third');
    const third = await s.fileIdFor('a.docx');
    expect(new Set([id, newId, third]).size).toBe(3);
  });

  it('gives a file created at the same path through createRelativeFile a new ID', async () => {
    await put('a.docx', 'a');
    await put('keep.docx', 'k');
    const s = storage();
    const id = await s.fileIdFor('a.docx');
    const keep = await s.fileIdFor('keep.docx');
    await s.deleteFile(id);
    const created = await s.createRelativeFile(keep, body('again'), target(['a.docx']), ctx());
    expect(created.fileId).not.toBe(id);
    await expectNotFound(s.getFileInfo(id));
  });

  it('removes the path record that pointed at the deleted ID', async () => {
    await put('a.docx', 'a');
    const s = storage();
    const id = await s.fileIdFor('a.docx');
    const pathsDir = path.join(root, '.express-wopi', 'paths');
    const holders = async (): Promise<string[]> => {
      const out: string[] = [];
      for (const name of await readdir(pathsDir)) if ((await readFile(path.join(pathsDir, name), 'utf8')) === id) out.push(name);
      return out;
    };
    expect(await holders()).toHaveLength(1);
    await s.deleteFile(id);
    expect(await holders()).toStrictEqual([]);
  });

  it('deletes in a sub-folder, with fsync enabled', async () => {
    await put('sub/a.docx', 'a');
    const s = storage({ fsync: true });
    const id = await s.fileIdFor('sub/a.docx');
    await s.deleteFile(id);
    expect(await exists('sub/a.docx')).toBe(false);
    expect(await exists('sub')).toBe(true);
    await expectNotFound(s.getFileInfo(id));
  });

  it.each<[string, string]>([
    ['an unknown ID', 'AAAAAAAAAAAAAAAAAAAAAA'],
    ['a malformed ID', '../outside.txt'],
  ])('answers 404 for %s, deleting nothing', async (_label, id) => {
    await put('a.docx', 'a');
    const before = await snapshot();
    await expectNotFound(storage().deleteFile(id));
    expect(await snapshot()).toStrictEqual(before);
    expect(await readFile(outsideFile, 'utf8')).toBe(OUTSIDE_CONTENT);
  });
});

describe('FileSystemStorage: one file, one identity (a symbolic link inside the root)', () => {
  // A link is never a file of its own: fileIdFor follows it to its target and answers the
  // target's ID, so the file has one ID and one lock however it is reached (docs/security.md).
  async function setup() {
    await put('sub/real.docx', 'REAL');
    await symlink(path.join(root, 'sub', 'real.docx'), path.join(root, 'link.docx'));
    const s = storage();
    const real = await s.fileIdFor('sub/real.docx');
    const link = await s.fileIdFor('link.docx');
    return { s, real, link };
  }

  it('fileIdFor gives a link its target’s ID, whichever is asked first, in any instance', async () => {
    await put('sub/real.docx', 'REAL');
    await symlink(path.join(root, 'sub', 'real.docx'), path.join(root, 'link.docx'));
    const viaLink = await storage().fileIdFor('link.docx');
    expect(await storage().fileIdFor('sub/real.docx')).toBe(viaLink);
    expect((await storage().getFileInfo(viaLink)).name).toBe('real.docx');
  });

  it('a link to a folder leads to the files in the folder, with their own IDs', async () => {
    await put('sub/real.docx', 'REAL');
    await symlink(path.join(root, 'sub'), path.join(root, 'alias'));
    const s = storage();
    expect(await s.fileIdFor('alias/real.docx')).toBe(await s.fileIdFor('sub/real.docx'));
  });

  it('list() never lists a link', async () => {
    const { s, real } = await setup();
    expect((await s.list()).map((e) => [e.path, e.fileId])).toStrictEqual([['sub/real.docx', real]]);
  });

  it('renameFile through the link’s ID renames the target; the link is left dangling, never followed', async () => {
    const { s, real, link } = await setup();
    expect(link).toBe(real);
    expect((await s.renameFile(link, ['renamed.docx'])).name).toBe('renamed.docx');
    expect(await content('sub/renamed.docx')).toBe('REAL');
    expect(await exists('sub/real.docx')).toBe(false);
  });

  it('deleteFile through the link’s ID deletes the one file; the ID stays deleted', async () => {
    const { s, link } = await setup();
    await s.deleteFile(link);
    await expectNotFound(s.getFileInfo(link));
    expect(await exists('sub/real.docx')).toBe(false);
  });

  it('a recorded path that becomes a link is 404, even to a file inside the root', async () => {
    await put('a.docx', 'A');
    await put('b.docx', 'B');
    const s = storage();
    const a = await s.fileIdFor('a.docx');
    await rm(path.join(root, 'a.docx'));
    await symlink(path.join(root, 'b.docx'), path.join(root, 'a.docx'));
    await expectNotFound(storage().getFileInfo(a));
    await expectNotFound(storage().readFile(a));
    await expectNotFound(storage().writeFile(a, body('X'), ctx()));
    expect(await content('b.docx')).toBe('B');
  });
});
