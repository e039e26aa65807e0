/**
 * FileSystemUserInfoStore beyond the published contract (test/adapters/compliance.test.ts): where
 * the records go, that a user ID never becomes a path, how long another instance's PutUserInfo
 * may take to be seen (`recheckMs`), and its option checks.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FileSystemStorage, FileSystemUserInfoStore, WopiConfigError, type FileSystemUserInfoStoreOptions } from '../../src';
import { putFile, useFsSandbox } from '../helpers/fs-sandbox';

const sandbox = useFsSandbox('express-wopi-users-');

/** The users folder the CLI uses: `<root>/.express-wopi/users`. */
const usersDir = (): string => path.join(sandbox.root, '.express-wopi', 'users');

function store(options: Partial<FileSystemUserInfoStoreOptions> = {}): FileSystemUserInfoStore {
  return new FileSystemUserInfoStore({ dir: usersDir(), ...options });
}

describe('FileSystemUserInfoStore: where values live', () => {
  test('survives a new instance on the same folder', async () => {
    await store().putUserInfo('alice', 'persisted');
    expect(await store().getUserInfo('alice')).toBe('persisted');
  });

  test("in the storage's metadata folder, nothing is served and the served files are untouched", async () => {
    await putFile(sandbox.root, 'a.docx', 'a');
    const storage = new FileSystemStorage({ root: sandbox.root, fsync: false });
    const listed = await storage.list();
    await store().putUserInfo('alice', 'secret preferences');
    expect(await storage.list()).toStrictEqual(listed);
    expect(await readdir(sandbox.root)).toStrictEqual(['.express-wopi', 'a.docx']);
    expect(await readdir(usersDir())).toHaveLength(1);
  });

  test('reads the records FileSystemStorage wrote before (same folder, same record names)', async () => {
    // Earlier releases kept user info in <metadataDir>/users/<base64url SHA-256 of "user:<id>">.
    await mkdir(usersDir(), { recursive: true });
    await writeFile(path.join(usersDir(), createHash('sha256').update('user:alice').digest('base64url')), 'from before');
    expect(await store().getUserInfo('alice')).toBe('from before');
  });

  test('another folder is another store', async () => {
    await store().putUserInfo('alice', 'x');
    expect(await store({ dir: path.join(sandbox.base, 'other-users') }).getUserInfo('alice')).toBeUndefined();
    expect(await readdir(sandbox.base)).not.toContain('other-users'); // a read makes no folder
  });

  test.each<[string]>([['../../escape'], ['a/b'], ['..'], [''], ['/etc/passwd'], ['C:\\x'], ['\u0000nul']])(
    'keeps a path-like user ID (%j) inside its folder, as one record named by a hash',
    async (userId) => {
      const s = store();
      await s.putUserInfo(userId, 'v');
      expect(await s.getUserInfo(userId)).toBe('v');
      expect((await readdir(sandbox.base)).sort()).toStrictEqual(['outside.txt', 'root']);
      expect(await readdir(sandbox.root)).toStrictEqual(['.express-wopi']);
      const records = await readdir(usersDir());
      expect(records).toHaveLength(1);
      expect(records[0]).toMatch(/^[A-Za-z0-9_-]+$/);
    },
  );
});

describe('FileSystemUserInfoStore: what another instance stores is seen within recheckMs', () => {
  test('what this instance stores is seen at once, whatever recheckMs says', async () => {
    const s = store({ recheckMs: 60_000 });
    expect(await s.getUserInfo('u')).toBeUndefined();
    await s.putUserInfo('u', 'one');
    expect(await s.getUserInfo('u')).toBe('one');
    await s.putUserInfo('u', 'two');
    expect(await s.getUserInfo('u')).toBe('two');
  });

  test('recheckMs: 0 — another instance’s PutUserInfo is seen by the next call', async () => {
    const a = store({ recheckMs: 0 });
    const b = store();
    for (const value of ['v1', 'v2', 'v3']) {
      await b.putUserInfo('u', value);
      expect(await a.getUserInfo('u')).toBe(value);
    }
  });

  test('another instance’s PutUserInfo is seen within recheckMs, also when the folder had been still', async () => {
    const a = store({ recheckMs: 300 });
    const b = store();
    await b.putUserInfo('u', 'old');
    await b.putUserInfo('other', 'x');
    // Let the folder settle, so that `a` may keep what it reads.
    await new Promise((r) => setTimeout(r, 2100));
    expect(await a.getUserInfo('u')).toBe('old');
    await b.putUserInfo('u', 'new');
    // Within the interval `a` may still answer what it read (it does, unless this machine is slow).
    expect(['old', 'new']).toContain(await a.getUserInfo('u'));
    await new Promise((r) => setTimeout(r, 350));
    expect(await a.getUserInfo('u')).toBe('new');
    expect(await a.getUserInfo('other')).toBe('x');
  });

  test('a user with nothing stored, with no folder at all', async () => {
    const s = store({ dir: path.join(sandbox.base, 'fresh', 'users') });
    expect(await s.getUserInfo('nobody')).toBeUndefined();
    expect(await s.getUserInfo('nobody')).toBeUndefined();
    await s.putUserInfo('nobody', 'now somebody');
    expect(await s.getUserInfo('nobody')).toBe('now somebody');
  });

  test('another instance’s first PutUserInfo, which makes the folder, is seen within recheckMs', async () => {
    const a = store({ recheckMs: 0 });
    expect(await a.getUserInfo('u')).toBeUndefined();
    await store().putUserInfo('u', 'first');
    expect(await a.getUserInfo('u')).toBe('first');
  });
});

describe('FileSystemUserInfoStore options', () => {
  test('dir is made absolute', () => {
    expect(new FileSystemUserInfoStore({ dir: 'relative/users' }).dir).toBe(path.resolve('relative/users'));
  });

  test.each([
    ['no options', undefined, 'WOPI_OPTION_TYPE'],
    ['no dir', {}, 'WOPI_OPTION_MISSING'],
    ['an empty dir', { dir: '' }, 'WOPI_OPTION_VALUE'],
    ['a dir that is not a string', { dir: 42 }, 'WOPI_OPTION_TYPE'],
    ['a negative recheckMs', { dir: 'x', recheckMs: -1 }, 'WOPI_OPTION_VALUE'],
    ['a fractional recheckMs', { dir: 'x', recheckMs: 1.5 }, 'WOPI_OPTION_VALUE'],
    ['recheckMs NaN', { dir: 'x', recheckMs: Number.NaN }, 'WOPI_OPTION_VALUE'],
    ['recheckMs as a string', { dir: 'x', recheckMs: '100' }, 'WOPI_OPTION_TYPE'],
  ])('refuses %s', (_label, options, code) => {
    let error: unknown;
    try {
      new FileSystemUserInfoStore(options as unknown as FileSystemUserInfoStoreOptions);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(WopiConfigError);
    expect(error).toMatchObject({ code, component: 'FileSystemUserInfoStore' });
  });
});
