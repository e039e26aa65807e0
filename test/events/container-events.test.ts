/**
 * The events of the container operations (`containers: true`), on MemoryStorage and
 * FileSystemStorage: CreateChildFile (created, or saved when it replaces a file, and the
 * lockConflict of a locked target), RenameContainer (renamed) and DeleteContainer (deleted).
 */
import request from 'supertest';
import type { WopiContainerStorage, WopiRouterOptions } from '../../src';
import { encodeUtf7 } from '../../src/protocol/utf7';
import { createApp } from '../helpers/create-app';
import { STORAGES, useStorage } from '../helpers/ops-storages';
import { lockReq } from '../helpers/wopi-requests';
import { recorder } from './recorder';

describe.each(STORAGES)('container events on %s', (_name, makeStorage) => {
  const fx = useStorage(makeStorage);

  /** `report.docx` in the root container, an app with containers whose events are recorded, and a container token. */
  async function setup(options: Partial<WopiRouterOptions> = {}) {
    const rec = recorder();
    const fileId = await fx().addFile('report.docx', 'content');
    const app = createApp({ storage: fx().storage, containers: true, events: rec.listeners, ...options });
    const storage = fx().storage as unknown as WopiContainerStorage;
    const containerId = await storage.getFileContainerId(fileId);
    const containerToken = async (id: string) =>
      (await app.auth.issueResourceToken({ resource: { type: 'container', containerId: id }, userId: 'u1', permissions: { write: true } }))
        .accessToken;
    const post = async (id: string, override: string, headers: Record<string, string> = {}) =>
      request(app.app)
        .post(`/wopi/containers/${encodeURIComponent(id)}`)
        .query({ access_token: await containerToken(id) })
        .set({ 'X-WOPI-Override': override, ...headers });
    return { ...app, rec, fileId, containerId, storage, post };
  }

  test('CreateChildFile on a free name: created, in the container', async () => {
    const { rec, containerId, post } = await setup();
    const res = await post(containerId, 'CREATE_CHILD_FILE', { 'X-WOPI-SuggestedTarget': '.xlsx' });
    expect(res.status).toBe(200);
    expect(rec.summary()).toEqual(['created CreateChildFile']);
    expect(rec.of('created')[0]).toEqual({
      type: 'created',
      operation: 'CreateChildFile',
      fileId: expect.any(String),
      containerId,
      file: expect.objectContaining({ name: 'New document.xlsx', size: 0 }),
      save: { userId: 'u1', editors: [] },
      time: expect.any(Date),
      requestId: expect.any(String),
      user: { userId: 'u1', permissions: { write: true } },
    });
  });

  test('CreateChildFile replacing a file (OverwriteRelativeTarget): saved on that file, now empty', async () => {
    const { rec, fileId, containerId, post } = await setup();
    const res = await post(containerId, 'CREATE_CHILD_FILE', {
      'X-WOPI-RelativeTarget': encodeUtf7('report.docx'),
      'X-WOPI-OverwriteRelativeTarget': 'true',
    });
    expect(res.status).toBe(200);
    expect(rec.summary()).toEqual(['saved CreateChildFile']);
    expect(rec.of('saved')[0]).toMatchObject({ fileId, containerId, file: { name: 'report.docx', size: 0 } });
  });

  test('CreateChildFile over a locked file: lockConflict on that file, nothing created', async () => {
    const { app, rec, fileId, containerId, post, token } = await setup();
    expect((await lockReq(app, fileId, await token(fileId), 'A')).status).toBe(200);
    const res = await post(containerId, 'CREATE_CHILD_FILE', {
      'X-WOPI-RelativeTarget': encodeUtf7('report.docx'),
      'X-WOPI-OverwriteRelativeTarget': 'true',
    });
    expect(res.status).toBe(409);
    expect(rec.summary()).toEqual(['locked Lock', 'lockConflict CreateChildFile']);
    expect(rec.of('lockConflict')[0]).toMatchObject({
      fileId,
      requestedLockId: null,
      currentLockId: 'A',
      reason: 'The target file is locked',
    });
  });

  test('RenameContainer: renamed with the container and its new name', async () => {
    const { rec, containerId, storage, post } = await setup();
    const child = await storage.createChildContainer(containerId, ['Drafts']);
    const res = await post(child.containerId, 'RENAME_CONTAINER', { 'X-WOPI-RequestedName': encodeUtf7('Final') });
    expect(res.status).toBe(200);
    expect(rec.events).toEqual([
      {
        type: 'renamed',
        operation: 'RenameContainer',
        containerId: child.containerId,
        name: 'Final',
        time: expect.any(Date),
        requestId: expect.any(String),
        user: { userId: 'u1', permissions: { write: true } },
      },
    ]);
  });

  test('DeleteContainer: deleted; a refused one (not empty) emits nothing', async () => {
    const { rec, containerId, storage, post } = await setup();
    const child = await storage.createChildContainer(containerId, ['Old']);
    expect((await post(containerId, 'DELETE_CONTAINER')).status).toBe(409);
    expect(rec.events).toEqual([]);
    expect((await post(child.containerId, 'DELETE_CONTAINER')).status).toBe(200);
    expect(rec.summary()).toEqual(['deleted DeleteContainer']);
    expect(rec.of('deleted')[0]).toMatchObject({ containerId: child.containerId });
  });

  test('CreateChildContainer emits nothing (no container event)', async () => {
    const { rec, containerId, post } = await setup();
    expect((await post(containerId, 'CREATE_CHILD_CONTAINER', { 'X-WOPI-SuggestedTarget': 'New' })).status).toBe(200);
    expect(rec.events).toEqual([]);
  });
});
