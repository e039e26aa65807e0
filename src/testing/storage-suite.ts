/**
 * The WopiStorage contract as jest tests. Run it against any storage adapter:
 *
 * ```ts
 * import { describeWopiStorage } from 'express-wopi/testing';
 * describeWopiStorage('MyStorage', async () => {
 *   const storage = new MyStorage(...);
 *   return { storage, addFile: (name, content) => storage.importForTest(name, content) };
 * }, { capabilities: ['relative', 'rename', 'delete'] });
 * ```
 *
 * The optional methods are tested for the capabilities you declare; declaring one the storage
 * does not implement fails, and so does implementing one you did not declare.
 *
 * What the suite expects of its surroundings:
 * - It uses jest's globals (`describe`, `test`, `expect`, `beforeEach`, `afterEach`); call it at
 *   the top level of a jest test file. `jest` is an optional peer dependency of express-wopi.
 * - `makeFixture` runs before **every** test and must give a storage that starts **empty** (no
 *   file the test did not add): names are reused from test to test. Give each call a fresh
 *   folder, table prefix or bucket, and remove it in `cleanup`.
 * - The large round trip writes and reads `largeFileBytes` (8 MiB by default) through streams;
 *   against a remote store it can take longer than jest's default 5 s timeout: raise
 *   `testTimeout` in your jest config, or pass a smaller `largeFileBytes`.
 * - File IDs are opaque to the suite; it only checks they resolve, differ and are never reused.
 *
 * Writes get a `commit` that resolves at once, except in the tests of the commit step itself
 * ('commit step and overlapping writes'), which record when and how it is called, make it
 * reject, and overlap writes with each other and with deletes and renames. Those tests release
 * bodies in steps and wait at most 3 seconds for each operation, so a storage that
 * serialises a delete or rename behind a write still arriving fails with a message instead of
 * hanging.
 */
import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import type { WopiStorage } from '../adapters/storage';
import { describeIf, pause, readAll, rejectionOf, within, writeContext } from './suite-helpers';
import { LockConflictError, WopiError } from '../errors';

/** A storage under test plus a way to put files into it. */
export interface StorageFixture {
  storage: WopiStorage;
  /**
   * Creates a file named `name` holding `content` and returns its ID. Files added to one fixture
   * are next to each other (one folder). Like every way a file gets an ID, it never gives out the
   * ID of a deleted file.
   */
  addFile(name: string, content: Buffer): Promise<string>;
  /** Called after each test (remove temporary folders, close connections). */
  cleanup?(): void | Promise<void>;
}

/** Optional storage capabilities, by the methods they need. */
export type StorageCapability = 'relative' | 'rename' | 'delete';

const CAPABILITY_METHODS: Record<StorageCapability, Array<keyof WopiStorage>> = {
  relative: ['findRelativeFile', 'createRelativeFile'],
  rename: ['renameFile'],
  delete: ['deleteFile'],
};

export interface StorageSuiteOptions {
  /**
   * The optional capabilities the storage implements. Default none. They also decide which
   * overlapping-write tests run: a write racing a delete (`delete`), racing a rename (`rename`),
   * concurrent Save As (`relative`).
   */
  capabilities?: StorageCapability[];
  /** Size of the large streaming round trip, in bytes. Default 8 MiB. */
  largeFileBytes?: number;
}

/** Defines a `describe` block with the WopiStorage contract tests for the fixture `makeFixture` returns. */
export function describeWopiStorage(
  name: string,
  makeFixture: () => StorageFixture | Promise<StorageFixture>,
  options: StorageSuiteOptions = {},
): void {
  const declared = new Set<string>(options.capabilities ?? []);
  const largeBytes = options.largeFileBytes ?? 8 * 1024 * 1024;

  describe(`WopiStorage contract: ${name}`, () => {
    let fx: StorageFixture;
    let storage: WopiStorage;
    beforeEach(async () => {
      fx = await makeFixture();
      storage = fx.storage;
    });
    afterEach(async () => {
      await fx?.cleanup?.();
    });

    test('implements exactly the optional methods of the declared capabilities', () => {
      for (const capability of declared) {
        if (capability === 'userInfo') {
          throw new Error(
            "'userInfo' is no longer a storage capability: user info is a WopiUserInfoStore of its own (describeWopiUserInfoStore)",
          );
        }
        expect({ capability, known: capability in CAPABILITY_METHODS }).toEqual({ capability, known: true });
      }
      for (const [capability, methods] of Object.entries(CAPABILITY_METHODS) as Array<[StorageCapability, Array<keyof WopiStorage>]>) {
        for (const method of methods) {
          expect({ capability, method, implemented: typeof storage[method] === 'function' }).toEqual({
            capability,
            method,
            implemented: declared.has(capability),
          });
        }
      }
    });

    describe('getFileInfo', () => {
      test('describes a file: name, size, version, modification time, owner', async () => {
        const id = await fx.addFile('report.docx', Buffer.from('hello'));
        const info = await storage.getFileInfo(id);
        expect(info.name).toBe('report.docx');
        expect(info.size).toBe(5);
        expect(typeof info.version).toBe('string');
        expect(info.version.length).toBeGreaterThan(0);
        expect(info.lastModifiedTime).toBeInstanceOf(Date);
        expect(Number.isNaN(info.lastModifiedTime.getTime())).toBe(false);
        expect(typeof info.ownerId).toBe('string');
        expect(info.ownerId.length).toBeGreaterThan(0);
      });
      test('gives the same version while the content does not change', async () => {
        const id = await fx.addFile('a.docx', Buffer.from('x'));
        expect((await storage.getFileInfo(id)).version).toBe((await storage.getFileInfo(id)).version);
      });
      test.each(['unknown-id', '..', '../etc/passwd', 'a/b', '%2e%2e', 'x'.repeat(300), ''])(
        'throws FileNotFoundError (404) for the ID %j',
        async (badId) => {
          await fx.addFile('present.docx', Buffer.from('x'));
          await expectNotFound(storage.getFileInfo(badId));
        },
      );
    });

    describe('readFile', () => {
      test('streams the exact bytes, with the same metadata as getFileInfo', async () => {
        const content = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
        const id = await fx.addFile('bytes.bin', content);
        const { info, stream } = await storage.readFile(id);
        expect((await readAll(stream)).equals(content)).toBe(true);
        expect(info).toEqual(await storage.getFileInfo(id));
      });
      test('throws FileNotFoundError for an unknown ID', async () => {
        await expectNotFound(storage.readFile('unknown-id'));
      });
    });

    describe('writeFile', () => {
      test('replaces the content and changes the version', async () => {
        const id = await fx.addFile('a.docx', Buffer.from('old'));
        const before = await storage.getFileInfo(id);
        const after = await storage.writeFile(id, Readable.from([Buffer.from('new content')]), writeContext());
        expect(after.size).toBe(11);
        expect(after.version).not.toBe(before.version);
        expect(after).toEqual(await storage.getFileInfo(id));
        expect((await readAll((await storage.readFile(id)).stream)).toString()).toBe('new content');
      });
      test(`round-trips ${largeBytes} bytes written in many chunks`, async () => {
        const id = await fx.addFile('big.bin', Buffer.alloc(0));
        const chunk = randomBytes(64 * 1024);
        const chunks = Math.ceil(largeBytes / chunk.length);
        const expected = createHash('sha256');
        for (let i = 0; i < chunks; i++) expected.update(chunk);
        await storage.writeFile(
          id,
          Readable.from(
            (function* () {
              for (let i = 0; i < chunks; i++) yield chunk;
            })(),
          ),
          writeContext(),
        );
        const { info, stream } = await storage.readFile(id);
        expect(info.size).toBe(chunk.length * chunks);
        const actual = createHash('sha256');
        for await (const part of stream) actual.update(part as Buffer);
        expect(actual.digest('hex')).toBe(expected.digest('hex'));
      });
      test('a body that fails midway leaves the old content byte-identical', async () => {
        const id = await fx.addFile('a.docx', Buffer.from('precious'));
        const body = new PassThrough();
        const writing = storage.writeFile(id, body, writeContext());
        body.write(Buffer.from('partial new con'));
        setImmediate(() => body.destroy(new Error('client went away')));
        await expect(writing).rejects.toThrow();
        expect((await readAll((await storage.readFile(id)).stream)).toString()).toBe('precious');
      });
      test('an abort while the body stalls rejects promptly and leaves the old content', async () => {
        const id = await fx.addFile('a.docx', Buffer.from('precious'));
        const body = new PassThrough();
        const controller = new AbortController();
        const writing = storage.writeFile(id, body, writeContext(controller.signal));
        body.write(Buffer.from('partial'));
        setTimeout(() => controller.abort(new Error('aborted by test')), 20);
        await expect(writing).rejects.toThrow();
        expect((await readAll((await storage.readFile(id)).stream)).toString()).toBe('precious');
      });
      test('an already aborted signal writes nothing', async () => {
        const id = await fx.addFile('a.docx', Buffer.from('precious'));
        const controller = new AbortController();
        controller.abort(new Error('aborted before'));
        await expect(storage.writeFile(id, Readable.from([Buffer.from('new')]), writeContext(controller.signal))).rejects.toThrow();
        expect((await readAll((await storage.readFile(id)).stream)).toString()).toBe('precious');
      });
      test('throws FileNotFoundError for an unknown ID', async () => {
        await expectNotFound(storage.writeFile('unknown-id', Readable.from([Buffer.from('x')]), writeContext()));
      });
    });

    describeIf(declared.has('relative'), 'findRelativeFile / createRelativeFile', () => {
      /** createRelativeFile next to `id` from `text`. */
      const create = (id: string, text: string, candidates: string[], overwrite = false) =>
        storage.createRelativeFile!(id, Readable.from([Buffer.from(text)]), { candidates, overwrite }, writeContext());
      const contentOf = async (id: string) => (await readAll((await storage.readFile(id)).stream)).toString();

      test('creates a file next to the original with the first free name', async () => {
        const id = await fx.addFile('report.docx', Buffer.from('original'));
        const taken = await fx.addFile('copy.docx', Buffer.from('taken'));
        expect(await storage.findRelativeFile!(id, 'copy.docx')).toBe(taken);
        expect(await storage.findRelativeFile!(id, 'copy (1).docx')).toBeNull();
        const created = await create(id, 'new file', ['copy.docx', 'copy (1).docx']);
        expect(created.info.name).toBe('copy (1).docx');
        expect(created.fileId).not.toBe(taken);
        expect(await storage.findRelativeFile!(id, 'copy (1).docx')).toBe(created.fileId);
        expect(await contentOf(created.fileId)).toBe('new file');
        expect(await contentOf(taken)).toBe('taken');
      });
      test('overwrite replaces the first candidate and keeps its ID', async () => {
        const id = await fx.addFile('report.docx', Buffer.from('original'));
        const taken = await fx.addFile('copy.docx', Buffer.from('taken'));
        const created = await create(id, 'replacement', ['copy.docx'], true);
        expect(created.fileId).toBe(taken);
        expect(await contentOf(taken)).toBe('replacement');
      });
      test('every candidate taken: FileExistsError, nothing overwritten', async () => {
        const id = await fx.addFile('report.docx', Buffer.from('original'));
        const taken = await fx.addFile('copy.docx', Buffer.from('taken'));
        await expect(create(id, 'x', ['copy.docx'])).rejects.toMatchObject({ status: 409, code: 'WOPI_FILE_EXISTS' });
        expect(await contentOf(taken)).toBe('taken');
      });
      test('a case variant of a name is that name: found, never created beside it, replaced in place', async () => {
        const id = await fx.addFile('report.docx', Buffer.from('original'));
        const taken = await fx.addFile('Copy.docx', Buffer.from('taken'));
        expect(await storage.findRelativeFile!(id, 'COPY.DOCX')).toBe(taken);
        expect((await create(id, 'new file', ['copy.docx', 'copy (1).docx'])).info.name).toBe('copy (1).docx');
        expect((await create(id, 'replacement', ['COPY.docx'], true)).fileId).toBe(taken);
        expect(await contentOf(taken)).toBe('replacement');
      });
      test('a body that fails midway creates nothing', async () => {
        const id = await fx.addFile('report.docx', Buffer.from('original'));
        const body = new PassThrough();
        const creating = storage.createRelativeFile!(id, body, { candidates: ['new.docx'], overwrite: false }, writeContext());
        body.write(Buffer.from('partial'));
        setImmediate(() => body.destroy(new Error('client went away')));
        await expect(creating).rejects.toThrow();
        expect(await storage.findRelativeFile!(id, 'new.docx')).toBeNull();
      });
    });

    describeIf(declared.has('rename'), 'renameFile', () => {
      test('renames the file and keeps its ID and content', async () => {
        const id = await fx.addFile('old.docx', Buffer.from('content'));
        const info = await storage.renameFile!(id, ['new.docx']);
        expect(info.name).toBe('new.docx');
        expect((await storage.getFileInfo(id)).name).toBe('new.docx');
        expect((await readAll((await storage.readFile(id)).stream)).toString()).toBe('content');
      });
      test('skips names that are taken', async () => {
        const id = await fx.addFile('old.docx', Buffer.from('content'));
        await fx.addFile('new.docx', Buffer.from('other'));
        expect((await storage.renameFile!(id, ['new.docx', 'new (1).docx'])).name).toBe('new (1).docx');
      });
      test('every name taken: FileExistsError, name unchanged', async () => {
        const id = await fx.addFile('old.docx', Buffer.from('content'));
        await fx.addFile('new.docx', Buffer.from('other'));
        await expect(storage.renameFile!(id, ['new.docx'])).rejects.toMatchObject({ status: 409, code: 'WOPI_FILE_EXISTS' });
        expect((await storage.getFileInfo(id)).name).toBe('old.docx');
      });
      test('a name another file has in another case is taken; a case change of its own name is not', async () => {
        const id = await fx.addFile('old.docx', Buffer.from('content'));
        await fx.addFile('New.docx', Buffer.from('other'));
        expect((await storage.renameFile!(id, ['NEW.docx', 'NEW (1).docx'])).name).toBe('NEW (1).docx');
        expect((await storage.renameFile!(id, ['new (1).docx'])).name).toBe('new (1).docx');
        expect((await storage.getFileInfo(id)).name).toBe('new (1).docx');
      });
      test('throws FileNotFoundError for an unknown ID', async () => {
        await expectNotFound(storage.renameFile!('unknown-id', ['x.docx']));
      });
    });

    describeIf(declared.has('delete'), 'deleteFile', () => {
      test('removes the file; its ID no longer resolves', async () => {
        const id = await fx.addFile('gone.docx', Buffer.from('x'));
        await storage.deleteFile!(id);
        await expectNotFound(storage.getFileInfo(id));
        await expectNotFound(storage.readFile(id));
      });
      test('throws FileNotFoundError for an unknown ID', async () => {
        await expectNotFound(storage.deleteFile!('unknown-id'));
      });
    });

    describe('commit step and overlapping writes', () => {
      const contentOf = async (id: string) => (await readAll((await storage.readFile(id)).stream)).toString();

      test('writeFile calls commit once, with no argument, after the whole body, while the old content still shows', async () => {
        const id = await fx.addFile('a.docx', Buffer.from('old content'));
        const before = await storage.getFileInfo(id);
        const body = new PassThrough();
        const seen: Array<{ replacing: string | undefined; bodyEnded: boolean; content: string; version: string }> = [];
        const writing = storage.writeFile(
          id,
          body,
          writeContext(undefined, async (replacing?: string) => {
            seen.push({
              replacing,
              bodyEnded: body.readableEnded,
              content: await contentOf(id),
              version: (await storage.getFileInfo(id)).version,
            });
          }),
        );
        body.write('new ');
        await pause();
        body.end('content');
        const after = await within(writing, 'writeFile');
        expect(seen).toEqual([{ replacing: undefined, bodyEnded: true, content: 'old content', version: before.version }]);
        expect(await contentOf(id)).toBe('new content');
        expect(after.version).not.toBe(before.version);
      });
      test('a commit that rejects: writeFile rejects with that very error, old content and version unchanged', async () => {
        const id = await fx.addFile('a.docx', Buffer.from('precious'));
        const before = await storage.getFileInfo(id);
        const refusal = new LockConflictError('someone-else', 'File is locked with a different lock ID');
        const writing = storage.writeFile(
          id,
          Readable.from([Buffer.from('must not land')]),
          writeContext(undefined, async () => {
            throw refusal;
          }),
        );
        expect(await within(rejectionOf(writing), 'writeFile')).toBe(refusal);
        expect(await contentOf(id)).toBe('precious');
        expect(await storage.getFileInfo(id)).toEqual(before);
      });
      test('5 concurrent writeFile calls, bodies released interleaved: each resolves, one whole body remains', async () => {
        const id = await fx.addFile('shared.bin', Buffer.from('old'));
        const payloads = [1, 2, 3, 4, 5].map((n) => Buffer.alloc(n * 3000 + n, 0x40 + n));
        const bodies = payloads.map(() => new PassThrough());
        const writes = bodies.map((body) => storage.writeFile(id, body, writeContext()));
        try {
          for (const i of [2, 0, 4, 1, 3]) {
            bodies[i]!.write(payloads[i]!.subarray(0, 1000));
            await pause();
          }
          for (const i of [3, 1, 4, 0, 2]) {
            bodies[i]!.end(payloads[i]!.subarray(1000));
            await pause();
          }
        } finally {
          for (const body of bodies) if (!body.writableEnded) body.destroy(new Error('test ended early'));
        }
        const results = await within(Promise.allSettled(writes), '5 concurrent writeFile calls');
        expect(results.map((r) => (r.status === 'fulfilled' ? 'fulfilled' : r.reason))).toEqual(payloads.map(() => 'fulfilled'));
        const { info, stream } = await storage.readFile(id);
        const final = await readAll(stream);
        const whole = payloads.findIndex((p) => p.equals(final));
        expect({ size: final.length, isOneWholeBody: whole >= 0 }).toEqual({ size: final.length, isOneWholeBody: true });
        expect(info.size).toBe(final.length);
        const versions = results.map((r) => (r.status === 'fulfilled' ? r.value.version : undefined));
        expect(versions).toContain(info.version);
      });

      describeIf(declared.has('relative'), 'createRelativeFile', () => {
        test('calls commit() before creating, commit(id) before replacing, once, after the whole body', async () => {
          const id = await fx.addFile('report.docx', Buffer.from('original'));
          const taken = await fx.addFile('copy.docx', Buffer.from('taken'));
          const seen: Array<{ replacing: string | undefined; bodyEnded: boolean; visible: string | null }> = [];
          /** createRelativeFile of `text` to `name`, recording what the commit step sees of `name`. */
          const create = async (text: string, name: string, overwrite: boolean) => {
            const body = new PassThrough();
            const creating = storage.createRelativeFile!(
              id,
              body,
              { candidates: [name], overwrite },
              writeContext(undefined, async (replacing?: string) => {
                const found = await storage.findRelativeFile!(id, name);
                seen.push({ replacing, bodyEnded: body.readableEnded, visible: found === null ? null : await contentOf(found) });
              }),
            );
            body.write(text.slice(0, 2));
            await pause();
            body.end(text.slice(2));
            return within(creating, 'createRelativeFile');
          };

          const created = await create('new file', 'new.docx', false);
          expect(seen).toEqual([{ replacing: undefined, bodyEnded: true, visible: null }]);
          expect(await contentOf(created.fileId)).toBe('new file');

          seen.length = 0;
          const replaced = await create('replacement', 'copy.docx', true);
          expect(seen).toEqual([{ replacing: taken, bodyEnded: true, visible: 'taken' }]);
          expect(replaced.fileId).toBe(taken);
          expect(await contentOf(taken)).toBe('replacement');

          seen.length = 0;
          const fresh = await create('fresh', 'fresh.docx', true);
          expect(seen).toEqual([{ replacing: undefined, bodyEnded: true, visible: null }]);
          expect(await storage.findRelativeFile!(id, 'fresh.docx')).toBe(fresh.fileId);
        });
        test.each<[string, boolean]>([
          ['creating', false],
          ['overwriting', true],
        ])('a commit that rejects (%s): rejects with that very error, no new file, the target unchanged', async (_label, overwrite) => {
          const id = await fx.addFile('report.docx', Buffer.from('original'));
          const taken = await fx.addFile('copy.docx', Buffer.from('taken'));
          const takenBefore = await storage.getFileInfo(taken);
          const name = overwrite ? 'copy.docx' : 'new.docx';
          const refusal = new LockConflictError('someone-else', 'The target file is locked');
          const calls: Array<string | undefined> = [];
          const creating = storage.createRelativeFile!(
            id,
            Readable.from([Buffer.from('must not land')]),
            { candidates: [name], overwrite },
            writeContext(undefined, async (replacing?: string) => {
              calls.push(replacing);
              throw refusal;
            }),
          );
          expect(await within(rejectionOf(creating), 'createRelativeFile')).toBe(refusal);
          expect(calls).toEqual([overwrite ? taken : undefined]);
          expect(await storage.findRelativeFile!(id, 'new.docx')).toBeNull();
          expect(await storage.findRelativeFile!(id, 'copy.docx')).toBe(taken);
          expect(await contentOf(taken)).toBe('taken');
          expect(await storage.getFileInfo(taken)).toEqual(takenBefore);
          expect(await contentOf(id)).toBe('original');
        });
        test('8 concurrent calls with the same candidates get 8 distinct names and IDs', async () => {
          const id = await fx.addFile('report.docx', Buffer.from('original'));
          const candidates = ['copy.docx', ...Array.from({ length: 15 }, (_, i) => `copy (${i + 1}).docx`)];
          const created = await within(
            Promise.all(
              Array.from({ length: 8 }, (_, i) =>
                storage.createRelativeFile!(
                  id,
                  Readable.from([Buffer.from(`copy number ${i}`)]),
                  { candidates, overwrite: false },
                  writeContext(),
                ),
              ),
            ),
            '8 concurrent createRelativeFile calls',
          );
          expect(created.map((c) => c.info.name).sort()).toEqual(candidates.slice(0, 8).sort());
          expect(new Set(created.map((c) => c.fileId)).size).toBe(8);
          for (const [i, c] of created.entries()) {
            expect(await storage.findRelativeFile!(id, c.info.name)).toBe(c.fileId);
            expect(await contentOf(c.fileId)).toBe(`copy number ${i}`);
          }
        });
      });

      describeIf(declared.has('delete'), 'racing a delete', () => {
        test('a write still arriving when its file is deleted fails with 404, and the ID stays gone', async () => {
          const other = await fx.addFile('other.docx', Buffer.from('other'));
          const id = await fx.addFile('gone.docx', Buffer.from('old'));
          const body = new PassThrough();
          const writing = outcomeOf(storage.writeFile(id, body, writeContext()));
          try {
            body.write('new ');
            await pause();
            await within(storage.deleteFile!(id), 'deleteFile while a write to the file is arriving');
          } finally {
            body.end('content');
          }
          expect(statusOf(await within(writing, 'writeFile'))).toBe(404);
          await expectNotFound(storage.getFileInfo(id));
          await expectNotFound(storage.readFile(id));
          if (declared.has('relative')) expect(await storage.findRelativeFile!(other, 'gone.docx')).toBeNull();
          expect(await contentOf(other)).toBe('other');
        });
        test('a deleted ID is never handed to another file', async () => {
          const keep = await fx.addFile('keep.docx', Buffer.from('keep'));
          const gone = await fx.addFile('gone.docx', Buffer.from('gone'));
          await storage.deleteFile!(gone);
          const ids: string[] = [];
          for (let i = 0; i < 20; i++) {
            const name = i === 0 ? 'gone.docx' : `gone (${i}).docx`;
            const content = Buffer.from(`newcomer ${i}`);
            ids.push(
              declared.has('relative')
                ? (
                    await storage.createRelativeFile!(
                      keep,
                      Readable.from([content]),
                      { candidates: [name], overwrite: false },
                      writeContext(),
                    )
                  ).fileId
                : await fx.addFile(name, content),
            );
          }
          expect(ids).not.toContain(gone);
          expect(new Set(ids).size).toBe(20);
          await expectNotFound(storage.getFileInfo(gone));
        });
      });

      describeIf(declared.has('rename'), 'racing a rename', () => {
        test('a write still arriving when its file is renamed lands under the new name (or fails with 404/409)', async () => {
          const id = await fx.addFile('before.docx', Buffer.from('old'));
          const body = new PassThrough();
          const writing = outcomeOf(storage.writeFile(id, body, writeContext()));
          try {
            body.write('new ');
            await pause();
            await within(storage.renameFile!(id, ['after.docx']), 'renameFile while a write to the file is arriving');
          } finally {
            body.end('content');
          }
          const outcome = await within(writing, 'writeFile');
          const info = await storage.getFileInfo(id);
          expect(info.name).toBe('after.docx');
          if (WopiError.is(outcome) || outcome instanceof Error) {
            expect([404, 409]).toContain(statusOf(outcome));
            expect(await contentOf(id)).toBe('old');
          } else {
            expect(await contentOf(id)).toBe('new content');
            expect(info.size).toBe('new content'.length);
          }
          if (declared.has('relative')) {
            expect(await storage.findRelativeFile!(id, 'before.docx')).toBeNull();
            expect(await storage.findRelativeFile!(id, 'after.docx')).toBe(id);
          }
        });
      });
    });
  });
}

/** What `promise` resolves or rejects with; attached at once, so an early rejection is never unhandled. */
function outcomeOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => value,
    (err: unknown) => err,
  );
}

/** The status of a WopiError, or the value itself (so a failed expectation shows what it was). */
function statusOf(value: unknown): unknown {
  return WopiError.is(value) ? value.status : value;
}

async function expectNotFound(promise: Promise<unknown>): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(statusOf(error)).toBe(404);
}
