import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { FileNotFoundError, MemoryStorage, type WopiFileInfo } from '../../src';
import { writeContext } from '../helpers/fs-sandbox';
import {
  abortingBody,
  body,
  collect,
  endless,
  expectFileExists,
  expectNotFound,
  failingBody,
  rejection,
  target,
} from '../helpers/storage-kit';

const ctx = writeContext;

/** Everything observable about a storage's files: list, contents and metadata. */
async function snapshot(s: MemoryStorage): Promise<Array<{ fileId: string; name: string; content: string; info: WopiFileInfo }>> {
  const out = [];
  for (const { fileId, name } of s.list()) {
    out.push({ fileId, name, content: s.getContent(fileId).toString('hex'), info: await s.getFileInfo(fileId) });
  }
  return out;
}

const UNKNOWN_IDS: Array<[string, string]> = [
  ['an unknown ID', 'AAAAAAAAAAAAAAAAAAAAAA'],
  ['a malformed ID', '../a.docx'],
  ['an empty ID', ''],
];

describe('MemoryStorage.findRelativeFile', () => {
  it('gives the ID of the file with that name, or null', async () => {
    const s = new MemoryStorage();
    const a = s.addFile('a.docx', 'a');
    const b = s.addFile('b.docx', 'b');
    expect(await s.findRelativeFile(a, 'b.docx')).toBe(b);
    expect(await s.findRelativeFile(b, 'a.docx')).toBe(a);
    expect(await s.findRelativeFile(a, 'a.docx')).toBe(a);
    expect(await s.findRelativeFile(a, 'missing.docx')).toBeNull();
  });

  it('compares names as a case-insensitive file system does, and nothing looser', async () => {
    const s = new MemoryStorage();
    const a = s.addFile('a.docx', 'a');
    expect(await s.findRelativeFile(a, 'A.DOCX')).toBe(a);
    expect(await s.findRelativeFile(a, 'a.docx ')).toBeNull();
    expect(await s.findRelativeFile(a, 'a')).toBeNull();
  });

  it.each(UNKNOWN_IDS)('answers 404 for %s', async (_label, id) => {
    const s = new MemoryStorage();
    s.addFile('a.docx', 'a');
    await expectNotFound(s.findRelativeFile(id, 'a.docx'));
  });
});

describe('MemoryStorage.createRelativeFile', () => {
  it('uses the first free candidate, leaving taken names untouched', async () => {
    const s = new MemoryStorage();
    const a = s.addFile('a.docx', 'original');
    const taken = s.addFile('a (1).docx', 'taken one');
    const before = await snapshot(s);
    const created = await s.createRelativeFile(a, body('new content'), target(['a.docx', 'a (1).docx', 'a (2).docx', 'a (3).docx']), ctx());

    expect(created.info.name).toBe('a (2).docx');
    expect(s.getContent(created.fileId).toString()).toBe('new content');
    expect(await snapshot(s)).toStrictEqual([
      ...before,
      { fileId: created.fileId, name: 'a (2).docx', content: Buffer.from('new content').toString('hex'), info: created.info },
    ]);
    expect(await s.findRelativeFile(a, 'a (1).docx')).toBe(taken);
    expect(await s.findRelativeFile(a, 'a (3).docx')).toBeNull();
  });

  it('gives the new file a new URL-safe ID and the info getFileInfo reports', async () => {
    const s = new MemoryStorage();
    const a = s.addFile('a.docx', 'original');
    const created = await s.createRelativeFile(a, body('hello'), target(['b.docx']), ctx());
    expect(created.fileId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(created.fileId).not.toBe(a);
    expect(created.info).toStrictEqual(await s.getFileInfo(created.fileId));
    expect(created.info.name).toBe('b.docx');
    expect(created.info.size).toBe(5);
    expect(created.info.sha256).toBe('LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=');
    expect(created.info.lastModifiedTime).toBeInstanceOf(Date);
    expect(await s.findRelativeFile(a, 'b.docx')).toBe(created.fileId);
    expect((await collect((await s.readFile(created.fileId)).stream)).toString()).toBe('hello');
    expect(s.getContent(a).toString()).toBe('original');
  });

  it("gives the new file the original's owner", async () => {
    const s = new MemoryStorage();
    const a = s.addFile('a.docx', 'original', { ownerId: 'owner-7' });
    const created = await s.createRelativeFile(a, body('x'), target(['b.docx']), ctx());
    expect(created.info.ownerId).toBe('owner-7');
  });

  it('stops at the first free name of an endless candidate sequence', async () => {
    const s = new MemoryStorage();
    const r = s.addFile('r.docx', 'r');
    s.addFile('r (1).docx', 'r1');
    const created = await s.createRelativeFile(r, body('x'), target(endless('r', '.docx')), ctx());
    expect(created.info.name).toBe('r (2).docx');
  });

  it('stores a body of several chunks and an empty body', async () => {
    const s = new MemoryStorage();
    const a = s.addFile('a.docx', 'a');
    const big = randomBytes(100_000);
    const first = await s.createRelativeFile(
      a,
      Readable.from([big.subarray(0, 1), big.subarray(1, 50_000), big.subarray(50_000)]),
      target(['big.bin']),
      ctx(),
    );
    expect(s.getContent(first.fileId).equals(big)).toBe(true);
    const empty = await s.createRelativeFile(a, Readable.from([]), target(['empty.txt']), ctx());
    expect(empty.info.size).toBe(0);
  });

  describe('overwrite', () => {
    it('replaces the first candidate, keeping its ID and owner, and ignores the others', async () => {
      const s = new MemoryStorage();
      const a = s.addFile('a.docx', 'original');
      const b = s.addFile('b.docx', 'old b', { ownerId: 'b-owner' });
      const bBefore = await s.getFileInfo(b);
      const created = await s.createRelativeFile(a, body('new b'), target(['b.docx', 'c.docx'], true), ctx());

      expect(created.fileId).toBe(b);
      expect(created.info.name).toBe('b.docx');
      expect(s.getContent(b).toString()).toBe('new b');
      expect(created.info).toStrictEqual(await s.getFileInfo(b));
      expect(created.info.version).not.toBe(bBefore.version);
      expect(created.info.sha256).not.toBe(bBefore.sha256);
      expect(created.info.ownerId).toBe('b-owner');
      expect(created.info.lastModifiedTime.getTime()).toBeGreaterThan(bBefore.lastModifiedTime.getTime());
      expect(
        s
          .list()
          .map((f) => f.name)
          .sort(),
      ).toStrictEqual(['a.docx', 'b.docx']);
      expect(s.getContent(a).toString()).toBe('original');
    });

    it('creates the first candidate when it is free', async () => {
      const s = new MemoryStorage();
      const a = s.addFile('a.docx', 'original');
      const created = await s.createRelativeFile(a, body('fresh'), target(['b.docx', 'c.docx'], true), ctx());
      expect(created.info.name).toBe('b.docx');
      expect(created.fileId).not.toBe(a);
      expect(await s.findRelativeFile(a, 'c.docx')).toBeNull();
    });
  });

  it('throws FileExistsError when every candidate is taken, changing nothing', async () => {
    const s = new MemoryStorage();
    const a = s.addFile('a.docx', 'original');
    s.addFile('b.docx', 'b');
    const before = await snapshot(s);
    await expectFileExists(s.createRelativeFile(a, body('x'), target(['b.docx', 'a.docx']), ctx()));
    await expectFileExists(s.createRelativeFile(a, body('x'), target([]), ctx()));
    expect(await snapshot(s)).toStrictEqual(before);
  });

  it.each(UNKNOWN_IDS)('answers 404 for %s, creating nothing', async (_label, id) => {
    const s = new MemoryStorage();
    s.addFile('a.docx', 'a');
    const before = await snapshot(s);
    await expectNotFound(s.createRelativeFile(id, body('x'), target(['b.docx']), ctx()));
    expect(await snapshot(s)).toStrictEqual(before);
  });

  describe('failure midway', () => {
    async function setup() {
      const s = new MemoryStorage();
      const a = s.addFile('a.docx', 'original');
      s.addFile('b.docx', 'old b');
      return { s, a, before: await snapshot(s) };
    }

    it.each<[string, boolean]>([
      ['a new name', false],
      ['overwrite', true],
    ])('a body that errors midway (%s) rejects with its error and changes nothing', async (_label, overwrite) => {
      const { s, a, before } = await setup();
      const error = new Error('client went away');
      const candidates = overwrite ? ['b.docx'] : ['c.docx'];
      expect(await rejection(s.createRelativeFile(a, failingBody(randomBytes(1000), error), target(candidates, overwrite), ctx()))).toBe(
        error,
      );
      expect(await snapshot(s)).toStrictEqual(before);
    });

    it.each<[string, boolean]>([
      ['a new name', false],
      ['overwrite', true],
    ])('a signal aborted midway (%s) rejects with its reason and changes nothing', async (_label, overwrite) => {
      const { s, a, before } = await setup();
      const aborter = new AbortController();
      const reason = new Error('client closed the connection');
      const candidates = overwrite ? ['b.docx'] : ['c.docx'];
      const err = await rejection(
        s.createRelativeFile(a, abortingBody(aborter, reason, 1000), target(candidates, overwrite), ctx(aborter.signal)),
      );
      expect(err === reason || (err instanceof Error && err.cause === reason)).toBe(true);
      expect(await snapshot(s)).toStrictEqual(before);
    });

    it('an already-aborted signal rejects with its reason and changes nothing', async () => {
      const { s, a, before } = await setup();
      const aborter = new AbortController();
      const reason = new Error('gone');
      aborter.abort(reason);
      expect(await rejection(s.createRelativeFile(a, body('x'), target(['c.docx']), ctx(aborter.signal)))).toBe(reason);
      expect(await rejection(s.createRelativeFile(a, body('x'), target(['b.docx'], true), ctx(aborter.signal)))).toBe(reason);
      expect(await snapshot(s)).toStrictEqual(before);
    });
  });
});

describe('MemoryStorage.renameFile', () => {
  it('keeps the ID, content and version and reports the new name', async () => {
    const s = new MemoryStorage();
    const id = s.addFile('a.docx', 'content of a');
    const before = await s.getFileInfo(id);
    const info = await s.renameFile(id, ['renamed.docx']);
    expect(info).toStrictEqual({ ...before, name: 'renamed.docx' });
    expect(await s.getFileInfo(id)).toStrictEqual(info);
    expect(s.getContent(id).toString()).toBe('content of a');
    expect(s.list()).toStrictEqual([{ fileId: id, name: 'renamed.docx' }]);
    expect(await s.findRelativeFile(id, 'renamed.docx')).toBe(id);
    expect(await s.findRelativeFile(id, 'a.docx')).toBeNull();
  });

  it('gives a file created under the old name a new ID', async () => {
    const s = new MemoryStorage();
    const id = s.addFile('a.docx', 'a');
    await s.renameFile(id, ['b.docx']);
    const created = await s.createRelativeFile(id, body('new a'), target(['a.docx']), ctx());
    expect(created.fileId).not.toBe(id);
    expect(await s.findRelativeFile(id, 'a.docx')).toBe(created.fileId);
    expect((await s.getFileInfo(id)).name).toBe('b.docx');
    expect(s.getContent(id).toString()).toBe('a');
  });

  it('skips a taken name to the next candidate, leaving the other file untouched', async () => {
    const s = new MemoryStorage();
    const id = s.addFile('a.docx', 'a');
    const b = s.addFile('b.docx', 'b');
    const bInfo = await s.getFileInfo(b);
    const info = await s.renameFile(id, ['b.docx', 'b (1).docx', 'b (2).docx']);
    expect(info.name).toBe('b (1).docx');
    expect(await s.getFileInfo(b)).toStrictEqual(bInfo);
    expect(s.getContent(b).toString()).toBe('b');
    expect(await s.findRelativeFile(id, 'b.docx')).toBe(b);
  });

  it('stops at the first free name of an endless candidate sequence', async () => {
    const s = new MemoryStorage();
    const id = s.addFile('a.docx', 'a');
    s.addFile('b.docx', 'b');
    s.addFile('b (1).docx', 'b1');
    expect((await s.renameFile(id, endless('b', '.docx'))).name).toBe('b (2).docx');
  });

  it('throws FileExistsError when every candidate is taken, changing nothing', async () => {
    const s = new MemoryStorage();
    const id = s.addFile('a.docx', 'a');
    s.addFile('b.docx', 'b');
    s.addFile('b (1).docx', 'b1');
    const before = await snapshot(s);
    await expectFileExists(s.renameFile(id, ['b.docx', 'b (1).docx']));
    await expectFileExists(s.renameFile(id, []));
    expect(await snapshot(s)).toStrictEqual(before);
  });

  it('is a no-op for the current name', async () => {
    const s = new MemoryStorage();
    const id = s.addFile('a.docx', 'a');
    s.addFile('a (1).docx', 'other');
    const before = await snapshot(s);
    expect(await s.renameFile(id, ['a.docx', 'a (1).docx', 'a (2).docx'])).toStrictEqual(before[0]?.info);
    expect(await snapshot(s)).toStrictEqual(before);
  });

  it('never gives two files the same name', async () => {
    const s = new MemoryStorage();
    const ids = [s.addFile('a.docx', 'a'), s.addFile('b.docx', 'b'), s.addFile('c.docx', 'c')];
    for (const id of ids) await s.renameFile(id, endless('same', '.docx'));
    const names = s.list().map((f) => f.name);
    expect(names.sort()).toStrictEqual(['same (1).docx', 'same (2).docx', 'same.docx']);
  });

  it.each(UNKNOWN_IDS)('answers 404 for %s', async (_label, id) => {
    const s = new MemoryStorage();
    s.addFile('a.docx', 'a');
    await expectNotFound(s.renameFile(id, ['b.docx']));
    expect(s.list().map((f) => f.name)).toStrictEqual(['a.docx']);
  });
});

describe('MemoryStorage.deleteFile', () => {
  it('removes the file; its ID no longer resolves anywhere', async () => {
    const s = new MemoryStorage();
    const id = s.addFile('a.docx', 'a');
    const b = s.addFile('b.docx', 'b');
    await s.deleteFile(id);
    expect(s.list()).toStrictEqual([{ fileId: b, name: 'b.docx' }]);
    await expectNotFound(s.getFileInfo(id));
    await expectNotFound(s.readFile(id));
    await expectNotFound(s.writeFile(id, body('x'), ctx()));
    await expectNotFound(s.renameFile(id, ['c.docx']));
    await expectNotFound(s.findRelativeFile(id, 'b.docx'));
    await expectNotFound(s.createRelativeFile(id, body('x'), target(['c.docx']), ctx()));
    await expectNotFound(s.deleteFile(id));
    expect(() => s.getContent(id)).toThrow(FileNotFoundError);
    expect(await s.findRelativeFile(b, 'a.docx')).toBeNull();
    expect(s.getContent(b).toString()).toBe('b');
  });

  it('never hands the ID to a new file with the same name', async () => {
    const s = new MemoryStorage();
    const id = s.addFile('a.docx', 'a');
    const keep = s.addFile('keep.docx', 'k');
    await s.deleteFile(id);
    const created = await s.createRelativeFile(keep, body('again'), target(['a.docx']), ctx());
    expect(created.fileId).not.toBe(id);
    expect(created.info.name).toBe('a.docx');
    await expectNotFound(s.getFileInfo(id));
    expect(await s.findRelativeFile(keep, 'a.docx')).toBe(created.fileId);
  });

  it.each(UNKNOWN_IDS)('answers 404 for %s, deleting nothing', async (_label, id) => {
    const s = new MemoryStorage();
    s.addFile('a.docx', 'a');
    const before = await snapshot(s);
    await expectNotFound(s.deleteFile(id));
    expect(await snapshot(s)).toStrictEqual(before);
  });
});
