import { optionalOperation } from './operation';
import { fileNameKey } from '../protocol/file-name';
import { formatLastModifiedTime } from '../protocol/timestamp';
import { containerPointer, fileUrl } from './resource-urls';

/** `X-WOPI-FileExtensionFilterList`. */
const FILTER_HEADER = 'X-WOPI-FileExtensionFilterList';

/**
 * EnumerateChildren — `GET /containers/:id/children`: the files and containers directly in a
 * container, sorted by name, each with a URL carrying its own token. `X-WOPI-FileExtensionFilterList`
 * (`.docx,.xlsx`, dots optional, any case) keeps only files with those extensions; containers are
 * always listed.
 */
export const enumerateChildren = optionalOperation({
  name: 'EnumerateChildren',
  logName: 'enumerate-children',
  requiresWrite: false,
  resource: 'container',
  handle: (options) => options.containers,
  async run(ctx, containers) {
    const extensions = parseExtensionFilter(ctx.header(FILTER_HEADER));
    const children = await containers.enumerateChildren(ctx.containerId, extensions === undefined ? {} : { extensions });
    const byName =
      <T>(name: (item: T) => string) =>
      (a: T, b: T) =>
        compareNames(name(a), name(b));
    const files = children.files
      .filter((file) => extensions === undefined || extensions.some((ext) => fileNameKey(file.info.name).endsWith(ext)))
      .sort(byName((file) => file.info.name));
    const folders = [...children.containers].sort(byName((folder) => folder.name));
    const [ChildFiles, ChildContainers] = await Promise.all([
      Promise.all(
        files.map(async ({ fileId, info }) => ({
          Name: info.name,
          Url: await fileUrl(ctx, fileId),
          LastModifiedTime: formatLastModifiedTime(info.lastModifiedTime),
          Size: info.size,
          Version: info.version,
        })),
      ),
      Promise.all(folders.map((folder) => containerPointer(ctx, folder.containerId, folder.name))),
    ]);
    return { json: { ChildFiles, ChildContainers } };
  },
});

/** The header's extensions, lower-cased with a leading dot; `undefined` when absent or empty (no filter). */
export function parseExtensionFilter(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const extensions = value
    .split(',')
    .map((ext) => ext.trim())
    .filter((ext) => ext !== '' && ext !== '.')
    .map((ext) => fileNameKey(ext.startsWith('.') ? ext : `.${ext}`));
  return extensions.length === 0 ? undefined : [...new Set(extensions)];
}

function compareNames(a: string, b: string): number {
  const ka = fileNameKey(a);
  const kb = fileNameKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : a < b ? -1 : a > b ? 1 : 0;
}
