import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rename, stat, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import express from 'express';
import request from 'supertest';
import {
  createWopiRouter,
  FileSystemStorage,
  JwtAuth,
  WopiConfigError,
  type FileSystemStorageOptions,
  type WopiConfigErrorCode,
} from '../../src';
import { TEST_SECRET } from '../helpers/create-app';
import { OUTSIDE_CONTENT, putFile, tempFiles, useFsSandbox, writeContext } from '../helpers/fs-sandbox';
import { collect, expectNotFound, failingBody, rejection } from '../helpers/storage-kit';

const sandbox = useFsSandbox('express-wopi-fs-');
let base: string; // temp folder holding `root` and things outside it
let root: string;
let outsideFile: string;
beforeEach(() => {
  ({ base, root, outsideFile } = sandbox);
});

const put = (rel: string, content: string | Buffer): Promise<void> => putFile(root, rel, content);

function storage(options: Partial<FileSystemStorageOptions> = {}): FileSystemStorage {
  return new FileSystemStorage({ root, fsync: false, ...options });
}

const ctx = writeContext;

async function until(condition: () => Promise<boolean>, timeoutMs = 2000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('FileSystemStorage constructor', () => {
  it.each<[string, unknown, WopiConfigErrorCode, string]>([
    ['no options', undefined, 'WOPI_OPTION_TYPE', 'FileSystemStorage: options must be an object with a `root`, got undefined'],
    ['null', null, 'WOPI_OPTION_TYPE', 'FileSystemStorage: options must be an object with a `root`, got null'],
    ['no root', {}, 'WOPI_OPTION_MISSING', 'FileSystemStorage: `root` is required (the folder to serve)'],
    ['empty root', { root: '' }, 'WOPI_OPTION_VALUE', 'FileSystemStorage: `root` must be a non-empty string, got an empty string'],
    ['numeric root', { root: 42 }, 'WOPI_OPTION_TYPE', 'FileSystemStorage: `root` must be a non-empty string, got 42'],
    ['root as an array', { root: ['/tmp'] }, 'WOPI_OPTION_TYPE', 'FileSystemStorage: `root` must be a non-empty string, got an array'],
    [
      'empty metadataDir',
      { root: '/tmp', metadataDir: '' },
      'WOPI_OPTION_VALUE',
      'FileSystemStorage: `metadataDir` must be a non-empty string, got an empty string',
    ],
    ['numeric ownerId', { root: '/tmp', ownerId: 7 }, 'WOPI_OPTION_TYPE', 'FileSystemStorage: `ownerId` must be a string, got 7'],
    [
      "fsync 'false'",
      { root: '/tmp', fsync: 'false' },
      'WOPI_OPTION_TYPE',
      'FileSystemStorage: `fsync` must be true or false, got a string',
    ],
  ])('refuses %s with WopiConfigError %s', (_label, options, code, message) => {
    let thrown: unknown;
    try {
      new FileSystemStorage(options as FileSystemStorageOptions);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(WopiConfigError);
    expect((thrown as WopiConfigError).code).toBe(code);
    expect((thrown as WopiConfigError).message).toBe(`${message} [${code}]`);
  });

  it('resolves root to an absolute path', () => {
    expect(new FileSystemStorage({ root: 'some/relative' }).root).toBe(path.resolve('some/relative'));
  });
});

describe('FileSystemStorage.list', () => {
  it('lists regular files recursively in a stable, sorted order, skipping dot-files, dot-folders and metadata', async () => {
    await put('b.txt', 'b');
    await put('a.docx', 'a');
    await put('Z.txt', 'z');
    await put('sub/c.xlsx', 'c');
    await put('sub/deeper/d.txt', 'd');
    await put('sub/.hidden-in-sub.txt', 'h');
    await put('.hidden', 'h');
    await put('.dotdir/x.txt', 'x');
    await mkdir(path.join(root, 'empty-folder'));
    const s = storage();
    await s.fileIdFor('a.docx'); // creates the metadata folder inside root

    const entries = await s.list();
    expect(entries.map((e) => ({ path: e.path, name: e.name }))).toStrictEqual([
      { path: 'Z.txt', name: 'Z.txt' },
      { path: 'a.docx', name: 'a.docx' },
      { path: 'b.txt', name: 'b.txt' },
      { path: 'sub/c.xlsx', name: 'c.xlsx' },
      { path: 'sub/deeper/d.txt', name: 'd.txt' },
    ]);
    for (const e of entries) expect(e.fileId).toBe(await s.fileIdFor(e.path));
    expect(await s.list()).toStrictEqual(entries);
    expect(await storage().list()).toStrictEqual(entries);
  });

  it('lists nothing for an empty root', async () => {
    expect(await storage().list()).toStrictEqual([]);
  });

  it('skips a custom metadata folder inside the root even when its name has no dot', async () => {
    await put('a.txt', 'a');
    const s = storage({ metadataDir: path.join(root, 'wopi-meta') });
    await s.fileIdFor('a.txt'); // writes records into root/wopi-meta
    const entries = await s.list();
    expect(entries.map((e) => e.path)).toStrictEqual(['a.txt']);
  });

  it('works with a metadata folder outside the root', async () => {
    await put('a.txt', 'a');
    const metadataDir = path.join(base, 'meta');
    const s = storage({ metadataDir });
    const entries = await s.list();
    expect(entries.map((e) => e.path)).toStrictEqual(['a.txt']);
    expect(await readdir(root)).toStrictEqual(['a.txt']);
    expect((await readdir(metadataDir)).sort()).toStrictEqual(['ids', 'paths']);
  });
});

describe('FileSystemStorage.fileIdFor', () => {
  it('gives a URL-safe ID that reveals neither the path nor the name', async () => {
    await put('sub/secret-report.docx', 'x');
    const id = await storage().fileIdFor('sub/secret-report.docx');
    expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(id).toHaveLength(22);
    for (const part of ['sub', 'secret', 'report', 'docx']) expect(id.toLowerCase()).not.toContain(part);
    expect(id).not.toContain(Buffer.from('sub/secret-report.docx').toString('base64url').slice(0, 8));
  });

  it('is stable across calls and distinct between files', async () => {
    await put('a.txt', 'a');
    await put('b.txt', 'b');
    const s = storage();
    const a1 = await s.fileIdFor('a.txt');
    const a2 = await s.fileIdFor('a.txt');
    const b = await s.fileIdFor('b.txt');
    expect(a2).toBe(a1);
    expect(b).not.toBe(a1);
  });

  it.each<[string, string]>([
    ['./a.txt', 'a.txt'],
    ['sub/../a.txt', 'a.txt'],
    ['sub//c.txt', 'sub/c.txt'],
    ['sub\\c.txt', 'sub/c.txt'],
  ])('treats %j as the same file as %j', async (spelling, canonical) => {
    await put('a.txt', 'a');
    await put('sub/c.txt', 'c');
    const s = storage();
    expect(await s.fileIdFor(spelling)).toBe(await s.fileIdFor(canonical));
  });

  it('agrees between two instances on the same root (two processes), both fresh', async () => {
    await put('a.txt', 'a');
    await put('sub/b.txt', 'b');
    const one = storage();
    const two = storage();
    const a1 = await one.fileIdFor('a.txt');
    const b2 = await two.fileIdFor('sub/b.txt');
    expect(await two.fileIdFor('a.txt')).toBe(a1);
    expect(await one.fileIdFor('sub/b.txt')).toBe(b2);
    expect(await storage().fileIdFor('a.txt')).toBe(a1);
  });

  it('agrees between two fresh instances that assign concurrently', async () => {
    const files = Array.from({ length: 100 }, (_, i) => `f${i}.txt`);
    for (const f of files) await put(f, f);
    const pairs = await Promise.all(files.map(async (f) => Promise.all([storage().fileIdFor(f), storage().fileIdFor(f)])));
    const mismatched = files.filter((_, i) => pairs[i]![0] !== pairs[i]![1]);
    expect(mismatched).toStrictEqual([]);
    const later = storage();
    for (const [i, [a]] of pairs.entries()) expect(await later.fileIdFor(files[i]!)).toBe(a);
  });

  it('agrees between two fresh instances that assign concurrently on a slow disk (ID record written after it is created)', async () => {
    // Widens the window between "record file created" and "record content written" that every
    // real disk has, so a race between two processes shows deterministically.
    const actual = jest.requireActual<typeof import('node:fs/promises')>('node:fs/promises');
    let Isolated: typeof FileSystemStorage | undefined;
    jest.isolateModules(() => {
      jest.doMock('node:fs/promises', () => ({
        ...actual,
        writeFile: async (file: string, data: string, options?: { flag?: string }) => {
          if (options?.flag !== 'wx') return actual.writeFile(file, data, options);
          const handle = await actual.open(file, 'wx');
          try {
            await new Promise((r) => setTimeout(r, 30));
            await handle.writeFile(data);
          } finally {
            await handle.close();
          }
        },
      }));
      Isolated = (require('../../src/adapters/fs/storage') as typeof import('../../src/adapters/fs/storage')).FileSystemStorage;
    });
    jest.dontMock('node:fs/promises');
    await put('a.txt', 'a');
    const make = () => new Isolated!({ root, fsync: false });
    const [one, two] = await Promise.all([make().fileIdFor('a.txt'), make().fileIdFor('a.txt')]);
    expect(two).toBe(one);
    expect(await storage().fileIdFor('a.txt')).toBe(one);
  });

  it('keeps resolving an ID after a rename done by hand with its ids/<id> record updated', async () => {
    await put('draft.txt', 'content');
    const s = storage();
    const id = await s.fileIdFor('draft.txt');
    await rename(path.join(root, 'draft.txt'), path.join(root, 'final.txt'));
    await expectNotFound(s.getFileInfo(id)); // record still names the old path
    await writeFile(path.join(root, '.express-wopi', 'ids', id), 'final.txt');
    const info = await s.getFileInfo(id);
    expect(info.name).toBe('final.txt');
    expect((await collect((await s.readFile(id)).stream)).toString()).toBe('content');
  });

  it('gives a new file at a renamed file’s old path a new ID', async () => {
    await put('draft.txt', 'v1');
    const s = storage();
    const id = await s.fileIdFor('draft.txt');
    await rename(path.join(root, 'draft.txt'), path.join(root, 'final.txt'));
    await writeFile(path.join(root, '.express-wopi', 'ids', id), 'final.txt');
    await put('draft.txt', 'new file');
    const newId = await s.fileIdFor('draft.txt');
    expect(newId).not.toBe(id);
    expect((await s.getFileInfo(id)).name).toBe('final.txt');
    expect((await s.getFileInfo(newId)).name).toBe('draft.txt');
  });

  it('refuses a missing file', async () => {
    await expectNotFound(storage().fileIdFor('missing.txt'));
  });

  it('refuses a folder (not a regular file)', async () => {
    await put('sub/c.txt', 'c');
    const s = storage();
    await expectNotFound(s.fileIdFor('sub'));
    expect(await readdir(path.join(root, '.express-wopi', 'ids')).catch(() => [])).toStrictEqual([]);
  });

  describe('path confinement', () => {
    beforeEach(async () => {
      await put('a.txt', 'a');
      await put('sub/c.txt', 'c');
    });

    it.each<[string, () => string]>([
      ['../x', () => '../x'],
      ['../outside.txt (exists)', () => '../outside.txt'],
      ['/etc/passwd', () => '/etc/passwd'],
      ['absolute path of the outside file', () => outsideFile],
      ['absolute path of a file inside root', () => path.join(root, 'a.txt')],
      ['a/../../x', () => 'a/../../x'],
      ['sub/../../etc', () => 'sub/../../etc'],
      ['sub/../../outside.txt', () => 'sub/../../outside.txt'],
      ['..\\outside.txt', () => '..\\outside.txt'],
      ['..', () => '..'],
      ['.', () => '.'],
      ['empty', () => ''],
      ['a path with \\0', () => 'a.txt\0'],
      ['a path with \\0 in the middle', () => 'sub\0/../a.txt'],
      ['the metadata folder', () => '.express-wopi'],
      ['a record in the metadata folder', () => '.express-wopi/ids/__ID__'],
      ['a path record in the metadata folder', () => '.express-wopi/paths'],
    ])('%s → FileNotFoundError', async (_label, make) => {
      const s = storage();
      const id = await s.fileIdFor('a.txt');
      await expectNotFound(s.fileIdFor(make().replace('__ID__', id)));
    });

    it('refuses a symbolic link inside the root that points to a file outside it', async () => {
      await symlink(outsideFile, path.join(root, 'link-out.txt'));
      await expectNotFound(storage().fileIdFor('link-out.txt'));
    });

    it('refuses a file reached through a symlinked folder that leads outside the root', async () => {
      const elsewhere = await mkdtemp(path.join(base, 'elsewhere-'));
      await writeFile(path.join(elsewhere, 'secret.txt'), 'secret');
      await symlink(elsewhere, path.join(root, 'dir-out'));
      await expectNotFound(storage().fileIdFor('dir-out/secret.txt'));
    });

    it('refuses a symbolic link inside the root that points into the metadata folder', async () => {
      const s = storage();
      const id = await s.fileIdFor('a.txt');
      await symlink(path.join(root, '.express-wopi', 'ids', id), path.join(root, 'link-meta.txt'));
      await expectNotFound(s.fileIdFor('link-meta.txt'));
    });

    it('refuses a link into the metadata folder also when the root is given through a symlink', async () => {
      const viaLink = path.join(base, 'root-link');
      await symlink(root, viaLink);
      const s = new FileSystemStorage({ root: viaLink, fsync: false });
      const id = await s.fileIdFor('a.txt');
      await symlink(path.join(root, '.express-wopi', 'ids', id), path.join(root, 'link-meta.txt'));
      await expectNotFound(s.fileIdFor('link-meta.txt'));
    });

    it('accepts a symbolic link inside the root that points to a file inside it', async () => {
      await symlink(path.join(root, 'sub', 'c.txt'), path.join(root, 'link-in.txt'));
      const s = storage();
      const id = await s.fileIdFor('link-in.txt');
      expect((await collect((await s.readFile(id)).stream)).toString()).toBe('c');
    });
  });
});

describe('FileSystemStorage IDs from the outside', () => {
  it.each<[string, string]>([
    ['../../etc', '../../etc'],
    ['..', '..'],
    ['%2e%2e', '%2e%2e'],
    ['empty', ''],
    ['200 characters', 'a'.repeat(200)],
    ['a path', 'sub/c.txt'],
    ['well-formed but unknown', 'A'.repeat(22)],
    ['the folder name "ids"', 'ids'],
  ])('%s → FileNotFoundError from getFileInfo, readFile and writeFile', async (_label, id) => {
    await put('sub/c.txt', 'c');
    const s = storage();
    await s.fileIdFor('sub/c.txt');
    await expectNotFound(s.getFileInfo(id));
    await expectNotFound(s.readFile(id));
    await expectNotFound(s.writeFile(id, Readable.from([Buffer.from('x')]), ctx()));
    expect(await readFile(path.join(root, 'sub/c.txt'), 'utf8')).toBe('c');
  });

  it.each<[string, () => string]>([
    ['../outside.txt', () => '../outside.txt'],
    ['sub/../../outside.txt', () => 'sub/../../outside.txt'],
    ['..\\outside.txt', () => '..\\outside.txt'],
    ['the absolute path of the outside file', () => outsideFile],
    ['a symlink in root that leads outside', () => 'link-out.txt'],
    ['a record inside the metadata folder', () => '.express-wopi/ids/real'],
    ['a folder', () => 'sub'],
  ])('a forged ids/<id> record naming %s → FileNotFoundError; nothing outside is read or written', async (_label, make) => {
    await put('sub/c.txt', 'c');
    await symlink(outsideFile, path.join(root, 'link-out.txt'));
    const s = storage();
    await s.fileIdFor('sub/c.txt'); // creates the metadata folders
    await writeFile(path.join(root, '.express-wopi', 'ids', 'real'), 'sub/c.txt');
    await writeFile(path.join(root, '.express-wopi', 'ids', 'forged123'), make());
    await expectNotFound(s.getFileInfo('forged123'));
    await expectNotFound(s.readFile('forged123'));
    await expectNotFound(s.writeFile('forged123', Readable.from([Buffer.from('overwritten')]), ctx()));
    expect(await readFile(outsideFile, 'utf8')).toBe(OUTSIDE_CONTENT);
    expect(await readdir(base)).toStrictEqual(['outside.txt', 'root']);
  });
});

describe('FileSystemStorage metadata, read and write', () => {
  it('reports name, size, a Date lastModifiedTime and the default owner', async () => {
    await put('sub/report.docx', Buffer.from('héllo'));
    const s = storage();
    const id = await s.fileIdFor('sub/report.docx');
    const info = await s.getFileInfo(id);
    const st = await stat(path.join(root, 'sub/report.docx'));
    expect(info.name).toBe('report.docx');
    expect(info.size).toBe(6);
    expect(info.ownerId).toBe('express-wopi');
    expect(info.lastModifiedTime).toBeInstanceOf(Date);
    expect(info.lastModifiedTime.getTime()).toBe(Math.floor(st.mtimeMs));
    expect(typeof info.version).toBe('string');
    expect(info.version.length).toBeGreaterThan(0);
  });

  it('uses a custom ownerId', async () => {
    await put('a.txt', 'a');
    const s = storage({ ownerId: 'alice' });
    expect((await s.getFileInfo(await s.fileIdFor('a.txt'))).ownerId).toBe('alice');
  });

  it('keeps the version while the content does not change', async () => {
    await put('a.txt', 'a');
    const s = storage();
    const id = await s.fileIdFor('a.txt');
    const v = (await s.getFileInfo(id)).version;
    await collect((await s.readFile(id)).stream);
    expect((await s.getFileInfo(id)).version).toBe(v);
    expect((await storage().getFileInfo(id)).version).toBe(v);
  });

  it('readFile returns the info and a stream of the same content', async () => {
    const content = randomBytes(70_000);
    await put('bin.dat', content);
    const s = storage();
    const id = await s.fileIdFor('bin.dat');
    const { info, stream } = await s.readFile(id);
    expect(info).toStrictEqual(await s.getFileInfo(id));
    expect((await collect(stream)).equals(content)).toBe(true);
  });

  it('writeFile replaces the content, changes the version and keeps the ID', async () => {
    await put('sub/a.txt', 'old content');
    const s = storage({ fsync: true });
    const id = await s.fileIdFor('sub/a.txt');
    const before = await s.getFileInfo(id);
    const written = await s.writeFile(id, Readable.from([Buffer.from('new '), Buffer.from('content!')]), ctx());
    expect(await readFile(path.join(root, 'sub/a.txt'), 'utf8')).toBe('new content!');
    expect(written.size).toBe(12);
    expect(written.version).not.toBe(before.version);
    expect(await s.getFileInfo(id)).toStrictEqual(written);
    expect(await s.fileIdFor('sub/a.txt')).toBe(id);
    expect(await tempFiles(root)).toStrictEqual([]);
  });

  it('changes the version on every write, also for same-size writes in quick succession', async () => {
    await put('a.txt', 'AAAA');
    const s = storage();
    const id = await s.fileIdFor('a.txt');
    const versions = [(await s.getFileInfo(id)).version];
    for (let i = 0; i < 30; i++) {
      const info = await s.writeFile(id, Readable.from([Buffer.from(i % 2 === 0 ? 'BBBB' : 'AAAA')]), ctx());
      versions.push(info.version);
    }
    expect(new Set(versions).size).toBe(versions.length);
  });

  it.each<[number]>([[0o600], [0o640], [0o644], [0o664], [0o666], [0o755]])('a successful write preserves file mode %o', async (mode) => {
    await put('a.txt', 'a');
    await chmod(path.join(root, 'a.txt'), mode);
    const s = storage();
    const id = await s.fileIdFor('a.txt');
    await s.writeFile(id, Readable.from([Buffer.from('b')]), ctx());
    expect((await stat(path.join(root, 'a.txt'))).mode & 0o777).toBe(mode);
  });

  describe('atomicity', () => {
    const original = randomBytes(50_000);

    async function setup(rel = 'doc.docx') {
      await put(rel, original);
      const s = storage();
      const id = await s.fileIdFor(rel);
      const before = await s.getFileInfo(id);
      const check = async () => {
        expect((await readFile(path.join(root, rel))).equals(original)).toBe(true);
        expect(await s.getFileInfo(id)).toStrictEqual(before);
        expect(await tempFiles(root)).toStrictEqual([]);
      };
      return { s, id, check };
    }

    it.each<[string]>([['doc.docx'], ['sub/deeper/doc.docx']])(
      'a body that errors midway (%s) rejects and leaves the file byte-identical, no temp files',
      async (rel) => {
        const { s, id, check } = await setup(rel);
        const error = new Error('client went away');
        const err = await rejection(s.writeFile(id, failingBody(randomBytes(20_000), error), ctx()));
        expect(err).toBe(error);
        await check();
      },
    );

    it('a signal aborted midway rejects and leaves the file byte-identical, no temp files', async () => {
      const { s, id, check } = await setup();
      const aborter = new AbortController();
      const reason = new Error('client closed the connection');
      async function* body() {
        yield randomBytes(10_000);
        yield randomBytes(10_000);
        aborter.abort(reason);
        yield randomBytes(10_000);
      }
      expect(await rejection(s.writeFile(id, Readable.from(body()), ctx(aborter.signal)))).toBe(reason);
      await check();
    });

    it('an already-aborted signal rejects and leaves the file byte-identical, no temp files', async () => {
      const { s, id, check } = await setup();
      const aborter = new AbortController();
      const reason = new Error('gone');
      aborter.abort(reason);
      expect(await rejection(s.writeFile(id, Readable.from([Buffer.from('x')]), ctx(aborter.signal)))).toBe(reason);
      expect(await rejection(s.writeFile(id, Readable.from([]), ctx(aborter.signal)))).toBe(reason);
      await check();
    });

    it('a signal aborted while the body is stalled rejects promptly', async () => {
      const { s, id, check } = await setup();
      const aborter = new AbortController();
      const reason = new Error('client closed the connection');
      const body = new Readable({ read() {} });
      body.push(randomBytes(1000)); // then nothing more arrives
      const pending = s.writeFile(id, body, ctx(aborter.signal));
      setTimeout(() => aborter.abort(reason), 20);
      const outcome = await Promise.race([
        pending.then(
          () => 'resolved',
          (e: unknown) => e,
        ),
        new Promise((r) => setTimeout(() => r('still pending 300 ms after the abort'), 320)),
      ]);
      body.destroy(); // let a stuck writeFile finish before the folder is removed
      await pending.catch(() => undefined);
      // The abort reason itself, or an AbortError caused by it (e.g. from stream.addAbortSignal).
      expect(outcome === reason || (outcome instanceof Error && outcome.cause === reason)).toBe(true);
      await check();
    });
  });
});

describe('FileSystemStorage behind the router: a PutFile aborted mid-body', () => {
  let server: http.Server | undefined;

  afterEach(async () => {
    if (server) {
      server.closeAllConnections();
      await new Promise((r) => server!.close(r));
      server = undefined;
    }
  });

  it('leaves the file byte-identical and GetFile still returns it', async () => {
    const original = randomBytes(64 * 1024);
    await put('doc.docx', original);
    const s = new FileSystemStorage({ root });
    const auth = new JwtAuth({ secret: TEST_SECRET });
    const app = express();
    app.use('/wopi', createWopiRouter({ storage: s, auth }));
    server = app.listen(0);
    await new Promise((r) => server!.once('listening', r));
    const port = (server.address() as AddressInfo).port;
    const fileId = await s.fileIdFor('doc.docx');
    const versionBefore = (await s.getFileInfo(fileId)).version;
    const { accessToken } = await auth.issueToken({ fileId, userId: 'u1', permissions: { write: true } });

    const locked = await request(server)
      .post(`/wopi/files/${fileId}`)
      .query({ access_token: accessToken })
      .set('X-WOPI-Override', 'LOCK')
      .set('X-WOPI-Lock', 'L1');
    expect(locked.status).toBe(200);

    const req = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: `/wopi/files/${fileId}/contents?access_token=${encodeURIComponent(accessToken)}`,
      headers: {
        'X-WOPI-Override': 'PUT',
        'X-WOPI-Lock': 'L1',
        'Content-Type': 'application/octet-stream',
        'Content-Length': '1000000',
      },
    });
    let response: http.IncomingMessage | undefined;
    req.on('response', (res) => {
      response = res;
      res.resume();
    });
    req.on('error', () => undefined);
    req.write(Buffer.alloc(100_000, 0x41));

    // The server has started writing (its temp file exists) before the client goes away.
    expect(await until(async () => (await tempFiles(root)).length > 0)).toBe(true);
    req.destroy();

    expect(await until(async () => (await tempFiles(root)).length === 0)).toBe(true);
    expect(response).toBeUndefined(); // nothing was answered as if the save had happened
    expect((await readFile(path.join(root, 'doc.docx'))).equals(original)).toBe(true);
    expect((await s.getFileInfo(fileId)).version).toBe(versionBefore);

    const got = await request(server)
      .get(`/wopi/files/${fileId}/contents`)
      .query({ access_token: accessToken })
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(got.status).toBe(200);
    expect(got.headers['x-wopi-itemversion']).toBe(versionBefore);
    expect((got.body as Buffer).equals(original)).toBe(true);

    // The lock survived and a complete save still works.
    const saved = await request(server)
      .post(`/wopi/files/${fileId}/contents`)
      .query({ access_token: accessToken })
      .set('X-WOPI-Override', 'PUT')
      .set('X-WOPI-Lock', 'L1')
      .set('Content-Type', 'application/octet-stream')
      .send(Buffer.from('complete'));
    expect(saved.status).toBe(200);
    expect(await readFile(path.join(root, 'doc.docx'), 'utf8')).toBe('complete');
  });
});
