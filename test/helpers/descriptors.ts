/**
 * What a test needs to see that a descriptor was closed: the descriptors this process has open on
 * a path (Linux, through /proc/self/fd), and a wait for a condition that becomes true shortly (a
 * close that nothing waits for).
 */
import { readdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';

/** `test` on Linux, where /proc/self/fd lists the process's descriptors; skipped elsewhere. */
export const linuxOnly = process.platform === 'linux' ? test : test.skip;

/** The descriptors this process has open on `file` (a file or a folder). */
export function openDescriptorsOn(file: string): string[] {
  const fds = '/proc/self/fd';
  return readdirSync(fds).filter((fd) => {
    try {
      return readlinkSync(path.join(fds, fd)) === file;
    } catch {
      return false;
    }
  });
}

/** Resolves once `check()` is true; fails after `ms`. */
export async function until(check: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
