/**
 * The WOPI discovery document: parsing its XML into plain data, and looking things up in it.
 * Pure: no I/O (the fetching and caching is in ./discovery.ts).
 *
 * Layout (the same for ONLYOFFICE, Collabora and Microsoft; they differ in names and in what
 * they fill in):
 *
 * ```xml
 * <wopi-discovery>
 *   <net-zone name="external-https">
 *     <app name="Word" favIconUrl="…">
 *       <action name="edit" ext="docx" requires="locks,update" default="true" urlsrc="…"/>
 *     </app>
 *   </net-zone>
 *   <proof-key value="…" modulus="…" exponent="…" oldvalue="…" oldmodulus="…" oldexponent="…"/>
 * </wopi-discovery>
 * ```
 */
import { XMLParser } from 'fast-xml-parser';
import type { KeyObject } from 'node:crypto';
import { DiscoveryError } from '../errors';
import { publicKeyFromCspBlob, publicKeyFromModulusExponent, type ProofKeySet } from '../protocol/proof-keys';

/** One `<action>`: something an editor can do with files of one extension. */
export interface DiscoveryAction {
  /** `view`, `edit`, `editnew`, `embedview`, `convert`, `mobileView`, … */
  name: string;
  /** File extension without the dot, lower-cased; `''` for Collabora's MIME-type entries. */
  ext: string;
  /** The URL template (placeholders not yet resolved). */
  urlsrc: string;
  /** The WOPI capabilities the action needs (`locks`, `update`, …), from `requires`. */
  requires: string[];
  /** `default="true"`: the editor's default action for this extension. */
  isDefault: boolean;
  /** `targetext` of a `convert` action: the extension the file is converted to. */
  targetExt?: string;
  /** The `<app>` the action belongs to (`Word`, `writer`, a MIME type, …). */
  app: string;
  /** The app's `favIconUrl`, for the host page. */
  favIconUrl?: string;
  /** The `<net-zone>` the action belongs to (`external-https`, …; `''` when the document has none). */
  netZone: string;
}

/** The `<proof-key>` element, attribute by attribute (base64 strings, as published). */
export interface DiscoveryProofKeyAttributes {
  value?: string;
  modulus?: string;
  exponent?: string;
  oldValue?: string;
  oldModulus?: string;
  oldExponent?: string;
}

/** A parsed discovery document. */
export interface DiscoveryDocument {
  /** Every action of every app of every net zone, in document order. */
  actions: DiscoveryAction[];
  /** The `<proof-key>` element's attributes; `undefined` when the document has none. */
  proofKey?: DiscoveryProofKeyAttributes;
}

type XmlNode = Record<string, unknown>;

const ARRAY_ELEMENTS = new Set(['net-zone', 'app', 'action', 'proof-key']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: true,
  // Standard XML entities and numeric character references in attribute values (`&amp;`,
  // `&lt;`, `&#38;`); DOCTYPE entities stay within the parser's default expansion limits.
  processEntities: true,
  htmlEntities: true,
  isArray: (tagName) => ARRAY_ELEMENTS.has(tagName),
});

/**
 * Parses discovery XML. Throws {@link DiscoveryError} when the text is not XML, has no
 * `<wopi-discovery>` root, or lists no action at all (a document that cannot open anything is
 * treated as broken, so that a cache keeps its last good copy instead).
 */
export function parseDiscoveryXml(xml: string): DiscoveryDocument {
  let parsed: XmlNode;
  try {
    parsed = parser.parse(xml, true) as XmlNode;
  } catch (err) {
    throw new DiscoveryError(`discovery is not well-formed XML: ${(err as Error).message}`, { cause: err });
  }
  const root = parsed['wopi-discovery'];
  if (!isNode(root)) throw new DiscoveryError('discovery has no <wopi-discovery> root element');

  const actions: DiscoveryAction[] = [];
  for (const zone of nodes(root['net-zone'])) {
    const netZone = text(zone.name) ?? '';
    for (const app of nodes(zone.app)) {
      const appName = text(app.name) ?? '';
      const favIconUrl = text(app.favIconUrl);
      for (const action of nodes(app.action)) {
        const name = text(action.name);
        const urlsrc = text(action.urlsrc);
        if (name === undefined || urlsrc === undefined) continue;
        const targetExt = text(action.targetext);
        actions.push({
          name,
          ext: normalizeExtension(text(action.ext) ?? ''),
          urlsrc,
          requires: (text(action.requires) ?? '')
            .split(',')
            .map((r) => r.trim())
            .filter((r) => r !== ''),
          isDefault: (text(action.default) ?? '').toLowerCase() === 'true',
          app: appName,
          netZone,
          ...(favIconUrl === undefined ? {} : { favIconUrl }),
          ...(targetExt === undefined ? {} : { targetExt: normalizeExtension(targetExt) }),
        });
      }
    }
  }
  if (actions.length === 0) throw new DiscoveryError('discovery lists no actions');

  const proofElement = nodes(root['proof-key'])[0];
  const proofKey = proofElement === undefined ? undefined : proofKeyAttributes(proofElement);
  return proofKey === undefined ? { actions } : { actions, proofKey };
}

function proofKeyAttributes(element: XmlNode): DiscoveryProofKeyAttributes | undefined {
  const attrs: DiscoveryProofKeyAttributes = {};
  const pairs: Array<[keyof DiscoveryProofKeyAttributes, string]> = [
    ['value', 'value'],
    ['modulus', 'modulus'],
    ['exponent', 'exponent'],
    ['oldValue', 'oldvalue'],
    ['oldModulus', 'oldmodulus'],
    ['oldExponent', 'oldexponent'],
  ];
  for (const [key, attribute] of pairs) {
    const value = text(element[attribute]);
    if (value !== undefined && value !== '') attrs[key] = value;
  }
  return Object.keys(attrs).length === 0 ? undefined : attrs;
}

/**
 * The public keys of a `<proof-key>` element. The modulus/exponent form is used when present,
 * the CSP-blob form (`value` / `oldvalue`) otherwise. Returns `undefined` without a usable
 * current key; an unusable old key is left out. Throws `TypeError` for a current key that is
 * present but malformed.
 */
export function proofKeysFromAttributes(attrs: DiscoveryProofKeyAttributes | undefined): ProofKeySet | undefined {
  if (attrs === undefined) return undefined;
  const current = keyFrom(attrs.modulus, attrs.exponent, attrs.value);
  if (current === undefined) return undefined;
  let old: KeyObject | undefined;
  try {
    old = keyFrom(attrs.oldModulus, attrs.oldExponent, attrs.oldValue);
  } catch {
    old = undefined;
  }
  return old === undefined ? { current } : { current, old };
}

function keyFrom(modulus: string | undefined, exponent: string | undefined, value: string | undefined): KeyObject | undefined {
  if (modulus !== undefined && exponent !== undefined) return publicKeyFromModulusExponent(modulus, exponent);
  if (value !== undefined) return publicKeyFromCspBlob(value);
  return undefined;
}

/** What to look for with {@link findAction}. */
export interface ActionQuery {
  /** File extension (`docx`, `.DOCX`) or a file name (`report.docx`): the part after the last dot counts. */
  ext: string;
  /** Action name, e.g. `edit`; compared case-insensitively. */
  action: string;
  /** Only this net zone (`external-https`, …). Default: any, in document order. */
  netZone?: string;
}

/**
 * The first action (in document order) for an extension and action name, or `undefined`.
 * Extensions compare case-insensitively, without the dot.
 */
export function findAction(document: DiscoveryDocument, query: ActionQuery): DiscoveryAction | undefined {
  const ext = extensionOf(query.ext);
  const action = query.action.toLowerCase();
  if (ext === '') return undefined;
  return document.actions.find(
    (a) => a.ext === ext && a.name.toLowerCase() === action && (query.netZone === undefined || a.netZone === query.netZone),
  );
}

/** The actions available for an extension (all names, all zones), in document order. */
export function actionsFor(document: DiscoveryDocument, extOrFileName: string): DiscoveryAction[] {
  const ext = extensionOf(extOrFileName);
  return ext === '' ? [] : document.actions.filter((a) => a.ext === ext);
}

/** `report.DOCX` → `docx`; `.docx` → `docx`; `docx` → `docx`; `README` → `readme`. */
export function extensionOf(extOrFileName: string): string {
  const trimmed = extOrFileName.trim();
  const dot = trimmed.lastIndexOf('.');
  return normalizeExtension(dot === -1 ? trimmed : trimmed.slice(dot + 1));
}

function normalizeExtension(ext: string): string {
  return ext.trim().replace(/^\.+/, '').toLowerCase();
}

function isNode(value: unknown): value is XmlNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nodes(value: unknown): XmlNode[] {
  if (Array.isArray(value)) return value.filter(isNode);
  return isNode(value) ? [value] : [];
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}
