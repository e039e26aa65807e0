/**
 * The WopiContainerStorage contract (folders) as jest tests. Run it against any storage that has
 * the container capability, next to {@link describeWopiStorage}:
 *
 * ```ts
 * import { describeWopiContainerStorage } from 'express-wopi/testing';
 * describeWopiContainerStorage('MyStorage', async () => ({ storage: new MyStorage(...) }), {
 *   capabilities: ['relative', 'rename', 'delete'],
 * });
 * ```
 *
 * What the suite expects of its surroundings:
 * - It uses jest's globals; call it at the top level of a jest test file.
 * - `makeFixture` runs before **every** test. The suite creates everything it uses through the
 *   contract itself (`createChildContainer`, `createChildFile`), starting from
 *   `getRootContainerId(userId)`: each test works in a container of its own, created in the root
 *   with the first free name of `suite`, `suite (1)`, …, so the root need not be empty. Nothing
 *   else may change the root while a test runs, and names are reused from test to test: give
 *   each call a fresh folder, table prefix or bucket, and remove it in `cleanup`.
 * - Container and file IDs are opaque to the suite; it only checks they resolve, differ, stay
 *   and are never reused.
 * - `capabilities` are the file capabilities of the storage, as declared to
 *   {@link describeWopiStorage}; they decide which tests of files inside containers run
 *   (PutRelativeFile and RenameFile stay in the file's container; a deleted file leaves the
 *   listing).
 *
 * Writes get a `commit` that resolves at once, except in the tests of the commit step of
 * `createChildFile`, which record when and how it is called and make it reject. Those tests
 * release bodies in steps and wait at most 3 seconds for each operation, so a storage that
 * hangs fails with a message instead.
 */
import { PassThrough, Readable } from 'node:stream';
import type { WopiContainerStorage, WopiStorage } from '../adapters/storage';
import { LockConflictError, WopiError, type WopiErrorCode } from '../errors';
import { describeIf, pause, readAll, rejectionOf, within, writeContext } from './suite-helpers';
import { CONTAINER_METHODS } from '../adapters/storage';
import type { StorageCapability } from './storage-suite';

/** A storage with the container capability, under test. */
export interface ContainerFixture {
  storage: WopiStorage & WopiContainerStorage;
  /** Called after each test (remove temporary folders, close connections). */
  cleanup?(): void | Promise<void>;
}

export interface ContainerSuiteOptions {
  /** The user whose root the suite works in (`getRootContainerId(userId)`). Default `"user-1"`. */
  userId?: string;
  /**
   * The storage's optional file capabilities, as declared to `describeWopiStorage`. Default
   * none. `relative`: PutRelativeFile finds and creates files in the original's own container;
   * `rename`: RenameFile compares names within the file's container, containers included;
   * `delete`: a deleted file leaves its container's listing.
   */
  capabilities?: StorageCapability[];
}

const FILE_CAPABILITY_METHODS: Record<StorageCapability, Array<keyof WopiStorage>> = {
  relative: ['findRelativeFile', 'createRelativeFile'],
  rename: ['renameFile'],
  delete: ['deleteFile'],
};

/** IDs no container or file may have: unknown, or shaped like a path. */
const BAD_IDS = ['unknown-id', '..', '../etc/passwd', 'a/b', '%2e%2e', 'x'.repeat(300), ''];

/** Defines a `describe` block with the WopiContainerStorage contract tests for the fixture `makeFixture` returns. */
export function describeWopiContainerStorage(
  name: string,
  makeFixture: () => ContainerFixture | Promise<ContainerFixture>,
  options: ContainerSuiteOptions = {},
): void {
  const userId = options.userId ?? 'user-1';
  const declared = new Set<string>(options.capabilities ?? []);

  describe(`WopiContainerStorage contract: ${name}`, () => {
    let fx: ContainerFixture;
    let storage: WopiStorage & WopiContainerStorage;
    /** The root container of `userId`. */
    let root: string;
    /** A fresh, empty container in the root: where each test works. */
    let work: string;
    beforeEach(async () => {
      fx = await makeFixture();
      storage = fx.storage;
      // A storage without the methods fails the first test with a clear message, not here.
      if (CONTAINER_METHODS.every((m) => typeof storage[m] === 'function')) {
        root = await storage.getRootContainerId(userId);
        work = (await storage.createChildContainer(root, numbered('suite', 10))).containerId;
      }
    });
    afterEach(async () => {
      await fx?.cleanup?.();
    });

    /** Creates the container `name` in `parent` and returns its ID. */
    const mkdir = async (parent: string, name: string) => (await storage.createChildContainer(parent, [name])).containerId;
    /** Creates the file `name` holding `text` in `parent` and returns its ID. */
    const touch = async (parent: string, name: string, text = '') =>
      (await storage.createChildFile(parent, bodyOf(text), { candidates: [name], overwrite: false }, writeContext())).fileId;
    const contentOf = async (fileId: string) => (await readAll((await storage.readFile(fileId)).stream)).toString();
    /** What `containerId` holds, sorted by name: `file:<name>=<id>` and `container:<name>=<id>`. */
    const listing = async (containerId: string) => {
      const { files, containers } = await storage.enumerateChildren(containerId, {});
      return [
        ...files.map((f) => `file:${f.info.name}=${f.fileId}`),
        ...containers.map((c) => `container:${c.name}=${c.containerId}`),
      ].sort();
    };

    test('implements all eight container methods, and exactly the file methods of the declared capabilities', () => {
      for (const method of CONTAINER_METHODS) {
        expect({ method, implemented: typeof storage[method] === 'function' }).toEqual({ method, implemented: true });
      }
      for (const capability of declared) {
        expect({ capability, known: capability in FILE_CAPABILITY_METHODS }).toEqual({ capability, known: true });
      }
      for (const [capability, methods] of Object.entries(FILE_CAPABILITY_METHODS) as Array<[StorageCapability, Array<keyof WopiStorage>]>) {
        for (const method of methods) {
          expect({ capability, method, implemented: typeof storage[method] === 'function' }).toEqual({
            capability,
            method,
            implemented: declared.has(capability),
          });
        }
      }
    });

    describe('getRootContainerId / getContainerInfo', () => {
      test('the root has a name and no parent, and keeps its ID', async () => {
        const info = await storage.getContainerInfo(root);
        expect(info.parentId).toBeNull();
        expect(typeof info.name).toBe('string');
        expect(info.name.length).toBeGreaterThan(0);
        expect(await storage.getRootContainerId(userId)).toBe(root);
        expect(typeof root).toBe('string');
        expect(root.length).toBeGreaterThan(0);
      });
      test('a container reports its name and its parent', async () => {
        const sub = await mkdir(work, 'Sub Folder');
        expect(await storage.getContainerInfo(sub)).toEqual({ name: 'Sub Folder', parentId: work });
        expect((await storage.getContainerInfo(work)).parentId).toBe(root);
      });
      test.each(BAD_IDS)('throws FileNotFoundError (404) for the container ID %j', async (badId) => {
        await expectNotFound(storage.getContainerInfo(badId));
      });
    });

    describe('enumerateChildren', () => {
      test('a new container is empty', async () => {
        expect(await storage.enumerateChildren(work, {})).toEqual({ files: [], containers: [] });
      });
      test('lists exactly the direct children: files with their metadata, containers with their names', async () => {
        const a = await touch(work, 'a.docx', 'hello');
        const b = await touch(work, 'b.xlsx');
        const sub = await mkdir(work, 'sub');
        await touch(sub, 'deep.docx', 'not here');
        await mkdir(sub, 'deeper');
        await storage.writeFile(a, bodyOf('hello again'), writeContext());
        const { files, containers } = await storage.enumerateChildren(work, {});
        expect(files.map((f) => f.fileId).sort()).toEqual([a, b].sort());
        for (const f of files) {
          const info = await storage.getFileInfo(f.fileId);
          expect({ name: f.info.name, size: f.info.size, version: f.info.version }).toEqual({
            name: info.name,
            size: info.size,
            version: info.version,
          });
        }
        expect(files.find((f) => f.fileId === a)?.info).toMatchObject({ name: 'a.docx', size: 11 });
        expect(files.find((f) => f.fileId === b)?.info).toMatchObject({ name: 'b.xlsx', size: 0 });
        expect(containers).toEqual([{ containerId: sub, name: 'sub' }]);
      });
      test('the root lists a container created in it', async () => {
        const { containers } = await storage.enumerateChildren(root, {});
        expect(containers).toContainEqual({ containerId: work, name: (await storage.getContainerInfo(work)).name });
      });
      test('a filter is only a hint: every matching file and every container is listed, nothing foreign', async () => {
        const wanted = [await touch(work, 'a.docx'), await touch(work, 'b.docx'), await touch(work, 'c.xlsx')];
        const unwanted = [await touch(work, 'd.pptx'), await touch(work, 'docx'), await touch(work, 'e.docx.txt')];
        const sub = await mkdir(work, 'sub.pptx');
        const { files, containers } = await storage.enumerateChildren(work, { extensions: ['.docx', '.xlsx'] });
        const listed = files.map((f) => f.fileId);
        for (const id of wanted) expect(listed).toContain(id);
        for (const id of listed) expect([...wanted, ...unwanted]).toContain(id);
        expect(new Set(listed).size).toBe(listed.length);
        expect(containers).toEqual([{ containerId: sub, name: 'sub.pptx' }]);
      });
      test.each(BAD_IDS)('throws FileNotFoundError (404) for the container ID %j', async (badId) => {
        await expectNotFound(storage.enumerateChildren(badId, {}));
      });
    });

    describe('createChildContainer', () => {
      test('creates an empty container with the first free candidate; a case variant is taken', async () => {
        const taken = await mkdir(work, 'Docs');
        const created = await storage.createChildContainer(work, ['docs', 'DOCS', 'docs (1)', 'docs (2)']);
        expect(created.info).toEqual({ name: 'docs (1)', parentId: work });
        expect(created.containerId).not.toBe(taken);
        expect(await storage.getContainerInfo(created.containerId)).toEqual({ name: 'docs (1)', parentId: work });
        expect(await storage.enumerateChildren(created.containerId, {})).toEqual({ files: [], containers: [] });
        expect(await listing(work)).toEqual([`container:Docs=${taken}`, `container:docs (1)=${created.containerId}`].sort());
      });
      test("a file's name is taken for a container", async () => {
        const file = await touch(work, 'Notes');
        const created = await storage.createChildContainer(work, ['notes', 'notes (1)']);
        expect(created.info.name).toBe('notes (1)');
        expect(await listing(work)).toEqual([`container:notes (1)=${created.containerId}`, `file:Notes=${file}`].sort());
      });
      test('every candidate taken: FileExistsError (409), nothing created', async () => {
        await mkdir(work, 'Docs');
        await touch(work, 'report');
        const before = await listing(work);
        await expectError(storage.createChildContainer(work, ['docs', 'REPORT']), 409, 'WOPI_FILE_EXISTS');
        expect(await listing(work)).toEqual(before);
      });
      test('a name taken in another container is free here', async () => {
        const one = await mkdir(work, 'one');
        const two = await mkdir(work, 'two');
        const a = await mkdir(one, 'same');
        const b = await mkdir(two, 'same');
        expect(a).not.toBe(b);
        expect(await storage.getContainerInfo(a)).toEqual({ name: 'same', parentId: one });
        expect(await storage.getContainerInfo(b)).toEqual({ name: 'same', parentId: two });
      });
      test('8 concurrent calls with the same candidates get 8 distinct names and IDs', async () => {
        const candidates = numbered('folder', 16);
        const created = await within(
          Promise.all(Array.from({ length: 8 }, () => storage.createChildContainer(work, candidates))),
          '8 concurrent createChildContainer calls',
        );
        expect(created.map((c) => c.info.name).sort()).toEqual(candidates.slice(0, 8).sort());
        expect(new Set(created.map((c) => c.containerId)).size).toBe(8);
        expect((await storage.enumerateChildren(work, {})).containers.map((c) => c.containerId).sort()).toEqual(
          created.map((c) => c.containerId).sort(),
        );
      });
      test.each(BAD_IDS)('throws FileNotFoundError (404) for the parent ID %j', async (badId) => {
        await expectNotFound(storage.createChildContainer(badId, ['x']));
      });
    });

    describe('createChildFile', () => {
      /** createChildFile in `parent` of `text`. */
      const create = (parent: string, text: string, candidates: string[], overwrite = false) =>
        storage.createChildFile(parent, bodyOf(text), { candidates, overwrite }, writeContext());

      test('creates an empty file with the first free candidate; a case variant is taken', async () => {
        const taken = await touch(work, 'New.docx', 'taken');
        const created = await create(work, '', ['new.docx', 'NEW.DOCX', 'new (1).docx']);
        expect(created.fileId).not.toBe(taken);
        expect(created.info).toMatchObject({ name: 'new (1).docx', size: 0 });
        expect(created.info).toEqual(await storage.getFileInfo(created.fileId));
        expect(await contentOf(created.fileId)).toBe('');
        expect(await contentOf(taken)).toBe('taken');
        expect(await storage.getFileContainerId(created.fileId)).toBe(work);
        expect(await listing(work)).toEqual([`file:New.docx=${taken}`, `file:new (1).docx=${created.fileId}`].sort());
      });
      test('creates a file from a non-empty body', async () => {
        const created = await create(work, 'some content', ['a.docx']);
        expect(created.info).toMatchObject({ name: 'a.docx', size: 12 });
        expect(await contentOf(created.fileId)).toBe('some content');
      });
      test("a container's name is taken for a file", async () => {
        const sub = await mkdir(work, 'Plan.docx');
        const created = await create(work, 'x', ['plan.docx', 'plan (1).docx']);
        expect(created.info.name).toBe('plan (1).docx');
        expect(await listing(work)).toEqual([`container:Plan.docx=${sub}`, `file:plan (1).docx=${created.fileId}`].sort());
      });
      test.each<[string, boolean]>([
        ['without overwrite', false],
        ['with overwrite', true],
      ])('a container with the only candidate name (%s): FileExistsError (409), nothing changed', async (_label, overwrite) => {
        const sub = await mkdir(work, 'Plan.docx');
        await touch(sub, 'inside.docx', 'inside');
        const before = await listing(work);
        await expectError(create(work, 'x', ['plan.docx'], overwrite), 409, 'WOPI_FILE_EXISTS');
        expect(await listing(work)).toEqual(before);
        expect(await storage.getContainerInfo(sub)).toEqual({ name: 'Plan.docx', parentId: work });
        expect((await storage.enumerateChildren(sub, {})).files.map((f) => f.info.name)).toEqual(['inside.docx']);
      });
      test('overwrite replaces the file the first candidate names (any case), keeping its ID and name', async () => {
        const taken = await touch(work, 'Copy.docx', 'taken');
        const before = await storage.getFileInfo(taken);
        const replaced = await create(work, 'replacement', ['COPY.docx'], true);
        expect(replaced.fileId).toBe(taken);
        expect(replaced.info).toMatchObject({ name: 'Copy.docx', size: 11 });
        expect(replaced.info.version).not.toBe(before.version);
        expect(await contentOf(taken)).toBe('replacement');
        expect(await listing(work)).toEqual([`file:Copy.docx=${taken}`]);
      });
      test('overwrite of a free name creates the file', async () => {
        const created = await create(work, 'fresh', ['fresh.docx'], true);
        expect(created.info.name).toBe('fresh.docx');
        expect(await contentOf(created.fileId)).toBe('fresh');
        expect(await listing(work)).toEqual([`file:fresh.docx=${created.fileId}`]);
      });
      test('every candidate taken without overwrite: FileExistsError (409), nothing overwritten', async () => {
        const taken = await touch(work, 'copy.docx', 'taken');
        const before = await storage.getFileInfo(taken);
        await expectError(create(work, 'x', ['copy.docx', 'COPY.DOCX']), 409, 'WOPI_FILE_EXISTS');
        expect(await contentOf(taken)).toBe('taken');
        expect(await storage.getFileInfo(taken)).toEqual(before);
        expect(await listing(work)).toEqual([`file:copy.docx=${taken}`]);
      });
      test('a name taken in another container is free here', async () => {
        const one = await mkdir(work, 'one');
        const two = await mkdir(work, 'two');
        const a = await touch(one, 'same.docx', 'one');
        const b = (await create(two, 'two', ['same.docx'])).fileId;
        expect(a).not.toBe(b);
        expect(await contentOf(a)).toBe('one');
        expect(await contentOf(b)).toBe('two');
        expect(await storage.getFileContainerId(b)).toBe(two);
      });
      test('a body that fails midway creates nothing', async () => {
        const body = new PassThrough();
        const creating = storage.createChildFile(work, body, { candidates: ['new.docx'], overwrite: false }, writeContext());
        body.write(Buffer.from('partial'));
        setImmediate(() => body.destroy(new Error('client went away')));
        await expect(within(creating, 'createChildFile')).rejects.toThrow();
        expect(await listing(work)).toEqual([]);
      });
      test.each(BAD_IDS)('throws FileNotFoundError (404) for the container ID %j', async (badId) => {
        await expectNotFound(create(badId, '', ['x.docx']));
      });

      describe('commit step', () => {
        test('calls commit() before creating, commit(id) before replacing, once, after the whole body', async () => {
          const taken = await touch(work, 'copy.docx', 'taken');
          const seen: Array<{ replacing: string | undefined; bodyEnded: boolean; visible: string | null }> = [];
          /** createChildFile of `text` to `name`, recording what the commit step sees of `name`. */
          const createHeld = async (text: string, name: string, overwrite: boolean) => {
            const body = new PassThrough();
            const creating = storage.createChildFile(
              work,
              body,
              { candidates: [name], overwrite },
              writeContext(undefined, async (replacing?: string) => {
                const { files } = await storage.enumerateChildren(work, {});
                const found = files.find((f) => f.info.name === name);
                seen.push({
                  replacing,
                  bodyEnded: body.readableEnded,
                  visible: found === undefined ? null : await contentOf(found.fileId),
                });
              }),
            );
            body.write(text.slice(0, 2));
            await pause();
            body.end(text.slice(2));
            return within(creating, 'createChildFile');
          };

          const created = await createHeld('new file', 'new.docx', false);
          expect(seen).toEqual([{ replacing: undefined, bodyEnded: true, visible: null }]);
          expect(await contentOf(created.fileId)).toBe('new file');

          seen.length = 0;
          const replaced = await createHeld('replacement', 'copy.docx', true);
          expect(seen).toEqual([{ replacing: taken, bodyEnded: true, visible: 'taken' }]);
          expect(replaced.fileId).toBe(taken);
          expect(await contentOf(taken)).toBe('replacement');

          seen.length = 0;
          const fresh = await createHeld('fresh', 'fresh.docx', true);
          expect(seen).toEqual([{ replacing: undefined, bodyEnded: true, visible: null }]);
          expect(await contentOf(fresh.fileId)).toBe('fresh');
        });
        test.each<[string, boolean]>([
          ['creating', false],
          ['overwriting', true],
        ])('a commit that rejects (%s): rejects with that very error, no new file, the target unchanged', async (_label, overwrite) => {
          const taken = await touch(work, 'copy.docx', 'taken');
          const takenBefore = await storage.getFileInfo(taken);
          const before = await listing(work);
          const name = overwrite ? 'copy.docx' : 'new.docx';
          const refusal = new LockConflictError('someone-else', 'The target file is locked');
          const calls: Array<string | undefined> = [];
          const creating = storage.createChildFile(
            work,
            bodyOf('must not land'),
            { candidates: [name], overwrite },
            writeContext(undefined, async (replacing?: string) => {
              calls.push(replacing);
              throw refusal;
            }),
          );
          expect(await within(rejectionOf(creating), 'createChildFile')).toBe(refusal);
          expect(calls).toEqual([overwrite ? taken : undefined]);
          expect(await listing(work)).toEqual(before);
          expect(await contentOf(taken)).toBe('taken');
          expect(await storage.getFileInfo(taken)).toEqual(takenBefore);
        });
        test('8 concurrent calls with the same candidates get 8 distinct names and IDs', async () => {
          const candidates = numbered('copy.docx', 16);
          const created = await within(
            Promise.all(
              Array.from({ length: 8 }, (_, i) =>
                storage.createChildFile(work, bodyOf(`copy number ${i}`), { candidates, overwrite: false }, writeContext()),
              ),
            ),
            '8 concurrent createChildFile calls',
          );
          expect(created.map((c) => c.info.name).sort()).toEqual(candidates.slice(0, 8).sort());
          expect(new Set(created.map((c) => c.fileId)).size).toBe(8);
          for (const [i, c] of created.entries()) expect(await contentOf(c.fileId)).toBe(`copy number ${i}`);
        });
      });
    });

    describe('getFileContainerId', () => {
      test('gives the container a file was created in, at every depth', async () => {
        const sub = await mkdir(work, 'sub');
        const inner = await mkdir(sub, 'inner');
        expect(await storage.getFileContainerId(await touch(work, 'a.docx'))).toBe(work);
        expect(await storage.getFileContainerId(await touch(sub, 'a.docx'))).toBe(sub);
        expect(await storage.getFileContainerId(await touch(inner, 'a.docx'))).toBe(inner);
      });
      test.each(BAD_IDS)('throws FileNotFoundError (404) for the file ID %j', async (badId) => {
        await expectNotFound(storage.getFileContainerId(badId));
      });
    });

    describe('renameContainer', () => {
      test('keeps the container ID and the IDs of everything inside, which still read and save', async () => {
        const sub = await mkdir(work, 'before');
        const inner = await mkdir(sub, 'inner');
        const file = await touch(sub, 'a.docx', 'one');
        const deep = await touch(inner, 'b.docx', 'two');
        const innerListing = await listing(inner);

        expect(await storage.renameContainer(sub, 'after')).toEqual({ name: 'after', parentId: work });
        expect(await storage.getContainerInfo(sub)).toEqual({ name: 'after', parentId: work });
        expect(await listing(work)).toEqual([`container:after=${sub}`]);
        expect(await listing(sub)).toEqual([`container:inner=${inner}`, `file:a.docx=${file}`].sort());
        expect(await storage.getContainerInfo(inner)).toEqual({ name: 'inner', parentId: sub });
        expect(await listing(inner)).toEqual(innerListing);

        for (const [id, container, old] of [
          [file, sub, 'one'],
          [deep, inner, 'two'],
        ] as const) {
          expect(await storage.getFileContainerId(id)).toBe(container);
          expect(await contentOf(id)).toBe(old);
          const written = await storage.writeFile(id, bodyOf(`${old} saved`), writeContext());
          expect(written).toMatchObject({ size: `${old} saved`.length });
          expect(await storage.getFileInfo(id)).toEqual(written);
          expect(await contentOf(id)).toBe(`${old} saved`);
        }
        const added = await touch(sub, 'c.docx', 'three');
        expect(await storage.getFileContainerId(added)).toBe(sub);
      });
      test('a case-only change of its own name, or the same name, is allowed', async () => {
        const sub = await mkdir(work, 'docs');
        expect((await storage.renameContainer(sub, 'Docs')).name).toBe('Docs');
        expect((await storage.renameContainer(sub, 'Docs')).name).toBe('Docs');
        expect(await storage.getContainerInfo(sub)).toEqual({ name: 'Docs', parentId: work });
      });
      test.each<[string, boolean]>([
        ['a file', false],
        ['a container', true],
      ])('a name %s beside it has, in any case: FileExistsError (409), name unchanged', async (_label, isContainer) => {
        const sub = await mkdir(work, 'mine');
        if (isContainer) await mkdir(work, 'Taken');
        else await touch(work, 'Taken');
        await expectError(storage.renameContainer(sub, 'taken'), 409, 'WOPI_FILE_EXISTS');
        expect(await storage.getContainerInfo(sub)).toEqual({ name: 'mine', parentId: work });
      });
      test('a name taken elsewhere (inside it, or in another container) is free', async () => {
        const sub = await mkdir(work, 'mine');
        await mkdir(sub, 'name');
        const other = await mkdir(work, 'other');
        await touch(other, 'name2');
        expect((await storage.renameContainer(sub, 'name')).name).toBe('name');
        expect((await storage.renameContainer(sub, 'name2')).name).toBe('name2');
      });
      test('the root: BadRequestError (400), name unchanged', async () => {
        const before = await storage.getContainerInfo(root);
        await expectError(storage.renameContainer(root, 'renamed root'), 400, 'WOPI_BAD_REQUEST');
        expect(await storage.getContainerInfo(root)).toEqual(before);
      });
      test.each(BAD_IDS)('throws FileNotFoundError (404) for the container ID %j', async (badId) => {
        await expectNotFound(storage.renameContainer(badId, 'x'));
      });
    });

    describe('deleteContainer', () => {
      test('an empty container: removed, gone from the listing, 404 everywhere', async () => {
        const keep = await mkdir(work, 'keep');
        const gone = await mkdir(work, 'gone');
        await storage.deleteContainer(gone);
        expect(await listing(work)).toEqual([`container:keep=${keep}`]);
        await expectNotFound(storage.getContainerInfo(gone));
        await expectNotFound(storage.enumerateChildren(gone, {}));
        await expectNotFound(storage.createChildContainer(gone, ['x']));
        await expectNotFound(storage.createChildFile(gone, bodyOf(''), { candidates: ['x.docx'], overwrite: false }, writeContext()));
        await expectNotFound(storage.renameContainer(gone, 'y'));
        await expectNotFound(storage.deleteContainer(gone));
        expect(await storage.getContainerInfo(keep)).toEqual({ name: 'keep', parentId: work });
      });
      test.each<[string, boolean]>([
        ['a file', false],
        ['a container', true],
      ])('holding %s: ContainerNotEmptyError (409), nothing removed', async (_label, isContainer) => {
        const full = await mkdir(work, 'full');
        const child = isContainer ? await mkdir(full, 'child') : await touch(full, 'child.docx', 'kept');
        const before = await listing(full);
        await expectError(storage.deleteContainer(full), 409, 'WOPI_CONTAINER_NOT_EMPTY');
        expect(await storage.getContainerInfo(full)).toEqual({ name: 'full', parentId: work });
        expect(await listing(full)).toEqual(before);
        if (isContainer) expect(await storage.getContainerInfo(child)).toEqual({ name: 'child', parentId: full });
        else expect(await contentOf(child)).toBe('kept');
      });
      test('the root: ContainerNotEmptyError (409), root unchanged', async () => {
        const before = await storage.getContainerInfo(root);
        await expectError(storage.deleteContainer(root), 409, 'WOPI_CONTAINER_NOT_EMPTY');
        expect(await storage.getContainerInfo(root)).toEqual(before);
        expect(await storage.getRootContainerId(userId)).toBe(root);
      });
      test('a deleted container ID is never handed out again', async () => {
        const gone = await mkdir(work, 'gone');
        await storage.deleteContainer(gone);
        const ids: string[] = [];
        for (const name of numbered('gone', 20)) ids.push(await mkdir(work, name));
        expect(ids).not.toContain(gone);
        expect(new Set(ids).size).toBe(20);
        await expectNotFound(storage.getContainerInfo(gone));
      });
      test.each(BAD_IDS)('throws FileNotFoundError (404) for the container ID %j', async (badId) => {
        await expectNotFound(storage.deleteContainer(badId));
      });
    });

    describeIf(declared.has('delete'), 'with deleteFile', () => {
      test('a deleted file leaves its container, which can then be deleted', async () => {
        const sub = await mkdir(work, 'sub');
        const keep = await touch(sub, 'keep.docx');
        const gone = await touch(sub, 'gone.docx');
        await storage.deleteFile!(gone);
        expect(await listing(sub)).toEqual([`file:keep.docx=${keep}`]);
        await expectNotFound(storage.getFileContainerId(gone));
        await storage.deleteFile!(keep);
        expect(await listing(sub)).toEqual([]);
        await storage.deleteContainer(sub);
        await expectNotFound(storage.getContainerInfo(sub));
      });
    });

    describeIf(declared.has('relative'), 'with findRelativeFile / createRelativeFile', () => {
      test("PutRelativeFile looks and creates in the original's own container only", async () => {
        const one = await mkdir(work, 'one');
        const two = await mkdir(work, 'two');
        const original = await touch(one, 'report.docx', 'original');
        await touch(two, 'copy.docx', 'elsewhere');
        expect(await storage.findRelativeFile!(original, 'copy.docx')).toBeNull();
        const created = await storage.createRelativeFile!(
          original,
          bodyOf('copy'),
          { candidates: ['copy.docx'], overwrite: false },
          writeContext(),
        );
        expect(created.info.name).toBe('copy.docx');
        expect(await storage.getFileContainerId(created.fileId)).toBe(one);
        expect(await storage.findRelativeFile!(original, 'copy.docx')).toBe(created.fileId);
        expect((await storage.enumerateChildren(two, {})).files.map((f) => f.info.name)).toEqual(['copy.docx']);
      });
      test("a container's name is taken for PutRelativeFile, and is no file to overwrite", async () => {
        const original = await touch(work, 'report.docx', 'original');
        const sub = await mkdir(work, 'Copy.docx');
        expect(await storage.findRelativeFile!(original, 'copy.docx')).toBeNull();
        const created = await storage.createRelativeFile!(
          original,
          bodyOf('copy'),
          { candidates: ['copy.docx', 'copy (1).docx'], overwrite: false },
          writeContext(),
        );
        expect(created.info.name).toBe('copy (1).docx');
        await expectError(
          storage.createRelativeFile!(original, bodyOf('x'), { candidates: ['copy.docx'], overwrite: true }, writeContext()),
          409,
          'WOPI_FILE_EXISTS',
        );
        expect(await storage.getContainerInfo(sub)).toEqual({ name: 'Copy.docx', parentId: work });
      });
    });

    describeIf(declared.has('rename'), 'with renameFile', () => {
      test("a name is taken only in the file's own container, by a file or a container", async () => {
        const one = await mkdir(work, 'one');
        const two = await mkdir(work, 'two');
        const file = await touch(one, 'old.docx');
        await touch(two, 'elsewhere.docx');
        await mkdir(one, 'Folder.docx');
        expect((await storage.renameFile!(file, ['elsewhere.docx'])).name).toBe('elsewhere.docx');
        expect((await storage.renameFile!(file, ['folder.docx', 'folder (1).docx'])).name).toBe('folder (1).docx');
        await expectError(storage.renameFile!(file, ['FOLDER.docx']), 409, 'WOPI_FILE_EXISTS');
        expect(await storage.getFileContainerId(file)).toBe(one);
      });
    });
  });
}

/** `name`, then `name (1)` … up to `count` names in all, keeping an extension: `a.docx`, `a (1).docx`. */
function numbered(name: string, count: number): string[] {
  const dot = name.lastIndexOf('.');
  const [base, extension] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  return Array.from({ length: count }, (_, i) => (i === 0 ? name : `${base} (${i})${extension}`));
}

/** A body of `text`; an empty text gives a stream that ends at once. */
function bodyOf(text: string): Readable {
  return Readable.from(text === '' ? [] : [Buffer.from(text)]);
}

/** The status and code of a WopiError, or the value itself (so a failed expectation shows what it was). */
function describeError(value: unknown): unknown {
  return WopiError.is(value) ? { status: value.status, code: value.code } : value;
}

/** `promise` rejects with a WopiError of `status` and `code`. */
async function expectError(promise: Promise<unknown>, status: number, code: WopiErrorCode): Promise<void> {
  expect(describeError(await within(rejectionOf(promise), 'the operation'))).toEqual({ status, code });
}

async function expectNotFound(promise: Promise<unknown>): Promise<void> {
  await expectError(promise, 404, 'WOPI_FILE_NOT_FOUND');
}
