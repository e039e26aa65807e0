/**
 * The checks the simulator makes on a host's answers, and the record of them: each check is one
 * line (pass, fail, warn or skip) tied to a phase of the session and, where there was one, to the
 * WOPI answer it judged. Only `fail` makes a run fail; `warn` marks what an editor copes with but
 * a user may notice (no `PostMessageOrigin`, say); `skip` marks a step the host does not offer.
 */
import type { WopiResponse } from './client';
import type { EditorProfile, WopiOperationName } from './profiles';

/** The outcome of one check. */
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

/** The phases of a session, in the order they run. */
export type SessionPhase =
  | 'open'
  | 'autosave'
  | 'join'
  | 'keep-alive'
  | 'user-info'
  | 'lock-rules'
  | 'save-as'
  | 'rename'
  | 'exit-save'
  | 'close'
  | 'cleanup';

/** One check. */
export interface SimulationCheck {
  phase: SessionPhase;
  /** A stable identifier, e.g. `lock.status` or `put-file.version-changed`. */
  id: string;
  status: CheckStatus;
  /** One line for people. Never holds a token or a URL's query string. */
  message: string;
  /** The WOPI operation whose answer was judged, when there was one. */
  operation?: WopiOperationName;
  /** Its HTTP status. */
  httpStatus?: number;
}

/** Counts of a list of checks. */
export interface CheckSummary {
  passed: number;
  failed: number;
  warnings: number;
  skipped: number;
}

/**
 * Collects checks in order; `onCheck` sees each one as it is made, and `redact` cleans every
 * message first (the session takes the tokens it knows out).
 */
export class CheckLog {
  readonly checks: SimulationCheck[] = [];

  constructor(
    private readonly onCheck?: (check: SimulationCheck) => void,
    private readonly redact: (text: string) => string = (text) => text,
  ) {}

  /** Adds a check. */
  add(check: SimulationCheck): SimulationCheck {
    const clean = { ...check, message: this.redact(check.message) };
    this.checks.push(clean);
    this.onCheck?.(clean);
    return clean;
  }

  pass(phase: SessionPhase, id: string, message: string, response?: WopiResponse): SimulationCheck {
    return this.add(withResponse({ phase, id, status: 'pass', message }, response));
  }

  fail(phase: SessionPhase, id: string, message: string, response?: WopiResponse): SimulationCheck {
    return this.add(withResponse({ phase, id, status: 'fail', message }, response));
  }

  warn(phase: SessionPhase, id: string, message: string, response?: WopiResponse): SimulationCheck {
    return this.add(withResponse({ phase, id, status: 'warn', message }, response));
  }

  skip(phase: SessionPhase, id: string, message: string): SimulationCheck {
    return this.add({ phase, id, status: 'skip', message });
  }

  /** A pass or a fail, by `ok`. Returns `ok`. */
  expect(ok: boolean, phase: SessionPhase, id: string, passMessage: string, failMessage: string, response?: WopiResponse): boolean {
    if (ok) this.pass(phase, id, passMessage, response);
    else this.fail(phase, id, failMessage, response);
    return ok;
  }

  /** Whether any check failed. */
  get failed(): boolean {
    return this.checks.some((c) => c.status === 'fail');
  }

  summary(): CheckSummary {
    return summarizeChecks(this.checks);
  }
}

function withResponse(check: SimulationCheck, response: WopiResponse | undefined): SimulationCheck {
  return response === undefined ? check : { ...check, operation: response.operation, httpStatus: response.status };
}

/** Counts checks by outcome. */
export function summarizeChecks(checks: readonly SimulationCheck[]): CheckSummary {
  const summary: CheckSummary = { passed: 0, failed: 0, warnings: 0, skipped: 0 };
  for (const c of checks) {
    if (c.status === 'pass') summary.passed++;
    else if (c.status === 'fail') summary.failed++;
    else if (c.status === 'warn') summary.warnings++;
    else summary.skipped++;
  }
  return summary;
}

const LABEL: Record<CheckStatus, string> = { pass: 'pass', fail: 'FAIL', warn: 'warn', skip: 'skip' };

/** One check as a line: `pass  [open] CheckFileInfo answered 200`. */
export function formatCheck(check: SimulationCheck): string {
  return `${LABEL[check.status].padEnd(4)}  [${check.phase}] ${check.message}`;
}

/** The last line of a run: `N passed, N failed`. */
export function formatSummary(summary: CheckSummary): string {
  return `${summary.passed} passed, ${summary.failed} failed`;
}

/** `200 or 204` / `200`. */
export function describeStatuses(statuses: readonly number[]): string {
  if (statuses.length === 1) return String(statuses[0]);
  return `${statuses.slice(0, -1).join(', ')} or ${statuses[statuses.length - 1]}`;
}

/** What the editor makes of a failed operation, as a `: …` tail for a message ('' when unknown). */
export function consequence(profile: EditorProfile, key: keyof EditorProfile['consequences']): string {
  const text = profile.consequences[key];
  return text === undefined ? '' : `: ${text}`;
}

/**
 * The status check every editor makes: the answer must be one the editor takes as success
 * (ONLYOFFICE: 200/204 for POSTs, 200/206 for GETs; Collabora and Microsoft: exactly 200).
 */
export function checkSuccess(
  log: CheckLog,
  phase: SessionPhase,
  profile: EditorProfile,
  response: WopiResponse,
  options: { id: string; what?: string; consequenceOf?: keyof EditorProfile['consequences'] },
): boolean {
  const allowed = response.operation === 'CheckFileInfo' || response.operation === 'GetFile' ? profile.getSuccess : profile.postSuccess;
  const what = options.what ?? response.operation;
  const ok = allowed.includes(response.status);
  log.expect(
    ok,
    phase,
    options.id,
    `${what} answered ${response.status}`,
    `${what} answered ${response.status}${hintFor(response)}, ${profile.title} needs ${describeStatuses(allowed)}${consequence(profile, options.consequenceOf ?? response.operation)}`,
    response,
  );
  // Every 409, expected or not, must name the current lock.
  if (response.status === 409) checkLockHeader(log, phase, response, { id: `${options.id}.lock-header`, what });
  return ok;
}

/** A short reason for a common failure status, from the body when it is plain text. */
function hintFor(response: WopiResponse): string {
  const text = response.body.length > 0 && response.body.length <= 200 ? response.text().trim().split('\n')[0] : '';
  const safe = text !== undefined && text !== '' && !/access_token|bearer/i.test(text) ? ` (${text})` : '';
  if (response.status === 409) {
    const lock = response.header('X-WOPI-Lock');
    return lock === null ? safe : ` (the file is locked with ${lock === '' ? 'no lock' : JSON.stringify(lock)})`;
  }
  return safe;
}

/**
 * A refusal the protocol requires: 409 with `X-WOPI-Lock` holding the current lock (`''` when the
 * file is not locked). Records the status check and the header check.
 */
export function checkConflict(
  log: CheckLog,
  phase: SessionPhase,
  response: WopiResponse,
  options: { id: string; what: string; currentLock: string; why: string },
): boolean {
  if (response.status !== 409) {
    log.fail(phase, options.id, `${options.what} answered ${response.status}, expected 409: ${options.why}`, response);
    return false;
  }
  log.pass(phase, options.id, `${options.what} answered 409`, response);
  return checkLockHeader(log, phase, response, { id: `${options.id}.lock-header`, currentLock: options.currentLock, what: options.what });
}

/** On a 409: `X-WOPI-Lock` must be present and hold `currentLock` (when known). */
export function checkLockHeader(
  log: CheckLog,
  phase: SessionPhase,
  response: WopiResponse,
  options: { id: string; currentLock?: string; what?: string },
): boolean {
  const lock = response.header('X-WOPI-Lock');
  const what = `the 409 to ${options.what ?? response.operation}`;
  if (lock === null) {
    log.fail(phase, options.id, `${what} has no X-WOPI-Lock header: every 409 must name the current lock ("" when unlocked)`, response);
    return false;
  }
  if (options.currentLock === undefined) {
    log.pass(phase, options.id, `${what} carries X-WOPI-Lock`, response);
    return true;
  }
  const expected = options.currentLock === '' ? 'an empty X-WOPI-Lock (the file is not locked)' : 'the held lock in X-WOPI-Lock';
  return log.expect(
    lock === options.currentLock,
    phase,
    options.id,
    `${what} carries ${expected}`,
    `${what} carries X-WOPI-Lock ${JSON.stringify(lock)}, expected ${options.currentLock === '' ? '""' : JSON.stringify(options.currentLock)} (the current lock)`,
    response,
  );
}

/** The JSON object in a body, or `undefined` when the body is not a JSON object. */
export function jsonObject(response: WopiResponse): Record<string, unknown> | undefined {
  const value = response.json();
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** A CheckFileInfo flag as the editors read it: JSON `true`, or the string `"true"` (Collabora accepts both). */
export function flag(info: Record<string, unknown>, name: string): boolean {
  const value = info[name];
  return value === true || value === 'true';
}

/** A string property, or `undefined`. */
export function stringProperty(info: Record<string, unknown> | undefined, name: string): string | undefined {
  const value = info?.[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The CheckFileInfo properties every editor needs: a JSON object, `BaseFileName` without `/`,
 * `Size`, `Version`, `OwnerId` and `UserId`; `LastModifiedTime` as a string for Collabora (a
 * warning for the others); `UserFriendlyName` and `PostMessageOrigin` as warnings. Returns the
 * object, or `undefined` when it is unusable.
 */
export function checkCheckFileInfo(
  log: CheckLog,
  phase: SessionPhase,
  profile: EditorProfile,
  response: WopiResponse,
  idPrefix = 'check-file-info',
): Record<string, unknown> | undefined {
  const info = jsonObject(response);
  if (info === undefined) {
    log.fail(phase, `${idPrefix}.json`, `CheckFileInfo's body is not a JSON object${consequence(profile, 'CheckFileInfo')}`, response);
    return undefined;
  }
  const name = info.BaseFileName;
  log.expect(
    typeof name === 'string' && name !== '' && !name.includes('/'),
    phase,
    `${idPrefix}.base-file-name`,
    `CheckFileInfo has BaseFileName ${JSON.stringify(name)}`,
    `CheckFileInfo's BaseFileName is ${JSON.stringify(name)}: it must be a file name without "/"${consequence(profile, 'CheckFileInfo')}`,
    response,
  );
  const size = info.Size;
  log.expect(
    typeof size === 'number' && Number.isSafeInteger(size) && size >= 0,
    phase,
    `${idPrefix}.size`,
    `CheckFileInfo has Size ${String(size)}`,
    `CheckFileInfo's Size is ${JSON.stringify(size)}: it must be the size in bytes`,
    response,
  );
  const version = info.Version;
  log.expect(
    typeof version === 'string' && version !== '',
    phase,
    `${idPrefix}.version`,
    'CheckFileInfo has a Version',
    `CheckFileInfo's Version is ${JSON.stringify(version)}: it must be a string that changes with the content`,
    response,
  );
  for (const property of ['OwnerId', 'UserId'] as const) {
    const value = info[property];
    log.expect(
      typeof value === 'string' && value !== '',
      phase,
      `${idPrefix}.${property.toLowerCase()}`,
      `CheckFileInfo has ${property}`,
      `CheckFileInfo's ${property} is ${JSON.stringify(value)}: WOPI requires a non-empty string`,
      response,
    );
  }
  const lastModified = info.LastModifiedTime;
  if (typeof lastModified === 'string' && lastModified !== '') {
    log.pass(phase, `${idPrefix}.last-modified-time`, `CheckFileInfo has LastModifiedTime ${JSON.stringify(lastModified)}`, response);
  } else if (profile.comparesLastModifiedTime) {
    log.fail(
      phase,
      `${idPrefix}.last-modified-time`,
      `CheckFileInfo has no LastModifiedTime string: ${profile.title} cannot detect saves made behind its back`,
      response,
    );
  } else {
    log.warn(phase, `${idPrefix}.last-modified-time`, 'CheckFileInfo has no LastModifiedTime', response);
  }
  if (typeof info.UserFriendlyName !== 'string' || info.UserFriendlyName === '') {
    log.warn(phase, `${idPrefix}.user-friendly-name`, 'CheckFileInfo has no UserFriendlyName: editors show a made-up user name', response);
  }
  return info;
}
