/**
 * Signing requests as a WOPI client does, and the discovery `<proof-key>` element that lets a host
 * check those signatures. For tests of a host's proof-key setup, and for `express-wopi simulate
 * --proof-key`.
 */
import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { buildProofBytes, publicKeyToCspBlob, publicKeyToModulusExponent, unixMsToTicks } from '../protocol/proof-keys';

/** A private key as a `KeyObject` or a PEM string (PKCS#8 `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`). */
export type ProofPrivateKeyInput = KeyObject | string;

/** The keys a simulated editor signs with. */
export interface ProofSigningKeys {
  /** Signs `X-WOPI-Proof`. */
  current: ProofPrivateKeyInput;
  /** Signs `X-WOPI-ProofOld`: the key before the last rotation. Defaults to `current`. */
  old?: ProofPrivateKeyInput;
}

/** Signs WOPI requests: RSA PKCS#1 v1.5 with SHA-256 over the token, the upper-cased URL and the timestamp. */
export class WopiProofSigner {
  private readonly current: KeyObject;
  private readonly old: KeyObject;

  constructor(keys: ProofSigningKeys) {
    this.current = toPrivateKey(keys.current, 'current');
    this.old = keys.old === undefined ? this.current : toPrivateKey(keys.old, 'old');
  }

  /**
   * The proof headers for one request: `X-WOPI-TimeStamp` (.NET ticks), `X-WOPI-Proof` and
   * `X-WOPI-ProofOld`. `url` is the absolute URL exactly as requested, `access_token` included.
   */
  headers(url: string, accessToken: string, nowMs: number = Date.now()): Record<string, string> {
    const timestamp = unixMsToTicks(nowMs);
    const data = buildProofBytes({ accessToken, url, timestamp });
    return {
      'X-WOPI-TimeStamp': timestamp.toString(),
      'X-WOPI-Proof': sign('sha256', data, this.current).toString('base64'),
      'X-WOPI-ProofOld': sign('sha256', data, this.old).toString('base64'),
    };
  }

  /** The discovery `<proof-key>` element for these keys' public halves. */
  proofKeyElement(): string {
    return proofKeyElement(createPublicKey(this.current), createPublicKey(this.old));
  }
}

/**
 * The `<proof-key>` element of a discovery document for a current and an old public key, in both
 * forms editors publish (`value`: a .NET CSP blob; `modulus`/`exponent`: base64 integers).
 */
export function proofKeyElement(current: KeyObject, old: KeyObject = current): string {
  const c = publicKeyToModulusExponent(current);
  const o = publicKeyToModulusExponent(old);
  return (
    `<proof-key oldvalue="${publicKeyToCspBlob(old)}" oldmodulus="${o.n}" oldexponent="${o.e}" ` +
    `value="${publicKeyToCspBlob(current)}" modulus="${c.n}" exponent="${c.e}"/>`
  );
}

function toPrivateKey(input: ProofPrivateKeyInput, which: string): KeyObject {
  let key: KeyObject;
  try {
    key = typeof input === 'string' ? createPrivateKey(input) : input;
  } catch (err) {
    throw new TypeError(`the ${which} proof key is not a usable private key: ${(err as Error).message}`);
  }
  if (key.type !== 'private' || key.asymmetricKeyType !== 'rsa') throw new TypeError(`the ${which} proof key must be an RSA private key`);
  return key;
}
