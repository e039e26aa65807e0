/**
 * Overlapping requests never lose a save, in one process: an Express app with createWopiRouter,
 * MemoryLockStore and JwtAuth, on MemoryStorage and on FileSystemStorage over a temporary folder.
 * Each test holds an upload open halfway (Content-Length set, half the bytes sent), waits until
 * the storage has read that half (and, on FileSystemStorage, written it to its temporary file),
 * runs the overlapping operations, then sends the rest. See ./scenarios.ts.
 */
import type { AddressInfo } from 'node:net';
import { FileSystemStorage } from '../../src';
import { createApp } from '../helpers/create-app';
import { listen } from '../helpers/raw-http';
import { STORAGES, type StorageFixture } from '../helpers/ops-storages';
import { destroyHeldUploads, observeWrites, waitForTemporaryWrite } from '../helpers/held-upload';
import {
  coolTimestampSaveOvertaken,
  defaultMetadataDir,
  freshListing,
  lockLessSaveOvertakenByLockHolder,
  saveAsOverTargetLockedMeanwhile,
  saveDuringDelete,
  saveDuringRename,
  saveWhileLockChangesHands,
  type ConcurrencyEnv,
} from './scenarios';

describe.each(STORAGES)('overlapping requests never lose a save (%s, one process)', (storageName, makeStorage) => {
  let fixture: StorageFixture;
  let close: () => Promise<void>;
  let env: ConcurrencyEnv;

  beforeEach(async () => {
    fixture = await makeStorage();
    const observed = observeWrites(fixture.storage);
    const app = createApp({ storage: observed.storage });
    const running = await listen(app.app);
    close = running.close;
    const base = `http://127.0.0.1:${(running.server.address() as AddressInfo).port}/wopi`;
    const root = fixture.root;
    env = {
      holderBase: base,
      otherBase: base,
      bases: [base],
      addFile: (name, content) => fixture.addFile(name, content),
      token: (fileId, userId = 'u1') => app.token(fileId, { write: true }, userId),
      bodyStarted: async (upload) => {
        await observed.waitForBytes(upload.sentBytes);
        if (root !== undefined) await waitForTemporaryWrite(root, upload.sentBytes);
      },
      listFiles: async () => {
        if (root !== undefined) return freshListing(root);
        const storage = fixture.storage as unknown as { list(): Array<{ fileId: string; name: string }> };
        return storage
          .list()
          .map(({ fileId, name }) => ({ name, fileId }))
          .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      },
      ...(root === undefined ? {} : { disk: { dir: root, root, metadataDir: defaultMetadataDir(root) } }),
    };
    if (root !== undefined && !(fixture.storage instanceof FileSystemStorage))
      throw new Error('fixture with a root is not a FileSystemStorage');
  });

  afterEach(async () => {
    destroyHeldUploads();
    await close?.();
    await fixture?.cleanup();
  });

  test('1. lock-less PutFile to a 0-byte file, overtaken by LOCK L + PutFile B under L: the lock-less save ends 409 with X-WOPI-Lock L and GetFile returns B', async () => {
    await lockLessSaveOvertakenByLockHolder(env);
  });

  test('2. PutRelativeFile overwriting target.docx (exact RelativeTarget, OverwriteRelativeTarget: true) while the target is LOCKed L2 and saved T: 409 with X-WOPI-Lock L2, target keeps T, no new file', async () => {
    await saveAsOverTargetLockedMeanwhile(env);
  });

  test(`3. PutFile under L while RenameFile under L renames it to "renamed": 200, CheckFileInfo says renamed.docx, GetFile returns the new bytes${storageName === 'FileSystemStorage' ? ', nothing at the old path, no temporary file, a fresh FileSystemStorage lists only renamed.docx with the same ID' : ''}`, async () => {
    await saveDuringRename(env);
  });

  test(`4. PutFile under L while the file is UNLOCKed and DELETEd: the save ends 404 or 409 (never 200), the ID stays 404${storageName === 'FileSystemStorage' ? ', nothing reappears on disk, a fresh FileSystemStorage lists no file' : ''}`, async () => {
    await saveDuringDelete(env);
  });

  test('5a. PutFile under L while L is UNLOCKed and another client LOCKs L3: the lock is checked again at commit, 409 with X-WOPI-Lock L3, old content kept', async () => {
    await saveWhileLockChangesHands(env);
  });

  test('5b. PutFile with X-COOL-WOPI-Timestamp = LastModifiedTime while a second save under the same lock lands: 409 {"COOLStatusCode":1010}, the second save stays', async () => {
    await coolTimestampSaveOvertaken(env);
  });
});
