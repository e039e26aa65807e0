/**
 * Which operation answers a request: a table keyed by HTTP method, route and `X-WOPI-Override`.
 * A request that matches no entry is answered 501.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { WopiOperation } from './operations/operation';
import { checkFileInfo } from './operations/check-file-info';
import { getFile } from './operations/get-file';
import { putFile } from './operations/put-file';
import { lock } from './operations/lock';
import { unlockAndRelock } from './operations/unlock-and-relock';
import { getLock } from './operations/get-lock';
import { refreshLock } from './operations/refresh-lock';
import { unlock } from './operations/unlock';
import { putRelativeFile } from './operations/put-relative-file';
import { renameFile } from './operations/rename-file';
import { deleteFile } from './operations/delete-file';
import { putUserInfo } from './operations/put-user-info';
import { addActivities } from './operations/add-activities';
import { enumerateContainerAncestors, enumerateFileAncestors } from './operations/enumerate-ancestors';
import { checkContainerInfo } from './operations/check-container-info';
import { enumerateChildren } from './operations/enumerate-children';
import { createChildContainer } from './operations/create-child-container';
import { createChildFile } from './operations/create-child-file';
import { deleteContainer } from './operations/delete-container';
import { renameContainer } from './operations/rename-container';
import { getContainerEcosystem, getFileEcosystem } from './operations/get-ecosystem';
import { checkEcosystem } from './operations/check-ecosystem';
import { getRootContainer } from './operations/get-root-container';
import { getContainerShareUrl, getFileShareUrl } from './operations/get-share-url';
import { HEADER, readHeader } from './protocol/headers';

/**
 * Which URL a request came to: `file` is `/files/:id`, `contents` is `/files/:id/contents`,
 * `container` is `/containers/:id`, `ecosystem` is `/ecosystem`, and a `/suffix` names the
 * endpoint below them (`/files/:id/ancestry` is `file/ancestry`).
 */
export type WopiRoute =
  | 'file'
  | 'contents'
  | 'file/ancestry'
  | 'file/ecosystem_pointer'
  | 'container'
  | 'container/children'
  | 'container/ancestry'
  | 'container/ecosystem_pointer'
  | 'ecosystem'
  | 'ecosystem/root_container_pointer';

/** Pseudo-override for LOCK with `X-WOPI-OldLock`, which WOPI defines as UnlockAndRelock. */
const UNLOCK_AND_RELOCK = 'LOCK+OLDLOCK';

const OPERATIONS: ReadonlyMap<string, WopiOperation> = new Map([
  ['GET file', checkFileInfo],
  ['GET contents', getFile],
  ['POST contents PUT', putFile],
  ['POST file LOCK', lock],
  [`POST file ${UNLOCK_AND_RELOCK}`, unlockAndRelock],
  ['POST file GET_LOCK', getLock],
  ['POST file REFRESH_LOCK', refreshLock],
  ['POST file UNLOCK', unlock],
  ['POST file PUT_RELATIVE', putRelativeFile],
  ['POST file RENAME_FILE', renameFile],
  ['POST file DELETE', deleteFile],
  ['POST file PUT_USER_INFO', putUserInfo],
  ['POST file ADD_ACTIVITIES', addActivities],
  ['POST file GET_SHARE_URL', getFileShareUrl],
  ['GET file/ancestry', enumerateFileAncestors],
  ['GET file/ecosystem_pointer', getFileEcosystem],
  ['GET container', checkContainerInfo],
  ['GET container/children', enumerateChildren],
  ['GET container/ancestry', enumerateContainerAncestors],
  ['GET container/ecosystem_pointer', getContainerEcosystem],
  ['POST container CREATE_CHILD_CONTAINER', createChildContainer],
  ['POST container CREATE_CHILD_FILE', createChildFile],
  ['POST container DELETE_CONTAINER', deleteContainer],
  ['POST container RENAME_CONTAINER', renameContainer],
  ['POST container GET_SHARE_URL', getContainerShareUrl],
  ['GET ecosystem', checkEcosystem],
  ['GET ecosystem/root_container_pointer', getRootContainer],
]);

/** The operation for a request, or `undefined` when this router does not implement it (501). */
export function selectOperation(method: string, route: WopiRoute, headers: IncomingHttpHeaders): WopiOperation | undefined {
  const verb = method === 'HEAD' ? 'GET' : method;
  if (verb === 'GET') return OPERATIONS.get(`GET ${route}`);
  let override = (readHeader(headers, HEADER.override) ?? '').trim().toUpperCase();
  if (override === 'LOCK' && readHeader(headers, HEADER.oldLock) !== undefined) override = UNLOCK_AND_RELOCK;
  return OPERATIONS.get(`${verb} ${route} ${override}`);
}
