/**
 * The router's proof-key step: is this request really from the WOPI client? Rebuilds the URL the
 * editor called, checks `X-WOPI-Proof` / `X-WOPI-ProofOld` / `X-WOPI-TimeStamp` against the
 * client's public keys, refetches the keys once when a signature fails (they may have rotated),
 * and refuses the request with a {@link ProofKeyError} (500) otherwise.
 */
import type { Request } from 'express';
import { requestUrl, type PublicUrl } from './public-url';
import { ProofKeyError } from './errors';
import { forRequest, log } from './log';
import { readHeader } from './protocol/headers';
import { describeValue, OptionChecks } from './util/validate';
import {
  toProofPublicKey,
  verifyProof,
  type ProofHeaders,
  type ProofKeyProvider,
  type ProofKeySet,
  type ProofKeysOption,
  type ProofPublicKeyInput,
  type ProofVerdict,
  type StaticProofKeys,
} from './protocol/proof-keys';

// The option's types live with the rest of the proof-key types, which need no Express types.
export type { ProofKeyProvider, ProofKeysOption, StaticProofKeys } from './protocol/proof-keys';

const proofLog = log('proof');

/**
 * Validates the `proofKeys` option: `undefined` and `false` turn the check off; a provider is
 * used as is; fixed keys are imported once, here, so a bad key fails at startup.
 */
export function resolveProofKeys(option: ProofKeysOption | false | undefined): ProofKeyProvider | undefined {
  if (option === undefined || option === false) return undefined;
  const check = new OptionChecks('createWopiRouter');
  if (typeof option !== 'object' || option === null) {
    throw check.error(
      'WOPI_OPTION_TYPE',
      'proofKeys',
      `must be a WopiDiscovery (or another object with getProofKeys()) or { current, old? }, got ${describeValue(option)}`,
    );
  }
  if (typeof (option as ProofKeyProvider).getProofKeys === 'function') {
    const provider = option as ProofKeyProvider;
    if (provider.refreshProofKeys !== undefined && typeof provider.refreshProofKeys !== 'function') {
      throw check.error('WOPI_ADAPTER_SHAPE', 'proofKeys.refreshProofKeys', 'must be a function when it is given');
    }
    return provider;
  }
  const { current, old } = option as StaticProofKeys;
  const keys: ProofKeySet = {
    current: importKey(
      check,
      'current',
      check.required('proofKeys.current', current, 'an RSA public key, or give a provider with getProofKeys()'),
    ),
  };
  if (old !== undefined) keys.old = importKey(check, 'old', old);
  return { getProofKeys: async () => keys };
}

function importKey(check: OptionChecks, which: string, input: ProofPublicKeyInput): ProofKeySet['current'] {
  try {
    return toProofPublicKey(input);
  } catch (err) {
    throw check.error('WOPI_OPTION_VALUE', `proofKeys.${which}`, `is not an RSA public key (${(err as Error).message})`);
  }
}

/**
 * The proof step of the router: resolves when the request is proven to come from the WOPI
 * client, or when proof keys are off; rejects with {@link ProofKeyError} otherwise. Lines go to
 * `express-wopi:proof:<request id>`, never with the token or the query string.
 */
export async function verifyRequestProof(
  req: Request,
  accessToken: string,
  options: { proofKeys: ProofKeyProvider | undefined; publicUrl: PublicUrl },
  requestId: string,
): Promise<void> {
  const provider = options.proofKeys;
  if (provider === undefined) return;
  const reqLog = forRequest(proofLog, requestId);
  const request = {
    accessToken,
    url: requestUrl(req, options.publicUrl),
    headers: readProofHeaders(req),
  };
  let keys = await provider.getProofKeys();
  let verdict = check(request, keys);
  if (!verdict.ok && (verdict.reason === 'bad-signature' || verdict.reason === 'no-keys') && provider.refreshProofKeys) {
    reqLog('%s with the cached keys: refreshing them and checking again', verdict.reason);
    const fresh = await provider.refreshProofKeys();
    if (fresh !== keys) {
      keys = fresh;
      verdict = check(request, keys);
    }
  }
  if (verdict.ok) {
    if (verdict.match !== 'proof-current') reqLog('accepted through %s: the editor is rotating its keys', verdict.match);
    if (verdict.match === 'proof-old-current' && provider.refreshProofKeys) {
      // The editor signs with a key this host does not know yet: learn it in the background.
      provider.refreshProofKeys().catch(() => undefined);
    }
    return;
  }
  reqLog('refused %s %s%s: %s', req.method, req.baseUrl, req.path, verdict.reason);
  throw new ProofKeyError(verdict.reason);
}

type Verdict = ProofVerdict | { ok: false; reason: 'no-keys' };

function check(request: Parameters<typeof verifyProof>[0], keys: ProofKeySet | undefined): Verdict {
  if (keys === undefined) return { ok: false, reason: 'no-keys' };
  return verifyProof(request, keys, Date.now());
}

function readProofHeaders(req: Request): ProofHeaders {
  return {
    timestamp: readHeader(req.headers, 'X-WOPI-TimeStamp'),
    proof: readHeader(req.headers, 'X-WOPI-Proof'),
    proofOld: readHeader(req.headers, 'X-WOPI-ProofOld'),
  };
}
