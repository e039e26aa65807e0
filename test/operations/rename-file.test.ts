import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FileSystemStorage, type WopiPermissions } from '../../src';
import { encodeUtf7 } from '../../src/protocol/utf7';
import { createApp } from '../helpers/create-app';
import { STORAGES, testOnlyOn, useStorage } from '../helpers/ops-storages';
import { checkFileInfo, getFile, lockReq, renameReq } from '../helpers/wopi-requests';
import { currentLock, expectConflict, expectNoLockHeader, expectNoToken } from '../helpers/wopi-assertions';

/** RenameFile's `Url`: the renamed file's WOPISrc with a fresh token. */
const RENAMED_URL = expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/wopi\/files\/[^/?]+\?access_token=[^&]+$/);

const CONTENT = 'report content';

interface ResponseLike {
  status: number;
  headers: Record<string, unknown>;
}

/** A 400 for a bad name: `X-WOPI-InvalidFileNameError` carries a non-empty reason. */
function expectInvalidName(res: ResponseLike): void {
  expect(res.status).toBe(400);
  const reason = res.headers['x-wopi-invalidfilenameerror'];
  expect(typeof reason).toBe('string');
  expect(reason).not.toBe('');
  expectNoLockHeader(res);
}

describe.each(STORAGES)('RenameFile on %s', (name, makeStorage) => {
  const fx = useStorage(makeStorage);
  const fsTest = testOnlyOn(name, 'FileSystemStorage');

  async function setup(fileName = 'report.docx', permissions?: WopiPermissions) {
    const fileId = await fx().addFile(fileName, CONTENT);
    const app = createApp({ storage: fx().storage });
    const t = await app.token(fileId, permissions);
    return { ...app, fileId, t };
  }

  /** The file is still `fileName` with CONTENT, as CheckFileInfo and the storage report. */
  async function expectUnchanged(app: Parameters<typeof checkFileInfo>[0], fileId: string, t: string, fileName = 'report.docx') {
    const info = await checkFileInfo(app, fileId, t);
    expect(info.status).toBe(200);
    expect(info.body.BaseFileName).toBe(fileName);
    expect((await fx().content(fileId)).toString()).toBe(CONTENT);
  }

  describe('200', () => {
    test("Url: the renamed file's WOPISrc with a fresh token for this file and user, as Collabora reloads from it", async () => {
      const { app, fileId, t, auth } = await setup('report.docx', { write: true, rename: true });
      const res = await renameReq(app, fileId, t, 'renamed');
      const url = new URL(res.body.Url as string);
      expect(decodeURIComponent(url.pathname.split('/').pop() as string)).toBe(fileId);
      const fresh = url.searchParams.get('access_token') as string;
      expect(fresh).not.toBe(t);
      const cfi = await checkFileInfo(app, fileId, fresh);
      expect(cfi.status).toBe(200);
      expect(cfi.body).toMatchObject({ BaseFileName: 'renamed.docx', UserId: 'u1', UserCanWrite: true });
      // The same permissions, and a token that expires no later than the request's.
      const exp = (token: string): number => JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()).exp;
      expect(exp(fresh)).toBeLessThanOrEqual(exp(t));
      expect((await auth.authenticate(fresh, fileId)).permissions).toEqual({ write: true, rename: true });
    });

    test('renames, keeping the extension, the file ID, the content and the version', async () => {
      const { app, fileId, t } = await setup();
      const before = await checkFileInfo(app, fileId, t);
      const res = await renameReq(app, fileId, t, 'renamed');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toEqual({ Name: 'renamed', Url: RENAMED_URL });
      expectNoLockHeader(res);
      expectNoToken(res, t);

      const after = await checkFileInfo(app, fileId, t);
      expect(after.status).toBe(200);
      expect(after.body).toMatchObject({
        BaseFileName: 'renamed.docx',
        FileExtension: '.docx',
        Size: CONTENT.length,
        Version: before.body.Version,
      });
      const got = await getFile(app, fileId, t);
      expect(got.status).toBe(200);
      expect((got.body as Buffer).toString()).toBe(CONTENT);
      expect((await fx().content(fileId)).toString()).toBe(CONTENT);
      expect(await fx().names()).toEqual(['renamed.docx']);
    });

    test.each([
      ['Chinese as .NET encodes it', '+YqVUSg-', '报告'],
      ['Chinese with the run left open at the end', '+YqVUSg', '报告'],
      ['Cyrillic', '+BB4EQgRHBFEEQg-', 'Отчёт'],
      ['an emoji (a surrogate pair)', '+2D3cxA- notes', '📄 notes'],
      ['"+-" for a literal plus', 'a+-b', 'a+b'],
      ['accents, encoded by encodeUtf7', encodeUtf7('Résumé – final'), 'Résumé – final'],
      ['plain ASCII with spaces and parentheses', 'Q3 report (draft)', 'Q3 report (draft)'],
    ])('a UTF-7 name: %s', async (_label, header, expected) => {
      const { app, fileId, t } = await setup();
      const res = await renameReq(app, fileId, t, header);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ Name: expected, Url: RENAMED_URL });
      expect((await checkFileInfo(app, fileId, t)).body.BaseFileName).toBe(`${expected}.docx`);
      expect(await fx().names()).toEqual([`${expected}.docx`]);
    });

    test('a file without an extension gets no extension', async () => {
      const { app, fileId, t } = await setup('README');
      const res = await renameReq(app, fileId, t, 'NOTES');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ Name: 'NOTES', Url: RENAMED_URL });
      expect((await checkFileInfo(app, fileId, t)).body).toMatchObject({ BaseFileName: 'NOTES', FileExtension: '' });
    });

    test('only the last extension is kept: archive.tar.gz renamed to "backup" → backup.gz, Name "backup"', async () => {
      const { app, fileId, t } = await setup('archive.tar.gz');
      const res = await renameReq(app, fileId, t, 'backup');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ Name: 'backup', Url: RENAMED_URL });
      expect((await checkFileInfo(app, fileId, t)).body.BaseFileName).toBe('backup.gz');
    });

    test('a name taken by another file → the next free "name (1)" is used and returned; the other file is untouched', async () => {
      const { app, fileId, t } = await setup();
      const otherId = await fx().addFile('taken.docx', 'OTHER');
      const res = await renameReq(app, fileId, t, 'taken');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ Name: 'taken (1)', Url: RENAMED_URL });
      expect((await checkFileInfo(app, fileId, t)).body.BaseFileName).toBe('taken (1).docx');
      expect((await fx().content(otherId)).toString()).toBe('OTHER');
      expect((await fx().content(fileId)).toString()).toBe(CONTENT);
      expect(await fx().names()).toEqual(['taken (1).docx', 'taken.docx']);
    });

    test('…and "name (2)" when "name (1)" is taken too', async () => {
      const { app, fileId, t } = await setup();
      await fx().addFile('taken.docx', 'OTHER');
      await fx().addFile('taken (1).docx', 'OTHER 1');
      const res = await renameReq(app, fileId, t, 'taken');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ Name: 'taken (2)', Url: RENAMED_URL });
    });

    test('a name another file has in another case is taken → "name (1)"; the other file is untouched', async () => {
      const { app, fileId, t } = await setup();
      const otherId = await fx().addFile('Taken.DOCX', 'OTHER');
      const res = await renameReq(app, fileId, t, 'taken');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ Name: 'taken (1)', Url: RENAMED_URL });
      expect((await fx().content(otherId)).toString()).toBe('OTHER');
      expect(await fx().names()).toEqual(['Taken.DOCX', 'taken (1).docx']);
    });

    test('a name only taken with another extension is free', async () => {
      const { app, fileId, t } = await setup();
      await fx().addFile('taken.xlsx', 'OTHER');
      const res = await renameReq(app, fileId, t, 'taken');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ Name: 'taken', Url: RENAMED_URL });
    });

    test('renaming to its own current name → 200 with the same name, nothing changes', async () => {
      const { app, fileId, t } = await setup();
      const res = await renameReq(app, fileId, t, 'report');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ Name: 'report', Url: RENAMED_URL });
      await expectUnchanged(app, fileId, t);
      expect(await fx().names()).toEqual(['report.docx']);
    });

    test('a case-only rename is a rename (its own name in another case is not taken)', async () => {
      const { app, fileId, t } = await setup();
      const res = await renameReq(app, fileId, t, 'REPORT');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ Name: 'REPORT', Url: RENAMED_URL });
      expect((await checkFileInfo(app, fileId, t)).body.BaseFileName).toBe('REPORT.docx');
      expect(await fx().names()).toEqual(['REPORT.docx']);
      expect((await fx().content(fileId)).toString()).toBe(CONTENT);
    });

    test('255 bytes in all is legal', async () => {
      const { app, fileId, t } = await setup();
      const res = await renameReq(app, fileId, t, 'x'.repeat(250));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ Name: 'x'.repeat(250), Url: RENAMED_URL });
    });

    test('"x." on report.docx → 400: the requested name must be legal on its own (no trailing dot)', async () => {
      const { app, fileId, t } = await setup();
      const res = await renameReq(app, fileId, t, 'x.');
      expect(res.status).toBe(400);
      expect(res.headers['x-wopi-invalidfilenameerror']).toBeTruthy();
      expect((await checkFileInfo(app, fileId, t)).body.BaseFileName).toBe('report.docx');
    });

    test('two renames in a row; the old name is free again afterwards', async () => {
      const { app, fileId, t } = await setup();
      expect((await renameReq(app, fileId, t, 'one')).status).toBe(200);
      expect((await renameReq(app, fileId, t, 'two')).body).toEqual({ Name: 'two', Url: RENAMED_URL });
      expect(await fx().names()).toEqual(['two.docx']);
      const newId = await fx().addFile('report.docx', 'NEW AT OLD NAME');
      expect(newId).not.toBe(fileId);
      expect((await fx().content(fileId)).toString()).toBe(CONTENT);
      expect((await fx().content(newId)).toString()).toBe('NEW AT OLD NAME');
    });
  });

  test('two files renamed to the same name at once → two different names', async () => {
    const a = await fx().addFile('a.docx', 'A');
    const b = await fx().addFile('b.docx', 'B');
    const { app, token } = createApp({ storage: fx().storage });
    const [ra, rb] = await Promise.all([renameReq(app, a, await token(a), 'same'), renameReq(app, b, await token(b), 'same')]);
    expect([ra!.status, rb!.status]).toEqual([200, 200]);
    expect([ra!.body.Name, rb!.body.Name].sort()).toEqual(['same', 'same (1)']);
    expect(await fx().names()).toEqual(['same (1).docx', 'same.docx']);
    expect((await fx().content(a)).toString()).toBe('A');
    expect((await fx().content(b)).toString()).toBe('B');
  });

  describe('400: illegal names, with X-WOPI-InvalidFileNameError', () => {
    test.each([
      ['a path separator', 'a/b', 'report.docx'],
      ['a backslash', 'a\\b', 'report.docx'],
      ['a colon', 'a:b', 'report.docx'],
      ['an asterisk', 'a*b', 'report.docx'],
      ['a question mark', 'a?b', 'report.docx'],
      ['a reserved device name', 'CON', 'report.docx'],
      ['a reserved device name in lower case', 'lpt1', 'report.docx'],
      ['the empty string', '', 'report.docx'],
      ['white space only (UTF-7 encoded: HTTP trims header values)', '+ACA-', 'report.docx'],
      ['a leading space (UTF-7 encoded)', '+ACA-x', 'report.docx'],
      ['a control character (UTF-7 encoded)', '+AAc-bell', 'report.docx'],
      ['".." on a file without an extension', '..', 'README'],
      ['256 bytes in all', 'x'.repeat(251), 'report.docx'],
      ['over 255 bytes of multi-byte characters', encodeUtf7('漢'.repeat(84)), 'report.docx'],
    ])('%s → 400, name unchanged', async (_label, requested, fileName) => {
      const { app, fileId, t } = await setup(fileName);
      const res = await renameReq(app, fileId, t, requested);
      expectInvalidName(res);
      expectNoToken(res, t);
      await expectUnchanged(app, fileId, t, fileName);
      expect(await fx().names()).toEqual([fileName]);
    });

    test('"x." on a file without an extension would end with a dot → 400', async () => {
      const { app, fileId, t } = await setup('README');
      expectInvalidName(await renameReq(app, fileId, t, 'x.'));
      await expectUnchanged(app, fileId, t, 'README');
    });

    test.each([
      ['a lone "+"', '+'],
      ['a space sent as "+" (as the WOPI validator does)', 'a+b'],
      ['a lone high surrogate', '+2D0-'],
      ['a lone low surrogate', '+3AA-'],
      ['non-zero padding bits', '+2D3-'],
      ['a raw non-ASCII character', '\u00e9t\u00e9'],
    ])('malformed UTF-7 (%s) → 400 with the header', async (_label, requested) => {
      const { app, fileId, t } = await setup();
      const res = await renameReq(app, fileId, t, requested);
      expectInvalidName(res);
      expect(res.text).toBe('X-WOPI-RequestedName is not valid UTF-7');
      await expectUnchanged(app, fileId, t);
    });

    test('missing X-WOPI-RequestedName → 400 with the header', async () => {
      const { app, fileId, t } = await setup();
      const res = await renameReq(app, fileId, t, undefined);
      expectInvalidName(res);
      await expectUnchanged(app, fileId, t);
    });
  });

  describe('locks', () => {
    async function locked() {
      const s = await setup();
      expect((await lockReq(s.app, s.fileId, s.t, 'LOCK-A')).status).toBe(200);
      return s;
    }

    test('locked + matching X-WOPI-Lock → 200, and the file stays locked under its new name', async () => {
      const { app, fileId, t } = await locked();
      const res = await renameReq(app, fileId, t, 'renamed', { 'X-WOPI-Lock': 'LOCK-A' });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ Name: 'renamed', Url: RENAMED_URL });
      expectNoLockHeader(res);
      expect(await currentLock(app, fileId, t)).toBe('LOCK-A');
    });

    test.each([
      ['a mismatching', { 'X-WOPI-Lock': 'LOCK-B' }],
      ['a differently-cased', { 'X-WOPI-Lock': 'lock-a' }],
      ['an empty', { 'X-WOPI-Lock': '' }],
      ['no', {}],
    ] as Array<[string, Record<string, string>]>)(
      'locked + %s X-WOPI-Lock → 409 with the current lock, name unchanged',
      async (_label, headers) => {
        const { app, fileId, t } = await locked();
        const res = await renameReq(app, fileId, t, 'renamed', headers);
        expectConflict(res, 'LOCK-A');
        expectNoToken(res, t);
        await expectUnchanged(app, fileId, t);
        expect(await currentLock(app, fileId, t)).toBe('LOCK-A');
      },
    );

    test('unlocked + any X-WOPI-Lock → 200', async () => {
      const { app, fileId, t } = await setup();
      const res = await renameReq(app, fileId, t, 'renamed', { 'X-WOPI-Lock': 'WHATEVER' });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ Name: 'renamed', Url: RENAMED_URL });
    });
  });

  describe('401', () => {
    test.each([
      ['{write: true, rename: false}', { write: true, rename: false }],
      ['{write: false, rename: true}', { write: false, rename: true }],
    ] as Array<[string, WopiPermissions]>)('a user with %s → 401, name unchanged', async (_label, permissions) => {
      const { app, fileId, t } = await setup('report.docx', permissions);
      const res = await renameReq(app, fileId, t, 'renamed');
      expect(res.status).toBe(401);
      expectNoToken(res, t);
      await expectUnchanged(app, fileId, t);
    });
  });

  describe('FileSystemStorage on disk', () => {
    fsTest('after a rename, list() shows the new path with the SAME file ID; a new file at the old path gets another ID', async () => {
      const { app, fileId, t, token } = await setup();
      const storage = fx().storage as FileSystemStorage;
      expect((await renameReq(app, fileId, t, 'renamed')).status).toBe(200);
      expect(await storage.list()).toEqual([{ fileId, name: 'renamed.docx', path: 'renamed.docx' }]);

      await writeFile(path.join(fx().root!, 'report.docx'), 'NEW FILE AT THE OLD PATH');
      const listed = await storage.list();
      expect(listed.map((e) => e.path)).toEqual(['renamed.docx', 'report.docx']);
      const newId = listed.find((e) => e.path === 'report.docx')!.fileId;
      expect(newId).not.toBe(fileId);
      // Each ID opens its own file; the old token still opens the renamed one.
      expect((await checkFileInfo(app, fileId, t)).body.BaseFileName).toBe('renamed.docx');
      expect((await getFile(app, fileId, t)).body.toString()).toBe(CONTENT);
      const nt = await token(newId);
      expect((await getFile(app, newId, nt)).body.toString()).toBe('NEW FILE AT THE OLD PATH');
      expect((await checkFileInfo(app, newId, t)).status).toBe(401);
    });

    fsTest('the same ID survives a second storage instance on the same folder (IDs are recorded on disk)', async () => {
      const { app, fileId, t } = await setup();
      expect((await renameReq(app, fileId, t, 'renamed')).status).toBe(200);
      const again = new FileSystemStorage({ root: fx().root! });
      expect(await again.list()).toEqual([{ fileId, name: 'renamed.docx', path: 'renamed.docx' }]);
      expect((await again.getFileInfo(fileId)).name).toBe('renamed.docx');
    });

    fsTest('a file in a sub-folder stays in its folder', async () => {
      await mkdir(path.join(fx().root!, 'sub'));
      await writeFile(path.join(fx().root!, 'sub', 'inner.docx'), CONTENT);
      const storage = fx().storage as FileSystemStorage;
      const fileId = await storage.fileIdFor('sub/inner.docx');
      const { app, token } = createApp({ storage });
      const t = await token(fileId);
      const res = await renameReq(app, fileId, t, 'moved');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ Name: 'moved', Url: RENAMED_URL });
      expect(await storage.list()).toEqual([{ fileId, name: 'moved.docx', path: 'sub/moved.docx' }]);
    });
  });
});
