/**
 * `saveConflicts: 'keepBoth'`: a PutFile based on an older version than the stored one (the
 * editor's timestamp is not the file's `LastModifiedTime`) is not written over the original.
 * Its body becomes a new file next to the original, `<base> (conflict <date> <time> <user>).<ext>`,
 * through the storage's `createRelativeFile` (never overwriting anything), and the editor is
 * answered 200 so that the user's work is not reported as lost.
 */
import type { WopiUser } from '../adapters/auth';
import type { WopiCreatedFile, WopiFileInfo } from '../adapters/storage';
import type { WopiContext, WopiResult } from '../context';
import { InternalServerError } from '../errors';
import { MAX_FILE_NAME_BYTES, repairFileName, splitExtension } from '../protocol/file-name';
import { HEADER } from '../protocol/headers';
import { formatLastModifiedTime } from '../protocol/timestamp';
import { emit } from '../event-dispatch';
import { commitStep } from './commit-step';
import { assertPutFileLock } from './lock-rules';
import { boundedCandidates, MAX_NAME_ATTEMPTS } from './name-headers';
import { limitedBody, saveContext } from './request-body';

/** Longest part of a conflict copy's name taken from the user's name, in UTF-8 bytes. */
const MAX_USER_LABEL_BYTES = 64;

/**
 * Stores the request's body as a conflict copy of the file and answers the PutFile. `original`
 * is the file as the lock and timestamp checks saw it; `timestamp` is the editor's.
 *
 * The copy's commit step checks the original's lock again (the editor must still hold it, or the
 * file must still be one it may save unlocked): a save its lock refuses is refused whether or not
 * it is stale. The timestamp is not checked again: the original is not written.
 */
export async function saveConflictCopy(
  ctx: WopiContext,
  original: WopiFileInfo,
  requestLock: string | undefined,
  timestamp: string,
): Promise<WopiResult> {
  const { storage, locks, relative } = ctx.options;
  if (relative === undefined) throw new InternalServerError("saveConflicts is 'keepBoth' but the storage has no createRelativeFile");
  const { fileId } = ctx;
  ctx.log(
    'document changed: the editor saved on LastModifiedTime %j, the file has %s; keeping both (saveConflicts: keepBoth)',
    timestamp,
    formatLastModifiedTime(original.lastModifiedTime),
  );
  let originalNow = original;
  const step = commitStep(ctx, {
    method: 'createRelativeFile',
    // The original's section: its lock cannot change between this check and the copy appearing.
    sectionFor: () => fileId,
    async recheck(replacing) {
      if (replacing !== undefined) throw new InternalServerError('The storage is about to replace a file while creating a conflict copy');
      const [now, currentLock] = await Promise.all([storage.getFileInfo(fileId), locks.getLock(fileId)]);
      assertPutFileLock(ctx, now, currentLock, requestLock);
      originalNow = now;
    },
  });
  const save = saveContext(ctx, requestLock);
  const target = { candidates: conflictCopyNames(original.name, new Date(), ctx.user), overwrite: false };
  const created: WopiCreatedFile = await step.run(() =>
    relative.createRelativeFile(fileId, limitedBody(ctx), target, { ...save, signal: ctx.signal, commit: step.commit }),
  );
  ctx.log('conflict copy of %s created as %s (%s), %d bytes', fileId, created.fileId, created.info.name, created.info.size);
  emit(ctx, 'created', {
    fileId: created.fileId,
    file: created.info,
    save,
    sourceFileId: fileId,
    conflict: {
      reason: 'documentChanged',
      originalFileId: fileId,
      originalVersion: originalNow.version,
      originalLastModifiedTime: formatLastModifiedTime(originalNow.lastModifiedTime),
      editorLastModifiedTime: timestamp,
    },
  });
  // 200, so the editor does not report the user's work as lost. `LastModifiedTime` is the
  // editor's own timestamp back: Collabora and ONLYOFFICE send it with their next save, which is
  // then stale too and becomes a conflict copy of its own, instead of overwriting the original
  // with content that lacks the change this save conflicted with.
  return {
    headers: { [HEADER.itemVersion]: originalNow.version },
    json: { LastModifiedTime: timestamp },
  };
}

/**
 * The names a conflict copy of `originalName` may take, in order: `report (conflict 2026-12-03
 * 0712 Ada).docx`, then `… Ada) (1).docx`, … The date and time are UTC; the user is their
 * display name, else their ID. Every name is legal; the original's base name is shortened, not
 * the conflict tag, when the whole would be too long.
 */
export function conflictCopyNames(originalName: string, when: Date, user: Pick<WopiUser, 'userId' | 'userFriendlyName'>): Iterable<string> {
  const { base, extension } = splitExtension(originalName);
  const who = cutToBytes((user.userFriendlyName ?? '').trim() || user.userId.trim(), MAX_USER_LABEL_BYTES).trim();
  const iso = when.toISOString();
  const tag = ` (conflict ${iso.slice(0, 10)} ${iso.slice(11, 13)}${iso.slice(14, 16)}${who === '' ? '' : ` ${who}`})`;
  // Room for the ` (n)` the candidates after the first add.
  const room = MAX_FILE_NAME_BYTES - Buffer.byteLength(`${tag} (${MAX_NAME_ATTEMPTS})${extension}`);
  const stem = cutToBytes(base, Math.max(room, 0));
  return boundedCandidates(repairFileName(`${stem}${tag}${extension}`));
}

/** `text` cut to at most `bytes` bytes of UTF-8, never inside a character. */
function cutToBytes(text: string, bytes: number): string {
  let out = '';
  let used = 0;
  for (const ch of text) {
    const size = Buffer.byteLength(ch);
    if (used + size > bytes) break;
    out += ch;
    used += size;
  }
  return out;
}
