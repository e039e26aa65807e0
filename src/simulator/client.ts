/**
 * A WOPI client: one method per WOPI operation, sending the headers the chosen editor sends (see
 * `profiles.ts`), optionally signing every request with proof keys. It judges nothing: it returns
 * each answer whole, and `checks.ts` / `session.ts` decide what is right. Works against any WOPI
 * host over HTTP, through Node's `fetch`.
 */
import { encodeUtf7 } from '../protocol/utf7';
import { log } from '../log';
import {
  contentTypeFor,
  editorProfile,
  newEditorIdentity,
  type EditorIdentity,
  type EditorName,
  type EditorProfile,
  type SaveFlags,
  type WopiOperationName,
} from './profiles';
import { WopiProofSigner, type ProofSigningKeys } from './proof';

const debug = log('simulator:client');

/** The answer to one WOPI request. */
export interface WopiResponse {
  /** The operation that was sent. */
  operation: WopiOperationName;
  status: number;
  headers: Headers;
  /** The whole body. */
  body: Buffer;
  /** A response header, or `null` when absent (an empty value is `''`). */
  header(name: string): string | null;
  /** The body as UTF-8 text. */
  text(): string;
  /** The body parsed as JSON, or `undefined` when it is not JSON. */
  json(): unknown;
}

/** Options of {@link WopiClient}. */
export interface WopiClientOptions {
  /** The file's WOPISrc, e.g. `https://files.example.com/wopi/files/abc`, without `access_token`. */
  wopiSrc: string;
  /** The access token, sent as `?access_token=` (and as `Authorization: Bearer` by the editors that do). */
  accessToken: string;
  /** The editor to behave as. Default `'microsoft'` (the WOPI REST reference). */
  editor?: EditorName | EditorProfile;
  /** Sign every request with these keys (`X-WOPI-Proof`, `X-WOPI-ProofOld`, `X-WOPI-TimeStamp`). */
  proofKeys?: ProofSigningKeys | WopiProofSigner;
  /** The editor instance's identity; clients made with {@link WopiClient.withToken} share it. */
  identity?: EditorIdentity;
  /** Per-request timeout in milliseconds. Default 30000. */
  timeoutMs?: number;
  /** The `fetch` to use. Default the global one. */
  fetch?: typeof fetch;
}

/** PutFile's options. */
export interface PutFileOptions {
  /** `X-WOPI-Lock`; left out when undefined (a save without a lock). */
  lockId?: string;
  /** User IDs whose changes the save holds: `X-WOPI-Editors`, for the editors that send it. */
  editors?: readonly string[];
  /** The save flags, for the editors that send them. Default: modified by the user, not autosave, not exit. */
  save?: Partial<SaveFlags>;
  /** The `LastModifiedTime` the editor last saw, for the editors that send it back; left out when undefined or empty. */
  timestamp?: string;
  /** The file name, for the editors that choose `Content-Type` by extension. */
  fileName?: string;
}

/** PutRelativeFile's options: exactly one of `suggestedTarget` and `relativeTarget`. */
export interface PutRelativeFileOptions {
  /** `X-WOPI-SuggestedTarget`: a full name or an extension (`.pdf`); UTF-7 encoded here. */
  suggestedTarget?: string;
  /** `X-WOPI-RelativeTarget`: an exact name; UTF-7 encoded here. */
  relativeTarget?: string;
  /** `X-WOPI-OverwriteRelativeTarget: true`. */
  overwrite?: boolean;
  /** `X-WOPI-FileConversion: true`. */
  fileConversion?: boolean;
  /** `X-WOPI-Lock` (editors do not send one for Save As). */
  lockId?: string;
  /** Send `X-WOPI-Size`. Default: as the editor does. */
  sendSize?: boolean;
  /** For `Content-Type` by extension. */
  fileName?: string;
}

/** RenameFile's options. */
export interface RenameFileOptions {
  /** `X-WOPI-Lock`; left out when undefined. */
  lockId?: string;
  /** The document, for the editors that send it as the body (Collabora). */
  document?: Buffer;
}

/** Why a request got no answer (network error, timeout). The token is never in the message. */
export class WopiClientError extends Error {
  constructor(
    readonly operation: WopiOperationName,
    reason: string,
  ) {
    super(`${operation} got no answer: ${reason}`);
    this.name = 'WopiClientError';
  }
}

/**
 * A WOPI client for one file and one access token, behaving as one editor.
 *
 * ```ts
 * const client = new WopiClient({ wopiSrc, accessToken, editor: 'collabora' });
 * const info = await client.checkFileInfo();
 * await client.lock('cool-lock0123abcd');
 * ```
 */
export class WopiClient {
  /** The editor this client behaves as. */
  readonly profile: EditorProfile;
  /** The WOPISrc, without `access_token`. */
  readonly wopiSrc: string;
  /** The editor instance's identity. */
  readonly identity: EditorIdentity;
  private readonly accessToken: string;
  private readonly signer: WopiProofSigner | undefined;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;

  constructor(options: WopiClientOptions) {
    const url = parseHttpUrl(options.wopiSrc);
    if (url.searchParams.has('access_token')) throw new TypeError('the WOPISrc must not carry access_token: pass it as accessToken');
    if (typeof options.accessToken !== 'string' || options.accessToken === '')
      throw new TypeError('accessToken must be a non-empty string');
    this.wopiSrc = options.wopiSrc;
    this.accessToken = options.accessToken;
    this.profile = editorProfile(options.editor ?? 'microsoft');
    this.identity = options.identity ?? newEditorIdentity();
    this.signer =
      options.proofKeys === undefined || options.proofKeys instanceof WopiProofSigner
        ? options.proofKeys
        : new WopiProofSigner(options.proofKeys);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.fetchFn = options.fetch ?? globalThis.fetch;
  }

  /**
   * A client for a URL a host handed out (PutRelativeFile's or RenameFile's `Url`): the WOPISrc
   * is the URL without `access_token` and `access_token_ttl`, the token the one in it (or
   * `fallbackToken` when it has none).
   */
  static fromUrl(url: string, options: Omit<WopiClientOptions, 'wopiSrc' | 'accessToken'> & { fallbackToken?: string }): WopiClient {
    const parsed = parseHttpUrl(url);
    const token = parsed.searchParams.get('access_token') ?? options.fallbackToken;
    if (token === undefined || token === null || token === '') throw new TypeError('the URL carries no access_token');
    parsed.searchParams.delete('access_token');
    parsed.searchParams.delete('access_token_ttl');
    const { fallbackToken: _unused, ...rest } = options;
    return new WopiClient({ ...rest, wopiSrc: parsed.href, accessToken: token });
  }

  /** The same file and editor instance, another user's token. */
  withToken(accessToken: string): WopiClient {
    return new WopiClient({
      wopiSrc: this.wopiSrc,
      accessToken,
      editor: this.profile,
      ...(this.signer === undefined ? {} : { proofKeys: this.signer }),
      identity: this.identity,
      timeoutMs: this.timeoutMs,
      fetch: this.fetchFn,
    });
  }

  /** CheckFileInfo: `GET {WOPISrc}`. */
  checkFileInfo(): Promise<WopiResponse> {
    return this.send('CheckFileInfo', 'GET', false, {});
  }

  /** GetFile: `GET {WOPISrc}/contents`, with the editor's `X-WOPI-MaxExpectedSize` unless given here. */
  getFile(options: { maxExpectedSize?: number } = {}): Promise<WopiResponse> {
    const max = options.maxExpectedSize ?? this.profile.maxExpectedSize;
    return this.send('GetFile', 'GET', true, max === undefined ? {} : { 'X-WOPI-MaxExpectedSize': String(max) });
  }

  /** Lock: `X-WOPI-Override: LOCK`. Collabora also keeps its lock alive with this. */
  lock(lockId: string): Promise<WopiResponse> {
    return this.send('Lock', 'POST', false, { 'X-WOPI-Override': 'LOCK', 'X-WOPI-Lock': lockId });
  }

  /** RefreshLock: `X-WOPI-Override: REFRESH_LOCK`. */
  refreshLock(lockId: string): Promise<WopiResponse> {
    return this.send('RefreshLock', 'POST', false, { 'X-WOPI-Override': 'REFRESH_LOCK', 'X-WOPI-Lock': lockId });
  }

  /** Unlock: `X-WOPI-Override: UNLOCK`. */
  unlock(lockId: string): Promise<WopiResponse> {
    return this.send('Unlock', 'POST', false, { 'X-WOPI-Override': 'UNLOCK', 'X-WOPI-Lock': lockId });
  }

  /** UnlockAndRelock: `X-WOPI-Override: LOCK` with `X-WOPI-OldLock`. */
  unlockAndRelock(oldLockId: string, lockId: string): Promise<WopiResponse> {
    return this.send('UnlockAndRelock', 'POST', false, { 'X-WOPI-Override': 'LOCK', 'X-WOPI-OldLock': oldLockId, 'X-WOPI-Lock': lockId });
  }

  /** GetLock: `X-WOPI-Override: GET_LOCK`. */
  getLock(): Promise<WopiResponse> {
    return this.send('GetLock', 'POST', false, { 'X-WOPI-Override': 'GET_LOCK' });
  }

  /**
   * PutFile: `POST {WOPISrc}/contents`, `X-WOPI-Override: PUT`, with the editor's save headers:
   * `X-WOPI-Editors`, the `X-LOOL-WOPI-Is*` or `X-COOL-WOPI-Is*` flags, the timestamp header, the
   * `Content-Type` it uses, and `Connection: close` on Collabora's exit save.
   */
  putFile(body: Buffer, options: PutFileOptions = {}): Promise<WopiResponse> {
    const style = this.profile.putFile;
    const flags: SaveFlags = { modifiedByUser: true, autosave: false, exitSave: false, ...options.save };
    const headers: Record<string, string> = { 'X-WOPI-Override': 'PUT' };
    if (options.lockId !== undefined) headers['X-WOPI-Lock'] = options.lockId;
    if (style.editorsHeader && options.editors !== undefined && options.editors.length > 0)
      headers['X-WOPI-Editors'] = options.editors.join(',');
    if (style.saveFlags !== 'none') {
      const prefix = style.saveFlags === 'lool' ? 'X-LOOL-WOPI' : 'X-COOL-WOPI';
      headers[`${prefix}-IsModifiedByUser`] = String(flags.modifiedByUser);
      headers[`${prefix}-IsAutosave`] = String(flags.autosave);
      headers[`${prefix}-IsExitSave`] = String(flags.exitSave);
    }
    if (style.timestampHeader !== undefined && options.timestamp !== undefined && options.timestamp !== '') {
      headers[style.timestampHeader] = options.timestamp;
    }
    if (style.connectionCloseOnExit && flags.exitSave) headers.Connection = 'close';
    headers['Content-Type'] = contentTypeFor(style.contentType, options.fileName);
    return this.send('PutFile', 'POST', true, headers, body);
  }

  /** PutRelativeFile: `X-WOPI-Override: PUT_RELATIVE` (Save As), target names UTF-7 encoded. */
  putRelativeFile(body: Buffer, options: PutRelativeFileOptions): Promise<WopiResponse> {
    const headers: Record<string, string> = { 'X-WOPI-Override': 'PUT_RELATIVE' };
    if (options.suggestedTarget !== undefined) headers['X-WOPI-SuggestedTarget'] = encodeUtf7(options.suggestedTarget);
    if (options.relativeTarget !== undefined) headers['X-WOPI-RelativeTarget'] = encodeUtf7(options.relativeTarget);
    if (options.overwrite) headers['X-WOPI-OverwriteRelativeTarget'] = 'true';
    if (options.fileConversion) headers['X-WOPI-FileConversion'] = 'true';
    if (options.lockId !== undefined) headers['X-WOPI-Lock'] = options.lockId;
    if (options.sendSize ?? this.profile.saveAs.sendsSize) headers['X-WOPI-Size'] = String(body.length);
    headers['Content-Type'] = contentTypeFor(this.profile.putFile.contentType, options.fileName);
    return this.send('PutRelativeFile', 'POST', false, headers, body);
  }

  /**
   * RenameFile: `X-WOPI-Override: RENAME_FILE`, `X-WOPI-RequestedName` (the name without its
   * extension, UTF-7 encoded). Collabora sends the document as the body.
   */
  renameFile(name: string, options: RenameFileOptions = {}): Promise<WopiResponse> {
    const headers: Record<string, string> = { 'X-WOPI-Override': 'RENAME_FILE', 'X-WOPI-RequestedName': encodeUtf7(name) };
    if (options.lockId !== undefined) headers['X-WOPI-Lock'] = options.lockId;
    if (this.profile.rename.sendsDocument && options.document !== undefined) {
      headers['Content-Type'] = 'application/octet-stream';
      return this.send('RenameFile', 'POST', false, headers, options.document);
    }
    return this.send('RenameFile', 'POST', false, headers);
  }

  /** DeleteFile: `X-WOPI-Override: DELETE`. */
  deleteFile(): Promise<WopiResponse> {
    return this.send('DeleteFile', 'POST', false, { 'X-WOPI-Override': 'DELETE' });
  }

  /** PutUserInfo: `X-WOPI-Override: PUT_USER_INFO`, the text as the body. */
  putUserInfo(userInfo: string): Promise<WopiResponse> {
    return this.send('PutUserInfo', 'POST', false, { 'X-WOPI-Override': 'PUT_USER_INFO' }, Buffer.from(userInfo, 'utf8'));
  }

  /** Sends one request with the editor's common headers, the token and, with keys, the proof. */
  private async send(
    operation: WopiOperationName,
    method: 'GET' | 'POST',
    contents: boolean,
    operationHeaders: Record<string, string>,
    body?: Buffer,
  ): Promise<WopiResponse> {
    const url = new URL(this.wopiSrc);
    if (contents) url.pathname = `${url.pathname.replace(/\/+$/, '')}/contents`;
    url.searchParams.set('access_token', this.accessToken);
    const href = url.href;
    const headers: Record<string, string> = { ...this.profile.commonHeaders(this.identity) };
    if (this.profile.sendsAuthorization) headers.Authorization = `Bearer ${this.accessToken}`;
    if (this.signer !== undefined) Object.assign(headers, this.signer.headers(href, this.accessToken));
    else if (this.profile.sendsTimestampUnsigned) headers['X-WOPI-TimeStamp'] = String(ticksNow());
    Object.assign(headers, operationHeaders);

    let response: Response;
    try {
      response = await this.fetchFn(href, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        redirect: 'follow',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const reason = describeFetchError(err);
      debug('%s %s: no answer (%s)', this.profile.name, operation, reason);
      throw new WopiClientError(operation, reason);
    }
    let bytes: Buffer;
    try {
      bytes = Buffer.from(await response.arrayBuffer());
    } catch (err) {
      throw new WopiClientError(operation, `the answer broke off: ${describeFetchError(err)}`);
    }
    debug('%s %s: %d, %d bytes', this.profile.name, operation, response.status, bytes.length);
    return makeResponse(operation, response.status, response.headers, bytes);
  }
}

function makeResponse(operation: WopiOperationName, status: number, headers: Headers, body: Buffer): WopiResponse {
  let parsed: { value: unknown } | undefined;
  return {
    operation,
    status,
    headers,
    body,
    header: (name) => headers.get(name),
    text: () => body.toString('utf8'),
    json: () => {
      if (parsed === undefined) {
        try {
          parsed = { value: JSON.parse(body.toString('utf8')) };
        } catch {
          parsed = { value: undefined };
        }
      }
      return parsed.value;
    },
  };
}

/** .NET ticks now, as ONLYOFFICE puts in `X-WOPI-TimeStamp` on every request. */
function ticksNow(): bigint {
  return BigInt(Date.now()) * 10_000n + 621_355_968_000_000_000n;
}

function parseHttpUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError('not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('not an http(s) URL');
  return url;
}

/** A network error's reason, without the URL (it carries the token). */
function describeFetchError(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'timed out';
  const cause = e?.cause;
  if (cause?.code !== undefined) return cause.code;
  const message = cause?.message ?? e?.message ?? String(err);
  return message.replace(/https?:\/\/\S+/g, '<url>');
}
