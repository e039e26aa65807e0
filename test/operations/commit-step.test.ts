/**
 * The router's half of the storage contract's commit step: a storage cannot skip it silently.
 * A write that resolves without calling `context.commit()` is answered 500 and logged on
 * `express-wopi:server_error`; one that calls it twice fails; the commit check itself sees the
 * state at the moment it is called, and other changes to the file wait while it holds.
 */
import debug from 'debug';
import type { Readable } from 'node:stream';
import { MemoryStorage, type WopiCreatedFile, type WopiFileInfo, type WopiRelativeTarget, type WopiWriteContext } from '../../src';
import { createApp } from '../helpers/create-app';
import { lockReq, putFile, putRelativeReq } from '../helpers/wopi-requests';

/** A MemoryStorage whose writes change how they use the commit step. */
class MisbehavingStorage extends MemoryStorage {
  constructor(private readonly mode: 'skip' | 'twice' | 'honest') {
    super();
  }

  override async writeFile(fileId: string, content: Readable, context: WopiWriteContext): Promise<WopiFileInfo> {
    return super.writeFile(fileId, content, { ...context, commit: (id) => this.commitAs(context, id) });
  }

  override async createRelativeFile(
    fileId: string,
    content: Readable,
    target: WopiRelativeTarget,
    context: WopiWriteContext,
  ): Promise<WopiCreatedFile> {
    return super.createRelativeFile(fileId, content, target, { ...context, commit: (id) => this.commitAs(context, id) });
  }

  private async commitAs(context: WopiWriteContext, id?: string): Promise<void> {
    if (this.mode === 'skip') return;
    await context.commit(id);
    if (this.mode === 'twice') await context.commit(id);
  }
}

function captureServerErrors(): { lines: string[]; restore(): void } {
  const lines: string[] = [];
  const previousLog = debug.log;
  const previousNamespaces = debug.disable();
  debug.enable('express-wopi:server_error');
  debug.log = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
  return {
    lines,
    restore: () => {
      debug.log = previousLog;
      debug.disable();
      if (previousNamespaces) debug.enable(previousNamespaces);
    },
  };
}

describe.each([
  ['skip' as const, 'skip the commit step'],
  ['twice' as const, 'call the commit step twice'],
])('a storage whose writes %s (%s)', (mode, _description) => {
  test('PutFile answers a bare 500, logged on express-wopi:server_error', async () => {
    const storage = new MisbehavingStorage(mode);
    const fileId = storage.addFile('a.docx', '');
    const { app, token } = createApp({ storage });
    const capture = captureServerErrors();
    try {
      const res = await putFile(app, fileId, await token(fileId), 'new');
      expect(res.status).toBe(500);
      expect(res.text).toBe('Internal Server Error');
      expect(capture.lines.join('\n')).toMatch(mode === 'skip' ? /without calling context\.commit\(\)/ : /commit twice/);
    } finally {
      capture.restore();
    }
  });

  test('PutRelativeFile answers a bare 500', async () => {
    const storage = new MisbehavingStorage(mode);
    const fileId = storage.addFile('a.docx', 'x');
    const { app, token } = createApp({ storage });
    const res = await putRelativeReq(app, fileId, await token(fileId), 'copy', { 'X-WOPI-SuggestedTarget': '.docx' });
    expect(res.status).toBe(500);
    expect(res.text).toBe('Internal Server Error');
  });
});

test('an honest storage: the commit check holds the file while it publishes, and a LOCK waits for it', async () => {
  const order: string[] = [];
  class SlowPublish extends MemoryStorage {
    override async writeFile(fileId: string, content: Readable, context: WopiWriteContext): Promise<WopiFileInfo> {
      return super.writeFile(fileId, content, {
        ...context,
        commit: async (id) => {
          await context.commit(id);
          order.push('commit passed');
          // Another request locks the file right now; it must wait until this write has settled.
          pendingLock = lockReq(app, fileId, lockToken, 'OTHER').then((res) => {
            order.push(`lock answered ${res.status}`);
            return res;
          });
          await new Promise((resolve) => setTimeout(resolve, 50));
          order.push('published');
        },
      });
    }
  }
  const storage = new SlowPublish();
  const fileId = storage.addFile('a.docx', '');
  const { app, token } = createApp({ storage });
  const lockToken = await token(fileId);
  let pendingLock: Promise<unknown> | undefined;
  const res = await putFile(app, fileId, await token(fileId), 'saved without a lock');
  expect(res.status).toBe(200);
  await pendingLock;
  expect(order).toStrictEqual(['commit passed', 'published', 'lock answered 200']);
  expect(storage.getContent(fileId).toString()).toBe('saved without a lock');
});
