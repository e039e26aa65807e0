/**
 * The published adapter contracts (express-wopi/testing) run against every built-in adapter that
 * needs no outside service. RedisLockStore runs them in test/redis/.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FileSystemStorage, FileSystemUserInfoStore, MemoryLockStore, MemoryStorage, MemoryUserInfoStore } from '../../src';
import { describeWopiLockStore, describeWopiStorage, describeWopiUserInfoStore } from '../../src/testing';

const ALL = ['relative', 'rename', 'delete'] as const;

describeWopiStorage(
  'MemoryStorage',
  () => {
    const storage = new MemoryStorage();
    return { storage, addFile: async (name, content) => storage.addFile(name, content) };
  },
  { capabilities: [...ALL] },
);

// FileSystemStorage as configured by default (its metadata reads on the event loop, the folder
// being on a local disk here), and with every metadata read on the thread pool.
for (const [name, options] of [
  ['FileSystemStorage', {}],
  ["FileSystemStorage (metadataReads: 'thread-pool')", { metadataReads: 'thread-pool' }],
] as const) {
  describeWopiStorage(
    name,
    async () => {
      const root = await mkdtemp(path.join(os.tmpdir(), 'express-wopi-suite-'));
      const storage = new FileSystemStorage({ root, ...options });
      return {
        storage,
        addFile: async (fileName, content) => {
          await writeFile(path.join(root, fileName), content);
          return storage.fileIdFor(fileName);
        },
        cleanup: () => rm(root, { recursive: true, force: true }),
      };
    },
    { capabilities: [...ALL] },
  );
}

describeWopiLockStore('MemoryLockStore', () => new MemoryLockStore(), { capabilities: ['admin', 'list'] });
describeWopiLockStore('MemoryLockStore (office lock IDs)', () => new MemoryLockStore({ lockIdComparison: 'office' }), {
  capabilities: ['admin', 'list', 'officeLockIds'],
});

describeWopiUserInfoStore('MemoryUserInfoStore', () => ({ store: new MemoryUserInfoStore() }));

describeWopiUserInfoStore(
  'FileSystemUserInfoStore',
  async () => {
    const base = await mkdtemp(path.join(os.tmpdir(), 'express-wopi-users-suite-'));
    // The folder does not exist yet: the first PutUserInfo makes it.
    const dir = path.join(base, 'users');
    return {
      store: new FileSystemUserInfoStore({ dir }),
      reopen: () => new FileSystemUserInfoStore({ dir }),
      cleanup: () => rm(base, { recursive: true, force: true }),
    };
  },
  { persistent: true },
);
