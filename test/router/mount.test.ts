/**
 * createWopiRouter returns an express.Router, in Express 4 and 5: typed as one, mountable under
 * any path and inside other routers, with the app's own middleware added to it running before
 * the WOPI routes, and everything the WOPI routes do not answer falling through to the app.
 *
 * Each Express version gets its own copy of src/ (jest.isolateModules), loaded while `express`
 * resolves to that version, so the router is built from the same Express the app uses, as in an
 * app that installed express@4 or express@5.
 */
import type express from 'express';
import request from 'supertest';
import * as wopi from '../../src';

type Wopi = typeof wopi;
type Express = typeof express;

/** src/ and express, loaded together with `express` resolving to `expressModule`. */
function load(expressModule: 'express' | 'express4'): { wopi: Wopi; express: Express } {
  let loaded: { wopi: Wopi; express: Express } | undefined;
  jest.isolateModules(() => {
    jest.doMock('express', () => jest.requireActual(expressModule));
    loaded = { wopi: require('../../src') as Wopi, express: require('express') as Express };
  });
  return loaded!;
}

const SECRET = 'router-mount-secret-router-mount-secret-0123';

// Type test (checked by `tsc -p tsconfig.json`): the router is an express.Router, so an app can
// keep it in a variable of that type and call Router methods on it.
function typedAsRouter(options: wopi.WopiRouterOptions): express.Router {
  const router: express.Router = wopi.createWopiRouter(options);
  router.use((_req: express.Request, _res: express.Response, next: express.NextFunction) => next());
  router.get('/health', (_req, res) => {
    res.send('ok');
  });
  return router;
}
void typedAsRouter;

describe.each([
  ['Express 5', 'express', /^5\./],
  ['Express 4', 'express4', /^4\./],
] as const)('%s', (_title, expressModule, version) => {
  const { wopi: w, express: ex } = load(expressModule);

  /** A file, a token for it, and a fresh WOPI router over them. */
  async function setup(): Promise<{ router: express.Router; fileId: string; token: string }> {
    const storage = new w.MemoryStorage();
    const fileId = storage.addFile('notes.docx', 'hello');
    const auth = new w.JwtAuth({ secret: SECRET });
    const router = w.createWopiRouter({ storage, auth, locks: new w.MemoryLockStore() });
    const { accessToken } = await auth.issueToken({ fileId, userId: 'u1', permissions: { write: true } });
    return { router, fileId, token: accessToken };
  }

  test('the router is a Router of the app’s express', () => {
    expect((jest.requireActual(`${expressModule}/package.json`) as { version: string }).version).toMatch(version);
    // The app's express is that version: Express 4's own router keeps `_params`, Express 5's (the
    // router package) does not.
    expect('_params' in ex.Router()).toBe(expressModule === 'express4');
    const router = w.createWopiRouter({ storage: new w.MemoryStorage(), auth: new w.JwtAuth({ secret: SECRET }) });
    const plain = ex.Router();
    for (const method of ['use', 'get', 'post', 'route', 'param'] as const) expect(router[method]).toBe(plain[method]);
    expect(Array.isArray(router.stack)).toBe(true);
    expect(router.stack.map((layer) => layer.name)).toEqual(['wopiRoutes']);
  });

  describe.each(['/wopi', '/apps/docs/wopi', '/'])('mounted at %s', (mountPath) => {
    const base = mountPath === '/' ? '' : mountPath;

    test('answers CheckFileInfo and GetFile, and passes everything else on to the app', async () => {
      const { router, fileId, token } = await setup();
      const app = ex();
      app.use(mountPath, router);
      app.use((req, res) => {
        res.status(418).send(`app: ${req.method} ${req.originalUrl.split('?')[0]}`);
      });

      const info = await request(app).get(`${base}/files/${fileId}`).query({ access_token: token });
      expect(info.status).toBe(200);
      expect(info.body).toMatchObject({ BaseFileName: 'notes.docx', UserId: 'u1' });
      const contents = await request(app).get(`${base}/files/${fileId}/contents`).query({ access_token: token });
      expect(contents.status).toBe(200);
      expect(contents.text ?? contents.body.toString()).toBe('hello');

      for (const [method, path] of [
        ['get', `${base}/other`],
        ['get', `${base}/files`],
        ['get', `${base}/files/${fileId}/contents/extra`],
        ['put', `${base}/files/${fileId}`],
        ['delete', `${base}/files/${fileId}`],
      ] as const) {
        const res = await request(app)[method](path).query({ access_token: token });
        expect({ path, status: res.status, text: res.text }).toEqual({ path, status: 418, text: `app: ${method.toUpperCase()} ${path}` });
      }
    });
  });

  test('mounted inside another router, under a path of its own', async () => {
    const { router, fileId, token } = await setup();
    const api = ex.Router();
    api.use('/wopi', router);
    const app = ex();
    app.use('/api/v1', api);
    app.get('/api/v1/wopi/status', (_req, res) => {
      res.send('status');
    });
    expect((await request(app).get(`/api/v1/wopi/files/${fileId}`).query({ access_token: token })).body.BaseFileName).toBe('notes.docx');
    expect((await request(app).get('/api/v1/wopi/status')).text).toBe('status');
  });

  describe('the app’s middleware on the router', () => {
    test('runs before the WOPI routes, in the order it was added, and can answer instead of them', async () => {
      const { router, fileId, token } = await setup();
      const seen: string[] = [];
      router.use((req, res, next) => {
        seen.push(`first ${req.baseUrl} ${req.path}`);
        res.setHeader('X-App', 'first');
        next();
      });
      router.use((req, res, next) => {
        seen.push('second');
        if (req.get('X-Deny') === 'yes') {
          res.status(403).send('denied by the app');
          return;
        }
        next();
      });
      const app = ex();
      app.use('/wopi', router);

      const ok = await request(app).get(`/wopi/files/${fileId}`).query({ access_token: token });
      expect(ok.status).toBe(200);
      expect(ok.headers['x-app']).toBe('first');
      expect(ok.body.BaseFileName).toBe('notes.docx');
      expect(seen).toEqual([`first /wopi /files/${fileId}`, 'second']);

      const denied = await request(app).get(`/wopi/files/${fileId}`).query({ access_token: token }).set('X-Deny', 'yes');
      expect(denied.status).toBe(403);
      expect(denied.text).toBe('denied by the app');
    });

    test('added after the router served requests, it still runs first', async () => {
      const { router, fileId, token } = await setup();
      const app = ex();
      app.use('/wopi', router);
      expect((await request(app).get(`/wopi/files/${fileId}`).query({ access_token: token })).status).toBe(200);

      router.use((_req, res, next) => {
        res.setHeader('X-Late', 'yes');
        next();
      });
      const res = await request(app).get(`/wopi/files/${fileId}`).query({ access_token: token });
      expect(res.status).toBe(200);
      expect(res.headers['x-late']).toBe('yes');
      // The WOPI routes are the router's last layer again.
      expect(router.stack[router.stack.length - 1]?.name).toBe('wopiRoutes');
      expect(router.stack).toHaveLength(2);
    });

    test('routes and path-scoped middleware added to the router work beside the WOPI routes', async () => {
      const { router, fileId, token } = await setup();
      const scoped: string[] = [];
      router.use('/files', (req, _res, next) => {
        scoped.push(`${req.baseUrl} ${req.path}`);
        next();
      });
      router.get('/health', (_req, res) => {
        res.send('healthy');
      });
      const app = ex();
      app.use('/wopi', router);
      expect((await request(app).get('/wopi/health')).text).toBe('healthy');
      const res = await request(app).get(`/wopi/files/${fileId}/contents`).query({ access_token: token });
      expect(res.status).toBe(200);
      expect(scoped).toEqual([`/wopi/files /${fileId}/contents`]);
    });

    test('an error it passes on reaches the app’s error handler, and the WOPI routes are skipped', async () => {
      const { router, fileId, token } = await setup();
      router.use((_req, _res, next) => next(new Error('rejected by the app')));
      const app = ex();
      app.use('/wopi', router);
      app.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
        res.status(599).send(err.message);
      });
      const res = await request(app).get(`/wopi/files/${fileId}`).query({ access_token: token });
      expect(res.status).toBe(599);
      expect(res.text).toBe('rejected by the app');
    });

    test("next('router') leaves the router without the WOPI routes", async () => {
      const { router, fileId, token } = await setup();
      router.use((_req, _res, next) => next('router'));
      const app = ex();
      app.use('/wopi', router);
      app.use((_req, res) => {
        res.status(418).send('after the router');
      });
      const res = await request(app).get(`/wopi/files/${fileId}`).query({ access_token: token });
      expect(res.status).toBe(418);
      expect(res.text).toBe('after the router');
    });

    test('with middleware on it, requests the WOPI routes do not answer still fall through', async () => {
      const { router, token } = await setup();
      router.use((_req, _res, next) => next());
      const app = ex();
      app.use('/wopi', router);
      app.get('/wopi/elsewhere', (_req, res) => {
        res.send('elsewhere');
      });
      expect((await request(app).get('/wopi/elsewhere').query({ access_token: token })).text).toBe('elsewhere');
      expect((await request(app).put('/wopi/files/abc').query({ access_token: token })).status).toBe(404);
    });
  });
});
