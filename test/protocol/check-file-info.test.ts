import type { WopiUser } from '../../src/adapters/auth';
import type { WopiFileInfo } from '../../src/adapters/storage';
import { buildCheckFileInfo, fileExtension, type HostCapabilities } from '../../src/protocol/check-file-info';

describe('fileExtension', () => {
  it.each<[string, string]>([
    ['a.docx', '.docx'],
    ['Report.Final.XLSX', '.XLSX'],
    ['archive.tar.gz', '.gz'],
    ['.bashrc', ''],
    ['noext', ''],
    ['', ''],
    // Same as Node's path.extname: a trailing dot is an (empty) extension.
    ['trailing.', '.'],
    ['..', '.'],
  ])('%j → %j', (name, expected) => {
    expect(fileExtension(name)).toBe(expected);
  });
});

describe('buildCheckFileInfo', () => {
  const file: WopiFileInfo = {
    name: 'report.docx',
    size: 1234,
    version: 'v7',
    lastModifiedTime: new Date(Date.UTC(2024, 4, 6, 7, 8, 9, 10)),
    ownerId: 'owner-1',
  };
  const NONE: HostCapabilities = {
    rename: false,
    deleteFile: false,
    putRelative: false,
    userInfo: false,
    addActivities: false,
    containers: false,
    shareUrlTypes: [],
  };
  const ALL: HostCapabilities = {
    rename: true,
    deleteFile: true,
    putRelative: true,
    userInfo: true,
    addActivities: true,
    containers: false,
    shareUrlTypes: [],
  };

  it('builds the full property set for a writer (exact object)', () => {
    const user: WopiUser = { userId: 'u1', permissions: { write: true } };
    expect(buildCheckFileInfo(file, user, NONE)).toStrictEqual({
      BaseFileName: 'report.docx',
      OwnerId: 'owner-1',
      Size: 1234,
      UserId: 'u1',
      Version: 'v7',
      LastModifiedTime: '2024-05-06T07:08:09.010Z',
      FileExtension: '.docx',
      UserCanWrite: true,
      ReadOnly: false,
      UserCanRename: false,
      UserCanNotWriteRelative: true,
      SupportsLocks: true,
      SupportsGetLock: true,
      SupportsExtendedLockLength: true,
      SupportsUpdate: true,
      SupportsRename: false,
      SupportsDeleteFile: false,
      SupportsUserInfo: false,
      IsEduUser: false,
      LicenseCheckForEditIsEnabled: false,
    });
  });

  it('claims containers, the ecosystem, share URL types and AddActivities only when the host has them', () => {
    const user: WopiUser = { userId: 'u1', permissions: { write: true } };
    const without = buildCheckFileInfo(file, user, NONE);
    for (const key of ['SupportsContainers', 'SupportsEcosystem', 'SupportedShareUrlTypes', 'SupportsAddActivities', 'FileUrl']) {
      expect([key, Object.hasOwn(without, key)]).toEqual([key, false]);
    }
    const withAll = buildCheckFileInfo(file, user, { ...NONE, containers: true, shareUrlTypes: ['ReadOnly'], addActivities: true });
    expect(withAll).toMatchObject({
      SupportsContainers: true,
      SupportsEcosystem: true,
      SupportedShareUrlTypes: ['ReadOnly'],
      SupportsAddActivities: true,
    });
  });

  type Row = [
    string,
    WopiUser['permissions'],
    HostCapabilities,
    { UserCanWrite: boolean; ReadOnly: boolean; UserCanRename: boolean; UserCanNotWriteRelative: boolean },
  ];
  it.each<Row>([
    [
      'writer, no capabilities',
      { write: true },
      NONE,
      { UserCanWrite: true, ReadOnly: false, UserCanRename: false, UserCanNotWriteRelative: true },
    ],
    [
      'writer, all capabilities',
      { write: true },
      ALL,
      { UserCanWrite: true, ReadOnly: false, UserCanRename: true, UserCanNotWriteRelative: false },
    ],
    [
      'read-only, all capabilities',
      { write: false },
      ALL,
      { UserCanWrite: false, ReadOnly: true, UserCanRename: false, UserCanNotWriteRelative: true },
    ],
    [
      'read-only, no capabilities',
      { write: false },
      NONE,
      { UserCanWrite: false, ReadOnly: true, UserCanRename: false, UserCanNotWriteRelative: true },
    ],
    [
      'writer with create:false, all capabilities',
      { write: true, create: false },
      ALL,
      { UserCanWrite: true, ReadOnly: false, UserCanRename: true, UserCanNotWriteRelative: true },
    ],
    [
      'writer with rename:false, all capabilities',
      { write: true, rename: false },
      ALL,
      { UserCanWrite: true, ReadOnly: false, UserCanRename: false, UserCanNotWriteRelative: false },
    ],
    [
      'writer with create:false and rename:false',
      { write: true, create: false, rename: false },
      ALL,
      { UserCanWrite: true, ReadOnly: false, UserCanRename: false, UserCanNotWriteRelative: true },
    ],
    [
      'read-only with rename:true cannot rename (rename needs write)',
      { write: false, rename: true },
      ALL,
      { UserCanWrite: false, ReadOnly: true, UserCanRename: false, UserCanNotWriteRelative: true },
    ],
    // create is independent of write: a viewer allowed to create may "Save As" a copy.
    [
      'read-only with create:true may write relative',
      { write: false, create: true },
      ALL,
      { UserCanWrite: false, ReadOnly: true, UserCanRename: false, UserCanNotWriteRelative: false },
    ],
    [
      'writer, only rename capability',
      { write: true },
      { ...NONE, rename: true },
      { UserCanWrite: true, ReadOnly: false, UserCanRename: true, UserCanNotWriteRelative: true },
    ],
    [
      'writer, only putRelative capability',
      { write: true },
      { ...NONE, putRelative: true },
      { UserCanWrite: true, ReadOnly: false, UserCanRename: false, UserCanNotWriteRelative: false },
    ],
  ])('%s', (_label, permissions, capabilities, expected) => {
    const info = buildCheckFileInfo(file, { userId: 'u', permissions }, capabilities);
    expect({
      UserCanWrite: info.UserCanWrite,
      ReadOnly: info.ReadOnly,
      UserCanRename: info.UserCanRename,
      UserCanNotWriteRelative: info.UserCanNotWriteRelative,
    }).toStrictEqual(expected);
  });

  it.each<[string, HostCapabilities]>([
    ['none', NONE],
    ['all', ALL],
    ['rename only', { ...NONE, rename: true }],
    ['deleteFile only', { ...NONE, deleteFile: true }],
    ['userInfo only', { ...NONE, userInfo: true }],
  ])('Supports* flags mirror the capabilities (%s)', (_label, capabilities) => {
    const info = buildCheckFileInfo(file, { userId: 'u', permissions: { write: true } }, capabilities);
    expect(info.SupportsRename).toBe(capabilities.rename);
    expect(info.SupportsDeleteFile).toBe(capabilities.deleteFile);
    expect(info.SupportsUserInfo).toBe(capabilities.userInfo);
    // Always implemented by this router.
    expect(info.SupportsLocks).toBe(true);
    expect(info.SupportsGetLock).toBe(true);
    expect(info.SupportsExtendedLockLength).toBe(true);
    expect(info.SupportsUpdate).toBe(true);
  });

  it('treats a non-boolean truthy write permission as read-only', () => {
    const permissions = { write: 'yes' as unknown as boolean };
    const info = buildCheckFileInfo(file, { userId: 'u', permissions }, ALL);
    expect(info.UserCanWrite).toBe(false);
    expect(info.ReadOnly).toBe(true);
  });

  it.each<[string, Partial<WopiFileInfo>, Partial<WopiUser>, { SHA256?: string; UserFriendlyName?: string }]>([
    ['neither given', {}, {}, {}],
    ['SHA256 given', { sha256: 'abc=' }, {}, { SHA256: 'abc=' }],
    ['UserFriendlyName given', {}, { userFriendlyName: 'Ada' }, { UserFriendlyName: 'Ada' }],
    ['both given', { sha256: 'abc=' }, { userFriendlyName: 'Ada' }, { SHA256: 'abc=', UserFriendlyName: 'Ada' }],
    ['empty friendly name is still given', {}, { userFriendlyName: '' }, { UserFriendlyName: '' }],
  ])('SHA256 / UserFriendlyName only when given: %s', (_label, fileExtra, userExtra, expected) => {
    const info = buildCheckFileInfo({ ...file, ...fileExtra }, { userId: 'u', permissions: { write: true }, ...userExtra }, NONE);
    const optional: Record<string, unknown> = {};
    for (const key of ['SHA256', 'UserFriendlyName']) if (key in info) optional[key] = info[key];
    expect(optional).toStrictEqual(expected);
  });

  it('derives FileExtension from the name', () => {
    const info = buildCheckFileInfo({ ...file, name: 'archive.tar.gz' }, { userId: 'u', permissions: { write: true } }, NONE);
    expect(info.BaseFileName).toBe('archive.tar.gz');
    expect(info.FileExtension).toBe('.gz');
  });
});
