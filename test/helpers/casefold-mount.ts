/**
 * A real case-insensitive file system for tests: a FUSE mount of test/helpers/casefold-fs.py
 * (case-insensitive and case-preserving, like the defaults of macOS and Windows).
 *
 * It needs Linux, /dev/fuse, root and Debian's python3-fusepy (`.ci/run` installs it where it
 * can). The global setup (test/global-setup.js) finds out once whether they are there and, where
 * they are not, prints why at the start of the run. {@link describeOnCaseFoldingFs} then defines
 * one skipped test whose name carries the reason, so that it shows in jest's summary too.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(__dirname, 'casefold-fs.py');

interface GlobalSetup {
  fuseMissing(): string | undefined;
  FUSE_NEEDS: string;
}

/** The check itself, shared with the global setup (which runs it before any test file). */
const setup = (): GlobalSetup => require('../global-setup') as GlobalSetup;

/** Why the file system cannot be mounted here, or undefined when it can be tried. */
export function fuseMissing(): string | undefined {
  const known = process.env.EXPRESS_WOPI_TEST_FUSE;
  if (known === '1') return undefined;
  if (known === '0') return process.env.EXPRESS_WOPI_TEST_FUSE_MISSING || 'unknown reason';
  // Run without the global setup (another --globalSetup): ask here.
  return setup().fuseMissing();
}

/**
 * `describe(name, fn)` where the file system can be mounted; elsewhere a `describe` of one skipped
 * test, `not run: <reason> (needs Linux, /dev/fuse, root and …)`.
 */
export function describeOnCaseFoldingFs(name: string, fn: () => void): void {
  const missing = fuseMissing();
  if (missing === undefined) {
    describe(name, fn);
    return;
  }
  describe(name, () => {
    test.skip(`not run: ${missing} (needs ${setup().FUSE_NEEDS})`, () => undefined);
  });
}

export interface CaseFoldingMount {
  /** The mount point: a case-insensitive view of an empty folder. */
  dir: string;
  unmount(): Promise<void>;
}

function isMounted(dir: string): boolean {
  return readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .some((line) => line.split(' ')[1] === dir);
}

/** Mounts casefold-fs.py over a new temporary folder; `unmount` removes both again. */
export async function mountCaseFolding(): Promise<CaseFoldingMount> {
  const base = mkdtempSync(path.join(os.tmpdir(), 'express-wopi-casefold-'));
  const backing = path.join(base, 'backing');
  const dir = path.join(base, 'mnt');
  execFileSync('mkdir', [backing, dir]);
  const child: ChildProcess = spawn(PYTHON, [SCRIPT, backing, dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let waited = 0; !isMounted(dir); waited += 50) {
    if (child.exitCode !== null || waited > 10_000) {
      child.kill();
      rmSync(base, { recursive: true, force: true });
      throw new Error(`casefold-fs did not mount: ${stderr || 'timed out'}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    dir,
    unmount: async () => {
      execFileSync('umount', [dir], { stdio: 'pipe' });
      await exited;
      rmSync(base, { recursive: true, force: true });
    },
  };
}
