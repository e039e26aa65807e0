/**
 * Calling the `events` listeners: validating the option, and the `emit` the operations use. The
 * event types themselves are public and live in events.ts; this module is internal (it takes
 * the request's context).
 */
import type { WopiContext } from './context';
import { log } from './log';
import { describeValue, type OptionChecks } from './util/validate';
import type { WopiUser } from './adapters/auth';
import type {
  ResolvedWopiEvents,
  WopiEvent,
  WopiEventBase,
  WopiEventListener,
  WopiEventMap,
  WopiEventType,
  WopiEventUser,
  WopiSaveContext,
} from './events';
import { WOPI_EVENT_TYPES } from './events';

const serverError = log('server_error');
const serverErrorTrace = log('server_error:trace');

/** What an operation passes to {@link emit}: the event without the fields the router fills in. */
export type WopiEventFields<T extends WopiEventType> = WithoutBase<WopiEventMap[T]>;

/** `Omit` for each member of a union (renamed and deleted events are unions). */
type WithoutBase<E> = E extends unknown ? Omit<E, keyof WopiEventBase | 'type' | 'operation'> : never;

/**
 * Validates the `events` option (an object of listeners, or a list of them) and groups the
 * listeners by type, each bound to its object. `undefined` when there is no listener at all.
 */
export function resolveEvents(check: OptionChecks, value: unknown): ResolvedWopiEvents | undefined {
  if (value === undefined) return undefined;
  const objects: unknown[] = Array.isArray(value) ? value : [value];
  const resolved: { [T in WopiEventType]?: Array<WopiEventListener<T>> } = {};
  objects.forEach((listeners, i) => {
    const option = Array.isArray(value) ? `events[${i}]` : 'events';
    if (typeof listeners !== 'object' || listeners === null || Array.isArray(listeners)) {
      throw check.error(
        'WOPI_OPTION_TYPE',
        option,
        `must be an object of listeners ({ saved, locked, … }), got ${describeValue(listeners)}`,
      );
    }
    const proto = Object.getPrototypeOf(listeners);
    if (proto === Object.prototype || proto === null) {
      // A plain object: a key that is no event is a typo (`save`, `onSaved`), not a field.
      const unknown = Object.keys(listeners).find((key) => !(WOPI_EVENT_TYPES as readonly string[]).includes(key));
      if (unknown !== undefined) {
        throw check.error('WOPI_OPTION_UNKNOWN', option, `has no event \`${unknown}\` (events: ${WOPI_EVENT_TYPES.join(', ')})`);
      }
    }
    for (const type of WOPI_EVENT_TYPES) {
      const listener = (listeners as Record<string, unknown>)[type];
      if (listener === undefined) continue;
      if (typeof listener !== 'function') {
        throw check.error('WOPI_OPTION_TYPE', `${option}.${type}`, `must be a function, got ${describeValue(listener)}`);
      }
      const list = (resolved[type] ?? []) as Array<(event: unknown) => unknown>;
      list.push(listener.bind(listeners));
      (resolved as Record<string, unknown>)[type] = list;
    }
  });
  return Object.keys(resolved).length === 0 ? undefined : resolved;
}

/**
 * Emits an event for the running operation: records it on the operation's span and metrics, and
 * calls its listeners, if any, with the fields given plus `type`, `operation`, `time`,
 * `requestId` and `user`. Returns once every listener has been called; never throws.
 */
export function emit<T extends WopiEventType>(ctx: WopiContext, type: T, fields: WopiEventFields<T>): void {
  if (ctx.observation !== undefined) observe(ctx, type, fields as WopiEventFields<WopiEventType>);
  const listeners = ctx.options.events?.[type] as ReadonlyArray<(event: WopiEvent) => unknown> | undefined;
  if (listeners === undefined) return;
  const event = Object.freeze({
    type,
    operation: ctx.operation,
    time: new Date(),
    requestId: ctx.requestId,
    user: eventUser(ctx.user),
    ...copyFields(fields as Record<string, unknown>),
  }) as unknown as WopiEvent;
  for (const listener of listeners) call(listener, event);
}

/**
 * PutFile's `saved` event, then the deprecated `onPutFile` hook, which, unlike the listeners,
 * the response still waits for (as it always did). Never rejects.
 */
export async function emitPutFileSaved(ctx: WopiContext, fields: WopiEventFields<'saved'>): Promise<void> {
  emit(ctx, 'saved', fields);
  const { onPutFile } = ctx.options;
  if (onPutFile === undefined) return;
  try {
    await onPutFile({ req: ctx.req, fileId: fields.fileId, file: fields.file, user: ctx.user, save: fields.save });
  } catch (err) {
    serverError('onPutFile hook failed for %s: %s', fields.fileId, messageOf(err));
    serverErrorTrace('%O', err);
  }
}

/** The span attribute and the metrics an event stands for. */
function observe(ctx: WopiContext, type: WopiEventType, fields: WopiEventFields<WopiEventType>): void {
  const observation = ctx.observation;
  if (observation === undefined) return;
  switch (type) {
    case 'saved':
    case 'created':
      observation.saved(ctx.operation, (fields as WopiEventFields<'saved'>).file.size);
      break;
    case 'locked':
      observation.lockOutcome(ctx.operation === 'UnlockAndRelock' ? 'relocked' : 'locked');
      break;
    case 'lockRefreshed':
      observation.lockOutcome('refreshed');
      break;
    case 'unlocked':
      observation.lockOutcome('unlocked');
      break;
    case 'lockConflict':
      observation.lockConflict(ctx.operation);
      break;
    default:
      break;
  }
}

/** The user as events show it: known fields only, so nothing an auth adapter added (a token) rides along. */
function eventUser(user: WopiUser): WopiEventUser {
  const out: WopiEventUser = { userId: user.userId, permissions: { ...user.permissions } };
  if (user.userFriendlyName !== undefined) out.userFriendlyName = user.userFriendlyName;
  return out;
}

/** Shallow copies of the objects the router goes on using (`file`, `save`, `conflict`), so a listener cannot change the response. */
function copyFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...fields };
  if (isObject(out.file)) out.file = { ...out.file };
  if (isObject(out.conflict)) out.conflict = { ...out.conflict };
  if (isObject(out.save)) {
    const save = { ...out.save } as WopiSaveContext;
    if (Array.isArray(save.editors)) save.editors = [...save.editors];
    out.save = save;
  }
  return out;
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

function call(listener: (event: WopiEvent) => unknown, event: WopiEvent): void {
  try {
    const result = listener(event);
    if (isObject(result) && typeof (result as PromiseLike<unknown>).then === 'function') {
      (result as PromiseLike<unknown>).then(undefined, (err: unknown) => failed(event, err));
    }
  } catch (err) {
    failed(event, err);
  }
}

function failed(event: WopiEvent, err: unknown): void {
  const subject = 'fileId' in event ? event.fileId : event.containerId;
  serverError('%s listener failed (%s %s): %s', event.type, event.operation, subject, messageOf(err));
  serverErrorTrace('%O', err);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
