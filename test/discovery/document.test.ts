/**
 * Parsing discovery documents in the three published layouts (fixtures in
 * test/fixtures/discovery/), finding actions, and reading the proof keys.
 */
import { WopiError } from '../../src';
import { DiscoveryError } from '../../src/discovery';
import {
  actionsFor,
  extensionOf,
  findAction,
  parseDiscoveryXml,
  proofKeysFromAttributes,
  type DiscoveryDocument,
} from '../../src/discovery/document';
import { fixture, type FixtureName } from '../helpers/fake-wopi-client';

const docs: Record<FixtureName, DiscoveryDocument> = {
  onlyoffice: parseDiscoveryXml(fixture('onlyoffice')),
  collabora: parseDiscoveryXml(fixture('collabora')),
  microsoft: parseDiscoveryXml(fixture('microsoft')),
};

describe('parseDiscoveryXml: the three layouts', () => {
  it.each<[FixtureName, number, string[]]>([
    ['onlyoffice', 35, ['view', 'embedview', 'editnew', 'edit', 'convert', 'getinfo']],
    ['collabora', 18, ['edit', 'view', 'view_comment', 'getinfo']],
    ['microsoft', 26, ['view', 'embedview', 'edit', 'editnew', 'convert', 'getinfo']],
  ])('%s: %d actions with their names', (name, count, actionNames) => {
    const doc = docs[name];
    expect(doc.actions).toHaveLength(count);
    expect([...new Set(doc.actions.map((a) => a.name))].sort()).toEqual([...actionNames].sort());
    for (const action of doc.actions) {
      expect(action.urlsrc).toMatch(/^https:\/\//);
      expect(action.ext).toBe(action.ext.toLowerCase());
    }
  });

  it('decodes entities in urlsrc (placeholders arrive as <name=VALUE&>)', () => {
    const edit = findAction(docs.onlyoffice, { ext: 'docx', action: 'edit' });
    expect(edit?.urlsrc).toBe(
      'https://onlyoffice.example/hosting/wopi/word/edit?&<rs=DC_LLCC&><dchat=DISABLE_CHAT&><embed=EMBEDDED&>' +
        '<fs=FULLSCREEN&><hid=HOST_SESSION_ID&><rec=RECORDING&><sc=SESSION_CONTEXT&><thm=THEME_ID&><ui=UI_LLCC&>' +
        '<wopisrc=WOPI_SOURCE&>&',
    );
  });

  it('reads app, favicon, net zone, requires and default', () => {
    expect(findAction(docs.onlyoffice, { ext: 'docx', action: 'edit' })).toEqual({
      name: 'edit',
      ext: 'docx',
      urlsrc: expect.stringContaining('/word/edit?'),
      requires: ['locks', 'update'],
      isDefault: true,
      app: 'Word',
      favIconUrl: 'https://onlyoffice.example/web-apps/apps/documenteditor/main/resources/img/favicon.ico',
      netZone: 'external-http',
    });
    const view = findAction(docs.collabora, { ext: 'pdf', action: 'view' });
    expect(view).toMatchObject({ app: 'writer', isDefault: true, requires: [] });
    expect(view?.urlsrc).toBe('https://collabora.example:9980/browser/5f2e8a1/cool.html?');
  });

  it('reads targetext of convert actions', () => {
    expect(findAction(docs.onlyoffice, { ext: 'doc', action: 'convert' })).toMatchObject({ targetExt: 'docx', requires: ['update'] });
    expect(findAction(docs.microsoft, { ext: 'doc', action: 'convert' })).toMatchObject({ targetExt: 'docx' });
  });

  it("keeps Collabora's MIME-type apps as actions with ext ''", () => {
    const mime = docs.collabora.actions.filter((a) => a.app.startsWith('application/'));
    expect(mime).toHaveLength(2);
    expect(mime.every((a) => a.ext === '')).toBe(true);
    expect(findAction(docs.collabora, { ext: '', action: 'edit' })).toBeUndefined();
  });

  it('reads all six proof-key attributes', () => {
    for (const name of ['onlyoffice', 'collabora', 'microsoft'] as const) {
      expect(Object.keys(docs[name].proofKey ?? {}).sort()).toEqual([
        'exponent',
        'modulus',
        'oldExponent',
        'oldModulus',
        'oldValue',
        'value',
      ]);
    }
  });
});

describe('proofKeysFromAttributes', () => {
  it.each<FixtureName>(['onlyoffice', 'collabora', 'microsoft'])('%s: modulus/exponent and value give the same keys', (name) => {
    const attrs = docs[name].proofKey!;
    const fromModulus = proofKeysFromAttributes({
      modulus: attrs.modulus!,
      exponent: attrs.exponent!,
      oldModulus: attrs.oldModulus!,
      oldExponent: attrs.oldExponent!,
    })!;
    const fromBlob = proofKeysFromAttributes({ value: attrs.value!, oldValue: attrs.oldValue! })!;
    expect(fromModulus.current.equals(fromBlob.current)).toBe(true);
    expect(fromModulus.old!.equals(fromBlob.old!)).toBe(true);
    expect(fromModulus.current.equals(fromModulus.old!)).toBe(false);
    expect(fromModulus.current.asymmetricKeyDetails?.modulusLength).toBe(2048);
  });

  it('no element, or no current key → undefined', () => {
    expect(proofKeysFromAttributes(undefined)).toBeUndefined();
    expect(proofKeysFromAttributes({ oldValue: docs.microsoft.proofKey!.oldValue! })).toBeUndefined();
  });

  it('a malformed old key is left out; a malformed current key throws', () => {
    const attrs = docs.microsoft.proofKey!;
    const keys = proofKeysFromAttributes({ value: attrs.value!, oldValue: 'AAAA' });
    expect(keys?.current).toBeDefined();
    expect(keys?.old).toBeUndefined();
    expect(() => proofKeysFromAttributes({ value: 'AAAA' })).toThrow(TypeError);
  });
});

describe('findAction', () => {
  it.each<[string, FixtureName, string, string, string | undefined, string | undefined]>([
    // label, fixture, ext, action, netZone, expected urlsrc prefix (undefined: not found)
    ['extension with a dot and upper case', 'onlyoffice', '.DOCX', 'edit', undefined, 'https://onlyoffice.example/hosting/wopi/word/edit?'],
    ['file name', 'onlyoffice', 'Quarterly Report.final.xlsx', 'edit', undefined, 'https://onlyoffice.example/hosting/wopi/cell/edit?'],
    ['action name case-insensitive', 'onlyoffice', 'pptx', 'EDIT', undefined, 'https://onlyoffice.example/hosting/wopi/slide/edit?'],
    ['embedview', 'onlyoffice', 'docx', 'embedview', undefined, 'https://onlyoffice.example/hosting/wopi/word/view?embed=1'],
    ['view-only type has no edit', 'onlyoffice', 'pdf', 'edit', undefined, undefined],
    ['unknown extension', 'collabora', 'exe', 'edit', undefined, undefined],
    ['no extension at all', 'collabora', '', 'edit', undefined, undefined],
    ['first net zone by default', 'microsoft', 'docx', 'edit', undefined, 'https://word-internal.officeapps.example/we/'],
    ['chosen net zone', 'microsoft', 'docx', 'edit', 'external-https', 'https://word-edit.officeapps.example/we/'],
    ['zone that does not exist', 'microsoft', 'docx', 'edit', 'external-http', undefined],
    ['Collabora: one urlsrc for all', 'collabora', 'xlsx', 'edit', undefined, 'https://collabora.example:9980/browser/5f2e8a1/cool.html?'],
  ])('%s', (_label, name, ext, action, netZone, expected) => {
    const found = findAction(docs[name], { ext, action, ...(netZone === undefined ? {} : { netZone }) });
    if (expected === undefined) expect(found).toBeUndefined();
    else expect(found?.urlsrc.startsWith(expected)).toBe(true);
  });

  it('actionsFor lists what an editor can do with a type', () => {
    expect(actionsFor(docs.onlyoffice, 'a.docx').map((a) => a.name)).toEqual(['view', 'embedview', 'editnew', 'edit']);
    expect(actionsFor(docs.onlyoffice, 'noext.')).toEqual([]);
  });
});

describe('extensionOf', () => {
  it.each<[string, string]>([
    ['docx', 'docx'],
    ['.docx', 'docx'],
    ['DOCX', 'docx'],
    ['report.final.DOCX', 'docx'],
    ['  spaced.pptx  ', 'pptx'],
    ['trailing-dot.', ''],
    ['', ''],
  ])('%s → %s', (input, expected) => {
    expect(extensionOf(input)).toBe(expected);
  });
});

describe('parseDiscoveryXml: what is not a discovery document', () => {
  it.each<[string, string, RegExp]>([
    ['not XML', 'Service Unavailable', /no <wopi-discovery> root|not well-formed/],
    ['HTML error page', '<html><body><h1>502 Bad Gateway</h1></body></html>', /no <wopi-discovery> root/],
    ['unclosed element', '<wopi-discovery><net-zone name="x">', /not well-formed/],
    ['empty root', '<wopi-discovery/>', /no <wopi-discovery> root|no actions/],
    ['no actions', '<wopi-discovery><net-zone name="x"><app name="Word"/></net-zone></wopi-discovery>', /no actions/],
    [
      'actions without urlsrc',
      '<wopi-discovery><net-zone><app name="W"><action name="edit" ext="docx"/></app></net-zone></wopi-discovery>',
      /no actions/,
    ],
    ['empty string', '', /no <wopi-discovery> root|not well-formed/],
  ])('%s', (_label, xml, message) => {
    let thrown: unknown;
    try {
      parseDiscoveryXml(xml);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(DiscoveryError);
    expect(WopiError.is(thrown) && thrown.status).toBe(500);
    expect((thrown as Error).message).toMatch(message);
  });

  it('a document without <proof-key> parses, without proof keys', () => {
    const doc = parseDiscoveryXml(fixture('collabora').replace(/<proof-key[^>]*\/>/, ''));
    expect(doc.proofKey).toBeUndefined();
    expect(doc.actions.length).toBeGreaterThan(0);
  });

  it('numeric character references in attributes are decoded', () => {
    const doc = parseDiscoveryXml(
      '<wopi-discovery><net-zone name="z"><app name="W"><action name="view" ext="docx" urlsrc="https://e/x?a=1&#38;&#x3C;ui=UI_LLCC&#x26;&#62;"/></app></net-zone></wopi-discovery>',
    );
    expect(doc.actions[0]?.urlsrc).toBe('https://e/x?a=1&<ui=UI_LLCC&>');
  });
});
