import type { WopiContext, WopiResult } from '../context';

/** One WOPI operation: what the dispatch table points at. */
export interface WopiOperation {
  /** The operation's WOPI name, e.g. `CheckFileInfo`. */
  name: string;
  /** Log namespace below `express-wopi:op:`, e.g. `check-file-info`. */
  logName: string;
  /** When true, a principal without write permission gets 401 before `run` is called. */
  requiresWrite: boolean;
  run(ctx: WopiContext): Promise<WopiResult>;
}
