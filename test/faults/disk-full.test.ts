/**
 * The disk fills up during a PutFile: a real ENOSPC from a small tmpfs mounted for the test. The
 * answer is a 500 with a generic body, the previous content is intact and the temporary file is
 * gone. Mounting needs root (CAP_SYS_ADMIN); where the machine cannot mount, the test says so and
 * is not run.
 */
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { noteSkip } from '../helpers/skips';
import { partialUpload, startHost, tempFiles, type RunningHost } from './helpers';

function tryMount(): { dir: string; unmount(): void } | { reason: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'express-wopi-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'pipe' });
    return {
      dir,
      unmount: () => {
        execFileSync('umount', [dir], { stdio: 'pipe' });
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    return { reason: (err as Error).message.split('\n')[0] ?? 'mount failed' };
  }
}

const mount = tryMount();
const canMount = 'dir' in mount;
if (!canMount) {
  process.stderr.write(`disk-full test not run: cannot mount a tmpfs here (${mount.reason})\n`);
  noteSkip('full disk (test/faults/disk-full)', `cannot mount a tmpfs here (${mount.reason}); needs root`);
}
const describeWhenMountable = canMount ? describe : describe.skip;

describeWhenMountable('PutFile on a full disk (1 MiB tmpfs)', () => {
  let root: string;
  let host: RunningHost;
  const original = Buffer.alloc(100 * 1024, 0x6f);

  beforeAll(async () => {
    root = (mount as { dir: string }).dir;
    await writeFile(path.join(root, 'doc.docx'), original);
    host = await startHost(root);
  });
  afterAll(async () => {
    await host?.close();
    (mount as { unmount(): void }).unmount();
  });

  test('ENOSPC midway: 500, generic body, previous content intact, no temporary file', async () => {
    const fileId = await host.storage.fileIdFor('doc.docx');
    const { accessToken } = await host.auth.issueToken({ fileId, userId: 'u1', permissions: { write: true } });
    await host.locks.lock(fileId, 'L', 60_000);
    const size = 4 * 1024 * 1024;
    const response = await partialUpload(
      host.port,
      `/wopi/files/${fileId}/contents?access_token=${encodeURIComponent(accessToken)}`,
      { 'X-WOPI-Override': 'PUT', 'X-WOPI-Lock': 'L' },
      size,
      size,
      false,
    );
    expect(response?.status).toBe(500);
    expect(response?.body).toBe('Internal Server Error');
    expect(response?.body).not.toContain(root);
    expect(response?.body).not.toContain(accessToken);
    await host.settled();
    expect((await readFile(path.join(root, 'doc.docx'))).equals(original)).toBe(true);
    expect(await tempFiles(root)).toEqual([]);
    expect(await host.locks.getLock(fileId)).toBe('L');
  });
});
