/**
 * MemoryStorage's containers: the published WopiContainerStorage contract, then what is particular
 * to MemoryStorage (its root, addContainer, addFile's containerId, relative files staying in their
 * own container).
 */
import { MemoryStorage, WopiConfigError } from '../../src';
import { describeWopiContainerStorage } from '../../src/testing';
import { writeContext } from '../helpers/fs-sandbox';
import { body, collect, expectFileExists, expectNotFound, target } from '../helpers/storage-kit';

describeWopiContainerStorage('MemoryStorage', () => ({ storage: new MemoryStorage() }), {
  capabilities: ['relative', 'rename', 'delete'],
});

const ctx = writeContext;

/** `fn` throws a WopiConfigError with `code` about `option`, whose message matches `message`. */
function expectConfigError(fn: () => unknown, option: string, message: RegExp): void {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(WopiConfigError);
  expect((thrown as WopiConfigError).code).toBe('WOPI_OPTION_VALUE');
  expect((thrown as WopiConfigError).option).toBe(option);
  expect((thrown as WopiConfigError).message).toMatch(message);
}

/** Names in a container, sorted: `file:<name>` and `container:<name>`. */
async function names(s: MemoryStorage, containerId: string): Promise<string[]> {
  const { files, containers } = await s.enumerateChildren(containerId, {});
  return [...files.map((f) => `file:${f.info.name}`), ...containers.map((c) => `container:${c.name}`)].sort();
}

describe('MemoryStorage containers', () => {
  describe('the root', () => {
    it('is `root`, named "Files" by default, for every user', async () => {
      const s = new MemoryStorage();
      expect(await s.getRootContainerId('alice')).toBe('root');
      expect(await s.getRootContainerId('bob')).toBe('root');
      expect(await s.getContainerInfo('root')).toEqual({ name: 'Files', parentId: null });
    });

    it('takes its name from `rootName`', async () => {
      const s = new MemoryStorage({ rootName: 'Shared documents' });
      expect(await s.getContainerInfo('root')).toEqual({ name: 'Shared documents', parentId: null });
    });

    it('refuses an empty or non-string `rootName`, and options that are not an object', () => {
      expect(() => new MemoryStorage({ rootName: '' })).toThrow(WopiConfigError);
      expect(() => new MemoryStorage({ rootName: 3 as unknown as string })).toThrow(/`rootName` must be a non-empty string/);
      expect(() => new MemoryStorage('Files' as unknown as ConstructorParameters<typeof MemoryStorage>[0])).toThrow(
        /^MemoryStorage: options must be an object/,
      );
    });

    it('holds the files addFile adds without a container', async () => {
      const s = new MemoryStorage();
      const id = s.addFile('a.docx', 'x');
      expect(await s.getFileContainerId(id)).toBe('root');
      expect(await names(s, 'root')).toEqual(['file:a.docx']);
    });
  });

  describe('addContainer', () => {
    it('adds an empty container in the root, or in `parentId`, with a random URL-safe ID', async () => {
      const s = new MemoryStorage();
      const docs = s.addContainer('Docs');
      const inner = s.addContainer('Inner', docs);
      expect(docs).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(inner).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(await s.getContainerInfo(docs)).toEqual({ name: 'Docs', parentId: 'root' });
      expect(await s.getContainerInfo(inner)).toEqual({ name: 'Inner', parentId: docs });
      expect(await s.enumerateChildren(docs, {})).toEqual({ files: [], containers: [{ containerId: inner, name: 'Inner' }] });
    });

    it('refuses an unknown or deleted parent', async () => {
      const s = new MemoryStorage();
      const gone = s.addContainer('gone');
      await s.deleteContainer(gone);
      expectConfigError(
        () => s.addContainer('x', 'nope'),
        'parentId',
        /^MemoryStorage\.addContainer: `parentId` "nope" names no container/,
      );
      expectConfigError(() => s.addContainer('x', gone), 'parentId', /names no container/);
    });

    it('refuses a name a file or container beside it has, in any case, and an illegal name', () => {
      const s = new MemoryStorage();
      s.addContainer('Docs');
      s.addFile('Notes.txt', 'x');
      expectConfigError(() => s.addContainer('docs'), 'name', /taken/);
      expectConfigError(() => s.addContainer('NOTES.TXT'), 'name', /taken/);
      expectConfigError(() => s.addContainer('a/b'), 'name', /not a legal name/);
      expectConfigError(() => s.addContainer(''), 'name', /not a legal name/);
    });
  });

  describe('addFile with `containerId`', () => {
    it('puts the file in that container', async () => {
      const s = new MemoryStorage();
      const docs = s.addContainer('Docs');
      const id = s.addFile('a.docx', 'hello', { containerId: docs });
      expect(await s.getFileContainerId(id)).toBe(docs);
      expect(await names(s, docs)).toEqual(['file:a.docx']);
      expect(await names(s, 'root')).toEqual(['container:Docs']);
      expect(s.list()).toStrictEqual([{ fileId: id, name: 'a.docx' }]);
    });

    it('refuses an unknown container, a name a container beside it has, and a container ID as file ID', async () => {
      const s = new MemoryStorage();
      const docs = s.addContainer('Docs');
      const gone = s.addContainer('Gone');
      await s.deleteContainer(gone);
      expectConfigError(() => s.addFile('a.docx', 'x', { containerId: 'nope' }), 'containerId', /names no container/);
      expectConfigError(() => s.addFile('DOCS', 'x'), 'name', /taken by a container/);
      expectConfigError(() => s.addFile('a.docx', 'x', { fileId: docs }), 'fileId', /a container has this ID/);
      expectConfigError(() => s.addFile('a.docx', 'x', { fileId: 'root' }), 'fileId', /a container has this ID/);
      expectConfigError(() => s.addFile('a.docx', 'x', { fileId: gone }), 'fileId', /deleted file or container/);
      expect(s.list()).toStrictEqual([]);
    });
  });

  describe('relative files stay in their own container', () => {
    it('findRelativeFile sees only the original’s container', async () => {
      const s = new MemoryStorage();
      const docs = s.addContainer('Docs');
      const original = s.addFile('report.docx', 'r', { containerId: docs });
      const outside = s.addFile('copy.docx', 'root copy');
      const inside = s.addFile('Copy.docx', 'docs copy', { containerId: docs });
      expect(await s.findRelativeFile(original, 'copy.docx')).toBe(inside);
      expect(await s.findRelativeFile(outside, 'report.docx')).toBeNull();
    });

    it('createRelativeFile creates beside the original, also when the name exists elsewhere', async () => {
      const s = new MemoryStorage();
      const docs = s.addContainer('Docs');
      const original = s.addFile('report.docx', 'r', { containerId: docs });
      const outside = s.addFile('copy.docx', 'root copy');
      const created = await s.createRelativeFile(original, body('new'), target(['copy.docx']), ctx());
      expect(created.info.name).toBe('copy.docx');
      expect(created.info.ownerId).toBe('express-wopi');
      expect(await s.getFileContainerId(created.fileId)).toBe(docs);
      expect(s.getContent(outside).toString()).toBe('root copy');
    });

    it('overwrite replaces the file beside the original, never one elsewhere', async () => {
      const s = new MemoryStorage();
      const docs = s.addContainer('Docs');
      const original = s.addFile('report.docx', 'r', { containerId: docs });
      const outside = s.addFile('copy.docx', 'root copy');
      const inside = s.addFile('copy.docx', 'docs copy', { containerId: docs });
      const replaced = await s.createRelativeFile(original, body('replacement'), target(['copy.docx'], true), ctx());
      expect(replaced.fileId).toBe(inside);
      expect(s.getContent(inside).toString()).toBe('replacement');
      expect(s.getContent(outside).toString()).toBe('root copy');
    });

    it('renameFile may take a name used in another container, not one beside it', async () => {
      const s = new MemoryStorage();
      const docs = s.addContainer('Docs');
      const file = s.addFile('a.docx', 'a', { containerId: docs });
      s.addFile('b.docx', 'b');
      s.addFile('c.docx', 'c', { containerId: docs });
      expect((await s.renameFile(file, ['b.docx'])).name).toBe('b.docx');
      await expectFileExists(s.renameFile(file, ['C.docx']));
      expect(await names(s, docs)).toEqual(['file:b.docx', 'file:c.docx']);
    });
  });

  describe('createChildFile', () => {
    it('gives a new file the creating user as owner; replacing keeps the owner', async () => {
      const s = new MemoryStorage();
      const docs = s.addContainer('Docs');
      const created = await s.createChildFile(docs, body(''), target(['new.docx']), { ...ctx(), userId: 'alice' });
      expect(created.info.ownerId).toBe('alice');
      const existing = s.addFile('old.docx', 'old', { containerId: docs, ownerId: 'bob' });
      const replaced = await s.createChildFile(docs, body('x'), target(['old.docx'], true), { ...ctx(), userId: 'alice' });
      expect(replaced).toMatchObject({ fileId: existing, info: { ownerId: 'bob' } });
    });

    it('a container deleted while the body arrives: 404 at the commit step, nothing created', async () => {
      const s = new MemoryStorage();
      const docs = s.addContainer('Docs');
      const creating = s.createChildFile(docs, body('x'), target(['new.docx']), {
        ...ctx(),
        commit: async () => {
          await s.deleteContainer(docs);
        },
      });
      await expectNotFound(creating);
      expect(s.list()).toStrictEqual([]);
    });
  });

  describe('enumerateChildren', () => {
    it('honours the extension filter, case-insensitively, keeps every container, and takes an empty list as no filter', async () => {
      const s = new MemoryStorage();
      s.addFile('a.docx');
      s.addFile('B.DOCX');
      s.addFile('c.xlsx');
      s.addContainer('d.pptx');
      const { files, containers } = await s.enumerateChildren('root', { extensions: ['.docx'] });
      expect(files.map((f) => f.info.name).sort()).toEqual(['B.DOCX', 'a.docx']);
      expect(containers.map((c) => c.name)).toEqual(['d.pptx']);
      expect((await s.enumerateChildren('root', { extensions: [] })).files).toHaveLength(3);
    });
  });

  describe('IDs', () => {
    it('a deleted container ID answers 404 and is not reused by files or containers', async () => {
      const s = new MemoryStorage();
      const gone = s.addContainer('gone');
      await s.deleteContainer(gone);
      await expectNotFound(s.getContainerInfo(gone));
      const ids = [...Array.from({ length: 10 }, (_, i) => s.addContainer(`c${i}`)), ...Array.from({ length: 10 }, () => s.addFile('f'))];
      expect(ids).not.toContain(gone);
      const content = await s.readFile(ids[19]!);
      expect((await collect(content.stream)).length).toBe(0);
    });
  });
});
