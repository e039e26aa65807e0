/**
 * Logging through `debug` namespaces only (`DEBUG=express-wopi:*`). Log lines never carry access
 * tokens, query strings or secrets: callers pass file IDs, statuses and reasons, nothing more.
 */
import createDebug from 'debug';

export type Logger = createDebug.Debugger;

const root = createDebug('express-wopi');

/** A logger for one namespace below `express-wopi`, e.g. `log('storage:fs')`. */
export function log(namespace: string): Logger {
  return root.extend(namespace);
}
