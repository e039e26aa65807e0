/**
 * FileSystemStorage.sweepTemporaryFiles and `express-wopi sweep`: what a crash left behind goes,
 * nothing else does. A real crash first: `serve` killed (SIGKILL) while a save's body is still
 * arriving leaves its temporary file beside the untouched original, and the sweep removes it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import { PassThrough } from 'node:stream';
import { FileSystemStorage, JwtAuth, WopiConfigError } from '../../src';
import { runCli } from '../../src/cli/main';
import { destroyHeldUploads, holdUpload, httpRequest, temporaryFiles, waitForTemporaryWrite, within } from '../helpers/held-upload';
import { OUTSIDE_CONTENT, putFile, useFsSandbox, writeContext } from '../helpers/fs-sandbox';

const sandbox = useFsSandbox('wopi-temp-sweep-');
afterEach(destroyHeldUploads);

const HOUR_MS = 60 * 60 * 1000;
const saveTemp = (hex: string) => `.express-wopi.${hex}.wopi-tmp`;

/** Writes `file` with a modification time `ageMs` ago. */
async function aged(file: string, ageMs: number, content = 'partial'): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  const at = new Date(Date.now() - ageMs);
  await utimes(file, at, at);
}

describe('FileSystemStorage.sweepTemporaryFiles', () => {
  test('removes left-over save files older than the age, in every folder; keeps everything else', async () => {
    const { root } = sandbox;
    await putFile(root, 'a.docx', 'original a');
    await putFile(root, 'sub/deeper/b.docx', 'original b');
    await aged(path.join(root, saveTemp('0123456789ab')), 2 * HOUR_MS);
    await aged(path.join(root, 'sub/deeper', saveTemp('ba9876543210')), 2 * HOUR_MS);
    await aged(path.join(root, saveTemp('fedcba987654')), 60_000); // recent: may be a save in progress
    const lookalikes = ['notes.wopi-tmp', '.express-wopi.0123.wopi-tmp', '.express-wopi.0123456789AB.wopi-tmp', 'x.0123456789ab.tmp'];
    for (const name of lookalikes) await aged(path.join(root, name), 2 * HOUR_MS);
    await mkdir(path.join(root, saveTemp('aaaaaaaaaaaa'))); // a folder with the name: not a file
    // A link to an outside folder holding such a file: never followed.
    const outside = path.join(sandbox.base, 'outside-dir');
    await aged(path.join(outside, saveTemp('cccccccccccc')), 2 * HOUR_MS, OUTSIDE_CONTENT);
    await symlink(outside, path.join(root, 'linked'));

    const storage = new FileSystemStorage({ root });
    const swept = await storage.sweepTemporaryFiles();
    expect(swept.saves.sort()).toEqual([saveTemp('0123456789ab'), `sub/deeper/${saveTemp('ba9876543210')}`]);
    expect(swept.records).toEqual([]);
    // (readdir's listing follows the link; the sweep did not.)
    expect((await temporaryFiles(root)).map((t) => t.path).sort()).toEqual(
      [
        saveTemp('fedcba987654'),
        'notes.wopi-tmp',
        '.express-wopi.0123.wopi-tmp',
        '.express-wopi.0123456789AB.wopi-tmp',
        `linked/${saveTemp('cccccccccccc')}`,
      ].sort(),
    );
    expect(await readFile(path.join(outside, saveTemp('cccccccccccc')), 'utf8')).toBe(OUTSIDE_CONTENT);
    expect(existsSync(path.join(root, saveTemp('aaaaaaaaaaaa')))).toBe(true);
    expect(await readFile(path.join(root, 'a.docx'), 'utf8')).toBe('original a');
    expect(await readFile(path.join(root, 'sub/deeper/b.docx'), 'utf8')).toBe('original b');
    // Nothing left to do the second time.
    expect(await storage.sweepTemporaryFiles()).toEqual({ saves: [], records: [] });
  });

  test('removes left-over copies of ID records, in the default and in a separate metadata folder', async () => {
    for (const metadataDir of [undefined, path.join(sandbox.base, 'meta')]) {
      await putFile(sandbox.root, 'a.docx', 'original');
      const storage = new FileSystemStorage({ root: sandbox.root, ...(metadataDir ? { metadataDir } : {}) });
      const fileId = await storage.fileIdFor('a.docx'); // writes the records
      const meta = metadataDir ?? path.join(sandbox.root, '.express-wopi');
      const recordsBefore = { ids: await readdir(path.join(meta, 'ids')), paths: await readdir(path.join(meta, 'paths')) };
      await aged(path.join(meta, 'ids', `${fileId}.00aa11bb22cc.tmp`), 2 * HOUR_MS);
      await aged(path.join(meta, 'paths', 'somehash.33dd44ee55ff.tmp'), 2 * HOUR_MS);
      await aged(path.join(meta, 'users', 'userhash.77aa88bb99cc.tmp'), 2 * HOUR_MS); // serve's user info
      await aged(path.join(meta, 'users', 'userhash'), 2 * HOUR_MS, 'kept: a record');
      await aged(path.join(meta, 'ids', `${fileId}.66ff77aa88bb.tmp`), 1000);

      const swept = await storage.sweepTemporaryFiles();
      expect(swept.records.sort()).toEqual([
        `ids/${fileId}.00aa11bb22cc.tmp`,
        'paths/somehash.33dd44ee55ff.tmp',
        'users/userhash.77aa88bb99cc.tmp',
      ]);
      expect(await readdir(path.join(meta, 'users'))).toEqual(['userhash']);
      expect((await readdir(path.join(meta, 'ids'))).sort()).toEqual([...recordsBefore.ids, `${fileId}.66ff77aa88bb.tmp`].sort());
      expect((await readdir(path.join(meta, 'paths'))).sort()).toEqual(recordsBefore.paths.sort());
      expect((await storage.getFileInfo(fileId)).name).toBe('a.docx'); // the records still work
    }
  });

  test('olderThanMs: 0 takes every left-over; a folder that was never used has nothing to sweep', async () => {
    const storage = new FileSystemStorage({ root: sandbox.root });
    expect(await storage.sweepTemporaryFiles({ olderThanMs: 0 })).toEqual({ saves: [], records: [] });
    await aged(path.join(sandbox.root, saveTemp('0123456789ab')), 5);
    expect((await storage.sweepTemporaryFiles({ olderThanMs: 0 })).saves).toEqual([saveTemp('0123456789ab')]);
  });

  test.each([
    [{ olderThanMs: -1 }, 'WOPI_OPTION_VALUE'],
    [{ olderThanMs: 1.5 }, 'WOPI_OPTION_VALUE'],
    [{ olderThanMs: '3600' }, 'WOPI_OPTION_TYPE'],
    [{ olderThan: 3600 }, 'WOPI_OPTION_UNKNOWN'],
  ])('%j is refused (%s)', async (options, code) => {
    const storage = new FileSystemStorage({ root: sandbox.root });
    await expect(storage.sweepTemporaryFiles(options as { olderThanMs?: number })).rejects.toMatchObject({ code });
    await expect(storage.sweepTemporaryFiles(options as { olderThanMs?: number })).rejects.toBeInstanceOf(WopiConfigError);
  });

  /** `a.docx` holding "original", and a save of it whose first half is in its temporary file. */
  async function saveHeldMidBody() {
    await putFile(sandbox.root, 'a.docx', 'original');
    const storage = new FileSystemStorage({ root: sandbox.root });
    const body = new PassThrough();
    const saving = storage.writeFile(await storage.fileIdFor('a.docx'), body, writeContext());
    saving.catch(() => undefined); // awaited by the test
    body.write('first half, ');
    await waitForTemporaryWrite(sandbox.root, 5);
    return { storage, body, saving };
  }

  test('a save in progress is left alone by the default age, and saves once its body has arrived', async () => {
    const { storage, body, saving } = await saveHeldMidBody();
    expect(await storage.sweepTemporaryFiles()).toEqual({ saves: [], records: [] });
    body.end('second half');
    await saving;
    expect(await readFile(path.join(sandbox.root, 'a.docx'), 'utf8')).toBe('first half, second half');
  });

  test('even an age of 0 during a save loses nothing: that save fails, the original stays whole', async () => {
    const { storage, body, saving } = await saveHeldMidBody();
    expect((await storage.sweepTemporaryFiles({ olderThanMs: 0 })).saves).toHaveLength(1);
    body.end('second half');
    await expect(saving).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readFile(path.join(sandbox.root, 'a.docx'), 'utf8')).toBe('original');
    expect(await temporaryFiles(sandbox.root)).toEqual([]);
  });
});

describe('after a crash: serve killed mid-save, then `express-wopi sweep`', () => {
  const CLI = path.join(__dirname, '..', '..', 'dist', 'cli', 'main.js');
  const SECRET = 'sweep-test-secret-sweep-test-secret-0123456789';
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  test('the temporary file stays beside the untouched original until swept', async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first`);
    const original = Buffer.alloc(4096, 'o');
    await writeFile(path.join(sandbox.root, 'doc.docx'), original);
    const proc = spawn(process.execPath, [CLI, 'serve', sandbox.root, '--port', '0', '--json', '--secret', SECRET], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    const files = await within(
      new Promise<Array<{ fileId: string; wopiSrc: string }>>((resolve, reject) => {
        const seen: Array<{ fileId: string; wopiSrc: string }> = [];
        proc.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
        readline.createInterface({ input: proc.stdout! }).on('line', (line) => {
          const event = JSON.parse(line) as { event: string; fileId: string; wopiSrc: string };
          if (event.event === 'file') seen.push(event);
          if (seen.length === 1) resolve(seen);
        });
      }),
      15_000,
      'serve to list the file',
    );
    const { fileId, wopiSrc } = files[0]!;
    const { accessToken } = await new JwtAuth({ secret: SECRET }).issueToken({ fileId, userId: 'u', permissions: { write: true } });
    const lock = await httpRequest(`${wopiSrc}?access_token=${accessToken}`, {
      method: 'POST',
      headers: { 'X-WOPI-Override': 'LOCK', 'X-WOPI-Lock': 'L1' },
    });
    expect(lock.status).toBe(200);
    const next = Buffer.alloc(64 * 1024, 'n');
    const upload = await holdUpload(
      `${wopiSrc}/contents?access_token=${accessToken}`,
      { 'X-WOPI-Override': 'PUT', 'X-WOPI-Lock': 'L1' },
      next,
    );
    await waitForTemporaryWrite(sandbox.root, 1);
    proc.kill('SIGKILL');
    await new Promise((resolve) => proc.once('exit', resolve));
    upload.destroy();

    const left = await temporaryFiles(sandbox.root);
    expect(left).toHaveLength(1);
    expect(await readFile(path.join(sandbox.root, 'doc.docx'))).toEqual(original);

    const out: string[] = [];
    const io = { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => out.push(s) }, env: {} };
    // Just written: the default age keeps it (it could be a save another process is running).
    expect(await runCli(['sweep', sandbox.root, '--json'], io as never)).toBe(0);
    expect(JSON.parse(out.pop() as string)).toEqual({ saves: [], records: [] });
    expect(await runCli(['sweep', sandbox.root, '--older-than', '0'], io as never)).toBe(0);
    expect(out.pop()).toBe(`removed 1:\n  ${left[0]!.path}\n`);
    expect(await temporaryFiles(sandbox.root)).toEqual([]);
    expect(await readFile(path.join(sandbox.root, 'doc.docx'))).toEqual(original);
  }, 30_000);

  test.each([
    [['sweep'], 'sweep takes exactly one folder'],
    [['sweep', '/nonexistent-express-wopi-folder'], '/nonexistent-express-wopi-folder is not a folder'],
    [['sweep', '.', '--older-than', 'soon'], '--older-than must be a whole number'],
  ])('%j: exit 2, %s', async (argv, message) => {
    const err: string[] = [];
    const io = { stdout: { write: () => true }, stderr: { write: (s: string) => err.push(s) }, env: {} };
    expect(await runCli(argv, io as never)).toBe(2);
    expect(err.join('')).toContain(`express-wopi: ${message}`);
  });
});
