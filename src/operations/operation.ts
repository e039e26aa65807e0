import type { WopiContext, WopiResult } from '../context';
import type { ResolvedWopiOptions } from '../options';
import { NotImplementedError } from '../errors';

/** One WOPI operation: what the dispatch table points at. */
export interface WopiOperation {
  /** The operation's WOPI name, e.g. `CheckFileInfo`. */
  name: string;
  /** Log namespace below `express-wopi:op:`, e.g. `check-file-info`. */
  logName: string;
  /** When true, a user without write permission gets 401 before `run` is called. */
  requiresWrite: boolean;
  /**
   * What the URL's ID names and the access token must open: a file (the default), a container,
   * or nothing (the ecosystem). The router authenticates the token for that.
   */
  resource?: 'file' | 'container' | 'ecosystem';
  /** When present and false for the configured adapters, the router answers 501 without running it. */
  isSupported?(options: ResolvedWopiOptions): boolean;
  run(ctx: WopiContext): Promise<WopiResult>;
}

/** An operation that needs an optional capability, described by the handle it runs with. */
export interface OptionalWopiOperation<H> extends Omit<WopiOperation, 'isSupported' | 'run'> {
  /** The handle the operation needs (resolved options' bound methods), or `undefined` when absent. */
  handle(options: ResolvedWopiOptions): H | undefined;
  run(ctx: WopiContext, handle: H): Promise<WopiResult>;
}

/**
 * A {@link WopiOperation} that is supported exactly when its handle is present, and runs with it,
 * typed: the router answers 501 before authentication when it is absent.
 */
export function optionalOperation<H>(operation: OptionalWopiOperation<H>): WopiOperation {
  const { handle, run, ...rest } = operation;
  return {
    ...rest,
    isSupported: (options) => handle(options) !== undefined,
    async run(ctx) {
      const resolved = handle(ctx.options);
      // The router asks isSupported first; this is for callers that do not.
      if (resolved === undefined) throw new NotImplementedError(`${operation.name} is not supported by this host`);
      return run(ctx, resolved);
    },
  };
}
