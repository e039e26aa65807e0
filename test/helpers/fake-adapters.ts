/**
 * Adapters that stand in for real ones in tests: storages that fail, that record what they are
 * given or that lack the optional capabilities, a lock store that fails, an auth without
 * `issueToken`.
 */
import type { Readable } from 'node:stream';
import type {
  WopiLockOutcome,
  WopiAuth,
  WopiCreatedFile,
  WopiFileInfo,
  WopiLockStore,
  WopiRelativeTarget,
  WopiStorage,
  WopiWriteContext,
} from '../../src';

/**
 * Wraps a storage so that `method` throws a plain Error with `message`. Only the three core
 * methods are kept: the wrapper has none of the optional capabilities (see
 * {@link storageFailingIn} for one that keeps them).
 */
export function failingStorage(inner: WopiStorage, method: keyof WopiStorage, message: string): WopiStorage {
  return {
    getFileInfo: (id) => inner.getFileInfo(id),
    readFile: (id) => inner.readFile(id),
    writeFile: (id, content, ctx) => inner.writeFile(id, content, ctx),
    [method]: async () => {
      throw new Error(message);
    },
  };
}

/** Every method `inner` has (optional capabilities included), bound to it, except that `method` throws a plain Error with `message`. */
export function storageFailingIn(inner: WopiStorage, method: keyof WopiStorage, message: string): WopiStorage {
  const methods = ['getFileInfo', 'readFile', 'writeFile', 'findRelativeFile', 'createRelativeFile', 'renameFile', 'deleteFile'] as const;
  const wrapper: Record<string, unknown> = {};
  for (const name of methods) {
    const fn = inner[name];
    if (typeof fn === 'function') wrapper[name] = (fn as (...args: unknown[]) => unknown).bind(inner);
  }
  if (typeof wrapper[method] !== 'function') throw new Error(`storageFailingIn: inner storage lacks ${String(method)}`);
  wrapper[method] = async () => {
    throw new Error(message);
  };
  return wrapper as unknown as WopiStorage;
}

/** Wraps a storage and records every WopiWriteContext `writeFile` receives. */
export function recordingStorage(inner: WopiStorage): { storage: WopiStorage; contexts: WopiWriteContext[] } {
  const contexts: WopiWriteContext[] = [];
  return {
    contexts,
    storage: {
      getFileInfo: (id) => inner.getFileInfo(id),
      readFile: (id) => inner.readFile(id),
      writeFile: (id: string, content: Readable, ctx: WopiWriteContext): Promise<WopiFileInfo> => {
        contexts.push(ctx);
        return inner.writeFile(id, content, ctx);
      },
    },
  };
}

/** A lock store every method of which fails: rejects (`async`) or throws synchronously (`sync`). */
export function failingLockStore(mode: 'async' | 'sync', message = 'lock store unreachable'): WopiLockStore {
  const fail =
    mode === 'async'
      ? () => Promise.reject(new Error(message))
      : () => {
          throw new Error(message);
        };
  return {
    getLock: fail as () => Promise<string | null>,
    lock: fail as () => Promise<WopiLockOutcome>,
    refreshLock: fail as () => Promise<WopiLockOutcome>,
    unlock: fail as () => Promise<WopiLockOutcome>,
    unlockAndRelock: fail as () => Promise<WopiLockOutcome>,
  };
}

/** A storage exposing only the three core methods of `inner` (no optional capabilities). */
export function coreOnlyStorage(inner: WopiStorage): WopiStorage {
  return {
    getFileInfo: (id) => inner.getFileInfo(id),
    readFile: (id) => inner.readFile(id),
    writeFile: (id, content, ctx) => inner.writeFile(id, content, ctx),
  };
}

/** An auth exposing only `authenticate` of `inner` (no `issueToken`). */
export function authenticateOnly(inner: WopiAuth): WopiAuth {
  return { authenticate: (token, fileId) => inner.authenticate(token, fileId) };
}

/**
 * Wraps a storage that has every optional method and records what `createRelativeFile`
 * receives (the write context and the candidate names, materialised).
 */
export function recordingRelativeStorage(inner: WopiStorage): {
  storage: WopiStorage;
  calls: Array<{ fileId: string; candidates: string[]; overwrite: boolean; context: WopiWriteContext }>;
} {
  const calls: Array<{ fileId: string; candidates: string[]; overwrite: boolean; context: WopiWriteContext }> = [];
  const need = <K extends keyof WopiStorage>(k: K): NonNullable<WopiStorage[K]> => {
    const fn = inner[k];
    if (typeof fn !== 'function') throw new Error(`recordingRelativeStorage: inner storage lacks ${String(k)}`);
    return (fn as (...args: unknown[]) => unknown).bind(inner) as NonNullable<WopiStorage[K]>;
  };
  const create = need('createRelativeFile');
  return {
    calls,
    storage: {
      getFileInfo: need('getFileInfo'),
      readFile: need('readFile'),
      writeFile: need('writeFile'),
      findRelativeFile: need('findRelativeFile'),
      createRelativeFile: (
        fileId: string,
        content: Readable,
        target: WopiRelativeTarget,
        context: WopiWriteContext,
      ): Promise<WopiCreatedFile> => {
        const candidates = [...target.candidates];
        calls.push({ fileId, candidates, overwrite: target.overwrite, context });
        return create(fileId, content, { candidates, overwrite: target.overwrite }, context);
      },
      renameFile: need('renameFile'),
      deleteFile: need('deleteFile'),
    },
  };
}
