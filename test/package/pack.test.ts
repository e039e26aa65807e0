/**
 * Pack-and-install proof: the package as npm would publish it, installed into a fresh consumer
 * project and used from `require`, `import`, TypeScript and the `express-wopi` bin, for every
 * entry point (`express-wopi`, `/discovery`, `/proof-keys`, `/testing`). arethetypeswrong checks
 * the tarball's types under every resolution mode (node10, node16 from CJS and from ESM, bundler).
 *
 * `npm pack` runs the `prepare` script (a full `npm run build`, which starts by deleting dist/).
 * To keep that from pulling dist/ out from under other test files running in parallel (the CLI
 * test spawns dist/cli/main.js), the repository is first copied to a staging folder without
 * dist/, .git or node_modules (node_modules is symlinked back); `npm pack` runs there. That also
 * proves a clean checkout packs correctly: nothing relies on a dist/ left over from earlier.
 *
 * Needs the npm registry (express, @types/express, @types/node for the consumer; npm's cache is
 * preferred). Takes a few seconds with a warm cache. arethetypeswrong runs offline, on the tarball.
 */
import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { FileSystemStorage, InvalidTokenError, JwtAuth } from '../../src';

const execFileAsync = promisify(execFile);
const REPO = path.join(__dirname, '..', '..');
const TSC = path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const SECRET = 'pack-test-secret-pack-test-secret-0123456789';
const ATTW = path.join(REPO, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js');
const PKG = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string; exports: Record<string, unknown> };
const VERSION = PKG.version;

/** The entry points, as package.json `exports` lists them, with their ESM face in dist/esm/. */
const ENTRIES = [
  { spec: 'express-wopi', subpath: '.', face: 'index', cjs: 'dist/index.js' },
  { spec: 'express-wopi/discovery', subpath: './discovery', face: 'discovery', cjs: 'dist/discovery/index.js' },
  { spec: 'express-wopi/proof-keys', subpath: './proof-keys', face: 'proof-keys', cjs: 'dist/proof-keys/index.js' },
  { spec: 'express-wopi/testing', subpath: './testing', face: 'testing', cjs: 'dist/testing/index.js' },
] as const;

/** The values (not types) of express-wopi/discovery and express-wopi/proof-keys, exactly. */
const DISCOVERY_VALUES = [
  'DEFAULT_DISCOVERY_TTL_MS',
  'DEFAULT_HOST_PAGE_ALLOW',
  'DEFAULT_HOST_PAGE_SANDBOX',
  'DiscoveryActionNotFoundError',
  'DiscoveryError',
  'HOST_PAGE_SCRIPT_HASH',
  'HOST_PAGE_STYLE_HASH',
  'PLACEHOLDER',
  'WopiDiscovery',
  'findAction',
  'hostPageContentSecurityPolicy',
  'hostPageHandler',
  'parseDiscoveryXml',
  'renderHostPage',
  'resolveActionUrl',
];
const PROOF_KEYS_VALUES = ['PROOF_MAX_AGE_MS', 'ProofKeyError', 'buildProofBytes', 'verifyProof'];
/** Internal helpers that no entry point exports. */
const INTERNAL = [
  'escapeHtml',
  'extensionOf',
  'unixMsToTicks',
  'ticksToUnixMs',
  'publicKeyFromModulusExponent',
  'publicKeyFromCspBlob',
  'publicKeyToCspBlob',
  'publicKeyToModulusExponent',
];

/** A tiny discovery document: one editor, one action. */
const DISCOVERY_XML =
  '<wopi-discovery><net-zone name="external-https"><app name="Word">' +
  '<action name="edit" ext="docx" urlsrc="https://office.example.com/we/edit.aspx?&lt;ui=UI_LLCC&amp;&gt;"/>' +
  '</app></net-zone></wopi-discovery>';

jest.setTimeout(60_000);

let work: string;
let stage: string;
let consumer: string;
let tarball: string;
let tarballEntries: string[];
let installOutput: { stdout: string; stderr: string };

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
    throw new Error(
      `${cmd} ${args.join(' ')} failed in ${cwd}: ${e.message}\n--- stdout\n${e.stdout ?? ''}\n--- stderr\n${e.stderr ?? ''}`,
    );
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

  // The stage's package.json is back as it was (postpack undoes prepack's strip).
  expect(readFileSync(path.join(stage, 'package.json'), 'utf8')).toBe(readFileSync(path.join(REPO, 'package.json'), 'utf8'));
  expect(existsSync(path.join(stage, 'package.json.prepack'))).toBe(false);

  // 3. A fresh consumer project that installs the tarball and express 5.
  mkdirSync(consumer);
  writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'wopi-consumer', version: '1.0.0', private: true }, null, 2));
  installOutput = await run(
    NPM,
    ['install', tarball, 'express@5', '@types/express@5', '@types/node@20', '--no-audit', '--no-fund', '--prefer-offline'],
    consumer,
    120_000,
  );
}, 240_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/**
 * The body of a consumer of the two optional entry points: builds an action URL from discovery
 * (served by a stub fetch), renders the host page, and checks a proof signed here. `w`, `d`
 * and `p` prefix the main, discovery and proof-keys names (`''` for named imports).
 */
const subpathScript = (w: string, d: string, p: string): string => `
  const discovery = new ${d}WopiDiscovery({
    url: 'https://office.example.com',
    fetch: async () => ({ ok: true, status: 200, text: async () => ${JSON.stringify(DISCOVERY_XML)} }),
  });
  result.actionUrl = await discovery.actionUrl({ ext: 'report.docx', action: 'edit', wopiSrc: 'https://files.example.com/wopi/files/a', language: 'de-DE' });
  const page = ${d}renderHostPage({ actionUrl: result.actionUrl, accessToken: 'tok<en>', accessTokenTtl: 1 });
  result.pageHasEscapedToken = page.includes('value="tok&#60;en&#62;"') && !page.includes('tok<en>');
  result.pageCsp = ${d}hostPageContentSecurityPolicy(result.actionUrl);
  const missing = await discovery.resolveAction({ ext: 'x.pdf', action: 'edit', wopiSrc: 'https://files.example.com/wopi/files/a' }).catch((e) => e);
  result.notFoundIsWopiError = missing instanceof ${w}WopiError && missing instanceof ${d}DiscoveryActionNotFoundError;
  result.notFoundStatus = missing.status;

  const { generateKeyPairSync, sign } = await import('node:crypto');
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ticks = BigInt(Date.now()) * 10000n + 621355968000000000n;
  const url = 'https://files.example.com/wopi/files/a?access_token=t';
  const proof = sign('sha256', ${p}buildProofBytes({ accessToken: 't', url, timestamp: ticks }), privateKey).toString('base64');
  const headers = { timestamp: String(ticks), proof, proofOld: undefined };
  result.verdict = ${p}verifyProof({ accessToken: 't', url, headers }, { current: publicKey }, Date.now());
  result.forged = ${p}verifyProof({ accessToken: 'u', url, headers }, { current: publicKey }, Date.now());
  result.proofErrorIsWopiError = new ${p}ProofKeyError('bad-signature') instanceof ${w}WopiError;
  result.maxAge = ${p}PROOF_MAX_AGE_MS;
`;

/** What {@link subpathScript} must find, from CommonJS and from ESM alike. */
function expectSubpathResult(result: Record<string, unknown>): void {
  expect(result.actionUrl).toBe(
    'https://office.example.com/we/edit.aspx?ui=de-DE&WOPISrc=https%3A%2F%2Ffiles.example.com%2Fwopi%2Ffiles%2Fa',
  );
  expect(result.pageHasEscapedToken).toBe(true);
  expect(result.pageCsp).toContain('frame-src https://office.example.com');
  expect(result.notFoundIsWopiError).toBe(true);
  expect(result.notFoundStatus).toBe(404);
  expect(result.verdict).toEqual({ ok: true, match: 'proof-current' });
  expect(result.forged).toEqual({ ok: false, reason: 'bad-signature' });
  expect(result.proofErrorIsWopiError).toBe(true);
  expect(result.maxAge).toBe(20 * 60 * 1000);
}

/** Relative links of a Markdown file (`[text](target)`), without anchors and external URLs. */
function markdownLinks(text: string): string[] {
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!.split('#')[0]!).filter((t) => t !== '' && !/^[a-z][a-z+.-]*:/i.test(t));
}

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

  test('has no install-time script, so installing it prints no install-scripts warning', async () => {
    const { stdout } = await run('tar', ['-xOzf', tarball, 'package/package.json'], work);
    const scripts = (JSON.parse(stdout) as { scripts?: Record<string, string> }).scripts ?? {};
    for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) expect([hook, scripts[hook]]).toEqual([hook, undefined]);
    expect(`${installOutput.stdout}${installOutput.stderr}`).not.toMatch(/install-scripts|express-wopi@[^ ]* \(prepare/);
  });

  test('contains the build, the types, the ESM face, the CLI, LICENSE, README, CHANGELOG and package.json', () => {
    for (const f of [
      'package.json',
      'LICENSE',
      'README.md',
      'CHANGELOG.md',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/esm/index.mjs',
      'dist/cli/main.js',
      'dist/cli/serve.js',
      'dist/router.d.ts',
    ]) {
      expect(tarballEntries).toContain(f);
    }
  });

  test('package.json exports every entry point with CJS, ESM and types for each, and the tarball has every file they name', () => {
    expect(Object.keys(PKG.exports)).toEqual([...ENTRIES.map((e) => e.subpath), './package.json']);
    for (const { subpath, face, cjs } of ENTRIES) {
      expect(PKG.exports[subpath]).toEqual({
        import: { types: `./dist/esm/${face}.d.mts`, default: `./dist/esm/${face}.mjs` },
        require: { types: `./${cjs.replace(/\.js$/, '.d.ts')}`, default: `./${cjs}` },
      });
      for (const f of [cjs, cjs.replace(/\.js$/, '.d.ts'), `dist/esm/${face}.mjs`, `dist/esm/${face}.d.mts`]) {
        expect(tarballEntries).toContain(f);
      }
    }
  });

  test('ships docs/, and every link in README, docs/ and the .d.ts files resolves inside the package', () => {
    for (const f of readdirSync(path.join(REPO, 'docs'))) expect(tarballEntries).toContain(`docs/${f}`);
    const packed = new Set(tarballEntries);
    const exists = (rel: string): boolean =>
      packed.has(rel) || tarballEntries.some((p) => p.startsWith(rel.endsWith('/') ? rel : `${rel}/`));
    const unresolved: string[] = [];
    const check = (from: string, target: string, base: string): void => {
      const rel = path.posix.normalize(path.posix.join(base, target));
      if (exists(rel)) return;
      // The examples and the benchmark run from a clone of the repository, and the docs say so:
      // links to them must still name something that exists there.
      unresolved.push(`${from} -> ${target}`);
    };
    const unpacked = path.join(consumer, 'node_modules', 'express-wopi');
    for (const f of tarballEntries.filter((p) => p.endsWith('.md'))) {
      for (const target of markdownLinks(readFileSync(path.join(unpacked, f), 'utf8'))) check(f, target, path.posix.dirname(f));
    }
    // The JSDoc in the declarations points at the docs from the package root ("See docs/adapters.md").
    for (const f of tarballEntries.filter((p) => p.endsWith('.d.ts'))) {
      for (const m of readFileSync(path.join(unpacked, f), 'utf8').matchAll(/\bdocs\/[\w./-]*\w\.md\b/g)) check(f, m[0], '.');
    }
    expect(unresolved).toEqual([]);
  });

  test('contains no tests, node_modules, tsconfig or scripts', () => {
    const unwanted = tarballEntries.filter(
      (p) =>
        /^(test|node_modules|coverage|\.git|\.ci)\//.test(p) ||
        p.includes('/node_modules/') ||
        /^tsconfig.*\.json$/.test(p) ||
        p.endsWith('.test.ts') ||
        p.endsWith('.tgz'),
    );
    expect(unwanted).toEqual([]);
  });

  test('does not ship the file-ID records `npm start` leaves in samples/.express-wopi/', () => {
    expect(tarballEntries.filter((p) => p.includes('.express-wopi/'))).toEqual([]);
  });

  test('arethetypeswrong finds no problem in any entry point, under any module resolution', async () => {
    // Offline: the tarball has its own types, so no @types package is looked up.
    let stdout: string;
    try {
      ({ stdout } = await execFileAsync(process.execPath, [ATTW, tarball, '--format', 'json', '--no-definitely-typed'], {
        cwd: work,
        maxBuffer: 64 * 1024 * 1024,
      }));
    } catch (err) {
      stdout = (err as { stdout?: string }).stdout ?? ''; // exits 1 when it finds problems; the report is on stdout
      if (!stdout.startsWith('{')) throw err;
    }
    const report = JSON.parse(stdout) as {
      analysis: {
        types: { kind: string };
        problems: Array<{ kind: string; entrypoint?: string; resolutionKind?: string }>;
        entrypoints: Record<string, unknown>;
      };
    };
    expect(report.analysis.types.kind).toBe('included');
    expect(Object.keys(report.analysis.entrypoints)).toEqual([...ENTRIES.map((e) => e.subpath), './package.json']);
    expect(report.analysis.problems).toEqual([]);
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

  test('(a2) CommonJS: each subpath loads with exactly its public names; internals stay unreachable', async () => {
    const result = await runConsumer(
      'cjs-subpaths.cjs',
      `
      const w = require('express-wopi');
      const d = require('express-wopi/discovery');
      const p = require('express-wopi/proof-keys');
      const result = {};
      (async () => {
        ${subpathScript('w.', 'd.', 'p.')}
        const keys = (m) => Object.keys(m).filter((k) => k !== '__esModule').sort();
        result.keys = Object.fromEntries(${JSON.stringify(ENTRIES.map((e) => e.spec))}.map((s) => [s, keys(require(s))]));
        result.resolved = Object.fromEntries(${JSON.stringify(ENTRIES.map((e) => e.spec))}.map((s) => [s, require.resolve(s)]));
        result.deepImport = (() => { try { require('express-wopi/dist/host-page.js'); return 'loaded'; } catch (e) { return e.code; } })();
        process.stdout.write(JSON.stringify(result));
      })().catch((err) => { console.error(err); process.exit(1); });
      `,
    );
    expectSubpathResult(result);
    const keys = result.keys as Record<string, string[]>;
    expect(keys['express-wopi/discovery']).toEqual(DISCOVERY_VALUES);
    expect(keys['express-wopi/proof-keys']).toEqual(PROOF_KEYS_VALUES);
    expect(keys['express-wopi/testing']).toEqual(expect.arrayContaining(['describeWopiLockStore', 'describeWopiStorage']));
    // The main entry is what a host app mounts and implements; opening an editor and checking
    // proofs by hand moved to the subpaths.
    expect(keys['express-wopi']).toEqual(
      expect.arrayContaining([
        'createWopiRouter',
        'FileSystemStorage',
        'MemoryStorage',
        'MemoryLockStore',
        'RedisLockStore',
        'JwtAuth',
        'WopiError',
        'WopiConfigError',
        'fileNameKey',
        'checkFileName',
        'MAX_FILE_NAME_BYTES',
      ]),
    );
    expect(keys['express-wopi']!.filter((k) => DISCOVERY_VALUES.includes(k) || PROOF_KEYS_VALUES.includes(k))).toEqual([]);
    expect(keys['express-wopi']!.length).toBeLessThanOrEqual(40); // values only; types come on top
    for (const names of Object.values(keys)) expect(names.filter((k) => INTERNAL.includes(k))).toEqual([]);
    for (const { spec, cjs } of ENTRIES) {
      expect((result.resolved as Record<string, string>)[spec]).toBe(
        path.join(consumer, 'node_modules', 'express-wopi', ...cjs.split('/')),
      );
    }
    expect(result.deepImport).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
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

  test('(b2) ESM: named imports from each subpath open an editor page and check a proof', async () => {
    const result = await runConsumer(
      'esm-subpaths.mjs',
      `
      import { WopiError } from 'express-wopi';
      import { WopiDiscovery, renderHostPage, hostPageContentSecurityPolicy, DiscoveryActionNotFoundError } from 'express-wopi/discovery';
      import { buildProofBytes, verifyProof, ProofKeyError, PROOF_MAX_AGE_MS } from 'express-wopi/proof-keys';
      import { describeWopiStorage, describeWopiLockStore } from 'express-wopi/testing';
      const result = {};
      ${subpathScript('', '', '')}
      result.suites = [typeof describeWopiStorage, typeof describeWopiLockStore];
      result.resolved = ${JSON.stringify(ENTRIES.map((e) => e.spec))}.map((s) => import.meta.resolve(s));
      process.stdout.write(JSON.stringify(result));
      `,
    );
    expectSubpathResult(result);
    expect(result.suites).toEqual(['function', 'function']);
    expect(result.resolved).toEqual(
      ENTRIES.map((e) => expect.stringMatching(new RegExp(`/node_modules/express-wopi/dist/esm/${e.face}\\.mjs$`))),
    );
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
    expect(result.cjsKeys).toEqual(
      expect.arrayContaining([
        'createWopiRouter',
        'MemoryStorage',
        'FileSystemStorage',
        'JwtAuth',
        'MemoryLockStore',
        'WopiError',
        'FileNotFoundError',
        'WopiConfigError',
      ]),
    );
    expect(result.differing).toEqual([]);
    expect(result.esmErrorIsCjsInstance).toBe(true);
    expect(result.cjsErrorIsEsmInstance).toBe(true);
    expect(result.packageJsonVersion).toBe(VERSION);
  });

  test('(c2) so do the ESM and CJS faces of every subpath', async () => {
    const result = await runConsumer(
      'dual-subpaths.mjs',
      `
      import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      const out = {};
      for (const spec of ${JSON.stringify(ENTRIES.map((e) => e.spec))}) {
        const ns = await import(spec);
        const cjs = require(spec);
        const cjsKeys = Object.keys(cjs).filter((k) => k !== '__esModule').sort();
        const esmKeys = Object.keys(ns).filter((k) => k !== 'default').sort();
        out[spec] = { defaultIsCjs: ns.default === cjs, sameKeys: JSON.stringify(cjsKeys) === JSON.stringify(esmKeys), differing: cjsKeys.filter((k) => ns[k] !== cjs[k]) };
      }
      process.stdout.write(JSON.stringify(out));
      `,
    );
    for (const { spec } of ENTRIES)
      expect({ spec, ...(result[spec] as object) }).toEqual({ spec, defaultIsCjs: true, sameKeys: true, differing: [] });
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
        onPutFile: (event: WopiPutFileContext) => { const editors: string[] = event.save.editors; void editors; },
      };
      const router: express.Router = createWopiRouter(options);
      router.use((req: express.Request, res: express.Response, next: express.NextFunction) => { res.setHeader('X-App', '1'); next(); });
      const handler: express.RequestHandler = router;
      void handler;
      const app = express();
      app.use('/wopi', router);
      const issued: Promise<WopiIssuedToken> = auth.issueToken({ fileId: 'a', userId: 'u', permissions: { write: true } });
      const user: Promise<WopiUser> = auth.authenticate('t', 'a');
      const err: unknown = new FileNotFoundError();
      if (WopiError.is(err)) { const status: number = err.status; void status; }
      const maxSize: number = DEFAULT_MAX_FILE_SIZE;
      void issued; void user; void maxSize;
      // The declarations are real types, not \`any\`: each of these must be an error.
      // @ts-expect-error storage is required
      createWopiRouter({ auth });
      // @ts-expect-error maxFileSize is a number
      createWopiRouter({ ...options, maxFileSize: '1kb' });
      // @ts-expect-error permissions are required
      void auth.issueToken({ fileId: 'a', userId: 'u' });

      // express-wopi/discovery: the discovery client is a proof-key provider for the router.
      const discovery = new WopiDiscovery({ url: 'https://office.example.com', ttlMs: 60_000, fetch: async () => ({ ok: true, status: 200, text: async () => '<wopi-discovery/>' }) });
      const provider: ProofKeyProvider = discovery;
      const fixedKeys: StaticProofKeys = { current: { modulus: 'AQAB', exponent: 'AQAB' } };
      const withProofKeys: WopiRouterOptions[] = [{ ...options, proofKeys: discovery }, { ...options, proofKeys: fixedKeys }];
      const resolved: Promise<ResolvedAction> = discovery.resolveAction({ ext: 'docx', action: 'edit', wopiSrc: 'https://files.example.com/wopi/files/a' });
      const page: HostPageOptions = { actionUrl: 'https://office.example.com/we/edit.aspx', accessToken: 't', accessTokenTtl: 0, title: 'a.docx' };
      const html: string = renderHostPage(page);
      app.get('/files/:fileId/edit', hostPageHandler(async (req) => ({ ...page, title: String(req.params.fileId) })));
      void provider; void withProofKeys; void resolved; void html;
      // @ts-expect-error the host page needs a token
      renderHostPage({ actionUrl: 'https://office.example.com/we/edit.aspx', accessTokenTtl: 0 });
      // express-wopi/proof-keys
      declare const keySet: ProofKeySet;
      const verdict: ProofVerdict = verifyProof({ accessToken: 't', url: 'https://x', headers: { timestamp: undefined, proof: undefined, proofOld: undefined } }, keySet, Date.now());
      if (!verdict.ok) { const reason: ProofFailure = verdict.reason; void reason; }
      const signed: Buffer = buildProofBytes({ accessToken: 't', url: 'https://x', timestamp: 1n });
      const failures: unknown[] = [new ProofKeyError('bad-signature'), new DiscoveryError('down'), new DiscoveryActionNotFoundError()];
      if (failures.every((f) => WopiError.is(f))) void signed;
      // @ts-expect-error timestamps are bigint ticks
      buildProofBytes({ accessToken: 't', url: 'https://x', timestamp: 1 });
      // express-wopi/testing
      const suites: Array<(...args: never[]) => void> = [describeWopiStorage, describeWopiLockStore, describeWopiAuth];
      const suiteOptions: StorageSuiteOptions | undefined = undefined;
      const authFixture: AuthFixture = { auth, token: async (request) => (await auth.issueToken(request)).accessToken };
      const authOptions: AuthSuiteOptions = { capabilities: ['issueToken'], otherFileStatus: 404 };
      void suites; void suiteOptions; void authFixture; void authOptions;
    `;
    // Each entry point's own names, and none of the names that moved or are internal.
    const subpathImports = `
      import {
        WopiDiscovery, renderHostPage, hostPageHandler, DiscoveryError, DiscoveryActionNotFoundError,
        type ResolvedAction, type HostPageOptions,
      } from 'express-wopi/discovery';
      import {
        buildProofBytes, verifyProof, ProofKeyError,
        type ProofKeyProvider, type StaticProofKeys, type ProofKeySet, type ProofVerdict, type ProofFailure,
      } from 'express-wopi/proof-keys';
      import {
        describeWopiStorage, describeWopiLockStore, describeWopiAuth,
        type StorageSuiteOptions, type AuthFixture, type AuthSuiteOptions,
      } from 'express-wopi/testing';
      // @ts-expect-error moved to express-wopi/discovery
      import { WopiDiscovery as NotInMain } from 'express-wopi';
      // @ts-expect-error moved to express-wopi/proof-keys
      import { verifyProof as AlsoNotInMain } from 'express-wopi';
      // @ts-expect-error internal
      import { escapeHtml } from 'express-wopi/discovery';
      // @ts-expect-error internal
      import { extensionOf } from 'express-wopi/discovery';
      // @ts-expect-error internal
      import { unixMsToTicks, publicKeyToCspBlob } from 'express-wopi/proof-keys';
    `;
    writeFileSync(
      path.join(consumer, 'consumer.mts'),
      `import express from 'express';
      import { Readable } from 'node:stream';
      import wopi, {
        createWopiRouter, JwtAuth, MemoryLockStore, FileNotFoundError, WopiError, DEFAULT_MAX_FILE_SIZE,
        type WopiStorage, type WopiFileInfo, type WopiFileContent, type WopiWriteContext, type WopiRouterOptions,
        type WopiPutFileContext, type WopiIssuedToken, type WopiUser,
      } from 'express-wopi';
      import discoveryDefault from 'express-wopi/discovery';
      ${subpathImports}
      ${common}
      const viaDefault: typeof createWopiRouter = wopi.createWopiRouter;
      const discoveryViaDefault: typeof WopiDiscovery = discoveryDefault.WopiDiscovery;
      void viaDefault; void discoveryViaDefault;
      `,
    );
    writeFileSync(
      path.join(consumer, 'consumer.cts'),
      `import express = require('express');
      import { Readable } from 'node:stream';
      import {
        createWopiRouter, JwtAuth, MemoryLockStore, FileNotFoundError, WopiError, DEFAULT_MAX_FILE_SIZE,
        type WopiStorage, type WopiFileInfo, type WopiFileContent, type WopiWriteContext, type WopiRouterOptions,
        type WopiPutFileContext, type WopiIssuedToken, type WopiUser,
      } from 'express-wopi';
      ${subpathImports}
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
    // The types come from the installed package, not from the repository's src/: the ESM
    // declarations for consumer.mts, the CommonJS ones for consumer.cts.
    for (const { face, cjs } of ENTRIES) {
      expect(stdout).toContain(path.join(consumer, 'node_modules', 'express-wopi', 'dist', 'esm', `${face}.d.mts`));
      expect(stdout).toContain(path.join(consumer, 'node_modules', 'express-wopi', ...cjs.replace(/\.js$/, '.d.ts').split('/')));
    }
    expect(stdout).not.toContain(path.join(REPO, 'src'));
    await run(process.execPath, [TSC, '-p', 'tsconfig.json'], consumer); // throws with tsc's output on any error
  });

  test('(d2) without @types/express: proof-keys and testing type-check; the others ask for @types/express, nothing else', async () => {
    // @types/express is an optional peer dependency: the router's, its hooks' and the host page's
    // types are Express's (Router, Request, RequestHandler). A copy of the consumer without it:
    const untyped = path.join(work, 'consumer-untyped');
    const dropped = path.join(consumer, 'node_modules', '@types', 'express');
    cpSync(consumer, untyped, { recursive: true, filter: (src) => src !== dropped });
    expect(existsSync(path.join(untyped, 'node_modules', '@types', 'express'))).toBe(false);
    const tsconfig = (files: string[]): string =>
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
        files,
      });

    const body = `
      declare const keySet: ProofKeySet;
      const verdict: ProofVerdict = verifyProof({ accessToken: 't', url: 'https://x', headers: { timestamp: undefined, proof: undefined, proofOld: undefined } }, keySet, Date.now());
      const provider: ProofKeyProvider = { getProofKeys: async () => keySet };
      const err: Error = new ProofKeyError('no-keys');
      const suites: Array<(...args: never[]) => void> = [describeWopiStorage, describeWopiLockStore];
      void verdict; void provider; void err; void suites;
    `;
    const imports = `
      import { verifyProof, ProofKeyError, type ProofKeySet, type ProofVerdict, type ProofKeyProvider } from 'express-wopi/proof-keys';
      import { describeWopiStorage, describeWopiLockStore } from 'express-wopi/testing';
    `;
    writeFileSync(path.join(untyped, 'standalone.mts'), imports + body);
    writeFileSync(path.join(untyped, 'standalone.cts'), imports + body);
    writeFileSync(path.join(untyped, 'tsconfig.json'), tsconfig(['standalone.mts', 'standalone.cts']));
    await run(process.execPath, [TSC, '-p', 'tsconfig.json'], untyped);

    writeFileSync(
      path.join(untyped, 'app.mts'),
      `import { createWopiRouter, MemoryStorage, JwtAuth } from 'express-wopi';
      import { hostPageHandler } from 'express-wopi/discovery';
      const router = createWopiRouter({ storage: new MemoryStorage(), auth: new JwtAuth({ secret: 'x'.repeat(40) }) });
      void router; void hostPageHandler;
      `,
    );
    writeFileSync(path.join(untyped, 'tsconfig.app.json'), tsconfig(['app.mts']));
    const failed = await execFileAsync(process.execPath, [TSC, '-p', 'tsconfig.app.json'], { cwd: untyped }).then(
      () => undefined,
      (err: { stdout?: string }) => err.stdout ?? '',
    );
    expect(failed).toBeDefined();
    const errors = failed!.split('\n').filter((line) => /error TS\d+/.test(line));
    expect(errors.length).toBeGreaterThan(0);
    // Only "Could not find a declaration file for module 'express'" (README: install @types/express),
    // and only inside express-wopi's declarations: no other missing type package leaks out.
    for (const line of errors) {
      expect(line).toMatch(/^node_modules\/express-wopi\/dist\/.*error TS7016: Could not find a declaration file for module 'express'\./);
    }
  });

  test('(e) the express-wopi bin is installed and prints a working token', async () => {
    const bin = path.join(consumer, 'node_modules', '.bin', process.platform === 'win32' ? 'express-wopi.cmd' : 'express-wopi');
    expect(existsSync(bin)).toBe(true);
    // Run directly (shebang + executable bit), not through `node`.
    const { stdout } = await run(bin, ['token', '--secret', SECRET, '--file-id', 'a'], consumer);
    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const auth = new JwtAuth({ secret: SECRET });
    await expect(auth.authenticate(stdout.trim(), 'a')).resolves.toEqual({
      userId: 'user',
      permissions: { write: true },
      accessTokenTtl: expect.any(Number),
    });
    await expect(auth.authenticate(stdout.trim(), 'b')).rejects.toBeInstanceOf(InvalidTokenError);

    const help = await run(bin, ['--help'], consumer);
    expect(help.stdout).toContain('express-wopi serve <dir>');
    if (process.platform !== 'win32') {
      expect(statSync(path.join(consumer, 'node_modules', 'express-wopi', 'dist', 'cli', 'main.js')).mode & 0o111).not.toBe(0);
    }
  });
});
