import { optionalOperation } from './operation';
import { assertLockHeld, assertReplaceable, nameTakenConflict, optionalLockHeader } from './lock-rules';
import type { WopiCreatedFile, WopiRelativeTarget } from '../adapters/storage';
import type { RelativeFileMethods } from '../options';
import type { WopiContext } from '../context';
import { BadRequestError, InternalServerError, NotImplementedError, WopiError } from '../errors';
import { HEADER, parseBooleanHeader } from '../protocol/headers';
import { checkFileName, repairFileName, splitExtension } from '../protocol/file-name';
import { canCreate, canWrite } from '../protocol/permissions';
import { encodeUtf7 } from '../protocol/utf7';
import { boundedCandidates, readTargetHeaders } from './name-headers';
import { checkDeclaredSize, limitedBody, saveContext } from './request-body';
import { answerCreatedFile } from './created-file';
import { commitStep } from './commit-step';

/**
 * PutRelativeFile — `X-WOPI-Override: PUT_RELATIVE`: creates a new file next to this one ("Save
 * As", format conversion).
 *
 * `X-WOPI-SuggestedTarget` (an extension, or a full name) is made legal and free; nothing is ever
 * overwritten. `X-WOPI-RelativeTarget` is used exactly: an illegal name is 400, a taken one is 409
 * with a free `X-WOPI-ValidRelativeTarget` unless `X-WOPI-OverwriteRelativeTarget: true`, and a
 * locked one is 409 with its lock. Both headers at once: 501; neither: 400. A user that may
 * not create files gets 501 in every mode (CheckFileInfo says `UserCanNotWriteRelative: true`).
 */
export const putRelativeFile = optionalOperation({
  name: 'PutRelativeFile',
  logName: 'put-relative-file',
  requiresWrite: false,
  // The storage creates the file, the auth mints the token for the editor to open it with.
  handle: ({ relative, issueToken }) => (relative && issueToken ? { ...relative, issueToken } : undefined),
  async run(ctx, { issueToken, ...files }) {
    const { locks } = ctx.options;
    if (!canCreate(ctx.user)) throw new NotImplementedError('This user may not create files (UserCanNotWriteRelative)');
    const requested = readTargetHeaders(ctx);
    const suggested = requested.mode === 'suggested' ? requested.name : undefined;
    const relative = requested.mode === 'relative' ? requested.name : undefined;
    const declaredSize = checkDeclaredSize(ctx, HEADER.size);

    const original = await ctx.options.storage.getFileInfo(ctx.fileId);
    // The editor may Save As from a file it does not hold a lock on, and then sends no lock. When it
    // does send one, it must be the lock on the original (seed 002).
    const requestLock = optionalLockHeader(ctx, HEADER.lock);
    if (requestLock !== undefined) assertLockHeld(ctx, await locks.getLock(ctx.fileId), requestLock);

    const target = suggested !== undefined ? suggestedTarget(suggested, original.name) : await exactTarget(ctx, files, relative as string);

    // At the commit step, the same rules again: the original's lock (when the editor sent one)
    // and "replace only an unlocked file", for the file the storage is about to replace now.
    const step = commitStep(ctx, {
      method: 'createRelativeFile',
      sectionFor: (replacing) => replacing,
      async recheck(replacing) {
        if (replacing !== undefined && !target.overwrite) {
          throw new InternalServerError('The storage is about to replace a file in a PutRelativeFile that may not overwrite');
        }
        const [originalLock, targetLock] = await Promise.all([
          requestLock === undefined ? null : locks.getLock(ctx.fileId),
          replacing === undefined ? null : locks.getLock(replacing),
        ]);
        if (requestLock !== undefined) assertLockHeld(ctx, originalLock, requestLock);
        if (replacing !== undefined) {
          if (!canWrite(ctx.user)) throw new NotImplementedError('This user may not overwrite files');
          assertReplaceable(ctx, replacing, targetLock);
        }
      },
    });
    const save = saveContext(ctx, requestLock);
    let created: WopiCreatedFile;
    try {
      created = await step.run(() =>
        files.createRelativeFile(ctx.fileId, limitedBody(ctx, declaredSize), target, {
          ...save,
          signal: ctx.signal,
          commit: step.commit,
        }),
      );
    } catch (err) {
      // Exact name taken between the check above and the write: same answer as if seen before.
      if (relative !== undefined && WopiError.is(err, 'WOPI_FILE_EXISTS')) {
        throw await nameTaken(ctx, files, relative, null);
      }
      throw err;
    }
    ctx.log('created %s as %s', created.fileId, created.info.name);
    return answerCreatedFile(ctx, created, step.replaced !== undefined, { save, sourceFileId: ctx.fileId }, issueToken);
  },
});

/** Suggested mode: an extension alone keeps the original's base name; the result is made legal. */
function suggestedTarget(suggested: string, originalName: string): WopiRelativeTarget {
  const wanted = suggested.startsWith('.') ? splitExtension(originalName).base + suggested : suggested;
  return { candidates: boundedCandidates(repairFileName(wanted)), overwrite: false };
}

/** Exact mode: the name as given, or a 400 / 409 explaining why it cannot be used. */
async function exactTarget(ctx: WopiContext, files: RelativeFileMethods, name: string): Promise<WopiRelativeTarget> {
  const legal = checkFileName(name);
  if (!legal.ok) throw new BadRequestError(legal.reason);
  const overwrite = parseBooleanHeader(ctx.header(HEADER.overwriteRelativeTarget)) === true;
  const existing = await files.findRelativeFile(ctx.fileId, name);
  if (existing !== null) {
    const existingLock = await ctx.options.locks.getLock(existing);
    if (!overwrite) throw await nameTaken(ctx, files, name, existingLock);
    // Replacing a file is writing to it: creating files is not enough.
    if (!canWrite(ctx.user)) throw new NotImplementedError('This user may not overwrite files');
    assertReplaceable(ctx, existing, existingLock);
  }
  return { candidates: [name], overwrite };
}

/** The 409 for a taken exact name: carries a free name the editor may use instead. */
async function nameTaken(ctx: WopiContext, files: RelativeFileMethods, name: string, existingLock: string | null): Promise<WopiError> {
  for (const candidate of boundedCandidates(name)) {
    if (candidate !== name && (await files.findRelativeFile(ctx.fileId, candidate)) === null) {
      return nameTakenConflict(existingLock, encodeUtf7(candidate));
    }
  }
  return nameTakenConflict(existingLock, undefined);
}
