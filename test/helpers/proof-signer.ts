/**
 * Signs WOPI requests the way editors do (ONLYOFFICE's and Collabora's servers, Microsoft 365):
 * RSA PKCS#1 v1.5 with SHA-256 over [len][token][len][URL upper-cased][8][ticks], base64.
 * Written independently of src/protocol/proof-keys.ts, so the tests check that module rather
 * than agree with it by construction.
 */
import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';

const EPOCH_TICKS = 621355968000000000n;

/** .NET ticks for a time given in milliseconds since the Unix epoch. */
export function ticks(ms: number = Date.now()): bigint {
  return BigInt(ms) * 10000n + EPOCH_TICKS;
}

export function proofBytes(token: string, url: string, timestamp: bigint): Buffer {
  const t = Buffer.from(token, 'utf8');
  const u = Buffer.from(url.toUpperCase(), 'utf8');
  const parts = [len(t.length), t, len(u.length), u, len(8), Buffer.alloc(8)];
  parts[5]!.writeBigUInt64BE(timestamp);
  return Buffer.concat(parts);
}

function len(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

export function sign(privateKey: KeyObject, token: string, url: string, timestamp: bigint): string {
  const signer = createSign('RSA-SHA256');
  signer.update(proofBytes(token, url, timestamp));
  return signer.sign(privateKey, 'base64');
}

/**
 * The proof headers of a request. `proofKey` signs `X-WOPI-Proof`, `proofOldKey` signs
 * `X-WOPI-ProofOld` (omitted when not given). 'garbage' puts a well-formed but wrong signature.
 */
export function proofHeaders(options: {
  token: string;
  url: string;
  proofKey: KeyObject | 'garbage';
  proofOldKey?: KeyObject | 'garbage';
  timestamp?: bigint;
}): Record<string, string> {
  const timestamp = options.timestamp ?? ticks();
  const sig = (key: KeyObject | 'garbage'): string =>
    key === 'garbage' ? Buffer.alloc(256, 7).toString('base64') : sign(key, options.token, options.url, timestamp);
  return {
    'X-WOPI-TimeStamp': timestamp.toString(),
    'X-WOPI-Proof': sig(options.proofKey),
    ...(options.proofOldKey === undefined ? {} : { 'X-WOPI-ProofOld': sig(options.proofOldKey) }),
  };
}

/**
 * An RSA key pair for signing test requests. 1024 bits by default: the proof algorithm does not
 * depend on the size, and 2048-bit generation costs about half a second per key.
 */
export function testKeyPair(modulusLength = 1024): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync('rsa', { modulusLength });
}
