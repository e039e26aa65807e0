/**
 * The host page: the HTML page of your app that opens a WOPI editor for one file. It POSTs the
 * access token (never in a URL) from a form into an iframe at the editor's action URL, as
 * WOPI's host page guidance asks. `renderHostPage` returns the HTML as a string for any
 * template engine; `hostPageHandler` is an Express handler around it.
 */
import { createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { appendQuery } from './protocol/action-url';

/** Sandbox tokens of the editor iframe: Microsoft's sample host page, plus downloads and dialogs. */
export const DEFAULT_HOST_PAGE_SANDBOX = [
  'allow-scripts',
  'allow-same-origin',
  'allow-forms',
  'allow-popups',
  'allow-top-navigation',
  'allow-popups-to-escape-sandbox',
  'allow-downloads',
  'allow-modals',
].join(' ');

/** Permissions policy of the editor iframe: clipboard access for copy and paste. */
export const DEFAULT_HOST_PAGE_ALLOW = 'clipboard-read; clipboard-write';

export interface HostPageOptions {
  /** The editor's action URL (from `WopiDiscovery.actionUrl`). Must be `http:` or `https:`. */
  actionUrl: string;
  /** The access token for this file and user; POSTed as `access_token`. */
  accessToken: string;
  /** The token's expiry in milliseconds since the Unix epoch (`0`: unknown); POSTed as `access_token_ttl`. */
  accessTokenTtl: number;
  /** The page title, e.g. the file name. Default `Document`. */
  title?: string;
  /** Favicon URL, e.g. the discovery action's `favIconUrl`. */
  favIconUrl?: string;
  /** `lang` of the page. Default `en`. */
  lang?: string;
  /**
   * More form fields POSTed with the token, e.g. `user_id` and `owner_id` (recommended by
   * Microsoft) or ONLYOFFICE's `docs_api_config`.
   */
  formFields?: Readonly<Record<string, string>>;
  /**
   * The iframe's `sandbox` tokens; `false` leaves the attribute off. Default
   * {@link DEFAULT_HOST_PAGE_SANDBOX}.
   */
  sandbox?: string | false;
  /** The iframe's `allow` (permissions policy); `false` leaves it off. Default {@link DEFAULT_HOST_PAGE_ALLOW}. */
  allow?: string | false;
  /** The iframe's accessible title. Default `Document editor`. */
  frameTitle?: string;
  /** A CSP nonce for the inline script and style (otherwise use {@link hostPageContentSecurityPolicy}). */
  nonce?: string;
  /**
   * Where the page goes when the editor's close button is pressed (PostMessage `UI_Close`), unless
   * a `wopi:message` listener cancels the event. Absolute http(s) URL. Default: the page stays.
   */
  closeUrl?: string;
  /**
   * The origin of the page that embeds this host page in an iframe (your app's page). Every
   * PostMessage from the editor is then relayed to `window.parent` as
   * `{ type: 'express-wopi:message', messageId, values }`, to that origin only. Default: no relay.
   */
  relayToParentOrigin?: string;
  /**
   * A script of your own the page loads after its own (absolute http(s) URL), e.g. one that
   * listens to the `wopi:message` events. {@link hostPageContentSecurityPolicy} allows its origin
   * when given the same URL.
   */
  scriptUrl?: string;
}

// The page's only script: put a fresh iframe in place, listen to the editor's PostMessages, then
// post the form into the iframe. Creating the iframe from script (rather than in the markup)
// keeps browsers from restoring a stale editor session on back/forward navigation.
//
// PostMessages: only from the editor's origin (the form's action) and its frame. Each one is
// dispatched on `window` as a cancelable `wopi:message` CustomEvent (`detail`: messageId,
// values, sendTime); with `data-parent-origin`, relayed to `window.parent` at that origin; on
// App_LoadingStatus (and when the frame loads) the page answers Host_PostmessageReady, which
// editors wait for before sending the rest; on UI_Close, unless a listener cancelled the event,
// the page goes to `data-close-url`. It carries no values: everything it needs is in the escaped
// markup, so nothing here needs JavaScript escaping.
const SCRIPT =
  "(function(){var t=document.getElementById('office_frame_template');" +
  'var f=document.importNode(t.content,true);' +
  "document.getElementById('office_frame_holder').appendChild(f);" +
  "var form=document.getElementById('office_form'),frame=document.getElementById('office_frame');" +
  "var editor=new URL(form.action).origin,closeUrl=form.getAttribute('data-close-url'),parentOrigin=form.getAttribute('data-parent-origin');" +
  'function ready(){frame.contentWindow.postMessage(JSON.stringify({MessageId:"Host_PostmessageReady",SendTime:Date.now(),Values:{}}),editor);}' +
  "frame.addEventListener('load',ready);" +
  "window.addEventListener('message',function(e){if(e.origin!==editor||e.source!==frame.contentWindow)return;" +
  "var m=e.data;if(typeof m==='string'){try{m=JSON.parse(m);}catch(x){return;}}" +
  "if(!m||typeof m.MessageId!=='string')return;" +
  'var d={messageId:m.MessageId,values:m.Values||{},sendTime:m.SendTime};' +
  "if(d.messageId==='App_LoadingStatus')ready();" +
  "var go=window.dispatchEvent(new CustomEvent('wopi:message',{detail:d,cancelable:true}));" +
  "if(parentOrigin&&window.parent!==window)window.parent.postMessage({type:'express-wopi:message',messageId:d.messageId,values:d.values},parentOrigin);" +
  "if(go&&d.messageId==='UI_Close'&&closeUrl)location.assign(closeUrl);});" +
  'form.submit();})();';

const STYLE =
  'html,body{margin:0;padding:0;height:100%;overflow:hidden;-ms-content-zooming:none}' +
  '#office_frame{width:100%;height:100%;position:absolute;top:0;left:0;right:0;bottom:0;margin:0;border:none;display:block}' +
  'noscript{display:block;padding:1rem;font-family:sans-serif}';

/** CSP source expressions for the page's inline script and style. */
export const HOST_PAGE_SCRIPT_HASH = `'sha256-${createHash('sha256').update(SCRIPT).digest('base64')}'`;
export const HOST_PAGE_STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

/** Escapes text for HTML content and double-quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/**
 * The host page as an HTML string. Every value is HTML-escaped; the action URL must be an
 * absolute `http(s)` URL (anything else throws `TypeError`, so a `javascript:` URL can never
 * become the form's target).
 */
export function renderHostPage(options: HostPageOptions): string {
  const actionUrl = httpUrl(options.actionUrl, 'actionUrl');
  const ttl = options.accessTokenTtl;
  if (!Number.isSafeInteger(ttl) || ttl < 0) throw new TypeError('accessTokenTtl must be a non-negative integer (ms since the epoch)');
  if (typeof options.accessToken !== 'string' || options.accessToken === '') throw new TypeError('accessToken must be a non-empty string');
  const sandbox = options.sandbox === undefined ? DEFAULT_HOST_PAGE_SANDBOX : options.sandbox;
  const allow = options.allow === undefined ? DEFAULT_HOST_PAGE_ALLOW : options.allow;
  const nonce = options.nonce === undefined ? '' : ` nonce="${escapeHtml(options.nonce)}"`;
  const favicon =
    options.favIconUrl === undefined ? '' : `\n<link rel="icon" href="${escapeHtml(httpUrl(options.favIconUrl, 'favIconUrl'))}">`;
  const fields: Array<[string, string]> = [
    ['access_token', options.accessToken],
    ['access_token_ttl', String(ttl)],
    ...Object.entries(options.formFields ?? {}).filter(([name]) => name !== 'access_token' && name !== 'access_token_ttl'),
  ];
  const formData = [
    ...(options.closeUrl === undefined ? [] : [` data-close-url="${escapeHtml(httpUrl(options.closeUrl, 'closeUrl'))}"`]),
    ...(options.relayToParentOrigin === undefined
      ? []
      : [` data-parent-origin="${escapeHtml(new URL(httpUrl(options.relayToParentOrigin, 'relayToParentOrigin')).origin)}"`]),
  ].join('');
  const extraScript =
    options.scriptUrl === undefined ? '' : `\n<script src="${escapeHtml(httpUrl(options.scriptUrl, 'scriptUrl'))}"${nonce}></script>`;
  const inputs = fields
    .map(([name, value]) => `\n  <input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(String(value))}">`)
    .join('');
  const frameAttributes = [
    'id="office_frame"',
    'name="office_frame"',
    `title="${escapeHtml(options.frameTitle ?? 'Document editor')}"`,
    'allowfullscreen',
    ...(sandbox === false ? [] : [`sandbox="${escapeHtml(sandbox)}"`]),
    ...(allow === false ? [] : [`allow="${escapeHtml(allow)}"`]),
  ].join(' ');
  return `<!doctype html>
<html lang="${escapeHtml(options.lang ?? 'en')}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, maximum-scale=1, minimum-scale=1, user-scalable=no">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(options.title ?? 'Document')}</title>${favicon}
<style${nonce}>${STYLE}</style>
</head>
<body>
<form id="office_form" name="office_form" target="office_frame" action="${escapeHtml(actionUrl)}" method="post"${formData}>${inputs}
</form>
<span id="office_frame_holder"></span>
<template id="office_frame_template"><iframe ${frameAttributes}></iframe></template>
<noscript>This page opens the document editor with JavaScript, which is turned off.</noscript>
<script${nonce}>${SCRIPT}</script>${extraScript}
</body>
</html>
`;
}

/**
 * A `Content-Security-Policy` for a host page without a nonce: only the page's own script (and
 * `scriptUrl`, when the page loads one) and style run, and the form may only post to, and the
 * frame only show, the editor's origin.
 */
export function hostPageContentSecurityPolicy(actionUrl: string, favIconUrl?: string, scriptUrl?: string): string {
  const editor = new URL(httpUrl(actionUrl, 'actionUrl')).origin;
  const icon = favIconUrl === undefined ? "'none'" : new URL(httpUrl(favIconUrl, 'favIconUrl')).origin;
  const script = scriptUrl === undefined ? '' : ` ${httpUrl(scriptUrl, 'scriptUrl').replace(/[;,\s]/g, encodeURIComponent)}`;
  return [
    "default-src 'none'",
    `script-src ${HOST_PAGE_SCRIPT_HASH}${script}`,
    `style-src ${HOST_PAGE_STYLE_HASH}`,
    `img-src ${icon}`,
    `frame-src ${editor}`,
    `form-action ${editor}`,
    "base-uri 'none'",
    "frame-ancestors 'self'",
  ].join('; ');
}

/**
 * An Express handler that sends a host page. `resolve` works out, per request, everything the
 * page needs (check the visitor, issue a token, ask discovery for the action URL); it may throw
 * a `WopiError` (e.g. a `DiscoveryActionNotFoundError`) or anything else, which goes to
 * `next(err)`. The response gets `Cache-Control: no-store` (it holds a token), a
 * `Content-Security-Policy` from {@link hostPageContentSecurityPolicy} unless `resolve` set a
 * `nonce`, and `Referrer-Policy: no-referrer`.
 *
 * `wd*` query parameters of the host page's URL (Microsoft 365 sends some) are passed on to
 * the action URL unchanged, as Microsoft's host page guidance asks.
 */
export function hostPageHandler(
  resolve: (req: Request, res: Response) => HostPageOptions | Promise<HostPageOptions>,
): (req: Request, res: Response, next: NextFunction) => void {
  return (req, res, next) => {
    void (async () => {
      const resolved = await resolve(req, res);
      const options = { ...resolved, actionUrl: withWdParameters(resolved.actionUrl, req) };
      const html = renderHostPage(options);
      res.set('Cache-Control', 'no-store');
      res.set('Referrer-Policy', 'no-referrer');
      if (options.nonce === undefined) {
        res.set('Content-Security-Policy', hostPageContentSecurityPolicy(options.actionUrl, options.favIconUrl, options.scriptUrl));
      }
      res.type('html').send(html);
    })().catch(next);
  };
}

/** The action URL with the request's `wd*` query parameters added (those it does not have yet). */
function withWdParameters(actionUrl: string, req: Request): string {
  const queryAt = req.originalUrl.indexOf('?');
  if (queryAt === -1) return actionUrl;
  const present = new URL(httpUrl(actionUrl, 'actionUrl')).searchParams;
  const wd = [...new URLSearchParams(req.originalUrl.slice(queryAt + 1))].filter(([name]) => /^wd/i.test(name) && !present.has(name));
  if (wd.length === 0) return actionUrl;
  return appendQuery(
    actionUrl,
    wd.map(([name, value]) => [encodeURIComponent(name), encodeURIComponent(value)] as const),
  );
}

function httpUrl(value: string, name: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`${name} must be an absolute http(s) URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`${name} must be an absolute http(s) URL`);
  return value;
}
