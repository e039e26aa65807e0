#!/usr/bin/env node
/**
 * The express-wopi command line:
 *
 *   express-wopi serve <dir> [--port N] [--host H] [--secret S] [--max-file-size BYTES] [--json] …
 *   express-wopi token --secret S --file-id ID [--user U] [--read-only] [--ttl SECONDS] [--json]
 *   express-wopi sweep <dir> [--older-than SECONDS] [--metadata-dir DIR] [--json]
 *   express-wopi locks list|release … --redis URL [--redis-prefix P]
 *   express-wopi simulate <WOPISrc> --token T --editor onlyoffice|collabora|microsoft [--json] …
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { serve, type RunningServer } from './serve';
import { LOCKS_USAGE, runLocksCommand } from './locks';
import { SIMULATE_USAGE, runSimulateCommand } from './simulate';
import { JwtAuth } from '../adapters/jwt-auth';
import { FileSystemStorage } from '../adapters/fs/storage';
import { WopiConfigError } from '../errors';

export const USAGE = `Usage:
  express-wopi --version                 print the version
  express-wopi serve <dir> [options]     serve a folder over WOPI and print a WOPISrc and token per file
      --port N              port to listen on (default 8080; 0 picks a free one)
      --host H              interface to bind (default 127.0.0.1)
      --secret S            JWT secret, at least 32 bytes (default: $WOPI_SECRET, else a random one per run)
      --max-file-size BYTES largest body PutFile and PutRelativeFile accept (default 104857600)
      --public-url URL      base URL editors use to reach this server (default http://HOST:PORT)
      --user ID             user ID in the printed tokens (default "user")
      --user-name NAME      display name in the printed tokens (default "Demo User")
      --read-only           print read-only tokens
      --no-create           print tokens that may not create files (Save As answers 501)
      --no-containers       serve files only: no folders (containers), no ecosystem
      --ttl SECONDS         lifetime of the printed tokens (default 36000)
      --redis URL           share locks through Redis (needs the "redis" package), e.g. redis://127.0.0.1:6379
      --redis-prefix P      key prefix in Redis (default "express-wopi:")
      --discovery URL       a WOPI client's discovery URL (or base URL): check proof keys against its
                            keys, and open that editor from the host pages
      --json                print JSON lines: one "listening" event, then one "file" event per file

  express-wopi token --file-id ID [options]   print an access token for one file
      --secret S            JWT secret (default: $WOPI_SECRET)
      --user ID             user ID (default "user")
      --user-name NAME      display name
      --read-only           no write permission
      --no-create           may not create files (PutRelativeFile answers 501)
      --ttl SECONDS         lifetime (default 36000)
      --json                print {"accessToken":…,"accessTokenTtl":…}

  express-wopi sweep <dir> [options]   remove the temporary files that saves interrupted by a
                                        crash left in <dir> (hidden, never served)
      --older-than SECONDS  only those last written longer ago than this (default 3600); keep it
                            above the servers' uploadIdleTimeoutMs
      --metadata-dir DIR    the storage's metadataDir, when not <dir>/.express-wopi
      --json                print {"saves":[…],"records":[…]}

${LOCKS_USAGE}
${SIMULATE_USAGE}`;

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

class UsageError extends Error {}

/**
 * Runs one CLI command. Resolves with an exit code for commands that finish, or with the running
 * server for `serve` (which keeps running until closed).
 */
export async function runCli(argv: string[], io: CliIo): Promise<number | RunningServer> {
  const [command, ...rest] = argv;
  try {
    if (command === 'serve') return await serveCommand(rest, io);
    if (command === 'token') return await tokenCommand(rest, io);
    if (command === 'sweep') return await sweepCommand(rest, io);
    if (command === 'locks') return await runLocksCommand(rest, io);
    if (command === 'simulate') return await runSimulateCommand(rest, io);
    if (command === undefined) {
      io.stderr.write(USAGE);
      return 2;
    }
    if (command === '--version' || command === '-v' || command === 'version') {
      io.stdout.write(`${packageVersion()}\n`);
      return 0;
    }
    if (command === 'help' || command === '--help' || command === '-h') {
      io.stdout.write(USAGE);
      return 0;
    }
    throw new UsageError(`unknown command "${command}"`);
  } catch (err) {
    if (err instanceof UsageError || err instanceof WopiConfigError || isParseArgsError(err)) {
      io.stderr.write(`express-wopi: ${(err as Error).message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
}

async function serveCommand(args: string[], io: CliIo): Promise<RunningServer> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      port: { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      secret: { type: 'string' },
      'max-file-size': { type: 'string' },
      'public-url': { type: 'string' },
      user: { type: 'string', default: 'user' },
      'user-name': { type: 'string', default: 'Demo User' },
      'read-only': { type: 'boolean', default: false },
      'no-create': { type: 'boolean', default: false },
      'no-containers': { type: 'boolean', default: false },
      ttl: { type: 'string' },
      redis: { type: 'string' },
      'redis-prefix': { type: 'string' },
      discovery: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 1) throw new UsageError('serve takes exactly one folder');
  if (values['redis-prefix'] !== undefined && values.redis === undefined) throw new UsageError('--redis-prefix needs --redis');
  const maxFileSize = values['max-file-size'] === undefined ? undefined : integerOption('--max-file-size', values['max-file-size'], 0);
  const ttlSeconds = values.ttl === undefined ? undefined : integerOption('--ttl', values.ttl, 1);
  const running = await serve({
    dir: positionals[0] as string,
    port: integerOption('--port', values.port, 0),
    host: values.host,
    secret: values.secret ?? io.env.WOPI_SECRET ?? randomBytes(32).toString('base64url'),
    userId: values.user,
    userFriendlyName: values['user-name'],
    readOnly: values['read-only'],
    noCreate: values['no-create'],
    noContainers: values['no-containers'],
    ...(values.redis === undefined ? {} : { redisUrl: values.redis }),
    ...(values['redis-prefix'] === undefined ? {} : { redisPrefix: values['redis-prefix'] }),
    ...(maxFileSize === undefined ? {} : { maxFileSize }),
    ...(ttlSeconds === undefined ? {} : { ttlSeconds }),
    ...(values['public-url'] === undefined ? {} : { publicUrl: values['public-url'] }),
    ...(values.discovery === undefined ? {} : { discoveryUrl: values.discovery }),
  });
  if (running.discovery?.error !== undefined) {
    io.stderr.write(
      `express-wopi: warning: ${running.discovery.error}. Proof keys cannot be checked until it can be fetched: WOPI requests get 500 until then.\n`,
    );
  }
  if (values.json) {
    const discovery = running.discovery === undefined ? {} : { discovery: running.discovery.client.url };
    io.stdout.write(`${JSON.stringify({ event: 'listening', url: running.url, ...discovery })}\n`);
    for (const f of running.files) {
      io.stdout.write(
        `${JSON.stringify({ event: 'file', name: f.name, fileId: f.fileId, wopiSrc: f.wopiSrc, accessToken: f.accessToken, accessTokenTtl: f.accessTokenTtl })}\n`,
      );
    }
  } else {
    io.stdout.write(`express-wopi ${packageVersion()}: serving ${positionals[0]} at ${running.url}\n`);
    if (running.discovery !== undefined) io.stdout.write(`checking proof keys from ${running.discovery.client.url}\n`);
    if (running.folderUrl !== undefined) io.stdout.write(`folder page: ${running.folderUrl}\n`);
    if (running.files.length === 0) io.stdout.write('(the folder has no files)\n');
    for (const f of running.files) {
      io.stdout.write(
        `\n${f.name}\n  host pages:       ${f.viewUrl}  ${f.editUrl}\n  WOPISrc:          ${f.wopiSrc}\n  access_token:     ${f.accessToken}\n  access_token_ttl: ${f.accessTokenTtl}\n`,
      );
    }
    if (values['public-url'] === undefined && isLoopback(values.host)) {
      io.stdout.write(
        `\nAn editor in a container or on another machine cannot reach ${values.host}: start with\n` +
          "  --host 0.0.0.0 --public-url http://<this machine's LAN IP>:<port>\n" +
          'and allow that URL in the editor (docs/editors.md).\n',
      );
    }
    io.stdout.write('\nPress Ctrl-C to stop.\n');
  }
  return running;
}

async function sweepCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      'older-than': { type: 'string', default: '3600' },
      'metadata-dir': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 1) throw new UsageError('sweep takes exactly one folder');
  const dir = positionals[0] as string;
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`${dir} is not a folder`);
  const olderThanMs = integerOption('--older-than', values['older-than'], 0) * 1000;
  const storage = new FileSystemStorage({
    root: dir,
    ...(values['metadata-dir'] === undefined ? {} : { metadataDir: values['metadata-dir'] }),
  });
  const swept = await storage.sweepTemporaryFiles({ olderThanMs });
  if (values.json) {
    io.stdout.write(`${JSON.stringify(swept)}\n`);
  } else {
    const lines = [...swept.saves, ...swept.records.map((r) => `(metadata) ${r}`)];
    io.stdout.write(
      lines.length === 0 ? 'no left-over temporary files\n' : `removed ${lines.length}:\n${lines.map((l) => `  ${l}\n`).join('')}`,
    );
  }
  return 0;
}

async function tokenCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    options: {
      secret: { type: 'string' },
      'file-id': { type: 'string' },
      user: { type: 'string', default: 'user' },
      'user-name': { type: 'string' },
      'read-only': { type: 'boolean', default: false },
      'no-create': { type: 'boolean', default: false },
      ttl: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals.length > 0) throw new UsageError('token takes no positional arguments');
  const secret = values.secret ?? io.env.WOPI_SECRET;
  if (secret === undefined) throw new UsageError('token needs --secret (or $WOPI_SECRET)');
  const fileId = values['file-id'];
  if (fileId === undefined || fileId === '') throw new UsageError('token needs --file-id');
  const auth = new JwtAuth({ secret });
  const issued = await auth.issueToken({
    fileId,
    userId: values.user,
    permissions: { write: !values['read-only'], ...(values['no-create'] ? { create: false } : {}) },
    ...(values['user-name'] === undefined ? {} : { userFriendlyName: values['user-name'] }),
    ...(values.ttl === undefined ? {} : { ttlSeconds: integerOption('--ttl', values.ttl, 1) }),
  });
  io.stdout.write(values.json ? `${JSON.stringify(issued)}\n` : `${issued.accessToken}\n`);
  return 0;
}

function integerOption(name: string, raw: string, min: number): number {
  if (!/^\d+$/.test(raw)) throw new UsageError(`${name} must be a whole number`);
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`${name} must be at least ${min}`);
  return n;
}

/** This package's version, from its package.json (two folders up from dist/cli and src/cli). */
function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version?: unknown };
  return typeof manifest.version === 'string' ? manifest.version : 'unknown';
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

function isParseArgsError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

if (require.main === module) {
  const io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env };
  runCli(process.argv.slice(2), io).then(
    (outcome) => {
      if (typeof outcome === 'number') {
        process.exitCode = outcome;
        return;
      }
      const stop = (): void => {
        void outcome.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      // Started by an npm script (`npm start`): npm stops the script's shell, and a shell such as
      // dash does not pass the signal on, which would leave this server running on its own. So
      // stop when the process that started this one goes away.
      if (process.env.npm_lifecycle_event !== undefined) {
        const parent = process.ppid;
        setInterval(() => {
          if (process.ppid !== parent) stop();
        }, 500).unref();
      }
    },
    (err: unknown) => {
      process.stderr.write(`express-wopi: ${(err as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
