/**
 * The answer of the operations that make a file (PutRelativeFile, CreateChildFile): its `Name`,
 * the `Url` the editor opens it with (with a token the auth issues for it) and the `hostUrls`
 * hook's URLs, and the event that tells the host.
 *
 * The file is durable before any of that. When its URL cannot be made (the auth's `issueToken`
 * or the `hostUrls` hook failed), the answer is the failure, and a file the request created is
 * deleted again (best effort, through the storage's `deleteFile`): the editor reports the Save
 * As as failed and the user tries again, which would otherwise leave a copy nobody can open from
 * the editor; its `created` event is emitted only once the answer is made. A file the request
 * replaced cannot be put back: its `saved` event is emitted first, whatever follows.
 */
import type { WopiCreatedFile } from '../adapters/storage';
import type { WopiContext, WopiResult } from '../context';
import type { WopiSaveContext } from '../events';
import { emit } from '../event-dispatch';
import type { ResolvedWopiOptions } from '../options';
import { fileUrl } from './resource-urls';

/** Where the file came from, for its event: the original (PutRelativeFile) or the container (CreateChildFile). */
export type CreatedFrom = { sourceFileId: string } | { containerId: string };

export async function answerCreatedFile(
  ctx: WopiContext,
  created: WopiCreatedFile,
  replaced: boolean,
  from: CreatedFrom & { save: WopiSaveContext },
  issueToken: ResolvedWopiOptions['issueToken'] = ctx.options.issueToken,
): Promise<WopiResult> {
  const event = { fileId: created.fileId, file: created.info, ...from };
  if (replaced) {
    emit(ctx, 'saved', event);
    return answer(ctx, created, issueToken);
  }
  let result: WopiResult;
  try {
    result = await answer(ctx, created, issueToken);
  } catch (err) {
    await deleteAgain(ctx, created.fileId, err);
    throw err;
  }
  emit(ctx, 'created', event);
  return result;
}

async function answer(ctx: WopiContext, created: WopiCreatedFile, issueToken: ResolvedWopiOptions['issueToken']): Promise<WopiResult> {
  const url = await fileUrl(ctx, created.fileId, issueToken);
  const { hostUrls } = ctx.options;
  const extra = hostUrls ? await hostUrls({ req: ctx.req, fileId: created.fileId, name: created.info.name, user: ctx.user }) : undefined;
  return { json: { Name: created.info.name, Url: url, ...extra } };
}

async function deleteAgain(ctx: WopiContext, fileId: string, cause: unknown): Promise<void> {
  const { deleteFile } = ctx.options;
  const why = (cause as Error)?.message ?? String(cause);
  if (deleteFile === undefined) {
    ctx.log('created %s but could not answer with its URL (%s); the storage has no deleteFile: the file stays', fileId, why);
    return;
  }
  try {
    await deleteFile(fileId);
    ctx.log('created %s but could not answer with its URL (%s): deleted it again', fileId, why);
  } catch (err) {
    ctx.log('created %s but could not answer with its URL (%s), and could not delete it: %s', fileId, why, (err as Error)?.message);
  }
}
