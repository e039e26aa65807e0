import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import {
  JwtAuth,
  type FileSystemStorage,
  type WopiIssueTokenRequest,
  type WopiEvent,
  type WopiPermissions,
  type WopiRouterOptions,
} from '../../src';
import { decodeUtf7, encodeUtf7 } from '../../src/protocol/utf7';
import { createApp, TEST_SECRET } from '../helpers/create-app';
import { allBytes, STORAGES, testOnlyOn, useStorage } from '../helpers/ops-storages';
import { checkFileInfo, fileUrl, getFile, lockReq, putRelativeReq } from '../helpers/wopi-requests';
import { expectConflict, expectLockHeader, expectNoLockHeader, expectNoToken } from '../helpers/wopi-assertions';
import { chunkedRequest } from '../helpers/raw-http';
import { recordingRelativeStorage } from '../helpers/fake-adapters';

const ORIGINAL = Buffer.from('original content');
const HOST = 'files.example.test:8443';

/** The new file's ID and token, read out of a PutRelativeFile response's `Url`. */
function parseUrl(url: unknown): { base: string; fileId: string; token: string } {
  expect(typeof url).toBe('string');
  const m = /^(.*)\/files\/([^/?]+)\?access_token=([^&]+)$/.exec(url as string);
  if (!m) throw new Error(`Url does not look like <base>/files/<id>?access_token=<token>: ${String(url)}`);
  return { base: m[1] as string, fileId: decodeURIComponent(m[2] as string), token: decodeURIComponent(m[3] as string) };
}

describe.each(STORAGES)('PutRelativeFile on %s', (name, makeStorage) => {
  const fx = useStorage(makeStorage);
  const fsTest = testOnlyOn(name, 'FileSystemStorage');

  /** `report.docx` holding ORIGINAL, an app around the fixture's storage and a token for it. */
  async function setup(options: Partial<WopiRouterOptions> & { mountPath?: string } = {}, permissions?: WopiPermissions) {
    const fileId = await fx().addFile('report.docx', ORIGINAL);
    const app = createApp({ storage: fx().storage, ...options });
    const t = await app.token(fileId, permissions);
    return { ...app, fileId, t };
  }

  /** Asserts a 200 that created (or overwrote) `name` holding `body`; returns the new file's ID and token. */
  async function expectCreated(
    res: { status: number; body: Record<string, unknown>; headers: Record<string, unknown>; text?: string },
    name: string,
    body: Buffer | string,
  ) {
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expectNoLockHeader(res);
    expect(res.body.Name).toBe(name);
    const { fileId, token } = parseUrl(res.body.Url);
    expect((await fx().content(fileId)).equals(Buffer.from(body))).toBe(true);
    return { fileId, token };
  }

  async function expectOriginalUntouched(fileId: string) {
    expect((await fx().content(fileId)).equals(ORIGINAL)).toBe(true);
  }

  describe('X-WOPI-SuggestedTarget', () => {
    test('an extension alone keeps the original base name: ".pdf" on report.docx → report.pdf', async () => {
      const { app, fileId, t } = await setup();
      const res = await putRelativeReq(app, fileId, t, 'PDF BYTES', { 'X-WOPI-SuggestedTarget': '.pdf' });
      const created = await expectCreated(res, 'report.pdf', 'PDF BYTES');
      expect(created.fileId).not.toBe(fileId);
      expect(await fx().names()).toEqual(['report.docx', 'report.pdf']);
      await expectOriginalUntouched(fileId);
      const info = await checkFileInfo(app, created.fileId, created.token);
      expect(info.status).toBe(200);
      expect(info.body).toMatchObject({ BaseFileName: 'report.pdf', FileExtension: '.pdf', Size: 9 });
    });

    test('a full name is used as it is', async () => {
      const { app, fileId, t } = await setup();
      const res = await putRelativeReq(app, fileId, t, 'copy', { 'X-WOPI-SuggestedTarget': 'Copy of report.docx' });
      await expectCreated(res, 'Copy of report.docx', 'copy');
      expect(await fx().names()).toEqual(['Copy of report.docx', 'report.docx']);
    });

    test('a taken name becomes "name (1).ext", then "name (2).ext"; nothing is overwritten', async () => {
      const { app, fileId, t } = await setup();
      const takenId = await fx().addFile('taken.docx', 'TAKEN');
      const first = await putRelativeReq(app, fileId, t, 'one', { 'X-WOPI-SuggestedTarget': 'taken.docx' });
      const a = await expectCreated(first, 'taken (1).docx', 'one');
      const second = await putRelativeReq(app, fileId, t, 'two', { 'X-WOPI-SuggestedTarget': 'taken.docx' });
      const b = await expectCreated(second, 'taken (2).docx', 'two');
      expect(new Set([takenId, a.fileId, b.fileId, fileId]).size).toBe(4);
      expect((await fx().content(takenId)).toString()).toBe('TAKEN');
      expect(await fx().names()).toEqual(['report.docx', 'taken (1).docx', 'taken (2).docx', 'taken.docx']);
    });

    test('the extension of the original itself never overwrites it: ".docx" → "report (1).docx"', async () => {
      const { app, fileId, t } = await setup();
      const res = await putRelativeReq(app, fileId, t, 'copy', { 'X-WOPI-SuggestedTarget': '.docx' });
      await expectCreated(res, 'report (1).docx', 'copy');
      await expectOriginalUntouched(fileId);
    });

    test.each([
      ['path separators and a colon', 'a/b:c.docx', 'a_b_c.docx'],
      ['a backslash and <>|?*"', 'x\\<y>|z?*".xlsx', 'x__y__z___.xlsx'],
      ['a reserved device name', 'CON.docx', '_CON.docx'],
      ['a reserved device name in lower case, no extension', 'lpt1', '_lpt1'],
      ['dots and spaces before the extension', 'trailing. .docx', 'trailing.docx'],
      // HTTP trims header values, so the spaces are sent UTF-7 encoded (U+0020 = "+ACA-").
      ['surrounding white space', '+ACAAIA-spaced.docx+ACAAIA-', 'spaced.docx'],
      ['a control character', 'tab\there.docx', 'tab_here.docx'],
    ])('an illegal name is repaired, keeping its extension: %s', async (_label, suggested, expected) => {
      const { app, fileId, t } = await setup();
      const res = await putRelativeReq(app, fileId, t, 'x', { 'X-WOPI-SuggestedTarget': suggested });
      await expectCreated(res, expected, 'x');
      expect(await fx().names()).toEqual([expected, 'report.docx'].sort());
    });

    test('an over-long name is shortened to at most 255 bytes and keeps its extension', async () => {
      const { app, fileId, t } = await setup();
      const long = await putRelativeReq(app, fileId, t, 'x', { 'X-WOPI-SuggestedTarget': `${'x'.repeat(300)}.docx` });
      expect(long.status).toBe(200);
      const name = long.body.Name as string;
      expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
      expect(name).toBe(`${'x'.repeat(250)}.docx`);

      // Multi-byte: cut on a character boundary, never inside one.
      const wide = `${'漢'.repeat(100)}.docx`; // 305 bytes
      const res = await putRelativeReq(app, fileId, t, 'y', { 'X-WOPI-SuggestedTarget': encodeUtf7(wide) });
      expect(res.status).toBe(200);
      const wideName = res.body.Name as string;
      expect(Buffer.byteLength(wideName)).toBeLessThanOrEqual(255);
      expect(wideName).toBe(`${'漢'.repeat(83)}.docx`);
      expect(await fx().names()).toEqual([name, wideName, 'report.docx'].sort());
    });

    test('an over-long taken name still fits once " (1)" is added', async () => {
      const { app, fileId, t } = await setup();
      const longName = `${'x'.repeat(250)}.docx`;
      await fx().addFile(longName, 'taken');
      const res = await putRelativeReq(app, fileId, t, 'x', { 'X-WOPI-SuggestedTarget': longName });
      expect(res.status).toBe(200);
      expect(res.body.Name).toBe(`${'x'.repeat(246)} (1).docx`);
      expect(Buffer.byteLength(res.body.Name as string)).toBe(255);
    });
  });

  describe('UTF-7 names', () => {
    test.each([
      // .NET's UTF7Encoding closes every base64 run with "-"; RFC 2152 lets it be left out before a non-base64 character.
      ['Chinese as .NET encodes it', '+YqVUSg-.docx', '报告.docx'],
      ['Chinese without the closing "-"', '+YqVUSg.docx', '报告.docx'],
      ['Cyrillic', '+BB4EQgRHBFEEQg-.docx', 'Отчёт.docx'],
      ['an emoji (a surrogate pair)', '+2D3cxA- notes.docx', '📄 notes.docx'],
      ['"+-" for a literal plus', 'a+-b.docx', 'a+b.docx'],
      ['accents, encoded by encodeUtf7', encodeUtf7('Ünïcødé résumé.docx'), 'Ünïcødé résumé.docx'],
    ])('SuggestedTarget: %s', async (_label, header, expected) => {
      const { app, fileId, t } = await setup();
      const res = await putRelativeReq(app, fileId, t, 'x', { 'X-WOPI-SuggestedTarget': header });
      const created = await expectCreated(res, expected, 'x');
      expect(await fx().names()).toEqual([expected, 'report.docx'].sort());
      expect((await checkFileInfo(app, created.fileId, created.token)).body.BaseFileName).toBe(expected);
    });

    test('RelativeTarget is decoded too, and a Chinese extension-only suggestion keeps the original base name', async () => {
      const { app, fileId, t } = await setup();
      const exact = await putRelativeReq(app, fileId, t, 'x', { 'X-WOPI-RelativeTarget': '+YqVUSg-.docx' });
      await expectCreated(exact, '报告.docx', 'x');
      const other = await fx().addFile('Отчёт.docx', 'ru');
      const ot = await createApp({ storage: fx().storage }).token(other);
      const ext = await putRelativeReq(app, other, ot, 'y', { 'X-WOPI-SuggestedTarget': '.pdf' });
      await expectCreated(ext, 'Отчёт.pdf', 'y');
    });

    // The WOPI validator builds these headers with HttpUtility.UrlEncode(name, UTF7) and then
    // unescapes them, so a space arrives as "+", which UTF-7 reads as the start of a base64 run.
    test('spaces sent as "+" (as the WOPI validator does): "a+b.docx" and "Wopi+Test.docx" are malformed UTF-7 → 400', async () => {
      const { app, fileId, t } = await setup();
      for (const header of ['a+b.docx', 'Wopi+Test.docx']) {
        for (const mode of ['X-WOPI-SuggestedTarget', 'X-WOPI-RelativeTarget']) {
          const res = await putRelativeReq(app, fileId, t, 'x', { [mode]: header });
          expect(res.status).toBe(400);
          expect(res.text).toBe(`${mode} is not valid UTF-7`);
        }
      }
      expect(await fx().names()).toEqual(['report.docx']);
    });

    test('…while "My+Doc.docx" happens to be valid UTF-7 and decodes to U+0E87 in place of " Doc"', async () => {
      const { app, fileId, t } = await setup();
      const res = await putRelativeReq(app, fileId, t, 'x', { 'X-WOPI-SuggestedTarget': 'My+Doc.docx' });
      await expectCreated(res, 'My\u0e87.docx', 'x');
    });

    test.each([
      ['a lone "+"', '+'],
      ['"+" at the end', 'report.docx+'],
      ['a truncated code unit', '+AA-.docx'],
      ['non-zero padding bits', '+2D3-.docx'],
      ['a lone high surrogate', '+2D0-.docx'],
      ['a lone low surrogate', '+3AA-.docx'],
      ['a high surrogate followed by a non-surrogate', '+2D0AQQ-.docx'],
      ['a raw non-ASCII character', '\u00e9t\u00e9.docx'],
    ])('malformed UTF-7 (%s) → 400 in both modes, never 500, nothing created', async (_label, header) => {
      const { app, fileId, t } = await setup();
      for (const mode of ['X-WOPI-SuggestedTarget', 'X-WOPI-RelativeTarget']) {
        const res = await putRelativeReq(app, fileId, t, 'x', { [mode]: header });
        expect(res.status).toBe(400);
        expect(res.text).toBe(`${mode} is not valid UTF-7`);
        expectNoToken(res, t);
      }
      expect(await fx().rawNames()).toEqual(['report.docx']);
    });

    test('"+AAA" is well-formed UTF-7 for U+0000: an exact name with it is illegal (400); a suggestion is repaired', async () => {
      const { app, fileId, t } = await setup();
      const exact = await putRelativeReq(app, fileId, t, 'x', { 'X-WOPI-RelativeTarget': '+AAA-.docx' });
      expect(exact.status).toBe(400);
      expect(await fx().names()).toEqual(['report.docx']);
      const suggested = await putRelativeReq(app, fileId, t, 'x', { 'X-WOPI-SuggestedTarget': '+AAA-.docx' });
      await expectCreated(suggested, '_.docx', 'x');
    });
  });

  describe('X-WOPI-RelativeTarget', () => {
    test('a free name → created with exactly that name', async () => {
      const { app, fileId, t } = await setup();
      const res = await putRelativeReq(app, fileId, t, 'exact', { 'X-WOPI-RelativeTarget': 'Exact Name (final).docx' });
      const created = await expectCreated(res, 'Exact Name (final).docx', 'exact');
      expect(created.fileId).not.toBe(fileId);
      expect(await fx().names()).toEqual(['Exact Name (final).docx', 'report.docx']);
    });

    test('X-WOPI-OverwriteRelativeTarget: true with a free name simply creates it', async () => {
      const { app, fileId, t } = await setup();
      const res = await putRelativeReq(app, fileId, t, 'new', {
        'X-WOPI-RelativeTarget': 'fresh.docx',
        'X-WOPI-OverwriteRelativeTarget': 'true',
      });
      const created = await expectCreated(res, 'fresh.docx', 'new');
      expect(created.fileId).not.toBe(fileId);
    });

    test.each([
      ['a path separator', 'a/b.docx'],
      ['a backslash', 'a\\b.docx'],
      ['a colon', 'a:b.docx'],
      ['a reserved device name', 'CON.docx'],
      ['a trailing dot', 'x.'],
      // HTTP trims header values, so these spaces are sent UTF-7 encoded (U+0020 = "+ACA-").
      ['a trailing space', 'x.docx+ACA-'],
      ['a leading space', '+ACA-x.docx'],
      ['".."', '..'],
      ['the empty string', ''],
      ['over 255 bytes', `${'x'.repeat(251)}.docx`],
    ])('an illegal name (%s) → 400, never repaired, nothing created', async (_label, name) => {
      const { app, fileId, t } = await setup();
      const res = await putRelativeReq(app, fileId, t, 'x', { 'X-WOPI-RelativeTarget': name });
      expect(res.status).toBe(400);
      expectNoLockHeader(res);
      expect(await fx().rawNames()).toEqual(['report.docx']);
    });

    test('exactly 255 bytes is legal', async () => {
      const { app, fileId, t } = await setup();
      const name = `${'x'.repeat(250)}.docx`;
      await expectCreated(await putRelativeReq(app, fileId, t, 'x', { 'X-WOPI-RelativeTarget': name }), name, 'x');
    });

    test('taken, no overwrite → 409 with a free X-WOPI-ValidRelativeTarget and X-WOPI-Lock ""; nothing written', async () => {
      const { app, fileId, t } = await setup();
      const takenId = await fx().addFile('taken.docx', 'TAKEN');
      await fx().addFile('taken (1).docx', 'ALSO TAKEN');
      const res = await putRelativeReq(app, fileId, t, 'new', { 'X-WOPI-RelativeTarget': 'taken.docx' });
      expectConflict(res, '');
      const valid = res.headers['x-wopi-validrelativetarget'];
      expect(typeof valid).toBe('string');
      expect(decodeUtf7(valid as string)).toBe('taken (2).docx');
      expect(await fx().storage.findRelativeFile!(fileId, decodeUtf7(valid as string))).toBeNull();
      expect((await fx().content(takenId)).toString()).toBe('TAKEN');
      expect(await fx().names()).toEqual(['report.docx', 'taken (1).docx', 'taken.docx']);
      // The editor may then use the name it was offered.
      const retry = await putRelativeReq(app, fileId, t, 'new', { 'X-WOPI-RelativeTarget': valid as string });
      await expectCreated(retry, 'taken (2).docx', 'new');
    });

    test('taken non-ASCII name → X-WOPI-ValidRelativeTarget is UTF-7 (ASCII) and decodes to a free name', async () => {
      const { app, fileId, t } = await setup();
      await fx().addFile('报告.docx', 'TAKEN');
      const res = await putRelativeReq(app, fileId, t, 'new', { 'X-WOPI-RelativeTarget': encodeUtf7('报告.docx') });
      expectConflict(res, '');
      const valid = res.headers['x-wopi-validrelativetarget'] as string;
      expect(valid).toMatch(/^[\x20-\x7e]+$/);
      expect(decodeUtf7(valid)).toBe('报告 (1).docx');
      const retry = await putRelativeReq(app, fileId, t, 'new', { 'X-WOPI-RelativeTarget': valid });
      await expectCreated(retry, '报告 (1).docx', 'new');
    });

    test.each(['false', 'False', 'yes', '1', ''])('X-WOPI-OverwriteRelativeTarget: "%s" does not overwrite → 409', async (value) => {
      const { app, fileId, t } = await setup();
      const takenId = await fx().addFile('taken.docx', 'TAKEN');
      const res = await putRelativeReq(app, fileId, t, 'new', {
        'X-WOPI-RelativeTarget': 'taken.docx',
        'X-WOPI-OverwriteRelativeTarget': value,
      });
      expectConflict(res, '');
      expect((await fx().content(takenId)).toString()).toBe('TAKEN');
    });

    test("taken and locked, no overwrite → 409 with the target's lock", async () => {
      const { app, fileId, t, token } = await setup();
      const takenId = await fx().addFile('taken.docx', 'TAKEN');
      expect((await lockReq(app, takenId, await token(takenId), 'TARGET-LOCK')).status).toBe(200);
      const res = await putRelativeReq(app, fileId, t, 'new', { 'X-WOPI-RelativeTarget': 'taken.docx' });
      expectConflict(res, 'TARGET-LOCK');
      expect(decodeUtf7(res.headers['x-wopi-validrelativetarget'] as string)).toBe('taken (1).docx');
    });

    test.each(['true', 'True', 'TRUE', ' true '])(
      'taken + X-WOPI-OverwriteRelativeTarget: "%s" → 200, the existing file keeps its ID and gets the new content',
      async (value) => {
        const { app, fileId, t, token } = await setup();
        const takenId = await fx().addFile('taken.docx', 'TAKEN');
        const takenToken = await token(takenId);
        const before = await checkFileInfo(app, takenId, takenToken);
        const res = await putRelativeReq(app, fileId, t, 'REPLACED', {
          'X-WOPI-RelativeTarget': 'taken.docx',
          'X-WOPI-OverwriteRelativeTarget': value,
        });
        const created = await expectCreated(res, 'taken.docx', 'REPLACED');
        expect(created.fileId).toBe(takenId);
        expect(await fx().names()).toEqual(['report.docx', 'taken.docx']);
        const after = await checkFileInfo(app, takenId, created.token);
        expect(after.status).toBe(200);
        expect(after.body.Version).not.toBe(before.body.Version);
        expect(after.body.Size).toBe(8);
        await expectOriginalUntouched(fileId);
      },
    );

    test("taken + overwrite + target locked → 409 with the target's lock, its content unchanged", async () => {
      const { app, fileId, t, token } = await setup();
      const takenId = await fx().addFile('taken.docx', 'TAKEN');
      expect((await lockReq(app, takenId, await token(takenId), 'TARGET-LOCK')).status).toBe(200);
      const res = await putRelativeReq(app, fileId, t, 'REPLACED', {
        'X-WOPI-RelativeTarget': 'taken.docx',
        'X-WOPI-OverwriteRelativeTarget': 'true',
        'X-WOPI-Lock': 'TARGET-LOCK', // a lock on the target does not unlock it for this request
      });
      expectConflict(res, 'TARGET-LOCK');
      expect((await fx().content(takenId)).toString()).toBe('TAKEN');
    });
  });

  describe('names that differ only in case are one name (as on Windows, macOS and SharePoint)', () => {
    test('exact name whose case variant exists, no overwrite → 409 offering a name free in every case; nothing written', async () => {
      const { app, fileId, t } = await setup();
      const takenId = await fx().addFile('Taken.docx', 'TAKEN');
      await fx().addFile('TAKEN (1).docx', 'ALSO TAKEN');
      const res = await putRelativeReq(app, fileId, t, 'new', { 'X-WOPI-RelativeTarget': 'taken.docx' });
      expectConflict(res, '');
      expect(decodeUtf7(res.headers['x-wopi-validrelativetarget'] as string)).toBe('taken (2).docx');
      expect((await fx().content(takenId)).toString()).toBe('TAKEN');
      expect(await fx().names()).toEqual(['TAKEN (1).docx', 'Taken.docx', 'report.docx']);
    });

    test("overwrite by a case variant of a locked file → 409 with that file's lock, its content unchanged", async () => {
      const { app, fileId, t, token } = await setup();
      const takenId = await fx().addFile('Budget.docx', 'TAKEN');
      expect((await lockReq(app, takenId, await token(takenId), 'VARIANT-LOCK')).status).toBe(200);
      const res = await putRelativeReq(app, fileId, t, 'REPLACED', {
        'X-WOPI-RelativeTarget': 'BUDGET.DOCX',
        'X-WOPI-OverwriteRelativeTarget': 'true',
      });
      expectConflict(res, 'VARIANT-LOCK');
      expect((await fx().content(takenId)).toString()).toBe('TAKEN');
      expect(await fx().names()).toEqual(['Budget.docx', 'report.docx']);
    });

    test('overwrite by a case variant of an unlocked file → 200, that file replaced in place (same ID, stored name)', async () => {
      const { app, fileId, t } = await setup();
      const takenId = await fx().addFile('Budget.docx', 'TAKEN');
      const res = await putRelativeReq(app, fileId, t, 'REPLACED', {
        'X-WOPI-RelativeTarget': 'budget.docx',
        'X-WOPI-OverwriteRelativeTarget': 'true',
      });
      const created = await expectCreated(res, 'Budget.docx', 'REPLACED');
      expect(created.fileId).toBe(takenId);
      expect(await fx().names()).toEqual(['Budget.docx', 'report.docx']);
    });

    test('a suggested name whose case variant exists gets the next free name', async () => {
      const { app, fileId, t } = await setup();
      await fx().addFile('REPORT.pdf', 'TAKEN');
      const res = await putRelativeReq(app, fileId, t, 'PDF', { 'X-WOPI-SuggestedTarget': '.pdf' });
      await expectCreated(res, 'report (1).pdf', 'PDF');
      expect(await fx().names()).toEqual(['REPORT.pdf', 'report (1).pdf', 'report.docx']);
    });
  });

  describe('concurrent requests', () => {
    test('five Save As with the same suggestion at once → five different names, five different files', async () => {
      const { app, fileId, t } = await setup();
      const results = await Promise.all(
        [0, 1, 2, 3, 4].map((i) => putRelativeReq(app, fileId, t, `copy ${i}`, { 'X-WOPI-SuggestedTarget': '.pdf' })),
      );
      expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      const names = results.map((r) => r.body.Name as string);
      expect([...names].sort()).toEqual(['report (1).pdf', 'report (2).pdf', 'report (3).pdf', 'report (4).pdf', 'report.pdf']);
      const ids = new Set(results.map((r) => parseUrl(r.body.Url).fileId));
      expect(ids.size).toBe(5);
      // Each response names the file holding its own body.
      for (const [i, r] of results.entries()) expect((await fx().content(parseUrl(r.body.Url).fileId)).toString()).toBe(`copy ${i}`);
    });

    test('three exact-name requests for the same free name at once → one 200, the others 409 with a free name', async () => {
      const { app, fileId, t } = await setup();
      const results = await Promise.all(
        [0, 1, 2].map((i) => putRelativeReq(app, fileId, t, `body ${i}`, { 'X-WOPI-RelativeTarget': 'same.docx' })),
      );
      expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409]);
      const winner = results.findIndex((r) => r.status === 200);
      expect((await fx().content(parseUrl(results[winner]!.body.Url).fileId)).toString()).toBe(`body ${winner}`);
      for (const r of results.filter((x) => x.status === 409)) {
        expectLockHeader(r, '');
        expect(decodeUtf7(r.headers['x-wopi-validrelativetarget'] as string)).toBe('same (1).docx');
      }
      expect(await fx().names()).toEqual(['report.docx', 'same.docx']);
    });
  });

  describe('which name header', () => {
    test('both X-WOPI-SuggestedTarget and X-WOPI-RelativeTarget → 501, nothing created', async () => {
      const { app, fileId, t } = await setup();
      const res = await putRelativeReq(app, fileId, t, 'x', { 'X-WOPI-SuggestedTarget': '.pdf', 'X-WOPI-RelativeTarget': 'copy.pdf' });
      expect(res.status).toBe(501);
      expectNoLockHeader(res);
      expect(await fx().names()).toEqual(['report.docx']);
    });

    test('neither → 400, nothing created', async () => {
      const { app, fileId, t } = await setup();
      const res = await putRelativeReq(app, fileId, t, 'x', { 'X-WOPI-OverwriteRelativeTarget': 'true' });
      expect(res.status).toBe(400);
      expect(res.text).toBe('X-WOPI-SuggestedTarget or X-WOPI-RelativeTarget is required');
      expect(await fx().names()).toEqual(['report.docx']);
    });
  });

  describe('body and sizes', () => {
    test('the body is stored byte for byte (binary-safe)', async () => {
      const { app, fileId, t } = await setup();
      const bytes = allBytes();
      const res = await putRelativeReq(app, fileId, t, bytes, { 'X-WOPI-SuggestedTarget': '.bin' });
      const created = await expectCreated(res, 'report.bin', bytes);
      const got = await getFile(app, created.fileId, created.token);
      expect(got.status).toBe(200);
      expect((got.body as Buffer).equals(bytes)).toBe(true);
    });

    test('an empty body creates an empty file', async () => {
      const { app, fileId, t } = await setup();
      const created = await expectCreated(await putRelativeReq(app, fileId, t, '', { 'X-WOPI-SuggestedTarget': '.txt' }), 'report.txt', '');
      expect((await checkFileInfo(app, created.fileId, created.token)).body.Size).toBe(0);
    });

    test('a body sent chunked (no Content-Length) is stored whole', async () => {
      const { app, fileId, t } = await setup();
      const chunks = [Buffer.from('part one, '), Buffer.from('part two, '), Buffer.from('part three')];
      const res = await chunkedRequest(app, {
        method: 'POST',
        path: `${fileUrl(fileId)}?access_token=${encodeURIComponent(t)}`,
        headers: { 'X-WOPI-Override': 'PUT_RELATIVE', 'X-WOPI-SuggestedTarget': '.txt', 'X-WOPI-Size': '30' },
        chunks,
      });
      expect(res.status).toBe(200);
      const body = JSON.parse(res.body!.toString()) as { Name: string; Url: string };
      expect(body.Name).toBe('report.txt');
      expect((await fx().content(parseUrl(body.Url).fileId)).toString()).toBe('part one, part two, part three');
    });

    test('X-WOPI-Size matching the body → 200', async () => {
      const { app, fileId, t } = await setup();
      const res = await putRelativeReq(app, fileId, t, '12345', { 'X-WOPI-SuggestedTarget': '.txt', 'X-WOPI-Size': '5' });
      await expectCreated(res, 'report.txt', '12345');
    });

    test.each([
      ['smaller than the body', '4'],
      ['larger than the body', '6'],
      ['zero for a non-empty body', '0'],
    ])('X-WOPI-Size %s → 400, no file created, no temporary file left', async (_label, size) => {
      const { app, fileId, t } = await setup();
      const res = await putRelativeReq(app, fileId, t, '12345', { 'X-WOPI-SuggestedTarget': '.txt', 'X-WOPI-Size': size });
      expect(res.status).toBe(400);
      expect(await fx().rawNames()).toEqual(['report.docx']);
      expect(await fx().storage.findRelativeFile!(fileId, 'report.txt')).toBeNull();
    });

    test.each(['abc', '-1', '1.5', '0x10', ''])('an invalid X-WOPI-Size "%s" → 400, nothing created', async (size) => {
      const { app, fileId, t } = await setup();
      const res = await putRelativeReq(app, fileId, t, '12345', { 'X-WOPI-SuggestedTarget': '.txt', 'X-WOPI-Size': size });
      expect(res.status).toBe(400);
      expect(await fx().rawNames()).toEqual(['report.docx']);
    });

    test('X-WOPI-Size above maxFileSize → 413 before the body is read', async () => {
      const { app, fileId, t } = await setup({ maxFileSize: 10 });
      const res = await putRelativeReq(app, fileId, t, '12345', { 'X-WOPI-SuggestedTarget': '.txt', 'X-WOPI-Size': '11' });
      expect(res.status).toBe(413);
      expect(await fx().rawNames()).toEqual(['report.docx']);
    });

    test('a body above maxFileSize → 413, no new file (Content-Length and chunked)', async () => {
      const { app, fileId, t } = await setup({ maxFileSize: 10 });
      const res = await putRelativeReq(app, fileId, t, '12345678901', { 'X-WOPI-SuggestedTarget': '.txt' });
      expect(res.status).toBe(413);
      const chunked = await chunkedRequest(app, {
        method: 'POST',
        path: `${fileUrl(fileId)}?access_token=${encodeURIComponent(t)}`,
        headers: { 'X-WOPI-Override': 'PUT_RELATIVE', 'X-WOPI-SuggestedTarget': '.txt' },
        chunks: [Buffer.from('123456'), Buffer.from('789012'), Buffer.from('345678')],
      });
      expect(chunked.error).toBeUndefined();
      expect(chunked.status).toBe(413);
      expect(await fx().rawNames()).toEqual(['report.docx']);
      // Exactly maxFileSize is fine.
      await expectCreated(
        await putRelativeReq(app, fileId, t, '1234567890', { 'X-WOPI-SuggestedTarget': '.txt' }),
        'report.txt',
        '1234567890',
      );
    });

    test.each([
      ['"true"', { 'X-WOPI-FileConversion': 'true' }, true],
      ['"True"', { 'X-WOPI-FileConversion': 'True' }, true],
      ['"false"', { 'X-WOPI-FileConversion': 'false' }, false],
      ['absent (Save As)', {}, undefined],
    ] as Array<[string, Record<string, string>, boolean | undefined]>)(
      'X-WOPI-FileConversion %s reaches the storage write context',
      async (_label, headers, expected) => {
        const fileId = await fx().addFile('report.doc', ORIGINAL);
        const { storage, calls } = recordingRelativeStorage(fx().storage);
        const { app, token } = createApp({ storage });
        const res = await putRelativeReq(app, fileId, await token(fileId, { write: true }, 'conv-user'), 'DOCX', {
          'X-WOPI-SuggestedTarget': '.docx',
          ...headers,
        });
        await expectCreated(res, 'report.docx', 'DOCX');
        expect(calls).toHaveLength(1);
        expect(calls[0]!.fileId).toBe(fileId);
        expect(calls[0]!.overwrite).toBe(false);
        expect(calls[0]!.candidates[0]).toBe('report.docx');
        expect(calls[0]!.context.fileConversion).toBe(expected);
        expect(calls[0]!.context.userId).toBe('conv-user');
        expect(calls[0]!.context.signal).toBeInstanceOf(AbortSignal);
      },
    );

    test('an exact name reaches the storage as the only candidate, with overwrite as asked', async () => {
      const fileId = await fx().addFile('report.docx', ORIGINAL);
      const { storage, calls } = recordingRelativeStorage(fx().storage);
      const { app, token } = createApp({ storage });
      const t = await token(fileId);
      await expectCreated(await putRelativeReq(app, fileId, t, 'a', { 'X-WOPI-RelativeTarget': 'exact.docx' }), 'exact.docx', 'a');
      await expectCreated(
        await putRelativeReq(app, fileId, t, 'b', { 'X-WOPI-RelativeTarget': 'exact.docx', 'X-WOPI-OverwriteRelativeTarget': 'true' }),
        'exact.docx',
        'b',
      );
      expect(calls.map((c) => [c.candidates, c.overwrite])).toEqual([
        [['exact.docx'], false],
        [['exact.docx'], true],
      ]);
    });
  });

  describe('when the answer cannot be made after the file was created', () => {
    /** An auth that checks tokens as the app's does and fails to issue them while `down`. */
    function flakyAuth() {
      const jwt = new JwtAuth({ secret: TEST_SECRET });
      const state = { down: true };
      const auth = {
        authenticate: (token: string, id: string) => jwt.authenticate(token, id),
        issueToken: async (req: WopiIssueTokenRequest) => {
          if (state.down) throw new Error('token service down');
          return jwt.issueToken(req);
        },
      };
      return { auth, state };
    }

    function recordEvents() {
      const seen: string[] = [];
      const listeners = {
        created: (e: WopiEvent) => void seen.push(e.type),
        saved: (e: WopiEvent) => void seen.push(e.type),
      };
      return { seen, listeners };
    }

    test("the auth cannot issue the new file's token: 500, the new file deleted again, no created event", async () => {
      const { auth, state } = flakyAuth();
      const { seen, listeners } = recordEvents();
      const { app, fileId, t } = await setup({ auth, events: listeners });
      const before = await fx().names();
      const res = await putRelativeReq(app, fileId, t, 'PDF BYTES', { 'X-WOPI-SuggestedTarget': '.pdf' });
      expect(res.status).toBe(500);
      expect(await fx().names()).toEqual(before);
      expect(seen).toEqual([]);
      await expectOriginalUntouched(fileId);
      // Once the auth is back, the editor's retry takes the same name: no copy was left behind.
      state.down = false;
      await expectCreated(
        await putRelativeReq(app, fileId, t, 'PDF BYTES', { 'X-WOPI-SuggestedTarget': '.pdf' }),
        'report.pdf',
        'PDF BYTES',
      );
      expect(seen).toEqual(['created']);
    });

    test('the hostUrls hook fails: the same', async () => {
      const { seen, listeners } = recordEvents();
      const hostUrls = async () => {
        throw new Error('host page service down');
      };
      const { app, fileId, t } = await setup({ hostUrls, events: listeners });
      const before = await fx().names();
      const res = await putRelativeReq(app, fileId, t, 'x', { 'X-WOPI-RelativeTarget': encodeUtf7('copy.docx') });
      expect(res.status).toBe(500);
      expect(await fx().names()).toEqual(before);
      expect(seen).toEqual([]);
    });

    test('a file it replaced cannot be put back: 500, the new content stays, and its saved event is sent', async () => {
      const { auth } = flakyAuth();
      const { seen, listeners } = recordEvents();
      const { app, fileId, t } = await setup({ auth, events: listeners });
      const targetId = await fx().addFile('copy.docx', 'old copy');
      const res = await putRelativeReq(app, fileId, t, 'new copy', {
        'X-WOPI-RelativeTarget': encodeUtf7('copy.docx'),
        'X-WOPI-OverwriteRelativeTarget': 'true',
      });
      expect(res.status).toBe(500);
      expect((await fx().content(targetId)).toString()).toBe('new copy');
      expect(seen).toEqual(['saved']);
    });
  });

  describe('response', () => {
    test('Url is <protocol>://<host><mount>/files/<newId>?access_token=<url-encoded token>', async () => {
      const { app, fileId, t } = await setup();
      const res = await putRelativeReq(app, fileId, t, 'x', { 'X-WOPI-SuggestedTarget': '.pdf' }).set('Host', HOST);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(['Name', 'Url']);
      const { fileId: newId, token } = parseUrl(res.body.Url);
      expect(res.body.Url).toBe(`http://${HOST}/wopi/files/${encodeURIComponent(newId)}?access_token=${encodeURIComponent(token)}`);
      expect(newId).not.toBe(fileId);
      expect(token).not.toBe(t);
      expectNoToken(res, t);
    });

    test('the token in Url opens the new file (same user and permissions) and not the original', async () => {
      const { app, fileId, t } = await setup({}, { write: true, rename: false });
      const res = await putRelativeReq(app, fileId, t, 'x', { 'X-WOPI-SuggestedTarget': '.pdf' });
      const { fileId: newId, token } = parseUrl(res.body.Url);
      const info = await checkFileInfo(app, newId, token);
      expect(info.status).toBe(200);
      expect(info.body).toMatchObject({
        BaseFileName: 'report.pdf',
        UserId: 'u1',
        UserFriendlyName: 'Ada',
        UserCanWrite: true,
        UserCanRename: false,
      });
      expect((await checkFileInfo(app, fileId, token)).status).toBe(401);
      expect((await getFile(app, fileId, token)).status).toBe(401);
      // …and the original token does not open the new file.
      expect((await checkFileInfo(app, newId, t)).status).toBe(401);
    });

    test('under another mount path the Url names that path', async () => {
      const { app, fileId, t } = await setup({ mountPath: '/some/where/wopi' });
      const res = await putRelativeReq(app, fileId, t, 'x', { 'X-WOPI-SuggestedTarget': '.pdf' }, '/some/where/wopi').set('Host', HOST);
      expect(res.status).toBe(200);
      const { base, fileId: newId, token } = parseUrl(res.body.Url);
      expect(base).toBe(`http://${HOST}/some/where/wopi`);
      const info = await request(app).get(`/some/where/wopi/files/${newId}`).query({ access_token: token });
      expect(info.status).toBe(200);
      expect(info.body.BaseFileName).toBe('report.pdf');
    });

    test('publicUrl (string, trailing slash tolerated) replaces the base', async () => {
      const { app, fileId, t } = await setup({ publicUrl: 'https://public.example.com/base/wopi/' });
      const res = await putRelativeReq(app, fileId, t, 'x', { 'X-WOPI-SuggestedTarget': '.pdf' }).set('Host', HOST);
      const { fileId: newId, token } = parseUrl(res.body.Url);
      expect(res.body.Url).toBe(`https://public.example.com/base/wopi/files/${newId}?access_token=${encodeURIComponent(token)}`);
    });

    test('publicUrl (function of the request) replaces the base', async () => {
      const { app, fileId, t } = await setup({ publicUrl: (req) => `https://${String(req.get('x-tenant'))}.example.com/wopi/` });
      const res = await putRelativeReq(app, fileId, t, 'x', { 'X-WOPI-SuggestedTarget': '.pdf', 'X-Tenant': 'acme' });
      const { fileId: newId, token } = parseUrl(res.body.Url);
      expect(res.body.Url).toBe(`https://acme.example.com/wopi/files/${newId}?access_token=${encodeURIComponent(token)}`);
    });

    test('the hostUrls option adds HostViewUrl / HostEditUrl for the NEW file', async () => {
      const seen: Array<{ fileId: string; name: string; userId: string }> = [];
      const { app, fileId, t } = await setup({
        hostUrls: ({ fileId: id, name, user }) => {
          seen.push({ fileId: id, name, userId: user.userId });
          return { HostViewUrl: `https://host.example/view/${id}`, HostEditUrl: `https://host.example/edit/${id}` };
        },
      });
      const res = await putRelativeReq(app, fileId, t, 'x', { 'X-WOPI-SuggestedTarget': '.pdf' });
      expect(res.status).toBe(200);
      const { fileId: newId } = parseUrl(res.body.Url);
      expect(res.body).toMatchObject({
        Name: 'report.pdf',
        HostViewUrl: `https://host.example/view/${newId}`,
        HostEditUrl: `https://host.example/edit/${newId}`,
      });
      expect(seen).toEqual([{ fileId: newId, name: 'report.pdf', userId: 'u1' }]);
    });
  });

  describe('permissions', () => {
    const MODES: Array<[string, Record<string, string>]> = [
      ['suggested', { 'X-WOPI-SuggestedTarget': '.pdf' }],
      ['relative', { 'X-WOPI-RelativeTarget': 'copy.docx' }],
      ['both', { 'X-WOPI-SuggestedTarget': '.pdf', 'X-WOPI-RelativeTarget': 'copy.docx' }],
      ['neither', {}],
      ['malformed UTF-7', { 'X-WOPI-SuggestedTarget': '+' }],
    ];

    test.each([
      ['{write: true, create: false}', { write: true, create: false }],
      ['read-only', { write: false }],
      ['read-only, create: false', { write: false, create: false }],
    ] as Array<[string, WopiPermissions]>)('%s → 501 in every mode, nothing created', async (_label, permissions) => {
      const { app, fileId, t } = await setup({}, permissions);
      for (const [, headers] of MODES) {
        const res = await putRelativeReq(app, fileId, t, 'x', headers);
        expect(res.status).toBe(501);
        expectNoLockHeader(res);
      }
      expect(await fx().names()).toEqual(['report.docx']);
      expect((await checkFileInfo(app, fileId, t)).body.UserCanNotWriteRelative).toBe(true);
    });

    test('read-only with create: true may Save As (create does not need write); the new file opens read-only', async () => {
      const { app, fileId, t } = await setup({}, { write: false, create: true });
      expect((await checkFileInfo(app, fileId, t)).body.UserCanNotWriteRelative).toBe(false);
      const res = await putRelativeReq(app, fileId, t, 'x', { 'X-WOPI-SuggestedTarget': '.pdf' });
      const created = await expectCreated(res, 'report.pdf', 'x');
      expect((await checkFileInfo(app, created.fileId, created.token)).body).toMatchObject({
        UserCanWrite: false,
        UserCanNotWriteRelative: false,
      });
    });
    test('read-only with create: true may not overwrite an existing file → 501, its content unchanged', async () => {
      const { app, fileId, t } = await setup({}, { write: false, create: true });
      const takenId = await fx().addFile('taken.docx', 'TAKEN');
      const res = await putRelativeReq(app, fileId, t, 'REPLACED', {
        'X-WOPI-RelativeTarget': 'taken.docx',
        'X-WOPI-OverwriteRelativeTarget': 'true',
      });
      expect(res.status).toBe(501);
      expect((await fx().content(takenId)).toString()).toBe('TAKEN');
    });
  });

  describe('lock on the original (seed 002)', () => {
    async function locked() {
      const s = await setup();
      expect((await lockReq(s.app, s.fileId, s.t, 'ORIG-LOCK')).status).toBe(200);
      return s;
    }

    test('locked and a mismatching X-WOPI-Lock → 409 with the current lock, nothing created', async () => {
      const { app, fileId, t } = await locked();
      for (const headers of [{ 'X-WOPI-SuggestedTarget': '.pdf' }, { 'X-WOPI-RelativeTarget': 'copy.docx' }] as Array<
        Record<string, string>
      >) {
        const res = await putRelativeReq(app, fileId, t, 'x', { ...headers, 'X-WOPI-Lock': 'OTHER' });
        expectConflict(res, 'ORIG-LOCK');
      }
      expect(await fx().rawNames()).toEqual(['report.docx']);
    });

    test('locked and no X-WOPI-Lock (Save As from a view-only session) → 200; the original stays locked', async () => {
      const { app, fileId, t } = await locked();
      await expectCreated(await putRelativeReq(app, fileId, t, 'x', { 'X-WOPI-SuggestedTarget': '.pdf' }), 'report.pdf', 'x');
      // An empty X-WOPI-Lock counts as none.
      await expectCreated(
        await putRelativeReq(app, fileId, t, 'y', { 'X-WOPI-SuggestedTarget': '.pdf', 'X-WOPI-Lock': '' }),
        'report (1).pdf',
        'y',
      );
      expectConflict(await lockReq(app, fileId, t, 'OTHER'), 'ORIG-LOCK');
      await expectOriginalUntouched(fileId);
    });

    test('locked and the matching X-WOPI-Lock → 200', async () => {
      const { app, fileId, t } = await locked();
      await expectCreated(
        await putRelativeReq(app, fileId, t, 'x', { 'X-WOPI-SuggestedTarget': '.pdf', 'X-WOPI-Lock': 'ORIG-LOCK' }),
        'report.pdf',
        'x',
      );
    });

    test('unlocked and any X-WOPI-Lock → 200 (there is no lock to mismatch)', async () => {
      const { app, fileId, t } = await setup();
      await expectCreated(
        await putRelativeReq(app, fileId, t, 'x', { 'X-WOPI-SuggestedTarget': '.pdf', 'X-WOPI-Lock': 'WHATEVER' }),
        'report.pdf',
        'x',
      );
    });

    test('the new file starts unlocked', async () => {
      const { app, fileId, t } = await locked();
      const created = await expectCreated(
        await putRelativeReq(app, fileId, t, 'x', { 'X-WOPI-SuggestedTarget': '.pdf' }),
        'report.pdf',
        'x',
      );
      const got = await lockReq(app, created.fileId, created.token, 'NEW-LOCK');
      expect(got.status).toBe(200);
    });
  });

  describe('FileSystemStorage on disk', () => {
    fsTest('the new file is created next to the original, in its sub-folder, and listed with its ID', async () => {
      await mkdir(path.join(fx().root!, 'sub'));
      await writeFile(path.join(fx().root!, 'sub', 'inner.docx'), ORIGINAL);
      const storage = fx().storage as FileSystemStorage;
      const fileId = await storage.fileIdFor('sub/inner.docx');
      const { app, token } = createApp({ storage });
      const res = await putRelativeReq(app, fileId, await token(fileId), 'x', { 'X-WOPI-SuggestedTarget': '.pdf' });
      const created = await expectCreated(res, 'inner.pdf', 'x');
      expect(await storage.list()).toEqual([
        { fileId, name: 'inner.docx', path: 'sub/inner.docx' },
        { fileId: created.fileId, name: 'inner.pdf', path: 'sub/inner.pdf' },
      ]);
      // No temporary file is left behind in the folder.
      expect((await readdir(path.join(fx().root!, 'sub'))).sort()).toEqual(['inner.docx', 'inner.pdf']);
    });

    fsTest('a suggested name that is a folder is taken: "sub" → "sub (1)"', async () => {
      const { app, fileId, t } = await setup();
      await mkdir(path.join(fx().root!, 'sub'));
      await expectCreated(await putRelativeReq(app, fileId, t, 'x', { 'X-WOPI-SuggestedTarget': 'sub' }), 'sub (1)', 'x');
    });

    fsTest('an exact name that is a folder → 409 with a free X-WOPI-ValidRelativeTarget', async () => {
      const { app, fileId, t } = await setup();
      await mkdir(path.join(fx().root!, 'sub'));
      const res = await putRelativeReq(app, fileId, t, 'x', { 'X-WOPI-RelativeTarget': 'sub' });
      expectConflict(res, '');
      expect(decodeUtf7(res.headers['x-wopi-validrelativetarget'] as string)).toBe('sub (1)');
    });

    fsTest.each([
      ['a folder', 'sub'],
      ['an empty folder', 'empty'],
      ['the metadata folder', '.express-wopi'],
    ])('an exact name that is %s, with overwrite → 409 (a folder cannot be overwritten), never 500', async (_label, folder) => {
      const { app, fileId, t } = await setup();
      await mkdir(path.join(fx().root!, 'sub'));
      await mkdir(path.join(fx().root!, 'empty'));
      const res = await putRelativeReq(app, fileId, t, 'x', { 'X-WOPI-RelativeTarget': folder, 'X-WOPI-OverwriteRelativeTarget': 'true' });
      // Nothing replaced, no temporary file left behind…
      expect(await fx().rawNames()).toEqual(['empty', 'report.docx', 'sub']);
      expect(await fx().names()).toEqual(['report.docx']);
      // …and the answer is the "name taken" conflict, not a server error.
      expectConflict(res, '');
    });
  });

  describe('errors', () => {
    test('a 409 lock conflict and a 400 echo no token', async () => {
      const { app, fileId, t } = await setup();
      expect((await lockReq(app, fileId, t, 'L')).status).toBe(200);
      expectNoToken(await putRelativeReq(app, fileId, t, 'x', { 'X-WOPI-SuggestedTarget': '.pdf', 'X-WOPI-Lock': 'M' }), t);
      expectNoToken(await putRelativeReq(app, fileId, t, 'x', {}), t);
      expectLockHeader(await putRelativeReq(app, fileId, t, 'x', { 'X-WOPI-SuggestedTarget': '.pdf', 'X-WOPI-Lock': 'M' }), 'L');
    });
  });
});
