/**
 * A failed save closes its temporary file's descriptor exactly once. Closing it twice could close
 * a descriptor that another request opened in between (descriptor numbers are reused).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';

test('a save whose body fails closes the temporary file descriptor once', async () => {
  // Descriptor numbers are reused, so each number must be closed as many times as it was opened.
  const opens = new Map<number, number>();
  const closes = new Map<number, number>();
  const realOpen = fs.open;
  const openSpy = jest.spyOn(fs, 'open').mockImplementation(((...args: unknown[]) => {
    const callback = args.pop() as (err: NodeJS.ErrnoException | null, fd: number) => void;
    return (realOpen as (...a: unknown[]) => void)(...args, (err: NodeJS.ErrnoException | null, fd: number) => {
      if (!err) opens.set(fd, (opens.get(fd) ?? 0) + 1);
      callback(err, fd);
    });
  }) as typeof fs.open);
  const realClose = fs.close;
  const spy = jest.spyOn(fs, 'close').mockImplementation(((fd: number, callback: fs.NoParamCallback) => {
    closes.set(fd, (closes.get(fd) ?? 0) + 1);
    return realClose(fd, callback);
  }) as typeof fs.close);
  try {
    let Storage!: typeof import('../../src').FileSystemStorage;
    // Loaded after the spy, so the storage's own reference to fs.close is the spied one.
    jest.isolateModules(() => {
      Storage = (require('../../src') as typeof import('../../src')).FileSystemStorage;
    });
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'express-wopi-fd-'));
    fs.writeFileSync(path.join(root, 'a.docx'), 'old');
    const storage = new Storage({ root, fsync: false });
    const fileId = await storage.fileIdFor('a.docx');
    opens.clear();
    closes.clear();

    const body = new PassThrough();
    const saving = storage.writeFile(fileId, body, {
      userId: 'u',
      editors: [],
      signal: new AbortController().signal,
      commit: async () => {},
    });
    body.write('partial');
    setTimeout(() => body.destroy(new Error('client went away')), 20);
    await expect(saving).rejects.toThrow('client went away');
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(closes.size).toBeGreaterThan(0);
    expect(Object.fromEntries(closes)).toStrictEqual(Object.fromEntries(opens));
    expect(fs.readFileSync(path.join(root, 'a.docx'), 'utf8')).toBe('old');
    fs.rmSync(root, { recursive: true, force: true });
  } finally {
    spy.mockRestore();
    openSpy.mockRestore();
  }
});
