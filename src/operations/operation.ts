import type { WopiContext, WopiResult } from '../context';
import type { ResolvedWopiOptions } from '../options';

/** One WOPI operation: what the dispatch table points at. */
export interface WopiOperation {
  /** The operation's WOPI name, e.g. `CheckFileInfo`. */
  name: string;
  /** Log namespace below `express-wopi:op:`, e.g. `check-file-info`. */
  logName: string;
  /** When true, a principal without write permission gets 401 before `run` is called. */
  requiresWrite: boolean;
  /** When present and false for the configured adapters, the router answers 501 without running it. */
  isSupported?(options: ResolvedWopiOptions): boolean;
  run(ctx: WopiContext): Promise<WopiResult>;
}
