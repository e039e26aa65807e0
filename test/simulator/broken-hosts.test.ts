/**
 * Hosts that get something wrong on purpose: the simulator must say so, in a line that names the
 * problem, and fail the run.
 */
import { generateKeyPairSync } from 'node:crypto';
import net from 'node:net';
import { JwtAuth, MemoryStorage } from '../../src';
import { EDITOR_NAMES, simulateSession, formatCheck, type SimulationReport } from '../../src/testing';
import { TEST_SECRET } from '../helpers/create-app';
import { acceptSavesWithoutLock, dropLockHeaderOn409, frozenVersion, startHost, type HostOptions, unexpectedFailures } from './hosts';

async function play(editor: (typeof EDITOR_NAMES)[number], host: Omit<HostOptions, 'storage'> & { storage?: MemoryStorage } = {}) {
  const storage = host.storage ?? new MemoryStorage();
  const fileId = storage.addFile('Budget.xlsx', 'numbers, numbers');
  const running = await startHost({ ...host, storage });
  try {
    const report = await simulateSession({ wopiSrc: running.wopiSrc(fileId), accessToken: await running.token(fileId), editor });
    return { report, storage, fileId };
  } finally {
    await running.close();
  }
}

function failedLines(report: SimulationReport): string[] {
  return unexpectedFailures(report).map(formatCheck);
}

describe.each(EDITOR_NAMES)('%s', (editor) => {
  test('a host that answers 409 without X-WOPI-Lock fails, on every 409', async () => {
    const { report } = await play(editor, { before: () => dropLockHeaderOn409() });
    expect(report.ok).toBe(false);
    const lines = failedLines(report);
    expect(lines.length).toBeGreaterThanOrEqual(4);
    for (const line of lines)
      expect(line).toMatch(/^FAIL {2}\[(lock-rules|close)\] the 409 to .+ has no X-WOPI-Lock header: every 409 must name the current lock/);
    expect(lines).toContainEqual(
      'FAIL  [lock-rules] the 409 to PutFile without X-WOPI-Lock on the locked file has no X-WOPI-Lock header: every 409 must name the current lock ("" when unlocked)',
    );
    expect(lines).toContainEqual(
      'FAIL  [close] the 409 to Unlock of the unlocked file has no X-WOPI-Lock header: every 409 must name the current lock ("" when unlocked)',
    );
  });

  test('a host that accepts a PutFile without the lock fails, and the line says what went wrong', async () => {
    const { report } = await play(editor, { before: (locks) => acceptSavesWithoutLock(locks) });
    expect(report.ok).toBe(false);
    const lines = failedLines(report);
    expect(lines).toContainEqual(
      'FAIL  [lock-rules] PutFile without X-WOPI-Lock on the locked file answered 200, expected 409: a save from someone who does not hold the lock overwrote the document',
    );
    expect(lines).toContainEqual(
      'FAIL  [lock-rules] PutFile with another lock ID answered 200, expected 409: a save under another lock overwrote the document',
    );
    expect(lines).toContainEqual(
      'FAIL  [lock-rules] GetFile returns other bytes than were saved before: a refused request changed the content',
    );
  });

  test('a host whose version does not change on save fails', async () => {
    const { report } = await play(editor, { storage: frozenVersion(new MemoryStorage()) });
    expect(report.ok).toBe(false);
    const lines = failedLines(report);
    expect(lines).toContainEqual('FAIL  [autosave] X-WOPI-ItemVersion is still "v1" after the content changed');
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^FAIL {2}\[autosave\] Version is still "v1" after the content changed: ONLYOFFICE serves its stale cached copy/,
      ),
    );
    expect(lines).toContainEqual('FAIL  [exit-save] X-WOPI-ItemVersion is still "v1" after the content changed');
  });
});

test('Collabora: a host whose PutFile answer has no LastModifiedTime fails', async () => {
  const { report } = await play('collabora', {
    before: () => (req, res, next) => {
      if (req.method === 'POST' && /\/contents\/?$/.test(req.path)) {
        const end = res.end.bind(res) as (chunk?: unknown) => typeof res;
        res.end = ((chunk?: unknown) => {
          if (res.statusCode !== 200 || typeof chunk !== 'string') return end(chunk);
          res.setHeader('Content-Length', '2');
          return end('{}');
        }) as typeof res.end;
      }
      next();
    },
  });
  expect(failedLines(report)).toContainEqual(
    "FAIL  [autosave] PutFile's answer has no JSON LastModifiedTime: Collabora's later saves carry no timestamp and joins cannot detect changes",
  );
});

test('a read-only token: the editor would open read-only, so the session stops there', async () => {
  const storage = new MemoryStorage();
  const fileId = storage.addFile('Memo.docx', 'read me');
  const host = await startHost({ storage });
  try {
    const auth = new JwtAuth({ secret: TEST_SECRET });
    const { accessToken } = await auth.issueToken({ fileId, userId: 'eve', permissions: { write: false } });
    const report = await simulateSession({ wopiSrc: host.wopiSrc(fileId), accessToken, editor: 'onlyoffice' });
    expect(report.failed).toBe(1);
    expect(failedLines(report)).toEqual([
      "FAIL  [open] CheckFileInfo's UserCanWrite is not true: ONLYOFFICE Docs opens the document read-only",
    ]);
    expect(report.checks.filter((c) => c.status === 'skip').map((c) => c.phase)).toEqual([
      'autosave',
      'join',
      'keep-alive',
      'lock-rules',
      'save-as',
      'rename',
      'exit-save',
      'close',
    ]);
    expect(storage.getContent(fileId).toString()).toBe('read me');
  } finally {
    await host.close();
  }
});

test('a host that checks proof keys: unsigned requests fail with a hint, signed ones pass', async () => {
  const current = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const old = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const storage = new MemoryStorage();
  const fileId = storage.addFile('Signed.docx', 'proof');
  const host = await startHost({ storage, router: { proofKeys: { current: current.publicKey, old: old.publicKey } } });
  try {
    const token = await host.token(fileId);
    const unsigned = await simulateSession({ wopiSrc: host.wopiSrc(fileId), accessToken: token, editor: 'microsoft' });
    expect(failedLines(unsigned)).toEqual([expect.stringMatching(/^FAIL {2}\[open\] CheckFileInfo answered 500/)]);
    expect(unsigned.checks.find((c) => c.id === 'hint')?.message).toMatch(/--proof-key/);

    for (const editor of EDITOR_NAMES) {
      const pem = current.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
      const signed = await simulateSession({
        wopiSrc: host.wopiSrc(fileId),
        accessToken: token,
        editor,
        proofKeys: { current: pem, old: old.privateKey },
      });
      expect(failedLines(signed)).toEqual([]);
    }
  } finally {
    await host.close();
  }
});

test('a host that does not answer: one failure, the rest skipped', async () => {
  const port = await freePort();
  const report = await simulateSession({
    wopiSrc: `http://127.0.0.1:${port}/wopi/files/x`,
    accessToken: 'secret-token-1234',
    editor: 'collabora',
  });
  expect(report.failed).toBe(1);
  expect(formatCheck(report.checks[0]!)).toBe('FAIL  [open] CheckFileInfo got no answer: ECONNREFUSED');
  expect(report.checks.slice(1).every((c) => c.status === 'skip')).toBe(true);
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
