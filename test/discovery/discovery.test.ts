/**
 * WopiDiscovery against a real HTTP server on loopback (a fake WOPI client serving the fixtures):
 * fetching, the TTL and background refresh, an editor that goes down, one that was never up,
 * action URLs, and the proof-key refresh throttle.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WopiConfigError, type WopiConfigErrorCode } from '../../src';
import { DiscoveryActionNotFoundError, DiscoveryError, WopiDiscovery, type WopiDiscoveryOptions } from '../../src/discovery';
import { fixture, proofKeyElement, startFakeWopiClient, withProofKey, type FakeWopiClient } from '../helpers/fake-wopi-client';
import { testKeyPair } from '../helpers/proof-signer';

let client: FakeWopiClient;

beforeEach(async () => {
  client = await startFakeWopiClient(fixture('onlyoffice'));
});

afterEach(async () => {
  await client.close();
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `condition` holds (polling), failing after `ms` (a second). */
async function until(condition: () => boolean, ms = 1000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await sleep(5);
  }
}

function discovery(options: Partial<WopiDiscoveryOptions> = {}): WopiDiscovery {
  return new WopiDiscovery({ url: client.discoveryUrl, ...options });
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('fetching and caching', () => {
  it('fetches on first use, then answers from the cache', async () => {
    const d = discovery();
    expect(client.hits).toBe(0); // nothing fetched at construction
    const doc = await d.get();
    expect(doc.actions.length).toBe(35);
    await d.get();
    await d.findAction({ ext: 'docx', action: 'edit' });
    expect(client.hits).toBe(1);
    expect(d.status().fetchedAt).toBeInstanceOf(Date);
    expect(d.status().lastError).toBeUndefined();
  });

  it('concurrent first uses share one request', async () => {
    const d = discovery();
    const docs = await Promise.all([
      d.get(),
      d.get(),
      d.getProofKeys(),
      d.actionUrl({ ext: 'docx', action: 'view', wopiSrc: 'https://h/wopi/files/1' }),
    ]);
    expect(docs[0]).toBe(docs[1]);
    expect(client.hits).toBe(1);
  });

  it('a bare origin gets /hosting/discovery', async () => {
    const d = new WopiDiscovery({ url: client.origin });
    expect(d.url).toBe(client.discoveryUrl);
    await d.get();
    expect(client.hits).toBe(1);
    expect(new WopiDiscovery({ url: `${client.origin}/` }).url).toBe(client.discoveryUrl);
    expect(new WopiDiscovery({ url: `${client.origin}/office/hosting/discovery` }).url).toBe(`${client.origin}/office/hosting/discovery`);
  });

  it('after the TTL, a use answers at once from the stale copy and refreshes in the background', async () => {
    const d = discovery({ ttlMs: 50 });
    const first = await d.get();
    const firstFetchedAt = d.status().fetchedAt!.getTime();
    client.respond = fixture('collabora');
    await sleep(70);
    const refreshed = client.nextHit();
    const stale = await d.get();
    expect(stale).toBe(first); // not waiting for the network
    await refreshed;
    await until(() => d.status().fetchedAt!.getTime() !== firstFetchedAt);
    const fresh = await d.get();
    expect(fresh).not.toBe(first);
    expect(fresh.actions[0]?.app).toBe('writer');
    expect(client.hits).toBe(2);
  });

  it('within the TTL nothing is refetched', async () => {
    const d = discovery({ ttlMs: 60_000 });
    await d.get();
    await sleep(20);
    await d.get();
    expect(client.hits).toBe(1);
  });

  it('refresh() fetches now', async () => {
    const d = discovery();
    await d.get();
    client.respond = fixture('microsoft');
    const doc = await d.refresh();
    expect(doc.actions[0]?.app).toBe('Word');
    expect(doc.actions[0]?.netZone).toBe('internal-https');
    expect(client.hits).toBe(2);
  });
});

describe('when the editor is down', () => {
  it.each<[string, string | number | 'hang']>([
    ['it answers 503', 503],
    ['it answers something that is not discovery', '<html>maintenance</html>'],
    ['it does not answer in time', 'hang'],
  ])('the last good copy is kept when %s', async (_label, respond) => {
    const d = discovery({ ttlMs: 20, timeoutMs: 200 });
    const good = await d.get();
    client.respond = respond;
    await sleep(30);
    // A stale use still answers from the good copy; the failed background refresh changes nothing.
    expect(await d.get()).toBe(good);
    const err = await rejection(d.refresh());
    expect(err).toBeInstanceOf(DiscoveryError);
    expect(await d.get()).toBe(good);
    expect(await d.actionUrl({ ext: 'docx', action: 'edit', wopiSrc: 'https://h/wopi/files/1' })).toContain('onlyoffice.example');
    expect(d.status().lastError).toBeInstanceOf(DiscoveryError);
  });

  it('comes back: the next refresh after retryAfterMs replaces the copy', async () => {
    const d = discovery({ ttlMs: 10, retryAfterMs: 50 });
    const good = await d.get();
    client.respond = 500;
    await sleep(20);
    await rejection(d.refresh());
    const hitsAfterFailure = client.hits;
    await d.get(); // stale, but within retryAfterMs of the failure: no new request
    expect(client.hits).toBe(hitsAfterFailure);
    client.respond = fixture('collabora');
    await sleep(60);
    await d.get(); // stale and past retryAfterMs: background refresh
    await until(() => d.status().lastError === undefined);
    expect(await d.get()).not.toBe(good);
    expect((await d.get()).actions[0]?.app).toBe('writer');
  });

  it('never fetched: a clear error naming the URL and the cause, without hammering the editor', async () => {
    client.respond = 502;
    const d = discovery({ retryAfterMs: 60_000 });
    const err = await rejection(d.get());
    expect(err).toBeInstanceOf(DiscoveryError);
    expect(err.message).toBe(`WOPI discovery ${client.discoveryUrl} could not be fetched: HTTP 502`);
    expect((err as DiscoveryError).status).toBe(500);
    // Within retryAfterMs the same failure is reported again without a new request.
    const again = await rejection(d.actionUrl({ ext: 'docx', action: 'edit', wopiSrc: 'https://h/wopi/files/1' }));
    expect(again).toBe(err);
    expect(client.hits).toBe(1);
    // refresh() always tries.
    client.respond = fixture('onlyoffice');
    await d.refresh();
    expect((await d.get()).actions.length).toBe(35);
  });

  it('never fetched, editor unreachable: the cause is in the message', async () => {
    await client.close();
    const d = discovery({ retryAfterMs: 0 });
    const err = await rejection(d.get());
    expect(err).toBeInstanceOf(DiscoveryError);
    expect(err.message).toContain(client.discoveryUrl);
    expect(err.message).toMatch(/could not be fetched: .*ECONNREFUSED/);
    client = await startFakeWopiClient(fixture('onlyoffice')); // for afterEach
  });

  it('never fetched, timeout: says so', async () => {
    client.respond = 'hang';
    const err = await rejection(discovery({ timeoutMs: 100 }).get());
    expect(err.message).toMatch(/timed out after 100 ms/);
  });
});

describe('action URLs', () => {
  const wopiSrc = 'https://files.example.com/wopi/files/F1';
  const enc = encodeURIComponent(wopiSrc);

  it('ONLYOFFICE: language from the client, WOPI_SOURCE filled', async () => {
    const d = discovery({ language: 'de-DE' });
    const url = await d.actionUrl({ ext: 'report.docx', action: 'edit', wopiSrc });
    expect(url).toBe(`https://onlyoffice.example/hosting/wopi/word/edit?rs=de-DE&ui=de-DE&wopisrc=${enc}`);
  });

  it('per-call language, data language and placeholders', async () => {
    const d = discovery({ language: 'de-DE' });
    const url = await d.actionUrl({
      ext: 'xlsx',
      action: 'view',
      wopiSrc,
      language: 'fr-FR',
      dataLanguage: 'en-GB',
      placeholders: { DISABLE_CHAT: true, THEME_ID: 2 },
    });
    expect(url).toBe(`https://onlyoffice.example/hosting/wopi/cell/view?rs=en-GB&dchat=1&thm=2&ui=fr-FR&wopisrc=${enc}`);
  });

  it('Collabora: WOPISrc appended, extra query', async () => {
    client.respond = fixture('collabora');
    const { url, action } = await discovery().resolveAction({ ext: 'odt', action: 'edit', wopiSrc, query: { lang: 'de' } });
    expect(url).toBe(`https://collabora.example:9980/browser/5f2e8a1/cool.html?WOPISrc=${enc}&lang=de`);
    expect(action.favIconUrl).toBe('https://collabora.example:9980/browser/5f2e8a1/images/x-office-document.svg');
  });

  it('Microsoft: net zone from the client, per call overrides it', async () => {
    client.respond = fixture('microsoft');
    const d = discovery({ netZone: 'external-https', language: 'en-US' });
    expect(await d.actionUrl({ ext: 'docx', action: 'edit', wopiSrc })).toBe(
      `https://word-edit.officeapps.example/we/wordeditorframe.aspx?ui=en-US&rs=en-US&WOPISrc=${enc}`,
    );
    expect(await d.actionUrl({ ext: 'docx', action: 'edit', wopiSrc, netZone: 'internal-https' })).toMatch(/^https:\/\/word-internal\./);
    expect((await d.actionsFor('x.docx')).every((a) => a.netZone === 'external-https')).toBe(true);
  });

  it('no such action: DiscoveryActionNotFoundError (404)', async () => {
    const d = discovery();
    const err = await rejection(d.actionUrl({ ext: 'pdf', action: 'edit', wopiSrc }));
    expect(err).toBeInstanceOf(DiscoveryActionNotFoundError);
    expect((err as DiscoveryActionNotFoundError).status).toBe(404);
    expect(await d.findAction({ ext: 'pdf', action: 'edit' })).toBeUndefined();
  });
});

describe('proof keys', () => {
  const a = testKeyPair();
  const b = testKeyPair();

  it('reads current and old keys', async () => {
    client.respond = withProofKey(fixture('onlyoffice'), proofKeyElement(a.publicKey, b.publicKey));
    const keys = await discovery().getProofKeys();
    expect(keys?.current.equals(a.publicKey)).toBe(true);
    expect(keys?.old?.equals(b.publicKey)).toBe(true);
  });

  it('no <proof-key>: undefined', async () => {
    client.respond = withProofKey(fixture('collabora'), undefined);
    expect(await discovery().getProofKeys()).toBeUndefined();
  });

  it('refreshProofKeys refetches, at most once per interval', async () => {
    client.respond = withProofKey(fixture('onlyoffice'), proofKeyElement(a.publicKey));
    const d = discovery({ proofKeyRefreshIntervalMs: 60_000 });
    await d.getProofKeys();
    client.respond = withProofKey(fixture('onlyoffice'), proofKeyElement(b.publicKey, a.publicKey));
    const rotated = await d.refreshProofKeys();
    expect(rotated?.current.equals(b.publicKey)).toBe(true);
    expect(client.hits).toBe(2);
    await d.refreshProofKeys();
    await d.refreshProofKeys();
    expect(client.hits).toBe(2);
  });

  it('a failed refreshProofKeys keeps the cached keys', async () => {
    client.respond = withProofKey(fixture('onlyoffice'), proofKeyElement(a.publicKey));
    const d = discovery({ proofKeyRefreshIntervalMs: 0 });
    await d.getProofKeys();
    client.respond = 500;
    const keys = await d.refreshProofKeys();
    expect(keys?.current.equals(a.publicKey)).toBe(true);
    expect(client.hits).toBe(2);
  });
});

describe('options', () => {
  it.each<[string, unknown, WopiConfigErrorCode, string]>([
    ['no options', undefined, 'WOPI_OPTION_TYPE', 'WopiDiscovery: options must be an object with `url`, got undefined'],
    ['url missing', {}, 'WOPI_OPTION_MISSING', 'WopiDiscovery: `url` is required (an http(s) URL)'],
    ['url not a string', { url: new URL('http://e/') }, 'WOPI_OPTION_TYPE', 'WopiDiscovery: `url` must be an http(s) URL, got an object'],
    ['url not http(s)', { url: 'ftp://editor.example/' }, 'WOPI_OPTION_VALUE', 'WopiDiscovery: `url` must be an http(s) URL'],
    ['url not a URL', { url: 'editor' }, 'WOPI_OPTION_VALUE', 'WopiDiscovery: `url` must be an http(s) URL'],
    [
      'ttlMs zero',
      { url: 'http://e/', ttlMs: 0 },
      'WOPI_OPTION_VALUE',
      'WopiDiscovery: `ttlMs` must be a positive integer (milliseconds), got 0',
    ],
    [
      'ttlMs fractional',
      { url: 'http://e/', ttlMs: 1.5 },
      'WOPI_OPTION_VALUE',
      'WopiDiscovery: `ttlMs` must be a positive integer (milliseconds), got 1.5',
    ],
    [
      'timeoutMs negative',
      { url: 'http://e/', timeoutMs: -1 },
      'WOPI_OPTION_VALUE',
      'WopiDiscovery: `timeoutMs` must be a positive integer (milliseconds), got -1',
    ],
    [
      'retryAfterMs NaN',
      { url: 'http://e/', retryAfterMs: Number.NaN },
      'WOPI_OPTION_VALUE',
      'WopiDiscovery: `retryAfterMs` must be a non-negative integer (milliseconds), got NaN',
    ],
    [
      "proofKeyRefreshIntervalMs '60000'",
      { url: 'http://e/', proofKeyRefreshIntervalMs: '60000' },
      'WOPI_OPTION_TYPE',
      'WopiDiscovery: `proofKeyRefreshIntervalMs` must be a non-negative integer (milliseconds), got a string',
    ],
    [
      'language empty',
      { url: 'http://e/', language: '' },
      'WOPI_OPTION_VALUE',
      'WopiDiscovery: `language` must be a non-empty string, got an empty string',
    ],
    [
      'netZone not a string',
      { url: 'http://e/', netZone: 1 },
      'WOPI_OPTION_TYPE',
      'WopiDiscovery: `netZone` must be a non-empty string, got 1',
    ],
    [
      'fetch not a function',
      { url: 'http://e/', fetch: 'fetch' },
      'WOPI_OPTION_TYPE',
      'WopiDiscovery: `fetch` must be a function, got a string',
    ],
  ])('%s → WopiConfigError %s', (_label, options, code, message) => {
    let thrown: unknown;
    try {
      new WopiDiscovery(options as WopiDiscoveryOptions);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(WopiConfigError);
    expect((thrown as WopiConfigError).code).toBe(code);
    expect((thrown as WopiConfigError).message).toContain(message);
  });

  it('accepts 0 for retryAfterMs and proofKeyRefreshIntervalMs', () => {
    expect(() => new WopiDiscovery({ url: 'http://e/', retryAfterMs: 0, proofKeyRefreshIntervalMs: 0 })).not.toThrow();
  });

  it('a custom fetch is used, with a timeout signal', async () => {
    const calls: string[] = [];
    const d = new WopiDiscovery({
      url: 'https://office.example.com',
      fetch: async (url, init) => {
        calls.push(url);
        expect(init.signal).toBeInstanceOf(AbortSignal);
        return { ok: true, status: 200, text: async () => fixture('collabora') };
      },
    });
    await d.get();
    expect(calls).toEqual(['https://office.example.com/hosting/discovery']);
  });
});

describe('a document larger than 16 MiB', () => {
  const LIMIT = 16 * 1024 * 1024;

  /** A server whose discovery body never ends (or declares `declared` bytes); counts what it sent. */
  async function endlessEditor(declared?: number) {
    const state = { sent: 0, closed: false };
    const chunk = Buffer.alloc(256 * 1024, 'x');
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/xml', ...(declared === undefined ? {} : { 'Content-Length': String(declared) }) });
      res.on('close', () => {
        state.closed = true;
      });
      const more = (): void => {
        while (!res.destroyed && state.sent < 8 * LIMIT) {
          state.sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', more);
        }
      };
      more();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hosting/discovery`;
    return { state, url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  }

  it.each([
    ['streamed without end: refused once past the limit', undefined],
    ['declared by Content-Length: refused before its body is read', LIMIT + 1],
  ])('%s, the connection dropped, not read to the end', async (_label, declared) => {
    const editor = await endlessEditor(declared);
    try {
      const err = await rejection(new WopiDiscovery({ url: editor.url, timeoutMs: 10_000 }).get());
      expect(err).toBeInstanceOf(DiscoveryError);
      expect(err.message).toBe(`WOPI discovery ${editor.url} could not be fetched: document larger than ${LIMIT} bytes`);
      await until(() => editor.state.closed, 5000);
      // Stopped near the limit (plus what the sockets buffer), far from the 128 MiB on offer.
      expect(editor.state.sent).toBeLessThan(3 * LIMIT);
    } finally {
      await editor.close();
    }
  });

  it('from a custom fetch with text() only: refused after reading', async () => {
    const d = new WopiDiscovery({
      url: 'https://office.example.com',
      fetch: async () => ({ ok: true, status: 200, text: async () => `${fixture('collabora')}${' '.repeat(LIMIT)}` }),
    });
    expect((await rejection(d.get())).message).toMatch(/document larger than 16777216 bytes$/);
  });

  it('a byte-order mark and multi-byte characters are decoded as text() decodes them', async () => {
    const xml = fixture('collabora').replace('<!-- Written', '<!-- Größe ✓ --><!-- Written');
    expect(xml).toContain('Größe');
    const editor = http.createServer((_req, res) => res.end(`\uFEFF${xml}`));
    await new Promise<void>((resolve) => editor.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(editor.address() as AddressInfo).port}/hosting/discovery`;
      expect((await new WopiDiscovery({ url }).get()).actions[0]?.app).toBe('writer');
    } finally {
      await new Promise<void>((resolve) => editor.close(() => resolve()));
    }
  });
});
