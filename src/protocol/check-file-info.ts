/**
 * The CheckFileInfo response: the properties the router computes from the storage metadata, the
 * user and what this router implements. Hosts add or override properties through the
 * `checkFileInfo` hook.
 */
import type { WopiUser } from '../adapters/auth';
import type { WopiFileInfo } from '../adapters/storage';
import { formatLastModifiedTime } from './timestamp';
import { canCreate, canRename, canWrite } from './permissions';

/** CheckFileInfo JSON. The typed members are the ones the router sets; any other WOPI, ONLYOFFICE or Collabora property may be added by the hook. */
export interface WopiCheckFileInfoResponse {
  BaseFileName: string;
  OwnerId: string;
  Size: number;
  UserId: string;
  Version: string;
  UserFriendlyName?: string;
  LastModifiedTime: string;
  FileExtension: string;
  SHA256?: string;
  UserCanWrite: boolean;
  ReadOnly: boolean;
  UserCanRename: boolean;
  UserCanNotWriteRelative: boolean;
  SupportsLocks: boolean;
  SupportsGetLock: boolean;
  SupportsExtendedLockLength: boolean;
  SupportsUpdate: boolean;
  SupportsRename: boolean;
  SupportsDeleteFile: boolean;
  SupportsUserInfo: boolean;
  SupportsAddActivities?: boolean;
  IsEduUser: boolean;
  LicenseCheckForEditIsEnabled: boolean;
  SupportsContainers?: boolean;
  SupportsEcosystem?: boolean;
  SupportedShareUrlTypes?: string[];
  FileUrl?: string;
  UserInfo?: string;
  PostMessageOrigin?: string;
  HostEditUrl?: string;
  HostViewUrl?: string;
  CloseUrl?: string;
  DownloadUrl?: string;
  BreadcrumbBrandName?: string;
  BreadcrumbDocName?: string;
  BreadcrumbFolderName?: string;
  BreadcrumbFolderUrl?: string;
  [property: string]: unknown;
}

/** What the host can do beyond the core operations, as the configured adapters allow. */
export interface HostCapabilities {
  /** PutRelativeFile: the storage can find and create files next to another, the auth can issue tokens. */
  putRelative: boolean;
  /** RenameFile. */
  rename: boolean;
  /** DeleteFile. */
  deleteFile: boolean;
  /** PutUserInfo and CheckFileInfo `UserInfo`. */
  userInfo: boolean;
  /** AddActivities: the host configured `onActivities`. */
  addActivities: boolean;
  /** Containers and the ecosystem: the storage has them and the auth can issue resource tokens. */
  containers: boolean;
  /** GetShareUrl: the types the host's `shareUrls` makes (empty: GetShareUrl is not supported). */
  shareUrlTypes: readonly string[];
}

/** The extension of a file name including its dot (`report.docx` → `.docx`), or `''`. */
export function fileExtension(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot) : '';
}

/** Builds the CheckFileInfo properties the router is responsible for. Pure. */
export function buildCheckFileInfo(file: WopiFileInfo, user: WopiUser, capabilities: HostCapabilities): WopiCheckFileInfoResponse {
  const writable = canWrite(user);
  const info: WopiCheckFileInfoResponse = {
    BaseFileName: file.name,
    OwnerId: file.ownerId,
    Size: file.size,
    UserId: user.userId,
    Version: file.version,
    LastModifiedTime: formatLastModifiedTime(file.lastModifiedTime),
    FileExtension: fileExtension(file.name),
    UserCanWrite: writable,
    ReadOnly: !writable,
    UserCanRename: capabilities.rename && canRename(user),
    UserCanNotWriteRelative: !(capabilities.putRelative && canCreate(user)),
    SupportsLocks: true,
    SupportsGetLock: true,
    SupportsExtendedLockLength: true,
    SupportsUpdate: true,
    SupportsRename: capabilities.rename,
    SupportsDeleteFile: capabilities.deleteFile,
    SupportsUserInfo: capabilities.userInfo,
    // Said outright (WOPI's default is false too): Office compares them between a file and the
    // container it was created in, and this host has no licensing checks or education accounts.
    IsEduUser: false,
    LicenseCheckForEditIsEnabled: false,
  };
  if (capabilities.addActivities) info.SupportsAddActivities = true;
  if (capabilities.containers) {
    info.SupportsContainers = true;
    info.SupportsEcosystem = true;
  }
  if (capabilities.shareUrlTypes.length > 0) info.SupportedShareUrlTypes = [...capabilities.shareUrlTypes];
  if (user.userFriendlyName !== undefined) info.UserFriendlyName = user.userFriendlyName;
  if (file.sha256 !== undefined) info.SHA256 = file.sha256;
  return info;
}
