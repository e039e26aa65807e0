import crypto, { createHash, createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type {
  WopiIssuedToken,
  WopiIssueResourceTokenRequest,
  WopiIssueTokenRequest,
  WopiAuth,
  WopiPermissions,
  WopiResource,
  WopiUser,
} from './auth';
import { InvalidTokenError } from '../errors';
import { log } from '../log';
import { BoundedMap } from '../util/bounded-map';
import { kindOf, OptionChecks } from '../util/validate';

const debug = log('auth');

export type JwtAuthAlgorithm = 'HS256' | 'HS384' | 'HS512';

export interface JwtAuthOptions {
  /** HMAC secret; at least 32 bytes. Keep it out of source control. */
  secret: string | Buffer;
  /** Signing algorithm, also the only one accepted on verify. Default `HS256`. */
  algorithm?: JwtAuthAlgorithm;
  /** Lifetime of issued tokens in seconds. Default 36000 (10 hours). */
  tokenTtlSeconds?: number;
  /** `iss` claim set on issue and required on verify. */
  issuer?: string;
  /** `aud` claim set on issue and required on verify. */
  audience?: string;
  /**
   * How many verified tokens to remember, so that the requests of one editor session (which all
   * carry the same token) verify its signature once. Expiry is checked on every request all the
   * same. When the cache is full, the token verified longest ago is forgotten first. `0` turns
   * the cache off. Default 10000.
   */
  verifiedTokenCacheSize?: number;
}

/** What a verified token says, kept by {@link JwtAuth}'s cache of verified tokens. */
interface VerifiedToken {
  claims: TokenClaims;
  /** `exp` in seconds since the epoch (every accepted token has one). */
  exp: number;
}

interface TokenClaims {
  sub: string;
  /**
   * What the token opens: a file ID for a file editing session (the only claim older tokens
   * have); for a resource token the empty string, and `res` says what it opens.
   */
  fid: string;
  /** A resource token's resource: `c:<container ID>`, `e` (the ecosystem) or `u:<file ID>` (FileUrl). */
  res?: string;
  name?: string;
  /** Permissions, compact: w = write, c = create, r = rename. */
  perm: { w: boolean; c?: boolean; r?: boolean };
}

/** SHA-256 in base64: the one-shot crypto.hash where Node has it (20.12 and later), else createHash. */
const sha256: (text: string) => string =
  typeof crypto.hash === 'function'
    ? (text) => crypto.hash('sha256', text, 'base64')
    : (text) => createHash('sha256').update(text).digest('base64');

const ALGORITHMS: readonly JwtAuthAlgorithm[] = ['HS256', 'HS384', 'HS512'];
const MIN_SECRET_BYTES = 32;

/**
 * Access tokens as signed JWTs (jsonwebtoken). Each token names one file and one user; the
 * algorithm is pinned on verify, so `alg: none` and algorithm-confusion tokens are refused. A
 * token must carry `exp` (one without it would never expire), and a token whose header has a
 * `crit` parameter is refused: it names extensions the recipient must understand (RFC 7515
 * §4.1.11), and this class understands none.
 */
export class JwtAuth implements WopiAuth {
  /** The secret as a KeyObject, made once: jsonwebtoken otherwise re-derives one per call. */
  private readonly secret: KeyObject;
  private readonly algorithm: JwtAuthAlgorithm;
  private readonly tokenTtlSeconds: number;
  private readonly issuer: string | undefined;
  private readonly audience: string | undefined;
  private readonly verifyOptions: jwt.VerifyOptions & { complete: true };
  /**
   * Tokens whose signature, header and claims were verified, keyed by a SHA-256 of the whole
   * token, header included (no token is kept, and a lookup compares digests, not secrets). Only
   * tokens {@link verifyNow} accepted get in, so a client cannot fill it with garbage, and a token
   * refused once (no `exp`, a `crit` header) is checked in full every time. Bounded; the oldest
   * entry goes first. Size 0 (`verifiedTokenCacheSize: 0`) keeps nothing.
   */
  private readonly verified: BoundedMap<string, VerifiedToken>;

  constructor(options: JwtAuthOptions) {
    const check = new OptionChecks('JwtAuth');
    check.options(options, 'with a `secret`');
    const secret = check.required('secret', options.secret, `a string or Buffer of at least ${MIN_SECRET_BYTES} bytes`);
    if (!(typeof secret === 'string' || Buffer.isBuffer(secret))) {
      throw check.error(
        'WOPI_OPTION_TYPE',
        'secret',
        `must be a string or Buffer of at least ${MIN_SECRET_BYTES} bytes, got ${kindOf(secret)}`,
      );
    }
    // Never the secret itself in the message, nor its length.
    if (Buffer.byteLength(secret) < MIN_SECRET_BYTES)
      throw check.error('WOPI_OPTION_VALUE', 'secret', `must be at least ${MIN_SECRET_BYTES} bytes long`);
    const algorithm = check.oneOf('algorithm', options.algorithm, ALGORITHMS, 'HS256');
    const tokenTtlSeconds = check.positiveInteger('tokenTtlSeconds', options.tokenTtlSeconds, 36_000, 'seconds');
    const issuer = check.nonEmptyString('issuer', options.issuer, undefined);
    const audience = check.nonEmptyString('audience', options.audience, undefined);
    const verifiedTokenCacheSize = check.nonNegativeInteger('verifiedTokenCacheSize', options.verifiedTokenCacheSize, 10_000, 'tokens');
    this.secret = createSecretKey(Buffer.from(secret));
    this.algorithm = algorithm;
    this.tokenTtlSeconds = tokenTtlSeconds;
    this.issuer = issuer;
    this.audience = audience;
    this.verified = new BoundedMap(verifiedTokenCacheSize);
    this.verifyOptions = {
      complete: true,
      algorithms: [algorithm],
      ...(issuer === undefined ? {} : { issuer }),
      ...(audience === undefined ? {} : { audience }),
    };
  }

  /** Signs a token that lets `userId` open `fileId` with `permissions`. */
  async issueToken(request: WopiIssueTokenRequest): Promise<WopiIssuedToken> {
    const { fileId } = request;
    if (typeof fileId !== 'string' || fileId === '') throw new TypeError('issueToken: `fileId` is required');
    return this.sign('issueToken', { fid: fileId }, request);
  }

  /**
   * Signs a token that lets `userId` open one container, the ecosystem, or one file's content
   * (FileUrl), with `permissions`. It opens nothing else: not a file session, not another
   * resource.
   */
  async issueResourceToken(request: WopiIssueResourceTokenRequest): Promise<WopiIssuedToken> {
    return this.sign('issueResourceToken', { fid: '', res: resourceClaim(request.resource, 'issueResourceToken') }, request);
  }

  private sign(method: string, target: Pick<TokenClaims, 'fid' | 'res'>, request: Omit<WopiIssueTokenRequest, 'fileId'>): WopiIssuedToken {
    const { userId, userFriendlyName, permissions, ttlSeconds = this.tokenTtlSeconds } = request;
    if (typeof userId !== 'string' || userId === '') throw new TypeError(`${method}: \`userId\` is required`);
    if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) throw new TypeError(`${method}: \`ttlSeconds\` must be a positive integer`);
    const issuedAt = Math.floor(Date.now() / 1000);
    const exp = issuedAt + ttlSeconds;
    const claims: TokenClaims = { sub: userId, ...target, perm: { w: permissions.write === true } };
    if (permissions.create !== undefined) claims.perm.c = permissions.create;
    if (permissions.rename !== undefined) claims.perm.r = permissions.rename;
    if (userFriendlyName !== undefined) claims.name = userFriendlyName;
    const accessToken = jwt.sign({ ...claims, iat: issuedAt, exp }, this.secret, {
      algorithm: this.algorithm,
      ...(this.issuer === undefined ? {} : { issuer: this.issuer }),
      ...(this.audience === undefined ? {} : { audience: this.audience }),
    });
    return { accessToken, accessTokenTtl: exp * 1000 };
  }

  async authenticate(accessToken: string, fileId: string): Promise<WopiUser> {
    const { claims, exp } = this.verify(accessToken);
    // A resource token has an empty `fid` and never matches a file ID (URLs never carry an empty one).
    if (claims.fid !== fileId || fileId === '' || claims.res !== undefined) {
      debug('token refused: issued for another file');
      throw new InvalidTokenError();
    }
    return userOf(claims, exp);
  }

  async authenticateResource(accessToken: string, resource: WopiResource): Promise<WopiUser> {
    const { claims, exp } = this.verify(accessToken);
    if (claims.res === undefined || claims.res !== resourceClaim(resource, 'authenticateResource')) {
      debug('token refused: issued for another resource');
      throw new InvalidTokenError();
    }
    return userOf(claims, exp);
  }

  /** A valid token's claims and expiry (signature, algorithm, header, expiry, issuer, audience, shape); 401 otherwise. */
  private verify(accessToken: string): VerifiedToken {
    if (this.verified.maxSize === 0) return this.verifyNow(accessToken);
    const key = sha256(accessToken);
    const known = this.verified.get(key);
    if (known !== undefined) {
      // The same token string verified before: same header, signature and claims. Only time has moved.
      if (Math.floor(Date.now() / 1000) < known.exp) return known;
      this.verified.delete(key);
      debug('token refused: jwt expired');
      throw new InvalidTokenError();
    }
    const verified = this.verifyNow(accessToken);
    this.verified.set(key, verified);
    return verified;
  }

  private verifyNow(accessToken: string): VerifiedToken {
    let decoded: jwt.Jwt;
    try {
      decoded = jwt.verify(accessToken, this.secret, this.verifyOptions);
    } catch (err) {
      // jsonwebtoken's messages name the failed check ("jwt expired", "invalid signature") and
      // never include the token itself.
      debug('token refused: %s', (err as Error).message);
      throw new InvalidTokenError();
    }
    // RFC 7515 §4.1.11: a recipient that does not understand every extension `crit` lists must
    // refuse the token. We understand none, so any `crit` at all (even an empty list) is refused.
    if (Object.hasOwn(decoded.header, 'crit')) {
      debug('token refused: crit header parameter');
      throw new InvalidTokenError();
    }
    const claims = decoded.payload as Partial<TokenClaims> & { exp?: unknown };
    if (typeof claims !== 'object' || claims === null) {
      debug('token refused: payload is not a JSON object');
      throw new InvalidTokenError();
    }
    // jsonwebtoken checks `exp` only when it is there; a token without one would never expire.
    if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) {
      debug('token refused: no exp claim');
      throw new InvalidTokenError();
    }
    if (typeof claims.sub !== 'string' || typeof claims.fid !== 'string' || typeof claims.perm !== 'object' || claims.perm === null) {
      debug('token refused: claims missing');
      throw new InvalidTokenError();
    }
    return { claims: claims as TokenClaims, exp: claims.exp };
  }
}

/** The user a verified token stands for. */
function userOf(claims: TokenClaims, exp: number): WopiUser {
  const permissions: WopiPermissions = { write: claims.perm.w === true };
  if (typeof claims.perm.c === 'boolean') permissions.create = claims.perm.c;
  if (typeof claims.perm.r === 'boolean') permissions.rename = claims.perm.r;
  return {
    userId: claims.sub,
    ...(typeof claims.name === 'string' ? { userFriendlyName: claims.name } : {}),
    permissions,
    accessTokenTtl: exp * 1000,
  };
}

/** The `res` claim for a resource; a resource that is not one of the three kinds is a caller's bug. */
function resourceClaim(resource: WopiResource, method: string): string {
  switch (resource?.type) {
    case 'container':
      if (typeof resource.containerId !== 'string' || resource.containerId === '') break;
      return `c:${resource.containerId}`;
    case 'ecosystem':
      return 'e';
    case 'fileUrl':
      if (typeof resource.fileId !== 'string' || resource.fileId === '') break;
      return `u:${resource.fileId}`;
  }
  throw new TypeError(`${method}: \`resource\` must be a container (with containerId), the ecosystem, or a fileUrl (with fileId)`);
}
