import request from 'supertest';
import { MemoryStorage, WopiConfigError, type WopiRouterOptions } from '../../src';
import type { WopiShareUrlContext } from '../../src';
import { createApp } from '../helpers/create-app';
import { checkFileInfo, fileUrl, type App } from '../helpers/wopi-requests';
import { expectNoToken } from '../helpers/wopi-assertions';

function getShareUrl(app: App, fileId: string, token: string, urlType: string | undefined) {
  const req = request(app).post(fileUrl(fileId)).query({ access_token: token }).set('X-WOPI-Override', 'GET_SHARE_URL');
  return urlType === undefined ? req : req.set('X-WOPI-UrlType', urlType);
}

async function setup(shareUrls?: WopiRouterOptions['shareUrls']) {
  const storage = new MemoryStorage();
  const fileId = storage.addFile('report.docx', 'x');
  const calls: WopiShareUrlContext[] = [];
  const app = createApp({
    storage,
    ...(shareUrls === undefined
      ? {}
      : {
          shareUrls: {
            ...shareUrls,
            url: (context) => {
              calls.push(context);
              return shareUrls.url(context);
            },
          },
        }),
  });
  return { ...app, storage, fileId, calls, t: await app.token(fileId) };
}

const BOTH: WopiRouterOptions['shareUrls'] = {
  types: ['ReadOnly', 'ReadWrite'],
  url: ({ target, urlType }) =>
    `https://dms.example.com/share/${target.type}/${'fileId' in target ? target.fileId : target.containerId}?${urlType}`,
};

describe('GetShareUrl (files)', () => {
  test('without shareUrls: CheckFileInfo lists no types and GetShareUrl answers 501', async () => {
    const { app, fileId, t } = await setup();
    const cfi = await checkFileInfo(app, fileId, t);
    expect(cfi.body).not.toHaveProperty('SupportedShareUrlTypes');
    expect((await getShareUrl(app, fileId, t, 'ReadOnly')).status).toBe(501);
  });

  test.each(['ReadOnly', 'ReadWrite'])('answers { ShareUrl } of type %s from the host, for the right file and user', async (type) => {
    const { app, fileId, t, calls } = await setup(BOTH);
    const cfi = await checkFileInfo(app, fileId, t);
    expect(cfi.body.SupportedShareUrlTypes).toEqual(['ReadOnly', 'ReadWrite']);
    const res = await getShareUrl(app, fileId, t, type);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ShareUrl: `https://dms.example.com/share/file/${fileId}?${type}` });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ target: { type: 'file', fileId }, urlType: type, user: { userId: 'u1' } });
    expectNoToken(res, t);
  });

  test('a type the host does not make, an unknown type or none: 501, and the host is not asked', async () => {
    const { app, fileId, t, calls } = await setup({ types: ['ReadOnly'], url: () => 'https://dms.example.com/s' });
    expect((await checkFileInfo(app, fileId, t)).body.SupportedShareUrlTypes).toEqual(['ReadOnly']);
    for (const type of ['ReadWrite', 'UnknownType', 'readonly', '', undefined]) {
      expect([type, (await getShareUrl(app, fileId, t, type)).status]).toEqual([type, 501]);
    }
    expect(calls).toHaveLength(0);
  });

  test('an unknown file is 404, a bad token 401, and a host that answers no URL 500', async () => {
    const { app, fileId, t, token } = await setup({ types: ['ReadOnly'], url: () => 'not a url' });
    expect((await getShareUrl(app, 'nope', await token('nope'), 'ReadOnly')).status).toBe(404);
    expect((await getShareUrl(app, fileId, 'garbage', 'ReadOnly')).status).toBe(401);
    const res = await getShareUrl(app, fileId, t, 'ReadOnly');
    expect(res.status).toBe(500);
    expect(res.text).toBe('Internal Server Error');
  });

  test('a read-only user may ask for a share URL (sharing is the host’s decision)', async () => {
    const { app, fileId, token } = await setup(BOTH);
    expect((await getShareUrl(app, fileId, await token(fileId, { write: false }), 'ReadOnly')).status).toBe(200);
  });

  test('bad shareUrls options are refused when the router is created', () => {
    const url = () => 'https://x.example';
    for (const shareUrls of [{ types: [], url }, { types: ['Public'], url }, { types: ['ReadOnly'] }, 'yes', { types: 'ReadOnly', url }]) {
      expect(() => createApp({ shareUrls: shareUrls as never })).toThrow(WopiConfigError);
    }
  });
});
