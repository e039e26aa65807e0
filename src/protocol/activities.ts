/**
 * AddActivities (`X-WOPI-Override: ADD_ACTIVITIES`): the activities an editor reports about a
 * file (comments and the people they mention), parsed from the request body into typed
 * activities, and the per-activity answer the editor gets back.
 *
 * The body is `{ "Activities": [ { "Type", "Id", "Timestamp"?, "Data"?, "People"? }, … ] }`. The
 * answer is `{ "ActivityResponses": [ { "Id", "Status", "Message"? }, … ] }`, one entry per
 * activity in request order, each `Id` exactly as the editor sent it (case included).
 *
 * Everything here is pure: no I/O, no logging, nothing thrown. A body that cannot be read as a
 * list of activities is a {@link ActivitiesParseFailure} the operation turns into a 400; an
 * activity this router does not handle is kept, typed as {@link WopiUnsupportedActivity}, and
 * answered {@link ACTIVITY_STATUS}`.unsupported`.
 */
import type { Request } from 'express';
import type { WopiUser } from '../adapters/auth';
import type { WopiFileInfo } from '../adapters/storage';

/** Largest AddActivities body read, in bytes (1 MiB); a larger one is refused with 400. */
export const MAX_ACTIVITIES_BODY_BYTES = 1024 * 1024;

/**
 * The per-activity `Status` values of an AddActivities answer.
 *
 * - `success` (0): the host accepted the activity.
 * - `unsupported` (3): the host does not handle this activity: its `Type` is not one it knows,
 *   or (a comment) it lacks the data that type needs. The editor carries on; nothing is retried.
 *
 * These are the two values Microsoft's WOPI validator accepts for a well-formed comment, and 3 is
 * the one it requires for an unknown `Type`.
 */
export const ACTIVITY_STATUS = Object.freeze({ success: 0, unsupported: 3 } as const);

/** A per-activity `Status`: a value of {@link ACTIVITY_STATUS}. */
export type WopiActivityStatus = (typeof ACTIVITY_STATUS)[keyof typeof ACTIVITY_STATUS];

/** The activity types this router hands to `onActivities`, as they appear in `Type`. */
export const SUPPORTED_ACTIVITY_TYPES = ['comment'] as const;

/**
 * What happened to a comment. Office for the web names `created`, `edited` and `deleted`; any
 * other string (the WOPI validator sends `updated`) is passed on as sent.
 */
export type WopiCommentContentAction = 'created' | 'edited' | 'deleted' | (string & {});

/** The `Data` of a comment activity. Properties absent (or of the wrong JSON type) are left out. */
export interface WopiCommentData {
  /** `ContentId`: the comment's ID in the document; stable across its edits and deletion. */
  contentId: string;
  /** `ContentAction`: what happened to the comment. */
  contentAction: WopiCommentContentAction;
  /** `NavigationId`: an ID the editor can use to navigate to the comment in the document. */
  navigationId?: string;
  /** `CommentText`: the comment's text as plain text. Personal data: never log it. */
  commentText?: string;
  /** `IsReply`: the comment replies to another one in its thread. */
  isReply?: boolean;
}

/**
 * One entry of an activity's `People`: someone the activity concerns. `id` is an ID in the
 * identity system `provider` names: the host's own user ID when the editor got it from this host
 * (for example from CheckFileInfo), or an ID from elsewhere (a provider such as `Windows Live`),
 * so do not treat it as one of your user IDs without checking `provider`.
 */
export interface WopiActivityPerson {
  /** `Id`, when it is a string. */
  id?: string;
  /** `Name`: the display name, when it is a string. */
  name?: string;
  /** `Provider`: the identity system `id` belongs to, when it is a string. */
  provider?: string;
  /** `Mentioned`: the comment mentions the person (false when absent). */
  mentioned: boolean;
  /** `InThread`: the person takes part in the comment's thread (false when absent). */
  inThread: boolean;
  /** `RepliedTo`: the activity replies to this person (false when absent). */
  repliedTo: boolean;
  /** The entry as the editor sent it, for properties not typed here. */
  raw: Readonly<Record<string, unknown>>;
}

/** A `comment` activity: a comment was created, edited or deleted. */
export interface WopiCommentActivity {
  type: 'comment';
  /** `Id`, exactly as sent: the answer repeats it. */
  id: string;
  /** `Timestamp` as sent (not parsed: editors' formats vary), when it is a string. */
  timestamp?: string;
  data: WopiCommentData;
  /** `People`; empty when absent. Entries that are not JSON objects are left out. */
  people: WopiActivityPerson[];
  /** The activity as the editor sent it, for properties not typed here. */
  raw: Readonly<Record<string, unknown>>;
}

/**
 * An activity the router hands to `onActivities`: one of the supported types, discriminated by
 * `type`. Only `comment` today; a later version may add members, so switch on `type` with a
 * default branch.
 */
export type WopiActivity = WopiCommentActivity;

/** An activity the router does not handle; it is answered `unsupported` and not handed on. */
export interface WopiUnsupportedActivity {
  /** `Type` as sent (`''` when it is missing or not a string). */
  type: string;
  id: string;
  /** Why it is not handled, in the words of the answer's `Message`. */
  reason: string;
  raw: Readonly<Record<string, unknown>>;
}

/** One activity of a body, in request order: handled or not. */
export type ParsedActivity = { supported: true; activity: WopiActivity } | { supported: false; activity: WopiUnsupportedActivity };

/** A body read as a list of activities. */
export interface ActivitiesParseSuccess {
  ok: true;
  activities: ParsedActivity[];
}

/** A body that is not a list of activities: the operation answers 400 with `reason`. */
export interface ActivitiesParseFailure {
  ok: false;
  reason: string;
}

/** One entry of the answer. */
export interface WopiActivityResponse {
  Id: string;
  Status: WopiActivityStatus;
  Message?: string;
}

/** The AddActivities answer body. */
export interface WopiAddActivitiesResponse {
  ActivityResponses: WopiActivityResponse[];
}

/** What a {@link WopiRouterOptions.onActivities} hook is told. */
export interface WopiActivitiesContext {
  req: Request;
  fileId: string;
  /** The file the activities are about, as the storage describes it now. */
  file: WopiFileInfo;
  /** Who reported them: the user the access token stands for. */
  user: WopiUser;
  /** The supported activities, in request order; never empty (the hook is not called then). */
  activities: WopiActivity[];
}

type JsonObject = Readonly<Record<string, unknown>>;

const UNKNOWN_TYPE = 'Unsupported activity type';
const INCOMPLETE_COMMENT = 'Comment activity without a ContentId and ContentAction';

/**
 * Reads an AddActivities body. It must be a JSON object whose `Activities` is an array of
 * objects, each with a non-empty string `Id`; otherwise the result says why not. Properties
 * nobody knows about are tolerated everywhere (and kept in `raw`).
 */
export function parseAddActivitiesBody(text: string): ActivitiesParseSuccess | ActivitiesParseFailure {
  let body: unknown;
  try {
    // A UTF-8 byte order mark is not JSON, but some clients send one.
    body = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    return { ok: false, reason: 'The body is not JSON' };
  }
  if (!isObject(body)) return { ok: false, reason: 'The body is not a JSON object' };
  const list = own(body, 'Activities');
  if (!Array.isArray(list)) return { ok: false, reason: 'The body has no Activities array' };
  const activities: ParsedActivity[] = [];
  for (const [index, entry] of list.entries()) {
    if (!isObject(entry)) return { ok: false, reason: `Activity ${index} is not a JSON object` };
    const id = own(entry, 'Id');
    if (typeof id !== 'string' || id === '') return { ok: false, reason: `Activity ${index} has no Id` };
    activities.push(parseActivity(entry, id));
  }
  return { ok: true, activities };
}

/** The answer: one entry per activity, in the same order, with the activity's own `Id`. */
export function buildAddActivitiesResponse(activities: readonly ParsedActivity[]): WopiAddActivitiesResponse {
  return {
    ActivityResponses: activities.map(
      (parsed): WopiActivityResponse =>
        parsed.supported
          ? { Id: parsed.activity.id, Status: ACTIVITY_STATUS.success }
          : { Id: parsed.activity.id, Status: ACTIVITY_STATUS.unsupported, Message: parsed.activity.reason },
    ),
  };
}

/** The supported activities of a parsed body, in order: what the hook is given. */
export function supportedActivities(activities: readonly ParsedActivity[]): WopiActivity[] {
  const supported: WopiActivity[] = [];
  for (const parsed of activities) if (parsed.supported) supported.push(parsed.activity);
  return supported;
}

function parseActivity(raw: JsonObject, id: string): ParsedActivity {
  const type = own(raw, 'Type');
  const typeName = typeof type === 'string' ? type : '';
  if (typeName.toLowerCase() !== 'comment') return unsupported(raw, typeName, id, UNKNOWN_TYPE);
  const data = commentData(own(raw, 'Data'));
  if (data === undefined) return unsupported(raw, typeName, id, INCOMPLETE_COMMENT);
  const activity: WopiCommentActivity = { type: 'comment', id, data, people: people(own(raw, 'People')), raw };
  const timestamp = own(raw, 'Timestamp');
  if (typeof timestamp === 'string') activity.timestamp = timestamp;
  return { supported: true, activity };
}

function unsupported(raw: JsonObject, type: string, id: string, reason: string): ParsedActivity {
  return { supported: false, activity: { type, id, reason, raw } };
}

/** A comment's `Data`, or `undefined` when it lacks a string `ContentId` or `ContentAction`. */
function commentData(value: unknown): WopiCommentData | undefined {
  if (!isObject(value)) return undefined;
  const contentId = own(value, 'ContentId');
  const contentAction = own(value, 'ContentAction');
  if (typeof contentId !== 'string' || typeof contentAction !== 'string') return undefined;
  const data: WopiCommentData = { contentId, contentAction };
  const navigationId = own(value, 'NavigationId');
  if (typeof navigationId === 'string') data.navigationId = navigationId;
  const commentText = own(value, 'CommentText');
  if (typeof commentText === 'string') data.commentText = commentText;
  const isReply = own(value, 'IsReply');
  if (typeof isReply === 'boolean') data.isReply = isReply;
  return data;
}

function people(value: unknown): WopiActivityPerson[] {
  if (!Array.isArray(value)) return [];
  const list: WopiActivityPerson[] = [];
  for (const entry of value) {
    if (!isObject(entry)) continue;
    const person: WopiActivityPerson = {
      mentioned: own(entry, 'Mentioned') === true,
      inThread: own(entry, 'InThread') === true,
      repliedTo: own(entry, 'RepliedTo') === true,
      raw: entry,
    };
    const id = own(entry, 'Id');
    if (typeof id === 'string') person.id = id;
    const name = own(entry, 'Name');
    if (typeof name === 'string') person.name = name;
    const provider = own(entry, 'Provider');
    if (typeof provider === 'string') person.provider = provider;
    list.push(person);
  }
  return list;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An own property only: a body's `{}` must not find `constructor` or `toString`. */
function own(object: JsonObject, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}
