/**
 * The custom-storage example's template adapters must keep passing the published contracts,
 * so users who copy it start from something correct. (examples/custom-storage/storage.test.js runs
 * the same suite the way a user's project would, through `express-wopi/testing`.)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { WopiStorage, WopiUserInfoStore } from '../../src';
import { describeWopiStorage, describeWopiUserInfoStore } from '../../src/testing';

// The example is plain JavaScript that loads the built package (dist/), as a user's code would.
const { JsonIndexStorage } = require('../../examples/custom-storage/storage') as {
  JsonIndexStorage: new (options: { dir: string }) => WopiStorage & { addFile(name: string, content: Buffer): Promise<string> };
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
