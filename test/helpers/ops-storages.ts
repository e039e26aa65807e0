/**
 * Storage fixtures for the operation tests: every operation test file runs once per entry of
 * {@link STORAGES} (`describe.each`), against MemoryStorage and against FileSystemStorage on a real
 * temporary folder that is removed afterwards.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  FileSystemStorage,
  FileSystemUserInfoStore,
  MemoryStorage,
  MemoryUserInfoStore,
  type WopiStorage,
  type WopiUserInfoStore,
} from '../../src';

export interface StorageFixture {
  storage: WopiStorage;
  /**
   * The user-info store that goes with the storage: a MemoryUserInfoStore, or a
   * FileSystemUserInfoStore in the storage's metadata folder (`.express-wopi/users`, as the CLI
   * has it). Pass it as the router's `userInfo` option for PutUserInfo and CheckFileInfo's UserInfo.
   */
  userInfo: WopiUserInfoStore;
  /** Stores a file and returns its WOPI file ID. */
  addFile(name: string, content?: Buffer | string): Promise<string>;
  /** The stored bytes of a file, read behind the router's back. */
  content(fileId: string): Promise<Buffer>;
  /**
   * Every stored file, sorted: MemoryStorage names, FileSystemStorage paths relative to the root
   * (as `list()` reports them, so dot-files are not included).
   */
  names(): Promise<string[]>;
  /**
   * Everything in the storage's folder, dot-files (e.g. temporary files) included but the
   * metadata folder excluded, sorted. MemoryStorage: the same as {@link names}.
   */
  rawNames(): Promise<string[]>;
  /** The folder FileSystemStorage serves (undefined for MemoryStorage). */
  root?: string;
  /** Removes whatever the fixture created. */
  cleanup(): Promise<void>;
}

export type StorageFactory = () => Promise<StorageFixture>;

async function memoryFixture(): Promise<StorageFixture> {
  const storage = new MemoryStorage();
  const names = async (): Promise<string[]> =>
    storage
      .list()
      .map((f) => f.name)
      .sort();
  return {
    storage,
    userInfo: new MemoryUserInfoStore(),
    addFile: async (name, content = '') => storage.addFile(name, content),
    content: async (fileId) => storage.getContent(fileId),
    names,
    rawNames: names,
    cleanup: async () => undefined,
  };
}

async function fileSystemFixture(): Promise<StorageFixture> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'express-wopi-ops-'));
  const storage = new FileSystemStorage({ root });
  const paths = new Map<string, string>();
  return {
    root,
    storage,
    userInfo: new FileSystemUserInfoStore({ dir: path.join(root, '.express-wopi', 'users') }),
    addFile: async (name, content = '') => {
      const abs = path.join(root, name);
      await writeFile(abs, content);
      const fileId = await storage.fileIdFor(name);
      paths.set(fileId, abs);
      return fileId;
    },
    content: async (fileId) => {
      // Files the router created or renamed are found through the listing; the bytes still come
      // straight from disk.
      const listed = (await storage.list()).find((e) => e.fileId === fileId);
      const abs = listed ? path.join(root, listed.path) : paths.get(fileId);
      if (abs === undefined) throw new Error(`fixture: unknown file ID ${fileId}`);
      return readFile(abs);
    },
    names: async () => (await storage.list()).map((e) => e.path).sort(),
    rawNames: async () => (await readdir(root)).filter((n) => n !== '.express-wopi').sort(),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/** `describe.each(STORAGES)('%s', (_name, makeStorage) => …)` */
export const STORAGES: Array<[string, StorageFactory]> = [
  ['MemoryStorage', memoryFixture],
  ['FileSystemStorage', fileSystemFixture],
];

/**
 * Registers beforeEach/afterEach that build a fresh fixture per test and clean it up; returns a
 * getter for the current one.
 */
export function useStorage(factory: StorageFactory): () => StorageFixture {
  let current: StorageFixture | undefined;
  beforeEach(async () => {
    current = await factory();
  });
  afterEach(async () => {
    await current?.cleanup();
    current = undefined;
  });
  return () => {
    if (current === undefined) throw new Error('fixture used outside a test');
    return current;
  };
}

/** Every byte value 0x00–0xFF, then the same run reversed: a binary-safety probe. */
export function allBytes(): Buffer {
  const up = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  return Buffer.concat([up, Buffer.from(up).reverse()]);
}

/**
 * `test` for cases that only make sense on one storage (for example checks on the files on
 * disk); on the other storages the case is simply not defined, rather than reported as skipped.
 */
export function testOnlyOn(current: string, wanted: string): jest.It {
  if (current === wanted) return test;
  const ignore = (): void => undefined;
  return Object.assign(ignore, { each: () => ignore }) as unknown as jest.It;
}
