/**
 * A whole editing session as one editor plays it against a WOPI host, with every answer checked:
 *
 * 1. **open**: CheckFileInfo, then GetFile and Lock in the editor's order (ONLYOFFICE first
 *    uploads a blank template, without a lock, when `Size` is 0; Office for the web asks GetLock and
 *    swaps its first lock ID for a longer one with UnlockAndRelock);
 * 2. **autosave**: PutFile with the editor's save headers, then the saved bytes read back;
 * 3. **join**: a second user opens the document (ONLYOFFICE and Office: LOCK again with the held
 *    ID, which must succeed; Collabora: CheckFileInfo only, whose `LastModifiedTime` must be the
 *    very string the last save answered);
 * 4. **keep-alive**: RefreshLock (ONLYOFFICE, Office) or LOCK again (Collabora);
 * 5. **user-info** (Office): PutUserInfo, read back through CheckFileInfo;
 * 6. **lock-rules**: what the editors rely on the host to refuse: saves without the lock or with
 *    another one, another lock ID, a differently-cased lock ID (Collabora), a save based on an
 *    older `LastModifiedTime` (Collabora); each must be 409 with `X-WOPI-Lock`, and change nothing;
 * 7. **save-as**: PutRelativeFile with a UTF-7 name, the new file opened from the answer's `Url`;
 * 8. **rename**: RenameFile with a UTF-7 name (Collabora sends the document as the body and
 *    reloads from the answer's `Url`);
 * 9. **exit-save**: the final PutFile (ONLYOFFICE with the token of the user who changed the
 *    document last), read back;
 * 10. **close**: Unlock; afterwards Unlock and an unlocked save must be refused with
 *     `X-WOPI-Lock: ""`;
 * 11. **cleanup**: the Save As copy deleted, the original content, name and user info restored.
 *
 * Time is compressed: keep-alive requests follow each other after `keepAlive.intervalMs` (0 by
 * default) instead of the editors' 10 or 15 minutes.
 */
import { randomUUID } from 'node:crypto';
import { log } from '../log';
import {
  CheckLog,
  checkCheckFileInfo,
  checkConflict,
  checkLockHeader,
  checkSuccess,
  consequence,
  flag,
  formatCheck,
  formatSummary,
  jsonObject,
  type CheckSummary,
  type SessionPhase,
  type SimulationCheck,
  stringProperty,
} from './checks';
import { WopiClient, WopiClientError, type WopiResponse } from './client';
import { collaboraLockId, editorProfile, officeLockId, type EditorName, type EditorProfile } from './profiles';
import { WopiProofSigner, type ProofSigningKeys } from './proof';

const debug = log('simulator');

/** Options of {@link simulateSession} and {@link WopiSession}. */
export interface SimulateSessionOptions {
  /** The file's WOPISrc, without `access_token`. */
  wopiSrc: string;
  /** A token that may write the file. */
  accessToken: string;
  /** The editor to play. */
  editor: EditorName | EditorProfile;
  /** The second user's token, for the join. Default: `accessToken` (the same user in a second session). */
  secondAccessToken?: string;
  /** Sign every request with these private keys. */
  proofKeys?: ProofSigningKeys;
  /** Keep-alive requests: how many (default 1) and how far apart in ms (default 0). */
  keepAlive?: { count?: number; intervalMs?: number };
  /** Undo what the session changed and delete what it created. Default `true`. */
  cleanup?: boolean;
  /** Per-request timeout in ms. Default 30000. */
  timeoutMs?: number;
  /** The `fetch` to use. Default the global one. */
  fetch?: typeof fetch;
  /** Called with each check as it is made (the CLI prints them as they come). */
  onCheck?: (check: SimulationCheck) => void;
}

/** The outcome of a session. */
export interface SimulationReport extends CheckSummary {
  editor: EditorName;
  /** No check failed. */
  ok: boolean;
  checks: SimulationCheck[];
}

/** A created file the cleanup deletes. */
interface CreatedFile {
  name: string;
  client: WopiClient | undefined;
}

/** The original state the cleanup restores. */
interface OriginalState {
  name: string;
  content: Buffer;
}

/**
 * One simulated editing session. {@link run} plays every phase in order; the phase methods can
 * also be called one by one (each needs {@link open} first) for tests that want part of a session.
 *
 * ```ts
 * const session = new WopiSession({ wopiSrc, accessToken, editor: 'onlyoffice' });
 * const report = await session.run();
 * expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
 * ```
 */
export class WopiSession {
  /** The editor played. */
  readonly profile: EditorProfile;
  /** The first user's client. */
  readonly client: WopiClient;
  /** The checks made so far. */
  readonly log: CheckLog;
  private readonly options: SimulateSessionOptions;
  private readonly secrets = new Set<string>();
  private second: WopiClient | undefined;
  private stopReason: string | undefined;

  private fileName: string | undefined;
  private original: OriginalState | undefined;
  private content: Buffer | undefined;
  private version: string | undefined;
  private openLastModified: string | undefined;
  /** The `LastModifiedTime` the editor holds and sends back on its next save. */
  private heldTimestamp: string | undefined;
  private userIds: { first?: string; second?: string } = {};
  private lastChanger: 'first' | 'second' = 'first';
  private locking = true;
  private lockId: string | undefined;
  private locked = false;
  private capabilities: Record<string, unknown> = {};
  private readonly created: CreatedFile[] = [];
  private renamed = false;
  private originalUserInfo: { value: string | undefined } | undefined;

  constructor(options: SimulateSessionOptions) {
    this.options = options;
    this.profile = editorProfile(options.editor);
    this.secrets.add(options.accessToken);
    if (options.secondAccessToken !== undefined) this.secrets.add(options.secondAccessToken);
    this.log = new CheckLog(
      (check) => options.onCheck?.(check),
      (text) => this.redact(text),
    );
    const signer = options.proofKeys === undefined ? undefined : new WopiProofSigner(options.proofKeys);
    this.client = new WopiClient({
      wopiSrc: options.wopiSrc,
      accessToken: options.accessToken,
      editor: this.profile,
      ...(signer === undefined ? {} : { proofKeys: signer }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    });
  }

  /** Plays the whole session, cleanup included, and reports. Never throws for what the host answers. */
  async run(): Promise<SimulationReport> {
    debug('%s session starts', this.profile.name);
    try {
      await this.open();
      await this.autosave();
      await this.join();
      await this.keepAlive();
      await this.userInfo();
      await this.lockRules();
      await this.saveAs();
      await this.rename();
      await this.exitSave();
      await this.close();
    } finally {
      await this.cleanup();
    }
    const report = this.report();
    debug('%s session done: %s', this.profile.name, formatSummary(report));
    return report;
  }

  /** The checks so far as a report. */
  report(): SimulationReport {
    const summary = this.log.summary();
    return { editor: this.profile.name, ok: summary.failed === 0, ...summary, checks: [...this.log.checks] };
  }

  // ---------------------------------------------------------------- open

  /** CheckFileInfo, then GetFile and Lock in the editor's order (see the module comment). */
  async open(): Promise<void> {
    await this.phase('open', async () => {
      const response = await this.client.checkFileInfo();
      if (!checkSuccess(this.log, 'open', this.profile, response, { id: 'check-file-info.status' })) {
        this.explainOpenFailure(response);
        this.stop('the document could not be opened');
        return;
      }
      const info = checkCheckFileInfo(this.log, 'open', this.profile, response);
      if (info === undefined || typeof info.BaseFileName !== 'string' || typeof info.Version !== 'string') {
        this.stop('CheckFileInfo is unusable');
        return;
      }
      this.capabilities = info;
      this.fileName = info.BaseFileName;
      this.version = info.Version;
      this.userIds.first = stringProperty(info, 'UserId');
      this.openLastModified = stringProperty(info, 'LastModifiedTime');
      this.heldTimestamp = this.openLastModified;
      if (stringProperty(info, 'PostMessageOrigin') === undefined) {
        this.log.warn(
          'open',
          'check-file-info.post-message-origin',
          "CheckFileInfo has no PostMessageOrigin: the host page hears none of the editor's messages",
          response,
        );
      }
      if (!flag(info, 'UserCanWrite')) {
        this.log.fail(
          'open',
          'check-file-info.user-can-write',
          `CheckFileInfo's UserCanWrite is not true: ${this.profile.title} opens the document read-only`,
          response,
        );
        this.stop('the token cannot write');
        return;
      }
      this.log.pass('open', 'check-file-info.user-can-write', 'CheckFileInfo has UserCanWrite: true', response);
      if (!flag(info, 'SupportsLocks')) {
        this.locking = false;
        const message = `CheckFileInfo's SupportsLocks is not true: ${this.profile.title} edits without locks`;
        if (this.profile.name === 'microsoft') this.log.fail('open', 'check-file-info.supports-locks', message, response);
        else this.log.warn('open', 'check-file-info.supports-locks', message, response);
      }
      if (!flag(info, 'SupportsUpdate')) {
        this.log.warn(
          'open',
          'check-file-info.supports-update',
          "CheckFileInfo's SupportsUpdate is not true: editors may not save",
          response,
        );
      }

      const size = typeof info.Size === 'number' ? info.Size : undefined;
      if (this.profile.uploadsTemplateWhenEmpty && size === 0) {
        if (!(await this.uploadTemplate())) return;
      }
      if (this.profile.openOrder === 'lock-then-get') {
        if (!(await this.takeLock()) || !(await this.download(size))) return;
      } else if (!(await this.download(size)) || !(await this.takeLock())) {
        return;
      }
      if (this.profile.usesGetLockAndUserInfo) await this.officeLockSequence();
    });
  }

  private explainOpenFailure(response: WopiResponse): void {
    if (response.status === 401) this.log.warn('open', 'hint', 'the host refused the access token (401)');
    else if (response.status === 404) this.log.warn('open', 'hint', 'the host does not know this file, or hides it from this user (404)');
    else if (response.status === 500 && this.options.proofKeys === undefined) {
      this.log.warn(
        'open',
        'hint',
        "a host that checks proof keys answers 500 to unsigned requests: sign them with the editor's keys (--proof-key)",
      );
    }
  }

  /** ONLYOFFICE on an empty file: a blank template uploaded with PutFile before any lock. */
  private async uploadTemplate(): Promise<boolean> {
    const template = Buffer.from(`express-wopi simulate: blank template ${randomUUID()}\n`);
    this.original = { name: this.fileName as string, content: Buffer.alloc(0) };
    const response = await this.client.putFile(template, {
      editors: this.userIds.first === undefined ? [] : [this.userIds.first],
      save: { modifiedByUser: false, autosave: false, exitSave: false },
      fileName: this.fileName,
    });
    const ok = checkSuccess(this.log, 'open', this.profile, response, {
      id: 'template.status',
      what: 'PutFile of a blank template without a lock (the file is empty)',
    });
    if (!ok) {
      this.stop('the empty file could not be replaced by a template');
      return false;
    }
    this.content = template;
    this.checkVersionChanged('open', response, 'template');
    this.takeTimestampFrom(response, 'open');
    return true;
  }

  /** GetFile: the bytes must be `Size` long and carry the current version. */
  private async download(size: number | undefined): Promise<boolean> {
    const response = await this.client.getFile();
    if (!checkSuccess(this.log, 'open', this.profile, response, { id: 'get-file.status' })) {
      this.stop('the document could not be downloaded');
      return false;
    }
    if (this.content !== undefined) {
      this.log.expect(
        response.body.equals(this.content),
        'open',
        'get-file.template',
        'GetFile returns the uploaded template',
        `GetFile returns ${response.body.length} bytes that are not the template just uploaded`,
        response,
      );
    } else if (size !== undefined) {
      this.log.expect(
        response.body.length === size,
        'open',
        'get-file.size',
        `GetFile returns ${size} bytes, as CheckFileInfo's Size says`,
        `GetFile returns ${response.body.length} bytes, CheckFileInfo's Size says ${size}`,
        response,
      );
    }
    const itemVersion = response.header('X-WOPI-ItemVersion');
    if (itemVersion === null) {
      this.log.warn('open', 'get-file.item-version', 'GetFile has no X-WOPI-ItemVersion', response);
    } else if (this.version !== undefined && this.content === undefined) {
      this.log.expect(
        itemVersion === this.version,
        'open',
        'get-file.item-version',
        "GetFile's X-WOPI-ItemVersion is CheckFileInfo's Version",
        `GetFile's X-WOPI-ItemVersion ${JSON.stringify(itemVersion)} is not CheckFileInfo's Version ${JSON.stringify(this.version)}`,
        response,
      );
    } else {
      this.version = itemVersion;
    }
    this.content = response.body;
    this.original ??= { name: this.fileName as string, content: response.body };
    return true;
  }

  /** Lock with the editor's lock ID. */
  private async takeLock(): Promise<boolean> {
    if (!this.locking) {
      this.log.skip('open', 'lock.skipped', 'Lock not sent: the host does not support locks');
      return true;
    }
    const lockId = this.profile.lockId(this.options.wopiSrc);
    const response = await this.client.lock(lockId);
    if (!checkSuccess(this.log, 'open', this.profile, response, { id: 'lock.status', what: `Lock (lock ID ${showLock(lockId)})` })) {
      this.stop('the document could not be locked');
      return false;
    }
    this.lockId = lockId;
    this.locked = true;
    this.checkVersionUnchanged('open', response, 'lock');
    return true;
  }

  /** Office for the web: GetLock (when offered), then UnlockAndRelock to its longer lock ID. */
  private async officeLockSequence(): Promise<void> {
    if (!this.locked || this.lockId === undefined) return;
    if (flag(this.capabilities, 'SupportsGetLock')) await this.expectLock('open', 'get-lock', this.lockId);
    if (this.profile.relockId === undefined) return;
    const newLockId = this.profile.relockId(this.lockId);
    const response = await this.client.unlockAndRelock(this.lockId, newLockId);
    if (!checkSuccess(this.log, 'open', this.profile, response, { id: 'unlock-and-relock.status' })) {
      this.stop('the lock could not be swapped');
      return;
    }
    this.lockId = newLockId;
    this.checkVersionUnchanged('open', response, 'unlock-and-relock');
    if (flag(this.capabilities, 'SupportsGetLock')) await this.expectLock('open', 'get-lock-after-relock', newLockId);
  }

  /** GetLock must answer 200 with `X-WOPI-Lock` = `expected` (`''` when unlocked). */
  private async expectLock(phase: SessionPhase, id: string, expected: string): Promise<void> {
    const response = await this.client.getLock();
    if (!checkSuccess(this.log, phase, this.profile, response, { id: `${id}.status` })) return;
    const lock = response.header('X-WOPI-Lock');
    const wanted = expected === '' ? 'an empty X-WOPI-Lock' : `X-WOPI-Lock ${showLock(expected)}`;
    this.log.expect(
      lock === expected,
      phase,
      `${id}.lock`,
      `GetLock answers ${wanted}`,
      `GetLock answers ${lock === null ? 'no X-WOPI-Lock' : `X-WOPI-Lock ${showLock(lock)}`}, expected ${wanted}`,
      response,
    );
  }

  // ---------------------------------------------------------------- saves

  /** An autosave: PutFile with the editor's headers (`IsAutosave: true`), then read back. */
  async autosave(): Promise<void> {
    await this.phase('autosave', async () => {
      const body = this.newContent('autosave');
      const response = await this.client.putFile(body, {
        ...this.lockOption(),
        editors: this.editorsFor('first'),
        save: { modifiedByUser: true, autosave: true, exitSave: false },
        ...this.timestampOption(),
        fileName: this.fileName,
      });
      await this.afterSave('autosave', response, body, 'first');
    });
  }

  /**
   * The final save: PutFile with `IsExitSave: true`, by the user who changed the document last
   * (ONLYOFFICE uses that user's token), then read back.
   */
  async exitSave(): Promise<void> {
    await this.phase('exit-save', async () => {
      const who = this.profile.name === 'onlyoffice' && this.second !== undefined ? 'second' : 'first';
      const client = who === 'second' ? (this.second as WopiClient) : this.client;
      const body = this.newContent('exit save');
      const response = await client.putFile(body, {
        ...this.lockOption(),
        editors: this.profile.name === 'microsoft' ? this.editorsFor('both') : this.editorsFor(who),
        save: { modifiedByUser: true, autosave: false, exitSave: true },
        ...this.timestampOption(),
        fileName: this.fileName,
      });
      await this.afterSave('exit-save', response, body, who);
    });
  }

  private async afterSave(phase: SessionPhase, response: WopiResponse, body: Buffer, who: 'first' | 'second'): Promise<void> {
    if (!checkSuccess(this.log, phase, this.profile, response, { id: 'put-file.status' })) return;
    const previous = this.version;
    const itemVersion = this.checkVersionChanged(phase, response, 'put-file');
    const lastModified = this.takeTimestampFrom(response, phase);
    this.lastChanger = who;
    await this.verifyStored(phase, body, { changedFrom: previous, itemVersion, lastModified });
  }

  /**
   * Reads the file back through CheckFileInfo and GetFile: the bytes, `Size`, `Version` (changed
   * from `changedFrom` when given, equal to `X-WOPI-ItemVersion` when the save sent one, unchanged
   * when `unchanged`) and, for Collabora, the very `LastModifiedTime` string the save answered.
   */
  private async verifyStored(
    phase: SessionPhase,
    expected: Buffer,
    what: { changedFrom?: string | undefined; itemVersion?: string | undefined; lastModified?: string | undefined; unchanged?: boolean },
  ): Promise<void> {
    const infoResponse = await this.client.checkFileInfo();
    if (
      checkSuccess(this.log, phase, this.profile, infoResponse, {
        id: 'read-back.check-file-info.status',
        what: 'CheckFileInfo (read back)',
      })
    ) {
      const info = jsonObject(infoResponse) ?? {};
      const size = info.Size;
      this.log.expect(
        size === expected.length,
        phase,
        'read-back.size',
        `CheckFileInfo's Size is ${expected.length}`,
        `CheckFileInfo's Size is ${JSON.stringify(size)}, the content is ${expected.length} bytes`,
        infoResponse,
      );
      const version = stringProperty(info, 'Version');
      if (what.unchanged) {
        this.log.expect(
          version === this.version,
          phase,
          'read-back.version-unchanged',
          'Version is unchanged, as the content is',
          `Version changed from ${JSON.stringify(this.version)} to ${JSON.stringify(version)} although the content did not`,
          infoResponse,
        );
      } else if (what.changedFrom !== undefined) {
        this.log.expect(
          version !== undefined && version !== what.changedFrom,
          phase,
          'read-back.version-changed',
          'Version changed with the content',
          `Version is still ${JSON.stringify(what.changedFrom)} after the content changed: ONLYOFFICE serves its stale cached copy and nobody can tell the versions apart`,
          infoResponse,
        );
      }
      if (what.itemVersion !== undefined && version !== undefined) {
        this.log.expect(
          version === what.itemVersion,
          phase,
          'read-back.version-is-item-version',
          'Version is the X-WOPI-ItemVersion the save answered',
          `Version ${JSON.stringify(version)} is not the X-WOPI-ItemVersion ${JSON.stringify(what.itemVersion)} the save answered`,
          infoResponse,
        );
      }
      if (version !== undefined) this.version = version;
      if (what.lastModified !== undefined && this.profile.comparesLastModifiedTime) {
        const now = stringProperty(info, 'LastModifiedTime');
        this.log.expect(
          now === what.lastModified,
          phase,
          'read-back.last-modified-time',
          "CheckFileInfo's LastModifiedTime is the very string the save answered",
          `CheckFileInfo's LastModifiedTime ${JSON.stringify(now)} is not the string the save answered (${JSON.stringify(what.lastModified)}): ${this.profile.title} compares them as strings and reports a conflict`,
          infoResponse,
        );
      }
    }
    const file = await this.client.getFile();
    if (!checkSuccess(this.log, phase, this.profile, file, { id: 'read-back.get-file.status', what: 'GetFile (read back)' })) return;
    this.log.expect(
      file.body.equals(expected),
      phase,
      'read-back.content',
      what.unchanged
        ? `GetFile still returns the ${expected.length} bytes saved before`
        : `GetFile returns the ${expected.length} bytes saved`,
      what.unchanged
        ? 'GetFile returns other bytes than were saved before: a refused request changed the content'
        : `GetFile returns ${file.body.length} bytes that are not the ${expected.length} bytes saved`,
      file,
    );
    this.content = file.body;
  }

  // ---------------------------------------------------------------- co-authoring

  /**
   * A second user opens the document: CheckFileInfo with that user's token and, for ONLYOFFICE
   * and Office, LOCK again with the held ID (anything but success drops that user to view-only).
   * Collabora string-compares the joiner's `LastModifiedTime` with the one it holds.
   */
  async join(): Promise<void> {
    await this.phase('join', async () => {
      const second = this.client.withToken(this.options.secondAccessToken ?? this.options.accessToken);
      const response = await second.checkFileInfo();
      if (
        !checkSuccess(this.log, 'join', this.profile, response, {
          id: 'join.check-file-info.status',
          what: 'CheckFileInfo for the second user',
          consequenceOf: 'Join',
        })
      ) {
        return;
      }
      const info = jsonObject(response) ?? {};
      this.second = second;
      this.userIds.second = stringProperty(info, 'UserId');
      if (!flag(info, 'UserCanWrite')) {
        this.log.warn('join', 'join.user-can-write', "the second user's UserCanWrite is not true: that user can only view", response);
      }
      if (this.profile.comparesLastModifiedTime && this.heldTimestamp !== undefined && this.heldTimestamp !== '') {
        const seen = stringProperty(info, 'LastModifiedTime');
        this.log.expect(
          seen === this.heldTimestamp,
          'join',
          'join.last-modified-time',
          "the second user's CheckFileInfo has the same LastModifiedTime string as the last save's answer",
          `the second user's CheckFileInfo has LastModifiedTime ${JSON.stringify(seen)}, the editor holds ${JSON.stringify(this.heldTimestamp)}${consequence(this.profile, 'Join')}`,
          response,
        );
      }
      if (this.profile.join !== 'relock') return;
      if (!this.locked || this.lockId === undefined) {
        this.log.skip('join', 'join.lock', 'no LOCK for the second user: the document is not locked');
        return;
      }
      const lock = await second.lock(this.lockId);
      if (
        checkSuccess(this.log, 'join', this.profile, lock, {
          id: 'join.lock.status',
          what: "LOCK again with the held lock ID, with the second user's token",
          consequenceOf: 'Join',
        })
      ) {
        this.checkVersionUnchanged('join', lock, 'join.lock');
      }
    });
  }

  /**
   * Keeps the lock alive: RefreshLock (ONLYOFFICE, with the latest joiner's token; Office) or LOCK
   * again with the same ID (Collabora, which needs exactly 200).
   */
  async keepAlive(): Promise<void> {
    await this.phase('keep-alive', async () => {
      if (!this.locked || this.lockId === undefined) {
        this.log.skip('keep-alive', 'keep-alive.skipped', 'no keep-alive: the document is not locked');
        return;
      }
      const count = this.options.keepAlive?.count ?? 1;
      const intervalMs = this.options.keepAlive?.intervalMs ?? 0;
      const client = this.profile.name === 'onlyoffice' && this.second !== undefined ? this.second : this.client;
      const { operation } = this.profile.keepAlive;
      for (let i = 1; i <= count; i++) {
        if (intervalMs > 0) await new Promise((resolve) => setTimeout(resolve, intervalMs));
        const response = operation === 'LOCK' ? await client.lock(this.lockId) : await client.refreshLock(this.lockId);
        const what = `${operation === 'LOCK' ? 'LOCK again' : 'RefreshLock'} (keep-alive ${i} of ${count})`;
        if (checkSuccess(this.log, 'keep-alive', this.profile, response, { id: 'keep-alive.status', what, consequenceOf: 'KeepAlive' })) {
          this.checkVersionUnchanged('keep-alive', response, 'keep-alive');
        }
      }
    });
  }

  /** Office for the web: PutUserInfo, which the next CheckFileInfo must return as `UserInfo`. */
  async userInfo(): Promise<void> {
    if (!this.profile.usesGetLockAndUserInfo) return;
    await this.phase('user-info', async () => {
      if (!flag(this.capabilities, 'SupportsUserInfo')) {
        this.log.skip('user-info', 'put-user-info.skipped', 'PutUserInfo not sent: SupportsUserInfo is not true');
        return;
      }
      const text = `express-wopi simulate ${randomUUID()}`;
      this.originalUserInfo ??= { value: stringProperty(this.capabilities, 'UserInfo') };
      const response = await this.client.putUserInfo(text);
      if (!checkSuccess(this.log, 'user-info', this.profile, response, { id: 'put-user-info.status' })) return;
      const info = await this.client.checkFileInfo();
      if (
        !checkSuccess(this.log, 'user-info', this.profile, info, {
          id: 'put-user-info.read-back.status',
          what: 'CheckFileInfo after PutUserInfo',
        })
      )
        return;
      const stored = stringProperty(jsonObject(info), 'UserInfo');
      this.log.expect(
        stored === text,
        'user-info',
        'put-user-info.read-back',
        'CheckFileInfo returns the stored UserInfo',
        `CheckFileInfo's UserInfo is ${JSON.stringify(stored)}, not what PutUserInfo stored`,
        info,
      );
    });
  }

  // ---------------------------------------------------------------- what the host must refuse

  /**
   * What the editors rely on the host to refuse while the document is locked; each refusal must be
   * 409 with the current lock in `X-WOPI-Lock`, and leave the content as it was.
   */
  async lockRules(): Promise<void> {
    await this.phase('lock-rules', async () => {
      if (!this.locked || this.lockId === undefined || this.content === undefined) {
        this.log.skip('lock-rules', 'lock-rules.skipped', 'lock rules not probed: the document is not locked');
        return;
      }
      const lockId = this.lockId;
      const probe = Buffer.from(`express-wopi simulate: this save must be refused ${randomUUID()}\n`);
      const otherLock = this.otherLockId(lockId);
      const before = this.content;

      const noLock = await this.client.putFile(probe, { editors: this.editorsFor('first'), fileName: this.fileName });
      checkConflict(this.log, 'lock-rules', noLock, {
        id: 'put-file-without-lock',
        what: 'PutFile without X-WOPI-Lock on the locked file',
        currentLock: lockId,
        why: 'a save from someone who does not hold the lock overwrote the document',
      });
      const wrongLock = await this.client.putFile(probe, { lockId: otherLock, editors: this.editorsFor('first'), fileName: this.fileName });
      checkConflict(this.log, 'lock-rules', wrongLock, {
        id: 'put-file-other-lock',
        what: 'PutFile with another lock ID',
        currentLock: lockId,
        why: 'a save under another lock overwrote the document',
      });
      const steal = await this.client.lock(otherLock);
      checkConflict(this.log, 'lock-rules', steal, {
        id: 'lock-other-id',
        what: `Lock with another ${this.profile.name === 'collabora' ? "Collabora instance's " : ''}lock ID`,
        currentLock: lockId,
        why: 'another editor took over the lock',
      });
      if (steal.status === 200) await this.client.lock(lockId).catch(() => undefined);
      if (this.profile.name === 'collabora' && lockId.toUpperCase() !== lockId) {
        const cased = await this.client.lock(lockId.toUpperCase());
        checkConflict(this.log, 'lock-rules', cased, {
          id: 'lock-other-case',
          what: 'Lock with the held lock ID upper-cased',
          currentLock: lockId,
          why: 'lock IDs must be compared exactly; Collabora lock IDs share their prefix',
        });
      }
      if (this.profile.keepAlive.operation === 'REFRESH_LOCK') {
        const refresh = await this.client.refreshLock(otherLock);
        checkConflict(this.log, 'lock-rules', refresh, {
          id: 'refresh-lock-other-id',
          what: 'RefreshLock with another lock ID',
          currentLock: lockId,
          why: 'a lock that is not held was refreshed',
        });
      }
      if (this.profile.comparesLastModifiedTime) await this.staleTimestampProbe(probe, lockId);
      await this.verifyStored('lock-rules', before, { unchanged: true });
    });
  }

  /** Collabora: a save carrying an older `LastModifiedTime` must be 409 `{"COOLStatusCode":1010}`. */
  private async staleTimestampProbe(probe: Buffer, lockId: string): Promise<void> {
    const stale = this.openLastModified;
    if (stale === undefined || this.heldTimestamp === undefined || stale === this.heldTimestamp) {
      this.log.skip('lock-rules', 'stale-timestamp.skipped', 'no outdated LastModifiedTime to send (it did not change with the save)');
      return;
    }
    const response = await this.client.putFile(probe, { lockId, timestamp: stale, fileName: this.fileName });
    if (response.status !== 409) {
      this.log.fail(
        'lock-rules',
        'stale-timestamp',
        `PutFile with an outdated X-COOL-WOPI-Timestamp answered ${response.status}, expected 409: a save based on an old version overwrote newer content`,
        response,
      );
      return;
    }
    this.log.pass('lock-rules', 'stale-timestamp', 'PutFile with an outdated X-COOL-WOPI-Timestamp answered 409', response);
    checkLockHeader(this.log, 'lock-rules', response, {
      id: 'stale-timestamp.lock-header',
      currentLock: lockId,
      what: 'PutFile with an outdated X-COOL-WOPI-Timestamp',
    });
    const code = jsonObject(response)?.COOLStatusCode ?? jsonObject(response)?.LOOLStatusCode;
    if (code === 1010) this.log.pass('lock-rules', 'stale-timestamp.status-code', 'the 409 carries {"COOLStatusCode":1010}', response);
    else
      this.log.warn(
        'lock-rules',
        'stale-timestamp.status-code',
        'the 409 has no {"COOLStatusCode":1010}: Collabora reports a generic conflict',
        response,
      );
  }

  private otherLockId(lockId: string): string {
    if (this.profile.name === 'collabora') {
      let other = collaboraLockId();
      while (other === lockId) other = collaboraLockId();
      return other;
    }
    if (this.profile.name === 'microsoft') return officeLockId();
    return `${lockId}-other-node`;
  }

  // ---------------------------------------------------------------- Save As, rename

  /**
   * Save As: PutRelativeFile with a UTF-7 name and no lock (Collabora and Office with
   * `X-WOPI-Size`); the new file is opened from the answer's `Url` and its bytes read back.
   */
  async saveAs(): Promise<void> {
    await this.phase('save-as', async () => {
      if (flag(this.capabilities, 'UserCanNotWriteRelative')) {
        this.log.skip('save-as', 'save-as.skipped', 'Save As not sent: CheckFileInfo says UserCanNotWriteRelative');
        return;
      }
      const body = this.content ?? Buffer.alloc(0);
      const { base, extension } = splitName(this.fileName ?? 'document');
      const suggested = `${base} (copie simulée)${extension}`;
      const response = await this.client.putRelativeFile(body, { suggestedTarget: suggested, fileName: this.fileName });
      if (!checkSuccess(this.log, 'save-as', this.profile, response, { id: 'save-as.status', what: 'PutRelativeFile (Save As)' })) return;
      const answer = jsonObject(response);
      if (answer === undefined) {
        this.log.fail(
          'save-as',
          'save-as.json',
          `PutRelativeFile's body is not a JSON object${consequence(this.profile, 'PutRelativeFile')}`,
          response,
        );
        return;
      }
      const name = stringProperty(answer, 'Name');
      const url = stringProperty(answer, 'Url');
      if (name === undefined || name === '') {
        this.log.fail('save-as', 'save-as.name', "PutRelativeFile's answer has no Name", response);
      } else {
        this.checkDecodedName('save-as', response, name, 'X-WOPI-SuggestedTarget');
        this.log.expect(
          extension === '' || name.toLowerCase().endsWith(extension.toLowerCase()),
          'save-as',
          'save-as.extension',
          `the new name keeps the extension ${extension || '(none)'}`,
          `the new name ${JSON.stringify(name)} lost the extension ${extension}`,
          response,
        );
      }
      const created: CreatedFile = { name: name ?? suggested, client: undefined };
      this.created.push(created);
      if (this.profile.comparesLastModifiedTime) {
        const lastModified = stringProperty(answer, 'LastModifiedTime');
        if (lastModified !== undefined && lastModified !== this.heldTimestamp) {
          this.log.fail(
            'save-as',
            'save-as.last-modified-time',
            "PutRelativeFile's answer carries a LastModifiedTime that is not the original's: Collabora takes it for the original's and its next save conflicts",
            response,
          );
        }
        this.heldTimestamp = lastModified ?? '';
      }
      const client = this.checkUrl('save-as', response, url, { required: true, sameFile: false, what: 'PutRelativeFile' });
      if (client === undefined) return;
      created.client = client;
      await this.openCreated(client, name, body);
    });
  }

  /** The new file, as the editor reopens it from `Url`: CheckFileInfo and GetFile. */
  private async openCreated(client: WopiClient, name: string | undefined, body: Buffer): Promise<void> {
    const info = await client.checkFileInfo();
    if (
      !checkSuccess(this.log, 'save-as', this.profile, info, {
        id: 'save-as.open.status',
        what: 'CheckFileInfo of the new file (from Url)',
      })
    )
      return;
    const baseFileName = stringProperty(jsonObject(info), 'BaseFileName');
    if (name !== undefined) {
      this.log.expect(
        baseFileName === name,
        'save-as',
        'save-as.open.name',
        "the new file's BaseFileName is the Name answered",
        `the new file's BaseFileName ${JSON.stringify(baseFileName)} is not the Name answered (${JSON.stringify(name)})`,
        info,
      );
    }
    const file = await client.getFile();
    if (!checkSuccess(this.log, 'save-as', this.profile, file, { id: 'save-as.open.get-file.status', what: 'GetFile of the new file' }))
      return;
    this.log.expect(
      file.body.equals(body),
      'save-as',
      'save-as.content',
      `the new file holds the ${body.length} bytes sent`,
      `the new file holds ${file.body.length} bytes that are not the ${body.length} bytes sent`,
      file,
    );
  }

  /**
   * Rename: RenameFile with a UTF-7 name and the lock (Collabora sends the document as the body
   * and reloads every client from the answer's `Url`).
   */
  async rename(): Promise<void> {
    await this.phase('rename', async () => {
      if (!flag(this.capabilities, 'SupportsRename') || !flag(this.capabilities, 'UserCanRename')) {
        this.log.skip('rename', 'rename.skipped', 'RenameFile not sent: CheckFileInfo does not say SupportsRename and UserCanRename');
        return;
      }
      const { base, extension } = splitName(this.fileName ?? 'document');
      const requested = `${base} (renommé)`;
      const response = await this.client.renameFile(requested, { ...this.lockOption(), document: this.content ?? Buffer.alloc(0) });
      if (!checkSuccess(this.log, 'rename', this.profile, response, { id: 'rename.status' })) return;
      this.renamed = true;
      const answer = jsonObject(response);
      const name = stringProperty(answer, 'Name');
      if (name === undefined || name === '') {
        this.log.fail('rename', 'rename.name', "RenameFile's answer has no JSON Name: editors show no new title", response);
      } else {
        this.checkDecodedName('rename', response, name, 'X-WOPI-RequestedName');
      }
      const url = stringProperty(answer, 'Url');
      if (this.profile.rename.needsUrl) {
        const client = this.checkUrl('rename', response, url, { required: true, sameFile: true, what: 'RenameFile' });
        if (client !== undefined && name !== undefined) {
          const reopened = await client.checkFileInfo();
          if (
            checkSuccess(this.log, 'rename', this.profile, reopened, {
              id: 'rename.url.open.status',
              what: "CheckFileInfo from RenameFile's Url",
            })
          ) {
            const reopenedName = stringProperty(jsonObject(reopened), 'BaseFileName');
            this.log.expect(
              reopenedName === name + extension,
              'rename',
              'rename.url.open.name',
              'the file reloaded from Url has the new name',
              `the file reloaded from Url is named ${JSON.stringify(reopenedName)}, not ${JSON.stringify(name + extension)}`,
              reopened,
            );
          }
        }
        this.heldTimestamp = stringProperty(answer, 'LastModifiedTime') ?? '';
      }
      const info = await this.client.checkFileInfo();
      if (!checkSuccess(this.log, 'rename', this.profile, info, { id: 'rename.read-back.status', what: 'CheckFileInfo after the rename' }))
        return;
      const now = stringProperty(jsonObject(info), 'BaseFileName');
      if (name !== undefined) {
        this.log.expect(
          now === name + extension,
          'rename',
          'rename.read-back.name',
          `CheckFileInfo's BaseFileName is the new name ${JSON.stringify(now)}`,
          `CheckFileInfo's BaseFileName is ${JSON.stringify(now)}, RenameFile answered ${JSON.stringify(name)} (plus ${extension || 'no extension'})`,
          info,
        );
      }
      if (now !== undefined) this.fileName = now;
    });
  }

  /** A name sent UTF-7 encoded must come back decoded. */
  private checkDecodedName(phase: SessionPhase, response: WopiResponse, name: string, header: string): void {
    if (name.includes('+AOk')) {
      this.log.fail(phase, `${phase}.utf7`, `the name ${JSON.stringify(name)} still holds UTF-7: ${header} was not decoded`, response);
    } else if (name.includes('é')) {
      this.log.pass(phase, `${phase}.utf7`, `the UTF-7 ${header} was decoded: ${JSON.stringify(name)}`, response);
    } else {
      this.log.warn(phase, `${phase}.utf7`, `the name ${JSON.stringify(name)} lost the non-ASCII characters sent in ${header}`, response);
    }
  }

  /**
   * A `Url` in an answer: an absolute http(s) URL carrying `access_token` (Collabora reopens only
   * with the token taken from it), naming another file (Save As) or the same one (rename). Returns
   * a client for it when it is usable.
   */
  private checkUrl(
    phase: SessionPhase,
    response: WopiResponse,
    url: string | undefined,
    options: { required: boolean; sameFile: boolean; what: string },
  ): WopiClient | undefined {
    if (url === undefined || url === '') {
      const why =
        phase === 'rename' ? `${this.profile.title} reloads every client from it after a rename` : 'the editor cannot open the new file';
      if (options.required) this.log.fail(phase, `${phase}.url`, `${options.what}'s answer has no Url: ${why}`, response);
      return undefined;
    }
    let parsed: URL;
    try {
      parsed = new URL(url);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError('not http');
    } catch {
      this.log.fail(phase, `${phase}.url`, `${options.what}'s Url is not an absolute http(s) URL`, response);
      return undefined;
    }
    const token = parsed.searchParams.get('access_token');
    if (token !== null && token !== '') this.secrets.add(token);
    const shown = `${parsed.origin}${parsed.pathname}`;
    if (token === null || token === '') {
      this.log.fail(
        phase,
        `${phase}.url`,
        `${options.what}'s Url ${shown} carries no access_token: Collabora opens it only with the token taken from it`,
        response,
      );
      if (!options.sameFile) return undefined;
    } else {
      this.log.pass(phase, `${phase}.url`, `${options.what}'s Url ${shown} carries an access token`, response);
    }
    const original = new URL(this.options.wopiSrc);
    const same = parsed.origin === original.origin && parsed.pathname.replace(/\/+$/, '') === original.pathname.replace(/\/+$/, '');
    if (options.sameFile !== same) {
      this.log.fail(
        phase,
        `${phase}.url.file`,
        options.sameFile
          ? `${options.what}'s Url ${shown} is not this file's WOPISrc`
          : `${options.what}'s Url is the original file's WOPISrc, not the new file's`,
        response,
      );
      if (!options.sameFile) return undefined;
    }
    try {
      return WopiClient.fromUrl(url, {
        editor: this.profile,
        identity: this.client.identity,
        fallbackToken: this.options.accessToken,
        ...(this.options.proofKeys === undefined ? {} : { proofKeys: this.options.proofKeys }),
        ...(this.options.timeoutMs === undefined ? {} : { timeoutMs: this.options.timeoutMs }),
        ...(this.options.fetch === undefined ? {} : { fetch: this.options.fetch }),
      });
    } catch {
      return undefined;
    }
  }

  // ---------------------------------------------------------------- close, cleanup

  /**
   * Unlock; then, with the file unlocked, Unlock again and a save without a lock must both be
   * refused with 409 and an empty `X-WOPI-Lock`.
   */
  async close(): Promise<void> {
    await this.phase('close', async () => {
      if (!this.locked || this.lockId === undefined) {
        this.log.skip('close', 'unlock.skipped', 'no Unlock: the document is not locked');
        return;
      }
      const client = this.lastChanger === 'second' && this.second !== undefined ? this.second : this.client;
      const lockId = this.lockId;
      const response = await client.unlock(lockId);
      if (!checkSuccess(this.log, 'close', this.profile, response, { id: 'unlock.status' })) return;
      this.locked = false;
      this.checkVersionUnchanged('close', response, 'unlock');

      const again = await client.unlock(lockId);
      checkConflict(this.log, 'close', again, {
        id: 'unlock-unlocked',
        what: 'Unlock of the unlocked file',
        currentLock: '',
        why: 'a lock that is not there was released',
      });
      if (this.content !== undefined && this.content.length > 0) {
        const probe = Buffer.from(`express-wopi simulate: this save must be refused ${randomUUID()}\n`);
        const save = await client.putFile(probe, { editors: this.editorsFor('first'), fileName: this.fileName });
        checkConflict(this.log, 'close', save, {
          id: 'put-file-unlocked',
          what: 'PutFile without a lock on the unlocked, non-empty file',
          currentLock: '',
          why: 'a save without any lock overwrote a document that is not empty',
        });
        if (flag(this.capabilities, 'SupportsGetLock')) await this.expectLock('close', 'get-lock-unlocked', '');
        await this.verifyStored('close', this.content, { unchanged: true });
      }
    });
  }

  /**
   * Deletes the Save As copy and restores the original content, name and user info (with a lock
   * of its own), unless `cleanup: false`. Runs even when an earlier phase failed.
   */
  async cleanup(): Promise<void> {
    if (this.options.cleanup === false) {
      this.log.skip('cleanup', 'cleanup.off', 'cleanup is off: the saved content, the new name and any Save As copy stay');
      return;
    }
    await this.tryCleanup(async () => {
      if (this.locked && this.lockId !== undefined) {
        const response = await this.client.unlock(this.lockId);
        if (
          checkSuccess(this.log, 'cleanup', this.profile, response, { id: 'cleanup.unlock.status', what: "Unlock of the session's lock" })
        )
          this.locked = false;
      }
    });
    for (const created of this.created) await this.tryCleanup(() => this.deleteCreated(created));
    await this.tryCleanup(() => this.restoreOriginal());
    if (this.originalUserInfo !== undefined) {
      const value = this.originalUserInfo.value ?? '';
      await this.tryCleanup(async () => {
        const response = await this.client.putUserInfo(value);
        checkSuccess(this.log, 'cleanup', this.profile, response, {
          id: 'cleanup.user-info.status',
          what: 'PutUserInfo restoring the user info',
        });
      });
    }
  }

  private async deleteCreated(created: CreatedFile): Promise<void> {
    if (created.client === undefined) {
      this.log.warn(
        'cleanup',
        'cleanup.delete',
        `cannot delete ${JSON.stringify(created.name)}: the host gave no usable Url for it; remove it yourself`,
      );
      return;
    }
    const info = await created.client.checkFileInfo();
    if (info.status === 200 && !flag(jsonObject(info) ?? {}, 'SupportsDeleteFile')) {
      this.log.warn(
        'cleanup',
        'cleanup.delete',
        `cannot delete ${JSON.stringify(created.name)}: the host does not support DeleteFile; remove it yourself`,
      );
      return;
    }
    const response = await created.client.deleteFile();
    checkSuccess(this.log, 'cleanup', this.profile, response, {
      id: 'cleanup.delete.status',
      what: `DeleteFile of the Save As copy ${JSON.stringify(created.name)}`,
    });
  }

  private async restoreOriginal(): Promise<void> {
    const original = this.original;
    if (original === undefined) return;
    const contentChanged = this.content !== undefined && !this.content.equals(original.content);
    if (!contentChanged && !this.renamed) return;
    const lockId = this.locking ? this.profile.lockId(this.options.wopiSrc) : undefined;
    if (lockId !== undefined) {
      const lock = await this.client.lock(lockId);
      if (!checkSuccess(this.log, 'cleanup', this.profile, lock, { id: 'cleanup.lock.status', what: 'Lock for the cleanup' })) return;
    }
    try {
      if (contentChanged) {
        const response = await this.client.putFile(original.content, {
          ...(lockId === undefined ? {} : { lockId }),
          editors: this.editorsFor('first'),
          save: { modifiedByUser: true, autosave: false, exitSave: false },
          fileName: this.fileName,
        });
        if (
          checkSuccess(this.log, 'cleanup', this.profile, response, {
            id: 'cleanup.put-file.status',
            what: 'PutFile restoring the original content',
          })
        ) {
          this.content = original.content;
        }
      }
      if (this.renamed) {
        const response = await this.client.renameFile(splitName(original.name).base, {
          ...(lockId === undefined ? {} : { lockId }),
          document: original.content,
        });
        if (
          checkSuccess(this.log, 'cleanup', this.profile, response, {
            id: 'cleanup.rename.status',
            what: 'RenameFile back to the original name',
          })
        ) {
          this.renamed = false;
        }
      }
    } finally {
      if (lockId !== undefined) {
        const unlock = await this.client.unlock(lockId);
        checkSuccess(this.log, 'cleanup', this.profile, unlock, { id: 'cleanup.unlock.status', what: 'Unlock after the cleanup' });
      }
    }
    const info = await this.client.checkFileInfo();
    const restored = jsonObject(info) ?? {};
    this.log.expect(
      info.status === 200 && restored.BaseFileName === original.name && restored.Size === original.content.length,
      'cleanup',
      'cleanup.restored',
      `the file is back to ${JSON.stringify(original.name)}, ${original.content.length} bytes`,
      `the file could not be restored: it is ${JSON.stringify(restored.BaseFileName)}, ${JSON.stringify(restored.Size)} bytes`,
      info,
    );
  }

  private async tryCleanup(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      if (!(err instanceof WopiClientError)) throw err;
      this.log.fail('cleanup', 'cleanup.no-answer', err.message);
    }
  }

  // ---------------------------------------------------------------- helpers

  /** Runs a phase unless the session stopped; a request without an answer stops it. */
  private async phase(phase: SessionPhase, fn: () => Promise<void>): Promise<void> {
    if (this.stopReason !== undefined) {
      this.log.skip(phase, `${phase}.skipped`, `skipped: ${this.stopReason}`);
      return;
    }
    try {
      await fn();
    } catch (err) {
      if (!(err instanceof WopiClientError)) throw err;
      this.log.fail(phase, `${phase}.no-answer`, err.message);
      this.stop('a request got no answer');
    }
  }

  private stop(reason: string): void {
    this.stopReason ??= reason;
  }

  private lockOption(): { lockId?: string } {
    return this.locked && this.lockId !== undefined ? { lockId: this.lockId } : {};
  }

  private timestampOption(): { timestamp?: string } {
    return this.heldTimestamp === undefined || this.heldTimestamp === '' ? {} : { timestamp: this.heldTimestamp };
  }

  private editorsFor(who: 'first' | 'second' | 'both'): string[] {
    const ids = who === 'both' ? [this.userIds.first, this.userIds.second] : [this.userIds[who]];
    return [...new Set(ids.filter((id): id is string => id !== undefined && id !== ''))];
  }

  /** New content for a save: the original bytes plus a line that makes each save different. */
  private newContent(label: string): Buffer {
    return Buffer.concat([
      this.original?.content ?? Buffer.alloc(0),
      Buffer.from(`\nexpress-wopi simulate ${this.profile.name} ${label} ${randomUUID()}\n`),
    ]);
  }

  /**
   * After a save: `X-WOPI-ItemVersion`, when sent, must differ from the version before. Returns
   * it. The read-back then checks CheckFileInfo's `Version`.
   */
  private checkVersionChanged(phase: SessionPhase, response: WopiResponse, id: string): string | undefined {
    const itemVersion = response.header('X-WOPI-ItemVersion') ?? undefined;
    if (itemVersion !== undefined && this.version !== undefined) {
      this.log.expect(
        itemVersion !== this.version,
        phase,
        `${id}.item-version-changed`,
        'X-WOPI-ItemVersion changed with the content',
        `X-WOPI-ItemVersion is still ${JSON.stringify(itemVersion)} after the content changed`,
        response,
      );
    }
    if (itemVersion !== undefined) this.version = itemVersion;
    return itemVersion;
  }

  /** After a lock operation: `X-WOPI-ItemVersion`, when sent, must be the version before. */
  private checkVersionUnchanged(phase: SessionPhase, response: WopiResponse, id: string): void {
    const itemVersion = response.header('X-WOPI-ItemVersion');
    if (itemVersion === null || this.version === undefined) return;
    this.log.expect(
      itemVersion === this.version,
      phase,
      `${id}.item-version-unchanged`,
      `${response.operation}'s X-WOPI-ItemVersion is the unchanged version`,
      `${response.operation}'s X-WOPI-ItemVersion ${JSON.stringify(itemVersion)} differs from the version ${JSON.stringify(this.version)} although the content did not change`,
      response,
    );
  }

  /**
   * A save's `LastModifiedTime`: Collabora needs it (later saves send it back; joins compare it)
   * and holds `''` without it; ONLYOFFICE keeps its previous value without it.
   */
  private takeTimestampFrom(response: WopiResponse, phase: SessionPhase): string | undefined {
    const lastModified = stringProperty(jsonObject(response), 'LastModifiedTime');
    if (this.profile.name === 'microsoft') return lastModified;
    if (lastModified === undefined) {
      if (this.profile.comparesLastModifiedTime) {
        this.log.fail(
          phase,
          'put-file.last-modified-time',
          "PutFile's answer has no JSON LastModifiedTime: Collabora's later saves carry no timestamp and joins cannot detect changes",
          response,
        );
        this.heldTimestamp = '';
      } else {
        this.log.warn(
          phase,
          'put-file.last-modified-time',
          "PutFile's answer has no JSON LastModifiedTime: ONLYOFFICE keeps sending the one CheckFileInfo gave",
          response,
        );
      }
      return undefined;
    }
    this.log.pass(phase, 'put-file.last-modified-time', `PutFile's answer has LastModifiedTime ${JSON.stringify(lastModified)}`, response);
    this.heldTimestamp = lastModified;
    return lastModified;
  }

  private redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) if (secret !== '') out = out.split(secret).join('***');
    return out;
  }
}

/** Plays one editor's whole session against a host; see {@link WopiSession}. */
export function simulateSession(options: SimulateSessionOptions): Promise<SimulationReport> {
  return new WopiSession(options).run();
}

/** A report as text: one line per check and the `N passed, N failed` line. */
export function formatReport(report: SimulationReport): string {
  return `${[...report.checks.map(formatCheck), formatSummary(report)].join('\n')}\n`;
}

/** Throws an `Error` listing the failed checks when the report has any (for jest). */
export function assertSimulationPassed(report: SimulationReport): void {
  if (report.ok) return;
  const failures = report.checks.filter((c) => c.status === 'fail').map(formatCheck);
  throw new Error(`${report.editor} session: ${formatSummary(report)}\n${failures.join('\n')}`);
}

/** A lock ID for a message: as is, or its start when it is long (Office's are). */
export function showLock(lockId: string): string {
  return lockId.length > 48 ? `${lockId.slice(0, 45)}...` : lockId;
}

function splitName(name: string): { base: string; extension: string } {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return { base: name, extension: '' };
  return { base: name.slice(0, dot), extension: name.slice(dot) };
}
