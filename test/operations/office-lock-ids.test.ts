/**
 * Office lock IDs through the router: with a store whose lockIdComparison is 'office', a lock ID
 * whose other JSON properties changed but whose S is the same is the same lock for every
 * operation (the stores' atomic steps, and the router's own checks before and at the commit step
 * of PutFile, RenameFile and PutRelativeFile); the stored ID is what GetLock and every 409 answer.
 */
import { MemoryLockStore, MemoryStorage } from '../../src';
import { createApp } from '../helpers/create-app';
import { getLockReq, lockReq, putFile, refreshLockReq, renameReq, unlockReq } from '../helpers/wopi-requests';

const held = JSON.stringify({ S: 'session-1', F: 4, E: 2 });
const later = JSON.stringify({ S: 'session-1', F: 6, E: 2 });
const other = JSON.stringify({ S: 'session-2', F: 4, E: 2 });

async function setup(lockIdComparison: 'exact' | 'office') {
  const storage = new MemoryStorage();
  const fileId = storage.addFile('report.docx', 'v1');
  const locks = new MemoryLockStore({ lockIdComparison });
  const { app, token } = createApp({ storage, locks });
  const t = await token(fileId);
  expect((await lockReq(app, fileId, t, held)).status).toBe(200);
  return { app, storage, fileId, t };
}

describe("Office lock IDs through the router (lockIdComparison: 'office')", () => {
  test('PutFile, RefreshLock, RenameFile and Unlock accept the same S with other properties changed', async () => {
    const { app, storage, fileId, t } = await setup('office');
    const saved = await putFile(app, fileId, t, 'v2', { 'X-WOPI-Lock': later });
    expect(saved.status).toBe(200);
    expect(storage.getContent(fileId).toString()).toBe('v2');
    expect((await refreshLockReq(app, fileId, t, later)).status).toBe(200);
    expect((await renameReq(app, fileId, t, 'renamed', { 'X-WOPI-Lock': later })).status).toBe(200);
    // The stored ID is what GetLock answers.
    expect((await getLockReq(app, fileId, t)).headers['x-wopi-lock']).toBe(held);
    expect((await unlockReq(app, fileId, t, later)).status).toBe(200);
    expect((await getLockReq(app, fileId, t)).headers['x-wopi-lock']).toBe('');
  });

  test('another S is another lock: 409 with the stored ID, nothing written', async () => {
    const { app, storage, fileId, t } = await setup('office');
    const refused = await putFile(app, fileId, t, 'v2', { 'X-WOPI-Lock': other });
    expect(refused.status).toBe(409);
    expect(refused.headers['x-wopi-lock']).toBe(held);
    expect(storage.getContent(fileId).toString()).toBe('v1');
    expect((await renameReq(app, fileId, t, 'x', { 'X-WOPI-Lock': other })).status).toBe(409);
  });

  test("with the default 'exact' comparison, the changed properties make it another lock", async () => {
    const { app, storage, fileId, t } = await setup('exact');
    const refused = await putFile(app, fileId, t, 'v2', { 'X-WOPI-Lock': later });
    expect(refused.status).toBe(409);
    expect(refused.headers['x-wopi-lock']).toBe(held);
    expect(storage.getContent(fileId).toString()).toBe('v1');
  });
});
