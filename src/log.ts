/**
 * Logging through `debug` namespaces only (`DEBUG=express-wopi:*`). Log lines never carry access
 * tokens, query strings or secrets: callers pass file IDs, statuses and reasons, nothing more.
 */
import createDebug from 'debug';

export type Logger = createDebug.Debugger;

const root = createDebug('express-wopi');

const loggers = new Map<string, Logger>();

/** The logger for one namespace below `express-wopi`, e.g. `log('storage:fs')`; made once per namespace. */
export function log(namespace: string): Logger {
  let logger = loggers.get(namespace);
  if (!logger) {
    logger = root.extend(namespace);
    loggers.set(namespace, logger);
  }
  return logger;
}

/**
 * A child logger for one request (`<namespace>:<request id>`), or the logger itself when its
 * namespace is off: creating a debug instance costs more than the rest of a small request.
 */
export function forRequest(logger: Logger, requestId: string): Logger {
  return logger.enabled ? logger.extend(requestId) : logger;
}
