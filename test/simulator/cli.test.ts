/**
 * `express-wopi simulate`, through runSimulateCommand: the lines it prints, --json, the exit codes,
 * proof keys from PEM files, and that no access token is ever printed.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MemoryStorage } from '../../src';
import { runSimulateCommand } from '../../src/cli/simulate';
import { acceptSavesWithoutLock, type HostOptions, type RunningHost, startHost } from './hosts';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  lines: string[];
}

async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void) =>
    ({
      write: (chunk: string | Buffer) => {
        append(String(chunk));
        return true;
      },
    }) as unknown as NodeJS.WritableStream;
  const code = await runSimulateCommand(args, {
    stdout: sink((s) => {
      stdout += s;
    }),
    stderr: sink((s) => {
      stderr += s;
    }),
    env,
  });
  return { code, stdout, stderr, lines: stdout.split('\n').filter((l) => l !== '') };
}

let host: RunningHost;
let fileId: string;
let token: string;
let tmp: string;

async function withHost(options: Omit<HostOptions, 'storage'> = {}): Promise<void> {
  const storage = new MemoryStorage();
  fileId = storage.addFile('Minutes.docx', 'minutes of the meeting');
  host = await startHost({ storage, ...options });
  token = await host.token(fileId);
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'express-wopi-simulate-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});
afterEach(async () => {
  await host?.close();
});

describe('against a host that follows the protocol', () => {
  beforeEach(() => withHost());

  test('one line per check, then "N passed, 0 failed", exit 0; the token is never printed', async () => {
    const result = await run([host.wopiSrc(fileId), '--token', token, '--editor', 'onlyoffice']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const last = result.lines.at(-1) as string;
    expect(last).toMatch(/^\d+ passed, 0 failed$/);
    for (const line of result.lines.slice(0, -1)) expect(line).toMatch(/^(pass|FAIL|warn|skip) {1,2}\[[a-z-]+\] \S/);
    expect(result.lines).toContain('pass  [open] CheckFileInfo answered 200');
    expect(result.lines.filter((l) => l.startsWith('pass')).length).toBe(Number(last.split(' ')[0]));
    expect(result.stdout).not.toContain(token);
  });

  test('--json: one "check" event per check and a "summary" event', async () => {
    const result = await run([host.wopiSrc(fileId), '--editor', 'microsoft', '--json', '--keep-alive', '2'], { WOPI_ACCESS_TOKEN: token });
    expect(result.code).toBe(0);
    const events = result.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const summary = events.at(-1) as Record<string, unknown>;
    expect(summary).toEqual({
      event: 'summary',
      editor: 'microsoft',
      ok: true,
      passed: expect.any(Number),
      failed: 0,
      warnings: expect.any(Number),
      skipped: expect.any(Number),
    });
    const checks = events.slice(0, -1);
    expect(checks.every((e) => e.event === 'check')).toBe(true);
    expect(checks.filter((e) => e.status === 'pass')).toHaveLength(summary.passed as number);
    expect(checks[0]).toEqual({
      event: 'check',
      phase: 'open',
      id: 'check-file-info.status',
      status: 'pass',
      operation: 'CheckFileInfo',
      httpStatus: 200,
      message: 'CheckFileInfo answered 200',
    });
    expect(checks.filter((e) => e.id === 'keep-alive.status')).toHaveLength(2);
    expect(result.stdout).not.toContain(token);
  });

  test('a failing run: exit 1 and the failures counted in the last line (no host → no answer)', async () => {
    const wopiSrc = host.wopiSrc(fileId);
    await host.close();
    const result = await run([wopiSrc, '--token', token, '--editor', 'collabora', '--timeout', '5000']);
    expect(result.code).toBe(1);
    expect(result.lines[0]).toBe('FAIL  [open] CheckFileInfo got no answer: ECONNREFUSED');
    expect(result.lines.at(-1)).toBe('0 passed, 1 failed');
  });
});

test('against a host that accepts a save without the lock: exit 1, the failures printed', async () => {
  await withHost({ before: (locks) => acceptSavesWithoutLock(locks) });
  const result = await run([
    host.wopiSrc(fileId),
    '--token',
    token,
    '--editor',
    'onlyoffice',
    '--second-token',
    await host.token(fileId, 'bob'),
  ]);
  expect(result.code).toBe(1);
  expect(result.lines).toContain(
    'FAIL  [lock-rules] PutFile without X-WOPI-Lock on the locked file answered 200, expected 409: a save from someone who does not hold the lock overwrote the document',
  );
  expect(result.lines.at(-1)).toMatch(/^\d+ passed, [1-9]\d* failed$/);
  expect(result.stdout).not.toContain(token);
});

describe('proof keys from PEM files', () => {
  let currentPem: string;
  let oldPem: string;
  let keys: { current: ReturnType<typeof generateKeyPairSync>; old: ReturnType<typeof generateKeyPairSync> };

  beforeAll(async () => {
    keys = { current: generateKeyPairSync('rsa', { modulusLength: 1024 }), old: generateKeyPairSync('rsa', { modulusLength: 1024 }) };
    currentPem = path.join(tmp, 'current.pem');
    oldPem = path.join(tmp, 'old.pem');
    await writeFile(currentPem, keys.current.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    await writeFile(oldPem, keys.old.privateKey.export({ type: 'pkcs1', format: 'pem' }));
  });

  test('--print-proof-key prints the discovery element and exits 0, without a WOPISrc', async () => {
    const result = await run(['--proof-key', currentPem, '--proof-old-key', oldPem, '--print-proof-key']);
    expect(result.code).toBe(0);
    expect(result.lines).toEqual([
      expect.stringMatching(
        /^<proof-key oldvalue="[^"]+" oldmodulus="[^"]+" oldexponent="AQAB" value="[^"]+" modulus="[^"]+" exponent="AQAB"\/>$/,
      ),
    ]);
    const json = await run(['--proof-key', currentPem, '--print-proof-key', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ event: 'proof-key', element: expect.stringMatching(/^<proof-key /) });
  });

  test('every request is signed: a host that checks proofs lets the whole session through', async () => {
    await withHost({ router: { proofKeys: { current: keys.current.publicKey, old: keys.old.publicKey } } });
    const signed = await run([
      host.wopiSrc(fileId),
      '--token',
      token,
      '--editor',
      'onlyoffice',
      '--proof-key',
      currentPem,
      '--proof-old-key',
      oldPem,
    ]);
    expect(signed.code).toBe(0);
    // Signed with the old key only (a host that has rotated, an editor that has not): still accepted.
    const rotated = await run([host.wopiSrc(fileId), '--token', token, '--editor', 'microsoft', '--proof-key', oldPem]);
    expect(rotated.code).toBe(0);
    const unsigned = await run([host.wopiSrc(fileId), '--token', token, '--editor', 'onlyoffice']);
    expect(unsigned.code).toBe(1);
    expect(unsigned.lines).toContain(
      "warn  [open] a host that checks proof keys answers 500 to unsigned requests: sign them with the editor's keys (--proof-key)",
    );
  });
});

describe('usage errors: exit 2 and the usage on stderr', () => {
  test.each([
    ['no arguments', []],
    ['no editor', ['http://127.0.0.1:1/wopi/files/a', '--token', 'secret-token']],
    ['an unknown editor', ['http://127.0.0.1:1/wopi/files/a', '--token', 'secret-token', '--editor', 'wordperfect']],
    ['no token', ['http://127.0.0.1:1/wopi/files/a', '--editor', 'collabora']],
    ['a token in the WOPISrc', ['http://127.0.0.1:1/wopi/files/a?access_token=secret-token', '--editor', 'collabora']],
    ['a WOPISrc that is not a URL', ['files/a', '--token', 'secret-token', '--editor', 'collabora']],
    ['two WOPISrcs', ['http://127.0.0.1:1/a', 'http://127.0.0.1:1/b', '--token', 'secret-token', '--editor', 'collabora']],
    ['an unknown option', ['http://127.0.0.1:1/wopi/files/a', '--token', 'secret-token', '--editor', 'collabora', '--fast']],
    ['a bad number', ['http://127.0.0.1:1/wopi/files/a', '--token', 'secret-token', '--editor', 'collabora', '--keep-alive', 'many']],
    ['--print-proof-key without a key', ['--print-proof-key']],
    ['--proof-old-key without --proof-key', ['--proof-old-key', '/nonexistent.pem', '--print-proof-key']],
    ['an unreadable PEM file', ['--proof-key', '/nonexistent/key.pem', '--print-proof-key']],
  ])('%s', async (_name, args) => {
    const result = await run(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^express-wopi: .+\n\nUsage:\n {2}express-wopi simulate <WOPISrc>/);
    expect(result.stderr).not.toContain('secret-token');
  });

  test('a PEM file that is not a private key', async () => {
    const publicPem = path.join(tmp, 'public.pem');
    await writeFile(publicPem, generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }));
    const result = await run(['--proof-key', publicPem, '--print-proof-key']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/the current proof key/);
  });

  test('--help prints the usage and exits 0', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage:\n {2}express-wopi simulate/);
  });
});
