/**
 * Uploads held open halfway, for the concurrency tests: a raw request that declares the whole
 * body with Content-Length, sends only the first part and waits; ways to know the server has
 * really started reading that body into storage; plain HTTP calls with a deadline; and a look at
 * what a save left on disk.
 */
import http from 'node:http';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform, pipeline, type Readable } from 'node:stream';
import type { WopiStorage } from '../../src';

/** How long any single step of a concurrency test may take before it fails instead of hanging. */
export const STEP_TIMEOUT_MS = 10_000;

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Rejects with a message naming `what` when `promise` has not settled within `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Polls `check` every `intervalMs` until it returns true; rejects naming `what` after `timeoutMs`. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = STEP_TIMEOUT_MS,
  intervalMs = 10,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** One complete HTTP request (fresh connection, no agent), answered within `timeoutMs`. */
export function httpRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer | string; timeoutMs?: number } = {},
): Promise<HttpResult> {
  const body = options.body === undefined ? Buffer.alloc(0) : Buffer.from(options.body);
  const method = options.method ?? 'GET';
  const what = `${method} ${redact(url)} (${options.headers?.['X-WOPI-Override'] ?? 'no override'})`;
  return within(
    new Promise<HttpResult>((resolve, reject) => {
      const req = http.request(
        url,
        { method, agent: false, headers: { ...options.headers, 'Content-Length': String(body.length) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    }),
    options.timeoutMs ?? STEP_TIMEOUT_MS,
    what,
  );
}

/** An upload whose body is held open after its first part. */
export interface HeldUpload {
  /** Bytes already sent (the part the server may have read). */
  readonly sentBytes: number;
  /** The response, if the server has already answered (it should not have, before `release`). */
  early(): HttpResult | Error | undefined;
  /** Resolves when the server answers (or the connection fails: then with the Error). */
  readonly settled: Promise<HttpResult | Error>;
  /** Sends the rest of the body, ends the request and waits (bounded) for the answer. */
  release(timeoutMs?: number): Promise<HttpResult>;
  /** Drops the connection (cleanup after a failed test). */
  destroy(): void;
}

/** Every held upload not yet released or destroyed, so a failed test can drop them. */
const open = new Set<HeldUpload>();

/** Destroys every held upload still open; call from afterEach. */
export function destroyHeldUploads(): void {
  for (const upload of open) upload.destroy();
  open.clear();
}

/**
 * Starts `POST url` with `Content-Length: body.length` and writes the first `holdAt` bytes
 * (default: half). Resolves once those bytes have been handed to the socket; the request then
 * stays open until `release()`.
 */
export async function holdUpload(
  url: string,
  headers: Record<string, string>,
  body: Buffer,
  holdAt = Math.floor(body.length / 2),
): Promise<HeldUpload> {
  if (holdAt <= 0 || holdAt >= body.length) throw new Error('holdUpload: holdAt must be inside the body');
  let answer: HttpResult | Error | undefined;
  let released = false;
  const req = http.request(url, { method: 'POST', agent: false, headers: { ...headers, 'Content-Length': String(body.length) } });
  const settled = new Promise<HttpResult | Error>((resolve) => {
    const done = (r: HttpResult | Error): void => {
      answer ??= r;
      resolve(answer);
    };
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', (err) => done(err));
    });
    req.on('error', (err) => done(err));
  });
  await within(
    new Promise<void>((resolve, reject) => {
      req.write(body.subarray(0, holdAt), (err) => (err ? reject(err) : resolve()));
    }),
    STEP_TIMEOUT_MS,
    'sending the first part of the held upload',
  );
  const upload: HeldUpload = {
    sentBytes: holdAt,
    early: () => answer,
    settled,
    release: async (timeoutMs = STEP_TIMEOUT_MS) => {
      if (!released && answer === undefined) {
        released = true;
        req.end(body.subarray(holdAt));
      }
      open.delete(upload);
      const result = await within(settled, timeoutMs, 'the held upload, after the rest of its body was sent');
      if (result instanceof Error) throw new Error(`the held upload failed without an HTTP answer: ${result.message}`);
      return result;
    },
    destroy: () => {
      open.delete(upload);
      if (!req.destroyed) req.destroy();
    },
  };
  open.add(upload);
  return upload;
}

/**
 * Waits until `started()` resolves, but fails at once, with a message saying so, when the server
 * answers the held upload before that: then the overlap the test wants never happened.
 */
export async function whileHeld(upload: HeldUpload, started: () => Promise<void>): Promise<void> {
  const answeredEarly = upload.settled.then((r) => {
    throw new Error(
      `the server answered the held upload before reading its body (${r instanceof Error ? r.message : `${r.status} ${r.body.toString('utf8')}`}), so nothing overlapped it`,
    );
  });
  answeredEarly.catch(() => undefined);
  await Promise.race([started(), answeredEarly]);
}

/**
 * Wraps a storage (every method kept, so the router sees the same capabilities) and counts the
 * bytes its writes (`writeFile`, `createRelativeFile`) have pulled from their bodies, so a test
 * can wait until the storage has really been reading an upload.
 */
export function observeWrites<S extends WopiStorage>(
  inner: S,
): { storage: S; writes(): number[]; waitForBytes(n: number, timeoutMs?: number): Promise<void> } {
  /** Bytes read so far by each write call, in call order. */
  const counts: number[] = [];
  const counted = (content: Readable): Readable => {
    const index = counts.push(0) - 1;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        counts[index] = (counts[index] ?? 0) + chunk.length;
        callback(null, chunk);
      },
    });
    // As the router does with its own byte counter: an error or abort on either side reaches the other.
    pipeline(content, counter, () => undefined);
    return counter;
  };
  const storage = new Proxy(inner, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      if (prop === 'writeFile' || prop === 'createRelativeFile') {
        return (fileId: string, content: Readable, ...rest: unknown[]) =>
          (value as (...args: unknown[]) => unknown).call(target, fileId, counted(content), ...rest);
      }
      return (value as (...args: unknown[]) => unknown).bind(target);
    },
  });
  return {
    storage,
    writes: () => [...counts],
    waitForBytes: (n, timeoutMs = STEP_TIMEOUT_MS) =>
      waitUntil(
        () => counts.some((c) => c >= n),
        `a storage write to read ${n} bytes of the held upload (writes so far read ${JSON.stringify(counts)})`,
        timeoutMs,
      ),
  };
}

/** Every `*.wopi-tmp` file under `dir` (dot-folders included) with its size. */
export async function temporaryFiles(dir: string): Promise<Array<{ path: string; size: number }>> {
  const names = (await readdir(dir, { recursive: true })).filter((n) => path.basename(n).endsWith('.wopi-tmp'));
  const found: Array<{ path: string; size: number }> = [];
  for (const name of names) {
    const st = await stat(path.join(dir, name)).catch(() => undefined);
    if (st?.isFile()) found.push({ path: name, size: st.size });
  }
  return found;
}

/**
 * Waits until FileSystemStorage has written at least `minBytes` of an upload into a temporary
 * file under `root` (works across processes: the folder is what they share).
 */
export function waitForTemporaryWrite(root: string, minBytes: number, timeoutMs = STEP_TIMEOUT_MS): Promise<void> {
  return waitUntil(
    async () => (await temporaryFiles(root)).some((t) => t.size >= minBytes),
    `a *.wopi-tmp file of ${minBytes} bytes or more under ${root}`,
    timeoutMs,
  );
}

/**
 * Every file under `dir`, recursively, dot-files included, as paths relative to `dir`, sorted;
 * the metadata folder (`metadataDir`) is skipped, except for temporary files left inside it
 * (`*.tmp`, `*.wopi-tmp`), which are reported too.
 */
export async function filesOnDisk(dir: string, metadataDir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const abs = path.join(entry.parentPath, entry.name);
    const inMetadata = abs === metadataDir || abs.startsWith(metadataDir + path.sep);
    if (inMetadata && !/\.(wopi-)?tmp$/.test(entry.name)) continue;
    out.push(path.relative(dir, abs).split(path.sep).join('/'));
  }
  return out.sort();
}

function redact(url: string): string {
  return url.replace(/access_token=[^&]*/, 'access_token=…');
}
