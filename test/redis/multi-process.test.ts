/**
 * Many instances, one truth: two `express-wopi serve` processes on the same folder share locks
 * through Redis. Concurrent LOCKs with distinct IDs, split across both processes, have exactly one
 * winner, and every loser is told the winner's lock ID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { describeWithRedis, redisUrl, uniquePrefix, connectNodeRedis, deleteKeys } from '../helpers/redis';

const CLI = path.join(__dirname, '..', '..', 'dist', 'cli', 'main.js');
const SECRET = 'multi-process-secret-multi-process-secret';
const ROUNDS = 20;
const REQUESTS = 200;

interface Instance {
  child: ChildProcess;
  url: string;
  files: Map<string, { fileId: string; accessToken: string }>;
}

function startInstance(dir: string, prefix: string): Promise<Instance> {
  const child = spawn(
    process.execPath,
    [CLI, 'serve', dir, '--port', '0', '--json', '--secret', SECRET, '--redis', redisUrl, '--redis-prefix', prefix],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return new Promise((resolve, reject) => {
    const files = new Map<string, { fileId: string; accessToken: string }>();
    let url = '';
    const timer = setTimeout(() => reject(new Error('instance did not start')), 15_000);
    child.once('exit', (code) => reject(new Error(`instance exited with ${code}`)));
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      const event = JSON.parse(line) as { event: string; url?: string; name?: string; fileId?: string; accessToken?: string };
      if (event.event === 'listening') url = event.url!;
      if (event.event === 'file') files.set(event.name!, { fileId: event.fileId!, accessToken: event.accessToken! });
      if (files.size === 2) {
        clearTimeout(timer);
        resolve({ child, url, files });
      }
    });
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function lock(instance: Instance, fileId: string, token: string, lockId: string): Promise<{ status: number; lock: string | undefined }> {
  const target = new URL(`${instance.url}/files/${fileId}?access_token=${encodeURIComponent(token)}`);
  return new Promise((resolve, reject) => {
    const req = http.request(
      target,
      { method: 'POST', agent, headers: { 'X-WOPI-Override': 'LOCK', 'X-WOPI-Lock': lockId, 'Content-Length': '0' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, lock: res.headers['x-wopi-lock'] as string | undefined }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describeWithRedis('two processes sharing RedisLockStore', () => {
  let dir: string;
  let a: Instance;
  let b: Instance;
  const prefix = uniquePrefix();

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'express-wopi-multi-'));
    await writeFile(path.join(dir, 'shared.docx'), 'shared');
    await writeFile(path.join(dir, 'other.docx'), 'other');
    [a, b] = await Promise.all([startInstance(dir, prefix), startInstance(dir, prefix)]);
  }, 30_000);

  afterAll(async () => {
    agent.destroy();
    for (const instance of [a, b]) {
      if (instance && instance.child.exitCode === null) {
        const exited = new Promise((resolve) => instance.child.once('exit', resolve));
        instance.child.kill('SIGTERM');
        await exited;
      }
    }
    const admin = await connectNodeRedis();
    await deleteKeys(admin, prefix);
    await admin.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('both processes give every file the same ID', () => {
    for (const name of ['shared.docx', 'other.docx']) {
      expect(a.files.get(name)?.fileId).toBeDefined();
      expect(a.files.get(name)?.fileId).toBe(b.files.get(name)?.fileId);
    }
  });

  test(`${REQUESTS} concurrent LOCKs split across both: exactly one winner, ${ROUNDS} rounds`, async () => {
    const fileId = a.files.get('shared.docx')!.fileId;
    for (let round = 0; round < ROUNDS; round++) {
      const attempts = Array.from({ length: REQUESTS }, (_, i) => {
        const instance = i % 2 === 0 ? a : b;
        const lockId = `round-${round}-contender-${i}`;
        return lock(instance, fileId, instance.files.get('shared.docx')!.accessToken, lockId).then((r) => ({ ...r, lockId }));
      });
      const results = await Promise.all(attempts);
      const winners = results.filter((r) => r.status === 200);
      expect(winners).toHaveLength(1);
      const losers = results.filter((r) => r.status !== 200);
      expect(losers.every((r) => r.status === 409 && r.lock === winners[0]!.lockId)).toBe(true);

      // Release it through the other process, so the next round starts unlocked.
      const releaseVia = results.indexOf(winners[0]!) % 2 === 0 ? b : a;
      const target = new URL(
        `${releaseVia.url}/files/${fileId}?access_token=${encodeURIComponent(releaseVia.files.get('shared.docx')!.accessToken)}`,
      );
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request(
          target,
          { method: 'POST', agent, headers: { 'X-WOPI-Override': 'UNLOCK', 'X-WOPI-Lock': winners[0]!.lockId, 'Content-Length': '0' } },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end();
      });
      expect(status).toBe(200);
    }
  }, 120_000);
});
