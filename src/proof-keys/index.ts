/**
 * express-wopi/proof-keys: the proof-key check on its own, for keys that do not come from a
 * `WopiDiscovery` and for checking a signature outside the router. The router does this itself
 * with `createWopiRouter({ proofKeys })`. See docs/security.md#proof-keys.
 *
 * @module express-wopi/proof-keys
 */
export { buildProofBytes, verifyProof, PROOF_MAX_AGE_MS } from '../protocol/proof-keys';
export type {
  ProofKeyProvider,
  StaticProofKeys,
  ProofKeysOption,
  ProofKeySet,
  ProofPublicKeyInput,
  ProofInput,
  ProofHeaders,
  ProofVerdict,
  ProofMatch,
  ProofFailure,
} from '../protocol/proof-keys';
export { ProofKeyError } from '../errors';
