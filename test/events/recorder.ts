/**
 * Helpers for the event tests: a listener object that records every event, and the capture of
 * `express-wopi:server_error` lines.
 */
import createDebug from 'debug';
import { format } from 'node:util';
import { WOPI_EVENT_TYPES, type WopiEvent, type WopiEventListeners, type WopiEventType } from '../../src';

export interface Recorder {
  /** Every event, in the order the listeners were called. */
  events: WopiEvent[];
  /** A listener for every event type, each pushing to {@link events}. */
  listeners: WopiEventListeners;
  /** The events of one type. */
  of<T extends WopiEventType>(type: T): Array<Extract<WopiEvent, { type: T }>>;
  /** `type operation` of every event, for order assertions. */
  summary(): string[];
}

export function recorder(): Recorder {
  const events: WopiEvent[] = [];
  const record = (event: WopiEvent): void => void events.push(event);
  const listeners = Object.fromEntries(WOPI_EVENT_TYPES.map((type) => [type, record])) as WopiEventListeners;
  return {
    events,
    listeners,
    of: <T extends WopiEventType>(type: T) => events.filter((e): e is Extract<WopiEvent, { type: T }> => e.type === type),
    summary: () => events.map((e) => `${e.type} ${e.operation}`),
  };
}

/**
 * Captures the `express-wopi:server_error*` lines until `restore()`, each as `<namespace> <message>`
 * (without the date or colours debug would add).
 */
export function captureServerErrors(): { lines: string[]; restore(): void } {
  const lines: string[] = [];
  const previousLog = createDebug.log;
  const previousFormatArgs = createDebug.formatArgs;
  const previousNamespaces = createDebug.disable();
  createDebug.enable('express-wopi:server_error*');
  createDebug.formatArgs = () => undefined;
  createDebug.log = function capture(this: unknown, ...args: unknown[]): void {
    const namespace = (this as { namespace?: string } | undefined)?.namespace ?? '?';
    lines.push(`${namespace} ${format(...args)}`);
  };
  return {
    lines,
    restore: () => {
      createDebug.log = previousLog;
      createDebug.formatArgs = previousFormatArgs;
      createDebug.disable();
      if (previousNamespaces) createDebug.enable(previousNamespaces);
    },
  };
}

/** Resolves after pending promise callbacks (a rejected listener's `.then`) have run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
