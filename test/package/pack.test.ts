/**
 * Pack-and-install proof: the package as npm would publish it, installed into a fresh consumer
 * project and used from `require`, `import`, TypeScript and the `express-wopi` bin.
 *
 * `npm pack` runs the `prepare` script (a full `npm run build`, which starts by deleting dist/).
 * To keep that from pulling dist/ out from under other test files running in parallel (the CLI
 * test spawns dist/cli/main.js), the repository is first copied to a staging folder without
 * dist/, .git or node_modules (node_modules is symlinked back); `npm pack` runs there. That also
 * proves a clean checkout packs correctly: nothing relies on a dist/ left over from earlier.
 *
 * Needs the npm registry (express, @types/express, @types/node for the consumer; npm's cache is
 * preferred). Takes a few seconds with a warm cache.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { FileSystemStorage, InvalidTokenError, JwtAuth } from '../../src';

const execFileAsync = promisify(execFile);
const REPO = path.join(__dirname, '..', '..');
const TSC = path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const SECRET = 'pack-test-secret-pack-test-secret-0123456789';
const VERSION = (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

jest.setTimeout(60_000);

let work: string;
let stage: string;
let consumer: string;
let tarball: string;
let tarballEntries: string[];

async function run(cmd: string, args: string[], cwd: string, timeout = 60_000): Promise<{ stdout: string; stderr: string }> {
  try {
    return await execFileAsync(cmd, args, {
      cwd,
      timeout,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', NODE_OPTIONS: '' },
    });
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}: ${e.message}\n--- stdout\n${e.stdout ?? ''}\n--- stderr\n${e.stderr ?? ''}`);
  }
}

/** Runs a script in the consumer project with node; returns its stdout parsed as JSON. */
async function runConsumer(file: string, source: string): Promise<Record<string, unknown>> {
  writeFileSync(path.join(consumer, file), source);
  const { stdout } = await run(process.execPath, [file], consumer);
  return JSON.parse(stdout) as Record<string, unknown>;
}

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'express-wopi-pack-'));
  stage = path.join(work, 'stage');
  consumer = path.join(work, 'consumer');
  const out = path.join(work, 'out');

  // 1. Stage a clean copy of the repository.
  const skip = new Set(['node_modules', '.git', 'dist', 'coverage']);
  cpSync(REPO, stage, {
    recursive: true,
    filter: (src) => {
      const rel = path.relative(REPO, src);
      const top = rel.split(path.sep)[0] ?? '';
      return !(skip.has(top) || (rel === top && top.endsWith('.tgz')));
    },
  });
  symlinkSync(path.join(REPO, 'node_modules'), path.join(stage, 'node_modules'), 'dir');
  expect(existsSync(path.join(stage, 'dist'))).toBe(false);

  // A developer who followed the README ran `npm start` (serve ./samples) before publishing:
  // that leaves FileSystemStorage's ID records in samples/.express-wopi/.
  await new FileSystemStorage({ root: path.join(stage, 'samples') }).list();
  expect(existsSync(path.join(stage, 'samples', '.express-wopi'))).toBe(true);

  // 2. npm pack (runs `prepare`, i.e. the build). It does not create the destination itself.
  mkdirSync(out);
  await run(NPM, ['pack', '--pack-destination', out], stage, 120_000);
  const tgz = readdirSync(out).filter((f) => f.endsWith('.tgz'));
  expect(tgz).toEqual([`express-wopi-${VERSION}.tgz`]);
  tarball = path.join(out, tgz[0]!);
  const { stdout: listing } = await run('tar', ['-tzf', tarball], work);
  tarballEntries = listing
    .split('\n')
    .filter(Boolean)
    .map((p) => p.replace(/^package\//, ''));

  // 3. A fresh consumer project that installs the tarball and express 5.
  mkdirSync(consumer);
  writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'wopi-consumer', version: '1.0.0', private: true }, null, 2));
  await run(
    NPM,
    ['install', tarball, 'express@5', '@types/express@5', '@types/node@20', '--no-audit', '--no-fund', '--prefer-offline'],
    consumer,
    120_000,
  );
}, 240_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The body of a consumer that mounts the router, issues a token and runs CheckFileInfo. */
const checkFileInfoScript = (w: string): string => `
  const storage = new ${w}MemoryStorage();
  const fileId = storage.addFile('hello.docx', 'hello');
  const auth = new ${w}JwtAuth({ secret: ${JSON.stringify(SECRET)} });
  const app = express();
  app.use('/wopi', ${w}createWopiRouter({ storage, auth }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve, reject) => { server.once('listening', resolve); server.once('error', reject); });
  try {
    const { accessToken } = await auth.issueToken({ fileId, userId: 'u1', permissions: { write: true } });
    const res = await fetch('http://127.0.0.1:' + server.address().port + '/wopi/files/' + fileId + '?access_token=' + accessToken);
    result.status = res.status;
    result.body = await res.json();
    const missing = await fetch('http://127.0.0.1:' + server.address().port + '/wopi/files/nope?access_token=' + accessToken);
    result.otherFileStatus = missing.status;
  } finally {
    server.closeAllConnections();
    server.close();
  }
`;

describe('the packed tarball', () => {
  test('was built by npm pack from a checkout without dist/', () => {
    expect(tarballEntries).toContain('dist/index.js');
  });

  test('contains the build, the types, the ESM face, the CLI, LICENSE, README and package.json', () => {
    for (const f of ['package.json', 'LICENSE', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/esm/index.mjs', 'dist/cli/main.js', 'dist/cli/serve.js', 'dist/router.d.ts']) {
      expect(tarballEntries).toContain(f);
    }
  });

  test('contains no tests, node_modules, tsconfig or scripts', () => {
    const unwanted = tarballEntries.filter(
      (p) => /^(test|node_modules|coverage|\.git|\.ci)\//.test(p) || p.includes('/node_modules/') || /^tsconfig.*\.json$/.test(p) || p.endsWith('.test.ts') || p.endsWith('.tgz'),
    );
    expect(unwanted).toEqual([]);
  });

  test('does not ship the file-ID records `npm start` leaves in samples/.express-wopi/', () => {
    expect(tarballEntries.filter((p) => p.includes('.express-wopi/'))).toEqual([]);
  });
});

describe('installed into a consumer project', () => {
  test('(a) CommonJS: require("express-wopi") mounts the router and answers CheckFileInfo', async () => {
    const result = await runConsumer(
      'cjs-consumer.cjs',
      `
      const express = require('express');
      const w = require('express-wopi');
      const result = {};
      (async () => {
        ${checkFileInfoScript('w.')}
        result.resolvedFrom = require.resolve('express-wopi');
        result.isWopiError = require('express-wopi').WopiError.is(new (require('express-wopi').FileNotFoundError)());
        result.instanceOf = new w.FileNotFoundError() instanceof w.WopiError;
        result.status404 = new w.FileNotFoundError().status;
        process.stdout.write(JSON.stringify(result));
      })().catch((err) => { console.error(err); process.exit(1); });
      `,
    );
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ BaseFileName: 'hello.docx', Size: 5, UserId: 'u1', UserCanWrite: true });
    expect(result.otherFileStatus).toBe(401);
    expect(result.resolvedFrom).toBe(path.join(consumer, 'node_modules', 'express-wopi', 'dist', 'index.js'));
    expect(result.isWopiError).toBe(true);
    expect(result.instanceOf).toBe(true);
    expect(result.status404).toBe(404);
  });

  test('(b) ESM: named and default imports mount the router and answer CheckFileInfo', async () => {
    const result = await runConsumer(
      'esm-consumer.mjs',
      `
      import express from 'express';
      import { createWopiRouter, MemoryStorage, JwtAuth, FileNotFoundError, WopiError } from 'express-wopi';
      import wopi from 'express-wopi';
      const result = {};
      {
        ${checkFileInfoScript('')}
      }
      const named = { ...result };
      {
        ${checkFileInfoScript('wopi.')}
      }
      result.named = named;
      result.resolvedFrom = import.meta.resolve('express-wopi');
      result.isWopiError = WopiError.is(new FileNotFoundError());
      result.instanceOf = new FileNotFoundError() instanceof WopiError;
      result.defaultIsWopiError = wopi.WopiError.is(new wopi.FileNotFoundError());
      process.stdout.write(JSON.stringify(result));
      `,
    );
    for (const r of [result.named as Record<string, unknown>, result]) {
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ BaseFileName: 'hello.docx', Size: 5, UserId: 'u1', UserCanWrite: true });
      expect(r.otherFileStatus).toBe(401);
    }
    expect(result.resolvedFrom).toMatch(/\/node_modules\/express-wopi\/dist\/esm\/index\.mjs$/);
    expect(result.isWopiError).toBe(true);
    expect(result.instanceOf).toBe(true);
    expect(result.defaultIsWopiError).toBe(true);
  });

  test('(c) the ESM and CJS faces export the very same objects', async () => {
    const result = await runConsumer(
      'dual-consumer.mjs',
      `
      import { createRequire } from 'node:module';
      import { WopiError, FileNotFoundError } from 'express-wopi';
      import * as ns from 'express-wopi';
      const require = createRequire(import.meta.url);
      const cjs = require('express-wopi');
      const cjsKeys = Object.keys(cjs).filter((k) => k !== '__esModule').sort();
      const esmKeys = Object.keys(ns).filter((k) => k !== 'default' && k !== '__esModule').sort();
      process.stdout.write(JSON.stringify({
        sameWopiError: WopiError === cjs.WopiError,
        defaultIsCjs: ns.default === cjs,
        cjsKeys,
        esmKeys,
        differing: cjsKeys.filter((k) => ns[k] !== cjs[k]),
        esmErrorIsCjsInstance: new FileNotFoundError() instanceof cjs.WopiError,
        cjsErrorIsEsmInstance: new cjs.FileNotFoundError() instanceof WopiError,
        packageJsonVersion: require('express-wopi/package.json').version,
      }));
      `,
    );
    expect(result.sameWopiError).toBe(true);
    expect(result.defaultIsCjs).toBe(true);
    expect(result.esmKeys).toEqual(result.cjsKeys);
    expect(result.cjsKeys).toEqual(expect.arrayContaining(['createWopiRouter', 'MemoryStorage', 'FileSystemStorage', 'JwtAuth', 'MemoryLockStore', 'WopiError', 'FileNotFoundError', 'WopiConfigError']));
    expect(result.differing).toEqual([]);
    expect(result.esmErrorIsCjsInstance).toBe(true);
    expect(result.cjsErrorIsEsmInstance).toBe(true);
    expect(result.packageJsonVersion).toBe(VERSION);
  });

  test('(d) a TypeScript consumer type-checks against the packed .d.ts (ESM and CJS, skipLibCheck off)', async () => {
    const common = `
      class ArrayStorage implements WopiStorage {
        private readonly files = new Map<string, Buffer>([['a', Buffer.from('abc')]]);
        async getFileInfo(fileId: string): Promise<WopiFileInfo> {
          const content = this.files.get(fileId);
          if (!content) throw new FileNotFoundError();
          return { name: fileId + '.docx', size: content.length, version: '1', lastModifiedTime: new Date(0), ownerId: 'me' };
        }
        async readFile(fileId: string): Promise<WopiFileContent> {
          return { info: await this.getFileInfo(fileId), stream: Readable.from([this.files.get(fileId)!]) };
        }
        async writeFile(fileId: string, content: Readable, context: WopiWriteContext): Promise<WopiFileInfo> {
          const chunks: Buffer[] = [];
          for await (const chunk of content) { context.signal.throwIfAborted(); chunks.push(chunk as Buffer); }
          await context.commit();
          if (!this.files.has(fileId)) throw new FileNotFoundError();
          this.files.set(fileId, Buffer.concat(chunks));
          return this.getFileInfo(fileId);
        }
      }
      const auth = new JwtAuth({ secret: 'x'.repeat(40), algorithm: 'HS512', tokenTtlSeconds: 60 });
      const options: WopiRouterOptions = {
        storage: new ArrayStorage(),
        auth,
        locks: new MemoryLockStore(),
        maxFileSize: 1024,
        lockTtlMs: 60_000,
        checkFileInfo: ({ user, file }) => ({ UserFriendlyName: user.userFriendlyName ?? file.name }),
        onPutFile: (event: PutFileEvent) => { const editors: string[] = event.save.editors; void editors; },
      };
      const router: express.RequestHandler = createWopiRouter(options);
      const app = express();
      app.use('/wopi', router);
      const issued: Promise<IssuedToken> = auth.issueToken({ fileId: 'a', userId: 'u', permissions: { write: true } });
      const principal: Promise<WopiPrincipal> = auth.authenticate('t', 'a');
      const err: unknown = new FileNotFoundError();
      if (WopiError.is(err)) { const status: number = err.status; void status; }
      const maxSize: number = DEFAULT_MAX_FILE_SIZE;
      void issued; void principal; void maxSize;
      // The declarations are real types, not \`any\`: each of these must be an error.
      // @ts-expect-error storage is required
      createWopiRouter({ auth });
      // @ts-expect-error maxFileSize is a number
      createWopiRouter({ ...options, maxFileSize: '1kb' });
      // @ts-expect-error permissions are required
      void auth.issueToken({ fileId: 'a', userId: 'u' });
    `;
    writeFileSync(
      path.join(consumer, 'consumer.mts'),
      `import express from 'express';
      import { Readable } from 'node:stream';
      import wopi, {
        createWopiRouter, JwtAuth, MemoryLockStore, FileNotFoundError, WopiError, DEFAULT_MAX_FILE_SIZE,
        type WopiStorage, type WopiFileInfo, type WopiFileContent, type WopiWriteContext, type WopiRouterOptions,
        type PutFileEvent, type IssuedToken, type WopiPrincipal,
      } from 'express-wopi';
      ${common}
      const viaDefault: typeof createWopiRouter = wopi.createWopiRouter;
      void viaDefault;
      `,
    );
    writeFileSync(
      path.join(consumer, 'consumer.cts'),
      `import express = require('express');
      import { Readable } from 'node:stream';
      import {
        createWopiRouter, JwtAuth, MemoryLockStore, FileNotFoundError, WopiError, DEFAULT_MAX_FILE_SIZE,
        type WopiStorage, type WopiFileInfo, type WopiFileContent, type WopiWriteContext, type WopiRouterOptions,
        type PutFileEvent, type IssuedToken, type WopiPrincipal,
      } from 'express-wopi';
      ${common}
      `,
    );
    writeFileSync(
      path.join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
        },
        files: ['consumer.mts', 'consumer.cts'],
      }),
    );
    const { stdout, stderr } = await run(process.execPath, [TSC, '-p', 'tsconfig.json', '--listFilesOnly'], consumer);
    expect(stderr).toBe('');
    // The types come from the installed package, not from the repository's src/.
    expect(stdout).toContain(path.join(consumer, 'node_modules', 'express-wopi', 'dist', 'index.d.ts'));
    expect(stdout).not.toContain(path.join(REPO, 'src'));
    await run(process.execPath, [TSC, '-p', 'tsconfig.json'], consumer); // throws with tsc's output on any error
  });

  test('(e) the express-wopi bin is installed and prints a working token', async () => {
    const bin = path.join(consumer, 'node_modules', '.bin', process.platform === 'win32' ? 'express-wopi.cmd' : 'express-wopi');
    expect(existsSync(bin)).toBe(true);
    // Run directly (shebang + executable bit), not through `node`.
    const { stdout } = await run(bin, ['token', '--secret', SECRET, '--file-id', 'a'], consumer);
    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const auth = new JwtAuth({ secret: SECRET });
    await expect(auth.authenticate(stdout.trim(), 'a')).resolves.toEqual({ userId: 'user', permissions: { write: true } });
    await expect(auth.authenticate(stdout.trim(), 'b')).rejects.toBeInstanceOf(InvalidTokenError);

    const help = await run(bin, ['--help'], consumer);
    expect(help.stdout).toContain('express-wopi serve <dir>');
    if (process.platform !== 'win32') {
      expect(statSync(path.join(consumer, 'node_modules', 'express-wopi', 'dist', 'cli', 'main.js')).mode & 0o111).not.toBe(0);
    }
  });
});
