/** Access tokens made without JwtAuth.issueToken: JwtAuth-compatible JWTs with chosen claims. */
import jwt from 'jsonwebtoken';
import { TEST_SECRET } from './create-app';

/** A JwtAuth-compatible token signed directly with the test secret (e.g. one already expired). */
export function signToken(claims: { fileId: string; userId?: string; write?: boolean; iat: number; exp: number }): string {
  return jwt.sign(
    { sub: claims.userId ?? 'u1', fid: claims.fileId, name: 'Ada', perm: { w: claims.write ?? true }, iat: claims.iat, exp: claims.exp },
    TEST_SECRET,
    { algorithm: 'HS256' },
  );
}
