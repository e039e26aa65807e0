import type { WopiPermissions, WopiUser } from '../../src/adapters/auth';
import { canCreate, canRename, canWrite } from '../../src/protocol/permissions';

function userWith(permissions: WopiPermissions): WopiUser {
  return { userId: 'u1', permissions };
}

/** `write`, `create`, `rename` (undefined = not set) → expected canWrite, canCreate, canRename. */
type Row = [boolean, boolean | undefined, boolean | undefined, boolean, boolean, boolean];

// Every combination: write ∈ {true, false} × create ∈ {unset, true, false} × rename ∈ {unset, true, false}.
// create defaults to write; rename needs write and defaults to allowed.
const TABLE: Row[] = [
  // write  create     rename     canWrite canCreate canRename
  [true, undefined, undefined, true, true, true],
  [true, undefined, true, true, true, true],
  [true, undefined, false, true, true, false],
  [true, true, undefined, true, true, true],
  [true, true, true, true, true, true],
  [true, true, false, true, true, false],
  [true, false, undefined, true, false, true],
  [true, false, true, true, false, true],
  [true, false, false, true, false, false],
  [false, undefined, undefined, false, false, false],
  [false, undefined, true, false, false, false],
  [false, undefined, false, false, false, false],
  [false, true, undefined, false, true, false],
  [false, true, true, false, true, false],
  [false, true, false, false, true, false],
  [false, false, undefined, false, false, false],
  [false, false, true, false, false, false],
  [false, false, false, false, false, false],
];

describe('permissions', () => {
  it('the table covers all 18 combinations once', () => {
    const keys = TABLE.map(([w, c, r]) => `${w}/${c}/${r}`);
    expect(new Set(keys).size).toBe(18);
  });

  it.each(TABLE)(
    'write=%p create=%p rename=%p → canWrite=%p canCreate=%p canRename=%p',
    (write, create, rename, expectWrite, expectCreate, expectRename) => {
      const permissions: WopiPermissions = { write };
      if (create !== undefined) permissions.create = create;
      if (rename !== undefined) permissions.rename = rename;
      const user = userWith(permissions);
      expect(canWrite(user)).toBe(expectWrite);
      expect(canCreate(user)).toBe(expectCreate);
      expect(canRename(user)).toBe(expectRename);
    },
  );

  it('treats an explicitly undefined create/rename like an unset one', () => {
    const user = userWith({ write: true, create: undefined, rename: undefined });
    expect([canWrite(user), canCreate(user), canRename(user)]).toStrictEqual([true, true, true]);
    const reader = userWith({ write: false, create: undefined, rename: undefined });
    expect([canWrite(reader), canCreate(reader), canRename(reader)]).toStrictEqual([false, false, false]);
  });

  it.each<[string, unknown]>([
    ['the string "true"', 'true'],
    ['1', 1],
    ['an object', {}],
    ['undefined', undefined],
  ])('grants write only for the boolean true, not for %s', (_label, write) => {
    const user = userWith({ write } as unknown as WopiPermissions);
    expect(canWrite(user)).toBe(false);
    expect(canRename(user)).toBe(false);
    expect(canCreate(user)).toBe(false);
  });

  it('always returns booleans', () => {
    for (const [write, create, rename] of TABLE) {
      const permissions: WopiPermissions = { write };
      if (create !== undefined) permissions.create = create;
      if (rename !== undefined) permissions.rename = rename;
      const user = userWith(permissions);
      for (const result of [canWrite(user), canCreate(user), canRename(user)]) expect(typeof result).toBe('boolean');
    }
  });

  it('does not modify the user', () => {
    const user = userWith({ write: true });
    const snapshot = JSON.stringify(user);
    canWrite(user);
    canCreate(user);
    canRename(user);
    expect(JSON.stringify(user)).toBe(snapshot);
  });
});
