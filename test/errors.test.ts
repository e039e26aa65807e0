import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  BadRequestError,
  DocumentChangedError,
  FileExistsError,
  ContainerNotEmptyError,
  FileNotFoundError,
  FileTooLargeError,
  InternalServerError,
  InvalidTokenError,
  LockConflictError,
  LockStoreUnavailableError,
  NotImplementedError,
  PreconditionFailedError,
  UploadTimeoutError,
  WopiConfigError,
  WopiError,
  type WopiConfigErrorCode,
  type WopiErrorCode,
} from '../src';
import {
  DiscoveryActionNotFoundError,
  DiscoveryError,
  LockStoreUnavailableError as LockStoreUnavailableErrorOfErrors,
  ProofKeyError,
  WOPI_CONFIG_ERROR_CODES,
  WOPI_ERROR_CODES,
} from '../src/errors';

describe('WopiError subclasses', () => {
  const subclasses: Array<[string, () => WopiError, number, WopiErrorCode, boolean, string]> = [
    ['BadRequestError', () => new BadRequestError('bad'), 400, 'WOPI_BAD_REQUEST', true, 'bad'],
    ['InvalidTokenError', () => new InvalidTokenError(), 401, 'WOPI_INVALID_TOKEN', true, 'Invalid access token'],
    ['FileNotFoundError', () => new FileNotFoundError(), 404, 'WOPI_FILE_NOT_FOUND', true, 'File not found'],
    [
      'DiscoveryActionNotFoundError',
      () => new DiscoveryActionNotFoundError(),
      404,
      'WOPI_ACTION_NOT_FOUND',
      true,
      'The editor has no such action for this file type',
    ],
    ['UploadTimeoutError', () => new UploadTimeoutError(), 408, 'WOPI_UPLOAD_TIMEOUT', true, 'Upload timed out'],
    ['FileExistsError', () => new FileExistsError(), 409, 'WOPI_FILE_EXISTS', true, 'A file with this name already exists'],
    ['ContainerNotEmptyError', () => new ContainerNotEmptyError(), 409, 'WOPI_CONTAINER_NOT_EMPTY', true, 'The container is not empty'],
    ['LockConflictError', () => new LockConflictError('L1', 'locked'), 409, 'WOPI_LOCK_CONFLICT', true, 'locked'],
    ['DocumentChangedError', () => new DocumentChangedError('L1'), 409, 'WOPI_DOCUMENT_CHANGED', true, 'Document changed in storage'],
    ['PreconditionFailedError', () => new PreconditionFailedError('big'), 412, 'WOPI_PRECONDITION_FAILED', true, 'big'],
    ['FileTooLargeError', () => new FileTooLargeError(), 413, 'WOPI_FILE_TOO_LARGE', true, 'File too large'],
    ['InternalServerError', () => new InternalServerError(), 500, 'WOPI_INTERNAL', false, 'Internal server error'],
    [
      'LockStoreUnavailableError',
      () => new LockStoreUnavailableError(),
      500,
      'WOPI_LOCK_STORE_UNAVAILABLE',
      false,
      'Lock store unavailable',
    ],
    [
      'ProofKeyError',
      () => new ProofKeyError('bad-signature'),
      500,
      'WOPI_PROOF_INVALID',
      false,
      'Proof key validation failed (bad-signature)',
    ],
    ['DiscoveryError', () => new DiscoveryError('down'), 500, 'WOPI_DISCOVERY_UNAVAILABLE', false, 'down'],
    ['NotImplementedError', () => new NotImplementedError(), 501, 'WOPI_NOT_IMPLEMENTED', true, 'Not implemented'],
  ];

  it('every code has exactly one class, in the order of WOPI_ERROR_CODES', () => {
    expect(subclasses.map(([, , , code]) => code)).toStrictEqual([...WOPI_ERROR_CODES]);
  });

  it.each(subclasses)('%s: status %d, code %s, expose %s', (name, make, status, code, expose, message) => {
    const err = make();
    expect(err).toBeInstanceOf(WopiError);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe(name);
    expect(err.status).toBe(status);
    expect(err.code).toBe(code);
    expect(err.expose).toBe(expose);
    expect(err.message).toBe(message);
    expect(WopiError.is(err)).toBe(true);
    expect(Object.isFrozen(err.headers)).toBe(true);
  });

  it.each<[string, () => WopiError]>([
    ['BadRequestError', () => new BadRequestError('x')],
    ['InvalidTokenError', () => new InvalidTokenError()],
    ['FileNotFoundError', () => new FileNotFoundError()],
    ['PreconditionFailedError', () => new PreconditionFailedError('x')],
    ['FileTooLargeError', () => new FileTooLargeError()],
    ['NotImplementedError', () => new NotImplementedError()],
    ['InternalServerError', () => new InternalServerError()],
  ])('%s carries no headers and no body by default', (_name, make) => {
    const err = make();
    expect(err.headers).toStrictEqual({});
    expect(err.body).toBeUndefined();
  });

  it.each<[number, boolean]>([
    [400, true],
    [404, true],
    [499, true],
    [500, false],
    [501, true],
    [502, false],
    [503, false],
  ])('a WopiError with status %d has expose=%s', (status, expose) => {
    expect(new WopiError(status, 'X', 'm').expose).toBe(expose);
  });

  it('keeps the cause for logs', () => {
    const cause = new Error('redis down');
    const err = new InternalServerError('lock store failed', { cause });
    expect(err.cause).toBe(cause);
    expect(new InternalServerError().cause).toBeUndefined();
  });

  it('freezes a copy of the given headers', () => {
    const headers = { 'X-A': '1' };
    const err = new BadRequestError('x', { headers });
    headers['X-A'] = '2';
    expect(err.headers).toStrictEqual({ 'X-A': '1' });
  });
});

describe('LockConflictError', () => {
  it.each<[string | null, string]>([
    ['L1', 'L1'],
    ['{"S":"x", "F":4}', '{"S":"x", "F":4}'],
    [null, ''],
    ['', ''],
  ])('current lock %j → X-WOPI-Lock %j plus the reason header', (current, header) => {
    const err = new LockConflictError(current, 'File is not locked');
    expect(err.currentLock).toBe(header);
    expect(err.headers).toStrictEqual({ 'X-WOPI-Lock': header, 'X-WOPI-LockFailureReason': 'File is not locked' });
    expect(err.body).toBeUndefined();
  });

  it('merges extra headers and keeps the cause', () => {
    const cause = new Error('c');
    const err = new LockConflictError('L', 'r', { headers: { 'X-Extra': 'y' }, cause });
    expect(err.headers).toStrictEqual({ 'X-WOPI-Lock': 'L', 'X-WOPI-LockFailureReason': 'r', 'X-Extra': 'y' });
    expect(err.cause).toBe(cause);
  });
});

describe('DocumentChangedError', () => {
  it.each<[string | null, string]>([
    ['L1', 'L1'],
    [null, ''],
  ])('current lock %j → body {COOLStatusCode:1010}, X-WOPI-Lock %j', (current, header) => {
    const err = new DocumentChangedError(current);
    expect(err.status).toBe(409);
    expect(err.body).toStrictEqual({ COOLStatusCode: 1010 });
    expect(err.headers['X-WOPI-Lock']).toBe(header);
    expect(err.headers['X-WOPI-LockFailureReason']).toBe('Document changed in storage');
  });
});

describe('WopiError.is', () => {
  const brand = Symbol.for('express-wopi.error');
  it.each<[string, unknown, boolean]>([
    ['a WopiError', new WopiError(418, 'X', 'teapot'), true],
    ['a subclass instance', new FileNotFoundError(), true],
    ['a branded plain object (error from another copy of the package)', { [brand]: true, status: 404, message: 'x' }, true],
    ['an object whose brand is not exactly true', { [brand]: 1, status: 404 }, false],
    ['an object with a look-alike non-registered symbol', { [Symbol('express-wopi.error')]: true, status: 404 }, false],
    ['an object with a string key of the same name', { 'express-wopi.error': true, status: 404 }, false],
    ['a plain Error', new Error('x'), false],
    ['a plain object with status', { status: 404, code: 'WOPI_FILE_NOT_FOUND' }, false],
    ['a WopiConfigError', new WopiConfigError('WOPI_OPTION_UNKNOWN', 'x'), false],
    ['null', null, false],
    ['undefined', undefined, false],
    ['a string', 'WopiError', false],
    ['a number', 404, false],
  ])('%s → %s', (_label, value, expected) => {
    expect(WopiError.is(value)).toBe(expected);
  });

  it.each<[string, unknown, WopiErrorCode, boolean]>([
    ['the code asked for', new FileExistsError(), 'WOPI_FILE_EXISTS', true],
    ['another code', new FileNotFoundError(), 'WOPI_FILE_EXISTS', false],
    [
      'a branded object from another copy, with that code',
      { [brand]: true, status: 409, code: 'WOPI_FILE_EXISTS' },
      'WOPI_FILE_EXISTS',
      true,
    ],
    ['an unbranded object with that code', { status: 409, code: 'WOPI_FILE_EXISTS' }, 'WOPI_FILE_EXISTS', false],
  ])('with a code: %s → %s', (_label, value, code, expected) => {
    expect(WopiError.is(value, code)).toBe(expected);
  });

  it('recognises an error created by a separately loaded copy of the module', () => {
    let Other: typeof FileNotFoundError | undefined;
    jest.isolateModules(() => {
      Other = (require('../src/errors') as typeof import('../src/errors')).FileNotFoundError;
    });
    expect(Other).toBeDefined();
    expect(Other).not.toBe(FileNotFoundError);
    const foreign = new Other!();
    expect(foreign instanceof WopiError).toBe(false);
    expect(WopiError.is(foreign)).toBe(true);
  });
});

describe('WopiConfigError', () => {
  it.each<WopiConfigErrorCode>([...WOPI_CONFIG_ERROR_CODES])('carries code %s and names it in the message', (code) => {
    const err = new WopiConfigError(code, 'something is wrong');
    expect(err).toBeInstanceOf(TypeError);
    expect(err.name).toBe('WopiConfigError');
    expect(err.code).toBe(code);
    expect(err.message).toBe(`something is wrong [${code}]`);
    expect(err.component).toBeUndefined();
    expect(err.option).toBeUndefined();
  });

  it('carries the component and the option when given', () => {
    const err = new WopiConfigError('WOPI_OPTION_VALUE', 'JwtAuth: `tokenTtlSeconds` must be …', {
      component: 'JwtAuth',
      option: 'tokenTtlSeconds',
    });
    expect(err).toMatchObject({ component: 'JwtAuth', option: 'tokenTtlSeconds' });
  });
});

describe('error codes', () => {
  it('are one family: WOPI_*, and no code is both a runtime and a configuration code', () => {
    const all: string[] = [...WOPI_ERROR_CODES, ...WOPI_CONFIG_ERROR_CODES];
    for (const code of all) expect(code).toMatch(/^WOPI_[A-Z_]+$/);
    expect(new Set(all).size).toBe(all.length);
  });

  it('each has a row in the code table of docs/errors.md', () => {
    const doc = readFileSync(path.join(__dirname, '..', 'docs', 'errors.md'), 'utf8');
    const table = doc.slice(doc.indexOf('## Codes'), doc.indexOf('\n## ', doc.indexOf('## Codes') + 1));
    const rows = [...table.matchAll(/^\| `(WOPI_[A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect(rows.sort()).toStrictEqual([...WOPI_ERROR_CODES, ...WOPI_CONFIG_ERROR_CODES].sort());
  });
});

describe('the headers of a 409', () => {
  it.each<[string, () => WopiError, Record<string, string>]>([
    ['LockConflictError, locked', () => new LockConflictError('L1', 'why'), { 'X-WOPI-Lock': 'L1', 'X-WOPI-LockFailureReason': 'why' }],
    ['LockConflictError, unlocked', () => new LockConflictError(null, 'why'), { 'X-WOPI-Lock': '', 'X-WOPI-LockFailureReason': 'why' }],
    [
      'FileExistsError',
      () => new FileExistsError(),
      { 'X-WOPI-Lock': '', 'X-WOPI-LockFailureReason': 'A file with this name already exists' },
    ],
    ['FileExistsError with a message', () => new FileExistsError('taken'), { 'X-WOPI-Lock': '', 'X-WOPI-LockFailureReason': 'taken' }],
    [
      'FileExistsError with extra headers',
      () => new FileExistsError('taken', { headers: { 'X-WOPI-ValidRelativeTarget': 'b.docx' } }),
      { 'X-WOPI-Lock': '', 'X-WOPI-LockFailureReason': 'taken', 'X-WOPI-ValidRelativeTarget': 'b.docx' },
    ],
    [
      'DocumentChangedError, locked',
      () => new DocumentChangedError('L1'),
      { 'X-WOPI-Lock': 'L1', 'X-WOPI-LockFailureReason': 'Document changed in storage' },
    ],
    [
      'DocumentChangedError, unlocked',
      () => new DocumentChangedError(null),
      { 'X-WOPI-Lock': '', 'X-WOPI-LockFailureReason': 'Document changed in storage' },
    ],
  ])('%s', (_label, make, headers) => {
    const err = make();
    expect(err.status).toBe(409);
    expect(err.headers).toStrictEqual(headers);
  });
});

describe('LockStoreUnavailableError', () => {
  it('is a 500 whose message is never sent, with the backend error as cause', () => {
    const cause = new Error('ECONNREFUSED');
    const err = new LockStoreUnavailableError('locks table unavailable', cause);
    expect(err).toMatchObject({ status: 500, code: 'WOPI_LOCK_STORE_UNAVAILABLE', expose: false, message: 'locks table unavailable' });
    expect(err.cause).toBe(cause);
    expect(WopiError.is(err, 'WOPI_LOCK_STORE_UNAVAILABLE')).toBe(true);
  });

  it('is one class: the main entry exports the one in errors, which any lock store may throw', () => {
    expect(LockStoreUnavailableErrorOfErrors).toBe(LockStoreUnavailableError);
  });
});
