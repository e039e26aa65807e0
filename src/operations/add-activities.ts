import { optionalOperation } from './operation';
import { BadRequestError } from '../errors';
import { log } from '../log';
import {
  buildAddActivitiesResponse,
  MAX_ACTIVITIES_BODY_BYTES,
  parseAddActivitiesBody,
  supportedActivities,
  type ParsedActivity,
} from '../protocol/activities';
import { parseSizeHeader } from '../protocol/sizes';
import { readTextBody } from './request-body';

const serverError = log('server_error');
const serverErrorTrace = log('server_error:trace');

/**
 * AddActivities — `X-WOPI-Override: ADD_ACTIVITIES`: the editor reports activities on the file
 * (comments, and the people they mention). Supported when the host configured `onActivities`.
 *
 * The file must exist (else 404). The body (JSON, at most 1 MiB, read with the upload idle
 * timeout) must hold an `Activities` array whose entries all have an `Id` (else 400). The
 * supported activities go to `onActivities`, and the answer has one `{ Id, Status }` per activity
 * in request order: 0 for a supported one, 3 for one this router does not handle.
 *
 * Read access is enough: an activity changes nothing in the file (the comment itself is saved
 * with the document), and people who may only read a document may still comment on it. The hook
 * gets the user with its permissions and may ignore readers' activities if the host wants that.
 *
 * A hook that throws or rejects does not fail the request: the comment is already in the
 * document, and the activity is a notification about it. The failure is logged on
 * `express-wopi:server_error` (counts and types only, never the body) and the answer stays what
 * the body alone decides.
 */
export const addActivities = optionalOperation({
  name: 'AddActivities',
  logName: 'add-activities',
  requiresWrite: false,
  handle: (options) => options.onActivities,
  async run(ctx, onActivities) {
    const { fileId } = ctx;
    const file = await ctx.options.storage.getFileInfo(fileId);
    const declared = parseSizeHeader(ctx.header('Content-Length'));
    if (typeof declared === 'number' && declared > MAX_ACTIVITIES_BODY_BYTES) {
      throw new BadRequestError(`The body is larger than ${MAX_ACTIVITIES_BODY_BYTES} bytes`);
    }
    const parsed = parseAddActivitiesBody(await readTextBody(ctx, MAX_ACTIVITIES_BODY_BYTES));
    if (!parsed.ok) throw new BadRequestError(parsed.reason);

    const activities = supportedActivities(parsed.activities);
    const summary = describe(parsed.activities);
    ctx.log('%s: %s', fileId, summary);
    if (activities.length > 0) {
      try {
        await onActivities({ req: ctx.req, fileId, file, user: ctx.user, activities });
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        serverError('request %s: onActivities hook failed for %s (%s): %s', ctx.requestId, fileId, summary, message);
        serverErrorTrace('request %s: %O', ctx.requestId, err);
      }
    }
    return { json: buildAddActivitiesResponse(parsed.activities) };
  },
});

/**
 * What a log line may say about the activities: how many of each supported type, and how many
 * unsupported ones. Nothing the editor wrote (comment text, names, IDs, unknown type names).
 */
function describe(activities: readonly ParsedActivity[]): string {
  const counts = new Map<string, number>();
  let unsupported = 0;
  for (const parsed of activities) {
    if (parsed.supported) counts.set(parsed.activity.type, (counts.get(parsed.activity.type) ?? 0) + 1);
    else unsupported++;
  }
  const parts = [...counts].map(([type, n]) => `${n} ${type}`);
  if (unsupported > 0) parts.push(`${unsupported} unsupported`);
  return parts.length === 0 ? 'no activities' : parts.join(', ');
}
