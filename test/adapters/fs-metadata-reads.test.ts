/**
 * FileSystemStorage's metadata reads (src/adapters/fs/metadata-reads.ts): on the event loop only
 * on a local Linux file system, back to the thread pool for good after one slow read, and the same
 * answers either way.
 */
import { closeSync, statfsSync } from 'node:fs';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FileSystemStorage, WopiConfigError } from '../../src';
import { localFileSystemName, MetadataReads } from '../../src/adapters/fs/metadata-reads';
import { READ_FLAGS } from '../../src/adapters/fs/jailed-folder';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ew-metadata-reads-'));
  await writeFile(path.join(dir, 'a.docx'), 'hello');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const onLinux = process.platform === 'linux';

/** A thenable (Node's promises are of another realm than the test's `Promise`). */
const isPromise = (value: unknown): boolean => typeof (value as { then?: unknown } | undefined)?.then === 'function';

describe('localFileSystemName', () => {
  test.each([
    [0xef53, 'ext2/3/4'],
    [0x58465342, 'xfs'],
    [0x9123683e, 'btrfs'],
    [0x01021994, 'tmpfs'],
    [0x794c7630, 'overlayfs'],
    [0x6969, undefined], // NFS
    [0xff534d42, undefined], // CIFS
    [0xfe534d42, undefined], // SMB2
    [0x65735546, undefined], // FUSE (sshfs, virtiofs, …)
    [0x01021997, undefined], // 9p
    [0x00c36400, undefined], // Ceph
    [0, undefined],
  ])('0x%s → %s', (type, name) => {
    expect(localFileSystemName(type)).toBe(name);
  });
});

describe('MetadataReads', () => {
  test("'auto' reads on the event loop exactly when the folder's file system is a local one", async () => {
    const reads = new MetadataReads(dir, 'auto');
    expect(reads.synchronous).toBe(false);
    await reads.decide();
    const local = onLinux && localFileSystemName(statfsSync(dir).type) !== undefined;
    expect(reads.synchronous).toBe(local);
  });

  test("'thread-pool' never reads on the event loop", async () => {
    const reads = new MetadataReads(dir, 'thread-pool');
    await reads.decide();
    expect(reads.synchronous).toBe(false);
  });

  test.each(['auto', 'thread-pool'] as const)('%s: the same answers, a missing file is undefined, an opened file is open', async (mode) => {
    const reads = new MetadataReads(dir, mode);
    await reads.decide();
    const st = await reads.statQuietly(path.join(dir, 'a.docx'));
    expect(st?.size).toBe(5n);
    expect(await reads.statQuietly(path.join(dir, 'missing'))).toBeUndefined();
    expect(await reads.openQuietly(path.join(dir, 'missing'), READ_FLAGS)).toBeUndefined();
    const opened = await reads.openQuietly(path.join(dir, 'a.docx'), READ_FLAGS);
    expect(opened?.st.ino).toBe(st?.ino);
    closeSync(opened?.fd as number);
  });

  /** MetadataReads on a clock the test moves: `at` is now, each read takes `took` (nanoseconds). */
  function onClock() {
    const clock = { at: 0n, took: 0n, reading: false };
    const reads = new MetadataReads(dir, 'auto', () => {
      // Called before and after each synchronous read: the read takes `took`.
      if (clock.reading) clock.at += clock.took;
      clock.reading = !clock.reading;
      return clock.at;
    });
    return { clock, reads };
  }
  const file = () => path.join(dir, 'a.docx');
  const local = () => onLinux && localFileSystemName(statfsSync(dir).type) !== undefined;

  test('one or two slow reads (a paused CPU) change nothing; a third within a second pauses the event-loop reads, which come back later', async () => {
    if (!local()) return; // nothing synchronous to pause
    const { clock, reads } = onClock();
    await reads.decide();
    expect(reads.synchronous).toBe(true);
    clock.took = 5_000_000n; // 5 ms
    expect((await reads.statQuietly(file()))?.size).toBe(5n);
    expect(reads.synchronous).toBe(true);
    // Slow reads spread over more than a second: never three within one.
    for (let i = 0; i < 4; i++) {
      clock.took = 0n;
      clock.at += 600_000_000n;
      clock.took = 2_000_000n;
      await reads.statQuietly(file());
      expect(reads.synchronous).toBe(true);
    }
    clock.took = 0n;
    clock.at += 2_000_000_000n; // 2 s later: the next slow read is the first of a new window
    clock.took = 2_000_000n;
    expect(isPromise(reads.stat(file()))).toBe(true); // settled at once, but still a promise
    await reads.lstat(file());
    expect(reads.synchronous).toBe(true); // two within a second: still on the event loop
    // The third slow one within the second: paused.
    const slow = reads.openQuietly(file(), READ_FLAGS);
    expect(isPromise(slow)).toBe(false);
    closeSync((await slow)?.fd as number);
    expect(reads.synchronous).toBe(false);
    clock.took = 0n;
    // While paused: the thread pool, same answers.
    const paused = reads.statQuietly(file());
    expect(isPromise(paused)).toBe(true);
    expect((await paused)?.size).toBe(5n);
    expect(reads.synchronous).toBe(false);
    // 30 s later: back on the event loop.
    clock.at += 30_000_000_000n;
    const back = reads.statQuietly(file());
    expect(isPromise(back)).toBe(false);
    expect(reads.synchronous).toBe(true);
    // Paused again: for 60 s this time (the slow reads before the pause do not count again).
    clock.took = 2_000_000n;
    await reads.statQuietly(file());
    await reads.statQuietly(file());
    expect(reads.synchronous).toBe(true);
    await reads.statQuietly(file());
    expect(reads.synchronous).toBe(false);
    clock.took = 0n;
    clock.at += 30_000_000_000n;
    await reads.statQuietly(file());
    expect(reads.synchronous).toBe(false);
    clock.at += 30_000_000_000n;
    await reads.statQuietly(file());
    expect(reads.synchronous).toBe(true);
  });

  test('reads that fail on the event loop reject as the thread pool does', async () => {
    if (!local()) return;
    const reads = new MetadataReads(dir, 'auto');
    await reads.decide();
    await expect(reads.stat(path.join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(reads.lstat(path.join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
    const pool = new MetadataReads(dir, 'thread-pool');
    await expect(pool.stat(path.join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('FileSystemStorage metadataReads option', () => {
  test("anything but 'auto' or 'thread-pool' is refused at construction", () => {
    expect(() => new FileSystemStorage({ root: dir, metadataReads: 'sync' as never })).toThrow(WopiConfigError);
    expect(() => new FileSystemStorage({ root: dir, metadataReads: 'thread-pool' })).not.toThrow();
  });

  test.each(['auto', 'thread-pool'] as const)(
    '%s: CheckFileInfo and GetFile see a save by another writer at once',
    async (metadataReads) => {
      const storage = new FileSystemStorage({ root: dir, metadataReads });
      const id = await storage.fileIdFor('a.docx');
      for (let i = 0; i < 3; i++) {
        const before = await storage.getFileInfo(id);
        // Replaced behind the storage's back (a new inode), as another process's save does.
        await writeFile(path.join(dir, 'b.tmp'), `version ${i} of the document`);
        await rename(path.join(dir, 'b.tmp'), path.join(dir, 'a.docx'));
        const after = await storage.getFileInfo(id);
        expect(after.version).not.toBe(before.version);
        expect(after.size).toBe(`version ${i} of the document`.length);
        const { stream } = await storage.readFile(id);
        const chunks: Buffer[] = [];
        for await (const c of stream) chunks.push(c as Buffer);
        expect(Buffer.concat(chunks).toString()).toBe(`version ${i} of the document`);
      }
    },
  );
});
