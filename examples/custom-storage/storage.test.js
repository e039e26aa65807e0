'use strict';
/**
 * The published WopiStorage, WopiContainerStorage and WopiUserInfoStore contracts
 * (express-wopi/testing), run against the template adapters. Copy this file next to your own
 * adapter and change the fixtures.
 *
 * From the repository root, after `npm install`:
 *
 *   npx jest --config '{}' examples/custom-storage/storage.test.js
 *
 * (`--config '{}'` leaves out the repository's own jest settings, which only look in test/.)
 */
const fs = require('node:fs/promises');
const os = require('node:os');
const path = require('node:path');
// In your project the same line works once express-wopi is installed.
const { describeWopiContainerStorage, describeWopiStorage, describeWopiUserInfoStore } = require('express-wopi/testing');
const { JsonIndexStorage } = require('./storage');
const { JsonUserInfoStore } = require('./user-info');

describeWopiStorage(
  'JsonIndexStorage',
  async () => {
    // A new, empty store for every test.
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'express-wopi-custom-suite-'));
    const storage = new JsonIndexStorage({ dir });
    return {
      storage,
      // Puts a file into the store, the way your app does, and returns its ID.
      addFile: (name, content) => storage.addFile(name, content),
      // Runs after each test.
      cleanup: () => fs.rm(dir, { recursive: true, force: true }),
    };
  },
  // The optional methods it has, by capability. Exactly these: one declared but missing fails,
  // and so does one present but not declared.
  { capabilities: ['relative', 'rename', 'delete'] },
);

// Folders. Leave this out if your storage has no container methods.
describeWopiContainerStorage(
  'JsonIndexStorage',
  async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'express-wopi-custom-folders-'));
    // No addFile here: the suite makes its folders and files through the container methods,
    // each test in a new folder of its own inside the root.
    return { storage: new JsonIndexStorage({ dir }), cleanup: () => fs.rm(dir, { recursive: true, force: true }) };
  },
  // The same file capabilities as above: they decide which tests of files in folders run
  // (Save As and rename stay in the file's folder, a deleted file leaves its folder).
  { capabilities: ['relative', 'rename', 'delete'] },
);

describeWopiUserInfoStore(
  'JsonUserInfoStore',
  async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'express-wopi-custom-users-'));
    return {
      store: new JsonUserInfoStore({ dir }),
      // It keeps its values (persistent: true below): a new instance on the same folder reads them.
      reopen: () => new JsonUserInfoStore({ dir }),
      cleanup: () => fs.rm(dir, { recursive: true, force: true }),
    };
  },
  { persistent: true },
);
