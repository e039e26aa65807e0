/**
 * examples/versions-on-exit-save: a version row per exit save, through the `events` option.
 * The example's `require('express-wopi')` is mapped to this tree's sources, so the test drives
 * the example against the code under test (not the last build), in process, over supertest.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type express from 'express';
import request from 'supertest';
import type { FileSystemStorage, JwtAuth } from '../../src';
import { lockReq, putFile, unlockReq } from '../helpers/wopi-requests';

jest.mock('express-wopi', () => jest.requireActual('../../src'), { virtual: true });

interface VersionRow {
  fileId: string;
  name: string;
  version: string;
  size: number;
  savedAt: string;
  userId: string;
  editors: string[];
  reason: string;
}

const { createApp } = require('../../examples/versions-on-exit-save/server') as {
  createApp(options: { filesDir: string; secret: string; versionsFile?: string; publicUrl(): string }): {
    app: express.Express;
    storage: FileSystemStorage;
    auth: JwtAuth;
  };
};

test('the example runs on this tree: its express-wopi is src/', () => {
  expect((require('express-wopi') as typeof import('../../src')).createWopiRouter).toBe(
    (jest.requireActual('../../src') as typeof import('../../src')).createWopiRouter,
  );
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'express-wopi-versions-test-'));
  await writeFile(path.join(dir, 'report.docx'), 'first draft');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function setup(versionsFile?: string) {
  const { app, storage, auth } = createApp({
    filesDir: dir,
    secret: 'versions-example-secret-0123456789abcdef',
    ...(versionsFile === undefined ? {} : { versionsFile }),
    publicUrl: () => 'http://127.0.0.1:3000',
  });
  const fileId = await storage.fileIdFor('report.docx');
  const { accessToken } = await auth.issueToken({ fileId, userId: 'ada', permissions: { write: true } });
  expect((await lockReq(app, fileId, accessToken, 'L')).status).toBe(200);
  const versions = async (query = ''): Promise<VersionRow[]> => {
    const res = await request(app).get(`/versions${query}`);
    expect(res.status).toBe(200);
    return res.body;
  };
  return { app, fileId, t: accessToken, versions };
}

test('an autosave records no version; the exit save records one row', async () => {
  const { app, fileId, t, versions } = await setup();
  const autosave = await putFile(app, fileId, t, 'typing…', {
    'X-WOPI-Lock': 'L',
    'X-LOOL-WOPI-IsAutosave': 'true',
    'X-LOOL-WOPI-IsExitSave': 'false',
  });
  expect(autosave.status).toBe(200);
  expect(await versions()).toEqual([]);

  const exit = await putFile(app, fileId, t, 'final text', {
    'X-WOPI-Lock': 'L',
    'X-WOPI-Editors': 'ada,bob',
    'X-LOOL-WOPI-IsAutosave': 'false',
    'X-LOOL-WOPI-IsExitSave': 'true',
  });
  expect(exit.status).toBe(200);
  expect(await versions()).toEqual([
    {
      fileId,
      name: 'report.docx',
      version: exit.headers['x-wopi-itemversion'],
      size: 10,
      savedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      userId: 'ada',
      editors: ['ada', 'bob'],
      reason: 'exit save',
    },
  ]);
  // The Unlock that follows an exit save adds nothing: that session is already versioned.
  expect((await unlockReq(app, fileId, t, 'L')).status).toBe(200);
  expect(await versions()).toHaveLength(1);
  expect(await versions(`?fileId=${encodeURIComponent(fileId)}`)).toHaveLength(1);
  expect(await versions('?fileId=other')).toEqual([]);
});

test('Collabora spelling: X-COOL-WOPI-IsExitSave', async () => {
  const { app, fileId, t, versions } = await setup();
  expect((await putFile(app, fileId, t, 'x', { 'X-WOPI-Lock': 'L', 'X-COOL-WOPI-IsExitSave': 'true' })).status).toBe(200);
  expect((await versions()).map((r) => r.reason)).toEqual(['exit save']);
});

test('an editor without the exit-save flag: the Unlock after its saves records the row of the last save', async () => {
  const { app, fileId, t, versions } = await setup();
  const first = await putFile(app, fileId, t, 'one', { 'X-WOPI-Lock': 'L' });
  const last = await putFile(app, fileId, t, 'two!', { 'X-WOPI-Lock': 'L' });
  expect([first.status, last.status]).toEqual([200, 200]);
  expect(await versions()).toEqual([]);
  expect((await unlockReq(app, fileId, t, 'L')).status).toBe(200);
  expect(await versions()).toEqual([
    expect.objectContaining({ version: last.headers['x-wopi-itemversion'], size: 4, reason: 'unlocked after saving' }),
  ]);
  // Locking and unlocking again without a save records nothing more.
  await lockReq(app, fileId, t, 'L');
  await unlockReq(app, fileId, t, 'L');
  expect(await versions()).toHaveLength(1);
});

test('a refused save (wrong lock) records nothing', async () => {
  const { app, fileId, t, versions } = await setup();
  expect((await putFile(app, fileId, t, 'x', { 'X-WOPI-Lock': 'OTHER', 'X-LOOL-WOPI-IsExitSave': 'true' })).status).toBe(409);
  expect(await versions()).toEqual([]);
});

test('VERSIONS_FILE: the rows are written to the file and read back by the next app', async () => {
  const file = path.join(dir, 'versions.json');
  const { app, fileId, t } = await setup(file);
  expect((await putFile(app, fileId, t, 'saved', { 'X-WOPI-Lock': 'L', 'X-LOOL-WOPI-IsExitSave': 'true' })).status).toBe(200);
  // The file is written in the background, after the response.
  let rows: VersionRow[] = [];
  for (let i = 0; i < 50 && rows.length === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    rows = await readFile(file, 'utf8').then(JSON.parse, () => []);
  }
  expect(rows).toEqual([expect.objectContaining({ fileId, reason: 'exit save', size: 5 })]);
  const again = await setup(file);
  expect(await again.versions()).toEqual(rows);
});
