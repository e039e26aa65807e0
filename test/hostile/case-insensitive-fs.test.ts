/**
 * FileSystemStorage on a real case-insensitive file system: a FUSE mount of
 * test/helpers/casefold-fs.py (case-insensitive and case-preserving, like the defaults of macOS and
 * Windows). On such a file system `Report.docx` opens `report.docx`, so a name that differs only in
 * case must never get a second file ID, must not slip past the other file's lock, and a case-only
 * rename must work although link() says the new name exists.
 *
 * Needs Linux, /dev/fuse, root, and Debian's python3-fusepy (`.ci/run` installs it where it can);
 * where they are missing the run says why at its start, and one skipped test carries the reason
 * (test/helpers/casefold-mount.ts).
 */
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { FileSystemStorage, FileSystemUserInfoStore } from '../../src';
import { describeWopiStorage, describeWopiUserInfoStore } from '../../src/testing';
import { createApp } from '../helpers/create-app';
import { checkFileInfo, lockReq, putRelativeReq, renameReq } from '../helpers/wopi-requests';
import { expectConflict } from '../helpers/wopi-assertions';
import { writeContext } from '../helpers/fs-sandbox';
import { type CaseFoldingMount, describeOnCaseFoldingFs, mountCaseFolding } from '../helpers/casefold-mount';

describeOnCaseFoldingFs('FileSystemStorage on a case-insensitive file system (FUSE)', () => {
  let mount: CaseFoldingMount;
  let root: string;
  let n = 0;
  beforeAll(async () => {
    mount = await mountCaseFolding();
  }, 20_000);
  afterAll(async () => {
    await mount?.unmount();
  });
  beforeEach(async () => {
    root = path.join(mount.dir, `case-${++n}`);
    await mkdir(root);
  });

  const storage = (): FileSystemStorage => new FileSystemStorage({ root, fsync: false });
  const names = async (): Promise<string[]> => (await readdir(root)).filter((name) => !name.startsWith('.')).sort();

  /** `files` written into this test's folder; a storage and an app over it; each file's ID. */
  async function host(files: Record<string, string>) {
    for (const [name, content] of Object.entries(files)) await writeFile(path.join(root, name), content);
    const s = storage();
    const app = createApp({ storage: s });
    const ids: Record<string, string> = {};
    for (const name of Object.keys(files)) ids[name] = await s.fileIdFor(name);
    return { s, ...app, ids };
  }

  test('the mount really is case-insensitive and case-preserving', async () => {
    await writeFile(path.join(root, 'Report.docx'), 'x');
    expect(await readFile(path.join(root, 'REPORT.DOCX'), 'utf8')).toBe('x');
    expect((await stat(path.join(root, 'report.docx'))).ino).toBe((await stat(path.join(root, 'Report.docx'))).ino);
    expect(await names()).toEqual(['Report.docx']);
  });

  test('findRelativeFile gives a case variant the ID of the file it opens, never a second ID', async () => {
    await writeFile(path.join(root, 'a.docx'), 'a');
    await writeFile(path.join(root, 'Report.docx'), 'report');
    const s = storage();
    const report = await s.fileIdFor('Report.docx');
    expect(await s.findRelativeFile(await s.fileIdFor('a.docx'), 'REPORT.DOCX')).toBe(report);
    expect(await s.findRelativeFile(await s.fileIdFor('a.docx'), 'report.docx')).toBe(report);
  });

  test('fileIdFor gives a path spelled in another case the ID of the file it opens, in sub-folders too', async () => {
    await mkdir(path.join(root, 'Docs'));
    await writeFile(path.join(root, 'Docs', 'Report.docx'), 'report');
    const s = storage();
    const id = await s.fileIdFor('DOCS/REPORT.DOCX');
    expect(await s.fileIdFor('Docs/Report.docx')).toBe(id);
    expect(await s.fileIdFor('docs/report.docx')).toBe(id);
    expect(await storage().fileIdFor('docs/Report.DOCX')).toBe(id);
    expect((await s.getFileInfo(id)).name).toBe('Report.docx');
    expect(await s.list()).toEqual([{ fileId: id, name: 'Report.docx', path: 'Docs/Report.docx' }]);
  });

  test('PutRelativeFile overwrite by a case variant of a locked file → 409 with its lock; content intact', async () => {
    const { app, token, ids } = await host({ 'report.docx': 'ORIGINAL', 'Budget.xlsx': 'BUDGET' });
    const [fileId, budget] = [ids['report.docx'] as string, ids['Budget.xlsx'] as string];
    expect((await lockReq(app, budget, await token(budget), 'BUDGET-LOCK')).status).toBe(200);
    const res = await putRelativeReq(app, fileId, await token(fileId), 'REPLACED', {
      'X-WOPI-RelativeTarget': 'BUDGET.XLSX',
      'X-WOPI-OverwriteRelativeTarget': 'true',
    });
    expectConflict(res, 'BUDGET-LOCK');
    expect(await readFile(path.join(root, 'Budget.xlsx'), 'utf8')).toBe('BUDGET');
    expect(await names()).toEqual(['Budget.xlsx', 'report.docx']);
  });

  test('PutRelativeFile overwrite by a case variant of an unlocked file replaces it in place (same ID)', async () => {
    const { app, token, ids } = await host({ 'report.docx': 'ORIGINAL', 'Budget.xlsx': 'BUDGET' });
    const [fileId, budget] = [ids['report.docx'] as string, ids['Budget.xlsx'] as string];
    const res = await putRelativeReq(app, fileId, await token(fileId), 'REPLACED', {
      'X-WOPI-RelativeTarget': 'budget.xlsx',
      'X-WOPI-OverwriteRelativeTarget': 'true',
    });
    expect(res.status).toBe(200);
    expect(res.body.Name).toBe('Budget.xlsx');
    expect(String(res.body.Url)).toContain(`/files/${budget}?`);
    expect(await readFile(path.join(root, 'Budget.xlsx'), 'utf8')).toBe('REPLACED');
    expect(await names()).toEqual(['Budget.xlsx', 'report.docx']);
  });

  test('PutRelativeFile with a taken name in another case → 409 offering a free name; suggested → "(1)"', async () => {
    const { app, token, ids } = await host({ 'report.docx': 'ORIGINAL', 'REPORT.pdf': 'PDF' });
    const fileId = ids['report.docx'] as string;
    const t = await token(fileId);
    const exact = await putRelativeReq(app, fileId, t, 'NEW', { 'X-WOPI-RelativeTarget': 'report.pdf' });
    expectConflict(exact, '');
    expect(exact.headers['x-wopi-validrelativetarget']).toBe('report (1).pdf');
    const suggested = await putRelativeReq(app, fileId, t, 'NEW', { 'X-WOPI-SuggestedTarget': '.pdf' });
    expect(suggested.status).toBe(200);
    expect(suggested.body.Name).toBe('report (1).pdf');
    expect(await readFile(path.join(root, 'REPORT.pdf'), 'utf8')).toBe('PDF');
    expect(await names()).toEqual(['REPORT.pdf', 'report (1).pdf', 'report.docx']);
  });

  test('RenameFile to another spelling of its own name changes the spelling and keeps the ID', async () => {
    const { s, app, token, ids } = await host({ 'report.docx': 'CONTENT' });
    const fileId = ids['report.docx'] as string;
    const t = await token(fileId);
    const res = await renameReq(app, fileId, t, 'Report');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ Name: 'Report', Url: expect.stringContaining(`/files/${fileId}?access_token=`) });
    expect(await names()).toEqual(['Report.docx']);
    expect((await checkFileInfo(app, fileId, t)).body.BaseFileName).toBe('Report.docx');
    expect(await readFile(path.join(root, 'Report.docx'), 'utf8')).toBe('CONTENT');
    expect(await s.fileIdFor('Report.docx')).toBe(fileId);
  });

  test('RenameFile to a name another file has in another case → "name (1)"; the other file untouched', async () => {
    const { app, token, ids } = await host({ 'old.docx': 'CONTENT', 'New.docx': 'OTHER' });
    const fileId = ids['old.docx'] as string;
    const res = await renameReq(app, fileId, await token(fileId), 'NEW');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ Name: 'NEW (1)', Url: expect.stringContaining(`/files/${fileId}?access_token=`) });
    expect(await names()).toEqual(['NEW (1).docx', 'New.docx']);
    expect(await readFile(path.join(root, 'New.docx'), 'utf8')).toBe('OTHER');
  });

  test('createRelativeFile: every candidate taken in another case → FileExistsError, nothing written', async () => {
    await writeFile(path.join(root, 'a.docx'), 'a');
    await writeFile(path.join(root, 'copy.docx'), 'taken');
    const s = storage();
    const attempt = s.createRelativeFile(
      await s.fileIdFor('a.docx'),
      Readable.from([Buffer.from('x')]),
      { candidates: ['COPY.DOCX'], overwrite: false },
      writeContext(),
    );
    await expect(attempt).rejects.toMatchObject({ status: 409, code: 'WOPI_FILE_EXISTS' });
    expect(await readdir(root)).toEqual(expect.not.arrayContaining([expect.stringMatching(/wopi-tmp$/)]));
    expect(await names()).toEqual(['a.docx', 'copy.docx']);
  });

  // The whole storage contract, on the same mount.
  let suiteRoot = 0;
  describeWopiStorage(
    'FileSystemStorage on a case-insensitive file system',
    async () => {
      const dir = path.join(mount.dir, `suite-${++suiteRoot}`);
      await mkdir(dir);
      const s = new FileSystemStorage({ root: dir, fsync: false });
      return {
        storage: s,
        addFile: async (name, content) => {
          await writeFile(path.join(dir, name), content);
          return s.fileIdFor(name);
        },
      };
    },
    { capabilities: ['relative', 'rename', 'delete'], largeFileBytes: 2 * 1024 * 1024 },
  );

  // The user-info contract on the same mount (record names are base64url hashes, in which case
  // matters; user IDs that differ only in case must stay two users).
  describeWopiUserInfoStore(
    'FileSystemUserInfoStore on a case-insensitive file system',
    async () => {
      const dir = path.join(mount.dir, `users-${++suiteRoot}`);
      return { store: new FileSystemUserInfoStore({ dir }), reopen: () => new FileSystemUserInfoStore({ dir }) };
    },
    { persistent: true },
  );
});
