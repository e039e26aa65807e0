/**
 * `WopiDiscovery`: fetches a WOPI client's discovery document, caches it, and answers from it:
 * action URLs for the host page, and the proof keys for `createWopiRouter({ proofKeys })`.
 */
import { DiscoveryActionNotFoundError, DiscoveryError } from '../errors';
import { log } from '../log';
import { resolveActionUrl, PLACEHOLDER, type PlaceholderValue } from '../protocol/action-url';
import type { ProofKeySet } from '../protocol/proof-keys';
import { OptionChecks } from '../util/validate';
import {
  actionsFor,
  findAction,
  parseDiscoveryXml,
  proofKeysFromAttributes,
  type ActionQuery,
  type DiscoveryAction,
  type DiscoveryDocument,
} from './document';

const discoveryLog = log('discovery');

/**
 * The subset of `fetch` the client uses; pass your own to add a proxy, TLS settings or headers.
 * A response with `body` (a web `ReadableStream`, as `fetch` gives) is read with a size limit and
 * abandoned past it; one with `text()` only is read whole, then checked.
 */
export type DiscoveryFetch = (url: string, init: { signal: AbortSignal; headers: Record<string, string> }) => Promise<DiscoveryResponse>;

/** What {@link DiscoveryFetch} resolves with: the parts of a `fetch` Response the client reads. */
export interface DiscoveryResponse {
  ok: boolean;
  status: number;
  text(): Promise<string>;
  /** The response headers; `Content-Length` above the limit refuses the document unread. */
  headers?: { get(name: string): string | null };
  /** The body as a stream, read chunk by chunk up to the limit. */
  body?: ReadableStream<Uint8Array> | null;
}

export interface WopiDiscoveryOptions {
  /**
   * The discovery URL, e.g. `https://office.example.com/hosting/discovery`. A bare origin
   * (`https://office.example.com` or with a trailing `/`) gets `/hosting/discovery` added, so the
   * editor's base URL works too. Required; `http:` or `https:`.
   */
  url: string;
  /**
   * How long a fetched document counts as fresh, in milliseconds. After that the next use still
   * answers at once from the cached copy and fetches a new one in the background. Default
   * 43200000 (12 hours; Microsoft suggests refreshing every 12 to 24 hours).
   */
  ttlMs?: number;
  /**
   * After a failed fetch, how long to wait before trying again, in milliseconds. Until then the
   * last good copy is used, or, when there has never been one, the failure is reported again
   * without a new request. Default 30000.
   */
  retryAfterMs?: number;
  /** Give up on one fetch after this many milliseconds. Default 10000. */
  timeoutMs?: number;
  /**
   * Least time between two refreshes asked for by proof-key validation (a signature that fails,
   * or one that verifies only with the editor's previous key), in milliseconds. Keeps requests
   * with forged proofs from making this host hammer the editor. Default 60000.
   */
  proofKeyRefreshIntervalMs?: number;
  /** Only use actions of this `<net-zone>` (e.g. `external-https`). Default: the first that matches. */
  netZone?: string;
  /** Default UI and data language for action URLs (`UI_LLCC`, `DC_LLCC`), e.g. `en-US`. */
  language?: string;
  /** The fetch function. Default: the global `fetch`. */
  fetch?: DiscoveryFetch;
}

/** What {@link WopiDiscovery.resolveAction} needs to build an action URL. */
export interface ActionUrlOptions {
  /** The file's extension (`docx`, `.docx`) or name (`Report.docx`). */
  ext: string;
  /** The action: `view`, `edit`, `editnew`, `embedview`, `convert`, … */
  action: string;
  /** The file's WOPISrc, e.g. `https://files.example.com/wopi/files/abc` (not encoded). */
  wopiSrc: string;
  /** UI language (`UI_LLCC`); default: the client's `language`. */
  language?: string;
  /** Data language (`DC_LLCC`); default: `language`. */
  dataLanguage?: string;
  /**
   * Values for other placeholders, by the name discovery uses (`DISABLE_CHAT`, `BUSINESS_USER`,
   * `THEME_ID`, `SESSION_CONTEXT`, …). `true` is written as WOPI defines it (`1` or `true`).
   * Placeholders without a value are removed.
   */
  placeholders?: Readonly<Record<string, PlaceholderValue>>;
  /** Extra query parameters (not encoded), e.g. `{ lang: 'de' }` for Collabora. */
  query?: Readonly<Record<string, string>>;
  /** Only this net zone; default: the client's `netZone`, else the first that has the action. */
  netZone?: string;
}

/** An action URL and the discovery action it came from (for its `favIconUrl`, `requires` …). */
export interface ResolvedAction {
  url: string;
  action: DiscoveryAction;
}

/** What the client currently holds. */
export interface DiscoveryStatus {
  /** When the cached document was fetched; `undefined` before the first success. */
  fetchedAt: Date | undefined;
  /** The last fetch failure since the last success, if any. */
  lastError: DiscoveryError | undefined;
}

interface Entry {
  document: DiscoveryDocument;
  keys: ProofKeySet | undefined;
  fetchedAt: number;
}

export const DEFAULT_DISCOVERY_TTL_MS = 12 * 60 * 60 * 1000;
const DEFAULT_RETRY_AFTER_MS = 30_000;
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_PROOF_REFRESH_INTERVAL_MS = 60_000;
/** Largest discovery document accepted (Microsoft's is a few hundred kilobytes). */
const MAX_DISCOVERY_BYTES = 16 * 1024 * 1024;

/**
 * A WOPI client's discovery document (`<editor>/hosting/discovery`), fetched on first use and
 * cached. Stale copies are served at once while a fresh one is fetched in the background; when
 * the editor is down, the last good copy keeps being used. Before the first successful fetch,
 * uses reject with a {@link DiscoveryError} that names the URL and the cause.
 *
 * ```ts
 * const discovery = new WopiDiscovery({ url: 'https://office.example.com' });
 * const url = await discovery.actionUrl({ ext: 'docx', action: 'edit', wopiSrc });
 * app.use('/wopi', createWopiRouter({ storage, auth, proofKeys: discovery }));
 * ```
 *
 * One instance per editor; share it between the router and your host pages. It holds no timers
 * and needs no closing.
 */
export class WopiDiscovery {
  /** The discovery URL fetched. */
  readonly url: string;
  private readonly ttlMs: number;
  private readonly retryAfterMs: number;
  private readonly timeoutMs: number;
  private readonly proofKeyRefreshIntervalMs: number;
  private readonly netZone: string | undefined;
  private readonly language: string | undefined;
  private readonly fetchFn: DiscoveryFetch;
  private entry: Entry | undefined;
  private inFlight: Promise<Entry> | undefined;
  private lastFailure: { at: number; error: DiscoveryError } | undefined;
  private lastProofRefresh = Number.NEGATIVE_INFINITY;

  constructor(options: WopiDiscoveryOptions) {
    const check = new OptionChecks('WopiDiscovery');
    check.options(options, 'with `url`');
    this.url = discoveryUrl(check.httpUrl('url', options.url));
    const ms = 'milliseconds';
    this.ttlMs = check.positiveInteger('ttlMs', options.ttlMs, DEFAULT_DISCOVERY_TTL_MS, ms);
    this.retryAfterMs = check.nonNegativeInteger('retryAfterMs', options.retryAfterMs, DEFAULT_RETRY_AFTER_MS, ms);
    this.timeoutMs = check.positiveInteger('timeoutMs', options.timeoutMs, DEFAULT_TIMEOUT_MS, ms);
    this.proofKeyRefreshIntervalMs = check.nonNegativeInteger(
      'proofKeyRefreshIntervalMs',
      options.proofKeyRefreshIntervalMs,
      DEFAULT_PROOF_REFRESH_INTERVAL_MS,
      ms,
    );
    this.netZone = check.nonEmptyString('netZone', options.netZone, undefined);
    this.language = check.nonEmptyString('language', options.language, undefined);
    const fetchFn = check.optionalFunction('fetch', options.fetch) ?? (globalThis.fetch as unknown as DiscoveryFetch | undefined);
    if (typeof fetchFn !== 'function')
      throw check.error('WOPI_OPTION_MISSING', 'fetch', 'is required where there is no global `fetch` (Node 18+)');
    this.fetchFn = fetchFn;
  }

  /**
   * The discovery document: the cached copy when there is one (a stale copy also starts a
   * background refresh), else a fetch. Rejects with {@link DiscoveryError} only when no good
   * copy has ever been fetched.
   */
  async get(): Promise<DiscoveryDocument> {
    return (await this.current()).document;
  }

  /**
   * Fetches the document now (joining a fetch already under way) and caches it. Rejects with
   * {@link DiscoveryError} when the fetch fails; the cached copy is kept.
   */
  async refresh(): Promise<DiscoveryDocument> {
    return (await this.fetchOnce()).document;
  }

  /** The first action for a file extension (or name) and action name, or `undefined`. */
  async findAction(query: ActionQuery): Promise<DiscoveryAction | undefined> {
    return findAction(await this.get(), { ...query, ...this.zone(query.netZone) });
  }

  /** Every action discovery lists for a file extension (or name): what the editor can do with it. */
  async actionsFor(extOrFileName: string): Promise<DiscoveryAction[]> {
    const zone = this.netZone;
    return actionsFor(await this.get(), extOrFileName).filter((a) => zone === undefined || a.netZone === zone);
  }

  /**
   * The action URL for a file, with its discovery action. Rejects with
   * {@link DiscoveryActionNotFoundError} (404) when discovery has no such action for the
   * extension, and with {@link DiscoveryError} when discovery was never fetched.
   */
  async resolveAction(options: ActionUrlOptions): Promise<ResolvedAction> {
    const action = await this.findAction({ ext: options.ext, action: options.action, ...this.zone(options.netZone) });
    if (action === undefined) {
      throw new DiscoveryActionNotFoundError(`The editor has no "${options.action}" action for this file type`);
    }
    const language = options.language ?? this.language;
    const dataLanguage = options.dataLanguage ?? language;
    const url = resolveActionUrl(action.urlsrc, {
      wopiSrc: options.wopiSrc,
      placeholders: { [PLACEHOLDER.uiLanguage]: language, [PLACEHOLDER.dataLanguage]: dataLanguage, ...options.placeholders },
      ...(options.query === undefined ? {} : { query: options.query }),
    });
    return { url, action };
  }

  /** The action URL for a file; see {@link resolveAction}. */
  async actionUrl(options: ActionUrlOptions): Promise<string> {
    return (await this.resolveAction(options)).url;
  }

  /**
   * The proof keys of the cached document (fetching it first if needed), or `undefined` when
   * discovery has no usable `<proof-key>`. Used by `createWopiRouter({ proofKeys: discovery })`.
   */
  async getProofKeys(): Promise<ProofKeySet | undefined> {
    return (await this.current()).keys;
  }

  /**
   * Refetches discovery because a proof did not verify with the cached keys (the editor may
   * have rotated them), at most once per `proofKeyRefreshIntervalMs`, and returns the keys then
   * held. A failed refetch is logged and the cached keys are returned.
   */
  async refreshProofKeys(): Promise<ProofKeySet | undefined> {
    const now = Date.now();
    if (now - this.lastProofRefresh >= this.proofKeyRefreshIntervalMs) {
      this.lastProofRefresh = now;
      discoveryLog('refreshing %s: proof keys may have rotated', this.url);
      await this.fetchOnce().catch(() => undefined);
    }
    return (await this.current()).keys;
  }

  /** When the cached copy was fetched, and the last failure since. */
  status(): DiscoveryStatus {
    return {
      fetchedAt: this.entry === undefined ? undefined : new Date(this.entry.fetchedAt),
      lastError: this.lastFailure?.error,
    };
  }

  private zone(netZone: string | undefined): { netZone?: string } {
    const zone = netZone ?? this.netZone;
    return zone === undefined ? {} : { netZone: zone };
  }

  private async current(): Promise<Entry> {
    const entry = this.entry;
    if (entry !== undefined) {
      if (Date.now() - entry.fetchedAt >= this.ttlMs && !this.retryBlocked()) {
        discoveryLog('cached copy of %s is stale: refreshing in the background', this.url);
        this.fetchOnce().catch(() => undefined);
      }
      return entry;
    }
    if (this.retryBlocked() && this.lastFailure !== undefined && this.inFlight === undefined) {
      throw this.lastFailure.error;
    }
    return this.fetchOnce();
  }

  private retryBlocked(): boolean {
    return this.lastFailure !== undefined && Date.now() - this.lastFailure.at < this.retryAfterMs;
  }

  private fetchOnce(): Promise<Entry> {
    if (this.inFlight === undefined) {
      this.inFlight = this.fetchDocument().finally(() => {
        this.inFlight = undefined;
      });
    }
    return this.inFlight;
  }

  private async fetchDocument(): Promise<Entry> {
    const started = Date.now();
    try {
      const response = await this.fetchFn(this.url, {
        signal: AbortSignal.timeout(this.timeoutMs),
        headers: { Accept: 'application/xml, text/xml;q=0.9, */*;q=0.1' },
      });
      if (!response.ok) {
        await response.body?.cancel().catch(() => undefined); // the error page is not read
        throw new Error(`HTTP ${response.status}`);
      }
      const xml = await readLimited(response, MAX_DISCOVERY_BYTES);
      const document = parseDiscoveryXml(xml);
      const entry: Entry = { document, keys: this.keysOf(document), fetchedAt: Date.now() };
      this.entry = entry;
      this.lastFailure = undefined;
      discoveryLog(
        'fetched %s in %d ms: %d actions, proof keys: %s',
        this.url,
        Date.now() - started,
        document.actions.length,
        entry.keys === undefined ? 'none' : entry.keys.old === undefined ? 'current' : 'current and old',
      );
      return entry;
    } catch (err) {
      // Not `instanceof Error`: fetch's DOMExceptions may come from another realm.
      const { name, message, cause } = (typeof err === 'object' && err !== null ? err : {}) as {
        name?: unknown;
        message?: unknown;
        cause?: { code?: unknown };
      };
      const code = typeof cause?.code === 'string' ? ` (${cause.code})` : '';
      const reason =
        name === 'TimeoutError'
          ? `timed out after ${this.timeoutMs} ms`
          : typeof message === 'string' && message !== ''
            ? `${message}${code}`
            : String(err);
      const error = new DiscoveryError(`WOPI discovery ${this.url} could not be fetched: ${reason}`, { cause: err });
      this.lastFailure = { at: Date.now(), error };
      discoveryLog('%s%s', error.message, this.entry === undefined ? ' (no earlier copy)' : ' (keeping the earlier copy)');
      throw error;
    }
  }

  private keysOf(document: DiscoveryDocument): ProofKeySet | undefined {
    try {
      return proofKeysFromAttributes(document.proofKey);
    } catch (err) {
      discoveryLog('ignoring the <proof-key> of %s: %s', this.url, (err as Error).message);
      return undefined;
    }
  }
}

/** The URL to fetch (an http(s) URL, already checked): a bare origin gets `/hosting/discovery`. */
function discoveryUrl(value: string): string {
  const url = new URL(value);
  if ((url.pathname === '/' || url.pathname === '') && url.search === '') url.pathname = '/hosting/discovery';
  return url.toString();
}

/**
 * The response's text, refused past `maxBytes` without holding more than that: a `Content-Length`
 * above it is refused before reading, a streamed body is cancelled once it passes it, and a
 * response that only has `text()` is checked after (a custom fetch without a stream).
 */
async function readLimited(response: DiscoveryResponse, maxBytes: number): Promise<string> {
  const tooLarge = (): Error => new Error(`document larger than ${maxBytes} bytes`);
  const declared = Number(response.headers?.get('content-length') ?? Number.NaN);
  const body = response.body;
  if (declared > maxBytes) {
    await body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (body === undefined || body === null || typeof body.getReader !== 'function') {
    const text = await response.text();
    if (Buffer.byteLength(text) > maxBytes) throw tooLarge();
    return text;
  }
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  // As Response.text() decodes: UTF-8, a byte-order mark dropped, bad bytes replaced.
  return new TextDecoder().decode(Buffer.concat(chunks));
}
