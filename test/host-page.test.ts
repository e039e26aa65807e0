/**
 * The host page: structure (form → iframe, the iframe's attributes, auto-submit), escaping of
 * hostile values, the CSP that goes with it, and the Express handler.
 */
import { createHash } from 'node:crypto';
import express from 'express';
import request from 'supertest';
import { WopiError } from '../src';
import {
  DEFAULT_HOST_PAGE_ALLOW,
  DEFAULT_HOST_PAGE_SANDBOX,
  DiscoveryActionNotFoundError,
  HOST_PAGE_SCRIPT_HASH,
  HOST_PAGE_STYLE_HASH,
  hostPageContentSecurityPolicy,
  hostPageHandler,
  renderHostPage,
  type HostPageOptions,
} from '../src/discovery';
import { escapeHtml } from '../src/host-page';

const ACTION = 'https://office.example.com/hosting/wopi/word/edit?ui=en-US&wopisrc=https%3A%2F%2Ffiles.example.com%2Fwopi%2Ffiles%2F1';
const base: HostPageOptions = { actionUrl: ACTION, accessToken: 'tok.en-123', accessTokenTtl: 1_800_000_000_000 };

/** The one element of a kind, as text (the pages are small and regular enough for this). */
function element(html: string, tag: string): string {
  const matches = html.match(new RegExp(`<${tag}\\b[^>]*>`, 'g')) ?? [];
  expect(matches).toHaveLength(1);
  return matches[0]!;
}

/** Attribute values of an element, entity-decoded. */
function attributes(tagText: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tagText.matchAll(/\s([a-z_-]+)(?:="([^"]*)")?/g)) {
    out[m[1]!] = (m[2] ?? '').replace(/&#(\d+);/g, (_w, code: string) => String.fromCharCode(Number(code)));
  }
  return out;
}

describe('renderHostPage: structure', () => {
  const html = renderHostPage({ ...base, title: 'report.docx', favIconUrl: 'https://office.example.com/favicon.ico' });

  it('a form POSTs into the editor iframe at the action URL', () => {
    const form = attributes(element(html, 'form'));
    expect(form).toMatchObject({ id: 'office_form', method: 'post', target: 'office_frame', action: ACTION });
    const inputs = [...html.matchAll(/<input\b[^>]*>/g)].map((m) => attributes(m[0]));
    expect(inputs).toEqual([
      { type: 'hidden', name: 'access_token', value: 'tok.en-123' },
      { type: 'hidden', name: 'access_token_ttl', value: '1800000000000' },
    ]);
  });

  it('the iframe carries the documented attributes', () => {
    const frame = attributes(element(html, 'iframe'));
    expect(frame).toEqual({
      id: 'office_frame',
      name: 'office_frame',
      title: 'Document editor',
      allowfullscreen: '',
      sandbox: DEFAULT_HOST_PAGE_SANDBOX,
      allow: DEFAULT_HOST_PAGE_ALLOW,
    });
    expect(DEFAULT_HOST_PAGE_SANDBOX.split(' ')).toEqual(
      expect.arrayContaining([
        'allow-scripts',
        'allow-same-origin',
        'allow-forms',
        'allow-popups',
        'allow-top-navigation',
        'allow-popups-to-escape-sandbox',
      ]),
    );
    expect(DEFAULT_HOST_PAGE_ALLOW).toBe('clipboard-read; clipboard-write');
  });

  it('the iframe is created by the script (from a template), then the form is submitted', () => {
    expect(html).toMatch(/<template id="office_frame_template"><iframe [^>]*><\/iframe><\/template>/);
    const script = html.match(/<script>([^<]*)<\/script>/)?.[1] ?? '';
    expect(script).toContain("getElementById('office_frame_template')");
    expect(script).toContain("getElementById('office_frame_holder').appendChild");
    expect(script.indexOf('appendChild')).toBeLessThan(script.indexOf('form.submit()'));
    // The editor's PostMessages are listened to before the editor is loaded.
    expect(script.indexOf("addEventListener('message'")).toBeLessThan(script.indexOf('form.submit()'));
    // The script holds no value of the page: nothing in it could need escaping.
    expect(script).not.toContain('tok.en-123');
    expect(script).not.toContain('office.example.com');
  });

  it('PostMessages: only from the editor, relayed as wopi:message events, answered with Host_PostmessageReady', () => {
    const script = html.match(/<script>([^<]*)<\/script>/)?.[1] ?? '';
    expect(script).toContain('e.origin!==editor||e.source!==frame.contentWindow');
    expect(script).toContain("new CustomEvent('wopi:message'");
    expect(script).toContain('Host_PostmessageReady');
    // Without closeUrl, relayToParentOrigin and scriptUrl the page carries none of them.
    const form = attributes(element(html, 'form'));
    expect(form).not.toHaveProperty('data-close-url');
    expect(form).not.toHaveProperty('data-parent-origin');
    expect(html.match(/<script/g)).toHaveLength(1);
  });

  it('closeUrl, relayToParentOrigin and scriptUrl go into the markup, escaped, and only as http(s) URLs', () => {
    const page = renderHostPage({
      actionUrl: 'https://office.example.com/edit?a=1',
      accessToken: 'tok',
      accessTokenTtl: 0,
      closeUrl: 'https://dms.example.com/folder?x="1"',
      relayToParentOrigin: 'https://dms.example.com/some/page',
      scriptUrl: 'https://dms.example.com/wopi-messages.js',
    });
    const form = attributes(element(page, 'form'));
    expect(form['data-close-url']).toBe('https://dms.example.com/folder?x="1"');
    expect(page).toContain('data-close-url="https://dms.example.com/folder?x=&#34;1&#34;"');
    expect(form['data-parent-origin']).toBe('https://dms.example.com');
    expect(page).toContain('<script src="https://dms.example.com/wopi-messages.js"></script>');
    for (const bad of ['javascript:alert(1)', 'data:text/html,x', '/relative']) {
      expect(() => renderHostPage({ actionUrl: 'https://o.example', accessToken: 't', accessTokenTtl: 0, closeUrl: bad })).toThrow(
        TypeError,
      );
      expect(() => renderHostPage({ actionUrl: 'https://o.example', accessToken: 't', accessTokenTtl: 0, scriptUrl: bad })).toThrow(
        TypeError,
      );
    }
    expect(hostPageContentSecurityPolicy('https://office.example.com/x', undefined, 'https://dms.example.com/wopi-messages.js')).toContain(
      `script-src ${HOST_PAGE_SCRIPT_HASH} https://dms.example.com/wopi-messages.js;`,
    );
  });

  it('the page has a viewport, a title, a favicon, no referrer', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<meta name="viewport"');
    expect(html).toContain('<meta name="referrer" content="no-referrer">');
    expect(html).toContain('<title>report.docx</title>');
    expect(attributes(element(html, 'link'))).toEqual({ rel: 'icon', href: 'https://office.example.com/favicon.ico' });
    expect(html).toContain('<noscript>');
  });

  it('the exported hashes are those of the inline script and style', () => {
    const script = html.match(/<script>([^<]*)<\/script>/)?.[1] ?? '';
    const style = html.match(/<style>([^<]*)<\/style>/)?.[1] ?? '';
    expect(HOST_PAGE_SCRIPT_HASH).toBe(`'sha256-${createHash('sha256').update(script).digest('base64')}'`);
    expect(HOST_PAGE_STYLE_HASH).toBe(`'sha256-${createHash('sha256').update(style).digest('base64')}'`);
  });
});

describe('renderHostPage: options', () => {
  it('sandbox and allow can be changed or left off', () => {
    const custom = attributes(
      element(renderHostPage({ ...base, sandbox: 'allow-scripts allow-same-origin allow-forms', allow: 'fullscreen' }), 'iframe'),
    );
    expect(custom.sandbox).toBe('allow-scripts allow-same-origin allow-forms');
    expect(custom.allow).toBe('fullscreen');
    const off = attributes(element(renderHostPage({ ...base, sandbox: false, allow: false }), 'iframe'));
    expect(off).not.toHaveProperty('sandbox');
    expect(off).not.toHaveProperty('allow');
    expect(off).toHaveProperty('allowfullscreen');
  });

  it('extra form fields follow the token; they cannot replace it', () => {
    const html = renderHostPage({ ...base, formFields: { user_id: 'u1', owner_id: 'o1', access_token: 'evil', access_token_ttl: '0' } });
    const inputs = [...html.matchAll(/<input\b[^>]*>/g)].map((m) => attributes(m[0]));
    expect(inputs.map((i) => [i.name, i.value])).toEqual([
      ['access_token', 'tok.en-123'],
      ['access_token_ttl', '1800000000000'],
      ['user_id', 'u1'],
      ['owner_id', 'o1'],
    ]);
  });

  it('a nonce goes on the script and the style', () => {
    const html = renderHostPage({ ...base, nonce: 'n0nce"x' });
    expect(html).toContain('<script nonce="n0nce&#34;x">');
    expect(html).toContain('<style nonce="n0nce&#34;x">');
  });

  it.each<[string, Partial<HostPageOptions>]>([
    ['javascript: action URL', { actionUrl: 'javascript:alert(1)' }],
    ['data: action URL', { actionUrl: 'data:text/html,<script>alert(1)</script>' }],
    ['relative action URL', { actionUrl: '/hosting/wopi/word/edit' }],
    ['javascript: favicon', { favIconUrl: 'javascript:alert(1)' }],
    ['negative TTL', { accessTokenTtl: -1 }],
    ['fractional TTL', { accessTokenTtl: 1.5 }],
    ['empty token', { accessToken: '' }],
  ])('refuses %s', (_label, override) => {
    expect(() => renderHostPage({ ...base, ...override })).toThrow(TypeError);
  });
});

describe('renderHostPage: escaping', () => {
  const hostileName = `"><script>alert('x')</script><img src=x onerror=alert(1)>&amp;.docx`;
  const hostileToken = `a"b'c<d>e&f\`g`;
  const html = renderHostPage({
    ...base,
    actionUrl: 'https://office.example.com/edit?a=1&b="2"&c=<3>',
    accessToken: hostileToken,
    title: hostileName,
    lang: 'en"><script>',
    frameTitle: '</iframe><script>',
    formFields: { '"name': `'value"` },
  });

  it('no value breaks out of its element or attribute', () => {
    // The only script element is the page's own.
    expect(html.match(/<script\b/g)).toHaveLength(1);
    expect(html).not.toContain('<img');
    expect(html).not.toContain(`'x')`);
    expect(html).not.toContain(hostileToken);
    expect(html).not.toContain('"><script>');
    expect(html).not.toContain('</iframe><script>');
  });

  it('values survive escaping exactly', () => {
    const inputs = [...html.matchAll(/<input\b[^>]*>/g)].map((m) => attributes(m[0]));
    expect(inputs[0]).toEqual({ type: 'hidden', name: 'access_token', value: hostileToken });
    expect(inputs[2]).toEqual({ type: 'hidden', name: '"name', value: `'value"` });
    expect(attributes(element(html, 'form')).action).toBe('https://office.example.com/edit?a=1&b="2"&c=<3>');
    expect(html).toContain(`<title>${escapeHtml(hostileName)}</title>`);
    expect(escapeHtml(hostileName)).toBe(
      '&#34;&#62;&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62;&#60;img src=x onerror=alert(1)&#62;&#38;amp;.docx',
    );
  });
});

describe('hostPageContentSecurityPolicy', () => {
  it('allows only the page, the editor origin and the favicon origin', () => {
    expect(hostPageContentSecurityPolicy(ACTION, 'https://cdn.office.example.com/x/favicon.ico')).toBe(
      [
        "default-src 'none'",
        `script-src ${HOST_PAGE_SCRIPT_HASH}`,
        `style-src ${HOST_PAGE_STYLE_HASH}`,
        'img-src https://cdn.office.example.com',
        'frame-src https://office.example.com',
        'form-action https://office.example.com',
        "base-uri 'none'",
        "frame-ancestors 'self'",
      ].join('; '),
    );
    expect(hostPageContentSecurityPolicy('http://127.0.0.1:9980/x')).toContain("img-src 'none'");
  });
});

describe('hostPageHandler', () => {
  function appWith(resolve: Parameters<typeof hostPageHandler>[0]): express.Express {
    const app = express();
    app.get('/files/:id/edit', hostPageHandler(resolve));
    app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res
        .status(WopiError.is(err) ? err.status : 500)
        .type('text')
        .send(WopiError.is(err) && err.expose ? err.message : 'failed');
    });
    return app;
  }

  it('sends the page with no-store, a CSP and no referrer', async () => {
    const seen: string[] = [];
    const app = appWith((req) => {
      seen.push(String(req.params.id));
      return { ...base, title: `File ${String(req.params.id)}` };
    });
    const res = await request(app).get('/files/F1/edit');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['content-security-policy']).toBe(hostPageContentSecurityPolicy(ACTION));
    expect(res.text).toContain('<title>File F1</title>');
    expect(seen).toEqual(['F1']);
  });

  it('passes wd* parameters of the page URL on to the action URL, and nothing else', async () => {
    const app = appWith(async () => ({ ...base, actionUrl: 'https://office.example.com/we/x.aspx?ui=en&WOPISrc=w' }));
    const res = await request(app).get('/files/F1/edit?wdPreviousSession=abc%20d&wdOrigin=link&other=1&access_token=leak');
    const action = attributes(element(res.text, 'form')).action;
    expect(action).toBe('https://office.example.com/we/x.aspx?ui=en&WOPISrc=w&wdPreviousSession=abc%20d&wdOrigin=link');
  });

  it('with a nonce, no CSP header is set (the app sets its own)', async () => {
    const res = await request(appWith(() => ({ ...base, nonce: 'abc' }))).get('/files/F1/edit');
    expect(res.headers['content-security-policy']).toBeUndefined();
    expect(res.text).toContain('<script nonce="abc">');
  });

  it('errors from resolve go to next()', async () => {
    const app = appWith(async () => {
      throw new DiscoveryActionNotFoundError('no edit for .pdf');
    });
    const res = await request(app).get('/files/F1/edit');
    expect(res.status).toBe(404);
    expect(res.text).toBe('no edit for .pdf');
    const bad = await request(appWith(() => ({ ...base, actionUrl: 'javascript:alert(1)' }))).get('/files/F1/edit');
    expect(bad.status).toBe(500);
  });
});
