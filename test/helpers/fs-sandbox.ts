/**
 * Shared fixtures for storage tests: a fresh temporary folder per test holding the storage root
 * and a canary file outside it, plus the small helpers every storage test needs.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { WopiWriteContext } from '../../src';

/** Content of the canary file outside the root; nothing may ever read or change it. */
export const OUTSIDE_CONTENT = 'outside secret';

export interface FsSandbox {
  /** The temporary folder holding `root` and `outsideFile`. */
  base: string;
  /** The storage root (empty at the start of each test). */
  root: string;
  /** A file next to the root, holding {@link OUTSIDE_CONTENT}. */
  outsideFile: string;
}

/**
 * Registers `beforeEach` / `afterEach` hooks that create and remove a sandbox; the returned object
 * is refilled before every test.
 */
export function useFsSandbox(prefix: string): FsSandbox {
  const sandbox: FsSandbox = { base: '', root: '', outsideFile: '' };
  beforeEach(async () => {
    sandbox.base = await mkdtemp(path.join(os.tmpdir(), prefix));
    sandbox.root = path.join(sandbox.base, 'root');
    await mkdir(sandbox.root);
    sandbox.outsideFile = path.join(sandbox.base, 'outside.txt');
    await writeFile(sandbox.outsideFile, OUTSIDE_CONTENT);
  });
  afterEach(async () => {
    await rm(sandbox.base, { recursive: true, force: true });
  });
  return sandbox;
}

/** Writes `content` at `rel` under `root`, creating folders as needed. */
export async function putFile(root: string, rel: string, content: string | Buffer): Promise<void> {
  const abs = path.join(root, rel);
  await mkdir(path.dirname(abs), { recursive: true });
  await writeFile(abs, content);
}

/** A write context for direct storage calls, with a commit step that always lets the write through. */
export function writeContext(signal: AbortSignal = new AbortController().signal): WopiWriteContext {
  return { userId: 'u1', editors: [], signal, commit: async () => {} };
}

/** Every leftover `*.wopi-tmp` file under `dir`, recursively (dot-folders included). */
export async function tempFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir, { recursive: true });
  return names.filter((n) => path.basename(n).endsWith('.wopi-tmp'));
}
