/**
 * The session simulator: a WOPI client that behaves as ONLYOFFICE Docs, Collabora Online or
 * Microsoft 365 for the web, and the whole editing session each of them plays, with every answer
 * checked against what the editor relies on. Published through `express-wopi/testing`; the CLI's
 * `express-wopi simulate` runs it. See docs/editors.md.
 */
export { WopiClient, WopiClientError } from './client';
export type { WopiClientOptions, WopiResponse, PutFileOptions, PutRelativeFileOptions, RenameFileOptions } from './client';
export { WopiSession, simulateSession, formatReport, assertSimulationPassed } from './session';
export type { SimulateSessionOptions, SimulationReport } from './session';
export { CheckLog, formatCheck, formatSummary, summarizeChecks } from './checks';
export type { CheckStatus, CheckSummary, SessionPhase, SimulationCheck } from './checks';
export {
  EDITOR_NAMES,
  EDITOR_PROFILES,
  editorProfile,
  isEditorName,
  onlyofficeLockId,
  collaboraLockId,
  officeLockId,
  officeRelockId,
} from './profiles';
export type { EditorName, EditorProfile, EditorIdentity, PutFileStyle, SaveFlags, WopiOperationName } from './profiles';
export { WopiProofSigner, proofKeyElement } from './proof';
export type { ProofSigningKeys, ProofPrivateKeyInput } from './proof';
