import { Readable } from 'node:stream';
import { optionalOperation } from './operation';
import { assertReplaceable, nameTakenConflict } from './lock-rules';
import type { WopiContainerStorage, WopiRelativeTarget } from '../adapters/storage';
import type { WopiContext } from '../context';
import { BadRequestError, InternalServerError, InvalidTokenError, NotImplementedError, WopiError } from '../errors';
import { HEADER, parseBooleanHeader } from '../protocol/headers';
import { checkFileName, fileNameKey, repairFileName, splitExtension } from '../protocol/file-name';
import { canCreate, canWrite } from '../protocol/permissions';
import { boundedCandidates, readTargetHeaders } from './name-headers';
import { saveContext } from './request-body';
import { commitStep } from './commit-step';
import { encodeUtf7 } from '../protocol/utf7';
import { answerCreatedFile } from './created-file';

/**
 * CreateChildFile — `POST /containers/:id`, `X-WOPI-Override: CREATE_CHILD_FILE`: a new, empty
 * file in this container, with PutRelativeFile's name rules. `X-WOPI-SuggestedTarget` is made
 * legal and free; `X-WOPI-RelativeTarget` is used exactly: illegal 400, taken 409 (with the taken
 * file's lock) unless `X-WOPI-OverwriteRelativeTarget: true`, and a locked file is never
 * replaced (409 with its lock). Both at once: 501; neither: 400. Answers `{ Name, Url,
 * HostViewUrl?, HostEditUrl? }`. The request body is not read: WOPI creates child files empty.
 */
export const createChildFile = optionalOperation({
  name: 'CreateChildFile',
  logName: 'create-child-file',
  // Creating needs `create` (default: `write`), checked below, as for PutRelativeFile.
  requiresWrite: false,
  resource: 'container',
  handle: (options) => options.containers,
  async run(ctx, containers) {
    if (!canCreate(ctx.user)) throw new InvalidTokenError('Access token does not grant creating in this container');
    const requested = readTargetHeaders(ctx);
    const relative = requested.mode === 'relative' ? requested.name : undefined;
    let target: WopiRelativeTarget;
    if (relative !== undefined) {
      const legal = checkFileName(relative);
      if (!legal.ok) throw new BadRequestError(legal.reason);
      target = { candidates: [relative], overwrite: parseBooleanHeader(ctx.header(HEADER.overwriteRelativeTarget)) === true };
    } else {
      const wanted = requested.name.startsWith('.') ? `New document${requested.name}` : requested.name;
      target = { candidates: boundedCandidates(repairFileName(wanted)), overwrite: false };
    }

    const { locks } = ctx.options;
    // The one rule to check at the commit step: a file about to be replaced is unlocked (and
    // the user may write), as that moment's lock says.
    const step = commitStep(ctx, {
      method: 'createChildFile',
      sectionFor: (replacing) => replacing,
      async recheck(replacing) {
        if (replacing === undefined) return;
        if (!target.overwrite) {
          throw new InternalServerError('The storage is about to replace a file in a CreateChildFile that may not overwrite');
        }
        if (!canWrite(ctx.user)) throw new NotImplementedError('This user may not overwrite files');
        assertReplaceable(ctx, replacing, await locks.getLock(replacing));
      },
    });
    const save = saveContext(ctx, undefined);
    let created: Awaited<ReturnType<WopiContainerStorage['createChildFile']>>;
    try {
      created = await step.run(() =>
        containers.createChildFile(ctx.containerId, Readable.from([]), target, {
          ...save,
          signal: ctx.signal,
          commit: step.commit,
        }),
      );
    } catch (err) {
      if (relative !== undefined && WopiError.is(err, 'WOPI_FILE_EXISTS')) throw await nameTaken(ctx, containers, relative);
      throw err;
    }
    ctx.log('created %s as %s', created.fileId, created.info.name);
    return answerCreatedFile(ctx, created, step.replaced !== undefined, { save, containerId: ctx.containerId });
  },
});

/**
 * The 409 for a taken exact name: the taken file's lock (empty when unlocked or when the name is
 * a container's) and, when there is one, a free name the editor may use instead.
 */
async function nameTaken(ctx: WopiContext, containers: WopiContainerStorage, name: string): Promise<WopiError> {
  const { extension } = splitExtension(name);
  const children = await containers.enumerateChildren(ctx.containerId, extension === '' ? {} : { extensions: [fileNameKey(extension)] });
  const taken = new Set([...children.files.map((f) => fileNameKey(f.info.name)), ...children.containers.map((c) => fileNameKey(c.name))]);
  const existing = children.files.find((f) => fileNameKey(f.info.name) === fileNameKey(name));
  const lock = existing === undefined ? null : await ctx.options.locks.getLock(existing.fileId);
  for (const candidate of boundedCandidates(name)) {
    if (!taken.has(fileNameKey(candidate))) return nameTakenConflict(lock, candidate === name ? undefined : encodeUtf7(candidate));
  }
  return nameTakenConflict(lock, undefined);
}
