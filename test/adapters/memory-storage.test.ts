import { Readable } from 'node:stream';
import { FileNotFoundError, MemoryStorage, WopiConfigError } from '../../src';
import { writeContext } from '../helpers/fs-sandbox';
import { collect, expectNotFound, failingBody } from '../helpers/storage-kit';

const ctx = writeContext;

describe('MemoryStorage', () => {
  afterEach(() => jest.restoreAllMocks());

  describe('addFile / list / getContent', () => {
    it('assigns a random URL-safe 22-character ID when none is given', () => {
      const s = new MemoryStorage();
      const a = s.addFile('a.docx', 'x');
      const b = s.addFile('a.docx', 'x');
      expect(a).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(b).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(a).not.toBe(b);
    });

    it('uses a given file ID', () => {
      const s = new MemoryStorage();
      expect(s.addFile('a.docx', 'x', { fileId: 'my-file_1' })).toBe('my-file_1');
      expect(s.list()).toStrictEqual([{ fileId: 'my-file_1', name: 'a.docx' }]);
    });

    it.each<[string, string]>([
      ['empty', ''],
      ['dot-dot', '..'],
      ['slash', 'a/b'],
      ['percent-encoded', '%2e%2e'],
      ['space', 'a b'],
      ['dot', 'a.b'],
      ['129 characters', 'a'.repeat(129)],
    ])('refuses an invalid file ID (%s) with WopiConfigError', (_label, fileId) => {
      const s = new MemoryStorage();
      expect(() => s.addFile('a.docx', 'x', { fileId })).toThrow(WopiConfigError);
      try {
        s.addFile('a.docx', 'x', { fileId });
      } catch (err) {
        expect((err as WopiConfigError).code).toBe('WOPI_OPTION_VALUE');
        expect((err as WopiConfigError).message).toMatch(/^MemoryStorage\.addFile: `fileId` .* is not URL-safe/);
        expect((err as WopiConfigError).option).toBe('fileId');
      }
      expect(s.list()).toStrictEqual([]);
    });

    it('accepts a 128-character file ID', () => {
      const s = new MemoryStorage();
      const id = 'a'.repeat(128);
      expect(s.addFile('a.docx', 'x', { fileId: id })).toBe(id);
    });

    it('refuses a duplicate ID and keeps the first file', () => {
      const s = new MemoryStorage();
      s.addFile('first.docx', 'one', { fileId: 'dup' });
      expect(() => s.addFile('second.docx', 'two', { fileId: 'dup' })).toThrow(WopiConfigError);
      expect(() => s.addFile('second.docx', 'two', { fileId: 'dup' })).toThrow(/already exists/);
      expect(s.list()).toStrictEqual([{ fileId: 'dup', name: 'first.docx' }]);
      expect(s.getContent('dup').toString()).toBe('one');
    });

    it('lists files in insertion order', () => {
      const s = new MemoryStorage();
      const ids = ['b', 'a', 'c'].map((n) => s.addFile(`${n}.txt`, n, { fileId: `id-${n}` }));
      expect(s.list()).toStrictEqual([
        { fileId: 'id-b', name: 'b.txt' },
        { fileId: 'id-a', name: 'a.txt' },
        { fileId: 'id-c', name: 'c.txt' },
      ]);
      expect(ids).toStrictEqual(['id-b', 'id-a', 'id-c']);
    });

    it('stores strings as UTF-8 and buffers byte-exact; getContent returns a copy', () => {
      const s = new MemoryStorage();
      const text = s.addFile('t.txt', 'héllo');
      const bin = s.addFile('b.bin', Buffer.from([0, 255, 1, 254]));
      const empty = s.addFile('e.txt');
      expect(s.getContent(text)).toStrictEqual(Buffer.from('héllo', 'utf8'));
      expect(s.getContent(bin)).toStrictEqual(Buffer.from([0, 255, 1, 254]));
      expect(s.getContent(empty).length).toBe(0);
      const copy = s.getContent(bin);
      copy[0] = 42;
      expect(s.getContent(bin)[0]).toBe(0);
    });

    it('getContent of an unknown ID throws FileNotFoundError', () => {
      const s = new MemoryStorage();
      expect(() => s.getContent('nope')).toThrow(FileNotFoundError);
    });
  });

  describe('getFileInfo / readFile', () => {
    it('reports name, size in bytes, version, time, sha256 and owner', async () => {
      const s = new MemoryStorage();
      const before = Date.now();
      const id = s.addFile('é.docx', 'héllo');
      const info = await s.getFileInfo(id);
      expect(info.name).toBe('é.docx');
      expect(info.size).toBe(6); // bytes, not characters
      expect(info.version).toBe('1');
      expect(info.ownerId).toBe('express-wopi');
      expect(info.sha256).toBe('PEhZHY0JikU49eAT389AbpSOrE0yd7EL9hTildYGgXk='); // base64 SHA-256 of the UTF-8 bytes
      expect(info.lastModifiedTime).toBeInstanceOf(Date);
      expect(info.lastModifiedTime.getTime()).toBeGreaterThanOrEqual(before);
      expect(info.lastModifiedTime.getTime()).toBeLessThanOrEqual(Date.now());
    });

    it('uses a custom ownerId', async () => {
      const s = new MemoryStorage();
      const id = s.addFile('a.txt', 'x', { ownerId: 'alice' });
      expect((await s.getFileInfo(id)).ownerId).toBe('alice');
    });

    it('readFile returns the info and a stream of the content', async () => {
      const s = new MemoryStorage();
      const id = s.addFile('a.bin', Buffer.from([1, 2, 3]));
      const { info, stream } = await s.readFile(id);
      expect(info).toStrictEqual(await s.getFileInfo(id));
      expect(await collect(stream)).toStrictEqual(Buffer.from([1, 2, 3]));
    });

    it('hands out copies: mutating returned info does not change the store', async () => {
      const s = new MemoryStorage();
      const id = s.addFile('a.txt', 'x');
      const info = await s.getFileInfo(id);
      const t = info.lastModifiedTime.getTime();
      info.lastModifiedTime.setTime(0);
      info.name = 'changed';
      const again = await s.getFileInfo(id);
      expect(again.lastModifiedTime.getTime()).toBe(t);
      expect(again.name).toBe('a.txt');
    });

    it.each<[string, string]>([
      ['unknown', 'unknown-id'],
      ['empty', ''],
      ['dot-dot', '..'],
      ['path', '../etc/passwd'],
      ['prototype key', '__proto__'],
      ['constructor', 'constructor'],
    ])('unknown ID (%s) → FileNotFoundError (404) from every method', async (_label, id) => {
      const s = new MemoryStorage();
      s.addFile('a.txt', 'x');
      await expectNotFound(s.getFileInfo(id));
      await expectNotFound(s.readFile(id));
      await expectNotFound(s.writeFile(id, Readable.from([Buffer.from('y')]), ctx()));
    });
  });

  describe('writeFile', () => {
    it('replaces the content, bumps the version and returns the new info', async () => {
      const s = new MemoryStorage();
      const id = s.addFile('a.txt', 'old');
      const before = await s.getFileInfo(id);
      const written = await s.writeFile(id, Readable.from([Buffer.from('new '), Buffer.from('content')]), ctx());
      expect(s.getContent(id).toString()).toBe('new content');
      expect(written.size).toBe(11);
      expect(written.version).not.toBe(before.version);
      expect(written.sha256).not.toBe(before.sha256);
      expect(await s.getFileInfo(id)).toStrictEqual(written);
    });

    it('changes the version on every write, even with identical content', async () => {
      const s = new MemoryStorage();
      const id = s.addFile('a.txt', 'same');
      const versions = new Set([(await s.getFileInfo(id)).version]);
      for (let i = 0; i < 3; i++) versions.add((await s.writeFile(id, Readable.from([Buffer.from('same')]), ctx())).version);
      expect(versions.size).toBe(4);
    });

    it('keeps the version when nothing is written', async () => {
      const s = new MemoryStorage();
      const id = s.addFile('a.txt', 'x');
      const v = (await s.getFileInfo(id)).version;
      await s.readFile(id);
      expect((await s.getFileInfo(id)).version).toBe(v);
    });

    it('writes an empty body', async () => {
      const s = new MemoryStorage();
      const id = s.addFile('a.txt', 'x');
      const info = await s.writeFile(id, Readable.from([]), ctx());
      expect(info.size).toBe(0);
      expect(s.getContent(id).length).toBe(0);
    });

    it('makes lastModifiedTime strictly increase, also for writes within one millisecond', async () => {
      const s = new MemoryStorage();
      const id = s.addFile('a.txt', 'x');
      const t0 = (await s.getFileInfo(id)).lastModifiedTime.getTime();
      jest.spyOn(Date, 'now').mockReturnValue(t0); // the clock stands still
      const t1 = (await s.writeFile(id, Readable.from([Buffer.from('1')]), ctx())).lastModifiedTime.getTime();
      const t2 = (await s.writeFile(id, Readable.from([Buffer.from('2')]), ctx())).lastModifiedTime.getTime();
      const t3 = (await s.writeFile(id, Readable.from([Buffer.from('3')]), ctx())).lastModifiedTime.getTime();
      expect([t1 - t0, t2 - t1, t3 - t2]).toStrictEqual([1, 1, 1]);
      expect((await s.getFileInfo(id)).lastModifiedTime.getTime()).toBe(t3);
    });

    it('uses the clock when it has moved on', async () => {
      const s = new MemoryStorage();
      const id = s.addFile('a.txt', 'x');
      const t0 = (await s.getFileInfo(id)).lastModifiedTime.getTime();
      jest.spyOn(Date, 'now').mockReturnValue(t0 + 5000);
      const t1 = (await s.writeFile(id, Readable.from([Buffer.from('1')]), ctx())).lastModifiedTime.getTime();
      expect(t1).toBe(t0 + 5000);
    });

    it('leaves the old content when the body errors midway', async () => {
      const s = new MemoryStorage();
      const id = s.addFile('a.txt', 'original');
      const before = await s.getFileInfo(id);
      const error = new Error('client went away');
      await expect(s.writeFile(id, failingBody('partial new content', error), ctx())).rejects.toBe(error);
      expect(s.getContent(id).toString()).toBe('original');
      expect(await s.getFileInfo(id)).toStrictEqual(before);
    });

    it('rejects at once with an already-aborted signal and leaves the old content', async () => {
      const s = new MemoryStorage();
      const id = s.addFile('a.txt', 'original');
      const before = await s.getFileInfo(id);
      const aborter = new AbortController();
      const reason = new Error('aborted before start');
      aborter.abort(reason);
      await expect(s.writeFile(id, Readable.from([Buffer.from('new')]), ctx(aborter.signal))).rejects.toBe(reason);
      await expect(s.writeFile(id, Readable.from([]), ctx(aborter.signal))).rejects.toBe(reason);
      expect(s.getContent(id).toString()).toBe('original');
      expect(await s.getFileInfo(id)).toStrictEqual(before);
    });

    it('rejects when the signal aborts midway and leaves the old content', async () => {
      const s = new MemoryStorage();
      const id = s.addFile('a.txt', 'original');
      const aborter = new AbortController();
      const reason = new Error('client closed the connection');
      async function* body() {
        yield Buffer.from('part 1');
        aborter.abort(reason);
        yield Buffer.from('part 2');
      }
      await expect(s.writeFile(id, Readable.from(body()), ctx(aborter.signal))).rejects.toBe(reason);
      expect(s.getContent(id).toString()).toBe('original');
      expect((await s.getFileInfo(id)).version).toBe('1');
    });

    it('rejects promptly when the signal aborts while the body is stalled', async () => {
      const s = new MemoryStorage();
      const id = s.addFile('a.txt', 'original');
      const aborter = new AbortController();
      const reason = new Error('client closed the connection');
      const body = new Readable({ read() {} });
      body.push(Buffer.from('part 1')); // then nothing more arrives
      const pending = s.writeFile(id, body, ctx(aborter.signal));
      setTimeout(() => aborter.abort(reason), 20);
      const outcome = await Promise.race([
        pending.then(
          () => 'resolved',
          (e: unknown) => e,
        ),
        new Promise((r) => setTimeout(() => r('still pending 300 ms after the abort'), 320)),
      ]);
      body.destroy(); // let a stuck writeFile finish
      await pending.catch(() => undefined);
      // The abort reason itself, or an AbortError caused by it (e.g. from stream.addAbortSignal).
      expect(outcome === reason || (outcome instanceof Error && outcome.cause === reason)).toBe(true);
      expect(s.getContent(id).toString()).toBe('original');
    });
  });
});
