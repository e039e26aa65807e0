/**
 * express-wopi/discovery: opening an editor. `WopiDiscovery` reads a WOPI client's discovery
 * document (action URLs, proof keys); the host page embeds the editor for one file.
 * See docs/editors.md and docs/configuration.md#wopidiscovery.
 *
 * @module express-wopi/discovery
 */
export { WopiDiscovery, DEFAULT_DISCOVERY_TTL_MS } from './discovery';
export type {
  WopiDiscoveryOptions,
  DiscoveryFetch,
  DiscoveryResponse,
  ActionUrlOptions,
  ResolvedAction,
  DiscoveryStatus,
} from './discovery';
export { parseDiscoveryXml, findAction } from './document';
export type { DiscoveryDocument, DiscoveryAction, DiscoveryProofKeyAttributes, ActionQuery } from './document';
export { resolveActionUrl, PLACEHOLDER } from '../protocol/action-url';
export type { ActionUrlValues, PlaceholderValue } from '../protocol/action-url';

export {
  renderHostPage,
  hostPageHandler,
  hostPageContentSecurityPolicy,
  DEFAULT_HOST_PAGE_SANDBOX,
  DEFAULT_HOST_PAGE_ALLOW,
  HOST_PAGE_SCRIPT_HASH,
  HOST_PAGE_STYLE_HASH,
} from '../host-page';
export type { HostPageOptions } from '../host-page';

export { DiscoveryError, DiscoveryActionNotFoundError } from '../errors';
