import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { IssuedToken, IssueTokenRequest, WopiAuth, WopiPermissions, WopiPrincipal } from './auth';
import { InvalidTokenError, WopiConfigError } from '../errors';
import { log } from '../log';

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
}

interface TokenClaims {
  sub: string;
  fid: string;
  name?: string;
  /** Permissions, compact: w = write, c = create, r = rename. */
  perm: { w: boolean; c?: boolean; r?: boolean };
}

const ALGORITHMS: readonly JwtAuthAlgorithm[] = ['HS256', 'HS384', 'HS512'];
const MIN_SECRET_BYTES = 32;

/**
 * Access tokens as signed JWTs (jsonwebtoken). Each token names one file and one user; the
 * algorithm is pinned on verify, so `alg: none` and algorithm-confusion tokens are refused.
 */
export class JwtAuth implements WopiAuth {
  /** The secret as a KeyObject, made once: jsonwebtoken otherwise re-derives one per call. */
  private readonly secret: KeyObject;
  private readonly algorithm: JwtAuthAlgorithm;
  private readonly tokenTtlSeconds: number;
  private readonly issuer: string | undefined;
  private readonly audience: string | undefined;

  constructor(options: JwtAuthOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new WopiConfigError('ERR_WOPI_AUTH', 'JwtAuth: options must be an object with a `secret`');
    }
    const { secret, algorithm = 'HS256', tokenTtlSeconds = 36_000, issuer, audience } = options;
    if (!(typeof secret === 'string' || Buffer.isBuffer(secret)) || Buffer.byteLength(secret) < MIN_SECRET_BYTES) {
      throw new WopiConfigError('ERR_WOPI_AUTH', `JwtAuth: \`secret\` must be a string or Buffer of at least ${MIN_SECRET_BYTES} bytes`);
    }
    if (!ALGORITHMS.includes(algorithm)) {
      throw new WopiConfigError('ERR_WOPI_AUTH', `JwtAuth: \`algorithm\` must be one of ${ALGORITHMS.join(', ')}`);
    }
    if (!Number.isInteger(tokenTtlSeconds) || tokenTtlSeconds <= 0) {
      throw new WopiConfigError('ERR_WOPI_AUTH', 'JwtAuth: `tokenTtlSeconds` must be a positive integer');
    }
    this.secret = createSecretKey(Buffer.from(secret));
    this.algorithm = algorithm;
    this.tokenTtlSeconds = tokenTtlSeconds;
    this.issuer = issuer;
    this.audience = audience;
  }

  /** Signs a token that lets `userId` open `fileId` with `permissions`. */
  async issueToken(request: IssueTokenRequest): Promise<IssuedToken> {
    const { fileId, userId, userFriendlyName, permissions, ttlSeconds = this.tokenTtlSeconds } = request;
    if (typeof fileId !== 'string' || fileId === '') throw new TypeError('issueToken: `fileId` is required');
    if (typeof userId !== 'string' || userId === '') throw new TypeError('issueToken: `userId` is required');
    if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) throw new TypeError('issueToken: `ttlSeconds` must be a positive integer');
    const issuedAt = Math.floor(Date.now() / 1000);
    const exp = issuedAt + ttlSeconds;
    const claims: TokenClaims = { sub: userId, fid: fileId, perm: { w: permissions.write === true } };
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

  async authenticate(accessToken: string, fileId: string): Promise<WopiPrincipal> {
    let payload: unknown;
    try {
      payload = jwt.verify(accessToken, this.secret, {
        algorithms: [this.algorithm],
        ...(this.issuer === undefined ? {} : { issuer: this.issuer }),
        ...(this.audience === undefined ? {} : { audience: this.audience }),
      });
    } catch (err) {
      // jsonwebtoken's messages name the failed check ("jwt expired", "invalid signature") and
      // never include the token itself.
      debug('token refused: %s', (err as Error).message);
      throw new InvalidTokenError();
    }
    const claims = payload as Partial<TokenClaims>;
    if (typeof claims.sub !== 'string' || typeof claims.fid !== 'string' || typeof claims.perm !== 'object' || claims.perm === null) {
      debug('token refused: claims missing');
      throw new InvalidTokenError();
    }
    if (claims.fid !== fileId) {
      debug('token refused: issued for another file');
      throw new InvalidTokenError();
    }
    const permissions: WopiPermissions = { write: claims.perm.w === true };
    if (typeof claims.perm.c === 'boolean') permissions.create = claims.perm.c;
    if (typeof claims.perm.r === 'boolean') permissions.rename = claims.perm.r;
    return {
      userId: claims.sub,
      ...(typeof claims.name === 'string' ? { userFriendlyName: claims.name } : {}),
      permissions,
    };
  }
}
