/**
 * The custom-storage example's template adapters must keep passing the published contracts,
 * so users who copy it start from something correct. (examples/custom-storage/storage.test.js runs
 * the same suite the way a user's project would, through `express-wopi/testing`.)
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { WopiContainerStorage, WopiStorage, WopiUserInfoStore } from '../../src';
import { describeWopiContainerStorage, describeWopiStorage, describeWopiUserInfoStore } from '../../src/testing';

// The example is plain JavaScript that loads the built package (dist/), as a user's code would.
type ExampleStorage = WopiStorage & WopiContainerStorage & { addFile(name: string, content: Buffer): Promise<string> };
const { JsonIndexStorage } = require('../../examples/custom-storage/storage') as {
  JsonIndexStorage: new (options: { dir: string }) => ExampleStorage;
};

describeWopiStorage(
  'examples/custom-storage JsonIndexStorage',
  async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'express-wopi-example-suite-'));
    const storage = new JsonIndexStorage({ dir });
    return {
      storage,
      addFile: (name, content) => storage.addFile(name, content),
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  },
  { capabilities: ['relative', 'rename', 'delete'] },
);

describeWopiContainerStorage(
  'examples/custom-storage JsonIndexStorage',
  async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'express-wopi-example-folders-'));
    return { storage: new JsonIndexStorage({ dir }), cleanup: () => rm(dir, { recursive: true, force: true }) };
  },
  { capabilities: ['relative', 'rename', 'delete'] },
);

describe('examples/custom-storage JsonIndexStorage: index.json', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'express-wopi-example-index-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const entry = (name: string, folder: string, blob: string) => ({
    name,
    folder,
    blob,
    size: 3,
    version: 1,
    modified: '2024-01-01T00:00:00.000Z',
    modifiedBy: 'setup',
    owner: 'old',
  });
  const names = async (storage: WopiContainerStorage, containerId: string) => {
    const { files, containers } = await storage.enumerateChildren(containerId, {});
    return [...files.map((f) => f.info.name), ...containers.map((c) => `${c.name}/`)].sort();
  };

  test('one written before folders: files keep their IDs, in the root or in folders made for their paths', async () => {
    await mkdir(path.join(dir, 'blobs'));
    for (const blob of ['b1', 'b2', 'b3', 'b4']) await writeFile(path.join(dir, 'blobs', blob), 'abc');
    const legacy = {
      files: [
        ['top', entry('top.docx', '', 'b1')],
        ['report', entry('report.docx', 'Reports', 'b2')],
        ['deep', entry('deep.docx', 'Reports/2024', 'b3')],
        ['variant', entry('other.docx', 'reports', 'b4')],
        ['gone', { deleted: true, deletedAt: '2024-01-02T00:00:00.000Z' }],
      ],
    };
    await writeFile(path.join(dir, 'index.json'), JSON.stringify(legacy));

    const storage = new JsonIndexStorage({ dir });
    const root = await storage.getRootContainerId('anyone');
    expect(await storage.getContainerInfo(root)).toEqual({ name: 'Files', parentId: null });
    expect(await storage.getFileContainerId('top')).toBe(root);
    const reports = await storage.getFileContainerId('report');
    expect(await storage.getContainerInfo(reports)).toEqual({ name: 'Reports', parentId: root });
    expect(await storage.getFileContainerId('variant')).toBe(reports); // folders match in any case
    const year = await storage.getFileContainerId('deep');
    expect(await storage.getContainerInfo(year)).toEqual({ name: '2024', parentId: reports });
    expect(await names(storage, root)).toEqual(['Reports/', 'top.docx']);
    expect(await names(storage, reports)).toEqual(['2024/', 'other.docx', 'report.docx']);
    await expect(storage.getFileInfo('gone')).rejects.toMatchObject({ status: 404 });

    // Saved at once: a second start finds the same folders under the same IDs, and upgrades nothing.
    const saved = await readFile(path.join(dir, 'index.json'), 'utf8');
    const again = new JsonIndexStorage({ dir });
    expect(await again.getFileContainerId('deep')).toBe(year);
    expect(await again.getContainerInfo(year)).toEqual({ name: '2024', parentId: reports });
    expect(await readFile(path.join(dir, 'index.json'), 'utf8')).toBe(saved);
  });

  test('a new store has its root on disk at once; folders and their tombstones survive a restart', async () => {
    const storage = new JsonIndexStorage({ dir });
    const root = await storage.getRootContainerId('anyone');
    expect(JSON.parse(await readFile(path.join(dir, 'index.json'), 'utf8')).folders).toEqual([[root, { name: 'Files', parent: null }]]);
    const kept = (await storage.createChildContainer(root, ['kept'])).containerId;
    const gone = (await storage.createChildContainer(root, ['gone'])).containerId;
    await storage.deleteContainer(gone);
    const again = new JsonIndexStorage({ dir });
    expect(await again.getContainerInfo(kept)).toEqual({ name: 'kept', parentId: root });
    await expect(again.getContainerInfo(gone)).rejects.toMatchObject({ status: 404 });
    expect(await names(again, root)).toEqual(['kept/']);
  });
});

// Plain JavaScript with no import from the package.
const { JsonUserInfoStore } = require('../../examples/custom-storage/user-info') as {
  JsonUserInfoStore: new (options: { dir: string }) => WopiUserInfoStore;
};

describeWopiUserInfoStore(
  'examples/custom-storage JsonUserInfoStore',
  async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'express-wopi-example-users-'));
    return {
      store: new JsonUserInfoStore({ dir }),
      reopen: () => new JsonUserInfoStore({ dir }),
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  },
  { persistent: true },
);
